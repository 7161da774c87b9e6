//! The animation stage of the build: `gif/animations.toml` and the posts' `conv` blocks →
//! GIF files in the output, drawn through the on-disk cache so a rebuild draws nothing.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::conv::{self, Params};
use crate::error::{Error, Result, collect_all};
use crate::output::OutputFile;

pub const GIF_DIR: &str = "gif";
pub const MANIFEST: &str = "gif/animations.toml";
/// Beside the sources like Jekyll's `.jekyll-cache/`; ignored by git, safe to delete.
pub const CACHE_DIR: &str = ".quire-cache/gif";

/// The one place that decides where a `conv` block's animation is published.
pub fn conv_block_url(params: &Params) -> String {
    format!("/gif/conv-{}.gif", &conv::cache_key(params)[..16])
}

/// Reads the manifest (if any) into (output path, params).
pub fn manifest(root: &Path) -> Result<Vec<(PathBuf, Params)>> {
    let path = root.join(MANIFEST);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = crate::fs::read_to_string(&path)?;
    let animations =
        conv::parse_manifest(Path::new(MANIFEST), &text).map_err(Error::conv_unlocated)?;
    Ok(animations
        .into_iter()
        .map(|a| {
            (
                PathBuf::from(GIF_DIR).join(format!("{}.gif", a.name)),
                a.params,
            )
        })
        .collect())
}

#[derive(Debug, Default)]
pub struct Gifs {
    pub files: Vec<OutputFile>,
    /// How many had to be drawn (the rest came from the cache).
    pub drawn: usize,
}

/// Files in `gif/` other than the manifest, published as they are.
fn plain_files(root: &Path) -> Result<Vec<OutputFile>> {
    let dir = root.join(GIF_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| crate::fs::walk_error(&dir, e))?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if entry.file_type().is_file() && rel != Path::new(MANIFEST) {
            files.push(OutputFile {
                path: rel.to_path_buf(),
                contents: crate::fs::read(entry.path())?,
            });
        }
    }
    Ok(files)
}

/// Draws (or fetches from the cache) every animation the site needs, plus the other files of
/// `gif/`. A drawn animation replaces a file of the same name.
pub fn render(root: &Path, from_posts: &[Params]) -> Result<Gifs> {
    let mut wanted = manifest(root)?;
    for params in from_posts {
        let path = PathBuf::from(conv_block_url(params).trim_start_matches('/'));
        if !wanted.iter().any(|(p, _)| p == &path) {
            wanted.push((path, *params));
        }
    }
    let cache = root.join(CACHE_DIR);
    let done = collect_all(
        wanted
            .par_iter()
            .map(|(path, params)| {
                // Every animation here was checked where it was written (the manifest entry or
                // the post's block, which reported it at its line), so failing to draw one is a
                // bug, not something to blame on the manifest.
                let invalid = |e: conv::ConvError| {
                    Error::internal(format_args!("drawing {}: {e}", path.display()))
                };
                let (contents, drawn) = match conv::render_cached(params, &cache) {
                    Ok(r) => (r.gif, r.rendered),
                    // A cache that cannot be written (read-only checkout) only costs time.
                    Err(conv::ConvError::Io { .. }) => {
                        (conv::render_gif(params).map_err(invalid)?, true)
                    }
                    Err(e) => return Err(invalid(e)),
                };
                Ok((
                    OutputFile {
                        path: path.clone(),
                        contents,
                    },
                    drawn,
                ))
            })
            .collect(),
    )?;
    let drawn = done.iter().filter(|(_, drawn)| *drawn).count();
    let mut files: Vec<OutputFile> = plain_files(root)?
        .into_iter()
        .filter(|f| !wanted.iter().any(|(p, _)| p == &f.path))
        .collect();
    files.extend(done.into_iter().map(|(f, _)| f));
    Ok(Gifs { files, drawn })
}

/// The `<img>` that replaces a `conv` code block.
pub fn conv_block_html(params: &Params) -> Result<String, conv::ConvError> {
    let alt = conv::alt_text(params)?;
    Ok(format!(
        "<figure class=\"conv\"><img src=\"{}\" alt=\"{}\" width=\"150\"></figure>\n",
        conv_block_url(params),
        crate::html::escape(&alt)
    ))
}
