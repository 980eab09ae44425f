//! Checks that create, change and delete users.

use reqwest::Method;
use scim_console_core::ClientProfile;
use serde_json::{Value, json};

use super::super::{Checked, Ctx, Verdict, ensure, filter, urlencode, user_body};
use super::reading::{list, scim_error};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn user_path(id: &str) -> String {
    format!("/Users/{}", urlencode(id))
}

/// POST creates a user (201, its id, schema, location) that GET reads back.
pub(crate) async fn create_and_read(c: &mut Ctx) -> Checked {
    let name = format!("{}@example.com", c.unique("user"));
    let body = user_body(&name, &format!("Ext-{}", c.unique("ext")));
    let (id, created) = c.create("/Users", &body).await?;
    ensure!(
        created["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == USER)),
        "the created user's schemas lack {USER}"
    );
    ensure!(
        created["userName"] == name.as_str() && created["active"] == true,
        "the created user echoes userName {} and active {}",
        created["userName"],
        created["active"]
    );
    ensure!(
        created["meta"]["location"]
            .as_str()
            .is_some_and(|l| l.ends_with(&format!("/Users/{id}"))),
        "meta.location {} is not …/Users/{id}",
        created["meta"]["location"]
    );
    let read = c.get(&user_path(&id)).await;
    ensure!(
        read.status == 200,
        "GET /Users/{id} answered {}",
        read.summary()
    );
    ensure!(
        read.body()["id"] == id.as_str() && read.body()["userName"] == name.as_str(),
        "GET /Users/{id} answered another user ({} / {})",
        read.body()["id"],
        read.body()["userName"]
    );
    ensure!(
        read.body()["name"]["familyName"] == "Check"
            && read.body()["emails"][0]["value"] == name.as_str(),
        "GET /Users/{id} lost name.familyName or emails[0].value"
    );
    Ok(())
}

/// A second user with the same userName is 409 uniqueness.
pub(crate) async fn duplicate(c: &mut Ctx) -> Checked {
    let (_, name, _) = c.user().await?;
    let again = user_body(&name, &format!("Ext-{}", c.unique("ext")));
    let reply = c.send(Method::POST, "/Users", Some(&again)).await;
    c.remember("/Users", &reply);
    scim_error(&reply, 409, "a second POST with the same userName")?;
    ensure!(
        reply.body()["scimType"] == "uniqueness",
        "the 409 says scimType {} instead of uniqueness",
        reply.body()["scimType"]
    );
    // A PATCH that would take the same userName is refused alike.
    let (other, _, _) = c.user().await?;
    let reply = c
        .patch(
            &user_path(&other),
            &json!([{"op": "replace", "path": "userName", "value": name}]),
        )
        .await;
    scim_error(&reply, 409, "a PATCH of userName to one already taken")?;
    ensure!(
        reply.body()["scimType"] == "uniqueness",
        "the PATCH's 409 says scimType {} instead of uniqueness",
        reply.body()["scimType"]
    );
    Ok(())
}

/// userName is case-insensitive in filters and uniqueness alike.
pub(crate) async fn user_name_case(c: &mut Ctx) -> Checked {
    let (id, name, _) = c.user().await?;
    let upper = name.to_uppercase();
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("userName eq \"{upper}\""))
        ))
        .await;
    let (total, found) = list(&reply, "a filter on the userName in capitals")?;
    ensure!(
        total == 1 && found.first().is_some_and(|u| u["id"] == id.as_str()),
        "filter userName eq \"{upper}\" found {total} users, not the one created as {name}"
    );
    let again = user_body(&upper, &format!("Ext-{}", c.unique("ext")));
    let reply = c.send(Method::POST, "/Users", Some(&again)).await;
    c.remember("/Users", &reply);
    ensure!(
        reply.status == 409,
        "POST with userName {upper} answered {} although {name} exists (uniqueness must fold case as the filter does)",
        reply.summary()
    );
    Ok(())
}

/// `id` is caseExact: the id in other case is not the user.
pub(crate) async fn id_case(c: &mut Ctx) -> Checked {
    let (id, _, _) = c.user().await?;
    let flipped: String = id
        .chars()
        .map(|ch| {
            if ch.is_lowercase() {
                ch.to_ascii_uppercase()
            } else {
                ch.to_ascii_lowercase()
            }
        })
        .collect();
    if flipped == id {
        return Err(Verdict::Skip(format!("the id {id} has no letters")));
    }
    let reply = c.get(&user_path(&flipped)).await;
    ensure!(
        reply.status == 404,
        "GET /Users/{flipped} (the id {id} in other case) answered {}",
        reply.summary()
    );
    Ok(())
}

/// `externalId` is caseExact in filters.
pub(crate) async fn external_id_case(c: &mut Ctx) -> Checked {
    let name = format!("{}@example.com", c.unique("user"));
    let external = format!("EXT-{}", c.unique("ext")).to_uppercase();
    c.create("/Users", &user_body(&name, &external)).await?;
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("externalId eq \"{}\"", external.to_lowercase()))
        ))
        .await;
    let (total, _) = list(&reply, "a filter on the externalId in lower case")?;
    ensure!(
        total == 0,
        "filter externalId eq (lower case) found {total} users; externalId is caseExact"
    );
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("externalId eq \"{external}\""))
        ))
        .await;
    let (total, _) = list(&reply, "a filter on the externalId")?;
    ensure!(
        total == 1,
        "filter externalId eq \"{external}\" found {total} users"
    );
    Ok(())
}

/// The AL1 filters find the user: userName, externalId, emails[value eq], and
/// emails[type eq "work" and value eq].
pub(crate) async fn al1_filters(c: &mut Ctx) -> Checked {
    let name = format!("{}@example.com", c.unique("user"));
    let external = format!("Ext-{}", c.unique("ext"));
    let (id, _) = c.create("/Users", &user_body(&name, &external)).await?;
    for expression in [
        format!("userName eq \"{name}\""),
        format!("externalId eq \"{external}\""),
        format!("emails[value eq \"{name}\"]"),
        format!("emails[type eq \"work\" and value eq \"{name}\"]"),
        format!("userName eq \"{name}\" and active eq true"),
    ] {
        let reply = c.get(&format!("/Users?{}", filter(&expression))).await;
        let (total, found) = list(&reply, &format!("filter {expression}"))?;
        ensure!(
            total == 1 && found.first().is_some_and(|u| u["id"] == id.as_str()),
            "filter {expression} found {total} users, not the one created"
        );
    }
    Ok(())
}

/// An attribute or schema URI the endpoint does not define is 400 invalidSyntax.
pub(crate) async fn unknown_attributes(c: &mut Ctx) -> Checked {
    for (what, extra) in [
        ("an unknown attribute fooBar", json!({"fooBar": 1})),
        (
            "an unknown schema URI",
            json!({"schemas": [USER, "urn:example:params:scim:schemas:extension:unknown:2.0:User"]}),
        ),
    ] {
        let name = format!("{}@example.com", c.unique("user"));
        let mut body = user_body(&name, &format!("Ext-{}", c.unique("ext")));
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let reply = c.send(Method::POST, "/Users", Some(&body)).await;
        c.remember("/Users", &reply);
        if reply.status < 300 {
            c.lenient_accepted.push(format!("a user with {what}"));
        }
        scim_error(&reply, 400, &format!("POST /Users with {what}"))?;
        ensure!(
            reply.body()["scimType"] == "invalidSyntax",
            "POST /Users with {what} answered scimType {} instead of invalidSyntax",
            reply.body()["scimType"]
        );
    }
    Ok(())
}

/// A PATCH that names an attribute the schema does not define — as its path, as a
/// sub-attribute, or inside its value object — is 400 invalidSyntax and changes nothing.
pub(crate) async fn undefined_patch_paths(c: &mut Ctx) -> Checked {
    let (id, _, _) = c.user().await?;
    let path = user_path(&id);
    for (what, operations) in [
        (
            "the path fooBar",
            json!([{"op": "add", "path": "fooBar", "value": "x"}]),
        ),
        (
            "the path name.fooBar",
            json!([{"op": "replace", "path": "name.fooBar", "value": "x"}]),
        ),
        (
            "name with fooBar in its value",
            json!([{"op": "replace", "path": "name", "value": {"givenName": "Undefined", "fooBar": "x"}}]),
        ),
    ] {
        let reply = c.patch(&path, &operations).await;
        if reply.status < 300 {
            c.lenient_accepted
                .push(format!("a PATCH of {what} (an undefined attribute)"));
        }
        scim_error(&reply, 400, &format!("a PATCH of {what}"))?;
        ensure!(
            reply.body()["scimType"] == "invalidSyntax",
            "a PATCH of {what} answered scimType {} instead of invalidSyntax",
            reply.body()["scimType"]
        );
    }
    let read = c.get(&path).await;
    ensure!(
        read.body()["name"]["givenName"] != "Undefined",
        "a refused PATCH still changed name.givenName"
    );
    Ok(())
}

/// A PATCH operation without `path` is 400 invalidSyntax, and changes nothing.
pub(crate) async fn pathless_patch_refused(c: &mut Ctx) -> Checked {
    let (id, _, _) = c.user().await?;
    let reply = c
        .patch(
            &user_path(&id),
            &json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    if reply.status < 300 {
        c.lenient_accepted
            .push("a PATCH operation without a path".into());
    }
    scim_error(&reply, 400, "a PATCH replace without a path")?;
    ensure!(
        reply.body()["scimType"] == "invalidSyntax",
        "the path-less PATCH answered scimType {} instead of invalidSyntax",
        reply.body()["scimType"]
    );
    ensure!(
        c.active(&id).await? == Some(true),
        "the refused PATCH still deactivated the user"
    );
    Ok(())
}

/// `add` and `replace` do the same to a singular attribute; `replace` of `name` clears what
/// it leaves out, `add` keeps it.
pub(crate) async fn add_and_replace(c: &mut Ctx) -> Checked {
    let (id, _, _) = c.user().await?;
    let path = user_path(&id);
    let reply = c
        .patch(
            &path,
            &json!([{"op": "add", "path": "active", "value": false}]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "PATCH add active answered {}",
        reply.summary()
    );
    ensure!(
        c.active(&id).await? == Some(false),
        "add on active did not deactivate the user as replace does"
    );
    let reply = c.patch(&path, &json!([
                {"op": "add", "path": "name.middleName", "value": "Middle"},
                {"op": "replace", "path": "name", "value": {"givenName": "Only", "familyName": "Given"}},
            ]))
        .await;
    ensure!(
        reply.status < 300,
        "PATCH replace name answered {}",
        reply.summary()
    );
    let read = c.get(&path).await;
    ensure!(
        read.body()["name"]["middleName"].is_null() && read.body()["name"]["givenName"] == "Only",
        "replace of name kept middleName {} (a replace of a complex attribute replaces all of it)",
        read.body()["name"]["middleName"]
    );
    let reply = c
        .patch(
            &path,
            &json!([
                {"op": "add", "path": "name", "value": {"middleName": "Kept"}},
            ]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "PATCH add name answered {}",
        reply.summary()
    );
    let read = c.get(&path).await;
    ensure!(
        read.body()["name"]["givenName"] == "Only" && read.body()["name"]["middleName"] == "Kept",
        "add of name did not merge: {}",
        read.body()["name"]
    );
    // Multi-valued without a filter: replace sets the whole list, add appends.
    let only = format!("{}@example.com", c.unique("only"));
    let more = format!("{}@example.com", c.unique("more"));
    for (op, value, expected) in [
        ("replace", &only, vec![only.clone()]),
        ("add", &more, vec![only.clone(), more.clone()]),
    ] {
        let reply = c
            .patch(
                &path,
                &json!([{"op": op, "path": "emails", "value": [{"value": value, "type": "home"}]}]),
            )
            .await;
        ensure!(
            reply.status < 300,
            "PATCH {op} emails answered {}",
            reply.summary()
        );
        let read = c.get(&path).await;
        let mut emails: Vec<String> = read.body()["emails"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["value"].as_str().map(str::to_owned))
            .collect();
        emails.sort();
        let mut want = expected;
        want.sort();
        ensure!(
            emails == want,
            "after {op} of emails they are {emails:?}, not {want:?}"
        );
    }
    Ok(())
}

/// One PATCH with operations on three paths applies all three.
pub(crate) async fn multi_operation_patch(c: &mut Ctx) -> Checked {
    let (id, _, _) = c.user().await?;
    let path = user_path(&id);
    let reply = c
        .patch(
            &path,
            &json!([
                {"op": "replace", "path": "displayName", "value": "Three Ops"},
                {"op": "replace", "path": "name.familyName", "value": "Ops"},
                {"op": "replace", "path": "active", "value": false},
            ]),
        )
        .await;
    ensure!(reply.status < 300, "the PATCH answered {}", reply.summary());
    let read = c.get(&path).await;
    let b = read.body();
    ensure!(
        b["displayName"] == "Three Ops" && b["name"]["familyName"] == "Ops" && b["active"] == false,
        "not every operation applied: displayName {}, name.familyName {}, active {}",
        b["displayName"],
        b["name"]["familyName"],
        b["active"]
    );
    Ok(())
}

/// A deactivation form: what it is, the request, and which profiles' clients send it.
struct Form {
    name: &'static str,
    lenient: bool,
    expected_by: &'static [ClientProfile],
}

const FORMS: [Form; 4] = [
    Form {
        name: "the RFC form {\"op\":\"replace\",\"path\":\"active\",\"value\":false}",
        lenient: false,
        expected_by: &[
            ClientProfile::Strict,
            ClientProfile::Entra,
            ClientProfile::Okta,
            ClientProfile::Rfc,
        ],
    },
    Form {
        name: "Okta's path-less {\"op\":\"replace\",\"value\":{\"active\":false}}",
        lenient: true,
        expected_by: &[ClientProfile::Okta, ClientProfile::Rfc],
    },
    Form {
        name: "Entra's {\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}",
        lenient: true,
        expected_by: &[ClientProfile::Entra, ClientProfile::Rfc],
    },
    Form {
        name: "a PUT with \"active\": false",
        lenient: false,
        expected_by: &[ClientProfile::Okta, ClientProfile::Rfc],
    },
];

/// A leaver never stays active: every deactivation form either deactivates the user or is
/// refused with an error — never answered 2xx with the user still active; and the forms the
/// profile's client sends are accepted.
pub(crate) async fn leaver_never_active(c: &mut Ctx) -> Checked {
    let (id, name, _) = c.user().await?;
    let path = user_path(&id);
    let profile = c.profile;
    for (i, form) in FORMS.iter().enumerate() {
        // Active again first.
        let reply = c
            .patch(
                &path,
                &json!([{"op": "replace", "path": "active", "value": true}]),
            )
            .await;
        ensure!(
            reply.status < 300,
            "reactivating answered {}",
            reply.summary()
        );
        let reply = match i {
            0 => {
                c.patch(
                    &path,
                    &json!([{"op": "replace", "path": "active", "value": false}]),
                )
                .await
            }
            1 => {
                c.patch(
                    &path,
                    &json!([{"op": "replace", "value": {"active": false}}]),
                )
                .await
            }
            2 => {
                c.patch(
                    &path,
                    &json!([{"op": "Replace", "path": "active", "value": "False"}]),
                )
                .await
            }
            _ => {
                let mut body = user_body(&name, "unused");
                body["active"] = json!(false);
                if let Some(b) = body.as_object_mut() {
                    b.remove("externalId");
                }
                c.send(Method::PUT, &path, Some(&body)).await
            }
        };
        let active = c.active(&id).await?;
        if reply.status < 300 {
            ensure!(
                active == Some(false),
                "{} was answered {} but the user is still active: the leaver keeps access",
                form.name,
                reply.status
            );
            if form.lenient {
                c.lenient_accepted.push(form.name.to_owned());
            }
        } else {
            ensure!(
                reply.status >= 400 && reply.status < 500,
                "{} was answered {}",
                form.name,
                reply.summary()
            );
            ensure!(
                !form.expected_by.contains(&profile),
                "{} — which the {} profile's client sends — was refused ({}): its leavers would stay active",
                form.name,
                c.profile_name(),
                reply.summary()
            );
        }
    }
    Ok(())
}

/// A deactivation is judged by what it changes: a user created with values a stricter rule
/// could dislike (a phone number not in E.164, a locale and a time zone) is deactivated by a
/// PATCH of `active` alone, and the answer never refuses it for the values it did not send.
pub(crate) async fn deactivation_judged_by_change(c: &mut Ctx) -> Checked {
    let name = format!("{}@example.com", c.unique("user"));
    let mut body = user_body(&name, &format!("Ext-{}", c.unique("ext")));
    body["phoneNumbers"] = json!([{"type": "work", "value": "425 555 0100"}]);
    body["locale"] = json!("en_US");
    body["title"] = json!("Leaver");
    let reply = c.send(Method::POST, "/Users", Some(&body)).await;
    c.remember("/Users", &reply);
    let id = if reply.status == 201 {
        reply.body()["id"].as_str().unwrap_or_default().to_owned()
    } else {
        // The endpoint refuses such values outright: the deactivation of a user it accepted
        // must go through all the same.
        c.user().await?.0
    };
    let reply = c
        .patch(
            &user_path(&id),
            &json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "a PATCH of active alone was refused ({}): the leaver stays active because of attributes the request did not change",
        reply.summary()
    );
    ensure!(
        c.active(&id).await? == Some(false),
        "the PATCH of active to false was answered {} but the user is still active",
        reply.status
    );
    Ok(())
}

/// A user created and deleted (204): answers its path and userName.
async fn deleted_user(c: &mut Ctx) -> Result<(String, String), Verdict> {
    let (id, name, _) = c.user().await?;
    let path = user_path(&id);
    let reply = c.send(Method::DELETE, &path, None).await;
    ensure!(
        reply.status == 204,
        "DELETE answered {} instead of 204",
        reply.summary()
    );
    Ok((path, name))
}

/// DELETE deletes: the user is gone from reads, PATCH, filters, and its userName is free.
pub(crate) async fn delete_deletes(c: &mut Ctx) -> Checked {
    let (path, name) = deleted_user(c).await?;
    let reply = c.get(&path).await;
    ensure!(
        reply.status == 404,
        "GET after DELETE answered {} (a DELETE must delete, not deactivate)",
        reply.summary()
    );
    let reply = c
        .patch(
            &path,
            &json!([{"op": "replace", "path": "active", "value": true}]),
        )
        .await;
    ensure!(
        reply.status == 404,
        "PATCH after DELETE answered {}",
        reply.summary()
    );
    let reply = c
        .get(&format!(
            "/Users?{}",
            filter(&format!("userName eq \"{name}\""))
        ))
        .await;
    let (total, _) = list(&reply, "a filter on the deleted userName")?;
    ensure!(
        total == 0,
        "the deleted user is still found by its userName"
    );
    let again = user_body(&name, &format!("Ext-{}", c.unique("ext")));
    let reuse = c.send(Method::POST, "/Users", Some(&again)).await;
    c.remember("/Users", &reuse);
    ensure!(
        reuse.status == 201,
        "POST with the deleted user's userName answered {} instead of 201",
        reuse.summary()
    );
    Ok(())
}

/// After DELETE every operation on the resource answers 404 — PUT too, even where PUT is not
/// accepted: whether the resource exists is decided before the method's acceptability.
pub(crate) async fn deleted_404_every_method(c: &mut Ctx) -> Checked {
    let (path, name) = deleted_user(c).await?;
    let mut put = user_body(&name, "unused");
    if let Some(b) = put.as_object_mut() {
        b.remove("externalId");
    }
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Deleted"}]
    });
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(&put)),
        (Method::PATCH, Some(&rename)),
        (Method::DELETE, None),
    ] {
        let reply = c.send(method.clone(), &path, body).await;
        ensure!(
            reply.status == 404,
            "{method} after DELETE answered {} instead of 404",
            reply.summary()
        );
    }
    Ok(())
}

/// Resources live at `/{endpoint}/{id}` only: not at their userName, and each endpoint lists
/// only its own resource type.
pub(crate) async fn canonical_uri(c: &mut Ctx) -> Checked {
    let (_, name, _) = c.user().await?;
    let reply = c.get(&user_path(&name)).await;
    ensure!(
        reply.status == 404,
        "GET /Users/{{userName}} answered {} (resources are addressed by id only)",
        reply.summary()
    );
    for (endpoint, kind) in [("/Users", "User"), ("/Groups", "Group")] {
        let reply = c.get(&format!("{endpoint}?count=20")).await;
        let (_, resources) = list(&reply, &format!("GET {endpoint}"))?;
        ensure!(
            resources.iter().all(|r| r["meta"]["resourceType"] == kind),
            "GET {endpoint} listed a resource whose meta.resourceType is not {kind}"
        );
    }
    Ok(())
}

/// `POST /Bulk` runs operations with `bulkId` references and answers each one's status.
pub(crate) async fn bulk(c: &mut Ctx) -> Checked {
    let name = format!("{}@example.com", c.unique("bulk"));
    let group = c.unique("bulk-group");
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_body(&name, &format!("Ext-{name}"))},
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": group, "members": [{"value": "bulkId:u1"}]}}
        ]
    });
    let reply = c.send(Method::POST, "/Bulk", Some(&body)).await;
    ensure!(
        reply.status == 200,
        "POST /Bulk answered {}",
        reply.summary()
    );
    let operations = reply.body()["Operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        operations.len() == 2,
        "the BulkResponse has {} operations, not 2",
        operations.len()
    );
    let mut user_id = None;
    for (op, endpoint) in operations.iter().zip(["/Users", "/Groups"]) {
        let status = match &op["status"] {
            Value::String(s) => s.parse::<u16>().unwrap_or_default(),
            Value::Number(n) => u16::try_from(n.as_u64().unwrap_or_default()).unwrap_or_default(),
            _ => 0,
        };
        let location = op["location"].as_str().unwrap_or_default();
        if let Some(id) = location
            .rsplit('/')
            .next()
            .filter(|id| !id.is_empty() && status == 201)
        {
            c.created.push(super::super::Created {
                path: format!("{endpoint}/{}", urlencode(id)),
            });
            if endpoint == "/Users" {
                user_id = Some(id.to_owned());
            }
        }
        ensure!(
            status == 201,
            "the bulk {endpoint} operation answered status {}",
            op["status"]
        );
    }
    let reply = c
        .get(&format!(
            "/Groups?{}",
            filter(&format!("displayName eq \"{group}\""))
        ))
        .await;
    let (total, found) = list(&reply, "a filter on the group created in bulk")?;
    ensure!(total == 1, "the group created in bulk is not found");
    let members: Vec<&str> = found[0]["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str())
        .collect();
    ensure!(
        user_id.as_deref().is_some_and(|u| members == [u]),
        "bulkId:u1 did not resolve to the user created in the same request (members {members:?})"
    );
    Ok(())
}
