//! Writes a synthetic site for benchmarks: `cargo run --release --example gen_site -- DIR [POSTS]
//! [FORMULAS]` (defaults 1000 and 30). Deterministic, so two runs give byte-identical sites and
//! timings compare like with like.
//!
//! Each post has a title, a date, one of eight categories, headings, CJK and Latin prose, a code
//! block, and `FORMULAS` formulas: a third shared by every post (a real site repeats `\sum_i`),
//! the rest unique to the post, so a cold build pays for KaTeX the way a real one does.

use std::path::PathBuf;
use std::process::ExitCode;

const CATEGORIES: [&str; 8] = [
    "ml", "optim", "vision", "nlp", "prob", "linalg", "rl", "notes",
];

const SHARED: [&str; 10] = [
    r"\sum_{i=1}^n x_i",
    r"\frac{\partial L}{\partial w}",
    r"\mathbb{E}[X]",
    r"\sigma(z) = \frac{1}{1+e^{-z}}",
    r"\nabla_\theta J(\theta)",
    r"\|x\|_2",
    r"W \in \mathbb{R}^{m \times n}",
    r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
    r"p(y \mid x)",
    r"\lambda \|w\|_1",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // A flag is never a folder name (`gen_site --help` once wrote a site into `./--help`).
    let Some(dir) = args
        .first()
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
    else {
        eprintln!("usage: gen_site DIR [POSTS=1000] [FORMULAS=30]");
        return ExitCode::FAILURE;
    };
    let number = |i: usize, default: usize| match args.get(i) {
        None => Ok(default),
        Some(s) => s.parse::<usize>().map_err(|_| format!("not a number: {s}")),
    };
    let (posts, formulas) = match (number(1, 1000), number(2, 30)) {
        (Ok(p), Ok(f)) => (p, f),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("gen_site: {e}");
            return ExitCode::FAILURE;
        }
    };
    match write_site(&dir, posts, formulas) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_site: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

fn write_site(dir: &std::path::Path, posts: usize, formulas: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("posts"))?;
    std::fs::write(
        dir.join("site.toml"),
        "title = \"Generated\"\ndescription = \"A synthetic site for benchmarks.\"\n",
    )?;
    for n in 0..posts {
        let (name, text) = post(n, formulas);
        std::fs::write(dir.join("posts").join(name), text)?;
    }
    Ok(())
}

/// Post `n`: dated one day apart going back from 2024-12-31, so every URL is distinct.
fn post(n: usize, formulas: usize) -> (String, String) {
    let day = 19_722 - n as i64; // days since 1970-01-01; 19722 is 2023-12-31.
    let (y, m, d) = civil_from_days(day);
    let slug = format!("post-{n:04}");
    let category = CATEGORIES[n % CATEGORIES.len()];
    let mut text = format!(
        "---\ntitle: \"Post {n}: 第{n}篇笔记\"\ndate: {y:04}-{m:02}-{d:02} 10:00:00 +0000\ncategories: {category}\ntags: [bench, t{}]\n---\n",
        n % 13
    );
    text.push_str(&format!(
        "Post {n} opens with $x_{{{n}}}$ and a first paragraph that becomes the excerpt.\n\n"
    ));
    for k in 0..formulas {
        if k % 6 == 0 {
            text.push_str(&format!("## Section {k} 第{k}节\n\n"));
        }
        let tex = if k % 3 == 0 {
            SHARED[(n + k) % SHARED.len()].to_string()
        } else {
            format!(r"a_{{{n}}} + \frac{{{k}}}{{b_{{{n}}}}} = \sqrt{{c_{k}}}")
        };
        if k % 5 == 4 {
            text.push_str(&format!(
                "The identity below holds for post {n}.\n\n$$\n{tex}\n$$\n\n"
            ));
        } else {
            text.push_str(&format!(
                "深度学习中的公式 ${tex}$ appears in sentence {k}, with **bold** and `code`.\n\n"
            ));
        }
    }
    text.push_str("```python\ndef f(x):\n    return x * 2\n```\n");
    (format!("{y:04}-{m:02}-{d:02}-{slug}.md"), text)
}

/// Howard Hinnant's days → (year, month, day), so the generator needs no date crate.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_722), (2023, 12, 31));
        assert_eq!(civil_from_days(19_722 - 365), (2022, 12, 31));
    }
}
