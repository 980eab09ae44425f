//! The discovery endpoints (RFC 7644 §4), generated from the schema registry.

use axum::extract::{Path, State};
use scim::schema::{Pagination, ServiceProviderConfig, resource_type_document, schema_document};
use scim::{SchemaRegistry, ScimError};
use scim_console_core::directory::CURSOR_TIMEOUT_SECONDS;
use scim_console_core::mapping::versions::registry_with_custom_fields;
use serde_json::Value;

use super::auth::Tenant;
use super::http::{ScimFailure, ScimReply};
use crate::state::AppState;

type Reply = Result<ScimReply, ScimFailure>;

/// The schemas this configuration's endpoint describes: the standard ones plus the extension
/// holding its mapping plan's custom fields, if it has any.
async fn registry_for(state: &AppState, tenant: &Tenant) -> Result<SchemaRegistry, ScimFailure> {
    let plan = state.store.mapping_plan(tenant.configuration.id).await?;
    Ok(registry_with_custom_fields(
        &state.registry,
        &tenant.configuration,
        plan.as_ref().map(|p| &p.plan),
    )?)
}

/// Path of a discovery item.
#[derive(serde::Deserialize)]
pub struct DiscoveryPath {
    #[allow(dead_code)] // Read by the Tenant extractor.
    slug: String,
    id: String,
}

/// Whether this configuration's endpoint meets every service-provider rule of the SCIM 2.0
/// interoperability profile: only in the `strict` client profile with none of its switches
/// overridden, and with pages of at least 100 and at most 1,000 resources.
fn interop_conformant(state: &AppState, tenant: &Tenant) -> bool {
    tenant.configuration.follows_strict_profile()
        && (100..=1000).contains(&state.limits.max_page_size)
}

/// Takes `password` out of the User schema in a schema document or a list of them, for a
/// configuration that supports no passwords (IPSIE AL2 §6.1.2).
fn without_password(doc: &mut Value) {
    if let Some(Value::Array(resources)) = doc.get_mut("Resources") {
        resources.iter_mut().for_each(without_password);
        return;
    }
    if doc.get("id").and_then(Value::as_str) == Some(scim::schema::core::USER_SCHEMA)
        && let Some(Value::Array(attributes)) = doc.get_mut("attributes")
    {
        attributes.retain(|a| a.get("name").and_then(Value::as_str) != Some("password"));
    }
}

/// A schema document as this configuration describes it.
fn described(tenant: &Tenant, mut doc: Value) -> Value {
    if !tenant.configuration.compatibility.placeholder_password {
        without_password(&mut doc);
    }
    doc
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(State(state): State<AppState>, tenant: Tenant) -> Reply {
    let config = ServiceProviderConfig {
        // Claimed when it holds, left out otherwise (the profile lets a non-conforming service
        // provider omit it; strict clients such as scim2-models refuse an attribute RFC 7643 §5
        // does not define, and a `false` buys them nothing).
        interop_profile_conformant: interop_conformant(&state, &tenant).then_some(true),
        jwt_clients_only: tenant.configuration.client_authentication.requires_jwt(),
        pagination: Some(Pagination {
            default_page_size: u32::try_from(state.limits.default_page_size).unwrap_or(u32::MAX),
            max_page_size: u32::try_from(state.limits.max_page_size).unwrap_or(u32::MAX),
            cursor_timeout: u32::try_from(CURSOR_TIMEOUT_SECONDS).unwrap_or(u32::MAX),
        }),
        filter_max_results: u32::try_from(state.limits.max_page_size).unwrap_or(u32::MAX),
        bulk: Some((
            u32::try_from(super::bulk::MAX_OPERATIONS).unwrap_or(u32::MAX),
            u64::try_from(state.limits.max_body_bytes).unwrap_or(u64::MAX),
        )),
        ..ServiceProviderConfig::default()
    };
    Ok(ScimReply::ok(config.to_document(&tenant.base_url)))
}

/// `GET /Schemas`.
pub async fn schemas(State(state): State<AppState>, tenant: Tenant) -> Reply {
    let registry = registry_for(&state, &tenant).await?;
    let doc = registry.schemas_document(&tenant.base_url);
    Ok(ScimReply::ok(described(&tenant, doc)))
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(p): Path<DiscoveryPath>,
) -> Reply {
    let registry = registry_for(&state, &tenant).await?;
    let schema = registry
        .schema(&p.id)
        .ok_or_else(|| ScimError::not_found(format!("no schema {}", p.id)))?;
    let doc = schema_document(schema, &tenant.base_url);
    Ok(ScimReply::ok(described(&tenant, doc)))
}

/// `GET /ResourceTypes`.
pub async fn resource_types(State(state): State<AppState>, tenant: Tenant) -> Reply {
    let registry = registry_for(&state, &tenant).await?;
    Ok(ScimReply::ok(
        registry.resource_types_document(&tenant.base_url),
    ))
}

/// `GET /ResourceTypes/{id}`.
pub async fn resource_type(
    State(state): State<AppState>,
    tenant: Tenant,
    Path(p): Path<DiscoveryPath>,
) -> Reply {
    let registry = registry_for(&state, &tenant).await?;
    let rt = registry
        .resource_type(&p.id)
        .ok_or_else(|| ScimError::not_found(format!("no resource type {}", p.id)))?;
    Ok(ScimReply::ok(resource_type_document(rt, &tenant.base_url)))
}
