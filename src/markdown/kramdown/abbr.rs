//! kramdown's abbreviations: `*[HTML]: Hyper Text Markup Language` lines (a paragraph of them)
//! define them, and every whole-word use of `HTML` in the text becomes
//! `<abbr title="…">HTML</abbr>`.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

type Events<'a> = Vec<(Event<'a>, Range<usize>)>;

/// `*[X]: title` as (X, title).
fn definition(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix("*[")?;
    let (name, title) = rest.split_once("]:")?;
    (!name.is_empty()).then(|| (name.to_string(), title.trim().to_string()))
}

pub fn abbreviations<'a>(body: &str, events: Events<'a>) -> Events<'a> {
    if !body.contains("*[") {
        return events;
    }
    let mut defs: Vec<(String, String)> = Vec::new();
    let mut kept: Events<'a> = Vec::with_capacity(events.len());
    let mut skip_to: Option<usize> = None;
    for (i, (event, range)) in events.iter().enumerate() {
        if skip_to.is_some_and(|end| i <= end) {
            continue;
        }
        if matches!(event, Event::Start(Tag::Paragraph)) {
            let lines: Vec<_> = body[range.clone()]
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            let found: Vec<_> = lines.iter().filter_map(|l| definition(l)).collect();
            if !lines.is_empty() && found.len() == lines.len() {
                defs.extend(found);
                skip_to = events[i..]
                    .iter()
                    .position(|(e, _)| matches!(e, Event::End(TagEnd::Paragraph)))
                    .map(|p| i + p);
                continue;
            }
        }
        kept.push((event.clone(), range.clone()));
    }
    if defs.is_empty() {
        return kept;
    }
    // Longest first, so `HTML5` is not read as `HTML` followed by `5`.
    defs.sort_by_key(|d| std::cmp::Reverse(d.0.len()));
    let mut out = Vec::with_capacity(kept.len());
    let mut in_code = false;
    for (event, range) in kept {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if !in_code => {
                mark(t, &range, &defs, &mut out);
                continue;
            }
            _ => {}
        }
        out.push((event, range));
    }
    out
}

fn mark<'a>(text: &str, range: &Range<usize>, defs: &[(String, String)], out: &mut Events<'a>) {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut plain = String::new();
    let mut i = 0;
    while i < text.len() {
        let hit = defs.iter().find(|(name, _)| {
            text[i..].starts_with(name.as_str())
                && !word(text[..i].chars().next_back())
                && !word(text[i + name.len()..].chars().next())
        });
        match hit {
            Some((name, title)) => {
                if !plain.is_empty() {
                    out.push((
                        Event::Text(CowStr::from(std::mem::take(&mut plain))),
                        range.clone(),
                    ));
                }
                // The word stays text, so a heading's TOC entry and slug keep it.
                let open = format!("<abbr title=\"{}\">", crate::html::escape(title));
                out.push((Event::InlineHtml(CowStr::from(open)), range.clone()));
                out.push((Event::Text(CowStr::from(name.clone())), range.clone()));
                out.push((
                    Event::InlineHtml(CowStr::Borrowed("</abbr>")),
                    range.clone(),
                ));
                i += name.len();
            }
            None => {
                let c = text[i..].chars().next().unwrap_or_default();
                plain.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    if !plain.is_empty() {
        out.push((Event::Text(CowStr::from(plain)), range.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        let events: Vec<_> = pulldown_cmark::Parser::new(md).into_offset_iter().collect();
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            abbreviations(md, events).into_iter().map(|(e, _)| e),
        );
        html
    }

    #[test]
    fn definitions_vanish_and_whole_words_are_marked() {
        let out = html("HTML and XHTML, `HTML` in code.\n\n*[HTML]: Hyper Text <Markup>\n");
        assert_eq!(
            out,
            "<p><abbr title=\"Hyper Text &lt;Markup&gt;\">HTML</abbr> and XHTML, <code>HTML</code> in code.</p>\n"
        );
    }

    #[test]
    fn text_without_definitions_is_untouched() {
        assert_eq!(html("a *[b]* c\n"), "<p>a <em>[b]</em> c</p>\n");
    }
}
