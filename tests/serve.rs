//! `quire serve` as a user runs it: the built binary on a free port over a temp copy of the
//! site, talked to over HTTP.

mod common;

use std::path::Path;
use std::time::Duration;

use common::serve::{Server, append, site_with_config};
use common::{SEED_PAGE, SEED_POST, SEED_URL, snapshot};

/// How long to wait for something that should happen, before failing instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

fn site() -> tempfile::TempDir {
    site_with_config(|t| t.to_string())
}

#[test]
fn an_appended_line_is_served_and_announced() {
    let site = site();
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    let hello = events.next(PATIENCE).expect("a status event on connecting");
    assert_eq!(hello.name, "status");
    let version = hello.data["version"].as_u64().unwrap();
    assert_eq!(hello.data["problems"], serde_json::json!([]));

    let page = server.get(SEED_URL);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("深度学习面试问题集锦"));
    assert!(
        page.body.contains(&format!(
            "<script src=\"/__quire/live.js\" data-quire-version=\"{version}\"></script></body>"
        )),
        "the live-reload script is injected with the page's version"
    );

    let marker = "An appended line, 追加的一行 9f3c.";
    append(&site.path().join(SEED_POST), marker);
    let reload = events
        .wait_for(PATIENCE, |e| e.name == "reload")
        .expect("a reload event");
    let page = server.get(SEED_URL);
    assert!(page.body.contains(marker), "the new text is served");
    assert_eq!(reload.data["version"].as_u64(), Some(version + 1));
    let changed = |event: &common::serve::Event| -> Vec<String> {
        event.data["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        changed(&reload),
        [
            "/feed/jekyll.xml",
            "/feed/update.xml",
            "/feed.xml",
            SEED_URL
        ],
        "only the edited post's page and the feeds carrying its content changed (its excerpt \
         did not); the search index follows"
    );
    // Made in the background, the index comes in a build of its own that changes it alone,
    // and which the live-reload script does not reload a page for.
    let index = events
        .wait_for(PATIENCE, |e| e.name == "reload")
        .expect("a second build, for the search index");
    assert_eq!(index.data["version"].as_u64(), Some(version + 2));
    let index_files = changed(&index);
    assert!(
        !index_files.is_empty() && index_files.iter().all(|p| p.starts_with("/pagefind/")),
        "{index_files:?}"
    );
    // Changed files are written or removed: the new index's fragments are among them.
    assert!(
        index_files
            .iter()
            .filter(|p| p.ends_with(".pf_fragment"))
            .any(|p| server.get(p).status == 200),
        "the new index is served: {index_files:?}"
    );
}

#[test]
fn broken_front_matter_shows_the_error_until_fixed() {
    let site = site();
    let post = site.path().join(SEED_POST);
    let good = std::fs::read_to_string(&post).unwrap();
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    let version = events.next(PATIENCE).unwrap().data["version"]
        .as_u64()
        .unwrap();

    // An unclosed flow sequence on line 3 of the file (line 2 of the front matter).
    let broken = good.replacen("title:", "title: [unclosed", 1);
    std::fs::write(&post, &broken).unwrap();
    let failed = events
        .wait_for(PATIENCE, |e| e.name == "problems")
        .expect("a problems event");
    let problem = &failed.data["problems"][0];
    assert_eq!(problem["severity"], "error");
    assert_eq!(problem["path"], SEED_POST);
    assert_eq!(problem["line"], 3, "{problem}");
    assert!(
        problem["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{SEED_POST}:3:")),
        "{problem}"
    );
    assert_eq!(failed.data["version"].as_u64(), Some(version));
    // The last good build stays served, with the script that shows the overlay.
    let page = server.get(SEED_URL);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("深度学习面试问题集锦"));
    assert!(page.body.contains("/__quire/live.js"));
    let status: serde_json::Value =
        serde_json::from_str(&server.get("/__quire/status").body).unwrap();
    assert_eq!(status["problems"][0]["line"], 3);
    assert!(
        server
            .stderr
            .lock()
            .unwrap()
            .contains(&format!("error: {SEED_POST}:3:"))
    );

    std::fs::write(&post, &good).unwrap();
    let cleared = events
        .wait_for(PATIENCE, |e| e.data["problems"] == serde_json::json!([]))
        .expect("an event clearing the problems");
    // Restoring the exact text changes no output file: the overlay clears without a reload.
    assert_eq!(cleared.name, "problems");
    assert_eq!(cleared.data["version"].as_u64(), Some(version));
}

#[test]
fn template_katex_and_conv_errors_are_shown_with_their_file() {
    let site = site();
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    events.next(PATIENCE).unwrap();

    let template = site.path().join("templates/post.html");
    let good = std::fs::read_to_string(&template).unwrap();
    let block = "{% block content %}";
    assert!(good.contains(block), "the default post template changed");
    std::fs::write(
        &template,
        good.replacen(block, "{% block content %}{{ page.title | nope }}", 1),
    )
    .unwrap();
    let failed = events
        .wait_for(PATIENCE, |e| e.name == "problems")
        .expect("a problems event");
    let text = failed.data["problems"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("templates/post.html"), "{text}");
    assert!(text.contains("nope"), "{text}");
    // The overlay points at the template, where the fix goes.
    assert_eq!(failed.data["problems"][0]["path"], "templates/post.html");
    std::fs::write(&template, &good).unwrap();
    events
        .wait_for(PATIENCE, |e| e.data["problems"] == serde_json::json!([]))
        .expect("cleared");

    // A KaTeX error is a warning: the page is rebuilt (and reloads), and the overlay says where.
    let post = site.path().join(SEED_POST);
    append(&post, "Bad math: $\\nope{1}$ here.");
    let text = std::fs::read_to_string(&post).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("Bad math"))
        .unwrap()
        + 1;
    let warned = events
        .wait_for(PATIENCE, |e| e.data["problems"] != serde_json::json!([]))
        .expect("an event with the warning");
    assert_eq!(warned.name, "reload");
    let problem = &warned.data["problems"][0];
    assert_eq!(problem["severity"], "warning");
    assert_eq!(problem["path"], SEED_POST);
    assert_eq!(problem["line"].as_u64(), Some(line as u64), "{problem}");
    assert!(
        problem["message"].as_str().unwrap().contains("KaTeX"),
        "{problem}"
    );

    // A broken `conv` block fails the build; the overlay points at the bad key's line in the
    // post, not at gif/animations.toml.
    append(&post, "```conv\ninput = 5\nkernel = 3\nbogus = 1\n```");
    let text = std::fs::read_to_string(&post).unwrap();
    let line = text.lines().position(|l| l == "bogus = 1").unwrap() + 1;
    let failed = events
        .wait_for(PATIENCE, |e| e.name == "problems")
        .expect("a problems event for the block");
    let problem = &failed.data["problems"][0];
    assert_eq!(problem["severity"], "error", "{problem}");
    assert_eq!(problem["path"], SEED_POST, "{problem}");
    assert_eq!(problem["line"].as_u64(), Some(line as u64), "{problem}");
    let shown = problem["text"].as_str().unwrap();
    assert!(shown.contains("conv: unknown field `bogus`"), "{shown}");
    assert!(!shown.contains("animations.toml"), "{shown}");
}

#[test]
fn base_path_content_types_404_and_no_way_out() {
    let site = site_with_config(|t| format!("url = \"https://user.github.io/repo\"\n{t}"));
    for (name, bytes) in [
        ("static/a.png", &b"\x89PNG\r\n\x1a\n"[..]),
        (
            "static/a.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
        ("static/a.js", b"console.log(1)"),
        ("static/a.json", b"{}"),
        ("static/a.xml", b"<a/>"),
        ("static/fonts/a.woff2", b"wOF2"),
        ("static/docs/index.html", b"<html><body>docs</body></html>"),
    ] {
        let path = site.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let before = source_snapshot(site.path());
    let server = Server::start(site.path(), &[]);
    assert!(server.url.ends_with("/repo/"), "{}", server.url);

    let page = server.get(&format!("/repo{SEED_URL}"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("href=\"/repo/quire.css\""),
        "links carry the base path"
    );

    #[rustfmt::skip]
    let types = [
        ("/repo/",                 "text/html"),
        ("/repo/quire.css",        "text/css"),
        ("/repo/gif/dilation.gif", "image/gif"),
        ("/repo/a.png",            "image/png"),
        ("/repo/a.svg",            "image/svg+xml"),
        ("/repo/a.js",             "text/javascript"),
        ("/repo/a.json",           "application/json"),
        ("/repo/a.xml",            "text/xml"),
        ("/repo/fonts/a.woff2",    "font/woff2"),
        ("/__quire/live.js",       "text/javascript"),
    ];
    for (path, want) in types {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        let got = reply.header("content-type").unwrap_or("");
        assert!(got.starts_with(want), "{path}: {got}");
    }

    let home = server.get("/");
    assert_eq!(
        (home.status, home.header("location")),
        (302, Some("/repo/"))
    );
    let dir = server.get("/repo/docs");
    assert_eq!(
        (dir.status, dir.header("location")),
        (302, Some("/repo/docs/"))
    );
    assert!(server.get("/repo/docs/").body.contains("docs"));

    let not_found_page = std::fs::read_to_string(server.output.join("404.html")).unwrap();
    for path in [
        "/repo/nope.html",
        "/jekyll/update/",
        "/repo/gif/none.gif",
        "/repos/",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(
            reply.body.starts_with(&not_found_page[..200]),
            "{path}: the site's 404.html"
        );
    }

    let secret = std::fs::read_to_string(site.path().join("site.toml")).unwrap();
    for path in [
        "/repo/../site.toml",
        "/repo/%2e%2e/site.toml",
        "/repo/%2E%2E%2Fsite.toml",
        "/repo/..%2f..%2f..%2fetc%2fpasswd",
        "/repo/..%5csite.toml",
        "/repo/%252e%252e/site.toml",
        "/repo/gif/../../site.toml",
        "/repo/%00/../site.toml",
        "/../../../../etc/passwd",
    ] {
        let reply = server.raw_get(path);
        assert!(
            reply.status == 404 || reply.status == 400,
            "{path}: {}",
            reply.status
        );
        assert!(
            !reply.body.contains(secret.trim()),
            "{path} leaked site.toml"
        );
        assert!(
            !reply.body.contains("root:x:0:0"),
            "{path} leaked /etc/passwd"
        );
    }

    // The preview writes nowhere in the sources but its own cache folder, and its output has
    // no trace of the script.
    assert!(
        server
            .output
            .starts_with(site.path().join(".quire-cache/serve"))
    );
    assert_eq!(source_snapshot(site.path()), before);
    assert!(!site.path().join("_site").exists());
    let on_disk = std::fs::read_to_string(server.output.join(SEED_PAGE)).unwrap();
    assert!(!on_disk.contains("__quire"));
}

/// DNS rebinding: a page on `evil.example` whose name is re-pointed at 127.0.0.1 must not be able
/// to read the preview (drafts included), its live-reload events or its status.
#[test]
fn only_requests_addressed_to_this_machine_are_answered() {
    let site = site();
    let server = Server::start(site.path(), &[]);
    let port = server.origin.rsplit(':').next().unwrap().to_string();
    let page = SEED_URL;
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
    ] {
        for path in [page, "/", "/__quire/events", "/__quire/status"] {
            let reply = server.raw_get_as(path, Some(&host));
            assert_eq!(reply.status, 403, "{host}{path}: {}", reply.body);
            assert!(
                reply
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("text/plain")),
                "{host}{path}"
            );
            assert!(reply.body.contains("localhost"), "a reason: {}", reply.body);
            assert!(!reply.body.contains("深度学习"), "{host}{path}");
        }
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_string(),
    ] {
        let reply = server.raw_get_as(page, Some(&host));
        assert_eq!(reply.status, 200, "{host}");
        assert!(reply.body.contains("深度学习面试问题集锦"), "{host}");
    }
    // HTTP/1.0 without a Host: no browser sends that, so no rebinding page can.
    let reply = server.raw_get_as(page, None);
    assert_eq!(reply.status, 200);
}

/// Every file of the site's own folders (the caches beside them are the build's business).
fn source_snapshot(root: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let own = ["posts", "templates", "static", "gif", "site.toml"];
    snapshot(root)
        .into_iter()
        .filter(|(path, _)| own.iter().any(|dir| path.starts_with(dir)))
        .collect()
}

#[test]
fn a_port_in_use_is_named_with_the_flag_to_change_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let site = site();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--port", &port, "--source"])
        .arg(site.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("port {port} is already in use")),
        "{err}"
    );
    assert!(err.contains("--port"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let site = site();
    let mut server = Server::start(site.path(), &[]);
    // An open page must not keep the server alive.
    let events = server.events();
    events.next(PATIENCE).unwrap();
    let output = server.output.clone();
    assert!(output.join("index.html").is_file());
    let killed = std::process::Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server
        .wait_exit(PATIENCE)
        .expect("the server exits on Ctrl-C");
    assert!(status.success(), "{status:?}");
    assert!(!output.exists(), "the output folder is removed");
    assert!(server.stdout.lock().unwrap().contains("Stopped."));
}

/// A preview killed outright cannot remove its folder; the next preview of the site takes it
/// over, so killed previews leave one folder at most, inside the site's cache. Closing the
/// terminal (SIGHUP) stops the preview as Ctrl-C does.
#[cfg(unix)]
#[test]
fn a_killed_previews_folder_is_reused_and_a_hangup_removes_it() {
    let site = site();
    let killed = Server::start(site.path(), &[]);
    let left = killed.output.clone();
    assert!(left.join("index.html").is_file());
    drop(killed); // SIGKILL
    assert!(
        left.join("index.html").is_file(),
        "nothing ran to remove it"
    );

    let mut next = Server::start(site.path(), &[]);
    assert_eq!(
        next.output, left,
        "the killed preview's folder is taken over"
    );
    assert!(left.join("index.html").is_file(), "and built anew");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &next.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let status = next
        .wait_exit(PATIENCE)
        .expect("the server exits on SIGHUP");
    assert!(status.success(), "{status:?}");
    assert!(!left.exists(), "the output folder is removed");
    let serve = site.path().join(".quire-cache/serve");
    let slots: Vec<_> = std::fs::read_dir(&serve)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    assert!(slots.is_empty(), "{slots:?} left in {}", serve.display());
}

#[test]
fn build_output_never_has_the_reload_script() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["build", "--source"])
        .arg(site.path())
        .arg("--output")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    for (path, bytes) in snapshot(out.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__quire"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_site_broken_at_start_is_served_once_fixed() {
    let site = site_with_config(|t| format!("{t}\ntitel = \"typo\"\n"));
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    let hello = events.next(PATIENCE).unwrap();
    let problem = &hello.data["problems"][0];
    assert_eq!(problem["path"], "site.toml", "{problem}");
    assert!(
        problem["message"].as_str().unwrap().contains("titel"),
        "{problem}"
    );
    // Nothing was built yet: a live 404 page, so the overlay shows and the fix reloads it.
    let page = server.get(SEED_URL);
    assert_eq!(page.status, 404);
    assert!(page.body.contains("/__quire/live.js"));

    let config = site.path().join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("titel = \"typo\"", "")).unwrap();
    let fixed = events
        .wait_for(PATIENCE, |e| e.name == "reload")
        .expect("a reload once the config is fixed");
    assert_eq!(fixed.data["problems"], serde_json::json!([]));
    assert_eq!(server.get(SEED_URL).status, 200);
}

/// A Jekyll site previewed as it is (`_config.yml`, `_posts/`, no `site.toml`): its folders
/// are watched, so a save to a post in `_posts/` or to an include in `_includes/` is rebuilt
/// and announced, and the page holds the edit.
#[test]
fn a_jekyll_sites_posts_and_includes_are_watched() {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jekyll");
    let site = tempfile::tempdir().unwrap();
    common::copy_dir(&from, site.path());
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    events.next(PATIENCE).expect("a status event on connecting");
    let post = site.path().join("_posts/2019-01-01-welcome.md");
    let page = walkdir::WalkDir::new(&server.output)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .find(|p| {
            p.ends_with("index.html")
                && p.to_string_lossy().contains("welcome")
                && !p.to_string_lossy().contains("feed")
        })
        .expect("the welcome post's page");
    let url = format!(
        "/mathblog/{}",
        page.strip_prefix(&server.output).unwrap().display()
    );
    assert_eq!(server.get(&url).status, 200, "{url}");

    for (file, marker) in [
        (post.clone(), "An appended line in _posts, 7c1e."),
        (
            site.path().join("_includes/note.html"),
            "An include's new line, 5d2a.",
        ),
    ] {
        append(&file, marker);
        events
            .wait_for(PATIENCE, |e| e.name == "reload")
            .unwrap_or_else(|| panic!("a reload after saving {}", file.display()));
        if file == post {
            let body = server.get(&url).body;
            assert!(body.contains(marker), "{url} holds the edit");
        }
    }
}
