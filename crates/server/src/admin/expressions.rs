//! `/api/mapping/expression` and `/api/mapping/functions`: the plan editor's expression test
//! box — an Entra-style expression tried on one value as a rule's transform — and the list of
//! functions it offers. Pure computation: nothing is read or written.

use axum::Json;
use scim_console_core::mapping::expression;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::Body;
use crate::state::AppState;

/// The longest expression or value tried.
const MAX_TEXT: usize = 4_096;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(try_expression))
        .routes(routes!(functions))
}

/// An expression to try.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpressionTrialBody {
    /// The expression (`Item(Split([value], "-"), 1)`), at most 4,096 characters.
    pub expression: String,
    /// The value `[value]` stands for, at most 4,096 characters.
    pub value: String,
}

/// What the expression made of the value, or why it could not.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExpressionTrialView {
    /// The result (a string, a list, a boolean, or `null`), when it evaluated.
    #[schema(value_type = Object)]
    pub result: Option<Value>,
    /// What is wrong, when it did not.
    pub error: Option<String>,
    /// The expression with a caret line under the part at fault.
    pub pointer: Option<String>,
}

/// Tries an expression on one value as a rule's transform sees it. A syntax or evaluation
/// error is an answer (200 with `error` and `pointer`), not a failed request: the editor shows
/// it as the admin types.
#[utoipa::path(post, path = "/api/mapping/expression", security(("admin_token" = [])), request_body = ExpressionTrialBody,
    responses((status = 200, body = ExpressionTrialView), (status = 400, body = ErrorBody)))]
pub async fn try_expression(
    Body(body): Body<ExpressionTrialBody>,
) -> Result<Json<ExpressionTrialView>, AdminError> {
    for (field, text) in [("expression", &body.expression), ("value", &body.value)] {
        if text.chars().count() > MAX_TEXT {
            return Err(AdminError::invalid(
                field,
                format!("at most {MAX_TEXT} characters"),
            ));
        }
    }
    Ok(Json(
        match expression::try_on(&body.expression, &body.value) {
            Ok(result) => ExpressionTrialView {
                result: Some(result),
                error: None,
                pointer: None,
            },
            Err(e) => ExpressionTrialView {
                result: None,
                pointer: Some(e.pointer(&body.expression)),
                error: Some(e.to_string()),
            },
        },
    ))
}

/// One function of the expression language.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FunctionView {
    /// Its name (`Split`).
    pub name: &'static str,
    /// How many arguments it takes, in words.
    pub arguments: String,
}

/// The functions of the expression language, for the editor's list.
#[utoipa::path(get, path = "/api/mapping/functions", security(("admin_token" = [])),
    responses((status = 200, body = [FunctionView])))]
pub async fn functions() -> Json<Vec<FunctionView>> {
    Json(
        expression::functions()
            .into_iter()
            .map(|(name, arguments)| FunctionView { name, arguments })
            .collect(),
    )
}
