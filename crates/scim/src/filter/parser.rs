//! The filter parser: a tokenizer and a recursive-descent parser for the RFC 7644 §3.4.2.2
//! grammar, with `or` < `and` < `not`/grouping precedence and case-insensitive keywords.
//!
//! One extension to the grammar: `emails[type eq "work"].value eq "x"`, which Microsoft Entra ID
//! documents for matching attributes, parses as `emails[type eq "work" and value eq "x"]`.

use serde_json::Number;

use super::{CompareOp, Filter, FilterRules, Literal, Span};
use crate::error::ScimError;
use crate::leniency::{Leniency, note};
use crate::path::{AttrPath, is_attr_name};

/// How deeply parentheses and `not` may nest before the filter is refused.
pub const MAX_DEPTH: usize = 64;

/// How many attribute expressions one filter may hold (it bounds every walk over the tree).
pub const MAX_CLAUSES: usize = 1000;

/// A filter the parser refused: what is wrong and where (a byte offset into the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {column})")]
pub struct FilterError {
    /// What is wrong.
    pub message: String,
    /// Byte offset of the offending text.
    pub offset: usize,
    /// 1-based character column of the offending text.
    pub column: usize,
}

impl From<FilterError> for ScimError {
    fn from(err: FilterError) -> Self {
        ScimError::invalid_filter(format!("invalid filter: {err}"))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Str(String),
    Word(&'a str),
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Str(s) => format!(
            "the string {}",
            serde_json::to_string(s).unwrap_or_default()
        ),
        Tok::Word(w) => format!("\"{w}\""),
    }
}

/// Splits a filter into tokens; `loose` also reads `=` as a token of its own and a string in
/// single quotes ([`FilterRules::loose_syntax`]).
fn tokenize(input: &str, loose: bool) -> Result<Vec<Token<'_>>, (String, usize)> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::with_capacity(16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let single = match b {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'[' => Some(Tok::LBracket),
            b']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = single {
            tokens.push(Token {
                tok,
                start: i,
                end: i + 1,
            });
            i += 1;
            continue;
        }
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if loose && b == b'=' {
            tokens.push(Token {
                tok: Tok::Word(&input[i..=i]),
                start: i,
                end: i + 1,
            });
            i += 1;
            continue;
        }
        if loose && b == b'\'' {
            let Some(len) = input[i + 1..].find('\'') else {
                return Err(("the string is not closed with \"'\"".into(), i));
            };
            note(Leniency::LooseFilterSyntax);
            tokens.push(Token {
                tok: Tok::Str(input[i + 1..i + 1 + len].to_owned()),
                start: i,
                end: i + len + 2,
            });
            i += len + 2;
            continue;
        }
        if b == b'"' {
            let start = i;
            let mut j = i + 1;
            let mut escaped = false;
            loop {
                match bytes.get(j) {
                    None => return Err(("the string is not closed with '\"'".into(), start)),
                    Some(b'\\') => {
                        escaped = true;
                        j += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            let raw = &input[start..=j];
            let value = if escaped {
                serde_json::from_str::<String>(raw).map_err(|_| {
                    (
                        "the string has an invalid escape sequence".to_string(),
                        start,
                    )
                })?
            } else {
                raw[1..raw.len() - 1].to_owned()
            };
            tokens.push(Token {
                tok: Tok::Str(value),
                start,
                end: j + 1,
            });
            i = j + 1;
            continue;
        }
        let start = i;
        let ends_word = |b: u8| {
            matches!(b, b'(' | b')' | b'[' | b']' | b'"')
                || b.is_ascii_whitespace()
                || (loose && b == b'=')
        };
        while i < bytes.len() && !ends_word(bytes[i]) {
            i += 1;
        }
        tokens.push(Token {
            tok: Tok::Word(&input[start..i]),
            start,
            end: i,
        });
    }
    Ok(tokens)
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
    clauses: usize,
    in_value_path: bool,
    /// The rules of a configuration's endpoint, or `None` for the RFC grammar alone.
    rules: Option<FilterRules>,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>, offset: usize) -> FilterError {
        let offset = offset.min(self.input.len());
        FilterError {
            message: message.into(),
            offset,
            column: self.input[..offset].chars().count() + 1,
        }
    }

    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(keyword))
    }

    fn expect(
        &mut self,
        tok: &Tok<'_>,
        what: &str,
        opened_at: usize,
    ) -> Result<Token<'a>, FilterError> {
        match self.next() {
            Some(t) if &t.tok == tok => Ok(t),
            Some(t) => Err(self.error(
                format!("expected {what}, found {}", describe(&t.tok)),
                t.start,
            )),
            None => Err(self.error(
                format!(
                    "expected {what} to close the one opened at character {}",
                    self.input[..opened_at].chars().count() + 1
                ),
                self.input.len(),
            )),
        }
    }

    fn parse_or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Filter, FilterError> {
        let Some(token) = self.next() else {
            return Err(self.error(
                "the filter ends where an expression was expected",
                self.input.len(),
            ));
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(
                format!("the filter nests more than {MAX_DEPTH} levels deep"),
                token.start,
            ));
        }
        let result = match &token.tok {
            Tok::Word(w)
                if w.eq_ignore_ascii_case("not")
                    && matches!(
                        self.peek(),
                        Some(Token {
                            tok: Tok::LParen,
                            ..
                        })
                    ) =>
            {
                let open = self.next().map_or(token.end, |t| t.start);
                let inner = self.parse_or()?;
                let close = self.expect(&Tok::RParen, "')'", open)?;
                Ok(Filter::Not(
                    Box::new(inner),
                    Span {
                        start: token.start,
                        end: close.end,
                    },
                ))
            }
            Tok::LParen => {
                let inner = self.parse_or()?;
                self.expect(&Tok::RParen, "')'", token.start)?;
                Ok(inner)
            }
            Tok::Word(w) => self.parse_attr_expr(w, token.start, token.end),
            other => Err(self.error(
                format!(
                    "expected an attribute name, '(' or 'not', found {}",
                    describe(other)
                ),
                token.start,
            )),
        };
        self.depth -= 1;
        result
    }

    fn parse_path(&self, word: &str, start: usize) -> Result<AttrPath, FilterError> {
        AttrPath::parse(word).map_err(|e| self.error(e.0, start))
    }

    fn parse_attr_expr(
        &mut self,
        word: &'a str,
        start: usize,
        end: usize,
    ) -> Result<Filter, FilterError> {
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return Err(self.error(
                format!("the filter has more than {MAX_CLAUSES} expressions"),
                start,
            ));
        }
        let path = self.parse_path(word, start)?;
        if let Some(Token {
            tok: Tok::LBracket,
            start: b,
            ..
        }) = self.peek()
        {
            let open = *b;
            if open != end {
                return Err(self.error("'[' must follow the attribute name directly", open));
            }
            if self.in_value_path {
                return Err(self.error(
                    "value filters cannot be nested inside another value filter",
                    open,
                ));
            }
            if path.sub_attr().is_some() {
                return Err(self.error(format!("a value filter applies to an attribute, not to the sub-attribute \"{path}\""), start));
            }
            self.pos += 1;
            self.in_value_path = true;
            let inner = self.parse_or();
            self.in_value_path = false;
            let inner = inner?;
            let close = self.expect(&Tok::RBracket, "']'", open)?;
            // Entra's form: attr[filter].sub op value.
            if let Some(Token {
                tok: Tok::Word(w),
                start: s,
                end: e,
            }) = self.peek().cloned()
                && s == close.end
                && let Some(sub) = w.strip_prefix('.')
            {
                if !is_attr_name(sub) {
                    return Err(self.error(
                        format!("\"{sub}\" is not a valid sub-attribute name"),
                        s + 1,
                    ));
                }
                self.pos += 1;
                let tail = self.parse_operation(AttrPath::attr(sub), w, s, e)?;
                return Ok(Filter::ValuePath {
                    span: Span {
                        start,
                        end: tail.span().end,
                    },
                    path,
                    filter: Box::new(Filter::And(Box::new(inner), Box::new(tail))),
                });
            }
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(inner),
                span: Span {
                    start,
                    end: close.end,
                },
            });
        }
        self.parse_operation(path, word, start, end)
    }

    fn parse_operation(
        &mut self,
        path: AttrPath,
        word: &str,
        start: usize,
        end: usize,
    ) -> Result<Filter, FilterError> {
        let Some(op_token) = self.next() else {
            return Err(self.error(
                format!("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after \"{word}\""),
                end,
            ));
        };
        let Tok::Word(op_word) = op_token.tok else {
            return Err(self.error(
                format!("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after \"{word}\", found {}", describe(&op_token.tok)),
                op_token.start,
            ));
        };
        if op_word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present {
                path,
                span: Span {
                    start,
                    end: op_token.end,
                },
            });
        }
        let loose = self.rules.is_some_and(|r| r.loose_syntax);
        let op = if loose && op_word == "=" {
            note(Leniency::LooseFilterSyntax);
            Some(CompareOp::Eq)
        } else {
            CompareOp::from_keyword(op_word)
        };
        let Some(op) = op else {
            let switch = if self.rules.is_some() && op_word.starts_with('=') {
                " (switch looseFilterSyntax reads = as eq)"
            } else {
                ""
            };
            return Err(self.error(
                format!(
                    "\"{op_word}\" is not an operator; use eq, ne, co, sw, ew, gt, ge, lt, le or pr{switch}"
                ),
                op_token.start,
            ));
        };
        let Some(value_token) = self.next() else {
            return Err(self.error(
                format!("expected a value after \"{op_word}\""),
                self.input.len(),
            ));
        };
        let value = match value_token.tok {
            Tok::Str(s) => Literal::String(s),
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Literal::Null,
            Tok::Word(w) => match serde_json::from_str::<Number>(w) {
                Ok(n)
                    if w.bytes()
                        .next()
                        .is_some_and(|b| b == b'-' || b.is_ascii_digit()) =>
                {
                    Literal::Number(n)
                }
                _ if self.rules.is_some_and(|r| r.unquoted_strings) => {
                    note(Leniency::UnquotedFilterStrings);
                    Literal::String(w.to_owned())
                }
                _ => {
                    let switch = if self.rules.is_some() {
                        " (switch unquotedFilterStrings)"
                    } else {
                        ""
                    };
                    return Err(self.error(
                        format!("{w} is not a value; strings are quoted (\"{w}\"), other values are true, false, null or a number{switch}"),
                        value_token.start,
                    ));
                }
            },
            other => {
                return Err(self.error(
                    format!(
                        "expected a value after \"{op_word}\", found {}",
                        describe(&other)
                    ),
                    value_token.start,
                ));
            }
        };
        Ok(Filter::Compare {
            path,
            op,
            value,
            span: Span {
                start,
                end: value_token.end,
            },
        })
    }
}

impl Filter {
    /// Parses a filter as RFC 7644 §3.4.2.2 writes it, or says what is wrong and where.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        Self::parse_text(input, None)
    }

    /// Parses a filter sent to a configuration's endpoint, under its rules: a refusal that a
    /// switch would have accepted names the switch.
    pub fn parse_with(input: &str, rules: FilterRules) -> Result<Filter, FilterError> {
        Self::parse_text(input, Some(rules))
    }

    fn parse_text(input: &str, rules: Option<FilterRules>) -> Result<Filter, FilterError> {
        let mk = |message: String, offset: usize| FilterError {
            column: input[..offset.min(input.len())].chars().count() + 1,
            message,
            offset,
        };
        if input.trim().is_empty() {
            return Err(mk("the filter is empty".into(), 0));
        }
        let tokens =
            tokenize(input, rules.is_some_and(|r| r.loose_syntax)).map_err(|(m, o)| mk(m, o))?;
        let mut parser = Parser {
            input,
            tokens,
            pos: 0,
            depth: 0,
            clauses: 0,
            in_value_path: false,
            rules,
        };
        let filter = parser.parse_or()?;
        if let Some(extra) = parser.peek() {
            return Err(parser.error(
                format!("unexpected {} after a complete expression (join expressions with 'and' or 'or')", describe(&extra.tok)),
                extra.start,
            ));
        }
        Ok(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Filter {
        Filter::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Every filter example of RFC 7644 §3.4.2.2 parses and prints back to itself (modulo
    /// redundant parentheses and keyword case).
    #[test]
    fn parses_every_rfc_7644_example() {
        let examples = [
            (r#"userName Eq "john""#, r#"userName eq "john""#),
            (r#"Username eq "john""#, r#"Username eq "john""#),
            (r#"userName eq "bjensen""#, r#"userName eq "bjensen""#),
            (
                r#"name.familyName co "O'Malley""#,
                r#"name.familyName co "O'Malley""#,
            ),
            (r#"userName sw "J""#, r#"userName sw "J""#),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            ),
            ("title pr", "title pr"),
            (
                r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
                r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            ),
            (
                r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
                r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            ),
            (
                r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
                r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            ),
            (
                r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
                r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            ),
            (
                r#"title pr and userType eq "Employee""#,
                r#"title pr and userType eq "Employee""#,
            ),
            (
                r#"title pr or userType eq "Intern""#,
                r#"title pr or userType eq "Intern""#,
            ),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            ),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                r#"userType eq "Employee" and emails.type eq "work""#,
            ),
            (
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            ),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            ),
        ];
        for (input, printed) in examples {
            assert_eq!(p(input).to_string(), printed, "{input}");
            assert_eq!(p(printed), p(input), "{input}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_both_associate_left() {
        let f = p("a pr or b pr and c pr");
        assert!(matches!(&f, Filter::Or(_, r) if matches!(**r, Filter::And(..))));
        let f = p("a pr and b pr or c pr");
        assert!(matches!(&f, Filter::Or(l, _) if matches!(**l, Filter::And(..))));
        assert_eq!(
            p("a pr and (b pr or c pr)").to_string(),
            "a pr and (b pr or c pr)"
        );
        assert_eq!(
            p("a pr and (b pr and c pr)").to_string(),
            "a pr and (b pr and c pr)"
        );
        assert_eq!(
            p("(a pr and b pr) and c pr").to_string(),
            "a pr and b pr and c pr"
        );
        assert_eq!(p("NOT (a pr) AND b PR").to_string(), "not (a pr) and b pr");
    }

    #[test]
    fn reads_every_literal_kind() {
        let value = |s: &str| match p(s) {
            Filter::Compare { value, .. } => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(value("active eq true"), Literal::Bool(true));
        assert_eq!(value("active eq FALSE"), Literal::Bool(false));
        assert_eq!(value("title eq null"), Literal::Null);
        assert_eq!(value("x eq -12.5e3").to_string(), "-12500.0");
        assert_eq!(value("x eq 42"), Literal::Number(42.into()));
        assert_eq!(
            value(r#"x eq "a \"quoted\" \\ \u00e9""#),
            Literal::String("a \"quoted\" \\ é".into())
        );
    }

    #[test]
    fn unquoted_strings_are_read_only_under_the_rule_and_noted() {
        let lenient = FilterRules {
            unquoted_strings: true,
            ..FilterRules::default()
        };
        let (parsed, noted) =
            crate::leniency::tracked(|| Filter::parse_with("userName eq akadmin", lenient));
        assert_eq!(parsed.unwrap().to_string(), r#"userName eq "akadmin""#);
        assert_eq!(noted.switches(), ["unquotedFilterStrings"]);
        // Up to the next space, ')' or ']', with '@', '.', '-' and '_' inside the word.
        let f = Filter::parse_with(
            "(externalId eq j.young-2_x@contoso.com) and emails[value eq a@b.c]",
            lenient,
        )
        .unwrap();
        assert_eq!(
            f.to_string(),
            r#"externalId eq "j.young-2_x@contoso.com" and emails[value eq "a@b.c"]"#
        );
        // Keywords and numbers keep their meaning; quoted strings read as before, unnoted.
        let f =
            Filter::parse_with("active eq TRUE and x eq 42 and title eq null", lenient).unwrap();
        assert_eq!(
            f.to_string(),
            "active eq true and x eq 42 and title eq null"
        );
        let (_, noted) = crate::leniency::tracked(|| {
            Filter::parse_with(r#"userName eq "akadmin""#, lenient).unwrap()
        });
        assert!(noted.is_empty());
        // Off: refused as before, naming the switch; the RFC grammar names none.
        let err = Filter::parse_with("userName eq akadmin", FilterRules::default()).unwrap_err();
        assert!(
            err.message.contains("strings are quoted"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("unquotedFilterStrings"),
            "{}",
            err.message
        );
        let err = Filter::parse("userName eq akadmin").unwrap_err();
        assert!(!err.message.contains("switch"), "{}", err.message);
    }

    #[test]
    fn xmatters_spelling_is_read_only_under_loose_syntax_and_noted() {
        let loose = FilterRules {
            loose_syntax: true,
            ..FilterRules::default()
        };
        // The document's own spelling, spaces around '=' or none, single quotes.
        for text in [
            "emails[type ='Work Email'].value eq \"a@b.c\"",
            "emails[type = 'Work Email'].value eq 'a@b.c'",
            "emails[type='Work Email'].value = \"a@b.c\"",
            "emails[type eq 'Work Email'].value eq \"a@b.c\"",
        ] {
            let (parsed, noted) = crate::leniency::tracked(|| Filter::parse_with(text, loose));
            assert_eq!(
                parsed.unwrap().to_string(),
                r#"emails[type eq "Work Email" and value eq "a@b.c"]"#,
                "{text}"
            );
            assert_eq!(noted.switches(), ["looseFilterSyntax"], "{text}");
        }
        // An apostrophe inside a double-quoted string or a word is not a quote.
        let f = Filter::parse_with(r#"name.familyName eq "O'Brien""#, loose).unwrap();
        assert_eq!(f.to_string(), r#"name.familyName eq "O'Brien""#);
        let err = Filter::parse_with("userName eq 'open", loose).unwrap_err();
        assert!(err.message.contains("not closed"), "{}", err.message);
        // Off: refused, naming the switch; the RFC grammar names none.
        let err = Filter::parse_with("emails[type ='Work Email'].value", FilterRules::default())
            .unwrap_err();
        assert!(err.message.contains("looseFilterSyntax"), "{}", err.message);
        assert!(Filter::parse("userName = \"a\"").is_err());
    }

    #[test]
    fn entra_value_path_with_sub_attribute_comparison_is_accepted() {
        let f = p(r#"emails[type eq "work"].value eq "a@b.c""#);
        assert_eq!(
            f.to_string(),
            r#"emails[type eq "work" and value eq "a@b.c"]"#
        );
        let f = p(r#"emails[type eq "work"].value pr"#);
        assert_eq!(f.to_string(), r#"emails[type eq "work" and value pr]"#);
    }

    #[test]
    fn errors_say_what_is_wrong_and_where() {
        let e = |s: &str| Filter::parse(s).unwrap_err();
        assert_eq!(e("").message, "the filter is empty");
        let err = e("userName");
        assert!(
            err.message.contains("expected an operator"),
            "{}",
            err.message
        );
        let err = e(r#"userName eqq "a""#);
        assert_eq!(
            (err.message.as_str(), err.column),
            (
                "\"eqq\" is not an operator; use eq, ne, co, sw, ew, gt, ge, lt, le or pr",
                10
            )
        );
        let err = e("userName eq john");
        assert!(
            err.message.contains("strings are quoted"),
            "{}",
            err.message
        );
        assert_eq!(err.column, 13);
        assert!(e(r#"userName eq "john"#).message.contains("not closed"));
        assert!(e(r#"(userName eq "a""#).message.contains("expected ')'"));
        assert!(
            e(r#"userName eq "a" userName eq "b""#)
                .message
                .contains("after a complete expression")
        );
        assert!(
            e(r#"emails[type eq "work" and x[y pr]]"#)
                .message
                .contains("cannot be nested")
        );
        assert!(
            e(r#"emails[type eq "work""#)
                .message
                .contains("expected ']'")
        );
        assert!(
            e(r#"1abc eq "x""#)
                .message
                .contains("not a valid attribute name")
        );
        assert!(
            e("a pr and")
                .message
                .contains("ends where an expression was expected")
        );
        assert!(e(r#"x eq "\q""#).message.contains("escape"));
        let scim: ScimError = e("userName").into();
        assert_eq!(scim.scim_type(), Some(crate::ScimType::InvalidFilter));
        assert!(
            scim.detail()
                .starts_with("invalid filter: expected an operator")
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}a pr{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(
            Filter::parse(&deep)
                .unwrap_err()
                .message
                .contains("nests more than")
        );
        let nots = format!("{}a pr{}", "not (".repeat(100), ")".repeat(100));
        assert!(Filter::parse(&nots).is_err());
        let ok = format!(
            "{}a pr{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(Filter::parse(&ok).is_ok());
        let long = vec!["a pr"; MAX_CLAUSES + 1].join(" and ");
        assert!(
            Filter::parse(&long)
                .unwrap_err()
                .message
                .contains("more than")
        );
    }

    #[test]
    fn spans_point_at_the_source_text() {
        let src = r#"title pr and userName eq "x""#;
        let Filter::And(l, r) = p(src) else { panic!() };
        assert_eq!(&src[l.span().start..l.span().end], "title pr");
        assert_eq!(&src[r.span().start..r.span().end], r#"userName eq "x""#);
    }
}
