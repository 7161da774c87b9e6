//! Splits a post into YAML front matter and Markdown body, and parses the YAML into
//! [`FrontMatter`]. Errors point at the line in the post file, not in the YAML snippet.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Location, Result};

/// Front matter as the author wrote it. Fields Jekyll gives meaning to are typed; everything
/// else lands in `extra` and reaches templates as `page.extra`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct FrontMatter {
    pub layout: Option<String>,
    pub title: Option<String>,
    /// Kept as text: its meaning depends on the site's time zone, decided in `date.rs`.
    pub date: Option<Scalar>,
    pub categories: Option<Value>,
    pub category: Option<Value>,
    pub tags: Option<Value>,
    pub tag: Option<Value>,
    pub slug: Option<String>,
    pub permalink: Option<String>,
    pub published: Option<bool>,
    pub excerpt: Option<String>,
    /// Math macros for this post only, as `[math] macros` in `site.toml`: `"\\R": "\\mathbb{R}"`.
    pub macros: Option<PostMacros>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Front matter `macros:`, a map from macro names (`\R`) to their expansions. Read by hand so
/// that a value of the wrong shape says what was expected, at its line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostMacros(pub BTreeMap<String, String>);

const MACROS_EXPECTED: &str =
    "a map from macro names to their expansions, such as `\"\\\\R\": \"\\\\mathbb{R}\"`";

impl<'de> Deserialize<'de> for PostMacros {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Map;
        impl<'de> serde::de::Visitor<'de> for Map {
            type Value = PostMacros;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "`macros:` to be {MACROS_EXPECTED}")
            }
            fn visit_unit<E>(self) -> std::result::Result<PostMacros, E> {
                Ok(PostMacros::default())
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<PostMacros, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    if !name.starts_with('\\') {
                        return Err(serde::de::Error::custom(format!(
                            "macros: macro name `{name}` must start with a backslash"
                        )));
                    }
                    let Expansion(expansion) = map.next_value()?;
                    out.insert(name, expansion);
                }
                Ok(PostMacros(out))
            }
        }
        struct Expansion(String);
        impl<'de> Deserialize<'de> for Expansion {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                struct Text;
                impl serde::de::Visitor<'_> for Text {
                    type Value = Expansion;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        write!(
                            f,
                            "a macro's expansion to be a string such as `\\mathbb{{R}}`"
                        )
                    }
                    fn visit_str<E>(self, v: &str) -> std::result::Result<Expansion, E> {
                        Ok(Expansion(v.to_string()))
                    }
                    fn visit_i64<E>(self, v: i64) -> std::result::Result<Expansion, E> {
                        Ok(Expansion(v.to_string()))
                    }
                    fn visit_u64<E>(self, v: u64) -> std::result::Result<Expansion, E> {
                        Ok(Expansion(v.to_string()))
                    }
                    fn visit_f64<E>(self, v: f64) -> std::result::Result<Expansion, E> {
                        Ok(Expansion(v.to_string()))
                    }
                }
                d.deserialize_any(Text)
            }
        }
        d.deserialize_any(Map)
    }
}

/// A YAML scalar that may arrive as a string or a number (`date: 2019` is legal YAML).
#[derive(Debug, Deserialize, Clone, PartialEq)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Int(i64),
}

impl Scalar {
    pub fn as_text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
        }
    }
}

/// A post split at its front matter fences.
#[derive(Debug)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line in the file where the YAML starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// Byte offset of `body` in the whole file, to map Markdown offsets to file lines.
    pub body_offset: usize,
}

/// Jekyll's rule: the file starts with a `---` line, and the front matter ends at the next line
/// that is `---` or `...`. A file without that opening line has no front matter.
pub fn split(text: &str) -> Option<Split<'_>> {
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            let body_offset = (line_end + 1).min(text.len());
            return Some(Split {
                yaml: &text[yaml_start..pos],
                yaml_line: 2,
                body: &text[body_offset..],
                body_offset,
            });
        }
        if line_end == text.len() {
            break;
        }
        pos = line_end + 1;
    }
    None
}

/// Parses front matter YAML. `path` is what error messages show.
pub fn parse(split: &Split<'_>, path: &Path) -> Result<FrontMatter> {
    if split.yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    serde_saphyr::from_str::<FrontMatter>(split.yaml).map_err(|e| {
        let loc = match e.location() {
            Some(l) if l.line() > 0 => Location::at(
                path,
                split.yaml_line + l.line() as usize - 1,
                l.column().max(1) as usize,
            ),
            _ => Location::file(path),
        };
        Error::at(loc, format!("front matter: {}", first_line(&e.to_string())))
    })
}

/// The front matter of a file split as [`split`] does: parsed, or all defaults when the file
/// has none.
pub fn parse_or_default(split: Option<&Split<'_>>, path: &Path) -> Result<FrontMatter> {
    match split {
        Some(s) => parse(s, path),
        None => Ok(FrontMatter::default()),
    }
}

/// Where a message about the value of `key` points: its line in `path`, or the file when the
/// key is not written.
pub fn key_location(split: Option<&Split<'_>>, path: &Path, key: &str) -> Location {
    match split.and_then(|s| key_line(s, key)) {
        Some(line) => Location::at(path, line, 1),
        None => Location::file(path),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// The 1-based file line of a top-level front matter key, for messages about its value.
pub fn key_line(split: &Split<'_>, key: &str) -> Option<usize> {
    split
        .yaml
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| split.yaml_line + i)
}

/// Jekyll's list fields accept `a b c` (split on whitespace) or a YAML list.
pub fn string_list(value: &Option<Value>, split_strings: bool) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if split_strings => s.split_whitespace().map(String::from).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(other) => scalar_text(other).into_iter().collect(),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_jekyll_front_matter() {
        let text = "---\ntitle: x\n---\n# Body\n";
        let s = split(text).unwrap();
        assert_eq!(s.yaml, "title: x\n");
        assert_eq!(s.body, "# Body\n");
        assert_eq!(&text[s.body_offset..], "# Body\n");
    }

    #[test]
    fn accepts_dots_terminator_and_crlf() {
        let s = split("---\r\ntitle: x\r\n...\r\nbody").unwrap();
        assert_eq!(s.yaml, "title: x\r\n");
        assert_eq!(s.body, "body");
    }

    #[test]
    fn no_front_matter() {
        assert!(split("# just markdown\n").is_none());
        assert!(split("---\nnever closed\n").is_none());
    }

    #[test]
    fn seed_style_front_matter_parses() {
        let text = "---\nlayout: post\ntitle:  \"深度学习\"\ndate:   2018-12-31 15:30:58 +0800\ncategories: jekyll update\nmathjax: true\n---\n";
        let s = split(text).unwrap();
        let fm = parse(&s, Path::new("p.md")).unwrap();
        assert_eq!(fm.title.as_deref(), Some("深度学习"));
        assert_eq!(fm.date.unwrap().as_text(), "2018-12-31 15:30:58 +0800");
        assert_eq!(string_list(&fm.categories, true), ["jekyll", "update"]);
        assert_eq!(fm.extra["mathjax"], Value::Bool(true));
        assert_eq!(key_line(&s, "date"), Some(4));
    }

    #[test]
    fn bad_yaml_names_file_line() {
        let text = "---\ntitle: ok\ncategories: [a, b\nlayout: post\n---\nbody";
        let s = split(text).unwrap();
        let err = parse(&s, Path::new("posts/bad.md"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("posts/bad.md:"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        assert!((3..=5).contains(&line), "{err}");
    }

    #[test]
    fn macros_are_a_map_of_strings() {
        let text =
            "---\ntitle: t\nmacros:\n  \"\\\\R\": \"\\\\mathbb{R}\"\n  '\\N': '\\mathbb{N}'\n---\n";
        let fm = parse(&split(text).unwrap(), Path::new("p.md")).unwrap();
        let m = fm.macros.unwrap().0;
        assert_eq!(m["\\R"], "\\mathbb{R}");
        assert_eq!(m["\\N"], "\\mathbb{N}");
        // A number is text to KaTeX; an empty `macros:` is no macros.
        let text = "---\nmacros:\n  \\half: 0.5\n---\n";
        let fm = parse(&split(text).unwrap(), Path::new("p.md")).unwrap();
        assert_eq!(fm.macros.unwrap().0["\\half"], "0.5");
        let fm = parse(&split("---\nmacros:\n---\n").unwrap(), Path::new("p.md")).unwrap();
        assert!(fm.macros.unwrap_or_default().0.is_empty());
        // Each wrong shape, at its line (the file's: the YAML starts on line 2).
        #[rustfmt::skip]
        let cases = [
            ("macros: \\R\n", "p.md:3:1:", "expected `macros:` to be a map from macro names to their expansions"),
            ("macros:\n  - \\R\n", "p.md:3:1:", "expected `macros:` to be a map"),
            ("macros:\n  \\R:\n    a: b\n", "p.md:5:5:", "expected a macro's expansion to be a string"),
            ("macros:\n  \\R: [a]\n", "p.md:4:3:", "expected a macro's expansion to be a string"),
            ("macros:\n  \\R: true\n", "p.md:4:3:", "expected a macro's expansion to be a string"),
            ("macros:\n  R: a\n", "p.md:4:3:", "macro name `R` must start with a backslash"),
        ];
        for (bad, at, says) in cases {
            let text = format!("---\ntitle: t\n{bad}---\n");
            let e = parse(&split(&text).unwrap(), Path::new("p.md"))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(at) && e.contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn list_fields() {
        let v = Some(serde_json::json!(["Machine Learning", "news", 2019]));
        assert_eq!(string_list(&v, true), ["Machine Learning", "news", "2019"]);
        let v = Some(serde_json::json!("a b"));
        assert_eq!(string_list(&v, false), ["a b"]);
    }
}
