//! [`Post`]: a source file turned into typed metadata (date, slug, categories, URL) by Jekyll's
//! rules. Rendering the body is the markdown stage's job, not this one's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use serde_json::Value;

use super::front_matter;
use super::load::Source;
use super::{date, permalink};
use crate::error::{Error, Location, Result};
use crate::markdown::macros::Macros;

/// What post metadata depends on from the site configuration.
pub struct PostRules<'a> {
    pub timezone: &'a TimeZone,
    /// The site's permalink style or pattern.
    pub permalink: &'a str,
    /// Where that is set (`site.toml`'s `permalink` line), for a URL that cannot be written.
    pub permalink_at: &'a Location,
    /// For drafts without a date.
    pub now: &'a Zoned,
}

impl PostRules<'_> {
    /// What a post made by these rules can depend on, hashed: the time zone and the permalink
    /// style (`now` only dates an undated draft, and such drafts are never memoised).
    pub fn key(&self) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        h.update(format!("{:?}\0", self.timezone).as_bytes());
        h.update(self.permalink.as_bytes());
        h.finalize()
    }
}

/// Posts parsed by an earlier build, by file. On each preview save, a post file whose stamp
/// (size, times, inode) is as it was is not even read; one that is read is parsed again (front
/// matter, dates, URL) only when its text, place or rules changed. A one-off build holds none
/// (`PostMemo::default()`).
#[derive(Default)]
pub struct PostMemo {
    enabled: bool,
    by_file: std::sync::Mutex<std::collections::HashMap<PathBuf, Memoised>>,
}

struct Memoised {
    /// `None` while the file is too new for its stamp to be trusted (see [`Stamp::settled`]).
    stamp: Option<Stamp>,
    /// The text, place and rules the post was made from, hashed.
    key: blake3::Hash,
    /// The rules and the file's place alone: a stamp says nothing about them.
    rules: blake3::Hash,
    placed: PathBuf,
    post: Post,
}

/// What tells whether a file was written since it was read, as git's index does.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: u64,
}

/// How long after its last write a file's stamp is trusted: the kernel stamps writes with a
/// clock that ticks every few milliseconds, so a file written again within the tick it was read
/// in keeps its stamp (git's "racily clean" case). Such a file is read again next time.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(1);

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
            #[cfg(unix)]
            inode: meta.ino(),
        }
    }

    /// The stamp, if the file was last written long enough before `read_at` to trust it.
    fn settled(self, read_at: std::time::SystemTime) -> Option<Stamp> {
        let age = read_at.duration_since(self.modified?).ok()?;
        (age >= SETTLED).then_some(self)
    }
}

impl PostMemo {
    pub fn enabled() -> Self {
        PostMemo {
            enabled: true,
            ..Default::default()
        }
    }

    /// The post in file `rel` (quire's layout has it at `placed`): as last time when the file's
    /// stamp and the rules are unchanged, else read (and parsed if its text changed).
    pub fn read(
        &self,
        root: &std::path::Path,
        rel: PathBuf,
        placed: PathBuf,
        rules: &PostRules<'_>,
        rules_key: &blake3::Hash,
    ) -> Result<Post> {
        if !self.enabled {
            return Post::from_source(super::load::read(root, rel, placed)?, rules);
        }
        let read_at = std::time::SystemTime::now();
        let stamp = std::fs::metadata(root.join(&rel))
            .ok()
            .map(|m| Stamp::of(&m));
        if let Some(m) = self.lock().get(&rel)
            && stamp.is_some()
            && m.stamp == stamp
            && m.rules == *rules_key
            && m.placed == placed
        {
            return Ok(m.post.clone());
        }
        let post = self.post(super::load::read(root, rel, placed)?, rules, rules_key)?;
        if let Some(m) = self.lock().get_mut(&post.source) {
            m.stamp = stamp.and_then(|s| s.settled(read_at));
        }
        Ok(post)
    }

    /// [`Post::from_source`], or its result for the same source and rules last time.
    fn post(&self, src: Source, rules: &PostRules<'_>, rules_key: &blake3::Hash) -> Result<Post> {
        if !self.enabled || src.draft {
            return Post::from_source(src, rules);
        }
        let key =
            crate::incremental::hash_of(&(rules_key.as_bytes(), &src.rel, &src.placed, &src.text));
        if let Some(m) = self.lock().get(&src.rel)
            && m.key == key
        {
            return Ok(m.post.clone());
        }
        let (rel, placed) = (src.rel.clone(), src.placed.clone());
        let post = Post::from_source(src, rules)?;
        let memoised = Memoised {
            stamp: None,
            key,
            rules: *rules_key,
            placed,
            post: post.clone(),
        };
        self.lock().insert(rel, memoised);
        Ok(post)
    }

    /// Forgets files that are no longer posts (deleted, renamed, unpublished by `exclude`).
    pub fn keep_only<'a>(&self, files: impl IntoIterator<Item = &'a std::path::Path>) {
        if !self.enabled {
            return;
        }
        let keep: std::collections::HashSet<&std::path::Path> = files.into_iter().collect();
        self.lock().retain(|rel, _| keep.contains(rel.as_path()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<PathBuf, Memoised>> {
        // Entries are replaced whole, so a panic elsewhere leaves the map usable.
        self.by_file.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Clone)]
pub struct Post {
    /// Relative to the site root, e.g. `posts/2018-12-31-x.md`.
    pub source: PathBuf,
    /// The whole file; the body starts at `body_offset`. Kept whole so Markdown offsets map to
    /// file lines.
    pub text: String,
    pub body_offset: usize,
    pub title: String,
    pub date: Zoned,
    pub slug: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub layout: String,
    /// Where `layout:` is written (or just the file), for "no such template" messages.
    pub layout_at: Location,
    /// Site-relative and percent-escaped, as Jekyll's `post.url`.
    pub url: String,
    pub published: bool,
    pub draft: bool,
    /// `excerpt` from front matter, if the author wrote one.
    pub excerpt: Option<String>,
    /// `macros` from front matter: math macros for this post's formulas only.
    pub macros: Arc<Macros>,
    pub extra: BTreeMap<String, Value>,
}

impl Post {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    pub fn from_source(src: Source, rules: &PostRules<'_>) -> Result<Post> {
        let split = front_matter::split(&src.text);
        let fm = front_matter::parse_or_default(split.as_ref(), &src.rel)?;
        let at_key = |key: &str| front_matter::key_location(split.as_ref(), &src.rel, key);

        let file_stem = src
            .rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (file_date, file_slug) = match date::from_file_stem(&file_stem) {
            Some(Ok((d, rest))) => (Some(d), rest.to_string()),
            Some(Err(msg)) => return Err(Error::at(Location::file(&src.rel), msg)),
            None => (None, file_stem.clone()),
        };

        let date = match (&fm.date, file_date) {
            (Some(d), _) => date::parse(&d.as_text(), rules.timezone)
                .map_err(|msg| Error::at(at_key("date"), msg))?,
            (None, Some(d)) => date::midnight(d, rules.timezone)
                .map_err(|msg| Error::at(Location::file(&src.rel), msg))?,
            (None, None) if src.draft => rules.now.clone(),
            (None, None) => {
                return Err(Error::at(
                    Location::file(&src.rel),
                    "a post needs a date: name it YYYY-MM-DD-title.md or set `date:` in its front matter",
                ));
            }
        };

        let slug = fm.slug.clone().unwrap_or(file_slug);
        // Jekyll: `categories` (string split on spaces, or list) then `category`, de-duplicated.
        let mut categories = front_matter::string_list(&fm.categories, true);
        for c in front_matter::string_list(&fm.category, false) {
            categories.push(c);
        }
        dedup(&mut categories);
        let mut tags = front_matter::string_list(&fm.tags, true);
        tags.extend(front_matter::string_list(&fm.tag, false));
        dedup(&mut tags);

        let pattern = fm
            .permalink
            .as_deref()
            .unwrap_or_else(|| permalink::style_pattern(rules.permalink));
        let url = permalink::url(
            pattern,
            &permalink::UrlParts {
                date: &date,
                slug: &slug,
                basename: &file_stem,
                categories: &categories,
            },
        );
        // Refused here, where the file and line are known, rather than when the page is written.
        if let Err(why) = crate::urls::output_path(&url) {
            let (at, whose) = match &fm.permalink {
                Some(_) => (at_key("permalink"), "permalink"),
                None => (rules.permalink_at.clone(), "site permalink"),
            };
            return Err(Error::at(
                at,
                format!("{whose} `{pattern}` would write outside the output folder: {why}"),
            ));
        }
        let title = fm.title.clone().unwrap_or_else(|| titleize(&slug));
        let body_offset = split.as_ref().map_or(0, |s| s.body_offset);
        let layout_at = at_key("layout");
        Ok(Post {
            source: src.rel,
            text: src.text,
            body_offset,
            title,
            date,
            slug,
            categories,
            tags,
            layout_at,
            layout: fm.layout.unwrap_or_else(|| "post".into()),
            url,
            published: fm.published.unwrap_or(true),
            draft: src.draft,
            excerpt: fm.excerpt,
            macros: Arc::new(fm.macros.unwrap_or_default().0),
            extra: fm.extra,
        })
    }
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

/// Jekyll's `titleize_slug`: `my-first-post` → `My First Post`.
pub(crate) fn titleize(slug: &str) -> String {
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(rel: &str, text: &str) -> Result<Post> {
        let now: Zoned = "2026-01-01T00:00:00+00:00[UTC]".parse().unwrap();
        let at = Location::file("site.toml");
        let rules = PostRules {
            timezone: &TimeZone::UTC,
            permalink: "date",
            permalink_at: &at,
            now: &now,
        };
        let src = Source {
            rel: rel.into(),
            placed: rel.into(),
            draft: false,
            text: text.into(),
        };
        Post::from_source(src, &rules)
    }

    #[test]
    fn the_memo_parses_again_exactly_the_posts_whose_text_or_rules_changed() {
        let now: Zoned = "2026-01-01T00:00:00+00:00[UTC]".parse().unwrap();
        let at = Location::file("site.toml");
        let utc = TimeZone::UTC;
        let rules = |permalink| PostRules {
            timezone: &utc,
            permalink,
            permalink_at: &at,
            now: &now,
        };
        let src = |text: &str| Source {
            rel: "posts/2020-01-02-a.md".into(),
            placed: "posts/2020-01-02-a.md".into(),
            draft: false,
            text: text.into(),
        };
        let memo = PostMemo::enabled();
        let get = |text: &str, permalink| {
            let r = rules(permalink);
            memo.post(src(text), &r, &r.key()).unwrap()
        };
        let first = get("---\ntitle: One\n---\nx", "date");
        assert_eq!(
            (first.title.as_str(), first.url.as_str()),
            ("One", "/2020/01/02/a.html")
        );
        assert_eq!(get("---\ntitle: One\n---\nx", "date").title, "One");
        // An edit, then another permalink style: each is parsed again, never served stale.
        assert_eq!(get("---\ntitle: Two\n---\nx", "date").title, "Two");
        assert_eq!(
            get("---\ntitle: Two\n---\nx", "pretty").url,
            "/2020/01/02/a/"
        );
        // A front matter mistake is reported every time, not remembered as a post.
        let broken = rules("date");
        let e = memo.post(src("---\ntitle: [\n---\n"), &broken, &broken.key());
        assert!(e.is_err());
        assert!(
            memo.post(src("---\ntitle: [\n---\n"), &broken, &broken.key())
                .is_err()
        );
        memo.keep_only([]);
        assert!(memo.lock().is_empty(), "a deleted post is forgotten");
    }

    #[test]
    fn the_memo_never_serves_a_file_written_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let rel = PathBuf::from("posts/2020-01-02-a.md");
        let file = dir.path().join(&rel);
        let now: Zoned = "2026-01-01T00:00:00+00:00[UTC]".parse().unwrap();
        let at = Location::file("site.toml");
        let utc = TimeZone::UTC;
        let rules = PostRules {
            timezone: &utc,
            permalink: "date",
            permalink_at: &at,
            now: &now,
        };
        let memo = PostMemo::enabled();
        let title = || {
            let post = memo.read(dir.path(), rel.clone(), rel.clone(), &rules, &rules.key());
            post.unwrap().title
        };
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let write = |text: &str| {
            crate::fs::write(&file, text).unwrap();
            let f = std::fs::File::options().write(true).open(&file).unwrap();
            f.set_modified(old).unwrap();
        };
        write("---\ntitle: AAA\n---\n");
        assert_eq!(title(), "AAA");
        assert_eq!(title(), "AAA", "settled and unchanged");
        // Same length, same modification time: only the change time tells, and it does.
        write("---\ntitle: BBB\n---\n");
        assert_eq!(title(), "BBB");
        // Written just now: read again on every build until it settles.
        crate::fs::write(&file, "---\ntitle: CCC\n---\n").unwrap();
        assert_eq!(title(), "CCC");
        crate::fs::write(&file, "---\ntitle: DDD\n---\n").unwrap();
        assert_eq!(title(), "DDD");
    }

    #[test]
    fn seed_front_matter() {
        let p = post(
            "posts/2018-12-31-deep-learning.md",
            "---\nlayout: post\ntitle:  \"深度\"\ndate:   2018-12-31 15:30:58 +0800\ncategories: jekyll update\n---\nbody",
        )
        .unwrap();
        assert_eq!(p.url, "/jekyll/update/2018/12/31/deep-learning.html");
        assert_eq!(p.body(), "body");
        assert_eq!(p.title, "深度");
    }

    #[test]
    fn title_from_slug_and_category_merge() {
        let p = post(
            "posts/2020-02-02-my-first-post.md",
            "---\ncategories: [A]\ncategory: B\n---\n",
        )
        .unwrap();
        assert_eq!(p.title, "My First Post");
        assert_eq!(p.categories, ["A", "B"]);
        assert_eq!(p.url, "/a/b/2020/02/02/my-first-post.html");
    }

    #[test]
    fn impossible_date_names_the_line() {
        let e = post(
            "posts/2020-02-02-x.md",
            "---\ntitle: x\ndate: 2019-02-30\n---\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("posts/2020-02-02-x.md:3:1: invalid date `2019-02-30`"),
            "{e}"
        );
    }

    #[test]
    fn encoded_permalink_that_leaves_the_output_names_the_line() {
        for permalink in ["/%2e%2e/%2e%2e/%2e%2e/victim.txt", "/a/%2f..%2f..%2fX.html"] {
            let e = post(
                "posts/2020-02-02-x.md",
                &format!("---\ntitle: x\npermalink: {permalink}\n---\n"),
            )
            .unwrap_err()
            .to_string();
            assert!(e.starts_with("posts/2020-02-02-x.md:3:1: permalink"), "{e}");
            assert!(e.contains("outside the output folder"), "{e}");
        }
    }

    #[test]
    fn undated_post_is_an_error() {
        let e = post("posts/about.md", "hello").unwrap_err();
        assert!(e.to_string().contains("needs a date"), "{e}");
    }
}
