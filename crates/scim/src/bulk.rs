//! Bulk requests (RFC 7644 §3.7): reading a `BulkRequest` into operations, the `bulkId`
//! references between them, and writing the `BulkResponse`. Running the operations is the
//! server's; this module holds the protocol rules.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::ScimError;

/// The schema of a bulk request.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The schema of a bulk response.
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// What a value starts with when it names a resource created by another operation.
pub const BULK_ID_PREFIX: &str = "bulkId:";

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkMethod {
    /// Create.
    Post,
    /// Replace.
    Put,
    /// Modify.
    Patch,
    /// Delete.
    Delete,
}

impl BulkMethod {
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "PATCH" => Some(Self::Patch),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// The resource type endpoint an operation addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkEndpoint {
    /// `/Users`.
    Users,
    /// `/Groups`.
    Groups,
}

impl BulkEndpoint {
    /// The endpoint's name (`Users`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Groups => "Groups",
        }
    }
}

/// One operation, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    /// The method.
    pub method: BulkMethod,
    /// The endpoint.
    pub endpoint: BulkEndpoint,
    /// The resource id (none for POST); may be a `bulkId:` reference until resolved.
    pub id: Option<String>,
    /// The client's name for the resource a POST creates.
    pub bulk_id: Option<String>,
    /// The version the client holds (`If-Match`).
    pub version: Option<String>,
    /// The body (none for DELETE).
    pub data: Option<Value>,
}

impl BulkOperation {
    /// The path, as RFC 7644 writes it (`/Users/{id}`).
    pub fn path(&self) -> String {
        match &self.id {
            Some(id) => format!("/{}/{id}", self.endpoint.as_str()),
            None => format!("/{}", self.endpoint.as_str()),
        }
    }

    /// The `bulkId`s it references, in its path and anywhere in its data, in order of first use.
    pub fn references(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(name) = self.id.as_deref().and_then(reference) {
            out.push(name.to_owned());
        }
        if let Some(data) = &self.data {
            collect_references(data, &mut out);
        }
        out
    }

    /// The operation with every reference replaced by the id it stands for, or the first
    /// `bulkId` not in `ids`.
    pub fn resolve(&self, ids: &HashMap<String, String>) -> Result<Self, String> {
        let mut resolved = self.clone();
        if let Some(name) = self.id.as_deref().and_then(reference) {
            let id = ids.get(name).ok_or_else(|| name.to_owned())?;
            resolved.id = Some(id.clone());
        }
        if let Some(data) = &mut resolved.data {
            substitute(data, ids)?;
        }
        Ok(resolved)
    }

    /// For a group create caught in a circle of references: the operation without the members
    /// that reference a `bulkId` not in `ids`, and those members (to add once they exist).
    /// None when anything else is unresolved, or nothing is left out.
    pub fn without_unresolved_members(
        &self,
        ids: &HashMap<String, String>,
    ) -> Option<(Self, Vec<Value>)> {
        if self.method != BulkMethod::Post || self.endpoint != BulkEndpoint::Groups {
            return None;
        }
        let mut data = self.data.clone()?;
        let object = data.as_object_mut()?;
        let members = object
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case("members"))
            .map(|(_, v)| v)?
            .as_array_mut()?;
        let unresolved = |member: &Value| {
            member
                .get("value")
                .and_then(Value::as_str)
                .and_then(reference)
                .is_some_and(|name| !ids.contains_key(name))
        };
        let (later, now): (Vec<Value>, Vec<Value>) = members.drain(..).partition(unresolved);
        if later.is_empty() {
            return None;
        }
        *members = now;
        let stripped = Self {
            data: Some(data),
            ..self.clone()
        };
        // What is left must resolve on its own.
        stripped.resolve(ids).ok()?;
        Some((stripped, later))
    }
}

/// The `bulkId` a value names, if it is a reference.
fn reference(value: &str) -> Option<&str> {
    value
        .strip_prefix(BULK_ID_PREFIX)
        .filter(|name| !name.is_empty())
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(name) = reference(s)
                && !out.iter().any(|o| o == name)
            {
                out.push(name.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

fn substitute(value: &mut Value, ids: &HashMap<String, String>) -> Result<(), String> {
    match value {
        Value::String(s) => {
            if let Some(name) = reference(s) {
                let id = ids.get(name).ok_or_else(|| name.to_owned())?;
                *s = id.clone();
            }
            Ok(())
        }
        Value::Array(items) => items.iter_mut().try_for_each(|v| substitute(v, ids)),
        Value::Object(map) => map.values_mut().try_for_each(|v| substitute(v, ids)),
        _ => Ok(()),
    }
}

/// One entry of the request: what the response echoes (method, `bulkId`) and the operation,
/// or why it cannot run (answered for that operation alone).
#[derive(Debug, Clone)]
pub struct BulkEntry {
    /// The method as sent.
    pub method: String,
    /// The `bulkId` as sent.
    pub bulk_id: Option<String>,
    /// The operation, or its error.
    pub operation: Result<BulkOperation, ScimError>,
}

/// A bulk request.
#[derive(Debug, Clone)]
pub struct BulkRequest {
    /// Stop after this many failed operations (none: run them all).
    pub fail_on_errors: Option<usize>,
    /// The operations, in the order sent.
    pub entries: Vec<BulkEntry>,
}

fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

impl BulkRequest {
    /// Reads a request body. The request as a whole is refused (400 `invalidSyntax`) when it is
    /// not a bulk request, has a bad `failOnErrors`, or names one `bulkId` twice; 413 when it
    /// has more than `max_operations` operations. A malformed operation is refused alone.
    pub fn parse(body: &Value, max_operations: usize) -> Result<Self, ScimError> {
        let Some(object) = body.as_object() else {
            return Err(ScimError::invalid_syntax(
                "a bulk request is a JSON object with \"schemas\" and \"Operations\"",
            ));
        };
        let schemas = member(object, "schemas").and_then(Value::as_array);
        if !schemas.is_some_and(|s| s.iter().any(|u| u == BULK_REQUEST_SCHEMA)) {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" must contain \"{BULK_REQUEST_SCHEMA}\""
            )));
        }
        let fail_on_errors = match member(object, "failOnErrors") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|n| *n >= 1)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        ScimError::invalid_syntax(format!(
                            "\"failOnErrors\" must be a whole number of at least 1, not {v}"
                        ))
                    })?,
            ),
        };
        let Some(operations) = member(object, "Operations").and_then(Value::as_array) else {
            return Err(ScimError::invalid_syntax(
                "a bulk request needs \"Operations\": an array of operations",
            ));
        };
        if operations.len() > max_operations {
            return Err(ScimError::status(
                413,
                format!(
                    "the bulk request has {} operations; this server accepts at most {max_operations} in one request (maxOperations in /ServiceProviderConfig)",
                    operations.len()
                ),
            ));
        }
        let mut seen = HashSet::new();
        let mut entries = Vec::with_capacity(operations.len());
        for (i, op) in operations.iter().enumerate() {
            let entry = parse_operation(i, op);
            if let Some(bulk_id) = &entry.bulk_id
                && !seen.insert(bulk_id.clone())
            {
                return Err(ScimError::invalid_syntax(format!(
                    "bulkId \"{bulk_id}\" is used by more than one operation; each must be unique"
                )));
            }
            entries.push(entry);
        }
        Ok(Self {
            fail_on_errors,
            entries,
        })
    }
}

fn parse_operation(index: usize, op: &Value) -> BulkEntry {
    let object = op.as_object();
    let text = |name: &str| {
        object
            .and_then(|o| member(o, name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let method = text("method").unwrap_or_default();
    let bulk_id = text("bulkId");
    let operation = check_operation(index, op, &method, bulk_id.as_deref());
    BulkEntry {
        method,
        bulk_id,
        operation,
    }
}

fn check_operation(
    index: usize,
    op: &Value,
    method_text: &str,
    bulk_id: Option<&str>,
) -> Result<BulkOperation, ScimError> {
    let at = format!("operation {}", index + 1);
    let object = op
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax(format!("{at} is not a JSON object")))?;
    let method = BulkMethod::parse(method_text).ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "{at}: \"method\" must be POST, PUT, PATCH or DELETE, not \"{method_text}\""
        ))
    })?;
    let path = member(object, "path")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_syntax(format!("{at}: \"path\" is missing")))?;
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let endpoint = match parts.next().unwrap_or_default() {
        "Users" => BulkEndpoint::Users,
        "Groups" => BulkEndpoint::Groups,
        other => {
            return Err(ScimError::invalid_path(format!(
                "{at}: \"{path}\" is not /Users or /Groups (\"{other}\")"
            )));
        }
    };
    let id = parts.next().filter(|id| !id.is_empty()).map(str::to_owned);
    if id.as_deref().is_some_and(|id| id.contains('/')) {
        return Err(ScimError::invalid_path(format!(
            "{at}: \"{path}\" names more than one resource"
        )));
    }
    match (method, &id) {
        (BulkMethod::Post, Some(_)) => {
            return Err(ScimError::invalid_path(format!(
                "{at}: POST goes to /{} (without an id), not \"{path}\"",
                endpoint.as_str()
            )));
        }
        (BulkMethod::Put | BulkMethod::Patch | BulkMethod::Delete, None) => {
            return Err(ScimError::invalid_path(format!(
                "{at}: {} needs the resource's path, /{}/{{id}}",
                method.as_str(),
                endpoint.as_str()
            )));
        }
        _ => {}
    }
    if method == BulkMethod::Post && bulk_id.is_none_or(str::is_empty) {
        return Err(ScimError::invalid_syntax(format!(
            "{at}: a POST needs a \"bulkId\" (RFC 7644 §3.7)"
        )));
    }
    let data = member(object, "data").filter(|d| !d.is_null()).cloned();
    if method != BulkMethod::Delete && !data.as_ref().is_some_and(Value::is_object) {
        return Err(ScimError::invalid_syntax(format!(
            "{at}: {} needs \"data\", a JSON object",
            method.as_str()
        )));
    }
    Ok(BulkOperation {
        method,
        endpoint,
        id,
        bulk_id: bulk_id.map(str::to_owned),
        version: member(object, "version")
            .and_then(Value::as_str)
            .map(str::to_owned),
        data,
    })
}

/// The outcome of one operation, for the response.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkResult {
    /// The method as sent.
    pub method: String,
    /// The `bulkId` as sent.
    pub bulk_id: Option<String>,
    /// The resource's location, when there is one.
    pub location: Option<String>,
    /// The resource's version after the operation.
    pub version: Option<String>,
    /// The HTTP status of the operation.
    pub status: u16,
    /// The error, for a failed operation (RFC 7644 error JSON).
    pub response: Option<Value>,
}

impl BulkResult {
    /// Whether the operation failed.
    pub fn failed(&self) -> bool {
        self.status >= 400
    }

    fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(location) = &self.location {
            out.insert("location".into(), json!(location));
        }
        out.insert("method".into(), json!(self.method));
        if let Some(bulk_id) = &self.bulk_id {
            out.insert("bulkId".into(), json!(bulk_id));
        }
        if let Some(version) = &self.version {
            out.insert("version".into(), json!(version));
        }
        out.insert("status".into(), json!(self.status.to_string()));
        if let Some(response) = &self.response {
            out.insert("response".into(), response.clone());
        }
        Value::Object(out)
    }
}

/// The bulk response for the operations that ran, in the order given.
pub fn bulk_response(results: &[BulkResult]) -> Value {
    json!({
        "schemas": [BULK_RESPONSE_SCHEMA],
        "Operations": results.iter().map(BulkResult::to_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(ops: Value) -> Value {
        let mut request = json!({"schemas": [BULK_REQUEST_SCHEMA]});
        request["Operations"] = ops;
        request
    }

    #[test]
    fn the_rfc_example_parses_with_its_references() {
        let body = json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "qwerty",
                 "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Alice"}},
                {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
                 "data": {"displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:qwerty"}]}},
                {"method": "PUT", "path": "/Users/b7c14771", "version": "W/\"3694e05e\"",
                 "data": {"userName": "Bob"}},
                {"method": "DELETE", "path": "/Users/e9e30dba", "version": "W/\"0ee8add0\""},
                {"method": "PATCH", "path": "/Groups/bulkId:ytrewq", "data": {"Operations": []}}
            ]
        });
        let parsed = BulkRequest::parse(&body, 1000).unwrap();
        assert_eq!(parsed.fail_on_errors, Some(1));
        let ops: Vec<BulkOperation> = parsed
            .entries
            .iter()
            .map(|e| e.operation.clone().unwrap())
            .collect();
        assert_eq!(ops[0].references(), Vec::<String>::new());
        assert_eq!(ops[1].references(), vec!["qwerty".to_owned()]);
        assert_eq!(ops[3].method, BulkMethod::Delete);
        assert_eq!(ops[3].path(), "/Users/e9e30dba");
        assert_eq!(ops[4].references(), vec!["ytrewq".to_owned()]);
        let ids = HashMap::from([
            ("qwerty".to_owned(), "u-1".to_owned()),
            ("ytrewq".to_owned(), "g-1".to_owned()),
        ]);
        assert_eq!(
            ops[1].resolve(&ids).unwrap().data.unwrap()["members"][0]["value"],
            "u-1"
        );
        assert_eq!(ops[4].resolve(&ids).unwrap().path(), "/Groups/g-1");
        assert_eq!(
            ops[4].resolve(&HashMap::new()).unwrap_err(),
            "ytrewq".to_owned()
        );
    }

    #[test]
    fn the_request_as_a_whole_is_refused_only_for_what_concerns_it_all() {
        for (body, want) in [
            (json!([]), 400),
            (json!({"Operations": []}), 400),
            (request(json!("x")), 400),
            (
                json!({"schemas": [BULK_REQUEST_SCHEMA], "failOnErrors": 0, "Operations": []}),
                400,
            ),
            (
                request(json!([
                    {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
                    {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}}
                ])),
                400,
            ),
            (
                request(json!([
                    {"method": "DELETE", "path": "/Users/1"},
                    {"method": "DELETE", "path": "/Users/2"},
                    {"method": "DELETE", "path": "/Users/3"}
                ])),
                413,
            ),
        ] {
            let error = BulkRequest::parse(&body, 2).unwrap_err();
            assert_eq!(error.http_status(), want, "{body}: {error:?}");
        }
        let error = BulkRequest::parse(
            &request(json!([{"method": "DELETE", "path": "/Users/1"}, {"method": "DELETE", "path": "/Users/2"}])),
            1,
        )
        .unwrap_err();
        assert!(error.detail().contains("at most 1"), "{}", error.detail());
    }

    #[test]
    fn a_malformed_operation_is_refused_alone() {
        let body = request(json!([
            {"method": "GET", "path": "/Users/1"},
            {"method": "POST", "path": "/Users", "data": {"userName": "a"}},
            {"method": "POST", "path": "/Users/1", "bulkId": "x", "data": {}},
            {"method": "PATCH", "path": "/Users", "data": {}},
            {"method": "PUT", "path": "/Users/1"},
            {"method": "DELETE", "path": "/Things/1"},
            {"method": "DELETE", "path": "/Users/1/emails"},
            "not an object",
            {"method": "delete", "path": "Users/1"}
        ]));
        let parsed = BulkRequest::parse(&body, 1000).unwrap();
        let statuses: Vec<Option<String>> = parsed
            .entries
            .iter()
            .map(|e| {
                e.operation
                    .as_ref()
                    .err()
                    .map(|err| err.scim_type().map(|t| t.to_string()).unwrap_or_default())
            })
            .collect();
        assert_eq!(
            statuses,
            vec![
                Some("invalidSyntax".into()),
                Some("invalidSyntax".into()),
                Some("invalidPath".into()),
                Some("invalidPath".into()),
                Some("invalidSyntax".into()),
                Some("invalidPath".into()),
                Some("invalidPath".into()),
                Some("invalidSyntax".into()),
                None,
            ]
        );
    }

    #[test]
    fn a_circle_of_group_references_is_broken_by_adding_members_later() {
        let body = request(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "a",
             "data": {"displayName": "A", "members": [{"value": "bulkId:b"}, {"value": "u-9"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b",
             "data": {"displayName": "B", "members": [{"value": "bulkId:a"}]}}
        ]));
        let parsed = BulkRequest::parse(&body, 10).unwrap();
        let a = parsed.entries[0].operation.clone().unwrap();
        let (now, later) = a.without_unresolved_members(&HashMap::new()).unwrap();
        assert_eq!(now.data.unwrap()["members"], json!([{"value": "u-9"}]));
        assert_eq!(later, vec![json!({"value": "bulkId:b"})]);
        // A user create has no members to leave out.
        let user = BulkOperation {
            method: BulkMethod::Post,
            endpoint: BulkEndpoint::Users,
            id: None,
            bulk_id: Some("u".into()),
            version: None,
            data: Some(json!({"manager": {"value": "bulkId:x"}})),
        };
        assert!(user.without_unresolved_members(&HashMap::new()).is_none());
    }

    #[test]
    fn the_response_echoes_each_operation() {
        let doc = bulk_response(&[
            BulkResult {
                method: "POST".into(),
                bulk_id: Some("q".into()),
                location: Some("https://x/v2/Users/1".into()),
                version: Some("W/\"1\"".into()),
                status: 201,
                response: None,
            },
            BulkResult {
                method: "DELETE".into(),
                bulk_id: None,
                location: None,
                version: None,
                status: 404,
                response: Some(json!({"status": "404"})),
            },
        ]);
        assert_eq!(doc["schemas"][0], BULK_RESPONSE_SCHEMA);
        assert_eq!(doc["Operations"][0]["status"], "201");
        assert_eq!(doc["Operations"][0]["bulkId"], "q");
        assert_eq!(doc["Operations"][1]["response"]["status"], "404");
        assert!(doc["Operations"][1].get("location").is_none());
    }
}
