//! The in-place mode of the output writer: touches only files whose bytes changed and removes
//! files the build no longer produces. For the preview server's private output folder: there a
//! full staged write and swap (what `quire build` does, see [`super::write_site`]) would
//! rewrite every page on every save, and the swap would briefly leave the server nothing to
//! serve.
//!
//! Each changed file is written beside its target and renamed over it, so the server reads
//! either the old or the new file, never half of one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Copied, CopiedFiles, OutputFile, inside};
use crate::error::{Error, Result, collect_all};

/// What this writer last put in its folder.
#[derive(Default)]
pub struct SyncedDir {
    root: Option<PathBuf>,
    generated: HashMap<PathBuf, blake3::Hash>,
    /// What each copied file was copied from: if that did not change, neither did the file.
    copied: HashMap<PathBuf, Copied>,
}

impl SyncedDir {
    /// Makes `output` hold exactly `files`, `kept` and the `copied` files they do not replace,
    /// as [`super::write_site`] would. `kept` are files the caller knows hold what the last
    /// sync wrote to them (pages whose keys did not change, see
    /// [`crate::incremental::pages`]): they are neither given, hashed nor written, which
    /// matters when a site's pages total 170 MB. Returns the site-relative paths written or
    /// removed, sorted.
    pub fn sync(
        &mut self,
        output: &Path,
        files: &[OutputFile],
        kept: &[PathBuf],
        copied: &CopiedFiles,
    ) -> Result<Vec<PathBuf>> {
        if self.root.as_deref() != Some(output) {
            self.adopt(output)?;
        }
        // Every sync, in case the folder was emptied under the server: an unmarked folder is
        // one the next build refuses to write into.
        crate::output::mark(output)?;
        let kept_hashes: Vec<(&PathBuf, blake3::Hash)> = kept
            .iter()
            .map(|p| match self.generated.get(p) {
                Some(h) => Ok((p, *h)),
                None => Err(Error::internal(format_args!(
                    "{} was to be kept in the preview's output, but was never written there",
                    p.display()
                ))),
            })
            .collect::<Result<_>>()?;
        let generated_paths: HashSet<&Path> = files
            .iter()
            .map(|f| f.path.as_path())
            .chain(kept.iter().map(PathBuf::as_path))
            .collect();
        for dir in &copied.dirs {
            crate::fs::create_dir_all(&inside(output, dir)?)?;
        }
        let copied: HashMap<PathBuf, Copied> = copied
            .not_in(files, kept)
            .into_iter()
            .map(|c| (c.path.clone(), c.clone()))
            .collect();
        let copy_jobs: Vec<&Copied> = copied
            .values()
            .filter(|c| self.copied.get(&c.path) != Some(c))
            .collect();

        let hashed: Vec<(&OutputFile, blake3::Hash)> = files
            .par_iter()
            .map(|f| (f, blake3::hash(&f.contents)))
            .collect();
        let write_jobs: Vec<&(&OutputFile, blake3::Hash)> = hashed
            .iter()
            .filter(|(f, h)| self.generated.get(&f.path) != Some(h))
            .collect();

        let mut changed: Vec<PathBuf> = Vec::new();
        collect_all(
            copy_jobs
                .par_iter()
                .map(|c| copy_atomic(&c.from, &inside(output, &c.path)?))
                .collect(),
        )?;
        changed.extend(copy_jobs.iter().map(|c| c.path.clone()));
        collect_all(
            write_jobs
                .par_iter()
                .map(|(f, _)| crate::fs::write_atomic(&inside(output, &f.path)?, &f.contents))
                .collect(),
        )?;
        changed.extend(write_jobs.iter().map(|(f, _)| f.path.clone()));

        let stale: Vec<PathBuf> = self
            .generated
            .keys()
            .chain(self.copied.keys())
            .filter(|p| !generated_paths.contains(p.as_path()) && !copied.contains_key(*p))
            .cloned()
            .collect();
        for rel in &stale {
            let path = inside(output, rel)?;
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(&path, e));
                }
                _ => {}
            }
        }
        changed.extend(stale);
        // Again: a `static/.quire-output` that went away took the marker with it.
        crate::output::mark(output)?;

        self.generated = hashed
            .into_iter()
            .map(|(f, h)| (f.path.clone(), h))
            .chain(kept_hashes.into_iter().map(|(p, h)| (p.clone(), h)))
            .collect();
        self.copied = copied;
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// Takes over a folder this writer has not written before: whatever is in it is treated as
    /// stale, so it is overwritten or removed by the next sync.
    fn adopt(&mut self, output: &Path) -> Result<()> {
        crate::fs::create_dir_all(output)?;
        self.root = Some(output.to_path_buf());
        self.copied.clear();
        self.generated.clear();
        for entry in walkdir::WalkDir::new(output) {
            let entry = entry.map_err(|e| crate::fs::walk_error(output, e))?;
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(output).unwrap_or(entry.path());
                if rel == Path::new(crate::output::MARKER) {
                    continue;
                }
                // A hash no content has, so every adopted file counts as changed.
                self.generated
                    .insert(rel.to_path_buf(), blake3::Hash::from_bytes([0; 32]));
            }
        }
        Ok(())
    }
}

fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.quire-tmp"))
}

fn copy_atomic(from: &Path, to: &Path) -> Result<()> {
    let tmp = temp_beside(to);
    crate::fs::copy(from, &tmp)?;
    crate::fs::rename(&tmp, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Copy, list_copies};

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: text.as_bytes().to_vec(),
        }
    }

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn writes_only_what_changed_and_removes_what_went() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let src = dir.path().join("static");
        crate::fs::write(&src.join("s.txt"), "static").unwrap();
        crate::fs::write(&src.join("a.html"), "shadowed by the generated a.html").unwrap();
        let copies = [Copy {
            from: src.clone(),
            to: PathBuf::new(),
        }];
        let mut sync = SyncedDir::default();
        let mut sync_kept = |files: &[_], kept: &[&str]| {
            sync.sync(&out, files, &paths(kept), &list_copies(&copies).unwrap())
        };

        let changed = sync_kept(&[file("a.html", "1"), file("b/c.html", "2")], &[]).unwrap();
        assert_eq!(changed, paths(&["a.html", "b/c.html", "s.txt"]));
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "1");
        assert_eq!(
            std::fs::read_to_string(out.join("s.txt")).unwrap(),
            "static"
        );

        let changed = sync_kept(&[file("a.html", "1"), file("b/c.html", "2")], &[]).unwrap();
        assert!(changed.is_empty(), "{changed:?}");

        let changed = sync_kept(&[file("a.html", "1 again")], &[]).unwrap();
        assert_eq!(changed, paths(&["a.html", "b/c.html"]));
        assert!(!out.join("b/c.html").exists());

        std::fs::remove_file(src.join("s.txt")).unwrap();
        let changed = sync_kept(&[file("a.html", "1 again")], &[]).unwrap();
        assert_eq!(changed, paths(&["s.txt"]));
        assert!(!out.join("s.txt").exists());

        // A kept file stays as the last sync wrote it, and is no stale file.
        let changed = sync_kept(&[file("a.html", "1 again"), file("d.html", "4")], &[]).unwrap();
        assert_eq!(changed, paths(&["d.html"]));
        let changed = sync_kept(&[file("d.html", "5")], &["a.html"]).unwrap();
        assert_eq!(changed, paths(&["d.html"]));
        assert_eq!(
            std::fs::read_to_string(out.join("a.html")).unwrap(),
            "1 again"
        );
        let changed = sync_kept(&[], &["a.html", "d.html"]).unwrap();
        assert!(changed.is_empty(), "{changed:?}");
        let changed = sync_kept(&[file("a.html", "1 again")], &[]).unwrap();
        assert_eq!(changed, paths(&["d.html"]), "kept, then no longer made");
        assert!(
            sync_kept(&[], &["never-written.html"]).is_err(),
            "a file can only be kept where it was written"
        );

        let leftovers: Vec<_> = walkdir::WalkDir::new(&out)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".quire-tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_folder_with_unknown_files_is_cleaned_on_first_sync() {
        let dir = tempfile::tempdir().unwrap();
        crate::fs::write(&dir.path().join("old.html"), "old").unwrap();
        let mut sync = SyncedDir::default();
        let changed = sync
            .sync(
                dir.path(),
                &[file("new.html", "n")],
                &[],
                &CopiedFiles::default(),
            )
            .unwrap();
        assert_eq!(changed, paths(&["new.html", "old.html"]));
        assert!(!dir.path().join("old.html").exists());
    }
}
