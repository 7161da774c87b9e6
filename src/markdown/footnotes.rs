//! Footnotes with ids of their own and sidenotes.
//!
//! pulldown-cmark names a note's anchor after its label (`#1`), which a heading can also
//! produce, and writes no link back. Here notes are numbered by first reference, anchored at
//! `fn:N`/`fnref:N` (kramdown's form; a heading id never holds a `:`), listed at the end of
//! the post with a link back to each reference. Under `[jekyll] compat` the ids are kramdown's
//! own, by label ([`Ids::Labels`]), so links written by hand to `#fn:note` still land. With sidenotes on, each first reference is also
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

/// How a note's ids are made; the number shown is the note's number either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ids {
    /// `fn:N` and `fnref:N`, then `fnref:N:2`, `fnref:N:3` for later references.
    Numbers,
    /// kramdown's: `fn:LABEL` and `fnref:LABEL`, then `fnref:LABEL:1`, `fnref:LABEL:2`. Such a
    /// label holds no `:`, so no two ids meet. A label kramdown would not take as a note's
    /// (`[^my note]`, `[^a:b]`) has no kramdown id to keep: it gets `fn::N`, which no label
    /// can give.
    Labels,
}

impl Ids {
    /// What follows `fn:` and `fnref:` for the note `label`, numbered `n`.
    fn key(self, label: &str, n: usize) -> String {
        match self {
            Ids::Labels if is_kramdown_label(label) => label.to_string(),
            Ids::Labels => format!(":{n}"),
            Ids::Numbers => n.to_string(),
        }
    }

    /// The id of the `k`th reference (from 1) to the note `key`.
    fn reference(self, key: &str, k: usize) -> String {
        match (self, k) {
            (_, 1) => format!("fnref:{key}"),
            (Ids::Numbers, k) => format!("fnref:{key}:{k}"),
            (Ids::Labels, k) => format!("fnref:{key}:{}", k - 1),
        }
    }
}

/// kramdown's footnote name: a word character, then word characters and `-` (Ruby's `\w` on
/// UTF-8 text takes letters and digits of every script).
fn is_kramdown_label(label: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    label.starts_with(word) && label.chars().all(|c| word(c) || c == '-')
}

pub(super) fn footnotes<'a>(
    events: Vec<Spanned<'a>>,
    sidenotes: bool,
    ids: Ids,
) -> Vec<Spanned<'a>> {
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
        let key = ids.key(&label, n);
        let id = ids.reference(&key, *k);
        let at = s.range.clone();
        out.push(Spanned {
            event: Event::InlineHtml(CowStr::from(format!(
                "{REFERENCE_OPEN} id=\"{id}\"><a href=\"#fn:{key}\" role=\"doc-noteref\">{n}</a></sup>"
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
        let key = ids.key(label, n);
        out.push(html(format!("<li id=\"fn:{key}\">\n")));
        let mut body = definitions.remove(label).unwrap_or_default();
        let back = Spanned {
            event: Event::InlineHtml(CowStr::from(format!(
                " <a href=\"#{}\" class=\"footnote-backref\" role=\"doc-backlink\" \
                 aria-label=\"Back to reference {n}\">↩</a>",
                ids.reference(&key, 1)
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
            footnotes(events, sidenotes, Ids::Numbers)
                .into_iter()
                .map(|s| s.event),
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

#[cfg(test)]
mod kramdown_ids {
    use super::*;
    use pulldown_cmark::html::push_html;

    fn run(md: &str) -> String {
        let mut html = String::new();
        let events = footnotes(Spanned::parse(md), false, Ids::Labels);
        push_html(&mut html, events.into_iter().map(|s| s.event));
        html
    }

    #[test]
    fn ids_are_labels_numbers_stay_in_order_of_first_reference() {
        let html = run("# fn\n\nA[^note] B[^1] C[^note] D[^note].\n\n[^1]: One.\n[^note]: Note.\n");
        for want in [
            "<sup class=\"fnref\" id=\"fnref:note\"><a href=\"#fn:note\" role=\"doc-noteref\">1</a></sup>",
            "<sup class=\"fnref\" id=\"fnref:1\"><a href=\"#fn:1\" role=\"doc-noteref\">2</a></sup>",
            // kramdown counts later references from 1.
            "id=\"fnref:note:1\"><a href=\"#fn:note\" role=\"doc-noteref\">1</a>",
            "id=\"fnref:note:2\"",
            "<li id=\"fn:note\">\n<p>Note. <a href=\"#fnref:note\" class=\"footnote-backref\"",
            "<li id=\"fn:1\">\n<p>One. <a href=\"#fnref:1\"",
        ] {
            assert!(html.contains(want), "{want}\n{html}");
        }
        assert!(html.find("id=\"fn:note\"").unwrap() < html.find("id=\"fn:1\"").unwrap());
    }

    /// Every id on the page is different, whatever the labels: kramdown's shape or not, or
    /// one that looks like another's repeat (`a:1`). (Heading ids hold no `:`.)
    #[test]
    fn ids_never_meet() {
        let md = "X[^a] X[^a] X[^a-1] X[^my note] X[^a:1] X[^2] X[^笔记] X[^-x].\n\n\
                  [^a]: a\n[^a-1]: b\n[^my note]: c\n[^a:1]: d\n[^2]: e\n[^笔记]: f\n[^-x]: g\n";
        let html = run(md);
        let ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        for id in ["fn:a", "fnref:a:1", "fn:a-1", "fn:2", "fn:笔记"] {
            assert!(ids.contains(&id), "{id}: {ids:?}");
        }
        // Not kramdown's: numbered after a second colon, links and all.
        assert!(html.contains("href=\"#fn::3\""), "{html}");
        for id in ["fn::3", "fnref::3", "fn::4", "fn::7"] {
            assert!(ids.contains(&id), "{id}: {ids:?}");
        }
        assert!(!ids.iter().any(|id| id.contains(' ')), "{ids:?}");
    }
}
