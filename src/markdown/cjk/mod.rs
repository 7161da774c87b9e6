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
//!
//! The code is split by job: `emphasis` takes blocks apart and puts them back together,
//! `flanking` holds the amended delimiter-run rules, `pairing` replays CommonMark's delimiter
//! stack, `line_breaks` is the second pass, and `chars` classifies characters from ICU4X's
//! Unicode data.

mod chars;
mod emphasis;
mod flanking;
mod line_breaks;
mod pairing;

use std::ops::Range;

use pulldown_cmark::Event;

pub use emphasis::cjk_friendly_emphasis;
pub use line_breaks::east_asian_line_breaks;

type Spanned<'a> = (Event<'a>, Range<usize>);

/// What the tests of both passes parse and render with, and the random Markdown they share.
#[cfg(test)]
mod test_support {
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, html};

    use super::Spanned;

    pub(super) fn options() -> Options {
        crate::markdown::options()
    }

    pub(super) fn parse(source: &str) -> Vec<Spanned<'_>> {
        Parser::new_ext(source, options())
            .into_offset_iter()
            .collect()
    }

    pub(super) fn to_html<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
        let mut out = String::new();
        html::push_html(&mut out, events.into_iter());
        out
    }

    pub(super) fn plain(source: &str) -> String {
        to_html(Parser::new_ext(source, options()))
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

    pub(super) fn markdown() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40)
            .prop_map(|tokens| tokens.concat())
    }
}
