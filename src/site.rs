//! [`Site`]: the configuration, the posts that will be published (newest first) and the
//! standalone pages of `pages/`. Decides which posts are in (drafts, future, unpublished) and
//! that no two share a URL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::load;
use crate::content::post::{Post, PostRules};
use crate::content::standalone::Standalone;
use crate::error::{Error, Location, Result, collect_all};

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
        let mut config = Config::load(root)?;
        if let Some(url) = &opts.base_url {
            config.url = url.clone();
        }
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
        let pages = load::read_all(root, load::find_pages(root)?)?;
        let pages: Vec<Standalone> =
            collect_all(pages.into_par_iter().map(Standalone::from_source).collect())?
                .into_iter()
                .filter(|p| opts.unpublished || p.published)
                .collect();
        Ok(Site {
            root: root.to_path_buf(),
            config,
            posts,
            pages,
        })
    }

    pub fn base_path(&self) -> String {
        self.config.base_path()
    }
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
