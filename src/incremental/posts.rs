//! Per-post Markdown results kept between builds. A post whose file text and site configuration
//! are byte-for-byte what they were last time gets its formulas and HTML from here instead of
//! being parsed and rendered again; that is most of what makes a preview rebuild cheap.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::post::Post;
use crate::markdown::math::Formula;
use crate::markdown::{self, Input, Rendered, Renderer};

/// Everything Markdown rendering depends on besides the post's own text. The whole
/// configuration is serialised rather than picking fields, so a key added to `site.toml` that a
/// Markdown pass starts reading can never be missed; config edits are rare, so the cost is nil.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigKey(String);

impl ConfigKey {
    pub fn of(config: &Config) -> Self {
        ConfigKey(serde_json::to_string(config).unwrap_or_default())
    }
}

struct Entry {
    /// The post's whole file text: compared, not hashed, so a collision can never serve stale
    /// HTML.
    text: String,
    config: ConfigKey,
    formulas: Vec<Formula>,
    rendered: Option<Rendered>,
}

/// The Markdown stage's memory, keyed by post path.
#[derive(Default)]
pub struct PostCache {
    /// Off by default: a one-off build would only pay for copies it never reuses.
    enabled: bool,
    entries: HashMap<PathBuf, Entry>,
    /// How many posts the last [`PostCache::render`] had to render (for reports and tests).
    last_rendered: usize,
}

impl PostCache {
    pub fn enabled() -> Self {
        PostCache {
            enabled: true,
            ..Default::default()
        }
    }

    /// The formulas of every post in site order, parsing only posts that changed.
    pub fn formulas(&mut self, posts: &[Post], config: &Config) -> Vec<Formula> {
        if !self.enabled {
            return posts
                .par_iter()
                .flat_map_iter(|p| markdown::formulas(p.body()))
                .collect();
        }
        let key = ConfigKey::of(config);
        let fresh: Vec<(usize, Vec<Formula>)> = posts
            .par_iter()
            .enumerate()
            .filter(|(_, p)| self.hit(p, &key).is_none())
            .map(|(i, p)| (i, markdown::formulas(p.body())))
            .collect();
        for (i, formulas) in fresh {
            let p = &posts[i];
            self.entries.insert(
                p.source.clone(),
                Entry {
                    text: p.text.clone(),
                    config: key.clone(),
                    formulas,
                    rendered: None,
                },
            );
        }
        posts
            .iter()
            .flat_map(|p| {
                self.entries
                    .get(&p.source)
                    .map(|e| e.formulas.clone())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Renders every post in site order, reusing the HTML of posts that did not change. The
    /// caller must have put this build's formulas into `renderer.math` first, as for
    /// [`markdown::render`]. A post's HTML is taken to depend on its path, its text and the
    /// configuration only (what [`Renderer`] holds besides the math cache, which follows the
    /// configuration); an input added to `Renderer` from elsewhere must join the key.
    pub fn render(
        &mut self,
        posts: &[Post],
        config: &Config,
        renderer: &Renderer<'_>,
    ) -> Vec<Rendered> {
        if !self.enabled {
            self.last_rendered = posts.len();
            return posts.par_iter().map(|p| render_post(p, renderer)).collect();
        }
        let key = ConfigKey::of(config);
        let fresh: Vec<(usize, Rendered)> = posts
            .par_iter()
            .enumerate()
            .filter(|(_, p)| self.hit(p, &key).is_none_or(|e| e.rendered.is_none()))
            .map(|(i, p)| (i, render_post(p, renderer)))
            .collect();
        self.last_rendered = fresh.len();
        for (i, rendered) in fresh {
            let p = &posts[i];
            let formulas = match self.entries.remove(&p.source) {
                Some(e) if e.text == p.text && e.config == key => e.formulas,
                _ => markdown::formulas(p.body()),
            };
            self.entries.insert(
                p.source.clone(),
                Entry {
                    text: p.text.clone(),
                    config: key.clone(),
                    formulas,
                    rendered: Some(rendered),
                },
            );
        }
        // Posts deleted or renamed since the last build would otherwise stay in memory forever.
        let live: std::collections::HashSet<&PathBuf> = posts.iter().map(|p| &p.source).collect();
        self.entries.retain(|path, _| live.contains(path));
        posts
            .par_iter()
            .map(|p| {
                self.entries
                    .get(&p.source)
                    .and_then(|e| e.rendered.as_ref())
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Posts rendered (not reused) by the last [`PostCache::render`].
    pub fn last_rendered(&self) -> usize {
        self.last_rendered
    }

    fn hit(&self, post: &Post, key: &ConfigKey) -> Option<&Entry> {
        self.entries
            .get(&post.source)
            .filter(|e| e.config == *key && e.text == post.text)
    }
}

fn render_post(p: &Post, renderer: &Renderer<'_>) -> Rendered {
    let input = Input {
        path: &p.source,
        text: &p.text,
        body_offset: p.body_offset,
    };
    markdown::render(&input, renderer)
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
        let formulas = cache.formulas(&site.posts, &site.config);
        math.render_missing(&formulas);
        let h = Highlighter::default();
        let r = Renderer {
            config: &site.config.markdown,
            math,
            highlighter: &h,
        };
        cache.render(&site.posts, &site.config, &r)
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
