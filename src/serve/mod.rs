//! `quire serve`: the local preview. Builds the site into a folder of its own in the cache
//! ([`scratch`]: never `_site/`, so it cannot disturb the built site or the sources), serves it over HTTP
//! under the configured base path, rebuilds on every save and makes open pages reload or show
//! what went wrong.
//!
//! The flow: [`watch`] (notify events → [`watch::Change`] batches) → [`rebuild`] (a build that
//! keeps its caches, see [`crate::incremental`]) → a [`status::Status`] on a watch channel →
//! [`server`] (files, with the script of [`reload`] injected into pages) and the events that
//! script listens to.

pub mod rebuild;
pub mod reload;
pub mod scratch;
pub mod server;
pub mod status;
pub mod watch;

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use crate::build::BuildOptions;
use crate::error::{Error, Result};
use crate::site::LoadOptions;
use status::Status;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub source: PathBuf,
    pub bind: IpAddr,
    /// 0 picks any free port (the address is printed).
    pub port: u16,
    pub load: LoadOptions,
    /// Open the site in the default browser once it is served.
    pub open: bool,
    /// Use the packed cache in `.quire-cache/` (off with `--no-cache`).
    pub cache: bool,
}

/// Serves until Ctrl-C (or SIGTERM), then removes the output folder and returns.
pub fn run(opts: &ServeOptions) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::System(format!("cannot start the server runtime: {e}")))?;
    let served = runtime.block_on(serve(opts));
    // Not waiting for a build still running (a stop during a cold first build): its thread
    // ends with the process, and the next preview clears what it wrote.
    runtime.shutdown_background();
    served
}

async fn serve(opts: &ServeOptions) -> Result<()> {
    if !opts.source.is_dir() {
        return Err(Error::Usage(format!(
            "{} is not a folder; pass the site folder with --source",
            opts.source.display()
        )));
    }
    // Bound first: a port in use should fail at once, not after a build.
    let listener = bind(SocketAddr::new(opts.bind, opts.port)).await?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::System(format!("cannot read the listening address: {e}")))?;

    // From here on a stop signal is the server's to handle (it removes the folder below).
    let mut signalled = Box::pin(stop_signal()?);
    let scratch = scratch::Scratch::take(&opts.source)?;
    let output = scratch.site().to_path_buf();
    let build_opts = BuildOptions {
        source: opts.source.clone(),
        output: output.clone(),
        load: opts.load.clone(),
        strict: false,
        cache: opts.cache,
        progress: false,
        contents: false,
    };

    let (watcher, changes) = watch::SourceWatcher::start(&opts.source)?;
    let mut rebuilder = rebuild::Rebuilder::new(build_opts.clone(), watcher.sender());
    // A stop during the first build (a cold one may take a while) stops at once.
    let first = tokio::select! {
        built = rebuilder.build() => built,
        _ = &mut signalled => {
            drop(scratch);
            println!("Stopped.");
            return Ok(());
        }
    };
    // Until a build succeeds, nothing is served under any base path but the root.
    let initial = rebuild::next_status(&Status::default(), &first);
    let base = initial.base_path.clone();
    rebuild::report(&[watch::Change::Config], &first, &initial);
    let (status_tx, status_rx) = tokio::sync::watch::channel(Arc::new(initial));
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);

    let url = format!("http://{addr}{base}/");
    // Tests and scripts read this line; keep its shape.
    println!("Serving {} at {url}", opts.source.display());
    println!("Output folder (removed on exit): {}", output.display());
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    if opts.open {
        open_browser(&url);
    }

    let rebuilding = tokio::spawn(rebuild::run(rebuilder, watcher, changes, status_tx));
    let app = server::router(server::AppState {
        root: output,
        bind: opts.bind,
        status: status_rx,
        shutdown: shutdown_rx,
    });
    let stop = async move {
        signalled.await;
        // Ends the event streams, or graceful shutdown would wait for every open page.
        let _ = shutdown_tx.send(true);
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| Error::System(format!("server error: {e}")));
    rebuilding.abort();
    let _ = rebuilding.await;
    drop(scratch);
    println!("Stopped.");
    served
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "port {} is already in use on {}; choose another with --port (for example --port {}, or --port 0 for any free port)",
                addr.port(),
                addr.ip(),
                addr.port().wrapping_add(1).max(1024)
            ),
            std::io::ErrorKind::PermissionDenied => format!(
                "not allowed to listen on port {}; choose a port above 1023 with --port",
                addr.port()
            ),
            std::io::ErrorKind::AddrNotAvailable => format!(
                "{} is not an address of this machine; choose another with --bind",
                addr.ip()
            ),
            _ => format!("cannot listen on {addr}: {e}"),
        };
        Error::Usage(why)
    })
}

/// Ctrl-C, SIGTERM (what `kill` and service managers send) or SIGHUP (the terminal closed).
/// Listening starts when this is called, not when the future is first polled: a signal that
/// came between the "Serving" line and the server's first poll would otherwise end the
/// process by the default action, leaving its folder behind.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|e| Error::System(format!("cannot listen for signals: {e}")))
        };
        let (mut int, mut term, mut hup) = (
            listen(SignalKind::interrupt())?,
            listen(SignalKind::terminate())?,
            listen(SignalKind::hangup())?,
        );
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("warning: could not open a browser ({program}: {e}); open {url} yourself");
    }
}
