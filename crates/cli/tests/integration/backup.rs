//! `backup` while `serve` runs under a write load, and `restore` into another data directory:
//! the restored console serves the same configurations, tokens (the identity provider's token
//! still works), users, groups, audit and provisioning log. A data directory that holds a
//! console is only replaced on request, with its files moved aside; a damaged backup is refused.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::common::{runtime, scim, serve};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scim-console"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("SCIM_CONSOLE_DATA_DIR")
        .output()
        .unwrap()
}

fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "displayName": name})
}

#[test]
fn a_backup_taken_while_serving_restores_the_whole_console() {
    let a = tempfile::tempdir().unwrap();
    let served = serve(a.path());
    let token = served.token.clone().unwrap();
    let rt = runtime();
    // A directory: users, a group with members.
    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::new();
        for i in 0..20 {
            let (status, created) = scim(
                &served.base,
                &token,
                reqwest::Method::POST,
                "/Users",
                Some(user(&format!("user{i}@contoso.com"))),
            )
            .await;
            assert_eq!(status, 201, "{created}");
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        let members: Vec<Value> = ids[..5].iter().map(|id| json!({"value": id})).collect();
        let (status, _) = scim(
            &served.base,
            &token,
            reqwest::Method::POST,
            "/Groups",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": members})),
        )
        .await;
        assert_eq!(status, 201);
        ids
    });
    assert_eq!(ids.len(), 20);
    json_of(&cli(
        a.path(),
        &[
            "token", "create", "--config", "default", "--label", "second", "--json",
        ],
    ));

    // Backups while a client keeps writing: each is consistent.
    let writing = Arc::new(AtomicBool::new(true));
    let load = {
        let (base, token, writing) = (served.base.clone(), token.clone(), writing.clone());
        std::thread::spawn(move || {
            let rt = runtime();
            let mut n: u32 = 0;
            while writing.load(Ordering::SeqCst) {
                let (status, _) = rt.block_on(scim(
                    &base,
                    &token,
                    reqwest::Method::POST,
                    "/Users",
                    Some(user(&format!("load{n}@contoso.com"))),
                ));
                assert_eq!(status, 201);
                n += 1;
            }
            n
        })
    };
    let busy = a.path().join("busy.backup");
    let mut users_per_backup = Vec::new();
    for _ in 0..3 {
        let manifest = json_of(&cli(
            a.path(),
            &["backup", "--to", busy.to_str().unwrap(), "--json"],
        ));
        users_per_backup.push(manifest["users"].as_i64().unwrap());
        let c = tempfile::tempdir().unwrap();
        let restored = json_of(&cli(
            c.path(),
            &["restore", "--from", busy.to_str().unwrap(), "--json"],
        ));
        assert_eq!(restored["manifest"]["users"], manifest["users"]);
        // The restored copy is whole: its counts agree with its rows.
        let again = json_of(&cli(
            c.path(),
            &[
                "backup",
                "--to",
                c.path().join("again").to_str().unwrap(),
                "--json",
            ],
        ));
        assert_eq!(again["users"], manifest["users"]);
        assert_eq!(again["groups"], 1);
    }
    writing.store(false, Ordering::SeqCst);
    let written = load.join().unwrap();
    assert!(written > 0, "the load wrote while backups ran");
    assert!(
        users_per_backup.windows(2).all(|w| w[0] <= w[1]),
        "{users_per_backup:?}"
    );

    // The live databases are healthy, checked while serving.
    let health = json_of(&cli(a.path(), &["check", "--json"]));
    assert_eq!(health["ok"], true, "{health}");
    // A quiet backup, restored elsewhere, is the same console.
    let file = a.path().join("console.backup");
    let manifest = json_of(&cli(
        a.path(),
        &["backup", "--to", file.to_str().unwrap(), "--json"],
    ));
    assert_eq!(manifest["users"].as_i64().unwrap(), 20 + i64::from(written));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let b = tempfile::tempdir().unwrap();
    let restored = json_of(&cli(
        b.path(),
        &["restore", "--from", file.to_str().unwrap(), "--json"],
    ));
    assert_eq!(restored["manifest"], manifest);
    for args in [
        &["config", "list", "--json"][..],
        &["token", "list", "--config", "default", "--json"],
        &["audit", "list", "--limit", "1000", "--json"],
        &["logs", "search", "--limit", "1000", "--json"],
    ] {
        assert_eq!(
            json_of(&cli(a.path(), args)),
            json_of(&cli(b.path(), args)),
            "{args:?}"
        );
    }
    drop(served);
    let restored_server = serve(b.path());
    let original = serve(a.path());
    rt.block_on(async {
        for path in ["/Users?count=1000&sortBy=userName", "/Groups"] {
            let (status, there) = scim(
                &restored_server.base,
                &token,
                reqwest::Method::GET,
                path,
                None,
            )
            .await;
            assert_eq!(
                status, 200,
                "the identity provider's token works on the restored console"
            );
            let (_, here) = scim(&original.base, &token, reqwest::Method::GET, path, None).await;
            let strip = |mut v: Value| {
                // meta.location names the server.
                for r in v["Resources"].as_array_mut().unwrap() {
                    r["meta"].as_object_mut().unwrap().remove("location");
                }
                v
            };
            assert_eq!(strip(there), strip(here), "{path}");
        }
    });
    drop(original);
    drop(restored_server);

    // A data directory holding a console is replaced only on request, its files kept aside.
    let out = cli(a.path(), &["restore", "--from", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));
    let replaced = json_of(&cli(
        a.path(),
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--replace",
            "--json",
        ],
    ));
    let aside = replaced["movedAside"].as_array().unwrap();
    assert!(!aside.is_empty());
    assert!(
        aside
            .iter()
            .all(|p| Path::new(p.as_str().unwrap()).exists())
    );

    // A damaged backup (cut short, as by a full disk) is refused before anything is touched;
    // so is a file that is no backup at all.
    let bytes = std::fs::read(&file).unwrap();
    let damaged = a.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let not_a_backup = a.path().join("scim-console.db");
    let d = tempfile::tempdir().unwrap();
    for bad in [&damaged, &not_a_backup] {
        let out = cli(d.path(), &["restore", "--from", bad.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{said}");
        assert!(
            said.contains("is not a usable SCIM Console backup"),
            "{said}"
        );
        assert!(!d.path().join("scim-console.db").exists());
    }
}
