//! The admin API handlers.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use scim_console_core::audit::{AuditQuery, ExportFormat};
use scim_console_core::{Actor, ConfigurationId, NewToken, Rotation};

use super::AdminError;
use super::dto::{
    AuditPageView, ConfigurationChanges, ConfigurationView, ErrorBody, Health, IssuedClientView,
    IssuedTokenView, NewClientBody, NewConfigurationBody, NewTokenBody, OAuthClientView,
    RotateTokenBody, RotatedTokenView, TokenCheckView, TokenView,
};
use crate::peer::Peer;
use crate::scim::http::header_text;
use crate::state::AppState;

/// A JSON body whose problems are reported as admin API errors.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => {
                let message = match rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        "send the body as application/json".to_owned()
                    }
                    other => other.body_text(),
                };
                Err(AdminError::new(StatusCode::BAD_REQUEST, message))
            }
        }
    }
}

fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = header_text(headers, &header::HOST).unwrap_or("localhost");
    format!("{}://{host}", state.scheme)
}

/// Changes made through the admin API are the admin's, from the caller's address.
pub(super) fn admin(peer: &Peer) -> Actor {
    Actor::new("admin", peer.0.clone())
}

pub(super) fn config_id(id: &str) -> Result<ConfigurationId, AdminError> {
    ConfigurationId::parse(id).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("configuration {id} not found"),
        )
    })
}

/// Liveness and version.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Every configuration, by name.
#[utoipa::path(get, path = "/api/configurations", security(("admin_token" = [])),
    responses((status = 200, body = [ConfigurationView]), (status = 401, body = ErrorBody)))]
pub async fn list_configurations(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<ConfigurationView>>, AdminError> {
    let origin = origin(&state, &headers);
    let list = state.store.list_configurations().await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConfigurationView::new(c, &origin))
            .collect(),
    ))
}

/// Creates a configuration.
#[utoipa::path(post, path = "/api/configurations", security(("admin_token" = [])), request_body = NewConfigurationBody,
    responses((status = 201, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Body(body): Body<NewConfigurationBody>,
) -> Result<(StatusCode, Json<ConfigurationView>), AdminError> {
    let created = state
        .store
        .create_configuration(body.into_new()?, &admin(&peer))
        .await?;
    tracing::info!(configuration = %created.id, name = %created.name, "configuration created");
    Ok((
        StatusCode::CREATED,
        Json(ConfigurationView::new(created, &origin(&state, &headers))),
    ))
}

/// One configuration.
#[utoipa::path(get, path = "/api/configurations/{id}", security(("admin_token" = [])),
    responses((status = 200, body = ConfigurationView), (status = 404, body = ErrorBody)))]
pub async fn get_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ConfigurationView>, AdminError> {
    let c = state.store.configuration(config_id(&id)?).await?;
    Ok(Json(ConfigurationView::new(c, &origin(&state, &headers))))
}

/// Changes a configuration.
#[utoipa::path(patch, path = "/api/configurations/{id}", security(("admin_token" = [])), request_body = ConfigurationChanges,
    responses((status = 200, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<String>,
    Body(changes): Body<ConfigurationChanges>,
) -> Result<Json<ConfigurationView>, AdminError> {
    let updated = state
        .store
        .update_configuration(config_id(&id)?, changes.into(), &admin(&peer))
        .await?;
    tracing::info!(configuration = %updated.id, "configuration updated");
    Ok(Json(ConfigurationView::new(
        updated,
        &origin(&state, &headers),
    )))
}

/// Deletes a configuration with its tokens and directory.
#[utoipa::path(delete, path = "/api/configurations/{id}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_configuration(
    State(state): State<AppState>,
    peer: Peer,
    Path(id): Path<String>,
) -> Result<StatusCode, AdminError> {
    let id = config_id(&id)?;
    state.store.delete_configuration(id, &admin(&peer)).await?;
    tracing::info!(configuration = %id, "configuration deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The tokens of a configuration (never their secrets).
#[utoipa::path(get, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])),
    responses((status = 200, body = [TokenView]), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<TokenView>>, AdminError> {
    let id = config_id(&id)?;
    state.store.configuration(id).await?;
    Ok(Json(
        state
            .store
            .list_tokens(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a token; the response is the only time it is shown.
#[utoipa::path(post, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])), request_body = NewTokenBody,
    responses((status = 201, body = IssuedTokenView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<String>,
    Body(body): Body<NewTokenBody>,
) -> Result<(StatusCode, Json<IssuedTokenView>), AdminError> {
    let id = config_id(&id)?;
    let configuration = state.store.configuration(id).await?;
    let new = NewToken {
        label: body.label,
        expires: body.expires,
    };
    let issued = state.store.create_token(id, &new, &admin(&peer)).await?;
    tracing::info!(configuration = %id, token = %issued.info.id, "token created");
    let base = format!(
        "{}/scim/{}/v2",
        origin(&state, &headers),
        configuration.slug
    );
    Ok((
        StatusCode::CREATED,
        Json(IssuedTokenView::new(issued, base)),
    ))
}

/// Rotates a token: issues its replacement (shown this once) and revokes the old one when the
/// grace window ends — at once without one.
#[utoipa::path(post, path = "/api/configurations/{id}/tokens/{token_id}/rotate", security(("admin_token" = [])), request_body = RotateTokenBody,
    responses((status = 201, body = RotatedTokenView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rotate_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path((id, token_id)): Path<(String, String)>,
    Body(body): Body<RotateTokenBody>,
) -> Result<(StatusCode, Json<RotatedTokenView>), AdminError> {
    let id = config_id(&id)?;
    let configuration = state.store.configuration(id).await?;
    let rotation = Rotation {
        grace: std::time::Duration::from_secs(body.grace_seconds),
        expires: body.expires,
        label: body.label,
    };
    let (old, new) = state
        .store
        .rotate_token(id, &token_id, &rotation, &admin(&peer))
        .await?;
    tracing::info!(configuration = %id, token = %token_id, new_token = %new.info.id, grace_seconds = body.grace_seconds, "token rotated");
    let base = format!(
        "{}/scim/{}/v2",
        origin(&state, &headers),
        configuration.slug
    );
    Ok((
        StatusCode::CREATED,
        Json(RotatedTokenView {
            old: old.into(),
            new: IssuedTokenView::new(new, base),
        }),
    ))
}

/// Revokes a token at once (also one in a rotation's grace window).
#[utoipa::path(delete, path = "/api/configurations/{id}/tokens/{token_id}", security(("admin_token" = [])),
    responses((status = 200, body = TokenView), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    peer: Peer,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<Json<TokenView>, AdminError> {
    let id = config_id(&id)?;
    let revoked = state
        .store
        .revoke_token(id, &token_id, &admin(&peer))
        .await?;
    tracing::info!(configuration = %id, token = %token_id, "token revoked");
    Ok(Json(revoked.into()))
}

/// Query of the token check.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CheckQuery {
    /// Report tokens expiring within this many days (default 14).
    within_days: Option<u32>,
}

/// Tokens of every configuration that are expired, expire soon or are overdue for rotation.
#[utoipa::path(get, path = "/api/tokens/check", security(("admin_token" = [])), params(CheckQuery),
    responses((status = 200, body = TokenCheckView)))]
pub async fn check_tokens(
    State(state): State<AppState>,
    Query(query): Query<CheckQuery>,
) -> Result<Json<TokenCheckView>, AdminError> {
    let days = u64::from(query.within_days.unwrap_or(14));
    let check = state
        .store
        .check_tokens(std::time::Duration::from_secs(days * 86_400))
        .await?;
    Ok(Json(check.into()))
}

/// The OAuth clients of a configuration (never their secrets).
#[utoipa::path(get, path = "/api/configurations/{id}/oauth-clients", security(("admin_token" = [])),
    responses((status = 200, body = [OAuthClientView]), (status = 404, body = ErrorBody)))]
pub async fn list_oauth_clients(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<OAuthClientView>>, AdminError> {
    let id = config_id(&id)?;
    Ok(Json(
        state
            .store
            .list_oauth_clients(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates an OAuth client; the response is the only time its secret is shown.
#[utoipa::path(post, path = "/api/configurations/{id}/oauth-clients", security(("admin_token" = [])), request_body = NewClientBody,
    responses((status = 201, body = IssuedClientView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_oauth_client(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<String>,
    Body(body): Body<NewClientBody>,
) -> Result<(StatusCode, Json<IssuedClientView>), AdminError> {
    let id = config_id(&id)?;
    let configuration = state.store.configuration(id).await?;
    let issued = state
        .store
        .create_oauth_client(id, &body.label, body.keys()?, &admin(&peer))
        .await?;
    tracing::info!(configuration = %id, client = %issued.info.client_id, "OAuth client created");
    Ok((
        StatusCode::CREATED,
        Json(IssuedClientView::new(
            issued,
            &origin(&state, &headers),
            &configuration.slug,
        )),
    ))
}

/// Revokes an OAuth client: its access and refresh tokens stop working at once.
#[utoipa::path(delete, path = "/api/configurations/{id}/oauth-clients/{client_id}", security(("admin_token" = [])),
    responses((status = 200, body = OAuthClientView), (status = 404, body = ErrorBody)))]
pub async fn revoke_oauth_client(
    State(state): State<AppState>,
    peer: Peer,
    Path((id, client_id)): Path<(String, String)>,
) -> Result<Json<OAuthClientView>, AdminError> {
    let id = config_id(&id)?;
    let revoked = state
        .store
        .revoke_oauth_client(id, &client_id, &admin(&peer))
        .await?;
    tracing::info!(configuration = %id, client = %client_id, "OAuth client revoked");
    Ok(Json(revoked.into()))
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
    /// The `next` of the previous page.
    before: Option<i64>,
    /// Page size, 1 to 1,000 (default 100).
    limit: Option<usize>,
    /// For the export: `csv` (default) or `jsonl`.
    format: Option<String>,
}

impl AuditParams {
    fn query(&self) -> Result<AuditQuery, AdminError> {
        Ok(AuditQuery {
            configuration: self.configuration.as_deref().map(config_id).transpose()?,
            action: self.action.clone(),
            actor: self.actor.clone(),
            since: self.since,
            until: self.until,
            before: self.before,
            limit: self.limit.unwrap_or(0),
        })
    }
}

/// A page of the audit log, newest first: every configuration, token and OAuth client change.
#[utoipa::path(get, path = "/api/audit", security(("admin_token" = [])), params(AuditParams),
    responses((status = 200, body = AuditPageView), (status = 400, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<AuditPageView>, AdminError> {
    Ok(Json(state.store.audit(&params.query()?).await?.into()))
}

/// The whole audit log (as filtered), oldest first, as CSV or JSON Lines, for download.
#[utoipa::path(get, path = "/api/audit/export", security(("admin_token" = [])), params(AuditParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn export_audit(
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
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
    let body = state.store.export_audit(&params.query()?, format).await?;
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
