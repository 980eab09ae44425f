//! Configurations in the store: created, listed, found by id, slug or name, changed and
//! deleted — each change written to the audit log with what it changed.

use serde_json::{Map, Value, json};

use super::{
    COLUMNS, Configuration, ConfigurationId, ConfigurationUpdate, MAX_SLUG, NewConfiguration,
    check_provisioning, check_slug, clean_description, clean_name, clean_protected, conflict,
    from_row, slug_from_name,
};
use crate::audit::{self, Actor, Subject};
use crate::compatibility::Compatibility;
use crate::db::{self, Link};
use crate::error::{CoreError, CoreResult};
use crate::mapping::templates::PlanTemplate;
use crate::store::Store;

impl Store {
    /// Creates a configuration.
    pub async fn create_configuration(
        &self,
        new: NewConfiguration,
        actor: &Actor,
    ) -> CoreResult<Configuration> {
        let name = clean_name(&new.name)?;
        let description = clean_description(&new.description)?;
        let explicit_slug = new
            .slug
            .as_deref()
            .map(|s| check_slug(s.trim()))
            .transpose()?;
        check_provisioning(new.provision_users, new.provision_groups)?;
        let protected = clean_protected(&new.protected_accounts)?;
        let policy = new.token_policy.check()?;
        let retention = new.log_retention.check()?;
        let id = ConfigurationId::new();
        let now = self.now_us();
        let mut w = self.writer().await?;
        let taken = |column: &'static str, value: String| async move {
            db::query(format!("SELECT 1 FROM configurations WHERE {column} = ?"))
                .bind(value)
                .fetch_optional(self.pool())
                .await
                .map(|r| r.is_some())
        };
        if taken("name_folded", name.to_lowercase()).await? {
            return Err(CoreError::Conflict(format!(
                "a configuration named \"{name}\" already exists"
            )));
        }
        // A derived slug that is taken gets a numeric suffix; an explicit one is the admin's choice.
        let slug = if let Some(slug) = explicit_slug {
            slug
        } else {
            let base = slug_from_name(&name);
            let mut candidate = base.clone();
            let mut n = 2;
            while taken("slug", candidate.clone()).await? {
                let suffix = format!("-{n}");
                let room = MAX_SLUG - suffix.len();
                candidate = format!(
                    "{}{suffix}",
                    base.chars()
                        .take(room)
                        .collect::<String>()
                        .trim_end_matches('-')
                );
                n += 1;
            }
            candidate
        };
        let mut tx = w.begin().await?;
        db::query(
            "INSERT INTO configurations (id, name, name_folded, slug, description, enabled, provision_users, provision_groups, put_semantics, keep_passwords, protected_accounts,
                                         token_max_lifetime_days, token_rotation_days, token_max_active, token_rotation_grace_hours, client_authentication, log_retention_days, log_retention_records, client_profile, compatibility, created_us, updated_us)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&slug)
        .bind(&description)
        .bind(new.enabled)
        .bind(new.provision_users)
        .bind(new.provision_groups)
        .bind(new.put_semantics.as_str())
        .bind(new.keep_passwords)
        .bind(serde_json::to_string(&protected).unwrap_or_else(|_| "[]".into()))
        .bind(policy.max_lifetime_days)
        .bind(policy.rotation_days)
        .bind(policy.max_active)
        .bind(policy.rotation_grace_hours)
        .bind(new.client_authentication.as_str())
        .bind(retention.max_age_days)
        .bind(retention.max_records)
        .bind(new.client_profile.as_str())
        .bind(serde_json::to_string(&new.compatibility).unwrap_or_else(|_| "{}".into()))
        .bind(now)
        .bind(now)
        .execute(&mut tx)
        .await
        .map_err(|e| conflict(e, &name, &slug))?;
        let created = self.configuration_on(&mut tx, id).await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "configuration.create",
            Subject {
                configuration: Some((id, &created.name)),
                target: None,
            },
            &serde_json::to_value(&created).unwrap_or_default(),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Creates a configuration and, when a template is named, saves the template's plan as
    /// its first mapping plan version (both audited). The admin API and the CLI create with it.
    pub async fn create_configuration_from_template(
        &self,
        new: NewConfiguration,
        template: Option<PlanTemplate>,
        schema: &scim::ResourceSchema,
        actor: &Actor,
    ) -> CoreResult<Configuration> {
        let created = self.create_configuration(new, actor).await?;
        if let Some(template) = template {
            self.save_mapping_plan(
                created.id,
                &template.plan(),
                schema,
                &format!("From the {} template", template.title()),
                actor,
            )
            .await?;
        }
        Ok(created)
    }

    /// Every configuration, by name.
    pub async fn list_configurations(&self) -> CoreResult<Vec<Configuration>> {
        let rows = db::query(format!(
            "SELECT {COLUMNS} FROM configurations ORDER BY name_folded"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// A configuration by id.
    pub async fn configuration(&self, id: ConfigurationId) -> CoreResult<Configuration> {
        let mut conn = self.pool().acquire().await?;
        self.configuration_on(&mut conn, id).await
    }

    /// A configuration by id, read on a given connection (inside a write's transaction).
    pub(crate) async fn configuration_on(
        &self,
        conn: &mut impl Link,
        id: ConfigurationId,
    ) -> CoreResult<Configuration> {
        let row = db::query(format!("SELECT {COLUMNS} FROM configurations WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("configuration {id}")))?;
        from_row(&row)
    }

    /// A configuration by its URL slug.
    pub async fn configuration_by_slug(&self, slug: &str) -> CoreResult<Configuration> {
        let row = db::query(format!(
            "SELECT {COLUMNS} FROM configurations WHERE slug = ?"
        ))
        .bind(slug)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("configuration \"{slug}\"")))?;
        from_row(&row)
    }

    /// A configuration by id, slug or name (case-insensitive), as an admin types it.
    pub async fn find_configuration(&self, key: &str) -> CoreResult<Configuration> {
        let key = key.trim();
        if let Some(id) = ConfigurationId::parse(key) {
            return self.configuration(id).await;
        }
        let row = db::query(format!(
            "SELECT {COLUMNS} FROM configurations WHERE slug = ? OR name_folded = ? LIMIT 1"
        ))
        .bind(key)
        .bind(key.to_lowercase())
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("configuration \"{key}\"")))?;
        from_row(&row)
    }

    /// Changes a configuration.
    pub async fn update_configuration(
        &self,
        id: ConfigurationId,
        update: ConfigurationUpdate,
        actor: &Actor,
    ) -> CoreResult<Configuration> {
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let current = self.configuration_on(&mut tx, id).await?;
        let name = match &update.name {
            Some(n) => clean_name(n)?,
            None => current.name.clone(),
        };
        let description = match &update.description {
            Some(d) => clean_description(d)?,
            None => current.description.clone(),
        };
        let slug = match &update.slug {
            Some(s) => check_slug(s.trim())?,
            None => current.slug.clone(),
        };
        let users = update.provision_users.unwrap_or(current.provision_users);
        let groups = update.provision_groups.unwrap_or(current.provision_groups);
        check_provisioning(users, groups)?;
        let protected = match &update.protected_accounts {
            Some(p) => clean_protected(p)?,
            None => current.protected_accounts.clone(),
        };
        let policy = update
            .token_policy
            .unwrap_or(current.token_policy)
            .check()?;
        let retention = update
            .log_retention
            .unwrap_or(current.log_retention)
            .check()?;
        let profile = update.client_profile.unwrap_or(current.client_profile);
        let base = match update.client_profile {
            Some(p) => Compatibility::for_profile(p),
            None => current.compatibility,
        };
        let compatibility = match &update.compatibility {
            Some(changes) => base.with_changes(changes)?,
            None => base,
        };
        let client_authentication = update
            .client_authentication
            .unwrap_or(current.client_authentication);
        let now = self.now_us();
        db::query(
            "UPDATE configurations SET name = ?, name_folded = ?, slug = ?, description = ?, enabled = ?, provision_users = ?, provision_groups = ?,
             put_semantics = ?, keep_passwords = ?, protected_accounts = ?, token_max_lifetime_days = ?, token_rotation_days = ?, token_max_active = ?, token_rotation_grace_hours = ?,
             client_authentication = ?, log_retention_days = ?, log_retention_records = ?, client_profile = ?, compatibility = ?, updated_us = ? WHERE id = ?",
        )
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&slug)
        .bind(&description)
        .bind(update.enabled.unwrap_or(current.enabled))
        .bind(users)
        .bind(groups)
        .bind(update.put_semantics.unwrap_or(current.put_semantics).as_str())
        .bind(update.keep_passwords.unwrap_or(current.keep_passwords))
        .bind(serde_json::to_string(&protected).unwrap_or_else(|_| "[]".into()))
        .bind(policy.max_lifetime_days)
        .bind(policy.rotation_days)
        .bind(policy.max_active)
        .bind(policy.rotation_grace_hours)
        .bind(client_authentication.as_str())
        .bind(retention.max_age_days)
        .bind(retention.max_records)
        .bind(profile.as_str())
        .bind(serde_json::to_string(&compatibility).unwrap_or_else(|_| "{}".into()))
        .bind(now)
        .bind(id.to_string())
        .execute(&mut tx)
        .await
        .map_err(|e| conflict(e, &name, &slug))?;
        let updated = self.configuration_on(&mut tx, id).await?;
        let changes = changed_fields(&current, &updated);
        if !changes.is_empty() {
            audit::record(
                &mut tx,
                now,
                actor,
                "configuration.update",
                Subject {
                    configuration: Some((id, &updated.name)),
                    target: None,
                },
                &Value::Object(changes),
            )
            .await?;
        }
        tx.commit().await?;
        self.auth_cache().bump().await?;
        Ok(updated)
    }

    /// Deletes a configuration with its tokens and directory.
    /// Every token and OAuth client of the configuration goes with it (so they stop working
    /// on the next request); the audit log keeps a record of how many.
    pub async fn delete_configuration(&self, id: ConfigurationId, actor: &Actor) -> CoreResult<()> {
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let current = self.configuration_on(&mut tx, id).await?;
        let now = self.now_us();
        let live_tokens: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM tokens WHERE configuration_id = ? AND (revoked_us IS NULL OR revoked_us > ?)",
        )
        .bind(id.to_string())
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        db::query("DELETE FROM configurations WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "configuration.delete",
            Subject {
                configuration: Some((id, &current.name)),
                target: None,
            },
            &json!({"slug": current.slug, "tokensRevoked": live_tokens}),
        )
        .await?;
        tx.commit().await?;
        self.auth_cache().bump().await?;
        Ok(())
    }
}

/// The fields that differ between two versions of a configuration, with old and new values.
fn changed_fields(old: &Configuration, new: &Configuration) -> Map<String, Value> {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Map::new();
    };
    new.iter()
        .filter(|(k, v)| *k != "updated" && old.get(*k) != Some(*v))
        .map(|(k, v)| {
            (
                k.clone(),
                json!({"old": old.get(k).cloned().unwrap_or(Value::Null), "new": v}),
            )
        })
        .collect()
}
