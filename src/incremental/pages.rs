//! Rendered pages kept between builds. A page is rendered again only when something its output
//! can depend on changed: its template or a template that one extends, includes or imports, the
//! `site` value every page sees, or its own inputs ([`Page`], from which its `page` value is
//! made). Otherwise the last output is reused.
//!
//! So an edit below a post's first paragraph re-renders that post's page alone; an edit that
//! changes what listings show (title, date, excerpt, categories) changes `site`, and every page
//! is rendered again, since any template may list posts; editing `category.html` re-renders the
//! category pages and nothing else.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tera::ast::Node;

use crate::error::Result;
use crate::output::Previous;
use crate::output::ledger::{FileKey, Ledger};
use crate::pages::Page;
use crate::sync::lock;
use crate::templates::Templates;

/// Each page's key by output path.
type Entries = HashMap<PathBuf, blake3::Hash>;

/// The key of each page the last build put in the output folder. Shared by rendering threads,
/// hence the locks; a lookup is a hash-map probe, far cheaper than the render it saves. Only
/// keys are held: the page itself is the file in the preview's private output folder, so a
/// page whose key did not change is neither rendered, copied nor written (a 1,000-post site's
/// pages are 170 MB).
///
/// Keys of pages rendered in a round are held apart until [`PageCache::commit`], which the
/// build calls once the output is written: so a kept page always means "the bytes in the
/// output folder now", even after a build that failed half-way.
#[derive(Default)]
pub struct PageCache {
    enabled: bool,
    committed: Mutex<Entries>,
    pending: Mutex<Entries>,
    reused: Mutex<HashSet<PathBuf>>,
    rendered: AtomicUsize,
    /// The template context holding `site` as the last round made it, under the shared key it
    /// was made for: a save that changes no listing does not build `site` again (megabytes on
    /// a large site).
    context: Mutex<Option<(blake3::Hash, tera::Context)>>,
}

/// What a page was made from, hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageKey(blake3::Hash);

impl PageKey {
    /// The key the output ledger records for the page's file.
    pub fn file_key(&self) -> FileKey {
        self.0
    }
}

impl PageCache {
    /// A cache that remembers pages; the default one renders every page every time, which is
    /// what a one-off `quire build` wants (no hashing, no memory).
    pub fn enabled() -> Self {
        PageCache {
            enabled: true,
            ..Default::default()
        }
    }

    /// Starts one build's rendering. `shared` is the key of what every page depends on (the
    /// `site` value and the configuration); the templates are hashed once, up front. `output` is the
    /// output folder as the build found it with the ledger of what the last build wrote there:
    /// a page whose key is the one recorded for a file still as it was is not rendered at all.
    pub fn round<'a>(
        &'a self,
        templates: &Templates,
        shared: Option<blake3::Hash>,
        output: Option<(&'a Ledger, &'a Previous)>,
    ) -> PageRound<'a> {
        self.rendered.store(0, Ordering::Relaxed);
        lock(&self.pending).clear();
        lock(&self.reused).clear();
        if !self.enabled && output.is_none() {
            return PageRound {
                cache: self,
                shared: None,
                templates: HashMap::new(),
                output: None,
            };
        }
        PageRound {
            cache: self,
            shared,
            templates: template_fingerprints(templates),
            output,
        }
    }

    /// The context [`Self::keep_context`] was given for the same `shared` key, if any.
    pub fn take_context(&self, shared: Option<blake3::Hash>) -> Option<tera::Context> {
        let mut kept = lock(&self.context);
        match (kept.take(), shared) {
            (Some((k, ctx)), Some(shared)) if k == shared => Some(ctx),
            _ => None,
        }
    }

    /// Keeps the round's context for the next (the preview only: a one-off build has no next).
    pub fn keep_context(&self, shared: Option<blake3::Hash>, ctx: tera::Context) {
        if let (true, Some(shared)) = (self.enabled, shared) {
            *lock(&self.context) = Some((shared, ctx));
        }
    }

    /// Pages the last round had to render (not keep).
    pub fn last_rendered(&self) -> usize {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Makes the last round's pages the ones to compare against, and forgets pages it did not
    /// produce (deleted posts, renamed categories).
    pub fn commit(&self) {
        if !self.enabled {
            return;
        }
        let reused = lock(&self.reused);
        let mut committed = lock(&self.committed);
        committed.retain(|p, _| reused.contains(p));
        committed.extend(lock(&self.pending).drain());
    }
}

/// One build's view of the cache.
pub struct PageRound<'a> {
    cache: &'a PageCache,
    /// `None` when the cache is off or the shared values cannot be keyed: nothing is reused.
    shared: Option<blake3::Hash>,
    templates: HashMap<String, blake3::Hash>,
    output: Option<(&'a Ledger, &'a Previous)>,
}

impl PageRound<'_> {
    /// The key of `page`, written to `path`: its template's fingerprint, the shared values and
    /// the page's inputs, serialised whole. Since the page's template context is made from
    /// those inputs alone, nothing a page shows can be missing from its key. `None` when the
    /// cache is off, or the page cannot be keyed (it is then rendered and not kept).
    pub fn key(&self, path: &Path, page: &Page<'_>) -> Option<PageKey> {
        if !self.cache.enabled && self.output.is_none() {
            return None;
        }
        let template = page.template();
        let mut h = blake3::Hasher::new();
        h.update(self.shared?.as_bytes());
        match self.templates.get(template.as_ref()) {
            Some(t) => h.update(t.as_bytes()),
            // Unknown template: rendering will fail and nothing is stored.
            None => h.update(b"\0missing\0").update(template.as_bytes()),
        };
        h.update(path.as_os_str().as_encoded_bytes()).update(b"\0");
        h.update(super::fingerprint(page)?.as_bytes());
        Some(PageKey(h.finalize()))
    }

    /// Whether the output folder already holds `path` as made from `key`: by the ledger of a
    /// one-off build (see [`Ledger`]), or because the preview's last committed round put it
    /// there. The page is then not rendered at all.
    pub fn kept(&self, path: &Path, key: Option<PageKey>) -> bool {
        let Some(key) = key else {
            return false;
        };
        if let Some((ledger, previous)) = self.output
            && ledger.unchanged(previous, path, &key.0)
        {
            return true;
        }
        if self.cache.enabled && lock(&self.cache.committed).get(path) == Some(&key.0) {
            lock(&self.cache.reused).insert(path.to_path_buf());
            return true;
        }
        false
    }

    /// `render()`'s page (one [`Self::kept`] said is not in the output), its key remembered
    /// for the next round once committed.
    pub fn render(
        &self,
        path: &Path,
        key: Option<PageKey>,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        self.cache.rendered.fetch_add(1, Ordering::Relaxed);
        let bytes = render()?;
        if let Some(key) = key.filter(|_| self.cache.enabled) {
            lock(&self.cache.pending).insert(path.to_path_buf(), key.0);
        }
        Ok(bytes)
    }
}

/// For each template, a hash of its text and of every template it can pull in.
fn template_fingerprints(templates: &Templates) -> HashMap<String, blake3::Hash> {
    templates
        .names()
        .into_iter()
        .map(|name| {
            let mut h = blake3::Hasher::new();
            let mut deps: Vec<String> = dependencies(templates, name).into_iter().collect();
            deps.sort();
            for dep in deps {
                h.update(dep.as_bytes()).update(b"\0");
                match templates.source_hash(&dep) {
                    Some(s) => h.update(s.as_bytes()),
                    None => h.update(b"\0unknown"),
                };
            }
            (name.to_string(), h.finalize())
        })
        .collect()
}

/// `name` and every template reachable from it through `extends`, `include` and `import`.
pub fn dependencies(templates: &Templates, name: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut todo = vec![name.to_string()];
    while let Some(n) = todo.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        let Ok(t) = templates.tera().get_template(&n) else {
            continue;
        };
        todo.extend(t.parents.iter().cloned());
        todo.extend(t.imported_macro_files.iter().map(|(file, _)| file.clone()));
        let mut includes = Vec::new();
        collect_includes(&t.ast, &mut includes);
        for m in t.macros.values() {
            collect_includes(&m.body, &mut includes);
        }
        todo.extend(includes);
    }
    seen
}

fn collect_includes(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Include(_, names, _) => out.extend(names.iter().cloned()),
            Node::ImportMacro(_, file, _) => out.push(file.clone()),
            Node::Extends(_, parent) => out.push(parent.clone()),
            Node::Block(_, b, _) => collect_includes(&b.body, out),
            Node::MacroDefinition(_, m, _) => collect_includes(&m.body, out),
            Node::FilterSection(_, f, _) => collect_includes(&f.body, out),
            Node::Forloop(_, f, _) => {
                collect_includes(&f.body, out);
                if let Some(empty) = &f.empty_body {
                    collect_includes(empty, out);
                }
            }
            Node::If(i, _) => {
                for (_, _, body) in &i.conditions {
                    collect_includes(body, out);
                }
                if let Some((_, body)) = &i.otherwise {
                    collect_includes(body, out);
                }
            }
            Node::Super
            | Node::Text(_)
            | Node::VariableBlock(..)
            | Node::Set(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn templates(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            crate::fs::write(&dir.path().join("templates").join(name), text).unwrap();
        }
        let t = Templates::load(dir.path(), "").unwrap();
        (dir, t)
    }

    #[test]
    fn dependencies_follow_extends_include_and_import() {
        let (_d, t) = templates(&[
            (
                "a.html",
                "{% extends \"base.html\" %}{% block content %}{% if x %}{% include \"part.html\" %}{% endif %}{% endblock %}",
            ),
            ("part.html", "{% import \"m.html\" as m %}{{ m::f() }}"),
            ("m.html", "{% macro f() %}{% endmacro f %}"),
            ("lonely.html", "hi"),
        ]);
        let mut a: Vec<String> = dependencies(&t, "a.html").into_iter().collect();
        a.sort();
        assert_eq!(a, ["a.html", "base.html", "m.html", "part.html"]);
        let lonely: Vec<String> = dependencies(&t, "lonely.html").into_iter().collect();
        assert_eq!(lonely, ["lonely.html"]);
    }

    #[test]
    fn a_template_edit_changes_only_the_fingerprints_that_use_it() {
        let files = |part: &'static str| {
            vec![
                ("a.html", "{% include \"part.html\" %}"),
                ("part.html", part),
                ("b.html", "b"),
            ]
        };
        let (_d, t1) = templates(&files("one"));
        let (_e, t2) = templates(&files("two"));
        let (f1, f2) = (template_fingerprints(&t1), template_fingerprints(&t2));
        assert_ne!(f1["a.html"], f2["a.html"]);
        assert_eq!(f1["b.html"], f2["b.html"]);
        assert_eq!(f1["post.html"], f2["post.html"]);
    }

    fn feed(title: &str) -> Page<'_> {
        Page::NotFound(crate::pages::NotFoundPage { title })
    }

    #[test]
    fn pages_are_reused_until_an_input_changes() {
        let (_d, t) = templates(&[]);
        let cache = PageCache::enabled();
        let path = Path::new("p.html");
        // What the output folder holds: the page as the last committed round left it.
        let written = Mutex::new(String::new());
        let build = |site: &str, page: &str| {
            let round = cache.round(&t, crate::incremental::fingerprint(&site), None);
            let key = round.key(path, &feed(page));
            if !round.kept(path, key) {
                let out = round
                    .render(path, key, || Ok(format!("{site}/{page}").into_bytes()))
                    .unwrap();
                *lock(&written) = String::from_utf8(out).unwrap();
            }
            cache.commit();
            (lock(&written).clone(), cache.last_rendered())
        };
        assert_eq!(build("s1", "p1"), ("s1/p1".into(), 1));
        assert_eq!(build("s1", "p1"), ("s1/p1".into(), 0));
        assert_eq!(build("s1", "p2"), ("s1/p2".into(), 1));
        assert_eq!(build("s2", "p2"), ("s2/p2".into(), 1));
        assert_eq!(build("s2", "p2"), ("s2/p2".into(), 0));
    }

    #[test]
    fn uncommitted_rounds_are_not_reused() {
        let (_d, t) = templates(&[]);
        let cache = PageCache::enabled();
        let path = Path::new("p.html");
        let round = cache.round(&t, crate::incremental::fingerprint(&"s"), None);
        let key = round.key(path, &feed("p"));
        assert!(!round.kept(path, key));
        round.render(path, key, || Ok(b"x".to_vec())).unwrap();
        // No commit: as if writing the output failed.
        let round = cache.round(&t, crate::incremental::fingerprint(&"s"), None);
        assert!(!round.kept(path, key), "the output folder does not hold it");
        cache.commit();
        let round = cache.round(&t, crate::incremental::fingerprint(&"s"), None);
        assert!(
            !round.kept(path, key),
            "a round that rendered nothing commits nothing"
        );
    }

    #[test]
    fn a_disabled_cache_never_reuses() {
        let (_d, t) = templates(&[]);
        let off = PageCache::default();
        let path = Path::new("p.html");
        let round = off.round(&t, crate::incremental::fingerprint(&"s"), None);
        for _ in 0..2 {
            let key = round.key(path, &feed("p"));
            assert!(!round.kept(path, key));
            round.render(path, key, || Ok(vec![])).unwrap();
            off.commit();
        }
        assert_eq!(off.last_rendered(), 2);
    }

    /// The stale-preview bug this design rules out: a page's key follows every one of its
    /// inputs, including those (front matter `extra`, the layout) that neither `site` nor the
    /// post's HTML carries.
    #[test]
    fn pages_differing_in_any_one_input_have_different_keys() {
        use crate::markdown::{Input, Renderer};
        use crate::pages::{CategoryPage, IndexPage, Link, Paginator, PostPage, PostSummary, Term};

        let (_d, t) = templates(&[("note.html", "{{ page.title }}")]);
        let cache = PageCache::enabled();
        let round = cache.round(&t, crate::incremental::fingerprint(&"s"), None);
        let path = Path::new("p.html");
        let h = crate::markdown::highlight::Highlighter::default();
        let math = crate::markdown::math::MathCache::default();
        let md = crate::config::MarkdownConfig::default();
        let r = Renderer {
            config: &md,
            math: &math,
            highlighter: &h,
            lang: "en",
            posts: &Default::default(),
            citations: &Default::default(),
            key: Default::default(),
        };
        let render = |text: &str| {
            let input = Input {
                path: Path::new("posts/a.md"),
                text,
                body_offset: 0,
                title: "",
                macros: &std::sync::Arc::default(),
            };
            crate::markdown::render(&input, &r)
        };
        let (one, two) = (render("one"), render("two"));
        assert_ne!(one.key, two.key);
        let summary = PostSummary {
            title: "T".into(),
            title_html: "T".into(),
            url: "/a.html".into(),
            date: "2020-01-01T00:00:00+00:00".into(),
            date_display: "2020-01-01".into(),
            excerpt: "<p>one</p>".into(),
            excerpt_has_math: false,
            categories: Vec::new(),
            tags: Vec::new(),
        };
        let extra = BTreeMap::new();
        let mut lang = BTreeMap::new();
        lang.insert("lang".to_string(), serde_json::Value::from("en"));
        let post = |summary, layout, extra, rendered| {
            Page::Post(PostPage {
                summary,
                layout,
                extra,
                rendered,
                previous: None,
                next: None,
            })
        };
        let base = round.key(path, &post(&summary, "post", &extra, &one));
        assert!(base.is_some());
        assert_eq!(base, round.key(path, &post(&summary, "post", &extra, &one)));
        let retitled = PostSummary {
            title: "U".into(),
            ..summary.clone()
        };
        let tagged = PostSummary {
            tags: vec![Link {
                name: "t".into(),
                url: "/tags/t/".into(),
            }],
            ..summary.clone()
        };
        let cat = Term {
            name: "c".into(),
            url: "/c/".into(),
            feed: None,
            posts: vec![&summary],
        };
        let cat2 = Term {
            posts: vec![&retitled],
            ..cat.clone()
        };
        let others = [
            ("title", post(&retitled, "post", &extra, &one)),
            ("tags", post(&tagged, "post", &extra, &one)),
            ("layout", post(&summary, "note", &extra, &one)),
            ("extra", post(&summary, "post", &lang, &one)),
            ("rendering", post(&summary, "post", &extra, &two)),
            (
                "neighbour",
                Page::Post(PostPage {
                    summary: &summary,
                    layout: "post",
                    extra: &extra,
                    rendered: &one,
                    previous: Some(&retitled),
                    next: None,
                }),
            ),
            (
                "kind",
                Page::Index(IndexPage {
                    site_title: "T",
                    url: "/".into(),
                    has_math: false,
                    paginator: Paginator {
                        page: 1,
                        per_page: 1,
                        posts: std::slice::from_ref(&summary),
                        total_posts: 1,
                        total_pages: 1,
                        previous_page: None,
                        previous_page_path: None,
                        next_page: None,
                        next_page_path: None,
                    },
                }),
            ),
        ];
        for (what, page) in others {
            assert_ne!(base, round.key(path, &page), "{what}");
        }
        let c1 = round.key(path, &Page::Category(CategoryPage { category: &cat }));
        let c2 = round.key(path, &Page::Category(CategoryPage { category: &cat2 }));
        assert_ne!(c1, c2, "a category page follows its posts");
        // A rendering without a key is rendered every time rather than risk a stale page.
        let mut unkeyed = one.clone();
        unkeyed.key = None;
        assert_eq!(
            round.key(path, &post(&summary, "post", &extra, &unkeyed)),
            None
        );
    }
}
