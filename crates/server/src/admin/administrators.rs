//! The console's administrators (`/api/administrators`, the `administrators` area: owners):
//! invited with a one-time sign-in link, given roles (optionally on named configurations),
//! disabled and enabled, their password reset, their sessions and API tokens listed and ended.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use scim_console_core::administrators::accounts::{Administrator, NewAdministrator};
use scim_console_core::administrators::api_tokens::ApiToken;
use scim_console_core::administrators::links::SignInLink;
use scim_console_core::administrators::roles::Grant;

use super::AdminError;
use super::access::Caller;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, origin};
use super::me::{SessionView, session_views};
use crate::state::AppState;

/// The routes of `/api/administrators`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_administrators, create_administrator))
        .routes(routes!(get_administrator, update_administrator))
        .routes(routes!(issue_sign_in_link))
        .routes(routes!(clear_password))
        .routes(routes!(administrator_sessions))
        .routes(routes!(end_administrator_session))
        .routes(routes!(administrator_api_tokens))
        .routes(routes!(revoke_administrator_api_token))
}

/// A one-time sign-in link: where to open it, and until when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInLinkView {
    /// The link (`…/sign-in#code=…`), to send to the administrator; shown once.
    pub url: String,
    /// When it stops working (15 minutes; one use).
    pub expires: DateTime<Utc>,
}

impl SignInLinkView {
    fn new(link: &SignInLink, origin: &str) -> Self {
        Self {
            url: format!("{origin}/sign-in#code={}", link.code.expose()),
            expires: link.expires,
        }
    }
}

/// An administrator to invite.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAdministratorBody {
    /// The email it signs in with.
    pub email: String,
    /// What people call it (default: the email's local part).
    #[serde(default)]
    pub name: String,
    /// Its grants: a role each, on every configuration or on named ones.
    pub grants: Vec<Grant>,
}

/// An administrator invited: the account and its first sign-in link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitedAdministratorView {
    /// The account.
    pub administrator: Administrator,
    /// Its one-time sign-in link.
    pub link: SignInLinkView,
}

/// Every administrator, by email.
#[utoipa::path(get, path = "/api/administrators", security(("admin_token" = [])),
    responses((status = 200, body = [Administrator]), (status = 403, body = ErrorBody)))]
pub async fn list_administrators(
    State(state): State<AppState>,
) -> Result<Json<Vec<Administrator>>, AdminError> {
    Ok(Json(state.store.administrators().await?))
}

/// Invites an administrator: creates the account and a one-time sign-in link (15 minutes).
#[utoipa::path(post, path = "/api/administrators", security(("admin_token" = [])), request_body = NewAdministratorBody,
    responses((status = 201, body = InvitedAdministratorView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_administrator(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    Body(body): Body<NewAdministratorBody>,
) -> Result<(StatusCode, Json<InvitedAdministratorView>), AdminError> {
    let administrator = state
        .store
        .create_administrator(
            &NewAdministrator {
                email: body.email,
                name: body.name,
                grants: body.grants,
            },
            &actor,
        )
        .await?;
    let link = state
        .store
        .create_sign_in_link(&administrator.id, &actor)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitedAdministratorView {
            administrator,
            link: SignInLinkView::new(&link, &origin(&state, &headers)),
        }),
    ))
}

/// One administrator, by id or email.
#[utoipa::path(get, path = "/api/administrators/{admin}", security(("admin_token" = [])),
    responses((status = 200, body = Administrator), (status = 404, body = ErrorBody)))]
pub async fn get_administrator(
    State(state): State<AppState>,
    Path(admin): Path<String>,
) -> Result<Json<Administrator>, AdminError> {
    Ok(Json(state.store.administrator(&admin).await?))
}

/// Changes to an administrator.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdministratorChanges {
    /// Its new grants, replacing the old.
    pub grants: Option<Vec<Grant>>,
    /// `false` disables it (its sessions and API tokens stop on their next request), `true`
    /// enables it again.
    pub enabled: Option<bool>,
}

/// Changes an administrator's grants or state. The last active owner stays one.
#[utoipa::path(patch, path = "/api/administrators/{admin}", security(("admin_token" = [])), request_body = AdministratorChanges,
    responses((status = 200, body = Administrator), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_administrator(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(admin): Path<String>,
    Body(changes): Body<AdministratorChanges>,
) -> Result<Json<Administrator>, AdminError> {
    let mut administrator = state.store.administrator(&admin).await?;
    if let Some(grants) = changes.grants {
        administrator = state
            .store
            .set_administrator_grants(&administrator.id, &grants, &actor)
            .await?;
    }
    if let Some(enabled) = changes.enabled {
        administrator = state
            .store
            .set_administrator_enabled(&administrator.id, enabled, &actor)
            .await?;
    }
    Ok(Json(administrator))
}

/// Issues a new one-time sign-in link for an administrator (15 minutes, one use).
#[utoipa::path(post, path = "/api/administrators/{admin}/sign-in-link", security(("admin_token" = [])),
    responses((status = 201, body = SignInLinkView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn issue_sign_in_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    Path(admin): Path<String>,
) -> Result<(StatusCode, Json<SignInLinkView>), AdminError> {
    let link = state.store.create_sign_in_link(&admin, &actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignInLinkView::new(&link, &origin(&state, &headers))),
    ))
}

/// Removes an administrator's password and TOTP (a lost device): it signs in next with a
/// one-time link and sets new ones.
#[utoipa::path(delete, path = "/api/administrators/{admin}/password", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn clear_password(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(admin): Path<String>,
) -> Result<StatusCode, AdminError> {
    state
        .store
        .clear_administrator_password(&admin, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An administrator's open sessions, on every instance.
#[utoipa::path(get, path = "/api/administrators/{admin}/sessions", security(("admin_token" = [])),
    responses((status = 200, body = [SessionView]), (status = 404, body = ErrorBody)))]
pub async fn administrator_sessions(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Path(admin): Path<String>,
) -> Result<Json<Vec<SessionView>>, AdminError> {
    let administrator = state.store.administrator(&admin).await?;
    let sessions = state.store.admin_sessions_of(&administrator.id).await?;
    Ok(Json(session_views(sessions, &caller)))
}

/// Ends an administrator's session, on every instance.
#[utoipa::path(delete, path = "/api/administrators/{admin}/sessions/{session}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn end_administrator_session(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path((admin, session)): Path<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let administrator = state.store.administrator(&admin).await?;
    state
        .store
        .revoke_admin_session(&administrator.id, &session, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An administrator's personal API tokens (never their secrets).
#[utoipa::path(get, path = "/api/administrators/{admin}/api-tokens", security(("admin_token" = [])),
    responses((status = 200, body = [ApiToken]), (status = 404, body = ErrorBody)))]
pub async fn administrator_api_tokens(
    State(state): State<AppState>,
    Path(admin): Path<String>,
) -> Result<Json<Vec<ApiToken>>, AdminError> {
    let administrator = state.store.administrator(&admin).await?;
    Ok(Json(state.store.api_tokens_of(&administrator.id).await?))
}

/// Revokes an administrator's personal API token.
#[utoipa::path(delete, path = "/api/administrators/{admin}/api-tokens/{token}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_administrator_api_token(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path((admin, token)): Path<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let administrator = state.store.administrator(&admin).await?;
    state
        .store
        .revoke_api_token(&administrator.id, &token, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
