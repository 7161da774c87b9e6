//! TeX → HTML with KaTeX at build time. Formulas are gathered from every post first and each
//! distinct one is rendered once, in parallel; the `katex` crate keeps one QuickJS engine per
//! thread, so each rayon worker drives a render thread of its own (see [`render`] for why, and
//! [`engines`] for how a batch is shared between them).

mod engines;

pub use engines::stop_engine;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;

use super::macros::Macros;
use crate::config::{MathConfig, MathOutput};
use crate::store::Store;

/// A formula as pulldown-cmark delivers it, whether it is display math, and the macros of its
/// post. Everything its rendering depends on besides the site's [`MathConfig`], so it is the
/// key of the renderings held in memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Formula {
    pub tex: String,
    pub display: bool,
    /// The post's own macros (front matter `macros:`), applied over the site's; shared by the
    /// post's formulas, and empty for most posts.
    pub macros: Arc<Macros>,
}

/// KaTeX's output for a formula, or why there is none.
pub type Rendering = Result<String, MathError>;

/// Why a formula has no KaTeX output. Only [`MathError::Katex`] is the TeX's own fault and
/// survives as a warning; the others mean the page cannot be built as written, `--strict` or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MathError {
    /// KaTeX rejected the TeX; its message, without the engine's wrapping.
    Katex(String),
    /// Over `[math] max_formula_bytes`: KaTeX's time and memory grow with the square of a
    /// formula's length, so it is not even tried.
    TooLarge { bytes: usize, limit: usize },
    /// KaTeX was still rendering after `[math] timeout_secs`.
    TooSlow { limit: Duration },
    /// The render thread died (a panic in the engine): a quire bug, not the author's.
    Engine(String),
}

impl MathError {
    /// Whether the build must fail even without `--strict`.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, MathError::Katex(_))
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MathError::Katex(msg) => write!(f, "KaTeX: {msg}"),
            MathError::TooLarge { bytes, limit } => write!(
                f,
                "formula is {bytes} bytes, over the limit of {limit} bytes: KaTeX's time grows with \
                 the square of a formula's size. Split it into several formulas, or raise \
                 `max_formula_bytes` under [math] in site.toml"
            ),
            MathError::TooSlow { limit } => write!(
                f,
                "KaTeX gave up on this formula after {} s (the time limit): split it into several \
                 formulas, or raise `timeout_secs` under [math] in site.toml",
                limit.as_secs_f64()
            ),
            MathError::Engine(msg) => write!(f, "KaTeX engine failed (a quire bug): {msg}"),
        }
    }
}

/// The KaTeX release the `katex` crate runs; part of every disk cache key.
pub const KATEX_VERSION: &str = "0.16.4";

/// Rendered formulas, reusable across builds while the math options stay the same (the preview
/// server keeps one alive so an edit only renders the formulas it added). With a disk folder,
/// renderings also survive between `quire build` runs: KaTeX is by far the slowest stage.
#[derive(Default)]
pub struct MathCache {
    config: MathConfig,
    map: HashMap<Formula, Rendering>,
    disk: Option<Arc<Store>>,
}

impl MathCache {
    pub fn new(config: &MathConfig) -> Self {
        Self {
            config: config.clone(),
            map: HashMap::new(),
            disk: None,
        }
    }

    /// Keeps renderings in `store` too (keyed by a hash of the KaTeX version, the options and
    /// the TeX), so a later process can reuse them; `None` stops using it, so the build can
    /// commit and close it.
    pub fn set_disk(&mut self, store: Option<Arc<Store>>) {
        self.disk = store;
    }

    /// Drops everything if the options changed, since KaTeX output depends on them.
    pub fn reconfigure(&mut self, config: &MathConfig) {
        if &self.config != config {
            self.config = config.clone();
            self.map.clear();
        }
    }

    /// Renders the formulas not yet known (or fetches them from the disk cache); returns how many
    /// KaTeX had to render. Limit errors are kept in memory but never written to disk: they
    /// depend on the limits and the machine, not on the formula alone.
    pub fn render_missing<'a>(&mut self, formulas: impl IntoIterator<Item = &'a Formula>) -> usize {
        let mut missing: Vec<&Formula> = formulas
            .into_iter()
            .filter(|f| !self.map.contains_key(*f))
            .collect();
        // Equal formulas end up side by side in this order too, so it serves `dedup` as well.
        longest_first(&mut missing);
        missing.dedup();
        let config = &self.config;
        let disk = self.disk.as_deref();
        // Kept from an earlier build (or too large to try): never sent to an engine.
        let kept: Vec<Option<Rendering>> = missing
            .par_iter()
            .map(|f| match check_size(f, config) {
                Err(e) => Some(Err(e)),
                Ok(()) => disk.and_then(|d| read_disk(d, &disk_key(f, config))),
            })
            .collect();
        let to_render: Vec<&Formula> = missing
            .iter()
            .zip(&kept)
            .filter(|(_, k)| k.is_none())
            .map(|(f, _)| *f)
            .collect();
        let fresh = render_many(&to_render, config);
        if let Some(store) = disk {
            to_render
                .par_iter()
                .zip(&fresh)
                .filter(|(_, r)| cacheable(r))
                .for_each(|(f, r)| write_disk(store, &disk_key(f, config), r));
        }
        let mut fresh = to_render.into_iter().zip(fresh);
        let done: Vec<(Formula, Rendering, bool)> = missing
            .iter()
            .zip(kept)
            .filter_map(|(f, k)| match k {
                Some(r) => Some(((*f).clone(), r, false)),
                None => fresh.next().map(|(f, r)| (f.clone(), r, true)),
            })
            .collect();
        let rendered = done.iter().filter(|(_, _, fresh)| *fresh).count();
        self.map.extend(done.into_iter().map(|(f, r, _)| (f, r)));
        rendered
    }

    /// Drops the renderings held in memory but those of `keep` (the disk copies stay): a
    /// one-off build keeps of a batch's, which may not be committed yet, those the next batch
    /// shares.
    pub fn retain(&mut self, keep: &[Formula]) {
        let keep: std::collections::HashSet<&Formula> = keep.iter().collect();
        self.map.retain(|f, _| keep.contains(f));
    }

    /// Frees the renderings held in memory (the disk copies stay): a one-off build needs them
    /// only until every post is rendered, and for a large site they are a big share of memory.
    pub fn clear(&mut self) {
        self.map = HashMap::new();
    }

    pub fn config(&self) -> &MathConfig {
        &self.config
    }

    /// The store key `f`'s rendering is kept under (see [`STORED`]): what a post kept in the
    /// store holds on to, so its formulas age with it.
    pub fn stored_key(&self, f: &Formula) -> String {
        disk_key(f, &self.config)
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

/// The order formulas go to the engines: longest TeX first (rendering time grows with it), so
/// the formulas left when one engine runs out are short and both finish close together. The
/// engine limit (`examples/katex_limit.rs`) renders in this order too.
pub fn longest_first(formulas: &mut [&Formula]) {
    formulas.sort_by(|a, b| b.tex.len().cmp(&a.tex.len()).then_with(|| a.cmp(b)));
}

/// For [`super::RenderKey`]: a formula's rendering depends on the KaTeX version and the
/// options, not on which formulas happen to be held yet (the prepass fills those in) nor on
/// where they are kept on disk. Destructured so that a field added here must be placed.
impl serde::Serialize for MathCache {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let MathCache {
            config,
            map: _,
            disk: _,
        } = self;
        (KATEX_VERSION, config).serialize(s)
    }
}

/// Version 2 is the first sealed format; the bare `ok\n…` files of version 1 fail to verify
/// and are rendered again.
pub const STORED: crate::cache_entry::Kind = crate::cache_entry::Kind {
    name: "katex",
    version: 2,
};

/// A hash of everything KaTeX's output depends on: its version, the options (the site's macros
/// and the post's among them) and the TeX. The limits are left out, since they decide only
/// whether a rendering is attempted.
fn disk_key(f: &Formula, config: &MathConfig) -> String {
    let mut h = blake3::Hasher::new();
    h.update(KATEX_VERSION.as_bytes());
    // Debug output quotes and escapes each name and expansion, so no two maps print alike.
    h.update(
        format!(
            "{:?}|{:?}|{:?}|{}|",
            config.output, config.macros, f.macros, f.display
        )
        .as_bytes(),
    );
    h.update(f.tex.as_bytes());
    h.finalize().to_hex().to_string()
}

fn cacheable(r: &Rendering) -> bool {
    matches!(r, Ok(_) | Err(MathError::Katex(_)))
}

/// A verified entry's payload is `ok\n<html>` or `err\n<message>`; anything else (which only
/// a quire bug could have sealed) is a miss, and the fresh rendering replaces it.
fn read_disk(store: &Store, key: &str) -> Option<Rendering> {
    let payload = store.get(STORED, key)?;
    String::from_utf8(payload).ok().and_then(|text| {
        let (tag, body) = text.split_once('\n')?;
        match tag {
            "ok" => Some(Ok(body.to_string())),
            "err" => Some(Err(MathError::Katex(body.to_string()))),
            _ => None,
        }
    })
}

fn write_disk(store: &Store, key: &str, r: &Rendering) {
    let text = match r {
        Ok(html) => format!("ok\n{html}"),
        Err(MathError::Katex(msg)) => format!("err\n{msg}"),
        Err(_) => return,
    };
    store.put(STORED, key, text.as_bytes());
}

fn check_size(f: &Formula, config: &MathConfig) -> Result<(), MathError> {
    if f.tex.len() > config.max_formula_bytes {
        return Err(MathError::TooLarge {
            bytes: f.tex.len(),
            limit: config.max_formula_bytes,
        });
    }
    Ok(())
}

/// KaTeX's options for `f`: the site's macros, then the post's (which win). Public so that
/// `examples/katex_limit.rs` drives the engine with exactly these.
pub fn opts(f: &Formula, config: &MathConfig) -> Result<katex::Opts, String> {
    let mut b = katex::Opts::builder();
    b.display_mode(f.display)
        .throw_on_error(true)
        .output_type(match config.output {
            MathOutput::HtmlAndMathml => katex::OutputType::HtmlAndMathml,
            MathOutput::Html => katex::OutputType::Html,
            MathOutput::Mathml => katex::OutputType::Mathml,
        });
    let mut opts = b.build().map_err(|e| e.to_string())?;
    for (name, expansion) in config.macros.iter().chain(f.macros.iter()) {
        opts.add_macro(name.clone(), expansion.clone());
    }
    Ok(opts)
}

/// Exactly KaTeX's `renderToString` output, or why there is none.
///
/// The `katex` crate gives no way to stop a render: its QuickJS engine sits in a private
/// thread-local, built without a memory limit or an interrupt handler, and the KaTeX source it
/// loads is private too, so quire cannot build an interruptible engine without vendoring KaTeX.
/// What it can do is refuse formulas over the size limit (which bounds a render's time and
/// memory) and stop *waiting*: the render runs on a helper thread and, past the time limit,
/// is abandoned. The cost: an abandoned render keeps one core and its memory busy until it ends
/// by itself (seconds, given the size limit) or the process exits, which a failing build does
/// at once; the preview server keeps the error in memory and so never starts it again.
pub fn render(f: &Formula, config: &MathConfig) -> Rendering {
    check_size(f, config)?;
    let opts = opts(f, config).map_err(MathError::Engine)?;
    let limit = Duration::from_secs_f64(config.timeout_secs);
    let raw = engines::render_one(&f.tex, opts.clone(), limit);
    finish(&f.tex, opts, limit, raw)
}

/// [`render`] for many formulas within the size limit (checked by the caller), in order: the
/// engines take them from one queue.
fn render_many(formulas: &[&Formula], config: &MathConfig) -> Vec<Rendering> {
    let limit = Duration::from_secs_f64(config.timeout_secs);
    let opts: Vec<Result<katex::Opts, MathError>> = formulas
        .iter()
        .map(|f| opts(f, config).map_err(MathError::Engine))
        .collect();
    let queued: Vec<(String, katex::Opts)> = formulas
        .iter()
        .zip(&opts)
        .filter_map(|(f, o)| o.as_ref().ok().map(|o| (f.tex.clone(), o.clone())))
        .collect();
    let mut raw = engines::render_queue(queued, limit).into_iter();
    // Each queued formula's answer, in the queue's order.
    let answered: Vec<_> = opts
        .into_iter()
        .map(|o| o.map(|o| (o, raw.next())))
        .collect();
    formulas
        .par_iter()
        .zip(answered)
        .map(|(f, answered)| {
            let (opts, raw) = answered?;
            let raw = raw.ok_or_else(|| MathError::Engine("a formula was not rendered".into()))?;
            finish(&f.tex, opts, limit, raw)
        })
        .collect()
}

/// KaTeX's answer as a [`Rendering`]: its message cleaned of the engine's wrapping.
fn finish(tex: &str, opts: katex::Opts, limit: Duration, raw: engines::Raw) -> Rendering {
    match raw? {
        Ok(html) => Ok(html),
        Err(katex::Error::JsExecError(detail)) if detail.trim() == UNREADABLE => {
            Err(MathError::Katex(message_outside_bmp(tex, opts, limit)?))
        }
        Err(katex::Error::JsExecError(detail)) => Err(MathError::Katex(clean_message(&detail))),
        Err(other) => Err(MathError::Katex(other.to_string())),
    }
}

/// What quick-js says when KaTeX's exception is not valid UTF-8.
const UNREADABLE: &str = "Internal error: Unknown exception";

/// KaTeX's message quotes the formula by UTF-16 units (up to 15 before the error, then the
/// offending token underlined unit by unit), so a character outside the Basic Multilingual Plane
/// (`\left😀`, `𝑥`) can be cut into lone surrogates, which quick-js cannot hand back as a string
/// (found by `fuzz/`, target `post`). Asks again with each such character swapped for a stand-in
/// from CJK Extension A (which KaTeX treats like any other unknown character; private-use ones
/// it rejects), and swaps them back in the message; its "position" then counts each of them as
/// one unit.
fn message_outside_bmp(tex: &str, opts: katex::Opts, limit: Duration) -> Result<String, MathError> {
    let mut outside: Vec<char> = tex.chars().filter(|c| *c > '\u{FFFF}').collect();
    outside.sort_unstable();
    outside.dedup();
    let stand_ins: Vec<char> = ('\u{3400}'..='\u{4DBF}')
        .filter(|c| !tex.contains(*c))
        .take(outside.len())
        .collect();
    if outside.is_empty() || stand_ins.len() < outside.len() {
        return Ok(UNREADABLE.to_string());
    }
    let swap = |text: &str, from: &[char], to: &[char]| -> String {
        text.chars()
            .map(|c| from.iter().position(|x| *x == c).map_or(c, |i| to[i]))
            .collect()
    };
    let message = match engines::render_one(&swap(tex, &outside, &stand_ins), opts, limit)? {
        Err(katex::Error::JsExecError(detail)) => clean_message(&detail),
        Err(other) => other.to_string(),
        Ok(_) => return Ok(UNREADABLE.to_string()),
    };
    Ok(swap(&message, &stand_ins, &outside))
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
    use std::path::Path;

    use super::*;

    fn f(tex: &str, display: bool) -> Formula {
        Formula {
            tex: tex.into(),
            display,
            macros: Arc::default(),
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
        assert!(!e.is_fatal());
        assert_eq!(
            e.to_string(),
            "KaTeX: KaTeX parse error: Unexpected end of input in a macro argument, expected '}' at end of input: \\frac{1}{"
        );
    }

    /// Found by `fuzz/` (target `post`): the message was "Internal error: Unknown exception".
    #[test]
    fn error_on_a_character_outside_the_bmp_keeps_katex_message() {
        let katex_message =
            |tex: &str, display: bool| match render(&f(tex, display), &MathConfig::default())
                .unwrap_err()
            {
                MathError::Katex(m) => m,
                other => panic!("{other:?}"),
            };
        let e = katex_message("\\left😀", false);
        assert!(
            e.starts_with("KaTeX parse error: Invalid delimiter '😀' after '\\left'"),
            "{e}"
        );
        assert!(e.contains("😀\u{332}"), "{e}");
        let e = katex_message("x+\\left😀\u{3400}", true);
        assert!(e.contains("😀\u{332}"), "{e}");
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

    /// What a reader sees, without the MathML annotation (which quotes the TeX as written).
    fn drawn(r: Option<&Rendering>) -> &str {
        let html = r.unwrap().as_ref().unwrap();
        &html[html.find("<span class=\"katex-html\"").unwrap()..]
    }

    #[test]
    fn post_macros_win_over_the_sites_and_are_part_of_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = MathConfig::default();
        c.macros.insert("\\R".into(), "\\mathbb{R}".into());
        c.macros.insert("\\x".into(), "\\R^2".into());
        let site = f("\\x", false);
        let own = Formula {
            macros: Arc::new(Macros::from([("\\R".into(), "\\mathbf{R}".into())])),
            ..site.clone()
        };
        let (cache, rendered) = build_with_store(dir.path(), &c, &[&site, &own]);
        assert_eq!(rendered, 2, "one key each");
        let mut plain = MathCache::new(&MathConfig::default());
        let (bb, bf) = (f("\\mathbb{R}^2", false), f("\\mathbf{R}^2", false));
        plain.render_missing([&bb, &bf]);
        assert_eq!(drawn(cache.get(&site)), drawn(plain.get(&bb)));
        // The post's `\R` replaces the site's, even inside a site macro.
        assert_eq!(drawn(cache.get(&own)), drawn(plain.get(&bf)));
        assert_ne!(disk_key(&site, &c), disk_key(&own, &c));
        assert!(stored(dir.path(), &own, &c).is_some());
        let (again, rendered) = build_with_store(dir.path(), &c, &[&site, &own]);
        assert_eq!(rendered, 0, "both from the store");
        assert_eq!(again.get(&own), cache.get(&own));
    }

    fn open_store(dir: &Path) -> Arc<Store> {
        match Store::open(dir, &mut Vec::new()) {
            crate::store::Opened::Store(s) => Arc::from(s),
            crate::store::Opened::Without(why) => panic!("{why}"),
        }
    }

    /// A build's use of the store: open, render `formulas`, commit. Returns the cache and how
    /// many formulas KaTeX rendered.
    fn build_with_store(dir: &Path, c: &MathConfig, formulas: &[&Formula]) -> (MathCache, usize) {
        let store = open_store(dir);
        let mut cache = MathCache::new(c);
        cache.set_disk(Some(Arc::clone(&store)));
        let rendered = cache.render_missing(formulas.iter().copied());
        cache.set_disk(None);
        Arc::into_inner(store).unwrap().finish(true).unwrap();
        (cache, rendered)
    }

    /// The sealed payload stored for `formula`, if any.
    fn stored(dir: &Path, formula: &Formula, c: &MathConfig) -> Option<Vec<u8>> {
        open_store(dir).get(STORED, &disk_key(formula, c))
    }

    #[test]
    fn disk_cache_is_shared_between_processes() {
        let dir = tempfile::tempdir().unwrap();
        let c = MathConfig::default();
        let a = f("a^2", false);
        let bad = f("\\nope", false);
        let (first, n) = build_with_store(dir.path(), &c, &[&a, &bad]);
        assert_eq!(n, 2);
        let (second, n) = build_with_store(dir.path(), &c, &[&a, &bad]);
        assert_eq!(n, 0, "both come from disk");
        assert_eq!(second.get(&a), first.get(&a));
        assert_eq!(second.get(&bad), first.get(&bad));
        // Other options are other keys.
        let html = MathConfig {
            output: MathOutput::Html,
            ..Default::default()
        };
        assert_eq!(build_with_store(dir.path(), &html, &[&a]).1, 1);
    }

    /// Each way a stored entry can be wrong: KaTeX renders the formula again, the cache hands
    /// out KaTeX's real output, and the store holds a good entry again.
    #[test]
    fn bad_disk_entries_are_rendered_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let c = MathConfig::default();
        let a = f("\\sum_{i=1}^n a_i", true);
        let b = f("e^{i\\pi}", false);
        let (first, _) = build_with_store(dir.path(), &c, &[&a, &b]);
        let good = first.get(&a).unwrap().clone();
        assert!(good.is_ok());
        let key_a = disk_key(&a, &c);
        let payload = stored(dir.path(), &a, &c).unwrap();
        let sealed = STORED.seal(&key_a, &payload);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", Vec::new()),
            ("truncated", sealed[..sealed.len() / 2].to_vec()),
            ("body replaced", {
                let mut e = sealed[..sealed.len() - payload.len()].to_vec();
                e.extend_from_slice(b"ok\n<script>alert(1)</script>");
                e
            }),
            (
                "another formula's entry",
                STORED.seal(&disk_key(&b, &c), &stored(dir.path(), &b, &c).unwrap()),
            ),
            (
                "version 1 format",
                b"ok\n<script>alert(1)</script>".to_vec(),
            ),
            ("sealed garbage", STORED.seal(&key_a, b"neither ok nor err")),
        ];
        for (what, bytes) in cases {
            let store = open_store(dir.path());
            store.put_raw(STORED, &key_a, bytes);
            Arc::into_inner(store).unwrap().finish(false).unwrap();
            let (later, n) = build_with_store(dir.path(), &c, &[&a, &b]);
            assert_eq!(n, 1, "{what}: only `a` again");
            assert_eq!(later.get(&a), Some(&good), "{what}");
            assert_eq!(
                stored(dir.path(), &a, &c),
                Some(payload.clone()),
                "{what}: entry replaced"
            );
        }
    }

    #[test]
    fn formula_over_the_size_limit_is_not_rendered() {
        let dir = tempfile::tempdir().unwrap();
        let c = MathConfig {
            max_formula_bytes: 1000,
            ..Default::default()
        };
        let big = f(&"x+".repeat(1024 * 1024 / 2), false);
        let start = std::time::Instant::now();
        let e = render(&big, &c).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(
            e,
            MathError::TooLarge {
                bytes: 1024 * 1024,
                limit: 1000
            }
        );
        assert!(e.is_fatal());
        assert!(e.to_string().contains("max_formula_bytes"), "{e}");
        let (cache, n) = build_with_store(dir.path(), &c, &[&big]);
        assert_eq!(n, 0);
        assert_eq!(cache.get(&big), Some(&Err(e)));
        assert_eq!(stored(dir.path(), &big, &c), None, "never cached");
        // Just under the limit still renders.
        assert!(render(&f(&"x".repeat(1000), false), &c).is_ok());
    }

    #[test]
    fn a_slow_formula_in_a_batch_times_out_alone_and_the_others_render() {
        let c = MathConfig {
            timeout_secs: 0.2,
            ..Default::default()
        };
        // The longest, so an engine takes it first; the one that does is given up on, and a
        // fresh engine renders the rest of the queue with the other.
        let slow = f(&"x+".repeat(3 * 1024), false);
        let others: Vec<Formula> = (0..24)
            .map(|i| f(&format!("x^{{{i}}}"), i % 2 == 0))
            .collect();
        let mut cache = MathCache::new(&c);
        let n = cache.render_missing(others.iter().chain([&slow]));
        assert_eq!(n, 25);
        assert_eq!(
            cache.get(&slow),
            Some(&Err(MathError::TooSlow {
                limit: Duration::from_millis(200)
            }))
        );
        for o in &others {
            assert_eq!(
                cache.get(o),
                Some(&render(o, &MathConfig::default())),
                "{}",
                o.tex
            );
        }
    }

    #[test]
    fn slow_formula_hits_the_time_limit_and_the_next_one_renders() {
        let dir = tempfile::tempdir().unwrap();
        let c = MathConfig {
            timeout_secs: 0.2,
            ..Default::default()
        };
        // About a second in a release build, more here; a flat row's cost is quadratic.
        let slow = f(&"x+".repeat(3 * 1024), false);
        let start = std::time::Instant::now();
        let (cache, _) = build_with_store(dir.path(), &c, &[&slow]);
        assert!(
            start.elapsed() < Duration::from_millis(900),
            "{:?}",
            start.elapsed()
        );
        let e = cache.get(&slow).unwrap().clone().unwrap_err();
        assert_eq!(
            e,
            MathError::TooSlow {
                limit: Duration::from_millis(200)
            }
        );
        assert!(e.is_fatal());
        assert!(e.to_string().contains("timeout_secs"), "{e}");
        assert_eq!(stored(dir.path(), &slow, &c), None, "never cached");
        // This thread's abandoned engine is replaced by a fresh one.
        let ok = render(&f("x^2", false), &c).unwrap();
        assert_eq!(
            ok,
            render(&f("x^2", false), &MathConfig::default()).unwrap()
        );
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
