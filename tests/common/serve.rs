//! A `quire serve` child process for tests: started on a free port, read back from its output,
//! killed when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Long enough for a debug build of a cold site on a busy two-core machine; only a guard
/// against hanging, never a measured bound.
pub const STARTUP: Duration = Duration::from_secs(120);

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// The site's root URL, with the base path and a trailing slash.
    pub url: String,
    /// The private folder the server builds into.
    pub output: PathBuf,
    pub stderr: Arc<Mutex<String>>,
    pub stdout: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `quire serve --source SITE --port 0 EXTRA...` and waits for it to serve.
    pub fn start(site: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .arg("serve")
            .arg("--source")
            .arg(site)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start quire serve");
        let stderr = collect(child.stderr.take().unwrap(), None);
        let (lines_tx, lines_rx) = mpsc::channel();
        let stdout = collect(child.stdout.take().unwrap(), Some(lines_tx));
        let (mut url, mut output) = (None, None);
        let deadline = Instant::now() + STARTUP;
        while url.is_none() || output.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Serving ") {
                        url = rest.rsplit(" at ").next().map(str::to_string);
                    } else if let Some(rest) =
                        line.strip_prefix("Output folder (removed on exit): ")
                    {
                        output = Some(PathBuf::from(rest));
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "quire serve did not start\nstdout:\n{}\nstderr:\n{}",
                        stdout.lock().unwrap(),
                        stderr.lock().unwrap()
                    );
                }
            }
        }
        let url = url.unwrap();
        let origin = url
            .match_indices('/')
            .nth(2)
            .map_or(url.clone(), |(i, _)| url[..i].to_string());
        Server {
            child,
            origin,
            url,
            output: output.unwrap(),
            stderr,
            stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end (after a signal); `None` if it is still running after
    /// `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// GET `path` (absolute, e.g. `/repo/x.html`) without following redirects.
    pub fn get(&self, path: &str) -> Reply {
        get(&format!("{}{path}", self.origin))
    }

    /// Sends `path` exactly as given, bypassing any client-side URL normalisation: for
    /// requests a browser would never send (`/../x`).
    pub fn raw_get(&self, path: &str) -> Reply {
        let addr = self.origin.trim_start_matches("http://");
        self.raw_get_as(path, Some(addr))
    }

    /// Like [`Server::raw_get`] with the given `Host` header; `None` sends an HTTP/1.0 request
    /// without one.
    pub fn raw_get_as(&self, path: &str, host: Option<&str>) -> Reply {
        let addr = self.origin.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        match host {
            Some(host) => write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ),
            None => write!(stream, "GET {path} HTTP/1.0\r\n\r\n"),
        }
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_string(),
        }
    }

    /// Opens the live-reload event stream.
    pub fn events(&self) -> Events {
        Events::open(&format!("{}/__quire/events", self.origin))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a child's pipe to the end on a thread, keeping all of it and passing on each line.
fn collect(
    pipe: impl Read + Send + 'static,
    lines: Option<mpsc::Sender<String>>,
) -> Arc<Mutex<String>> {
    let all = Arc::new(Mutex::new(String::new()));
    let keep = Arc::clone(&all);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            keep.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(tx) = &lines {
                let _ = tx.send(line);
            }
        }
    });
    all
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn get(url: &str) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub data: serde_json::Value,
}

/// The live-reload event stream, read on a thread.
pub struct Events {
    rx: Receiver<Event>,
}

impl Events {
    pub fn open(url: &str) -> Events {
        let response = ureq::get(url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(response.into_body().into_reader());
            let (mut name, mut data) = (String::new(), String::new());
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("event:") {
                    name = n.trim().to_string();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                } else if line.is_empty() && !data.is_empty() {
                    let event = Event {
                        name: std::mem::take(&mut name),
                        data: serde_json::from_str(&std::mem::take(&mut data)).unwrap(),
                    };
                    if tx.send(event).is_err() {
                        break;
                    }
                }
            }
        });
        Events { rx }
    }

    /// The next event, or `None` if none comes within `limit`.
    pub fn next(&self, limit: Duration) -> Option<Event> {
        self.rx.recv_timeout(limit).ok()
    }

    /// Skips events until one satisfies `want`; `None` if none does within `limit`.
    pub fn wait_for(&self, limit: Duration, want: impl Fn(&Event) -> bool) -> Option<Event> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self.next(left)?;
            if want(&event) {
                return Some(event);
            }
        }
    }
}

/// A temp copy of the repository's site with `edit` applied to its site.toml text.
pub fn site_with_config(edit: impl FnOnce(&str) -> String) -> tempfile::TempDir {
    let dir = super::repo_site();
    let config = dir.path().join("site.toml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, edit(&text)).unwrap();
    dir
}

/// Appends `text` as a new paragraph at the end of a file.
pub fn append(path: &Path, text: &str) {
    // One write, as an editor's save is: the server must never see half of it.
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(format!("\n\n{text}\n").as_bytes()).unwrap();
}
