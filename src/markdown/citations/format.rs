//! hayagriva at work: a post's citations through a [`BibliographyDriver`] in the site's CSL
//! style, written as HTML with each cited item linked to its entry.

use std::collections::HashMap;
use std::path::Path;

use hayagriva::citationberg::taxonomy::Locator;
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, Entry,
    LocatorPayload, SpecificLocator,
};
use serde::{Deserialize, Serialize};

use super::html::{self, Piece, Plain, Wrap};
use super::{CITATION_OPEN, Found, StyleName, chinese, locales, syntax};
use crate::html::escape;

/// A style and the locales it may need.
pub(super) struct Format {
    style: IndependentStyle,
    locales: Vec<Locale>,
}

impl Format {
    /// `root`: the site, whose cache folder may hold the locales already parsed.
    pub(super) fn new(name: StyleName, root: Option<&Path>) -> Format {
        let style = match name.archived().get() {
            Style::Independent(s) => s,
            // The three offered are independent styles (tested below).
            Style::Dependent(_) => unreachable!("archived style is dependent"),
        };
        let locales = locales::for_style(&style, root);
        Format { style, locales }
    }
}

/// What hayagriva made of a post's citations, as HTML.
#[derive(Serialize, Deserialize)]
pub(super) struct RenderedCites {
    /// One per [`Found`], in order.
    pub(super) citations: Vec<String>,
    /// The bibliography: (key, HTML pieces) in the style's order.
    pub(super) entries: Vec<(String, Vec<Piece>)>,
}

pub(super) struct Formatter<'f, 'b> {
    pub(super) format: &'f Format,
    pub(super) numeric: bool,
    pub(super) lang: &'f str,
    pub(super) found: &'f [Found<'b>],
}

impl Formatter<'_, '_> {
    fn locale(&self) -> Option<LocaleCode> {
        chinese(self.lang).then(|| LocaleCode("zh-CN".into()))
    }

    pub(super) fn render(&self) -> RenderedCites {
        let style = &self.format.style;
        let numeric = self.numeric;
        let mut driver = BibliographyDriver::new();
        // Requests only for citations with at least one known key, in order.
        let mut requested = Vec::new();
        for (i, f) in self.found.iter().enumerate() {
            let items: Vec<CitationItem<'_, Entry>> = f
                .cite
                .items
                .iter()
                .zip(&f.entries)
                .filter_map(|(item, entry)| {
                    let entry = (*entry)?;
                    let locator = item.locator.as_deref().map(locator);
                    let purpose = if f.cite.narrative {
                        Some(CitePurpose::Prose)
                    } else if item.suppress_author && !numeric {
                        Some(CitePurpose::Year)
                    } else {
                        None
                    };
                    Some(CitationItem::new(entry, locator, None, false, purpose))
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            driver.citation(CitationRequest::new(
                items,
                style,
                self.locale(),
                &self.format.locales,
                None,
            ));
            requested.push(i);
        }
        let out = driver.finish(BibliographyRequest::new(
            style,
            self.locale(),
            &self.format.locales,
        ));
        let mut titles = HashMap::new();
        let mut entries = Vec::new();
        for item in out.bibliography.iter().flat_map(|b| &b.items) {
            let mut plain = String::new();
            let mut pieces = Vec::new();
            if let Some(first) = &item.first_field {
                let first = hayagriva::ElemChildren(vec![first.clone()]);
                plain = format!("{} ", html::plain(&first));
                pieces.push(Piece::Html("<span class=\"csl-left-margin\">".into()));
                pieces.extend(html::pieces(&first, &mut Plain));
                pieces.push(Piece::Html(
                    "</span><span class=\"csl-right-inline\">".into(),
                ));
            }
            plain.push_str(&html::plain(&item.content));
            pieces.extend(html::pieces(&item.content, &mut Plain));
            if item.first_field.is_some() {
                pieces.push(Piece::Html("</span>".into()));
            }
            titles.insert(item.key.clone(), plain);
            entries.push((item.key.clone(), pieces));
        }
        let mut links = Links {
            titles: &titles,
            seen: HashMap::new(),
            keys: Vec::new(),
        };
        let mut rendered = out.citations.into_iter();
        let mut next_request = requested.iter().peekable();
        let citations = self
            .found
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let known: Vec<&str> = f
                    .cite
                    .items
                    .iter()
                    .zip(&f.entries)
                    .filter(|(_, e)| e.is_some())
                    .map(|(item, _)| item.key.as_str())
                    .collect();
                let mut html = String::new();
                if next_request.next_if(|r| **r == i).is_some()
                    && let Some(c) = rendered.next()
                {
                    links.keys = known;
                    html = html::flatten(html::pieces(&c.citation, &mut links));
                    let all_suppressed = f.cite.items.iter().all(|i| i.suppress_author);
                    if all_suppressed && !numeric && !f.cite.narrative {
                        html = suppressed_author(html, &f.cite, style);
                    }
                }
                for (item, entry) in f.cite.items.iter().zip(&f.entries) {
                    if entry.is_none() {
                        html.push_str(&format!(
                            "<span class=\"citation unknown\">[?{}]</span>",
                            escape(&item.key)
                        ));
                    }
                }
                format!("{CITATION_OPEN}{html}</span>")
            })
            .collect();
        RenderedCites { citations, entries }
    }
}

/// `[-@a, p. 3]` in an author-date style: hayagriva's year form has neither the brackets nor the
/// locator, so both are put back here.
fn suppressed_author(years: String, cite: &syntax::Cite, style: &IndependentStyle) -> String {
    let layout = &style.citation.layout;
    let open = layout.prefix.as_deref().unwrap_or("(");
    let close = layout.suffix.as_deref().unwrap_or(")");
    let locators: String = cite
        .items
        .iter()
        .filter_map(|i| i.locator.as_deref())
        .map(|l| format!(", {}", escape(l)))
        .collect();
    format!("{}{years}{locators}{}", escape(open), escape(close))
}

/// Links each item of a citation to its entry: `id="cite-KEY-n"` (the n-th citation of the
/// key), the entry's text on hover.
struct Links<'l> {
    titles: &'l HashMap<String, String>,
    seen: HashMap<String, usize>,
    /// The keys of the citation being written, by item index.
    keys: Vec<&'l str>,
}

impl Wrap for Links<'_> {
    fn item(&mut self, idx: usize) -> Option<(String, String)> {
        let key = *self.keys.get(idx)?;
        let n = self.seen.entry(key.to_string()).or_insert(0);
        *n += 1;
        let title = self.titles.get(key).map(String::as_str).unwrap_or(key);
        Some((
            format!(
                "<a class=\"cite\" href=\"#ref-{k}\" id=\"cite-{k}-{n}\" title=\"{t}\">",
                k = escape(key),
                t = escape(title)
            ),
            "</a>".into(),
        ))
    }
}

/// `p. 33` → a page locator of `33`; a label quire does not know keeps the whole text, unlabelled.
fn locator(text: &str) -> SpecificLocator<'_> {
    const LABELS: [(&[&str], Locator); 9] = [
        (&["p.", "pp.", "page", "pages"], Locator::Page),
        (&["chap.", "ch.", "chapter"], Locator::Chapter),
        (&["sec.", "§", "section"], Locator::Section),
        (&["fig.", "figure"], Locator::Figure),
        (&["eq.", "equation"], Locator::Equation),
        (&["vol.", "volume"], Locator::Volume),
        (&["para.", "¶", "paragraph"], Locator::Paragraph),
        (&["l.", "ll.", "line"], Locator::Line),
        (&["n.", "note"], Locator::Note),
    ];
    if let Some((word, rest)) = text.split_once(char::is_whitespace)
        && let Some((_, kind)) = LABELS.iter().find(|(ws, _)| ws.contains(&word))
    {
        return SpecificLocator(*kind, LocatorPayload::Str(rest.trim()));
    }
    let kind = if text.starts_with(|c: char| c.is_ascii_digit()) {
        Locator::Page
    } else {
        Locator::Custom
    };
    SpecificLocator(kind, LocatorPayload::Str(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_styles_are_independent() {
        for name in [
            StyleName::Ieee,
            StyleName::Apa,
            StyleName::ChicagoAuthorDate,
        ] {
            assert!(matches!(name.archived().get(), Style::Independent(_)));
        }
    }

    #[test]
    fn locators_by_label() {
        let l = locator("p. 33");
        assert_eq!(l.0, Locator::Page);
        assert_eq!(l.1, LocatorPayload::Str("33"));
        assert_eq!(locator("chap. 2").0, Locator::Chapter);
        assert_eq!(locator("12-14").0, Locator::Page);
        assert_eq!(locator("appendix B").0, Locator::Custom);
    }
}
