//! Footnotes with ids of their own and sidenotes.
//!
//! pulldown-cmark names a note's anchor after its label (`#1`), which a heading can also
//! produce, and writes no link back. Here notes are numbered by first reference, anchored at
//! `fn:N`/`fnref:N` (kramdown's ids; a heading id never holds a `:`), listed at the end of
//! the post with a link back to each reference. With sidenotes on, each first reference is also
//! followed by a copy of its note that the stylesheet floats into the margin on wide screens
//! (and hides elsewhere, where the list at the end shows instead): no script involved.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::Spanned;

/// How a sidenote's copy begins and ends, so an excerpt can leave it out.
pub const SIDENOTE_OPEN: &str = "<span class=\"sidenote\" role=\"note\">";
pub const SIDENOTE_CLOSE: &str = concat!("</span>", "<!--/sidenote-->");
/// The comment in [`SIDENOTE_CLOSE`]: HTML to drop when a page's excerpt is cut from its HTML.
pub const SIDENOTE_END_MARK: &str = "<!--/sidenote-->";
/// How a note's reference begins, so an excerpt can leave it out.
pub const REFERENCE_OPEN: &str = "<sup class=\"fnref\"";

pub(super) fn footnotes<'a>(events: Vec<Spanned<'a>>, sidenotes: bool) -> Vec<Spanned<'a>> {
    if !events
        .iter()
        .any(|s| matches!(s.event, Event::FootnoteReference(_)))
    {
        return events;
    }
    // Definitions out of the flow, by label.
    let mut definitions: HashMap<String, Vec<Spanned<'a>>> = HashMap::new();
    let mut defined_order: Vec<String> = Vec::new();
    let mut flow = Vec::with_capacity(events.len());
    let mut current: Option<(String, Vec<Spanned<'a>>)> = None;
    for s in events {
        match (&s.event, &mut current) {
            (Event::Start(Tag::FootnoteDefinition(label)), None) => {
                current = Some((label.to_string(), Vec::new()));
            }
            (Event::End(TagEnd::FootnoteDefinition), Some(_)) => {
                if let Some((label, body)) = current.take() {
                    defined_order.push(label.clone());
                    definitions.entry(label).or_insert(body);
                }
            }
            (_, Some((_, body))) => body.push(s),
            (_, None) => flow.push(s),
        }
    }
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::with_capacity(flow.len() + 8 * definitions.len());
    for s in flow {
        let Event::FootnoteReference(label) = &s.event else {
            out.push(s);
            continue;
        };
        let label = label.to_string();
        let n = *numbers.entry(label.clone()).or_insert_with(|| {
            order.push(label.clone());
            order.len()
        });
        let k = seen.entry(n).or_insert(0);
        *k += 1;
        let id = if *k == 1 {
            format!("fnref:{n}")
        } else {
            format!("fnref:{n}:{k}")
        };
        let at = s.range.clone();
        out.push(Spanned {
            event: Event::InlineHtml(CowStr::from(format!(
                "{REFERENCE_OPEN} id=\"{id}\"><a href=\"#fn:{n}\" role=\"doc-noteref\">{n}</a></sup>"
            ))),
            range: at.clone(),
            mark: None,
        });
        if sidenotes
            && *k == 1
            && let Some(body) = definitions.get(&label)
        {
            out.extend(sidenote(n, body, at));
        }
    }
    // Notes never referenced still show, after the others, as pulldown-cmark would.
    for label in defined_order {
        if let std::collections::hash_map::Entry::Vacant(e) = numbers.entry(label) {
            order.push(e.key().clone());
            e.insert(order.len());
        }
    }
    let end = out.last().map_or(0, |s| s.range.end);
    let html = |text: String| Spanned {
        event: Event::Html(CowStr::from(text)),
        range: end..end,
        mark: None,
    };
    let class = if sidenotes {
        "footnotes with-sidenotes"
    } else {
        "footnotes"
    };
    out.push(html(format!(
        "<section class=\"{class}\" role=\"doc-endnotes\">\n<ol>\n"
    )));
    for (i, label) in order.iter().enumerate() {
        let n = i + 1;
        out.push(html(format!("<li id=\"fn:{n}\">\n")));
        let mut body = definitions.remove(label).unwrap_or_default();
        let back = Spanned {
            event: Event::InlineHtml(CowStr::from(format!(
                " <a href=\"#fnref:{n}\" class=\"footnote-backref\" role=\"doc-backlink\" \
                 aria-label=\"Back to reference {n}\">↩</a>"
            ))),
            range: end..end,
            mark: None,
        };
        match body
            .iter()
            .rposition(|s| matches!(s.event, Event::End(TagEnd::Paragraph)))
        {
            Some(p) if seen.contains_key(&n) => body.insert(p, back),
            _ if seen.contains_key(&n) => body.push(back),
            _ => {}
        }
        out.extend(body);
        out.push(html("</li>\n".into()));
    }
    out.push(html("</ol>\n</section>\n".into()));
    out
}

/// A copy of a note's content as inline markup (paragraphs become spans: it sits inside the
/// paragraph holding the reference), unmarked: the source map keeps the end list's copy.
fn sidenote<'a>(
    n: usize,
    body: &[Spanned<'a>],
    at: std::ops::Range<usize>,
) -> impl Iterator<Item = Spanned<'a>> {
    let inline = |text: &str| Spanned {
        event: Event::InlineHtml(CowStr::from(text.to_string())),
        range: at.clone(),
        mark: None,
    };
    let open = inline(&format!(
        "{SIDENOTE_OPEN}<span class=\"sidenote-number\">{n}</span> "
    ));
    let close = inline(SIDENOTE_CLOSE);
    let content: Vec<Spanned<'a>> = body
        .iter()
        .map(|s| match s.event {
            Event::Start(Tag::Paragraph) => inline("<span class=\"sidenote-p\">"),
            Event::End(TagEnd::Paragraph) => inline("</span>"),
            _ => Spanned {
                event: s.event.clone(),
                range: s.range.clone(),
                mark: None,
            },
        })
        .collect();
    std::iter::once(open)
        .chain(content)
        .chain(std::iter::once(close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::html::push_html;

    fn run(md: &str, sidenotes: bool) -> String {
        let events = Spanned::parse(md);
        let mut html = String::new();
        push_html(
            &mut html,
            footnotes(events, sidenotes).into_iter().map(|s| s.event),
        );
        html
    }

    #[test]
    fn notes_are_numbered_by_first_reference_and_link_both_ways() {
        let html = run(
            "# 1\n\nA[^b] and B[^a], A again[^b].\n\n[^a]: First *defined*.\n[^b]: Second.\n",
            false,
        );
        assert!(html.contains("<h1>1</h1>"), "{html}");
        assert!(
            html.contains(
                "A<sup class=\"fnref\" id=\"fnref:1\"><a href=\"#fn:1\" role=\"doc-noteref\">1</a></sup>"
            ),
            "{html}"
        );
        assert!(
            html.contains("B<sup class=\"fnref\" id=\"fnref:2\">"),
            "{html}"
        );
        assert!(html.contains("id=\"fnref:1:2\""), "{html}");
        let list = &html[html.find("<section class=\"footnotes\"").unwrap()..];
        let first = list.find("<li id=\"fn:1\">\n<p>Second.").unwrap();
        let second = list
            .find("<li id=\"fn:2\">\n<p>First <em>defined</em>.")
            .unwrap();
        assert!(first < second, "{list}");
        assert!(list.contains("Second. <a href=\"#fnref:1\" class=\"footnote-backref\""));
        assert!(!html.contains("id=\"1\""), "no bare numeric ids: {html}");
    }

    #[test]
    fn sidenotes_copy_the_note_inline_once() {
        let html = run("Text[^n] and again[^n].\n\n[^n]: The *note*.\n", true);
        assert_eq!(html.matches(SIDENOTE_OPEN).count(), 1, "{html}");
        assert!(
            html.contains(
                "<span class=\"sidenote-number\">1</span> <span class=\"sidenote-p\">The <em>note</em>.</span></span><!--/sidenote-->"
            ),
            "{html}"
        );
        assert!(html.contains("class=\"footnotes with-sidenotes\""));
    }

    #[test]
    fn posts_without_notes_are_untouched() {
        assert!(!run("Plain [text].\n", true).contains("footnotes"));
    }
}
