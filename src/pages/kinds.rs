//! The kinds of page, each as the typed inputs it is made from. A page's template context is a
//! function of its inputs alone ([`PageKind::context`] reads nothing else), and its cache key is
//! a hash of the same inputs serialised (see [`crate::incremental::pages`]), so whatever a page
//! comes to show is in its key as soon as the page can show it.
//!
//! Adding a kind: a struct here with `#[derive(Serialize)]`, an impl of [`PageKind`], a variant
//! of [`super::Page`] and its arms in [`super::Page::kind`] and [`super::Page::sitemap_entry`],
//! and where it is planned in [`super::plan`].
//!
//! Two kinds of input serialise to less than themselves, because something smaller determines
//! them: a post's rendering serialises as its [`crate::markdown::RenderKey`] ([`by_key`]), and a
//! post that a listing shows (a neighbour, a tag's posts, an index page's, the archive's, a
//! feed's entries) as its URL ([`listed`]): every listing is made from `site.posts`, which is in
//! every page's key as part of the round's shared value (`site`), so the URLs say which of them
//! a page lists and `site` says what they hold. Hashing each of those listings whole on every
//! preview rebuild would cost as much as hashing `site` once per listing page.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::text;
use super::{Link, PostSummary, SitemapUrl, Term, Year};
use crate::markdown::Rendered;
use crate::markdown::headings::TocEntry;

/// What one kind of page is made from, and what templates see of it.
pub trait PageKind {
    /// The template that renders it (with its `extends`/`include`s).
    fn template(&self) -> Cow<'_, str>;
    /// The `page` value templates get: made from `self` alone.
    fn context(&self) -> PageContext<'_>;
}

/// What a template sees as `page`: the same fields on every kind, empty where a kind has no
/// such thing, so a template that several kinds share (`base.html`) can read any of them.
#[derive(Serialize)]
pub struct PageContext<'a> {
    /// `post`, `page` (from `pages/`), `index`, `category`, `tag`, `tags`, `categories`,
    /// `archive`, `search`, `404`, `feed`, `sitemap` or `robots`.
    pub kind: &'static str,
    /// Plain text, never HTML: a title with `$x$` shows its TeX.
    pub title: &'a str,
    /// The title as HTML (formulas rendered): set on posts, empty elsewhere.
    pub title_html: &'a str,
    pub url: &'a str,
    pub date: Option<&'a str>,
    pub date_display: Option<&'a str>,
    pub categories: &'a [Link],
    pub tags: &'a [Link],
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub excerpt: &'a str,
    pub has_math: bool,
    pub layout: &'a str,
    /// Front matter keys quire gives no meaning to, for the templates.
    pub extra: &'a BTreeMap<String, Value>,
    /// Plain text for `<meta name="description">` and `og:description`: the front matter's
    /// `description`, else the excerpt's text; empty on kinds without either (the theme then
    /// uses the site's description).
    pub description: Cow<'a, str>,
    /// The front matter's `image` (a URL or a site path; `image: {path: …}` too, as
    /// jekyll-seo-tag reads it), for `og:image`.
    pub image: Option<&'a str>,
    /// On posts: minutes to read (see [`text::reading_minutes_of`]).
    pub reading_minutes: Option<u32>,
    /// On posts: the older and the newer post (Jekyll's `page.previous` and `page.next`).
    pub previous: Option<&'a PostSummary>,
    pub next: Option<&'a PostSummary>,
    /// On category pages and a category's feed: the category and its posts.
    pub category: Option<&'a Term<'a>>,
    /// On tag pages and a tag's feed: the tag and its posts.
    pub tag: Option<&'a Term<'a>>,
    /// On `/tags/` and `/categories/`: every tag (category), each with its posts.
    pub terms: &'a [Term<'a>],
    /// On `/archive/`: the posts by year, newest first.
    pub years: &'a [Year<'a>],
    /// On index pages: this page's posts and its neighbours, as jekyll-paginate's `paginator`.
    pub paginator: Option<&'a Paginator<'a>>,
    /// On feeds: the feed's Atom id.
    pub id: Cow<'a, str>,
    /// On feeds: the posts, newest first.
    pub entries: Vec<EntryContext<'a>>,
    /// On the sitemap: every page it lists.
    pub urls: &'a [SitemapUrl],
}

static NO_EXTRA: BTreeMap<String, Value> = BTreeMap::new();

impl<'a> PageContext<'a> {
    /// A page of `kind` with nothing but a title, URL and layout.
    fn bare(kind: &'static str, title: &'a str, url: &'a str, layout: &'a str) -> Self {
        PageContext {
            kind,
            title,
            title_html: "",
            url,
            date: None,
            date_display: None,
            categories: &[],
            tags: &[],
            content: "",
            toc: &[],
            excerpt: "",
            has_math: false,
            layout,
            extra: &NO_EXTRA,
            description: Cow::Borrowed(""),
            image: None,
            reading_minutes: None,
            previous: None,
            next: None,
            category: None,
            tag: None,
            terms: &[],
            years: &[],
            paginator: None,
            id: Cow::Borrowed(""),
            entries: Vec::new(),
            urls: &[],
        }
    }
}

/// The front matter's `description`, else `excerpt_html`'s text cut to
/// [`text::DESCRIPTION_CHARS`].
fn description<'a>(extra: &'a BTreeMap<String, Value>, excerpt_html: &str) -> Cow<'a, str> {
    match extra.get("description").and_then(Value::as_str) {
        Some(d) => Cow::Borrowed(d),
        None => Cow::Owned(text::truncate(
            &text::plain_text(excerpt_html),
            text::DESCRIPTION_CHARS,
        )),
    }
}

/// `image: /a.png`, or jekyll-seo-tag's `image: {path: /a.png, alt: …}`.
fn image(extra: &BTreeMap<String, Value>) -> Option<&str> {
    let v = extra.get("image")?;
    v.as_str()
        .or_else(|| v.get("path").and_then(Value::as_str))
        .filter(|s| !s.is_empty())
}

/// A post's own page.
#[derive(Serialize)]
pub struct PostPage<'a> {
    /// Title, URL, dates, categories, tags and excerpt, as listings show them.
    #[serde(serialize_with = "hashed")]
    pub summary: &'a PostSummary,
    pub layout: &'a str,
    pub extra: &'a BTreeMap<String, Value>,
    #[serde(serialize_with = "by_key")]
    pub rendered: &'a Rendered,
    /// The post before it in time, and the one after.
    #[serde(serialize_with = "listed_opt")]
    pub previous: Option<&'a PostSummary>,
    #[serde(serialize_with = "listed_opt")]
    pub next: Option<&'a PostSummary>,
}

/// A rendering is determined by its [`crate::markdown::RenderKey`], so in a page's key the key
/// stands for the HTML: hashing every post's HTML on each preview rebuild is what this spares.
/// A rendering without a key fails to serialise, and its page is then never reused.
fn by_key<S: Serializer>(r: &&Rendered, s: S) -> Result<S::Ok, S::Error> {
    match r.key {
        Some(key) => key.serialize(s),
        None => Err(serde::ser::Error::custom("a rendering without a key")),
    }
}

/// A post's own summary in its page's key: all of it (the page shows it), hashed through its
/// derived `Hash`. Serialising it escaped every post's excerpt (KaTeX's HTML) as JSON on each
/// preview save, most of what working out the pages' keys cost.
fn hashed<S: Serializer>(summary: &&PostSummary, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::incremental::hash_of(*summary).to_hex())
}

/// A listed post in a page's key: its URL (see the module's documentation).
fn listed<S: Serializer>(post: &&PostSummary, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&post.url)
}

fn listed_opt<S: Serializer>(post: &Option<&PostSummary>, s: S) -> Result<S::Ok, S::Error> {
    post.map(|p| p.url.as_str()).serialize(s)
}

fn listed_all<'p, S: Serializer>(
    posts: impl IntoIterator<Item = &'p PostSummary>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(posts.into_iter().map(|p| p.url.as_str()))
}

/// A term (a tag) in a page's key: its name, URL and its posts' URLs.
fn listed_term<S: Serializer>(t: &&Term<'_>, s: S) -> Result<S::Ok, S::Error> {
    (
        &t.name,
        &t.url,
        t.posts.iter().map(|p| &p.url).collect::<Vec<_>>(),
    )
        .serialize(s)
}

fn listed_terms<S: Serializer>(terms: &&[Term<'_>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(terms.iter().map(|t| {
        (
            &t.name,
            &t.url,
            t.posts.iter().map(|p| &p.url).collect::<Vec<_>>(),
        )
    }))
}

impl PageKind for PostPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}.html", self.layout))
    }

    fn context(&self) -> PageContext<'_> {
        let s = self.summary;
        PageContext {
            title_html: &s.title_html,
            date: Some(&s.date),
            date_display: Some(&s.date_display),
            categories: &s.categories,
            tags: &s.tags,
            content: self.rendered.html(),
            toc: &self.rendered.toc,
            excerpt: &s.excerpt,
            has_math: self.rendered.has_math,
            extra: self.extra,
            description: description(self.extra, &s.excerpt),
            image: image(self.extra),
            reading_minutes: Some(
                *self.rendered.reading_minutes.get_or_init(|| {
                    text::reading_minutes_of(&text::sections(self.rendered.html()))
                }),
            ),
            previous: self.previous,
            next: self.next,
            ..PageContext::bare("post", &s.title, &s.url, self.layout)
        }
    }
}

/// A page of its own from `pages/` (`pages/about.md` → `/about/`), rendered by the same Markdown
/// stage as posts.
#[derive(Serialize)]
pub struct StandalonePage<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub layout: &'a str,
    pub extra: &'a BTreeMap<String, Value>,
    #[serde(serialize_with = "by_key")]
    pub rendered: &'a Rendered,
}

impl PageKind for StandalonePage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}.html", self.layout))
    }

    fn context(&self) -> PageContext<'_> {
        PageContext {
            content: self.rendered.html(),
            toc: &self.rendered.toc,
            excerpt: &self.rendered.excerpt,
            has_math: self.rendered.has_math,
            extra: self.extra,
            description: description(self.extra, &self.rendered.excerpt),
            image: image(self.extra),
            ..PageContext::bare("page", self.title, self.url, self.layout)
        }
    }
}

/// Which posts one index page lists, and where its neighbours are: jekyll-paginate's
/// `paginator`. Without `paginate` there is one page, listing every post.
#[derive(Serialize)]
pub struct Paginator<'a> {
    /// From 1.
    pub page: usize,
    pub per_page: usize,
    pub posts: &'a [PostSummary],
    pub total_posts: usize,
    pub total_pages: usize,
    /// The page before (newer posts) and after (older posts), when there is one.
    pub previous_page: Option<usize>,
    pub previous_page_path: Option<String>,
    pub next_page: Option<usize>,
    pub next_page_path: Option<String>,
}

/// The home page, or page 2, 3, … of it when `paginate` is set.
#[derive(Serialize)]
pub struct IndexPage<'a> {
    pub site_title: &'a str,
    pub url: String,
    /// Whether an excerpt it lists holds KaTeX output.
    pub has_math: bool,
    #[serde(serialize_with = "listed_paginator")]
    pub paginator: Paginator<'a>,
}

/// Everything of the paginator, its posts by URL.
fn listed_paginator<S: Serializer>(p: &Paginator<'_>, s: S) -> Result<S::Ok, S::Error> {
    let urls: Vec<&str> = p.posts.iter().map(|p| p.url.as_str()).collect();
    (
        p.page,
        p.per_page,
        urls,
        p.total_posts,
        p.total_pages,
        &p.previous_page_path,
        &p.next_page_path,
    )
        .serialize(s)
}

impl PageKind for IndexPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("index.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext {
            has_math: self.has_math,
            paginator: Some(&self.paginator),
            ..PageContext::bare("index", self.site_title, &self.url, "index")
        }
    }
}

/// One category's page, listing its posts.
#[derive(Serialize)]
pub struct CategoryPage<'a> {
    pub category: &'a Term<'a>,
}

impl PageKind for CategoryPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("category.html")
    }

    fn context(&self) -> PageContext<'_> {
        let c = self.category;
        PageContext {
            has_math: c.posts.iter().any(|s| s.excerpt_has_math),
            category: Some(c),
            ..PageContext::bare("category", &c.name, &c.url, "category")
        }
    }
}

/// One tag's page, listing its posts.
#[derive(Serialize)]
pub struct TagPage<'a> {
    #[serde(serialize_with = "listed_term")]
    pub tag: &'a Term<'a>,
}

impl PageKind for TagPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("tag.html")
    }

    fn context(&self) -> PageContext<'_> {
        let t = self.tag;
        PageContext {
            has_math: t.posts.iter().any(|s| s.excerpt_has_math),
            tag: Some(t),
            ..PageContext::bare("tag", &t.name, &t.url, "tag")
        }
    }
}

/// Which taxonomy a [`TermsPage`] lists.
#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    Tags,
    Categories,
}

/// `/tags/` or `/categories/`: every term with its count.
#[derive(Serialize)]
pub struct TermsPage<'a> {
    pub taxonomy: Taxonomy,
    /// The theme's word for it ("Tags", "标签").
    pub title: &'a str,
    pub url: &'a str,
    #[serde(serialize_with = "listed_terms")]
    pub terms: &'a [Term<'a>],
}

impl PageKind for TermsPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("terms.html")
    }

    fn context(&self) -> PageContext<'_> {
        let kind = match self.taxonomy {
            Taxonomy::Tags => "tags",
            Taxonomy::Categories => "categories",
        };
        PageContext {
            terms: self.terms,
            ..PageContext::bare(kind, self.title, self.url, "terms")
        }
    }
}

/// `/archive/`: every post, by year.
#[derive(Serialize)]
pub struct ArchivePage<'a> {
    pub title: &'a str,
    pub url: &'a str,
    #[serde(serialize_with = "listed_years")]
    pub years: Vec<Year<'a>>,
}

fn listed_years<S: Serializer>(years: &[Year<'_>], s: S) -> Result<S::Ok, S::Error> {
    struct Posts<'y>(&'y [&'y PostSummary]);
    impl Serialize for Posts<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            listed_all(self.0.iter().copied(), s)
        }
    }
    s.collect_seq(years.iter().map(|y| (&y.year, Posts(&y.posts))))
}

impl PageKind for ArchivePage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("archive.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext {
            years: &self.years,
            ..PageContext::bare("archive", self.title, self.url, "archive")
        }
    }
}

/// `/search/`: a search box and, as the reader types, the pages that match (`search.js`, from
/// the index [`crate::search`] writes). Only when `[search] enabled`.
#[derive(Serialize)]
pub struct SearchPage<'a> {
    /// The theme's word for it.
    pub title: &'a str,
    pub url: &'a str,
}

impl PageKind for SearchPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("search.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext::bare("search", self.title, self.url, "search")
    }
}

/// The page GitHub Pages (and the preview) serve for a missing URL.
#[derive(Serialize)]
pub struct NotFoundPage<'a> {
    /// The theme's words for it.
    pub title: &'a str,
}

impl PageKind for NotFoundPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("404.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext::bare(
            "404",
            self.title,
            crate::content::permalink::NOT_FOUND_URL,
            "404",
        )
    }
}

/// One post in a feed: its summary and its whole content.
#[derive(Serialize)]
pub struct FeedEntry<'a> {
    #[serde(serialize_with = "listed")]
    pub summary: &'a PostSummary,
    #[serde(serialize_with = "by_key")]
    pub rendered: &'a Rendered,
}

/// What a feed template sees of an entry.
#[derive(Serialize)]
pub struct EntryContext<'a> {
    pub post: &'a PostSummary,
    /// The post's HTML as the Markdown stage wrote it (math as KaTeX HTML); the feed template
    /// gives it the base path with the `base_path` filter.
    pub content: &'a str,
    pub id: String,
}

/// Whose posts a term's feed holds.
#[derive(Clone, Copy)]
pub enum FeedOf<'a> {
    Category(&'a Term<'a>),
    Tag(&'a Term<'a>),
}

impl<'a> FeedOf<'a> {
    pub fn term(&self) -> &'a Term<'a> {
        match *self {
            FeedOf::Category(t) | FeedOf::Tag(t) => t,
        }
    }
}

/// In a page's key: which taxonomy, and the term as [`listed_term`] gives it.
impl Serialize for FeedOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Listed<'t>(&'t Term<'t>);
        impl Serialize for Listed<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                listed_term(&self.0, s)
            }
        }
        let taxonomy = match self {
            FeedOf::Category(_) => Taxonomy::Categories,
            FeedOf::Tag(_) => Taxonomy::Tags,
        };
        (taxonomy, Listed(self.term())).serialize(s)
    }
}

/// An Atom feed of the newest posts, as jekyll-feed gives one: the site's (`/feed.xml`), one
/// category's (`/feed/<category>.xml`) or one tag's (`/feed/by_tag/<tag>.xml`), with each
/// post's whole content.
#[derive(Serialize)]
pub struct FeedPage<'a> {
    /// The site's title (plain text).
    pub title: &'a str,
    /// For a category's or a tag's feed, which.
    pub of: Option<FeedOf<'a>>,
    pub url: &'a str,
    /// What the Atom ids are made from: the site's URL (ids are then the absolute URLs, as
    /// jekyll-feed's), or without one the title (see [`crate::urls::atom_id`]).
    pub site_url: &'a str,
    pub entries: Vec<FeedEntry<'a>>,
}

impl PageKind for FeedPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("feed.xml")
    }

    fn context(&self) -> PageContext<'_> {
        let id = |path: &str| crate::urls::atom_id(self.site_url, self.title, path);
        PageContext {
            id: Cow::Owned(id(self.url)),
            entries: self
                .entries
                .iter()
                .map(|e| EntryContext {
                    post: e.summary,
                    content: e.rendered.html(),
                    id: id(&e.summary.url),
                })
                .collect(),
            category: match self.of {
                Some(FeedOf::Category(c)) => Some(c),
                _ => None,
            },
            tag: match self.of {
                Some(FeedOf::Tag(t)) => Some(t),
                _ => None,
            },
            ..PageContext::bare("feed", self.title, self.url, "feed")
        }
    }
}

/// `/sitemap.xml` (the sitemaps.org protocol), as jekyll-sitemap writes it.
#[derive(Serialize)]
pub struct SitemapPage {
    pub urls: Vec<SitemapUrl>,
}

impl PageKind for SitemapPage {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("sitemap.xml")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext {
            urls: &self.urls,
            ..PageContext::bare(
                "sitemap",
                "",
                crate::content::permalink::SITEMAP_URL,
                "sitemap",
            )
        }
    }
}

/// `/robots.txt`, naming the sitemap (as jekyll-sitemap writes it).
#[derive(Serialize)]
pub struct RobotsPage;

impl PageKind for RobotsPage {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("robots.txt")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext::bare(
            "robots",
            "",
            crate::content::permalink::ROBOTS_URL,
            "robots",
        )
    }
}
