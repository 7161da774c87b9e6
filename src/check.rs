//! `quire check`: build, then prove every internal link, image, script, stylesheet and
//! `#fragment` in the output resolves — on the published site, i.e. under the base path.
//! Checking the output (not the Markdown) is what catches links from templates, raw HTML and
//! the base-path rewrite alike; the source post and line are then found for the message.
//!
//! Flow: output folder → [`scan`] each page into [`PageScan`] (ids + references) →
//! [`resolve`] each reference → [`Problem`]s, located in the post's Markdown when the reference
//! came from its content ([`locate`], through the build's source map).
//! With `--external`, http(s) URLs go to [`external`].

pub mod external;
mod locate;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lol_html::{HtmlRewriter, Settings, element, text};
use rayon::prelude::*;

use crate::build::{self, BuildOptions, BuildReport, BuiltPost, Manifest};
use crate::content::permalink::escape_path;
use crate::error::{Error, Location, Result, collect_all};
pub use crate::html::decode_entities;
use crate::urls::decode;
use crate::urls::extract::{UrlSyntax, css_urls, is_css, is_html, url_syntax, urls_in};
use crate::urls::resolve::Served;
use locate::Locator;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub build: BuildOptions,
    /// Also request every http(s) URL.
    pub external: bool,
    /// Per external request, connection to last byte.
    pub timeout: Duration,
    /// External requests in flight at once.
    pub concurrency: usize,
}

impl CheckOptions {
    pub fn new(build: BuildOptions) -> Self {
        Self {
            build,
            external: false,
            timeout: Duration::from_secs(10),
            concurrency: 8,
        }
    }
}

/// What a reference is for: says which kind of thing is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Link,
    Image,
    Script,
    Stylesheet,
    Media,
    Frame,
    /// `url(…)` in CSS (a stylesheet, `<style>` or a `style` attribute).
    CssUrl,
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkKind::Link => "link",
            LinkKind::Image => "image",
            LinkKind::Script => "script",
            LinkKind::Stylesheet => "stylesheet",
            LinkKind::Media => "media",
            LinkKind::Frame => "frame",
            LinkKind::CssUrl => "css url()",
        })
    }
}

/// A reference that does not resolve.
#[derive(Debug, Clone)]
pub struct Problem {
    /// In the post's Markdown when found there, else in the output file.
    pub at: Location,
    /// The output file holding the reference, relative to the output folder.
    pub page: PathBuf,
    pub kind: LinkKind,
    /// As written in the output (entities decoded).
    pub url: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}: {}",
            self.at, self.kind, self.url, self.reason
        )?;
        if !self.at.path.ends_with(&self.page) {
            write!(f, " [page {}]", self.page.display())?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct CheckReport {
    pub build: BuildReport,
    /// HTML pages and stylesheets read.
    pub files: usize,
    /// Internal references checked (fragments included).
    pub internal: usize,
    /// Distinct external URLs requested (0 without `--external`).
    pub external: usize,
    /// Distinct external URLs seen, requested or not.
    pub external_seen: usize,
    /// Whether `--external` asked for them to be requested.
    pub external_requested: bool,
    pub problems: Vec<Problem>,
    /// Things worth saying that are not problems (e.g. no network).
    pub notes: Vec<String>,
    /// Every http(s) reference, for `--external`.
    pub external_refs: Vec<ExternalRef>,
}

/// An http(s) reference and where it was found.
#[derive(Debug, Clone)]
pub struct ExternalRef {
    /// What is requested: the URL without its fragment.
    pub target: String,
    pub at: Location,
    pub page: PathBuf,
    pub kind: LinkKind,
    pub url: String,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn summary(&self) -> String {
        let ext = if self.external_requested {
            format!("{} external URLs requested", self.external)
        } else {
            format!(
                "{} external URLs not requested (use --external)",
                self.external_seen
            )
        };
        format!(
            "checked {} files: {} internal references, {ext}; {} broken",
            self.files,
            self.internal,
            self.problems.len()
        )
    }
}

/// Builds the site as `quire build` would, then checks the output.
pub fn check(opts: &CheckOptions) -> Result<CheckReport> {
    let built = build::build(&BuildOptions {
        contents: true,
        ..opts.build.clone()
    })?;
    let mut report = check_output(
        &opts.build.output,
        &built.manifest,
        &built.base_path,
        &built.posts,
    )?;
    report.build = built.report;
    if opts.external {
        report.external_requested = true;
        external::check_all(&mut report, opts.timeout, opts.concurrency);
    }
    Ok(report)
}

/// One reference found in an output file.
#[derive(Debug, Clone)]
pub struct Reference {
    pub kind: LinkKind,
    /// Entity-decoded, whitespace-trimmed.
    pub url: String,
    /// Byte offset in the file scanned.
    pub offset: usize,
}

/// What one output file contains that the check needs.
#[derive(Debug, Default)]
pub struct PageScan {
    /// `id`s, and `name`s of `<a>`: what a `#fragment` may point at.
    pub ids: HashSet<String>,
    pub refs: Vec<Reference>,
}

/// Checks the built site in `output`, published under `base` (`""` or `/repo`); `posts` (from
/// the build) let a problem in a post's content name its Markdown line. External references
/// are only collected here, into `external_refs`; [`external::check_all`] requests them.
pub fn check_output(
    output: &Path,
    tree: &Manifest,
    base: &str,
    posts: &[BuiltPost],
) -> Result<CheckReport> {
    let posts: HashMap<String, &BuiltPost> = posts
        .iter()
        .map(|p| (p.page.to_string_lossy().replace('\\', "/"), p))
        .collect();
    let scanned: Vec<Result<(String, PageScan)>> = tree
        .files
        .par_iter()
        .filter(|rel| is_html(Path::new(rel)) || is_css(Path::new(rel)))
        .map(|rel| {
            let path = output.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let text = String::from_utf8_lossy(&bytes);
            let scan = if is_html(Path::new(rel)) {
                scan_html(&text).map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?
            } else {
                scan_css(&text)
            };
            Ok((rel.clone(), scan))
        })
        .collect();
    let mut scans: Vec<(String, PageScan)> = collect_all(scanned)?;
    scans.sort_by(|a, b| a.0.cmp(&b.0));
    let ids: HashMap<&str, &HashSet<String>> = scans
        .iter()
        .map(|(rel, s)| (rel.as_str(), &s.ids))
        .collect();

    let mut report = CheckReport {
        files: scans.len(),
        ..Default::default()
    };
    for (rel, scan) in &scans {
        let mut locator = Locator::new(output, rel, base, posts.get(rel).copied(), &scan.refs);
        for (i, r) in scan.refs.iter().enumerate() {
            let reason = match resolve(&r.url, rel, base, tree) {
                Resolved::Skip => continue,
                Resolved::External(u) => {
                    let at = locator.locate(i);
                    report.external_refs.push(ExternalRef {
                        target: u,
                        at,
                        page: PathBuf::from(rel),
                        kind: r.kind,
                        url: r.url.clone(),
                    });
                    continue;
                }
                Resolved::Broken(reason) => reason,
                Resolved::Internal { file, fragment } => {
                    report.internal += 1;
                    match fragment
                        .as_deref()
                        .filter(|f| !f.is_empty() && is_html(Path::new(&file)))
                    {
                        Some(frag) => match ids.get(file.as_str()) {
                            Some(page_ids) if !has_id(page_ids, frag) => {
                                format!(
                                    "no element with id (or <a name>) `{}` {}",
                                    decode(frag).as_deref().unwrap_or(frag),
                                    if file == *rel {
                                        "on this page".to_string()
                                    } else {
                                        format!("in {file}")
                                    }
                                )
                            }
                            _ => continue,
                        },
                        None => continue,
                    }
                }
            };
            let at = locator.locate(i);
            report.problems.push(Problem {
                at,
                page: PathBuf::from(rel),
                kind: r.kind,
                url: r.url.clone(),
                reason,
            });
        }
    }
    report.external_seen = report
        .external_refs
        .iter()
        .map(|e| e.target.as_str())
        .collect::<HashSet<_>>()
        .len();
    Ok(report)
}

/// Where a reference leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// `mailto:`, `data:`, `javascript:`, an empty `href`: nothing to check.
    Skip,
    /// An http(s) URL without its fragment.
    External(String),
    /// A file of the output (relative path) and the fragment, still percent-encoded.
    Internal {
        file: String,
        fragment: Option<String>,
    },
    Broken(String),
}

/// Resolves `url` found in the output file `page` (relative path) of a site served under `base`,
/// the way a browser on GitHub Pages would: joined to the page's URL, then answered as
/// [`crate::urls::resolve`] says, a redirect (`/dir` → `/dir/`) followed.
pub fn resolve(url: &str, page: &str, base: &str, tree: &Manifest) -> Resolved {
    let url = url.trim();
    if url.is_empty() {
        return Resolved::Skip;
    }
    if let Some(frag) = url.strip_prefix('#') {
        return Resolved::Internal {
            file: page.to_string(),
            fragment: Some(frag.to_string()),
        };
    }
    if url.starts_with("//") {
        return Resolved::External(strip_fragment(&format!("https:{url}")).to_string());
    }
    if let Some(scheme) = scheme_of(url) {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => Resolved::External(strip_fragment(url).to_string()),
            _ => Resolved::Skip,
        };
    }
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (url, None),
    };
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    // The page's own path as its URL spells it: the output holds decoded names.
    let page_url = escape_path(page);
    let joined = if path.starts_with('/') {
        path.to_string()
    } else if path.is_empty() {
        // `?query` or `#frag` handled above; a bare query points at the page itself.
        format!("/{page_url}")
    } else {
        let dir = page_url.rsplit_once('/').map_or("", |(d, _)| d);
        format!("/{dir}/{path}")
    };
    let Some(normal) = normalize(&joined) else {
        return Resolved::Broken("goes above the site root".into());
    };
    // Relative references are joined to the page's site path; the base goes in front.
    let request = if path.starts_with('/') {
        normal
    } else {
        format!("{base}{normal}")
    };
    let mut served = crate::urls::resolve::resolve(tree, base, &request);
    if let Served::Redirect(to) = &served {
        served = crate::urls::resolve::resolve(tree, base, to);
    }
    match served {
        Served::File(file) => Resolved::Internal { file, fragment },
        Served::NotFound(missing) => Resolved::Broken(missing.to_string()),
        Served::Redirect(to) => Resolved::Broken(format!("redirected twice, to {to}")),
    }
}

fn strip_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(u, _)| u)
}

/// `https` of `https://…`; `None` for paths (including `a:b` after a `/`, `?` or `#`).
fn scheme_of(url: &str) -> Option<&str> {
    let end = url.find(':')?;
    let scheme = &url[..end];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// Removes `.` and `..` segments; `None` when `..` climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {}
            ".." => {
                out.pop()?;
            }
            s if s.is_empty() && i != last => {}
            s => out.push(s),
        }
    }
    let ends_dir = matches!(segments.last(), Some(&"." | &".." | &""));
    let mut s = format!("/{}", out.join("/"));
    if ends_dir && !s.ends_with('/') {
        s.push('/');
    }
    Some(s)
}

/// A fragment matches an id as written or percent-decoded; `#top` always works in browsers.
fn has_id(ids: &HashSet<String>, fragment: &str) -> bool {
    ids.contains(fragment)
        || decode(fragment).is_some_and(|d| ids.contains(&d))
        || fragment.eq_ignore_ascii_case("top")
}

/// The references and ids of one HTML page.
pub fn scan_html(html: &str) -> std::result::Result<PageScan, String> {
    let scan = RefCell::new(PageScan::default());
    let style = RefCell::new((String::new(), None::<usize>));
    {
        let settings = Settings::new()
            .append_element_content_handler(element!("*", |el| {
                let tag = el.tag_name();
                let mut s = scan.borrow_mut();
                for attr in el.attributes() {
                    let name = attr.name();
                    let offset = attr
                        .value_source_location()
                        .map_or(el.source_location().bytes().start, |l| l.bytes().start);
                    let raw = attr.value();
                    if name == "id" || (name == "name" && tag == "a") {
                        s.ids.insert(decode_entities(&raw));
                        continue;
                    }
                    let Some(syntax) = url_syntax(&name) else {
                        continue;
                    };
                    let kind = match syntax {
                        UrlSyntax::Css => LinkKind::CssUrl,
                        UrlSyntax::Srcset => LinkKind::Image,
                        UrlSyntax::Whole => {
                            let rel = el
                                .get_attribute("rel")
                                .unwrap_or_default()
                                .to_ascii_lowercase();
                            match kind_of(&tag, &name, &rel) {
                                Some(kind) => kind,
                                None => continue,
                            }
                        }
                    };
                    for r in urls_in(syntax, &raw) {
                        s.refs.push(Reference {
                            kind,
                            url: decode_entities(&raw[r.clone()]),
                            offset: offset + r.start,
                        });
                    }
                }
                Ok(())
            }))
            .append_element_content_handler(text!("style", |chunk| {
                let mut st = style.borrow_mut();
                if st.1.is_none() {
                    st.1 = Some(chunk.source_location().bytes().start);
                }
                st.0.push_str(chunk.as_str());
                if chunk.last_in_text_node() {
                    let (css, start) = std::mem::take(&mut *st);
                    let start = start.unwrap_or(0);
                    let mut s = scan.borrow_mut();
                    for u in css_urls(&css) {
                        s.refs.push(Reference {
                            kind: LinkKind::CssUrl,
                            url: css[u.clone()].to_string(),
                            offset: start + u.start,
                        });
                    }
                }
                Ok(())
            }))
            .with_strict(false)
            .with_adjust_charset_on_meta_tag(false);
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        rewriter.write(html.as_bytes()).map_err(|e| e.to_string())?;
        rewriter.end().map_err(|e| e.to_string())?;
    }
    Ok(scan.into_inner())
}

/// Which (element, attribute) pairs load or link something, and as what.
fn kind_of(tag: &str, attr: &str, rel: &str) -> Option<LinkKind> {
    Some(match (tag, attr) {
        ("a" | "area", "href") => LinkKind::Link,
        ("link", "href") => {
            let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
            if rels
                .iter()
                .any(|r| matches!(*r, "preconnect" | "dns-prefetch"))
            {
                return None;
            }
            if rels.contains(&"stylesheet") {
                LinkKind::Stylesheet
            } else {
                LinkKind::Link
            }
        }
        ("img" | "input", "src") | ("video", "poster") => LinkKind::Image,
        ("image" | "use", "href" | "xlink:href") => LinkKind::Image,
        ("script", "src") => LinkKind::Script,
        ("iframe", "src") => LinkKind::Frame,
        ("audio" | "video" | "source" | "track" | "embed", "src") | ("object", "data") => {
            LinkKind::Media
        }
        _ => return None,
    })
}

fn scan_css(css: &str) -> PageScan {
    PageScan {
        ids: HashSet::new(),
        refs: css_urls(css)
            .into_iter()
            .map(|u| Reference {
                kind: LinkKind::CssUrl,
                url: css[u.clone()].to_string(),
                offset: u.start,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::line_col;

    fn tree(files: &[&str]) -> Manifest {
        Manifest::from_paths(files.iter().map(Path::new))
    }

    #[test]
    fn resolves_like_github_pages() {
        let t = tree(&[
            "index.html",
            "a/b.html",
            "a/c/index.html",
            "about.html",
            "gif/x.gif",
            "深/x.html",
            "empty/y.png",
        ]);
        let ok = |url: &str, page: &str, base: &str, file: &str| {
            assert_eq!(
                resolve(url, page, base, &t),
                Resolved::Internal {
                    file: file.into(),
                    fragment: url.split_once('#').map(|(_, f)| f.to_string())
                },
                "{url} from {page}"
            );
        };
        ok("/a/b.html", "index.html", "", "a/b.html");
        ok("/notes/a/b.html", "index.html", "/notes", "a/b.html");
        ok("/notes", "index.html", "/notes", "index.html");
        ok("/notes/", "index.html", "/notes", "index.html");
        ok("c/", "a/b.html", "", "a/c/index.html");
        ok("c", "a/b.html", "", "a/c/index.html");
        ok("../about", "a/b.html", "", "about.html");
        ok("./b.html?x=1#frag", "a/b.html", "", "a/b.html");
        ok("#frag", "a/b.html", "", "a/b.html");
        ok("/%E6%B7%B1/x.html", "index.html", "", "深/x.html");
        assert_eq!(resolve("mailto:a@b", "index.html", "", &t), Resolved::Skip);
        assert_eq!(resolve("data:x", "index.html", "", &t), Resolved::Skip);
        assert_eq!(
            resolve("//cdn.x/a.css#z", "index.html", "", &t),
            Resolved::External("https://cdn.x/a.css".into())
        );
        assert_eq!(
            resolve("HTTPS://x.org/p", "index.html", "", &t),
            Resolved::External("HTTPS://x.org/p".into())
        );
        let broken = |url: &str, base: &str, needle: &str| match resolve(url, "a/b.html", base, &t)
        {
            Resolved::Broken(r) => assert!(r.contains(needle), "{url}: {r}"),
            other => panic!("{url}: {other:?}"),
        };
        broken("/gif/x.gif", "/notes", "outside the base path /notes");
        broken("/gif/y.gif", "", "not found (no gif/y.gif in the output)");
        broken("/no/page/", "", "no no/page/index.html");
        broken("../../../x", "", "above the site root");
        broken("/empty/", "", "has no index.html");
        broken("/%E5", "", "not found");
    }

    #[test]
    fn scans_refs_ids_and_kinds() {
        let html = r##"<html><head><link rel="stylesheet" href="/s.css"><link rel="preconnect" href="https://cdn"><script src="/j.js"></script>
<style>b{background:url(/bg.png)}</style></head><body><h2 id="a&amp;b">x</h2><a name="old"></a>
<a href="/p?x=1&amp;y=2">p</a><img src=" /i.png " srcset="/i1.png 1x, /i2.png 2x"><p style="background:url('/s.png')">s</p><video poster="/v.png"><source src="/v.mp4"></video></body></html>"##;
        let s = scan_html(html).unwrap();
        assert!(
            s.ids.contains("a&b") && s.ids.contains("old"),
            "{:?}",
            s.ids
        );
        let got: Vec<(LinkKind, &str)> = s.refs.iter().map(|r| (r.kind, r.url.as_str())).collect();
        assert_eq!(
            got,
            [
                (LinkKind::Stylesheet, "/s.css"),
                (LinkKind::Script, "/j.js"),
                (LinkKind::CssUrl, "/bg.png"),
                (LinkKind::Link, "/p?x=1&y=2"),
                (LinkKind::Image, "/i.png"),
                (LinkKind::Image, "/i1.png"),
                (LinkKind::Image, "/i2.png"),
                (LinkKind::CssUrl, "/s.png"),
                (LinkKind::Image, "/v.png"),
                (LinkKind::Media, "/v.mp4"),
            ]
        );
        let img = &s.refs[4];
        assert_eq!(line_col(html, img.offset).0, 3);
    }

    #[test]
    fn entities_and_paths() {
        assert_eq!(
            decode_entities("a&amp;b&#x41;&#66;&bogus;&"),
            "a&bAB&bogus;&"
        );
        assert_eq!(normalize("/a/./b/../c/").as_deref(), Some("/a/c/"));
        assert_eq!(normalize("/a/..").as_deref(), Some("/"));
        assert_eq!(normalize("/..").as_deref(), None);
        assert_eq!(scheme_of("a/b:c"), None);
        assert_eq!(scheme_of("Mailto:x"), Some("Mailto"));
    }
}
