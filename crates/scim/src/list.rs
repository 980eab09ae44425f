//! Queries over a resource type (RFC 7644 §3.4.2, §3.4.3): the query parameters or `/.search`
//! body, sorting, index paging (1-based `startIndex`, `count` 0 allowed, a capped maximum page
//! answered with fewer results rather than an error) and the ListResponse.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::error::{ScimError, ScimResult};
use crate::filter::{Filter, FilterRules};
use crate::path::AttrPath;
use crate::projection::Projection;
use crate::resource::get_ci;
use crate::schema::{AttributeDef, AttributeType, Resolved, ResourceSchema};

/// The ListResponse message schema URN.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The SearchRequest message schema URN.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Smallest first; resources without the attribute last.
    #[default]
    Ascending,
    /// Largest first; resources without the attribute first.
    Descending,
}

/// A parsed list or search request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// The filter.
    pub filter: Option<Filter>,
    /// The sort attribute.
    pub sort_by: Option<AttrPath>,
    /// The sort direction.
    pub sort_order: SortOrder,
    /// The 1-based index of the first result (values below 1 read as 1).
    pub start_index: usize,
    /// The page size asked for, if any (negative values read as 0).
    pub count: Option<usize>,
    /// Which attributes to return.
    pub projection: Projection,
    /// Cursor pagination (RFC 9865): `Some("")` asks for the first page, `Some(cursor)` for
    /// the page after the one that returned it as `nextCursor`; `None` is index paging.
    pub cursor: Option<String>,
}

/// The page a query asks for, after defaults and the server maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based index of the first result.
    pub start_index: usize,
    /// How many results at most.
    pub count: usize,
}

impl Paging {
    /// The 0-based offset of the first result.
    pub fn offset(&self) -> usize {
        self.start_index - 1
    }

    /// Takes this page out of a full result list.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.offset())
            .take(self.count)
            .collect()
    }
}

fn parse_int(param: &str, value: &str) -> ScimResult<i64> {
    let trimmed = value.trim();
    trimmed.parse::<i64>().or_else(|_| {
        // Far out-of-range numbers are still numbers: saturate them.
        if !trimmed.is_empty()
            && trimmed
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
        {
            Ok(if trimmed.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        } else {
            Err(ScimError::invalid_value(format!(
                "{param} must be an integer, got \"{value}\""
            )))
        }
    })
}

fn parse_filter(text: &str, rules: Option<FilterRules>) -> ScimResult<Filter> {
    Ok(match rules {
        Some(rules) => Filter::parse_with(text, rules)?,
        None => Filter::parse(text)?,
    })
}

fn parse_sort_order(value: &str) -> ScimResult<SortOrder> {
    if value.eq_ignore_ascii_case("ascending") {
        Ok(SortOrder::Ascending)
    } else if value.eq_ignore_ascii_case("descending") {
        Ok(SortOrder::Descending)
    } else {
        Err(ScimError::invalid_value(format!(
            "sortOrder must be \"ascending\" or \"descending\", got \"{value}\""
        )))
    }
}

fn to_index(n: i64) -> usize {
    usize::try_from(n.max(1)).unwrap_or(usize::MAX)
}

fn to_count(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

impl ListQuery {
    /// Reads the query parameters of a GET. Names are matched case-insensitively; unknown
    /// parameters (such as Entra ID's `aadOptscim062020`) are ignored. The filter is read as
    /// RFC 7644 writes it.
    pub fn from_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> ScimResult<Self> {
        Self::read_query_pairs(pairs, None)
    }

    /// Reads the query parameters of a GET sent to a configuration's endpoint: the filter
    /// under its rules ([`Filter::parse_with`]).
    pub fn from_query_pairs_with<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        rules: FilterRules,
    ) -> ScimResult<Self> {
        Self::read_query_pairs(pairs, Some(rules))
    }

    fn read_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        rules: Option<FilterRules>,
    ) -> ScimResult<Self> {
        let mut query = Self {
            start_index: 1,
            ..Self::default()
        };
        let (mut attributes, mut excluded) = (None, None);
        for (name, value) in pairs {
            match name.to_ascii_lowercase().as_str() {
                "filter" => query.filter = Some(parse_filter(value, rules)?),
                "sortby" => {
                    query.sort_by = Some(
                        AttrPath::parse(value.trim())
                            .map_err(|e| ScimError::invalid_value(format!("sortBy: {e}")))?,
                    );
                }
                "sortorder" => query.sort_order = parse_sort_order(value)?,
                "startindex" => query.start_index = to_index(parse_int("startIndex", value)?),
                "count" => query.count = Some(to_count(parse_int("count", value)?)),
                "attributes" => attributes = Some(value),
                "excludedattributes" => excluded = Some(value),
                "cursor" => query.cursor = Some(value.to_owned()),
                _ => {}
            }
        }
        query.projection = Projection::parse(attributes, excluded)?;
        Ok(query)
    }

    /// Reads a `POST /.search` body (RFC 7644 §3.4.3), its filter as RFC 7644 writes it.
    pub fn from_search_body(body: &Value) -> ScimResult<Self> {
        Self::read_search_body(body, None)
    }

    /// Reads a `POST /.search` body sent to a configuration's endpoint: the filter under its
    /// rules ([`Filter::parse_with`]).
    pub fn from_search_body_with(body: &Value, rules: FilterRules) -> ScimResult<Self> {
        Self::read_search_body(body, Some(rules))
    }

    fn read_search_body(body: &Value, rules: Option<FilterRules>) -> ScimResult<Self> {
        let Value::Object(map) = body else {
            return Err(ScimError::invalid_syntax(
                "the search request must be a JSON object",
            ));
        };
        let text = |name: &str| -> ScimResult<Option<&str>> {
            match get_ci(map, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(ScimError::invalid_syntax(format!(
                    "\"{name}\" must be a string"
                ))),
            }
        };
        let number = |name: &str| -> ScimResult<Option<i64>> {
            match get_ci(map, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .or_else(|| {
                        n.as_f64()
                            .map(|f| if f < 0.0 { i64::MIN } else { i64::MAX })
                    })
                    .map(Some)
                    .ok_or_else(|| {
                        ScimError::invalid_syntax(format!("\"{name}\" must be an integer"))
                    }),
                Some(_) => Err(ScimError::invalid_syntax(format!(
                    "\"{name}\" must be an integer"
                ))),
            }
        };
        let list = |name: &str| -> ScimResult<Vec<AttrPath>> {
            match get_ci(map, name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        let s = i.as_str().ok_or_else(|| {
                            ScimError::invalid_syntax(format!(
                                "\"{name}\" must be an array of strings"
                            ))
                        })?;
                        AttrPath::parse(s)
                            .map_err(|e| ScimError::invalid_value(format!("{name}: {e}")))
                    })
                    .collect(),
                // Some clients send a comma-separated string, as in the query form.
                Some(Value::String(s)) => Ok(Projection::parse(Some(s), None)?.into_lists().0),
                Some(_) => Err(ScimError::invalid_syntax(format!(
                    "\"{name}\" must be an array of strings"
                ))),
            }
        };
        Ok(Self {
            filter: text("filter")?
                .map(|f| parse_filter(f, rules))
                .transpose()?,
            sort_by: text("sortBy")?
                .map(|s| {
                    AttrPath::parse(s.trim())
                        .map_err(|e| ScimError::invalid_value(format!("sortBy: {e}")))
                })
                .transpose()?,
            sort_order: text("sortOrder")?
                .map(parse_sort_order)
                .transpose()?
                .unwrap_or_default(),
            start_index: number("startIndex")?.map_or(1, to_index),
            count: number("count")?.map(to_count),
            projection: Projection::from_lists(list("attributes")?, list("excludedAttributes")?),
            cursor: text("cursor")?.map(str::to_owned),
        })
    }

    /// The page to return: `count` defaults to `default_count` and is capped at `max_count`.
    pub fn paging(&self, default_count: usize, max_count: usize) -> Paging {
        Paging {
            start_index: self.start_index.max(1),
            count: self.count.unwrap_or(default_count).min(max_count),
        }
    }
}

/// How a page was found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PageKind {
    /// Index paging: the page starts at this 1-based index.
    Index(usize),
    /// Cursor paging (RFC 9865): the cursor of the next page, absent on the last.
    Cursor(Option<String>),
}

/// A ListResponse (RFC 7644 §3.4.2, RFC 9865 §2).
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    resources: Vec<Value>,
    total_results: usize,
    kind: PageKind,
}

impl ListResponse {
    /// A page of `resources` out of `total_results`, starting at `start_index`.
    pub fn new(resources: Vec<Value>, total_results: usize, start_index: usize) -> Self {
        Self {
            resources,
            total_results,
            kind: PageKind::Index(start_index),
        }
    }

    /// A cursor-paged page of `resources` out of `total_results`, with the cursor of the
    /// next page (`None` on the last page).
    pub fn cursor_page(
        resources: Vec<Value>,
        total_results: usize,
        next_cursor: Option<String>,
    ) -> Self {
        Self {
            resources,
            total_results,
            kind: PageKind::Cursor(next_cursor),
        }
    }

    /// The JSON body: `itemsPerPage` is the number of resources on this page; an index page
    /// has `startIndex`, a cursor page `nextCursor` unless it is the last.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
        body.insert("totalResults".into(), json!(self.total_results));
        if let PageKind::Index(start) = &self.kind {
            body.insert("startIndex".into(), json!(start));
        }
        body.insert("itemsPerPage".into(), json!(self.resources.len()));
        if let PageKind::Cursor(Some(next)) = &self.kind {
            body.insert("nextCursor".into(), json!(next));
        }
        body.insert("Resources".into(), json!(self.resources));
        Value::Object(body)
    }
}

/// The value a resource sorts by, extracted once per resource ([`sort_key_of`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// A string (lower case unless the attribute is case-exact).
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A date and time, in microseconds.
    Time(i64),
}

impl SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Number(a), Self::Number(b)) => a.total_cmp(b),
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Time(a), Self::Time(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Bool(_) => 0,
            Self::Number(_) => 1,
            Self::Time(_) => 2,
            Self::Text(_) => 3,
        }
    }
}

fn sort_key(value: &Value, leaf: &AttributeDef) -> Option<SortKey> {
    match value {
        Value::String(s) if leaf.kind == AttributeType::DateTime => {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| SortKey::Time(t.timestamp_micros()))
                .ok()
                .or_else(|| Some(SortKey::Text(s.clone())))
        }
        Value::String(s) if leaf.case_exact => Some(SortKey::Text(s.clone())),
        Value::String(s) => Some(SortKey::Text(s.to_lowercase())),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::Bool(b) => Some(SortKey::Bool(*b)),
        _ => None,
    }
}

/// The value a resource sorts by: for multi-valued attributes the primary value, else the first
/// (RFC 7644 §3.4.2.3); for complex ones their `value` sub-attribute.
pub fn sort_key_of(
    resource: &Map<String, Value>,
    path: &AttrPath,
    schema: &ResourceSchema,
) -> Option<SortKey> {
    let Some(Resolved::Attribute(attr)) = schema.resolve(path) else {
        return None;
    };
    let container = match attr.extension {
        Some(ext) => get_ci(resource, &ext.id)?.as_object()?,
        None => resource,
    };
    let raw = get_ci(container, &attr.def.name)?;
    let element = match raw {
        Value::Array(items) => items
            .iter()
            .find(|i| i.get("primary") == Some(&Value::Bool(true)))
            .or_else(|| items.first())?,
        other => other,
    };
    let (leaf, value) = match (attr.sub, attr.def.is_complex()) {
        (Some(sub), _) => (sub, get_ci(element.as_object()?, &sub.name)?),
        (None, true) => {
            let sub = attr.def.sub("value")?;
            (sub, get_ci(element.as_object()?, &sub.name)?)
        }
        (None, false) => (attr.def, element),
    };
    sort_key(value, leaf)
}

/// Sorts resources by an attribute. Stable: equal keys keep their order, so pages stay
/// consistent when the input comes in a stable order. Resources without the attribute sort
/// last in ascending order and first in descending order.
pub fn sort_resources(
    resources: &mut Vec<Map<String, Value>>,
    sort_by: &AttrPath,
    order: SortOrder,
    schema: &ResourceSchema,
) {
    let mut keyed: Vec<(Option<SortKey>, Map<String, Value>)> = resources
        .drain(..)
        .map(|r| (sort_key_of(&r, sort_by, schema), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| compare_sort_keys(a.as_ref(), b.as_ref(), order));
    resources.extend(keyed.into_iter().map(|(_, r)| r));
}

/// How two resources' sort keys order under `order`: a resource without a value sorts last
/// ascending and first descending (RFC 7644 §3.4.2.3).
pub fn compare_sort_keys(a: Option<&SortKey>, b: Option<&SortKey>, order: SortOrder) -> Ordering {
    let ordering = match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match order {
        SortOrder::Ascending => ordering,
        SortOrder::Descending => ordering.reverse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;

    #[test]
    fn query_parameters_are_read_case_insensitively_and_unknown_ones_ignored() {
        let q = ListQuery::from_query_pairs([
            ("filter", r#"userName eq "a""#),
            ("SORTBY", "name.familyName"),
            ("sortOrder", "Descending"),
            ("startIndex", "0"),
            ("count", "-5"),
            ("aadOptscim062020", ""),
            ("excludedAttributes", "members"),
        ])
        .unwrap();
        assert!(q.filter.is_some());
        assert_eq!(q.sort_by.unwrap().to_string(), "name.familyName");
        assert_eq!(q.sort_order, SortOrder::Descending);
        assert_eq!(
            (q.start_index, q.count),
            (1, Some(0)),
            "startIndex < 1 is 1, negative count is 0"
        );
        assert!(q.projection.excludes("members"));
    }

    #[test]
    fn a_cursor_is_read_from_the_query_and_the_search_body_and_pages_say_what_comes_next() {
        let first = ListQuery::from_query_pairs([("cursor", ""), ("count", "10")]).unwrap();
        assert_eq!(first.cursor.as_deref(), Some(""));
        assert_eq!(
            ListQuery::from_query_pairs([("count", "10")])
                .unwrap()
                .cursor,
            None
        );
        let body =
            json!({"schemas": [SEARCH_REQUEST_SCHEMA], "cursor": "VZUTiyhEQJ94IR", "count": 10});
        assert_eq!(
            ListQuery::from_search_body(&body)
                .unwrap()
                .cursor
                .as_deref(),
            Some("VZUTiyhEQJ94IR")
        );
        let page =
            ListResponse::cursor_page(vec![json!({"id": "a"})], 3, Some("next".into())).to_json();
        assert_eq!(page["nextCursor"], "next");
        assert_eq!(page["itemsPerPage"], 1);
        assert!(page.get("startIndex").is_none());
        let last = ListResponse::cursor_page(Vec::new(), 3, None).to_json();
        assert!(last.get("nextCursor").is_none());
        let indexed = ListResponse::new(Vec::new(), 3, 2).to_json();
        assert_eq!(indexed["startIndex"], 2);
        assert_eq!(
            indexed.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "schemas",
                "totalResults",
                "startIndex",
                "itemsPerPage",
                "Resources"
            ]
        );
    }

    #[test]
    fn bad_parameters_are_invalid_value_or_invalid_filter() {
        use crate::ScimType;
        let err = |pairs: &[(&str, &str)]| {
            ListQuery::from_query_pairs(pairs.iter().copied()).unwrap_err()
        };
        assert_eq!(
            err(&[("count", "ten")]).scim_type(),
            Some(ScimType::InvalidValue)
        );
        assert_eq!(
            err(&[("sortOrder", "up")]).scim_type(),
            Some(ScimType::InvalidValue)
        );
        assert_eq!(
            err(&[("filter", "userName eq")]).scim_type(),
            Some(ScimType::InvalidFilter)
        );
        let huge = ListQuery::from_query_pairs([("count", "99999999999999999999999")]).unwrap();
        assert_eq!(
            huge.paging(100, 1000).count,
            1000,
            "an oversized count is capped, not an error"
        );
    }

    #[test]
    fn search_body_is_read() {
        let q = ListQuery::from_search_body(&json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "attributes": ["displayName", "userName"],
            "filter": r#"displayName sw "smith""#,
            "startIndex": 1, "count": 10
        }))
        .unwrap();
        assert_eq!(
            q.paging(100, 1000),
            Paging {
                start_index: 1,
                count: 10
            }
        );
        assert!(q.filter.is_some());
        assert!(ListQuery::from_search_body(&json!({"count": "ten"})).is_err());
        assert!(ListQuery::from_search_body(&json!([1])).is_err());
    }

    #[test]
    fn paging_is_one_based_and_allows_count_zero() {
        let q = ListQuery::from_query_pairs([("startIndex", "3"), ("count", "2")]).unwrap();
        assert_eq!(q.paging(100, 1000).slice((1..=10).collect()), vec![3, 4]);
        let zero = ListQuery::from_query_pairs([("count", "0")]).unwrap();
        assert!(zero.paging(100, 1000).slice(vec![1, 2]).is_empty());
        let none = ListQuery::from_query_pairs(std::iter::empty()).unwrap();
        assert_eq!(
            none.paging(100, 1000),
            Paging {
                start_index: 1,
                count: 100
            }
        );
    }

    #[test]
    fn list_response_matches_rfc_shape() {
        assert_eq!(
            ListResponse::new(vec![json!({"id": "a"})], 3, 2).to_json(),
            json!({"schemas": [LIST_RESPONSE_SCHEMA], "totalResults": 3, "startIndex": 2, "itemsPerPage": 1, "Resources": [{"id": "a"}]})
        );
        let empty = ListResponse::new(vec![], 0, 1).to_json();
        assert_eq!(
            (
                empty["totalResults"].as_u64(),
                empty["Resources"].as_array().map(Vec::len)
            ),
            (Some(0), Some(0))
        );
    }

    #[test]
    fn sorting_uses_types_case_rules_primary_values_and_puts_missing_last() {
        let registry = SchemaRegistry::standard();
        let users = |v: Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_object().unwrap().clone())
                .collect::<Vec<_>>()
        };
        let mut list = users(json!([
            {"userName": "carol", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}]},
            {"userName": "Bob", "emails": [{"value": "m@x"}]},
            {"userName": "alice"},
            {"userName": "dave", "emails": [{"value": "b@x"}]}
        ]));
        let names = |l: &[Map<String, Value>]| {
            l.iter()
                .map(|u| u["userName"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        sort_resources(
            &mut list,
            &AttrPath::attr("userName"),
            SortOrder::Ascending,
            registry.user(),
        );
        assert_eq!(names(&list), ["alice", "Bob", "carol", "dave"]);
        sort_resources(
            &mut list,
            &AttrPath::attr("emails"),
            SortOrder::Ascending,
            registry.user(),
        );
        assert_eq!(names(&list), ["carol", "dave", "Bob", "alice"]);
        sort_resources(
            &mut list,
            &AttrPath::attr("emails"),
            SortOrder::Descending,
            registry.user(),
        );
        assert_eq!(names(&list), ["alice", "Bob", "dave", "carol"]);
    }

    #[test]
    fn datetimes_sort_chronologically() {
        let registry = SchemaRegistry::standard();
        let mut list: Vec<Map<String, Value>> = [
            json!({"userName": "late", "meta": {"created": "2020-01-01T01:00:00+01:00"}}),
            json!({"userName": "later", "meta": {"created": "2020-01-01T00:30:00Z"}}),
            json!({"userName": "early", "meta": {"created": "2019-12-31T23:00:00Z"}}),
        ]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect();
        sort_resources(
            &mut list,
            &AttrPath::parse("meta.created").unwrap(),
            SortOrder::Ascending,
            registry.user(),
        );
        let names: Vec<&str> = list
            .iter()
            .map(|u| u["userName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["early", "late", "later"]);
    }
}
