//! The identity-provider side of a plan: the mappings an admin enters in the provider (source
//! attribute or expression → SCIM attribute), from a built-in template per provider, and what
//! the provider would send for a source user — which the plan's rules then check, so a consultant
//! sees both sides of the connection from one sample.
//!
//! Expressions are the provider's own: Entra ID's expression language
//! ([`super::expression`]), Okta's `user.attribute` expressions (with `+` and string
//! literals), OneLogin's `{$user.attribute}` macros, and Google Workspace attribute names.

use scim::patch::{PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use scim::{PatchRules, Resource, ResourceSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::expression::{self, Expression};

/// An identity provider.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Provider {
    /// Microsoft Entra ID (expressions: Entra's language, `[attribute]`).
    Entra,
    /// Okta (expressions: `user.attribute`, `+`, `"literals"`).
    Okta,
    /// OneLogin (macros: `{$user.attribute}` inside text).
    OneLogin,
    /// Google Workspace (attribute names, dotted for nested ones).
    Google,
}

/// One mapping entered in the provider.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderMapping {
    /// The provider's source attribute or expression.
    pub source: String,
    /// The SCIM attribute path it fills in the provider's requests.
    pub scim: String,
}

/// The provider side of a plan.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderSide {
    /// The provider.
    pub provider: Provider,
    /// Its mappings.
    #[serde(default)]
    pub mappings: Vec<ProviderMapping>,
}

fn m(source: &str, scim: &str) -> ProviderMapping {
    ProviderMapping {
        source: source.to_owned(),
        scim: scim.to_owned(),
    }
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

impl Provider {
    /// Every provider.
    pub const ALL: [Self; 4] = [Self::Entra, Self::Okta, Self::OneLogin, Self::Google];

    /// Its name in the admin API (`entra`, `okta`, `oneLogin`, `google`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::OneLogin => "oneLogin",
            Self::Google => "google",
        }
    }

    /// A provider by name, in any case (`onelogin` and `oneLogin` alike).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl ProviderSide {
    /// The provider's default mappings for a SCIM app, as its admin center presents them.
    pub fn template(provider: Provider) -> Self {
        let e = |attr: &str| format!("{ENTERPRISE}:{attr}");
        let mappings = match provider {
            Provider::Entra => vec![
                m("[userPrincipalName]", "userName"),
                m(
                    r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
                    "active",
                ),
                m("[displayName]", "displayName"),
                m("[jobTitle]", "title"),
                m("[mail]", "emails[type eq \"work\"].value"),
                m("[preferredLanguage]", "preferredLanguage"),
                m("[givenName]", "name.givenName"),
                m("[surname]", "name.familyName"),
                m(r#"Join(" ", [givenName], [surname])"#, "name.formatted"),
                m(
                    "[physicalDeliveryOfficeName]",
                    "addresses[type eq \"work\"].formatted",
                ),
                m(
                    "[streetAddress]",
                    "addresses[type eq \"work\"].streetAddress",
                ),
                m("[city]", "addresses[type eq \"work\"].locality"),
                m("[state]", "addresses[type eq \"work\"].region"),
                m("[postalCode]", "addresses[type eq \"work\"].postalCode"),
                m("[country]", "addresses[type eq \"work\"].country"),
                m("[telephoneNumber]", "phoneNumbers[type eq \"work\"].value"),
                m("[mobile]", "phoneNumbers[type eq \"mobile\"].value"),
                m(
                    "[facsimileTelephoneNumber]",
                    "phoneNumbers[type eq \"fax\"].value",
                ),
                m("[mailNickname]", "externalId"),
                m("[employeeId]", &e("employeeNumber")),
                m("[department]", &e("department")),
            ],
            Provider::Okta => vec![
                m("user.login", "userName"),
                m("user.firstName", "name.givenName"),
                m("user.lastName", "name.familyName"),
                m("user.email", "emails[type eq \"work\"].value"),
                m("user.displayName", "displayName"),
                m("user.title", "title"),
                m("user.primaryPhone", "phoneNumbers[type eq \"work\"].value"),
                m("user.mobilePhone", "phoneNumbers[type eq \"mobile\"].value"),
                m(
                    "user.streetAddress",
                    "addresses[type eq \"work\"].streetAddress",
                ),
                m("user.city", "addresses[type eq \"work\"].locality"),
                m("user.state", "addresses[type eq \"work\"].region"),
                m("user.zipCode", "addresses[type eq \"work\"].postalCode"),
                m("user.countryCode", "addresses[type eq \"work\"].country"),
                m("user.preferredLanguage", "preferredLanguage"),
                m("user.locale", "locale"),
                m("user.timezone", "timezone"),
                m("user.userType", "userType"),
                m("user.employeeNumber", &e("employeeNumber")),
                m("user.department", &e("department")),
                m("user.organization", &e("organization")),
                m("user.division", &e("division")),
                m("user.costCenter", &e("costCenter")),
            ],
            Provider::OneLogin => vec![
                m("{$parameters.scimusername}", "userName"),
                m("{$user.firstname}", "name.givenName"),
                m("{$user.lastname}", "name.familyName"),
                m("{$user.email}", "emails[type eq \"work\"].value"),
                m("{$user.firstname} {$user.lastname}", "displayName"),
                m("{$user.title}", "title"),
                m("{$user.phone}", "phoneNumbers[type eq \"work\"].value"),
                m("{$user.department}", &e("department")),
                m("{$user.company}", &e("organization")),
            ],
            Provider::Google => vec![
                m("primaryEmail", "userName"),
                m("name.givenName", "name.givenName"),
                m("name.familyName", "name.familyName"),
                m("name.fullName", "displayName"),
                m("primaryEmail", "emails[type eq \"work\"].value"),
                m("organizations.title", "title"),
                m("organizations.department", &e("department")),
                m("phones.work", "phoneNumbers[type eq \"work\"].value"),
                m("phones.mobile", "phoneNumbers[type eq \"mobile\"].value"),
                m("externalIds.organization", &e("employeeNumber")),
                m("id", "externalId"),
            ],
        };
        Self { provider, mappings }
    }

    /// Checks every mapping: the expression parses in the provider's language, the SCIM path is
    /// one of the User schema. Returns (mapping index, problem) pairs.
    pub fn check(&self, schema: &ResourceSchema) -> Vec<(usize, String)> {
        let mut problems = Vec::new();
        for (i, mapping) in self.mappings.iter().enumerate() {
            match PatchPath::parse(&mapping.scim) {
                Ok(p) if schema.resolve(&p.attr).is_some() => {}
                Ok(_) => problems.push((
                    i,
                    format!("{} is not an attribute of the User schema", mapping.scim),
                )),
                Err(e) => problems.push((i, e.detail().to_owned())),
            }
            if let Err(e) = self.compile(&mapping.source) {
                problems.push((i, e));
            }
        }
        problems
    }

    fn compile(&self, source: &str) -> Result<SourceExpr, String> {
        match self.provider {
            Provider::Entra => Expression::parse(source)
                .map(SourceExpr::Entra)
                .map_err(|e| format!("{e}\n{}", e.pointer(source))),
            Provider::Okta => okta(source).map(SourceExpr::Okta),
            Provider::OneLogin => onelogin(source).map(SourceExpr::OneLogin),
            Provider::Google => {
                if source.trim().is_empty() || source.contains(char::is_whitespace) {
                    Err(format!(
                        "\"{source}\" is not a Google Workspace attribute name"
                    ))
                } else {
                    Ok(SourceExpr::Google(source.trim().to_owned()))
                }
            }
        }
    }

    /// What the provider would send to create this source user: each mapping evaluated, then
    /// assembled into a SCIM User. Values that fail to evaluate are reported, not fatal.
    pub fn preview(
        &self,
        source: &Map<String, Value>,
        schema: &ResourceSchema,
    ) -> (Map<String, Value>, Vec<String>) {
        let (operations, mut problems) = self.operations(source);
        let mut schemas = vec![json!("urn:ietf:params:scim:schemas:core:2.0:User")];
        if self.mappings.iter().any(|m| m.scim.starts_with(ENTERPRISE)) {
            schemas.push(json!(ENTERPRISE));
        }
        let empty = Resource::from_map(
            json!({"schemas": schemas})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let request = PatchRequest { operations };
        match scim::patch::apply(&empty, &request, schema, &PatchRules::default()) {
            Ok(outcome) => (outcome.resource.into_map(), problems),
            Err(e) => {
                problems.push(e.detail().to_owned());
                (empty.into_map(), problems)
            }
        }
    }

    /// Each mapping evaluated for a source user, as the operation that sets its SCIM path (in
    /// the mappings' order; a mapping with no value gives none), and the problems met. These
    /// are the attribute paths the provider sends updates for.
    pub fn operations(&self, source: &Map<String, Value>) -> (Vec<PatchOperation>, Vec<String>) {
        let mut problems = Vec::new();
        let mut operations = Vec::new();
        let context = expression::Context::now();
        for mapping in &self.mappings {
            let compiled = match self.compile(&mapping.source) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("{} ← {}: {e}", mapping.scim, mapping.source));
                    continue;
                }
            };
            let value = match compiled.evaluate(source, &context) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{} ← {}: {e}", mapping.scim, mapping.source));
                    continue;
                }
            };
            let value = match (&mapping.scim[..], value) {
                (_, Value::Null) => continue,
                ("active", Value::String(s)) => Value::Bool(s.eq_ignore_ascii_case("true")),
                (_, v) => v,
            };
            let Ok(path) = PatchPath::parse(&mapping.scim) else {
                continue;
            };
            operations.push(PatchOperation {
                op: if path.filter.is_some() {
                    PatchOpKind::Replace
                } else {
                    PatchOpKind::Add
                },
                path: Some(path),
                value: Some(value),
            });
        }
        (operations, problems)
    }
}

/// A provider expression, compiled.
enum SourceExpr {
    Entra(Expression),
    Okta(Vec<OktaTerm>),
    OneLogin(Vec<OneLoginPart>),
    Google(String),
}

enum OktaTerm {
    Attribute(String),
    Literal(String),
}

enum OneLoginPart {
    Macro(String),
    Text(String),
}

/// Okta's simple expressions: `user.attr` (also `appuser.attr`), `"literal"`, joined by `+`.
fn okta(source: &str) -> Result<Vec<OktaTerm>, String> {
    let mut terms = Vec::new();
    for part in split_outside_quotes(source, '+') {
        let part = part.trim();
        if let Some(text) = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            terms.push(OktaTerm::Literal(text.to_owned()));
        } else if let Some(attr) = part
            .strip_prefix("user.")
            .or_else(|| part.strip_prefix("appuser."))
            .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            terms.push(OktaTerm::Attribute(attr.to_owned()));
        } else {
            return Err(format!(
                "\"{part}\" is not an Okta expression term: use user.attribute, \"text\", joined with +"
            ));
        }
    }
    if terms.is_empty() {
        return Err("the Okta expression is empty".into());
    }
    Ok(terms)
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// OneLogin's macros: `{$user.attr}` and `{$parameters.name}` inside text.
fn onelogin(source: &str) -> Result<Vec<OneLoginPart>, String> {
    let mut parts = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{$") {
        if open > 0 {
            parts.push(OneLoginPart::Text(rest[..open].to_owned()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("\"{source}\": a macro {{$… has no closing }}"))?;
        let name = &rest[open + 2..open + close];
        let attr = name
            .strip_prefix("user.")
            .or_else(|| name.strip_prefix("parameters."))
            .ok_or_else(|| {
                format!(
                    "\"{{${name}}}\" is not a OneLogin macro ({{$user.…}} or {{$parameters.…}})"
                )
            })?;
        parts.push(OneLoginPart::Macro(attr.to_owned()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(OneLoginPart::Text(rest.to_owned()));
    }
    Ok(parts)
}

/// A value of a source user by name (case-insensitive), or by dotted path for nested objects.
fn lookup<'a>(source: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(v) = scim::resource::get_ci(source, name) {
        return Some(v);
    }
    let (head, tail) = name.split_once('.')?;
    match scim::resource::get_ci(source, head)? {
        Value::Object(inner) => lookup(inner, tail),
        Value::Array(items) => items.iter().filter_map(Value::as_object).find_map(|o| {
            // Google's lists: `phones.work` is the element whose type is work.
            let typed = o
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(tail));
            if typed {
                o.get("value")
            } else {
                lookup(o, tail)
            }
        }),
        _ => None,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl SourceExpr {
    fn evaluate(
        &self,
        source: &Map<String, Value>,
        context: &expression::Context<'_>,
    ) -> Result<Value, String> {
        match self {
            Self::Entra(e) => e
                .evaluate(source, context)
                .map(|v| v.to_json())
                .map_err(|err| err.to_string()),
            Self::Okta(terms) => {
                let mut out = String::new();
                for term in terms {
                    match term {
                        OktaTerm::Literal(t) => out.push_str(t),
                        OktaTerm::Attribute(a) => match lookup(source, a).and_then(text) {
                            Some(v) => out.push_str(&v),
                            // Okta sends nothing for a mapping whose single attribute is empty.
                            None if terms.len() == 1 => return Ok(Value::Null),
                            None => {}
                        },
                    }
                }
                Ok(Value::String(out))
            }
            Self::OneLogin(parts) => {
                let mut out = String::new();
                let mut any = false;
                for part in parts {
                    match part {
                        OneLoginPart::Text(t) => out.push_str(t),
                        OneLoginPart::Macro(a) => {
                            if let Some(v) = lookup(source, a).and_then(text) {
                                out.push_str(&v);
                                any = true;
                            }
                        }
                    }
                }
                Ok(if any {
                    Value::String(out.trim().to_owned())
                } else {
                    Value::Null
                })
            }
            Self::Google(name) => Ok(lookup(source, name).cloned().unwrap_or(Value::Null)),
        }
    }
}

#[cfg(test)]
mod tests {
    use scim::SchemaRegistry;

    use super::*;

    fn source(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(map) => map,
            other => panic!("a source user is an object, not {other}"),
        }
    }

    #[test]
    fn every_template_checks_clean() {
        let registry = SchemaRegistry::standard();
        for provider in [
            Provider::Entra,
            Provider::Okta,
            Provider::OneLogin,
            Provider::Google,
        ] {
            let side = ProviderSide::template(provider);
            assert!(side.mappings.len() > 5);
            assert_eq!(side.check(registry.user()), vec![], "{provider:?}");
        }
    }

    #[test]
    fn entra_previews_what_entra_would_send() {
        let registry = SchemaRegistry::standard();
        let mut side = ProviderSide::template(Provider::Entra);
        side.mappings
            .push(m(r#"Item(Split([preferredLanguage], "-"), 1)"#, "locale"));
        let user = source(json!({
            "userPrincipalName": "Test_User@contoso.com", "IsSoftDeleted": "False", "givenName": "Zoë", "surname": "Smith",
            "mail": "zoe@contoso.com", "preferredLanguage": "fr-CA", "mobile": "+33612345678", "employeeId": "701984", "mailNickname": "zsmith"
        }));
        let (request, problems) = side.preview(&user, registry.user());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(request["userName"], "Test_User@contoso.com");
        assert_eq!(request["active"], true);
        assert_eq!(request["name"]["formatted"], "Zoë Smith");
        assert_eq!(request["locale"], "fr");
        assert_eq!(
            request["emails"],
            json!([{"type": "work", "value": "zoe@contoso.com"}])
        );
        assert_eq!(
            request["phoneNumbers"],
            json!([{"type": "mobile", "value": "+33612345678"}])
        );
        assert_eq!(request[ENTERPRISE]["employeeNumber"], "701984");
        assert!(
            request["schemas"]
                .as_array()
                .unwrap()
                .contains(&json!(ENTERPRISE))
        );
        assert!(
            request.get("title").is_none(),
            "absent sources send nothing"
        );
    }

    #[test]
    fn okta_onelogin_and_google_expressions() {
        let registry = SchemaRegistry::standard();
        let okta_side = ProviderSide {
            provider: Provider::Okta,
            mappings: vec![
                m("user.firstName + \" \" + user.lastName", "displayName"),
                m("user.login", "userName"),
            ],
        };
        let (request, problems) = okta_side.preview(
            &source(json!({"firstName": "Ann", "lastName": "Lee", "login": "ann@x.com"})),
            registry.user(),
        );
        assert!(problems.is_empty());
        assert_eq!(
            (
                request["displayName"].as_str(),
                request["userName"].as_str()
            ),
            (Some("Ann Lee"), Some("ann@x.com"))
        );
        let bad = ProviderSide {
            provider: Provider::Okta,
            mappings: vec![m("String.toLowerCase(user.email)", "userName")],
        };
        let problems = bad.check(registry.user());
        assert!(
            problems[0].1.contains("not an Okta expression term"),
            "{problems:?}"
        );
        let onelogin_side = ProviderSide::template(Provider::OneLogin);
        let (request, _) = onelogin_side.preview(
            &source(json!({"scimusername": "ann", "firstname": "Ann", "lastname": "Lee", "email": "ann@x.com"})),
            registry.user(),
        );
        assert_eq!(request["displayName"], "Ann Lee");
        assert_eq!(request["userName"], "ann");
        let google = ProviderSide::template(Provider::Google);
        let (request, _) = google.preview(
            &source(json!({"primaryEmail": "ann@x.com", "name": {"givenName": "Ann", "familyName": "Lee", "fullName": "Ann Lee"},
                           "phones": [{"type": "work", "value": "+14155552671"}], "organizations": [{"title": "CTO", "department": "Eng"}]})),
            registry.user(),
        );
        assert_eq!(request["title"], "CTO");
        assert_eq!(request["phoneNumbers"][0]["value"], "+14155552671");
        let entra_bad = ProviderSide {
            provider: Provider::Entra,
            mappings: vec![m("Splitt([mail])", "userName")],
        };
        assert!(
            entra_bad.check(registry.user())[0]
                .1
                .contains("did you mean Split?")
        );
    }
}
