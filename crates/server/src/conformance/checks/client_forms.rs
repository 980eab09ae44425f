//! Forms real clients send that RFC 7644 does not spell out, or spells otherwise: unquoted
//! filter strings, the manager as a bare id, an extension's value object that names its
//! schema. A server that refuses them fails the client's sync (or, for a lookup answered "no
//! match", makes it create a duplicate).

use serde_json::{Value, json};

use super::super::{Checked, Ctx, Verdict, ensure, filter, urlencode};
use super::discovery::learn;
use super::reading::list;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user_path(id: &str) -> String {
    format!("/Users/{}", urlencode(id))
}

/// Skips the check when `/ResourceTypes` does not offer the enterprise extension on User.
async fn require_enterprise(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let offered = c.resource_types.iter().flatten().any(|t| {
        t["name"] == "User"
            && t["schemaExtensions"]
                .as_array()
                .is_some_and(|e| e.iter().any(|x| x["schema"] == ENTERPRISE))
    });
    if offered {
        Ok(())
    } else {
        Err(Verdict::Skip(format!(
            "the User resource type does not offer {ENTERPRISE}"
        )))
    }
}

/// `userName eq <bare word>` (authentik's lookup) and `externalId eq <bare word>` (Entra ID's
/// tutorial) find the user: neither refused nor answered "no match".
pub(crate) async fn unquoted_filter_strings(c: &mut Ctx) -> Checked {
    let (id, name, created) = c.user().await?;
    let external = created["externalId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut expressions = vec![format!("userName eq {name}")];
    if !external.is_empty() {
        expressions.push(format!("externalId eq {external}"));
    }
    for expression in expressions {
        let reply = c.get(&format!("/Users?{}", filter(&expression))).await;
        ensure!(
            reply.status == 200,
            "filter {expression} answered {}: a client that looks users up this way (authentik, Entra ID's tutorial) fails its sync",
            reply.summary()
        );
        let (total, found) = list(&reply, &format!("filter {expression}"))?;
        ensure!(
            total == 1 && found.first().is_some_and(|u| u["id"] == id.as_str()),
            "filter {expression} found {total} users, not the one created: the client would create a duplicate"
        );
    }
    Ok(())
}

/// Entra ID's manager as a bare id: `{"op":"Add","path":"…:manager","value":"<id>"}` and
/// `"manager": "<id>"` in a create both read back as `manager.value`.
pub(crate) async fn manager_bare_id(c: &mut Ctx) -> Checked {
    require_enterprise(c).await?;
    let (manager, _, _) = c.user().await?;
    let (worker, _, _) = c.user().await?;
    let path = user_path(&worker);
    let reply = c
        .patch(
            &path,
            &json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": manager}]),
        )
        .await;
    ensure!(
        reply.status < 300,
        "Entra ID's PATCH of the manager as a bare id answered {}",
        reply.summary()
    );
    let read = c.get(&path).await;
    ensure!(
        read.body()[ENTERPRISE]["manager"]["value"] == manager.as_str(),
        "after the PATCH the manager reads {} instead of {{\"value\": \"{manager}\", …}}",
        read.body()[ENTERPRISE]["manager"]
    );
    let name = format!("{}@example.com", c.unique("user"));
    let mut body = super::super::user_body(&name, &format!("Ext-{}", c.unique("ext")));
    body["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    body[ENTERPRISE] = json!({"manager": manager});
    let (created, _) = c.create("/Users", &body).await?;
    let read = c.get(&user_path(&created)).await;
    ensure!(
        read.body()[ENTERPRISE]["manager"]["value"] == manager.as_str(),
        "a create with \"manager\": \"{manager}\" reads back the manager as {}",
        read.body()[ENTERPRISE]["manager"]
    );
    Ok(())
}

/// A PATCH of the whole enterprise extension whose value object carries its `schemas` (as
/// clients that serialise the extension as an object of its own send it) writes the
/// attributes and no attribute called `schemas`.
pub(crate) async fn extension_value_with_schemas(c: &mut Ctx) -> Checked {
    require_enterprise(c).await?;
    let (id, _, _) = c.user().await?;
    let path = user_path(&id);
    for (op, number) in [("add", "42"), ("replace", "43")] {
        let reply = c
            .patch(
                &path,
                &json!([{"op": op, "path": ENTERPRISE,
                    "value": {"schemas": [ENTERPRISE], "employeeNumber": number}}]),
            )
            .await;
        ensure!(
            reply.status < 300,
            "PATCH {op} of {ENTERPRISE} with \"schemas\" in its value answered {}",
            reply.summary()
        );
        let read = c.get(&path).await;
        let extension = &read.body()[ENTERPRISE];
        ensure!(
            extension["employeeNumber"] == number,
            "after PATCH {op} the extension reads {extension}, without employeeNumber {number}"
        );
        ensure!(
            extension.get("schemas").is_none_or(Value::is_null),
            "after PATCH {op} the extension holds \"schemas\" as an attribute: {extension}"
        );
    }
    Ok(())
}
