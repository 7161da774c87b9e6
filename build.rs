//! Cargo build script: names the code being compiled, for caches kept between processes.
//!
//! A post's rendering kept in `.quire-cache/` is only right for the code that made it: a new
//! quire (or the same version with other code, as while developing it) must not reuse it. So
//! `QUIRE_CODE_ID`, a hash of every source file and of `Cargo.lock` (the crates' versions), is
//! part of every stored rendering's key. Std's SipHash with fixed keys: stable from build to
//! build, and nothing to compile for the build script.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => files(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    for dir in ["src", "templates"] {
        files(Path::new(dir), &mut paths);
        println!("cargo:rerun-if-changed={dir}");
    }
    paths.push(PathBuf::from("Cargo.lock"));
    println!("cargo:rerun-if-changed=Cargo.lock");
    paths.sort();
    #[allow(deprecated)] // SipHasher: fixed keys, the same hash on every machine.
    let mut h = std::hash::SipHasher::new();
    for path in &paths {
        path.hash(&mut h);
        std::fs::read(path).unwrap_or_default().hash(&mut h);
    }
    println!(
        "cargo:rustc-env=QUIRE_CODE_ID={}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        h.finish()
    );
}
