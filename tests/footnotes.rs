//! Footnotes: ids that never collide with headings, links both ways, excerpts without note
//! references, and this repository's site passing `quire check` with a note in a first paragraph.

mod common;

use common::html::select;
use common::{SEED_POST, quire, repo_site, stderr, write};

#[test]
fn note_ids_never_collide_with_heading_ids_and_link_both_ways() {
    let site = tempfile::tempdir().unwrap();
    write(
        &site.path().join("posts/2020-01-01-n.md"),
        "---\ntitle: N\n---\n# 1\n\n## fn\n\nA claim[^1] and another[^x].\n\n## 2\n\n[^1]: The first note.\n[^x]: The second, with $x^2$.\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(site.path().join("_site/2020/01/01/n.html")).unwrap();
    let ids: Vec<String> = select(&html, "[id]")
        .into_iter()
        .map(|e| e.attr("id").unwrap().to_string())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    for id in ["1", "fn", "2", "fnref:1", "fnref:2", "fn:1", "fn:2"] {
        assert!(ids.iter().any(|i| i == id), "{id}: {ids:?}");
    }
    for (from, to) in [("fnref:1", "#fn:1"), ("fnref:2", "#fn:2")] {
        let sup = &select(&html, &format!("sup[id=\"{from}\"] a"))[0];
        assert_eq!(sup.attr("href"), Some(to));
    }
    for n in [1, 2] {
        let back = select(&html, &format!("li[id=\"fn:{n}\"] a.footnote-backref"));
        assert_eq!(back[0].attr("href"), Some(format!("#fnref:{n}").as_str()));
    }
    // The margin copy renders the note's math too.
    assert_eq!(select(&html, ".sidenote .katex").len(), 1);
    let check = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn the_seed_site_passes_check_with_a_note_in_a_first_paragraph() {
    let site = repo_site();
    let post = site.path().join(SEED_POST);
    let text = std::fs::read_to_string(&post).unwrap();
    // The first paragraph of the body gets a note: the index shows that paragraph.
    let body = text.find("\n---\n").unwrap() + 5;
    let first_break = body + text[body..].find("\n\n").unwrap();
    let with_note = format!(
        "{}[^seed]{}\n\n[^seed]: A note on the first paragraph.\n",
        &text[..first_break],
        &text[first_break..]
    );
    write(&post, &with_note);
    let build = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(build.status.success(), "{}", stderr(&build));
    let index = std::fs::read_to_string(site.path().join("_site/index.html")).unwrap();
    assert!(
        !index.contains("fnref"),
        "the excerpt keeps no note reference"
    );
    let check = quire(&["check", "--source", site.path().to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn sidenotes_can_be_turned_off() {
    let site = tempfile::tempdir().unwrap();
    write(
        &site.path().join("site.toml"),
        "[markdown]\nsidenotes = false\n",
    );
    write(
        &site.path().join("posts/2020-01-01-n.md"),
        "---\ntitle: N\n---\nText[^a].\n\n[^a]: Note.\n",
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(site.path().join("_site/2020/01/01/n.html")).unwrap();
    assert!(select(&html, ".sidenote").is_empty());
    assert_eq!(select(&html, "section.footnotes li").len(), 1);
}
