//! Site search, made with the site and served with it: no service, no network. Each post and
//! standalone page becomes a [`Record`] (its text, formulas as TeX, cut at its headings); the
//! records go to Pagefind ([`bundle`]), which writes an index split into small chunks plus the
//! script and WebAssembly that query it, into `/pagefind/`; the theme's `search.js` drives the
//! header's box and `/search/` with it. The index is kept in `.quire-cache/search/` under a
//! hash of the records ([`cache`]), so a build whose pages did not change indexes nothing and
//! writes the same bytes.

mod bundle;
mod cache;
mod record;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

pub use bundle::PAGEFIND_VERSION;
pub use record::Record;

use crate::error::Result;
use crate::markdown::Rendered;
use crate::output::OutputFile;
use crate::site::Site;

/// Where the bundle goes in the output (`/pagefind/pagefind.js`, …): Pagefind's own default,
/// which its script also assumes when it works out the base path.
pub const BUNDLE_DIR: &str = "pagefind";

/// The theme's search script (a site's `templates/search.js` replaces it).
pub const SCRIPT: (&str, &str) = ("search.js", include_str!("../../templates/search.js"));

/// What [`index`] made.
#[derive(Debug, Default)]
pub struct Indexed {
    /// The bundle under [`BUNDLE_DIR`] and the search script; none when search is off.
    pub files: Vec<OutputFile>,
    /// Pages this build gave Pagefind: 0 when the index came from the cache.
    pub pages_indexed: usize,
}

/// The records of a site's posts, then its standalone pages, in site order: `rendered[i]` is
/// `site.posts[i]`'s content, `page_rendered[i]` `site.pages[i]`'s. A page whose front matter
/// says `search: false` is left out.
pub fn records(site: &Site, rendered: &[Rendered], page_rendered: &[Rendered]) -> Vec<Record> {
    if !site.config.search.enabled {
        return Vec::new();
    }
    let lang = |extra: &std::collections::BTreeMap<String, Value>| {
        extra
            .get("lang")
            .and_then(Value::as_str)
            .unwrap_or(&site.config.lang)
            .to_string()
    };
    let searchable = |extra: &std::collections::BTreeMap<String, Value>| {
        extra.get("search") != Some(&Value::Bool(false))
    };
    let posts = site.posts.iter().zip(rendered);
    let posts = posts.map(|(p, r)| (&p.url, &p.title, &p.extra, &r.html));
    let pages = site.pages.iter().zip(page_rendered);
    let pages = pages.map(|(p, r)| (&p.url, &p.title, &p.extra, &r.html));
    let all: Vec<_> = posts.chain(pages).collect();
    all.into_par_iter()
        .filter(|(_, _, extra, _)| searchable(extra))
        .map(|(url, title, extra, html)| Record::new(url, title, &lang(extra), html))
        .collect()
}

/// The search bundle of a site whose pages are `records` (from [`records`], or one
/// [`Record::new`] per page as it is rendered), from `.quire-cache/search/` when it holds the
/// index of exactly these records, else made by Pagefind and stored there. `cache: false`
/// (`--no-cache`) neither reads nor writes it. Nothing at all when `[search] enabled = false`.
pub fn index(site: &Site, records: &[Record], cache: bool) -> Result<Indexed> {
    if !site.config.search.enabled {
        return Ok(Indexed::default());
    }
    let dir = site.root.join(crate::build::CACHE_DIR).join(cache::DIR);
    let key = cache::key(records);
    let (bundle, pages_indexed) = match cache.then(|| cache::read(&dir, &key)).flatten() {
        Some(files) => (files, 0),
        None => {
            let files = bundle::make(records)?;
            if cache {
                // A cache that cannot be written (a read-only checkout) only means the next
                // build indexes again.
                let _ = cache::write(&dir, &key, &files);
            }
            (files, records.len())
        }
    };
    let mut files: Vec<OutputFile> = bundle
        .into_iter()
        .map(|f| OutputFile {
            path: Path::new(BUNDLE_DIR).join(f.path),
            contents: f.contents,
        })
        .collect();
    files.push(script(&site.root)?);
    Ok(Indexed {
        files,
        pages_indexed,
    })
}

/// `search.js`: the site's own `templates/search.js`, else the theme's.
fn script(root: &Path) -> Result<OutputFile> {
    let (name, text) = SCRIPT;
    let own = root.join(crate::templates::TEMPLATES_DIR).join(name);
    let contents = if own.is_file() {
        crate::fs::read_to_string(&own)?
    } else {
        text.to_string()
    };
    Ok(OutputFile {
        path: PathBuf::from(name),
        contents: contents.into_bytes(),
    })
}
