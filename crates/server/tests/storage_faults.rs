//! Storage faults over real HTTP: while another process holds the database's write lock, writes
//! are answered 503 with `Retry-After` (reads go on), and once it lets go the next write
//! succeeds without a restart. A damaged database file refuses to open with what to do.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

mod common;

use common::{TestServer, parts, send_json};
use reqwest::Method;
use scim_console_core::{CoreError, Store};
use serde_json::json;
use sqlx::{ConnectOptions as _, Connection as _};

fn user(name: &str) -> serde_json::Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

#[tokio::test]
async fn a_database_locked_by_another_process_answers_503_then_recovers() {
    let s = TestServer::start().await;
    // Another process (here: another connection) takes the write lock and keeps it.
    let mut other = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(s.dir.path().join("scim-console.db"))
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
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
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
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
