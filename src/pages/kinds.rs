//! The kinds of page, each as the typed inputs it is made from. A page's template context is a
//! function of its inputs alone ([`PageKind::context`] reads nothing else), and its cache key is
//! a hash of the same inputs serialised (see [`crate::incremental::pages`]), so whatever a page
//! comes to show is in its key as soon as the page can show it.
//!
//! Adding a kind: a struct here with `#[derive(Serialize)]`, an impl of [`PageKind`], a variant
//! of [`super::Page`] and its arm in [`super::Page::kind`], and where it is planned in
//! [`super::plan`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{CategorySummary, Link, PostSummary};
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
    /// `post`, `index`, `category`, `404` or `feed`.
    pub kind: &'static str,
    pub title: &'a str,
    /// The title as HTML (formulas rendered): set on posts, empty elsewhere.
    pub title_html: &'a str,
    pub url: &'a str,
    pub date: Option<&'a str>,
    pub date_display: Option<&'a str>,
    pub categories: &'a [Link],
    pub tags: &'a [String],
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub excerpt: &'a str,
    pub has_math: bool,
    pub layout: &'a str,
    /// Front matter keys quire gives no meaning to, for the templates.
    pub extra: &'a BTreeMap<String, Value>,
    /// On category pages: the category and its posts.
    pub category: Option<&'a CategorySummary>,
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
            category: None,
        }
    }
}

/// A post's own page.
#[derive(Serialize)]
pub struct PostPage<'a> {
    /// Title, URL, dates, categories, tags and excerpt, as listings show them.
    pub summary: &'a PostSummary,
    pub layout: &'a str,
    pub extra: &'a BTreeMap<String, Value>,
    #[serde(serialize_with = "by_key")]
    pub rendered: &'a Rendered,
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
            content: &self.rendered.html,
            toc: &self.rendered.toc,
            excerpt: &s.excerpt,
            has_math: self.rendered.has_math,
            extra: self.extra,
            ..PageContext::bare("post", &s.title, &s.url, self.layout)
        }
    }
}

/// The home page; its post list is `site.posts`.
#[derive(Serialize)]
pub struct IndexPage<'a> {
    pub site_title: &'a str,
    /// Whether an excerpt it lists holds KaTeX output.
    pub has_math: bool,
}

impl PageKind for IndexPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("index.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext {
            has_math: self.has_math,
            ..PageContext::bare("index", self.site_title, "/", "index")
        }
    }
}

/// One category's page, listing its posts.
#[derive(Serialize)]
pub struct CategoryPage<'a> {
    pub category: &'a CategorySummary,
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

/// The page GitHub Pages (and the preview) serve for a missing URL.
#[derive(Serialize)]
pub struct NotFoundPage;

impl PageKind for NotFoundPage {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("404.html")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext::bare("404", "Page not found", "/404.html", "404")
    }
}

/// An Atom feed of the newest posts, as jekyll-feed, Hugo and Zola give one; its entries are
/// `site.posts`.
#[derive(Serialize)]
pub struct FeedPage<'a> {
    pub site_title: &'a str,
}

impl PageKind for FeedPage<'_> {
    fn template(&self) -> Cow<'_, str> {
        Cow::Borrowed("feed.xml")
    }

    fn context(&self) -> PageContext<'_> {
        PageContext::bare("feed", self.site_title, "/feed.xml", "feed")
    }
}
