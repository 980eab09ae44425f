//! A change and its log record commit together: every directory write made for a SCIM request
//! leaves an outbox row in its own transaction; a stored record releases it; a row left over
//! (the process stopped before the record was written) becomes a record at recovery, once.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim::{InputRules, PatchRules, SchemaRegistry};
use scim_console_core::logs::outbox::{self, RECOVERED, RequestFacts};
use scim_console_core::logs::{Client, LogQuery, Operation, Outcome};
use scim_console_core::{Actor, Configuration, NewConfiguration, Store};
use serde_json::{Value, json};
use sqlx::ConnectOptions as _;

struct Env {
    dir: tempfile::TempDir,
    store: Store,
    config: Configuration,
    registry: SchemaRegistry,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let config = store
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    Env {
        dir,
        store,
        config,
        registry: SchemaRegistry::standard(),
    }
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
        .filename(env.store.path())
        .connect()
        .await
        .unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM log_outbox")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_directory_write_leaves_exactly_one_ticket() {
    let env = env().await;
    let (s, c, r) = (&env.store, &env.config, &env.registry);
    let body = json!({"userName": "ada@contoso.com", "password": "S3cret!"});
    let (user, tickets) = outbox::scope(
        facts("POST", Operation::Create, Some(&body)),
        s.create_user(c, r, body.clone(), &InputRules::default()),
    )
    .await;
    let user = user.unwrap();
    assert_eq!(tickets.len(), 1, "create_user");
    let id = user.resource["id"].as_str().unwrap().to_owned();
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Engineer"}]});
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::Update, Some(&patch)),
        s.patch_user(c, r, &id, patch.clone(), &PatchRules::default(), None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "patch_user");
    // A PATCH that changes nothing writes nothing.
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::Update, Some(&patch)),
        s.patch_user(c, r, &id, patch, &PatchRules::default(), None),
    )
    .await;
    done.unwrap();
    assert!(tickets.is_empty(), "a no-op PATCH");
    let (done, tickets) = outbox::scope(
        facts("PUT", Operation::Update, None),
        s.replace_user(
            c,
            r,
            &id,
            json!({"userName": "ada@contoso.com", "title": "Lead"}),
            &InputRules::default(),
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
            json!({"displayName": "Engineers", "members": [{"value": id}]}),
            &InputRules::default(),
        ),
    )
    .await;
    let group = group.unwrap();
    assert_eq!(tickets.len(), 1, "create_group");
    let gid = group.resource["id"].as_str().unwrap().to_owned();
    let remove = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]});
    let (done, tickets) = outbox::scope(
        facts("PATCH", Operation::MembershipChange, Some(&remove)),
        s.patch_group(c, r, &gid, remove, &PatchRules::default(), None, false),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "patch_group");
    let (done, tickets) = outbox::scope(
        facts("PUT", Operation::Update, None),
        s.replace_group(
            c,
            r,
            &gid,
            json!({"displayName": "Engineering"}),
            &InputRules::default(),
            None,
        ),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "replace_group");
    let (done, tickets) = outbox::scope(
        facts("DELETE", Operation::Delete, None),
        s.delete_group(c, &gid, None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "delete_group");
    let (done, tickets) = outbox::scope(
        facts("DELETE", Operation::Delete, None),
        s.delete_user(c, &id, None),
    )
    .await;
    done.unwrap();
    assert_eq!(tickets.len(), 1, "delete_user");
    // A refused write files no row (its statement failed; the ticket it noted has nothing to
    // release): the count below is of the eight writes above.
    s.create_user(c, r, json!({"userName": "taken"}), &InputRules::default())
        .await
        .unwrap();
    let (refused, tickets) = outbox::scope(
        facts("POST", Operation::Create, None),
        s.create_user(c, r, json!({"userName": "TAKEN"}), &InputRules::default()),
    )
    .await;
    assert!(refused.is_err());
    assert!(tickets.len() <= 1);
    // Outside a request (the command line's imports), writes leave no row.
    assert_eq!(outbox_rows(&env).await, 8);
    // Bodies stay out of the outbox (they may be large; the password never goes anywhere).
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(s.path())
        .connect()
        .await
        .unwrap();
    let stamps: Vec<String> = sqlx::query_scalar("SELECT request FROM log_outbox")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        stamps
            .iter()
            .all(|r| !r.contains("S3cret") && !r.contains("password"))
    );
    // Nothing was recorded yet: recovery writes all eight, once.
    assert_eq!(s.recover_log_outbox(0).await.unwrap(), 8);
    assert_eq!(outbox_rows(&env).await, 0);
    assert_eq!(s.recover_log_outbox(0).await.unwrap(), 0);
    let page = s
        .search_logs(&LogQuery {
            configuration: Some(c.id),
            ..LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 8);
    let ops: Vec<(Operation, u16, Option<&str>)> = page
        .entries
        .iter()
        .rev()
        .map(|e| (e.operation, e.status, e.resource_type.as_deref()))
        .collect();
    assert_eq!(
        ops,
        [
            (Operation::Create, 201, Some("User")),
            (Operation::Update, 200, Some("User")),
            (Operation::Update, 200, Some("User")),
            (Operation::Create, 201, Some("Group")),
            (Operation::MembershipChange, 200, Some("Group")),
            (Operation::Update, 200, Some("Group")),
            (Operation::Delete, 204, Some("Group")),
            (Operation::Delete, 204, Some("User")),
        ]
    );
    let first = page.entries.last().unwrap();
    assert_eq!(first.outcome, Outcome::Success);
    assert_eq!(first.detail.as_deref(), Some(RECOVERED));
    assert_eq!(first.resource_name.as_deref(), Some("ada@contoso.com"));
    assert_eq!(first.source, "203.0.113.5");
    assert_eq!(first.client, Client::Entra);
    assert_eq!(first.request_body, None, "a recovered record has no body");
    let deleted_group = &page.entries[1];
    assert_eq!(deleted_group.resource_name.as_deref(), Some("Engineering"));
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
    // The request's own record is stored: it releases the row.
    let recovered = s.recover_log_outbox(60_000_000).await.unwrap();
    assert_eq!(recovered, 0, "rows younger than the grace are left alone");
    let mut record = {
        // What the server's middleware writes for the request.
        let ((), tickets_again) =
            outbox::scope(facts("GET", Operation::Query, None), async {}).await;
        assert!(tickets_again.is_empty());
        scim_console_core::logs::LogEntry {
            seq: 0,
            at: chrono::Utc::now(),
            configuration_id: c.id,
            client: Client::Entra,
            user_agent: None,
            source: "203.0.113.5".into(),
            credential: Some("scim_ab12cd34_…".into()),
            method: "POST".into(),
            path: "/scim/entra/v2/Users".into(),
            operation: Operation::Create,
            resource_type: Some("User".into()),
            resource_id: None,
            resource_name: Some("grace".into()),
            status: 201,
            outcome: Outcome::Success,
            scim_type: None,
            refusal: None,
            detail: None,
            attributes: Vec::new(),
            duration_us: 700,
            changes: None,
            request_body: None,
            response_body: None,
            outbox: tickets.clone(),
        }
    };
    s.record_logs(std::slice::from_mut(&mut record))
        .await
        .unwrap();
    // The process stops before the log writer releases the row: recovery finds its record and
    // only deletes the row.
    assert_eq!(outbox_rows(&env).await, 1);
    assert_eq!(s.recover_log_outbox(0).await.unwrap(), 0);
    assert_eq!(outbox_rows(&env).await, 0);
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
    assert_eq!(s.recover_log_outbox(0).await.unwrap(), 1);
    let page = page_of(2).await;
    assert_eq!(page[0].credential.as_deref(), Some("scim_ef56gh78_…"));
    assert_eq!(page[0].resource_name.as_deref(), Some("hopper"));
    drop(env.dir);
}
