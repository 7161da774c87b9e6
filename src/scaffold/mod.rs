//! Writing new files for the author: `quire init` ([`init`]) makes a site, `quire new`
//! ([`new_post`]) a post. Both only ever create files, never replace one.

pub mod init;
pub mod new_post;
pub mod workflow;

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::content::load::{DRAFTS_DIR, POSTS_DIR};
use crate::content::permalink::{SlugMode, slugify};
use crate::error::{Error, Result};

/// The slug of a title with nothing in it to keep (`???`).
pub const UNTITLED: &str = "untitled";

/// Slugs are cut to this many bytes (at a `-` when there is one), so a long title, or a CJK
/// one at three bytes a character, still makes a file name and an output page name well under
/// the usual 255-byte limit.
pub const MAX_SLUG_BYTES: usize = 100;

/// A post's slug from its title: Jekyll's `slugify` (as `jekyll compose` makes file names:
/// lowercase, letters, marks and digits kept, anything else one `-`), so CJK stays as it is
/// (`深度学习 面试题` → `深度学习-面试题`), as in Jekyll's URLs.
pub fn slug(title: &str) -> String {
    let full = slugify(title, SlugMode::Default, false);
    let slug = if full.len() <= MAX_SLUG_BYTES {
        full.as_str()
    } else {
        let mut end = MAX_SLUG_BYTES;
        while !full.is_char_boundary(end) {
            end -= 1;
        }
        let cut = &full[..end];
        // Cut between words when the slug has any; a `-` never ends a slug.
        match cut.rfind('-') {
            Some(dash) if dash > 0 && full.as_bytes()[end] != b'-' => &cut[..dash],
            _ => cut.trim_end_matches('-'),
        }
    };
    if slug.is_empty() {
        UNTITLED.to_string()
    } else {
        slug.to_string()
    }
}

/// Where a post goes, relative to the site root: `posts/YYYY-MM-DD-slug.md`, or for a draft
/// `posts/_drafts/slug.md` (quire, like Jekyll, dates a draft when it is built).
pub fn post_path(date: Date, slug: &str, draft: bool) -> PathBuf {
    if draft {
        Path::new(POSTS_DIR)
            .join(DRAFTS_DIR)
            .join(format!("{slug}.md"))
    } else {
        Path::new(POSTS_DIR).join(format!("{}-{slug}.md", date.strftime("%Y-%m-%d")))
    }
}

/// What a new post's front matter says.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter<'a> {
    pub title: &'a str,
    /// As written: `2024-05-01`, or `2024-05-01 14:03:00 +0800`.
    pub date: Option<String>,
    pub categories: &'a [String],
    pub tags: &'a [String],
}

impl FrontMatter<'_> {
    /// The YAML block, fences included, followed by an empty line. Strings are written
    /// double-quoted (JSON's escapes are YAML's), so any title or name reads back as written.
    pub fn to_yaml(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).expect("a string serialises");
        let list = |items: &[String]| {
            let items: Vec<String> = items.iter().map(|s| quote(s)).collect();
            format!("[{}]", items.join(", "))
        };
        let mut out = String::from("---\n");
        out.push_str(&format!("title: {}\n", quote(self.title)));
        if let Some(date) = &self.date {
            out.push_str(&format!("date: {date}\n"));
        }
        out.push_str(&format!("categories: {}\n", list(self.categories)));
        out.push_str(&format!("tags: {}\n", list(self.tags)));
        out.push_str("---\n\n");
        out
    }
}

/// Creates `root/rel` holding `text`, with its folders; an existing file is an error naming
/// `rel`, never replaced (the check and the creation are one step, so nothing slips between).
pub fn create_new(root: &Path, rel: &Path, text: impl AsRef<[u8]>) -> Result<()> {
    let path = root.join(rel);
    let display = shown(root, rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{} already exists; quire does not overwrite it",
                display.display()
            )));
        }
        Err(e) => return Err(Error::io(&display, e)),
    };
    file.write_all(text.as_ref())
        .map_err(|e| Error::io(&display, e))
}

/// `dir/rel` as the user should see it: `posts/x.md` for the current folder, not `./posts/x.md`.
pub fn shown(dir: &Path, rel: &Path) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        rel.to_path_buf()
    } else {
        dir.join(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::front_matter;

    #[test]
    fn slugs_follow_jekyll() {
        assert_eq!(slug("Hello, World!"), "hello-world");
        assert_eq!(slug("What's new in Rust 2024?"), "what-s-new-in-rust-2024");
        assert_eq!(slug("  C++ & Python  "), "c-python");
        assert_eq!(slug("深度学习 面试题"), "深度学习-面试题");
        assert_eq!(slug("Café crème"), "café-crème");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
    }

    #[test]
    fn a_title_with_nothing_to_keep_is_untitled() {
        assert_eq!(slug("???"), UNTITLED);
        assert_eq!(slug("—…—"), UNTITLED);
        assert_eq!(slug(""), UNTITLED);
    }

    #[test]
    fn long_slugs_are_cut_between_words() {
        let title = "word ".repeat(40);
        let s = slug(&title);
        assert!(s.len() <= MAX_SLUG_BYTES, "{s}");
        assert!(s.ends_with("word") && !s.contains("--"), "{s}");
        let cjk = slug(&"深".repeat(60));
        assert!(
            cjk.len() <= MAX_SLUG_BYTES && cjk.chars().all(|c| c == '深'),
            "{cjk}"
        );
        let one = slug(&"a".repeat(150));
        assert_eq!(one.len(), MAX_SLUG_BYTES);
    }

    #[test]
    fn post_paths() {
        let d: Date = "2024-05-01".parse().unwrap();
        assert_eq!(
            post_path(d, "hello", false),
            Path::new("posts/2024-05-01-hello.md")
        );
        assert_eq!(
            post_path(d, "hello", true),
            Path::new("posts/_drafts/hello.md")
        );
    }

    /// The front matter reads back, through quire's own parser, as what was asked for.
    #[test]
    fn front_matter_reads_back() {
        let categories = vec!["machine learning".to_string(), "数学".to_string()];
        let tags = vec![
            "a: b".to_string(),
            "\"quoted\"".to_string(),
            "#x".to_string(),
        ];
        for title in [
            "Plain",
            "Colon: and # hash",
            "\"Quotes\" and \\ backslash",
            "深度学习：面试题",
            "- looks like a list",
            "yes",
            "123",
            "tab\there",
        ] {
            let fm = FrontMatter {
                title,
                date: Some("2024-05-01 14:03:00 +0800".into()),
                categories: &categories,
                tags: &tags,
            };
            let text = fm.to_yaml();
            let split = front_matter::split(&text).expect("fenced");
            let parsed = front_matter::parse(&split, Path::new("x.md")).unwrap();
            assert_eq!(parsed.title.as_deref(), Some(title), "{text}");
            assert_eq!(
                parsed.date.unwrap().as_text(),
                "2024-05-01 14:03:00 +0800",
                "{text}"
            );
            assert_eq!(
                front_matter::string_list(&parsed.categories, true),
                categories
            );
            assert_eq!(front_matter::string_list(&parsed.tags, true), tags);
        }
    }

    #[test]
    fn front_matter_layout() {
        let fm = FrontMatter {
            title: "Hi",
            date: None,
            categories: &[],
            tags: &["x".to_string()],
        };
        assert_eq!(
            fm.to_yaml(),
            "---\ntitle: \"Hi\"\ncategories: []\ntags: [\"x\"]\n---\n\n"
        );
    }

    #[test]
    fn create_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let rel = Path::new("posts/a.md");
        create_new(dir.path(), rel, "one").unwrap();
        let e = create_new(dir.path(), rel, "two").unwrap_err().to_string();
        assert!(e.contains("posts/a.md already exists"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(rel)).unwrap(),
            "one"
        );
    }
}
