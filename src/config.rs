//! `site.toml` → [`Config`]. Every key is optional; unknown keys are errors so a typo never
//! silently does nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result, line_col};

pub const CONFIG_FILE: &str = "site.toml";

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub title: String,
    pub description: String,
    pub author: String,
    /// The site's language (a BCP 47 tag such as `en` or `zh-CN`): the `lang` of every page and
    /// the language of the default theme's words and of theorem and figure labels.
    pub lang: String,
    /// Where the site is published, e.g. `https://user.github.io/repo`; its path is the base path.
    pub url: String,
    /// A Jekyll permalink style (`date`, `pretty`, `ordinal`, `weekdate`, `none`) or a pattern.
    pub permalink: String,
    /// IANA zone that dates are shown in and URLs are computed in, as Jekyll's `timezone`.
    pub timezone: String,
    /// Written to `_site/CNAME` for a custom domain on GitHub Pages.
    pub cname: Option<String>,
    /// Posts per index page, as jekyll-paginate's `paginate`: page 1 is `/`, the next ones
    /// `/page/2/`, `/page/3/`, …. Unset: one index page listing every post.
    pub paginate: Option<usize>,
    /// Where a post's excerpt ends when its content holds this text (Jekyll's
    /// `excerpt_separator`); otherwise the excerpt is the first paragraph.
    pub excerpt_separator: String,
    /// The header's links. Unset: Archive, Tags and (when `pages/about.md` exists) About.
    pub nav: Option<Vec<NavLink>>,
    pub math: MathConfig,
    pub highlight: HighlightConfig,
    pub markdown: MarkdownConfig,
    /// BibTeX/BibLaTeX files for citations, relative to the site root (one path or a list);
    /// unset: `references.bib` if the site has one.
    pub bibliography: Option<crate::markdown::citations::Paths>,
    pub citations: crate::markdown::citations::CitationsConfig,
    pub search: SearchConfig,
    pub jekyll: JekyllConfig,
}

/// `[jekyll]`: what a site moved from Jekyll keeps of Jekyll's dialect.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct JekyllConfig {
    /// kramdown's Markdown (its math rules, IALs, `{:toc}`, extensions, abbreviations,
    /// definition lists) and Liquid in posts and pages, so such a site builds unchanged.
    pub compat: bool,
    /// `_config.yml`'s `author` when it is a map (`{name: …, email: …}`): Liquid's
    /// `site.author` is then this map (`site.author.name`, `site.author.email`), as in Jekyll.
    /// The theme keeps using `author`, the name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub author: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            title: "My notes".into(),
            description: String::new(),
            author: String::new(),
            lang: "en".into(),
            url: String::new(),
            permalink: "date".into(),
            timezone: "UTC".into(),
            cname: None,
            paginate: None,
            excerpt_separator: DEFAULT_EXCERPT_SEPARATOR.into(),
            nav: None,
            math: MathConfig::default(),
            highlight: HighlightConfig::default(),
            markdown: MarkdownConfig::default(),
            bibliography: None,
            citations: Default::default(),
            search: SearchConfig::default(),
            jekyll: JekyllConfig::default(),
        }
    }
}

/// `[search]`: the site's search (see [`crate::search`]).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// On by default: a search page, a box in the header and the index under `/pagefind/`.
    /// Off: none of them, and no indexing.
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// The excerpt separator WordPress and many Jekyll sites use.
pub const DEFAULT_EXCERPT_SEPARATOR: &str = "<!--more-->";

/// One header link: `{ title = "About", url = "/about/" }`. A site path (`/…`) gets the base
/// path like every other; a full URL is used as written.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "camelCase")]
pub enum MathOutput {
    #[default]
    HtmlAndMathml,
    Html,
    Mathml,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MathConfig {
    /// `\name = "expansion"`, passed to KaTeX's `macros`. Once the site is loaded, this holds
    /// the macros file's definitions too, under these (see [`crate::site::Site::load`]).
    pub macros: BTreeMap<String, String>,
    /// The shared macros file (`\newcommand`, `\def`, `\DeclareMathOperator`), relative to
    /// the site folder. Unset: `macros.tex`, if there is one; set: it must exist.
    pub macros_file: Option<String>,
    pub output: MathOutput,
    /// `builtin` (default: the copy compiled into quire, so math is styled offline and where
    /// the CDN is blocked), `cdn`, or a folder holding `katex.min.css` and `fonts/`.
    pub stylesheet: Option<String>,
    /// KaTeX's time grows with the square of a formula's length (a 1 MB formula would run for
    /// hours), so longer formulas are a build error instead of a hang.
    pub max_formula_bytes: usize,
    /// A formula KaTeX has not finished after this long is a build error; KaTeX cannot be
    /// interrupted, so this is what stops a pathological formula under the size limit.
    pub timeout_secs: f64,
    /// How equations are numbered: `post` ((1), (2), … through a post), `section` ((2.1) by
    /// `##` heading) or `none`.
    pub numbering: crate::markdown::xref::Numbering,
}

/// The `[math] stylesheet` value naming the default, so it can be written out.
pub const KATEX_BUILTIN: &str = "builtin";

/// 8 KiB: the slowest formula shape measured (`x+x+…`, one flat row) takes about 3.5 s at
/// 8 KiB and 11 s at 12 KiB in a release build; ordinary formulas of 8 KiB take under 1 s.
pub const DEFAULT_MAX_FORMULA_BYTES: usize = 8 * 1024;
/// Well above any formula under the size limit, so only a pathological one meets it.
pub const DEFAULT_TIMEOUT_SECS: f64 = 5.0;

impl Default for MathConfig {
    fn default() -> Self {
        Self {
            macros: BTreeMap::new(),
            macros_file: None,
            output: MathOutput::default(),
            stylesheet: None,
            max_formula_bytes: DEFAULT_MAX_FORMULA_BYTES,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            numbering: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HighlightConfig {
    pub theme: String,
    pub dark_theme: String,
}

impl Default for HighlightConfig {
    fn default() -> Self {
        Self {
            theme: "InspiredGitHub".into(),
            dark_theme: "base16-ocean.dark".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MarkdownConfig {
    /// CommonMark CJK-friendly amendments for `*`, `_` and `~~`.
    pub cjk_friendly_emphasis: bool,
    /// A soft line break between two CJK characters renders as nothing.
    pub east_asian_line_breaks: bool,
    /// Each footnote is also written beside its reference, for the theme to show in the
    /// margin of wide screens (the list at the end stays, for narrow screens and print).
    pub sidenotes: bool,
    /// kramdown's dialect, copied from `[jekyll] compat` by [`Config::parse`] (one switch for
    /// the site, not a `[markdown]` key): here because this struct is what the Markdown stage
    /// and every post's render key read.
    #[serde(skip_deserializing)]
    pub kramdown: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        Self {
            cjk_friendly_emphasis: true,
            east_asian_line_breaks: true,
            sidenotes: true,
            kramdown: false,
        }
    }
}

impl Config {
    /// Reads `site.toml` under `root`; a missing file means all defaults.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(CONFIG_FILE);
        if !path.exists() {
            return Ok(Config::default());
        }
        let text = crate::fs::read_to_string(&path)?;
        Self::parse(&text, Path::new(CONFIG_FILE))
    }

    pub fn parse(text: &str, display_path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let loc = match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    Location::at(display_path, line, col)
                }
                None => Location::file(display_path),
            };
            Error::at(loc, e.message().trim().to_string())
        })?;
        config.validate(display_path)?;
        config.markdown.kramdown = config.jekyll.compat;
        Ok(config)
    }

    pub(crate) fn validate(&self, path: &Path) -> Result<()> {
        let bad = |msg: String| Err(Error::at(Location::file(path), msg));
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            return bad(format!(
                "timezone: unknown IANA time zone `{}`",
                self.timezone
            ));
        }
        let web = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if !(self.url.is_empty() || web(&self.url)) {
            return bad(format!(
                "url: `{}` must start with http:// or https://",
                self.url
            ));
        }
        if self.paginate == Some(0) {
            return bad(
                "paginate: must be at least 1 (leave it out for one index page listing every post)"
                    .into(),
            );
        }
        for link in self.nav.iter().flatten() {
            if !(link.url.starts_with('/') && !link.url.starts_with("//") || web(&link.url)) {
                return bad(format!(
                    "nav: `{}` must be a site path starting with / or an http(s) URL",
                    link.url
                ));
            }
        }
        if self.math.max_formula_bytes == 0 {
            return bad("math.max_formula_bytes: must be at least 1".into());
        }
        // Duration::from_secs_f64 panics on what it cannot represent.
        if !(self.math.timeout_secs > 0.0 && self.math.timeout_secs <= 86_400.0) {
            return bad(format!(
                "math.timeout_secs: `{}` must be more than 0 and at most 86400 (a day)",
                self.math.timeout_secs
            ));
        }
        if let Some(file) = &self.math.macros_file {
            let inside = !file.is_empty()
                && Path::new(file).components().all(|c| {
                    matches!(
                        c,
                        std::path::Component::Normal(_) | std::path::Component::CurDir
                    )
                });
            if !inside {
                return bad(format!(
                    "math.macros_file: `{file}` must be a file inside the site folder, given \
                     relative to it (such as `tex/macros.tex`)"
                ));
            }
        }
        for name in self.math.macros.keys() {
            if !name.starts_with('\\') {
                return bad(format!(
                    "math.macros: macro name `{name}` must start with a backslash"
                ));
            }
        }
        Ok(())
    }

    /// The path part of `url` without a trailing slash: `""` for a root site, `/repo` for a
    /// project page. Every root-relative link in the output is prefixed with it.
    pub fn base_path(&self) -> String {
        crate::urls::base_path_of(&self.url)
    }
}

/// Where a top-level `key` is set in `root`'s `site.toml`, for errors found after parsing (a
/// permalink whose URLs cannot be written); just the file when the key is not there.
pub fn key_location(root: &Path, key: &str) -> Location {
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
    let line = toml::de::DeTable::parse(&text).ok().and_then(|table| {
        let (k, _) = table.get_ref().iter().find(|(k, _)| k.get_ref() == key)?;
        Some(line_col(&text, k.span().start))
    });
    match line {
        Some((line, col)) => Location::at(CONFIG_FILE, line, col),
        None => Location::file(CONFIG_FILE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_all_defaults() {
        let c = Config::parse("", Path::new("site.toml")).unwrap();
        assert_eq!(c, Config::default());
        assert!(c.markdown.cjk_friendly_emphasis);
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err =
            Config::parse("title = \"x\"\ntitel = \"y\"\n", Path::new("site.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("site.toml:2:1:"), "{msg}");
        assert!(msg.contains("titel"), "{msg}");
    }

    #[test]
    fn wrong_type_names_line() {
        let err = Config::parse("[math]\noutput = 3\n", Path::new("site.toml")).unwrap_err();
        assert!(err.to_string().starts_with("site.toml:2:"), "{err}");
    }

    #[test]
    fn bad_timezone_is_an_error() {
        let err = Config::parse("timezone = \"Mars/Base\"", Path::new("site.toml")).unwrap_err();
        assert!(err.to_string().contains("Mars/Base"));
    }

    #[test]
    fn math_section_parses() {
        let c = Config::parse(
            "[math]\noutput = \"mathml\"\nmacros = { '\\RR' = '\\mathbb{R}' }\nmacros_file = \"tex/m.tex\"\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(c.math.output, MathOutput::Mathml);
        assert_eq!(c.math.macros_file.as_deref(), Some("tex/m.tex"));
        assert_eq!(c.math.macros["\\RR"], "\\mathbb{R}");
    }

    #[test]
    fn math_limits_parse_and_are_checked() {
        let c = Config::parse(
            "[math]\nmax_formula_bytes = 100\ntimeout_secs = 0.5\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(c.math.max_formula_bytes, 100);
        assert_eq!(c.math.timeout_secs, 0.5);
        for bad in [
            "max_formula_bytes = 0",
            "timeout_secs = 0",
            "timeout_secs = -1",
            "timeout_secs = nan",
            "timeout_secs = inf",
            // The macros file must be inside the site folder.
            "macros_file = \"\"",
            "macros_file = \"/etc/m.tex\"",
            "macros_file = \"../m.tex\"",
            "macros_file = \"tex/../../m.tex\"",
        ] {
            let err = Config::parse(&format!("[math]\n{bad}\n"), Path::new("site.toml"))
                .unwrap_err()
                .to_string();
            let key = bad.split(' ').next().unwrap();
            assert!(err.starts_with("site.toml: math."), "{bad}: {err}");
            assert!(err.contains(key), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_citation_style_names_the_line_and_the_styles() {
        let err = Config::parse("\n[citations]\nstyle = \"mla\"\n", Path::new("site.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("site.toml:3:"), "{err}");
        for name in ["mla", "ieee", "apa", "chicago-author-date"] {
            assert!(err.contains(name), "{name}: {err}");
        }
        let c = Config::parse(
            "bibliography = [\"a.bib\", \"b.bib\"]\n[citations]\nstyle = \"apa\"\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(c.bibliography.unwrap().list(), ["a.bib", "b.bib"]);
    }

    #[test]
    fn blog_keys_parse_and_are_checked() {
        let c = Config::parse(
            "paginate = 5\nexcerpt_separator = \"<!-- cut -->\"\nnav = [{ title = \"Home\", url = \"/\" }, { title = \"GitHub\", url = \"https://github.com/x\" }]\n",
            Path::new("site.toml"),
        )
        .unwrap();
        assert_eq!(c.paginate, Some(5));
        assert_eq!(c.excerpt_separator, "<!-- cut -->");
        assert_eq!(c.nav.as_ref().unwrap()[1].url, "https://github.com/x");
        let d = Config::default();
        assert_eq!((d.paginate, d.nav), (None, None));
        assert_eq!(d.excerpt_separator, "<!--more-->");
        for bad in [
            "paginate = 0",
            "nav = [{ title = \"x\", url = \"about\" }]",
            "nav = [{ title = \"x\", link = \"/\" }]",
        ] {
            let err = Config::parse(bad, Path::new("site.toml")).unwrap_err();
            let key = bad.split(' ').next().unwrap();
            assert!(
                err.to_string().contains(key) || err.to_string().contains("link"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn jekyll_compat_switches_the_markdown_dialect_and_is_not_a_markdown_key() {
        let c = Config::parse("[jekyll]\ncompat = true\n", Path::new("site.toml")).unwrap();
        assert!(c.jekyll.compat && c.markdown.kramdown);
        assert!(!Config::default().markdown.kramdown);
        let err = Config::parse("[markdown]\nkramdown = true\n", Path::new("site.toml"));
        assert!(err.is_err());
        let err = Config::parse("[jekyll]\ncompta = true\n", Path::new("site.toml")).unwrap_err();
        assert!(err.to_string().starts_with("site.toml:2:1:"), "{err}");
    }

    #[test]
    fn key_location_finds_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "title = \"x\"\n\n  permalink = \"/:title/\"\n[math]\npermalink = 1\n",
        )
        .unwrap();
        assert_eq!(
            key_location(dir.path(), "permalink").to_string(),
            "site.toml:3:3"
        );
        assert_eq!(key_location(dir.path(), "url").to_string(), "site.toml");
    }
}
