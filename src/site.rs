//! [`Site`]: the configuration, the posts that will be published (newest first) and the
//! standalone pages of `pages/`. Decides which posts are in (drafts, future, unpublished) and
//! that no two share a URL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::config::{CONFIG_FILE, Config, MathConfig};
use crate::content::load;
use crate::content::post::{Post, PostRules};
use crate::content::standalone::Standalone;
use crate::error::{Error, Location, Result, collect_all};
use crate::markdown::macros::{self, Macros};

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Overrides `url` from `site.toml` (its path becomes the base path).
    pub base_url: Option<String>,
    pub drafts: bool,
    pub future: bool,
    pub unpublished: bool,
}

pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub posts: Vec<Post>,
    /// What did not stop loading but is likely a mistake: no posts, Markdown files the build
    /// does not read. Shown with the build's other warnings.
    pub warnings: Vec<Error>,
    /// `pages/*.md`, by path.
    pub pages: Vec<Standalone>,
}

impl Site {
    pub fn load(root: &Path, opts: &LoadOptions) -> Result<Site> {
        if !root.is_dir() {
            return Err(Error::Usage(format!(
                "source folder {} does not exist or is not a folder (see --source)",
                root.display()
            )));
        }
        let (mut config, config_warnings) = crate::jekyll::config::load(root)?;
        if let Some(url) = &opts.base_url {
            config.url = url.clone();
        }
        // From here on the math options hold every site-wide macro, so whatever keys on them
        // (the KaTeX caches in memory and on disk, each post's render key) covers the file too.
        config.math.macros = site_macros(root, &config.math)?;
        let tz = TimeZone::get(&config.timezone)
            .map_err(|e| Error::at(Location::file(crate::config::CONFIG_FILE), e.to_string()))?;
        let now = Zoned::now().with_time_zone(tz.clone());
        let permalink_at = crate::config::key_location(root, "permalink");
        let rules = PostRules {
            timezone: &tz,
            permalink: &config.permalink,
            permalink_at: &permalink_at,
            now: &now,
        };
        let sources = load::read_all(root, load::find(root, opts.drafts)?)?;
        let posts = collect_all(
            sources
                .into_par_iter()
                .map(|s| Post::from_source(s, &rules))
                .collect(),
        )
        .map_err(without_repeats)?;
        let loaded = posts.len();
        let mut posts: Vec<Post> = posts
            .into_iter()
            .filter(|p| opts.unpublished || p.published)
            .filter(|p| opts.future || p.date.timestamp() <= now.timestamp())
            .collect();
        // Newest first; ties broken by path so output never depends on the file system's order.
        posts.sort_by(|a, b| {
            b.date
                .timestamp()
                .cmp(&a.date.timestamp())
                .then(a.source.cmp(&b.source))
        });
        check_collisions(&posts)?;
        let mut site_warnings = config_warnings;
        site_warnings.extend(warnings(root, loaded, posts.len()));
        let pages = load::read_all(root, load::find_pages(root)?)?;
        let mut pages: Vec<Standalone> =
            collect_all(pages.into_par_iter().map(Standalone::from_source).collect())?
                .into_iter()
                .filter(|p| opts.unpublished || p.published)
                .collect();
        // Before Markdown, as Jekyll: each body becomes its Liquid's output, so every later
        // stage (and every render key) sees what it depends on, included files and all.
        if config.jekyll.compat {
            site_warnings.extend(crate::jekyll::liquid::expand_site(
                root, &config, &mut posts, &mut pages,
            )?);
        }
        Ok(Site {
            root: root.to_path_buf(),
            config,
            posts,
            warnings: site_warnings,
            pages,
        })
    }

    /// Every post's source path and URL, for links between posts' source files.
    pub fn post_index(&self) -> crate::markdown::links::PostIndex {
        crate::markdown::links::PostIndex::new(
            self.posts.iter().map(|p| (p.source.clone(), p.url.clone())),
        )
    }

    pub fn base_path(&self) -> String {
        self.config.base_path()
    }
}

/// The site's warnings, given how many post files were read and how many are published.
fn warnings(root: &Path, loaded: usize, published: usize) -> Vec<Error> {
    let posts_dir = Location::file(format!("{}/", load::POSTS_DIR));
    let mut warnings = Vec::new();
    if loaded == 0 {
        warnings.push(Error::at(
            posts_dir,
            "no posts found (a post is posts/YYYY-MM-DD-title.md; `quire new \"Title\"` writes one)",
        ));
    } else if published == 0 {
        warnings.push(Error::at(
            posts_dir,
            format!(
                "no post is published: all {loaded} are dated in the future or have \
                 `published: false` (see --future and --unpublished)"
            ),
        ));
    }
    for rel in load::stray_markdown(root) {
        let hint = if load::is_in_jekyll_folder(&rel) {
            " (Jekyll's _posts/ is quire's posts/, and drafts go in posts/_drafts/)"
        } else {
            ""
        };
        warnings.push(Error::at(
            Location::file(rel),
            format!(
                "not a post: Markdown files are read only from {}/ and {}/{hint}",
                load::POSTS_DIR,
                load::PAGES_DIR
            ),
        ));
    }
    warnings
}

/// The macros file, if any (relative to the site folder: `site.toml`'s `[math] macros_file`,
/// by default `macros.tex`).
pub fn macros_file(math: &MathConfig) -> &str {
    math.macros_file.as_deref().unwrap_or(macros::DEFAULT_FILE)
}

/// The site-wide macros: the macros file's definitions, then `[math] macros` from `site.toml`,
/// which win over them.
fn site_macros(root: &Path, math: &MathConfig) -> Result<Macros> {
    let rel = macros_file(math);
    let path = root.join(rel);
    if !path.is_file() {
        if math.macros_file.is_none() {
            return Ok(math.macros.clone());
        }
        let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
        let line = text
            .lines()
            .position(|l| {
                l.trim_start()
                    .strip_prefix("macros_file")
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| i + 1);
        let at = match line {
            Some(line) => Location::at(CONFIG_FILE, line, 1),
            None => Location::file(CONFIG_FILE),
        };
        return Err(Error::at(
            at,
            format!("math.macros_file: there is no file `{rel}` in the site folder"),
        ));
    }
    let text = crate::fs::read_to_string(&path)?;
    let mut all = macros::parse(&text, Path::new(rel))?;
    all.extend(math.macros.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(all)
}

/// A mistake in `site.toml` (a permalink that leaves the output folder) fails every post the
/// same way; saying it once per post would bury it.
fn without_repeats(e: Error) -> Error {
    let Error::Many(errors) = e else { return e };
    let mut seen = std::collections::HashSet::new();
    let errors = errors
        .into_iter()
        .filter(|e| seen.insert(e.to_string()))
        .collect();
    Error::from_many(errors).unwrap_or(Error::Many(Vec::new()))
}

fn check_collisions(posts: &[Post]) -> Result<()> {
    let mut seen: HashMap<&str, &Post> = HashMap::new();
    let mut errors = Vec::new();
    for p in posts {
        if let Some(first) = seen.insert(&p.url, p) {
            errors.push(Error::at(
                Location::file(&p.source),
                format!(
                    "URL {} is also the URL of {}; set `slug` or `permalink` in one of them",
                    p.url,
                    first.source.display()
                ),
            ));
        }
    }
    match Error::from_many(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
