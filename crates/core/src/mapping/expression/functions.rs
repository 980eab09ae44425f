//! The functions of the expression language: their arities (checked when parsing) and their
//! evaluation.

use base64::Engine as _;

use super::dates;
use super::text;
use super::{AttributeSource, Context, ExprError, Node, NodeKind, Op, Span, Value};

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Arity {
    /// Up to this many (at least `required`).
    Exactly(usize),
    /// This many or more.
    AtLeast(usize),
}

/// A function's name (canonical case) and arguments.
#[derive(Debug, Clone, Copy)]
pub(super) struct Function {
    pub name: &'static str,
    pub required: usize,
    pub arity: Arity,
}

impl Function {
    pub(super) fn arity_text(&self) -> String {
        match self.arity {
            Arity::Exactly(n) if n == self.required => {
                format!("takes {n} argument{}", if n == 1 { "" } else { "s" })
            }
            Arity::Exactly(n) => format!("takes {} to {n} arguments", self.required),
            Arity::AtLeast(n) => format!("takes at least {n} arguments"),
        }
    }
}

const fn f(name: &'static str, required: usize, arity: Arity) -> Function {
    Function {
        name,
        required,
        arity,
    }
}

use Arity::{AtLeast, Exactly};

/// Every function of Entra's reference.
pub(super) const FUNCTIONS: &[Function] = &[
    f("Append", 2, Exactly(2)),
    f("AppRoleAssignmentsComplex", 1, Exactly(1)),
    f("BitAnd", 2, Exactly(2)),
    f("CBool", 1, Exactly(1)),
    f("CDate", 1, Exactly(1)),
    f("Coalesce", 1, AtLeast(1)),
    f("ConvertToBase64", 1, Exactly(1)),
    f("ConvertToUTF8Hex", 1, Exactly(1)),
    f("Count", 1, Exactly(1)),
    f("CStr", 1, Exactly(1)),
    f("DateAdd", 3, Exactly(3)),
    f("DateDiff", 3, Exactly(3)),
    f("DateFromNum", 1, Exactly(1)),
    f("FormatDateTime", 4, Exactly(4)),
    f("Guid", 0, Exactly(0)),
    f("IgnoreFlowIfNullOrEmpty", 1, Exactly(1)),
    f("IIF", 3, Exactly(3)),
    f("InStr", 2, Exactly(4)),
    f("IsNull", 1, Exactly(1)),
    f("IsNullOrEmpty", 1, Exactly(1)),
    f("IsPresent", 1, Exactly(1)),
    f("IsString", 1, Exactly(1)),
    f("Item", 2, Exactly(2)),
    f("Join", 2, AtLeast(2)),
    f("Left", 2, Exactly(2)),
    f("Mid", 3, Exactly(3)),
    f("NormalizeDiacritics", 1, Exactly(1)),
    f("Not", 1, Exactly(1)),
    f("Now", 0, Exactly(0)),
    f("NumFromDate", 1, Exactly(1)),
    f("PCase", 1, Exactly(2)),
    f("RandomString", 5, Exactly(6)),
    f("Redact", 1, Exactly(1)),
    f("RemoveDuplicates", 1, Exactly(1)),
    f("Replace", 1, Exactly(7)),
    f("SelectUniqueValue", 2, AtLeast(2)),
    f("SingleAppRoleAssignment", 1, Exactly(1)),
    f("Split", 2, Exactly(2)),
    f("StripSpaces", 1, Exactly(1)),
    f("Switch", 1, AtLeast(3)),
    f("ToLower", 1, Exactly(2)),
    f("ToUpper", 1, Exactly(2)),
    f("Word", 3, Exactly(3)),
];

// FormatDateTime's second argument (dateTimeStyles) may be omitted: its "required" count is
// the number of leading arguments that must be present; the parser checks omitted ones.

/// A function by name, case-insensitively (Entra's own examples vary in case: `item(Split(…))`).
pub(super) fn lookup(name: &str) -> Option<Function> {
    FUNCTIONS
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .copied()
        .map(|mut found| {
            if found.name == "FormatDateTime" {
                // source, [dateTimeStyles], inputFormat, outputFormat: the styles may be omitted.
                found.required = 1;
            }
            found
        })
}

/// The function whose name is closest to a misspelt one.
pub(super) fn closest(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .map(|f| {
            (
                text::edit_distance(&name.to_lowercase(), &f.name.to_lowercase()),
                f.name,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

type EvalResult = Result<Value, ExprError>;

fn text_of(value: &Value) -> Option<String> {
    value.as_text()
}

fn number_of(value: &Value, span: Span, what: &str) -> Result<i64, ExprError> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => other
            .as_text()
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| {
                ExprError::new(format!("{what} must be a whole number, not {other}"), span)
            }),
    }
}

fn bool_of(value: &Value, span: Span) -> Result<bool, ExprError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(*n != 0),
        other => match other
            .as_text()
            .map(|t| t.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(t) if t.parse::<i64>().is_ok() => Ok(t != "0"),
            _ => Err(ExprError::new(
                format!("expected a boolean (\"True\" or \"False\"), not {other}"),
                span,
            )),
        },
    }
}

/// Evaluates a node.
pub(super) fn eval(node: &Node, source: &dyn AttributeSource, cx: &Context<'_>) -> EvalResult {
    match &node.kind {
        NodeKind::Attribute(name) => Ok(source.attribute(name).unwrap_or(Value::Null)),
        NodeKind::Text(s) | NodeKind::Symbol(s) => Ok(Value::Text(s.clone())),
        NodeKind::Number(n) => Ok(Value::Number(*n)),
        NodeKind::Omitted => Ok(Value::Null),
        NodeKind::Compare { op, left, right } => compare(*op, left, right, source, cx),
        NodeKind::Call { function, args } => call(function, args, node.span, source, cx),
    }
}

fn compare(
    op: Op,
    left: &Node,
    right: &Node,
    source: &dyn AttributeSource,
    cx: &Context<'_>,
) -> EvalResult {
    let l = eval(left, source, cx)?;
    let r = eval(right, source, cx)?;
    for (side, node) in [(&l, left), (&r, right)] {
        if matches!(node.kind, NodeKind::Attribute(_)) && side.is_null_or_empty() {
            return Err(ExprError::new(
                "Entra fails a condition on a null or empty attribute; use Switch([attribute], …, \"\", …) to handle the empty case",
                node.span,
            ));
        }
    }
    let (lt, rt) = (
        l.as_text().unwrap_or_default(),
        r.as_text().unwrap_or_default(),
    );
    let ordering = match (lt.trim().parse::<f64>(), rt.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) if op != Op::Eq && op != Op::Ne => a.total_cmp(&b),
        _ => lt.cmp(&rt),
    };
    Ok(Value::Bool(match op {
        Op::Eq => lt == rt,
        Op::Ne => lt != rt,
        Op::Lt => ordering.is_lt(),
        Op::Le => ordering.is_le(),
        Op::Gt => ordering.is_gt(),
        Op::Ge => ordering.is_ge(),
    }))
}

#[allow(clippy::too_many_lines)] // One arm per function of the reference.
fn call(
    function: &str,
    args: &[Node],
    span: Span,
    source: &dyn AttributeSource,
    cx: &Context<'_>,
) -> EvalResult {
    let arg =
        |i: usize| -> EvalResult { args.get(i).map_or(Ok(Value::Null), |a| eval(a, source, cx)) };
    let span_of = |i: usize| args.get(i).map_or(span, |a| a.span);
    let opt_text = |i: usize| -> Result<Option<String>, ExprError> { Ok(text_of(&arg(i)?)) };
    match function {
        "Append" => Ok(match (opt_text(0)?, opt_text(1)?) {
            (Some(a), Some(b)) => Value::Text(a + &b),
            (Some(a), None) => Value::Text(a),
            (None, _) => Value::Null,
        }),
        "AppRoleAssignmentsComplex" | "RemoveDuplicates" => Ok(match arg(0)? {
            Value::List(items) => {
                let mut seen = Vec::new();
                for item in items {
                    if !seen.contains(&item) {
                        seen.push(item);
                    }
                }
                Value::List(seen)
            }
            other => other,
        }),
        "SingleAppRoleAssignment" => Ok(match arg(0)? {
            Value::List(items) => items.into_iter().next().map_or(Value::Null, Value::Text),
            other => other,
        }),
        "BitAnd" => Ok(Value::Number(
            number_of(&arg(0)?, span_of(0), "value1")? & number_of(&arg(1)?, span_of(1), "value2")?,
        )),
        "CBool" => Ok(Value::Bool(bool_of(&arg(0)?, span_of(0))?)),
        "CStr" => Ok(opt_text(0)?.map_or(Value::Null, Value::Text)),
        "CDate" => match opt_text(0)? {
            None => Ok(Value::Null),
            Some(t) => dates::parse_loose(&t).map(Value::DateTime).ok_or_else(|| {
                ExprError::new(format!("CDate cannot read {t:?} as a date"), span_of(0))
            }),
        },
        "Coalesce" => {
            for i in 0..args.len() {
                let v = arg(i)?;
                if !matches!(v, Value::Null) {
                    return Ok(v);
                }
            }
            Ok(Value::Null)
        }
        "ConvertToBase64" => Ok(opt_text(0)?.map_or(Value::Null, |t| {
            let utf16: Vec<u8> = t.encode_utf16().flat_map(u16::to_le_bytes).collect();
            Value::Text(base64::engine::general_purpose::STANDARD.encode(utf16))
        })),
        "ConvertToUTF8Hex" => Ok(opt_text(0)?.map_or(Value::Null, |t| {
            Value::Text(t.bytes().fold(String::new(), |mut hex, b| {
                use std::fmt::Write as _;
                let _ = write!(hex, "{b:02X}");
                hex
            }))
        })),
        "Count" => Ok(Value::Number(match arg(0)? {
            Value::Null | Value::Ignored => 0,
            Value::List(items) => i64::try_from(items.len()).unwrap_or(i64::MAX),
            _ => 1,
        })),
        "DateAdd" => {
            let interval = opt_text(0)?.unwrap_or_default();
            let n = number_of(&arg(1)?, span_of(1), "value")?;
            let at = date_arg(&arg(2)?, span_of(2))?;
            dates::add(at, &interval, n)
                .map(Value::DateTime)
                .ok_or_else(|| ExprError::new(dates::INTERVAL_HELP, span_of(0)))
        }
        "DateDiff" => {
            let interval = opt_text(0)?.unwrap_or_default();
            let a = date_arg(&arg(1)?, span_of(1))?;
            let b = date_arg(&arg(2)?, span_of(2))?;
            dates::diff(&interval, a, b)
                .map(Value::Number)
                .ok_or_else(|| ExprError::new(dates::INTERVAL_HELP, span_of(0)))
        }
        "DateFromNum" => {
            let n = number_of(&arg(0)?, span_of(0), "value")?;
            dates::from_filetime(n)
                .map(Value::DateTime)
                .ok_or_else(|| ExprError::new("not an Active Directory date", span_of(0)))
        }
        "NumFromDate" => match opt_text(0)? {
            None => Ok(Value::Null),
            Some(t) => dates::parse_loose(&t)
                .map(|d| Value::Number(dates::to_filetime(d)))
                .ok_or_else(|| {
                    ExprError::new(
                        format!("NumFromDate needs an ISO 8601 date, not {t:?}"),
                        span_of(0),
                    )
                }),
        },
        "FormatDateTime" => {
            let Some(value) = opt_text(0)? else {
                return Ok(Value::Null);
            };
            let input = opt_text(2)?.ok_or_else(|| {
                ExprError::new("FormatDateTime needs the input format (argument 3)", span)
            })?;
            let output = opt_text(3)?.ok_or_else(|| {
                ExprError::new("FormatDateTime needs the output format (argument 4)", span)
            })?;
            let parsed = dates::parse_dotnet(&value, &input).ok_or_else(|| {
                ExprError::new(
                    format!("{value:?} does not match the input format {input:?}"),
                    span_of(0),
                )
            })?;
            Ok(Value::Text(dates::format_dotnet(parsed, &output)))
        }
        "Guid" => Ok(Value::Text(uuid::Uuid::new_v4().to_string())),
        "Now" => Ok(Value::DateTime(cx.now)),
        "IgnoreFlowIfNullOrEmpty" => {
            let v = arg(0)?;
            Ok(if v.is_null_or_empty() {
                Value::Ignored
            } else {
                v
            })
        }
        "IIF" => {
            let condition = bool_of(&arg(0)?, span_of(0))?;
            arg(if condition { 1 } else { 2 })
        }
        "InStr" => {
            let (Some(haystack), Some(needle)) = (opt_text(0)?, opt_text(1)?) else {
                return Ok(Value::Null);
            };
            let start = match arg(2)? {
                Value::Null => 1,
                v => number_of(&v, span_of(2), "start")?.max(1),
            };
            let insensitive = opt_text(3)?.is_some_and(|c| c.eq_ignore_ascii_case("vbTextCompare"));
            Ok(Value::Number(text::instr(
                &haystack,
                &needle,
                start,
                insensitive,
            )))
        }
        "IsNull" => Ok(Value::Bool(matches!(arg(0)?, Value::Null))),
        "IsNullOrEmpty" => Ok(Value::Bool(arg(0)?.is_null_or_empty())),
        "IsPresent" => Ok(Value::Bool(!arg(0)?.is_null_or_empty())),
        "IsString" => Ok(Value::Bool(matches!(arg(0)?, Value::Text(_)))),
        "Item" => {
            let index = number_of(&arg(1)?, span_of(1), "index")?;
            if index < 1 {
                return Err(ExprError::new(
                    "Item counts from 1: index 0 (or less) is never an item",
                    span_of(1),
                ));
            }
            let position = usize::try_from(index - 1).unwrap_or(usize::MAX);
            Ok(match arg(0)? {
                Value::List(items) => items
                    .get(position)
                    .cloned()
                    .map_or(Value::Null, Value::Text),
                Value::Null => Value::Null,
                single if position == 0 => single,
                _ => Value::Null,
            })
        }
        "Join" => {
            let separator = opt_text(0)?.unwrap_or_default();
            let mut parts = Vec::new();
            for i in 1..args.len() {
                match arg(i)? {
                    Value::List(items) => parts.extend(items.into_iter().filter(|s| !s.is_empty())),
                    v => {
                        if let Some(t) = v.as_text().filter(|t| !t.is_empty()) {
                            parts.push(t);
                        }
                    }
                }
            }
            Ok(Value::Text(parts.join(&separator)))
        }
        "Left" => {
            let n = number_of(&arg(1)?, span_of(1), "numChars")?;
            Ok(Value::Text(match opt_text(0)? {
                None => String::new(),
                Some(s) if n < 0 => s,
                Some(s) => s.chars().take(usize::try_from(n).unwrap_or(0)).collect(),
            }))
        }
        "Mid" => {
            let start = number_of(&arg(1)?, span_of(1), "start")?;
            let length = number_of(&arg(2)?, span_of(2), "length")?;
            if start < 1 {
                return Err(ExprError::new(
                    "Mid counts from 1: start must be 1 or more",
                    span_of(1),
                ));
            }
            Ok(opt_text(0)?.map_or(Value::Null, |s| {
                Value::Text(
                    s.chars()
                        .skip(usize::try_from(start - 1).unwrap_or(usize::MAX))
                        .take(usize::try_from(length).unwrap_or(0))
                        .collect(),
                )
            }))
        }
        "NormalizeDiacritics" => {
            Ok(opt_text(0)?.map_or(Value::Null, |s| Value::Text(text::normalize_diacritics(&s))))
        }
        "Not" => Ok(Value::Bool(!bool_of(&arg(0)?, span_of(0))?)),
        "PCase" => Ok(opt_text(0)?.map_or(Value::Null, |s| {
            Value::Text(text::proper_case(&s, opt_text(1).ok().flatten().as_deref()))
        })),
        "RandomString" => {
            let mut n = [0usize; 5];
            for (i, slot) in n.iter_mut().enumerate() {
                *slot = usize::try_from(number_of(&arg(i)?, span_of(i), "a length")?.max(0))
                    .unwrap_or(0);
            }
            let avoid = opt_text(5)?.unwrap_or_default();
            text::random_string(
                n[0],
                n[1],
                n[2],
                n[3],
                n[4],
                &avoid,
                &mut rand::thread_rng(),
            )
            .map(Value::Text)
            .ok_or_else(|| {
                ExprError::new(
                    "RandomString: the minimums add up to more than the length (at most 256)",
                    span,
                )
            })
        }
        "Redact" => arg(0),
        "Replace" => replace(args, span, source, cx),
        "SelectUniqueValue" => {
            for i in 0..args.len() {
                if let Some(candidate) = opt_text(i)?
                    && cx.is_unique.is_none_or(|unique| unique(&candidate))
                {
                    return Ok(Value::Text(candidate));
                }
            }
            Err(ExprError::new(
                "every candidate value is already taken in the target",
                span,
            ))
        }
        "Split" => {
            let delimiter = opt_text(1)?.unwrap_or_default();
            Ok(opt_text(0)?.map_or(Value::Null, |s| {
                if delimiter.is_empty() {
                    Value::List(vec![s])
                } else {
                    Value::List(s.split(delimiter.as_str()).map(str::to_owned).collect())
                }
            }))
        }
        "StripSpaces" => Ok(opt_text(0)?.map_or(Value::Null, |s| Value::Text(s.replace(' ', "")))),
        "Switch" => {
            if !args.len().is_multiple_of(2) {
                return Err(ExprError::new(
                    "Switch takes source, default, then key and value pairs: the last key has no value",
                    span,
                ));
            }
            let subject = opt_text(0)?.unwrap_or_default();
            for pair in (2..args.len()).step_by(2) {
                if opt_text(pair)?.unwrap_or_default() == subject {
                    return arg(pair + 1);
                }
            }
            arg(1)
        }
        "ToLower" => Ok(opt_text(0)?.map_or(Value::Null, |s| Value::Text(s.to_lowercase()))),
        "ToUpper" => Ok(opt_text(0)?.map_or(Value::Null, |s| Value::Text(s.to_uppercase()))),
        "Word" => {
            let n = number_of(&arg(1)?, span_of(1), "wordNumber")?;
            let delimiters = opt_text(2)?.unwrap_or_default();
            Ok(Value::Text(opt_text(0)?.map_or_else(String::new, |s| {
                text::word(&s, n, &delimiters)
            })))
        }
        other => Err(ExprError::new(
            format!("{other} cannot be evaluated here"),
            span,
        )),
    }
}

fn date_arg(value: &Value, span: Span) -> Result<chrono::NaiveDateTime, ExprError> {
    match value {
        Value::DateTime(t) => Ok(*t),
        other => other
            .as_text()
            .and_then(|t| dates::parse_loose(&t))
            .ok_or_else(|| {
                ExprError::new(format!("expected a date (use CDate), not {other}"), span)
            }),
    }
}

/// Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
/// replacementAttributeName, template), in the combinations Microsoft documents.
fn replace(
    args: &[Node],
    span: Span,
    source: &dyn AttributeSource,
    cx: &Context<'_>,
) -> EvalResult {
    let get = |i: usize| -> Result<Option<String>, ExprError> {
        args.get(i)
            .map_or(Ok(None), |a| eval(a, source, cx).map(|v| v.as_text()))
    };
    let present = |i: usize| {
        args.get(i)
            .is_some_and(|a| !matches!(a.kind, NodeKind::Omitted))
    };
    let subject = get(0)?;
    let old = get(1)?;
    let replacement = get(4)?;
    let template = get(6)?;
    if present(2) {
        let pattern_text = get(2)?.unwrap_or_default();
        // .NET named groups (?<name>…) are Rust's too; ${name} works in replacements.
        let pattern = regex::Regex::new(&pattern_text).map_err(|e| {
            ExprError::new(
                format!("the regular expression does not compile: {e}"),
                args[2].span,
            )
        })?;
        if present(5) {
            // Source wins; else extract the named group from the replacement attribute.
            if let Some(s) = subject.filter(|s| !s.is_empty()) {
                return Ok(Value::Text(s));
            }
            let group = get(3)?.unwrap_or_default();
            let from = get(5)?.unwrap_or_default();
            return Ok(pattern
                .captures(&from)
                .and_then(|c| c.name(&group).map(|m| m.as_str().to_owned()))
                .map_or(Value::Null, Value::Text));
        }
        let Some(subject) = subject else {
            return Ok(Value::Null);
        };
        let replacement = replacement.unwrap_or_default();
        if present(3) {
            let group = get(3)?.unwrap_or_default();
            let mut out = String::new();
            let mut last = 0;
            for caps in pattern.captures_iter(&subject) {
                if let Some(m) = caps.name(&group) {
                    out.push_str(&subject[last..m.start()]);
                    out.push_str(&replacement);
                    last = m.end();
                }
            }
            out.push_str(&subject[last..]);
            return Ok(Value::Text(out));
        }
        return Ok(Value::Text(
            pattern
                .replace_all(&subject, replacement.as_str())
                .into_owned(),
        ));
    }
    let Some(old) = old else {
        return Err(ExprError::new(
            "Replace needs oldValue (argument 2) or regexPattern (argument 3)",
            span,
        ));
    };
    if let Some(template) = template {
        return Ok(subject.map_or(Value::Null, |s| Value::Text(template.replace(&old, &s))));
    }
    let replacement = replacement.unwrap_or_default();
    Ok(subject.map_or(Value::Null, |s| {
        if old.is_empty() {
            Value::Text(s)
        } else {
            Value::Text(s.replace(&old, &replacement))
        }
    }))
}
