//! The blog around the posts: Atom feeds, the sitemap and robots.txt, SEO head tags, tag and
//! category pages and their indexes, the archive, pagination, excerpts, standalone pages from
//! `pages/`, the header's links and the theme's words in English and Chinese. Each test builds a
//! small fixture site in a temp folder with the library's one-off build, then reads the output
//! as a reader's browser, a feed reader or a crawler would: XML through a real XML parser,
//! JSON-LD through a JSON parser, HTML through [`common::html::select`].

mod common;

use std::path::{Path, PathBuf};

use common::html::{Element, select};
use common::*;
use quire::build::{BuildOptions, build};
use quire::check::{CheckOptions, check};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const SITE_URL: &str = "https://example.github.io/notes";

/// Three posts over two years. `Rust` and `rust` are one tag; `Notes` and `notes` one category.
/// The first has math, a footnote and an excerpt separator; the second a footnote in its first
/// paragraph; the third its own description and image, and a title that would end a script.
const POSTS: &[(&str, &str)] = &[
    (
        "posts/2020-01-01-first.md",
        "---\ntitle: First $x$\ncategories: [Notes]\ntags: [Rust, 深度学习]\n---\n\
         Intro with $a^2$ and a note[^1] and ![pic](/img/a.png).\n\n\
         ## Part\n\nSecond para, [see part](#part).\n\n<!--more-->\n\nAfter the cut.\n\n\
         [^1]: The note.\n",
    ),
    (
        "posts/2020-06-01-second.md",
        "---\ntitle: Second\ncategories: notes\ntags: [rust]\n---\n\
         Only paragraph one.[^a]\n\nParagraph two.\n\n[^a]: A footnote.\n",
    ),
    (
        "posts/2021-03-01-third.md",
        "---\ntitle: \"Third </script><b>\"\ntags: Rust\ndescription: Custom description & more\n\
         image: /img/cover.png\n---\nThird post's body.\n",
    ),
];

const ABOUT: (&str, &str) = (
    "pages/about.md",
    "---\ntitle: About me\ndescription: Who writes here.\n---\nEuler: $e^{i\\pi} + 1 = 0$.\n\n[Home](/)\n",
);

/// A site of `files` built into `<temp>/out`; returns the temp folder and the output folder.
fn build_site(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (rel, text) in files {
        write(&src.join(rel), text);
    }
    let mut opts = BuildOptions::new(&src);
    opts.output = dir.path().join("out");
    let built = build(&opts).unwrap();
    assert!(
        built.report.warnings.is_empty(),
        "{:?}",
        built.report.warnings
    );
    let out = opts.output.clone();
    (dir, out)
}

/// The fixture posts and about page under `site_toml`.
fn blog(site_toml: &str) -> (tempfile::TempDir, PathBuf) {
    let mut files: Vec<(&str, &str)> = POSTS.to_vec();
    files.push(ABOUT);
    files.push(("site.toml", site_toml));
    build_site(&files)
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn one(html: &str, selector: &str) -> Element {
    let found = select(html, selector);
    assert_eq!(found.len(), 1, "{selector}: {found:?}");
    found.into_iter().next().unwrap()
}

fn meta(html: &str, attr: &str, name: &str) -> Option<String> {
    select(html, &format!("meta[{attr}=\"{name}\"]"))
        .first()
        .and_then(|m| m.attr("content").map(String::from))
}

/// The `href`s of the links `selector` matches, in order.
fn hrefs(html: &str, selector: &str) -> Vec<String> {
    select(html, selector)
        .iter()
        .filter_map(|a| a.attr("href").map(String::from))
        .collect()
}

const FIRST: &str = "/notes/2020/01/01/first.html";
const SECOND: &str = "/notes/2020/06/01/second.html";
const THIRD: &str = "/2021/03/01/third.html";

/// Every HTML page of the output, relative.
fn html_pages(out: &Path) -> Vec<String> {
    snapshot(out)
        .into_keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p.ends_with(".html"))
        .collect()
}

/// The Atom elements named `name` directly under `node`.
fn children<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|c| {
            c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM)
        })
        .collect()
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    let found = children(node, name);
    assert_eq!(found.len(), 1, "exactly one atom:{name}");
    found[0].text().unwrap_or_default().to_string()
}

/// Checks RFC 4287's required elements and returns the entries' (id, title, link).
fn check_atom(xml: &str) -> (String, Vec<(String, String, String)>) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    let id = child_text(feed, "id");
    assert!(!child_text(feed, "title").is_empty());
    let updated = child_text(feed, "updated");
    assert_rfc3339(&updated);
    assert!(!children(feed, "author").is_empty(), "a feed author");
    let entries = children(feed, "entry")
        .into_iter()
        .map(|e| {
            let updated = child_text(e, "updated");
            assert_rfc3339(&updated);
            let link = children(e, "link")
                .into_iter()
                .find(|l| l.attribute("rel").unwrap_or("alternate") == "alternate")
                .and_then(|l| l.attribute("href"))
                .expect("an alternate link")
                .to_string();
            (child_text(e, "id"), child_text(e, "title"), link)
        })
        .collect();
    (id, entries)
}

fn assert_rfc3339(s: &str) {
    s.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("`{s}` is not an RFC 3339 date: {e}"));
}

/// `urn:uuid:` with 8-4-4-4-12 hex digits, or an absolute http(s) URL: what RFC 4287 wants of
/// an id (an absolute IRI).
fn is_valid_atom_id(id: &str) -> bool {
    if let Some(uuid) = id.strip_prefix("urn:uuid:") {
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        return groups == [8, 4, 4, 4, 12]
            && uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    }
    id.starts_with("https://") || id.starts_with("http://")
}

#[test]
fn feeds_are_atom_with_full_content_and_absolute_urls_under_the_base() {
    let (_d, out) = blog(&format!("title = \"T\"\nurl = \"{SITE_URL}\"\n"));
    let xml = read(&out, "feed.xml");
    let (id, entries) = check_atom(&xml);
    assert_eq!(id, format!("{SITE_URL}/feed.xml"));
    let links: Vec<&str> = entries.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(
        links,
        [
            format!("{SITE_URL}{THIRD}"),
            format!("{SITE_URL}{SECOND}"),
            format!("{SITE_URL}{FIRST}")
        ],
        "newest first, absolute, under the base path"
    );
    for (id, _, link) in &entries {
        assert_eq!(
            id, link,
            "with a url, an entry's id is its URL (as jekyll-feed's)"
        );
    }
    // Titles are plain text: the TeX stays, the tag is text.
    let titles: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(titles, ["Third </script><b>", "Second", "First $x$"]);

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let feed = doc.root_element();
    for link in children(feed, "link") {
        assert!(
            link.attribute("href").unwrap().starts_with(SITE_URL),
            "{link:?}"
        );
    }
    // The whole post, math rendered, its root-relative URLs under the base, resolved against
    // the post's URL by xml:base.
    let first = children(feed, "entry")[2];
    let content = children(first, "content")[0];
    assert_eq!(content.attribute("type"), Some("html"));
    assert_eq!(
        content.attribute(("http://www.w3.org/XML/1998/namespace", "base")),
        Some(format!("{SITE_URL}{FIRST}").as_str())
    );
    let html = content.text().unwrap();
    assert!(html.contains("class=\"katex\""), "{html}");
    assert!(html.contains("After the cut."), "the whole post: {html}");
    assert!(html.contains("src=\"/notes/img/a.png\""), "{html}");

    // One feed per category, where jekyll-feed puts it.
    let (id, entries) = check_atom(&read(&out, "feed/notes.xml"));
    assert_eq!(id, format!("{SITE_URL}/feed/notes.xml"));
    let links: Vec<&str> = entries.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(
        links,
        [format!("{SITE_URL}{SECOND}"), format!("{SITE_URL}{FIRST}")]
    );
    let category = read(&out, "categories/notes/index.html");
    assert!(
        hrefs(&category, "link[rel=\"alternate\"]").contains(&"/notes/feed/notes.xml".to_string()),
        "{category}"
    );
}

#[test]
fn atom_ids_are_valid_with_and_without_a_url() {
    for site_toml in [
        "title = \"T\"\n".to_string(),
        format!("title = \"T\"\nurl = \"{SITE_URL}\"\n"),
    ] {
        let (_d, out) = blog(&site_toml);
        for feed in ["feed.xml", "feed/notes.xml"] {
            let (id, entries) = check_atom(&read(&out, feed));
            let mut ids: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
            ids.push(&id);
            for id in &ids {
                assert!(is_valid_atom_id(id), "{site_toml}: {feed}: {id}");
            }
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), n, "ids are distinct");
        }
    }
    // Without a url the ids are stable from build to build.
    let (_d, a) = blog("title = \"T\"\n");
    let (_e, b) = blog("title = \"T\"\n");
    assert_eq!(
        check_atom(&read(&a, "feed.xml")),
        check_atom(&read(&b, "feed.xml"))
    );
}

#[test]
fn sitemap_lists_every_page_with_absolute_locs_and_robots_names_it() {
    let (_d, out) = blog(&format!(
        "title = \"T\"\nurl = \"{SITE_URL}/\"\npaginate = 2\n"
    ));
    let xml = read(&out, "sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let urlset = doc.root_element();
    assert_eq!(urlset.tag_name().name(), "urlset");
    assert_eq!(urlset.tag_name().namespace(), Some(SITEMAP));
    let mut locs = Vec::new();
    for url in urlset.children().filter(|c| c.is_element()) {
        assert_eq!(url.tag_name().name(), "url");
        assert_eq!(url.tag_name().namespace(), Some(SITEMAP));
        let loc = url
            .children()
            .find(|c| c.tag_name().name() == "loc")
            .and_then(|l| l.text())
            .expect("every url has a loc");
        let rest = loc
            .strip_prefix(SITE_URL)
            .unwrap_or_else(|| panic!("{loc} is not absolute under {SITE_URL}"));
        if let Some(lastmod) = url.children().find(|c| c.tag_name().name() == "lastmod") {
            assert_rfc3339(lastmod.text().unwrap());
        }
        locs.push(rest.to_string());
    }
    let mut want: Vec<String> = [
        FIRST,
        SECOND,
        THIRD,
        "/about/",
        "/",
        "/page/2/",
        "/categories/notes/",
        "/tags/rust/",
        "/tags/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/",
        "/categories/",
        "/tags/",
        "/archive/",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.sort();
    locs.sort();
    assert_eq!(
        locs, want,
        "every post, page, index, tag and category page; no 404"
    );
    // Every loc is a page the build wrote.
    for loc in &locs {
        let path = quire::urls::output_path(loc).unwrap();
        assert!(out.join(&path).is_file(), "{loc} → {}", path.display());
    }
    assert_eq!(
        read(&out, "robots.txt").trim(),
        format!("Sitemap: {SITE_URL}/sitemap.xml")
    );
}

#[test]
fn a_sites_own_robots_txt_is_kept() {
    let mut files: Vec<(&str, &str)> = POSTS.to_vec();
    files.push(("static/robots.txt", "User-agent: *\nDisallow: /private/\n"));
    let (_d, out) = build_site(&files);
    assert_eq!(
        read(&out, "robots.txt"),
        "User-agent: *\nDisallow: /private/\n"
    );
    assert!(out.join("sitemap.xml").is_file());
}

#[test]
fn every_page_has_canonical_opengraph_twitter_and_json_ld() {
    let (_d, out) = blog(&format!(
        "title = \"T & Co\"\ndescription = \"The site.\"\nauthor = \"Ann\"\nurl = \"{SITE_URL}\"\n"
    ));
    let pages = html_pages(&out);
    assert!(pages.len() >= 12, "{pages:?}");
    for rel in &pages {
        let html = read(&out, rel);
        let canonical = one(&html, "link[rel=\"canonical\"]");
        let canonical = canonical.attr("href").unwrap();
        assert!(canonical.starts_with(SITE_URL), "{rel}: {canonical}");
        for property in ["og:title", "og:type", "og:url", "og:site_name", "og:locale"] {
            assert!(
                meta(&html, "property", property).is_some(),
                "{rel}: {property}"
            );
        }
        assert_eq!(
            meta(&html, "property", "og:url").as_deref(),
            Some(canonical)
        );
        assert_eq!(
            meta(&html, "property", "og:site_name").as_deref(),
            Some("T &amp; Co")
        );
        assert!(meta(&html, "name", "twitter:card").is_some(), "{rel}");
        assert!(
            meta(&html, "name", "description").is_some(),
            "{rel}: a description"
        );
        let script = one(&html, "script[type=\"application/ld+json\"]");
        assert!(!script.text.contains("</"), "{rel}: {}", script.text);
        let ld: serde_json::Value = serde_json::from_str(&script.text)
            .unwrap_or_else(|e| panic!("{rel}: JSON-LD does not parse: {e}\n{}", script.text));
        assert_eq!(ld["@context"], "https://schema.org");
        assert_eq!(ld["url"], canonical, "{rel}");
    }

    let third = read(&out, "2021/03/01/third.html");
    assert_eq!(
        meta(&third, "property", "og:type").as_deref(),
        Some("article")
    );
    assert_eq!(
        meta(&third, "name", "description").as_deref(),
        Some("Custom description &amp; more")
    );
    assert_eq!(
        meta(&third, "property", "og:image").as_deref(),
        Some(format!("{SITE_URL}/img/cover.png").as_str())
    );
    assert_eq!(
        meta(&third, "name", "twitter:card").as_deref(),
        Some("summary_large_image")
    );
    assert_eq!(
        meta(&third, "property", "article:published_time").as_deref(),
        Some("2021-03-01T00:00:00+00:00")
    );
    let ld: serde_json::Value =
        serde_json::from_str(&one(&third, "script[type=\"application/ld+json\"]").text).unwrap();
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["headline"], "Third </script><b>");
    assert_eq!(ld["author"]["name"], "Ann");
    assert_eq!(ld["image"], format!("{SITE_URL}/img/cover.png"));
    assert_eq!(ld["datePublished"], "2021-03-01T00:00:00+00:00");
    assert_eq!(
        one(&third, "title").text,
        "Third &lt;/script&gt;&lt;b&gt; · T &amp; Co"
    );

    // No description of its own: the excerpt's text, the formula as TeX.
    let first = read(&out, "notes/2020/01/01/first.html");
    assert_eq!(
        meta(&first, "name", "description").as_deref(),
        Some("Intro with $a^2$ and a note and . Part Second para, see part.")
    );
    assert_eq!(
        meta(&first, "property", "og:title").as_deref(),
        Some("First $x$")
    );
    assert_eq!(
        meta(&first, "name", "twitter:card").as_deref(),
        Some("summary")
    );

    let index = read(&out, "index.html");
    assert_eq!(
        meta(&index, "property", "og:type").as_deref(),
        Some("website")
    );
    assert_eq!(
        meta(&index, "name", "description").as_deref(),
        Some("The site.")
    );
    let ld: serde_json::Value =
        serde_json::from_str(&one(&index, "script[type=\"application/ld+json\"]").text).unwrap();
    assert_eq!(ld["@type"], "WebSite");
    assert_eq!(ld["name"], "T & Co");

    let about = read(&out, "about/index.html");
    assert_eq!(
        meta(&about, "name", "description").as_deref(),
        Some("Who writes here.")
    );
}

#[test]
fn tag_category_archive_and_post_pages_list_the_right_posts_newest_first() {
    let (_d, out) = blog("title = \"T\"\n");
    let listed = |rel: &str| hrefs(&read(&out, rel), "main .post-list a");
    assert_eq!(listed("tags/rust/index.html"), [THIRD, SECOND, FIRST]);
    assert_eq!(
        listed("tags/深度学习/index.html"),
        [FIRST],
        "a CJK tag keeps its characters in its URL"
    );
    assert_eq!(listed("categories/notes/index.html"), [SECOND, FIRST]);
    assert_eq!(listed("archive/index.html"), [THIRD, SECOND, FIRST]);
    let archive = read(&out, "archive/index.html");
    let years: Vec<String> = select(&archive, "h2.archive-year")
        .into_iter()
        .map(|h| h.text)
        .collect();
    assert_eq!(years, ["2021", "2020"]);

    // The indexes, with counts.
    let tags = read(&out, "tags/index.html");
    assert_eq!(
        hrefs(&tags, ".term-list a"),
        ["/tags/rust/", "/tags/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/"]
    );
    let counts: Vec<String> = select(&tags, ".term-list .count")
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(counts, ["3", "1"]);
    let categories = read(&out, "categories/index.html");
    assert_eq!(hrefs(&categories, ".term-list a"), ["/categories/notes/"]);
    assert_eq!(one(&categories, ".term-list .count").text, "2");

    // On a post: its tags are links, and the older and newer posts are linked.
    let second = read(&out, "notes/2020/06/01/second.html");
    assert_eq!(hrefs(&second, "a[rel=\"tag\"]"), ["/tags/rust/"]);
    assert_eq!(hrefs(&second, "a[rel=\"prev\"]"), [FIRST]);
    assert_eq!(hrefs(&second, "a[rel=\"next\"]"), [THIRD]);
    let first = read(&out, "notes/2020/01/01/first.html");
    assert!(hrefs(&first, "a[rel=\"prev\"]").is_empty());
    assert!(one(&first, ".reading-time").text.contains("1 min read"));

    // Without `paginate`, one index page lists every post.
    assert_eq!(
        hrefs(&read(&out, "index.html"), ".post-list h2 a"),
        [THIRD, SECOND, FIRST]
    );
    assert!(!out.join("page/2").exists());
}

#[test]
fn paginate_splits_the_index_into_pages_with_newer_and_older_links() {
    let (_d, out) = blog("title = \"T\"\npaginate = 1\n");
    let page = |rel: &str| read(&out, rel);
    let listed = |html: &str| hrefs(html, ".post-list h2 a");
    let (p1, p2, p3) = (
        page("index.html"),
        page("page/2/index.html"),
        page("page/3/index.html"),
    );
    assert_eq!(listed(&p1), [THIRD]);
    assert_eq!(listed(&p2), [SECOND]);
    assert_eq!(listed(&p3), [FIRST]);
    assert!(!out.join("page/4").exists() && !out.join("page/1").exists());
    assert!(hrefs(&p1, ".pagination a[rel=\"prev\"]").is_empty());
    assert_eq!(hrefs(&p1, ".pagination a[rel=\"next\"]"), ["/page/2/"]);
    assert_eq!(hrefs(&p2, ".pagination a[rel=\"prev\"]"), ["/"]);
    assert_eq!(hrefs(&p2, ".pagination a[rel=\"next\"]"), ["/page/3/"]);
    assert!(hrefs(&p3, ".pagination a[rel=\"next\"]").is_empty());
    assert_eq!(one(&p2, ".pagination-page").text, "Page 2 of 3");
    assert_eq!(
        one(&p2, "link[rel=\"canonical\"]").attr("href"),
        Some("/page/2/")
    );

    // Two posts, one a page: `/page/2/` holds the older.
    let (_d, out) = build_site(&[POSTS[0], POSTS[1], ("site.toml", "paginate = 1\n")]);
    assert_eq!(
        hrefs(&read(&out, "page/2/index.html"), ".post-list h2 a"),
        [FIRST]
    );
    assert!(!out.join("page/3").exists());
}

#[test]
fn excerpts_cut_at_the_separator_and_carry_no_footnote_references() {
    let (_d, out) = blog("title = \"T\"\n");
    let index = read(&out, "index.html");
    let excerpts = select(&index, ".excerpt");
    assert_eq!(excerpts.len(), 3);
    // The first post: everything up to `<!--more-->`, math kept.
    let first = &excerpts[2].text;
    assert!(
        first.contains("Intro with") && first.contains("Second para"),
        "{first}"
    );
    assert!(!first.contains("After the cut"), "{first}");

    // The second: no separator, so the first paragraph.
    let second = &excerpts[1].text;
    assert!(
        second.contains("Only paragraph one.") && !second.contains("Paragraph two"),
        "{second}"
    );
    for e in &excerpts {
        assert!(!e.text.contains("footnote"), "{}", e.text);
    }
    assert!(select(&index, ".excerpt sup").is_empty());
    assert_eq!(select(&index, ".excerpt .katex").len(), 1, "math kept");
    // A heading in an excerpt has no id to repeat, and an in-page link goes to the post.
    assert!(select(&index, ".excerpt [id]").is_empty());
    assert!(
        hrefs(&index, ".excerpt a").contains(&format!("{FIRST}#part")),
        "{index}"
    );
    assert!(
        select(&index, "link[rel=\"stylesheet\"]")
            .iter()
            .any(|l| l.attr("href") == Some("/katex/katex.min.css")),
        "an excerpt with math brings the KaTeX stylesheet"
    );

    // Another separator: the default one is then plain HTML, and the excerpt the first
    // paragraph.
    let (_d, out) = blog("title = \"T\"\nexcerpt_separator = \"<!-- cut -->\"\n");
    let index = read(&out, "index.html");
    let first = &select(&index, ".excerpt")[2].text;
    assert!(!first.contains("Second para"), "{first}");
    assert!(!first.contains("footnote"), "{first}");
}

#[test]
fn lang_switches_the_theme_words() {
    let words = |lang: &str| {
        let (_d, out) = blog(&format!("title = \"T\"\nlang = \"{lang}\"\npaginate = 2\n"));
        let post = read(&out, "notes/2020/01/01/first.html");
        let index = read(&out, "index.html");
        let not_found = read(&out, "404.html");
        (
            one(&post, "html").attr("lang").unwrap().to_string(),
            select(&post, ".site-nav a")
                .into_iter()
                .map(|a| a.text)
                .collect::<Vec<_>>(),
            one(&post, ".reading-time").text,
            one(&index, ".pagination a[rel=\"next\"]").text,
            one(&not_found, "title").text,
            one(&read(&out, "tags/index.html"), "h1").text,
        )
    };
    let en = words("en");
    assert_eq!(en.0, "en");
    assert_eq!(en.1, ["Archive", "Tags", "About", "Search"]);
    assert!(en.2.contains("1 min read"), "{}", en.2);
    assert!(en.3.contains("Older posts"), "{}", en.3);
    assert_eq!(en.4, "Page not found · T");
    assert_eq!(en.5, "Tags");
    let zh = words("zh-CN");
    assert_eq!(zh.0, "zh-CN");
    assert_eq!(zh.1, ["归档", "标签", "关于", "搜索"]);
    assert!(zh.2.contains("约 1 分钟读完"), "{}", zh.2);
    assert!(zh.3.contains("较早的文章"), "{}", zh.3);
    assert_eq!(zh.4, "页面不存在 · T");
    assert_eq!(zh.5, "标签");
}

#[test]
fn a_page_in_pages_is_rendered_with_math_and_the_nav_links_it() {
    let (_d, out) = blog("title = \"T\"\n");
    let about = read(&out, "about/index.html");
    assert_eq!(one(&about, "h1").text, "About me");
    assert_eq!(select(&about, ".post-content .katex").len(), 1, "{about}");
    assert!(
        select(&about, "link[rel=\"stylesheet\"]")
            .iter()
            .any(|l| l.attr("href") == Some("/katex/katex.min.css"))
    );
    // Default nav: Archive, Tags, About, Search; no category list in the header.
    let index = read(&out, "index.html");
    assert_eq!(
        hrefs(&index, "header .site-nav a"),
        ["/archive/", "/tags/", "/about/", "/search/"]
    );
    assert!(
        hrefs(&index, "header a")
            .iter()
            .all(|h| !h.starts_with("/categories/"))
    );
    assert_eq!(
        one(&about, "header .site-nav a[aria-current=\"page\"]").attr("href"),
        Some("/about/")
    );

    // Without an about page, no About link.
    let (_d, out) = build_site(POSTS);
    assert_eq!(
        hrefs(&read(&out, "index.html"), "header .site-nav a"),
        ["/archive/", "/tags/", "/search/"]
    );

    // `nav` in site.toml replaces the default.
    let (_d, out) = blog(
        "title = \"T\"\nnav = [{ title = \"Home\", url = \"/\" }, { title = \"Code\", url = \"https://example.org/code\" }]\n",
    );
    let nav = select(&read(&out, "index.html"), "header .site-nav a");
    let nav: Vec<(String, String)> = nav
        .into_iter()
        .map(|a| (a.text.clone(), a.attr("href").unwrap().to_string()))
        .collect();
    assert_eq!(
        nav,
        [
            ("Home".to_string(), "/".to_string()),
            ("Code".to_string(), "https://example.org/code".to_string())
        ]
    );
}

#[test]
fn a_page_colliding_with_a_generated_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("pages/archive.md"), "mine\n");
    let err = build(&BuildOptions::new(dir.path()))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("archive/index.html"), "{err}");
    assert!(err.contains("pages/archive.md"), "{err}");
}

/// Every link the new pages hold resolves on the published site: pagination, tags,
/// categories, the archive, the about page, feeds linked from heads and footers.
#[test]
fn quire_check_passes_on_the_blog_under_a_base_path() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut files: Vec<(&str, &str)> = POSTS.to_vec();
    files.push(ABOUT);
    files.push(("static/img/a.png", "png"));
    files.push(("static/img/cover.png", "png"));
    for (rel, text) in files {
        write(&src.join(rel), text);
    }
    write(
        &src.join("site.toml"),
        &format!("title = \"T\"\nurl = \"{SITE_URL}\"\npaginate = 1\n"),
    );
    let mut opts = BuildOptions::new(&src);
    opts.output = dir.path().join("out");
    let report = check(&CheckOptions::new(opts)).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert!(report.files >= 14, "{}", report.summary());
}

/// A broken link in a page of `pages/` is named at its line there, as a post's would be.
#[test]
fn quire_check_names_the_line_of_a_broken_link_in_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join(POSTS[1].0), POSTS[1].1);
    write(
        &src.join("pages/about.md"),
        "---\ntitle: About\n---\nFine [home](/).\n\nBroken [here](/nowhere/).\n",
    );
    let mut opts = BuildOptions::new(&src);
    opts.output = dir.path().join("out");
    let report = check(&CheckOptions::new(opts)).unwrap();
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("pages/about.md:6:8: link /nowhere/"),
        "{problems:?}"
    );
}

#[test]
fn each_tag_has_an_atom_feed_of_its_posts_where_jekyll_feed_puts_it() {
    let (_dir, out) = blog(&format!("title = \"T\"\nurl = \"{SITE_URL}\"\n"));
    // `Rust` (first seen) and `rust` are one tag, so one feed, named as the tag's first spelling.
    let (id, entries) = check_atom(&read(&out, "feed/by_tag/Rust.xml"));
    assert_eq!(id, format!("{SITE_URL}/feed/by_tag/Rust.xml"));
    // Every fixture post is tagged Rust or rust: the tag's feed lists what the site's does.
    let (_, all) = check_atom(&read(&out, "feed.xml"));
    assert_eq!(entries.len(), 3);
    assert_eq!(entries, all, "newest first, every post tagged Rust or rust");
    assert!(!out.join("feed/by_tag/rust.xml").exists());
    // A Chinese tag too (jekyll-feed skips those), percent-escaped like every quire URL.
    let (id, entries) = check_atom(&read(&out, "feed/by_tag/深度学习.xml"));
    assert_eq!(
        id,
        format!("{SITE_URL}/feed/by_tag/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0.xml")
    );
    let titles: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(titles, ["First $x$"]);
    // The tag's page links its feed, for readers and for feed discovery.
    let tag = read(&out, "tags/rust/index.html");
    let feed = "/notes/feed/by_tag/Rust.xml".to_string();
    assert!(
        hrefs(&tag, "link[rel=\"alternate\"]").contains(&feed),
        "{tag}"
    );
    assert!(hrefs(&tag, ".feed-link a").contains(&feed), "{tag}");
}
