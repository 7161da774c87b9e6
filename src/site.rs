//! [`Site`]: the configuration, the posts that will be published (newest first) and the
//! standalone pages of `pages/`. Decides which posts are in (drafts, future, unpublished) and
//! that no two share a URL. A Jekyll folder (`_config.yml`, no `site.toml`) is read in place,
//! each file as [`crate::jekyll::tree`] places it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::config::{CONFIG_FILE, Config, MathConfig};
use crate::content::load;
use crate::content::post::{Post, PostMemo, PostRules};
use crate::content::standalone::Standalone;
use crate::error::{Error, Location, Result, collect_all};
use crate::jekyll::liquid::Includes;
use crate::jekyll::tree::{Role, Tree};
use crate::markdown::macros::{self, Macros};
use crate::output::Copy;

/// Files published as they are, in quire's layout.
pub const STATIC_DIR: &str = "static";

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
    /// What goes into the output as it is: `static/`, or a Jekyll folder's static files.
    pub copied: Vec<Copy>,
}

impl Site {
    pub fn load(root: &Path, opts: &LoadOptions) -> Result<Site> {
        Self::load_memo(root, opts, &PostMemo::default())
    }

    /// As [`Site::load`], taking each post whose file did not change from `memo`.
    pub fn load_memo(root: &Path, opts: &LoadOptions, memo: &PostMemo) -> Result<Site> {
        if !root.is_dir() {
            return Err(Error::Usage(format!(
                "source folder {} does not exist or is not a folder (see --source)",
                root.display()
            )));
        }
        let loaded = crate::jekyll::config::load(root)?;
        let mut config = loaded.config;
        let layout = match loaded.jekyll_exclude {
            None => Layout::Quire,
            Some(exclude) => Layout::Jekyll(Tree::map(root, &exclude, None)?),
        };
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
        let files = layout.posts(root, opts.drafts)?;
        let rules_key = rules.key();
        let posts = collect_all(
            files
                .into_par_iter()
                .map(|(rel, placed)| memo.read(root, rel, placed, &rules, &rules_key))
                .collect(),
        )
        .map_err(without_repeats)?;
        memo.keep_only(posts.iter().map(|p| p.source.as_path()));
        let read = posts.len();
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
        let mut site_warnings = loaded.warnings;
        site_warnings.extend(warnings(root, &layout, read, posts.len()));
        let pages = layout.pages(root)?;
        let mut pages: Vec<Standalone> =
            collect_all(pages.into_par_iter().map(Standalone::from_source).collect())?
                .into_iter()
                .filter(|p| opts.unpublished || p.published)
                .collect();
        // Before Markdown, as Jekyll: each body becomes its Liquid's output, so every later
        // stage (and every render key) sees what it depends on, included files and all.
        if config.jekyll.compat {
            site_warnings.extend(crate::jekyll::liquid::expand_site(
                &config,
                layout.includes(root)?,
                &mut posts,
                &mut pages,
            )?);
        }
        let copied = layout.copied(root);
        Ok(Site {
            root: root.to_path_buf(),
            config,
            posts,
            warnings: site_warnings,
            pages,
            copied,
        })
    }

    /// Whether the site has a file of its own at `rel` in the output (a `static/robots.txt`),
    /// which a page quire would make there gives way to.
    pub fn has_own_file(&self, rel: &str) -> bool {
        self.copied.iter().any(|c| c.provides(Path::new(rel)))
    }

    /// Lets go of each post's text once the Markdown stage is done with it, for a build that
    /// does not hand the texts on ([`crate::build::BuiltPost::text`]): 3.4 MB for 1,000 posts,
    /// otherwise held through Pagefind's indexing, the build's peak. What the pages still ask
    /// of a text, whether its body holds the excerpt separator ([`crate::pages::text::cuts_at_separator`]),
    /// is kept by keeping the text of the few posts whose body does.
    pub fn drop_post_texts(&mut self) {
        let separator = &self.config.excerpt_separator;
        for post in &mut self.posts {
            if !crate::pages::text::cuts_at_separator(separator, post.body()) {
                post.text = String::new();
                post.body_offset = 0;
            }
        }
    }

    /// Every post's source path and URL, for links between posts' source files; from `memo`
    /// when no post's path or URL changed since it was built.
    pub fn post_index(
        &self,
        memo: &mut crate::markdown::links::PostIndexMemo,
    ) -> std::sync::Arc<crate::markdown::links::PostIndex> {
        let posts = self
            .posts
            .iter()
            .map(|p| (p.source.as_path(), p.url.as_str()));
        crate::markdown::links::PostIndex::memo(posts, memo)
    }

    pub fn base_path(&self) -> String {
        self.config.base_path()
    }
}

/// Where a site's files stand: quire's folders, or a Jekyll folder (`_config.yml` and no
/// `site.toml`) read in place, each file where [`Tree::map`] says, the same call
/// `import-jekyll` copies by.
enum Layout {
    Quire,
    Jekyll(Tree),
}

impl Layout {
    /// The post files, each `(rel, placed)` (see [`load::Source::placed`]), unread.
    fn posts(&self, root: &Path, drafts: bool) -> Result<Vec<(PathBuf, PathBuf)>> {
        match self {
            Layout::Quire => Ok(load::find(root, drafts)?
                .into_iter()
                .map(|r| (r.clone(), r))
                .collect()),
            Layout::Jekyll(tree) => {
                let roles: &[Role] = match drafts {
                    true => &[Role::Post, Role::Draft],
                    false => &[Role::Post],
                };
                Ok(Self::placed(tree, roles))
            }
        }
    }

    fn pages(&self, root: &Path) -> Result<Vec<load::Source>> {
        match self {
            Layout::Quire => load::read_all(root, load::find_pages(root)?),
            Layout::Jekyll(tree) => load::read_all_placed(root, Self::placed(tree, &[Role::Page])),
        }
    }

    /// The files of `roles`, each with the place quire's layout has it.
    fn placed(tree: &Tree, roles: &[Role]) -> Vec<(PathBuf, PathBuf)> {
        tree.entries
            .iter()
            .filter(|e| roles.contains(&e.role))
            .map(|e| (e.from.clone(), e.to.clone()))
            .collect()
    }

    fn includes(&self, root: &Path) -> Result<Includes> {
        match self {
            Layout::Quire => Includes::load(root),
            Layout::Jekyll(tree) => Includes::read(
                root,
                tree.with_role(Role::Include).map(|e| e.from.as_path()),
            ),
        }
    }

    fn copied(&self, root: &Path) -> Vec<Copy> {
        match self {
            Layout::Quire => vec![Copy {
                from: root.join(STATIC_DIR),
                to: PathBuf::new(),
            }],
            Layout::Jekyll(tree) => tree
                .with_role(Role::Static)
                .map(|e| Copy {
                    from: root.join(&e.from),
                    to: e.to.strip_prefix(STATIC_DIR).unwrap_or(&e.to).to_path_buf(),
                })
                .collect(),
        }
    }
}

/// The site's warnings, given how many post files were read and how many are published. A
/// Jekyll folder gets import-jekyll's report of what is not carried over instead of the list
/// of Markdown files outside `posts/` and `pages/`.
fn warnings(root: &Path, layout: &Layout, read: usize, published: usize) -> Vec<Error> {
    let (posts, new) = match layout {
        Layout::Quire => (load::POSTS_DIR, "; `quire new \"Title\"` writes one"),
        Layout::Jekyll(_) => (crate::jekyll::tree::POSTS, ""),
    };
    let posts_dir = Location::file(format!("{posts}/"));
    let mut warnings = Vec::new();
    if read == 0 {
        warnings.push(Error::at(
            posts_dir,
            format!("no posts found (a post is {posts}/YYYY-MM-DD-title.md{new})"),
        ));
    } else if published == 0 {
        warnings.push(Error::at(
            posts_dir,
            format!(
                "no post is published: all {read} are dated in the future or have \
                 `published: false` (see --future and --unpublished)"
            ),
        ));
    }
    if let Layout::Jekyll(tree) = layout {
        warnings.extend(
            tree.left
                .iter()
                .map(|l| Error::at(Location::file(&l.path), l.why.clone())),
        );
        return warnings;
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
