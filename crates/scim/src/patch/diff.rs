//! What a change did: the attributes whose value differs between two versions of a resource,
//! for the provisioning log. Values of writeOnly or never-returned attributes (`password`) are
//! left out: the change records only that they changed.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::path::AttrPath;
use crate::schema::{Mutability, Resolved, ResourceSchema, Returned};

/// One changed attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    /// The canonical path: `active`, `name.familyName`, `urn:…:enterprise:2.0:User:department`.
    pub path: String,
    /// The value before, if any (always `None` when `redacted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The value after, if any (always `None` when `redacted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// The attribute is sensitive (writeOnly or never returned): its values are not reported.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

const SERVER_MANAGED: [&str; 3] = ["schemas", "meta", "id"];

/// The changes from `old` to `new`, in attribute order.
pub fn changes(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    diff_level(old, new, "", schema, &mut out);
    out
}

fn keys<'a>(old: &'a Map<String, Value>, new: &'a Map<String, Value>) -> Vec<&'a String> {
    let mut keys: Vec<&String> = old.keys().collect();
    keys.extend(new.keys().filter(|k| !old.contains_key(*k)));
    keys
}

fn diff_level(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    prefix: &str,
    schema: &ResourceSchema,
    out: &mut Vec<AttributeChange>,
) {
    for key in keys(old, new) {
        if prefix.is_empty() && SERVER_MANAGED.contains(&key.as_str()) {
            continue;
        }
        let (before, after) = (old.get(key), new.get(key));
        if before == after {
            continue;
        }
        let path = format!("{prefix}{key}");
        let is_extension = prefix.is_empty() && crate::resource::is_urn(key);
        let single_complex = !is_extension && is_single_complex(&path, schema);
        match (before, after) {
            (Some(Value::Object(a)), Some(Value::Object(b))) if is_extension => {
                diff_level(a, b, &format!("{key}:"), schema, out);
            }
            (None, Some(Value::Object(b))) if is_extension => {
                diff_level(&Map::new(), b, &format!("{key}:"), schema, out);
            }
            (Some(Value::Object(a)), None) if is_extension => {
                diff_level(a, &Map::new(), &format!("{key}:"), schema, out);
            }
            (a, b) if single_complex => {
                let empty = Map::new();
                let a = a.and_then(Value::as_object).unwrap_or(&empty);
                let b = b.and_then(Value::as_object).unwrap_or(&empty);
                for sub in keys(a, b) {
                    if a.get(sub) != b.get(sub) {
                        push(out, format!("{path}.{sub}"), a.get(sub), b.get(sub), schema);
                    }
                }
            }
            (a, b) => push(out, path, a, b, schema),
        }
    }
}

fn is_single_complex(path: &str, schema: &ResourceSchema) -> bool {
    let Ok(p) = AttrPath::parse(path) else {
        return false;
    };
    matches!(schema.resolve(&p), Some(Resolved::Attribute(a)) if a.def.is_complex() && !a.def.multi_valued && a.sub.is_none())
}

fn push(
    out: &mut Vec<AttributeChange>,
    path: String,
    old: Option<&Value>,
    new: Option<&Value>,
    schema: &ResourceSchema,
) {
    let sensitive = AttrPath::parse(&path)
        .ok()
        .and_then(|p| match schema.resolve(&p) {
            Some(Resolved::Attribute(a)) => Some(
                a.leaf().mutability == Mutability::WriteOnly
                    || a.leaf().returned == Returned::Never,
            ),
            _ => None,
        });
    let redacted = sensitive.unwrap_or(false);
    out.push(AttributeChange {
        path,
        old: if redacted { None } else { old.cloned() },
        new: if redacted { None } else { new.cloned() },
        redacted,
    });
}
