//! The Entra ID expression syntax: function calls, `[attribute]` references, `"string"`
//! constants with `\` escapes, numbers (and `&H` hexadecimal), omitted arguments (`Replace([x], ,
//! "a", , "b", , )`), bare symbols (`vbTextCompare`) and the comparisons `=`, `<>`, `<`, `<=`,
//! `>`, `>=` that IIF conditions use. Every node keeps its byte span for precise errors.

use super::functions::{self, Arity};
use super::{ExprError, Node, NodeKind, Op, Span};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Attribute(String),
    Text(String),
    Number(i64),
    Ident(String),
    Open,
    Close,
    Comma,
    Op(Op),
}

#[derive(Debug, Clone)]
struct Spanned {
    token: Token,
    span: Span,
}

/// Deepest nesting accepted (a guard against hostile input).
const MAX_DEPTH: usize = 64;
/// Longest expression accepted, in bytes.
pub(super) const MAX_LEN: usize = 16 * 1024;

#[allow(clippy::too_many_lines)] // One arm per kind of token, each short.
fn lex(text: &str) -> Result<Vec<Spanned>, ExprError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push(Spanned {
                    token: Token::Open,
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            b')' => {
                out.push(Spanned {
                    token: Token::Close,
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            b',' => {
                out.push(Spanned {
                    token: Token::Comma,
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            b'[' => {
                let end = text[i + 1..].find(']').map(|e| i + 1 + e).ok_or_else(|| {
                    ExprError::new(
                        "this attribute reference has no closing ]",
                        Span::new(i, text.len()),
                    )
                })?;
                let name = text[i + 1..end].trim();
                if name.is_empty() {
                    return Err(ExprError::new(
                        "an attribute name is missing between [ and ]",
                        Span::new(i, end + 1),
                    ));
                }
                out.push(Spanned {
                    token: Token::Attribute(name.to_owned()),
                    span: Span::new(i, end + 1),
                });
                i = end + 1;
            }
            b'"' => {
                let mut value = String::new();
                let mut j = i + 1;
                let mut closed = false;
                let mut chars = text[j..].char_indices();
                while let Some((k, ch)) = chars.next() {
                    match ch {
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => break,
                        },
                        '"' => {
                            j += k + 1;
                            closed = true;
                            break;
                        }
                        other => value.push(other),
                    }
                }
                if !closed {
                    return Err(ExprError::new(
                        "this string constant has no closing \" (write \\\" for a quote inside it)",
                        Span::new(i, text.len()),
                    ));
                }
                out.push(Spanned {
                    token: Token::Text(value),
                    span: Span::new(i, j),
                });
                i = j;
            }
            b'&' if bytes.get(i + 1).is_some_and(|b| *b == b'H' || *b == b'h') => {
                let digits_start = i + 2;
                let mut j = digits_start;
                while j < bytes.len() && bytes[j].is_ascii_hexdigit() {
                    j += 1;
                }
                let value = i64::from_str_radix(&text[digits_start..j], 16).map_err(|_| {
                    ExprError::new(
                        "a hexadecimal number (&H…) needs hexadecimal digits",
                        Span::new(i, j.max(i + 2)),
                    )
                })?;
                out.push(Spanned {
                    token: Token::Number(value),
                    span: Span::new(i, j),
                });
                i = j;
            }
            b'0'..=b'9' | b'-' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let value = text[i..j].parse::<i64>().map_err(|_| {
                    ExprError::new("not a whole number (or one too large)", Span::new(i, j))
                })?;
                out.push(Spanned {
                    token: Token::Number(value),
                    span: Span::new(i, j),
                });
                i = j;
            }
            b'=' => {
                out.push(Spanned {
                    token: Token::Op(Op::Eq),
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            b'<' | b'>' => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    (b'<', Some(b'>')) => (Op::Ne, 2),
                    (b'<', Some(b'=')) => (Op::Le, 2),
                    (b'>', Some(b'=')) => (Op::Ge, 2),
                    (b'<', _) => (Op::Lt, 1),
                    _ => (Op::Gt, 1),
                };
                out.push(Spanned {
                    token: Token::Op(op),
                    span: Span::new(i, i + len),
                });
                i += len;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'.')
                {
                    j += 1;
                }
                out.push(Spanned {
                    token: Token::Ident(text[i..j].to_owned()),
                    span: Span::new(i, j),
                });
                i = j;
            }
            _ => {
                let ch = text[start..].chars().next().unwrap_or('?');
                return Err(ExprError::new(
                    format!("unexpected character {ch:?}"),
                    Span::new(start, start + ch.len_utf8()),
                ));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: &'a [Spanned],
    pos: usize,
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Spanned> {
        self.tokens.get(self.pos)
    }

    fn here(&self) -> Span {
        self.peek()
            .map_or(Span::new(self.end, self.end), |t| t.span)
    }

    /// An expression, possibly empty (an omitted argument) when `allow_empty`.
    fn expression(&mut self, depth: usize, allow_empty: bool) -> Result<Node, ExprError> {
        if depth > MAX_DEPTH {
            return Err(ExprError::new(
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
                self.here(),
            ));
        }
        if allow_empty
            && matches!(
                self.peek().map(|t| &t.token),
                Some(Token::Comma | Token::Close)
            )
        {
            let at = self.here().start;
            return Ok(Node {
                kind: NodeKind::Omitted,
                span: Span::new(at, at),
            });
        }
        let left = self.operand(depth)?;
        if let Some(Spanned {
            token: Token::Op(op),
            ..
        }) = self.peek()
        {
            let op = *op;
            self.pos += 1;
            let right = self.operand(depth)?;
            let span = Span::new(left.span.start, right.span.end);
            return Ok(Node {
                kind: NodeKind::Compare {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            });
        }
        Ok(left)
    }

    fn operand(&mut self, depth: usize) -> Result<Node, ExprError> {
        let Some(token) = self.peek().cloned() else {
            return Err(ExprError::new(
                "the expression ends where a value was expected",
                Span::new(self.end, self.end),
            ));
        };
        self.pos += 1;
        let kind = match token.token {
            Token::Attribute(name) => NodeKind::Attribute(name),
            Token::Text(value) => NodeKind::Text(value),
            Token::Number(value) => NodeKind::Number(value),
            Token::Ident(name) => {
                if matches!(self.peek().map(|t| &t.token), Some(Token::Open)) {
                    return self.call(&name, token.span, depth);
                }
                NodeKind::Symbol(name)
            }
            Token::Open | Token::Close | Token::Comma | Token::Op(_) => {
                return Err(ExprError::new(
                    "a value was expected here: a function call, an [attribute] or a \"string\"",
                    token.span,
                ));
            }
        };
        Ok(Node {
            kind,
            span: token.span,
        })
    }

    fn call(&mut self, name: &str, name_span: Span, depth: usize) -> Result<Node, ExprError> {
        let Some(function) = functions::lookup(name) else {
            let hint = functions::closest(name)
                .map(|f| format!("; did you mean {f}?"))
                .unwrap_or_default();
            return Err(ExprError::new(
                format!("unknown function {name}{hint}"),
                name_span,
            ));
        };
        self.pos += 1; // (
        let mut args = Vec::new();
        if matches!(self.peek().map(|t| &t.token), Some(Token::Close)) {
            self.pos += 1;
        } else {
            loop {
                args.push(self.expression(depth + 1, true)?);
                match self.peek().map(|t| t.token.clone()) {
                    Some(Token::Comma) => self.pos += 1,
                    Some(Token::Close) => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => {
                        return Err(ExprError::new(
                            format!("expected , or ) in the arguments of {}", function.name),
                            self.here(),
                        ));
                    }
                    None => {
                        return Err(ExprError::new(
                            format!("{} is missing its closing )", function.name),
                            Span::new(name_span.start, self.end),
                        ));
                    }
                }
            }
        }
        let end = self.tokens[self.pos - 1].span.end;
        let span = Span::new(name_span.start, end);
        // Trailing omitted arguments do not count (`Replace([x], "a", , , "b", , )`).
        let given = args
            .iter()
            .rposition(|a| !matches!(a.kind, NodeKind::Omitted))
            .map_or(0, |p| p + 1);
        let fits = match function.arity {
            Arity::Exactly(n) => given <= n && given >= function.required,
            Arity::AtLeast(n) => given >= n,
        };
        if !fits {
            return Err(ExprError::new(
                format!(
                    "{} {}, but {given} were given",
                    function.name,
                    function.arity_text()
                ),
                span,
            ));
        }
        for (i, arg) in args.iter().enumerate().take(function.required) {
            if matches!(arg.kind, NodeKind::Omitted) {
                return Err(ExprError::new(
                    format!("argument {} of {} is required", i + 1, function.name),
                    arg.span,
                ));
            }
        }
        Ok(Node {
            kind: NodeKind::Call {
                function: function.name,
                args,
            },
            span,
        })
    }
}

/// Parses a whole expression.
pub(super) fn parse(text: &str) -> Result<Node, ExprError> {
    if text.len() > MAX_LEN {
        return Err(ExprError::new(
            format!("the expression is longer than {MAX_LEN} bytes"),
            Span::new(0, text.len()),
        ));
    }
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err(ExprError::new(
            "the expression is empty",
            Span::new(0, text.len()),
        ));
    }
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        end: text.len(),
    };
    let node = parser.expression(0, false)?;
    if let Some(extra) = parser.peek() {
        return Err(ExprError::new(
            "unexpected text after the end of the expression",
            Span::new(extra.span.start, text.len()),
        ));
    }
    Ok(node)
}
