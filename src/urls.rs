//! Site-relative URLs and the base path a project page lives under (`/repo`).

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
