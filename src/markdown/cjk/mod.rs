//! CJK-friendly emphasis and East Asian line breaks, as passes over pulldown-cmark's events.
//!
//! CommonMark decides whether `**` may open or close emphasis from the characters on either
//! side of it, and those rules assume that words are separated by spaces. In
//! `**理解范数：**平方范数` the closing `**` sits between punctuation and a letter, which
//! CommonMark reads as the start of a word, so the asterisks stay literal; Chinese and
//! Japanese writers hit this all the time. The "CommonMark CJK-friendly amendments"
//! (tats-u/markdown-cjk-friendly, `specification.md`, the Unicode 17 revision) change only the
//! flanking definitions next to CJK characters. pulldown-cmark offers no hook into its
//! delimiter scanner, so [`cjk_friendly_emphasis`] repairs its output instead: each block's
//! inline events are taken apart again into delimiter runs, text and opaque pieces, CommonMark's
//! "process emphasis" algorithm is replayed with the amended rules, and new
//! `Emphasis`/`Strong`/`Strikethrough` events are emitted.
//!
//! The replay mirrors pulldown-cmark's own implementation of that algorithm (its delimiter
//! stack, the rule of three, and its tilde rules, which are not cmark-gfm's) so that a block
//! comes out exactly as pulldown-cmark made it unless the amendment really changes a verdict.
//! Blocks where no delimiter run gets a different verdict are passed through untouched, event
//! for event, so Latin-only text cannot be affected at all.
//!
//! [`east_asian_line_breaks`] drops soft breaks that would otherwise render as a space in the
//! middle of a Chinese or Japanese sentence: writers wrap lines in the source, and a browser
//! shows every source newline as a space.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

type Spanned<'a> = (Event<'a>, Range<usize>);

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

/// Soft breaks between two CJK characters become nothing.
///
/// The rule is CSS Text 3's segment-break transformation, as Goldmark's `css3draft` East Asian
/// line-break style applies it: a soft break is dropped when the characters on both sides are
/// wide (the amendment's CJK characters, so the same table as the emphasis pass) and neither is
/// Hangul, because Korean separates words with spaces and a line break there is a word break.
/// A zero-width space on either side also absorbs the break. The characters compared are the
/// last one of the text before and the first one of the text after, looking through the
/// boundaries of emphasis, strikethrough and links (their text is running text) but not through
/// code, math, HTML, images or footnote references, whose rendering is not that character.
/// Hard breaks (two trailing spaces, a backslash, a raw `<br>`) are different events and are
/// never touched.
pub fn east_asian_line_breaks<'a>(events: Vec<Event<'a>>) -> Vec<Event<'a>> {
    let dropped: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|&(i, event)| matches!(event, Event::SoftBreak) && joins_across(&events, i))
        .map(|(i, _)| i)
        .collect();
    if dropped.is_empty() {
        return events;
    }
    events
        .into_iter()
        .enumerate()
        .filter(|(i, _)| dropped.binary_search(i).is_err())
        .map(|(_, event)| event)
        .collect()
}

fn joins_across(events: &[Event<'_>], at: usize) -> bool {
    let before = events
        .get(..at)
        .and_then(|evs| edge_char(evs.iter().rev(), |t| t.chars().next_back()));
    let after = events
        .get(at + 1..)
        .and_then(|evs| edge_char(evs.iter(), |t| t.chars().next()));
    match (before, after) {
        (Some(a), Some(b)) => {
            a == ZERO_WIDTH_SPACE
                || b == ZERO_WIDTH_SPACE
                || (is_wide_non_hangul(a) && is_wide_non_hangul(b))
        }
        _ => false,
    }
}

const ZERO_WIDTH_SPACE: char = '\u{200B}';

fn edge_char<'e, 'a: 'e>(
    mut events: impl Iterator<Item = &'e Event<'a>>,
    pick: impl Fn(&str) -> Option<char>,
) -> Option<char> {
    events.find_map(|event| match event {
        Event::Text(t) if t.is_empty() => None,
        Event::Text(t) => Some(pick(t)),
        Event::Start(
            Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. },
        )
        | Event::End(
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link,
        ) => None,
        _ => Some(None),
    })?
}

fn is_wide_non_hangul(c: char) -> bool {
    is_cjk(c) && !in_table(HANGUL_RANGES, c)
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
struct Verdict {
    open: bool,
    close: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    Plain,
    Cjk,
}

/// One maximal run of the same delimiter character, as CommonMark defines delimiter runs.
struct Run {
    byte: u8,
    /// Source offset of its first character.
    start: usize,
    len: usize,
    /// Link or image text is its own context: delimiters inside never pair with outside ones.
    scope: usize,
    /// Index of its first character among all delimiter characters of the block.
    first: usize,
    /// Where the run's line of inline content starts in the source, so the container
    /// markers before it (`>`, list bullets, table pipes) are not mistaken for neighbours.
    line_start: usize,
    plain: Verdict,
    cjk: Verdict,
}

enum Item {
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
struct Flat {
    items: Vec<Item>,
    runs: Vec<Run>,
    delims: usize,
    scopes: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Emphasis,
    Strong,
    Strikethrough,
}

impl Kind {
    fn tag(self) -> Tag<'static> {
        match self {
            Kind::Emphasis => Tag::Emphasis,
            Kind::Strong => Tag::Strong,
            Kind::Strikethrough => Tag::Strikethrough,
        }
    }

    fn tag_end(self) -> TagEnd {
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

/// The characters around a delimiter run, as the flanking rules see them: the start and end
/// of a line of inline content count as whitespace (`None`).
struct Neighbours {
    before_prev: Option<char>,
    prev: Option<char>,
    next: Option<char>,
}

fn neighbours(source: &str, run: &Run, at_end: bool) -> Neighbours {
    let char_before = |at: usize| {
        if at <= run.line_start {
            None
        } else {
            source.get(..at).and_then(|s| s.chars().next_back())
        }
    };
    let prev = char_before(run.start);
    let before_prev = prev.and_then(|p| char_before(run.start.checked_sub(p.len_utf8())?));
    let next = if at_end {
        None
    } else {
        source
            .get(run.start + run.len..)
            .and_then(|s| s.chars().next())
    };
    Neighbours {
        before_prev,
        prev,
        next,
    }
}

/// What the flanking rules need to know about one neighbouring character (or sequence).
#[derive(Clone, Copy, Default)]
struct Side {
    space: bool,
    punct: bool,
    cjk: bool,
    ivs: bool,
}

const SPACE: Side = Side {
    space: true,
    punct: false,
    cjk: false,
    ivs: false,
};

fn side(c: Option<char>) -> Side {
    match c {
        None => SPACE,
        Some(c) if c.is_whitespace() => SPACE,
        Some(c) => Side {
            space: false,
            punct: is_punct(c),
            cjk: is_cjk(c),
            ivs: is_ivs(c),
        },
    }
}

/// The amendment judges a base character followed by a variation selector as that base
/// character. A selector after whitespace or after an IVS is left unspecified by the
/// specification; like the reference implementation, it is then an ordinary letter. The
/// quotation marks U+2018/2019/201C/201D followed by U+FE01 ask for their fullwidth form and
/// count as CJK punctuation.
fn amended_prev_side(n: &Neighbours) -> Side {
    let Some(prev) = n.prev else {
        return SPACE;
    };
    if !is_general_vs(prev) {
        return side(Some(prev));
    }
    let letter = Side::default();
    match n.before_prev {
        None => letter,
        Some(base) if base.is_whitespace() || is_ivs(base) => letter,
        Some('\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}') if prev == '\u{FE01}' => Side {
            space: false,
            punct: true,
            cjk: true,
            ivs: false,
        },
        Some(base) => side(Some(base)),
    }
}

fn verdicts(source: &str, run: &Run, at_end: bool) -> (Verdict, Verdict) {
    let n = neighbours(source, run, at_end);
    let after_tilde = n.prev == Some('~');
    let next = side(n.next);

    let prev = side(n.prev);
    let left = !next.space && (!next.punct || prev.space || prev.punct);
    let right = !prev.space && (!prev.punct || next.space || next.punct);
    let plain = verdict(run, prev, next, left, right, after_tilde);

    let prev = amended_prev_side(&n);
    let next_other_punct = next.punct && !next.cjk;
    let prev_other_punct = prev.punct && !prev.cjk;
    let left = !next.space
        && (!next_other_punct || prev.space || prev_other_punct || prev.cjk || prev.ivs);
    let right = !prev.space && (!prev_other_punct || next.space || next_other_punct || next.cjk);
    let cjk = verdict(run, prev, next, left, right, after_tilde);
    (plain, cjk)
}

/// CommonMark's rules for `*` and `_`, and pulldown-cmark's for tildes: `~~` may open before
/// any non-space, a single `~` is as intraword-shy as `_`, runs of three or more never count,
/// and a tilde right after another (escaped) tilde is let through.
fn verdict(
    run: &Run,
    prev: Side,
    next: Side,
    left: bool,
    right: bool,
    after_tilde: bool,
) -> Verdict {
    let (open, close) = match (run.byte, run.len) {
        (b'*', _) => (left, right),
        (b'_', _) => (
            left && (!right || prev.punct),
            right && (!left || next.punct),
        ),
        (b'~', 1) => (
            (left && (!right || prev.punct)) || (!next.space && after_tilde && !next.punct),
            (right && (!left || next.punct)) || (!prev.space && after_tilde),
        ),
        (b'~', 2) => (!next.space, right || (!prev.space && after_tilde)),
        _ => (false, false),
    };
    Verdict { open, close }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Literal,
    /// First character of an opening delimiter of pair `n`.
    Open(usize),
    /// First character of a closing delimiter of pair `n`.
    Close(usize),
    /// Further characters of a two-character delimiter.
    Inner,
}

struct Pairs {
    roles: Vec<Role>,
    spans: Vec<(Kind, Range<usize>)>,
}

#[derive(Clone, Copy)]
struct Opener {
    run: usize,
    /// Its unused characters are `first..first + count` within the run.
    first: usize,
    count: usize,
    len: usize,
    byte: u8,
    both: bool,
}

/// pulldown-cmark's delimiter stack: besides the openers it remembers, per kind of closer,
/// below which height a search already failed (CommonMark's `openers_bottom`). Which kinds
/// share a bound matters for the result, not just for speed, so it is kept exactly alike.
#[derive(Default)]
struct Stack {
    openers: Vec<Opener>,
    bottoms: [usize; 9],
}

const UNDERSCORE_NOT_BOTH: usize = 0;
const ASTERISK_NOT_BOTH: usize = 1;
const ASTERISK_BASE: usize = 2;
const TILDES: usize = 5;
const UNDERSCORE_BASE: usize = 6;

impl Stack {
    fn bottom(&self, byte: u8, len: usize, both: bool) -> usize {
        let (base, not_both) = match byte {
            b'_' => (UNDERSCORE_BASE, UNDERSCORE_NOT_BOTH),
            b'*' => (ASTERISK_BASE, ASTERISK_NOT_BOTH),
            _ => return self.bottoms[TILDES],
        };
        let by_len = self.bottoms[base + len % 3];
        if both {
            by_len
        } else {
            by_len.min(self.bottoms[not_both])
        }
    }

    fn set_bottom(&mut self, byte: u8, len: usize, both: bool, to: usize) {
        let (base, not_both) = match byte {
            b'_' => (UNDERSCORE_BASE, UNDERSCORE_NOT_BOTH),
            b'*' => (ASTERISK_BASE, ASTERISK_NOT_BOTH),
            _ => {
                self.bottoms[TILDES] = to;
                return;
            }
        };
        self.bottoms[base + len % 3] = to;
        if !both {
            self.bottoms[not_both] = to;
        }
    }

    fn truncate(&mut self, len: usize) {
        self.openers.truncate(len);
        for bottom in &mut self.bottoms {
            *bottom = (*bottom).min(len);
        }
    }

    fn push(&mut self, opener: Opener) {
        if opener.byte == b'~' {
            self.bottoms[TILDES] = self.bottoms[TILDES].min(self.openers.len());
        }
        self.openers.push(opener);
    }

    /// The nearest opener a closer may pair with; it and everything above it leave the stack
    /// (openers between the two can no longer pair with anything and stay literal).
    fn find(&mut self, byte: u8, len: usize, both: bool) -> Option<Opener> {
        let bottom = self.bottom(byte, len, both).min(self.openers.len());
        let found = self.openers.get(bottom..)?.iter().rposition(|o| {
            if byte == b'~' && len != o.len {
                return false;
            }
            o.byte == byte
                && ((!both && !o.both) || !(len + o.len).is_multiple_of(3) || len.is_multiple_of(3))
        });
        match found {
            Some(i) => {
                let opener = *self.openers.get(bottom + i)?;
                self.truncate(bottom + i);
                Some(opener)
            }
            None => {
                self.set_bottom(byte, len, both, self.openers.len());
                None
            }
        }
    }
}

/// CommonMark's "process emphasis", one left-to-right pass with a stack per scope.
fn pair_up(flat: &Flat, rules: Rules) -> Pairs {
    let mut pairs = Pairs {
        roles: vec![Role::Literal; flat.delims],
        spans: Vec::new(),
    };
    let mut stacks: Vec<Stack> = (0..flat.scopes).map(|_| Stack::default()).collect();
    for (ri, run) in flat.runs.iter().enumerate() {
        let v = match rules {
            Rules::Plain => run.plain,
            Rules::Cjk => run.cjk,
        };
        let Some(stack) = stacks.get_mut(run.scope) else {
            continue;
        };
        let both = v.open && v.close;
        let mut used = 0;
        if v.close {
            while let Some(opener) = stack.find(run.byte, run.len, both) {
                let take = (run.len - used).min(opener.count);
                let Some(open_run) = flat.runs.get(opener.run) else {
                    break;
                };
                let mut open_end = opener.first + opener.count;
                let mut close_start = used;
                let mut left = take;
                while left > 0 {
                    let n = if left >= 2 { 2 } else { 1 };
                    let kind = match (run.byte, n) {
                        (b'~', _) => Kind::Strikethrough,
                        (_, 2) => Kind::Strong,
                        _ => Kind::Emphasis,
                    };
                    let pair = pairs.spans.len();
                    let open_at = open_run.start + open_end - n;
                    let close_at = run.start + close_start;
                    pairs.spans.push((kind, open_at..close_at + n));
                    let o = open_run.first + open_end - n;
                    let c = run.first + close_start;
                    pairs.set(o, Role::Open(pair));
                    pairs.set(c, Role::Close(pair));
                    if n == 2 {
                        pairs.set(o + 1, Role::Inner);
                        pairs.set(c + 1, Role::Inner);
                    }
                    open_end -= n;
                    close_start += n;
                    left -= n;
                }
                used += take;
                if opener.count > take {
                    stack.push(Opener {
                        count: opener.count - take,
                        ..opener
                    });
                }
                if used == run.len {
                    break;
                }
            }
        }
        if used < run.len && v.open {
            stack.push(Opener {
                run: ri,
                first: used,
                count: run.len - used,
                len: run.len,
                byte: run.byte,
                both,
            });
        }
    }
    pairs
}

impl Pairs {
    fn set(&mut self, i: usize, role: Role) {
        if let Some(slot) = self.roles.get_mut(i) {
            *slot = role;
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

/// The amendment's CJK character: East Asian Width W, F or H and not an emoji by default, or
/// Hangul script.
fn is_cjk(c: char) -> bool {
    c >= '\u{1100}' && in_table(CJK_RANGES, c)
}

/// CommonMark 0.31.2's Unicode punctuation: general categories P and S.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_punctuation()
    } else {
        in_table(PUNCT_RANGES, c)
    }
}

fn is_ivs(c: char) -> bool {
    ('\u{E0100}'..='\u{E01EF}').contains(&c)
}

/// A variation selector other than the emoji one (U+FE0F).
fn is_general_vs(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0E}').contains(&c)
}

fn in_table(table: &[u32], c: char) -> bool {
    let cp = u32::from(c);
    let (mut lo, mut hi) = (0, table.len() / 2);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let (Some(&first), Some(&last)) = (table.get(2 * mid), table.get(2 * mid + 1)) else {
            return false;
        };
        if last < cp {
            lo = mid + 1;
        } else if first > cp {
            hi = mid;
        } else {
            return true;
        }
    }
    false
}

// The tables below are generated from Unicode 17 data (Node 20's ICU 78 regular expression
// properties and the get-east-asian-width package that the reference implementation uses):
// pairs of first and last code point, sorted.
//
// CJK_RANGES: (East_Asian_Width ∈ {W, F, H} and not Emoji_Presentation) or Script=Hangul.
// PUNCT_RANGES: General_Category P* or S*.
// HANGUL_RANGES: Script=Hangul.

const CJK_RANGES: &[u32] = &[
    0x1100, 0x11FF, 0x20A9, 0x20A9, 0x2329, 0x232A, 0x2630, 0x2637, 0x268A, 0x268F, 0x2E80, 0x2E99,
    0x2E9B, 0x2EF3, 0x2F00, 0x2FD5, 0x2FF0, 0x303E, 0x3041, 0x3096, 0x3099, 0x30FF, 0x3105, 0x312F,
    0x3131, 0x318E, 0x3190, 0x31E5, 0x31EF, 0x321E, 0x3220, 0x3247, 0x3250, 0xA48C, 0xA490, 0xA4C6,
    0xA960, 0xA97C, 0xAC00, 0xD7A3, 0xD7B0, 0xD7C6, 0xD7CB, 0xD7FB, 0xF900, 0xFAFF, 0xFE10, 0xFE19,
    0xFE30, 0xFE52, 0xFE54, 0xFE66, 0xFE68, 0xFE6B, 0xFF01, 0xFFBE, 0xFFC2, 0xFFC7, 0xFFCA, 0xFFCF,
    0xFFD2, 0xFFD7, 0xFFDA, 0xFFDC, 0xFFE0, 0xFFE6, 0xFFE8, 0xFFEE, 0x16FE0, 0x16FE4, 0x16FF0,
    0x16FF6, 0x17000, 0x18CDA, 0x18CFF, 0x18D20, 0x18D80, 0x18DF2, 0x18E00, 0x19191, 0x191A0,
    0x191D2, 0x1AFF0, 0x1AFF3, 0x1AFF5, 0x1AFFB, 0x1AFFD, 0x1AFFE, 0x1B000, 0x1B128, 0x1B132,
    0x1B132, 0x1B150, 0x1B152, 0x1B155, 0x1B155, 0x1B164, 0x1B168, 0x1B170, 0x1B2FB, 0x1D300,
    0x1D356, 0x1D360, 0x1D376, 0x1F1AE, 0x1F1AE, 0x1F200, 0x1F200, 0x1F202, 0x1F202, 0x1F210,
    0x1F219, 0x1F21B, 0x1F22E, 0x1F230, 0x1F231, 0x1F237, 0x1F237, 0x1F23B, 0x1F23B, 0x1F240,
    0x1F248, 0x1F260, 0x1F265, 0x1F6D9, 0x1F6D9, 0x1F7DA, 0x1F7DA, 0x1FA8B, 0x1FA8D, 0x1FACC,
    0x1FACC, 0x1FADD, 0x1FADD, 0x1FAEB, 0x1FAEB, 0x1FAF9, 0x1FAFA, 0x20000, 0x2FFFD, 0x30000,
    0x3FFFD,
];

const PUNCT_RANGES: &[u32] = &[
    0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E, 0xA1, 0xA9, 0xAB, 0xAC, 0xAE, 0xB1, 0xB4, 0xB4,
    0xB6, 0xB8, 0xBB, 0xBB, 0xBF, 0xBF, 0xD7, 0xD7, 0xF7, 0xF7, 0x2C2, 0x2C5, 0x2D2, 0x2DF, 0x2E5,
    0x2EB, 0x2ED, 0x2ED, 0x2EF, 0x2FF, 0x375, 0x375, 0x37E, 0x37E, 0x384, 0x385, 0x387, 0x387,
    0x3F6, 0x3F6, 0x482, 0x482, 0x55A, 0x55F, 0x589, 0x58A, 0x58D, 0x58F, 0x5BE, 0x5BE, 0x5C0,
    0x5C0, 0x5C3, 0x5C3, 0x5C6, 0x5C6, 0x5F3, 0x5F4, 0x606, 0x60F, 0x61B, 0x61B, 0x61D, 0x61F,
    0x66A, 0x66D, 0x6D4, 0x6D4, 0x6DE, 0x6DE, 0x6E9, 0x6E9, 0x6FD, 0x6FE, 0x700, 0x70D, 0x7F6,
    0x7F9, 0x7FE, 0x7FF, 0x830, 0x83E, 0x85E, 0x85E, 0x888, 0x888, 0x964, 0x965, 0x970, 0x970,
    0x9F2, 0x9F3, 0x9FA, 0x9FB, 0x9FD, 0x9FD, 0xA76, 0xA76, 0xAF0, 0xAF1, 0xB70, 0xB70, 0xBF3,
    0xBFA, 0xC77, 0xC77, 0xC7F, 0xC7F, 0xC84, 0xC84, 0xD4F, 0xD4F, 0xD79, 0xD79, 0xDF4, 0xDF4,
    0xE3F, 0xE3F, 0xE4F, 0xE4F, 0xE5A, 0xE5B, 0xF01, 0xF17, 0xF1A, 0xF1F, 0xF34, 0xF34, 0xF36,
    0xF36, 0xF38, 0xF38, 0xF3A, 0xF3D, 0xF85, 0xF85, 0xFBE, 0xFC5, 0xFC7, 0xFCC, 0xFCE, 0xFDA,
    0x104A, 0x104F, 0x109E, 0x109F, 0x10FB, 0x10FB, 0x1360, 0x1368, 0x1390, 0x1399, 0x1400, 0x1400,
    0x166D, 0x166E, 0x169B, 0x169C, 0x16EB, 0x16ED, 0x1735, 0x1736, 0x17D4, 0x17D6, 0x17D8, 0x17DB,
    0x1800, 0x180A, 0x1940, 0x1940, 0x1944, 0x1945, 0x19DE, 0x19FF, 0x1A1E, 0x1A1F, 0x1AA0, 0x1AA6,
    0x1AA8, 0x1AAD, 0x1B4E, 0x1B4F, 0x1B5A, 0x1B6A, 0x1B74, 0x1B7F, 0x1BFC, 0x1BFF, 0x1C3B, 0x1C3F,
    0x1C7E, 0x1C7F, 0x1CC0, 0x1CC7, 0x1CD3, 0x1CD3, 0x1FBD, 0x1FBD, 0x1FBF, 0x1FC1, 0x1FCD, 0x1FCF,
    0x1FDD, 0x1FDF, 0x1FED, 0x1FEF, 0x1FFD, 0x1FFE, 0x2010, 0x2027, 0x2030, 0x205E, 0x207A, 0x207E,
    0x208A, 0x208E, 0x20A0, 0x20C1, 0x2100, 0x2101, 0x2103, 0x2106, 0x2108, 0x2109, 0x2114, 0x2114,
    0x2116, 0x2118, 0x211E, 0x2123, 0x2125, 0x2125, 0x2127, 0x2127, 0x2129, 0x2129, 0x212E, 0x212E,
    0x213A, 0x213B, 0x2140, 0x2144, 0x214A, 0x214D, 0x214F, 0x214F, 0x218A, 0x218B, 0x2190, 0x2429,
    0x2440, 0x244A, 0x249C, 0x24E9, 0x2500, 0x2775, 0x2794, 0x2B73, 0x2B76, 0x2BFF, 0x2CE5, 0x2CEA,
    0x2CF9, 0x2CFC, 0x2CFE, 0x2CFF, 0x2D70, 0x2D70, 0x2E00, 0x2E2E, 0x2E30, 0x2E5D, 0x2E80, 0x2E99,
    0x2E9B, 0x2EF3, 0x2F00, 0x2FD5, 0x2FF0, 0x2FFF, 0x3001, 0x3004, 0x3008, 0x3020, 0x3030, 0x3030,
    0x3036, 0x3037, 0x303D, 0x303F, 0x309B, 0x309C, 0x30A0, 0x30A0, 0x30FB, 0x30FB, 0x3190, 0x3191,
    0x3196, 0x319F, 0x31C0, 0x31E5, 0x31EF, 0x31EF, 0x3200, 0x321E, 0x322A, 0x3247, 0x3250, 0x3250,
    0x3260, 0x327F, 0x328A, 0x32B0, 0x32C0, 0x33FF, 0x4DC0, 0x4DFF, 0xA490, 0xA4C6, 0xA4FE, 0xA4FF,
    0xA60D, 0xA60F, 0xA673, 0xA673, 0xA67E, 0xA67E, 0xA6F2, 0xA6F7, 0xA700, 0xA716, 0xA720, 0xA721,
    0xA789, 0xA78A, 0xA828, 0xA82B, 0xA836, 0xA839, 0xA874, 0xA877, 0xA8CE, 0xA8CF, 0xA8F8, 0xA8FA,
    0xA8FC, 0xA8FC, 0xA92E, 0xA92F, 0xA95F, 0xA95F, 0xA9C1, 0xA9CD, 0xA9DE, 0xA9DF, 0xAA5C, 0xAA5F,
    0xAA77, 0xAA79, 0xAADE, 0xAADF, 0xAAF0, 0xAAF1, 0xAB5B, 0xAB5B, 0xAB6A, 0xAB6B, 0xABEB, 0xABEB,
    0xFB29, 0xFB29, 0xFBB2, 0xFBD2, 0xFD3E, 0xFD4F, 0xFD90, 0xFD91, 0xFDC8, 0xFDCF, 0xFDFC, 0xFDFF,
    0xFE10, 0xFE19, 0xFE30, 0xFE52, 0xFE54, 0xFE66, 0xFE68, 0xFE6B, 0xFF01, 0xFF0F, 0xFF1A, 0xFF20,
    0xFF3B, 0xFF40, 0xFF5B, 0xFF65, 0xFFE0, 0xFFE6, 0xFFE8, 0xFFEE, 0xFFFC, 0xFFFD, 0x10100,
    0x10102, 0x10137, 0x1013F, 0x10179, 0x10189, 0x1018C, 0x1018E, 0x10190, 0x1019C, 0x101A0,
    0x101A0, 0x101D0, 0x101FC, 0x1039F, 0x1039F, 0x103D0, 0x103D0, 0x1056F, 0x1056F, 0x10857,
    0x10857, 0x10877, 0x10878, 0x1091F, 0x1091F, 0x1093F, 0x1093F, 0x10A50, 0x10A58, 0x10A7F,
    0x10A7F, 0x10AC8, 0x10AC8, 0x10AF0, 0x10AF6, 0x10B39, 0x10B3F, 0x10B99, 0x10B9C, 0x10D6E,
    0x10D6E, 0x10D8E, 0x10D8F, 0x10EAD, 0x10EAD, 0x10ED0, 0x10ED8, 0x10F55, 0x10F59, 0x10F86,
    0x10F89, 0x11047, 0x1104D, 0x110BB, 0x110BC, 0x110BE, 0x110C1, 0x11140, 0x11143, 0x11174,
    0x11175, 0x111C5, 0x111C8, 0x111CD, 0x111CD, 0x111DB, 0x111DB, 0x111DD, 0x111DF, 0x11238,
    0x1123D, 0x112A9, 0x112A9, 0x113D4, 0x113D5, 0x113D7, 0x113D8, 0x1144B, 0x1144F, 0x1145A,
    0x1145B, 0x1145D, 0x1145D, 0x114C6, 0x114C6, 0x115C1, 0x115D7, 0x11641, 0x11643, 0x11660,
    0x1166C, 0x116B9, 0x116B9, 0x1173C, 0x1173F, 0x1183B, 0x1183B, 0x11944, 0x11946, 0x119E2,
    0x119E2, 0x11A3F, 0x11A46, 0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11B00, 0x11B09, 0x11BE1,
    0x11BE1, 0x11C41, 0x11C45, 0x11C70, 0x11C71, 0x11EF7, 0x11EF8, 0x11F43, 0x11F4F, 0x11FD5,
    0x11FF1, 0x11FFF, 0x11FFF, 0x12470, 0x12474, 0x12FF1, 0x12FF2, 0x16A6E, 0x16A6F, 0x16AF5,
    0x16AF5, 0x16B37, 0x16B3F, 0x16B44, 0x16B45, 0x16D6D, 0x16D6F, 0x16E97, 0x16E9A, 0x16FE2,
    0x16FE2, 0x1BC9C, 0x1BC9C, 0x1BC9F, 0x1BC9F, 0x1CC00, 0x1CCEF, 0x1CCFA, 0x1CCFC, 0x1CD00,
    0x1CEB3, 0x1CEBA, 0x1CED0, 0x1CEE0, 0x1CEF0, 0x1CF50, 0x1CFC3, 0x1D000, 0x1D0F5, 0x1D100,
    0x1D126, 0x1D129, 0x1D164, 0x1D16A, 0x1D16C, 0x1D183, 0x1D184, 0x1D18C, 0x1D1A9, 0x1D1AE,
    0x1D1EA, 0x1D200, 0x1D241, 0x1D245, 0x1D245, 0x1D300, 0x1D356, 0x1D6C1, 0x1D6C1, 0x1D6DB,
    0x1D6DB, 0x1D6FB, 0x1D6FB, 0x1D715, 0x1D715, 0x1D735, 0x1D735, 0x1D74F, 0x1D74F, 0x1D76F,
    0x1D76F, 0x1D789, 0x1D789, 0x1D7A9, 0x1D7A9, 0x1D7C3, 0x1D7C3, 0x1D800, 0x1D9FF, 0x1DA37,
    0x1DA3A, 0x1DA6D, 0x1DA74, 0x1DA76, 0x1DA83, 0x1DA85, 0x1DA8B, 0x1E14F, 0x1E14F, 0x1E2FF,
    0x1E2FF, 0x1E5FF, 0x1E5FF, 0x1E95E, 0x1E95F, 0x1ECAC, 0x1ECAC, 0x1ECB0, 0x1ECB0, 0x1ED2E,
    0x1ED2E, 0x1EEF0, 0x1EEF1, 0x1F000, 0x1F02B, 0x1F030, 0x1F093, 0x1F0A0, 0x1F0AE, 0x1F0B1,
    0x1F0BF, 0x1F0C1, 0x1F0CF, 0x1F0D1, 0x1F0F5, 0x1F10D, 0x1F1AD, 0x1F1E6, 0x1F202, 0x1F210,
    0x1F23B, 0x1F240, 0x1F248, 0x1F250, 0x1F251, 0x1F260, 0x1F265, 0x1F300, 0x1F6D8, 0x1F6DC,
    0x1F6EC, 0x1F6F0, 0x1F6FC, 0x1F700, 0x1F7D9, 0x1F7E0, 0x1F7EB, 0x1F7F0, 0x1F7F0, 0x1F800,
    0x1F80B, 0x1F810, 0x1F847, 0x1F850, 0x1F859, 0x1F860, 0x1F887, 0x1F890, 0x1F8AD, 0x1F8B0,
    0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1F8D0, 0x1F8D8, 0x1F900, 0x1FA57, 0x1FA60, 0x1FA6D, 0x1FA70,
    0x1FA7C, 0x1FA80, 0x1FA8A, 0x1FA8E, 0x1FAC6, 0x1FAC8, 0x1FAC8, 0x1FACD, 0x1FADC, 0x1FADF,
    0x1FAEA, 0x1FAEF, 0x1FAF8, 0x1FB00, 0x1FB92, 0x1FB94, 0x1FBEF, 0x1FBFA, 0x1FBFA,
];

const HANGUL_RANGES: &[u32] = &[
    0x1100, 0x11FF, 0x302E, 0x302F, 0x3131, 0x318E, 0x3200, 0x321E, 0x3260, 0x327E, 0xA960, 0xA97C,
    0xAC00, 0xD7A3, 0xD7B0, 0xD7C6, 0xD7CB, 0xD7FB, 0xFFA0, 0xFFBE, 0xFFC2, 0xFFC7, 0xFFCA, 0xFFCF,
    0xFFD2, 0xFFD7, 0xFFDA, 0xFFDC,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use pulldown_cmark::{Options, Parser, html};

    fn options() -> Options {
        crate::markdown::options()
    }

    fn parse(source: &str) -> Vec<Spanned<'_>> {
        Parser::new_ext(source, options())
            .into_offset_iter()
            .collect()
    }

    fn to_html<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
        let mut out = String::new();
        html::push_html(&mut out, events.into_iter());
        out
    }

    fn plain(source: &str) -> String {
        to_html(Parser::new_ext(source, options()))
    }

    fn cjk(source: &str) -> String {
        to_html(
            cjk_friendly_emphasis(source, parse(source))
                .into_iter()
                .map(|(e, _)| e),
        )
    }

    fn both_passes(source: &str) -> String {
        let events = cjk_friendly_emphasis(source, parse(source));
        to_html(east_asian_line_breaks(
            events.into_iter().map(|(e, _)| e).collect(),
        ))
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

    #[test]
    fn line_breaks() {
        let cases = [
            ("中文\n中文", "<p>中文中文</p>\n"),
            ("中文。\n「中文」", "<p>中文。「中文」</p>\n"),
            ("中文\nLatin", "<p>中文\nLatin</p>\n"),
            ("Latin\n中文", "<p>Latin\n中文</p>\n"),
            ("Latin\nwords", "<p>Latin\nwords</p>\n"),
            ("한국어\n문장", "<p>한국어\n문장</p>\n"),
            ("中文  \n中文", "<p>中文<br />\n中文</p>\n"),
            ("中文\\\n中文", "<p>中文<br />\n中文</p>\n"),
            ("中文<br>\n中文", "<p>中文<br>\n中文</p>\n"),
            (
                "**中文**\n*中文*",
                "<p><strong>中文</strong><em>中文</em></p>\n",
            ),
            ("[中文](u)\n中文", "<p><a href=\"u\">中文</a>中文</p>\n"),
            ("`中文`\n中文", "<p><code>中文</code>\n中文</p>\n"),
            (
                "$中$\n中文",
                "<p><span class=\"math math-inline\">中</span>\n中文</p>\n",
            ),
            ("中文\u{200B}\nLatin", "<p>中文\u{200B}Latin</p>\n"),
        ];
        for (md, want) in cases {
            assert_eq!(both_passes(md), want, "{md:?}");
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

    /// Characters and a few multi-character tokens that make block structure (code blocks,
    /// quotes, lists, tables, links) likely enough to be exercised.
    const ALPHABET: &[&str] = &[
        "*",
        "*",
        "*",
        "_",
        "_",
        "~",
        "~",
        "`",
        "$",
        "\\",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "!",
        "&",
        "#",
        ";",
        "\n",
        "\n",
        " ",
        " ",
        " ",
        "a",
        "b",
        "x",
        "A",
        "中",
        "文",
        "理",
        "解",
        "，",
        "。",
        "：",
        "「",
        "」",
        "（",
        "）",
        "한",
        "\u{FE01}",
        "\u{E0100}",
        "’",
        "|",
        "-",
        "^",
        "\n    ",
        "\n```\n",
        "\n> ",
        "\n- ",
        "\n|-|\n",
        "](u)",
        "[a](",
        "<b>",
        "$$",
        "\n\n",
    ];

    fn markdown() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40)
            .prop_map(|tokens| tokens.concat())
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

        #[test]
        fn line_breaks_only_drop_soft_breaks(md in markdown()) {
            let events: Vec<_> = parse(&md).into_iter().map(|(e, _)| e).collect();
            let out = east_asian_line_breaks(events.clone());
            let kept: Vec<_> = events.into_iter().filter(|e| {
                !matches!(e, Event::SoftBreak)
            }).collect();
            let out_kept: Vec<_> = out.into_iter().filter(|e| !matches!(e, Event::SoftBreak)).collect();
            prop_assert_eq!(out_kept, kept);
        }
    }
}
