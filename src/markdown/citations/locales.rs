//! CSL locales (the words "and", "et al.", "p." in each language). hayagriva parses all 64 of
//! its archived locales at once, which takes longer than formatting a site's citations, while
//! quire asks for two or three; those are kept in `.quire-cache/` and read back by later builds.

use std::path::Path;

use hayagriva::citationberg::{IndependentStyle, Locale};

use crate::cache_entry::Kind;

const ENTRY: Kind = Kind {
    name: "csl-locales",
    version: 1,
};

/// Inside the site's cache folder.
pub const CACHE_FILE: &str = ".quire-cache/csl-locales.json";

/// The locales a style can be asked for by quire: its own default, English (every style's
/// fallback) and Chinese (`lang = "zh…"`). hayagriva looks terms up through every locale it is
/// given, so fewer is also faster.
fn wanted(style: &IndependentStyle, code: &str) -> bool {
    code == "en-US" || code == "zh-CN" || style.default_locale.as_ref().is_some_and(|d| d.0 == code)
}

/// The locales for `style`, from the cache under `root` when it holds them (and written there
/// when not; a cache that cannot be written only costs the next build the parse).
pub fn for_style(style: &IndependentStyle, root: Option<&Path>) -> Vec<Locale> {
    // The archive is compiled into quire, so quire's version and the style's locale name it.
    let key = format!(
        "quire {} {:?}",
        env!("CARGO_PKG_VERSION"),
        style.default_locale
    );
    let path = root.map(|r| r.join(CACHE_FILE));
    if let Some(path) = &path
        && let Some(bytes) = ENTRY.read(path, &key)
        && let Ok(locales) = serde_json::from_slice::<Vec<Locale>>(&bytes)
    {
        return locales;
    }
    let locales: Vec<Locale> = hayagriva::archive::locales()
        .into_iter()
        .filter(|l| l.lang.as_ref().is_some_and(|c| wanted(style, &c.0)))
        .collect();
    if let Some(path) = &path
        && path.parent().is_some_and(Path::is_dir)
        && let Ok(json) = serde_json::to_vec(&locales)
    {
        let _ = ENTRY.write(path, &key, &json);
    }
    locales
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayagriva::archive::ArchivedStyle;
    use hayagriva::citationberg::Style;

    fn apa() -> IndependentStyle {
        match ArchivedStyle::AmericanPsychologicalAssociation.get() {
            Style::Independent(s) => s,
            Style::Dependent(_) => unreachable!(),
        }
    }

    #[test]
    fn the_cached_locales_are_the_parsed_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".quire-cache")).unwrap();
        let style = apa();
        let parsed = for_style(&style, Some(dir.path()));
        let codes: Vec<&str> = parsed
            .iter()
            .filter_map(|l| l.lang.as_ref().map(|c| c.0.as_str()))
            .collect();
        assert!(
            codes.contains(&"en-US") && codes.contains(&"zh-CN"),
            "{codes:?}"
        );
        assert!(codes.len() <= 3, "{codes:?}");
        assert!(dir.path().join(CACHE_FILE).is_file());
        assert_eq!(for_style(&style, Some(dir.path())), parsed);
        // A damaged entry is parsed afresh.
        std::fs::write(dir.path().join(CACHE_FILE), b"junk").unwrap();
        assert_eq!(for_style(&style, Some(dir.path())), parsed);
    }
}
