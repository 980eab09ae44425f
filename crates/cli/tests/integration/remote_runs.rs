//! `scim-console --server URL` for the verbs that run work on the server: mapping plans
//! (saved, compared, copied, rolled back, tried on a sample), brown-field user imports,
//! targets, pilot runs and conformance checks — what they print is what the local verbs print.

use serde_json::Value;

use super::cli::{cli, stdout};
use super::remote::{Remote, administrator_token, local_json, run_with, stderr};

#[test]
fn mapping_plans_and_the_directory_over_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let owner = administrator_token(dir, "ada@contoso.com", &["owner"]);
    let editor = administrator_token(dir, "ed@contoso.com", &["editor"]);
    let viewer = administrator_token(dir, "vic@contoso.com", &["viewer"]);
    let remote = Remote::start(dir);
    remote.ok(&owner, &["config", "create", "Acme"]);
    remote.ok(&owner, &["config", "create", "Beta"]);

    // `template`, `schema` and `validate` need no server, with --server or without.
    let plan = remote.ok(&viewer, &["mapping", "template"]);
    let first = dir.join("plan.json");
    std::fs::write(&first, &plan).unwrap();
    let mut changed: Value = serde_json::from_str(&plan).unwrap();
    changed["fields"][1]["validators"] = serde_json::json!([{"kind": "required"}]);
    let second = dir.join("plan-2.json");
    std::fs::write(&second, changed.to_string()).unwrap();
    assert!(
        remote
            .ok(
                &viewer,
                &["mapping", "validate", "--file", second.to_str().unwrap()]
            )
            .contains("valid")
    );

    let none = remote.run(&viewer, &["mapping", "show", "--config", "acme"]);
    assert_eq!(none.status.code(), Some(3), "{}", stderr(&none));
    assert!(
        stderr(&none).contains("a mapping plan for \"Acme\""),
        "{}",
        stderr(&none)
    );
    let refused = remote.run(
        &viewer,
        &[
            "mapping",
            "import",
            "--config",
            "acme",
            "--file",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(10), "{}", stderr(&refused));
    let saved = remote.ok(
        &editor,
        &[
            "mapping",
            "import",
            "--config",
            "acme",
            "--file",
            first.to_str().unwrap(),
            "--comment",
            "first",
        ],
    );
    assert!(
        saved.contains("Saved as version 1 of \"Acme\"'s mapping plan."),
        "{saved}"
    );
    remote.ok(
        &editor,
        &[
            "mapping",
            "import",
            "--config",
            "acme",
            "--file",
            second.to_str().unwrap(),
        ],
    );

    // Versions, one version, differences: the same here and over the API.
    for args in [
        &["mapping", "versions", "--config", "acme", "--json"][..],
        &["mapping", "show", "--config", "acme", "--version", "1"],
        &["mapping", "show", "--config", "acme"],
        &[
            "mapping", "diff", "--config", "acme", "--from", "1", "--json",
        ],
        &["mapping", "export", "--config", "acme"],
    ] {
        let here = cli(dir, args);
        assert!(here.status.success(), "{args:?}: {}", stderr(&here));
        assert_eq!(stdout(&here), remote.ok(&viewer, args), "{args:?}");
    }
    let diff = remote.ok(
        &viewer,
        &["mapping", "diff", "--config", "acme", "--from", "1"],
    );
    assert!(diff.contains("externalId"), "{diff}");
    let rolled = remote.ok(
        &editor,
        &["mapping", "rollback", "--config", "acme", "--version", "1"],
    );
    assert_eq!(rolled.trim(), "Version 1 restored as version 3.");
    let copied = remote.ok(
        &editor,
        &["mapping", "copy", "--from", "acme", "--to", "beta"],
    );
    assert!(
        copied.contains("\"Acme\" version 3 copied to \"Beta\" as version 1."),
        "{copied}"
    );

    // A sample tried on the server prints as it does here.
    let sample = dir.join("sample.json");
    std::fs::write(
        &sample,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"carol@contoso.com","active":true}"#,
    )
    .unwrap();
    let args = [
        "mapping",
        "test",
        "--config",
        "acme",
        "--sample",
        sample.to_str().unwrap(),
    ];
    let here = cli(dir, &args);
    let there = remote.run(&viewer, &args);
    assert!(there.status.success(), "{}", stderr(&there));
    assert_eq!(stdout(&here), stdout(&there));
    assert!(stdout(&there).ends_with("PASSED\n"), "{}", stdout(&there));
    let failing = remote.run(
        &viewer,
        &[
            "mapping",
            "test",
            "--config",
            "acme",
            "--plan",
            second.to_str().unwrap(),
            "--sample",
            sample.to_str().unwrap(),
        ],
    );
    assert_eq!(failing.status.code(), Some(4), "{}", stderr(&failing));
    assert!(stdout(&failing).contains("FAILED"), "{}", stdout(&failing));

    // Brown-field users, sent as the file is.
    let users = dir.join("users.csv");
    std::fs::write(&users, "userName,active\nE1,true\nE2,maybe\n").unwrap();
    let imported = remote.ok(
        &editor,
        &[
            "users",
            "import",
            "--config",
            "acme",
            "--file",
            users.to_str().unwrap(),
        ],
    );
    assert!(
        imported.contains("Imported 1 user(s) into \"Acme\""),
        "{imported}"
    );
    assert!(
        imported.contains("row 3: ") && imported.contains("maybe"),
        "{imported}"
    );
}

#[test]
fn targets_pilot_runs_and_conformance_checks_run_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let owner = administrator_token(dir, "ada@contoso.com", &["owner"]);
    let viewer = administrator_token(dir, "vic@contoso.com", &["viewer"]);
    let remote = Remote::start(dir);
    remote.ok(&owner, &["config", "create", "Pilot"]);
    let acme = remote.json(&owner, &["config", "create", "Acme", "--json"]);
    let base = acme["scimBaseUrl"].as_str().unwrap().to_owned();
    let made = remote.run(&owner, &["token", "create", "--config", "acme"]);
    let scim_token = stdout(&made).trim().to_owned();

    // The credential goes to the server (its keychain, or sealed there), never echoed.
    let added = run_with(
        &remote.origin,
        &owner,
        &["target", "add", "--name", "Acme app", "--url", &base],
        &[("SCIM_CONSOLE_TARGET_TOKEN", &scim_token)],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let said = format!("{}{}", stdout(&added), stderr(&added));
    assert!(said.contains("Added target \"Acme app\""), "{said}");
    assert!(!said.contains(&scim_token), "{said}");
    assert_eq!(
        local_json(dir, &["target", "list", "--json"]),
        remote.json(&viewer, &["target", "list", "--json"])
    );
    let tested = remote.ok(&owner, &["target", "test", "Acme app"]);
    assert!(tested.contains("The connection works."), "{tested}");
    let any = run_with(
        &remote.origin,
        &owner,
        &["target", "test", "--url", &base],
        &[("SCIM_CONSOLE_TARGET_TOKEN", "scim_wrong")],
    );
    assert_eq!(any.status.code(), Some(6), "{}", stderr(&any));
    assert!(stdout(&any).contains("FAIL"), "{}", stdout(&any));

    // A pilot run on the server: the file is sent, the report printed as here.
    let users = dir.join("users.csv");
    std::fs::write(
        &users,
        "userPrincipalName,mail,givenName,surname,IsSoftDeleted\nada@contoso.com,ada@contoso.com,Ada,Lovelace,False\ngrace@contoso.com,grace@contoso.com,Grace,Hopper,False\n",
    )
    .unwrap();
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, remote.ok(&owner, &["mapping", "template"])).unwrap();
    let refused = remote.run(
        &owner,
        &[
            "pilot",
            "run",
            "--plan",
            plan_file.to_str().unwrap(),
            "--source",
            users.to_str().unwrap(),
            "--target",
            "Acme app",
        ],
    );
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("mapping import"),
        "{}",
        stderr(&refused)
    );
    let ran = remote.ok(
        &owner,
        &[
            "pilot",
            "run",
            "--plan",
            "pilot",
            "--source",
            users.to_str().unwrap(),
            "--target",
            "Acme app",
        ],
    );
    assert!(ran.contains("2 users: 2 created"), "{ran}");
    assert!(
        ran.contains("ada@contoso.com") && ran.contains("created"),
        "{ran}"
    );
    let again = remote.json(
        &owner,
        &[
            "pilot",
            "run",
            "--plan",
            "pilot",
            "--source",
            users.to_str().unwrap(),
            "--target",
            "Acme app",
            "--json",
        ],
    );
    assert_eq!(again["counts"]["unchanged"], 2, "{again}");
    let outbound = local_json(
        dir,
        &[
            "logs",
            "search",
            "--config",
            "pilot",
            "--direction",
            "outbound",
            "--json",
        ],
    );
    assert!(
        !outbound["entries"].as_array().unwrap().is_empty(),
        "{outbound}"
    );

    // The conformance checker on the server, against its own configuration.
    let url = remote.run(&owner, &["check", "--target", &base]);
    assert_eq!(url.status.code(), Some(4), "{}", stderr(&url));
    let checked = remote.run(
        &owner,
        &[
            "check",
            "--target",
            "acme",
            "--profile",
            "rfc",
            "--rate",
            "200",
            "--format",
            "json",
        ],
    );
    assert!(
        matches!(checked.status.code(), Some(0 | 8 | 9)),
        "{}",
        stderr(&checked)
    );
    let report: Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert!(report["results"].as_array().unwrap().len() > 10, "{report}");
    assert_eq!(report["profile"], "rfc");

    remote.ok(&owner, &["target", "remove", "Acme app"]);
    assert_eq!(
        local_json(dir, &["target", "list", "--json"]),
        serde_json::json!([])
    );
}
