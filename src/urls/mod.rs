//! Everything quire decides about URLs, in one place: the base path a project page lives under
//! (`/repo`), percent-decoding, the file under the output folder a URL is written to
//! ([`output_path`]), how GitHub Pages answers a request path ([`resolve`], for `quire check`
//! and the preview server alike), where URLs sit in HTML and CSS ([`extract`]), and the pass
//! that adds the base path to them ([`rewrite`]).
//!
//! # One mechanism adds the base path: the output pass
//!
//! [`rewrite::rewrite_site`] runs over every HTML and CSS file the site will hold, and it is
//! the only thing that adds the base: the templates' `url()` writes a site path, Markdown and
//! raw HTML write what the author wrote, `static/` is copied as written, and the pass publishes
//! all of them the same way ([`with_base`]). Adding the base at render time instead cannot be
//! the only mechanism: `static/` HTML and CSS are never rendered, so they would need this pass
//! anyway, and so would raw HTML and `srcset`s inside posts.
//!
//! The pass takes a URL already under the base (`/notes/x` under `/notes`) as published, since
//! authors write such links by hand. A site path whose first folder equals the base (a post in
//! category `notes`, `/notes/2020/…`) would be misread that way, so `url()` writes those
//! already published ([`for_rewrite`]); the pass leaves them alone, and every site path comes
//! out as [`site_path`] says. `url(…, absolute=true)` is a full URL, which the pass never
//! touches. The price of one mechanism: `url()` without `absolute` gives a site path, which
//! gets the base only where the pass finds URLs (URL attributes, `srcset`, CSS, meta refresh),
//! not in a `<script>`, a `<meta content>` or a non-HTML file; use `absolute=true` there.

pub mod extract;
pub mod resolve;
pub mod rewrite;

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
    #[error("segment `{0}` is not UTF-8 once percent-decoded")]
    NotUtf8(String),
}

/// `%XX` decoded, once: the one percent-decoding in quire. `None` when the bytes are not UTF-8,
/// which no file name quire writes is; a malformed escape (`%zz`) stays as written, as
/// browsers leave it.
pub fn decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|d| d.into_owned())
}

/// The path part of a site URL without a trailing slash: `""` for a root site, `/repo` for a
/// project page.
pub fn base_path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    path.trim_end_matches('/').to_string()
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
        let Some(name) = decode(raw) else {
            return Err(UnsafeUrl::NotUtf8(raw.to_string()));
        };
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

/// What the base-path pass makes of a URL in the output: a root-relative `url` gets `base` (no
/// trailing slash) unless it already starts with it, so a link the author wrote with the base
/// is not given it twice.
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
/// `/notes`) is still a site path.
pub fn site_path(base: &str, path: &str) -> String {
    if !path.starts_with('/') || path.starts_with("//") {
        return path.to_string();
    }
    format!("{base}{path}")
}

/// How the build writes the site path `path` into a page (the templates' `url()`, the KaTeX
/// stylesheet link) so that the base-path pass publishes it as [`site_path`]: as it is, except
/// when the pass would take its first folder for the base; then already published, which the
/// pass leaves alone.
pub fn for_rewrite(base: &str, path: &str) -> String {
    if base.is_empty() || with_base(base, path) == site_path(base, path) {
        path.to_string()
    } else {
        site_path(base, path)
    }
}

/// The absolute URL of a root-relative `path` on the site published at `site_url`
/// (`https://u.github.io/repo`). Without a site URL there is no origin to add, so the
/// site-relative URL is returned, as Jekyll's `absolute_url` does.
pub fn absolute(site_url: &str, path: &str) -> String {
    let base = base_path_of(site_url);
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

/// An Atom id (RFC 4287 §4.2.6: an absolute IRI, never changing) for the feed or post at the
/// site path `path`. With the site's URL it is the absolute URL, as jekyll-feed's ids are;
/// without one there is no address to give, so it is a `urn:uuid:` (RFC 9562 version 8) hashed
/// from the site's title and the path: stable as long as neither changes.
pub fn atom_id(site_url: &str, site_title: &str, path: &str) -> String {
    if !site_url.is_empty() {
        return absolute(site_url, path);
    }
    let mut h = blake3::Hasher::new();
    h.update(b"quire atom id\0")
        .update(site_title.as_bytes())
        .update(b"\0")
        .update(path.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.finalize().as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_ids() {
        assert_eq!(
            atom_id("https://u.github.io/notes", "T", "/a.html"),
            "https://u.github.io/notes/a.html"
        );
        let id = atom_id("", "T", "/a.html");
        assert_eq!(id, atom_id("", "T", "/a.html"));
        assert_ne!(id, atom_id("", "T", "/b.html"));
        assert_ne!(id, atom_id("", "U", "/a.html"));
        let uuid = id.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(&uuid[14..15], "8", "version 8");
        assert!("89ab".contains(&uuid[19..20]), "RFC variant");
    }

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
        assert_eq!(bad("/%E5/x.html"), UnsafeUrl::NotUtf8("%E5".into()));
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

    #[test]
    fn percent_decoding() {
        #[rustfmt::skip]
        let table = [
            ("/a%20b",                Some("/a b")),
            ("/%E5%8D%B7",            Some("/卷")),
            ("/%2e%2E",               Some("/..")),
            ("/%252e",                Some("/%2e")),
            ("%卷%4%e5%8d%b7",        Some("%卷%4卷")),
            ("/%zz",                  Some("/%zz")),
            ("/%2",                   Some("/%2")),
            ("/%ff",                  None),
            ("/%E5",                  None),
        ];
        for (input, want) in table {
            assert_eq!(decode(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn base_path() {
        assert_eq!(base_path_of(""), "");
        assert_eq!(base_path_of("https://u.github.io"), "");
        assert_eq!(base_path_of("https://u.github.io/"), "");
        assert_eq!(base_path_of("https://u.github.io/repo/"), "/repo");
        assert_eq!(base_path_of("https://u.github.io/a/b"), "/a/b");
    }

    #[test]
    fn site_paths_are_written_for_the_pass() {
        assert_eq!(for_rewrite("/notes", "/a/"), "/a/");
        assert_eq!(for_rewrite("/notes", "/notes/a/"), "/notes/notes/a/");
        assert_eq!(for_rewrite("/notes", "/notes"), "/notes/notes");
        assert_eq!(for_rewrite("/notes", "/notesx"), "/notesx");
        assert_eq!(for_rewrite("", "/notes/a"), "/notes/a");
        assert_eq!(for_rewrite("/notes", "https://x/y"), "https://x/y");
    }

    proptest::proptest! {
        /// Whatever the site path and base, what `url()` writes comes out of the pass as the
        /// site path's published URL: the one mechanism adds the base exactly once.
        #[test]
        fn the_pass_publishes_every_site_path_once(
            base in "(/(a|notes|b)){0,2}",
            path in "(/(a|notes|b|x.html)){0,3}/?",
        ) {
            let path = if path.is_empty() { "/".to_string() } else { path };
            proptest::prop_assert_eq!(
                with_base(&base, &for_rewrite(&base, &path)),
                site_path(&base, &path)
            );
        }
    }
}
