//! Where the preview writes its site: a folder inside the site's own cache,
//! `.quire-cache/serve/<n>/`, rather than the system's temporary folder. A preview stopped by
//! Ctrl-C removes it; one killed outright (SIGKILL, a crash, a closed laptop) leaves it, and
//! the next preview of the same site takes it over and clears it, so killed previews never
//! pile up copies of the site anywhere (a temporary folder per run grew by the site's size at
//! every kill, and nothing ever removed them).
//!
//! Two previews of one site at once each hold a slot `<n>` by an advisory lock on
//! `<n>.lock`, so neither clears the other's folder. The lock goes with the process, however
//! it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The folder under the cache folder that holds the previews' slots.
pub const DIR: &str = "serve";

/// More previews of one site at once than anyone runs: past it, the preview says so.
const SLOTS: usize = 32;

/// The preview's output folder, held for as long as this value lives and removed with it.
#[derive(Debug)]
pub struct Scratch {
    site: PathBuf,
    /// Held, never read: the slot is this process's while the lock is.
    _lock: File,
}

impl Scratch {
    /// Takes the first free slot under `<root>/.quire-cache/serve/`, clearing what a killed
    /// preview left in it.
    pub fn take(root: &Path) -> Result<Scratch> {
        let base = root.join(crate::build::CACHE_DIR).join(DIR);
        crate::build::prepare_cache(root);
        crate::fs::create_dir_all(&base)?;
        for n in 0..SLOTS {
            let lock_path = base.join(format!("{n}.lock"));
            let lock = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| Error::io(&lock_path, e))?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
            }
            let slot = base.join(n.to_string());
            clear(&slot)?;
            crate::fs::create_dir_all(&slot)?;
            return Ok(Scratch {
                site: slot.join("site"),
                _lock: lock,
            });
        }
        Err(Error::Usage(format!(
            "{SLOTS} previews of this site are running already (see {}); stop one first",
            base.display()
        )))
    }

    /// Where the builds go (not made yet: the first build makes it).
    pub fn site(&self) -> &Path {
        &self.site
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(slot) = self.site.parent() {
            let _ = clear(slot);
        }
    }
}

/// Removes `path` if it is there: a link itself, never what it points to.
fn clear(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
        Ok(m) if m.is_dir() => crate::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path).map_err(|e| Error::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_previews_folder_is_taken_over_and_a_running_ones_is_not() {
        let root = tempfile::tempdir().unwrap();
        // What a killed preview leaves: its folder, and no lock (the process is gone).
        let left = root.path().join(".quire-cache/serve/0/site");
        std::fs::create_dir_all(&left).unwrap();
        std::fs::write(left.join("index.html"), "killed").unwrap();

        let first = Scratch::take(root.path()).unwrap();
        assert_eq!(first.site(), left, "the killed preview's slot is reused");
        assert!(!left.exists(), "and cleared");
        std::fs::create_dir_all(first.site()).unwrap();
        std::fs::write(first.site().join("index.html"), "first").unwrap();

        // A second preview of the same site while the first runs: a slot of its own.
        let second = Scratch::take(root.path()).unwrap();
        assert_ne!(first.site(), second.site());
        assert!(first.site().join("index.html").is_file());
        drop(second);
        drop(first);
        assert!(
            !left.parent().unwrap().exists(),
            "a stopped preview removes its folder"
        );
        assert!(root.path().join(".quire-cache/.gitignore").is_file());
    }

    #[test]
    fn a_link_in_a_slot_is_removed_never_followed() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep.txt"), "mine").unwrap();
        let base = root.path().join(".quire-cache/serve");
        std::fs::create_dir_all(&base).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), base.join("0")).unwrap();
        let s = Scratch::take(root.path()).unwrap();
        drop(s);
        assert_eq!(
            std::fs::read_to_string(outside.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }
}
