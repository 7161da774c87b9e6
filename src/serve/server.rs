//! The HTTP side: the built site under its base path, the live-reload script and events.
//!
//! Request paths are resolved here, by [`resolve`], before any file is touched: percent-decoded
//! once, then every segment must be a plain name (`..`, `\`, NUL are refused outright rather than
//! normalised), so no request, encoded or not, reaches outside the output folder. Files are then
//! sent by tower-http's `ServeFile` (content type, `Range`, conditional requests, `HEAD`),
//! except HTML, which is read here to inject the live-reload script.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use super::reload;
use super::status::Status;

#[derive(Clone)]
pub struct AppState {
    /// The output folder being served.
    pub root: PathBuf,
    pub status: watch::Receiver<Arc<Status>>,
    pub shutdown: watch::Receiver<bool>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(reload::SCRIPT_PATH, get(script))
        .route(reload::EVENTS_PATH, get(events))
        .route("/__quire/status", get(status))
        .fallback(site)
        .with_state(state)
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        reload::SCRIPT,
    )
        .into_response()
}

async fn events(State(state): State<AppState>) -> Response {
    let mut response = reload::events(state.status, state.shutdown).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn status(State(state): State<AppState>) -> Response {
    let status = state.status.borrow().clone();
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json((*status).clone()),
    )
        .into_response()
}

/// Where a request path leads in the output folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing slash: browsers must come back with one, or the
    /// page's relative links would resolve one level too high.
    Redirect(String),
    NotFound,
}

/// Resolves `path` (a request path, still percent-encoded) against `root` under `base`
/// (`""` or `/repo`), as GitHub Pages does: `/dir/` serves `dir/index.html`, `/dir` redirects
/// to `/dir/`, and `/page` serves `page.html` when there is no `page`.
pub fn resolve(root: &Path, base: &str, path: &str) -> Resolved {
    let Some(rest) = path.strip_prefix(base) else {
        return Resolved::NotFound;
    };
    if rest.is_empty() {
        return Resolved::Redirect(format!("{base}/"));
    }
    if !rest.starts_with('/') {
        return Resolved::NotFound;
    }
    let Some(decoded) = percent_decode(rest) else {
        return Resolved::NotFound;
    };
    let mut file = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Resolved::NotFound,
            s if s.contains(['\\', '\0']) => return Resolved::NotFound,
            s => file.push(s),
        }
    }
    // `push` of a plain name can still add a root or a prefix on some platforms; refuse both.
    if !file.strip_prefix(root).is_ok_and(|rel| {
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    }) {
        return Resolved::NotFound;
    }
    if file.is_dir() {
        if !decoded.ends_with('/') {
            return Resolved::Redirect(format!("{path}/"));
        }
        file.push("index.html");
    } else if !file.is_file() && file.extension().is_none() {
        file.set_extension("html");
    }
    if file.is_file() && stays_inside(root, &file) {
        Resolved::File(file)
    } else {
        Resolved::NotFound
    }
}

/// The output folder holds copies, not links, but a symlink in `static/` could still be copied
/// as one on some systems; whatever a path resolves to must be inside the folder.
fn stays_inside(root: &Path, file: &Path) -> bool {
    match (root.canonicalize(), file.canonicalize()) {
        (Ok(root), Ok(file)) => file.starts_with(root),
        _ => false,
    }
}

/// `%XX` → byte, once; the result must be UTF-8 (file names here are). A malformed escape is a
/// bad request path: `None`.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn site(State(state): State<AppState>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let (version, base) = {
        let s = state.status.borrow();
        (s.version, s.base_path.clone())
    };
    let path = req.uri().path().to_string();
    // The user site's root is not part of a project page; the preview sends it to the base.
    if !base.is_empty() && path == "/" {
        return redirect(&format!("{base}/"));
    }
    let root = state.root.clone();
    let resolved = tokio::task::spawn_blocking(move || resolve(&root, &base, &path))
        .await
        .unwrap_or(Resolved::NotFound);
    match resolved {
        Resolved::Redirect(to) => redirect(&to),
        Resolved::NotFound => not_found(&state.root, version).await,
        Resolved::File(file) if is_html(&file) => html(&file, StatusCode::OK, version).await,
        Resolved::File(file) => asset(&file, req).await,
    }
}

fn is_html(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "htm")
    )
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

/// A page, with the live-reload script. Never cached: the script carries the page's version,
/// and a stale copy would reload forever.
async fn html(file: &Path, code: StatusCode, version: u64) -> Response {
    match tokio::fs::read(file).await {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            (
                code,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                reload::inject(&text, version),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}: {e}", file.display()),
        )
            .into_response(),
    }
}

/// The site's `404.html` with status 404, or a bare page (still live, so the page appears by
/// itself once a build produces it).
async fn not_found(root: &Path, version: u64) -> Response {
    let page = root.join("404.html");
    if page.is_file() {
        return html(&page, StatusCode::NOT_FOUND, version).await;
    }
    let body = "<!DOCTYPE html><title>Not found</title><body><h1>404 Not found</h1></body>";
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        reload::inject(body, version),
    )
        .into_response()
}

/// Any other file, through tower-http; revalidated on every use so an edited image or
/// stylesheet shows on reload.
async fn asset(file: &Path, req: Request) -> Response {
    match tower_http::services::ServeFile::new(file)
        .try_call(req)
        .await
    {
        Ok(response) => {
            let mut response = response.map(Body::new);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}: {e}", file.display()),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        #[rustfmt::skip]
        let table = [
            ("/a%20b", Some("/a b")),
            ("/%E5%8D%B7", Some("/卷")),
            ("/%2e%2E", Some("/..")),
            ("/%252e", Some("/%2e")),
            ("/%zz", None),
            ("/%2", None),
            ("/%ff", None),
        ];
        for (input, want) in table {
            assert_eq!(percent_decode(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn paths_resolve_inside_the_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        for f in [
            "index.html",
            "a/index.html",
            "a/b.html",
            "about.html",
            "x.css",
            "卷积.html",
        ] {
            crate::fs::write(&root.join(f), "x").unwrap();
        }
        crate::fs::write(&dir.path().join("secret.txt"), "s").unwrap();
        let file = |p: &str| Resolved::File(root.join(p));
        #[rustfmt::skip]
        let table = [
            ("",  "/",                      file("index.html")),
            ("",  "/x.css",                 file("x.css")),
            ("",  "/a/",                    file("a/index.html")),
            ("",  "/a",                     Resolved::Redirect("/a/".into())),
            ("",  "/a/b.html",              file("a/b.html")),
            ("",  "/about",                 file("about.html")),
            ("",  "/%E5%8D%B7%E7%A7%AF.html", file("卷积.html")),
            ("",  "/missing.html",          Resolved::NotFound),
            ("",  "/../secret.txt",         Resolved::NotFound),
            ("",  "/a/../../secret.txt",    Resolved::NotFound),
            ("",  "/%2e%2e/secret.txt",     Resolved::NotFound),
            ("",  "/%2e%2e%2fsecret.txt",   Resolved::NotFound),
            ("",  "/..%5csecret.txt",       Resolved::NotFound),
            ("",  "/%00",                   Resolved::NotFound),
            ("",  "/%252e%252e/secret.txt", Resolved::NotFound),
            ("/repo", "/repo",              Resolved::Redirect("/repo/".into())),
            ("/repo", "/repo/",             file("index.html")),
            ("/repo", "/repo/a/b.html",     file("a/b.html")),
            ("/repo", "/repo/a",            Resolved::Redirect("/repo/a/".into())),
            ("/repo", "/a/b.html",          Resolved::NotFound),
            ("/repo", "/repository/",       Resolved::NotFound),
            ("/repo", "/repo/../secret.txt", Resolved::NotFound),
        ];
        for (base, path, want) in table {
            assert_eq!(resolve(&root, base, path), want, "{base} {path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_folder_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        crate::fs::write(&dir.path().join("secret.txt"), "s").unwrap();
        crate::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        assert_eq!(resolve(&root, "", "/link.txt"), Resolved::NotFound);
    }
}
