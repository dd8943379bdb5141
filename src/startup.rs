//! Wiring: database, migrations, routes; and the server itself, on a listener the caller chose.

use std::net::SocketAddr;
use std::sync::Arc;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route, Server, get, handler, web::Data};
use sea_orm::DatabaseConnection;

use crate::api;
use crate::api::sign_in::{SignInThrottle, ThrottleSettings};
use crate::clock::{DemoClock, SharedClock};
use crate::service::AppState;
use crate::store;
use crate::web;

/// The pages use the API's sign-in throttle: one count of failed tokens for both.
impl web::SignInGate for SignInThrottle {
    fn check(&self, client: std::net::IpAddr) -> Result<(), u64> {
        SignInThrottle::check(self, client).map_err(|t| t.retry_after)
    }
    fn failed(&self, client: std::net::IpAddr) -> u64 {
        SignInThrottle::failed(self, client)
    }
}

/// `/`: a browser (asking for HTML) is led to the pages, anything else to the documentation
/// (`/docs`). Any other path at the root: a Dutch page for a browser, else the API's 404 pointing
/// at `/v1`. (`/` is answered here: poem's router gives it to the catch-all.)
async fn elsewhere(req: poem::Request) -> poem::Result<poem::Response> {
    if req.uri().path() == "/" {
        let to = if web::wants_html(&req) { "/start" } else { "/docs" };
        return Ok(poem::Response::builder()
            .status(poem::http::StatusCode::SEE_OTHER)
            .header(poem::http::header::LOCATION, to)
            .finish());
    }
    if web::wants_html(&req) {
        Ok(web::layout::error_page(None, poem::http::StatusCode::NOT_FOUND, None))
    } else {
        api::standards::not_at_root.call(req).await
    }
}

/// Connects, migrates, and returns the state every request shares.
pub async fn prepare(database_url: &str, clock: SharedClock) -> anyhow_free::Result<AppState> {
    let db: DatabaseConnection = store::connect(database_url).await?;
    store::migrate(&db).await?;
    crate::service::letters::render::install();
    Ok(AppState::new(db, clock))
}

/// Errors of starting up: the process reports them and exits.
pub mod anyhow_free {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}

#[handler]
fn openapi_json(state: Data<&AppState>) -> poem::Response {
    api::standards::openapi_response(api::spec_json(state.0.clone()))
}

pub fn app(state: AppState) -> impl Endpoint {
    app_with(state, ServeOptions::default())
}

/// What a server is started with beyond its state.
#[derive(Clone, Default)]
pub struct ServeOptions {
    /// The sign-in throttle's limits.
    pub sign_in: ThrottleSettings,
    /// The demo's rehearsal clock: mounts `POST /demo/clock` (only `serve --demo` sets it).
    pub demo: Option<DemoClock>,
    /// Body sizes and the time limit of the request guard (see `api::guard`).
    pub limits: api::guard::Limits,
    /// No access log: the in-process servers that seed the demo or rehearse a scenario would
    /// otherwise bury the lines a newcomer needs under hundreds of their own.
    pub quiet: bool,
}

/// The routes behind the request guard (body sizes, time limit, strict bodies; see `api::guard`),
/// with the sign-in throttle and the access log around everything and `API-Version` on every
/// answer; with a demo clock, also `POST /demo/clock`.
///
/// The API is served under `/v1` (`api::standards::BASE_PATH`), with its document
/// (`/v1/openapi.json`) and documentation (`/v1/docs`); `/`, `/health`, `/openapi.json` and
/// `/docs` answer at the root too. Any other path at the root is a 404 that points at `/v1`.
pub fn app_with(state: AppState, options: ServeOptions) -> impl Endpoint {
    // The mail worker renders a pending letter it reaches first (see `service::letters::render`).
    crate::service::letters::render::install();
    let spec = api::spec_value(state.clone());
    let guard = Arc::new(api::guard::Guard::new(&spec, options.limits));
    let service = api::service(state.clone());
    let docs = Arc::new(service.swagger_ui());
    let service = Arc::new(service.into_endpoint());
    let db = state.db.clone();
    let mut v1 = Route::new()
        .nest("/", service.clone())
        .at("/openapi.json", get(openapi_json))
        .nest("/docs", docs.clone());
    let mut route = web::mount(Route::new())
        .at("/health", service)
        .at("/openapi.json", get(openapi_json))
        .nest("/docs", docs);
    if let Some(clock) = options.demo {
        v1 = v1.at("/demo/clock", poem::post(api::demo::clock).data(clock.clone()));
        route = route.at("/demo/clock", poem::post(api::demo::clock).data(clock));
    }
    let route = route
        .nest(api::standards::BASE_PATH, v1.around(api::standards::located_under_base))
        .at("/*path", poem::endpoint::make(elsewhere));
    let throttle = Arc::new(SignInThrottle::new(options.sign_in));
    let gate: web::Gate = throttle.clone();
    let routes = route
        .data(state)
        .data(throttle)
        .data(gate)
        .catch_all_error(|err| async move { api::problem::fallback(err) })
        .with(poem::middleware::CatchPanic::new().with_handler(|_| api::problem::panicked()))
        .with(api::guard::GuardMiddleware(guard))
        .into_endpoint();
    // The access log outermost, so that the breaker's quick 503s and the guard's refusals are
    // logged.
    let logged = !options.quiet;
    api::breaker::guard(routes, db)
        .around(move |next, req| api::access_log::log_request(next, req, logged))
        .around(api::standards::version_header)
}

/// A running server: where it listens, and how to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl RunningServer {
    pub async fn stop(self) {
        self.shutdown.notify_one();
        let _ = self.handle.await;
    }
}

/// Binds (port 0 picks a free one) and serves in the background.
pub async fn spawn(state: AppState, bind: SocketAddr) -> std::io::Result<RunningServer> {
    spawn_with(state, bind, ServeOptions::default()).await
}

/// [`spawn`] without an access log: the servers a scenario rehearsal or the demo's seeding
/// starts in-process for their own requests.
pub async fn spawn_quiet(state: AppState, bind: SocketAddr) -> std::io::Result<RunningServer> {
    spawn_with(state, bind, ServeOptions { quiet: true, ..ServeOptions::default() }).await
}

/// [`spawn`] with other body limits or time limit (tests).
pub async fn spawn_with_limits(
    state: AppState,
    bind: SocketAddr,
    limits: api::guard::Limits,
) -> std::io::Result<RunningServer> {
    spawn_with(state, bind, ServeOptions { limits, ..ServeOptions::default() }).await
}

/// As [`spawn`], with the sign-in throttle's limits, the guard's limits and, for `serve --demo`,
/// the demo clock.
pub async fn spawn_with(
    state: AppState,
    bind: SocketAddr,
    options: ServeOptions,
) -> std::io::Result<RunningServer> {
    let acceptor = TcpListener::bind(bind.to_string()).into_acceptor().await?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| std::io::Error::other("the listener has no socket address"))?;
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let signal = shutdown.clone();
    let app = app_with(state, options);
    let handle = tokio::spawn(async move {
        Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, async move { signal.notified().await }, None)
            .await
    });
    Ok(RunningServer { addr, handle, shutdown })
}

/// The background tasks of `serve`: the scheduler loop, the mail worker and the letter worker.
pub struct Background {
    stop: tokio::sync::watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for h in self.handles {
            let _ = h.await;
        }
    }
}

/// Starts the scheduler (a tick every `scheduler_interval`), the delivery worker (SMTP when
/// configured, else `.eml` files in `outbox_dir`) and the letter worker (woken by a publication,
/// polling every `worker_interval` besides); returns a description of where mail goes.
pub fn spawn_background(
    state: AppState,
    mail: &crate::config::MailConfig,
) -> anyhow_free::Result<(Background, String)> {
    use crate::mail::worker::{self, FileTransport, SmtpTransport, Transport};
    let (transport, target): (Arc<dyn Transport>, String) = match &mail.smtp_url {
        Some(url) => (Arc::new(SmtpTransport::from_url(url)?), format!("SMTP {}", redact_url(url))),
        None => (
            Arc::new(FileTransport::new(&mail.outbox_dir)),
            format!("files in {}", mail.outbox_dir.display()),
        ),
    };
    let settings = worker::Settings {
        from: mail.from.clone(),
        reply_to: mail.reply_to.clone(),
        max_attempts: mail.max_attempts,
        ..worker::Settings::default()
    };
    let worker = worker::Worker::new(state.clone(), transport, settings)?;
    crate::service::letters::render::install();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let letters = crate::service::letters::render::run_loop(
        state.clone(),
        mail.worker_interval,
        stopped.clone(),
    );
    let handles = vec![
        tokio::spawn(crate::scheduler::run_loop(state, mail.scheduler_interval, stopped.clone())),
        tokio::spawn(worker.run_loop(mail.worker_interval, stopped)),
        tokio::spawn(letters),
    ];
    Ok((Background { stop, handles }, target))
}

/// A URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}
