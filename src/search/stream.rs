//! A one-off build's index, made while the posts are rendered. Pagefind indexes on one thread;
//! after the posts it held the build up for seconds with the other core idle, while during
//! them it takes its share of both cores and fills the moments KaTeX waits for a batch to be
//! parsed or stored. Each batch's records are made as the batch is done (its HTML still in
//! memory) and sent to Pagefind's thread.
//!
//! Started only when the index will have to be made: search on, every page's rendering key
//! known before rendering (so the index's key is too), and neither the output folder nor
//! `.quire-cache/search/` holding that index. [`super::index`] takes the result only if the
//! key it works out from the rendered pages is the one the stream started with.

use std::sync::mpsc;
use std::thread::JoinHandle;

use super::bundle;
use super::cache::{self, BundleFile};
use super::{Source, indexed};
use crate::error::{Error, Result};
use crate::incremental::posts::Contents;
use crate::markdown::{RenderKey, Rendered};
use crate::output::Previous;
use crate::output::ledger::Ledger;
use crate::site::Site;

/// Batches of records waiting for Pagefind: a couple, so a slow moment on its side never holds
/// up rendering, nor do records pile up.
const QUEUED: usize = 2;

enum Message {
    Records(Vec<super::Record>),
    /// Every page was sent: write the index.
    Done,
}

/// Pagefind's thread and the way to it.
pub struct Stream {
    /// The index's cache key, from the rendering keys known before rendering.
    key: String,
    send: Option<mpsc::SyncSender<Message>>,
    made: Option<JoinHandle<Result<bundle::Indexer>>>,
}

impl Stream {
    /// Starts Pagefind for the site whose Markdown inputs (posts, then standalone pages) have
    /// the rendering keys `keys`, when the index must be made (see the module's comment).
    /// `cache` and `output` as for [`super::index`].
    pub fn start(
        site: &Site,
        keys: &[Option<RenderKey>],
        cache: bool,
        output: Option<(&Ledger, &Previous)>,
    ) -> Option<Stream> {
        if !site.config.search.enabled {
            return None;
        }
        let pages = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| indexed(site, i).map(|(url, title, lang)| (url, title, lang, k)))
            .map(|(url, title, lang, k)| {
                k.as_ref()
                    .map(|k| cache::page_key(url, title, lang, cache::Made::Key(k)))
            })
            .collect::<Option<Vec<_>>>()?;
        let key = cache::key_of(&pages);
        let file_key = blake3::Hash::from_hex(&key).ok()?;
        if output
            .is_some_and(|(ledger, previous)| ledger.unchanged_group(previous, &file_key).is_some())
        {
            return None;
        }
        if cache && cache::read(&super::cache_dir(&site.root), &key).is_some() {
            return None;
        }
        let (send, receive) = mpsc::sync_channel(QUEUED);
        let made = std::thread::Builder::new()
            .name("quire-search".into())
            .spawn(move || {
                let mut indexer = bundle::Indexer::new()?;
                loop {
                    match receive.recv() {
                        Ok(Message::Records(records)) => indexer.add(records)?,
                        Ok(Message::Done) => return Ok(indexer),
                        // The build stopped: no index.
                        Err(_) => {
                            return Err(Error::System("search index: the build stopped".into()));
                        }
                    }
                }
            })
            .ok()?;
        Some(Stream {
            key,
            send: Some(send),
            made: Some(made),
        })
    }

    /// Sends Pagefind the records of `done`, the renderings of inputs `first..`, as each is
    /// indexed (see [`indexed`]).
    pub fn feed(
        &mut self,
        site: &Site,
        first: usize,
        done: &[Rendered],
        contents: Contents<'_>,
    ) -> Result<()> {
        let sources: Vec<Source<'_>> = done
            .iter()
            .enumerate()
            .filter_map(|(j, rendered)| {
                indexed(site, first + j).map(|(url, title, lang)| Source {
                    url,
                    title,
                    lang,
                    rendered,
                })
            })
            .collect();
        if sources.is_empty() {
            return Ok(());
        }
        let records = super::records(&sources, contents)?;
        if let Some(send) = &self.send {
            // A closed channel means Pagefind's thread failed: `finish` says why.
            let _ = send.send(Message::Records(records));
        }
        Ok(())
    }

    /// The index's key, as worked out before rendering.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Waits for Pagefind to take in every page sent, then has it write the index here, on
    /// the build's thread pool (see [`bundle::Indexer::files`]).
    pub fn finish(mut self) -> Result<Vec<BundleFile>> {
        if let Some(send) = self.send.take() {
            let _ = send.send(Message::Done);
        }
        match self.made.take().map(JoinHandle::join) {
            Some(Ok(indexer)) => indexer?.files(),
            _ => Err(Error::System(
                "search index: Pagefind's thread stopped".into(),
            )),
        }
    }
}

impl Drop for Stream {
    /// A build that stops early closes the channel without `Done`: Pagefind's thread ends at
    /// once, without writing an index.
    fn drop(&mut self) {
        self.send.take();
        if let Some(made) = self.made.take() {
            let _ = made.join();
        }
    }
}
