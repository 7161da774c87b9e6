//! Tera templates: the default theme compiled into the binary, overridden file by file by the
//! site's own `templates/`. So `quire build` works on a bare folder of posts.

use std::collections::{BTreeMap, HashMap};
use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Location, Result};

mod recursion;
mod seo;
pub use recursion::MAX_MACRO_DEPTH;

pub const TEMPLATES_DIR: &str = "templates";

/// The default theme: the same files as this repository's `templates/`.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("post.html", include_str!("../templates/post.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("category.html", include_str!("../templates/category.html")),
    ("tag.html", include_str!("../templates/tag.html")),
    ("terms.html", include_str!("../templates/terms.html")),
    ("archive.html", include_str!("../templates/archive.html")),
    (
        "post-list.html",
        include_str!("../templates/post-list.html"),
    ),
    ("search.html", include_str!("../templates/search.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("feed.xml", include_str!("../templates/feed.xml")),
    ("sitemap.xml", include_str!("../templates/sitemap.xml")),
    ("robots.txt", include_str!("../templates/robots.txt")),
];

/// The extensions of the site's own templates: pages, feeds and sitemaps, text files.
const TEMPLATE_EXTENSIONS: &[&str] = &["html", "xml", "txt"];

/// Theme files that are not templates but ship with them, written to the site root.
pub const DEFAULT_ASSETS: &[(&str, &str)] = &[
    ("quire.css", include_str!("../templates/quire.css")),
    // Linked only from pages with math (see `base.html`).
    ("copy-tex.js", include_str!("../templates/copy-tex.js")),
    ("reader.js", include_str!("../templates/reader.js")),
];

pub struct Templates {
    tera: tera::Tera,
    /// Where each template came from, for messages: `templates/x.html` or `(built-in) x.html`.
    origins: HashMap<String, PathBuf>,
    /// Each template's text, hashed as loaded, so the preview's page cache can tell which pages a
    /// template edit touches (see `incremental::pages`).
    hashes: HashMap<String, blake3::Hash>,
}

impl Templates {
    /// Loads the defaults, then every `*.html`, `*.xml` and `*.txt` under `root/templates/` over
    /// them.
    pub fn load(root: &Path, base_path: &str) -> Result<Templates> {
        Self::compile(sources(root)?, base_path)
    }

    /// As [`Templates::load`] then [`Templates::with_site_url`], but compiled only when the
    /// template files, the base path or the site URL differ from the last call's with `memo`:
    /// the preview reads the files on every save, and Tera's parsing is what costs.
    pub fn load_memo(
        root: &Path,
        base_path: &str,
        site_url: &str,
        memo: &mut TemplateMemo,
    ) -> Result<Arc<Templates>> {
        let sources = sources(root)?;
        let key = crate::incremental::hash_of(&(base_path, site_url, &sources));
        if let Some((k, t)) = &memo.0
            && *k == key
        {
            return Ok(Arc::clone(t));
        }
        let templates = Arc::new(Self::compile(sources, base_path)?.with_site_url(site_url));
        memo.0 = Some((key, Arc::clone(&templates)));
        Ok(templates)
    }

    fn compile(sources: BTreeMap<String, (PathBuf, String)>, base_path: &str) -> Result<Templates> {
        let origins: HashMap<String, PathBuf> = sources
            .iter()
            .map(|(name, (rel, _))| (name.clone(), rel.clone()))
            .collect();
        let hashes = sources
            .iter()
            .map(|(name, (_, text))| (name.clone(), blake3::hash(text.as_bytes())))
            .collect();
        let mut tera = tera::Tera::default();
        // Parse one by one first so a syntax error names its file.
        let mut parsed = BTreeMap::new();
        for (name, (rel, text)) in &sources {
            let template = tera::Template::new(name, None, text)
                .map_err(|e| Error::at(Location::file(rel), chain(&e)))?;
            parsed.insert(name.clone(), template);
        }
        // Before Tera sees them: an import loop would overflow the stack inside Tera.
        let texts = sources
            .iter()
            .map(|(name, (_, text))| (name.clone(), text.as_str()))
            .collect();
        recursion::check_loops(&parsed, &origins, &texts)?;
        tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str())))
            .map_err(|e| Error::at(Location::file(Path::new(TEMPLATES_DIR)), chain(&e)))?;
        recursion::bound_macro_depth(&mut tera, &origins);
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default also escapes `/`, which turns every URL into `&#x2F;` soup.
        tera.set_escape_fn(crate::html::escape);
        tera.register_function(
            "url",
            UrlFunction {
                base_path: base_path.to_string(),
                site_url: None,
            },
        );
        tera.register_filter(
            "base_path",
            BasePathFilter {
                base_path: base_path.to_string(),
            },
        );
        tera.register_function("json_ld", seo::JsonLd);
        Ok(Templates {
            tera,
            origins,
            hashes,
        })
    }

    /// The compiled templates, for callers that need their structure (extends, includes).
    pub fn tera(&self) -> &tera::Tera {
        &self.tera
    }

    /// The hash of `name`'s text as loaded.
    pub fn source_hash(&self, name: &str) -> Option<blake3::Hash> {
        self.hashes.get(name).copied()
    }

    /// Gives `url(path=…, absolute=true)` the published site URL (`https://u.github.io/repo`);
    /// its path must be the base path given to [`Templates::load`].
    pub fn with_site_url(mut self, site_url: &str) -> Self {
        let site_url = Some(site_url.to_string()).filter(|u| !u.is_empty());
        self.tera.register_function(
            "url",
            UrlFunction {
                base_path: crate::urls::base_path_of(site_url.as_deref().unwrap_or_default()),
                site_url,
            },
        );
        self
    }

    pub fn has(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.origins.keys().map(String::as_str).collect();
        v.sort();
        v
    }

    /// Renders `name`; `for_page` (a post's path, or a page's URL) goes into the message.
    pub fn render(&self, name: &str, context: &tera::Context, for_page: &Path) -> Result<String> {
        self.tera.render(name, context).map_err(|e| {
            let origin = self
                .origins
                .get(name)
                .cloned()
                .unwrap_or_else(|| PathBuf::from(name));
            Error::Template {
                template: origin,
                page: for_page.to_path_buf(),
                message: chain(&e),
            }
        })
    }
}

/// The templates by name: the built-in theme's, each replaced or joined by the site's own file
/// of that name under `root/templates/`, with where it came from.
fn sources(root: &Path) -> Result<BTreeMap<String, (PathBuf, String)>> {
    let mut sources: BTreeMap<String, (PathBuf, String)> = DEFAULT_TEMPLATES
        .iter()
        .map(|(name, text)| {
            (
                name.to_string(),
                (
                    PathBuf::from(format!("(built-in theme) {name}")),
                    text.to_string(),
                ),
            )
        })
        .collect();
    let dir = root.join(TEMPLATES_DIR);
    if dir.is_dir() {
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| crate::fs::walk_error(&dir, e))?;
            let path = entry.path();
            if !entry.file_type().is_file()
                || !path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| TEMPLATE_EXTENSIONS.contains(&e))
            {
                continue;
            }
            let name = path
                .strip_prefix(&dir)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let rel = Path::new(TEMPLATES_DIR).join(&name);
            let text = crate::fs::read_to_string(path)?;
            sources.insert(name, (rel, text));
        }
    }
    Ok(sources)
}

/// The templates the last [`Templates::load_memo`] compiled, under a hash of what they were
/// compiled from.
#[derive(Default)]
pub struct TemplateMemo(Option<(blake3::Hash, Arc<Templates>)>);

/// Tera puts the useful part of a message in its source chain.
fn chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// `url(path="/gif/a.gif")` writes the site path for the base-path pass to publish
/// (`/base/gif/a.gif` in the output), which is the one place the base is added; `absolute=true`
/// gives the full URL, base included, since feeds and `og:` tags are not rewritten, or stays
/// site-relative when the site has no `url`. See [`crate::urls::for_rewrite`].
struct UrlFunction {
    base_path: String,
    site_url: Option<String>,
}

impl tera::Function for UrlFunction {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let path = args
            .get("path")
            .and_then(|v| v.as_str())
            .ok_or_else(|| tera::Error::msg("url() needs a `path` string argument"))?;
        let absolute = match args.get("absolute") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| tera::Error::msg("url(): `absolute` must be true or false"))?,
        };
        Ok(tera::Value::String(match (&self.site_url, absolute) {
            (Some(site), true) => crate::urls::absolute(site, path),
            _ => crate::urls::for_rewrite(&self.base_path, path),
        }))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `{{ html | base_path }}`: an HTML fragment with the base path added to its root-relative
/// URLs, by the same pass ([`crate::urls::rewrite::rewrite_html`]) that publishes every HTML
/// page. For HTML that goes where that pass does not look: escaped inside a feed's `<content>`.
struct BasePathFilter {
    base_path: String,
}

impl tera::Filter for BasePathFilter {
    fn filter(
        &self,
        value: &tera::Value,
        _: &HashMap<String, tera::Value>,
    ) -> tera::Result<tera::Value> {
        let html = value
            .as_str()
            .ok_or_else(|| tera::Error::msg("base_path: the value must be a string of HTML"))?;
        if self.base_path.is_empty() {
            return Ok(value.clone());
        }
        crate::urls::rewrite::rewrite_html(html, &self.base_path)
            .map(tera::Value::String)
            .map_err(|e| tera::Error::msg(format!("base_path: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_compiles_again_only_when_a_template_base_path_or_url_changes() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("templates/page.html");
        crate::fs::write(&own, "one {{ url(path='/x/', absolute=true) }}").unwrap();
        let mut memo = TemplateMemo::default();
        let render = |t: &Templates| {
            t.render("page.html", &tera::Context::new(), Path::new("p"))
                .unwrap()
        };
        let a = Templates::load_memo(dir.path(), "", "", &mut memo).unwrap();
        assert_eq!(render(&a), "one /x/");
        let same = Templates::load_memo(dir.path(), "", "", &mut memo).unwrap();
        assert!(
            Arc::ptr_eq(&a, &same),
            "nothing changed: not compiled again"
        );
        let url = "https://u.github.io/blog";
        let based = Templates::load_memo(dir.path(), "/blog", url, &mut memo).unwrap();
        assert_eq!(render(&based), "one https://u.github.io/blog/x/");
        crate::fs::write(&own, "two").unwrap();
        let edited = Templates::load_memo(dir.path(), "/blog", url, &mut memo).unwrap();
        assert_eq!(render(&edited), "two");
        crate::fs::write(&own, "{% if %}").unwrap();
        let e = Templates::load_memo(dir.path(), "/blog", url, &mut memo)
            .err()
            .unwrap();
        assert!(e.to_string().contains("templates/page.html"), "{e}");
    }

    #[test]
    fn site_template_overrides_default_and_errors_name_files() {
        let dir = tempfile::tempdir().unwrap();
        let t = Templates::load(dir.path(), "").unwrap();
        assert!(t.has("post.html") && t.has("404.html"));

        crate::fs::write(
            &dir.path().join("templates/post.html"),
            "{% extends \"base.html\" %}{% block content %}MINE{% endblock %}",
        )
        .unwrap();
        let t = Templates::load(dir.path(), "").unwrap();
        assert_eq!(t.origins["post.html"], Path::new("templates/post.html"));

        crate::fs::write(&dir.path().join("templates/broken.html"), "{% if %}").unwrap();
        let e = Templates::load(dir.path(), "").err().unwrap().to_string();
        assert!(e.starts_with("templates/broken.html"), "{e}");
    }

    /// `url()` leaves the base to the pass, which then adds it once, also to a site path whose
    /// first folder is the base's name.
    #[test]
    fn url_function_output_gets_the_base_once_from_the_pass() {
        let dir = tempfile::tempdir().unwrap();
        crate::fs::write(
            &dir.path().join("templates/u.html"),
            "<a href=\"{{ url(path=\"/gif/a.gif\") }}\"></a><a href=\"{{ url(path=\"/notes/a/\") }}\"></a>",
        )
        .unwrap();
        let t = Templates::load(dir.path(), "/notes").unwrap();
        let out = t
            .render("u.html", &tera::Context::new(), Path::new("x"))
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"/gif/a.gif\"></a><a href=\"/notes/notes/a/\"></a>"
        );
        assert_eq!(
            crate::urls::rewrite::rewrite_html(&out, "/notes").unwrap(),
            "<a href=\"/notes/gif/a.gif\"></a><a href=\"/notes/notes/a/\"></a>"
        );
    }

    #[test]
    fn url_function_absolute() {
        let dir = tempfile::tempdir().unwrap();
        crate::fs::write(
            &dir.path().join("templates/u.html"),
            "{{ url(path=\"/a/\", absolute=true) }} {{ url(path=\"/a/\", absolute=false) }}",
        )
        .unwrap();
        let render = |t: &Templates| {
            t.render("u.html", &tera::Context::new(), Path::new("x"))
                .unwrap()
        };
        let t = Templates::load(dir.path(), "/notes")
            .unwrap()
            .with_site_url("https://u.github.io/notes/");
        assert_eq!(render(&t), "https://u.github.io/notes/a/ /a/");
        let t = Templates::load(dir.path(), "").unwrap().with_site_url("");
        assert_eq!(render(&t), "/a/ /a/");
    }
}
