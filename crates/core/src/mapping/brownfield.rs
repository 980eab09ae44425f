//! Brown-field provisioning: the users a target already has are imported (CSV whose header row
//! names SCIM paths, or JSON: an array of SCIM users or a ListResponse) before the identity
//! provider's first cycle; its first POST of a matching user links the imported one — by the
//! plan's matching attributes, primary first — instead of creating a duplicate.

use crate::db;
use scim::patch::{PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use scim::{InputRules, PatchRules, Resource, SchemaRegistry};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::audit::{self, Actor, Subject};
use crate::configuration::Configuration;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// Users read from an import file, with the rows that could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportRows {
    /// The users, as SCIM JSON.
    pub users: Vec<Value>,
    /// Rows that could not be read: 1-based line number (CSV) or position (JSON) and why.
    pub rejected: Vec<(usize, String)>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Users imported, waiting to be linked.
    pub imported: usize,
    /// Rows refused: where and why.
    pub rejected: Vec<ImportProblem>,
}

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblem {
    /// The line (CSV, counting the header as 1) or position (JSON, from 1).
    pub row: usize,
    /// Why.
    pub reason: String,
}

/// Reads a CSV whose header row names SCIM paths (`userName`, `name.givenName`,
/// `emails[type eq "work"].value`, enterprise URN paths). Empty cells are left out.
pub fn users_from_csv(text: &str, registry: &SchemaRegistry) -> CoreResult<ImportRows> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CoreError::invalid("file", format!("the CSV header row cannot be read: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut paths = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let path = PatchPath::parse(h).map_err(|e| {
            CoreError::invalid(
                "file",
                format!("column {} (\"{h}\"): {}", i + 1, e.detail()),
            )
        })?;
        if registry.user().resolve(&path.attr).is_none() {
            return Err(CoreError::invalid(
                "file",
                format!(
                    "column {} (\"{h}\") is not an attribute of the User schema",
                    i + 1
                ),
            ));
        }
        paths.push(path);
    }
    let mut rows = ImportRows::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rows.rejected.push((line, format!("unreadable: {e}")));
                continue;
            }
        };
        let operations: Vec<PatchOperation> = record
            .iter()
            .zip(&paths)
            .filter(|(cell, _)| !cell.is_empty())
            .map(|(cell, path)| PatchOperation {
                op: if path.filter.is_some() {
                    PatchOpKind::Replace
                } else {
                    PatchOpKind::Add
                },
                path: Some(path.clone()),
                value: Some(Value::String(cell.to_owned())),
            })
            .collect();
        let empty = Resource::from_map(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        match scim::patch::apply(
            &empty,
            &PatchRequest { operations },
            registry.user(),
            &PatchRules::default(),
        ) {
            Ok(outcome) => rows.users.push(Value::Object(outcome.resource.into_map())),
            Err(e) => rows.rejected.push((line, e.detail().to_owned())),
        }
    }
    Ok(rows)
}

/// Reads JSON: an array of SCIM users, or a ListResponse (`Resources`).
pub fn users_from_json(text: &str) -> CoreResult<ImportRows> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| CoreError::invalid("file", format!("not JSON: {e}")))?;
    let list = match value {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("Resources") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(CoreError::invalid(
                    "file",
                    "expected an array of SCIM users or a ListResponse with Resources",
                ));
            }
        },
        _ => {
            return Err(CoreError::invalid(
                "file",
                "expected an array of SCIM users",
            ));
        }
    };
    Ok(ImportRows {
        users: list,
        rejected: Vec::new(),
    })
}

impl Store {
    /// Imports existing target users; each waits for the identity provider's first matching
    /// POST. Rows already present (same userName) or invalid are reported, not fatal.
    pub async fn import_users(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        rows: ImportRows,
        actor: &Actor,
    ) -> CoreResult<ImportReport> {
        let mut report = ImportReport {
            imported: 0,
            rejected: rows
                .rejected
                .into_iter()
                .map(|(row, reason)| ImportProblem { row, reason })
                .collect(),
        };
        for (i, user) in rows.users.into_iter().enumerate() {
            let mut user = user;
            if let Value::Object(map) = &mut user {
                // The target's own ids and times mean nothing here.
                map.shift_remove("id");
                map.shift_remove("meta");
            }
            match self
                .insert_user(configuration, registry, user, &InputRules::default(), true)
                .await
            {
                Ok(_) => report.imported += 1,
                Err(e) => report.rejected.push(ImportProblem {
                    row: i + 1,
                    reason: e.to_scim().detail().to_owned(),
                }),
            }
        }
        let mut w = self.writer().await?;
        audit::record(
            &mut w,
            self.now_us(),
            actor,
            "users.import",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: None,
            },
            &json!({"imported": report.imported, "rejected": report.rejected.len()}),
        )
        .await?;
        drop(w);
        // Every process learns that imported users now wait to be linked.
        self.auth_cache().bump().await?;
        Ok(report)
    }

    /// An imported, not yet linked user matching `resource` on one of `paths`, in order; with
    /// `local_part`, then one whose userName is the local part of a matching value that is an
    /// email (`ada` for `ada@contoso.com`).
    pub(crate) async fn imported_match(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        resource: &Map<String, Value>,
        paths: &[String],
        local_part: bool,
    ) -> CoreResult<Option<(String, String)>> {
        let schema = registry.user();
        let mut locals = Vec::new();
        for path_text in paths {
            let Some(value) = super::plan::text_at(resource, path_text, schema) else {
                continue;
            };
            if let Some(id) = self
                .imported_with(configuration, schema, path_text, &value)
                .await?
            {
                return Ok(Some((id, path_text.clone())));
            }
            if let Some((local, _)) = value.split_once('@').filter(|(l, _)| !l.is_empty()) {
                locals.push((local.to_owned(), path_text.clone()));
            }
        }
        if local_part {
            for (local, path_text) in locals {
                if let Some(id) = self
                    .imported_with(configuration, schema, "userName", &local)
                    .await?
                {
                    return Ok(Some((
                        id,
                        format!("the local part of {path_text} (userName {local})"),
                    )));
                }
            }
        }
        Ok(None)
    }

    /// An imported, not yet linked user whose value at `path` is `value`.
    async fn imported_with(
        &self,
        configuration: &Configuration,
        schema: &scim::ResourceSchema,
        path: &str,
        value: &str,
    ) -> CoreResult<Option<String>> {
        let candidates = self
            .users_with_value(configuration, schema, path, value, 10)
            .await?;
        for candidate in candidates {
            let Some(id) = candidate.get("id").and_then(Value::as_str) else {
                continue;
            };
            let imported = db::query(
                "SELECT imported_us FROM users WHERE configuration_id = ? AND id = ? AND imported_us IS NOT NULL",
            )
            .bind(configuration.id.to_string())
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            if let Some(row) = imported {
                let _: i64 = row.try_get("imported_us")?;
                return Ok(Some(id.to_owned()));
            }
        }
        Ok(None)
    }
}
