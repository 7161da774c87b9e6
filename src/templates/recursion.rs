//! Keeps templates from recursing without end. Tera 1.x has no depth limit of its own: an
//! include loop, an import loop or a macro that calls itself forever recurses in Rust until the
//! thread's stack overflows, which aborts the whole process (and with it `quire serve`).
//!
//! Two rules, one per kind of recursion:
//! - Includes, extends and imports name their targets literally, so their loops are known as
//!   soon as the templates are parsed: any loop is refused at load time, naming its chain.
//!   Nothing is lost, as such a loop can never end: an include passes no arguments, so nothing
//!   can tell the tenth visit from the first (an `extends` or an import loop is not even
//!   rendered, Tera recurses while loading the macros).
//! - A macro that calls itself may be fine (a tree walked to its leaves), and whether it ends
//!   depends on the data, so it is bounded instead: every macro gets a hidden depth argument
//!   that each macro call passes on, plus one, and stops with an error naming the macro past
//!   [`MAX_MACRO_DEPTH`] nested calls. A loop through an include inside a macro is caught too,
//!   as an included template sees the depth of the macro that includes it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tera::ast::{Expr, ExprVal, FunctionCall, If, LogicExpr, LogicOperator, MacroCall};
use tera::ast::{MathExpr, MathOperator, Node, WS};

use crate::error::{Error, Location, Result};

/// Nested macro calls allowed in one render. Deep enough for any tree a site's data holds (a
/// table of contents is 6 deep); low enough that a debug build's ~25 KiB per call fills a
/// twentieth of the build threads' stack (`build::STACK_SIZE`), leaving room for the tags
/// nested inside each call.
pub const MAX_MACRO_DEPTH: i64 = 100;

/// The hidden argument; a name no template would use for its own.
const DEPTH_ARG: &str = "__quire_macro_depth";

/// How one template refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Extends,
    Imports,
    Includes,
}

impl Kind {
    fn verb(self) -> &'static str {
        match self {
            Kind::Extends => "extends",
            Kind::Imports => "imports macros from",
            Kind::Includes => "includes",
        }
    }

    /// The tag that makes the reference, to find its line.
    fn tag(self) -> &'static str {
        match self {
            Kind::Extends => "extends",
            Kind::Imports => "import",
            Kind::Includes => "include",
        }
    }
}

/// One template's references to others, in the order they appear.
type Edges = Vec<(Kind, String)>;

/// Refuses any loop of includes, and any loop of extends and imports (Tera follows both when it
/// loads a template's macros), naming the templates in it. `origins` gives each template's
/// file and `texts` its source, for the message's location.
pub fn check_loops(
    parsed: &BTreeMap<String, tera::Template>,
    origins: &HashMap<String, PathBuf>,
    texts: &HashMap<String, &str>,
) -> Result<()> {
    let edges: BTreeMap<&str, Edges> = parsed
        .iter()
        .map(|(name, t)| (name.as_str(), references(t, |n| parsed.contains_key(n))))
        .collect();
    for kinds in [&[Kind::Includes][..], &[Kind::Extends, Kind::Imports][..]] {
        if let Some(cycle) = find_cycle(&edges, kinds) {
            return Err(loop_error(&cycle, origins, texts));
        }
    }
    Ok(())
}

/// The templates `t` extends, imports and includes. Only the include Tera would render counts:
/// the first of its names that exists. Includes inside macro definitions are left to the depth
/// bound, since only a macro call reaches them.
fn references(t: &tera::Template, exists: impl Fn(&str) -> bool) -> Edges {
    let mut edges = Edges::new();
    if let Some(parent) = t.parent.as_ref().filter(|p| exists(p)) {
        edges.push((Kind::Extends, parent.clone()));
    }
    for (file, _) in &t.imported_macro_files {
        if exists(file) {
            edges.push((Kind::Imports, file.clone()));
        }
    }
    includes(&t.ast, &exists, &mut edges);
    edges
}

fn includes(nodes: &[Node], exists: &impl Fn(&str) -> bool, out: &mut Edges) {
    for node in nodes {
        match node {
            Node::Include(_, names, _) => {
                if let Some(name) = names.iter().find(|n| exists(n)) {
                    out.push((Kind::Includes, name.clone()));
                }
            }
            Node::Block(_, block, _) => includes(&block.body, exists, out),
            Node::Forloop(_, forloop, _) => {
                includes(&forloop.body, exists, out);
                if let Some(body) = &forloop.empty_body {
                    includes(body, exists, out);
                }
            }
            Node::If(cond, _) => {
                for (_, _, body) in &cond.conditions {
                    includes(body, exists, out);
                }
                if let Some((_, body)) = &cond.otherwise {
                    includes(body, exists, out);
                }
            }
            Node::FilterSection(_, section, _) => includes(&section.body, exists, out),
            _ => {}
        }
    }
}

/// A loop over edges of the given kinds, as the list of its steps (from, kind, to), visiting
/// templates in name order so the same templates always give the same message.
fn find_cycle<'a>(
    edges: &'a BTreeMap<&'a str, Edges>,
    kinds: &[Kind],
) -> Option<Vec<(&'a str, Kind, &'a str)>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = edges.keys().map(|k| (*k, Mark::New)).collect();
    // An explicit stack of (template, next edge to follow): the chain of includes is user input
    // and must not be walked by recursion.
    for &start in edges.keys() {
        if marks[start] != Mark::New {
            continue;
        }
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::OnPath);
        while let Some((node, next)) = path.last_mut() {
            let node: &str = node;
            let out = &edges[node];
            let Some((kind, to)) = out.get(*next) else {
                marks.insert(node, Mark::Done);
                path.pop();
                continue;
            };
            *next += 1;
            if !kinds.contains(kind) {
                continue;
            }
            let to = to.as_str();
            match marks.get(to).copied() {
                Some(Mark::New) => {
                    marks.insert(to, Mark::OnPath);
                    path.push((to, 0));
                }
                Some(Mark::OnPath) => {
                    let from = path.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    // Each step on the path is the edge before its `next`.
                    let steps = path[from..]
                        .iter()
                        .map(|(n, i)| {
                            let (k, t) = &edges[n][i - 1];
                            (
                                *n,
                                *k,
                                edges.get_key_value(t.as_str()).map_or("", |(k, _)| *k),
                            )
                        })
                        .collect();
                    return Some(steps);
                }
                _ => {}
            }
        }
    }
    None
}

fn loop_error(
    cycle: &[(&str, Kind, &str)],
    origins: &HashMap<String, PathBuf>,
    texts: &HashMap<String, &str>,
) -> Error {
    let file = |name: &str| {
        origins
            .get(name)
            .map_or_else(|| name.to_string(), |p| p.display().to_string())
    };
    let (first, kind, to) = cycle[0];
    let mut message = if cycle.len() == 1 {
        format!("{} {} itself", file(first), kind.verb())
    } else {
        let mut m = format!("{} {} {}", file(first), kind.verb(), file(to));
        for (_, kind, to) in &cycle[1..] {
            m.push_str(&format!(", which {} {}", kind.verb(), file(to)));
        }
        m
    };
    message.push_str(if kind == Kind::Includes {
        ": an include loop never ends (Tera gives quire no way to bound it). To render a tree, \
         write a macro that calls itself"
    } else {
        ": such a loop never ends"
    });
    let path = origins
        .get(first)
        .cloned()
        .unwrap_or_else(|| PathBuf::from(first));
    let loc = match texts.get(first).and_then(|t| line_of(t, kind.tag(), to)) {
        Some(line) => Location {
            path,
            line: Some(line),
            col: None,
        },
        None => Location::file(path),
    };
    Error::at(loc, message)
}

/// The line of the first `{% tag … "target" … %}` in `text`. Tera's syntax tree has no
/// positions, so the source is searched; `None` when no tag matches (a name built some other
/// way), and the message names the file alone.
fn line_of(text: &str, tag: &str, target: &str) -> Option<usize> {
    let quoted = ['"', '\'', '`'].map(|q| format!("{q}{target}{q}"));
    let mut from = 0;
    while let Some(open) = text[from..].find("{%").map(|i| i + from) {
        let end = text[open..].find("%}").map_or(text.len(), |i| open + i);
        let inside = text[open + 2..end].trim_start_matches('-').trim_start();
        if inside.starts_with(tag) && quoted.iter().any(|q| inside.contains(q.as_str())) {
            return Some(text[..open].matches('\n').count() + 1);
        }
        from = end;
    }
    None
}

/// Gives every macro in `tera` the depth bound described in the module documentation. Tera
/// offers no hook into rendering, but its parsed templates are public (`tera::ast`), so the
/// bound is written into them: each macro body becomes
/// `{% if depth > MAX %}{{ throw(…) }}{% else %}body{% endif %}`, and each macro call passes
/// `depth = (depth | default(value=0)) + 1` (the default for calls outside any macro).
pub fn bound_macro_depth(tera: &mut tera::Tera, origins: &HashMap<String, PathBuf>) {
    for (name, template) in tera.templates.iter_mut() {
        let file = origins
            .get(name)
            .map_or_else(|| name.clone(), |p| p.display().to_string());
        for (macro_name, definition) in template.macros.iter_mut() {
            definition
                .args
                .insert(DEPTH_ARG.to_string(), Some(Expr::new(ExprVal::Int(0))));
            let body = std::mem::take(&mut definition.body);
            definition.body = vec![guard(macro_name, &file, body)];
        }
        pass_depth(&mut template.ast);
        for definition in template.macros.values_mut() {
            pass_depth(&mut definition.body);
        }
        for block in template.blocks.values_mut() {
            pass_depth(&mut block.body);
        }
        for definitions in template.blocks_definitions.values_mut() {
            for (_, block) in definitions {
                pass_depth(&mut block.body);
            }
        }
    }
}

fn ident(name: &str) -> Expr {
    Expr::new(ExprVal::Ident(name.to_string()))
}

fn guard(macro_name: &str, file: &str, body: Vec<Node>) -> Node {
    let too_deep = Expr::new(ExprVal::Logic(LogicExpr {
        lhs: Box::new(ident(DEPTH_ARG)),
        rhs: Box::new(Expr::new(ExprVal::Int(MAX_MACRO_DEPTH))),
        operator: LogicOperator::Gt,
    }));
    let message = format!(
        "macro {macro_name} in {file} is more than {MAX_MACRO_DEPTH} macro calls deep: \
         quire stops there, as Tera has no limit of its own and a macro that calls itself \
         without end would crash the build. Does its recursion have a case that stops?"
    );
    let throw = Expr::new(ExprVal::FunctionCall(FunctionCall {
        name: "throw".into(),
        args: HashMap::from([("message".into(), Expr::new(ExprVal::String(message)))]),
    }));
    Node::If(
        If {
            conditions: vec![(
                WS::default(),
                too_deep,
                vec![Node::VariableBlock(WS::default(), throw)],
            )],
            otherwise: Some((WS::default(), body)),
        },
        WS::default(),
    )
}

/// Adds the depth argument to every macro call in `nodes`.
fn pass_depth(nodes: &mut [Node]) {
    for node in nodes {
        match node {
            Node::VariableBlock(_, e) => expr(e),
            Node::MacroDefinition(_, definition, _) => {
                for e in definition.args.values_mut().flatten() {
                    expr(e);
                }
                pass_depth(&mut definition.body);
            }
            Node::Set(_, set) => expr(&mut set.value),
            Node::FilterSection(_, section, _) => {
                call(&mut section.filter);
                pass_depth(&mut section.body);
            }
            Node::Block(_, block, _) => pass_depth(&mut block.body),
            Node::Forloop(_, forloop, _) => {
                expr(&mut forloop.container);
                pass_depth(&mut forloop.body);
                if let Some(body) = &mut forloop.empty_body {
                    pass_depth(body);
                }
            }
            Node::If(cond, _) => {
                for (_, e, body) in &mut cond.conditions {
                    expr(e);
                    pass_depth(body);
                }
                if let Some((_, body)) = &mut cond.otherwise {
                    pass_depth(body);
                }
            }
            Node::Super
            | Node::Text(_)
            | Node::Extends(..)
            | Node::Include(..)
            | Node::ImportMacro(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }
}

fn call(f: &mut FunctionCall) {
    for e in f.args.values_mut() {
        expr(e);
    }
}

fn expr(e: &mut Expr) {
    for f in &mut e.filters {
        call(f);
    }
    match &mut e.val {
        ExprVal::MacroCall(MacroCall { args, .. }) => {
            for a in args.values_mut() {
                expr(a);
            }
            let mut depth = ident(DEPTH_ARG);
            depth.filters.push(FunctionCall {
                name: "default".into(),
                args: HashMap::from([("value".into(), Expr::new(ExprVal::Int(0)))]),
            });
            let next = Expr::new(ExprVal::Math(MathExpr {
                lhs: Box::new(depth),
                rhs: Box::new(Expr::new(ExprVal::Int(1))),
                operator: MathOperator::Add,
            }));
            args.insert(DEPTH_ARG.to_string(), next);
        }
        ExprVal::Math(m) => {
            expr(&mut m.lhs);
            expr(&mut m.rhs);
        }
        ExprVal::Logic(l) => {
            expr(&mut l.lhs);
            expr(&mut l.rhs);
        }
        ExprVal::In(i) => {
            expr(&mut i.lhs);
            expr(&mut i.rhs);
        }
        ExprVal::Test(t) => t.args.iter_mut().for_each(expr),
        ExprVal::FunctionCall(f) => call(f),
        ExprVal::Array(items) => items.iter_mut().for_each(expr),
        ExprVal::StringConcat(_)
        | ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_)
        | ExprVal::Ident(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(files: &[(&str, &str)]) -> Result<crate::templates::Templates> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            crate::fs::write(&dir.path().join("templates").join(name), text).unwrap();
        }
        crate::templates::Templates::load(dir.path(), "")
    }

    fn err(files: &[(&str, &str)]) -> String {
        load(files).err().expect("refused").to_string()
    }

    /// On the build's threads: a test thread's stack is too small for the deepest calls allowed.
    fn render(t: &crate::templates::Templates, name: &str) -> Result<String> {
        crate::build::thread_pool()
            .unwrap()
            .install(|| t.render(name, &tera::Context::new(), Path::new("posts/p.md")))
    }

    #[test]
    fn include_loops_are_refused_with_their_chain_and_line() {
        let e = err(&[
            ("a.html", "A\n{% include \"b.html\" %}"),
            ("b.html", "{% if x %}\n{% include \"c.html\" %}{% endif %}"),
            ("c.html", "{% include [\"missing.html\", \"a.html\"] %}"),
        ]);
        assert_eq!(
            e.split(": an include loop").next().unwrap(),
            "templates/a.html:2: templates/a.html includes templates/b.html, \
             which includes templates/c.html, which includes templates/a.html"
        );
        let e = err(&[(
            "self.html",
            "{% for c in cs %}{% include 'self.html' %}{% endfor %}",
        )]);
        assert!(
            e.starts_with("templates/self.html:1: templates/self.html includes itself"),
            "{e}"
        );
    }

    #[test]
    fn extends_and_import_loops_are_refused() {
        let e = err(&[
            ("x.html", "{% extends \"y.html\" %}"),
            ("y.html", "{% extends \"x.html\" %}"),
        ]);
        assert!(
            e.starts_with(
                "templates/x.html:1: templates/x.html extends templates/y.html, \
                 which extends templates/x.html"
            ),
            "{e}"
        );
        let e = err(&[(
            "m.html",
            "{% import \"m.html\" as m %}{% macro a() %}{% endmacro a %}",
        )]);
        assert!(
            e.starts_with("templates/m.html:1: templates/m.html imports macros from itself"),
            "{e}"
        );
        // Tera loads a parent's macros too, so an import of a child loops as well.
        let e = err(&[
            ("p.html", "{% import \"c.html\" as c %}"),
            ("c.html", "{% extends \"p.html\" %}"),
        ]);
        assert!(
            e.contains("templates/c.html extends templates/p.html"),
            "{e}"
        );
    }

    #[test]
    fn references_that_end_are_accepted() {
        // Shared includes, a missing optional one, an include of a template that imports the
        // includer's macros: no loop.
        let t = load(&[
            ("a.html", "{% include \"n.html\" %}{% include \"n.html\" %}{% include \"no.html\" ignore missing %}"),
            ("n.html", "{% import \"m.html\" as m %}{{ m::hi() }}"),
            ("m.html", "{% macro hi() %}hi{% endmacro hi %}{% include \"n2.html\" %}"),
            ("n2.html", "{% import \"m.html\" as m %}"),
        ])
        .unwrap();
        assert_eq!(render(&t, "a.html").unwrap(), "hihi");
    }

    #[test]
    fn a_recursive_macro_that_ends_renders() {
        let t = load(&[
            (
                "m.html",
                "{% macro count(n) %}{{ n }}{% if n > 0 %},{{ self::count(n=n - 1) }}{% endif %}{% endmacro count %}",
            ),
            ("u.html", "{% import \"m.html\" as m %}{{ m::count(n=5) }}"),
            // Exactly the allowed number of nested calls, and one more.
            (
                "deep.html",
                &format!(
                    "{{% import \"m.html\" as m %}}{{{{ m::count(n={}) }}}}",
                    MAX_MACRO_DEPTH - 1
                ),
            ),
            (
                "deeper.html",
                &format!("{{% import \"m.html\" as m %}}{{{{ m::count(n={MAX_MACRO_DEPTH}) }}}}"),
            ),
        ])
        .unwrap();
        assert_eq!(render(&t, "u.html").unwrap(), "5,4,3,2,1,0");
        let deepest = render(&t, "deep.html").unwrap();
        assert!(deepest.ends_with(",1,0"), "{deepest}");
        let e = render(&t, "deeper.html").err().unwrap().to_string();
        assert!(
            e.contains("macro count in templates/m.html is more than"),
            "{e}"
        );
    }

    #[test]
    fn endless_macro_recursion_stops_with_the_macro_named() {
        for files in [
            // Directly.
            &[
                (
                    "m.html",
                    "{% macro tree(n) %}{{ self::tree(n=n) }}{% endmacro tree %}",
                ),
                (
                    "u.html",
                    "{% import \"m.html\" as m %}{% for i in [1] %}{{ m::tree(n=1) }}{% endfor %}",
                ),
            ][..],
            // Through a macro of another file, which Tera resolves in the namespaces of the
            // block it is called from (mutual imports would be an import loop).
            &[
                (
                    "m.html",
                    "{% import \"o.html\" as o %}{% macro tree() %}{{ o::leaf() }}{% endmacro tree %}",
                ),
                (
                    "o.html",
                    "{% macro leaf() %}{% set x = m::tree() %}{% endmacro leaf %}",
                ),
                (
                    "u.html",
                    "{% import \"m.html\" as m %}{% block b %}{{ m::tree() }}{% endblock b %}",
                ),
            ][..],
            // Through an include inside the macro.
            &[
                (
                    "m.html",
                    "{% macro tree() %}{% include \"i.html\" %}{% endmacro tree %}",
                ),
                ("i.html", "{% import \"m.html\" as m %}{{ m::tree() }}"),
                ("u.html", "{% import \"m.html\" as m %}{{ m::tree() }}"),
            ][..],
        ] {
            let t = load(files).unwrap();
            let e = render(&t, "u.html").err().unwrap().to_string();
            assert!(
                e.starts_with("posts/p.md: template templates/u.html"),
                "{e}"
            );
            assert!(
                e.contains(&format!(
                    "in templates/m.html is more than {MAX_MACRO_DEPTH} macro calls deep"
                )) || e.contains(&format!(
                    "in templates/o.html is more than {MAX_MACRO_DEPTH} macro calls deep"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn line_of_finds_the_tag() {
        let text = "a\n{# include \"b.html\" #}\n{%- include 'b.html' -%}";
        assert_eq!(line_of(text, "include", "b.html"), Some(3));
        assert_eq!(line_of(text, "include", "c.html"), None);
        assert_eq!(
            line_of("{% extends \"b.html\" %}", "include", "b.html"),
            None
        );
    }
}
