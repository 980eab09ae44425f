//! The store against a real SQLite file in a temporary data directory: configurations, tokens,
//! and the directory of Users and Groups with SCIM's rules.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim::{InputRules, ListQuery, PatchRules, ScimType};
use scim_console_core::configuration::ConfigurationUpdate;
use scim_console_core::{Actor, CoreError, NewConfiguration, NewToken, PutSemantics};
use serde_json::{Value, json};

use crate::common::Env;

pub(crate) async fn env() -> Env {
    Env::new("Entra ID production").await
}

pub(crate) fn scim_type(err: &CoreError) -> Option<ScimType> {
    err.to_scim().scim_type()
}

pub(crate) async fn create_user(env: &Env, user_name: &str) -> Value {
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

pub(crate) fn query(pairs: &[(&str, &str)]) -> ListQuery {
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
