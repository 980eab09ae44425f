//! `scim-console admin …`: administrators created with roles (limited to configurations or
//! not), listed as text and JSON, given other roles, disabled and enabled — the last owner
//! kept — with errors that name what is wrong.

use serde_json::Value;

use super::cli::{cli, stdout};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn admin_verbs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    assert!(cli(dir, &["config", "create", "Acme QA"]).status.success());
    let empty = cli(dir, &["admin", "list"]);
    assert!(
        stdout(&empty).contains("No administrators yet"),
        "{}",
        stdout(&empty)
    );

    let owner = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "Ada@Contoso.com",
            "--role",
            "owner",
        ],
    );
    assert!(owner.status.success(), "{}", stderr(&owner));
    let printed = stdout(&owner);
    let (first, link) = printed.trim().split_once('\n').unwrap();
    assert_eq!(first, "Created Ada <Ada@Contoso.com>: owner");
    // A one-time link, the code in the fragment.
    let code = link
        .strip_prefix("Sign-in link: http://127.0.0.1:8444/sign-in#code=")
        .unwrap_or_else(|| panic!("{link}"));
    assert_eq!(code.len(), 43);
    assert!(
        stderr(&owner).contains("works once, for 15 minutes"),
        "{}",
        stderr(&owner)
    );
    let editor = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "grace@partner.example",
            "--name",
            "Grace Hopper",
            "--role",
            "editor",
            "--role",
            "viewer",
            "--config",
            "acme-qa",
        ],
    );
    assert!(editor.status.success(), "{}", stderr(&editor));
    assert_eq!(
        stdout(&editor).lines().next().unwrap(),
        "Created Grace Hopper <grace@partner.example>: editor (acme-qa), viewer (acme-qa)"
    );
    // A new link on request, at the console's public URL.
    let link = cli(
        dir,
        &[
            "admin",
            "link",
            "grace@partner.example",
            "--url",
            "https://scim.contoso.com/",
            "--json",
        ],
    );
    let link: Value = serde_json::from_slice(&link.stdout).unwrap();
    assert!(
        link["signInLink"]
            .as_str()
            .unwrap()
            .starts_with("https://scim.contoso.com/sign-in#code="),
        "{link}"
    );
    assert_eq!(link["signInLinkMinutes"], 15);

    let listed: Value =
        serde_json::from_slice(&cli(dir, &["admin", "list", "--json"]).stdout).unwrap();
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["Ada@Contoso.com", "grace@partner.example"]);
    assert_eq!(listed[1]["grants"][0]["role"], "editor");
    assert_eq!(
        listed[1]["grants"][0]["configurations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let text = stdout(&cli(dir, &["admin", "list"]));
    assert!(
        text.contains("grace@partner.example") && text.contains("editor (acme-qa)"),
        "{text}"
    );

    // Errors say what is wrong, with the exit codes `--help` lists.
    let duplicate = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "ADA@contoso.com",
            "--role",
            "viewer",
        ],
    );
    assert_eq!(duplicate.status.code(), Some(4), "{}", stderr(&duplicate));
    assert!(
        stderr(&duplicate).contains("already exists"),
        "{}",
        stderr(&duplicate)
    );
    let bad_role = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "x@contoso.com",
            "--role",
            "admin",
        ],
    );
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(
        stderr(&bad_role).contains("owner, security, editor and viewer"),
        "{}",
        stderr(&bad_role)
    );
    let scoped_owner = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "x@contoso.com",
            "--role",
            "owner",
            "--config",
            "acme-qa",
        ],
    );
    assert!(!scoped_owner.status.success());
    assert!(
        stderr(&scoped_owner).contains("whole server"),
        "{}",
        stderr(&scoped_owner)
    );
    let unknown = cli(dir, &["admin", "disable", "nobody@contoso.com"]);
    assert_eq!(unknown.status.code(), Some(3));

    // The last owner stays; with another, it may go.
    let last = cli(dir, &["admin", "disable", "ada@contoso.com"]);
    assert!(!last.status.success());
    assert!(
        stderr(&last).contains("last active owner"),
        "{}",
        stderr(&last)
    );
    let promoted = cli(
        dir,
        &["admin", "role", "grace@partner.example", "--role", "owner"],
    );
    assert_eq!(
        stdout(&promoted).trim(),
        "Changed Grace Hopper <grace@partner.example>: owner"
    );
    let disabled = cli(dir, &["admin", "disable", "ada@contoso.com"]);
    assert_eq!(
        stdout(&disabled).trim(),
        "Disabled Ada <Ada@Contoso.com>: owner, disabled"
    );
    let enabled = cli(dir, &["admin", "enable", "ada@contoso.com", "--json"]);
    let enabled: Value = serde_json::from_slice(&enabled.stdout).unwrap();
    assert_eq!(enabled["state"], "active");
    // Each change is in the audit log, by the command line's user.
    let audit = stdout(&cli(dir, &["audit", "list", "--action", "administrator."]));
    // Two creates (each with its link), one more link, a role, a disable, an enable.
    assert_eq!(audit.matches("administrator.").count(), 8, "{audit}");
}

#[test]
fn api_token_and_session_verbs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let created = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "sec@contoso.com",
            "--role",
            "security",
            "--role",
            "viewer",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    // Only roles the administrator holds; a lifetime in range.
    let wider = cli(
        dir,
        &[
            "api-token",
            "create",
            "--admin",
            "sec@contoso.com",
            "--name",
            "ci",
            "--role",
            "owner",
        ],
    );
    assert!(!wider.status.success());
    assert!(
        stderr(&wider).contains("you do not hold the role owner"),
        "{}",
        stderr(&wider)
    );
    let long = cli(
        dir,
        &[
            "api-token",
            "create",
            "--admin",
            "sec@contoso.com",
            "--name",
            "ci",
            "--days",
            "400",
        ],
    );
    assert!(!long.status.success());
    let made = cli(
        dir,
        &[
            "api-token",
            "create",
            "--admin",
            "sec@contoso.com",
            "--name",
            "nightly export",
            "--role",
            "viewer",
            "--days",
            "30",
        ],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let printed = stdout(&made);
    let (first, secret) = printed.trim().split_once('\n').unwrap();
    assert!(
        first.contains("\"nightly export\" for sec@contoso.com (viewer)"),
        "{first}"
    );
    assert!(
        secret.starts_with("scap_") && secret.len() == 48,
        "{secret}"
    );
    let id = first.split_whitespace().nth(1).unwrap().to_owned();
    let listed = stdout(&cli(
        dir,
        &["api-token", "list", "--admin", "SEC@contoso.com"],
    ));
    assert!(
        listed.contains(&id) && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(secret));
    let revoked = cli(
        dir,
        &["api-token", "revoke", "--admin", "sec@contoso.com", &id],
    );
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let listed: Value = serde_json::from_slice(
        &cli(
            dir,
            &["api-token", "list", "--admin", "sec@contoso.com", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert!(listed[0]["revoked"].is_string(), "{listed}");
    let again = cli(
        dir,
        &["api-token", "revoke", "--admin", "sec@contoso.com", &id],
    );
    assert!(!again.status.success());
    // No session yet; ending an unknown one says so; a password reset is audited.
    let sessions = stdout(&cli(dir, &["admin", "sessions", "sec@contoso.com"]));
    assert!(sessions.contains("has no open session"), "{sessions}");
    let end = cli(
        dir,
        &[
            "admin",
            "end-session",
            "sec@contoso.com",
            "ses_0000000000000000",
        ],
    );
    assert!(!end.status.success());
    assert!(
        stderr(&end).contains("ses_0000000000000000"),
        "{}",
        stderr(&end)
    );
    let reset = cli(dir, &["admin", "reset-password", "sec@contoso.com"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    let audit = stdout(&cli(dir, &["audit", "list", "--action", "administrator."]));
    for action in [
        "administrator.api-token.create",
        "administrator.api-token.revoke",
        "administrator.password.clear",
    ] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

/// The lines `serve` prints until it is ready (the first start's token note), then stops it.
fn serve_output(dir: &std::path::Path, extra: &[&str]) -> String {
    use std::io::{BufRead, BufReader};
    // The same database as `cli` (the PostgreSQL pass gives each folder its own schema).
    let mut child = crate::common::console(dir)
        .args(["serve", "--port", "0"])
        .args(extra)
        .env("DBUS_SESSION_BUS_ADDRESS", "")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("shown only now")
            || (line.trim().starts_with("SCIM base URL:") && line.ends_with(')'))
        {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    printed
}

#[test]
fn serve_prints_no_admin_token_once_administrators_exist() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let first = serve_output(dir, &[]);
    assert!(first.contains("/login?token="), "{first}");
    assert!(
        first.contains("Admin token:  ") && !first.contains("not printed"),
        "{first}"
    );
    let created = cli(
        dir,
        &[
            "admin",
            "create",
            "--email",
            "ada@contoso.com",
            "--role",
            "owner",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let later = serve_output(dir, &[]);
    assert!(!later.contains("/login?token="), "{later}");
    assert!(later.contains("Admin token:  not printed"), "{later}");
    assert!(
        later.contains("sign in as one of the 1 administrator(s)"),
        "{later}"
    );
    let asked = serve_output(dir, &["--print-admin-token"]);
    assert!(asked.contains("/login?token="), "{asked}");
}
