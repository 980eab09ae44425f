//! Field validators of a mapping plan: the formats targets enforce (email, E.164 phone numbers,
//! IANA time zones, ISO 639 languages, values from a list, length and pattern, password policy)
//! and presence. Each failure says what is wrong and, where it can, what would be right.
//!
//! `unique` is declared here but decided by the store, which knows the other values.

use std::str::FromStr as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A validator as a plan declares it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Validator {
    /// The field must have a value.
    Required,
    /// No other resource of the configuration may have the same value (compared as the
    /// attribute's `caseExact` says: `externalId` exactly, `userName` in any case).
    Unique,
    /// An email address (RFC 5322 address with a domain that has a top-level domain).
    Email,
    /// A phone number written in E.164: `+`, country code and number, no spaces.
    E164,
    /// An IANA time zone name (`Europe/Paris`).
    TimeZone,
    /// An ISO 639 language: the two-letter code or the English name; when `allowed` is not
    /// empty, one of those (the languages the target has configured).
    Language {
        /// The languages the target accepts (codes or names); empty accepts any.
        #[serde(default)]
        allowed: Vec<String>,
    },
    /// One of a list of values (e.g. the roles defined in the target).
    OneOf {
        /// The accepted values.
        values: Vec<String>,
        /// Whether case matters (default: no).
        #[serde(default)]
        case_sensitive: bool,
    },
    /// A length in characters.
    Length {
        /// At least this many.
        #[serde(default)]
        min: Option<usize>,
        /// At most this many.
        #[serde(default)]
        max: Option<usize>,
    },
    /// Matches a regular expression (the whole value).
    Pattern {
        /// The regular expression (Rust/RE2 syntax, without look-around).
        regex: String,
    },
    /// A password policy.
    PasswordPolicy {
        /// At least this many characters.
        min_length: usize,
        /// At least one upper-case letter.
        #[serde(default)]
        upper: bool,
        /// At least one lower-case letter.
        #[serde(default)]
        lower: bool,
        /// At least one digit.
        #[serde(default)]
        digit: bool,
        /// At least one character that is neither letter nor digit.
        #[serde(default)]
        symbol: bool,
    },
}

/// A validator ready to run (patterns compiled).
#[derive(Debug, Clone)]
pub struct Compiled {
    spec: Validator,
    pattern: Option<regex::Regex>,
    /// Whether it checks a secret field: its messages never repeat the value.
    secret: bool,
}

/// Why a validator refused a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The validator's kind (`e164`, `timeZone`, …).
    pub validator: &'static str,
    /// What is wrong, in words, with a suggestion when there is one.
    pub message: String,
}

impl Validator {
    /// The kind's name, as in the plan's JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Unique => "unique",
            Self::Email => "email",
            Self::E164 => "e164",
            Self::TimeZone => "timeZone",
            Self::Language { .. } => "language",
            Self::OneOf { .. } => "oneOf",
            Self::Length { .. } => "length",
            Self::Pattern { .. } => "pattern",
            Self::PasswordPolicy { .. } => "passwordPolicy",
        }
    }

    /// Checks the declaration itself and prepares it.
    pub fn compile(&self) -> Result<Compiled, String> {
        let pattern = match self {
            Self::Pattern { regex } => Some(
                regex::Regex::new(&format!("^(?:{regex})$"))
                    .map_err(|e| format!("the pattern does not compile: {e}"))?,
            ),
            Self::Length {
                min: Some(min),
                max: Some(max),
            } if min > max => {
                return Err(format!(
                    "the minimum length {min} is above the maximum {max}"
                ));
            }
            Self::OneOf { values, .. } if values.is_empty() => {
                return Err("the list of accepted values is empty".into());
            }
            Self::Language { allowed } => {
                for a in allowed {
                    if language(a).is_none() {
                        return Err(format!("\"{a}\" is not an ISO 639 language code or name"));
                    }
                }
                None
            }
            _ => None,
        };
        Ok(Compiled {
            spec: self.clone(),
            pattern,
            secret: false,
        })
    }
}

/// The ISO 639 language a code (two or three letters) or English name stands for.
fn language(text: &str) -> Option<isolang::Language> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    match t.len() {
        2 => isolang::Language::from_639_1(&lower),
        3 => isolang::Language::from_639_3(&lower),
        _ => None,
    }
    .or_else(|| isolang::Language::from_name(t))
    .or_else(|| isolang::Language::from_name_lowercase(&lower))
}

fn fail(validator: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        validator,
        message: message.into(),
    }
}

impl Compiled {
    /// The declaration.
    pub fn spec(&self) -> &Validator {
        &self.spec
    }

    /// Checks a field's value (None when the field has none). Multi-valued fields are checked
    /// value by value; `unique` always passes here (the store decides it).
    pub fn check(&self, value: Option<&Value>) -> Result<(), Failure> {
        let kind = self.spec.kind();
        let present = value.filter(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        });
        let Some(value) = present else {
            return match self.spec {
                Validator::Required => Err(fail(kind, "a value is required")),
                _ => Ok(()),
            };
        };
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item = match item {
                        Value::Object(o) => o.get("value").unwrap_or(item),
                        other => other,
                    };
                    self.check_one(item).map_err(|mut f| {
                        f.message = format!("value {}: {}", i + 1, f.message);
                        f
                    })?;
                }
                Ok(())
            }
            single => self.check_one(single),
        }
    }

    /// The same validator checking a secret field (`password`, any attribute the schema marks
    /// `writeOnly` or `returned: never`): a refusal says which rule failed, never the value.
    #[must_use]
    pub fn for_secret(mut self, secret: bool) -> Self {
        self.secret = secret;
        self
    }

    fn check_one(&self, value: &Value) -> Result<(), Failure> {
        let verdict = self.check_text(value);
        match verdict {
            Err(mut failure)
                if self.secret && !matches!(self.spec, Validator::PasswordPolicy { .. }) =>
            {
                failure.message = format!(
                    "the value does not pass the {} validator (a secret value is not shown)",
                    failure.validator
                );
                Err(failure)
            }
            other => other,
        }
    }

    fn check_text(&self, value: &Value) -> Result<(), Failure> {
        let kind = self.spec.kind();
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return match self.spec {
                    Validator::Required | Validator::Unique => Ok(()),
                    _ => Err(fail(kind, "expected a text value")),
                };
            }
        };
        match &self.spec {
            Validator::Required | Validator::Unique => Ok(()),
            Validator::Email => check_email(&text),
            Validator::E164 => check_e164(&text),
            Validator::TimeZone => check_time_zone(&text),
            Validator::Language { allowed } => check_language(&text, allowed),
            Validator::OneOf {
                values,
                case_sensitive,
            } => {
                let hit = values.iter().any(|v| {
                    if *case_sensitive {
                        *v == text
                    } else {
                        v.to_lowercase() == text.to_lowercase()
                    }
                });
                if hit {
                    Ok(())
                } else {
                    let shown: Vec<&str> = values.iter().take(10).map(String::as_str).collect();
                    Err(fail(
                        kind,
                        format!(
                            "\"{text}\" is not one of the accepted values ({}{})",
                            shown.join(", "),
                            if values.len() > 10 { ", …" } else { "" }
                        ),
                    ))
                }
            }
            Validator::Length { min, max } => {
                let n = text.chars().count();
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    Err(fail(
                        kind,
                        format!(
                            "{n} characters; the target accepts {}",
                            match (min, max) {
                                (Some(a), Some(b)) => format!("{a} to {b}"),
                                (Some(a), None) => format!("at least {a}"),
                                (None, Some(b)) => format!("at most {b}"),
                                (None, None) => "any length".into(),
                            }
                        ),
                    ))
                } else {
                    Ok(())
                }
            }
            Validator::Pattern { regex } => {
                if self.pattern.as_ref().is_some_and(|p| p.is_match(&text)) {
                    Ok(())
                } else {
                    Err(fail(
                        kind,
                        format!("\"{text}\" does not match the pattern {regex}"),
                    ))
                }
            }
            Validator::PasswordPolicy {
                min_length,
                upper,
                lower,
                digit,
                symbol,
            } => check_password(&text, *min_length, [*upper, *lower, *digit, *symbol]),
        }
    }
}

/// The password policy; the password itself is never repeated in the message.
fn check_password(
    text: &str,
    min_length: usize,
    [upper, lower, digit, symbol]: [bool; 4],
) -> Result<(), Failure> {
    let mut missing = Vec::new();
    if text.chars().count() < min_length {
        missing.push(format!("at least {min_length} characters"));
    }
    if upper && !text.chars().any(char::is_uppercase) {
        missing.push("an upper-case letter".into());
    }
    if lower && !text.chars().any(char::is_lowercase) {
        missing.push("a lower-case letter".into());
    }
    if digit && !text.chars().any(|c| c.is_ascii_digit()) {
        missing.push("a digit".into());
    }
    if symbol && !text.chars().any(|c| !c.is_alphanumeric()) {
        missing.push("a symbol".into());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(fail(
            "passwordPolicy",
            format!("the password policy needs {}", missing.join(", ")),
        ))
    }
}

fn check_email(text: &str) -> Result<(), Failure> {
    let options = email_address::Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    match email_address::EmailAddress::parse_with_options(text.trim(), options) {
        Ok(_) if text.trim() == text => Ok(()),
        Ok(_) => Err(fail("email", format!("\"{text}\" has spaces around it"))),
        Err(e) => Err(fail(
            "email",
            format!("\"{text}\" is not an email address: {e}"),
        )),
    }
}

/// E.164 verdicts already reached: a number's validity depends only on its text and the
/// library's metadata, so it is decided once per process (identity providers resend the same
/// numbers every cycle). Bounded: cleared when full.
static E164_VERDICTS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, Result<(), String>>>,
> = std::sync::LazyLock::new(Default::default);
const E164_CACHE_LIMIT: usize = 16_384;

fn check_e164(text: &str) -> Result<(), Failure> {
    let lock = || {
        E164_VERDICTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(verdict) = lock().get(text) {
        return verdict.clone().map_err(|m| fail("e164", m));
    }
    let verdict = decide_e164(text).map_err(|f| f.message);
    let mut cache = lock();
    if cache.len() >= E164_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(text.to_owned(), verdict.clone());
    verdict.map_err(|m| fail("e164", m))
}

fn decide_e164(text: &str) -> Result<(), Failure> {
    let hint = "E.164 is + then the country code and the number, digits only (e.g. +14155552671)";
    if !text.starts_with('+') {
        return Err(fail(
            "e164",
            format!("\"{text}\" has no country code: {hint}"),
        ));
    }
    let number = phonenumber::parse(None, text).map_err(|e| {
        fail(
            "e164",
            format!("\"{text}\" is not a phone number ({e}); {hint}"),
        )
    })?;
    if !phonenumber::is_valid(&number) {
        return Err(fail(
            "e164",
            format!(
                "\"{text}\" is not a valid number for country code +{}",
                number.code().value()
            ),
        ));
    }
    let formatted = number.format().mode(phonenumber::Mode::E164).to_string();
    if formatted == text {
        Ok(())
    } else {
        Err(fail(
            "e164",
            format!("\"{text}\" is a valid number but not written in E.164: send \"{formatted}\""),
        ))
    }
}

fn check_time_zone(text: &str) -> Result<(), Failure> {
    if chrono_tz::Tz::from_str(text).is_ok() {
        return Ok(());
    }
    match chrono_tz::Tz::from_str_insensitive(text) {
        Ok(tz) => Err(fail(
            "timeZone",
            format!(
                "\"{text}\" is not an IANA time zone name as written: did you mean \"{}\"?",
                tz.name()
            ),
        )),
        Err(_) => Err(fail(
            "timeZone",
            format!("\"{text}\" is not an IANA time zone (e.g. Europe/Paris, America/New_York)"),
        )),
    }
}

fn check_language(text: &str, allowed: &[String]) -> Result<(), Failure> {
    let Some(found) = language(text) else {
        let hint = text
            .split(['-', '_'])
            .next()
            .filter(|head| head.len() == 2 && *head != text && language(head).is_some())
            .map_or_else(
                || ": use a two-letter ISO 639-1 code (en) or an English name (English)".into(),
                |head| {
                    format!(
                        ": send the language alone, \"{head}\" (in Entra: Item(Split([preferredLanguage], \"-\"), 1))"
                    )
                },
            );
        return Err(fail(
            "language",
            format!("\"{text}\" is not a language{hint}"),
        ));
    };
    if allowed.is_empty() || allowed.iter().any(|a| language(a) == Some(found)) {
        Ok(())
    } else {
        Err(fail(
            "language",
            format!(
                "{} is not among the languages the target has configured ({})",
                found.to_name(),
                allowed.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[allow(clippy::needless_pass_by_value)] // Called with json!(…) temporaries.
    fn check(v: &Validator, value: Value) -> Result<(), String> {
        v.compile()
            .unwrap()
            .check(Some(&value))
            .map_err(|f| f.message)
    }

    #[test]
    fn e164_accepts_only_valid_numbers_written_in_e164() {
        for good in [
            "+14155552671",
            "+442079460958",
            "+33142685300",
            "+61291234567",
            "+819012345678",
        ] {
            assert_eq!(check(&Validator::E164, json!(good)), Ok(()), "{good}");
        }
        let cases = [
            ("+1 415 555 2671", "send \"+14155552671\""),
            ("+1 (415) 555-2671", "send \"+14155552671\""),
            ("4155552671", "no country code"),
            ("0044 20 7946 0958", "no country code"),
            ("+1415555267", "not a valid number"),
            ("+99912345678", "not a phone number"),
            ("+", "not a phone number"),
            ("+1415555267a", "not"),
        ];
        for (bad, why) in cases {
            let err = check(&Validator::E164, json!(bad)).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
            // The second verdict comes from the cache and says the same.
            assert_eq!(check(&Validator::E164, json!(bad)).unwrap_err(), err);
        }
    }

    #[test]
    fn time_zones_must_be_iana_names_as_written() {
        for good in [
            "Europe/Paris",
            "America/New_York",
            "Australia/Sydney",
            "UTC",
            "Etc/GMT+2",
            "America/Argentina/Buenos_Aires",
        ] {
            assert_eq!(check(&Validator::TimeZone, json!(good)), Ok(()), "{good}");
        }
        let err = check(&Validator::TimeZone, json!("europe/paris")).unwrap_err();
        assert!(err.contains("did you mean \"Europe/Paris\""), "{err}");
        for bad in ["UTC+2", "Paris", "PST8", "Mars/Olympus_Mons", ""] {
            if bad.is_empty() {
                continue;
            }
            assert!(check(&Validator::TimeZone, json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages_are_codes_or_english_names() {
        let any = Validator::Language { allowed: vec![] };
        for good in ["en", "EN", "fr", "English", "french", "deu"] {
            assert_eq!(check(&any, json!(good)), Ok(()), "{good}");
        }
        let err = check(&any, json!("en-US")).unwrap_err();
        assert!(err.contains("send the language alone, \"en\""), "{err}");
        assert!(check(&any, json!("xx")).is_err());
        let configured = Validator::Language {
            allowed: vec!["en".into(), "French".into()],
        };
        assert_eq!(check(&configured, json!("fr")), Ok(()));
        assert_eq!(check(&configured, json!("English")), Ok(()));
        let err = check(&configured, json!("de")).unwrap_err();
        assert!(err.contains("German is not among"), "{err}");
        assert!(
            Validator::Language {
                allowed: vec!["Nonexistentish".into()]
            }
            .compile()
            .is_err()
        );
    }

    #[test]
    fn a_validator_of_a_secret_field_never_repeats_the_value() {
        let secret = "Hunter2-\"quoted\"";
        for validator in [
            Validator::Pattern {
                regex: "[a-z]+".into(),
            },
            Validator::Email,
            Validator::OneOf {
                values: vec!["a".into()],
                case_sensitive: true,
            },
        ] {
            let compiled = validator.compile().unwrap();
            let open = compiled.check(Some(&json!(secret))).unwrap_err();
            assert!(
                open.message.contains("Hunter2"),
                "a public field says what was sent"
            );
            let hidden = compiled
                .for_secret(true)
                .check(Some(&json!([secret])))
                .unwrap_err();
            assert!(!hidden.message.contains("Hunter2"), "{}", hidden.message);
            assert!(
                hidden.message.contains(hidden.validator),
                "{}",
                hidden.message
            );
        }
    }

    #[test]
    fn emails_lists_lengths_patterns_and_passwords() {
        assert_eq!(
            check(&Validator::Email, json!("bjensen@example.com")),
            Ok(())
        );
        for bad in [
            "bjensen",
            "bjensen@localhost",
            "a b@example.com",
            "@example.com",
            " x@example.com",
        ] {
            assert!(check(&Validator::Email, json!(bad)).is_err(), "{bad}");
        }
        let roles = Validator::OneOf {
            values: vec!["Standard User".into(), "Admin".into()],
            case_sensitive: false,
        };
        assert_eq!(check(&roles, json!("admin")), Ok(()));
        assert_eq!(
            check(&roles, json!([{"value": "Admin", "primary": true}])),
            Ok(())
        );
        let err = check(&roles, json!(["Admin", "Root"])).unwrap_err();
        assert!(err.starts_with("value 2: \"Root\" is not one of"), "{err}");
        let length = Validator::Length {
            min: Some(2),
            max: Some(5),
        };
        assert!(check(&length, json!("a")).is_err() && check(&length, json!("abcdef")).is_err());
        assert_eq!(check(&length, json!("Zoë")), Ok(()));
        assert!(
            Validator::Length {
                min: Some(3),
                max: Some(2)
            }
            .compile()
            .is_err()
        );
        let pattern = Validator::Pattern {
            regex: "[A-Z]{2}[0-9]{4}".into(),
        };
        assert_eq!(check(&pattern, json!("AB1234")), Ok(()));
        assert!(check(&pattern, json!("xAB1234")).is_err(), "anchored");
        assert!(Validator::Pattern { regex: "(".into() }.compile().is_err());
        let policy = Validator::PasswordPolicy {
            min_length: 8,
            upper: true,
            lower: true,
            digit: true,
            symbol: true,
        };
        let err = check(&policy, json!("secret")).unwrap_err();
        assert!(
            err.contains("at least 8 characters")
                && err.contains("a digit")
                && !err.contains("secret"),
            "{err}"
        );
        assert_eq!(check(&policy, json!("t1meMa$heen")), Ok(()));
        let required = Validator::Required.compile().unwrap();
        assert!(required.check(None).is_err() && required.check(Some(&json!(" "))).is_err());
        assert!(
            Validator::Email.compile().unwrap().check(None).is_ok(),
            "absent values are for `required`"
        );
    }

    #[test]
    fn validators_round_trip_as_json() {
        let all = vec![
            Validator::Required,
            Validator::E164,
            Validator::OneOf {
                values: vec!["a".into()],
                case_sensitive: true,
            },
            Validator::PasswordPolicy {
                min_length: 12,
                upper: true,
                lower: false,
                digit: true,
                symbol: false,
            },
        ];
        let text = serde_json::to_string(&all).unwrap();
        assert!(text.contains(r#"{"kind":"e164"}"#), "{text}");
        let back: Vec<Validator> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, all);
        assert!(serde_json::from_str::<Validator>(r#"{"kind":"length","minimum":1}"#).is_err());
    }
}
