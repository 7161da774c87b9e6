//! Citations from BibTeX: every citation form in the default style (IEEE) and in APA, links
//! both ways between citations and entries, the bibliography's place and order, math in titles,
//! and the mistakes (unknown key, no bibliography, broken `.bib`), built from
//! `tests/fixtures/citations` in a temp dir.

mod common;

use std::path::Path;

use common::html::select;
use common::{copy_site, quire, repo_root, snapshot, stderr, write};

fn fixture() -> tempfile::TempDir {
    copy_site(
        &repo_root().join("tests/fixtures/citations"),
        &["posts", "references.bib"],
    )
}

fn build(site: &Path) -> std::process::Output {
    quire(&["build", "--source", site.to_str().unwrap()])
}

fn page(site: &Path, url: &str) -> String {
    std::fs::read_to_string(site.join("_site").join(url.trim_start_matches('/'))).unwrap()
}

const FORMS: &str = "/2024/01/01/forms.html";
const PLACED: &str = "/2024/01/02/placed.html";

/// The fixture built with `site_toml`; fails the test unless it builds without warnings.
fn built(site_toml: &str) -> tempfile::TempDir {
    let site = fixture();
    write(&site.path().join("site.toml"), site_toml);
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    site
}

/// Each citation's text, tags removed, in document order.
fn citations(html: &str) -> Vec<String> {
    select(html, "span.citation:not(.unknown)")
        .into_iter()
        .map(|c| c.text.replace("&amp;", "&"))
        .collect()
}

/// The bibliography's keys in order.
fn entry_keys(html: &str) -> Vec<String> {
    select(html, "section#refs div.csl-entry")
        .iter()
        .map(|e| e.attr("id").unwrap().trim_start_matches("ref-").to_string())
        .collect()
}

#[test]
fn every_form_in_the_default_numeric_style() {
    let site = built("");
    let html = page(site.path(), FORMS);
    assert_eq!(
        citations(&html),
        [
            "[1]",
            "[2], [3, p. 33]",
            "[4]",
            "C. Shannon [5]",
            "王小明 and 李华 [6]",
            "[1]",
            "[7]",
            "[8]",
            "[9]",
            "[10]",
        ]
    );
    // Numbered by first citation, listed in that order.
    assert_eq!(
        entry_keys(&html),
        [
            "vaswani2017",
            "he2016",
            "knuth1984",
            "turing1938",
            "shannon1948",
            "wang2020",
            "pytorch",
            "sobolev",
            "lecun1998",
            "arxiv2301",
        ]
    );
    let heading = select(&html, "section#refs h2");
    assert_eq!(heading.len(), 1);
    assert_eq!(heading[0].text, "References");
}

#[test]
fn every_form_in_apa() {
    let site = built("[citations]\nstyle = \"apa\"\n");
    let html = page(site.path(), FORMS);
    assert_eq!(
        citations(&html),
        [
            "(Vaswani et al., 2017)",
            "(He & Zhang, 2016; Knuth, 1984, p. 33)",
            "(1938)",
            "Shannon (1948)",
            "王小明 & 李华 (2020)",
            "(Vaswani et al., 2017)",
            "(PyTorch Team, 2023)",
            "(Adams, 1975)",
            "(LeCun, 1998)",
            "(Doe, 2023)",
        ]
    );
    // Alphabetical by author.
    assert_eq!(
        entry_keys(&html),
        [
            "sobolev",
            "arxiv2301",
            "he2016",
            "knuth1984",
            "lecun1998",
            "pytorch",
            "shannon1948",
            "turing1938",
            "vaswani2017",
            "wang2020",
        ]
    );
}

#[test]
fn chicago_author_date_is_offered() {
    let site = built("[citations]\nstyle = \"chicago-author-date\"\n");
    let got = citations(&page(site.path(), FORMS));
    assert_eq!(
        got[..4],
        [
            "(Vaswani et al. 2017)",
            "(He and Zhang 2016; Knuth 1984, 33)",
            "(1938)",
            "Shannon (1948)",
        ]
    );
}

#[test]
fn citations_and_entries_link_to_each_other() {
    let site = built("");
    let html = page(site.path(), FORMS);
    let ids: Vec<String> = select(&html, "[id]")
        .iter()
        .map(|e| e.attr("id").unwrap().to_string())
        .collect();
    let cites = select(&html, "a.cite");
    assert_eq!(cites.len(), 11);
    let mut seen = std::collections::HashMap::new();
    for a in &cites {
        let target = a.attr("href").unwrap().strip_prefix('#').unwrap();
        assert!(ids.iter().any(|i| i == target), "no element #{target}");
        let key = target.strip_prefix("ref-").unwrap();
        let n = seen.entry(key.to_string()).or_insert(0);
        *n += 1;
        assert_eq!(a.attr("id").unwrap(), format!("cite-{key}-{n}"));
        // Hovering shows the entry: its plain text, number first in a numeric style.
        let entry = select(&html, &format!("div#{target}"));
        let title = a.attr("title").unwrap();
        let number = &select(&html, &format!("div#{target} .csl-left-margin"))[0].text;
        assert!(title.starts_with(&format!("{number} ")), "{title}");
        assert!(!entry.is_empty());
    }
    assert_eq!(seen["vaswani2017"], 2);
    let vaswani = cites[0].attr("title").unwrap();
    assert!(
        vaswani.contains("“Attention Is All You Need,”"),
        "{vaswani}"
    );
    for back in select(&html, "a.cite-back") {
        let target = back.attr("href").unwrap().strip_prefix('#').unwrap();
        assert!(target.ends_with("-1"), "{target}");
        assert!(ids.iter().any(|i| i == target), "no element #{target}");
    }
    assert_eq!(select(&html, "a.cite-back").len(), 10);
    // The listing's excerpt keeps the citation's text, not its links into the post.
    let index = page(site.path(), "/index.html");
    assert!(index.contains("Transformers <span class=\"citation\">[1]</span>"));
    assert!(!index.contains("#ref-"), "{index}");
}

#[test]
fn math_in_titles_is_rendered_by_katex() {
    let site = built("");
    let html = page(site.path(), FORMS);
    assert!(!html.contains("katex-error"));
    let sobolev = select(&html, "div#ref-sobolev annotation");
    assert_eq!(sobolev.len(), 1);
    assert_eq!(sobolev[0].text, "L^2");
    let preprint = select(&html, "div#ref-arxiv2301 annotation");
    assert_eq!(preprint[0].text, "\\mathbb{R}^n");
    // Hover text keeps the TeX.
    let title = select(&html, "a[href='#ref-sobolev']")[0]
        .attr("title")
        .unwrap()
        .to_string();
    assert!(title.contains("L^2"), "{title}");
}

#[test]
fn what_is_not_a_citation_stays_as_written() {
    let site = built("");
    let html = page(site.path(), FORMS);
    assert!(html.contains("someone@example.com"));
    assert!(html.contains("<code>@knuth1984</code>"));
    assert!(html.contains("href=\"https://example.com/@vaswani2017\""));
    let xref = select(&html, "a.xref");
    assert_eq!(xref[0].attr("href"), Some("#eq-energy"));
}

#[test]
fn the_refs_block_places_the_bibliography_and_the_author_heads_it() {
    let site = built("lang = \"zh-CN\"\n");
    let html = page(site.path(), PLACED);
    let refs = html
        .find("<section class=\"references\" id=\"refs\">")
        .unwrap();
    let heading = html.find("id=\"references\"").unwrap();
    let appendix = html.find("id=\"appendix\"").unwrap();
    assert!(heading < refs && refs < appendix, "{html}");
    assert!(select(&html, "section#refs h2").is_empty());
    assert_eq!(entry_keys(&html), ["knuth1984"]);
    // At the end, the heading is in the site's language.
    let forms = page(site.path(), FORMS);
    assert_eq!(select(&forms, "section#refs h2")[0].text, "参考文献");
}

/// A one-post site with the fixture's `.bib` (or none); returns it and the build's output.
fn build_post(body: &str, with_bib: bool) -> (tempfile::TempDir, std::process::Output) {
    let site = tempfile::tempdir().unwrap();
    write(
        &site.path().join("posts/2020-01-01-p.md"),
        &format!("---\ntitle: P\n---\n{body}"),
    );
    if with_bib {
        std::fs::copy(
            repo_root().join("tests/fixtures/citations/references.bib"),
            site.path().join("references.bib"),
        )
        .unwrap();
    }
    let out = build(site.path());
    (site, out)
}

#[test]
fn an_unknown_key_is_a_located_warning_and_shown_with_a_question_mark() {
    let (site, out) = build_post(
        "Intro.\n\nSee [@knuth1984; @nobody2000] and @ghost.\n",
        true,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("posts/2020-01-01-p.md:6:18: unknown citation key `nobody2000`"),
        "{err}"
    );
    assert!(
        err.contains("posts/2020-01-01-p.md:6:35: unknown citation key `ghost`"),
        "{err}"
    );
    let html = page(site.path(), "/2020/01/01/p.html");
    let unknown: Vec<String> = select(&html, "span.unknown")
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(unknown, ["[?nobody2000]", "[?ghost]"]);
    assert_eq!(entry_keys(&html), ["knuth1984"]);
}

#[test]
fn without_a_bibliography_handles_stay_and_bracketed_keys_warn() {
    let (site, out) = build_post("Ping @octocat.\n\nSee [@knuth1984].\n", false);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("posts/2020-01-01-p.md:6:5: `[@knuth1984]` looks like a citation"),
        "{err}"
    );
    assert!(!err.contains("octocat"), "{err}");
    let html = page(site.path(), "/2020/01/01/p.html");
    assert!(html.contains("Ping @octocat."));
    assert!(html.contains("See [@knuth1984]."));
    assert!(select(&html, "section#refs").is_empty());
}

#[test]
fn a_broken_bib_fails_the_build_at_its_line_and_keeps_the_site() {
    let site = built("");
    let before = snapshot(&site.path().join("_site"));
    let bib = site.path().join("references.bib");
    let mut text = std::fs::read_to_string(&bib).unwrap();
    let line = text.lines().count() + 2;
    text.push_str("\n@book{broken,\n  title = {Unclosed,\n  year = 2000\n");
    write(&bib, &text);
    let out = build(site.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    let at = err
        .find("references.bib:")
        .unwrap_or_else(|| panic!("{err}"));
    let found: usize = err[at..].split(':').nth(1).unwrap().parse().unwrap();
    assert!((line..=line + 3).contains(&found), "line {line}: {err}");
    assert!(err.contains("BibTeX"), "{err}");
    assert_eq!(snapshot(&site.path().join("_site")), before);
}

#[test]
fn site_toml_and_front_matter_name_the_files() {
    let site = fixture();
    std::fs::rename(
        site.path().join("references.bib"),
        site.path().join("main.bib"),
    )
    .unwrap();
    write(
        &site.path().join("extra.bib"),
        "@misc{only_here, title = {Only Here}, year = 2001}\n",
    );
    write(
        &site.path().join("site.toml"),
        "bibliography = [\"main.bib\"]\n",
    );
    write(
        &site.path().join("posts/2024-02-01-own.md"),
        "---\ntitle: Own\nbibliography: extra.bib\n---\nSee [@only_here].\n",
    );
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let own = page(site.path(), "/2024/02/01/own.html");
    assert_eq!(entry_keys(&own), ["only_here"]);
    assert_eq!(entry_keys(&page(site.path(), PLACED)), ["knuth1984"]);

    write(
        &site.path().join("site.toml"),
        "title = \"x\"\nbibliography = \"missing.bib\"\n",
    );
    let out = build(site.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("site.toml:2:1: bibliography: no such file `missing.bib`"),
        "{err}"
    );
}

#[test]
fn an_unknown_style_names_the_line_and_the_styles() {
    let site = fixture();
    write(
        &site.path().join("site.toml"),
        "[citations]\nstyle = \"mla\"\n",
    );
    let out = build(site.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("site.toml:2:"), "{err}");
    assert!(err.contains("chicago-author-date"), "{err}");
}

#[test]
fn a_warm_build_reuses_the_formatting_until_the_bib_changes() {
    let site = built("");
    let dir = site.path().join(".quire-cache/citations");
    assert!(
        std::fs::read_dir(&dir).unwrap().count() >= 2,
        "one entry per post"
    );
    let first = page(site.path(), FORMS);
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(page(site.path(), FORMS), first);
    // An edited entry is formatted again.
    let bib = site.path().join("references.bib");
    let text = std::fs::read_to_string(&bib).unwrap().replace(
        "Attention Is All You Need",
        "Attention Is Most of What You Need",
    );
    write(&bib, &text);
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = page(site.path(), FORMS);
    let entry = &select(&html, "div#ref-vaswani2017")[0].text;
    assert!(
        entry.contains("Attention Is Most of What You Need"),
        "{entry}"
    );
}

#[test]
fn quire_check_finds_every_citation_and_back_link_target() {
    let site = built("");
    let out = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(" 0 broken"), "{}", stderr(&out));
}
