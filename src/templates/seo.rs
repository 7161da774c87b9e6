//! `json_ld(…)`: a schema.org JSON-LD object for `<script type="application/ld+json">`, as
//! jekyll-seo-tag writes one (`BlogPosting` for a post, `WebSite` for the home page, `WebPage`
//! otherwise), escaped so that nothing in it can end the script element.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

pub struct JsonLd;

/// Arguments and the schema.org properties they fill; empty ones are left out.
const PROPERTIES: &[(&str, &str)] = &[
    ("headline", "headline"),
    ("name", "name"),
    ("url", "url"),
    ("description", "description"),
    ("date_published", "datePublished"),
    ("date_modified", "dateModified"),
    ("image", "image"),
    ("lang", "inLanguage"),
];

impl tera::Function for JsonLd {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let text = |name: &str| {
            args.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let kind = text("type").ok_or_else(|| {
            tera::Error::msg("json_ld() needs a `type` (BlogPosting, WebSite, WebPage, …)")
        })?;
        if let Some(unknown) = args.keys().find(|k| {
            !["type", "author"].contains(&k.as_str()) && !PROPERTIES.iter().any(|(a, _)| a == k)
        }) {
            return Err(tera::Error::msg(format!(
                "json_ld(): unknown argument `{unknown}`"
            )));
        }
        let mut obj = Map::new();
        obj.insert("@context".into(), json!("https://schema.org"));
        obj.insert("@type".into(), json!(kind));
        for (arg, property) in PROPERTIES {
            if let Some(v) = text(arg) {
                obj.insert((*property).into(), json!(v));
            }
        }
        if let Some(author) = text("author") {
            obj.insert("author".into(), json!({"@type": "Person", "name": author}));
        }
        if kind != "WebSite"
            && let Some(url) = text("url")
        {
            obj.insert(
                "mainEntityOfPage".into(),
                json!({"@type": "WebPage", "@id": url}),
            );
        }
        Ok(Value::String(script_safe(&Value::Object(obj).to_string())))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// JSON that can sit inside `<script>` as it is: `<`, `>` and `&` (so no `</script>` or
/// `<!--`) and the two line separators JavaScript once rejected are written as `\u` escapes,
/// which JSON parsers read back as the same characters. They occur in JSON text only inside
/// strings, where the escape is valid.
pub fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tera::Function;

    fn call(args: &[(&str, &str)]) -> tera::Result<String> {
        let args = args
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        JsonLd.call(&args).map(|v| v.as_str().unwrap().to_string())
    }

    #[test]
    fn blog_posting_is_valid_json_that_cannot_end_the_script() {
        let out = call(&[
            ("type", "BlogPosting"),
            ("headline", "a </script><!-- & b"),
            ("url", "https://x/a.html"),
            ("author", "Ann"),
            ("description", ""),
        ])
        .unwrap();
        assert!(
            !out.contains('<') && !out.contains('>') && !out.contains('&'),
            "{out}"
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["@type"], "BlogPosting");
        assert_eq!(v["headline"], "a </script><!-- & b");
        assert_eq!(v["author"]["name"], "Ann");
        assert_eq!(v["mainEntityOfPage"]["@id"], "https://x/a.html");
        assert!(v.get("description").is_none());
    }

    #[test]
    fn type_is_required_and_arguments_checked() {
        assert!(call(&[("headline", "x")]).is_err());
        assert!(call(&[("type", "WebSite"), ("titel", "x")]).is_err());
        let v: Value =
            serde_json::from_str(&call(&[("type", "WebSite"), ("url", "/")]).unwrap()).unwrap();
        assert!(v.get("mainEntityOfPage").is_none());
    }
}
