//! Reading `.bib` files: which ones a site and each post use, parsed by hayagriva, every
//! mistake located in the file that has it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use hayagriva::Library;
use hayagriva::io::BibLaTeXError;

use super::Paths;
use crate::error::{Error, Location, Result, line_col};

/// The site's own bibliography when `site.toml` names none.
pub const DEFAULT_FILE: &str = "references.bib";

/// One `.bib` file: read and hashed when the site loads, parsed only once a post that is not
/// in the cache is rendered ([`Bib::check`]): a build that takes every post from the cache
/// parses no bibliography.
pub struct Bib {
    /// Relative to the site root, as messages show it.
    pub path: PathBuf,
    text: String,
    library: OnceLock<Library>,
    /// Of the file's bytes: what a post's render key holds instead of the entries.
    pub hash: blake3::Hash,
}

impl Bib {
    /// The file `path` with its `text`, not parsed yet.
    pub fn read(path: &Path, text: String) -> Bib {
        Bib {
            path: path.to_path_buf(),
            hash: blake3::hash(text.as_bytes()),
            text,
            library: OnceLock::new(),
        }
    }

    /// Parses it (once); a syntax or field error names the file, line and column.
    pub fn check(&self) -> Result<()> {
        if self.library.get().is_some() {
            return Ok(());
        }
        let library = hayagriva::io::from_biblatex_str(&self.text).map_err(|errors| {
            let located = errors.into_iter().map(|e| {
                let (span, what) = match &e {
                    BibLaTeXError::Parse(p) => (p.span.clone(), p.kind.to_string()),
                    BibLaTeXError::Type(t) => (t.span.clone(), t.kind.to_string()),
                };
                let (line, col) = line_col(&self.text, span.start);
                Error::at(
                    Location::at(&self.path, line, col),
                    format!("BibTeX: {what}"),
                )
            });
            Error::from_many(located.collect())
                .unwrap_or_else(|| Error::at(Location::file(&self.path), "BibTeX: cannot be read"))
        })?;
        let _ = self.library.set(library);
        Ok(())
    }

    /// Its entries: none before [`Bib::check`] succeeded (the Markdown stage checks every file
    /// before it renders a post).
    pub fn library(&self) -> Option<&Library> {
        self.library.get()
    }
}

/// Reads and parses `text` (the file `path`) at once.
pub fn parse(path: &Path, text: &str) -> Result<Bib> {
    let bib = Bib::read(path, text.to_string());
    bib.check()?;
    Ok(bib)
}

/// Reads each file once, however many posts name it.
#[derive(Default)]
pub struct Loader {
    loaded: HashMap<PathBuf, Arc<Bib>>,
}

impl Loader {
    /// The files `paths` names (relative to `root`); `named_at` is where they are named, for
    /// a file that does not exist.
    pub fn load(
        &mut self,
        root: &Path,
        paths: &[String],
        named_at: &Location,
    ) -> Result<Vec<Arc<Bib>>> {
        paths
            .iter()
            .map(|p| {
                let rel = PathBuf::from(p);
                if let Some(bib) = self.loaded.get(&rel) {
                    return Ok(bib.clone());
                }
                let full = root.join(&rel);
                if !full.is_file() {
                    return Err(Error::at(
                        named_at.clone(),
                        format!("bibliography: no such file `{p}` (paths are relative to the site folder)"),
                    ));
                }
                let text = crate::fs::read_to_string(&full)?;
                let bib = Arc::new(Bib::read(&rel, text));
                self.loaded.insert(rel, bib.clone());
                Ok(bib)
            })
            .collect()
    }
}

/// The site's files: `bibliography` in `site.toml`, else `references.bib` if there is one.
pub fn site_paths(root: &Path, configured: Option<&Paths>) -> Vec<String> {
    match configured {
        Some(paths) => paths.list(),
        None if root.join(DEFAULT_FILE).is_file() => vec![DEFAULT_FILE.to_string()],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_file_line_and_column() {
        let text = "@article{a, title = {T}, year = 2020}\n\n@book{b,\n  title = {Unclosed,\n";
        let err = parse(Path::new("references.bib"), text)
            .err()
            .unwrap()
            .to_string();
        assert!(err.starts_with("references.bib:"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        assert!((3..=5).contains(&line), "{err}");
        assert!(err.contains("BibTeX"), "{err}");
    }

    #[test]
    fn entries_are_read_and_hashed() {
        let bib = parse(
            Path::new("r.bib"),
            "@book{knuth84, author = {Knuth, Donald}, title = {The \\TeX book}, year = 1984}",
        )
        .unwrap();
        assert!(bib.library().unwrap().get("knuth84").is_some());
        assert_eq!(
            bib.hash,
            blake3::hash(
                b"@book{knuth84, author = {Knuth, Donald}, title = {The \\TeX book}, year = 1984}"
            )
        );
    }
}
