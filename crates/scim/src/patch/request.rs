//! Reading a PATCH request body (RFC 7644 §3.5.2) into typed operations, leniently enough
//! for the forms Microsoft Entra ID and Okta send (capitalised op names, any key case).

use serde_json::Value;

use super::PatchRules;
use crate::error::{ScimError, ScimResult};
use crate::filter::{Filter, FilterRules};
use crate::leniency::{Leniency, note};
use crate::path::{AttrPath, is_attr_name};
use crate::resource::{describe, get_ci};

/// The PatchOp message schema URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `replace`.
    Replace,
}

impl PatchOpKind {
    /// The RFC keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }
}

/// A PATCH path: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`, URN-qualified or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    /// The attribute (never with a sub-attribute: that is in `sub_attr`).
    pub attr: AttrPath,
    /// The value selection filter.
    pub filter: Option<Filter>,
    /// The sub-attribute.
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// Parses a path; a malformed one is `invalidPath`, a malformed value filter `invalidFilter`.
    pub fn parse(input: &str) -> ScimResult<Self> {
        Self::parse_text(input, None)
    }

    /// Parses a path sent to a configuration's endpoint: its value filter is read under the
    /// endpoint's filter rules.
    pub fn parse_with(input: &str, rules: FilterRules) -> ScimResult<Self> {
        Self::parse_text(input, Some(rules))
    }

    fn parse_text(input: &str, rules: Option<FilterRules>) -> ScimResult<Self> {
        let trimmed = input.trim();
        let invalid = |why: String| {
            ScimError::invalid_path(format!("the path \"{input}\" is not valid: {why}"))
        };
        if let Some(open) = trimmed.find('[') {
            let close = trimmed
                .rfind(']')
                .filter(|c| *c > open)
                .ok_or_else(|| invalid("'[' is not closed with ']'".into()))?;
            let attr = AttrPath::parse(&trimmed[..open]).map_err(|e| invalid(e.0))?;
            if attr.sub_attr().is_some() {
                return Err(invalid(
                    "a value filter applies to an attribute, not to a sub-attribute".into(),
                ));
            }
            let text = &trimmed[open + 1..close];
            let parsed = match rules {
                Some(rules) => Filter::parse_with(text, rules),
                None => Filter::parse(text),
            };
            let filter = parsed.map_err(|e| {
                ScimError::invalid_filter(format!(
                    "the filter in the path \"{input}\" is not valid: {e}"
                ))
            })?;
            let rest = &trimmed[close + 1..];
            let sub_attr = if rest.is_empty() {
                None
            } else {
                let sub = rest
                    .strip_prefix('.')
                    .filter(|s| is_attr_name(s))
                    .ok_or_else(|| {
                        invalid(format!(
                            "\"{rest}\" after ']' must be '.' and a sub-attribute name"
                        ))
                    })?;
                Some(sub.to_owned())
            };
            return Ok(Self {
                attr,
                filter: Some(filter),
                sub_attr,
            });
        }
        let path = AttrPath::parse(trimmed).map_err(|e| invalid(e.0))?;
        Ok(Self {
            attr: path.without_sub_attr(),
            filter: None,
            sub_attr: path.sub_attr().map(str::to_owned),
        })
    }
}

impl std::fmt::Display for PatchPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The kind.
    pub op: PatchOpKind,
    /// The target; `None` for path-less `add`/`replace`.
    pub path: Option<PatchPath>,
    /// The value; absent for most `remove`s.
    pub value: Option<Value>,
}

/// A PATCH request: its operations, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Reads a PATCH body. Fails with `invalidSyntax` (or `invalidPath`/`invalidFilter` for a
    /// bad path) naming the operation at fault.
    pub fn from_json(body: &Value, rules: &PatchRules) -> ScimResult<Self> {
        Self::from_value(body.clone(), rules)
    }

    /// Reads a PATCH body it owns, moving the operation values instead of copying them.
    pub fn from_value(body: Value, rules: &PatchRules) -> ScimResult<Self> {
        let Value::Object(mut map) = body else {
            return Err(ScimError::invalid_syntax(
                "the PATCH body must be a JSON object with \"Operations\"",
            ));
        };
        match get_ci(&map, "schemas") {
            Some(Value::Array(urns))
                if urns.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
                }) => {}
            None if !rules.require_patch_schema => note(Leniency::PatchWithoutSchemas),
            None => {
                return Err(ScimError::invalid_syntax(format!(
                    "\"schemas\" is missing; it must be [\"{PATCH_OP_SCHEMA}\"] (switch patchWithoutSchemas)"
                )));
            }
            _ => {
                return Err(ScimError::invalid_syntax(format!(
                    "\"schemas\" must be [\"{PATCH_OP_SCHEMA}\"]"
                )));
            }
        }
        let Some(Value::Array(ops)) = take_ci(&mut map, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" must be an array of operations",
            ));
        };
        if ops.is_empty() {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" is empty; send at least one operation",
            ));
        }
        let operations = ops
            .into_iter()
            .enumerate()
            .map(|(i, op)| read_operation(op, rules).map_err(|e| e.at(format!("Operations[{i}]"))))
            .collect::<ScimResult<Vec<_>>>()?;
        Ok(Self { operations })
    }
}

/// Removes a key, matched case-insensitively, and returns its value.
fn take_ci(map: &mut serde_json::Map<String, Value>, key: &str) -> Option<Value> {
    let found = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    map.shift_remove(&found)
}

fn read_operation(op: Value, rules: &PatchRules) -> ScimResult<PatchOperation> {
    let Value::Object(mut map) = op else {
        return Err(ScimError::invalid_syntax(
            "each operation must be a JSON object",
        ));
    };
    let kind = match get_ci(&map, "op") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("add") => PatchOpKind::Add,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("remove") => PatchOpKind::Remove,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("replace") => PatchOpKind::Replace,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "\"op\" is {}; it must be add, remove or replace",
                describe(other)
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(
                "\"op\" is missing; it must be add, remove or replace",
            ));
        }
    };
    if let Some(Value::String(written)) = get_ci(&map, "op")
        && written != kind.as_str()
    {
        if !rules.any_case_ops {
            return Err(ScimError::invalid_syntax(format!(
                "\"op\" is \"{written}\"; this configuration takes \"{}\" in lower case, as RFC 7644 §3.5.2 spells it (switch anyCaseOps)",
                kind.as_str()
            )));
        }
        note(Leniency::AnyCaseOps);
    }
    let path = match get_ci(&map, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(PatchPath::parse_with(s, rules.filter)?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "\"path\" must be a string, got {}",
                describe(other)
            )));
        }
    };
    let value = take_ci(&mut map, "value");
    match (kind, &path, &value) {
        (PatchOpKind::Remove, None, _) => {
            Err(ScimError::no_target("a remove operation needs a \"path\""))
        }
        (PatchOpKind::Remove, Some(path), Some(v)) if !v.is_null() => {
            if !rules.remove_listed_values {
                return Err(ScimError::invalid_syntax(format!(
                    "a remove operation takes no \"value\" (RFC 7644 §3.5.2.2); to remove one value use a filter such as {}[value eq \"…\"] (switch removeListedValues)",
                    path.attr
                )));
            }
            note(Leniency::RemoveListedValues);
            Ok(PatchOperation {
                op: kind,
                path: Some(path.clone()),
                value,
            })
        }
        (PatchOpKind::Add | PatchOpKind::Replace, _, None) => Err(ScimError::invalid_syntax(
            format!("an {} operation needs a \"value\"", kind.as_str()),
        )),
        (PatchOpKind::Add | PatchOpKind::Replace, None, _) if !rules.pathless => {
            Err(ScimError::invalid_syntax(format!(
                "an {} operation without a \"path\" is not accepted by this configuration (interoperability profile §6.5.1.1; switch pathlessPatch)",
                kind.as_str()
            )))
        }
        (PatchOpKind::Add | PatchOpKind::Replace, None, Some(v)) if !v.is_object() => {
            Err(ScimError::invalid_syntax(format!(
                "without a \"path\", the value of an {} operation must be an object of attributes, got {}",
                kind.as_str(),
                describe(v)
            )))
        }
        (PatchOpKind::Add | PatchOpKind::Replace, None, Some(_)) => {
            note(Leniency::PathlessPatch);
            Ok(PatchOperation {
                op: kind,
                path,
                value,
            })
        }
        _ => Ok(PatchOperation {
            op: kind,
            path,
            value,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_paths_with_filters_and_sub_attributes() {
        let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr.name(), "emails");
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
        let p = PatchPath::parse(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#)
            .unwrap();
        assert!(p.filter.is_some() && p.sub_attr.is_none());
        let p = PatchPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            (p.attr.name(), p.sub_attr.as_deref()),
            ("manager", Some("value"))
        );
        let p = PatchPath::parse(r#"emails[value eq "a]b"].display"#).unwrap();
        assert_eq!(p.sub_attr.as_deref(), Some("display"));
    }

    #[test]
    fn bad_paths_are_invalid_path_or_invalid_filter() {
        use crate::ScimType;
        assert_eq!(
            PatchPath::parse("emails[type eq \"work\"")
                .unwrap_err()
                .scim_type(),
            Some(ScimType::InvalidPath)
        );
        assert_eq!(
            PatchPath::parse("emails[type eqq \"work\"]")
                .unwrap_err()
                .scim_type(),
            Some(ScimType::InvalidFilter)
        );
        assert_eq!(
            PatchPath::parse("emails[type eq \"work\"]value")
                .unwrap_err()
                .scim_type(),
            Some(ScimType::InvalidPath)
        );
        assert_eq!(
            PatchPath::parse("9lives").unwrap_err().scim_type(),
            Some(ScimType::InvalidPath)
        );
    }

    #[test]
    fn reads_entra_capitalised_ops_and_rejects_malformed_bodies() {
        let rules = PatchRules::default();
        let req = PatchRequest::from_json(
            &json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"Op": "Replace", "Path": "active", "Value": "False"}]}),
            &rules,
        )
        .unwrap();
        assert_eq!(req.operations[0].op, PatchOpKind::Replace);
        assert_eq!(req.operations[0].value, Some(json!("False")));
        let err = |body: Value| {
            PatchRequest::from_json(&body, &rules)
                .unwrap_err()
                .detail()
                .to_owned()
        };
        assert!(err(json!([])).contains("JSON object"));
        assert!(err(json!({"Operations": []})).contains("empty"));
        assert!(
            err(json!({"Operations": [{"op": "move", "path": "a"}]}))
                .contains("Operations[0]: \"op\" is \"move\"")
        );
        assert!(err(json!({"Operations": [{"op": "remove"}]})).contains("needs a \"path\""));
        assert!(
            err(json!({"Operations": [{"op": "add", "path": "title"}]}))
                .contains("needs a \"value\"")
        );
        assert!(
            err(json!({"Operations": [{"op": "replace", "value": 5}]}))
                .contains("must be an object")
        );
        assert!(
            err(
                json!({"schemas": ["urn:wrong"], "Operations": [{"op": "remove", "path": "title"}]})
            )
            .contains("schemas")
        );
        let strict = PatchRules {
            pathless: false,
            require_patch_schema: true,
            ..PatchRules::default()
        };
        assert!(
            PatchRequest::from_json(
                &json!({"Operations": [{"op": "remove", "path": "title"}]}),
                &strict
            )
            .is_err()
        );
        let pathless = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "replace", "value": {"active": false}}]});
        assert_eq!(
            PatchRequest::from_json(&pathless, &strict)
                .unwrap_err()
                .scim_type(),
            Some(crate::ScimType::InvalidSyntax)
        );
    }
}
