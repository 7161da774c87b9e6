//! East Asian line breaks: a source newline inside a Chinese or Japanese sentence is not a
//! space.

use pulldown_cmark::{Event, Tag, TagEnd};

use super::chars::{is_cjk, is_hangul};

/// Soft breaks between two CJK characters become nothing.
///
/// The rule is CSS Text 3's segment-break transformation, as Goldmark's `css3draft` East Asian
/// line-break style applies it: a soft break is dropped when the characters on both sides are
/// wide (the amendment's CJK characters, as the emphasis pass classifies them) and neither is
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
    is_cjk(c) && !is_hangul(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::cjk::cjk_friendly_emphasis;
    use crate::markdown::cjk::test_support::{markdown, parse, to_html};
    use proptest::prelude::*;

    fn both_passes(source: &str) -> String {
        let events = cjk_friendly_emphasis(source, parse(source));
        to_html(east_asian_line_breaks(
            events.into_iter().map(|(e, _)| e).collect(),
        ))
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

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
