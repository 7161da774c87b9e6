//! kramdown's inline attribute lists: `{: #id .class key="value" ref}` after a span (an image,
//! a link, emphasis, code) or on a line of its own before or after a block, and attribute list
//! definitions (`{:ref: .x}`) that such a list names by `ref`.

/// One attribute list, as written: references not yet resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ial {
    pub id: Option<String>,
    pub classes: Vec<String>,
    pub pairs: Vec<(String, String)>,
    /// Bare words: names of definitions, or `toc`.
    pub refs: Vec<String>,
}

/// A line that is an attribute list or a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Ial(Ial),
    /// `{:name: …}`.
    Definition(String, Ial),
}

/// `line` (trimmed) as an attribute list or definition; `None` when it is not written as one;
/// `Some(Err)` when it is but does not parse.
pub fn line(line: &str) -> Option<Result<Line, String>> {
    let inner = line.trim().strip_prefix("{:")?.strip_suffix('}')?;
    if inner.starts_with(':') {
        return None; // `{::extension}`
    }
    let name_len = inner
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(inner.len());
    if name_len > 0 && inner[name_len..].starts_with(':') {
        let name = inner[..name_len].to_string();
        return Some(parse(&inner[name_len + 1..]).map(|ial| Line::Definition(name, ial)));
    }
    Some(parse(inner).map(Line::Ial))
}

/// The attributes of a span list whose text starts `{:` at the start of `text`: the list and
/// its length in bytes.
pub fn span(text: &str) -> Option<(Result<Ial, String>, usize)> {
    if !text.starts_with("{:") || text.starts_with("{::") {
        return None;
    }
    let end = closing_brace(text)?;
    Some((parse(&text[2..end]), end + 1))
}

/// The `}` that closes the list opening `text`, skipping quoted values.
fn closing_brace(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '}') => return Some(i),
            (None, '\n') => return None,
            _ => {}
        }
    }
    None
}

/// kramdown's list syntax: `#id`, `.class`, `key="value"`, `key='value'`, a bare reference.
pub fn parse(text: &str) -> Result<Ial, String> {
    let mut ial = Ial::default();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let word_end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let word = &rest[..word_end];
        if rest[word_end..].starts_with('=') {
            let after = &rest[word_end + 1..];
            let quote = after
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\''))
                .ok_or_else(|| format!("the value of `{word}` must be quoted"))?;
            let close = after[1..]
                .find(quote)
                .ok_or_else(|| format!("the value of `{word}` has no closing {quote}"))?;
            if word.is_empty() {
                return Err("a value without a name before its `=`".into());
            }
            let value = after[1..1 + close].to_string();
            if word == "class" {
                ial.classes
                    .extend(value.split_whitespace().map(String::from));
            } else if word == "id" {
                ial.id = Some(value);
            } else {
                ial.pairs.push((word.to_string(), value));
            }
            rest = after[close + 2..].trim_start();
            continue;
        }
        if let Some(id) = word.strip_prefix('#') {
            if id.is_empty() {
                return Err("`#` without an id".into());
            }
            ial.id = Some(id.to_string());
        } else if let Some(class) = word.strip_prefix('.') {
            if class.is_empty() {
                return Err("`.` without a class name".into());
            }
            ial.classes.push(class.to_string());
        } else if word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            ial.refs.push(word.to_string());
        } else {
            return Err(format!(
                "`{word}` is not `#id`, `.class`, `key=\"value\"` or a name"
            ));
        }
        rest = rest[word_end..].trim_start();
    }
    Ok(ial)
}

impl Ial {
    /// This list with the definitions it names merged in (theirs first, so its own win), and
    /// the names that are not defined. `toc` is kramdown's own and needs no definition.
    pub fn resolve(&self, definitions: &[(String, Ial)]) -> (Ial, Vec<String>) {
        let mut out = Ial::default();
        let mut missing = Vec::new();
        for name in &self.refs {
            match definitions.iter().rev().find(|(n, _)| n == name) {
                Some((_, d)) => out.merge(d),
                None if name == "toc" => out.refs.push(name.clone()),
                None => missing.push(name.clone()),
            }
        }
        out.merge(&Ial {
            refs: Vec::new(),
            ..self.clone()
        });
        (out, missing)
    }

    fn merge(&mut self, other: &Ial) {
        if other.id.is_some() {
            self.id.clone_from(&other.id);
        }
        self.classes.extend(other.classes.iter().cloned());
        for (k, v) in &other.pairs {
            self.pairs.retain(|(old, _)| old != k);
            self.pairs.push((k.clone(), v.clone()));
        }
        self.refs.extend(other.refs.iter().cloned());
    }

    pub fn is_toc(&self) -> bool {
        self.refs.iter().any(|r| r == "toc")
    }

    /// ` id="…" class="…" key="…"`, escaped, for an element's opening tag.
    pub fn html(&self) -> String {
        let esc = crate::html::escape;
        let mut s = String::new();
        if let Some(id) = &self.id {
            s.push_str(&format!(" id=\"{}\"", esc(id)));
        }
        if !self.classes.is_empty() {
            s.push_str(&format!(" class=\"{}\"", esc(&self.classes.join(" "))));
        }
        for (k, v) in &self.pairs {
            s.push_str(&format!(" {}=\"{}\"", esc(k), esc(v)));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_definitions_parse_as_kramdown_writes_them() {
        let Some(Ok(Line::Ial(ial))) =
            line(" {: .center #fig-1 style=\"width: 50%\" alt='a b' ref}")
        else {
            panic!()
        };
        assert_eq!(ial.id.as_deref(), Some("fig-1"));
        assert_eq!(ial.classes, ["center"]);
        assert_eq!(
            ial.pairs,
            [
                ("style".into(), "width: 50%".into()),
                ("alt".into(), "a b".into())
            ]
        );
        assert_eq!(ial.refs, ["ref"]);
        assert_eq!(
            line("{:note: .box}"),
            Some(Ok(Line::Definition(
                "note".into(),
                Ial {
                    classes: vec!["box".into()],
                    ..Ial::default()
                }
            )))
        );
        assert!(matches!(line("{:.no_toc}"), Some(Ok(Line::Ial(i))) if i.classes == ["no_toc"]));
        assert!(matches!(line("{:toc}"), Some(Ok(Line::Ial(i))) if i.is_toc()));
        assert_eq!(line("{::comment}"), None);
        assert_eq!(line("{ .x }"), None);
    }

    #[test]
    fn bad_lists_say_why() {
        for (bad, why) in [
            ("{: width=50%}", "must be quoted"),
            ("{: title=\"x}", "no closing"),
            ("{: # }", "without an id"),
            ("{: a/b }", "is not"),
        ] {
            let err = match line(bad) {
                Some(Err(e)) => e,
                other => panic!("{bad}: {other:?}"),
            };
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn a_span_list_ends_at_its_brace_even_with_one_in_a_value() {
        let (ial, len) = span("{: title=\"a}b\" .x} rest").unwrap();
        assert_eq!(len, "{: title=\"a}b\" .x}".len());
        assert_eq!(ial.unwrap().classes, ["x"]);
        assert!(span("{::nomarkdown}").is_none());
    }

    #[test]
    fn references_resolve_and_own_attributes_win() {
        let defs = vec![("r".to_string(), parse(".a #from-def k=\"1\"").unwrap())];
        let (ial, missing) = parse("r nope #own k=\"2\" toc").unwrap().resolve(&defs);
        assert_eq!(missing, ["nope"]);
        assert_eq!(ial.id.as_deref(), Some("own"));
        assert_eq!(ial.classes, ["a"]);
        assert_eq!(ial.pairs, [("k".into(), "2".into())]);
        assert!(ial.is_toc());
        assert_eq!(ial.html(), " id=\"own\" class=\"a\" k=\"2\"");
    }
}
