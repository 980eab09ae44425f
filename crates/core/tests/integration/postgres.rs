//! The store on PostgreSQL as several instances share it, and a whole console moved between
//! the backends. Runs in `cargo xtask test`'s PostgreSQL pass ([`testing::TEST_POSTGRES_ENV`]
//! names the server); without one there is nothing to run against, and each test says so.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::sync::Arc;

use scim::{InputRules, PatchRules, SchemaRegistry};
use scim_console_core::logs::{self, Client, LogEntry, Operation, Outcome, outbox};
use scim_console_core::mapping::plan::Plan;
use scim_console_core::testing::{self, fresh_schema};
use scim_console_core::token::Authentication;
use scim_console_core::{Actor, ConfigurationId, NewConfiguration, NewToken, Store};
use serde_json::json;

/// The test server's URL, or `None` (the test is skipped, saying why).
fn server() -> Option<String> {
    let url = testing::test_postgres();
    if url.is_none() {
        eprintln!(
            "no PostgreSQL server ({} unset): this test runs in `cargo xtask test`'s PostgreSQL pass",
            testing::TEST_POSTGRES_ENV
        );
    }
    url
}

/// Two instances on one new schema.
async fn two_instances(server: &str) -> (Store, Store) {
    let url = fresh_schema(server).await.unwrap();
    let a = Store::open_postgres(&url, 4).await.unwrap();
    let b = Store::open_postgres(&url, 4).await.unwrap();
    (a, b)
}

fn log_entry(configuration: ConfigurationId, i: usize) -> LogEntry {
    LogEntry {
        seq: 0,
        at: chrono::Utc::now(),
        configuration_id: configuration,
        client: Client::Okta,
        user_agent: Some("Okta SCIM Client 1.0.0".into()),
        source: "192.0.2.1".into(),
        credential: Some("scim_abcdefgh_…".into()),
        method: "POST".into(),
        path: "/scim/x/v2/Users".into(),
        operation: Operation::Create,
        resource_type: Some("User".into()),
        resource_id: Some(format!("id-{i}")),
        resource_name: Some(format!("user{i}@example.com")),
        resource_keys: None,
        status: 201,
        outcome: Outcome::Success,
        scim_type: None,
        refusal: None,
        detail: None,
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 1200,
        changes: None,
        request_body: Some(logs::redact(&json!({"userName": format!("user{i}")}))),
        response_body: None,
        outbox: Vec::new(),
        direction: logs::Direction::Inbound,
    }
}

#[tokio::test]
async fn one_user_name_created_on_two_instances_at_once_is_created_once() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let config = a
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let registry = Arc::new(SchemaRegistry::standard());
    for round in 0..10 {
        let mut tasks = Vec::new();
        for (i, store) in [&a, &b, &a, &b].into_iter().enumerate() {
            let store = store.clone();
            let config = config.clone();
            let registry = registry.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .create_user(
                        &config,
                        &registry,
                        json!({"userName": format!("race{round}@example.com"), "externalId": format!("{i}")}),
                        &InputRules::default(),
                    )
                    .await
            }));
        }
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => created += 1,
                Err(e) => assert!(e.is_conflict(), "{e}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
}

#[tokio::test]
async fn member_patches_of_one_group_on_two_instances_lose_nothing() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let config = a
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let registry = Arc::new(SchemaRegistry::standard());
    let mut users = Vec::new();
    for i in 0..40 {
        let written = a
            .create_user(
                &config,
                &registry,
                json!({"userName": format!("m{i}")}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        users.push(written.resource["id"].as_str().unwrap().to_owned());
    }
    let group = b
        .create_group(
            &config,
            &registry,
            json!({"displayName": "Everyone"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let group_id = group.resource["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (config, registry, group_id, user) = (
            config.clone(),
            registry.clone(),
            group_id.clone(),
            user.clone(),
        );
        tasks.push(tokio::spawn(async move {
            store
                .patch_group(
                    &config,
                    &registry,
                    &group_id,
                    json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}]
                    }),
                    &PatchRules::default(),
                    None,
                    false,
                )
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let stored = a.get_group(&config, &group_id, true).await.unwrap();
    let members = stored["members"].as_array().unwrap();
    assert_eq!(members.len(), users.len());
    // Every add bumped the version once.
    assert_eq!(
        stored["meta"]["version"],
        json!(format!("W/\"{}\"", users.len() + 1))
    );
}

#[tokio::test]
async fn a_token_revoked_through_one_instance_is_refused_by_the_other_at_once() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let config = a
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let issued = a
        .create_token(
            config.id,
            &NewToken {
                label: "okta".into(),
                ..NewToken::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let token = issued.token.expose().to_owned();
    // B accepts it (and caches it).
    for _ in 0..3 {
        let auth = b
            .authenticate(&config.slug, Some(&token), "x")
            .await
            .unwrap();
        assert!(matches!(auth, Authentication::Accepted(..)));
    }
    a.revoke_token(config.id, &issued.info.id, &Actor::cli())
        .await
        .unwrap();
    let auth = b
        .authenticate(&config.slug, Some(&token), "x")
        .await
        .unwrap();
    assert!(!matches!(auth, Authentication::Accepted(..)), "{auth:?}");
    // A disabled configuration, likewise.
    let second = a
        .create_token(config.id, &NewToken::default(), &Actor::system())
        .await
        .unwrap();
    let second = second.token.expose().to_owned();
    assert!(matches!(
        b.authenticate(&config.slug, Some(&second), "x")
            .await
            .unwrap(),
        Authentication::Accepted(..)
    ));
    a.update_configuration(
        config.id,
        scim_console_core::configuration::ConfigurationUpdate {
            enabled: Some(false),
            ..Default::default()
        },
        &Actor::cli(),
    )
    .await
    .unwrap();
    // B sees the configuration disabled (the endpoint then answers 403) on its next request.
    match b
        .authenticate(&config.slug, Some(&second), "x")
        .await
        .unwrap()
    {
        Authentication::Accepted(configuration, _) => assert!(!configuration.enabled),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn records_stored_by_one_instance_are_announced_to_the_other() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let config = a
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let mut follower = b.follow_other_instances().await.unwrap().unwrap();
    let mut own = a.follow_other_instances().await.unwrap().unwrap();
    let mut batch: Vec<LogEntry> = (0..3).map(|i| log_entry(config.id, i)).collect();
    a.record_logs(&mut batch).await.unwrap();
    let seqs = tokio::time::timeout(std::time::Duration::from_secs(10), follower.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seqs, batch.iter().map(|e| e.seq).collect::<Vec<_>>());
    let read = b.log_entries(&seqs).await.unwrap();
    assert_eq!(read.len(), 3);
    assert_eq!(read[2].resource_name.as_deref(), Some("user2@example.com"));
    // An instance does not hear its own records.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), own.next())
            .await
            .is_err()
    );
    // Free text finds them on PostgreSQL as on SQLite.
    let page = b
        .search_logs(&logs::LogQuery {
            text: Some("user1@example.com".into()),
            ..logs::LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    let page = b
        .search_logs(&logs::LogQuery {
            text: Some("user*".into()),
            client: Some(Client::Okta),
            ..logs::LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 3);
    let page = b
        .search_logs(&logs::LogQuery {
            text: Some("user*".into()),
            client: Some(Client::Entra),
            ..logs::LogQuery::default()
        })
        .await
        .unwrap();
    assert!(page.entries.is_empty());
}

/// A console with something in every part that moves.
async fn populate(store: &Store) {
    let registry = SchemaRegistry::standard();
    let config = store
        .create_configuration(NewConfiguration::named("Pilot"), &Actor::system())
        .await
        .unwrap();
    store
        .create_token(config.id, &NewToken::default(), &Actor::cli())
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..30 {
        let written = store
            .create_user(
                &config,
                &registry,
                json!({"userName": format!("u{i}@example.com"), "active": i % 3 != 0, "name": {"givenName": format!("Given {i}")}}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        ids.push(written.resource["id"].as_str().unwrap().to_owned());
    }
    let members: Vec<_> = ids.iter().take(12).map(|id| json!({"value": id})).collect();
    store
        .create_group(
            &config,
            &registry,
            json!({"displayName": "Pilot users", "members": members}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    store
        .save_mapping_plan(
            config.id,
            &Plan::default_users(),
            registry.user(),
            "first plan",
            &Actor::cli(),
        )
        .await
        .unwrap();
    let mut batch: Vec<LogEntry> = (0..25).map(|i| log_entry(config.id, i)).collect();
    store.record_logs(&mut batch).await.unwrap();
}

/// An export without its header line (which says when and from where).
async fn export_body(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    store.export_to(&mut out).await.unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_console_moves_from_sqlite_to_postgres_and_back_unchanged() {
    let Some(server) = server() else { return };
    let first_dir = tempfile::tempdir().unwrap();
    let first = Store::open(first_dir.path()).await.unwrap();
    populate(&first).await;
    let original = export_body(&first).await;
    assert!(original.len() > 90, "{}", original.len());

    let mut file = Vec::new();
    let summary = first.export_to(&mut file).await.unwrap();
    assert_eq!(summary.rows("users"), 30);
    assert_eq!(summary.rows("group_members"), 12);
    assert_eq!(summary.rows("provisioning_log"), 25);

    let pg = Store::open_postgres(&fresh_schema(&server).await.unwrap(), 4)
        .await
        .unwrap();
    let imported = pg.import_from(file.as_slice()).await.unwrap();
    assert_eq!(imported, summary);
    assert_eq!(export_body(&pg).await, original);
    // It serves: the totals kept by triggers and the full-text index were rebuilt.
    let config = pg.list_configurations().await.unwrap().remove(0);
    let registry = SchemaRegistry::standard();
    let page = pg
        .list_users(
            &config,
            &registry,
            &scim::ListQuery::default(),
            scim::Paging {
                start_index: 1,
                count: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 30);
    let found = pg
        .search_logs(&logs::LogQuery {
            text: Some("user7@example.com".into()),
            ..logs::LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.entries.len(), 1);
    // New records continue after the imported positions.
    let mut more = vec![log_entry(config.id, 99)];
    pg.record_logs(&mut more).await.unwrap();
    assert_eq!(more[0].seq, 26);
    // Importing twice is refused, and changes nothing.
    let mut again = Vec::new();
    first.export_to(&mut again).await.unwrap();
    let err = pg.import_from(again.as_slice()).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");

    // And back to SQLite.
    let mut from_pg = Vec::new();
    let pg_back = Store::open_postgres(&fresh_schema(&server).await.unwrap(), 4)
        .await
        .unwrap();
    pg_back.import_from(file.as_slice()).await.unwrap();
    pg_back.export_to(&mut from_pg).await.unwrap();
    let last_dir = tempfile::tempdir().unwrap();
    let last = Store::open(last_dir.path()).await.unwrap();
    last.import_from(from_pg.as_slice()).await.unwrap();
    assert_eq!(export_body(&last).await, original);
    assert!(last.check_databases().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_broken_import_leaves_the_destination_empty() {
    let Some(server) = server() else { return };
    let pg = Store::open_postgres(&fresh_schema(&server).await.unwrap(), 4)
        .await
        .unwrap();
    let source_dir = tempfile::tempdir().unwrap();
    let source = Store::open(source_dir.path()).await.unwrap();
    populate(&source).await;
    let mut file = Vec::new();
    source.export_to(&mut file).await.unwrap();
    let mut text = String::from_utf8(file).unwrap();
    // A row whose integer column holds text, near the end.
    text.push_str("{\"table\": \"log_minutes\", \"columns\": [\"configuration_id\", \"minute\", \"requests\", \"failures\", \"skipped\", \"warnings\", \"writes\", \"duration_us\"]}\n");
    text.push_str("[\"x\", \"soon\", 1, 0, 0, 0, 0, 0]\n");
    let err = pg.import_from(text.as_bytes()).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("log_minutes.minute"), "{message}");
    assert!(message.contains("line "), "{message}");
    assert!(pg.list_configurations().await.unwrap().is_empty());
}

#[tokio::test]
async fn instances_count_each_other_to_share_the_rate_limit_out() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    assert_eq!(a.heartbeat().await.unwrap(), 1);
    assert_eq!(b.heartbeat().await.unwrap(), 2);
    assert_eq!(a.heartbeat().await.unwrap(), 2);
    // An instance that stops beating is no longer counted after ten seconds.
    let clock = Arc::new(scim_console_core::time::ManualClock::starting_now());
    let a_later = a.clone().with_clock(clock.clone());
    clock.advance(std::time::Duration::from_secs(11));
    assert_eq!(a_later.heartbeat().await.unwrap(), 1);
    // SQLite: one process serves.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Store::open(dir.path())
            .await
            .unwrap()
            .heartbeat()
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_mapping_plan_saved_through_one_instance_applies_on_the_other_at_once() {
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let config = a
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let registry = SchemaRegistry::standard();
    let create = |name: &'static str| {
        let (b, config, registry) = (b.clone(), config.clone(), registry.clone());
        async move {
            b.create_user(
                &config,
                &registry,
                json!({"userName": name, "preferredLanguage": "fr-FR"}),
                &InputRules::default(),
            )
            .await
            .unwrap()
            .resource["preferredLanguage"]
                .clone()
        }
    };
    assert_eq!(create("before@contoso.com").await, "fr-FR");
    let mut plan = Plan::default_users();
    plan.rules
        .iter_mut()
        .find(|r| r.target == "preferredLanguage")
        .unwrap()
        .transforms
        .push(scim_console_core::mapping::plan::Transform::Expression {
            expression: r#"Item(Split([value], "-"), 1)"#.into(),
        });
    a.save_mapping_plan(config.id, &plan, registry.user(), "split", &Actor::cli())
        .await
        .unwrap();
    // B compiled no plan before; it now shapes its next create with A's.
    assert_eq!(create("after@contoso.com").await, "fr");
}

/// What a SCIM request's writes are stamped with.
fn facts(name: &str) -> outbox::RequestFacts {
    outbox::RequestFacts {
        at: chrono::Utc::now(),
        client: Client::Entra,
        user_agent: None,
        source: "203.0.113.5".into(),
        method: "POST".into(),
        path: format!("/scim/entra/v2/Users#{name}"),
        operation: Operation::Create,
        request_body: None,
        credential: None,
    }
}

#[tokio::test]
async fn a_crashed_instances_unrecorded_changes_get_their_records_from_another() {
    let Some(server) = server() else { return };
    let url = fresh_schema(&server).await.unwrap();
    let a = Store::open_postgres(&url, 4).await.unwrap();
    let b = Store::open_postgres(&url, 4).await.unwrap();
    a.heartbeat().await.unwrap();
    b.heartbeat().await.unwrap();
    let config = a
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let registry = SchemaRegistry::standard();
    // A creates a user for a request and crashes before the request's record is stored.
    let (user, _tickets) = outbox::scope(
        facts("lost"),
        a.create_user(
            &config,
            &registry,
            json!({"userName": "lost@contoso.com"}),
            &InputRules::default(),
        ),
    )
    .await;
    user.unwrap();
    // B serves on. Its checkpoints pass the time of A's change; they vouch for B's changes only.
    let clock = Arc::new(scim_console_core::time::ManualClock::starting_now());
    let b = b.with_clock(clock.clone());
    for _ in 0..3 {
        clock.advance(std::time::Duration::from_secs(60));
        b.heartbeat().await.unwrap();
        b.mark_logged_until(b.now_us() - 60_000_000).await.unwrap();
        // Within the grace A might still be storing its records: nothing is taken for lost.
        assert_eq!(b.recover_log_records().await.unwrap(), 0);
    }
    assert_eq!(b.heartbeat().await.unwrap(), 1, "A is no longer counted");
    // Past the grace, B's periodic recovery gives A's change its record, once.
    clock.advance(std::time::Duration::from_secs(180));
    b.heartbeat().await.unwrap();
    b.mark_logged_until(b.now_us() - 60_000_000).await.unwrap();
    assert_eq!(b.recover_log_records().await.unwrap(), 1);
    assert_eq!(
        testing::recovered_names(&b).await.unwrap(),
        ["lost@contoso.com"]
    );
    clock.advance(std::time::Duration::from_secs(120));
    assert_eq!(b.recover_log_records().await.unwrap(), 0);
    assert_eq!(testing::recovered_names(&b).await.unwrap().len(), 1);

    // An instance that stops gracefully (its records stored) leaves nothing to recover and
    // holds nothing back.
    let c = Store::open_postgres(&url, 2)
        .await
        .unwrap()
        .with_clock(clock.clone());
    c.heartbeat().await.unwrap();
    assert_eq!(b.heartbeat().await.unwrap(), 2);
    c.mark_all_logged().await.unwrap();
    assert_eq!(b.heartbeat().await.unwrap(), 1, "C retired");
    clock.advance(std::time::Duration::from_secs(600));
    assert_eq!(b.recover_log_records().await.unwrap(), 0);
}

/// A certificate authority and a server certificate for `localhost` only that it signed, as
/// PEM: (CA, server certificate, server key).
fn certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server = server_params.signed_by(&server_key, &issuer).unwrap();
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

#[tokio::test]
async fn sslmode_verify_full_connects_to_a_server_whose_certificate_it_trusts_and_no_other() {
    if server().is_none() {
        return;
    }
    let pg = testing::TempPostgres::start().unwrap();
    let (ca, certificate, key) = certificates();
    pg.enable_tls(&certificate, &key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trusted = dir.path().join("ca.pem");
    std::fs::write(&trusted, &ca).unwrap();
    let (stranger, _, _) = certificates();
    let untrusted = dir.path().join("other-ca.pem");
    std::fs::write(&untrusted, &stranger).unwrap();
    let url = |host: &str, root: &std::path::Path| {
        format!(
            "postgres://scim@{host}:{}/scim?sslmode=verify-full&sslrootcert={}",
            pg.port(),
            root.display()
        )
    };
    // The certificate names the host and a trusted CA signed it: connected, over TLS.
    let store = Store::open_postgres(&url("localhost", &trusted), 2)
        .await
        .unwrap();
    store
        .create_configuration(NewConfiguration::named("over tls"), &Actor::system())
        .await
        .unwrap();
    store.close().await;
    // Another CA signed it: refused.
    let refused = Store::open_postgres(&url("localhost", &untrusted), 2)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("certificate"), "{refused}");
    // The right CA, but the certificate does not name 127.0.0.1: refused.
    assert!(
        Store::open_postgres(&url("127.0.0.1", &trusted), 2)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_browser_sign_in_code_issued_by_one_instance_is_exchanged_on_the_other_once() {
    use scim_console_core::administrators::accounts::NewAdministrator;
    use scim_console_core::administrators::device_codes::challenge_of;
    use scim_console_core::administrators::roles::{Grant, Role};
    let Some(server) = server() else { return };
    let (a, b) = two_instances(&server).await;
    let ada = a
        .create_administrator(
            &NewAdministrator {
                email: "ada@contoso.com".into(),
                name: String::new(),
                grants: vec![Grant::everywhere(Role::Editor)],
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let verifier = "the-desktop-apps-verifier-of-at-least-43-characters";
    let code = a
        .issue_device_code(&ada.id, &challenge_of(verifier), "ada-laptop")
        .await
        .unwrap();
    let issued = b
        .redeem_device_code(code.expose(), verifier, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(issued.token.roles, vec![Role::Editor]);
    assert!(
        a.redeem_device_code(code.expose(), verifier, "127.0.0.1")
            .await
            .is_err()
    );
    assert!(
        a.api_token_caller(issued.secret.expose())
            .await
            .unwrap()
            .is_some()
    );
}
