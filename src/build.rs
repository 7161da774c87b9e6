//! The build pipeline: load → render Markdown (in parallel) → templates → write.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Location, Result};
use crate::markdown::highlight::{self, Highlighter};
use crate::markdown::math::{Formula, MathCache};
use crate::markdown::{self, Input, Rendered, Renderer};
use crate::output::{self, Copy, OutputFile};
use crate::pages::{self, KATEX_CDN_HREF, KATEX_CDN_INTEGRITY, KatexCss};
use crate::site::{LoadOptions, Site};
use crate::templates::{self, Templates};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: PathBuf,
    pub output: PathBuf,
    pub load: LoadOptions,
    /// KaTeX errors fail the build instead of being warnings.
    pub strict: bool,
}

impl BuildOptions {
    pub fn new(source: impl Into<PathBuf>) -> Self {
        let source = source.into();
        Self {
            output: source.join("_site"),
            source,
            load: LoadOptions::default(),
            strict: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct BuildReport {
    pub posts: usize,
    pub pages: usize,
    /// Distinct formulas in the site, and how many of them this build had to render.
    pub formulas: usize,
    pub formulas_rendered: usize,
    /// Problems that did not stop the build (KaTeX errors without `--strict`).
    pub warnings: Vec<Error>,
}

/// Builds the site at `opts.source` into `opts.output`.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    build_with_cache(opts, &mut MathCache::default())
}

/// As [`build`], reusing formulas rendered by earlier builds (the preview server's case).
pub fn build_with_cache(opts: &BuildOptions, math: &mut MathCache) -> Result<BuildReport> {
    output::check_output_dir(&opts.source, &opts.output)?;
    let site = Site::load(&opts.source, &opts.load)?;
    let templates =
        Templates::load(&opts.source, &site.base_path())?.with_site_url(&site.config.url);

    let formulas: Vec<Formula> = site
        .posts
        .par_iter()
        .flat_map_iter(|p| markdown::formulas(p.body()))
        .collect();
    math.reconfigure(&site.config.math);
    let formulas_rendered = math.render_missing(&formulas);

    let highlighter = Highlighter::default();
    let renderer = Renderer {
        config: &site.config.markdown,
        math,
        highlighter: &highlighter,
    };
    let rendered: Vec<Rendered> = site
        .posts
        .par_iter()
        .map(|p| {
            markdown::render(
                &Input {
                    path: &p.source,
                    text: &p.text,
                    body_offset: p.body_offset,
                },
                &renderer,
            )
        })
        .collect();
    let warnings: Vec<Error> = rendered
        .iter()
        .flat_map(|r| r.warnings.iter().map(clone_error))
        .collect();
    if opts.strict && !warnings.is_empty() {
        return Err(Error::Many(warnings));
    }

    let (katex, katex_copy) = katex_stylesheet(&site)?;
    let mut files = pages::render_all(&site, &rendered, &templates, katex)?;
    let page_count = files.len();
    files.extend(theme_assets(&site.root, &site.config)?);

    let mut copies = vec![
        Copy {
            from: site.root.join("static"),
            to: PathBuf::new(),
        },
        Copy {
            from: site.root.join("gif"),
            to: PathBuf::from("gif"),
        },
    ];
    copies.extend(katex_copy);
    crate::base_path::rewrite_site(&mut files, &copies, &site.base_path())?;
    output::write_site(&opts.output, &files, &copies)?;

    let mut distinct = formulas;
    distinct.sort();
    distinct.dedup();
    Ok(BuildReport {
        posts: site.posts.len(),
        pages: page_count,
        formulas: distinct.len(),
        formulas_rendered,
        warnings,
    })
}

/// Warnings are reported and also returned; `Error` is not `Clone` because of `io::Error`.
fn clone_error(e: &Error) -> Error {
    match e {
        Error::At { loc, message } => Error::at(loc.clone(), message.clone()),
        other => Error::Usage(other.to_string()),
    }
}

/// Files every site gets: the theme stylesheet (unless the site has its own), the syntax
/// highlighting stylesheet, `.nojekyll` (GitHub Pages must not run Jekyll on the output) and
/// `CNAME` when configured.
fn theme_assets(root: &Path, config: &Config) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for (name, text) in templates::DEFAULT_ASSETS {
        let own = root.join(templates::TEMPLATES_DIR).join(name);
        let contents = if own.is_file() {
            crate::fs::read_to_string(&own)?
        } else {
            text.to_string()
        };
        files.push(OutputFile {
            path: PathBuf::from(name),
            contents: contents.into_bytes(),
        });
    }
    files.push(OutputFile {
        path: "syntax.css".into(),
        contents: highlight::theme_css(&config.highlight)?.into_bytes(),
    });
    files.push(OutputFile {
        path: ".nojekyll".into(),
        contents: Vec::new(),
    });
    if let Some(cname) = config
        .cname
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        files.push(OutputFile {
            path: "CNAME".into(),
            contents: format!("{cname}\n").into_bytes(),
        });
    }
    Ok(files)
}

/// The CDN link by default; a local folder is copied to `/katex/` and linked from there.
fn katex_stylesheet(site: &Site) -> Result<(KatexCss, Option<Copy>)> {
    match site.config.math.stylesheet.as_deref() {
        None | Some("cdn") => Ok((
            KatexCss {
                href: KATEX_CDN_HREF.into(),
                integrity: Some(KATEX_CDN_INTEGRITY.into()),
            },
            None,
        )),
        Some(folder) => {
            let dir = site.root.join(folder);
            if !dir.join("katex.min.css").is_file() {
                return Err(Error::at(
                    Location::file(crate::config::CONFIG_FILE),
                    format!(
                        "math.stylesheet: {} has no katex.min.css (expected the folder of KaTeX's dist: katex.min.css and fonts/)",
                        dir.display()
                    ),
                ));
            }
            let href = crate::urls::with_base(&site.base_path(), "/katex/katex.min.css");
            Ok((
                KatexCss {
                    href,
                    integrity: None,
                },
                Some(Copy {
                    from: dir,
                    to: PathBuf::from("katex"),
                }),
            ))
        }
    }
}
