//! The CJK-friendly emphasis pass: which blocks to repair, taking a block's inline events
//! apart into delimiter runs and text, and emitting new events once [`super::pairing`] has
//! paired the delimiters under the rules of [`super::flanking`].

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::Spanned;
use super::chars::{is_cjk, is_general_vs, is_ivs};
use super::flanking::{Verdict, verdicts};
use super::pairing::{Pairs, Role, Rules, pair_up};

/// Re-pairs emphasis delimiters with the CJK-friendly flanking rules.
///
/// `source` must be the text the events were parsed from (their ranges index into it): the
/// flanking rules look at the raw characters around each delimiter run, which the events
/// alone no longer show (escapes and entities are already decoded).
///
/// Ranges stay meaningful: events that are kept (code, math, HTML, links, most text) keep their
/// original ranges, a new `Start`/`End` pair gets the range from its opening delimiter to its
/// closing one (as pulldown-cmark does), and text split off at a delimiter gets the range of
/// exactly that text. `~` strikethrough follows pulldown-cmark's rules (`~~` needs only a
/// non-space after the opener; a single `~` behaves like `_`), with the amended flanking
/// definitions wherever those rules use flanking.
pub fn cjk_friendly_emphasis<'a>(
    source: &'a str,
    events: Vec<(Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    rewrite(source, events, false)
}

/// `replay` forces every block through the replay with CommonMark's own rules; the tests use
/// it to check that the replay reproduces pulldown-cmark.
fn rewrite<'a>(source: &'a str, events: Vec<Spanned<'a>>, replay: bool) -> Vec<Spanned<'a>> {
    // Events go straight to the output; a block's inline run is taken back out only when it
    // needs repairing, which keeps the common case to one move per event.
    let mut out = Vec::with_capacity(events.len());
    let mut run_start = 0;
    // The text of code and metadata blocks is not Markdown, however it looks.
    let mut in_verbatim_block = false;
    for (event, range) in events {
        if !in_verbatim_block && is_inline(&event) {
            out.push((event, range));
            continue;
        }
        repair_tail(source, &mut out, run_start, replay);
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::MetadataBlock(_)) => in_verbatim_block = true,
            Event::End(TagEnd::CodeBlock | TagEnd::MetadataBlock(_)) => in_verbatim_block = false,
            _ => {}
        }
        out.push((event, range));
        run_start = out.len();
    }
    repair_tail(source, &mut out, run_start, replay);
    out
}

fn repair_tail<'a>(source: &'a str, out: &mut Vec<Spanned<'a>>, from: usize, replay: bool) {
    let Some(run) = out.get(from..) else {
        return;
    };
    if run.is_empty() || (!replay && !may_change(source, run)) {
        return;
    }
    let run = out.split_off(from);
    out.extend(repair(source, run, replay));
}

/// Inline events form one emphasis context until a block event interrupts them; tight list
/// items have no paragraph events, so block boundaries are the only reliable separator.
fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::InlineHtml(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak => true,
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        _ => false,
    }
}

fn repair<'a>(source: &'a str, events: Vec<Spanned<'a>>, replay: bool) -> Vec<Spanned<'a>> {
    let Some(flat) = Flat::new(source, &events) else {
        return events;
    };
    if !replay && flat.runs.iter().all(|run| run.cjk == run.plain) {
        return events;
    }
    let roles = pair_up(&flat, if replay { Rules::Plain } else { Rules::Cjk });
    match plan(source, &events, &flat, &roles) {
        Some(plan) => materialize(source, events, plan),
        None => events,
    }
}

/// Every way the amendment can change a verdict needs a delimiter and a CJK character, an
/// ideographic variation selector or a variation selector in the block, so a block without
/// them is certainly unchanged (most blocks of a Chinese post have no delimiter at all).
fn may_change(source: &str, events: &[Spanned<'_>]) -> bool {
    let start = events.iter().map(|(_, r)| r.start).min().unwrap_or(0);
    let end = events.iter().map(|(_, r)| r.end).max().unwrap_or(0);
    let Some(text) = source.get(start..end) else {
        return false;
    };
    // Everything CJK-related is at U+1100 or above, which UTF-8 starts with 0xE1 or more.
    text.bytes().any(|b| matches!(b, b'*' | b'_' | b'~'))
        && text.bytes().any(|b| b >= 0xE1)
        && text
            .chars()
            .any(|c| is_cjk(c) || is_ivs(c) || is_general_vs(c))
}

/// One maximal run of the same delimiter character, as CommonMark defines delimiter runs.
pub(super) struct Run {
    pub(super) byte: u8,
    /// Source offset of its first character.
    pub(super) start: usize,
    pub(super) len: usize,
    /// Link or image text is its own context: delimiters inside never pair with outside ones.
    pub(super) scope: usize,
    /// Index of its first character among all delimiter characters of the block.
    pub(super) first: usize,
    /// Where the run's line of inline content starts in the source, so the container
    /// markers before it (`>`, list bullets, table pipes) are not mistaken for neighbours.
    pub(super) line_start: usize,
    pub(super) plain: Verdict,
    pub(super) cjk: Verdict,
}

pub(super) enum Item {
    /// Bytes `lo..hi` of the text of event `ev`; `whole` when that is all of it.
    Text {
        ev: usize,
        lo: usize,
        hi: usize,
        whole: bool,
    },
    /// The `nth` character of delimiter run `run`.
    Delim { run: usize, nth: usize },
    /// An event passed through unchanged.
    Keep(usize),
}

/// A block's inline content taken apart: the original emphasis events are dissolved back into
/// their delimiter characters, everything that emphasis cannot cut into stays whole.
pub(super) struct Flat {
    pub(super) items: Vec<Item>,
    pub(super) runs: Vec<Run>,
    pub(super) delims: usize,
    pub(super) scopes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Emphasis,
    Strong,
    Strikethrough,
}

impl Kind {
    pub(super) fn tag(self) -> Tag<'static> {
        match self {
            Kind::Emphasis => Tag::Emphasis,
            Kind::Strong => Tag::Strong,
            Kind::Strikethrough => Tag::Strikethrough,
        }
    }

    pub(super) fn tag_end(self) -> TagEnd {
        match self {
            Kind::Emphasis => TagEnd::Emphasis,
            Kind::Strong => TagEnd::Strong,
            Kind::Strikethrough => TagEnd::Strikethrough,
        }
    }
}

impl Flat {
    /// `None` when the events are not what pulldown-cmark produces for this source (or use
    /// superscript/subscript, which this pass does not model); the block is then left alone.
    fn new(source: &str, events: &[Spanned<'_>]) -> Option<Flat> {
        let mut b = Builder {
            flat: Flat {
                items: Vec::with_capacity(events.len() * 2),
                runs: Vec::new(),
                delims: 0,
                scopes: 1,
            },
            scope_stack: vec![0],
            line_start: events.first().map_or(0, |(_, r)| r.start),
        };
        let bytes = source.as_bytes();
        // Open emphasis events: kind, delimiter byte, delimiter length, range.
        let mut open: Vec<(Kind, u8, usize, Range<usize>)> = Vec::new();
        // Inside an autolink or e-mail link (or a wiki link), nothing is Markdown.
        let mut opaque_depth = 0usize;
        let mut after_break = false;
        for (ev, (event, range)) in events.iter().enumerate() {
            if after_break {
                b.line_start = range.start;
                after_break = false;
            }
            if opaque_depth > 0 {
                match event {
                    Event::Start(Tag::Link { .. } | Tag::Image { .. }) => opaque_depth += 1,
                    Event::End(TagEnd::Link | TagEnd::Image) => opaque_depth -= 1,
                    _ => {}
                }
                b.flat.items.push(Item::Keep(ev));
                continue;
            }
            match event {
                Event::Start(tag @ (Tag::Emphasis | Tag::Strong | Tag::Strikethrough)) => {
                    let (kind, len) = match tag {
                        Tag::Emphasis => (Kind::Emphasis, 1),
                        Tag::Strong => (Kind::Strong, 2),
                        _ => {
                            let tildes = source
                                .get(range.start..range.end)?
                                .bytes()
                                .take(2)
                                .take_while(|&c| c == b'~')
                                .count();
                            (Kind::Strikethrough, tildes)
                        }
                    };
                    let byte = *bytes.get(range.start)?;
                    let opener = bytes.get(range.start..range.start + len)?;
                    let closer = bytes.get(range.end.checked_sub(len)?..range.end)?;
                    let expected: &[u8] = match kind {
                        Kind::Strikethrough => b"~",
                        _ => b"*_",
                    };
                    if len == 0
                        || range.end < range.start + 2 * len
                        || !expected.contains(&byte)
                        || opener.iter().chain(closer).any(|&c| c != byte)
                    {
                        return None;
                    }
                    for at in range.start..range.start + len {
                        b.delim(at, byte);
                    }
                    open.push((kind, byte, len, range.clone()));
                }
                Event::End(end @ (TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough)) => {
                    let (kind, byte, len, range) = open.pop()?;
                    if kind.tag_end() != *end {
                        return None;
                    }
                    for at in range.end - len..range.end {
                        b.delim(at, byte);
                    }
                }
                Event::Start(Tag::Superscript | Tag::Subscript)
                | Event::End(TagEnd::Superscript | TagEnd::Subscript) => return None,
                Event::Start(Tag::Link { link_type, .. }) => {
                    b.flat.items.push(Item::Keep(ev));
                    if matches!(
                        link_type,
                        LinkType::Autolink | LinkType::Email | LinkType::WikiLink { .. }
                    ) {
                        opaque_depth = 1;
                    } else {
                        b.enter_scope();
                    }
                }
                Event::Start(Tag::Image { .. }) => {
                    b.flat.items.push(Item::Keep(ev));
                    b.enter_scope();
                }
                Event::End(TagEnd::Link | TagEnd::Image) => {
                    b.flat.items.push(Item::Keep(ev));
                    b.scope_stack.pop();
                    if b.scope_stack.is_empty() {
                        return None;
                    }
                }
                Event::Text(text) => {
                    let prev_text_end = match ev.checked_sub(1).and_then(|i| events.get(i)) {
                        Some((Event::Text(_), r)) => Some(r.end),
                        _ => None,
                    };
                    b.text(source, ev, text, range, prev_text_end);
                }
                Event::SoftBreak | Event::HardBreak => {
                    b.flat.items.push(Item::Keep(ev));
                    after_break = true;
                }
                _ => b.flat.items.push(Item::Keep(ev)),
            }
        }
        if !open.is_empty() || b.scope_stack.len() != 1 || opaque_depth != 0 {
            return None;
        }
        let mut flat = b.flat;
        let last_run = match flat.items.last() {
            Some(Item::Delim { run, .. }) => Some(*run),
            _ => None,
        };
        for (i, run) in flat.runs.iter_mut().enumerate() {
            let (plain, cjk) = verdicts(source, run, last_run == Some(i));
            run.plain = plain;
            run.cjk = cjk;
        }
        Some(flat)
    }
}

struct Builder {
    flat: Flat,
    scope_stack: Vec<usize>,
    line_start: usize,
}

impl Builder {
    fn scope(&self) -> usize {
        self.scope_stack.last().copied().unwrap_or(0)
    }

    fn enter_scope(&mut self) {
        self.scope_stack.push(self.flat.scopes);
        self.flat.scopes += 1;
    }

    fn delim(&mut self, at: usize, byte: u8) {
        let scope = self.scope();
        if let Some(Item::Delim { run, .. }) = self.flat.items.last() {
            let run = *run;
            if let Some(r) = self.flat.runs.get_mut(run)
                && r.byte == byte
                && r.scope == scope
                && r.start + r.len == at
            {
                r.len += 1;
                self.flat.items.push(Item::Delim {
                    run,
                    nth: r.len - 1,
                });
                self.flat.delims += 1;
                return;
            }
        }
        self.flat.runs.push(Run {
            byte,
            start: at,
            len: 1,
            scope,
            first: self.flat.delims,
            line_start: self.line_start,
            plain: Verdict::default(),
            cjk: Verdict::default(),
        });
        self.flat.items.push(Item::Delim {
            run: self.flat.runs.len() - 1,
            nth: 0,
        });
        self.flat.delims += 1;
    }

    /// Text that is a verbatim slice of the source may contain delimiters pulldown-cmark left
    /// literal. Decoded text (entities, escapes) differs from its source and never does: an
    /// escaped `\*` is emitted as a text event starting right after the backslash, so a
    /// delimiter at the start of a text event preceded by a backslash that belongs to no text
    /// is escaped. (`\\*` emits the second backslash as text, so there the `*` is real.)
    fn text(
        &mut self,
        source: &str,
        ev: usize,
        text: &str,
        range: &Range<usize>,
        prev_text_end: Option<usize>,
    ) {
        let whole = |b: &mut Builder| {
            b.flat.items.push(Item::Text {
                ev,
                lo: 0,
                hi: text.len(),
                whole: true,
            });
        };
        let verbatim = source.get(range.clone()) == Some(text);
        if !verbatim || !text.bytes().any(|c| matches!(c, b'*' | b'_' | b'~')) {
            whole(self);
            return;
        }
        let src = source.as_bytes();
        let mut lo = 0;
        let mut pieces = Vec::new();
        for (i, c) in text.bytes().enumerate() {
            if !matches!(c, b'*' | b'_' | b'~') {
                continue;
            }
            let at = range.start + i;
            let escaped = if i == 0 {
                at > 0
                    && src.get(at - 1) == Some(&b'\\')
                    && prev_text_end.is_none_or(|end| end < at)
            } else {
                text.as_bytes().get(i - 1) == Some(&b'\\')
            };
            if escaped {
                continue;
            }
            pieces.push((lo, i));
            lo = i + 1;
        }
        if pieces.is_empty() {
            whole(self);
            return;
        }
        for (piece_lo, delim_at) in pieces {
            if piece_lo < delim_at {
                self.flat.items.push(Item::Text {
                    ev,
                    lo: piece_lo,
                    hi: delim_at,
                    whole: false,
                });
            }
            if let Some(&c) = text.as_bytes().get(delim_at) {
                self.delim(range.start + delim_at, c);
            }
        }
        if lo < text.len() {
            self.flat.items.push(Item::Text {
                ev,
                lo,
                hi: text.len(),
                whole: false,
            });
        }
    }
}

enum Out {
    Keep(usize),
    Text(Range<usize>),
    Start(Kind, Range<usize>),
    End(Kind, Range<usize>),
}

/// Lays out the new events and checks that they nest; `None` sends the block back unchanged,
/// which can only happen if the events were not what this pass expects.
fn plan(source: &str, events: &[Spanned<'_>], flat: &Flat, pairs: &Pairs) -> Option<Vec<Out>> {
    #[derive(PartialEq)]
    enum Open {
        Emphasis(Kind),
        Container,
    }
    let mut out: Vec<Out> = Vec::with_capacity(flat.items.len());
    let mut nesting: Vec<Open> = Vec::new();
    for item in &flat.items {
        match *item {
            Item::Text { ev, lo, hi, whole } => {
                if whole {
                    out.push(Out::Keep(ev));
                } else {
                    let start = events.get(ev)?.1.start;
                    push_text(&mut out, start + lo..start + hi);
                }
            }
            Item::Keep(ev) => {
                match events.get(ev)?.0 {
                    Event::Start(_) => nesting.push(Open::Container),
                    Event::End(_) if nesting.pop()? != Open::Container => return None,
                    _ => {}
                }
                out.push(Out::Keep(ev));
            }
            Item::Delim { run, nth } => {
                let run = flat.runs.get(run)?;
                let at = run.start + nth;
                match *pairs.roles.get(run.first + nth)? {
                    Role::Literal => push_text(&mut out, at..at + 1),
                    Role::Inner => {}
                    Role::Open(p) => {
                        let (kind, span) = pairs.spans.get(p)?.clone();
                        nesting.push(Open::Emphasis(kind));
                        out.push(Out::Start(kind, span));
                    }
                    Role::Close(p) => {
                        let (kind, span) = pairs.spans.get(p)?.clone();
                        if nesting.pop()? != Open::Emphasis(kind) {
                            return None;
                        }
                        out.push(Out::End(kind, span));
                    }
                }
            }
        }
    }
    let texts_ok = out.iter().all(|o| match o {
        Out::Text(r) => source.get(r.clone()).is_some(),
        _ => true,
    });
    (nesting.is_empty() && texts_ok).then_some(out)
}

/// Adjacent pieces of source text become one event, so leftover delimiters do not fragment it.
fn push_text(out: &mut Vec<Out>, range: Range<usize>) {
    if let Some(Out::Text(last)) = out.last_mut()
        && last.end == range.start
    {
        last.end = range.end;
        return;
    }
    out.push(Out::Text(range));
}

fn materialize<'a>(source: &'a str, events: Vec<Spanned<'a>>, plan: Vec<Out>) -> Vec<Spanned<'a>> {
    let mut slots: Vec<Option<Spanned<'a>>> = events.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(plan.len());
    for step in plan {
        match step {
            Out::Keep(ev) => {
                if let Some(event) = slots.get_mut(ev).and_then(Option::take) {
                    out.push(event);
                }
            }
            Out::Text(range) => {
                if let Some(text) = source.get(range.clone()) {
                    out.push((Event::Text(CowStr::Borrowed(text)), range));
                }
            }
            Out::Start(kind, range) => out.push((Event::Start(kind.tag()), range)),
            Out::End(kind, range) => out.push((Event::End(kind.tag_end()), range)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::cjk::test_support::{markdown, parse, plain, to_html};
    use proptest::prelude::*;

    fn cjk(source: &str) -> String {
        to_html(
            cjk_friendly_emphasis(source, parse(source))
                .into_iter()
                .map(|(e, _)| e),
        )
    }

    /// The reference outputs come from micromark, which escapes `"` and ends without a newline.
    fn normalize(html: &str) -> String {
        html.replace("&quot;", "\"").replace('\n', "")
    }

    #[derive(serde::Deserialize)]
    struct Cases {
        cases: Vec<Case>,
    }

    #[derive(serde::Deserialize)]
    struct Case {
        file: String,
        markdown: String,
        html: String,
    }

    #[test]
    fn specification_cases_render_as_the_reference_implementation() {
        let Cases { cases } =
            serde_json::from_str(include_str!("../../../tests/data/cjk_friendly_cases.json"))
                .expect("valid JSON");
        assert!(cases.len() > 150);
        let mut failures = Vec::new();
        for case in &cases {
            let got = normalize(&cjk(&case.markdown));
            if got != normalize(&case.html) {
                failures.push(format!(
                    "{}: {:?}\n  got  {got}\n  want {}",
                    case.file, case.markdown, case.html
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[derive(serde::Deserialize)]
    struct Spec {
        examples: Vec<SpecExample>,
    }

    #[derive(serde::Deserialize)]
    struct SpecExample {
        number: u32,
        markdown: String,
        html: String,
    }

    #[test]
    fn commonmark_emphasis_examples_are_unchanged() {
        let Spec { examples } =
            serde_json::from_str(include_str!("../../../tests/data/commonmark_emphasis.json"))
                .expect("valid JSON");
        assert_eq!(examples.len(), 132);
        for ex in &examples {
            let events = parse(&ex.markdown);
            assert_eq!(
                cjk_friendly_emphasis(&ex.markdown, events.clone()),
                events,
                "example {}",
                ex.number
            );
            let replayed: Vec<_> = rewrite(&ex.markdown, events, true)
                .into_iter()
                .map(|(e, _)| e)
                .collect();
            assert_eq!(
                to_html(replayed),
                plain(&ex.markdown),
                "example {}",
                ex.number
            );
            assert_eq!(
                normalize(&plain(&ex.markdown)),
                normalize(&ex.html),
                "pulldown-cmark itself, example {}",
                ex.number
            );
        }
    }

    #[test]
    fn seed_snippets() {
        let cases = [
            (
                "**理解范数：**平方范数",
                "<p><strong>理解范数：</strong>平方范数</p>\n",
            ),
            (
                "**思考：**BN在训练的时候",
                "<p><strong>思考：</strong>BN在训练的时候</p>\n",
            ),
            (
                "**权重衰减(weight decay)**，正则化",
                "<p><strong>权重衰减(weight decay)</strong>，正则化</p>\n",
            ),
            (
                "**$L^1$会产生更稀疏的解。**",
                "<p><strong><span class=\"math math-inline\">L^1</span>会产生更稀疏的解。</strong></p>\n",
            ),
        ];
        for (md, want) in cases {
            assert_eq!(cjk(md), want, "{md}");
        }
    }

    #[test]
    fn code_links_math_and_escapes() {
        let cases = [
            (
                "**`x`：**中文",
                "<p><strong><code>x</code>：</strong>中文</p>\n",
            ),
            (
                "**[链接](u)：**中文",
                "<p><strong><a href=\"u\">链接</a>：</strong>中文</p>\n",
            ),
            (
                "中文**[链接](u)**中文",
                "<p>中文<strong><a href=\"u\">链接</a></strong>中文</p>\n",
            ),
            (
                "**$x$：**中文",
                "<p><strong><span class=\"math math-inline\">x</span>：</strong>中文</p>\n",
            ),
            ("`**理解：**平方`", "<p><code>**理解：**平方</code></p>\n"),
            (
                "```\n**理解：**平方\n```",
                "<pre><code>**理解：**平方\n</code></pre>\n",
            ),
            (
                "    **理解：**平方",
                "<pre><code>**理解：**平方</code></pre>\n",
            ),
            (
                "<div>\n**理解：**平方\n</div>",
                "<div>\n**理解：**平方\n</div>",
            ),
            ("\\*\\*理解：\\*\\*平方", "<p>**理解：**平方</p>\n"),
            ("&#42;&#42;理解：&#42;&#42;平方", "<p>**理解：**平方</p>\n"),
            // Link text is its own context: a delimiter inside never pairs with one outside.
            (
                "**理解[范数：**平方](u)",
                "<p>**理解<a href=\"u\">范数：**平方</a></p>\n",
            ),
            (
                "[**理解：**平方](u)",
                "<p><a href=\"u\"><strong>理解：</strong>平方</a></p>\n",
            ),
            (
                "<http://a.cn/**理解：**平方>",
                "<p><a href=\"http://a.cn/**%E7%90%86%E8%A7%A3%EF%BC%9A**%E5%B9%B3%E6%96%B9\">http://a.cn/**理解：**平方</a></p>\n",
            ),
            // `_` stays intraword-shy under the amendment: this closer is inside a "word".
            ("__注意：__注意", "<p>__注意：__注意</p>\n"),
            ("__注意：__，注意", "<p><strong>注意：</strong>，注意</p>\n"),
            ("*强调：*中文", "<p><em>强调：</em>中文</p>\n"),
            (
                "***理解：***平方",
                "<p><em><strong>理解：</strong></em>平方</p>\n",
            ),
            (
                "> **理解：**平方",
                "<blockquote>\n<p><strong>理解：</strong>平方</p>\n</blockquote>\n",
            ),
            (
                ">**理解：**平方",
                "<blockquote>\n<p><strong>理解：</strong>平方</p>\n</blockquote>\n",
            ),
            (
                "- **理解：**平方\n- b",
                "<ul>\n<li><strong>理解：</strong>平方</li>\n<li>b</li>\n</ul>\n",
            ),
            (
                "| a |\n|---|\n|**理解：**平方|\n",
                "<table><thead><tr><th>a</th></tr></thead><tbody>\n<tr><td><strong>理解：</strong>平方</td></tr>\n</tbody></table>\n",
            ),
            ("~~删除：~~中文", "<p><del>删除：</del>中文</p>\n"),
        ];
        for (md, want) in cases {
            assert_eq!(cjk(md), want, "{md}");
        }
    }

    #[test]
    fn the_seed_stretch_that_plain_commonmark_bolds_wrongly() {
        // Plain CommonMark pairs the first `**` with the third, across the sentence.
        let md = "**设计不仅在训练数据上表现好。**正则化就是显式地设计来减少**测试误差**的";
        assert_eq!(
            cjk(md),
            "<p><strong>设计不仅在训练数据上表现好。</strong>正则化就是显式地设计来减少<strong>测试误差</strong>的</p>\n"
        );
    }

    /// Inputs where pulldown-cmark's details matter: line starts inside containers, table
    /// cells, escapes, its tilde rules and its delimiter-stack bounds, link scopes.
    #[test]
    fn replay_reproduces_pulldown_cmark_on_tricky_inputs() {
        let inputs = [
            "> *a\n>*.",
            ">*a\n>*.*",
            "|*a*|\n|-|\n|*.*|",
            "| x |\n|---|\n|**a|b**|\n",
            "\\**a**",
            "\\\\**a**",
            "*\\**a*",
            "~a b~~ c~",
            "~~a~ b~~",
            "a~~()a~~a",
            "~~a.~~b ~~a~~",
            "~~~a~~~ ~~a~~",
            "\\~~a~~",
            "*[a*](u)",
            "[*a](u)*",
            "*a [b* c](u) d*",
            "<http://a*b*c> *x*",
            "**a\\\n**",
            "*a `*` b*",
            "*a $*$ b*",
            "*a <b*> c*",
            "***a** b* __c_ d_",
            "*foo**bar**baz*",
            "**foo*bar*baz**",
            "- *a\n*.",
            "_a *b_ c*",
            "a **b** &amp;**c**",
        ];
        for md in inputs {
            let replayed: Vec<_> = rewrite(md, parse(md), true)
                .into_iter()
                .map(|(e, _)| e)
                .collect();
            assert_eq!(to_html(replayed), plain(md), "{md:?}");
        }
    }

    #[test]
    fn latin_text_is_left_exactly_alone() {
        for md in [
            "*a* **b** _c_ __d__ ~~e~~ ~f~",
            "**foo:**bar",
            "a**b**c 中文",
            "x_y_z 中文",
        ] {
            let events = parse(md);
            assert_eq!(cjk_friendly_emphasis(md, events.clone()), events, "{md}");
        }
    }

    #[test]
    fn ranges_of_math_and_new_spans() {
        let md = "前**$x$：**中文";
        let out = cjk_friendly_emphasis(md, parse(md));
        let math = out.iter().find(|(e, _)| matches!(e, Event::InlineMath(_)));
        assert_eq!(math.map(|(_, r)| &md[r.clone()]), Some("$x$"));
        let strong = out
            .iter()
            .find(|(e, _)| matches!(e, Event::Start(Tag::Strong)));
        assert_eq!(strong.map(|(_, r)| &md[r.clone()]), Some("**$x$：**"));
        for (event, range) in &out {
            if let Event::Text(t) = event {
                assert_eq!(&md[range.clone()], t.as_ref());
            }
        }
    }

    /// The text a stream carries, in order: every piece of text, code, math and HTML, every
    /// delimiter character (from the source, where emphasis consumed it), a newline per break
    /// and a marker per other tag. A pass that drops, duplicates or reorders any of it, or
    /// gives an emphasis event a range that does not start and end with its delimiters,
    /// changes this string.
    fn signature(source: &str, events: &[Spanned<'_>]) -> String {
        let delim_len = |kind: &Tag<'_>, range: &Range<usize>| match kind {
            Tag::Emphasis => 1,
            Tag::Strong => 2,
            _ => source[range.clone()]
                .bytes()
                .take(2)
                .take_while(|&b| b == b'~')
                .count(),
        };
        let mut open: Vec<usize> = Vec::new();
        let mut s = String::new();
        for (event, range) in events {
            match event {
                Event::Text(t)
                | Event::Code(t)
                | Event::InlineMath(t)
                | Event::DisplayMath(t)
                | Event::Html(t)
                | Event::InlineHtml(t)
                | Event::FootnoteReference(t) => s.push_str(t),
                Event::Start(tag @ (Tag::Emphasis | Tag::Strong | Tag::Strikethrough)) => {
                    let n = delim_len(tag, range);
                    open.push(n);
                    s.push_str(&source[range.start..range.start + n]);
                }
                Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                    let n = open.pop().expect("balanced");
                    s.push_str(&source[range.end - n..range.end]);
                }
                Event::SoftBreak | Event::HardBreak => s.push('\n'),
                Event::Start(_) => s.push('\u{E000}'),
                Event::End(_) => s.push('\u{E001}'),
                _ => s.push('\u{E002}'),
            }
        }
        s
    }

    fn assert_nested(events: &[Spanned<'_>]) {
        let mut stack = Vec::new();
        for (event, range) in events {
            match event {
                Event::Start(tag) => stack.push((tag.to_end(), range.clone())),
                Event::End(end) => {
                    let (want, want_range) = stack.pop().expect("End without Start");
                    assert_eq!(*end, want);
                    assert_eq!(*range, want_range);
                }
                _ => {}
            }
        }
        assert!(stack.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn pass_keeps_every_character(md in markdown()) {
            let input = parse(&md);
            let output = cjk_friendly_emphasis(&md, input.clone());
            prop_assert_eq!(signature(&md, &output), signature(&md, &input));
            assert_nested(&output);
            let again = cjk_friendly_emphasis(&md, output.clone());
            prop_assert_eq!(again, output);
        }

        #[test]
        fn replay_with_commonmark_rules_reproduces_pulldown_cmark(md in markdown()) {
            let replayed: Vec<_> =
                rewrite(&md, parse(&md), true).into_iter().map(|(e, _)| e).collect();
            prop_assert_eq!(to_html(replayed), plain(&md));
        }
    }
}
