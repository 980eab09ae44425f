//! PUT in merge mode, for targets that keep what a PUT leaves out (a configuration's
//! `putSemantics: merge`): attributes the body omits keep their values, attributes it sends
//! replace them — a complex attribute's or an extension's sub-attributes one by one — and
//! attributes it sends as `null` or `[]` are cleared. Normalising a body drops its nulls and
//! empty arrays ("unassigned", RFC 7643 §2.5), so what it unassigns is read from the body
//! first ([`Unassigned::of`]).

use serde_json::{Map, Value};

use super::{Resource, is_urn};
use crate::error::ScimResult;
use crate::schema::{AttributeDef, ResourceSchema, find_attribute};

/// The attributes a request body unassigns explicitly (`null` or `[]`), by canonical name: a
/// top-level attribute (`["title"]`), a complex attribute's sub-attribute (`["name",
/// "givenName"]`), an extension's attribute (`[urn, "department"]`) or a whole extension
/// (`[urn]`). Names the schema does not know are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unassigned(Vec<Vec<String>>);

fn empty(value: &Value) -> bool {
    value.is_null() || value.as_array().is_some_and(Vec::is_empty)
}

/// The sub-attributes of `value` (a complex attribute's object) that it unassigns.
fn unassigned_within(
    parent: &str,
    subs: &[AttributeDef],
    value: &Value,
    out: &mut Vec<Vec<String>>,
) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (key, value) in object {
        if let Some(sub) = find_attribute(subs, key).filter(|_| empty(value)) {
            out.push(vec![parent.to_owned(), sub.name.clone()]);
        }
    }
}

impl Unassigned {
    /// What `body` (a PUT's JSON, before normalising) unassigns under `schema`.
    pub fn of(body: &Value, schema: &ResourceSchema) -> Self {
        let mut out = Vec::new();
        let Some(body) = body.as_object() else {
            return Self(out);
        };
        for (key, value) in body {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(ext) = schema.extension(key) {
                if empty(value) {
                    out.push(vec![ext.id.clone()]);
                } else {
                    unassigned_within(&ext.id, &ext.attributes, value, &mut out);
                }
            } else if is_urn(key) {
                // `urn:…:enterprise:2.0:User:department`: an extension's attribute by its full name.
                for (ext, _) in schema.extensions() {
                    let Some(name) = key
                        .get(..ext.id.len())
                        .filter(|p| p.eq_ignore_ascii_case(&ext.id))
                        .and_then(|_| key.get(ext.id.len()..))
                        .and_then(|rest| rest.strip_prefix(':'))
                    else {
                        continue;
                    };
                    if let Some(def) =
                        find_attribute(&ext.attributes, name).filter(|_| empty(value))
                    {
                        out.push(vec![ext.id.clone(), def.name.clone()]);
                    }
                }
            } else if let Some(def) = schema.core_attribute(key) {
                if empty(value) {
                    out.push(vec![def.name.clone()]);
                } else if def.is_complex() && !def.multi_valued {
                    unassigned_within(&def.name, &def.sub_attributes, value, &mut out);
                }
            }
        }
        Self(out)
    }

    /// Whether the body unassigns nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes the unassigned attributes from `map` (a stored resource, canonical names), and
    /// objects left empty by it.
    fn clear(&self, map: &mut Map<String, Value>) {
        for path in &self.0 {
            match path.as_slice() {
                [name] => {
                    map.remove(name);
                }
                [parent, name] => {
                    if let Some(Value::Object(object)) = map.get_mut(parent) {
                        object.remove(name);
                        if object.is_empty() {
                            map.remove(parent);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether `key` of a normalised resource holds an object whose members merge one by one: an
/// extension, or a single-valued complex attribute (`name`).
fn merges_by_member(key: &str, schema: &ResourceSchema) -> bool {
    is_urn(key)
        || schema
            .core_attribute(key)
            .is_some_and(|def| def.is_complex() && !def.multi_valued)
}

impl Resource {
    /// Merge semantics for PUT: attributes of `self` replace the stored ones (an extension's
    /// or a single-valued complex attribute's members one by one), attributes `self` omits are
    /// kept, and those the body unassigned (`unassigned`) are cleared. The same carry-over
    /// rules as replace follow: readOnly attributes from storage, immutable ones guarded.
    pub fn merged_into(
        self,
        existing: &Resource,
        schema: &ResourceSchema,
        unassigned: &Unassigned,
    ) -> ScimResult<Self> {
        let mut merged = existing.0.clone();
        unassigned.clear(&mut merged);
        for (key, value) in self.0 {
            if key == "schemas" {
                continue;
            }
            match (merged.get_mut(&key), value) {
                (Some(Value::Object(old)), Value::Object(new))
                    if merges_by_member(&key, schema) =>
                {
                    old.extend(new);
                }
                (_, value) => {
                    merged.insert(key, value);
                }
            }
        }
        Self(merged).replacing(existing, schema)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use serde_json::json;

    use super::*;
    use crate::resource::InputRules;
    use crate::schema::SchemaRegistry;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// A PUT of `body` in merge mode onto the stored user `stored`.
    fn merge(stored: Value, body: Value) -> Map<String, Value> {
        let registry = SchemaRegistry::standard();
        let schema = registry.user();
        let rules = InputRules::default();
        let mut old = Resource::from_request(stored, schema, &rules).unwrap();
        old.as_map_mut().insert("id".into(), json!("u1"));
        let unassigned = Unassigned::of(&body, schema);
        Resource::from_request(body, schema, &rules)
            .unwrap()
            .merged_into(&old, schema, &unassigned)
            .unwrap()
            .as_map()
            .clone()
    }

    fn stored() -> Value {
        json!({
            "userName": "ada@contoso.com",
            "title": "Engineer",
            "displayName": "Ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace", "middleName": "King"},
            "emails": [{"value": "ada@contoso.com", "type": "work"}],
            "phoneNumbers": [{"value": "+14155550100", "type": "work"}],
            ENTERPRISE: {"department": "R&D", "employeeNumber": "42", "manager": {"value": "m1"}}
        })
    }

    #[test]
    fn omitted_attributes_stay_and_sent_ones_replace() {
        let merged = merge(
            stored(),
            json!({"userName": "ada@contoso.com", "title": "Lead"}),
        );
        assert_eq!(merged["title"], "Lead");
        assert_eq!(merged["displayName"], "Ada");
        assert_eq!(merged["emails"][0]["value"], "ada@contoso.com");
        assert_eq!(merged[ENTERPRISE]["department"], "R&D");
    }

    #[test]
    fn null_and_empty_arrays_clear_single_complex_and_multi_valued_attributes() {
        let merged = merge(
            stored(),
            json!({
                "userName": "ada@contoso.com",
                // Any case, as clients send it.
                "Title": null,
                "emails": [],
                "name": null,
            }),
        );
        for cleared in ["title", "emails", "name"] {
            assert!(!merged.contains_key(cleared), "{cleared}: {merged:?}");
        }
        assert_eq!(merged["displayName"], "Ada");
        assert_eq!(merged["phoneNumbers"][0]["value"], "+14155550100");
    }

    #[test]
    fn a_complex_attributes_members_merge_one_by_one() {
        let merged = merge(
            stored(),
            json!({
                "userName": "ada@contoso.com",
                "name": {"givenName": "Augusta", "middleName": null}
            }),
        );
        assert_eq!(
            merged["name"],
            json!({"givenName": "Augusta", "familyName": "Lovelace"})
        );
        // Clearing its last member clears it.
        let merged = merge(
            json!({"userName": "a@b.c", "name": {"givenName": "A"}}),
            json!({"userName": "a@b.c", "name": {"givenName": null}}),
        );
        assert!(!merged.contains_key("name"), "{merged:?}");
    }

    #[test]
    fn an_extensions_attributes_clear_by_object_or_by_full_name() {
        let merged = merge(
            stored(),
            json!({
                "userName": "ada@contoso.com",
                ENTERPRISE: {"department": null, "costCenter": "CC-1"},
                format!("{ENTERPRISE}:manager"): null,
            }),
        );
        assert_eq!(
            merged[ENTERPRISE],
            json!({"employeeNumber": "42", "costCenter": "CC-1"})
        );
        let merged = merge(
            stored(),
            json!({"userName": "ada@contoso.com", ENTERPRISE: null}),
        );
        assert!(!merged.contains_key(ENTERPRISE), "{merged:?}");
    }

    #[test]
    fn unknown_names_unassign_nothing() {
        let registry = SchemaRegistry::standard();
        let body =
            json!({"userName": "a", "nickname": null, "notAnAttribute": null, "schemas": []});
        let unassigned = Unassigned::of(&body, registry.user());
        assert_eq!(unassigned, Unassigned(vec![vec!["nickName".into()]]));
        assert!(Unassigned::of(&json!([1]), registry.user()).is_empty());
    }
}
