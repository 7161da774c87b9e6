//! Whole-page snapshots of this repository's own site, so a reviewer sees every change to the
//! HTML and XML a reader gets. After an intended change, accept the new pages with
//! `INSTA_UPDATE=always cargo test --test snapshots` (or `cargo insta review`) and commit the
//! `.snap` files with it; under `CI=true` insta never writes snapshots, a mismatch just fails.
//!
//! The site is built once per test run, with the library's one-off build, into a temp folder
//! apart from the sources; nothing in the output depends on where that is or when the build ran
//! (the feed's `<updated>` is the newest post's date), so the pages are compared unchanged.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use common::*;
use quire::build::{BuildOptions, build};

/// Every file of the built repository site, by site-relative path.
fn site() -> &'static BTreeMap<PathBuf, Vec<u8>> {
    static SITE: OnceLock<BTreeMap<PathBuf, Vec<u8>>> = OnceLock::new();
    SITE.get_or_init(|| {
        let source = repo_site();
        let out = tempfile::tempdir().unwrap();
        let mut opts = BuildOptions::new(source.path());
        opts.output = out.path().join("site");
        let report = build(&opts).unwrap().report;
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        snapshot(&opts.output)
    })
}

fn page(path: &str) -> String {
    let bytes = site()
        .get(&PathBuf::from(path))
        .unwrap_or_else(|| panic!("the site has no {path}: {:?}", site().keys()));
    String::from_utf8(bytes.clone()).unwrap()
}

/// Which files the site has: a page added, renamed or dropped shows up here first.
#[test]
fn file_list() {
    let list: Vec<String> = site()
        .iter()
        .map(|(path, bytes)| {
            let path = path.to_string_lossy().replace('\\', "/");
            // Pagefind names its index files by a hash of their bytes, which any edit to the
            // seed text changes: list them by kind only.
            if let Some(rest) = path.strip_prefix("pagefind/") {
                return format!("pagefind/{}", redact_hash(rest));
            }
            // Text files are snapshotted below (or come verbatim from templates/); binary ones
            // (the GIFs) are only listed, with their size.
            if std::str::from_utf8(bytes).is_ok() {
                path
            } else {
                format!("{path} ({} bytes)", bytes.len())
            }
        })
        .collect();
    insta::assert_snapshot!(list.join("\n"));
}

/// `fragment/zh-cn_57384cf.pf_fragment` → `fragment/zh-cn_HASH.pf_fragment`.
fn redact_hash(name: &str) -> String {
    match name.split_once('_') {
        Some((head, tail)) => {
            let ext = tail.find('.').map_or("", |i| &tail[i..]);
            format!("{head}_HASH{ext}")
        }
        None => name.to_string(),
    }
}

#[test]
fn seed_post() {
    insta::assert_snapshot!(page(SEED_PAGE));
}

#[test]
fn index() {
    insta::assert_snapshot!(page("index.html"));
}

#[test]
fn category_page() {
    insta::assert_snapshot!(page("categories/jekyll/index.html"));
}

#[test]
fn atom_feed() {
    insta::assert_snapshot!(page("feed.xml"));
}

#[test]
fn category_feed() {
    insta::assert_snapshot!(page("feed/jekyll.xml"));
}

#[test]
fn about_page() {
    insta::assert_snapshot!(page("about/index.html"));
}

#[test]
fn archive_page() {
    insta::assert_snapshot!(page("archive/index.html"));
}

#[test]
fn categories_index() {
    insta::assert_snapshot!(page("categories/index.html"));
}

#[test]
fn sitemap_and_robots() {
    insta::assert_snapshot!(format!(
        "{}\n--- robots.txt\n{}",
        page("sitemap.xml"),
        page("robots.txt")
    ));
}

#[test]
fn not_found_page() {
    insta::assert_snapshot!(page("404.html"));
}

#[test]
fn syntax_stylesheet() {
    insta::assert_snapshot!(page("syntax.css"));
}
