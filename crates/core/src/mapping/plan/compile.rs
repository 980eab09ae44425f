//! A plan's static validation and compilation against the User schema: every field, rule,
//! transform, scoping rule and the provider side checked, with findings that say where.

use scim::patch::PatchPath;
use scim::schema::{AttributeType, Resolved};
use scim::{Filter, ResourceSchema};

use super::{
    ApplyOn, CompiledField, CompiledPlan, CompiledRule, CompiledTransform, Field, FieldType,
    Finding, GroupRules, Matching, Mode, PLAN_FORMAT, Plan, ResolvedSource, Rule, Scoping,
    Severity, Transform, Unsupported, finding,
};
use crate::mapping::expression::Expression;
use crate::mapping::validators::Validator;

impl Plan {
    /// The default plan for Users: the SCIM attributes targets commonly accept (core
    /// attributes, emails and phone numbers by type, the work address, the primary role,
    /// password, the enterprise extension), each filled from itself, with the formats they
    /// usually enforce; `userName` unique, required and matching.
    #[allow(clippy::too_many_lines)] // A table: one entry per default field.
    pub fn default_users() -> Self {
        let direct = |name: &str, kind: FieldType, validators: Vec<Validator>| Field {
            name: name.to_owned(),
            kind,
            custom: false,
            secret: false,
            immutable: false,
            description: String::new(),
            validators,
        };
        let fields = vec![
            direct(
                "userName",
                FieldType::String,
                vec![Validator::Required, Validator::Unique],
            ),
            direct("externalId", FieldType::String, vec![]),
            direct("active", FieldType::Boolean, vec![]),
            direct("name.givenName", FieldType::String, vec![]),
            direct("name.familyName", FieldType::String, vec![]),
            direct("displayName", FieldType::String, vec![]),
            direct(
                "preferredLanguage",
                FieldType::String,
                vec![Validator::Language { allowed: vec![] }],
            ),
            direct("locale", FieldType::String, vec![]),
            direct("timezone", FieldType::String, vec![Validator::TimeZone]),
            direct("title", FieldType::String, vec![]),
            direct(
                "emails[type eq \"work\"].value",
                FieldType::String,
                vec![Validator::Email],
            ),
            direct(
                "phoneNumbers[type eq \"work\"].value",
                FieldType::String,
                vec![Validator::E164],
            ),
            direct(
                "phoneNumbers[type eq \"mobile\"].value",
                FieldType::String,
                vec![Validator::E164],
            ),
            direct("password", FieldType::String, vec![]),
            direct(
                "addresses[type eq \"work\"].streetAddress",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].locality",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].region",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].postalCode",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].country",
                FieldType::String,
                vec![],
            ),
            direct("roles[primary eq true].value", FieldType::String, vec![]),
        ];
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut fields = fields;
        for attr in [
            "employeeNumber",
            "department",
            "costCenter",
            "organization",
            "division",
            "manager.value",
        ] {
            fields.push(direct(
                &format!("{enterprise}:{attr}"),
                FieldType::String,
                vec![],
            ));
        }
        let rules = fields
            .iter()
            .map(|f| Rule {
                target: f.name.clone(),
                source: f.name.clone(),
                transforms: Vec::new(),
                default: None,
                apply: ApplyOn::Always,
            })
            .collect();
        Self {
            format: PLAN_FORMAT,
            fields,
            rules,
            unsupported: Unsupported::Ignore,
            mode: Mode::Enforce,
            matching: vec![Matching {
                attribute: "userName".into(),
                primary: true,
            }],
            match_local_part: false,
            scoping: Scoping::default(),
            provider: None,
            groups: GroupRules::default(),
        }
    }

    /// Checks the plan against the user schema: every path resolves, every expression parses,
    /// every rule fills a declared field, every required field is filled, exactly one primary
    /// matching attribute, scoping filters parse. The plan compiles unless a finding is an
    /// error.
    #[allow(clippy::too_many_lines)] // One check after the other, each with its finding.
    pub fn compile(&self, schema: &ResourceSchema) -> (Option<CompiledPlan>, Vec<Finding>) {
        let mut findings = Vec::new();
        if self.format != PLAN_FORMAT {
            findings.push(finding(
                Severity::Error,
                "/format".into(),
                format!(
                    "plan format {} is not known to this version (which reads {PLAN_FORMAT})",
                    self.format
                ),
                "export the plan again from the console that wrote it, or upgrade",
            ));
        }
        let mut fields = Vec::new();
        for (i, field) in self.fields.iter().enumerate() {
            let at = format!("/fields/{i}");
            if self.fields[..i]
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&field.name))
            {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/name"),
                    format!("the field {} is declared twice", field.name),
                    "remove one of them",
                ));
            }
            let path = if field.custom {
                if !scim::path::is_attr_name(&field.name) {
                    findings.push(finding(
                        Severity::Error,
                        format!("{at}/name"),
                        format!(
                            "\"{}\" is not a valid attribute name for a custom field",
                            field.name
                        ),
                        "use letters, digits, _ and -, starting with a letter",
                    ));
                }
                None
            } else {
                match PatchPath::parse(&field.name) {
                    Ok(p) if schema.resolve(&p.attr).is_some() => Some(p),
                    Ok(_) => {
                        findings.push(finding(
                            Severity::Error,
                            format!("{at}/name"),
                            format!("{} is not an attribute of the User schema", field.name),
                            "use a SCIM attribute path, or mark the field custom",
                        ));
                        None
                    }
                    Err(e) => {
                        findings.push(finding(
                            Severity::Error,
                            format!("{at}/name"),
                            e.detail(),
                            "write a SCIM path like emails[type eq \"work\"].value",
                        ));
                        None
                    }
                }
            };
            check_secret(field, &at, schema, &mut findings);
            let mut validators = Vec::new();
            for (j, v) in field.validators.iter().enumerate() {
                match v.compile() {
                    Ok(c) => validators.push(c.for_secret(super::is_sensitive(field))),
                    Err(e) => findings.push(finding(
                        Severity::Error,
                        format!("{at}/validators/{j}"),
                        e,
                        "correct the validator's settings",
                    )),
                }
            }
            fields.push(CompiledField {
                spec: field.clone(),
                path,
                validators,
            });
        }
        let mut rules = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("/rules/{i}");
            let target = self
                .fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(&rule.target));
            if target.is_none() {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/target"),
                    format!("{} is not a field of the plan", rule.target),
                    "declare the field, or target an existing one",
                ));
            }
            let source = self.check_source(rule, &at, target, schema, &mut findings);
            let mut transforms = Vec::new();
            for (j, t) in rule.transforms.iter().enumerate() {
                match t {
                    Transform::Expression { expression } => match Expression::parse(expression) {
                        Ok(e) => {
                            if let Some(other) = e
                                .attributes()
                                .into_iter()
                                .find(|a| !a.eq_ignore_ascii_case("value"))
                            {
                                findings.push(finding(
                                    Severity::Error,
                                    format!("{at}/transforms/{j}/expression"),
                                    format!("a transform reads only [value], not [{other}]"),
                                    "write [value] for the rule's source value",
                                ));
                            }
                            transforms.push(CompiledTransform::Expression(e));
                        }
                        Err(e) => findings.push(finding(
                            Severity::Error,
                            format!("{at}/transforms/{j}/expression"),
                            e.to_string(),
                            e.pointer(expression),
                        )),
                    },
                    simple => transforms.push(CompiledTransform::Simple(simple.clone())),
                }
            }
            if let (Some(target), Some((source, resolved))) = (target, source) {
                rules.push(CompiledRule {
                    target,
                    source,
                    resolved,
                    transforms,
                    default: rule.default.clone(),
                    apply: rule.apply,
                });
            }
        }
        for (i, field) in self.fields.iter().enumerate() {
            let required = field.validators.contains(&Validator::Required);
            let filled = self
                .rules
                .iter()
                .any(|r| r.target.eq_ignore_ascii_case(&field.name));
            if required && !filled {
                findings.push(finding(
                    Severity::Error,
                    format!("/fields/{i}"),
                    format!("the required field {} has no rule", field.name),
                    format!("add a rule with target {}", field.name),
                ));
            } else if !filled {
                findings.push(finding(
                    Severity::Warning,
                    format!("/fields/{i}"),
                    format!("nothing fills the field {}", field.name),
                    "add a rule, or remove the field",
                ));
            }
        }
        let primaries = self.matching.iter().filter(|m| m.primary).count();
        if primaries != 1 {
            findings.push(finding(
                Severity::Error,
                "/matching".into(),
                format!("exactly one matching attribute must be primary ({primaries} are)"),
                "mark one attribute (usually userName or externalId) primary",
            ));
        }
        for (i, m) in self.matching.iter().enumerate() {
            if !self
                .fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&m.attribute))
            {
                findings.push(finding(
                    Severity::Error,
                    format!("/matching/{i}/attribute"),
                    format!(
                        "the matching attribute {} is not a field of the plan",
                        m.attribute
                    ),
                    "match on a field the plan fills",
                ));
            }
        }
        let mut users_scope = Vec::new();
        let mut groups_scope = Vec::new();
        for (kind, rules) in [
            ("users", &self.scoping.users),
            ("groups", &self.scoping.groups),
        ] {
            for (i, rule) in rules.iter().enumerate() {
                let at = format!("/scoping/{kind}/{i}/filter");
                match Filter::parse(&rule.filter) {
                    Ok(f) => {
                        if kind == "users" {
                            match f.check(schema) {
                                Ok(()) => users_scope.push((rule.effect, f)),
                                Err(e) => findings.push(finding(
                                    Severity::Error,
                                    at,
                                    e.detail(),
                                    "filter on attributes of the User schema",
                                )),
                            }
                        } else {
                            groups_scope.push((rule.effect, f));
                        }
                    }
                    Err(e) => findings.push(finding(
                        Severity::Error,
                        at,
                        e.to_string(),
                        "write a SCIM filter, e.g. title eq \"Engineer\"",
                    )),
                }
            }
        }
        if let Some(side) = &self.provider {
            self.check_provider(side, schema, &mut findings);
        }
        let mut group_name = Vec::new();
        for (j, v) in self.groups.display_name.iter().enumerate() {
            match v.compile() {
                Ok(c) => group_name.push(c),
                Err(e) => findings.push(finding(
                    Severity::Error,
                    format!("/groups/displayName/{j}"),
                    e,
                    "correct the validator's settings",
                )),
            }
        }
        findings.sort_by_key(|f| f.severity);
        let ok = !findings.iter().any(|f| f.severity == Severity::Error);
        let secret_fields: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.custom && f.secret)
            .map(|f| f.name.as_str())
            .collect();
        let secrets = (!secret_fields.is_empty())
            .then(|| std::sync::Arc::new(crate::logs::secrets().clone().with_names(secret_fields)));
        let compiled = ok.then(|| CompiledPlan {
            plan: self.clone(),
            fields,
            rules,
            users_scope,
            groups_scope,
            group_name,
            secrets,
        });
        (compiled, findings)
    }

    /// Checks the provider's mappings, and that both sides meet: what the rules read is sent,
    /// what is sent is read.
    fn check_provider(
        &self,
        side: &crate::mapping::provider::ProviderSide,
        schema: &ResourceSchema,
        findings: &mut Vec<Finding>,
    ) {
        for (i, problem) in side.check(schema) {
            findings.push(finding(
                Severity::Error,
                format!("/provider/mappings/{i}"),
                problem,
                "correct the mapping as entered in the identity provider",
            ));
        }
        let same = |a: &str, b: &str| {
            let norm = |s: &str| s.replace(' ', "").to_lowercase();
            norm(a) == norm(b)
        };
        for (i, rule) in self.rules.iter().enumerate() {
            if !side.mappings.iter().any(|m| same(&m.scim, &rule.source)) && rule.default.is_none()
            {
                findings.push(finding(
                    Severity::Warning,
                    format!("/rules/{i}/source"),
                    format!(
                        "the identity provider's mappings do not send {}",
                        rule.source
                    ),
                    format!(
                        "add a mapping to {} in the identity provider, or a default to the rule",
                        rule.source
                    ),
                ));
            }
        }
        for (i, mapping) in side.mappings.iter().enumerate() {
            if !self.rules.iter().any(|r| same(&r.source, &mapping.scim)) {
                let effect = match self.unsupported {
                    Unsupported::Reject => "every request carrying it is refused",
                    Unsupported::Ignore => "it is dropped",
                };
                findings.push(finding(
                    if self.unsupported == Unsupported::Reject {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    format!("/provider/mappings/{i}/scim"),
                    format!(
                        "the identity provider sends {} but no rule reads it: {effect}",
                        mapping.scim
                    ),
                    "remove the mapping in the identity provider, or add a field and rule for it",
                ));
            }
        }
    }

    /// Checks a rule's source path: it resolves in the schema, its sub-attribute exists, its
    /// type fits the field's (a warning when not, unless a transform converts it).
    fn check_source(
        &self,
        rule: &Rule,
        at: &str,
        target: Option<usize>,
        schema: &ResourceSchema,
        findings: &mut Vec<Finding>,
    ) -> Option<(PatchPath, ResolvedSource)> {
        let path = match PatchPath::parse(&rule.source) {
            Ok(p) => p,
            Err(e) => {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/source"),
                    e.detail(),
                    "write a SCIM path",
                ));
                return None;
            }
        };
        let Some(Resolved::Attribute(attr)) = schema.resolve(&path.attr) else {
            findings.push(finding(
                Severity::Error,
                format!("{at}/source"),
                format!("{} is not an attribute of the User schema", rule.source),
                "read a SCIM attribute: userName, emails[type eq \"work\"].value, urn:…:enterprise:2.0:User:employeeNumber",
            ));
            return None;
        };
        let leaf = match &path.sub_attr {
            Some(sub) => attr.def.sub(sub),
            None => Some(attr.leaf()),
        };
        match (leaf, target.map(|t| self.fields[t].kind)) {
            (None, _) => findings.push(finding(
                Severity::Error,
                format!("{at}/source"),
                format!(
                    "{} has no sub-attribute {}",
                    path.attr,
                    path.sub_attr.clone().unwrap_or_default()
                ),
                "check the sub-attribute's name",
            )),
            (Some(def), Some(kind)) if !types_fit(def.kind, kind) && rule.transforms.is_empty() => {
                findings.push(finding(
                    Severity::Warning,
                    format!("{at}/source"),
                    format!(
                        "{} is {} but the field {} is {kind:?}",
                        rule.source,
                        def.kind.as_str(),
                        rule.target
                    ),
                    "add a transform, or change the field's type",
                ));
            }
            _ => {}
        }
        let resolved = ResolvedSource {
            extension: attr.extension.map(|e| e.id.clone()),
            def: attr.def.clone(),
            sub: path
                .sub_attr
                .clone()
                .or_else(|| attr.sub.map(|s| s.name.clone())),
        };
        Some((path, resolved))
    }
}

fn types_fit(source: AttributeType, field: FieldType) -> bool {
    matches!(
        (source, field),
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            FieldType::String
        ) | (AttributeType::Boolean, FieldType::Boolean)
            | (AttributeType::Integer, FieldType::Integer)
            | (
                AttributeType::DateTime,
                FieldType::DateTime | FieldType::String
            )
    )
}

/// A field marked secret must be custom (a standard attribute's secrecy is its schema's), and
/// its name must not be a User attribute's or sub-attribute's: secrets are masked by name
/// wherever they appear, and a secret called `value` would hide every email address.
fn check_secret(field: &Field, at: &str, schema: &ResourceSchema, findings: &mut Vec<Finding>) {
    fn names(defs: &[scim::schema::AttributeDef], out: &mut Vec<String>) {
        for def in defs {
            out.push(def.name.to_ascii_lowercase());
            names(&def.sub_attributes, out);
        }
    }
    if !field.secret {
        return;
    }
    if !field.custom {
        findings.push(finding(
            Severity::Error,
            format!("{at}/secret"),
            format!(
                "{} is a standard attribute: whether it is secret is its schema's to say",
                field.name
            ),
            "mark only custom fields secret",
        ));
        return;
    }
    let mut standard = Vec::new();
    names(schema.common(), &mut standard);
    names(&schema.core().attributes, &mut standard);
    for (extension, _) in schema.extensions() {
        names(&extension.attributes, &mut standard);
    }
    if standard.contains(&field.name.to_ascii_lowercase()) {
        findings.push(finding(
            Severity::Error,
            format!("{at}/name"),
            format!(
                "a secret field cannot be called {}: User attributes have that name, and secrets are masked by name wherever they appear",
                field.name
            ),
            "give the secret field a name of its own, such as pin or oneTimeCode",
        ));
    }
}
