//! A rebuild writes only the output files whose bytes changed: the others keep their inode and
//! modification time (they are hard links to the previous build's files), while the site is
//! still swapped in as a whole.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::*;

/// Every file of `dir` (quire's marker included) with its inode and modification time.
fn stamps(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let m = e.metadata().unwrap();
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                (m.ino(), m.modified().unwrap()),
            )
        })
        .collect()
}

fn site(root: &Path) -> PathBuf {
    let site = root.join("site");
    write(&site.join("site.toml"), "title = \"T\"\n");
    for i in 1..=3 {
        write(
            &site.join(format!("posts/2020-01-0{i}-p{i}.md")),
            &format!("---\ntitle: P{i}\ncategories: c{i}\n---\nHello $x_{i}$.\n\nMore text {i}.\n"),
        );
    }
    write(&site.join("static/img/s.txt"), "static");
    site
}

/// A fixture site in a temp dir, built once: the dir, the site and its output.
fn built_site() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let site = site(tmp.path());
    build(&site);
    let out = site.join("_site");
    (tmp, site, out)
}

fn build(site: &Path) {
    let o = quire(&["build", "--source", site.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The files whose inode or modification time differ between two stamps, or that one of them
/// lacks (Pagefind names its index files by their content, so an edit replaces some).
fn changed(
    before: &BTreeMap<PathBuf, (u64, std::time::SystemTime)>,
    after: &BTreeMap<PathBuf, (u64, std::time::SystemTime)>,
) -> Vec<String> {
    let pages = |m: &BTreeMap<PathBuf, _>| {
        m.keys()
            .filter(|p| !p.starts_with("pagefind"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(pages(before), pages(after));
    let mut paths: Vec<&PathBuf> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_rebuild_rewrites_only_the_pages_that_changed() {
    let (tmp, site, out) = built_site();
    let first = stamps(&out);
    let bytes = snapshot(&out);
    assert!(first.len() > 10, "{first:?}");
    // Coarse file-system clocks would hide a rewrite; a new inode never does.
    std::thread::sleep(std::time::Duration::from_millis(20));

    let folder = std::fs::metadata(&out).unwrap().ino();
    build(&site);
    let second = stamps(&out);
    assert_eq!(
        std::fs::metadata(&out).unwrap().ino(),
        folder,
        "an output that already is the site is not even swapped"
    );
    assert_eq!(
        changed(&first, &second),
        Vec::<String>::new(),
        "no output file is written when nothing changed"
    );
    assert_eq!(snapshot(&out), bytes);

    // One post's text, below its excerpt: its page changes, and the listings and feed that
    // quote it may; no other post's page does.
    let post = site.join("posts/2020-01-02-p2.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, text.replace("More text 2.", "Other text 2.")).unwrap();
    build(&site);
    assert_ne!(
        std::fs::metadata(&out).unwrap().ino(),
        folder,
        "a changed site is staged and swapped in"
    );
    let third = stamps(&out);
    let rewritten = changed(&second, &third);
    assert!(
        rewritten.contains(&"c2/2020/01/02/p2.html".to_string()),
        "{rewritten:?}"
    );
    let may_change = [
        "c2/2020/01/02/p2.html",
        "index.html",
        "categories/c2/index.html",
        "feed.xml",
        // The category's own feed, which carries its posts whole.
        "feed/c2.xml",
    ];
    for path in &rewritten {
        assert!(
            may_change.contains(&path.as_str()) || path.starts_with("pagefind/"),
            "{path} was rewritten"
        );
    }
    // What was linked is still what a fresh build writes.
    let fresh = tmp.path().join("fresh");
    let o = quire(&[
        "build",
        "--source",
        site.to_str().unwrap(),
        "--output",
        fresh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(snapshot(&out), snapshot(&fresh));
}

/// An extra file or folder in the old output, or a missing one, means the output is not the
/// site: it is rebuilt and swapped as usual, so it ends exactly as a fresh build.
#[test]
fn an_output_with_more_or_less_than_the_site_is_replaced() {
    let (_tmp, site, out) = built_site();
    let expected = snapshot(&out);
    for spoil in [
        |out: &Path| write(&out.join("stray.html"), "x"),
        |out: &Path| std::fs::create_dir(out.join("empty")).unwrap(),
        |out: &Path| std::fs::remove_file(out.join("img/s.txt")).unwrap(),
        |out: &Path| std::fs::write(out.join("index.html"), "same length? no").unwrap(),
    ] {
        spoil(&out);
        build(&site);
        assert_eq!(snapshot(&out), expected);
        assert!(!out.join("empty").exists());
    }
}

/// A file in the old output that is a symbolic link is never linked from: the new file is
/// written, and what the link pointed at is left alone.
#[test]
fn a_symlink_in_the_old_output_is_not_followed() {
    let (tmp, site, out) = built_site();
    // Outside the output, a file with the bytes quire would write there.
    let outside = tmp.path().join("outside.css");
    std::fs::copy(out.join("syntax.css"), &outside).unwrap();
    std::fs::remove_file(out.join("syntax.css")).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("syntax.css")).unwrap();
    let outside_ino = std::fs::metadata(&outside).unwrap().ino();

    build(&site);
    let meta = std::fs::symlink_metadata(out.join("syntax.css")).unwrap();
    assert!(meta.is_file(), "a regular file again");
    assert_ne!(meta.ino(), outside_ino);
    assert_eq!(std::fs::metadata(&outside).unwrap().nlink(), 1);
}
