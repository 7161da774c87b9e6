//! Which pages a site has (posts, standalone pages, index pages, categories, tags, their
//! indexes, the archive, 404, feeds, sitemap, robots.txt) and the typed data each template
//! gets: `site`, `page` ([`Page`], one variant per kind, in [`kinds`]) and `t`, the theme's
//! words in the site's language ([`words`]).

mod kinds;
pub(crate) mod text;
pub mod words;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

pub use crate::content::permalink::NOT_FOUND_URL;
use crate::content::permalink::{
    ARCHIVE_URL, CATEGORIES_URL, FEED_URL, SEARCH_URL, TAGS_URL, category_feed_url, category_url,
    index_page_url, tag_feed_url, tag_url,
};
use crate::content::post::Post;
use crate::error::{Error, Location, Result, collect_all};
use crate::incremental::pages::PageCache;
use crate::incremental::posts::Contents;
use crate::markdown::Rendered;
use crate::output::ledger::{FileKey, Ledger};
use crate::output::{OutputFile, PageSink, Previous};
use crate::site::Site;
use crate::templates::Templates;
pub use kinds::{
    ArchivePage, CategoryPage, EntryContext, FeedEntry, FeedOf, FeedPage, IndexPage, NotFoundPage,
    PageContext, PageKind, Paginator, PostPage, RobotsPage, SearchPage, SitemapPage,
    StandalonePage, TagPage, Taxonomy, TermsPage,
};
pub use text::{CJK_CHARS_PER_MINUTE, WORDS_PER_MINUTE};
use words::Words;

/// KaTeX 0.16.4's stylesheet on jsDelivr, pinned with its SRI hash.
pub const KATEX_CDN_HREF: &str = "https://cdn.jsdelivr.net/npm/katex@0.16.4/dist/katex.min.css";
pub const KATEX_CDN_INTEGRITY: &str =
    "sha384-vKruj+a13U8yHIkAyGgK1J3ArTLzrFGBbBc0tDp4ad/EyewESeXE/Iv67Aj8gKZ0";

/// How many posts a feed holds, newest first: jekyll-feed's default `posts_limit`. Each carries
/// its whole content, so a feed is about ten posts' size, and there is one per category.
pub const FEED_POSTS: usize = 10;

#[derive(Serialize, Clone, Hash)]
pub struct KatexCss {
    pub href: String,
    pub integrity: Option<String>,
}

#[derive(Serialize, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize, Clone, Hash, Debug)]
pub struct PostSummary {
    /// Plain text (a `$x$` in it is TeX source, not a formula).
    pub title: String,
    /// The title with its formulas rendered, for headings and listings.
    pub title_html: String,
    pub url: String,
    /// RFC 3339 in the site's time zone.
    pub date: String,
    /// `2018-12-31`, for display.
    pub date_display: String,
    /// HTML: the content up to `excerpt_separator`, else the first paragraph (see
    /// [`text::excerpt`]); the front matter's `excerpt` (text) when set.
    pub excerpt: String,
    /// The excerpt holds KaTeX output, so a listing showing it needs the KaTeX stylesheet.
    pub excerpt_has_math: bool,
    pub categories: Vec<Link>,
    pub tags: Vec<Link>,
}

/// A category or a tag: its page and its posts, newest first.
#[derive(Serialize, Clone, Hash, Debug)]
pub struct Term<'a> {
    /// As first written (terms whose URLs match are one).
    pub name: String,
    pub url: String,
    /// Its Atom feed: [`category_feed_url`] or [`tag_feed_url`].
    pub feed: Option<String>,
    pub posts: Vec<&'a PostSummary>,
}

/// A term without its posts: what `site.tags` lists (a tag's posts are on its page).
#[derive(Serialize, Clone, Hash, Debug)]
pub struct TermCount<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub count: usize,
}

/// One year of the archive.
#[derive(Serialize, Clone, Debug)]
pub struct Year<'a> {
    pub year: String,
    pub posts: Vec<&'a PostSummary>,
}

/// One `<url>` of the sitemap: a site path, and for a post its date.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct SitemapUrl {
    pub loc: String,
    pub lastmod: Option<String>,
}

/// A header link.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NavItem {
    pub title: String,
    pub url: String,
}

/// `site` in every template. Its `Hash` is every page's shared key (see [`shared_key`]): derived,
/// so a field added here is in the key too.
#[derive(Serialize, Hash)]
pub struct SiteContext<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub author: &'a str,
    pub lang: &'a str,
    pub url: &'a str,
    pub base_path: String,
    pub posts: &'a [PostSummary],
    pub categories: &'a [Term<'a>],
    /// Every tag with its post count, in the order of [`terms`]. Not its posts, unlike
    /// `categories`: each tag of each post would put that post's summary into `site` once more,
    /// and `site` is serialised and hashed on every build.
    pub tags: Vec<TermCount<'a>>,
    /// The header's links: `nav` from `site.toml`, or the default (see [`nav`]).
    pub nav: &'a [NavItem],
    pub katex: KatexCss,
    /// `[search] enabled`: the header's search box and `/search/` exist.
    pub search: bool,
}

fn summary(
    post: &Post,
    rendered: &Rendered,
    separator: &str,
    base: &str,
    contents: Contents<'_>,
) -> Result<PostSummary> {
    let excerpt = match &post.excerpt {
        Some(text) => crate::html::escape(text),
        None => {
            // Cut from the whole HTML only when the separator is there at all: otherwise the
            // HTML is not read, and a rendering from the cache need not be loaded.
            let loaded = text::cuts_at_separator(separator, post.body())
                .then(|| contents.loaded(rendered))
                .transpose()?;
            let html = loaded.as_ref().map_or("", |r| r.html());
            text::excerpt(
                html,
                &rendered.excerpt,
                separator,
                post.body(),
                &crate::urls::for_rewrite(base, &post.url),
            )
        }
    };
    Ok(PostSummary {
        excerpt_has_math: excerpt.contains("class=\"katex"),
        title: post.title.clone(),
        title_html: rendered.title_html.clone(),
        url: post.url.clone(),
        date: post.date.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        date_display: post.date.strftime("%Y-%m-%d").to_string(),
        excerpt,
        categories: post
            .categories
            .iter()
            .map(|c| Link {
                name: c.clone(),
                url: category_url(c),
            })
            .collect(),
        tags: post
            .tags
            .iter()
            .map(|t| Link {
                name: t.clone(),
                url: tag_url(t),
            })
            .collect(),
    })
}

/// The terms of `links` (each post's categories or tags) in order of case-insensitive name,
/// each with its posts newest first; terms with the same URL are one, named as first seen.
fn terms(summaries: &[PostSummary], links: fn(&PostSummary) -> &[Link]) -> Vec<Term<'_>> {
    let mut out: Vec<Term> = Vec::new();
    for s in summaries {
        for link in links(s) {
            match out.iter_mut().find(|x| x.url == link.url) {
                // A post with `Notes` and `notes` is listed once.
                Some(t) if t.posts.last().is_some_and(|p| p.url == s.url) => {}
                Some(t) => t.posts.push(s),
                None => out.push(Term {
                    name: link.name.clone(),
                    url: link.url.clone(),
                    feed: None,
                    posts: vec![s],
                }),
            }
        }
    }
    out.sort_by_key(|t| t.name.to_lowercase());
    out
}

/// Categories (each with its feed), as [`terms`] orders them.
fn categories(summaries: &[PostSummary]) -> Vec<Term<'_>> {
    let mut cats = terms(summaries, |s| &s.categories);
    for c in &mut cats {
        c.feed = Some(category_feed_url(&c.name));
    }
    cats
}

/// Tags (each with its feed), as [`terms`] orders them.
fn tags(summaries: &[PostSummary]) -> Vec<Term<'_>> {
    let mut tags = terms(summaries, |s| &s.tags);
    for t in &mut tags {
        t.feed = Some(tag_feed_url(&t.name));
    }
    tags
}

/// The posts by year (in the site's time zone), newest first.
fn years<'a>(site: &Site, summaries: &'a [PostSummary]) -> Vec<Year<'a>> {
    let mut out: Vec<Year<'a>> = Vec::new();
    for (post, s) in site.posts.iter().zip(summaries) {
        let year = post.date.strftime("%Y").to_string();
        match out.last_mut() {
            Some(y) if y.year == year => y.posts.push(s),
            _ => out.push(Year {
                year,
                posts: vec![s],
            }),
        }
    }
    out
}

/// The header's links: `nav` from `site.toml` as written, or Archive, Tags, About when
/// `pages/about.md` exists, and Search unless `[search] enabled = false`.
pub fn nav(site: &Site, words: &Words) -> Vec<NavItem> {
    if let Some(links) = &site.config.nav {
        return links
            .iter()
            .map(|l| NavItem {
                title: l.title.clone(),
                url: l.url.clone(),
            })
            .collect();
    }
    let mut items = vec![
        NavItem {
            title: words.archive.into(),
            url: ARCHIVE_URL.into(),
        },
        NavItem {
            title: words.tags.into(),
            url: TAGS_URL.into(),
        },
    ];
    let about = site.pages.iter().find(|p| {
        ["pages/about.md", "pages/about.markdown"]
            .iter()
            .any(|a| p.placed == Path::new(a))
    });
    if let Some(about) = about {
        items.push(NavItem {
            title: words.about.into(),
            url: about.url.clone(),
        });
    }
    if site.config.search.enabled {
        items.push(NavItem {
            title: words.search.into(),
            url: SEARCH_URL.into(),
        });
    }
    items
}

/// One page of the site, as the typed inputs it is made from. Its template context
/// ([`Page::context`]) and its cache key (a hash of this value serialised, see
/// [`crate::incremental::pages::PageRound::key`]) both come from here.
#[derive(Serialize)]
pub enum Page<'a> {
    Post(PostPage<'a>),
    Standalone(StandalonePage<'a>),
    Index(IndexPage<'a>),
    Category(CategoryPage<'a>),
    Tag(TagPage<'a>),
    Terms(TermsPage<'a>),
    Archive(ArchivePage<'a>),
    Search(SearchPage<'a>),
    NotFound(NotFoundPage<'a>),
    Feed(FeedPage<'a>),
    Sitemap(SitemapPage),
    Robots(RobotsPage),
}

impl Page<'_> {
    fn kind(&self) -> &dyn PageKind {
        match self {
            Page::Post(p) => p,
            Page::Standalone(p) => p,
            Page::Index(p) => p,
            Page::Category(p) => p,
            Page::Tag(p) => p,
            Page::Terms(p) => p,
            Page::Archive(p) => p,
            Page::Search(p) => p,
            Page::NotFound(p) => p,
            Page::Feed(p) => p,
            Page::Sitemap(p) => p,
            Page::Robots(p) => p,
        }
    }

    pub fn template(&self) -> Cow<'_, str> {
        self.kind().template()
    }

    /// The page with `renderings` (each with its content) in place of its own, in the order
    /// [`Page::renderings`] gives them; `None` for a page that shows none.
    pub fn with_renderings<'b>(&'b self, renderings: &'b [Cow<'b, Rendered>]) -> Option<Page<'b>> {
        let mut next = renderings.iter().map(|r| r.as_ref());
        let mut take = |own: &'b Rendered| next.next().unwrap_or(own);
        match self {
            Page::Post(p) => Some(Page::Post(PostPage {
                rendered: take(p.rendered),
                ..*p
            })),
            Page::Standalone(p) => Some(Page::Standalone(StandalonePage {
                rendered: take(p.rendered),
                ..*p
            })),
            Page::Feed(p) => Some(Page::Feed(FeedPage {
                entries: p
                    .entries
                    .iter()
                    .map(|e| FeedEntry {
                        summary: e.summary,
                        rendered: take(e.rendered),
                    })
                    .collect(),
                ..*p
            })),
            _ => None,
        }
    }

    /// The renderings whose content the page shows (a post's own, a feed's entries').
    pub fn renderings(&self) -> Vec<&Rendered> {
        match self {
            Page::Post(p) => vec![p.rendered],
            Page::Standalone(p) => vec![p.rendered],
            Page::Feed(p) => p.entries.iter().map(|e| e.rendered).collect(),
            Page::Index(_)
            | Page::Category(_)
            | Page::Tag(_)
            | Page::Terms(_)
            | Page::Archive(_)
            | Page::Search(_)
            | Page::NotFound(_)
            | Page::Sitemap(_)
            | Page::Robots(_) => Vec::new(),
        }
    }

    pub fn context(&self) -> PageContext<'_> {
        self.kind().context()
    }

    /// Its layout (a post's or page's `layout:`), as its context gives it, without making the
    /// context (whose content may not be loaded).
    pub fn layout(&self) -> String {
        match self {
            Page::Post(p) => p.layout.to_string(),
            Page::Standalone(p) => p.layout.to_string(),
            _ => self.context().layout.to_string(),
        }
    }

    /// Its URL, as its context gives it; a feed's without making its entries (whose content
    /// may not be loaded before the feed is rendered).
    pub fn url(&self) -> String {
        match self {
            Page::Feed(p) => p.url.to_string(),
            _ => self.context().url.to_string(),
        }
    }

    /// Its `<url>` in the sitemap: every HTML page a reader may land on, except a post or page
    /// whose front matter says `sitemap: false` (as jekyll-sitemap reads it) and the search
    /// page (empty without a query, like the 404 it is not worth a crawler's visit).
    pub fn sitemap_entry(&self) -> Option<SitemapUrl> {
        let listed = |extra: &std::collections::BTreeMap<String, Value>| {
            extra.get("sitemap") != Some(&Value::Bool(false))
        };
        let (loc, lastmod): (&str, _) = match self {
            Page::Post(p) if listed(p.extra) => (&p.summary.url, Some(p.summary.date.clone())),
            Page::Standalone(p) if listed(p.extra) => (p.url, None),
            Page::Index(p) => (&p.url, None),
            Page::Category(p) => (&p.category.url, None),
            Page::Tag(p) => (&p.tag.url, None),
            Page::Terms(p) => (p.url, None),
            Page::Archive(p) => (p.url, None),
            _ => return None,
        };
        Some(SitemapUrl {
            loc: loc.to_string(),
            lastmod,
        })
    }
}

fn post_categories(p: &Post) -> &[String] {
    &p.categories
}

fn post_tags(p: &Post) -> &[String] {
    &p.tags
}

/// A page with where it goes and where messages about it point; neither is part of its output
/// beyond what the page itself decides (the path follows its URL).
struct Planned<'a> {
    page: Page<'a>,
    path: PathBuf,
    /// The file that messages name: a post's source, or a generated page's own name.
    origin: Cow<'a, Path>,
    /// Where a missing template is to be fixed (a post's `layout:` line).
    layout_at: Location,
}

/// What [`plan`] lays out, all made once per build.
struct Listings<'a> {
    summaries: &'a [PostSummary],
    categories: &'a [Term<'a>],
    tags: &'a [Term<'a>],
    words: &'static Words,
    /// Whether the site's `static/` has its own `robots.txt` / `sitemap.xml` (then kept, as
    /// jekyll-sitemap keeps them).
    own_robots: bool,
    own_sitemap: bool,
}

/// Every page of the site, in output order: posts (site order), standalone pages, index pages,
/// categories, tags, the tag and category indexes, archive, 404, feeds, sitemap, robots.txt.
/// A page that cannot be written is an error in its place.
fn plan<'a>(
    site: &'a Site,
    rendered: &'a [Rendered],
    page_rendered: &'a [Rendered],
    l: &Listings<'a>,
) -> Vec<Result<Planned<'a>>> {
    let summaries = l.summaries;
    let mut plan: Vec<Result<Planned<'a>>> = site
        .posts
        .iter()
        .zip(rendered)
        .zip(summaries)
        .enumerate()
        .map(|(i, ((post, r), s))| {
            let path = crate::urls::output_path(&post.url).map_err(|why| {
                Error::at(
                    Location::file(&post.source),
                    format!("URL {} cannot be written: {why}", post.url),
                )
            })?;
            Ok(Planned {
                page: Page::Post(PostPage {
                    summary: s,
                    layout: &post.layout,
                    extra: &post.extra,
                    rendered: r,
                    // Newest first: the older post is the next one in the list.
                    previous: summaries.get(i + 1),
                    next: i.checked_sub(1).and_then(|j| summaries.get(j)),
                }),
                path,
                origin: Cow::Borrowed(&post.source),
                layout_at: post.layout_at.clone(),
            })
        })
        .collect();
    for (p, r) in site.pages.iter().zip(page_rendered) {
        // Checked when the page was loaded; an error here would be a quire bug, but is reported.
        plan.push(
            crate::urls::output_path(&p.url)
                .map_err(|why| {
                    Error::at(
                        Location::file(&p.source),
                        format!("URL {} cannot be written: {why}", p.url),
                    )
                })
                .map(|path| Planned {
                    page: Page::Standalone(StandalonePage {
                        title: &p.title,
                        url: &p.url,
                        layout: &p.layout,
                        extra: &p.extra,
                        rendered: r,
                    }),
                    path,
                    origin: Cow::Borrowed(&p.source),
                    layout_at: p.layout_at.clone(),
                }),
        );
    }
    let generated = |page: Page<'a>, origin: Cow<'a, Path>| {
        let url = page.url();
        let path = crate::urls::output_path(&url).map_err(|why| {
            Error::at(
                Location::file(origin.as_ref()),
                format!("page {url} cannot be written: {why}"),
            )
        })?;
        Ok(Planned {
            page,
            path,
            layout_at: Location::file(origin.as_ref()),
            origin,
        })
    };
    let named = |name: &'static str| Cow::Borrowed(Path::new(name));
    let title = &site.config.title;

    // The index, paginated as jekyll-paginate does: `paginate` posts a page, none = all.
    let per_page = site.config.paginate.unwrap_or(summaries.len()).max(1);
    let total_pages = summaries.len().div_ceil(per_page).max(1);
    for n in 1..=total_pages {
        let at = |k: usize| (k * per_page).min(summaries.len());
        let posts = &summaries[at(n - 1)..at(n)];
        let neighbour = |m: usize| (1..=total_pages).contains(&m).then_some(m);
        let previous_page = neighbour(n - 1);
        let next_page = neighbour(n + 1);
        plan.push(generated(
            Page::Index(IndexPage {
                site_title: title,
                url: index_page_url(n),
                has_math: posts.iter().any(|s| s.excerpt_has_math),
                paginator: Paginator {
                    page: n,
                    per_page,
                    posts,
                    total_posts: summaries.len(),
                    total_pages,
                    previous_page,
                    previous_page_path: previous_page.map(index_page_url),
                    next_page,
                    next_page_path: next_page.map(index_page_url),
                },
            }),
            named("index.html"),
        ));
    }

    // A term named `..` has no page inside the output folder; blame a post that has it.
    let term_page = |term: &'a Term<'a>,
                     page: Page<'a>,
                     what: &str,
                     of: fn(&Post) -> &[String],
                     url: fn(&str) -> String| {
        match crate::urls::output_path(&term.url) {
            Ok(_) => generated(page, Cow::Owned(PathBuf::from(&term.url))),
            Err(why) => {
                let post = site
                    .posts
                    .iter()
                    .find(|p| of(p).iter().any(|c| url(c) == term.url));
                Err(Error::at(
                    Location::file(post.map_or(Path::new(""), |p| p.source.as_path())),
                    format!("{what} `{}` cannot have a page: {why}", term.name),
                ))
            }
        }
    };
    for cat in l.categories {
        plan.push(term_page(
            cat,
            Page::Category(CategoryPage { category: cat }),
            "category",
            post_categories,
            category_url,
        ));
    }
    for tag in l.tags {
        plan.push(term_page(
            tag,
            Page::Tag(TagPage { tag }),
            "tag",
            post_tags,
            tag_url,
        ));
    }
    plan.push(generated(
        Page::Terms(TermsPage {
            taxonomy: Taxonomy::Categories,
            title: l.words.categories,
            url: CATEGORIES_URL,
            terms: l.categories,
        }),
        named("categories"),
    ));
    plan.push(generated(
        Page::Terms(TermsPage {
            taxonomy: Taxonomy::Tags,
            title: l.words.tags,
            url: TAGS_URL,
            terms: l.tags,
        }),
        named("tags"),
    ));
    plan.push(generated(
        Page::Archive(ArchivePage {
            title: l.words.archive,
            url: ARCHIVE_URL,
            years: years(site, summaries),
        }),
        named("archive"),
    ));
    if site.config.search.enabled {
        plan.push(generated(
            Page::Search(SearchPage {
                title: l.words.search,
                url: SEARCH_URL,
            }),
            named("search"),
        ));
    }
    plan.push(generated(
        Page::NotFound(NotFoundPage {
            title: l.words.not_found_title,
        }),
        named("404.html"),
    ));

    let feed = |of: Option<FeedOf<'a>>, url: &'a str| {
        let entries = site
            .posts
            .iter()
            .zip(rendered)
            .zip(summaries)
            .filter(|((p, _), _)| match of {
                None => true,
                Some(FeedOf::Category(c)) => p.categories.iter().any(|n| category_url(n) == c.url),
                Some(FeedOf::Tag(t)) => p.tags.iter().any(|n| tag_url(n) == t.url),
            })
            .take(FEED_POSTS)
            .map(|((_, r), s)| FeedEntry {
                summary: s,
                rendered: r,
            })
            .collect();
        Page::Feed(FeedPage {
            title,
            of,
            url,
            site_url: &site.config.url,
            entries,
        })
    };
    plan.push(generated(feed(None, FEED_URL), named("feed.xml")));
    let term_feeds = l
        .categories
        .iter()
        .map(FeedOf::Category)
        .chain(l.tags.iter().map(FeedOf::Tag));
    for of in term_feeds {
        if let Some(url) = of.term().feed.as_deref() {
            plan.push(generated(
                feed(Some(of), url),
                Cow::Owned(PathBuf::from(url)),
            ));
        }
    }
    if !l.own_sitemap {
        let urls = plan
            .iter()
            .filter_map(|p| p.as_ref().ok().and_then(|p| p.page.sitemap_entry()))
            .collect();
        plan.push(generated(
            Page::Sitemap(SitemapPage { urls }),
            named("sitemap.xml"),
        ));
    }
    if !l.own_robots {
        plan.push(generated(Page::Robots(RobotsPage), named("robots.txt")));
    }
    plan
}

/// What rendering pages may take instead of making it afresh.
#[derive(Clone, Copy)]
pub struct Reuse<'a> {
    /// Pages the preview remembers (off for a one-off build).
    pub cache: &'a PageCache,
    /// The output folder as the build found it, with the ledger of what the last build wrote
    /// there: a page still as it was made from the same key is not rendered at all.
    pub output: Option<(&'a Ledger, &'a Previous)>,
    /// Where renderings taken from the store get their content from, when a page shows it.
    pub contents: Contents<'a>,
}

/// One page's file, as [`render_all`] made it.
pub struct PageFile {
    pub path: PathBuf,
    pub made: Made,
    /// What its ledger line records; `None` for a page that cannot be keyed.
    pub key: Option<FileKey>,
}

/// What became of a page.
pub enum Made {
    /// Rendered, for the caller to write.
    Bytes(Vec<u8>),
    /// Rendered and put into the sink given to [`render_all`].
    Staged,
    /// Not rendered: the output folder holds it already, made from the same key.
    Kept,
}

/// Renders every page of the site, in the order of `plan`: the posts' pages first, in site
/// order, then the standalone pages' ([`crate::build::Built`] relies on it). `rendered[i]`
/// belongs to `site.posts[i]`, `page_rendered[i]` to `site.pages[i]`. With a `sink` (a one-off
/// build), each page goes there as soon as it is rendered, so none is held; without, they are
/// returned (the preview).
pub fn render_all(
    site: &Site,
    rendered: &[Rendered],
    page_rendered: &[Rendered],
    templates: &Templates,
    katex: KatexCss,
    reuse: Reuse<'_>,
    sink: Option<&PageSink<'_>>,
) -> Result<Vec<PageFile>> {
    let base_path = site.base_path();
    let separator = &site.config.excerpt_separator;
    let summaries: Vec<Result<PostSummary>> = site
        .posts
        .par_iter()
        .zip(rendered)
        .map(|(p, r)| summary(p, r, separator, &base_path, reuse.contents))
        .collect();
    let summaries = collect_all(summaries)?;
    let cats = categories(&summaries);
    let tags = tags(&summaries);
    let words = words::for_lang(&site.config.lang);
    let nav = nav(site, words);
    let site_ctx = SiteContext {
        title: &site.config.title,
        description: &site.config.description,
        author: &site.config.author,
        lang: &site.config.lang,
        url: &site.config.url,
        base_path,
        posts: &summaries,
        categories: &cats,
        tags: tags
            .iter()
            .map(|t| TermCount {
                name: &t.name,
                url: &t.url,
                count: t.posts.len(),
            })
            .collect(),
        nav: &nav,
        katex,
        search: site.config.search.enabled,
    };
    let shared = shared_key(&site_ctx, words, &site.config);
    let round = reuse.cache.round(templates, shared, reuse.output);
    let own = |name: &str| site.has_own_file(name);
    let listings = Listings {
        summaries: &summaries,
        categories: &cats,
        tags: &tags,
        words,
        own_robots: own("robots.txt"),
        own_sitemap: own("sitemap.xml"),
    };
    let plan = plan(site, rendered, page_rendered, &listings);
    // First which pages must be rendered at all (a warm build, none): `site`, megabytes on a
    // large site, is made only when one is.
    let sorted: Vec<Result<Sorted<'_>>> = plan
        .into_par_iter()
        .map(|planned| {
            let planned = planned?;
            let template = planned.page.template();
            if !templates.has(&template) {
                return Err(Error::at(
                    planned.layout_at,
                    format!(
                        "layout `{}`: no template {template} (looked in templates/ and the built-in theme: {})",
                        planned.page.layout(),
                        templates.names().join(", ")
                    ),
                ));
            }
            let key = round.key(&planned.path, &planned.page);
            Ok(match round.kept(&planned.path, key) {
                true => Sorted::Kept(PageFile {
                    path: planned.path,
                    made: Made::Kept,
                    key: key.map(|k| k.file_key()),
                }),
                false => Sorted::Render(Box::new(planned), key),
            })
        })
        .collect();
    let mut sorted = collect_all(sorted)?;
    let to_render = sorted
        .iter()
        .filter(|s| matches!(s, Sorted::Render(..)))
        .count();
    if to_render == 0 {
        return finish_pages(sorted.into_iter().map(Sorted::into_kept).collect(), site);
    }
    let mut base_ctx = match reuse.cache.take_context(shared) {
        Some(ctx) => ctx,
        None => {
            let site_value = serde_json::to_value(&site_ctx).map_err(Error::internal)?;
            let both = serde_json::json!({ "site": site_value, "t": words });
            tera::Context::from_value(both).map_err(Error::internal)?
        }
    };
    let render_one = |ctx: &mut tera::Context, planned: Planned<'_>, key| {
        let Planned {
            page, path, origin, ..
        } = planned;
        let contents = round.render(&path, key, || {
            // The content of what the page shows, read for this page only.
            let loaded = page
                .renderings()
                .into_iter()
                .map(|r| reuse.contents.loaded(r))
                .collect::<Result<Vec<_>>>()?;
            let swapped = page.with_renderings(&loaded);
            let page = swapped.as_ref().unwrap_or(&page);
            ctx.insert("page", &page.context());
            templates
                .render(&page.template(), ctx, &origin)
                .map(String::into_bytes)
        })?;
        let made = match sink {
            Some(sink) => {
                sink.put(OutputFile {
                    path: path.clone(),
                    contents,
                })?;
                Made::Staged
            }
            None => Made::Bytes(contents),
        };
        Ok(PageFile {
            path,
            made,
            key: key.map(|k| k.file_key()),
        })
    };
    let files: Vec<Result<PageFile>> = if to_render < PARALLEL_FROM {
        // One context, no copies: what a preview save renders (its post, a listing or two).
        sorted
            .drain(..)
            .map(|s| match s {
                Sorted::Kept(file) => Ok(file),
                Sorted::Render(planned, key) => render_one(&mut base_ctx, *planned, key),
            })
            .collect()
    } else {
        // The pages that carry most posts' content first (a feed ten, a post one), so no
        // worker is left rendering feeds alone at the end (0.25 s of a cold build of 1,000
        // posts); the results go back into the plan's order.
        let mut heaviest_first: Vec<(usize, Sorted<'_>)> = sorted.into_iter().enumerate().collect();
        heaviest_first.sort_by_cached_key(|(_, s)| std::cmp::Reverse(s.weight()));
        // Each worker copies the context once, the first time it has a page to render, and
        // only swaps `page` (inserting `site` per page made rendering quadratic in posts).
        let mut files: Vec<(usize, Result<PageFile>)> = heaviest_first
            .into_par_iter()
            .map_init(
                || None,
                |ctx: &mut Option<tera::Context>, (i, s)| {
                    let file = match s {
                        Sorted::Kept(file) => Ok(file),
                        Sorted::Render(planned, key) => {
                            render_one(ctx.get_or_insert_with(|| base_ctx.clone()), *planned, key)
                        }
                    };
                    (i, file)
                },
            )
            .collect();
        files.sort_unstable_by_key(|(i, _)| *i);
        files.into_iter().map(|(_, file)| file).collect()
    };
    reuse.cache.keep_context(shared, base_ctx);
    finish_pages(files, site)
}

/// Pages to render before [`render_all`] renders them in parallel: below this, one thread with
/// the one `site` context beats copying it for each worker.
const PARALLEL_FROM: usize = 16;

/// A planned page, sorted by whether it must be rendered.
enum Sorted<'a> {
    Kept(PageFile),
    /// Boxed: most pages of a preview save or a warm build are kept.
    Render(Box<Planned<'a>>, Option<crate::incremental::pages::PageKey>),
}

impl Sorted<'_> {
    /// How many posts' whole content rendering the page takes in (nothing for a kept page).
    fn weight(&self) -> usize {
        match self {
            Sorted::Kept(_) => 0,
            Sorted::Render(planned, _) => planned.page.renderings().len(),
        }
    }

    fn into_kept(self) -> Result<PageFile> {
        match self {
            Sorted::Kept(file) => Ok(file),
            Sorted::Render(planned, _) => Err(Error::internal(format!(
                "{} was to be rendered",
                planned.path.display()
            ))),
        }
    }
}

fn finish_pages(files: Vec<Result<PageFile>>, site: &Site) -> Result<Vec<PageFile>> {
    let files = collect_all(files)?;
    check_unique_paths(&files, site)?;
    Ok(files)
}

/// What every page's key shares: `site`, the theme's words and the configuration. `site` is
/// hashed through [`std::hash::Hash`], not serialised: it lists every post with its excerpt
/// (KaTeX's HTML), and escaping that as JSON on every preview save cost more than the rest of
/// the save. `None` when the configuration cannot be serialised (nothing is then reused).
fn shared_key(
    site: &SiteContext<'_>,
    words: &Words,
    config: &crate::config::Config,
) -> Option<blake3::Hash> {
    let rest = crate::incremental::fingerprint(&(words, config))?;
    Some(crate::incremental::hash_of(&(site, rest.as_bytes())))
}

/// A post whose permalink lands on the index or a category page (or a page of `pages/` on a
/// post or a generated page) would silently replace it.
fn check_unique_paths(files: &[PageFile], site: &Site) -> Result<()> {
    let sources: Vec<&Path> = site
        .posts
        .iter()
        .map(|p| p.source.as_path())
        .chain(site.pages.iter().map(|p| p.source.as_path()))
        .collect();
    let mut seen = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if let Some(j) = seen.insert(&f.path, i) {
            let who = |k: usize| sources.get(k).map(|p| p.to_path_buf());
            return Err(Error::Collision {
                path: f.path.clone(),
                first: who(j),
                second: who(i),
            });
        }
    }
    Ok(())
}
