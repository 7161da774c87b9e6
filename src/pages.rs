//! Which pages a site has (posts, index, categories, 404) and the typed data each template gets:
//! `site` and `page`.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::content::permalink::category_url;
use crate::content::post::Post;
use crate::error::{Error, Location, Result, collect_all};
use crate::incremental::pages::PageCache;
use crate::markdown::Rendered;
use crate::markdown::headings::TocEntry;
use crate::output::OutputFile;
use crate::site::Site;
use crate::templates::Templates;

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
    pub url: &'a str,
    pub base_path: String,
    pub posts: &'a [PostSummary],
    pub categories: &'a [CategorySummary],
    pub katex: KatexCss,
}

#[derive(Serialize, Default)]
pub struct PageContext {
    /// `post`, `index`, `category`, `404` or `feed`.
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    pub date: Option<String>,
    pub date_display: Option<String>,
    pub categories: Vec<Link>,
    pub tags: Vec<String>,
    pub content: String,
    pub toc: Vec<TocEntry>,
    pub excerpt: String,
    pub has_math: bool,
    pub layout: String,
    /// Front matter keys quire gives no meaning to, for the templates.
    pub extra: BTreeMap<String, Value>,
    /// On category pages: the category and its posts.
    pub category: Option<CategorySummary>,
}

fn summary(post: &Post, rendered: &Rendered) -> PostSummary {
    let excerpt = match &post.excerpt {
        Some(text) => crate::html::escape(text),
        None => rendered.excerpt.clone(),
    };
    PostSummary {
        excerpt_has_math: excerpt.contains("class=\"katex"),
        title: post.title.clone(),
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

/// Renders every page of the site. `rendered[i]` belongs to `site.posts[i]`.
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
    let render_page = |ctx: &mut Option<tera::Context>,
                       template: &str,
                       page: &PageContext,
                       for_page: &Path|
     -> Result<Vec<u8>> {
        let ctx = ctx.get_or_insert_with(|| base_ctx.clone());
        ctx.insert("page", page);
        templates
            .render(template, ctx, for_page)
            .map(String::into_bytes)
    };
    // Pages other than posts are small: the cache keys them on their whole `page` value.
    let render = |ctx: &mut Option<tera::Context>,
                  template: &str,
                  page: PageContext,
                  for_page: &Path|
     -> Result<OutputFile> {
        let path = crate::urls::output_path(&page.url).map_err(|why| {
            Error::at(
                Location::file(for_page),
                format!("page {} cannot be written: {why}", page.url),
            )
        })?;
        let key = round.key(&path, template, &page);
        let contents =
            round.get_or_render(&path, key, || render_page(ctx, template, &page, for_page))?;
        Ok(OutputFile { path, contents })
    };

    let mut files: Vec<Result<OutputFile>> = site
        .posts
        .par_iter()
        .zip(rendered.par_iter())
        .zip(summaries.par_iter())
        .map_init(|| None, |ctx, ((post, r), s)| {
            let template = format!("{}.html", post.layout);
            if !templates.has(&template) {
                return Err(Error::at(
                    post.layout_at.clone(),
                    format!(
                        "layout `{}`: no template {template} (looked in templates/ and the built-in theme: {})",
                        post.layout,
                        templates.names().join(", ")
                    ),
                ));
            }
            let path = crate::urls::output_path(&post.url).map_err(|why| {
                Error::at(
                    Location::file(&post.source),
                    format!("URL {} cannot be written: {why}", post.url),
                )
            })?;
            // A post's page is made from its file (path and text) and, for an undated draft,
            // the build's clock; with `site` and the configuration, which every key includes,
            // that is all. Keying on these instead of the page value spares hashing every
            // post's HTML on each preview rebuild. Whatever `page` gains must be added here.
            let key = round.key(&path, &template, &(&post.source, &post.text, &s.date));
            let contents = round.get_or_render(&path, key, || {
                let page = PageContext {
                    kind: "post",
                    title: post.title.clone(),
                    url: post.url.clone(),
                    date: Some(s.date.clone()),
                    date_display: Some(s.date_display.clone()),
                    categories: s.categories.clone(),
                    tags: post.tags.clone(),
                    content: r.html.clone(),
                    toc: r.toc.clone(),
                    excerpt: s.excerpt.clone(),
                    has_math: r.has_math,
                    layout: post.layout.clone(),
                    extra: post.extra.clone(),
                    category: None,
                };
                render_page(ctx, &template, &page, &post.source)
            })?;
            Ok(OutputFile { path, contents })
        })
        .collect();

    let mut ctx = None;
    let index = PageContext {
        kind: "index",
        title: site.config.title.clone(),
        url: "/".into(),
        layout: "index".into(),
        has_math: summaries.iter().any(|s| s.excerpt_has_math),
        ..Default::default()
    };
    files.push(render(
        &mut ctx,
        "index.html",
        index,
        Path::new("index.html"),
    ));
    for cat in &cats {
        // A category named `..` has no page inside the output folder; blame a post that has it.
        if let Err(why) = crate::urls::output_path(&cat.url) {
            let post = site
                .posts
                .iter()
                .find(|p| p.categories.iter().any(|c| category_url(c) == cat.url));
            files.push(Err(Error::at(
                Location::file(post.map_or(Path::new(""), |p| p.source.as_path())),
                format!("category `{}` cannot have a page: {why}", cat.name),
            )));
            continue;
        }
        let page = PageContext {
            kind: "category",
            title: cat.name.clone(),
            url: cat.url.clone(),
            layout: "category".into(),
            has_math: cat.posts.iter().any(|s| s.excerpt_has_math),
            category: Some(cat.clone()),
            ..Default::default()
        };
        files.push(render(&mut ctx, "category.html", page, Path::new(&cat.url)));
    }
    let not_found = PageContext {
        kind: "404",
        title: "Page not found".into(),
        url: "/404.html".into(),
        layout: "404".into(),
        ..Default::default()
    };
    files.push(render(
        &mut ctx,
        "404.html",
        not_found,
        Path::new("404.html"),
    ));
    // An Atom feed of the newest posts, as jekyll-feed, Hugo and Zola give one.
    let feed = PageContext {
        kind: "feed",
        title: site.config.title.clone(),
        url: "/feed.xml".into(),
        layout: "feed".into(),
        ..Default::default()
    };
    files.push(render(&mut ctx, "feed.xml", feed, Path::new("feed.xml")));
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
