//! Math documents: equation numbers, labels and references, theorem-like blocks and links
//! between posts, built from `tests/fixtures/math` in a temp dir.

mod common;

use std::path::Path;

use common::html::select;
use common::{copy_site, quire, repo_root, stderr, write};

fn fixture() -> tempfile::TempDir {
    copy_site(
        &repo_root().join("tests/fixtures/math"),
        &["posts", "site.toml"],
    )
}

fn build(site: &Path) -> std::process::Output {
    quire(&["build", "--source", site.to_str().unwrap()])
}

fn page(site: &Path, url: &str) -> String {
    std::fs::read_to_string(site.join("_site").join(url.trim_start_matches('/'))).unwrap()
}

const DOCUMENT: &str = "/2020/01/01/document.html";

/// The `\tag`s KaTeX was given, in document order: the numbers quire assigned.
fn tags(html: &str) -> Vec<String> {
    select(html, "annotation")
        .iter()
        .flat_map(|a| {
            a.text
                .split("\\tag{")
                .skip(1)
                .map(|rest| rest.split('}').next().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Each cross-reference link: its text and target id.
fn references(html: &str) -> Vec<(String, String)> {
    select(html, "a.xref")
        .into_iter()
        .map(|a| {
            let href = a.attr("href").unwrap().to_string();
            (a.text.replace("&nbsp;", " ").replace('\u{a0}', " "), href)
        })
        .collect()
}

#[test]
fn every_equation_theorem_and_reference_gets_its_number() {
    let site = fixture();
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "a correct document builds without warnings: {}",
        stderr(&out)
    );
    let html = page(site.path(), DOCUMENT);
    assert!(!html.contains("katex-error"));
    // Section numbering: §1 has the definition's equation, the parallelogram law and an align
    // (its \nonumber row skipped, its \tag kept); §2 every other environment.
    assert_eq!(
        tags(&html),
        [
            "1.1", "1.2", "1.3", "$\\star$", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"
        ]
    );
    assert_eq!(
        references(&html),
        [
            ("Theorem 1", "#thm-cs"),
            ("1", "#thm-cs"),
            ("(1.1)", "#eq-def-norm"),
            ("Equation 1.2", "#eq-parallelogram"),
            ("Equation 1.2", "#eq-parallelogram"),
            ("Lemma 1", "#lem-a"),
            ("(2.1)", "#eq-single"),
        ]
        .map(|(t, h)| (t.to_string(), h.to_string()))
    );
    // A reference inside a larger formula is its number, as text.
    let inline = select(&html, "annotation")
        .into_iter()
        .find(|a| a.text.starts_with("y = "))
        .unwrap();
    assert_eq!(
        inline.text,
        "y = \\text{(1.3)} + \\text{$\\star$} + \\text{2.3}"
    );
}

#[test]
fn every_reference_points_at_the_element_holding_its_number() {
    let site = fixture();
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    for (_, href) in references(&html) {
        let id = href.trim_start_matches('#');
        let found = select(&html, &format!("[id=\"{id}\"]"));
        assert_eq!(found.len(), 1, "exactly one element has id {id}");
        let element = &found[0];
        if id.starts_with("eq-") {
            assert!(element.has_class("eq-anchor"), "{id}: {element:?}");
            // The anchor sits right before its formula, whose TeX carries the number.
            let after = &html[html.find(&format!("id=\"{id}\"")).unwrap()..];
            let formula = &after[after.find("<annotation").unwrap()..];
            let tex = &formula[..formula.find("</annotation>").unwrap()];
            let expected = match id {
                "eq-def-norm" => "\\tag{1.1}",
                "eq-parallelogram" => "\\tag{1.2}",
                "eq-single" => "\\tag{2.1}",
                other => panic!("unexpected target {other}"),
            };
            assert!(tex.contains(expected), "{id}: {tex}");
        } else {
            assert_eq!(element.tag, "div", "{id}");
            assert!(element.has_class("theorem"), "{id}");
        }
    }
    let titles: Vec<String> = select(&html, ".theorem-title")
        .into_iter()
        .map(|t| t.text)
        .collect();
    assert_eq!(
        titles,
        [
            "Definition 1 (Inner product).",
            "Theorem 1 (Cauchy–Schwarz).",
            "Proof.",
            "Remark.",
            "Lemma 1.",
            "Corollary 1.",
            "Proposition 1.",
            "Conjecture 1.",
            "Example 1.",
            "Exercise 1.",
            "Solution.",
            "Theorem 2.",
        ]
    );
    // The remark is inside the proof, and the proof ends with ∎ after it.
    let proof = &html[html.find("<div class=\"theorem proof\">").unwrap()..];
    let remark = proof.find("<div class=\"theorem remark\">").unwrap();
    let qed = proof.find("∎").unwrap();
    assert!(remark < qed, "the remark is nested in the proof, ∎ last");
    assert_eq!(select(&html, ".qed").len(), 1);
}

#[test]
fn a_link_to_a_posts_file_becomes_its_url_and_check_verifies_the_fragment() {
    let site = fixture();
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    let link = select(&html, "a")
        .into_iter()
        .find(|a| a.text == "the other post")
        .unwrap();
    assert_eq!(link.attr("href"), Some("/2019/03/01/other.html#eq-energy"));
    let other = page(site.path(), "/2019/03/01/other.html");
    assert_eq!(select(&other, "#eq-energy").len(), 1);
    let check = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));

    // A fragment the other post does not have: check names the line of the link.
    let post = site.path().join("posts/2020-01-01-document.md");
    let text = std::fs::read_to_string(&post).unwrap();
    write(&post, &text.replace("#eq-energy", "#eq-mass"));
    let check = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(!check.status.success());
    assert!(
        stderr(&check).contains("posts/2020-01-01-document.md:5:"),
        "{}",
        stderr(&check)
    );
    assert!(stderr(&check).contains("eq-mass"), "{}", stderr(&check));
}

#[test]
fn numbering_by_post_and_none() {
    let site = fixture();
    let toml = site.path().join("site.toml");
    write(&toml, "[math]\nnumbering = \"post\"\n");
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    assert_eq!(
        tags(&html),
        ["1", "2", "3", "$\\star$", "4", "5", "6", "7", "8", "9"]
    );
    write(&toml, "[math]\nnumbering = \"none\"\n");
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    assert_eq!(tags(&html), ["$\\star$"], "explicit tags stay");
    assert!(
        select(&html, ".eqn-num").is_empty(),
        "KaTeX's own counter is off too"
    );
}

#[test]
fn chinese_sites_name_blocks_in_chinese() {
    let site = fixture();
    write(&site.path().join("site.toml"), "lang = \"zh-CN\"\n");
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    let titles: Vec<String> = select(&html, ".theorem-title")
        .into_iter()
        .map(|t| t.text)
        .collect();
    for expected in [
        "定义 1（Inner product）",
        "定理 1（Cauchy–Schwarz）",
        "证明",
        "引理 1",
        "推论 1",
        "命题 1",
        "猜想 1",
        "例 1",
        "习题 1",
    ] {
        assert!(
            titles.iter().any(|t| t == expected),
            "{expected}: {titles:?}"
        );
    }
    assert!(references(&html).contains(&("定理 1".into(), "#thm-cs".into())));
}

/// Builds a one-post site whose body is `body`; returns the build's output.
fn build_post(body: &str, strict: bool) -> (tempfile::TempDir, std::process::Output) {
    let site = tempfile::tempdir().unwrap();
    write(
        &site.path().join("posts/2020-01-01-p.md"),
        &format!("---\ntitle: P\n---\n{body}"),
    );
    let mut args = vec!["build", "--source", site.path().to_str().unwrap()];
    if strict {
        args.push("--strict");
    }
    let out = quire(&args);
    (site, out)
}

#[test]
fn an_unknown_label_is_a_located_warning_and_shows_question_marks() {
    let (site, out) = build_post("Intro.\n\nSee $\\eqref{nope}$ and @thm-missing.\n", false);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("posts/2020-01-01-p.md:6:5: undefined label `nope`"),
        "{err}"
    );
    assert!(
        err.contains("posts/2020-01-01-p.md:6:24: undefined label `thm-missing`"),
        "{err}"
    );
    let html = page(site.path(), "/2020/01/01/p.html");
    let undefined: Vec<String> = select(&html, ".xref.undefined")
        .into_iter()
        .map(|e| e.text.replace("&nbsp;", " ").replace('\u{a0}', " "))
        .collect();
    assert_eq!(undefined, ["(??)", "Theorem ??"]);
}

#[test]
fn a_label_defined_twice_names_both_lines_and_fails_a_strict_build() {
    let body = "$$ a \\label{x} $$\n\n$$ b \\label{x} $$\n";
    let (_site, out) = build_post(body, false);
    assert!(out.status.success());
    assert!(
        stderr(&out)
            .contains("posts/2020-01-01-p.md:6:1: label `x` is defined twice: first at line 4:1"),
        "{}",
        stderr(&out)
    );
    let (_site, out) = build_post(body, true);
    assert!(
        !out.status.success(),
        "--strict turns the warning into a failure"
    );
}

#[test]
fn an_unclosed_block_is_an_error_at_its_line() {
    let (site, out) = build_post("Text.\n\n::: {#thm-a}\nNever closed.\n", false);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("posts/2020-01-01-p.md:6:1: this block is never closed"),
        "{}",
        stderr(&out)
    );
    assert!(
        !site.path().join("_site").exists(),
        "no site from a failed build"
    );
}

#[test]
fn an_unknown_block_kind_is_a_warning_and_a_plain_div() {
    let (site, out) = build_post("::: {.callout-note}\nNote *this*.\n:::\n", false);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("posts/2020-01-01-p.md:4:1: unknown block kind `callout-note`"),
        "{}",
        stderr(&out)
    );
    let html = page(site.path(), "/2020/01/01/p.html");
    let div = select(&html, "div.callout-note");
    assert_eq!(div.len(), 1);
    assert_eq!(div[0].text.trim(), "Note this.");
    assert_eq!(select(&html, "div.callout-note em").len(), 1);
}

#[test]
fn a_link_to_a_missing_post_file_is_a_located_warning() {
    let (_site, out) = build_post("Intro.\n\nSee [it](2019-01-01-gone.md#eq-a).\n", false);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains(
            "posts/2020-01-01-p.md:6:5: link to `2019-01-01-gone.md`: no post has that file"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn math_in_headings_is_rendered_and_plain_in_the_title_tag() {
    let site = fixture();
    assert!(build(site.path()).status.success());
    let html = page(site.path(), DOCUMENT);
    let toc = select(&html, ".toc a");
    assert!(toc[0].text.starts_with("Norms "), "{toc:?}");
    assert_eq!(select(&html, ".toc a .katex").len(), 1, "rendered, not TeX");
    assert_eq!(
        select(&html, "h1 .katex").len(),
        1,
        "the heading renders it"
    );
    let title = &select(&html, "title")[0].text;
    assert!(title.starts_with("Inner products and $L^2$"), "{title}");
}
