//! Finds post files under `posts/` and reads them. Nothing here knows about YAML or Markdown.

use std::path::{Path, PathBuf};

use crate::error::{Result, collect_all};

pub const POSTS_DIR: &str = "posts";
pub const DRAFTS_DIR: &str = "_drafts";

/// A post file as read from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the site root (`posts/2018-12-31-x.md`): what messages show.
    pub rel: PathBuf,
    /// Path relative to `posts/`, for Jekyll's `post.path`-like uses.
    pub in_posts: PathBuf,
    pub draft: bool,
    pub text: String,
}

pub fn is_markdown(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("md" | "markdown")
    )
}

/// Lists post files, sorted for deterministic output. `_drafts/` only when asked; other folders
/// starting with `_` or `.` are skipped, as Jekyll does.
pub fn find(root: &Path, drafts: bool) -> Result<Vec<PathBuf>> {
    find_markdown(root, POSTS_DIR, |name| {
        name.starts_with('.') || (name.starts_with('_') && !(drafts && name == DRAFTS_DIR))
    })
}

/// Lists the Markdown files under `pages/` (subfolders allowed; folders and files starting with
/// `_` or `.` skipped), sorted.
pub fn find_pages(root: &Path) -> Result<Vec<PathBuf>> {
    find_markdown(root, super::standalone::PAGES_DIR, |name| {
        name.starts_with('.') || name.starts_with('_')
    })
}

/// The Markdown files under `root/dir`, relative to `root` and sorted, leaving out every entry
/// (and what is inside it) whose name `skip` says.
fn find_markdown(root: &Path, dir: &str, skip: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    let dir = root.join(dir);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !skip(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| crate::fs::walk_error(&dir, e))?;
        if entry.file_type().is_file() && is_markdown(entry.path()) {
            found.push(
                entry
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(entry.path())
                    .to_path_buf(),
            );
        }
    }
    Ok(found)
}

/// Reads the listed files in parallel; every unreadable file is reported, not just the first.
pub fn read_all(root: &Path, rels: Vec<PathBuf>) -> Result<Vec<Source>> {
    use rayon::prelude::*;
    collect_all(rels.into_par_iter().map(|rel| read(root, rel)).collect())
}

pub fn read(root: &Path, rel: PathBuf) -> Result<Source> {
    let text = crate::fs::read_to_string(&root.join(&rel)).map_err(|e| match e {
        crate::error::Error::Io { source, .. } => crate::error::Error::Io {
            path: rel.clone(),
            source,
        },
        other => other,
    })?;
    Ok(source(rel, text))
}

/// A post file's text as [`read`] makes it a [`Source`]: the byte order mark dropped, draft or
/// not from its folder. Public so the fuzz targets take the same path without the disk.
pub fn source(rel: PathBuf, text: String) -> Source {
    let in_posts = rel.strip_prefix(POSTS_DIR).unwrap_or(&rel).to_path_buf();
    let draft = in_posts.starts_with(DRAFTS_DIR);
    let text = text
        .strip_prefix('\u{feff}')
        .map(String::from)
        .unwrap_or(text);
    Source {
        rel,
        in_posts,
        draft,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markdown_recursively_and_drafts_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "posts/2020-01-01-a.md",
            "posts/sub/2020-01-02-b.markdown",
            "posts/_drafts/c.md",
            "posts/notes.txt",
            "posts/.hidden/2020-01-03-d.md",
        ] {
            crate::fs::write(&root.join(f), "x").unwrap();
        }
        let names = |v: Vec<PathBuf>| {
            v.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(find(root, false).unwrap()),
            ["posts/2020-01-01-a.md", "posts/sub/2020-01-02-b.markdown"]
        );
        assert_eq!(find(root, true).unwrap().len(), 3);
    }
}
