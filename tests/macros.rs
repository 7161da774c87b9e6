//! Shared and per-post math macros, as an author uses them: `macros.tex` (or the file
//! `[math] macros_file` names), `[math] macros` in `site.toml` and a post's own `macros:`, built
//! with the `quire` binary over fixture sites in temp dirs.

mod common;

use std::path::Path;
use std::time::Duration;

use common::serve::Server;
use common::{quire, stderr, write};
use quire::config::MathConfig;
use quire::markdown::math::{self, Formula};

const PAGE_A: &str = "2020/01/01/a.html";
const PAGE_B: &str = "2020/01/02/b.html";

const MACROS_TEX: &str = r"% Shared macros: one definition of each form.
\newcommand{\R}{\mathbb{R}}
\newcommand\N{\mathbb N} % the naturals
\newcommand{\norm}[1]{\left\| #1 \right\|}
\newcommand{\pick}[2]{#2}   % declares two, uses only the second
\renewcommand{\vec}[1]{\mathbf{#1}}
\def\abs#1{\lvert #1 \rvert}
\DeclareMathOperator{\tr}{tr}
\DeclareMathOperator*{\esssup}{ess\,sup}
\newcommand{\E}{\mathrm{E}}
\newcommand{\setof}[1]{\left\{ #1 \right\}}
";

/// `site.toml`'s `\E` replaces the file's.
const SITE_TOML: &str = "title = \"Macros\"\n[math]\nmacros = { '\\E' = '\\mathbb{E}' }\n";

/// Post `a` replaces the global `\R` with its own.
const POST_A: &str = "---\ntitle: 'A on $\\R^n$'\nmacros:\n  '\\R': '\\mathbf{R}'\n---\n\
Reals $\\R$, norm $\\norm{x}$, pick $\\pick{a}{b}$, abs $\\abs{y}$ and $\\vec{v} \\in \\N$.\n\n\
$$\\esssup_{x \\in \\setof{1, 2}} \\tr(A) + \\E[X]$$\n";

/// Post `b` has no macros of its own: `\R` is the site's.
const POST_B: &str = "---\ntitle: B\n---\nReals $\\R$ again.\n";

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("site.toml"), SITE_TOML);
    write(&dir.path().join("macros.tex"), MACROS_TEX);
    write(&dir.path().join("posts/2020-01-01-a.md"), POST_A);
    write(&dir.path().join("posts/2020-01-02-b.md"), POST_B);
    dir
}

fn build(site: &Path) -> std::process::Output {
    quire(&["build", "--source", site.to_str().unwrap()])
}

/// Builds, and returns what `quire build` reports (on stderr).
fn build_ok(site: &Path) -> String {
    let out = build(site);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// Builds, expecting a failure whose message includes `want`.
fn build_fails_with(site: &Path, want: &str) {
    let out = build(site);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(want), "want {want}\n got {err}");
}

fn page(site: &Path, page: &str) -> String {
    std::fs::read_to_string(site.join("_site").join(page)).unwrap()
}

/// What KaTeX draws for `tex` with no macros at all: its `katex-html` part, which is what a
/// reader sees (the MathML beside it quotes the TeX as written, macros and all).
fn drawn(tex: &str, display: bool) -> String {
    let html = math::render(
        &Formula {
            tex: tex.into(),
            display,
            macros: Default::default(),
        },
        &MathConfig::default(),
    )
    .unwrap();
    let start = html.find("<span class=\"katex-html\"").unwrap();
    let closing = if display { "</span></span>" } else { "</span>" };
    html[start..].strip_suffix(closing).unwrap().to_string()
}

#[test]
fn each_macro_draws_what_its_hand_expansion_draws() {
    let site = site();
    build_ok(site.path());
    let a = page(site.path(), PAGE_A);
    assert!(!a.contains("katex-error"), "{a}");
    for (expanded, display) in [
        // The post's own `\R`, not the site's.
        ("\\mathbf{R}", false),
        ("\\left\\| x \\right\\|", false),
        ("b", false),
        ("\\lvert y \\rvert", false),
        ("\\mathbf{v} \\in \\mathbb N", false),
        // `\DeclareMathOperator*`: limits under it in display math; site.toml's `\E`.
        (
            "\\operatorname*{ess\\,sup}_{x \\in \\left\\{ 1, 2 \\right\\}} \\operatorname{tr}(A) + \\mathbb{E}[X]",
            true,
        ),
    ] {
        assert!(a.contains(&drawn(expanded, display)), "{expanded}:\n{a}");
    }
    // The title's formulas take the post's macros too.
    assert!(a.contains(&drawn("\\mathbf{R}^n", false)), "{a}");
    // The formulas are the macros as written (the MathML annotation keeps the TeX).
    assert!(a.contains("\\pick{a}{b}"), "{a}");
    assert!(
        !a.contains(&drawn("\\mathbb{R}", false)),
        "a's own \\R wins"
    );
    assert!(
        !a.contains(&drawn("\\mathrm{E}", false)),
        "site.toml's \\E wins"
    );

    let b = page(site.path(), PAGE_B);
    assert!(!b.contains("katex-error"), "{b}");
    assert!(b.contains(&drawn("\\mathbb{R}", false)), "{b}");
    assert!(
        !b.contains(&drawn("\\mathbf{R}", false)),
        "a's macros stay in a"
    );
}

#[test]
fn a_mistake_in_the_macros_file_fails_the_build_at_its_line() {
    let site = site();
    // The body's closing brace dropped: `\}` is a brace drawn, not one that closes.
    let broken = MACROS_TEX.replace("\\right\\}}", "\\right\\}");
    std::fs::write(site.path().join("macros.tex"), broken).unwrap();
    build_fails_with(
        site.path(),
        "macros.tex:11:23: this `{` is never closed (in the definition of \\setof)",
    );
    assert!(!site.path().join("_site").exists(), "nothing is written");

    std::fs::write(site.path().join("macros.tex"), "\\usepackage{amsmath}\n").unwrap();
    build_fails_with(
        site.path(),
        "macros.tex:1:1: `\\usepackage` is not a definition",
    );
}

#[test]
fn macros_file_moves_the_file_and_must_exist_when_set() {
    let site = site();
    std::fs::remove_file(site.path().join("macros.tex")).unwrap();
    // Without any macros file, the formulas that need one are KaTeX errors (warnings).
    let report = build_ok(site.path());
    assert!(
        report.contains("warning: posts/2020-01-01-a.md:6:18:"),
        "{report}"
    );
    assert!(
        report.contains("Undefined control sequence: \\norm"),
        "{report}"
    );

    let config = format!("{SITE_TOML}macros_file = \"tex/shared.tex\"\n");
    std::fs::write(site.path().join("site.toml"), &config).unwrap();
    build_fails_with(
        site.path(),
        "site.toml:4:1: math.macros_file: there is no file `tex/shared.tex`",
    );

    write(&site.path().join("tex/shared.tex"), MACROS_TEX);
    let report = build_ok(site.path());
    assert!(!report.contains("warning"), "{report}");
    assert!(!page(site.path(), PAGE_A).contains("katex-error"));
    std::fs::write(
        site.path().join("tex/shared.tex"),
        "\\newcommand{\\R}[x]{1}",
    )
    .unwrap();
    build_fails_with(
        site.path(),
        "tex/shared.tex:1:17: the number of arguments must be 0 to 9, not `x`",
    );
}

/// The KaTeX cache on disk (`.quire-cache/store.redb`) keys each formula on the macros it was
/// drawn with: an edit to `macros.tex`, or to one post's own macros, shows in the next build.
#[test]
fn edited_macros_change_the_pages_despite_the_disk_cache() {
    let site = site();
    build_ok(site.path());
    assert!(site.path().join(".quire-cache/store.redb").is_file());
    let a_before = page(site.path(), PAGE_A);
    assert!(page(site.path(), PAGE_B).contains(&drawn("\\mathbb{R}", false)));

    let edited = MACROS_TEX.replace("{\\R}{\\mathbb{R}}", "{\\R}{\\mathcal{R}}");
    std::fs::write(site.path().join("macros.tex"), edited).unwrap();
    build_ok(site.path());
    let b = page(site.path(), PAGE_B);
    assert!(b.contains(&drawn("\\mathcal{R}", false)), "{b}");
    assert!(!b.contains(&drawn("\\mathbb{R}", false)), "{b}");
    // Post a's own `\R` still wins.
    assert!(page(site.path(), PAGE_A).contains(&drawn("\\mathbf{R}", false)));

    // Editing a's own macros draws a's seven formulas again (its title's among them: each is
    // keyed on a's macros) and none of b's: b's page stays byte for byte as it was.
    let b_before = page(site.path(), PAGE_B);
    let post_a = site.path().join("posts/2020-01-01-a.md");
    let text = std::fs::read_to_string(&post_a).unwrap();
    std::fs::write(&post_a, text.replace("\\mathbf{R}", "\\mathsf{R}")).unwrap();
    let report = build_ok(site.path());
    let a = page(site.path(), PAGE_A);
    assert!(a.contains(&drawn("\\mathsf{R}", false)), "{a}");
    assert_ne!(a, a_before);
    assert_eq!(page(site.path(), PAGE_B), b_before, "b is untouched");
    assert!(report.contains("(8 formulas, 7 rendered)"), "{report}");
}

#[test]
fn the_preview_follows_macros_tex_and_shows_its_mistakes() {
    let site = site();
    let server = Server::start(site.path(), &[]);
    let events = server.events();
    events
        .next(Duration::from_secs(60))
        .expect("a status event");
    let url = format!("/{PAGE_B}");
    assert!(server.get(&url).body.contains(&drawn("\\mathbb{R}", false)));

    let macros = site.path().join("macros.tex");
    let edited = MACROS_TEX.replace("{\\R}{\\mathbb{R}}", "{\\R}{\\mathcal{R}}");
    std::fs::write(&macros, &edited).unwrap();
    events
        .wait_for(Duration::from_secs(60), |e| e.name == "reload")
        .expect("a reload after editing macros.tex");
    assert!(
        server
            .get(&url)
            .body
            .contains(&drawn("\\mathcal{R}", false))
    );

    std::fs::write(&macros, edited.replace("\\def\\abs#1", "\\def\\abs#1.")).unwrap();
    let failed = events
        .wait_for(Duration::from_secs(60), |e| e.name == "problems")
        .expect("a problems event");
    let problem = &failed.data["problems"][0];
    assert_eq!(problem["severity"], "error", "{problem}");
    assert_eq!(problem["path"], "macros.tex", "{problem}");
    assert_eq!(problem["line"], 7, "{problem}");
    assert!(
        problem["text"]
            .as_str()
            .unwrap()
            .starts_with("macros.tex:7:11: \\abs: delimited parameters"),
        "{problem}"
    );

    std::fs::write(&macros, &edited).unwrap();
    events
        .wait_for(Duration::from_secs(60), |e| {
            e.data["problems"] == serde_json::json!([])
        })
        .expect("the problem clears once fixed");
}
