//! Moving a whole console between databases (`scim-console export` / `import`): every table the
//! two backends share, row by row, in a stream of JSON lines that either backend reads — so a
//! pilot run on a laptop's SQLite becomes a PostgreSQL deployment, and back.
//!
//! The stream: a header line (`{"format": "scim-console-export", "version": 1, …}`), then per
//! table a line `{"table": "users", "columns": [...]}` followed by one JSON array per row.
//! Integers and text are JSON numbers and strings, bytes are `{"base64": "…"}`, NULL is `null`.
//! Token and secret hashes travel as they are stored; sealed secrets (alert webhooks, targets'
//! credentials kept in the database) open only with the same master key; credentials kept in
//! the OS keychain do not travel. Totals kept by triggers (`directory_counts`) and full-text
//! indexes are rebuilt by the destination as the rows arrive.

use std::io::{BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::db::param::Kind;
use crate::db::row::Cell;
use crate::db::{self, Param};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// The export format's name, in its header line.
pub const EXPORT_FORMAT: &str = "scim-console-export";
/// The export format's version.
pub const EXPORT_VERSION: u64 = 1;

use Kind::{Bytes as B, Int as I, Text as T};

/// A table that moves: its columns (with their types, which a NULL needs on PostgreSQL) and
/// its primary key, the order rows are read in.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    key: &'static [&'static str],
    /// Whether it lives in the provisioning log's database (SQLite keeps two files).
    log: bool,
}

/// Every table, parents before children.
const TABLES: &[Table] = &[
    Table {
        name: "configurations",
        columns: &[
            ("id", T),
            ("name", T),
            ("name_folded", T),
            ("slug", T),
            ("description", T),
            ("enabled", I),
            ("provision_users", I),
            ("provision_groups", I),
            ("put_semantics", T),
            ("keep_passwords", I),
            ("protected_accounts", T),
            ("created_us", I),
            ("updated_us", I),
            ("token_max_lifetime_days", I),
            ("token_rotation_days", I),
            ("token_max_active", I),
            ("token_rotation_grace_hours", I),
            ("log_retention_days", I),
            ("log_retention_records", I),
            ("compatibility", T),
            ("client_profile", T),
            ("client_authentication", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "tokens",
        columns: &[
            ("id", T),
            ("configuration_id", T),
            ("label", T),
            ("hash", B),
            ("created_us", I),
            ("revoked_us", I),
            ("created_by", T),
            ("expires_us", I),
            ("last_used_us", I),
            ("last_used_from", T),
            ("revoked_by", T),
            ("rotated_to", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "users",
        columns: &[
            ("configuration_id", T),
            ("id", T),
            ("external_id", T),
            ("user_name", T),
            ("user_name_folded", T),
            ("display_name", T),
            ("active", I),
            ("created_us", I),
            ("modified_us", I),
            ("version", I),
            ("password_hash", T),
            ("data", T),
            ("imported_us", I),
            ("log_request", T),
        ],
        key: &["configuration_id", "id"],
        log: false,
    },
    Table {
        name: "groups",
        columns: &[
            ("configuration_id", T),
            ("id", T),
            ("external_id", T),
            ("display_name", T),
            ("display_name_folded", T),
            ("created_us", I),
            ("modified_us", I),
            ("version", I),
            ("data", T),
            ("log_request", T),
        ],
        key: &["configuration_id", "id"],
        log: false,
    },
    Table {
        name: "group_members",
        columns: &[
            ("configuration_id", T),
            ("group_id", T),
            ("member_id", T),
            ("position", I),
            ("data", T),
        ],
        key: &["configuration_id", "group_id", "member_id"],
        log: false,
    },
    Table {
        name: "administrators",
        columns: &[
            ("id", T),
            ("email", T),
            ("email_folded", T),
            ("name", T),
            ("grants", T),
            ("disabled_us", I),
            ("created_us", I),
            ("created_by", T),
            ("password_hash", T),
            ("totp_sealed", B),
            ("totp_step", I),
            ("failures", I),
            ("locked_until_us", I),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "admin_api_tokens",
        columns: &[
            ("id", T),
            ("administrator_id", T),
            ("name", T),
            ("hash", B),
            ("roles", T),
            ("created_us", I),
            ("expires_us", I),
            ("last_used_us", I),
            ("revoked_us", I),
            ("revoked_by", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "oauth_clients",
        columns: &[
            ("id", T),
            ("configuration_id", T),
            ("label", T),
            ("secret_hash", B),
            ("created_us", I),
            ("created_by", T),
            ("revoked_us", I),
            ("revoked_by", T),
            ("last_used_us", I),
            ("last_used_from", T),
            ("auth_method", T),
            ("jwks", T),
            ("jwks_uri", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "oauth_refresh_tokens",
        columns: &[
            ("id", T),
            ("client_id", T),
            ("hash", B),
            ("created_us", I),
            ("expires_us", I),
            ("used_us", I),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "oauth_assertions",
        columns: &[("client_id", T), ("jti", T), ("expires_us", I)],
        key: &["client_id", "jti"],
        log: false,
    },
    Table {
        name: "audit_log",
        columns: &[
            ("seq", I),
            ("at_us", I),
            ("actor", T),
            ("source", T),
            ("action", T),
            ("configuration_id", T),
            ("configuration_name", T),
            ("target", T),
            ("details", T),
            ("person", T),
        ],
        key: &["seq"],
        log: false,
    },
    Table {
        name: "mapping_plans",
        columns: &[
            ("configuration_id", T),
            ("version", I),
            ("plan", T),
            ("created_us", I),
            ("created_by", T),
            ("comment", T),
            ("failing_users", I),
        ],
        key: &["configuration_id", "version"],
        log: false,
    },
    Table {
        name: "alert_rules",
        columns: &[
            ("id", I),
            ("configuration_id", T),
            ("name", T),
            ("condition", T),
            ("enabled", I),
            ("webhook_sealed", B),
            ("webhook_shown", T),
            ("email_to", T),
            ("created_us", I),
            ("firing_since_us", I),
            ("last_evaluated_us", I),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "alert_events",
        columns: &[
            ("seq", I),
            ("at_us", I),
            ("rule_id", I),
            ("rule_name", T),
            ("configuration_id", T),
            ("configuration_name", T),
            ("kind", T),
            ("message", T),
            ("webhook_state", T),
            ("webhook_detail", T),
            ("email_state", T),
            ("email_detail", T),
        ],
        key: &["seq"],
        log: false,
    },
    Table {
        name: "email_settings",
        columns: &[
            ("id", I),
            ("host", T),
            ("port", I),
            ("security", T),
            ("username", T),
            ("password_sealed", B),
            ("from_address", T),
            ("trusted_certificate", T),
            ("updated_us", I),
            ("updated_by", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "configuration_pairs",
        columns: &[
            ("qa_id", T),
            ("production_id", T),
            ("updated_us", I),
            ("updated_by", T),
        ],
        key: &["qa_id"],
        log: false,
    },
    Table {
        name: "rekey_batches",
        columns: &[
            ("id", T),
            ("configuration_id", T),
            ("created_us", I),
            ("created_by", T),
            ("changes", T),
            ("undone_us", I),
            ("undone_by", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "deletion_thresholds",
        columns: &[
            ("configuration_id", T),
            ("limit_kind", T),
            ("limit_value", I),
            ("window_minutes", I),
            ("updated_us", I),
            ("updated_by", T),
        ],
        key: &["configuration_id"],
        log: false,
    },
    Table {
        name: "deletions",
        columns: &[
            ("id", T),
            ("configuration_id", T),
            ("user_id", T),
            ("user_name", T),
            ("kind", T),
            ("state", T),
            ("at_us", I),
            ("attempts", I),
            ("decided_us", I),
            ("decided_by", T),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "log_outbox",
        columns: &[
            ("ticket", I),
            ("at_us", I),
            ("configuration_id", T),
            ("resource_type", T),
            ("resource_id", T),
            ("resource_name", T),
            ("request", T),
        ],
        key: &["ticket"],
        log: false,
    },
    Table {
        name: "log_checkpoint",
        columns: &[("id", I), ("logged_until_us", I)],
        key: &["id"],
        log: false,
    },
    Table {
        name: "remote_targets",
        columns: &[
            ("id", T),
            ("name", T),
            ("name_folded", T),
            ("base_url", T),
            ("auth", T),
            ("secret_store", T),
            ("secret_sealed", B),
            ("created_us", I),
            ("updated_us", I),
            ("last_test_us", I),
            ("last_test_ok", I),
        ],
        key: &["id"],
        log: false,
    },
    Table {
        name: "provisioning_log",
        columns: &[
            ("seq", I),
            ("at_us", I),
            ("configuration_id", T),
            ("client", T),
            ("user_agent", T),
            ("source", T),
            ("credential", T),
            ("method", T),
            ("path", T),
            ("operation", T),
            ("resource_type", T),
            ("resource_id", T),
            ("resource_name", T),
            ("resource_keys", T),
            ("status", I),
            ("outcome", T),
            ("scim_type", T),
            ("detail", T),
            ("duration_us", I),
            ("changes", T),
            ("request_body", T),
            ("response_body", T),
            ("attributes", T),
            ("refusal", T),
            ("outbox", T),
            ("direction", T),
            ("switches", T),
        ],
        key: &["seq"],
        log: true,
    },
    Table {
        name: "log_minutes",
        columns: &[
            ("configuration_id", T),
            ("minute", I),
            ("requests", I),
            ("failures", I),
            ("skipped", I),
            ("warnings", I),
            ("writes", I),
            ("duration_us", I),
        ],
        key: &["configuration_id", "minute"],
        log: true,
    },
    Table {
        name: "log_latency",
        columns: &[
            ("configuration_id", T),
            ("hour", I),
            ("bucket", I),
            ("count", I),
        ],
        key: &["configuration_id", "hour", "bucket"],
        log: true,
    },
    Table {
        name: "log_failures",
        columns: &[
            ("configuration_id", T),
            ("minute", I),
            ("kind", T),
            ("name", T),
            ("count", I),
        ],
        key: &["configuration_id", "minute", "kind", "name"],
        log: true,
    },
    Table {
        name: "log_refusals",
        columns: &[
            ("configuration_id", T),
            ("minute", I),
            ("source", T),
            ("reason", T),
            ("status", I),
            ("count", I),
            ("first_us", I),
            ("last_us", I),
            ("credential", T),
            ("client", T),
        ],
        key: &["configuration_id", "minute", "source", "reason", "status"],
        log: true,
    },
];

/// Tables that are not copied: rebuilt by the destination (totals kept by triggers, full-text
/// indexes) or its own (migrations, statistics, the authentication epoch, the browser sessions
/// open on the source, its unused sign-in links and browser sign-in codes).
const NOT_COPIED: &[&str] = &[
    "directory_counts",
    "auth_epoch",
    "_sqlx_migrations",
    "admin_sessions",
    "admin_sign_in_links",
    "admin_device_codes",
];

/// Rows read per statement.
const PAGE: i64 = 2_000;
/// Rows written per statement.
const BATCH: usize = 200;

/// What moved: rows per table, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferSummary {
    /// (table, rows).
    pub tables: Vec<(String, u64)>,
}

impl TransferSummary {
    /// Rows of one table.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

fn io_error(e: &std::io::Error) -> CoreError {
    CoreError::invalid("file", format!("could not write or read the export: {e}"))
}

fn cell_json(cell: Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => json!(i),
        Cell::Real(f) => json!(f),
        Cell::Text(s) => Value::String(s),
        Cell::Bytes(b) => json!({ "base64": STANDARD.encode(b) }),
    }
}

/// A JSON value as a bound value of a column of `kind`; `Err` says what does not fit.
fn json_param(value: Value, kind: Kind) -> Result<Param<'static>, String> {
    Ok(match (value, kind) {
        (Value::Null, kind) => Param::Null(kind),
        (Value::Number(n), Kind::Int) => Param::Int(
            n.as_i64()
                .ok_or_else(|| format!("{n} is not a 64-bit integer"))?,
        ),
        (Value::Number(n), Kind::Real) => {
            Param::Real(n.as_f64().ok_or_else(|| format!("{n} is not a number"))?)
        }
        (Value::Number(n), Kind::Text) => Param::Text(n.to_string().into()),
        (Value::String(s), Kind::Text) => Param::Text(s.into()),
        (Value::Object(o), Kind::Bytes) => {
            let text = o
                .get("base64")
                .and_then(Value::as_str)
                .ok_or("bytes must be {\"base64\": \"…\"}")?;
            Param::Bytes(
                STANDARD
                    .decode(text)
                    .map_err(|e| format!("bad base64: {e}"))?
                    .into(),
            )
        }
        (other, kind) => return Err(format!("{other} does not fit a {kind:?} column")),
    })
}

impl Store {
    fn table_db(&self, table: &Table) -> &db::Db {
        if table.log {
            self.log_database()
        } else {
            self.pool()
        }
    }

    /// Writes the whole console to `out` as JSON lines (readable by [`Store::import_from`] on
    /// either backend). Each table is read in pages in key order; a console that keeps serving
    /// meanwhile may move on between pages.
    pub async fn export_to(&self, out: &mut impl Write) -> CoreResult<TransferSummary> {
        let header = json!({
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "consoleVersion": env!("CARGO_PKG_VERSION"),
            "schemaVersion": self.schema_version().await?,
            "from": match self.dialect() {
                db::Dialect::Sqlite => "sqlite",
                db::Dialect::Postgres => "postgres",
            },
            "exportedAt": chrono::Utc::now().to_rfc3339(),
        });
        writeln!(out, "{header}").map_err(|e| io_error(&e))?;
        let mut summary = TransferSummary::default();
        for table in TABLES {
            let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
            writeln!(
                out,
                "{}",
                json!({ "table": table.name, "columns": columns })
            )
            .map_err(|e| io_error(&e))?;
            let rows = self.export_table(table, &columns, out).await?;
            summary.tables.push((table.name.to_owned(), rows));
        }
        out.flush().map_err(|e| io_error(&e))?;
        Ok(summary)
    }

    async fn export_table(
        &self,
        table: &Table,
        columns: &[&str],
        out: &mut impl Write,
    ) -> CoreResult<u64> {
        let key = table.key.join(", ");
        let key_positions: Vec<usize> = table
            .key
            .iter()
            .filter_map(|k| columns.iter().position(|c| c == k))
            .collect();
        let mut after: Option<Vec<Param<'static>>> = None;
        let mut count = 0_u64;
        loop {
            let mut q =
                db::QueryBuilder::new(format!("SELECT {} FROM {}", columns.join(", "), table.name));
            if let Some(last) = after.take() {
                // Keyset paging: (a, b) > (?, ?) walks the primary key's index.
                q.push(format!(" WHERE ({key}) > ("));
                let mut list = q.separated(", ");
                for p in last {
                    list.push_bind(p);
                }
                list.push_unseparated(")");
            }
            q.push(format!(" ORDER BY {key} LIMIT {PAGE}"));
            let rows = q.build().fetch_all(self.table_db(table)).await?;
            let mut last_key = Vec::new();
            for row in &rows {
                let mut values = Vec::with_capacity(row.len());
                for i in 0..row.len() {
                    values.push(cell_json(row.cell(i)?));
                }
                last_key = key_positions
                    .iter()
                    .map(|&i| {
                        json_param(values[i].clone(), table.columns[i].1)
                            .map_err(|why| CoreError::Corrupt(format!("{}: {why}", table.name)))
                    })
                    .collect::<CoreResult<Vec<_>>>()?;
                writeln!(out, "{}", Value::Array(values)).map_err(|e| io_error(&e))?;
                count += 1;
            }
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE {
                return Ok(count);
            }
            after = Some(last_key);
        }
    }

    /// Reads a console written by [`Store::export_to`] into this one, which must hold no
    /// configuration yet (a database just created with `scim-console migrate`). Everything is
    /// written in one transaction per database: a bad line leaves the destination as it was.
    pub async fn import_from(&self, input: impl BufRead) -> CoreResult<TransferSummary> {
        let existing: i64 = db::query_scalar("SELECT COUNT(*) FROM configurations")
            .fetch_one(self.pool())
            .await?;
        if existing > 0 {
            return Err(CoreError::Conflict(format!(
                "this console already holds {existing} configuration(s): import into an empty database (create one and run `scim-console migrate`, or use a new data directory)"
            )));
        }
        let mut lines = input.lines().enumerate();
        let (_, first) = lines
            .next()
            .ok_or_else(|| CoreError::invalid("file", "it is empty"))?;
        check_header(&first.map_err(|e| io_error(&e))?)?;
        // PostgreSQL keeps the log in the same database: one transaction for everything.
        let same_database = self.dialect() == db::Dialect::Postgres;
        let mut log_conn = if same_database {
            None
        } else {
            Some(self.log_database().writer().await?)
        };
        let mut main_conn = self.writer().await?;
        let mut main = main_conn.begin().await?;
        let mut log = match log_conn.as_mut() {
            Some(c) => Some(c.begin().await?),
            None => None,
        };
        let mut summary = TransferSummary::default();
        let mut current: Option<(&Table, Vec<usize>)> = None;
        let mut batch: Vec<Vec<Param<'static>>> = Vec::new();
        for (n, line) in lines {
            let line = line.map_err(|e| io_error(&e))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value =
                serde_json::from_str(&line).map_err(|e| bad(n, format!("not JSON: {e}")))?;
            match value {
                Value::Object(section) => {
                    if let Some((table, positions)) = current.take() {
                        flush(table, &positions, &mut batch, &mut main, log.as_mut()).await?;
                    }
                    let (table, positions) = section_of(n, &section)?;
                    summary.tables.push((table.name.to_owned(), 0));
                    current = Some((table, positions));
                }
                Value::Array(values) => {
                    let (table, positions) = current
                        .as_ref()
                        .ok_or_else(|| bad(n, "a row before any table"))?;
                    batch.push(row_of(n, table, positions, values)?);
                    if let Some(last) = summary.tables.last_mut() {
                        last.1 += 1;
                    }
                    if batch.len() >= BATCH {
                        flush(table, positions, &mut batch, &mut main, log.as_mut()).await?;
                    }
                }
                _ => return Err(bad(n, "expected a table or a row")),
            }
        }
        if let Some((table, positions)) = current.take() {
            flush(table, &positions, &mut batch, &mut main, log.as_mut()).await?;
        }
        if self.dialect() == db::Dialect::Postgres {
            // Identities continue after the positions imported.
            for (table, column) in [
                ("audit_log", "seq"),
                ("alert_rules", "id"),
                ("alert_events", "seq"),
                ("provisioning_log", "seq"),
            ] {
                db::query(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                ))
                .fetch_one(&mut main)
                .await?;
            }
        }
        if let Some(log) = log {
            log.commit().await?;
        }
        main.commit().await?;
        self.auth_cache().bump().await?;
        Ok(summary)
    }
}

/// An error at a line of the file.
fn bad(line: usize, why: impl std::fmt::Display) -> CoreError {
    CoreError::invalid("file", format!("line {}: {why}", line + 1))
}

/// Checks the header line: this format, a version this console reads.
fn check_header(first: &str) -> CoreResult<()> {
    let header: Value =
        serde_json::from_str(first).map_err(|e| bad(0, format!("not an export header: {e}")))?;
    if header.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
        return Err(bad(0, format!("not a {EXPORT_FORMAT} file")));
    }
    match header.get("version").and_then(Value::as_u64) {
        Some(EXPORT_VERSION) => Ok(()),
        other => Err(bad(
            0,
            format!("export format version {other:?}; this console reads version {EXPORT_VERSION}"),
        )),
    }
}

/// The table a section line opens, and where each of its columns sits in the table.
fn section_of(
    n: usize,
    section: &serde_json::Map<String, Value>,
) -> CoreResult<(&'static Table, Vec<usize>)> {
    let name = section.get("table").and_then(Value::as_str).unwrap_or("");
    if NOT_COPIED.contains(&name) {
        return Err(bad(n, format!("{name} is rebuilt, not imported")));
    }
    let table = TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| bad(n, format!("unknown table {name:?}")))?;
    // Columns are matched by name: an export from an older version may lack newer ones
    // (their defaults apply), never hold unknown ones.
    let positions = section
        .get("columns")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let c = c.as_str().unwrap_or_default();
            table
                .columns
                .iter()
                .position(|(name, _)| *name == c)
                .ok_or_else(|| bad(n, format!("{}.{c} is not a column", table.name)))
        })
        .collect::<CoreResult<Vec<_>>>()?;
    Ok((table, positions))
}

/// A row line's values, bound for their columns.
fn row_of(
    n: usize,
    table: &Table,
    positions: &[usize],
    values: Vec<Value>,
) -> CoreResult<Vec<Param<'static>>> {
    if values.len() != positions.len() {
        return Err(bad(
            n,
            format!("{} values for {} columns", values.len(), positions.len()),
        ));
    }
    values
        .into_iter()
        .zip(positions)
        .map(|(v, &i)| {
            let (column, kind) = table.columns[i];
            json_param(v, kind).map_err(|why| bad(n, format!("{}.{column}: {why}", table.name)))
        })
        .collect()
}

/// Inserts the rows gathered for `table` (their values in the order of `positions`).
async fn flush<'t, 'c>(
    table: &Table,
    positions: &[usize],
    batch: &mut Vec<Vec<Param<'static>>>,
    main: &'t mut db::Tx<'c>,
    log: Option<&'t mut db::Tx<'c>>,
) -> CoreResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = positions.iter().map(|&i| table.columns[i].0).collect();
    let mut q = db::QueryBuilder::new(format!(
        "INSERT INTO {} ({}) ",
        table.name,
        columns.join(", ")
    ));
    q.push_values(batch.drain(..), |mut row, values| {
        for v in values {
            row.push_bind(v);
        }
    });
    let target = match (table.log, log) {
        (true, Some(log)) => log,
        _ => main,
    };
    q.build().execute(target).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_copied_or_named_as_rebuilt() {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        for t in TABLES {
            for k in t.key {
                assert!(
                    t.columns.iter().any(|(c, _)| c == k),
                    "{}: key {k} is not a column",
                    t.name
                );
            }
            assert!(!NOT_COPIED.contains(&t.name));
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "a table is listed twice");
    }

    #[test]
    fn values_keep_their_types_both_ways() {
        assert_eq!(json_param(json!(5), Kind::Int).unwrap(), Param::Int(5));
        assert_eq!(
            json_param(Value::Null, Kind::Bytes).unwrap(),
            Param::Null(Kind::Bytes)
        );
        assert_eq!(
            json_param(cell_json(Cell::Bytes(vec![0, 255])), Kind::Bytes).unwrap(),
            Param::Bytes(vec![0, 255].into())
        );
        assert!(json_param(json!("x"), Kind::Int).is_err());
        assert!(json_param(json!(1.5), Kind::Int).is_err());
    }
}
