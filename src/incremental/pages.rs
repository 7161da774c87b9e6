//! Rendered pages kept between builds. A page is rendered again only when something its output
//! can depend on changed: its template or a template that one extends, includes or imports, the
//! `site` value every page sees, or its own `page` value. Otherwise the last output is reused.
//!
//! So an edit below a post's first paragraph re-renders that post's page alone; an edit that
//! changes what listings show (title, date, excerpt, categories) changes `site`, and every page
//! is rendered again, since any template may list posts; editing `category.html` re-renders the
//! category pages and nothing else.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use tera::ast::Node;

use crate::error::Result;
use crate::templates::Templates;

type Entries = HashMap<PathBuf, (blake3::Hash, Vec<u8>)>;

/// Page outputs by output path. Shared by rendering threads, hence the locks; a lookup is a
/// hash-map probe, far cheaper than the render it saves.
///
/// Pages rendered in a round are held apart until [`PageCache::commit`], which the build calls
/// once the output is written: so "reused" always means "the same bytes as in the output folder
/// now", even after a build that failed half-way.
#[derive(Default)]
pub struct PageCache {
    enabled: bool,
    committed: Mutex<Entries>,
    pending: Mutex<Entries>,
    reused: Mutex<HashSet<PathBuf>>,
    rendered: AtomicUsize,
}

/// What a page was made from, hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageKey(blake3::Hash);

impl PageCache {
    /// A cache that remembers pages; the default one renders every page every time, which is
    /// what a one-off `quire build` wants (no hashing, no memory).
    pub fn enabled() -> Self {
        PageCache {
            enabled: true,
            ..Default::default()
        }
    }

    /// Starts one build's rendering. `shared` is what every page depends on (the `site` value
    /// and the configuration); it and the templates are hashed once, up front.
    pub fn round<'a>(&'a self, templates: &Templates, shared: &impl Serialize) -> PageRound<'a> {
        self.rendered.store(0, Ordering::Relaxed);
        lock(&self.pending).clear();
        lock(&self.reused).clear();
        if !self.enabled {
            return PageRound {
                cache: self,
                shared: blake3::Hash::from_bytes([0; 32]),
                templates: HashMap::new(),
            };
        }
        PageRound {
            cache: self,
            shared: hash_json(shared),
            templates: template_fingerprints(templates),
        }
    }

    /// Pages the last round had to render (not reuse).
    pub fn last_rendered(&self) -> usize {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Output paths whose bytes the last round took from the cache: identical to what the
    /// last committed round produced.
    pub fn reused(&self) -> HashSet<PathBuf> {
        lock(&self.reused).clone()
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the data usable: entries are replaced whole.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One build's view of the cache.
pub struct PageRound<'a> {
    cache: &'a PageCache,
    shared: blake3::Hash,
    templates: HashMap<String, blake3::Hash>,
}

impl PageRound<'_> {
    /// The key of the page at `path` rendered with `template` from `inputs`: everything the
    /// page's `page` value is made from (the value itself will do).
    pub fn key(&self, path: &Path, template: &str, inputs: &impl Serialize) -> PageKey {
        if !self.cache.enabled {
            return PageKey(blake3::Hash::from_bytes([0; 32]));
        }
        let mut h = blake3::Hasher::new();
        h.update(self.shared.as_bytes());
        match self.templates.get(template) {
            Some(t) => h.update(t.as_bytes()),
            // Unknown template: rendering will fail and nothing is stored.
            None => h.update(b"\0missing\0").update(template.as_bytes()),
        };
        h.update(path.as_os_str().as_encoded_bytes()).update(b"\0");
        h.update(hash_json(inputs).as_bytes());
        PageKey(h.finalize())
    }

    /// The remembered output for `path` if it was made from the same `key`, else `render()`'s.
    pub fn get_or_render(
        &self,
        path: &Path,
        key: PageKey,
        render: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        if !self.cache.enabled {
            self.cache.rendered.fetch_add(1, Ordering::Relaxed);
            return render();
        }
        if let Some((k, bytes)) = lock(&self.cache.committed).get(path)
            && *k == key.0
        {
            lock(&self.cache.reused).insert(path.to_path_buf());
            return Ok(bytes.clone());
        }
        self.cache.rendered.fetch_add(1, Ordering::Relaxed);
        let bytes = render()?;
        lock(&self.cache.pending).insert(path.to_path_buf(), (key.0, bytes.clone()));
        Ok(bytes)
    }
}

/// serde_json cannot fail on these plain values; if it ever did, the partial hash would simply
/// not match and the page would be rendered again. Serialised into a buffer first because
/// serde_json writes in tiny pieces, and hashing those one by one is several times slower.
fn hash_json(value: &impl Serialize) -> blake3::Hash {
    let mut buf = Vec::with_capacity(4096);
    let _ = serde_json::to_writer(&mut buf, value);
    blake3::hash(&buf)
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

    #[test]
    fn pages_are_reused_until_an_input_changes() {
        let (_d, t) = templates(&[]);
        let cache = PageCache::enabled();
        let path = Path::new("p.html");
        let render = |site: &str, page: &str| {
            let round = cache.round(&t, &site);
            let key = round.key(path, "post.html", &page);
            let out = round
                .get_or_render(path, key, || Ok(format!("{site}/{page}").into_bytes()))
                .unwrap();
            cache.commit();
            (String::from_utf8(out).unwrap(), cache.last_rendered())
        };
        assert_eq!(render("s1", "p1"), ("s1/p1".into(), 1));
        assert_eq!(render("s1", "p1"), ("s1/p1".into(), 0));
        assert!(cache.reused().contains(path));
        assert_eq!(render("s1", "p2"), ("s1/p2".into(), 1));
        assert!(cache.reused().is_empty());
        assert_eq!(render("s2", "p2"), ("s2/p2".into(), 1));
    }

    #[test]
    fn uncommitted_rounds_are_not_reused() {
        let (_d, t) = templates(&[]);
        let cache = PageCache::enabled();
        let path = Path::new("p.html");
        let round = cache.round(&t, &"s");
        let key = round.key(path, "post.html", &"p");
        round
            .get_or_render(path, key, || Ok(b"x".to_vec()))
            .unwrap();
        // No commit: as if writing the output failed.
        let round = cache.round(&t, &"s");
        round
            .get_or_render(path, key, || Ok(b"x".to_vec()))
            .unwrap();
        assert_eq!(cache.last_rendered(), 1);
        assert!(cache.reused().is_empty());
    }

    #[test]
    fn a_disabled_cache_never_reuses() {
        let (_d, t) = templates(&[]);
        let off = PageCache::default();
        let path = Path::new("p.html");
        let round = off.round(&t, &"s");
        for _ in 0..2 {
            let key = round.key(path, "post.html", &"p");
            round.get_or_render(path, key, || Ok(vec![])).unwrap();
            off.commit();
        }
        assert_eq!(off.last_rendered(), 2);
    }
}
