//! quire writes and removes only inside its output folder, and replaces only an output folder it
//! made: encoded permalinks, dangerous `--output` values, killed builds and symlinks under
//! `static/` each have a test here.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quire::build::{BuildOptions, build_with_cache};
use quire::incremental::BuildCache;

const DECOY: &str = "the user's own file\n";

/// A small site (two posts, no math) in `root/site`.
fn small_site(root: &Path) -> PathBuf {
    let site = root.join("site");
    write(&site.join("site.toml"), "title = \"T\"\n");
    write(
        &site.join("posts/2020-01-01-a.md"),
        "---\ntitle: A\n---\nA post.\n",
    );
    write(
        &site.join("posts/2020-01-02-b.md"),
        "---\ntitle: B\n---\nB post.\n",
    );
    site
}

fn build_into(site: &Path, output: &Path) -> std::process::Output {
    quire(&[
        "build",
        "--source",
        site.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ])
}

/// Names of the entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The output sits three folders deep, so three `..` from it (or from the staging folder
/// beside it) land on `root/a`, where the decoys are.
fn deep_output(root: &Path) -> PathBuf {
    root.join("a/b/c/out")
}

#[test]
fn encoded_permalinks_in_front_matter_are_errors_at_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let out = deep_output(tmp.path());
    let victim = tmp.path().join("a/victim.txt");
    let beside = tmp.path().join("a/b/c/X.html");
    write(&victim, DECOY);
    write(&beside, DECOY);
    for permalink in ["/%2e%2e/%2e%2e/%2e%2e/victim.txt", "/a/%2f..%2f..%2fX.html"] {
        write(
            &site.join("posts/x.md"),
            &format!("---\ntitle: X\ndate: 2020-01-03\npermalink: {permalink}\n---\nX.\n"),
        );
        let o = build_into(&site, &out);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{permalink}: {err}");
        assert!(
            err.contains("posts/x.md:4:1: permalink") && err.contains("outside the output folder"),
            "{permalink}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), DECOY);
        assert_eq!(std::fs::read_to_string(&beside).unwrap(), DECOY);
        assert!(!out.exists(), "nothing is written for a refused build");
    }
}

#[test]
fn encoded_permalink_in_site_toml_is_one_error_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let out = deep_output(tmp.path());
    // `:title` gives each post its own file: `a.txt` for the post titled from `a`.
    let victim = tmp.path().join("a/a.txt");
    write(&victim, DECOY);
    write(
        &site.join("site.toml"),
        "title = \"T\"\npermalink = \"/%2e%2e/%2e%2e/%2e%2e/:title.txt\"\n",
    );
    let o = build_into(&site, &out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("site.toml:2:1: site permalink"), "{err}");
    assert_eq!(
        err.matches("outside the output folder").count(),
        1,
        "said once, not once per post: {err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), DECOY);
}

/// The preview writes in place and removes what a build no longer makes: neither may reach a
/// file outside its folder.
#[test]
fn preview_builds_never_touch_a_file_outside_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let out = deep_output(tmp.path());
    let victim = tmp.path().join("a/victim.txt");
    write(&victim, DECOY);
    let opts = BuildOptions {
        output: out.clone(),
        ..BuildOptions::new(&site)
    };
    let mut cache = BuildCache::for_preview();
    build_with_cache(&opts, &mut cache).unwrap();

    let post = site.join("posts/x.md");
    write(
        &post,
        "---\ntitle: X\ndate: 2020-01-03\npermalink: /%2e%2e/%2e%2e/%2e%2e/victim.txt\n---\nX.\n",
    );
    let err = build_with_cache(&opts, &mut cache).unwrap_err().to_string();
    assert!(err.starts_with("posts/x.md:4:1:"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), DECOY);

    // The permalink removed: the build that drops the page must not remove the decoy.
    write(&post, "---\ntitle: X\ndate: 2020-01-03\n---\nX.\n");
    build_with_cache(&opts, &mut cache).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), DECOY);
    assert!(out.join("2020/01/03/x.html").is_file());
}

/// `--output` values that name something of the user's: exit 1, a message saying why, and
/// nothing removed.
fn assert_refused(site: &Path, output: &Path, home: Option<&Path>, why: &str, keep: &[PathBuf]) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.args(["build", "--source"])
        .arg(site)
        .arg("--output")
        .arg(output);
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    let o = cmd.output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{}: {err}", output.display());
    assert!(
        err.contains("refusing to use") && err.contains(why),
        "{}: expected `{why}` in: {err}",
        output.display()
    );
    for k in keep {
        assert!(
            std::fs::symlink_metadata(k).is_ok(),
            "{} was removed",
            k.display()
        );
    }
    let parent = output.parent().unwrap();
    assert!(
        names(parent)
            .iter()
            .all(|n| !n.contains(".new-") && !n.contains(".old-") && !n.contains("quire-old")),
        "{:?}",
        names(parent)
    );
}

#[test]
fn the_home_folder_and_its_ancestors_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let home = tmp.path().join("users/me");
    let notes = home.join("notes.txt");
    write(&notes, DECOY);
    // Marked, so the home rule alone refuses it.
    write(&home.join(quire::output::MARKER), "");
    assert_refused(
        &site,
        &home,
        Some(&home),
        "is your home folder",
        std::slice::from_ref(&notes),
    );
    let users = tmp.path().join("users");
    assert_refused(
        &site,
        &users,
        Some(&home),
        "contains your home folder",
        &[notes],
    );
}

#[test]
fn a_folder_of_unrelated_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let shared = tmp.path().join("tmp");
    let files = [shared.join("other-app.sock"), shared.join("cache/data.bin")];
    for f in &files {
        write(f, DECOY);
    }
    assert_refused(&site, &shared, None, "quire did not make it", &files);
}

#[test]
fn the_real_parent_of_a_source_reached_through_a_symlink_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real/parent");
    let site = small_site(&real);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&site, &link).unwrap();
    assert_refused(
        &link,
        &real,
        None,
        "contains the source folder",
        &[site.join("posts/2020-01-01-a.md")],
    );
}

#[test]
fn git_folders_and_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let git = tmp.path().join("repo/.git");
    let head = git.join("HEAD");
    write(&head, "ref: refs/heads/main\n");
    assert_refused(&site, &git, None, ".git", std::slice::from_ref(&head));
    assert_refused(&site, &git.join("refs"), None, ".git", &[head]);

    let file = tmp.path().join("notes.txt");
    write(&file, DECOY);
    assert_refused(&site, &file, None, "is a file", std::slice::from_ref(&file));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), DECOY);
}

#[test]
fn an_unmarked_site_of_an_older_quire_is_replaced_only_at_the_default_place() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let old = site.join("_site");
    write(&old.join(".nojekyll"), "");
    write(&old.join("index.html"), "old");
    let o = quire(&["build", "--source", site.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(old.join(quire::output::MARKER).is_file());
    assert_eq!(
        names(&site),
        [".quire-cache", "_site", "posts", "site.toml"]
    );
}

/// Hashes of every file under `dir`: a site, compared whole.
fn manifest(dir: &Path) -> Vec<(PathBuf, blake3::Hash)> {
    snapshot(dir)
        .into_iter()
        .map(|(p, bytes)| (p, blake3::hash(&bytes)))
        .collect()
}

/// The states a build killed during its swap leaves, whichever swap ran: the output is still a
/// whole site, and the next build succeeds and removes quire's leftovers, and only those.
#[test]
fn leftovers_of_a_build_killed_while_swapping_are_removed_by_the_next_build() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let parent = tmp.path().join("out-parent");
    let out = parent.join("_site");
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let old_site = manifest(&out);

    // Killed before the exchange: a marked, half-written staging folder.
    copy_dir(&out, &parent.join("._site.new-killed1"));
    std::fs::remove_file(parent.join("._site.new-killed1/index.html")).unwrap();
    // Killed after the exchange, before the old site was removed.
    copy_dir(&out, &parent.join("._site.new-killed2"));
    // Killed while removing it: the marker goes last, so what is left is marked or empty.
    write(
        &parent
            .join("._site.new-killed3")
            .join(quire::output::MARKER),
        "",
    );
    std::fs::create_dir(parent.join("._site.new-killed4")).unwrap();
    // What the user made, which only looks like quire's.
    let mine = [
        parent.join("._site.new-mine/keep.txt"),
        parent.join("._site.old-mine/site/keep.txt"),
        parent.join(".quire-old-x/site/index.html"),
    ];
    for f in &mine {
        write(f, DECOY);
    }
    assert_eq!(manifest(&out), old_site, "the output is the old site");

    write(
        &site.join("posts/2020-01-03-c.md"),
        "---\ntitle: C\n---\nC.\n",
    );
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("2020/01/03/c.html").is_file());
    assert_eq!(
        names(&parent),
        [
            "._site.new-mine",
            "._site.old-mine",
            ".quire-old-x",
            "_site"
        ]
    );
    for f in &mine {
        assert_eq!(std::fs::read_to_string(f).unwrap(), DECOY);
    }
}

/// Where the platform has no exchange, the old site is renamed aside first; a kill before the
/// second rename leaves no output, and the next build puts the old site back before building.
#[test]
fn an_old_site_set_aside_by_a_killed_rename_swap_is_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let parent = tmp.path().join("p");
    let out = parent.join("_site");
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let old_site = manifest(&out);
    let aside = parent.join("._site.old-killed");
    write(&aside.join(quire::output::MARKER), "");
    std::fs::rename(&out, aside.join("site")).unwrap();
    copy_dir(&aside.join("site"), &parent.join("._site.new-killed"));

    // A build that fails after loading still restores the site it would have replaced.
    write(
        &site.join("posts/2020-01-03-c.md"),
        "---\nlayout: nope\n---\n",
    );
    let o = build_into(&site, &out);
    assert_eq!(o.status.code(), Some(1));
    std::fs::remove_file(site.join("posts/2020-01-03-c.md")).unwrap();
    write(
        &site.join("posts/2020-01-04-d.md"),
        "---\ntitle: D\n---\nD.\n",
    );
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(manifest(&out), old_site);
    assert!(out.join("2020/01/04/d.html").is_file());
    assert_eq!(names(&parent), ["_site"]);
}

#[test]
fn the_exchange_swaps_two_folders_in_one_step() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write(&a.join("x"), "a");
    write(&b.join("y"), "b");
    match quire::output::exchange(&a, &b) {
        Ok(true) => {
            assert_eq!(std::fs::read_to_string(a.join("y")).unwrap(), "b");
            assert_eq!(std::fs::read_to_string(b.join("x")).unwrap(), "a");
        }
        Ok(false) => eprintln!("this file system cannot exchange; the rename swap is used"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_symlink_under_static_or_gif_that_leaves_the_site_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let secret = tmp.path().join("secret.txt");
    write(&secret, "private\n");
    // Inside the site: fine.
    write(&site.join("assets/logo.txt"), "logo");
    std::fs::create_dir_all(site.join("static")).unwrap();
    std::fs::create_dir_all(site.join("gif")).unwrap();
    std::os::unix::fs::symlink(site.join("assets"), site.join("static/assets")).unwrap();
    let out = tmp.path().join("out");
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("assets/logo.txt")).unwrap(),
        "logo"
    );

    for link in ["static/leak.txt", "gif/leak.txt", "assets/leak.txt"] {
        assert_link_refused(&site, &out, link, &secret);
        let leaked = walkdir::WalkDir::new(&out)
            .into_iter()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name() == "leak.txt");
        assert!(!leaked, "{link} was published");
    }
}

/// A link under `posts/` or `pages/` to a folder or file outside the site (`posts/notes ->
/// ~/notes`) would publish what it leads to: refused before anything is read, naming the link.
/// A link between two places inside the site is followed.
#[test]
fn a_symlink_under_posts_or_pages_that_leaves_the_site_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let site = small_site(tmp.path());
    let notes = tmp.path().join("private-notes");
    write(
        &notes.join("2020-01-01-diary.md"),
        "---\ntitle: Diary\n---\nmy bank password\n",
    );
    // Inside the site: fine.
    write(
        &site.join("drafts-elsewhere/2020-02-02-shared.md"),
        "---\ntitle: Shared\n---\nshared text\n",
    );
    std::fs::create_dir_all(site.join("pages")).unwrap();
    std::os::unix::fs::symlink(site.join("drafts-elsewhere"), site.join("posts/shared")).unwrap();
    let out = tmp.path().join("out");
    let o = build_into(&site, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        file_with(&out, "shared text"),
        "a post linked from inside the site is built"
    );

    for link in ["posts/notes", "pages/notes", "posts/one.md"] {
        let target = if link.ends_with(".md") {
            notes.join("2020-01-01-diary.md")
        } else {
            notes.clone()
        };
        assert_link_refused(&site, &out, link, &target);
        assert!(!walk_has(&out, "diary"), "{link} was published");
        assert!(
            !file_with(&out, "bank password"),
            "{link}: the note's text was published"
        );
    }
}

/// Whether a file or folder under `dir` has `part` in its name.
fn walk_has(dir: &std::path::Path, part: &str) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(part))
}

/// Whether a file under `dir` holds `text`.
fn file_with(dir: &std::path::Path, text: &str) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(text)))
}

/// A build of `site` with `link` leading to `target` (outside it) fails naming the link; the
/// link is removed again.
fn assert_link_refused(site: &Path, out: &Path, link: &str, target: &Path) {
    std::os::unix::fs::symlink(target, site.join(link)).unwrap();
    let o = build_into(site, out);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{link}: {err}");
    assert!(
        err.contains(&format!("{link}: symbolic link to")) && err.contains("outside the site"),
        "{link}: {err}"
    );
    std::fs::remove_file(site.join(link)).unwrap();
}
