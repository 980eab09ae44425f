//! The admin API of alerts: rules per configuration, the history of alerts raised and resolved,
//! evaluation on demand and a live stream (the desktop turns it into notifications).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use scim_console_core::administrators::roles::Area;
use scim_console_core::alerts::{
    AlertEvent, AlertEventQuery, AlertRule, AlertRuleUpdate, NewAlertRule,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::access::Caller;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, ConfigId, ConfigPath, Params, config_id};
use crate::state::AppState;

fn rule_id(id: &str) -> Result<i64, AdminError> {
    id.parse()
        .map_err(|_| AdminError::new(StatusCode::NOT_FOUND, format!("alert rule {id} not found")))
}

fn json(value: impl serde::Serialize) -> Json<Value> {
    Json(serde_json::to_value(value).unwrap_or_default())
}

/// A configuration's alert rules, oldest first.
#[utoipa::path(get, path = "/api/configurations/{id}/alerts", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The configuration's id")),
    responses((status = 200, body = [AlertRule]), (status = 404, body = ErrorBody)))]
pub async fn list_rules(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<Value>, AdminError> {
    let id = configuration.id;
    Ok(json(state.store.alert_rules(Some(id)).await?))
}

/// Creates an alert rule: `{"name", "condition": {"kind": "failureRate", "percent", "minutes",
/// "minRequests"} | {"kind": "noTraffic", "hours"} | {"kind": "revokedTokenUsed", "minutes"},
/// "enabled", "webhookUrl"}`. The webhook address is stored sealed and shown by its origin only.
#[utoipa::path(post, path = "/api/configurations/{id}/alerts", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The configuration's id")), request_body = NewAlertRule,
    responses((status = 201, body = AlertRule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_rule(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
    Acting(actor): Acting,
    Body(body): Body<NewAlertRule>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let rule = state.store.create_alert_rule(id, &body, &actor).await?;
    Ok((StatusCode::CREATED, json(rule)))
}

/// Changes an alert rule (absent fields stay; `"webhookUrl": null` removes the webhook).
#[utoipa::path(patch, path = "/api/alerts/rules/{rule}", security(("admin_token" = [])),
    params(("rule" = i64, Path, description = "The rule's id")), request_body = AlertRuleUpdate,
    responses((status = 200, body = AlertRule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_rule(
    State(state): State<AppState>,
    Path(rule): Path<String>,
    Acting(actor): Acting,
    Body(body): Body<AlertRuleUpdate>,
) -> Result<Json<Value>, AdminError> {
    let rule = state
        .store
        .update_alert_rule(rule_id(&rule)?, &body, &actor)
        .await?;
    Ok(json(rule))
}

/// Every alert rule of the configurations the caller may read alerts of, by configuration
/// then age: the Alerts page.
#[utoipa::path(get, path = "/api/alerts/rules", security(("admin_token" = [])),
    responses((status = 200, body = [AlertRule])))]
pub async fn all_rules(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, AdminError> {
    let rules: Vec<AlertRule> = state
        .store
        .alert_rules(None)
        .await?
        .into_iter()
        .filter(|r| caller.covers(Area::Alerts, r.configuration_id))
        .collect();
    Ok(json(rules))
}

/// How a test call of a rule's webhook went.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTestAnswer {
    /// Whether the webhook answered 2xx.
    pub delivered: bool,
    /// What it answered (`HTTP 200`), or why it could not be reached.
    pub detail: String,
}

/// Calls the rule's webhook once, now, with a test message: 200 with its answer, or 502
/// saying why it failed (409 when the rule has no webhook). Audited (`alert.webhookTest`).
#[utoipa::path(post, path = "/api/alerts/rules/{rule}/test", security(("admin_token" = [])),
    params(("rule" = i64, Path, description = "The rule's id")),
    responses((status = 200, body = WebhookTestAnswer), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn test_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(rule): Path<String>,
    Acting(actor): Acting,
) -> Result<Json<WebhookTestAnswer>, AdminError> {
    let rule = state.store.alert_rule(rule_id(&rule)?).await?;
    if !caller.covers(Area::Alerts, rule.configuration_id) {
        return Err(AdminError::new(
            StatusCode::NOT_FOUND,
            format!("alert rule {} not found", rule.id),
        ));
    }
    if rule.webhook.is_none() {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            "the rule has no webhook: add one first",
        ));
    }
    let configuration = state.store.configuration(rule.configuration_id).await?;
    let (delivered, detail) = state
        .alerts
        .test_webhook(&state.store, &rule, &configuration.name, &actor.name)
        .await?;
    state
        .store
        .record_webhook_test(&rule, &configuration.name, &detail, &actor)
        .await?;
    if delivered {
        Ok(Json(WebhookTestAnswer { delivered, detail }))
    } else {
        Err(AdminError::new(
            StatusCode::BAD_GATEWAY,
            format!("the webhook did not accept the test: {detail}"),
        ))
    }
}

/// Deletes an alert rule (the alerts it raised stay in the history).
#[utoipa::path(delete, path = "/api/alerts/rules/{rule}", security(("admin_token" = [])),
    params(("rule" = i64, Path, description = "The rule's id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Path(rule): Path<String>,
    Acting(actor): Acting,
) -> Result<StatusCode, AdminError> {
    state
        .store
        .delete_alert_rule(rule_id(&rule)?, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which alerts of the history.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AlertParams {
    /// Only this configuration (its id).
    configuration: Option<String>,
    /// Alerts before this position (the last `seq` of the previous page).
    before: Option<i64>,
    /// Page size, 1 to 1,000 (default 100).
    limit: Option<usize>,
}

/// The history of alerts raised and resolved, newest first, with each webhook call's outcome.
#[utoipa::path(get, path = "/api/alerts", security(("admin_token" = [])), params(AlertParams),
    responses((status = 200, body = [AlertEvent]), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<AlertParams>,
) -> Result<Json<Value>, AdminError> {
    let query = AlertEventQuery {
        configuration: params.configuration.as_deref().map(config_id).transpose()?,
        before: params.before,
        limit: params.limit.unwrap_or(0),
        reach: caller.reach(Area::Alerts),
    };
    Ok(json(state.store.alert_events(&query).await?))
}

/// Evaluates every rule now (they are also evaluated every minute): the alerts this raised or
/// resolved. Their webhooks are called in the background.
#[utoipa::path(post, path = "/api/alerts/evaluate", security(("admin_token" = [])),
    responses((status = 200, body = [AlertEvent])))]
pub async fn evaluate(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    Ok(json(state.alerts.evaluate(&state.store).await?))
}

/// Alerts as they are raised and resolved, as server-sent events (`event: alert`, `id:` the
/// alert's position, `data:` the alert as JSON). The desktop app shows each as a notification.
#[utoipa::path(get, path = "/api/alerts/stream", operation_id = "alert_stream", security(("admin_token" = [])),
    responses((status = 200, content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let reach = caller.reach(Area::Alerts);
    let follow = (state.alerts.subscribe(), state.stopping.clone(), reach);
    let events = futures_util::stream::unfold(
        follow,
        |(mut live, mut stopping, reach)| async move {
            loop {
                tokio::select! {
                    received = live.recv() => match received {
                        // Alerts of configurations the caller may not read are not its to see.
                        Ok(alert) if !reach.shows(Some(alert.configuration_id)) => {}
                        Ok(alert) => {
                            let event = Event::default()
                                .id(alert.seq.to_string())
                                .event("alert")
                                .json_data(&*alert)
                                .unwrap_or_default();
                            return Some((Ok::<_, std::convert::Infallible>(event), (live, stopping, reach)));
                        }
                        // Missed alerts are in the history; go on with the next ones.
                        Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return None,
                    },
                    _ = stopping.changed() => return None,
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The routes of alert rules, their history, evaluation and live stream.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(all_rules))
        .routes(routes!(update_rule, delete_rule))
        .routes(routes!(test_webhook))
        .routes(routes!(history))
        .routes(routes!(evaluate))
        .routes(routes!(stream))
}
