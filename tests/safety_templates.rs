//! Input that recurses (template loops, deeply nested posts, front matter, configuration) gives
//! output or an error naming the file, never a stack overflow: an overflow aborts the process,
//! so these run the real binary and check it was not killed by a signal.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{quire, snapshot, stderr, write};

const POST: &str = "posts/2020-01-01-deep.md";

/// A bare site: a configuration and one post with `body`.
fn site(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    write(
        &dir.path().join(POST),
        &format!("---\ntitle: deep\ndate: 2020-01-01\n---\n{body}\n"),
    );
    dir
}

fn build(site: &Path) -> Output {
    quire(&["build", "--source", site.to_str().unwrap()])
}

/// Exit 0, or exit 1 with `file` in the message; never a signal (an overflow is SIGABRT).
fn assert_clean(out: &Output, file: &str) {
    let err = stderr(out);
    match out.status.code() {
        Some(0) => {}
        Some(1) => assert!(err.contains(file), "the error names {file}:\n{err}"),
        _ => panic!("quire build died: {:?}\n{err}", out.status),
    }
}

/// Builds a good site, breaks it with `templates`, and checks the build fails with exit code 1
/// and every string of `named` in its message, leaving the previous `_site/` as it was.
fn refused(templates: &[(&str, &str)], named: &[&str]) -> String {
    let dir = site("hello");
    let ok = build(dir.path());
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let before = snapshot(&dir.path().join("_site"));
    for (name, text) in templates {
        write(&dir.path().join("templates").join(name), text);
    }
    let out = build(dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for n in named {
        assert!(err.contains(n), "the error names {n}:\n{err}");
    }
    assert_eq!(
        snapshot(&dir.path().join("_site")),
        before,
        "the previous _site/ is left as it was"
    );
    err
}

#[test]
fn an_include_loop_is_refused_naming_its_templates() {
    refused(
        &[
            (
                "post.html",
                "{% extends \"base.html\" %}{% block content %}\n{% include \"a.html\" %}{% endblock content %}",
            ),
            ("a.html", "A\n{% include \"b.html\" %}"),
            ("b.html", "{% include \"a.html\" %}"),
        ],
        &[
            "error: templates/a.html:2: templates/a.html includes templates/b.html, which includes templates/a.html",
        ],
    );
}

#[test]
fn a_macro_calling_itself_forever_is_stopped_naming_it() {
    refused(
        &[
            (
                "post.html",
                "{% extends \"base.html\" %}{% import \"macros.html\" as m %}{% block content %}{{ m::tree(n=1) }}{% endblock content %}",
            ),
            (
                "macros.html",
                "{% macro tree(n) %}<li>{{ self::tree(n=n + 1) }}</li>{% endmacro tree %}",
            ),
        ],
        &[
            "error: posts/2020-01-01-deep.md: template templates/post.html",
            "macro tree in templates/macros.html is more than 100 macro calls deep",
        ],
    );
}

#[test]
fn an_import_loop_is_refused_naming_its_templates() {
    refused(
        &[
            (
                "m.html",
                "{% import \"n.html\" as n %}{% macro a() %}{% endmacro a %}",
            ),
            ("n.html", "{% import \"m.html\" as m %}"),
        ],
        &[
            "templates/m.html imports macros from templates/n.html, which imports macros from templates/m.html",
        ],
    );
}

#[test]
fn an_extends_loop_is_refused_naming_its_templates() {
    refused(
        &[
            ("x.html", "{% extends \"y.html\" %}"),
            ("y.html", "\n{% extends \"x.html\" %}"),
        ],
        &[
            "error: templates/x.html:1: templates/x.html extends templates/y.html, which extends templates/x.html",
        ],
    );
}

#[test]
fn an_include_of_a_missing_template_names_both() {
    let err = refused(
        &[(
            "post.html",
            "{% extends \"base.html\" %}{% block content %}{% include \"nope.html\" %}{% endblock content %}",
        )],
        &["templates/post.html", "nope.html"],
    );
    assert!(err.contains(&format!("error: {POST}")), "{err}");
}

/// A recursive macro that ends renders up to 100 nested calls (each level a loop over children,
/// as a tree's would be), and one call more is an error naming the macro.
#[test]
fn a_recursive_macro_renders_up_to_the_limit() {
    let dir = site("hello");
    let post = |n: usize| {
        format!(
            "{{% extends \"base.html\" %}}{{% import \"macros.html\" as m %}}{{% block content %}}{{{{ m::down(n={n}) }}}}{{% endblock content %}}"
        )
    };
    write(
        &dir.path().join("templates/macros.html"),
        "{% macro down(n) %}{% if n > 0 %}{% for i in [1] %}<i>{{ self::down(n=n - 1) }}</i>{% endfor %}{% else %}bottom{% endif %}{% endmacro down %}",
    );
    write(&dir.path().join("templates/post.html"), &post(99));
    let out = build(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("_site/2020/01/01/deep.html")).unwrap();
    assert!(page.contains(&format!("{}bottom", "<i>".repeat(99))));

    write(&dir.path().join("templates/post.html"), &post(100));
    let out = build(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("macro down in templates/macros.html is more than 100 macro calls deep"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deeply_nested_template_tags_render() {
    let dir = site("hello");
    let n = 1_200;
    write(
        &dir.path().join("templates/post.html"),
        &format!(
            "{{% extends \"base.html\" %}}{{% block content %}}{}deepest{}{{% endblock content %}}",
            "{% if true %}{% for i in [1] %}".repeat(n),
            "{% endfor %}{% endif %}".repeat(n)
        ),
    );
    let out = build(dir.path());
    assert_clean(&out, "templates/post.html");
}

#[test]
fn ten_thousand_nested_blockquotes() {
    let dir = site(&format!("{}x", "> ".repeat(10_000)));
    assert_clean(&build(dir.path()), POST);
}

#[test]
fn ten_thousand_nested_lists() {
    let list: String = (0..10_000)
        .map(|i| format!("{}- a\n", "  ".repeat(i)))
        .collect();
    let dir = site(&list);
    assert_clean(&build(dir.path()), POST);
}

#[test]
fn a_hundred_thousand_brackets() {
    let dir = site(&"[".repeat(100_000));
    assert_clean(&build(dir.path()), POST);
}

#[test]
fn five_thousand_nested_braces_in_a_formula() {
    let dir = site(&format!("$${}x{}$$", "{".repeat(5_000), "}".repeat(5_000)));
    assert_clean(&build(dir.path()), POST);
}

#[test]
fn deeply_nested_front_matter() {
    let dir = site("");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    write(
        &dir.path().join(POST),
        &format!(
            "---\ntitle: x\ndate: 2020-01-01\nextra: {deep}\nmore:\n{}\n---\nhi\n",
            {
                let mut block = String::new();
                for i in 0..2_000 {
                    block.push_str(&format!("{}k{i}:\n", " ".repeat(i + 1)));
                }
                block
            }
        ),
    );
    assert_clean(&build(dir.path()), POST);
}

#[test]
fn deeply_nested_configuration() {
    let dir = site("hello");
    write(
        &dir.path().join("site.toml"),
        &format!(
            "title = \"t\"\nx = {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    );
    assert_clean(&build(dir.path()), "site.toml");
    write(
        &dir.path().join("site.toml"),
        &format!(
            "title = \"t\"\nx = {}1{}\n",
            "{ a = ".repeat(10_000),
            " }".repeat(10_000)
        ),
    );
    assert_clean(&build(dir.path()), "site.toml");
}

#[cfg(unix)]
#[test]
fn serve_survives_an_include_loop_saved_while_serving() {
    const PATIENCE: Duration = Duration::from_secs(60);
    let dir = site("hello");
    let mut server = common::serve::Server::start(dir.path(), &[]);
    let events = server.events();
    let version = events.next(PATIENCE).unwrap().data["version"]
        .as_u64()
        .unwrap();

    write(
        &dir.path().join("templates/a.html"),
        "{% include \"b.html\" %}",
    );
    write(
        &dir.path().join("templates/b.html"),
        "{% include \"a.html\" %}",
    );
    let failed = events
        .wait_for(PATIENCE, |e| e.name == "problems")
        .expect("a problems event");
    let text = failed.data["problems"][0]["text"].as_str().unwrap();
    assert!(
        text.contains(
            "templates/a.html includes templates/b.html, which includes templates/a.html"
        ),
        "{text}"
    );
    assert_eq!(failed.data["version"].as_u64(), Some(version));
    // Still serving the last good build, and saying what is wrong.
    assert_eq!(
        server
            .get(&format!(
                "{}index.html",
                server.url.trim_start_matches(&server.origin)
            ))
            .status,
        200
    );
    let status: serde_json::Value =
        serde_json::from_str(&server.get("/__quire/status").body).unwrap();
    assert_eq!(status["problems"][0]["path"], "templates/a.html");
    // The terminal gets it too (read on another thread, so it may come a moment later).
    let printed = std::time::Instant::now() + PATIENCE;
    while !server
        .stderr
        .lock()
        .unwrap()
        .contains("error: templates/a.html")
    {
        assert!(std::time::Instant::now() < printed, "the error is printed");
        std::thread::sleep(Duration::from_millis(20));
    }

    let output = server.output.clone();
    assert!(output.join("index.html").is_file());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait_exit(PATIENCE).expect("the server exits");
    assert!(status.success(), "{status:?}");
    assert!(!output.exists(), "the output folder is removed");
}
