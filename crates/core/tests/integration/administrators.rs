//! Administrators as accounts, on the test run's backend: created with grants, found by id or
//! email in any case, unique by email, their roles changed and their accounts disabled and
//! enabled — the last active owner kept — each change audited.

use std::collections::BTreeSet;

use scim_console_core::Actor;
use scim_console_core::administrators::accounts::{AdministratorState, NewAdministrator};
use scim_console_core::administrators::roles::{Grant, Role};
use scim_console_core::audit::AuditQuery;
use scim_console_core::error::CoreError;

use crate::common::Env;

fn new(email: &str, grants: Vec<Grant>) -> NewAdministrator {
    NewAdministrator {
        email: email.into(),
        name: String::new(),
        grants,
    }
}

#[tokio::test]
async fn administrators_are_created_found_changed_and_audited_keeping_one_owner() {
    let env = Env::new("acme-qa").await;
    let store = &env.store;
    let actor = Actor::new("cli:root", "local");
    let owner = store
        .create_administrator(
            &new("Ada@Contoso.com", vec![Grant::everywhere(Role::Owner)]),
            &actor,
        )
        .await
        .unwrap();
    assert!(owner.id.starts_with("adm_"));
    assert_eq!(
        (owner.name.as_str(), owner.state),
        ("Ada", AdministratorState::Active)
    );
    // The email is unique without case.
    let taken = store
        .create_administrator(
            &new("ada@contoso.COM", vec![Grant::everywhere(Role::Viewer)]),
            &actor,
        )
        .await
        .unwrap_err();
    assert!(matches!(taken, CoreError::Conflict(_)), "{taken}");
    // A consultant editing one configuration.
    let editor = store
        .create_administrator(
            &NewAdministrator {
                email: "grace@partner.example".into(),
                name: "Grace Hopper".into(),
                grants: vec![Grant::on(Role::Editor, BTreeSet::from([env.config.id])).unwrap()],
            },
            &actor,
        )
        .await
        .unwrap();
    assert_eq!(
        store.administrator("GRACE@partner.example").await.unwrap(),
        editor
    );
    assert_eq!(store.administrator(&editor.id).await.unwrap(), editor);
    let listed: Vec<String> = store
        .administrators()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.email)
        .collect();
    assert_eq!(listed, ["Ada@Contoso.com", "grace@partner.example"]);
    assert!(matches!(
        store.administrator("nobody@contoso.com").await,
        Err(CoreError::NotFound(_))
    ));

    // The last active owner keeps its role and its account.
    let refused = store
        .set_administrator_grants(&owner.email, &[Grant::everywhere(Role::Viewer)], &actor)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("last active owner"),
        "{refused}"
    );
    let refused = store
        .set_administrator_enabled(&owner.id, false, &actor)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("last active owner"),
        "{refused}"
    );
    // With a second owner, the first may step down; a disabled owner counts for nothing.
    store
        .set_administrator_grants(
            &editor.id,
            &[
                Grant::everywhere(Role::Owner),
                Grant::everywhere(Role::Security),
            ],
            &actor,
        )
        .await
        .unwrap();
    let stepped = store
        .set_administrator_grants(&owner.id, &[Grant::everywhere(Role::Security)], &actor)
        .await
        .unwrap();
    assert_eq!(stepped.grants, [Grant::everywhere(Role::Security)]);
    assert!(
        store
            .set_administrator_enabled(&editor.id, false, &actor)
            .await
            .is_err()
    );
    let disabled = store
        .set_administrator_enabled(&owner.id, false, &actor)
        .await
        .unwrap();
    assert_eq!(disabled.state, AdministratorState::Disabled);
    assert_eq!(
        store.administrator(&owner.id).await.unwrap().state,
        AdministratorState::Disabled
    );
    store
        .set_administrator_enabled(&owner.id, true, &actor)
        .await
        .unwrap();

    // Bad input says what is wrong.
    for (email, grants, field) in [
        (
            "not-an-email",
            vec![Grant::everywhere(Role::Viewer)],
            "email",
        ),
        ("x@contoso.com", vec![], "roles"),
    ] {
        let error = store
            .create_administrator(&new(email, grants), &actor)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CoreError::Invalid { field: f, .. } if *f == field),
            "{error}"
        );
    }

    // Every change is audited, with who made it.
    let page = store
        .audit(&AuditQuery {
            action: Some("administrator.".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = page
        .entries
        .iter()
        .rev()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "administrator.create",
            "administrator.create",
            "administrator.roles",
            "administrator.roles",
            "administrator.disable",
            "administrator.enable"
        ]
    );
    assert!(page.entries.iter().all(|e| e.actor == "cli:root"));
}
