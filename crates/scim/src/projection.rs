//! Choosing which attributes a response carries (RFC 7644 §3.4.2.5, §3.9): `attributes` and
//! `excludedAttributes`, under each attribute's `returned` rule. writeOnly and `returned: never`
//! attributes never leave; `returned: always` attributes (`id`) always do.

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::path::AttrPath;
use crate::resource::get_ci;
use crate::schema::{AttributeDef, Mutability, Resolved, ResourceSchema, Returned, Schema};

/// A parsed `attributes` / `excludedAttributes` pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

/// Splits a comma-separated attribute list (`"userName, name.givenName"`).
fn parse_list(list: &str, param: &str) -> ScimResult<Vec<AttrPath>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| AttrPath::parse(s).map_err(|e| ScimError::invalid_value(format!("{param}: {e}"))))
        .collect()
}

impl Projection {
    /// Everything returned by default.
    pub fn all() -> Self {
        Self::default()
    }

    /// Parses the query parameters. Both at once is allowed: `attributes` wins (RFC 7644 leaves
    /// it unspecified; listing attributes is the stronger statement of intent).
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> ScimResult<Self> {
        Ok(Self {
            attributes: attributes
                .map(|a| parse_list(a, "attributes"))
                .transpose()?
                .unwrap_or_default(),
            excluded: excluded
                .map(|e| parse_list(e, "excludedAttributes"))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// Whether neither `attributes` nor `excludedAttributes` was given: every attribute
    /// returned by default is returned.
    pub fn is_default(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// From already-parsed lists (e.g. a `/.search` body).
    pub fn from_lists(attributes: Vec<AttrPath>, excluded: Vec<AttrPath>) -> Self {
        Self {
            attributes,
            excluded,
        }
    }

    /// The `attributes` and `excludedAttributes` lists.
    pub fn into_lists(self) -> (Vec<AttrPath>, Vec<AttrPath>) {
        (self.attributes, self.excluded)
    }

    /// Whether `path` (a top-level attribute) was excluded, e.g. `excludedAttributes=members`,
    /// so a store can skip loading it.
    pub fn excludes(&self, name: &str) -> bool {
        self.attributes.is_empty()
            && self
                .excluded
                .iter()
                .any(|p| p.sub_attr().is_none() && p.name().eq_ignore_ascii_case(name))
    }

    /// The response form of a resource.
    pub fn apply(
        &self,
        resource: &Map<String, Value>,
        schema: &ResourceSchema,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in resource {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if let Some(ext) = schema.extension(key) {
                if let Value::Object(inner) = value {
                    let projected = self.level(inner, &ext.attributes, Some(ext), schema);
                    if !projected.is_empty() {
                        out.insert(ext.id.clone(), Value::Object(projected));
                    }
                }
                continue;
            }
            match schema.core_attribute(key) {
                Some(def) => {
                    if let Some(v) = self.attribute(def, value, None, schema) {
                        out.insert(def.name.clone(), v);
                    }
                }
                // Preserved unknown data is returned by default, like any default attribute.
                None => {
                    if self.attributes.is_empty()
                        && !self
                            .excluded
                            .iter()
                            .any(|p| p.urn().is_none() && p.name().eq_ignore_ascii_case(key))
                    {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        out
    }

    fn level(
        &self,
        map: &Map<String, Value>,
        defs: &[AttributeDef],
        ext: Option<&Schema>,
        schema: &ResourceSchema,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for def in defs {
            if let Some(value) = get_ci(map, &def.name)
                && let Some(v) = self.attribute(def, value, ext, schema)
            {
                out.insert(def.name.clone(), v);
            }
        }
        // Preserved unknown data inside an extension is returned by default, like unknown
        // top-level attributes: what was stored losslessly is not silently withheld.
        if self.attributes.is_empty() {
            for (key, value) in map {
                let known = defs.iter().any(|d| d.name.eq_ignore_ascii_case(key));
                let excluded = self
                    .excluded
                    .iter()
                    .any(|p| p.sub_attr().is_none() && p.name().eq_ignore_ascii_case(key));
                if !known && !excluded {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        out
    }

    /// Whether a path in a list names this attribute (or one of its sub-attributes).
    fn names(
        path: &AttrPath,
        def: &AttributeDef,
        ext: Option<&Schema>,
        schema: &ResourceSchema,
    ) -> bool {
        match schema.resolve(path) {
            Some(Resolved::Attribute(a)) => {
                std::ptr::eq(a.def, def)
                    && a.extension.map(|e| e.id.as_str()) == ext.map(|e| e.id.as_str())
            }
            Some(Resolved::Extension(e)) => ext.is_some_and(|x| x.id == e.id),
            None => false,
        }
    }

    fn attribute(
        &self,
        def: &AttributeDef,
        value: &Value,
        ext: Option<&Schema>,
        schema: &ResourceSchema,
    ) -> Option<Value> {
        if def.returned == Returned::Never || def.mutability == Mutability::WriteOnly {
            return None;
        }
        if def.returned == Returned::Always {
            return Some(value.clone());
        }
        let requested: Vec<&AttrPath> = self
            .attributes
            .iter()
            .filter(|p| Self::names(p, def, ext, schema))
            .collect();
        if !self.attributes.is_empty() || def.returned == Returned::Request {
            if requested.is_empty() {
                return None;
            }
            // Whole attribute requested, or only some sub-attributes.
            if requested.iter().any(|p| {
                p.sub_attr().is_none() || matches!(schema.resolve(p), Some(Resolved::Extension(_)))
            }) {
                return strip_subs(def, value, |sub| sub.returned != Returned::Request);
            }
            return strip_subs(def, value, |sub| {
                sub.returned == Returned::Always
                    || requested.iter().any(|p| {
                        p.sub_attr()
                            .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                    })
            });
        }
        let excluded: Vec<&AttrPath> = self
            .excluded
            .iter()
            .filter(|p| Self::names(p, def, ext, schema))
            .collect();
        if excluded.iter().any(|p| p.sub_attr().is_none()) {
            return None;
        }
        strip_subs(def, value, |sub| {
            sub.returned == Returned::Always
                || sub.returned != Returned::Request
                    && !excluded.iter().any(|p| {
                        p.sub_attr()
                            .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                    })
        })
    }
}

/// Keeps the sub-attributes `keep` accepts (and never the never-returned ones).
fn strip_subs(
    def: &AttributeDef,
    value: &Value,
    keep: impl Fn(&AttributeDef) -> bool,
) -> Option<Value> {
    if !def.is_complex() {
        return Some(value.clone());
    }
    let filter_obj = |obj: &Map<String, Value>| -> Map<String, Value> {
        obj.iter()
            .filter(|(k, _)| match def.sub(k) {
                Some(sub) => {
                    sub.returned != Returned::Never
                        && sub.mutability != Mutability::WriteOnly
                        && keep(sub)
                }
                None => true,
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    match value {
        Value::Object(obj) => {
            let o = filter_obj(obj);
            (!o.is_empty()).then_some(Value::Object(o))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|i| match i {
                    Value::Object(o) => {
                        let o = filter_obj(o);
                        (!o.is_empty()).then_some(Value::Object(o))
                    }
                    other => Some(other.clone()),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;
    use serde_json::json;

    fn user() -> Map<String, Value> {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "u1", "userName": "bjensen", "password": "t1meMa$heen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour", "employeeNumber": "7"},
            "meta": {"resourceType": "User"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let registry = SchemaRegistry::standard();
        Value::Object(
            Projection::parse(attributes, excluded)
                .unwrap()
                .apply(&user(), registry.user()),
        )
    }

    #[test]
    fn default_projection_never_returns_password() {
        let out = project(None, None);
        assert!(out.get("password").is_none());
        assert_eq!(out["userName"], "bjensen");
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "Tour"
        );
    }

    #[test]
    fn attributes_keep_only_what_was_asked_plus_always_returned() {
        assert_eq!(
            project(Some("userName,name.givenName"), None),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "id": "u1", "userName": "bjensen", "name": {"givenName": "Barbara"}
            })
        );
        let out = project(
            Some(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,emails.value",
            ),
            None,
        );
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            json!({"department": "Tour"})
        );
        assert_eq!(out["emails"], json!([{"value": "b@example.com"}]));
        assert!(out.get("userName").is_none());
        let out = project(
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            None,
        );
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
            "7"
        );
        assert!(project(Some("password"), None).get("password").is_none());
    }

    #[test]
    fn excluded_attributes_drop_what_was_named_but_not_always_returned() {
        let out = project(None, Some("emails, name.familyName, id"));
        assert!(out.get("emails").is_none());
        assert_eq!(out["name"], json!({"givenName": "Barbara"}));
        assert_eq!(out["id"], "u1", "id is returned always");
        let p = Projection::parse(None, Some("members")).unwrap();
        assert!(p.excludes("Members") && !p.excludes("displayName"));
    }

    #[test]
    fn unknown_data_inside_an_extension_is_returned_by_default() {
        let registry = SchemaRegistry::standard();
        let mut user = user();
        user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
            .as_object_mut()
            .unwrap()
            .insert("badgeColour".into(), json!("teal"));
        let out = Projection::all().apply(&user, registry.user());
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["badgeColour"],
            "teal"
        );
        let only = Projection::parse(Some("userName"), None)
            .unwrap()
            .apply(&user, registry.user());
        assert!(
            only.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .is_none()
        );
    }

    #[test]
    fn bad_attribute_lists_are_invalid_value() {
        assert!(
            Projection::parse(Some("userName,9x"), None)
                .unwrap_err()
                .detail()
                .starts_with("attributes:")
        );
    }
}
