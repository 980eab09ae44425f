//! The store against a real SQLite file in a temporary data directory: configurations, tokens,
//! and the directory of Users and Groups with SCIM's rules.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim::{InputRules, ListQuery, PatchRules, SchemaRegistry, ScimType};
use scim_console_core::configuration::ConfigurationUpdate;
use scim_console_core::{
    Actor, Configuration, CoreError, NewConfiguration, NewToken, PutSemantics, Store,
};
use serde_json::{Value, json};
use sqlx::Connection as _;

struct Env {
    _dir: tempfile::TempDir,
    store: Store,
    registry: SchemaRegistry,
    config: Configuration,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap();
    let config = store
        .create_configuration(
            NewConfiguration::named("Entra ID production"),
            &Actor::system(),
        )
        .await
        .unwrap();
    Env {
        _dir: dir,
        store,
        registry: SchemaRegistry::standard(),
        config,
    }
}

fn scim_type(err: &CoreError) -> Option<ScimType> {
    err.to_scim().scim_type()
}

async fn create_user(env: &Env, user_name: &str) -> Value {
    let written = env
        .store
        .create_user(
            &env.config,
            &env.registry,
            json!({"userName": user_name, "active": true}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    Value::Object(written.resource)
}

fn query(pairs: &[(&str, &str)]) -> ListQuery {
    ListQuery::from_query_pairs(pairs.iter().copied()).unwrap()
}

// Configurations

#[tokio::test]
async fn configurations_have_unique_names_and_slugs() {
    let env = env().await;
    assert_eq!(env.config.slug, "entra-id-production");
    let err = env
        .store
        .create_configuration(
            NewConfiguration::named("ENTRA ID PRODUCTION"),
            &Actor::system(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let mut other = NewConfiguration::named("Other");
    other.slug = Some("entra-id-production".into());
    let err = env
        .store
        .create_configuration(other, &Actor::system())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("slug"), "{err}");
    let derived = env
        .store
        .create_configuration(
            NewConfiguration::named("Entra-ID production!"),
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(
        derived.slug, "entra-id-production-2",
        "a taken derived slug gets a suffix"
    );
    let found = env
        .store
        .find_configuration("entra id production")
        .await
        .unwrap();
    assert_eq!(found.id, env.config.id);
    assert_eq!(
        env.store
            .find_configuration("entra-id-production")
            .await
            .unwrap()
            .id,
        env.config.id
    );
    assert_eq!(
        env.store
            .find_configuration(&env.config.id.to_string())
            .await
            .unwrap()
            .id,
        env.config.id
    );
}

#[tokio::test]
async fn configuration_input_is_validated_with_field_names() {
    let env = env().await;
    let err = env
        .store
        .create_configuration(NewConfiguration::named("  "), &Actor::system())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "name: a configuration needs a name");
    let mut neither = NewConfiguration::named("x");
    neither.provision_users = false;
    neither.provision_groups = false;
    assert!(
        env.store
            .create_configuration(neither, &Actor::system())
            .await
            .unwrap_err()
            .to_string()
            .starts_with("provisioning:")
    );
    let mut bad_slug = NewConfiguration::named("y");
    bad_slug.slug = Some("Not A Slug".into());
    assert!(
        env.store
            .create_configuration(bad_slug, &Actor::system())
            .await
            .unwrap_err()
            .to_string()
            .starts_with("slug:")
    );
}

#[tokio::test]
async fn configuration_updates_and_deletion_cascade() {
    let env = env().await;
    let updated = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                enabled: Some(false),
                put_semantics: Some(PutSemantics::Merge),
                protected_accounts: Some(vec!["admin@contoso.com".into()]),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    assert!(!updated.enabled);
    assert_eq!(updated.put_semantics, PutSemantics::Merge);
    assert!(updated.is_protected("ADMIN@contoso.com"));
    create_user(&env, "a@contoso.com").await;
    env.store
        .create_token(
            env.config.id,
            &NewToken {
                label: "entra".into(),
                ..NewToken::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    env.store
        .delete_configuration(env.config.id, &Actor::system())
        .await
        .unwrap();
    assert!(matches!(
        env.store.configuration(env.config.id).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(env.store.list_configurations().await.unwrap().is_empty());
}

// Users

#[tokio::test]
async fn user_names_are_unique_case_insensitively_and_filters_agree() {
    let env = env().await;
    let created = create_user(&env, "JSmith@contoso.com").await;
    assert_eq!(created["meta"]["version"], "W/\"1\"");
    assert_eq!(created["meta"]["resourceType"], "User");
    let err = env
        .store
        .create_user(
            &env.config,
            &env.registry,
            json!({"userName": "jsmith@CONTOSO.com"}),
            &InputRules::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::Uniqueness));
    assert_eq!(err.to_scim().http_status(), 409);
    let page = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("filter", "userName eq \"jsmith@contoso.com\"")]),
            scim::Paging {
                start_index: 1,
                count: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    let none = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("filter", "userName eq \"nobody\"")]),
            scim::Paging {
                start_index: 1,
                count: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!((none.total_results, none.resources.len()), (0, 0));
}

#[tokio::test]
async fn external_id_and_id_are_case_exact() {
    let env = env().await;
    let written = env
        .store
        .create_user(
            &env.config,
            &env.registry,
            json!({"userName": "a", "externalId": "ABC-123"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let id = written.resource["id"].as_str().unwrap().to_owned();
    let paging = scim::Paging {
        start_index: 1,
        count: 10,
    };
    let lower = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("filter", "externalId eq \"abc-123\"")]),
            paging,
        )
        .await
        .unwrap();
    assert_eq!(lower.total_results, 0);
    let exact = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("filter", "externalId eq \"ABC-123\"")]),
            paging,
        )
        .await
        .unwrap();
    assert_eq!(exact.total_results, 1);
    assert!(matches!(
        env.store.get_user(&env.config, &id.to_uppercase()).await,
        Err(CoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn paging_sorting_and_in_memory_filters() {
    let env = env().await;
    for i in 0..30 {
        env.store
            .create_user(
                &env.config,
                &env.registry,
                json!({"userName": format!("user{i:02}"), "title": if i % 3 == 0 { "Engineer" } else { "Sales" }, "emails": [{"type": "work", "value": format!("u{i}@contoso.com")}]}),
                &InputRules::default(),
            )
            .await
            .unwrap();
    }
    let names = |page: &scim_console_core::directory::ListPage| {
        page.clone()
            .into_maps()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let page = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("sortBy", "userName"), ("sortOrder", "descending")]),
            scim::Paging {
                start_index: 3,
                count: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (page.total_results, names(&page)),
        (30, vec!["user27".to_owned(), "user26".to_owned()])
    );
    // title has no column: filtered in memory.
    let page = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[("filter", "title eq \"engineer\" and userName sw \"user1\"")]),
            scim::Paging {
                start_index: 1,
                count: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&page), ["user12", "user15", "user18"]);
    let page = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[(
                "filter",
                "emails[type eq \"work\" and value eq \"U7@contoso.com\"]",
            )]),
            scim::Paging {
                start_index: 1,
                count: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&page), ["user07"]);
    let zero = env
        .store
        .list_users(
            &env.config,
            &env.registry,
            &query(&[]),
            scim::Paging {
                start_index: 1,
                count: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!((zero.total_results, zero.resources.len()), (30, 0));
}

#[tokio::test]
async fn patch_put_and_versions() {
    let env = env().await;
    let user = create_user(&env, "bjensen").await;
    let id = user["id"].as_str().unwrap();
    let patched = env
        .store
        .patch_user(
            &env.config,
            &env.registry,
            id,
            json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
            &PatchRules::default(),
            Some("W/\"1\""),
        )
        .await
        .unwrap();
    assert_eq!(patched.resource["active"], false);
    assert_eq!(patched.resource["meta"]["version"], "W/\"2\"");
    assert_eq!(patched.changes[0].path, "active");
    let err = env
        .store
        .patch_user(
            &env.config,
            &env.registry,
            id,
            json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            &PatchRules::default(),
            Some("W/\"1\""),
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_scim().http_status(), 412);
    let unchanged = env
        .store
        .patch_user(
            &env.config,
            &env.registry,
            id,
            json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
            &PatchRules::default(),
            None,
        )
        .await
        .unwrap();
    assert!(unchanged.changes.is_empty());
    assert_eq!(
        unchanged.resource["meta"]["version"], "W/\"2\"",
        "a no-op PATCH does not bump the version"
    );
    let replaced = env
        .store
        .replace_user(
            &env.config,
            &env.registry,
            id,
            json!({"userName": "bjensen", "title": "Guide"}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap();
    assert!(
        replaced.resource.get("active").is_none(),
        "replace clears omitted attributes"
    );
    assert_eq!(replaced.resource["id"], id);
    let err = env
        .store
        .replace_user(
            &env.config,
            &env.registry,
            id,
            json!({"title": "x"}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::InvalidValue));
}

#[tokio::test]
async fn merge_semantics_keep_omitted_attributes() {
    let env = env().await;
    let config = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                put_semantics: Some(PutSemantics::Merge),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let user = env
        .store
        .create_user(
            &config,
            &env.registry,
            json!({"userName": "a", "title": "Guide", "active": true}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let id = user.resource["id"].as_str().unwrap();
    let merged = env
        .store
        .replace_user(
            &config,
            &env.registry,
            id,
            json!({"userName": "a", "active": false}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(merged.resource["title"], "Guide");
    assert_eq!(merged.resource["active"], false);
}

#[tokio::test]
async fn protected_accounts_cannot_be_changed_or_deleted_by_scim() {
    let env = env().await;
    let admin = create_user(&env, "Admin@Contoso.com").await;
    let other = create_user(&env, "someone").await;
    let config = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                protected_accounts: Some(vec!["admin@contoso.com".into()]),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let id = admin["id"].as_str().unwrap();
    let err = env.store.delete_user(&config, id, None).await.unwrap_err();
    assert_eq!(err.to_scim().http_status(), 403);
    assert!(err.to_string().contains("protected"));
    let err = env
        .store
        .patch_user(
            &config,
            &env.registry,
            id,
            json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
            &PatchRules::default(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_scim().http_status(), 403);
    let err = env
        .store
        .patch_user(&config, &env.registry, other["id"].as_str().unwrap(), json!({"Operations": [{"op": "replace", "path": "userName", "value": "ADMIN@contoso.com"}]}), &PatchRules::default(), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_scim().http_status(),
        403,
        "no renaming into a protected account"
    );
    assert_eq!(
        env.store.get_user(&config, id).await.unwrap()["active"],
        true
    );
}

#[tokio::test]
async fn passwords_are_dropped_or_hashed_never_stored_in_clear() {
    let env = env().await;
    let written = env
        .store
        .create_user(
            &env.config,
            &env.registry,
            json!({"userName": "a", "password": "Placeholder-0kta!"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    assert!(written.resource.get("password").is_none());
    let id = written.resource["id"].as_str().unwrap();
    assert_eq!(
        env.store.user_password_hash(&env.config, id).await.unwrap(),
        None,
        "dropped by default"
    );
    let keeping = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                keep_passwords: Some(true),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let kept = env
        .store
        .create_user(
            &keeping,
            &env.registry,
            json!({"userName": "b", "password": "t1meMa$heen-unique"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let hash = env
        .store
        .user_password_hash(&keeping, kept.resource["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    env.store.close().await;
    // The file's bytes (SQLite; PostgreSQL keeps the same columns).
    let Some(file) = env.store.path() else { return };
    let mut bytes = std::fs::read(file).unwrap();
    if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("t1meMa$heen-unique") && !text.contains("Placeholder-0kta!"));
}

#[tokio::test]
async fn deleted_users_are_gone_and_their_user_name_is_free() {
    let env = env().await;
    let user = create_user(&env, "leaver").await;
    let id = user["id"].as_str().unwrap();
    env.store.delete_user(&env.config, id, None).await.unwrap();
    assert!(matches!(
        env.store.get_user(&env.config, id).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        env.store.delete_user(&env.config, id, None).await,
        Err(CoreError::NotFound(_))
    ));
    create_user(&env, "leaver").await;
}

#[tokio::test]
async fn unfiltered_totals_follow_inserts_and_deletes() {
    let env = env().await;
    let everything = query(&[]);
    let all = || {
        env.store.list_users(
            &env.config,
            &env.registry,
            &everything,
            scim::Paging {
                start_index: 1,
                count: 1,
            },
        )
    };
    assert_eq!(all().await.unwrap().total_results, 0);
    let a = create_user(&env, "a").await;
    create_user(&env, "b").await;
    create_user(&env, "c").await;
    assert_eq!(all().await.unwrap().total_results, 3);
    env.store
        .delete_user(&env.config, a["id"].as_str().unwrap(), None)
        .await
        .unwrap();
    let page = all().await.unwrap();
    assert_eq!((page.total_results, page.resources.len()), (2, 1));
    let other = env
        .store
        .create_configuration(NewConfiguration::named("other"), &Actor::system())
        .await
        .unwrap();
    let none = env
        .store
        .list_users(
            &other,
            &env.registry,
            &query(&[]),
            scim::Paging {
                start_index: 1,
                count: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(none.total_results, 0, "totals are per configuration");
    let groups = env
        .store
        .list_groups(
            &env.config,
            &env.registry,
            &query(&[]),
            scim::Paging {
                start_index: 1,
                count: 10,
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(groups.total_results, 0);
}

#[tokio::test]
async fn directories_are_isolated_per_configuration() {
    let env = env().await;
    let other = env
        .store
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let user = create_user(&env, "shared-name").await;
    assert!(matches!(
        env.store
            .get_user(&other, user["id"].as_str().unwrap())
            .await,
        Err(CoreError::NotFound(_))
    ));
    env.store
        .create_user(
            &other,
            &env.registry,
            json!({"userName": "shared-name"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
}

// Groups

#[tokio::test]
async fn group_membership_with_entra_and_rfc_forms() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let b = create_user(&env, "b").await;
    let (a, b) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    let group = env
        .store
        .create_group(&env.config, &env.registry, json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"], "displayName": "Ops", "meta": {"resourceType": "Group"}}), &InputRules::default())
        .await
        .unwrap();
    let gid = group.resource["id"].as_str().unwrap().to_owned();
    let add = json!({"Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}, {"value": b}]}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            add.clone(),
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(written.changes[0].path, "members");
    let again = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            add,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        again.changes.is_empty(),
        "adding present members changes nothing"
    );
    let remove =
        json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": a}]}]});
    env.store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            remove,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    let now = env.store.get_group(&env.config, &gid, true).await.unwrap();
    assert_eq!(
        now["members"],
        json!([{"value": b}]),
        "only the listed member was removed"
    );
    let remove =
        json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]});
    env.store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            remove,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        env.store
            .get_group(&env.config, &gid, true)
            .await
            .unwrap()
            .get("members")
            .is_none()
    );
    let rename =
        json!({"Operations": [{"op": "Replace", "path": "displayName", "value": "Operations"}]});
    let renamed = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            rename,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(renamed.resource["displayName"], "Operations");
    assert_eq!(renamed.resource["meta"]["version"], "W/\"5\"");
}

#[tokio::test]
async fn group_filters_on_members_and_excluded_members() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let a = a["id"].as_str().unwrap();
    env.store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "With A", "members": [{"value": a}]}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    env.store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Empty"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let q = query(&[("filter", &format!("members[value eq \"{a}\"]"))]);
    let page = env
        .store
        .list_groups(
            &env.config,
            &env.registry,
            &q,
            scim::Paging {
                start_index: 1,
                count: 10,
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    let maps = page.into_maps().unwrap();
    assert_eq!(maps[0]["displayName"], "With A");
    assert!(maps[0].get("members").is_none());
    let q = query(&[("filter", "displayName eq \"with a\"")]);
    let page = env
        .store
        .list_groups(
            &env.config,
            &env.registry,
            &q,
            scim::Paging {
                start_index: 1,
                count: 10,
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(page.into_maps().unwrap()[0]["members"][0]["value"], a);
    let err = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "EMPTY"}),
            &InputRules::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::Uniqueness));
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let a = a["id"].as_str().unwrap();
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "G", "members": [{"value": a}, {"value": "external-1"}]}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    env.store.delete_user(&env.config, a, None).await.unwrap();
    let group = env.store.get_group(&env.config, gid, true).await.unwrap();
    assert_eq!(group["members"], json!([{"value": "external-1"}]));
}

#[tokio::test]
async fn member_patches_that_need_the_engine_still_work() {
    let env = env().await;
    let g = env
        .store
        .create_group(&env.config, &env.registry, json!({"displayName": "G", "members": [{"value": "1", "type": "User"}, {"value": "2", "type": "Group"}]}), &InputRules::default())
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    let body = json!({"Operations": [{"op": "remove", "path": "members[type eq \"Group\"]"}, {"op": "replace", "value": {"displayName": "G2"}}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            body,
            &PatchRules::default(),
            None,
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        written.resource["members"],
        json!([{"value": "1", "type": "User"}])
    );
    assert_eq!(written.resource["displayName"], "G2");
    let bad = json!({"Operations": [{"op": "add", "path": "members", "value": [{"display": "no value"}]}]});
    let err = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            bad,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_scim()
            .detail()
            .contains("members[0].value is required"),
        "{}",
        err.to_scim().detail()
    );
}

#[tokio::test]
async fn concurrent_member_additions_lose_nothing() {
    let env = env().await;
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Busy"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (store, config, registry, gid) = (
            env.store.clone(),
            env.config.clone(),
            env.registry.clone(),
            gid.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": format!("m{i}")}]}]});
            store.patch_group(&config, &registry, &gid, body, &PatchRules::default(), None, false).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let group = env.store.get_group(&env.config, &gid, true).await.unwrap();
    assert_eq!(group["members"].as_array().unwrap().len(), 40);
    assert_eq!(group["meta"]["version"], "W/\"41\"");
}

#[tokio::test]
async fn a_large_group_is_patched_by_rows() {
    let env = env().await;
    let members: Vec<Value> = (0..5000)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Everyone", "members": members}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    let body = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "new"}]}, {"op": "remove", "path": "members[value eq \"u17\"]"}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            body,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        written.resource.get("members").is_none(),
        "members are not loaded for a row PATCH"
    );
    assert_eq!(written.changes[0].new, Some(json!([{"value": "new"}])));
    assert_eq!(written.changes[0].old, Some(json!([{"value": "u17"}])));
    let group = env.store.get_group(&env.config, gid, true).await.unwrap();
    let list = group["members"].as_array().unwrap();
    assert_eq!(list.len(), 5000);
    assert_eq!(list.last().unwrap()["value"], "new");
}

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
