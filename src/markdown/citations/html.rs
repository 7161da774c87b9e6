//! hayagriva's formatted output → HTML pieces. Its own HTML writer does not escape text, so the
//! tree is walked here; a formula (`$L^2$` in a title) stays a formula for the KaTeX pass.

use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{ElemChild, ElemChildren, ElemMeta, Formatting};

use crate::html::escape;

/// A run of HTML, or TeX to render inline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Piece {
    Html(String),
    Math(String),
}

/// What wraps the part of a citation that stands for one of its items (a link to the entry).
pub trait Wrap {
    /// Opening and closing HTML around item `idx` of the citation request.
    fn item(&mut self, idx: usize) -> Option<(String, String)>;
}

/// No wrapping: for bibliography entries.
pub struct Plain;

impl Wrap for Plain {
    fn item(&mut self, _: usize) -> Option<(String, String)> {
        None
    }
}

pub struct Writer<'w, W: Wrap> {
    wrap: &'w mut W,
    pieces: Vec<Piece>,
}

impl<'w, W: Wrap> Writer<'w, W> {
    pub fn new(wrap: &'w mut W) -> Self {
        Writer {
            wrap,
            pieces: Vec::new(),
        }
    }

    pub fn finish(self) -> Vec<Piece> {
        self.pieces
    }

    fn html(&mut self, s: &str) {
        match self.pieces.last_mut() {
            Some(Piece::Html(h)) => h.push_str(s),
            _ => self.pieces.push(Piece::Html(s.to_string())),
        }
    }

    pub fn children(&mut self, children: &ElemChildren) {
        for child in &children.0 {
            self.child(child);
        }
    }

    fn child(&mut self, child: &ElemChild) {
        match child {
            ElemChild::Text(t) => self.formatted(&t.formatting, &escape(&t.text)),
            ElemChild::Elem(e) => {
                let wrap = match e.meta {
                    Some(ElemMeta::Entry(idx)) => self.wrap.item(idx),
                    _ => None,
                };
                if let Some((open, _)) = &wrap {
                    self.html(open);
                }
                self.children(&e.children);
                if let Some((_, close)) = &wrap {
                    self.html(close);
                }
            }
            ElemChild::Markup(tex) => self.pieces.push(Piece::Math(tex.clone())),
            ElemChild::Link { text, url } => {
                self.html(&format!("<a href=\"{}\">", escape(url)));
                self.formatted(&text.formatting, &escape(&text.text));
                self.html("</a>");
            }
            ElemChild::Transparent { .. } => {}
        }
    }

    fn formatted(&mut self, f: &Formatting, escaped: &str) {
        let tags: Vec<(&str, &str)> = [
            (f.font_style == FontStyle::Italic).then_some(("<i>", "</i>")),
            (f.font_weight == FontWeight::Bold).then_some(("<b>", "</b>")),
            (f.font_variant == FontVariant::SmallCaps)
                .then_some(("<span class=\"small-caps\">", "</span>")),
            (f.text_decoration == TextDecoration::Underline).then_some(("<u>", "</u>")),
            (f.vertical_align == VerticalAlign::Sup).then_some(("<sup>", "</sup>")),
            (f.vertical_align == VerticalAlign::Sub).then_some(("<sub>", "</sub>")),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (open, _) in &tags {
            self.html(open);
        }
        self.html(escaped);
        for (_, close) in tags.iter().rev() {
            self.html(close);
        }
    }
}

/// The pieces of `children`, each cited item wrapped as `wrap` says.
pub fn pieces(children: &ElemChildren, wrap: &mut impl Wrap) -> Vec<Piece> {
    let mut w = Writer::new(wrap);
    w.children(children);
    w.finish()
}

/// The pieces as one HTML string, formulas as their escaped TeX between `$` (for places that
/// cannot hold rendered math, such as inside a citation link).
pub fn flatten(pieces: Vec<Piece>) -> String {
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Html(h) => h,
            Piece::Math(tex) => format!("${}$", escape(&tex)),
        })
        .collect()
}

/// Plain text, for a `title` attribute: formulas as TeX.
pub fn plain(children: &ElemChildren) -> String {
    format!("{children:#}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayagriva::{Elem, Formatted};

    #[test]
    fn text_is_escaped_formatting_tagged_and_math_kept_apart() {
        let italic = Formatting {
            font_style: FontStyle::Italic,
            ..Formatting::default()
        };
        let children = ElemChildren(vec![
            ElemChild::Text(Formatted {
                text: "A <b> & ".into(),
                formatting: italic,
            }),
            ElemChild::Markup("L^2".into()),
            ElemChild::Elem(Elem {
                children: ElemChildren(vec![ElemChild::Text(Formatted {
                    text: "1".into(),
                    formatting: Formatting::default(),
                })]),
                display: None,
                meta: Some(ElemMeta::Entry(0)),
            }),
        ]);
        struct Link;
        impl Wrap for Link {
            fn item(&mut self, idx: usize) -> Option<(String, String)> {
                Some((format!("<a href=\"#{idx}\">"), "</a>".into()))
            }
        }
        assert_eq!(
            pieces(&children, &mut Link),
            [
                Piece::Html("<i>A &lt;b&gt; &amp; </i>".into()),
                Piece::Math("L^2".into()),
                Piece::Html("<a href=\"#0\">1</a>".into()),
            ]
        );
        assert_eq!(plain(&children), "A <b> & L^21");
    }
}
