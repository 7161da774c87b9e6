//! Measures the preview's edit-to-page latency: `serve_latency QUIRE SITE POST [RUNS=20]`.
//!
//! Starts `QUIRE serve` on SITE (a copy: POST is edited), then RUNS times appends one line with
//! a fresh marker to POST and times from the moment the file is saved until a GET of the post's
//! page returns a body holding the marker. The page is fetched as soon as the server announces
//! a rebuild on its event stream (and then again every millisecond, should the text not be
//! there yet), so the figure is what a browser would see, minus its own reload. Two edits run
//! first, untimed, to learn the page's URL and to leave start-up work behind.
//!
//! Prints one line per run and a summary line: `median_ms=… min_ms=… p90_ms=… max_ms=…`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: serve_latency QUIRE SITE POST [RUNS=20]");
        return ExitCode::FAILURE;
    }
    let runs = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    match measure(
        Path::new(&args[0]),
        Path::new(&args[1]),
        Path::new(&args[2]),
        runs,
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve_latency: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn measure(quire: &Path, site: &Path, post: &Path, runs: usize) -> Result<(), String> {
    let post: PathBuf = site.join(post);
    let mut child = Command::new(quire)
        .args(["serve", "--port", "0", "--source"])
        .arg(site)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", quire.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let _serve = Serve(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = loop {
        let line = rx
            .recv_timeout(PATIENCE)
            .map_err(|_| "quire serve did not start")?;
        if let Some(rest) = line.strip_prefix("Serving ") {
            break rest.rsplit(" at ").next().unwrap_or_default().to_string();
        }
    };
    let origin = url
        .match_indices('/')
        .nth(2)
        .map_or(url.clone(), |(i, _)| url[..i].to_string());
    let events = Events::open(&format!("{origin}/__quire/events"))?;
    events.next()?; // the status on connecting

    // Learn the page's URL from what the first edit changed.
    append(&post, "Warm-up edit.")?;
    let changed = events.next_reload()?;
    let page = changed["changed"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .filter_map(|v| v.as_str())
                .find(|p| p.ends_with(".html"))
        })
        .ok_or_else(|| format!("no page in {changed}"))?
        .to_string();
    let page_url = format!("{origin}{page}");
    append(&post, "Second warm-up edit.")?;
    events.next_reload()?;

    let nonce = std::process::id();
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        std::thread::sleep(Duration::from_millis(100));
        let marker = format!("latency probe {i} {nonce}");
        let saved = Instant::now();
        append(&post, &marker)?;
        events.next_reload()?;
        loop {
            if get(&page_url)?.contains(&marker) {
                break;
            }
            if saved.elapsed() > PATIENCE {
                return Err(format!("{page_url} never showed {marker}"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let ms = saved.elapsed().as_secs_f64() * 1000.0;
        println!("run {i}: {ms:.1} ms");
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let median = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        (times[times.len() / 2 - 1] + times[times.len() / 2]) / 2.0
    };
    println!(
        "median_ms={median:.1} min_ms={:.1} p90_ms={:.1} max_ms={:.1} runs={}",
        times[0],
        at(0.9),
        times[times.len() - 1],
        times.len()
    );
    Ok(())
}

/// One write, as an editor's save.
fn append(path: &Path, line: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(format!("\n\n{line}\n").as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn get(url: &str) -> Result<String, String> {
    let mut r = ureq::get(url)
        .call()
        .map_err(|e| format!("GET {url}: {e}"))?;
    r.body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .map_err(|e| format!("GET {url}: {e}"))
}

/// The server's event stream: `(name, data)` pairs, read on a thread.
struct Events(mpsc::Receiver<(String, serde_json::Value)>);

impl Events {
    fn open(url: &str) -> Result<Events, String> {
        let response = ureq::get(url)
            .call()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(response.into_body().into_reader());
            let (mut name, mut data) = (String::new(), String::new());
            for line in reader.lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("event:") {
                    name = n.trim().to_string();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                } else if line.is_empty() && !data.is_empty() {
                    let value = serde_json::from_str(&std::mem::take(&mut data))
                        .unwrap_or(serde_json::Value::Null);
                    if tx.send((std::mem::take(&mut name), value)).is_err() {
                        break;
                    }
                }
            }
        });
        Ok(Events(rx))
    }

    fn next(&self) -> Result<(String, serde_json::Value), String> {
        self.0
            .recv_timeout(PATIENCE)
            .map_err(|_| "no event from the server".to_string())
    }

    /// The next `reload` event's status; a build error fails the measurement.
    fn next_reload(&self) -> Result<serde_json::Value, String> {
        loop {
            let (name, data) = self.next()?;
            if name == "reload" {
                return Ok(data);
            }
            if data["problems"].as_array().is_some_and(|p| !p.is_empty()) {
                return Err(format!("the build failed: {data}"));
            }
        }
    }
}
