//! Finds post files under `posts/` and reads them. Nothing here knows about YAML or Markdown.

use std::path::{Path, PathBuf};

use crate::error::{Result, collect_all};

pub const POSTS_DIR: &str = "posts";
pub const DRAFTS_DIR: &str = "_drafts";
/// Stand-alone pages (About, …), Markdown like posts but without dates.
pub const PAGES_DIR: &str = "pages";

/// A post file as read from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the site root (`posts/2018-12-31-x.md`): what messages show.
    pub rel: PathBuf,
    /// Where quire's layout has the file: `rel` itself, but for a Jekyll folder built as it
    /// is, where `_posts/x.md` stands for `posts/x.md` and `about.md` for `pages/about.md`
    /// (`jekyll::tree`). What a file is (a draft) and a page's URL follow from this.
    pub placed: PathBuf,
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
    // Followed only inside the site: a link to `~/notes` would publish all of it (Jekyll
    // leaves such links out too).
    let links = crate::fs::LinksInside::new(root)?;
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !skip(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| crate::fs::walk_error(&dir, e))?;
        if entry.path_is_symlink() {
            links.target(entry.path())?;
        }
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

/// Folders at the site root that hold no Markdown for quire to read: its own inputs that are
/// templates or copied as they are.
const SITE_FOLDERS: &[&str] = &["templates", "static", crate::gifs::GIF_DIR];

/// Folders, at any depth, that belong to the code or tooling of a repository, not to the site:
/// build output, dependencies, and a Rust or JavaScript project's source, tests and examples.
const REPOSITORY_FOLDERS: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "src",
    "tests",
    "test",
    "benches",
    "examples",
    "fuzz",
];

/// Jekyll's folders for posts and drafts: Markdown there is reported with a pointer to quire's.
const JEKYLL_FOLDERS: &[&str] = &["_posts", DRAFTS_DIR];

/// Markdown files under `root` that the build does not read, sorted, for a warning each: a file
/// someone may expect to become a page but that quire never looks at. Not reported: `posts/`
/// and `pages/`; quire's other folders (`templates/`, `static/`, `gif/`); hidden folders and
/// those starting with `_` (`.git`, `_site`, …), except Jekyll's `_posts/` and `_drafts/` at
/// the root; a folder holding a quire output (a `--output` inside the site); the folders of a
/// code repository ([`REPOSITORY_FOLDERS`]); and repository documents ([`is_repository_doc`]).
/// Symbolic links are not followed. A folder that cannot be read is passed over: this only
/// warns.
pub fn stray_markdown(root: &Path) -> Vec<PathBuf> {
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            let top = e.depth() == 1;
            if top && JEKYLL_FOLDERS.contains(&name.as_ref()) {
                return true;
            }
            !(name.starts_with('.')
                || name.starts_with('_')
                || (top && [POSTS_DIR, PAGES_DIR].contains(&name.as_ref()))
                || (top && SITE_FOLDERS.contains(&name.as_ref()))
                || REPOSITORY_FOLDERS.contains(&name.as_ref())
                || e.path().join(crate::output::MARKER).is_file())
        });
    walker
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_type().is_file()
                && is_markdown(e.path())
                && !is_repository_doc(&e.file_name().to_string_lossy())
        })
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

/// Whether a Markdown file is Jekyll's post or draft (`_posts/…`, `_drafts/…` at the root),
/// which quire reads from `posts/` and `posts/_drafts/` instead.
pub fn is_in_jekyll_folder(rel: &Path) -> bool {
    rel.components()
        .next()
        .is_some_and(|c| JEKYLL_FOLDERS.iter().any(|f| c.as_os_str() == *f))
}

/// A repository's own document rather than site content: a name in capitals, as repositories
/// name theirs (`README.md`, `CHANGELOG.md`, `ARCHITECTURE.md`, `CODE_OF_CONDUCT.md`,
/// `README.zh-CN.md`), or one of the usual ones in any case (`readme.md`, `License.md`).
pub fn is_repository_doc(file_name: &str) -> bool {
    let base = file_name.split('.').next().unwrap_or_default();
    let capitals = base.bytes().any(|b| b.is_ascii_uppercase())
        && base
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    capitals
        || [
            "readme",
            "changelog",
            "changes",
            "history",
            "license",
            "licence",
            "copying",
            "contributing",
            "code_of_conduct",
            "code-of-conduct",
            "security",
            "authors",
            "notice",
            "support",
        ]
        .contains(&base.to_ascii_lowercase().as_str())
}

/// Reads the listed files in parallel; every unreadable file is reported, not just the first.
pub fn read_all(root: &Path, rels: Vec<PathBuf>) -> Result<Vec<Source>> {
    read_all_placed(root, rels.into_iter().map(|r| (r.clone(), r)).collect())
}

/// As [`read_all`], for files standing where quire's layout does not have them: each is
/// `(rel, placed)` (see [`Source::placed`]).
pub fn read_all_placed(root: &Path, files: Vec<(PathBuf, PathBuf)>) -> Result<Vec<Source>> {
    use rayon::prelude::*;
    collect_all(
        files
            .into_par_iter()
            .map(|(rel, placed)| read(root, rel, placed))
            .collect(),
    )
}

/// One file of [`read_all_placed`].
pub fn read(root: &Path, rel: PathBuf, placed: PathBuf) -> Result<Source> {
    let text = crate::fs::read_to_string(&root.join(&rel)).map_err(|e| match e {
        crate::error::Error::Io { source, .. } => crate::error::Error::Io {
            path: rel.clone(),
            source,
        },
        other => other,
    })?;
    Ok(placed_source(rel, placed, text))
}

/// A post file's text as [`read`] makes it a [`Source`]: the byte order mark dropped, draft or
/// not from its folder. Public so the fuzz targets take the same path without the disk.
pub fn source(rel: PathBuf, text: String) -> Source {
    placed_source(rel.clone(), rel, text)
}

/// As [`source`], for a file that quire's layout has at `placed`.
pub fn placed_source(rel: PathBuf, placed: PathBuf, text: String) -> Source {
    let draft = placed
        .strip_prefix(POSTS_DIR)
        .is_ok_and(|p| p.starts_with(DRAFTS_DIR));
    let text = text
        .strip_prefix('\u{feff}')
        .map(String::from)
        .unwrap_or(text);
    Source {
        rel,
        placed,
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

    #[test]
    fn stray_markdown_skips_site_repository_and_hidden_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "posts/2020-01-01-a.md",
            "posts/_drafts/b.md",
            "pages/about.md",
            "templates/x.md",
            "static/raw.md",
            "gif/x.md",
            "_site/x.md",
            ".git/x.md",
            ".github/ISSUE_TEMPLATE/bug.md",
            "node_modules/pkg/readme.md",
            "node_modules/pkg/docs/guide.md",
            "target/doc/x.md",
            "fuzz/seeds/post/x.md",
            "tests/fixtures/posts/2020-01-01-x.md",
            "out/.quire-output",
            "out/copied.md",
            "README.md",
            "ARCHITECTURE.md",
            "fuzz/README.md",
            "docs/README.zh-CN.md",
            "docs/License.md",
            // Reported:
            "about.md",
            "notes/x.md",
            "notes/deep/y.markdown",
            "_posts/2020-01-01-jekyll.md",
            "_drafts/idea.md",
            "notes/z.txt",
        ] {
            crate::fs::write(&root.join(f), "x").unwrap();
        }
        let found: Vec<String> = stray_markdown(root)
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect();
        assert_eq!(
            found,
            [
                "_drafts/idea.md",
                "_posts/2020-01-01-jekyll.md",
                "about.md",
                "notes/deep/y.markdown",
                "notes/x.md",
            ]
        );
        assert!(is_in_jekyll_folder(Path::new(
            "_posts/2020-01-01-jekyll.md"
        )));
        assert!(!is_in_jekyll_folder(Path::new("notes/_posts/x.md")));
    }

    #[test]
    fn repository_docs_are_named_in_capitals_or_conventionally() {
        for doc in [
            "README.md",
            "CHANGELOG.md",
            "CODE_OF_CONDUCT.md",
            "AGENTS.md",
            "README.zh-CN.md",
            "readme.md",
            "License.markdown",
            "contributing.md",
        ] {
            assert!(is_repository_doc(doc), "{doc}");
        }
        for page in [
            "about.md",
            "Notes.md",
            "2020-01-01-x.md",
            "x.md",
            "README-draft.md",
        ] {
            assert!(!is_repository_doc(page), "{page}");
        }
    }
}
