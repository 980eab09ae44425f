//! Pilot runs (provision on demand): the console behaves like an identity provider — its
//! request shapes, its order of operations, its matching query first — and provisions a source
//! of users into a target through a mapping plan, reporting per user what happened.
//!
//! For each user: the provider's mappings give the SCIM User it would send; the plan's scoping
//! and validators check it (out of scope: skipped; refused: failed, nothing sent); the matching
//! query (`filter=userName eq "…"`, Okta with `startIndex=1&count=100`) finds it in the target;
//! then a POST creates it, or an update sends only what differs — Entra ID as a PATCH of
//! `Replace` operations, Okta as a PUT of the whole user (a path-less PATCH when only `active`
//! changes) — or nothing when nothing differs. A dry run stops after the matching query and
//! says what it would do. Requests share a rate and a number of workers, and 429 and 5xx are
//! retried with backoff ([`crate::outbound`]); when five users in a row get no answer at all,
//! the run stops and says so instead of hammering a target that is down.

pub mod runs;
pub mod source;
pub mod steps;
mod wire;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use reqwest::Method;
use scim::ResourceSchema;
use scim::patch::PatchOperation;
use scim_console_core::mapping::plan::{CompiledPlan, Mode, Operation};
use scim_console_core::mapping::provider::{Provider, ProviderSide};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::outbound::{Answer, ScimClient, Unanswered};
pub use source::{Source, SourceKind, SourceUser};
use steps::{Step, StepKind, StepStatus, some_of};
use wire::{differences, encode, quoted, top_level_operations, wire_operation};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Users in a row without any answer after which a run stops.
const UNREACHABLE_STOP: usize = 5;

/// What happened to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotAction)]
pub enum Action {
    /// Created in the target.
    Created,
    /// Updated in the target.
    Updated,
    /// Already as the source says: nothing sent.
    Unchanged,
    /// Not provisioned: out of the plan's scope, or the run stopped before it.
    Skipped,
    /// Refused by the plan or the target, or the target did not answer.
    Failed,
    /// Dry run: would be created.
    WouldCreate,
    /// Dry run: would be updated.
    WouldUpdate,
}

/// One user's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotUserResult)]
pub struct UserResult {
    /// Its position in the source.
    pub row: usize,
    /// Its userName, when the mapping gave one.
    pub user_name: Option<String>,
    /// What happened.
    pub action: Action,
    /// Why, in words (the target's error, the validator that refused it, …).
    pub detail: String,
    /// The attributes created or updated (or that would be).
    pub attributes: Vec<String>,
    /// Its id in the target.
    pub id: Option<String>,
    /// The last HTTP status, when a request was answered.
    pub status: Option<u16>,
    /// Requests sent for it (retries included).
    pub requests: u32,
    /// Step by step (import, scope, match, action, result): what each decided and why.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// Users per action.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotCounts)]
pub struct Counts {
    /// Created.
    pub created: usize,
    /// Updated.
    pub updated: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Skipped.
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// Would be created (dry run).
    pub would_create: usize,
    /// Would be updated (dry run).
    pub would_update: usize,
}

impl Counts {
    fn add(&mut self, action: Action) {
        match action {
            Action::Created => self.created += 1,
            Action::Updated => self.updated += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Skipped => self.skipped += 1,
            Action::Failed => self.failed += 1,
            Action::WouldCreate => self.would_create += 1,
            Action::WouldUpdate => self.would_update += 1,
        }
    }
}

/// How far a run is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotProgress)]
pub struct Progress {
    /// Users in the source.
    pub total: usize,
    /// Users done.
    pub done: usize,
    /// Per action.
    pub counts: Counts,
}

/// A run's final report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotReport)]
pub struct Report {
    /// The target's name.
    pub target: String,
    /// Its SCIM base URL.
    pub base_url: String,
    /// The provider the console behaved like.
    #[schema(value_type = String)]
    pub behaved_as: Provider,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// Per action.
    pub counts: Counts,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// User by user, in source order.
    pub users: Vec<UserResult>,
}

/// What a run does.
#[derive(Clone)]
pub struct Pilot {
    /// The plan, compiled (its scoping, validators and matching apply).
    pub plan: Arc<CompiledPlan>,
    /// The provider's side: its mappings turn source attributes into SCIM Users.
    pub provider: ProviderSide,
    /// The User schema (with the configuration's custom extension, if any).
    pub schema: Arc<ResourceSchema>,
    /// Whether to stop after the matching queries.
    pub dry_run: bool,
    /// Users provisioned at once.
    pub concurrency: usize,
}

/// Stops a run from outside (the UI's Stop button).
#[derive(Debug, Clone, Default)]
pub struct StopSwitch(Arc<AtomicBool>);

impl StopSwitch {
    /// Asks the run to stop: users not started yet are skipped.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The User-Agent of a provider, as the console sends it (it names the provider, so the
/// endpoint recognises the client the run behaves like).
pub fn user_agent(provider: Provider) -> String {
    let name = provider_title(provider);
    format!(
        "SCIM Console/{} pilot run (behaving like {name})",
        env!("CARGO_PKG_VERSION")
    )
}

/// A provider's name for people.
fn provider_title(provider: Provider) -> &'static str {
    match provider {
        Provider::Entra => "Microsoft Entra ID",
        Provider::Okta => "Okta",
        Provider::OneLogin => "OneLogin",
        Provider::Google => "Google Workspace",
    }
}

/// Shared state of a running pilot.
struct Shared<'a> {
    pilot: &'a Pilot,
    client: &'a ScimClient,
    kind: SourceKind,
    unanswered_in_a_row: AtomicUsize,
    halted: AtomicBool,
    stop: &'a StopSwitch,
}

/// Runs a pilot over `source` through `client`, reporting progress on `progress`.
pub async fn run(
    pilot: &Pilot,
    client: &ScimClient,
    target: &str,
    source: &Source,
    stop: &StopSwitch,
    progress: &watch::Sender<Progress>,
) -> Report {
    let started = Utc::now();
    let total = source.users.len();
    progress.send_replace(Progress {
        total,
        ..Progress::default()
    });
    let shared = Shared {
        pilot,
        client,
        kind: source.kind,
        unanswered_in_a_row: AtomicUsize::new(0),
        halted: AtomicBool::new(false),
        stop,
    };
    let mut users: Vec<UserResult> = futures_util::stream::iter(source.users.iter().cloned())
        .map(|user| {
            let shared = &shared;
            async move {
                let result = shared.user(user).await;
                progress.send_modify(|p| {
                    p.done += 1;
                    p.counts.add(result.action);
                });
                result
            }
        })
        .buffer_unordered(pilot.concurrency.clamp(1, 32))
        .collect()
        .await;
    users.sort_by_key(|u| u.row);
    let mut counts = Counts::default();
    for u in &users {
        counts.add(u.action);
    }
    let stopped = if shared.halted.load(Ordering::SeqCst) {
        Some(format!(
            "the target stopped answering: {UNREACHABLE_STOP} users in a row got no answer, so the rest were not attempted"
        ))
    } else if stop.stopped() {
        Some("stopped by the admin".to_owned())
    } else {
        None
    };
    Report {
        target: target.to_owned(),
        base_url: client.base_url().to_owned(),
        behaved_as: pilot.provider.provider,
        dry_run: pilot.dry_run,
        started,
        finished: Utc::now(),
        counts,
        stopped,
        users,
    }
}

/// One user's result under construction.
struct Outcome {
    result: UserResult,
}

impl Outcome {
    fn new(row: usize, user_name: Option<String>) -> Self {
        Self {
            result: UserResult {
                row,
                user_name,
                action: Action::Failed,
                detail: String::new(),
                attributes: Vec::new(),
                id: None,
                status: None,
                requests: 0,
                steps: Vec::new(),
            },
        }
    }

    /// Records a step.
    fn step(&mut self, step: StepKind, status: StepStatus, summary: impl Into<String>) {
        self.result.steps.push(Step {
            step,
            status,
            summary: summary.into(),
        });
    }

    /// Ends the user: the action, why, and the result step that says so.
    fn finish(mut self, action: Action, detail: impl Into<String>) -> UserResult {
        let detail = detail.into();
        let status = match action {
            Action::Failed => StepStatus::Failed,
            Action::Skipped => StepStatus::Skipped,
            _ => StepStatus::Done,
        };
        let answered = self
            .result
            .status
            .map(|s| format!(" (last answer: HTTP {s})"))
            .unwrap_or_default();
        let id = self
            .result
            .id
            .as_ref()
            .map(|id| format!("; its id in the target: {id}"))
            .unwrap_or_default();
        self.step(StepKind::Result, status, format!("{detail}{answered}{id}"));
        self.result.action = action;
        self.result.detail = detail;
        self.result
    }

    /// Counts an answered request.
    fn answered(&mut self, answer: &Answer) {
        self.result.requests += answer.attempts;
        self.result.status = Some(answer.status);
    }
}

impl Shared<'_> {
    /// What the provider sends for a source user: the SCIM User and the operations that set
    /// its attributes.
    fn desired(&self, user: &SourceUser) -> (Map<String, Value>, Vec<PatchOperation>, Vec<String>) {
        match self.kind {
            SourceKind::Provider => {
                let (operations, mut problems) = self.pilot.provider.operations(&user.attributes);
                let (resource, more) = self
                    .pilot
                    .provider
                    .preview(&user.attributes, &self.pilot.schema);
                problems.extend(more);
                problems.dedup();
                (resource, operations, problems)
            }
            SourceKind::Scim => {
                let mut resource = user.attributes.clone();
                resource.shift_remove("id");
                resource.shift_remove("meta");
                resource.shift_remove("password");
                let operations = top_level_operations(&resource);
                (resource, operations, Vec::new())
            }
        }
    }

    /// The import step in words: what the source gave and what the mappings made of it.
    fn imported(
        &self,
        user: &SourceUser,
        desired: &Map<String, Value>,
        user_name: &str,
        problems: &[String],
    ) -> String {
        let read: Vec<String> = user.attributes.keys().cloned().collect();
        let made: Vec<String> = desired
            .keys()
            .filter(|k| k.as_str() != "schemas")
            .cloned()
            .collect();
        let mut text = match self.kind {
            SourceKind::Provider => format!(
                "read row {}: {}; the {} mappings make a SCIM User {user_name} with {}",
                user.row,
                some_of(&read),
                provider_title(self.pilot.provider.provider),
                some_of(&made)
            ),
            SourceKind::Scim => format!(
                "read row {}: a SCIM User {user_name} with {}",
                user.row,
                some_of(&made)
            ),
        };
        if !problems.is_empty() {
            let _ = write!(text, " (not mapped: {})", problems.join("; "));
        }
        text
    }

    /// Why the plan refuses a user (enforced validators, failed transforms), if it does.
    fn refused(&self, evaluation: &scim_console_core::mapping::plan::Evaluation) -> Option<String> {
        if self.pilot.plan.plan().mode != Mode::Enforce {
            return None;
        }
        let mut reasons: Vec<String> = evaluation.errors.clone();
        for field in &evaluation.fields {
            for verdict in field.verdicts.iter().filter(|v| !v.passed) {
                reasons.push(format!(
                    "{}: {}",
                    field.field,
                    verdict.message.as_deref().unwrap_or(verdict.validator)
                ));
            }
        }
        if self.pilot.plan.plan().unsupported
            == scim_console_core::mapping::plan::Unsupported::Reject
            && !evaluation.unsupported.is_empty()
        {
            reasons.push(format!(
                "attributes the plan does not support: {}",
                evaluation.unsupported.join(", ")
            ));
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// Sends one request for a user, counting it and the run's unanswered streak.
    async fn send(
        &self,
        outcome: &mut Outcome,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, Unanswered> {
        match self.client.send(method, path, body).await {
            Ok(answer) => {
                self.unanswered_in_a_row.store(0, Ordering::SeqCst);
                outcome.answered(&answer);
                Ok(answer)
            }
            Err(unanswered) => {
                outcome.result.requests += unanswered.attempts;
                if self.unanswered_in_a_row.fetch_add(1, Ordering::SeqCst) + 1 >= UNREACHABLE_STOP {
                    self.halted.store(true, Ordering::SeqCst);
                }
                Err(unanswered)
            }
        }
    }

    /// The users the matching query finds.
    async fn matching(
        &self,
        outcome: &mut Outcome,
        attribute: &str,
        value: &str,
    ) -> Result<Vec<Map<String, Value>>, String> {
        let filter = encode(&format!("{attribute} eq {}", quoted(value)));
        let path = match self.pilot.provider.provider {
            Provider::Entra => format!("/Users?filter={filter}"),
            _ => format!("/Users?filter={filter}&startIndex=1&count=100"),
        };
        let answer = self
            .send(outcome, Method::GET, &path, None)
            .await
            .map_err(|u| format!("the matching query got no answer: {}", u.reason))?;
        if answer.status != 200 {
            return Err(format!("the matching query: {}", answer.reason()));
        }
        let resources = answer
            .body
            .as_ref()
            .and_then(|b| b.get("Resources"))
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(|u| u.as_object().cloned()).collect())
            .unwrap_or_default();
        Ok(resources)
    }

    async fn user(&self, user: SourceUser) -> UserResult {
        let (desired, operations, problems) = self.desired(&user);
        let user_name = desired
            .get("userName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut outcome = Outcome::new(user.row, user_name.clone());
        if self.halted.load(Ordering::SeqCst) {
            return outcome.finish(
                Action::Failed,
                "not attempted: the target stopped answering",
            );
        }
        if self.stop.stopped() {
            return outcome.finish(Action::Skipped, "not attempted: the run was stopped");
        }
        let Some(user_name) = user_name else {
            let why = if problems.is_empty() {
                "no userName: the source has no value for the attribute mapped to userName"
                    .to_owned()
            } else {
                format!("no userName: {}", problems.join("; "))
            };
            outcome.step(StepKind::Import, StepStatus::Failed, why.clone());
            return outcome.finish(Action::Failed, why);
        };
        outcome.step(
            StepKind::Import,
            StepStatus::Done,
            self.imported(&user, &desired, &user_name, &problems),
        );
        let evaluation = self
            .pilot
            .plan
            .evaluate(&desired, Operation::Create, &self.pilot.schema);
        let filters = self.pilot.plan.plan().scoping.users.len();
        if !evaluation.in_scope {
            outcome.step(
                StepKind::Scope,
                StepStatus::Skipped,
                format!("out of scope: the plan's {filters} user scoping filter(s) leave it out"),
            );
            return outcome.finish(Action::Skipped, "out of the plan's scope");
        }
        outcome.step(
            StepKind::Scope,
            StepStatus::Done,
            if filters == 0 {
                "in scope: the plan has no user scoping filter".to_owned()
            } else {
                format!("in scope: it passes the plan's {filters} user scoping filter(s)")
            },
        );
        if let Some(why) = self.refused(&evaluation) {
            let why = format!("the plan refuses it: {why}");
            outcome.step(
                StepKind::Match,
                StepStatus::Skipped,
                "not queried: the plan refuses the user",
            );
            outcome.step(
                StepKind::Action,
                StepStatus::Failed,
                format!("nothing sent: {why}"),
            );
            return outcome.finish(Action::Failed, why);
        }
        let attribute = self
            .pilot
            .plan
            .matching_paths()
            .into_iter()
            .next()
            .filter(|a| !a.contains(['[', '.']) || a.contains(':'))
            .unwrap_or_else(|| "userName".to_owned());
        let value = desired
            .get(&attribute)
            .and_then(Value::as_str)
            .unwrap_or(&user_name)
            .to_owned();
        let attribute = if desired.get(&attribute).and_then(Value::as_str).is_some() {
            attribute
        } else {
            "userName".to_owned()
        };
        self.match_and_act(outcome, desired, operations, &attribute, &value)
            .await
    }

    /// The matching query, then the create or the update (the match, action and result
    /// steps).
    async fn match_and_act(
        &self,
        mut outcome: Outcome,
        desired: Map<String, Value>,
        operations: Vec<PatchOperation>,
        attribute: &str,
        value: &str,
    ) -> UserResult {
        let found = match self.matching(&mut outcome, attribute, value).await {
            Ok(found) => found,
            Err(why) => {
                outcome.step(StepKind::Match, StepStatus::Failed, why.clone());
                return outcome.finish(Action::Failed, why);
            }
        };
        let query = format!("{attribute} eq {}", quoted(value));
        match found.as_slice() {
            [] => {
                outcome.step(
                    StepKind::Match,
                    StepStatus::Done,
                    format!("no user of the target matches {query}: it is new"),
                );
                self.create(outcome, desired, operations, attribute, value)
                    .await
            }
            [existing] => {
                outcome.step(
                    StepKind::Match,
                    StepStatus::Done,
                    format!(
                        "matched the target's user {} on {query}",
                        existing.get("id").and_then(Value::as_str).unwrap_or("?")
                    ),
                );
                self.update(outcome, existing, operations).await
            }
            many => {
                let why = format!(
                    "{} users of the target match {query}; the matching attribute must be unique",
                    many.len()
                );
                outcome.step(StepKind::Match, StepStatus::Failed, why.clone());
                outcome.finish(Action::Failed, why)
            }
        }
    }

    async fn create(
        &self,
        mut outcome: Outcome,
        mut desired: Map<String, Value>,
        operations: Vec<PatchOperation>,
        attribute: &str,
        value: &str,
    ) -> UserResult {
        let names: Vec<String> = desired
            .keys()
            .filter(|k| k.as_str() != "schemas")
            .cloned()
            .collect();
        let sent = some_of(&names);
        outcome.result.attributes = names;
        if self.pilot.dry_run {
            outcome.step(
                StepKind::Action,
                StepStatus::Done,
                format!("dry run: would create it (POST /Users) with {sent}"),
            );
            return outcome.finish(Action::WouldCreate, "no match: would be created");
        }
        outcome.step(
            StepKind::Action,
            StepStatus::Done,
            format!("create: POST /Users with {sent}"),
        );
        if self.pilot.provider.provider == Provider::Okta && !desired.contains_key("active") {
            // Okta creates users active.
            desired.insert("active".into(), Value::Bool(true));
        }
        let body = Value::Object(desired);
        let answer = match self
            .send(&mut outcome, Method::POST, "/Users", Some(&body))
            .await
        {
            Ok(a) => a,
            Err(u) => return outcome.finish(Action::Failed, format!("no answer: {}", u.reason)),
        };
        match answer.status {
            200 | 201 => {
                outcome.result.id = answer
                    .body
                    .as_ref()
                    .and_then(|b| b["id"].as_str())
                    .map(str::to_owned);
                outcome.finish(Action::Created, "created")
            }
            409 => {
                // Created meanwhile (a retried POST whose first attempt went through, or
                // another client): match again and update, as identity providers do.
                match self.matching(&mut outcome, attribute, value).await {
                    Ok(found) if found.len() == 1 => {
                        self.update(outcome, &found[0], operations).await
                    }
                    _ => outcome.finish(
                        Action::Failed,
                        format!("the target refused the create: {}", answer.reason()),
                    ),
                }
            }
            _ => outcome.finish(
                Action::Failed,
                format!("the target refused the create: {}", answer.reason()),
            ),
        }
    }

    async fn update(
        &self,
        mut outcome: Outcome,
        existing: &Map<String, Value>,
        operations: Vec<PatchOperation>,
    ) -> UserResult {
        let Some(id) = existing
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return outcome.finish(
                Action::Failed,
                "the matching query returned a user without an id",
            );
        };
        outcome.result.id = Some(id.clone());
        let (changed, names, updated) = differences(existing, operations, &self.pilot.schema);
        outcome.result.attributes.clone_from(&names);
        if changed.is_empty() {
            outcome.step(
                StepKind::Action,
                StepStatus::Done,
                "none: the target's user already holds what the source says",
            );
            return outcome.finish(Action::Unchanged, "matches the source: nothing to send");
        }
        if self.pilot.dry_run {
            outcome.step(
                StepKind::Action,
                StepStatus::Done,
                format!("dry run: would update {}", some_of(&names)),
            );
            return outcome.finish(
                Action::WouldUpdate,
                format!("would update {}", names.join(", ")),
            );
        }
        let provider = self.pilot.provider.provider;
        let only_active = names.iter().all(|n| n.eq_ignore_ascii_case("active"));
        let (method, body) = match provider {
            Provider::Okta if only_active => (
                Method::PATCH,
                json!({
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "replace", "value": {"active": updated.get("active").cloned().unwrap_or(Value::Bool(true))}}]
                }),
            ),
            Provider::Okta => {
                let mut full = updated;
                full.shift_remove("meta");
                (Method::PUT, Value::Object(full))
            }
            _ => (
                Method::PATCH,
                json!({
                    "schemas": [PATCH_OP],
                    "Operations": changed.iter().map(|op| wire_operation(provider, op)).collect::<Vec<_>>()
                }),
            ),
        };
        let path = format!("/Users/{}", encode(&id).replace('+', "%20"));
        outcome.step(
            StepKind::Action,
            StepStatus::Done,
            format!("update: {method} /Users/{id} setting {}", some_of(&names)),
        );
        match self.send(&mut outcome, method, &path, Some(&body)).await {
            Ok(answer) if matches!(answer.status, 200 | 204) => {
                outcome.finish(Action::Updated, format!("updated {}", names.join(", ")))
            }
            Ok(answer) => outcome.finish(
                Action::Failed,
                format!("the target refused the update: {}", answer.reason()),
            ),
            Err(u) => outcome.finish(Action::Failed, format!("no answer: {}", u.reason)),
        }
    }
}
