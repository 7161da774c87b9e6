//! Where URLs sit in HTML attributes and CSS: the one reading of `srcset`, `url(…)` and
//! `@import`, shared by the base-path pass (which rewrites them) and `quire check` (which
//! follows them), so the check sees exactly the URLs the pass published.

use std::ops::Range;
use std::path::Path;

/// Attributes whose whole (trimmed) value is one URL.
pub const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "poster",
    "action",
    "formaction",
    "data",
    "cite",
    "background",
    "longdesc",
    "usemap",
    "manifest",
    "icon",
    "xlink:href",
];

/// Attributes holding a comma-separated list of `URL [descriptor]` candidates.
pub const SRCSET_ATTRIBUTES: &[&str] = &["srcset", "imagesrcset"];

pub fn is_html(path: &Path) -> bool {
    has_ext(path, &["html", "htm"])
}

pub fn is_css(path: &Path) -> bool {
    has_ext(path, &["css"])
}

fn has_ext(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// How an attribute holds URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlSyntax {
    /// The whole value, surrounding whitespace aside (`href`, `src`, …).
    Whole,
    /// A `srcset` candidate list.
    Srcset,
    /// CSS declarations (`style`).
    Css,
}

pub fn url_syntax(attribute: &str) -> Option<UrlSyntax> {
    if URL_ATTRIBUTES.contains(&attribute) {
        Some(UrlSyntax::Whole)
    } else if SRCSET_ATTRIBUTES.contains(&attribute) {
        Some(UrlSyntax::Srcset)
    } else if attribute == "style" {
        Some(UrlSyntax::Css)
    } else {
        None
    }
}

/// Byte ranges of the URLs in an attribute's value, read as `syntax` says.
pub fn urls_in(syntax: UrlSyntax, value: &str) -> Vec<Range<usize>> {
    match syntax {
        UrlSyntax::Whole => {
            let start = value.len() - value.trim_ascii_start().len();
            let end = start + value.trim_ascii().len();
            std::iter::once(start..end)
                .filter(|r| !r.is_empty())
                .collect()
        }
        UrlSyntax::Srcset => srcset_urls(value),
        UrlSyntax::Css => css_urls(value),
    }
}

/// Byte ranges of the URLs in a `srcset`, following the HTML candidate-parsing rules closely
/// enough for what authors write (URLs may contain commas; a trailing comma ends a candidate).
pub fn srcset_urls(value: &str) -> Vec<Range<usize>> {
    let b = value.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut end = i;
        let ended_by_comma = value[start..end].ends_with(',');
        while end > start && b[end - 1] == b',' {
            end -= 1;
        }
        if end > start {
            ranges.push(start..end);
        }
        if ended_by_comma {
            continue;
        }
        // Skip the descriptor up to the next comma outside parentheses.
        let mut depth = 0usize;
        while i < b.len() {
            match b[i] {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
    }
    ranges
}

/// Quote marks as they may appear in CSS, including entity-escaped in a `style` attribute.
const CSS_QUOTES: &[&str] = &["\"", "'", "&quot;", "&#34;", "&#39;", "&apos;"];

/// The URLs of `url(…)` tokens and of `@import "…"` in CSS. Comments are skipped.
pub fn css_urls(css: &str) -> Vec<Range<usize>> {
    // Byte-wise matching: `i` steps through bytes and may sit inside a multi-byte character.
    let lower = css.to_ascii_lowercase();
    let lb = lower.as_bytes();
    let b = css.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if lb[i..].starts_with(b"/*") {
            i = lower[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            continue;
        }
        let is_url = lb[i..].starts_with(b"url(");
        let after = if is_url && (i == 0 || !is_ident_byte(b[i - 1])) {
            Some(i + 4)
        } else if lb[i..].starts_with(b"@import") {
            Some(i + 7)
        } else {
            None
        };
        let Some(mut j) = after else {
            i += 1;
            continue;
        };
        let is_import = !is_url;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let quote = CSS_QUOTES
            .iter()
            .find(|q| css[j..].starts_with(**q))
            .copied();
        if is_import && quote.is_none() {
            // `@import url(…)` is found by the `url(` branch on a later byte.
            i = j;
            continue;
        }
        let start = j + quote.map_or(0, str::len);
        let end = match quote {
            Some(q) => css[start..].find(q).map_or(b.len(), |p| start + p),
            None => css[start..]
                .find(|c: char| c == ')' || c.is_ascii_whitespace())
                .map_or(b.len(), |p| start + p),
        };
        if end > start {
            found.push(start..end);
        }
        i = end.max(i + 1);
    }
    found
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(value: &str, ranges: Vec<Range<usize>>) -> Vec<&str> {
        ranges.into_iter().map(|r| &value[r]).collect()
    }

    #[test]
    fn urls_by_attribute() {
        let v = " /a.png ";
        assert_eq!(texts(v, urls_in(UrlSyntax::Whole, v)), ["/a.png"]);
        assert!(urls_in(UrlSyntax::Whole, "  ").is_empty());
        let v = "/a.png 1x, /b,c.png 2x,/d.png, e.png (max-width: 1px, x) 100w";
        assert_eq!(
            texts(v, urls_in(UrlSyntax::Srcset, v)),
            ["/a.png", "/b,c.png", "/d.png", "e.png"]
        );
        let v = "b:URL( '/b.png' ); c:url(&quot;/c.png&quot;)";
        assert_eq!(texts(v, urls_in(UrlSyntax::Css, v)), ["/b.png", "/c.png"]);
        assert_eq!(url_syntax("href"), Some(UrlSyntax::Whole));
        assert_eq!(url_syntax("imagesrcset"), Some(UrlSyntax::Srcset));
        assert_eq!(url_syntax("style"), Some(UrlSyntax::Css));
        assert_eq!(url_syntax("class"), None);
    }

    #[test]
    fn css_comments_imports_and_data() {
        let css = "/* url(/no.png) */ a{b:url(/a.png)} @import \"/c.css\"; @import url(/d.css); x{src:url(data:x/y,z)} background-url(/no)";
        assert_eq!(
            texts(css, css_urls(css)),
            ["/a.png", "/c.css", "/d.css", "data:x/y,z"]
        );
    }
}
