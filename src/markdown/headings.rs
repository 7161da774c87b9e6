//! Heading ids the way GitHub makes them (CJK kept, `## 卷积网络CNN` → `卷积网络cnn`), and the
//! table of contents that templates show.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// GitHub's rule: lowercase, drop everything but letters, marks, numbers, `_`, `-` and spaces,
/// then spaces → `-`.
pub fn github_slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == ' ' || is_mark(*c))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x3099..=0x309A)
}

/// Gives every heading a unique id (an explicit `{#id}` wins) and collects the TOC.
pub fn assign_ids<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
) -> (Vec<(Event<'a>, Range<usize>)>, Vec<TocEntry>) {
    let mut used: HashSet<String> = HashSet::new();
    let mut toc = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        let (
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }),
            range,
        ) = &events[i]
        else {
            out.push(events[i].clone());
            i += 1;
            continue;
        };
        let end = events[i..]
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |p| i + p);
        let title = plain_text(events[i + 1..end].iter().map(|(e, _)| e));
        let base = match id {
            Some(id) => id.to_string(),
            None => {
                let s = github_slug(&title);
                if s.is_empty() {
                    "section".to_string()
                } else {
                    s
                }
            }
        };
        let mut unique = base.clone();
        let mut n = 1;
        while !used.insert(unique.clone()) {
            unique = format!("{base}-{n}");
            n += 1;
        }
        toc.push(TocEntry {
            level: *level as u8,
            id: unique.clone(),
            title,
        });
        let range = range.clone();
        out.push((
            Event::Start(Tag::Heading {
                level: *level,
                id: Some(CowStr::from(unique.clone())),
                classes: classes.clone(),
                attrs: attrs.clone(),
            }),
            range.clone(),
        ));
        out.extend(events[i + 1..end].iter().cloned());
        let anchor = format!(
            "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a>",
            crate::html::escape(&unique)
        );
        out.push((Event::InlineHtml(CowStr::from(anchor)), range));
        if end < events.len() {
            out.push(events[end].clone());
        }
        i = end + 1;
    }
    (out, toc)
}

/// The text a reader sees, for slugs and the TOC.
pub fn plain_text<'b, 'a: 'b>(events: impl IntoIterator<Item = &'b Event<'a>>) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                s.push_str(t)
            }
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn ids(md: &str) -> Vec<String> {
        let events: Vec<_> = Parser::new_ext(md, Options::all())
            .into_offset_iter()
            .collect();
        assign_ids(events).1.into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn github_style_ids_keep_cjk() {
        assert_eq!(ids("## 卷积网络CNN"), ["卷积网络cnn"]);
        assert_eq!(ids("### **回归任务**"), ["回归任务"]);
        assert_eq!(ids("## Hello, World! 2"), ["hello-world-2"]);
        assert_eq!(
            ids("## 反卷积(Transposed convolution) "),
            ["反卷积transposed-convolution"]
        );
    }

    #[test]
    fn duplicate_ids_are_numbered_and_explicit_ids_win() {
        assert_eq!(
            ids("# Dropout\n# Dropout\n# Dropout"),
            ["dropout", "dropout-1", "dropout-2"]
        );
        assert_eq!(ids("# Title {#custom}"), ["custom"]);
    }

    #[test]
    fn toc_has_levels_and_titles() {
        let events: Vec<_> = Parser::new_ext("# A\n## `b` c\n", Options::all())
            .into_offset_iter()
            .collect();
        let (_, toc) = assign_ids(events);
        assert_eq!(
            toc[1],
            TocEntry {
                level: 2,
                id: "b-c".into(),
                title: "b c".into()
            }
        );
    }
}
