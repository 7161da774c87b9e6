//! `macros.tex` → the name → expansion map that KaTeX's `macros` option takes, with each
//! mistake located at its line and column.
//!
//! The file holds LaTeX preamble definitions and nothing else: `\newcommand`,
//! `\renewcommand` (each also starred), `\def` and `\DeclareMathOperator` (also starred), with
//! `%` comments. No maintained crate reads these, so this is a small scanner of its own. It
//! reads only as much TeX as definitions need: control sequences (so `\{`, `\}`, `\%` and
//! `\#` are not braces, comments or parameters), brace groups, comments and `#` parameters.
//!
//! KaTeX's string macros have no argument count of their own: KaTeX takes as many arguments as
//! the longest run `#1`, `#2`, … found in the expansion text (after dropping `##`), so
//! `\newcommand{\second}[2]{#2}` handed over as `#2` would take *no* argument. A definition
//! here keeps the count it declares, as LaTeX does: each declared argument the body does not
//! use is consumed and dropped by a `\@secondoftwo{#n}{}` (a KaTeX builtin) put before the body.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Location, Result, line_col};

/// Macro name (with its backslash) → expansion, as KaTeX's `macros` option takes them.
pub type Macros = BTreeMap<String, String>;

/// The default name of the shared macros file, at the site root.
pub const DEFAULT_FILE: &str = "macros.tex";

/// What the file may hold, for messages.
const ALLOWED: &str = "\\newcommand, \\renewcommand, \\def and \\DeclareMathOperator";

/// Reads the definitions in `text`; `path` is what messages show (e.g. `macros.tex`). Later
/// definitions of a name replace earlier ones, except that `\newcommand` of a name the file
/// already defined is a mistake, as in LaTeX.
pub fn parse(text: &str, path: &Path) -> Result<Macros> {
    let mut s = Scanner { text, pos: 0, path };
    let mut macros = Macros::new();
    // The line where each name was defined, for `\newcommand` of a name already defined.
    let mut defined_at: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        s.skip_space_and_comments();
        let Some(c) = s.peek() else { break };
        let start = s.pos;
        if c != '\\' {
            let what = if c == '}' {
                "unexpected `}`: no `{` is open here".to_string()
            } else {
                format!("unexpected `{c}` outside a definition: this file holds only {ALLOWED}")
            };
            return Err(s.error_at(start, what));
        }
        let command = s.control_sequence()?;
        let starred = s.star();
        let def = match (command.as_str(), starred) {
            ("\\newcommand" | "\\renewcommand", _) => s.newcommand(&command)?,
            ("\\def", false) => s.def()?,
            ("\\DeclareMathOperator", _) => s.operator(&command, starred)?,
            _ => {
                let shown = if starred {
                    format!("{command}*")
                } else {
                    command.clone()
                };
                return Err(s.error_at(
                    start,
                    format!("`{shown}` is not a definition: this file holds only {ALLOWED}"),
                ));
            }
        };
        let line = line_col(text, start).0;
        if command == "\\newcommand"
            && let Some(first) = defined_at.get(&def.name)
        {
            return Err(s.error_at(
                def.name_at,
                format!(
                    "`{}` is already defined on line {first}; use \\renewcommand to redefine it",
                    def.name
                ),
            ));
        }
        defined_at.insert(def.name.clone(), line);
        macros.insert(def.name, def.expansion);
    }
    Ok(macros)
}

/// One definition read from the file.
struct Definition {
    name: String,
    /// Byte offset of the name, for messages about it.
    name_at: usize,
    expansion: String,
}

/// A body between braces, comments removed, and where its `{` is.
struct Body {
    text: String,
    open: usize,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    path: &'a Path,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> Error {
        let (line, col) = line_col(self.text, pos);
        Error::at(Location::at(self.path, line, col), message)
    }

    fn skip_comment(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    fn skip_space_and_comments(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                '%' => self.skip_comment(),
                c if c.is_whitespace() => {
                    self.bump();
                }
                _ => break,
            }
        }
    }

    /// A control sequence starting at the current `\`: a control word (`\newcommand`, letters
    /// and `@` as KaTeX reads them) or a control symbol (`\{`, `\,`).
    fn control_sequence(&mut self) -> Result<String> {
        let start = self.pos;
        debug_assert_eq!(self.peek(), Some('\\'));
        self.bump();
        match self.bump() {
            None => Err(self.error_at(start, "a lone `\\` at the end of the file")),
            Some(c) if is_letter(c) => {
                while self.peek().is_some_and(is_letter) {
                    self.bump();
                }
                Ok(self.text[start..self.pos].to_string())
            }
            Some(_) => Ok(self.text[start..self.pos].to_string()),
        }
    }

    /// A `*` right after a command (spaces allowed before it, as LaTeX's `\@ifstar` allows).
    fn star(&mut self) -> bool {
        let save = self.pos;
        self.skip_space_and_comments();
        if self.peek() == Some('*') {
            self.bump();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// The macro being defined: `{\name}` or `\name`.
    fn name(&mut self, command: &str) -> Result<(String, usize)> {
        self.skip_space_and_comments();
        let missing = |s: &Self, at: usize| {
            s.error_at(
                at,
                format!("{command} needs the name of the macro, as in {command}{{\\name}}{{…}}"),
            )
        };
        match self.peek() {
            Some('\\') => {
                let at = self.pos;
                Ok((self.control_sequence()?, at))
            }
            Some('{') => {
                let open = self.pos;
                self.bump();
                self.skip_space_and_comments();
                let at = self.pos;
                match self.peek() {
                    Some('\\') => {}
                    Some('}') => return Err(missing(self, open)),
                    _ => {
                        return Err(self.error_at(
                            at,
                            "a macro's name is a command such as `\\R`, starting with a backslash",
                        ));
                    }
                }
                let name = self.control_sequence()?;
                self.skip_space_and_comments();
                if self.peek() != Some('}') {
                    return Err(self.error_at(
                        self.pos,
                        format!(
                            "expected `}}` after the macro name `{name}`: a name is one command"
                        ),
                    ));
                }
                self.bump();
                Ok((name, at))
            }
            _ => Err(missing(self, self.pos)),
        }
    }

    /// `\newcommand` or `\renewcommand` (the star, if any, already read): name, `[n]`, body.
    fn newcommand(&mut self, command: &str) -> Result<Definition> {
        let (name, name_at) = self.name(command)?;
        let mut args = 0;
        self.skip_space_and_comments();
        if self.peek() == Some('[') {
            let open = self.pos;
            self.bump();
            let from = self.pos;
            while self.peek().is_some_and(|c| c != ']' && c != '\n') {
                self.bump();
            }
            if self.peek() != Some(']') {
                return Err(self.error_at(open, "this `[` is never closed"));
            }
            let count = self.text[from..self.pos].trim();
            self.bump();
            args = match count.parse::<usize>() {
                Ok(n) if n <= 9 && !count.starts_with('+') => n,
                _ => {
                    return Err(self.error_at(
                        from,
                        format!("the number of arguments must be 0 to 9, not `{count}`"),
                    ));
                }
            };
            self.skip_space_and_comments();
            if self.peek() == Some('[') {
                return Err(self.error_at(
                    self.pos,
                    format!(
                        "{name} has an optional argument with a default, which KaTeX's macros \
                         cannot express; make it a required argument (or define one macro with \
                         and one without it)"
                    ),
                ));
            }
        }
        let body = self.body(&name, args, "arguments")?;
        Ok(Definition {
            expansion: self.expansion(&body, args)?,
            name,
            name_at,
        })
    }

    /// `\def\name#1#2{body}`: undelimited parameters only.
    fn def(&mut self) -> Result<Definition> {
        self.skip_space_and_comments();
        if self.peek() != Some('\\') {
            return Err(self.error_at(
                self.pos,
                "\\def needs the name of the macro right after it, as in \\def\\name{…}",
            ));
        }
        let name_at = self.pos;
        let name = self.control_sequence()?;
        // TeX skips spaces after a control word, not after a control symbol or a parameter.
        if name[1..].starts_with(is_letter) {
            while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
                self.bump();
            }
        }
        let mut args = 0;
        while self.peek() == Some('#') {
            let at = self.pos;
            self.bump();
            let want = char::from_digit(args as u32 + 1, 10).unwrap_or('?');
            match self.peek() {
                Some(c) if c == want => {
                    self.bump();
                    args += 1;
                }
                Some(c) if c.is_ascii_digit() && c != '0' => {
                    return Err(self.error_at(
                        at,
                        format!("parameters are numbered in order: expected #{want}, found #{c}"),
                    ));
                }
                _ if args == 9 => {
                    return Err(self.error_at(at, "a macro takes at most 9 parameters"));
                }
                _ => {
                    return Err(self.error_at(
                        at,
                        format!(
                            "expected #{want}: `#` in a parameter list is followed by its number"
                        ),
                    ));
                }
            }
        }
        if self.peek().is_some_and(|c| c != '{') {
            return Err(self.error_at(
                self.pos,
                format!(
                    "{name}: delimited parameters (text between or after #1, #2, …) are not \
                     supported, since KaTeX's macros take only plain arguments; the body's `{{` \
                     was expected here"
                ),
            ));
        }
        let body = self.body(&name, args, "parameters")?;
        Ok(Definition {
            expansion: self.expansion(&body, args)?,
            name,
            name_at,
        })
    }

    /// `\DeclareMathOperator{\name}{text}` → `\operatorname{text}` (`*`: `\operatorname*`,
    /// whose limits go above and below in display math).
    fn operator(&mut self, command: &str, starred: bool) -> Result<Definition> {
        let shown = if starred {
            format!("{command}*")
        } else {
            command.to_string()
        };
        let (name, name_at) = self.name(&shown)?;
        let body = self.body(&name, 0, "arguments")?;
        let star = if starred { "*" } else { "" };
        Ok(Definition {
            expansion: format!("\\operatorname{star}{{{}}}", body.text),
            name,
            name_at,
        })
    }

    /// A brace group starting at the next `{`: its inside with comments removed. Checks that
    /// braces balance (escaped ones do not count) and that each `#n` is one of `args`.
    fn body(&mut self, name: &str, args: usize, what: &str) -> Result<Body> {
        self.skip_space_and_comments();
        if self.peek() != Some('{') {
            let found = match self.peek() {
                None => "the end of the file".to_string(),
                Some(c) => format!("`{c}`"),
            };
            return Err(self.error_at(
                self.pos,
                format!("expected `{{` to start the body of {name}, found {found}"),
            ));
        }
        let body_open = self.pos;
        let mut open = vec![body_open];
        self.bump();
        let mut text = String::new();
        let mut from = self.pos;
        loop {
            let at = self.pos;
            let Some(c) = self.bump() else {
                let innermost = *open.last().unwrap_or(&at);
                return Err(self.error_at(
                    innermost,
                    format!("this `{{` is never closed (in the definition of {name})"),
                ));
            };
            match c {
                '\\' => {
                    self.pos = at;
                    let cs = self.control_sequence()?;
                    // KaTeX would count the `#1` of `\#1` as a parameter; a group keeps the
                    // digit apart without changing what is drawn.
                    if cs == "\\#" && self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        text.push_str(&self.text[from..self.pos]);
                        text.push('{');
                        text.push(self.bump().unwrap_or('0'));
                        text.push('}');
                        from = self.pos;
                    }
                }
                '%' => {
                    // TeX drops the comment, its line break and the next line's indentation.
                    text.push_str(&self.text[from..at]);
                    self.skip_comment();
                    while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
                        self.bump();
                    }
                    from = self.pos;
                }
                '{' => open.push(at),
                '}' => {
                    open.pop();
                    if open.is_empty() {
                        text.push_str(&self.text[from..at]);
                        return Ok(Body {
                            text,
                            open: body_open,
                        });
                    }
                }
                '#' => match self.peek() {
                    Some('#') => {
                        self.bump();
                    }
                    Some(d @ '1'..='9') => {
                        let n = d as usize - '0' as usize;
                        if n > args {
                            let takes = match args {
                                0 => format!("{name} takes no {what}"),
                                1 => format!("{name} takes 1 {}", what.trim_end_matches('s')),
                                _ => format!("{name} takes {args} {what}"),
                            };
                            return Err(self.error_at(at, format!("#{n} is used, but {takes}")));
                        }
                        self.bump();
                    }
                    _ => {
                        return Err(self.error_at(
                            at,
                            "`#` must be followed by an argument number 1 to 9 or by another `#`; \
                             write `\\#` for a # sign",
                        ));
                    }
                },
                _ => {}
            }
        }
    }
}

impl Scanner<'_> {
    /// The expansion KaTeX is given for `body` taking `args` arguments: each argument KaTeX
    /// would not count is consumed and dropped first, so the macro takes exactly `args`, as in
    /// LaTeX.
    fn expansion(&self, body: &Body, args: usize) -> Result<String> {
        let mut out = String::new();
        let counted = katex_arg_count(&body.text);
        for n in counted + 1..=args {
            out.push_str(&format!("\\@secondoftwo{{#{n}}}{{}}"));
        }
        out.push_str(&body.text);
        // Only odd runs of `#` after `\` (`\###2`) can still fool KaTeX's count.
        if katex_arg_count(&out) != args {
            return Err(self.error_at(
                body.open,
                "KaTeX would take a different number of arguments for this body than declared, \
                 misreading its `#` signs; write `\\#` for a # sign and `#1`…`#9` for arguments",
            ));
        }
        Ok(out)
    }
}

/// TeX letters, as KaTeX's lexer reads control words (`@` included).
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '@'
}

/// How many arguments KaTeX takes for a string macro: the longest run `#1`, `#2`, … present
/// once every `##` is removed (`MacroExpander._getExpansion` in KaTeX 0.16).
pub fn katex_arg_count(expansion: &str) -> usize {
    if !expansion.contains('#') {
        return 0;
    }
    let stripped = expansion.replace("##", "");
    let mut n = 0;
    while stripped.contains(&format!("#{}", n + 1)) {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MathConfig;
    use crate::markdown::math::{self, Formula};

    fn parse_ok(text: &str) -> Macros {
        parse(text, Path::new("macros.tex")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse_err(text: &str) -> String {
        match parse(text, Path::new("macros.tex")) {
            Ok(m) => panic!("expected an error for {text:?}, got {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn one(text: &str) -> (String, String) {
        let m = parse_ok(text);
        assert_eq!(m.len(), 1, "{m:?}");
        m.into_iter().next().unwrap()
    }

    /// Each text defines one macro, whose expansion is the one given.
    fn expand_to(cases: &[(&str, &str)]) {
        for (text, want) in cases {
            assert_eq!(one(text).1, *want, "{text}");
        }
    }

    #[test]
    fn each_form() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, &str)] = &[
            ("\\newcommand{\\R}{\\mathbb{R}}", "\\R", "\\mathbb{R}"),
            ("\\newcommand\\R{\\mathbb R}", "\\R", "\\mathbb R"),
            ("\\newcommand { \\R } {x}", "\\R", "x"),
            ("\\newcommand*{\\R}{x}", "\\R", "x"),
            ("\\newcommand{\\norm}[1]{\\left\\| #1 \\right\\|}", "\\norm", "\\left\\| #1 \\right\\|"),
            ("\\renewcommand{\\vec}[1]{\\mathbf{#1}}", "\\vec", "\\mathbf{#1}"),
            ("\\renewcommand*\\vec[1]{\\mathbf{#1}}", "\\vec", "\\mathbf{#1}"),
            ("\\def\\abs#1{|#1|}", "\\abs", "|#1|"),
            ("\\def \\abs #1#2{#1|#2}", "\\abs", "#1|#2"),
            ("\\def\\e{\\mathrm{e}}", "\\e", "\\mathrm{e}"),
            ("\\DeclareMathOperator{\\tr}{tr}", "\\tr", "\\operatorname{tr}"),
            ("\\DeclareMathOperator\\tr{tr}", "\\tr", "\\operatorname{tr}"),
            ("\\DeclareMathOperator*{\\argmax}{arg\\,max}", "\\argmax", "\\operatorname*{arg\\,max}"),
            ("\\newcommand{\\@x}{y}", "\\@x", "y"),
            ("\\newcommand{\\,}{y}", "\\,", "y"),
        ];
        for (text, name, expansion) in cases {
            assert_eq!(
                one(text),
                (name.to_string(), expansion.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn arguments_keep_their_declared_count() {
        #[rustfmt::skip]
        expand_to(&[
            // All used, in any order: the body as written.
            ("\\newcommand{\\f}[2]{#2^#1}", "#2^#1"),
            // KaTeX would count none (no #1) or one: the rest are consumed first.
            ("\\newcommand{\\f}[2]{#2}", "\\@secondoftwo{#1}{}\\@secondoftwo{#2}{}#2"),
            ("\\newcommand{\\f}[2]{#1}", "\\@secondoftwo{#2}{}#1"),
            ("\\newcommand{\\f}[1]{x}", "\\@secondoftwo{#1}{}x"),
            ("\\newcommand{\\f}[0]{x}", "x"),
            ("\\newcommand{\\f}[ 3 ]{#1#2#3}", "#1#2#3"),
            // `##` is a literal `#` (for a definition inside the body), not a parameter.
            ("\\newcommand{\\f}{\\def\\g##1{##1}}", "\\def\\g##1{##1}"),
            // `\#` is a # sign; followed by a digit, KaTeX would count it as a parameter.
            ("\\newcommand{\\h}{\\#1}", "\\#{1}"),
            ("\\newcommand{\\h}[1]{\\##1}", "\\@secondoftwo{#1}{}\\##1"),
        ]);
    }

    #[test]
    fn katex_counts_arguments_by_the_run_of_hash_numbers() {
        assert_eq!(katex_arg_count("x"), 0);
        assert_eq!(katex_arg_count("#1#2"), 2);
        assert_eq!(katex_arg_count("#2"), 0);
        assert_eq!(katex_arg_count("#1#3"), 1);
        assert_eq!(katex_arg_count("##1"), 0);
        assert_eq!(katex_arg_count("\\#1"), 1);
    }

    /// What the count above says, checked on KaTeX itself: a string macro whose expansion uses
    /// only `#2` takes no argument, so in `\f{a}{b}` KaTeX meets a bare `#2` and fails; the
    /// expansion made here takes two and draws `b`, exactly as `b` alone.
    #[test]
    fn katex_itself_takes_the_declared_arguments() {
        let render = |macros: &Macros, tex: &str| {
            let config = MathConfig {
                macros: macros.clone(),
                output: crate::config::MathOutput::Html,
                ..Default::default()
            };
            math::render(
                &Formula {
                    tex: tex.into(),
                    display: false,
                    macros: Default::default(),
                },
                &config,
            )
        };
        let plain = Macros::new();
        let b = render(&plain, "b").unwrap();
        let raw = Macros::from([("\\f".to_string(), "#2".to_string())]);
        match render(&raw, "\\f{a}{b}") {
            Err(math::MathError::Katex(m)) => assert!(m.contains("got '#'"), "{m}"),
            other => panic!("KaTeX took the arguments after all: {other:?}"),
        }
        let ours = parse_ok("\\newcommand{\\f}[2]{#2}");
        assert_eq!(render(&ours, "\\f{a}{b}").unwrap(), b);
        // An argument declared and not used is still taken.
        let ours = parse_ok("\\newcommand{\\k}[1]{x}");
        assert_eq!(
            render(&ours, "\\k{a}b").unwrap(),
            render(&plain, "xb").unwrap()
        );
        let sign = parse_ok("\\newcommand{\\h}{\\#1}");
        assert_eq!(
            render(&sign, "\\h{2}").unwrap(),
            render(&plain, "\\#{1}{2}").unwrap()
        );
    }

    #[test]
    fn nested_and_escaped_braces_and_comments() {
        #[rustfmt::skip]
        expand_to(&[
            ("\\newcommand{\\set}[1]{\\left\\{ #1 \\right\\}}", "\\left\\{ #1 \\right\\}"),
            ("\\newcommand{\\f}{\\frac{a}{b^{c}}}", "\\frac{a}{b^{c}}"),
            // A brace in a comment does not count; the comment, its line break and the next
            // line's indentation go.
            ("\\newcommand{\\f}{a % closes }\n    b}", "a b"),
            ("\\newcommand{\\p}{50\\%}", "50\\%"),
            ("\\newcommand{\\b}{\\\\}", "\\\\"),
        ]);
        let m = parse_ok(
            "% Shared macros\n\
             \\newcommand{\\R}{\\mathbb{R}} % the reals\n\
             \n\
             %\\newcommand{\\N}{\\mathbb{N}}\n\
             \\DeclareMathOperator{\\tr}{tr}\n",
        );
        assert_eq!(
            m.keys().map(String::as_str).collect::<Vec<_>>(),
            ["\\R", "\\tr"]
        );
    }

    #[test]
    fn later_definitions_win() {
        let m = parse_ok("\\def\\x{1}\n\\renewcommand{\\x}{2}\n\\def\\x{3}");
        assert_eq!(m["\\x"], "3");
        let m = parse_ok("\\newcommand{\\x}{1}\n\\renewcommand{\\x}{2}");
        assert_eq!(m["\\x"], "2");
    }

    #[test]
    fn mistakes_are_located() {
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            // Unbalanced braces: the innermost `{` never closed.
            ("\\newcommand{\\a}{x}\n\\newcommand{\\b}{\\frac{1}{2}\n",
             "macros.tex:2:16: this `{` is never closed (in the definition of \\b)"),
            ("\\newcommand{\\a}{\\frac{1}{2",
             "macros.tex:1:25: this `{` is never closed"),
            ("\\newcommand{\\a}{\\}}}",
             "macros.tex:1:20: unexpected `}`: no `{` is open here"),
            ("\\newcommand{\\a}{x \\}",
             "macros.tex:1:16: this `{` is never closed"),
            // Unknown commands and stray text at top level.
            ("% preamble\n\\usepackage{amsmath}",
             "macros.tex:2:1: `\\usepackage` is not a definition"),
            ("\\def*\\x{1}", "macros.tex:1:1: `\\def*` is not a definition"),
            ("\n  x = 1", "macros.tex:2:3: unexpected `x` outside a definition"),
            ("\\newcommand{\\a}{1}\n\\", "macros.tex:2:1: a lone `\\` at the end of the file"),
            // Names.
            ("\\newcommand{}{x}", "macros.tex:1:12: \\newcommand needs the name of the macro"),
            ("\\newcommand", "macros.tex:1:12: \\newcommand needs the name"),
            ("\\newcommand{R}{x}", "macros.tex:1:13: a macro's name is a command such as `\\R`"),
            ("\\newcommand{\\R\\S}{x}", "macros.tex:1:15: expected `}` after the macro name `\\R`"),
            ("\\def{\\x}{1}", "macros.tex:1:5: \\def needs the name of the macro"),
            ("\\DeclareMathOperator*{}{x}",
             "macros.tex:1:22: \\DeclareMathOperator* needs the name of the macro"),
            // Argument counts and parameters.
            ("\\newcommand{\\f}[x]{#1}",
             "macros.tex:1:17: the number of arguments must be 0 to 9, not `x`"),
            ("\\newcommand{\\f}[10]{#1}", "macros.tex:1:17: the number of arguments must be 0 to 9"),
            ("\\newcommand{\\f}[2{#1}", "macros.tex:1:16: this `[` is never closed"),
            ("\\newcommand{\\f}[1][d]{#1}",
             "macros.tex:1:19: \\f has an optional argument with a default, which KaTeX's macros cannot express"),
            ("\\newcommand{\\f}[1]{#1 + #2}", "macros.tex:1:25: #2 is used, but \\f takes 1 argument"),
            ("\\newcommand{\\f}{#1}", "macros.tex:1:17: #1 is used, but \\f takes no arguments"),
            ("\\newcommand{\\f}[1]{#x}", "macros.tex:1:20: `#` must be followed by an argument number"),
            ("\\def\\f#2{#2}", "macros.tex:1:7: parameters are numbered in order: expected #1, found #2"),
            ("\\def\\f#1.{#1}", "macros.tex:1:9: \\f: delimited parameters"),
            ("\\def\\f#1 #2{#1}", "macros.tex:1:9: \\f: delimited parameters"),
            ("\\DeclareMathOperator{\\f}{#1}", "macros.tex:1:26: #1 is used, but \\f takes no arguments"),
            ("\\newcommand{\\f}[1]{\\###2 #1}", "macros.tex:1:19: KaTeX would take a different number of arguments"),
            // Missing bodies.
            ("\\newcommand{\\R}", "macros.tex:1:16: expected `{` to start the body of \\R, found the end of the file"),
            ("\\newcommand{\\R}\\mathbb{R}", "macros.tex:1:16: expected `{` to start the body of \\R, found `\\`"),
            // \newcommand may not redefine what the file defined.
            ("\\newcommand{\\R}{a}\n% again\n\\newcommand{ \\R}{b}",
             "macros.tex:3:14: `\\R` is already defined on line 1; use \\renewcommand to redefine it"),
        ];
        for (text, want) in cases {
            let got = parse_err(text);
            assert!(got.starts_with(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn columns_count_characters_and_the_path_is_the_one_given() {
        // `\é` is a control symbol (é is no letter to TeX), a name like `\,`.
        let e = parse("% é ü\n\\newcommand{\\é}{é}ü", Path::new("tex/shared.tex"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("tex/shared.tex:2:19: unexpected `ü`"), "{e}");
    }

    #[test]
    fn an_empty_file_defines_nothing() {
        assert!(parse_ok("").is_empty());
        assert!(parse_ok("% nothing yet\n\n").is_empty());
    }
}
