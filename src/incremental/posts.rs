//! Per-post Markdown results kept between builds. A post whose [`RenderKey`] (its file and
//! everything the Markdown stage reads besides) is what it was last time gets its formulas and
//! HTML from here instead of being parsed and rendered again; that is most of what makes a
//! preview rebuild cheap.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache_entry::Kind;
use crate::content::post::Post;
use crate::error::{Error, Result};
use crate::markdown::headings::TocEntry;
use crate::markdown::math::Formula;
use crate::markdown::{self, Content, Input, Parsed, RenderKey, Rendered, Renderer};
use crate::store::Store;

struct Entry {
    key: RenderKey,
    formulas: Vec<Formula>,
    rendered: Rendered,
}

/// The Markdown stage's memory: in this process, keyed by post path (the preview), and in
/// `.quire-cache/` between processes, keyed by [`RenderKey`] (a one-off `quire build`).
#[derive(Default)]
pub struct PostCache {
    /// Off by default: a one-off build would only pay for copies it never reuses.
    enabled: bool,
    entries: HashMap<PathBuf, Entry>,
    /// How many posts the last [`PostCache::finish`] had to render (for reports and tests).
    last_rendered: usize,
    /// The store of the build under way, if it keeps renderings there (see [`Self::set_store`]).
    store: Option<Arc<Store>>,
}

/// What a rendering is kept as in the store, besides its [`Content`]: everything listings,
/// page keys and the GIF stage read, so a build whose pages are unchanged reads only this.
/// Renderings with warnings or errors are not kept: they are few, and rendering them again
/// gives their messages afresh.
#[derive(Serialize, Deserialize)]
struct Head {
    title_html: String,
    toc: Vec<TocEntry>,
    excerpt: String,
    has_math: bool,
    animations: Vec<crate::conv::Params>,
    /// The store keys of its formulas' renderings ([`crate::markdown::math::STORED`]): they
    /// age with it, and they are the site's distinct formulas for the build's report.
    formulas: Vec<String>,
}

/// Bump when [`Head`] or the content's layout changes (what quire's code makes of a post is in
/// the [`RenderKey`] itself, through [`crate::CODE_ID`]).
const HEAD: Kind = Kind {
    name: "post",
    version: 1,
};
const CONTENT: Kind = Kind {
    name: "post-content",
    version: 1,
};

/// Every post between the two phases: parsed, or known to be reusable. Holds the parsed events
/// of the posts that changed (all of them in a cold build) until [`PostCache::finish`].
pub struct Prepared<'p> {
    posts: Vec<Prep<'p>>,
    formulas: Vec<Formula>,
    /// `formulas[spans[i]]` are post `i`'s.
    spans: Vec<Range<usize>>,
}

enum Prep<'p> {
    Reused(&'p Path),
    /// From the store, without its content, and the store keys of its formulas.
    Stored(&'p Path, Box<Rendered>, Vec<String>),
    /// Boxed: parsed posts are few and large next to the reused ones.
    Fresh(Box<Parsed<'p>>),
}

impl Prepared<'_> {
    /// The formulas of every post to be rendered, in site order, for the KaTeX prepass (a post
    /// reused whole, from memory or the store, needs none).
    pub fn formulas(&self) -> &[Formula] {
        &self.formulas
    }

    /// The formulas of the posts reused from memory (the preview's), which the site still
    /// holds: for the count of its distinct formulas.
    pub fn reused_formulas<'a>(
        &'a self,
        cache: &'a PostCache,
    ) -> impl Iterator<Item = &'a Formula> {
        self.posts.iter().flat_map(move |p| match p {
            Prep::Reused(path) => cache.entries[*path].formulas.as_slice(),
            _ => &[],
        })
    }

    /// The store keys of the formulas of the posts taken from the store.
    pub fn stored_formulas(&self) -> impl Iterator<Item = &str> {
        self.posts
            .iter()
            .flat_map(|p| match p {
                Prep::Stored(_, _, keys) => keys.as_slice(),
                _ => &[],
            })
            .map(String::as_str)
    }
}

/// What the Markdown stage reads of a post.
pub fn input(p: &Post) -> Input<'_> {
    Input {
        path: &p.source,
        text: &p.text,
        body_offset: p.body_offset,
        title: &p.title,
        macros: &p.macros,
    }
}

impl PostCache {
    pub fn enabled() -> Self {
        PostCache {
            enabled: true,
            ..Default::default()
        }
    }

    /// Keeps renderings in `store` between processes (for one build: `None` lets the build
    /// commit and close it).
    pub fn set_store(&mut self, store: Option<Arc<Store>>) {
        self.store = store;
    }

    /// First phase: parses every post whose rendering is neither remembered nor stored (every
    /// post, when there is no cache). `r.math` need not hold the formulas yet. `inputs` are the
    /// posts (see [`input`]) and any other Markdown the site renders (`pages/`), each under its
    /// own path.
    ///
    /// Fails only on what rendering any post needs and does not have: a bibliography that
    /// does not parse (checked only when some post is to be rendered). `keys` are the inputs'
    /// [`markdown::render_keys`] under `r`.
    pub fn parse<'p>(
        &self,
        inputs: &[Input<'p>],
        keys: &[Option<RenderKey>],
        r: &Renderer<'_>,
    ) -> Result<Prepared<'p>> {
        debug_assert_eq!(inputs.len(), keys.len(), "a key for each input");
        let found: Vec<Option<Prep<'p>>> = inputs
            .par_iter()
            .zip(keys)
            .map(|(i, key)| {
                if self.hit(i, *key).is_some() {
                    return Some(Prep::Reused(i.path));
                }
                self.stored(*key)
                    .map(|(rendered, keys)| Prep::Stored(i.path, Box::new(rendered), keys))
            })
            .collect();
        if found.iter().any(Option::is_none) {
            r.citations.prepare()?;
        }
        let posts: Vec<Prep<'p>> = found
            .into_par_iter()
            .zip(inputs)
            .map(|(p, i)| p.unwrap_or_else(|| Prep::Fresh(Box::new(markdown::parse(*i, r)))))
            .collect();
        let mut formulas = Vec::new();
        let mut spans = Vec::with_capacity(posts.len());
        for p in &posts {
            let start = formulas.len();
            if let Prep::Fresh(parsed) = p {
                formulas.extend(parsed.formulas());
            }
            spans.push(start..formulas.len());
        }
        Ok(Prepared {
            posts,
            formulas,
            spans,
        })
    }

    /// Second phase: renders the parsed posts, in site order with the reused ones. `r` must be
    /// the renderer given to [`PostCache::parse`], its math cache now holding
    /// [`Prepared::formulas`]. Renderings made here go to the store, if there is one.
    pub fn finish(&mut self, prepared: Prepared<'_>, r: &Renderer<'_>) -> Vec<Rendered> {
        let Prepared {
            posts,
            formulas,
            spans,
        } = prepared;
        let store = self.store.as_deref();
        let done: Vec<(&Path, Option<Rendered>, bool)> = posts
            .into_par_iter()
            .zip(spans.par_iter())
            .map(|(p, span)| match p {
                Prep::Reused(path) => (path, None, false),
                Prep::Stored(path, rendered, keys) => {
                    if let (Some(store), Some(key)) = (store, rendered.key) {
                        store.reaches(CONTENT, vec![key.to_hex()]);
                        store.reaches(crate::markdown::math::STORED, keys);
                    }
                    (path, Some(*rendered), false)
                }
                Prep::Fresh(parsed) => {
                    let path = parsed.path();
                    let rendered = (*parsed).finish(r);
                    if let Some(store) = store {
                        keep(store, &rendered, &formulas[span.clone()], r);
                    }
                    (path, Some(rendered), true)
                }
            })
            .collect();
        self.last_rendered = done.iter().filter(|(_, _, fresh)| *fresh).count();
        if !self.enabled {
            return done.into_iter().filter_map(|(_, d, _)| d).collect();
        }
        // Posts deleted or renamed since the last build would otherwise stay in memory forever.
        let live: HashSet<&Path> = done.iter().map(|(path, _, _)| *path).collect();
        self.entries.retain(|path, _| live.contains(path.as_path()));
        done.into_iter()
            .zip(spans)
            .map(|((path, d, _), span)| match d {
                None => self.entries[path].rendered.clone(),
                Some(rendered) => {
                    match rendered.key {
                        Some(key) => {
                            let entry = Entry {
                                key,
                                formulas: formulas[span].to_vec(),
                                rendered: rendered.clone(),
                            };
                            self.entries.insert(path.to_path_buf(), entry);
                        }
                        None => {
                            self.entries.remove(path);
                        }
                    }
                    rendered
                }
            })
            .collect()
    }

    /// Posts rendered (not reused) by the last [`PostCache::finish`].
    pub fn last_rendered(&self) -> usize {
        self.last_rendered
    }

    /// The remembered rendering of `input`, if it was made from what `key` stands for.
    fn hit(&self, input: &Input<'_>, key: Option<RenderKey>) -> Option<&Entry> {
        if !self.enabled {
            return None;
        }
        let entry = self.entries.get(input.path)?;
        (Some(entry.key) == key).then_some(entry)
    }

    /// The rendering kept in the store under `key`, without its content (see [`Contents`]).
    fn stored(&self, key: Option<RenderKey>) -> Option<(Rendered, Vec<String>)> {
        let store = self.store.as_deref()?;
        let key = key?;
        let head: Head = serde_json::from_slice(&store.get(HEAD, &key.to_hex())?).ok()?;
        let rendered = Rendered::without_content(
            Some(key),
            head.title_html,
            head.toc,
            head.excerpt,
            head.has_math,
            head.animations,
        );
        Some((rendered, head.formulas))
    }
}

/// Whether a rendering goes to the store (and so may leave memory once there): one with a key
/// and no message.
pub fn is_stored(rendered: &Rendered) -> bool {
    rendered.key.is_some() && rendered.warnings.is_empty() && rendered.errors.is_empty()
}

/// Puts a rendering this build made into the store: its [`Head`] and its [`Content`].
fn keep(store: &Store, rendered: &Rendered, formulas: &[Formula], r: &Renderer<'_>) {
    let (Some(key), Some(content)) = (rendered.key, rendered.content()) else {
        return;
    };
    if !is_stored(rendered) {
        return;
    }
    let head = Head {
        title_html: rendered.title_html.clone(),
        toc: rendered.toc.clone(),
        excerpt: rendered.excerpt.clone(),
        has_math: rendered.has_math,
        animations: rendered.animations.clone(),
        formulas: formulas.iter().map(|f| r.math.stored_key(f)).collect(),
    };
    let Ok(head) = serde_json::to_vec(&head) else {
        return;
    };
    let key = key.to_hex();
    store.put(CONTENT, &key, &encode(content));
    store.put(HEAD, &key, &head);
}

/// The content as the HTML's length (u64, little-endian), the HTML, then the source map as JSON.
fn encode(content: &Content) -> Vec<u8> {
    let map = serde_json::to_vec(&content.source_map).unwrap_or_default();
    let mut out = Vec::with_capacity(8 + content.html.len() + map.len());
    out.extend_from_slice(&(content.html.len() as u64).to_le_bytes());
    out.extend_from_slice(content.html.as_bytes());
    out.extend_from_slice(&map);
    out
}

fn decode(bytes: &[u8]) -> Option<Content> {
    let len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let html = bytes.get(8..8usize.checked_add(len)?)?;
    let map = &bytes[8 + len..];
    Some(Content {
        html: String::from_utf8(html.to_vec()).ok()?,
        source_map: serde_json::from_slice(map).ok()?,
    })
}

/// Gives renderings taken from the store their content, when a page that shows it is rendered
/// (or `quire check` reads it). Renderings made by this build have theirs already. The content
/// is read for the moment it is needed and not kept ([`Contents::loaded`]), so a build that
/// renders every page from the store holds one page's worth at a time per thread.
#[derive(Clone, Copy, Default)]
pub struct Contents<'a> {
    store: Option<&'a Store>,
}

impl<'a> Contents<'a> {
    pub fn new(store: Option<&'a Store>) -> Self {
        Contents { store }
    }

    /// The content of `r`, from the store if `r` does not hold it. One that does not read back
    /// (only a damaged cache could do that: each entry is checksummed) fails the build with a
    /// message saying so, and is dropped from the store so the next build renders it afresh.
    fn read(&self, r: &Rendered) -> Result<Arc<Content>> {
        if let Some(c) = r.content() {
            return Ok(Arc::clone(c));
        }
        let key = r.key.map(|k| k.to_hex()).unwrap_or_default();
        let content = self
            .store
            .and_then(|s| s.get(CONTENT, &key))
            .and_then(|bytes| decode(&bytes));
        match content {
            Some(c) => Ok(Arc::new(c)),
            None => {
                let at = self.store.map(|s| {
                    s.forget(HEAD, &key);
                    s.file_of(CONTENT).display().to_string()
                });
                Err(Error::System(format!(
                    "{}: a kept rendering (post-content/{key}) is missing or damaged; it is dropped now, so building again renders it afresh",
                    at.unwrap_or_else(|| crate::build::CACHE_DIR.into())
                )))
            }
        }
    }

    /// `r` with its content: itself when it holds it, else a copy that does (the copy goes
    /// when the caller is done, and so does the content).
    pub fn loaded<'r>(&self, r: &'r Rendered) -> Result<Cow<'r, Rendered>> {
        if r.content().is_some() {
            return Ok(Cow::Borrowed(r));
        }
        let copy = r.clone();
        copy.set_content(self.read(r)?);
        Ok(Cow::Owned(copy))
    }

    /// Gives `r` its content for good (what `quire check` reads of every post).
    pub fn load(&self, r: &Rendered) -> Result<()> {
        if r.content().is_none() {
            r.set_content(self.read(r)?);
        }
        Ok(())
    }

    /// As [`Contents::load`] for each of `renderings`, in parallel.
    pub fn load_all<'r>(
        &self,
        renderings: impl IntoParallelIterator<Item = &'r Rendered>,
    ) -> Result<()> {
        crate::error::collect_all(renderings.into_par_iter().map(|r| self.load(r)).collect())
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::highlight::Highlighter;
    use crate::markdown::math::MathCache;
    use crate::site::{LoadOptions, Site};

    fn site(dir: &std::path::Path) -> Site {
        Site::load(dir, &LoadOptions::default()).unwrap()
    }

    fn build(cache: &mut PostCache, math: &mut MathCache, site: &Site) -> Vec<Rendered> {
        math.reconfigure(&site.config.math);
        let h = Highlighter::default();
        let inputs: Vec<Input> = site.posts.iter().map(input).collect();
        let (posts, citations) = Default::default();
        let renderer = crate::build::renderer;
        let r = renderer(site, math, &h, &posts, &citations);
        let keys = markdown::render_keys(&inputs, &r);
        let prepared = cache.parse(&inputs, &keys, &r).unwrap();
        math.render_missing(prepared.formulas());
        cache.finish(prepared, &renderer(site, math, &h, &posts, &citations))
    }

    #[test]
    fn only_changed_posts_are_rendered_again() {
        let dir = tempfile::tempdir().unwrap();
        let post = |name: &str, body: &str| {
            crate::fs::write(&dir.path().join("posts").join(name), body).unwrap();
        };
        post("2020-01-01-a.md", "---\ntitle: A\n---\nalpha $x$\n");
        post("2020-01-02-b.md", "---\ntitle: B\n---\nbeta $y$\n");
        let mut cache = PostCache::enabled();
        let mut math = MathCache::default();

        let first = build(&mut cache, &mut math, &site(dir.path()));
        assert_eq!(cache.last_rendered(), 2);

        post(
            "2020-01-01-a.md",
            "---\ntitle: A\n---\nalpha $x$ and more\n",
        );
        let s = site(dir.path());
        let second = build(&mut cache, &mut math, &s);
        assert_eq!(cache.last_rendered(), 1, "only the edited post");
        // Site order is newest first: b, then a.
        assert_eq!(second[0].html(), first[0].html());
        assert!(
            second[1].html().contains("and more"),
            "{}",
            second[1].html()
        );

        std::fs::write(
            dir.path().join("site.toml"),
            "[markdown]\neast_asian_line_breaks = false\n",
        )
        .unwrap();
        build(&mut cache, &mut math, &site(dir.path()));
        assert_eq!(
            cache.last_rendered(),
            2,
            "a config change renders everything"
        );

        std::fs::remove_file(dir.path().join("posts/2020-01-02-b.md")).unwrap();
        build(&mut cache, &mut math, &site(dir.path()));
        assert_eq!(cache.entries.len(), 1, "deleted posts are forgotten");
    }

    #[test]
    fn cached_warnings_keep_their_location() {
        let dir = tempfile::tempdir().unwrap();
        crate::fs::write(
            &dir.path().join("posts/2020-01-01-a.md"),
            "---\ntitle: A\n---\n\nbad $\\nope$\n",
        )
        .unwrap();
        let mut cache = PostCache::enabled();
        let mut math = MathCache::default();
        let s = site(dir.path());
        build(&mut cache, &mut math, &s);
        let again = build(&mut cache, &mut math, &s);
        assert_eq!(cache.last_rendered(), 0);
        let w = again[0].warnings[0].to_string();
        assert!(w.starts_with("posts/2020-01-01-a.md:5:5: KaTeX"), "{w}");
    }

    fn open(dir: &std::path::Path) -> Arc<Store> {
        match Store::open(dir, &mut Vec::new()) {
            crate::store::Opened::Store(s) => Arc::from(s),
            crate::store::Opened::Without(why) => panic!("{why}"),
        }
    }

    /// One one-off build's use of the store: the cache fills from it and into it.
    fn stored_build(dir: &std::path::Path, s: &Site) -> (Vec<Rendered>, usize, Arc<Store>) {
        let store = open(&dir.join(".quire-cache"));
        let mut cache = PostCache::default();
        cache.set_store(Some(Arc::clone(&store)));
        let mut math = MathCache::default();
        let out = build(&mut cache, &mut math, s);
        (out, cache.last_rendered(), store)
    }

    #[test]
    fn stored_renderings_come_back_without_their_content_until_asked() {
        let dir = tempfile::tempdir().unwrap();
        crate::fs::write(
            &dir.path().join("posts/2020-01-01-a.md"),
            "---\ntitle: A $t$\n---\nalpha [x](/y) $x$\n\n## H\n",
        )
        .unwrap();
        let s = site(dir.path());
        let (first, rendered, store) = stored_build(dir.path(), &s);
        assert_eq!(rendered, 1);
        Arc::into_inner(store).unwrap().finish(true).unwrap();

        let (second, rendered, store) = stored_build(dir.path(), &s);
        assert_eq!(rendered, 0, "taken from the store");
        let (a, b) = (&first[0], &second[0]);
        assert!(b.content().is_none());
        assert_eq!(
            (&a.title_html, &a.toc, &a.excerpt, a.has_math),
            (&b.title_html, &b.toc, &b.excerpt, b.has_math)
        );
        Contents::new(Some(&store)).load(b).unwrap();
        assert_eq!(b.html(), a.html());
        assert_eq!(b.source_map(), a.source_map());

        // A content that does not read back: one failure naming it, then a fresh rendering.
        let key = b.key.unwrap().to_hex();
        store.put_raw(CONTENT, &key, b"garbage".to_vec());
        Arc::into_inner(store).unwrap().finish(true).unwrap();
        let (third, _, store) = stored_build(dir.path(), &s);
        let e = Contents::new(Some(&store))
            .load(&third[0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("damaged") && e.contains("renderings.redb"),
            "{e}"
        );
        Arc::into_inner(store).unwrap().finish(true).unwrap();
        let (fourth, rendered, _) = stored_build(dir.path(), &s);
        assert_eq!(rendered, 1, "rendered afresh");
        assert_eq!(fourth[0].html(), a.html());
    }
}
