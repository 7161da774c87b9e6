//! Where a reference found in an output page was written. A post's content is inserted into its
//! page as the Markdown stage wrote it, then the base-path pass rewrites the page; the same pass
//! over the content alone gives the text to find in the page, and scanning both versions of the
//! content pairs each published reference with its offset in the written content. The Markdown
//! stage's source map then leads to the post's line and column. Any other reference (a
//! template's link, HTML quire wrote) is located in the output file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use super::{Reference, scan_html};
use crate::build::BuiltPost;
use crate::error::{Location, line_col};
use crate::markdown::MarkKind;
use crate::urls::rewrite::rewrite_html;

/// Locates the references of one output page. What it reads (the post's content scan, the
/// output file's text) is only read for a page that has something to report.
pub struct Locator<'a> {
    output: &'a Path,
    page: &'a str,
    base: &'a str,
    post: Option<&'a BuiltPost>,
    refs: &'a [Reference],
    /// Per reference of the page: its offset in the post's content HTML, when it came from it.
    in_content: Option<Vec<Option<usize>>>,
    page_text: Option<String>,
}

impl<'a> Locator<'a> {
    /// `refs` are the references scanned from the output file `page` (relative to `output`);
    /// `post` is the post whose page it is, if any.
    pub fn new(
        output: &'a Path,
        page: &'a str,
        base: &'a str,
        post: Option<&'a BuiltPost>,
        refs: &'a [Reference],
    ) -> Self {
        Locator {
            output,
            page,
            base,
            post,
            refs,
            in_content: None,
            page_text: None,
        }
    }

    /// The place of `refs[index]`: in the post's Markdown when the author wrote it there, else
    /// in the output file.
    pub fn locate(&mut self, index: usize) -> Location {
        let file = self.output.join(self.page);
        let text = self.page_text.get_or_insert_with(|| {
            std::fs::read(&file)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        });
        if let Some(post) = self.post {
            let (base, refs) = (self.base, self.refs);
            let in_content = self
                .in_content
                .get_or_insert_with(|| content_offsets(post, base, text, refs));
            if let Some(source) = in_content
                .get(index)
                .copied()
                .flatten()
                .and_then(|html| source_offset(post, html))
            {
                let (line, col) = line_col(&post.text, source);
                return Location::at(&post.source, line, col);
            }
        }
        let offset = self.refs.get(index).map_or(0, |r| r.offset);
        let (line, col) = line_col(text, offset);
        Location::at(file, line, col)
    }
}

/// For each of the page's `refs` (scanned from `page`, the output file's text), its offset in
/// `post.html` when it is one of the content's references: found by position, so a template's
/// link to the same URL is never taken for the content's. Content the page does not hold as
/// published (a template that escapes or cuts it) leaves every reference to the output file.
fn content_offsets(
    post: &BuiltPost,
    base: &str,
    page: &str,
    refs: &[Reference],
) -> Vec<Option<usize>> {
    let mut out = vec![None; refs.len()];
    let published = if base.is_empty() {
        Cow::Borrowed(post.content.html.as_str())
    } else {
        match rewrite_html(&post.content.html, base) {
            Ok(html) => Cow::Owned(html),
            Err(_) => return out,
        }
    };
    let (Ok(written), Ok(published_scan)) = (scan_html(&post.content.html), scan_html(&published))
    else {
        return out;
    };
    // The pass changes URLs, never which ones there are.
    if written.refs.len() != published_scan.refs.len() || written.refs.is_empty() {
        return out;
    }
    let Some(start) = page.find(&*published) else {
        return out;
    };
    let by_offset: HashMap<usize, usize> = published_scan
        .refs
        .iter()
        .zip(&written.refs)
        .map(|(p, w)| (start + p.offset, w.offset))
        .collect();
    for (slot, r) in out.iter_mut().zip(refs) {
        *slot = by_offset.get(&r.offset).copied();
    }
    out
}

/// The offset in the post's file of the content-HTML offset `html`, from the source mark of the
/// element holding it (the last mark at or before it). A Markdown link or image is named by its
/// start (`[`, `![`, `<` of an autolink; for a reference-style link its use, not the definition,
/// since one definition may serve several links); raw HTML is copied into the content as
/// written, so the offset inside it carries over, to the URL itself. `None` when no mark holds
/// it: HTML quire wrote (a `conv` animation), which the author cannot fix at a line.
fn source_offset(post: &BuiltPost, html: usize) -> Option<usize> {
    let i = post.content.source_map.partition_point(|m| m.html <= html);
    let mark = post.content.source_map.get(i.checked_sub(1)?)?;
    let between = post.content.html.get(mark.html..html)?;
    match mark.kind {
        MarkKind::Link | MarkKind::Image => {
            // Only the tag the mark starts: its `href` or `src` (attribute values are escaped,
            // so a `>` ends the tag).
            let tag = between.trim_start_matches('\n');
            (tag.starts_with('<') && !tag.contains('>')).then_some(mark.source)
        }
        MarkKind::Html => {
            let text = post.text.get(mark.source..)?;
            // A block may be written after a newline the source does not have there.
            let between = match between.strip_prefix('\n') {
                Some(rest) if !text.starts_with('\n') => rest,
                _ => between,
            };
            text.starts_with(between)
                .then_some(mark.source + between.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::SourceMark;

    fn post(text: &str, html: &str, source_map: Vec<SourceMark>) -> BuiltPost {
        BuiltPost {
            page: "a.html".into(),
            source: "posts/a.md".into(),
            text: text.into(),
            content: std::sync::Arc::new(crate::markdown::Content {
                html: html.into(),
                source_map,
            }),
        }
    }

    #[test]
    fn marks_hold_only_what_the_author_wrote() {
        let text = "[x](/a)\n\n<p><a href=\"/b\">b</a></p>\n";
        let html =
            "<p><a href=\"/a\">x</a></p>\n<p><a href=\"/b\">b</a></p>\n<img src=\"/gif/c.gif\">";
        let p = post(
            text,
            html,
            vec![
                SourceMark {
                    kind: MarkKind::Link,
                    html: 3,
                    source: 0,
                },
                SourceMark {
                    kind: MarkKind::Html,
                    html: html.find("\n<p><a").unwrap(),
                    source: text.find("<p>").unwrap(),
                },
            ],
        );
        assert_eq!(source_offset(&p, html.find("/a\"").unwrap()), Some(0));
        assert_eq!(
            source_offset(&p, html.find("/b\"").unwrap()),
            Some(text.find("/b").unwrap())
        );
        // After the raw HTML, in HTML the source does not have: no mark holds it.
        assert_eq!(source_offset(&p, html.find("/gif").unwrap()), None);
        // Before every mark.
        assert_eq!(source_offset(&p, 1), None);
    }
}
