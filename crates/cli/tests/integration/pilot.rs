//! Pilot runs end to end: a console (`--data-dir` A) registers a second `scim-console serve`
//! on loopback (data directory B) as a remote target, tests it, and provisions users from a CSV
//! file into it behaving like Entra ID and like Okta — dry run, create, update, unchanged —
//! then against a target that answers 429 and one that dies mid-run. The target's token never
//! reaches a file of the console's data directory (database, log) nor its output.
//!
//! `cargo xtask test` also runs the first test inside `dbus-run-session` with an unlocked
//! gnome-keyring (`SCIM_CONSOLE_EXPECT_KEYCHAIN=1`): the credential must then be in the
//! keychain. Without a session bus (`=0`, or unset) it is sealed in the database.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::console;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = console(dir);
    command
        .args(args)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .env_remove("SCIM_CONSOLE_TARGET_TOKEN");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// `pilot run` with the configuration `Pilot`'s plan, from `csv` into `target`.
fn pilot(console: &Path, csv: &str, target: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "pilot", "run", "--plan", "Pilot", "--source", csv, "--target", target,
    ];
    args.extend_from_slice(extra);
    cli(console, &args, &[])
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A second console serving on a free loopback port: the process, its SCIM base URL and the
/// first token it printed.
struct Remote {
    child: Child,
    base: String,
    token: String,
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str]) -> Remote {
    let mut child = console(dir)
        .args(["serve", "--port", "0"])
        .args(extra)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut token) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("SCIM base URL:") {
            rest.trim().clone_into(&mut base);
        }
        if let Some(rest) = line.trim().strip_prefix("Bearer token:") {
            rest.trim().clone_into(&mut token);
        }
        if line.contains("shown only now") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    Remote { child, base, token }
}

fn get(base: &str, token: &str, path: &str) -> Value {
    scim_console_server::tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

/// Every file under `dir`, read whole (database, WAL, log database, master key…).
fn files_contain(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

const USERS: &str = "userPrincipalName,mail,givenName,surname,displayName,department,IsSoftDeleted
ada@contoso.com,ada@contoso.com,Ada,Lovelace,Ada Lovelace,Engineering,False
grace@contoso.com,grace@contoso.com,Grace,Hopper,Grace Hopper,Navy,False
alan@contoso.com,alan@contoso.com,Alan,Turing,Alan Turing,Research,False
";

fn users_csv(n: usize) -> String {
    let mut csv = String::from("userPrincipalName,mail,givenName,surname,IsSoftDeleted\n");
    for i in 0..n {
        writeln!(
            csv,
            "user{i}@contoso.com,user{i}@contoso.com,User,Number{i},False"
        )
        .unwrap();
    }
    csv
}

fn console_with_target(console: &Path, remote: &Remote, name: &str) {
    let out = cli(console, &["config", "create", "Pilot"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = cli(
        console,
        &["target", "add", "--name", name, "--url", &remote.base],
        &[("SCIM_CONSOLE_TARGET_TOKEN", &remote.token)],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn pilot_run_into_a_second_console_with_credentials_in_the_keychain() {
    let remote_dir = tempfile::tempdir().unwrap();
    let console = tempfile::tempdir().unwrap();
    let remote = serve(remote_dir.path(), &[]);
    let out = cli(console.path(), &["config", "create", "Pilot"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    // The credential: from the environment into the keychain (or sealed), never echoed.
    let out = cli(
        console.path(),
        &[
            "target",
            "add",
            "--name",
            "Staging app",
            "--url",
            &remote.base,
        ],
        &[("SCIM_CONSOLE_TARGET_TOKEN", &remote.token)],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains(&remote.token), "target add echoed the token");
    match std::env::var("SCIM_CONSOLE_EXPECT_KEYCHAIN").as_deref() {
        Ok("1") => assert!(said.contains("is in the OS keychain"), "{said}"),
        Ok("0") => assert!(said.contains("sealed in the database"), "{said}"),
        _ => assert!(said.contains("keychain"), "{said}"),
    }
    // A second target of the same name is refused (exit 4).
    let out = cli(
        console.path(),
        &[
            "target",
            "add",
            "--name",
            "staging APP",
            "--url",
            &remote.base,
        ],
        &[("SCIM_CONSOLE_TARGET_TOKEN", "x")],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let list: Value =
        serde_json::from_slice(&cli(console.path(), &["target", "list", "--json"], &[]).stdout)
            .unwrap();
    assert_eq!(list[0]["name"], "Staging app");
    assert_eq!(list[0]["auth"]["kind"], "bearer");
    // Test connection on the stored target.
    let out = cli(console.path(), &["target", "test", "Staging app"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("The connection works."));
    let csv = console.path().join("users.csv");
    std::fs::write(&csv, USERS).unwrap();
    let csv = csv.to_str().unwrap();
    // Dry run: queries only.
    let out = pilot(console.path(), csv, "Staging app", &["--dry-run", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["counts"]["wouldCreate"], 3, "{report}");
    assert_eq!(report["behavedAs"], "entra");
    let listed = get(&remote.base, &remote.token, "/Users");
    assert_eq!(listed["totalResults"], 0, "a dry run writes nothing");
    // The run: three creates, Entra-shaped.
    let out = pilot(console.path(), csv, "Staging app", &[]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("3 users: 3 created, 0 updated"), "{said}");
    assert!(
        !said.contains(&remote.token),
        "the token in the run's output"
    );
    let ada = get(
        &remote.base,
        &remote.token,
        "/Users?filter=userName%20eq%20%22ada@contoso.com%22",
    );
    let ada = &ada["Resources"][0];
    assert_eq!(ada["name"]["familyName"], "Lovelace");
    assert_eq!(ada["emails"][0]["value"], "ada@contoso.com");
    assert_eq!(ada["active"], true);
    assert_eq!(
        ada["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Engineering"
    );
    // Change one user: the next run updates only that attribute of that user.
    std::fs::write(
        console.path().join("users.csv"),
        USERS.replace("Navy,False", "Navy Reserve,False"),
    )
    .unwrap();
    let out = pilot(console.path(), csv, "Staging app", &["--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["counts"]["updated"], 1, "{report}");
    assert_eq!(report["counts"]["unchanged"], 2, "{report}");
    let grace = &report["users"][1];
    assert_eq!(grace["userName"], "grace@contoso.com");
    assert_eq!(grace["action"], "updated");
    assert_eq!(
        grace["attributes"],
        serde_json::json!([
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ])
    );
    // Behaving like Okta: the update is a PUT of the whole user; soft delete via Entra's flag.
    std::fs::write(
        console.path().join("users.csv"),
        "login,email,firstName,lastName,displayName,department\nalan@contoso.com,alan@contoso.com,Alan,Turing,Alan M. Turing,Research\n",
    )
    .unwrap();
    let out = pilot(
        console.path(),
        csv,
        "Staging app",
        &["--as", "okta", "--json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["behavedAs"], "okta");
    assert_eq!(report["users"][0]["action"], "updated", "{report}");
    let remote_log: Value = serde_json::from_slice(
        &cli(
            remote_dir.path(),
            &["logs", "search", "--client", "okta", "--json"],
            &[],
        )
        .stdout,
    )
    .unwrap();
    let methods: Vec<&str> = remote_log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert!(methods.contains(&"PUT"), "{methods:?}");
    assert!(!methods.contains(&"PATCH"), "{methods:?}");
    let entra_log: Value = serde_json::from_slice(
        &cli(
            remote_dir.path(),
            &["logs", "search", "--client", "entra", "--json"],
            &[],
        )
        .stdout,
    )
    .unwrap();
    let patch = entra_log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"] == "PATCH")
        .expect("Entra updates with PATCH");
    assert!(
        patch["requestBody"]
            .as_str()
            .unwrap()
            .contains("\"op\":\"Replace\""),
        "{patch}"
    );
    // The console logged its own requests as outbound, under the plan's configuration.
    let outbound: Value = serde_json::from_slice(
        &cli(
            console.path(),
            &[
                "logs",
                "search",
                "--config",
                "Pilot",
                "--direction",
                "outbound",
                "--json",
            ],
            &[],
        )
        .stdout,
    )
    .unwrap();
    let entries = outbound["entries"].as_array().unwrap();
    assert!(entries.len() >= 10, "{outbound}");
    assert!(
        entries
            .iter()
            .all(|e| e["source"] == "Staging app" && e["direction"] == "outbound")
    );
    assert!(
        entries
            .iter()
            .any(|e| e["method"] == "POST" && e["status"] == 201)
    );
    // The token: nowhere in the console's data directory, its outputs or its log.
    assert!(
        files_contain(console.path(), &remote.token).is_empty(),
        "the target's token is stored in clear: {:?}",
        files_contain(console.path(), &remote.token)
    );
    let out = cli(console.path(), &["logs", "search", "--json"], &[]);
    assert!(!text(&out).contains(&remote.token));
    // Removing the target removes its credential.
    let out = cli(console.path(), &["target", "remove", "Staging app"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = cli(console.path(), &["target", "test", "Staging app"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}

#[test]
fn a_target_answering_429_is_retried_after_its_retry_after() {
    let remote_dir = tempfile::tempdir().unwrap();
    let console = tempfile::tempdir().unwrap();
    // Two requests per second per token: the pilot, unthrottled, runs into 429s.
    let remote = serve(remote_dir.path(), &["--rate-limit", "2"]);
    console_with_target(console.path(), &remote, "slow");
    let csv = console.path().join("users.csv");
    std::fs::write(&csv, users_csv(6)).unwrap();
    let out = cli(
        console.path(),
        &[
            "pilot",
            "run",
            "--plan",
            "Pilot",
            "--source",
            csv.to_str().unwrap(),
            "--target",
            "slow",
            "--rate",
            "0",
            "--concurrency",
            "6",
            "--attempts",
            "20",
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["counts"]["created"], 6, "{report}");
    let retried = report["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["requests"].as_u64().unwrap() > 2)
        .count();
    assert!(
        retried > 0,
        "some requests must have been retried: {report}"
    );
    // The target refused with 429; the console logged those attempts too.
    let refused: Value = serde_json::from_slice(
        &cli(
            console.path(),
            &[
                "logs",
                "search",
                "--direction",
                "outbound",
                "--status",
                "429",
                "--json",
            ],
            &[],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        !refused["entries"].as_array().unwrap().is_empty(),
        "{refused}"
    );
    // The test's own read shares the token's two requests a second: wait for its turn.
    let mut total = Value::Null;
    for _ in 0..20 {
        total = get(&remote.base, &remote.token, "/Users?count=0")["totalResults"].clone();
        if !total.is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(total, 6);
}

#[test]
fn a_target_that_dies_mid_run_stops_the_run_with_a_report() {
    let remote_dir = tempfile::tempdir().unwrap();
    let console_dir = tempfile::tempdir().unwrap();
    let mut remote = serve(remote_dir.path(), &[]);
    console_with_target(console_dir.path(), &remote, "flaky");
    let csv = console_dir.path().join("users.csv");
    std::fs::write(&csv, users_csv(40)).unwrap();
    let report_file = console_dir.path().join("report.json");
    // Four requests a second: about two users a second, so the kill lands mid-run.
    let pilot = console(console_dir.path())
        .args([
            "pilot",
            "run",
            "--plan",
            "Pilot",
            "--source",
            csv.to_str().unwrap(),
            "--target",
            "flaky",
            "--rate",
            "4",
            "--concurrency",
            "1",
            "--attempts",
            "2",
            "--backoff-ms",
            "20",
            "--report",
        ])
        .arg(&report_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let total = get(&remote.base, &remote.token, "/Users?count=0")["totalResults"]
            .as_u64()
            .unwrap();
        if total >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    remote.child.kill().unwrap();
    remote.child.wait().unwrap();
    let out = pilot.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("The run stopped early: the target stopped answering"),
        "{said}"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    let users = report["users"].as_array().unwrap();
    assert_eq!(users.len(), 40);
    let created = report["counts"]["created"].as_u64().unwrap();
    let failed = report["counts"]["failed"].as_u64().unwrap();
    assert!((3..40).contains(&created), "{report}");
    assert_eq!(created + failed, 40, "{report}");
    assert!(
        users
            .iter()
            .any(|u| u["detail"] == "not attempted: the target stopped answering"),
        "{report}"
    );
    assert!(
        users
            .iter()
            .filter(|u| u["action"] == "failed")
            .all(|u| u["detail"].as_str().unwrap().contains("answer")),
        "{report}"
    );
}
