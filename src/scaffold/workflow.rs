//! The GitHub Pages workflow `quire init` writes. Its text is this repository's own
//! `.github/workflows/pages.yml` (the one file that says how a quire site is built, checked and
//! published; `tests/workflow.rs` checks both), changed only where a site without quire's source
//! must differ: it installs quire from its git repository instead of running `cargo run` in a
//! checkout of it.

/// This repository's workflow, which builds the site with the quire in the same checkout.
pub const THIS_REPOSITORY: &str = include_str!("../../.github/workflows/pages.yml");

/// How this repository's workflow runs quire, and how a site's runs the installed one.
const RUN_FROM_SOURCE: &str = "cargo run --release -- ";
const RUN_INSTALLED: &str = "quire ";

/// The step that caches this repository's build; a site has no `Cargo.toml` for it to key on
/// (rust-cache fails without one), so its place is taken by [`INSTALL_STEPS`].
const SOURCE_CACHE_STEP: &str = "      - name: Cache cargo registry and target
        uses: Swatinem/rust-cache@v2
";

/// quire is built once per commit of its repository and then restored from the Actions cache.
const INSTALL_STEPS: &str = r#"      # quire is built once per commit of its repository, then kept in the Actions cache.
      - name: Find quire's newest commit
        id: quire
        run: |
          if [ -z "$QUIRE_GIT" ]; then
            echo "::error file=.github/workflows/pages.yml::set QUIRE_GIT to the git URL of quire's repository"
            exit 1
          fi
          rev=$(git ls-remote "$QUIRE_GIT" HEAD | cut -f1)
          if [ -z "$rev" ]; then
            echo "::error file=.github/workflows/pages.yml::no git repository at QUIRE_GIT ($QUIRE_GIT)"
            exit 1
          fi
          echo "rev=$rev" >> "$GITHUB_OUTPUT"

      - name: Cache quire
        id: quire-cache
        uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/quire
          key: quire-${{ runner.os }}-${{ steps.quire.outputs.rev }}

      - name: Install quire
        if: steps.quire-cache.outputs.cache-hit != 'true'
        run: cargo install --locked --git "$QUIRE_GIT" --rev "${{ steps.quire.outputs.rev }}" quire
"#;

/// The git URL the site's workflow installs quire from: the `repository` of quire's
/// `Cargo.toml`, when it names one.
pub fn quire_git_url() -> Option<&'static str> {
    Some(env!("CARGO_PKG_REPOSITORY")).filter(|u| !u.is_empty())
}

/// The workflow for a site made by `quire init`, installing quire from `git_url` (left empty
/// when unknown: the workflow then stops with a message saying to set it).
pub fn for_site(git_url: Option<&str>) -> String {
    let text = THIS_REPOSITORY;
    assert_eq!(
        text.matches(RUN_FROM_SOURCE).count(),
        1,
        "pages.yml runs quire once (check builds, then checks)"
    );
    assert!(text.contains(SOURCE_CACHE_STEP), "pages.yml caches cargo");
    assert!(text.contains("\njobs:\n"), "pages.yml has jobs");
    let url = serde_json::to_string(git_url.unwrap_or_default()).expect("a string serialises");
    let env = format!(
        "# quire is not on crates.io: the build job installs it from this git repository.\n\
         env:\n  QUIRE_GIT: {url}\n\njobs:\n"
    );
    text.replace(RUN_FROM_SOURCE, RUN_INSTALLED)
        .replace(SOURCE_CACHE_STEP, INSTALL_STEPS)
        .replacen("\njobs:\n", &format!("\n{env}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_workflow_installs_quire_instead_of_building_the_checkout() {
        let w = for_site(Some("https://example.com/quire.git"));
        assert!(!w.contains("cargo run"), "{w}");
        assert!(!w.contains("rust-cache"), "{w}");
        assert!(
            w.contains("QUIRE_GIT: \"https://example.com/quire.git\""),
            "{w}"
        );
        let install = w.find("cargo install --locked --git").unwrap();
        let check = w.find("run: quire check --base-url").unwrap();
        assert!(install < check, "{w}");
        assert!(!w.contains("quire build"), "built once, by check: {w}");
        // Everything else is this repository's workflow, line for line.
        for line in THIS_REPOSITORY.lines() {
            if !(line.contains("cargo run") || SOURCE_CACHE_STEP.contains(line)) {
                assert!(w.lines().any(|l| l == line), "lost line {line:?}");
            }
        }
        let parsed: serde_json::Value = serde_saphyr::from_str(&w).expect("valid YAML");
        assert_eq!(parsed["env"]["QUIRE_GIT"], "https://example.com/quire.git");
    }

    #[test]
    fn unknown_url_is_left_empty_for_the_workflow_to_explain() {
        let w = for_site(None);
        let parsed: serde_json::Value = serde_saphyr::from_str(&w).expect("valid YAML");
        assert_eq!(parsed["env"]["QUIRE_GIT"], "");
        assert!(w.contains("set QUIRE_GIT"), "{w}");
    }
}
