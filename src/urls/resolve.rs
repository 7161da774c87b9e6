//! How GitHub Pages answers a request path, decided once for both sides of the question: the
//! preview server, which answers requests from the disk, and `quire check`, which proves every
//! link of the output will be answered, from its list of output files. A link the check passes
//! is one the preview serves, and the other way round.

use std::fmt;
use std::path::Path;

/// The files of a built site, asked by `/`-separated relative path (`""` is the site root).
/// Paths asked about are made of plain names only ([`crate::output::is_plain`]).
pub trait Files {
    fn is_file(&self, rel: &str) -> bool;
    fn is_dir(&self, rel: &str) -> bool;
}

/// What answers a request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// This file, relative to the site root, `/`-separated, decoded.
    File(String),
    /// Sent elsewhere: a folder without its trailing slash (the page's relative links would
    /// resolve one level too high), or the bare base path.
    Redirect(String),
    NotFound(Missing),
}

/// Why nothing answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// Not under the base path: on the published site, another site's.
    OutsideBase(String),
    /// Percent-decodes to bytes that are not UTF-8.
    NotUtf8(String),
    /// A segment is `..`, or holds `\` or NUL, once decoded: refused, never normalised.
    Unsafe(String),
    /// A folder without `index.html` (the folder's relative path).
    NoIndex(String),
    /// The file looked for, relative to the site root.
    NoFile(String),
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::OutsideBase(base) => write!(
                f,
                "outside the base path {base}: on the published site it leads off this site"
            ),
            Missing::NotUtf8(path) => {
                write!(f, "not found ({path} is not UTF-8 once percent-decoded)")
            }
            Missing::Unsafe(segment) => write!(
                f,
                "not found (segment `{segment}` is not a plain name once percent-decoded)"
            ),
            Missing::NoIndex(dir) => write!(f, "folder {dir}/ has no index.html"),
            Missing::NoFile(file) => write!(f, "not found (no {file} in the output)"),
        }
    }
}

/// Resolves `path` (a request path: root-relative, still percent-encoded, without query or
/// fragment) on a site published under `base` (`""` or `/repo`), as GitHub Pages does: `/dir/`
/// serves `dir/index.html`, `/dir` redirects to `/dir/`, `/page` serves `page.html` when there
/// is no `page`, and `/repo` redirects to `/repo/`. Decoded once, so `%252e` is the name `%2e`.
pub fn resolve(files: &impl Files, base: &str, path: &str) -> Served {
    let Some(rest) = path.strip_prefix(base) else {
        return Served::NotFound(Missing::OutsideBase(base.to_string()));
    };
    if rest.is_empty() {
        return Served::Redirect(format!("{base}/"));
    }
    if !rest.starts_with('/') {
        return Served::NotFound(Missing::OutsideBase(base.to_string()));
    }
    let Some(decoded) = super::decode(rest) else {
        return Served::NotFound(Missing::NotUtf8(rest.to_string()));
    };
    let mut names = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            s if s == ".."
                || s.contains(['\\', '\0'])
                || !crate::output::is_plain(Path::new(s)) =>
            {
                return Served::NotFound(Missing::Unsafe(s.to_string()));
            }
            s => names.push(s),
        }
    }
    let rel = names.join("/");
    if files.is_dir(&rel) {
        if !decoded.ends_with('/') {
            return Served::Redirect(format!("{path}/"));
        }
        let index = in_folder(&rel, "index.html");
        return if files.is_file(&index) {
            Served::File(index)
        } else {
            Served::NotFound(Missing::NoIndex(rel))
        };
    }
    if rel.is_empty() || decoded.ends_with('/') {
        return Served::NotFound(Missing::NoFile(in_folder(&rel, "index.html")));
    }
    if files.is_file(&rel) {
        return Served::File(rel);
    }
    let html = format!("{rel}.html");
    if files.is_file(&html) {
        return Served::File(html);
    }
    Served::NotFound(Missing::NoFile(rel))
}

fn in_folder(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    struct Listed(HashSet<&'static str>, HashSet<&'static str>);

    impl Files for Listed {
        fn is_file(&self, rel: &str) -> bool {
            self.0.contains(rel)
        }
        fn is_dir(&self, rel: &str) -> bool {
            self.1.contains(rel)
        }
    }

    #[test]
    fn resolves_like_github_pages() {
        let site = Listed(
            [
                "index.html",
                "a/index.html",
                "a/b.html",
                "about.html",
                "v1.2.html",
                "深.html",
                "x.css",
                "%2e",
            ]
            .into(),
            ["", "a", "empty"].into(),
        );
        let file = |f: &str| Served::File(f.into());
        let redirect = |to: &str| Served::Redirect(to.into());
        let missing = Served::NotFound;
        #[rustfmt::skip]
        let table = [
            ("",      "/",              file("index.html")),
            ("",      "/a/",            file("a/index.html")),
            ("",      "/a",             redirect("/a/")),
            ("",      "/a/b.html",      file("a/b.html")),
            ("",      "/a//b.html",     file("a/b.html")),
            ("",      "/./a/b.html",    file("a/b.html")),
            ("",      "/about",         file("about.html")),
            ("",      "/v1.2",          file("v1.2.html")),
            ("",      "/x.css",         file("x.css")),
            ("",      "/x.css/",        missing(Missing::NoFile("x.css/index.html".into()))),
            ("",      "/%E6%B7%B1",     file("深.html")),
            ("",      "/%252e",         file("%2e")),
            ("",      "/empty/",        missing(Missing::NoIndex("empty".into()))),
            ("",      "/empty",         redirect("/empty/")),
            ("",      "/no/",           missing(Missing::NoFile("no/index.html".into()))),
            ("",      "/no",            missing(Missing::NoFile("no".into()))),
            ("",      "/%E5",           missing(Missing::NotUtf8("/%E5".into()))),
            ("",      "/%2e%2e/x",      missing(Missing::Unsafe("..".into()))),
            ("",      "/../x",          missing(Missing::Unsafe("..".into()))),
            ("",      "/..%5cx",        missing(Missing::Unsafe("..\\x".into()))),
            ("",      "/a%00",          missing(Missing::Unsafe("a\0".into()))),
            ("/repo", "/repo",          redirect("/repo/")),
            ("/repo", "/repo/",         file("index.html")),
            ("/repo", "/repo/a",        redirect("/repo/a/")),
            ("/repo", "/repo/about",    file("about.html")),
            ("/repo", "/about",         missing(Missing::OutsideBase("/repo".into()))),
            ("/repo", "/repository/",   missing(Missing::OutsideBase("/repo".into()))),
        ];
        for (base, path, want) in table {
            assert_eq!(resolve(&site, base, path), want, "{base} {path}");
        }
    }
}
