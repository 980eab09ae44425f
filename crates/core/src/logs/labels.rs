//! What a log record says about the resource it concerns, so that an admin finds every record
//! of a person by what they know of them: the name (userName / displayName) and the keys (the
//! externalId and emails) — from the resource a request wrote or read, and, for a request that
//! failed or deleted, from the resource as stored.

use serde_json::{Map, Value};

use super::caps::MAX_KEYS;
use crate::configuration::ConfigurationId;
use crate::db;
use crate::error::CoreResult;
use crate::store::Store;

/// A resource's name and search keys at the time of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceLabel {
    /// Its userName (a user) or displayName (a group).
    pub name: Option<String>,
    /// Its externalId and emails, space-separated (none when it has neither).
    pub keys: Option<String>,
}

impl ResourceLabel {
    /// The label of a SCIM resource (a request's body or a stored resource).
    pub fn of(resource: &Map<String, Value>) -> Self {
        let name = resource
            .get("userName")
            .or_else(|| resource.get("displayName"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let external_id = resource.get("externalId").and_then(Value::as_str);
        let emails = resource
            .get("emails")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("value").and_then(Value::as_str));
        Self {
            name,
            keys: keys(external_id.into_iter().chain(emails)),
        }
    }
}

/// Keys joined by spaces, at most [`MAX_KEYS`] bytes of them (whole keys only).
fn keys<'a>(items: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut joined = String::new();
    for item in items.map(str::trim).filter(|k| !k.is_empty()) {
        if joined.len() + item.len() + 1 > MAX_KEYS {
            break;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(item);
    }
    (!joined.is_empty()).then_some(joined)
}

impl Store {
    /// The label of a stored user (`resource_type` `User`) or group (`Group`), if it exists:
    /// one primary-key read, made only for a record whose reply named no resource (a failed
    /// request, a DELETE).
    pub async fn resource_label(
        &self,
        configuration: ConfigurationId,
        resource_type: &str,
        id: &str,
    ) -> CoreResult<Option<ResourceLabel>> {
        let sql = match resource_type {
            "User" => {
                "SELECT user_name AS name, external_id, data FROM users WHERE configuration_id = ? AND id = ?"
            }
            "Group" => {
                "SELECT display_name AS name, external_id, NULL AS data FROM groups WHERE configuration_id = ? AND id = ?"
            }
            _ => return Ok(None),
        };
        let Some(row) = db::query(sql)
            .bind(configuration.to_string())
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let name: Option<String> = row.try_get("name")?;
        let external_id: Option<String> = row.try_get("external_id")?;
        let data: Option<String> = row.try_get("data")?;
        let stored: Option<Value> = data.and_then(|d| serde_json::from_str(&d).ok());
        let emails = stored
            .as_ref()
            .and_then(|d| d.get("emails"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("value").and_then(Value::as_str));
        Ok(Some(ResourceLabel {
            name,
            keys: keys(external_id.as_deref().into_iter().chain(emails)),
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_is_labelled_by_user_name_external_id_and_emails() {
        let user = json!({
            "userName": "carol@contoso.com",
            "externalId": "e-42",
            "emails": [{"value": "carol@contoso.com"}, {"value": "c.b@home.example"}, {"type": "work"}],
        });
        let label = ResourceLabel::of(user.as_object().unwrap());
        assert_eq!(label.name.as_deref(), Some("carol@contoso.com"));
        assert_eq!(
            label.keys.as_deref(),
            Some("e-42 carol@contoso.com c.b@home.example")
        );
    }

    #[test]
    fn a_group_is_labelled_by_display_name_and_keys_are_capped_whole() {
        let group = json!({"displayName": "Sales", "externalId": "g"});
        let label = ResourceLabel::of(group.as_object().unwrap());
        assert_eq!(label.name.as_deref(), Some("Sales"));
        assert_eq!(label.keys.as_deref(), Some("g"));
        let long = "x".repeat(MAX_KEYS - 1);
        let joined = keys(["a", long.as_str(), "b"].into_iter()).unwrap();
        assert_eq!(joined, "a");
        assert_eq!(keys(["", " "].into_iter()), None);
    }
}
