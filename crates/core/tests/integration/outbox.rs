//! A change and its log record commit together: every directory write made for a SCIM request
//! leaves an outbox row in its own transaction; a stored record releases it; a row left over
//! (the process stopped before the record was written) becomes a record at recovery, once.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim::{InputRules, PatchRules};
use scim_console_core::Configuration;
use scim_console_core::logs::outbox::{self, RECOVERED, RequestFacts};
use scim_console_core::logs::{Client, LogQuery, Operation, Outcome};
use scim_console_core::testing::recovered_names;
use serde_json::{Value, json};
use sqlx::ConnectOptions as _;

use crate::common::Env;

/// On SQLite files whatever the backend: the tests open them.
async fn env() -> Env {
    Env::sqlite("Entra").await
}

fn facts(method: &str, operation: Operation, body: Option<&Value>) -> RequestFacts {
    RequestFacts {
        at: chrono::Utc::now(),
        client: Client::Entra,
        user_agent: Some("Azure AD SCIM client".into()),
        source: "203.0.113.5".into(),
        method: method.into(),
        path: "/scim/entra/v2/Users".into(),
        operation,
        request_body: body.map(scim_console_core::logs::redact),
        credential: None,
    }
}

/// Outbox rows in the main database, read with a connection of the test's own.
async fn outbox_rows(env: &Env) -> i64 {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(env.store.path().unwrap())
        .connect()
        .await
        .unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM log_outbox")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The id of a resource written outside any request (as the command line's imports do).
fn id_of(written: &scim_console_core::directory::Written) -> String {
    written.resource["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_directory_write_is_stamped_and_recovered_once() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let plain = InputRules::default();
    // Written outside a request: no stamp, nothing to recover.
    let bob = id_of(
        &s.create_user(c, r, json!({"userName": "bob"}), &plain)
            .await
            .unwrap(),
    );
    let cyd = id_of(
        &s.create_user(c, r, json!({"userName": "cyd"}), &plain)
            .await
            .unwrap(),
    );
    let dan = id_of(
        &s.create_user(c, r, json!({"userName": "dan"}), &plain)
            .await
            .unwrap(),
    );
    let ops = id_of(
        &s.create_group(c, r, json!({"displayName": "Ops"}), &plain)
            .await
            .unwrap(),
    );
    let sec = id_of(
        &s.create_group(c, r, json!({"displayName": "Sec"}), &plain)
            .await
            .unwrap(),
    );
    let tmp = id_of(
        &s.create_group(c, r, json!({"displayName": "Tmp"}), &plain)
            .await
            .unwrap(),
    );
    assert_eq!(s.recover_log_records().await.unwrap(), 0);

    let body = json!({"userName": "ada@contoso.com", "password": "S3cret!"});
    let (user, tickets) = outbox::scope(
        facts("POST", Operation::Create, Some(&body)),
        s.create_user(c, r, body.clone(), &plain),
    )
    .await;
    let ada = id_of(&user.unwrap());
    assert_eq!(tickets.len(), 1, "create_user");
    let patch = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}]});
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::Update, Some(&patch)),
        s.patch_user(c, r, &bob, patch.clone(), &PatchRules::default(), None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "patch_user");
    // A PATCH that changes nothing writes nothing.
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::Update, Some(&patch)),
        s.patch_user(c, r, &bob, patch, &PatchRules::default(), None),
    )
    .await;
    done.unwrap();
    assert!(tickets.is_empty(), "a no-op PATCH");
    let (done, tickets) = outbox::scope(
        facts("PUT", Operation::Update, None),
        s.replace_user(
            c,
            r,
            &cyd,
            json!({"userName": "cyd", "title": "Lead"}),
            &plain,
            None,
        ),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "replace_user");
    let (group, tickets) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_group(
            c,
            r,
            json!({"displayName": "Engineers", "members": [{"value": ada}]}),
            &plain,
        ),
    )
    .await;
    group.unwrap();
    assert_eq!(tickets.len(), 1, "create_group");
    let add = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]});
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::MembershipChange, Some(&add)),
        s.patch_group(c, r, &ops, add, &PatchRules::default(), None, false),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "patch_group");
    let (done, tickets) = outbox::scope(
        facts("PUT", Operation::Update, None),
        s.replace_group(c, r, &sec, json!({"displayName": "Security"}), &plain, None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "replace_group");
    let (done, tickets) = outbox::scope(
        facts("DELETE", Operation::Delete, None),
        s.delete_group(c, &tmp, None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "delete_group");
    let (done, tickets) = outbox::scope(
        facts("DELETE", Operation::Delete, None),
        s.delete_user(c, &dan, None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "delete_user");
    // A refused write changes nothing, so nothing is recovered for it.
    let (refused, _) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "BOB"}), &plain),
    )
    .await;
    assert!(refused.is_err());
    // Deletes file an outbox row; the others keep their stamp in their row.
    assert_eq!(outbox_rows(&env).await, 2);
    // Bodies stay out of the stamps (they may be large; the password never goes anywhere).
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(s.path().unwrap())
        .connect()
        .await
        .unwrap();
    let stamps: Vec<String> = sqlx::query_scalar(
        "SELECT request FROM log_outbox UNION ALL SELECT log_request FROM users WHERE log_request IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(stamps.len(), 5);
    assert!(
        stamps
            .iter()
            .all(|r| !r.contains("S3cret") && !r.contains("password"))
    );
    // Nothing was recorded (the process "stopped"): recovery writes all eight, once.
    assert_eq!(s.recover_log_records().await.unwrap(), 8);
    assert_eq!(outbox_rows(&env).await, 0);
    assert_eq!(s.recover_log_records().await.unwrap(), 0);
    let page = s
        .search_logs(&LogQuery {
            configuration: Some(c.id),
            ..LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 8);
    let mut seen: Vec<(Operation, u16, String)> = page
        .entries
        .iter()
        .map(|e| {
            (
                e.operation,
                e.status,
                e.resource_name.clone().unwrap_or_default(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(
        seen,
        [
            (Operation::Create, 201, "Engineers".to_owned()),
            (Operation::MembershipChange, 200, "Ops".to_owned()),
            (Operation::Update, 200, "Security".to_owned()),
            (Operation::Delete, 204, "Tmp".to_owned()),
            (Operation::Create, 201, "ada@contoso.com".to_owned()),
            (Operation::Update, 200, "bob".to_owned()),
            (Operation::Update, 200, "cyd".to_owned()),
            (Operation::Delete, 204, "dan".to_owned()),
        ]
    );
    let ada_record = page
        .entries
        .iter()
        .find(|e| e.resource_name.as_deref() == Some("ada@contoso.com"))
        .unwrap();
    assert_eq!(ada_record.outcome, Outcome::Success);
    assert_eq!(ada_record.detail.as_deref(), Some(RECOVERED));
    assert_eq!(ada_record.resource_id.as_deref(), Some(ada.as_str()));
    assert_eq!(ada_record.source, "203.0.113.5");
    assert_eq!(ada_record.client, Client::Entra);
    assert_eq!(
        ada_record.request_body, None,
        "a recovered record has no body"
    );
}

#[tokio::test]
async fn stored_records_release_their_rows_and_are_never_recorded_twice() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let (user, tickets) = outbox::scope(facts("POST", Operation::Create, None), async {
        outbox::note_credential("scim_ab12cd34_…");
        s.create_user(c, r, json!({"userName": "grace"}), &InputRules::default())
            .await
    })
    .await;
    user.unwrap();
    let page_of = |n| {
        let store = s.clone();
        async move {
            let page = store
                .search_logs(&LogQuery::default())
                .await
                .unwrap()
                .entries;
            assert_eq!(page.len(), n);
            page
        }
    };
    // Deletes' outbox rows younger than the grace are left to the log writer.
    assert_eq!(s.recover_log_outbox(60_000_000).await.unwrap(), 0);
    let mut record = {
        // What the server's middleware writes for the request.
        let ((), tickets_again) =
            outbox::scope(facts("GET", Operation::Query, None), async {}).await;
        assert!(tickets_again.is_empty());
        let mut record = record_at(c, chrono::Utc::now(), "grace", tickets.clone());
        record.credential = Some("scim_ab12cd34_…".into());
        record
    };
    s.record_logs(std::slice::from_mut(&mut record))
        .await
        .unwrap();
    // The process stops right after: recovery finds the change's record and adds nothing.
    assert_eq!(s.recover_log_records().await.unwrap(), 0);
    let page = page_of(1).await;
    assert_eq!(
        page[0].detail, None,
        "the request's own record, not a recovered one"
    );
    // A recovered record keeps the credential the request was authenticated with.
    let (user, _lost) = outbox::scope(facts("POST", Operation::Create, None), async {
        outbox::note_credential("scim_ef56gh78_…");
        s.create_user(c, r, json!({"userName": "hopper"}), &InputRules::default())
            .await
    })
    .await;
    user.unwrap();
    assert_eq!(s.recover_log_records().await.unwrap(), 1);
    let page = page_of(2).await;
    assert_eq!(page[0].credential.as_deref(), Some("scim_ef56gh78_…"));
    assert_eq!(page[0].resource_name.as_deref(), Some("hopper"));
    drop(env.dir);
}

#[tokio::test]
async fn the_checkpoint_keeps_changes_whose_records_retention_deleted_from_looking_unlogged() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let (user, _) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "eve"}), &InputRules::default()),
    )
    .await;
    user.unwrap();
    // The run ends cleanly: every change has its record (here: recovered now).
    assert_eq!(s.recover_log_records().await.unwrap(), 1);
    s.mark_logged_until(chrono::Utc::now().timestamp_micros())
        .await
        .unwrap();
    // Later, retention empties the log.
    let mut logs = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(
            env.dir
                .path()
                .join(scim_console_core::store::LOG_DATABASE_FILE),
        )
        .connect()
        .await
        .unwrap();
    sqlx::query("DELETE FROM provisioning_log")
        .execute(&mut logs)
        .await
        .unwrap();
    // The next start does not take eve's creation for an unlogged change.
    assert_eq!(s.recover_log_records().await.unwrap(), 0);
    // A change after the checkpoint still is one.
    let (user, _) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "fay"}), &InputRules::default()),
    )
    .await;
    user.unwrap();
    assert_eq!(s.recover_log_records().await.unwrap(), 1);
}

#[tokio::test]
async fn an_unreadable_stamp_does_not_stop_recovery() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let (user, _) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "gus"}), &InputRules::default()),
    )
    .await;
    user.unwrap();
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(s.path().unwrap())
        .connect()
        .await
        .unwrap();
    sqlx::query("INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, request) VALUES (7, 0, ?, 'User', 'x', 'not json')")
        .bind(c.id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO users (configuration_id, id, user_name, user_name_folded, active, created_us, modified_us, version, data, log_request) VALUES (?, 'broken', 'hal', 'hal', 1, 0, 9223372036854775000, 1, '{}', '{')")
        .bind(c.id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    // gus is recovered; the broken stamps are passed over, and the bad outbox row goes.
    assert_eq!(s.recover_log_records().await.unwrap(), 1);
    assert_eq!(outbox_rows(&env).await, 0);
}

/// A record as the server's middleware writes it for a request that arrived at `at`.
fn record_at(
    c: &Configuration,
    at: chrono::DateTime<chrono::Utc>,
    name: &str,
    outbox: Vec<i64>,
) -> scim_console_core::logs::LogEntry {
    scim_console_core::logs::LogEntry {
        seq: 0,
        at,
        configuration_id: c.id,
        client: Client::Entra,
        user_agent: None,
        source: "203.0.113.5".into(),
        credential: None,
        method: "POST".into(),
        path: "/scim/entra/v2/Users".into(),
        operation: Operation::Create,
        resource_type: Some("User".into()),
        resource_id: None,
        resource_name: Some(name.into()),
        resource_keys: None,
        status: 201,
        outcome: Outcome::Success,
        scim_type: None,
        refusal: None,
        detail: None,
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 700,
        changes: None,
        request_body: None,
        response_body: None,
        outbox,
        direction: scim_console_core::logs::Direction::Inbound,
    }
}

/// Recovery reads the log in slices (so that its memory does not grow with the log): a change
/// whose record lies tens of thousands of records after the change's time is still found, in
/// a later slice, and only the change without a record gets one.
#[tokio::test]
async fn recovery_finds_records_far_down_a_long_log() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let stored_facts = facts("POST", Operation::Create, None);
    let arrived = stored_facts.at;
    let (user, tickets) = outbox::scope(
        stored_facts,
        s.create_user(c, r, json!({"userName": "ida"}), &InputRules::default()),
    )
    .await;
    user.unwrap();
    let (user, _lost) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "jon"}), &InputRules::default()),
    )
    .await;
    user.unwrap();
    // Other requests' records come first (after both changes), then ida's own record.
    let now = chrono::Utc::now();
    for batch in 0..5 {
        let mut others: Vec<_> = (0..5_000)
            .map(|i| {
                record_at(
                    c,
                    now,
                    &format!("other-{batch}-{i}"),
                    vec![i64::from(i) + 1],
                )
            })
            .collect();
        s.record_logs(&mut others).await.unwrap();
    }
    let mut own = [record_at(c, arrived, "ida", tickets)];
    s.record_logs(&mut own).await.unwrap();
    assert!(
        own[0].seq > 25_000,
        "ida's record lies beyond the first slices"
    );
    assert_eq!(s.recover_log_records().await.unwrap(), 1);
    assert_eq!(recovered_names(s).await.unwrap(), ["jon"]);
}

/// After a crash under load many rows carry stamps: recovery reads them in slices, and a change
/// without a record is found in any slice (here the middle one of three), and only it.
#[tokio::test]
async fn recovery_reads_many_stamped_changes_in_slices() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let seed_facts = facts("POST", Operation::Create, None);
    let arrived = seed_facts.at;
    let (user, seed_tickets) = outbox::scope(
        seed_facts,
        s.create_user(c, r, json!({"userName": "seed"}), &InputRules::default()),
    )
    .await;
    let seed_id = id_of(&user.unwrap());
    // 12,000 more changes of that request's moment, each with a ticket of its own.
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(s.path().unwrap())
        .connect()
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
         INSERT INTO users (configuration_id, id, user_name, user_name_folded, active, created_us, modified_us, version, data, log_request)
         SELECT u.configuration_id, printf('bulk-%05d', i), printf('bulk-%05d', i), printf('bulk-%05d', i), 1, u.created_us, u.modified_us, 1, u.data,
                json_set(u.log_request, '$.ticket', 1000000 + i)
         FROM users u, n WHERE u.id = ?",
    )
    .bind(&seed_id)
    .execute(&mut conn)
    .await
    .unwrap();
    // Every change has its record but the seed's and bulk-07777's.
    let mut records: Vec<_> = (1..=12_000_i64)
        .filter(|i| *i != 7_777)
        .map(|i| record_at(c, arrived, &format!("bulk-{i:05}"), vec![1_000_000 + i]))
        .collect();
    s.record_logs(&mut records).await.unwrap();
    assert!(!seed_tickets.is_empty());
    assert_eq!(s.recover_log_records().await.unwrap(), 2);
    assert_eq!(recovered_names(s).await.unwrap(), ["bulk-07777", "seed"]);
    // Nothing is recorded twice.
    assert_eq!(s.recover_log_records().await.unwrap(), 0);
}
