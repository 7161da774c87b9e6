//! Base-path rewriting of the finished output: one pass over every HTML and CSS file, after the
//! templates ran, so root-relative URLs get `/repo` whoever wrote them — a template, Markdown, raw
//! HTML in a post, or a file in `static/`. Templates that already used `url(path=…)` are left
//! alone because [`with_base`] never adds the base twice. The price: a hand-written `/notes/x`
//! under base `/notes` is taken as already carrying the base; if the author meant the site path
//! `/notes/x`, `quire check` reports the link as not found.
//!
//! Doing it here rather than in the Markdown passes is what makes raw HTML (the seed's
//! `<img src="/gif/…">`), `srcset` and CSS covered without each pass having to remember.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str, text};
use rayon::prelude::*;

use crate::error::{Error, Result, collect_all};
use crate::output::{Copy, OutputFile};
use crate::urls::with_base;

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

/// Which output files get the pass, by extension.
pub fn is_rewritten(path: &Path) -> bool {
    is_html(path) || is_css(path)
}

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

/// Adds `base` to the root-relative URLs of every HTML and CSS file the site will contain:
/// the generated `files`, and the HTML/CSS files of the `copies` (`static/`, …), which are read
/// into `files` so the copy written over them is the rewritten one. Generated files win over a
/// copied file at the same path, as they do without a base path.
pub fn rewrite_site(files: &mut Vec<OutputFile>, copies: &[Copy], base: &str) -> Result<()> {
    if base.is_empty() {
        return Ok(());
    }
    let copied = copied_text_files(copies, files)?;
    files.extend(copied);
    let results: Vec<Result<()>> = files
        .par_iter_mut()
        .filter(|f| is_rewritten(&f.path))
        .map(|f| rewrite_file(f, base))
        .collect();
    collect_all(results).map(|_| ())
}

fn rewrite_file(file: &mut OutputFile, base: &str) -> Result<()> {
    // Non-UTF-8 HTML/CSS is passed through untouched rather than mangled.
    let Ok(text) = std::str::from_utf8(&file.contents) else {
        return Ok(());
    };
    let out = if is_html(&file.path) {
        if !may_need_rewrite(text, base) {
            return Ok(());
        }
        rewrite_html(text, base).map_err(|e| {
            Error::Internal(format!(
                "{}: rewriting URLs for base path {base}: {e}",
                file.path.display()
            ))
        })?
    } else {
        rewrite_css(text, base)
    };
    file.contents = out.into_bytes();
    Ok(())
}

/// HTML and CSS files under the copy sources, as output files, skipping paths already generated.
fn copied_text_files(copies: &[Copy], generated: &[OutputFile]) -> Result<Vec<OutputFile>> {
    let taken: HashSet<&Path> = generated.iter().map(|f| f.path.as_path()).collect();
    let mut out = Vec::new();
    for copy in copies {
        if !copy.from.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&copy.from)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| crate::fs::walk_error(&copy.from, e))?;
            if !entry.file_type().is_file() || !is_rewritten(entry.path()) {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&copy.from)
                .unwrap_or(entry.path());
            let path: PathBuf = copy.to.join(rel);
            if taken.contains(path.as_path()) {
                continue;
            }
            let contents = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            out.push(OutputFile { path, contents });
        }
    }
    Ok(out)
}

/// Rewrites URL attributes, `srcset`s, `style` attributes, `<style>` elements and
/// `<meta http-equiv="refresh">` targets.
pub fn rewrite_html(html: &str, base: &str) -> std::result::Result<String, String> {
    let mut style_buf = String::new();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("*", |el| {
            let mut changes: Vec<(String, String)> = Vec::new();
            for attr in el.attributes() {
                let name = attr.name();
                let value = attr.value();
                let new = if URL_ATTRIBUTES.contains(&name.as_str()) {
                    rewrite_url(&value, base)
                } else if SRCSET_ATTRIBUTES.contains(&name.as_str()) {
                    rewrite_srcset(&value, base)
                } else if name == "style" {
                    rewrite_css(&value, base)
                } else {
                    continue;
                };
                if new != value {
                    changes.push((name, new));
                }
            }
            if el.tag_name() == "meta"
                && el
                    .get_attribute("http-equiv")
                    .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
                && let Some(content) = el.get_attribute("content")
            {
                let new = rewrite_refresh(&content, base);
                if new != content {
                    changes.push(("content".into(), new));
                }
            }
            for (name, value) in changes {
                el.set_attribute(&name, &value)?;
            }
            Ok(())
        }))
        .append_element_content_handler(text!("style", |chunk| {
            // A `<style>`'s text can arrive in several chunks: gather it, then write it once.
            style_buf.push_str(chunk.as_str());
            if chunk.last_in_text_node() {
                let css = std::mem::take(&mut style_buf);
                // Raw text: written back verbatim, as `Html`, so `>` in selectors is not escaped.
                chunk.replace(&rewrite_css(&css, base), ContentType::Html);
            } else {
                chunk.remove();
            }
            Ok(())
        }))
        .with_strict(false);
    rewrite_str(html, settings).map_err(|e| e.to_string())
}

/// One URL attribute value; surrounding whitespace is kept, as browsers ignore it.
pub fn rewrite_url(value: &str, base: &str) -> String {
    let trimmed = value.trim_ascii();
    let lead = &value[..value.len() - value.trim_ascii_start().len()];
    let trail = &value[lead.len() + trimmed.len()..];
    let new = with_base(base, trimmed);
    if new == trimmed {
        value.to_string()
    } else {
        format!("{lead}{new}{trail}")
    }
}

/// Whether [`rewrite_html`] could change `html`: a byte scan that lets pages whose root-relative
/// URLs all carry the base already (the templates' `url()` output) skip the HTML parser, which
/// costs far more on math-heavy pages (KaTeX emits thousands of elements per post). It may say
/// yes needlessly, never no wrongly: any `=` followed by a root-relative value not under `base`,
/// and any `srcset`, CSS `url(`/`@import` or meta refresh, send the page through the parser.
pub fn may_need_rewrite(html: &str, base: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    if ["srcset", "url(", "@import", "refresh"]
        .iter()
        .any(|k| lower.contains(k))
    {
        return true;
    }
    let b = html.as_bytes();
    for (i, _) in html.match_indices('=') {
        let mut j = i + 1;
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let quote = b.get(j).copied().filter(|c| matches!(c, b'"' | b'\''));
        if quote.is_some() {
            j += 1;
        }
        // The value as the rewrite sees it: to the closing quote (or, unquoted, to whitespace
        // or `>`), surrounding whitespace trimmed. `j` stays on ASCII bytes: char boundaries.
        let rest = &html[j..];
        let end = match quote {
            Some(q) => rest.find(q as char),
            None => rest.find(|c: char| c.is_ascii_whitespace() || c == '>'),
        };
        let value = rest[..end.unwrap_or(rest.len())].trim_ascii();
        if value.starts_with('/')
            && !value.starts_with("//")
            && value != base
            && !value
                .strip_prefix(base)
                .is_some_and(|after| after.starts_with('/'))
        {
            return true;
        }
    }
    false
}

/// `/a.png 1x, /b.png 2x` → each candidate URL prefixed; descriptors and spacing kept.
pub fn rewrite_srcset(value: &str, base: &str) -> String {
    let mut out = String::with_capacity(value.len() + 16);
    let mut last = 0;
    for (start, end) in srcset_urls(value) {
        out.push_str(&value[last..start]);
        out.push_str(&with_base(base, &value[start..end]));
        last = end;
    }
    out.push_str(&value[last..]);
    out
}

/// Byte ranges of the URLs in a `srcset`, following the HTML candidate-parsing rules closely
/// enough for what authors write (URLs may contain commas; a trailing comma ends a candidate).
pub fn srcset_urls(value: &str) -> Vec<(usize, usize)> {
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
            ranges.push((start, end));
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

/// `5; url=/next/` → `5; url=/base/next/`.
fn rewrite_refresh(content: &str, base: &str) -> String {
    let lower = content.to_ascii_lowercase();
    let Some(pos) = lower.find("url=") else {
        return content.to_string();
    };
    let start = pos + 4;
    let rest = &content[start..];
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"');
    let skip = quote.map_or(0, char::len_utf8);
    format!(
        "{}{}",
        &content[..start + skip],
        with_base(base, &rest[skip..])
    )
}

/// Adds the base to root-relative `url(…)`s and `@import "…"`s in a stylesheet or a `style`
/// attribute.
pub fn rewrite_css(css: &str, base: &str) -> String {
    let mut out = String::with_capacity(css.len() + 16);
    let mut last = 0;
    for u in css_urls(css) {
        out.push_str(&css[last..u.start]);
        out.push_str(&with_base(base, &css[u.start..u.end]));
        last = u.end;
    }
    out.push_str(&css[last..]);
    out
}

/// A URL inside CSS: its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CssUrl {
    pub start: usize,
    pub end: usize,
}

/// Quote marks as they may appear in CSS, including entity-escaped in a `style` attribute.
const CSS_QUOTES: &[&str] = &["\"", "'", "&quot;", "&#34;", "&#39;", "&apos;"];

/// The URLs of `url(…)` tokens and of `@import "…"` in CSS. Comments are skipped.
pub fn css_urls(css: &str) -> Vec<CssUrl> {
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
            found.push(CssUrl { start, end });
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

    const B: &str = "/notes";

    #[test]
    fn attributes_get_the_base_once() {
        let html = r##"<a href="/x/">x</a><img width="150px" src="/gif/a.gif"><a href="/notes/y">y</a><a href="https://e.com/a">e</a><a href="//cdn/x">c</a><a href="#top">t</a><a href="rel/a">r</a><video poster="/p.png" src="/v.mp4"></video>"##;
        let out = rewrite_html(html, B).unwrap();
        assert_eq!(
            out,
            r##"<a href="/notes/x/">x</a><img width="150px" src="/notes/gif/a.gif"><a href="/notes/y">y</a><a href="https://e.com/a">e</a><a href="//cdn/x">c</a><a href="#top">t</a><a href="rel/a">r</a><video poster="/notes/p.png" src="/notes/v.mp4"></video>"##
        );
        assert_eq!(rewrite_html(&out, B).unwrap(), out, "idempotent");
    }

    #[test]
    fn svg_links_and_upper_case_css() {
        let html = r#"<svg><use xlink:href="/i.svg#a"/></svg><p STYLE="b:URL(/x.png)">"#;
        assert_eq!(
            rewrite_html(html, B).unwrap(),
            r#"<svg><use xlink:href="/notes/i.svg#a" /></svg><p STYLE="b:URL(/notes/x.png)">"#
        );
    }

    #[test]
    fn prefilter_skips_only_pages_the_rewrite_leaves_alone() {
        let skip = [
            r#"<a href="/notes/x">x</a><link href='/notes'><img src="rel.png">"#,
            r#"<a class="katex" href="https://e.org/a" title="a=b">/x</a>"#,
            r#"<a href = " /notes/y ">y</a>"#,
        ];
        for html in skip {
            assert!(!may_need_rewrite(html, B), "{html}");
            assert_eq!(rewrite_html(html, B).unwrap(), html);
        }
        for html in [
            r#"<a href="/x">"#,
            r#"<a href = ' /x'>"#,
            r#"<a href=/x>"#,
            r#"<a href="/notesx">"#,
            r#"<p style="b:URL(/x)">"#,
            r#"<img srcset="a.png, /b.png 2x">"#,
        ] {
            assert!(may_need_rewrite(html, B), "{html}");
        }
    }

    /// Random markup shaped like real pages: elements with URL-ish attribute values and
    /// `<style>` blocks, built from the pieces the prefilter and the rewrite care about.
    fn markup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let token = proptest::sample::select(vec![
            "/", "/notes", "/notes/", "x", "url(", "URL(", " ", ",", " 2x", "//", ")", "0;url=",
            "refresh", "&quot;", "?q", "#f", ", /",
        ]);
        let value = proptest::collection::vec(token, 0..5).prop_map(|t| t.concat());
        let attr = (
            proptest::sample::select(vec![
                "href",
                "src",
                "srcset",
                "style",
                "content",
                "class",
                "poster",
                "http-equiv",
            ]),
            proptest::sample::select(vec!["\"", "'", ""]),
            value.clone(),
        )
            .prop_map(|(name, q, v)| format!(" {name}={q}{v}{q}"));
        let element = (
            proptest::sample::select(vec!["a", "img", "p", "meta", "link", "video"]),
            proptest::collection::vec(attr, 1..3),
            value,
            proptest::bool::weighted(0.2),
        )
            .prop_map(|(tag, attrs, v, style_block)| {
                if style_block {
                    format!("<style>a{{b:{v}}}</style>")
                } else {
                    format!("<{tag}{}>t</{tag}>", attrs.concat())
                }
            });
        proptest::collection::vec(element, 0..6).prop_map(|e| e.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Whatever the markup, a page the prefilter lets through unparsed is one the full
        /// rewrite would not have changed.
        #[test]
        fn prefilter_never_skips_a_needed_rewrite(html in markup()) {
            if !may_need_rewrite(&html, B) {
                proptest::prop_assert_eq!(rewrite_html(&html, B).unwrap(), html);
            }
        }
    }

    #[test]
    fn srcset_candidates() {
        assert_eq!(
            rewrite_srcset("/a.png 1x, /b,c.png 2x,/d.png", B),
            "/notes/a.png 1x, /notes/b,c.png 2x,/notes/d.png"
        );
        assert_eq!(
            rewrite_srcset("a.png, /b.png 100w", B),
            "a.png, /notes/b.png 100w"
        );
        let html = r#"<img srcset="/a.png 1x, /b.png 2x" src="/a.png">"#;
        assert_eq!(
            rewrite_html(html, B).unwrap(),
            r#"<img srcset="/notes/a.png 1x, /notes/b.png 2x" src="/notes/a.png">"#
        );
    }

    #[test]
    fn css_urls_in_files_style_elements_and_attributes() {
        let css = "/* url(/no.png) */ a{background:url(/a.png)} b{background:URL( '/b.png' )}\n@import \"/c.css\"; @import url(/d.css); x{src:url(data:x/y,z)} y{u:url(rel.png)}";
        assert_eq!(
            rewrite_css(css, B),
            "/* url(/no.png) */ a{background:url(/notes/a.png)} b{background:URL( '/notes/b.png' )}\n@import \"/notes/c.css\"; @import url(/notes/d.css); x{src:url(data:x/y,z)} y{u:url(rel.png)}"
        );
        let html = "<style>p > a{background:url(\"/a.png\")}</style><p style=\"background:url(&quot;/b.png&quot;)\">x</p>";
        assert_eq!(
            rewrite_html(html, B).unwrap(),
            "<style>p > a{background:url(\"/notes/a.png\")}</style><p style=\"background:url(&quot;/notes/b.png&quot;)\">x</p>"
        );
    }

    #[test]
    fn meta_refresh_and_empty_base() {
        let html = r#"<meta http-equiv="refresh" content="0; url=/new/">"#;
        assert_eq!(
            rewrite_html(html, B).unwrap(),
            r#"<meta http-equiv="refresh" content="0; url=/notes/new/">"#
        );
        let mut files = vec![OutputFile {
            path: "a.html".into(),
            contents: b"<a href=\"/x\">".to_vec(),
        }];
        rewrite_site(&mut files, &[], "").unwrap();
        assert_eq!(files[0].contents, b"<a href=\"/x\">");
    }

    #[test]
    fn static_css_is_read_and_generated_files_win() {
        let dir = tempfile::tempdir().unwrap();
        let st = dir.path().join("static");
        crate::fs::write(&st.join("css/s.css"), "a{b:url(/f.woff)}").unwrap();
        crate::fs::write(&st.join("index.html"), "<a href=\"/mine\">").unwrap();
        crate::fs::write(&st.join("img.png"), "not text").unwrap();
        let mut files = vec![OutputFile {
            path: "index.html".into(),
            contents: b"<a href=\"/gen\">".to_vec(),
        }];
        let copies = [Copy {
            from: st,
            to: PathBuf::new(),
        }];
        rewrite_site(&mut files, &copies, B).unwrap();
        let get = |p: &str| {
            files
                .iter()
                .filter(|f| f.path == Path::new(p))
                .map(|f| String::from_utf8(f.contents.clone()).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("index.html"), ["<a href=\"/notes/gen\">"]);
        assert_eq!(get("css/s.css"), ["a{b:url(/notes/f.woff)}"]);
        assert!(get("img.png").is_empty());
    }
}
