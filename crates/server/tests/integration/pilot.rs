//! Remote targets and pilot runs through the admin API, over real HTTP: a second server is the
//! remote target (bearer token, and OAuth client credentials through its token endpoint); runs
//! start in the background, report progress, and end with a per-user report; a run into a local
//! configuration's own endpoint uses a temporary token revoked afterwards.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use scim_console_core::{Actor, NewConfiguration};
use serde_json::{Value, json};

async fn finished(console: &TestServer, id: &str) -> Value {
    for _ in 0..200 {
        let (status, run) = parts(
            console
                .admin(Method::GET, &format!("/api/pilot-runs/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{run}");
        if run["state"] == "finished" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the run did not finish");
}

#[tokio::test]
async fn targets_are_added_tested_and_provisioned_into_through_the_admin_api() {
    let remote = TestServer::start().await;
    let console = TestServer::start().await;
    // Bad input names its field.
    let (status, body) = parts(
        send_json(
            console.admin(Method::POST, "/api/targets"),
            &json!({"name": "x", "baseUrl": "ftp://nowhere", "secret": "s"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "baseUrl", "{body}");
    let (status, added) = parts(
        send_json(
            console.admin(Method::POST, "/api/targets"),
            &json!({"name": "Remote", "baseUrl": remote.base(), "secret": remote.token}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert!(!added.to_string().contains(&remote.token));
    let id = added["target"]["id"].as_str().unwrap().to_owned();
    let (_, list) = parts(
        console
            .admin(Method::GET, "/api/targets")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&remote.token));
    let (status, report) = parts(
        console
            .admin(Method::POST, &format!("/api/targets/{id}/test"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], true, "{report}");
    let (_, list) = parts(
        console
            .admin(Method::GET, "/api/targets")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list[0]["lastTestOk"], true);

    // OAuth client credentials: the remote console's own token endpoint issues the token.
    let client = remote
        .store
        .create_oauth_client(remote.config.id, "pilot", None, &Actor::system())
        .await
        .unwrap();
    let oauth = json!({
        "name": "Remote (OAuth)",
        "baseUrl": remote.base(),
        "auth": {"kind": "oauthClientCredentials", "tokenUrl": format!("{}/scim/{}/oauth/token", remote.origin, remote.config.slug), "clientId": client.info.client_id},
        "secret": client.client_secret.as_ref().unwrap().expose(),
    });
    let (status, added) =
        parts(send_json(console.admin(Method::POST, "/api/targets"), &oauth).await).await;
    assert_eq!(status, 201, "{added}");
    let (_, report) = parts(
        console
            .admin(Method::POST, "/api/targets/Remote%20(OAuth)/test")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        report["checks"][0]["name"],
        "OAuth access token (client credentials)"
    );
    // A wrong client secret: the token endpoint's refusal, in words.
    let mut wrong = oauth.clone();
    wrong["name"] = json!("Wrong secret");
    wrong["secret"] = json!("not-the-secret");
    send_json(console.admin(Method::POST, "/api/targets"), &wrong).await;
    let (_, report) = parts(
        console
            .admin(Method::POST, "/api/targets/wrong%20secret/test")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(report["ok"], false);
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("invalid_client"),
        "{report}"
    );

    // A pilot run from CSV into the remote target, behaving like Okta.
    let csv =
        "login,email,firstName,lastName\nada@contoso.com,ada@contoso.com,Ada,Lovelace\nbad,,,\n";
    let (status, run) = parts(
        send_json(
            console.admin(Method::POST, "/api/pilot-runs"),
            &json!({
                "configurationId": console.config.id,
                "behaveAs": "okta",
                "source": {"kind": "csv", "content": csv},
                "target": {"kind": "remote", "target": id},
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 202, "{run}");
    let run = finished(&console, run["id"].as_str().unwrap()).await;
    let report = &run["report"];
    assert_eq!(report["counts"]["created"], 2, "{report}");
    assert_eq!(run["progress"]["done"], 2);
    let (_, listed) = parts(
        remote
            .scim(
                Method::GET,
                "/Users?filter=userName%20eq%20%22ada@contoso.com%22",
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed["Resources"][0]["name"]["givenName"], "Ada");
    // Its requests are in the console's log as outbound, in the plan's configuration.
    let (_, logged) = parts(
        console
            .admin(
                Method::GET,
                &format!(
                    "/api/logs?configuration={}&direction=outbound",
                    console.config.id
                ),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    let entries = logged["entries"].as_array().unwrap();
    assert!(entries.len() >= 4, "{logged}");
    assert!(
        entries
            .iter()
            .all(|e| e["client"] == "okta" && e["source"] == "Remote")
    );
    // And they are not counted as traffic the configuration received.
    let (_, inbound) = parts(
        console
            .admin(
                Method::GET,
                &format!(
                    "/api/logs?configuration={}&direction=inbound",
                    console.config.id
                ),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        inbound["entries"].as_array().unwrap().is_empty(),
        "{inbound}"
    );
    let (_, runs) = parts(
        console
            .admin(Method::GET, "/api/pilot-runs")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert!(runs[0]["report"].is_null(), "lists carry no reports");

    // Bad sources and bounds say what is wrong, where.
    for (body, field) in [
        (
            json!({"configurationId": console.config.id, "source": {"kind": "csv", "content": "a,b\n1,2,3\n"}, "target": {"kind": "remote", "target": id}}),
            "source",
        ),
        (
            json!({"configurationId": console.config.id, "concurrency": 0, "source": {"kind": "csv", "content": "a\n1\n"}, "target": {"kind": "remote", "target": id}}),
            "concurrency",
        ),
    ] {
        let (status, error) =
            parts(send_json(console.admin(Method::POST, "/api/pilot-runs"), &body).await).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let (status, _) = parts(
        console
            .admin(Method::DELETE, &format!("/api/targets/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    remote.stop().await;
    console.stop().await;
}

#[tokio::test]
async fn a_local_configuration_is_piloted_from_another_with_a_temporary_token() {
    let console = TestServer::start().await;
    // The source: users already in the default configuration.
    for name in ["ada@contoso.com", "grace@contoso.com"] {
        let (status, _) = parts(
            send_json(
                console.scim(Method::POST, "/Users"),
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "displayName": name}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201);
    }
    let staging = console
        .store
        .create_configuration(NewConfiguration::named("Staging"), &Actor::system())
        .await
        .unwrap();
    let body = json!({
        "configurationId": staging.id,
        "source": {"kind": "configuration", "configurationId": console.config.id},
        "target": {"kind": "configuration", "configurationId": staging.id},
        "dryRun": true,
    });
    let (status, run) =
        parts(send_json(console.admin(Method::POST, "/api/pilot-runs"), &body).await).await;
    assert_eq!(status, 202, "{run}");
    let run = finished(&console, run["id"].as_str().unwrap()).await;
    assert_eq!(run["report"]["counts"]["wouldCreate"], 2, "{run}");
    let mut body = body;
    body["dryRun"] = json!(false);
    let (_, run) =
        parts(send_json(console.admin(Method::POST, "/api/pilot-runs"), &body).await).await;
    let run = finished(&console, run["id"].as_str().unwrap()).await;
    assert_eq!(run["report"]["counts"]["created"], 2, "{run}");
    // The endpoint recorded the requests as inbound, from the client the run behaved like
    // (records are written after their responses: wait for them, up to 10 s).
    let mut logged = Value::Null;
    for _ in 0..200 {
        logged = parts(
            console
                .admin(
                    Method::GET,
                    &format!("/api/logs?configuration={}&operation=create", staging.id),
                )
                .send()
                .await
                .unwrap(),
        )
        .await
        .1;
        if logged["entries"].as_array().is_some_and(|e| e.len() >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let entries = logged["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{logged}");
    assert!(entries.iter().all(|e| e["client"] == "entra"));
    // The temporary tokens are revoked once the runs end.
    let tokens = console.store.list_tokens(staging.id).await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(
        tokens
            .iter()
            .all(|t| t.state == scim_console_core::TokenState::Revoked),
        "{tokens:?}"
    );
    // The admin API marks them temporary (the token list hides them by default).
    let (status, listed) = parts(
        console
            .admin(
                Method::GET,
                &format!("/api/configurations/{}/tokens", staging.id),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["temporary"] == true),
        "{listed}"
    );
    console.stop().await;
}

#[tokio::test]
async fn a_runs_failed_users_are_run_again_all_or_some() {
    let console = TestServer::start().await;
    let staging = console
        .store
        .create_configuration(NewConfiguration::named("Staging"), &Actor::system())
        .await
        .unwrap();
    // Staging's plan refuses languages it does not know: rows 3 and 4 fail.
    let (_, mut plan) = parts(
        console
            .admin(Method::GET, "/api/mapping/template")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (status, saved) = parts(
        send_json(
            console.admin(
                Method::PUT,
                &format!("/api/configurations/{}/mapping", staging.id),
            ),
            &json!({"plan": plan, "comment": "strict"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let csv = "userPrincipalName,mail,preferredLanguage\n\
               ada@contoso.com,ada@contoso.com,en\n\
               grace@contoso.com,grace@contoso.com,Martian\n\
               alan@contoso.com,alan@contoso.com,Elvish\n";
    let body = json!({
        "configurationId": staging.id,
        "source": {"kind": "csv", "content": csv},
        "target": {"kind": "configuration", "configurationId": staging.id},
    });
    let (status, run) =
        parts(send_json(console.admin(Method::POST, "/api/pilot-runs"), &body).await).await;
    assert_eq!(status, 202, "{run}");
    let first = run["id"].as_str().unwrap().to_owned();
    let run = finished(&console, &first).await;
    assert_eq!(run["report"]["counts"]["created"], 1, "{run}");
    assert_eq!(run["report"]["counts"]["failed"], 2, "{run}");
    // Each failed user says at which step and why.
    let grace = &run["report"]["users"][1];
    assert_eq!(grace["steps"][3]["step"], "action", "{grace}");
    assert_eq!(grace["steps"][3]["status"], "failed", "{grace}");
    assert!(
        grace["steps"][3]["summary"]
            .as_str()
            .unwrap()
            .contains("preferredLanguage"),
        "{grace}"
    );

    let retry = |rows: Value| {
        let console = &console;
        let first = first.clone();
        async move {
            parts(
                send_json(
                    console.admin(Method::POST, &format!("/api/pilot-runs/{first}/retry")),
                    &rows,
                )
                .await,
            )
            .await
        }
    };
    // A row that did not fail is refused, naming it; an unknown run is 404.
    let (status, error) = retry(json!({"rows": [2]})).await;
    assert_eq!(status, 400, "{error}");
    assert!(error.to_string().contains("row 2"), "{error}");
    let (status, _) = parts(
        send_json(
            console.admin(Method::POST, "/api/pilot-runs/run_nope/retry"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);

    // The admin fixes the plan (warn only), then retries one row, then the rest.
    plan["mode"] = json!("warnOnly");
    let (status, _) = parts(
        send_json(
            console.admin(
                Method::PUT,
                &format!("/api/configurations/{}/mapping", staging.id),
            ),
            &json!({"plan": plan, "comment": "warn only"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, again) = retry(json!({"rows": [3]})).await;
    assert_eq!(status, 202, "{again}");
    let again = finished(&console, again["id"].as_str().unwrap()).await;
    assert_eq!(again["report"]["counts"]["created"], 1, "{again}");
    assert_eq!(again["report"]["users"][0]["userName"], "grace@contoso.com");
    let (status, rest) = retry(json!({})).await;
    assert_eq!(status, 202, "{rest}");
    let rest = finished(&console, rest["id"].as_str().unwrap()).await;
    // Both failed users of the first run: grace is there now (unchanged), alan is created.
    assert_eq!(rest["report"]["counts"]["created"], 1, "{rest}");
    assert_eq!(rest["report"]["counts"]["unchanged"], 1, "{rest}");
    console.stop().await;
}
