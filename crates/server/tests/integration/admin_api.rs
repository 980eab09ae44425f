//! The admin API over real HTTP: authentication, Host/Origin checks, configurations, tokens,
//! and the OpenAPI document.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn requests_need_the_admin_token_and_this_servers_host() {
    let s = TestServer::start().await;
    let url = format!("{}/api/configurations", s.origin);
    assert_eq!(s.client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        s.client
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        s.admin(Method::GET, "/api/configurations")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // DNS rebinding: a hostile name resolving to 127.0.0.1.
    let rebinding = s
        .admin(Method::GET, "/api/configurations")
        .header("host", "evil.example:80")
        .send()
        .await
        .unwrap();
    let (status, body) = parts(rebinding).await;
    assert_eq!(status, 403);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("evil.example")
    );
    // CSRF: a page from another origin.
    let cross = s
        .admin(Method::POST, "/api/configurations")
        .header("origin", "https://evil.example")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let same = s
        .admin(Method::GET, "/api/configurations")
        .header("origin", s.origin.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    // Public routes still check the host.
    assert_eq!(
        s.client
            .get(format!("{}/api/health", s.origin))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let hostile_health = s
        .client
        .get(format!("{}/api/health", s.origin))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(hostile_health.status(), 403);
}

#[tokio::test]
async fn configurations_lifecycle_with_field_errors() {
    let s = TestServer::start().await;
    let (status, created) = parts(
        s.admin(Method::POST, "/api/configurations")
            .json(&json!({"name": "Okta production", "provisionGroups": false, "protectedAccounts": ["admin@contoso.com"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slug"], "okta-production");
    assert_eq!(
        created["scimBaseUrl"],
        format!("{}/scim/okta-production/v2", s.origin)
    );
    // The OAuth token endpoint is known before any client exists.
    assert_eq!(
        created["tokenEndpoint"],
        format!("{}/scim/okta-production/oauth/token", s.origin)
    );
    assert_eq!(
        created["issuer"],
        format!("{}/scim/okta-production", s.origin)
    );
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, error) = parts(
        s.admin(Method::POST, "/api/configurations")
            .json(&json!({"name": ""}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("name"))
    );
    let (status, _) = parts(
        s.admin(Method::POST, "/api/configurations")
            .json(&json!({"name": "OKTA PRODUCTION"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409);
    let (status, error) = parts(
        s.admin(Method::POST, "/api/configurations")
            .json(&json!({"name": "x", "colour": "red"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour"),
        "{error}"
    );

    let (status, updated) = parts(
        s.admin(Method::PATCH, &format!("/api/configurations/{id}"))
            .json(&json!({"enabled": false, "putSemantics": "merge"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &updated["enabled"], &updated["putSemantics"]),
        (200, &json!(false), &json!("merge"))
    );
    let (_, list) = parts(
        s.admin(Method::GET, "/api/configurations")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(
        s.admin(Method::DELETE, &format!("/api/configurations/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        s.admin(Method::GET, &format!("/api/configurations/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        s.admin(Method::GET, "/api/configurations/not-a-uuid")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn tokens_are_shown_once_and_work_until_revoked() {
    let s = TestServer::start().await;
    let id = s.config.id.to_string();
    let (status, issued) = parts(
        s.admin(Method::POST, &format!("/api/configurations/{id}/tokens"))
            .json(&json!({"label": "Entra"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let token = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(issued["scimBaseUrl"], s.base());
    let scim = |t: &str| {
        s.client
            .get(format!("{}/Users", s.base()))
            .bearer_auth(t.to_owned())
            .send()
    };
    assert_eq!(scim(&token).await.unwrap().status(), 200);
    let (_, list) = parts(
        s.admin(Method::GET, &format!("/api/configurations/{id}/tokens"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        !list.to_string().contains(&token),
        "listing never shows a token"
    );
    let token_id = issued["id"].as_str().unwrap();
    let (status, revoked) = parts(
        s.admin(
            Method::DELETE,
            &format!("/api/configurations/{id}/tokens/{token_id}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &revoked["state"]), (200, &json!("revoked")));
    assert_eq!(revoked["revokedBy"], "admin");
    assert_eq!(scim(&token).await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let s = TestServer::start().await;
    let (status, doc) = parts(
        s.client
            .get(format!("{}/api/openapi.json", s.origin))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/configurations",
        "/api/configurations/{id}",
        "/api/configurations/{id}/tokens",
        "/api/configurations/{id}/tokens/{token_id}",
        "/api/health",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    assert!(
        doc["components"]["schemas"]
            .get("ConfigurationView")
            .is_some()
    );
    assert!(
        doc["components"]["securitySchemes"]
            .get("admin_token")
            .is_some()
    );
}

#[tokio::test]
async fn the_admin_link_opens_a_browser_session_held_in_a_strict_cookie() {
    let s = TestServer::start().await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let wrong = browser
        .get(format!("{}/login?token=not-the-token", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let (_, error) = parts(wrong).await;
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin link"),
        "{error}"
    );
    let login = browser
        .get(format!("{}/login?token={}", s.origin, s.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers()["location"], "/");
    let set = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(
        !set.contains(&s.admin_token),
        "the cookie is not the admin token"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    // The session opens the admin API without the token.
    let listed = browser
        .get(format!("{}/api/configurations", s.origin))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let without = browser
        .get(format!("{}/api/configurations", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 401);
    // The link can name where to land, on this server only.
    let elsewhere = browser
        .get(format!(
            "{}/login?token={}&next=//evil.example",
            s.origin, s.admin_token
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 400);
    assert!(elsewhere.headers().get("set-cookie").is_none());
    let logs = browser
        .get(format!(
            "{}/login?token={}&next=/api/logs",
            s.origin, s.admin_token
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(logs.headers()["location"], "/api/logs");
    // Another site cannot ride on it.
    let cross = browser
        .post(format!("{}/api/configurations", s.origin))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    // Logging out ends it.
    let out = browser
        .post(format!("{}/api/logout", s.origin))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = browser
        .get(format!("{}/api/configurations", s.origin))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn a_browser_session_holds_on_every_instance_and_signing_out_ends_it_on_all() {
    if scim_console_core::testing::test_postgres().is_none() {
        eprintln!("instances share sessions through PostgreSQL (SQLite has one instance)");
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser
        .get(format!("{}/login?token={}", a.origin, a.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let on = |s: &TestServer| format!("{}/api/configurations", s.origin);
    // Opened on one instance, it holds on the other.
    let read = browser
        .get(on(&b))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    // Signing out on that other instance ends it on the first one too.
    let out = browser
        .post(format!("{}/api/logout", b.origin))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    for s in [&a, &b] {
        let after = browser
            .get(on(s))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), 401, "{}", s.origin);
    }
    b.stop().await;
    a.stop().await;
}
