//! `quire init` and `quire new`, run as the binary: the site init writes builds and passes
//! `quire check`; neither command overwrites anything; and the build's warnings about a site
//! without posts and about Markdown files it does not read.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{quire, snapshot, stderr, write};
use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;

/// Runs quire in `dir` with `TZ` set, so "today" and the system zone are known.
fn quire_in(dir: &Path, tz: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .current_dir(dir)
        .env("TZ", tz)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) -> &Output {
    assert!(o.status.success(), "failed: {}{}", stdout(o), stderr(o));
    o
}

/// Today in `tz`, twice: the command may run across midnight.
fn today(tz: &str) -> String {
    Zoned::now()
        .with_time_zone(TimeZone::get(tz).unwrap())
        .date()
        .to_string()
}

/// Runs `quire new ARGS` in `site`; what it printed: the path written.
fn new_in(site: &Path, args: &[&str]) -> String {
    let args: Vec<&str> = ["new"].iter().chain(args).copied().collect();
    stdout(ok(&quire_in(site, "UTC", &args))).trim().to_string()
}

/// Builds `site` with `flags`; what the build printed on stderr.
fn build(site: &Path, flags: &[&str]) -> String {
    let mut args = vec!["build", "--source", site.to_str().unwrap()];
    args.extend(flags);
    stderr(ok(&quire(&args)))
}

fn a_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("site.toml"),
        "timezone = \"Asia/Shanghai\"\n",
    );
    dir
}

#[test]
fn init_makes_a_site_that_builds_and_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let before = today("Asia/Shanghai");
    let out = ok(&quire_in(tmp.path(), "Asia/Shanghai", &["init", "blog"])).clone();
    let after = today("Asia/Shanghai");
    let site = tmp.path().join("blog");

    let listed: Vec<String> = stdout(&out).lines().map(String::from).collect();
    let welcome = listed
        .iter()
        .find(|f| f.starts_with("blog/posts/"))
        .expect("a post")
        .clone();
    assert!(
        welcome == format!("blog/posts/{before}-welcome.md")
            || welcome == format!("blog/posts/{after}-welcome.md"),
        "today's date in the system zone: {welcome}"
    );
    assert_eq!(
        listed,
        [
            "blog/site.toml",
            &welcome,
            "blog/pages/about.md",
            "blog/.gitignore",
            "blog/.github/workflows/pages.yml",
        ]
    );
    for f in &listed {
        assert!(tmp.path().join(f).is_file(), "{f}");
    }
    let config = std::fs::read_to_string(site.join("site.toml")).unwrap();
    assert!(
        config.contains("\ntimezone = \"Asia/Shanghai\"\n"),
        "{config}"
    );
    let post = std::fs::read_to_string(tmp.path().join(&welcome)).unwrap();
    assert!(post.contains("$e^{i\\pi} + 1 = 0$"), "inline math: {post}");
    assert!(post.contains("\n$$\n"), "display math: {post}");
    assert!(post.contains("\n```python\n"), "a code block: {post}");
    let gitignore = std::fs::read_to_string(site.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "_site/"), "{gitignore}");
    assert!(
        gitignore.lines().any(|l| l == ".quire-cache/"),
        "{gitignore}"
    );
    assert_eq!(
        std::fs::read_to_string(site.join(".github/workflows/pages.yml")).unwrap(),
        quire::scaffold::workflow::for_site(quire::scaffold::workflow::quire_git_url())
    );

    let build = ok(&quire_in(&site, "UTC", &["build"])).clone();
    assert!(
        !stderr(&build).contains("warning"),
        "a new site builds without warnings: {}",
        stderr(&build)
    );
    let page = walkdir::WalkDir::new(site.join("_site"))
        .into_iter()
        .map(|e| e.unwrap())
        .find(|e| e.file_name() == "welcome.html")
        .expect("the welcome post is built");
    let html = std::fs::read_to_string(page.path()).unwrap();
    assert!(
        !common::html::select(&html, ".katex-display").is_empty(),
        "display math rendered at build time"
    );
    assert!(
        !common::html::select(&html, "pre code").is_empty(),
        "a code block"
    );
    ok(&quire_in(&site, "UTC", &["check"]));
}

#[test]
fn init_in_the_current_folder_holding_only_git() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let out = ok(&quire_in(tmp.path(), "UTC", &["init"])).clone();
    assert!(
        stdout(&out).lines().any(|l| l == "site.toml"),
        "{}",
        stdout(&out)
    );
    assert!(tmp.path().join("site.toml").is_file());
    assert!(tmp.path().join(".git").is_dir());
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mine");
    write(&dir.join("notes.txt"), "keep me");
    let before = snapshot(&dir);
    let out = quire_in(tmp.path(), "UTC", &["init", "mine"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("mine is not empty"), "{err}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(snapshot(&dir), before, "nothing written");

    // An existing site, too: nothing of it is overwritten.
    let site = tmp.path().join("site");
    ok(&quire_in(tmp.path(), "UTC", &["init", "site"]));
    write(&site.join("site.toml"), "title = \"Mine\"\n");
    let before = snapshot(&site);
    assert!(
        !quire_in(tmp.path(), "UTC", &["init", "site"])
            .status
            .success()
    );
    assert_eq!(snapshot(&site), before);
}

#[test]
fn new_writes_a_post_with_front_matter() {
    let site = a_site();
    let before = today("Asia/Shanghai");
    let path = new_in(
        site.path(),
        &[
            "Hello, World: a \"first\" post",
            "--category",
            "machine learning",
            "--category",
            "notes",
            "--tag",
            "rust",
        ],
    );
    let after = today("Asia/Shanghai");
    assert!(
        path == format!("posts/{before}-hello-world-a-first-post.md")
            || path == format!("posts/{after}-hello-world-a-first-post.md"),
        "dated today in the site's zone, not the system's: {path}"
    );
    let text = std::fs::read_to_string(site.path().join(&path)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "---");
    assert_eq!(lines[1], r#"title: "Hello, World: a \"first\" post""#);
    assert!(
        lines[2].starts_with(&format!("date: {}", &path[6..16])) && lines[2].ends_with(" +0800"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], r#"categories: ["machine learning", "notes"]"#);
    assert_eq!(lines[4], r#"tags: ["rust"]"#);
    assert_eq!(lines[5], "---");

    // It builds, under the categories and title given.
    build(site.path(), &[]);
    let page = site
        .path()
        .join("_site/machine learning/notes")
        .join(path[6..16].replace('-', "/"))
        .join("hello-world-a-first-post.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let h1 = common::html::select(&html, "h1.post-title");
    assert_eq!(h1[0].text, "Hello, World: a &quot;first&quot; post");
}

#[test]
fn new_refuses_to_overwrite() {
    let site = a_site();
    let args = ["new", "Same title", "--date", "2024-05-01"];
    ok(&quire_in(site.path(), "UTC", &args));
    let file = site.path().join("posts/2024-05-01-same-title.md");
    std::fs::write(&file, "my words").unwrap();
    let out = quire_in(site.path(), "UTC", &args);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("posts/2024-05-01-same-title.md already exists"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my words");
}

#[test]
fn new_with_a_cjk_title_keeps_it_in_the_slug() {
    let site = a_site();
    let path = new_in(site.path(), &["深度学习 面试题", "--date", "2024-05-01"]);
    assert_eq!(path, "posts/2024-05-01-深度学习-面试题.md");
    let text = std::fs::read_to_string(site.path().join(&path)).unwrap();
    assert!(
        text.starts_with("---\ntitle: \"深度学习 面试题\"\ndate: 2024-05-01\n"),
        "{text}"
    );
    build(site.path(), &[]);
    let page = site.path().join("_site/2024/05/01/深度学习-面试题.html");
    assert!(page.is_file(), "{}", page.display());

    // Nothing to keep in the title: the file is still named.
    let path = new_in(site.path(), &["?!…", "--date", "2024-05-02"]);
    assert_eq!(path, "posts/2024-05-02-untitled.md");
}

#[test]
fn new_draft_goes_to_posts_drafts() {
    let site = a_site();
    let path = new_in(site.path(), &["An idea", "--draft"]);
    assert_eq!(path, "posts/_drafts/an-idea.md");
    let text = std::fs::read_to_string(site.path().join(&path)).unwrap();
    assert!(
        !text.contains("date:"),
        "a draft is dated when built: {text}"
    );
    let without = build(site.path(), &[]);
    assert!(without.contains("built 0 posts"), "{without}");
    let with = build(site.path(), &["--drafts"]);
    assert!(with.contains("built 1 posts"), "{with}");
}

#[test]
fn new_outside_a_site_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = quire_in(dir.path(), "UTC", &["new", "Lost"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("not a quire site"), "{err}");
    assert!(err.contains("quire init"), "{err}");
    assert!(snapshot(dir.path()).is_empty(), "nothing written");

    // --source points at one.
    let site = a_site();
    let source = site.path().to_str().unwrap();
    let path = new_in(
        dir.path(),
        &["Found", "--date", "2024-05-01", "--source", source],
    );
    assert_eq!(
        Path::new(&path),
        site.path().join("posts/2024-05-01-found.md")
    );
}

const NOT_READ: &str = "not a post: Markdown files are read only from posts/ and pages/";

#[test]
fn build_warns_about_no_posts_and_unread_markdown() {
    let site = a_site();
    for f in [
        "notes/x.md",
        "about.md",
        "README.md",
        "CHANGELOG.md",
        "docs/README.md",
        "node_modules/pkg/guide.md",
        "static/raw.md",
        "pages/about.md",
    ] {
        write(&site.path().join(f), "# x\n");
    }
    let err = build(site.path(), &[]);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [
            "warning: posts/: no posts found (a post is posts/YYYY-MM-DD-title.md; `quire new \"Title\"` writes one)".to_string(),
            format!("warning: about.md: {NOT_READ}"),
            format!("warning: notes/x.md: {NOT_READ}"),
        ],
        "{err}"
    );

    // A post: no more "no posts"; the stray files still warn, once each.
    write(&site.path().join("posts/2024-05-01-a.md"), "hi\n");
    let err = build(site.path(), &[]);
    assert!(!err.contains("no posts"), "{err}");
    assert_eq!(
        err.matches(&format!("notes/x.md: {NOT_READ}")).count(),
        1,
        "{err}"
    );
}

#[test]
fn build_warns_when_every_post_is_left_out() {
    let site = a_site();
    write(
        &site.path().join("posts/2024-05-01-a.md"),
        "---\npublished: false\n---\nhi\n",
    );
    let err = build(site.path(), &[]);
    assert!(
        err.contains(
            "warning: posts/: no post is published: all 1 are dated in the future or have \
             `published: false`"
        ),
        "{err}"
    );
}

/// This repository is a site too, and holds READMEs, fuzz seeds and test fixtures in Markdown:
/// none of them is reported.
#[test]
fn this_repository_has_no_unread_markdown_warnings() {
    let root = common::repo_root();
    let stray = quire::content::load::stray_markdown(&root);
    assert!(stray.is_empty(), "{stray:?}");
    let site = quire::site::Site::load(&root, &Default::default()).unwrap();
    let warnings: Vec<String> = site.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
}
