//! kramdown's extensions `{::comment}…{:/comment}`, `{::nomarkdown}…{:/nomarkdown}` and
//! `{::options … /}`. They are not Markdown, so like fenced divs (`xref::divs`) they are found
//! in the text first, outside code blocks, and blanked in place with spaces: every byte offset
//! holds for the parser and for file:line:col. A `nomarkdown` body comes back afterwards as raw
//! HTML where it stood ([`insert_raw`]).

use std::ops::Range;

use pulldown_cmark::{CowStr, Event};

use super::Problem;

/// The body with its extensions blanked and the raw HTML of each `nomarkdown`.
#[derive(Debug)]
pub struct Blanked {
    pub text: String,
    /// Where each `nomarkdown` began, its body, and whether it stood alone on its lines.
    pub raw: Vec<Raw>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Raw {
    pub at: usize,
    pub html: String,
    pub block: bool,
}

/// `None` when the body has no extension (the common case: one substring search).
pub fn blank(body: &str, problems: &mut Vec<Problem>) -> Option<Blanked> {
    if !body.contains("{::") {
        return None;
    }
    let verbatim = crate::markdown::xref::divs::verbatim_blocks(body);
    let mut text = body.to_string();
    let mut raw = Vec::new();
    let mut from = 0;
    let mut changed = false;
    while let Some(found) = body[from..].find("{::") {
        let at = from + found;
        from = at + 3;
        if verbatim.iter().any(|b| b.contains(&at)) {
            continue;
        }
        let name_len = body[at + 3..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len() - at - 3);
        let name = &body[at + 3..at + 3 + name_len];
        let Some(tag_end) = body[at..].find('}').map(|e| at + e + 1) else {
            problems.push(Problem::new(
                at,
                format!("kramdown extension `{{::{name}` has no closing `}}`"),
            ));
            continue;
        };
        let self_closing = body[..tag_end].ends_with("/}");
        let whole = if self_closing {
            at..tag_end
        } else {
            let close = [format!("{{:/{name}}}"), "{:/}".to_string()]
                .iter()
                .filter_map(|c| {
                    body[tag_end..]
                        .find(c.as_str())
                        .map(|p| (tag_end + p, c.len()))
                })
                .min();
            let Some((close_at, close_len)) = close else {
                problems.push(Problem::new(
                    at,
                    format!("kramdown extension `{{::{name}}}` has no closing `{{:/{name}}}`"),
                ));
                continue;
            };
            if name == "nomarkdown" {
                let line_start = body[..at].rfind('\n').map_or(0, |p| p + 1);
                let after = close_at + close_len;
                let line_end = body[after..].find('\n').map_or(body.len(), |p| after + p);
                raw.push(Raw {
                    at,
                    html: body[tag_end..close_at].trim_matches('\n').to_string(),
                    block: body[line_start..at].trim().is_empty()
                        && body[after..line_end].trim().is_empty(),
                });
            }
            at..close_at + close_len
        };
        match name {
            "comment" | "nomarkdown" | "options" => {
                blank_range(&mut text, whole.clone());
                changed = true;
                from = whole.end;
            }
            _ => problems.push(Problem::new(
                at,
                format!("unknown kramdown extension `{{::{name}}}`; it is shown as text"),
            )),
        }
    }
    changed.then_some(Blanked { text, raw })
}

fn blank_range(text: &mut String, range: Range<usize>) {
    let spaces: String = text[range.clone()]
        .bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(range, &spaces);
}

/// Puts each `nomarkdown` body back where it stood: a block one between blocks, an inline one
/// inside the text event its blank is in (split there).
pub fn insert_raw<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    raw: &[Raw],
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out = Vec::with_capacity(events.len() + raw.len());
    let mut raw = raw.iter().peekable();
    for (event, range) in events {
        while let Some(r) = raw.next_if(|r| r.block && r.at < range.start && !is_end(&event)) {
            out.push((
                Event::Html(CowStr::from(format!("{}\n", r.html))),
                r.at..r.at,
            ));
        }
        match (&event, raw.peek()) {
            (Event::Text(t), Some(r)) if !r.block && range.contains(&r.at) => {
                let cut = r.at - range.start;
                if t.len() == range.len() && t.is_char_boundary(cut) {
                    let (before, after) = t.split_at(cut);
                    out.push((
                        Event::Text(CowStr::from(before.to_string())),
                        range.start..r.at,
                    ));
                    out.push((Event::InlineHtml(CowStr::from(r.html.clone())), r.at..r.at));
                    out.push((
                        Event::Text(CowStr::from(after.to_string())),
                        r.at..range.end,
                    ));
                    raw.next();
                    continue;
                }
                out.push((event, range));
            }
            _ => out.push((event, range)),
        }
    }
    for r in raw {
        out.push((
            Event::Html(CowStr::from(format!("{}\n", r.html))),
            r.at..r.at,
        ));
    }
    out
}

fn is_end(event: &Event<'_>) -> bool {
    matches!(event, Event::End(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_blanked_in_place_outside_code() {
        let body = "a {::comment}hidden{:/comment} b\n\n{::options parse_block_html=\"true\" /}\n\n```\n{::comment}kept{:/}\n```\n";
        let mut problems = Vec::new();
        let out = blank(body, &mut problems).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(out.text.len(), body.len());
        assert!(
            !out.text.contains("hidden") && !out.text.contains("options"),
            "{}",
            out.text
        );
        assert!(
            out.text.contains("{::comment}kept{:/}"),
            "code stays: {}",
            out.text
        );
        assert_eq!(out.text.matches('\n').count(), body.matches('\n').count());
    }

    #[test]
    fn nomarkdown_comes_back_as_raw_html() {
        let body = "x\n\n{::nomarkdown}\n<div>*raw*</div>\n{:/nomarkdown}\n\ny {::nomarkdown}<b>z</b>{:/} w\n";
        let mut problems = Vec::new();
        let out = blank(body, &mut problems).unwrap();
        assert_eq!(
            out.raw,
            [
                Raw {
                    at: 3,
                    html: "<div>*raw*</div>".into(),
                    block: true
                },
                Raw {
                    at: body.find("{::nomarkdown}<b>").unwrap(),
                    html: "<b>z</b>".into(),
                    block: false
                },
            ]
        );
        let events: Vec<_> = pulldown_cmark::Parser::new(&out.text)
            .into_offset_iter()
            .collect();
        let events = insert_raw(events, &out.raw);
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
        assert!(html.contains("<p>x</p>\n<div>*raw*</div>\n<p>"), "{html}");
        assert!(html.contains("<b>z</b>"), "{html}");
    }

    #[test]
    fn unknown_or_unclosed_extensions_are_problems_with_their_place() {
        let mut problems = Vec::new();
        assert!(blank("{::nope}x{:/}\n\n{::comment} never closed\n", &mut problems).is_none());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].at, 0);
        assert!(problems[0].message.contains("unknown kramdown extension"));
        assert!(problems[1].message.contains("no closing `{:/comment}`"));
    }
}
