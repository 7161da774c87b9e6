//! `quire deploy` against a local bare repository: the branch holds exactly the site, each
//! deploy adds one commit, and the user's working tree, index, HEAD and branch never change.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

/// Runs git in `dir` with an identity, as a user with a configured git would.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn deploy(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quire"))
        .current_dir(dir)
        .arg("deploy")
        .args(args)
        .output()
        .unwrap()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    remote: PathBuf,
}

/// A site repository with a commit on `main`, a dirty tree (modified, staged and untracked
/// files) and a bare remote `origin`.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let remote = tmp.path().join("remote.git");
    std::fs::create_dir_all(&work).unwrap();
    git(
        tmp.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(&work, &["init", "-q", "-b", "main"]);
    write(&work.join("site.toml"), "title = \"t\"\n");
    write(
        &work.join("posts/2020-01-01-a.md"),
        "---\ntitle: A\n---\nHello [b](/2020/01/02/b.html).\n",
    );
    write(
        &work.join("posts/2020-01-02-b.md"),
        // Math, so the build writes its KaTeX cache into the checkout.
        "---\ntitle: B\n---\nB $x^2$.\n",
    );
    write(&work.join("static/img/x.png"), "png");
    write(&work.join(".gitignore"), "/_site/\n*.png\n");
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "site"]);
    git(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    // Dirty: a modified tracked file, a staged change and an untracked file.
    write(
        &work.join("site.toml"),
        "title = \"t\"\ndescription = \"d\"\n",
    );
    write(
        &work.join("posts/2020-01-03-c.md"),
        "---\ntitle: C\n---\nC.\n",
    );
    git(&work, &["add", "posts/2020-01-03-c.md"]);
    write(&work.join("notes.txt"), "untracked\n");
    Fixture {
        _tmp: tmp,
        work,
        remote,
    }
}

/// Everything a deploy must not change, read without refreshing the index.
#[derive(Debug, PartialEq)]
struct UserState {
    index_bytes: Vec<u8>,
    staged: String,
    head: String,
    branch: String,
    status: String,
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

fn user_state(work: &Path) -> UserState {
    UserState {
        index_bytes: std::fs::read(work.join(".git/index")).unwrap(),
        staged: git(work, &["ls-files", "-s"]),
        head: git(work, &["rev-parse", "HEAD"]),
        branch: git(work, &["symbolic-ref", "HEAD"]),
        // The build cache may appear, but git must not see it.
        status: git(work, &["status", "--porcelain", "--untracked-files=all"]),
        files: snapshot(work)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".git") && !p.starts_with(".quire-cache"))
            .collect(),
    }
}

fn branch_files(repo: &Path, rev: &str) -> BTreeSet<String> {
    git(repo, &["ls-tree", "-r", "--name-only", rev])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn deploys_exactly_the_site_and_adds_one_commit_per_deploy_without_touching_the_checkout() {
    let f = fixture();
    let before = user_state(&f.work);

    let out = deploy(&f.work, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        user_state(&f.work),
        before,
        "first deploy changed the checkout"
    );

    // What is on the remote branch is exactly what `quire build` makes of the same tree.
    let built = tempfile::tempdir().unwrap();
    let b = quire(&[
        "build",
        "--source",
        f.work.to_str().unwrap(),
        "--output",
        built.path().join("site").to_str().unwrap(),
    ]);
    assert!(b.status.success(), "{}", stderr(&b));
    // Everything but the marker that says the folder is quire's.
    let expected: BTreeSet<String> = snapshot(&built.path().join("site"))
        .into_keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p != quire::output::MARKER)
        .collect();
    let first = branch_files(&f.remote, "gh-pages");
    assert_eq!(first, expected);
    for must in [
        ".nojekyll",
        "index.html",
        "img/x.png",
        "2020/01/03/c.html",
        "2020/01/01/a.html",
    ] {
        assert!(first.contains(must), "{must} missing from {first:?}");
    }
    let tip1 = git(&f.remote, &["rev-parse", "gh-pages"]);
    assert_eq!(git(&f.remote, &["rev-list", "--count", "gh-pages"]), "1");
    assert_eq!(
        git(&f.remote, &["show", "gh-pages:index.html"]),
        std::fs::read_to_string(built.path().join("site/index.html"))
            .unwrap()
            .trim()
    );

    // Second deploy, with a new post: one more commit, on top of the first.
    write(
        &f.work.join("posts/2020-01-04-d.md"),
        "---\ntitle: D\n---\nD.\n",
    );
    let before = user_state(&f.work);
    let out = deploy(&f.work, &["--message", "second deploy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        user_state(&f.work),
        before,
        "second deploy changed the checkout"
    );
    assert_eq!(git(&f.remote, &["rev-list", "--count", "gh-pages"]), "2");
    assert_eq!(git(&f.remote, &["rev-parse", "gh-pages^"]), tip1);
    assert_eq!(
        git(&f.remote, &["log", "-1", "--format=%s", "gh-pages"]),
        "second deploy"
    );
    let second = branch_files(&f.remote, "gh-pages");
    assert!(second.contains("2020/01/04/d.html"));
    // Pagefind names its index files by content, so a new post replaces some of them: count
    // the rest.
    let pages =
        |files: &BTreeSet<String>| files.iter().filter(|f| !f.starts_with("pagefind/")).count();
    assert_eq!(pages(&second), pages(&first) + 1, "{second:?}");

    // The local branch is the pushed one; the user's branches are as they were.
    assert_eq!(
        git(&f.work, &["rev-parse", "gh-pages"]),
        git(&f.remote, &["rev-parse", "gh-pages"])
    );
    assert_eq!(git(&f.work, &["branch", "--show-current"]), "main");
    assert!(
        !f.work.join("_site").exists(),
        "without --output the build goes to a scratch folder"
    );
}

#[test]
fn remote_can_be_a_url_and_a_fresh_clone_builds_on_the_remote_history() {
    let f = fixture();
    let url = format!("file://{}", f.remote.display());
    let out = deploy(&f.work, &["--remote", &url, "--branch", "pages"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tip = git(&f.remote, &["rev-parse", "pages"]);

    // A clone has `origin/pages` but no local `pages`: the deploy must fast-forward it.
    let clone = f._tmp.path().join("clone");
    git(
        f._tmp.path(),
        &[
            "clone",
            "-q",
            f.remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    git(&clone, &["checkout", "-q", "-b", "main"]);
    write(&clone.join("site.toml"), "title = \"t\"\n");
    write(
        &clone.join("posts/2021-01-01-z.md"),
        "---\ntitle: Z\n---\nZ.\n",
    );
    let out = deploy(&clone, &["--branch", "pages"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(git(&f.remote, &["rev-parse", "pages^"]), tip);
}

#[test]
fn a_failed_push_is_reported_with_remote_branch_and_git_message() {
    let f = fixture();
    let missing = f._tmp.path().join("no-such-remote.git");
    let out = deploy(&f.work, &["--remote", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("git push"), "{err}");
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    assert!(err.contains("gh-pages"), "{err}");
    assert!(
        err.contains("does not appear to be a git repository"),
        "git's own reason is shown: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // A rejected (non-fast-forward) push names the rejection.
    let other = f._tmp.path().join("other");
    git(
        f._tmp.path(),
        &["init", "-q", "-b", "main", other.to_str().unwrap()],
    );
    write(&other.join("site.toml"), "title = \"other\"\n");
    git(&other, &["add", "."]);
    git(&other, &["commit", "-q", "-m", "x"]);
    git(
        &other,
        &["push", "-q", f.remote.to_str().unwrap(), "main:gh-pages"],
    );
    let out = deploy(&f.work, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("rejected"), "{err}");
}

#[test]
fn refuses_to_move_the_checked_out_branch() {
    let f = fixture();
    let before = user_state(&f.work);
    let out = deploy(&f.work, &["--branch", "main", "--no-push"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("main is checked out"),
        "{}",
        stderr(&out)
    );
    assert_eq!(user_state(&f.work), before);
}

#[test]
fn clear_errors_outside_a_repository_and_without_git() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), "title = \"t\"\n");
    let out = deploy(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a git repository"),
        "{}",
        stderr(&out)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_quire"))
        .current_dir(dir.path())
        .arg("deploy")
        .env("PATH", dir.path().join("empty"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("git was not found"),
        "{}",
        stderr(&out)
    );
}

/// CI machines run as a user without any git identity: deploy still commits.
#[test]
fn works_without_a_configured_git_identity() {
    let f = fixture();
    let home = f._tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quire"))
        .current_dir(&f.work)
        .args(["deploy", "--no-push"])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("none"))
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env_remove("EMAIL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        git(&f.work, &["log", "-1", "--format=%an <%ae>", "gh-pages"]),
        "quire <quire@localhost>"
    );
    assert!(
        stderr(&out).contains("not pushed"),
        "--no-push is said: {}",
        stderr(&out)
    );
    assert_eq!(git(&f.remote, &["branch", "--list", "gh-pages"]), "");
}

/// Deploying a GitHub project repository without `url` would publish root-relative links that
/// point outside `/repo/`: said before it ships.
#[test]
fn warns_when_a_github_project_page_has_no_base_url() {
    let f = fixture();
    git(
        &f.work,
        &["remote", "set-url", "origin", "git@github.com:me/notes.git"],
    );
    let out = deploy(&f.work, &["--no-push"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning:") && err.contains("url = \"https://me.github.io/notes\""),
        "{err}"
    );

    let out = deploy(
        &f.work,
        &["--no-push", "--base-url", "https://me.github.io/notes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    let index = git(&f.work, &["show", "gh-pages:index.html"]);
    assert!(
        index.contains("href=\"/notes/2020/01/01/a.html\""),
        "{index}"
    );
}

/// A deploy whose site equals the branch tip's adds no commit, but still pushes: that is how a
/// deploy whose push failed (here: was not asked for) is completed.
#[test]
fn an_unchanged_site_makes_no_commit_and_is_still_pushed() {
    let f = fixture();
    let out = deploy(&f.work, &["--no-push"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("unchanged"),
        "the first deploy commits: {}",
        stderr(&out)
    );
    let tip = git(&f.work, &["rev-parse", "gh-pages"]);
    assert_eq!(git(&f.remote, &["branch", "--list", "gh-pages"]), "");

    let before = user_state(&f.work);
    let out = deploy(&f.work, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("site unchanged; nothing to commit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(user_state(&f.work), before);
    assert_eq!(git(&f.work, &["rev-parse", "gh-pages"]), tip);
    assert_eq!(git(&f.work, &["rev-list", "--count", "gh-pages"]), "1");
    assert_eq!(git(&f.remote, &["rev-parse", "gh-pages"]), tip, "pushed");

    // A real change still makes its commit, on top.
    write(
        &f.work.join("posts/2020-01-04-d.md"),
        "---\ntitle: D\n---\nD.\n",
    );
    let out = deploy(&f.work, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("unchanged"), "{}", stderr(&out));
    assert_eq!(git(&f.remote, &["rev-list", "--count", "gh-pages"]), "2");
    assert_eq!(git(&f.remote, &["rev-parse", "gh-pages^"]), tip);
}

#[test]
fn the_message_says_when_the_site_was_built_from_a_dirty_tree() {
    let f = fixture();
    let head = git(&f.work, &["rev-parse", "--short=12", "HEAD"]);
    let before = user_state(&f.work);
    let out = deploy(&f.work, &["--no-push"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Asking git whether the tree is dirty rewrote nothing, the index included.
    assert_eq!(user_state(&f.work), before);
    assert_eq!(
        git(&f.work, &["log", "-1", "--format=%s", "gh-pages"]),
        format!("Deploy site built by quire from {head} (built from a dirty tree)")
    );

    // Clean, with `_site/` not ignored: the build's own output and cache do not make it dirty.
    write(&f.work.join(".gitignore"), "*.png\n");
    for (post, title) in [("2020-01-04-d", "D"), ("2020-01-05-e", "E")] {
        write(
            &f.work.join(format!("posts/{post}.md")),
            &format!("---\ntitle: {title}\n---\n{title}.\n"),
        );
        // Not `--all`: `_site/` must stay untracked.
        git(
            &f.work,
            &["add", "--", ".gitignore", "notes.txt", "site.toml", "posts"],
        );
        git(&f.work, &["commit", "-q", "-m", title]);
        let head = git(&f.work, &["rev-parse", "--short=12", "HEAD"]);
        let out = deploy(&f.work, &["--no-push", "--output", "_site"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            git(&f.work, &["status", "--porcelain"]).contains("?? _site/"),
            "the build's output is untracked, as it would be when not ignored"
        );
        assert_eq!(
            git(&f.work, &["log", "-1", "--format=%s", "gh-pages"]),
            format!("Deploy site built by quire from {head}"),
            "after {post}"
        );
    }
}

#[test]
fn branch_names_git_would_not_take_as_a_plain_branch_are_refused() {
    let f = fixture();
    // So that `@{-1}` would expand to a real branch.
    git(&f.work, &["checkout", "-q", "-b", "other"]);
    git(&f.work, &["checkout", "-q", "main"]);
    let refs = || git(&f.work, &["for-each-ref", "--format=%(refname)"]);
    let before = (refs(), user_state(&f.work));
    for bad in ["@", "refs/heads/main", "@{-1}", "-x", "a..b", "HEAD"] {
        let out = deploy(&f.work, &["--branch", bad, "--no-push"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert!(
            err.contains(&format!("`{bad}` is not a plain branch name")),
            "{bad}: {err}"
        );
        assert!(err.contains("such as gh-pages"), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{bad}: {err}");
        assert_eq!((refs(), user_state(&f.work)), before, "{bad}");
    }
}
