//! Per-configuration compatibility switches over real HTTP: a configuration made without an
//! identity provider accepts what Entra ID and Okta send; one made for Okta refuses Entra's
//! string booleans; switches changed through the admin API apply to the next request.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A configuration made through the admin API, with its base URL and a token.
async fn configuration(s: &TestServer, body: Value) -> (String, String, String, Value) {
    let c = crate::common::connection(s, body).await;
    (c.id, c.base, c.token, c.created)
}

async fn call(
    s: &TestServer,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let c = crate::common::Connection {
        id: String::new(),
        base: base.to_owned(),
        token: token.to_owned(),
        created: Value::Null,
    };
    c.call(s, method, path, body).await
}

async fn user(s: &TestServer, base: &str, token: &str, name: &str) -> String {
    let (status, created) = call(
        s,
        base,
        token,
        Method::POST,
        "/Users",
        &json!({"schemas": [USER], "userName": name, "active": true}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn switches_follow_the_identity_provider_and_the_admin() {
    let s = TestServer::start().await;
    // Without an identity provider: Entra's string boolean and a PATCH without schemas pass.
    let (_, base, token, created) = configuration(&s, json!({"name": "Any IdP"})).await;
    assert_eq!(created["compatibility"]["stringBooleans"], true);
    assert_eq!(created["compatibility"]["unknownAttributes"], "preserve");
    let id = user(&s, &base, &token, "ada@contoso.com").await;
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false, "the leaver is inactive");
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &json!({"Operations": [{"op": "replace", "value": {"active": true}}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // For Okta: booleans must be booleans; Okta's own path-less deactivate still works.
    let (okta_id, base, token, created) =
        configuration(&s, json!({"name": "Okta app", "identityProvider": "okta"})).await;
    assert_eq!(created["compatibility"]["stringBooleans"], false);
    assert_eq!(created["compatibility"]["pathlessPatch"], true);
    let id = user(&s, &base, &token, "grace@contoso.com").await;
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "False"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["scimType"], "invalidValue", "{body}");
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &deactivate,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    // A PATCH without the PatchOp schema is refused for Okta (it always sends it).
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Grace"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["scimType"], "invalidSyntax", "{body}");

    // The admin turns path-less PATCH off and unknown attributes to reject: the next requests
    // follow.
    let mut switches = created["compatibility"].clone();
    switches["pathlessPatch"] = json!(false);
    switches["unknownAttributes"] = json!("reject");
    let (status, updated) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/configurations/{okta_id}")),
            &json!({"compatibility": switches}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["compatibility"]["pathlessPatch"], false);
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        &deactivate,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["scimType"], "invalidSyntax", "{body}");
    let (status, body) = call(
        &s,
        &base,
        &token,
        Method::POST,
        "/Users",
        &json!({"schemas": [USER], "userName": "alan@contoso.com", "favouriteColour": "green"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["scimType"], "invalidSyntax", "{body}");
    // A misspelt switch is refused, naming what is wrong.
    let (status, error) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/configurations/{okta_id}")),
            &json!({"compatibility": {"stringBoolean": true}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert!(error.to_string().contains("stringBoolean"), "{error}");
    // The change is in the audit log.
    let (_, audit) = parts(
        s.admin(
            Method::GET,
            &format!("/api/audit?configuration={okta_id}&action=configuration.update"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(audit.to_string().contains("compatibility"), "{audit}");
    s.stop().await;
}
