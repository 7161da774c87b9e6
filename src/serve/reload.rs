//! Live reload: the script injected into served pages, and the server-sent events it listens
//! to. Server-sent events rather than a WebSocket because traffic is one way, browsers
//! reconnect by themselves after a server restart, and a test can read the stream as text.
//!
//! Events, each carrying the whole [`Status`] as JSON:
//! - `status`: first, on connecting;
//! - `reload`: a build changed the output (the status has a higher version);
//! - `problems`: a build failed, or succeeded without changing anything but the problems.
//!
//! The page knows the version it was served at, so one rule covers every case, including a
//! build that finished between the page load and the connection: a different version reloads,
//! the same version shows the problems (or clears them).

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

use super::status::Status;

pub const SCRIPT_PATH: &str = "/__quire/live.js";
pub const EVENTS_PATH: &str = "/__quire/events";
pub const SCRIPT: &str = include_str!("live.js");

/// The event stream for one page, ending when `shutdown` turns true so that a graceful
/// shutdown is not held up by open pages.
pub fn events(
    status: watch::Receiver<Arc<Status>>,
    mut shutdown: watch::Receiver<bool>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stopped = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    // The current status first, then each new one; `last` is the version the page last heard.
    let stream = futures_util::stream::unfold((status, None), |(mut rx, last)| async move {
        if last.is_some() {
            rx.changed().await.ok()?;
        }
        let status = Arc::clone(&rx.borrow_and_update());
        let name = event_name(last, &status);
        let data = serde_json::to_string(&*status).unwrap_or_else(|_| "{}".into());
        let event: Result<Event, Infallible> = Ok(Event::default().event(name).data(data));
        Some((event, (rx, Some(status.version))))
    })
    .take_until(stopped);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn event_name(last_version: Option<u64>, status: &Status) -> &'static str {
    match last_version {
        None => "status",
        Some(v) if v != status.version => "reload",
        Some(_) => "problems",
    }
}

/// Adds the live-reload script to an HTML page, just before `</body>` (or at the end of a page
/// without one), tagged with the version the page belongs to.
pub fn inject(html: &str, version: u64) -> String {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-quire-version=\"{version}\"></script>");
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + tag.len());
    out.push_str(&html[..at]);
    out.push_str(&tag);
    out.push_str(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_end() {
        let tag = "<script src=\"/__quire/live.js\" data-quire-version=\"7\"></script>";
        assert_eq!(
            inject("<p>a</p></BODY></html>", 7),
            format!("<p>a</p>{tag}</BODY></html>")
        );
        assert_eq!(
            inject("<pre></body></pre></body>", 7),
            format!("<pre></body></pre>{tag}</body>")
        );
        assert_eq!(inject("<p>卷积</p>", 7), format!("<p>卷积</p>{tag}"));
    }

    #[test]
    fn events_are_named_by_what_changed() {
        let s = |version| Status {
            version,
            ..Default::default()
        };
        assert_eq!(event_name(None, &s(3)), "status");
        assert_eq!(event_name(Some(3), &s(4)), "reload");
        assert_eq!(event_name(Some(4), &s(4)), "problems");
    }
}
