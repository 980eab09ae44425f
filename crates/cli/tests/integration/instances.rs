//! Two `scim-console serve` processes on one PostgreSQL database behave as one server:
//! one userName created at once on both is created once, concurrent member changes to one
//! group are all kept, the live log of one shows what the other served, a token revoked from
//! the command line is refused by both on their next request, and a PostgreSQL restart under
//! load answers 503 with `Retry-After` and loses no acknowledged write. The test starts its own
//! PostgreSQL server (Debian's packages, a temporary directory), which it stops and restarts.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use scim_console_core::testing::{TempPostgres, fresh_schema};
use serde_json::{Value, json};

/// A running `serve` process, killed when dropped.
struct Instance {
    child: Child,
    origin: String,
    admin_token: String,
    /// The first start's bearer token, if this start created the configuration.
    token: Option<String>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    fn scim(&self) -> String {
        format!("{}/scim/default/v2", self.origin)
    }
}

fn start(dir: &std::path::Path, url: &str) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-console"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--port", "0", "--rate-limit", "0"])
        .env("SCIM_CONSOLE_DATABASE_URL", url)
        .env(
            "SCIM_CONSOLE_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut origin, mut admin_token, mut token) = (String::new(), String::new(), None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Admin API:") {
            rest.split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches("/api")
                .clone_into(&mut origin);
        }
        if let Some(rest) = line.strip_prefix("Admin token:") {
            rest.split_whitespace()
                .next()
                .unwrap()
                .clone_into(&mut admin_token);
        }
        if let Some(rest) = line.strip_prefix("Bearer token:") {
            token = Some(rest.trim().to_owned());
        }
        // The last line: the first start's note, or a later start's list of configurations.
        if line.contains("shown only now")
            || (line.starts_with("SCIM base URL:") && line.ends_with(')'))
        {
            break;
        }
    }
    // Keep reading, so that the server never writes into a full pipe.
    std::thread::spawn(move || for _ in lines {});
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
    Instance {
        child,
        origin,
        admin_token,
        token,
    }
}

fn client() -> reqwest::Client {
    scim_console_server::tls::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// What the writers of the restart see, shared with the test.
#[derive(Default)]
struct Outage {
    /// Users created (201) so far.
    created: AtomicUsize,
    /// Writes refused with 503 so far.
    refused: AtomicUsize,
    /// Set once PostgreSQL runs again.
    restarted: AtomicBool,
}

/// Creates users through `base` without pause until PostgreSQL has restarted and this writer
/// has had five creates acknowledged since; returns the userNames acknowledged. Any answer but
/// 201, or 503 with Retry-After and SCIM error JSON, fails the test.
async fn write_through_outage(
    http: reqwest::Client,
    base: String,
    token: String,
    writer: usize,
    outage: Arc<Outage>,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let mut after_restart = 0;
    let deadline = Instant::now() + Duration::from_secs(90);
    for n in 0.. {
        assert!(Instant::now() < deadline, "writer {writer} did not recover");
        let restarted = outage.restarted.load(Ordering::SeqCst);
        let name = format!("outage-{writer}-{n}@contoso.com");
        let answer = post(&http, &base, &token, "/Users", &json!({"userName": name})).await;
        match answer.status().as_u16() {
            201 => {
                acknowledged.push(name);
                outage.created.fetch_add(1, Ordering::SeqCst);
                if restarted {
                    after_restart += 1;
                    if after_restart == 5 {
                        break;
                    }
                }
            }
            503 => {
                assert!(
                    answer.headers().contains_key("retry-after"),
                    "writer {writer}: 503 without Retry-After"
                );
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["status"], "503", "{body}");
                outage.refused.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!(
                "writer {writer}: {other} {}",
                answer.text().await.unwrap_or_default()
            ),
        }
    }
    acknowledged
}

/// Waits (up to 60 s) until `done` holds.
async fn wait_until(done: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every userName the directory holds, read page by page.
async fn user_names(http: &reqwest::Client, base: &str, token: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut start = 1;
    loop {
        let page: Value = http
            .get(format!(
                "{base}/Users?attributes=userName&count=500&startIndex={start}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            return names;
        }
        start += resources.len();
        names.extend(
            resources
                .iter()
                .map(|r| r["userName"].as_str().unwrap().to_owned()),
        );
    }
}

#[tokio::test]
async fn two_instances_on_one_postgres_database_behave_as_one_server() {
    if scim_console_core::testing::test_postgres().is_some() {
        // It starts its own server: once, in the first pass, is enough.
        return;
    }
    let server = TempPostgres::start().unwrap();
    let url = fresh_schema(&server.url()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = start(dir.path(), &url);
    let b = start(dir.path(), &url);
    let token = a.token.clone().expect("the first start prints the token");
    assert!(b.token.is_none(), "the second instance created nothing");
    let http = client();

    // One userName created at once on both: exactly one 201.
    for round in 0..8 {
        let mut tasks = Vec::new();
        for (i, base) in [a.scim(), b.scim(), a.scim(), b.scim()]
            .into_iter()
            .enumerate()
        {
            let (http, token) = (http.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                post(&http, &base, &token, "/Users", &json!({"userName": format!("race{round}@contoso.com"), "externalId": format!("{i}")}))
                    .await
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409, 409, 409], "round {round}");
    }

    // Member changes to one group through both at once: all kept.
    let group = post(
        &http,
        &a.scim(),
        &token,
        "/Groups",
        &json!({"displayName": "Everyone"}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let group_id = group["id"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for i in 0..24 {
        let user = post(
            &http,
            &b.scim(),
            &token,
            "/Users",
            &json!({"userName": format!("member{i}")}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
        members.push(user["id"].as_str().unwrap().to_owned());
    }
    let mut tasks = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let base = if i % 2 == 0 { a.scim() } else { b.scim() };
        let (http, token, group_id, member) = (
            http.clone(),
            token.clone(),
            group_id.clone(),
            member.clone(),
        );
        tasks.push(tokio::spawn(async move {
            http.patch(format!("{base}/Groups/{group_id}"))
                .bearer_auth(&token)
                .header("content-type", "application/scim+json")
                .body(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": member}]}]
                }).to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == 200 || status == 204, "{status}");
    }
    let stored: Value = http
        .get(format!("{}/Groups/{group_id}", b.scim()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["members"].as_array().unwrap().len(), members.len());

    // B's live log shows a request that A served.
    let mut stream = http
        .get(format!("{}/api/logs/stream", b.origin))
        .bearer_auth(&b.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let created = post(
        &http,
        &a.scim(),
        &token,
        "/Users",
        &json!({"userName": "seen-on-b@contoso.com"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = String::new();
    while !seen.contains("seen-on-b@contoso.com") {
        assert!(
            Instant::now() < deadline,
            "B's live log never showed A's request: {seen}"
        );
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await
        {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    drop(stream);

    // PostgreSQL restarts under load: four writers (two per instance) create users without
    // pause while it stops and starts again. Every answer is 201, or 503 with Retry-After and
    // SCIM error JSON; both instances recover by themselves, and every acknowledged write is
    // there.
    let outage = Arc::new(Outage::default());
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let base = [&a, &b][w % 2].scim();
            tokio::spawn(write_through_outage(
                http.clone(),
                base,
                token.clone(),
                w,
                Arc::clone(&outage),
            ))
        })
        .collect();
    // Writes are running on both instances before the stop.
    wait_until(
        || outage.created.load(Ordering::SeqCst) >= 20,
        "writes before the stop",
    )
    .await;
    server.stop().unwrap();
    wait_until(
        || outage.refused.load(Ordering::SeqCst) >= 8,
        "503s during the outage",
    )
    .await;
    server.start_again().unwrap();
    outage.restarted.store(true, Ordering::SeqCst);
    let mut acknowledged = BTreeSet::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    let stored = user_names(&http, &b.scim(), &token).await;
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    assert!(
        acknowledged.len() >= 20 + 4 * 5,
        "{} acknowledged",
        acknowledged.len()
    );

    // A token revoked from the command line is refused by both on their next request.
    let id = token.split('_').nth(1).unwrap();
    let revoked = Command::new(env!("CARGO_BIN_EXE_scim-console"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["token", "revoke", "--config", "default", "--id", id])
        .env("SCIM_CONSOLE_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    for instance in [&a, &b] {
        let status = http
            .get(format!("{}/Users", instance.scim()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }
}
