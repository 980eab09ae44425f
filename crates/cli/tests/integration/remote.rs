//! `scim-console --server URL` with a personal API token: the verbs act on a running console
//! through its admin API — what they change is what the local verbs then read from the same
//! database, the audit log names the person behind the token, a role that does not allow a
//! verb is refused with exit 10, and the verbs that act on this machine's files say so.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};

use serde_json::Value;

use super::cli::{cli, stdout};
use super::common::console;

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `serve` on a free port over the test's database; killed when dropped.
pub(crate) struct Remote {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) origin: String,
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Remote {
    pub(crate) fn start(dir: &Path) -> Self {
        let mut child = console(dir)
            .args(["serve", "--port", "0"])
            .env_remove("SCIM_CONSOLE_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut origin = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.trim().strip_prefix("Admin API:") {
                let api = rest.split_whitespace().next().unwrap();
                api.trim_end_matches("/api").clone_into(&mut origin);
                break;
            }
        }
        assert!(!origin.is_empty(), "serve printed no admin API address");
        std::thread::spawn(move || for _ in lines {});
        Self { child, origin }
    }

    /// A verb run against this server with `token`.
    pub(crate) fn run(&self, token: &str, args: &[&str]) -> Output {
        run_at(&self.origin, token, args)
    }

    /// A verb that must succeed; its standard output.
    pub(crate) fn ok(&self, token: &str, args: &[&str]) -> String {
        let o = self.run(token, args);
        assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
        stdout(&o)
    }

    /// A `--json` verb that must succeed; its JSON.
    pub(crate) fn json(&self, token: &str, args: &[&str]) -> Value {
        let out = self.ok(token, args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }
}

/// A verb run against `server` with `token`.
fn run_at(server: &str, token: &str, args: &[&str]) -> Output {
    run_with(server, token, args, &[])
}

/// A verb run against `server` with `token` and more environment.
pub(crate) fn run_with(server: &str, token: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scim-console"));
    command
        .args(["--server", server])
        .args(args)
        .env("SCIM_CONSOLE_API_TOKEN", token)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .env_remove("SCIM_CONSOLE_DATABASE_URL")
        .env_remove("SCIM_CONSOLE_TARGET_TOKEN")
        .env_remove("SCIM_CONSOLE_CHECK_TOKEN");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// An administrator with `roles` and a personal API token of theirs.
pub(crate) fn administrator_token(dir: &Path, email: &str, roles: &[&str]) -> String {
    let mut args = vec!["admin", "create", "--email", email];
    for role in roles {
        args.extend(["--role", role]);
    }
    let created = cli(dir, &args);
    assert!(created.status.success(), "{}", stderr(&created));
    let mut args = vec!["api-token", "create", "--admin", email, "--name", "cli"];
    for role in roles {
        args.extend(["--role", role]);
    }
    let made = cli(dir, &args);
    assert!(made.status.success(), "{}", stderr(&made));
    stdout(&made).lines().nth(1).unwrap().trim().to_owned()
}

pub(crate) fn local_json(dir: &Path, args: &[&str]) -> Value {
    let o = cli(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_address_and_the_token_are_checked_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(dir.path());
    // Plain http beyond this machine would send the token in clear.
    let o = run_at("http://console.example.com", "scap_x", &["config", "list"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("https://"), "{}", stderr(&o));
    // No token.
    let o = remote.run("", &["config", "list"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("SCIM_CONSOLE_API_TOKEN"),
        "{}",
        stderr(&o)
    );
    // A token the server does not know: exit 10, and the token is not echoed.
    let o = remote.run(
        "scap_not-a-real-token-at-all-000000000000000",
        &["config", "list"],
    );
    assert_eq!(o.status.code(), Some(10), "{}", stderr(&o));
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("scap_not"), "{}", stderr(&o));
    // Verbs that act on this machine's database or files.
    for verb in [
        &["serve"][..],
        &["migrate"],
        &["backup", "--to", "x.zip"],
        &["export", "--to", "x.jsonl"],
        &["check"],
    ] {
        let o = remote.run("scap_x", verb);
        assert_eq!(o.status.code(), Some(4), "{verb:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("run it there, without --server"),
            "{verb:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn configurations_and_tokens_over_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let owner = administrator_token(dir, "ada@contoso.com", &["owner"]);
    let viewer = administrator_token(dir, "vic@contoso.com", &["viewer"]);
    let remote = Remote::start(dir);

    // config create / show / list / enable / disable / policy / retention / set / delete
    let created = remote.json(
        &owner,
        &[
            "config",
            "create",
            "Acme QA",
            "--idp",
            "okta",
            "--protect",
            "root",
            "--json",
        ],
    );
    assert_eq!(created["slug"], "acme-qa");
    assert_eq!(created["clientProfile"], "okta");
    assert!(
        created["scimBaseUrl"]
            .as_str()
            .unwrap()
            .ends_with("/scim/acme-qa/v2")
    );
    let local = local_json(dir, &["config", "show", "acme-qa", "--json"]);
    assert_eq!(local["id"], created["id"]);
    assert_eq!(local["protectedAccounts"][0], "root");
    let shown = remote.ok(&owner, &["config", "show", "ACME QA"]);
    assert!(shown.contains("slug:             acme-qa"), "{shown}");
    assert!(shown.contains("client profile: okta"), "{shown}");
    assert!(
        shown.contains("SCIM base URL:    http://127.0.0.1:"),
        "{shown}"
    );
    let listed = remote.ok(&viewer, &["config", "list"]);
    assert!(
        listed.contains("Acme QA") && listed.contains("enabled"),
        "{listed}"
    );
    assert!(
        remote
            .ok(&owner, &["config", "disable", "acme-qa"])
            .contains("is now disabled")
    );
    assert_eq!(
        local_json(dir, &["config", "show", "acme-qa", "--json"])["enabled"],
        false
    );
    remote.ok(&owner, &["config", "enable", "acme-qa"]);
    let policy = remote.json(
        &owner,
        &[
            "config",
            "policy",
            "acme-qa",
            "--rotation",
            "90",
            "--max-active",
            "2",
            "--json",
        ],
    );
    assert_eq!(policy["tokenPolicy"]["rotationDays"], 90);
    let retention = remote.ok(
        &owner,
        &["config", "retention", "acme-qa", "--max-age", "7"],
    );
    assert!(
        retention.contains("log retention:    7 days"),
        "{retention}"
    );
    let set = remote.json(
        &owner,
        &[
            "config",
            "set",
            "acme-qa",
            "--string-booleans",
            "on",
            "--json",
        ],
    );
    assert_eq!(set["compatibility"]["stringBooleans"], true);
    assert_eq!(set["overriddenSwitches"][0], "stringBooleans");
    let local = local_json(dir, &["config", "show", "acme-qa", "--json"]);
    assert_eq!(local["compatibility"]["stringBooleans"], true);
    assert_eq!(local["logRetention"]["maxAgeDays"], 7);
    assert_eq!(local["tokenPolicy"]["maxActive"], 2);

    // A viewer reads, and is refused a change with the role it needs (exit 10).
    let refused = remote.run(&viewer, &["config", "disable", "acme-qa"]);
    assert_eq!(refused.status.code(), Some(10), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("403"), "{}", stderr(&refused));
    let missing = remote.run(&viewer, &["config", "show", "nope"]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));

    // token create / list / rotate / revoke / check
    let made = remote.run(
        &owner,
        &["token", "create", "--config", "acme-qa", "--label", "okta"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let secret = stdout(&made).trim().to_owned();
    assert!(secret.starts_with("scim_"), "{secret}");
    assert!(
        stderr(&made).contains("/scim/acme-qa/v2"),
        "{}",
        stderr(&made)
    );
    let tokens = remote.json(&owner, &["token", "list", "--config", "acme-qa", "--json"]);
    let id = tokens[0]["id"].as_str().unwrap().to_owned();
    assert!(!tokens.to_string().contains(&secret));
    let listed = remote.ok(&owner, &["token", "list", "--config", "acme-qa"]);
    assert!(
        listed.contains(&id) && listed.contains("active"),
        "{listed}"
    );
    let refused = remote.run(&viewer, &["token", "list", "--config", "acme-qa"]);
    assert_eq!(refused.status.code(), Some(10));
    assert!(
        stderr(&refused).contains("needs the role owner or security"),
        "{}",
        stderr(&refused)
    );
    let rotated = remote.run(
        &owner,
        &[
            "token", "rotate", "--config", "acme-qa", "--id", &id, "--grace", "1h",
        ],
    );
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(
        stderr(&rotated).contains("works until"),
        "{}",
        stderr(&rotated)
    );
    let local = local_json(dir, &["token", "list", "--config", "acme-qa", "--json"]);
    assert_eq!(local.as_array().unwrap().len(), 2);
    let revoked = remote.ok(
        &owner,
        &["token", "revoke", "--config", "acme-qa", "--id", &id],
    );
    assert!(revoked.contains("is revoked"), "{revoked}");
    let soon = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    remote.ok(
        &owner,
        &["token", "create", "--config", "acme-qa", "--expires", &soon],
    );
    let check = remote.run(&owner, &["token", "check", "--within", "30d"]);
    assert_eq!(check.status.code(), Some(5), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("Acme QA: token"),
        "{}",
        stdout(&check)
    );

    // Each change is the person's, through their token.
    let audit = local_json(dir, &["audit", "list", "--json"]);
    let entries = audit.as_array().unwrap();
    let rotate = entries
        .iter()
        .find(|e| e["action"] == "token.rotate")
        .unwrap();
    assert_eq!(rotate["person"]["email"], "ada@contoso.com", "{rotate}");
    assert!(
        rotate["person"]["via"]
            .as_str()
            .unwrap()
            .starts_with("api token pat_"),
        "{rotate}"
    );

    remote.ok(&owner, &["config", "delete", "acme-qa"]);
    let gone = cli(dir, &["config", "show", "acme-qa"]);
    assert_eq!(gone.status.code(), Some(3));
}

/// `logs tail` over the API: started, then a request arrives; the first line it prints.
fn tail_sees_a_request(remote: &Remote, token: &str, base: &str, scim_token: &str) -> String {
    let mut tail = std::process::Command::new(env!("CARGO_BIN_EXE_scim-console"))
        .args([
            "--server",
            &remote.origin,
            "logs",
            "tail",
            "--config",
            "acme",
        ])
        .env("SCIM_CONSOLE_API_TOKEN", token)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .env_remove("SCIM_CONSOLE_DATABASE_URL")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = tail.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = send.send(line);
    });
    // Requests until tail (which starts after the newest record) prints one.
    let rt = super::common::runtime();
    let mut line = None;
    for _ in 0..60 {
        rt.block_on(super::common::scim(
            base,
            scim_token,
            reqwest::Method::GET,
            "/Users?filter=userName%20eq%20%22dave%22",
            None,
        ));
        if let Ok(l) = receive.recv_timeout(std::time::Duration::from_millis(500)) {
            line = Some(l);
            break;
        }
    }
    let _ = tail.kill();
    let _ = tail.wait();
    line.expect("logs tail printed nothing")
}

#[test]
fn logs_alerts_audit_and_oauth_clients_over_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let owner = administrator_token(dir, "ada@contoso.com", &["owner"]);
    let viewer = administrator_token(dir, "vic@contoso.com", &["viewer"]);
    let remote = Remote::start(dir);
    let created = remote.json(&owner, &["config", "create", "Acme", "--json"]);
    let base = created["scimBaseUrl"].as_str().unwrap().to_owned();
    let made = remote.run(&owner, &["token", "create", "--config", "acme"]);
    let scim_token = stdout(&made).trim().to_owned();

    // Traffic: a create, a refused create, a refused credential.
    let rt = super::common::runtime();
    rt.block_on(async {
        let user = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "carol@contoso.com"
        });
        let (status, _) = super::common::scim(
            &base,
            &scim_token,
            reqwest::Method::POST,
            "/Users",
            Some(user.clone()),
        )
        .await;
        assert_eq!(status, 201);
        let (status, _) = super::common::scim(
            &base,
            &scim_token,
            reqwest::Method::POST,
            "/Users",
            Some(user),
        )
        .await;
        assert_eq!(status, 409);
        let (status, _) =
            super::common::scim(&base, "scim_wrong", reqwest::Method::GET, "/Users", None).await;
        assert_eq!(status, 401);
    });

    // The log reads the same here and over the API (the API answers the log's own types).
    let here = local_json(dir, &["logs", "search", "--config", "acme", "--json"]);
    let there = remote.json(&viewer, &["logs", "search", "--config", "acme", "--json"]);
    assert_eq!(here, there);
    assert_eq!(here["entries"].as_array().unwrap().len(), 2, "{here}");
    let failures = remote.ok(
        &viewer,
        &["logs", "search", "--text", "carol", "--outcome", "failure"],
    );
    assert_eq!(failures.lines().count(), 1, "{failures}");
    assert!(
        failures.contains("409") && failures.contains("carol@contoso.com"),
        "{failures}"
    );
    // Refusals are counted, then written within a second.
    let mut there = Value::Null;
    for _ in 0..50 {
        there = remote.json(&viewer, &["logs", "refusals", "--json"]);
        if there.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let here = local_json(dir, &["logs", "refusals", "--json"]);
    assert_eq!(here, there);
    assert_eq!(there[0]["count"], 1, "{there}");
    // Statistics and cycles count the refused credential too, once it is written (just
    // waited for).
    let stats = remote.json(&viewer, &["logs", "stats", "--config", "acme", "--json"]);
    assert_eq!(stats["totals"]["requests"], 3, "{stats}");
    assert_eq!(stats["totals"]["failures"], 2, "{stats}");
    let cycles = remote.ok(&viewer, &["logs", "cycles", "--config", "acme"]);
    assert!(
        cycles.contains("(ongoing)  3 requests, 2 failed"),
        "{cycles}"
    );
    let exported = dir.join("remote-export.jsonl");
    remote.ok(
        &viewer,
        &[
            "logs",
            "export",
            "--config",
            "acme",
            "--format",
            "jsonl",
            "--output",
            exported.to_str().unwrap(),
        ],
    );
    let local_export = cli(
        dir,
        &["logs", "export", "--config", "acme", "--format", "jsonl"],
    );
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        stdout(&local_export)
    );
    let retention = remote.json(&owner, &["logs", "retention", "--json"]);
    assert_eq!(retention["expired"], 0, "{retention}");
    let line = tail_sees_a_request(&remote, &viewer, &base, &scim_token);
    assert!(line.contains("query") && line.contains("200"), "{line}");

    // Alerts: added, listed the same here and there, disabled, evaluated, removed.
    let rule = remote.json(
        &owner,
        &[
            "alerts",
            "add",
            "--config",
            "acme",
            "--name",
            "failures",
            "--when",
            "failure-rate",
            "--percent",
            "20",
            "--min-requests",
            "1",
            "--minutes",
            "60",
            "--json",
        ],
    );
    let id = rule["id"].to_string();
    assert_eq!(
        local_json(dir, &["alerts", "list", "--json"]),
        remote.json(&viewer, &["alerts", "list", "--json"])
    );
    let evaluated = remote.json(&owner, &["alerts", "evaluate", "--json"]);
    assert_eq!(evaluated[0]["kind"], "raised", "{evaluated}");
    let history = remote.ok(&viewer, &["alerts", "history", "--config", "acme"]);
    assert!(
        history.contains("raised") && history.contains("Acme / failures"),
        "{history}"
    );
    let refused = remote.run(&viewer, &["alerts", "disable", &id]);
    assert_eq!(refused.status.code(), Some(10), "{}", stderr(&refused));
    assert!(
        remote
            .ok(&owner, &["alerts", "disable", &id])
            .contains("[disabled]")
    );
    remote.ok(&owner, &["alerts", "remove", &id]);
    assert_eq!(
        local_json(dir, &["alerts", "list", "--json"]),
        serde_json::json!([])
    );

    // OAuth clients.
    let client = remote.ok(
        &owner,
        &[
            "oauth-client",
            "create",
            "--config",
            "acme",
            "--label",
            "okta",
        ],
    );
    assert!(client.contains("client_secret: "), "{client}");
    assert!(client.contains("/scim/acme/oauth/token"), "{client}");
    let listed = remote.json(
        &owner,
        &["oauth-client", "list", "--config", "acme", "--json"],
    );
    let client_id = listed[0]["clientId"].as_str().unwrap().to_owned();
    assert!(
        remote
            .ok(&owner, &["oauth-client", "list", "--config", "acme"])
            .contains(&client_id)
    );
    remote.ok(
        &owner,
        &[
            "oauth-client",
            "revoke",
            "--config",
            "acme",
            "--id",
            &client_id,
        ],
    );
    let local = local_json(dir, &["oauth-client", "list", "--config", "acme", "--json"]);
    assert_eq!(local[0]["state"], "revoked", "{local}");

    // The audit log names the person, read and exported over the API.
    let audit = remote.json(&owner, &["audit", "list", "--action", "alert.", "--json"]);
    assert!(!audit.as_array().unwrap().is_empty(), "{audit}");
    for entry in audit.as_array().unwrap() {
        assert_eq!(entry["person"]["email"], "ada@contoso.com", "{entry}");
    }
    let text = remote.ok(&owner, &["audit", "list", "--config", "acme"]);
    assert!(
        text.contains("oauth-client.revoke") || text.contains("oauth_client.revoke"),
        "{text}"
    );
    let csv = remote.ok(&owner, &["audit", "export", "--config", "acme"]);
    assert!(
        csv.lines().next().unwrap().contains("administrator_id"),
        "{csv}"
    );
    assert!(csv.contains("ada@contoso.com"), "{csv}");
}

#[test]
fn administrators_and_their_api_tokens_over_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    assert!(cli(dir, &["config", "create", "Acme"]).status.success());
    let owner = administrator_token(dir, "ada@contoso.com", &["owner"]);
    let viewer = administrator_token(dir, "vic@contoso.com", &["viewer"]);
    let remote = Remote::start(dir);

    // Invited over the API: the link is the server's, with its address.
    let invited = remote.json(
        &owner,
        &[
            "admin",
            "create",
            "--email",
            "ed@contoso.com",
            "--role",
            "editor",
            "--config",
            "acme",
            "--json",
        ],
    );
    let link = invited["signInLink"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("{}/sign-in#code=", remote.origin)),
        "{link}"
    );
    let listed = remote.ok(&owner, &["admin", "list"]);
    assert!(
        listed.contains("ed@contoso.com") && listed.contains("editor (acme)"),
        "{listed}"
    );
    assert_eq!(
        local_json(dir, &["admin", "list", "--json"]),
        remote.json(&owner, &["admin", "list", "--json"])
    );
    let refused = remote.run(
        &viewer,
        &[
            "admin",
            "create",
            "--email",
            "x@contoso.com",
            "--role",
            "owner",
        ],
    );
    assert_eq!(refused.status.code(), Some(10), "{}", stderr(&refused));

    // The link signs Ed in; the session is listed and ended over the API.
    let code = link.split_once("#code=").unwrap().1.to_owned();
    let rt = super::common::runtime();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/api/sign-in/link", remote.origin))
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    let sessions = remote.json(&owner, &["admin", "sessions", "ED@contoso.com", "--json"]);
    let session = sessions[0]["id"].as_str().unwrap().to_owned();
    assert!(
        remote
            .ok(&owner, &["admin", "sessions", "ed@contoso.com"])
            .contains(&session)
    );
    remote.ok(
        &owner,
        &["admin", "end-session", "ed@contoso.com", &session],
    );
    assert!(
        remote
            .ok(&owner, &["admin", "sessions", "ed@contoso.com"])
            .contains("no open session")
    );

    // Roles, disable, enable, a fresh link, a password reset.
    let changed = remote.ok(
        &owner,
        &["admin", "role", "ed@contoso.com", "--role", "viewer"],
    );
    assert!(
        changed.starts_with("Changed ed <ed@contoso.com>: viewer"),
        "{changed}"
    );
    assert!(
        remote
            .ok(&owner, &["admin", "disable", "ed@contoso.com"])
            .contains(", disabled")
    );
    assert_eq!(
        local_json(dir, &["admin", "list", "--json"])[1]["state"],
        "disabled"
    );
    remote.ok(&owner, &["admin", "enable", "ed@contoso.com"]);
    assert!(
        remote
            .ok(&owner, &["admin", "link", "ed@contoso.com"])
            .contains("Sign-in link: http")
    );
    remote.ok(&owner, &["admin", "reset-password", "ed@contoso.com"]);

    // Personal API tokens: listed and revoked over the API; minted only in a browser session.
    let tokens = remote.json(
        &owner,
        &["api-token", "list", "--admin", "vic@contoso.com", "--json"],
    );
    let id = tokens[0]["id"].as_str().unwrap().to_owned();
    let minted = remote.run(
        &owner,
        &[
            "api-token",
            "create",
            "--admin",
            "ada@contoso.com",
            "--name",
            "more",
        ],
    );
    assert_eq!(minted.status.code(), Some(4));
    assert!(
        stderr(&minted).contains("browser session"),
        "{}",
        stderr(&minted)
    );
    assert!(remote.ok(&viewer, &["config", "list"]).contains("Acme"));
    remote.ok(
        &owner,
        &["api-token", "revoke", "--admin", "vic@contoso.com", &id],
    );
    let after = remote.run(&viewer, &["config", "list"]);
    assert_eq!(after.status.code(), Some(10), "{}", stderr(&after));
    assert!(
        remote
            .ok(&owner, &["api-token", "list", "--admin", "vic@contoso.com"])
            .contains("revoked")
    );
}
