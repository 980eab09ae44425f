//! Protected accounts (tenant admins) stay in their groups: provisioning may not take them out.
//! A group write that would remove one keeps it, and says so in a warning; the rest of the
//! change goes through.

use serde_json::{Map, Value, json};

use crate::configuration::Configuration;
use crate::db::{self, Link};
use crate::error::CoreResult;

/// A protected account in a group: its id and userName.
pub(super) struct Kept {
    pub(super) id: String,
    pub(super) user_name: String,
}

impl Kept {
    /// The warning that says this member was kept.
    pub(super) fn warning(&self) -> String {
        format!(
            "kept \"{}\" in the group: a protected account is excluded from provisioning, which may not remove it",
            self.user_name
        )
    }

    /// The member object that puts it back.
    pub(super) fn member(&self) -> Map<String, Value> {
        let mut member = Map::new();
        member.insert("value".into(), json!(self.id));
        member
    }
}

/// The protected accounts among the members of `group` (none, without a query, when the
/// configuration protects no account).
pub(super) async fn protected_members(
    conn: &mut impl Link,
    configuration: &Configuration,
    group: &str,
) -> CoreResult<Vec<Kept>> {
    if configuration.protected_accounts.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = configuration
        .protected_accounts
        .iter()
        .map(|n| n.to_lowercase())
        .collect();
    let sql = format!(
        "SELECT m.member_id, u.user_name FROM group_members m JOIN users u
           ON u.configuration_id = m.configuration_id AND u.id = m.member_id
         WHERE m.configuration_id = ? AND m.group_id = ? AND u.user_name_folded IN ({})",
        vec!["?"; names.len()].join(", ")
    );
    let mut q = db::query(&sql)
        .bind(configuration.id.to_string())
        .bind(group.to_owned());
    for name in &names {
        q = q.bind(name.as_str());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Kept {
                id: row.try_get("member_id")?,
                user_name: row.try_get("user_name")?,
            })
        })
        .collect()
}

/// Adds to `members` (a group's new member list) the protected accounts it leaves out; the
/// warnings for those.
pub(super) fn keep_in(members: &mut Vec<Map<String, Value>>, protected: &[Kept]) -> Vec<String> {
    let mut warnings = Vec::new();
    for kept in protected {
        let present = members
            .iter()
            .any(|m| m.get("value").and_then(Value::as_str) == Some(kept.id.as_str()));
        if !present {
            members.push(kept.member());
            warnings.push(kept.warning());
        }
    }
    warnings
}
