//! Renders the 15 animations of the site five times and reports the median
//! time and each file's size. Run with `cargo bench --bench conv`, given
//! `[[bench]] name = "conv" harness = false` in Cargo.toml; a directory as
//! argument also receives the GIFs.
use std::time::{Duration, Instant};

use quire::conv::{Params, render_gif};

const PAPER: [(&str, u32, u32, u32, u32, u32, u32); 8] = [
    ("no_padding_no_strides", 4, 2, 0, 3, 1, 1),
    ("arbitrary_padding_no_strides", 5, 6, 2, 4, 1, 1),
    ("same_padding_no_strides", 5, 5, 1, 3, 1, 1),
    ("full_padding_no_strides", 5, 7, 2, 3, 1, 1),
    ("no_padding_strides", 5, 2, 0, 3, 2, 1),
    ("padding_strides", 5, 3, 1, 3, 2, 1),
    ("padding_strides_odd", 6, 3, 1, 3, 2, 1),
    ("dilation", 7, 3, 0, 3, 1, 2),
];

fn main() {
    let mut all = Vec::new();
    for (name, i, o, p, k, s, d) in PAPER {
        let params = Params::new(i, k, p, s, d).expect_output(o);
        all.push((name.to_string(), params));
        if d == 1 {
            all.push((format!("{name}_transposed"), params.transpose()));
        }
    }
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
