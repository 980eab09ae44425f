//! The identity providers' own sequences: Okta's SCIM 2.0 SPEC test and group push, and the
//! request list Microsoft documents for Entra ID — each request as the provider sends it, each
//! answer as the provider expects it.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::client::Auth;
use super::super::{Checked, Ctx, ensure, filter, urlencode};
use super::reading::{list, scim_error};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The fields Okta's SPEC test reads on a user.
fn okta_fields(user: &Value, what: &str) -> Checked {
    for (field, value) in [
        ("id", &user["id"]),
        ("name.familyName", &user["name"]["familyName"]),
        ("name.givenName", &user["name"]["givenName"]),
        ("userName", &user["userName"]),
        ("emails[0].value", &user["emails"][0]["value"]),
    ] {
        ensure!(
            value.as_str().is_some_and(|s| !s.is_empty()),
            "{what}: {field} is missing or empty"
        );
    }
    ensure!(
        user["active"].is_boolean(),
        "{what}: active is not a boolean"
    );
    Ok(())
}

/// Okta's SCIM 2.0 SPEC test, steps 1–12 in order (step 10's timing aside).
pub(crate) async fn okta_spec(c: &mut Ctx) -> Checked {
    // The suite needs one user to exist; this run brings its own.
    c.user().await?;
    let reply = c.get("/Users?count=1&startIndex=1").await;
    let (_, first) = list(&reply, "step 1, GET /Users?count=1&startIndex=1")?;
    ensure!(!first.is_empty(), "step 1: Resources is empty");
    okta_fields(&first[0], "step 1")?;
    let id = first[0]["id"].as_str().unwrap_or_default().to_owned();
    let reply = c.get(&format!("/Users/{}", urlencode(&id))).await;
    ensure!(
        reply.status == 200,
        "step 2: GET /Users/{id} answered {}",
        reply.summary()
    );
    okta_fields(reply.body(), "step 2")?;
    ensure!(
        reply.body()["id"] == id.as_str(),
        "step 2: another id came back"
    );
    for (step, value) in [
        (3, "invalid-user-email"),
        (5, "okta-random-4a9f0d@example.com"),
    ] {
        let reply = c
            .get(&format!(
                "/Users?{}",
                filter(&format!("userName eq \"{value}\""))
            ))
            .await;
        let (total, _) = list(&reply, &format!("step {step}, a filter matching nobody"))?;
        ensure!(total == 0, "step {step}: totalResults {total} instead of 0");
    }
    let reply = c.get("/Users/010101001010101011").await;
    scim_error(&reply, 404, "step 4, GET of an id that does not exist")?;
    let new_id = okta_spec_create(c).await?;
    okta_deactivate_and_reactivate(c, &new_id).await
}

/// Okta's create as it sends it: `application/json`. The created user is remembered for the
/// clean-up.
async fn okta_create(c: &mut Ctx, body: &Value) -> crate::outbound::Reply {
    let reply = c
        .client
        .send_with(
            Method::POST,
            "/Users",
            Some(body),
            Auth::Token,
            "application/json",
        )
        .await;
    c.remember("/Users", &reply);
    reply
}

/// Okta's SPEC test steps 6–12: its create, read, duplicate, filter in capitals, groups, a
/// wrong credential, an unknown id; answers the created user's id.
async fn okta_spec_create(c: &mut Ctx) -> Result<String, super::super::Verdict> {
    // Step 6: Okta's create, sent as application/json, with its placeholder password.
    let name = format!("{}@example.com", c.unique("okta"));
    let body = json!({
        "schemas": [USER], "userName": name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": name, "type": "work"}],
        "displayName": "Test User", "locale": "en-US", "externalId": c.unique("00u"),
        "groups": [], "password": "1mz050nq", "active": true
    });
    let reply = okta_create(c, &body).await;
    ensure!(
        reply.status == 201,
        "step 6: Okta's create answered {} instead of 201",
        reply.summary()
    );
    let created = reply.body().clone();
    ensure!(
        created["active"] == true
            && created["userName"] == name.as_str()
            && created["name"]["familyName"] == "User"
            && created["schemas"]
                .as_array()
                .is_some_and(|s| s.iter().any(|u| u == USER)),
        "step 6: the created user does not echo userName, name, active and the User schema"
    );
    ensure!(
        created.get("password").is_none(),
        "step 6: the answer returns the password"
    );
    let new_id = created["id"].as_str().unwrap_or_default().to_owned();
    let reply = c.get(&format!("/Users/{}", urlencode(&new_id))).await;
    ensure!(
        reply.status == 200,
        "step 7: GET of the new user answered {}",
        reply.summary()
    );
    let reply = okta_create(c, &body).await;
    ensure!(
        reply.status == 409,
        "step 8: the same create again answered {} instead of 409",
        reply.summary()
    );
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("userName eq \"{}\"", name.to_uppercase()))
        ))
        .await;
    ensure!(
        reply.status == 200,
        "step 9: a filter on the userName in capitals answered {}",
        reply.summary()
    );
    let reply = c.get("/Groups").await;
    ensure!(
        reply.status == 200,
        "step 10: GET /Groups answered {}",
        reply.summary()
    );
    let reply = c
        .client
        .send_with(
            Method::GET,
            &format!("/Users?{}", filter(&format!("userName eq \"{name}\""))),
            None,
            Auth::Literal("non-token"),
            "",
        )
        .await;
    scim_error(&reply, 401, "step 11, Authorization: non-token")?;
    let reply = c.get("/Users/00919288221112222").await;
    scim_error(&reply, 404, "step 12, GET /Users/00919288221112222")?;
    Ok(new_id)
}

/// Okta deactivates path-less (its documented body) and reactivates.
async fn okta_deactivate_and_reactivate(c: &mut Ctx, new_id: &str) -> Checked {
    let path = format!("/Users/{}", urlencode(new_id));
    for active in [false, true] {
        let reply = c
            .patch(
                &path,
                &json!([{"op": "replace", "value": {"active": active}}]),
            )
            .await;
        ensure!(
            reply.status == 200 || reply.status == 204,
            "Okta's path-less {} answered {}",
            if active {
                "reactivation"
            } else {
                "deactivation"
            },
            reply.summary()
        );
        ensure!(
            c.active(new_id).await? == Some(active),
            "after Okta's path-less PATCH active is not {active}"
        );
    }
    Ok(())
}

/// Okta's group push: create with no members, path-less rename carrying the id, membership
/// by filter removal and value addition.
pub(crate) async fn okta_group_push(c: &mut Ctx) -> Checked {
    let (a, _, _) = c.user().await?;
    let (b, name_b, _) = c.user().await?;
    let name = c.unique("okta-group");
    let (id, _) = c
        .create(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": name, "members": [{"value": a}]}),
        )
        .await?;
    let path = format!("/Groups/{}", urlencode(&id));
    let renamed = format!("{name} renamed");
    let reply = c
        .patch(
            &path,
            &json!([{"op": "replace", "value": {"id": id, "displayName": renamed}}]),
        )
        .await;
    ensure!(
        reply.status == 200 || reply.status == 204,
        "Okta's path-less rename answered {}",
        reply.summary()
    );
    let reply = c
        .patch(
            &path,
            &json!([
                {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
                {"op": "add", "path": "members", "value": [{"value": b, "display": name_b}]},
            ]),
        )
        .await;
    ensure!(
        reply.status == 200 || reply.status == 204,
        "Okta's membership update answered {}",
        reply.summary()
    );
    let read = c.get(&path).await;
    ensure!(
        read.status == 200,
        "GET of the pushed group answered {}",
        read.summary()
    );
    ensure!(
        read.body()["displayName"] == renamed.as_str(),
        "the rename did not apply"
    );
    let ids: Vec<&str> = read.body()["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str())
        .collect();
    ensure!(
        ids == [b.as_str()],
        "the members are {ids:?}, not just the added user"
    );
    Ok(())
}

/// Entra ID's documented requests U1–U8 and G1–G7 (its Test Connection first), each as
/// Entra sends it and answered as Microsoft documents.
pub(crate) async fn entra_sequence(c: &mut Ctx) -> Checked {
    entra_test_connection(c).await?;
    // U1 create, with Entra's extras (meta, roles, the enterprise schema).
    let name = format!("{}@example.com", c.unique("entra"));
    let body = json!({
        "schemas": [USER, ENTERPRISE], "externalId": c.unique("0a21f0f2"), "userName": name,
        "active": true, "emails": [{"primary": true, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": []
    });
    let (id, created) = c
        .create("/Users", &body)
        .await
        .map_err(|v| prefix("U1", v))?;
    ensure!(
        created["meta"]["created"].is_string() && created["meta"]["lastModified"].is_string(),
        "U1: the created user has no meta.created / meta.lastModified"
    );
    let path = format!("/Users/{}", urlencode(&id));
    let reply = c.get(&path).await;
    ensure!(reply.status == 200, "U2: GET answered {}", reply.summary());
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("userName eq \"{name}\""))
        ))
        .await;
    let (total, _) = list(&reply, "U3")?;
    ensure!(total == 1, "U3: the query by userName found {total} users");
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter("userName eq \"non-existent user\"")
        ))
        .await;
    let (total, _) = list(&reply, "U4")?;
    ensure!(total == 0, "U4: the query for a missing user found {total}");
    // U5: a filtered multi-valued path and a sub-attribute, capitalised ops.
    let updated = format!("updated-{name}");
    let reply = c
        .patch(
            &path,
            &json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": updated},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            ]),
        )
        .await;
    ensure!(reply.status < 300, "U5 answered {}", reply.summary());
    let read = c.get(&path).await;
    ensure!(
        read.body()["emails"][0]["value"] == updated.as_str()
            && read.body()["name"]["familyName"] == "updatedFamilyName",
        "U5 did not apply: emails {} name {}",
        read.body()["emails"],
        read.body()["name"]
    );
    // U6: userName.
    let renamed = format!("renamed-{name}");
    let reply = c
        .patch(
            &path,
            &json!([{"op": "Replace", "path": "userName", "value": renamed}]),
        )
        .await;
    ensure!(reply.status < 300, "U6 answered {}", reply.summary());
    // U7: disable, in the form without the compatibility flag (a string boolean).
    let reply = c
        .patch(
            &path,
            &json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "U7 (\"False\") answered {}",
        reply.summary()
    );
    ensure!(
        c.active(&id).await? == Some(false),
        "U7 left the user active"
    );
    entra_groups(c, &id).await?;
    let reply = c.send(Method::DELETE, &path, None).await;
    ensure!(
        reply.status == 204,
        "U8 answered {} instead of 204",
        reply.summary()
    );
    Ok(())
}

/// Test Connection: the matching attribute with a random GUID finds nobody, answered 200.
async fn entra_test_connection(c: &mut Ctx) -> Checked {
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter("userName eq \"6d2a8c1e-5b0f-4f6e-9a57-1c0d2e3f4a5b\"")
        ))
        .await;
    let (total, _) = list(&reply, "Test Connection's query")?;
    ensure!(total == 0, "Test Connection's query found {total} users");
    Ok(())
}

/// Entra ID's group requests G1–G7, with the user `id` as the member added and removed.
async fn entra_groups(c: &mut Ctx, id: &str) -> Checked {
    let group_name = c.unique("entra-group");
    let group_body = json!({
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": c.unique("8aa1a0c0"), "displayName": group_name,
        "meta": {"resourceType": "Group"}
    });
    let (group, created) = c
        .create("/Groups", &group_body)
        .await
        .map_err(|v| prefix("G1", v))?;
    ensure!(
        created["members"].as_array().is_none_or(Vec::is_empty),
        "G1: the new group has members"
    );
    let gpath = format!("/Groups/{}", urlencode(&group));
    let reply = c.get(&format!("{gpath}?excludedAttributes=members")).await;
    ensure!(
        reply.status == 200 && reply.body().get("members").is_none(),
        "G2 answered {} with members excluded",
        reply.summary()
    );
    let reply = c
        .get(&format!(
            "/Groups?excludedAttributes=members&{}",
            filter(&format!("displayName eq \"{group_name}\""))
        ))
        .await;
    let (total, _) = list(&reply, "G3")?;
    ensure!(
        total == 1,
        "G3: the query by displayName found {total} groups"
    );
    for (step, operation) in [
        (
            "G4",
            json!({"op": "Replace", "path": "displayName", "value": format!("{group_name} updated")}),
        ),
        (
            "G5",
            json!({"op": "Add", "path": "members", "value": [{"$ref": null, "value": id}]}),
        ),
    ] {
        let reply = c.patch(&gpath, &json!([operation])).await;
        ensure!(
            reply.status == 204 || reply.status == 200,
            "{step} answered {}",
            reply.summary()
        );
    }
    let reply = c
        .patch(
            &gpath,
            &json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": id}]}]),
        )
        .await;
    ensure!(
        reply.status == 204 || reply.status == 200,
        "G6 answered {}",
        reply.summary()
    );
    let reply = c.get(&gpath).await;
    ensure!(
        reply.body()["members"].as_array().is_none_or(Vec::is_empty),
        "G6 did not remove the member"
    );
    let reply = c.send(Method::DELETE, &gpath, None).await;
    ensure!(
        reply.status == 204,
        "G7 answered {} instead of 204",
        reply.summary()
    );
    Ok(())
}

fn prefix(step: &str, verdict: super::super::Verdict) -> super::super::Verdict {
    match verdict {
        super::super::Verdict::Fail(why) => super::super::Verdict::Fail(format!("{step}: {why}")),
        skip @ super::super::Verdict::Skip(_) => skip,
    }
}
