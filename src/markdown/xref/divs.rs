//! Pandoc's fenced divs (`::: {#thm-x name="…"}` … `:::`), which theorem-like blocks use.
//!
//! pulldown-cmark has no fenced divs, so their fence lines are found first (outside code and
//! HTML blocks, which pulldown-cmark itself locates) and replaced by as many spaces: the body
//! keeps every byte offset (so file:line:col and the source map stay right), each fence becomes
//! the blank line that separates blocks, and the Markdown between fences parses as usual.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

/// `{#id .class key="value"}`, or the bare word of `::: proof` as a class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    pub id: Option<String>,
    pub classes: Vec<String>,
    pub pairs: Vec<(String, String)>,
}

impl Attrs {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FenceKind {
    Open(Attrs),
    /// An opening fence whose attributes do not parse; still a div, so its `:::` closes.
    BadOpen(String),
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// Byte range of the fence line in the body, without its newline.
    pub line: Range<usize>,
    pub kind: FenceKind,
}

/// The fence lines of a body and the body with them blanked; `None` when it has none (the
/// common case, which costs one substring search).
pub fn find(body: &str) -> Option<(Vec<Fence>, String)> {
    if !body.contains(":::") {
        return None;
    }
    let verbatim = verbatim_blocks(body);
    let mut fences = Vec::new();
    let mut start = 0;
    for line in body.split_inclusive('\n') {
        let range = start..start + line.trim_end_matches(['\n', '\r']).len();
        start += line.len();
        if verbatim
            .iter()
            .any(|b| b.start <= range.start && range.start < b.end)
        {
            continue;
        }
        if let Some(kind) = fence(&body[range.clone()]) {
            fences.push(Fence { line: range, kind });
        }
    }
    if fences.is_empty() {
        return None;
    }
    let mut blanked = body.to_string();
    for f in &fences {
        blanked.replace_range(f.line.clone(), &" ".repeat(f.line.len()));
    }
    Some((fences, blanked))
}

/// Code blocks and HTML blocks, where `:::` is text.
pub(crate) fn verbatim_blocks(body: &str) -> Vec<Range<usize>> {
    Parser::new_ext(body, super::super::options())
        .into_offset_iter()
        .filter_map(|(e, r)| {
            matches!(e, Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock)).then_some(r)
        })
        .collect()
}

/// A fence line: up to three spaces, at least three colons, then attributes or a word (an
/// opening fence) or nothing (a closing one).
fn fence(line: &str) -> Option<FenceKind> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let colons = rest.len() - rest.trim_start_matches(':').len();
    if colons < 3 {
        return None;
    }
    // Pandoc allows colons after the attributes too: `::: proof :::`.
    let inner = rest[colons..].trim().trim_end_matches(':').trim_end();
    if inner.is_empty() {
        return Some(FenceKind::Close);
    }
    if let Some(braced) = inner.strip_prefix('{') {
        return Some(match braced.strip_suffix('}').map(parse_attrs) {
            Some(Ok(attrs)) => FenceKind::Open(attrs),
            Some(Err(e)) => FenceKind::BadOpen(e),
            None => FenceKind::BadOpen("the attributes have no closing `}`".into()),
        });
    }
    if inner
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Some(FenceKind::Open(Attrs {
            classes: vec![inner.to_string()],
            ..Attrs::default()
        }));
    }
    None
}

/// Pandoc's attribute syntax: `#id`, `.class`, `key=value`, `key="value"` (`\"` inside).
pub(super) fn parse_attrs(text: &str) -> Result<Attrs, String> {
    let mut attrs = Attrs::default();
    let mut chars = text.chars().peekable();
    let word = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut w = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !matches!(c, '=' | '"')) {
            w.push(c);
        }
        w
    };
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            '#' => {
                chars.next();
                let id = word(&mut chars);
                if id.is_empty() {
                    return Err("`#` without an id".into());
                }
                attrs.id = Some(id);
            }
            '.' => {
                chars.next();
                let class = word(&mut chars);
                if class.is_empty() {
                    return Err("`.` without a class name".into());
                }
                attrs.classes.push(class);
            }
            _ => {
                let key = word(&mut chars);
                if key.is_empty() || chars.next() != Some('=') {
                    return Err(format!("expected `#id`, `.class` or `key=value` at `{c}`"));
                }
                let value = if chars.next_if_eq(&'"').is_some() {
                    let mut v = String::new();
                    loop {
                        match chars.next() {
                            Some('\\') if chars.next_if_eq(&'"').is_some() => v.push('"'),
                            Some('"') => break,
                            Some(c) => v.push(c),
                            None => {
                                return Err(format!("the value of `{key}` has no closing `\"`"));
                            }
                        }
                    }
                    v
                } else {
                    word(&mut chars)
                };
                attrs.pairs.push((key, value));
            }
        }
    }
    Ok(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_blanked_in_place_outside_code() {
        let body = "::: {#thm-a name=\"Cauchy–Schwarz\"}\nText.\n:::\n\n```\n:::\n```\n\n::: proof\nP.\n::::\n";
        let (fences, blanked) = find(body).unwrap();
        assert_eq!(blanked.len(), body.len());
        assert_eq!(fences.len(), 4, "{fences:?}");
        assert_eq!(
            fences[0].kind,
            FenceKind::Open(Attrs {
                id: Some("thm-a".into()),
                classes: vec![],
                pairs: vec![("name".into(), "Cauchy–Schwarz".into())],
            })
        );
        assert_eq!(fences[1].kind, FenceKind::Close);
        assert_eq!(
            fences[2].kind,
            FenceKind::Open(Attrs {
                classes: vec!["proof".into()],
                ..Attrs::default()
            })
        );
        assert_eq!(fences[3].kind, FenceKind::Close);
        assert!(blanked.contains("```\n:::\n```"), "code untouched");
        assert!(blanked.starts_with(&" ".repeat(fences[0].line.len())));
    }

    #[test]
    fn attributes_parse_as_pandoc_does() {
        let a = parse_attrs("#lem-x .note .wide key=v title=\"a \\\"b\\\"\"").unwrap();
        assert_eq!(a.id.as_deref(), Some("lem-x"));
        assert_eq!(a.classes, ["note", "wide"]);
        assert_eq!(a.get("key"), Some("v"));
        assert_eq!(a.get("title"), Some("a \"b\""));
        assert!(parse_attrs("name=\"open").is_err());
        assert!(parse_attrs("#").is_err());
        assert!(matches!(fence("::: {#x"), Some(FenceKind::BadOpen(_))));
    }

    #[test]
    fn colons_in_text_are_not_fences() {
        assert!(find("a ::: b\n\n::x\n").is_none());
        assert!(find("    :::\n").is_none(), "indented code");
        assert_eq!(fence("::: proof :::"), fence("::: proof"));
    }
}
