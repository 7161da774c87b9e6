//! Citations from BibTeX: Pandoc's `[@key]`, `[-@key]`, `[@a; @b, p. 33]` and narrative `@key`,
//! formatted by hayagriva (the library Typst uses) in a CSL style from its archive, with a
//! bibliography at the post's end or where `::: {#refs}` stands.
//!
//! Runs during [`super::parse`], after cross-references (so `@eq-x` is already a link and never
//! a key) and before the KaTeX prepass: formulas in entry titles become `InlineMath` events and
//! are rendered with every other formula.

mod cache;
mod html;
pub mod load;
mod locales;
pub mod syntax;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::taxonomy::Locator;
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, Entry,
    LocatorPayload, SpecificLocator,
};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use serde::{Deserialize, Serialize, Serializer};

use super::{Input, Spanned};
use crate::error::{Error, Location, Result};
use crate::html::escape;
use html::{Piece, Plain, Wrap};
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
    /// Parsed only when the site has a bibliography: CSL locales take a tenth of a second.
    format: Option<Format>,
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

/// A style and the locales it may need.
struct Format {
    style: IndependentStyle,
    locales: Vec<Locale>,
}

impl Format {
    /// `root`: the site, whose cache folder may hold the locales already parsed.
    fn new(name: StyleName, root: Option<&Path>) -> Format {
        let style = match name.archived().get() {
            Style::Independent(s) => s,
            // The three offered are independent styles (tested below).
            Style::Dependent(_) => unreachable!("archived style is dependent"),
        };
        let locales = locales::for_style(&style, root);
        Format { style, locales }
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
            c.format = Some(Format::new(c.name, Some(root)));
            c.cache = root
                .join(crate::build::CACHE_DIR)
                .is_dir()
                .then(|| root.join(cache::DIR));
        }
        Ok(c)
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

/// A merged run of text: its event's index and where each original piece began in the body.
struct Run {
    event: usize,
    pieces: Vec<(usize, usize)>,
}

impl Run {
    fn body_offset(&self, at: usize) -> usize {
        let (start, body) = self
            .pieces
            .iter()
            .rev()
            .find(|(s, _)| *s <= at)
            .copied()
            .unwrap_or((0, 0));
        body + (at - start)
    }
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
                    let entry = bibs.iter().find_map(|b| b.library.get(&item.key));
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
    let Some(format) = &citations.format else {
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

/// Joins adjacent text events (pulldown-cmark splits `[@a]` at its brackets) outside links.
fn merge_text(events: Vec<Spanned<'_>>) -> (Vec<Spanned<'_>>, Vec<Run>) {
    let mut out: Vec<Spanned<'_>> = Vec::with_capacity(events.len());
    let mut runs: Vec<Run> = Vec::new();
    let mut in_link = 0usize;
    let mut open_run = false;
    for s in events {
        match &s.event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => in_link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            _ => {}
        }
        let Event::Text(t) = &s.event else {
            open_run = false;
            out.push(s);
            continue;
        };
        if in_link > 0 {
            open_run = false;
            out.push(s);
            continue;
        }
        if open_run
            && let (Some(run), Some(last)) = (runs.last_mut(), out.last_mut())
            && let Event::Text(prev) = &last.event
        {
            let mut joined = prev.to_string();
            run.pieces.push((joined.len(), s.range.start));
            joined.push_str(t);
            last.event = Event::Text(CowStr::from(joined));
            last.range.end = s.range.end;
            continue;
        }
        runs.push(Run {
            event: out.len(),
            pieces: vec![(0, s.range.start)],
        });
        open_run = true;
        out.push(s);
    }
    (out, runs)
}

/// What hayagriva made of a post's citations, as HTML.
#[derive(Serialize, Deserialize)]
struct RenderedCites {
    /// One per [`Found`], in order.
    citations: Vec<String>,
    /// The bibliography: (key, HTML pieces) in the style's order.
    entries: Vec<(String, Vec<Piece>)>,
}

struct Formatter<'f, 'b> {
    format: &'f Format,
    numeric: bool,
    lang: &'f str,
    found: &'f [Found<'b>],
}

impl Formatter<'_, '_> {
    fn locale(&self) -> Option<LocaleCode> {
        chinese(self.lang).then(|| LocaleCode("zh-CN".into()))
    }

    fn render(&self) -> RenderedCites {
        let style = &self.format.style;
        let numeric = self.numeric;
        let mut driver = BibliographyDriver::new();
        // Requests only for citations with at least one known key, in order.
        let mut requested = Vec::new();
        for (i, f) in self.found.iter().enumerate() {
            let items: Vec<CitationItem<'_, Entry>> = f
                .cite
                .items
                .iter()
                .zip(&f.entries)
                .filter_map(|(item, entry)| {
                    let entry = (*entry)?;
                    let locator = item.locator.as_deref().map(locator);
                    let purpose = if f.cite.narrative {
                        Some(CitePurpose::Prose)
                    } else if item.suppress_author && !numeric {
                        Some(CitePurpose::Year)
                    } else {
                        None
                    };
                    Some(CitationItem::new(entry, locator, None, false, purpose))
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            driver.citation(CitationRequest::new(
                items,
                style,
                self.locale(),
                &self.format.locales,
                None,
            ));
            requested.push(i);
        }
        let out = driver.finish(BibliographyRequest::new(
            style,
            self.locale(),
            &self.format.locales,
        ));
        let mut titles = HashMap::new();
        let mut entries = Vec::new();
        for item in out.bibliography.iter().flat_map(|b| &b.items) {
            let mut plain = String::new();
            let mut pieces = Vec::new();
            if let Some(first) = &item.first_field {
                let first = hayagriva::ElemChildren(vec![first.clone()]);
                plain = format!("{} ", html::plain(&first));
                pieces.push(Piece::Html("<span class=\"csl-left-margin\">".into()));
                pieces.extend(html::pieces(&first, &mut Plain));
                pieces.push(Piece::Html(
                    "</span><span class=\"csl-right-inline\">".into(),
                ));
            }
            plain.push_str(&html::plain(&item.content));
            pieces.extend(html::pieces(&item.content, &mut Plain));
            if item.first_field.is_some() {
                pieces.push(Piece::Html("</span>".into()));
            }
            titles.insert(item.key.clone(), plain);
            entries.push((item.key.clone(), pieces));
        }
        let mut links = Links {
            titles: &titles,
            seen: HashMap::new(),
            keys: Vec::new(),
        };
        let mut rendered = out.citations.into_iter();
        let mut next_request = requested.iter().peekable();
        let citations = self
            .found
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let known: Vec<&str> = f
                    .cite
                    .items
                    .iter()
                    .zip(&f.entries)
                    .filter(|(_, e)| e.is_some())
                    .map(|(item, _)| item.key.as_str())
                    .collect();
                let mut html = String::new();
                if next_request.next_if(|r| **r == i).is_some()
                    && let Some(c) = rendered.next()
                {
                    links.keys = known;
                    html = html::flatten(html::pieces(&c.citation, &mut links));
                    let all_suppressed = f.cite.items.iter().all(|i| i.suppress_author);
                    if all_suppressed && !numeric && !f.cite.narrative {
                        html = suppressed_author(html, &f.cite, style);
                    }
                }
                for (item, entry) in f.cite.items.iter().zip(&f.entries) {
                    if entry.is_none() {
                        html.push_str(&format!(
                            "<span class=\"citation unknown\">[?{}]</span>",
                            escape(&item.key)
                        ));
                    }
                }
                format!("{CITATION_OPEN}{html}</span>")
            })
            .collect();
        RenderedCites { citations, entries }
    }
}

/// `[-@a, p. 3]` in an author-date style: hayagriva's year form has neither the brackets nor the
/// locator, so both are put back here.
fn suppressed_author(years: String, cite: &syntax::Cite, style: &IndependentStyle) -> String {
    let layout = &style.citation.layout;
    let open = layout.prefix.as_deref().unwrap_or("(");
    let close = layout.suffix.as_deref().unwrap_or(")");
    let locators: String = cite
        .items
        .iter()
        .filter_map(|i| i.locator.as_deref())
        .map(|l| format!(", {}", escape(l)))
        .collect();
    format!("{}{years}{locators}{}", escape(open), escape(close))
}

/// Links each item of a citation to its entry: `id="cite-KEY-n"` (the n-th citation of the
/// key), the entry's text on hover.
struct Links<'l> {
    titles: &'l HashMap<String, String>,
    seen: HashMap<String, usize>,
    /// The keys of the citation being written, by item index.
    keys: Vec<&'l str>,
}

impl Wrap for Links<'_> {
    fn item(&mut self, idx: usize) -> Option<(String, String)> {
        let key = *self.keys.get(idx)?;
        let n = self.seen.entry(key.to_string()).or_insert(0);
        *n += 1;
        let title = self.titles.get(key).map(String::as_str).unwrap_or(key);
        Some((
            format!(
                "<a class=\"cite\" href=\"#ref-{k}\" id=\"cite-{k}-{n}\" title=\"{t}\">",
                k = escape(key),
                t = escape(title)
            ),
            "</a>".into(),
        ))
    }
}

/// A citation ([`Formatter::render`]) with its links to entries taken out, for an excerpt shown
/// on another page (where no entry has that id); `None` for any other HTML.
pub fn unlinked(html: &str) -> Option<String> {
    if !html.starts_with(CITATION_OPEN) {
        return None;
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // Quoted attribute values are escaped, so the first `>` after the tag's name ends it.
    while let Some(i) = rest.find("<a class=\"cite\"") {
        out.push_str(&rest[..i]);
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        rest = &rest[tag_end..];
        let close = rest.find("</a>").unwrap_or(rest.len());
        out.push_str(&rest[..close]);
        rest = rest.get(close + 4..).unwrap_or("");
    }
    out.push_str(rest);
    Some(out)
}

/// `p. 33` → a page locator of `33`; a label quire does not know keeps the whole text, unlabelled.
fn locator(text: &str) -> SpecificLocator<'_> {
    const LABELS: [(&[&str], Locator); 9] = [
        (&["p.", "pp.", "page", "pages"], Locator::Page),
        (&["chap.", "ch.", "chapter"], Locator::Chapter),
        (&["sec.", "§", "section"], Locator::Section),
        (&["fig.", "figure"], Locator::Figure),
        (&["eq.", "equation"], Locator::Equation),
        (&["vol.", "volume"], Locator::Volume),
        (&["para.", "¶", "paragraph"], Locator::Paragraph),
        (&["l.", "ll.", "line"], Locator::Line),
        (&["n.", "note"], Locator::Note),
    ];
    if let Some((word, rest)) = text.split_once(char::is_whitespace)
        && let Some((_, kind)) = LABELS.iter().find(|(ws, _)| ws.contains(&word))
    {
        return SpecificLocator(*kind, LocatorPayload::Str(rest.trim()));
    }
    let kind = if text.starts_with(|c: char| c.is_ascii_digit()) {
        Locator::Page
    } else {
        Locator::Custom
    };
    SpecificLocator(kind, LocatorPayload::Str(text))
}

fn chinese(lang: &str) -> bool {
    lang.to_ascii_lowercase().starts_with("zh")
}

/// Puts each citation's HTML in place of its text.
fn replace_cites(events: &mut Vec<Spanned<'_>>, found: &[Found<'_>], html: Vec<String>) {
    let mut html = html.into_iter();
    let mut by_event: BTreeMap<usize, Vec<(&syntax::Cite, String)>> = BTreeMap::new();
    for f in found {
        let h = html.next().unwrap_or_default();
        by_event.entry(f.event).or_default().push((&f.cite, h));
    }
    // From the back, so earlier indices stay valid.
    for (index, cites) in by_event.into_iter().rev() {
        let s = &events[index];
        let Event::Text(text) = &s.event else {
            continue;
        };
        let text = text.to_string();
        let range = s.range.clone();
        let mut pieces = Vec::new();
        let mut from = 0;
        let piece = |event| Spanned {
            event,
            range: range.clone(),
            mark: None,
        };
        for (cite, h) in cites {
            if cite.range.start > from {
                pieces.push(piece(Event::Text(CowStr::from(
                    text[from..cite.range.start].to_string(),
                ))));
            }
            pieces.push(piece(Event::InlineHtml(CowStr::from(h))));
            from = cite.range.end;
        }
        if from < text.len() {
            pieces.push(piece(Event::Text(CowStr::from(text[from..].to_string()))));
        }
        events.splice(index..=index, pieces);
    }
}

/// The bibliography section, inside `::: {#refs}` if the post has one, else at the end under a
/// heading in the site's language.
fn insert_bibliography(
    events: &mut Vec<Spanned<'_>>,
    entries: Vec<(String, Vec<Piece>)>,
    lang: &str,
    body_len: usize,
) {
    let slot = events
        .iter()
        .position(|s| matches!(&s.event, Event::Html(h) if h.as_ref() == REFS_SLOT));
    let (index, at) = match slot {
        Some(i) => (i + 1, events[i].range.start),
        None => (events.len(), body_len),
    };
    // At `::: {#refs}` the author writes the heading, as in Pandoc.
    let heading = match (slot, chinese(lang)) {
        (Some(_), _) => "",
        (None, true) => "<h2>参考文献</h2>\n",
        (None, false) => "<h2>References</h2>\n",
    };
    let event = |event| Spanned {
        event,
        range: at..at,
        mark: None,
    };
    let mut out = vec![event(Event::Html(CowStr::from(format!(
        "<section class=\"references\" id=\"refs\">\n{heading}<div class=\"csl-bib-body\">\n"
    ))))];
    for (key, pieces) in entries {
        let k = escape(&key);
        out.push(event(Event::Html(CowStr::from(format!(
            "<div class=\"csl-entry\" id=\"ref-{k}\">"
        )))));
        for p in pieces {
            out.push(event(match p {
                Piece::Html(h) => Event::InlineHtml(CowStr::from(h)),
                Piece::Math(tex) => Event::InlineMath(CowStr::from(tex)),
            }));
        }
        out.push(event(Event::InlineHtml(CowStr::from(format!(
            " <a class=\"cite-back\" href=\"#cite-{k}-1\" aria-label=\"back to the citation\">↩</a></div>\n"
        )))));
    }
    out.push(event(Event::Html(CowStr::from("</div>\n</section>\n"))));
    events.splice(index..index, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_styles_are_independent() {
        for name in [
            StyleName::Ieee,
            StyleName::Apa,
            StyleName::ChicagoAuthorDate,
        ] {
            assert!(matches!(name.archived().get(), Style::Independent(_)));
        }
    }

    #[test]
    fn an_excerpts_citation_keeps_its_text_not_its_links() {
        let html = "<span class=\"citation\">(<a class=\"cite\" href=\"#ref-a\" id=\"cite-a-1\" \
                    title=\"A &gt; B\">A, 2000</a>; <a class=\"cite\" href=\"#ref-b\">B</a>)</span>";
        assert_eq!(
            unlinked(html).unwrap(),
            "<span class=\"citation\">(A, 2000; B)</span>"
        );
        assert_eq!(unlinked("<a class=\"xref\" href=\"#x\">1</a>"), None);
    }

    #[test]
    fn locators_by_label() {
        let l = locator("p. 33");
        assert_eq!(l.0, Locator::Page);
        assert_eq!(l.1, LocatorPayload::Str("33"));
        assert_eq!(locator("chap. 2").0, Locator::Chapter);
        assert_eq!(locator("12-14").0, Locator::Page);
        assert_eq!(locator("appendix B").0, Locator::Custom);
    }

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
