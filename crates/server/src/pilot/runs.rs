//! Setting a pilot run up — its plan, the provider it behaves like, its target and credential —
//! and the server's runs: started in the background, followed by the UI, stopped on request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use scim_console_core::mapping::plan::{Plan, Severity};
use scim_console_core::mapping::provider::{Provider, ProviderSide};
use scim_console_core::mapping::versions::registry_with_custom_fields;
use scim_console_core::{Actor, Configuration, Store};
use serde::Serialize;
use tokio::sync::watch;

use super::{Pilot, Progress, Report, Source, StopSwitch};
use crate::outbound::target::{OpenedTarget, TargetChoice, TargetError};
use crate::outbound::{Behaviour, Endpoint, LogRecorder, Pace, Recorder, ScimClient};
use scim_console_core::logs::writer::LogSink;

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
    /// The target cannot be opened.
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// The most users provisioned at once.
pub const MAX_CONCURRENCY: usize = 32;
/// The highest request rate a run may ask for (requests per second).
pub const MAX_RATE: f64 = 10_000.0;
/// The most attempts per request.
pub const MAX_ATTEMPTS: u32 = 20;

/// How a run goes, checked against the same limits whichever edge starts it.
#[derive(Debug, Clone, Copy)]
pub struct PilotOptions {
    /// Only query the target and say what would be done.
    pub dry_run: bool,
    /// Users provisioned at once (1–[`MAX_CONCURRENCY`]).
    pub concurrency: usize,
    /// Rate, attempts and backoff.
    pub pace: Pace,
}

impl PilotOptions {
    /// Checks the options: an error names the field and its limits.
    pub fn new(dry_run: bool, concurrency: usize, pace: Pace) -> Result<Self, PilotError> {
        let invalid = |field: &'static str, message: String| {
            PilotError::Core(scim_console_core::CoreError::invalid(field, message))
        };
        if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
            return Err(invalid(
                "concurrency",
                format!("must be between 1 and {MAX_CONCURRENCY}"),
            ));
        }
        if !pace.rate.is_finite() || !(0.0..=MAX_RATE).contains(&pace.rate) {
            return Err(invalid(
                "rate",
                format!("must be between 0 (no limit) and {MAX_RATE} requests per second"),
            ));
        }
        if !(1..=MAX_ATTEMPTS).contains(&pace.attempts) {
            return Err(invalid(
                "attempts",
                format!("must be between 1 and {MAX_ATTEMPTS}"),
            ));
        }
        Ok(Self {
            dry_run,
            concurrency,
            pace,
        })
    }
}

/// A pilot run to set up.
#[derive(Clone)]
pub struct PilotRequest {
    /// The configuration whose log records the run (and whose plan applies when `plan` is
    /// `None`).
    pub configuration: Configuration,
    /// The plan to use instead of the configuration's current one.
    pub plan: Option<Plan>,
    /// The provider to behave like.
    pub behave_as: Option<Provider>,
    /// How it goes.
    pub options: PilotOptions,
    /// Where it provisions.
    pub target: TargetChoice,
}

/// A run set up: compiled, its target opened, its client built.
pub struct Prepared {
    /// What the run does.
    pub pilot: Pilot,
    /// The client calling the target.
    pub client: ScimClient,
    /// The target (close it when the run ends: it may hold a temporary token).
    pub target: OpenedTarget,
    /// The configuration whose log records the run.
    pub configuration: Configuration,
}

impl Prepared {
    /// Sets a run up for the admin API and the command line alike: compiles the plan, opens
    /// the target (a local configuration is reached at `local_origin` with a temporary token
    /// issued by `actor`), and builds the client; requests to a remote target are recorded
    /// through `log` (the console's own endpoint records those it serves).
    pub async fn new(
        store: &Store,
        registry: &scim::SchemaRegistry,
        request: PilotRequest,
        local_origin: &str,
        log: &LogSink,
        actor: &Actor,
    ) -> Result<Self, PilotError> {
        let PilotRequest {
            configuration,
            plan,
            behave_as,
            options,
            target,
        } = request;
        let pilot = prepare(
            store,
            registry,
            &configuration,
            plan,
            behave_as,
            options.dry_run,
            options.concurrency,
        )
        .await?;
        let target = OpenedTarget::open(store, target, local_origin, actor, "pilot run").await?;
        let record = target
            .local
            .is_none()
            .then(|| (log.clone(), &configuration));
        let client = match client(
            target.endpoint.clone(),
            pilot.provider.provider,
            options.pace,
            record,
        ) {
            Ok(client) => client,
            Err(error) => {
                target.close(store, actor).await;
                return Err(error);
            }
        };
        Ok(Self {
            pilot,
            client,
            target,
            configuration,
        })
    }

    /// The target's name in reports.
    pub fn target_name(&self) -> &str {
        &self.target.endpoint.name
    }
}

/// Compiles the plan of a run: `plan` if given, else the configuration's current plan, else
/// the default one; the provider is `behave_as`, else the plan's provider side, else Entra ID.
/// A plan whose provider side is for another provider than `behave_as` gets that provider's
/// template mappings.
async fn prepare(
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

/// A client for a run: outbound requests to a remote target are recorded in `record`'s log
/// (requests to the console's own endpoint are recorded by the endpoint itself).
fn client(
    endpoint: Endpoint,
    provider: Provider,
    pace: Pace,
    record: Option<(LogSink, &Configuration)>,
) -> Result<ScimClient, PilotError> {
    let recorder = record.map_or(Recorder::Nothing, |(sink, configuration)| {
        Recorder::Log(LogRecorder {
            sink,
            configuration: configuration.id,
            client: match provider {
                Provider::Entra => scim_console_core::logs::Client::Entra,
                Provider::Okta => scim_console_core::logs::Client::Okta,
                Provider::OneLogin => scim_console_core::logs::Client::OneLogin,
                Provider::Google => scim_console_core::logs::Client::Google,
            },
        })
    });
    let behaviour = Behaviour {
        purpose: "pilot run",
        user_agent: Some(super::user_agent(provider)),
        timeout: crate::outbound::TIMEOUT,
        rate: pace.rate,
        retry: pace.retry_rule(),
    };
    Ok(ScimClient::new(endpoint, behaviour, recorder)?)
}

/// Where a server-side run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotRunState)]
pub enum RunState {
    /// Provisioning.
    Running,
    /// Ended (the report is ready).
    Finished,
}

/// A run as the admin API shows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
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
    /// What a retry of its failed users needs, once it has ended (server runs only).
    retry: Mutex<Option<Retry>>,
}

/// A finished run's failed users, and how to run them again.
#[derive(Clone)]
pub struct Retry {
    /// The run's set-up, as it was asked for.
    pub request: PilotRequest,
    /// The users that failed, as the source gave them.
    pub failed: Source,
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

/// Why a run's failed users cannot be run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RetryRefusal {
    /// No kept run has that id.
    #[error("no such pilot run (the server keeps the last 20)")]
    NoSuchRun,
    /// It is still running.
    #[error("the run has not finished: retry its failed users once it has")]
    NotFinished,
    /// It has no failed user (or none of those asked for).
    #[error("the run has no failed user to retry")]
    NothingFailed,
    /// A row asked for did not fail.
    #[error("row {0} did not fail in this run")]
    NotFailed(usize),
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
    /// The run, set up.
    pub prepared: Prepared,
    /// The users.
    pub source: Source,
    /// The store (the target is closed there when the run ends).
    pub store: Store,
    /// Who started it (and closes its target).
    pub actor: Actor,
    /// The set-up, kept so that the run's failed users can be run again.
    pub request: Option<PilotRequest>,
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
            configuration_id: launch.prepared.configuration.id.to_string(),
            target: launch.prepared.target_name().to_owned(),
            dry_run: launch.prepared.pilot.dry_run,
            started: Utc::now(),
            progress: rx,
            report: Mutex::new(None),
            stop: StopSwitch::default(),
            retry: Mutex::new(None),
        });
        {
            let mut runs = self.lock();
            runs.push_front(run.clone());
            while runs.len() > KEPT {
                runs.pop_back();
            }
        }
        tokio::spawn(async move {
            let Launch {
                prepared,
                source,
                store,
                actor,
                request,
            } = launch;
            let report = super::run(
                &prepared.pilot,
                &prepared.client,
                prepared.target_name(),
                &source,
                &run.stop,
                &tx,
            )
            .await;
            drop(prepared.client);
            prepared.target.close(&store, &actor).await;
            if let Some(request) = request {
                let failed: Vec<usize> = report
                    .users
                    .iter()
                    .filter(|u| u.action == super::Action::Failed)
                    .map(|u| u.row)
                    .collect();
                let failed = Source {
                    kind: source.kind,
                    users: source
                        .users
                        .into_iter()
                        .filter(|u| failed.contains(&u.row))
                        .collect(),
                };
                *run.retry
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(Retry { request, failed });
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

    /// What a retry of a finished run's failed users needs: all of them, or those of `rows`.
    pub fn retry(&self, id: &str, rows: Option<&[usize]>) -> Result<Retry, RetryRefusal> {
        let run = self
            .lock()
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or(RetryRefusal::NoSuchRun)?;
        let retry = run
            .retry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(RetryRefusal::NotFinished)?;
        let mut failed = retry.failed;
        if let Some(rows) = rows {
            if let Some(row) = rows
                .iter()
                .find(|r| !failed.users.iter().any(|u| u.row == **r))
            {
                return Err(RetryRefusal::NotFailed(*row));
            }
            failed.users.retain(|u| rows.contains(&u.row));
        }
        if failed.users.is_empty() {
            return Err(RetryRefusal::NothingFailed);
        }
        Ok(Retry {
            request: retry.request,
            failed,
        })
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
