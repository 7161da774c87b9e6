//! What numbered things are called, in the site's language (`lang` starting with `zh`: Chinese).

use super::divs::Attrs;
use crate::html::escape;

/// A kind of numbered (or titled) thing. Theorem-like kinds are chosen by id prefix, as Quarto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Equation,
    Theorem,
    Lemma,
    Corollary,
    Proposition,
    Conjecture,
    Definition,
    Example,
    Exercise,
    Proof,
    Remark,
    Solution,
    Figure,
    Table,
}

/// Quarto's id prefixes of the numbered block kinds.
const PREFIXES: [(&str, Kind); 8] = [
    ("thm", Kind::Theorem),
    ("lem", Kind::Lemma),
    ("cor", Kind::Corollary),
    ("prp", Kind::Proposition),
    ("cnj", Kind::Conjecture),
    ("def", Kind::Definition),
    ("exm", Kind::Example),
    ("exr", Kind::Exercise),
];

impl Kind {
    /// A fenced div's kind: by its id's prefix (`#thm-…`), else by its class or word (`proof`).
    pub fn of_block(attrs: &Attrs) -> Option<Kind> {
        // Equations, figures and tables are not blocks of their own (Quarto's `::: {#fig-…}`
        // figure divs are not supported): such an id is an unknown block kind.
        if let Some(kind) = attrs.id.as_deref().and_then(Kind::of_label) {
            return kind.is_block().then_some(kind);
        }
        attrs.classes.iter().find_map(|c| match c.as_str() {
            "proof" => Some(Kind::Proof),
            "remark" => Some(Kind::Remark),
            "solution" => Some(Kind::Solution),
            _ => None,
        })
    }

    /// The kind a Quarto-style label (`thm-x`, `eq-x`) names, if its prefix is one.
    pub fn of_label(label: &str) -> Option<Kind> {
        let (prefix, rest) = label.split_once('-')?;
        if rest.is_empty() {
            return None;
        }
        match prefix {
            "eq" => return Some(Kind::Equation),
            "fig" => return Some(Kind::Figure),
            "tbl" => return Some(Kind::Table),
            _ => {}
        }
        PREFIXES.iter().find(|(p, _)| *p == prefix).map(|(_, k)| *k)
    }

    fn is_block(self) -> bool {
        !matches!(self, Kind::Equation | Kind::Figure | Kind::Table)
    }

    pub fn is_numbered(self) -> bool {
        !matches!(self, Kind::Proof | Kind::Remark | Kind::Solution)
    }

    /// The CSS class of its block.
    pub fn class(self) -> &'static str {
        match self {
            Kind::Equation => "equation",
            Kind::Theorem => "thm",
            Kind::Lemma => "lem",
            Kind::Corollary => "cor",
            Kind::Proposition => "prp",
            Kind::Conjecture => "cnj",
            Kind::Definition => "def",
            Kind::Example => "exm",
            Kind::Exercise => "exr",
            Kind::Proof => "proof",
            Kind::Remark => "remark",
            Kind::Solution => "solution",
            Kind::Figure => "figure",
            Kind::Table => "table",
        }
    }
}

pub struct Words {
    chinese: bool,
}

impl Words {
    pub fn for_lang(lang: &str) -> Words {
        Words {
            chinese: lang.to_ascii_lowercase().starts_with("zh"),
        }
    }

    pub fn name(&self, kind: Kind) -> &'static str {
        let (en, zh) = match kind {
            Kind::Equation => ("Equation", "式"),
            Kind::Theorem => ("Theorem", "定理"),
            Kind::Lemma => ("Lemma", "引理"),
            Kind::Corollary => ("Corollary", "推论"),
            Kind::Proposition => ("Proposition", "命题"),
            Kind::Conjecture => ("Conjecture", "猜想"),
            Kind::Definition => ("Definition", "定义"),
            Kind::Example => ("Example", "例"),
            Kind::Exercise => ("Exercise", "习题"),
            Kind::Proof => ("Proof", "证明"),
            Kind::Remark => ("Remark", "注"),
            Kind::Solution => ("Solution", "解"),
            Kind::Figure => ("Figure", "图"),
            Kind::Table => ("Table", "表"),
        };
        if self.chinese { zh } else { en }
    }

    /// "Theorem 1", "定理 1": how a reference reads.
    pub fn reference(&self, kind: Kind, number: &str) -> String {
        format!("{} {number}", self.name(kind))
    }

    /// What starts a figure's or table's caption: "Figure 1: ", "图 1：".
    pub fn caption(&self, kind: Kind, number: &str) -> String {
        let colon = if self.chinese { "：" } else { ": " };
        format!("{}{colon}", self.reference(kind, number))
    }

    /// The title at the start of a block, as HTML: **Theorem 1** (Name). / *Proof.*
    pub fn block_title(&self, kind: Kind, number: Option<&str>, name: Option<&str>) -> String {
        let head = match number {
            Some(n) => self.reference(kind, n),
            None => self.name(kind).to_string(),
        };
        let (open, close) = if self.chinese {
            ("（", "）")
        } else {
            (" (", ")")
        };
        let name = name
            .filter(|n| !n.trim().is_empty())
            .map(|n| format!("{open}{}{close}", escape(n)))
            .unwrap_or_default();
        let stop = if self.chinese { "" } else { "." };
        if kind.is_numbered() {
            format!("<span class=\"theorem-title\"><strong>{head}</strong>{name}{stop}</span>")
        } else {
            format!("<span class=\"theorem-title\"><em>{head}{name}{stop}</em></span>")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_prefix_and_class() {
        let id = |s: &str| Attrs {
            id: Some(s.into()),
            ..Attrs::default()
        };
        assert_eq!(Kind::of_block(&id("thm-a")), Some(Kind::Theorem));
        assert_eq!(Kind::of_block(&id("exr-1")), Some(Kind::Exercise));
        assert_eq!(Kind::of_block(&id("fig-1")), None);
        assert_eq!(Kind::of_block(&id("eq-1")), None);
        assert_eq!(Kind::of_label("tbl-x"), Some(Kind::Table));
        assert_eq!(Kind::of_block(&id("thm-")), None);
        let class = Attrs {
            classes: vec!["proof".into()],
            ..Attrs::default()
        };
        assert_eq!(Kind::of_block(&class), Some(Kind::Proof));
        assert_eq!(Kind::of_label("eq-x"), Some(Kind::Equation));
    }

    #[test]
    fn titles_in_english_and_chinese() {
        let en = Words::for_lang("en");
        assert_eq!(
            en.block_title(Kind::Theorem, Some("2"), Some("Cauchy–Schwarz")),
            "<span class=\"theorem-title\"><strong>Theorem 2</strong> (Cauchy–Schwarz).</span>"
        );
        let zh = Words::for_lang("zh-CN");
        assert_eq!(
            zh.block_title(Kind::Lemma, Some("1"), None),
            "<span class=\"theorem-title\"><strong>引理 1</strong></span>"
        );
        assert_eq!(
            zh.block_title(Kind::Proof, None, None),
            "<span class=\"theorem-title\"><em>证明</em></span>"
        );
    }
}
