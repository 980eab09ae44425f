//! Trying a mapping plan before it is saved: a sample SCIM user, a user as the identity
//! provider holds it (turned into the SCIM request by the plan's provider side), or a record of
//! the provisioning log, run through the plan field by field. The admin API's test endpoint
//! and `scim-console mapping test` both call this; they only parse inputs and render results.

use scim::{InputRules, Resource, ResourceSchema};
use serde_json::{Map, Value};

use super::plan::{CompiledPlan, Evaluation, Finding, Operation, Plan, Severity};
use crate::error::CoreError;
use crate::store::Store;

/// What a trial runs the plan over.
#[derive(Debug, Clone)]
pub enum TrialInput {
    /// A SCIM User as the identity provider would send it.
    Sample(Map<String, Value>),
    /// A user as the identity provider holds it (`userPrincipalName`, `givenName`, …).
    Source(Map<String, Value>),
    /// A provisioning log record (its `seq`): the user a logged create or replace sent, or the
    /// user a logged PATCH would make of the user as stored now.
    LogEntry(i64),
}

/// Why a trial could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    /// The plan does not compile.
    #[error("the plan has errors: {}", first_error(.0))]
    Plan(Vec<Finding>),
    /// A source user was given but the plan has no identity-provider side.
    #[error(
        "source: this plan has no identity-provider side, so an identity provider's user cannot be run through it; load the identity provider's template (Templates) or test with a SCIM user"
    )]
    NoProviderSide,
    /// The sample (or the request made from a source user) is not a valid SCIM User.
    #[error("sample: {0}")]
    Sample(String),
    /// The log record cannot be read or is not a user write.
    #[error(transparent)]
    Core(#[from] CoreError),
}

fn first_error(findings: &[Finding]) -> String {
    findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| findings.first())
        .map(|f| format!("{} at {}", f.message, f.location))
        .unwrap_or_default()
}

/// A trial's result: the evaluation, and how the user it evaluated was made.
#[derive(Debug, Clone)]
pub struct TrialResult {
    /// Field by field: the value produced and every validator's verdict.
    pub evaluation: Evaluation,
    /// Whether the user passes (the plan's verdict, and no provider mapping failed).
    pub passed: bool,
    /// The operation evaluated.
    pub operation: Operation,
    /// For a source user: the SCIM request the provider would send; for a log record: the user
    /// made from it.
    pub request: Option<Map<String, Value>>,
    /// Provider mappings that failed for a source user.
    pub provider_errors: Vec<String>,
    /// How a sample from the log was made (values redacted when logged are left out).
    pub notes: Vec<String>,
}

/// A plan compiled for trials.
pub struct Trial<'a> {
    compiled: CompiledPlan,
    schema: &'a ResourceSchema,
}

impl<'a> Trial<'a> {
    /// Compiles `plan` against the User `schema`; its findings when it does not compile.
    pub fn new(plan: &Plan, schema: &'a ResourceSchema) -> Result<Self, TrialError> {
        let (compiled, findings) = plan.compile(schema);
        match compiled {
            Some(compiled) => Ok(Self { compiled, schema }),
            None => Err(TrialError::Plan(findings)),
        }
    }

    /// The plan tried.
    pub fn plan(&self) -> &Plan {
        self.compiled.plan()
    }

    /// Runs the plan over `input` as `operation` (default: what a log record was, else a
    /// create). Nothing is stored.
    pub async fn run(
        &self,
        store: &Store,
        input: TrialInput,
        operation: Option<Operation>,
    ) -> Result<TrialResult, TrialError> {
        let mut notes = Vec::new();
        let mut logged_operation = None;
        let (sample, request, provider_errors) = match input {
            TrialInput::Sample(sample) => (sample, None, Vec::new()),
            TrialInput::Source(source) => {
                let side = self
                    .plan()
                    .provider
                    .as_ref()
                    .ok_or(TrialError::NoProviderSide)?;
                let (request, problems) = side.preview(&source, self.schema);
                (request.clone(), Some(request), problems)
            }
            TrialInput::LogEntry(seq) => {
                let logged = store.sample_from_log(seq, self.schema).await?;
                notes = logged.notes;
                logged_operation = Some(logged.operation);
                (logged.resource.clone(), Some(logged.resource), Vec::new())
            }
        };
        let operation = operation.or(logged_operation).unwrap_or(Operation::Create);
        let resource =
            Resource::from_request(Value::Object(sample), self.schema, &InputRules::default())
                .map_err(|e| TrialError::Sample(e.detail().to_owned()))?;
        let evaluation = self
            .compiled
            .evaluate_traced(resource.as_map(), operation, self.schema);
        let passed = provider_errors.is_empty() && evaluation.passed(self.plan());
        Ok(TrialResult {
            evaluation,
            passed,
            operation,
            request,
            provider_errors,
            notes,
        })
    }
}
