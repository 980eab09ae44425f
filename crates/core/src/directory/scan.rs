//! Lists that SQL cannot decide alone — a filter it cannot translate exactly, or a sort on an
//! attribute without a column — scanned in creation order a chunk at a time (keyset pages of
//! [`CHUNK`] rows), each chunk filtered in memory, and only what the page needs kept: the page's
//! resources, or for a sort the keys of the best `startIndex + count` matches, whose rows are
//! read again at the end. Memory is bounded by the chunk and the page, not by the directory.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use scim::filter::Filter;
use scim::list::{SortKey, compare_sort_keys, sort_key_of};
use scim::{ListQuery, Paging, ResourceSchema, SortOrder};
use serde_json::{Map, Value};

use super::cursor::Position;
use super::{Table, assemble, bind_all, mentions};
use crate::configuration::Configuration;
use crate::db;
use crate::error::CoreResult;
use crate::store::Store;
use scim::filter::sql::SqlParam;

/// Rows read per statement of a scan.
const CHUNK: usize = 256;
/// The deepest result a sort in memory reaches (`startIndex + count - 1`).
pub const MAX_SORTED_RESULTS: usize = 10_000;

/// What a scan found: the page, its resources' positions, and how many matched in all.
pub(crate) struct Scanned {
    pub page: Vec<Map<String, Value>>,
    pub places: Vec<Position>,
    pub total: usize,
}

/// Which part of the matches a scan keeps.
pub(crate) enum Window<'a> {
    /// `paging`'s slice of the matches in creation order, or of the sorted matches.
    Index(Paging),
    /// The first `fetch` matches after `after` in creation order (a cursor page).
    After {
        after: Option<&'a Position>,
        fetch: usize,
    },
}

/// A match ranked by its sort key, ties in creation order.
struct Ranked {
    key: Option<SortKey>,
    place: Position,
    order: SortOrder,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_sort_keys(self.key.as_ref(), other.key.as_ref(), self.order).then_with(|| {
            (self.place.created_us, self.place.id.as_str())
                .cmp(&(other.place.created_us, other.place.id.as_str()))
        })
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// A scan: the table, its rows' SQL narrowing and the in-memory rules.
pub(crate) struct Scan<'a> {
    pub table: &'a Table,
    pub configuration: &'a Configuration,
    pub schema: &'a ResourceSchema,
    pub query: &'a ListQuery,
    /// The SQL condition that narrows the rows (`configuration_id = ?` first).
    pub where_sql: &'a str,
    pub params: &'a [SqlParam],
    /// Whether the page's resources carry their members.
    pub load_members: bool,
}

fn is_after(place: &Position, after: Option<&Position>) -> bool {
    after.is_none_or(|a| (place.created_us, place.id.as_str()) > (a.created_us, a.id.as_str()))
}

impl Store {
    /// Runs `scan`, keeping `window`.
    pub(crate) async fn scan(&self, scan: &Scan<'_>, window: &Window<'_>) -> CoreResult<Scanned> {
        let filter: Option<&Filter> = scan.query.filter.as_ref();
        let members_in_filter = filter.is_some_and(|f| mentions(f, "members"));
        let sort = scan.query.sort_by.as_ref();
        let keep = match window {
            Window::Index(paging) => paging.offset().saturating_add(paging.count),
            Window::After { fetch, .. } => *fetch,
        };
        if let Some(path) = sort
            && keep > MAX_SORTED_RESULTS
        {
            return Err(scim::ScimError::invalid_value(format!(
                "sortBy {path} is sorted in memory (the store keeps no index of it), which reaches the first {MAX_SORTED_RESULTS} results at most: narrow the query with a filter, or sort by userName, displayName, externalId, meta.created or meta.lastModified"
            ))
            .into());
        }
        let mut last: Option<Position> = None;
        let mut total = 0usize;
        let mut page = Vec::new();
        let mut places = Vec::new();
        // The best `keep` matches so far, the worst on top.
        let mut ranked: BinaryHeap<Ranked> = BinaryHeap::with_capacity(keep.min(CHUNK) + 1);
        loop {
            let (mut chunk, chunk_places) = self.read_chunk(scan, last.as_ref()).await?;
            let read = chunk.len();
            last = chunk_places.last().cloned();
            if members_in_filter {
                self.attach_members(scan.configuration, &mut chunk).await?;
            }
            for (resource, place) in chunk.into_iter().zip(chunk_places) {
                if filter.is_some_and(|f| !f.matches(&resource, scan.schema)) {
                    continue;
                }
                total += 1;
                match (sort, window) {
                    (Some(path), _) => {
                        ranked.push(Ranked {
                            key: sort_key_of(&resource, path, scan.schema),
                            place,
                            order: scan.query.sort_order,
                        });
                        if ranked.len() > keep {
                            ranked.pop();
                        }
                    }
                    (None, Window::Index(paging)) => {
                        let index = total - 1;
                        if index >= paging.offset() && page.len() < paging.count {
                            page.push(resource);
                            places.push(place);
                        }
                    }
                    (None, Window::After { after, fetch }) => {
                        if page.len() < *fetch && is_after(&place, *after) {
                            page.push(resource);
                            places.push(place);
                        }
                    }
                }
            }
            if read < CHUNK {
                break;
            }
        }
        if sort.is_some() {
            let skip = match window {
                Window::Index(paging) => paging.offset(),
                Window::After { .. } => 0,
            };
            places = ranked
                .into_sorted_vec()
                .into_iter()
                .skip(skip)
                .map(|r| r.place)
                .collect();
            page = self.read_again(scan, &places).await?;
        }
        // A page read again after a sort has no members yet.
        let page_has_members = members_in_filter && sort.is_none();
        if scan.load_members && !page_has_members {
            self.attach_members(scan.configuration, &mut page).await?;
        }
        if page_has_members && !scan.load_members {
            for r in &mut page {
                r.shift_remove("members");
            }
        }
        Ok(Scanned {
            page,
            places,
            total,
        })
    }

    /// The next [`CHUNK`] rows after `last` in creation order, assembled, with their places.
    async fn read_chunk(
        &self,
        scan: &Scan<'_>,
        last: Option<&Position>,
    ) -> CoreResult<(Vec<Map<String, Value>>, Vec<Position>)> {
        let after_sql = if last.is_some() {
            " AND (created_us, id) > (?, ?)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, data, created_us, modified_us, version FROM {} WHERE {}{after_sql} ORDER BY created_us, id LIMIT {CHUNK}",
            scan.table.name, scan.where_sql
        );
        let mut q = bind_all(
            db::query(&sql).bind(scan.configuration.id.to_string()),
            scan.params,
        );
        if let Some(p) = last {
            q = q.bind(p.created_us).bind(p.id.clone());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut chunk = Vec::with_capacity(rows.len());
        let mut places = Vec::with_capacity(rows.len());
        for r in &rows {
            places.push(Position {
                created_us: r.try_get("created_us")?,
                id: r.try_get("id")?,
            });
            chunk.push(assemble(scan.table, r)?);
        }
        Ok((chunk, places))
    }

    /// The rows at `places`, in that order.
    async fn read_again(
        &self,
        scan: &Scan<'_>,
        places: &[Position],
    ) -> CoreResult<Vec<Map<String, Value>>> {
        if places.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; places.len()].join(", ");
        let sql = format!(
            "SELECT id, data, created_us, modified_us, version FROM {} WHERE configuration_id = ? AND id IN ({marks})",
            scan.table.name
        );
        let mut q = db::query(&sql).bind(scan.configuration.id.to_string());
        for p in places {
            q = q.bind(p.id.clone());
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut by_id = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            by_id.insert(r.try_get::<String, _>("id")?, assemble(scan.table, r)?);
        }
        // A resource deleted meanwhile is left out of the page.
        Ok(places.iter().filter_map(|p| by_id.remove(&p.id)).collect())
    }
}
