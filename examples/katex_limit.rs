//! The raw engine limit of a cold build: `katex_limit SITE` (a folder made by `gen_site`, or
//! any quire site).
//!
//! Collects the site's distinct formulas the way `quire build` does (quire's own `Site::load`
//! and Markdown stage: posts and `pages/`, titles included, each formula with its post's
//! macros), then renders every one with the `katex` crate on all cores: one rayon worker per
//! core (quire's build pool), each with its own QuickJS engine, and `math::opts`, the very
//! options quire passes (display mode, output type, macros, `throw_on_error`). Formulas over
//! `[math] max_formula_bytes` are skipped, as quire skips them.
//!
//! Only the rendering is timed: the collection and the engines' start-up (each worker loads
//! KaTeX once, before the clock starts) are printed apart. None of quire's own machinery (its
//! render threads and their time limit, the cache, the store) is on the timed path, so a
//! cold `quire build` cannot beat `wall_ms`; the closer it comes, the less quire adds.
//!
//! Prints `formulas=N wall_ms=M` on the first line, then `collect_ms=… engines_ms=…
//! threads=… errors=… skipped=… html_bytes=…`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

use quire::build::{self, thread_pool};
use quire::config::MathConfig;
use quire::incremental::posts::PostCache;
use quire::markdown::highlight::Highlighter;
use quire::markdown::math::{self, Formula, MathCache};
use quire::site::{LoadOptions, Site};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(site) = args.first().filter(|a| !a.starts_with('-')) else {
        eprintln!("usage: katex_limit SITE");
        return ExitCode::FAILURE;
    };
    match run(Path::new(site)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("katex_limit: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(root: &Path) -> Result<(), String> {
    let pool = thread_pool().map_err(|e| e.to_string())?;
    let start = Instant::now();
    let (formulas, config) = pool.install(|| collect(root))?;
    let collect_ms = start.elapsed().as_millis();

    let (formulas, skipped): (Vec<Formula>, Vec<Formula>) = formulas
        .into_iter()
        .partition(|f| f.tex.len() <= config.max_formula_bytes);
    // In the order and one per task, as quire hands them to its engines (`render_missing`).
    let mut ordered: Vec<&Formula> = formulas.iter().collect();
    math::longest_first(&mut ordered);
    let opts: Vec<katex::Opts> = ordered
        .iter()
        .map(|f| math::opts(f, &config))
        .collect::<Result<_, _>>()?;
    let jobs: Vec<(&str, &katex::Opts)> =
        ordered.iter().map(|f| f.tex.as_str()).zip(&opts).collect();

    // Every worker loads KaTeX into its engine before the clock starts.
    let start = Instant::now();
    pool.broadcast(|_| katex::render("").map(drop))
        .into_iter()
        .collect::<Result<Vec<()>, _>>()
        .map_err(|e| format!("KaTeX failed to load: {e}"))?;
    let engines_ms = start.elapsed().as_millis();

    let start = Instant::now();
    let (errors, html_bytes) = pool.install(|| {
        jobs.par_iter()
            .with_max_len(1)
            .map(|(tex, opts)| match katex::render_with_opts(tex, opts) {
                Ok(html) => (0, html.len()),
                Err(_) => (1, 0),
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let wall_ms = start.elapsed().as_millis();

    println!("formulas={} wall_ms={wall_ms}", formulas.len());
    println!(
        "collect_ms={collect_ms} engines_ms={engines_ms} threads={} errors={errors} skipped={} \
         html_bytes={html_bytes}",
        pool.current_num_threads(),
        skipped.len()
    );
    Ok(())
}

/// The distinct formulas of the site at `root`, gathered as `quire build` gathers them for its
/// KaTeX prepass (the same loading, inputs, renderer and parse), and its math options.
fn collect(root: &Path) -> Result<(Vec<Formula>, MathConfig), String> {
    let site = Site::load(root, &LoadOptions::default()).map_err(|e| e.to_string())?;
    let math = MathCache::new(&site.config.math);
    let highlighter = Highlighter::default();
    let post_index = site.post_index(&mut Default::default());
    let citations = build::citations(&site).map_err(|e| e.to_string())?;
    let no_macros = Default::default();
    let inputs = build::inputs(&site, &no_macros);
    let renderer = build::renderer(&site, &math, &highlighter, &post_index, &citations);
    let keys = quire::markdown::render_keys(&inputs, &renderer);
    let prepared = PostCache::default()
        .parse(&inputs, &keys, &renderer)
        .map_err(|e| e.to_string())?;
    let mut distinct: Vec<Formula> = prepared.formulas().to_vec();
    distinct.sort();
    distinct.dedup();
    Ok((distinct, site.config.math.clone()))
}
