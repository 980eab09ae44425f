//! The Microsoft Entra ID attribute-mapping expression language: a parser with precise error
//! positions and an evaluator, so a consultant can try `Item(Split([preferredLanguage], "-"), 1)`
//! on a sample user before Entra runs it in a 40-minute cycle.
//!
//! Semantics follow Microsoft's reference ("Reference for writing expressions for attribute
//! mappings in Microsoft Entra ID"), including its documented limits: an IIF condition on a null
//! or empty attribute fails (Entra's advice is Switch), Item is 1-based, Switch compares
//! case-sensitively, Join skips empty values.

mod dates;
mod functions;
mod parser;
mod text;

use std::fmt;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value as Json;

/// Replaces letters with diacritics by their plain equivalents, as Entra's NormalizeDiacritics
/// does (`Zoë` → `Zoe`, `Ø` → `OE`, `ß` → `ss`).
pub fn normalize_diacritics(s: &str) -> String {
    text::normalize_diacritics(s)
}

/// A byte range of the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// A syntax or evaluation error with the part of the expression it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message} (at {}–{})", span.start + 1, span.end.max(span.start + 1))]
pub struct ExprError {
    /// What is wrong, in words.
    pub message: String,
    /// Where (byte offsets into the expression).
    pub span: Span,
}

impl ExprError {
    pub(crate) fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
        }
    }

    /// The expression with a caret line under the part the error is about.
    pub fn pointer(&self, expression: &str) -> String {
        let start = expression
            .get(..self.span.start)
            .map_or(0, |s| s.chars().count());
        let width = expression
            .get(self.span.start..self.span.end)
            .map_or(1, |s| s.chars().count().max(1));
        format!("{expression}\n{}{}", " ".repeat(start), "^".repeat(width))
    }
}

/// A comparison operator (IIF conditions, CBool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A parsed expression node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Attribute(String),
    Text(String),
    Number(i64),
    Symbol(String),
    Omitted,
    Call {
        function: &'static str,
        args: Vec<Node>,
    },
    Compare {
        op: Op,
        left: Box<Node>,
        right: Box<Node>,
    },
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (an absent attribute).
    Null,
    /// A string.
    Text(String),
    /// A multi-valued attribute or the result of Split.
    List(Vec<String>),
    /// A boolean (conditions, IsNull…); shown as `True` / `False`.
    Bool(bool),
    /// A whole number.
    Number(i64),
    /// A date and time (UTC), from CDate, Now, DateAdd; shown as `M/d/yyyy h:mm:ss tt`.
    DateTime(NaiveDateTime),
    /// IgnoreFlowIfNullOrEmpty on an empty value: the attribute is left out of the request.
    Ignored,
}

impl Value {
    /// The value as Entra would send it in a string attribute (`None` for Null and Ignored).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Self::Null | Self::Ignored => None,
            Self::Text(s) => Some(s.clone()),
            Self::List(items) => items.first().cloned(),
            Self::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
            Self::Number(n) => Some(n.to_string()),
            Self::DateTime(t) => Some(dates::entra_format(*t)),
        }
    }

    /// The value as JSON for a SCIM request (lists stay arrays; booleans stay booleans).
    pub fn to_json(&self) -> Json {
        match self {
            Self::Null | Self::Ignored => Json::Null,
            Self::List(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
            Self::Bool(b) => Json::Bool(*b),
            other => other.as_text().map_or(Json::Null, Json::String),
        }
    }

    fn is_null_or_empty(&self) -> bool {
        match self {
            Self::Null | Self::Ignored => true,
            Self::Text(s) => s.is_empty(),
            Self::List(items) => items.is_empty(),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("NULL"),
            Self::Ignored => f.write_str("(not sent)"),
            Self::List(items) => write!(f, "{items:?}"),
            other => f.write_str(&other.as_text().unwrap_or_default()),
        }
    }
}

/// Where attribute values come from: a source user, by attribute name (case-insensitive).
pub trait AttributeSource {
    /// The value of `[name]`, or None when the user has no such attribute.
    fn attribute(&self, name: &str) -> Option<Value>;
}

/// A sample user as a JSON object: strings, numbers and booleans are single values, arrays are
/// multi-valued attributes.
impl AttributeSource for serde_json::Map<String, Json> {
    fn attribute(&self, name: &str) -> Option<Value> {
        let value = self.get(name).or_else(|| {
            self.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })?;
        let text = |v: &Json| match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
            _ => None,
        };
        match value {
            Json::Null => None,
            Json::Array(items) => Some(Value::List(items.iter().filter_map(text).collect())),
            Json::Bool(b) => Some(Value::Bool(*b)),
            other => text(other).map(Value::Text),
        }
    }
}

/// What an evaluation may use besides the source user.
pub struct Context<'a> {
    /// Now (for Now, and DateDiff against it).
    pub now: NaiveDateTime,
    /// Whether a value is still free in the target (SelectUniqueValue); everything is free when
    /// not given.
    pub is_unique: Option<&'a dyn Fn(&str) -> bool>,
}

impl Context<'_> {
    /// A context at the current time, every value unique.
    pub fn now() -> Self {
        Context {
            now: chrono::Utc::now().naive_utc(),
            is_unique: None,
        }
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    text: String,
    root: Node,
}

impl Expression {
    /// Parses an expression; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Self, ExprError> {
        Ok(Self {
            root: parser::parse(text)?,
            text: text.to_owned(),
        })
    }

    /// The text it was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The source attributes it reads (`[name]`), in order of first use.
    pub fn attributes(&self) -> Vec<String> {
        fn walk(node: &Node, out: &mut Vec<String>) {
            match &node.kind {
                NodeKind::Attribute(name) if !out.iter().any(|n| n.eq_ignore_ascii_case(name)) => {
                    out.push(name.clone());
                }
                NodeKind::Call { args, .. } => args.iter().for_each(|a| walk(a, out)),
                NodeKind::Compare { left, right, .. } => {
                    walk(left, out);
                    walk(right, out);
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// Evaluates it for one source user.
    pub fn evaluate(
        &self,
        source: &dyn AttributeSource,
        context: &Context<'_>,
    ) -> Result<Value, ExprError> {
        functions::eval(&self.root, source, context)
    }
}

/// The language's functions, by name, each with how many arguments it takes in words.
pub fn functions() -> Vec<(&'static str, String)> {
    functions::FUNCTIONS
        .iter()
        .map(|f| (f.name, f.arity_text()))
        .collect()
}

/// One value as a rule's transform sees it: `[value]`.
struct OneValue<'a>(&'a str);

impl AttributeSource for OneValue<'_> {
    fn attribute(&self, name: &str) -> Option<Value> {
        name.eq_ignore_ascii_case("value")
            .then(|| Value::Text(self.0.to_owned()))
    }
}

/// Tries `text` as a rule's transform on `value` (`[value]` in the expression), as the plan
/// editor's test box does: the result as JSON, or what is wrong and where.
pub fn try_on(text: &str, value: &str) -> Result<Json, ExprError> {
    Ok(Expression::parse(text)?
        .evaluate(&OneValue(value), &Context::now())?
        .to_json())
}

#[cfg(test)]
mod tests;
