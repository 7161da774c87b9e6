//! Numbered figures and tables in Quarto's syntax: an image alone in its paragraph followed by
//! `{#fig-name}` becomes a `<figure>` with "Figure n: caption" (its alt text); a table followed
//! by a paragraph `: Caption {#tbl-name}` gets "Table n: Caption" above it.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::divs::parse_attrs;
use super::words::{Kind, Words};
use super::{Target, escape};
use crate::markdown::Spanned;

/// Rewrites figures and tables, numbering each kind through the post; each label found is
/// pushed to `defined` with its target, in document order. Events move through; only a
/// caption's few events are copied.
pub(super) fn number<'a>(
    events: Vec<Spanned<'a>>,
    words: &Words,
    defined: &mut Vec<(String, Target)>,
) -> Vec<Spanned<'a>> {
    enum Found<'a> {
        Figure {
            start: usize,
            end: usize,
            id: String,
        },
        Table {
            start: usize,
            table_end: usize,
            end: usize,
            caption: Vec<Spanned<'a>>,
            id: String,
        },
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Some((end, id)) = figure_at(&events, i) {
            found.push(Found::Figure { start: i, end, id });
            i = end + 1;
        } else if let Some((table_end, caption, id, end)) = table_at(&events, i) {
            found.push(Found::Table {
                start: i,
                table_end,
                end,
                caption,
                id,
            });
            i = end + 1;
        } else {
            i += 1;
        }
    }
    if found.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len() + 4 * found.len());
    let mut events = events.into_iter().enumerate().peekable();
    let (mut figures, mut tables) = (0usize, 0usize);
    for f in found {
        let start = match &f {
            Found::Figure { start, .. } | Found::Table { start, .. } => *start,
        };
        while let Some((_, s)) = events.next_if(|(j, _)| *j < start) {
            out.push(s);
        }
        match f {
            Found::Figure { end, id, .. } => {
                figures += 1;
                let n = figures.to_string();
                // Paragraph start, image start … image end, label text, paragraph end.
                let mut taken: Vec<Spanned<'a>> = events
                    .by_ref()
                    .take(end - start + 1)
                    .map(|(_, s)| s)
                    .collect();
                let at = taken[0].range.start;
                defined.push((id.clone(), target(Kind::Figure, &n, &id, at)));
                taken.truncate(taken.len() - 2);
                let image: Vec<Spanned<'a>> = taken.drain(1..).collect();
                // The caption repeats the alt text's events, so emphasis or math shows there.
                let caption = image[1..image.len() - 1].iter().map(|s| Spanned {
                    event: s.event.clone(),
                    range: s.range.clone(),
                    mark: None,
                });
                out.push(html(
                    format!("<figure id=\"{}\" class=\"figure\">\n", escape(&id)),
                    at,
                ));
                let caption: Vec<Spanned<'a>> = caption.collect();
                out.extend(image);
                out.push(html(
                    format!("\n<figcaption>{}", escape(&words.caption(Kind::Figure, &n))),
                    at,
                ));
                out.extend(caption);
                out.push(html("</figcaption>\n</figure>\n", at));
            }
            Found::Table {
                table_end,
                end,
                caption,
                id,
                ..
            } => {
                tables += 1;
                let n = tables.to_string();
                let table: Vec<Spanned<'a>> = events
                    .by_ref()
                    .take(table_end - start + 1)
                    .map(|(_, s)| s)
                    .collect();
                // The caption paragraph's own events are replaced by `caption`.
                events.by_ref().take(end - table_end).for_each(drop);
                let at = table[0].range.start;
                defined.push((id.clone(), target(Kind::Table, &n, &id, at)));
                out.push(html(
                    format!(
                        "<figure id=\"{}\" class=\"table\">\n<figcaption>{}",
                        escape(&id),
                        escape(&words.caption(Kind::Table, &n))
                    ),
                    at,
                ));
                out.extend(caption);
                out.push(html("</figcaption>\n", at));
                out.extend(table);
                out.push(html("</figure>\n", at));
            }
        }
    }
    out.extend(events.map(|(_, s)| s));
    out
}

fn target(kind: Kind, number: &str, id: &str, at: usize) -> Target {
    Target {
        kind,
        number: Some(number.to_string()),
        id: id.to_string(),
        at,
    }
}

fn html<'a>(text: impl Into<String>, at: usize) -> Spanned<'a> {
    Spanned {
        event: Event::Html(CowStr::from(text.into())),
        range: at..at,
        mark: None,
    }
}

/// `{#fig-x …}` or `{#tbl-x …}` as a whole text: the id, when its prefix is `prefix`.
fn label(text: &str, prefix: &str) -> Option<String> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let id = parse_attrs(inner).ok()?.id?;
    id.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty())
        .then_some(id)
}

/// A paragraph holding only an image and `{#fig-…}`: the index of its end and the id.
fn figure_at(events: &[Spanned<'_>], i: usize) -> Option<(usize, String)> {
    if !matches!(events.get(i)?.event, Event::Start(Tag::Paragraph))
        || !matches!(events.get(i + 1)?.event, Event::Start(Tag::Image { .. }))
    {
        return None;
    }
    let image_end = i
        + 1
        + events[i + 1..]
            .iter()
            .position(|s| matches!(s.event, Event::End(TagEnd::Image)))?;
    let Event::Text(attrs) = &events.get(image_end + 1)?.event else {
        return None;
    };
    let id = label(attrs, "fig-")?;
    matches!(
        events.get(image_end + 2)?.event,
        Event::End(TagEnd::Paragraph)
    )
    .then_some((image_end + 2, id))
}

/// A table followed by a paragraph `: Caption {#tbl-…}`: the table's last event, the caption's
/// events, the id and the caption paragraph's last event.
fn table_at<'a>(
    events: &[Spanned<'a>],
    i: usize,
) -> Option<(usize, Vec<Spanned<'a>>, String, usize)> {
    if !matches!(events.get(i)?.event, Event::Start(Tag::Table(_))) {
        return None;
    }
    let table_end = i + events[i..]
        .iter()
        .position(|s| matches!(s.event, Event::End(TagEnd::Table)))?;
    if !matches!(
        events.get(table_end + 1)?.event,
        Event::Start(Tag::Paragraph)
    ) {
        return None;
    }
    let first = table_end + 2;
    let end = first
        + events[first..]
            .iter()
            .position(|s| matches!(s.event, Event::End(TagEnd::Paragraph)))?;
    let mut caption: Vec<Spanned<'a>> = events[first..end]
        .iter()
        .map(|s| Spanned {
            event: s.event.clone(),
            range: s.range.clone(),
            mark: None,
        })
        .collect();
    // The colon goes from the first text, the label from the last (the same one, often).
    let Event::Text(head) = &caption.first()?.event else {
        return None;
    };
    let head = head.strip_prefix(':')?.trim_start().to_string();
    caption[0].event = Event::Text(CowStr::from(head));
    let last = caption.len() - 1;
    let Event::Text(tail) = &caption[last].event else {
        return None;
    };
    let open = tail.rfind('{')?;
    let id = label(&tail[open..], "tbl-")?;
    let tail = tail[..open].trim_end().to_string();
    caption[last].event = Event::Text(CowStr::from(tail));
    Some((table_end, caption, id, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::html::push_html;

    fn run(md: &str, lang: &str) -> (String, Vec<(String, Option<String>)>) {
        let events = Spanned::parse(md);
        let mut defined = Vec::new();
        let out = number(events, &Words::for_lang(lang), &mut defined);
        let mut html = String::new();
        push_html(&mut html, out.into_iter().map(|s| s.event));
        let defined = defined.into_iter().map(|(l, t)| (l, t.number)).collect();
        (html, defined)
    }

    #[test]
    fn an_image_with_a_fig_label_becomes_a_numbered_figure() {
        let (html, defined) = run(
            "![A *conv*](/gif/a.gif){#fig-a}\n\n![Plain](/b.png)\n\n![B](/c.png){#fig-b}\n",
            "en",
        );
        assert_eq!(
            defined,
            [
                ("fig-a".into(), Some("1".into())),
                ("fig-b".into(), Some("2".into()))
            ]
        );
        assert!(
            html.starts_with(
                "<figure id=\"fig-a\" class=\"figure\">\n<img src=\"/gif/a.gif\" alt=\"A conv\" />\n<figcaption>Figure 1: A <em>conv</em></figcaption>\n</figure>\n"
            ),
            "{html}"
        );
        assert!(
            html.contains("<p><img src=\"/b.png\" alt=\"Plain\" /></p>"),
            "{html}"
        );
        assert!(
            html.contains("<figcaption>Figure 2: B</figcaption>"),
            "{html}"
        );
    }

    #[test]
    fn a_table_with_a_caption_line_is_numbered_in_chinese_too() {
        let md = "| a |\n|---|\n| 1 |\n\n: Sizes of *things* {#tbl-sizes}\n\n| b |\n|---|\n| 2 |\n\n: Plain {#tbl-p}\n";
        let (html, defined) = run(md, "zh-CN");
        assert_eq!(defined[0], ("tbl-sizes".into(), Some("1".into())));
        assert_eq!(defined[1], ("tbl-p".into(), Some("2".into())));
        assert!(
            html.starts_with(
                "<figure id=\"tbl-sizes\" class=\"table\">\n<figcaption>表 1：Sizes of <em>things</em></figcaption>\n<table>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<figcaption>表 2：Plain</figcaption>"),
            "{html}"
        );
        assert!(!html.contains("{#tbl"), "{html}");
    }
}
