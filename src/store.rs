//! The packed build cache: every KaTeX rendering in one file, `.quire-cache/store.redb`, instead
//! of one small file per formula (a warm build of 1,000 posts opened 21,028 of them).
//!
//! [redb](https://docs.rs/redb) holds it: pure Rust, crash-safe (a build killed mid-commit
//! leaves the last committed state) and checksummed. Each value is still sealed by
//! [`crate::cache_entry`] (blake3 over kind, version, key and payload), since whatever comes
//! out of the cache is published: a value that does not verify is a miss, never output.
//!
//! One build, one session: [`Store::open`] at the start; while the build renders, each
//! batch's renderings committed as it is done ([`Store::flush`]); and [`Store::finish`], whose
//! one write transaction commits the rest, when each entry was last used, and the pruning.
//! Readers never wait on a write.
//!
//! What can go wrong only costs time, never the build:
//! - another quire has the store open (redb locks the file): quire waits up to [`BUSY_WAIT`],
//!   then builds without the cache and says so;
//! - the file is damaged: redb's integrity check on open finds it; quire says so, deletes the
//!   file and starts an empty one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::cache_entry::Kind;

/// The store's file under the cache folder: the small entries every build reads (each post's
/// rendering without its HTML, each output folder's ledger) and the store's counters.
pub const FILE: &str = "store.redb";

/// The store's second file: the large entries a build reads only when it renders something
/// (KaTeX's renderings, each post's HTML). Opened on first use, so a rebuild that renders
/// nothing never reads it (redb's integrity check on open reads a file whole, and this one
/// holds nearly all of the store's bytes).
pub const BULK_FILE: &str = "renderings.redb";

/// The kinds that live in [`BULK_FILE`]: which file an entry goes to is the store's decision.
const BULK_KINDS: &[&str] = &["katex", "post-content"];

/// Sealed entries by `<kind>/<key>`.
const ENTRIES: TableDefinition<&str, &[u8]> = TableDefinition::new("entries");
/// The build generation that last used each entry.
const USED: TableDefinition<&str, u64> = TableDefinition::new("used");
/// The store's counters (`generation`: pruning builds so far).
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// An entry no build has used for this many pruning builds is removed. Ten, so that undoing an
/// edit, switching back to a branch or republishing a draft a few builds later still finds its
/// formulas, while a formula that left the site for good costs its ~2 KB for only ten builds.
pub const KEEP_BUILDS: u64 = 10;

/// How long a build waits for another quire holding the store before building without it.
pub const BUSY_WAIT: Duration = Duration::from_secs(3);

/// redb's page cache, per file. Its default (1 GiB) would let a large site's cache count
/// against the build's memory; reads here touch each entry once, so a small cache loses
/// nothing, and what it holds is still held when Pagefind reaches the build's peak.
const PAGE_CACHE_BYTES: usize = 1 << 20;

/// The open store of one build.
pub struct Store {
    db: Database,
    path: PathBuf,
    /// [`BULK_FILE`], once an entry of it is asked for (`None` inside: it could not be opened,
    /// so its entries are misses and nothing is kept there).
    bulk: OnceLock<Option<Database>>,
    bulk_path: PathBuf,
    generation: u64,
    /// Entries this build rendered, by file (`true`: bulk), written by [`Store::flush`] or
    /// [`Store::finish`].
    fresh: Mutex<Vec<(bool, String, Vec<u8>)>>,
    /// Entries this build read (those it wrote are marked as they are committed).
    used: Mutex<HashSet<String>>,
    /// Entries that entries this build read depend on (a stored post's content and formulas),
    /// by kind: used too, but only spelled out when the build writes (see [`Store::finish`]).
    reached: Mutex<Vec<(Kind, Vec<String>)>>,
    /// Entries found unusable by this build, removed by [`Store::finish`].
    forgotten: Mutex<Vec<String>>,
    /// Whether [`Store::flush`] committed anything.
    flushed: std::sync::atomic::AtomicBool,
    /// What went wrong with [`BULK_FILE`] (for the build's warnings, see [`Store::notes`]).
    notes: Mutex<Vec<String>>,
    /// Per file ([`FILE`], then [`BULK_FILE`]), when it held no entry as this build opened it:
    /// hashes of the names this build has committed to it since, so any other name is a miss
    /// without a lookup (a cold build asks for each of its 21,000 formulas on 1,000 posts
    /// before rendering it, and each lookup read redb's pages). `None`: every get looks.
    written: [Mutex<Option<HashSet<u64>>>; 2],
}

/// What opening the store came to.
pub enum Opened {
    /// Boxed: a store is large next to a message.
    Store(Box<Store>),
    /// No cache for this build, and why (for a warning).
    Without(String),
}

/// Why a store operation failed, as one message.
fn why(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn is_bulk(name: &str) -> bool {
    BULK_KINDS.iter().any(|k| {
        name.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Opens or creates one of the store's files. A file changed behind redb's back (a bad disk, a
/// user's edit) fails here with an error instead of panicking later.
fn open_file(path: &Path) -> Result<Database, redb::DatabaseError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Database::builder()
        .set_cache_size(PAGE_CACHE_BYTES)
        .set_check_integrity_on_open(true)
        .create(path)
}

impl Store {
    /// Opens (or creates) the store in `cache_dir`. A damaged file is replaced by an empty one,
    /// with `warnings` saying so; a store another process holds is waited for, then given up.
    pub fn open(cache_dir: &Path, warnings: &mut Vec<String>) -> Opened {
        let path = cache_dir.join(FILE);
        let start = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            match Self::try_open(cache_dir) {
                Ok(store) => return Opened::Store(Box::new(store)),
                Err(redb::DatabaseError::DatabaseAlreadyOpen) if start.elapsed() < BUSY_WAIT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                    return Opened::Without(format!(
                        "{}: another quire process is using the cache; building without it",
                        path.display()
                    ));
                }
                Err(e) => {
                    warnings.push(format!(
                        "{}: the cache is damaged ({e}); starting an empty one",
                        path.display()
                    ));
                    let _ = std::fs::remove_file(&path);
                    return match Self::try_open(cache_dir) {
                        Ok(store) => Opened::Store(Box::new(store)),
                        Err(e) => Opened::Without(format!(
                            "{}: cannot create the cache ({e}); building without it",
                            path.display()
                        )),
                    };
                }
            }
        }
    }

    fn try_open(cache_dir: &Path) -> Result<Store, redb::DatabaseError> {
        let path = cache_dir.join(FILE);
        let db = open_file(&path)?;
        let generation = read_generation(&db)
            .map_err(|e| redb::DatabaseError::Storage(redb::StorageError::Corrupted(why(e))))?;
        let written = [
            Mutex::new(holds_nothing(&db).then(HashSet::new)),
            Mutex::default(),
        ];
        Ok(Store {
            db,
            path,
            bulk: OnceLock::new(),
            bulk_path: cache_dir.join(BULK_FILE),
            generation,
            fresh: Mutex::default(),
            used: Mutex::default(),
            reached: Mutex::default(),
            forgotten: Mutex::default(),
            flushed: Default::default(),
            notes: Mutex::default(),
            written,
        })
    }

    /// [`BULK_FILE`], opened the first time it is needed. Another quire cannot hold it (it
    /// would hold [`FILE`] first); a damaged one is started afresh, with a note.
    fn bulk(&self) -> Option<&Database> {
        self.bulk
            .get_or_init(|| {
                let note = |n: String| {
                    if let Ok(mut notes) = self.notes.lock() {
                        notes.push(n);
                    }
                };
                let opened = match open_file(&self.bulk_path) {
                    Ok(db) => Some(db),
                    Err(e) => {
                        note(format!(
                            "{}: the cache is damaged ({e}); starting an empty one",
                            self.bulk_path.display()
                        ));
                        let _ = std::fs::remove_file(&self.bulk_path);
                        open_file(&self.bulk_path)
                            .map_err(|e| {
                                note(format!(
                                    "{}: cannot create the cache ({e}); going on without it",
                                    self.bulk_path.display()
                                ))
                            })
                            .ok()
                    }
                };
                if opened.as_ref().is_some_and(holds_nothing) {
                    *crate::sync::lock(&self.written[1]) = Some(HashSet::new());
                }
                opened
            })
            .as_ref()
    }

    /// The file `name` lives in, opening [`BULK_FILE`] if that is the one.
    fn db_of(&self, name: &str) -> Option<&Database> {
        if is_bulk(name) {
            self.bulk()
        } else {
            Some(&self.db)
        }
    }

    /// What went wrong with the store's second file this build, as warnings.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// The payload stored for `key` of `kind`, if it verifies.
    pub fn get(&self, kind: Kind, key: &str) -> Option<Vec<u8>> {
        let name = entry_name(kind, key);
        let db = self.db_of(&name)?;
        if let Some(written) = &*crate::sync::lock(&self.written[usize::from(is_bulk(&name))]) {
            written.contains(&name_hash(&name)).then_some(())?;
        }
        let sealed = read(db, &name).ok().flatten()?;
        let payload = kind.open(key, &sealed).ok()?.to_vec();
        self.used.lock().ok()?.insert(name);
        Some(payload)
    }

    /// Keeps `payload` for `key` of `kind`; written when the build [`finish`](Self::finish)es
    /// (or [`flush`](Self::flush)es).
    pub fn put(&self, kind: Kind, key: &str, payload: &[u8]) {
        let name = entry_name(kind, key);
        let packed = pack(&kind.seal(key, payload));
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.push((is_bulk(&name), name, packed));
        }
    }

    /// Commits the entries put so far, so the build need not hold them (a cold build of a large
    /// site renders hundreds of megabytes) and can read them back, each marked as used (see
    /// [`Store::commit_fresh`]). The generation, the other marks of use and pruning wait for
    /// [`Store::finish`]. Each commit is synced to disk: it runs beside the rendering (see
    /// `build::Committing`), where the sync costs the build nothing, and the one that closes
    /// the build then has little left to sync (the whole cold build's 55 MB, on 1,000 posts,
    /// took 70–90 ms with both cores idle); and a build killed halfway keeps what it rendered.
    pub fn flush(&self) -> Result<(), String> {
        self.commit_fresh(self.generation + 1)
    }

    /// Writes the entries put since the last commit, each marked as used by `generation`: the
    /// one a build that finishes pruning will have (a build that finishes otherwise leaves them
    /// one generation younger, which only keeps them a build longer). Marked here, not named
    /// in [`Store::used`] until the end: a cold build of 1,000 posts would hold 21,000 names
    /// (2 MB) through Pagefind's indexing, the build's peak.
    fn commit_fresh(&self, generation: u64) -> Result<(), String> {
        let fresh = std::mem::take(&mut *self.fresh.lock().map_err(why)?);
        if fresh.is_empty() {
            return Ok(());
        }
        for bulk in [false, true] {
            let mut mine: Vec<&(bool, String, Vec<u8>)> =
                fresh.iter().filter(|(b, _, _)| *b == bulk).collect();
            // In key order, each insert lands next to the last: fewer of redb's pages are
            // read, copied and written than for the hashes' random order.
            mine.sort_unstable_by(|a, b| a.1.cmp(&b.1));
            let db = if bulk { self.bulk() } else { Some(&self.db) };
            let (Some(db), false) = (db, mine.is_empty()) else {
                continue;
            };
            let txn = db.begin_write().map_err(why)?;
            {
                let mut entries = txn.open_table(ENTRIES).map_err(why)?;
                let mut last_used = txn.open_table(USED).map_err(why)?;
                for (_, name, sealed) in &mine {
                    entries
                        .insert(name.as_str(), sealed.as_slice())
                        .map_err(why)?;
                    last_used.insert(name.as_str(), generation).map_err(why)?;
                }
            }
            txn.commit().map_err(why)?;
            if let Some(written) = &mut *crate::sync::lock(&self.written[usize::from(bulk)]) {
                written.extend(mine.iter().map(|(_, name, _)| name_hash(name)));
            }
        }
        self.flushed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Counts the entries of `kind` under `keys` as used by this build without reading them:
    /// what an entry this build read stands on (a stored post's formulas, which a build that
    /// takes the post from the store never asks for), so they age with it.
    pub fn reaches(&self, kind: Kind, keys: Vec<String>) {
        if let Ok(mut reached) = self.reached.lock() {
            reached.push((kind, keys));
        }
    }

    /// Removes the entry of `kind` under `key` when the build [`finish`](Self::finish)es: one
    /// that read back wrong.
    pub fn forget(&self, kind: Kind, key: &str) {
        if let Ok(mut forgotten) = self.forgotten.lock() {
            forgotten.push(entry_name(kind, key));
        }
    }

    /// Stores `bytes` as they are, sealed or not: how tests plant a damaged entry.
    #[cfg(test)]
    pub(crate) fn put_raw(&self, kind: Kind, key: &str, bytes: Vec<u8>) {
        let name = entry_name(kind, key);
        self.fresh
            .lock()
            .unwrap()
            .push((is_bulk(&name), name, pack(&bytes)));
    }

    /// Commits what this build rendered and used. A build that stored nothing writes nothing
    /// (a no-change rebuild takes no write lock and syncs no file) and ages nothing: entries
    /// grow old only across builds that change the store. Otherwise, with `prune` (a build that
    /// asked for every entry the site needs, not a preview rebuild that asked only for new
    /// ones) the generation advances and entries unused for [`KEEP_BUILDS`] such builds are
    /// removed, from both files. Returns how many were.
    pub fn finish(self, prune: bool) -> Result<usize, String> {
        let generation = self.generation + u64::from(prune);
        self.commit_fresh(generation)?;
        let forgotten = std::mem::take(&mut *self.forgotten.lock().map_err(why)?);
        if forgotten.is_empty() && !self.flushed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(0);
        }
        let mut used = std::mem::take(&mut *self.used.lock().map_err(why)?);
        for (kind, keys) in std::mem::take(&mut *self.reached.lock().map_err(why)?) {
            used.extend(keys.iter().map(|k| entry_name(kind, k)));
        }
        let mut removed = 0;
        // The bulk file first: the generation in the small one advances only once both agree.
        let bulk_touched = used.iter().chain(&forgotten).any(|n| is_bulk(n));
        let bulk = if bulk_touched {
            self.bulk()
        } else {
            self.bulk.get().and_then(Option::as_ref)
        };
        for (db, is_main) in bulk
            .map(|b| (b, false))
            .into_iter()
            .chain([(&self.db, true)])
        {
            let mine = |n: &&String| is_bulk(n) != is_main;
            let txn = db.begin_write().map_err(why)?;
            {
                let mut entries = txn.open_table(ENTRIES).map_err(why)?;
                let mut last_used = txn.open_table(USED).map_err(why)?;
                for name in forgotten.iter().filter(mine) {
                    entries.remove(name.as_str()).map_err(why)?;
                    last_used.remove(name.as_str()).map_err(why)?;
                }
                for name in used.iter().filter(mine) {
                    last_used.insert(name.as_str(), generation).map_err(why)?;
                }
                if prune {
                    let mut stale = Vec::new();
                    for row in last_used.iter().map_err(why)? {
                        let (name, at) = row.map_err(why)?;
                        if at.value() + KEEP_BUILDS < generation {
                            stale.push(name.value().to_string());
                        }
                    }
                    for name in &stale {
                        entries.remove(name.as_str()).map_err(why)?;
                        last_used.remove(name.as_str()).map_err(why)?;
                    }
                    removed += stale.len();
                    if is_main {
                        let mut meta = txn.open_table(META).map_err(why)?;
                        meta.insert("generation", generation).map_err(why)?;
                    }
                }
            }
            txn.commit().map_err(why)?;
        }
        Ok(removed)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file entries of `kind` live in, for messages.
    pub fn file_of(&self, kind: Kind) -> &Path {
        if is_bulk(&entry_name(kind, "")) {
            &self.bulk_path
        } else {
            &self.path
        }
    }
}

fn read(db: &Database, name: &str) -> Result<Option<Vec<u8>>, redb::Error> {
    let txn = db.begin_read()?;
    let table = match txn.open_table(ENTRIES) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(table.get(name)?.and_then(|v| unpack(v.value())))
}

/// Whether `db` holds no entry (a file just made, or one no build has written to).
fn holds_nothing(db: &Database) -> bool {
    let Ok(txn) = db.begin_read() else {
        return false;
    };
    match txn.open_table(ENTRIES) {
        Ok(t) => t.is_empty().unwrap_or(false),
        Err(redb::TableError::TableDoesNotExist(_)) => true,
        Err(_) => false,
    }
}

/// A name's hash for [`Store::written`]: two names sharing one only cost a lookup.
fn name_hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

fn read_generation(db: &Database) -> Result<u64, redb::Error> {
    let txn = db.begin_read()?;
    match txn.open_table(META) {
        Ok(t) => Ok(t.get("generation")?.map_or(0, |v| v.value())),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Values are LZ4-compressed: KaTeX's HTML and MathML repeat the same tags, so an entry shrinks
/// to about a third, and so do the file and the time redb's integrity check takes to read it.
fn pack(sealed: &[u8]) -> Vec<u8> {
    lz4_flex::compress_prepend_size(sealed)
}

/// Entries are small; a length prefix above this is damage, refused before anything is allocated.
const MAX_ENTRY_BYTES: usize = 64 << 20;

fn unpack(packed: &[u8]) -> Option<Vec<u8>> {
    let len = u32::from_le_bytes(packed.get(..4)?.try_into().ok()?) as usize;
    if len > MAX_ENTRY_BYTES {
        return None;
    }
    lz4_flex::decompress_size_prepended(packed).ok()
}

fn entry_name(kind: Kind, key: &str) -> String {
    format!("{}/{key}", kind.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: Kind = Kind {
        name: "test",
        version: 1,
    };

    fn open(dir: &Path, warnings: &mut Vec<String>) -> Store {
        match Store::open(dir, warnings) {
            Opened::Store(s) => *s,
            Opened::Without(why) => panic!("{why}"),
        }
    }

    #[test]
    fn flushed_entries_are_readable_at_once_and_counted_as_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Vec::new();
        let s = open(dir.path(), &mut w);
        s.put(K, "a", b"payload a");
        assert_eq!(s.get(K, "a"), None, "not committed yet");
        s.flush().unwrap();
        assert_eq!(s.get(K, "a").as_deref(), Some(&b"payload a"[..]));
        s.finish(true).unwrap();
        let s = open(dir.path(), &mut w);
        assert_eq!(
            s.generation, 1,
            "a build that flushed advanced the generation"
        );
        assert!(s.get(K, "a").is_some());
    }

    #[test]
    fn entries_survive_the_process_that_wrote_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut warnings = Vec::new();
        let s = open(dir.path(), &mut warnings);
        assert_eq!(s.get(K, "a"), None);
        s.put(K, "a", b"payload a");
        s.finish(true).unwrap();
        let s = open(dir.path(), &mut warnings);
        assert_eq!(s.get(K, "a").as_deref(), Some(&b"payload a"[..]));
        assert_eq!(
            s.get(Kind { version: 2, ..K }, "a"),
            None,
            "another version"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn entries_unused_for_keep_builds_builds_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Vec::new();
        let s = open(dir.path(), &mut w);
        s.put(K, "old", b"o");
        s.put(K, "kept", b"k");
        s.finish(true).unwrap();
        // A build that stores nothing ages nothing.
        for _ in 0..2 * KEEP_BUILDS {
            open(dir.path(), &mut w).finish(true).unwrap();
        }
        for build in 1..=KEEP_BUILDS + 1 {
            let s = open(dir.path(), &mut w);
            assert!(s.get(K, "kept").is_some(), "build {build}");
            s.put(K, &format!("new {build}"), b"n");
            let removed = s.finish(true).unwrap();
            assert_eq!(
                removed,
                usize::from(build == KEEP_BUILDS + 1),
                "build {build}"
            );
        }
        let s = open(dir.path(), &mut w);
        assert_eq!(s.get(K, "old"), None);
        assert!(s.get(K, "kept").is_some());
        assert!(
            s.get(K, "new 1").is_some(),
            "used by no build since, but young"
        );
        // A preview rebuild (no pruning) neither advances the generation nor removes anything.
        s.finish(false).unwrap();
    }

    #[test]
    fn a_second_process_holding_the_store_means_no_cache_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Vec::new();
        let first = open(dir.path(), &mut w);
        let start = Instant::now();
        match Store::open(dir.path(), &mut w) {
            Opened::Without(why) => assert!(why.contains("another quire"), "{why}"),
            Opened::Store(_) => panic!("two handles on one store"),
        }
        assert!(start.elapsed() >= BUSY_WAIT);
        drop(first);
        open(dir.path(), &mut w);
    }

    #[test]
    fn a_damaged_value_is_a_miss() {
        let packed = pack(b"sealed bytes");
        assert_eq!(unpack(&packed).as_deref(), Some(&b"sealed bytes"[..]));
        let mut huge = packed.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(unpack(&huge), None, "refused before allocating 4 GiB");
        assert_eq!(unpack(&packed[..packed.len() - 2]), None);
        assert_eq!(unpack(&[1, 0]), None);
    }

    #[test]
    fn a_damaged_file_is_replaced_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Vec::new();
        let s = open(dir.path(), &mut w);
        for i in 0..200 {
            s.put(
                K,
                &format!("k{i}"),
                format!("payload {i}").repeat(50).as_bytes(),
            );
        }
        s.finish(true).unwrap();
        let file = dir.path().join(FILE);
        let mut bytes = std::fs::read(&file).unwrap();
        let len = bytes.len();
        for b in &mut bytes[len / 4..len / 2] {
            *b = 0xA5;
        }
        std::fs::write(&file, bytes).unwrap();
        let s = open(dir.path(), &mut w);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("damaged"), "{w:?}");
        assert_eq!(s.get(K, "k1"), None, "an empty store");
    }
}
