//! The flanking rules, the one place where the CJK-friendly amendment differs from
//! CommonMark: whether a delimiter run may open or close emphasis, judged from the characters
//! on either side of it. Both verdicts are computed so that blocks where they agree can be
//! left exactly as pulldown-cmark made them.

use super::chars::{is_cjk, is_general_vs, is_ivs, is_punct};
use super::emphasis::Run;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Verdict {
    pub(super) open: bool,
    pub(super) close: bool,
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

pub(super) fn verdicts(source: &str, run: &Run, at_end: bool) -> (Verdict, Verdict) {
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
