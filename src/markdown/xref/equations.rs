//! Equation numbers by amsmath's rules, done by rewriting the TeX handed to KaTeX.
//!
//! KaTeX renders each formula alone, so its own numbering (a CSS counter) can neither continue
//! across formulas correctly nor be referred to. quire sees the whole post, so it gives every
//! numbered row an explicit `\tag{n}` and removes `\label{…}` (which KaTeX does not know): the
//! page then holds exactly KaTeX's output for the rewritten TeX, and the number is part of the
//! formula's cache key for free.

use std::ops::Range;

/// A `\label{…}` found in a formula, and the number of the row it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub name: String,
    /// `None` when the row has no number (a starred environment, `\nonumber`).
    pub number: Option<String>,
    /// Byte offset of `\label` in the original TeX.
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub tex: String,
    pub labels: Vec<Label>,
}

/// How an environment numbers its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// `align`, `gather`, `alignat`, `flalign`: each row.
    EachRow,
    /// `equation`: the whole body is one row.
    Whole,
    /// `multline`: one number, on the last row.
    LastRow,
}

/// The amsmath environments that number, with the KaTeX environment each becomes (KaTeX 0.16.4
/// has neither `multline` nor `flalign`; `gather` and `align` are their nearest layouts).
fn environment(name: &str) -> Option<(Scheme, bool, &'static str)> {
    let (base, starred) = match name.strip_suffix('*') {
        Some(b) => (b, true),
        None => (name, false),
    };
    let (scheme, katex) = match base {
        "equation" => (Scheme::Whole, "equation"),
        "align" => (Scheme::EachRow, "align"),
        "gather" => (Scheme::EachRow, "gather"),
        "alignat" => (Scheme::EachRow, "alignat"),
        "flalign" => (Scheme::EachRow, "align"),
        "multline" => (Scheme::LastRow, "gather"),
        _ => return None,
    };
    Some((scheme, starred, katex))
}

/// Rewrites a display formula. `next` hands out the next number (it knows the numbering mode
/// and the section); `None` from it means numbering is off, and rows that amsmath would number
/// get `\notag` so that KaTeX's own counter shows nothing either. `quarto_label` is a label
/// given outside the TeX (`$$ … $$ {#eq-x}`), which numbers a plain formula like `\label`.
pub fn number_display(
    tex: &str,
    quarto_label: Option<&str>,
    next: &mut dyn FnMut() -> Option<String>,
) -> Numbered {
    let tokens = tokenize(tex);
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut labels = Vec::new();
    let envs = top_level_environments(tex, &tokens);
    if envs.is_empty() {
        // A plain display formula: one row, numbered only when it is labelled.
        let row = row_marks(tex, &tokens, 0..tokens.len());
        let labelled = !row.labels.is_empty() || quarto_label.is_some();
        let number = match (&row.tag, labelled) {
            (Some(tag), _) => Some(tag.clone()),
            (None, true) => next().inspect(|n| {
                // A `%` comment on the last line would swallow a tag appended to it.
                let newline = if tex.contains('%') { "\n" } else { "" };
                edits.push((tex.len()..tex.len(), format!("{newline}{}", tag(n))));
            }),
            (None, false) => None,
        };
        take_labels(row.labels, &number, &mut edits, &mut labels);
        if let Some(name) = quarto_label {
            labels.push(Label {
                name: name.to_string(),
                number,
                at: 0,
            });
        }
    }
    for env in envs {
        let Some((scheme, starred, katex_name)) = environment(&env.name) else {
            continue;
        };
        if katex_name != env.name.trim_end_matches('*') {
            let star = if starred { "*" } else { "" };
            edits.push((env.name_range.clone(), format!("{katex_name}{star}")));
            edits.push((env.end_name_range.clone(), format!("{katex_name}{star}")));
        }
        let rows = match scheme {
            Scheme::Whole => vec![env.body.clone()],
            Scheme::EachRow | Scheme::LastRow => split_rows(&tokens, env.body.clone()),
        };
        let count = rows.len();
        for (i, row_tokens) in rows.into_iter().enumerate() {
            let row = row_marks(tex, &tokens, row_tokens.clone());
            let last = i + 1 == count;
            // A trailing `\\` leaves an empty last row, which amsmath does not number.
            if last && count > 1 && row.is_blank {
                continue;
            }
            let end = row.end;
            let wanted = !starred && !row.nonumber && (scheme != Scheme::LastRow || last);
            let number = match &row.tag {
                Some(tag) => Some(tag.clone()),
                None if wanted => match next() {
                    Some(n) => {
                        edits.push((end..end, tag(&n)));
                        Some(n)
                    }
                    None => {
                        edits.push((end..end, "\\notag ".into()));
                        None
                    }
                },
                // `multline`'s other rows: no number, and none from KaTeX's counter either.
                None if !starred && !row.nonumber => {
                    edits.push((end..end, "\\notag ".into()));
                    None
                }
                None => None,
            };
            take_labels(row.labels, &number, &mut edits, &mut labels);
        }
    }
    Numbered {
        tex: apply(tex, edits),
        labels,
    }
}

/// Removes a row's `\label`s from the TeX and records them with the row's number.
fn take_labels(
    found: Vec<(String, usize, Range<usize>)>,
    number: &Option<String>,
    edits: &mut Vec<(Range<usize>, String)>,
    labels: &mut Vec<Label>,
) {
    for (name, at, range) in found {
        edits.push((range, String::new()));
        labels.push(Label {
            name,
            number: number.clone(),
            at,
        });
    }
}

fn tag(n: &str) -> String {
    format!("\\tag{{{n}}}")
}

fn apply(tex: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(tex.len() + 16 * edits.len());
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&tex[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&tex[at..]);
    out
}

/// A TeX token, as far as numbering needs to tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// `\name`
    Word(String),
    /// `\` and one character (`\\`, `\{`, `\,`)
    Symbol(char),
    Open,
    Close,
    Other(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    range: Range<usize>,
}

/// TeX's tokens, with `%` comments dropped (KaTeX honours them too).
fn tokenize(tex: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = tex.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let tok = match c {
            '\\' => match chars.peek().copied() {
                Some((_, l)) if l.is_ascii_alphabetic() => {
                    let mut name = String::new();
                    while let Some(&(_, l)) = chars.peek().filter(|(_, l)| l.is_ascii_alphabetic())
                    {
                        name.push(l);
                        chars.next();
                    }
                    Tok::Word(name)
                }
                Some((_, s)) => {
                    chars.next();
                    Tok::Symbol(s)
                }
                None => Tok::Other('\\'),
            },
            '%' => {
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
                continue;
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            c => Tok::Other(c),
        };
        let end = chars.peek().map_or(tex.len(), |(j, _)| *j);
        out.push(Token { tok, range: i..end });
    }
    out
}

/// The text of a `{…}` group starting at token `i` (after spaces), and the token after it.
fn group(tex: &str, tokens: &[Token], mut i: usize) -> Option<(String, usize, Range<usize>)> {
    while tokens
        .get(i)
        .is_some_and(|t| matches!(t.tok, Tok::Other(c) if c.is_whitespace()))
    {
        i += 1;
    }
    if tokens.get(i)?.tok != Tok::Open {
        return None;
    }
    let start = tokens[i].range.end;
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(i) {
        match t.tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    let inner = start..t.range.start;
                    return Some((tex[inner.clone()].trim().to_string(), j + 1, inner));
                }
            }
            _ => {}
        }
    }
    None
}

struct Env {
    name: String,
    name_range: Range<usize>,
    end_name_range: Range<usize>,
    /// Token indices of the body.
    body: Range<usize>,
}

/// `\begin{…}…\end{…}` pairs at the formula's top level (outside braces and other environments).
fn top_level_environments(tex: &str, tokens: &[Token]) -> Vec<Env> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].tok {
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            Tok::Word(w) if w == "begin" && depth == 0 => {
                if let Some((name, after, name_range)) = group(tex, tokens, i + 1)
                    && let Some((end_at, end_name_range)) = matching_end(tex, tokens, after)
                {
                    out.push(Env {
                        name,
                        name_range,
                        end_name_range,
                        body: after..end_at,
                    });
                    i = end_at + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The token index of the `\end` closing an environment whose body starts at `from`.
fn matching_end(tex: &str, tokens: &[Token], from: usize) -> Option<(usize, Range<usize>)> {
    let mut nesting = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(from) {
        match &t.tok {
            Tok::Word(w) if w == "begin" => nesting += 1,
            Tok::Word(w) if w == "end" => {
                if nesting == 0 {
                    let (_, _, range) = group(tex, tokens, i + 1)?;
                    return Some((i, range));
                }
                nesting -= 1;
            }
            _ => {}
        }
    }
    None
}

/// Splits an environment's body at `\\` outside braces and nested environments.
fn split_rows(tokens: &[Token], body: Range<usize>) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = body.start;
    let (mut braces, mut envs) = (0usize, 0usize);
    for i in body.clone() {
        match &tokens[i].tok {
            Tok::Open => braces += 1,
            Tok::Close => braces = braces.saturating_sub(1),
            Tok::Word(w) if w == "begin" => envs += 1,
            Tok::Word(w) if w == "end" => envs = envs.saturating_sub(1),
            Tok::Symbol('\\') if braces == 0 && envs == 0 => {
                rows.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    rows.push(start..body.end);
    rows
}

/// What numbering needs to know about one row.
struct RowMarks {
    /// Where a `\tag` goes: the end of the row's TeX, before the `\\` that ends it.
    end: usize,
    tag: Option<String>,
    nonumber: bool,
    /// Name, byte offset of `\label`, and the byte range to remove.
    labels: Vec<(String, usize, Range<usize>)>,
    is_blank: bool,
}

fn row_marks(tex: &str, tokens: &[Token], row: Range<usize>) -> RowMarks {
    let end = tokens.get(row.end).map_or(tex.len(), |t| t.range.start);
    let mut marks = RowMarks {
        end,
        tag: None,
        nonumber: false,
        labels: Vec::new(),
        is_blank: tokens[row.clone()]
            .iter()
            .all(|t| matches!(t.tok, Tok::Other(c) if c.is_whitespace())),
    };
    let mut i = row.start;
    while i < row.end {
        match &tokens[i].tok {
            Tok::Word(w) if w == "label" => {
                if let Some((name, after, _)) = group(tex, tokens, i + 1) {
                    let range = tokens[i].range.start..tokens[after - 1].range.end;
                    marks.labels.push((name, tokens[i].range.start, range));
                    i = after;
                    continue;
                }
            }
            Tok::Word(w) if w == "tag" => {
                let star = tokens.get(i + 1).is_some_and(|t| t.tok == Tok::Other('*'));
                if let Some((text, after, _)) = group(tex, tokens, i + 1 + usize::from(star)) {
                    marks.tag = Some(text);
                    i = after;
                    continue;
                }
            }
            Tok::Word(w) if w == "nonumber" || w == "notag" => marks.nonumber = true,
            _ => {}
        }
        i += 1;
    }
    marks
}

/// `\ref{name}` and `\eqref{name}` in a formula: the byte range, whether it is `\eqref`, and
/// the name, in order.
pub fn references(tex: &str) -> Vec<(Range<usize>, bool, String)> {
    let tokens = tokenize(tex);
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Tok::Word(w) = &t.tok
            && (w == "ref" || w == "eqref")
            && let Some((name, after, _)) = group(tex, &tokens, i + 1)
        {
            let range = t.range.start..tokens[after - 1].range.end;
            out.push((range, w == "eqref", name));
        }
    }
    out
}

/// Replaces each `\ref`/`\eqref` of a formula with the text `number` gives it.
pub fn replace_references(tex: &str, mut number: impl FnMut(bool, &str) -> String) -> String {
    let edits = references(tex)
        .into_iter()
        .map(|(range, eq, name)| (range, number(eq, &name)))
        .collect();
    apply(tex, edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut() -> Option<String> {
        let mut n = 0;
        move || {
            n += 1;
            Some(n.to_string())
        }
    }

    fn number(tex: &str) -> Numbered {
        number_display(tex, None, &mut counter())
    }

    fn label(name: &str, number: Option<&str>, at: usize) -> Label {
        Label {
            name: name.into(),
            number: number.map(Into::into),
            at,
        }
    }

    #[test]
    fn each_row_of_align_is_numbered_unless_nonumber_or_tagged() {
        let out = number(
            "\\begin{align}a&=b\\label{first}\\\\c&=d\\nonumber\\\\e&=f\\tag{*}\\\\g&=h\\end{align}",
        );
        assert_eq!(
            out.tex,
            "\\begin{align}a&=b\\tag{1}\\\\c&=d\\nonumber\\\\e&=f\\tag{*}\\\\g&=h\\tag{2}\\end{align}"
        );
        assert_eq!(out.labels, [label("first", Some("1"), 17)]);
    }

    #[test]
    fn starred_environments_number_nothing() {
        let tex = "\\begin{align*}a&=b\\\\c&=d\\end{align*}";
        assert_eq!(number(tex).tex, tex);
        let out = number("\\begin{gather*}a\\label{x}\\end{gather*}");
        assert_eq!(out.labels[0].number, None);
    }

    #[test]
    fn equation_has_one_number_even_around_a_split() {
        let out = number(
            "\\begin{equation}\\label{e}\\begin{split}a&=b\\\\&=c\\end{split}\\end{equation}",
        );
        assert_eq!(
            out.tex,
            "\\begin{equation}\\begin{split}a&=b\\\\&=c\\end{split}\\tag{1}\\end{equation}"
        );
        assert_eq!(out.labels[0].number.as_deref(), Some("1"));
    }

    #[test]
    fn multline_and_flalign_become_what_katex_has() {
        assert_eq!(
            number("\\begin{multline}a\\\\b\\end{multline}").tex,
            "\\begin{gather}a\\notag \\\\b\\tag{1}\\end{gather}"
        );
        assert_eq!(
            number("\\begin{flalign*}a&b\\end{flalign*}").tex,
            "\\begin{align*}a&b\\end{align*}"
        );
    }

    #[test]
    fn plain_display_is_numbered_only_with_a_label() {
        assert_eq!(number("x^2").tex, "x^2");
        let out = number("x^2 \\label{sq}");
        assert_eq!(out.tex, "x^2 \\tag{1}");
        assert_eq!(out.labels, [label("sq", Some("1"), 4)]);
        let out = number_display("y", Some("eq-y"), &mut counter());
        assert_eq!(out.tex, "y\\tag{1}");
        assert_eq!(out.labels, [label("eq-y", Some("1"), 0)]);
        let out = number("z \\tag{A}\\label{a}");
        assert_eq!(out.tex, "z \\tag{A}");
        assert_eq!(out.labels[0].number.as_deref(), Some("A"));
    }

    #[test]
    fn nested_rows_and_braces_do_not_split_rows() {
        let out = number(
            "\\begin{align}f(x)&=\\begin{cases}1\\\\0\\end{cases}\\\\{a\\\\b}&=c\\\\\\end{align}",
        );
        // Two rows; the trailing `\\` leaves an empty row without a number.
        assert_eq!(out.tex.matches("\\tag").count(), 2, "{}", out.tex);
    }

    #[test]
    fn numbering_off_silences_katex_counter() {
        let out = number_display("\\begin{align}a\\\\b\\end{align}", None, &mut || None);
        assert_eq!(out.tex, "\\begin{align}a\\notag \\\\b\\notag \\end{align}");
    }

    #[test]
    fn comments_and_escaped_braces_are_not_structure() {
        let out = number("\\begin{align}a\\{ % \\\\ not a row\n&=b\\end{align}");
        assert_eq!(out.tex.matches("\\tag").count(), 1, "{}", out.tex);
    }

    #[test]
    fn references_are_found_and_replaced() {
        let tex = "x \\eqref{a} + \\ref{ b }";
        assert_eq!(
            references(tex),
            [(2..11, true, "a".into()), (14..23, false, "b".into())]
        );
        let out = replace_references(tex, |eq, n| format!("[{eq}{n}]"));
        assert_eq!(out, "x [truea] + [falseb]");
    }
}
