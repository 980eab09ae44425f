//! QA → production in the console: a QA configuration is paired with its production one; the
//! two current plans are compared side by side (fields, rules, validators, matching, scoping);
//! promoting saves QA's plan as production's new version — only the QA version the admin
//! reviewed — and the previous production version stays one rollback away.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::plan::{Plan, diff};
use super::versions::PlanVersion;
use crate::audit::{self, Actor, Subject};
use crate::configuration::{Configuration, ConfigurationId};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// Which part of a plan a difference is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PlanSection {
    /// The target's fields (name, type, flags).
    Fields,
    /// The fields' validators.
    Validators,
    /// The rules that fill the fields.
    Rules,
    /// The matching attributes.
    Matching,
    /// Scoping filters.
    Scoping,
    /// Mode, unsupported attributes, groups, the provider side.
    Settings,
}

impl PlanSection {
    /// The section of a JSON pointer into a plan.
    pub fn of(path: &str) -> Self {
        let mut parts = path.trim_start_matches('/').split('/');
        match (parts.next(), parts.nth(1)) {
            (Some("fields"), Some("validators")) => Self::Validators,
            (Some("fields"), _) => Self::Fields,
            (Some("rules"), _) => Self::Rules,
            (Some("matching"), _) => Self::Matching,
            (Some("scoping"), _) => Self::Scoping,
            _ => Self::Settings,
        }
    }
}

/// One difference, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SideBySide {
    /// Which part of the plan.
    pub section: PlanSection,
    /// A JSON pointer (fields and rules keyed by name and target).
    pub path: String,
    /// The value in production now (null: absent).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub production: Value,
    /// The value in QA, which a promotion brings (null: absent).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub qa: Value,
}

/// A configuration named in a pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Paired {
    /// Its id.
    pub id: ConfigurationId,
    /// Its name.
    pub name: String,
}

/// A QA configuration's promotion: where to, and what it would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    /// The production configuration it is paired with, if any.
    pub production: Option<Paired>,
    /// Who paired them, and when.
    pub paired_by: Option<String>,
    /// When.
    pub paired: Option<DateTime<Utc>>,
    /// QA's current plan version (none: QA has no plan yet).
    pub qa_version: Option<i64>,
    /// Production's current plan version (none: it has no plan yet).
    pub production_version: Option<i64>,
    /// What promoting would change, section by section.
    pub differences: Vec<SideBySide>,
}

/// What a promotion did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Promoted {
    /// The production configuration.
    pub production: Paired,
    /// The QA version promoted.
    pub qa_version: i64,
    /// Production's new version.
    pub version: i64,
    /// Production's version before (roll back to it to undo), if it had a plan.
    pub previous_version: Option<i64>,
}

impl Store {
    /// Pairs QA `qa` with `production` (audited). A configuration is not its own production,
    /// and a production configuration is not itself promoted from (no chains).
    pub async fn pair_configurations(
        &self,
        qa: &Configuration,
        production: &Configuration,
        actor: &Actor,
    ) -> CoreResult<()> {
        if qa.id == production.id {
            return Err(CoreError::invalid(
                "production",
                "a configuration cannot be its own production",
            ));
        }
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query(
            "INSERT INTO configuration_pairs (qa_id, production_id, updated_us, updated_by) VALUES (?, ?, ?, ?)
             ON CONFLICT (qa_id) DO UPDATE SET production_id = excluded.production_id, updated_us = excluded.updated_us,
               updated_by = excluded.updated_by",
        )
        .bind(qa.id.to_string())
        .bind(production.id.to_string())
        .bind(now)
        .bind(&actor.name)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "promotion.pair",
            Subject {
                configuration: Some((qa.id, &qa.name)),
                target: Some(&production.name),
            },
            &json!({"production": production.id.to_string(), "productionName": production.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends QA's pairing (audited).
    pub async fn unpair_configuration(&self, qa: &Configuration, actor: &Actor) -> CoreResult<()> {
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let gone = db::query("DELETE FROM configuration_pairs WHERE qa_id = ?")
            .bind(qa.id.to_string())
            .execute(&mut tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(CoreError::NotFound(format!(
                "a production configuration paired with \"{}\"",
                qa.name
            )));
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "promotion.unpair",
            Subject {
                configuration: Some((qa.id, &qa.name)),
                target: None,
            },
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The production configuration QA is paired with, who paired them and when.
    pub async fn paired_production(
        &self,
        qa: ConfigurationId,
    ) -> CoreResult<Option<(Configuration, String, DateTime<Utc>)>> {
        let row = db::query(
            "SELECT production_id, updated_us, updated_by FROM configuration_pairs WHERE qa_id = ?",
        )
        .bind(qa.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = ConfigurationId::parse(&row.try_get::<String, _>("production_id")?)
            .ok_or_else(|| CoreError::Corrupt("a paired configuration id".into()))?;
        Ok(Some((
            self.configuration(id).await?,
            row.try_get("updated_by")?,
            to_time(row.try_get("updated_us")?)?,
        )))
    }

    /// QA's promotion: its pairing and the side-by-side differences of the two current plans.
    pub async fn promotion(&self, qa: &Configuration) -> CoreResult<Promotion> {
        let qa_plan = self.mapping_plan(qa.id).await?;
        let Some((production, paired_by, paired)) = self.paired_production(qa.id).await? else {
            return Ok(Promotion {
                production: None,
                paired_by: None,
                paired: None,
                qa_version: qa_plan.map(|p| p.version),
                production_version: None,
                differences: Vec::new(),
            });
        };
        let production_plan = self.mapping_plan(production.id).await?;
        let differences = match &qa_plan {
            None => Vec::new(),
            Some(qa_plan) => side_by_side(production_plan.as_ref(), &qa_plan.plan),
        };
        Ok(Promotion {
            production: Some(Paired {
                id: production.id,
                name: production.name,
            }),
            paired_by: Some(paired_by),
            paired: Some(paired),
            qa_version: qa_plan.map(|p| p.version),
            production_version: production_plan.map(|p| p.version),
            differences,
        })
    }

    /// Promotes QA's plan — the version the admin reviewed, `qa_version` — to its production
    /// configuration as a new version (audited there as a save, and here as a promotion).
    /// Refused when QA is not paired, has no plan, or its current version is not the one
    /// reviewed (409: review again).
    pub async fn promote(
        &self,
        qa: &Configuration,
        qa_version: i64,
        schema: &scim::ResourceSchema,
        actor: &Actor,
    ) -> CoreResult<Promoted> {
        let (production, _, _) = self.paired_production(qa.id).await?.ok_or_else(|| {
            CoreError::invalid(
                "production",
                format!(
                    "\"{}\" is not paired with a production configuration",
                    qa.name
                ),
            )
        })?;
        let current = self.mapping_plan(qa.id).await?.ok_or_else(|| {
            CoreError::NotFound(format!("a mapping plan of \"{}\" to promote", qa.name))
        })?;
        if current.version != qa_version {
            return Err(CoreError::Conflict(format!(
                "\"{}\" is at plan version {} now, not the version {qa_version} reviewed: compare again before promoting",
                qa.name, current.version
            )));
        }
        let previous = self.mapping_plan(production.id).await?.map(|p| p.version);
        let comment = format!("promoted from \"{}\" version {}", qa.name, current.version);
        let (saved, _) = self
            .save_mapping_plan(production.id, &current.plan, schema, &comment, actor)
            .await?;
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "promotion.promote",
            Subject {
                configuration: Some((qa.id, &qa.name)),
                target: Some(&production.name),
            },
            &json!({"qaVersion": current.version, "production": production.id.to_string(),
                    "version": saved.version, "previousVersion": previous}),
        )
        .await?;
        tx.commit().await?;
        Ok(Promoted {
            production: Paired {
                id: production.id,
                name: production.name,
            },
            qa_version: current.version,
            version: saved.version,
            previous_version: previous,
        })
    }
}

/// The differences from production's plan (none: an empty one) to QA's, by section.
fn side_by_side(production: Option<&PlanVersion>, qa: &Plan) -> Vec<SideBySide> {
    let empty = Plan {
        fields: Vec::new(),
        rules: Vec::new(),
        matching: Vec::new(),
        ..qa.clone()
    };
    let base = production.map_or(&empty, |p| &p.plan);
    let mut out: Vec<SideBySide> = diff(base, qa)
        .into_iter()
        .map(|d| SideBySide {
            section: PlanSection::of(&d.path),
            path: d.path,
            production: d.old,
            qa: d.new,
        })
        .collect();
    out.sort_by_key(|d| d.section as u8);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::validators::Validator;

    #[test]
    fn differences_are_sorted_into_sections() {
        assert_eq!(
            PlanSection::of("/fields/timezone/validators/0"),
            PlanSection::Validators
        );
        assert_eq!(
            PlanSection::of("/fields/timezone/type"),
            PlanSection::Fields
        );
        assert_eq!(
            PlanSection::of("/rules/userName/transforms"),
            PlanSection::Rules
        );
        assert_eq!(PlanSection::of("/scoping/users/0"), PlanSection::Scoping);
        assert_eq!(PlanSection::of("/matching/1"), PlanSection::Matching);
        assert_eq!(PlanSection::of("/mode"), PlanSection::Settings);
        let production = Plan::default_users();
        let mut qa = production.clone();
        qa.fields[0].validators.push(Validator::Email);
        qa.mode = super::super::plan::Mode::WarnOnly;
        let version = PlanVersion {
            version: 3,
            created: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            created_by: "x".into(),
            comment: String::new(),
            plan: production,
            failing_users: None,
        };
        let d = side_by_side(Some(&version), &qa);
        assert_eq!(
            d.iter().map(|d| d.section).collect::<Vec<_>>(),
            [PlanSection::Validators, PlanSection::Settings]
        );
        assert_eq!(d[1].production, json!("enforce"));
        assert_eq!(d[1].qa, json!("warnOnly"));
    }
}
