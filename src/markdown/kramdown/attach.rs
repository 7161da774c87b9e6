//! Puts each attribute list on the element kramdown gives it to, working on pulldown-cmark's
//! events and their source ranges: a list line in a paragraph is text to the parser, so the
//! ranges say where it was written and which events it became.
//!
//! Paragraphs, lists and block quotes get their opening tag written here with the attributes
//! (pulldown-cmark's tags for them carry none); headings take them on their own tag; a code
//! block takes `.language-x` as its language. Spans: an image, a link, emphasis, strong
//! emphasis and inline code.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};

use super::ial::{self, Ial, Line};
use super::{Problem, TOC_SLOT};

type Events<'a> = Vec<(Event<'a>, Range<usize>)>;

/// Block lists, then span lists.
pub fn attach<'a>(body: &str, events: Events<'a>, problems: &mut Vec<Problem>) -> Events<'a> {
    let definitions = definitions(body, &events, problems);
    let events = blocks(body, events, &definitions, problems);
    spans(body, events, &definitions, problems)
}

/// The lines of a paragraph with their offsets in `body`, trailing newline dropped.
fn lines(body: &str, range: &Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = range.start;
    // `\r` too: Liquid's output ends the lines it added so (`jekyll::liquid::lines`).
    for l in body[range.clone()].split_inclusive(['\n', '\r']) {
        let text = l.trim_end_matches(['\n', '\r']);
        if !text.trim().is_empty() {
            out.push(at..at + text.len());
        }
        at += l.len();
    }
    out
}

fn paragraph_end(events: &[(Event<'_>, Range<usize>)], start: usize) -> usize {
    events[start..]
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Paragraph)))
        .map_or(events.len() - 1, |p| start + p)
}

/// Every `{:name: …}` of the document: kramdown lets a list name one defined further down.
fn definitions(
    body: &str,
    events: &[(Event<'_>, Range<usize>)],
    problems: &mut Vec<Problem>,
) -> Vec<(String, Ial)> {
    let mut defs = Vec::new();
    for (e, range) in events {
        if !matches!(e, Event::Start(Tag::Paragraph)) {
            continue;
        }
        for l in lines(body, range) {
            match ial::line(&body[l.clone()]) {
                Some(Ok(Line::Definition(name, ial))) => defs.push((name, ial)),
                Some(Err(why)) => problems.push(bad(l.start, &why)),
                _ => {}
            }
        }
    }
    defs
}

fn bad(at: usize, why: &str) -> Problem {
    Problem {
        at,
        message: format!("kramdown attribute list: {why}; it is shown as text"),
    }
}

/// A list's attributes with its references resolved, each undefined one a problem.
fn resolved(ial: &Ial, defs: &[(String, Ial)], at: usize, problems: &mut Vec<Problem>) -> Ial {
    let (ial, missing) = ial.resolve(defs);
    for name in missing {
        problems.push(Problem {
            at,
            message: format!(
                "kramdown attribute list: no definition `{{:{name}: …}}` for `{name}`"
            ),
        });
    }
    ial
}

/// What a paragraph's list lines are: all of it, its first line or its last.
enum Place {
    Whole(Vec<(usize, Ial)>),
    First(usize, Ial, usize),
    Last(usize, Ial),
}

fn place(body: &str, range: &Range<usize>) -> Option<Place> {
    let lines = lines(body, range);
    let parsed: Vec<Option<Result<Line, String>>> =
        lines.iter().map(|l| ial::line(&body[l.clone()])).collect();
    let ok = |i: usize| match &parsed[i] {
        Some(Ok(l)) => Some(l.clone()),
        _ => None,
    };
    if !lines.is_empty() && (0..lines.len()).all(|i| ok(i).is_some()) {
        let lists = (0..lines.len())
            .filter_map(|i| match ok(i) {
                Some(Line::Ial(ial)) => Some((lines[i].start, ial)),
                _ => None,
            })
            .collect();
        return Some(Place::Whole(lists));
    }
    if let Some(Line::Ial(ial)) = ok(lines.len() - 1) {
        return Some(Place::Last(lines[lines.len() - 1].start, ial));
    }
    if let Some(Line::Ial(ial)) = ok(0) {
        return Some(Place::First(lines[0].start, ial, lines[0].end));
    }
    None
}

fn blocks<'a>(
    body: &str,
    events: Events<'a>,
    defs: &[(String, Ial)],
    problems: &mut Vec<Problem>,
) -> Events<'a> {
    let mut out: Events<'a> = Vec::with_capacity(events.len());
    // The block that ended last: its start in `out` and where its text ends.
    let mut previous: Option<(usize, usize)> = None;
    let mut starts: Vec<usize> = Vec::new();
    let mut pending: Option<Ial> = None;
    let mut close_paragraph = false;
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Paragraph) => {
                let end = paragraph_end(&events, i);
                match place(body, range) {
                    Some(Place::Whole(lists)) => {
                        for (at, list) in lists {
                            let list = resolved(&list, defs, at, problems);
                            let gap = previous.map(|(_, end)| &body[end.min(at)..at]);
                            match (previous, gap) {
                                (Some((start, _)), Some(gap)) if gap.matches('\n').count() < 2 => {
                                    apply(&mut out, start, &list, at, problems)
                                }
                                _ => pending = Some(list),
                            }
                        }
                        i = end + 1;
                        continue;
                    }
                    Some(Place::Last(at, list)) => {
                        let list = resolved(&list, defs, at, problems);
                        let start = out.len();
                        out.push(events[i].clone());
                        // The line break before the list line goes with it.
                        let kept = events[i + 1..end]
                            .iter()
                            .filter(|(_, r)| r.start < at)
                            .cloned()
                            .collect::<Vec<_>>();
                        let trim = kept
                            .iter()
                            .rposition(|(e, _)| !matches!(e, Event::SoftBreak))
                            .map_or(0, |p| p + 1);
                        out.extend(kept.into_iter().take(trim));
                        out.push(events[end].clone());
                        apply(&mut out, start, &list, at, problems);
                        previous = Some((start, text_end(body, range)));
                        i = end + 1;
                        continue;
                    }
                    Some(Place::First(at, list, line_end)) => {
                        let list = resolved(&list, defs, at, problems);
                        let start = out.len();
                        out.push(events[i].clone());
                        out.extend(
                            events[i + 1..end]
                                .iter()
                                .filter(|(_, r)| r.start > line_end)
                                .cloned(),
                        );
                        out.push(events[end].clone());
                        apply(&mut out, start, &list, at, problems);
                        previous = Some((start, text_end(body, range)));
                        i = end + 1;
                        continue;
                    }
                    None => {}
                }
                starts.push(out.len());
                out.push(events[i].clone());
                if let Some(list) = pending.take() {
                    // Its end is not out yet: written when it comes.
                    let last = out.len() - 1;
                    out[last].0 = Event::Html(CowStr::from(format!("<p{}>", list.html())));
                    close_paragraph = true;
                }
            }
            Event::End(TagEnd::Paragraph) if close_paragraph => {
                close_paragraph = false;
                out.push((Event::Html(CowStr::Borrowed("</p>\n")), range.clone()));
                if let Some(start) = starts.pop() {
                    previous = Some((start, text_end(body, range)));
                }
            }
            Event::Start(Tag::List(_)) => {
                if let Some(list) = list_with_trailing_ial(body, range) {
                    let end = block_end(&events, i);
                    let (at, list) = list;
                    let list = resolved(&list, defs, at, problems);
                    if list.is_toc() {
                        out.push((Event::Html(CowStr::Borrowed(TOC_SLOT)), range.clone()));
                        previous = None;
                        i = end + 1;
                        continue;
                    }
                    let start = out.len();
                    let mut inner: Events<'a> = events[i..=end]
                        .iter()
                        .filter(|(_, r)| r.start < at)
                        .cloned()
                        .collect();
                    drop_trailing_soft_break(&mut inner);
                    out.extend(inner);
                    apply(&mut out, start, &list, at, problems);
                    previous = Some((start, text_end(body, range)));
                    i = end + 1;
                    continue;
                }
                starts.push(out.len());
                out.push(events[i].clone());
                if let Some(list) = pending.take() {
                    let last = out.len() - 1;
                    apply(&mut out, last, &list, range.start, problems);
                }
            }
            Event::Start(tag) if is_block(tag) => {
                starts.push(out.len());
                out.push(events[i].clone());
                if let Some(list) = pending.take() {
                    let last = out.len() - 1;
                    apply(&mut out, last, &list, range.start, problems);
                }
            }
            Event::End(end) if is_block_end(end) => {
                out.push(events[i].clone());
                if let Some(start) = starts.pop() {
                    previous = Some((start, text_end(body, range)));
                }
            }
            _ => out.push(events[i].clone()),
        }
        i += 1;
    }
    out
}

/// Where a block's text ends, before the white space after it.
fn text_end(body: &str, range: &Range<usize>) -> usize {
    range.start + body[range.clone()].trim_end().len()
}

fn block_end(events: &[(Event<'_>, Range<usize>)], start: usize) -> usize {
    let mut depth = 0usize;
    for (j, (e, _)) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

fn drop_trailing_soft_break(events: &mut Events<'_>) {
    // The list's last text line before the list line ends in a soft break the list line took.
    if let Some(p) = events
        .iter()
        .rposition(|(e, _)| !matches!(e, Event::End(_)))
        .filter(|&p| matches!(events[p].0, Event::SoftBreak))
    {
        events.remove(p);
    }
}

/// `* TOC` + `{:toc}`: the list line is a lazy continuation of the last item.
fn list_with_trailing_ial(body: &str, range: &Range<usize>) -> Option<(usize, Ial)> {
    let last = lines(body, range).pop()?;
    match ial::line(&body[last.clone()]) {
        Some(Ok(Line::Ial(ial))) => Some((last.start, ial)),
        _ => None,
    }
}

fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Heading { .. }
            | Tag::CodeBlock(_)
            | Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Table(_)
            | Tag::HtmlBlock
            | Tag::DefinitionList
            | Tag::MetadataBlock(_)
            | Tag::FootnoteDefinition(_)
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Table
            | TagEnd::HtmlBlock
            | TagEnd::DefinitionList
            | TagEnd::MetadataBlock(_)
            | TagEnd::FootnoteDefinition
    )
}

/// Gives the block that starts at `out[start]` the list's attributes.
fn apply(out: &mut Events<'_>, start: usize, list: &Ial, at: usize, problems: &mut Vec<Problem>) {
    let attrs = list.html();
    let lone_math = only_display_math(out, start);
    let open = match &mut out[start].0 {
        Event::Start(Tag::Heading {
            id, classes, attrs, ..
        }) => {
            if let Some(new) = &list.id {
                *id = Some(CowStr::from(new.clone()));
            }
            classes.extend(list.classes.iter().cloned().map(CowStr::from));
            attrs.extend(
                list.pairs
                    .iter()
                    .map(|(k, v)| (CowStr::from(k.clone()), Some(CowStr::from(v.clone())))),
            );
            return;
        }
        Event::Start(Tag::CodeBlock(kind)) => {
            let lang = list
                .classes
                .iter()
                .find_map(|c| c.strip_prefix("language-"));
            match lang {
                Some(lang) => *kind = CodeBlockKind::Fenced(CowStr::from(lang.to_string())),
                None => problems.push(Problem {
                    at,
                    message: "kramdown attribute list: on a code block only `.language-…` is \
                              used; the rest is left out"
                        .into(),
                }),
            }
            return;
        }
        // kramdown writes display math with attributes as a `div` of its own.
        Event::Start(Tag::Paragraph) if lone_math => format!("<div{attrs}>"),
        Event::Start(Tag::Paragraph) => format!("<p{attrs}>"),
        Event::Start(Tag::BlockQuote(_)) => format!("<blockquote{attrs}>\n"),
        Event::Start(Tag::List(None)) => format!("<ul{attrs}>\n"),
        Event::Start(Tag::List(Some(1))) => format!("<ol{attrs}>\n"),
        Event::Start(Tag::List(Some(n))) => format!("<ol start=\"{n}\"{attrs}>\n"),
        _ => {
            problems.push(Problem {
                at,
                message: "kramdown attribute list: quire cannot put attributes on this kind of \
                          block; they are left out"
                    .into(),
            });
            return;
        }
    };
    if matches!(out[start].0, Event::Start(Tag::Paragraph)) {
        let end = paragraph_end(out, start);
        let close = if open.starts_with("<div") {
            "</div>\n"
        } else {
            "</p>\n"
        };
        out[end].0 = Event::Html(CowStr::Borrowed(close));
    }
    out[start].0 = Event::Html(CowStr::from(open));
}

/// Whether the paragraph opening at `out[start]` holds one `$$…$$` and nothing else.
fn only_display_math(out: &Events<'_>, start: usize) -> bool {
    if !matches!(out[start].0, Event::Start(Tag::Paragraph)) {
        return false;
    }
    let end = paragraph_end(out, start);
    let Some(inside) = out.get(start + 1..end) else {
        return false;
    };
    let mut inside = inside.iter().filter(|(e, _)| match e {
        Event::SoftBreak => false,
        Event::Text(t) => !t.trim().is_empty(),
        _ => true,
    });
    matches!(inside.next(), Some((Event::DisplayMath(_), _))) && inside.next().is_none()
}

/// Whether `html` is an opening tag this pass wrote for a paragraph (`<p …>`, or `<div …>`
/// for display math), which the math pass reads as the paragraph's start.
pub(super) fn is_block_open(html: &str) -> bool {
    ["<p>", "<p ", "<div>", "<div "]
        .iter()
        .any(|p| html.starts_with(p))
}

pub(super) fn is_block_close(html: &str) -> bool {
    matches!(html, "</p>\n" | "</div>\n")
}

/// Span lists: the text right after an image, a link, emphasis or code that starts `{:`.
fn spans<'a>(
    body: &str,
    events: Events<'a>,
    defs: &[(String, Ial)],
    problems: &mut Vec<Problem>,
) -> Events<'a> {
    let mut out: Events<'a> = Vec::with_capacity(events.len());
    let mut events = events.into_iter().peekable();
    while let Some((event, range)) = events.next() {
        let follows = matches!(
            event,
            Event::End(TagEnd::Image | TagEnd::Link | TagEnd::Emphasis | TagEnd::Strong)
                | Event::Code(_)
        );
        let list = match events.peek() {
            Some((Event::Text(_), r)) if follows => {
                ial::span(&body[r.start..]).map(|(l, len)| (r.start, l, len))
            }
            _ => None,
        };
        out.push((event, range));
        let Some((at, list, len)) = list else {
            continue;
        };
        let list = match list {
            Ok(list) => resolved(&list, defs, at, problems),
            Err(why) => {
                problems.push(bad(at, &why));
                continue;
            }
        };
        // The list's text may be split over several text events; what follows it stays.
        let end = at + len;
        let mut rest = None;
        while let Some((Event::Text(_), r)) = events.peek() {
            if r.start >= end {
                break;
            }
            let r = r.clone();
            events.next();
            if r.end > end {
                let text = CowStr::from(body[end..r.end].to_string());
                rest = Some((Event::Text(text), end..r.end));
                break;
            }
        }
        give_span(&mut out, &list);
        out.extend(rest);
    }
    out
}

/// Writes the span that ends at the last event of `out` with the list's attributes.
fn give_span(out: &mut Events<'_>, list: &Ial) {
    let attrs = list.html();
    let esc = crate::html::escape;
    let last = out.len() - 1;
    match out[last].0.clone() {
        Event::Code(code) => {
            out[last].0 =
                Event::InlineHtml(CowStr::from(format!("<code{attrs}>{}</code>", esc(&code))));
        }
        Event::End(TagEnd::Image) => {
            let Some((start, dest_url, title)) = link_or_image(out, last, true) else {
                return;
            };
            let alt =
                crate::markdown::headings::plain_text(out[start + 1..last].iter().map(|(e, _)| e));
            let html = format!(
                "<img src=\"{}\" alt=\"{}\"{title}{attrs} />",
                esc(&dest_url),
                esc(&alt)
            );
            let range = out[start].1.clone();
            out.truncate(start);
            out.push((Event::InlineHtml(CowStr::from(html)), range));
        }
        Event::End(TagEnd::Link) => {
            let Some((start, dest_url, title)) = link_or_image(out, last, false) else {
                return;
            };
            out[start].0 = Event::InlineHtml(CowStr::from(format!(
                "<a href=\"{}\"{title}{attrs}>",
                esc(&dest_url)
            )));
            out[last].0 = Event::InlineHtml(CowStr::Borrowed("</a>"));
        }
        Event::End(end @ (TagEnd::Emphasis | TagEnd::Strong)) => {
            let name = if end == TagEnd::Emphasis {
                "em"
            } else {
                "strong"
            };
            let Some(start) = start_of(out, last, &|e| {
                matches!(e, Event::Start(Tag::Emphasis | Tag::Strong))
            }) else {
                return;
            };
            out[start].0 = Event::InlineHtml(CowStr::from(format!("<{name}{attrs}>")));
            out[last].0 = Event::InlineHtml(CowStr::from(format!("</{name}>")));
        }
        _ => {}
    }
}

/// The start, in `out`, of the span whose end is `out[last]`: the nearest start before it at
/// the same depth that `is_start` accepts.
fn start_of(out: &Events<'_>, last: usize, is_start: &dyn Fn(&Event<'_>) -> bool) -> Option<usize> {
    let mut depth = 0usize;
    for j in (0..last).rev() {
        match &out[j].0 {
            Event::End(_) => depth += 1,
            e @ Event::Start(_) if depth == 0 && is_start(e) => return Some(j),
            Event::Start(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The start of the link or image ending at `out[last]`, its URL and its ` title="…"` (empty
/// without a title).
fn link_or_image(out: &Events<'_>, last: usize, image: bool) -> Option<(usize, String, String)> {
    let start = start_of(out, last, &|e| match e {
        Event::Start(Tag::Image { .. }) => image,
        Event::Start(Tag::Link { .. }) => !image,
        _ => false,
    })?;
    let (Event::Start(Tag::Image {
        dest_url, title, ..
    })
    | Event::Start(Tag::Link {
        dest_url, title, ..
    })) = &out[start].0
    else {
        return None;
    };
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", crate::html::escape(title))
    };
    Some((start, dest_url.to_string(), title))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> (String, Vec<Problem>) {
        let events: Vec<_> = pulldown_cmark::Parser::new_ext(md, crate::markdown::options())
            .into_offset_iter()
            .collect();
        let mut problems = Vec::new();
        let events = attach(md, events, &mut problems);
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(e, _)| e));
        (html, problems)
    }

    #[test]
    fn block_lists_go_to_the_block_before_or_after() {
        let (out, problems) = html(
            "Para one.\n{: .center #p1 style=\"color: red\"}\n\n## Head\n{: .no_toc}\n\n{: .lead}\nNext para.\n\n{: .box}\n> quote\n\n~~~\nx = 1\n~~~\n{: .language-python}\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            out.contains("<p id=\"p1\" class=\"center\" style=\"color: red\">Para one.</p>"),
            "{out}"
        );
        assert!(out.contains("<h2 class=\"no_toc\">Head</h2>"), "{out}");
        assert!(out.contains("<p class=\"lead\">Next para.</p>"), "{out}");
        assert!(out.contains("<blockquote class=\"box\">"), "{out}");
        assert!(
            out.contains("<code class=\"language-python\">x = 1"),
            "{out}"
        );
        assert!(!out.contains("{:"), "{out}");
    }

    #[test]
    fn span_lists_go_to_the_span_before() {
        let (out, problems) = html(
            "![a *b*](x.png \"T\"){: width=\"50%\"} and [l](/u){:target=\"_blank\"} *e*{: .x} `c`{: .y} rest\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            out.contains("<img src=\"x.png\" alt=\"a b\" title=\"T\" width=\"50%\" /> and"),
            "{out}"
        );
        assert!(
            out.contains("<a href=\"/u\" target=\"_blank\">l</a>"),
            "{out}"
        );
        assert!(out.contains("<em class=\"x\">e</em>"), "{out}");
        assert!(out.contains("<code class=\"y\">c</code> rest"), "{out}");
    }

    #[test]
    fn definitions_are_named_by_reference_and_vanish() {
        let (out, problems) = html("{:note: .box #n}\n\nText.\n{: note}\n\nMore.\n{: nothing}\n");
        assert!(out.contains("<p id=\"n\" class=\"box\">Text.</p>"), "{out}");
        assert!(!out.contains("note"), "{out}");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("no definition"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_toc_list_becomes_the_slot() {
        let (out, _) = html("* TOC\n{:toc}\n\n## A\n");
        assert!(out.starts_with(TOC_SLOT), "{out}");
        assert!(!out.contains("TOC</li>"), "{out}");
    }

    #[test]
    fn a_bad_list_is_a_problem_at_its_place_and_stays_text() {
        let md = "Text.\n{: width=50%}\n";
        let (out, problems) = html(md);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at, md.find("{:").unwrap());
        assert!(
            problems[0].message.contains("must be quoted"),
            "{problems:?}"
        );
        assert!(out.contains("{: width=50%}"), "{out}");
    }
}
