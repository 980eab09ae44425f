//! Client profiles over real HTTP: `strict` refuses every form the interoperability profile
//! forbids (naming the switch that would accept it) and is the only profile that claims
//! `interopProfileConformant`; `rfc`, `entra` and `okta` accept what their clients send, and
//! the provisioning log names the switch that let each such request through.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use crate::common::{Connection, TestServer, connection, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

impl Connection {
    pub(crate) async fn user(&self, s: &TestServer, name: &str) -> String {
        let (status, created) = self
            .call(
                s,
                Method::POST,
                "/Users",
                &json!({"schemas": [USER], "userName": name, "externalId": format!("ext-{name}"),
                        "emails": [{"type": "work", "value": name, "primary": true}], "active": true}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Its provisioning log records, newest first, once there are at least `count`.
    pub(crate) async fn records(&self, s: &TestServer, count: usize) -> Vec<Value> {
        for _ in 0..250 {
            let (status, page) = parts(
                s.admin(
                    Method::GET,
                    &format!("/api/logs?configuration={}&limit=1000", self.id),
                )
                .send()
                .await
                .unwrap(),
            )
            .await;
            assert_eq!(status, 200, "{page}");
            let entries = page["entries"].as_array().unwrap().clone();
            if entries.len() >= count {
                return entries;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the log did not reach {count} records");
    }
}

pub(crate) fn patch(operations: &Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// Asserts a 400 whose detail names the switch that would have accepted the request.
pub(crate) fn refused_by(status: u16, body: &Value, scim_type: &str, switch: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["scimType"], scim_type, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains(switch),
        "the error names the switch {switch}: {body}"
    );
}

#[tokio::test]
async fn strict_refuses_every_lenient_form_and_alone_claims_conformance() {
    let s = TestServer::start().await;
    let strict = connection(&s, json!({"name": "Strict", "clientProfile": "strict"})).await;
    assert_eq!(strict.created["clientProfile"], "strict");
    assert_eq!(strict.created["interopProfileConformant"], true);
    assert_eq!(strict.created["overriddenSwitches"], json!([]));
    let (_, spc) = strict.get(&s, "/ServiceProviderConfig").await;
    assert_eq!(spc["interopProfileConformant"], true, "{spc}");
    let rfc = connection(&s, json!({"name": "Any"})).await;
    assert_eq!(rfc.created["clientProfile"], "rfc");
    let (_, spc) = rfc.get(&s, "/ServiceProviderConfig").await;
    // Left out, not false: strict clients (scim2-models) refuse an attribute RFC 7643 §5 does
    // not define, and the interoperability profile lets a non-conforming server omit it.
    assert!(spc.get("interopProfileConformant").is_none(), "{spc}");
    assert!(spc["pagination"].is_object(), "{spc}");

    // /Schemas lists no password in strict (IPSIE AL2 §6.1.2), and does in rfc.
    let names = |schemas: &Value| -> Vec<String> {
        schemas["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == USER)
            .unwrap()["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, schemas) = strict.get(&s, "/Schemas").await;
    assert!(!names(&schemas).contains(&"password".to_owned()));
    let (_, one) = strict.get(&s, &format!("/Schemas/{USER}")).await;
    assert!(!one.to_string().contains("\"password\""), "{one}");
    let (_, schemas) = rfc.get(&s, "/Schemas").await;
    assert!(names(&schemas).contains(&"password".to_owned()));

    let id = strict.user(&s, "ada@contoso.com").await;
    let user = format!("/Users/{id}");
    // Each form the profiles forbid: 400 with its scimType, naming the switch that accepts it.
    let user_body = |extra: Value| {
        let mut body = json!({"schemas": [USER], "userName": "x@contoso.com"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let refused: [(Method, &str, Value, &str, &str); 7] = [
        // Okta's path-less deactivate (interop §6.5.1.1).
        (
            Method::PATCH,
            &user,
            patch(&json!([{"op": "replace", "value": {"active": false}}])),
            "invalidSyntax",
            "pathlessPatch",
        ),
        // Entra's capitalised op.
        (
            Method::PATCH,
            &user,
            patch(&json!([{"op": "Replace", "path": "active", "value": false}])),
            "invalidSyntax",
            "anyCaseOps",
        ),
        // Entra's string boolean.
        (
            Method::PATCH,
            &user,
            patch(&json!([{"op": "replace", "path": "active", "value": "False"}])),
            "invalidValue",
            "stringBooleans",
        ),
        // A PATCH without its schema.
        (
            Method::PATCH,
            &user,
            json!({"Operations": [{"op": "replace", "path": "active", "value": false}]}),
            "invalidSyntax",
            "patchWithoutSchemas",
        ),
        // Unknown attributes and schema URIs (interop §5.3).
        (
            Method::POST,
            "/Users",
            user_body(json!({"favouriteColour": "green"})),
            "invalidSyntax",
            "unknownAttributes",
        ),
        (
            Method::POST,
            "/Users",
            user_body(json!({"schemas": [USER, "urn:example:made:up"]})),
            "invalidSyntax",
            "unknownAttributes",
        ),
        // Okta's placeholder password (IPSIE AL2 §6.1.2).
        (
            Method::POST,
            "/Users",
            user_body(json!({"password": "1mz050nq"})),
            "invalidSyntax",
            "placeholderPassword",
        ),
    ];
    for (method, path, body, scim_type, switch) in refused {
        let (status, answer) = strict.call(&s, method, path, &body).await;
        refused_by(status, &answer, scim_type, switch);
    }
    // PUT: 405, use PATCH.
    let (status, body) = strict
        .call(
            &s,
            Method::PUT,
            &user,
            &json!({"schemas": [USER], "userName": "ada@contoso.com"}),
        )
        .await;
    assert_eq!(status, 405, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("acceptPut"),
        "{body}"
    );
    // A PATCH is still answered (and a valid one works).
    let (status, body) = strict
        .call(
            &s,
            Method::PATCH,
            &user,
            &patch(&json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);

    // Entra's member removal with a value list: refused, and the group keeps its members.
    let other = strict.user(&s, "grace@contoso.com").await;
    let (status, group) = strict
        .call(
            &s,
            Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Pilots",
            "members": [{"value": id}, {"value": other}]}),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_path = format!("/Groups/{}", group["id"].as_str().unwrap());
    let (status, body) = strict
        .call(
            &s,
            Method::PATCH,
            &group_path,
            &patch(&json!([{"op": "remove", "path": "members", "value": [{"value": id}]}])),
        )
        .await;
    refused_by(status, &body, "invalidSyntax", "removeListedValues");
    let (_, kept) = strict.get(&s, &group_path).await;
    assert_eq!(kept["members"].as_array().unwrap().len(), 2, "{kept}");
    // The IPSIE form works: members[value eq "…"].
    let (status, body) = strict
        .call(
            &s,
            Method::PATCH,
            &group_path,
            &patch(&json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}])),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, kept) = strict.get(&s, &group_path).await;
    assert_eq!(kept["members"].as_array().unwrap().len(), 1, "{kept}");
    assert_eq!(kept["members"][0]["value"], other.as_str(), "{kept}");

    // Overriding one switch drops the claim.
    let mut switches = strict.created["compatibility"].clone();
    switches["pathlessPatch"] = json!(true);
    let (status, updated) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/configurations/{}", strict.id)),
            &json!({"compatibility": switches}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["clientProfile"], "strict");
    assert_eq!(updated["overriddenSwitches"], json!(["pathlessPatch"]));
    assert_eq!(updated["interopProfileConformant"], false);
    let (_, spc) = strict.get(&s, "/ServiceProviderConfig").await;
    assert!(spc.get("interopProfileConformant").is_none(), "{spc}");
    // Picking the profile again resets every switch.
    let (status, updated) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/configurations/{}", strict.id)),
            &json!({"clientProfile": "strict"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["interopProfileConformant"], true);
    s.stop().await;
}

#[tokio::test]
async fn strict_meets_the_profiles_data_and_query_rules() {
    let s = TestServer::start().await;
    let strict = connection(&s, json!({"name": "Strict", "clientProfile": "strict"})).await;
    // ResourceType id equals name (interop §5.1).
    let (_, types) = strict.get(&s, "/ResourceTypes").await;
    for rt in types["Resources"].as_array().unwrap() {
        assert_eq!(rt["id"], rt["name"], "{rt}");
    }
    // canonicalValues for every type sub-attribute (interop §5.4).
    let (_, user_schema) = strict.get(&s, &format!("/Schemas/{USER}")).await;
    for attribute in user_schema["attributes"].as_array().unwrap() {
        if let Some(subs) = attribute["subAttributes"].as_array()
            && let Some(kind) = subs.iter().find(|a| a["name"] == "type")
        {
            assert!(
                !kind["canonicalValues"].as_array().unwrap().is_empty(),
                "{}.type has canonicalValues",
                attribute["name"]
            );
        }
    }
    let id = strict.user(&s, "JSmith@contoso.com").await;
    // userName: case-insensitive in filters and uniqueness alike (§5.2).
    let (status, found) = strict
        .get(&s, "/Users?filter=userName%20eq%20%22jsmith@contoso.com%22")
        .await;
    assert_eq!(
        (status, found["totalResults"].as_u64()),
        (200, Some(1)),
        "{found}"
    );
    let (status, body) = strict
        .call(
            &s,
            Method::POST,
            "/Users",
            &json!({"schemas": [USER], "userName": "jsmith@CONTOSO.com"}),
        )
        .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );
    // id and externalId: caseExact.
    let (status, _) = strict
        .get(&s, &format!("/Users/{}", id.to_uppercase()))
        .await;
    assert_eq!(status, 404);
    let (_, found) = strict
        .get(
            &s,
            "/Users?filter=externalId%20eq%20%22EXT-JSMITH@CONTOSO.COM%22",
        )
        .await;
    assert_eq!(found["totalResults"], 0, "{found}");
    // An unknown attribute in a filter: 400 invalidFilter (§6.3).
    let (status, body) = strict
        .get(&s, "/Users?filter=noSuchAttr%20eq%20%22x%22")
        .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidFilter")),
        "{body}"
    );
    // The IPSIE AL1 filters.
    for filter in [
        "emails[value eq \"JSmith@contoso.com\"]",
        "emails[type eq \"work\" and value eq \"JSmith@contoso.com\"]",
        "externalId eq \"ext-JSmith@contoso.com\"",
    ] {
        let (status, found) = strict
            .get(&s, &format!("/Users?filter={}", urlencoding(filter)))
            .await;
        assert_eq!(
            (status, found["totalResults"].as_u64()),
            (200, Some(1)),
            "{filter}: {found}"
        );
    }
    // A count above the maximum page answers fewer, not an error (§6.4).
    let (status, page) = strict.get(&s, "/Users?count=100000").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["itemsPerPage"], 1);
    // 50 member operations in one PATCH, and members[value eq] finds the group (AL2 §6.2).
    let mut members = Vec::new();
    for i in 0..50 {
        members.push(strict.user(&s, &format!("member{i}@contoso.com")).await);
    }
    let (status, group) = strict
        .call(
            &s,
            Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Everyone"}),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap();
    let operations: Vec<Value> = members
        .iter()
        .map(|m| json!({"op": "add", "path": "members", "value": [{"value": m}]}))
        .collect();
    let (status, body) = strict
        .call(
            &s,
            Method::PATCH,
            &format!("/Groups/{group_id}"),
            &patch(&json!(operations)),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, found) = strict
        .get(
            &s,
            &format!(
                "/Groups?filter={}",
                urlencoding(&format!("members[value eq \"{}\"]", members[7]))
            ),
        )
        .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    // 50 operations of which the last fails: none applied.
    let mut operations: Vec<Value> = members
        .iter()
        .take(49)
        .map(|m| json!({"op": "remove", "path": format!("members[value eq \"{m}\"]")}))
        .collect();
    operations.push(json!({"op": "replace", "path": "displayName", "value": 42}));
    let (status, _) = strict
        .call(
            &s,
            Method::PATCH,
            &format!("/Groups/{group_id}"),
            &patch(&json!(operations)),
        )
        .await;
    assert_eq!(status, 400);
    let (_, group) = strict.get(&s, &format!("/Groups/{group_id}")).await;
    assert_eq!(group["members"].as_array().unwrap().len(), 50, "atomic");
    // DELETE really deletes, and the userName can be reused (§6.6).
    let (status, _) = strict
        .call(&s, Method::DELETE, &format!("/Users/{id}"), &Value::Null)
        .await;
    assert_eq!(status, 204);
    let (status, _) = strict.get(&s, &format!("/Users/{id}")).await;
    assert_eq!(status, 404);
    strict.user(&s, "JSmith@contoso.com").await;
    s.stop().await;
}

fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn lenient_profiles_accept_their_clients_and_the_log_names_the_switch() {
    let s = TestServer::start().await;
    let rfc = connection(&s, json!({"name": "Any"})).await;
    let id = rfc.user(&s, "ada@contoso.com").await;
    let other = rfc.user(&s, "grace@contoso.com").await;
    // Entra's disable: capitalised op, string boolean.
    let (status, body) = rfc
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    // Okta's create with its placeholder password.
    let (status, body) = rfc
        .call(
            &s,
            Method::POST,
            "/Users",
            &json!({"schemas": [USER], "userName": "okta@contoso.com",
            "password": "1mz050nq", "groups": [], "active": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("password").is_none());
    // Entra's member removal with a value list removes only that member.
    let (_, group) = rfc
        .call(
            &s,
            Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Pilots",
            "members": [{"value": id}, {"value": other}]}),
        )
        .await;
    let group_path = format!("/Groups/{}", group["id"].as_str().unwrap());
    let (status, _) = rfc
        .call(
            &s,
            Method::PATCH,
            &group_path,
            &patch(&json!([{"op": "Remove", "path": "members", "value": [{"value": id}]}])),
        )
        .await;
    assert_eq!(status, 204);
    let (_, kept) = rfc.get(&s, &group_path).await;
    assert_eq!(kept["members"].as_array().unwrap().len(), 1, "{kept}");
    // A plain RFC request uses no switch.
    let (status, _) = rfc
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{other}"),
            &patch(&json!([{"op": "replace", "path": "displayName", "value": "Grace"}])),
        )
        .await;
    assert_eq!(status, 200);
    // Okta's PUT.
    let (status, _) = rfc
        .call(
            &s,
            Method::PUT,
            &format!("/Users/{other}"),
            &json!({"schemas": [USER], "userName": "grace@contoso.com", "active": true}),
        )
        .await;
    assert_eq!(status, 200);

    let records = rfc.records(&s, 9).await;
    let switches_of = |method: &str, name_part: &str| -> Vec<Value> {
        records
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().unwrap().contains(name_part))
            .map(|r| r["switches"].clone())
            .collect()
    };
    assert_eq!(
        switches_of("PATCH", &id),
        [json!(["stringBooleans", "anyCaseOps"])]
    );
    let okta_create = records
        .iter()
        .find(|r| r["resourceName"] == "okta@contoso.com")
        .unwrap();
    assert_eq!(okta_create["switches"], json!(["placeholderPassword"]));
    let member_removal = records
        .iter()
        .find(|r| r["method"] == "PATCH" && r["resourceType"] == "Group")
        .unwrap();
    assert_eq!(
        member_removal["switches"],
        json!(["anyCaseOps", "removeListedValues"])
    );
    assert_eq!(
        switches_of("PATCH", &other),
        [json!([])],
        "a plain request names no switch"
    );
    assert_eq!(switches_of("PUT", &other), [json!(["acceptPut"])]);

    // The Okta profile refuses Entra's forms but takes Okta's path-less deactivate.
    let okta = connection(&s, json!({"name": "Okta", "identityProvider": "okta"})).await;
    assert_eq!(okta.created["clientProfile"], "okta");
    let id = okta.user(&s, "ada@contoso.com").await;
    let (status, body) = okta
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "Replace", "path": "active", "value": false}])),
        )
        .await;
    refused_by(status, &body, "invalidSyntax", "anyCaseOps");
    let (status, body) = okta
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    // The Entra profile refuses PUT.
    let entra = connection(&s, json!({"name": "Entra", "clientProfile": "entra"})).await;
    let id = entra.user(&s, "ada@contoso.com").await;
    let (status, _) = entra
        .call(
            &s,
            Method::PUT,
            &format!("/Users/{id}"),
            &json!({"schemas": [USER], "userName": "ada@contoso.com"}),
        )
        .await;
    assert_eq!(status, 405);
    s.stop().await;
}

#[tokio::test]
async fn the_patch_answer_follows_its_switch_and_profiles_are_documented() {
    let s = TestServer::start().await;
    let mut switches = json!({});
    let (status, profiles) = parts(
        s.admin(Method::GET, "/api/client-profiles")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{profiles}");
    let names: Vec<&str> = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["entra", "okta", "rfc", "strict"]);
    let documented: Vec<&str> = profiles["switches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for (name, value) in profiles["profiles"][2]["compatibility"]
        .as_object()
        .unwrap()
    {
        assert!(documented.contains(&name.as_str()), "{name} is documented");
        switches[name] = value.clone();
    }
    switches["patchAnswer"] = json!("noContent");
    let c = connection(&s, json!({"name": "Quiet", "compatibility": switches})).await;
    let id = c.user(&s, "ada@contoso.com").await;
    let (status, _) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await;
    assert_eq!(status, 204);
    // Naming attributes always gets them.
    let (status, body) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}?attributes=active"),
            &patch(&json!([{"op": "replace", "path": "active", "value": true}])),
        )
        .await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    switches["patchAnswer"] = json!("resource");
    let (status, _) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/configurations/{}", c.id)),
            &json!({"compatibility": switches}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (_, group) = c
        .call(
            &s,
            Method::POST,
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Pilots"}),
        )
        .await;
    let (status, body) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Groups/{}", group["id"].as_str().unwrap()),
            &patch(&json!([{"op": "add", "path": "members", "value": [{"value": id}]}])),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"][0]["value"], id.as_str());
    s.stop().await;
}

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A GET of `/Users` with `filter` written into the query as a client writes it.
pub(crate) async fn filtered(c: &Connection, s: &TestServer, query: &str) -> (u16, Value) {
    c.get(s, &format!("/Users?{query}")).await
}
