//! The signed-in administrator's own account (`/api/me`): who am I and what may I do (the UI
//! offers only that), my sessions, my personal API tokens, my password and TOTP.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use scim_console_core::administrators::accounts::Administrator;
use scim_console_core::administrators::api_tokens::{ApiToken, NewApiToken};
use scim_console_core::administrators::credentials;
use scim_console_core::administrators::roles::{Access, Area, Grant, Role};
use scim_console_core::administrators::sessions::AdminSession;

use super::AdminError;
use super::access::{Caller, Need, Signed, Via};
use super::dto::ErrorBody;
use super::extract::{Acting, Body};
use crate::state::AppState;

/// The routes of `/api/me`.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(who_am_i))
        .routes(routes!(my_sessions))
        .routes(routes!(end_my_session))
        .routes(routes!(my_api_tokens, create_my_api_token))
        .routes(routes!(revoke_my_api_token))
        .routes(routes!(new_totp))
        .routes(routes!(set_my_password))
}

/// What the caller may do in one area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AreaAccessView {
    /// The area.
    pub area: Area,
    /// Whether it may read it across the server (a grant limited to some configurations
    /// reads the lists of the configurations, the log, the alerts and the audit log, showing
    /// its configurations' records only, and each of its configurations).
    pub read: bool,
    /// Whether it may change it across the server.
    pub write: bool,
}

/// Who is calling, and what it may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeView {
    /// The administrator; absent for the server's admin token, which is nobody in particular.
    pub administrator: Option<Administrator>,
    /// The credential: `session`, `api token` or `admin token`.
    pub via: String,
    /// The grants it holds through that credential.
    pub grants: Vec<Grant>,
    /// What it may do, area by area (from the roles table: the UI offers only this).
    pub areas: Vec<AreaAccessView>,
}

/// Whose rights `/api/me` describes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeParams {
    /// Describe the rights on this configuration (its id) rather than across the server.
    configuration: Option<String>,
}

/// Who am I: the signed-in administrator, its credential and what it may do — across the
/// server, or on one configuration.
#[utoipa::path(get, path = "/api/me", security(("admin_token" = [])), params(MeParams),
    responses((status = 200, body = MeView)))]
pub async fn who_am_i(
    caller: axum::Extension<Caller>,
    super::extract::Params(params): super::extract::Params<MeParams>,
) -> Json<MeView> {
    let grants = caller.grants();
    let on = params
        .configuration
        .as_deref()
        .map(scim_console_core::ConfigurationId::parse);
    let allowed = |area, access| {
        caller
            .check(Some(Need::Area {
                area,
                access,
                configuration: on,
            }))
            .is_ok()
    };
    let areas = Area::ALL
        .iter()
        .map(|&area| AreaAccessView {
            area,
            read: allowed(area, Access::Read),
            write: allowed(area, Access::Write),
        })
        .collect();
    let (administrator, via) = match &caller.0 {
        Caller::AdminToken => (None, "admin token"),
        Caller::Administrator(signed) => (
            Some(signed.administrator.clone()),
            match signed.via {
                Via::Session(_) => "session",
                Via::ApiToken { .. } => "api token",
            },
        ),
    };
    Json(MeView {
        administrator,
        via: via.to_owned(),
        grants,
        areas,
    })
}

/// The signed-in administrator (the admin token is nobody: its holder has no account).
fn me(caller: &Caller) -> Result<&Signed, AdminError> {
    match caller {
        Caller::Administrator(signed) => Ok(signed),
        Caller::AdminToken => Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "the server's admin token is not an administrator: sign in as one (`scim-console admin create`)",
        )),
    }
}

/// The signed-in administrator, through a browser session: credentials are made there, not
/// with an API token.
fn in_session(caller: &Caller) -> Result<&Signed, AdminError> {
    let signed = me(caller)?;
    match signed.via {
        Via::Session(_) => Ok(signed),
        Via::ApiToken { .. } => Err(AdminError::new(
            StatusCode::FORBIDDEN,
            "credentials are made in a signed-in browser session, not with an API token",
        )),
    }
}

/// An open session, and whether it is the one asking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session.
    #[serde(flatten)]
    pub session: AdminSession,
    /// Whether the request came through it.
    pub current: bool,
}

/// Sessions as views, the caller's own marked.
pub(super) fn session_views(sessions: Vec<AdminSession>, caller: &Caller) -> Vec<SessionView> {
    let current = match caller {
        Caller::Administrator(Signed {
            via: Via::Session(id),
            ..
        }) => Some(id.as_str()),
        _ => None,
    };
    sessions
        .into_iter()
        .map(|session| SessionView {
            current: current == Some(session.id.as_str()),
            session,
        })
        .collect()
}

/// My open sessions (on every instance), newest first.
#[utoipa::path(get, path = "/api/me/sessions", security(("admin_token" = [])),
    responses((status = 200, body = [SessionView]), (status = 400, body = ErrorBody)))]
pub async fn my_sessions(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
) -> Result<Json<Vec<SessionView>>, AdminError> {
    let signed = me(&caller)?;
    let sessions = state
        .store
        .admin_sessions_of(&signed.administrator.id)
        .await?;
    Ok(Json(session_views(sessions, &caller)))
}

/// Ends one of my sessions, on every instance.
#[utoipa::path(delete, path = "/api/me/sessions/{session}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn end_my_session(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Acting(actor): Acting,
    Path(session): Path<String>,
) -> Result<StatusCode, AdminError> {
    let signed = me(&caller)?;
    state
        .store
        .revoke_admin_session(&signed.administrator.id, &session, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My personal API tokens (never their secrets), newest first.
#[utoipa::path(get, path = "/api/me/api-tokens", security(("admin_token" = [])),
    responses((status = 200, body = [ApiToken]), (status = 400, body = ErrorBody)))]
pub async fn my_api_tokens(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
) -> Result<Json<Vec<ApiToken>>, AdminError> {
    let signed = me(&caller)?;
    Ok(Json(
        state.store.api_tokens_of(&signed.administrator.id).await?,
    ))
}

/// A personal API token to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApiTokenBody {
    /// What will use it (`nightly export`).
    pub name: String,
    /// The roles it carries, of yours; absent: all of yours.
    pub roles: Option<Vec<Role>>,
    /// Its lifetime in days (1 to 366; 90 when absent).
    pub days: Option<i64>,
}

/// A personal API token just created: its secret shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedApiTokenView {
    /// The token.
    pub token: ApiToken,
    /// Its secret, for `Authorization: Bearer` (or `SCIM_CONSOLE_API_TOKEN`); not shown again.
    pub secret: String,
}

/// Creates a personal API token for myself, in a browser session; the secret is shown once.
#[utoipa::path(post, path = "/api/me/api-tokens", security(("admin_token" = [])), request_body = NewApiTokenBody,
    responses((status = 201, body = IssuedApiTokenView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_my_api_token(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Acting(actor): Acting,
    Body(body): Body<NewApiTokenBody>,
) -> Result<(StatusCode, Json<IssuedApiTokenView>), AdminError> {
    let signed = in_session(&caller)?;
    let issued = state
        .store
        .create_api_token(
            &signed.administrator.id,
            &NewApiToken {
                name: body.name,
                roles: body.roles,
                days: body.days.unwrap_or(90),
            },
            &actor,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedApiTokenView {
            token: issued.token,
            secret: issued.secret.expose().to_owned(),
        }),
    ))
}

/// Revokes one of my personal API tokens: it stops on the next request, on every instance.
#[utoipa::path(delete, path = "/api/me/api-tokens/{token}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_my_api_token(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Acting(actor): Acting,
    Path(token): Path<String>,
) -> Result<StatusCode, AdminError> {
    let signed = me(&caller)?;
    state
        .store
        .revoke_api_token(&signed.administrator.id, &token, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new TOTP secret for an authenticator app.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpView {
    /// The secret, base32, to type into the app.
    pub secret: String,
    /// The `otpauth://` URI, for a QR code.
    pub uri: String,
}

/// Makes a new TOTP secret for me (nothing is stored until `PUT /api/me/password` gives it
/// back with a code and a password).
#[utoipa::path(post, path = "/api/me/totp", security(("admin_token" = [])),
    responses((status = 200, body = TotpView), (status = 403, body = ErrorBody)))]
pub async fn new_totp(caller: axum::Extension<Caller>) -> Result<Json<TotpView>, AdminError> {
    let signed = in_session(&caller)?;
    let enrolment = credentials::new_totp(&signed.administrator.email)?;
    Ok(Json(TotpView {
        secret: enrolment.secret,
        uri: enrolment.uri,
    }))
}

/// A password with its second factor.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    /// The new password (12 characters at least).
    pub password: String,
    /// The TOTP secret `POST /api/me/totp` made.
    pub totp_secret: String,
    /// The code the authenticator app shows for it now.
    pub code: String,
}

/// Sets my password and TOTP second factor, in a browser session. Other sessions stay open.
#[utoipa::path(put, path = "/api/me/password", security(("admin_token" = [])), request_body = PasswordBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_my_password(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    Acting(actor): Acting,
    Body(body): Body<PasswordBody>,
) -> Result<StatusCode, AdminError> {
    let signed = in_session(&caller)?;
    state
        .store
        .set_administrator_password(
            &signed.administrator.id,
            &body.password,
            &body.totp_secret,
            &body.code,
            &actor,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
