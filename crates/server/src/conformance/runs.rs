//! The server's conformance runs: started in the background against an opened target,
//! followed by the admin API (progress, results so far, the report), the oldest finished ones
//! forgotten.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use scim_console_core::{Actor, ClientProfile, Store};
use serde::Serialize;
use utoipa::ToSchema;

use super::{CheckResult, Options, Report};
use crate::outbound::target::OpenedTarget;

/// How many finished runs are kept.
const KEPT: usize = 20;
/// How many runs may check endpoints at once.
pub const MAX_RUNNING: usize = 4;

/// Why a run cannot start now.
#[derive(Debug, thiserror::Error)]
#[error("{MAX_RUNNING} conformance runs are running; start another when one has finished")]
pub struct Busy;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RunState {
    /// Checking.
    Running,
    /// Done: the report is there.
    Finished,
    /// It could not run: the error says why.
    Failed,
}

/// A run as the UI follows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConformanceRunView {
    /// The run's id.
    pub id: String,
    /// What is checked, for people.
    pub target: String,
    /// Whose rules.
    pub profile: ClientProfile,
    /// Whether writing checks run.
    pub allow_writes: bool,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Where it stands.
    pub state: RunState,
    /// Rules done.
    pub done: usize,
    /// Rules in the run.
    pub total: usize,
    /// The rule being checked.
    pub current: String,
    /// The results so far (in the list of runs: none).
    pub results: Vec<CheckResult>,
    /// The report, once finished (in the list of runs: none).
    pub report: Option<Report>,
    /// Why it could not run.
    pub error: Option<String>,
}

/// The server's conformance runs, newest first.
#[derive(Default)]
pub struct ConformanceRuns {
    runs: Mutex<VecDeque<ConformanceRunView>>,
}

impl ConformanceRuns {
    /// Runs `f` on the run `id`, if it is kept.
    pub fn with<T>(&self, id: &str, f: impl FnOnce(&mut ConformanceRunView) -> T) -> Option<T> {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        runs.iter_mut().find(|r| r.id == id).map(f)
    }

    fn add(&self, run: ConformanceRunView) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        runs.push_front(run);
        while runs.len() > KEPT {
            // Drop the oldest finished run; running ones stay.
            match runs.iter().rposition(|r| r.state != RunState::Running) {
                Some(i) => {
                    runs.remove(i);
                }
                None => break,
            }
        }
    }

    /// Whether [`MAX_RUNNING`] runs are running: a new one would be refused, so its target
    /// need not be opened (no temporary token issued and revoked, no audit records for it).
    pub fn full(&self) -> bool {
        self.running() >= MAX_RUNNING
    }

    fn running(&self) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|r| r.state == RunState::Running)
            .count()
    }

    /// The runs, newest first, without their results and reports.
    pub fn list(&self) -> Vec<ConformanceRunView> {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|r| ConformanceRunView {
                results: Vec::new(),
                report: None,
                ..r.clone()
            })
            .collect()
    }
}

impl ConformanceRuns {
    /// Starts a run of `options` against `target` in the background (its temporary token, if
    /// any, revoked by `actor` when it ends); the run as it starts. When [`MAX_RUNNING`] runs
    /// are running, the target is closed and nothing starts.
    pub async fn start(
        self: &Arc<Self>,
        options: Options,
        mut target: OpenedTarget,
        store: Store,
        actor: Actor,
    ) -> Result<ConformanceRunView, Busy> {
        if self.running() >= MAX_RUNNING {
            target.close(&store, &actor).await;
            return Err(Busy);
        }
        let id = format!("check_{:016x}", rand::random::<u64>());
        let view = ConformanceRunView {
            id: id.clone(),
            target: target.endpoint.name.clone(),
            profile: options.profile,
            allow_writes: options.allow_writes,
            started: Utc::now(),
            state: RunState::Running,
            done: 0,
            total: super::rules_for(&options).len(),
            current: String::new(),
            results: Vec::new(),
            report: None,
            error: None,
        };
        self.add(view.clone());
        tracing::info!(run = %id, target = %view.target, profile = ?view.profile, "conformance run started");
        let temporary = target.take_temporary();
        let runs = Arc::clone(self);
        tokio::spawn(async move {
            let progress_runs = Arc::clone(&runs);
            let progress_id = id.clone();
            let outcome = super::run(options, move |p| {
                progress_runs.with(&progress_id, |r| {
                    r.done = p.done;
                    r.total = p.total;
                    r.current = p.current;
                    if let Some(last) = p.last {
                        r.results.push(last);
                    }
                });
            })
            .await;
            if let Some(temporary) = temporary {
                temporary.revoke(&store, &actor).await;
            }
            runs.with(&id, |r| match outcome {
                Ok(report) => {
                    r.state = RunState::Finished;
                    r.results.clone_from(&report.results);
                    r.report = Some(report);
                }
                Err(error) => {
                    r.state = RunState::Failed;
                    r.error = Some(error);
                }
            });
        });
        Ok(view)
    }
}
