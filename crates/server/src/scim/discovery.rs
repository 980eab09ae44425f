//! The discovery endpoints (RFC 7644 §4), generated from the schema registry.

use axum::extract::{Path, State};
use scim::schema::{ServiceProviderConfig, resource_type_document, schema_document};
use scim::{SchemaRegistry, ScimError};
use scim_console_core::mapping::versions::registry_with_custom_fields;

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

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(State(state): State<AppState>, tenant: Tenant) -> Reply {
    let config = ServiceProviderConfig {
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
    Ok(ScimReply::ok(registry.schemas_document(&tenant.base_url)))
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
    Ok(ScimReply::ok(schema_document(schema, &tenant.base_url)))
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
