//! Which values are secret, read off the schema: every attribute (or sub-attribute) that a
//! schema marks `returned: never` or `mutability: writeOnly` — `password` in the RFC's User
//! schema, and any extension attribute so marked — and masking them in any JSON a client may
//! send, in every form the endpoint's parsers accept: any key case, surrounding whitespace,
//! URN-qualified keys (`urn:…:User:password`), dotted sub-attribute keys, PATCH operations
//! whose `path` names one (any case of `path`/`value`, URN paths, filters, padding), path-less
//! PATCH value objects, Bulk operations' `data` and PUT bodies alike.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::schema::{AttributeDef, Mutability, Returned, SchemaRegistry};

/// What replaces a secret value.
pub const MASK: &str = "***";

/// The secret attribute names of a set of schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Leaf names, lower case (`password`).
    names: BTreeSet<String>,
}

impl Secrets {
    /// The secret attributes of every schema of `registry`.
    pub fn of(registry: &SchemaRegistry) -> Self {
        fn walk(defs: &[AttributeDef], names: &mut BTreeSet<String>) {
            for def in defs {
                if def.returned == Returned::Never || def.mutability == Mutability::WriteOnly {
                    names.insert(def.name.to_ascii_lowercase());
                }
                walk(&def.sub_attributes, names);
            }
        }
        let mut names = BTreeSet::new();
        for schema in registry.schemas() {
            walk(&schema.attributes, &mut names);
        }
        Self { names }
    }

    /// These secrets and the names of `others` (e.g. a protocol's own secret fields, as OAuth's
    /// `client_secret`).
    #[must_use]
    pub fn with_names<'a>(mut self, others: impl IntoIterator<Item = &'a str>) -> Self {
        self.names
            .extend(others.into_iter().map(str::to_ascii_lowercase));
        self
    }

    /// The secret names, lower case.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Whether a key or PATCH path names a secret attribute: its last segment, after trimming,
    /// dropping value filters (`[…]`), the schema URN (up to the last `:`) and parent
    /// attributes (up to the last `.`), compared without case.
    pub fn names_secret(&self, key_or_path: &str) -> bool {
        let text = key_or_path.trim();
        // Drop value filters: `emails[type eq "work"].value` → `emails.value` (allocates only
        // when there is one).
        let unfiltered;
        let text = if text.contains('[') {
            let mut owned = text.to_owned();
            while let Some(open) = owned.find('[') {
                let close = owned[open..]
                    .find(']')
                    .map_or(owned.len(), |c| open + c + 1);
                owned.replace_range(open..close, "");
            }
            unfiltered = owned;
            unfiltered.as_str()
        } else {
            text
        };
        let leaf = text.rsplit(':').next().unwrap_or_default();
        let leaf = leaf.rsplit('.').next().unwrap_or_default().trim();
        self.names.iter().any(|n| n.eq_ignore_ascii_case(leaf))
    }

    /// `body` with every secret value replaced by [`MASK`].
    pub fn redact(&self, body: &Value) -> Value {
        let mut copy = body.clone();
        self.redact_in_place(&mut copy);
        copy
    }

    /// The text of every secret value of `body` (what [`Secrets::redact`] masks; an object or
    /// array masked whole gives each of its strings and numbers), to mask them where they may
    /// be repeated in text that is not JSON (a target's HTML or plain-text answer).
    pub fn values(&self, body: &Value) -> Vec<String> {
        fn leaves(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::String(s) => out.push(s.clone()),
                Value::Number(n) => out.push(n.to_string()),
                Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
                Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
                Value::Bool(_) | Value::Null => {}
            }
        }
        fn walk(original: &Value, masked: &Value, out: &mut Vec<String>) {
            match (original, masked) {
                (Value::Object(a), Value::Object(b)) => {
                    for (key, value) in a {
                        if let Some(other) = b.get(key) {
                            walk(value, other, out);
                        }
                    }
                }
                (Value::Array(a), Value::Array(b)) => {
                    a.iter().zip(b).for_each(|(x, y)| walk(x, y, out));
                }
                (original, Value::String(m)) if m == MASK && original != masked => {
                    leaves(original, out);
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(body, &self.redact(body), &mut out);
        out.retain(|v| !v.is_empty());
        out.sort_by_key(|v| std::cmp::Reverse(v.len()));
        out.dedup();
        out
    }

    /// Replaces every secret value of `value` by [`MASK`].
    pub fn redact_in_place(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                // A PATCH operation whose path names a secret: its value is secret, whole.
                let secret_path = map.iter().any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("path")
                        && v.as_str().is_some_and(|p| self.names_secret(p))
                });
                for (key, inner) in map.iter_mut() {
                    if self.names_secret(key)
                        || (secret_path && key.trim().eq_ignore_ascii_case("value"))
                    {
                        *inner = Value::String(MASK.to_owned());
                    } else {
                        self.redact_in_place(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_in_place(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const SECRET: &str = "S3cr3t-Value!";

    fn secrets() -> Secrets {
        Secrets::of(&SchemaRegistry::standard())
    }

    #[test]
    fn the_standard_schemas_make_password_secret_and_nothing_public() {
        let secrets = secrets();
        assert!(secrets.names().any(|n| n == "password"));
        for public in [
            "userName",
            "displayName",
            "emails",
            "value",
            "path",
            "active",
        ] {
            assert!(!secrets.names_secret(public), "{public}");
        }
    }

    #[test]
    fn every_accepted_form_of_a_password_is_masked() {
        let secrets = secrets();
        let bodies = [
            json!({"schemas": [USER], "userName": "a", "password": SECRET}),
            json!({"PASSWORD": SECRET}),
            json!({format!("{USER}:password"): SECRET}),
            json!({" password ": SECRET}),
            json!({"Operations": [{"op": "replace", "path": "password", "value": SECRET}]}),
            json!({"Operations": [{"Op": "Replace", "Path": "password", "Value": SECRET}]}),
            json!({"Operations": [{"OP": "REPLACE", "PATH": "PASSWORD", "VALUE": SECRET}]}),
            json!({"Operations": [{"op": "replace", "path": format!("{USER}:password"), "value": SECRET}]}),
            json!({"Operations": [{"op": "replace", "path": " password", "value": SECRET}]}),
            json!({"Operations": [{"op": "replace", "value": {"Password": SECRET}}]}),
            json!({"Operations": [{"op": "add", "value": {format!("{USER}:password"): SECRET}}]}),
            json!({"Operations": [{"op": "replace", "path": "password", "value": [SECRET]}]}),
            json!({"Operations": [{"method": "POST", "path": "/Users", "bulkId": "1",
                "data": {"userName": "b", "password": SECRET}}]}),
        ];
        for body in bodies {
            let masked = secrets.redact(&body).to_string();
            assert!(!masked.contains(SECRET), "{body} → {masked}");
            assert!(masked.contains(MASK), "{masked}");
        }
        // What is not secret stays.
        let kept = secrets.redact(
            &json!({"userName": SECRET, "Operations": [{"path": "nickName", "value": SECRET}]}),
        );
        assert_eq!(kept.to_string().matches(SECRET).count(), 2, "{kept}");
    }

    #[test]
    fn an_extension_attribute_marked_write_only_is_secret_too() {
        use crate::schema::{AttributeType, Schema};
        let mut registry = SchemaRegistry::standard();
        let urn = "urn:example:params:scim:schemas:extension:acme:2.0:User";
        registry
            .add_extension(
                "User",
                Schema {
                    id: urn.into(),
                    name: "Acme".into(),
                    description: String::new(),
                    attributes: vec![
                        AttributeDef::new("pin", AttributeType::String)
                            .mutability(Mutability::WriteOnly),
                    ],
                },
                false,
            )
            .unwrap();
        let secrets = Secrets::of(&registry);
        let body = json!({urn: {"PIN": SECRET}, "Operations": [{"path": format!("{urn}:pin"), "value": SECRET}]});
        assert!(!secrets.redact(&body).to_string().contains(SECRET));
    }

    /// A spelling of `password` the parsers accept: any case, padded.
    #[test]
    fn the_values_masked_are_listed_longest_first() {
        let body = json!({
            "userName": "a",
            "Password": "p4ss",
            "Operations": [{"op": "replace", "path": "password", "value": {"x": "q", "n": 12}}]
        });
        assert_eq!(secrets().values(&body), vec!["p4ss", "12", "q"]);
        assert!(secrets().values(&json!({"userName": "a"})).is_empty());
    }

    fn spelling() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(any::<bool>(), 8),
            "[ \t]{0,2}",
            "[ \t]{0,2}",
            any::<bool>(),
        )
            .prop_map(|(upper, before, after, urn)| {
                let name: String = "password"
                    .chars()
                    .zip(upper)
                    .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                    .collect();
                let name = if urn { format!("{USER}:{name}") } else { name };
                format!("{before}{name}{after}")
            })
    }

    /// A case spelling of a fixed key.
    fn cased(word: &'static str) -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
            word.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn no_generated_spelling_survives(
            name in spelling(),
            path_key in cased("path"),
            value_key in cased("value"),
            form in 0..4u8,
        ) {
            let body = match form {
                0 => json!({"schemas": [USER], "userName": "u", name: SECRET}),
                1 => json!({"Operations": [{"op": "replace", path_key: name, value_key: SECRET}]}),
                2 => json!({"Operations": [{"op": "replace", value_key: {name: SECRET}}]}),
                _ => json!({"Operations": [{"method": "PUT", "path": "/Users/1",
                    "data": {"userName": "u", name: SECRET}}]}),
            };
            let masked = secrets().redact(&body).to_string();
            prop_assert!(!masked.contains(SECRET), "{} → {}", body, masked);
        }
    }
}
