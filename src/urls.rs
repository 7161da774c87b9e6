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

#[cfg(test)]
mod tests {
    use super::*;

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
