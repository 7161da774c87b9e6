//! A post file's metadata: front matter split and YAML, then everything `Post::from_source`
//! derives (date from the file name or `date:`, slug, title, categories, tags, URL), and the
//! file that URL is written to. Errors are fine; a panic, or an output path that leaves the site
//! folder, is a bug.
//!
//! Input: the file's bytes. A NUL byte splits it as `NAME\0TEXT`, NAME being the path under
//! `posts/` (so file-name dates and `_drafts/` are fuzzed too); without one the file is
//! `posts/2018-12-31-fuzz.md`.

#![no_main]

use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use jiff::ZonedDateTime as Zoned;
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use quire::content::post::{Post, PostRules};
use quire::content::{front_matter, load, permalink};
use quire::error::Location;
use quire::urls::output_path;

static SHANGHAI: LazyLock<TimeZone> = LazyLock::new(|| TimeZone::get("Asia/Shanghai").unwrap());
static NOW: LazyLock<Zoned> = LazyLock::new(|| "2026-01-01T00:00:00+00:00[UTC]".parse().unwrap());
static SITE_TOML: LazyLock<Location> = LazyLock::new(|| Location::file("site.toml"));

/// The site's `permalink` setting; a post's own `permalink:` overrides it.
const STYLES: &[&str] = &[
    "date",
    "pretty",
    "ordinal",
    "weekdate",
    "none",
    "/:categories/:year/:month/:day/:hour/:minute/:second/:i_day/:i_month/:short_month\
     /:long_month/:short_year/:y_day/:week/:w_year/:w_day/:short_day/:long_day/:slug/:name\
     /:title:output_ext",
];

/// A path that stays inside the site folder when joined to it.
fn stays_inside(path: &Path) -> bool {
    path.components()
        .all(|c| matches!(c, Component::Normal(_)))
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = std::str::from_utf8(data) else {
        return;
    };
    let (name, text) = match file.split_once('\0') {
        Some((name, text)) => (name.trim_start_matches('/'), text),
        None => ("2018-12-31-fuzz.md", file),
    };

    // The pieces as error reporting uses them.
    if let Some(split) = front_matter::split(text) {
        assert!(split.body_offset <= text.len());
        assert_eq!(&text[split.body_offset..], split.body);
        if let Ok(fm) = front_matter::parse(&split, Path::new("posts/x.md")) {
            for key in ["date", "layout", "title", "permalink"] {
                let _ = front_matter::key_line(&split, key);
            }
            let _ = front_matter::string_list(&fm.categories, true);
            let _ = front_matter::string_list(&fm.tag, false);
        }
    }

    let tz = if data.len().is_multiple_of(2) {
        &*SHANGHAI
    } else {
        &TimeZone::UTC
    };
    let rules = PostRules {
        timezone: tz,
        permalink: STYLES[data.len() % STYLES.len()],
        permalink_at: &SITE_TOML,
        now: &NOW,
    };
    let src = load::source(PathBuf::from("posts").join(name), text.to_string());
    match Post::from_source(src, &rules) {
        Ok(post) => {
            let _ = post.body();
            // What pages.rs shows of the date.
            let _ = post.date.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
            // `Post::from_source` refuses a URL that cannot be written inside the output, so
            // an accepted post's URL must give a path of plain names.
            let out = output_path(&post.url).expect("an accepted post's URL has an output path");
            assert!(
                stays_inside(&out),
                "post URL {:?} is written to {out:?}, outside the site",
                post.url
            );
            for c in &post.categories {
                let url = permalink::category_url(c);
                // A category that cannot be a folder is an error for the pages stage; one that
                // can must stay inside.
                if let Ok(out) = output_path(&url) {
                    assert!(
                        stays_inside(&out),
                        "category {c:?}: URL {url:?} is written to {out:?}, outside its folder"
                    );
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
