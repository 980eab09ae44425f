//! The accidental-deletion threshold in the store: deletions and deactivations go through up
//! to the threshold within its window, further ones are held (503, recorded once however often
//! the identity provider retries), a `deletionsHeld` alert fires, and an admin releases or
//! discards them — audited — after which the alert resolves.

use std::time::Duration;

use scim::{InputRules, PatchRules};
use scim_console_core::alerts::{AlertCondition, AlertEventKind};
use scim_console_core::audit::AuditQuery;
use scim_console_core::deletions::held::Selection;
use scim_console_core::deletions::{DeletionKind, DeletionLimit, DeletionThreshold};
use scim_console_core::{Actor, CoreError, NewConfiguration};
use serde_json::{Value, json};

use crate::common::Env;

async fn user(env: &Env, name: &str) -> String {
    let written = env
        .store
        .create_user(
            &env.config,
            &env.registry,
            json!({"userName": name, "active": true}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    written.resource["id"].as_str().unwrap().to_owned()
}

fn deactivation() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
           "Operations": [{"op": "replace", "path": "active", "value": false}]})
}

fn held(err: &CoreError) -> bool {
    matches!(err, CoreError::Held { .. }) && err.to_scim().http_status() == 503
}

#[tokio::test]
async fn deletions_beyond_the_threshold_are_held_until_an_admin_decides() {
    let env = Env::timed(NewConfiguration::named("Entra"), &Actor::system()).await;
    let (store, c) = (&env.store, &env.config);
    let admin = Actor::new("admin@contoso.com", "test");
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(user(&env, &format!("u{i}@contoso.com")).await);
    }
    // Without a threshold nothing is counted: two deletions go through.
    store.delete_user(c, &ids[0], None).await.unwrap();
    let settings = store
        .set_deletion_threshold(
            c,
            &DeletionThreshold {
                limit: DeletionLimit::Count(2),
                window_minutes: 60,
            },
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        settings.description,
        "2 deletions or deactivations within 60 minutes"
    );
    // Setting it added the alert rule that says when deletions are held.
    let rules = store.alert_rules(Some(c.id)).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].condition, AlertCondition::DeletionsHeld);

    // Two go through (a DELETE and a deactivation); the third and fourth are held.
    store.delete_user(c, &ids[1], None).await.unwrap();
    let rules_p = PatchRules::default();
    store
        .patch_user(c, &env.registry, &ids[2], deactivation(), &rules_p, None)
        .await
        .unwrap();
    let err = store.delete_user(c, &ids[3], None).await.unwrap_err();
    assert!(held(&err), "{err:?}");
    assert!(err.to_string().contains("threshold"), "{err}");
    env.clock().advance(Duration::from_secs(1));
    let err = store
        .patch_user(c, &env.registry, &ids[4], deactivation(), &rules_p, None)
        .await
        .unwrap_err();
    assert!(held(&err), "{err:?}");
    // The identity provider retries: still held, recorded once with its attempts.
    let err = store.delete_user(c, &ids[3], None).await.unwrap_err();
    assert!(held(&err));
    let pending = store.held_deletions(c.id).await.unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(
        (
            pending[0].user_name.as_deref(),
            pending[0].kind,
            pending[0].attempts
        ),
        (Some("u3@contoso.com"), DeletionKind::Delete, 2)
    );
    assert_eq!(pending[1].kind, DeletionKind::Deactivate);
    // The users are untouched.
    assert!(store.get_user(c, &ids[3]).await.is_ok());
    let u4 = store.get_user(c, &ids[4]).await.unwrap();
    assert_eq!(u4["active"], true);
    // A change that is not a deprovisioning goes through as ever.
    store
        .patch_user(
            c,
            &env.registry,
            &ids[5],
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "displayName", "value": "Five"}]}),
            &rules_p,
            None,
        )
        .await
        .unwrap();

    // The alert fires.
    let events = store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, AlertEventKind::Raised);
    assert!(
        events[0].message.contains("2 deletions are held"),
        "{events:?}"
    );

    // Released: the held DELETE deletes, the held deactivation deactivates.
    let released = store
        .release_deletions(
            c,
            &env.registry,
            &Selection::Ids(vec![pending[0].id.clone()]),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(released.decided, 1);
    assert!(matches!(
        store.get_user(c, &ids[3]).await,
        Err(CoreError::NotFound(_))
    ));
    let unknown = store
        .discard_deletions(c, &Selection::Ids(vec!["nope".into()]), &admin)
        .await
        .unwrap_err();
    assert!(unknown.to_string().starts_with("ids:"), "{unknown}");
    // Discarded: the user stays active.
    let discarded = store
        .discard_deletions(c, &Selection::All, &admin)
        .await
        .unwrap();
    assert_eq!(discarded.decided, 1);
    assert_eq!(store.get_user(c, &ids[4]).await.unwrap()["active"], true);
    assert!(store.held_deletions(c.id).await.unwrap().is_empty());
    let events = store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, AlertEventKind::Resolved);
    // Both decisions are audited with the person and the users.
    let audit = store.audit(&AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "deletionThreshold.set",
        "deletions.release",
        "deletions.discard",
    ] {
        assert!(actions.contains(&action), "{actions:?}");
    }
    let release = audit
        .entries
        .iter()
        .find(|e| e.action == "deletions.release")
        .unwrap();
    assert_eq!(release.actor, "admin@contoso.com");
    assert_eq!(release.details["users"][0]["userName"], "u3@contoso.com");

    // Once the window has passed, deletions go through again.
    env.clock().advance(Duration::from_secs(61 * 60));
    store
        .patch_user(c, &env.registry, &ids[4], deactivation(), &rules_p, None)
        .await
        .unwrap();
    // Removing the threshold lets every deletion through.
    store.clear_deletion_threshold(c, &admin).await.unwrap();
    assert!(store.deletion_threshold(c.id).await.unwrap().is_none());
    store.delete_user(c, &ids[5], None).await.unwrap();
    store.delete_user(c, &ids[4], None).await.unwrap();
}

#[tokio::test]
async fn a_percentage_threshold_counts_against_the_directory() {
    let env = Env::timed(NewConfiguration::named("Okta"), &Actor::system()).await;
    let (store, c) = (&env.store, &env.config);
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(user(&env, &format!("p{i}@contoso.com")).await);
    }
    store
        .set_deletion_threshold(
            c,
            &DeletionThreshold {
                limit: DeletionLimit::Percent(20),
                window_minutes: 30,
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    // 20% of 10 users: two go, the third is held.
    store.delete_user(c, &ids[0], None).await.unwrap();
    store.delete_user(c, &ids[1], None).await.unwrap();
    let err = store.delete_user(c, &ids[2], None).await.unwrap_err();
    assert!(held(&err), "{err:?}");
    // A bad threshold is refused, naming the field.
    let err = store
        .set_deletion_threshold(
            c,
            &DeletionThreshold {
                limit: DeletionLimit::Percent(0),
                window_minutes: 30,
            },
            &Actor::system(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("limit.percent"), "{err}");
}
