//! Site search, made with the site and served with it: no service, no network. Each post and
//! standalone page becomes a [`Record`] (its text, formulas as TeX, cut at its headings); the
//! records go to Pagefind ([`bundle`]), which writes an index split into small chunks plus the
//! script and WebAssembly that query it, into `/pagefind/`; the theme's `search.js` drives the
//! header's box and `/search/` with it. The index is kept in `.quire-cache/search/` under a
//! hash of what the records are made from ([`cache`]: each page's URL, title, language and
//! rendering key), so a build whose pages did not change reads no page's text, indexes nothing
//! and writes the same bytes.

mod background;
mod bundle;
mod cache;
mod record;
mod stream;

pub use background::Background;
pub use stream::Stream;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

pub use bundle::PAGEFIND_VERSION;
pub use record::Record;

use crate::error::Result;
use crate::incremental::posts::Contents;
use crate::markdown::Rendered;
use crate::output::ledger::{FileKey, Ledger};
use crate::output::{OutputFile, Previous};
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
    /// The bundle's files when the output folder holds them already, made from the same pages
    /// (then `files` holds only the script).
    pub kept: Vec<PathBuf>,
    /// The bundle's key, the same for each of its files (for the output's ledger).
    pub key: Option<FileKey>,
    /// Pages this build gave Pagefind: 0 when the index came from the cache.
    pub pages_indexed: usize,
}

/// What search reads of one post or standalone page: from these alone its [`Record`] is made,
/// and the index's cache key too, so a build whose pages did not change neither extracts their
/// text nor calls Pagefind.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub lang: &'a str,
    pub rendered: &'a Rendered,
}

/// The posts, then the standalone pages, in site order, that search indexes: `rendered[i]` is
/// `site.posts[i]`'s content, `page_rendered[i]` `site.pages[i]`'s. A page whose front matter
/// says `search: false` is left out; none at all when search is off.
pub fn sources<'a>(
    site: &'a Site,
    rendered: &'a [Rendered],
    page_rendered: &'a [Rendered],
) -> Vec<Source<'a>> {
    if !site.config.search.enabled {
        return Vec::new();
    }
    rendered
        .iter()
        .chain(page_rendered)
        .enumerate()
        .filter_map(|(i, rendered)| {
            indexed(site, i).map(|(url, title, lang)| Source {
                url,
                title,
                lang,
                rendered,
            })
        })
        .collect()
}

/// The URL, title and language under which search indexes the `i`-th of the site's posts
/// then standalone pages (the Markdown stage's order), or `None` when its front matter says
/// `search: false` (or there is no such page).
fn indexed(site: &Site, i: usize) -> Option<(&str, &str, &str)> {
    let (url, title, extra) = match site.posts.get(i) {
        Some(p) => (&p.url, &p.title, &p.extra),
        None => {
            let p = site.pages.get(i - site.posts.len())?;
            (&p.url, &p.title, &p.extra)
        }
    };
    if extra.get("search") == Some(&Value::Bool(false)) {
        return None;
    }
    let lang = extra
        .get("lang")
        .and_then(Value::as_str)
        .unwrap_or(&site.config.lang);
    Some((url, title, lang))
}

/// Where the last index is kept (see [`cache`]).
fn cache_dir(root: &Path) -> PathBuf {
    root.join(crate::build::CACHE_DIR).join(cache::DIR)
}

/// Each source's [`Record`], in order (what Pagefind is given on a cache miss). `contents`
/// gives pages taken from the store their HTML, for the moment their record is made. Each
/// rendering's reading time is noted from the same reading of its text.
pub fn records(sources: &[Source<'_>], contents: Contents<'_>) -> Result<Vec<Record>> {
    let records = sources
        .par_iter()
        .map(|s| {
            let r = contents.loaded(s.rendered)?;
            let sections = crate::pages::text::sections(r.html());
            s.rendered
                .reading_minutes
                .get_or_init(|| crate::pages::text::reading_minutes_of(&sections));
            Ok(Record::of_sections(s.url, s.title, s.lang, &sections))
        })
        .collect();
    crate::error::collect_all(records)
}

/// The search bundle of a site whose indexed pages are `sources` (from [`sources`]): kept as
/// it is in the output folder when the ledger says it was made from exactly these pages (see
/// [`crate::output::ledger`]), else from `.quire-cache/search/` when it holds their index,
/// else made by Pagefind and stored there. `cache: false` (`--no-cache`) neither reads nor
/// writes the cache. Nothing at all when `[search] enabled = false`. `contents` gives pages
/// taken from the store their HTML, read only when Pagefind is to index them. With
/// `background` (the preview), an index that must be made is made on a thread of its own, and
/// the last one stands in for it until it is ready (see [`Background`]).
pub fn index(
    site: &Site,
    sources: &[Source<'_>],
    cache: bool,
    contents: Contents<'_>,
    output: Option<(&Ledger, &Previous)>,
    background: Option<&mut Background>,
    stream: Option<Stream>,
) -> Result<Indexed> {
    if !site.config.search.enabled {
        return Ok(Indexed::default());
    }
    let dir = cache_dir(&site.root);
    let key = cache::key(sources);
    // Made while the posts were rendered: taken if it is the index of these very pages.
    let stream = stream.filter(|s| s.key() == key);
    let file_key = blake3::Hash::from_hex(&key).ok();
    let script = script(&site.root)?;
    let kept = output
        .zip(file_key)
        .and_then(|((ledger, previous), k)| ledger.unchanged_group(previous, &k));
    if let Some(kept) = kept {
        return Ok(Indexed {
            files: vec![script],
            kept,
            key: file_key,
            pages_indexed: 0,
        });
    }
    let made_now = || {
        let cached = (stream.is_none() && cache)
            .then(|| cache::read(&dir, &key))
            .flatten();
        if let Some(files) = cached {
            return Ok((files, 0));
        }
        let files = match stream {
            Some(stream) => stream.finish()?,
            None => bundle::make_from(
                sources
                    .chunks(bundle::RECORDS_AT_ONCE)
                    .map(|chunk| records(chunk, contents)),
            )?,
        };
        if cache {
            // A cache that cannot be written (a read-only checkout) only means the next
            // build indexes again.
            let _ = cache::write(&dir, &key, &files);
        }
        Ok((files, sources.len()))
    };
    let (bundle, pages_indexed, file_key) = match background {
        Some(bg) => {
            let (files, indexed) = bg.bundle(
                key.clone(),
                sources,
                contents,
                cache.then(|| dir.clone()),
                made_now,
            )?;
            // Perhaps the last index, standing in: it has no key to record.
            (files, indexed, None)
        }
        None => {
            let (files, indexed) = made_now()?;
            (files, indexed, file_key)
        }
    };
    let mut files: Vec<OutputFile> = bundle
        .into_iter()
        .map(|f| OutputFile {
            path: Path::new(BUNDLE_DIR).join(f.path),
            contents: f.contents,
        })
        .collect();
    files.push(script);
    Ok(Indexed {
        files,
        kept: Vec::new(),
        key: file_key,
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
