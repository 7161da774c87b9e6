//! kramdown's dialect, for sites moved from Jekyll (`[jekyll] compat = true`): its math modes,
//! attribute lists, `{:toc}`, extensions, abbreviations. Each is a pass of its own over
//! pulldown-cmark's events (or, for the extensions, a blanking of the text before parsing that
//! keeps every offset); [`front`] runs them where the Markdown stage runs its own front passes.

pub mod abbr;
pub mod attach;
pub mod extensions;
pub mod ial;
pub mod math;

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag};

use super::Spanned;
use super::headings::TocEntry;

/// Something in the dialect that quire could not follow, at a byte offset of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
}

impl Problem {
    pub fn new(at: usize, message: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
        }
    }
}

/// Where `* TOC` + `{:toc}` stood, until [`finish_toc`] knows the headings' HTML.
pub const TOC_SLOT: &str = "<!-- kramdown {:toc} -->\n";

/// The passes before heading ids: attribute lists (a heading's `{: #id}` must be in place
/// before ids are made unique), then the math modes.
pub fn front<'a>(
    body: &str,
    events: Vec<(Event<'a>, Range<usize>)>,
    problems: &mut Vec<Problem>,
) -> Vec<(Event<'a>, Range<usize>)> {
    let events = attach::attach(body, events, problems);
    math::kramdown_modes(body, events)
}

/// Drops `.no_toc` headings from the table of contents and writes it where `{:toc}` stood,
/// as kramdown's `<ul id="markdown-toc">`.
pub(super) fn finish_toc(events: &mut [Spanned<'_>], toc: &mut Vec<TocEntry>) {
    let hidden: Vec<String> = events
        .iter()
        .filter_map(|s| match &s.event {
            Event::Start(Tag::Heading { id, classes, .. })
                if classes.iter().any(|c| c.as_ref() == "no_toc") =>
            {
                id.as_ref().map(|id| id.to_string())
            }
            _ => None,
        })
        .collect();
    toc.retain(|e| !hidden.contains(&e.id));
    let mut html = None;
    for s in events.iter_mut() {
        if matches!(&s.event, Event::Html(h) if h.as_ref() == TOC_SLOT) {
            let list = html.get_or_insert_with(|| toc_html(toc)).clone();
            s.event = Event::Html(CowStr::from(list));
        }
    }
}

/// Nested lists by heading level, each entry a link to its heading.
fn toc_html(toc: &[TocEntry]) -> String {
    let mut html = String::from("<ul id=\"markdown-toc\">\n");
    let Some(top) = toc.iter().map(|e| e.level).min() else {
        return html + "</ul>\n";
    };
    let mut depth = 0usize;
    let mut first = true;
    for e in toc {
        let want = usize::from(e.level - top);
        if first {
            first = false;
        } else if want > depth {
            html.push('\n');
        } else {
            html.push_str("</li>\n");
        }
        while depth < want {
            html.push_str("<ul>\n");
            depth += 1;
        }
        while depth > want {
            html.push_str("</ul>\n</li>\n");
            depth -= 1;
        }
        let id = crate::html::escape(&e.id);
        html.push_str(&format!(
            "<li><a href=\"#{id}\" id=\"markdown-toc-{id}\">{}</a>",
            e.html
        ));
    }
    html.push_str("</li>\n");
    while depth > 0 {
        html.push_str("</ul>\n</li>\n");
        depth -= 1;
    }
    html + "</ul>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(level: u8, id: &str) -> TocEntry {
        TocEntry {
            level,
            id: id.into(),
            title: id.into(),
            html: id.into(),
        }
    }

    #[test]
    fn toc_nests_by_level() {
        let html = toc_html(&[entry(2, "a"), entry(3, "b"), entry(2, "c")]);
        assert_eq!(
            html,
            "<ul id=\"markdown-toc\">\n<li><a href=\"#a\" id=\"markdown-toc-a\">a</a>\n<ul>\n\
             <li><a href=\"#b\" id=\"markdown-toc-b\">b</a></li>\n</ul>\n</li>\n\
             <li><a href=\"#c\" id=\"markdown-toc-c\">c</a></li>\n</ul>\n"
        );
    }
}
