//! Administrators' browser sessions in the database: opened, found by their id (only its hash
//! stored), ended by signing out, by an idle hour, by twelve hours, and by their administrator
//! being disabled.

use std::time::Duration;

use scim_console_core::Actor;
use scim_console_core::NewConfiguration;
use scim_console_core::administrators::accounts::NewAdministrator;
use scim_console_core::administrators::roles::{Grant, Role};

use crate::common::Env;

/// Two owners, Ada and Grace.
async fn owners(store: &scim_console_core::Store, actor: &Actor) {
    for email in ["ada@contoso.com", "grace@contoso.com"] {
        store
            .create_administrator(
                &NewAdministrator {
                    email: email.into(),
                    name: String::new(),
                    grants: vec![Grant::everywhere(Role::Owner)],
                },
                actor,
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn sessions_open_end_by_sign_out_idleness_age_and_a_disabled_administrator() {
    let env = Env::timed(NewConfiguration::named("default"), &Actor::system()).await;
    let store = &env.store;
    let clock = env.clock();
    let id = store
        .open_admin_session(None, "admin link", "192.0.2.7", Some("Firefox/140"))
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
        .open_admin_session(None, "admin link", "192.0.2.7", None)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61 * 60));
    assert!(
        store.admin_session(idle.expose()).await.unwrap().is_none(),
        "idle"
    );
    // Signing out ends one.
    let out = store
        .open_admin_session(None, "admin link", "192.0.2.7", None)
        .await
        .unwrap();
    store.close_admin_session(out.expose()).await.unwrap();
    assert!(store.admin_session(out.expose()).await.unwrap().is_none());
    // An administrator's sessions end when it is disabled, and hold again when it is enabled
    // (within their time).
    owners(store, &Actor::system()).await;
    let grace = store.administrator("grace@contoso.com").await.unwrap();
    let hers = store
        .open_admin_session(Some(&grace.id), "one-time link", "192.0.2.8", None)
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

#[tokio::test]
async fn a_sign_in_link_works_once_within_fifteen_minutes_for_an_active_administrator() {
    let env = Env::timed(NewConfiguration::named("default"), &Actor::system()).await;
    let store = &env.store;
    let clock = env.clock();
    let actor = Actor::new("cli:root", "local");
    owners(store, &actor).await;
    let link = store
        .create_sign_in_link("ADA@contoso.com", &actor)
        .await
        .unwrap();
    assert_eq!(link.code.expose().len(), 43);
    let ada = store
        .redeem_sign_in_link(link.code.expose(), "192.0.2.7")
        .await
        .unwrap();
    assert_eq!(ada.email, "ada@contoso.com");
    // Once.
    let again = store
        .redeem_sign_in_link(link.code.expose(), "192.0.2.7")
        .await
        .unwrap_err();
    assert!(again.to_string().contains("used already"), "{again}");
    // Within fifteen minutes.
    let late = store
        .create_sign_in_link("ada@contoso.com", &actor)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(15 * 60 + 1));
    assert!(
        store
            .redeem_sign_in_link(late.code.expose(), "192.0.2.7")
            .await
            .is_err()
    );
    // Never for a disabled administrator, nor for a code never issued.
    let grace = store
        .create_sign_in_link("grace@contoso.com", &actor)
        .await
        .unwrap();
    store
        .set_administrator_enabled("grace@contoso.com", false, &actor)
        .await
        .unwrap();
    assert!(
        store
            .redeem_sign_in_link(grace.code.expose(), "192.0.2.7")
            .await
            .is_err()
    );
    assert!(
        store
            .create_sign_in_link("grace@contoso.com", &actor)
            .await
            .is_err()
    );
    assert!(
        store
            .redeem_sign_in_link("made-up", "192.0.2.7")
            .await
            .is_err()
    );
    // Issuing and signing in are audited: the sign-in as the administrator's, from its address.
    let audit = store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.sign-in".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(
        (
            audit.entries[0].actor.as_str(),
            audit.entries[0].source.as_str()
        ),
        ("ada@contoso.com", "192.0.2.7")
    );
    let issued = store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.link".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(issued.entries.len(), 3);
    assert!(
        !serde_json::to_string(&issued.entries)
            .unwrap()
            .contains(link.code.expose())
    );
}

#[tokio::test]
async fn personal_api_tokens_live_their_days_and_sessions_are_listed_and_revoked() {
    use scim_console_core::administrators::api_tokens::NewApiToken;
    let env = Env::timed(NewConfiguration::named("default"), &Actor::system()).await;
    let store = &env.store;
    let clock = env.clock();
    owners(store, &Actor::system()).await;
    let ada = store.administrator("ada@contoso.com").await.unwrap();
    let issued = store
        .create_api_token(
            &ada.id,
            &NewApiToken {
                name: "backup".into(),
                roles: None,
                days: 2,
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    assert_eq!(issued.token.roles, [Role::Owner]);
    let secret = issued.secret.expose();
    let (who, token) = store.api_token_caller(secret).await.unwrap().unwrap();
    assert_eq!(
        (who.id.as_str(), token.id.as_str()),
        (ada.id.as_str(), issued.token.id.as_str())
    );
    assert!(
        store
            .api_token_caller("scap_wrong")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .api_token_caller("not even the prefix")
            .await
            .unwrap()
            .is_none()
    );
    clock.advance(Duration::from_secs(47 * 3600));
    assert!(
        store.api_token_caller(secret).await.unwrap().is_some(),
        "within its days"
    );
    clock.advance(Duration::from_secs(2 * 3600));
    assert!(
        store.api_token_caller(secret).await.unwrap().is_none(),
        "expired"
    );
    // Only the hash is stored.
    let stored = store.api_tokens_of(&ada.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!format!("{stored:?}").contains(secret));
    // Sessions: listed with their public ids, revoked one by one.
    let first = store
        .open_admin_session(Some(&ada.id), "password", "192.0.2.9", Some("Safari"))
        .await
        .unwrap();
    let second = store
        .open_admin_session(Some(&ada.id), "one-time link", "192.0.2.10", None)
        .await
        .unwrap();
    let listed = store.admin_sessions_of(&ada.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|s| s.id.starts_with("ses_") && s.id.len() == 20)
    );
    let by_password = listed.iter().find(|s| s.via == "password").unwrap();
    store
        .revoke_admin_session(&ada.id, &by_password.id, &Actor::system())
        .await
        .unwrap();
    assert!(store.admin_session(first.expose()).await.unwrap().is_none());
    assert!(
        store
            .admin_session(second.expose())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .revoke_admin_session(&ada.id, &by_password.id, &Actor::system())
            .await
            .is_err(),
        "once"
    );
    let grace = store.administrator("grace@contoso.com").await.unwrap();
    let other = &store.admin_sessions_of(&ada.id).await.unwrap()[0].id;
    assert!(
        store
            .revoke_admin_session(&grace.id, other, &Actor::system())
            .await
            .is_err(),
        "a session is revoked under its own administrator only"
    );
}

#[tokio::test]
async fn a_browser_sign_in_code_buys_one_device_token_with_its_verifier_within_two_minutes() {
    use scim_console_core::administrators::device_codes::{DEVICE_TOKEN_DAYS, challenge_of};
    let env = Env::timed(NewConfiguration::named("default"), &Actor::system()).await;
    let store = &env.store;
    let clock = env.clock();
    owners(store, &Actor::system()).await;
    let ada = store.administrator("ada@contoso.com").await.unwrap();
    let verifier = "a-verifier-only-the-desktop-app-holds-43-chars-or-more";
    let challenge = challenge_of(verifier);
    let code = store
        .issue_device_code(&ada.id, &challenge, "ada-laptop")
        .await
        .unwrap();
    // The wrong verifier is refused, and spends the code.
    let wrong = store
        .redeem_device_code(code.expose(), "someone-elses-verifier", "127.0.0.1")
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("not valid"), "{wrong}");
    assert!(
        store
            .redeem_device_code(code.expose(), verifier, "127.0.0.1")
            .await
            .is_err()
    );
    // The right one buys a token named for the device, with Ada's roles, once.
    let code = store
        .issue_device_code(&ada.id, &challenge, "ada-laptop")
        .await
        .unwrap();
    let issued = store
        .redeem_device_code(code.expose(), verifier, "198.51.100.4")
        .await
        .unwrap();
    assert_eq!(issued.token.name, "SCIM Console on ada-laptop");
    assert_eq!(issued.token.administrator, ada.id);
    assert_eq!(issued.token.roles, vec![Role::Owner]);
    assert_eq!(
        (issued.token.expires - issued.token.created).num_days(),
        DEVICE_TOKEN_DAYS
    );
    assert!(
        store
            .redeem_device_code(code.expose(), verifier, "198.51.100.4")
            .await
            .is_err()
    );
    let caller = store
        .api_token_caller(issued.secret.expose())
        .await
        .unwrap();
    assert!(caller.is_some());
    // Two minutes at most.
    let late = store
        .issue_device_code(&ada.id, &challenge, "ada-laptop")
        .await
        .unwrap();
    clock.advance(Duration::from_secs(121));
    assert!(
        store
            .redeem_device_code(late.expose(), verifier, "198.51.100.4")
            .await
            .is_err()
    );
    // Never for an administrator disabled since.
    let grace = store.administrator("grace@contoso.com").await.unwrap();
    let hers = store
        .issue_device_code(&grace.id, &challenge, "grace-desktop")
        .await
        .unwrap();
    store
        .set_administrator_enabled(&grace.id, false, &Actor::system())
        .await
        .unwrap();
    assert!(
        store
            .redeem_device_code(hers.expose(), verifier, "198.51.100.4")
            .await
            .is_err()
    );
    // A malformed challenge or device name is refused at issue.
    assert!(
        store
            .issue_device_code(&ada.id, "plain", "ada-laptop")
            .await
            .is_err()
    );
    assert!(
        store
            .issue_device_code(&ada.id, &challenge, "line\nbreak")
            .await
            .is_err()
    );
    // The token is audited as Ada's, from the address that exchanged the code.
    let audit = store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.api-token.create".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(
        (
            audit.entries[0].actor.as_str(),
            audit.entries[0].source.as_str()
        ),
        ("ada@contoso.com", "198.51.100.4")
    );
}
