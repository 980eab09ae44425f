//! Checks that create and change groups.

use reqwest::Method;
use scim_console_core::ClientProfile;
use serde_json::{Value, json};

use super::super::{Checked, Ctx, Verdict, ensure, filter, urlencode};
use super::reading::list;

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn group_path(id: &str) -> String {
    format!("/Groups/{}", urlencode(id))
}

/// A group under the run's prefix with these members; answers its id and displayName.
async fn group(c: &mut Ctx, members: &[&str]) -> Result<(String, String), Verdict> {
    let name = c.unique("group");
    let external = format!("Ext-{}", c.unique("gext"));
    let mut body = json!({"schemas": [GROUP], "displayName": name, "externalId": external});
    if !members.is_empty() {
        body["members"] = members.iter().map(|m| json!({"value": m})).collect();
    }
    let (id, _) = c.create("/Groups", &body).await?;
    Ok((id, name))
}

/// The ids of a group's members, read back.
async fn members(c: &mut Ctx, id: &str) -> Result<Vec<String>, Verdict> {
    let reply = c.get(&group_path(id)).await;
    ensure!(
        reply.status == 200,
        "GET /Groups/{id} answered {}",
        reply.summary()
    );
    let mut ids: Vec<String> = reply.body()["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}

/// A group with no members is created (201) and read back without `members` when excluded.
pub(crate) async fn empty_group(c: &mut Ctx) -> Checked {
    let (id, name) = group(c, &[]).await?;
    let reply = c
        .get(&format!("{}?excludedAttributes=members", group_path(&id)))
        .await;
    ensure!(
        reply.status == 200,
        "GET /Groups/{id}?excludedAttributes=members answered {}",
        reply.summary()
    );
    ensure!(
        reply.body()["displayName"] == name.as_str() && reply.body().get("members").is_none(),
        "excludedAttributes=members still sent members (or lost displayName)"
    );
    let reply = c
        .get(&format!(
            "/Groups?excludedAttributes=members&{}",
            filter(&format!("displayName eq \"{name}\""))
        ))
        .await;
    let (total, found) = list(&reply, "a filter on the group's displayName")?;
    ensure!(
        total == 1 && found.first().is_some_and(|g| g["id"] == id.as_str()),
        "filter displayName eq \"{name}\" found {total} groups"
    );
    Ok(())
}

/// Groups are found by `displayName`, `externalId` and `members[value eq …]`.
pub(crate) async fn group_filters(c: &mut Ctx) -> Checked {
    let (user, _, _) = c.user().await?;
    let name = c.unique("group");
    let external = format!("Ext-{}", c.unique("gext"));
    let body = json!({"schemas": [GROUP], "displayName": name, "externalId": external, "members": [{"value": user}]});
    let (id, _) = c.create("/Groups", &body).await?;
    for expression in [
        format!("displayName eq \"{name}\""),
        format!("externalId eq \"{external}\""),
        format!("members[value eq \"{user}\"]"),
    ] {
        let reply = c
            .get(&format!(
                "/Groups?excludedAttributes=members&{}",
                filter(&expression)
            ))
            .await;
        let (total, found) = list(&reply, &format!("filter {expression}"))?;
        ensure!(
            total == 1 && found.first().is_some_and(|g| g["id"] == id.as_str()),
            "filter {expression} found {total} groups, not the one created"
        );
    }
    Ok(())
}

/// A member removal never empties a group: Entra's removal with a value list removes only
/// the listed member, or is refused and removes nothing; the RFC form removes one.
pub(crate) async fn removal_never_empties(c: &mut Ctx) -> Checked {
    let (a, _, _) = c.user().await?;
    let (b, _, _) = c.user().await?;
    let (cc, _, _) = c.user().await?;
    let (id, _) = group(c, &[&a, &b, &cc]).await?;
    let mut all = vec![a.clone(), b.clone(), cc.clone()];
    all.sort();
    ensure!(
        members(c, &id).await? == all,
        "the group was not created with its three members"
    );
    // Entra's default: path "members" with a value list.
    let reply = c
        .patch(
            &group_path(&id),
            &json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]),
        )
        .await;
    let after = members(c, &id).await?;
    let mut rest = vec![b.clone(), cc.clone()];
    rest.sort();
    if reply.status < 300 {
        ensure!(
            !after.is_empty(),
            "Entra's removal of one member (path \"members\" with a value list) was answered {} and emptied the group",
            reply.status
        );
        ensure!(
            after == rest,
            "Entra's removal of one member left {after:?} instead of the other two"
        );
        c.lenient_accepted
            .push("a member removal with path \"members\" and a value list".into());
    } else {
        ensure!(
            after == all,
            "the refused removal still changed the members to {after:?}"
        );
        ensure!(
            !matches!(c.profile, ClientProfile::Entra | ClientProfile::Rfc),
            "Entra's member removal was refused ({}): in the {} profile its removals would never apply",
            reply.summary(),
            c.profile_name()
        );
        // Remove it the RFC way for the next step.
        let reply = c
            .patch(
                &group_path(&id),
                &json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
            )
            .await;
        ensure!(
            reply.status < 300,
            "the RFC member removal answered {}",
            reply.summary()
        );
    }
    // The RFC form removes exactly one.
    let reply = c
        .patch(
            &group_path(&id),
            &json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "removing members[value eq …] answered {}",
        reply.summary()
    );
    ensure!(
        members(c, &id).await? == vec![cc.clone()],
        "removing members[value eq \"{b}\"] did not leave exactly the third member"
    );
    Ok(())
}

/// Fifty member operations in one PATCH apply together; one bad operation among them applies
/// none.
pub(crate) async fn fifty_member_operations(c: &mut Ctx) -> Checked {
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(c.user().await?.0);
    }
    let (id, _) = group(c, &[]).await?;
    let adds: Vec<Value> = ids
        .iter()
        .map(|m| json!({"op": "add", "path": "members", "value": [{"value": m}]}))
        .collect();
    let reply = c.patch(&group_path(&id), &Value::Array(adds)).await;
    ensure!(
        reply.status < 300,
        "a PATCH with 50 member additions answered {}",
        reply.summary()
    );
    ensure!(
        members(c, &id).await?.len() == 50,
        "after 50 additions the group does not have 50 members"
    );
    let mut removes: Vec<Value> = ids[..49]
        .iter()
        .map(|m| json!({"op": "remove", "path": format!("members[value eq \"{m}\"]")}))
        .collect();
    removes.push(json!({"op": "frobnicate", "path": "members"}));
    let reply = c.patch(&group_path(&id), &Value::Array(removes)).await;
    ensure!(
        reply.status >= 400 && reply.status < 500,
        "a PATCH of 49 removals and one invalid operation answered {}",
        reply.summary()
    );
    let left = members(c, &id).await?.len();
    ensure!(
        left == 50,
        "the refused PATCH still removed {} members: PATCH must be atomic",
        50 - left
    );
    Ok(())
}

/// Two groups with the same displayName: the second is refused with 409.
pub(crate) async fn display_name_unique(c: &mut Ctx) -> Checked {
    let (_, name) = group(c, &[]).await?;
    let body = json!({"schemas": [GROUP], "displayName": name});
    let reply = c.send(Method::POST, "/Groups", Some(&body)).await;
    c.remember("/Groups", &reply);
    ensure!(
        reply.status == 409,
        "a second group named {name} answered {} instead of 409",
        reply.summary()
    );
    Ok(())
}
