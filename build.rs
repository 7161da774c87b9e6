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
    if links_packed_relocs() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether `quire` is linked with its relative relocations packed (DT_RELR). Without it, the
/// loader reads 2 MB of relocation entries at start-up, and they stay resident: 3 MiB more at
/// the peak of a cold build of 1,000 posts (147.8 against 150.9 MiB, medians of 3 interleaved
/// runs). Only where the loader understands it (glibc 2.36 and later) and the linker can do
/// it (GNU ld 2.38, lld 15): a tiny program is linked with the flag and run, as a configure
/// script would, and the flag is left out if either fails (a cross build is never probed).
fn links_packed_relocs() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let target = var("TARGET");
    if target != var("HOST")
        || !target.ends_with("-linux-gnu")
        || !(target.starts_with("x86_64") || target.starts_with("aarch64"))
    {
        return false;
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    // Cargo names the linker it was configured with; rustc's default for these targets is `cc`.
    let linker = std::env::var_os("RUSTC_LINKER").unwrap_or_else(|| "cc".into());
    let (source, program) = (out.join("relr_probe.c"), out.join("relr_probe"));
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    let quiet = |c: &mut std::process::Command| {
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    quiet(
        std::process::Command::new(linker)
            .arg("-Wl,-z,pack-relative-relocs")
            .arg("-o")
            .arg(&program)
            .arg(&source),
    ) && quiet(&mut std::process::Command::new(&program))
}
