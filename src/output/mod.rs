//! The one writer of the output folder, in two modes: `quire build` writes the site into a
//! staging folder beside the output and swaps it in only when all of it was written
//! ([`write_site`]), so a failed build leaves the previous `_site/` as it was; the preview
//! server syncs its private folder in place ([`sync::SyncedDir`]), so that an edit rewrites
//! only what it changed and the server always has a site to serve. Both take the copied
//! folders as [`list_copies`] walked them, and both reach the disk only through [`inside`].
//!
//! quire replaces its output folder as a whole, so it must be sure the folder is its own: every
//! folder it makes (the output, the staging folder, the old site set aside) holds a [`MARKER`]
//! file, and [`check_output_dir`] refuses any existing folder that is not empty and has no
//! marker. The marker is also how a build recognises, and only then removes, what an earlier
//! killed build left beside the output.

pub mod ledger;
pub mod sync;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::error::{Error, Result, collect_all};
use crate::progress::Progress;

/// The file that proves quire made a folder. Not published: `quire deploy` leaves it out and
/// `quire check` ignores it.
pub const MARKER: &str = ".quire-output";
const MARKER_TEXT: &str = "This folder was made by quire, which replaces it on every build.\n\
It is safe to delete; quire only ever replaces or removes folders holding this file.\n";

/// One generated file, relative to the site root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// A source folder copied as is (`static/` → `/`, `gif/` → `/gif/`), or one file (a Jekyll
/// folder's `images/a.png` → `/images/a.png`).
#[derive(Debug, Clone)]
pub struct Copy {
    pub from: PathBuf,
    pub to: PathBuf,
}

impl Copy {
    /// Whether this copy puts a file at `rel` in the output.
    pub fn provides(&self, rel: &Path) -> bool {
        match rel.strip_prefix(&self.to) {
            Ok(rest) if rest.as_os_str().is_empty() => self.from.is_file(),
            Ok(rest) => self.from.is_dir() && self.from.join(rest).is_file(),
            Err(_) => false,
        }
    }
}

/// One file of a copied folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Where it goes, relative to the site root.
    pub path: PathBuf,
    pub from: PathBuf,
    /// As it was when listed: if neither changed, the preview need not copy it again.
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// What the copied folders hold, walked once per build: the base-path pass reads its HTML and
/// CSS from here, and the writer copies the rest.
#[derive(Debug, Clone, Default)]
pub struct CopiedFiles {
    /// By output path; a later [`Copy`] wins over an earlier one at the same path.
    pub files: Vec<Copied>,
    /// Every folder, so that an empty one is in the site too.
    pub dirs: Vec<PathBuf>,
}

/// Walks `copies`, following symbolic links (the build has refused any leading outside the
/// site). A missing source folder is no error: `static/` and `gif/` are optional.
pub fn list_copies(copies: &[Copy]) -> Result<CopiedFiles> {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    for copy in copies {
        // A missing folder copies nothing; so does a file where a folder was expected (a
        // `static` file), which has no name of its own in the output.
        let one_file = copy.from.is_file() && !copy.to.as_os_str().is_empty();
        if !(copy.from.is_dir() || one_file) {
            continue;
        }
        for entry in walkdir::WalkDir::new(&copy.from).follow_links(true) {
            let entry = entry.map_err(|e| crate::fs::walk_error(&copy.from, e))?;
            let rel = entry
                .path()
                .strip_prefix(&copy.from)
                .unwrap_or(entry.path());
            let path = if rel.as_os_str().is_empty() {
                copy.to.clone()
            } else {
                copy.to.join(rel)
            };
            if entry.file_type().is_dir() {
                if !path.as_os_str().is_empty() {
                    dirs.push(path);
                }
                continue;
            }
            let meta = entry
                .metadata()
                .map_err(|e| crate::fs::walk_error(&copy.from, e))?;
            let copied = Copied {
                path: path.clone(),
                from: entry.path().to_path_buf(),
                len: meta.len(),
                modified: meta.modified().ok(),
            };
            files.insert(path, copied);
        }
    }
    dirs.sort();
    dirs.dedup();
    Ok(CopiedFiles {
        files: files.into_values().collect(),
        dirs,
    })
}

impl CopiedFiles {
    /// The files that neither a generated file nor a kept one at the same path replaces.
    pub fn not_in<'a>(&'a self, files: &[OutputFile], kept: &[PathBuf]) -> Vec<&'a Copied> {
        let generated: std::collections::HashSet<&Path> = files
            .iter()
            .map(|f| f.path.as_path())
            .chain(kept.iter().map(PathBuf::as_path))
            .collect();
        self.files
            .iter()
            .filter(|c| !generated.contains(c.path.as_path()))
            .collect()
    }
}

/// Refuses output folders whose replacement would delete what the user has: the sources, their
/// ancestors, the home folder, `/`, git data, a file, or any existing folder quire did not make.
/// Paths are compared after resolving symlinks, so no spelling of a folder gets through.
pub fn check_output_dir(source: &Path, output: &Path) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Usage(format!(
            "refusing to use {} as the output folder: {why}",
            output.display()
        )))
    };
    let source_abs = absolute(source);
    let output_abs = absolute(output);
    let pairs = [
        (source_abs.clone(), output_abs.clone()),
        (resolve(&source_abs), resolve(&output_abs)),
    ];
    for (source, output) in &pairs {
        if source.starts_with(output) {
            return refuse(format!(
                "it {} the source folder {}; choose another --output",
                if source == output { "is" } else { "contains" },
                source.display()
            ));
        }
        for dir in ["posts", "templates", "static", "gif"] {
            if output.starts_with(source.join(dir)) {
                return refuse(format!(
                    "it is inside the source folder {dir}/; choose another --output"
                ));
            }
        }
    }
    let real = &pairs[1].1;
    if real.parent().is_none() {
        return refuse("it is the root of the file system".into());
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let home = resolve(&absolute(Path::new(&home)));
        if home.starts_with(real) {
            return refuse(format!(
                "it {} your home folder {}; choose a folder of its own, such as <site>/_site",
                if &home == real { "is" } else { "contains" },
                home.display()
            ));
        }
    }
    if [&output_abs, real]
        .iter()
        .any(|p| p.components().any(|c| c.as_os_str() == ".git"))
    {
        return refuse("it is inside a .git folder, which holds a repository's history".into());
    }
    let meta = match std::fs::symlink_metadata(&output_abs) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(output, e)),
    };
    if meta.file_type().is_symlink() {
        return refuse(format!(
            "it is a symbolic link (to {}); quire replaces the output folder itself, so pass a \
             real folder",
            real.display()
        ));
    }
    if !meta.is_dir() {
        return refuse(
            "it is a file, and quire would replace it with a folder; choose a folder".into(),
        );
    }
    if output_abs.join(".git").exists() {
        return refuse(
            "it holds a .git folder, which replacing the folder would delete; keep the \
             repository elsewhere (quire deploy commits the site without one)"
                .into(),
        );
    }
    if is_marked(&output_abs) || is_empty_dir(&output_abs)? || is_legacy_site(source, real) {
        return Ok(());
    }
    refuse(format!(
        "it already exists and quire did not make it (it has no {MARKER} file). quire replaces \
         its output folder as a whole, so it only uses a missing or empty folder or one it made. \
         Pass a new folder with --output, or delete {} first if nothing in it is needed",
        output.display()
    ))
}

/// The default `<source>/_site` as quire versions before the marker left it, recognised by the
/// `.nojekyll` every quire build writes. Only at that one place: elsewhere a folder with
/// `.nojekyll` could be any GitHub Pages checkout. It gets its marker when it is replaced.
fn is_legacy_site(source: &Path, real_output: &Path) -> bool {
    let default = resolve(&absolute(&source.join("_site")));
    default == real_output && real_output.join(".nojekyll").is_file()
}

pub fn is_marked(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    Ok(entries.next().is_none())
}

pub fn mark(dir: &Path) -> Result<()> {
    if is_marked(dir) {
        return Ok(());
    }
    crate::fs::write(&dir.join(MARKER), MARKER_TEXT)
}

/// Absolute, without resolving anything: what the user typed, made comparable.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The real location of `p`, whether or not it exists yet: the nearest existing ancestor with
/// its symlinks resolved, then the rest (`..` in the rest is undone by name, since nothing
/// there exists to be a symlink).
fn resolve(p: &Path) -> PathBuf {
    let mut existing = p;
    let mut rest = Vec::new();
    let mut real = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                real.pop();
            }
            Component::CurDir => {}
            other => real.push(other),
        }
    }
    real
}

/// `root.join(rel)`, refused unless `rel` is relative and made of plain names: a writer's or
/// remover's own check that nothing reaches past the output folder, whatever produced `rel`.
pub fn inside(root: &Path, rel: &Path) -> Result<PathBuf> {
    if !is_plain(rel) {
        return Err(Error::Internal(format!(
            "refusing to write {} outside the output folder {}",
            rel.display(),
            root.display()
        )));
    }
    Ok(root.join(rel))
}

/// Whether `rel` is made of plain names only, at least one: what may be joined to a folder
/// without leaving it. Also how a request path is judged before the disk is asked about it.
pub fn is_plain(rel: &Path) -> bool {
    !rel.as_os_str().is_empty() && rel.components().all(|c| matches!(c, Component::Normal(_)))
}

/// The folder `output` is in, and its name, which names quire's folders beside it.
fn parent_and_name(output: &Path) -> (PathBuf, String) {
    let parent = output.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = output
        .file_name()
        .map_or("_site".into(), |n| n.to_string_lossy().into_owned());
    (parent, name)
}

/// Undoes what a killed build left beside `output` (see [`remove_leftovers`]). Run at the start
/// of a build, so even a build that then fails puts a set-aside site back.
pub fn recover(output: &Path) -> Result<()> {
    let output = absolute(output);
    let (parent, name) = parent_and_name(&output);
    if !parent.is_dir() {
        return Ok(());
    }
    remove_leftovers(&parent, &name, &output)
}

/// Writes `files`, the `kept` files of `previous` (the site now in `output`, which the build
/// found unchanged: see [`ledger`]) and the `copied` files they do not replace into a fresh
/// folder, then swaps it in for `output`.
/// `progress` counts the files as they are written.
pub fn write_site(
    output: &Path,
    previous: &Previous,
    files: &[OutputFile],
    kept: &[PathBuf],
    copied: &CopiedFiles,
    progress: &Progress,
) -> Result<()> {
    let not_replaced = copied.not_in(files, kept);
    let total = not_replaced.len() + files.len() + kept.len();
    if previous.is_exactly(files, kept, &not_replaced, &copied.dirs) {
        // Nothing to write, link, swap or remove: the output already is this site.
        progress.stage("files", total);
        progress.inc(total);
        return Ok(());
    }
    let stage = Stage::begin(output, previous)?;
    stage.finish(files, kept, copied, progress)
}

/// A new site being written beside the output folder, to be swapped in whole once every file
/// is there ([`Stage::finish`]); dropped before that, it is removed. Pages can be put in as
/// they are rendered ([`Stage::put`], from any thread), so none need be held until the end.
pub struct Stage<'p> {
    previous: &'p Previous,
    output: PathBuf,
    parent: PathBuf,
    name: String,
    dir: PathBuf,
    done: bool,
}

impl<'p> Stage<'p> {
    /// Makes the staging folder beside `output` (removing what killed builds left there), with
    /// quire's marker in it first, so a build killed from here on leaves a folder the next
    /// build knows it may remove. `previous` is the site now in `output`.
    pub fn begin(output: &Path, previous: &'p Previous) -> Result<Stage<'p>> {
        let output = absolute(output);
        let (parent, name) = parent_and_name(&output);
        crate::fs::create_dir_all(&parent)?;
        remove_leftovers(&parent, &name, &output)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?
            .keep();
        let stage = Stage {
            previous,
            output,
            parent,
            name,
            dir,
            done: false,
        };
        stage.put(Path::new(MARKER), MARKER_TEXT.as_bytes())?;
        Ok(stage)
    }

    /// Puts a file the build made: a hard link to the old site's when it holds the same bytes
    /// (so an unchanged page keeps its inode and time), else written.
    pub fn put(&self, rel: &Path, bytes: &[u8]) -> Result<()> {
        self.stage(rel, Contents::Bytes(bytes))
    }

    fn stage(&self, rel: &Path, contents: Contents) -> Result<()> {
        let to = inside(&self.dir, rel)?;
        if self.previous.link_if_same(rel, &contents, &to) {
            return Ok(());
        }
        match contents {
            Contents::Bytes(bytes) => crate::fs::write(&to, bytes),
            Contents::CopyOf(from) => crate::fs::copy(from, &to),
        }
    }

    /// Puts the rest of the site (`files`, the `kept` files of the old site and the `copied`
    /// files none of them replaces), then swaps the staged site in for the output.
    pub fn finish(
        mut self,
        files: &[OutputFile],
        kept: &[PathBuf],
        copied: &CopiedFiles,
        progress: &Progress,
    ) -> Result<()> {
        let not_replaced = copied.not_in(files, kept);
        progress.stage("files", not_replaced.len() + files.len() + kept.len());
        for dir in &copied.dirs {
            crate::fs::create_dir_all(&inside(&self.dir, dir)?)?;
        }
        collect_all(
            not_replaced
                .par_iter()
                .map(|c| {
                    progress.inc(1);
                    self.stage(&c.path, Contents::CopyOf(&c.from))
                })
                .collect(),
        )?;
        collect_all(
            files
                .par_iter()
                .map(|f| {
                    progress.inc(1);
                    self.put(&f.path, &f.contents)
                })
                .collect(),
        )?;
        collect_all(
            kept.par_iter()
                .map(|rel| {
                    progress.inc(1);
                    self.previous.link(rel, &inside(&self.dir, rel)?)
                })
                .collect(),
        )?;
        // Again, in case a copied `static/.quire-output` replaced it.
        let marker = self.dir.join(MARKER);
        if std::fs::read(&marker).ok().as_deref() != Some(MARKER_TEXT.as_bytes()) {
            crate::fs::write(&marker, MARKER_TEXT)?;
        }
        self.done = true;
        swap_in(&self.dir, &self.output, &self.parent, &self.name)
    }
}

impl Drop for Stage<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = remove_marked(&self.dir);
        }
    }
}

/// Where a one-off build puts each page as soon as it is rendered, with the base path added: a
/// [`Stage`] begun by the first page put, so a build that renders no page stages nothing (and
/// may find the output already is the site, see [`write_site`]).
pub struct PageSink<'p> {
    output: &'p Path,
    previous: &'p Previous,
    base: &'p str,
    stage: std::sync::OnceLock<Stage<'p>>,
    begin: std::sync::Mutex<()>,
}

impl<'p> PageSink<'p> {
    pub fn new(output: &'p Path, previous: &'p Previous, base: &'p str) -> Self {
        PageSink {
            output,
            previous,
            base,
            stage: Default::default(),
            begin: Default::default(),
        }
    }

    /// Rewrites and stages one rendered page, beginning the stage if it is the first.
    pub fn put(&self, mut file: OutputFile) -> Result<()> {
        crate::urls::rewrite::rewrite_one(&mut file, self.base)?;
        self.stage()?.put(&file.path, &file.contents)
    }

    fn stage(&self) -> Result<&Stage<'p>> {
        if let Some(stage) = self.stage.get() {
            return Ok(stage);
        }
        let _one = self.begin.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stage) = self.stage.get() {
            return Ok(stage);
        }
        let stage = Stage::begin(self.output, self.previous)?;
        Ok(self.stage.get_or_init(|| stage))
    }

    /// Writes the rest of the site and swaps it in (or, when no page was put, does what
    /// [`write_site`] does: nothing at all if the output already is the site).
    pub fn finish(
        self,
        files: &[OutputFile],
        kept: &[PathBuf],
        copied: &CopiedFiles,
        progress: &Progress,
    ) -> Result<()> {
        match self.stage.into_inner() {
            Some(stage) => stage.finish(files, kept, copied, progress),
            None => write_site(self.output, self.previous, files, kept, copied, progress),
        }
    }
}

/// What a staged file is made of: bytes the build made, or a file copied as it is.
enum Contents<'a> {
    Bytes(&'a [u8]),
    CopyOf(&'a Path),
}

/// A file as the build finds it: what tells whether it was touched since a build looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    len: u64,
    /// Modification time, nanoseconds since the epoch (0 when the system has none).
    modified: i128,
    /// Inode number (0 where there is none); a file written anew gets another one.
    inode: u64,
}

impl Stat {
    pub fn of(meta: &std::fs::Metadata) -> Stat {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stat {
            len: meta.len(),
            modified,
            inode,
        }
    }
}

/// The regular files of the site being replaced: a staged file whose bytes equal the old
/// one's is a hard link to it, so a rebuild that changed nothing writes no file and every page
/// keeps its inode and modification time (what rsync, a web server's `Last-Modified` and a
/// deploy's diff see). Found by a walk that follows no symbolic link, so a link planted in the
/// old output never leads the build to a file outside it; the link is made in the same parent
/// folder, so it never crosses file systems.
#[derive(Default)]
pub struct Previous {
    root: PathBuf,
    files: std::collections::HashMap<PathBuf, Stat>,
    /// Every folder below the root.
    dirs: std::collections::HashSet<PathBuf>,
    /// Anything else was there (a symbolic link, an unreadable entry): never the same site.
    other: bool,
}

impl Previous {
    /// The site now in `output` (nothing, when there is none).
    pub fn of(output: &Path) -> Self {
        let output = absolute(output);
        let mut previous = Previous {
            root: output.clone(),
            files: Default::default(),
            dirs: Default::default(),
            other: false,
        };
        if !std::fs::symlink_metadata(&output).is_ok_and(|m| m.is_dir()) {
            previous.other = true;
            return previous;
        }
        for entry in walkdir::WalkDir::new(&output).min_depth(1) {
            let Ok(entry) = entry else {
                previous.other = true;
                continue;
            };
            let rel = entry.path().strip_prefix(&output).unwrap_or(entry.path());
            let kind = entry.file_type();
            match entry.metadata() {
                Ok(meta) if kind.is_file() => {
                    previous.files.insert(rel.to_path_buf(), Stat::of(&meta));
                }
                Ok(_) if kind.is_dir() => {
                    previous.dirs.insert(rel.to_path_buf());
                }
                _ => previous.other = true,
            }
        }
        previous
    }

    /// How the regular file at `rel` stood when the build looked, if there was one.
    pub fn stat(&self, rel: &Path) -> Option<Stat> {
        self.files.get(rel).copied()
    }

    /// Whether the old site is exactly the new one: the same folders, the same files (the
    /// marker included) and the same bytes in each. Cheap checks first (names, lengths), so a
    /// rebuild that changed a page usually reads nothing here. `kept` files are the old ones
    /// already.
    fn is_exactly(
        &self,
        files: &[OutputFile],
        kept: &[PathBuf],
        copies: &[&Copied],
        dirs: &[PathBuf],
    ) -> bool {
        if self.other || self.files.len() != files.len() + kept.len() + copies.len() + 1 {
            return false;
        }
        let mut wanted_dirs: std::collections::HashSet<&Path> =
            dirs.iter().map(PathBuf::as_path).collect();
        let paths = files
            .iter()
            .map(|f| f.path.as_path())
            .chain(kept.iter().map(PathBuf::as_path));
        for path in paths.chain(copies.iter().map(|c| c.path.as_path())) {
            let mut parent = path.parent();
            while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
                wanted_dirs.insert(dir);
                parent = dir.parent();
            }
        }
        let lengths_match = files
            .iter()
            .all(|f| self.files.get(&f.path).map(|s| s.len) == Some(f.contents.len() as u64))
            && kept.iter().all(|k| self.files.contains_key(k))
            && copies.iter().all(|c| self.files.contains_key(&c.path));
        lengths_match
            && wanted_dirs.len() == self.dirs.len()
            && wanted_dirs.iter().all(|d| self.dirs.contains(*d))
            && self.holds(Path::new(MARKER), &Contents::Bytes(MARKER_TEXT.as_bytes()))
            && files
                .par_iter()
                .all(|f| self.holds(&f.path, &Contents::Bytes(&f.contents)))
            && copies
                .par_iter()
                .all(|c| self.holds(&c.path, &Contents::CopyOf(&c.from)))
    }

    /// Links the old site's `rel` to `to` when it holds exactly `contents`. Any failure (a file
    /// system without hard links, a file changed under the build) just means writing it afresh.
    fn link_if_same(&self, rel: &Path, contents: &Contents, to: &Path) -> bool {
        self.holds(rel, contents)
            && to
                .parent()
                .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && inside(&self.root, rel).is_ok_and(|old| std::fs::hard_link(old, to).is_ok())
    }

    /// Puts the old site's `rel`, which the build knows to be right as it is, at `to`: a hard
    /// link, or a copy where the file system has none.
    fn link(&self, rel: &Path, to: &Path) -> Result<()> {
        let old = inside(&self.root, rel)?;
        if let Some(dir) = to.parent() {
            crate::fs::create_dir_all(dir)?;
        }
        if std::fs::hard_link(&old, to).is_ok() {
            return Ok(());
        }
        crate::fs::copy(&old, to)
    }

    /// Whether the old site's `rel` holds exactly `contents`. Lengths are compared first, so
    /// only a file that may be the same is read.
    fn holds(&self, rel: &Path, contents: &Contents) -> bool {
        let Some(len) = self.files.get(rel).map(|s| s.len) else {
            return false;
        };
        let Ok(old) = inside(&self.root, rel) else {
            return false;
        };
        match contents {
            Contents::Bytes(bytes) => {
                bytes.len() as u64 == len && std::fs::read(&old).is_ok_and(|b| b == *bytes)
            }
            // A copy also carries its source's permissions.
            Contents::CopyOf(from) => {
                let (Ok(src), Ok(dst)) = (std::fs::metadata(from), std::fs::metadata(&old)) else {
                    return false;
                };
                src.len() == len
                    && src.permissions() == dst.permissions()
                    && same_bytes(from, &old).unwrap_or(false)
            }
        }
    }
}

/// Whether two files hold the same bytes, read in blocks so a large copied file is never held
/// whole.
fn same_bytes(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut a, mut b) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    let (mut x, mut y) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(b.read(&mut y[..1])? == 0);
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

/// Replaces `output` by `staged`, atomically where the platform can exchange two folders: a
/// reader or a kill sees the old site or the new one, never none. Elsewhere (or when the file
/// system refuses) the old site is renamed aside first; a kill between the two renames leaves
/// it there, marked, and the next build puts it back before anything else.
fn swap_in(staged: &Path, output: &Path, parent: &Path, name: &str) -> Result<()> {
    let cleanup = |e: Error| {
        let _ = remove_marked(staged);
        e
    };
    if std::fs::symlink_metadata(output).is_err() {
        return crate::fs::rename(staged, output).map_err(cleanup);
    }
    // A site from before the marker (see `is_legacy_site`) is marked now, so the copy set
    // aside below is one the next build may remove.
    mark(output).map_err(cleanup)?;
    match exchange(staged, output) {
        Ok(true) => return remove_marked(staged),
        Ok(false) => {}
        Err(e) => return Err(cleanup(Error::io(output, e))),
    }
    let old = tempfile::Builder::new()
        .prefix(&format!(".{name}.old-"))
        .tempdir_in(parent)
        .map_err(|e| cleanup(Error::io(parent, e)))?
        .keep();
    let old_site = old.join("site");
    let renamed = mark(&old).and_then(|()| crate::fs::rename(output, &old_site));
    if let Err(e) = renamed {
        let _ = remove_marked(&old);
        return Err(cleanup(e));
    }
    if let Err(e) = crate::fs::rename(staged, output) {
        let _ = std::fs::rename(&old_site, output);
        let _ = remove_marked(&old);
        return Err(cleanup(e));
    }
    remove_marked(&old)
}

/// Exchanges two folders in one step. `Ok(false)`: this platform or file system cannot.
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        const UNSUPPORTED: [Errno; 4] =
            [Errno::INVAL, Errno::NOSYS, Errno::NOTSUP, Errno::OPNOTSUPP];
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(e) if UNSUPPORTED.contains(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// Clears what killed builds left beside `output`: staging folders and old sites named after
/// it. Only folders holding the marker are removed (and empty ones, which hold nothing); a
/// look-alike the user made is left alone. A missing `output` whose old site was set aside
/// gets it back first.
fn remove_leftovers(parent: &Path, name: &str, output: &Path) -> Result<()> {
    let (new, old) = (format!(".{name}.new-"), format!(".{name}.old-"));
    let entries = std::fs::read_dir(parent).map_err(|e| Error::io(parent, e))?;
    let mut leftovers: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(parent, e))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && (file_name.starts_with(&new) || file_name.starts_with(&old)) {
            leftovers.push(entry.path());
        }
    }
    leftovers.sort();
    if std::fs::symlink_metadata(output).is_err()
        && let Some(old_dir) = leftovers.iter().find(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&old))
                && is_marked(d)
                && is_marked(&d.join("site"))
        })
    {
        crate::fs::rename(&old_dir.join("site"), output)?;
    }
    for dir in &leftovers {
        if is_marked(dir) {
            remove_marked(dir)?;
        } else {
            // Empty: a build killed between making the folder and marking it.
            let _ = std::fs::remove_dir(dir);
        }
    }
    Ok(())
}

/// Removes a folder quire made, its marker last: a removal cut short still leaves a marked
/// folder (or an empty one) for the next build to finish. Refuses an unmarked folder.
fn remove_marked(dir: &Path) -> Result<()> {
    if !is_marked(dir) {
        return match std::fs::remove_dir(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(dir, e)),
            _ => Ok(()),
        };
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name() == MARKER {
            continue;
        }
        let path = entry.path();
        // `file_type` does not follow symlinks: a link is removed, never what it points to.
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(&path, e))?;
    }
    let marker = dir.join(MARKER);
    std::fs::remove_file(&marker).map_err(|e| Error::io(&marker, e))?;
    std::fs::remove_dir(dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_a_folder_or_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        crate::fs::write(&root.join("static/robots.txt"), "r").unwrap();
        crate::fs::write(&root.join("images/a.png"), "png").unwrap();
        let copies = [
            Copy {
                from: root.join("static"),
                to: PathBuf::new(),
            },
            Copy {
                from: root.join("images/a.png"),
                to: "images/a.png".into(),
            },
        ];
        let listed = list_copies(&copies).unwrap();
        let paths: Vec<&Path> = listed.files.iter().map(|c| c.path.as_path()).collect();
        assert_eq!(paths, [Path::new("images/a.png"), Path::new("robots.txt")]);
        assert!(copies[0].provides(Path::new("robots.txt")));
        assert!(copies[1].provides(Path::new("images/a.png")));
        for (copy, not) in [(0, "sitemap.xml"), (1, "images"), (1, "images/b.png")] {
            assert!(!copies[copy].provides(Path::new(not)), "{not}");
        }
        // A file where a folder is expected has no place in the output.
        let misplaced = Copy {
            from: root.join("images/a.png"),
            to: PathBuf::new(),
        };
        assert!(list_copies(&[misplaced]).unwrap().files.is_empty());
    }

    fn file(p: &str, c: &str) -> OutputFile {
        OutputFile {
            path: p.into(),
            contents: c.as_bytes().to_vec(),
        }
    }

    /// `write_site` with generated files only and no progress bar.
    fn write_files(out: &Path, files: &[OutputFile]) -> Result<()> {
        write_site(
            out,
            &Previous::of(out),
            files,
            &[],
            &CopiedFiles::default(),
            &Progress::hidden(),
        )
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn refuses_to_write_over_sources() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("site");
        std::fs::create_dir_all(src.join("posts")).unwrap();
        assert!(check_output_dir(&src, &src).is_err());
        assert!(check_output_dir(&src, dir.path()).is_err());
        assert!(check_output_dir(&src, &src.join("posts/out")).is_err());
        assert!(check_output_dir(&src, &src.join("_site")).is_ok());
        assert!(check_output_dir(&src, &src.join("x/../_site")).is_ok());
        assert!(check_output_dir(&src, Path::new("/")).is_err());
    }

    #[test]
    fn compares_real_paths_not_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("site/posts")).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(real.join("site"), &link).unwrap();
        let e = check_output_dir(&link, &real).unwrap_err().to_string();
        assert!(e.contains("contains the source folder"), "{e}");
        // The output's own spelling through a link to the source's posts/.
        std::os::unix::fs::symlink(real.join("site/posts"), dir.path().join("p")).unwrap();
        let e = check_output_dir(&link, &dir.path().join("p/out"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("inside the source folder posts/"), "{e}");
    }

    #[test]
    fn replaces_only_missing_empty_or_marked_folders() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("site");
        std::fs::create_dir_all(&src).unwrap();
        let out = dir.path().join("out");
        assert!(check_output_dir(&src, &out).is_ok(), "missing");
        std::fs::create_dir(&out).unwrap();
        assert!(check_output_dir(&src, &out).is_ok(), "empty");
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let e = check_output_dir(&src, &out).unwrap_err().to_string();
        assert!(e.contains("quire did not make it"), "{e}");
        std::fs::write(out.join(MARKER), MARKER_TEXT).unwrap();
        assert!(check_output_dir(&src, &out).is_ok(), "marked");

        let f = dir.path().join("file");
        std::fs::write(&f, "x").unwrap();
        let e = check_output_dir(&src, &f).unwrap_err().to_string();
        assert!(e.contains("is a file"), "{e}");

        let git = dir.path().join("repo/.git");
        std::fs::create_dir_all(&git).unwrap();
        for p in [git.clone(), git.join("objects")] {
            let e = check_output_dir(&src, &p).unwrap_err().to_string();
            assert!(e.contains(".git"), "{e}");
        }
        // A marked folder that holds a repository is still refused.
        std::fs::write(dir.path().join("repo").join(MARKER), MARKER_TEXT).unwrap();
        let e = check_output_dir(&src, &dir.path().join("repo"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(".git"), "{e}");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&out, &link).unwrap();
        let e = check_output_dir(&src, &link).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
    }

    #[test]
    fn an_unmarked_site_from_an_older_quire_is_replaced_only_at_the_default_place() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("site");
        for out in [src.join("_site"), dir.path().join("elsewhere")] {
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join("index.html"), "old").unwrap();
            std::fs::write(out.join(".nojekyll"), "").unwrap();
        }
        assert!(check_output_dir(&src, &src.join("_site")).is_ok());
        assert!(check_output_dir(&src, &dir.path().join("elsewhere")).is_err());
        std::fs::remove_file(src.join("_site/.nojekyll")).unwrap();
        assert!(check_output_dir(&src, &src.join("_site")).is_err());
    }

    #[test]
    fn swaps_in_new_site_and_replaces_old() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("_site");
        write_files(&out, &[file("a.html", "1"), file("old.html", "x")]).unwrap();
        assert!(is_marked(&out));
        write_files(&out, &[file("a.html", "2")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "2");
        assert!(!out.join("old.html").exists());
        assert!(is_marked(&out));
        assert_eq!(names(dir.path()), ["_site"], "staging folders must be gone");
    }

    #[test]
    fn exchange_swaps_two_folders() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        crate::fs::write(&a.join("x"), "a").unwrap();
        crate::fs::write(&b.join("x"), "b").unwrap();
        if !exchange(&a, &b).unwrap() {
            eprintln!("no atomic exchange on this file system; the fallback is tested below");
            return;
        }
        assert_eq!(std::fs::read_to_string(a.join("x")).unwrap(), "b");
        assert_eq!(std::fs::read_to_string(b.join("x")).unwrap(), "a");
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed_and_look_alikes_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("_site");
        write_files(&out, &[file("a.html", "1")]).unwrap();
        // What kills leave: a marked staging folder, an old site set aside, an empty folder.
        for (d, marked) in [
            ("._site.new-k1", true),
            ("._site.old-k2", true),
            ("._site.new-k3", false),
        ] {
            std::fs::create_dir_all(dir.path().join(d).join("site")).unwrap();
            if marked {
                mark(&dir.path().join(d)).unwrap();
            } else {
                std::fs::remove_dir(dir.path().join(d).join("site")).unwrap();
            }
        }
        // What the user made and only looks like them.
        crate::fs::write(&dir.path().join("._site.new-mine/keep.txt"), "mine").unwrap();
        crate::fs::write(&dir.path().join(".quire-old-abc/site/keep.txt"), "mine").unwrap();
        write_files(&out, &[file("a.html", "2")]).unwrap();
        assert_eq!(
            names(dir.path()),
            ["._site.new-mine", ".quire-old-abc", "_site"]
        );
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "2");
    }

    #[test]
    fn an_old_site_set_aside_by_a_killed_fallback_swap_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("_site");
        write_files(&out, &[file("a.html", "old")]).unwrap();
        // The fallback swap killed between its renames: the old site sits aside, no output.
        let old = dir.path().join("._site.old-k");
        std::fs::create_dir(&old).unwrap();
        mark(&old).unwrap();
        std::fs::rename(&out, old.join("site")).unwrap();
        // A build that fails writing keeps what was there: the old site, back in place.
        let bad = write_files(&out, &[file("../x.html", "new")]);
        assert!(bad.is_err());
        assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "old");
        assert_eq!(names(dir.path()), ["_site"]);
    }

    #[test]
    fn writers_refuse_paths_that_leave_the_folder() {
        let root = Path::new("/out");
        assert!(inside(root, Path::new("a/b.html")).is_ok());
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "./a"] {
            assert!(inside(root, Path::new(bad)).is_err(), "{bad}");
        }
    }
}
