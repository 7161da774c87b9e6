//! What each file of a Jekyll site is to quire: a post, a draft, an include, a page, a static
//! file, or something not carried over (and why). Both ways in rest on this one decision:
//! `quire import-jekyll` copies each file to the place [`Entry::to`] names, and the build of a
//! Jekyll folder as it is (`_config.yml`, no `site.toml`) reads each from where it is as if it
//! were there, so the two routes cannot disagree about a file.
//!
//! Jekyll's own reading is followed where quire has something to follow it with: names starting
//! with `_`, `.` or `#` and backups ending in `~` are not published, `exclude` patterns (and
//! Jekyll's default ones) leave a file out, a file with front matter is processed and one
//! without is copied as it is.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::config::JEKYLL_CONFIG_FILE;

/// Jekyll's folder of posts.
pub const POSTS: &str = "_posts";
/// Jekyll's folder of drafts, built only with `--drafts`.
pub const DRAFTS: &str = "_drafts";

/// What a file is in quire's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Post,
    Draft,
    /// An include file for Liquid's `{% include %}`.
    Include,
    /// A Markdown page with front matter: a standalone page.
    Page,
    /// Published as it is.
    Static,
}

/// One file carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// In the Jekyll site, relative to its folder: `_posts/2019-01-01-x.md`, `about.md`.
    pub from: PathBuf,
    /// Where a quire site has it, relative to its folder: `posts/2019-01-01-x.md`,
    /// `pages/about.md`, `static/images/a.png`, `_includes/note.html`.
    pub to: PathBuf,
    pub role: Role,
}

/// A file or folder (`_layouts/`) not carried over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub path: String,
    pub why: String,
}

impl std::fmt::Display for Left {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.why)
    }
}

/// A Jekyll site's files, sorted by path, and what is left behind.
#[derive(Debug, Default)]
pub struct Tree {
    pub entries: Vec<Entry>,
    /// What Jekyll would make something of and quire does not (layouts, Sass, data, plugins,
    /// pages that are not Markdown, symbolic links): warned about by a build, listed by import.
    pub left: Vec<Left>,
    /// What Jekyll does not publish either (`exclude`, hidden files, names starting with `_`,
    /// backups): listed by import, which does not copy them, but no mistake to warn about on
    /// every build.
    pub unpublished: Vec<Left>,
}

/// Folders that move to a place of their own: (Jekyll's, quire's).
const MOVED: &[(&str, &str, Role)] = &[
    (POSTS, "posts", Role::Post),
    (DRAFTS, "posts/_drafts", Role::Draft),
    (super::liquid::INCLUDES_DIR, "_includes", Role::Include),
];

/// Jekyll's own machinery or output, quire's cache and files read elsewhere (`_config.yml`,
/// `CNAME`): nothing of the site's content, and nothing to report.
const MOOT: &[&str] = &[
    "_site",
    ".jekyll-cache",
    ".jekyll-metadata",
    ".sass-cache",
    ".git",
    ".github",
    ".bundle",
    crate::build::CACHE_DIR,
    "vendor",
    "node_modules",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "CNAME",
    JEKYLL_CONFIG_FILE,
];

/// Whether a top-level entry named `name` is one [`Tree::map`] never reads (Jekyll's own
/// machinery or output, quire's cache, files read elsewhere).
pub fn is_moot(name: &str) -> bool {
    MOOT.contains(&name)
}

/// Whether a top-level folder named `name` is one of Jekyll's that [`Tree::map`] reads
/// (`_posts`, `_drafts`, `_includes`), though its name starts with `_`.
pub fn is_read_folder(name: &str) -> bool {
    MOVED.iter().any(|(from, _, _)| *from == name)
}

impl Tree {
    /// Reads the layout of the Jekyll site at `src` (never its contents, but the first line of
    /// a file that may have front matter). `exclude` is `_config.yml`'s; `skip` is a folder
    /// never to look into (import's destination inside the site). A folder holding a quire
    /// output is never read either.
    pub fn map(src: &Path, exclude: &[String], skip: Option<&Path>) -> Result<Tree> {
        let skip = skip.map(real);
        let mut tree = Tree::default();
        let mut walk = walkdir::WalkDir::new(src)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walk.next() {
            let entry = entry.map_err(|e| crate::fs::walk_error(src, e))?;
            let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
            let is_dir = entry.file_type().is_dir();
            match decide(&entry, rel, exclude, skip.as_deref())? {
                Decision::Enter => {}
                Decision::Carry(role, to) => tree.entries.push(Entry {
                    from: rel.to_path_buf(),
                    to,
                    role,
                }),
                other => {
                    if let Decision::Leave { why, quire_only } = other {
                        let slash = if is_dir { "/" } else { "" };
                        let left = Left {
                            path: format!("{}{slash}", self::slash(rel)),
                            why,
                        };
                        if quire_only {
                            tree.left.push(left);
                        } else {
                            tree.unpublished.push(left);
                        }
                    }
                    if is_dir {
                        walk.skip_current_dir();
                    }
                }
            }
        }
        Ok(tree)
    }

    /// The files of one role.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.role == role)
    }
}

/// What becomes of one entry of the Jekyll site.
enum Decision {
    /// Nothing to say: Jekyll's machinery or output, quire's own files.
    Ignore,
    /// A folder to look into.
    Enter,
    /// Not carried over, and whether Jekyll would have made something of it (a warning).
    Leave { why: String, quire_only: bool },
    /// A file with its role and its place in quire's layout.
    Carry(Role, PathBuf),
}

fn leave(why: &str, quire_only: bool) -> Result<Decision> {
    Ok(Decision::Leave {
        why: why.into(),
        quire_only,
    })
}

fn decide(
    entry: &walkdir::DirEntry,
    rel: &Path,
    exclude: &[String],
    skip: Option<&Path>,
) -> Result<Decision> {
    let path = entry.path();
    let name = entry.file_name().to_string_lossy();
    let kind = entry.file_type();
    let top = entry.depth() == 1;
    let quires =
        || path.join(crate::output::MARKER).is_file() || skip.is_some_and(|s| real(path) == s);
    if (top && MOOT.contains(&name.as_ref())) || (kind.is_dir() && quires()) {
        return Ok(Decision::Ignore);
    }
    if excluded(&slash(rel), kind.is_dir(), exclude) {
        return leave("in `exclude`", false);
    }
    if kind.is_symlink() {
        return leave("a symbolic link", true);
    }
    let first = rel.components().next().map(|c| c.as_os_str());
    let moved = MOVED
        .iter()
        .find(|(from, _, _)| first == Some((*from).as_ref()));
    match moved {
        // An include is named by its path, whatever its name.
        Some((_, _, Role::Include)) => {}
        Some(_) if top => {}
        _ if kind.is_dir() && top && name.starts_with('_') => return leave(not_read(&name), true),
        _ => {
            if let Some(why) = unpublished_name(&name) {
                return leave(why, false);
            }
        }
    }
    if kind.is_dir() {
        return Ok(Decision::Enter);
    }
    let Some((from, to, role)) = moved else {
        return page_or_static(path, rel, top);
    };
    if *role != Role::Include && !crate::content::load::is_markdown(rel) {
        return leave(
            &format!("quire reads only Markdown (`.md`, `.markdown`) from {from}/"),
            true,
        );
    }
    let inside = rel.strip_prefix(from).unwrap_or(rel);
    Ok(Decision::Carry(*role, Path::new(to).join(inside)))
}

/// A file outside Jekyll's special folders: a Markdown page when it has front matter (but the
/// home page and the 404 page, which quire writes itself), left out when it has front matter
/// and is not Markdown (Jekyll would run it through Liquid and a layout), static otherwise.
fn page_or_static(path: &Path, rel: &Path, top: bool) -> Result<Decision> {
    if !has_front_matter(path)? {
        return Ok(Decision::Carry(
            Role::Static,
            Path::new(crate::site::STATIC_DIR).join(rel),
        ));
    }
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if top && matches!(stem, "index" | "404") {
        let why = format!("quire writes its own {stem} page (templates/{stem}.html to change it)");
        return leave(&why, true);
    }
    if crate::content::load::is_markdown(rel) {
        let page = Path::new(crate::content::standalone::PAGES_DIR).join(rel.with_extension("md"));
        return Ok(Decision::Carry(Role::Page, page));
    }
    leave(
        "a page that is not Markdown (quire's pages are Markdown)",
        true,
    )
}

/// Why quire does not read one of Jekyll's folders at the top (`_layouts`, …).
fn not_read(name: &str) -> &'static str {
    match name {
        "_layouts" => "layouts are Liquid templates; quire's theme is Tera (templates/)",
        "_sass" => "Sass is not compiled by quire",
        "_data" => "`site.data` is not available",
        "_plugins" => "Ruby plugins do not run",
        _ => "a Jekyll folder quire does not read",
    }
}

/// Why Jekyll publishes nothing of an entry by its name, `None` when it may.
fn unpublished_name(name: &str) -> Option<&'static str> {
    if name.starts_with('.') {
        return Some("hidden: Jekyll does not publish it");
    }
    if name.starts_with(['_', '#', '~']) || name.ends_with('~') {
        return Some("Jekyll publishes no name starting with `_` or `#` or ending in `~`");
    }
    None
}

/// Whether the file starts with a front matter line (`---`), as Jekyll tells a page from a
/// static file. Reads the first line only.
fn has_front_matter(path: &Path) -> Result<bool> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(head.contains(&b'\n') && line.trim_ascii_end() == b"---")
}

/// Jekyll's reading of `exclude`: a pattern leaves out an entry whose path from the site's
/// folder it matches as a glob (`*` and `?`, `*` crossing `/` as Ruby's `fnmatch` without
/// flags) or begins (Jekyll compares the strings: `notes` also leaves out `notes.txt`), or a
/// folder it names with a trailing `/`.
fn excluded(rel: &str, is_dir: bool, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        let p = p.trim_start_matches('/');
        !p.is_empty()
            && (glob(p.as_bytes(), rel.as_bytes())
                || rel.starts_with(p)
                || (is_dir && p.strip_suffix('/') == Some(rel)))
    })
}

/// `*` (any run, `/` included) and `?` (one byte); every other byte stands for itself.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it has swallowed up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_gets_its_role_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path();
        for (rel, text) in [
            ("_config.yml", "title: x\n"),
            ("_posts/2019-01-01-a.md", "---\n---\n"),
            ("_posts/2019/2019-02-01-b.markdown", "---\n---\n"),
            ("_posts/photo.png", "png"),
            ("_drafts/d.md", "---\n---\n"),
            ("_includes/n.html", "<b>n</b>"),
            ("_includes/_part.html", "p"),
            ("_layouts/post.html", "{{ content }}"),
            ("_site/2019/01/01/a/index.html", "old"),
            (".jekyll-cache/x", "x"),
            (".quire-cache/store.redb", "x"),
            ("about.markdown", "---\ntitle: About\n---\nme\n"),
            ("notes/deep.md", "---   \r\ntitle: Deep\n---\n"),
            ("notes/plain.md", "no front matter\n"),
            ("notes/_hidden.md", "---\n---\n"),
            ("notes/.DS_Store", "x"),
            ("notes/old.md~", "x"),
            ("index.html", "---\nlayout: home\n---\n"),
            ("feed.xml", "---\n---\n"),
            ("assets/css/x.css", "a{}"),
            ("favicon.ico", "ico"),
            ("_notes.txt", "x"),
            ("private/a.txt", "x"),
            ("secret.txt", "x"),
            ("Gemfile", "gem"),
            ("out/.quire-output", "quire"),
            ("out/index.html", "built"),
        ] {
            crate::fs::write(&s.join(rel), text).unwrap();
        }
        let exclude = ["private/".to_string(), "secr*".to_string()];
        let tree = Tree::map(s, &exclude, None).unwrap();
        let got: Vec<(String, String, Role)> = tree
            .entries
            .iter()
            .map(|e| (slash(&e.from), slash(&e.to), e.role))
            .collect();
        let want = [
            ("_drafts/d.md", "posts/_drafts/d.md", Role::Draft),
            (
                "_includes/_part.html",
                "_includes/_part.html",
                Role::Include,
            ),
            ("_includes/n.html", "_includes/n.html", Role::Include),
            (
                "_posts/2019/2019-02-01-b.markdown",
                "posts/2019/2019-02-01-b.markdown",
                Role::Post,
            ),
            (
                "_posts/2019-01-01-a.md",
                "posts/2019-01-01-a.md",
                Role::Post,
            ),
            ("about.markdown", "pages/about.md", Role::Page),
            ("assets/css/x.css", "static/assets/css/x.css", Role::Static),
            ("favicon.ico", "static/favicon.ico", Role::Static),
            ("notes/deep.md", "pages/notes/deep.md", Role::Page),
            ("notes/plain.md", "static/notes/plain.md", Role::Static),
        ];
        let want: Vec<(String, String, Role)> = want
            .iter()
            .map(|(a, b, r)| (a.to_string(), b.to_string(), *r))
            .collect();
        assert_eq!(got, want);
        let paths = |l: &[Left]| l.iter().map(|l| l.path.clone()).collect::<Vec<_>>();
        assert_eq!(
            paths(&tree.left),
            ["_layouts/", "_posts/photo.png", "feed.xml", "index.html"]
        );
        assert_eq!(
            paths(&tree.unpublished),
            [
                "_notes.txt",
                "notes/.DS_Store",
                "notes/_hidden.md",
                "notes/old.md~",
                "private/",
                "secret.txt",
            ]
        );
        assert!(
            tree.left[0]
                .to_string()
                .starts_with("_layouts/: layouts are Liquid")
        );
    }

    #[test]
    fn exclude_reads_as_jekylls() {
        let ex = |p: &str| vec![p.to_string()];
        assert!(excluded("Gemfile.lock", false, &ex("Gemfile")));
        assert!(excluded("docs/a/b.md", false, &ex("docs")));
        assert!(excluded("docs", true, &ex("docs/")));
        assert!(excluded("notes/x.tmp", false, &ex("*.tmp")));
        assert!(excluded("a.md", false, &ex("/a.md")));
        assert!(excluded("draft-1.md", false, &ex("draft-?.md")));
        assert!(!excluded("about.md", false, &ex("notes")));
        assert!(!excluded("x.tmpl", false, &ex("*.tmp")));
        assert!(!excluded("anything", false, &ex("")));
        assert!(!excluded("anything", false, &ex("/")));
        assert!(glob(b"a*b*c", b"a/x/b/y/c") && !glob(b"a*b", b"a/x/c"));
    }
}
