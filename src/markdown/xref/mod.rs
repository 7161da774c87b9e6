//! Numbers and cross-references inside a post: equation numbers (amsmath's rules), theorem-like
//! blocks (Quarto's fenced divs), `\label`/`\ref`/`\eqref` and Quarto's `{#eq-x}`/`@eq-x`.
//!
//! Two walks over the events, both before the KaTeX prepass (so KaTeX sees the rewritten TeX and
//! each number is part of its formula's cache key): the first numbers things in document order
//! and records every label; the second resolves references, so a reference may come before its
//! target, as in LaTeX.

pub mod divs;
pub mod equations;
mod figures;
pub mod words;

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use super::{Input, Spanned};
use crate::error::Error;
use crate::html::escape;
use divs::{Attrs, Fence, FenceKind};
use words::{Kind, Words};

/// `[math] numbering`: how equations are numbered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Numbering {
    /// (1), (2), … through the post.
    #[default]
    Post,
    /// (2.1): the `##` section, then the equation within it.
    Section,
    /// No numbers (explicit `\tag`s still show).
    None,
}

/// Something a label names.
#[derive(Debug, Clone)]
struct Target {
    kind: Kind,
    /// `None`: labelled but unnumbered (a `\label` on a starred row).
    number: Option<String>,
    /// The element's `id`.
    id: String,
    /// Body offset of the label, for "defined twice" messages.
    at: usize,
}

/// Settings the passes read; all part of the post's render key through `Renderer`.
pub struct Settings<'r> {
    pub numbering: Numbering,
    pub lang: &'r str,
}

/// What the passes report: mistakes that leave the page readable are warnings (an unknown
/// label shows as "??"); a block left open makes the rest of the post wrong, so it is an error.
#[derive(Default)]
pub struct Findings {
    pub warnings: Vec<Error>,
    pub errors: Vec<Error>,
}

/// Runs both walks. `fences` are the fenced-div lines [`divs::find`] blanked, in body order.
pub(super) fn cross_reference<'a>(
    events: Vec<Spanned<'a>>,
    fences: &[Fence],
    input: &Input<'_>,
    settings: &Settings<'_>,
    found: &mut Findings,
) -> Vec<Spanned<'a>> {
    let words = Words::for_lang(settings.lang);
    let mut figures = Vec::new();
    let events = figures::number(events, &words, &mut figures);
    let mut numberer = Numberer {
        input,
        settings,
        words: &words,
        found,
        targets: HashMap::new(),
        section: 0,
        equation: 0,
        counters: HashMap::new(),
        open: Vec::new(),
        pending_title: None,
        out: Vec::with_capacity(events.len() + 4 * fences.len()),
    };
    for (label, target) in figures {
        numberer.define(&label, target);
    }
    numberer.number(events, fences);
    let Numberer { targets, out, .. } = numberer;
    resolve(out, &targets, &words, input, found)
}

/// A fenced div being read.
struct OpenDiv {
    kind: Option<Kind>,
    at: usize,
}

struct Numberer<'s, 'a> {
    input: &'s Input<'s>,
    settings: &'s Settings<'s>,
    words: &'s Words,
    found: &'s mut Findings,
    targets: HashMap<String, Target>,
    section: usize,
    equation: usize,
    counters: HashMap<Kind, usize>,
    open: Vec<OpenDiv>,
    /// A block's title waits for its first paragraph, to sit inline at its start as in LaTeX.
    pending_title: Option<String>,
    out: Vec<Spanned<'a>>,
}

impl<'a> Numberer<'_, 'a> {
    fn number(&mut self, events: Vec<Spanned<'a>>, fences: &[Fence]) {
        let mut fences = fences.iter().peekable();
        let mut events = events.into_iter().peekable();
        while let Some(s) = events.next() {
            while let Some(f) = fences.next_if(|f| f.line.start <= s.range.start) {
                self.fence(f);
            }
            if let Some(title) = self.pending_title.take() {
                if matches!(s.event, Event::Start(Tag::Paragraph)) {
                    let at = s.range.start;
                    self.out.push(s);
                    self.inline_html(format!("{title} "), at);
                    continue;
                }
                self.html(format!("<p>{title}</p>\n"), s.range.start);
            }
            match &s.event {
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    ..
                }) => {
                    self.section += 1;
                    if self.settings.numbering == Numbering::Section {
                        self.equation = 0;
                    }
                    self.out.push(s);
                }
                Event::DisplayMath(tex) => {
                    let quarto = events.peek().and_then(|n| quarto_label(&n.event));
                    let tex = tex.to_string();
                    let label = quarto.as_ref().map(|(l, _)| l.as_str());
                    self.display_math(&tex, label, s);
                    if let Some((_, rest)) = quarto
                        && let Some(mut next) = events.next()
                    {
                        next.event = Event::Text(CowStr::from(rest));
                        self.out.push(next);
                    }
                }
                _ => self.out.push(s),
            }
        }
        for f in fences {
            self.fence(f);
        }
        for div in std::mem::take(&mut self.open) {
            self.found.errors.push(Error::at(
                self.input.location(div.at),
                "this block is never closed: add a line `:::` where it ends",
            ));
            self.html("</div>\n", div.at);
        }
    }

    fn html(&mut self, html: impl Into<String>, at: usize) {
        self.out.push(Spanned {
            event: Event::Html(CowStr::from(html.into())),
            range: at..at,
            mark: None,
        });
    }

    fn inline_html(&mut self, html: impl Into<String>, at: usize) {
        self.out.push(Spanned {
            event: Event::InlineHtml(CowStr::from(html.into())),
            range: at..at,
            mark: None,
        });
    }

    fn fence(&mut self, f: &Fence) {
        let at = f.line.start;
        if let Some(title) = self.pending_title.take() {
            self.html(format!("<p>{title}</p>\n"), at);
        }
        match &f.kind {
            FenceKind::Close => match self.open.pop() {
                Some(div) => {
                    if div.kind == Some(Kind::Proof) {
                        self.qed(at);
                    }
                    self.html("</div>\n", at);
                }
                None => self.found.warnings.push(Error::at(
                    self.input.location(at),
                    "`:::` closes no block (a block opens with `::: {#thm-name}` or `::: proof`)",
                )),
            },
            FenceKind::BadOpen(why) => {
                self.found.warnings.push(Error::at(
                    self.input.location(at),
                    format!("block attributes do not parse: {why}; shown as a plain block"),
                ));
                self.open.push(OpenDiv { kind: None, at });
                self.html("<div>\n", at);
            }
            FenceKind::Open(attrs) => self.open_div(attrs, at),
        }
    }

    fn open_div(&mut self, attrs: &Attrs, at: usize) {
        // `::: {#refs}`: where the citations pass puts the bibliography.
        if super::citations::is_refs_div(attrs.id.as_deref()) {
            self.open.push(OpenDiv { kind: None, at });
            self.html(super::citations::REFS_SLOT, at);
            return;
        }
        let kind = Kind::of_block(attrs);
        let mut classes: Vec<&str> = Vec::new();
        let mut title = None;
        match kind {
            Some(kind) => {
                classes.extend(["theorem", kind.class()]);
                let number = kind.is_numbered().then(|| {
                    let n = self.counters.entry(kind).or_insert(0);
                    *n += 1;
                    n.to_string()
                });
                if let Some(id) = &attrs.id {
                    self.define(
                        id,
                        Target {
                            kind,
                            number: number.clone(),
                            id: id.clone(),
                            at,
                        },
                    );
                }
                title = Some(
                    self.words
                        .block_title(kind, number.as_deref(), attrs.get("name")),
                );
            }
            None => {
                let what = attrs
                    .id
                    .as_deref()
                    .map(|id| format!("`#{id}`"))
                    .or_else(|| attrs.classes.first().map(|c| format!("`{c}`")))
                    .unwrap_or_else(|| "no kind".into());
                self.found.warnings.push(Error::at(
                    self.input.location(at),
                    format!(
                        "unknown block kind {what}: shown as a plain block (theorem-like blocks \
                         have an id starting with thm-, lem-, cor-, prp-, cnj-, def-, exm- or \
                         exr-, or are `proof`, `remark` or `solution`)"
                    ),
                ));
            }
        }
        classes.extend(attrs.classes.iter().map(String::as_str));
        classes.dedup();
        let mut html = String::from("<div");
        if !classes.is_empty() {
            html.push_str(&format!(" class=\"{}\"", escape(&classes.join(" "))));
        }
        if let Some(id) = &attrs.id {
            html.push_str(&format!(" id=\"{}\"", escape(id)));
        }
        html.push_str(">\n");
        self.open.push(OpenDiv { kind, at });
        self.html(html, at);
        self.pending_title = title;
    }

    /// `∎` at the end of the proof's last paragraph, or on a line of its own.
    fn qed(&mut self, at: usize) {
        let qed = "<span class=\"qed\" aria-label=\"end of proof\">∎</span>";
        if self
            .out
            .last()
            .is_some_and(|s| matches!(s.event, Event::End(TagEnd::Paragraph)))
        {
            let end = self.out.pop();
            self.inline_html(qed, at);
            self.out.extend(end);
        } else {
            self.html(format!("<p class=\"qed-line\">{qed}</p>\n"), at);
        }
    }

    fn display_math(&mut self, tex: &str, quarto: Option<&str>, s: Spanned<'a>) {
        let numbering = self.settings.numbering;
        let section = self.section;
        let equation = &mut self.equation;
        let numbered = equations::number_display(tex, quarto, &mut || {
            if numbering == Numbering::None {
                return None;
            }
            *equation += 1;
            Some(match numbering {
                Numbering::Section => format!("{section}.{equation}"),
                _ => equation.to_string(),
            })
        });
        for label in &numbered.labels {
            let id = equation_id(&label.name);
            let at = s.range.start;
            if label.number.is_none() && numbering != Numbering::None {
                self.found.warnings.push(Error::at(
                    self.input.location(at),
                    format!(
                        "label `{}` is on an equation without a number (a starred \
                         environment or `\\nonumber`): references to it show ??",
                        label.name
                    ),
                ));
            }
            self.define(
                &label.name,
                Target {
                    kind: Kind::Equation,
                    number: label.number.clone(),
                    id: id.clone(),
                    at,
                },
            );
            self.out.push(Spanned {
                event: Event::InlineHtml(CowStr::from(format!(
                    "<span class=\"eq-anchor\" id=\"{}\"></span>",
                    escape(&id)
                ))),
                range: at..at,
                mark: None,
            });
        }
        self.out.push(Spanned {
            event: Event::DisplayMath(CowStr::from(numbered.tex)),
            ..s
        });
    }

    fn define(&mut self, label: &str, target: Target) {
        if let Some(first) = self.targets.get(label) {
            let (line, col) =
                crate::error::line_col(self.input.text, self.input.body_offset + first.at);
            self.found.warnings.push(Error::at(
                self.input.location(target.at),
                format!("label `{label}` is defined twice: first at line {line}:{col}, again here; references go to the first"),
            ));
            return;
        }
        self.targets.insert(label.to_string(), target);
    }
}

/// Quarto's label after a display formula: `$$ … $$ {#eq-name}`. Returns the label and the
/// text after it.
fn quarto_label(event: &Event<'_>) -> Option<(String, String)> {
    let Event::Text(t) = event else {
        return None;
    };
    let rest = t.trim_start().strip_prefix("{#")?;
    let (label, after) = rest.split_once('}')?;
    let label = label.trim();
    (!label.is_empty() && !label.contains(char::is_whitespace))
        .then(|| (label.to_string(), after.to_string()))
}

/// An equation's `id`: the label with characters that need escaping in a URL fragment made
/// `-`, and `eq-` in front unless it is there (`\label{eq:energy}` → `eq-energy`), so that
/// equation anchors never take a heading's id.
pub fn equation_id(label: &str) -> String {
    let clean: String = label
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.starts_with("eq-") {
        clean
    } else {
        format!("eq-{clean}")
    }
}

/// The second walk: references, now that every label is known.
fn resolve<'a>(
    events: Vec<Spanned<'a>>,
    targets: &HashMap<String, Target>,
    words: &Words,
    input: &Input<'_>,
    found: &mut Findings,
) -> Vec<Spanned<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut lookup = |name: &str, at: usize| -> Option<&Target> {
        let target = targets.get(name).or_else(|| {
            // `@eq-x` also finds `\label{x}`, whose anchor is `eq-x`.
            targets
                .values()
                .find(|t| t.kind == Kind::Equation && t.id == name)
        });
        if target.is_none() {
            found.warnings.push(Error::at(
                input.location(at),
                format!("undefined label `{name}`: shown as ??"),
            ));
        }
        target
    };
    for s in events {
        match &s.event {
            Event::InlineMath(tex) | Event::DisplayMath(tex) => {
                let refs = equations::references(tex);
                if refs.is_empty() {
                    out.push(s);
                    continue;
                }
                let whole = refs.len() == 1 && tex[refs[0].0.clone()].len() == tex.trim().len();
                let display = matches!(s.event, Event::DisplayMath(_));
                if whole && !display {
                    let (_, eq, name) = &refs[0];
                    let target = lookup(name, s.range.start);
                    let html = reference_link(target, *eq, None);
                    out.push(Spanned {
                        event: Event::InlineHtml(CowStr::from(html)),
                        ..s
                    });
                    continue;
                }
                let tex = equations::replace_references(tex, |eq, name| {
                    let number = lookup(name, s.range.start)
                        .and_then(|t| t.number.clone())
                        .unwrap_or_else(|| "??".into());
                    let text = if eq { format!("({number})") } else { number };
                    format!("\\text{{{text}}}")
                });
                let event = if display {
                    Event::DisplayMath(CowStr::from(tex))
                } else {
                    Event::InlineMath(CowStr::from(tex))
                };
                out.push(Spanned { event, ..s });
            }
            Event::Text(text) if text.contains('@') => {
                let refs = at_references(text);
                if refs.is_empty() {
                    out.push(s);
                    continue;
                }
                let text = text.to_string();
                let mut from = 0;
                for (range, name) in refs {
                    if range.start > from {
                        out.push(Spanned {
                            event: Event::Text(CowStr::from(text[from..range.start].to_string())),
                            range: s.range.clone(),
                            mark: None,
                        });
                    }
                    let target = lookup(name, s.range.start + range.start);
                    let kind = Kind::of_label(name);
                    out.push(Spanned {
                        event: Event::InlineHtml(CowStr::from(reference_link(
                            target,
                            false,
                            kind.map(|k| words.name(k)),
                        ))),
                        range: s.range.clone(),
                        mark: None,
                    });
                    from = range.end;
                }
                if from < text.len() {
                    out.push(Spanned {
                        event: Event::Text(CowStr::from(text[from..].to_string())),
                        range: s.range.clone(),
                        mark: None,
                    });
                }
            }
            _ => out.push(s),
        }
    }
    out
}

/// A link to a target: "(3)" for `\eqref`, "3" for `\ref`, "Theorem 3" for `@thm-x`; "??" in
/// place of the number of an unknown target (no link then).
fn reference_link(target: Option<&Target>, parens: bool, word: Option<&str>) -> String {
    let number = target
        .and_then(|t| t.number.as_deref())
        .unwrap_or("??")
        .to_string();
    let number = if parens {
        format!("({number})")
    } else {
        number
    };
    let text = match word {
        Some(w) => format!("{w}\u{a0}{}", escape(&number)),
        None => escape(&number),
    };
    match target {
        Some(t) => format!("<a class=\"xref\" href=\"#{}\">{text}</a>", escape(&t.id)),
        None => format!("<span class=\"xref undefined\">{text}</span>"),
    }
}

/// A cross-reference link ([`reference_link`]) as plain text in the same span, for an excerpt
/// shown on another page; `None` for any other HTML.
pub fn unlinked(html: &str) -> Option<String> {
    let rest = html.strip_prefix("<a class=\"xref\" href=\"")?;
    let text = rest.split_once("\">")?.1.strip_suffix("</a>")?;
    Some(format!("<span class=\"xref\">{text}</span>"))
}

/// Quarto's `@eq-x`, `@thm-x`, … in running text: an `@` not preceded by a letter or digit (so
/// e-mail addresses stay), then a label whose prefix names a kind. Trailing punctuation is the
/// sentence's, not the label's.
fn at_references(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let after_word = prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        if c != '@' || after_word {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
            .unwrap_or(rest.len());
        let name = rest[..len].trim_end_matches(['.', ':', '-']);
        if Kind::of_label(name).is_some() {
            out.push((i..i + 1 + name.len(), name));
        }
    }
    out
}
