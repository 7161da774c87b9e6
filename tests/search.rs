//! Site search as a build writes it: Pagefind's bundle under `/pagefind/`, the search page and
//! the header's box, `[search] enabled = false`, and the index cache (a rebuild with nothing
//! changed indexes nothing and writes the same bytes). The index is read back as the browser
//! reads it (gunzipped chunks), so what is asserted is what a query can find. Queries in a
//! real browser are in `tests/browser.rs`.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::html::select;
use common::*;
use quire::build::{BuildOptions, build};
use serde_json::Value;

const POSTS: &[(&str, &str)] = &[
    (
        "posts/2020-01-01-norm.md",
        "---\ntitle: 批归一化 $\\gamma$\ntags: [dl]\n---\n\
         批归一化（batch normalization）把每层的输入归一化：\n\n\
         $$\\hat x = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}$$\n\n\
         ## 为什么有效\n\n它让 $\\mathrm{softmax}$ 之前的激活保持稳定。\n\n\
         ## Mini-batch\n\nStatistics come from each mini-batch.\n",
    ),
    (
        "posts/2020-02-01-other.md",
        "---\ntitle: Other\n---\nNothing about that here, only convolution.\n",
    ),
    (
        "posts/2020-03-01-hidden.md",
        "---\ntitle: Hidden\nsearch: false\n---\nA secret word: zyzzyva.\n",
    ),
];

const ABOUT: (&str, &str) = (
    "pages/about.md",
    "---\ntitle: About\n---\nWho writes here.\n",
);

fn site(site_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in POSTS.iter().chain([&ABOUT]) {
        write(&dir.path().join("src").join(rel), text);
    }
    write(&dir.path().join("src/site.toml"), site_toml);
    dir
}

fn options(dir: &Path) -> BuildOptions {
    let mut opts = BuildOptions::new(dir.join("src"));
    opts.output = dir.join("out");
    opts
}

/// Pagefind's gzipped chunks (each starts with `pagefind_dcd` once unzipped).
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out.strip_prefix(b"pagefind_dcd")
        .expect("a Pagefind chunk")
        .to_vec()
}

/// Every page fragment of the index: what a result shows (URL, title, text, sections).
fn fragments(out: &Path) -> Vec<Value> {
    let mut all: Vec<Value> = std::fs::read_dir(out.join("pagefind/fragment"))
        .unwrap()
        .map(|e| {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            serde_json::from_slice(&gunzip(&bytes)).unwrap()
        })
        .collect();
    all.sort_by_key(|f| f["url"].as_str().unwrap().to_string());
    all
}

#[test]
fn index_holds_every_searchable_page_with_math_as_tex_and_sections_by_heading_id() {
    let dir = site("title = \"T\"\nlang = \"zh-CN\"\n");
    let built = build(&options(dir.path())).unwrap();
    assert_eq!(
        built.report.search_indexed, 3,
        "two posts and the about page"
    );
    let out = dir.path().join("out");
    let files = files_of(&out.join("pagefind"));
    for want in ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json"] {
        assert!(files.iter().any(|f| f == want), "{want} not in {files:?}");
    }
    for ext in [".pf_meta", ".pf_index", ".pf_fragment", ".pagefind"] {
        assert!(
            files.iter().any(|f| f.ends_with(ext)),
            "no {ext}: {files:?}"
        );
    }
    let entry: Value =
        serde_json::from_slice(&std::fs::read(out.join("pagefind/pagefind-entry.json")).unwrap())
            .unwrap();
    assert!(entry["languages"]["zh-cn"].is_object(), "{entry}");

    let frags = fragments(&out);
    let urls: Vec<&str> = frags.iter().map(|f| f["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        ["/2020/01/01/norm.html", "/2020/02/01/other.html", "/about/"]
    );
    let norm = &frags[0];
    assert_eq!(norm["meta"]["title"], "批归一化 $\\gamma$");
    // Pagefind marks where it cut Chinese into words with zero-width spaces.
    let content = norm["content"].as_str().unwrap().replace('\u{200B}', "");
    assert!(
        content.contains("\\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}"),
        "TeX indexed: {content}"
    );
    for markup in ["katex", "mfrac", "annotation", "aria-hidden", "msqrt"] {
        assert!(!content.contains(markup), "{markup} indexed: {content}");
    }
    // The headings are sub-results, linking to their ids.
    let anchors: Vec<(&str, &str)> = norm["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        anchors,
        [("为什么有效", "为什么有效"), ("mini-batch", "Mini-batch")]
    );
    assert!(
        !frags.iter().any(|f| f.to_string().contains("zyzzyva")),
        "`search: false` is not indexed"
    );

    // The search page, the header's box and the nav link.
    let page = std::fs::read_to_string(out.join("search/index.html")).unwrap();
    let form = select(&page, "form[data-search=\"page\"]");
    assert_eq!(form.len(), 1, "{page}");
    assert_eq!(form[0].attr("action"), Some("/search/"));
    assert!(out.join("search.js").is_file());
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(
        select(&index, "header form.site-search input[name=q]").len(),
        1
    );
    assert!(
        select(&index, "header .site-nav a")
            .iter()
            .any(|a| a.attr("href") == Some("/search/")),
        "{index}"
    );
    let scripts: Vec<String> = select(&index, "script[src]")
        .iter()
        .filter_map(|s| s.attr("src").map(String::from))
        .collect();
    assert!(scripts.contains(&"/search.js".to_string()), "{scripts:?}");
    // Not a page for crawlers.
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("/search/"), "{sitemap}");
}

#[test]
fn disabled_search_writes_no_index_page_box_or_cache() {
    let dir = site("title = \"T\"\n[search]\nenabled = false\n");
    let built = build(&options(dir.path())).unwrap();
    assert_eq!(built.report.search_indexed, 0);
    let out = dir.path().join("out");
    for gone in ["pagefind", "search", "search.js"] {
        assert!(!out.join(gone).exists(), "{gone} written");
    }
    assert!(!dir.path().join("src/.quire-cache/search").exists());
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(select(&index, "form[data-search]").is_empty(), "{index}");
    assert!(!index.contains("/search"), "{index}");
    // A typo in the table is an error, as everywhere in site.toml.
    let dir = site("title = \"T\"\n[search]\nenable = false\n");
    let err = build(&options(dir.path())).unwrap_err().to_string();
    assert!(err.contains("enable"), "{err}");
}

fn inodes(dir: &Path) -> Vec<(PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), e.metadata().unwrap().ino()))
        .collect()
}

#[test]
fn unchanged_pages_are_not_indexed_again_and_the_index_keeps_its_bytes() {
    let dir = site("title = \"T\"\nlang = \"zh-CN\"\n");
    let opts = options(dir.path());
    let out = dir.path().join("out");
    assert_eq!(build(&opts).unwrap().report.search_indexed, 3);
    let first = snapshot(&out);
    let first_inodes = inodes(&out.join("pagefind"));

    // Nothing changed: the index comes from the cache and no file of it is written.
    assert_eq!(build(&opts).unwrap().report.search_indexed, 0);
    assert_eq!(snapshot(&out), first);
    assert_eq!(
        inodes(&out.join("pagefind")),
        first_inodes,
        "no index file rewritten"
    );

    // Without the cache, Pagefind makes the same bytes again.
    let mut no_cache = opts.clone();
    no_cache.cache = false;
    assert_eq!(build(&no_cache).unwrap().report.search_indexed, 3);
    assert_eq!(snapshot(&out), first, "the index is reproducible");

    // A damaged cache entry is a miss, not a broken index.
    let entry = dir.path().join("src/.quire-cache/search/index");
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&entry, bytes).unwrap();
    // (With the output kept, the index there is known good and the cache is not read at all.)
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(build(&opts).unwrap().report.search_indexed, 3);
    assert_eq!(snapshot(&out), first);

    // A change to what is indexed is indexed. (The index is keyed by each page's rendering key,
    // which covers its whole file: a front-matter edit indexes again too, so that a build
    // without edits reads no page's text at all.)
    let norm = dir.path().join("src").join(POSTS[0].0);
    let text = std::fs::read_to_string(&norm).unwrap();
    std::fs::write(&norm, format!("{text}\nA new word: quokka.\n")).unwrap();
    assert_eq!(build(&opts).unwrap().report.search_indexed, 3);
    assert!(
        fragments(&out)
            .iter()
            .any(|f| f.to_string().contains("quokka")),
        "the new text is searchable"
    );
}

#[test]
fn a_base_path_changes_no_byte_of_the_index() {
    let plain = site("title = \"T\"\n");
    build(&options(plain.path())).unwrap();
    let based = site("title = \"T\"\nurl = \"https://u.github.io/repo\"\n");
    build(&options(based.path())).unwrap();
    // Pagefind's script adds the base it was loaded from to every result's URL.
    assert_eq!(
        snapshot(&plain.path().join("out/pagefind")),
        snapshot(&based.path().join("out/pagefind"))
    );
    let index = std::fs::read_to_string(based.path().join("out/index.html")).unwrap();
    let form = select(&index, "form.site-search");
    assert_eq!(form[0].attr("action"), Some("/repo/search/"));
    assert!(
        select(&index, "script[src]")
            .iter()
            .any(|s| s.attr("src") == Some("/repo/search.js")),
        "{index}"
    );
}

/// A one-off build that must index its pages gives Pagefind each batch of posts as soon as it
/// is rendered; the preview indexes them all after. Over several batches (more posts than one
/// batch holds, one left out with `search: false`, a page), both make the same index, byte for
/// byte, and the search finds a word of the last batch.
#[test]
fn the_index_made_while_posts_render_is_the_index_made_after() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("site.toml"), "title = \"T\"\nlang = \"zh-CN\"\n");
    write(&src.join(ABOUT.0), ABOUT.1);
    for i in 0..150 {
        let hidden = if i == 7 { "search: false\n" } else { "" };
        write(
            &src.join(format!("posts/2020-01-01-p{i:03}.md")),
            &format!(
                "---\ntitle: Post {i}\n{hidden}---\n## Part {i}\n\n归一化 word{i} and $x_{{{i}}}^2$.\n"
            ),
        );
    }
    let streamed = build(&options(dir.path())).unwrap();
    assert_eq!(
        streamed.report.search_indexed, 150,
        "149 posts and the page"
    );
    let one_off = snapshot(&dir.path().join("out/pagefind"));

    let mut after = options(dir.path());
    after.output = dir.path().join("preview");
    after.cache = false;
    let mut preview = quire::incremental::BuildCache::for_preview();
    let built = quire::build::build_with_cache(&after, &mut preview).unwrap();
    assert_eq!(built.report.search_indexed, 150);
    assert_eq!(snapshot(&dir.path().join("preview/pagefind")), one_off);

    let words: String = fragments(&dir.path().join("out"))
        .iter()
        .map(Value::to_string)
        .collect();
    assert!(words.contains("word149"), "the last batch is indexed");
    assert!(!words.contains("word7 "), "search: false is left out");
}
