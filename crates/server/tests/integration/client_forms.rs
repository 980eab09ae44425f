//! What real clients send, per client profile over real HTTP: unquoted filter strings, the
//! xMatters spelling of value paths, Entra's
//! manager as a bare id, extension values that carry their schemas, and strict's answers after a
//! delete and for undefined paths.

use crate::common::{TestServer, connection};
use reqwest::Method;
use serde_json::{Value, json};

use super::client_profiles::{ENTERPRISE, GROUP, USER, filtered, patch, refused_by};

#[tokio::test]
async fn unquoted_filter_strings_are_read_where_the_profile_accepts_them() {
    let s = TestServer::start().await;
    let rfc = connection(&s, json!({"name": "Any"})).await;
    let akadmin = rfc.user(&s, "akadmin").await;
    let ada = rfc.user(&s, "ada.lovelace-1_x@contoso.com").await;
    // authentik's lookup, Entra ID's tutorial, an email, a value path, and the quoted form
    // with '+' for spaces: each finds its user.
    for (query, id) in [
        ("filter=userName+eq+akadmin", &akadmin),
        ("filter=userName%20eq%20akadmin", &akadmin),
        ("filter=externalId+eq+ext-akadmin", &akadmin),
        ("filter=userName+eq+ada.lovelace-1_x%40contoso.com", &ada),
        (
            "filter=emails%5Bvalue+eq+ada.lovelace-1_x%40contoso.com%5D",
            &ada,
        ),
        ("filter=(userName+eq+akadmin)+and+active+eq+true", &akadmin),
        ("filter=userName+eq+%22akadmin%22", &akadmin),
    ] {
        let (status, found) = filtered(&rfc, &s, query).await;
        assert_eq!(status, 200, "{query}: {found}");
        assert_eq!(found["totalResults"], 1, "{query}: {found}");
        assert_eq!(found["Resources"][0]["id"], id.as_str(), "{query}");
    }
    // A bare word that matches nobody is "no match", never an error.
    let (status, found) = filtered(&rfc, &s, "filter=userName+eq+nobody").await;
    assert_eq!((status, found["totalResults"].as_u64()), (200, Some(0)));
    // POST /.search takes the same form.
    let (status, found) = rfc
        .call(
            &s,
            Method::POST,
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "userName eq akadmin"}),
        )
        .await;
    assert_eq!(
        (status, found["totalResults"].as_u64()),
        (200, Some(1)),
        "{found}"
    );
    // The log names the switch for the lenient lookups, and none for the quoted one.
    // Two creates, eight lookups and a search.
    let records = rfc.records(&s, 11).await;
    let lookups: Vec<(&str, Value)> = records
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["switches"].clone()))
        .collect();
    assert!(
        lookups
            .iter()
            .any(|(path, switches)| path.contains("userName+eq+akadmin")
                && *switches == json!(["unquotedFilterStrings"])),
        "{lookups:?}"
    );
    assert!(
        lookups
            .iter()
            .any(|(path, switches)| path.ends_with(".search")
                && *switches == json!(["unquotedFilterStrings"])),
        "{lookups:?}"
    );
    assert!(
        lookups
            .iter()
            .any(|(path, switches)| path.contains("%22akadmin%22") && *switches == json!([])),
        "{lookups:?}"
    );
    // Entra's profile reads it; Okta's and strict refuse it with today's message, naming the
    // switch.
    let entra = connection(&s, json!({"name": "Entra", "clientProfile": "entra"})).await;
    entra.user(&s, "jyoung").await;
    let (status, found) = filtered(&entra, &s, "filter=externalId+eq+ext-jyoung").await;
    assert_eq!(
        (status, found["totalResults"].as_u64()),
        (200, Some(1)),
        "{found}"
    );
    for profile in ["okta", "strict"] {
        let c = connection(&s, json!({"name": profile, "clientProfile": profile})).await;
        c.user(&s, "akadmin").await;
        let (status, body) = filtered(&c, &s, "filter=userName+eq+akadmin").await;
        refused_by(status, &body, "invalidFilter", "unquotedFilterStrings");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("strings are quoted"),
            "{body}"
        );
        let (status, found) = filtered(&c, &s, "filter=userName+eq+%22akadmin%22").await;
        assert_eq!(
            (status, found["totalResults"].as_u64()),
            (200, Some(1)),
            "{found}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn entra_manager_as_a_bare_id_reads_back_as_a_reference() {
    let s = TestServer::start().await;
    let rfc = connection(&s, json!({"name": "Any"})).await;
    let boss = rfc.user(&s, "boss@contoso.com").await;
    let deputy = rfc.user(&s, "deputy@contoso.com").await;
    let reference = |id: &str| json!({"value": id, "$ref": format!("../Users/{id}")});
    // A create whose enterprise extension names the manager by id.
    let (status, created) = rfc
        .call(
            &s,
            Method::POST,
            "/Users",
            &json!({"schemas": [USER, ENTERPRISE], "userName": "worker@contoso.com",
                    ENTERPRISE: {"manager": boss, "department": "Ops"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let worker = format!("/Users/{}", created["id"].as_str().unwrap());
    let (_, read) = rfc.get(&s, &worker).await;
    assert_eq!(read[ENTERPRISE]["manager"], reference(&boss), "{read}");
    // Entra ID's PATCH forms: Add or Replace, the URN path or plain `manager`.
    for (op, path, manager) in [
        ("Add", format!("{ENTERPRISE}:manager"), &deputy),
        ("Replace", format!("{ENTERPRISE}:manager"), &boss),
        ("Add", "manager".to_owned(), &deputy),
        ("Replace", "manager".to_owned(), &boss),
    ] {
        let (status, body) = rfc
            .call(
                &s,
                Method::PATCH,
                &worker,
                &patch(&json!([{"op": op, "path": path, "value": manager}])),
            )
            .await;
        assert_eq!(status, 200, "{op} {path}: {body}");
        let (_, read) = rfc.get(&s, &worker).await;
        assert_eq!(
            read[ENTERPRISE]["manager"],
            reference(manager),
            "{op} {path}"
        );
        assert_eq!(read[ENTERPRISE]["department"], "Ops", "{op} {path}: {read}");
    }
    // A PUT (Okta's AIW apps, accepted by rfc) with the manager as an id.
    let (status, body) = rfc
        .call(
            &s,
            Method::PUT,
            &worker,
            &json!({"schemas": [USER, ENTERPRISE], "userName": "worker@contoso.com",
                    ENTERPRISE: {"manager": deputy}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, read) = rfc.get(&s, &worker).await;
    assert_eq!(read[ENTERPRISE]["manager"], reference(&deputy), "{read}");
    // Three creates, four PATCHes, a PUT and six reads: fourteen records once all are written.
    let records = rfc.records(&s, 14).await;
    let patched: Vec<&Value> = records
        .iter()
        .filter(|r| r["method"] == "PATCH")
        .map(|r| &r["switches"])
        .collect();
    assert_eq!(patched.len(), 4);
    assert!(
        patched
            .iter()
            .all(|sw| sw.as_array().unwrap().contains(&json!("managerAsString"))),
        "{patched:?}"
    );
    // Strict and Okta refuse it, naming the switch, and the user keeps its manager.
    for profile in ["strict", "okta"] {
        let c = connection(&s, json!({"name": profile, "clientProfile": profile})).await;
        let boss = c.user(&s, "boss@contoso.com").await;
        let worker = c.user(&s, "worker@contoso.com").await;
        let (status, body) = c
            .call(
                &s,
                Method::PATCH,
                &format!("/Users/{worker}"),
                &patch(
                    &json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": boss}]),
                ),
            )
            .await;
        refused_by(status, &body, "invalidValue", "managerAsString");
        let (status, body) = c
            .call(
                &s,
                Method::POST,
                "/Users",
                &json!({"schemas": [USER, ENTERPRISE], "userName": "other@contoso.com",
                        ENTERPRISE: {"manager": boss}}),
            )
            .await;
        refused_by(status, &body, "invalidValue", "managerAsString");
        // The object form works everywhere.
        let (status, body) = c
            .call(
                &s,
                Method::PATCH,
                &format!("/Users/{worker}"),
                &patch(&json!([{"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": {"value": boss}}])),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body[ENTERPRISE]["manager"]["value"],
            boss.as_str(),
            "{body}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn an_extension_value_that_carries_its_schemas_is_written_in_every_profile() {
    let s = TestServer::start().await;
    for profile in ["rfc", "entra", "okta", "strict"] {
        let c = connection(&s, json!({"name": profile, "clientProfile": profile})).await;
        let id = c.user(&s, "ada@contoso.com").await;
        let user = format!("/Users/{id}");
        for (op, number) in [("add", "42"), ("replace", "43")] {
            let (status, body) = c
                .call(
                    &s,
                    Method::PATCH,
                    &user,
                    &patch(&json!([{"op": op, "path": ENTERPRISE,
                        "value": {"schemas": [ENTERPRISE], "employeeNumber": number}}])),
                )
                .await;
            assert_eq!(status, 200, "{profile} {op}: {body}");
            let (_, read) = c.get(&s, &user).await;
            assert_eq!(
                read[ENTERPRISE],
                json!({"employeeNumber": number}),
                "{profile} {op}"
            );
            assert!(
                read["schemas"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(ENTERPRISE)),
                "{read}"
            );
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn strict_answers_404_after_delete_and_invalid_syntax_for_undefined_paths() {
    let s = TestServer::start().await;
    let strict = connection(&s, json!({"name": "Strict", "clientProfile": "strict"})).await;
    // §6.6: after DELETE every operation answers 404 — PUT too, although PUT is not accepted.
    let id = strict.user(&s, "gone@contoso.com").await;
    let (status, group) = strict
        .call(
            &s,
            Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Gone"}),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    for (path, body) in [
        (
            format!("/Users/{id}"),
            json!({"schemas": [USER], "userName": "gone@contoso.com"}),
        ),
        (
            format!("/Groups/{group_id}"),
            json!({"schemas": [GROUP], "displayName": "Gone"}),
        ),
    ] {
        let (status, _) = strict.call(&s, Method::DELETE, &path, &Value::Null).await;
        assert_eq!(status, 204);
        for (method, body) in [
            (Method::GET, Value::Null),
            (Method::PUT, body.clone()),
            (
                Method::PATCH,
                patch(&json!([{"op": "replace", "path": "displayName", "value": "x"}])),
            ),
            (Method::DELETE, Value::Null),
        ] {
            let (status, answer) = strict.call(&s, method.clone(), &path, &body).await;
            assert_eq!(status, 404, "{method} {path}: {answer}");
            assert_eq!(answer["status"], "404", "{answer}");
        }
    }
    // An existing resource is still refused PUT with 405.
    let kept = strict.user(&s, "kept@contoso.com").await;
    let (status, _) = strict
        .call(
            &s,
            Method::PUT,
            &format!("/Users/{kept}"),
            &json!({"schemas": [USER], "userName": "kept@contoso.com"}),
        )
        .await;
    assert_eq!(status, 405);

    // §5.3: an undefined attribute is invalidSyntax wherever the request names it.
    let user = format!("/Users/{kept}");
    for operations in [
        json!([{"op": "add", "path": "favouriteColour", "value": "teal"}]),
        json!([{"op": "replace", "path": "name.nickname", "value": "x"}]),
        json!([{"op": "add", "path": "urn:example:made:up:2.0:User:colour", "value": "x"}]),
        json!([{"op": "remove", "path": "favouriteColour"}]),
        json!([{"op": "replace", "path": "name", "value": {"givenName": "A", "nickname": "x"}}]),
    ] {
        let (status, body) = strict
            .call(&s, Method::PATCH, &user, &patch(&operations))
            .await;
        refused_by(status, &body, "invalidSyntax", "unknownAttributes");
    }
    let (_, read) = strict.get(&s, &user).await;
    assert!(
        read.get("favouriteColour").is_none() && read.get("name").is_none(),
        "{read}"
    );
    // Elsewhere RFC 7644's invalidPath stands for a path that cannot be applied.
    let rfc = connection(&s, json!({"name": "Any"})).await;
    let id = rfc.user(&s, "ada@contoso.com").await;
    let (status, body) = rfc
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "replace", "path": "name.nickname", "value": "x"}])),
        )
        .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidPath")),
        "{body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn xmatters_spelling_of_a_value_path_is_read_where_the_profile_accepts_it() {
    const PATH: &str = "emails[type ='Work Email'].value";
    let s = TestServer::start().await;
    for profile in ["rfc", "entra"] {
        let c = connection(&s, json!({"name": profile, "clientProfile": profile})).await;
        let ada = c.user(&s, "ada@contoso.com").await;
        // Entra ID sends the attribute name the admin pasted from xMatters' table as the path.
        let (status, body) = c
            .call(
                &s,
                Method::PATCH,
                &format!("/Users/{ada}"),
                &patch(&json!([{"op": "Add", "path": PATH, "value": "ada@work.example"}])),
            )
            .await;
        assert!(status == 200 || status == 204, "{profile}: {status} {body}");
        let (_, read) = c.get(&s, &format!("/Users/{ada}")).await;
        assert!(
            read["emails"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["type"] == "Work Email" && e["value"] == "ada@work.example"),
            "{profile}: {read}"
        );
        // And matches on it with the same spelling: '=' and single quotes.
        for query in [
            "filter=emails%5Btype+%3D%27Work+Email%27%5D.value+eq+%22ada%40work.example%22",
            "filter=emails%5Btype%3D%27Work+Email%27%5D.value+%3D+%27ada%40work.example%27",
        ] {
            let (status, found) = filtered(&c, &s, query).await;
            assert_eq!(status, 200, "{profile} {query}: {found}");
            assert_eq!(found["totalResults"], 1, "{profile} {query}: {found}");
            assert_eq!(found["Resources"][0]["id"], ada.as_str());
        }
        // The log names the switch: a create, the PATCH, a read and two lookups.
        let records = c.records(&s, 5).await;
        let loose: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["switches"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("looseFilterSyntax"))
            })
            .collect();
        assert_eq!(loose.len(), 3, "{profile}: {records:?}");
    }
    // Okta's and strict refuse both, naming the switch, and the user keeps its emails.
    for profile in ["okta", "strict"] {
        let c = connection(&s, json!({"name": profile, "clientProfile": profile})).await;
        let ada = c.user(&s, "ada@contoso.com").await;
        let (status, body) = c
            .call(
                &s,
                Method::PATCH,
                &format!("/Users/{ada}"),
                &patch(&json!([{"op": "add", "path": PATH, "value": "ada@work.example"}])),
            )
            .await;
        refused_by(status, &body, "invalidFilter", "looseFilterSyntax");
        let (status, body) = filtered(
            &c,
            &s,
            "filter=emails%5Btype+%3D%27Work+Email%27%5D.value+eq+%22ada%40work.example%22",
        )
        .await;
        refused_by(status, &body, "invalidFilter", "looseFilterSyntax");
        let (_, read) = c.get(&s, &format!("/Users/{ada}")).await;
        assert!(!read.to_string().contains("ada@work.example"), "{read}");
    }
    s.stop().await;
}
