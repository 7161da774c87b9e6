//! The packed cache in `.quire-cache/store.redb`: a warm build renders no formula, a damaged
//! store is noticed and rebuilt (a warning, not a failure), and `--no-cache` renders everything
//! without touching it.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quire::build::{BuildOptions, build};

fn site(root: &Path) -> PathBuf {
    let site = root.join("site");
    write(&site.join("site.toml"), "title = \"T\"\n");
    for i in 0..20 {
        write(
            &site.join(format!("posts/2020-01-01-p{i}.md")),
            &format!(
                "---\ntitle: P{i}\n---\nInline $x_{{{i}}} + \\alpha$ and\n\n$$\\sum_{{k=1}}^{{{i}}} k^2$$\n\nBad $\\nope{i}$.\n"
            ),
        );
    }
    site
}

fn store_file(site: &Path) -> PathBuf {
    site.join(".quire-cache").join(quire::store::FILE)
}

#[test]
fn a_warm_build_renders_no_formula() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    let opts = BuildOptions::new(&site);
    let cold = build(&opts).unwrap().report;
    assert_eq!(cold.formulas, 60);
    assert_eq!(cold.formulas_rendered, 60);
    assert!(store_file(&site).is_file());
    let page = snapshot(&opts.output);

    let warm = build(&opts).unwrap().report;
    assert_eq!(warm.formulas, 60);
    assert_eq!(warm.formulas_rendered, 0, "KaTeX ran on a warm build");
    assert_eq!(
        warm.warnings.len(),
        cold.warnings.len(),
        "KaTeX's errors come from the cache too"
    );
    assert_eq!(snapshot(&opts.output), page);
}

#[test]
fn a_damaged_store_is_rebuilt_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    let opts = BuildOptions::new(&site);
    build(&opts).unwrap();
    let good = snapshot(&opts.output);
    // Both files: the small one every build reads, and the renderings.
    for name in [quire::store::FILE, quire::store::BULK_FILE] {
        let file = site.join(".quire-cache").join(name);
        let mut bytes = std::fs::read(&file).unwrap();
        let len = bytes.len();
        for b in &mut bytes[len / 3..len * 2 / 3] {
            *b = 0x5A;
        }
        std::fs::write(&file, bytes).unwrap();
    }

    let built = build(&opts).unwrap().report;
    let damaged: Vec<String> = built
        .warnings
        .iter()
        .map(|w| w.to_string())
        .filter(|w| w.contains("damaged"))
        .collect();
    assert_eq!(damaged.len(), 2, "{:?}", built.warnings);
    assert!(damaged[0].contains("store.redb"), "{damaged:?}");
    assert!(damaged[1].contains("renderings.redb"), "{damaged:?}");
    assert_eq!(built.formulas_rendered, 60, "everything rendered again");
    assert_eq!(snapshot(&opts.output), good);
    // And the store is whole again.
    let again = build(&opts).unwrap().report;
    assert_eq!(again.formulas_rendered, 0);
    assert!(
        !again
            .warnings
            .iter()
            .any(|w| w.to_string().contains("damaged")),
        "{:?}",
        again.warnings
    );
}

#[test]
fn no_cache_renders_everything_and_leaves_the_store_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    let run = |extra: &[&str]| {
        let mut args = vec!["build", "--source", site.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = quire(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let first = run(&["--no-cache"]);
    assert!(first.contains("(60 formulas, 60 rendered)"), "{first}");
    assert!(!store_file(&site).exists(), "--no-cache made a store");
    run(&[]);
    let stored = std::fs::read(store_file(&site)).unwrap();
    let again = run(&["--no-cache"]);
    assert!(again.contains("(60 formulas, 60 rendered)"), "{again}");
    assert_eq!(std::fs::read(store_file(&site)).unwrap(), stored);
    let warm = run(&[]);
    assert!(warm.contains("(60 formulas, 0 rendered)"), "{warm}");
}

/// The one-file-per-formula folder of older quire versions is quire's own: removed when met.
#[test]
fn the_old_per_formula_folder_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    let old = site.join(".quire-cache/katex/ab/cdef");
    write(&old, "quire-cache katex v2\n");
    build(&BuildOptions::new(&site)).unwrap();
    assert!(!site.join(".quire-cache/katex").exists());
    assert!(store_file(&site).is_file());
}

/// The preview opens the store only when an edit adds more formulas than it has rendered than
/// it would take to open the store: a save that adds a formula or two neither waits for
/// another quire holding the store nor warns about it.
#[test]
fn the_preview_opens_the_store_only_for_many_new_formulas() {
    use quire::build::build_with_cache;
    use quire::incremental::BuildCache;
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    let mut opts = BuildOptions::new(&site);
    opts.output = tmp.path().join("preview");
    let mut cache = BuildCache::for_preview();
    build_with_cache(&opts, &mut cache).unwrap();
    // Another process holding the store, as a concurrent `quire build` would.
    let holder = match quire::store::Store::open(&site.join(".quire-cache"), &mut Vec::new()) {
        quire::store::Opened::Store(s) => s,
        quire::store::Opened::Without(why) => panic!("{why}"),
    };
    let busy = |r: &quire::build::BuildReport| {
        r.warnings
            .iter()
            .any(|w| w.to_string().contains("another quire process"))
    };
    let post = site.join("posts/2020-01-01-p3.md");
    write(
        &post,
        "---\ntitle: P3 again\n---\nInline $x_{3} + \\alpha$.\n",
    );
    let same_formulas = build_with_cache(&opts, &mut cache).unwrap().report;
    assert!(!busy(&same_formulas), "{:?}", same_formulas.warnings);
    write(&post, "---\ntitle: P3 again\n---\nA new one: $y^{99}$.\n");
    let new_formula = build_with_cache(&opts, &mut cache).unwrap().report;
    assert!(!busy(&new_formula), "{:?}", new_formula.warnings);
    assert_eq!(new_formula.formulas_rendered, 1);
    let many: String = (0..200).map(|i| format!("${i}^{{{i}}}$ ")).collect();
    write(&post, &format!("---\ntitle: P3 again\n---\n{many}\n"));
    let many_new = build_with_cache(&opts, &mut cache).unwrap().report;
    assert!(busy(&many_new), "{:?}", many_new.warnings);
    assert_eq!(
        many_new.formulas_rendered, 200,
        "rendered without the cache"
    );
    drop(holder);
}

/// Posts without KaTeX errors: every one is kept whole in the store.
fn clean_site(root: &Path) -> PathBuf {
    let site = root.join("site");
    write(&site.join("site.toml"), "title = \"T\"\n");
    for i in 0..12 {
        write(
            &site.join(format!("posts/2020-01-{:02}-p{i}.md", i + 1)),
            &format!(
                "---\ntitle: P{i} $x_{i}$\ncategories: c{}\n---\nInline $y_{{{i}}}$.\n\n## Part {i}\n\n```rust\nfn f{i}() {{}}\n```\n\n$$\\sum_{{k=1}}^{{{i}}} k^2$$\n",
                i % 3
            ),
        );
    }
    site
}

fn fresh_build(site: &Path, out: &Path) -> Files {
    let mut opts = BuildOptions::new(site);
    opts.output = out.to_path_buf();
    opts.cache = false;
    build(&opts).unwrap();
    snapshot(out)
}

type Files = std::collections::BTreeMap<PathBuf, Vec<u8>>;

#[test]
fn a_warm_build_parses_no_unchanged_post_and_renders_no_unchanged_page() {
    let tmp = tempfile::tempdir().unwrap();
    let site = clean_site(tmp.path());
    let opts = BuildOptions::new(&site);
    let cold = build(&opts).unwrap().report;
    assert_eq!((cold.posts_rendered, cold.pages_kept), (12, 0));

    let warm = build(&opts).unwrap().report;
    assert_eq!(warm.formulas, cold.formulas, "counted from the store");
    assert_eq!(
        (
            warm.formulas_rendered,
            warm.posts_rendered,
            warm.search_indexed
        ),
        (0, 0, 0)
    );
    assert_eq!(warm.pages_kept, warm.pages, "every page kept as it is");

    // Without the output, pages are rendered again from the stored renderings.
    std::fs::remove_dir_all(&opts.output).unwrap();
    let no_output = build(&opts).unwrap().report;
    assert_eq!((no_output.posts_rendered, no_output.pages_kept), (0, 0));
    let fresh = fresh_build(&site, &tmp.path().join("fresh"));
    assert_eq!(snapshot(&opts.output), fresh);

    // One post edited: it alone is parsed, its new formula alone rendered.
    let post = site.join("posts/2020-01-05-p4.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, text + "\nMore $z^{42}$.\n").unwrap();
    let edited = build(&opts).unwrap().report;
    assert_eq!((edited.posts_rendered, edited.formulas_rendered), (1, 1));
    assert!(edited.pages_kept > 0 && edited.pages_kept < edited.pages);
    let fresh = fresh_build(&site, &tmp.path().join("fresh2"));
    assert_eq!(snapshot(&opts.output), fresh);

    // A template edit renders pages again, but no post.
    write(
        &site.join("templates/post.html"),
        "{% extends \"base.html\" %}{% block content %}<main>{{ page.content | safe }}</main>{% endblock content %}",
    );
    let template = build(&opts).unwrap().report;
    assert_eq!(
        (template.posts_rendered, template.formulas_rendered),
        (0, 0)
    );
    let fresh = fresh_build(&site, &tmp.path().join("fresh3"));
    assert_eq!(snapshot(&opts.output), fresh);
}

#[test]
fn an_output_file_touched_since_the_last_build_is_made_again() {
    let tmp = tempfile::tempdir().unwrap();
    let site = clean_site(tmp.path());
    let opts = BuildOptions::new(&site);
    build(&opts).unwrap();
    let good = snapshot(&opts.output);
    // Same length, other bytes; a search index file gone; a feed replaced by another file.
    let index = opts.output.join("index.html");
    let len = std::fs::metadata(&index).unwrap().len() as usize;
    std::fs::write(&index, "x".repeat(len)).unwrap();
    let pagefind = good
        .keys()
        .find(|p| p.starts_with("pagefind/fragment"))
        .expect("a search fragment")
        .clone();
    std::fs::remove_file(opts.output.join(&pagefind)).unwrap();
    let feed = opts.output.join("feed.xml");
    std::fs::remove_file(&feed).unwrap();
    std::fs::write(&feed, &good[Path::new("feed.xml")]).unwrap();

    let again = build(&opts).unwrap().report;
    assert!(again.pages_kept < again.pages, "{again:?}");
    assert_eq!(snapshot(&opts.output), good);
}

/// A cold build with the store renders in batches, the engines rendering one while the last is
/// written and the next parsed; without the store, in one go. Over several batches, with
/// formulas shared by every post, by neighbours across a batch's edge and by posts batches
/// apart, both write the same site, and each distinct formula is rendered once.
#[test]
fn a_build_in_batches_writes_what_a_build_in_one_go_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    write(&site.join("site.toml"), "title = \"T\"\n");
    let posts: usize = 300;
    for i in 0..posts {
        write(
            &site.join(format!("posts/2020-01-01-p{i:03}.md")),
            &format!(
                "---\ntitle: P{i}\n---\nEveryone's $E=mc^2$, mine $x_{{{i}}}$, my neighbours' \
                 $y_{{{}}}$ and $y_{{{}}}$, and $z_{{{}}}$.\n\nBad $\\nope{}$.\n",
                i / 2,
                i.div_ceil(2),
                i % 7,
                i % 3
            ),
        );
    }
    let mut batched = BuildOptions::new(&site);
    batched.output = tmp.path().join("batched");
    let cold = build(&batched).unwrap().report;
    // E=mc^2, 300 x's, 151 y's, 7 z's, 3 bad ones.
    assert_eq!(cold.formulas, 1 + 300 + 151 + 7 + 3);
    assert_eq!(cold.formulas_rendered, cold.formulas);
    assert_eq!(cold.warnings.len(), posts, "each post's bad formula, once");
    let in_one_go = fresh_build(&site, &tmp.path().join("one"));
    assert_eq!(snapshot(&batched.output), in_one_go);
}
