//! What `.quire-cache/` holds is published by later builds, so a damaged entry must be rendered
//! again rather than trusted; and a formula KaTeX would take hours on must end the build at
//! once with its location.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

const POST: &str = "---\ntitle: cached\n---\nA sum:\n\n$$\\sum_{i=1}^n a_i$$\n\nEuler $e^{i\\pi}$, \
an integral $\\int_0^1 x\\,dx$ and a fraction $\\frac{a}{b}$.\n\n```conv\ninput = 4\nkernel = 3\n```\n\n\
```conv\ninput = 5\nkernel = 3\npadding = 1\nstride = 2\n```\n";

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("posts/2020-02-02-cached.md"), POST);
    dir
}

fn build(site: &Path) -> quire::build::BuildReport {
    quire::build::build(&quire::build::BuildOptions::new(site))
        .unwrap()
        .report
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// Every KaTeX entry of the packed store, by name, sealed (values are stored LZ4-compressed).
fn katex_entries(site: &Path) -> Vec<(String, Vec<u8>)> {
    entries(site, "katex/")
}

const ENTRIES: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("entries");

/// The store's name and bytes of the entry of the formula whose TeX is `tex` (KaTeX's MathML
/// keeps the TeX).
fn katex_entry(site: &Path, tex: &str) -> (String, Vec<u8>) {
    let needle = format!("<annotation encoding=\"application/x-tex\">{tex}</annotation>");
    let found: Vec<(String, Vec<u8>)> = katex_entries(site)
        .into_iter()
        .filter(|(_, v)| String::from_utf8_lossy(v).contains(&needle))
        .collect();
    assert_eq!(found.len(), 1, "one entry for {tex}");
    found.into_iter().next().unwrap()
}

/// Replaces the sealed bytes of the entry `name`, as a hand edit or a bug would.
fn overwrite(site: &Path, name: &str, bytes: &[u8]) {
    let file = if name.starts_with("katex/") || name.starts_with("post-content/") {
        quire::store::BULK_FILE
    } else {
        quire::store::FILE
    };
    let db = redb::Database::open(site.join(".quire-cache").join(file)).unwrap();
    let txn = db.begin_write().unwrap();
    let packed = lz4_flex::compress_prepend_size(bytes);
    txn.open_table(ENTRIES)
        .unwrap()
        .insert(name, packed.as_slice())
        .unwrap();
    txn.commit().unwrap();
}

fn cut_in_half(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
}

#[test]
fn damaged_cache_entries_are_rendered_again_never_published() {
    let fresh = site();
    let s = site();
    let first = build(s.path());
    assert_eq!((first.formulas_rendered, first.gifs_drawn), (4, 2));

    // A KaTeX entry cut short.
    let (sum, bytes) = katex_entry(s.path(), "\\sum_{i=1}^n a_i");
    overwrite(s.path(), &sum, &bytes[..bytes.len() / 2]);
    // An entry whose HTML was replaced by a script.
    let (euler, bytes) = katex_entry(s.path(), "e^{i\\pi}");
    let html_at = String::from_utf8_lossy(&bytes).find("<span").unwrap();
    let mut evil = bytes[..html_at].to_vec();
    evil.extend_from_slice(b"<script>alert(document.cookie)</script>");
    overwrite(s.path(), &euler, &evil);
    // One formula's entry copied over another's name.
    let (integral, _) = katex_entry(s.path(), "\\int_0^1 x\\,dx");
    overwrite(
        s.path(),
        &integral,
        &katex_entry(s.path(), "\\frac{a}{b}").1,
    );
    // A GIF emptied and a GIF cut short.
    let gifs = files_under(&s.path().join(".quire-cache/gif"));
    assert_eq!(gifs.len(), 2, "{gifs:?}");
    std::fs::write(&gifs[0], b"").unwrap();
    cut_in_half(&gifs[1]);

    // The post's own rendering is kept whole too, and a build of the unchanged post reads no
    // formula; an edit makes it read them, and the same edit is made to the fresh site.
    for dir in [fresh.path(), s.path()] {
        write(
            &dir.join("posts/2020-02-02-cached.md"),
            &POST.replace("A sum:", "The sum:"),
        );
    }
    build(fresh.path());
    let expected = snapshot(&fresh.path().join("_site"));
    let again = build(s.path());
    assert_eq!(
        (again.formulas_rendered, again.gifs_drawn),
        (3, 2),
        "every damaged entry is rendered again"
    );
    let got = snapshot(&s.path().join("_site"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(
            got[path] == *bytes,
            "{} differs from a fresh build",
            path.display()
        );
    }

    // The bad entries were replaced by good ones.
    let third = build(s.path());
    assert_eq!((third.formulas_rendered, third.gifs_drawn), (0, 0));
    assert_eq!(snapshot(&s.path().join("_site")), expected);
}

/// Runs quire, failing if it is still running after a minute: the code before the limits ran
/// for hours, so a regression shows as this guard, not as a stalled suite.
fn quire_guarded(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.args(args);
    output_within(cmd, Duration::from_secs(60))
}

#[test]
fn megabyte_formula_is_a_located_error_not_a_hang() {
    let s = site();
    let tex = "x+".repeat(512 * 1024);
    write(
        &s.path().join("posts/2020-03-03-big.md"),
        &format!("---\ntitle: big\n---\nIntro.\n\nSee $y$ and ${tex}$ too.\n"),
    );
    let out = quire_guarded(&["build", "--source", s.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(
            "posts/2020-03-03-big.md:6:13: formula is 1048576 bytes, over the limit of 8192 bytes"
        ),
        "{err}"
    );
    assert!(err.contains("max_formula_bytes"), "{err}");
}

#[test]
fn slow_formula_under_the_size_limit_hits_the_time_limit() {
    let s = site();
    write(&s.path().join("site.toml"), "[math]\ntimeout_secs = 0.5\n");
    // 6 KB, under the size limit; a flat row like this takes seconds in KaTeX.
    let tex = "x+".repeat(3 * 1024);
    write(
        &s.path().join("posts/2020-03-03-slow.md"),
        &format!("---\ntitle: slow\n---\n${tex}$\n"),
    );
    let out = quire_guarded(&["build", "--source", s.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("posts/2020-03-03-slow.md:4:1: KaTeX gave up on this formula after 0.5 s"),
        "{err}"
    );
    assert!(err.contains("timeout_secs"), "{err}");
    // Nothing about the formula was cached: a build with a looser limit renders it.
    let entries = katex_entries(s.path());
    assert_eq!(entries.len(), 4, "the post's other formulas are kept");
    assert!(
        !entries
            .iter()
            .any(|(_, v)| String::from_utf8_lossy(v).contains("x+x+x+x+"))
    );
}

/// Every entry of the packed store whose name starts with `prefix`, sealed.
fn entries(site: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    use redb::{ReadableDatabase, ReadableTable};
    let db = redb::Database::open(site.join(".quire-cache").join(quire::store::BULK_FILE)).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(ENTRIES).unwrap();
    table
        .iter()
        .unwrap()
        .map(|row| {
            let (k, v) = row.unwrap();
            (
                k.value().to_string(),
                lz4_flex::decompress_size_prepended(v.value()).unwrap(),
            )
        })
        .filter(|(k, _)| k.starts_with(prefix))
        .collect()
}

#[test]
fn a_damaged_kept_post_is_never_published_and_the_next_build_renders_it_afresh() {
    let s = site();
    build(s.path());
    let good = snapshot(&s.path().join("_site"));
    std::fs::remove_dir_all(s.path().join("_site")).unwrap();
    let stored = entries(s.path(), "post-content/");
    assert_eq!(stored.len(), 1, "the post's content is kept");
    let (name, bytes) = &stored[0];
    overwrite(s.path(), name, &bytes[..bytes.len() / 2]);

    let out = quire_guarded(&["build", "--source", s.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("renderings.redb")
            && err.contains("damaged")
            && err.contains("renders it afresh"),
        "{err}"
    );
    assert!(!s.path().join("_site").exists(), "nothing published");
    let again = build(s.path());
    assert_eq!(again.posts_rendered, 1);
    assert_eq!(snapshot(&s.path().join("_site")), good);
}
