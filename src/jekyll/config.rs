//! Jekyll's `_config.yml` → quire's [`Config`], for a site with no `site.toml` and for
//! `quire import-jekyll`. The keys quire gives a meaning to are typed; every other key is kept
//! by name so it can be reported as not carried over, never silently dropped.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Error, Location, Result};

pub const JEKYLL_CONFIG_FILE: &str = "_config.yml";

/// The keys of `_config.yml` quire reads; the rest land in `other`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JekyllYaml {
    pub title: Option<String>,
    pub description: Option<String>,
    /// A name, or Jekyll's `{name: …, email: …}`.
    pub author: Option<Value>,
    pub url: Option<String>,
    pub baseurl: Option<String>,
    pub permalink: Option<String>,
    pub timezone: Option<String>,
    pub excerpt_separator: Option<String>,
    pub paginate: Option<usize>,
    pub lang: Option<String>,
    /// Files Jekyll does not read: `import-jekyll` does not copy them.
    pub exclude: Vec<String>,
    /// kramdown's options: quire follows `input: GFM` and `math_engine` by its own rules
    /// under `[jekyll] compat` and reports the rest.
    pub kramdown: BTreeMap<String, Value>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Keys that mean nothing for the output quire makes (Jekyll's build machinery) or that it
/// does by itself: no need to report them.
const SAME_OR_MOOT: &[&str] = &[
    "markdown",
    "highlighter",
    "plugins",
    "gems",
    "include",
    "keep_files",
    "encoding",
    "safe",
    "incremental",
    "future",
    "show_drafts",
    "source",
    "destination",
    "collections_dir",
    "repository",
    "github",
];

/// kramdown options that quire's compat mode already follows.
const KRAMDOWN_FOLLOWED: &[&str] = &[
    "input",
    "math_engine",
    "syntax_highlighter",
    "auto_ids",
    "toc_levels",
];

/// A parsed `_config.yml`: the configuration and what of it quire does not follow.
#[derive(Debug)]
pub struct Imported {
    pub config: Config,
    pub exclude: Vec<String>,
    /// `key: why`, in key order.
    pub not_carried: Vec<String>,
}

pub fn parse(text: &str, display_path: &Path) -> Result<Imported> {
    let yaml: JekyllYaml = if text.trim().is_empty() {
        JekyllYaml::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let line = msg
                .split("line ")
                .nth(1)
                .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok());
            let loc = match line {
                Some(line) => Location::at(display_path, line, 1),
                None => Location::file(display_path),
            };
            Error::at(loc, msg)
        })?
    };
    let mut config = Config::default();
    let set = |target: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            target.clone_from(v);
        }
    };
    set(&mut config.title, &yaml.title);
    set(&mut config.description, &yaml.description);
    set(&mut config.permalink, &yaml.permalink);
    set(&mut config.timezone, &yaml.timezone);
    set(&mut config.excerpt_separator, &yaml.excerpt_separator);
    set(&mut config.lang, &yaml.lang);
    let mut not_carried = Vec::new();
    config.author = match &yaml.author {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => {
            for (key, value) in m {
                match value {
                    Value::String(s) => {
                        config.jekyll.author.insert(key.clone(), s.clone());
                    }
                    Value::Number(_) | Value::Bool(_) => {
                        config.jekyll.author.insert(key.clone(), value.to_string());
                    }
                    Value::Null => {}
                    _ => not_carried.push(format!(
                        "author.{key}: only text is kept of `author` (for site.author.{key})"
                    )),
                }
            }
            m.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into()
        }
        _ => String::new(),
    };
    let base = yaml.baseurl.as_deref().unwrap_or("").trim_end_matches('/');
    config.url = match yaml.url.as_deref().map(|u| u.trim_end_matches('/')) {
        Some(u) if !u.is_empty() => format!("{u}{base}"),
        _ if !base.is_empty() => {
            // quire's base path comes from `url`; without one there is no address to give.
            format!("http://localhost{base}")
        }
        _ => String::new(),
    };
    config.paginate = yaml.paginate;
    config.jekyll.compat = true;
    config.markdown.kramdown = true;
    for key in yaml.other.keys() {
        if !SAME_OR_MOOT.contains(&key.as_str()) {
            not_carried.push(format!("{key}: quire has no such setting"));
        }
    }
    for key in yaml.kramdown.keys() {
        if !KRAMDOWN_FOLLOWED.contains(&key.as_str()) {
            not_carried.push(format!(
                "kramdown.{key}: quire does not follow this kramdown option"
            ));
        }
    }
    if yaml.url.as_deref().unwrap_or("").is_empty() && !base.is_empty() {
        not_carried.push(format!(
            "baseurl: `{base}` without `url`: set `url` in {CONFIG_FILE} to where the site is published"
        ));
    }
    // The same checks as a `site.toml` gets, named after this file.
    config.validate(display_path)?;
    Ok(Imported {
        config,
        exclude: yaml.exclude,
        not_carried,
    })
}

/// A Jekyll site's configuration as quire takes it: `_config.yml` (the defaults with compat on
/// when there is none) and the custom domain of its `CNAME` file. What `import-jekyll` writes
/// into `site.toml` and what the build of a Jekyll folder as it is uses.
pub fn read_site(src: &Path) -> Result<Imported> {
    let yml = src.join(JEKYLL_CONFIG_FILE);
    let mut imported = if yml.is_file() {
        parse(
            &crate::fs::read_to_string(&yml)?,
            Path::new(JEKYLL_CONFIG_FILE),
        )?
    } else {
        parse("", Path::new(JEKYLL_CONFIG_FILE))?
    };
    let cname = src.join("CNAME");
    if cname.is_file() {
        imported.config.cname = Some(crate::fs::read_to_string(&cname)?.trim().to_string());
    }
    Ok(imported)
}

/// The site's configuration, and how its files are laid out.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// A warning for each `_config.yml` key quire does not follow.
    pub warnings: Vec<Error>,
    /// For a Jekyll folder built as it is (`_config.yml` and no `site.toml`): its `exclude`,
    /// which [`super::tree::Tree::map`] needs to lay it out. `None` for quire's layout.
    pub jekyll_exclude: Option<Vec<String>>,
}

/// Whether the folder at `root` is a Jekyll site read as it is: a `_config.yml` and no
/// `site.toml`.
pub fn is_jekyll_layout(root: &Path) -> bool {
    !root.join(CONFIG_FILE).exists() && root.join(JEKYLL_CONFIG_FILE).is_file()
}

/// The site's configuration: `site.toml`, else `_config.yml` (Jekyll's, with compat on and a
/// warning for each key quire does not follow; the folder is then a Jekyll site read as it
/// is), else the defaults.
pub fn load(root: &Path) -> Result<Loaded> {
    if !is_jekyll_layout(root) {
        return Ok(Loaded {
            config: Config::load(root)?,
            warnings: Vec::new(),
            jekyll_exclude: None,
        });
    }
    let imported = read_site(root)?;
    let warnings = imported
        .not_carried
        .iter()
        .map(|why| Error::at(Location::file(JEKYLL_CONFIG_FILE), why.clone()))
        .collect();
    Ok(Loaded {
        config: imported.config,
        warnings,
        jekyll_exclude: Some(imported.exclude),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jekyll_keys_become_quire_settings() {
        let yaml = "title: Notes\ndescription: d\nurl: https://u.github.io\nbaseurl: /notes\npermalink: pretty\ntimezone: Asia/Shanghai\nexcerpt_separator: <!--cut-->\npaginate: 5\nlang: zh-CN\nauthor:\n  name: Ada\n  email: ada@example.org\n  links: [a]\nexclude: [Gemfile, vendor]\nkramdown:\n  input: GFM\n  hard_wrap: false\ntheme: minima\nmarkdown: kramdown\n";
        let out = parse(yaml, Path::new("_config.yml")).unwrap();
        let c = &out.config;
        assert_eq!(c.title, "Notes");
        assert_eq!(c.url, "https://u.github.io/notes");
        assert_eq!(c.base_path(), "/notes");
        assert_eq!(
            (c.permalink.as_str(), c.timezone.as_str()),
            ("pretty", "Asia/Shanghai")
        );
        assert_eq!(c.excerpt_separator, "<!--cut-->");
        assert_eq!(
            (c.paginate, c.lang.as_str(), c.author.as_str()),
            (Some(5), "zh-CN", "Ada")
        );
        assert!(c.jekyll.compat && c.markdown.kramdown);
        assert_eq!(
            c.jekyll.author,
            BTreeMap::from([
                ("email".to_string(), "ada@example.org".to_string()),
                ("name".to_string(), "Ada".to_string())
            ])
        );
        assert_eq!(out.exclude, ["Gemfile", "vendor"]);
        assert_eq!(
            out.not_carried,
            [
                "author.links: only text is kept of `author` (for site.author.links)",
                "theme: quire has no such setting",
                "kramdown.hard_wrap: quire does not follow this kramdown option"
            ]
        );
    }

    #[test]
    fn bad_values_name_the_file() {
        let err = parse("timezone: Mars/Base\n", Path::new("_config.yml")).unwrap_err();
        assert!(err.to_string().starts_with("_config.yml"), "{err}");
        let err = parse("title: [unclosed\n", Path::new("_config.yml")).unwrap_err();
        assert!(err.to_string().starts_with("_config.yml"), "{err}");
    }

    #[test]
    fn site_toml_wins_over_config_yml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(JEKYLL_CONFIG_FILE),
            "title: From YAML\nfoo: 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("CNAME"), "maths.example.org\n").unwrap();
        let loaded = load(dir.path()).unwrap();
        assert_eq!(loaded.config.title, "From YAML");
        assert_eq!(loaded.config.cname.as_deref(), Some("maths.example.org"));
        assert_eq!(loaded.jekyll_exclude, Some(Vec::new()));
        assert_eq!(loaded.warnings.len(), 1);
        assert!(
            loaded.warnings[0]
                .to_string()
                .starts_with("_config.yml: foo:"),
            "{}",
            loaded.warnings[0]
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "title = \"From TOML\"\n").unwrap();
        let loaded = load(dir.path()).unwrap();
        assert_eq!(loaded.config.title, "From TOML");
        assert!(loaded.warnings.is_empty() && !loaded.config.jekyll.compat);
        assert!(loaded.jekyll_exclude.is_none());
    }
}
