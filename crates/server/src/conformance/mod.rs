//! The conformance checker: black-box checks of any SCIM 2.0 endpoint — the console's own or a
//! remote one — against the 2026 interoperability profiles (`docs/interop/profiles.md`: the IETF SCIM 2.0
//! Interoperability Profile and IPSIE AL), what Entra ID and Okta send (`docs/interop/entra.md`, `docs/interop/okta.md`),
//! and two safety rules: a leaver never stays active, and a member removal never empties a
//! group.
//!
//! A run picks the rules of one client profile (`strict` holds the endpoint to every MUST of
//! the profiles; `entra`, `okta` and `rfc` to what those clients need). Read-only checks run by
//! default; checks that write run only when allowed, create resources under a unique prefix and
//! delete exactly what they created, even when a check fails midway. Requests go one at a time
//! at a limited rate, and a 429 is waited out as its `Retry-After` says.

mod checks;
pub mod client;
pub mod report;
pub mod runs;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use reqwest::Method;
use scim_console_core::{ClientProfile, Secret};
use serde::Serialize;
use serde_json::{Value, json};

use crate::outbound::Reply;
use client::Client;
pub use client::Exchange;

/// How binding a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = RuleLevel)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// Required.
    Must,
    /// Recommended.
    Should,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CheckOutcome)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The endpoint follows the rule.
    Pass,
    /// It does not.
    Fail,
    /// Not checked (writes not allowed, nothing to check, an earlier step failed).
    Skip,
}

/// A rule the checker checks.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// A stable identifier, e.g. `interop-5.2-username-case`.
    pub id: &'static str,
    /// What the endpoint must do, in one line.
    pub title: &'static str,
    /// Where the rule comes from, e.g. `SCIM interop profile §5.2`.
    pub source: &'static str,
    /// MUST or SHOULD.
    pub level: Level,
    /// Whether checking it creates, changes or deletes resources.
    pub writes: bool,
    /// The client profiles whose runs check it.
    pub profiles: &'static [ClientProfile],
}

/// One rule's result.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// The rule's identifier.
    pub id: String,
    /// The rule.
    pub title: String,
    /// Where it comes from.
    pub source: String,
    /// MUST or SHOULD.
    pub level: Level,
    /// Whether it writes.
    pub writes: bool,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// Why it failed or was skipped, in one sentence.
    pub why: Option<String>,
    /// The requests sent and the answers received (credentials masked).
    pub exchanges: Vec<Exchange>,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ConformanceReport)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The SCIM base URL checked.
    pub target: String,
    /// The client profile whose rules were checked.
    pub profile: ClientProfile,
    /// Whether writing checks ran.
    pub allow_writes: bool,
    /// The prefix of every resource the run created.
    pub prefix: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// One result per rule, in order.
    pub results: Vec<CheckResult>,
    /// Resources the run created and could not delete afterwards (path: why).
    pub left_behind: Vec<String>,
    /// Requests sent.
    pub requests: u64,
    /// 429 answers waited out.
    pub throttled: u64,
}

impl Report {
    /// How many results came out `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// How many MUST rules failed.
    pub fn failed_musts(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome == Outcome::Fail && r.level == Level::Must)
            .count()
    }

    /// How many MUST rules the run held, and how many of them were checked (passed or
    /// failed, not skipped).
    pub fn musts_checked(&self) -> (usize, usize) {
        let musts = self.results.iter().filter(|r| r.level == Level::Must);
        let total = musts.clone().count();
        let checked = musts.filter(|r| r.outcome != Outcome::Skip).count();
        (checked, total)
    }

    /// The run's verdict.
    pub fn verdict(&self) -> RunVerdict {
        let (checked, total) = self.musts_checked();
        match self.failed_musts() {
            0 if checked < total => RunVerdict::Incomplete { checked, total },
            0 => RunVerdict::Passed { total },
            failed => RunVerdict::Failed { failed },
        }
    }
}

/// What a run says of the endpoint, in one phrase: a run that skipped a MUST does not say
/// "every MUST passed".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunVerdict {
    /// Every MUST rule ran and passed.
    Passed {
        /// How many MUST rules there were.
        total: usize,
    },
    /// No MUST rule failed, but some were skipped.
    Incomplete {
        /// MUST rules checked.
        checked: usize,
        /// MUST rules in the run.
        total: usize,
    },
    /// MUST rules failed.
    Failed {
        /// How many.
        failed: usize,
    },
}

impl std::fmt::Display for RunVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passed { total } => write!(f, "every MUST passed ({total} of {total} checked)"),
            Self::Incomplete { checked, total } => {
                write!(
                    f,
                    "incomplete: {checked} of {total} MUSTs checked, none failed"
                )
            }
            Self::Failed { failed } => write!(f, "{failed} MUST failed"),
        }
    }
}

/// What to check and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The SCIM base URL (`https://host/scim/v2`).
    pub base_url: String,
    /// The bearer token.
    pub token: Secret,
    /// Whose rules.
    pub profile: ClientProfile,
    /// Run the checks that create, change and delete resources.
    pub allow_writes: bool,
    /// Requests per second at most.
    pub rate: f64,
    /// Accept any TLS certificate (the console's own endpoint over loopback only).
    pub trust_any_certificate: bool,
    /// Only the rules whose id contains one of these (all when empty).
    pub only: Vec<String>,
}

impl Options {
    /// A run against an opened target: the profile asked for, else a local configuration's
    /// own, else the strict one; the rate checked ([`check_rate`]).
    pub fn for_target(
        target: &crate::outbound::target::OpenedTarget,
        profile: Option<ClientProfile>,
        allow_writes: bool,
        rate: f64,
    ) -> Result<Self, String> {
        check_rate(rate)?;
        Ok(Self {
            base_url: target.endpoint.base_url.clone(),
            token: (*target.endpoint.bearer).clone(),
            profile: profile
                .or(target.local.as_ref().map(|c| c.client_profile))
                .unwrap_or(ClientProfile::Strict),
            allow_writes,
            rate,
            trust_any_certificate: target.endpoint.trust_any_certificate,
            only: Vec::new(),
        })
    }
}

/// Where a run is, for a progress bar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ConformanceProgress)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Rules done.
    pub done: usize,
    /// Rules in the run.
    pub total: usize,
    /// The rule now being checked (or the last one).
    pub current: String,
    /// The result just finished, if any.
    pub last: Option<CheckResult>,
}

/// Why a check did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The rule is broken: why.
    Fail(String),
    /// The rule could not be checked: why.
    Skip(String),
}

/// What a check answers.
pub type Checked = Result<(), Verdict>;

type CheckFn = for<'a> fn(&'a mut Ctx) -> Pin<Box<dyn Future<Output = Checked> + Send + 'a>>;

/// Fails the check with a sentence unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err($crate::conformance::Verdict::Fail(format!($($why)+)));
        }
    };
}
pub(crate) use ensure;

/// A resource the run created, to delete at the end.
#[derive(Debug, Clone)]
struct Created {
    path: String,
}

/// What the checks share: the client, the rules' profile, what was learnt and created.
pub struct Ctx {
    client: Client,
    profile: ClientProfile,
    prefix: String,
    serial: u32,
    created: Vec<Created>,
    /// `/ServiceProviderConfig`, once read.
    spc: Option<Value>,
    /// `/Schemas` resources, once read.
    schemas: Option<Vec<Value>>,
    /// `/ResourceTypes` resources, once read.
    resource_types: Option<Vec<Value>>,
    /// Requests outside RFC 7644 and the profiles that the endpoint accepted (for the
    /// conformance claim's check).
    lenient_accepted: Vec<String>,
}

impl Ctx {
    /// A fresh, unique name under the run's prefix (`scimcheck-1a2b3c4d-user-3`).
    fn unique(&mut self, what: &str) -> String {
        self.serial += 1;
        format!("{}-{what}-{}", self.prefix, self.serial)
    }

    async fn send(&mut self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.client.send(method, path, body).await
    }

    /// PATCH `path` with these operations, wrapped in the PatchOp message.
    async fn patch(&mut self, path: &str, operations: &Value) -> Reply {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations
        });
        self.send(Method::PATCH, path, Some(&body)).await
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// Creates a resource at `endpoint` (`/Users`, `/Groups`) and remembers it for the
    /// clean-up; answers its id, or fails the check with the answer.
    async fn create(&mut self, endpoint: &str, body: &Value) -> Result<(String, Value), Verdict> {
        let reply = self.send(Method::POST, endpoint, Some(body)).await;
        self.remember(endpoint, &reply);
        if reply.status != 201 {
            return Err(Verdict::Fail(format!(
                "POST {endpoint} answered {} instead of 201",
                reply.summary()
            )));
        }
        let id = reply.body()["id"].as_str().unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(Verdict::Fail(format!(
                "POST {endpoint} answered 201 without an id"
            )));
        }
        Ok((id, reply.json.unwrap_or(Value::Null)))
    }

    /// Notes a resource an answer says was created (201 with an id), for the clean-up.
    fn remember(&mut self, endpoint: &str, reply: &Reply) {
        if reply.status == 201
            && let Some(id) = reply.body()["id"].as_str()
        {
            self.created.push(Created {
                path: format!("{endpoint}/{}", urlencode(id)),
            });
        }
    }

    /// A user under the run's prefix, created the RFC way; answers its id, userName and body.
    async fn user(&mut self) -> Result<(String, String, Value), Verdict> {
        let name = format!("{}@example.com", self.unique("user"));
        let body = user_body(&name, &format!("Ext-{}", self.unique("ext")));
        let (id, created) = self.create("/Users", &body).await?;
        Ok((id, name, created))
    }

    /// Reads a user and answers its `active` (failing the check when it cannot be read).
    async fn active(&mut self, id: &str) -> Result<Option<bool>, Verdict> {
        let reply = self.get(&format!("/Users/{}", urlencode(id))).await;
        ensure!(
            reply.status == 200,
            "GET /Users/{id} answered {}",
            reply.summary()
        );
        Ok(reply.body()["active"].as_bool())
    }

    /// Deletes what the run created, newest first; answers what could not be deleted.
    async fn clean_up(&mut self) -> Vec<String> {
        let mut left = Vec::new();
        while let Some(created) = self.created.pop() {
            let reply = self.send(Method::DELETE, &created.path, None).await;
            if !(reply.status == 204 || reply.status == 200 || reply.status == 404) {
                left.push(format!("{}: {}", created.path, reply.summary()));
            }
        }
        left
    }

    /// The profile's name, for explanations.
    fn profile_name(&self) -> &'static str {
        self.profile.as_str()
    }
}

/// A user body in RFC 7643 form.
fn user_body(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": external_id,
        "name": {"givenName": "Conformance", "familyName": "Check"},
        "displayName": "Conformance Check",
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    })
}

/// A value as a URL path segment or query value.
pub(crate) fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `?filter=…` for a filter expression.
pub(crate) fn filter(expression: &str) -> String {
    format!("filter={}", urlencode(expression))
}

/// Refuses a request rate outside 0.1–1,000 a second, saying so.
pub fn check_rate(rate: f64) -> Result<(), String> {
    if (0.1..=1000.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!(
            "a rate of {rate} requests a second: give one between 0.1 and 1,000"
        ))
    }
}

/// The rules a run of `options` checks, with their checks, in order.
fn selected(options: &Options) -> Vec<&'static (Rule, CheckFn)> {
    checks::ALL
        .iter()
        .filter(|(r, _)| r.profiles.contains(&options.profile))
        .filter(|(r, _)| options.only.is_empty() || options.only.iter().any(|o| r.id.contains(o)))
        .collect()
}

/// The rules a run of `options` checks, in order.
pub fn rules_for(options: &Options) -> Vec<&'static Rule> {
    selected(options)
        .into_iter()
        .map(|(rule, _)| rule)
        .collect()
}

/// Runs the checks of `options` against its endpoint, telling `progress` after each; deletes
/// what it created before answering.
pub async fn run(options: Options, progress: impl Fn(Progress) + Send) -> Result<Report, String> {
    check_rate(options.rate)?;
    let started = Utc::now();
    let client = Client::new(
        &options.base_url,
        options.token.clone(),
        options.rate,
        options.trust_any_certificate,
    )?;
    let mut ctx = Ctx {
        client,
        profile: options.profile,
        prefix: format!("scimcheck-{:08x}", rand::random::<u32>()),
        serial: 0,
        created: Vec::new(),
        spc: None,
        schemas: None,
        resource_types: None,
        lenient_accepted: Vec::new(),
    };
    let selected = selected(&options);
    if selected.is_empty() {
        return Err(format!(
            "no rule of the {} profile matches {}",
            options.profile.as_str(),
            options.only.join(", ")
        ));
    }
    let total = selected.len();
    let mut results = Vec::with_capacity(total);
    for (i, (rule, check)) in selected.into_iter().enumerate() {
        progress(Progress {
            done: i,
            total,
            current: rule.title.to_owned(),
            last: None,
        });
        let began = std::time::Instant::now();
        let verdict = if rule.writes && !options.allow_writes {
            Err(Verdict::Skip(
                "it creates, changes and deletes resources: run with writes allowed (--allow-writes; \"Allow writes\" in the console) to check it".into(),
            ))
        } else {
            check(&mut ctx).await
        };
        let (outcome, why) = match verdict {
            Ok(()) => (Outcome::Pass, None),
            Err(Verdict::Fail(why)) => (Outcome::Fail, Some(why)),
            Err(Verdict::Skip(why)) => (Outcome::Skip, Some(why)),
        };
        let result = CheckResult {
            id: rule.id.to_owned(),
            title: rule.title.to_owned(),
            source: rule.source.to_owned(),
            level: rule.level,
            writes: rule.writes,
            outcome,
            why,
            exchanges: ctx.client.take_exchanges(),
            millis: u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        progress(Progress {
            done: i + 1,
            total,
            current: rule.title.to_owned(),
            last: Some(result.clone()),
        });
        results.push(result);
    }
    let left_behind = ctx.clean_up().await;
    Ok(Report {
        target: options.base_url,
        profile: options.profile,
        allow_writes: options.allow_writes,
        prefix: ctx.prefix,
        started,
        finished: Utc::now(),
        results,
        left_behind,
        requests: ctx.client.sent,
        throttled: ctx.client.throttled,
    })
}
