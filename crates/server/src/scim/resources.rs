//! The `/Users` and `/Groups` endpoints: query, create, read, replace, patch, delete. Handlers
//! read the request, call the store and shape the answer; the rules live in the store and the
//! protocol crate.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use scim::{Leniencies, ListQuery, ListResponse, Projection, ResourceSchema, ScimError};
use scim_console_core::PatchAnswer;
use scim_console_core::directory::{ListPage, PageResource};
use serde_json::{Map, Value};
use std::fmt::Write as _;

use super::auth::Tenant;
use super::http::{ReplyFacts, ScimBody, ScimFailure, ScimReply, query_pairs};
use crate::headers::header_text;
use crate::state::AppState;

type Reply = Result<ScimReply, ScimFailure>;

/// Which resource type an endpoint serves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl Kind {
    fn endpoint(self) -> &'static str {
        match self {
            Self::User => "Users",
            Self::Group => "Groups",
        }
    }

    fn schema(self, state: &AppState) -> &ResourceSchema {
        match self {
            Self::User => state.registry.user(),
            Self::Group => state.registry.group(),
        }
    }

    /// A configuration that does not provision this type answers 403, saying so.
    fn require(self, tenant: &Tenant) -> Result<(), ScimFailure> {
        let c = &tenant.configuration;
        let (enabled, what, other) = match self {
            Self::User => (c.provision_users, "users", "groups"),
            Self::Group => (c.provision_groups, "groups", "users"),
        };
        if enabled {
            Ok(())
        } else {
            Err(ScimError::status(
                403,
                format!("the SCIM configuration \"{}\" provisions {other} only; enable {what} provisioning to use /{}", c.name, self.endpoint()),
            )
            .into())
        }
    }
}

fn single_projection(raw: Option<&str>) -> Result<Projection, ScimFailure> {
    let pairs = query_pairs(raw);
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    Ok(Projection::parse(
        find("attributes"),
        find("excludedAttributes"),
    )?)
}

fn has_projection(raw: Option<&str>) -> bool {
    query_pairs(raw).iter().any(|(k, _)| {
        k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
    })
}

/// A query read under the configuration's filter rules, with the lenient forms it took.
type ReadQuery = (ListQuery, Leniencies);

fn list_query(raw: Option<&str>, tenant: &Tenant) -> Result<ReadQuery, ScimFailure> {
    let pairs = query_pairs(raw);
    let rules = tenant.configuration.compatibility.filter_rules();
    let (query, noted) = scim::leniency::tracked(|| {
        ListQuery::from_query_pairs_with(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), rules)
    });
    Ok((query?, noted))
}

fn search_query(body: &Value, tenant: &Tenant) -> Result<ReadQuery, ScimFailure> {
    let rules = tenant.configuration.compatibility.filter_rules();
    let (query, noted) = scim::leniency::tracked(|| ListQuery::from_search_body_with(body, rules));
    Ok((query?, noted))
}

/// A reply that names the compatibility switches its request needed, for the log.
fn noting(reply: ScimReply, noted: Leniencies) -> ScimReply {
    if noted.is_empty() {
        return reply;
    }
    reply.with_facts(ReplyFacts {
        switches: noted.switches().into_iter().map(str::to_owned).collect(),
        ..ReplyFacts::default()
    })
}

fn etag_of(resource: &Map<String, Value>) -> Option<String> {
    resource
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn location(tenant: &Tenant, kind: Kind, resource: &Map<String, Value>) -> String {
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{}/{}/{id}", tenant.base_url, kind.endpoint())
}

/// The response form of a stored resource: `meta.location` added, then projected.
fn render(
    tenant: &Tenant,
    kind: Kind,
    schema: &ResourceSchema,
    mut resource: Map<String, Value>,
    projection: &Projection,
) -> Value {
    let loc = location(tenant, kind, &resource);
    if let Some(Value::Object(meta)) = resource.get_mut("meta") {
        meta.insert("location".into(), Value::String(loc));
    }
    Value::Object(projection.apply(&resource, schema))
}

/// 200 with a resource, its `ETag` and `meta.location`, projected as asked.
fn resource_reply(
    state: &AppState,
    tenant: &Tenant,
    kind: Kind,
    resource: Map<String, Value>,
    projection: &Projection,
) -> ScimReply {
    let etag = etag_of(&resource);
    ScimReply::ok(render(
        tenant,
        kind,
        kind.schema(state),
        resource,
        projection,
    ))
    .etag(etag)
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, &header::IF_MATCH)
}

async fn run_query(state: &AppState, tenant: &Tenant, kind: Kind, query: &ListQuery) -> Reply {
    kind.require(tenant)?;
    let schema = kind.schema(state);
    if let Some(filter) = &query.filter {
        filter.check(schema)?;
    }
    let paging = query.paging(state.limits.default_page_size, state.limits.max_page_size);
    let c = &tenant.configuration;
    let page = match kind {
        Kind::User => {
            state
                .store
                .list_users(c, &state.registry, query, paging)
                .await?
        }
        Kind::Group => {
            let members = !query.projection.excludes("members");
            state
                .store
                .list_groups(c, &state.registry, query, paging, members)
                .await?
        }
    };
    if query.projection.is_default() && page.stored_is_default_form {
        return Ok(ScimReply::ok_text(list_text(tenant, kind, schema, page)?));
    }
    let (total, start) = (page.total_results, page.start_index);
    let cursor = page.cursor_paged.then(|| page.next_cursor.clone());
    let resources = page
        .into_maps()?
        .into_iter()
        .map(|r| render(tenant, kind, schema, r, &query.projection))
        .collect();
    let response = match cursor {
        Some(next) => ListResponse::cursor_page(resources, total, next),
        None => ListResponse::new(resources, total, start),
    };
    Ok(ScimReply::ok(response.to_json()))
}

/// A ListResponse in the default projection written as text: stored resources are spliced in
/// as they are stored, without being parsed and serialised again.
fn list_text(
    tenant: &Tenant,
    kind: Kind,
    schema: &ResourceSchema,
    page: ListPage,
) -> Result<String, ScimFailure> {
    let mut out = String::with_capacity(256 + page.resources.len() * 768);
    out.push_str("{\"schemas\":[\"");
    out.push_str(scim::list::LIST_RESPONSE_SCHEMA);
    let _ = write!(out, "\"],\"totalResults\":{}", page.total_results);
    if !page.cursor_paged {
        let _ = write!(out, ",\"startIndex\":{}", page.start_index);
    }
    let _ = write!(out, ",\"itemsPerPage\":{}", page.resources.len());
    if let Some(next) = &page.next_cursor {
        // A cursor is base64url: nothing in it needs escaping.
        let _ = write!(out, ",\"nextCursor\":\"{next}\"");
    }
    out.push_str(",\"Resources\":[");
    for (i, resource) in page.resources.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let PageResource::Stored(stored) = &resource {
            let loc = format!("{}/{}/{}", tenant.base_url, kind.endpoint(), stored.id());
            if stored.write_default_json(&mut out, &loc) {
                continue;
            }
        }
        let value = render(
            tenant,
            kind,
            schema,
            resource.into_map()?,
            &Projection::all(),
        );
        out.push_str(&value.to_string());
    }
    out.push_str("]}");
    Ok(out)
}

/// `GET /Users`, `GET /Groups`.
pub async fn list(kind: Kind, state: AppState, tenant: Tenant, raw: Option<String>) -> Reply {
    let (query, noted) = list_query(raw.as_deref(), &tenant)?;
    Ok(noting(
        run_query(&state, &tenant, kind, &query).await?,
        noted,
    ))
}

/// `POST /Users/.search`, `POST /Groups/.search`.
pub async fn search(kind: Kind, state: AppState, tenant: Tenant, body: Value) -> Reply {
    let (query, noted) = search_query(&body, &tenant)?;
    Ok(noting(
        run_query(&state, &tenant, kind, &query).await?,
        noted,
    ))
}

/// `POST /Users`, `POST /Groups`.
pub async fn create(
    kind: Kind,
    state: AppState,
    tenant: Tenant,
    raw: Option<String>,
    body: Value,
) -> Reply {
    kind.require(&tenant)?;
    let projection = single_projection(raw.as_deref())?;
    let rules = tenant.configuration.compatibility.input_rules();
    let c = &tenant.configuration;
    let written = match kind {
        Kind::User => {
            state
                .store
                .create_user(c, &state.registry, body, &rules)
                .await?
        }
        Kind::Group => {
            state
                .store
                .create_group(c, &state.registry, body, &rules)
                .await?
        }
    };
    let etag = etag_of(&written.resource);
    let loc = location(&tenant, kind, &written.resource);
    let facts = ReplyFacts::of(&written);
    let body = render(
        &tenant,
        kind,
        kind.schema(&state),
        written.resource,
        &projection,
    );
    Ok(ScimReply::created(body, loc).etag(etag).with_facts(facts))
}

/// `GET /Users/{id}`, `GET /Groups/{id}`.
pub async fn get(
    kind: Kind,
    state: AppState,
    tenant: Tenant,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
) -> Reply {
    kind.require(&tenant)?;
    let projection = single_projection(raw.as_deref())?;
    let c = &tenant.configuration;
    let resource = match kind {
        Kind::User => state.store.get_user(c, &id).await?,
        Kind::Group => {
            state
                .store
                .get_group(c, &id, !projection.excludes("members"))
                .await?
        }
    };
    let etag = etag_of(&resource);
    if let (Some(current), Some(wanted)) = (&etag, header_text(&headers, &header::IF_NONE_MATCH))
        && wanted
            .split(',')
            .map(str::trim)
            .any(|t| t == current || t == "*")
    {
        return Ok(ScimReply::not_modified(current.clone()));
    }
    Ok(resource_reply(&state, &tenant, kind, resource, &projection))
}

/// `PUT /Users/{id}`, `PUT /Groups/{id}`.
pub async fn replace(
    kind: Kind,
    state: AppState,
    tenant: Tenant,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Value,
) -> Reply {
    kind.require(&tenant)?;
    if !tenant.configuration.compatibility.accept_put {
        // Whether the resource exists is decided first: after a DELETE every operation
        // answers 404 (interoperability profile §6.6), PUT included.
        let c = &tenant.configuration;
        match kind {
            Kind::User => state.store.get_user(c, &id).await.map(drop)?,
            Kind::Group => state.store.get_group(c, &id, false).await.map(drop)?,
        }
        return Err(ScimError::status(
            405,
            format!(
                "PUT is not accepted by this configuration (client profile {}): update with PATCH, as the SCIM interoperability profile §6.5 asks (switch acceptPut)",
                tenant.configuration.client_profile
            ),
        )
        .into());
    }
    let projection = single_projection(raw.as_deref())?;
    let rules = tenant.configuration.compatibility.input_rules();
    let c = &tenant.configuration;
    let mut written = match kind {
        Kind::User => {
            state
                .store
                .replace_user(c, &state.registry, &id, body, &rules, if_match(&headers))
                .await?
        }
        Kind::Group => {
            state
                .store
                .replace_group(c, &state.registry, &id, body, &rules, if_match(&headers))
                .await?
        }
    };
    written.leniencies.insert(scim::Leniency::AcceptPut);
    let facts = ReplyFacts::of(&written);
    Ok(resource_reply(&state, &tenant, kind, written.resource, &projection).with_facts(facts))
}

/// `PATCH /Users/{id}`, `PATCH /Groups/{id}`: answered as the configuration's `patchAnswer`
/// switch says (by default 200 with the resource for users and 204 for groups, as Entra ID
/// expects and RFC 7644 §3.5.2 allows), and always 200 with the resource when the request
/// names `attributes` or `excludedAttributes`.
pub async fn patch(
    kind: Kind,
    state: AppState,
    tenant: Tenant,
    id: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Value,
) -> Reply {
    kind.require(&tenant)?;
    let projection = single_projection(raw.as_deref())?;
    let rules = tenant.configuration.compatibility.patch_rules();
    let c = &tenant.configuration;
    let with_body = has_projection(raw.as_deref())
        || match c.compatibility.patch_answer {
            PatchAnswer::Resource => true,
            PatchAnswer::NoContentForGroups => kind == Kind::User,
            PatchAnswer::NoContent => false,
        };
    let written = match kind {
        Kind::User => {
            state
                .store
                .patch_user(c, &state.registry, &id, body, &rules, if_match(&headers))
                .await?
        }
        Kind::Group => {
            let members = with_body && !projection.excludes("members");
            state
                .store
                .patch_group(
                    c,
                    &state.registry,
                    &id,
                    body,
                    &rules,
                    if_match(&headers),
                    members,
                )
                .await?
        }
    };
    let facts = ReplyFacts::of(&written);
    if !with_body {
        return Ok(ScimReply::no_content()
            .etag(etag_of(&written.resource))
            .with_facts(facts));
    }
    Ok(resource_reply(&state, &tenant, kind, written.resource, &projection).with_facts(facts))
}

/// `DELETE /Users/{id}`, `DELETE /Groups/{id}`.
pub async fn delete(
    kind: Kind,
    state: AppState,
    tenant: Tenant,
    id: String,
    headers: HeaderMap,
) -> Reply {
    kind.require(&tenant)?;
    let c = &tenant.configuration;
    let deleted = match kind {
        Kind::User => state.store.delete_user(c, &id, if_match(&headers)).await?,
        Kind::Group => state.store.delete_group(c, &id, if_match(&headers)).await?,
    };
    // The record of a deletion names what was deleted (the reply has no body to say it).
    Ok(ScimReply::no_content().with_facts(ReplyFacts {
        id: Some(id),
        name: deleted.name,
        keys: deleted.keys,
        ..ReplyFacts::default()
    }))
}

/// `POST /.search` at the root: Users and Groups the configuration provisions, in one list.
pub async fn root_search(
    State(state): State<AppState>,
    tenant: Tenant,
    ScimBody(body): ScimBody,
) -> Reply {
    let (query, noted) = search_query(&body, &tenant)?;
    if query.cursor.is_some() {
        return Err(ScimError::invalid_value(
            "cursor paging is offered on /Users/.search and /Groups/.search; a search at the root pages with startIndex",
        )
        .into());
    }
    let paging = query.paging(state.limits.default_page_size, state.limits.max_page_size);
    let c = &tenant.configuration;
    // Users, then groups, each in creation order: the page is read from each type in turn
    // (never either type whole), and the total is their sum.
    let mut skip = paging.offset();
    let mut room = paging.count;
    let mut total = 0;
    let mut page = Vec::new();
    for kind in [Kind::User, Kind::Group] {
        if kind.require(&tenant).is_err() {
            continue;
        }
        let schema = kind.schema(&state);
        // A filter that names attributes of one type only matches nothing of the other.
        let mut per_type = query.clone();
        if let Some(f) = &query.filter
            && f.check(schema).is_err()
        {
            continue;
        }
        per_type.sort_by = None;
        let window = scim::Paging {
            start_index: skip + 1,
            count: room,
        };
        let found = match kind {
            Kind::User => {
                state
                    .store
                    .list_users(c, &state.registry, &per_type, window)
                    .await?
            }
            Kind::Group => {
                state
                    .store
                    .list_groups(
                        c,
                        &state.registry,
                        &per_type,
                        window,
                        !query.projection.excludes("members"),
                    )
                    .await?
            }
        };
        let matched = found.total_results;
        total += matched;
        skip = skip.saturating_sub(matched);
        let resources = found.into_maps()?;
        room = room.saturating_sub(resources.len());
        page.extend(
            resources
                .into_iter()
                .map(|r| render(&tenant, kind, schema, r, &query.projection)),
        );
    }
    Ok(noting(
        ScimReply::ok(ListResponse::new(page, total, paging.start_index).to_json()),
        noted,
    ))
}

/// Path parameters of item routes.
#[derive(serde::Deserialize)]
pub struct ItemPath {
    /// The configuration slug.
    #[allow(dead_code)] // Read by the Tenant extractor.
    slug: String,
    /// The resource id.
    id: String,
}

macro_rules! kind_handlers {
    ($module:ident, $kind:expr) => {
        /// Handlers bound to one resource type.
        pub mod $module {
            use super::*;

            /// List.
            pub async fn list(
                State(state): State<AppState>,
                tenant: Tenant,
                RawQuery(raw): RawQuery,
            ) -> Reply {
                super::list($kind, state, tenant, raw).await
            }
            /// Search.
            pub async fn search(
                State(state): State<AppState>,
                tenant: Tenant,
                ScimBody(body): ScimBody,
            ) -> Reply {
                super::search($kind, state, tenant, body).await
            }
            /// Create.
            pub async fn create(
                State(state): State<AppState>,
                tenant: Tenant,
                RawQuery(raw): RawQuery,
                ScimBody(body): ScimBody,
            ) -> Reply {
                super::create($kind, state, tenant, raw, body).await
            }
            /// Read.
            pub async fn get(
                State(state): State<AppState>,
                tenant: Tenant,
                Path(p): Path<ItemPath>,
                RawQuery(raw): RawQuery,
                headers: HeaderMap,
            ) -> Reply {
                super::get($kind, state, tenant, p.id, raw, headers).await
            }
            /// Replace.
            pub async fn replace(
                State(state): State<AppState>,
                tenant: Tenant,
                Path(p): Path<ItemPath>,
                RawQuery(raw): RawQuery,
                headers: HeaderMap,
                ScimBody(body): ScimBody,
            ) -> Reply {
                super::replace($kind, state, tenant, p.id, raw, headers, body).await
            }
            /// Patch.
            pub async fn patch(
                State(state): State<AppState>,
                tenant: Tenant,
                Path(p): Path<ItemPath>,
                RawQuery(raw): RawQuery,
                headers: HeaderMap,
                ScimBody(body): ScimBody,
            ) -> Reply {
                super::patch($kind, state, tenant, p.id, raw, headers, body).await
            }
            /// Delete.
            pub async fn delete(
                State(state): State<AppState>,
                tenant: Tenant,
                Path(p): Path<ItemPath>,
                headers: HeaderMap,
            ) -> Reply {
                super::delete($kind, state, tenant, p.id, headers).await
            }
        }
    };
}

kind_handlers!(users, Kind::User);
kind_handlers!(groups, Kind::Group);
