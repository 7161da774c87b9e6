//! Citations from BibTeX: Pandoc's `[@key]`, `[-@key]`, `[@a; @b, p. 33]` and narrative `@key`,
//! formatted by hayagriva (the library Typst uses) in a CSL style from its archive, with a
//! bibliography at the post's end or where `::: {#refs}` stands.
//!
//! Runs during [`super::parse`], after cross-references (so `@eq-x` is already a link and never
//! a key) and before the KaTeX prepass: formulas in entry titles become `InlineMath` events and
//! are rendered with every other formula.

mod cache;
mod events;
mod format;
mod html;
pub mod load;
mod locales;
pub mod syntax;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use hayagriva::Entry;
use hayagriva::archive::ArchivedStyle;
use pulldown_cmark::Event;
use serde::{Deserialize, Serialize, Serializer};

use super::{Input, Spanned};
use crate::error::{Error, Location, Result};
pub use events::unlinked;
use events::{insert_bibliography, merge_text, replace_cites};
use format::{Format, Formatter};
use load::{Bib, Loader};

/// `[citations] style`: the CSL styles quire offers, by the names `site.toml` uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StyleName {
    /// Numbered in order of first citation: [1].
    #[default]
    Ieee,
    Apa,
    ChicagoAuthorDate,
}

impl StyleName {
    fn archived(self) -> ArchivedStyle {
        match self {
            StyleName::Ieee => ArchivedStyle::InstituteOfElectricalAndElectronicsEngineers,
            StyleName::Apa => ArchivedStyle::AmericanPsychologicalAssociation,
            StyleName::ChicagoAuthorDate => ArchivedStyle::ChicagoAuthorDate,
        }
    }

    /// Numeric styles already leave the author out of `[1]`; `[-@a]` only changes author-date.
    fn is_numeric(self) -> bool {
        self == StyleName::Ieee
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CitationsConfig {
    pub style: StyleName,
}

/// One `.bib` path or a list, as `bibliography` is written in `site.toml` or front matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Paths {
    One(String),
    Many(Vec<String>),
}

impl Paths {
    pub fn list(&self) -> Vec<String> {
        match self {
            Paths::One(p) => vec![p.clone()],
            Paths::Many(ps) => ps.clone(),
        }
    }
}

/// The HTML xref writes for a `::: {#refs}` block: the bibliography goes right after it.
pub const REFS_SLOT: &str = "<div class=\"references-slot\">\n";

/// How every citation's HTML begins.
const CITATION_OPEN: &str = "<span class=\"citation\">";

/// Whether a fenced div is the bibliography's place (`::: {#refs}`).
pub fn is_refs_div(id: Option<&str>) -> bool {
    id == Some("refs")
}

/// The style and every loaded bibliography: the [`super::Renderer`]'s part for citations.
///
/// Serialised into each post's render key as the style and the hash of each file (not the
/// entries), so editing a `.bib` or changing the style re-renders the posts.
#[derive(Default)]
pub struct Citations {
    name: StyleName,
    /// Made only when the site has a bibliography and a post to render (CSL locales take a
    /// tenth of a second); see [`Citations::prepare`].
    format: OnceLock<Format>,
    /// The site folder, for the style's files.
    root: PathBuf,
    site: Vec<Arc<Bib>>,
    /// Posts whose front matter names their own files, by source path.
    posts: HashMap<PathBuf, Vec<Arc<Bib>>>,
    /// Where formatted citations are kept between builds (the site's cache folder, when it
    /// has one); not part of the render key, since it holds nothing the output depends on.
    cache: Option<PathBuf>,
}

impl Serialize for Citations {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let hashes = |bibs: &[Arc<Bib>]| -> Vec<(String, String)> {
            bibs.iter()
                .map(|b| (b.path.display().to_string(), b.hash.to_hex().to_string()))
                .collect()
        };
        let posts: BTreeMap<String, Vec<(String, String)>> = self
            .posts
            .iter()
            .map(|(p, bibs)| (p.display().to_string(), hashes(bibs)))
            .collect();
        (self.name, hashes(&self.site), posts).serialize(s)
    }
}

/// A post as bibliographies need it: where it is, its text, its front matter's `bibliography`.
pub struct PostBibliography<'p> {
    pub source: &'p Path,
    pub text: &'p str,
    pub bibliography: Option<&'p serde_json::Value>,
}

impl Citations {
    #[cfg(test)]
    fn with_style(name: StyleName) -> Citations {
        Citations {
            name,
            ..Citations::default()
        }
    }

    /// Loads the site's bibliography (`site.toml`'s `bibliography`, else `references.bib`) and
    /// each post's own (front matter `bibliography`, which replaces the site's for that post).
    pub fn load<'p>(
        root: &Path,
        config: &crate::config::Config,
        posts: impl IntoIterator<Item = PostBibliography<'p>>,
    ) -> Result<Citations> {
        let mut c = Citations {
            name: config.citations.style,
            ..Citations::default()
        };
        let mut loader = Loader::default();
        let site_paths = load::site_paths(root, config.bibliography.as_ref());
        c.site = loader.load(
            root,
            &site_paths,
            &crate::config::key_location(root, "bibliography"),
        )?;
        let mut errors = Vec::new();
        for post in posts {
            let Some(value) = post.bibliography else {
                continue;
            };
            let at = front_matter_key(post.source, post.text);
            let paths = match serde_json::from_value::<Paths>(value.clone()) {
                Ok(p) => p.list(),
                Err(_) => {
                    errors.push(Error::at(
                        at,
                        "bibliography: expected a file name or a list of file names",
                    ));
                    continue;
                }
            };
            match loader.load(root, &paths, &at) {
                Ok(bibs) => {
                    c.posts.insert(post.source.to_path_buf(), bibs);
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(e) = Error::from_many(errors) {
            return Err(e);
        }
        if !c.site.is_empty() || !c.posts.is_empty() {
            c.root = root.to_path_buf();
            c.cache = root
                .join(crate::build::CACHE_DIR)
                .is_dir()
                .then(|| root.join(cache::DIR));
        }
        Ok(c)
    }

    /// Parses every bibliography and makes the style, once: before a post is rendered (a build
    /// that takes every post from the cache needs neither). A `.bib` mistake fails the build
    /// at its file and line.
    pub fn prepare(&self) -> Result<()> {
        let bibs = self.site.iter().chain(self.posts.values().flatten());
        let errors: Vec<Error> = bibs.filter_map(|b| b.check().err()).collect();
        if let Some(e) = Error::from_many(errors) {
            return Err(e);
        }
        if !self.site.is_empty() || !self.posts.is_empty() {
            self.format
                .get_or_init(|| Format::new(self.name, Some(&self.root)));
        }
        Ok(())
    }

    fn for_post(&self, path: &Path) -> &[Arc<Bib>] {
        self.posts.get(path).map_or(&self.site, Vec::as_slice)
    }
}

fn front_matter_key(source: &Path, text: &str) -> Location {
    let line = crate::content::front_matter::split(text)
        .and_then(|s| crate::content::front_matter::key_line(&s, "bibliography"));
    match line {
        Some(line) => Location::at(source, line, 1),
        None => Location::file(source),
    }
}

/// A citation found in the text, its keys looked up.
struct Found<'b> {
    /// Index of the merged text event in the stream.
    event: usize,
    cite: syntax::Cite,
    entries: Vec<Option<&'b Entry>>,
}

/// The pass: citations become links, and the bibliography is added.
pub(super) fn cite<'a>(
    events: Vec<Spanned<'a>>,
    input: &Input<'_>,
    citations: &Citations,
    lang: &str,
    warnings: &mut Vec<Error>,
) -> Vec<Spanned<'a>> {
    let has_at = events
        .iter()
        .any(|s| matches!(&s.event, Event::Text(t) if t.contains('@')));
    if !has_at {
        return events;
    }
    let (mut events, runs) = merge_text(events);
    let bibs = citations.for_post(input.path);
    let mut found = Vec::new();
    for run in &runs {
        let Event::Text(text) = &events[run.event].event else {
            continue;
        };
        for cite in syntax::find(text) {
            let at = input.location(run.body_offset(cite.range.start));
            if bibs.is_empty() {
                if !cite.narrative {
                    warnings.push(Error::at(
                        at,
                        format!(
                            "`{}` looks like a citation, but the post has no bibliography \
                             (add references.bib, or `bibliography` in site.toml or the front \
                             matter); left as text",
                            &text[cite.range.clone()]
                        ),
                    ));
                }
                continue;
            }
            let entries = cite
                .items
                .iter()
                .map(|item| {
                    let entry = bibs
                        .iter()
                        .find_map(|b| b.library().and_then(|l| l.get(&item.key)));
                    if entry.is_none() {
                        warnings.push(Error::at(
                            input.location(run.body_offset(item.at)),
                            format!("unknown citation key `{}`", item.key),
                        ));
                    }
                    entry
                })
                .collect();
            found.push(Found {
                event: run.event,
                cite,
                entries,
            });
        }
    }
    let Some(format) = citations.format.get() else {
        return events;
    };
    if found.is_empty() {
        return events;
    }
    let key = citations.cache.as_ref().and_then(|dir| {
        Some((
            dir,
            cache::key(citations.name, chinese(lang), bibs, &found)?,
        ))
    });
    let cached = key.as_ref().and_then(|(dir, k)| cache::read(dir, k));
    let rendered = cached.unwrap_or_else(|| {
        let rendered = Formatter {
            format,
            numeric: citations.name.is_numeric(),
            lang,
            found: &found,
        }
        .render();
        if let Some((dir, k)) = &key {
            cache::write(dir, k, &rendered);
        }
        rendered
    });
    replace_cites(&mut events, &found, rendered.citations);
    if !rendered.entries.is_empty() {
        insert_bibliography(&mut events, rendered.entries, lang, input.body().len());
    }
    events
}

fn chinese(lang: &str) -> bool {
    lang.to_ascii_lowercase().starts_with("zh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_changes_with_the_style_and_the_files() {
        let fp = |c: &Citations| crate::incremental::fingerprint(c).unwrap();
        let ieee = Citations::default();
        let apa = Citations::with_style(StyleName::Apa);
        assert_ne!(fp(&ieee), fp(&apa));
        let mut with_bib = Citations::default();
        let bib = load::parse(Path::new("r.bib"), "@misc{a, title = {A}}").unwrap();
        with_bib.site.push(Arc::new(bib));
        let mut edited = Citations::default();
        let bib = load::parse(Path::new("r.bib"), "@misc{a, title = {B}}").unwrap();
        edited.site.push(Arc::new(bib));
        assert_ne!(fp(&ieee), fp(&with_bib));
        assert_ne!(fp(&with_bib), fp(&edited));
    }
}
