//! The preview's search index, made off the reload path. Any edit to a page changes the index's
//! key, and Pagefind takes seconds over a 1,000-post site: were it on the path, every save
//! would wait for it. So the preview serves the index it has while a thread of its own makes
//! the new one; when that is done, `notify` asks the server for a build, which finds the index
//! ready and writes it. Pages do not show the index, so they need not wait; a search run in
//! between finds the text as it was before the edit.
//!
//! One index is made at a time: edits that come while one is made wait for it, and the build
//! it triggers starts the next from the site as it is then. Each page's [`Record`] is kept by
//! what it is made from, so a new index re-reads only the pages that changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};

use super::cache::{self, BundleFile};
use super::{Record, Source, bundle};
use crate::error::{Error, Result};
use crate::incremental::posts::Contents;
use crate::markdown::Content;

/// Records by [`cache::source_key`].
type Records = HashMap<blake3::Hash, Record>;

/// What a finished indexing hands back: the bundle, and the records it was made from.
type Made = Result<(Vec<BundleFile>, Records)>;

/// The preview's index and the one being made.
pub struct Background {
    notify: Arc<dyn Fn() + Send + Sync>,
    /// The bundle in the output folder, and its key.
    current: Option<(String, Vec<BundleFile>)>,
    records: Records,
    job: Option<Job>,
}

struct Job {
    key: String,
    done: mpsc::Receiver<Made>,
}

/// A page to index whose record must be made: owned, for the indexing thread.
struct ToRecord {
    key: blake3::Hash,
    url: String,
    title: String,
    lang: String,
    content: Arc<Content>,
}

impl Background {
    /// `notify` is called from the indexing thread when a new index is ready.
    pub fn new(notify: Arc<dyn Fn() + Send + Sync>) -> Self {
        Background {
            notify,
            current: None,
            records: Records::new(),
            job: None,
        }
    }

    /// The bundle to write now for a site whose indexed pages are `sources` (`key`: their
    /// [`cache::key`]): the one made from them when it is ready, else the last one while the
    /// new one is made. `first` makes the first index, which there is no older one to stand in
    /// for (on the calling thread, from the disk cache when it holds it).
    /// `disk` is the cache folder an index made here is stored in too (none with
    /// `--no-cache`). Returns the bundle and how many pages were indexed for it now.
    pub fn bundle(
        &mut self,
        key: String,
        sources: &[Source<'_>],
        contents: Contents<'_>,
        disk: Option<PathBuf>,
        first: impl FnOnce() -> Result<(Vec<BundleFile>, usize)>,
    ) -> Result<(Vec<BundleFile>, usize)> {
        self.collect()?;
        let Some((current_key, current)) = &self.current else {
            let (files, indexed) = first()?;
            self.current = Some((key, files.clone()));
            return Ok((files, indexed));
        };
        let current = current.clone();
        if *current_key != key && self.job.is_none() {
            self.start(key, sources, contents, disk)?;
        }
        Ok((current, 0))
    }

    /// Takes in the index a finished thread made, if one did.
    fn collect(&mut self) -> Result<()> {
        let made = match self.job.as_ref().map(|j| j.done.try_recv()) {
            None | Some(Err(TryRecvError::Empty)) => return Ok(()),
            Some(made) => made.map_err(|_| stopped()),
        };
        self.take(made)
    }

    /// Waits for the index being made, if any (for tests: the next build then writes it).
    pub fn wait(&mut self) -> Result<()> {
        match self.job.as_ref().map(|j| j.done.recv()) {
            None => Ok(()),
            Some(made) => self.take(made.map_err(|_| stopped())),
        }
    }

    fn take(&mut self, made: std::result::Result<Made, Error>) -> Result<()> {
        let key = self.job.take().map(|j| j.key).unwrap_or_default();
        let (files, records) = made??;
        self.records = records;
        self.current = Some((key, files));
        Ok(())
    }

    fn start(
        &mut self,
        key: String,
        sources: &[Source<'_>],
        contents: Contents<'_>,
        disk: Option<PathBuf>,
    ) -> Result<()> {
        let mut kept = std::mem::take(&mut self.records);
        let mut ready: Vec<(blake3::Hash, Option<Record>)> = Vec::with_capacity(sources.len());
        let mut to_make = Vec::new();
        for s in sources {
            let k = cache::source_key(s);
            match kept.remove(&k) {
                Some(r) => ready.push((k, Some(r))),
                None => {
                    let loaded = contents.loaded(s.rendered)?;
                    let content = loaded
                        .content()
                        .cloned()
                        .ok_or_else(|| Error::internal(format_args!("no content for {}", s.url)))?;
                    to_make.push(ToRecord {
                        key: k,
                        url: s.url.to_string(),
                        title: s.title.to_string(),
                        lang: s.lang.to_string(),
                        content,
                    });
                    ready.push((k, None));
                }
            }
        }
        let (tx, rx) = mpsc::channel();
        let notify = Arc::clone(&self.notify);
        let job_key = key.clone();
        std::thread::Builder::new()
            .name("quire-search".into())
            .spawn(move || {
                // Behind every build on the scheduler: a save's page waits on the build, while
                // the index only has to be ready for the next search. (Linux's nice is per
                // thread; failing to lower it only costs speed.)
                #[cfg(unix)]
                let _ = rustix::process::nice(LOWER_PRIORITY);
                let made = index(ready, to_make);
                if let (Some(dir), Ok((files, _))) = (disk, &made) {
                    // As a one-off build does: a cache that cannot be written only means
                    // the next build indexes again.
                    let _ = cache::write(&dir, &job_key, files);
                }
                // The receiver is gone only when the preview stops.
                let _ = tx.send(made);
                notify();
            })
            .map_err(|e| Error::System(format!("cannot start the search index's thread: {e}")))?;
        self.job = Some(Job { key, done: rx });
        Ok(())
    }
}

/// How far the index's thread is niced: as far as it goes, so it takes only idle cores.
#[cfg(unix)]
const LOWER_PRIORITY: i32 = 19;

fn stopped() -> Error {
    Error::internal("the search index's thread stopped without an index")
}

/// The bundle of `ready` records in order, the missing ones made from `to_make` first.
fn index(ready: Vec<(blake3::Hash, Option<Record>)>, to_make: Vec<ToRecord>) -> Made {
    let mut made: Records = to_make
        .into_iter()
        .map(|t| {
            let r = Record::new(&t.url, &t.title, &t.lang, &t.content.html);
            (t.key, r)
        })
        .collect();
    let records: Vec<(blake3::Hash, Record)> = ready
        .into_iter()
        .filter_map(|(k, r)| Some((k, r.or_else(|| made.remove(&k))?)))
        .collect();
    let files = bundle::make_from(
        records
            .chunks(bundle::RECORDS_AT_ONCE)
            .map(|c| Ok(c.iter().map(|(_, r)| r.clone()).collect())),
    )?;
    Ok((files, records.into_iter().collect()))
}
