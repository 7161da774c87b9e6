//! `std::fs` wrappers whose errors name the path, so no caller has to remember to.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            // The usual cause is a file saved as GBK or Latin-1; say how to fix it.
            Error::io(
                path,
                std::io::Error::new(e.kind(), "not valid UTF-8; save the file as UTF-8"),
            )
        } else {
            Error::io(path, e)
        }
    })
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    std::fs::write(path, contents).map_err(|e| Error::io(path, e))
}

/// Writes a uniquely named file beside `path` and renames it over `path`, so a reader (the
/// preview server, a concurrent build, a later build after a crash) never sees half a file.
pub fn write_atomic_io(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".quire-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomic_io`] with the path in the error.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    write_atomic_io(path, contents.as_ref()).map_err(|e| Error::io(path, e))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Copies a file, permissions included. Not `std::fs::copy`, whose error does not say which
/// side failed: a "permission denied" blamed on the source sends the user to fix the wrong
/// file. The error names the path that failed first, then the other one.
pub fn copy(from: &Path, to: &Path) -> Result<()> {
    use std::io::Error as IoError;
    if let Some(parent) = to.parent() {
        create_dir_all(parent)?;
    }
    let reading = |e: IoError| {
        let why = format!("reading it to copy to {}: {e}", to.display());
        Error::io(from, IoError::new(e.kind(), why))
    };
    let writing = |e: IoError| {
        let why = format!("writing it as a copy of {}: {e}", from.display());
        Error::io(to, IoError::new(e.kind(), why))
    };
    let mut source = std::fs::File::open(from).map_err(reading)?;
    let permissions = source.metadata().map_err(reading)?.permissions();
    let mut dest = Blamed {
        file: std::fs::File::create(to).map_err(writing)?,
        failed: false,
    };
    match std::io::copy(&mut source, &mut dest) {
        Err(e) if dest.failed => return Err(writing(e)),
        Err(e) => return Err(reading(e)),
        Ok(_) => {}
    }
    dest.file.set_permissions(permissions).map_err(writing)
}

/// The destination of [`copy`], remembering whether an error was its own.
struct Blamed {
    file: std::fs::File,
    failed: bool,
}

impl std::io::Write for Blamed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf);
        // `Ok(0)` becomes `write_all`'s `WriteZero` error: the destination's too.
        self.failed |= written
            .as_ref()
            .map_or(true, |n| *n == 0 && !buf.is_empty());
        written
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let flushed = self.file.flush();
        self.failed |= flushed.is_err();
        flushed
    }
}

pub fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::io(to, e))
}

pub fn remove_dir_all(path: &Path) -> Result<()> {
    std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Refuses a symlink under `dir` that leads outside `site_root`. Copying follows links, which
/// is fine for a link between two files of the site but would publish whatever an outside link
/// points at (`static/notes -> ~/Documents`) with the site.
pub fn refuse_links_outside(site_root: &Path, dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    let links = LinksInside::new(site_root)?;
    // Links are judged by where they lead, and a folder one leads to (inside the site) is then
    // walked too, since copying will follow it; `seen` stops link cycles.
    let mut pending = vec![dir.to_path_buf()];
    let mut seen = std::collections::HashSet::new();
    while let Some(next) = pending.pop() {
        for entry in walkdir::WalkDir::new(&next).follow_root_links(false) {
            let entry = entry.map_err(|e| walk_error(&next, e))?;
            if !entry.path_is_symlink() {
                continue;
            }
            let target = links.target(entry.path())?;
            if target.is_dir() && seen.insert(target.clone()) {
                pending.push(target);
            }
        }
    }
    Ok(())
}

/// Judges symbolic links met in a walk of the site: where one leads, if that is inside the
/// site, else an error at the link saying why quire will not follow it.
pub struct LinksInside<'a> {
    site_root: &'a Path,
    /// `site_root` resolved, as the links' targets are.
    real_root: PathBuf,
}

impl<'a> LinksInside<'a> {
    pub fn new(site_root: &'a Path) -> Result<Self> {
        let real_root = std::fs::canonicalize(site_root).map_err(|e| Error::io(site_root, e))?;
        Ok(LinksInside {
            site_root,
            real_root,
        })
    }

    /// Where the link at `link` leads, resolved, when that is inside the site.
    pub fn target(&self, link: &Path) -> Result<PathBuf> {
        let shown = crate::error::Location::file(
            link.strip_prefix(self.site_root)
                .unwrap_or(link)
                .to_path_buf(),
        );
        let target = std::fs::canonicalize(link).map_err(|e| {
            Error::at(
                shown.clone(),
                format!("symbolic link that cannot be followed: {e}"),
            )
        })?;
        if !target.starts_with(&self.real_root) {
            return Err(Error::at(
                shown,
                format!(
                    "symbolic link to {}, outside the site folder; quire publishes only \
                     files inside the site, so copy the file in instead of linking to it",
                    target.display()
                ),
            ));
        }
        Ok(target)
    }
}

pub fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_path_buf();
    let io = e
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
    Error::io(path, io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_errors_name_both_paths_and_the_side_that_failed() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.txt"), dir.path().join("out/a.txt"));
        let e = copy(&from, &to).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}: reading it to copy to {}",
                from.display(),
                to.display()
            )),
            "{e}"
        );

        write(&from, "a").unwrap();
        create_dir_all(&to).unwrap();
        let e = copy(&from, &to).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}: writing it as a copy of {}",
                to.display(),
                from.display()
            )),
            "{e}"
        );

        let to = dir.path().join("out/b.txt");
        copy(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "a");
    }

    #[cfg(unix)]
    #[test]
    fn copy_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("run.sh"), dir.path().join("out/run.sh"));
        write(&from, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&from, std::fs::Permissions::from_mode(0o751)).unwrap();
        copy(&from, &to).unwrap();
        let mode = std::fs::metadata(&to).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o751);
    }
}
