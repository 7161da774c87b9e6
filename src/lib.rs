//! quire: a static site generator for math-heavy technical writing.
//!
//! The pipeline, one module per stage: [`content`] (load posts, front matter, Jekyll dates and
//! URLs) → [`site`] (which posts are published) → [`markdown`] (Markdown, math, code, headings)
//! → [`pages`] + [`templates`] (Tera) → [`output`] (staged write, atomic swap).

/// The code this quire was compiled from (its version and a hash of its sources, see
/// `build.rs`): part of the key of everything it keeps between processes that its own code
/// makes, so another quire never reuses it.
pub const CODE_ID: &str = env!("QUIRE_CODE_ID");

pub mod allocator;
pub mod build;
pub mod cache_entry;
pub mod check;
pub mod config;
pub mod content;
pub mod conv;
pub mod deploy;
pub mod error;
pub mod fs;
pub mod gifs;
pub mod html;
pub mod incremental;
pub mod jekyll;
pub mod katex_assets;
pub mod markdown;
pub mod output;
pub mod pages;
pub mod progress;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod store;
pub mod sync;
pub mod templates;
pub mod urls;
