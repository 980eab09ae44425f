#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.
//! Helpers of the CLI's test suites.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The `scim-console` binary on a data directory — and, in the PostgreSQL pass of the tests,
/// on the database schema that belongs to that directory.
pub fn console(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-console"));
    command.arg("--data-dir").arg(dir);
    match scim_console_core::testing::test_database_url_blocking(dir).unwrap() {
        Some(url) => command.env("SCIM_CONSOLE_DATABASE_URL", url),
        None => command.env_remove("SCIM_CONSOLE_DATABASE_URL"),
    };
    command
}

/// A `scim-console serve` child process, killed when dropped.
pub struct Serving {
    /// The process.
    pub child: Child,
    /// The default configuration's SCIM base URL.
    pub base: String,
    /// Its token, printed on first start.
    pub token: Option<String>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve` on a free port: the default configuration's base URL, and its token on first start.
pub fn serve(dir: &Path) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-console"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--port", "0"])
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut token, mut first) = (String::new(), None, false);
    for line in lines.by_ref() {
        let line = line.unwrap();
        let line = line.trim();
        first |= line.starts_with("First start");
        if let Some(rest) = line.strip_prefix("SCIM base URL:") {
            rest.split_whitespace()
                .next()
                .unwrap()
                .clone_into(&mut base);
            if !first {
                break;
            }
        }
        if let Some(rest) = line.strip_prefix("Bearer token:") {
            token = Some(rest.trim().to_owned());
        }
        if line.contains("shown only now") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Serving { child, base, token }
}

/// A current-thread runtime with the TLS crypto provider installed.
pub fn runtime() -> tokio::runtime::Runtime {
    scim_console_server::tls::install_crypto_provider();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A SCIM request with a bearer token: its status and JSON body.
pub async fn scim(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
