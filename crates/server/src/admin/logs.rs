//! The admin API of the provisioning log: search with filters, free text and keyset paging.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use scim_console_core::logs::{self, LogQuery};
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
    /// For the export: `csv` (default) or `jsonl`.
    format: Option<String>,
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
    let query = params.query()?;
    let page = state.store.search_logs(&query).await?;
    Ok(Json(serde_json::to_value(page).unwrap_or_default()))
}

/// Every matching record, oldest first, as CSV or JSON Lines — streamed a thousand records at a
/// time, so an export of millions never sits in memory.
#[utoipa::path(get, path = "/api/logs/export", security(("admin_token" = [])), params(LogParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Query(params): Query<LogParams>,
) -> Result<axum::response::Response, AdminError> {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let csv = match params.format.as_deref() {
        None | Some("csv") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(AdminError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("format: \"{other}\" is not csv or jsonl"),
            ));
        }
    };
    let mut query = params.query()?;
    query.before = None;
    query.after = Some(0);
    query.limit = 1000;
    let store = state.store.clone();
    let header_sent = !csv;
    let stream = futures_util::stream::unfold(
        (store, query, header_sent, false),
        move |(store, mut query, header_sent, done)| async move {
            if done {
                return None;
            }
            if !header_sent {
                let chunk = Ok::<_, std::io::Error>(logs::CSV_HEADER.to_owned());
                return Some((chunk, (store, query, true, false)));
            }
            match store.search_logs(&query).await {
                Ok(page) if page.entries.is_empty() => None,
                Ok(page) => {
                    let mut chunk = String::with_capacity(page.entries.len() * 512);
                    for e in &page.entries {
                        chunk.push_str(&if csv { e.csv_line() } else { e.json_line() });
                    }
                    query.after = page.entries.last().map(|e| e.seq);
                    Some((Ok(chunk), (store, query, true, false)))
                }
                Err(error) => {
                    tracing::error!(%error, "provisioning log export failed");
                    Some((
                        Err(std::io::Error::other(
                            "the export failed; see the server's log",
                        )),
                        (store, query, true, true),
                    ))
                }
            }
        },
    );
    let (media, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"scim-console-log.{extension}\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

impl LogParams {
    fn query(&self) -> Result<LogQuery, AdminError> {
        let params = self;
        Ok(LogQuery {
            configuration: params.configuration.as_deref().map(config_id).transpose()?,
            since: params.since,
            until: params.until,
            outcome: parse_enum("outcome", params.outcome.as_ref())?,
            operation: parse_enum("operation", params.operation.as_ref())?,
            client: parse_enum("client", params.client.as_ref())?,
            status: params.status,
            resource: params.resource.clone(),
            text: params.text.clone(),
            before: params.before,
            after: params.after,
            limit: params.limit.unwrap_or(0),
        })
    }
}
