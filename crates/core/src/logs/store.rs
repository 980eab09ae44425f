//! The provisioning log in the store: records written in batches, read by sequence, searched
//! (filters, free text through SQLite FTS5 or PostgreSQL's full-text search, keyset paging)
//! and exported.

use serde_json::Value;

use super::{
    CredentialRefusal, LogEntry, LogPage, LogQuery, Operation, Outcome, entry_from_row, follow,
    retention, stats,
};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

impl Store {
    /// Writes records, in one transaction with the statistics they add to, and gives each its
    /// position (`seq`).
    pub async fn record_logs(&self, entries: &mut [LogEntry]) -> CoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        entries.iter_mut().for_each(LogEntry::cap);
        let mut w = self.log_database().writer().await?;
        let mut tx = w.begin().await?;
        let dialect = tx.dialect();
        // Many rows per statement: one round trip to the connection's thread per 40 records.
        for chunk in entries.chunks_mut(40) {
            let mut q = db::QueryBuilder::new(
                "INSERT INTO provisioning_log (at_us, configuration_id, client, user_agent, source, credential, method, path, operation,
                 resource_type, resource_id, resource_name, resource_keys, status, outcome, scim_type, refusal, detail, attributes, switches, duration_us, changes, request_body, response_body, outbox, direction) ",
            );
            q.push_values(chunk.iter(), |mut row, e| {
                row.push_bind(e.at.timestamp_micros())
                    .push_bind(e.configuration_id.to_string())
                    .push_bind(e.client.as_str())
                    .push_bind(e.user_agent.clone())
                    .push_bind(e.source.clone())
                    .push_bind(e.credential.clone())
                    .push_bind(e.method.clone())
                    .push_bind(e.path.clone())
                    .push_bind(e.operation.as_str())
                    .push_bind(e.resource_type.clone())
                    .push_bind(e.resource_id.clone())
                    .push_bind(e.resource_name.clone())
                    .push_bind(e.resource_keys.clone())
                    .push_bind(i64::from(e.status))
                    .push_bind(e.outcome.as_str())
                    .push_bind(e.scim_type.clone())
                    .push_bind(e.refusal.map(CredentialRefusal::as_str))
                    .push_bind(e.detail.clone())
                    .push_bind((!e.attributes.is_empty()).then(|| e.attributes.join(",")))
                    .push_bind((!e.switches.is_empty()).then(|| e.switches.join(",")))
                    .push_bind(e.duration_us)
                    .push_bind(e.changes.as_ref().map(Value::to_string))
                    .push_bind(e.request_body.clone())
                    .push_bind(e.response_body.clone())
                    .push_bind((!e.outbox.is_empty()).then(|| {
                        e.outbox
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(",")
                    }))
                    .push_bind(e.direction.as_str());
            });
            if dialect == db::Dialect::Postgres {
                // Other instances insert too: the positions are the ones given back.
                q.push(" RETURNING seq");
                let rows = q.build().fetch_all(&mut tx).await?;
                for (e, row) in chunk.iter_mut().zip(&rows) {
                    e.seq = row.try_get(0)?;
                }
            } else {
                let last = q.build().execute(&mut tx).await?.last_insert_rowid();
                // One writer, one statement: the chunk's rows have consecutive positions.
                let first = last - i64::try_from(chunk.len()).unwrap_or(0) + 1;
                for (e, seq) in chunk.iter_mut().zip(first..) {
                    e.seq = seq;
                }
            }
        }
        stats::add(&mut tx, entries).await?;
        if let Some(channel) = self.log_channel() {
            let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
            follow::announce(&mut tx, channel, self.instance_id(), &seqs).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest record's position (0 when the log is empty).
    pub async fn last_log_seq(&self) -> CoreResult<i64> {
        Ok(
            db::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM provisioning_log")
                .fetch_one(self.log_database())
                .await?,
        )
    }

    /// One record by its position.
    pub async fn log_entry(&self, seq: i64) -> CoreResult<LogEntry> {
        let row = db::query("SELECT * FROM provisioning_log WHERE seq = ?")
            .bind(seq)
            .fetch_optional(self.log_database())
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("log record {seq}")))?;
        entry_from_row(&row)
    }

    /// A page of the log, newest first.
    pub async fn search_logs(&self, query: &LogQuery) -> CoreResult<LogPage> {
        let limit = match query.limit {
            0 => 100,
            n => n.min(1000),
        };
        let text = query.text.as_deref().filter(|t| !t.trim().is_empty());
        // With free text, the full-text index drives (newest match first, natively in rowid
        // order) and each match is checked against the other filters; without, the record
        // indexes do. Positions are then the index's rowids.
        let mut q = db::QueryBuilder::new("SELECT l.* FROM ");
        let seq = if let Some(text) = text {
            if self.log_database().dialect() == db::Dialect::Postgres {
                // The `search` column holds what FTS5 indexes, under a GIN index.
                q.push("provisioning_log l WHERE l.search @@ (");
                push_tsquery(&mut q, text, query);
                q.push(")");
                "l.seq"
            } else {
                q.push(
                    "provisioning_log_text t CROSS JOIN provisioning_log l ON l.seq = t.rowid WHERE provisioning_log_text MATCH ",
                )
                .push_bind(fts_query(text, query));
                "t.rowid"
            }
        } else {
            q.push("provisioning_log l WHERE 1 = 1");
            "l.seq"
        };
        if let Some(c) = query.configuration {
            q.push(" AND l.configuration_id = ")
                .push_bind(c.to_string());
        }
        q.push_reach("l.configuration_id", &query.reach);
        // Time bounds also bound positions (found by binary search), so a range in the past
        // does not walk every newer record.
        if let Some(t) = query.since {
            let us = t.timestamp_micros();
            match self.first_seq_from(us - retention::SKEW_US).await? {
                Some(lower) => q.push(format!(" AND {seq} >= ")).push_bind(lower),
                None => q.push(" AND 0"),
            };
            q.push(" AND l.at_us >= ").push_bind(us);
        }
        if let Some(t) = query.until {
            let us = t.timestamp_micros();
            if let Some(upper) = self.first_seq_from(us + retention::SKEW_US).await? {
                q.push(format!(" AND {seq} < ")).push_bind(upper);
            }
            q.push(" AND l.at_us < ").push_bind(us);
        }
        // The partial indexes' conditions, repeated word for word where the filter implies
        // them (SQLite uses a partial index only then).
        if let Some(o) = query.outcome {
            q.push(" AND l.outcome = ").push_bind(o.as_str());
            if o != Outcome::Success {
                q.push(" AND outcome <> 'success'");
            }
        }
        if let Some(o) = query.operation {
            q.push(" AND l.operation = ").push_bind(o.as_str());
            if !matches!(o, Operation::Query | Operation::Create | Operation::Update) {
                q.push(" AND operation NOT IN ('query', 'create', 'update')");
            }
        }
        if let Some(c) = query.client {
            q.push(" AND l.client = ").push_bind(c.as_str());
        }
        if let Some(d) = query.direction {
            q.push(" AND l.direction = ").push_bind(d.as_str());
        }
        if let Some(s) = query.status {
            q.push(" AND l.status = ").push_bind(i64::from(s));
            if !matches!(s, 200 | 201 | 204) {
                q.push(" AND status NOT IN (200, 201, 204)");
            }
        }
        if let Some(r) = &query.resource {
            q.push(" AND l.resource_id = ").push_bind(r.clone());
        }
        if let Some(t) = &query.scim_type {
            q.push(" AND l.scim_type = ").push_bind(t.clone());
        }
        if let Some(b) = query.before {
            q.push(format!(" AND {seq} < ")).push_bind(b);
        }
        if let Some(a) = query.after {
            q.push(format!(" AND {seq} > ")).push_bind(a);
        }
        let order = if query.after.is_some() { "ASC" } else { "DESC" };
        q.push(format!(" ORDER BY {seq} {order} LIMIT "))
            .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = q
            .build()
            .plan_per_call()
            .fetch_all(self.log_database())
            .await?;
        let mut entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<CoreResult<Vec<_>>>()?;
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(LogPage { entries, next })
    }
}

/// A user's free text as an FTS5 query over the names, keys (id, externalId, emails) and
/// details: each word quoted (so no
/// input is an FTS5 syntax error), `word*` kept as a prefix search; then the query's
/// configuration, client, outcome, operation and status as tokens of the `facets` column, so
/// the index intersects them all before a record is read.
pub(super) fn fts_query(text: &str, query: &LogQuery) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let (core, prefix) = match word.strip_suffix('*') {
                Some(c) => (c, true),
                None => (word, false),
            };
            let quoted = format!("\"{}\"", core.replace('"', "\"\""));
            if prefix { format!("{quoted}*") } else { quoted }
        })
        .collect();
    let mut expression = format!("{{resource_name keys detail}} : ({})", words.join(" "));
    for facet in facets(query) {
        // Facet tokens are letters and digits only: one token each, lower-cased by the
        // tokenizer as the stored ones were.
        expression.push_str(" AND facets : \"");
        expression.push_str(&facet);
        expression.push('"');
    }
    expression
}

/// The facet tokens of a query (`cfg<id without dashes>`, `cl<client>`, …), lower-cased.
fn facets(query: &LogQuery) -> Vec<String> {
    [
        query
            .configuration
            .map(|c| format!("cfg{}", c.to_string().replace('-', ""))),
        query.client.map(|c| format!("cl{}", c.as_str())),
        query.outcome.map(|o| format!("oc{}", o.as_str())),
        query.operation.map(|o| format!("op{}", o.as_str())),
        query.status.map(|s| format!("st{s}")),
    ]
    .into_iter()
    .flatten()
    .map(|f| f.to_lowercase())
    .collect()
}

/// The same free text as a PostgreSQL `tsquery` (the `simple` configuration, as the `search`
/// column is built): each word a phrase of the tokens the parser makes of it (as FTS5 reads a
/// quoted word), `word*` a prefix search, all of them and the query's facets required.
fn push_tsquery(q: &mut db::QueryBuilder<'_>, text: &str, query: &LogQuery) {
    let mut first = true;
    let mut and = |q: &mut db::QueryBuilder<'_>| {
        if !first {
            q.push(" && ");
        }
        first = false;
    };
    for word in text.split_whitespace() {
        if let Some(core) = word.strip_suffix('*') {
            // The word's parts in a row, the last one a prefix: `bjensen@ex*` is
            // `'bjensen' <-> 'ex':*`.
            let parts: Vec<String> = core
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(|p| format!("'{p}'"))
                .collect();
            if parts.is_empty() {
                continue;
            }
            let phrase = format!("{}:*", parts.join(" <-> "));
            and(q);
            q.push("to_tsquery('simple', ").push_bind(phrase).push(")");
        } else {
            and(q);
            q.push("phraseto_tsquery('simple', regexp_replace(")
                .push_bind(word.to_owned())
                .push(", '[[:punct:]]+', ' ', 'g'))");
        }
    }
    let facets = facets(query);
    if !facets.is_empty() {
        and(q);
        q.push("to_tsquery('simple', ")
            .push_bind(facets.join(" & "))
            .push(")");
    }
    if first {
        // Nothing searchable (only punctuation): an empty query, which matches nothing.
        q.push("''::tsquery");
    }
}
