//! Renders the 15 animations of the site five times and reports the median
//! time and each file's size. Run with `cargo bench --bench conv`, given
//! `[[bench]] name = "conv" harness = false` in Cargo.toml; a directory as
//! argument also receives the GIFs.
use std::time::{Duration, Instant};

use quire::conv::{Params, parse_manifest, render_gif};

fn main() {
    // The site's own manifest, so the bench measures exactly what `quire build` draws.
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/gif/animations.toml");
    let text = std::fs::read_to_string(manifest).expect("gif/animations.toml");
    let all: Vec<(String, Params)> = parse_manifest(std::path::Path::new(manifest), &text)
        .expect("valid manifest")
        .into_iter()
        .map(|a| (a.name, a.params))
        .collect();
    // `cargo bench` passes `--bench`; the first other argument is a directory.
    let out = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut runs: Vec<Duration> = Vec::new();
    let mut per: Vec<Vec<Duration>> = vec![Vec::new(); all.len()];
    let mut sizes = vec![0; all.len()];
    for _ in 0..5 {
        let start = Instant::now();
        for (n, (name, params)) in all.iter().enumerate() {
            let t = Instant::now();
            let bytes = render_gif(params).expect("renders");
            per[n].push(t.elapsed());
            sizes[n] = bytes.len();
            if let Some(dir) = &out {
                std::fs::write(format!("{dir}/{name}.gif"), &bytes).expect("writes");
            }
        }
        runs.push(start.elapsed());
    }
    runs.sort();
    for (n, (name, _)) in all.iter().enumerate() {
        per[n].sort();
        println!(
            "{name:34} {:>7} bytes {:>8.1} ms",
            sizes[n],
            per[n][2].as_secs_f64() * 1e3
        );
    }
    println!(
        "all 15: median {:.1} ms (min {:.1}, max {:.1}); total {} bytes",
        runs[2].as_secs_f64() * 1e3,
        runs[0].as_secs_f64() * 1e3,
        runs[4].as_secs_f64() * 1e3,
        sizes.iter().sum::<usize>()
    );
}
