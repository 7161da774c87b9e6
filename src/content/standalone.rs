//! [`Standalone`]: a Markdown file under `pages/` (`pages/about.md`), a page outside the
//! stream of posts. Front matter as for posts (`title`, `permalink`, `layout`, `description`,
//! `published`); no date, categories or tags. Its body goes through the same Markdown stage as a
//! post's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::front_matter;
use super::load::Source;
use super::permalink::escape_path;
use crate::error::{Error, Location, Result};

/// The folder of standalone pages, beside `posts/`.
pub const PAGES_DIR: &str = "pages";

#[derive(Debug, Clone)]
pub struct Standalone {
    /// Relative to the site root, e.g. `pages/about.md`.
    pub source: PathBuf,
    /// Where quire's layout has it: `source`, but for a Jekyll folder built as it is, whose
    /// `about.md` stands for `pages/about.md` (see [`Source::placed`]).
    pub placed: PathBuf,
    /// The whole file; the body starts at `body_offset`.
    pub text: String,
    pub body_offset: usize,
    pub title: String,
    /// Site-relative and percent-escaped: `/about/`, or the front matter's `permalink`.
    pub url: String,
    /// `templates/<layout>.html`, default `page`.
    pub layout: String,
    pub layout_at: Location,
    pub published: bool,
    /// Front matter keys quire gives no meaning to (`description`, `image`, …).
    pub extra: BTreeMap<String, Value>,
}

impl Standalone {
    pub fn from_source(src: Source) -> Result<Standalone> {
        let split = front_matter::split(&src.text);
        let fm = front_matter::parse_or_default(split.as_ref(), &src.rel)?;
        let at_key = |key: &str| front_matter::key_location(split.as_ref(), &src.rel, key);
        let url = match &fm.permalink {
            Some(p) => p.clone(),
            None => default_url(&src.placed),
        };
        if let Err(why) = crate::urls::output_path(&url) {
            let at = match &fm.permalink {
                Some(_) => at_key("permalink"),
                None => Location::file(&src.rel),
            };
            return Err(Error::at(
                at,
                format!("page URL `{url}` cannot be written: {why}"),
            ));
        }
        let stem = src
            .rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Standalone {
            title: fm
                .title
                .clone()
                .unwrap_or_else(|| super::post::titleize(&stem)),
            body_offset: split.as_ref().map_or(0, |s| s.body_offset),
            layout_at: at_key("layout"),
            layout: fm.layout.unwrap_or_else(|| "page".into()),
            published: fm.published.unwrap_or(true),
            extra: fm.extra,
            url,
            source: src.rel,
            placed: src.placed,
            text: src.text,
        })
    }
}

/// `pages/about.md` → `/about/`, `pages/notes/maths.md` → `/notes/maths/`, and an `index.md`
/// stands for its folder (`pages/notes/index.md` → `/notes/`).
fn default_url(rel: &Path) -> String {
    let inside = rel
        .strip_prefix(PAGES_DIR)
        .unwrap_or(rel)
        .with_extension("");
    let mut segments: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if segments.last().is_some_and(|s| s == "index") {
        segments.pop();
    }
    let mut url = String::from("/");
    for s in segments {
        url.push_str(&escape_path(&s));
        url.push('/');
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rel: &str, text: &str) -> Result<Standalone> {
        Standalone::from_source(crate::content::load::source(rel.into(), text.into()))
    }

    #[test]
    fn urls_titles_and_front_matter() {
        let p = page("pages/about.md", "---\ndescription: who\n---\nHello").unwrap();
        assert_eq!((p.url.as_str(), p.title.as_str()), ("/about/", "About"));
        assert_eq!(p.layout, "page");
        assert_eq!(p.extra["description"], "who");
        assert_eq!(&p.text[p.body_offset..], "Hello");
        let p = page("pages/notes/my notes.md", "---\ntitle: 笔记\n---\n").unwrap();
        assert_eq!(
            (p.url.as_str(), p.title.as_str()),
            ("/notes/my%20notes/", "笔记")
        );
        assert_eq!(page("pages/notes/index.md", "").unwrap().url, "/notes/");
        // A Jekyll folder's `pages/x.md`, built as it is, is quire's `pages/pages/x.md`.
        let jekyll = crate::content::load::placed_source(
            "pages/x.md".into(),
            "pages/pages/x.md".into(),
            String::new(),
        );
        let p = Standalone::from_source(jekyll).unwrap();
        assert_eq!(
            (p.url.as_str(), p.source.as_path()),
            ("/pages/x/", Path::new("pages/x.md"))
        );
        assert_eq!(
            page("pages/x.md", "---\npermalink: /me.html\n---\n")
                .unwrap()
                .url,
            "/me.html"
        );
    }

    #[test]
    fn a_permalink_outside_the_output_names_its_line() {
        let e = page(
            "pages/x.md",
            "---\ntitle: x\npermalink: /%2e%2e/x.html\n---\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("pages/x.md:3:1: page URL"), "{e}");
    }
}
