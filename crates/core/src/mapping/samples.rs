//! Samples for a test run picked from the provisioning log: the user a logged create or replace
//! sent, or the user a logged PATCH would have produced — so a consultant can replay a request
//! that failed (or passed) against a plan being edited.

use scim::{InputRules, PatchRules, Resource, ResourceSchema};
use serde_json::{Map, Value};

use super::plan::Operation;
use crate::error::{CoreError, CoreResult};
use crate::logs::MAX_BODY;
use crate::store::Store;

/// A sample made from one log record.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedSample {
    /// The SCIM user to evaluate.
    pub resource: Map<String, Value>,
    /// A create (logged POST) or an update (logged PUT or PATCH).
    pub operation: Operation,
    /// What the reader should know about how the sample was made.
    pub notes: Vec<String>,
}

/// The redaction mark of logged bodies.
const REDACTED: &str = "***";

impl Store {
    /// The sample a logged user create, replace or patch gives. A PATCH is applied to the
    /// user as stored now (so a rejected PATCH shows what it would have made); values redacted
    /// when logged (`password`) are left out and say so in `notes`.
    pub async fn sample_from_log(
        &self,
        seq: i64,
        schema: &ResourceSchema,
    ) -> CoreResult<LoggedSample> {
        let entry = self.log_entry(seq).await?;
        let what = format!(
            "record {seq} ({} {})",
            entry.method,
            entry.path.split('?').next().unwrap_or_default()
        );
        if entry.resource_type.as_deref() != Some("User")
            || !matches!(entry.method.as_str(), "POST" | "PUT" | "PATCH")
            || entry.path.contains("/.search")
        {
            return Err(CoreError::invalid(
                "logEntry",
                format!("{what} is not a user create, replace or patch"),
            ));
        }
        let text = entry
            .request_body
            .as_deref()
            .ok_or_else(|| CoreError::invalid("logEntry", format!("{what} has no request body")))?;
        if text.len() > MAX_BODY {
            return Err(CoreError::invalid(
                "logEntry",
                format!(
                    "{what}: its body was longer than {} KiB and was cut when logged; paste the request as a sample instead",
                    MAX_BODY / 1024
                ),
            ));
        }
        let mut body: Value = serde_json::from_str(text).map_err(|_| {
            CoreError::invalid(
                "logEntry",
                format!("{what}: its body is not JSON (the request was refused unread)"),
            )
        })?;
        let mut notes = Vec::new();
        let dropped = drop_redacted(&mut body);
        if !dropped.is_empty() {
            notes.push(format!(
                "{} redacted when logged: left out of the sample",
                dropped.join(", ")
            ));
        }
        let invalid =
            |e: scim::ScimError| CoreError::invalid("logEntry", format!("{what}: {}", e.detail()));
        let (resource, operation) = match entry.method.as_str() {
            "PATCH" => {
                let id = entry.resource_id.as_deref().unwrap_or_default();
                let configuration = self.configuration(entry.configuration_id).await?;
                let current = self.get_user(&configuration, id).await.map_err(|e| match e {
                    CoreError::NotFound(_) => CoreError::invalid(
                        "logEntry",
                        format!("{what}: user {id} no longer exists, so the PATCH cannot be replayed"),
                    ),
                    other => other,
                })?;
                let outcome = scim::patch::apply_json(
                    &Resource::from_map(current),
                    &body,
                    schema,
                    &PatchRules::default(),
                )
                .map_err(invalid)?;
                notes.push(format!("the PATCH applied to user {id} as stored now"));
                (outcome.resource, Operation::Update)
            }
            method => {
                let resource = Resource::from_request(body, schema, &InputRules::default())
                    .map_err(invalid)?;
                let op = if method == "POST" {
                    Operation::Create
                } else {
                    Operation::Update
                };
                (resource, op)
            }
        };
        Ok(LoggedSample {
            resource: resource.into_map(),
            operation,
            notes,
        })
    }
}

/// Removes members whose value was redacted, at any depth (and PATCH operations that carried
/// one), naming them.
fn drop_redacted(body: &mut Value) -> Vec<String> {
    fn walk(v: &mut Value, dropped: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                map.retain(|k, inner| {
                    let keep = inner.as_str() != Some(REDACTED);
                    if !keep {
                        dropped.push(k.clone());
                    }
                    keep
                });
                for inner in map.values_mut() {
                    walk(inner, dropped);
                }
            }
            Value::Array(items) => {
                // A PATCH operation whose whole value was redacted goes with it.
                items.retain(|item| {
                    let redacted = item.get("value").and_then(Value::as_str) == Some(REDACTED);
                    if redacted {
                        let path = item.get("path").and_then(Value::as_str).unwrap_or("value");
                        dropped.push(path.to_owned());
                    }
                    !redacted
                });
                for item in items.iter_mut() {
                    walk(item, dropped);
                }
            }
            _ => {}
        }
    }
    let mut dropped = Vec::new();
    walk(body, &mut dropped);
    dropped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn redacted_values_and_operations_are_dropped_and_named() {
        let mut create = json!({"userName": "a", "password": "***"});
        assert_eq!(drop_redacted(&mut create), ["password"]);
        assert_eq!(create, json!({"userName": "a"}));
        let mut patch = json!({"Operations": [
            {"op": "replace", "path": "password", "value": "***"},
            {"op": "replace", "value": {"password": "***", "active": true}}
        ]});
        assert_eq!(drop_redacted(&mut patch), ["password", "password"]);
        assert_eq!(
            patch,
            json!({"Operations": [{"op": "replace", "value": {"active": true}}]})
        );
        let mut nested = json!({"urn:x:User": {"secret": "***", "badge": "1"}});
        assert_eq!(drop_redacted(&mut nested), ["secret"]);
        assert_eq!(nested, json!({"urn:x:User": {"badge": "1"}}));
    }
}
