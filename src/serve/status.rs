//! What the server tells open pages: which build of the site is current and what is wrong with
//! it. Errors become [`Problem`]s, plain data with the file and line split out, so the browser
//! overlay shows them without parsing messages.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Error;

/// The state of the preview after the last build.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Status {
    /// Goes up by one whenever a build changes the output; a page built at an older version
    /// reloads.
    pub version: u64,
    /// The base path pages are served under (`""`, or `/repo` for a project page).
    pub base_path: String,
    /// Errors of a failed build (the previous output stays served), or warnings of a good one.
    pub problems: Vec<Problem>,
    /// URL paths (with the base path) of the files the last good build wrote or removed;
    /// `None` when unknown.
    pub changed: Option<Vec<String>>,
}

impl Status {
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// Relative to the site folder, as in terminal messages.
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// `path:line:col: message`, exactly as the terminal shows it.
    pub text: String,
}

impl Problem {
    /// One problem per error; [`Error::Many`] is flattened.
    pub fn from_error(e: &Error, severity: Severity) -> Vec<Problem> {
        if let Error::Many(all) = e {
            return all
                .iter()
                .flat_map(|e| Problem::from_error(e, severity))
                .collect();
        }
        let loc = e.location();
        vec![Problem {
            severity,
            path: loc.as_ref().map(|l| l.path.clone()),
            line: loc.as_ref().and_then(|l| l.line),
            column: loc.as_ref().and_then(|l| l.col),
            message: e.message(),
            text: e.to_string(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    #[test]
    fn errors_become_located_problems() {
        let e = Error::Many(vec![
            Error::at(Location::at("posts/a.md", 3, 7), "bad YAML"),
            Error::Usage("no file".into()),
        ]);
        let p = Problem::from_error(&e, Severity::Error);
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].path.as_deref(),
            Some(std::path::Path::new("posts/a.md"))
        );
        assert_eq!((p[0].line, p[0].column), (Some(3), Some(7)));
        assert_eq!(p[0].text, "posts/a.md:3:7: bad YAML");
        assert_eq!(p[1].path, None);
        assert_eq!(p[1].text, "no file");
        let status = Status {
            problems: p,
            ..Default::default()
        };
        assert!(status.failed());
        let json = serde_json::to_string(&status).unwrap();
        assert!(json.contains("\"severity\":\"error\""), "{json}");
    }

    #[test]
    fn every_located_variant_reaches_the_overlay() {
        let conv = crate::conv::parse_conv_block("input = 5\nkernel = 3\nbogus = 1\n").unwrap_err();
        let e = Error::Many(vec![
            Error::conv(Location::at("posts/c.md", 8, 1), conv),
            Error::Template {
                template: "templates/post.html".into(),
                page: "posts/a.md".into(),
                message: "boom".into(),
            },
            Error::Collision {
                path: "a.html".into(),
                first: Some("posts/a.md".into()),
                second: None,
            },
            Error::internal("a bug"),
        ]);
        let p = Problem::from_error(&e, Severity::Error);
        let places: Vec<_> = p
            .iter()
            .map(|p| (p.path.clone(), p.line, p.column))
            .collect();
        assert_eq!(
            places,
            vec![
                (Some("posts/c.md".into()), Some(11), Some(1)),
                (Some("templates/post.html".into()), None, None),
                (Some("posts/a.md".into()), None, None),
                (None, None, None),
            ]
        );
        assert!(
            p[0].message.starts_with("conv: unknown field `bogus`"),
            "{}",
            p[0].message
        );
        assert!(
            p[0].text.starts_with("posts/c.md:11:1: conv: "),
            "{}",
            p[0].text
        );
    }
}
