//! Alert rules over the provisioning log: each kind raises once when its condition starts to
//! hold and resolves once when it stops; webhook addresses are sealed in storage.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use chrono::DateTime;
use scim_console_core::alerts::{
    AlertCondition, AlertEventKind, AlertEventQuery, AlertRuleUpdate, NewAlertRule, WebhookState,
};
use scim_console_core::logs::refusals::{RefusalCounters, RefusalQuery, Refused};
use scim_console_core::logs::{Client, CredentialRefusal, LogEntry, Operation, Outcome};
use scim_console_core::time::Clock;
use scim_console_core::{Actor, CoreError, NewConfiguration};

use crate::common::Env;

async fn env() -> Env {
    Env::timed(NewConfiguration::named("Okta"), &Actor::system()).await
}

const MINUTE: Duration = Duration::from_secs(60);

/// A record of a request answered `status` now (by the test clock).
fn request(env: &Env, status: u16) -> LogEntry {
    let failed = status >= 400;
    LogEntry {
        seq: 0,
        at: DateTime::from_timestamp_micros(env.clock().now_us()).unwrap(),
        configuration_id: env.config.id,
        client: Client::Okta,
        user_agent: Some("Okta SCIM Client 1.0.0".into()),
        source: "198.51.100.7".into(),
        credential: Some("scim_ab12cd34_…".into()),
        method: "POST".into(),
        path: "/scim/okta/v2/Users".into(),
        operation: Operation::Create,
        resource_type: Some("User".into()),
        resource_id: None,
        resource_name: Some("ada@example.com".into()),
        resource_keys: None,
        status,
        outcome: if failed {
            Outcome::Failure
        } else {
            Outcome::Success
        },
        scim_type: (status == 400).then(|| "invalidValue".into()),
        refusal: None,
        detail: failed.then(|| "refused".into()),
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 900,
        changes: None,
        request_body: None,
        response_body: None,
        outbox: Vec::new(),
        direction: scim_console_core::logs::Direction::Inbound,
    }
}

async fn log(env: &Env, statuses: &[u16]) {
    let mut batch: Vec<LogEntry> = statuses.iter().map(|s| request(env, *s)).collect();
    env.store.record_logs(&mut batch).await.unwrap();
}

fn rule(name: &str, condition: AlertCondition) -> NewAlertRule {
    NewAlertRule {
        name: name.into(),
        condition,
        enabled: true,
        webhook_url: None,
        email_to: Vec::new(),
    }
}

#[tokio::test]
async fn a_failure_rate_raises_once_and_resolves_when_the_window_passes() {
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    let created = env
        .store
        .create_alert_rule(
            env.config.id,
            &rule(
                "Half the requests fail",
                AlertCondition::FailureRate {
                    percent: 50.0,
                    minutes: 10,
                    min_requests: 4,
                },
            ),
            &admin,
        )
        .await
        .unwrap();
    assert!(created.enabled && created.firing_since.is_none());
    assert!(
        created.description.contains("50%"),
        "{}",
        created.description
    );
    // Three failures are too few requests to judge.
    log(&env, &[400, 400, 400]).await;
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    // Four failures of six: 66.7% ≥ 50%.
    log(&env, &[400, 201, 201]).await;
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let raised = &events[0];
    assert_eq!(raised.kind, AlertEventKind::Raised);
    assert_eq!(raised.rule_id, created.id);
    assert_eq!(raised.configuration_name, "Okta");
    assert!(
        raised
            .message
            .starts_with("4 of 6 requests failed in the last 10 minutes (66.7%"),
        "{}",
        raised.message
    );
    assert_eq!(raised.webhook, None, "no webhook, no delivery");
    // Still failing: nothing new, and the rule says since when.
    env.clock().advance(MINUTE);
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    let firing = env.store.alert_rule(created.id).await.unwrap();
    assert_eq!(firing.firing_since, Some(raised.at));
    // Ten minutes later the failures are out of the window.
    env.clock().advance(10 * MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, AlertEventKind::Resolved);
    assert!(
        events[0].message.starts_with("resolved: 0 of 0"),
        "{}",
        events[0].message
    );
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    let history = env
        .store
        .alert_events(&AlertEventQuery {
            configuration: Some(env.config.id),
            ..AlertEventQuery::default()
        })
        .await
        .unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [AlertEventKind::Resolved, AlertEventKind::Raised]);
    // A second page continues before the first.
    let older = env
        .store
        .alert_events(&AlertEventQuery {
            before: Some(history[0].seq),
            limit: 1,
            ..AlertEventQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].seq, history[1].seq);
}

#[tokio::test]
async fn silence_raises_a_no_traffic_alert_and_a_request_resolves_it() {
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    env.store
        .create_alert_rule(
            env.config.id,
            &rule("Okta stopped", AlertCondition::NoTraffic { hours: 2 }),
            &admin,
        )
        .await
        .unwrap();
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    env.clock().advance(119 * MINUTE);
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    env.clock().advance(2 * MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .message
            .starts_with("no requests since the rule was created"),
        "{}",
        events[0].message
    );
    log(&env, &[200]).await;
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, AlertEventKind::Resolved);
    // Silence after traffic counts from the last request.
    env.clock().advance(3 * 60 * MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].message.starts_with("no requests for 2 hours")
            || events[0].message.starts_with("no requests for 3 hours"),
        "{}",
        events[0].message
    );
}

#[tokio::test]
async fn a_revoked_token_in_use_is_named_with_its_caller() {
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    env.store
        .create_alert_rule(
            env.config.id,
            &rule(
                "Revoked token",
                AlertCondition::RevokedTokenUsed { minutes: 30 },
            ),
            &admin,
        )
        .await
        .unwrap();
    // Refused credentials are counted, as the endpoint does it.
    let counters = RefusalCounters::default();
    let refuse = |reason: CredentialRefusal, credential: Option<&str>| Refused {
        at: DateTime::from_timestamp_micros(env.clock().now_us()).unwrap(),
        configuration: env.config.id,
        source: "198.51.100.7".into(),
        reason,
        status: 401,
        credential: credential.map(str::to_owned),
        client: Client::Okta,
    };
    // Other failures, even other refused credentials, are not a revoked token.
    counters.count(refuse(CredentialRefusal::Missing, None));
    counters.flush(&env.store).await.unwrap();
    log(&env, &[400]).await;
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    for _ in 0..2 {
        counters.count(refuse(CredentialRefusal::Revoked, Some("scim_ab12cd34_…")));
    }
    counters.flush(&env.store).await.unwrap();
    let counted = env.store.refusals(&RefusalQuery::default()).await.unwrap();
    assert_eq!(counted.len(), 2, "one row per reason: {counted:?}");
    assert_eq!((counted[0].count + counted[1].count), 3);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].message,
        "a revoked token was presented 2 times in the last 30 minutes; the last was scim_ab12cd34_… from 198.51.100.7 (okta)"
    );
    env.clock().advance(31 * MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events[0].kind, AlertEventKind::Resolved);
}

#[tokio::test]
async fn rules_are_validated_changed_disabled_and_deleted_with_their_configuration() {
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    let bad = env
        .store
        .create_alert_rule(
            env.config.id,
            &rule(" ", AlertCondition::NoTraffic { hours: 1 }),
            &admin,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(bad, CoreError::Invalid { field: "name", .. }),
        "{bad}"
    );
    let bad = env
        .store
        .create_alert_rule(
            env.config.id,
            &rule(
                "x",
                AlertCondition::FailureRate {
                    percent: 120.0,
                    minutes: 5,
                    min_requests: 1,
                },
            ),
            &admin,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            bad,
            CoreError::Invalid {
                field: "condition.percent",
                ..
            }
        ),
        "{bad}"
    );
    let quiet = env
        .store
        .create_alert_rule(
            env.config.id,
            &rule("Quiet", AlertCondition::NoTraffic { hours: 1 }),
            &admin,
        )
        .await
        .unwrap();
    let off = env
        .store
        .update_alert_rule(
            quiet.id,
            &AlertRuleUpdate {
                enabled: Some(false),
                name: Some("Quiet (paused)".into()),
                ..AlertRuleUpdate::default()
            },
            &admin,
        )
        .await
        .unwrap();
    assert!(!off.enabled);
    assert_eq!(off.name, "Quiet (paused)");
    env.clock().advance(2 * 60 * MINUTE);
    assert!(
        env.store.evaluate_alerts().await.unwrap().is_empty(),
        "a disabled rule is not evaluated"
    );
    let on = env
        .store
        .update_alert_rule(
            quiet.id,
            &AlertRuleUpdate {
                enabled: Some(true),
                ..AlertRuleUpdate::default()
            },
            &admin,
        )
        .await
        .unwrap();
    assert!(on.enabled && on.name == "Quiet (paused)");
    assert_eq!(env.store.evaluate_alerts().await.unwrap().len(), 1);
    // Changes are audited.
    let audit = env
        .store
        .audit(&scim_console_core::audit::AuditQuery::default())
        .await
        .unwrap();
    let actions: Vec<&str> = audit.entries.iter().map(|r| r.action.as_str()).collect();
    assert!(
        actions.contains(&"alert.create") && actions.contains(&"alert.update"),
        "{actions:?}"
    );
    // Deleting the configuration deletes its rules; the history stays.
    env.store
        .delete_configuration(env.config.id, &admin)
        .await
        .unwrap();
    assert!(env.store.alert_rules(None).await.unwrap().is_empty());
    assert_eq!(
        env.store
            .alert_events(&AlertEventQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        env.store.alert_rule(quiet.id).await.unwrap_err(),
        CoreError::NotFound(_)
    ));
}

#[tokio::test]
async fn webhook_addresses_are_sealed_in_storage_and_shown_by_origin() {
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    let url = "https://hooks.example.com/services/T000/B000/very-secret-path";
    let created = env
        .store
        .create_alert_rule(
            env.config.id,
            &NewAlertRule {
                webhook_url: Some(url.into()),
                ..rule("Hooked", AlertCondition::NoTraffic { hours: 1 })
            },
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(
        created.webhook.as_deref(),
        Some("https://hooks.example.com/…")
    );
    assert_eq!(
        env.store
            .alert_webhook(created.id)
            .await
            .unwrap()
            .as_deref(),
        Some(url)
    );
    env.clock().advance(61 * MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events[0].webhook, Some(WebhookState::Pending));
    env.store
        .record_webhook_delivery(events[0].seq, WebhookState::Delivered, "HTTP 200")
        .await
        .unwrap();
    let history = env
        .store
        .alert_events(&AlertEventQuery::default())
        .await
        .unwrap();
    assert_eq!(history[0].webhook, Some(WebhookState::Delivered));
    assert_eq!(history[0].webhook_detail.as_deref(), Some("HTTP 200"));
    // Nothing on disk shows the address's secret path, nor does the audit log.
    env.store.close().await;
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("very-secret-path"),
            "the webhook's path reached the disk in clear"
        );
    }
    // Removing the webhook.
    let store = scim_console_core::testing::open_test_store(env.dir.path())
        .await
        .unwrap();
    let without_key = store
        .create_alert_rule(
            env.config.id,
            &NewAlertRule {
                webhook_url: Some(url.into()),
                ..rule("No key", AlertCondition::NoTraffic { hours: 1 })
            },
            &admin,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(without_key, CoreError::Forbidden(_)),
        "{without_key}"
    );
    let cleared = store
        .update_alert_rule(
            created.id,
            &serde_json::from_str(r#"{"webhookUrl": null}"#).unwrap(),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(cleared.webhook, None);
    assert_eq!(store.alert_webhook(created.id).await.unwrap(), None);
}

#[tokio::test]
async fn tokens_about_to_expire_or_due_for_rotation_raise_alerts_ahead_of_time() {
    use scim_console_core::token::DeadlineKind;
    use scim_console_core::{NewToken, Rotation, TokenPolicy};
    const DAY: Duration = Duration::from_secs(86_400);
    let env = Env::timed(
        NewConfiguration {
            token_policy: TokenPolicy {
                rotation_days: Some(30),
                ..TokenPolicy::default()
            },
            ..NewConfiguration::named("Entra")
        },
        &Actor::system(),
    )
    .await;
    let admin = Actor::new("admin", "127.0.0.1");
    let now = || DateTime::from_timestamp_micros(env.clock().now_us()).unwrap();
    // One token expires in 20 days (before its rotation date: no rotation is asked of it);
    // the other never expires and is due for rotation in 30.
    let expiring = env
        .store
        .create_token(
            env.config.id,
            &NewToken {
                label: "Entra".into(),
                expires: Some(now() + chrono::Duration::days(20)),
            },
            &admin,
        )
        .await
        .unwrap();
    let lasting = env
        .store
        .create_token(env.config.id, &NewToken::default(), &admin)
        .await
        .unwrap();
    let deadlines = env
        .store
        .token_deadlines(Some(env.config.id))
        .await
        .unwrap();
    let kinds: Vec<(DeadlineKind, &str)> = deadlines
        .iter()
        .map(|d| (d.kind, d.token_id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DeadlineKind::Expiry, expiring.info.id.as_str()),
            (DeadlineKind::Rotation, lasting.info.id.as_str()),
        ]
    );
    for (name, condition) in [
        ("Expiring", AlertCondition::TokenExpiring { days: 14 }),
        ("Rotation soon", AlertCondition::RotationOverdue { days: 7 }),
        (
            "Rotation overdue",
            AlertCondition::RotationOverdue { days: 0 },
        ),
    ] {
        env.store
            .create_alert_rule(env.config.id, &rule(name, condition), &admin)
            .await
            .unwrap();
    }
    let raised = |events: &[scim_console_core::alerts::AlertEvent]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| (e.rule_name.clone(), e.message.clone()))
            .collect()
    };
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    // 14 days before the expiry, and not before.
    env.clock().advance(5 * DAY);
    assert!(env.store.evaluate_alerts().await.unwrap().is_empty());
    env.clock().advance(DAY + MINUTE);
    let events = env.store.evaluate_alerts().await.unwrap();
    let prefix = &expiring.info.prefix;
    assert_eq!(
        raised(&events),
        [(
            "Expiring".to_owned(),
            format!(
                "token {prefix} (\"Entra\") expires on {} (in 13 days)",
                (now() + chrono::Duration::days(14) - chrono::Duration::minutes(1))
                    .format("%Y-%m-%d")
            )
        )]
    );
    // A week before the rotation date, then when it passes.
    env.clock().advance(17 * DAY);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].rule_name, "Rotation soon");
    assert!(
        events[0].message.contains("is due for rotation on"),
        "{}",
        events[0].message
    );
    env.clock().advance(7 * DAY);
    let events = env.store.evaluate_alerts().await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].rule_name, "Rotation overdue");
    assert!(
        events[0].message.contains("was due for rotation on"),
        "{}",
        events[0].message
    );
    // Rotating the old token resolves both rotation alerts; revoking the expired one, the
    // expiry alert.
    env.store
        .rotate_token(
            env.config.id,
            &lasting.info.id,
            &Rotation::default(),
            &admin,
        )
        .await
        .unwrap();
    env.store
        .revoke_token(env.config.id, &expiring.info.id, &admin)
        .await
        .unwrap();
    let events = env.store.evaluate_alerts().await.unwrap();
    let mut resolved: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == AlertEventKind::Resolved)
        .map(|e| e.rule_name.as_str())
        .collect();
    resolved.sort_unstable();
    assert_eq!(resolved, ["Expiring", "Rotation overdue", "Rotation soon"]);
    // The configurations list's flag: nothing due within 30 days any more (the new token is
    // due in 30 days from now, exactly at the edge: 29 days ahead it is not flagged).
    assert!(
        env.store
            .token_deadlines_within(29)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(env.store.token_deadlines_within(30).await.unwrap().len(), 1);
    // Days are checked.
    let wrong = env
        .store
        .create_alert_rule(
            env.config.id,
            &rule("Too far", AlertCondition::RotationOverdue { days: 366 }),
            &admin,
        )
        .await
        .unwrap_err();
    assert!(matches!(wrong, CoreError::Invalid { .. }), "{wrong:?}");
}

#[tokio::test]
async fn the_email_relay_keeps_its_password_sealed_until_it_is_replaced_or_removed() {
    use scim_console_core::email::{EmailSecurity, NewEmailSettings};
    let env = env().await;
    let admin = Actor::new("admin", "127.0.0.1");
    assert!(env.store.email_settings().await.unwrap().is_none());
    let mut relay = NewEmailSettings {
        host: "smtp.contoso.com".into(),
        port: 587,
        security: EmailSecurity::StartTls,
        username: Some("alerts@contoso.com".into()),
        password: Some("s3cret-relay".into()),
        from: "scim-console@contoso.com".into(),
        trusted_certificate: None,
    };
    let shown = env.store.set_email_settings(&relay, &admin).await.unwrap();
    assert!(shown.password_set);
    assert_eq!((shown.port, shown.updated_by.as_str()), (587, "admin"));
    // Changed without a password: the stored one stays.
    relay.password = None;
    relay.port = 2525;
    env.store.set_email_settings(&relay, &admin).await.unwrap();
    let opened = env.store.email_relay().await.unwrap().unwrap();
    assert_eq!(opened.port, 2525);
    let (user, password) = opened.credentials.unwrap();
    assert_eq!(
        (user.as_str(), password.expose()),
        ("alerts@contoso.com", "s3cret-relay")
    );
    // An empty password removes it.
    relay.password = Some(String::new());
    assert!(
        !env.store
            .set_email_settings(&relay, &admin)
            .await
            .unwrap()
            .password_set
    );
    // Bad input names its field.
    for (field, bad) in [
        (
            "from",
            NewEmailSettings {
                from: "nobody".into(),
                ..relay.clone()
            },
        ),
        (
            "host",
            NewEmailSettings {
                host: " ".into(),
                ..relay.clone()
            },
        ),
        (
            "port",
            NewEmailSettings {
                port: 0,
                ..relay.clone()
            },
        ),
    ] {
        let error = env
            .store
            .set_email_settings(&bad, &admin)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CoreError::Invalid { field: f, .. } if *f == field),
            "{field}: {error:?}"
        );
    }
    env.store.delete_email_settings(&admin).await.unwrap();
    assert!(env.store.email_relay().await.unwrap().is_none());
    assert!(env.store.delete_email_settings(&admin).await.is_err());
}
