//! A post's formatted citations and bibliography on disk, in `.quire-cache/citations/`:
//! formatting is most of what citations cost a build, and a warm build finds every post's
//! there unless its citations, its `.bib` files, the style or the language changed.

use std::path::Path;

use serde::Serialize;

use super::format::RenderedCites;
use super::{Found, StyleName, load::Bib};
use crate::cache_entry::Kind;

const ENTRY: Kind = Kind {
    name: "citations",
    version: 1,
};

/// Inside the site's cache folder.
pub const DIR: &str = ".quire-cache/citations";

/// What a post's formatting is made from: the style, the language, the files' hashes (in the
/// order keys are looked up) and each citation as written, without where it stands.
pub fn key(
    style: StyleName,
    chinese: bool,
    bibs: &[std::sync::Arc<Bib>],
    found: &[Found<'_>],
) -> Option<String> {
    #[derive(Serialize)]
    struct Item<'i> {
        key: &'i str,
        suppress_author: bool,
        locator: Option<&'i str>,
        known: bool,
    }
    let hashes: Vec<String> = bibs.iter().map(|b| b.hash.to_hex().to_string()).collect();
    let cites: Vec<(bool, Vec<Item<'_>>)> = found
        .iter()
        .map(|f| {
            let items = f
                .cite
                .items
                .iter()
                .zip(&f.entries)
                .map(|(i, e)| Item {
                    key: &i.key,
                    suppress_author: i.suppress_author,
                    locator: i.locator.as_deref(),
                    known: e.is_some(),
                })
                .collect();
            (f.cite.narrative, items)
        })
        .collect();
    let value = (env!("CARGO_PKG_VERSION"), style, chinese, hashes, cites);
    crate::incremental::fingerprint(&value).map(|h| h.to_hex().to_string())
}

pub fn read(dir: &Path, key: &str) -> Option<RenderedCites> {
    let bytes = ENTRY.read(&dir.join(key), key)?;
    serde_json::from_slice(&bytes).ok()
}

/// Failing to write only costs the next build the formatting.
pub fn write(dir: &Path, key: &str, rendered: &RenderedCites) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(json) = serde_json::to_vec(rendered) {
        let _ = ENTRY.write(&dir.join(key), key, &json);
    }
}
