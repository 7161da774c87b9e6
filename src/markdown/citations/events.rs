//! The citations pass's work on the event stream: text runs joined so a citation split over
//! several events is seen whole, citations put in place of their text, and the bibliography
//! inserted.

use std::collections::BTreeMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::super::Spanned;
use super::html::Piece;
use super::{CITATION_OPEN, Found, REFS_SLOT, chinese, syntax};
use crate::html::escape;

/// A merged run of text: its event's index and where each original piece began in the body.
pub(super) struct Run {
    pub(super) event: usize,
    pub(super) pieces: Vec<(usize, usize)>,
}

impl Run {
    pub(super) fn body_offset(&self, at: usize) -> usize {
        let (start, body) = self
            .pieces
            .iter()
            .rev()
            .find(|(s, _)| *s <= at)
            .copied()
            .unwrap_or((0, 0));
        body + (at - start)
    }
}

/// Joins adjacent text events (pulldown-cmark splits `[@a]` at its brackets) outside links.
pub(super) fn merge_text(events: Vec<Spanned<'_>>) -> (Vec<Spanned<'_>>, Vec<Run>) {
    let mut out: Vec<Spanned<'_>> = Vec::with_capacity(events.len());
    let mut runs: Vec<Run> = Vec::new();
    let mut in_link = 0usize;
    let mut open_run = false;
    for s in events {
        match &s.event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => in_link += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
            _ => {}
        }
        let Event::Text(t) = &s.event else {
            open_run = false;
            out.push(s);
            continue;
        };
        if in_link > 0 {
            open_run = false;
            out.push(s);
            continue;
        }
        if open_run
            && let (Some(run), Some(last)) = (runs.last_mut(), out.last_mut())
            && let Event::Text(prev) = &last.event
        {
            let mut joined = prev.to_string();
            run.pieces.push((joined.len(), s.range.start));
            joined.push_str(t);
            last.event = Event::Text(CowStr::from(joined));
            last.range.end = s.range.end;
            continue;
        }
        runs.push(Run {
            event: out.len(),
            pieces: vec![(0, s.range.start)],
        });
        open_run = true;
        out.push(s);
    }
    (out, runs)
}

/// A citation ([`Formatter::render`]) with its links to entries taken out, for an excerpt shown
/// on another page (where no entry has that id); `None` for any other HTML.
pub fn unlinked(html: &str) -> Option<String> {
    if !html.starts_with(CITATION_OPEN) {
        return None;
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // Quoted attribute values are escaped, so the first `>` after the tag's name ends it.
    while let Some(i) = rest.find("<a class=\"cite\"") {
        out.push_str(&rest[..i]);
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        rest = &rest[tag_end..];
        let close = rest.find("</a>").unwrap_or(rest.len());
        out.push_str(&rest[..close]);
        rest = rest.get(close + 4..).unwrap_or("");
    }
    out.push_str(rest);
    Some(out)
}

/// Puts each citation's HTML in place of its text.
pub(super) fn replace_cites(events: &mut Vec<Spanned<'_>>, found: &[Found<'_>], html: Vec<String>) {
    let mut html = html.into_iter();
    let mut by_event: BTreeMap<usize, Vec<(&syntax::Cite, String)>> = BTreeMap::new();
    for f in found {
        let h = html.next().unwrap_or_default();
        by_event.entry(f.event).or_default().push((&f.cite, h));
    }
    // From the back, so earlier indices stay valid.
    for (index, cites) in by_event.into_iter().rev() {
        let s = &events[index];
        let Event::Text(text) = &s.event else {
            continue;
        };
        let text = text.to_string();
        let range = s.range.clone();
        let mut pieces = Vec::new();
        let mut from = 0;
        let piece = |event| Spanned {
            event,
            range: range.clone(),
            mark: None,
        };
        for (cite, h) in cites {
            if cite.range.start > from {
                pieces.push(piece(Event::Text(CowStr::from(
                    text[from..cite.range.start].to_string(),
                ))));
            }
            pieces.push(piece(Event::InlineHtml(CowStr::from(h))));
            from = cite.range.end;
        }
        if from < text.len() {
            pieces.push(piece(Event::Text(CowStr::from(text[from..].to_string()))));
        }
        events.splice(index..=index, pieces);
    }
}

/// The bibliography section, inside `::: {#refs}` if the post has one, else at the end under a
/// heading in the site's language.
pub(super) fn insert_bibliography(
    events: &mut Vec<Spanned<'_>>,
    entries: Vec<(String, Vec<Piece>)>,
    lang: &str,
    body_len: usize,
) {
    let slot = events
        .iter()
        .position(|s| matches!(&s.event, Event::Html(h) if h.as_ref() == REFS_SLOT));
    let (index, at) = match slot {
        Some(i) => (i + 1, events[i].range.start),
        None => (events.len(), body_len),
    };
    // At `::: {#refs}` the author writes the heading, as in Pandoc.
    let heading = match (slot, chinese(lang)) {
        (Some(_), _) => "",
        (None, true) => "<h2>参考文献</h2>\n",
        (None, false) => "<h2>References</h2>\n",
    };
    let event = |event| Spanned {
        event,
        range: at..at,
        mark: None,
    };
    let mut out = vec![event(Event::Html(CowStr::from(format!(
        "<section class=\"references\" id=\"refs\">\n{heading}<div class=\"csl-bib-body\">\n"
    ))))];
    for (key, pieces) in entries {
        let k = escape(&key);
        out.push(event(Event::Html(CowStr::from(format!(
            "<div class=\"csl-entry\" id=\"ref-{k}\">"
        )))));
        for p in pieces {
            out.push(event(match p {
                Piece::Html(h) => Event::InlineHtml(CowStr::from(h)),
                Piece::Math(tex) => Event::InlineMath(CowStr::from(tex)),
            }));
        }
        out.push(event(Event::InlineHtml(CowStr::from(format!(
            " <a class=\"cite-back\" href=\"#cite-{k}-1\" aria-label=\"back to the citation\">↩</a></div>\n"
        )))));
    }
    out.push(event(Event::Html(CowStr::from("</div>\n</section>\n"))));
    events.splice(index..index, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpts_citation_keeps_its_text_not_its_links() {
        let html = "<span class=\"citation\">(<a class=\"cite\" href=\"#ref-a\" id=\"cite-a-1\" \
                    title=\"A &gt; B\">A, 2000</a>; <a class=\"cite\" href=\"#ref-b\">B</a>)</span>";
        assert_eq!(
            unlinked(html).unwrap(),
            "<span class=\"citation\">(A, 2000; B)</span>"
        );
        assert_eq!(unlinked("<a class=\"xref\" href=\"#x\">1</a>"), None);
    }
}
