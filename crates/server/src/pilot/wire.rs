//! The pilot's requests on the wire: filter values quoted, paths encoded, the operations that
//! change what differs, written as each provider writes them.

use scim::patch::{PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use scim::{PatchRules, Resource, ResourceSchema};
use scim_console_core::mapping::provider::Provider;
use serde_json::{Map, Value, json};

/// A filter value, quoted as SCIM filters want.
pub(super) fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub(super) fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
}

/// The attributes that differ, and the operations that set them.
pub(super) fn differences(
    existing: &Map<String, Value>,
    operations: Vec<PatchOperation>,
    schema: &ResourceSchema,
) -> (Vec<PatchOperation>, Vec<String>, Map<String, Value>) {
    let mut current = Resource::from_map(existing.clone());
    let mut kept = Vec::new();
    let mut names = Vec::new();
    for op in operations {
        let request = PatchRequest {
            operations: vec![op.clone()],
        };
        if let Ok(outcome) = scim::patch::apply(&current, &request, schema, &PatchRules::default())
            && !outcome.changes.is_empty()
        {
            current = outcome.resource;
            // A value that replaces one is a `replace`; one where there was none, an `add` (as
            // Entra ID sends them).
            let replaces = outcome
                .changes
                .iter()
                .any(|c| c.old.as_ref().is_some_and(|v| !v.is_null()));
            let mut op = op;
            op.op = if replaces {
                PatchOpKind::Replace
            } else {
                PatchOpKind::Add
            };
            names.push(
                op.path
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string),
            );
            kept.push(op);
        }
    }
    (kept, names, current.into_map())
}

/// The operations that set each top-level attribute of a SCIM User (for SCIM sources).
pub(super) fn top_level_operations(user: &Map<String, Value>) -> Vec<PatchOperation> {
    user.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "schemas" | "id" | "meta" | "password"))
        .filter_map(|(k, v)| {
            PatchPath::parse(k).ok().map(|path| PatchOperation {
                op: PatchOpKind::Replace,
                path: Some(path),
                value: Some(v.clone()),
            })
        })
        .collect()
}

/// An operation as the provider writes it on the wire.
pub(super) fn wire_operation(provider: Provider, op: &PatchOperation) -> Value {
    let verb = match (provider, op.op) {
        (Provider::Entra, PatchOpKind::Add) => "Add",
        (Provider::Entra, PatchOpKind::Replace) => "Replace",
        (Provider::Entra, PatchOpKind::Remove) => "Remove",
        (_, PatchOpKind::Add) => "add",
        (_, PatchOpKind::Replace) => "replace",
        (_, PatchOpKind::Remove) => "remove",
    };
    let mut wire = json!({"op": verb});
    if let Some(path) = &op.path {
        wire["path"] = Value::String(path.to_string());
    }
    if let Some(value) = &op.value {
        wire["value"] = value.clone();
    }
    wire
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_quoted_and_escaped() {
        assert_eq!(quoted("ada"), "\"ada\"");
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(
            encode(&format!("userName eq {}", quoted("a b"))),
            "userName+eq+%22a+b%22"
        );
    }

    #[test]
    fn entra_capitalises_its_operations_and_okta_does_not() {
        let op = PatchOperation {
            op: PatchOpKind::Replace,
            path: Some(PatchPath::parse("displayName").unwrap()),
            value: Some(json!("Ada")),
        };
        assert_eq!(
            wire_operation(Provider::Entra, &op),
            json!({"op": "Replace", "path": "displayName", "value": "Ada"})
        );
        assert_eq!(wire_operation(Provider::Okta, &op)["op"], "replace");
    }

    #[test]
    fn only_differences_are_sent() {
        let registry = scim::SchemaRegistry::standard();
        let existing = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1", "userName": "ada", "displayName": "Ada",
            "emails": [{"type": "work", "value": "ada@example.com"}]
        });
        let ops = vec![
            PatchOperation {
                op: PatchOpKind::Replace,
                path: Some(PatchPath::parse("displayName").unwrap()),
                value: Some(json!("Ada")),
            },
            PatchOperation {
                op: PatchOpKind::Replace,
                path: Some(PatchPath::parse("emails[type eq \"work\"].value").unwrap()),
                value: Some(json!("ada@new.example.com")),
            },
        ];
        let (kept, names, updated) =
            differences(existing.as_object().unwrap(), ops, registry.user());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].op, PatchOpKind::Replace);
        assert_eq!(names, vec!["emails[type eq \"work\"].value".to_owned()]);
        assert_eq!(updated["emails"][0]["value"], "ada@new.example.com");
    }
}
