//! A Jekyll math blog moved in unchanged (issue 14). `tests/fixtures/jekyll/` is a small
//! GitHub-Pages-style Jekyll site using kramdown's math, IALs, ALDs, `{:toc}`, extensions,
//! footnotes, abbreviations, definition lists and Liquid; `tests/data/jekyll/` holds what real
//! Jekyll 4.3.1 made of it (`regenerate.sh` remakes it). quire's build of the imported fixture
//! is read back with the same rules the data was extracted with and compared: every formula's
//! mode and order, every attributed element, the TOC, headings, footnotes, abbreviations,
//! links and paragraph text (Liquid's values), and the set of URLs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use quire::build::{BuildOptions, build};
use quire::check::{CheckOptions, check};
use serde_json::Value;

fn fixture() -> PathBuf {
    repo_root().join("tests/fixtures/jekyll")
}

fn jekyll_data() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        let text =
            std::fs::read_to_string(repo_root().join("tests/data/jekyll/pages.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn jekyll_urls() -> Vec<String> {
    std::fs::read_to_string(repo_root().join("tests/data/jekyll/urls.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The fixture imported (`quire import-jekyll`) into a temp folder: (temp, site folder).
fn imported() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = quire(&[
        "import-jekyll",
        fixture().to_str().unwrap(),
        site.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, site)
}

struct Build {
    _dir: tempfile::TempDir,
    out: PathBuf,
    built: quire::build::Built,
}

/// The imported fixture built once for every test that only reads the output.
fn built() -> &'static Build {
    static BUILT: OnceLock<Build> = OnceLock::new();
    BUILT.get_or_init(|| {
        let (dir, site) = imported();
        let mut opts = BuildOptions::new(&site);
        opts.output = dir.path().join("out");
        let built = build(&opts).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            built.report.warnings.is_empty(),
            "{:#?}",
            built.report.warnings
        );
        Build {
            out: opts.output.clone(),
            _dir: dir,
            built,
        }
    })
}

/// The output file of a URL as Jekyll's list writes it (`/x/` → `x/index.html`).
fn file_of(url: &str) -> String {
    let rel = url.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    }
}

/// The page's content: what the Markdown stage made, inside the theme's `post-content`.
fn content(out: &Path, url: &str) -> String {
    let html = std::fs::read_to_string(out.join(file_of(url))).unwrap();
    let open = "<div class=\"post-content\">";
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("{url}: no post-content"))
        + open.len();
    // The theme's links to the previous and next post come after the content.
    let end = html
        .find("<nav class=\"post-nav\">")
        .or_else(|| html.rfind("</article>"))
        .unwrap();
    html[start..end].to_string()
}

/// HTML as a flat list of start tags, end tags and text (entities decoded), read by
/// lol_html, the parser quire uses on its output.
#[derive(Debug, Clone)]
enum Node {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
}

fn nodes(html: &str) -> Vec<Node> {
    use lol_html::{EndTagHandler, RewriteStrSettings, doc_text, element, rewrite_str};
    use std::cell::RefCell;
    use std::rc::Rc;
    let found: Rc<RefCell<Vec<Node>>> = Rc::default();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("*", |el| {
            let tag = el.tag_name();
            let attrs = el
                .attributes()
                .iter()
                .map(|a| (a.name(), quire::html::decode_entities(&a.value())))
                .collect();
            found.borrow_mut().push(Node::Start(tag.clone(), attrs));
            if let Some(handlers) = el.end_tag_handlers() {
                let found = Rc::clone(&found);
                let close: EndTagHandler<'static> = Box::new(move |_| {
                    found.borrow_mut().push(Node::End(tag));
                    Ok(())
                });
                handlers.push(close);
            }
            Ok(())
        }))
        .append_document_content_handler(doc_text!(|t| {
            found.borrow_mut().push(Node::Text(t.as_str().to_string()));
            Ok(())
        }));
    rewrite_str(html, settings).unwrap();
    let mut nodes = found.take();
    // Text comes in chunks; entities are decoded once the chunks are joined.
    let mut joined: Vec<Node> = Vec::with_capacity(nodes.len());
    for n in nodes.drain(..) {
        match (joined.last_mut(), n) {
            (Some(Node::Text(a)), Node::Text(b)) => a.push_str(&b),
            (_, n) => joined.push(n),
        }
    }
    joined
        .into_iter()
        .map(|n| match n {
            Node::Text(t) => Node::Text(quire::html::decode_entities(&t)),
            n => n,
        })
        .collect()
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn classes(attrs: &[(String, String)]) -> Vec<&str> {
    attr(attrs, "class")
        .unwrap_or("")
        .split_whitespace()
        .collect()
}

fn norm_text(s: &str) -> String {
    s.replace(['\u{2019}', '\u{2018}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_heading(tag: &str) -> bool {
    matches!(tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// What a page holds, by the rules `tests/data/jekyll/extract.py` read Jekyll's with; the
/// differences are quire's own markup, named where they are skipped.
#[derive(Debug, Default)]
struct Page {
    math: Vec<(String, String)>,
    attributed: Vec<(String, BTreeMap<String, String>)>,
    toc: Option<Vec<String>>,
    headings: Vec<(u64, String)>,
    footnotes: Vec<String>,
    abbr: Vec<(String, String)>,
    dt: Vec<String>,
    links: Vec<String>,
    images: Vec<String>,
    code: Vec<String>,
    paragraphs: Vec<String>,
    liquid_left: usize,
}

/// Subtrees read for one thing only: quire's formulas (KaTeX), code blocks, footnotes, the TOC,
/// footnote references and heading anchors.
fn skipped_subtree(tag: &str, attrs: &[(String, String)]) -> bool {
    let c = classes(attrs);
    (tag == "span" && (c.contains(&"katex") || c.contains(&"katex-display")))
        || tag == "pre"
        || (tag == "section" && c.contains(&"footnotes"))
        || (tag == "div" && c.contains(&"footnotes"))
        || (tag == "ul" && attr(attrs, "id") == Some("markdown-toc"))
        || (tag == "sup" && (c.contains(&"footnote-ref") || attr(attrs, "id").is_some()))
        || (tag == "a" && (c.contains(&"anchor") || c.contains(&"heading-anchor")))
}

type Attrs = Vec<(String, String)>;

fn read_page(html: &str) -> Page {
    let mut page = Page::default();
    // Open elements: (tag, attrs, skipped).
    let mut stack: Vec<(String, Attrs, bool)> = Vec::new();
    // Open captures: (kind, attrs, text, skipped).
    let mut captures: Vec<(String, Attrs, String, bool)> = Vec::new();
    let mut in_tex: Option<bool> = None;
    let mut all_text = String::new();
    // quire's sidenotes repeat each footnote beside its reference; Jekyll has none, so they
    // are left out (the footnote itself is read at the end).
    let mut hidden: Option<usize> = None;
    for node in nodes(html) {
        if hidden.is_some_and(|depth| stack.len() < depth) {
            hidden = None;
        }
        if hidden.is_some() {
            match node {
                Node::Start(tag, attrs) => stack.push((tag, attrs, true)),
                Node::End(tag) => {
                    while let Some((t, _, _)) = stack.pop() {
                        if t == tag {
                            break;
                        }
                    }
                }
                Node::Text(_) => {}
            }
            continue;
        }
        match node {
            Node::Start(tag, attrs) if tag == "span" && classes(&attrs).contains(&"sidenote") => {
                stack.push((tag, attrs, true));
                hidden = Some(stack.len());
            }
            Node::Start(tag, attrs) => {
                let skipping = stack.iter().any(|(_, _, s)| *s);
                let c = classes(&attrs);
                if tag == "span" && c.contains(&"katex") {
                    let display = stack.last().is_some_and(|(t, a, _)| {
                        t == "span" && classes(a).contains(&"katex-display")
                    });
                    page.math.push((
                        if display { "display" } else { "inline" }.into(),
                        String::new(),
                    ));
                }
                if tag == "annotation" && attr(&attrs, "encoding") == Some("application/x-tex") {
                    in_tex = Some(true);
                }
                if tag == "ul" && attr(&attrs, "id") == Some("markdown-toc") {
                    page.toc = Some(Vec::new());
                }
                let in_toc = stack
                    .iter()
                    .any(|(t, a, _)| t == "ul" && attr(a, "id") == Some("markdown-toc"));
                if tag == "a" && in_toc {
                    page.toc
                        .as_mut()
                        .unwrap()
                        .push(attr(&attrs, "href").unwrap_or_default().into());
                }
                if tag == "code" && stack.last().is_some_and(|(t, _, _)| t == "pre") {
                    let lang = c
                        .iter()
                        .find_map(|c| c.strip_prefix("language-"))
                        .or(attr(&attrs, "data-lang"))
                        .unwrap_or_default();
                    page.code.push(lang.into());
                }
                let in_notes = stack.iter().any(|(t, a, _)| {
                    matches!(t.as_str(), "section" | "div") && classes(a).contains(&"footnotes")
                });
                if tag == "li" && in_notes {
                    page.footnotes
                        .push(attr(&attrs, "id").unwrap_or_default().into());
                }
                let skip = skipped_subtree(&tag, &attrs);
                if !skipping && !skip {
                    if tag == "a" {
                        page.links
                            .push(attr(&attrs, "href").unwrap_or_default().into());
                    }
                    if tag == "img" {
                        page.images
                            .push(attr(&attrs, "src").unwrap_or_default().into());
                    }
                    if is_heading(&tag) {
                        page.headings.push((
                            tag[1..].parse().unwrap(),
                            attr(&attrs, "id").unwrap_or_default().into(),
                        ));
                    }
                    let mut kept = BTreeMap::new();
                    for (k, v) in &attrs {
                        if matches!(k.as_str(), "href" | "src" | "alt") {
                            continue;
                        }
                        kept.insert(k.clone(), v.clone());
                    }
                    if is_heading(&tag) && !kept.contains_key("class") {
                        kept.remove("id");
                    }
                    if tag != "abbr" && !kept.is_empty() {
                        page.attributed.push((tag.clone(), kept));
                    }
                }
                if matches!(tag.as_str(), "abbr" | "dt" | "p") {
                    captures.push((tag.clone(), attrs.clone(), String::new(), skipping || skip));
                }
                stack.push((tag, attrs, skip));
            }
            Node::End(tag) => {
                if tag == "annotation" {
                    in_tex = None;
                }
                while let Some((t, _, _)) = stack.pop() {
                    if t == tag {
                        break;
                    }
                }
                if captures.last().is_some_and(|(k, _, _, _)| *k == tag) {
                    let (kind, attrs, text, skipped) = captures.pop().unwrap();
                    match kind.as_str() {
                        "abbr" if !skipped => page
                            .abbr
                            .push((text, attr(&attrs, "title").unwrap_or_default().into())),
                        "abbr" => {}
                        "dt" => page.dt.push(norm_text(&text)),
                        _ if !skipped && !text.contains('\u{0}') => {
                            page.paragraphs.push(norm_text(&text))
                        }
                        _ => {}
                    }
                }
            }
            Node::Text(t) => {
                if in_tex.is_some() {
                    page.math.last_mut().unwrap().1.push_str(&t);
                    // A formula's text stands for math: its paragraph is not compared.
                    for c in captures.iter_mut() {
                        c.2.push('\u{0}');
                    }
                    continue;
                }
                let in_katex = stack
                    .iter()
                    .any(|(t, a, _)| t == "span" && classes(a).contains(&"katex"));
                if !in_katex {
                    all_text.push_str(&t);
                    for c in captures.iter_mut() {
                        c.2.push_str(&t);
                    }
                }
            }
        }
    }
    page.liquid_left = all_text.matches("{{").count() + all_text.matches("{%").count();
    page
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The HTML pages Jekyll wrote, with what it wrote in each.
fn jekyll_pages() -> Vec<(&'static String, &'static Value)> {
    jekyll_data().as_object().unwrap().iter().collect()
}

fn quire_page(url: &str) -> Page {
    read_page(&content(&built().out, url))
}

#[test]
fn every_formula_is_in_kramdowns_mode_in_kramdowns_order() {
    let mut totals = (0, 0);
    for (url, want) in jekyll_pages() {
        let got = quire_page(url);
        let want: Vec<(String, String)> = pairs(&want["math"])
            .into_iter()
            .map(|(m, t)| (m, t.trim().to_string()))
            .collect();
        let got: Vec<(String, String)> = got
            .math
            .into_iter()
            .map(|(m, t)| (m, t.trim().to_string()))
            .collect();
        assert_eq!(got, want, "{url}");
        for (mode, _) in &want {
            if mode == "display" {
                totals.0 += 1;
            } else {
                totals.1 += 1;
            }
        }
    }
    // The fixture's formulas: some of each mode, so the comparison means something.
    assert!(totals.0 >= 5 && totals.1 >= 10, "{totals:?}");
}

#[test]
fn single_dollars_are_text() {
    let html = content(&built().out, "/notes/2019/01/01/welcome/");
    assert!(
        html.contains("a price such as\n$5 or $10 is plain text"),
        "{html}"
    );
    let p = quire_page("/analysis/2019/02/14/gaussian-integral/");
    assert!(
        p.paragraphs.iter().any(|t| t.contains("sign, $x$ in it")),
        "{:?}",
        p.paragraphs
    );
}

#[test]
fn every_attribute_list_is_on_the_element_jekyll_puts_it_on() {
    let mut count = 0;
    for (url, want) in jekyll_pages() {
        let want: Vec<(String, BTreeMap<String, String>)> = want["attributed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let attrs = e["attrs"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                (e["tag"].as_str().unwrap().to_string(), attrs)
            })
            .collect();
        count += want.len();
        assert_eq!(quire_page(url).attributed, want, "{url}");
    }
    assert!(count >= 15, "{count}");
}

#[test]
fn the_toc_stands_where_toc_was_without_no_toc_headings() {
    let mut tocs = 0;
    for (url, want) in jekyll_pages() {
        let got = quire_page(url);
        let want_toc = want["toc"].as_array().map(|_| strings(&want["toc"]));
        assert_eq!(got.toc, want_toc, "{url}");
        tocs += usize::from(want_toc.is_some());
        let headings: Vec<(u64, String)> = want["headings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_u64().unwrap(), h[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(got.headings, headings, "{url}");
    }
    assert_eq!(tocs, 2);
    // Where `{:toc}` stood: after the `.no_toc` heading, before the first paragraph.
    let html = content(&built().out, "/notes/2019/01/01/welcome/");
    let toc = html.find("markdown-toc").unwrap();
    assert!(html.find("id=\"contents\"").unwrap() < toc);
    assert!(toc < html.find("These notes collect").unwrap());
}

#[test]
fn footnotes_abbreviations_definitions_code_and_links_match_jekyll() {
    let mut notes_total = 0;
    for (url, want) in jekyll_pages() {
        let got = quire_page(url);
        // kramdown's ids, by label (`fn:who`), and its references' (`fnref:who` → `#fn:who`).
        let notes = strings(&want["footnotes"]);
        assert_eq!(got.footnotes, notes, "{url}");
        notes_total += notes.len();
        let html = content(&built().out, url);
        for id in &notes {
            let label = id.strip_prefix("fn:").unwrap();
            let reference = format!("id=\"fnref:{label}\"><a href=\"#fn:{label}\"");
            assert!(html.contains(&reference), "{url}: {reference}");
        }
        assert_eq!(got.abbr, pairs(&want["abbr"]), "{url}");
        assert_eq!(got.dt, strings(&want["dt"]), "{url}");
        assert_eq!(got.code, strings(&want["code"]), "{url}");
        assert_eq!(got.images, strings(&want["images"]), "{url}");
        assert_eq!(got.links, strings(&want["links"]), "{url}");
    }
    assert_eq!(notes_total, 2);
}

#[test]
fn every_liquid_expression_is_evaluated_as_jekyll_does() {
    for (url, want) in jekyll_pages() {
        let got = quire_page(url);
        assert_eq!(got.paragraphs, strings(&want["paragraphs"]), "{url}");
        assert_eq!(
            got.liquid_left as u64,
            want["liquid_left"].as_u64().unwrap(),
            "{url}"
        );
    }
    // No Liquid anywhere in the output but the `{% raw %}` sample.
    for post in &built().built.posts {
        let html = std::fs::read_to_string(built().out.join(&post.page)).unwrap();
        let left = html.matches("{{").count() + html.matches("{%").count();
        let raw = usize::from(post.source.ends_with("2020-05-20-liquid-tour.md"));
        assert_eq!(left, raw, "{}", post.page.display());
    }
}

#[test]
fn the_urls_are_jekylls() {
    let urls = jekyll_urls();
    for url in &urls {
        assert!(built().out.join(file_of(url)).is_file(), "{url}");
    }
    let mut pages: Vec<String> = built()
        .built
        .posts
        .iter()
        .map(|p| {
            let f = p.page.to_string_lossy().replace('\\', "/");
            format!("/{}", f.strip_suffix("index.html").unwrap_or(&f))
        })
        .collect();
    pages.sort();
    let jekyll_pages: Vec<String> = jekyll_data().as_object().unwrap().keys().cloned().collect();
    assert_eq!(pages, jekyll_pages);
    assert_eq!(urls.len(), 9);
}

/// The acceptance run: import, build and check by the command line, with no warning.
#[test]
fn import_build_and_check_pass_with_no_warning() {
    let (dir, site) = imported();
    let out = dir.path().join("out");
    let (s, o) = (site.to_str().unwrap(), out.to_str().unwrap());
    let built = quire(&["build", "-s", s, "-o", o]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(!stderr(&built).contains("warning"), "{}", stderr(&built));
    let checked = quire(&["check", "-s", s, "-o", o]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(
        !stderr(&checked).contains("warning"),
        "{}",
        stderr(&checked)
    );
    let report = check(&CheckOptions::new({
        let mut opts = BuildOptions::new(&site);
        opts.output = out.clone();
        opts
    }))
    .unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
}

/// The warnings of building `site`, as the command line prints them.
fn build_warnings(site: &Path, out: &Path) -> (bool, Vec<String>) {
    build_warnings_with(&[], site, out)
}

/// As [`build_warnings`], with more flags.
fn build_warnings_with(flags: &[&str], site: &Path, out: &Path) -> (bool, Vec<String>) {
    let (s, o) = (site.to_str().unwrap(), out.to_str().unwrap());
    let o = quire(&[&["build", "-s", s, "-o", o], flags].concat());
    let warnings = stderr(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("warning: ").map(String::from))
        .collect();
    (o.status.success(), warnings)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

#[test]
fn a_plugins_tag_and_an_unknown_filter_warn_once_each_at_their_line() {
    let (dir, site) = imported();
    let post = site.join("posts/2019-03-10-plots-and-figures.md");
    edit(
        &post,
        "How to put a picture",
        "{% gist 8f1a2b3c %}\n\nHow to put a picture",
    );
    let tour = site.join("posts/2020-05-20-liquid-tour.md");
    edit(&tour, "| xml_escape }}", "| xml_escape | smartify_more }}");
    let (ok, warnings) = build_warnings(&site, &dir.path().join("out"));
    assert!(ok, "{warnings:?}");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    let gist = line_of(&post, "{% gist");
    let filter = line_of(&tour, "smartify_more");
    assert!(
        warnings.iter().any(|w| w
            .starts_with(&format!("posts/2019-03-10-plots-and-figures.md:{gist}:"))
            && w.contains("`gist`")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w
            .starts_with(&format!("posts/2020-05-20-liquid-tour.md:{filter}:"))
            && w.contains("`smartify_more`")),
        "{warnings:?}"
    );
    // The rest of both posts still built.
    let page = std::fs::read_to_string(
        dir.path()
            .join("out/notes/2019/03/10/plots-and-figures/index.html"),
    )
    .unwrap();
    assert!(page.contains("How to put a picture") && !page.contains("gist"));
}

/// A bad input of each kind: (what to write in the tour post, whether the build still
/// succeeds, what the message says). Each message names the post and the line.
#[test]
fn each_bad_input_is_a_clear_message_at_its_line() {
    let cases: &[(&str, &str, bool, &str)] = &[
        (
            "unclosed tag",
            "{% if page.title %}\nnever closed\n",
            false,
            "Unclosed block",
        ),
        ("unclosed output", "{{ page.layout \n", false, "Liquid"),
        (
            "unknown filter",
            "{{ page.title | shout }}\n",
            true,
            "filter `shout`",
        ),
        (
            "bad IAL",
            "A paragraph.\n{: width=50%}\n",
            true,
            "must be quoted",
        ),
        (
            "missing include",
            "{% include nowhere.html %}\n",
            false,
            "nowhere.html",
        ),
    ];
    for (what, bad, builds, says) in cases {
        let (dir, site) = imported();
        let tour = site.join("posts/2020-05-20-liquid-tour.md");
        edit(
            &tour,
            "Every post, by title:",
            &format!("{bad}\nEvery post, by title:"),
        );
        // The line the message is about: the attribute list's own, else the first.
        let needle = bad
            .lines()
            .find(|l| l.starts_with("{:"))
            .unwrap_or(bad.lines().next().unwrap());
        let line = line_of(&tour, needle);
        let out = quire(&[
            "build",
            "-s",
            site.to_str().unwrap(),
            "-o",
            dir.path().join("out").to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.success(), *builds, "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        let at = format!("posts/2020-05-20-liquid-tour.md:{line}:");
        let said: Vec<&str> = err.lines().filter(|l| l.contains(&at)).collect();
        assert_eq!(said.len(), 1, "{what}: want one message at {at}: {err}");
        assert!(said[0].contains(says), "{what}: {err}");
    }
}

/// Messages from after Liquid (here a bad IAL) name the source line even below Liquid that
/// changes the number of lines: a loop, an include, a multi-line capture and an `if`.
#[test]
fn warnings_after_liquid_point_at_the_source_line() {
    let (dir, site) = imported();
    let tour = site.join("posts/2020-05-20-liquid-tour.md");
    let text = std::fs::read_to_string(&tour).unwrap();
    std::fs::write(
        &tour,
        format!(
            "{text}\n{{% capture two %}}\na\nb\n{{% endcapture %}}\n\nLast.\n{{: width=50%}}\n"
        ),
    )
    .unwrap();
    let line = line_of(&tour, "{: width=50%}");
    let (ok, warnings) = build_warnings(&site, &dir.path().join("out"));
    assert!(ok, "{warnings:?}");
    assert_eq!(
        warnings,
        [format!(
            "posts/2020-05-20-liquid-tour.md:{line}:1: kramdown attribute list: the value of \
             `width` must be quoted; it is shown as text"
        )]
    );
}

/// What Jekyll does not read, put where a build of the folder as it is could trip on it: its
/// own old output in `_site/` (a page, a post, an HTML file) and, in `exclude:`, a folder with
/// a page, a file and a post. Each holds `DECOY`.
const DECOYS: &[(&str, &str)] = &[
    ("_site/index.html", "<p>DECOY</p>"),
    ("_site/decoy.md", "---\ntitle: Decoy\n---\nDECOY\n"),
    (
        "_site/_posts/2019-06-02-decoy.md",
        "---\ntitle: Decoy\n---\nDECOY\n",
    ),
    ("private/secret.md", "---\ntitle: Secret\n---\nDECOY\n"),
    ("todo.txt", "DECOY\n"),
    (
        "_posts/2019-06-01-excluded.md",
        "---\ntitle: Excluded\n---\nDECOY\n",
    ),
];

/// The fixture as Jekyll has it (no `site.toml`), copied into a temp folder with [`DECOYS`]:
/// (temp, site folder).
fn jekyll_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_dir(&fixture(), &site);
    assert!(!site.join("site.toml").exists());
    let config = site.join("_config.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.ends_with("  - Gemfile.lock\n"), "{text}");
    let more = "  - private/\n  - todo.txt\n  - _posts/2019-06-01-excluded.md\n";
    std::fs::write(&config, format!("{text}{more}")).unwrap();
    for (rel, text) in DECOYS {
        write(&site.join(rel), text);
    }
    (dir, site)
}

/// `quire build` straight on the Jekyll folder: Jekyll's URLs, the same site as the import
/// route's byte for byte, no warning, no decoy read or copied, the source untouched.
#[test]
fn a_jekyll_folder_builds_as_it_is_into_the_imported_site() {
    let (dir, site) = jekyll_folder();
    let before = snapshot(&site);
    let out = dir.path().join("out");
    let (ok, warnings) = build_warnings(&site, &out);
    assert!(ok && warnings.is_empty(), "{warnings:?}");
    // Only quire's cache was added to the source.
    let after: BTreeMap<_, _> = snapshot(&site)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".quire-cache"))
        .collect();
    assert_eq!(after, before);
    for url in jekyll_urls() {
        assert!(out.join(file_of(&url)).is_file(), "{url}");
    }
    let files = files_of(&out);
    for f in &files {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("DECOY"), "{f}");
    }
    for gone in [
        "todo.txt", "private", "decoy", "secret", "excluded", "_site",
    ] {
        assert!(!files.iter().any(|f| f.contains(gone)), "{gone}: {files:?}");
    }
    // The import route's site (its own build, with no warning either): the same files, the
    // same bytes, search index included.
    let imported = &built().out;
    assert_eq!(files, files_of(imported));
    for f in &files {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(imported.join(f)).unwrap(),
            "{f} differs from the imported site's"
        );
    }
}

/// The same report both ways: what a build of the folder warns about is what `import-jekyll`
/// lists as not carried over (which also names what Jekyll itself does not publish).
#[test]
fn what_is_not_carried_over_is_a_warning_naming_the_file() {
    let (dir, site) = jekyll_folder();
    for (rel, text) in [
        ("_layouts/post.html", "{{ content }}"),
        ("_data/people.yml", "- Ada\n"),
        ("_plugins/x.rb", "# plugin\n"),
        ("index.html", "---\nlayout: home\n---\n"),
        ("feed.xml", "---\nlayout: null\n---\n<feed/>\n"),
    ] {
        write(&site.join(rel), text);
    }
    let (ok, warnings) = build_warnings(&site, &dir.path().join("out"));
    assert!(ok, "{warnings:?}");
    let named: Vec<&str> = warnings
        .iter()
        .map(|w| w.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        named,
        ["_data/", "_layouts/", "_plugins/", "feed.xml", "index.html"],
        "{warnings:?}"
    );
    let import = quire(&[
        "import-jekyll",
        site.to_str().unwrap(),
        dir.path().join("imported").to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", stderr(&import));
    let listed: Vec<String> = String::from_utf8_lossy(&import.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("  ").map(String::from))
        .collect();
    for w in &warnings {
        assert!(listed.contains(w), "{w}: {listed:?}");
    }
    // Jekyll's own leaving out is listed by import only.
    for quiet in ["private/: in `exclude`", "todo.txt: in `exclude`"] {
        assert!(listed.iter().any(|l| l == quiet), "{quiet}: {listed:?}");
    }
}

/// `_drafts/` only with `--drafts`; a post's file and line in messages are its own in `_posts/`;
/// the folder's own `robots.txt` is the site's, as `static/robots.txt` is.
#[test]
fn a_jekyll_folders_drafts_messages_and_robots_are_its_own() {
    let (dir, site) = jekyll_folder();
    write(
        &site.join("_drafts/an-idea.md"),
        "---\ntitle: An idea\ncategories: notes\n---\nSoon.\n",
    );
    let robots = "User-agent: *\nDisallow: /notes/\n";
    write(&site.join("robots.txt"), robots);
    let out = dir.path().join("out");
    let (ok, warnings) = build_warnings(&site, &out);
    assert!(ok && warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        std::fs::read_to_string(out.join("robots.txt")).unwrap(),
        robots
    );
    assert!(!files_of(&out).iter().any(|f| f.contains("an-idea")));
    let (ok, warnings) = build_warnings_with(&["--drafts"], &site, &out);
    assert!(ok && warnings.is_empty(), "{warnings:?}");
    assert!(
        files_of(&out)
            .iter()
            .any(|f| f.starts_with("notes/") && f.ends_with("/an-idea/index.html")),
        "{:?}",
        files_of(&out)
    );
    let post = site.join("_posts/2020-05-20-liquid-tour.md");
    edit(
        &post,
        "Every post, by title:",
        "{% gist 1 %}\nEvery post, by title:",
    );
    let line = line_of(&post, "{% gist");
    let (ok, warnings) = build_warnings(&site, &out);
    assert!(ok, "{warnings:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("_posts/2020-05-20-liquid-tour.md:{line}:")),
        "{warnings:?}"
    );
}

/// `author` as a map in `_config.yml`: `site.author.name` and `site.author.email` in a page,
/// built as it is and through import-jekyll (which keeps the map in `site.toml`).
#[test]
fn a_map_author_reads_as_site_author_name_and_email_both_ways() {
    let (dir, site) = jekyll_folder();
    edit(
        &site.join("_config.yml"),
        "author: Ada Example\n",
        "author:\n  name: Ada Example\n  email: ada@example.org\n",
    );
    edit(
        &site.join("about.md"),
        "written by {{ site.author }}.",
        "written by {{ site.author.name }} ({{ site.author.email }}).",
    );
    let direct = dir.path().join("direct");
    let (ok, warnings) = build_warnings(&site, &direct);
    assert!(ok && warnings.is_empty(), "{warnings:?}");
    let imported = dir.path().join("imported");
    let import = quire(&[
        "import-jekyll",
        site.to_str().unwrap(),
        imported.to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", stderr(&import));
    let via_import = dir.path().join("via-import");
    let (ok, warnings) = build_warnings(&imported, &via_import);
    assert!(ok && warnings.is_empty(), "{warnings:?}");
    for out in [&direct, &via_import] {
        let html = content(out, "/about/");
        assert!(
            html.contains("written by Ada Example (ada@example.org)."),
            "{}: {html}",
            out.display()
        );
    }
}
