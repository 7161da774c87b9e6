//! `quire check --external`: request each distinct http(s) URL once, a few at a time, each with
//! a time limit, so a slow or dead host costs at most the timeout and the check always ends.
//! Without a network every request fails the same way; that is said once, as a note, on top of
//! the per-link problems, instead of leaving the user to guess from a wall of DNS errors.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ureq::Agent;

use super::{CheckReport, Problem};

/// What requesting one URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx or 3xx (redirects are followed).
    Ok(u16),
    /// The server answered 4xx/5xx.
    Status(u16),
    /// No answer: DNS, connection, TLS, timeout, a malformed URL.
    Unreachable(String),
}

/// Requests every external target of `report` and adds a [`Problem`] for each reference whose
/// target failed.
pub fn check_all(report: &mut CheckReport, timeout: Duration, concurrency: usize) {
    let targets: Vec<String> = report
        .external_refs
        .iter()
        .map(|e| e.target.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    report.external = targets.len();
    if targets.is_empty() {
        return;
    }
    let outcomes = fetch_all(&targets, timeout, concurrency);
    let by_url: HashMap<&str, &Outcome> = targets
        .iter()
        .map(String::as_str)
        .zip(outcomes.iter())
        .collect();
    for e in &report.external_refs {
        let reason = match by_url.get(e.target.as_str()) {
            Some(Outcome::Status(429)) | Some(Outcome::Ok(_)) | None => continue,
            Some(Outcome::Status(code)) => format!("external URL answered HTTP {code}"),
            Some(Outcome::Unreachable(msg)) => format!("external URL unreachable: {msg}"),
        };
        report.problems.push(Problem {
            at: e.at.clone(),
            page: e.page.clone(),
            kind: e.kind,
            url: e.url.clone(),
            reason,
        });
    }
    let limited = outcomes
        .iter()
        .filter(|o| **o == Outcome::Status(429))
        .count();
    if limited > 0 {
        report.notes.push(format!(
            "{limited} external URLs answered 429 (rate limited); not counted as broken"
        ));
    }
    if outcomes
        .iter()
        .all(|o| matches!(o, Outcome::Unreachable(_)))
    {
        report.notes.push(format!(
            "none of the {} external URLs could be reached: is there a network connection? \
             (run without --external to check internal links only)",
            targets.len()
        ));
    }
}

/// Requests `urls` with at most `concurrency` in flight; outcomes in the order of `urls`.
pub fn fetch_all(urls: &[String], timeout: Duration, concurrency: usize) -> Vec<Outcome> {
    let agent: Agent = Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("quire-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; urls.len()]);
    let workers = concurrency.clamp(1, urls.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let outcome = fetch(&agent, url);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Unreachable("not requested".into())))
        .collect()
}

/// HEAD first (cheap); servers that refuse or mishandle HEAD get a GET whose body is not read.
fn fetch(agent: &Agent, url: &str) -> Outcome {
    let head = match agent.head(url).call() {
        Ok(resp) => resp.status().as_u16(),
        Err(e) => return Outcome::Unreachable(e.to_string()),
    };
    if head < 400 {
        return Outcome::Ok(head);
    }
    match agent.get(url).call() {
        Ok(resp) if resp.status().as_u16() < 400 => Outcome::Ok(resp.status().as_u16()),
        Ok(resp) => Outcome::Status(resp.status().as_u16()),
        Err(e) => Outcome::Unreachable(e.to_string()),
    }
}
