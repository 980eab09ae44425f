//! Binding and serving: the application router, request logging (never headers or bodies, so
//! never a token), plain HTTP only on loopback, graceful shutdown that lets in-flight requests
//! finish.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine as _;
use rand::RngCore as _;
use scim_console_core::{Secret, Store};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::slow_clients::FirstBytes;
use crate::state::{AppState, Limits};
use crate::tls::{self, LoadedTls, TlsError, TlsSource};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to bind.
    pub bind: IpAddr,
    /// The port (0: any free port).
    pub port: u16,
    /// Request limits.
    pub limits: Limits,
    /// TLS; without it only loopback addresses may be bound.
    pub tls: Option<TlsSource>,
    /// The data directory, shown on the settings page.
    pub data_dir: Option<std::path::PathBuf>,
    /// Where the master key came from, shown on the settings page.
    pub master_key_source: Option<String>,
    /// The origin clients reach the server at (`https://scim.example.com`), when it differs from
    /// the bound address (behind a reverse proxy): the OAuth issuer and token endpoint name it,
    /// and JWT client assertions must be addressed to it. Never taken from a request's `Host`.
    pub public_origin: Option<PublicOrigin>,
    /// The OpenID Connect provider administrators sign in with.
    pub oidc: Option<crate::sso::OidcSettings>,
    /// A second address the same console answers on, over TLS (the desktop app's lab
    /// listener: its window stays on loopback, a lab network's tools reach this one).
    pub also: Option<ExtraListener>,
}

/// Another address serving the same console, always over TLS (so it may be any address).
#[derive(Debug, Clone)]
pub struct ExtraListener {
    /// The address to bind.
    pub bind: IpAddr,
    /// The port (0: any free port).
    pub port: u16,
    /// Its certificate.
    pub tls: TlsSource,
}

/// An origin clients use: `http(s)://host[:port]`, nothing after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    /// Reads `text` as an origin (a trailing `/` is dropped), or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(text.trim())
            .map_err(|e| format!("\"{text}\" is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("\"{text}\" must start with https:// (or http://)"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("\"{text}\" names no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("\"{text}\" must not hold credentials"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "\"{text}\" must be an origin only, without a path, query or fragment (e.g. https://scim.example.com)"
            ));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    /// The origin, e.g. `https://scim.example.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8444,
            limits: Limits::default(),
            tls: None,
            data_dir: None,
            master_key_source: None,
            public_origin: None,
            oidc: None,
            also: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP was asked for on an address other machines can reach.
    #[error(
        "refusing to serve plain HTTP on {0}: SCIM tokens would cross the network in clear. Add --tls-cert FILE --tls-key FILE or --tls-self-signed, or bind to 127.0.0.1 (the default) or ::1"
    )]
    PlainHttpOnNetwork(IpAddr),
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The store failed at start-up.
    #[error("{0}")]
    Store(#[from] scim_console_core::CoreError),
    /// The OpenID Connect provider's settings are not usable.
    #[error("single sign-on: {0}")]
    Oidc(String),
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    state: AppState,
    addr: SocketAddr,
    tls: Option<LoadedTls>,
    /// The second listener, its address and certificate, when there is one.
    extra: Option<(TcpListener, SocketAddr, LoadedTls)>,
}

/// A fresh random admin token (256 bits, base64url).
pub fn new_admin_token() -> Secret {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// `scheme://host:port` for a bound address.
fn origin_of(scheme: &str, addr: SocketAddr) -> String {
    let host = match addr.ip() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    format!("{scheme}://{host}:{}", addr.port())
}

/// The `Host` values a public origin arrives with: `host:port`, and the bare host when the
/// port is the scheme's default (browsers leave it out).
fn origin_hosts(origin: &PublicOrigin) -> Vec<String> {
    let Ok(url) = reqwest::Url::parse(origin.as_str()) else {
        return Vec::new();
    };
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    let mut hosts = Vec::new();
    if let Some(port) = url.port_or_known_default() {
        hosts.push(format!("{host}:{port}"));
    }
    if url.port().is_none() {
        hosts.push(host.to_owned());
    }
    hosts
}

/// Binds `addr`, saying which address could not be bound.
async fn listen(wanted: SocketAddr) -> Result<(TcpListener, SocketAddr), ServeError> {
    let listener = TcpListener::bind(wanted)
        .await
        .map_err(|source| ServeError::Bind {
            addr: wanted,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: wanted,
        source,
    })?;
    Ok((listener, addr))
}

/// The host names the admin API answers to when bound to `addr`.
fn admin_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ];
    let own = match addr.ip() {
        IpAddr::V4(ip) => format!("{ip}:{port}"),
        IpAddr::V6(ip) => format!("[{ip}]:{port}"),
    };
    if !hosts.contains(&own) {
        hosts.push(own);
    }
    hosts
}

impl Server {
    /// Binds the listener. Plain HTTP is refused on non-loopback addresses.
    pub async fn bind(store: Store, options: ServeOptions) -> Result<Self, ServeError> {
        if !options.bind.is_loopback() && options.tls.is_none() {
            return Err(ServeError::PlainHttpOnNetwork(options.bind));
        }
        let tls = options.tls.as_ref().map(tls::load).transpose()?;
        let (listener, addr) = listen(SocketAddr::new(options.bind, options.port)).await?;
        let extra = match &options.also {
            Some(also) => {
                let loaded = tls::load(&also.tls)?;
                let (listener, addr) = listen(SocketAddr::new(also.bind, also.port)).await?;
                Some((listener, addr, loaded))
            }
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        // Before serving: changes whose log record the last run did not write get one now.
        store.recover_log_records().await?;
        // The admin API answers to the bound addresses' names and to the public origin's.
        let mut hosts = admin_hosts(addr);
        let extra_origin = extra.as_ref().map(|(_, a, _)| origin_of("https", *a));
        if let Some((_, extra_addr, _)) = &extra {
            hosts.extend(admin_hosts(*extra_addr));
        }
        if let Some(public) = &options.public_origin {
            hosts.extend(origin_hosts(public));
        }
        hosts.sort();
        hosts.dedup();
        let mut state = AppState::new(store, new_admin_token(), options.limits, scheme, hosts);
        state.oidc = options
            .oidc
            .clone()
            .map(crate::sso::Oidc::new)
            .transpose()
            .map_err(ServeError::Oidc)?
            .map(std::sync::Arc::new);
        state.info = std::sync::Arc::new(crate::state::ServerInfo {
            bind: addr,
            origin: origin_of(scheme, addr),
            // Given, else the second listener's (the address others use), else the bound one.
            public_origin: options.public_origin.as_ref().map_or_else(
                || extra_origin.unwrap_or_else(|| origin_of(scheme, addr)),
                |o| o.as_str().to_owned(),
            ),
            public_origin_given: options.public_origin.is_some() || extra.is_some(),
            tls_fingerprint: tls
                .as_ref()
                .or(extra.as_ref().map(|(_, _, t)| t))
                .map(|t| t.fingerprint.clone()),
            data_dir: options.data_dir.clone(),
            master_key_source: options.master_key_source.clone(),
        });
        Ok(Self {
            listener,
            state,
            addr,
            tls,
            extra,
        })
    }

    /// The second listener's address, when there is one.
    pub fn extra_addr(&self) -> Option<SocketAddr> {
        self.extra.as_ref().map(|(_, addr, _)| *addr)
    }

    /// The origin identity providers and other machines are given (`--public-url`, else the
    /// second listener's, else the bound address's).
    pub fn public_origin(&self) -> &str {
        &self.state.info.public_origin
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The origin clients use, e.g. `http://127.0.0.1:8444`.
    pub fn origin(&self) -> String {
        origin_of(self.state.scheme, self.addr)
    }

    /// The admin link: opens a browser session of this run and lands on the UI.
    pub fn admin_link(&self) -> String {
        format!(
            "{}/login?token={}",
            self.origin(),
            self.state.admin_token.expose()
        )
    }

    /// A one-time sign-in link for the desktop's built-in local owner of the OS user `user`
    /// (created the first time): the desktop window opens it and is signed in as that owner.
    pub async fn local_owner_link(&self, user: &str) -> Result<String, ServeError> {
        let link = self.state.store.local_owner_sign_in_link(user).await?;
        Ok(format!(
            "{}/sign-in#code={}",
            self.origin(),
            link.code.expose()
        ))
    }

    /// The admin token of this run.
    pub fn admin_token(&self) -> &Secret {
        &self.state.admin_token
    }

    /// The SHA-256 fingerprint of the TLS certificate, when serving TLS (on either listener).
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.tls
            .as_ref()
            .or(self.extra.as_ref().map(|(_, _, t)| t))
            .map(|t| t.fingerprint.as_str())
    }

    /// The shared state (for embedding, e.g. the desktop shell).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and writes the
    /// provisioning log records still queued.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            state,
            tls,
            extra,
            ..
        } = self;
        let log_writer = state
            .log_writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let stop = state.stop.clone();
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let retention = tokio::spawn(retention_loop(state.store.clone(), state.stopping.clone()));
        let alerts = tokio::spawn(crate::alerting::alert_loop(
            state.store.clone(),
            state.alerts.clone(),
            state.stopping.clone(),
        ));
        let checkpoint = tokio::spawn(checkpoint_loop(
            state.store.clone(),
            state.logs.clone(),
            state.stopping.clone(),
        ));
        let instances = tokio::spawn(instances_loop(
            state.store.clone(),
            state.limiter.clone(),
            state.stopping.clone(),
        ));
        let backoff = tokio::spawn(crate::backoff::share(
            state.store.clone(),
            state.backoff.clone(),
            state.stopping.clone(),
        ));
        let store = state.store.clone();
        let limits = state.limits;
        let mut listeners = vec![(listener, tls)];
        listeners.extend(extra.map(|(listener, _, tls)| (listener, Some(tls))));
        let served = serve(listeners, app(state), limits, shutdown).await;
        retention.abort();
        alerts.abort();
        checkpoint.abort();
        instances.abort();
        backoff.abort();
        // Every request has finished and every sink is gone: the writer stores what is queued.
        // (If some could not be stored, the checkpoint stays before them: the next start
        // recovers their changes' records.)
        if let Some(writer) = log_writer
            && let Ok(true) = writer.await
        {
            // Every change of this run has its record: the next start need not look.
            if let Err(error) = store.mark_all_logged().await {
                tracing::warn!(%error, "could not write the provisioning log checkpoint");
            }
        }
        served
    }
}

/// Serves `app` on every listener until `shutdown` completes, then lets in-flight requests
/// finish (30 s at most); the first listener to fail stops the others.
async fn serve(
    listeners: Vec<(TcpListener, Option<LoadedTls>)>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handles: Vec<axum_server::Handle<SocketAddr>> = listeners
        .iter()
        .map(|_| axum_server::Handle::new())
        .collect();
    let stoppers = handles.clone();
    tokio::spawn(async move {
        shutdown.await;
        for stopper in stoppers {
            stopper.graceful_shutdown(Some(Duration::from_secs(30)));
        }
    });
    let mut serving = tokio::task::JoinSet::new();
    for ((listener, tls), handle) in listeners.into_iter().zip(handles.iter().cloned()) {
        serving.spawn(serve_one(listener, tls, app.clone(), limits, handle));
    }
    let mut result = Ok(());
    while let Some(done) = serving.join_next().await {
        let failed = match done {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error),
            Err(join) => Some(std::io::Error::other(join.to_string())),
        };
        if let Some(error) = failed
            && result.is_ok()
        {
            for handle in &handles {
                handle.graceful_shutdown(Some(Duration::from_secs(30)));
            }
            result = Err(error);
        }
    }
    result
}

/// Serves `app` on one listener, plain HTTP or TLS, until `handle` stops it.
async fn serve_one(
    listener: TcpListener,
    tls: Option<LoadedTls>,
    app: Router,
    limits: Limits,
    handle: axum_server::Handle<SocketAddr>,
) -> std::io::Result<()> {
    let listener = listener.into_std()?;
    let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)?
                .map(|acceptor| FirstBytes::new(acceptor, limits.header_read_timeout))
                .handle(handle);
            configure_connections(server.http_builder(), &limits);
            server.serve(service).await
        }
        Some(tls) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_config(tls.config);
            let mut server = axum_server::from_tcp_rustls(listener, config)?
                .map(|acceptor| {
                    FirstBytes::new(
                        acceptor.handshake_timeout(limits.header_read_timeout),
                        limits.header_read_timeout,
                    )
                })
                .handle(handle);
            configure_connections(server.http_builder(), &limits);
            server.serve(service).await
        }
    }
}

/// Connection hygiene, for plain HTTP and TLS alike: a client that does not finish sending a
/// request's headers in time (an idle kept-alive connection, a slow-loris) is disconnected,
/// and an HTTP/2 peer that stops answering pings too.
fn configure_connections(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &Limits,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(60))
        .keep_alive_timeout(Duration::from_secs(20));
}

/// How old an outbox row must be before the background recovery takes it for a lost record
/// (the log writer releases rows within seconds).
const OUTBOX_GRACE_US: i64 = 5 * 60 * 1_000_000;

/// How often the provisioning log's retention runs (and once a minute after start).
const RETENTION_EVERY: Duration = Duration::from_secs(600);

/// Applies every configuration's log retention, recovers records lost from the log queue and
/// refreshes the query planner's statistics, in the background until the server stops. Each
/// step is logged with its duration and the process's resident memory before and after it
/// (the soak reads them).
async fn retention_loop(store: Store, mut stopping: tokio::sync::watch::Receiver<bool>) {
    let mut wait = Duration::from_secs(60);
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopping.changed() => return,
        }
        // With PostgreSQL the changes of an instance that crashed get their records here too.
        let step = Step::start("recovery");
        let recovered = if store.dialect() == scim_console_core::db::Dialect::Postgres {
            store.recover_log_records().await
        } else {
            store.recover_log_outbox(OUTBOX_GRACE_US).await
        };
        step.end();
        if let Err(error) = recovered {
            tracing::error!(%error, "recovering provisioning log records from the outbox failed");
        }
        let step = Step::start("retention");
        let retention = store.apply_log_retention().await;
        step.end();
        match retention {
            Ok(r) if r.expired + r.surplus > 0 => {
                tracing::info!(
                    expired = r.expired,
                    surplus = r.surplus,
                    "provisioning log retention applied"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "provisioning log retention failed"),
        }
        // The query planner's statistics follow the tables as they grow (after an import, say).
        let step = Step::start("statistics");
        let optimized = store.optimize().await;
        step.end();
        if let Err(error) = optimized {
            tracing::warn!(%error, "refreshing the databases' statistics failed");
        }
        wait = RETENTION_EVERY;
    }
}

/// One step of the background pass, timed.
struct Step {
    name: &'static str,
    started: std::time::Instant,
    rss_before: Option<u64>,
}

impl Step {
    fn start(name: &'static str) -> Self {
        Self {
            name,
            started: std::time::Instant::now(),
            rss_before: status_kib("VmRSS:"),
        }
    }

    fn end(self) {
        tracing::info!(
            step = self.name,
            ms = self.started.elapsed().as_millis(),
            rss_kib_before = self.rss_before,
            rss_kib_after = status_kib("VmRSS:"),
            peak_kib = status_kib("VmHWM:"),
            "background pass"
        );
    }
}

/// A memory figure of the process in KiB: `VmRSS:` (resident now) or `VmHWM:` (its peak)
/// (Linux; `None` elsewhere).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// How often an instance on a shared database says it is alive and counts the others.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// Keeps this instance's share of the rate limit: the limit divided by the instances serving
/// from the same database (PostgreSQL; with SQLite there is one, and nothing to do).
async fn instances_loop(
    store: Store,
    limiter: std::sync::Arc<crate::scim::rate_limit::RateLimiter>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    if store.dialect() == scim_console_core::db::Dialect::Sqlite {
        return;
    }
    loop {
        match store.heartbeat().await {
            Ok(live) => limiter.set_instances(live),
            Err(error) => {
                tracing::warn!(%error, "could not count the instances sharing the database");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(HEARTBEAT_EVERY) => {}
            _ = stopping.changed() => return,
        }
    }
}

/// How far behind the present the running server vouches that changes have their records
/// (records are stored seconds after their request ends).
const CHECKPOINT_LAG_US: i64 = 60_000_000;

/// Every minute, writes down that changes made over a minute ago have their records, so that
/// start-up recovery after a crash looks only at the last minutes — never past a record the
/// log writer could not store yet.
async fn checkpoint_loop(
    store: Store,
    logs: scim_console_core::logs::writer::LogSink,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stopping.changed() => return,
        }
        let until =
            (store.now_us() - CHECKPOINT_LAG_US).min(logs.unstored_since().unwrap_or(i64::MAX));
        if let Err(error) = store.mark_logged_until(until).await {
            tracing::warn!(%error, "could not write the provisioning log checkpoint");
        }
    }
}

/// `//Users` (a tenant URL entered with a trailing slash) routes like `/Users`.
fn collapse_slashes(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.contains("//") {
        let mut collapsed = String::with_capacity(path.len());
        for c in path.chars() {
            if !(c == '/' && collapsed.ends_with('/')) {
                collapsed.push(c);
            }
        }
        let rebuilt = match request.uri().query() {
            Some(q) => format!("{collapsed}?{q}"),
            None => collapsed,
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

async fn log_request(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(), micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX), "request");
    response
}

/// The whole application: SCIM endpoint and admin API.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(crate::scim::router(state.clone()))
        .merge(crate::admin::router(state.clone()))
        .fallback(crate::ui::serve)
        .layer(middleware::from_fn(log_request))
        .with_state(state);
    Router::new().fallback_service(routes.map_request(collapse_slashes))
}

/// The console's own endpoint served on a loopback port for a run from the command line (the
/// admin API's runs use the server they run in).
pub struct LoopbackServer {
    origin: String,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl LoopbackServer {
    /// Starts serving `store` on a free loopback port.
    pub async fn start(store: &Store) -> Result<Self, ServeError> {
        let server = Server::bind(
            store.clone(),
            ServeOptions {
                port: 0,
                ..ServeOptions::default()
            },
        )
        .await?;
        let origin = server.origin();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            origin,
            stop,
            handle,
        })
    }

    /// Its origin (`http://127.0.0.1:PORT`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Stops it, after in-flight requests.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_slashes_collapse_and_the_query_survives() {
        let req = Request::builder()
            .uri("/scim/x/v2//Users?filter=a%20pr")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            collapse_slashes(req).uri().to_string(),
            "/scim/x/v2/Users?filter=a%20pr"
        );
    }

    #[test]
    fn a_public_origin_is_a_host_the_admin_api_answers_to() {
        let named = PublicOrigin::parse("https://scim.contoso.com").unwrap();
        assert_eq!(
            origin_hosts(&named),
            vec![
                "scim.contoso.com:443".to_owned(),
                "scim.contoso.com".to_owned()
            ]
        );
        let ported = PublicOrigin::parse("https://lab.contoso.com:8443").unwrap();
        assert_eq!(
            origin_hosts(&ported),
            vec!["lab.contoso.com:8443".to_owned()]
        );
    }

    #[test]
    fn admin_hosts_cover_loopback_names() {
        let hosts = admin_hosts("127.0.0.1:9000".parse().unwrap());
        assert!(
            hosts.contains(&"localhost:9000".to_owned())
                && hosts.contains(&"127.0.0.1:9000".to_owned())
        );
    }
}
