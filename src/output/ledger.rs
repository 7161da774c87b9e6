//! What the last `quire build` wrote into an output folder: for each file it could say what it
//! was made from, that key, and the file as it stood once swapped in (length, modification
//! time, inode). A build whose page (or search index) has the same key, finding the file still
//! as recorded, knows its bytes without rendering them: it links the old file into the new site
//! (see [`super::write_site`]). That is what lets a rebuild of 1,000 unchanged posts render no
//! page, read no output file and write nothing.
//!
//! The ledger lives in the store (`.quire-cache/`), one entry per output folder. Anything it
//! cannot vouch for (no entry, another key, a file touched since: another length, time or
//! inode) is simply made again, so a stale or missing ledger costs time, never correctness.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Previous, Stat};
use crate::cache_entry::Kind;
use crate::store::Store;

const KIND: Kind = Kind {
    name: "ledger",
    version: 1,
};

/// One output file: the key it was made from (hex), and how it stood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    key: String,
    stat: Stat,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    files: HashMap<PathBuf, Line>,
}

/// An output file's key: a hash of everything it was made from.
pub type FileKey = blake3::Hash;

/// The store's name for the ledger of `output`: its absolute path, hashed.
fn name(output: &Path) -> String {
    let output = super::absolute(output);
    blake3::hash(output.as_os_str().as_encoded_bytes())
        .to_hex()
        .to_string()
}

impl Ledger {
    /// The ledger of `output` in `store`, or an empty one.
    pub fn load(store: &Store, output: &Path) -> Ledger {
        store
            .get(KIND, &name(output))
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Keeps this ledger for `output` (written when the store is finished), unless it is the
    /// one already kept.
    pub fn save(&self, store: &Store, output: &Path, before: &Ledger) {
        if self == before {
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(self) {
            store.put(KIND, &name(output), &bytes);
        }
    }

    /// Whether `path` in the previous output is the file made from `key`, untouched since.
    pub fn unchanged(&self, previous: &Previous, path: &Path, key: &FileKey) -> bool {
        self.files.get(path).is_some_and(|line| {
            line.key == key.to_hex().as_str() && previous.stat(path) == Some(line.stat)
        })
    }

    /// Every file recorded as made from `key` (a group of files made together, like the search
    /// index), when there is at least one and all of them are untouched in the previous output.
    pub fn unchanged_group(&self, previous: &Previous, key: &FileKey) -> Option<Vec<PathBuf>> {
        let hex = key.to_hex();
        let mut paths = Vec::new();
        for (path, line) in &self.files {
            if line.key == hex.as_str() {
                if previous.stat(path) != Some(line.stat) {
                    return None;
                }
                paths.push(path.clone());
            }
        }
        (!paths.is_empty()).then_some(paths)
    }

    /// The ledger of the site now in `output`: each of `keyed` as it stands there. A file that
    /// cannot be looked at is left out (it will be made again).
    pub fn of(output: &Path, keyed: &[(PathBuf, FileKey)]) -> Ledger {
        use rayon::prelude::*;
        let files = keyed
            .par_iter()
            .filter_map(|(path, key)| {
                let full = super::inside(output, path).ok()?;
                let meta = std::fs::symlink_metadata(full).ok()?;
                meta.is_file().then(|| {
                    let line = Line {
                        key: key.to_hex().to_string(),
                        stat: Stat::of(&meta),
                    };
                    (path.clone(), line)
                })
            })
            .collect();
        Ledger { files }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_vouched_for_only_with_its_key_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("_site");
        crate::fs::write(&out.join("a.html"), "a").unwrap();
        crate::fs::write(&out.join("p/1"), "1").unwrap();
        crate::fs::write(&out.join("p/2"), "2").unwrap();
        let (ka, kp) = (blake3::hash(b"a"), blake3::hash(b"p"));
        let ledger = Ledger::of(
            &out,
            &[
                ("a.html".into(), ka),
                ("p/1".into(), kp),
                ("p/2".into(), kp),
                ("gone".into(), ka),
            ],
        );
        let previous = Previous::of(&out);
        assert!(ledger.unchanged(&previous, Path::new("a.html"), &ka));
        assert!(
            !ledger.unchanged(&previous, Path::new("a.html"), &kp),
            "another key"
        );
        assert!(
            !ledger.unchanged(&previous, Path::new("gone"), &ka),
            "never written"
        );
        let mut group = ledger.unchanged_group(&previous, &kp).unwrap();
        group.sort();
        assert_eq!(group, [PathBuf::from("p/1"), PathBuf::from("p/2")]);

        // Rewritten with the same length: another inode or time.
        std::thread::sleep(std::time::Duration::from_millis(10));
        std::fs::remove_file(out.join("p/2")).unwrap();
        crate::fs::write(&out.join("p/2"), "X").unwrap();
        let previous = Previous::of(&out);
        assert!(ledger.unchanged_group(&previous, &kp).is_none());
        assert!(ledger.unchanged(&previous, Path::new("a.html"), &ka));
    }
}
