//! `/api/configurations/{id}/provision-on-demand`: one user, picked from a sample payload, a
//! row of an identity provider's CSV export, or a user of another configuration, provisioned
//! now through the configuration's plan into its own endpoint — the console behaving like the
//! identity provider — and answered step by step (import, scope, match, action, result), as
//! Entra ID's "Provision on demand" shows it. The requests go through the endpoint like any
//! identity provider's and are recorded in its provisioning log.

use axum::Json;
use axum::extract::State;
use scim::{ListQuery, Paging};
use scim_console_core::mapping::provider::Provider;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, ConfigPath, config_id};
use super::pilot_runs::{SourceBody, pilot_error};
use crate::outbound::Pace;
use crate::outbound::target::TargetChoice;
use crate::pilot::runs::{PilotOptions, PilotRequest, Prepared};
use crate::pilot::source::{self, Source, SourceKind, SourceUser};
use crate::pilot::{Progress, StopSwitch, UserResult};
use crate::state::AppState;

/// The route.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(provision_on_demand))
}

/// One user to provision now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OnDemandBody {
    /// The provider to behave like: `entra`, `okta`, `oneLogin`, `google` (default: the plan's
    /// provider side, else Entra ID).
    #[schema(value_type = Option<String>)]
    pub behave_as: Option<Provider>,
    /// Where the user comes from: a JSON payload (a SCIM User or the provider's attributes), a
    /// CSV export, or another configuration's users.
    pub source: SourceBody,
    /// Which user of a CSV or JSON source: its row as pilot reports number them (the CSV
    /// line, the header being line 1; the array position from 1); the first user by default.
    pub row: Option<usize>,
    /// Which user of a configuration source: its userName.
    pub user_name: Option<String>,
    /// Only query the endpoint and say what would be done.
    #[serde(default)]
    pub dry_run: bool,
}

/// The one user the body picks.
async fn picked(
    state: &AppState,
    source: SourceBody,
    row: Option<usize>,
    user_name: Option<String>,
) -> Result<Source, AdminError> {
    let invalid = |e: source::SourceError| AdminError::invalid("source", e.0);
    let from_file = |source: Source| {
        let kind = source.kind;
        let (first, last) = (
            source.users.first().map_or(0, |u| u.row),
            source.users.last().map_or(0, |u| u.row),
        );
        let wanted = row.unwrap_or(first);
        let user = source
            .users
            .into_iter()
            .find(|u| u.row == wanted)
            .ok_or_else(|| {
                AdminError::invalid(
                    "row",
                    format!("the source's users are on rows {first} to {last}, not {wanted}"),
                )
            })?;
        Ok(Source {
            kind,
            users: vec![user],
        })
    };
    match source {
        SourceBody::Csv { content } => {
            from_file(source::from_csv(content.as_bytes()).map_err(invalid)?)
        }
        SourceBody::Json { content } => {
            from_file(source::from_json(content.as_bytes()).map_err(invalid)?)
        }
        SourceBody::Configuration { configuration_id } => {
            let configuration = state
                .store
                .configuration(config_id(&configuration_id)?)
                .await?;
            let name = user_name
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| AdminError::invalid("userName", "name the user to provision"))?;
            let filter = format!(
                "userName eq {}",
                serde_json::to_string(name.trim()).unwrap_or_default()
            );
            let query = ListQuery::from_query_pairs([("filter", filter.as_str())])
                .map_err(|e| AdminError::invalid("userName", e.to_string()))?;
            let page = state
                .store
                .list_users(
                    &configuration,
                    &state.registry,
                    &query,
                    Paging {
                        start_index: 1,
                        count: 1,
                    },
                )
                .await?;
            let attributes = page
                .resources
                .into_iter()
                .next()
                .ok_or_else(|| {
                    AdminError::invalid(
                        "userName",
                        format!(
                            "configuration \"{}\" has no user {name}",
                            configuration.name
                        ),
                    )
                })?
                .into_map()?;
            Ok(Source {
                kind: SourceKind::Scim,
                users: vec![SourceUser { row: 1, attributes }],
            })
        }
    }
}

/// Provisions one user now through the configuration's plan into its own endpoint, the
/// console behaving like the identity provider, and says step by step what happened.
#[utoipa::path(post, path = "/api/configurations/{id}/provision-on-demand", security(("admin_token" = [])), request_body = OnDemandBody,
    responses((status = 200, body = UserResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn provision_on_demand(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<OnDemandBody>,
) -> Result<Json<UserResult>, AdminError> {
    let source = picked(&state, body.source, body.row, body.user_name).await?;
    // One attempt: the answer is shown as it came (a held deletion, a 429), not retried.
    let options = PilotOptions::new(
        body.dry_run,
        1,
        Pace {
            rate: 0.0,
            attempts: 1,
            ..Pace::default()
        },
    )
    .map_err(pilot_error)?;
    let prepared = Prepared::new(
        &state.store,
        &state.registry,
        PilotRequest {
            configuration: configuration.clone(),
            plan: None,
            behave_as: body.behave_as,
            options,
            target: TargetChoice::Local(configuration),
        },
        &state.loopback_origin(),
        &state.logs,
        &actor,
    )
    .await
    .map_err(pilot_error)?;
    let (progress, _) = tokio::sync::watch::channel(Progress::default());
    let report = crate::pilot::run(
        &prepared.pilot,
        &prepared.client,
        prepared.target_name(),
        &source,
        &StopSwitch::default(),
        &progress,
    )
    .await;
    drop(prepared.client);
    prepared.target.close(&state.store, &actor).await;
    report
        .users
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| AdminError::invalid("source", "the source holds no user"))
}
