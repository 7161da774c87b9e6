//! The base-path pass: the one mechanism that adds the base path (see [`crate::urls`] for why
//! this one). It runs over every HTML and CSS file of the finished site, so root-relative URLs
//! get `/repo` whoever wrote them — a template, Markdown, raw HTML in a post, or a file in
//! `static/`. A hand-written `/notes/x` under base `/notes` is taken as already carrying the
//! base; if the author meant the site path `/notes/x`, `quire check` reports the link as not
//! found.

use std::ops::Range;

use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str, text};
use rayon::prelude::*;

use super::extract::{css_urls, is_css, is_html, url_syntax, urls_in};
use super::with_base;
use crate::error::{Error, Result, collect_all};
use crate::output::{CopiedFiles, OutputFile};

/// Adds `base` to the root-relative URLs of every HTML and CSS file the site will contain:
/// the generated `files`, and the HTML/CSS files of the `copied` folders (`static/`, …), which
/// are read into `files` so the copy written is the rewritten one. Generated files win over a
/// copied file at the same path, as they do without a base path.
pub fn rewrite_site(files: &mut Vec<OutputFile>, copied: &CopiedFiles, base: &str) -> Result<()> {
    if base.is_empty() {
        return Ok(());
    }
    let texts: Vec<OutputFile> = copied
        .not_in(files, &[])
        .into_iter()
        .filter(|c| is_html(&c.path) || is_css(&c.path))
        .map(|c| {
            Ok(OutputFile {
                path: c.path.clone(),
                contents: crate::fs::read(&c.from)?,
            })
        })
        .collect::<Result<_>>()?;
    files.extend(texts);
    let results: Vec<Result<()>> = files
        .par_iter_mut()
        .filter(|f| is_html(&f.path) || is_css(&f.path))
        .map(|f| rewrite_file(f, base))
        .collect();
    collect_all(results).map(|_| ())
}

/// As [`rewrite_site`] for one generated file: a page put into the output as soon as it is
/// rendered.
pub fn rewrite_one(file: &mut OutputFile, base: &str) -> Result<()> {
    if base.is_empty() || !(is_html(&file.path) || is_css(&file.path)) {
        return Ok(());
    }
    rewrite_file(file, base)
}

fn rewrite_file(file: &mut OutputFile, base: &str) -> Result<()> {
    // Non-UTF-8 HTML/CSS is passed through untouched rather than mangled.
    let Ok(text) = std::str::from_utf8(&file.contents) else {
        return Ok(());
    };
    let out = if is_html(&file.path) {
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

/// Rewrites URL attributes, `srcset`s, `style` attributes, `<style>` elements and
/// `<meta http-equiv="refresh">` targets.
pub fn rewrite_html(html: &str, base: &str) -> std::result::Result<String, String> {
    let mut style_buf = String::new();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("*", |el| {
            let mut changes: Vec<(String, String)> = Vec::new();
            for attr in el.attributes() {
                let name = attr.name();
                let Some(syntax) = url_syntax(&name) else {
                    continue;
                };
                let value = attr.value();
                let new = rewrite_ranges(&value, urls_in(syntax, &value), base);
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

/// `value` with [`with_base`] applied to each of the URLs at `ranges` (in order); the rest,
/// spacing and descriptors, kept.
fn rewrite_ranges(value: &str, ranges: Vec<Range<usize>>, base: &str) -> String {
    let mut out = String::with_capacity(value.len() + 16);
    let mut last = 0;
    for r in ranges {
        out.push_str(&value[last..r.start]);
        out.push_str(&with_base(base, &value[r.clone()]));
        last = r.end;
    }
    out.push_str(&value[last..]);
    out
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

/// Adds the base to root-relative `url(…)`s and `@import "…"`s in a stylesheet.
pub fn rewrite_css(css: &str, base: &str) -> String {
    rewrite_ranges(css, css_urls(css), base)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::output::{Copy, list_copies};
    use crate::urls::extract::UrlSyntax;

    fn rewrite_srcset(value: &str, base: &str) -> String {
        rewrite_ranges(value, urls_in(UrlSyntax::Srcset, value), base)
    }

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
        rewrite_site(&mut files, &CopiedFiles::default(), "").unwrap();
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
        rewrite_site(&mut files, &list_copies(&copies).unwrap(), B).unwrap();
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
