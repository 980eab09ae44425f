//! A real server on an ephemeral loopback port with a temporary data directory.
#![allow(dead_code, clippy::unwrap_used)] // Each test file uses part of the harness.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::{Client, Method, RequestBuilder, Response};
use scim_console_core::secrets::MasterKey;
use scim_console_core::time::Clock;
use scim_console_core::{Actor, Configuration, NewConfiguration, NewToken, Store};
use scim_console_server::tls::TlsSource;
use scim_console_server::{Limits, ServeOptions, Server};
use serde_json::Value;
use tokio::sync::oneshot;

/// A running server.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub origin: String,
    pub admin_token: String,
    pub config: Configuration,
    pub token: String,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(tempfile::tempdir().unwrap(), Limits::default()).await
    }

    pub async fn start_with(dir: tempfile::TempDir, limits: Limits) -> Self {
        Self::start_tls(dir, limits, None).await
    }

    pub async fn start_tls(dir: tempfile::TempDir, limits: Limits, tls: Option<TlsSource>) -> Self {
        Self::start_full(dir, limits, tls, None).await
    }

    /// A server whose store reads the time from `clock`.
    pub async fn start_with_clock(clock: std::sync::Arc<dyn Clock>) -> Self {
        Self::start_full(
            tempfile::tempdir().unwrap(),
            Limits::default(),
            None,
            Some(clock),
        )
        .await
    }

    async fn start_full(
        dir: tempfile::TempDir,
        limits: Limits,
        tls: Option<TlsSource>,
        clock: Option<std::sync::Arc<dyn Clock>>,
    ) -> Self {
        let (key, _) = MasterKey::load_with(dir.path(), None, false).unwrap();
        let mut store = scim_console_core::testing::open_test_store(dir.path())
            .await
            .unwrap()
            .with_master_key(&key);
        if let Some(clock) = clock {
            store = store.with_clock(clock);
        }
        let config = match store.find_configuration("default").await {
            Ok(c) => c,
            Err(_) => store
                .create_configuration(NewConfiguration::named("default"), &Actor::system())
                .await
                .unwrap(),
        };
        let token = store
            .create_token(
                config.id,
                &NewToken {
                    label: "tests".into(),
                    expires: None,
                },
                &Actor::system(),
            )
            .await
            .unwrap()
            .token
            .expose()
            .to_owned();
        let (origin, admin_token, stop, task) = Self::serve(store.clone(), limits, tls).await;
        Self {
            dir,
            store,
            origin,
            admin_token,
            config,
            token,
            client: {
                scim_console_server::tls::install_crypto_provider();
                Client::new()
            },
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Binds a server on `store` and runs it until told to stop.
    async fn serve(
        store: Store,
        limits: Limits,
        tls: Option<TlsSource>,
    ) -> (
        String,
        String,
        oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let server = Server::bind(
            store,
            ServeOptions {
                bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
                port: 0,
                limits,
                tls,
                ..ServeOptions::default()
            },
        )
        .await
        .unwrap();
        let origin = server.origin();
        let admin_token = server.admin_token().expose().to_owned();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        (origin, admin_token, stop, task)
    }

    /// Another instance serving this one's data (with PostgreSQL, its schema: the two behave as
    /// instances behind a load balancer), with the same configuration and token. Its `dir` is
    /// an empty directory of its own.
    pub async fn another_instance(&self) -> Self {
        let (key, _) = MasterKey::load_with(self.dir.path(), None, false).unwrap();
        let store = scim_console_core::testing::open_test_store(self.dir.path())
            .await
            .unwrap()
            .with_master_key(&key);
        let (origin, admin_token, stop, task) =
            Self::serve(store.clone(), Limits::default(), None).await;
        Self {
            dir: tempfile::tempdir().unwrap(),
            store,
            origin,
            admin_token,
            config: self.config.clone(),
            token: self.token.clone(),
            client: self.client.clone(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the server (in-flight requests finish) and returns its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        self.store.close().await;
        self.dir
    }

    pub fn base(&self) -> String {
        format!("{}/scim/{}/v2", self.origin, self.config.slug)
    }

    /// A SCIM request with this server's token.
    pub fn scim(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base()))
            .bearer_auth(&self.token)
    }

    /// The refused requests counted for the server's configuration, once at least `at_least` are
    /// (they reach the database about once a second): the total and the rows.
    pub async fn refusals(&self, at_least: i64) -> (i64, Value) {
        for _ in 0..200 {
            let (_, rows) = parts(
                self.admin(
                    Method::GET,
                    &format!("/api/logs/refusals?configuration={}", self.config.id),
                )
                .send()
                .await
                .unwrap(),
            )
            .await;
            let total = rows
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["count"].as_i64().unwrap())
                .sum();
            if total >= at_least {
                return (total, rows);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {at_least} refused requests were counted");
    }

    /// An admin API request with the admin token.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.origin))
            .bearer_auth(&self.admin_token)
    }
}

/// Sends a request with a SCIM JSON body.
pub async fn send_json(request: RequestBuilder, body: &Value) -> Response {
    request
        .header("content-type", "application/scim+json")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap()
}

/// Status and JSON body of a response (Null for an empty body).
pub async fn parts(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

/// A SCIM request as an identity provider sends it (its User-Agent; a body in `content_type`),
/// answered with its status and body. Every answer with a body must be `application/scim+json`.
pub async fn as_client(
    s: &TestServer,
    client: (&str, &str),
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (user_agent, content_type) = client;
    let mut request = s
        .scim(method, path)
        .header("user-agent", user_agent)
        .header("accept", "application/scim+json, application/json");
    if let Some(body) = body {
        request = request
            .header("content-type", content_type)
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.bytes().await.unwrap();
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    assert_eq!(
        kind.as_deref(),
        Some("application/scim+json"),
        "{path}: the answer's content type"
    );
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// A configuration made through the admin API, reached with its own token.
pub struct Connection {
    /// Its id.
    pub id: String,
    /// Its SCIM base URL.
    pub base: String,
    /// Its bearer token.
    pub token: String,
    /// The admin API's answer to its creation.
    pub created: Value,
}

/// Creates a configuration from `body` and a token for it, through the admin API.
pub async fn connection(s: &TestServer, body: Value) -> Connection {
    let (status, created) =
        parts(send_json(s.admin(Method::POST, "/api/configurations"), &body).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, token) = parts(
        send_json(
            s.admin(Method::POST, &format!("/api/configurations/{id}/tokens")),
            &serde_json::json!({"label": "test"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{token}");
    Connection {
        id,
        base: created["scimBaseUrl"].as_str().unwrap().to_owned(),
        token: token["token"].as_str().unwrap().to_owned(),
        created,
    }
}

impl Connection {
    /// A SCIM request with this configuration's token (a body unless `Null`).
    pub async fn call(
        &self,
        s: &TestServer,
        method: Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let mut request = s
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if !body.is_null() {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        parts(request.send().await.unwrap()).await
    }

    /// A SCIM GET.
    pub async fn get(&self, s: &TestServer, path: &str) -> (u16, Value) {
        self.call(s, Method::GET, path, &Value::Null).await
    }
}

/// Another process's hold on a SQLite database's write lock (here: a connection of the test's
/// own inside `BEGIN IMMEDIATE`), until [`WriteLock::release`].
pub struct WriteLock(sqlx::SqliteConnection);

impl WriteLock {
    /// Takes the write lock of the database file `file`.
    pub async fn take(file: &std::path::Path) -> Self {
        use sqlx::ConnectOptions as _;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(file)
            .connect()
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        Self(conn)
    }

    /// Lets go of it.
    pub async fn release(mut self) {
        use sqlx::Connection as _;
        sqlx::query("ROLLBACK").execute(&mut self.0).await.unwrap();
        self.0.close().await.unwrap();
    }
}
