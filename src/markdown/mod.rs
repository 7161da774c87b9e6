//! Markdown stage: a post body → HTML, a table of contents and an excerpt. Each pass is a small
//! function over pulldown-cmark's event stream, run in this order:
//! CJK emphasis → heading ids → code → math → East Asian line breaks → HTML.
//!
//! A post is parsed once, in two phases with the KaTeX prepass between them: [`parse`] runs
//! the passes up to code and lists the post's formulas ([`Parsed::formulas`]); once every
//! post's formulas are in the [`MathCache`], [`Parsed::finish`] runs the rest on the events
//! already parsed.

pub mod citations;
pub mod cjk;
pub mod footnotes;
pub mod headings;
pub mod highlight;
pub mod kramdown;
pub mod links;
pub mod macros;
pub mod math;
pub mod xref;

use std::cell::Cell;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::{Serialize, Serializer};

use crate::config::MarkdownConfig;
use crate::error::{Error, Location, line_col};
use headings::TocEntry;
use highlight::Highlighter;
use macros::Macros;
use math::{Formula, MathCache};

/// The extensions the site's Markdown dialect has: GFM plus math.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_MATH
}

/// The site's dialect: [`options`], and kramdown's definition lists under `[jekyll] compat`.
fn options_for(config: &MarkdownConfig) -> Options {
    if config.kramdown {
        options() | Options::ENABLE_DEFINITION_LIST
    } else {
        options()
    }
}

/// A post's body with where it sits in its file, so messages can give file:line:col.
///
/// Hashed into [`RenderKey`]: everything a rendering reads from the post is here, and
/// [`RenderKey::of`] takes each field by name, so a field added here must join the key.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Input<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub body_offset: usize,
    /// The title from front matter: its formulas are rendered for the page's heading.
    pub title: &'a str,
    /// The post's own math macros (front matter `macros:`), over the site's.
    pub macros: &'a Arc<Macros>,
}

impl Input<'_> {
    fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    fn location(&self, body_pos: usize) -> Location {
        let (line, col) = line_col(self.text, self.body_offset + body_pos);
        Location::at(self.path, line, col)
    }
}

/// What the passes need besides the text; all shared read-only across threads.
///
/// Serialised into [`RenderKey`] (each field says what its output depends on), so whatever a
/// pass starts reading from here joins every post's cache key without anyone remembering to.
#[derive(Serialize)]
pub struct Renderer<'a> {
    pub config: &'a MarkdownConfig,
    pub math: &'a MathCache,
    pub highlighter: &'a Highlighter,
    /// The site's language: theorem and equation words.
    pub lang: &'a str,
    /// Every post's URL, for links to a post's source file. Only the entries a post's text
    /// names are part of its key (see [`RenderKey::of`]).
    #[serde(skip)]
    pub posts: &'a links::PostIndex,
    /// The citation style and the bibliographies (by their files' hashes).
    pub citations: &'a citations::Citations,
    /// This value's own hash, worked out the first time a post's key needs it: the same for
    /// every post of a build, and costly to serialise a thousand times on each preview save.
    #[serde(skip)]
    pub key: RendererKey,
}

/// See [`Renderer::key`]: `Default` until it is first needed.
#[derive(Default)]
pub struct RendererKey(std::sync::OnceLock<Option<blake3::Hash>>);

impl Renderer<'_> {
    /// quire's code and everything here, hashed; `None` when it cannot be serialised.
    fn hash(&self) -> Option<blake3::Hash> {
        *self
            .key
            .0
            .get_or_init(|| crate::incremental::fingerprint(&(crate::CODE_ID, self)))
    }
}

/// What a rendering was made from, hashed: [`Input`] and [`Renderer`]. Equal keys, equal
/// [`Rendered`] values, which is what lets the preview reuse a post's HTML and key its page on
/// this instead of on the HTML itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderKey(blake3::Hash);

impl RenderKey {
    /// The hash, for keys that build on this one (the search index's).
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The hash in hex: the rendering's name in the store.
    pub fn to_hex(&self) -> String {
        self.0.to_hex().to_string()
    }

    /// `None` when a value cannot be serialised (a path that is not UTF-8): such a post has no
    /// key and is simply never reused.
    pub fn of(input: &Input<'_>, renderer: &Renderer<'_>) -> Option<RenderKey> {
        // Every field by name, so one added to `Input` cannot be left out of the key.
        let Input {
            path,
            text,
            body_offset,
            title,
            macros,
        } = *input;
        let links = renderer.posts.used_by(text);
        // The text as it is: hashed, not serialised (escaping it was most of a key's cost).
        Some(RenderKey(crate::incremental::hash_of(&(
            renderer.hash()?.as_bytes(),
            path.to_str()?,
            text,
            body_offset,
            title,
            crate::incremental::fingerprint(&(macros, links))?.as_bytes(),
        ))))
    }
}

/// Every input's [`RenderKey::of`], worked out once per build: both whether the search index
/// must be made and whether each post is reused depend on them.
pub fn render_keys(inputs: &[Input<'_>], renderer: &Renderer<'_>) -> Vec<Option<RenderKey>> {
    use rayon::prelude::*;
    inputs
        .par_iter()
        .map(|i| RenderKey::of(i, renderer))
        .collect()
}

impl Serialize for RenderKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_hex())
    }
}

#[derive(Debug, Clone)]
pub struct Rendered {
    /// What this was made from; `None` only for a post that can never be reused (see
    /// [`RenderKey::of`]).
    pub key: Option<RenderKey>,
    /// The title as HTML: escaped text, its formulas rendered. Places that cannot hold markup
    /// (`<title>`, feeds, OpenGraph) use the title itself, TeX and all.
    pub title_html: String,
    pub toc: Vec<TocEntry>,
    /// The first paragraph, as HTML.
    pub excerpt: String,
    pub has_math: bool,
    /// KaTeX errors, each with the file:line:col of its formula.
    pub warnings: Vec<Error>,
    /// Mistakes that make the page wrong (a broken `conv` block, a formula over a math limit):
    /// the build fails.
    pub errors: Vec<Error>,
    /// Animations described by `conv` blocks, for the GIF stage.
    pub animations: Vec<crate::conv::Params>,
    /// The HTML itself: there from the start when the post was rendered by this build; for a
    /// rendering taken from `.quire-cache/`, only once a page that shows it is rendered
    /// ([`crate::incremental::posts::Contents::load`]). Listings, keys and a build whose pages
    /// are all unchanged never need it, and it is most of a rendering's size.
    content: std::sync::OnceLock<Arc<Content>>,
    /// Minutes to read the content, once something has read its text: the search record,
    /// which reads it anyway, sets it (see [`crate::search::records`]); the post's page works
    /// it out itself otherwise.
    pub reading_minutes: std::sync::OnceLock<u32>,
}

/// A rendering's HTML and where its author-written parts came from.
#[derive(Debug, Default)]
pub struct Content {
    pub html: String,
    /// Where each link, image and piece of raw HTML the author wrote sits in `html` and in the
    /// post's file, in document order (so sorted by both offsets), for `quire check` to point
    /// at a broken link's line and column.
    pub source_map: Vec<SourceMark>,
}

impl Rendered {
    /// A rendering whose content is not at hand yet (see [`Rendered::set_content`]).
    pub fn without_content(
        key: Option<RenderKey>,
        title_html: String,
        toc: Vec<TocEntry>,
        excerpt: String,
        has_math: bool,
        animations: Vec<crate::conv::Params>,
    ) -> Self {
        Rendered {
            key,
            title_html,
            toc,
            excerpt,
            has_math,
            warnings: Vec::new(),
            errors: Vec::new(),
            animations,
            content: Default::default(),
            reading_minutes: Default::default(),
        }
    }

    /// The content, once it is at hand (see [`Rendered::content`]).
    pub fn with_content(mut self, content: Content) -> Self {
        self.content = Arc::new(content).into();
        self
    }

    /// The content, when this build rendered it or it has been loaded.
    pub fn content(&self) -> Option<&Arc<Content>> {
        self.content.get()
    }

    /// Lets the content go (it is in the store, and read back when a page needs it).
    pub fn drop_content(&mut self) {
        self.content = Default::default();
    }

    /// Gives a rendering from the cache its content; a second call changes nothing.
    pub fn set_content(&self, content: Arc<Content>) {
        let _ = self.content.set(content);
    }

    /// The HTML. Empty only when the content was never loaded, which the page stage rules out
    /// before it renders a page that shows it (a test builds every kind of page from the cache).
    pub fn html(&self) -> &str {
        debug_assert!(
            self.content().is_some(),
            "content used before it was loaded"
        );
        self.content().map_or("", |c| c.html.as_str())
    }

    pub fn source_map(&self) -> &[SourceMark] {
        self.content().map_or(&[], |c| c.source_map.as_slice())
    }
}

/// One entry of [`Content::source_map`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SourceMark {
    pub kind: MarkKind,
    /// Byte offset in [`Content::html`] where the element's HTML begins (for a block, at the
    /// newline pulldown-cmark may write before it).
    pub html: usize,
    /// Byte offset in the post's whole file (front matter included) where its Markdown begins.
    pub source: usize,
}

/// What a [`SourceMark`] marks. HTML that quire writes (highlighted code, `conv` animations,
/// KaTeX) has no mark: the author did not write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum MarkKind {
    Link,
    Image,
    /// Raw HTML, a block or inline.
    Html,
}

/// An event with the body range it came from, and whether it starts a [`SourceMark`].
struct Spanned<'a> {
    event: Event<'a>,
    range: Range<usize>,
    mark: Option<MarkKind>,
}

#[cfg(test)]
impl<'a> Spanned<'a> {
    /// The parser's events for `md`, unmarked: what a pass's unit tests start from.
    fn parse(md: &'a str) -> Vec<Spanned<'a>> {
        Parser::new_ext(md, options())
            .into_offset_iter()
            .map(|(event, range)| Spanned {
                event,
                range,
                mark: None,
            })
            .collect()
    }
}

/// A post parsed and through the passes that do not need KaTeX: what lives between
/// [`parse`] and [`Parsed::finish`]. It borrows the post's text, and its events take a few
/// times the body's size, so it is meant to be held only across the KaTeX prepass.
pub struct Parsed<'a> {
    input: Input<'a>,
    key: Option<RenderKey>,
    events: Vec<Spanned<'a>>,
    toc: Vec<TocEntry>,
    warnings: Vec<Error>,
    errors: Vec<Error>,
    animations: Vec<crate::conv::Params>,
}

/// The one place that says which events are formulas; each carries its post's `macros`.
fn formula(event: &Event<'_>, macros: &Arc<Macros>) -> Option<Formula> {
    let (tex, display) = match event {
        Event::InlineMath(t) => (t, false),
        Event::DisplayMath(t) => (t, true),
        _ => return None,
    };
    Some(Formula {
        tex: tex.to_string(),
        display,
        macros: Arc::clone(macros),
    })
}

/// The formulas of a body in document order, as pulldown-cmark delivers them, for a post
/// without macros of its own.
pub fn formulas(body: &str) -> Vec<Formula> {
    let none = Arc::default();
    Parser::new_ext(body, options())
        .filter_map(|e| formula(&e, &none))
        .collect()
}

/// First phase: parse once and run the passes before math (`r.math` is not read, and need not
/// hold this post's formulas yet).
pub fn parse<'a>(input: Input<'a>, r: &Renderer<'_>) -> Parsed<'a> {
    let key = RenderKey::of(&input, r);
    let body = &input.text[input.body_offset..];
    let mut problems = Vec::new();
    // kramdown's extensions, then fenced divs, are blanked in a copy (same offsets) that the
    // parser reads; its events then own their text, since the copy does not outlive this
    // function.
    let extensions = r
        .config
        .kramdown
        .then(|| kramdown::extensions::blank(body, &mut problems))
        .flatten();
    let text = extensions.as_ref().map_or(body, |b| b.text.as_str());
    let (events, toc, fences) = match xref::divs::find(text) {
        None if extensions.is_none() => {
            let (events, toc) = front_passes(body, r.config, &mut problems);
            (events, toc, Vec::new())
        }
        found => {
            let (fences, blanked) = found.unwrap_or_default();
            let parsed = if fences.is_empty() { text } else { &blanked };
            let (events, toc) = front_passes(parsed, r.config, &mut problems);
            let events = events
                .into_iter()
                .map(|(e, range)| (e.into_static(), range))
                .collect();
            (events, toc, fences)
        }
    };
    let events = match &extensions {
        Some(b) => kramdown::extensions::insert_raw(events, &b.raw),
        None => events,
    };
    let mut errors = Vec::new();
    let mut animations = Vec::new();
    let mut events = code_blocks(events, &input, r.highlighter, &mut animations, &mut errors);
    let mut found = xref::Findings::default();
    links::rewrite(&mut events, &input, r.posts, &mut found.warnings);
    let settings = xref::Settings {
        numbering: r.math.config().numbering,
        lang: r.lang,
    };
    let events = xref::cross_reference(events, &fences, &input, &settings, &mut found);
    let events = citations::cite(events, &input, r.citations, r.lang, &mut found.warnings);
    // kramdown's ids under compat: a Jekyll site's links to `#fn:label` keep working.
    let ids = if r.config.kramdown {
        footnotes::Ids::Labels
    } else {
        footnotes::Ids::Numbers
    };
    let events = footnotes::footnotes(events, r.config.sidenotes, ids);
    errors.extend(found.errors);
    found.warnings.extend(
        problems
            .into_iter()
            .map(|p| Error::at(input.location(p.at), p.message)),
    );
    Parsed {
        input,
        key,
        events,
        toc,
        warnings: found.warnings,
        errors,
        animations,
    }
}

/// The passes that work on the parser's own events: CJK emphasis, kramdown's dialect (under
/// `[jekyll] compat`) and heading ids.
fn front_passes<'b>(
    body: &'b str,
    config: &MarkdownConfig,
    problems: &mut Vec<kramdown::Problem>,
) -> (Vec<(Event<'b>, Range<usize>)>, Vec<TocEntry>) {
    let events: Vec<(Event<'b>, Range<usize>)> = Parser::new_ext(body, options_for(config))
        .into_offset_iter()
        .collect();
    let events = if config.cjk_friendly_emphasis {
        cjk::cjk_friendly_emphasis(body, events)
    } else {
        events
    };
    if !config.kramdown {
        return headings::assign_ids(events);
    }
    let events = kramdown::front(body, events, problems);
    let (events, toc) = headings::assign_ids(events);
    (kramdown::abbr::abbreviations(body, events), toc)
}

impl<'a> Parsed<'a> {
    /// The post's formulas in document order (its title's first), for the KaTeX prepass.
    pub fn formulas(&self) -> impl Iterator<Item = Formula> + '_ {
        title_formulas(self.input.title, self.input.macros)
            .into_iter()
            .map(|(_, f)| f)
            .chain(
                self.events
                    .iter()
                    .filter_map(|s| formula(&s.event, self.input.macros)),
            )
    }

    pub fn key(&self) -> Option<RenderKey> {
        self.key
    }

    pub fn path(&self) -> &'a Path {
        self.input.path
    }

    /// Second phase: math from `r.math` (which must hold this post's formulas by now), East
    /// Asian line breaks, then HTML. `r` must be the renderer [`parse`] was given, math filled.
    pub fn finish(self, r: &Renderer<'_>) -> Rendered {
        debug_assert_eq!(
            self.key,
            RenderKey::of(&self.input, r),
            "finished with another renderer than it was parsed with"
        );
        let Parsed {
            input,
            key,
            events,
            mut toc,
            mut warnings,
            errors: mut errs,
            animations,
        } = self;
        let (events, has_math) = render_math(events, &input, r.math, &mut warnings, &mut errs);
        let mut events = if r.config.east_asian_line_breaks {
            east_asian_line_breaks(events)
        } else {
            events
        };
        headings::fill_toc_html(&mut toc, events.iter().map(|s| &s.event));
        if r.config.kramdown {
            kramdown::finish_toc(&mut events, &mut toc);
        }
        let title_html = title_html(&input, r.math, &mut warnings);
        let (html, source_map) = write_html(&events, &input);
        let excerpt = first_paragraph(&events);
        let mut rendered =
            Rendered::without_content(key, title_html, toc, excerpt, has_math, animations);
        rendered.warnings = warnings;
        rendered.errors = errs;
        rendered.with_content(Content { html, source_map })
    }
}

/// Both phases at once, for a caller whose math cache already holds the post's formulas.
pub fn render(input: &Input<'_>, r: &Renderer<'_>) -> Rendered {
    parse(*input, r).finish(r)
}

/// The formulas of a title, with where each sits in it. A title is text, not Markdown (as in
/// Jekyll): only its math is found, by the same parser as the body's, and inline even when
/// written `$$…$$`.
fn title_formulas(title: &str, macros: &Arc<Macros>) -> Vec<(Range<usize>, Formula)> {
    Parser::new_ext(title, Options::ENABLE_MATH)
        .into_offset_iter()
        .filter_map(|(e, range)| {
            formula(&e, macros).map(|f| {
                let inline = Formula {
                    display: false,
                    ..f
                };
                (range, inline)
            })
        })
        .collect()
}

fn title_html(input: &Input<'_>, math: &MathCache, warnings: &mut Vec<Error>) -> String {
    let mut html = String::new();
    let mut at = 0;
    for (range, formula) in title_formulas(input.title, input.macros) {
        html.push_str(&crate::html::escape(&input.title[at..range.start]));
        match math.get(&formula) {
            Some(Ok(rendered)) => html.push_str(rendered),
            other => {
                // Where the title is written, if it is written as is; else the file.
                let line = input
                    .text
                    .find(input.title)
                    .map_or(1, |i| line_col(input.text, i).0);
                let why = match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "formula was not rendered (internal: missing from math cache)".into(),
                };
                warnings.push(Error::at(
                    Location::at(input.path, line, 1),
                    format!("in the title: {why}"),
                ));
                html.push_str(&crate::html::escape(&input.title[range.clone()]));
            }
        }
        at = range.end;
    }
    html.push_str(&crate::html::escape(&input.title[at..]));
    html
}

/// HTML for the events, with a [`SourceMark`] for each marked event: pulldown-cmark's writer
/// pulls an event only once everything before it is written, so the length written so far when
/// it pulls one is where that event's HTML begins.
fn write_html(events: &[Spanned<'_>], input: &Input<'_>) -> (String, Vec<SourceMark>) {
    struct Counted<'s> {
        out: &'s mut String,
        len: &'s Cell<usize>,
    }
    impl std::fmt::Write for Counted<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.out.push_str(s);
            self.len.set(self.out.len());
            Ok(())
        }
    }
    let len = Cell::new(0);
    let mut html = String::with_capacity(input.body().len() * 2);
    let mut marks = Vec::new();
    let stream = events.iter().map(|s| {
        if let Some(kind) = s.mark {
            marks.push(SourceMark {
                kind,
                html: len.get(),
                source: input.body_offset + s.range.start,
            });
        }
        s.event.clone()
    });
    // Writing into a `String` cannot fail.
    let _ = pulldown_cmark::html::write_html_fmt(
        Counted {
            out: &mut html,
            len: &len,
        },
        stream,
    );
    (html, marks)
}

/// [`cjk::east_asian_line_breaks`] works on bare events and only ever drops soft breaks, so
/// each event it keeps gets back its range and mark by walking past the dropped soft breaks.
fn east_asian_line_breaks(events: Vec<Spanned<'_>>) -> Vec<Spanned<'_>> {
    let mut spans = Vec::with_capacity(events.len());
    let bare: Vec<Event<'_>> = events
        .into_iter()
        .map(|s| {
            spans.push((matches!(s.event, Event::SoftBreak), s.range, s.mark));
            s.event
        })
        .collect();
    let kept = cjk::east_asian_line_breaks(bare);
    let mut spans = spans.into_iter();
    kept.into_iter()
        .map(|event| {
            let is_soft = matches!(event, Event::SoftBreak);
            let (_, range, mark) = spans
                .by_ref()
                .find(|(was_soft, _, _)| is_soft || !was_soft)
                .unwrap_or_default();
            Spanned { event, range, mark }
        })
        .collect()
}

/// Replaces math events with KaTeX's HTML from the cache (filled beforehand for all posts).
fn render_math<'a>(
    events: Vec<Spanned<'a>>,
    input: &Input<'_>,
    cache: &MathCache,
    warnings: &mut Vec<Error>,
    errors: &mut Vec<Error>,
) -> (Vec<Spanned<'a>>, bool) {
    let mut has_math = false;
    // An image's alt text is an attribute: a formula there stays its TeX.
    let mut in_image = 0usize;
    let out = events
        .into_iter()
        .map(|s| {
            match s.event {
                Event::Start(Tag::Image { .. }) => in_image += 1,
                Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
                _ => {}
            }
            let Some(formula) = formula(&s.event, input.macros) else {
                return s;
            };
            if in_image > 0 {
                return Spanned {
                    event: Event::Text(CowStr::from(formula.tex)),
                    ..s
                };
            }
            has_math = true;
            let html = match cache.get(&formula) {
                Some(Ok(html)) => html.clone(),
                Some(Err(e)) => {
                    let error = Error::at(input.location(s.range.start), e.to_string());
                    if e.is_fatal() {
                        errors.push(error);
                    } else {
                        warnings.push(error);
                    }
                    // The page shows KaTeX's own words, as KaTeX's `throwOnError: false` would.
                    let shown = match e {
                        math::MathError::Katex(msg) => msg.clone(),
                        other => other.to_string(),
                    };
                    math::error_html(&formula, &shown)
                }
                None => {
                    // A caller forgot the prepass: render here rather than drop the formula.
                    let msg = "formula was not rendered (internal: missing from math cache)";
                    warnings.push(Error::at(input.location(s.range.start), msg));
                    math::error_html(&formula, msg)
                }
            };
            Spanned {
                event: Event::InlineHtml(CowStr::from(html)),
                ..s
            }
        })
        .collect();
    (out, has_math)
}

/// The mark of an event as the parser delivered it (before any pass replaced it with HTML of
/// quire's own).
fn mark_of(event: &Event<'_>) -> Option<MarkKind> {
    match event {
        Event::Start(Tag::Link { .. }) => Some(MarkKind::Link),
        Event::Start(Tag::Image { .. }) => Some(MarkKind::Image),
        Event::Html(_) | Event::InlineHtml(_) => Some(MarkKind::Html),
        _ => None,
    }
}

/// Turns each code block (start, text…, end) into one HTML event: highlighted code, or for the
/// `conv` language the animation it describes (recorded in `animations` for the GIF stage).
/// Being the first pass to write HTML of its own, it is where events get their marks.
fn code_blocks<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    input: &Input<'_>,
    highlighter: &Highlighter,
    animations: &mut Vec<crate::conv::Params>,
    errors: &mut Vec<Error>,
) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut block: Option<(String, String, Range<usize>)> = None;
    for (event, range) in events {
        match (&mut block, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                block = Some((lang, String::new(), range));
            }
            (Some((_, code, _)), Event::Text(t)) => code.push_str(&t),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (lang, code, range) = block.take().unwrap_or_default();
                let html = if lang.split_whitespace().next() == Some("conv") {
                    conv_block(&code, input, range.start, animations, errors)
                } else {
                    highlighter.highlight(&code, &lang)
                };
                out.push(Spanned {
                    event: Event::Html(CowStr::from(html)),
                    range,
                    mark: None,
                });
            }
            (Some(_), _) => {}
            (None, event) => out.push(Spanned {
                mark: mark_of(&event),
                event,
                range,
            }),
        }
    }
    out
}

fn conv_block(
    code: &str,
    input: &Input<'_>,
    fence_at: usize,
    animations: &mut Vec<crate::conv::Params>,
    errors: &mut Vec<Error>,
) -> String {
    let parsed = crate::conv::parse_conv_block(code);
    match parsed.and_then(|p| crate::gifs::conv_block_html(&p).map(|html| (p, html))) {
        Ok((params, html)) => {
            animations.push(params);
            html
        }
        Err(e) => {
            let msg = e.to_string();
            errors.push(Error::conv(input.location(fence_at), e));
            format!(
                "<pre class=\"katex-error\">{}</pre>\n",
                crate::html::escape(&msg)
            )
        }
    }
}

fn first_paragraph(events: &[Spanned<'_>]) -> String {
    let Some(start) = events
        .iter()
        .position(|s| matches!(s.event, Event::Start(Tag::Paragraph)))
    else {
        return String::new();
    };
    let end = events[start..]
        .iter()
        .position(|s| matches!(s.event, Event::End(TagEnd::Paragraph)))
        .map_or(events.len(), |p| start + p + 1);
    // Links within the post (`#eq-x`, a cross-reference) would point into the listing page
    // that shows the excerpt, where nothing has that id: their text stays, the link goes.
    let mut open_links: Vec<bool> = Vec::new();
    // Footnote references and sidenotes would point at notes the listing does not have.
    let mut in_sidenote = false;
    let events = events[start..end].iter().filter_map(|s| match &s.event {
        Event::InlineHtml(h) if h.starts_with(footnotes::SIDENOTE_OPEN) => {
            in_sidenote = true;
            None
        }
        Event::InlineHtml(h) if in_sidenote && h.as_ref() == footnotes::SIDENOTE_CLOSE => {
            in_sidenote = false;
            None
        }
        _ if in_sidenote => None,
        Event::InlineHtml(h) if h.starts_with(footnotes::REFERENCE_OPEN) => None,
        Event::Start(Tag::Link { dest_url, .. }) => {
            let local = dest_url.starts_with('#');
            open_links.push(local);
            (!local).then(|| s.event.clone())
        }
        Event::End(TagEnd::Link) => (!open_links.pop().unwrap_or(false)).then(|| s.event.clone()),
        Event::InlineHtml(h) => Some(match xref::unlinked(h).or_else(|| citations::unlinked(h)) {
            Some(plain) => Event::InlineHtml(CowStr::from(plain)),
            None => s.event.clone(),
        }),
        _ => Some(s.event.clone()),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MathConfig;

    fn render_str(md: &str) -> Rendered {
        render_file(md, 0, MathConfig::default())
    }

    /// `text` as the file `posts/t.md` whose body starts at `body_offset`, with its formulas
    /// rendered under `math` first, as the build does.
    fn render_file(text: &str, body_offset: usize, math: MathConfig) -> Rendered {
        let mut cache = MathCache::new(&math);
        cache.render_missing(&formulas(&text[body_offset..]));
        let h = Highlighter::default();
        let config = MarkdownConfig::default();
        let r = Renderer {
            config: &config,
            math: &cache,
            highlighter: &h,
            lang: "en",
            posts: &Default::default(),
            citations: &Default::default(),
            key: Default::default(),
        };
        render(
            &Input {
                path: Path::new("posts/t.md"),
                text,
                body_offset,
                title: "",
                macros: &Arc::default(),
            },
            &r,
        )
    }

    #[test]
    fn math_becomes_katex_and_no_dollars_remain() {
        let out = render_str("a $x^2$ b\n\n$$\\sum_i i$$\n");
        assert!(out.has_math);
        assert!(!out.html().contains('$'), "{}", out.html());
        assert_eq!(out.html().matches("class=\"katex\"").count(), 2);
        assert!(out.html().contains("katex-display"));
    }

    #[test]
    fn katex_error_is_a_located_warning_and_visible() {
        let out = render_str("line one\n\ntext $\\nope{1}$ more\n");
        assert_eq!(out.warnings.len(), 1);
        let w = out.warnings[0].to_string();
        assert!(
            w.starts_with("posts/t.md:3:6: KaTeX: KaTeX parse error"),
            "{w}"
        );
        assert!(
            out.html().contains("class=\"katex-error math-error\""),
            "{}",
            out.html()
        );
        assert!(out.html().contains("\\nope{1}"));
    }

    #[test]
    fn formula_over_a_limit_is_a_located_error_not_a_warning() {
        let md = "text\n\nsee $x+y+z$ and $a$\n";
        let out = render_file(
            md,
            0,
            MathConfig {
                max_formula_bytes: 3,
                ..Default::default()
            },
        );
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        let e = out.errors[0].to_string();
        assert!(
            e.starts_with("posts/t.md:3:5: formula is 5 bytes, over the limit of 3 bytes"),
            "{e}"
        );
        assert_eq!(out.html().matches("class=\"katex\"").count(), 1);
    }

    #[test]
    fn raw_html_passes_through() {
        let md = "<table>\n<tr>\n    <td><img width=\"150px\" src=\"/gif/a.gif\"></td>\n</tr>\n</table>\n";
        assert!(
            render_str(md)
                .html()
                .contains("<img width=\"150px\" src=\"/gif/a.gif\">")
        );
    }

    #[test]
    fn excerpt_keeps_no_link_into_the_post() {
        let out = render_str("See [above](#x), [out](/a), @thm-a.\n\n::: {#thm-a}\nT.\n:::\n");
        assert_eq!(
            out.excerpt,
            "<p>See above, <a href=\"/a\">out</a>, <span class=\"xref\">Theorem\u{a0}1</span>.</p>\n"
        );
    }

    #[test]
    fn excerpt_drops_footnote_references_and_sidenotes() {
        let out = render_str("First[^n] para.\n\n[^n]: The note.\n");
        assert_eq!(out.excerpt, "<p>First para.</p>\n");
        assert!(out.html().contains("id=\"fn:1\""), "{}", out.html());
    }

    #[test]
    fn code_is_highlighted_and_excerpt_is_first_paragraph() {
        let out = render_str("# T\n\nFirst *para*.\n\n```python\nx = 1\n```\n");
        assert!(out.html().contains("language-python"));
        assert_eq!(out.excerpt, "<p>First <em>para</em>.</p>\n");
        assert_eq!(out.toc.len(), 1);
    }

    #[test]
    fn conv_block_becomes_an_image_with_alt_text() {
        let out = render_str("```conv\ninput = 5\nkernel = 3\nstride = 2\npadding = 1\n```\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.animations.len(), 1);
        assert!(
            out.html().contains("<img src=\"/gif/conv-"),
            "{}",
            out.html()
        );
        assert!(
            out.html()
                .contains("5×5 input, 3×3 kernel, padding 1, stride 2"),
            "{}",
            out.html()
        );
        assert!(out.html().contains("3×3 output"), "{}", out.html());
    }

    #[test]
    fn broken_conv_block_is_a_located_error() {
        let out = render_str("text\n\n```conv\ninput = 3\nkernel = 5\n```\n");
        assert_eq!(out.errors.len(), 1);
        let e = out.errors[0].to_string();
        assert!(e.starts_with("posts/t.md:3:1: "), "{e}");
        assert!(out.animations.is_empty());
    }

    #[test]
    fn source_map_points_at_the_markdown_of_each_link_image_and_raw_html() {
        // Front matter, a CJK soft break that the line-break pass drops (so later events shift),
        // and quire's own HTML (code, math) that must get no mark.
        let text = "---\ntitle: t\n---\n中文\n中文 [文档](/docs/ \"T\") and ![pic](/a.png)\n\n<div class=\"x\">raw</div>\n\n```html\n<a href=\"/no\">\n```\n\n$x$ <b>in</b> *[em](/e)*\n";
        let body_offset = text.find("中文").unwrap();
        let out = render_file(text, body_offset, MathConfig::default());
        assert!(
            out.html().contains("中文中文"),
            "soft break dropped: {}",
            out.html()
        );
        let found: Vec<(MarkKind, (usize, usize), &str)> = out
            .source_map()
            .iter()
            .map(|m| (m.kind, line_col(text, m.source), &out.html()[m.html..]))
            .collect();
        let kinds: Vec<_> = found.iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(
            kinds,
            [
                (MarkKind::Link, (5, 4)),
                (MarkKind::Image, (5, 25)),
                (MarkKind::Html, (7, 1)),
                (MarkKind::Html, (13, 5)),
                (MarkKind::Html, (13, 10)),
                (MarkKind::Link, (13, 16)),
            ],
            "{found:#?}"
        );
        let starts = [
            "<a href=\"/docs/\" title=\"T\">文档</a>",
            "<img src=\"/a.png\"",
            "<div class=\"x\">raw</div>",
            "<b>in",
            "</b>",
            "<a href=\"/e\">em</a></em>",
        ];
        for ((_, _, html), start) in found.iter().zip(starts) {
            assert!(html.starts_with(start), "{start}: {html}");
        }
        // Line:col of the link is what the author sees in an editor.
        let link = &text[out.source_map()[0].source..];
        assert!(link.starts_with("[文档](/docs/"), "{link}");
    }

    #[test]
    fn render_key_covers_the_file_and_every_renderer_input() {
        let h = Highlighter::default();
        let md = MarkdownConfig::default();
        let plain = MathCache::new(&MathConfig::default());
        let mut macros = MathConfig::default();
        macros.macros.insert("\\RR".into(), "\\mathbb{R}".into());
        let with_macro = MathCache::new(&macros);
        let no_breaks = MarkdownConfig {
            east_asian_line_breaks: false,
            ..Default::default()
        };
        let key_with = |macros: &Arc<Macros>, path: &str, text: &str, body_offset, config, math| {
            let input = Input {
                path: Path::new(path),
                text,
                body_offset,
                title: "",
                macros,
            };
            let r = Renderer {
                config,
                math,
                highlighter: &h,
                lang: "en",
                posts: &Default::default(),
                citations: &Default::default(),
                key: Default::default(),
            };
            RenderKey::of(&input, &r).unwrap()
        };
        let none = Arc::default();
        let key = |path: &str, text: &str, body_offset, config, math| {
            key_with(&none, path, text, body_offset, config, math)
        };
        let base = key("posts/a.md", "a $x$", 0, &md, &plain);
        assert_eq!(base, key("posts/a.md", "a $x$", 0, &md, &plain));
        for (what, other) in [
            ("path", key("posts/b.md", "a $x$", 0, &md, &plain)),
            ("text", key("posts/a.md", "a $y$", 0, &md, &plain)),
            ("body offset", key("posts/a.md", "a $x$", 1, &md, &plain)),
            (
                "markdown config",
                key("posts/a.md", "a $x$", 0, &no_breaks, &plain),
            ),
            (
                "math macros",
                key("posts/a.md", "a $x$", 0, &md, &with_macro),
            ),
        ] {
            assert_ne!(base, other, "{what}");
        }
        // The post's own macros are an input too.
        let own = Arc::new(Macros::from([("\\RR".into(), "\\mathbb{R}".into())]));
        let with_own = key_with(&own, "posts/a.md", "a $x$", 0, &md, &plain);
        assert_ne!(base, with_own, "post macros");
        // Formulas the prepass has filled in are not an input.
        let mut filled = MathCache::new(&MathConfig::default());
        filled.render_missing(&formulas("a $x$"));
        assert_eq!(base, key("posts/a.md", "a $x$", 0, &md, &filled));
    }

    #[test]
    fn toc_keeps_a_headings_math_rendered_and_its_text_plain() {
        let out = render_str("## Cost $O(n^2)$ of **sorting**\n");
        assert_eq!(out.toc[0].title, "Cost O(n^2) of sorting");
        let html = &out.toc[0].html;
        assert!(html.starts_with("Cost <span class=\"katex\">"), "{html}");
        assert!(html.ends_with("</span> of sorting"), "{html}");
    }

    #[test]
    fn a_titles_math_is_rendered_and_the_rest_escaped() {
        let h = Highlighter::default();
        let config = MarkdownConfig::default();
        let title = "Energy <$E=mc^2$> & *not emphasis*";
        let mut cache = MathCache::new(&MathConfig::default());
        let input = Input {
            path: Path::new("posts/t.md"),
            text: "---\ntitle: x\n---\nbody\n",
            body_offset: 17,
            title,
            macros: &Arc::default(),
        };
        let posts = Default::default();
        let cites = citations::Citations::default();
        fn renderer<'a>(
            config: &'a MarkdownConfig,
            math: &'a MathCache,
            highlighter: &'a Highlighter,
            (posts, citations): (&'a links::PostIndex, &'a citations::Citations),
        ) -> Renderer<'a> {
            Renderer {
                config,
                math,
                highlighter,
                lang: "en",
                posts,
                citations,
                key: Default::default(),
            }
        }
        let formulas: Vec<Formula> = parse(input, &renderer(&config, &cache, &h, (&posts, &cites)))
            .formulas()
            .collect();
        assert_eq!(formulas.len(), 1);
        cache.render_missing(&formulas);
        let out = render(&input, &renderer(&config, &cache, &h, (&posts, &cites)));
        assert!(
            out.title_html
                .starts_with("Energy &lt;<span class=\"katex\">"),
            "{}",
            out.title_html
        );
        assert!(
            out.title_html.ends_with("</span>&gt; &amp; *not emphasis*"),
            "{}",
            out.title_html
        );
    }

    #[test]
    fn gfm_extensions() {
        let out = render_str("| a |\n|---|\n| b |\n\n~~s~~ [^1]\n\n- [x] done\n\n[^1]: note\n");
        for needle in ["<table>", "<del>", "checkbox", "footnote"] {
            assert!(out.html().contains(needle), "{needle}: {}", out.html());
        }
    }
}
