//! The progress bar is for a person at a terminal: with stderr piped (CI logs, scripts) a build
//! prints its summary line and nothing else, however long it takes.

mod common;

use common::*;

#[test]
fn a_slow_build_with_stderr_piped_prints_no_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    // Slow enough to pass the bar's one-second threshold in a debug build: every formula goes
    // through KaTeX (`--no-cache`).
    for i in 0..120 {
        let formulas: String = (0..8)
            .map(|j| format!("$\\frac{{a_{{{i}}}}}{{b_{{{j}}}}} + \\sqrt{{x^{{{j}}}}}$ "))
            .collect();
        write(
            &site.join(format!("posts/2020-01-01-p{i}.md")),
            &format!("---\ntitle: P{i}\n---\n{formulas}\n"),
        );
    }
    let o = quire(&["build", "--no-cache", "--source", site.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains('\r'), "{err:?}");
    assert!(!err.contains('\u{1b}'), "escape codes: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("built 120 posts"), "{err}");
}
