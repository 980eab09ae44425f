//! The admin API of the provisioning log: search with filters, free text and keyset paging.

use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use scim_console_core::administrators::roles::Area;
use scim_console_core::logs::{self, LogQuery};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::access::Caller;
use super::dto::ErrorBody;
use super::extract::{Params, config_id};
use crate::state::AppState;

/// Filters of a log search.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogParams {
    /// Only this configuration (its id).
    configuration: Option<String>,
    /// From this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// `success`, `failure`, `skipped` or `warning`.
    outcome: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `query`, `discovery`, `membershipChange`,
    /// `token`, `bulk`.
    operation: Option<String>,
    /// `entra`, `okta`, `oneLogin`, `google`, `other`.
    client: Option<String>,
    /// `inbound` (received by the endpoint) or `outbound` (sent by a pilot run).
    direction: Option<String>,
    /// An HTTP status.
    status: Option<u16>,
    /// A resource id.
    resource: Option<String>,
    /// A SCIM error type (`uniqueness`, `invalidValue`, …): the failures that answered it.
    scim_type: Option<String>,
    /// Free text over the resource's name, id, externalId and emails and the error detail
    /// (`word*` for a prefix).
    text: Option<String>,
    /// Newest first: records before this position (the `next` of the previous page).
    before: Option<i64>,
    /// Oldest first: records after this position — `0` for the first page, then the `next`
    /// of the previous page (also how the log is followed).
    after: Option<i64>,
    /// Page size, 1 to 1,000 (default 100).
    limit: Option<usize>,
    /// For the export: `csv` (default) or `jsonl`.
    format: Option<String>,
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    name: &'static str,
    value: Option<&String>,
) -> Result<Option<T>, AdminError> {
    value
        .map(|v| {
            serde_json::from_value(Value::String(v.clone())).map_err(|_| {
                AdminError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("{name}: \"{v}\" is not one of the accepted values"),
                )
            })
        })
        .transpose()
}

/// A page of the provisioning log — newest first, or oldest first with `after` — every SCIM
/// request, its outcome, redacted bodies.
#[utoipa::path(get, path = "/api/logs", security(("admin_token" = [])), params(LogParams),
    responses((status = 200, body = logs::LogPage), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<LogParams>,
) -> Result<Json<Value>, AdminError> {
    let query = params.query(&caller)?;
    let page = state.store.search_logs(&query).await?;
    Ok(Json(serde_json::to_value(page).unwrap_or_default()))
}

/// One record by its position (`seq`): what a shared link to a record opens. A record of a
/// configuration the caller may not read is not found, as one that does not exist.
#[utoipa::path(get, path = "/api/logs/{seq}", operation_id = "log_entry", security(("admin_token" = [])),
    params(("seq" = i64, Path, description = "The record's position in the log")),
    responses((status = 200, body = logs::LogEntry), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    axum::extract::Path(seq): axum::extract::Path<String>,
) -> Result<Json<logs::LogEntry>, AdminError> {
    let seq: i64 = seq.parse().map_err(|_| {
        AdminError::new(
            axum::http::StatusCode::BAD_REQUEST,
            format!("\"{seq}\" is not a log record's position (a whole number)"),
        )
    })?;
    let entry = state.store.log_entry(seq).await?;
    if !caller.covers(Area::Logs, entry.configuration_id) {
        return Err(scim_console_core::CoreError::NotFound(format!("log record {seq}")).into());
    }
    Ok(Json(entry))
}

/// Every matching record, oldest first, as CSV or JSON Lines — streamed a thousand records at a
/// time, so an export of millions never sits in memory.
#[utoipa::path(get, path = "/api/logs/export", security(("admin_token" = [])), params(LogParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<LogParams>,
) -> Result<axum::response::Response, AdminError> {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let csv = match params.format.as_deref() {
        None | Some("csv") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(AdminError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("format: \"{other}\" is not csv or jsonl"),
            ));
        }
    };
    let mut query = params.query(&caller)?;
    query.before = None;
    query.after = Some(0);
    query.limit = 1000;
    let store = state.store.clone();
    let header_sent = !csv;
    let stream = futures_util::stream::unfold(
        (store, query, header_sent, false),
        move |(store, mut query, header_sent, done)| async move {
            if done {
                return None;
            }
            if !header_sent {
                let chunk = Ok::<_, std::io::Error>(logs::CSV_HEADER.to_owned());
                return Some((chunk, (store, query, true, false)));
            }
            match store.search_logs(&query).await {
                Ok(page) if page.entries.is_empty() => None,
                Ok(page) => {
                    let mut chunk = String::with_capacity(page.entries.len() * 512);
                    for e in &page.entries {
                        chunk.push_str(&if csv { e.csv_line() } else { e.json_line() });
                    }
                    query.after = page.entries.last().map(|e| e.seq);
                    Some((Ok(chunk), (store, query, true, false)))
                }
                Err(error) => {
                    tracing::error!(%error, "provisioning log export failed");
                    Some((
                        Err(std::io::Error::other(
                            "the export failed; see the server's log",
                        )),
                        (store, query, true, true),
                    ))
                }
            }
        },
    );
    let (media, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"scim-console-log.{extension}\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

impl LogParams {
    /// The query, showing what `caller` may read.
    fn query(&self, caller: &Caller) -> Result<LogQuery, AdminError> {
        let params = self;
        Ok(LogQuery {
            reach: caller.reach(Area::Logs),
            configuration: params.configuration.as_deref().map(config_id).transpose()?,
            since: params.since,
            until: params.until,
            outcome: parse_enum("outcome", params.outcome.as_ref())?,
            operation: parse_enum("operation", params.operation.as_ref())?,
            client: parse_enum("client", params.client.as_ref())?,
            direction: parse_enum("direction", params.direction.as_ref())?,
            status: params.status,
            resource: params.resource.clone(),
            scim_type: params.scim_type.clone(),
            text: params.text.clone(),
            before: params.before,
            after: params.after,
            limit: params.limit.unwrap_or(0),
        })
    }
}

/// Where a live stream stands.
struct Follow {
    state: AppState,
    query: LogQuery,
    live: tokio::sync::broadcast::Receiver<std::sync::Arc<logs::LogEntry>>,
    /// The newest position delivered or passed over.
    last: i64,
    /// Positions delivered or passed over within [`REORDER`] of `last`: instances sharing a
    /// PostgreSQL database store records concurrently, so one may announce a position lower
    /// than another's that arrived first.
    recent: std::collections::BTreeSet<i64>,
    /// Records read from the database, still to send.
    backlog: std::collections::VecDeque<logs::LogEntry>,
    /// Whether the database may hold records after `last` not yet read.
    catching_up: bool,
    stopping: tokio::sync::watch::Receiver<bool>,
}

fn event(entry: &logs::LogEntry) -> axum::response::sse::Event {
    axum::response::sse::Event::default()
        .id(entry.seq.to_string())
        .event("entry")
        .json_data(entry)
        .unwrap_or_default()
}

/// How far below the newest position a record of another instance may still arrive.
const REORDER: i64 = 10_000;

impl Follow {
    /// Whether the record at `seq` was delivered or passed over already.
    fn seen(&self, seq: i64) -> bool {
        seq <= self.last.saturating_sub(REORDER) || self.recent.contains(&seq)
    }

    /// Notes that the record at `seq` is delivered or passed over.
    fn note(&mut self, seq: i64) {
        self.recent.insert(seq);
        self.last = self.last.max(seq);
        let floor = self.last.saturating_sub(REORDER);
        while self.recent.first().is_some_and(|&s| s <= floor) {
            self.recent.pop_first();
        }
    }

    /// The next event, or `None` when the server stops.
    async fn next(&mut self) -> Option<axum::response::sse::Event> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            if let Some(entry) = self.backlog.pop_front() {
                return Some(event(&entry));
            }
            if self.catching_up {
                let mut q = self.query.clone();
                q.after = Some(self.last);
                q.before = None;
                q.limit = 500;
                match self.state.store.search_logs(&q).await {
                    Ok(page) => {
                        self.catching_up = page.entries.len() == 500;
                        for e in &page.entries {
                            self.note(e.seq);
                        }
                        self.backlog.extend(page.entries);
                        continue;
                    }
                    Err(error) => {
                        tracing::error!(%error, "live provisioning log: reading the backlog failed");
                        return None;
                    }
                }
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(entry) if self.seen(entry.seq) => {}
                    Ok(entry) => {
                        self.note(entry.seq);
                        if self.query.matches(&entry) {
                            return Some(event(&entry));
                        }
                    }
                    // Fell behind the announcements: read what was missed from the database.
                    Err(RecvError::Lagged(_)) => self.catching_up = true,
                    Err(RecvError::Closed) => return None,
                },
                _ = self.stopping.changed() => return None,
            }
        }
    }
}

/// New records as they are stored, as server-sent events (`event: entry`, `id:` the record's
/// position, `data:` the record as JSON), oldest first, with the search's filters. Without
/// `after` (or a `Last-Event-ID` header, which browsers send when they reconnect) the stream
/// starts with the next record; with one, it first replays the records after it.
#[utoipa::path(get, path = "/api/logs/stream", operation_id = "log_stream", security(("admin_token" = [])), params(LogParams),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 400, body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Params(params): Params<LogParams>,
) -> Result<axum::response::Response, AdminError> {
    use axum::response::IntoResponse as _;
    use axum::response::sse::{KeepAlive, Sse};
    let mut query = params.query(&caller)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query.after);
    query.after = None;
    // Subscribe before reading the position: nothing stored in between is missed.
    let live = state.logs.subscribe();
    let last = match resume {
        Some(seq) => seq,
        None => state.store.last_log_seq().await?,
    };
    let follow = Follow {
        stopping: state.stopping.clone(),
        state,
        query,
        live,
        last,
        recent: std::collections::BTreeSet::new(),
        backlog: std::collections::VecDeque::new(),
        catching_up: resume.is_some(),
    };
    let events = futures_util::stream::unfold(follow, |mut f| async move {
        f.next()
            .await
            .map(|e| (Ok::<_, std::convert::Infallible>(e), f))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Which statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StatsParams {
    /// Only this configuration (its id); all of them without.
    configuration: Option<String>,
    /// From this time (RFC 3339; default: 60 intervals before `until`).
    since: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339; default: now).
    until: Option<DateTime<Utc>>,
    /// `minute`, `hour` (default) or `day`.
    interval: Option<String>,
}

/// Statistics of the provisioning log: requests, failures, skipped and warnings per minute,
/// hour or day; error rate; latency percentiles; the most frequent error types and failing
/// attributes; a configuration's last successful provisioning cycle.
#[utoipa::path(get, path = "/api/logs/stats", security(("admin_token" = [])), params(StatsParams),
    responses((status = 200, body = logs::stats::LogStats), (status = 400, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<StatsParams>,
) -> Result<Json<Value>, AdminError> {
    let query = logs::stats::StatsQuery {
        reach: caller.reach(Area::Logs),
        configuration: params.configuration.as_deref().map(config_id).transpose()?,
        since: params.since,
        until: params.until,
        interval: parse_enum("interval", params.interval.as_ref())?.unwrap_or_default(),
    };
    let figures = state.store.log_stats(&query).await?;
    Ok(Json(serde_json::to_value(figures).unwrap_or_default()))
}

/// Which cycles.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CycleParams {
    /// The configuration (its id); required.
    configuration: Option<String>,
    /// From this time (RFC 3339; default: 7 days ago).
    since: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339; default: now).
    until: Option<DateTime<Utc>>,
    /// A pause longer than this many minutes ends a cycle (default 10).
    gap: Option<i64>,
}

/// A configuration's provisioning cycles, newest first: runs of requests without a long pause
/// (Entra ID runs one every ~40 minutes), each with its totals; its requests are the log
/// search from its `start` to its `end`.
#[utoipa::path(get, path = "/api/logs/cycles", security(("admin_token" = [])), params(CycleParams),
    responses((status = 200, body = [logs::stats::Cycle]), (status = 400, body = ErrorBody)))]
pub async fn cycles(
    State(state): State<AppState>,
    Params(params): Params<CycleParams>,
) -> Result<Json<Value>, AdminError> {
    let until = params.until.unwrap_or_else(Utc::now);
    let since = params
        .since
        .unwrap_or_else(|| until - chrono::Duration::days(7));
    let cycles = state
        .store
        .log_cycles(
            config_id(params.configuration.as_deref().ok_or_else(|| {
                AdminError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "configuration: required (a configuration's id)",
                )
            })?)?,
            since,
            until,
            params.gap.unwrap_or(logs::stats::DEFAULT_CYCLE_GAP_MINUTES),
        )
        .await?;
    Ok(Json(serde_json::to_value(cycles).unwrap_or_default()))
}

/// Applies every configuration's log retention now (it also runs by itself every 10
/// minutes): how many records went.
#[utoipa::path(post, path = "/api/logs/retention", security(("admin_token" = [])),
    responses((status = 200, body = logs::retention::RetentionReport)))]
pub async fn retention(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    let report = state.store.apply_log_retention().await?;
    Ok(Json(serde_json::to_value(report).unwrap_or_default()))
}

/// Which refused requests.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RefusalParams {
    /// Only this configuration (its id).
    configuration: Option<String>,
    /// From this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Until this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// At most this many rows (default 200, at most 1,000).
    limit: Option<u32>,
}

/// Requests the SCIM endpoint refused for their credential (missing, invalid, expired,
/// revoked, not allowed), newest first: counted per configuration, minute, source address,
/// reason and status rather than recorded one by one, so that refused traffic costs no body
/// read and no row per request.
#[utoipa::path(get, path = "/api/logs/refusals", security(("admin_token" = [])), params(RefusalParams),
    responses((status = 200, body = [logs::refusals::RefusalSummary]), (status = 400, body = ErrorBody)))]
pub async fn refusals(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(params): Params<RefusalParams>,
) -> Result<Json<Value>, AdminError> {
    let query = logs::refusals::RefusalQuery {
        reach: caller.reach(Area::Logs),
        configuration_id: params.configuration.as_deref().map(config_id).transpose()?,
        from: params.since,
        to: params.until,
        limit: params.limit,
    };
    let rows = state.store.refusals(&query).await?;
    Ok(Json(serde_json::to_value(rows).unwrap_or_default()))
}

/// The routes of the provisioning log.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(entry))
        .routes(routes!(export))
        .routes(routes!(stream))
        .routes(routes!(stats))
        .routes(routes!(cycles))
        .routes(routes!(retention))
        .routes(routes!(refusals))
}
