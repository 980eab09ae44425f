//! User ids converted to emails in the store: the preview lists each change and each clash;
//! the conversion re-keys short names to emails, audited and undone from its record; and
//! brown-field matching links a short name to an email's local part when the plan allows it.

use scim::InputRules;
use scim_console_core::audit::AuditQuery;
use scim_console_core::mapping::brownfield::ImportRows;
use scim_console_core::mapping::plan::Plan;
use scim_console_core::{Actor, ConfigurationUpdate, CoreError};
use serde_json::{Value, json};

use crate::common::Env;

async fn user(env: &Env, body: Value) -> String {
    env.store
        .create_user(&env.config, &env.registry, body, &InputRules::default())
        .await
        .unwrap()
        .resource["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn user_name(env: &Env, id: &str) -> String {
    env.store.get_user(&env.config, id).await.unwrap()["userName"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn short_names_become_emails_after_a_preview_and_the_conversion_is_undone() {
    let mut env = Env::new("Entra").await;
    let admin = Actor::new("admin@contoso.com", "test");
    let ada = user(
        &env,
        json!({"userName": "ada", "emails": [{"value": "ada@contoso.com", "primary": true}]}),
    )
    .await;
    let grace = user(&env, json!({"userName": "grace", "emails": [{"value": "g@home.example", "type": "home"}, {"value": "grace@contoso.com", "type": "work"}]})).await;
    user(&env, json!({"userName": "alan@contoso.com"})).await;
    user(&env, json!({"userName": "bob"})).await;
    user(
        &env,
        json!({"userName": "dave", "emails": [{"value": "alan@contoso.com"}]}),
    )
    .await;
    user(
        &env,
        json!({"userName": "ada2", "emails": [{"value": "ADA@contoso.com"}]}),
    )
    .await;
    user(
        &env,
        json!({"userName": "root", "emails": [{"value": "root@contoso.com"}]}),
    )
    .await;

    // Protected once it exists (as a tenant admin would be).
    env.config = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                protected_accounts: Some(vec!["root".into()]),
                ..ConfigurationUpdate::default()
            },
            &admin,
        )
        .await
        .unwrap();
    let preview = env
        .store
        .rekey_preview(&env.config, &env.registry)
        .await
        .unwrap();
    assert_eq!(preview.change_count, 2, "{preview:?}");
    assert_eq!(preview.already_emails, 1);
    let changes: Vec<(&str, &str)> = preview
        .changes
        .iter()
        .map(|c| (c.from.as_str(), c.to.as_str()))
        .collect();
    assert!(changes.contains(&("ada", "ada@contoso.com")), "{changes:?}");
    assert!(
        changes.contains(&("grace", "grace@contoso.com")),
        "{changes:?}"
    );
    let reasons: Vec<(&str, &str)> = preview
        .clashes
        .iter()
        .map(|c| (c.from.as_str(), c.reason.as_str()))
        .collect();
    assert_eq!(preview.clash_count, 4, "{reasons:?}");
    assert!(
        reasons.contains(&("bob", "no email to take")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(f, r)| *f == "dave" && r.contains("already has this userName")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(f, r)| *f == "ada2" && r.contains("ada takes the same email")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(f, r)| *f == "root" && r.contains("protected")),
        "{reasons:?}"
    );

    let batch = env
        .store
        .rekey_users(&env.config, &env.registry, &admin)
        .await
        .unwrap();
    assert_eq!((batch.changed, batch.failed.len()), (2, 0), "{batch:?}");
    assert_eq!(user_name(&env, &ada).await, "ada@contoso.com");
    assert_eq!(user_name(&env, &grace).await, "grace@contoso.com");
    // Nothing left to convert but the clashes.
    let after = env
        .store
        .rekey_preview(&env.config, &env.registry)
        .await
        .unwrap();
    assert_eq!(after.change_count, 0);

    // Undone from its record, once; a user renamed since keeps its new name.
    let batches = env.store.rekey_batches(&env.config).await.unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].id, batch.id);
    env.store
        .patch_user(
            &env.config,
            &env.registry,
            &grace,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "userName", "value": "grace.hopper@contoso.com"}]}),
            &scim::PatchRules::default(),
            None,
        )
        .await
        .unwrap();
    let undone = env
        .store
        .undo_rekey(&env.config, &env.registry, &batch.id, &admin)
        .await
        .unwrap();
    assert_eq!(undone.changed, 1, "{undone:?}");
    assert_eq!(undone.failed.len(), 1);
    assert!(
        undone.failed[0].reason.contains("changed since"),
        "{undone:?}"
    );
    assert_eq!(user_name(&env, &ada).await, "ada");
    assert_eq!(user_name(&env, &grace).await, "grace.hopper@contoso.com");
    let again = env
        .store
        .undo_rekey(&env.config, &env.registry, &batch.id, &admin)
        .await
        .unwrap_err();
    assert!(matches!(again, CoreError::Conflict(_)), "{again:?}");
    let audit = env.store.audit(&AuditQuery::default()).await.unwrap();
    let record = audit
        .entries
        .iter()
        .find(|e| e.action == "users.rekey")
        .unwrap();
    assert_eq!(record.actor, "admin@contoso.com");
    assert_eq!(record.details["batch"], batch.id.as_str());
    assert!(audit.entries.iter().any(|e| e.action == "users.rekey.undo"));
}

#[tokio::test]
async fn a_short_name_is_linked_to_an_email_local_part_only_when_the_plan_allows_it() {
    for allowed in [false, true] {
        let env = Env::new("Brownfield").await;
        let mut plan = Plan::default_users();
        plan.match_local_part = allowed;
        env.store
            .save_mapping_plan(
                env.config.id,
                &plan,
                env.registry.user(),
                "",
                &Actor::system(),
            )
            .await
            .unwrap();
        let report = env
            .store
            .import_users(
                &env.config,
                &env.registry,
                ImportRows {
                    users: vec![json!({"userName": "eve", "displayName": "Eve"})],
                    rejected: Vec::new(),
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        assert_eq!(report.imported, 1);
        let written = env
            .store
            .create_user(
                &env.config,
                &env.registry,
                json!({"userName": "eve@contoso.com", "displayName": "Eve Moneypenny"}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        let total = env
            .store
            .list_users(
                &env.config,
                &env.registry,
                &scim::ListQuery::default(),
                scim::Paging {
                    start_index: 1,
                    count: 10,
                },
            )
            .await
            .unwrap()
            .total_results;
        if allowed {
            assert_eq!(total, 1, "linked, not duplicated");
            assert!(
                written
                    .warnings
                    .iter()
                    .any(|w| w.contains("local part of userName (userName eve)")),
                "{:?}",
                written.warnings
            );
        } else {
            assert_eq!(total, 2, "a short name is not an email: a new user");
        }
    }
}
