//! The admin API of the provisioning log: search with filters, free text and keyset paging.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use scim_console_core::logs::LogQuery;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::AdminError;
use super::dto::ErrorBody;
use super::routes::config_id;
use crate::state::AppState;

/// Filters of a log search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct LogParams {
    /// Only this configuration (its id).
    configuration: Option<String>,
    /// From this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// `success`, `failure`, `skipped` or `warning`.
    outcome: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `query`, `discovery`, `membershipChange`,
    /// `token`.
    operation: Option<String>,
    /// `entra`, `okta`, `oneLogin`, `google`, `other`.
    client: Option<String>,
    /// An HTTP status.
    status: Option<u16>,
    /// A resource id.
    resource: Option<String>,
    /// Free text over userName / displayName / error detail (`word*` for a prefix).
    text: Option<String>,
    /// The `next` of the previous page.
    before: Option<i64>,
    /// Records after this position, oldest first (to follow the log).
    after: Option<i64>,
    /// Page size, 1 to 1,000 (default 100).
    limit: Option<usize>,
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    name: &'static str,
    value: Option<&String>,
) -> Result<Option<T>, AdminError> {
    value
        .map(|v| {
            serde_json::from_value(Value::String(v.clone())).map_err(|_| {
                AdminError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("{name}: \"{v}\" is not one of the accepted values"),
                )
            })
        })
        .transpose()
}

/// A page of the provisioning log, newest first: every SCIM request, its outcome, redacted
/// bodies.
#[utoipa::path(get, path = "/api/logs", security(("admin_token" = [])), params(LogParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<LogParams>,
) -> Result<Json<Value>, AdminError> {
    let query = LogQuery {
        configuration: params.configuration.as_deref().map(config_id).transpose()?,
        since: params.since,
        until: params.until,
        outcome: parse_enum("outcome", params.outcome.as_ref())?,
        operation: parse_enum("operation", params.operation.as_ref())?,
        client: parse_enum("client", params.client.as_ref())?,
        status: params.status,
        resource: params.resource,
        text: params.text,
        before: params.before,
        after: params.after,
        limit: params.limit.unwrap_or(0),
    };
    let page = state.store.search_logs(&query).await?;
    Ok(Json(serde_json::to_value(page).unwrap_or_default()))
}
