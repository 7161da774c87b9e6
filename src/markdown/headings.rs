//! Heading ids the way GitHub makes them (CJK kept, `## 卷积网络CNN` → `卷积网络cnn`), and the
//! table of contents that templates show.

use std::collections::HashSet;
use std::ops::Range;

use icu_properties::props::{Alphabetic, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointSetData};
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    /// Plain text (formulas as their TeX), for places that cannot hold markup.
    pub title: String,
    /// The heading's content as HTML, formulas rendered; filled in once math is
    /// ([`fill_toc_html`]).
    pub html: String,
}

/// GitHub's rule, as github-slugger implements it, so that a link copied from the same post
/// on GitHub lands on the same heading here: lowercase, drop every character but letters,
/// marks, decimal and letter numbers, connector punctuation, `-` and the plain space, then
/// spaces → `-`. Marks matter for every script that writes vowels or tones with them
/// (Devanagari's virama, Thai tone marks, Hebrew points), and a variation selector after an
/// emoji is a mark too, so GitHub keeps it while dropping the emoji.
pub fn github_slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|&c| kept_in_slug(c))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn kept_in_slug(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ');
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    GeneralCategoryGroup::Letter.contains(gc)
        || GeneralCategoryGroup::Mark.contains(gc)
        || matches!(
            gc,
            GeneralCategory::DecimalNumber
                | GeneralCategory::LetterNumber
                | GeneralCategory::ConnectorPunctuation
        )
        // Letters that Unicode files under symbols, such as `Ⓐ`, stay letters for GitHub.
        || CodePointSetData::new::<Alphabetic>().contains(c)
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
            html: String::new(),
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

/// Gives each TOC entry its heading's text as HTML with its formulas rendered (KaTeX's HTML,
/// which the math pass has put in by now) and no other markup: a TOC line reads as plain text,
/// but `$O(n^2)$` should not turn into TeX source there. In order: the TOC lists every heading
/// once, in document order.
pub fn fill_toc_html<'a>(toc: &mut [TocEntry], events: impl IntoIterator<Item = &'a Event<'a>>) {
    let mut entries = toc.iter_mut();
    let mut current: Option<&mut TocEntry> = None;
    for e in events {
        match e {
            Event::Start(Tag::Heading { .. }) => current = entries.next(),
            Event::End(TagEnd::Heading(_)) => current = None,
            Event::Text(t) | Event::Code(t) => {
                if let Some(entry) = current.as_deref_mut() {
                    entry.html.push_str(&crate::html::escape(t));
                }
            }
            Event::InlineHtml(h) if h.starts_with("<span class=\"katex") => {
                if let Some(entry) = current.as_deref_mut() {
                    entry.html.push_str(h);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(entry) = current.as_deref_mut() {
                    entry.html.push(' ');
                }
            }
            _ => {}
        }
    }
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

    /// Ids that GitHub gives these headings: github-slugger's rule, worked by hand, and some of
    /// its own fixtures (the `♥`, dash, emoji, Cyrillic and leading-space cases).
    #[test]
    fn github_ids_for_every_script() {
        let cases = [
            // Devanagari: the virama (U+094D) is a mark that is not alphabetic.
            ("## हिन्दी भाषा", "हिन्दी-भाषा"),
            ("## संस्कृत । १२", "संस्कृत--१२"),
            // Thai: the tone mark U+0E48 in ใหม่; Thai digits are decimal numbers.
            ("## เชียงใหม่ ๒๕๖๗", "เชียงใหม่-๒๕๖๗"),
            // Arabic: harakat and Arabic-Indic digits stay, the Arabic question mark goes.
            ("## كيف حالك؟", "كيف-حالك"),
            ("## العَرَبِيَّة ١٢٣", "العَرَبِيَّة-١٢٣"),
            // Hebrew: points, and the cantillation mark U+0596, which is not alphabetic; the
            // geresh U+05F3 is punctuation.
            (
                "## \u{5D1}\u{5B0}\u{5BC}\u{5E8}\u{5B5}\u{5D0}\u{5E9}\u{5C1}\u{5B4}\u{596}\u{5D9}\u{5EA}",
                "\u{5D1}\u{5B0}\u{5BC}\u{5E8}\u{5B5}\u{5D0}\u{5E9}\u{5C1}\u{5B4}\u{596}\u{5D9}\u{5EA}",
            ),
            ("## צ׳יפס", "ציפס"),
            ("## 한국어 제목: 소개", "한국어-제목-소개"),
            // Combining accents, including ones outside U+0300–036F.
            ("## Cafe\u{301} Ü", "cafe\u{301}-ü"),
            ("## v\u{20D7} Vector", "v\u{20D7}-vector"),
            // Emoji are symbols and go, but a variation selector is a mark and stays, as on
            // GitHub; a zero-width joiner is a format character and goes.
            ("## 😄 unicode emoji", "-unicode-emoji"),
            ("## 😄 - an emoji", "---an-emoji"),
            ("## ❤\u{FE0F} Love", "\u{FE0F}-love"),
            ("## 👩\u{200D}💻 Dev", "-dev"),
            ("## I ♥ unicode", "i--unicode"),
            ("## en–dash", "endash"),
            (
                "## apostrophe’s should be trimmed",
                "apostrophes-should-be-trimmed",
            ),
            (
                "## heading with an _ underscore",
                "heading-with-an-_-underscore",
            ),
            // Decimal and letter numbers stay; superscripts and circled digits do not.
            ("## E = mc² Ⅻ", "e--mc-ⅻ"),
            ("## Step ① ２", "step--２"),
            // Connector punctuation stays; letters filed under symbols stay.
            ("## a‿b ＿c", "a‿b-＿c"),
            ("## Ⓖ Ⓨ", "ⓖ-ⓨ"),
            ("## Привет non-latin 你好", "привет-non-latin-你好"),
            // An entity keeps a leading space that the parser would otherwise strip.
            ("# &#x20;a", "-a"),
        ];
        for (md, want) in cases {
            assert_eq!(ids(md), [want], "{md:?}");
        }
    }

    #[test]
    fn cjk_punctuation_and_spaces_go() {
        assert_eq!(ids("## 深度学习：入门"), ["深度学习入门"]);
        assert_eq!(ids("## データ・サイエンス"), ["データサイエンス"]);
        assert_eq!(ids("## 全角（括号）「引号」"), ["全角括号引号"]);
        assert_eq!(ids("## 中文\u{3000}标题"), ["中文标题"]);
        assert_eq!(ids("## 第１章"), ["第１章"]);
    }

    /// github-slugger's repetition fixtures: a number is added until the id is unused, even
    /// when an earlier heading already looked numbered.
    #[test]
    fn duplicates_are_numbered_like_github() {
        assert_eq!(
            ids("# echo\n# echo\n# echo 1\n# echo-1\n# echo"),
            ["echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2"]
        );
        assert_eq!(
            ids("# foxtrot-1\n# foxtrot\n# foxtrot"),
            ["foxtrot-1", "foxtrot", "foxtrot-2"]
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
                title: "b c".into(),
                html: String::new(),
            }
        );
    }
}
