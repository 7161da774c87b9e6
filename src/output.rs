//! Writes the site into a temporary folder beside the output and swaps it in only when all of it
//! was written, so a failed build leaves the previous `_site/` as it was.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result, collect_all};

/// One generated file, relative to the site root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// A source folder copied as is (`static/` → `/`, `gif/` → `/gif/`).
#[derive(Debug, Clone)]
pub struct Copy {
    pub from: PathBuf,
    pub to: PathBuf,
}

/// Refuses output folders that would overwrite or delete what the user wrote.
pub fn check_output_dir(source: &Path, output: &Path) -> Result<()> {
    let source = absolute(source);
    let output = absolute(output);
    if source.starts_with(&output) {
        return Err(Error::Usage(format!(
            "output folder {} contains the source folder {}; choose another --output",
            output.display(),
            source.display()
        )));
    }
    for dir in ["posts", "templates", "static", "gif"] {
        if output.starts_with(source.join(dir)) {
            return Err(Error::Usage(format!(
                "output folder {} is inside the source folder {dir}/; choose another --output",
                output.display()
            )));
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Normalise `..` and `.` so `a/../b` compares as `b`; symlinks are left alone on purpose.
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes `files` and `copies` into a fresh folder, then swaps it in for `output`.
pub fn write_site(output: &Path, files: &[OutputFile], copies: &[Copy]) -> Result<()> {
    let output = absolute(output);
    let parent = output.parent().unwrap_or(Path::new("."));
    crate::fs::create_dir_all(parent)?;
    let name = output
        .file_name()
        .map_or("_site".into(), |n| n.to_string_lossy().into_owned());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    for copy in copies {
        crate::fs::copy_tree(&copy.from, &staging.path().join(&copy.to))?;
    }
    collect_all(
        files
            .par_iter()
            .map(|f| crate::fs::write(&staging.path().join(&f.path), &f.contents))
            .collect(),
    )?;
    swap_in(staging.keep(), &output)
}

/// Replaces `output` by `staged`. Between the two renames the old site sits in a sibling folder,
/// so even a crash there loses nothing.
fn swap_in(staged: PathBuf, output: &Path) -> Result<()> {
    if output.exists() {
        let parent = output.parent().unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".quire-old-")
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, e))?
            .keep();
        let old_site = old.join("site");
        crate::fs::rename(output, &old_site)?;
        if let Err(e) = crate::fs::rename(&staged, output) {
            let _ = std::fs::rename(&old_site, output);
            return Err(e);
        }
        crate::fs::remove_dir_all(&old)?;
    } else {
        crate::fs::rename(&staged, output)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_write_over_sources() {
        let src = Path::new("/tmp/site");
        assert!(check_output_dir(src, Path::new("/tmp/site")).is_err());
        assert!(check_output_dir(src, Path::new("/tmp")).is_err());
        assert!(check_output_dir(src, Path::new("/tmp/site/posts/out")).is_err());
        assert!(check_output_dir(src, Path::new("/tmp/site/_site")).is_ok());
        assert!(check_output_dir(src, Path::new("/tmp/site/x/../_site")).is_ok());
    }

    #[test]
    fn swaps_in_new_site_and_replaces_old() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("_site");
        let file = |p: &str, c: &str| OutputFile {
            path: p.into(),
            contents: c.as_bytes().to_vec(),
        };
        write_site(&out, &[file("a.html", "1"), file("old.html", "x")], &[]).unwrap();
        write_site(&out, &[file("a.html", "2")], &[]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "2");
        assert!(!out.join("old.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "staging folders must be gone");
    }
}
