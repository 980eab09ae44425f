//! Evaluating a filter over a resource, honouring each attribute's type and `caseExact`.
//!
//! A comparison on a multi-valued attribute matches when any value matches; on a multi-valued
//! complex attribute without a sub-attribute it compares the `value` sub-attribute (RFC 7644
//! §3.4.2.2). `ne` is the negation of `eq`, so it also matches resources without the attribute.
//! dateTime attributes compare chronologically, numbers numerically.

use std::cmp::Ordering;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{CompareOp, Filter, Literal};
use crate::path::AttrPath;
use crate::resource::{get_ci, parse_bool};
use crate::schema::{AttributeDef, AttributeType, Resolved, ResourceSchema};

/// `schemas` is filterable (RFC 7644 §3.4.2.2 shows `schemas eq "urn:…"`) but belongs to no schema.
static SCHEMAS_ATTRIBUTE: LazyLock<AttributeDef> =
    LazyLock::new(|| AttributeDef::new("schemas", AttributeType::Reference).multi());

#[derive(Clone, Copy)]
enum Ctx<'a> {
    Resource(&'a Map<String, Value>, &'a ResourceSchema),
    Element(&'a Map<String, Value>, &'a AttributeDef),
}

/// The values a path selects, with the definition that says how to compare them.
struct Selected<'a> {
    leaf: &'a AttributeDef,
    values: Vec<&'a Value>,
}

impl Filter {
    /// Whether `resource` (a normalised resource object) matches this filter.
    pub fn matches(&self, resource: &Map<String, Value>, schema: &ResourceSchema) -> bool {
        self.eval(Ctx::Resource(resource, schema))
    }

    /// Whether one value of a multi-valued complex attribute `parent` matches this filter (the
    /// filter inside `[...]`, whose paths name sub-attributes).
    pub fn matches_element(&self, element: &Map<String, Value>, parent: &AttributeDef) -> bool {
        self.eval(Ctx::Element(element, parent))
    }

    fn eval(&self, ctx: Ctx<'_>) -> bool {
        match self {
            Self::And(l, r) => l.eval(ctx) && r.eval(ctx),
            Self::Or(l, r) => l.eval(ctx) || r.eval(ctx),
            Self::Not(inner, _) => !inner.eval(ctx),
            Self::Present { path, .. } => {
                select(ctx, path).is_some_and(|s| s.values.iter().any(|v| is_assigned(v)))
            }
            Self::Compare {
                path, op, value, ..
            } => {
                let selected = select(ctx, path);
                match (op, value) {
                    (CompareOp::Eq, Literal::Null) => {
                        !selected.is_some_and(|s| s.values.iter().any(|v| is_assigned(v)))
                    }
                    (CompareOp::Ne, Literal::Null) => {
                        selected.is_some_and(|s| s.values.iter().any(|v| is_assigned(v)))
                    }
                    (CompareOp::Ne, _) => !selected.is_some_and(|s| {
                        s.values
                            .iter()
                            .any(|v| compare(s.leaf, v, CompareOp::Eq, value))
                    }),
                    _ => selected
                        .is_some_and(|s| s.values.iter().any(|v| compare(s.leaf, v, *op, value))),
                }
            }
            Self::ValuePath { path, filter, .. } => {
                let Ctx::Resource(map, schema) = ctx else {
                    return false;
                };
                let Some(Resolved::Attribute(attr)) = schema.resolve(path) else {
                    return false;
                };
                if !attr.def.is_complex() || attr.sub.is_some() {
                    return false;
                }
                let Some(raw) = container(map, attr.extension.map(|e| e.id.as_str()))
                    .and_then(|c| get_ci(c, &attr.def.name))
                else {
                    return false;
                };
                match raw {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_object)
                        .any(|obj| filter.eval(Ctx::Element(obj, attr.def))),
                    Value::Object(obj) => filter.eval(Ctx::Element(obj, attr.def)),
                    _ => false,
                }
            }
        }
    }
}

fn container<'a>(
    map: &'a Map<String, Value>,
    extension: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    match extension {
        None => Some(map),
        Some(urn) => get_ci(map, urn)?.as_object(),
    }
}

fn select<'a>(ctx: Ctx<'a>, path: &AttrPath) -> Option<Selected<'a>> {
    match ctx {
        Ctx::Element(obj, parent) => {
            if path.urn().is_some() || path.sub_attr().is_some() {
                return None;
            }
            let leaf = parent.sub(path.name())?;
            Some(Selected {
                leaf,
                values: get_ci(obj, &leaf.name).into_iter().collect(),
            })
        }
        Ctx::Resource(map, schema) => {
            if path.urn().is_none()
                && path.sub_attr().is_none()
                && path.name().eq_ignore_ascii_case("schemas")
            {
                let values = map
                    .get("schemas")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().collect())
                    .unwrap_or_default();
                return Some(Selected {
                    leaf: &SCHEMAS_ATTRIBUTE,
                    values,
                });
            }
            let Some(Resolved::Attribute(attr)) = schema.resolve(path) else {
                return None;
            };
            let raw = container(map, attr.extension.map(|e| e.id.as_str()))?;
            let raw = get_ci(raw, &attr.def.name)?;
            let def = attr.def;
            let (leaf, sub_name) = match (attr.sub, def.is_complex()) {
                (Some(sub), _) => (sub, Some(sub.name.as_str())),
                (None, true) => {
                    // A complex attribute compared directly: its `value` sub-attribute.
                    let value = def.sub("value")?;
                    (value, Some(value.name.as_str()))
                }
                (None, false) => (def, None),
            };
            let mut values = Vec::new();
            let items: &[Value] = match raw {
                Value::Array(items) => items,
                other => std::slice::from_ref(other),
            };
            for item in items {
                match sub_name {
                    Some(name) => {
                        if let Some(v) = item.as_object().and_then(|o| get_ci(o, name)) {
                            values.push(v);
                        }
                    }
                    None => values.push(item),
                }
            }
            Some(Selected { leaf, values })
        }
    }
}

fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Compares one attribute value with a literal using the attribute's type and case rules.
pub(crate) fn compare(
    leaf: &AttributeDef,
    value: &Value,
    op: CompareOp,
    literal: &Literal,
) -> bool {
    match (leaf.kind, value, literal) {
        (AttributeType::Boolean, Value::Bool(b), lit) => {
            let wanted = match lit {
                Literal::Bool(x) => Some(*x),
                Literal::String(s) => parse_bool(s),
                _ => None,
            };
            op == CompareOp::Eq && wanted == Some(*b)
        }
        (AttributeType::Integer | AttributeType::Decimal, Value::Number(n), Literal::Number(l)) => {
            let ordering = match (n.as_i64(), l.as_i64()) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => n
                    .as_f64()
                    .zip(l.as_f64())
                    .and_then(|(a, b)| a.partial_cmp(&b)),
            };
            ordering.is_some_and(|o| ordering_matches(op, o))
        }
        (AttributeType::DateTime, Value::String(v), Literal::String(l)) => {
            match (
                chrono::DateTime::parse_from_rfc3339(v),
                chrono::DateTime::parse_from_rfc3339(l),
            ) {
                (Ok(a), Ok(b)) => ordering_matches(op, a.cmp(&b)),
                _ => string_matches(v, l, op, leaf.case_exact),
            }
        }
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            Value::String(v),
            Literal::String(l),
        ) => string_matches(v, l, op, leaf.case_exact),
        _ => false,
    }
}

fn ordering_matches(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn string_matches(value: &str, literal: &str, op: CompareOp, case_exact: bool) -> bool {
    if case_exact {
        return match op {
            CompareOp::Co => value.contains(literal),
            CompareOp::Sw => value.starts_with(literal),
            CompareOp::Ew => value.ends_with(literal),
            _ => ordering_matches(op, value.cmp(literal)),
        };
    }
    if value.is_ascii() && literal.is_ascii() {
        let (v, l) = (value.as_bytes(), literal.as_bytes());
        return match op {
            CompareOp::Eq => v.eq_ignore_ascii_case(l),
            CompareOp::Co => l.is_empty() || v.windows(l.len()).any(|w| w.eq_ignore_ascii_case(l)),
            CompareOp::Sw => v.len() >= l.len() && v[..l.len()].eq_ignore_ascii_case(l),
            CompareOp::Ew => v.len() >= l.len() && v[v.len() - l.len()..].eq_ignore_ascii_case(l),
            _ => ordering_matches(op, cmp_ascii_ci(v, l)),
        };
    }
    let (v, l) = (value.to_lowercase(), literal.to_lowercase());
    string_matches(&v, &l, op, true)
}

/// Case-insensitive ordering of ASCII bytes.
pub(crate) fn cmp_ascii_ci(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;
    use serde_json::json;

    /// The full User representation of RFC 7643 §8.2, plus the enterprise extension of §8.3.
    fn bjensen() -> Map<String, Value> {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "userType": "Employee",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "department": "Tour Operations",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
            },
            "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn check(filter: &str) -> bool {
        let registry = SchemaRegistry::standard();
        Filter::parse(filter)
            .unwrap()
            .matches(&bjensen(), registry.user())
    }

    #[test]
    fn string_comparisons_honour_case_exact() {
        assert!(
            check(r#"userName eq "BJENSEN@example.com""#),
            "userName is not caseExact"
        );
        assert!(!check(r#"externalId eq "701984 ""#));
        assert!(check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
        assert!(
            !check(r#"id eq "2819C223-7F76-453A-919D-413861904646""#),
            "id is caseExact"
        );
        assert!(check(r#"name.familyName co "ENS""#));
        assert!(check(r#"userName sw "BJ""#));
        assert!(check(r#"userName ew "EXAMPLE.COM""#));
        assert!(check(r#"title gt "Tour Guard""#) && !check(r#"title lt "tour guide""#));
        assert!(check(r#"title le "TOUR GUIDE""#) && check(r#"title ge "tour guide""#));
    }

    #[test]
    fn non_ascii_case_folding_works() {
        let registry = SchemaRegistry::standard();
        let mut user = bjensen();
        user.insert("displayName".into(), json!("Ärger Ökonom"));
        let f = Filter::parse(r#"displayName sw "äRGER""#).unwrap();
        assert!(f.matches(&user, registry.user()));
    }

    #[test]
    fn present_ne_and_null() {
        assert!(check("title pr") && !check("nickName pr"));
        assert!(
            check(r#"nickName ne "x""#),
            "ne matches a missing attribute"
        );
        assert!(!check(r#"title ne "tour guide""#));
        assert!(check("nickName eq null") && check("title ne null") && !check("title eq null"));
        assert!(check("emails pr") && check("emails.type pr") && !check("ims pr"));
    }

    #[test]
    fn multi_valued_attributes_match_any_value() {
        assert!(
            check(r#"emails co "jensen.org""#),
            "complex compared by value"
        );
        assert!(check(r#"emails.value ew "@example.com""#));
        assert!(check(r#"emails.type eq "home""#));
        assert!(check(
            r#"emails[type eq "work" and value co "@example.com"]"#
        ));
        assert!(
            !check(r#"emails[type eq "home" and value co "@example.com"]"#),
            "both in one value"
        );
        assert!(check(
            r#"emails[type eq "work"].value eq "bjensen@example.com""#
        ));
        assert!(check("emails[primary eq true]"));
        assert!(check(
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#
        ));
    }

    #[test]
    fn booleans_numbers_and_datetimes_use_their_types() {
        assert!(check("active eq true") && !check("active eq false"));
        assert!(check(r#"active eq "True""#), "string booleans are read");
        assert!(!check("active gt false"), "booleans have no order");
        assert!(check(r#"meta.lastModified gt "2011-05-13T04:42:33Z""#));
        assert!(
            check(r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#),
            "same instant"
        );
        assert!(check(r#"meta.created lt "2011-01-01T00:00:00Z""#));
        assert!(!check(r#"meta.lastModified ge "2012-01-01T00:00:00Z""#));
    }

    #[test]
    fn extension_and_logic() {
        assert!(check(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations""#
        ));
        assert!(check(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#
        ));
        assert!(check(
            r#"userType eq "Employee" and not (emails co "example.org" or title eq "x")"#
        ));
        assert!(check(
            r#"title pr and (userType eq "Intern" or active eq true)"#
        ));
        assert!(!check(r#"noSuchAttribute eq "x""#));
        assert!(
            !check(r#"title[value eq "x"]"#),
            "value path on a simple attribute"
        );
    }
}
