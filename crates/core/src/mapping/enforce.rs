//! The current mapping plan enforced on every write: scoping, unsupported attributes and
//! validators judged by what a write changes ([`UserWrite`]) — never refusing a deactivation,
//! a removal or a DELETE — and the resource shaped for storage.

use std::collections::BTreeSet;
use std::sync::Arc;

use scim::secrets::Secrets;
use scim::{ResourceSchema, ScimError};
use serde_json::{Map, Value};

use super::plan::{CompiledPlan, Evaluation, Mode, Operation, OutOfScope, Unsupported, text_at};
use super::validators::Validator;
use super::versions::custom_extension_urn;
use crate::configuration::Configuration;
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::logs::REQUEST_SKIPPED;
use crate::store::Store;

/// What a write to a user is, so that the plan judges it by what it changes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserWrite<'a> {
    /// A create (POST, bulk, import): the whole resource is judged.
    Create,
    /// A PUT: the whole resource is judged, but one that leaves the user inactive always
    /// goes through.
    Replace {
        /// The user as stored.
        before: &'a Map<String, Value>,
    },
    /// A PATCH: only the fields whose value it changes are judged, never a removal, and a
    /// deactivation always goes through.
    Patch {
        /// The user as stored.
        before: &'a Map<String, Value>,
    },
}

impl<'a> UserWrite<'a> {
    /// The plan's operation (rules may apply on create or update only).
    fn operation(self) -> Operation {
        match self {
            Self::Create => Operation::Create,
            Self::Replace { .. } | Self::Patch { .. } => Operation::Update,
        }
    }

    /// Whether the write is deprovisioning: it deactivates the user, or it is a PUT that
    /// keeps a leaver inactive (identity providers repeat them).
    fn deactivates(self, after: &Map<String, Value>) -> bool {
        match self {
            Self::Create => false,
            Self::Patch { before } => is_active(before) && !is_active(after),
            Self::Replace { .. } => !is_active(after),
        }
    }

    /// The user as stored, for an update.
    fn before(self) -> Option<&'a Map<String, Value>> {
        match self {
            Self::Create => None,
            Self::Replace { before } | Self::Patch { before } => Some(before),
        }
    }

    /// For a PATCH, what the plan made of the stored user, which the change is judged
    /// against — evaluated only when something failed, or to spare the look-up of a unique
    /// value the PATCH did not change.
    fn baseline(
        self,
        plan: &CompiledPlan,
        evaluation: &Evaluation,
        schema: &ResourceSchema,
    ) -> Option<Evaluation> {
        let Self::Patch { before } = self else {
            return None;
        };
        let rules = plan.plan();
        let unique = rules
            .fields
            .iter()
            .any(|f| f.validators.contains(&Validator::Unique));
        (unique || !evaluation.passed(rules))
            .then(|| plan.evaluate(before, Operation::Update, schema))
    }
}

/// The items of `list` that `before` (a PATCH's view of the stored user) does not hold.
fn new_since(list: &[String], before: Option<&[String]>) -> Vec<String> {
    list.iter()
        .filter(|item| before.is_none_or(|b| !b.contains(item)))
        .cloned()
        .collect()
}

/// The immutable fields of the plan that had a value and that `after` changes or clears
/// (values are not named: a field may be secret).
fn changed_immutable(
    plan: &super::plan::Plan,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Vec<String> {
    plan.fields
        .iter()
        .filter(|f| f.immutable)
        .filter(|f| {
            let old = text_at(before, &f.name, schema);
            old.is_some() && old != text_at(after, &f.name, schema)
        })
        .map(|f| f.name.clone())
        .collect()
}

/// Refuses an update that changes or clears an immutable field (400 `mutability`) — or,
/// for a deactivation or under warn-only, records it as a warning.
fn check_immutable(
    write: UserWrite<'_>,
    rules: &super::plan::Plan,
    after: &Map<String, Value>,
    schema: &ResourceSchema,
    deactivates: bool,
    warnings: &mut Vec<String>,
) -> CoreResult<()> {
    let Some(before) = write.before() else {
        return Ok(());
    };
    let frozen = changed_immutable(rules, before, after, schema);
    if frozen.is_empty() {
        return Ok(());
    }
    let detail = format!(
        "the mapping plan makes {} immutable: once set, it cannot be changed or cleared",
        frozen.join(", ")
    );
    match rules.mode {
        Mode::Enforce if deactivates => warnings.push(format!(
            "not enforced, because a deactivation always goes through: {detail}"
        )),
        Mode::Enforce => {
            return Err(CoreError::Scim(
                ScimError::mutability(detail).with_attributes(frozen),
            ));
        }
        Mode::WarnOnly => warnings.push(detail),
    }
    Ok(())
}

/// What the validators of a write's fields said.
struct FieldProblems {
    /// Why, one sentence each.
    problems: Vec<String>,
    /// The fields that failed.
    failing: Vec<String>,
    /// Whether a unique value is taken (409 rather than 400).
    clash: bool,
}

/// Whether a user is active: `active` absent counts as active, as it does for identity
/// providers.
fn is_active(user: &Map<String, Value>) -> bool {
    user.get("active") != Some(&Value::Bool(false))
}

/// The error refusing a user: 400 `invalidValue`, or 409 `uniqueness` when a unique value is
/// taken (as for userName itself), naming the failing attributes.
fn refusal(problems: &[String], failing: Vec<String>, clash: bool) -> CoreError {
    let detail = format!(
        "the mapping plan refuses this user: {}",
        problems.join("; ")
    );
    let error = if clash {
        ScimError::uniqueness(detail)
    } else {
        ScimError::invalid_value(detail)
    };
    CoreError::Scim(error.with_attributes(failing.into_iter().collect::<BTreeSet<_>>()))
}

impl Store {
    /// The validators' refusals of the fields a write answers for (all of them, or for a PATCH
    /// those whose value it changes and does not remove), and taken unique values.
    async fn field_problems(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        plan: &CompiledPlan,
        evaluation: &Evaluation,
        baseline: Option<&Evaluation>,
        own_id: Option<&str>,
    ) -> CoreResult<FieldProblems> {
        let rules = plan.plan();
        let mut problems = Vec::new();
        let mut failing = Vec::new();
        let mut clash = false;
        for (index, outcome) in evaluation.fields.iter().enumerate() {
            // A PATCH answers for the fields whose value it changes, and a removal for nothing.
            let judged = match baseline {
                None => true,
                Some(b) => {
                    !outcome.value.is_null()
                        && b.fields
                            .get(index)
                            .is_none_or(|old| old.value != outcome.value)
                }
            };
            if !judged {
                continue;
            }
            for verdict in outcome.verdicts.iter().filter(|v| !v.passed) {
                failing.push(outcome.field.clone());
                problems.push(format!(
                    "{}: {} (validator {}{})",
                    outcome.field,
                    verdict.message.clone().unwrap_or_default(),
                    verdict.validator,
                    outcome
                        .rule
                        .map(|r| format!(", rule {r}"))
                        .unwrap_or_default()
                ));
            }
            let unique = rules
                .fields
                .get(index)
                .is_some_and(|f| f.validators.contains(&Validator::Unique));
            if unique
                && let Some(value) = outcome.value.as_str()
                && self
                    .user_value_taken(configuration, schema, &outcome.field, value, own_id)
                    .await?
            {
                clash = true;
                failing.push(outcome.field.clone());
                // `shown` is the value, or `***` for a sensitive field.
                problems.push(format!(
                    "{}: {} is already used by another user (validator unique)",
                    outcome.field, outcome.shown
                ));
            }
        }
        Ok(FieldProblems {
            problems,
            failing,
            clash,
        })
    }

    /// Applies the configuration's plan to a user about to be written: scoping, unsupported
    /// attributes, validators (enforced or recorded), then the stored shape. `password` is the
    /// clear-text password of the request, for the password policy only. Returns the resource
    /// to store (never holding a custom field marked secret), the warnings to record, and what
    /// the log must keep secret for the configuration when its plan adds secret fields.
    ///
    /// A write is judged by what it changes ([`UserWrite`]): a create or PUT by the whole
    /// resource, a PATCH by the fields whose value it changes (never by a stored value it did
    /// not touch, never by a removal). A deactivation always goes through: what the plan would
    /// have refused is recorded as a warning instead.
    pub(crate) async fn enforce_user_plan(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        resource: Map<String, Value>,
        password: Option<&Value>,
        write: UserWrite<'_>,
        own_id: Option<&str>,
    ) -> CoreResult<(Map<String, Value>, Vec<String>, Option<Arc<Secrets>>)> {
        let Some(plan) = self.compiled_plan(configuration.id, schema).await? else {
            return Ok((resource, Vec::new(), None));
        };
        let secrets = plan.secrets().cloned();
        let op = write.operation();
        let mut evaluated = resource.clone();
        if let Some(p) = password {
            evaluated.insert("password".into(), p.clone());
        }
        let evaluation = plan.evaluate(&evaluated, op, schema);
        let rules = plan.plan();
        let baseline = write.baseline(&plan, &evaluation, schema);
        let deactivates = write.deactivates(&resource);
        let mut warnings = Vec::new();
        let mut resource = resource;
        if !evaluation.in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject if deactivates => {
                    warnings.push(
                        "out of scope: the deactivation is applied all the same (deprovisioning always goes through)"
                            .to_owned(),
                    );
                }
                OutOfScope::Reject => {
                    return Err(CoreError::Forbidden(format!(
                        "the user is out of the scope of configuration \"{}\" (its mapping plan's scoping filters); {REQUEST_SKIPPED}",
                        configuration.name
                    )));
                }
                OutOfScope::AcceptInactive => {
                    resource.insert("active".into(), Value::Bool(false));
                    warnings.push("out of scope: accepted as inactive".to_owned());
                }
            }
        }
        let old = baseline.as_ref();
        let mut problems = new_since(&evaluation.errors, old.map(|b| &b.errors[..]));
        let unsupported = new_since(&evaluation.unsupported, old.map(|b| &b.unsupported[..]));
        let mut failing: Vec<String> = Vec::new();
        if rules.unsupported == Unsupported::Reject && !unsupported.is_empty() {
            failing.extend(unsupported.iter().cloned());
            problems.push(format!(
                "the target does not support {}",
                unsupported.join(", ")
            ));
        } else if !evaluation.unsupported.is_empty() {
            warnings.push(format!(
                "ignored (not supported by the target): {}",
                evaluation.unsupported.join(", ")
            ));
        }
        check_immutable(write, rules, &resource, schema, deactivates, &mut warnings)?;
        let fields = self
            .field_problems(
                configuration,
                schema,
                &plan,
                &evaluation,
                baseline.as_ref(),
                own_id,
            )
            .await?;
        problems.extend(fields.problems);
        failing.extend(fields.failing);
        let clash = fields.clash;
        if !problems.is_empty() {
            match rules.mode {
                Mode::Enforce if deactivates => warnings.push(format!(
                    "not enforced, because a deactivation always goes through: {}",
                    problems.join("; ")
                )),
                Mode::Enforce => return Err(refusal(&problems, failing, clash)),
                Mode::WarnOnly => warnings.extend(problems),
            }
        }
        match plan.shape(
            &resource,
            &evaluation,
            schema,
            &custom_extension_urn(configuration),
        ) {
            Ok(shaped) => Ok((shaped, warnings, secrets)),
            // The plan cannot shape it: a deactivation is stored as it came, but for secrets.
            Err(e) if deactivates => {
                warnings.push(format!(
                    "stored as sent, because a deactivation always goes through: {e}"
                ));
                if let (Some(secrets), Some(Value::Object(custom))) = (
                    &secrets,
                    resource.get_mut(&custom_extension_urn(configuration)),
                ) {
                    custom.retain(|key, _| !secrets.names_secret(key));
                }
                Ok((resource, warnings, secrets))
            }
            Err(e) => Err(CoreError::Scim(ScimError::invalid_value(e))),
        }
    }

    /// Applies the plan's group rules to a group about to be written: `displayName`
    /// validators, scoping, and — when the target does not nest groups — members that are
    /// groups (`added_members`: the member ids being added). Returns the warnings to record.
    ///
    /// A change to a stored group (`before`) is judged by what it changes: a validator that
    /// the stored group already failed, or a scope it was already out of, does not refuse it —
    /// a member removal always goes through.
    pub(crate) async fn enforce_group_plan(
        &self,
        configuration: &Configuration,
        user_schema: &ResourceSchema,
        group_schema: &ResourceSchema,
        group: &Map<String, Value>,
        added_members: &[String],
        before: Option<&Map<String, Value>>,
    ) -> CoreResult<Vec<String>> {
        let Some(plan) = self.compiled_plan(configuration.id, user_schema).await? else {
            return Ok(Vec::new());
        };
        let rules = plan.plan();
        let (mut problems, in_scope) = plan.check_group(group, group_schema);
        let mut was_in_scope = true;
        if let Some(before) = before {
            let (old, old_scope) = plan.check_group(before, group_schema);
            problems.retain(|p| !old.contains(p));
            was_in_scope = old_scope;
        }
        let mut warnings = Vec::new();
        if !in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject if !was_in_scope => {
                    warnings.push(
                        "group out of scope, as it already was: the change is applied".to_owned(),
                    );
                }
                OutOfScope::Reject => {
                    return Err(CoreError::Forbidden(format!(
                        "the group is out of the scope of configuration \"{}\" (its mapping plan's group scoping filters); {REQUEST_SKIPPED}",
                        configuration.name
                    )));
                }
                // Groups have no `active`: accepted, and said so.
                OutOfScope::AcceptInactive => {
                    warnings.push("group out of scope: accepted".to_owned());
                }
            }
        }
        if !rules.groups.nested_groups && !added_members.is_empty() {
            let mut q = db::QueryBuilder::new("SELECT id FROM groups WHERE configuration_id = ");
            q.push_bind(configuration.id.to_string())
                .push(" AND id IN (");
            let mut list = q.separated(", ");
            for id in added_members {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            let nested: Vec<String> = q
                .build()
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
            if !nested.is_empty() {
                problems.push(format!(
                    "members: the target does not accept groups in groups ({} is a group)",
                    nested.join(", ")
                ));
            }
        }
        if !problems.is_empty() {
            match rules.mode {
                Mode::Enforce => {
                    // Each problem starts with its attribute (`displayName: …`, `members: …`).
                    let mut failing: Vec<String> = problems
                        .iter()
                        .filter_map(|p| p.split_once(": ").map(|(a, _)| a.to_owned()))
                        .collect();
                    failing.dedup();
                    return Err(CoreError::Scim(
                        ScimError::invalid_value(format!(
                            "the mapping plan refuses this group: {}",
                            problems.join("; ")
                        ))
                        .with_attributes(failing),
                    ));
                }
                Mode::WarnOnly => warnings.extend(problems),
            }
        }
        Ok(warnings)
    }

    /// Whether another user of the configuration has `value` at the field's path (compared as
    /// the attribute's `caseExact` says).
    async fn user_value_taken(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        field: &str,
        value: &str,
        own_id: Option<&str>,
    ) -> CoreResult<bool> {
        let users = self
            .users_with_value(configuration, schema, field, value, 2)
            .await?;
        Ok(users
            .iter()
            .any(|m| m.get("id").and_then(Value::as_str) != own_id))
    }

    /// Up to `count` users whose value at a SCIM path (`emails[type eq "work"].value`) equals
    /// `value`, compared as the attribute's `caseExact` says. None for a path that is not one.
    pub(crate) async fn users_with_value(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        path: &str,
        value: &str,
        count: usize,
    ) -> CoreResult<Vec<Map<String, Value>>> {
        let Ok(path) = scim::patch::PatchPath::parse(path) else {
            return Ok(Vec::new());
        };
        let literal = serde_json::to_string(value).unwrap_or_default();
        let filter = match (&path.filter, &path.sub_attr) {
            (Some(f), Some(sub)) => format!("{}[({f}) and {sub} eq {literal}]", path.attr),
            (None, Some(sub)) => format!("{}.{sub} eq {literal}", path.attr),
            (Some(f), None) => format!("{}[({f}) and value eq {literal}]", path.attr),
            (None, None) => format!("{} eq {literal}", path.attr),
        };
        let Ok(query) = scim::ListQuery::from_query_pairs([("filter", filter.as_str())]) else {
            return Ok(Vec::new());
        };
        self.list_rows(
            &crate::directory::USERS,
            configuration,
            schema,
            &query,
            scim::Paging {
                start_index: 1,
                count,
            },
            crate::directory::ListOptions::default(),
        )
        .await?
        .into_maps()
    }
}
