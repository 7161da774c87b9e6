//! `quire build` killed (SIGKILL) at random points of a 1,000-post build: the output is always
//! exactly the old site or the new one, leftovers beside it never pile up, and the next build
//! succeeds. Slow, so it runs only with `QUIRE_KILL_TEST=1` (CI does, see `.ci/run`);
//! `QUIRE_KILL_SEED` picks the random delays, `QUIRE_KILL_COUNT` how many kills (default 30).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const POSTS: usize = 1000;

fn manifest(dir: &Path) -> Vec<(PathBuf, blake3::Hash)> {
    snapshot(dir)
        .into_iter()
        .map(|(p, bytes)| (p, blake3::hash(&bytes)))
        .collect()
}

fn build(site: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire"));
    cmd.args(["build", "--source"])
        .arg(site)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn build_ok(site: &Path, out: &Path) -> Duration {
    let start = Instant::now();
    let o = build(site, out).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    start.elapsed()
}

/// Everything beside the output but the output itself: what killed builds left.
fn leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "_site")
        .collect()
}

/// When a staging folder appeared beside the output (or `limit` passed without one).
fn wait_for_staging(parent: &Path, limit: Duration) -> Instant {
    let start = Instant::now();
    while start.elapsed() < limit {
        if leftovers(parent).iter().any(|n| n.contains(".new-")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Instant::now()
}

fn set_title(site: &Path, title: &str) {
    write(&site.join("site.toml"), &format!("title = \"{title}\"\n"));
}

#[test]
fn a_killed_build_leaves_the_old_or_the_new_site() {
    if std::env::var("QUIRE_KILL_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set QUIRE_KILL_TEST=1 to kill builds at random points (slow)");
        return;
    }
    let seed: u64 = std::env::var("QUIRE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_240_601);
    let kills: usize = std::env::var("QUIRE_KILL_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();

    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    for i in 0..POSTS {
        write(
            &site.join(format!("posts/2020-01-01-post-{i:04}.md")),
            &format!(
                "---\ntitle: Post {i}\ncategories: c{}\n---\nParagraph {i} with *some* text.\n\n\
                 ## A heading\n\nMore text, a [link](/index.html) and `code`.\n",
                i % 7
            ),
        );
    }
    // The two sites the output may hold; a new title changes every page.
    let reference = tmp.path().join("reference");
    let mut sites = Vec::new();
    for (i, title) in ["Old", "New"].iter().enumerate() {
        set_title(&site, title);
        let out = reference.join(format!("{i}"));
        build_ok(&site, &out);
        sites.push(manifest(&out));
    }
    let parent = tmp.path().join("out");
    let out = parent.join("_site");
    set_title(&site, "Old");
    let took = build_ok(&site, &out);
    assert_eq!(manifest(&out), sites[0]);
    // How long writing and swapping take: from the staging folder's appearance to the end.
    set_title(&site, "New");
    let mut child = build(&site, &out).spawn().unwrap();
    let staged = wait_for_staging(&parent, took * 3);
    assert!(child.wait().unwrap().success());
    let writing = staged.elapsed();
    let mut target = 1;

    let (mut whole_old, mut whole_new, mut most_leftovers) = (0, 0, 0);
    for kill in 0..kills {
        // Each round builds the other site, killed somewhere in the build: every other round
        // anywhere in it, the others while it writes and swaps, the part that can go wrong.
        target = 1 - target;
        set_title(&site, ["Old", "New"][target]);
        let mut child = build(&site, &out).spawn().unwrap();
        let delay = if kill % 2 == 0 {
            took.mul_f64(rng.f64() * 1.1)
        } else {
            let staged = wait_for_staging(&parent, took * 3);
            writing
                .mul_f64(rng.f64() * 1.2)
                .saturating_sub(staged.elapsed())
        };
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();

        let now = manifest(&out);
        if now == sites[0] {
            whole_old += 1;
        } else if now == sites[1] {
            whole_new += 1;
        } else {
            panic!(
                "kill {kill} after {delay:?} ({status}): the output is neither the old nor the new site"
            );
        }
        let left = leftovers(&parent);
        most_leftovers = most_leftovers.max(left.len());
        assert!(
            left.len() <= 2,
            "kill {kill}: leftovers pile up beside the output: {left:?}"
        );
    }
    build_ok(&site, &out);
    assert_eq!(manifest(&out), sites[target]);
    assert_eq!(leftovers(&parent), Vec::<String>::new());
    eprintln!(
        "{kills} kills (seed {seed}, build {took:.2?}, writing {writing:.2?}): output was the old site {whole_old} times, \
         the new one {whole_new} times; at most {most_leftovers} leftovers; {:.1?} in all",
        started.elapsed()
    );
}
