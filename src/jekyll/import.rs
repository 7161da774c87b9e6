//! `quire import-jekyll SRC DEST`: a Jekyll site's sources copied into a new quire site, laid
//! out as quire reads them, with a `site.toml` made from `_config.yml` (compat on). SRC is
//! only read; DEST must be missing or empty, and each file is created new, never replacing
//! one. What has no place in a quire site is listed, not dropped in silence.

use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Error, Result};
use crate::scaffold::create_new;

use super::config::{JEKYLL_CONFIG_FILE, parse};

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files written, relative to DEST.
    pub written: Vec<PathBuf>,
    /// What was not carried over, one line each (`path: why`).
    pub not_carried: Vec<String>,
}

/// Folders that move to a place of their own: (Jekyll's, quire's).
const MOVED: &[(&str, &str)] = &[
    ("_posts", "posts"),
    ("_drafts", "posts/_drafts"),
    ("_includes", "_includes"),
    ("assets", "static/assets"),
    ("images", "static/images"),
];

/// Jekyll's own machinery or output: nothing of the site's content.
const MOOT: &[&str] = &[
    "_site",
    ".jekyll-cache",
    ".jekyll-metadata",
    ".sass-cache",
    ".git",
    ".github",
    ".bundle",
    "vendor",
    "node_modules",
    "Gemfile",
    "Gemfile.lock",
    JEKYLL_CONFIG_FILE,
];

pub fn import(src: &Path, dest: &Path) -> Result<Report> {
    if !src.join(JEKYLL_CONFIG_FILE).is_file() && !src.join("_posts").is_dir() {
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
    let dest_real = real(dest);
    let mut report = Report::default();
    let mut config = Config::default();
    config.jekyll.compat = true;
    let mut exclude = Vec::new();
    let yml = src.join(JEKYLL_CONFIG_FILE);
    if yml.is_file() {
        let imported = parse(
            &crate::fs::read_to_string(&yml)?,
            Path::new(JEKYLL_CONFIG_FILE),
        )?;
        config = imported.config;
        exclude = imported.exclude;
        report.not_carried.extend(
            imported
                .not_carried
                .into_iter()
                .map(|w| format!("{JEKYLL_CONFIG_FILE}: {w}")),
        );
    }
    let cname = src.join("CNAME");
    if cname.is_file() {
        config.cname = Some(crate::fs::read_to_string(&cname)?.trim().to_string());
    }
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .map_err(|e| Error::io(src, e))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if real(&path) == dest_real {
            continue; // DEST inside SRC
        }
        if MOOT.contains(&name.as_str()) || name == "CNAME" {
            continue;
        }
        if exclude.iter().any(|x| x.trim_matches('/') == name) {
            report.not_carried.push(format!("{name}: in `exclude`"));
            continue;
        }
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_symlink() {
            report.not_carried.push(format!("{name}: a symbolic link"));
            continue;
        }
        if let Some((_, to)) = MOVED.iter().find(|(from, _)| *from == name) {
            copy_tree(&path, dest, Path::new(to), &dest_real, &mut report)?;
        } else if kind.is_dir() && (name.starts_with('_') || name.starts_with('.')) {
            report.not_carried.push(format!(
                "{name}/: {}",
                match name.as_str() {
                    "_layouts" =>
                        "layouts are Liquid templates; quire's theme is Tera (templates/)",
                    "_sass" => "Sass is not compiled by quire",
                    "_data" => "`site.data` is not available",
                    "_plugins" => "Ruby plugins do not run",
                    _ => "a Jekyll folder quire does not read",
                }
            ));
        } else if kind.is_dir() {
            copy_tree(
                &path,
                dest,
                &Path::new("static").join(&name),
                &dest_real,
                &mut report,
            )?;
        } else if name.starts_with('.') {
            report.not_carried.push(format!("{name}: a hidden file"));
        } else {
            top_level_file(&path, &name, dest, &mut report)?;
        }
    }
    let toml = site_toml(&config)?;
    create_new(dest, Path::new(CONFIG_FILE), toml)?;
    report.written.push(PathBuf::from(CONFIG_FILE));
    Ok(report)
}

fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A page (Markdown with front matter) goes to `pages/`; the index and 404 quire writes
/// itself; another file is static.
fn top_level_file(path: &Path, name: &str, dest: &Path, report: &mut Report) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let has_front_matter = bytes.starts_with(b"---\n") || bytes.starts_with(b"---\r\n");
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let stem = Path::new(name)
        .file_stem()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let to = match (has_front_matter, ext) {
        (true, _) if matches!(stem, "index" | "404") => {
            report.not_carried.push(format!(
                "{name}: quire writes its own {} page (templates/{}.html to change it)",
                stem,
                if stem == "404" { "404" } else { "index" }
            ));
            return Ok(());
        }
        (true, "md" | "markdown") => Path::new("pages").join(format!("{stem}.md")),
        (true, _) => {
            report.not_carried.push(format!(
                "{name}: a page that is not Markdown (quire's pages/ are Markdown)"
            ));
            return Ok(());
        }
        (false, _) => Path::new("static").join(name),
    };
    create_new(dest, &to, &bytes)?;
    report.written.push(to);
    Ok(())
}

/// Copies the folder `from` to `dest/to`, files only, symbolic links reported.
fn copy_tree(
    from: &Path,
    dest: &Path,
    to: &Path,
    dest_real: &Path,
    report: &mut Report,
) -> Result<()> {
    let walk = walkdir::WalkDir::new(from)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| real(e.path()) != dest_real);
    for entry in walk {
        let entry =
            entry.map_err(|e| Error::Usage(format!("cannot read {}: {e}", from.display())))?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            continue;
        }
        if entry.file_type().is_symlink() {
            report
                .not_carried
                .push(format!("{}: a symbolic link", entry.path().display()));
            continue;
        }
        // quire reads `.md` and `.markdown` alike; the name stays.
        let target = to.join(rel);
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        create_new(dest, &target, &bytes)?;
        report.written.push(target);
    }
    Ok(())
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
