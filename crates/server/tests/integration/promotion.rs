//! QA → production over real HTTP: pairing, the two plans side by side, promotion of the
//! version reviewed (409 once QA moved on), production's previous version a rollback away, and
//! a role limited to QA refused production.

use std::collections::BTreeSet;

use crate::common::{TestServer, connection, parts, send_json};
use reqwest::Method;
use scim_console_core::administrators::roles::{Grant, Role};
use serde_json::{Value, json};

use super::roles::{call, signed_in};

async fn get(s: &TestServer, path: &str) -> (u16, Value) {
    parts(s.admin(Method::GET, path).send().await.unwrap()).await
}

async fn send(s: &TestServer, method: Method, path: &str, body: &Value) -> (u16, Value) {
    parts(send_json(s.admin(method, path), body).await).await
}

#[tokio::test]
async fn a_qa_plan_is_compared_with_production_and_promoted_with_one_confirmation() {
    let s = TestServer::start().await;
    let qa = connection(&s, json!({"name": "QA", "planTemplate": "xMatters"})).await;
    let prod = connection(
        &s,
        json!({"name": "Production", "planTemplate": "standard"}),
    )
    .await;
    let promotion = format!("/api/configurations/{}/promotion", qa.id);
    let (status, none) = get(&s, &promotion).await;
    assert_eq!((status, &none["production"]), (200, &Value::Null), "{none}");
    // Not its own production; an unknown one is 404.
    let (status, error) = send(&s, Method::PUT, &promotion, &json!({"production": qa.id})).await;
    assert_eq!(status, 400, "{error}");
    let (status, _) = send(
        &s,
        Method::PUT,
        &promotion,
        &json!({"production": "6f1c1a4e-2b7d-4c55-9a0e-3d2f1b0c9e8a"}),
    )
    .await;
    assert_eq!(status, 404);

    // Paired: the differences, section by section.
    let (status, paired) = send(&s, Method::PUT, &promotion, &json!({"production": prod.id})).await;
    assert_eq!(status, 200, "{paired}");
    assert_eq!(paired["production"]["name"], "Production");
    assert_eq!(
        (
            paired["qaVersion"].as_i64(),
            paired["productionVersion"].as_i64()
        ),
        (Some(1), Some(1))
    );
    let sections: BTreeSet<&str> = paired["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["section"].as_str().unwrap())
        .collect();
    for section in ["fields", "validators", "rules", "matching", "settings"] {
        assert!(sections.contains(section), "{section}: {paired}");
    }
    let unsupported = paired["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "/unsupported")
        .unwrap();
    assert_eq!(
        (&unsupported["production"], &unsupported["qa"]),
        (&json!("ignore"), &json!("reject"))
    );

    // A version other than the one reviewed is refused.
    let (status, error) = send(
        &s,
        Method::POST,
        &format!("{promotion}/promote"),
        &json!({"qaVersion": 7}),
    )
    .await;
    assert_eq!(status, 409, "{error}");
    // A role limited to QA may not change production.
    let cookie = signed_in(
        &s,
        "qa.editor@contoso.com",
        vec![
            Grant::on(
                Role::Editor,
                BTreeSet::from([scim_console_core::ConfigurationId::parse(&qa.id).unwrap()]),
            )
            .unwrap(),
        ],
    )
    .await;
    let (status, error) = call(
        &s,
        &cookie,
        Method::POST,
        &format!("{promotion}/promote"),
        Some(json!({"qaVersion": 1})),
    )
    .await;
    assert_eq!(status, 403, "{error}");

    // Promoted: production's version 2 is QA's plan; version 1 a rollback away.
    let (status, promoted) = send(
        &s,
        Method::POST,
        &format!("{promotion}/promote"),
        &json!({"qaVersion": 1}),
    )
    .await;
    assert_eq!(status, 200, "{promoted}");
    assert_eq!(
        (
            promoted["version"].as_i64(),
            promoted["previousVersion"].as_i64()
        ),
        (Some(2), Some(1))
    );
    let (_, current) = get(&s, &format!("/api/configurations/{}/mapping", prod.id)).await;
    assert_eq!(current["comment"], "promoted from \"QA\" version 1");
    let (_, qa_plan) = get(&s, &format!("/api/configurations/{}/mapping", qa.id)).await;
    assert_eq!(current["plan"], qa_plan["plan"]);
    let (_, same) = get(&s, &promotion).await;
    assert_eq!(same["differences"], json!([]), "{same}");
    let (status, _) = send(
        &s,
        Method::POST,
        &format!("/api/configurations/{}/mapping/rollback", prod.id),
        &json!({"version": 1}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, back) = get(&s, &promotion).await;
    assert!(!back["differences"].as_array().unwrap().is_empty());
    // Audited: who paired, who promoted.
    let (_, audit) = get(&s, "/api/audit").await;
    for action in ["promotion.pair", "promotion.promote"] {
        assert!(audit.to_string().contains(action), "{action}");
    }
    // Unpaired.
    let (status, _) = parts(s.admin(Method::DELETE, &promotion).send().await.unwrap()).await;
    assert_eq!(status, 204);
    let (_, none) = get(&s, &promotion).await;
    assert_eq!(none["production"], Value::Null);
    s.stop().await;
}
