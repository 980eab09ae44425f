//! Recording every SCIM request in the provisioning log: a middleware around the SCIM routes
//! builds one record per request (bodies redacted before they leave it) and hands it to a
//! background writer that stores records in batches, so logging costs a request a channel send.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim::ScimError;
use scim_console_core::logs::{self, Client, LogEntry, Operation, Outcome};
use scim_console_core::{ConfigurationId, Store};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use super::http::{ParsedBody, ReplyFacts, ScimFailure, header_text};
use crate::peer::Peer;
use crate::state::AppState;

/// What the handlers learn about a request that the log needs: filled by the `Tenant` extractor.
#[derive(Debug, Clone, Default)]
pub struct LogContext {
    /// The configuration addressed (known even when the credential is refused).
    pub configuration: Option<ConfigurationId>,
    /// The credential's non-secret prefix (also of an expired or revoked one).
    pub credential: Option<String>,
    /// Why the credential was refused, if it was.
    pub refusal: Option<logs::CredentialRefusal>,
}

/// Shared between the middleware and the extractor of one request.
pub type SharedLogContext = Arc<Mutex<LogContext>>;

/// Where records go: a bounded queue drained by the background writer, which then announces
/// each stored record (with its position) to live followers.
#[derive(Debug, Clone)]
pub struct LogSink {
    tx: mpsc::Sender<LogEntry>,
    live: broadcast::Sender<Arc<LogEntry>>,
    /// See [`LogSink::unstored_since`].
    unstored: Arc<AtomicI64>,
}

const QUEUE: usize = 8_192;
const BATCH: usize = 512;
/// Stored records a slow follower may fall behind before it reads the rest from the database.
const LIVE: usize = 4_096;

/// How often the outbox rows of stored records are deleted (one statement for all of them
/// rather than one per batch, which would compete with the directory's writes).
const RELEASE_EVERY: Duration = Duration::from_secs(1);

/// Outbox tickets of stored records, waiting to be released.
#[derive(Default)]
struct Release {
    tickets: Vec<i64>,
    since: Option<Instant>,
}

impl Release {
    fn add(&mut self, stored: &[LogEntry]) {
        let before = self.tickets.len();
        // Only deletes file outbox rows; creates and updates keep their stamp in their row.
        self.tickets.extend(
            stored
                .iter()
                .filter(|e| e.operation == Operation::Delete)
                .flat_map(|e| e.outbox.iter().copied()),
        );
        if before == 0 && !self.tickets.is_empty() {
            self.since = Some(Instant::now());
        }
    }

    fn due(&self) -> bool {
        self.tickets.len() >= 8_192 || self.since.is_some_and(|t| t.elapsed() >= RELEASE_EVERY)
    }

    /// Releases them. A failure only leaves rows that the next recovery finds logged.
    async fn now(&mut self, store: &Store) {
        if self.tickets.is_empty() {
            return;
        }
        if let Err(error) = store.release_log_outbox(&self.tickets).await {
            tracing::warn!(%error, "could not release provisioning log outbox rows");
        }
        self.tickets.clear();
        self.since = None;
    }
}

/// Records kept for another try after their batch could not be stored (the database was
/// unavailable); beyond this many, newer failures are dropped and left to the next start's
/// recovery.
const FAILED_MAX: usize = 65_536;
/// The first wait before storing failed records again; it doubles up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The background writer's state.
struct Writer {
    store: Store,
    announce: broadcast::Sender<Arc<LogEntry>>,
    release: Release,
    /// Records whose batch failed, oldest first, waiting for another try.
    failed: Vec<LogEntry>,
    /// When to try them again, and the wait after that.
    retry: Option<(Instant, Duration)>,
    /// Whether records were dropped since the last start (the checkpoint stays where they were).
    dropped: bool,
    /// The time of the oldest record not stored (`i64::MAX`: none); see
    /// [`LogSink::unstored_since`].
    unstored: Arc<AtomicI64>,
}

impl Writer {
    /// Stores a batch; a batch that fails is kept for another try (its changes are committed).
    async fn store_batch(&mut self, batch: &mut Vec<LogEntry>) {
        match self.store.record_logs(batch).await {
            Ok(()) => self.stored(batch),
            Err(error) => {
                tracing::error!(%error, records = batch.len(), "could not write provisioning log records; trying again");
                if let Some(oldest) = batch.iter().map(|e| e.at.timestamp_micros()).min() {
                    self.unstored.fetch_min(oldest, Ordering::SeqCst);
                }
                let room = FAILED_MAX.saturating_sub(self.failed.len());
                if batch.len() > room {
                    tracing::error!(
                        records = batch.len() - room,
                        "provisioning log records dropped after failing to be stored; the next start recovers those of changes"
                    );
                    self.dropped = true;
                    batch.truncate(room);
                }
                self.failed.append(batch);
                if self.retry.is_none() {
                    self.retry = Some((Instant::now() + RETRY_FIRST, RETRY_FIRST));
                }
            }
        }
        batch.clear();
    }

    /// Tries the failed records again when due.
    async fn retry_due(&mut self) {
        let Some((at, wait)) = self.retry else { return };
        if Instant::now() < at {
            return;
        }
        let mut failed = std::mem::take(&mut self.failed);
        let mut done = 0;
        while done < failed.len() {
            let end = (done + BATCH).min(failed.len());
            if let Err(error) = self.store.record_logs(&mut failed[done..end]).await {
                tracing::warn!(%error, records = failed.len() - done, "provisioning log records still cannot be stored");
                self.retry = Some((Instant::now() + wait, (wait * 2).min(RETRY_MAX)));
                // Keep the rest, in order; the chunks before were stored.
                self.failed = failed.split_off(done);
                self.stored(&mut failed);
                return;
            }
            done = end;
        }
        tracing::info!(
            records = failed.len(),
            "provisioning log records stored after failing before"
        );
        self.stored(&mut failed);
        self.retry = None;
        if !self.dropped {
            self.unstored.store(i64::MAX, Ordering::SeqCst);
        }
    }

    /// Releases the outbox rows of stored records and announces them to live followers.
    fn stored(&mut self, stored: &mut Vec<LogEntry>) {
        self.release.add(stored);
        if self.announce.receiver_count() > 0 {
            for entry in stored.drain(..) {
                let _ = self.announce.send(Arc::new(entry));
            }
        }
        stored.clear();
    }
}

/// The attributes a failed request was refused for, carried by its error response.
#[derive(Debug, Clone, Default)]
pub struct FailedAttributes(pub Vec<String>);

impl LogSink {
    /// A sink and its writer task, which ends (after writing what is queued) when every sink
    /// is dropped. The task's result says whether every record it was given is stored.
    pub fn start(store: Store) -> (Self, tokio::task::JoinHandle<bool>) {
        let (tx, mut rx) = mpsc::channel::<LogEntry>(QUEUE);
        let (live, _) = broadcast::channel(LIVE);
        let unstored = Arc::new(AtomicI64::new(i64::MAX));
        let follower = tokio::spawn(follow_other_instances(store.clone(), live.clone()));
        let mut writer = Writer {
            store,
            announce: live.clone(),
            release: Release::default(),
            failed: Vec::new(),
            retry: None,
            dropped: false,
            unstored: Arc::clone(&unstored),
        };
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                // With tickets to release or records to retry, wait at most until they are due.
                let wake = [
                    writer.release.since.map(|t| t + RELEASE_EVERY),
                    writer.retry.map(|(at, _)| at),
                ]
                .into_iter()
                .flatten()
                .min();
                let first = match wake {
                    None => rx.recv().await,
                    Some(at) => {
                        let Ok(first) = tokio::time::timeout_at(at.into(), rx.recv()).await else {
                            writer.retry_due().await;
                            if writer.release.due() {
                                writer.release.now(&writer.store).await;
                            }
                            continue;
                        };
                        first
                    }
                };
                let Some(first) = first else { break };
                batch.push(first);
                // Whatever else arrived meanwhile goes in the same transaction.
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(entry) => batch.push(entry),
                        Err(_) => break,
                    }
                }
                writer.store_batch(&mut batch).await;
                writer.retry_due().await;
                if writer.release.due() {
                    writer.release.now(&writer.store).await;
                }
                if rx.len() < BATCH {
                    // Let a few more arrive so the next transaction carries more than one.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            // The last try for records that failed before.
            if !writer.failed.is_empty() {
                writer.retry = Some((Instant::now(), RETRY_FIRST));
                writer.retry_due().await;
            }
            writer.release.now(&writer.store).await;
            follower.abort();
            writer.failed.is_empty() && !writer.dropped
        });
        (Self { tx, live, unstored }, task)
    }

    /// The time (µs since the epoch) of the oldest record that could not be stored and is not
    /// stored yet, if any: the provisioning log's checkpoint must not pass it, so that a
    /// restart recovers those changes' records if this process cannot store them.
    pub fn unstored_since(&self) -> Option<i64> {
        let at = self.unstored.load(Ordering::SeqCst);
        (at != i64::MAX).then_some(at)
    }

    /// Stored records from now on, in order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LogEntry>> {
        self.live.subscribe()
    }

    /// Queues a record. When the queue is full the request waits for room: a record is never
    /// dropped (its change may already be committed).
    pub(crate) async fn send(&self, entry: LogEntry) {
        match self.tx.try_send(entry) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(entry)) => {
                tracing::debug!("the provisioning log queue is full: the request waits for room");
                let _ = self.tx.send(entry).await;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("the provisioning log writer has stopped: a record was lost");
            }
        }
    }
}

/// Passes the records other instances of a shared PostgreSQL database store to this one's
/// live followers (nothing to do with SQLite). Runs until aborted; reconnects after failures.
async fn follow_other_instances(store: Store, live: broadcast::Sender<Arc<LogEntry>>) {
    loop {
        let mut follower = match store.follow_other_instances().await {
            Ok(Some(follower)) => follower,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot follow the other instances' log records yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let seqs = match follower.next().await {
                Ok(seqs) => seqs,
                Err(error) => {
                    tracing::warn!(%error, "lost the other instances' log announcements");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            };
            if live.receiver_count() == 0 {
                continue;
            }
            match store.log_entries(&seqs).await {
                Ok(entries) => {
                    for entry in entries {
                        let _ = live.send(Arc::new(entry));
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not read another instance's log records");
                }
            }
        }
    }
}

/// How a request ended, from its status, error detail and the plan's warnings.
fn outcome(status: u16, detail: Option<&str>, warnings: Option<&str>) -> Outcome {
    match status {
        200..=299 if warnings.is_some_and(|w| w.contains("out of scope")) => Outcome::Skipped,
        200..=299 if warnings.is_some() => Outcome::Warning,
        200..=299 => Outcome::Success,
        403 if detail.is_some_and(|d| d.contains("out of the scope")) => Outcome::Skipped,
        _ => Outcome::Failure,
    }
}

/// `User` or `Group`, from a request path.
pub(crate) fn resource_type(path: &str) -> Option<String> {
    if path.contains("/Users") {
        Some("User".into())
    } else if path.contains("/Groups") {
        Some("Group".into())
    } else {
        None
    }
}

/// The id in `/Users/{id}` or `/Groups/{id}`.
pub(crate) fn path_id(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.trim_end_matches('/').rsplit('/');
    let id = parts.next()?;
    let kind = parts.next()?;
    (matches!(kind, "Users" | "Groups") && id != ".search").then(|| id.to_owned())
}

/// An error response's body, read to be logged, and the response rebuilt around it.
async fn read_back(response: Response) -> (Response, Option<Value>) {
    let (parts, body) = response.into_parts();
    match to_bytes(body, 1024 * 1024).await {
        Ok(bytes) => {
            let json: Option<Value> = serde_json::from_slice(&bytes).ok();
            (Response::from_parts(parts, Body::from(bytes)), json)
        }
        Err(_) => (Response::from_parts(parts, Body::empty()), None),
    }
}

/// A string member of a JSON object.
pub(crate) fn text(v: Option<&Value>, key: &str) -> Option<String> {
    v.and_then(|j| j.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// What is known of a request once its handler answered.
struct Answered {
    started: Instant,
    configuration: ConfigurationId,
    known: LogContext,
    /// The userName / displayName the request body named.
    requested_name: Option<String>,
    /// The path as requested (not redacted), for the resource type and id.
    raw_path: String,
    tickets: Vec<i64>,
}

impl Answered {
    /// The request's log record, and its response (an error's body read back for the record).
    async fn record(
        self,
        request: logs::outbox::RequestFacts,
        response: Response,
    ) -> (Response, LogEntry) {
        let status = response.status();
        let facts = response
            .extensions()
            .get::<ReplyFacts>()
            .cloned()
            .unwrap_or_default();
        let attributes = response
            .extensions()
            .get::<FailedAttributes>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        // Successful answers are not read back (their facts travel with them); errors are small.
        let (response, response_json) = if status.is_success() {
            (response, None)
        } else {
            read_back(response).await
        };
        let error = response_json.as_ref().filter(|_| !status.is_success());
        let detail = text(error, "detail");
        let warnings = (!facts.warnings.is_empty()).then(|| facts.warnings.join("; "));
        let entry = LogEntry {
            seq: 0,
            at: request.at,
            configuration_id: self.configuration,
            client: request.client,
            user_agent: request.user_agent,
            source: request.source,
            credential: self.known.credential,
            operation: request.operation,
            resource_type: resource_type(&self.raw_path),
            resource_id: facts.id.or_else(|| path_id(&self.raw_path)),
            resource_name: facts.name.or(self.requested_name),
            status: status.as_u16(),
            outcome: outcome(status.as_u16(), detail.as_deref(), warnings.as_deref()),
            scim_type: text(error, "scimType"),
            refusal: self.known.refusal,
            detail: detail.or(warnings),
            attributes,
            switches: facts.switches,
            duration_us: i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            changes: facts.changes,
            request_body: request.request_body,
            response_body: response_json.as_ref().map(logs::redact),
            outbox: self.tickets,
            direction: scim_console_core::logs::Direction::Inbound,
            method: request.method,
            path: request.path,
        };
        (response, entry)
    }
}

/// The middleware.
pub async fn record(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let at = chrono::Utc::now();
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let query = request.uri().query().map(str::to_owned);
    let agent = header_text(request.headers(), &header::USER_AGENT).map(str::to_owned);
    let context = SharedLogContext::default();
    request.extensions_mut().insert(context.clone());
    let (parts, body) = request.into_parts();
    let source = Peer::of(&parts).0;
    let limit = state.limits.max_body_bytes;
    let deadline = state.limits.body_read_timeout;
    let bytes = match tokio::time::timeout(deadline, to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return ScimFailure::from(ScimError::status(
                413,
                format!("the request body is larger than {limit} bytes"),
            ))
            .into_response();
        }
        Err(_) => {
            return ScimFailure::from(ScimError::status(
                408,
                format!(
                    "the request body did not arrive within {} seconds",
                    deadline.as_secs()
                ),
            ))
            .into_response();
        }
    };
    let request_json: Option<Value> = if bytes.is_empty() {
        None
    } else {
        serde_json::from_slice(&bytes).ok()
    };
    // What the log needs of the request body is taken now; the parsed body then goes to the
    // extractor, which does not parse it again.
    let client = Client::recognise(agent.as_deref(), query.as_deref(), request_json.as_ref());
    let operation = Operation::classify(&method, &path, request_json.as_ref());
    let requested_name = text(request_json.as_ref(), "userName")
        .or_else(|| text(request_json.as_ref(), "displayName"));
    let facts = logs::outbox::RequestFacts {
        at,
        client,
        user_agent: agent,
        source,
        method,
        path: logs::redact_path(&path),
        operation,
        request_body: request_json.as_ref().map(logs::redact),
        credential: None,
    };
    let mut request = Request::from_parts(parts, Body::from(bytes));
    if let Some(json) = request_json {
        request.extensions_mut().insert(ParsedBody(json));
    }
    // A bulk request's operations are recorded one by one, like the requests they stand for.
    request.extensions_mut().insert(facts.clone());
    let read = matches!(facts.operation, Operation::Query | Operation::Discovery);
    let run = async move {
        let recording = Recording {
            state: &state,
            context: &context,
            started,
            raw_path: path,
            requested_name,
        };
        recording.run(facts, next.run(request)).await
    };
    if read {
        return run.await;
    }
    // A change runs to its end, record included, even if the client hangs up meanwhile (which
    // drops the connection's future): cancelled there, it could have committed and lost its
    // record (waiting for room in a full log queue, say) — recovered much later from its stamp,
    // with less to say — or stopped between its statements.
    let change = tokio::spawn(run);
    match change.await {
        Ok(response) => response,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down.
        Err(_) => ScimFailure::from(ScimError::status(
            503,
            "the server is stopping; retry after the delay in Retry-After",
        ))
        .with_header(header::RETRY_AFTER, "5")
        .into_response(),
    }
}

/// One record in the making: a request (or one operation of a bulk request) about to run.
pub(crate) struct Recording<'a> {
    /// The server.
    pub state: &'a AppState,
    /// What authentication learnt (configuration, credential).
    pub context: &'a SharedLogContext,
    /// When it started.
    pub started: Instant,
    /// The path as requested (not redacted), for the resource type and id.
    pub raw_path: String,
    /// The userName / displayName the body named.
    pub requested_name: Option<String>,
}

impl Recording<'_> {
    /// Runs it and records it. Directory writes made meanwhile put their log record's outbox
    /// row in their own transaction: the change and the obligation to log it commit together.
    /// Reads write nothing and skip it.
    pub(crate) async fn run(
        self,
        facts: logs::outbox::RequestFacts,
        run: impl Future<Output = Response>,
    ) -> Response {
        let (response, tickets) =
            if matches!(facts.operation, Operation::Query | Operation::Discovery) {
                (run.await, Vec::new())
            } else {
                logs::outbox::scope(facts.clone(), run).await
            };
        let known = self
            .context
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let Some(configuration) = known.configuration else {
            return response;
        };
        let answered = Answered {
            started: self.started,
            configuration,
            known,
            requested_name: self.requested_name,
            raw_path: self.raw_path,
            tickets,
        };
        let (response, entry) = answered.record(facts, response).await;
        self.state.logs.send(entry).await;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_types_and_outcomes_come_from_the_request() {
        assert_eq!(path_id("/scim/a/v2/Users/abc"), Some("abc".into()));
        assert_eq!(
            path_id("/scim/a/v2/Users/abc?attributes=x"),
            Some("abc".into())
        );
        assert_eq!(path_id("/scim/a/v2/Users"), None);
        assert_eq!(path_id("/scim/a/v2/Users/.search"), None);
        assert_eq!(resource_type("/scim/a/v2/Groups/1"), Some("Group".into()));
        assert_eq!(outcome(201, None, None), Outcome::Success);
        assert_eq!(
            outcome(201, None, Some("ignored: nickName")),
            Outcome::Warning
        );
        assert_eq!(
            outcome(201, None, Some("out of scope: accepted as inactive")),
            Outcome::Skipped
        );
        assert_eq!(
            outcome(403, Some("the user is out of the scope of …"), None),
            Outcome::Skipped
        );
        assert_eq!(outcome(403, Some("disabled"), None), Outcome::Failure);
    }
}
