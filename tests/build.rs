//! `quire build` end to end: the seed post, Jekyll's URLs, and every user mistake we promise a
//! clear message for.

mod common;

use std::path::Path;

use common::html::select;
use common::*;
use quire::site::{LoadOptions, Site};

#[test]
fn repo_site_builds_seed_index_categories_and_404() {
    let site = repo_site();
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = site.path().join("_site");
    for page in [
        SEED_PAGE,
        "index.html",
        "404.html",
        "categories/jekyll/index.html",
        "categories/update/index.html",
        ".nojekyll",
    ] {
        assert!(root.join(page).is_file(), "missing {page}");
    }
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    assert!(
        select(&index, "a[href]")
            .iter()
            .any(|a| a.attr("href") == Some(SEED_URL)),
        "index links the seed post"
    );
    assert!(index.contains("2018-12-31"));
    let not_found = std::fs::read_to_string(root.join("404.html")).unwrap();
    assert!(
        !not_found.contains("katex.min.css"),
        "pages without math do not link KaTeX"
    );
}

/// Every formula of the seed is byte-identical to KaTeX 0.16.4's `renderToString` under node
/// (tests/data/seed_katex.json, see tests/data/README.md), in document order.
#[test]
fn seed_formulas_are_exactly_katex_output() {
    #[derive(serde::Deserialize)]
    struct Expected {
        tex: String,
        display: bool,
        html: String,
    }
    let expected: Vec<Expected> = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/data/seed_katex.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(expected.len(), 51);
    assert_eq!(expected.iter().filter(|e| e.display).count(), 14);

    let site = repo_site();
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.path().join("_site").join(SEED_PAGE)).unwrap();
    assert!(
        page.contains("href=\"/katex/katex.min.css\""),
        "math page links the stylesheet"
    );

    // What pulldown-cmark delivers is what node rendered.
    let body = std::fs::read_to_string(repo_root().join(SEED_POST)).unwrap();
    let delivered = quire::markdown::formulas(body.split_once("\n---\n").unwrap().1);
    let tex: Vec<(&str, bool)> = delivered
        .iter()
        .map(|f| (f.tex.as_str(), f.display))
        .collect();
    let want: Vec<(&str, bool)> = expected
        .iter()
        .map(|e| (e.tex.as_str(), e.display))
        .collect();
    assert_eq!(tex, want);

    let content_start = page.find("<div class=\"post-content\">").unwrap();
    let mut rest = &page[content_start..];
    let mut stripped = String::new();
    for (i, e) in expected.iter().enumerate() {
        let at = rest
            .find(&e.html)
            .unwrap_or_else(|| panic!("formula {i} `{}` not found verbatim (in order)", e.tex));
        stripped.push_str(&rest[..at]);
        rest = &rest[at + e.html.len()..];
    }
    stripped.push_str(rest);
    assert_eq!(
        stripped.matches("class=\"katex\"").count(),
        0,
        "no extra formulas"
    );
    assert!(
        !stripped.contains('$'),
        "a `$` of a formula was left in the page"
    );
    assert!(!page.contains("katex-error"));
    assert_eq!(page.matches("<img width=\"150px\" src=\"/gif/").count(), 15);
}

fn urls(site: &Path) -> Vec<(String, String)> {
    let site = Site::load(site, &LoadOptions::default()).unwrap();
    let mut v: Vec<(String, String)> = site
        .posts
        .iter()
        .map(|p| {
            (
                p.source
                    .strip_prefix("posts")
                    .unwrap()
                    .display()
                    .to_string(),
                p.url.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// URLs equal Jekyll 4.3's for the fixture (tests/data/jekyll_urls_*.tsv, made with real Jekyll).
#[test]
fn urls_match_jekyll_4_3() {
    for permalink in ["date", "pretty"] {
        for tz in ["UTC", "Asia/Shanghai"] {
            let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
            write(
                &site.path().join("site.toml"),
                &format!("permalink = \"{permalink}\"\ntimezone = \"{tz}\"\n"),
            );
            let data = format!(
                "tests/data/jekyll_urls_{permalink}_{}.tsv",
                tz.replace('/', "_")
            );
            let expected: Vec<(String, String)> = std::fs::read_to_string(repo_root().join(&data))
                .unwrap()
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let (p, u) = l.split_once('\t').unwrap();
                    (p.to_string(), u.to_string())
                })
                .collect();
            let mut expected = expected;
            expected.sort();
            assert_eq!(urls(site.path()), expected, "{data}");
        }
    }
}

#[test]
fn future_unpublished_and_drafts_only_on_request() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    write(
        &site.path().join("posts/_drafts/a-draft.md"),
        "---\ntitle: Draft\n---\ndraft\n",
    );
    let base = Site::load(site.path(), &LoadOptions::default())
        .unwrap()
        .posts
        .len();
    let all = Site::load(
        site.path(),
        &LoadOptions {
            drafts: true,
            future: true,
            unpublished: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(all.posts.len(), base + 3);
    let titles: Vec<&str> = all.posts.iter().map(|p| p.title.as_str()).collect();
    for t in ["Draft", "Future Post", "Unpublished"] {
        assert!(titles.contains(&t), "{t} in {titles:?}");
    }
}

/// A mistake: non-zero exit, a message naming the file (and line), no panic, and the previous
/// `_site/` left byte-for-byte as it was.
fn assert_fails_cleanly(break_it: impl FnOnce(&Path), extra_args: &[&str], expect: &[&str]) {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    let src = site.path().to_str().unwrap();
    let first = quire(&["build", "--source", src]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&site.path().join("_site"));
    assert!(!before.is_empty());

    break_it(site.path());
    let mut args = vec!["build", "--source", src];
    args.extend_from_slice(extra_args);
    let out = quire(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert_eq!(
        snapshot(&site.path().join("_site")),
        before,
        "previous _site/ changed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".quire-cache")
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn malformed_yaml() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("posts/2020-02-02-bad.md"),
                "---\ntitle: ok\ncategories: [a, b\nlayout: post\n---\nx\n",
            )
        },
        &[],
        &["posts/2020-02-02-bad.md:", "front matter"],
    );
}

#[test]
fn impossible_date() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("posts/2020-02-02-bad.md"),
                "---\ntitle: x\ndate: 2019-02-30 10:00:00 +0800\n---\nx\n",
            )
        },
        &[],
        &["posts/2020-02-02-bad.md:3:1: invalid date `2019-02-30 10:00:00 +0800`"],
    );
}

#[test]
fn unknown_layout() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("posts/2020-02-02-bad.md"),
                "---\nlayout: nope\n---\nx\n",
            )
        },
        &[],
        &["posts/2020-02-02-bad.md:2:1: layout `nope`", "nope.html"],
    );
}

#[test]
fn tera_syntax_error() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("templates/post.html"),
                "{% extends \"base.html\" %}\n{% block content %}{% if %}{% endblock %}",
            )
        },
        &[],
        &["templates/post.html", "2:"],
    );
}

#[test]
fn tera_render_error_names_template_and_post() {
    assert_fails_cleanly(
        |s| write(&s.join("templates/post.html"), "{{ page.no_such_field.x }}"),
        &[],
        &["templates/post.html", "posts/"],
    );
}

#[test]
fn katex_error_with_strict() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("posts/2020-02-02-bad.md"),
                "---\ntitle: x\n---\nline\n\nsee $\\nope{x}$\n",
            )
        },
        &["--strict"],
        &[
            "posts/2020-02-02-bad.md:6:5: KaTeX: KaTeX parse error: Undefined control sequence: \\nope",
        ],
    );
}

#[test]
fn katex_error_without_strict_is_a_warning_and_visible() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    write(
        &site.path().join("posts/2020-02-02-bad.md"),
        "---\ntitle: x\n---\nsee $\\nope{x}$\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: posts/2020-02-02-bad.md:4:5: KaTeX:"),
        "{}",
        stderr(&out)
    );
    let page = std::fs::read_to_string(site.path().join("_site/2020/02/02/bad.html")).unwrap();
    let shown = select(&page, ".katex-error.math-error");
    assert_eq!(shown.len(), 1, "{page}");
    assert!(shown[0].text.contains("\\nope{x}"), "{:?}", shown[0]);
}

#[test]
fn url_collision_names_both_files() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("posts/2020-02-02-same.md"),
                "---\ntitle: a\n---\nx\n",
            );
            write(
                &s.join("posts/sub/2020-02-02-same.md"),
                "---\ntitle: b\n---\nx\n",
            );
        },
        &[],
        &[
            "posts/2020-02-02-same.md",
            "posts/sub/2020-02-02-same.md",
            "/2020/02/02/same.html",
        ],
    );
}

#[test]
fn unreadable_file_not_utf8() {
    assert_fails_cleanly(
        |s| {
            std::fs::write(
                s.join("posts/2020-02-02-gbk.md"),
                b"---\ntitle: \xc9\xee\xb6\xc8\n---\n",
            )
            .unwrap()
        },
        &[],
        &["posts/2020-02-02-gbk.md", "not valid UTF-8"],
    );
}

#[test]
fn unreadable_file_dangling_symlink() {
    assert_fails_cleanly(
        |s| {
            std::os::unix::fs::symlink(s.join("nowhere.md"), s.join("posts/2020-02-02-link.md"))
                .unwrap()
        },
        &[],
        &["posts/2020-02-02-link.md"],
    );
}

#[test]
fn bad_config_names_key_and_line() {
    assert_fails_cleanly(
        |s| {
            write(
                &s.join("site.toml"),
                "title = \"x\"\n[math]\noutptu = \"html\"\n",
            )
        },
        &[],
        &["site.toml:3:1:", "outptu"],
    );
}

#[test]
fn bad_flag_is_a_usage_error() {
    let out = quire(&["build", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-such-flag"));
}

#[test]
fn output_inside_posts_is_refused() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    let out_dir = site.path().join("posts/out");
    let out = quire(&[
        "build",
        "--source",
        site.path().to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("inside the source folder posts/"));
}

#[test]
fn pages_without_math_skip_katex_and_code_is_highlighted() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    write(
        &site.path().join("posts/2020-02-02-code.md"),
        "---\ntitle: c\n---\n```rust\nfn main() {}\n```\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.path().join("_site/2020/02/02/code.html")).unwrap();
    assert!(!page.contains("katex"));
    let spans = select(&page, "pre code span");
    assert!(
        spans
            .iter()
            .any(|s| s.attr("class").is_some_and(|c| c.starts_with("hl-"))),
        "{page}"
    );
    let css = std::fs::read_to_string(site.path().join("_site/syntax.css")).unwrap();
    assert!(css.contains("prefers-color-scheme: dark"));
}

#[test]
fn listings_link_katex_only_when_an_excerpt_has_math() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    let src = site.path().to_str().unwrap();
    let out = quire(&["build", "--source", src]);
    assert!(out.status.success(), "{}", stderr(&out));
    let links_katex = |page: &str| {
        let html = std::fs::read_to_string(site.path().join("_site").join(page)).unwrap();
        select(&html, "link[rel=stylesheet]")
            .iter()
            .any(|l| l.attr("href").is_some_and(|h| h.ends_with("katex.min.css")))
    };
    assert!(!links_katex("index.html"));

    write(
        &site.path().join("posts/2020-02-02-m.md"),
        "---\ntitle: m\ncategories: maths\n---\nEuler: $e^{i\\pi}=-1$.\n",
    );
    let out = quire(&["build", "--source", src]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        links_katex("index.html"),
        "the index shows a formula in an excerpt"
    );
    assert!(links_katex("categories/maths/index.html"));
}

#[test]
fn atom_feed_lists_posts_with_absolute_urls() {
    let site = repo_site();
    let src = site.path().to_str().unwrap();
    let out = quire(&[
        "build",
        "--source",
        src,
        "--base-url",
        "https://example.github.io/notes/",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let feed = std::fs::read_to_string(site.path().join("_site/feed.xml")).unwrap();
    assert!(feed.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">"
    ));
    let entries = select(&feed, "entry > id");
    assert_eq!(entries.len(), 1, "{feed}");
    assert_eq!(
        entries[0].text,
        format!("https://example.github.io/notes{SEED_URL}")
    );
    assert!(
        feed.contains("<summary type=\"html\">&lt;p&gt;"),
        "excerpt HTML is escaped once"
    );
    let index = std::fs::read_to_string(site.path().join("_site/index.html")).unwrap();
    assert!(
        select(&index, "link[href]")
            .iter()
            .any(|l| l.attr("href") == Some("/notes/feed.xml")),
        "{index}"
    );
}

#[test]
fn missing_source_folder_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-site");
    let out = quire(&["build", "--source", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(
        !missing.exists(),
        "nothing may be created for a mistyped --source"
    );
}

/// The structure helper finds elements, not text that looks like them, and gives each the text
/// inside it.
#[test]
fn html_select_reads_structure_not_text() {
    let html = "<!-- <a href=\"/x\"> --><p>Not a link: &lt;a href=\"/x\"&gt;</p>\
                <div class=\"a b\"><a href=\"/y\">one <em>two</em></a> three</div><img src=\"i.png\">";
    let links = select(html, "a");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].attr("href"), Some("/y"));
    assert_eq!(links[0].text, "one two");
    let div = &select(html, "div")[0];
    assert!(div.has_class("b") && !div.has_class("a b"));
    assert_eq!(div.text, "one two three");
    assert_eq!(select(html, "img")[0].attr("src"), Some("i.png"));
}

/// The `href`s of a page's stylesheet links that end in `katex.min.css`.
fn katex_links(page: &Path) -> Vec<(String, Option<String>)> {
    let html = std::fs::read_to_string(page).unwrap();
    select(&html, "link[rel=stylesheet]")
        .iter()
        .filter(|l| l.attr("href").is_some_and(|h| h.ends_with("katex.min.css")))
        .map(|l| {
            (
                l.attr("href").unwrap().to_string(),
                l.attr("integrity").map(str::to_string),
            )
        })
        .collect()
}

/// The default, and `builtin` written out: the committed KaTeX files, byte for byte, under
/// `katex/`, every font the stylesheet references among them, and pages linking it, with and
/// without a base path.
#[test]
fn math_site_self_hosts_the_builtin_katex() {
    let assets = repo_root().join("assets/katex");
    let want_css = std::fs::read(assets.join("katex.min.css")).unwrap();
    for (config, base, href) in [
        (None, None, "/katex/katex.min.css"),
        (Some("builtin"), None, "/katex/katex.min.css"),
        (
            None,
            Some("https://example.github.io/notes/"),
            "/notes/katex/katex.min.css",
        ),
    ] {
        let site = repo_site();
        if let Some(value) = config {
            let toml = site.path().join("site.toml");
            let text = std::fs::read_to_string(&toml).unwrap();
            write(
                &toml,
                &format!("{text}\n[math]\nstylesheet = \"{value}\"\n"),
            );
        }
        let mut args = vec!["build", "--source", site.path().to_str().unwrap()];
        if let Some(base) = base {
            args.extend(["--base-url", base]);
        }
        let out = quire(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let root = site.path().join("_site");

        let css = std::fs::read(root.join("katex/katex.min.css")).unwrap();
        assert!(css == want_css, "katex.min.css is the committed asset");
        let css = String::from_utf8(css).unwrap();
        let fonts: Vec<&str> = quire::urls::extract::css_urls(&css)
            .into_iter()
            .map(|r| &css[r])
            .collect();
        assert_eq!(fonts.len(), 20, "{fonts:?}");
        for font in fonts {
            assert!(
                font.starts_with("fonts/") && font.ends_with(".woff2"),
                "{font}"
            );
            let shipped = std::fs::read(root.join("katex").join(font))
                .unwrap_or_else(|e| panic!("katex/{font}: {e}"));
            assert!(
                shipped == std::fs::read(assets.join(font)).unwrap(),
                "{font}"
            );
        }
        assert_eq!(
            std::fs::read(root.join("katex/LICENSE")).unwrap(),
            std::fs::read(assets.join("LICENSE")).unwrap()
        );

        assert_eq!(
            katex_links(&root.join(SEED_PAGE)),
            [(href.to_string(), None)],
            "{config:?} {base:?}"
        );
    }
}

#[test]
fn site_without_math_gets_no_katex_files() {
    let site = copy_site(&repo_root().join("tests/fixtures/urls"), &["posts"]);
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = site.path().join("_site");
    assert!(root.join("index.html").is_file());
    assert!(!root.join("katex").exists(), "no katex/ without math");

    // The same site once a post has a formula: the files appear.
    write(
        &site.path().join("posts/2020-02-02-m.md"),
        "---\ntitle: m\n---\nEuler: $e^{i\\pi}=-1$.\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(root.join("katex/katex.min.css").is_file());
}

#[test]
fn cdn_stylesheet_links_jsdelivr_and_writes_no_files() {
    let site = repo_site();
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    write(&toml, &format!("{text}\n[math]\nstylesheet = \"cdn\"\n"));
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = site.path().join("_site");
    assert_eq!(
        katex_links(&root.join(SEED_PAGE)),
        [(
            quire::pages::KATEX_CDN_HREF.to_string(),
            Some(quire::pages::KATEX_CDN_INTEGRITY.to_string())
        )]
    );
    assert!(!root.join("katex").exists());
}

#[test]
fn stylesheet_folder_is_copied_to_katex() {
    let site = repo_site();
    write(&site.path().join("kx/katex.min.css"), ".katex{}");
    write(&site.path().join("kx/fonts/a.woff2"), "font");
    let toml = site.path().join("site.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    write(&toml, &format!("{text}\n[math]\nstylesheet = \"kx\"\n"));
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = site.path().join("_site");
    assert_eq!(
        std::fs::read_to_string(root.join("katex/katex.min.css")).unwrap(),
        ".katex{}"
    );
    assert!(root.join("katex/fonts/a.woff2").is_file());
    assert!(
        !root.join("katex/LICENSE").exists(),
        "nothing of the builtin copy"
    );
    assert_eq!(
        katex_links(&root.join(SEED_PAGE)),
        [("/katex/katex.min.css".to_string(), None)]
    );
}

/// The one change fetch.sh makes to KaTeX's CSS (woff2 only) is what keeps this passing: the
/// upstream CSS also names .woff and .ttf files, which are not shipped.
#[test]
fn check_passes_on_the_self_hosted_katex() {
    let site = repo_site();
    let out = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(" 0 broken"), "{}", stderr(&out));
    assert!(
        site.path()
            .join("_site/katex/fonts/KaTeX_Main-Regular.woff2")
            .is_file(),
        "the check saw the KaTeX files"
    );
}
