//! What the store keeps and how it reads it back: data across a reopening, the data directory,
//! pages rendered from stored text, the database check, client profiles, and the query planner's
//! statistics.

use scim::{InputRules, PatchRules, SchemaRegistry, ScimType};
use scim_console_core::configuration::ConfigurationUpdate;
use scim_console_core::{Actor, NewConfiguration, Store};
use serde_json::{Value, json};
use sqlx::Connection as _;

use super::store::{create_user, env, query, scim_type};
use crate::common::Env;

#[tokio::test]
async fn data_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let registry = SchemaRegistry::standard();
    let (config_id, user_id) = {
        let store = scim_console_core::testing::open_test_store(dir.path())
            .await
            .unwrap();
        let config = store
            .create_configuration(NewConfiguration::named("default"), &Actor::system())
            .await
            .unwrap();
        let user = store
            .create_user(
                &config,
                &registry,
                json!({"userName": "kept"}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        store.close().await;
        (config.id, user.resource["id"].as_str().unwrap().to_owned())
    };
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap();
    let config = store.configuration(config_id).await.unwrap();
    assert_eq!(
        store.get_user(&config, &user_id).await.unwrap()["userName"],
        "kept"
    );
}

#[tokio::test]
async fn data_dir_resolution_prefers_the_explicit_one() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Store::resolve_data_dir(Some(dir.path())).unwrap(),
        dir.path()
    );
}

// Rendering pages without parsing

/// Every resource of a page rendered from its stored text (the fast path for the default
/// projection) must be the same JSON as the resource parsed, given its location and projected
/// by default.
fn assert_pages_render_alike(env: &Env, page: scim_console_core::directory::ListPage) {
    use scim_console_core::directory::PageResource;
    assert!(page.stored_is_default_form);
    let schema_of = |m: &serde_json::Map<String, Value>| {
        if m["meta"]["resourceType"] == "User" {
            env.registry.user()
        } else {
            env.registry.group()
        }
    };
    assert!(!page.resources.is_empty());
    for resource in page.resources {
        let PageResource::Stored(stored) = resource else {
            panic!("an SQL page holds stored resources")
        };
        let location = format!("https://scim.example.com/v2/X/{}", stored.id());
        let mut text = String::new();
        assert!(
            stored.write_default_json(&mut text, &location),
            "{stored:?}"
        );
        let spliced: Value = serde_json::from_str(&text).unwrap();
        let mut parsed = stored.into_map().unwrap();
        parsed["meta"]
            .as_object_mut()
            .unwrap()
            .insert("location".into(), json!(location));
        let projected = scim::Projection::all().apply(&parsed, schema_of(&parsed));
        assert_eq!(spliced, Value::Object(projected), "{text}");
        // Same keys in the same order up to `members`, which the parsed form appends last.
        let keys = |v: &Value| {
            v.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "members")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&spliced), keys(&Value::Object(parsed)));
    }
}

#[tokio::test]
async fn pages_rendered_from_stored_text_equal_parsed_and_projected_resources() {
    let env = env().await;
    let rules = InputRules::default();
    let users = [
        json!({"userName": "plain"}),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "e-1", "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Zoë \"Babs\" O'Brien \\ \n\t\u{2028}", "active": "True", "password": "t1meMa$heen",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "phoneNumbers": [{"value": "+1 555 555 5555", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
                "costCentreTypo": "4130"
            },
            "nickName2": {"deep": [1, 2.5, null, "x"]},
            "urn:acme:params:scim:schemas:extension:unknown:2.0:User": {"badge": "7"}
        }),
    ];
    let mut ids = Vec::new();
    for user in users {
        let written = env
            .store
            .create_user(&env.config, &env.registry, user, &rules)
            .await
            .unwrap();
        ids.push(written.resource["id"].as_str().unwrap().to_owned());
    }
    // A PATCH that empties a multi-valued attribute and an extension object.
    env.store
        .patch_user(
            &env.config,
            &env.registry,
            &ids[1],
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
                {"op": "remove", "path": "emails"},
                {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"},
                {"op": "replace", "path": "active", "value": false}
            ]}),
            &PatchRules::default(),
            None,
        )
        .await
        .unwrap();
    let all = scim::Paging {
        start_index: 1,
        count: 10,
    };
    let page = env
        .store
        .list_users(&env.config, &env.registry, &query(&[]), all)
        .await
        .unwrap();
    assert_eq!(page.resources.len(), 2);
    assert_pages_render_alike(&env, page);

    for (name, members) in [
        ("Empty", json!([])),
        (
            "Two",
            json!([{"value": ids[0]}, {"value": ids[1], "display": "B \"J\""}]),
        ),
    ] {
        env.store
            .create_group(
                &env.config,
                &env.registry,
                json!({"displayName": name, "members": members, "unknownThing": [true]}),
                &rules,
            )
            .await
            .unwrap();
    }
    for include_members in [true, false] {
        let page = env
            .store
            .list_groups(
                &env.config,
                &env.registry,
                &query(&[]),
                all,
                include_members,
            )
            .await
            .unwrap();
        assert_eq!(page.resources.len(), 2);
        assert_pages_render_alike(&env, page);
    }
}

#[tokio::test]
async fn the_database_check_finds_counts_that_drifted_from_the_rows() {
    let env = env().await;
    create_user(&env, "a@contoso.com").await;
    create_user(&env, "b@contoso.com").await;
    assert_eq!(
        env.store.check_databases().await.unwrap(),
        Vec::<String>::new()
    );
    // Damage as a half-applied write would: the count without its row (in the SQLite file).
    let Some(file) = env.store.path() else { return };
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE directory_counts SET total = total + 1 WHERE resource_type = 'User'")
        .execute(&mut conn)
        .await
        .unwrap();
    let problems = env.store.check_databases().await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("User count 3 but 2 rows"),
        "{problems:?}"
    );
}

#[tokio::test]
async fn client_profiles_persist_reset_their_switches_and_govern_passwords() {
    use scim_console_core::{ClientProfile, Compatibility};
    let e = env().await;
    assert_eq!(e.config.client_profile, ClientProfile::Rfc);
    let strict = e
        .store
        .create_configuration(
            NewConfiguration {
                client_profile: ClientProfile::Strict,
                compatibility: Compatibility::for_profile(ClientProfile::Strict),
                ..NewConfiguration::named("Strict")
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    // A password is refused in strict, accepted (and never stored) in rfc — noted as the
    // placeholderPassword leniency.
    let body = json!({"userName": "a@x.com", "password": "1mz050nq"});
    let err = e
        .store
        .create_user(
            &strict,
            &e.registry,
            body.clone(),
            &strict.compatibility.input_rules(),
        )
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::InvalidSyntax));
    assert!(err.to_string().contains("placeholderPassword"), "{err}");
    let written = e
        .store
        .create_user(&e.config, &e.registry, body, &InputRules::default())
        .await
        .unwrap();
    assert_eq!(written.leniencies.switches(), ["placeholderPassword"]);
    assert!(written.resource.get("password").is_none());

    // Overriding a switch keeps the profile; picking a profile resets the switches.
    let overridden = Compatibility {
        pathless_patch: true,
        ..strict.compatibility
    };
    let updated = e
        .store
        .update_configuration(
            strict.id,
            ConfigurationUpdate {
                compatibility: Some(overridden.to_changes()),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(updated.client_profile, ClientProfile::Strict);
    assert_eq!(
        updated.compatibility.overrides(ClientProfile::Strict),
        ["pathlessPatch"]
    );
    let reread = e.store.find_configuration("Strict").await.unwrap();
    assert_eq!(
        reread.compatibility, overridden,
        "read back from the database"
    );
    let okta = e
        .store
        .update_configuration(
            strict.id,
            ConfigurationUpdate {
                client_profile: Some(ClientProfile::Okta),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(okta.client_profile, ClientProfile::Okta);
    assert_eq!(
        okta.compatibility,
        Compatibility::for_profile(ClientProfile::Okta)
    );

    // A change naming one switch leaves the others as they are (not the RFC defaults); with a
    // profile it is laid over that profile's; an unknown switch or value is refused.
    let change = |pairs: Value| ConfigurationUpdate {
        compatibility: Some(pairs.as_object().unwrap().clone()),
        ..ConfigurationUpdate::default()
    };
    let one = e
        .store
        .update_configuration(
            strict.id,
            change(json!({"acceptPut": false})),
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(
        one.compatibility,
        Compatibility {
            accept_put: false,
            ..Compatibility::for_profile(ClientProfile::Okta)
        }
    );
    let entra = e
        .store
        .update_configuration(
            strict.id,
            ConfigurationUpdate {
                client_profile: Some(ClientProfile::Entra),
                ..change(json!({"stringBooleans": false}))
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(
        entra.compatibility,
        Compatibility {
            string_booleans: false,
            ..Compatibility::for_profile(ClientProfile::Entra)
        }
    );
    for bad in [json!({"noSuchSwitch": true}), json!({"acceptPut": "maybe"})] {
        let err = e
            .store
            .update_configuration(strict.id, change(bad.clone()), &Actor::system())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("compatibility"), "{bad}: {err}");
    }
}

/// The plan SQLite picks for `sql` on the database `db` (its details, one per line).
async fn plan(db: &std::path::Path, sql: &str) -> String {
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn the_planner_has_statistics_and_finds_a_members_groups_by_index() {
    let e = env().await;
    // A user's groups (looked up when the user is deleted): the member index alone, with or
    // without statistics — not a scan of every membership of the configuration.
    let groups_of_member = "UPDATE groups SET version = version + 1 WHERE configuration_id = 'c' AND id IN (SELECT group_id FROM group_members WHERE configuration_id = 'c' AND member_id = 'm')";
    // SQLite's planner (PostgreSQL's autovacuum keeps its statistics).
    let Some(file) = e.store.path() else { return };
    let before = plan(file, groups_of_member).await;
    assert!(
        before.contains("COVERING INDEX group_members_member (configuration_id=? AND member_id=?)"),
        "{before}"
    );
    // Statistics: the tables analysed at open, and again once they have grown.
    for i in 0..300 {
        create_user(&e, &format!("user{i}@contoso.com")).await;
    }
    e.store.optimize().await.unwrap();
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let users: Option<String> =
        sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE idx = 'users_user_name'")
            .fetch_optional(&mut conn)
            .await
            .unwrap();
    assert!(
        users.as_deref().is_some_and(|s| s.starts_with("300 ")),
        "statistics of users after it grew: {users:?}"
    );
    let after = plan(file, groups_of_member).await;
    assert!(after.contains("group_members_member"), "{after}");
}

#[tokio::test]
async fn statistics_refreshes_while_writes_run_fail_none_of_them() {
    // The soak's 503s: a transaction of the writer that read and then wrote failed at once
    // (SQLITE_BUSY_SNAPSHOT) when the statistics refresh — on another connection then —
    // committed ANALYZE in between. The refresh now runs on the writer, between its
    // transactions. Another process writing still can (the CLI's token commands).
    let env = env().await;
    let group = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Busy"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let group_id = group.resource["id"].as_str().unwrap().to_owned();
    let mut users = Vec::new();
    for i in 0..150 {
        users.push(
            create_user(&env, &format!("busy{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let refresher = env.store.clone();
    let elsewhere = tokio::spawn(async move {
        for _ in 0..150 {
            refresher.optimize().await.unwrap();
            tokio::task::yield_now().await;
        }
    });
    for user in &users {
        env.store
            .patch_group(
                &env.config,
                &env.registry,
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
            .unwrap();
        env.store
            .delete_user(&env.config, user, None)
            .await
            .unwrap();
    }
    elsewhere.await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_backups_are_private_and_a_restore_refuses_links() {
    use scim_console_core::store::{DATABASE_FILE, LOG_DATABASE_FILE};
    use std::os::unix::fs::PermissionsExt as _;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let base = tempfile::tempdir().unwrap();
    let data = base.path().join("data");
    let store = Store::open(&data).await.unwrap();
    store
        .create_configuration(NewConfiguration::named("private"), &Actor::system())
        .await
        .unwrap();
    assert_eq!(mode(&data), 0o700);
    for name in [DATABASE_FILE, LOG_DATABASE_FILE] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
        let wal = data.join(format!("{name}-wal"));
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "{name}-wal");
        }
    }
    let backup = base.path().join("console.backup");
    store.backup_to(&backup).await.unwrap();
    store.close().await;
    assert_eq!(mode(&backup), 0o600);

    // The same backup with its database replaced by a symbolic link: refused, nothing touched.
    let forged = base.path().join("forged.backup");
    {
        let mut original = tar::Archive::new(std::fs::File::open(&backup).unwrap());
        let mut out = tar::Builder::new(std::fs::File::create(&forged).unwrap());
        for entry in original.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            if name == DATABASE_FILE {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                header.set_mode(0o777);
                out.append_link(&mut header, &name, "/etc/passwd").unwrap();
            } else {
                let mut header = entry.header().clone();
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                out.append_data(&mut header, &name, bytes.as_slice())
                    .unwrap();
            }
        }
        out.finish().unwrap();
    }
    let target = base.path().join("restored");
    let refused = scim_console_core::backup::restore(&target, &forged, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("is a link or a special file"), "{refused}");
    assert!(!target.join(DATABASE_FILE).exists());
    // The real backup restores, its files the owner's only.
    scim_console_core::backup::restore(&target, &backup, false)
        .await
        .unwrap();
    assert_eq!(mode(&target.join(DATABASE_FILE)), 0o600);
}
