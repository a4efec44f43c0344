//! `licit serve`: the decision service (axum on tokio). Every policy given is loaded once,
//! shared by name, decided from any number of requests at once, and reloaded when its files
//! change; every decision carries its receipt. Also the playground at `/`.
//!
//! Invariant: a request never panics the server and never answers 500 for bad input: a case
//! that does not fit is a 422 with the diagnostics the CLI prints, a request that is not
//! well-formed a 400, a body over the limit a 413, a search past its deadline a 503.

mod ask;
mod batch;
mod describe;
mod errors;
mod metrics;
mod playground;
mod routes;
mod rulebooks;
mod sent;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::api::decision_log::DecisionLog;
pub use errors::ServeError;
use metrics::Metrics;
use rulebooks::Served;

/// How the service is run.
pub struct ServeOptions {
    /// The policies to serve.
    pub paths: Vec<PathBuf>,
    /// Where to listen; loopback by default.
    pub addr: SocketAddr,
    /// Where the example cases the playground offers are (`GET /v1/examples`).
    pub examples: Option<PathBuf>,
    /// Append every decision's receipt and verdict here (JSONL).
    pub decision_log: Option<PathBuf>,
    /// How long a search (why-not, what-if, diff) may take before the request is answered 503.
    pub search_timeout: Duration,
    /// The largest request body, in bytes (a batch is streamed and not bounded by it).
    pub body_limit: usize,
    /// Parameters set by `--param name=value`, checked by the command line: each is set in
    /// every served rulebook that declares it, at load and at every reload.
    pub params: Vec<(String, String)>,
}

/// What every request shares.
pub(crate) struct State {
    rulebooks: Vec<Arc<Served>>,
    metrics: Metrics,
    /// The example cases, by name (the file name without `.json`), with their text.
    examples: Vec<(String, String)>,
    decision_log: Option<Mutex<DecisionLog>>,
    search_timeout: Duration,
    body_limit: usize,
    /// At most this many searches run at once: each holds a core.
    searches: Arc<tokio::sync::Semaphore>,
}

impl State {
    fn rulebook(&self, name: &str) -> Result<&Arc<Served>, ServeError> {
        self.rulebooks
            .iter()
            .find(|served| served.name == name)
            .ok_or_else(|| ServeError::UnknownRulebook {
                name: name.to_string(),
                known: self
                    .rulebooks
                    .iter()
                    .map(|served| format!("`{}`", served.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Appends one line to the decision log, if there is one: the decision is given out only
    /// once it is written.
    fn log(&self, line: &str) -> Result<(), ServeError> {
        let Some(log) = &self.decision_log else {
            return Ok(());
        };
        let mut log = match log.lock() {
            Ok(log) => log,
            Err(poisoned) => poisoned.into_inner(),
        };
        log.append_line(line).map_err(|error| {
            tracing::error!(path = %error.path, reason = %error.reason, "the decision log cannot be written");
            ServeError::CannotLog {
                path: error.path,
                reason: error.reason,
            }
        })
    }
}

/// Why the service could not start.
#[derive(Debug)]
pub enum StartError {
    /// A policy does not load or check: its diagnostics.
    Policy(Vec<crate::report::diagnostic::Diagnostic>),
    /// Something else, in words (an address in use, a log that cannot be opened).
    Other(String),
}

/// Loads the policies, binds the address, prints `listening on http://ADDR` as the first line
/// of standard output, and serves until SIGTERM or ctrl-c.
pub fn run(options: ServeOptions) -> Result<(), StartError> {
    // The log begins before anything is read: the examples left out are logged.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LICIT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .try_init();
    let mut rulebooks: Vec<Arc<Served>> = Vec::new();
    for path in &options.paths {
        let served = Served::load(path, &options.params).map_err(StartError::Policy)?;
        let name = rulebooks::unique_name(&rulebooks, &served.name);
        rulebooks.push(Arc::new(served.renamed(name)));
    }
    let examples = match &options.examples {
        Some(dir) => read_examples(dir),
        None => Vec::new(),
    };
    let decision_log = match &options.decision_log {
        Some(path) => Some(Mutex::new(DecisionLog::open(path).map_err(|error| {
            StartError::Other(format!(
                "cannot open the decision log `{}`: {}",
                error.path, error.reason
            ))
        })?)),
        None => None,
    };
    let cores = crate::api::batch::max_jobs();
    let state = Arc::new(State {
        rulebooks,
        metrics: Metrics::default(),
        examples,
        decision_log,
        search_timeout: options.search_timeout,
        body_limit: options.body_limit,
        searches: Arc::new(tokio::sync::Semaphore::new(cores.max(1))),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| StartError::Other(format!("cannot start: {error}")))?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|error| {
                StartError::Other(format!(
                    "cannot listen on {}: {}",
                    options.addr,
                    crate::project::io_reason(&error)
                ))
            })?;
        let bound = listener
            .local_addr()
            .map_err(|error| StartError::Other(error.to_string()))?;
        // The first line of standard output: tests and scripts read the port from it.
        println!("listening on http://{bound}");
        {
            use std::io::Write;
            let _ = std::io::stdout().flush();
        }
        let _watcher = watch::start(state.clone());
        for served in &state.rulebooks {
            tracing::info!(
                rulebook = %served.name,
                sha256 = %served.current().rulebook.sha256(),
                "serving `{}`",
                served.path.display()
            );
        }
        let app = routes::router(state.clone());
        serve_connections(listener, app, shutdown()).await;
        tracing::info!("stopped");
        Ok(())
    });
    // Requests in flight have finished; what may still run is a search whose deadline passed
    // and whose answer nobody awaits. Stop without waiting for it (dropping the runtime would
    // wait, for minutes if it is a long diff).
    runtime.shutdown_timeout(Duration::from_millis(500));
    served
}

/// How long a client may take to send a request's headers (and, on a connection kept open,
/// to begin its next request): a client that sends them a byte at a time, or never, held its
/// connection, and with thousands of them every file descriptor, so that no one else could
/// connect (slowloris).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections open at once; a connection past them is closed at once, so that the
/// descriptors the service needs for its policies and its decision log are never all taken.
const MAX_CONNECTIONS: usize = 4096;

/// Accepts connections and serves `app` on each (HTTP/1.1) until `shutdown` resolves; then
/// accepts no more and lets the requests in flight finish. Each connection must send its
/// headers within [`HEADER_TIMEOUT`], and at most [`MAX_CONNECTIONS`] are open at once.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // moment rather than spin, as hyper and axum do.
                    tracing::warn!("cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!("{MAX_CONNECTIONS} connections are open: one more is closed");
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut closing = closing.subscribe();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            let io = hyper_util::rt::TokioIo::new(stream);
            let mut connection = std::pin::pin!(builder.serve_connection(io, service));
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closing.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
        });
    }
    let _ = closing.send(true);
    // Every connection gives its slot back when it ends: all of them back, all have ended.
    let _ = slots.acquire_many(MAX_CONNECTIONS as u32).await;
}

/// Resolves on ctrl-c or SIGTERM: requests in flight finish, new ones are refused.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The `.json` files of a folder, by name, sorted. A file that cannot be read, that is not a
/// regular file (a FIFO is not waited on), or that a link takes outside the folder is left
/// out, with a warning in the log.
fn read_examples(dir: &std::path::Path) -> Vec<(String, String)> {
    use crate::project::{Files, OsFiles};
    let entries = match OsFiles.list(dir) {
        Ok(entries) => entries,
        Err(error) => {
            tracing::warn!("no examples: {error}");
            return Vec::new();
        }
    };
    let folder = OsFiles.identity(dir);
    let mut examples: Vec<(String, String)> = Vec::new();
    for (path, _) in entries {
        let Some(name) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".json"))
        else {
            continue;
        };
        if !OsFiles.identity(&path).starts_with(&folder) {
            tracing::warn!(
                "example `{}` left out: it links outside `{}`",
                path.display(),
                dir.display()
            );
            continue;
        }
        match OsFiles.read_regular(&path) {
            Ok(text) => examples.push((name.to_string(), text)),
            Err(error) => tracing::warn!("example `{}` left out: {error}", path.display()),
        }
    }
    examples.sort();
    examples
}
