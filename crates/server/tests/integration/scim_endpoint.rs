//! The embedded SCIM endpoint over real HTTP, with a real SQLite file: every route and every
//! error the endpoint issue lists.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use scim_console_core::configuration::ConfigurationUpdate;
use scim_console_core::{Actor, NewConfiguration, NewToken, Store};
use scim_console_server::Limits;
use serde_json::{Value, json};

async fn create_user(s: &TestServer, user_name: &str) -> Value {
    let (status, body) = parts(send_json(s.scim(Method::POST, "/Users"), &json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true
    })).await)
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn create_read_query_replace_patch_delete_a_user() {
    let s = TestServer::start().await;
    let response = send_json(s.scim(Method::POST, "/Users"), &json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@testuser.com",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": []
    }))
    .await;
    assert_eq!(response.headers()["content-type"], "application/scim+json");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (status, user) = parts(response).await;
    assert_eq!(status, 201);
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{}/Users/{id}", s.base()));
    assert_eq!(user["meta"]["location"], location);
    assert_eq!(etag, "W/\"1\"");

    let (status, got) = parts(
        s.scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &got["userName"]),
        (200, &json!("Test_User_ab6490ee@testuser.com"))
    );

    // Entra's matching query, with its flag on the URL and a differently cased value.
    let q = s
        .scim(
            Method::GET,
            "/Users?aadOptscim062020&filter=userName%20eq%20%22test_user_AB6490EE@testuser.com%22",
        )
        .send()
        .await
        .unwrap();
    let (status, list) = parts(q).await;
    assert_eq!((status, list["totalResults"].as_u64()), (200, Some(1)));
    assert_eq!(
        list["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );

    let (status, patched) = parts(
        send_json(
            s.scim(Method::PATCH, &format!("/Users/{id}")),
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
            }),
        )
        .await,
    )
    .await;
    assert_eq!((status, &patched["active"]), (200, &json!(false)));

    let (status, replaced) = parts(send_json(s.scim(Method::PUT, &format!("/Users/{id}")), &json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "renamed@testuser.com", "active": true
    })).await)
    .await;
    assert_eq!(
        (status, &replaced["userName"]),
        (200, &json!("renamed@testuser.com"))
    );
    assert!(replaced.get("emails").is_none(), "PUT replaces");

    let response = s
        .scim(Method::DELETE, &format!("/Users/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, error) = parts(
        s.scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(error["status"], "404");
}

#[tokio::test]
async fn authentication_errors_are_401_with_www_authenticate() {
    let s = TestServer::start().await;
    let other = s
        .store
        .create_configuration(NewConfiguration::named("other"), &Actor::system())
        .await
        .unwrap();
    let other_token = s
        .store
        .create_token(
            other.id,
            &NewToken {
                label: "x".into(),
                expires: None,
            },
            &Actor::system(),
        )
        .await
        .unwrap()
        .token
        .expose()
        .to_owned();
    let url = format!("{}/Users", s.base());
    for request in [
        s.client.get(&url),
        s.client.get(&url).bearer_auth("scim_aaaaaaaa_wrong"),
        s.client.get(&url).bearer_auth(&other_token),
        s.client.get(&url).basic_auth("user", Some("pass")),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let (_, body) = parts(response).await;
        assert_eq!(body["status"], "401");
        assert!(
            !body.to_string().contains(&other_token),
            "the token is never echoed"
        );
    }
    let (status, body) = parts(
        s.client
            .get(format!("{}/scim/nope/v2/Users", s.origin))
            .bearer_auth(&s.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("/scim/nope/v2"));
}

#[tokio::test]
async fn disabled_configurations_and_disabled_resource_types_answer_403() {
    let s = TestServer::start().await;
    s.store
        .update_configuration(
            s.config.id,
            ConfigurationUpdate {
                provision_groups: Some(false),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let (status, body) = parts(s.scim(Method::GET, "/Groups").send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("provisions users only"),
        "{body}"
    );
    s.store
        .update_configuration(
            s.config.id,
            ConfigurationUpdate {
                enabled: Some(false),
                provision_groups: Some(true),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let (status, body) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("disabled"));
}

#[tokio::test]
async fn conflicts_protected_accounts_and_bad_bodies() {
    let s = TestServer::start().await;
    create_user(&s, "jsmith").await;
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": "JSMITH"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (409, Some("uniqueness"))
    );

    let admin = create_user(&s, "admin@contoso.com").await;
    s.store
        .update_configuration(
            s.config.id,
            ConfigurationUpdate {
                protected_accounts: Some(vec!["Admin@Contoso.com".into()]),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let response = s
        .scim(
            Method::DELETE,
            &format!("/Users/{}", admin["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = parts(response).await;
    assert_eq!(status, 403);
    assert!(body["detail"].as_str().unwrap().contains("protected"));

    let malformed = s
        .scim(Method::POST, "/Users")
        .header("content-type", "application/json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = parts(malformed).await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidSyntax"))
    );
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"));

    let wrong_type = s
        .scim(Method::POST, "/Users")
        .header("content-type", "application/xml")
        .body("<user/>")
        .send()
        .await
        .unwrap();
    assert_eq!(parts(wrong_type).await.0, 415);

    let missing = send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"displayName": "no userName"}),
    )
    .await;
    let (status, body) = parts(missing).await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidValue"))
    );

    let typed = send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"userName": "t", "active": "perhaps"}),
    )
    .await;
    assert_eq!(parts(typed).await.0, 400);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let s = TestServer::start_with(
        tempfile::tempdir().unwrap(),
        Limits {
            max_body_bytes: 1024,
            ..Limits::default()
        },
    )
    .await;
    let big = json!({"userName": "x".repeat(4096)});
    let (status, body) = parts(send_json(s.scim(Method::POST, "/Users"), &big).await).await;
    assert_eq!(status, 413);
    assert_eq!(body["status"], "413");
}

#[tokio::test]
async fn discovery_documents_and_405_for_writes() {
    let s = TestServer::start().await;
    let (status, spc) = parts(
        s.scim(Method::GET, "/ServiceProviderConfig")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &spc["patch"]["supported"]), (200, &json!(true)));
    assert_eq!(
        spc["meta"]["location"],
        format!("{}/ServiceProviderConfig", s.base())
    );
    let (_, schemas) = parts(s.scim(Method::GET, "/Schemas").send().await.unwrap()).await;
    assert_eq!(schemas["totalResults"], 3);
    let (status, user_schema) = parts(
        s.scim(
            Method::GET,
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &user_schema["name"]), (200, &json!("User")));
    let (_, types) = parts(s.scim(Method::GET, "/ResourceTypes").send().await.unwrap()).await;
    assert_eq!(types["Resources"][0]["id"], types["Resources"][0]["name"]);
    let (status, _) = parts(
        s.scim(Method::GET, "/ResourceTypes/Device")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    for path in ["/Schemas", "/ResourceTypes", "/ServiceProviderConfig"] {
        let (status, body) = parts(send_json(s.scim(Method::POST, path), &json!({})).await).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (405, Some("405")),
            "{path}"
        );
    }
    let (status, body) = parts(s.scim(Method::GET, "/Devices").send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (404, Some("404")));
}

#[tokio::test]
async fn filter_sort_page_and_project() {
    let s = TestServer::start().await;
    for i in 0..12 {
        create_user(&s, &format!("user{i:02}@contoso.com")).await;
    }
    let (status, page) = parts(
        s.scim(Method::GET, "/Users?filter=userName%20sw%20%22USER0%22&sortBy=userName&sortOrder=descending&startIndex=2&count=3&attributes=userName")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            page["totalResults"].as_u64(),
            page["itemsPerPage"].as_u64(),
            page["startIndex"].as_u64()
        ),
        (Some(10), Some(3), Some(2))
    );
    let names: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "user08@contoso.com",
            "user07@contoso.com",
            "user06@contoso.com"
        ]
    );
    assert!(
        page["Resources"][0].get("active").is_none(),
        "projected to userName (and id)"
    );
    assert!(page["Resources"][0].get("id").is_some());
    let (status, none) = parts(
        s.scim(Method::GET, "/Users?filter=userName%20eq%20%22nobody%22")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            status,
            none["totalResults"].as_u64(),
            none["Resources"].as_array().map(Vec::len)
        ),
        (200, Some(0), Some(0))
    );
    let (status, body) = parts(
        s.scim(Method::GET, "/Users?filter=noSuchAttr%20eq%20%22x%22")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidFilter"))
    );
    let (status, page) = parts(
        s.scim(Method::GET, "/Users?count=100000")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, page["itemsPerPage"].as_u64()),
        (200, Some(12)),
        "an oversized count is capped, not refused"
    );
    let (status, searched) = parts(
        send_json(
            s.scim(Method::POST, "/Users/.search"),
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName ew \"11@contoso.com\"", "attributes": ["userName"]
            }),
        )
        .await,
    )
    .await;
    assert_eq!((status, searched["totalResults"].as_u64()), (200, Some(1)));
    let (status, root) = parts(
        send_json(
            s.scim(Method::POST, "/.search"),
            &json!({"filter": "userName sw \"user1\""}),
        )
        .await,
    )
    .await;
    assert_eq!((status, root["totalResults"].as_u64()), (200, Some(2)));
}

#[tokio::test]
async fn etags_for_conditional_requests() {
    let s = TestServer::start().await;
    let user = create_user(&s, "etag").await;
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    let not_modified = s
        .scim(Method::GET, &path)
        .header("if-none-match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    let body = json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]});
    let stale = send_json(
        s.scim(Method::PATCH, &path).header("if-match", "W/\"7\""),
        &body,
    )
    .await;
    assert_eq!(stale.status(), 412);
    let fresh = send_json(
        s.scim(Method::PATCH, &path).header("if-match", "W/\"1\""),
        &body,
    )
    .await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(fresh.headers()["etag"], "W/\"2\"");
    let modified = s
        .scim(Method::GET, &path)
        .header("if-none-match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(modified.status(), 200);
}

#[tokio::test]
async fn groups_with_entra_requests_and_concurrent_member_patches() {
    let s = TestServer::start().await;
    let (status, group) = parts(send_json(s.scim(Method::POST, "/Groups"), &json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "displayName", "meta": {"resourceType": "Group"}
    })).await)
    .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(
            create_user(&s, &format!("member{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut tasks = Vec::new();
    for id in users.clone() {
        let request = s.scim(Method::PATCH, &format!("/Groups/{gid}"));
        tasks.push(tokio::spawn(async move {
            send_json(request, &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}]})).await.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap(),
            204,
            "group PATCH answers 204, as Entra ID expects"
        );
    }
    let (_, full) = parts(
        s.scim(Method::GET, &format!("/Groups/{gid}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        full["members"].as_array().unwrap().len(),
        20,
        "no concurrent addition was lost"
    );
    let (_, lean) = parts(
        s.scim(
            Method::GET,
            &format!("/Groups/{gid}?excludedAttributes=members"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(lean.get("members").is_none());
    let remove = send_json(s.scim(Method::PATCH, &format!("/Groups/{gid}")), &json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": users[0]}]}]})).await;
    assert_eq!(remove.status(), 204);
    let (status, with_body) = parts(
        send_json(
            s.scim(
                Method::PATCH,
                &format!("/Groups/{gid}?attributes=displayName"),
            ),
            &json!({"Operations": [{"op": "Replace", "path": "displayName", "value": "Renamed"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &with_body["displayName"]),
        (200, &json!("Renamed"))
    );
    let (_, found) = parts(
        s.scim(
            Method::GET,
            "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22renamed%22",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    let (_, by_member) = parts(
        s.scim(
            Method::GET,
            &format!(
                "/Groups?filter=members%5Bvalue%20eq%20%22{}%22%5D",
                users[5]
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(by_member["totalResults"], 1);
    assert_eq!(
        s.scim(Method::DELETE, &format!("/Groups/{gid}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = TestServer::start_with(
        tempfile::tempdir().unwrap(),
        Limits {
            requests_per_second: 2,
            ..Limits::default()
        },
    )
    .await;
    let mut limited = None;
    for _ in 0..10 {
        let response = s
            .scim(Method::GET, "/ServiceProviderConfig")
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("the limit was reached");
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let (_, body) = parts(response).await;
    assert_eq!(body["status"], "429");
}

#[tokio::test]
async fn revoked_tokens_fail_on_the_next_request() {
    let s = TestServer::start().await;
    assert_eq!(
        s.scim(Method::GET, "/Users").send().await.unwrap().status(),
        200
    );
    let token = s.store.list_tokens(s.config.id).await.unwrap().remove(0);
    s.store
        .revoke_token(s.config.id, &token.id, &Actor::system())
        .await
        .unwrap();
    assert_eq!(
        s.scim(Method::GET, "/Users").send().await.unwrap().status(),
        401
    );
}

#[tokio::test]
async fn a_restart_keeps_every_resource() {
    let s = TestServer::start().await;
    let user = create_user(&s, "persistent").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let dir = s.stop().await;
    let again = TestServer::start_with(dir, Limits::default()).await;
    let (status, body) = parts(
        again
            .scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &body["userName"]), (200, &json!("persistent")));
}

#[tokio::test]
async fn the_oauth_issuer_is_the_public_url_when_one_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    store
        .create_configuration(
            scim_console_core::NewConfiguration::named("proxied"),
            &scim_console_core::Actor::system(),
        )
        .await
        .unwrap();
    for (given, wrong) in [
        ("https://scim.example.com/path", "without a path"),
        ("ftp://scim.example.com", "https://"),
        ("https://user:pw@scim.example.com", "credentials"),
    ] {
        let refused = scim_console_server::PublicOrigin::parse(given).unwrap_err();
        assert!(refused.contains(wrong), "{given}: {refused}");
    }
    let options = scim_console_server::ServeOptions {
        port: 0,
        public_origin: Some(
            scim_console_server::PublicOrigin::parse("https://scim.example.com/").unwrap(),
        ),
        ..scim_console_server::ServeOptions::default()
    };
    let server = scim_console_server::Server::bind(store, options)
        .await
        .unwrap();
    let origin = server.origin();
    let task = tokio::spawn(server.run(std::future::pending()));
    let (status, metadata) = parts(
        {
            scim_console_server::tls::install_crypto_provider();
            reqwest::Client::new()
        }
        .get(format!(
            "{origin}/scim/proxied/.well-known/oauth-authorization-server"
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{metadata}");
    assert_eq!(metadata["issuer"], "https://scim.example.com/scim/proxied");
    assert_eq!(
        metadata["token_endpoint"],
        "https://scim.example.com/scim/proxied/oauth/token"
    );
    task.abort();
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let options = scim_console_server::ServeOptions {
        bind: "0.0.0.0".parse().unwrap(),
        port: 0,
        limits: Limits::default(),
        tls: None,
        ..scim_console_server::ServeOptions::default()
    };
    let err = scim_console_server::Server::bind(store, options)
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("refusing to serve plain HTTP"),
        "{err}"
    );
}

#[tokio::test]
async fn a_merge_mode_put_keeps_what_it_omits_and_clears_what_it_sends_empty() {
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let s = TestServer::start().await;
    let (status, _) = parts(
        s.admin(
            Method::PATCH,
            &format!("/api/configurations/{}", s.config.id),
        )
        .json(&json!({"putSemantics": "merge"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, user) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "userName": "ada@contoso.com", "title": "Engineer", "displayName": "Ada",
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "emails": [{"value": "ada@contoso.com", "type": "work"}],
                "phoneNumbers": [{"value": "+14155550100", "type": "work"}],
                ENTERPRISE: {"department": "R&D", "employeeNumber": "42"}
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap();
    let (status, put) = parts(
        send_json(
            s.scim(Method::PUT, &format!("/Users/{id}")),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@contoso.com",
                "title": null,
                "emails": [],
                "name": {"givenName": null},
                ENTERPRISE: {"department": null}
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{put}");
    for cleared in ["title", "emails"] {
        assert!(put.get(cleared).is_none(), "{cleared}: {put}");
    }
    assert_eq!(put["name"], json!({"familyName": "Lovelace"}));
    assert_eq!(put[ENTERPRISE], json!({"employeeNumber": "42"}));
    assert_eq!(put["displayName"], "Ada", "omitted: kept");
    assert_eq!(put["phoneNumbers"][0]["value"], "+14155550100");
    // The stored user is what the answer says.
    let (_, read) = parts(
        s.scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        read.get("title").is_none() && read.get("emails").is_none(),
        "{read}"
    );
    // A group's members sent empty are removed: the deprovisioning goes through.
    let (status, group) = parts(
        send_json(
            s.scim(Method::POST, "/Groups"),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineers", "members": [{"value": id}]
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap();
    let (status, put) = parts(
        send_json(
            s.scim(Method::PUT, &format!("/Groups/{gid}")),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineers", "members": []
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{put}");
    assert!(
        put.get("members")
            .is_none_or(|m| m.as_array().is_some_and(Vec::is_empty)),
        "{put}"
    );
    // Omitting the members keeps them.
    send_json(
        s.scim(Method::PATCH, &format!("/Groups/{gid}")),
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]
        }),
    )
    .await;
    let (status, put) = parts(
        send_json(
            s.scim(Method::PUT, &format!("/Groups/{gid}")),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineering"
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(put["members"][0]["value"], id, "{put}");
    s.stop().await;
}
