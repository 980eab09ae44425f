//! The `scim-console` verbs beyond configurations, tokens and `serve`: mapping plans, users
//! import, alerts, the OpenAPI document, `target test`, client profiles, `check --target`,
//! export and import.

use crate::common::console;

use super::cli::{cli, stdout};
use serde_json::{Value, json};

#[test]
fn mapping_verbs() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "QA"])
            .status
            .success()
    );
    assert!(
        cli(dir.path(), &["config", "create", "Production"])
            .status
            .success()
    );
    let template = cli(dir.path(), &["mapping", "template"]);
    assert!(template.status.success());
    // A configuration may start from a template: version 1 is the template's plan.
    let xmatters: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["mapping", "template", "--template", "xmatters"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(xmatters["unsupported"], "reject");
    assert!(
        cli(
            dir.path(),
            &[
                "config",
                "create",
                "xMatters",
                "--plan-template",
                "xmatters"
            ]
        )
        .status
        .success()
    );
    let shown: Value = serde_json::from_slice(
        &cli(dir.path(), &["mapping", "show", "--config", "xMatters"]).stdout,
    )
    .unwrap();
    assert_eq!(shown["plan"], xmatters, "{shown}");
    assert_eq!(shown["comment"], "From the xMatters template");
    let schema: Value =
        serde_json::from_slice(&cli(dir.path(), &["mapping", "schema"]).stdout).unwrap();
    assert_eq!(schema["title"], "Plan");
    let mut plan: Value = serde_json::from_slice(&template.stdout).unwrap();
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, serde_json::to_vec(&plan).unwrap()).unwrap();
    let file = plan_file.to_str().unwrap();
    assert_eq!(
        cli(dir.path(), &["mapping", "validate", "--file", file])
            .status
            .code(),
        Some(0)
    );
    let mut broken = plan.clone();
    broken["rules"][0]["source"] = "userNme".into();
    let broken_file = dir.path().join("broken.json");
    std::fs::write(&broken_file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let checked = cli(
        dir.path(),
        &[
            "mapping",
            "validate",
            "--file",
            broken_file.to_str().unwrap(),
        ],
    );
    assert_eq!(checked.status.code(), Some(4));
    assert!(
        stdout(&checked).contains("/rules/0/source"),
        "{}",
        stdout(&checked)
    );

    assert!(
        cli(
            dir.path(),
            &[
                "mapping",
                "import",
                "--config",
                "QA",
                "--file",
                file,
                "--comment",
                "first"
            ]
        )
        .status
        .success()
    );
    plan["mode"] = "warnOnly".into();
    std::fs::write(&plan_file, serde_json::to_vec(&plan).unwrap()).unwrap();
    assert!(
        cli(
            dir.path(),
            &["mapping", "import", "--config", "QA", "--file", file]
        )
        .status
        .success()
    );
    let shown: Value =
        serde_json::from_slice(&cli(dir.path(), &["mapping", "show", "--config", "QA"]).stdout)
            .unwrap();
    assert_eq!(
        (shown["version"].as_i64(), shown["plan"]["mode"].as_str()),
        (Some(2), Some("warnOnly"))
    );
    let diff = stdout(&cli(
        dir.path(),
        &["mapping", "diff", "--config", "QA", "--from", "1"],
    ));
    assert_eq!(diff.trim(), "/mode: \"enforce\" -> \"warnOnly\"");

    // Copy QA to production: export, import.
    let exported = dir.path().join("qa.json");
    assert!(
        cli(
            dir.path(),
            &[
                "mapping",
                "export",
                "--config",
                "QA",
                "--output",
                exported.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    assert!(
        cli(
            dir.path(),
            &[
                "mapping",
                "import",
                "--config",
                "Production",
                "--file",
                exported.to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    let same = stdout(&cli(
        dir.path(),
        &[
            "mapping",
            "diff",
            "--files",
            exported.to_str().unwrap(),
            file,
        ],
    ));
    assert_eq!(same.trim(), "No differences.");

    // Test a sample against the current plan.
    let sample = dir.path().join("sample.json");
    std::fs::write(
        &sample,
        r#"{"userName": "a@contoso.com", "timezone": "europe/paris"}"#,
    )
    .unwrap();
    let tested = cli(
        dir.path(),
        &[
            "mapping",
            "test",
            "--config",
            "Production",
            "--sample",
            sample.to_str().unwrap(),
        ],
    );
    assert_eq!(tested.status.code(), Some(4));
    assert!(
        stdout(&tested).contains("timeZone FAILED") && stdout(&tested).contains("Europe/Paris"),
        "{}",
        stdout(&tested)
    );
    std::fs::write(
        &sample,
        r#"{"userName": "a@contoso.com", "timezone": "Europe/Paris"}"#,
    )
    .unwrap();
    let tested = cli(
        dir.path(),
        &[
            "mapping",
            "test",
            "--config",
            "Production",
            "--sample",
            sample.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(tested.status.code(), Some(0), "{}", stdout(&tested));

    assert!(
        cli(
            dir.path(),
            &["mapping", "rollback", "--config", "QA", "--version", "1"]
        )
        .status
        .success()
    );
    let versions = stdout(&cli(dir.path(), &["mapping", "versions", "--config", "QA"]));
    assert!(versions.contains("rollback to version 1"), "{versions}");
    assert_eq!(
        cli(
            dir.path(),
            &["mapping", "show", "--config", "QA", "--version", "9"]
        )
        .status
        .code(),
        Some(3)
    );
}

#[test]
fn users_import_reports_rows() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "target"])
            .status
            .success()
    );
    let file = dir.path().join("users.csv");
    std::fs::write(&file, "userName,active\nE1,true\nE2,maybe\n").unwrap();
    let out = cli(
        dir.path(),
        &[
            "users",
            "import",
            "--config",
            "target",
            "--file",
            file.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], 1);
    assert_eq!(report["rejected"][0]["row"], 3);
}

#[test]
fn mapping_test_runs_source_users_through_the_providers_mappings() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "app"])
            .status
            .success()
    );
    let template = cli(dir.path(), &["mapping", "template", "--provider", "entra"]);
    assert!(template.status.success());
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, &template.stdout).unwrap();
    let plan = plan_file.to_str().unwrap();
    let sources = dir.path().join("entra-users.csv");
    std::fs::write(
        &sources,
        "userPrincipalName,mail,preferredLanguage,telephoneNumber\n\
         zoe@contoso.com,zoe@contoso.com,en-US,+14155552671\n\
         ann@contoso.com,ann@contoso.com,en,+14155552671\n",
    )
    .unwrap();
    let run = cli(
        dir.path(),
        &[
            "mapping",
            "test",
            "--config",
            "app",
            "--plan",
            plan,
            "--source",
            sources.to_str().unwrap(),
        ],
    );
    let out = stdout(&run);
    assert_eq!(run.status.code(), Some(4), "{out}");
    assert!(
        out.contains("1 zoe@contoso.com: FAILED") && out.contains("send the language alone"),
        "{out}"
    );
    assert!(
        out.contains("2 ann@contoso.com: PASSED") && out.contains("1 of 2 source user(s) pass."),
        "{out}"
    );
}

#[test]
fn alerts_verbs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        console(dir.path())
            .args(args)
            .env_remove("SCIM_CONSOLE_DATA_DIR")
            .env(
                "SCIM_CONSOLE_MASTER_KEY",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            )
            .output()
            .unwrap()
    };
    assert!(run(&["config", "create", "Okta"]).status.success());
    let added = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "Okta stopped",
        "--when",
        "no-traffic",
        "--hours",
        "6",
        "--webhook",
        "https://hooks.example.com/services/T0/B0/secret",
        "--json",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let rule: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(rule["webhook"], "https://hooks.example.com/…");
    assert_eq!(
        rule["condition"],
        serde_json::json!({"kind": "noTraffic", "hours": 6})
    );
    let id = rule["id"].as_i64().unwrap().to_string();
    let added = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "Failures",
        "--when",
        "failure-rate",
        "--percent",
        "20",
        "--minutes",
        "30",
    ]);
    assert!(
        stdout(&added).contains("at least 20% of requests fail over 30 minutes"),
        "{}",
        stdout(&added)
    );
    // The token kinds: days ahead, with their defaults.
    for (when, days, kind, expected) in [
        ("token-expiring", None, "tokenExpiring", 14),
        ("rotation-overdue", None, "rotationOverdue", 0),
        ("rotation-overdue", Some("30"), "rotationOverdue", 30),
    ] {
        let mut args = vec![
            "alerts", "add", "--config", "okta", "--name", when, "--when", when, "--json",
        ];
        if let Some(days) = days {
            args.extend(["--days", days]);
        }
        let added = run(&args);
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        let rule: Value = serde_json::from_slice(&added.stdout).unwrap();
        assert_eq!(
            rule["condition"],
            serde_json::json!({"kind": kind, "days": expected})
        );
        let id = rule["id"].as_i64().unwrap().to_string();
        assert!(run(&["alerts", "remove", &id]).status.success());
    }
    // Email recipients: kept once each; a bad one is invalid input naming the field.
    let emailed = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "Mail",
        "--when",
        "revoked-token",
        "--email-to",
        "ops@contoso.com",
        "--email-to",
        "OPS@contoso.com",
        "--json",
    ]);
    let rule: Value = serde_json::from_slice(&emailed.stdout).unwrap();
    assert_eq!(rule["emailTo"], serde_json::json!(["ops@contoso.com"]));
    let mail = rule["id"].as_i64().unwrap().to_string();
    assert!(run(&["alerts", "remove", &mail]).status.success());
    let bad = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "x",
        "--when",
        "revoked-token",
        "--email-to",
        "not an address",
    ]);
    assert_eq!(bad.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("emailTo"));
    // Missing numbers and bad ones are invalid input (exit 4), naming the option.
    let missing = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "x",
        "--when",
        "failure-rate",
    ]);
    assert_eq!(missing.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--percent"));
    let bad = run(&[
        "alerts",
        "add",
        "--config",
        "okta",
        "--name",
        "x",
        "--when",
        "no-traffic",
        "--hours",
        "0",
    ]);
    assert_eq!(bad.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("condition.hours"));

    let list = stdout(&run(&["alerts", "list", "--config", "okta"]));
    assert!(
        list.contains("Okta stopped  [ok]  no requests for 6 hours  → https://hooks.example.com/…"),
        "{list}"
    );
    assert!(!list.contains("secret"));
    assert!(stdout(&run(&["alerts", "disable", &id])).contains("[disabled]"));
    assert!(stdout(&run(&["alerts", "enable", &id])).contains("[ok]"));
    // Nothing has been silent for 6 hours yet.
    assert!(stdout(&run(&["alerts", "evaluate"])).contains("Nothing raised or resolved."));
    assert!(stdout(&run(&["alerts", "history"])).contains("No alerts yet."));
    assert!(run(&["alerts", "remove", &id]).status.success());
    assert_eq!(run(&["alerts", "remove", &id]).status.code(), Some(3));
    let left: Value = serde_json::from_slice(&run(&["alerts", "list", "--json"]).stdout).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1);
}

#[test]
fn openapi_prints_the_admin_api_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["openapi"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/configurations"].is_object());
    assert!(doc["components"]["schemas"]["LogEntry"].is_object());
    // Nothing is written: no data directory is needed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn target_test_reports_and_exits_6_when_a_check_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = console(dir.path())
        .args(["target", "test", "--url", "http://127.0.0.1:9/scim/v2"])
        .env("SCIM_CONSOLE_TARGET_TOKEN", "scim_secret00_keepoutofoutput")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL") && text.contains("could not connect"),
        "{text}"
    );
    assert!(text.contains("does not work yet"));
    assert!(!text.contains("keepoutofoutput"));
    let json = console(dir.path())
        .args([
            "target",
            "test",
            "--url",
            "http://127.0.0.1:9/scim/v2",
            "--token",
            "t",
            "--json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["checks"][0]["verdict"], "fail");
}

#[test]
fn client_profiles_and_switches_by_identity_provider_and_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let created: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["config", "create", "Okta app", "--idp", "okta", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(created["clientProfile"], "okta");
    assert_eq!(created["compatibility"]["stringBooleans"], false);
    assert_eq!(created["compatibility"]["pathlessPatch"], true);
    let out = cli(
        dir.path(),
        &[
            "config",
            "set",
            "Okta app",
            "--pathless-patch",
            "off",
            "--unknown-attributes",
            "reject",
            "--manager-as-string",
            "on",
            "--json",
        ],
    );
    assert!(out.status.success());
    let set: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(set["clientProfile"], "okta");
    assert_eq!(set["compatibility"]["pathlessPatch"], false);
    assert_eq!(set["compatibility"]["unknownAttributes"], "reject");
    assert_eq!(set["compatibility"]["managerAsString"], true);
    assert_eq!(
        set["compatibility"]["stringBooleans"], false,
        "other switches stay"
    );
    assert_eq!(
        set["overriddenSwitches"],
        json!(["pathlessPatch", "unknownAttributes", "managerAsString"])
    );
    // The text says what each switch does and which ones differ from the profile.
    let text = stdout(&cli(dir.path(), &["config", "set", "Okta app"]));
    assert!(text.contains("client profile: okta"), "{text}");
    let line = text.lines().find(|l| l.contains("pathlessPatch")).unwrap();
    assert!(
        line.trim_start().starts_with("off") && line.contains("(overridden; okta has on)"),
        "{line}"
    );
    assert!(
        text.contains("Okta's deactivate and group rename"),
        "{text}"
    );
    assert!(
        text.contains("interopProfileConformant: not claimed"),
        "{text}"
    );
    // The switches for real clients' forms are listed: off in okta, one overridden.
    let line = text
        .lines()
        .find(|l| l.contains("unquotedFilterStrings"))
        .unwrap();
    assert!(line.trim_start().starts_with("off"), "{line}");
    let line = text
        .lines()
        .find(|l| l.contains("managerAsString"))
        .unwrap();
    assert!(
        line.trim_start().starts_with("on") && line.contains("(overridden; okta has off)"),
        "{line}"
    );
    // The strict profile: every switch off, and the claim.
    let strict: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &[
                "config",
                "set",
                "Okta app",
                "--client-profile",
                "strict",
                "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(strict["clientProfile"], "strict");
    assert_eq!(strict["compatibility"]["placeholderPassword"], false);
    assert_eq!(strict["interopProfileConformant"], true);
    assert_eq!(strict["overriddenSwitches"], json!([]));
    // `config compat` is the old name, and --idp picks the provider's profile.
    let entra: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["config", "compat", "Okta app", "--idp", "entra", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(entra["clientProfile"], "entra");
    assert_eq!(entra["compatibility"]["stringBooleans"], true);
    assert_eq!(entra["compatibility"]["acceptPut"], false);
    let shown = stdout(&cli(dir.path(), &["config", "show", "Okta app"]));
    assert!(shown.contains("client profile: entra"), "{shown}");
    let out = cli(dir.path(), &["config", "set", "nope"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn check_target_runs_the_conformance_checker_and_exits_8_when_a_must_fails() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(
            dir.path(),
            &["config", "create", "Strict", "--client-profile", "strict"]
        )
        .status
        .success()
    );
    // The configuration's own endpoint, served for the run: every MUST of its profile holds.
    let report = dir.path().join("report.xml");
    let ok = cli(
        dir.path(),
        &[
            "check",
            "--target",
            "Strict",
            "--allow-writes",
            "--rate",
            "200",
            "--format",
            "json",
            "--output",
            report.to_str().unwrap(),
        ],
    );
    // Over plain HTTP on loopback TLS 1.3 cannot be checked (a MUST of strict): no MUST
    // failed, yet the run is incomplete, exit 9, and says which MUSTs went unchecked.
    assert_eq!(
        ok.status.code(),
        Some(9),
        "{}\n{}",
        stdout(&ok),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stderr).contains("incomplete:"),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let json: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(json["profile"], "strict");
    assert!(json["results"].as_array().unwrap().len() > 20);
    assert!(
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] != "fail"),
        "{json}"
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("failures=\"0\"") && xml.contains("incomplete:"),
        "{xml}"
    );
    // The temporary token is revoked afterwards.
    let tokens: Value = serde_json::from_slice(
        &cli(
            dir.path(),
            &["token", "list", "--config", "Strict", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "revoked"),
        "{tokens}"
    );
    // Nothing answers there: every MUST fails, exit 8, and the table says why.
    let failed = cli(
        dir.path(),
        &[
            "check",
            "--target",
            "http://127.0.0.1:9/scim/v2",
            "--token",
            "x",
            "--only",
            "discovery",
        ],
    );
    assert_eq!(failed.status.code(), Some(8), "{}", stdout(&failed));
    assert!(stdout(&failed).contains("FAIL"), "{}", stdout(&failed));
    // Bad options are refused saying which, before anything is sent.
    let slow = cli(dir.path(), &["check", "--target", "Strict", "--rate", "0"]);
    assert_eq!(slow.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&slow.stderr).contains("--rate"));
    let none = cli(
        dir.path(),
        &["check", "--target", "Strict", "--only", "no-such-rule"],
    );
    assert!(!none.status.success());
    assert!(
        String::from_utf8_lossy(&none.stderr)
            .contains("no rule of the strict profile matches no-such-rule")
    );
    // A URL needs a token.
    let no_token = console(dir.path())
        .args(["check", "--target", "https://example.com/scim/v2"])
        .env_remove("SCIM_CONSOLE_CHECK_TOKEN")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("--token"));
}

#[test]
fn export_and_import_move_a_console_and_a_bad_database_url_is_named() {
    let from = tempfile::tempdir().unwrap();
    let created = cli(from.path(), &["config", "create", "Moving", "--json"]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = cli(
        from.path(),
        &["token", "create", "--config", "moving", "--json"],
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let file = from.path().join("console.jsonl");
    let exported = cli(
        from.path(),
        &["export", "--to", file.to_str().unwrap(), "--json"],
    );
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let summary: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let rows = |summary: &Value, table: &str| {
        summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .map(|t| t["rows"].as_u64().unwrap())
    };
    assert_eq!(rows(&summary, "configurations"), Some(1));
    assert_eq!(rows(&summary, "tokens"), Some(1));

    let to = tempfile::tempdir().unwrap();
    let migrated = cli(to.path(), &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(
        stdout(&migrated).contains("schema version"),
        "{}",
        stdout(&migrated)
    );
    let imported = cli(
        to.path(),
        &["import", "--from", file.to_str().unwrap(), "--json"],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let imported: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(imported["rows"], summary["rows"]);
    let list = stdout(&cli(to.path(), &["token", "list", "--config", "moving"]));
    let id = serde_json::from_slice::<Value>(&token.stdout).unwrap()["token"]
        .as_str()
        .unwrap()
        .split('_')
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(list.contains(&id), "{list}");
    // A second import into the same console is refused (exit 4), naming why.
    let again = cli(to.path(), &["import", "--from", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds 1 configuration"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // A database URL that is not PostgreSQL's is refused before anything is touched.
    let bad = cli(
        to.path(),
        &[
            "--database-url",
            "mysql://a:hunter2@db/scim",
            "config",
            "list",
        ],
    );
    assert_eq!(bad.status.code(), Some(4));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("database URL") && err.contains("postgres://"),
        "{err}"
    );
    assert!(err.contains("a mysql URL"), "{err}");
    assert!(!err.contains("hunter") && !err.contains("a:h"), "{err}");
    // An unreachable PostgreSQL says where, without the password.
    let down = cli(
        to.path(),
        &[
            "--database-url",
            "postgres://scim:hunter2@127.0.0.1:1/scim",
            "migrate",
        ],
    );
    assert!(!down.status.success());
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(err.contains("postgres://scim@127.0.0.1:1/scim"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // Restore writes SQLite files: with PostgreSQL it says what to use instead.
    let restore = cli(
        to.path(),
        &[
            "--database-url",
            "postgres://scim@127.0.0.1:1/scim",
            "restore",
            "--from",
            file.to_str().unwrap(),
        ],
    );
    assert!(!restore.status.success());
    assert!(
        String::from_utf8_lossy(&restore.stderr).contains("pg_restore"),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
}
