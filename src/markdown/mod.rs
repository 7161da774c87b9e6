//! Markdown stage: a post body → HTML, a table of contents and an excerpt. Each pass is a small
//! function over pulldown-cmark's event stream, run in this order:
//! CJK emphasis → heading ids → code → math → East Asian line breaks → HTML.

pub mod cjk;
pub mod headings;
pub mod highlight;
pub mod math;

use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::config::MarkdownConfig;
use crate::error::{Error, Location, line_col};
use headings::TocEntry;
use highlight::Highlighter;
use math::{Formula, MathCache};

/// The extensions the site's Markdown dialect has: GFM plus math.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_MATH
}

/// A post's body with where it sits in its file, so messages can give file:line:col.
pub struct Input<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub body_offset: usize,
}

impl Input<'_> {
    fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    fn location(&self, body_pos: usize) -> Location {
        let (line, col) = line_col(self.text, self.body_offset + body_pos);
        Location::at(self.path, line, col)
    }
}

/// What the passes need besides the text; all shared read-only across threads.
pub struct Renderer<'a> {
    pub config: &'a MarkdownConfig,
    pub math: &'a MathCache,
    pub highlighter: &'a Highlighter,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// The first paragraph, as HTML.
    pub excerpt: String,
    pub has_math: bool,
    /// KaTeX errors, each with the file:line:col of its formula.
    pub warnings: Vec<Error>,
    /// Mistakes that make the page wrong (a broken `conv` block, a formula over a math limit):
    /// the build fails.
    pub errors: Vec<Error>,
    /// Animations described by `conv` blocks, for the GIF stage.
    pub animations: Vec<crate::conv::Params>,
}

/// The formulas of a body in document order, as pulldown-cmark delivers them.
pub fn formulas(body: &str) -> Vec<Formula> {
    Parser::new_ext(body, options())
        .filter_map(|e| match e {
            Event::InlineMath(t) => Some(Formula {
                tex: t.into_string(),
                display: false,
            }),
            Event::DisplayMath(t) => Some(Formula {
                tex: t.into_string(),
                display: true,
            }),
            _ => None,
        })
        .collect()
}

pub fn render(input: &Input<'_>, r: &Renderer<'_>) -> Rendered {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(input.body(), options())
        .into_offset_iter()
        .collect();
    let events = if r.config.cjk_friendly_emphasis {
        cjk::cjk_friendly_emphasis(input.body(), events)
    } else {
        events
    };
    let (events, toc) = headings::assign_ids(events);
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut animations = Vec::new();
    let events = code_blocks(events, input, r.highlighter, &mut animations, &mut errors);
    let (events, has_math) = render_math(events, input, r.math, &mut warnings, &mut errors);
    let events = if r.config.east_asian_line_breaks {
        cjk::east_asian_line_breaks(events)
    } else {
        events
    };
    let mut html = String::with_capacity(input.body().len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    let excerpt = first_paragraph(&events);
    Rendered {
        html,
        toc,
        excerpt,
        has_math,
        warnings,
        errors,
        animations,
    }
}

/// Replaces math events with KaTeX's HTML from the cache (filled beforehand for all posts).
fn render_math<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    input: &Input<'_>,
    cache: &MathCache,
    warnings: &mut Vec<Error>,
    errors: &mut Vec<Error>,
) -> (Vec<Event<'a>>, bool) {
    let mut has_math = false;
    let out = events
        .into_iter()
        .map(|(event, range)| {
            let (tex, display) = match event {
                Event::InlineMath(t) => (t, false),
                Event::DisplayMath(t) => (t, true),
                other => return other,
            };
            has_math = true;
            let formula = Formula {
                tex: tex.into_string(),
                display,
            };
            let html = match cache.get(&formula) {
                Some(Ok(html)) => html.clone(),
                Some(Err(e)) => {
                    let error = Error::at(input.location(range.start), e.to_string());
                    if e.is_fatal() {
                        errors.push(error);
                    } else {
                        warnings.push(error);
                    }
                    // The page shows KaTeX's own words, as KaTeX's `throwOnError: false` would.
                    let shown = match e {
                        math::MathError::Katex(msg) => msg.clone(),
                        other => other.to_string(),
                    };
                    math::error_html(&formula, &shown)
                }
                None => {
                    // A caller forgot the prepass: render here rather than drop the formula.
                    let msg = "formula was not rendered (internal: missing from math cache)";
                    warnings.push(Error::at(input.location(range.start), msg));
                    math::error_html(&formula, msg)
                }
            };
            Event::InlineHtml(CowStr::from(html))
        })
        .collect();
    (out, has_math)
}

/// Turns each code block (start, text…, end) into one HTML event: highlighted code, or for the
/// `conv` language the animation it describes (recorded in `animations` for the GIF stage).
fn code_blocks<'a>(
    events: Vec<(Event<'a>, Range<usize>)>,
    input: &Input<'_>,
    highlighter: &Highlighter,
    animations: &mut Vec<crate::conv::Params>,
    errors: &mut Vec<Error>,
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out = Vec::with_capacity(events.len());
    let mut block: Option<(String, String, Range<usize>)> = None;
    for (event, range) in events {
        match (&mut block, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                block = Some((lang, String::new(), range));
            }
            (Some((_, code, _)), Event::Text(t)) => code.push_str(&t),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (lang, code, range) = block.take().unwrap_or_default();
                let html = if lang.split_whitespace().next() == Some("conv") {
                    conv_block(&code, input, range.start, animations, errors)
                } else {
                    highlighter.highlight(&code, &lang)
                };
                out.push((Event::Html(CowStr::from(html)), range));
            }
            (Some(_), _) => {}
            (None, other) => out.push((other, range)),
        }
    }
    out
}

fn conv_block(
    code: &str,
    input: &Input<'_>,
    fence_at: usize,
    animations: &mut Vec<crate::conv::Params>,
    errors: &mut Vec<Error>,
) -> String {
    let parsed = crate::conv::parse_conv_block(code);
    match parsed.and_then(|p| crate::gifs::conv_block_html(&p).map(|html| (p, html))) {
        Ok((params, html)) => {
            animations.push(params);
            html
        }
        Err(e) => {
            let msg = e.to_string();
            errors.push(Error::conv(input.location(fence_at), e));
            format!(
                "<pre class=\"katex-error\">{}</pre>\n",
                crate::html::escape(&msg)
            )
        }
    }
}

fn first_paragraph(events: &[Event<'_>]) -> String {
    let Some(start) = events
        .iter()
        .position(|e| matches!(e, Event::Start(Tag::Paragraph)))
    else {
        return String::new();
    };
    let end = events[start..]
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))
        .map_or(events.len(), |p| start + p + 1);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events[start..end].iter().cloned());
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MathConfig;

    fn render_str(md: &str) -> Rendered {
        let mut cache = MathCache::new(&MathConfig::default());
        cache.render_missing(&formulas(md));
        let h = Highlighter::default();
        let config = MarkdownConfig::default();
        let r = Renderer {
            config: &config,
            math: &cache,
            highlighter: &h,
        };
        render(
            &Input {
                path: Path::new("posts/t.md"),
                text: md,
                body_offset: 0,
            },
            &r,
        )
    }

    #[test]
    fn math_becomes_katex_and_no_dollars_remain() {
        let out = render_str("a $x^2$ b\n\n$$\\sum_i i$$\n");
        assert!(out.has_math);
        assert!(!out.html.contains('$'), "{}", out.html);
        assert_eq!(out.html.matches("class=\"katex\"").count(), 2);
        assert!(out.html.contains("katex-display"));
    }

    #[test]
    fn katex_error_is_a_located_warning_and_visible() {
        let out = render_str("line one\n\ntext $\\nope{1}$ more\n");
        assert_eq!(out.warnings.len(), 1);
        let w = out.warnings[0].to_string();
        assert!(
            w.starts_with("posts/t.md:3:6: KaTeX: KaTeX parse error"),
            "{w}"
        );
        assert!(
            out.html.contains("class=\"katex-error math-error\""),
            "{}",
            out.html
        );
        assert!(out.html.contains("\\nope{1}"));
    }

    #[test]
    fn formula_over_a_limit_is_a_located_error_not_a_warning() {
        let md = "text\n\nsee $x+y+z$ and $a$\n";
        let mut cache = MathCache::new(&MathConfig {
            max_formula_bytes: 3,
            ..Default::default()
        });
        cache.render_missing(&formulas(md));
        let h = Highlighter::default();
        let config = MarkdownConfig::default();
        let r = Renderer {
            config: &config,
            math: &cache,
            highlighter: &h,
        };
        let input = Input {
            path: Path::new("posts/t.md"),
            text: md,
            body_offset: 0,
        };
        let out = render(&input, &r);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        let e = out.errors[0].to_string();
        assert!(
            e.starts_with("posts/t.md:3:5: formula is 5 bytes, over the limit of 3 bytes"),
            "{e}"
        );
        assert_eq!(out.html.matches("class=\"katex\"").count(), 1);
    }

    #[test]
    fn raw_html_passes_through() {
        let md = "<table>\n<tr>\n    <td><img width=\"150px\" src=\"/gif/a.gif\"></td>\n</tr>\n</table>\n";
        assert!(
            render_str(md)
                .html
                .contains("<img width=\"150px\" src=\"/gif/a.gif\">")
        );
    }

    #[test]
    fn code_is_highlighted_and_excerpt_is_first_paragraph() {
        let out = render_str("# T\n\nFirst *para*.\n\n```python\nx = 1\n```\n");
        assert!(out.html.contains("language-python"));
        assert_eq!(out.excerpt, "<p>First <em>para</em>.</p>\n");
        assert_eq!(out.toc.len(), 1);
    }

    #[test]
    fn conv_block_becomes_an_image_with_alt_text() {
        let out = render_str("```conv\ninput = 5\nkernel = 3\nstride = 2\npadding = 1\n```\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.animations.len(), 1);
        assert!(out.html.contains("<img src=\"/gif/conv-"), "{}", out.html);
        assert!(
            out.html
                .contains("5×5 input, 3×3 kernel, padding 1, stride 2"),
            "{}",
            out.html
        );
        assert!(out.html.contains("3×3 output"), "{}", out.html);
    }

    #[test]
    fn broken_conv_block_is_a_located_error() {
        let out = render_str("text\n\n```conv\ninput = 3\nkernel = 5\n```\n");
        assert_eq!(out.errors.len(), 1);
        let e = out.errors[0].to_string();
        assert!(e.starts_with("posts/t.md:3:1: "), "{e}");
        assert!(out.animations.is_empty());
    }

    #[test]
    fn gfm_extensions() {
        let out = render_str("| a |\n|---|\n| b |\n\n~~s~~ [^1]\n\n- [x] done\n\n[^1]: note\n");
        for needle in ["<table>", "<del>", "checkbox", "footnote"] {
            assert!(out.html.contains(needle), "{needle}: {}", out.html);
        }
    }
}
