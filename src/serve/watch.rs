//! File-system events → the few kinds of change a site has, and batches of them.
//!
//! Only `posts/`, `pages/`, `templates/`, `static/` and `gif/` are watched (recursively), plus the
//! site folder itself without recursion for `site.toml`, `macros.tex` and for those folders
//! appearing (and, when `[math] macros_file` puts the macros elsewhere, that file's folder,
//! without recursion). Watching
//! the whole site folder would also watch `_site/`, `.git/` or a `target/` that happens to sit
//! there: thousands of folders, and a rebuild whenever `quire build` runs beside the server.
//!
//! Batching is done here rather than with a debouncing crate because the preview's latency
//! budget is a few tens of milliseconds, and the one rule needed is simple: after the first
//! event, wait until the events stop for a moment (an editor's save is a burst of
//! create/write/rename within a millisecond or two), but never longer than a cap.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Error, Result};

/// The folders whose contents are watched, recursively.
pub const WATCHED_DIRS: [&str; 5] = ["posts", "pages", "templates", "static", "gif"];

/// What changed, by what it means for the site. Paths are relative to the site folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Config,
    /// The shared macros file (or a folder on its way).
    Macros(PathBuf),
    Post(PathBuf),
    /// A standalone page under `pages/`.
    Page(PathBuf),
    Template(PathBuf),
    Static(PathBuf),
    Gif(PathBuf),
    /// Any file of a Jekyll site read as it is (`_posts/`, `_includes/`, pages, assets,
    /// `_config.yml`): its folders are not quire's, so any change rebuilds (from the caches).
    Jekyll(PathBuf),
    /// Not a file: the search index made in the background is ready to be written.
    SearchIndex,
}

impl Change {
    pub fn path(&self) -> &Path {
        match self {
            Change::Config => Path::new(CONFIG_FILE),
            Change::SearchIndex => Path::new("the new search index"),
            Change::Macros(p)
            | Change::Post(p)
            | Change::Page(p)
            | Change::Template(p)
            | Change::Static(p)
            | Change::Gif(p)
            | Change::Jekyll(p) => p,
        }
    }
}

/// What an event means for the site, or `None` if nothing a build reads can have changed:
/// reads, metadata-only changes (`touch`, `chmod`), editor swap and backup files, hidden files,
/// and files beside `site.toml` that are not part of the site. `macros` is the macros file,
/// relative to `root`. `jekyll`: the site is a Jekyll site read as it is (see
/// [`crate::jekyll::config::is_jekyll_layout`]).
pub fn classify(
    root: &Path,
    macros: &Path,
    jekyll: bool,
    kind: &EventKind,
    path: &Path,
) -> Option<Change> {
    match kind {
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => return None,
        _ => {}
    }
    let rel = path.strip_prefix(root).ok()?;
    if rel == macros {
        return Some(Change::Macros(rel.to_path_buf()));
    }
    let mut parts = rel.components().map(|c| c.as_os_str().to_str());
    let top = parts.next()??;
    if rel
        .components()
        .any(|c| is_ignored_name(&c.as_os_str().to_string_lossy()))
    {
        return None;
    }
    let rel = rel.to_path_buf();
    if jekyll {
        let read = !crate::jekyll::tree::is_moot(top) && !top.starts_with('_')
            || crate::jekyll::tree::is_read_folder(top);
        return (read || top == crate::jekyll::config::JEKYLL_CONFIG_FILE)
            .then_some(Change::Jekyll(rel));
    }
    // A bibliography may be anywhere the site names it; like `site.toml`, it is read by every
    // post that cites, so it reloads the whole site.
    if rel.extension().is_some_and(|e| e == "bib") {
        return Some(Change::Config);
    }
    match top {
        CONFIG_FILE if rel.components().count() == 1 => Some(Change::Config),
        "posts" | "pages" => {
            // Post and page files are Markdown; a path without an extension may be a folder of
            // them.
            let ext = rel.extension().and_then(|e| e.to_str());
            matches!(ext, None | Some("md" | "markdown")).then_some(if top == "posts" {
                Change::Post(rel)
            } else {
                Change::Page(rel)
            })
        }
        "templates" => Some(Change::Template(rel)),
        "static" => Some(Change::Static(rel)),
        "gif" => Some(Change::Gif(rel)),
        // A folder on the way to the macros file, created or replaced.
        _ if macros.starts_with(&rel) => Some(Change::Macros(rel)),
        _ => None,
    }
}

/// Hidden files, and the files editors write beside the one being saved: Vim's `.swp`, `~`
/// backups and `4913` probe, Emacs' `#autosave#`, Kate's `.kate-swp`, and generic `.tmp`.
fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp", ".kate-swp"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// Waits for a change, then gathers the rest of its burst: until nothing arrives for `quiet`,
/// or `cap` after the first. `None` once the sender is gone. Sorted, without repeats.
pub async fn next_batch(
    rx: &mut mpsc::UnboundedReceiver<Change>,
    quiet: Duration,
    cap: Duration,
) -> Option<Vec<Change>> {
    let first = rx.recv().await?;
    let deadline = tokio::time::Instant::now() + cap;
    let mut batch = vec![first];
    loop {
        let wait = quiet.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, rx.recv()).await {
            Ok(Some(change)) => batch.push(change),
            Ok(None) | Err(_) => break,
        }
    }
    batch.sort();
    batch.dedup();
    Some(batch)
}

/// The notify watcher over a site's folders, sending [`Change`]s.
pub struct SourceWatcher {
    root: PathBuf,
    watcher: RecommendedWatcher,
    /// The macros file as `site.toml` names it (relative to `root`), shared with the event
    /// handler; read again whenever `site.toml` changes.
    macros: Arc<RwLock<PathBuf>>,
    /// The folder watched for it besides those above, if any.
    macros_dir: Option<PathBuf>,
    /// Where changes go, for changes that are not files' (see [`Self::sender`]).
    changes: mpsc::UnboundedSender<Change>,
    /// A Jekyll site read as it is: its top-level folders are watched instead of quire's.
    jekyll: bool,
}

/// The macros file `site.toml` names now; the default while `site.toml` cannot be read (the
/// build reports why).
fn macros_file(root: &Path) -> PathBuf {
    let config = Config::load(root).unwrap_or_default();
    PathBuf::from(crate::site::macros_file(&config.math))
}

impl SourceWatcher {
    pub fn start(root: &Path) -> Result<(SourceWatcher, mpsc::UnboundedReceiver<Change>)> {
        // Events carry absolute paths; so must the root they are compared with.
        let root = std::path::absolute(root).map_err(|e| Error::io(root, e))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let changes = tx.clone();
        let event_root = root.clone();
        let macros = Arc::new(RwLock::new(macros_file(&root)));
        let event_macros = Arc::clone(&macros);
        // Read once: a preview started on a Jekyll site previews it as one.
        let jekyll = crate::jekyll::config::is_jekyll_layout(&root);
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            let Ok(event) = res else { return };
            let macros = event_macros.read().map(|m| m.clone()).unwrap_or_default();
            for path in &event.paths {
                if let Some(change) = classify(&event_root, &macros, jekyll, &event.kind, path) {
                    // The receiver is gone only while the server shuts down.
                    let _ = tx.send(change);
                }
            }
        })
        .map_err(|e| watch_error(&root, e))?;
        let mut w = SourceWatcher {
            root,
            watcher,
            macros,
            macros_dir: None,
            changes,
            jekyll,
        };
        w.watcher
            .watch(&w.root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(&w.root, e))?;
        for dir in w.watched_dirs() {
            w.rewatch(&dir)?;
        }
        w.rewatch_macros()?;
        Ok((w, rx))
    }

    /// Watches again any of the watched folders that a batch shows was created (or replaced):
    /// a watch is on a folder, not on its name. After a change to `site.toml` or on the way to
    /// the macros file, follows the macros file to where `site.toml` now puts it.
    /// A way to add a change to the stream this watcher feeds, from any thread.
    pub fn sender(&self) -> mpsc::UnboundedSender<Change> {
        self.changes.clone()
    }

    pub fn refresh(&mut self, batch: &[Change]) -> Result<()> {
        for dir in self.watched_dirs() {
            if batch.iter().any(|c| c.path() == Path::new(&dir)) {
                self.rewatch(&dir)?;
            }
        }
        if batch
            .iter()
            .any(|c| matches!(c, Change::Config | Change::Macros(_)))
        {
            let now = macros_file(&self.root);
            if let Ok(mut m) = self.macros.write() {
                *m = now;
            }
            self.rewatch_macros()?;
        }
        Ok(())
    }

    /// Watches the macros file's folder when no other watch covers it: not the site folder
    /// itself, nor inside one of [`WATCHED_DIRS`].
    fn rewatch_macros(&mut self) -> Result<()> {
        let file = self.macros.read().map(|m| m.clone()).unwrap_or_default();
        let dir = file.parent().filter(|d| {
            !d.as_os_str().is_empty() && !WATCHED_DIRS.iter().any(|w| d.starts_with(w))
        });
        if let Some(old) = self.macros_dir.take() {
            let _ = self.watcher.unwatch(&self.root.join(old));
        }
        if let Some(dir) = dir.filter(|d| self.root.join(d).is_dir()) {
            let path = self.root.join(dir);
            self.watcher
                .watch(&path, RecursiveMode::NonRecursive)
                .map_err(|e| watch_error(&path, e))?;
            self.macros_dir = Some(dir.to_path_buf());
        }
        Ok(())
    }

    /// The folders watched recursively: [`WATCHED_DIRS`], or for a Jekyll site each
    /// top-level folder it reads (not `_site/`, hidden folders, Jekyll's machinery or a
    /// folder holding a quire output).
    fn watched_dirs(&self) -> Vec<String> {
        if !self.jekyll {
            return WATCHED_DIRS.iter().map(|d| d.to_string()).collect();
        }
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.path().join(crate::output::MARKER).is_file())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|name| {
                !is_ignored_name(name)
                    && !crate::jekyll::tree::is_moot(name)
                    && (!name.starts_with('_') || crate::jekyll::tree::is_read_folder(name))
            })
            .collect()
    }

    fn rewatch(&mut self, dir: &str) -> Result<()> {
        let path = self.root.join(dir);
        let _ = self.watcher.unwatch(&path);
        if path.is_dir() {
            self.watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&path, e))?;
        }
        Ok(())
    }
}

fn watch_error(path: &Path, e: notify::Error) -> Error {
    let hint = match &e.kind {
        notify::ErrorKind::MaxFilesWatch => {
            " (raise fs.inotify.max_user_watches, or close other programs that watch files)"
        }
        _ => "",
    };
    Error::System(format!("cannot watch {}: {e}{hint}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode};

    #[test]
    fn a_jekyll_sites_files_are_changes_and_its_machinery_is_not() {
        let root = Path::new("/site");
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        let jekyll = |p: &str| classify(root, Path::new("macros.tex"), true, &write, Path::new(p));
        for changed in [
            "/site/_config.yml",
            "/site/_posts/2019-01-01-a.md",
            "/site/_drafts/b.md",
            "/site/_includes/note.html",
            "/site/about.md",
            "/site/assets/css/main.css",
            "/site/refs.bib",
        ] {
            let rel = changed.strip_prefix("/site/").unwrap();
            assert_eq!(
                jekyll(changed),
                Some(Change::Jekyll(rel.into())),
                "{changed}"
            );
        }
        for ignored in [
            "/site/_site/index.html",
            "/site/_layouts/post.html",
            "/site/.jekyll-cache/x",
            "/site/.quire-cache/serve/0/site/index.html",
            "/site/node_modules/a/b.js",
            "/site/_posts/.a.md.swp",
        ] {
            assert_eq!(jekyll(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn events_are_classified_by_what_they_mean() {
        let root = Path::new("/site");
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        let create = EventKind::Create(CreateKind::File);
        let remove = EventKind::Remove(RemoveKind::File);
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        let post = |p: &str| Some(Change::Post(PathBuf::from(p)));
        #[rustfmt::skip]
        let table: &[(&EventKind, &str, Option<Change>)] = &[
            (&write,  "/site/site.toml",                   Some(Change::Config)),
            (&write,  "/site/macros.tex",                  Some(Change::Macros("macros.tex".into()))),
            (&write,  "/site/other.tex",                   None),
            (&write,  "/site/tex/macros.tex",              None),
            (&write,  "/site/posts/2020-01-01-a.md",       post("posts/2020-01-01-a.md")),
            (&create, "/site/posts/_drafts/b.markdown",    post("posts/_drafts/b.markdown")),
            (&remove, "/site/posts/2020-01-01-a.md",       post("posts/2020-01-01-a.md")),
            (&rename, "/site/posts/2020",                  post("posts/2020")),
            (&create, "/site/posts",                       post("posts")),
            (&write,  "/site/posts/notes.txt",             None),
            (&write,  "/site/posts/.2020-01-01-a.md.swp",  None),
            (&write,  "/site/posts/2020-01-01-a.md~",      None),
            (&create, "/site/posts/4913",                  None),
            (&write,  "/site/posts/#a.md#",                None),
            (&write,  "/site/posts/.obsidian/x.md",        None),
            (&write,  "/site/pages/about.md",              Some(Change::Page("pages/about.md".into()))),
            (&write,  "/site/pages/about.md~",             None),
            (&write,  "/site/templates/post.html",         Some(Change::Template("templates/post.html".into()))),
            (&write,  "/site/templates/quire.css",         Some(Change::Template("templates/quire.css".into()))),
            (&create, "/site/static/img/a.png",            Some(Change::Static("static/img/a.png".into()))),
            (&write,  "/site/gif/animations.toml",         Some(Change::Gif("gif/animations.toml".into()))),
            (&write,  "/site/_site/index.html",            None),
            (&write,  "/site/.quire-cache/katex/ab",       None),
            (&write,  "/site/README.md",                   None),
            (&write,  "/site/references.bib",              Some(Change::Config)),
            (&write,  "/site/posts/more.bib",              Some(Change::Config)),
            (&write,  "/site/sub/site.toml",               None),
            (&write,  "/elsewhere/site.toml",              None),
            (&EventKind::Access(AccessKind::Any), "/site/posts/a.md", None),
            (&EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)), "/site/posts/a.md", None),
            (&EventKind::Any, "/site/site.toml",           Some(Change::Config)),
        ];
        for (kind, path, want) in table {
            assert_eq!(
                &classify(root, Path::new("macros.tex"), false, kind, Path::new(path)),
                want,
                "{kind:?} {path}"
            );
        }
    }

    /// `[math] macros_file` elsewhere: that file (hidden or not) and the folders on its way.
    #[test]
    fn a_configured_macros_file_is_a_change_of_its_own() {
        let root = Path::new("/site");
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        let create = EventKind::Create(CreateKind::Folder);
        let macros = |p: &str| Some(Change::Macros(PathBuf::from(p)));
        #[rustfmt::skip]
        let table: &[(&Path, &EventKind, &str, Option<Change>)] = &[
            (Path::new("tex/m.tex"),        &write,  "/site/tex/m.tex",        macros("tex/m.tex")),
            (Path::new("tex/m.tex"),        &create, "/site/tex",              macros("tex")),
            (Path::new("tex/m.tex"),        &write,  "/site/tex/other.tex",    None),
            (Path::new("tex/m.tex"),        &write,  "/site/macros.tex",       None),
            (Path::new(".tex/m.tex"),       &write,  "/site/.tex/m.tex",       macros(".tex/m.tex")),
            (Path::new("static/m.tex"),     &write,  "/site/static/m.tex",     macros("static/m.tex")),
            (Path::new("static/m.tex"),     &write,  "/site/static/a.png",     Some(Change::Static("static/a.png".into()))),
            (Path::new("posts/m.tex"),      &create, "/site/posts",            Some(Change::Post("posts".into()))),
        ];
        for (file, kind, path, want) in table {
            assert_eq!(
                &classify(root, file, false, kind, Path::new(path)),
                want,
                "{file:?} {path}"
            );
        }
    }

    #[tokio::test]
    async fn a_burst_is_one_sorted_batch_without_repeats() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for c in [
            Change::Template("templates/b.html".into()),
            Change::Config,
            Change::Template("templates/b.html".into()),
        ] {
            tx.send(c).unwrap();
        }
        drop(tx);
        let batch = next_batch(&mut rx, Duration::from_millis(50), Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(
            batch,
            [Change::Config, Change::Template("templates/b.html".into())]
        );
        assert_eq!(
            next_batch(&mut rx, Duration::from_millis(50), Duration::from_secs(1)).await,
            None,
            "a closed channel ends the loop"
        );
    }
}
