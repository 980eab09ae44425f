//! The directory as the admin browses it: summaries of users and groups, searched by name,
//! ordered by name or by creation (each either way: both are indexed), paged by key (so page
//! 500 costs what page 1 does).

use crate::db;
use serde::{Deserialize, Serialize};

use crate::configuration::Configuration;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::rfc3339;

/// The most summaries one page holds.
pub const MAX_PAGE: u32 = 500;

/// How a user came into the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// Created (or, once imported, linked) by a SCIM request of the identity provider.
    Scim,
    /// Imported from the target's own list and not yet linked by the identity provider.
    Imported,
}

/// One user of a directory, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    /// The SCIM `id`.
    pub id: String,
    /// `userName`.
    pub user_name: String,
    /// `displayName`, if any.
    pub display_name: Option<String>,
    /// `externalId`, if any.
    pub external_id: Option<String>,
    /// `active` (absent when never set).
    pub active: Option<bool>,
    /// How the user came in.
    pub origin: Origin,
    /// When it was created (RFC 3339).
    pub created: String,
    /// When it last changed (RFC 3339).
    pub last_modified: String,
    /// A protected account of the configuration (a tenant admin): excluded from provisioning.
    #[serde(default)]
    pub protected: bool,
}

/// One group of a directory, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    /// The SCIM `id`.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `externalId`, if any.
    pub external_id: Option<String>,
    /// How many members it has.
    pub members: i64,
    /// When it was created (RFC 3339).
    pub created: String,
    /// When it last changed (RFC 3339).
    pub last_modified: String,
}

/// One page of summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BrowsePage<T> {
    /// The summaries, in the order asked for.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<String>,
}

/// The order of a listing: the orders an index serves, so any page is a seek.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Order {
    /// By name (userName, a group's displayName), A to Z, any case.
    #[default]
    Name,
    /// By name, Z to A.
    NameDescending,
    /// Oldest first.
    Created,
    /// Newest first.
    CreatedDescending,
}

impl Order {
    fn descending(self) -> bool {
        matches!(self, Self::NameDescending | Self::CreatedDescending)
    }

    fn by_name(self) -> bool {
        matches!(self, Self::Name | Self::NameDescending)
    }
}

/// What to browse: an optional search (part of the name, display name or externalId, any
/// case), an order, the key a previous page ended on, and a page size.
#[derive(Debug, Clone, Default)]
pub struct Browse {
    /// Text the name, display name or externalId contains (any case).
    pub search: Option<String>,
    /// The order of the listing.
    pub order: Order,
    /// The `next` of the previous page (of the same order).
    pub after: Option<String>,
    /// Page size (1 to [`MAX_PAGE`]; 0 means 100).
    pub limit: u32,
}

/// Where a page starts: after this key of its order (none: at the start).
enum Key {
    Name(String, String),
    Created(i64, String),
}

impl Browse {
    fn limit(&self) -> i64 {
        i64::from(match self.limit {
            0 => 100,
            n => n.min(MAX_PAGE),
        })
    }

    /// `%text%` for LIKE, with the pattern characters of the text escaped (`\`).
    fn pattern(&self) -> Option<String> {
        let text = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())?;
        let mut pattern = String::with_capacity(text.len() + 2);
        pattern.push('%');
        for c in text.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Some(pattern)
    }

    /// The key a page starts after: (folded name, id) or (creation time, id), as the previous
    /// page's `next` says.
    fn key(&self) -> CoreResult<Option<Key>> {
        let Some(after) = self.after.as_deref() else {
            return Ok(None);
        };
        let wrong = || {
            CoreError::invalid(
                "after",
                "is not the `next` of a previous page of this order; start again without it",
            )
        };
        // The id (a UUID) never holds the separator; a name might.
        let (first, id) = after.rsplit_once('\u{1f}').ok_or_else(wrong)?;
        Ok(Some(if self.order.by_name() {
            Key::Name(first.to_owned(), id.to_owned())
        } else {
            Key::Created(first.parse().map_err(|_| wrong())?, id.to_owned())
        }))
    }

    /// The SQL of the order on a table (alias `prefix`, `""` or `"g."`; `name` its folded name
    /// column): the key condition (parameters ?3 and ?4, empty on the first page), the ORDER BY
    /// and the LIMIT's placeholder.
    fn order_sql(
        &self,
        key: Option<&Key>,
        prefix: &str,
        name: &str,
    ) -> (String, String, &'static str) {
        let column = if self.order.by_name() {
            format!("{prefix}{name}")
        } else {
            format!("{prefix}created_us")
        };
        let (compare, direction) = if self.order.descending() {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let order = format!("{column} {direction}, {prefix}id {direction}");
        match key {
            None => (String::new(), order, "?3"),
            Some(_) => (
                format!("AND ({column}, {prefix}id) {compare} (?3, ?4)"),
                order,
                "?5",
            ),
        }
    }
}

/// Binds the key of a page (parameters ?3 and ?4), if there is one.
fn bind_key<'q>(query: db::Query<'q>, key: Option<&'q Key>) -> db::Query<'q> {
    match key {
        None => query,
        Some(Key::Name(name, id)) => query.bind(name).bind(id),
        Some(Key::Created(at, id)) => query.bind(*at).bind(id),
    }
}

/// The `next` of a page whose last row is `last`, in the order's terms.
fn next_key(order: Order, last: &db::Row, folded: &str) -> CoreResult<String> {
    let first = if order.by_name() {
        last.try_get::<String, _>(folded)?
    } else {
        last.try_get::<i64, _>("created_us")?.to_string()
    };
    Ok(format!("{first}\u{1f}{}", last.try_get::<String, _>("id")?))
}

/// The page's items (at most `limit` of the `limit + 1` rows read) and, when a further row
/// was there, the key the next page starts after.
fn page_of<T>(
    rows: &[db::Row],
    limit: i64,
    next: impl Fn(&db::Row) -> CoreResult<String>,
    item: impl Fn(&db::Row) -> CoreResult<T>,
) -> CoreResult<(Vec<T>, Option<String>)> {
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let items = rows
        .iter()
        .take(take)
        .map(&item)
        .collect::<CoreResult<Vec<T>>>()?;
    let next = match (rows.len() > take, rows.get(take.wrapping_sub(1))) {
        (true, Some(last)) => Some(next(last)?),
        _ => None,
    };
    Ok((items, next))
}

impl Store {
    /// A page of a configuration's users, by userName or creation.
    pub async fn browse_users(
        &self,
        configuration: &Configuration,
        browse: &Browse,
    ) -> CoreResult<BrowsePage<UserSummary>> {
        let cfg = configuration.id.to_string();
        let pattern = browse.pattern();
        let filter = "configuration_id = ?1 AND (?2 IS NULL OR user_name_folded LIKE ?2 ESCAPE '\\' OR lower(display_name) LIKE ?2 ESCAPE '\\' OR lower(external_id) LIKE ?2 ESCAPE '\\')";
        let total: i64 = db::query_scalar(format!("SELECT count(*) FROM users WHERE {filter}"))
            .plan_per_call()
            .bind(&cfg)
            .bind(&pattern)
            .fetch_one(self.pool())
            .await?;
        let key = browse.key()?;
        let limit = browse.limit();
        let (after, order, limit_at) = browse.order_sql(key.as_ref(), "", "user_name_folded");
        let query = db::query(format!(
            "SELECT id, user_name, user_name_folded, display_name, external_id, active, imported_us, created_us, modified_us
             FROM users WHERE {filter} {after}
             ORDER BY {order} LIMIT {limit_at}"
        ))
        .plan_per_call()
        .bind(&cfg)
        .bind(&pattern);
        let rows = bind_key(query, key.as_ref())
            .bind(limit + 1)
            .fetch_all(self.pool())
            .await?;
        let next = |row: &db::Row| next_key(browse.order, row, "user_name_folded");
        let (items, next) = page_of(&rows, limit, next, |row| {
            let user_name: String = row.try_get("user_name")?;
            Ok(UserSummary {
                protected: configuration.is_protected(&user_name),
                id: row.try_get("id")?,
                user_name,
                display_name: row.try_get("display_name")?,
                external_id: row.try_get("external_id")?,
                active: row.try_get("active")?,
                origin: if row.try_get::<Option<i64>, _>("imported_us")?.is_some() {
                    Origin::Imported
                } else {
                    Origin::Scim
                },
                created: rfc3339(row.try_get("created_us")?),
                last_modified: rfc3339(row.try_get("modified_us")?),
            })
        })?;
        Ok(BrowsePage { items, total, next })
    }

    /// A page of a configuration's groups, by displayName or creation, with member counts.
    pub async fn browse_groups(
        &self,
        configuration: &Configuration,
        browse: &Browse,
    ) -> CoreResult<BrowsePage<GroupSummary>> {
        let cfg = configuration.id.to_string();
        let pattern = browse.pattern();
        let filter = "g.configuration_id = ?1 AND (?2 IS NULL OR g.display_name_folded LIKE ?2 ESCAPE '\\' OR lower(g.external_id) LIKE ?2 ESCAPE '\\')";
        let total: i64 = db::query_scalar(format!("SELECT count(*) FROM groups g WHERE {filter}"))
            .plan_per_call()
            .bind(&cfg)
            .bind(&pattern)
            .fetch_one(self.pool())
            .await?;
        let key = browse.key()?;
        let limit = browse.limit();
        let (after, order, limit_at) = browse.order_sql(key.as_ref(), "g.", "display_name_folded");
        let query = db::query(format!(
            "SELECT g.id, g.display_name, g.display_name_folded, g.external_id, g.created_us, g.modified_us,
                    (SELECT count(*) FROM group_members m WHERE m.configuration_id = g.configuration_id AND m.group_id = g.id) AS members
             FROM groups g WHERE {filter} {after}
             ORDER BY {order} LIMIT {limit_at}"
        ))
        .plan_per_call()
        .bind(&cfg)
        .bind(&pattern);
        let rows = bind_key(query, key.as_ref())
            .bind(limit + 1)
            .fetch_all(self.pool())
            .await?;
        let next = |row: &db::Row| next_key(browse.order, row, "display_name_folded");
        let (items, next) = page_of(&rows, limit, next, |row| {
            Ok(GroupSummary {
                id: row.try_get("id")?,
                display_name: row.try_get("display_name")?,
                external_id: row.try_get("external_id")?,
                members: row.try_get("members")?,
                created: rfc3339(row.try_get("created_us")?),
                last_modified: rfc3339(row.try_get("modified_us")?),
            })
        })?;
        Ok(BrowsePage { items, total, next })
    }
}
