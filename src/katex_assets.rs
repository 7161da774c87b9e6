//! KaTeX 0.16.4's stylesheet, woff2 fonts and licence, compiled in so that the default
//! `[math] stylesheet` works offline and where the CDN is slow or blocked: without the
//! stylesheet every formula shows twice (MathML and unstyled HTML). The files come from
//! `assets/katex/fetch.sh`, which also explains the one change made to the CSS.

use std::path::PathBuf;

use crate::output::OutputFile;

/// Where the files go in the output, and the site path pages link.
pub const DIR: &str = "katex";
pub const STYLESHEET_PATH: &str = "/katex/katex.min.css";

pub const CSS: &str = include_str!("../assets/katex/katex.min.css");
/// MIT asks for the notice in every copy, and a deployed site is one.
pub const LICENSE: &str = include_str!("../assets/katex/LICENSE");

macro_rules! fonts {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../assets/katex/fonts/", $name)))),*]
    };
}

/// Every font the stylesheet references (a test holds the two lists equal), as
/// `(file name, bytes)`.
pub const FONTS: &[(&str, &[u8])] = fonts![
    "KaTeX_AMS-Regular.woff2",
    "KaTeX_Caligraphic-Bold.woff2",
    "KaTeX_Caligraphic-Regular.woff2",
    "KaTeX_Fraktur-Bold.woff2",
    "KaTeX_Fraktur-Regular.woff2",
    "KaTeX_Main-Bold.woff2",
    "KaTeX_Main-BoldItalic.woff2",
    "KaTeX_Main-Italic.woff2",
    "KaTeX_Main-Regular.woff2",
    "KaTeX_Math-BoldItalic.woff2",
    "KaTeX_Math-Italic.woff2",
    "KaTeX_SansSerif-Bold.woff2",
    "KaTeX_SansSerif-Italic.woff2",
    "KaTeX_SansSerif-Regular.woff2",
    "KaTeX_Script-Regular.woff2",
    "KaTeX_Size1-Regular.woff2",
    "KaTeX_Size2-Regular.woff2",
    "KaTeX_Size3-Regular.woff2",
    "KaTeX_Size4-Regular.woff2",
    "KaTeX_Typewriter-Regular.woff2",
];

/// The files under `katex/` in the output: the stylesheet, the fonts it references (browsers
/// fetch a font only when a formula uses it, so all are there), and the licence.
pub fn output_files() -> Vec<OutputFile> {
    let dir = PathBuf::from(DIR);
    let mut files = vec![
        OutputFile {
            path: dir.join("katex.min.css"),
            contents: CSS.as_bytes().to_vec(),
        },
        OutputFile {
            path: dir.join("LICENSE"),
            contents: LICENSE.as_bytes().to_vec(),
        },
    ];
    files.extend(FONTS.iter().map(|(name, bytes)| OutputFile {
        path: dir.join("fonts").join(name),
        contents: bytes.to_vec(),
    }));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A re-fetch that changes which fonts the CSS needs must change `FONTS` too.
    #[test]
    fn fonts_are_exactly_what_the_stylesheet_references() {
        let referenced: BTreeSet<&str> = crate::urls::extract::css_urls(CSS)
            .into_iter()
            .map(|r| &CSS[r])
            .collect();
        let shipped: BTreeSet<String> = FONTS.iter().map(|(n, _)| format!("fonts/{n}")).collect();
        let shipped: BTreeSet<&str> = shipped.iter().map(String::as_str).collect();
        assert_eq!(referenced, shipped);
    }

    /// Everything fetch.sh wrote and listed is compiled in, and nothing else.
    #[test]
    fn output_files_are_the_ones_in_sha256sums() {
        let sums = include_str!("../assets/katex/SHA256SUMS");
        let listed: BTreeSet<PathBuf> = sums
            .lines()
            .map(|l| PathBuf::from(DIR).join(l.split_whitespace().nth(1).unwrap()))
            .collect();
        let written: BTreeSet<PathBuf> = output_files().into_iter().map(|f| f.path).collect();
        assert_eq!(listed, written);
    }
}
