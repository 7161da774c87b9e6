//! `quire import-jekyll SRC DEST`: a Jekyll site's sources copied into a new quire site, laid
//! out as quire reads them (each file where [`Tree::map`] places it), with a `site.toml` made
//! from `_config.yml` (compat on). SRC is only read; DEST must be missing or empty, and each
//! file is created new, never replacing one. What has no place in a quire site is listed, not
//! dropped in silence: the same list a build of SRC as it is warns about.

use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Error, Result};
use crate::scaffold::create_new;

use super::config::{JEKYLL_CONFIG_FILE, read_site};
use super::tree::{POSTS, Tree};

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files written, relative to DEST.
    pub written: Vec<PathBuf>,
    /// What was not carried over, one line each (`path: why`).
    pub not_carried: Vec<String>,
}

pub fn import(src: &Path, dest: &Path) -> Result<Report> {
    if !src.join(JEKYLL_CONFIG_FILE).is_file() && !src.join(POSTS).is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a Jekyll site (it has neither _config.yml nor _posts/)",
            src.display()
        )));
    }
    if dest.exists() {
        let empty = std::fs::read_dir(dest)
            .map_err(|e| Error::io(dest, e))?
            .next()
            .is_none();
        if !empty {
            return Err(Error::Usage(format!(
                "{} is not empty; import-jekyll writes only into a new or empty folder",
                dest.display()
            )));
        }
    }
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    let mut report = Report::default();
    let imported = read_site(src)?;
    report.not_carried.extend(
        imported
            .not_carried
            .into_iter()
            .map(|w| format!("{JEKYLL_CONFIG_FILE}: {w}")),
    );
    // DEST may be inside SRC: never read it.
    let tree = Tree::map(src, &imported.exclude, Some(dest))?;
    let left = tree.left.iter().chain(&tree.unpublished);
    report.not_carried.extend(left.map(ToString::to_string));
    for entry in &tree.entries {
        let from = src.join(&entry.from);
        let bytes = std::fs::read(&from).map_err(|e| Error::io(&from, e))?;
        create_new(dest, &entry.to, &bytes)?;
        report.written.push(entry.to.clone());
    }
    let toml = site_toml(&imported.config)?;
    create_new(dest, Path::new(CONFIG_FILE), toml)?;
    report.written.push(PathBuf::from(CONFIG_FILE));
    Ok(report)
}

/// Only what differs from quire's defaults, so the file reads like one a person wrote.
fn site_toml(config: &Config) -> Result<String> {
    let defaults = Config::default();
    let mut t = toml::Table::new();
    let mut put = |key: &str, value: &str, default: &str| {
        if value != default {
            t.insert(key.into(), toml::Value::String(value.into()));
        }
    };
    put("title", &config.title, &defaults.title);
    put("description", &config.description, "");
    put("author", &config.author, "");
    put("lang", &config.lang, &defaults.lang);
    put("url", &config.url, "");
    put("permalink", &config.permalink, &defaults.permalink);
    put("timezone", &config.timezone, &defaults.timezone);
    put(
        "excerpt_separator",
        &config.excerpt_separator,
        &defaults.excerpt_separator,
    );
    if let Some(c) = &config.cname {
        t.insert("cname".into(), toml::Value::String(c.clone()));
    }
    if let Some(n) = config.paginate {
        t.insert("paginate".into(), toml::Value::Integer(n as i64));
    }
    let mut jekyll = toml::Table::new();
    jekyll.insert("compat".into(), toml::Value::Boolean(true));
    if !config.jekyll.author.is_empty() {
        let author = config
            .jekyll
            .author
            .iter()
            .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
            .collect();
        jekyll.insert("author".into(), toml::Value::Table(author));
    }
    t.insert("jekyll".into(), toml::Value::Table(jekyll));
    let text = toml::to_string(&t).map_err(Error::internal)?;
    Ok(format!(
        "# Imported from a Jekyll site by `quire import-jekyll`.\n{text}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_jekyll_site_is_laid_out_as_quire_reads_it() {
        let src = tempfile::tempdir().unwrap();
        let s = src.path();
        write(
            s,
            "_config.yml",
            "title: Notes\nurl: https://x.org\ntheme: minima\nexclude: [notes.txt]\nauthor:\n  name: Ada\n  email: ada@x.org\n",
        );
        write(s, "_posts/2019-01-01-a.md", "---\ntitle: A\n---\nhi\n");
        write(s, "_drafts/d.md", "---\ntitle: D\n---\n");
        write(s, "_includes/n.html", "<b>n</b>");
        write(s, "_layouts/post.html", "{{ content }}");
        write(s, "assets/x.css", "a{}");
        write(s, "about.md", "---\ntitle: About\n---\nme\n");
        write(s, "index.html", "---\nlayout: home\n---\n");
        write(s, "favicon.ico", "ico");
        write(s, "notes.txt", "private");
        write(s, "CNAME", "x.org\n");
        let before = snapshot(s);
        let dest = s.join("out");
        let report = import(s, &dest).unwrap();
        assert_eq!(
            snapshot(s)
                .into_iter()
                .filter(|(p, _)| !p.starts_with("out"))
                .collect::<Vec<_>>(),
            before
        );
        for f in [
            "posts/2019-01-01-a.md",
            "posts/_drafts/d.md",
            "_includes/n.html",
            "static/assets/x.css",
            "pages/about.md",
            "static/favicon.ico",
            "site.toml",
        ] {
            assert!(dest.join(f).is_file(), "{f}: {report:?}");
        }
        assert!(!dest.join("static/notes.txt").exists());
        let toml = std::fs::read_to_string(dest.join("site.toml")).unwrap();
        let parsed = Config::parse(&toml, Path::new("site.toml")).unwrap();
        assert!(parsed.jekyll.compat);
        assert_eq!(
            (parsed.title.as_str(), parsed.cname.as_deref()),
            ("Notes", Some("x.org"))
        );
        assert_eq!(parsed.author, "Ada");
        assert_eq!(parsed.jekyll.author["email"], "ada@x.org");
        let said = report.not_carried.join("\n");
        for part in ["theme", "_layouts/", "index.html", "notes.txt"] {
            assert!(said.contains(part), "{part}: {said}");
        }
    }

    fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn refuses_a_folder_that_is_not_empty_or_not_jekyll() {
        let src = tempfile::tempdir().unwrap();
        write(src.path(), "_posts/2019-01-01-a.md", "x");
        let dest = tempfile::tempdir().unwrap();
        write(dest.path(), "keep.txt", "mine");
        let err = import(src.path(), dest.path()).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dest.path().join("keep.txt")).unwrap(),
            "mine"
        );
        let plain = tempfile::tempdir().unwrap();
        let err = import(plain.path(), &dest.path().join("new"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a Jekyll site"), "{err}");
    }
}
