//! Administrators' roles enforced by the admin API, over HTTP: every route of the OpenAPI
//! document has an access rule; each role, signed in with a session of its own, is let through
//! or refused (403 naming the role needed) on every area exactly as the roles table says; a
//! role limited to one configuration acts on it alone and lists it alone (its records only in
//! the lists across configurations); a configuration's changes are judged field by field.

use std::collections::BTreeSet;

use reqwest::Method;
use scim_console_core::Actor;
use scim_console_core::NewConfiguration;
use scim_console_core::administrators::accounts::NewAdministrator;
use scim_console_core::administrators::roles::{Access, Area, Grant, Role};
use scim_console_server::admin::access::need;
use serde_json::{Value, json};

use crate::common::{TestServer, parts};

#[test]
fn every_admin_route_has_an_access_rule() {
    let doc = scim_console_server::admin::openapi();
    let mut checked = 0;
    for (path, item) in &doc.paths.paths {
        if path == "/api/health" {
            continue;
        }
        let concrete = path
            .replace("{id}", "6f1c1a4e-2b7d-4c55-9a0e-3d2f1b0c9e8a")
            .replace(['{', '}'], "");
        for (method, operation) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            if operation.is_some() {
                assert!(
                    need(&method, &concrete).is_some(),
                    "{method} {path} has no access rule in crates/server/src/admin/access.rs"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

/// A new administrator holding `grants`.
async fn administrator(
    s: &TestServer,
    email: &str,
    grants: Vec<Grant>,
) -> scim_console_core::administrators::accounts::Administrator {
    s.store
        .create_administrator(
            &NewAdministrator {
                email: email.into(),
                name: String::new(),
                grants,
            },
            &Actor::system(),
        )
        .await
        .unwrap()
}

/// A session of a new administrator holding `grants`, as a cookie header.
pub(crate) async fn signed_in(s: &TestServer, email: &str, grants: Vec<Grant>) -> String {
    let administrator = administrator(s, email, grants).await;
    let id = s
        .store
        .open_admin_session(Some(&administrator.id), "one-time link", "127.0.0.1", None)
        .await
        .unwrap();
    format!("scim_console_session={}", id.expose())
}

pub(crate) async fn call(
    s: &TestServer,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = s
        .client
        .request(method, format!("{}{path}", s.origin))
        .header("cookie", cookie);
    if let Some(body) = body {
        request = request.json(&body);
    }
    parts(request.send().await.unwrap()).await
}

#[tokio::test]
async fn each_role_may_do_what_the_roles_table_says_and_no_more() {
    let s = TestServer::start().await;
    let id = s.config.id;
    // (area, access, method, path, body): one request of every area, reading and changing.
    let requests: Vec<(Area, Access, Method, String, Option<Value>)> = vec![
        (
            Area::Configurations,
            Access::Read,
            Method::GET,
            format!("/api/configurations/{id}"),
            None,
        ),
        (
            Area::Configurations,
            Access::Write,
            Method::POST,
            "/api/configurations".into(),
            Some(json!({"name": "made by ROLE"})),
        ),
        (
            Area::Mapping,
            Access::Read,
            Method::GET,
            format!("/api/configurations/{id}/mapping/versions"),
            None,
        ),
        (
            Area::Mapping,
            Access::Write,
            Method::POST,
            format!("/api/configurations/{id}/mapping/rollback"),
            Some(json!({"version": 99})),
        ),
        (
            Area::Directory,
            Access::Read,
            Method::GET,
            format!("/api/configurations/{id}/users"),
            None,
        ),
        (
            Area::Logs,
            Access::Read,
            Method::GET,
            "/api/logs".into(),
            None,
        ),
        (
            Area::Logs,
            Access::Write,
            Method::POST,
            "/api/logs/retention".into(),
            None,
        ),
        (
            Area::Alerts,
            Access::Read,
            Method::GET,
            "/api/alerts".into(),
            None,
        ),
        (
            Area::Alerts,
            Access::Write,
            Method::POST,
            "/api/alerts/evaluate".into(),
            None,
        ),
        (
            Area::Targets,
            Access::Read,
            Method::GET,
            "/api/targets".into(),
            None,
        ),
        (
            Area::Targets,
            Access::Write,
            Method::DELETE,
            "/api/targets/no-such-target".into(),
            None,
        ),
        (
            Area::PilotRuns,
            Access::Read,
            Method::GET,
            "/api/pilot-runs".into(),
            None,
        ),
        (
            Area::Conformance,
            Access::Read,
            Method::GET,
            "/api/conformance-runs".into(),
            None,
        ),
        (
            Area::Tokens,
            Access::Read,
            Method::GET,
            format!("/api/configurations/{id}/tokens"),
            None,
        ),
        (
            Area::Tokens,
            Access::Write,
            Method::POST,
            format!("/api/configurations/{id}/tokens"),
            Some(json!({"label": "by ROLE"})),
        ),
        (
            Area::OAuthClients,
            Access::Read,
            Method::GET,
            format!("/api/configurations/{id}/oauth-clients"),
            None,
        ),
        (
            Area::TokenPolicy,
            Access::Write,
            Method::PATCH,
            format!("/api/configurations/{id}"),
            Some(json!({"tokenPolicy": {}})),
        ),
        (
            Area::Audit,
            Access::Read,
            Method::GET,
            "/api/audit".into(),
            None,
        ),
        (
            Area::Settings,
            Access::Read,
            Method::GET,
            "/api/settings".into(),
            None,
        ),
        (
            Area::Administrators,
            Access::Read,
            Method::GET,
            "/api/administrators".into(),
            None,
        ),
        (
            Area::Administrators,
            Access::Write,
            Method::POST,
            "/api/administrators".into(),
            Some(json!({"email": "invited-by-ROLE@contoso.com", "grants": [{"role": "viewer"}]})),
        ),
    ];
    for role in Role::ALL {
        let cookie = signed_in(
            &s,
            &format!("{role}@contoso.com"),
            vec![Grant::everywhere(role)],
        )
        .await;
        for (area, access, method, path, body) in &requests {
            let body = body.as_ref().map(|b| {
                serde_json::from_str(&b.to_string().replace("ROLE", role.name())).unwrap()
            });
            let (status, answer) = call(&s, &cookie, method.clone(), path, body).await;
            if role.may(*area, *access) {
                assert_ne!(status, 403, "{role} {method} {path}: {answer}");
                assert_ne!(status, 401, "{role} {method} {path}: {answer}");
            } else {
                assert_eq!(status, 403, "{role} {method} {path}: {answer}");
                let message = answer["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains("needs the role") && message.contains(role.name()),
                    "{message}"
                );
            }
        }
        // Catalogue reads and signing out need no more than a session.
        let (status, _) = call(&s, &cookie, Method::GET, "/api/mapping/template", None).await;
        assert_eq!(status, 200, "{role}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_role_limited_to_one_configuration_acts_on_it_alone() {
    let s = TestServer::start().await;
    let other = s
        .store
        .create_configuration(NewConfiguration::named("acme-prod"), &Actor::system())
        .await
        .unwrap();
    let cookie = signed_in(
        &s,
        "consultant@partner.example",
        vec![Grant::on(Role::Editor, BTreeSet::from([s.config.id])).unwrap()],
    )
    .await;
    // It lists only its configuration.
    let (status, listed) = call(&s, &cookie, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [s.config.id.to_string()]);
    // It reads and changes its own, not the other.
    for (id, allowed) in [(s.config.id, true), (other.id, false)] {
        let (status, _) = call(
            &s,
            &cookie,
            Method::GET,
            &format!("/api/configurations/{id}/users"),
            None,
        )
        .await;
        assert_eq!(status == 200, allowed, "{id}: {status}");
        let (status, answer) = call(
            &s,
            &cookie,
            Method::PATCH,
            &format!("/api/configurations/{id}"),
            Some(json!({"description": "edited by the consultant"})),
        )
        .await;
        assert_eq!(status == 200, allowed, "{id}: {status} {answer}");
        if !allowed {
            assert_eq!(status, 403);
        }
    }
    // The change is the consultant's in the audit log.
    let audit = s
        .store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("configuration.update".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].actor, "consultant@partner.example");
    assert_eq!(audit.entries[0].source, "127.0.0.1");
    // The token policy is not an editor's, on its own configuration either.
    let (status, _) = call(
        &s,
        &cookie,
        Method::PATCH,
        &format!("/api/configurations/{}", s.config.id),
        Some(json!({"tokenPolicy": {"maxLifetimeDays": 30}})),
    )
    .await;
    assert_eq!(status, 403);
    // Nothing across the server: no new configuration, no server-wide log.
    let (status, _) = call(
        &s,
        &cookie,
        Method::POST,
        "/api/configurations",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    // The lists across configurations, kept to its own configuration: allowed; to another,
    // refused; naming two is a malformed query, for anyone.
    for path in [
        "/api/logs",
        "/api/logs/stats",
        "/api/alerts",
        "/api/logs/refusals",
    ] {
        let own = format!("{path}?configuration={}", s.config.id);
        let (status, answer) = call(&s, &cookie, Method::GET, &own, None).await;
        assert_eq!(status, 200, "{own}: {answer}");
        let theirs = format!("{path}?configuration={}", other.id);
        let (status, _) = call(&s, &cookie, Method::GET, &theirs, None).await;
        assert_eq!(status, 403, "{theirs}");
        let both = format!("{own}&configuration={}", other.id);
        let (status, answer) = call(&s, &cookie, Method::GET, &both, None).await;
        assert_eq!(status, 400, "{both}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|e| e.contains("configuration")),
            "{answer}"
        );
    }
    // The audit log is not an editor's, on its own configuration either.
    let audit = format!("/api/audit?configuration={}", s.config.id);
    let (status, _) = call(&s, &cookie, Method::GET, &audit, None).await;
    assert_eq!(status, 403);
    // A disabled administrator's session stops on the next request.
    s.store
        .set_administrator_enabled("consultant@partner.example", false, &Actor::system())
        .await
        .unwrap();
    let (status, _) = call(&s, &cookie, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 401);
    s.stop().await;
}

/// A provisioning log record of `configuration`, with `name` as its resource.
fn record(
    configuration: scim_console_core::ConfigurationId,
    name: &str,
) -> scim_console_core::logs::LogEntry {
    use scim_console_core::logs::{Client, Direction, LogEntry, Operation, Outcome};
    LogEntry {
        seq: 0,
        at: chrono::Utc::now(),
        configuration_id: configuration,
        client: Client::Entra,
        user_agent: None,
        source: "192.0.2.1".into(),
        credential: None,
        method: "POST".into(),
        path: "/Users".into(),
        operation: Operation::Create,
        resource_type: Some("User".into()),
        resource_id: None,
        resource_name: Some(name.into()),
        resource_keys: None,
        status: 400,
        outcome: Outcome::Failure,
        scim_type: Some("invalidValue".into()),
        refusal: None,
        detail: None,
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 500,
        changes: None,
        request_body: None,
        response_body: None,
        outbox: Vec::new(),
        direction: Direction::Inbound,
    }
}

#[tokio::test]
async fn lists_across_configurations_show_a_limited_role_its_own_records_only() {
    let s = TestServer::start().await;
    let other = s
        .store
        .create_configuration(NewConfiguration::named("acme-prod"), &Actor::system())
        .await
        .unwrap();
    let mut batch = vec![
        record(s.config.id, "ours@contoso.com"),
        record(other.id, "theirs@contoso.com"),
        record(other.id, "theirs-too@contoso.com"),
    ];
    s.store.record_logs(&mut batch).await.unwrap();
    let limited = |role| vec![Grant::on(role, BTreeSet::from([s.config.id])).unwrap()];
    let viewer = signed_in(&s, "viewer@partner.example", limited(Role::Viewer)).await;
    let names = |page: &Value| -> Vec<String> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resourceName"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // The log, its statistics and its export: its configuration's records, not the other's.
    let (status, page) = call(&s, &viewer, Method::GET, "/api/logs", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(names(&page), ["ours@contoso.com"]);
    let (status, page) = call(&s, &viewer, Method::GET, "/api/logs?text=theirs", None).await;
    assert_eq!((status, names(&page).len()), (200, 0), "{page}");
    let (status, figures) = call(&s, &viewer, Method::GET, "/api/logs/stats", None).await;
    assert_eq!(status, 200, "{figures}");
    assert_eq!(figures["totals"]["requests"], 1, "{figures}");
    assert_eq!(figures["totals"]["failures"], 1, "{figures}");
    let export = s
        .client
        .get(format!("{}/api/logs/export?format=jsonl", s.origin))
        .header("cookie", &viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let lines = export.text().await.unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains("ours@contoso.com"), "{lines}");
    // An owner sees all three.
    let (_, page) = parts(s.admin(Method::GET, "/api/logs").send().await.unwrap()).await;
    assert_eq!(names(&page).len(), 3, "{page}");
    // Alerts and refusals: answered, kept to its configuration.
    for path in ["/api/alerts", "/api/logs/refusals"] {
        let (status, answer) = call(&s, &viewer, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {answer}");
        for row in answer.as_array().unwrap() {
            assert_eq!(row["configurationId"], s.config.id.to_string(), "{path}");
        }
    }
    // Server-wide changes stay refused.
    let (status, _) = call(&s, &viewer, Method::POST, "/api/logs/retention", None).await;
    assert_eq!(status, 403);
    // The audit log of a security grant limited to the configuration: its records only —
    // neither the other configuration's nor the server-wide ones (administrators created).
    let security = signed_in(&s, "security@partner.example", limited(Role::Security)).await;
    let (status, audit) = call(&s, &security, Method::GET, "/api/audit", None).await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{audit}");
    for entry in entries {
        assert_eq!(entry["configurationId"], s.config.id.to_string(), "{entry}");
    }
    let (_, all) = parts(s.admin(Method::GET, "/api/audit").send().await.unwrap()).await;
    let all = all["entries"].as_array().unwrap();
    assert!(
        all.iter()
            .any(|e| e["configurationId"] == other.id.to_string())
    );
    assert!(all.iter().any(|e| e["configurationId"].is_null()));
    // What the UI is told: the limited viewer reads the log and the alerts, not the targets.
    let (_, me) = call(&s, &viewer, Method::GET, "/api/me", None).await;
    let reads = |area: &str| {
        me["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["area"] == area)
            .map(|a| a["read"].as_bool().unwrap())
            .unwrap()
    };
    assert!(
        reads("logs") && reads("alerts") && reads("configurations"),
        "{me}"
    );
    assert!(!reads("targets") && !reads("audit"), "{me}");
    s.stop().await;
}

#[tokio::test]
async fn a_sign_in_link_opens_the_administrators_session_once() {
    let s = TestServer::start().await;
    administrator(
        &s,
        "grace@partner.example",
        vec![Grant::everywhere(Role::Viewer)],
    )
    .await;
    let link = s
        .store
        .create_sign_in_link("grace@partner.example", &Actor::system())
        .await
        .unwrap();
    let post = |body: String| {
        s.client
            .post(format!("{}/api/sign-in/link", s.origin))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let signed = post(json!({"code": link.code.expose()}).to_string())
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let set = signed.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let (_, who) = parts(signed).await;
    assert_eq!(who["email"], "grace@partner.example");
    // The session is the viewer's: it reads, and may not change.
    let (status, _) = call(&s, &cookie, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &s,
        &cookie,
        Method::POST,
        "/api/configurations",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    // Once only; bad bodies say what is wrong.
    let again = post(json!({"code": link.code.expose()}).to_string())
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    let (_, why) = parts(again).await;
    assert!(
        why["error"]["message"]
            .as_str()
            .unwrap()
            .contains("used already"),
        "{why}"
    );
    assert_eq!(post("{".into()).await.unwrap().status(), 400);
    assert_eq!(post("x".repeat(4096)).await.unwrap().status(), 413);
    // Guessing codes backs off like guessing tokens.
    let mut last = 0;
    for i in 0..12 {
        last = post(json!({"code": format!("guess-{i}")}).to_string())
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    s.stop().await;
}
