//! The admin UI as the server delivers it, and the admin API the UI's pages read: the
//! directory browser and the settings.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn ui_pages_load_and_unknown_api_paths_stay_json_errors() {
    let s = TestServer::start().await;
    let get = |path: &str| s.client.get(format!("{}{path}", s.origin)).send();
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(
        index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let page = index.text().await.unwrap();
    // A page route of the UI gets the same page, so a reload or a link lands where it points.
    let deep = get("/configurations/x/tokens").await.unwrap();
    assert_eq!(deep.status(), 200);
    assert_eq!(deep.text().await.unwrap(), page);
    if scim_console_server::ui::embedded() {
        // Every script the page names is served, cached for good.
        let script = page
            .split("src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the page names its script")
            .to_owned();
        let asset = get(&script).await.unwrap();
        assert_eq!(asset.status(), 200);
        assert!(
            asset.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert!(
            asset.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
    } else {
        assert!(page.contains("carries no admin UI"), "{page}");
    }
    assert_eq!(get("/assets/missing-1234.js").await.unwrap().status(), 404);
    assert_eq!(get("/favicon-missing.png").await.unwrap().status(), 404);
    let (status, body) = parts(get("/api/no-such-thing").await.unwrap()).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/no-such-thing")
    );
    let post = s
        .client
        .post(format!("{}/settings", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn the_directory_lists_users_and_groups_by_name_with_search_and_paging() {
    let s = TestServer::start().await;
    for i in 0..7 {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{i}@example.com"),
            "displayName": format!("User {i}"),
            "externalId": format!("ext-{i}"),
            "active": i % 2 == 0,
        });
        let created = send_json(s.scim(Method::POST, "/Users"), &user).await;
        assert_eq!(created.status(), 201);
    }
    send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "50%_off@example.com"}),
    )
    .await;
    let cfg = s.config.id.to_string();
    let page = |query: String| {
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/users?{query}"),
        )
        .send()
    };
    let (status, first) = parts(page("limit=3".into()).await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(first["total"], 8);
    let names: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "50%_off@example.com",
            "user0@example.com",
            "user1@example.com"
        ]
    );
    assert_eq!(first["items"][1]["origin"], "scim");
    assert_eq!(first["items"][1]["active"], true);
    assert_eq!(first["items"][2]["active"], false);
    // The next pages follow on by key, without repeats or gaps.
    let mut seen = names.len();
    let mut next = first["next"].as_str().map(str::to_owned);
    while let Some(after) = next {
        let encoded: String = form_urlencoded::byte_serialize(after.as_bytes()).collect();
        let (_, more) = parts(page(format!("limit=3&after={encoded}")).await.unwrap()).await;
        seen += more["items"].as_array().unwrap().len();
        next = more["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 8);
    // A key that no page gave is refused, not read as "from the start".
    let (status, body) = parts(page("after=garbage".into()).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "after");
    // Search: any case, over userName, displayName and externalId; LIKE's wildcards are text.
    let (_, found) = parts(page("search=USER%203".into()).await.unwrap()).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["userName"], "user3@example.com");
    let (_, literal) = parts(page("search=%25_".into()).await.unwrap()).await;
    assert_eq!(literal["total"], 1);
    assert_eq!(literal["items"][0]["userName"], "50%_off@example.com");
    // One user whole.
    let id = found["items"][0]["id"].as_str().unwrap();
    let (status, user) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/users/{id}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, user["externalId"].as_str()), (200, Some("ext-3")));
    let (status, _) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/users/nope"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_directory_lists_groups_with_their_member_counts() {
    let s = TestServer::start().await;
    let cfg = s.config.id.to_string();
    let user = send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@example.com"}),
    )
    .await;
    let (_, user) = parts(user).await;
    let id = user["id"].as_str().unwrap();
    let group = send_json(
        s.scim(Method::POST, "/Groups"),
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": [{"value": id}]}),
    )
    .await;
    assert_eq!(group.status(), 201);
    let (status, groups) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/groups?search=engin"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(groups["items"][0]["displayName"], "Engineering");
    assert_eq!(groups["items"][0]["members"], 1);
    let gid = groups["items"][0]["id"].as_str().unwrap();
    let (_, whole) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/groups/{gid}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(whole["members"][0]["value"], id);
}

#[tokio::test]
async fn imported_users_show_as_waiting_to_be_linked() {
    let s = TestServer::start().await;
    let cfg = s.config.id.to_string();
    let imported = s
        .admin(
            Method::POST,
            &format!("/api/configurations/{cfg}/users/import"),
        )
        .header("content-type", "text/csv")
        .body("userName,displayName\ngrace@example.com,Grace Hopper\n")
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let (_, page) = parts(
        s.admin(Method::GET, &format!("/api/configurations/{cfg}/users"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["items"][0]["userName"], "grace@example.com");
    assert_eq!(page["items"][0]["origin"], "imported");
}

#[tokio::test]
async fn settings_say_how_the_server_runs() {
    let s = TestServer::start().await;
    let (status, settings) =
        parts(s.admin(Method::GET, "/api/settings").send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(settings["origin"], s.origin);
    assert_eq!(settings["scheme"], "http");
    assert!(settings["tlsFingerprint"].is_null());
    assert_eq!(settings["requestsPerSecond"], 2000);
    assert_eq!(settings["version"], env!("CARGO_PKG_VERSION"));
    let anonymous = s
        .client
        .get(format!("{}/api/settings", s.origin))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_directory_is_listed_newest_first_when_asked() {
    let s = TestServer::start().await;
    let cfg = s.config.id.to_string();
    for name in ["b@example.com", "a@example.com"] {
        let created = s
            .scim(Method::POST, "/Users")
            .json(&serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
    }
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userName"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, by_name) = parts(
        s.admin(Method::GET, &format!("/api/configurations/{cfg}/users"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(names(&by_name), ["a@example.com", "b@example.com"]);
    let (status, newest) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/users?order=createdDescending&limit=1"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{newest}");
    assert_eq!(names(&newest), ["a@example.com"]);
    let next = newest["next"].as_str().unwrap();
    let (_, older) = parts(
        s.admin(
            Method::GET,
            &format!(
                "/api/configurations/{cfg}/users?order=createdDescending&limit=1&after={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(names(&older), ["b@example.com"]);
    let (status, refused) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{cfg}/users?order=sideways"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(refused.to_string().contains("order"), "{refused}");
}
