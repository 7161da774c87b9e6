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

/// `Clone` (the I/O and conv errors are shared) so rendered posts, warnings included, can be
/// cached.
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
    /// A `conv` description (a post's block, an entry of `gif/animations.toml`, or `quire gif`'s
    /// flags) that describes no drawable convolution. Kept typed so callers can tell its kinds
    /// apart; `loc` is `None` only when the description came from the command line.
    #[error("{}", conv_text(.loc.as_ref(), .source))]
    Conv {
        loc: Option<Location>,
        source: std::sync::Arc<crate::conv::ConvError>,
    },
    /// A template that failed while rendering one page. The page comes first because that is
    /// what the author recognises; the template is where the fix goes.
    #[error("{}: template {}: {message}", page.display(), template.display())]
    Template {
        template: PathBuf,
        /// The post's source path, or for a generated page its name or URL.
        page: PathBuf,
        message: String,
    },
    /// Two pages on one output path: the later would silently replace the earlier. `None` is a
    /// generated page (the index, a category page), which has no file of its own.
    #[error(
        "{} and {} are both written to {}",
        page_name(.first.as_deref(), path),
        page_name(.second.as_deref(), path),
        path.display()
    )]
    Collision {
        path: PathBuf,
        first: Option<PathBuf>,
        second: Option<PathBuf>,
    },
    /// A bad command line: a flag value, or a folder given that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// git, run by `quire deploy`, could not be started or refused.
    #[error("{0}")]
    Git(String),
    /// The machine would not give quire what it needs (threads, a runtime, file watches, a
    /// socket); nothing in the site or the command line is wrong.
    #[error("{0}")]
    System(String),
    /// `quire check` found broken references (each already printed on its own line).
    #[error("{0} broken references")]
    BrokenReferences(usize),
    /// A bug in quire, never the user's mistake: a caught panic, a value that would not
    /// serialise, an invariant that did not hold. The hint asks for a report, since retrying
    /// or editing the site will not help.
    #[error(
        "internal error: {0} (this is a bug in quire; please report it, with the command and \
         the site that led to it)"
    )]
    Internal(String),
    /// Several independent problems, all reported at once so one build shows them all.
    #[error("{}", join_errors(.0))]
    Many(Vec<Error>),
}

fn conv_text(loc: Option<&Location>, source: &crate::conv::ConvError) -> String {
    match loc {
        Some(loc) => format!("{loc}: conv: {}", source.problem()),
        // `quire gif`: the error names the convolution itself.
        None => source.to_string(),
    }
}

fn page_name(source: Option<&Path>, path: &Path) -> String {
    match source {
        Some(source) => source.display().to_string(),
        None => format!("a generated page ({})", path.display()),
    }
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

    /// A `conv` error in a file; a block's own line (counted from the line after its fence)
    /// is turned into the file's line, so the message points at the offending key.
    pub fn conv(loc: Location, source: crate::conv::ConvError) -> Self {
        let loc = match (&source, loc.line) {
            (
                crate::conv::ConvError::Block {
                    line: Some(l),
                    column,
                    ..
                },
                Some(fence),
            ) => Location {
                path: loc.path,
                line: Some(fence + l),
                col: *column,
            },
            _ => loc,
        };
        Error::Conv {
            loc: Some(loc),
            source: std::sync::Arc::new(source),
        }
    }

    /// A `conv` error that carries its own place (an entry of `gif/animations.toml`), or none
    /// (`quire gif`'s flags).
    pub fn conv_unlocated(source: crate::conv::ConvError) -> Self {
        Error::Conv {
            loc: source.location(),
            source: std::sync::Arc::new(source),
        }
    }

    pub fn internal(what: impl fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    /// Where the error is, for the preview overlay to point at; `None` when no file is to
    /// blame. A [`Error::Many`] has no single place: callers flatten it first.
    pub fn location(&self) -> Option<Location> {
        match self {
            Error::Io { path, .. } => Some(Location::file(path)),
            Error::At { loc, .. } => Some(loc.clone()),
            Error::Conv { loc, .. } => loc.clone(),
            Error::Template { template, .. } => Some(Location::file(template)),
            Error::Collision { first, second, .. } => {
                first.as_ref().or(second.as_ref()).map(Location::file)
            }
            Error::Usage(_)
            | Error::Git(_)
            | Error::System(_)
            | Error::BrokenReferences(_)
            | Error::Internal(_)
            | Error::Many(_) => None,
        }
    }

    /// The message without its location, for a display that shows the place separately.
    pub fn message(&self) -> String {
        match self {
            Error::Io { source, .. } => source.to_string(),
            Error::At { message, .. } => message.clone(),
            Error::Conv {
                loc: Some(_),
                source,
            } => format!("conv: {}", source.problem()),
            other => other.to_string(),
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

    fn block_error(code: &str) -> crate::conv::ConvError {
        crate::conv::parse_conv_block(code).unwrap_err()
    }

    #[test]
    fn conv_block_errors_point_into_the_post() {
        // The fence is on line 12; the block's third line is the post's line 15.
        let fence = Location::at("posts/x.md", 12, 1);
        let e = Error::conv(
            fence.clone(),
            block_error("input = 5\nkernel = 3\nname = \"x\"\n"),
        );
        assert_eq!(e.location(), Some(Location::at("posts/x.md", 15, 1)));
        let text = e.to_string();
        assert!(
            text.starts_with("posts/x.md:15:1: conv: unknown field `name`"),
            "{text}"
        );
        assert!(!text.contains("animations.toml"), "{text}");
        assert!(
            !text.contains("line 3"),
            "the block's own line is not repeated: {text}"
        );
        assert!(matches!(
            &e,
            Error::Conv { source, .. } if matches!(**source, crate::conv::ConvError::Block { .. })
        ));

        // Arithmetic that does not add up belongs to the whole block: its fence.
        let e = Error::conv(fence, block_error("input = 4\nkernel = 3\noutput = 3\n"));
        assert_eq!(e.location(), Some(Location::at("posts/x.md", 12, 1)));
        assert_eq!(
            e.to_string(),
            "posts/x.md:12:1: conv: output size 3 given but i=4, p=0, k=3, s=1, d=1 give \
             o = ⌊(4 + 0 − 3)/1⌋ + 1 = 2"
        );
        assert_eq!(e.message(), e.to_string()["posts/x.md:12:1: ".len()..]);
    }

    #[test]
    fn manifest_errors_name_the_manifest_line() {
        let text = "[[animation]]\nname = \"a\"\ninput = 4\nkernel = 5\n";
        let e = crate::conv::parse_manifest(Path::new("gif/animations.toml"), text).unwrap_err();
        let e = Error::conv_unlocated(e);
        assert_eq!(
            e.location(),
            Some(Location {
                path: "gif/animations.toml".into(),
                line: Some(1),
                col: None
            })
        );
        let text = e.to_string();
        assert!(
            text.starts_with("gif/animations.toml:1: conv: animation \"a\": the kernel"),
            "{text}"
        );

        let bad = "[[animation]]\nname = \"b\"\ninput = 4\nkernel = 3\nstrides = 2\n";
        let e = crate::conv::parse_manifest(Path::new("gif/animations.toml"), bad).unwrap_err();
        let e = Error::conv_unlocated(e);
        assert_eq!(
            e.location(),
            Some(Location::at("gif/animations.toml", 5, 1))
        );
        assert!(
            e.to_string()
                .starts_with("gif/animations.toml:5:1: conv: animation \"b\": unknown field"),
            "{e}"
        );
    }

    #[test]
    fn conv_errors_from_flags_read_as_before() {
        let params = crate::conv::Params::new(5, 3, 0, 0, 1);
        let e = Error::conv_unlocated(crate::conv::render_gif(&params).unwrap_err());
        assert_eq!(e.location(), None);
        assert_eq!(
            e.to_string(),
            "convolution i=5, p=0, k=3, s=0, d=1: stride s is 0 but must be at least 1"
        );
    }

    #[test]
    fn template_errors_name_the_page_and_point_at_the_template() {
        let e = Error::Template {
            template: "templates/post.html".into(),
            page: "posts/a.md".into(),
            message: "Variable `x` not found".into(),
        };
        assert_eq!(
            e.to_string(),
            "posts/a.md: template templates/post.html: Variable `x` not found"
        );
        assert_eq!(e.location(), Some(Location::file("templates/post.html")));
    }

    #[test]
    fn collisions_name_both_pages() {
        let e = Error::Collision {
            path: "index.html".into(),
            first: None,
            second: Some("posts/2020-01-01-index.md".into()),
        };
        assert_eq!(
            e.to_string(),
            "a generated page (index.html) and posts/2020-01-01-index.md are both written to \
             index.html"
        );
        assert_eq!(
            e.location(),
            Some(Location::file("posts/2020-01-01-index.md"))
        );
        let e = Error::Collision {
            path: "a.html".into(),
            first: Some("posts/a.md".into()),
            second: Some("posts/b.md".into()),
        };
        assert_eq!(
            e.to_string(),
            "posts/a.md and posts/b.md are both written to a.html"
        );
        assert_eq!(e.location(), Some(Location::file("posts/a.md")));
    }

    #[test]
    fn internal_errors_ask_for_a_report_and_have_no_place() {
        let e = Error::internal("the build panicked: boom");
        let text = e.to_string();
        assert!(
            text.starts_with("internal error: the build panicked: boom"),
            "{text}"
        );
        assert!(text.contains("please report"), "{text}");
        assert_eq!(e.location(), None);
    }

    #[test]
    fn other_variants_keep_their_messages() {
        assert_eq!(Error::Usage("bad --port".into()).to_string(), "bad --port");
        assert_eq!(
            Error::Git("git push failed".into()).to_string(),
            "git push failed"
        );
        assert_eq!(Error::System("no threads".into()).to_string(), "no threads");
        assert_eq!(
            Error::BrokenReferences(3).to_string(),
            "3 broken references"
        );
        for e in [
            Error::Usage(String::new()),
            Error::Git(String::new()),
            Error::System(String::new()),
            Error::BrokenReferences(1),
        ] {
            assert_eq!(e.location(), None, "{e:?}");
        }
        let io = Error::io("posts/a.md", std::io::Error::other("gone"));
        assert_eq!(io.location(), Some(Location::file("posts/a.md")));
        assert_eq!(io.message(), "gone");
    }
}
