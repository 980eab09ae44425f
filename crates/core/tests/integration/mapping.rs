//! Mapping plans in the store: saved versions, rollback, and enforcement on every user write.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim::{InputRules, PatchRules, ScimType};
use scim_console_core::mapping::plan::{
    ApplyOn, Field, FieldType, Mode, OutOfScope, Plan, Rule, ScopeEffect, ScopeRule, Transform,
    Unsupported,
};
use scim_console_core::mapping::validators::Validator;
use scim_console_core::{Actor, CoreError};
use serde_json::{Value, json};

use crate::common::Env;

async fn env() -> Env {
    Env::new("xMatters").await
}

fn plan() -> Plan {
    let mut plan = Plan::default_users();
    let language = plan
        .rules
        .iter_mut()
        .find(|r| r.target == "preferredLanguage")
        .unwrap();
    language.transforms.push(Transform::Expression {
        expression: r#"Item(Split([value], "-"), 1)"#.into(),
    });
    plan.fields
        .iter_mut()
        .find(|f| f.name == "externalId")
        .unwrap()
        .validators
        .push(Validator::Unique);
    plan.fields.push(Field {
        name: "badge".into(),
        kind: FieldType::String,
        custom: true,
        secret: false,
        immutable: false,
        description: String::new(),
        validators: vec![],
    });
    plan.rules.push(Rule {
        target: "badge".into(),
        source: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber".into(),
        transforms: vec![],
        default: None,
        apply: ApplyOn::Always,
    });
    plan
}

async fn save(env: &Env, plan: &Plan) {
    env.store
        .save_mapping_plan(
            env.config.id,
            plan,
            env.registry.user(),
            "test",
            &Actor::cli(),
        )
        .await
        .unwrap();
}

async fn create(
    env: &Env,
    body: Value,
) -> Result<scim_console_core::directory::Written, CoreError> {
    env.store
        .create_user(&env.config, &env.registry, body, &InputRules::default())
        .await
}

fn invalid_value(err: &CoreError) -> String {
    assert_eq!(
        err.to_scim().scim_type(),
        Some(ScimType::InvalidValue),
        "{err}"
    );
    err.to_scim().detail().to_owned()
}

#[tokio::test]
async fn plans_are_versioned_validated_and_rolled_back() {
    let env = env().await;
    assert!(
        env.store
            .mapping_plan(env.config.id)
            .await
            .unwrap()
            .is_none()
    );
    let mut broken = plan();
    broken.rules[0].source = "userNme".into();
    let err = env
        .store
        .save_mapping_plan(
            env.config.id,
            &broken,
            env.registry.user(),
            "",
            &Actor::cli(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/rules/0/source"), "{err}");
    save(&env, &plan()).await;
    let mut second = plan();
    second.mode = Mode::WarnOnly;
    save(&env, &second).await;
    let versions = env
        .store
        .mapping_plan_versions(env.config.id)
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert!(versions[0].created_by.starts_with("cli:"));
    let rolled = env
        .store
        .rollback_mapping_plan(env.config.id, 1, env.registry.user(), &Actor::cli())
        .await
        .unwrap();
    assert_eq!((rolled.version, &rolled.plan), (3, &plan()));
    assert_eq!(rolled.comment, "rollback to version 1");
    let current = env
        .store
        .mapping_plan(env.config.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.version, 3);
    let audit = env
        .store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("mapping.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 3);
}

#[tokio::test]
async fn writes_are_shaped_and_refused_by_the_plan() {
    let env = env().await;
    save(&env, &plan()).await;
    // Transforms, custom fields and ignored attributes shape what is stored.
    let written = create(
        &env,
        json!({
            "userName": "a@contoso.com",
            "externalId": "e-1",
            "preferredLanguage": "en-US",
            "nickName": "not supported",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        }),
    )
    .await
    .unwrap();
    let id = written.resource["id"].as_str().unwrap().to_owned();
    assert_eq!(written.resource["preferredLanguage"], "en");
    assert!(written.resource.get("nickName").is_none());
    assert_eq!(
        written.resource["urn:scim-console:params:scim:schemas:extension:xmatters:2.0:User"],
        json!({"badge": "701984"})
    );
    assert!(
        written.warnings[0].contains("nickName"),
        "{:?}",
        written.warnings
    );
    let stored = env.store.get_user(&env.config, &id).await.unwrap();
    assert_eq!(stored["preferredLanguage"], "en");
    // A failed validator: 400 invalidValue naming field, value, validator and rule.
    let err = create(
        &env,
        json!({"userName": "b@contoso.com", "phoneNumbers": [{"type": "work", "value": "+1 415 555 2671"}]}),
    )
    .await
    .unwrap_err();
    let detail = invalid_value(&err);
    assert!(
        detail.contains("phoneNumbers[type eq \"work\"].value")
            && detail.contains("send \"+14155552671\"")
            && detail.contains("validator e164")
            && detail.contains("rule 11"),
        "{detail}"
    );
    // Unique beyond userName (externalId is caseExact: "E-1" would be another value).
    create(
        &env,
        json!({"userName": "d@contoso.com", "externalId": "E-1"}),
    )
    .await
    .unwrap();
    let err = create(
        &env,
        json!({"userName": "c@contoso.com", "externalId": "e-1"}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_scim().scim_type(),
        Some(ScimType::Uniqueness),
        "{err}"
    );
    assert!(
        err.to_scim()
            .detail()
            .contains("already used by another user"),
        "{err}"
    );
    // PATCH goes through the plan too; nothing is stored when it refuses.
    let err = env
        .store
        .patch_user(
            &env.config,
            &env.registry,
            &id,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "timezone", "value": "Mars/Olympus"}]}),
            &PatchRules::default(),
            None,
        )
        .await
        .unwrap_err();
    assert!(invalid_value(&err).contains("timezone"), "{err}");
    let stored = env.store.get_user(&env.config, &id).await.unwrap();
    assert!(stored.get("timezone").is_none());
    // Its own externalId is not a clash when the user is replaced.
    env.store
        .replace_user(
            &env.config,
            &env.registry,
            &id,
            json!({"userName": "a@contoso.com", "externalId": "e-1", "timezone": "Europe/Paris"}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn warn_only_unsupported_rejection_and_scoping() {
    let env = env().await;
    let mut relaxed = plan();
    relaxed.mode = Mode::WarnOnly;
    save(&env, &relaxed).await;
    let written = create(
        &env,
        json!({"userName": "a@contoso.com", "timezone": "Paris"}),
    )
    .await
    .unwrap();
    assert!(
        written.warnings.iter().any(|w| w.contains("timezone")),
        "{:?}",
        written.warnings
    );

    let mut strict = plan();
    strict.unsupported = Unsupported::Reject;
    strict.scoping.users = vec![ScopeRule {
        effect: ScopeEffect::Include,
        filter: r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Ops""#
            .into(),
    }];
    // (The enterprise department is a field of the default plan: it is read, so supported.)
    // A second store on the same data directory (the CLI) saves the plan: seen at once.
    let cli = scim_console_core::testing::open_test_store(env.dir.path())
        .await
        .unwrap();
    cli.save_mapping_plan(
        env.config.id,
        &strict,
        env.registry.user(),
        "strict",
        &Actor::cli(),
    )
    .await
    .unwrap();
    let ops = |extra: Value| {
        let mut body = json!({"userName": format!("u{}@contoso.com", rand_suffix()), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    let err = create(&env, ops(json!({"nickName": "x"})))
        .await
        .unwrap_err();
    assert!(
        invalid_value(&err).contains("does not support nickName"),
        "{err}"
    );
    create(&env, ops(json!({}))).await.unwrap();
    let err = create(
        &env,
        json!({"userName": "sales@contoso.com", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}}),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m.contains("out of the scope")),
        "{err}"
    );
    let mut inactive = strict.clone();
    inactive.scoping.out_of_scope = OutOfScope::AcceptInactive;
    save(&env, &inactive).await;
    let written = create(
        &env,
        json!({"userName": "sales2@contoso.com", "active": true, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}}),
    )
    .await
    .unwrap();
    assert_eq!(written.resource["active"], false);
    assert!(written.warnings.iter().any(|w| w.contains("out of scope")));
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

#[tokio::test]
async fn brownfield_imports_are_linked_by_the_first_matching_post() {
    use scim_console_core::mapping::brownfield::{users_from_csv, users_from_json};
    use scim_console_core::mapping::plan::Matching;
    let env = env().await;
    let csv = "userName,name.givenName,emails[type eq \"work\"].value,active\n\
               E1001,Barbara,bjensen@contoso.com,true\n\
               E1002,Alan,alan@contoso.com,false\n\
               E1003,Broken,not-an-email,maybe\n";
    let rows = users_from_csv(csv, &env.registry).unwrap();
    let report = env
        .store
        .import_users(&env.config, &env.registry, rows, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(report.imported, 2, "{report:?}");
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].row, 4);
    // The target keys users by employee id; Entra sends UPNs: match on the work email.
    let mut plan = plan();
    plan.matching = vec![
        Matching {
            attribute: "userName".into(),
            primary: true,
        },
        Matching {
            attribute: "emails[type eq \"work\"].value".into(),
            primary: false,
        },
    ];
    save(&env, &plan).await;
    let before = count(&env).await;
    let linked = create(
        &env,
        json!({"userName": "bjensen@contoso.com", "emails": [{"type": "work", "value": "BJensen@contoso.com"}]}),
    )
    .await
    .unwrap();
    assert_eq!(count(&env).await, before, "linked, not duplicated");
    assert!(
        linked
            .warnings
            .iter()
            .any(|w| w.contains("linked to the imported user")),
        "{:?}",
        linked.warnings
    );
    assert_eq!(linked.resource["userName"], "bjensen@contoso.com");
    // Linked once: the same POST again is a normal create (a conflict on userName now).
    let again = create(&env, json!({"userName": "bjensen@contoso.com"}))
        .await
        .unwrap_err();
    assert_eq!(again.to_scim().scim_type(), Some(ScimType::Uniqueness));
    // A user that matches nothing is created as usual.
    create(&env, json!({"userName": "new@contoso.com"}))
        .await
        .unwrap();
    assert_eq!(count(&env).await, before + 1);
    // JSON imports: an array or a ListResponse; a bad CSV header is refused with its column.
    assert_eq!(
        users_from_json(r#"{"Resources": [{"userName": "x"}]}"#)
            .unwrap()
            .users
            .len(),
        1
    );
    let err = users_from_csv("userName,nope\nx,y\n", &env.registry).unwrap_err();
    assert!(err.to_string().contains("column 2"), "{err}");
}

async fn count(env: &Env) -> usize {
    env.store
        .list_users(
            &env.config,
            &env.registry,
            &scim::ListQuery::default(),
            scim::Paging {
                start_index: 1,
                count: 0,
            },
        )
        .await
        .unwrap()
        .total_results
}

#[tokio::test]
async fn group_rules_validate_names_scope_and_nesting() {
    use scim_console_core::mapping::plan::GroupRules;
    let env = env().await;
    let mut plan = plan();
    plan.groups = GroupRules {
        display_name: vec![Validator::Pattern {
            regex: "[A-Za-z0-9 _-]{3,64}".into(),
        }],
        nested_groups: false,
    };
    plan.scoping.groups = vec![ScopeRule {
        effect: ScopeEffect::Exclude,
        filter: r#"displayName sw "tmp""#.into(),
    }];
    save(&env, &plan).await;
    let group = |body: Value| {
        let env = &env;
        async move {
            env.store
                .create_group(&env.config, &env.registry, body, &InputRules::default())
                .await
        }
    };
    let user = create(&env, json!({"userName": "member@contoso.com"}))
        .await
        .unwrap();
    let user_id = user.resource["id"].as_str().unwrap().to_owned();
    let parent = group(json!({"displayName": "Engineering", "members": [{"value": user_id}]}))
        .await
        .unwrap();
    let parent_id = parent.resource["id"].as_str().unwrap().to_owned();
    let err = group(json!({"displayName": "x!"})).await.unwrap_err();
    assert!(invalid_value(&err).contains("displayName"), "{err}");
    let err = group(json!({"displayName": "tmp-project"}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m.contains("out of the scope")),
        "{err}"
    );
    // A group in a group: refused at create and by PATCH's fast member path.
    let err = group(json!({"displayName": "Nested", "members": [{"value": parent_id}]}))
        .await
        .unwrap_err();
    assert!(
        invalid_value(&err).contains("does not accept groups in groups"),
        "{err}"
    );
    let child = group(json!({"displayName": "Child"})).await.unwrap();
    let child_id = child.resource["id"].as_str().unwrap();
    let err = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &parent_id,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": child_id}]}]}),
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(invalid_value(&err).contains("groups in groups"), "{err}");
}

/// Users stored before a plan existed, each with a work phone the default plan's E.164
/// validator refuses; then the default plan is saved. Answers their ids.
async fn leavers_the_plan_refuses(env: &Env, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        let written = create(
            env,
            json!({"userName": format!("leaver{i}@contoso.com"), "active": true,
                   "displayName": format!("Leaver {i}"),
                   "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
        )
        .await
        .unwrap();
        ids.push(written.resource["id"].as_str().unwrap().to_owned());
    }
    save(env, &Plan::default_users()).await;
    ids
}

async fn patch(env: &Env, id: &str, operations: Value) -> Result<Value, CoreError> {
    env.store
        .patch_user(
            &env.config,
            &env.registry,
            id,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}),
            &PatchRules::default(),
            None,
        )
        .await
        .map(|w| Value::Object(w.resource))
}

#[tokio::test]
async fn deprovisioning_always_goes_through_and_a_write_is_judged_by_what_it_changes() {
    let env = env().await;
    let ids = leavers_the_plan_refuses(&env, 6).await;
    // Every stored user fails the plan: a create like them is refused.
    let err = create(
        &env,
        json!({"userName": "new@contoso.com", "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
    )
    .await
    .unwrap_err();
    assert!(invalid_value(&err).contains("E.164"), "{err}");
    // Each deprovisioning form deactivates (or deletes) the user all the same.
    let forms = [
        json!([{"op": "replace", "path": "active", "value": false}]),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        json!([{"op": "replace", "path": "active", "value": "false"}]),
        json!([{"op": "replace", "value": {"active": false}}]),
    ];
    for (id, form) in ids.iter().zip(&forms) {
        let user = patch(&env, id, form.clone())
            .await
            .unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(user["active"], false, "{form}");
        let stored = env.store.get_user(&env.config, id).await.unwrap();
        assert_eq!(stored["active"], false, "{form}");
    }
    // A PUT with active false: the whole resource is judged, yet the deactivation goes through
    // with the refusal recorded as a warning.
    let written = env
        .store
        .replace_user(
            &env.config,
            &env.registry,
            &ids[4],
            json!({"userName": "leaver4@contoso.com", "active": false,
                   "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(written.resource["active"], false);
    assert!(
        written
            .warnings
            .iter()
            .any(|w| w.contains("deactivation always goes through") && w.contains("E.164")),
        "{:?}",
        written.warnings
    );
    // The identity provider repeats the PUT of the leaver: still not refused.
    let again = env
        .store
        .replace_user(
            &env.config,
            &env.registry,
            &ids[4],
            json!({"userName": "leaver4@contoso.com", "active": false, "displayName": "Gone",
                   "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(again.resource["active"], false);
    // DELETE.
    env.store
        .delete_user(&env.config, &ids[5], None)
        .await
        .unwrap();
    assert!(env.store.get_user(&env.config, &ids[5]).await.is_err());

    // A PATCH is judged by what it changes: a new displayName of a user whose stored phone
    // fails goes through; a removal goes through; setting a phone the plan refuses does not.
    // Reactivating does not change the phone, so it is not judged by it either.
    let more = patch(
        &env,
        &ids[0],
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await
    .unwrap();
    assert_eq!(more["active"], true);
    let renamed = patch(
        &env,
        &ids[0],
        json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]),
    )
    .await
    .unwrap();
    assert_eq!(renamed["displayName"], "Renamed");
    let err = patch(
        &env,
        &ids[0],
        json!([{"op": "add", "path": "phoneNumbers", "value": [{"type": "mobile", "value": "not a number"}]}]),
    )
    .await
    .unwrap_err();
    assert!(invalid_value(&err).contains("E.164"), "{err}");
    let removed = patch(
        &env,
        &ids[0],
        json!([{"op": "remove", "path": "phoneNumbers"}]),
    )
    .await
    .unwrap();
    assert!(removed.get("phoneNumbers").is_none(), "{removed}");
    // A PUT that keeps the user active answers for the whole resource.
    let err = env
        .store
        .replace_user(
            &env.config,
            &env.registry,
            &ids[1],
            json!({"userName": "leaver1@contoso.com", "active": true,
                   "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
            &InputRules::default(),
            None,
        )
        .await
        .unwrap_err();
    assert!(invalid_value(&err).contains("E.164"), "{err}");
}

#[tokio::test]
async fn a_user_out_of_scope_is_deactivated_and_a_group_keeps_losing_members() {
    let env = env().await;
    let user = create(
        &env,
        json!({"userName": "sales@contoso.com", "active": true,
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}}),
    )
    .await
    .unwrap();
    let id = user.resource["id"].as_str().unwrap().to_owned();
    let group = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "sales team", "members": [{"value": id}]}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let group_id = group.resource["id"].as_str().unwrap().to_owned();
    // The plan: only Ops is in scope (refused otherwise), group names must start upper case.
    let mut scoped = Plan::default_users();
    scoped.scoping.users = vec![ScopeRule {
        effect: ScopeEffect::Include,
        filter: r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Ops""#
            .into(),
    }];
    scoped.scoping.out_of_scope = OutOfScope::Reject;
    scoped.groups.display_name = vec![Validator::Pattern {
        regex: "^[A-Z]".into(),
    }];
    save(&env, &scoped).await;
    // The identity provider's answer to a user leaving its scope: a deactivation. It goes
    // through, said in a warning; any other change to the out-of-scope user is still refused.
    let written = env
        .store
        .patch_user(
            &env.config,
            &env.registry,
            &id,
            json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
            &PatchRules::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(written.resource["active"], false);
    assert!(written.warnings.iter().any(|w| w.contains("out of scope")));
    let err = patch(
        &env,
        &id,
        json!([{"op": "replace", "path": "displayName", "value": "x"}]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err}");
    // A group whose stored name the plan now refuses still loses its member.
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &group_id,
            json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]}),
            &PatchRules::default(),
            None,
            true,
        )
        .await
        .unwrap();
    assert!(
        written
            .resource
            .get("members")
            .is_none_or(|m| m.as_array().unwrap().is_empty()),
        "{:?}",
        written.resource
    );
    // Renaming it to a name the plan refuses is refused.
    let err = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &group_id,
            json!({"Operations": [{"op": "replace", "path": "displayName", "value": "still lower"}]}),
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(invalid_value(&err).contains("displayName"), "{err}");
}
