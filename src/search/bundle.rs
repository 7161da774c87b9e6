//! Pagefind: records in, the files of a search bundle out (its index, and the script and
//! WebAssembly that read it in the browser, which the `pagefind` crate carries, so quire ships
//! none of its own).

use std::path::PathBuf;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use super::cache::BundleFile;
use super::record::Record;
use crate::error::{Error, Result};

/// The Pagefind whose index and scripts the bundle holds, as its `pagefind-entry.json` names
/// it; in the cache key, so another Pagefind never serves an index it did not make (a test
/// checks it against the entry file).
pub const PAGEFIND_VERSION: &str = "1.6.0";

/// Pagefind's own interfaces, which quire's theme does not load: its prebuilt UIs and the
/// highlighting script. Left out of the site.
const UNUSED: &[&str] = &[
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

/// Indexes `records` with Pagefind: the bundle's files, sorted by path.
#[cfg(test)]
pub fn make(records: &[Record]) -> Result<Vec<BundleFile>> {
    make_from(
        records
            .chunks(RECORDS_AT_ONCE.max(1))
            .map(|c| Ok(c.to_vec())),
    )
}

/// Records made at once for Pagefind (in parallel), then given to it and dropped: a site's
/// records are never all held.
pub const RECORDS_AT_ONCE: usize = 64;

/// As [`make`], from `batches` of records made as they are asked for (a failed batch stops
/// the indexing with its error).
pub fn make_from(batches: impl Iterator<Item = Result<Vec<Record>>>) -> Result<Vec<BundleFile>> {
    let mut indexer = Indexer::new()?;
    for batch in batches {
        indexer.add(batch?)?;
    }
    indexer.files()
}

/// Pagefind, given records one at a time, then asked for the bundle. Pagefind is async
/// (tokio); it runs here on a runtime of its own, on the calling thread, with one blocking
/// thread: Pagefind parses each page on one, and pages are given one at a time, so a second
/// never runs alongside. Left to its default the runtime starts a thread whenever none is idle
/// at that instant (17 for 1,000 pages), each with an allocator arena of its own holding a
/// share of the index's words (a few megabytes more at the build's peak).
pub struct Indexer {
    runtime: tokio::runtime::Runtime,
    index: PagefindIndex,
}

fn failed(e: &dyn std::fmt::Display) -> Error {
    Error::System(format!("search index: {e}"))
}

impl Indexer {
    pub fn new() -> Result<Indexer> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .map_err(|e| failed(&e))?;
        let index = PagefindIndex::new(Some(PagefindServiceConfig::builder().build()))
            .map_err(|e| failed(&e))?;
        Ok(Indexer { runtime, index })
    }

    pub fn add(&mut self, records: Vec<Record>) -> Result<()> {
        let index = &mut self.index;
        self.runtime.block_on(async {
            for r in records {
                index
                    .add_html_file(None, Some(r.url), r.html)
                    .await
                    .map_err(|e| failed(&e))?;
            }
            Ok(())
        })
    }

    /// The bundle's files, sorted by path. Pagefind builds the index with rayon, on the pool
    /// of the thread that calls this: call it from the build's pool, or a second pool starts
    /// (threads, and their allocator arenas, tens of megabytes at the build's peak).
    pub fn files(self) -> Result<Vec<BundleFile>> {
        let Indexer { runtime, mut index } = self;
        let _often = crate::allocator::ReturnFreedOften::start();
        let files = runtime
            .block_on(index.get_files())
            .map_err(|e| failed(&e))?;
        let mut files: Vec<BundleFile> = files
            .into_iter()
            .filter(|f| !UNUSED.iter().any(|u| f.filename == PathBuf::from(u)))
            .map(|f| BundleFile {
                path: f.filename,
                contents: f.contents,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[BundleFile]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn bundle_holds_index_script_and_wasm_and_is_reproducible() {
        let records = [
            Record::new(
                "/a/",
                "Batch norm",
                "en",
                "<h2 id=\"x\">Batch</h2><p>normalization</p>",
            ),
            Record::new("/b/", "Other", "en", "<p>words</p>"),
        ];
        let files = make(&records).unwrap();
        let names = names(&files);
        for want in ["pagefind.js", "pagefind-entry.json", "wasm.en.pagefind"] {
            assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
        }
        for ext in [".pf_meta", ".pf_fragment", ".pf_index"] {
            assert!(
                names.iter().any(|n| n.ends_with(ext)),
                "no {ext} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n.contains("-ui")), "{names:?}");
        let entry = files
            .iter()
            .find(|f| f.path == std::path::Path::new("pagefind-entry.json"));
        let entry = String::from_utf8(entry.unwrap().contents.clone()).unwrap();
        assert!(
            entry.contains(&format!("\"version\":\"{PAGEFIND_VERSION}\"")),
            "{entry}"
        );
        assert_eq!(make(&records).unwrap(), files, "same records, same bytes");
    }
}
