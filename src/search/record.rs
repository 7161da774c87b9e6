//! What search indexes of a page: one small [`Record`] per post or standalone page, made from
//! its content HTML as the Markdown stage wrote it, so it can be made as each page is rendered
//! and the page dropped.

use crate::html::escape;
use crate::pages::text::{Section, sections};

/// One page as search sees it. Everything the index holds of the page is in here, so a hash of
/// the records is the index's cache key (see [`super::cache`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where a result links: the page's site path. Pagefind's script adds the base path
    /// itself (it derives it from where `pagefind.js` was loaded from), so the index is the
    /// same under any base path.
    pub url: String,
    /// The page's language (BCP 47): Pagefind keeps one index per language, and segments
    /// Chinese and Japanese into words.
    pub lang: String,
    /// A small HTML page for Pagefind: the title as `<h1>`, each heading that has an id with
    /// its id (Pagefind's sub-results link to it), the text between them as paragraphs, and
    /// every formula as `$TeX$` (never KaTeX's markup, whose glyph runs are not words).
    pub html: String,
}

impl Record {
    /// The record of the page at site path `url`, titled `title` (plain text: a formula in it
    /// is TeX already), whose content is `content_html`.
    pub fn new(url: &str, title: &str, lang: &str, content_html: &str) -> Self {
        Self::of_sections(url, title, lang, &sections(content_html))
    }

    /// [`Record::new`] of content already cut into its [`sections`].
    pub fn of_sections(url: &str, title: &str, lang: &str, sections: &[Section]) -> Self {
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><title>{}</title></head><body><h1 data-pagefind-meta=\"title\">{}</h1>",
            escape(lang),
            escape(title),
            escape(title)
        );
        for s in sections {
            if let Some(h) = &s.heading {
                html.push_str(&format!(
                    "<h{l} id=\"{}\">{}</h{l}>",
                    escape(&h.id),
                    escape(&h.text),
                    l = h.level
                ));
            }
            if !s.text.is_empty() {
                html.push_str("<p>");
                html.push_str(&escape(&s.text));
                html.push_str("</p>");
            }
        }
        html.push_str("</body></html>");
        Record {
            url: url.to_string(),
            lang: lang.to_string(),
            html,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What KaTeX writes for `\frac{a}{b}` (abridged): MathML with the TeX, then the glyphs.
    const KATEX: &str = "<span class=\"katex\"><span class=\"katex-mathml\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><semantics><mrow><mfrac><mi>a</mi><mi>b</mi></mfrac></mrow><annotation encoding=\"application/x-tex\">\\frac{a}{b} &lt; 1</annotation></semantics></math></span><span class=\"katex-html\" aria-hidden=\"true\"><span class=\"base\"><span class=\"mord\"><span class=\"mfrac\">ab</span></span></span></span></span>";

    #[test]
    fn math_is_indexed_as_tex_and_headings_keep_their_ids() {
        let content = format!(
            "<p>Before {KATEX} after.</p>\n<h2 id=\"批归一化\">批归一化 Batch<a class=\"anchor\" href=\"#批归一化\" aria-label=\"Link to this section\">#</a></h2>\n<p>归一化 {KATEX}</p>\n<pre><code>x &lt; y</code></pre>"
        );
        let r = Record::new("/2018/x.html", "Title with $x^2$ & more", "zh-CN", &content);
        assert_eq!(r.url, "/2018/x.html");
        assert_eq!(
            r.html,
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><title>Title with $x^2$ &amp; more</title></head><body>\
             <h1 data-pagefind-meta=\"title\">Title with $x^2$ &amp; more</h1>\
             <p>Before $\\frac{a}{b} &lt; 1$ after.</p>\
             <h2 id=\"批归一化\">批归一化 Batch</h2>\
             <p>归一化 $\\frac{a}{b} &lt; 1$ x &lt; y</p></body></html>"
        );
        for markup in ["katex", "<math", "mfrac", "aria-hidden", "anchor"] {
            assert!(!r.html.contains(markup), "{markup} in {}", r.html);
        }
    }
}
