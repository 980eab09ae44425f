//! Storage faults over real HTTP: while another process holds the database's write lock, writes
//! are answered 503 with `Retry-After` (reads go on), and once it lets go the next write
//! succeeds without a restart. The same when the disk is full (a small tmpfs filled up), and
//! nothing acknowledged is lost. A damaged database file, or a data folder on a read-only file
//! system, refuses to open with what to do. The full-disk and read-only cases mount a tmpfs,
//! which needs root (CI runs as root); run as another user they skip, saying so.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use crate::common::{TestServer, WriteLock, parts, send_json};
use reqwest::Method;
use scim_console_core::{CoreError, Store};
use serde_json::json;

fn user(name: &str) -> serde_json::Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

#[tokio::test]
async fn a_database_locked_by_another_process_answers_503_then_recovers() {
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("SQLite's files only: PostgreSQL's outage is tested apart");
        return;
    }
    let s = TestServer::start().await;
    // Another process (here: another connection) takes the write lock and keeps it.
    let lock = WriteLock::take(&s.dir.path().join("scim-console.db")).await;
    let response = send_json(s.scim(Method::POST, "/Users"), &user("locked@contoso.com")).await;
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = parts(response).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "503");
    assert!(
        body["schemas"][0] == "urn:ietf:params:scim:api:messages:2.0:Error",
        "{body}"
    );
    assert_eq!(retry.as_deref(), Some("5"));
    // Reads go on meanwhile.
    let (status, _) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(status, 200);
    // The admin API says the same, in its own shape.
    let (status, body) = parts(
        send_json(
            s.admin(Method::POST, "/api/configurations"),
            &json!({"name": "During the lock"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 503, "{body}");
    // The lock goes: the next write succeeds, with no restart.
    lock.release().await;
    let (status, body) =
        parts(send_json(s.scim(Method::POST, "/Users"), &user("locked@contoso.com")).await).await;
    assert_eq!(status, 201, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn a_damaged_database_refuses_to_open_saying_how_to_restore() {
    let dir = tempfile::tempdir().unwrap();
    Store::open(dir.path()).await.unwrap().close().await;
    let file = dir.path().join("scim-console.db");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[..16].copy_from_slice(b"not a database!!");
    std::fs::write(&file, bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("scim-console.db-wal"));
    match Store::open(dir.path()).await {
        Err(CoreError::Corrupt(message)) => {
            assert!(message.contains("is damaged"), "{message}");
            assert!(
                message.contains("scim-console restore --from FILE --replace"),
                "{message}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a damaged database opened"),
    }
}

/// A small tmpfs mounted for one test, unmounted when dropped. Mounting needs root (CI runs as
/// root); elsewhere the tests that need one say so and skip.
struct Tmpfs {
    dir: tempfile::TempDir,
}

/// Whether this process runs as root (`id -u` prints 0).
fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Tmpfs {
    /// A tmpfs of `size`, or `None` (with the reason on stderr) when not running as root.
    fn mount(size: &str) -> Option<Self> {
        if !running_as_root() {
            eprintln!(
                "skipped: mounting a small tmpfs (a disk to fill up) needs root, as CI has; run the \
                 tests as root to cover the full-disk and read-only cases"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a tmpfs failed although running as root"
        );
        Some(Self { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    fn remount(&self, mode: &str) {
        // A closed store's last file handles are released by sqlx's connection threads a moment
        // later; until then `remount,ro` answers "busy".
        for _ in 0..50 {
            let status = std::process::Command::new("mount")
                .args(["-o", &format!("remount,{mode}")])
                .arg(self.dir.path())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            if status.success() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("remount {mode} failed for 5 s");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system holding `dir` until it has no space left.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0x5a; 64 * 1024];
    loop {
        if file.write_all(&block).is_err() {
            break;
        }
    }
    // Small writes until not one byte fits.
    while file.write_all(&[0x5a]).is_ok() && file.flush().is_ok() {}
    path
}

fn big_user(name: &str) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": "d".repeat(16 * 1024),
    })
}

#[tokio::test]
async fn a_full_disk_answers_503_loses_nothing_and_recovers_when_space_returns() {
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("SQLite's files only: PostgreSQL's outage is tested apart");
        return;
    }
    let Some(disk) = Tmpfs::mount("16m") else {
        return;
    };
    let data = tempfile::tempdir_in(disk.path()).unwrap();
    let s = TestServer::start_with(data, scim_console_server::Limits::default()).await;
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let (status, body) = parts(
            send_json(
                s.scim(Method::POST, "/Users"),
                &big_user(&format!("before{i}@contoso.com")),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
        acknowledged.push(body["id"].as_str().unwrap().to_owned());
    }
    let filler = fill(disk.path());
    // Writes now meet a full disk: each is either stored (SQLite had room in pages it already
    // owned) or answered 503 with Retry-After; never another error, never a lost answer.
    let mut refused = 0;
    for i in 0..200 {
        let response = send_json(
            s.scim(Method::POST, "/Users"),
            &big_user(&format!("full{i}@contoso.com")),
        )
        .await;
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = parts(response).await;
        match status {
            201 => acknowledged.push(body["id"].as_str().unwrap().to_owned()),
            503 => {
                assert_eq!(retry.as_deref(), Some("5"), "{body}");
                assert_eq!(body["status"], "503", "{body}");
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
            other => panic!("a write on a full disk got {other}: {body}"),
        }
    }
    assert_eq!(
        refused, 3,
        "200 large users were all stored on a full 16 MB disk"
    );
    // Reads go on while the disk is full.
    let (status, body) = parts(s.scim(Method::GET, "/Users?count=1").send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    // Space returns: writes succeed again without a restart.
    std::fs::remove_file(filler).unwrap();
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &big_user("after@contoso.com"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    acknowledged.push(body["id"].as_str().unwrap().to_owned());
    // Everything acknowledged is there.
    for id in &acknowledged {
        let (status, body) = parts(
            s.scim(Method::GET, &format!("/Users/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{id}: {body}");
    }
    let dir = s.stop().await;
    // And the databases are sound.
    let store = Store::open(dir.path()).await.unwrap();
    let problems = store.check_databases().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    store.close().await;
    drop(dir);
    drop(disk);
}

#[tokio::test]
async fn a_data_folder_on_a_read_only_file_system_refuses_to_open_saying_why() {
    let Some(disk) = Tmpfs::mount("16m") else {
        return;
    };
    let data = disk.path().join("data");
    std::fs::create_dir(&data).unwrap();
    Store::open(&data).await.unwrap().close().await;
    disk.remount("ro");
    match Store::open(&data).await {
        Err(error) => {
            let message = error.to_string();
            println!("{message}");
            assert!(message.contains("read-only"), "{message}");
            assert!(message.contains(&data.display().to_string()), "{message}");
        }
        Ok(_) => panic!("a store opened on a read-only file system"),
    }
    disk.remount("rw");
    Store::open(&data).await.unwrap().close().await;
}
