//! `quire check`: the repository's own site passes; broken pages, images and fragments are each
//! named with the post and line; external links are checked with a time limit and fail
//! gracefully without a network.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

fn check(src: &Path, extra: &[&str]) -> Output {
    check_command(src, extra).output().unwrap()
}

fn check_command(src: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.args(["check", "--source", src.to_str().unwrap()])
        .args(extra);
    // A proxy from the environment must not stand between the check and the local test servers.
    for var in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Lines of stderr that report a problem (not the summary, notes or the final error).
fn problems(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| {
            !l.starts_with("error: ")
                && !l.starts_with("note: ")
                && !l.starts_with("warning: ")
                && !l.starts_with("checked ")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn repository_site_passes() {
    let site = repo_site();
    let out = check(site.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(problems(&out).is_empty(), "{:?}", problems(&out));
    assert!(stderr(&out).contains("0 broken"), "{}", stderr(&out));
}

#[test]
fn repository_site_passes_under_a_base_path() {
    let site = repo_site();
    let out = check(
        site.path(),
        &["--base-url", "https://example.github.io/notes/"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

const POST: &str = r##"---
title: Broken things
---
# Intro
The excerpt: relative links and fragments here would break on the index page.

A good [link to the other post](/2020/01/02/other.html) and [its section](/2020/01/02/other.html#details).
A good [local section](#intro), [a relative link](../02/other.html) and [home](/).

This [page is missing](/no/such/page/).

![a missing image](/img/missing.png)

See [the section that is not there](#no-such-heading).
"##;

const OTHER: &str = "---\ntitle: Other\n---\n## Details\n\ntext\n";

fn broken_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(&dir.path().join("posts/2020-01-01-broken.md"), POST);
    write(&dir.path().join("posts/2020-01-02-other.md"), OTHER);
    dir
}

#[test]
fn missing_page_image_and_fragment_are_each_named_with_post_and_line() {
    let dir = broken_fixture();
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = problems(&out);
    assert_eq!(found.len(), 3, "exactly the three broken ones: {found:#?}");
    let post = "posts/2020-01-01-broken.md";
    let expect = [
        (format!("{post}:10:"), "link /no/such/page/"),
        (format!("{post}:12:"), "image /img/missing.png"),
        (format!("{post}:14:"), "link #no-such-heading"),
    ];
    for ((at, what), line) in expect.iter().zip(&found) {
        assert!(
            line.starts_with(at.as_str()),
            "{line} should start with {at}"
        );
        assert!(line.contains(what), "{line} should name {what}");
    }
    assert!(found[2].contains("no-such-heading"), "{}", found[2]);
    assert!(stderr(&out).contains("3 broken"), "{}", stderr(&out));
}

#[test]
fn the_same_problems_are_found_under_a_base_path() {
    let dir = broken_fixture();
    let out = check(
        dir.path(),
        &["--base-url", "https://example.github.io/notes"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = problems(&out);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("/notes/no/such/page/"), "{}", found[0]);
    assert!(
        found[0].starts_with("posts/2020-01-01-broken.md:10:"),
        "the line is found even though the output URL has the base: {}",
        found[0]
    );
}

#[test]
fn broken_links_from_templates_name_the_output_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(&dir.path().join("posts/2020-01-02-other.md"), OTHER);
    write(
        &dir.path().join("templates/index.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n<script src=\"{{ url(path='/js/missing.js') }}\"></script>\n<link rel=\"stylesheet\" href=\"/missing.css\">\n{% endblock content %}\n",
    );
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = problems(&out);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|l| l.contains("index.html:") && l.contains("script /js/missing.js")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|l| l.contains("stylesheet /missing.css")),
        "{found:#?}"
    );
}

/// Every broken link here is one that searching the post for the URL's text placed wrongly:
/// the same URL in a code span (not a link) or in plain text earlier, a reference-style link
/// (found at its definition), a URL written with a character reference (not found at all, so
/// the output file was named).
const MISLEADING: &str = r##"---
title: Misleading
---
Plain first paragraph.

Write links as `[x](/nope/)` in Markdown.

A [real broken link](/nope/) here.

The [reference link][r] is broken too.

Old address: /gone/ is no more.

<div class="box"><a href="/gone/">raw</a></div>

An [encoded link](/miss&#105;ng/) here.

[r]: /ref-target/
"##;

#[test]
fn broken_links_are_named_at_their_markdown_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(
        &dir.path().join("posts/2020-01-01-misleading.md"),
        MISLEADING,
    );
    let post = "posts/2020-01-01-misleading.md";
    // A reference-style link is named where it is used (one definition may serve several
    // links); raw HTML at the URL itself, since the whole block is the author's.
    let expect = [
        (format!("{post}:8:3: link "), "/nope/"),
        (format!("{post}:10:5: link "), "/ref-target/"),
        (format!("{post}:14:27: link "), "/gone/"),
        (format!("{post}:16:4: link "), "/missing/"),
    ];
    for base in ["", "/notes"] {
        let url = format!("https://example.github.io{base}");
        let out = check(dir.path(), &["--base-url", &url]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let found = problems(&out);
        assert_eq!(found.len(), expect.len(), "base {base:?}: {found:#?}");
        for ((at, path), line) in expect.iter().zip(&found) {
            let at = format!("{at}{base}{path}:");
            assert!(
                line.starts_with(&at),
                "base {base:?}: {line} should start with {at}"
            );
        }
    }
}

/// The same broken URL in a template before the content and in the content: each is named
/// where it is (the text search counted occurrences on the page, and named the post twice).
#[test]
fn a_template_link_and_a_content_link_to_the_same_url_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(
        &dir.path().join("posts/2020-01-01-a.md"),
        "---\ntitle: A\n---\nIntro.\n\nSee [the page](/nope/).\n",
    );
    write(
        &dir.path().join("templates/post.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n<nav><a href=\"/nope/\">nav</a></nav>\n{{ page.content | safe }}\n{% endblock content %}\n",
    );
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = problems(&out);
    assert_eq!(found.len(), 2, "{found:#?}");
    let page = Path::new("_site/2020/01/01/a.html");
    assert!(
        found[0].contains(&page.display().to_string()) && found[0].contains("link /nope/"),
        "the template's link is in the output file: {found:#?}"
    );
    assert!(
        found[1].starts_with("posts/2020-01-01-a.md:6:5: link /nope/"),
        "the post's link is in the post: {found:#?}"
    );
}

/// A post in category `notes` under base `/notes` has the site path `/notes/2020/…`: the
/// templates must give it `/notes/notes/2020/…`, not mistake it for already prefixed.
#[test]
fn site_paths_that_start_like_the_base_are_still_prefixed() {
    let dir = broken_fixture();
    std::fs::remove_file(dir.path().join("posts/2020-01-01-broken.md")).unwrap();
    write(
        &dir.path().join("posts/2020-01-03-cat.md"),
        "---\ntitle: C\ncategories: notes\n---\n[other](/2020/01/02/other.html)\n",
    );
    let out = check(
        dir.path(),
        &["--base-url", "https://example.github.io/notes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let index = std::fs::read_to_string(dir.path().join("_site/index.html")).unwrap();
    assert!(
        index.contains("href=\"/notes/notes/2020/01/03/cat.html\""),
        "{index}"
    );
}

/// Serves `/ok` (200), `/gone` (404) and `/slow` (never answers, keeping the connection open)
/// on a local port.
fn serve_local() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                let n = stream.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("");
                let status = match path {
                    "/ok" => "200 OK",
                    "/slow" => loop {
                        // Holds `stream` open for as long as the tests run.
                        std::thread::park();
                    },
                    _ => "404 Not Found",
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            });
        }
    });
    port
}

#[test]
fn external_links_are_checked_with_a_time_limit() {
    let port = serve_local();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    // Port 1 on localhost refuses connections: the "no network" case, without needing one.
    write(
        &dir.path().join("posts/2020-01-01-ext.md"),
        &format!(
            "---\ntitle: E\n---\n[ok](http://127.0.0.1:{port}/ok)\n\n[gone](http://127.0.0.1:{port}/gone)\n\n[slow](http://127.0.0.1:{port}/slow)\n\n[refused](http://127.0.0.1:1/x)\n"
        ),
    );

    let out = check(dir.path(), &[]);
    assert!(
        out.status.success(),
        "external links are not requested without --external: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("4 external URLs not requested"),
        "{}",
        stderr(&out)
    );

    // Without the time limit the check would wait for /slow forever; the guard ends that.
    let out = output_within(
        check_command(dir.path(), &["--external", "--timeout", "2"]),
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    let found = problems(&out);
    assert_eq!(found.len(), 3, "{found:#?}");
    let line_of = |what: &str| {
        found
            .iter()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no problem for {what}: {found:#?}"))
            .clone()
    };
    assert!(
        line_of("/gone").contains("HTTP 404"),
        "{}",
        line_of("/gone")
    );
    assert!(line_of("/gone").starts_with("posts/2020-01-01-ext.md:6:"));
    assert!(
        line_of("/slow").contains("unreachable"),
        "{}",
        line_of("/slow")
    );
    assert!(
        line_of(":1/x").contains("unreachable"),
        "{}",
        line_of(":1/x")
    );
    assert!(!found.iter().any(|l| l.contains("/ok")), "{found:#?}");
}

#[test]
fn no_network_is_a_message_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(
        &dir.path().join("posts/2020-01-01-ext.md"),
        "---\ntitle: E\n---\n[a](http://127.0.0.1:1/a) [b](https://name.invalid/b)\n",
    );
    let out = check(dir.path(), &["--external", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("none of the 2 external URLs could be reached"),
        "{err}"
    );
}
