//! TeX → HTML with KaTeX at build time. Formulas are gathered from every post first and each
//! distinct one is rendered once, in parallel; the `katex` crate keeps one QuickJS engine per
//! thread, so rayon's workers each get their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{MathConfig, MathOutput};

/// A formula as pulldown-cmark delivers it, plus whether it is display math.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Formula {
    pub tex: String,
    pub display: bool,
}

/// KaTeX's output for a formula, or its error message.
pub type Rendering = Result<String, String>;

/// The KaTeX release the `katex` crate runs; part of every disk cache key.
pub const KATEX_VERSION: &str = "0.16.4";

/// Rendered formulas, reusable across builds while the math options stay the same (the preview
/// server keeps one alive so an edit only renders the formulas it added). With a disk folder,
/// renderings also survive between `quire build` runs: KaTeX is by far the slowest stage.
#[derive(Default)]
pub struct MathCache {
    config: MathConfig,
    map: HashMap<Formula, Rendering>,
    disk: Option<PathBuf>,
}

impl MathCache {
    pub fn new(config: &MathConfig) -> Self {
        Self {
            config: config.clone(),
            map: HashMap::new(),
            disk: None,
        }
    }

    /// Keeps renderings in `dir` too (one small file per formula, named by a hash of the KaTeX
    /// version, the options and the TeX), so a later process can reuse them.
    pub fn set_disk(&mut self, dir: impl Into<PathBuf>) {
        self.disk = Some(dir.into());
    }

    /// Drops everything if the options changed, since KaTeX output depends on them.
    pub fn reconfigure(&mut self, config: &MathConfig) {
        if &self.config != config {
            self.config = config.clone();
            self.map.clear();
        }
    }

    /// Renders the formulas not yet known (or fetches them from the disk cache); returns how many
    /// KaTeX had to render.
    pub fn render_missing<'a>(&mut self, formulas: impl IntoIterator<Item = &'a Formula>) -> usize {
        let mut missing: Vec<&Formula> = formulas
            .into_iter()
            .filter(|f| !self.map.contains_key(*f))
            .collect();
        missing.sort();
        missing.dedup();
        let config = &self.config;
        let disk = self.disk.as_deref();
        let done: Vec<(Formula, Rendering, bool)> = missing
            .par_iter()
            .map(|f| {
                let file = disk.map(|d| disk_path(d, f, config));
                if let Some(hit) = file.as_deref().and_then(read_disk) {
                    return ((*f).clone(), hit, false);
                }
                let r = render(f, config);
                if let Some(file) = &file {
                    // A cache that cannot be written only costs time later; the build goes on.
                    let _ = write_disk(file, &r);
                }
                ((*f).clone(), r, true)
            })
            .collect();
        let rendered = done.iter().filter(|(_, _, fresh)| *fresh).count();
        self.map.extend(done.into_iter().map(|(f, r, _)| (f, r)));
        rendered
    }

    /// Frees the renderings held in memory (the disk copies stay): a one-off build needs them
    /// only until every post is rendered, and for a large site they are a big share of memory.
    pub fn clear(&mut self) {
        self.map = HashMap::new();
    }

    pub fn get(&self, f: &Formula) -> Option<&Rendering> {
        self.map.get(f)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn disk_path(dir: &Path, f: &Formula, config: &MathConfig) -> PathBuf {
    let mut h = blake3::Hasher::new();
    h.update(KATEX_VERSION.as_bytes());
    h.update(format!("{:?}|{:?}|{}|", config.output, config.macros, f.display).as_bytes());
    h.update(f.tex.as_bytes());
    let hex = h.finalize().to_hex();
    dir.join(&hex[..2]).join(&hex[2..])
}

/// A cached file is `ok\n<html>` or `err\n<message>`; anything else is ignored.
fn read_disk(path: &Path) -> Option<Rendering> {
    let text = std::fs::read_to_string(path).ok()?;
    let (tag, body) = text.split_once('\n')?;
    match tag {
        "ok" => Some(Ok(body.to_string())),
        "err" => Some(Err(body.to_string())),
        _ => None,
    }
}

fn write_disk(path: &Path, r: &Rendering) -> std::io::Result<()> {
    let text = match r {
        Ok(html) => format!("ok\n{html}"),
        Err(msg) => format!("err\n{msg}"),
    };
    crate::fs::write_atomic_io(path, text.as_bytes())
}

fn opts(display: bool, config: &MathConfig) -> Result<katex::Opts, String> {
    let mut b = katex::Opts::builder();
    b.display_mode(display)
        .throw_on_error(true)
        .output_type(match config.output {
            MathOutput::HtmlAndMathml => katex::OutputType::HtmlAndMathml,
            MathOutput::Html => katex::OutputType::Html,
            MathOutput::Mathml => katex::OutputType::Mathml,
        });
    let mut opts = b.build().map_err(|e| e.to_string())?;
    for (name, expansion) in &config.macros {
        opts.add_macro(name.clone(), expansion.clone());
    }
    Ok(opts)
}

/// Exactly KaTeX's `renderToString` output, or a readable message.
pub fn render(f: &Formula, config: &MathConfig) -> Rendering {
    let opts = opts(f.display, config)?;
    katex::render_with_opts(&f.tex, &opts).map_err(|e| match e {
        katex::Error::JsExecError(detail) => clean_message(&detail),
        other => other.to_string(),
    })
}

/// The QuickJS engine hands back KaTeX's exception as a debug-printed JS value
/// (`String("ParseError: KaTeX parse error: …")`); users need only KaTeX's words.
fn clean_message(detail: &str) -> String {
    let detail = detail.trim();
    let msg = match detail
        .strip_prefix("String(\"")
        .and_then(|s| s.strip_suffix("\")"))
    {
        Some(inner) => unescape_debug(inner),
        None => detail.to_string(),
    };
    msg.strip_prefix("ParseError: ").unwrap_or(&msg).to_string()
}

/// Reverses Rust's `{:?}` string escaping (`\\`, `\"`, `\n`, `\u{332}`).
fn unescape_debug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push(' '),
            Some('t') => out.push('\t'),
            Some('r') => {}
            Some('0') => {}
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                if let Some(ch) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// What a reader sees for a formula KaTeX rejects: the TeX, in KaTeX's error style.
pub fn error_html(f: &Formula, message: &str) -> String {
    let tag = if f.display { "div" } else { "span" };
    format!(
        "<{tag} class=\"katex-error math-error\" title=\"{}\">{}</{tag}>",
        crate::html::escape(message),
        crate::html::escape(&f.tex)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(tex: &str, display: bool) -> Formula {
        Formula {
            tex: tex.into(),
            display,
        }
    }

    #[test]
    fn renders_inline_and_display() {
        let c = MathConfig::default();
        let inline = render(&f("x^2", false), &c).unwrap();
        assert!(inline.starts_with("<span class=\"katex\">"), "{inline}");
        let display = render(&f("x^2", true), &c).unwrap();
        assert!(
            display.starts_with("<span class=\"katex-display\">"),
            "{display}"
        );
    }

    #[test]
    fn errors_are_katex_messages() {
        let e = render(&f("\\frac{1}{", false), &MathConfig::default()).unwrap_err();
        assert_eq!(
            e,
            "KaTeX parse error: Unexpected end of input in a macro argument, expected '}' at end of input: \\frac{1}{"
        );
    }

    #[test]
    fn debug_escapes_are_undone() {
        assert_eq!(
            unescape_debug(r#"a \\nope \"q\" \u{332}x"#),
            "a \\nope \"q\" \u{332}x"
        );
    }

    #[test]
    fn macros_and_output_are_applied() {
        let mut c = MathConfig::default();
        c.macros.insert("\\RR".into(), "\\mathbb{R}".into());
        c.output = MathOutput::Mathml;
        let html = render(&f("\\RR", false), &c).unwrap();
        assert!(html.contains("<math"), "{html}");
        assert!(!html.contains("katex-html"), "{html}");
        assert!(html.contains("double-struck"), "{html}");
    }

    #[test]
    fn disk_cache_is_shared_between_processes() {
        let dir = tempfile::tempdir().unwrap();
        let a = f("a^2", false);
        let bad = f("\\nope", false);
        let mut first = MathCache::new(&MathConfig::default());
        first.set_disk(dir.path());
        assert_eq!(first.render_missing([&a, &bad]), 2);
        let mut second = MathCache::new(&MathConfig::default());
        second.set_disk(dir.path());
        assert_eq!(second.render_missing([&a, &bad]), 0, "both come from disk");
        assert_eq!(second.get(&a), first.get(&a));
        assert_eq!(second.get(&bad), first.get(&bad));
        // Other options are other keys.
        let mut other = MathCache::new(&MathConfig {
            output: MathOutput::Html,
            ..Default::default()
        });
        other.set_disk(dir.path());
        assert_eq!(other.render_missing([&a]), 1);
    }

    #[test]
    fn cache_renders_each_formula_once() {
        let mut cache = MathCache::new(&MathConfig::default());
        let a = f("a", false);
        assert_eq!(cache.render_missing([&a, &a]), 1);
        assert_eq!(cache.render_missing([&a]), 0);
        cache.reconfigure(&MathConfig {
            output: MathOutput::Html,
            ..Default::default()
        });
        assert!(cache.is_empty());
    }
}
