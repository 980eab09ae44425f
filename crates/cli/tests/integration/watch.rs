//! `config health` and `config deletions`, here and on a server: the same answers both ways.

use super::cli::{cli, stdout};
use super::remote::{Remote, administrator_token, local_json};

#[test]
fn health_and_the_deletion_threshold_here_and_remotely() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "Okta"])
            .status
            .success()
    );
    let health = local_json(dir.path(), &["config", "health", "Okta", "--json"]);
    assert_eq!(health["state"], "healthy", "{health}");
    let text = stdout(&cli(dir.path(), &["config", "health", "Okta"]));
    assert!(
        text.starts_with("healthy: no request for a user failed"),
        "{text}"
    );

    let set = local_json(
        dir.path(),
        &[
            "config",
            "deletions",
            "Okta",
            "--count",
            "5",
            "--window",
            "30",
            "--json",
        ],
    );
    assert_eq!(
        set["threshold"]["description"], "5 deletions or deactivations within 30 minutes",
        "{set}"
    );
    assert_eq!(set["held"], serde_json::json!([]));
    let refused = cli(
        dir.path(),
        &["config", "deletions", "Okta", "--percent", "0"],
    );
    assert!(!refused.status.success());
    let released = stdout(&cli(
        dir.path(),
        &["config", "deletions", "Okta", "--release-all"],
    ));
    assert!(
        released.contains("0 held deletion(s) released"),
        "{released}"
    );

    let token = administrator_token(dir.path(), "owner@contoso.com", &["owner"]);
    let remote = Remote::start(dir.path());
    let shown = remote.json(&token, &["config", "deletions", "Okta", "--json"]);
    assert_eq!(shown["threshold"], set["threshold"], "{shown}");
    let off = remote.json(&token, &["config", "deletions", "Okta", "--off", "--json"]);
    assert!(off["threshold"].is_null(), "{off}");
    let text = remote.ok(&token, &["config", "deletions", "Okta"]);
    assert!(text.contains("threshold: none"), "{text}");
    let health = remote.json(&token, &["config", "health", "Okta", "--json"]);
    assert_eq!(health["state"], "healthy", "{health}");
}
