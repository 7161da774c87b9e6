//! kramdown's math rules on pulldown-cmark's math events. pulldown-cmark (with `ENABLE_MATH`)
//! reads `$…$` as inline and `$$…$$` as display wherever they stand; kramdown reads `$$…$$` as
//! display only when it is a paragraph of its own, as inline inside a sentence, and a single
//! `$` as a dollar sign. Deciding from the events (never from the text by pattern) keeps code
//! spans, code blocks and escapes exactly as the parser saw them.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// Rewrites the math events of `body` (the text the events' ranges index) to kramdown's modes.
pub fn kramdown_modes<'a>(
    body: &str,
    mut events: Vec<(Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    for i in 0..events.len() {
        let replacement = match &events[i].0 {
            Event::InlineMath(_) | Event::DisplayMath(_)
                if !body[events[i].1.clone()].starts_with("$$") =>
            {
                // `$x$`: kramdown has no single-dollar math; the source is the text.
                Some(Event::Text(CowStr::from(
                    body[events[i].1.clone()].to_string(),
                )))
            }
            Event::DisplayMath(tex) if !alone_in_paragraph(&events, i) => {
                Some(Event::InlineMath(tex.clone()))
            }
            _ => None,
        };
        if let Some(event) = replacement {
            events[i].0 = event;
        }
    }
    events
}

/// Whether event `i` is the only thing in its paragraph but white space: a paragraph of the
/// parser's, one an attribute list reopened ([`super::attach`] writes its tags as HTML), or
/// a tight list item (kramdown reads an item's text as a paragraph).
fn alone_in_paragraph(events: &[(Event<'_>, Range<usize>)], i: usize) -> bool {
    let blank = |e: &Event<'_>| match e {
        Event::SoftBreak => true,
        Event::Text(t) => t.trim().is_empty(),
        _ => false,
    };
    let before = events[..i].iter().rev().find(|(e, _)| !blank(e));
    let after = events[i + 1..].iter().find(|(e, _)| !blank(e));
    let opens = |e: &Event<'_>| match e {
        Event::Start(Tag::Paragraph | Tag::Item) => true,
        Event::Html(h) => super::attach::is_block_open(h),
        _ => false,
    };
    let closes = |e: &Event<'_>| match e {
        Event::End(TagEnd::Paragraph | TagEnd::Item) => true,
        Event::Html(h) => super::attach::is_block_close(h),
        _ => false,
    };
    before.is_some_and(|(e, _)| opens(e)) && after.is_some_and(|(e, _)| closes(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::Parser;

    /// The modes of `md`'s formulas after the pass, as `i:TeX` / `d:TeX`, and its plain text.
    fn modes(md: &str) -> (Vec<String>, String) {
        let events: Vec<_> = Parser::new_ext(md, crate::markdown::options())
            .into_offset_iter()
            .collect();
        let mut math = Vec::new();
        let mut text = String::new();
        for (e, _) in kramdown_modes(md, events) {
            match e {
                Event::InlineMath(t) => math.push(format!("i:{t}")),
                Event::DisplayMath(t) => math.push(format!("d:{t}")),
                Event::Text(t) => text.push_str(&t),
                _ => {}
            }
        }
        (math, text)
    }

    #[test]
    fn pulldown_cmark_alone_calls_double_dollars_in_a_sentence_display() {
        // What the pass exists for: the parser's reading differs from kramdown's.
        let events: Vec<_> = Parser::new_ext("a $$x$$ b", crate::markdown::options()).collect();
        assert!(events.iter().any(|e| matches!(e, Event::DisplayMath(_))));
    }

    #[test]
    fn double_dollars_are_display_only_as_a_paragraph_of_their_own() {
        let (math, _) = modes("$$a$$\n\nsee $$b$$ here\n\n$$\nc\n$$\n\nend $$d$$\n");
        assert_eq!(math, ["d:a", "i:b", "d:\nc\n", "i:d"]);
    }

    #[test]
    fn single_dollars_are_literal() {
        let (math, text) = modes("costs $5 and $x$ here\n");
        assert!(math.is_empty(), "{math:?}");
        assert_eq!(text, "costs $5 and $x$ here");
    }

    #[test]
    fn display_math_in_a_list_item_or_after_text_lines_is_inline() {
        let (math, _) = modes("- item $$x$$\n\nline one\n$$y$$\n");
        assert_eq!(math, ["i:x", "i:y"]);
    }

    #[test]
    fn display_math_alone_in_a_list_item_or_a_quote_is_display() {
        let (math, _) = modes("- $$a$$\n- text $$b$$\n\n> $$c$$\n\n| $$d$$ |\n|---|\n");
        assert_eq!(math, ["d:a", "i:b", "d:c", "i:d"]);
    }
}
