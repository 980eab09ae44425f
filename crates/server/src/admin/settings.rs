//! How this server runs — address, TLS, data folder, master key, limits — for the settings
//! page. These are chosen when the server starts (`scim-console serve` options or the desktop's
//! settings file); the page shows them with the option that changes each.

use axum::Json;
use axum::extract::State;
use scim_console_core::{ClientProfile, Compatibility, SWITCHES, SwitchDoc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::Health;
use crate::state::AppState;

/// How this server runs.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The version of SCIM Console.
    pub version: String,
    /// The address the server is bound to (`ip:port`).
    pub bind: String,
    /// The origin clients use.
    pub origin: String,
    /// `https` or `http`.
    pub scheme: String,
    /// The TLS certificate's SHA-256 fingerprint, when serving TLS.
    pub tls_fingerprint: Option<String>,
    /// The data folder (database, TLS files).
    pub data_dir: Option<String>,
    /// Where the master key is kept.
    pub master_key: Option<String>,
    /// The largest SCIM request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per second allowed per token.
    pub requests_per_second: u32,
    /// Page size when a query gives no `count`.
    pub default_page_size: usize,
    /// The largest page returned.
    pub max_page_size: usize,
}

/// How this server runs.
#[utoipa::path(get, path = "/api/settings", security(("admin_token" = [])),
    responses((status = 200, body = SettingsView)))]
pub async fn settings(State(state): State<AppState>) -> Json<SettingsView> {
    let info = &state.info;
    Json(SettingsView {
        version: env!("CARGO_PKG_VERSION").into(),
        bind: info.bind.to_string(),
        origin: info.origin.clone(),
        scheme: state.scheme.into(),
        tls_fingerprint: info.tls_fingerprint.clone(),
        data_dir: info.data_dir.as_ref().map(|d| d.display().to_string()),
        master_key: info.master_key_source.clone(),
        max_body_bytes: state.limits.max_body_bytes,
        requests_per_second: state.limits.requests_per_second,
        default_page_size: state.limits.default_page_size,
        max_page_size: state.limits.max_page_size,
    })
}

/// One client profile: its switches and what it is for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientProfileView {
    /// Its name.
    pub name: ClientProfile,
    /// A title for people.
    pub title: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Its switches.
    pub compatibility: Compatibility,
}

/// The client profiles and what every compatibility switch does.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientProfilesView {
    /// Every profile.
    pub profiles: Vec<ClientProfileView>,
    /// Every switch, documented.
    pub switches: Vec<SwitchDoc>,
}

/// The client profiles (`entra`, `okta`, `rfc`, `strict`) and what each compatibility switch
/// does.
#[utoipa::path(get, path = "/api/client-profiles", security(("admin_token" = [])),
    responses((status = 200, body = ClientProfilesView)))]
pub async fn client_profiles() -> Json<ClientProfilesView> {
    Json(ClientProfilesView {
        profiles: ClientProfile::ALL
            .into_iter()
            .map(|p| ClientProfileView {
                name: p,
                title: p.title(),
                description: p.description(),
                compatibility: Compatibility::for_profile(p),
            })
            .collect(),
        switches: SWITCHES.to_vec(),
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

/// The routes of the server's settings, the client profiles, and health.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings))
        .routes(routes!(client_profiles))
        .routes(routes!(health))
}
