//! The rebuild loop: batches of changes in, a cached build, a new [`Status`] out.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::status::{Problem, Severity, Status};
use super::watch::{Change, SourceWatcher, next_batch};
use crate::build::{BuildOptions, Built, build_on, thread_pool};
use crate::error::{Error, Result};
use crate::incremental::BuildCache;

/// Quiet time that ends a burst of events. An editor's save is over in a millisecond or two;
/// this is the whole of the debounce's share of the edit-to-page latency.
const QUIET: Duration = Duration::from_millis(10);
/// However busy the folder, rebuild at least this often.
const CAP: Duration = Duration::from_millis(250);

/// Every open page is sent the status after each build; a first build's thousands of paths
/// would be sent to each of them for nothing. Past this many, the list is "unknown" (`None`).
const MAX_LISTED: usize = 100;

/// One build's outcome, as the loop reports and publishes it.
pub struct Outcome {
    /// A good build says, besides its report, the base path its output is served under.
    pub result: Result<Built>,
    pub elapsed: Duration,
    /// Output paths the build changed (`None`: unknown).
    pub changed: Option<Vec<PathBuf>>,
}

/// Owns the build cache and the build threads between builds. A blocking-pool thread waits for
/// each build, which itself runs on the build threads: tokio's threads have small stacks, and
/// templates or posts nested deep enough to overflow one would take the server down.
pub struct Rebuilder {
    opts: Arc<BuildOptions>,
    cache: Option<BuildCache>,
    pool: Option<Arc<rayon::ThreadPool>>,
    index_ready: Arc<dyn Fn() + Send + Sync>,
}

impl Rebuilder {
    /// `changes` is the stream the rebuild loop reads: a search index made in the background
    /// announces itself there ([`Change::SearchIndex`]), so the next build writes it.
    pub fn new(opts: BuildOptions, changes: mpsc::UnboundedSender<Change>) -> Self {
        let index_ready: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
            // The receiver is gone only while the server shuts down.
            let _ = changes.send(Change::SearchIndex);
        });
        Rebuilder {
            opts: Arc::new(opts),
            cache: Some(BuildCache::for_server(Arc::clone(&index_ready))),
            pool: None,
            index_ready,
        }
    }

    pub async fn build(&mut self) -> Outcome {
        let opts = Arc::clone(&self.opts);
        let mut cache = match self.cache.take() {
            Some(cache) => cache,
            None => BuildCache::for_server(Arc::clone(&self.index_ready)),
        };
        let start = Instant::now();
        let pool = match &self.pool {
            Some(pool) => Ok(Arc::clone(pool)),
            None => thread_pool().map(Arc::new),
        };
        if let Ok(pool) = &pool {
            self.pool = Some(Arc::clone(pool));
        }
        let joined = tokio::task::spawn_blocking(move || {
            let result = pool.and_then(|pool| build_on(&pool, &opts, &mut cache));
            (result, cache)
        })
        .await;
        let elapsed = start.elapsed();
        match joined {
            Ok((result, cache)) => {
                let changed = cache.changed().map(<[PathBuf]>::to_vec);
                self.cache = Some(cache);
                Outcome {
                    result,
                    elapsed,
                    changed,
                }
            }
            // A panic in the build (a bug, never a user mistake): report it, start afresh.
            Err(e) => Outcome {
                result: Err(Error::internal(format_args!("the build panicked: {e}"))),
                elapsed,
                changed: None,
            },
        }
    }
}

/// The status after `outcome`, given the one before: a failed build keeps the version (the old
/// output is still what is served, under the old base path) and shows its errors; a good one
/// bumps the version if it changed any file, and takes its base path.
pub fn next_status(previous: &Status, outcome: &Outcome) -> Status {
    match &outcome.result {
        Err(e) => Status {
            problems: Problem::from_error(e, Severity::Error),
            ..previous.clone()
        },
        Ok(built) => {
            let changed_any = outcome.changed.as_ref().is_none_or(|c| !c.is_empty());
            let base = built.base_path.clone();
            Status {
                version: previous.version + u64::from(changed_any),
                problems: built
                    .report
                    .warnings
                    .iter()
                    .flat_map(|w| Problem::from_error(w, Severity::Warning))
                    .collect(),
                changed: outcome
                    .changed
                    .as_ref()
                    .filter(|paths| paths.len() <= MAX_LISTED)
                    .map(|paths| {
                        paths
                            .iter()
                            .map(|p| format!("{base}/{}", p.to_string_lossy().replace('\\', "/")))
                            .collect()
                    }),
                base_path: base,
            }
        }
    }
}

/// Rebuilds after every batch of changes until the change channel closes.
pub async fn run(
    mut rebuilder: Rebuilder,
    mut watcher: SourceWatcher,
    mut changes: mpsc::UnboundedReceiver<Change>,
    status: watch::Sender<Arc<Status>>,
) {
    while let Some(batch) = next_batch(&mut changes, QUIET, CAP).await {
        if let Err(e) = watcher.refresh(&batch) {
            eprintln!("warning: {e}");
        }
        let outcome = rebuilder.build().await;
        let next = next_status(&status.borrow(), &outcome);
        report(&batch, &outcome, &next);
        status.send_if_modified(|current| {
            if **current == next {
                false
            } else {
                *current = Arc::new(next);
                true
            }
        });
    }
}

/// One line per rebuild on stdout, problems on stderr, as `quire build` prints them.
pub fn report(batch: &[Change], outcome: &Outcome, status: &Status) {
    let what: Vec<String> = batch
        .iter()
        .take(3)
        .map(|c| c.path().display().to_string())
        .collect();
    let more = batch.len().saturating_sub(3);
    let what = if more > 0 {
        format!("{} and {more} more", what.join(", "))
    } else {
        what.join(", ")
    };
    let ms = outcome.elapsed.as_secs_f64() * 1000.0;
    match &outcome.result {
        Ok(built) => {
            let files = outcome.changed.as_ref().map_or(0, Vec::len);
            println!(
                "rebuilt in {ms:.1} ms after {what}: {files} files changed, {} formulas rendered, version {}",
                built.report.formulas_rendered, status.version
            );
        }
        Err(_) => println!(
            "build failed after {what} ({ms:.1} ms); still serving version {}",
            status.version
        ),
    }
    for p in &status.problems {
        let kind = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        for line in p.text.lines() {
            eprintln!("{kind}: {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn built(base_path: &str) -> Built {
        Built {
            base_path: base_path.into(),
            ..Default::default()
        }
    }

    fn outcome(result: Result<Built>, changed: Option<Vec<&str>>) -> Outcome {
        Outcome {
            result,
            elapsed: Duration::ZERO,
            changed: changed.map(|c| c.into_iter().map(PathBuf::from).collect()),
        }
    }

    #[test]
    fn versions_move_only_when_the_output_does() {
        let start = Status {
            version: 4,
            base_path: "/repo".into(),
            ..Default::default()
        };
        let failed = next_status(
            &start,
            &outcome(
                Err(Error::at(Location::at("posts/a.md", 2, 1), "bad")),
                None,
            ),
        );
        assert_eq!(failed.version, 4);
        assert!(failed.failed());
        assert_eq!(failed.problems[0].line, Some(2));

        let fixed = next_status(
            &failed,
            &outcome(Ok(built("/repo")), Some(vec!["a/b.html"])),
        );
        assert_eq!(fixed.version, 5);
        assert!(fixed.problems.is_empty());
        assert_eq!(fixed.changed, Some(vec!["/repo/a/b.html".to_string()]));

        let same = next_status(&fixed, &outcome(Ok(built("/repo")), Some(vec![])));
        assert_eq!(
            same.version, 5,
            "a build that changed nothing reloads nothing"
        );

        let many: Vec<String> = (0..=MAX_LISTED).map(|i| format!("p{i}.html")).collect();
        let many = next_status(
            &same,
            &outcome(
                Ok(built("/repo")),
                Some(many.iter().map(String::as_str).collect()),
            ),
        );
        assert_eq!(
            (many.version, many.changed.is_none()),
            (6, true),
            "long lists are not sent"
        );

        let moved = next_status(&many, &outcome(Ok(built("")), None));
        assert_eq!((moved.version, moved.base_path.as_str()), (7, ""));
    }
}
