//! Discovery: the three discovery endpoints, what they describe, and the conformance claim.

use serde_json::Value;

use super::super::{Checked, Ctx, Verdict, ensure, urlencode};

const SCIM_JSON: &str = "application/scim+json";

/// `Resources` of a list answer.
fn resources(body: &Value) -> Vec<Value> {
    body["Resources"].as_array().cloned().unwrap_or_default()
}

/// Reads `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes` once.
pub(crate) async fn learn(c: &mut Ctx) -> Checked {
    if c.spc.is_some() && c.schemas.is_some() && c.resource_types.is_some() {
        return Ok(());
    }
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        let reply = c.get(path).await;
        ensure!(
            reply.status == 200,
            "GET {path} answered {}",
            reply.summary()
        );
        ensure!(
            reply.media_type.as_deref() == Some(SCIM_JSON),
            "GET {path} answered Content-Type {:?}, not {SCIM_JSON}",
            reply.media_type.as_deref().unwrap_or("none")
        );
        ensure!(
            reply.json.as_ref().is_some_and(Value::is_object),
            "GET {path} answered no JSON object"
        );
        let body = reply.json.unwrap_or(Value::Null);
        match path {
            "/ServiceProviderConfig" => c.spc = Some(body),
            "/Schemas" => {
                // RFC 7644 §4 lists them in a ListResponse; some servers answer a bare array.
                ensure!(
                    body["Resources"].is_array(),
                    "GET /Schemas is not a ListResponse (no Resources)"
                );
                c.schemas = Some(resources(&body));
            }
            _ => {
                ensure!(
                    body["Resources"].is_array(),
                    "GET /ResourceTypes is not a ListResponse (no Resources)"
                );
                c.resource_types = Some(resources(&body));
            }
        }
    }
    Ok(())
}

/// The discovery endpoints answer with SCIM JSON.
pub(crate) async fn endpoints(c: &mut Ctx) -> Checked {
    learn(c).await
}

/// Every ResourceType has an `id` equal to its `name`.
pub(crate) async fn resource_type_ids(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let types = c.resource_types.clone().unwrap_or_default();
    ensure!(!types.is_empty(), "/ResourceTypes lists no resource type");
    for t in &types {
        ensure!(
            t["id"].is_string() && t["id"] == t["name"],
            "the ResourceType {} has id {} (it must equal its name)",
            t["name"],
            t["id"]
        );
    }
    Ok(())
}

/// Every schema a ResourceType names is published at `/Schemas/{urn}`.
pub(crate) async fn resource_type_schemas(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let types = c.resource_types.clone().unwrap_or_default();
    let mut urns: Vec<String> = Vec::new();
    for t in &types {
        if let Some(s) = t["schema"].as_str() {
            urns.push(s.to_owned());
        }
        for e in t["schemaExtensions"].as_array().into_iter().flatten() {
            if let Some(s) = e["schema"].as_str() {
                urns.push(s.to_owned());
            }
        }
    }
    ensure!(!urns.is_empty(), "no ResourceType names a schema");
    for urn in urns {
        let reply = c.get(&format!("/Schemas/{}", urlencode(&urn))).await;
        ensure!(
            reply.status == 200 && reply.body()["id"] == urn.as_str(),
            "GET /Schemas/{urn} answered {}",
            reply.summary()
        );
    }
    Ok(())
}

/// The attributes of a schema (by URN) from `/Schemas`.
fn attributes(c: &Ctx, urn: &str) -> Vec<Value> {
    c.schemas
        .iter()
        .flatten()
        .find(|s| s["id"] == urn)
        .and_then(|s| s["attributes"].as_array().cloned())
        .unwrap_or_default()
}

/// Every multi-valued complex attribute with a `type` sub-attribute lists `canonicalValues`.
pub(crate) async fn canonical_types(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let mut missing = Vec::new();
    for schema in c.schemas.clone().unwrap_or_default() {
        for a in schema["attributes"].as_array().into_iter().flatten() {
            if a["multiValued"] != true || a["type"] != "complex" {
                continue;
            }
            let typed = a["subAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["name"] == "type");
            if let Some(t) = typed
                && t["canonicalValues"]
                    .as_array()
                    .is_none_or(std::vec::Vec::is_empty)
            {
                missing.push(a["name"].as_str().unwrap_or("?").to_owned());
            }
        }
    }
    ensure!(
        missing.is_empty(),
        "these attributes' type has no canonicalValues: {}",
        missing.join(", ")
    );
    Ok(())
}

/// The User schema has no `password` (IPSIE AL2 §6.1.2).
pub(crate) async fn no_password(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let users = attributes(c, USER);
    ensure!(!users.is_empty(), "/Schemas has no User schema");
    ensure!(
        !users.iter().any(|a| a["name"] == "password"),
        "the User schema defines password; the profile says an application supports no password"
    );
    Ok(())
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The User and Group schemas have the attributes IPSIE AL2 requires.
pub(crate) async fn required_attributes(c: &mut Ctx) -> Checked {
    learn(c).await?;
    for (urn, names) in [
        (USER, &["userName", "displayName", "active", "emails"][..]),
        (GROUP, &["displayName", "members"][..]),
    ] {
        let attributes = attributes(c, urn);
        ensure!(!attributes.is_empty(), "/Schemas has no {urn}");
        let absent: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !attributes.iter().any(|a| a["name"] == *n))
            .collect();
        ensure!(absent.is_empty(), "{urn} lacks {}", absent.join(", "));
    }
    Ok(())
}

/// Bulk is advertised with its limits (IPSIE AL §4.3 makes it a MUST).
pub(crate) async fn bulk_advertised(c: &mut Ctx) -> Checked {
    learn(c).await?;
    let bulk = &c.spc.as_ref().map_or(Value::Null, |s| s["bulk"].clone());
    ensure!(
        bulk["supported"] == true,
        "/ServiceProviderConfig says bulk.supported {}",
        bulk["supported"]
    );
    ensure!(
        bulk["maxOperations"].as_u64().is_some_and(|n| n > 0)
            && bulk["maxPayloadSize"].as_u64().is_some_and(|n| n > 0),
        "bulk.maxOperations and bulk.maxPayloadSize must be positive numbers"
    );
    Ok(())
}

/// The top-level attributes of `/ServiceProviderConfig` that RFC 7643 §5 (with the common
/// `id` and `meta`) and RFC 9865 §4 (`pagination`) define.
const SPC_ATTRIBUTES: [&str; 12] = [
    "schemas",
    "id",
    "meta",
    "documentationUri",
    "patch",
    "bulk",
    "filter",
    "changePassword",
    "sort",
    "etag",
    "authenticationSchemes",
    "pagination",
];

/// `/ServiceProviderConfig` holds only defined attributes (and extension objects named by a
/// URN): clients built on strict models, such as Python's scim2-models, refuse the whole
/// document otherwise. `interopProfileConformant` belongs there only as a claim (`true`): the
/// profile lets a server that does not conform leave it out.
pub(crate) async fn defined_attributes(c: &mut Ctx) -> Checked {
    // Read here, so that the result shows the document it judged.
    let reply = c.get("/ServiceProviderConfig").await;
    ensure!(
        reply.status == 200,
        "GET /ServiceProviderConfig answered {}",
        reply.summary()
    );
    let spc = reply.json.unwrap_or(Value::Null);
    let Value::Object(map) = &spc else {
        return Err(Verdict::Fail(
            "/ServiceProviderConfig is not a JSON object".into(),
        ));
    };
    let mut undefined: Vec<String> = Vec::new();
    for (key, value) in map {
        let defined = SPC_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(key))
            || key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if key.eq_ignore_ascii_case("interopProfileConformant") {
            if *value != true {
                undefined.push(format!(
                    "{key}: {value} (leave it out unless the endpoint claims conformance)"
                ));
            }
        } else if !defined {
            undefined.push(key.clone());
        }
    }
    ensure!(
        undefined.is_empty(),
        "/ServiceProviderConfig holds attributes RFC 7643 §5 does not define, which strict clients refuse: {}",
        undefined.join(", ")
    );
    Ok(())
}

/// The conformance claim: `strict` requires `interopProfileConformant: true`; in every
/// profile, an endpoint that accepted a request the interoperability profile has it refuse
/// must not claim it.
pub(crate) async fn conformance_claim(c: &mut Ctx) -> Checked {
    learn(c).await?;
    // Read it again: a check may have changed nothing, but the claim is what it says now.
    let reply = c.get("/ServiceProviderConfig").await;
    ensure!(
        reply.status == 200,
        "GET /ServiceProviderConfig answered {}",
        reply.summary()
    );
    let claim = &reply.body()["interopProfileConformant"];
    ensure!(
        claim.is_null() || claim.is_boolean(),
        "interopProfileConformant is {claim}, not a boolean"
    );
    let claims = *claim == true;
    if claims && !c.lenient_accepted.is_empty() {
        return Err(Verdict::Fail(format!(
            "the endpoint claims interopProfileConformant: true yet accepted what the profile has it refuse: {}",
            c.lenient_accepted.join("; ")
        )));
    }
    if c.profile == scim_console_core::ClientProfile::Strict {
        ensure!(
            claims,
            "in the strict profile the endpoint must claim interopProfileConformant: true (it says {claim})"
        );
    }
    Ok(())
}

/// RFC 8414 authorization server metadata with a `token_endpoint` is published for the
/// endpoint (beside its issuer, or at the RFC 8414 well-known place for the issuer's path).
pub(crate) async fn oauth_metadata(c: &mut Ctx) -> Checked {
    let base = c.client.base_url().to_owned();
    let issuer = base.trim_end_matches("/v2").to_owned();
    let mut urls = vec![format!("{issuer}/.well-known/oauth-authorization-server")];
    if let Some((scheme, rest)) = issuer.split_once("://") {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        urls.push(format!(
            "{scheme}://{host}/.well-known/oauth-authorization-server/{path}"
        ));
    }
    let mut answers = Vec::new();
    for url in urls {
        let reply = c.client.get_public(&url).await;
        if reply.status == 200 && reply.body()["token_endpoint"].is_string() {
            return Ok(());
        }
        answers.push(format!("{url}: {}", reply.summary()));
    }
    Err(Verdict::Fail(format!(
        "no OAuth authorization server metadata with a token_endpoint ({})",
        answers.join("; ")
    )))
}
