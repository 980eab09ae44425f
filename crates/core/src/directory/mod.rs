//! The directory of a configuration: its Users and Groups.
//!
//! A resource is stored as its normalised SCIM JSON (without `id`, `meta` and, for groups,
//! `members`) plus indexed columns for what SCIM queries and uniqueness need: `userName` folded
//! to lower case, `externalId`, `displayName`, `active`, times. Group membership is one row per
//! member. Filters become SQL with bound parameters where they can ([`scim::filter::sql`]); what
//! SQL cannot decide exactly is evaluated in memory over the rows SQL narrowed down.

pub mod browse;
pub(crate) mod cursor;
mod scan;

pub use self::cursor::CURSOR_TIMEOUT_SECONDS;
mod groups;
mod protected_members;
pub mod rekey;
mod users;

use crate::db;
use scim::filter::Filter;
use scim::filter::sql::{ColumnKind, SqlColumn, SqlColumns, SqlParam};
use scim::patch::AttributeChange;
use scim::schema::{AttributeDef, Resolved};
use scim::{ListQuery, Paging, ResourceSchema, SortOrder};
use serde_json::{Map, Value, json};

use crate::configuration::Configuration;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::rfc3339;

/// One page of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The resources on this page (without `meta.location`, which the server adds).
    pub resources: Vec<PageResource>,
    /// How many resources match in all.
    pub total_results: usize,
    /// The 1-based index of the first resource on this page.
    pub start_index: usize,
    /// Whether the default response form of a stored resource is the stored text itself (no
    /// attribute of the schema is withheld by default, except those never stored): then
    /// [`StoredResource::write_default_json`] may render it without parsing.
    pub stored_is_default_form: bool,
    /// Whether the page was asked for with a cursor (RFC 9865) rather than an index.
    pub cursor_paged: bool,
    /// The cursor of the next page, when cursor-paged and more resources follow.
    pub next_cursor: Option<String>,
}

/// A cursor-paged query: its digest and where it continues (`None`: the first page).
struct ListCursor {
    digest: u64,
    after: Option<cursor::Position>,
}

impl ListPage {
    /// The resources as JSON maps.
    pub fn into_maps(self) -> CoreResult<Vec<Map<String, Value>>> {
        self.resources
            .into_iter()
            .map(PageResource::into_map)
            .collect()
    }
}

/// A resource on a page: as stored (rendered without parsing when it can be), or already built.
#[derive(Debug, Clone, PartialEq)]
pub enum PageResource {
    /// Read from its row, not parsed.
    Stored(StoredResource),
    /// Built in memory (pages decided by an in-memory filter or sort).
    Assembled(Map<String, Value>),
}

impl PageResource {
    /// The resource as a JSON map.
    pub fn into_map(self) -> CoreResult<Map<String, Value>> {
        match self {
            Self::Stored(stored) => stored.into_map(),
            Self::Assembled(map) => Ok(map),
        }
    }
}

/// A resource row as stored: its id, its JSON text (without `id`, `meta` and `members`), its
/// times and version, and for groups the JSON text of its `members` when they were loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    resource_type: &'static str,
    id: String,
    data: String,
    created: i64,
    modified: i64,
    version: i64,
    members: Option<String>,
}

impl StoredResource {
    fn from_row(table: &Table, row: &db::Row) -> CoreResult<Self> {
        Ok(Self {
            resource_type: table.resource_type,
            id: row.try_get("id")?,
            data: row.try_get("data")?,
            created: row.try_get("created_us")?,
            modified: row.try_get("modified_us")?,
            version: row.try_get("version")?,
            members: None,
        })
    }

    /// The resource's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The resource's weak ETag.
    pub fn etag(&self) -> String {
        etag(self.version)
    }

    /// Sets the JSON text of a group's `members` array.
    pub(crate) fn set_members(&mut self, members: String) {
        self.members = Some(members);
    }

    /// The resource as a JSON map (`schemas`, `id`, the data, `meta`, then `members`).
    pub fn into_map(self) -> CoreResult<Map<String, Value>> {
        let id = self.id;
        let Value::Object(stored) = serde_json::from_str(&self.data)
            .map_err(|e| CoreError::Corrupt(format!("{} {id}: {e}", self.resource_type)))?
        else {
            return Err(CoreError::Corrupt(format!(
                "{} {id} is not an object",
                self.resource_type
            )));
        };
        let mut map = build_parts(
            self.resource_type,
            id,
            stored,
            self.created,
            self.modified,
            self.version,
        );
        if let Some(members) = self.members {
            let members: Value = serde_json::from_str(&members)
                .map_err(|e| CoreError::Corrupt(format!("members of {}: {e}", map["id"])))?;
            map.insert("members".into(), members);
        }
        Ok(map)
    }

    /// Appends the resource's default response form to `out` without parsing it: the stored
    /// text with `id` spliced in after `schemas`, then `members` and `meta` (with `location`).
    /// The result is the same JSON as [`Self::into_map`] projected by default, when the page's
    /// `stored_is_default_form` holds. Returns `false` and appends nothing when the stored
    /// text is not in the canonical form this needs (then parse it with [`Self::into_map`]).
    pub fn write_default_json(&self, out: &mut String, location: &str) -> bool {
        const SCHEMAS: &str = "{\"schemas\":";
        let Some(rest) = self.data.strip_prefix(SCHEMAS) else {
            return false;
        };
        // The end of the `schemas` value, found by the JSON reader rather than by searching.
        let mut values =
            serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
        if !matches!(values.next(), Some(Ok(_))) {
            return false;
        }
        let (schemas, tail) = rest.split_at(values.byte_offset());
        let Some(attributes) = tail.strip_suffix('}') else {
            return false;
        };
        if !(attributes.is_empty() || attributes.starts_with(',')) {
            return false;
        }
        out.reserve(self.data.len() + location.len() + 200);
        out.push_str(SCHEMAS);
        out.push_str(schemas);
        out.push_str(",\"id\":");
        push_json_string(out, &self.id);
        out.push_str(attributes);
        if let Some(members) = &self.members {
            out.push_str(",\"members\":");
            out.push_str(members);
        }
        out.push_str(",\"meta\":{\"resourceType\":");
        push_json_string(out, self.resource_type);
        out.push_str(",\"created\":");
        push_json_string(out, &rfc3339(self.created));
        out.push_str(",\"lastModified\":");
        push_json_string(out, &rfc3339(self.modified));
        out.push_str(",\"version\":");
        push_json_string(out, &etag(self.version));
        out.push_str(",\"location\":");
        push_json_string(out, location);
        out.push_str("}}");
        true
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&Value::String(s.to_owned()).to_string());
    }
}

/// The result of a write: the resource as stored and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The resource after the write (for groups, `members` only when it was loaded).
    pub resource: Map<String, Value>,
    /// The attributes that changed (empty for a write that changed nothing).
    pub changes: Vec<AttributeChange>,
    /// What the configuration's mapping plan let through with a warning (ignored unsupported
    /// attributes, failed validators in warn-only mode, out-of-scope users accepted inactive).
    pub warnings: Vec<String>,
    /// The forms the request used that only a compatibility switch let through.
    pub leniencies: scim::Leniencies,
}

/// The weak ETag of a version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// `If-Match`: `*` or a list of ETags, one of which must be the current version.
pub(crate) fn check_if_match(if_match: Option<&str>, version: i64) -> CoreResult<()> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let current = etag(version);
    let strong = format!("\"{version}\"");
    let matches = header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current || tag == strong);
    if matches {
        Ok(())
    } else {
        Err(CoreError::VersionMismatch(header.to_owned()))
    }
}

/// Where one resource type lives in the database.
pub(crate) struct Table {
    pub name: &'static str,
    /// Sort columns that are never NULL (they sort straight off an index).
    pub not_null: &'static [&'static str],
    pub resource_type: &'static str,
    pub columns: &'static (dyn SqlColumns + Sync),
    /// Attributes never kept in the stored data (removed before every write).
    pub never_stored: &'static [&'static str],
}

pub(crate) struct UserColumns;

impl SqlColumns for UserColumns {
    fn column(&self, canonical: &str, _: &AttributeDef) -> Option<SqlColumn> {
        Some(match canonical {
            "id" => SqlColumn::text("id"),
            "externalId" => SqlColumn::text("external_id"),
            "userName" => SqlColumn::text("user_name").folded("user_name_folded"),
            "displayName" => SqlColumn::text("display_name"),
            "active" => SqlColumn::of("active", ColumnKind::Integer),
            "meta.created" => SqlColumn::of("created_us", ColumnKind::EpochMicros),
            "meta.lastModified" => SqlColumn::of("modified_us", ColumnKind::EpochMicros),
            _ => return None,
        })
    }
}

pub(crate) struct GroupColumns;

impl SqlColumns for GroupColumns {
    fn column(&self, canonical: &str, _: &AttributeDef) -> Option<SqlColumn> {
        Some(match canonical {
            "id" => SqlColumn::text("id"),
            "externalId" => SqlColumn::text("external_id"),
            "displayName" => SqlColumn::text("display_name").folded("display_name_folded"),
            "meta.created" => SqlColumn::of("created_us", ColumnKind::EpochMicros),
            "meta.lastModified" => SqlColumn::of("modified_us", ColumnKind::EpochMicros),
            _ => return None,
        })
    }

    fn value_path_eq(&self, canonical: &str, sub: &str, placeholder: &str) -> Option<String> {
        (canonical == "members" && sub == "value").then(|| {
            format!(
                "EXISTS (SELECT 1 FROM group_members m WHERE m.configuration_id = groups.configuration_id AND m.group_id = groups.id AND m.member_id = {placeholder})"
            )
        })
    }
}

pub(crate) static USERS: Table = Table {
    name: "users",
    not_null: &["created_us", "modified_us", "id", "user_name_folded"],
    resource_type: "User",
    columns: &UserColumns,
    never_stored: &["password"],
};
pub(crate) static GROUPS: Table = Table {
    name: "groups",
    not_null: &["created_us", "modified_us", "id", "display_name_folded"],
    resource_type: "Group",
    columns: &GroupColumns,
    never_stored: &[],
};

/// Rebuilds the SCIM representation from a row: `schemas`, `id`, the stored data, `meta`.
pub(crate) fn assemble(table: &Table, row: &db::Row) -> CoreResult<Map<String, Value>> {
    StoredResource::from_row(table, row)?.into_map()
}

/// The SCIM representation from its parts: `schemas` first, then `id`, the data, `meta`.
pub(crate) fn assemble_parts(
    table: &Table,
    id: String,
    stored: Map<String, Value>,
    created: i64,
    modified: i64,
    version: i64,
) -> Map<String, Value> {
    build_parts(table.resource_type, id, stored, created, modified, version)
}

fn build_parts(
    resource_type: &'static str,
    id: String,
    mut stored: Map<String, Value>,
    created: i64,
    modified: i64,
    version: i64,
) -> Map<String, Value> {
    for key in ["id", "meta", "password"] {
        stored.shift_remove(key);
    }
    let mut out = Map::with_capacity(stored.len() + 2);
    if let Some(schemas) = stored.shift_remove("schemas") {
        out.insert("schemas".into(), schemas);
    }
    out.insert("id".into(), Value::String(id));
    out.extend(stored);
    out.insert(
        "meta".into(),
        json!({
            "resourceType": resource_type,
            "created": rfc3339(created),
            "lastModified": rfc3339(modified),
            "version": etag(version),
        }),
    );
    out
}

/// The stored form of a resource: everything but `id`, `meta` (and `members`, kept as rows),
/// and never a secret — a key naming an attribute the schemas mark `writeOnly` or
/// `returned: never`, at any depth, in any spelling (`" Password "` kept as unknown data by a
/// lenient reading included); a password the configuration keeps is stored hashed apart.
pub(crate) fn stored_data(resource: &Map<String, Value>) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|key, _| !crate::logs::secrets().names_secret(key));
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut data = resource.clone();
    for key in ["id", "meta", "members"] {
        data.shift_remove(key);
    }
    let mut data = Value::Object(data);
    strip(&mut data);
    serde_json::to_string(&data).unwrap_or_else(|_| "{}".into())
}

/// Binds a translated filter's parameters.
pub(crate) fn bind_all<'q>(mut query: db::Query<'q>, params: &'q [SqlParam]) -> db::Query<'q> {
    for p in params {
        query = match p {
            SqlParam::Text(s) => query.bind(s.as_str()),
            SqlParam::Integer(i) => query.bind(*i),
            SqlParam::Real(f) => query.bind(*f),
        };
    }
    query
}

/// Whether a stored resource of `table` is its own default response form: every attribute the
/// schema withholds by default (writeOnly, `returned: never` or `request`) is one the store
/// never keeps in the resource's data (a user's `password`).
fn stored_is_default_form(table: &Table, schema: &ResourceSchema) -> bool {
    schema.withheld_by_default().iter().all(|path| {
        table
            .never_stored
            .iter()
            .any(|n| n.eq_ignore_ascii_case(path))
    })
}

/// Whether a filter names an attribute (at any depth), e.g. `members`.
pub(crate) fn mentions(filter: &Filter, name: &str) -> bool {
    match filter {
        Filter::Compare { path, .. }
        | Filter::Present { path, .. }
        | Filter::ValuePath { path, .. } => path.name().eq_ignore_ascii_case(name),
        Filter::And(l, r) | Filter::Or(l, r) => mentions(l, name) || mentions(r, name),
        Filter::Not(inner, _) => mentions(inner, name),
    }
}

/// What a list query reads besides the rows it matches.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ListOptions {
    /// Each group's members.
    pub(crate) load_members: bool,
    /// Leave the protected accounts out: the identity provider's view of the users.
    pub(crate) hide_protected: bool,
}

impl Store {
    /// Runs a list query over one table: SQL where exact, memory where not.
    #[allow(clippy::too_many_lines)] // Two plans (SQL page, narrowed scan) that share their setup.
    pub(crate) async fn list_rows(
        &self,
        table: &Table,
        configuration: &Configuration,
        schema: &ResourceSchema,
        query: &ListQuery,
        paging: Paging,
        options: ListOptions,
    ) -> CoreResult<ListPage> {
        let ListOptions {
            load_members,
            hide_protected,
        } = options;
        let cursor = self.list_cursor(table, query, paging)?;
        // Cursor pages start after their position, not at an index.
        let paging = if cursor.is_some() {
            Paging {
                start_index: 1,
                count: paging.count,
            }
        } else {
            paging
        };
        let position = cursor.as_ref().and_then(|c| c.after.as_ref());
        // One resource more than the page tells whether another page follows.
        let fetch = if cursor.is_some() {
            paging.count.saturating_add(1)
        } else {
            paging.count
        };
        let translated = match &query.filter {
            Some(f) => f.to_sql(schema, table.columns),
            None => None,
        };
        let needs_memory_filter =
            query.filter.is_some() && !translated.as_ref().is_some_and(|t| t.exact);
        let order_column = match &query.sort_by {
            None => Some("created_us".to_owned()),
            Some(path) => match schema.resolve(path) {
                Some(Resolved::Attribute(attr)) if attr.sub.is_none() || !attr.def.multi_valued => {
                    table
                        .columns
                        .column(&attr.canonical_path(), attr.leaf())
                        .map(|c| c.folded_expr.unwrap_or(c.expr))
                }
                _ => None,
            },
        };
        // sortOrder means nothing without sortBy (RFC 7644 §3.4.2.3): creation order then.
        let direction = match (query.sort_order, &query.sort_by) {
            (SortOrder::Descending, Some(_)) => "DESC",
            _ => "ASC",
        };
        let mut where_sql = String::from("configuration_id = ?");
        if let Some(t) = &translated {
            where_sql.push_str(" AND ");
            where_sql.push_str(&t.sql);
        }
        let mut params: Vec<SqlParam> = translated.map(|t| t.params).unwrap_or_default();
        // Protected accounts (tenant admins) are excluded from provisioning: the identity
        // provider's queries never match them.
        let hidden: Vec<String> = if hide_protected && table.resource_type == "User" {
            configuration
                .protected_accounts
                .iter()
                .map(|name| name.to_lowercase())
                .collect()
        } else {
            Vec::new()
        };
        let hidden_sql = match hidden.len() {
            0 => String::new(),
            n => format!(" AND user_name_folded NOT IN ({})", vec!["?"; n].join(", ")),
        };
        where_sql.push_str(&hidden_sql);
        params.extend(hidden.iter().cloned().map(SqlParam::Text));
        let columns = "id, data, created_us, modified_us, version";
        let cfg = configuration.id.to_string();

        if !needs_memory_filter && let Some(order) = &order_column {
            // Exact in SQL. The page is found on an index (rowids only, so skipping deep
            // offsets stays cheap) and only its rows are read. Columns that can be NULL sort
            // their NULLs last ascending and first descending, as RFC 7644 §3.4.2.3 asks.
            let nullable = !table.not_null.contains(&order.as_str());
            let null_order = match (nullable, direction) {
                (false, _) => String::new(),
                (true, "ASC") => format!("{order} IS NULL, "),
                (true, _) => format!("{order} IS NOT NULL, "),
            };
            // Ties break on creation order then id, without repeating a key (SQLite would then sort
            // in a temporary B-tree instead of walking the index).
            let order_by = match order.as_str() {
                "created_us" => format!("created_us {direction}, id {direction}"), // Unique columns need no tie-break, and then the index alone decides.
                "id" | "user_name_folded" | "display_name_folded" => format!("{order} {direction}"),
                _ => format!(
                    "{null_order}{order} {direction}, created_us {direction}, id {direction}"
                ),
            };
            let mut resources = Vec::new();
            let mut positions = Vec::new();
            if paging.count > 0 {
                // A cursor page continues after its position in creation order.
                let after = if position.is_some() {
                    " AND (created_us, id) > (?, ?)"
                } else {
                    ""
                };
                // PostgreSQL has no rowid: its keys walk an index-only scan the same way.
                let (key, key_columns) = match self.dialect() {
                    db::Dialect::Sqlite => ("rowid", "rowid"),
                    db::Dialect::Postgres => ("(configuration_id, id)", "configuration_id, id"),
                };
                // The page's size is written into the statement, its offset bound: PostgreSQL
                // reuses a prepared statement's generic plan, made without the values, and
                // for an unknown LIMIT that plan expects a tenth of the table — a scan of every
                // user joined by hash, 22 ms for any page of 130,000. Told the size, the
                // generic plan walks the index (0.2 ms near the start). Page sizes are few, so
                // the statements stay few.
                // (A root search asks each type for everything: usize::MAX is no SQL integer.)
                let limit = i64::try_from(fetch).unwrap_or(i64::MAX);
                let page_sql = format!(
                    "SELECT {columns} FROM {table_name} WHERE {key} IN (SELECT {key_columns} FROM {table_name} WHERE {where_sql}{after} ORDER BY {order_by} LIMIT {limit} OFFSET ?) ORDER BY {order_by}",
                    table_name = table.name,
                );
                let offset = i64::try_from(paging.offset()).unwrap_or(i64::MAX);
                let mut q = bind_all(db::query(&page_sql).bind(&cfg), &params);
                if let Some(p) = position {
                    q = q.bind(p.created_us).bind(p.id.clone());
                }
                let rows = q.bind(offset).fetch_all(self.pool()).await?;
                for r in &rows {
                    positions.push(cursor::Position {
                        created_us: r.try_get("created_us")?,
                        id: r.try_get("id")?,
                    });
                    resources.push(StoredResource::from_row(table, r).map(PageResource::Stored)?);
                }
            }
            let next_cursor = cursor
                .as_ref()
                .and_then(|c| self.next_cursor(c, &mut resources, &positions, paging.count));
            let total = if query.filter.is_none() {
                // Kept by triggers with every insert and delete.
                let all = db::query("SELECT COALESCE((SELECT total FROM directory_counts WHERE configuration_id = ? AND resource_type = ?), 0)")
                    .bind(&cfg)
                    .bind(table.resource_type)
                    .fetch_one(self.pool())
                    .await?
                    .try_get::<i64, _>(0)?;
                if hidden.is_empty() {
                    all
                } else {
                    // Less the protected accounts present: a lookup of a few names.
                    let present_sql = format!(
                        "SELECT COUNT(*) FROM users WHERE configuration_id = ? AND user_name_folded IN ({})",
                        vec!["?"; hidden.len()].join(", ")
                    );
                    let mut q = db::query(&present_sql).bind(&cfg);
                    for name in &hidden {
                        q = q.bind(name.as_str());
                    }
                    all - q.fetch_one(self.pool()).await?.try_get::<i64, _>(0)?
                }
            } else if paging.offset() == 0
                && position.is_none()
                && paging.count > 0
                && resources.len() < paging.count
            {
                // The first page holds every match (the usual matching lookup): no count needed.
                i64::try_from(resources.len()).unwrap_or(i64::MAX)
            } else {
                let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {where_sql}", table.name);
                bind_all(db::query(&count_sql).bind(&cfg), &params)
                    .fetch_one(self.pool())
                    .await?
                    .try_get(0)?
            };
            if load_members {
                self.attach_stored_members(configuration, &mut resources)
                    .await?;
            }
            return Ok(ListPage {
                resources,
                total_results: usize::try_from(total).unwrap_or(0),
                start_index: paging.start_index,
                stored_is_default_form: stored_is_default_form(table, schema),
                cursor_paged: cursor.is_some(),
                next_cursor,
            });
        }

        // Narrowed by SQL (or not at all), decided in memory a chunk at a time.
        let scan = scan::Scan {
            table,
            configuration,
            schema,
            query,
            where_sql: &where_sql,
            params: &params,
            load_members,
        };
        let window = match &cursor {
            Some(_) => scan::Window::After {
                after: position,
                fetch,
            },
            None => scan::Window::Index(paging),
        };
        let scan::Scanned {
            mut page,
            places,
            total,
        } = self.scan(&scan, &window).await?;
        let next_cursor = cursor
            .as_ref()
            .and_then(|c| self.next_cursor(c, &mut page, &places, paging.count));
        Ok(ListPage {
            resources: page.into_iter().map(PageResource::Assembled).collect(),
            total_results: total,
            start_index: paging.start_index,
            stored_is_default_form: stored_is_default_form(table, schema),
            cursor_paged: cursor.is_some(),
            next_cursor,
        })
    }

    /// The cursor state of a query that asks for cursor pages, or `None` for index paging.
    fn list_cursor(
        &self,
        table: &Table,
        query: &ListQuery,
        paging: Paging,
    ) -> CoreResult<Option<ListCursor>> {
        let Some(raw) = &query.cursor else {
            return Ok(None);
        };
        if query.sort_by.is_some() {
            return Err(scim::ScimError::invalid_value(
                "sortBy cannot be combined with cursor: cursor pages follow creation order; page with startIndex to sort",
            )
            .into());
        }
        let digest = cursor::query_digest(table.resource_type, query);
        let after = if raw.trim().is_empty() {
            None
        } else {
            Some(cursor::decode(
                self.cursor_key(),
                raw,
                digest,
                paging.count,
                self.now_us() / 1_000_000,
            )?)
        };
        Ok(Some(ListCursor { digest, after }))
    }

    /// Trims the extra resource fetched beyond a cursor page and, when there was one, returns
    /// the cursor of the next page (after the page's last resource).
    fn next_cursor<T>(
        &self,
        cursor: &ListCursor,
        page: &mut Vec<T>,
        positions: &[cursor::Position],
        count: usize,
    ) -> Option<String> {
        if page.len() <= count {
            return None;
        }
        page.truncate(count);
        let last = positions.get(count.checked_sub(1)?)?;
        Some(cursor::encode(
            self.cursor_key(),
            last,
            cursor.digest,
            count,
            self.now_us() / 1_000_000 + cursor::CURSOR_TIMEOUT_SECONDS,
        ))
    }
}
