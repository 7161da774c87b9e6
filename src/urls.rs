//! Site-relative URLs and the base path a project page lives under (`/repo`), and the one
//! function that turns a URL into the file under the output folder that serves it.

use std::path::{Component, PathBuf};

/// Why a URL has no file inside the output folder. Each names the raw segment, since that is
/// what the author wrote (`%2e%2e`), not what it decodes to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeUrl {
    #[error("`{0}` is not a site path (it must start with a single `/`)")]
    NotRooted(String),
    #[error("it has an empty segment (`//`)")]
    EmptySegment,
    #[error("segment `{0}` is `..` once percent-decoded, which climbs out of the output folder")]
    Parent(String),
    #[error("segment `{0}` is `.` once percent-decoded")]
    Current(String),
    #[error("segment `{0}` holds a path separator (`/` or `\\`) once percent-decoded")]
    Separator(String),
    #[error("segment `{0}` holds a NUL byte once percent-decoded")]
    Nul(String),
    #[error("segment `{0}` names a drive")]
    Drive(String),
}

/// The file under the output folder that serves `url` (`/a/` → `a/index.html`,
/// `/%E6%B7%B1/x.html` → `深/x.html`). Every writer derives output paths here, so a permalink
/// is checked after it is decoded: checking before decoding is how `%2e%2e` got through. The
/// result is relative and made of plain names only.
pub fn output_path(url: &str) -> Result<PathBuf, UnsafeUrl> {
    let Some(rest) = url.strip_prefix('/').filter(|r| !r.starts_with('/')) else {
        return Err(UnsafeUrl::NotRooted(url.to_string()));
    };
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.strip_suffix('/').unwrap_or(rest).split('/').collect()
    };
    let mut names = Vec::with_capacity(segments.len() + 1);
    for (i, raw) in segments.iter().enumerate() {
        if raw.is_empty() {
            return Err(UnsafeUrl::EmptySegment);
        }
        let name = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        let err = |f: fn(String) -> UnsafeUrl| Err(f(raw.to_string()));
        match name.as_str() {
            ".." => return err(UnsafeUrl::Parent),
            "." => return err(UnsafeUrl::Current),
            n if n.contains(['/', '\\']) => return err(UnsafeUrl::Separator),
            n if n.contains('\0') => return err(UnsafeUrl::Nul),
            n if i == 0 && is_drive(n) => return err(UnsafeUrl::Drive),
            _ => {}
        }
        names.push(name);
    }
    let is_dir = rest.is_empty() || rest.ends_with('/');
    if is_dir || !names.last().is_some_and(|last| last.contains('.')) {
        names.push("index.html".into());
    }
    let path: PathBuf = names.iter().collect();
    // What the platform makes of the names, checked too: a prefix or root here would make
    // `output.join(path)` leave the output folder.
    if let Some(c) = path
        .components()
        .find(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(UnsafeUrl::Drive(
            c.as_os_str().to_string_lossy().into_owned(),
        ));
    }
    Ok(path)
}

/// `C:`: a drive on Windows, where `output.join("C:")` is not inside `output`, refused on every
/// platform so a site builds the same everywhere. (`C:x` is a fine name on Unix; on Windows the
/// component check in [`output_path`] refuses it.)
fn is_drive(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Prefixes a root-relative `path` with `base` (no trailing slash), once.
pub fn with_base(base: &str, path: &str) -> String {
    if !path.starts_with('/') || path.starts_with("//") || base.is_empty() {
        return path.to_string();
    }
    if path == base || path.starts_with(&format!("{base}/")) {
        return path.to_string();
    }
    format!("{base}{path}")
}

/// The published URL of a site path (`/2020/01/01/a.html`, a page's or post's `url`): always
/// prefixed, because a site path whose first folder happens to equal the base (`/notes/…` under
/// `/notes`) is still a site path. What the templates' `url()` uses; [`with_base`] is for URLs
/// that may already carry the base, in finished output.
pub fn site_path(base: &str, path: &str) -> String {
    if !path.starts_with('/') || path.starts_with("//") {
        return path.to_string();
    }
    format!("{base}{path}")
}

/// The absolute URL of a root-relative `path` on the site published at `site_url`
/// (`https://u.github.io/repo`). Without a site URL there is no origin to add, so the
/// site-relative URL is returned, as Jekyll's `absolute_url` does.
pub fn absolute(site_url: &str, path: &str) -> String {
    let base = crate::config::base_path_of(site_url);
    let rel = site_path(&base, path);
    if !rel.starts_with('/') || rel.starts_with("//") {
        return rel;
    }
    let Some((scheme, rest)) = site_url.split_once("://") else {
        return rel;
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return rel;
    }
    format!("{scheme}://{host}{rel}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls() {
        let site = "https://u.github.io/notes/";
        assert_eq!(absolute(site, "/a/"), "https://u.github.io/notes/a/");
        assert_eq!(
            absolute(site, "/notes/a"),
            "https://u.github.io/notes/notes/a"
        );
        assert_eq!(site_path("/notes", "/notes/a"), "/notes/notes/a");
        assert_eq!(site_path("", "/a"), "/a");
        assert_eq!(site_path("/notes", "//cdn/a"), "//cdn/a");
        assert_eq!(site_path("/notes", "rel"), "rel");
        assert_eq!(
            absolute("https://u.github.io", "/a"),
            "https://u.github.io/a"
        );
        assert_eq!(absolute("", "/a"), "/a");
        assert_eq!(absolute(site, "https://x/y"), "https://x/y");
    }

    #[test]
    fn output_paths() {
        let ok = |u: &str| output_path(u).unwrap().to_string_lossy().into_owned();
        assert_eq!(ok("/a/b.html"), "a/b.html");
        assert_eq!(ok("/a/b/"), "a/b/index.html");
        assert_eq!(ok("/a/b"), "a/b/index.html");
        assert_eq!(ok("/"), "index.html");
        assert_eq!(ok("/%E6%B7%B1/x.html"), "深/x.html");
        assert_eq!(ok("/machine%20learning/"), "machine learning/index.html");
        assert_eq!(ok("/a:b/c..d.html"), "a:b/c..d.html");
        assert_eq!(ok("/..a/"), "..a/index.html");
    }

    #[test]
    fn output_paths_never_leave_the_output_folder() {
        let bad = |u: &str| output_path(u).unwrap_err();
        assert_eq!(
            bad("/%2e%2e/%2e%2e/%2e%2e/victim.txt"),
            UnsafeUrl::Parent("%2e%2e".into())
        );
        assert_eq!(bad("/a/%2E%2e/x.html"), UnsafeUrl::Parent("%2E%2e".into()));
        assert_eq!(bad("/a/../x.html"), UnsafeUrl::Parent("..".into()));
        assert_eq!(bad("/a/%2e/x.html"), UnsafeUrl::Current("%2e".into()));
        assert_eq!(
            bad("/a/%2f..%2f..%2fX.html"),
            UnsafeUrl::Separator("%2f..%2f..%2fX.html".into())
        );
        assert_eq!(
            bad("/a/..%5c..%5cX.html"),
            UnsafeUrl::Separator("..%5c..%5cX.html".into())
        );
        assert_eq!(bad("/a/x%00.html"), UnsafeUrl::Nul("x%00.html".into()));
        assert_eq!(bad("/C:/x.html"), UnsafeUrl::Drive("C:".into()));
        assert_eq!(bad("/c%3A/x.html"), UnsafeUrl::Drive("c%3A".into()));
        assert_eq!(bad("//evil/x"), UnsafeUrl::NotRooted("//evil/x".into()));
        assert_eq!(bad("x.html"), UnsafeUrl::NotRooted("x.html".into()));
        assert_eq!(bad("/a//b.html"), UnsafeUrl::EmptySegment);
    }

    #[test]
    fn adds_base_once() {
        assert_eq!(with_base("", "/a"), "/a");
        assert_eq!(with_base("/notes", "/a"), "/notes/a");
        assert_eq!(with_base("/notes", "/notes/a"), "/notes/a");
        assert_eq!(with_base("/notes", "/notesx"), "/notes/notesx");
        assert_eq!(with_base("/notes", "//cdn.example/x"), "//cdn.example/x");
        assert_eq!(with_base("/notes", "https://x/y"), "https://x/y");
        assert_eq!(with_base("/notes", "#top"), "#top");
    }
}
