//! Per-post Markdown results kept between builds. A post whose [`RenderKey`] (its file and
//! everything the Markdown stage reads besides) is what it was last time gets its formulas and
//! HTML from here instead of being parsed and rendered again; that is most of what makes a
//! preview rebuild cheap.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::content::post::Post;
use crate::markdown::math::Formula;
use crate::markdown::{self, Input, Parsed, RenderKey, Rendered, Renderer};

struct Entry {
    key: RenderKey,
    formulas: Vec<Formula>,
    rendered: Rendered,
}

/// The Markdown stage's memory, keyed by post path.
#[derive(Default)]
pub struct PostCache {
    /// Off by default: a one-off build would only pay for copies it never reuses.
    enabled: bool,
    entries: HashMap<PathBuf, Entry>,
    /// How many posts the last [`PostCache::finish`] had to render (for reports and tests).
    last_rendered: usize,
}

/// Every post between the two phases: parsed, or known to be reusable. Holds the parsed events
/// of the posts that changed (all of them in a one-off build) until [`PostCache::finish`].
pub struct Prepared<'p> {
    posts: Vec<Prep<'p>>,
    formulas: Vec<Formula>,
    /// `formulas[spans[i]]` are post `i`'s.
    spans: Vec<Range<usize>>,
}

enum Prep<'p> {
    Reused(&'p Path),
    /// Boxed: parsed posts are few and large next to the reused ones.
    Fresh(Box<Parsed<'p>>),
}

impl Prepared<'_> {
    /// Every post's formulas in site order, for the KaTeX prepass.
    pub fn formulas(&self) -> &[Formula] {
        &self.formulas
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

    /// First phase: parses every post whose key is not the one remembered (every post, when
    /// the cache is off). `r.math` need not hold the formulas yet. `inputs` are the posts (see
    /// [`input`]) and any other Markdown the site renders (`pages/`), each under its own path.
    pub fn parse<'p>(&self, inputs: &[Input<'p>], r: &Renderer<'_>) -> Prepared<'p> {
        let posts: Vec<Prep<'p>> = inputs
            .par_iter()
            .map(|i| match self.hit(i, r) {
                Some(_) => Prep::Reused(i.path),
                None => Prep::Fresh(Box::new(markdown::parse(*i, r))),
            })
            .collect();
        let mut formulas = Vec::new();
        let mut spans = Vec::with_capacity(posts.len());
        for p in &posts {
            let start = formulas.len();
            match p {
                Prep::Reused(path) => {
                    formulas.extend(self.entries[*path].formulas.iter().cloned());
                }
                Prep::Fresh(parsed) => formulas.extend(parsed.formulas()),
            }
            spans.push(start..formulas.len());
        }
        Prepared {
            posts,
            formulas,
            spans,
        }
    }

    /// Second phase: renders the parsed posts, in site order with the reused ones. `r` must be
    /// the renderer given to [`PostCache::parse`], its math cache now holding
    /// [`Prepared::formulas`].
    pub fn finish(&mut self, prepared: Prepared<'_>, r: &Renderer<'_>) -> Vec<Rendered> {
        let Prepared {
            posts,
            formulas,
            spans,
        } = prepared;
        let done: Vec<(&Path, Option<Rendered>)> = posts
            .into_par_iter()
            .map(|p| match p {
                Prep::Reused(path) => (path, None),
                Prep::Fresh(parsed) => (parsed.path(), Some((*parsed).finish(r))),
            })
            .collect();
        self.last_rendered = done.iter().filter(|(_, d)| d.is_some()).count();
        if !self.enabled {
            return done.into_iter().filter_map(|(_, d)| d).collect();
        }
        // Posts deleted or renamed since the last build would otherwise stay in memory forever.
        let live: HashSet<&Path> = done.iter().map(|(path, _)| *path).collect();
        self.entries.retain(|path, _| live.contains(path.as_path()));
        done.into_iter()
            .zip(spans)
            .map(|((path, d), span)| match d {
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

    fn hit(&self, input: &Input<'_>, r: &Renderer<'_>) -> Option<&Entry> {
        if !self.enabled {
            return None;
        }
        let entry = self.entries.get(input.path)?;
        (Some(entry.key) == RenderKey::of(input, r)).then_some(entry)
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
        let prepared = cache.parse(&inputs, &renderer(site, math, &h, &posts, &citations));
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
        assert_eq!(second[0].html, first[0].html);
        assert!(second[1].html.contains("and more"), "{}", second[1].html);

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
}
