//! CJK-friendly Markdown on the seed post: the bold spans Jekyll (kramdown) gives it, and no
//! stray spaces from line breaks between Chinese lines.

mod common;

use common::*;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use quire::markdown::{cjk, options};

fn seed_body() -> String {
    let text = std::fs::read_to_string(repo_root().join(SEED_POST)).unwrap();
    text.split_once("\n---\n").unwrap().1.to_string()
}

/// The text inside each `<strong>`, with math written back as `$tex$` like kramdown leaves it.
fn strong_texts(body: &str, cjk_friendly: bool) -> Vec<String> {
    let events: Vec<_> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();
    let events = if cjk_friendly {
        cjk::cjk_friendly_emphasis(body, events)
    } else {
        events
    };
    let mut spans = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for (e, _) in events {
        match e {
            Event::Start(Tag::Strong) => depth += 1,
            Event::End(TagEnd::Strong) => {
                depth -= 1;
                if depth == 0 {
                    spans.push(std::mem::take(&mut current));
                }
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => current.push_str(&t),
            Event::InlineMath(t) if depth > 0 => current.push_str(&format!("${t}$")),
            _ => {}
        }
    }
    spans
}

#[test]
fn seed_bold_spans_equal_jekylls() {
    let expected: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/data/seed_strong.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(expected.len(), 36);
    let body = seed_body();
    assert_eq!(strong_texts(&body, true), expected);
    // Without the amendment pulldown-cmark gives fewer spans: the pass is what makes it right.
    assert_ne!(strong_texts(&body, false), expected);
}

#[test]
fn seed_page_has_36_strong_and_no_literal_asterisks() {
    let site = repo_site();
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.path().join("_site").join(SEED_PAGE)).unwrap();
    let content = &page[page.find("<div class=\"post-content\">").unwrap()..];
    assert_eq!(content.matches("<strong>").count(), 36);
    assert!(!content.contains("**"), "literal ** left in the page");
    // The two seed lines that must join without a space (East Asian line breaks).
    assert!(content.contains("经常会遇到过拟合的现象有些正则化策略"));
}

#[test]
fn options_turn_the_passes_off() {
    let site = repo_site();
    let toml = std::fs::read_to_string(site.path().join("site.toml")).unwrap();
    write(
        &site.path().join("site.toml"),
        &format!(
            "{toml}\n[markdown]\ncjk_friendly_emphasis = false\neast_asian_line_breaks = false\n"
        ),
    );
    let out = quire(&["build", "--source", site.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.path().join("_site").join(SEED_PAGE)).unwrap();
    assert!(page.contains("**理解范数：**"));
    assert!(page.contains("经常会遇到过拟合的现象\n有些正则化策略"));
}
