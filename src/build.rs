//! The build pipeline: load → render Markdown (in parallel) → templates → write.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::error::{Error, Location, Result};
use crate::incremental::BuildCache;
use crate::incremental::posts::Contents;
use crate::markdown::citations::{Citations, PostBibliography};
use crate::markdown::highlight::{self, Highlighter};
use crate::markdown::{Content, Input, Rendered, Renderer, render_keys};
use crate::output::ledger::{FileKey, Ledger};
use crate::output::{self, Copy, OutputFile, Previous};
use crate::pages::{self, KATEX_CDN_HREF, KATEX_CDN_INTEGRITY, KatexCss, PageFile};
use crate::progress::Progress;
use crate::site::{LoadOptions, Site};
use crate::store::{Opened, Store};
use crate::templates::{self, Templates};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: PathBuf,
    pub output: PathBuf,
    pub load: LoadOptions,
    /// KaTeX errors fail the build instead of being warnings.
    pub strict: bool,
    /// Read and write the packed cache under `.quire-cache/` (`--no-cache` turns it off: every
    /// formula goes through KaTeX, and nothing is stored).
    pub cache: bool,
    /// Show a progress bar on stderr when it is a terminal and the build is slow.
    pub progress: bool,
    /// Every post's content HTML in [`Built::posts`] (for `check`), even those the build took
    /// from the cache and did not need.
    pub contents: bool,
}

impl BuildOptions {
    pub fn new(source: impl Into<PathBuf>) -> Self {
        let source = source.into();
        Self {
            output: source.join("_site"),
            source,
            load: LoadOptions::default(),
            strict: false,
            cache: true,
            progress: false,
            contents: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct BuildReport {
    pub posts: usize,
    pub pages: usize,
    /// Distinct formulas in the site, and how many of them this build had to render.
    pub formulas: usize,
    pub formulas_rendered: usize,
    /// Posts and standalone pages whose Markdown this build parsed and rendered (the rest came
    /// from the cache).
    pub posts_rendered: usize,
    /// Pages not rendered at all: the output folder held them already, made from the same
    /// inputs (see [`crate::output::ledger`]).
    pub pages_kept: usize,
    /// Animations drawn by this build (the rest came from `.quire-cache/`).
    pub gifs_drawn: usize,
    /// Pages this build gave the search index: 0 when it came from `.quire-cache/search/`.
    pub search_indexed: usize,
    /// Problems that did not stop the build (KaTeX errors without `--strict`).
    pub warnings: Vec<Error>,
}

/// What a build made, for the commands that go on from it (`check`, `deploy`, `serve`): what
/// the build decided (the base path, the URL) and what only the build has (a post's content
/// HTML and source map), so none of them loads the site again or works any of it out afresh.
#[derive(Debug, Default)]
pub struct Built {
    pub report: BuildReport,
    /// What the base-path pass added to root-relative URLs (`""` or `/repo`), from `site.toml`'s
    /// `url` or `--base-url`: the output is only right when served under it.
    pub base_path: String,
    /// The site's `url` as the build used it (`--base-url` applied).
    pub site_url: String,
    /// `cname` from `site.toml`, when set: a custom domain serves the site at its root.
    pub cname: Option<String>,
    /// One per post, in site order, then one per standalone page (`pages/`), by path.
    pub posts: Vec<BuiltPost>,
    /// Every file and folder the build put into the output.
    pub manifest: Manifest,
}

/// What the output holds, as the build wrote it: `check` resolves links against this instead of
/// walking the folder again. Paths are relative to the output folder, `/`-separated; quire's
/// own marker file is not part of the site.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub files: std::collections::BTreeSet<String>,
    /// Every folder, including the parents of every file and empty folders copied from
    /// `static/`.
    pub dirs: std::collections::BTreeSet<String>,
}

impl Manifest {
    /// The output of `paths` (written, staged or kept) and the `copied` files.
    fn of<'a>(paths: impl Iterator<Item = &'a Path>, copied: &'a output::CopiedFiles) -> Self {
        let mut m =
            Manifest::from_paths(paths.chain(copied.files.iter().map(|c| c.path.as_path())));
        m.dirs.extend(copied.dirs.iter().map(|d| slash(d)));
        m
    }

    /// The files at `paths` (relative to the output folder), with every folder holding them.
    pub fn from_paths<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Self {
        let mut m = Manifest::default();
        m.dirs.insert(String::new());
        for path in paths {
            let mut parent = path.parent();
            while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
                m.dirs.insert(slash(dir));
                parent = dir.parent();
            }
            m.files.insert(slash(path));
        }
        m
    }
}

/// Lets `check` resolve links on the published site against what the build wrote.
impl crate::urls::resolve::Files for Manifest {
    fn is_file(&self, rel: &str) -> bool {
        self.files.contains(rel)
    }

    fn is_dir(&self, rel: &str) -> bool {
        self.dirs.contains(rel)
    }
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// A post's (or a standalone page's) page as `check` needs it to name the Markdown line of a
/// reference. Holds what the build had in memory anyway (shared, not copied); the page's final
/// HTML is not kept, since it is in the output folder.
#[derive(Debug, Clone)]
pub struct BuiltPost {
    /// The page's output file, relative to the output folder.
    pub page: PathBuf,
    /// The post's file, relative to the site root, as messages show it.
    pub source: PathBuf,
    /// The post's whole file, front matter included: [`crate::markdown::SourceMark::source`] counts from here.
    /// Empty for a one-off build not asked for [`BuildOptions::contents`] (see
    /// [`Site::drop_post_texts`]).
    pub text: String,
    /// The content HTML the Markdown stage wrote, before templates and the base-path pass
    /// ([`crate::markdown::SourceMark::html`] counts from here), with its source map. Empty unless the build
    /// was asked for it ([`BuildOptions::contents`]): a post taken from the cache whose page
    /// is unchanged never reads it.
    pub content: Arc<Content>,
}

/// Caches kept between runs, beside the sources like Jekyll's `.jekyll-cache/`.
pub const CACHE_DIR: &str = ".quire-cache";
/// Where quire before the packed store kept KaTeX renderings, one file per formula: removed
/// when met (it is quire's own folder inside its cache; the store replaces it).
const OLD_MATH_CACHE_DIR: &str = ".quire-cache/katex";

/// Creates the cache folder with a `.gitignore` of `*`, so it never shows up in `git status`
/// even in a repository that does not ignore it. Failure (a read-only checkout) only means no
/// cache.
pub(crate) fn prepare_cache(root: &Path) {
    let dir = root.join(CACHE_DIR);
    let ignore = dir.join(".gitignore");
    if !ignore.exists() && std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(
            ignore,
            "# Created by quire: build caches, safe to delete.\n*\n",
        );
    }
}

/// The packed store for this build, or `None` (with a warning saying why) when another quire
/// holds it or it cannot be made: a build never fails for want of its cache.
fn open_store(root: &Path, warnings: &mut Vec<Error>) -> Option<Arc<Store>> {
    let old = root.join(OLD_MATH_CACHE_DIR);
    // `symlink_metadata`: a link someone put there is removed itself, never followed.
    if std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
        let _ = std::fs::remove_dir_all(&old);
    }
    let mut notes = Vec::new();
    let opened = Store::open(&root.join(CACHE_DIR), &mut notes);
    let store = match opened {
        Opened::Store(s) => Some(Arc::from(s)),
        Opened::Without(why) => {
            notes.push(why);
            None
        }
    };
    warnings.extend(notes.into_iter().map(Error::System));
    store
}

/// The store of the build under way. Whatever way the build ends, what it rendered is
/// committed: a build that fails on one post's mistake keeps every formula and post it had
/// rendered, so the build after the fix renders only that post.
struct OpenStore(Option<Arc<Store>>);

impl OpenStore {
    fn get(&self) -> Option<&Store> {
        self.0.as_deref()
    }

    /// Commits and closes it (pruning on a build that asked for the whole site).
    fn close(&mut self, prune: bool, warnings: &mut Vec<Error>) {
        close_store(self.0.take(), prune, warnings);
    }
}

impl Drop for OpenStore {
    fn drop(&mut self) {
        close_store(self.0.take(), false, &mut Vec::new());
    }
}

/// What committing a batch came to (why not, if it failed).
type Committed = Result<(), String>;

/// A batch's renderings being committed to the store on a thread of its own ([`Store::flush`]),
/// and where the batch sits in the build's renderings.
struct Committing {
    /// The thread committing, or what committing came to where no thread could be started.
    commit: Option<Result<std::thread::JoinHandle<Committed>, Committed>>,
    batch: std::ops::Range<usize>,
    path: PathBuf,
}

impl Committing {
    fn start(store: Arc<Store>, batch: std::ops::Range<usize>) -> Committing {
        let path = store.path().to_path_buf();
        let writer = Arc::clone(&store);
        let commit = std::thread::Builder::new()
            .name("quire-commit".into())
            .spawn(move || writer.flush())
            .map_err(|_| store.flush());
        Committing {
            commit: Some(commit),
            batch,
            path,
        }
    }

    /// Waits for the commit. Committed, the batch's HTML is dropped (pages read it back from
    /// the store); not, the build goes on with it in memory, and says so.
    fn settle(mut self, rendered: &mut [Rendered], warnings: &mut Vec<Error>) {
        let done = match self.commit.take() {
            Some(Ok(thread)) => thread
                .join()
                .unwrap_or_else(|_| Err("the thread writing it stopped".into())),
            Some(Err(done)) => done,
            None => return,
        };
        match done {
            Ok(()) => rendered
                .get_mut(self.batch.clone())
                .into_iter()
                .flatten()
                .filter(|r| crate::incremental::posts::is_stored(r))
                .for_each(Rendered::drop_content),
            Err(e) => warnings.push(Error::System(format!(
                "{}: cannot save the cache ({e}); the next build renders again",
                self.path.display()
            ))),
        }
    }
}

impl Drop for Committing {
    /// A build that stops early still waits for the commit, so the store can be closed.
    fn drop(&mut self) {
        if let Some(Ok(thread)) = self.commit.take() {
            let _ = thread.join();
        }
    }
}

/// Commits what the build rendered into the store, closing it; a failure is only a warning.
fn close_store(store: Option<Arc<Store>>, prune: bool, warnings: &mut Vec<Error>) {
    let Some(store) = store.and_then(Arc::into_inner) else {
        return;
    };
    let path = store.path().to_path_buf();
    warnings.extend(store.notes().into_iter().map(Error::System));
    if let Err(e) = store.finish(prune) {
        warnings.push(Error::System(format!(
            "{}: cannot save the cache ({e}); the next build renders again",
            path.display()
        )));
    }
}

/// The stack of every thread that parses or renders the user's files. Parsers and Tera recurse
/// once per level of nesting in their input, and a stack overflow aborts the whole process (a
/// preview server included) without naming the file, so the build never runs on a default
/// 2 MiB thread. The deepest input that parses must render: Tera's parser stops near 2,600
/// nested tags and its renderer takes a few kilobytes per level in a debug build, a nested
/// macro call tens of kilobytes ([`templates::MAX_MACRO_DEPTH`] of them fit many times over).
/// Only the pages a thread touches take memory; the rest is address space.
pub const STACK_SIZE: usize = 64 << 20;

/// The threads a build runs on, with [`STACK_SIZE`]. Kept by the preview server between
/// builds, so KaTeX's per-thread engines are not started afresh on every save.
pub fn thread_pool() -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .thread_name(|i| format!("quire-build-{i}"))
        .build()
        .map_err(|e| Error::System(format!("cannot start the build threads: {e}")))
}

/// Builds the site at `opts.source` into `opts.output`.
pub fn build(opts: &BuildOptions) -> Result<Built> {
    build_with_cache(opts, &mut BuildCache::default())
}

/// As [`build`], reusing what earlier builds rendered and writing as `cache` says (the preview
/// server keeps a [`BuildCache::for_server`] alive between builds).
pub fn build_with_cache(opts: &BuildOptions, cache: &mut BuildCache) -> Result<Built> {
    build_on(&thread_pool()?, opts, cache)
}

/// As [`build_with_cache`], on `pool` (from [`thread_pool`]): all of it, loading included, and
/// every parallel stage inside it.
pub fn build_on(
    pool: &rayon::ThreadPool,
    opts: &BuildOptions,
    cache: &mut BuildCache,
) -> Result<Built> {
    pool.install(|| build_here(opts, cache))
}

/// New formulas the preview renders rather than look for in the store: opening it (redb
/// reads and checks its header and tables; a 1,000-post site's store is tens of megabytes)
/// takes about 100 ms, as long as KaTeX takes for some 90 formulas on two cores, and a save
/// usually adds one or two.
const RENDER_RATHER_THAN_OPEN: usize = 64;

/// Posts a build with the cache renders at once: enough formulas to keep every thread busy,
/// few enough that holding their parsed events, formulas and HTML costs little memory (they
/// go to the store after each batch), and that the progress bar moves. Each batch is one
/// commit to the store, and one hand-over of a queue to the engines: 128 rather than 64 took
/// 0.05–0.5 s off a cold build of 1,000 posts. Its peak (Pagefind's, after the batches) rose
/// by 3 MiB with it until Pagefind's freed memory was returned as it went
/// ([`crate::allocator::ReturnFreedOften`]); now by under 1 MiB.
const POST_BATCH: usize = 128;

/// The Markdown stage's inputs for `site`. Made twice per build, around the KaTeX prepass,
/// which needs the math cache to itself in between.
pub fn renderer<'a>(
    site: &'a Site,
    math: &'a crate::markdown::math::MathCache,
    highlighter: &'a Highlighter,
    posts: &'a crate::markdown::links::PostIndex,
    citations: &'a Citations,
) -> Renderer<'a> {
    Renderer {
        config: &site.config.markdown,
        math,
        highlighter,
        lang: &site.config.lang,
        posts,
        citations,
        key: Default::default(),
    }
}

/// The site's bibliographies and citation style, for [`renderer`].
pub fn citations(site: &Site) -> Result<Citations> {
    Citations::load(
        &site.root,
        &site.config,
        site.posts.iter().map(|p| PostBibliography {
            source: &p.source,
            text: &p.text,
            bibliography: p.extra.get("bibliography"),
        }),
    )
}

/// What the Markdown stage renders: the posts, then the standalone pages of `pages/`, one
/// stage for both. Pages have no `macros:` of their own (yet): they get `no_macros` (empty),
/// and so the site's.
pub fn inputs<'a>(
    site: &'a Site,
    no_macros: &'a Arc<crate::markdown::macros::Macros>,
) -> Vec<Input<'a>> {
    site.posts
        .iter()
        .map(crate::incremental::posts::input)
        .chain(site.pages.iter().map(|p| Input {
            path: &p.source,
            text: &p.text,
            body_offset: p.body_offset,
            title: &p.title,
            macros: no_macros,
        }))
        .collect()
}

fn build_here(opts: &BuildOptions, cache: &mut BuildCache) -> Result<Built> {
    let progress = Progress::new(opts.progress);
    output::check_output_dir(&opts.source, &opts.output)?;
    output::recover(&opts.output)?;
    let site = Site::load_memo(&opts.source, &opts.load, &cache.parsed)?;
    let templates = Templates::load_memo(
        &opts.source,
        &site.base_path(),
        &site.config.url,
        &mut cache.templates,
    )?;

    cache.math.reconfigure(&site.config.math);
    // Before anything is cached there (the store, or GIFs, which `--no-cache` leaves cached).
    prepare_cache(&site.root);
    let highlighter = Highlighter::default();
    let post_index = site.post_index(&mut cache.post_index);
    let citations = citations(&site)?;
    // Parsed once: the formulas come from the same events that `finish` turns into HTML.
    let no_macros = Default::default();
    let inputs = inputs(&site, &no_macros);
    // A one-off build keeps everything it renders in the store, and takes from it every post
    // whose rendering it holds: opened first. The preview keeps its renderings in memory and
    // opens the store only when an edit added a formula it does not hold (below).
    let mut cache_warnings = Vec::new();
    let one_off = !cache.is_preview();
    let mut store = OpenStore(
        (opts.cache && one_off)
            .then(|| open_store(&site.root, &mut cache_warnings))
            .flatten(),
    );
    cache.posts.set_store(store.0.clone());
    // What the last build wrote into the output folder, so an unchanged page is not rendered
    // again (a one-off build with the cache; the preview remembers its pages itself).
    let previous = if one_off {
        Previous::of(&opts.output)
    } else {
        Previous::default()
    };
    let ledger = store.get().map(|s| Ledger::load(s, &opts.output));
    let in_output = ledger.as_ref().map(|l| (l, &previous));
    // A one-off build that must index the pages indexes them as they are rendered (its store,
    // if any, is open from here to the end).
    let stream_store = store.0.clone().filter(|_| one_off);
    let keys = render_keys(
        &inputs,
        &renderer(&site, &cache.math, &highlighter, &post_index, &citations),
    );
    let mut search_stream = one_off
        .then(|| crate::search::Stream::start(&site, &keys, opts.cache, in_output))
        .flatten();
    // With the store, posts are rendered a batch at a time, each batch's HTML kept there and
    // dropped: what a cold build holds is one batch's parsed events, formulas and HTML.
    let batch = if store.get().is_some() {
        POST_BATCH
    } else {
        inputs.len().max(1)
    };
    let batched = batch < inputs.len();
    progress.stage("posts", inputs.len());
    let mut rendered: Vec<Rendered> = Vec::with_capacity(inputs.len());
    let mut counted = FormulaCount::default();
    let mut formulas_rendered = 0;
    // The last batch's commit, on a thread of its own while this batch renders (the build
    // waited for each, one core idle, 16 times in a cold build of 1,000 posts). Declared after
    // `store`, so a build that stops early waits for it before the store is closed.
    let mut committing: Option<Committing> = None;
    for (inputs, keys) in inputs.chunks(batch).zip(keys.chunks(batch)) {
        let prepared = cache.posts.parse(
            inputs,
            keys,
            &renderer(&site, &cache.math, &highlighter, &post_index, &citations),
        )?;
        let distinct: Vec<&crate::markdown::math::Formula> = prepared
            .formulas()
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        counted.add(
            &distinct,
            prepared.reused_formulas(&cache.posts),
            &prepared,
            &cache.math,
            batched,
        );
        // The preview opens the store only for more new formulas than it takes to open it.
        let missing = distinct
            .iter()
            .filter(|f| cache.math.get(f).is_none())
            .count();
        if !one_off && store.get().is_none() && opts.cache && missing > RENDER_RATHER_THAN_OPEN {
            store.0 = open_store(&site.root, &mut cache_warnings);
        }
        if one_off {
            // Of the last batch's renderings (it may not be committed yet), those this batch
            // shares; the rest are in the store, or not needed.
            cache.math.retain(prepared.formulas());
        }
        cache.math.set_disk(store.0.clone());
        formulas_rendered += cache.math.render_missing(distinct.iter().copied());
        drop(distinct);
        cache.math.set_disk(None);
        if let Some(c) = committing.take() {
            c.settle(&mut rendered, &mut cache_warnings);
        }
        let r = renderer(&site, &cache.math, &highlighter, &post_index, &citations);
        let done = cache.posts.finish(prepared, &r);
        if let Some(stream) = search_stream.as_mut() {
            let contents = Contents::new(stream_store.as_deref());
            stream.feed(&site, rendered.len(), &done, contents)?;
        }
        if let Some(s) = store.0.as_ref().filter(|_| one_off) {
            committing = Some(Committing::start(
                Arc::clone(s),
                rendered.len()..rendered.len() + done.len(),
            ));
        }
        progress.inc(inputs.len());
        rendered.extend(done);
    }
    if let Some(c) = committing.take() {
        c.settle(&mut rendered, &mut cache_warnings);
    }
    if one_off {
        cache.math.clear();
    }
    let formulas = counted.total();
    // Not to be held while Pagefind indexes: every formula's key (2 MB for 21,000 formulas),
    // and the syntaxes, whose regexes compile as code blocks ask for them.
    drop(counted);
    drop(highlighter);
    if one_off {
        rayon::broadcast(|_| crate::markdown::math::stop_engine());
    }
    cache.posts.set_store(None);
    drop(inputs);
    let mut site = site;
    if one_off {
        if !opts.contents {
            site.drop_post_texts();
        }
        // What the engines, the batches and the store freed, back to the system before
        // Pagefind indexes (the build's peak); the preview indexes off its rebuild path.
        crate::allocator::release_freed();
    }
    if !one_off {
        store.close(false, &mut cache_warnings);
    }
    let mut warnings: Vec<Error> = rendered
        .iter()
        .flat_map(|r| r.warnings.iter().cloned())
        .collect();
    if opts.strict && !warnings.is_empty() {
        return Err(Error::Many(warnings));
    }
    // Not the site's fault, so not failed by `--strict`.
    warnings.extend(cache_warnings);
    let errors: Vec<Error> = rendered
        .iter()
        .flat_map(|r| r.errors.iter().cloned())
        .collect();
    if let Some(e) = Error::from_many(errors) {
        return Err(e);
    }
    let animations: Vec<crate::conv::Params> = rendered
        .iter()
        .flat_map(|r| r.animations.iter().copied())
        .collect();
    for dir in [crate::site::STATIC_DIR, crate::gifs::GIF_DIR] {
        crate::fs::refuse_links_outside(&site.root, &site.root.join(dir))?;
    }
    let gifs = crate::gifs::render(&site.root, &animations)?;

    let has_math = rendered.iter().any(|r| r.has_math);
    let (katex, katex_copy, katex_files) = katex_stylesheet(&site, has_math)?;
    let page_rendered = rendered.split_off(site.posts.len());
    drop(stream_store);
    let contents = Contents::new(store.get());
    // Search (src/search): a record per post and page, then the index, or its cached copy.
    // Before the pages: Pagefind holds every page's words until it writes the index, and
    // rendering the pages holds the `site` value; one after the other, a build never holds both.
    let search = crate::search::index(
        &site,
        &crate::search::sources(&site, &rendered, &page_rendered),
        opts.cache,
        contents,
        in_output,
        cache.search.as_mut(),
        search_stream,
    )?;
    let base_path = site.base_path();
    // A one-off build puts each page into the staged site as soon as it is rendered.
    let sink = one_off.then(|| output::PageSink::new(&opts.output, &previous, &base_path));
    let pages = pages::render_all(
        &site,
        &rendered,
        &page_rendered,
        &templates,
        katex,
        pages::Reuse {
            cache: &cache.pages,
            output: in_output,
            contents,
        },
        sink.as_ref(),
    )?;
    let page_count = pages.len();
    let pages_kept = pages
        .iter()
        .filter(|p| matches!(p.made, pages::Made::Kept))
        .count();
    let page_paths: Vec<PathBuf> = pages.iter().map(|p| p.path.clone()).collect();
    let (mut files, mut kept, mut keyed) = split_pages(pages);
    if let Some(key) = search.key {
        let bundle = search
            .files
            .iter()
            .map(|f| &f.path)
            .chain(&search.kept)
            .filter(|p| p.starts_with(crate::search::BUNDLE_DIR));
        keyed.extend(bundle.map(|p| (p.clone(), key)));
    }
    files.extend(search.files);
    kept.extend(search.kept);
    files.extend(theme_assets(&site.root, &site.config)?);
    files.extend(katex_files);
    files.extend(gifs.files);

    let mut copies = site.copied.clone();
    copies.extend(katex_copy);
    let mut copied = output::list_copies(&copies)?;
    // A page wins over a copied file at its path (as a generated file does): pages already
    // staged are not in `files` to say so.
    let page_set: std::collections::HashSet<&PathBuf> = page_paths.iter().collect();
    copied.files.retain(|c| !page_set.contains(&c.path));
    drop(page_set);
    crate::urls::rewrite::rewrite_site(&mut files, &copied, &base_path)?;
    match sink {
        Some(sink) => {
            sink.finish(&files, &kept, &copied, &progress)?;
            cache.forget_changes();
        }
        None => cache.write(&opts.output, &previous, (&files, &kept), &copied, &progress)?,
    }
    progress.finish();
    let written = files.iter().map(|f| f.path.as_path());
    let manifest = Manifest::of(
        written
            .chain(kept.iter().map(PathBuf::as_path))
            .chain(page_paths.iter().map(PathBuf::as_path)),
        &copied,
    );
    drop(files);
    if opts.contents {
        contents.load_all(rendered.par_iter().chain(&page_rendered))?;
    }
    if let (Some(store), Some(before)) = (store.get(), &ledger) {
        Ledger::of(&opts.output, &keyed).save(store, &opts.output, before);
    }
    store.close(true, &mut warnings);

    let report = BuildReport {
        posts: site.posts.len(),
        pages: page_count,
        formulas,
        formulas_rendered,
        posts_rendered: cache.posts.last_rendered(),
        pages_kept,
        gifs_drawn: gifs.drawn,
        search_indexed: search.pages_indexed,
        // The site's own (no posts, unread Markdown) first; never failures, even with --strict.
        warnings: site.warnings.iter().cloned().chain(warnings).collect(),
    };
    // Pages are in plan order: the posts' first in site order, then the standalone pages' (see
    // `pages::render_all`).
    let sources = site
        .posts
        .into_iter()
        .map(|p| (p.source, p.text))
        .chain(site.pages.into_iter().map(|p| (p.source, p.text)));
    let posts = sources
        .zip(rendered.iter().chain(&page_rendered))
        .zip(page_paths)
        .map(|(((source, text), r), page)| BuiltPost {
            page,
            source,
            text,
            content: r.content().cloned().unwrap_or_default(),
        })
        .collect();
    Ok(Built {
        report,
        base_path: base_path.clone(),
        site_url: site.config.url,
        cname: site.config.cname,
        posts,
        manifest,
    })
}

/// The site's distinct formulas: those of the posts rendered now, and those the posts taken
/// from the store were rendered with, over every batch.
#[derive(Default)]
struct FormulaCount {
    keys: std::collections::HashSet<String>,
    /// Counted as formulas while no batch needed keys (one batch, nothing from the store).
    plain: usize,
}

impl FormulaCount {
    /// `fresh`: the batch's distinct formulas to render; `reused`: those of the posts it took
    /// from the preview's memory.
    fn add<'a>(
        &mut self,
        fresh: &[&'a crate::markdown::math::Formula],
        reused: impl Iterator<Item = &'a crate::markdown::math::Formula>,
        prepared: &crate::incremental::posts::Prepared<'_>,
        math: &crate::markdown::math::MathCache,
        batched: bool,
    ) {
        let mut stored = prepared.stored_formulas().peekable();
        if !batched && stored.peek().is_none() && self.keys.is_empty() {
            // The preview's case, on every save: no store keys worked out, and a fast hash
            // (the set is this process's own, so no need for SipHash's defence against
            // chosen keys) in a set sized once.
            let reused: Vec<&crate::markdown::math::Formula> = reused.collect();
            let mut all = foldhash::HashSet::with_capacity_and_hasher(
                fresh.len() + reused.len(),
                foldhash::fast::RandomState::default(),
            );
            all.extend(fresh.iter().copied().chain(reused));
            self.plain += all.len();
            return;
        }
        self.keys.extend(stored.map(str::to_string));
        self.keys.extend(
            fresh
                .iter()
                .copied()
                .chain(reused)
                .map(|f| math.stored_key(f)),
        );
    }

    fn total(&self) -> usize {
        self.plain + self.keys.len()
    }
}

/// The pages' files still to write, those the output holds already, and the key of each (for
/// the output's ledger). Pages already staged are in neither list.
fn split_pages(pages: Vec<PageFile>) -> (Vec<OutputFile>, Vec<PathBuf>, Vec<(PathBuf, FileKey)>) {
    let (mut files, mut kept, mut keyed) = (Vec::new(), Vec::new(), Vec::new());
    for page in pages {
        if let Some(key) = page.key {
            keyed.push((page.path.clone(), key));
        }
        match page.made {
            pages::Made::Bytes(contents) => files.push(OutputFile {
                path: page.path,
                contents,
            }),
            pages::Made::Staged => {}
            pages::Made::Kept => kept.push(page.path),
        }
    }
    (files, kept, keyed)
}

/// Files every site gets: the theme stylesheet (unless the site has its own), the syntax
/// highlighting stylesheet, `.nojekyll` (GitHub Pages must not run Jekyll on the output) and
/// `CNAME` when configured.
fn theme_assets(root: &Path, config: &Config) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for (name, text) in templates::DEFAULT_ASSETS {
        let own = root.join(templates::TEMPLATES_DIR).join(name);
        let contents = if own.is_file() {
            crate::fs::read_to_string(&own)?
        } else {
            text.to_string()
        };
        files.push(OutputFile {
            path: PathBuf::from(name),
            contents: contents.into_bytes(),
        });
    }
    files.push(OutputFile {
        path: "syntax.css".into(),
        contents: highlight::theme_css(&config.highlight)?.into_bytes(),
    });
    files.push(OutputFile {
        path: ".nojekyll".into(),
        contents: Vec::new(),
    });
    if let Some(cname) = config
        .cname
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        files.push(OutputFile {
            path: "CNAME".into(),
            contents: format!("{cname}\n").into_bytes(),
        });
    }
    Ok(files)
}

/// The copy compiled into quire by default, written to `/katex/` only when a page has math (a
/// site without formulas gets no KaTeX files); the CDN, or a local folder copied to `/katex/`,
/// on request.
fn katex_stylesheet(
    site: &Site,
    has_math: bool,
) -> Result<(KatexCss, Option<Copy>, Vec<OutputFile>)> {
    let local = || KatexCss {
        href: crate::urls::for_rewrite(&site.base_path(), crate::katex_assets::STYLESHEET_PATH),
        integrity: None,
    };
    match site.config.math.stylesheet.as_deref() {
        None | Some(crate::config::KATEX_BUILTIN) => {
            let files = if has_math {
                crate::katex_assets::output_files()
            } else {
                Vec::new()
            };
            Ok((local(), None, files))
        }
        Some("cdn") => Ok((
            KatexCss {
                href: KATEX_CDN_HREF.into(),
                integrity: Some(KATEX_CDN_INTEGRITY.into()),
            },
            None,
            Vec::new(),
        )),
        Some(folder) => {
            let dir = site.root.join(folder);
            if !dir.join("katex.min.css").is_file() {
                return Err(Error::at(
                    Location::file(crate::config::CONFIG_FILE),
                    format!(
                        "math.stylesheet: {} has no katex.min.css (expected the folder of KaTeX's dist: katex.min.css and fonts/)",
                        dir.display()
                    ),
                ));
            }
            Ok((
                local(),
                Some(Copy {
                    from: dir,
                    to: PathBuf::from(crate::katex_assets::DIR),
                }),
                Vec::new(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lists_every_written_and_copied_file_with_its_folders() {
        let dir = tempfile::tempdir().unwrap();
        let stat = dir.path().join("static");
        std::fs::create_dir_all(stat.join("img")).unwrap();
        std::fs::create_dir_all(stat.join("empty")).unwrap();
        std::fs::write(stat.join("img/a.png"), b"png").unwrap();
        let copied = output::list_copies(&[Copy {
            from: stat,
            to: PathBuf::new(),
        }])
        .unwrap();
        let files = [OutputFile {
            path: "jekyll/update/2018/x.html".into(),
            contents: Vec::new(),
        }];
        let m = Manifest::of(files.iter().map(|f| f.path.as_path()), &copied);
        let files: Vec<&str> = m.files.iter().map(String::as_str).collect();
        assert_eq!(files, ["img/a.png", "jekyll/update/2018/x.html"]);
        for d in [
            "",
            "img",
            "empty",
            "jekyll",
            "jekyll/update",
            "jekyll/update/2018",
        ] {
            assert!(m.dirs.contains(d), "{d:?} missing from {:?}", m.dirs);
        }
    }
}
