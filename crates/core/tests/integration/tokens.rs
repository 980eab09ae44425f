//! Tokens, OAuth clients and the audit log against a real SQLite file, with a clock the tests
//! move: expiry, rotation grace windows, policy, revocation across processes, last use, and an
//! audit record for every change.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use scim_console_core::audit::{AuditQuery, ExportFormat};
use scim_console_core::oauth::{Grant, OAuthError};
use scim_console_core::token::{RejectReason, TokenProblemKind};
use scim_console_core::{
    Actor, Authentication, ConfigurationUpdate, CoreError, NewConfiguration, NewToken, Rotation,
    TokenPolicy, TokenState,
};

use crate::common::Env;

async fn env_with(policy: TokenPolicy) -> Env {
    Env::timed(
        NewConfiguration {
            token_policy: policy,
            ..NewConfiguration::named("Entra ID")
        },
        &admin(),
    )
    .await
}

async fn env() -> Env {
    env_with(TokenPolicy::default()).await
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

fn admin() -> Actor {
    Actor::new("admin", "127.0.0.1")
}

fn new_token(label: &str) -> NewToken {
    NewToken {
        label: label.into(),
        ..NewToken::default()
    }
}

async fn auth(env: &Env, token: &str) -> Authentication {
    env.store
        .authenticate(&env.config.slug, Some(token), "192.0.2.7")
        .await
        .unwrap()
}

fn accepted(a: &Authentication) -> bool {
    matches!(a, Authentication::Accepted(..))
}

fn reason(a: &Authentication) -> Option<RejectReason> {
    match a {
        Authentication::Rejected(_, r) => Some(r.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn tokens_open_only_their_configuration_and_malformed_ones_are_told_apart() {
    let env = env().await;
    let other = env
        .store
        .create_configuration(NewConfiguration::named("Okta"), &admin())
        .await
        .unwrap();
    let issued = env
        .store
        .create_token(env.config.id, &new_token("Entra provisioning"), &admin())
        .await
        .unwrap();
    let token = issued.token.expose().to_owned();
    assert!(token.starts_with(&format!("scim_{}_", issued.info.id)));
    assert!(format!("{issued:?}").contains("Secret(***)"));
    assert_eq!(issued.info.created_by, "admin");
    assert_eq!(issued.info.state, TokenState::Active);
    match auth(&env, &token).await {
        Authentication::Accepted(config, principal) => {
            assert_eq!(config.id, env.config.id);
            assert_eq!(principal.id, issued.info.id);
            assert_eq!(principal.prefix, format!("scim_{}_…", issued.info.id));
        }
        other => panic!("{other:?}"),
    }
    let elsewhere = env
        .store
        .authenticate(&other.slug, Some(&token), "x")
        .await
        .unwrap();
    assert_eq!(reason(&elsewhere), Some(RejectReason::Invalid));
    // One character off: the checksum refuses it.
    let mut typo = token.clone().into_bytes();
    let i = typo.len() - 20;
    typo[i] = if typo[i] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    assert_eq!(
        reason(&auth(&env, &typo).await),
        Some(RejectReason::Invalid)
    );
    let missing = env
        .store
        .authenticate(&env.config.slug, None, "x")
        .await
        .unwrap();
    assert_eq!(reason(&missing), Some(RejectReason::Missing));
    assert!(matches!(
        env.store
            .authenticate("nope", Some(&token), "x")
            .await
            .unwrap(),
        Authentication::UnknownConfiguration
    ));
    // Last use: when and from where.
    let listed = env.store.list_tokens(env.config.id).await.unwrap();
    assert_eq!(listed[0].last_used_from.as_deref(), Some("192.0.2.7"));
    assert!(listed[0].last_used.is_some());
}

#[tokio::test]
async fn expired_tokens_fail_by_the_clock_even_when_cached() {
    let env = env().await;
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let issued = env
        .store
        .create_token(
            env.config.id,
            &NewToken {
                label: "short".into(),
                expires: Some(expires),
            },
            &admin(),
        )
        .await
        .unwrap();
    let token = issued.token.expose().to_owned();
    assert!(accepted(&auth(&env, &token).await));
    assert!(accepted(&auth(&env, &token).await), "from the cache");
    env.clock().advance(2 * HOUR);
    assert!(matches!(
        reason(&auth(&env, &token).await),
        Some(RejectReason::Expired { .. })
    ));
    let listed = env
        .store
        .token(env.config.id, &issued.info.id)
        .await
        .unwrap();
    assert_eq!(listed.state, TokenState::Expired);
    // An expiry in the past is refused with the field named.
    let err = env
        .store
        .create_token(
            env.config.id,
            &NewToken {
                label: "past".into(),
                expires: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
            },
            &admin(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("expires:"), "{err}");
}

#[tokio::test]
async fn rotation_keeps_the_old_token_for_the_grace_window_only() {
    let env = env().await;
    let first = env
        .store
        .create_token(env.config.id, &new_token("entra"), &admin())
        .await
        .unwrap();
    let old = first.token.expose().to_owned();
    assert!(accepted(&auth(&env, &old).await));
    let (old_info, second) = env
        .store
        .rotate_token(
            env.config.id,
            &first.info.id,
            &Rotation {
                grace: HOUR,
                ..Rotation::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(old_info.state, TokenState::Grace);
    assert_eq!(
        old_info.rotated_to.as_deref(),
        Some(second.info.id.as_str())
    );
    assert_eq!(second.info.label, "entra");
    let new = second.token.expose().to_owned();
    assert!(accepted(&auth(&env, &old).await), "within the grace window");
    assert!(accepted(&auth(&env, &new).await));
    // Rotating the old one again is refused: its replacement is the one to rotate.
    let again = env
        .store
        .rotate_token(
            env.config.id,
            &first.info.id,
            &Rotation::default(),
            &admin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(again, CoreError::Conflict(_)), "{again}");
    env.clock().advance(HOUR + Duration::from_secs(1));
    assert!(matches!(
        reason(&auth(&env, &old).await),
        Some(RejectReason::Revoked { .. })
    ));
    assert!(accepted(&auth(&env, &new).await));
    // Without grace, the old token stops at once.
    let (_, third) = env
        .store
        .rotate_token(
            env.config.id,
            &second.info.id,
            &Rotation::default(),
            &admin(),
        )
        .await
        .unwrap();
    assert!(!accepted(&auth(&env, &new).await));
    assert!(accepted(&auth(&env, third.token.expose()).await));
    let states: Vec<TokenState> = env
        .store
        .list_tokens(env.config.id)
        .await
        .unwrap()
        .iter()
        .map(|t| t.state)
        .collect();
    assert_eq!(
        states,
        [TokenState::Active, TokenState::Revoked, TokenState::Revoked]
    );
}

#[tokio::test]
async fn revocation_from_another_process_fails_the_next_request() {
    let env = env().await;
    let issued = env
        .store
        .create_token(env.config.id, &new_token("t"), &admin())
        .await
        .unwrap();
    let token = issued.token.expose().to_owned();
    assert!(accepted(&auth(&env, &token).await));
    assert!(accepted(&auth(&env, &token).await), "cached");
    // A second Store on the same data directory (and the same clock) stands for the CLI.
    let cli = scim_console_core::testing::open_test_store(env.dir.path())
        .await
        .unwrap()
        .with_clock(env.clock().clone());
    cli.update_configuration(
        env.config.id,
        ConfigurationUpdate {
            enabled: Some(false),
            ..ConfigurationUpdate::default()
        },
        &Actor::cli(),
    )
    .await
    .unwrap();
    match auth(&env, &token).await {
        Authentication::Accepted(config, _) => assert!(!config.enabled, "seen at once"),
        other => panic!("{other:?}"),
    }
    let revoked = cli
        .revoke_token(env.config.id, &issued.info.id, &Actor::cli())
        .await
        .unwrap();
    assert_eq!(revoked.state, TokenState::Revoked);
    assert!(revoked.revoked_by.unwrap().starts_with("cli:"));
    assert!(matches!(
        reason(&auth(&env, &token).await),
        Some(RejectReason::Revoked { .. })
    ));
    // Deleting the configuration takes every token with it.
    let second = env
        .store
        .create_token(env.config.id, &new_token("u"), &admin())
        .await
        .unwrap();
    env.store
        .delete_configuration(env.config.id, &admin())
        .await
        .unwrap();
    assert!(matches!(
        auth(&env, second.token.expose()).await,
        Authentication::UnknownConfiguration
    ));
}

#[tokio::test]
async fn the_policy_caps_lifetime_and_count_and_flags_overdue_rotations() {
    let env = env_with(TokenPolicy {
        max_lifetime_days: Some(90),
        rotation_days: Some(30),
        max_active: Some(1),
        rotation_grace_hours: None,
    })
    .await;
    let first = env
        .store
        .create_token(env.config.id, &new_token("a"), &admin())
        .await
        .unwrap();
    let lifetime = first.info.expires.unwrap() - first.info.created;
    assert_eq!(lifetime.num_days(), 90, "the policy's maximum by default");
    let too_long = env
        .store
        .create_token(
            env.config.id,
            &NewToken {
                label: "b".into(),
                expires: Some(chrono::Utc::now() + chrono::Duration::days(200)),
            },
            &admin(),
        )
        .await
        .unwrap_err();
    assert!(
        too_long.to_string().contains("at most 90 days"),
        "{too_long}"
    );
    let second = env
        .store
        .create_token(env.config.id, &new_token("b"), &admin())
        .await
        .unwrap_err();
    assert!(
        matches!(&second, CoreError::Conflict(m) if m.contains("at most 1 active")),
        "{second}"
    );
    // Nothing to report yet.
    assert!(
        env.store
            .check_tokens(14 * DAY)
            .await
            .unwrap()
            .problems
            .is_empty()
    );
    env.clock().advance(31 * DAY);
    let check = env.store.check_tokens(14 * DAY).await.unwrap();
    assert_eq!(check.checked, 1);
    assert_eq!(check.problems[0].kind, TokenProblemKind::RotationOverdue);
    assert_eq!(check.problems[0].configuration, "Entra ID");
    // Rotating is allowed at the limit, and clears the report.
    let (_, rotated) = env
        .store
        .rotate_token(
            env.config.id,
            &first.info.id,
            &Rotation::default(),
            &admin(),
        )
        .await
        .unwrap();
    assert!(
        env.store
            .check_tokens(14 * DAY)
            .await
            .unwrap()
            .problems
            .is_empty()
    );
    env.clock().advance(80 * DAY);
    let check = env.store.check_tokens(14 * DAY).await.unwrap();
    assert_eq!(check.problems[0].kind, TokenProblemKind::ExpiresSoon);
    assert_eq!(check.problems[0].token.id, rotated.info.id);
    env.clock().advance(11 * DAY);
    let check = env.store.check_tokens(14 * DAY).await.unwrap();
    assert_eq!(check.problems[0].kind, TokenProblemKind::Expired);
    // Bad policies are refused with the field named.
    let err = env
        .store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                token_policy: Some(TokenPolicy {
                    max_active: Some(0),
                    ..TokenPolicy::default()
                }),
                ..ConfigurationUpdate::default()
            },
            &admin(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("tokenPolicy.maxActive"),
        "{err}"
    );
}

#[tokio::test]
async fn oauth_client_credentials_and_refresh_tokens_work_end_to_end() {
    let env = env().await;
    let client = env
        .store
        .create_oauth_client(env.config.id, "Acme IdP", None, &admin())
        .await
        .unwrap();
    let id = client.info.client_id.clone();
    let secret = client.client_secret.as_ref().unwrap().expose().to_owned();
    assert!(id.starts_with("scimc_") && secret.starts_with("scimcs_"));
    let slug = env.config.slug.clone();
    let grant = env
        .store
        .oauth_token(&slug, &id, &secret, Grant::ClientCredentials)
        .await
        .unwrap();
    assert_eq!(grant.expires_in, 3600);
    let access = grant.access_token.expose().to_owned();
    match auth(&env, &access).await {
        Authentication::Accepted(_, principal) => assert_eq!(principal.id, id),
        other => panic!("{other:?}"),
    }
    // Wrong secret, unknown client, other configuration: invalid_client.
    let mut wrong = secret.clone();
    wrong.replace_range(20..21, if &wrong[20..21] == "A" { "B" } else { "A" });
    for (cid, sec, s) in [
        (id.as_str(), wrong.as_str(), slug.as_str()),
        ("scimc_zzzzzzzz", secret.as_str(), slug.as_str()),
        (id.as_str(), secret.as_str(), "other"),
    ] {
        let err = env
            .store
            .oauth_token(s, cid, sec, Grant::ClientCredentials)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_client", "{err}");
    }
    // A refresh token works once and yields the next one.
    let refreshed = env
        .store
        .oauth_token(
            &slug,
            &id,
            &secret,
            Grant::RefreshToken(grant.refresh_token.as_ref().unwrap().expose().to_owned()),
        )
        .await
        .unwrap();
    assert!(accepted(&auth(&env, refreshed.access_token.expose()).await));
    let replay = env
        .store
        .oauth_token(
            &slug,
            &id,
            &secret,
            Grant::RefreshToken(grant.refresh_token.as_ref().unwrap().expose().to_owned()),
        )
        .await
        .unwrap_err();
    assert!(matches!(replay, OAuthError::InvalidGrant(_)));
    // The replay ended the family: the newer refresh token is dead too.
    let after_replay = env
        .store
        .oauth_token(
            &slug,
            &id,
            &secret,
            Grant::RefreshToken(
                refreshed
                    .refresh_token
                    .as_ref()
                    .unwrap()
                    .expose()
                    .to_owned(),
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(after_replay.code(), "invalid_grant");
    // Access tokens expire by the clock.
    env.clock().advance(HOUR + Duration::from_secs(1));
    assert!(matches!(
        reason(&auth(&env, &access).await),
        Some(RejectReason::Expired { .. })
    ));
    // Revoking the client fails its live access tokens on the next request.
    let fresh = env
        .store
        .oauth_token(&slug, &id, &secret, Grant::ClientCredentials)
        .await
        .unwrap();
    assert!(accepted(&auth(&env, fresh.access_token.expose()).await));
    let revoked = env
        .store
        .revoke_oauth_client(env.config.id, &id, &admin())
        .await
        .unwrap();
    assert_eq!(revoked.state, TokenState::Revoked);
    assert!(!accepted(&auth(&env, fresh.access_token.expose()).await));
    let err = env
        .store
        .oauth_token(&slug, &id, &secret, Grant::ClientCredentials)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_client");
    // A forged access token is refused.
    let forged = {
        // One character of the signed claims changed.
        let mut bytes = fresh.access_token.expose().as_bytes().to_vec();
        bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(
        reason(&auth(&env, &forged).await),
        Some(RejectReason::Invalid)
    );
}

#[tokio::test]
async fn every_change_is_audited_append_only_and_without_secrets() {
    let env = env().await;
    let issued = env
        .store
        .create_token(env.config.id, &new_token("t"), &admin())
        .await
        .unwrap();
    let (_, rotated) = env
        .store
        .rotate_token(
            env.config.id,
            &issued.info.id,
            &Rotation {
                grace: DAY,
                ..Rotation::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    env.store
        .revoke_token(env.config.id, &rotated.info.id, &Actor::cli())
        .await
        .unwrap();
    let client = env
        .store
        .create_oauth_client(env.config.id, "c", None, &admin())
        .await
        .unwrap();
    env.store
        .revoke_oauth_client(env.config.id, &client.info.client_id, &admin())
        .await
        .unwrap();
    env.store
        .update_configuration(
            env.config.id,
            ConfigurationUpdate {
                description: Some("Production tenant".into()),
                ..ConfigurationUpdate::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    let page = env.store.audit(&AuditQuery::default()).await.unwrap();
    let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "configuration.update",
            "oauth_client.revoke",
            "oauth_client.create",
            "token.revoke",
            "token.rotate",
            "token.create",
            "configuration.create"
        ]
    );
    let update = &page.entries[0];
    assert_eq!(
        update.details["description"],
        serde_json::json!({"old": "", "new": "Production tenant"})
    );
    assert_eq!(
        (update.actor.as_str(), update.source.as_str()),
        ("admin", "127.0.0.1")
    );
    assert!(page.entries[3].actor.starts_with("cli:"));
    assert_eq!(
        page.entries[4].target.as_deref(),
        Some(issued.info.id.as_str())
    );
    assert_eq!(page.entries[4].details["graceSeconds"], 86_400);
    // Filters and keyset paging.
    let tokens_only = env
        .store
        .audit(&AuditQuery {
            action: Some("token.".into()),
            limit: 2,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(tokens_only.entries.len(), 2);
    let rest = env
        .store
        .audit(&AuditQuery {
            action: Some("token.".into()),
            before: tokens_only.next,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.entries.len(), 1);
    assert_eq!(rest.entries[0].action, "token.create");
    assert_eq!(rest.next, None);
    // Exports, oldest first.
    let csv = env
        .store
        .export_audit(&AuditQuery::default(), ExportFormat::Csv)
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].starts_with("seq,at,actor"));
    assert!(lines[1].contains("\"configuration.create\""));
    let jsonl = env
        .store
        .export_audit(&AuditQuery::default(), ExportFormat::JsonLines)
        .await
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "configuration.create");
    // No secret anywhere in the log.
    for secret in [
        issued.token.expose(),
        rotated.token.expose(),
        client.client_secret.as_ref().unwrap().expose(),
    ] {
        assert!(!csv.contains(secret) && !jsonl.contains(secret));
        let tail = &secret[secret.len() - 20..];
        assert!(!csv.contains(tail));
    }
    // Append-only.
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let err = if let Some(file) = env.store.path() {
            let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
            sqlx::query(sql).execute(&db).await.unwrap_err()
        } else {
            let url = scim_console_core::testing::test_database_url(env.dir.path())
                .await
                .unwrap()
                .unwrap();
            let db = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(sql).execute(&db).await.unwrap_err()
        };
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[tokio::test]
async fn no_secret_reaches_the_database_file() {
    let env = env().await;
    let token = env
        .store
        .create_token(env.config.id, &new_token("t"), &admin())
        .await
        .unwrap();
    let client = env
        .store
        .create_oauth_client(env.config.id, "c", None, &admin())
        .await
        .unwrap();
    let grant = env
        .store
        .oauth_token(
            &env.config.slug,
            &client.info.client_id,
            client.client_secret.as_ref().unwrap().expose(),
            Grant::ClientCredentials,
        )
        .await
        .unwrap();
    env.store.close().await;
    // The file's bytes (SQLite; PostgreSQL keeps the same columns).
    let Some(file) = env.store.path() else { return };
    let mut bytes = std::fs::read(file).unwrap();
    if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in [
        token.token.expose(),
        client.client_secret.as_ref().unwrap().expose(),
        grant.access_token.expose(),
        grant.refresh_token.as_ref().unwrap().expose(),
    ] {
        // The secret part (the last 49 characters) never appears, in any form.
        let tail = &secret[secret.len() - 30..];
        assert!(!haystack.contains(tail), "{tail}");
    }
}
