//! `/api/settings/email`: the console's SMTP relay for alerts by email — read (never the
//! password), set, removed, and tried with a test email.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use scim_console_core::email::{EmailSettings, NewEmailSettings, checked_address};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body};
use crate::state::AppState;

/// The routes of the email relay.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            email_settings,
            set_email_settings,
            delete_email_settings
        ))
        .routes(routes!(send_test_email))
}

/// The relay, if one is set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailRelayView {
    /// The relay; absent when alerts are not emailed.
    pub relay: Option<EmailSettings>,
}

/// The console's SMTP relay for alerts by email (its password is never shown).
#[utoipa::path(get, path = "/api/settings/email", security(("admin_token" = [])),
    responses((status = 200, body = EmailRelayView)))]
pub async fn email_settings(
    State(state): State<AppState>,
) -> Result<Json<EmailRelayView>, AdminError> {
    Ok(Json(EmailRelayView {
        relay: state.store.email_settings().await?,
    }))
}

/// Sets the relay. The password is sealed under the master key: absent keeps the stored one,
/// empty removes it.
#[utoipa::path(put, path = "/api/settings/email", security(("admin_token" = [])), request_body = NewEmailSettings,
    responses((status = 200, body = EmailSettings), (status = 400, body = ErrorBody)))]
pub async fn set_email_settings(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Body(body): Body<NewEmailSettings>,
) -> Result<Json<EmailSettings>, AdminError> {
    if let Some(pem) = body
        .trusted_certificate
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        && lettre::transport::smtp::client::Certificate::from_pem(pem.as_bytes()).is_err()
    {
        return Err(AdminError::invalid(
            "trustedCertificate",
            "not a PEM certificate that TLS can use",
        ));
    }
    Ok(Json(state.store.set_email_settings(&body, &actor).await?))
}

/// Removes the relay: alerts are no longer emailed.
#[utoipa::path(delete, path = "/api/settings/email", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_email_settings(
    State(state): State<AppState>,
    Acting(actor): Acting,
) -> Result<StatusCode, AdminError> {
    state.store.delete_email_settings(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where the test email goes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestEmailBody {
    /// The recipient.
    pub to: String,
}

/// What the relay made of the test email.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestEmailAnswer {
    /// The relay's answer.
    pub detail: String,
}

/// Sends a test email through the relay now: 200 with the relay's answer, or 502 saying why
/// it was not sent (the connection, TLS, the sign-in, or the relay's refusal).
#[utoipa::path(post, path = "/api/settings/email/test", security(("admin_token" = [])), request_body = TestEmailBody,
    responses((status = 200, body = TestEmailAnswer), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn send_test_email(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Body(body): Body<TestEmailBody>,
) -> Result<Json<TestEmailAnswer>, AdminError> {
    let to = checked_address("to", &body.to)?;
    let relay = state.store.email_relay().await?.ok_or_else(|| {
        AdminError::new(
            StatusCode::CONFLICT,
            "no email relay is set: save one first",
        )
    })?;
    let recipients = [to];
    let email = crate::email::Email {
        to: &recipients,
        subject: "[SCIM Console] Test email".to_owned(),
        body: format!(
            "This test email was sent by {} from SCIM Console. Alerts whose rules name recipients arrive the same way: one email when an alert is raised, one when it is resolved.\n",
            actor.name
        ),
    };
    let sent = crate::email::send(&relay, &email).await;
    let outcome = match &sent {
        Ok(detail) => detail.clone(),
        Err(e) => format!("not sent: {}", e.0),
    };
    state
        .store
        .record_email_test(&recipients[0], &outcome, &actor)
        .await?;
    sent.map(|detail| Json(TestEmailAnswer { detail }))
        .map_err(|e| AdminError::new(StatusCode::BAD_GATEWAY, e.0))
}
