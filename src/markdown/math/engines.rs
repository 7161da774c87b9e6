//! The render threads: each holds one QuickJS engine with KaTeX loaded, and is driven by one
//! build thread, which waits on it with the time limit (see [`super::render`] for why KaTeX
//! runs on a thread of its own). A batch of formulas goes to the engines as one shared queue
//! ([`render_queue`]): each render thread takes the next formula itself and the build threads
//! only watch the clock. Handing each formula over and its result back cost four context
//! switches per formula (85,000 in a cold build of 1,000 posts, 4% more CPU than the engines'
//! own work); now a build thread wakes when its engine finishes the queue or a formula
//! overruns.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::MathError;
use crate::sync::lock;

/// KaTeX's answer for one formula, or why the engine gave none.
pub(super) type Raw = Result<katex::Result<String>, MathError>;

/// Formulas rendered by several engines at once, each taking the next one not yet taken.
struct Queue {
    items: Vec<(String, katex::Opts)>,
    next: AtomicUsize,
    results: Mutex<Vec<Option<Raw>>>,
}

impl Queue {
    fn set(&self, i: usize, r: Raw) {
        if let Some(slot) = lock(&self.results).get_mut(i) {
            *slot = Some(r);
        }
    }

    fn is_drained(&self) -> bool {
        self.next.load(Ordering::Relaxed) >= self.items.len()
    }
}

/// What a render thread is on, for the build thread that watches it.
#[derive(Default)]
struct Progress {
    /// The queue's formula being rendered, and since when.
    current: Option<(usize, Instant)>,
    /// Given up on by its build thread: the render thread drops what it is rendering and ends.
    abandoned: bool,
}

enum Job {
    One(String, katex::Opts),
    Queue(Arc<Queue>),
}

enum Done {
    One(katex::Result<String>),
    /// No formula is left to take from the queue.
    Drained,
}

/// The build thread's end of a render thread.
struct Worker {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<Done>,
    progress: Arc<Mutex<Progress>>,
}

impl Worker {
    /// Starts a render thread and waits until its engine has loaded KaTeX, so that the time
    /// limit measures rendering only.
    fn spawn() -> Result<Worker, MathError> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done) = mpsc::channel();
        let (ready_tx, ready) = mpsc::channel();
        let progress = Arc::new(Mutex::new(Progress::default()));
        let watched = Arc::clone(&progress);
        std::thread::Builder::new()
            .name("quire-katex".into())
            .spawn(move || {
                let _ = katex::render("");
                let _ = ready_tx.send(());
                // Ends when the owner hangs up or gives up on it: after a timeout the owner
                // drops its `Worker`, and the abandoned render's result goes nowhere.
                for job in job_rx {
                    let done = match job {
                        Job::One(tex, opts) => Done::One(katex::render_with_opts(&tex, &opts)),
                        Job::Queue(queue) => match take_from(&queue, &watched) {
                            Some(()) => Done::Drained,
                            None => return,
                        },
                    };
                    if done_tx.send(done).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| MathError::Engine(format!("cannot start a render thread: {e}")))?;
        ready
            .recv()
            .map_err(|_| MathError::Engine("KaTeX failed to load".into()))?;
        Ok(Worker {
            jobs,
            done,
            progress,
        })
    }
}

/// A render thread's loop over a queue: `None` once its build thread gave up on it.
fn take_from(queue: &Queue, progress: &Mutex<Progress>) -> Option<()> {
    loop {
        let i = queue.next.fetch_add(1, Ordering::Relaxed);
        let Some((tex, opts)) = queue.items.get(i) else {
            return Some(());
        };
        lock(progress).current = Some((i, Instant::now()));
        let r = katex::render_with_opts(tex, opts);
        // Under the lock, so a formula is either rendered or timed out, never both.
        let mut p = lock(progress);
        if p.abandoned {
            return None;
        }
        p.current = None;
        queue.set(i, Ok(r));
    }
}

thread_local! {
    /// One render thread (one QuickJS engine) per thread that renders, as before the limit.
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Stops the calling thread's render thread, if it has one: its QuickJS engine (KaTeX and its
/// heap, megabytes each) is freed as the thread ends. A one-off build calls it on every build
/// thread once all its formulas are rendered, so the pages and the search index that follow do
/// not share memory with idle engines. Rendering again starts a new one.
pub fn stop_engine() {
    WORKER.with(|cell| drop(cell.borrow_mut().take()));
}

/// Renders one formula on the calling thread's render thread.
pub(super) fn render_one(tex: &str, opts: katex::Opts, limit: Duration) -> Raw {
    WORKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let worker = match slot.take() {
            Some(w) => w,
            None => Worker::spawn()?,
        };
        if worker.jobs.send(Job::One(tex.to_string(), opts)).is_err() {
            return Err(MathError::Engine("the render thread stopped".into()));
        }
        match worker.done.recv_timeout(limit) {
            Ok(Done::One(r)) => {
                *slot = Some(worker);
                Ok(r)
            }
            Ok(Done::Drained) => Err(MathError::Engine("the render thread lost a formula".into())),
            // The worker is dropped: its thread finishes this render alone and exits.
            Err(mpsc::RecvTimeoutError::Timeout) => Err(MathError::TooSlow { limit }),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(MathError::Engine("the render thread stopped".into()))
            }
        }
    })
}

/// Renders `items` on every thread's render thread of the current rayon pool, each taking the
/// next formula in order (so with the longest first, the engines finish together), each
/// formula held to `limit`. The results are in `items`' order.
pub(super) fn render_queue(items: Vec<(String, katex::Opts)>, limit: Duration) -> Vec<Raw> {
    let n = items.len();
    if n == 1 {
        let (tex, opts) = items.into_iter().next().expect("one item");
        return vec![render_one(&tex, opts, limit)];
    }
    let queue = Arc::new(Queue {
        results: Mutex::new((0..n).map(|_| None).collect()),
        items,
        next: AtomicUsize::new(0),
    });
    let failed: Vec<Option<MathError>> = rayon::broadcast(|_| drive(&queue, limit).err());
    let mut results = std::mem::take(&mut *lock(&queue.results));
    let failed = failed.into_iter().flatten().next();
    // Left only if every engine failed to start.
    let unrendered = || {
        Err(failed
            .clone()
            .unwrap_or_else(|| MathError::Engine("no render thread took the formula".into())))
    };
    results
        .iter_mut()
        .map(|r| r.take().unwrap_or_else(unrendered))
        .collect()
}

/// Has the calling thread's render thread take formulas from `queue` until none is left,
/// watching each against `limit`. A render thread past it is given up on (its formula fails
/// with [`MathError::TooSlow`]) and a fresh one takes over; so is one that died.
fn drive(queue: &Arc<Queue>, limit: Duration) -> Result<(), MathError> {
    WORKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        loop {
            if queue.is_drained() && slot.is_none() {
                return Ok(());
            }
            let worker = match slot.take() {
                Some(w) => w,
                None => Worker::spawn()?,
            };
            if worker.jobs.send(Job::Queue(Arc::clone(queue))).is_err() {
                continue;
            }
            if watch(&worker, queue, limit) {
                *slot = Some(worker);
                return Ok(());
            }
            // Dropped: a fresh engine takes the rest of the queue.
        }
    })
}

/// Waits for `worker` to drain `queue`: `true` when it did, `false` when it was given up on.
fn watch(worker: &Worker, queue: &Queue, limit: Duration) -> bool {
    loop {
        let since = lock(&worker.progress).current.map(|(_, at)| at);
        let wait = since.map_or(limit, |at| {
            (at + limit).saturating_duration_since(Instant::now())
        });
        match worker.done.recv_timeout(wait) {
            Ok(Done::Drained) => return true,
            Ok(Done::One(_)) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let mut p = lock(&worker.progress);
                if let Some((i, at)) = p.current
                    && at.elapsed() >= limit
                {
                    p.abandoned = true;
                    queue.set(i, Err(MathError::TooSlow { limit }));
                    return false;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Some((i, _)) = lock(&worker.progress).current.take() {
                    queue.set(
                        i,
                        Err(MathError::Engine("the render thread stopped".into())),
                    );
                }
                return false;
            }
        }
    }
}
