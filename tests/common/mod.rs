//! Helpers shared by the integration tests: fixture sites copied into temp dirs, the `quire`
//! binary, byte-exact snapshots of folders, HTML structure ([`html`]) and ([`serve`]) a
//! `quire serve` child process.
//! Every test file includes all of it and uses a part, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod html;
pub mod serve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the listed entries of `from` (files or folders) into a fresh temp dir.
pub fn copy_site(from: &Path, entries: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in entries {
        let src = from.join(e);
        if src.is_dir() {
            copy_dir(&src, &dir.path().join(e));
        } else if src.is_file() {
            std::fs::copy(&src, dir.path().join(e)).unwrap();
        }
    }
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temp copy of this repository's own site (posts, pages, templates, static, gif, site.toml).
pub fn repo_site() -> tempfile::TempDir {
    copy_site(
        &repo_root(),
        &["posts", "pages", "templates", "static", "gif", "site.toml"],
    )
}

pub fn quire(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `cmd` to the end, killing it and failing if it outlives `limit`: a guard for commands
/// that once hung, so a regression fails instead of stalling the suite. `limit` should be
/// generous; how fast the command is belongs in `bench/`.
pub fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every file under `dir` with its bytes, for before/after comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every file under `dir`, relative to it, as `/`-separated strings, sorted.
pub fn files_of(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

pub const SEED_POST: &str = "posts/2018-12-31-deep-learning-interview-questions.md";
pub const SEED_URL: &str = "/jekyll/update/2018/12/31/deep-learning-interview-questions.html";
pub const SEED_PAGE: &str = "jekyll/update/2018/12/31/deep-learning-interview-questions.html";
