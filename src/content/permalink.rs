//! The one place that decides a post's URL, following Jekyll 4.3's `UrlDrop` and `URL` classes:
//! styles, placeholders, slugify modes and percent-escaping; and the URLs of the pages that list
//! posts (categories, tags, the archive, index pages, feeds, the sitemap).

use icu_properties::CodePointMapData;
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use jiff::ZonedDateTime as Zoned;

/// What a permalink pattern is filled from.
pub struct UrlParts<'a> {
    pub date: &'a Zoned,
    /// The `slug` front matter, else the title part of the file name.
    pub slug: &'a str,
    /// The file name without date and extension-less, for `:name`.
    pub basename: &'a str,
    pub categories: &'a [String],
}

/// Expands a named style to its pattern, as Jekyll's `URL::permalink_style` does.
pub fn style_pattern(style: &str) -> &str {
    match style {
        "date" => "/:categories/:year/:month/:day/:title:output_ext",
        "pretty" => "/:categories/:year/:month/:day/:title/",
        "ordinal" => "/:categories/:year/:y_day/:title:output_ext",
        "weekdate" => "/:categories/:year/W:week/:short_day/:title:output_ext",
        "none" => "/:categories/:title:output_ext",
        other => other,
    }
}

/// Fills `pattern` and returns the URL as Jekyll's `post.url` gives it: percent-escaped.
pub fn url(pattern: &str, parts: &UrlParts<'_>) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match placeholder(name, parts) {
            Some(value) if value.is_empty() && out.ends_with('/') => {
                // Jekyll drops `/:placeholder` when it is empty instead of leaving `//`.
                out.pop();
            }
            Some(value) => out.push_str(&escape_path(&value)),
            None => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    sanitize(&out)
}

fn placeholder(name: &str, p: &UrlParts<'_>) -> Option<String> {
    let d = p.date;
    let f = |fmt: &str| d.strftime(fmt).to_string();
    Some(match name {
        "year" => f("%Y"),
        "month" => f("%m"),
        "day" => f("%d"),
        "hour" => f("%H"),
        "minute" => f("%M"),
        "second" => f("%S"),
        "i_day" => f("%-d"),
        "i_month" => f("%-m"),
        "short_month" => f("%b"),
        "long_month" => f("%B"),
        "short_year" => f("%y"),
        "y_day" => f("%j"),
        "week" => f("%V"),
        "w_year" => f("%G"),
        "w_day" => f("%u"),
        "short_day" => f("%a"),
        "long_day" => f("%A"),
        "title" => slugify(p.slug, SlugMode::Pretty, true),
        "slug" => slugify(p.slug, SlugMode::Default, false),
        "name" => slugify(p.basename, SlugMode::Default, false),
        "categories" => categories_path(p.categories),
        "output_ext" => ".html".into(),
        _ => return None,
    })
}

/// The page listing a category's posts: `/categories/machine%20learning/`.
pub fn category_url(name: &str) -> String {
    format!(
        "/categories/{}/",
        escape_path(&name.to_lowercase().replace('/', "-"))
    )
}

/// A category's Atom feed, where jekyll-feed puts one: `/feed/<category>.xml` (the category's
/// name as in [`category_url`]).
pub fn category_feed_url(name: &str) -> String {
    format!(
        "/feed/{}.xml",
        escape_path(&name.to_lowercase().replace('/', "-"))
    )
}

/// A tag's Atom feed, where jekyll-feed's `tags` option puts one: `/feed/by_tag/<tag>.xml`,
/// the tag as first written (jekyll-feed keeps its case; it makes feeds only for tags of ASCII
/// letters, digits and `_`, and quire for every tag, percent-escaped like any URL).
pub fn tag_feed_url(name: &str) -> String {
    format!("/feed/by_tag/{}.xml", escape_path(&name.replace('/', "-")))
}

/// The page listing a tag's posts, named as jekyll-archives names them (Jekyll's `slugify`,
/// default mode: `Machine Learning` → `/tags/machine-learning/`, `深度学习` stays); a tag with
/// nothing left to slug (`+++`) keeps its lowercased name. Tags whose slugs match share a page.
pub fn tag_url(name: &str) -> String {
    let slug = slugify(name, SlugMode::Default, false);
    let slug = if slug.is_empty() {
        name.to_lowercase().replace('/', "-")
    } else {
        slug
    };
    format!("{TAGS_URL}{}/", escape_path(&slug))
}

/// Page `n` (from 1) of the index: `/`, then `/page/2/`, `/page/3/`, … (jekyll-paginate-v2's
/// `/page/:num/`; jekyll-paginate's own default is `/page:num/`).
pub fn index_page_url(n: usize) -> String {
    if n <= 1 {
        "/".to_string()
    } else {
        format!("/page/{n}/")
    }
}

/// Every tag with its post count.
pub const TAGS_URL: &str = "/tags/";
/// Every category with its post count.
pub const CATEGORIES_URL: &str = "/categories/";
/// Every post, by year.
pub const ARCHIVE_URL: &str = "/archive/";
/// The search page (results for `?q=`).
pub const SEARCH_URL: &str = "/search/";
/// The site's Atom feed, where jekyll-feed writes it.
pub const FEED_URL: &str = "/feed.xml";
pub const SITEMAP_URL: &str = "/sitemap.xml";
pub const ROBOTS_URL: &str = "/robots.txt";
pub const NOT_FOUND_URL: &str = "/404.html";

/// Lowercased, de-duplicated, joined by `/`, as Jekyll's `UrlDrop#categories`.
pub fn categories_path(categories: &[String]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for c in categories {
        let lower = c.to_lowercase();
        if !seen.contains(&lower) {
            seen.push(lower);
        }
    }
    seen.join("/")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlugMode {
    /// Keep letters, marks and digits; everything else becomes `-`.
    Default,
    /// Also keep `._~!$&'()+,;=@`, which are safe in URLs.
    Pretty,
}

/// Jekyll's `Utils.slugify` for the `default` and `pretty` modes.
pub fn slugify(text: &str, mode: SlugMode, cased: bool) -> String {
    let keep = |c: char| {
        is_letter_mark_or_digit(c) || (mode == SlugMode::Pretty && "._~!$&'()+,;=@".contains(c))
    };
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if keep(c) {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else {
            pending_dash = true;
        }
    }
    if cased { out } else { out.to_lowercase() }
}

/// Jekyll 4.3's `[:alnum:]`, which Ruby's regular expressions define as `\p{L}`, `\p{M}` and
/// `\p{Nd}`: by general category, so every combining mark stays, and superscripts, circled
/// digits and Roman numerals (other and letter numbers) separate words as they do in Jekyll.
fn is_letter_mark_or_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    GeneralCategoryGroup::Letter.contains(gc)
        || GeneralCategoryGroup::Mark.contains(gc)
        || gc == GeneralCategory::DecimalNumber
}

/// Percent-escapes what is not allowed in a URL path, like Jekyll's `URL.escape_path`.
pub fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Collapses `//`, removes `..` segments and makes the URL absolute, as Jekyll does. This sees
/// the escaped URL, so it cannot catch `%2e%2e`; [`crate::urls::output_path`] is what keeps a
/// URL's file inside the output folder.
fn sanitize(url: &str) -> String {
    let mut out = String::from("/");
    for seg in url.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            continue;
        }
        out.push_str(seg);
        out.push('/');
    }
    if !url.ends_with('/') && out.len() > 1 {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(date: &'a Zoned, slug: &'a str, cats: &'a [String]) -> UrlParts<'a> {
        UrlParts {
            date,
            slug,
            basename: slug,
            categories: cats,
        }
    }

    fn date() -> Zoned {
        "2018-12-31T07:30:58+00:00[UTC]".parse().unwrap()
    }

    #[test]
    fn seed_post_url() {
        let d = date();
        let cats = vec!["jekyll".to_string(), "update".to_string()];
        let p = parts(&d, "deep-learning-interview-questions", &cats);
        assert_eq!(
            url(style_pattern("date"), &p),
            "/jekyll/update/2018/12/31/deep-learning-interview-questions.html"
        );
        assert_eq!(
            url(style_pattern("pretty"), &p),
            "/jekyll/update/2018/12/31/deep-learning-interview-questions/"
        );
    }

    #[test]
    fn categories_are_lowercased_escaped_and_optional() {
        let d = date();
        let cats = vec!["Machine Learning".to_string(), "深度".to_string()];
        let p = parts(&d, "x", &cats);
        assert_eq!(
            url(style_pattern("none"), &p),
            "/machine%20learning/%E6%B7%B1%E5%BA%A6/x.html"
        );
        let p = parts(&d, "x", &[]);
        assert_eq!(url(style_pattern("date"), &p), "/2018/12/31/x.html");
    }

    #[test]
    fn other_styles() {
        let d = date();
        let p = parts(&d, "x", &[]);
        assert_eq!(url(style_pattern("ordinal"), &p), "/2018/365/x.html");
        assert_eq!(url(style_pattern("weekdate"), &p), "/2018/W01/Mon/x.html");
        assert_eq!(url("/blog/:year/:i_month/:slug/", &p), "/blog/2018/12/x/");
    }

    /// What Jekyll's `[^[:alnum:]]+` makes of marks and numbers outside ASCII.
    #[test]
    fn slugify_keeps_every_mark_and_only_decimal_digits() {
        let default = |s| slugify(s, SlugMode::Default, false);
        assert_eq!(default("हिन्दी भाषा"), "हिन्दी-भाषा");
        assert_eq!(default("เชียงใหม่"), "เชียงใหม่");
        assert_eq!(default("v\u{20D7} Cafe\u{301}"), "v\u{20D7}-cafe\u{301}");
        assert_eq!(default("١٢٣ ٤"), "١٢٣-٤");
        assert_eq!(default("E=mc² Ⅻ ① x"), "e-mc-x");
        assert_eq!(default("😄 emoji ❤\u{FE0F}"), "emoji-\u{FE0F}");
        assert_eq!(
            slugify("Odd_Name.v2! ½", SlugMode::Pretty, true),
            "Odd_Name.v2!"
        );
    }

    #[test]
    fn listing_urls() {
        assert_eq!(tag_url("Machine Learning"), "/tags/machine-learning/");
        assert_eq!(
            tag_url("深度学习"),
            "/tags/%E6%B7%B1%E5%BA%A6%E5%AD%A6%E4%B9%A0/"
        );
        assert_eq!(tag_url("C++"), "/tags/c/");
        assert_eq!(tag_url("+++"), "/tags/+++/");
        assert_eq!(
            category_feed_url("Machine Learning"),
            "/feed/machine%20learning.xml"
        );
        assert_eq!(tag_feed_url("Rust_lang"), "/feed/by_tag/Rust_lang.xml");
        assert_eq!(
            tag_feed_url("深度 学习/x"),
            "/feed/by_tag/%E6%B7%B1%E5%BA%A6%20%E5%AD%A6%E4%B9%A0-x.xml"
        );
        assert_eq!(index_page_url(1), "/");
        assert_eq!(index_page_url(3), "/page/3/");
    }

    #[test]
    fn slugify_modes() {
        assert_eq!(
            slugify("Hello World!", SlugMode::Pretty, true),
            "Hello-World!"
        );
        assert_eq!(
            slugify("Hello World!", SlugMode::Default, false),
            "hello-world"
        );
        assert_eq!(slugify("卷积 网络", SlugMode::Default, false), "卷积-网络");
    }
}
