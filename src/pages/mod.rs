//! Which pages a site has (posts, index, categories, 404, feed) and the typed data each template
//! gets: `site` and `page` ([`Page`], one variant per kind, in [`kinds`]).

mod kinds;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::content::permalink::category_url;
use crate::content::post::Post;
use crate::error::{Error, Location, Result, collect_all};
use crate::incremental::pages::PageCache;
use crate::markdown::Rendered;
use crate::output::OutputFile;
use crate::site::Site;
use crate::templates::Templates;
pub use kinds::{CategoryPage, FeedPage, IndexPage, NotFoundPage, PageContext, PageKind, PostPage};

/// KaTeX 0.16.4's stylesheet on jsDelivr, pinned with its SRI hash.
pub const KATEX_CDN_HREF: &str = "https://cdn.jsdelivr.net/npm/katex@0.16.4/dist/katex.min.css";
pub const KATEX_CDN_INTEGRITY: &str =
    "sha384-vKruj+a13U8yHIkAyGgK1J3ArTLzrFGBbBc0tDp4ad/EyewESeXE/Iv67Aj8gKZ0";

#[derive(Serialize, Clone)]
pub struct KatexCss {
    pub href: String,
    pub integrity: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct Link {
    pub name: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub struct PostSummary {
    pub title: String,
    /// The title with its formulas rendered, for headings and listings.
    pub title_html: String,
    pub url: String,
    /// RFC 3339 in the site's time zone.
    pub date: String,
    /// `2018-12-31`, for display.
    pub date_display: String,
    pub excerpt: String,
    /// The excerpt holds KaTeX output, so a listing showing it needs the KaTeX stylesheet.
    pub excerpt_has_math: bool,
    pub categories: Vec<Link>,
    pub tags: Vec<String>,
}

#[derive(Serialize, Clone)]
pub struct CategorySummary {
    pub name: String,
    pub url: String,
    pub posts: Vec<PostSummary>,
}

#[derive(Serialize)]
pub struct SiteContext<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub author: &'a str,
    pub lang: &'a str,
    pub url: &'a str,
    pub base_path: String,
    pub posts: &'a [PostSummary],
    pub categories: &'a [CategorySummary],
    pub katex: KatexCss,
}

fn summary(post: &Post, rendered: &Rendered) -> PostSummary {
    let excerpt = match &post.excerpt {
        Some(text) => crate::html::escape(text),
        None => rendered.excerpt.clone(),
    };
    PostSummary {
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
        tags: post.tags.clone(),
    }
}

/// Categories in first-seen order of case-insensitive name, each with its posts newest first.
fn categories(site: &Site, summaries: &[PostSummary]) -> Vec<CategorySummary> {
    let mut out: Vec<CategorySummary> = Vec::new();
    for (post, s) in site.posts.iter().zip(summaries) {
        for c in &post.categories {
            let url = category_url(c);
            match out.iter_mut().find(|x| x.url == url) {
                Some(cat) => cat.posts.push(s.clone()),
                None => out.push(CategorySummary {
                    name: c.clone(),
                    url,
                    posts: vec![s.clone()],
                }),
            }
        }
    }
    out.sort_by_key(|c| c.name.to_lowercase());
    out
}

/// One page of the site, as the typed inputs it is made from. Its template context
/// ([`Page::context`]) and its cache key (a hash of this value serialised, see
/// [`crate::incremental::pages::PageRound::key`]) both come from here.
#[derive(Serialize)]
pub enum Page<'a> {
    Post(PostPage<'a>),
    Index(IndexPage<'a>),
    Category(CategoryPage<'a>),
    NotFound(NotFoundPage),
    Feed(FeedPage<'a>),
}

impl Page<'_> {
    fn kind(&self) -> &dyn PageKind {
        match self {
            Page::Post(p) => p,
            Page::Index(p) => p,
            Page::Category(p) => p,
            Page::NotFound(p) => p,
            Page::Feed(p) => p,
        }
    }

    pub fn template(&self) -> Cow<'_, str> {
        self.kind().template()
    }

    pub fn context(&self) -> PageContext<'_> {
        self.kind().context()
    }
}

/// A page with where it goes and where messages about it point; neither is part of its output
/// beyond what the page itself decides (the path follows its URL).
struct Planned<'a> {
    page: Page<'a>,
    path: PathBuf,
    /// The file that messages name: a post's source, or a generated page's own name.
    origin: &'a Path,
    /// Where a missing template is to be fixed (a post's `layout:` line).
    layout_at: Location,
}

/// Every page of the site, in output order: posts (site order), index, categories, 404, feed.
/// A page that cannot be written is an error in its place.
fn plan<'a>(
    site: &'a Site,
    rendered: &'a [Rendered],
    summaries: &'a [PostSummary],
    cats: &'a [CategorySummary],
    has_math: bool,
) -> Vec<Result<Planned<'a>>> {
    let mut plan: Vec<Result<Planned<'a>>> = site
        .posts
        .iter()
        .zip(rendered)
        .zip(summaries)
        .map(|((post, r), s)| {
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
                }),
                path,
                origin: &post.source,
                layout_at: post.layout_at.clone(),
            })
        })
        .collect();
    let generated = |page: Page<'a>, origin: &'a str| {
        let url = page.context().url.to_string();
        let path = crate::urls::output_path(&url).map_err(|why| {
            Error::at(
                Location::file(origin),
                format!("page {url} cannot be written: {why}"),
            )
        })?;
        Ok(Planned {
            page,
            path,
            origin: Path::new(origin),
            layout_at: Location::file(origin),
        })
    };
    let title = &site.config.title;
    plan.push(generated(
        Page::Index(IndexPage {
            site_title: title,
            has_math,
        }),
        "index.html",
    ));
    for cat in cats {
        // A category named `..` has no page inside the output folder; blame a post that has it.
        let page = match crate::urls::output_path(&cat.url) {
            Ok(_) => generated(Page::Category(CategoryPage { category: cat }), &cat.url),
            Err(why) => {
                let post = site
                    .posts
                    .iter()
                    .find(|p| p.categories.iter().any(|c| category_url(c) == cat.url));
                Err(Error::at(
                    Location::file(post.map_or(Path::new(""), |p| p.source.as_path())),
                    format!("category `{}` cannot have a page: {why}", cat.name),
                ))
            }
        };
        plan.push(page);
    }
    plan.push(generated(Page::NotFound(NotFoundPage), "404.html"));
    plan.push(generated(
        Page::Feed(FeedPage { site_title: title }),
        "feed.xml",
    ));
    plan
}

/// Renders every page of the site, in the order of `plan`: the posts' pages first, in site
/// order ([`crate::build::Built`] relies on it). `rendered[i]` belongs to `site.posts[i]`.
pub fn render_all(
    site: &Site,
    rendered: &[Rendered],
    templates: &Templates,
    katex: KatexCss,
) -> Result<Vec<OutputFile>> {
    render_all_cached(site, rendered, templates, katex, &PageCache::default())
}

/// As [`render_all`], reusing the pages `cache` holds whose inputs are unchanged.
pub fn render_all_cached(
    site: &Site,
    rendered: &[Rendered],
    templates: &Templates,
    katex: KatexCss,
    cache: &PageCache,
) -> Result<Vec<OutputFile>> {
    let summaries: Vec<PostSummary> = site
        .posts
        .iter()
        .zip(rendered)
        .map(|(p, r)| summary(p, r))
        .collect();
    let cats = categories(site, &summaries);
    let site_ctx = SiteContext {
        title: &site.config.title,
        description: &site.config.description,
        author: &site.config.author,
        lang: &site.config.lang,
        url: &site.config.url,
        base_path: site.base_path(),
        posts: &summaries,
        categories: &cats,
        katex,
    };
    // Serialised once; every page gets a clone of the value instead of re-serialising.
    let site_value = serde_json::to_value(&site_ctx).map_err(Error::internal)?;

    // `site` lists every post, so inserting it per page made rendering quadratic in the number
    // of posts; each worker clones this context once, the first time it has a page to render
    // (never, when every page comes from the cache), and only swaps `page`.
    let mut base_ctx = tera::Context::new();
    base_ctx.insert("site", &site_value);
    let round = cache.round(templates, &(&site_value, &site.config));
    let has_math = summaries.iter().any(|s| s.excerpt_has_math);
    let plan = plan(site, rendered, &summaries, &cats, has_math);
    let files: Vec<Result<OutputFile>> = plan
        .into_par_iter()
        .map_init(
            || None,
            |ctx: &mut Option<tera::Context>, planned| {
                let Planned {
                    page,
                    path,
                    origin,
                    layout_at,
                } = planned?;
                let template = page.template();
                if !templates.has(&template) {
                    return Err(Error::at(
                        layout_at,
                        format!(
                            "layout `{}`: no template {template} (looked in templates/ and the built-in theme: {})",
                            page.context().layout,
                            templates.names().join(", ")
                        ),
                    ));
                }
                let key = round.key(&path, &page);
                let contents = round.get_or_render(&path, key, || {
                    let ctx = ctx.get_or_insert_with(|| base_ctx.clone());
                    ctx.insert("page", &page.context());
                    templates
                        .render(&template, ctx, origin)
                        .map(String::into_bytes)
                })?;
                Ok(OutputFile { path, contents })
            },
        )
        .collect();
    let files = collect_all(files)?;
    check_unique_paths(&files, site)?;
    Ok(files)
}

/// A post whose permalink lands on the index or a category page would silently replace it.
fn check_unique_paths(files: &[OutputFile], site: &Site) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if let Some(j) = seen.insert(&f.path, i) {
            let who = |k: usize| site.posts.get(k).map(|p| p.source.clone());
            return Err(Error::Collision {
                path: f.path.clone(),
                first: who(j),
                second: who(i),
            });
        }
    }
    Ok(())
}
