//! The `scim-console` binary: every verb, `--json`, exit codes, and `serve` end to end
//! (first-start output, a SCIM request with the printed token, graceful shutdown on SIGTERM).
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::console;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

pub(crate) fn cli(dir: &std::path::Path, args: &[&str]) -> Output {
    console(dir)
        .args(args)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .output()
        .unwrap()
}

/// An HTTP client (reqwest's rustls takes the process's crypto provider).
fn http_client() -> reqwest::Client {
    scim_console_server::tls::install_crypto_provider();
    reqwest::Client::new()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn help_lists_every_exit_code_and_a_pilot_beyond_the_limits_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let help = cli(dir.path(), &["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    assert!(
        text.contains("Exit codes: 0 success, 1 failure, 2 usage error, 3 not found"),
        "{text}"
    );
    for code in [
        "5 tokens need attention",
        "6 a connection test failed",
        "7 users failed in a pilot run",
        "8 a MUST rule failed",
        "9 conformance incomplete",
    ] {
        assert!(text.contains(code), "{code}: {text}");
    }
    // The same limits as the admin API's pilot runs, checked before anything is read.
    let fast = cli(
        dir.path(),
        &[
            "pilot", "run", "--plan", "none", "--source", "none.csv", "--target", "none", "--rate",
            "20000",
        ],
    );
    assert_eq!(fast.status.code(), Some(4), "{fast:?}");
    let said = String::from_utf8_lossy(&fast.stderr);
    assert!(said.contains("rate") && said.contains("10000"), "{said}");
}

#[test]
fn config_verbs_with_json_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let created = cli(
        dir.path(),
        &[
            "config",
            "create",
            "Entra production",
            "--users-only",
            "--protect",
            "admin@contoso.com",
            "--json",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let json: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(
        (json["slug"].as_str(), json["provisionGroups"].as_bool()),
        (Some("entra-production"), Some(false))
    );

    let list = cli(dir.path(), &["config", "list", "--json"]);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    assert!(
        stdout(&cli(dir.path(), &["config", "disable", "entra-production"])).contains("disabled")
    );
    let shown: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["config", "show", "ENTRA PRODUCTION", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(shown["enabled"], false);
    assert!(
        cli(dir.path(), &["config", "enable", "entra-production"])
            .status
            .success()
    );

    assert_eq!(
        cli(dir.path(), &["config", "show", "nope"]).status.code(),
        Some(3),
        "not found"
    );
    assert_eq!(
        cli(dir.path(), &["config", "create", "entra production"])
            .status
            .code(),
        Some(4),
        "conflict"
    );
    assert_eq!(
        cli(dir.path(), &["config", "create", " "]).status.code(),
        Some(4),
        "invalid"
    );
    assert_eq!(
        cli(dir.path(), &["config", "frobnicate"]).status.code(),
        Some(2),
        "usage"
    );
    let err = cli(dir.path(), &["config", "show", "nope"]);
    assert!(String::from_utf8_lossy(&err.stderr).contains("configuration \"nope\" not found"));

    assert!(
        cli(dir.path(), &["config", "delete", "entra-production"])
            .status
            .success()
    );
    assert_eq!(
        cli(dir.path(), &["config", "show", "entra-production"])
            .status
            .code(),
        Some(3)
    );
}

#[test]
fn token_verbs() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "okta"])
            .status
            .success()
    );
    let created = cli(
        dir.path(),
        &[
            "token",
            "create",
            "--config",
            "okta",
            "--label",
            "Okta prod",
        ],
    );
    let token = stdout(&created).trim().to_owned();
    assert!(token.starts_with("scim_"), "{token}");
    let json = cli(
        dir.path(),
        &["token", "create", "--config", "okta", "--json"],
    );
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(json["token"].as_str().unwrap().starts_with("scim_"));
    let listed = stdout(&cli(dir.path(), &["token", "list", "--config", "okta"]));
    assert!(
        listed.contains("Okta prod") && !listed.contains(&token),
        "{listed}"
    );
    let id = token.split('_').nth(1).unwrap();
    assert!(
        cli(
            dir.path(),
            &["token", "revoke", "--config", "okta", "--id", id]
        )
        .status
        .success()
    );
    assert!(stdout(&cli(dir.path(), &["token", "list", "--config", "okta"])).contains("revoked"));

    // Rotation with a grace window, from the command line.
    let second = json["info"]["id"].as_str().unwrap().to_owned();
    let rotated = cli(
        dir.path(),
        &[
            "token", "rotate", "--config", "okta", "--id", &second, "--grace", "24h", "--json",
        ],
    );
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let rotated: Value = serde_json::from_slice(&rotated.stdout).unwrap();
    assert_eq!(rotated["old"]["state"], "grace");
    assert!(rotated["token"].as_str().unwrap().starts_with("scim_"));
    assert!(
        stdout(&cli(dir.path(), &["token", "list", "--config", "okta"])).contains("grace until")
    );
    assert_eq!(
        cli(
            dir.path(),
            &[
                "token", "rotate", "--config", "okta", "--id", &second, "--grace", "3x"
            ]
        )
        .status
        .code(),
        Some(2),
        "a bad duration is a usage error"
    );
    // `token check`: fine now; a token expiring tomorrow needs attention (exit 5).
    let check = cli(dir.path(), &["token", "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(30))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        cli(
            dir.path(),
            &[
                "token",
                "create",
                "--config",
                "okta",
                "--expires",
                &tomorrow
            ]
        )
        .status
        .success()
    );
    let check = cli(dir.path(), &["token", "check", "--json"]);
    assert_eq!(check.status.code(), Some(5));
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["problems"][0]["kind"], "expiresSoon");
    assert_eq!(
        cli(dir.path(), &["token", "check", "--within", "1h"])
            .status
            .code(),
        Some(0)
    );
    // The policy caps active tokens: creating another is a conflict (exit 4).
    let policy = cli(
        dir.path(),
        &["config", "policy", "okta", "--max-active", "1", "--json"],
    );
    assert!(
        policy.status.success(),
        "{}",
        String::from_utf8_lossy(&policy.stderr)
    );
    let policy: Value = serde_json::from_slice(&policy.stdout).unwrap();
    assert_eq!(policy["tokenPolicy"]["maxActive"], 1);
    let refused = cli(dir.path(), &["token", "create", "--config", "okta"]);
    assert_eq!(refused.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at most 1 active"));
    assert!(
        cli(
            dir.path(),
            &["config", "policy", "okta", "--max-active", "none"]
        )
        .status
        .success()
    );

    // OAuth clients and the audit log.
    let client = cli(
        dir.path(),
        &[
            "oauth-client",
            "create",
            "--config",
            "okta",
            "--label",
            "Acme",
            "--json",
        ],
    );
    let client: Value = serde_json::from_slice(&client.stdout).unwrap();
    let client_id = client["clientId"].as_str().unwrap().to_owned();
    assert!(
        client["clientSecret"]
            .as_str()
            .unwrap()
            .starts_with("scimcs_")
    );
    assert!(
        stdout(&cli(
            dir.path(),
            &["oauth-client", "list", "--config", "okta"]
        ))
        .contains(&client_id)
    );
    assert!(
        cli(
            dir.path(),
            &[
                "oauth-client",
                "revoke",
                "--config",
                "okta",
                "--id",
                &client_id
            ]
        )
        .status
        .success()
    );
    // A client that authenticates with signed JWTs: its public keys from a file, no secret;
    // a private key is refused; then the configuration lets in only such clients.
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        r#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "ZSPsaCe2KgCK5YqK4qHWTqC3gEv_5EeB2AwWwYhEkDM", "y": "I0RT0ukMahNmf7l57scAra68ay8-f9D5IOF2-ZHYkOg"}]}"#,
    )
    .unwrap();
    let jwt_client = cli(
        dir.path(),
        &[
            "oauth-client",
            "create",
            "--config",
            "okta",
            "--label",
            "IPSIE",
            "--jwks-file",
            jwks.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(
        jwt_client.status.success(),
        "{}",
        String::from_utf8_lossy(&jwt_client.stderr)
    );
    let jwt_client: Value = serde_json::from_slice(&jwt_client.stdout).unwrap();
    assert_eq!(jwt_client["clientSecret"], Value::Null);
    assert_eq!(jwt_client["info"]["authMethod"], "privateKeyJwt");
    assert!(
        stdout(&cli(
            dir.path(),
            &["oauth-client", "list", "--config", "okta"]
        ))
        .contains("signed JWT")
    );
    std::fs::write(
        &jwks,
        r#"{"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"}"#,
    )
    .unwrap();
    let private = cli(
        dir.path(),
        &[
            "oauth-client",
            "create",
            "--config",
            "okta",
            "--jwks-file",
            jwks.to_str().unwrap(),
        ],
    );
    assert!(!private.status.success());
    assert!(String::from_utf8_lossy(&private.stderr).contains("private"));
    let plain = cli(
        dir.path(),
        &[
            "oauth-client",
            "create",
            "--config",
            "okta",
            "--jwks-uri",
            "http://idp.example.com/jwks",
        ],
    );
    assert!(String::from_utf8_lossy(&plain.stderr).contains("https://"));
    let required = cli(
        dir.path(),
        &[
            "config",
            "set",
            "okta",
            "--client-authentication",
            "private-key-jwt",
            "--json",
        ],
    );
    assert!(
        required.status.success(),
        "{}",
        String::from_utf8_lossy(&required.stderr)
    );
    let required: Value = serde_json::from_slice(&required.stdout).unwrap();
    assert_eq!(required["clientAuthentication"], "privateKeyJwt");
    assert_eq!(
        required["clientProfile"], "rfc",
        "the switches stay: {required}"
    );
    let secret_refused = cli(dir.path(), &["oauth-client", "create", "--config", "okta"]);
    assert!(String::from_utf8_lossy(&secret_refused.stderr).contains("signed JWT"));
    assert!(
        cli(
            dir.path(),
            &["config", "set", "okta", "--client-authentication", "any"]
        )
        .status
        .success()
    );

    let audit = cli(dir.path(), &["audit", "list", "--config", "okta", "--json"]);
    let audit: Value = serde_json::from_slice(&audit.stdout).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[0], "configuration.update");
    assert!(actions.contains(&"oauth_client.revoke"));
    assert!(actions.contains(&"token.rotate") && actions.contains(&"configuration.update"));
    assert!(audit[0]["actor"].as_str().unwrap().starts_with("cli:"));
    let out = dir.path().join("audit.jsonl");
    assert!(
        cli(
            dir.path(),
            &[
                "audit",
                "export",
                "--format",
                "jsonl",
                "--action",
                "token.",
                "--output",
                out.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(exported.lines().count(), 5, "{exported}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an export is its owner's only");
    }
    assert!(!exported.contains(&token[20..]));
    assert_eq!(
        cli(
            dir.path(),
            &["token", "revoke", "--config", "okta", "--id", "nope"]
        )
        .status
        .code(),
        Some(3)
    );
}

#[test]
fn serve_prints_the_urls_and_token_then_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = console(dir.path())
        .args(["serve", "--port", "0", "--log-format", "json"])
        .env("SCIM_CONSOLE_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Trace logs are plenty: read them as they come, or the server blocks on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut logs).unwrap();
        logs
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = String::new();
    let mut token = String::new();
    let mut key_line = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim().starts_with("Master key:") {
            key_line = line.clone();
        }
        if let Some(rest) = line.trim().strip_prefix("SCIM base URL:") {
            base = rest.trim().to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix("Bearer token:") {
            token = rest.trim().to_owned();
        }
        if line.contains("shown only now") {
            break;
        }
    }
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/scim/default/v2"),
        "{base}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        http_client()
            .get(format!("{base}/Users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    let status = runtime.block_on(async {
        http_client()
            .post(format!("{base}/Users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"userName": "mars@contoso.com", "timezone": "Mars"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 201);
    assert!(
        key_line.contains("master.key") || key_line.contains("keychain"),
        "{key_line}"
    );
    // Every kind of secret goes through the server once; none may reach its logs.
    let mut secrets = vec![token.clone()];
    let rotated: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["token", "create", "--config", "default", "--json"],
        )
        .stdout,
    )
    .unwrap();
    let second = rotated["token"].as_str().unwrap().to_owned();
    secrets.push(second.clone());
    let client: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["oauth-client", "create", "--config", "default", "--json"],
        )
        .stdout,
    )
    .unwrap();
    let (client_id, client_secret) = (
        client["clientId"].as_str().unwrap().to_owned(),
        client["clientSecret"].as_str().unwrap().to_owned(),
    );
    secrets.push(client_secret.clone());
    let origin = base.trim_end_matches("/scim/default/v2").to_owned();
    let grant: Value = runtime.block_on(async {
        http_client()
            .post(format!("{origin}/scim/default/oauth/token"))
            .basic_auth(&client_id, Some(&client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let access = grant["access_token"].as_str().unwrap().to_owned();
    secrets.push(access.clone());
    secrets.push(grant["refresh_token"].as_str().unwrap().to_owned());
    for credential in [&second, &access] {
        let status = runtime.block_on(async {
            http_client()
                .get(format!("{base}/Users"))
                .bearer_auth(credential)
                .send()
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status, 200);
    }
    // Security staff revoke the token from the command line while the server runs.
    let token_id = token.split('_').nth(1).unwrap().to_owned();
    assert!(
        cli(
            dir.path(),
            &["token", "revoke", "--config", "default", "--id", &token_id]
        )
        .status
        .success()
    );
    let status = runtime.block_on(async {
        http_client()
            .get(format!("{base}/Users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(
        status, 401,
        "the running server refuses the revoked token on its very next request"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut waited = 0;
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(waited < 100, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    };
    assert!(exit.success());
    let logs = log_reader.join().unwrap();
    assert!(
        logs.contains("\"message\":\"request\""),
        "JSON logs: {logs}"
    );
    assert!(
        logs.contains("TRACE") || logs.contains("\"level\":\"TRACE\""),
        "trace logs were on"
    );
    for secret in &secrets {
        // Not the whole credential, nor its secret part.
        let tail = &secret[secret.len() - 24..];
        assert!(!logs.contains(tail), "a credential reached the logs");
    }
    // The provisioning log holds every request; the refused one is counted, not recorded.
    let search = cli(
        dir.path(),
        &["logs", "search", "--config", "default", "--json"],
    );
    assert!(
        search.status.success(),
        "{}",
        String::from_utf8_lossy(&search.stderr)
    );
    let page: Value = serde_json::from_slice(&search.stdout).unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert!(entries.len() >= 3, "{page}");
    assert!(!entries.iter().any(|e| e["status"] == 401), "{page}");
    let text = stdout(&cli(
        dir.path(),
        &["logs", "refusals", "--config", "default"],
    ));
    assert!(text.contains("1 × 401 Revoked  scim_"), "{text}");
    let refusals: Value =
        serde_json::from_slice(&cli(dir.path(), &["logs", "refusals", "--json"]).stdout).unwrap();
    assert_eq!(refusals[0]["reason"], "revoked", "{refusals}");
    assert_eq!(
        cli(dir.path(), &["logs", "search", "--outcome", "exploded"])
            .status
            .code(),
        Some(4)
    );
    for secret in &secrets {
        let tail = &secret[secret.len() - 24..];
        assert!(!String::from_utf8_lossy(&search.stdout).contains(tail));
    }
    // Statistics and cycles of what the server logged.
    let figures_run = cli(
        dir.path(),
        &[
            "logs",
            "stats",
            "--config",
            "default",
            "--interval",
            "minute",
            "--json",
        ],
    );
    assert!(
        figures_run.status.success(),
        "{}",
        String::from_utf8_lossy(&figures_run.stderr)
    );
    let figures: Value = serde_json::from_slice(&figures_run.stdout).unwrap();
    assert!(
        figures["totals"]["requests"].as_i64().unwrap() >= 4,
        "{figures}"
    );
    assert!(
        figures["totals"]["failures"].as_i64().unwrap() >= 1,
        "{figures}"
    );
    let text = stdout(&cli(dir.path(), &["logs", "stats", "--config", "default"]));
    assert!(
        text.contains("requests") && text.contains("latency: mean"),
        "{text}"
    );
    let text = stdout(&cli(dir.path(), &["logs", "cycles", "--config", "default"]));
    assert!(text.contains("(ongoing)"), "{text}");
    // Retention settings, checked.
    assert_eq!(
        cli(
            dir.path(),
            &["config", "retention", "default", "--max-records", "500"]
        )
        .status
        .code(),
        Some(4)
    );
    let text = stdout(&cli(
        dir.path(),
        &["config", "retention", "default", "--max-age", "7"],
    ));
    assert!(
        text.contains("log retention:    7 days, at most 1000000 records"),
        "{text}"
    );
    let report = cli(dir.path(), &["logs", "retention", "--json"]);
    assert!(report.status.success());
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["expired"], 0);
    // A logged create is a sample for a plan.
    let create = entries.iter().find(|e| e["operation"] == "create").unwrap()["seq"].to_string();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, cli(dir.path(), &["mapping", "template"]).stdout).unwrap();
    let run = cli(
        dir.path(),
        &[
            "mapping",
            "test",
            "--config",
            "default",
            "--plan",
            plan.to_str().unwrap(),
            "--log-entry",
            &create,
        ],
    );
    assert_eq!(
        run.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout(&run).contains("timezone"), "{}", stdout(&run));
    assert!(stdout(&run).contains("FAILED"));
    // The second start does not create another configuration or print a token.
    let again = console(dir.path())
        .args(["config", "list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
