//! One post through the whole Markdown stage, as a build renders it: front matter split, the
//! formula prepass, KaTeX for every formula found, then `markdown::render` (CJK-friendly
//! emphasis, heading ids and TOC, syntect highlighting and `conv` blocks, math, East Asian line
//! breaks, HTML and excerpt). A panic is a bug, and so is a formula the render pass meets that
//! the prepass did not find (the reader would see an internal error instead of the math), or a
//! KaTeX error whose message did not come back ("Internal error: Unknown exception").
//!
//! Input: the post file's bytes (UTF-8 only). Run with `-max_len=4096`: KaTeX runs in QuickJS
//! and long inputs only make executions slower.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use quire::config::{MarkdownConfig, MathConfig};
use quire::content::{front_matter, load};
use quire::markdown::highlight::Highlighter;
use quire::markdown::math::MathCache;
use quire::markdown::{self, Input, Renderer};

static HIGHLIGHTER: LazyLock<Highlighter> = LazyLock::new(Highlighter::default);

fuzz_target!(
    init: {
        // The math cache renders on rayon's pool: one worker, so this stays one core.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
        LazyLock::force(&HIGHLIGHTER);
    },
    |data: &[u8]| {
        let Ok(file) = std::str::from_utf8(data) else {
            return;
        };
        let src = load::source(PathBuf::from("posts/2018-12-31-fuzz.md"), file.to_string());
        let body_offset = front_matter::split(&src.text).map_or(0, |s| s.body_offset);

        // A fresh cache per input: what one input rendered must not hide a bug in the next.
        let mut math = MathCache::new(&MathConfig::default());
        math.render_missing(&markdown::formulas(&src.text[body_offset..]));

        let config = MarkdownConfig::default();
        let renderer = Renderer {
            config: &config,
            math: &math,
            highlighter: &HIGHLIGHTER,
            lang: "en",
            posts: &Default::default(),
        };
        let out = markdown::render(
            &Input {
                path: Path::new("posts/2018-12-31-fuzz.md"),
                text: &src.text,
                body_offset,
                title: "",
                macros: &Default::default(),
            },
            &renderer,
        );
        for w in out.warnings.iter().chain(&out.errors) {
            let w = w.to_string();
            assert!(
                !w.contains("missing from math cache"),
                "the render pass met a formula the prepass did not find: {w}"
            );
            assert!(
                !w.contains("Unknown exception"),
                "KaTeX's message was lost on the way out of QuickJS: {w}"
            );
        }
    }
);
