//! `POST /Bulk` (RFC 7644 §3.7): the operations of one request run one after another, each as
//! its own request would (same rules, own transaction, own provisioning log record), in an
//! order that creates what a `bulkId` names before it is used. A circle of group references is
//! broken by creating the groups without those members and adding them once all exist.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use axum::Extension;
use axum::body::to_bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse as _, Response};
use scim::bulk::{BulkEndpoint, BulkMethod, BulkOperation, BulkRequest, BulkResult, bulk_response};
use scim::{ScimError, patch::PATCH_OP_SCHEMA};
use scim_console_core::logs::Operation;
use scim_console_core::logs::labels::ResourceLabel;
use scim_console_core::logs::outbox::RequestFacts;
use serde_json::{Value, json};

use super::auth::Tenant;
use super::http::{ScimBody, ScimFailure, ScimReply};
use super::log_context::{SharedLogContext, snapshot};
use super::recording::Recording;
use super::resources::{self, Kind};
use crate::state::AppState;

/// The most operations one bulk request may carry (`maxOperations`).
pub const MAX_OPERATIONS: usize = 1000;

/// What every operation shares: the server, the caller, and the bulk request's own facts.
struct Runner<'a> {
    state: &'a AppState,
    tenant: &'a Tenant,
    context: &'a SharedLogContext,
    facts: &'a RequestFacts,
}

impl Runner<'_> {
    /// Runs one resolved operation as its own request would run, recorded in the log as one.
    async fn run(&self, op: &BulkOperation, method: &str) -> BulkResult {
        let kind = match op.endpoint {
            BulkEndpoint::Users => Kind::User,
            BulkEndpoint::Groups => Kind::Group,
        };
        let prefix = self
            .facts
            .path
            .split("/Bulk")
            .next()
            .unwrap_or_default()
            .to_owned();
        let raw_path = format!("{prefix}{}", op.path());
        let facts = RequestFacts {
            at: chrono::Utc::now(),
            method: op.method.as_str().to_owned(),
            path: scim_console_core::logs::redact_path(&raw_path),
            operation: Operation::classify(op.method.as_str(), &raw_path, op.data.as_ref()),
            request_body: op
                .data
                .as_ref()
                .and_then(|body| snapshot(self.context).masking.body(body)),
            ..self.facts.clone()
        };
        let recording = Recording {
            state: self.state,
            context: self.context,
            started: Instant::now(),
            raw_path,
            requested: op
                .data
                .as_ref()
                .and_then(Value::as_object)
                .map(ResourceLabel::of)
                .unwrap_or_default(),
        };
        let mut headers = HeaderMap::new();
        let mut bad_version = None;
        match op.version.as_deref().map(HeaderValue::from_str) {
            Some(Ok(version)) => {
                headers.insert(header::IF_MATCH, version);
            }
            Some(Err(_)) => {
                bad_version = Some(ScimError::invalid_value(
                    "\"version\" is not an ETag such as W/\"3\" (it holds characters a header cannot)",
                ));
            }
            None => {}
        }
        let state = self.state.clone();
        let tenant = self.tenant.clone();
        let id = op.id.clone().unwrap_or_default();
        let body = op.data.clone().unwrap_or(Value::Null);
        let method_kind = op.method;
        let response = recording
            // Boxed: the handlers' futures are large, and a bulk request awaits many.
            .run(
                facts,
                Box::pin(async move {
                    if let Some(error) = bad_version {
                        return ScimFailure::from(error).into_response();
                    }
                    let reply = match method_kind {
                        BulkMethod::Post => {
                            resources::create(kind, state, tenant, None, body).await
                        }
                        BulkMethod::Put => {
                            resources::replace(kind, state, tenant, id, None, headers, body).await
                        }
                        BulkMethod::Patch => {
                            resources::patch(kind, state, tenant, id, None, headers, body).await
                        }
                        BulkMethod::Delete => {
                            resources::delete(kind, state, tenant, id, headers).await
                        }
                    };
                    match reply {
                        Ok(reply) => reply.into_response(),
                        Err(failure) => failure.into_response(),
                    }
                }),
            )
            .await;
        result_of(response, method, op.bulk_id.clone()).await
    }
}

/// The bulk result of an operation's response.
async fn result_of(response: Response, method: &str, bulk_id: Option<String>) -> BulkResult {
    let status = response.status().as_u16();
    let location = header_string(response.headers(), &header::LOCATION);
    let version = header_string(response.headers(), &header::ETAG);
    let response = if status >= 400 {
        let bytes = to_bytes(response.into_body(), 1024 * 1024)
            .await
            .unwrap_or_default();
        serde_json::from_slice(&bytes).ok()
    } else {
        None
    };
    BulkResult {
        method: method.to_owned(),
        bulk_id,
        location,
        version,
        status,
        response,
    }
}

fn header_string(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A result for an operation that could not run.
fn refused(method: &str, bulk_id: Option<String>, error: &ScimError) -> BulkResult {
    BulkResult {
        method: method.to_owned(),
        bulk_id,
        location: None,
        version: None,
        status: error.http_status(),
        response: Some(error.to_json()),
    }
}

/// The id a created resource's location ends with.
fn created_id(result: &BulkResult) -> Option<String> {
    if result.status != 201 {
        return None;
    }
    result
        .location
        .as_deref()?
        .rsplit('/')
        .next()
        .map(str::to_owned)
}

/// Members held back from a group create caught in a circle of references.
struct HeldBack {
    /// Where the group's result is.
    index: usize,
    /// The group's id.
    id: String,
    /// The members, still naming `bulkId`s.
    members: Vec<Value>,
}

/// The operations' progress.
#[derive(Default)]
struct Progress {
    /// `bulkId` → id of what it created.
    ids: HashMap<String, String>,
    /// `bulkId`s whose create failed.
    failed: Vec<String>,
    /// Results by request position.
    results: Vec<Option<BulkResult>>,
    errors: usize,
    held: Vec<HeldBack>,
}

impl Progress {
    fn done(&mut self, index: usize, result: BulkResult, op: Option<&BulkOperation>) {
        if result.failed() {
            self.errors += 1;
            if let Some(bulk_id) = op.and_then(|o| o.bulk_id.clone()) {
                self.failed.push(bulk_id);
            }
        } else if let (Some(bulk_id), Some(id)) =
            (op.and_then(|o| o.bulk_id.clone()), created_id(&result))
        {
            self.ids.insert(bulk_id, id);
        }
        self.results[index] = Some(result);
    }
}

/// Counts every operation of a bulk request against the token's rate limit (its arrival took
/// one): 429 with `Retry-After` when they do not fit.
fn charge_operations(
    state: &AppState,
    tenant: &Tenant,
    operations: usize,
) -> Result<(), ScimFailure> {
    state
        .limiter
        .charge(&tenant.principal.id, operations.saturating_sub(1))
        .map_err(|wait| {
            let seconds = wait.as_secs().max(1).to_string();
            ScimFailure::from(ScimError::status(
                429,
                format!(
                    "this bulk request's {operations} operations exceed the token's rate limit; retry after the delay in Retry-After"
                ),
            ))
            .with_header(header::RETRY_AFTER, &seconds)
        })
}

/// `POST /Bulk`.
pub async fn bulk(
    State(state): State<AppState>,
    tenant: Tenant,
    Extension(context): Extension<SharedLogContext>,
    Extension(facts): Extension<RequestFacts>,
    ScimBody(body): ScimBody,
) -> Result<ScimReply, ScimFailure> {
    let request = BulkRequest::parse(&body, MAX_OPERATIONS)?;
    charge_operations(&state, &tenant, request.entries.len())?;
    let runner = Runner {
        state: &state,
        tenant: &tenant,
        context: &context,
        facts: &facts,
    };
    let limit = request.fail_on_errors.unwrap_or(usize::MAX);
    let mut progress = Progress {
        results: vec![None; request.entries.len()],
        ..Progress::default()
    };
    // Every operation, in request order; those waiting for a bulkId are taken up again later.
    let mut pending: Vec<usize> = (0..request.entries.len()).collect();
    let (creators, references) = dependencies(&request);
    let mut stopped = false;
    while !pending.is_empty() && !stopped {
        let mut progressed = false;
        let mut still = Vec::new();
        for &i in &pending {
            if stopped {
                still.push(i);
                continue;
            }
            let entry = &request.entries[i];
            let op = match &entry.operation {
                Ok(op) => op,
                Err(error) => {
                    progress.done(
                        i,
                        refused(&entry.method, entry.bulk_id.clone(), error),
                        None,
                    );
                    progressed = true;
                    stopped = progress.errors >= limit;
                    continue;
                }
            };
            // Still waiting for what another operation creates: checked without resolving.
            let resolution = match references[i]
                .iter()
                .find(|r| !progress.ids.contains_key(*r))
            {
                Some(name) => Err(name.clone()),
                None => op.resolve(&progress.ids),
            };
            match resolution {
                Ok(resolved) => {
                    let result = runner.run(&resolved, &entry.method).await;
                    progress.done(i, result, Some(op));
                    progressed = true;
                }
                Err(missing) => {
                    let creator = creators.contains(missing.as_str());
                    let detail = if progress.failed.contains(&missing) {
                        format!("the operation that creates bulkId:{missing} failed")
                    } else if !creator {
                        format!("no operation of this request creates bulkId:{missing}")
                    } else {
                        still.push(i);
                        continue;
                    };
                    let error = ScimError::status(409, detail);
                    progress.done(
                        i,
                        refused(&entry.method, entry.bulk_id.clone(), &error),
                        Some(op),
                    );
                    progressed = true;
                }
            }
            stopped = progress.errors >= limit;
        }
        pending = still;
        if stopped || pending.is_empty() || progressed {
            continue;
        }
        // Only operations waiting on each other are left: a circle.
        if !break_circle(&runner, &request, &mut pending, &mut progress).await {
            for &i in &pending {
                let entry = &request.entries[i];
                let error = ScimError::status(
                    409,
                    "this operation is part of a circle of bulkId references that cannot be resolved (only group members may reference each other in a circle)",
                );
                progress.done(
                    i,
                    refused(&entry.method, entry.bulk_id.clone(), &error),
                    entry.operation.as_ref().ok(),
                );
            }
            pending.clear();
        }
        stopped = progress.errors >= limit;
    }
    add_held_back_members(&runner, &mut progress).await;
    let results: Vec<BulkResult> = progress.results.into_iter().flatten().collect();
    Ok(ScimReply::ok(bulk_response(&results)))
}

/// Which `bulkId`s some operation creates, and what each operation references, read once: a
/// pass over the waiting operations then costs a few lookups each (no copy of an operation, no
/// scan of the request), whatever the order of a chain of references.
fn dependencies(request: &BulkRequest) -> (HashSet<&str>, Vec<Vec<String>>) {
    let creators = request
        .entries
        .iter()
        .filter_map(|e| e.operation.as_ref().ok()?.bulk_id.as_deref())
        .collect();
    let references = request
        .entries
        .iter()
        .map(|e| {
            e.operation
                .as_ref()
                .map(BulkOperation::references)
                .unwrap_or_default()
        })
        .collect();
    (creators, references)
}

/// Creates the first waiting group whose only unresolved references are members, without those
/// members (added later). False when there is none.
async fn break_circle(
    runner: &Runner<'_>,
    request: &BulkRequest,
    pending: &mut Vec<usize>,
    progress: &mut Progress,
) -> bool {
    let found = pending.iter().enumerate().find_map(|(at, &i)| {
        let op = request.entries[i].operation.as_ref().ok()?;
        let (now, later) = op.without_unresolved_members(&progress.ids)?;
        let resolved = now.resolve(&progress.ids).ok()?;
        Some((at, i, resolved, later))
    });
    let Some((at, i, resolved, later)) = found else {
        return false;
    };
    pending.remove(at);
    let entry = &request.entries[i];
    let result = runner.run(&resolved, &entry.method).await;
    if let Some(id) = created_id(&result) {
        progress.held.push(HeldBack {
            index: i,
            id,
            members: later,
        });
    }
    progress.done(i, result, entry.operation.as_ref().ok());
    true
}

/// Adds the members held back from groups created in a circle, now that what they name exists.
/// A member whose create failed is left out, and the group's result says so.
async fn add_held_back_members(runner: &Runner<'_>, progress: &mut Progress) {
    for held in std::mem::take(&mut progress.held) {
        let mut members = Vec::new();
        let mut missing = Vec::new();
        for member in held.members {
            let mut m = member.clone();
            if let Some(name) = member
                .get("value")
                .and_then(Value::as_str)
                .and_then(|v| v.strip_prefix(scim::bulk::BULK_ID_PREFIX))
            {
                let Some(id) = progress.ids.get(name) else {
                    missing.push(name.to_owned());
                    continue;
                };
                m["value"] = json!(id);
            }
            members.push(m);
        }
        let Some(Some(group)) = progress.results.get(held.index).cloned() else {
            continue;
        };
        let mut outcome = group.clone();
        if !members.is_empty() {
            let patch = BulkOperation {
                method: BulkMethod::Patch,
                endpoint: BulkEndpoint::Groups,
                id: Some(held.id.clone()),
                bulk_id: None,
                version: None,
                data: Some(json!({
                    "schemas": [PATCH_OP_SCHEMA],
                    "Operations": [{"op": "add", "path": "members", "value": members}],
                })),
            };
            let added = runner.run(&patch, "PATCH").await;
            if added.failed() {
                outcome.status = added.status;
                outcome.response = added.response;
            } else if added.version.is_some() {
                outcome.version = added.version;
            }
        }
        if !missing.is_empty() && !outcome.failed() {
            let error = ScimError::status(
                409,
                format!(
                    "the group was created, but without the members the failed operations for {} would have created",
                    missing
                        .iter()
                        .map(|m| format!("bulkId:{m}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            outcome.status = 409;
            outcome.response = Some(error.to_json());
        }
        progress.results[held.index] = Some(outcome);
    }
}
