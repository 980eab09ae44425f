//! `/api/audit`: the audit log of every admin change, paged and exported.
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use scim_console_core::administrators::roles::Area;
use scim_console_core::audit::{AuditQuery, ExportFormat};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::access::Caller;
use super::dto::{AuditPageView, ErrorBody};
use super::extract::{Params, config_id};
use crate::state::AppState;

/// The audit routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit))
        .routes(routes!(export_audit))
}

/// The order of the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum AuditOrder {
    /// Newest first (the default).
    NewestFirst,
    /// Oldest first.
    OldestFirst,
}

/// Filters of the audit log.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuditParams {
    /// Only this configuration (its id).
    configuration: Option<String>,
    /// Only this action (`token.rotate`), or a family ending in `.` (`token.`).
    action: Option<String>,
    /// Only this actor (`admin`, `cli:alice`).
    actor: Option<String>,
    /// Only records at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Only records before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// The `next` of the previous page (newest first).
    before: Option<i64>,
    /// The `next` of the previous page (oldest first).
    after: Option<i64>,
    /// `oldestFirst`, or `newestFirst` (the default).
    #[param(inline)]
    order: Option<AuditOrder>,
    /// Page size, 1 to 1,000 (default 100).
    limit: Option<usize>,
    /// For the export: `csv` (default) or `jsonl`.
    format: Option<String>,
}

impl AuditParams {
    /// The query, showing what `caller` may read.
    fn query(&self, caller: &Caller) -> Result<AuditQuery, AdminError> {
        let oldest_first = self.order == Some(AuditOrder::OldestFirst);
        // Each order continues with its own key: mixing them would page from the wrong end.
        if oldest_first && self.before.is_some() {
            return Err(AdminError::invalid(
                "before",
                "pages newest first: with order=oldestFirst, pass the previous page's `next` as `after`",
            ));
        }
        if !oldest_first && self.after.is_some() {
            return Err(AdminError::invalid(
                "after",
                "pages oldest first: pass it with order=oldestFirst (newest first continues with `before`)",
            ));
        }
        Ok(AuditQuery {
            reach: caller.reach(Area::Audit),
            configuration: self.configuration.as_deref().map(config_id).transpose()?,
            action: self.action.clone(),
            actor: self.actor.clone(),
            since: self.since,
            until: self.until,
            before: self.before,
            after: self.after,
            oldest_first,
            limit: self.limit.unwrap_or(0),
        })
    }
}

/// A page of the audit log, newest first (or oldest first): every configuration, token and
/// OAuth client change.
#[utoipa::path(get, path = "/api/audit", security(("admin_token" = [])), params(AuditParams),
    responses((status = 200, body = AuditPageView), (status = 400, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<AuditParams>,
) -> Result<Json<AuditPageView>, AdminError> {
    Ok(Json(
        state.store.audit(&params.query(&caller)?).await?.into(),
    ))
}

/// The whole audit log (as filtered), oldest first, as CSV or JSON Lines, for download.
#[utoipa::path(get, path = "/api/audit/export", security(("admin_token" = [])), params(AuditParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn export_audit(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<AuditParams>,
) -> Result<axum::response::Response, AdminError> {
    use axum::response::IntoResponse as _;
    let (format, media, extension) = match params.format.as_deref() {
        None | Some("csv") => (ExportFormat::Csv, "text/csv; charset=utf-8", "csv"),
        Some("jsonl") => (ExportFormat::JsonLines, "application/x-ndjson", "jsonl"),
        Some(other) => {
            return Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                format!("format: \"{other}\" is not csv or jsonl"),
            ));
        }
    };
    let body = state
        .store
        .export_audit(&params.query(&caller)?, format)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"scim-console-audit.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}
