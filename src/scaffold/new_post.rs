//! `quire new "Title"`: writes a post with its front matter, named the way the build reads it.

use std::path::{Path, PathBuf};

use jiff::ZonedDateTime as Zoned;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::{FrontMatter, create_new, post_path, shown, slug};
use crate::config::{CONFIG_FILE, Config};
use crate::content::{date, load::POSTS_DIR};
use crate::error::{Error, Location, Result};

#[derive(Debug, Clone, Default)]
pub struct NewPost {
    /// The site folder.
    pub root: PathBuf,
    pub title: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    /// Into `posts/_drafts/`, built only with `--drafts`.
    pub draft: bool,
    /// The post's date; default today in the site's time zone.
    pub date: Option<Date>,
}

/// What [`new_post`] wrote.
#[derive(Debug)]
pub struct Written {
    /// The new file as the user should see it (`posts/2024-05-01-x.md`, or under `--source`).
    pub path: PathBuf,
    pub draft: bool,
    /// Dated after now: the build leaves it out until then, unless `--future`.
    pub future: bool,
}

/// Whether `root` looks like a quire site: it has a `site.toml` or a `posts/` folder.
pub fn is_site(root: &Path) -> bool {
    root.join(CONFIG_FILE).is_file() || root.join(POSTS_DIR).is_dir()
}

pub fn new_post(opts: &NewPost) -> Result<Written> {
    let root = &opts.root;
    if !is_site(root) {
        return Err(Error::Usage(format!(
            "{} is not a quire site: it has no {CONFIG_FILE} and no {POSTS_DIR}/ folder (run \
             `quire new` in your site's folder or pass --source, or make a site with `quire init`)",
            folder_name(root)
        )));
    }
    let title = opts.title.trim();
    if title.is_empty() {
        return Err(Error::Usage(
            "a post needs a title: quire new \"Title\"".into(),
        ));
    }
    let config = Config::load(root)?;
    let tz = TimeZone::get(&config.timezone)
        .map_err(|e| Error::at(Location::file(CONFIG_FILE), e.to_string()))?;
    let now = Zoned::now().with_time_zone(tz.clone());
    let (day, date_text) = match opts.date {
        Some(d) => (d, Some(d.to_string())),
        // A draft gets its date when it is built, as in Jekyll.
        None if opts.draft => (now.date(), None),
        None => (
            now.date(),
            Some(now.strftime("%Y-%m-%d %H:%M:%S %z").to_string()),
        ),
    };
    let clean = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let (categories, tags) = (clean(&opts.categories), clean(&opts.tags));
    let front_matter = FrontMatter {
        title,
        date: date_text,
        categories: &categories,
        tags: &tags,
    };
    let rel = post_path(day, &slug(title), opts.draft);
    create_new(root, &rel, front_matter.to_yaml())?;
    let future = match opts.date {
        Some(d) => date::midnight(d, &tz).is_ok_and(|t| t.timestamp() > now.timestamp()),
        None => false,
    };
    Ok(Written {
        path: shown(root, &rel),
        draft: opts.draft,
        future,
    })
}

fn folder_name(root: &Path) -> String {
    if root == Path::new(".") {
        "this folder".into()
    } else {
        root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "timezone = \"Asia/Shanghai\"\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn writes_dated_post_with_front_matter_in_the_site_zone() {
        let dir = site();
        let w = new_post(&NewPost {
            root: dir.path().into(),
            title: "Hello, World".into(),
            categories: vec!["notes".into()],
            tags: vec!["a".into(), " ".into()],
            ..Default::default()
        })
        .unwrap();
        let today = Zoned::now()
            .with_time_zone(TimeZone::get("Asia/Shanghai").unwrap())
            .date();
        let rel = format!("posts/{today}-hello-world.md");
        assert_eq!(w.path, dir.path().join(&rel));
        let text = std::fs::read_to_string(dir.path().join(&rel)).unwrap();
        assert!(
            text.starts_with("---\ntitle: \"Hello, World\"\ndate: "),
            "{text}"
        );
        assert!(text.contains(&format!("date: {today} ")), "{text}");
        assert!(text.contains(" +0800\n"), "{text}");
        assert!(
            text.contains("categories: [\"notes\"]\ntags: [\"a\"]\n"),
            "{text}"
        );
        assert!(!w.future && !w.draft);
    }

    #[test]
    fn given_date_and_draft() {
        let dir = site();
        let w = new_post(&NewPost {
            root: dir.path().into(),
            title: "Idea".into(),
            draft: true,
            date: Some("2999-01-02".parse().unwrap()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(w.path, dir.path().join("posts/_drafts/idea.md"));
        assert!(w.draft && w.future);
        let text = std::fs::read_to_string(&w.path).unwrap();
        assert!(text.contains("\ndate: 2999-01-02\n"), "{text}");
    }

    fn error(root: &Path, title: &str) -> String {
        let opts = NewPost {
            root: root.into(),
            title: title.into(),
            ..Default::default()
        };
        new_post(&opts).unwrap_err().to_string()
    }

    #[test]
    fn needs_a_site_and_a_title() {
        let dir = tempfile::tempdir().unwrap();
        let e = error(dir.path(), "x");
        assert!(e.contains("is not a quire site"), "{e}");
        let e = error(site().path(), "  ");
        assert!(e.contains("needs a title"), "{e}");
    }
}
