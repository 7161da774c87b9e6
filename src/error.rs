//! One error type for the whole pipeline. Every variant that comes from the user's files carries
//! where it happened, so `main` can print `posts/x.md:12:3: message` without guessing.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a user's file. `line`/`col` are 1-based; either may be unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub col: Option<usize>,
}

impl Location {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            line: None,
            col: None,
        }
    }

    pub fn at(path: impl Into<PathBuf>, line: usize, col: usize) -> Self {
        Self {
            path: path.into(),
            line: Some(line),
            col: Some(col),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// `Clone` (the I/O error is shared) so rendered posts, warnings included, can be cached.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// An I/O failure on a named path.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::sync::Arc<std::io::Error>,
    },
    /// Something wrong in a file the user wrote (YAML, TOML, TeX, a template, ...).
    #[error("{loc}: {message}")]
    At { loc: Location, message: String },
    /// A mistake that has no single file, such as a bad flag value.
    #[error("{0}")]
    Usage(String),
    /// Several independent problems, all reported at once so one build shows them all.
    #[error("{}", join_errors(.0))]
    Many(Vec<Error>),
}

fn join_errors(errors: &[Error]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    out
}

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source: std::sync::Arc::new(source),
        }
    }

    pub fn at(loc: Location, message: impl Into<String>) -> Self {
        Error::At {
            loc,
            message: message.into(),
        }
    }

    /// Folds a list of errors into one, so callers can `?` the result of a parallel stage.
    pub fn from_many(mut errors: Vec<Error>) -> Option<Self> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(Error::Many(errors)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Collects the `Ok`s of a parallel stage, or every `Err` at once.
pub fn collect_all<T>(results: Vec<Result<T>>) -> Result<Vec<T>> {
    let mut oks = Vec::with_capacity(results.len());
    let mut errs = Vec::new();
    for r in results {
        match r {
            Ok(v) => oks.push(v),
            Err(e) => errs.push(e),
        }
    }
    match Error::from_many(errs) {
        Some(e) => Err(e),
        None => Ok(oks),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ab\n卷积$x$";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // "卷积" is 6 bytes, 2 chars.
        assert_eq!(line_col(text, 9), (2, 3));
    }

    #[test]
    fn location_display() {
        assert_eq!(
            Location::at("posts/a.md", 3, 7).to_string(),
            "posts/a.md:3:7"
        );
        assert_eq!(Location::file("posts/a.md").to_string(), "posts/a.md");
    }
}
