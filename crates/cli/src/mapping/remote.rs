//! Mapping plans through a remote console's admin API (`--server`): versions, findings and
//! differences come back as the plans' own types, so `mapping …` prints them as it prints the
//! local ones; `mapping test` runs on the server (its directory, its log) and prints its
//! evaluation.

use anyhow::{Context as _, Result};
use scim_console_core::mapping::plan::{Difference, Finding, Plan};
use scim_console_core::mapping::versions::PlanVersion;
use scim_console_core::{Actor, ConfigurationId, CoreError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::MappingTestArgs;
use crate::api_client::{ApiClient, Refusal, text};
use crate::args::read_json;
use crate::console::Console;
use crate::render::print_json;
use crate::users::read_source_users;

/// The API's answer as the domain type it serialises.
fn read<T: DeserializeOwned>(answer: Value) -> Result<T> {
    serde_json::from_value(answer)
        .context("the server's mapping plan is not in a form this version reads")
}

/// A version and the findings of a save.
fn saved(answer: &Value) -> Result<(PlanVersion, Vec<Finding>)> {
    Ok((
        read(answer["saved"].clone())?,
        read(answer["findings"].clone())?,
    ))
}

impl Console {
    /// The current plan, if the configuration has one.
    pub(crate) async fn mapping_plan(&self, id: ConfigurationId) -> Result<Option<PlanVersion>> {
        match self {
            Self::Local(store) => Ok(store.mapping_plan(id).await?),
            Self::Remote(api) => {
                match api
                    .get(&["api", "configurations", &id.to_string(), "mapping"], &[])
                    .await
                {
                    Ok(v) => Ok(Some(read(v)?)),
                    Err(e)
                        if e.downcast_ref::<Refusal>()
                            .is_some_and(|r| r.status == reqwest::StatusCode::NOT_FOUND) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Every saved version, newest first.
    pub(crate) async fn mapping_plan_versions(
        &self,
        id: ConfigurationId,
    ) -> Result<Vec<PlanVersion>> {
        match self {
            Self::Local(store) => Ok(store.mapping_plan_versions(id).await?),
            Self::Remote(api) => read(
                api.get(
                    &[
                        "api",
                        "configurations",
                        &id.to_string(),
                        "mapping",
                        "versions",
                    ],
                    &[],
                )
                .await?,
            ),
        }
    }

    /// One saved version.
    pub(crate) async fn mapping_plan_version(
        &self,
        id: ConfigurationId,
        version: i64,
    ) -> Result<PlanVersion> {
        match self {
            Self::Local(store) => Ok(store.mapping_plan_version(id, version).await?),
            Self::Remote(_) => self
                .mapping_plan_versions(id)
                .await?
                .into_iter()
                .find(|v| v.version == version)
                .ok_or_else(|| {
                    CoreError::NotFound(format!("version {version} of the mapping plan")).into()
                }),
        }
    }

    /// Saves a plan as the new current version.
    pub(crate) async fn save_mapping_plan(
        &self,
        id: ConfigurationId,
        plan: &Plan,
        comment: &str,
    ) -> Result<(PlanVersion, Vec<Finding>)> {
        match self {
            Self::Local(store) => {
                let registry = scim::SchemaRegistry::standard();
                Ok(store
                    .save_mapping_plan(id, plan, registry.user(), comment, &Actor::cli())
                    .await?)
            }
            Self::Remote(api) => saved(
                &api.put(
                    &["api", "configurations", &id.to_string(), "mapping"],
                    &json!({"plan": plan, "comment": comment}),
                )
                .await?,
            ),
        }
    }

    /// Copies one configuration's current plan to another: the version copied, the new
    /// version and its findings.
    pub(crate) async fn copy_mapping_plan(
        &self,
        from: ConfigurationId,
        to: ConfigurationId,
    ) -> Result<(i64, PlanVersion, Vec<Finding>)> {
        match self {
            Self::Local(store) => {
                let registry = scim::SchemaRegistry::standard();
                let from = store.configuration(from).await?;
                let copied = store
                    .copy_mapping_plan(&from, to, registry.user(), &Actor::cli())
                    .await?;
                Ok((copied.from_version, copied.saved, copied.findings))
            }
            Self::Remote(api) => {
                let from_version = self.mapping_plan(from).await?.map_or(0, |v| v.version);
                let (saved, findings) = saved(
                    &api.post(
                        &["api", "configurations", &to.to_string(), "mapping", "copy"],
                        &json!({ "from": from.to_string() }),
                    )
                    .await?,
                )?;
                Ok((from_version, saved, findings))
            }
        }
    }

    /// Makes an earlier version current again (as a new version).
    pub(crate) async fn rollback_mapping_plan(
        &self,
        id: ConfigurationId,
        version: i64,
    ) -> Result<PlanVersion> {
        match self {
            Self::Local(store) => {
                let registry = scim::SchemaRegistry::standard();
                Ok(store
                    .rollback_mapping_plan(id, version, registry.user(), &Actor::cli())
                    .await?)
            }
            Self::Remote(api) => read(
                api.post(
                    &[
                        "api",
                        "configurations",
                        &id.to_string(),
                        "mapping",
                        "rollback",
                    ],
                    &json!({ "version": version }),
                )
                .await?,
            ),
        }
    }

    /// What changed between two versions.
    pub(crate) async fn mapping_plan_diff(
        &self,
        id: ConfigurationId,
        from: i64,
        to: Option<i64>,
    ) -> Result<Vec<Difference>> {
        match self {
            Self::Local(store) => Ok(store.mapping_plan_diff(id, from, to).await?),
            Self::Remote(api) => {
                let mut query = vec![("from", from.to_string())];
                if let Some(to) = to {
                    query.push(("to", to.to_string()));
                }
                read(
                    api.get(
                        &["api", "configurations", &id.to_string(), "mapping", "diff"],
                        &query,
                    )
                    .await?,
                )
            }
        }
    }
}

/// Prints the server's evaluation of one user as the local `mapping test` prints its own.
fn print_evaluation(view: &Value) {
    for f in view["fields"].as_array().into_iter().flatten() {
        let verdicts: Vec<String> = f["verdicts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| match v["message"].as_str() {
                None => format!("{} ok", text(&v["validator"])),
                Some(m) => format!("{} FAILED: {m}", text(&v["validator"])),
            })
            .collect();
        println!(
            "{:<40} {:<30} {}",
            text(&f["field"]),
            f["value"].to_string(),
            verdicts.join("; ")
        );
    }
    let unsupported: Vec<&str> = view["unsupported"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !unsupported.is_empty() {
        println!("not supported by the target: {}", unsupported.join(", "));
    }
    if view["inScope"] == false {
        println!("out of scope");
    }
    for e in view["errors"].as_array().into_iter().flatten() {
        println!("error: {}", text(e));
    }
}

/// `mapping test` on the server: a sample, a log record, or each user of a source file, with
/// the plan given or the configuration's current one.
pub(crate) async fn test(api: &ApiClient, args: MappingTestArgs) -> Result<()> {
    let c = api.configuration_id(&args.config).await?;
    let path = ["api", "configurations", &c, "mapping", "test"];
    let mut body = serde_json::Map::new();
    if let Some(file) = &args.plan {
        body.insert("plan".into(), read_json::<Value>(file)?);
    }
    if args.update {
        body.insert("operation".into(), "update".into());
    }
    if let Some(file) = &args.source {
        let users = read_source_users(file)?;
        let total = users.len();
        let (mut failed, mut report) = (0, Vec::new());
        for (i, user) in users.into_iter().enumerate() {
            let mut body = body.clone();
            body.insert("source".into(), Value::Object(user));
            let view = api.post(&path, &Value::Object(body)).await?;
            let passed = view["passed"] == true;
            failed += usize::from(!passed);
            if args.json {
                report.push(json!({"row": i + 1, "passed": passed, "evaluation": view}));
                continue;
            }
            println!(
                "{} {}: {}",
                i + 1,
                view["request"]["userName"].as_str().unwrap_or("?"),
                if passed { "PASSED" } else { "FAILED" }
            );
            print_evaluation(&view);
        }
        if args.json {
            print_json(&report)?;
        } else {
            println!("{} of {total} source user(s) pass.", total - failed);
        }
        return if failed == 0 {
            Ok(())
        } else {
            Err(
                CoreError::invalid("source", format!("{failed} source user(s) fail the plan"))
                    .into(),
            )
        };
    }
    if let Some(seq) = args.log_entry {
        body.insert("logEntry".into(), seq.into());
    } else if let Some(file) = &args.sample {
        body.insert("sample".into(), read_json::<Value>(file)?);
    }
    let view = api.post(&path, &Value::Object(body)).await?;
    for note in view["notes"].as_array().into_iter().flatten() {
        eprintln!("note: {}", text(note));
    }
    let passed = view["passed"] == true;
    if args.json {
        print_json(&view)?;
    } else {
        print_evaluation(&view);
        println!("{}", if passed { "PASSED" } else { "FAILED" });
    }
    if passed {
        Ok(())
    } else {
        Err(CoreError::invalid("sample", "the sample fails the plan").into())
    }
}
