//! Provision on demand over real HTTP: one user from a CSV row, a JSON payload or another
//! configuration goes through the configuration's plan into its own endpoint now, answered
//! step by step (import, scope, match, action, result).

use crate::common::{TestServer, connection, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

const CSV: &str = "userPrincipalName,mail,givenName,surname,displayName\n\
ada@contoso.com,ada@contoso.com,Ada,Lovelace,Ada Lovelace\n\
grace@contoso.com,grace@contoso.com,Grace,Hopper,Grace Hopper\n\
contractor.bob@contoso.com,bob@contoso.com,Bob,Builder,Bob\n";

async fn on_demand(s: &TestServer, id: &str, body: &Value) -> (u16, Value) {
    parts(
        send_json(
            s.admin(
                Method::POST,
                &format!("/api/configurations/{id}/provision-on-demand"),
            ),
            body,
        )
        .await,
    )
    .await
}

/// The steps as (kind, status).
fn steps(result: &Value) -> Vec<(String, String)> {
    result["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn all_done() -> Vec<(String, String)> {
    ["import", "scope", "match", "action", "result"]
        .iter()
        .map(|k| ((*k).to_owned(), "done".to_owned()))
        .collect()
}

#[tokio::test]
async fn one_user_is_provisioned_now_and_each_step_says_what_it_decided() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Entra", "identityProvider": "entra"})).await;
    // A plan that leaves contractors out.
    let (status, mut plan) = parts(
        s.admin(Method::GET, "/api/mapping/template")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    plan["scoping"]["users"] =
        json!([{"effect": "exclude", "filter": "userName sw \"contractor\""}]);
    let (status, saved) = parts(
        send_json(
            s.admin(
                Method::PUT,
                &format!("/api/configurations/{}/mapping", c.id),
            ),
            &json!({"plan": plan, "comment": "no contractors"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{saved}");

    // Row 2 of Entra's export: created, every step done.
    let csv = json!({"kind": "csv", "content": CSV});
    let (status, created) = on_demand(
        &s,
        &c.id,
        &json!({"behaveAs": "entra", "source": csv, "row": 3}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["action"], "created", "{created}");
    assert_eq!(steps(&created), all_done(), "{created}");
    let summary = |r: &Value, i: usize| r["steps"][i]["summary"].as_str().unwrap().to_owned();
    assert!(
        summary(&created, 0).contains("userPrincipalName"),
        "{created}"
    );
    assert!(
        summary(&created, 0).contains("Microsoft Entra ID mappings"),
        "{created}"
    );
    assert!(
        summary(&created, 2)
            .contains("no user of the target matches userName eq \"grace@contoso.com\""),
        "{created}"
    );
    assert!(
        summary(&created, 3).starts_with("create: POST /Users"),
        "{created}"
    );
    let id = created["id"].as_str().unwrap();
    let (status, grace) = c.get(&s, &format!("/Users/{id}")).await;
    assert_eq!(
        (status, &grace["userName"]),
        (200, &json!("grace@contoso.com"))
    );
    // The endpoint recorded the matching query and the create like any identity provider's.
    let records = c.records(&s, 2).await;
    assert!(
        records
            .iter()
            .any(|r| r["method"] == "POST" && r["status"] == 201),
        "{records:?}"
    );

    // Again: matched, nothing to send.
    let (_, again) = on_demand(
        &s,
        &c.id,
        &json!({"behaveAs": "entra", "source": csv, "row": 3}),
    )
    .await;
    assert_eq!(again["action"], "unchanged", "{again}");
    assert!(
        summary(&again, 2).starts_with(&format!("matched the target's user {id}")),
        "{again}"
    );
    assert!(summary(&again, 3).starts_with("none:"), "{again}");

    // A JSON payload that changes her display name: updated with a PATCH of what differs.
    let payload = json!([{"userPrincipalName": "grace@contoso.com", "mail": "grace@contoso.com",
                          "givenName": "Grace", "surname": "Hopper", "displayName": "Rear Admiral Hopper"}]);
    let (_, updated) = on_demand(
        &s,
        &c.id,
        &json!({"source": {"kind": "json", "content": payload.to_string()}}),
    )
    .await;
    assert_eq!(updated["action"], "updated", "{updated}");
    assert!(
        summary(&updated, 3).starts_with("update: PATCH"),
        "{updated}"
    );
    assert!(summary(&updated, 3).contains("displayName"), "{updated}");

    // Out of scope: the scope step says so and nothing is sent.
    let (_, skipped) = on_demand(&s, &c.id, &json!({"source": csv, "row": 4})).await;
    assert_eq!(skipped["action"], "skipped", "{skipped}");
    assert_eq!(
        steps(&skipped),
        [
            ("import", "done"),
            ("scope", "skipped"),
            ("result", "skipped")
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect::<Vec<_>>()
    );

    // A dry run says what it would do and writes nothing.
    let (_, dry) = on_demand(&s, &c.id, &json!({"source": csv, "row": 2, "dryRun": true})).await;
    assert_eq!(dry["action"], "wouldCreate", "{dry}");
    let (_, none) = c
        .get(&s, "/Users?filter=userName+eq+%22ada%40contoso.com%22")
        .await;
    assert_eq!(none["totalResults"], 0);

    // A user of another configuration, by userName.
    let other = connection(&s, json!({"name": "QA"})).await;
    other.user(&s, "alan@contoso.com").await;
    let (status, copied) = on_demand(
        &s,
        &c.id,
        &json!({"source": {"kind": "configuration", "configurationId": other.id},
                "userName": "alan@contoso.com"}),
    )
    .await;
    assert_eq!(
        (status, &copied["action"]),
        (200, &json!("created")),
        "{copied}"
    );
    assert!(
        summary(&copied, 0).contains("a SCIM User alan@contoso.com"),
        "{copied}"
    );

    // Bad picks are refused, naming the field.
    for (body, field) in [
        (json!({"source": csv, "row": 1}), "row"),
        (
            json!({"source": {"kind": "configuration", "configurationId": other.id}}),
            "userName",
        ),
        (
            json!({"source": {"kind": "configuration", "configurationId": other.id}, "userName": "nobody"}),
            "userName",
        ),
        (
            json!({"source": {"kind": "csv", "content": "\u{0}"}}),
            "source",
        ),
    ] {
        let (status, error) = on_demand(&s, &c.id, &body).await;
        assert_eq!(status, 400, "{field}: {error}");
        assert!(error.to_string().contains(field), "{field}: {error}");
    }
    s.stop().await;
}
