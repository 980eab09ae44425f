//! Setting a pilot run up — its plan, the provider it behaves like, its target and credential —
//! and the server's runs: started in the background, followed by the UI, stopped on request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use scim_console_core::mapping::plan::{Plan, Severity};
use scim_console_core::mapping::provider::{Provider, ProviderSide};
use scim_console_core::mapping::versions::registry_with_custom_fields;
use scim_console_core::{Actor, Configuration, NewToken, Store};
use serde::Serialize;
use tokio::sync::watch;

use super::{Pilot, Progress, Report, Source, StopSwitch};
use crate::outbound::{Endpoint, Pace, Recorder, ScimClient};
use crate::scim::recording::LogSink;

/// Why a run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum PilotError {
    /// The plan does not compile: its errors.
    #[error("the mapping plan has errors: {0}")]
    Plan(String),
    /// The store failed or refused.
    #[error(transparent)]
    Core(#[from] scim_console_core::CoreError),
    /// The target cannot be called.
    #[error(transparent)]
    Outbound(#[from] crate::outbound::OutboundError),
}

/// Compiles the plan of a run: `plan` if given, else the configuration's current plan, else
/// the default one; the provider is `behave_as`, else the plan's provider side, else Entra ID.
/// A plan whose provider side is for another provider than `behave_as` gets that provider's
/// template mappings.
pub async fn prepare(
    store: &Store,
    base: &scim::SchemaRegistry,
    configuration: &Configuration,
    plan: Option<Plan>,
    behave_as: Option<Provider>,
    dry_run: bool,
    concurrency: usize,
) -> Result<Pilot, PilotError> {
    let plan = match plan {
        Some(p) => p,
        None => store
            .mapping_plan(configuration.id)
            .await?
            .map_or_else(Plan::default_users, |v| v.plan),
    };
    let registry = registry_with_custom_fields(base, configuration, Some(&plan))?;
    let schema = Arc::new(registry.user().clone());
    let (compiled, findings) = plan.compile(&schema);
    let Some(compiled) = compiled else {
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.location, f.message))
            .collect();
        return Err(PilotError::Plan(errors.join("; ")));
    };
    let provider = match (behave_as, &plan.provider) {
        (Some(p), Some(side)) if side.provider == p => side.clone(),
        (Some(p), _) => ProviderSide::template(p),
        (None, Some(side)) => side.clone(),
        (None, None) => ProviderSide::template(Provider::Entra),
    };
    Ok(Pilot {
        plan: Arc::new(compiled),
        provider,
        schema,
        dry_run,
        concurrency,
    })
}

/// A temporary token of a local configuration, issued for a run against the console's own
/// endpoint and revoked when the run ends.
pub struct TemporaryToken {
    configuration: Configuration,
    id: String,
}

impl TemporaryToken {
    /// Issues one for a pilot run (valid two hours at most).
    pub async fn issue(
        store: &Store,
        configuration: &Configuration,
        actor: &Actor,
    ) -> Result<(Self, scim_console_core::Secret), PilotError> {
        Self::issue_for(store, configuration, actor, "pilot run").await
    }

    /// Issues one for `purpose` (valid two hours at most), labelled with it.
    pub async fn issue_for(
        store: &Store,
        configuration: &Configuration,
        actor: &Actor,
        purpose: &str,
    ) -> Result<(Self, scim_console_core::Secret), PilotError> {
        let issued = store
            .create_token(
                configuration.id,
                &NewToken {
                    label: format!("{purpose} (revoked when it ends)"),
                    expires: Some(Utc::now() + chrono::Duration::hours(2)),
                },
                actor,
            )
            .await?;
        Ok((
            Self {
                configuration: configuration.clone(),
                id: issued.info.id.clone(),
            },
            issued.token,
        ))
    }

    /// Revokes it.
    pub async fn revoke(self, store: &Store, actor: &Actor) {
        if let Err(error) = store
            .revoke_token(self.configuration.id, &self.id, actor)
            .await
        {
            tracing::warn!(%error, configuration = %self.configuration.name, "the pilot run's temporary token could not be revoked; it expires within two hours");
        }
    }
}

/// The endpoint of a local configuration, reached over loopback at `origin`.
pub fn local_endpoint(
    origin: &str,
    configuration: &Configuration,
    token: scim_console_core::Secret,
) -> Endpoint {
    Endpoint {
        base_url: format!(
            "{}/scim/{}/v2",
            origin.trim_end_matches('/'),
            configuration.slug
        ),
        bearer: Arc::new(token),
        name: format!("configuration {}", configuration.name),
        trust_any_certificate: origin.starts_with("https://"),
    }
}

/// A client for a run: outbound requests to a remote target are recorded in `log_to`'s log
/// (requests to the console's own endpoint are recorded by the endpoint itself).
pub fn client(
    endpoint: Endpoint,
    provider: Provider,
    pace: Pace,
    record: Option<(LogSink, &Configuration)>,
) -> Result<ScimClient, PilotError> {
    let recorder = record.map(|(sink, configuration)| Recorder {
        sink,
        configuration: configuration.id,
        client: match provider {
            Provider::Entra => scim_console_core::logs::Client::Entra,
            Provider::Okta => scim_console_core::logs::Client::Okta,
            Provider::OneLogin => scim_console_core::logs::Client::OneLogin,
            Provider::Google => scim_console_core::logs::Client::Google,
        },
    });
    Ok(ScimClient::new(
        endpoint,
        super::user_agent(provider),
        pace,
        recorder,
    )?)
}

/// Where a server-side run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotRunState)]
pub enum RunState {
    /// Provisioning.
    Running,
    /// Ended (the report is ready).
    Finished,
}

/// A run as the admin API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotRunView)]
pub struct RunView {
    /// Its id.
    pub id: String,
    /// The configuration whose plan (and log) it uses.
    pub configuration_id: String,
    /// The target's name.
    pub target: String,
    /// Whether nothing is written.
    pub dry_run: bool,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Where it stands.
    pub state: RunState,
    /// How far it is.
    pub progress: Progress,
    /// The report, once finished.
    pub report: Option<Report>,
}

/// One server-side run.
#[allow(clippy::struct_field_names)] // `dry_run` is what the API calls it.
pub struct Run {
    id: String,
    configuration_id: String,
    target: String,
    dry_run: bool,
    started: DateTime<Utc>,
    progress: watch::Receiver<Progress>,
    report: Mutex<Option<Report>>,
    stop: StopSwitch,
}

impl Run {
    fn view(&self, with_report: bool) -> RunView {
        let report = self
            .report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        RunView {
            id: self.id.clone(),
            configuration_id: self.configuration_id.clone(),
            target: self.target.clone(),
            dry_run: self.dry_run,
            started: self.started,
            state: if report.is_some() {
                RunState::Finished
            } else {
                RunState::Running
            },
            progress: *self.progress.borrow(),
            report: if with_report { report } else { None },
        }
    }
}

/// The most recent runs a server keeps (older reports are dropped; their requests stay in the
/// provisioning log).
const KEPT: usize = 20;

/// The server's runs, newest first.
#[derive(Default)]
pub struct Runs {
    runs: Mutex<VecDeque<Arc<Run>>>,
}

impl std::fmt::Debug for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runs")
    }
}

/// What a background run needs.
pub struct Launch {
    /// The run.
    pub pilot: Pilot,
    /// Its client.
    pub client: ScimClient,
    /// The target's name.
    pub target: String,
    /// The users.
    pub source: Source,
    /// The configuration whose plan it uses.
    pub configuration_id: String,
    /// Called when it ends (revokes a temporary token).
    pub cleanup: Option<Box<dyn FnOnce() -> futures_util::future::BoxFuture<'static, ()> + Send>>,
}

impl Runs {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Run>>> {
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a run in the background; returns its id.
    pub fn start(self: &Arc<Self>, launch: Launch) -> String {
        let id = format!("run_{}", uuid_like());
        let (tx, rx) = watch::channel(Progress {
            total: launch.source.users.len(),
            ..Progress::default()
        });
        let run = Arc::new(Run {
            id: id.clone(),
            configuration_id: launch.configuration_id.clone(),
            target: launch.target.clone(),
            dry_run: launch.pilot.dry_run,
            started: Utc::now(),
            progress: rx,
            report: Mutex::new(None),
            stop: StopSwitch::default(),
        });
        {
            let mut runs = self.lock();
            runs.push_front(run.clone());
            while runs.len() > KEPT {
                runs.pop_back();
            }
        }
        tokio::spawn(async move {
            let report = super::run(
                &launch.pilot,
                &launch.client,
                &launch.target,
                launch.source,
                &run.stop,
                &tx,
            )
            .await;
            if let Some(cleanup) = launch.cleanup {
                cleanup().await;
            }
            *run.report
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report);
        });
        id
    }

    /// Every kept run, newest first (without reports).
    pub fn list(&self) -> Vec<RunView> {
        self.lock().iter().map(|r| r.view(false)).collect()
    }

    /// One run, with its report when finished.
    pub fn get(&self, id: &str) -> Option<RunView> {
        self.lock()
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.view(true))
    }

    /// Asks a run to stop; false when there is no such run.
    pub fn stop(&self, id: &str) -> bool {
        self.lock()
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.stop.stop())
            .is_some()
    }
}

fn uuid_like() -> String {
    format!("{:016x}", rand::random::<u64>())
}
