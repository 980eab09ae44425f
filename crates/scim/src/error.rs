//! SCIM errors (RFC 7644 §3.12): one error type for every protocol rule, rendered as the
//! standard error JSON with `status` as a string, an optional `scimType` and a `detail`.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// The error message schema URN.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` detail codes of RFC 7644 §3.12 (table 9), plus the cursor codes of RFC 9865.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax was invalid or the filter named something that cannot be filtered.
    InvalidFilter,
    /// The filter yields more results than the server is willing to compute.
    TooMany,
    /// One or more attribute values are already in use or reserved.
    Uniqueness,
    /// The attempted modification is not compatible with the attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The path did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A required value was missing or a value was not compatible with the attribute type.
    InvalidValue,
    /// The specified SCIM protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because it would reveal sensitive information.
    Sensitive,
    /// The pagination cursor is not valid (RFC 9865).
    InvalidCursor,
    /// The pagination cursor has expired (RFC 9865).
    ExpiredCursor,
    /// The `count` of a cursor-paged query is invalid or differs from the first page's
    /// (RFC 9865).
    InvalidCount,
}

impl ScimType {
    /// The keyword as it appears in `scimType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
            Self::InvalidCursor => "invalidCursor",
            Self::ExpiredCursor => "expiredCursor",
            Self::InvalidCount => "invalidCount",
        }
    }

    /// The HTTP status RFC 7644 pairs with this code.
    pub fn status(self) -> u16 {
        match self {
            Self::Uniqueness => 409,
            Self::Sensitive => 403,
            _ => 400,
        }
    }
}

impl std::fmt::Display for ScimType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM protocol error: an HTTP status, an optional `scimType` and a human-readable detail.
///
/// Every rule in this crate reports failure with this one type, so a server renders every
/// error the same way (`serde_json::to_value(&err)` yields the RFC 7644 §3.12 body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}{}: {detail}", scim_type.map(|t| format!(" {t}")).unwrap_or_default())]
pub struct ScimError {
    status: u16,
    scim_type: Option<ScimType>,
    detail: String,
    /// The attributes the request was refused for, when the rule knows them (not sent to the
    /// client: its detail names them; kept for statistics).
    attributes: Vec<String>,
}

impl ScimError {
    /// An error with a `scimType`; the status is the one RFC 7644 gives that type.
    pub fn new(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status: scim_type.status(),
            scim_type: Some(scim_type),
            detail: detail.into(),
            attributes: Vec::new(),
        }
    }

    /// An error with a status and no `scimType` (404, 401, 412, 413, 415, 500, ...).
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
            attributes: Vec::new(),
        }
    }

    /// `invalidFilter` (400).
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidFilter, detail)
    }

    /// `invalidSyntax` (400).
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidSyntax, detail)
    }

    /// `invalidPath` (400).
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidPath, detail)
    }

    /// `invalidValue` (400).
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(ScimType::InvalidValue, detail)
    }

    /// `mutability` (400).
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(ScimType::Mutability, detail)
    }

    /// `noTarget` (400).
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(ScimType::NoTarget, detail)
    }

    /// `uniqueness` (409).
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(ScimType::Uniqueness, detail)
    }

    /// 404 Not Found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::status(404, detail)
    }

    /// The HTTP status code.
    pub fn http_status(&self) -> u16 {
        self.status
    }

    /// The `scimType`, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Names the attributes the request was refused for.
    #[must_use]
    pub fn with_attributes(mut self, attributes: impl IntoIterator<Item = String>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    /// The attributes the request was refused for: those named with
    /// [`with_attributes`](Self::with_attributes), or else, for an error about a value
    /// (`invalidValue`, `mutability`, `uniqueness`), the attribute path that starts the detail
    /// (`name.givenName: expected a string…`), if it does.
    pub fn attributes(&self) -> Vec<String> {
        if !self.attributes.is_empty() {
            return self.attributes.clone();
        }
        if !matches!(
            self.scim_type,
            Some(ScimType::InvalidValue | ScimType::Mutability | ScimType::Uniqueness)
        ) {
            return Vec::new();
        }
        let mut detail = self.detail.as_str();
        // `Operations[2]: members: …` names the operation first.
        while let Some(rest) = detail
            .strip_prefix("Operations[")
            .and_then(|r| r.split_once("]: "))
            .map(|(_, rest)| rest)
        {
            detail = rest;
        }
        match detail.split_once(": ") {
            Some((head, _))
                if !head.is_empty()
                    && head.len() <= 200
                    && head.chars().all(|c| {
                        c.is_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$')
                    }) =>
            {
                vec![head.to_owned()]
            }
            _ => Vec::new(),
        }
    }

    /// Prefixes the detail with where the error happened (e.g. `Operations[2]`).
    pub fn at(mut self, location: impl std::fmt::Display) -> Self {
        self.detail = format!("{location}: {}", self.detail);
        self
    }

    /// The RFC 7644 §3.12 JSON body.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &[ERROR_SCHEMA])?;
        map.serialize_entry("status", &self.status.to_string())?;
        if let Some(scim_type) = self.scim_type {
            map.serialize_entry("scimType", scim_type.as_str())?;
        }
        map.serialize_entry("detail", &self.detail)?;
        map.end()
    }
}

/// Shorthand for results in this crate.
pub type ScimResult<T> = Result<T, ScimError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_rfc_7644_error_json_with_status_as_string() {
        let err = ScimError::uniqueness("userName \"bjensen\" is already in use");
        assert_eq!(
            err.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "scimType": "uniqueness",
                "detail": "userName \"bjensen\" is already in use"
            })
        );
    }

    #[test]
    fn errors_without_scim_type_omit_it() {
        let err = ScimError::not_found("Resource 2819c223 not found");
        let body = err.to_json();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
        assert_eq!(err.to_string(), "404: Resource 2819c223 not found");
    }

    #[test]
    fn each_scim_type_maps_to_its_rfc_status() {
        assert_eq!(ScimType::InvalidFilter.status(), 400);
        assert_eq!(ScimType::Uniqueness.status(), 409);
        assert_eq!(ScimType::Sensitive.status(), 403);
        assert_eq!(
            ScimError::mutability("x").at("Operations[1]").detail(),
            "Operations[1]: x"
        );
    }

    #[test]
    fn attributes_are_named_or_read_from_the_detail() {
        let named = ScimError::invalid_value("the plan refuses: timezone: bad; title: long")
            .with_attributes(["timezone".to_owned(), "title".to_owned()]);
        assert_eq!(named.attributes(), ["timezone", "title"]);
        assert!(named.to_json().get("attributes").is_none());
        let read = |d: &str| ScimError::invalid_value(d).attributes();
        assert_eq!(
            read("name.givenName: expected a string, got 1"),
            ["name.givenName"]
        );
        assert_eq!(
            read(
                "Operations[0]: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager: bad"
            ),
            ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"]
        );
        assert!(read("the request body is not JSON: line 1").is_empty());
        assert!(read("no colon here").is_empty());
        assert!(
            ScimError::invalid_filter("filter: unexpected end")
                .attributes()
                .is_empty()
        );
    }
}
