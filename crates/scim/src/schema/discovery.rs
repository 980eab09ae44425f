//! The discovery documents (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, generated from the registry so they always describe what the server enforces.

use serde_json::{Value, json};

use super::{ResourceSchema, Schema, SchemaRegistry};
use crate::list::ListResponse;

const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

fn join(base_url: &str, rest: &str) -> String {
    format!(
        "{}/{}",
        base_url.trim_end_matches('/'),
        rest.trim_start_matches('/')
    )
}

/// What the service provider supports, rendered as `/ServiceProviderConfig` (RFC 7643 §5).
#[allow(clippy::struct_excessive_bools)] // One flag per capability, as the document has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// A human-readable help page.
    pub documentation_uri: Option<String>,
    /// Whether PATCH is supported.
    pub patch: bool,
    /// Bulk support: `(maxOperations, maxPayloadSize)` when supported.
    pub bulk: Option<(u32, u64)>,
    /// The most resources a filtered query returns.
    pub filter_max_results: u32,
    /// Whether `password` can be changed.
    pub change_password: bool,
    /// Whether sorting is supported.
    pub sort: bool,
    /// Whether ETags are supported.
    pub etag: bool,
    /// Whether only OAuth access tokens of clients that authenticated with a signed JWT (RFC
    /// 7523) are accepted, rather than bearer tokens too.
    pub jwt_clients_only: bool,
    /// The `interopProfileConformant` claim: `None` leaves the attribute out.
    pub interop_profile_conformant: Option<bool>,
    /// The `pagination` object of RFC 9865 §4: `None` leaves it out.
    pub pagination: Option<Pagination>,
}

/// How lists page (RFC 9865 §4): both by index and by cursor, index by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// Page size without `count`.
    pub default_page_size: u32,
    /// The largest page, whatever `count` asks.
    pub max_page_size: u32,
    /// The least number of seconds a cursor stays valid between pages.
    pub cursor_timeout: u32,
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        Self {
            documentation_uri: None,
            patch: true,
            bulk: None,
            filter_max_results: 1000,
            change_password: false,
            sort: true,
            etag: true,
            jwt_clients_only: false,
            interop_profile_conformant: None,
            pagination: None,
        }
    }
}

impl ServiceProviderConfig {
    /// The `/ServiceProviderConfig` document.
    pub fn to_document(&self, base_url: &str) -> Value {
        let (bulk_supported, max_ops, max_payload) = match self.bulk {
            Some((ops, payload)) => (true, ops, payload),
            None => (false, 0, 0),
        };
        let issuer = base_url.trim_end_matches('/').trim_end_matches("/v2");
        let scheme = if self.jwt_clients_only {
            json!({
                "type": "oauth2",
                "name": "OAuth 2.0 client credentials with JWT client authentication",
                "description": format!(
                    "An OAuth 2.0 access token from {issuer}/oauth/token, granted with client_credentials to a client that authenticates with a JWT signed by its registered key (RFC 7523); bearer tokens and client secrets are refused. Authorization server metadata: {issuer}/.well-known/oauth-authorization-server."
                ),
                "specUri": "https://www.rfc-editor.org/info/rfc7523",
                "primary": true
            })
        } else {
            json!({
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": format!(
                    "A bearer token issued by SCIM Console for this configuration, or an OAuth 2.0 access token from {issuer}/oauth/token (grants client_credentials and refresh_token; clients authenticate with a secret or a signed JWT)."
                ),
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
            })
        };
        let mut doc = json!({
            "schemas": [SPC_SCHEMA],
            "patch": {"supported": self.patch},
            "bulk": {"supported": bulk_supported, "maxOperations": max_ops, "maxPayloadSize": max_payload},
            "filter": {"supported": true, "maxResults": self.filter_max_results},
            "changePassword": {"supported": self.change_password},
            "sort": {"supported": self.sort},
            "etag": {"supported": self.etag},
            "authenticationSchemes": [scheme],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": join(base_url, "ServiceProviderConfig")
            }
        });
        if let Some(uri) = &self.documentation_uri {
            doc["documentationUri"] = json!(uri);
        }
        if let Some(claim) = self.interop_profile_conformant {
            doc["interopProfileConformant"] = json!(claim);
        }
        if let Some(p) = self.pagination {
            doc["pagination"] = json!({
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": p.default_page_size,
                "maxPageSize": p.max_page_size,
                "cursorTimeout": p.cursor_timeout,
            });
        }
        doc
    }
}

/// The `/Schemas/{id}` document of one schema.
pub fn schema_document(schema: &Schema, base_url: &str) -> Value {
    let mut doc = serde_json::to_value(schema).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut doc {
        map.insert("schemas".into(), json!([SCHEMA_SCHEMA]));
        map.insert(
            "meta".into(),
            json!({"resourceType": "Schema", "location": join(base_url, &format!("Schemas/{}", schema.id))}),
        );
    }
    doc
}

/// The `/ResourceTypes/{name}` document of one resource type; `id` equals `name`.
pub fn resource_type_document(rt: &ResourceSchema, base_url: &str) -> Value {
    let t = rt.resource_type();
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": t.name,
        "name": t.name,
        "endpoint": t.endpoint,
        "description": t.description,
        "schema": t.schema,
        "schemaExtensions": t.schema_extensions,
        "meta": {"resourceType": "ResourceType", "location": join(base_url, &format!("ResourceTypes/{}", t.name))}
    })
}

/// A ListResponse holding every document, unpaged, as discovery endpoints answer.
pub fn list_of(documents: Vec<Value>) -> Value {
    let total = documents.len();
    ListResponse::new(documents, total, 1).to_json()
}

impl SchemaRegistry {
    /// The `/Schemas` ListResponse.
    pub fn schemas_document(&self, base_url: &str) -> Value {
        list_of(
            self.schemas()
                .map(|s| schema_document(s, base_url))
                .collect(),
        )
    }

    /// The `/ResourceTypes` ListResponse.
    pub fn resource_types_document(&self, base_url: &str) -> Value {
        list_of(
            self.resource_types()
                .map(|rt| resource_type_document(rt, base_url))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.com/scim/default/v2";

    #[test]
    fn schemas_document_lists_the_three_rfc_schemas_with_locations() {
        let doc = SchemaRegistry::standard().schemas_document(BASE);
        assert_eq!(doc["totalResults"], 3);
        let user = &doc["Resources"][0];
        assert_eq!(user["id"], "urn:ietf:params:scim:schemas:core:2.0:User");
        assert_eq!(
            user["meta"]["location"],
            "https://example.com/scim/default/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
        );
        let user_name = &user["attributes"][0];
        assert_eq!(
            user_name,
            &json!({
                "name": "userName", "type": "string", "multiValued": false,
                "description": "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.",
                "required": true, "caseExact": false, "mutability": "readWrite",
                "returned": "default", "uniqueness": "server"
            })
        );
    }

    #[test]
    fn every_typed_multi_valued_attribute_lists_canonical_types() {
        let registry = SchemaRegistry::standard();
        for schema in registry.schemas() {
            for attr in schema.attributes.iter().filter(|a| a.multi_valued) {
                if let Some(t) = attr.sub("type") {
                    assert!(!t.canonical_values.is_empty(), "{}.type", attr.name);
                }
            }
        }
    }

    #[test]
    fn resource_types_have_id_equal_to_name_and_reference_served_schemas() {
        let registry = SchemaRegistry::standard();
        let doc = registry.resource_types_document(BASE);
        assert_eq!(doc["totalResults"], 2);
        for rt in doc["Resources"].as_array().unwrap() {
            assert_eq!(rt["id"], rt["name"]);
            assert!(registry.schema(rt["schema"].as_str().unwrap()).is_some());
            for ext in rt["schemaExtensions"].as_array().unwrap() {
                assert!(registry.schema(ext["schema"].as_str().unwrap()).is_some());
            }
        }
        assert_eq!(doc["Resources"][0]["endpoint"], "/Users");
    }

    #[test]
    fn service_provider_config_claims_conformance_only_when_told() {
        let spc = ServiceProviderConfig::default();
        let doc = spc.to_document(BASE);
        assert!(doc.get("interopProfileConformant").is_none());
        assert_eq!(doc["patch"]["supported"], true);
        assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
        let strict = ServiceProviderConfig {
            interop_profile_conformant: Some(true),
            bulk: Some((1000, 1_048_576)),
            ..spc
        };
        let doc = strict.to_document(BASE);
        assert_eq!(doc["interopProfileConformant"], true);
        assert_eq!(doc["bulk"]["maxOperations"], 1000);
    }
}
