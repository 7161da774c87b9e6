//! Jekyll's Liquid filters that the `liquid` crate's standard library lacks. Each is a plain
//! function of its input, its arguments and the site; [`Jekyll`] adapts one to `liquid`'s
//! filter traits, so adding a filter is one line in [`all`].

use std::fmt;
use std::sync::Arc;

use liquid_core::parser::{FilterArguments, ParameterReflection};
use liquid_core::{
    Error, Expression, Filter, FilterReflection, ParseFilter, Result, Runtime, Value, ValueView,
};

/// What the filters know of the site.
#[derive(Debug, Default)]
pub struct SiteUrls {
    /// `/repo` for a project site, `""` at a domain's root.
    pub base_path: String,
    /// `url` from the configuration, its path included (`https://u.github.io/repo`).
    pub url: String,
}

type Apply = fn(&dyn ValueView, &[Value], &SiteUrls) -> Result<Value>;

/// One of Jekyll's filters.
#[derive(Clone)]
pub struct Jekyll {
    name: &'static str,
    apply: Apply,
    site: Arc<SiteUrls>,
}

/// Every filter of this module, for the parser.
pub fn all(site: &Arc<SiteUrls>) -> Vec<Jekyll> {
    let f = |name, apply: Apply| Jekyll {
        name,
        apply,
        site: Arc::clone(site),
    };
    vec![
        f("relative_url", |v, _, s| {
            Ok(text(relative_url(&v.to_kstr(), s)))
        }),
        f("absolute_url", |v, _, s| {
            Ok(text(absolute_url(&v.to_kstr(), s)))
        }),
        f("date_to_string", |v, _, _| date(v, "%d %b %Y")),
        f("date_to_long_string", |v, _, _| date(v, "%d %B %Y")),
        f("date_to_xmlschema", |v, _, _| {
            date(v, "%Y-%m-%dT%H:%M:%S%:z")
        }),
        f("date_to_rfc822", |v, _, _| {
            date(v, "%a, %d %b %Y %H:%M:%S %z")
        }),
        f("xml_escape", |v, _, _| {
            Ok(text(crate::html::escape(&v.to_kstr())))
        }),
        f("cgi_escape", |v, _, _| Ok(text(cgi_escape(&v.to_kstr())))),
        f("uri_escape", |v, _, _| Ok(text(uri_escape(&v.to_kstr())))),
        f("jsonify", |v, _, _| jsonify(v)),
        f("markdownify", |v, _, _| Ok(text(markdownify(&v.to_kstr())))),
        f("slugify", |v, args, _| slugify(v, args)),
        f("number_of_words", |v, _, _| {
            Ok(Value::scalar(v.to_kstr().split_whitespace().count() as i64))
        }),
        f("normalize_whitespace", |v, _, _| {
            Ok(text(
                v.to_kstr().split_whitespace().collect::<Vec<_>>().join(" "),
            ))
        }),
    ]
}

fn text(s: impl Into<String>) -> Value {
    Value::scalar(s.into())
}

fn is_absolute(url: &str) -> bool {
    url.contains("://") || url.starts_with("//")
}

/// Jekyll's `relative_url`: the base path, then the path with one leading slash.
fn relative_url(path: &str, site: &SiteUrls) -> String {
    if is_absolute(path) {
        return path.to_string();
    }
    format!("{}/{}", site.base_path, path.trim_start_matches('/'))
}

fn absolute_url(path: &str, site: &SiteUrls) -> String {
    if is_absolute(path) {
        return path.to_string();
    }
    let origin = match site.url.find("://") {
        Some(scheme) => {
            let host_end = site.url[scheme + 3..]
                .find('/')
                .map_or(site.url.len(), |p| scheme + 3 + p);
            &site.url[..host_end]
        }
        None => "",
    };
    format!("{origin}{}", relative_url(path, site))
}

/// A date as `strftime` writes it; the input is a date as quire gives it to Liquid
/// (`2019-01-01 00:00:00 +0000`) or any text jiff reads as one.
fn date(v: &dyn ValueView, format: &str) -> Result<Value> {
    let s = v.to_kstr();
    // Written in its own offset, as Jekyll shows a post's date in the site's zone.
    let parsed = jiff::fmt::strtime::parse(super::DATE, s.as_str())
        .ok()
        .and_then(|t| t.to_zoned_datetime().ok());
    let parsed = match parsed {
        Some(z) => Ok(z),
        None => crate::content::date::parse(s.as_str(), &jiff::tz::TimeZone::UTC),
    };
    match parsed {
        Ok(z) => Ok(text(z.strftime(format).to_string())),
        Err(why) => Err(Error::with_msg(format!("`{s}` is not a date: {why}"))),
    }
}

const URI_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b';')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b',')
    .remove(b'#')
    .remove(b'[')
    .remove(b']');

const CGI_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*')
    .remove(b' ');

fn uri_escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URI_KEEP).to_string()
}

/// `CGI.escape`: spaces become `+`.
fn cgi_escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, CGI_KEEP)
        .to_string()
        .replace(' ', "+")
}

fn jsonify(v: &dyn ValueView) -> Result<Value> {
    let json = serde_json::to_string(&v.to_value())
        .map_err(|e| Error::with_msg(format!("jsonify: {e}")))?;
    Ok(text(json))
}

/// Markdown to HTML by quire's dialect, without the build's passes (as Jekyll's
/// `markdownify` runs kramdown alone).
fn markdownify(s: &str) -> String {
    let mut html = String::new();
    let parser = pulldown_cmark::Parser::new_ext(s, crate::markdown::options());
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// Jekyll's `slugify`, by quire's implementation (the one tag pages use): `default`,
/// `pretty`, or `raw`/`none`.
fn slugify(v: &dyn ValueView, args: &[Value]) -> Result<Value> {
    use crate::content::permalink::{SlugMode, slugify};
    let s = v.to_kstr();
    let mode = args.first().map(|m| m.to_kstr().to_string());
    let out = match mode.as_deref() {
        None | Some("default") => slugify(&s, SlugMode::Default, false),
        Some("pretty") => slugify(&s, SlugMode::Pretty, false),
        Some("none") => s.to_string(),
        Some("raw") => s
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-")
            .to_lowercase(),
        Some(other) => {
            return Err(Error::with_msg(format!(
                "slugify: mode `{other}` is not one quire has (default, pretty, raw, none)"
            )));
        }
    };
    Ok(text(out))
}

impl FilterReflection for Jekyll {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "one of Jekyll's filters"
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for Jekyll {
    fn parse(&self, arguments: FilterArguments) -> Result<Box<dyn Filter>> {
        Ok(Box::new(Parsed {
            filter: self.clone(),
            args: arguments.positional.collect(),
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

struct Parsed {
    filter: Jekyll,
    args: Vec<Expression>,
}

impl fmt::Debug for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.filter.name)
    }
}

impl fmt::Display for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.filter.name)
    }
}

impl Filter for Parsed {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let args = self
            .args
            .iter()
            .map(|a| a.evaluate(runtime).map(|v| v.into_owned()))
            .collect::<Result<Vec<_>>>()?;
        (self.filter.apply)(input, &args, &self.filter.site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteUrls {
        SiteUrls {
            base_path: "/notes".into(),
            url: "https://u.github.io/notes".into(),
        }
    }

    #[test]
    fn urls_get_the_base_path_once() {
        assert_eq!(relative_url("/a/b.png", &site()), "/notes/a/b.png");
        assert_eq!(relative_url("a/", &site()), "/notes/a/");
        assert_eq!(relative_url("https://x.org/a", &site()), "https://x.org/a");
        assert_eq!(absolute_url("/a/", &site()), "https://u.github.io/notes/a/");
    }

    #[test]
    fn dates_format_as_jekyll_writes_them() {
        let v = text("2019-03-04 05:06:07 +0800");
        assert_eq!(date(&v, "%d %b %Y").unwrap().to_kstr(), "04 Mar 2019");
        assert_eq!(
            date(&v, "%Y-%m-%dT%H:%M:%S%:z").unwrap().to_kstr(),
            "2019-03-04T05:06:07+08:00"
        );
        assert!(date(&text("soon"), "%Y").is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(cgi_escape("a b&c/d"), "a+b%26c%2Fd");
        assert_eq!(uri_escape("a b/é?x=1"), "a%20b/%C3%A9?x=1");
        assert_eq!(markdownify("*x*"), "<p><em>x</em></p>\n");
    }
}
