//! The HTTP side: the built site under its base path, the live-reload script and events.
//!
//! Request paths are resolved by [`resolve`], before any file is touched, with GitHub Pages'
//! rules as [`crate::urls::resolve`] decides them for `quire check` too: percent-decoded once,
//! then every segment must be a plain name (`..`, `\`, NUL are refused outright rather than
//! normalised), so no request, encoded or not, reaches outside the output folder. Files are then
//! sent by tower-http's `ServeFile` (content type, `Range`, conditional requests, `HEAD`),
//! except HTML, which is read here to inject the live-reload script.
//!
//! Every request, the event stream included, must be addressed to this machine by a name DNS
//! cannot move ([`host_allowed`]): otherwise a web page whose domain is re-pointed at 127.0.0.1
//! (DNS rebinding) would be same-origin with the preview and could read unpublished drafts.
//! No response body ever names a file on disk; the terminal gets the details instead.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use super::reload;
use super::status::Status;
use crate::urls::{self, resolve::Served};

#[derive(Clone)]
pub struct AppState {
    /// The output folder being served.
    pub root: PathBuf,
    /// The `--bind` address, which other machines (or the user) may name in `Host`.
    pub bind: IpAddr,
    pub status: watch::Receiver<Arc<Status>>,
    pub shutdown: watch::Receiver<bool>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(reload::SCRIPT_PATH, get(script))
        .route(reload::EVENTS_PATH, get(events))
        .route("/__quire/status", get(status))
        .fallback(site)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            only_local_hosts,
        ))
        .with_state(state)
}

/// Refuses, before any handler runs, a request whose `Host` (or absolute-form authority) is not
/// one [`host_allowed`] accepts. A request with neither (HTTP/1.0) is let through: browsers
/// always send `Host`, and only a browser page can be rebound, so a client without one is a
/// local tool that could as well read the output folder.
async fn only_local_hosts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    let authority = req.uri().authority().map(|a| a.as_str());
    let ok = second.is_none()
        && first.is_none_or(|h| h.to_str().is_ok_and(|h| host_allowed(h, state.bind)))
        && authority.is_none_or(|a| {
            // `user@host` is legal in an authority; only the host part names the server.
            host_allowed(a.rsplit('@').next().unwrap_or(a), state.bind)
        });
    if ok {
        return next.run(req).await;
    }
    (
        StatusCode::FORBIDDEN,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "403 Forbidden: the quire preview answers only requests addressed to localhost or an IP \
         address of this machine (so other web pages cannot read your drafts); open it as \
         http://localhost:PORT/ or http://127.0.0.1:PORT/\n",
    )
        .into_response()
}

/// Whether `host` (a `Host` header value: a name or IP literal, with an optional port) is one a
/// DNS-rebinding page cannot produce: `localhost`, a loopback address, the `--bind` address,
/// or, when bound to every interface (`0.0.0.0`, `::`), any IP literal, since those are how
/// other machines reach the preview. An IP literal cannot be re-pointed, so the port is not
/// checked (an `ssh -L 8000:localhost:4000` tunnel sends `localhost:8000`). Any other name,
/// `127.0.0.1.evil.example` included, is refused.
pub fn host_allowed(host: &str, bind: IpAddr) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let Some((inside, after)) = rest.split_once(']') else {
                return false;
            };
            match after.strip_prefix(':') {
                Some(port) => (inside, Some(port)),
                None if after.is_empty() => (inside, None),
                None => return false,
            }
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port_ok = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
    };
    if port.is_some_and(|p| !port_ok(p)) {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let ip = if host.starts_with('[') {
        name.parse::<Ipv6Addr>().map(IpAddr::V6)
    } else {
        name.parse::<Ipv4Addr>().map(IpAddr::V4)
    };
    ip.is_ok_and(|ip| ip.is_loopback() || ip == bind || bind.is_unspecified())
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

/// Resolves `path` (a request path, still percent-encoded) against the output folder `root`
/// of a site published under `base` (`""` or `/repo`).
pub fn resolve(root: &Path, base: &str, path: &str) -> Resolved {
    match urls::resolve::resolve(&Disk(root), base, path) {
        Served::Redirect(to) => Resolved::Redirect(to),
        Served::NotFound(_) => Resolved::NotFound,
        Served::File(rel) => match crate::output::inside(root, Path::new(&rel)) {
            Ok(file) if stays_inside(root, &file) => Resolved::File(file),
            _ => Resolved::NotFound,
        },
    }
}

/// The output folder as [`urls::resolve`] asks about it.
struct Disk<'a>(&'a Path);

impl urls::resolve::Files for Disk<'_> {
    fn is_file(&self, rel: &str) -> bool {
        self.0.join(rel).is_file()
    }

    fn is_dir(&self, rel: &str) -> bool {
        self.0.join(rel).is_dir()
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
    respond(&state.root, resolved, version, req).await
}

/// The answer for a resolved path. A rebuild may delete the file between [`resolve`] and the
/// read: that is a page that no longer exists, so 404, not an error.
async fn respond(root: &Path, resolved: Resolved, version: u64, req: Request) -> Response {
    match resolved {
        Resolved::Redirect(to) => redirect(&to),
        Resolved::NotFound => not_found(root, version).await,
        Resolved::File(file) if is_html(&file) => {
            match html(&file, StatusCode::OK, version).await {
                Ok(response) => response,
                Err(e) if is_gone(&e) => not_found(root, version).await,
                Err(e) => unreadable(&file, &e),
            }
        }
        Resolved::File(file) => asset(root, &file, req, version).await,
    }
}

fn is_html(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "htm")
    )
}

/// The file (or a folder on its way) was removed or replaced by a folder since it was resolved.
fn is_gone(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::IsADirectory
    )
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

/// A file that exists but cannot be read: the path and reason go to the terminal, where the
/// user is; the body names no path, since the page asking may not be the user's.
fn unreadable(file: &Path, e: &std::io::Error) -> Response {
    eprintln!("warning: cannot serve {}: {e}", file.display());
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "500 Internal Server Error: this file could not be read; the terminal running quire \
         serve says why\n",
    )
        .into_response()
}

/// A page, with the live-reload script. Never cached: the script carries the page's version,
/// and a stale copy would reload forever.
async fn html(file: &Path, code: StatusCode, version: u64) -> std::io::Result<Response> {
    let bytes = tokio::fs::read(file).await?;
    let text = String::from_utf8_lossy(&bytes);
    Ok((
        code,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        reload::inject(&text, version),
    )
        .into_response())
}

/// The site's `404.html` with status 404, or a bare page (still live, so the page appears by
/// itself once a build produces it). Read without checking first, so a `404.html` removed
/// meanwhile falls back to the bare page too.
async fn not_found(root: &Path, version: u64) -> Response {
    if let Ok(response) = html(&root.join("404.html"), StatusCode::NOT_FOUND, version).await {
        return response;
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
/// stylesheet shows on reload. tower-http's own 404 (the file vanished) is replaced by the
/// site's, as for any other missing path.
async fn asset(root: &Path, file: &Path, req: Request, version: u64) -> Response {
    match tower_http::services::ServeFile::new(file)
        .try_call(req)
        .await
    {
        Ok(response) if response.status() == StatusCode::NOT_FOUND => {
            not_found(root, version).await
        }
        Ok(response) => {
            let mut response = response.map(Body::new);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) if is_gone(&e) => not_found(root, version).await,
        Err(e) => unreadable(file, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn only_names_dns_cannot_move_are_accepted_as_host() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        #[rustfmt::skip]
        let table = [
            ("localhost",                local, true),
            ("localhost:4000",           local, true),
            ("LocalHost:4000",           local, true),
            ("127.0.0.1",                local, true),
            ("127.0.0.1:4000",           local, true),
            ("[::1]",                    local, true),
            ("[::1]:4000",               local, true),
            ("192.168.1.5:4000",         lan,   true),
            ("192.168.1.5",              lan,   true),
            ("192.168.1.5:4000",         local, false),
            ("10.0.0.7:4000",            any,   true),
            ("[fe80::1]:4000",           any,   true),
            ("evil.example",             local, false),
            ("evil.example:4000",        local, false),
            ("127.0.0.1.evil.example",   local, false),
            ("localhost.evil.example",   local, false),
            ("evil.example",             any,   false),
            ("",                         local, false),
            ("localhost:",               local, false),
            ("localhost:+80",            local, false),
            ("localhost:99999",          local, false),
            ("localhost:4000:1",         local, false),
            ("[::1",                     local, false),
            ("[::1]x",                   local, false),
            ("::1",                      local, false),
            ("[127.0.0.1]",              local, false),
        ];
        for (host, bind, want) in table {
            assert_eq!(host_allowed(host, bind), want, "{host} bound to {bind}");
        }
    }

    fn state(root: &Path) -> AppState {
        let (_, status) = watch::channel(Arc::new(Status::default()));
        let (_, shutdown) = watch::channel(false);
        AppState {
            root: root.to_path_buf(),
            bind: "127.0.0.1".parse().unwrap(),
            status,
            shutdown,
        }
    }

    async fn body_text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// One request through `app`. axum re-exports no `Service` trait, but its `ServiceExt` has
    /// it as supertrait, which a bound makes callable.
    async fn call<S>(app: &mut S, req: Request) -> Response
    where
        S: axum::ServiceExt<Request, Response = Response, Error = std::convert::Infallible>,
    {
        match app.call(req).await {
            Ok(response) => response,
        }
    }

    fn get(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).unwrap()
    }

    /// The file is removed after [`resolve`] found it, as a rebuild may do: the answer is the
    /// site's 404, and no body names the folder.
    #[tokio::test]
    async fn a_file_removed_after_resolving_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        crate::fs::write(&root.join("404.html"), "<body>the site's 404</body>").unwrap();
        for name in ["gone.html", "gone.css"] {
            crate::fs::write(&root.join(name), "x").unwrap();
            let resolved = resolve(&root, "", &format!("/{name}"));
            assert_eq!(resolved, Resolved::File(root.join(name)));
            std::fs::remove_file(root.join(name)).unwrap();
            let response = respond(&root, resolved, 1, get(&format!("/{name}"))).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
            let body = body_text(response).await;
            assert!(body.contains("the site's 404"), "{name}: {body}");
            assert!(!body.contains(&*dir.path().to_string_lossy()), "{body}");
        }

        // Without a 404.html (or once it is gone too), the bare page.
        std::fs::remove_file(root.join("404.html")).unwrap();
        let gone = Resolved::File(root.join("gone.html"));
        let response = respond(&root, gone, 1, get("/gone.html")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = body_text(response).await;
        assert!(body.contains("404 Not found"), "{body}");
        assert!(!body.contains(&*dir.path().to_string_lossy()), "{body}");
    }

    /// A file that is there but cannot be read (here a symlink loop, which even root cannot
    /// read) is the server's problem: 500, still with no path.
    #[cfg(unix)]
    #[tokio::test]
    async fn an_unreadable_file_is_an_error_that_names_no_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        crate::fs::create_dir_all(&root).unwrap();
        let page = root.join("loop.html");
        std::os::unix::fs::symlink(root.join("other.html"), &page).unwrap();
        std::os::unix::fs::symlink(&page, root.join("other.html")).unwrap();
        let response = respond(&root, Resolved::File(page), 1, get("/loop.html")).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_text(response).await;
        assert!(!body.contains(&*dir.path().to_string_lossy()), "{body}");
        assert!(body.contains("could not be read"), "{body}");
    }

    /// The router itself, the event stream and status included, refuses a foreign `Host`.
    #[tokio::test]
    async fn the_router_refuses_foreign_hosts_on_every_route() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        crate::fs::write(&root.join("index.html"), "<body>home</body>").unwrap();
        let mut app = router(state(&root));
        for path in [
            "/",
            "/index.html",
            "/__quire/events",
            "/__quire/status",
            "/__quire/live.js",
        ] {
            for host in [
                "evil.example",
                "evil.example:4000",
                "127.0.0.1.evil.example:4000",
            ] {
                let mut req = get(path);
                req.headers_mut()
                    .insert(header::HOST, HeaderValue::from_static(host));
                let response = call(&mut app, req).await;
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{host}{path}");
                assert!(body_text(response).await.contains("localhost"));
            }
        }
        let mut twice = get("/");
        twice
            .headers_mut()
            .append(header::HOST, HeaderValue::from_static("localhost"));
        twice
            .headers_mut()
            .append(header::HOST, HeaderValue::from_static("evil.example"));
        assert_eq!(call(&mut app, twice).await.status(), StatusCode::FORBIDDEN);
        let absolute = get("http://evil.example/");
        assert_eq!(
            call(&mut app, absolute).await.status(),
            StatusCode::FORBIDDEN
        );

        for host in ["localhost:4000", "127.0.0.1:4000", "[::1]:4000"] {
            let mut req = get("/");
            req.headers_mut()
                .insert(header::HOST, HeaderValue::from_static(host));
            let response = call(&mut app, req).await;
            assert_eq!(response.status(), StatusCode::OK, "{host}");
            assert!(body_text(response).await.contains("home"));
        }
        // No Host at all (HTTP/1.0): not a browser, so not a rebinding page.
        assert_eq!(call(&mut app, get("/")).await.status(), StatusCode::OK);
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
