//! What one build keeps for the next, so that the preview server (`quire serve`) redoes only
//! the work an edit touched. Each stage has its own memory, and each is exact: a result is
//! reused only when every input it was made from is unchanged.
//!
//! - [`MathCache`]: KaTeX output per formula (a new formula is rendered, the rest reused);
//! - [`posts::PostCache`]: formulas and HTML per post, keyed by everything its rendering reads
//!   ([`crate::markdown::RenderKey`]);
//! - [`pages::PageCache`]: each page's output, keyed by its template, `site` and the page's
//!   inputs ([`crate::pages::Page`]);
//! - [`SyncedDir`]: the output folder, where only changed files are written.
//!
//! A one-off `quire build` uses [`BuildCache::default`], in which only the math cache does
//! anything and the output is written by the staged swap of [`crate::output::write_site`].

pub mod pages;
pub mod posts;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::markdown::math::MathCache;
use crate::output::sync::SyncedDir;
use crate::output::{self, CopiedFiles, OutputFile, Previous};
use crate::progress::Progress;

/// A hash of `value` serialised as JSON: how every cache here keys a result on the typed value
/// it was made from, so a field added to that value joins the key by itself. `None` when the
/// value cannot be serialised (a path that is not UTF-8): the result is then never reused.
/// Buffered because serde_json writes in tiny pieces, and hashing those one by one is several
/// times slower.
pub fn fingerprint(value: &impl serde::Serialize) -> Option<blake3::Hash> {
    use std::io::Write as _;
    let mut hasher = blake3::Hasher::new();
    let mut buf = std::io::BufWriter::with_capacity(16 * 1024, &mut hasher);
    serde_json::to_writer(&mut buf, value).ok()?;
    buf.flush().ok()?;
    drop(buf);
    Some(hasher.finalize())
}

/// `value` hashed through its `Hash` into BLAKE3 (see [`Hashing`]): the keys of the preview's
/// memos, made of paths, texts and other keys.
pub fn hash_of(value: &impl std::hash::Hash) -> blake3::Hash {
    let mut h = Hashing::default();
    value.hash(&mut h);
    h.finish()
}

/// A [`std::hash::Hasher`] into BLAKE3, for keys over large values that derive `Hash`: no JSON
/// escaping, and the standard `Hash` impls feed it prefix-free data (lengths, terminators).
/// Small writes are gathered before they reach BLAKE3.
#[derive(Default)]
pub struct Hashing {
    hasher: blake3::Hasher,
    buf: Vec<u8>,
}

impl Hashing {
    pub fn finish(mut self) -> blake3::Hash {
        self.hasher.update(&self.buf);
        self.hasher.finalize()
    }
}

impl std::hash::Hasher for Hashing {
    fn write(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= 16 * 1024 {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
    }

    /// Not a key: `std::hash::Hash` requires it, and nothing here calls it.
    fn finish(&self) -> u64 {
        let mut h = self.hasher.clone();
        h.update(&self.buf);
        u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().unwrap_or_default())
    }
}

#[derive(Default)]
pub struct BuildCache {
    pub math: MathCache,
    pub posts: posts::PostCache,
    pub pages: pages::PageCache,
    /// `Some` when writing in place (the preview); `None` for the staged write.
    synced: Option<SyncedDir>,
    /// Output paths the last write changed; `None` after a staged write (everything).
    changed: Option<Vec<PathBuf>>,
    /// The preview server's search index, made off the reload path; `None`: made by the build.
    pub search: Option<crate::search::Background>,
    /// The templates as last compiled (see [`crate::templates::Templates::load_memo`]).
    pub templates: crate::templates::TemplateMemo,
    /// The posts as last parsed, in the preview (see [`crate::content::post::PostMemo`]).
    pub parsed: crate::content::post::PostMemo,
    /// Links between posts' files, as last indexed (see [`crate::markdown::links::PostIndex::memo`]).
    pub post_index: crate::markdown::links::PostIndexMemo,
}

impl BuildCache {
    /// Every cache on, and the output written in place: for a server's private output folder.
    pub fn for_preview() -> Self {
        BuildCache {
            posts: posts::PostCache::enabled(),
            pages: pages::PageCache::enabled(),
            parsed: crate::content::post::PostMemo::enabled(),
            synced: Some(SyncedDir::default()),
            ..Default::default()
        }
    }

    /// As [`Self::for_preview`], but a changed search index is made on a thread of its own
    /// while the last one is served, and `index_ready` called when it is done (for the server
    /// to build again, which writes it): no save waits for Pagefind.
    pub fn for_server(index_ready: std::sync::Arc<dyn Fn() + Send + Sync>) -> Self {
        BuildCache {
            search: Some(crate::search::Background::new(index_ready)),
            ..Self::for_preview()
        }
    }

    /// Whether results are kept for a next build (the preview) or this is a one-off build.
    pub fn is_preview(&self) -> bool {
        self.synced.is_some()
    }

    /// The output stage: a staged write and swap, or an in-place sync for the preview.
    /// `kept` are files of `previous` (the output as the build found it) known to be right as
    /// they are: by the output's ledger, or, in the preview, by the page cache.
    pub fn write(
        &mut self,
        output: &Path,
        previous: &Previous,
        (files, kept): (&[OutputFile], &[PathBuf]),
        copied: &CopiedFiles,
        progress: &Progress,
    ) -> Result<()> {
        match &mut self.synced {
            Some(s) => {
                self.changed = Some(s.sync(output, files, kept, copied)?);
            }
            None => {
                output::write_site(output, previous, files, kept, copied, progress)?;
                self.changed = None;
            }
        }
        self.pages.commit();
        Ok(())
    }

    /// After an output written by the build itself (pages staged as rendered): the preview's
    /// caches have nothing to commit, and what changed is unknown.
    pub fn forget_changes(&mut self) {
        self.changed = None;
        self.pages.commit();
    }

    /// Site-relative paths the last successful build wrote or removed (`None`: unknown, so
    /// assume everything).
    pub fn changed(&self) -> Option<&[PathBuf]> {
        self.changed.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::build::{BuildOptions, build, build_with_cache};

    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }

    /// A site in `dir` with a `site.toml`, and the options of a preview and of a fresh build
    /// of it, each into its own folder.
    fn preview_and_fresh(dir: &Path) -> (PathBuf, BuildOptions, BuildOptions) {
        let site = dir.join("site");
        crate::fs::write(&site.join("site.toml"), "title = \"T\"\n").unwrap();
        let mut preview = BuildOptions::new(&site);
        preview.output = dir.join("preview");
        let mut fresh = BuildOptions::new(&site);
        fresh.output = dir.join("fresh");
        (site, preview, fresh)
    }

    /// The one property that matters: after any sequence of edits, the preview's incremental
    /// output is byte-for-byte what a fresh `quire build` makes.
    #[test]
    fn incremental_output_equals_a_fresh_build_after_every_edit() {
        let dir = tempfile::tempdir().unwrap();
        let (site, preview, fresh) = preview_and_fresh(dir.path());
        let preview_out = preview.output.clone();
        let write = |rel: &str, text: &str| crate::fs::write(&site.join(rel), text).unwrap();
        write(
            "posts/2020-01-01-a.md",
            "---\ntitle: A\ncategories: x\n---\nFirst $a$.\n\nMore $b^2$.\n",
        );
        write(
            "posts/2020-01-02-b.md",
            "---\ntitle: B\ncategories: y\n---\nBee $$c$$\n\n```rust\nfn f() {}\n```\n",
        );
        let mut cache = BuildCache::for_preview();

        // What to do, then how many posts and pages that must render again.
        type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>, usize, usize);
        let edits: Vec<Edit> = vec![
            ("nothing", Box::new(|| {}), 2, 15),
            (
                "append below the excerpt",
                Box::new(|| {
                    let p = site.join("posts/2020-01-01-a.md");
                    let t = std::fs::read_to_string(&p).unwrap();
                    std::fs::write(p, t + "\nAppended $d$.\n").unwrap();
                }),
                1,
                // The post's page, and the two feeds that carry its whole content.
                3,
            ),
            // Read by the post's page alone (`page.extra.lang` in base.html): no listing shows
            // it, so no listing is rendered again. The feeds are: they key each post's content
            // by its rendering key, which covers the whole file, front matter included.
            (
                "front matter only the page reads",
                Box::new(|| {
                    let p = site.join("posts/2020-01-01-a.md");
                    let t = std::fs::read_to_string(&p).unwrap();
                    std::fs::write(p, t.replacen("title: A\n", "title: A\nlang: en\n", 1)).unwrap();
                }),
                1,
                3,
            ),
            (
                "retitle",
                Box::new(|| {
                    write(
                        "posts/2020-01-02-b.md",
                        "---\ntitle: Bee\ncategories: y\n---\nBee $$c$$\n",
                    )
                }),
                1,
                15,
            ),
            (
                "new post, new category",
                Box::new(|| write("posts/2020-01-03-c.md", "---\ncategories: z\n---\nSee.\n")),
                1,
                18,
            ),
            (
                "delete a post",
                Box::new(|| std::fs::remove_file(site.join("posts/2020-01-01-a.md")).unwrap()),
                0,
                15,
            ),
            (
                "template override",
                Box::new(|| {
                    write(
                        "templates/category.html",
                        "{% extends \"base.html\" %}{% block content %}CAT {{ page.title }}{% endblock content %}",
                    )
                }),
                0,
                2,
            ),
            // The Markdown stage never reads the title, so no post is parsed again.
            (
                "config",
                Box::new(|| write("site.toml", "title = \"T2\"\n")),
                0,
                15,
            ),
            (
                "math config",
                Box::new(|| {
                    write(
                        "site.toml",
                        "title = \"T2\"\n[math]\nmacros = { \"\\\\RR\" = \"\\\\mathbb{R}\" }\n",
                    )
                }),
                2,
                15,
            ),
            ("static file", Box::new(|| write("static/s.txt", "s")), 0, 0),
            (
                "static file gone",
                Box::new(|| std::fs::remove_file(site.join("static/s.txt")).unwrap()),
                0,
                0,
            ),
        ];
        for (what, edit, posts, pages) in edits {
            edit();
            build_with_cache(&preview, &mut cache).unwrap();
            assert_eq!(
                cache.posts.last_rendered(),
                posts,
                "posts rendered after {what}"
            );
            assert_eq!(
                cache.pages.last_rendered(),
                pages,
                "pages rendered after {what}"
            );
            build(&fresh).unwrap();
            let (a, b) = (snapshot(&preview_out), snapshot(&fresh.output));
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "after {what}"
            );
            for (path, bytes) in &a {
                assert!(
                    bytes == &b[path],
                    "after {what}: {} differs",
                    path.display()
                );
            }
        }
    }

    /// The server's search index is made in the background: a build right after an edit
    /// serves the last index and everything else new; once the new index is ready (the server
    /// is told), the next build writes it, and the output is a fresh build's again.
    #[test]
    fn the_servers_search_index_follows_each_edit_off_the_reload_path() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let (site, preview, fresh) = preview_and_fresh(dir.path());
        let write = |rel: &str, text: &str| crate::fs::write(&site.join(rel), text).unwrap();
        write(
            "posts/2020-01-01-a.md",
            "---\ntitle: A\n---\nFirst words.\n",
        );
        let told = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&told);
        let mut cache = BuildCache::for_server(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        let index = |files: &BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
            files
                .iter()
                .filter(|(p, _)| p.starts_with(crate::search::BUNDLE_DIR))
                .map(|(p, b)| (p.clone(), b.clone()))
                .collect()
        };
        let without_index = |files: BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
            files
                .into_iter()
                .filter(|(p, _)| !p.starts_with(crate::search::BUNDLE_DIR))
                .collect()
        };

        // The first build has no index to stand in: it makes one.
        build_with_cache(&preview, &mut cache).unwrap();
        build(&fresh).unwrap();
        assert_eq!(snapshot(&preview.output), snapshot(&fresh.output));
        assert_eq!(told.load(Ordering::SeqCst), 0);

        for (i, words) in ["Second words.", "Third, 第三."].into_iter().enumerate() {
            let before = index(&snapshot(&preview.output));
            write(
                "posts/2020-01-01-a.md",
                &format!("---\ntitle: A\n---\n{words}\n"),
            );
            let built = build_with_cache(&preview, &mut cache).unwrap();
            assert_eq!(built.report.search_indexed, 0, "nothing indexed on the way");
            build(&fresh).unwrap();
            let now = snapshot(&preview.output);
            assert_eq!(index(&now), before, "the last index stands in");
            assert_eq!(
                without_index(now),
                without_index(snapshot(&fresh.output)),
                "every page is new"
            );
            cache.search.as_mut().unwrap().wait().unwrap();
            // The thread hands over the index, then tells the server: the telling may come a
            // moment after `wait` returns.
            let told_by = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while told.load(Ordering::SeqCst) < i + 1 && std::time::Instant::now() < told_by {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert_eq!(told.load(Ordering::SeqCst), i + 1, "the server is told");
            build_with_cache(&preview, &mut cache).unwrap();
            assert_eq!(
                snapshot(&preview.output),
                snapshot(&fresh.output),
                "with the new index written, after edit {i}"
            );
        }
    }
}
