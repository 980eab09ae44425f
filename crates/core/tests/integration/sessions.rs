//! Administrators' browser sessions in the database: opened, found by their id (only its hash
//! stored), ended by signing out, by an idle hour, by twelve hours, and by their administrator
//! being disabled.

use std::time::Duration;

use scim_console_core::Actor;
use scim_console_core::NewConfiguration;
use scim_console_core::administrators::accounts::NewAdministrator;
use scim_console_core::administrators::roles::{Grant, Role};

use crate::common::Env;

#[tokio::test]
async fn sessions_open_end_by_sign_out_idleness_age_and_a_disabled_administrator() {
    let env = Env::timed(NewConfiguration::named("default"), &Actor::system()).await;
    let store = &env.store;
    let clock = env.clock();
    let id = store
        .open_admin_session(None, "192.0.2.7", Some("Firefox/140"))
        .await
        .unwrap();
    assert_eq!(id.expose().len(), 43);
    let session = store.admin_session(id.expose()).await.unwrap().unwrap();
    assert_eq!(
        (
            session.administrator,
            session.source.as_str(),
            session.user_agent.as_deref()
        ),
        (None, "192.0.2.7", Some("Firefox/140"))
    );
    assert!(
        store
            .admin_session("not-a-session")
            .await
            .unwrap()
            .is_none()
    );
    // Used every 50 minutes, it lasts; after 12 hours it ends all the same.
    for _ in 0..14 {
        clock.advance(Duration::from_secs(50 * 60));
        assert!(store.admin_session(id.expose()).await.unwrap().is_some());
    }
    clock.advance(Duration::from_secs(50 * 60));
    assert!(
        store.admin_session(id.expose()).await.unwrap().is_none(),
        "12 hours"
    );
    // An hour without a request ends one.
    let idle = store
        .open_admin_session(None, "192.0.2.7", None)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61 * 60));
    assert!(
        store.admin_session(idle.expose()).await.unwrap().is_none(),
        "idle"
    );
    // Signing out ends one.
    let out = store
        .open_admin_session(None, "192.0.2.7", None)
        .await
        .unwrap();
    store.close_admin_session(out.expose()).await.unwrap();
    assert!(store.admin_session(out.expose()).await.unwrap().is_none());
    // An administrator's sessions end when it is disabled, and hold again when it is enabled
    // (within their time).
    for email in ["ada@contoso.com", "grace@contoso.com"] {
        store
            .create_administrator(
                &NewAdministrator {
                    email: email.into(),
                    name: String::new(),
                    grants: vec![Grant::everywhere(Role::Owner)],
                },
                &Actor::system(),
            )
            .await
            .unwrap();
    }
    let grace = store.administrator("grace@contoso.com").await.unwrap();
    let hers = store
        .open_admin_session(Some(&grace.id), "192.0.2.8", None)
        .await
        .unwrap();
    assert_eq!(
        store
            .admin_session(hers.expose())
            .await
            .unwrap()
            .unwrap()
            .administrator,
        Some(grace.id.clone())
    );
    store
        .set_administrator_enabled(&grace.id, false, &Actor::system())
        .await
        .unwrap();
    assert!(store.admin_session(hers.expose()).await.unwrap().is_none());
}
