//! Liquid in posts and pages, evaluated before Markdown as Jekyll does, with the `liquid`
//! crate: Jekyll's `site.*` and `page.*` from quire's model, its tags ([`tags`]) and filters
//! ([`filters`]) over Liquid's standard ones, and `{% include %}` from `_includes/`.
//!
//! Only under `[jekyll] compat`, and only for a file whose body holds `{{` or `{%`: any other
//! keeps its exact text, so its offsets (file:line:col of every later message) stay exact.
//! In one that holds Liquid, the output keeps the source's line numbers ([`lines`]), so a
//! message from a later stage names the line it was written on.
//!
//! A tag or filter quire does not have (a plugin's) is a warning with its file:line:col and
//! is left out; the rest of the file still builds. A mistake that makes the page wrong (an
//! unclosed tag, an include of a missing file, a `post_url` to no post) is an error.

pub mod filters;
pub mod lax;
pub mod lines;
pub mod tags;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use liquid::partials::{LazyCompiler, PartialSource};
use serde_json::{Value as Json, json};

use crate::config::Config;
use crate::content::post::Post;
use crate::content::standalone::Standalone;
use crate::error::{Error, Location, Result, line_col};

/// Jekyll's folder of include files.
pub const INCLUDES_DIR: &str = "_includes";

/// At most this many tags or filters left out of one file: past it, the file is not Liquid.
const MAX_LEFT_OUT: usize = 200;

/// `_includes/`, read once per build: every name an include may use, with its text.
#[derive(Debug, Default, Clone)]
pub struct Includes(BTreeMap<String, String>);

impl Includes {
    /// Every file under `root/_includes/`.
    pub fn load(root: &Path) -> Result<Includes> {
        let dir = root.join(INCLUDES_DIR);
        if !dir.is_dir() {
            return Ok(Includes::default());
        }
        let mut rels = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Error::at(Location::file(INCLUDES_DIR), format!("cannot read: {e}"))
            })?;
            if entry.file_type().is_file() {
                rels.push(
                    entry
                        .path()
                        .strip_prefix(root)
                        .unwrap_or(entry.path())
                        .to_path_buf(),
                );
            }
        }
        Includes::read(root, rels.iter().map(PathBuf::as_path))
    }

    /// The files at `rels` (relative to `root`, each under `_includes/`), named by their path
    /// inside it.
    pub fn read<'a>(root: &Path, rels: impl Iterator<Item = &'a Path>) -> Result<Includes> {
        let mut files = BTreeMap::new();
        for rel in rels {
            let inside = rel.strip_prefix(INCLUDES_DIR).unwrap_or(rel);
            let name = inside.to_string_lossy().replace('\\', "/");
            files.insert(name, crate::fs::read_to_string(&root.join(rel))?);
        }
        Ok(Includes(files))
    }
}

impl PartialSource for Includes {
    fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
    fn try_get<'a>(&'a self, name: &str) -> Option<Cow<'a, str>> {
        self.0.get(name).map(|s| Cow::Borrowed(s.as_str()))
    }
}

/// A parser for the site's Liquid and the `site` variable, made once per build.
pub struct Liquid {
    parser: liquid::Parser,
    site: Arc<lax::Lax>,
}

/// A file to evaluate: its path for messages, its whole text and where its body starts, and
/// its `page` variable.
pub struct File<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub body_offset: usize,
    pub page: Json,
}

/// A file's body with its Liquid evaluated, and what was left out of it.
#[derive(Debug)]
pub struct Expanded {
    pub body: String,
    pub warnings: Vec<Error>,
}

impl Liquid {
    pub fn new(
        config: &Config,
        includes: Includes,
        posts: &[Post],
        pages: &[Standalone],
    ) -> Result<Liquid> {
        let base_path = config.base_path();
        let urls = Arc::new(tags::Urls {
            posts: posts
                .iter()
                .map(|p| (stem(&p.source), p.url.clone()))
                .collect(),
            files: posts
                .iter()
                .map(|p| (&p.source, &p.url))
                .chain(pages.iter().map(|p| (&p.source, &p.url)))
                .flat_map(|(source, url)| {
                    jekyll_names(source)
                        .into_iter()
                        .map(move |n| (n, url.clone()))
                })
                .collect(),
            base_path: base_path.clone(),
        });
        let site_urls = Arc::new(filters::SiteUrls {
            base_path: base_path.clone(),
            url: config.url.clone(),
        });
        let mut builder = liquid::ParserBuilder::with_stdlib()
            .tag(liquid_lib::jekyll::IncludeTag)
            .block(tags::Highlight)
            .tag(tags::PostUrl(Arc::clone(&urls)))
            .tag(tags::Link(urls))
            .filter(liquid_lib::jekyll::ArrayToSentenceString)
            .filter(liquid_lib::jekyll::Push)
            .filter(liquid_lib::jekyll::Pop)
            .filter(liquid_lib::jekyll::Shift)
            .filter(liquid_lib::jekyll::Unshift);
        for f in filters::all(&site_urls) {
            builder = builder.filter(f);
        }
        let parser = builder
            .partials(LazyCompiler::new(includes))
            .build()
            .map_err(|e| Error::internal(format!("Liquid parser: {e}")))?;
        let site = json!({
            "title": config.title,
            "description": config.description,
            "lang": config.lang,
            "url": config.url,
            "baseurl": base_path,
            "time": jiff::ZonedDateTime::now().strftime(DATE).to_string(),
            "posts": posts.iter().map(post_variable).collect::<Vec<_>>(),
            "pages": pages.iter().map(page_variable).collect::<Vec<_>>(),
        });
        let mut site = lax::Lax::from_json(&site);
        if let lax::Lax::Object(fields) = &mut site {
            fields.insert("author".into(), author(config));
        }
        Ok(Liquid {
            parser,
            site: Arc::new(site),
        })
    }

    /// `None` when the body holds no Liquid.
    pub fn expand(&self, file: &File<'_>) -> Result<Option<Expanded>> {
        let body = &file.text[file.body_offset..];
        if !(body.contains("{{") || body.contains("{%")) {
            return Ok(None);
        }
        let at = |offset: usize| {
            let (line, col) = line_col(file.text, file.body_offset + offset);
            Location::at(file.path, line, col)
        };
        let mut text = body.to_string();
        let mut warnings = Vec::new();
        let template = loop {
            match self.parser.parse(&text) {
                Ok(t) => break t,
                Err(e) => {
                    let message = e.to_string();
                    let offset = unknown_filter_offset(&message, &text)
                        .or_else(|| unclosed_block_offset(&message, &text))
                        .or_else(|| {
                            let at = parse_error_offset(&message, &text)?;
                            // An unclosed `{{` makes liquid fail at a later tag: name the `{{`.
                            Some(unclosed_delimiter(&text).filter(|&o| o < at).unwrap_or(at))
                        });
                    let left_out = offset.and_then(|o| leave_out(&message, &mut text, o));
                    match (left_out, offset) {
                        (Some((o, what)), _) if warnings.len() < MAX_LEFT_OUT => {
                            warnings.push(Error::at(at(o), what));
                        }
                        (_, Some(o)) => return Err(Error::at(at(o), liquid_message(&message))),
                        (_, None) => {
                            return Err(Error::at(
                                Location::file(file.path),
                                liquid_message(&message),
                            ));
                        }
                    }
                }
            }
        };
        // Jekyll's reading of variables: one nobody set is nil, not an error.
        let globals = lax::Lax::Object(BTreeMap::from([
            ("site".to_string(), lax::Lax::Shared(Arc::clone(&self.site))),
            ("page".to_string(), lax::Lax::from_json(&file.page)),
        ]));
        // The same text with its lines marked, so the output keeps the source's line numbers;
        // should the marks upset the parser, the output goes as it is.
        let marked = self.parser.parse(&lines::mark(&text)).ok();
        let template = marked.as_ref().unwrap_or(&template);
        let rendered = template.render(&globals).map_err(|e| {
            let message = e.to_string();
            let loc = render_error_offset(&message, body).map_or(Location::file(file.path), at);
            Error::at(loc, liquid_message(&message))
        })?;
        let rendered = if marked.is_some() {
            lines::settle(&rendered)
        } else {
            rendered
        };
        Ok(Some(Expanded {
            body: rendered,
            warnings,
        }))
    }
}

/// `site.author` as Jekyll has it: `_config.yml`'s map (`site.author.name`,
/// `site.author.email`) when it was one, else the name (whose `.name` is nil, as in Jekyll).
fn author(config: &Config) -> lax::Lax {
    if config.jekyll.author.is_empty() {
        lax::Lax::Name(liquid::model::Value::scalar(config.author.clone()))
    } else {
        lax::Lax::from_json(&json!(config.jekyll.author))
    }
}

/// Dates as quire hands them to Liquid, which its `date` filter and Jekyll's read.
pub const DATE: &str = "%Y-%m-%d %H:%M:%S %z";

fn stem(source: &Path) -> String {
    source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The paths `{% link %}` may name a file by: quire's (`posts/x.md`, `pages/about.md`) and
/// Jekyll's (`_posts/x.md`, `about.md`).
fn jekyll_names(source: &Path) -> Vec<String> {
    let quire = source.to_string_lossy().replace('\\', "/");
    let mut names = vec![quire.clone()];
    if let Some(rest) = quire.strip_prefix("posts/") {
        names.push(format!("_posts/{rest}"));
        if let Some(draft) = rest.strip_prefix("_drafts/") {
            names.push(format!("_drafts/{draft}"));
        }
    }
    if let Some(rest) = quire.strip_prefix("pages/") {
        names.push(rest.to_string());
    }
    names
}

/// A post as Jekyll's `site.posts` and `page` show it.
pub fn post_variable(p: &Post) -> Json {
    let mut v = json!({
        "title": p.title,
        "url": p.url,
        "date": p.date.strftime(DATE).to_string(),
        "categories": p.categories,
        "tags": p.tags,
        "slug": p.slug,
        "layout": p.layout,
        "path": path_str(&p.source),
        "draft": p.draft,
    });
    if let Some(e) = &p.excerpt {
        v["excerpt"] = json!(e);
    }
    with_extra(v, &p.extra)
}

pub fn page_variable(p: &Standalone) -> Json {
    let v = json!({
        "title": p.title,
        "url": p.url,
        "layout": p.layout,
        "path": path_str(&p.source),
    });
    with_extra(v, &p.extra)
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn with_extra(mut v: Json, extra: &BTreeMap<String, Json>) -> Json {
    if let Json::Object(map) = &mut v {
        for (k, x) in extra {
            map.entry(k.clone()).or_insert_with(|| x.clone());
        }
    }
    v
}

/// liquid's message without its `liquid:` prefix, on one line.
fn liquid_message(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .next()
        .unwrap_or("")
        .trim_start_matches("liquid:")
        .trim();
    // A parser error's own words are on its `= …` line; the rest draws the source.
    let said = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("= "))
        .map(str::trim);
    let context: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("requested") || l.starts_with("from:"))
        .collect();
    let mut out = format!("Liquid: {}", said.unwrap_or(first));
    if said.is_some() && !first.starts_with("-->") && !first.is_empty() {
        out = format!("Liquid: {} {first}", said.unwrap_or_default());
    }
    if !context.is_empty() {
        out.push_str(&format!(" ({})", context.join("; ")));
    }
    out
}

/// The byte offset in `text` of a parse error's ` --> line:col` (pest's columns count
/// characters).
fn parse_error_offset(message: &str, text: &str) -> Option<usize> {
    let pos = message.split("--> ").nth(1)?;
    let pos: String = pos
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let (line, col) = pos.split_once(':')?;
    let (line, col): (usize, usize) = (line.parse().ok()?, col.parse().ok()?);
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = text.get(line_start..)?;
    let within = rest
        .char_indices()
        .nth(col - 1)
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

/// Where the filter an "Unknown filter" names is used first (liquid gives no place for it):
/// the offset of its name after a `|` inside `{{ … }}` or `{% … %}`.
fn unknown_filter_offset(message: &str, text: &str) -> Option<usize> {
    let name = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("requested filter="))?
        .trim();
    let mut from = 0;
    while let Some(p) = text[from..].find('|') {
        let bar = from + p;
        from = bar + 1;
        let after = &text[bar + 1..];
        let skipped = after.len() - after.trim_start().len();
        let rest = &after[skipped..];
        let last = |pats: [&str; 2]| pats.iter().filter_map(|p| text[..bar].rfind(p)).max();
        let inside = last(["{{", "{%"]) > last(["}}", "%}"]);
        if inside
            && rest.starts_with(name)
            && !rest[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Some(bar + 1 + skipped);
        }
    }
    None
}

/// Where the block an "Unclosed block. {% endif %} tag expected." leaves open begins (liquid
/// points at the end of the file): the outermost `{% if %}` that no `{% endif %}` closes,
/// pairing them as Liquid nests them.
fn unclosed_block_offset(message: &str, text: &str) -> Option<usize> {
    let end = message.split("{% end").nth(1)?;
    let name: String = end
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let close = format!("end{name}");
    let mut open = Vec::new();
    let mut from = 0;
    while let Some(p) = text[from..].find("{%") {
        let start = from + p;
        let tag_end = text[start..].find("%}").map_or(text.len(), |e| start + e);
        let word = text[start + 2..tag_end]
            .trim_start_matches('-')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        if word == name {
            open.push(start);
        } else if word == close {
            open.pop();
        }
        from = tag_end.max(start + 2);
    }
    open.first().copied()
}

/// The first `{{` or `{%` whose closing `}}` or `%}` comes only after another opening.
fn unclosed_delimiter(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = text[from..].find(['{']) {
        let start = from + p;
        let close = match text.get(start..start + 2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                from = start + 1;
                continue;
            }
        };
        let end = text[start + 2..].find(close).map(|e| start + 2 + e);
        let inner = &text[start + 2..end.unwrap_or(text.len())];
        if end.is_none() || inner.contains("{{") || inner.contains("{%") {
            return Some(start);
        }
        from = end.unwrap_or(text.len()) + 2;
    }
    None
}

/// Where a render error happened: the include whose partial is missing, found by its name.
fn render_error_offset(message: &str, body: &str) -> Option<usize> {
    let name = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("requested partial="))?
        .trim();
    let mut from = 0;
    while let Some(p) = body[from..].find("{%") {
        let start = from + p;
        let end = body[start..].find("%}").map_or(body.len(), |e| start + e);
        let tag = &body[start..end];
        if tag.contains("include") && tag.contains(name) {
            return Some(start);
        }
        from = start + 2;
    }
    None
}

/// Blanks (in place, newlines kept) the unknown tag or filter the parser stopped at, and says
/// where it was and what was left out; `None` for any other mistake.
fn leave_out(message: &str, text: &mut String, offset: usize) -> Option<(usize, String)> {
    if message.contains("Unknown tag") {
        let start = text[..=offset.min(text.len() - 1)].rfind("{%")?;
        let end = text[start..].find("%}").map(|e| start + e + 2)?;
        let name = text[start + 2..end - 2]
            .trim_matches(|c: char| c == '-' || c.is_whitespace())
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        blank(text, start..end);
        return Some((
            start,
            format!(
                "unknown Liquid tag `{name}` (a Jekyll plugin's?): quire does not have it; left out"
            ),
        ));
    }
    if message.contains("Unknown filter") {
        let open = text[..offset].rfind(['{', '|', '%'])?;
        if !text[open..].starts_with('|') {
            return None;
        }
        let rest = &text[offset..];
        let end = offset
            + [rest.find('|'), rest.find("}}"), rest.find("%}")]
                .into_iter()
                .flatten()
                .min()?;
        let name: String = text[offset..end]
            .trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        blank(text, open..end);
        return Some((
            offset,
            format!(
                "unknown Liquid filter `{name}` (a Jekyll plugin's?): quire does not have it; \
                 the value is shown without it"
            ),
        ));
    }
    None
}

fn blank(text: &mut String, range: std::ops::Range<usize>) {
    let spaces: String = text[range.clone()]
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(range, &spaces);
}

/// Evaluates the Liquid of every post and page (under `[jekyll] compat`), replacing each
/// body with its expansion; returns what was left out, as warnings.
pub fn expand_site(
    config: &Config,
    includes: Includes,
    posts: &mut [Post],
    pages: &mut [Standalone],
) -> Result<Vec<Error>> {
    use rayon::prelude::*;
    let liquid = Liquid::new(config, includes, posts, pages)?;
    let files: Vec<File<'_>> = posts
        .iter()
        .map(|p| File {
            path: &p.source,
            text: &p.text,
            body_offset: p.body_offset,
            page: post_variable(p),
        })
        .chain(pages.iter().map(|p| File {
            path: &p.source,
            text: &p.text,
            body_offset: p.body_offset,
            page: page_variable(p),
        }))
        .collect();
    let results: Vec<Result<Option<Expanded>>> =
        files.par_iter().map(|f| liquid.expand(f)).collect();
    drop(files);
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let texts = posts
        .iter_mut()
        .map(|p| (&mut p.text, p.body_offset))
        .chain(pages.iter_mut().map(|p| (&mut p.text, p.body_offset)));
    for ((text, body_offset), result) in texts.zip(results) {
        match result {
            Ok(Some(expanded)) => {
                text.truncate(body_offset);
                text.push_str(&expanded.body);
                warnings.extend(expanded.warnings);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    match Error::from_many(errors) {
        Some(e) => Err(e),
        None => Ok(warnings),
    }
}

#[cfg(test)]
mod tests;
