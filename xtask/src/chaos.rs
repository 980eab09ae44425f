//! `cargo xtask chaos [--kills N]`: crash safety. A release `scim-console serve` takes writes
//! from four clients — creates, PATCHes, group creates, group member additions (three members
//! in one PATCH), deletes — and is killed with SIGKILL at a random moment, N times (default
//! 100), restarted each time. After every restart:
//! - every write that got a 2xx is there (creates readable with what was sent, PATCHed values
//!   the last acknowledged or a later unanswered one, deletes gone, members present);
//! - every write that got no answer left all or nothing (a three-member addition: 0 or 3);
//! - each acknowledged write has its provisioning log record.
//!
//! At the end `scim-console check` finds both databases healthy.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::cargo;

const WORKERS: usize = 4;
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A small xorshift generator (the run's seed is printed, so a failure can be replayed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What a client knows of one user.
#[derive(Debug, Clone, Default)]
struct UserState {
    id: String,
    /// The displayName last acknowledged, and values sent since without an answer.
    display: String,
    unanswered: Vec<String>,
    deleted: bool,
    /// A delete was sent without an answer.
    maybe_deleted: bool,
    /// In a group (never deleted then, so membership stays checkable).
    grouped: bool,
}

/// An addition of three members to a group.
#[derive(Debug, Clone)]
struct Addition {
    group: String,
    members: Vec<String>,
    acknowledged: bool,
}

/// One client's journal.
#[derive(Debug, Default)]
struct Journal {
    users: Vec<UserState>,
    /// userNames created without an answer: each there whole, or not at all.
    unanswered_creates: Vec<String>,
    group: Option<String>,
    additions: Vec<Addition>,
    acknowledged: usize,
    unanswered: usize,
}

/// A running `scim-console serve`.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    origin: String,
    admin_token: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    )
}

/// A request's status and JSON body; `None` when no answer came.
fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: &str,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let auth = format!("Bearer {token}");
    let result = match (method, body) {
        ("GET", _) => agent.get(url).header("Authorization", &auth).call(),
        ("DELETE", _) => agent.delete(url).header("Authorization", &auth).call(),
        ("POST", Some(b)) => agent
            .post(url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/scim+json")
            .send(b.to_string()),
        ("PATCH", Some(b)) => agent
            .patch(url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/scim+json")
            .send(b.to_string()),
        _ => return None,
    };
    let mut response = result.ok()?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Starts a release `serve` without a rate limit on `data`: the server, and its first token when
/// this is the data directory's first start.
pub(crate) fn start(binary: &Path, data: &Path) -> Result<(Server, Option<String>)> {
    let mut child = Command::new(binary)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--port", "0", "--rate-limit", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting scim-console serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut base, mut token, mut admin_token, mut first) =
        (String::new(), None, String::new(), false);
    for line in lines.by_ref() {
        let line = line?;
        let line = line.trim();
        first |= line.starts_with("First start");
        if let Some(rest) = line.strip_prefix("Admin token:") {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .clone_into(&mut admin_token);
        }
        if let Some(rest) = line.strip_prefix("SCIM base URL:") {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .clone_into(&mut base);
            if !first {
                break;
            }
        }
        if let Some(rest) = line.strip_prefix("Bearer token:") {
            token = Some(rest.trim().to_owned());
        }
        if line.contains("shown only now") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    ensure!(
        !base.is_empty(),
        "scim-console serve printed no SCIM base URL"
    );
    let origin = base.split("/scim/").next().unwrap_or_default().to_owned();
    Ok((
        Server {
            child,
            base,
            origin,
            admin_token,
        },
        token,
    ))
}

/// One client: its HTTP agent, where it writes, and its journal.
struct Client<'a> {
    agent: ureq::Agent,
    base: &'a str,
    token: &'a str,
    journal: &'a Mutex<Journal>,
}

impl Client<'_> {
    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Option<(u16, Value)> {
        call(
            &self.agent,
            method,
            &format!("{}{path}", self.base),
            self.token,
            body,
        )
    }

    fn ensure_group(&self, worker: usize) {
        let name = format!("chaos-group-{worker}");
        let body = json!({"schemas": [GROUP], "displayName": name});
        let answer = self.call("POST", "/Groups", Some(&body));
        let mut j = self.journal();
        match answer {
            Some((201, g)) => {
                j.group = g["id"].as_str().map(str::to_owned);
                j.acknowledged += 1;
            }
            Some((409, _)) => {
                // Created by an unanswered attempt: find it.
                let filter = format!("/Groups?filter=displayName%20eq%20%22{name}%22");
                if let Some((200, list)) = self.call("GET", &filter, None) {
                    j.group = list["Resources"][0]["id"].as_str().map(str::to_owned);
                }
            }
            _ => j.unanswered += 1,
        }
    }

    fn create_user(&self, name: String) {
        let body = json!({"schemas": [USER], "userName": name, "displayName": "v0"});
        let answer = self.call("POST", "/Users", Some(&body));
        let mut j = self.journal();
        if let Some((201, u)) = answer {
            j.users.push(UserState {
                id: u["id"].as_str().unwrap_or_default().to_owned(),
                display: "v0".into(),
                ..UserState::default()
            });
            j.acknowledged += 1;
        } else {
            j.unanswered_creates.push(name);
            j.unanswered += 1;
        }
    }

    fn patch_user(&self, i: usize, value: String) {
        let id = {
            let mut j = self.journal();
            j.users[i].unanswered.push(value.clone());
            j.users[i].id.clone()
        };
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": value}]});
        let answer = self.call("PATCH", &format!("/Users/{id}"), Some(&body));
        let mut j = self.journal();
        if matches!(answer, Some((200 | 204, _))) {
            j.users[i].display = value;
            j.users[i].unanswered.clear();
            j.acknowledged += 1;
        } else {
            j.unanswered += 1;
        }
    }

    fn add_members(&self, picked: &[usize]) {
        let (group, members, index) = {
            let mut j = self.journal();
            let members: Vec<String> = picked.iter().map(|i| j.users[*i].id.clone()).collect();
            for i in picked {
                j.users[*i].grouped = true;
            }
            let group = j.group.clone().unwrap_or_default();
            j.additions.push(Addition {
                group: group.clone(),
                members: members.clone(),
                acknowledged: false,
            });
            (group, members, j.additions.len() - 1)
        };
        let value: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": value}]});
        let answer = self.call("PATCH", &format!("/Groups/{group}"), Some(&body));
        let mut j = self.journal();
        if matches!(answer, Some((200 | 204, _))) {
            j.additions[index].acknowledged = true;
            j.acknowledged += 1;
        } else {
            j.unanswered += 1;
        }
    }

    fn delete_user(&self, i: usize) {
        let id = {
            let mut j = self.journal();
            j.users[i].maybe_deleted = true;
            j.users[i].id.clone()
        };
        let answer = self.call("DELETE", &format!("/Users/{id}"), None);
        let mut j = self.journal();
        if matches!(answer, Some((204, _))) {
            j.users[i].deleted = true;
            j.acknowledged += 1;
        } else {
            j.unanswered += 1;
        }
    }
}

/// One client's writes until `stop`, journaled.
fn work(worker: usize, seed: u64, client: &Client<'_>, stop: &AtomicBool) {
    let mut rng = Rng(seed | 1);
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let (has_group, live, free) = {
            let j = client.journal();
            let live: Vec<usize> = (0..j.users.len())
                .filter(|i| !j.users[*i].deleted && !j.users[*i].maybe_deleted)
                .collect();
            let free: Vec<usize> = live
                .iter()
                .copied()
                .filter(|i| !j.users[*i].grouped)
                .collect();
            (j.group.is_some(), live, free)
        };
        let pick = |rng: &mut Rng, from: &[usize]| {
            from[usize::try_from(rng.below(from.len() as u64)).unwrap_or(0)]
        };
        let choice = rng.below(100);
        if !has_group {
            client.ensure_group(worker);
        } else if choice < 45 || live.is_empty() {
            client.create_user(format!("chaos-{worker}-{seed:x}-{n}@contoso.com"));
        } else if choice < 70 {
            let i = pick(&mut rng, &live);
            client.patch_user(i, format!("v{n}"));
        } else if choice < 85 && free.len() >= 3 {
            client.add_members(&free[..3]);
        } else if !free.is_empty() {
            let i = pick(&mut rng, &free);
            client.delete_user(i);
        }
    }
}

/// What a verification round checked.
#[derive(Debug, Default, Clone, Copy)]
struct Verified {
    writes: usize,
    unanswered: usize,
    log_records: usize,
}

fn log_operations(agent: &ureq::Agent, server: &Server, resource: &str) -> Result<Vec<String>> {
    let url = format!("{}/api/logs?resource={resource}&limit=1000", server.origin);
    let (status, page) = call(agent, "GET", &url, &server.admin_token, None)
        .context("the admin API did not answer")?;
    ensure!(status == 200, "GET /api/logs: {status} {page}");
    Ok(page["entries"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|e| (200..300).contains(&e["status"].as_u64().unwrap_or(0)))
                .filter_map(|e| e["operation"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Checks a journal against the restarted server, settling what unanswered writes did.
fn verify(server: &Server, token: &str, j: &mut Journal, with_log: bool) -> Result<Verified> {
    let agent = agent();
    let mut v = verify_users(&agent, server, token, j, with_log)?;
    v.unanswered += verify_creates(&agent, server, token, j)?;
    let groups = verify_additions(&agent, server, token, j, &mut v)?;
    if with_log {
        for group in &groups {
            let ops = log_operations(&agent, server, group)?;
            ensure!(
                ops.iter().any(|o| o == "membershipChange" || o == "update")
                    || j.additions
                        .iter()
                        .all(|a| !a.acknowledged || &a.group != group),
                "group {group} has no membership record: {ops:?}"
            );
            v.log_records += 1;
        }
    }
    // Unanswered additions that did not apply are forgotten; their users stay grouped.
    j.additions.retain(|a| a.acknowledged);
    Ok(v)
}

/// The users: acknowledged writes there, unanswered ones settled.
fn verify_users(
    agent: &ureq::Agent,
    server: &Server,
    token: &str,
    j: &mut Journal,
    with_log: bool,
) -> Result<Verified> {
    let mut v = Verified::default();
    let base = &server.base;
    for u in &mut j.users {
        let answer = call(agent, "GET", &format!("{base}/Users/{}", u.id), token, None)
            .context("no answer")?;
        match (answer.0, u.deleted, u.maybe_deleted) {
            (404, true, _) => v.writes += 1,
            (404, false, true) => {
                u.deleted = true;
                v.unanswered += 1;
            }
            (200, false, maybe) => {
                let shown = answer.1["displayName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if shown != u.display {
                    ensure!(
                        u.unanswered.contains(&shown),
                        "user {}: displayName {shown:?}, acknowledged {:?}, unanswered {:?}",
                        u.id,
                        u.display,
                        u.unanswered
                    );
                    u.display = shown;
                    v.unanswered += 1;
                }
                u.unanswered.clear();
                if maybe {
                    u.maybe_deleted = false;
                    v.unanswered += 1;
                }
                v.writes += 1;
            }
            (status, deleted, _) => bail!(
                "user {} (deleted: {deleted}) answered {status} {}",
                u.id,
                answer.1
            ),
        }
        if with_log && !u.deleted {
            let ops = log_operations(agent, server, &u.id)?;
            ensure!(
                ops.iter().any(|o| o == "create"),
                "user {} has no create record: {ops:?}",
                u.id
            );
            v.log_records += 1;
        }
    }
    Ok(v)
}

/// Creates without an answer: each user there whole (then adopted), or not at all.
fn verify_creates(
    agent: &ureq::Agent,
    server: &Server,
    token: &str,
    j: &mut Journal,
) -> Result<usize> {
    let base = &server.base;
    let mut settled = 0;
    for name in std::mem::take(&mut j.unanswered_creates) {
        let filter = format!("userName%20eq%20%22{name}%22");
        let (status, list) = call(
            agent,
            "GET",
            &format!("{base}/Users?filter={filter}"),
            token,
            None,
        )
        .context("no answer")?;
        ensure!(status == 200, "filter: {status}");
        match list["totalResults"].as_u64() {
            Some(0) => {}
            Some(1) => {
                let u = &list["Resources"][0];
                ensure!(
                    u["displayName"] == "v0",
                    "an unanswered create is half there: {u}"
                );
                j.users.push(UserState {
                    id: u["id"].as_str().unwrap_or_default().to_owned(),
                    display: "v0".into(),
                    ..UserState::default()
                });
            }
            other => bail!("{name}: {other:?} users"),
        }
        settled += 1;
    }
    Ok(settled)
}

/// Member additions: acknowledged ones whole, unanswered ones all or nothing. Returns the
/// groups looked at.
fn verify_additions(
    agent: &ureq::Agent,
    server: &Server,
    token: &str,
    j: &mut Journal,
    v: &mut Verified,
) -> Result<Vec<String>> {
    let base = &server.base;
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for a in &mut j.additions {
        let members = if let Some(m) = groups.get(&a.group) {
            m.clone()
        } else {
            let (status, g) = call(
                agent,
                "GET",
                &format!("{base}/Groups/{}", a.group),
                token,
                None,
            )
            .context("no answer")?;
            ensure!(status == 200, "group {}: {status}", a.group);
            let m: Vec<String> = g["members"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter_map(|x| x["value"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            groups.insert(a.group.clone(), m.clone());
            m
        };
        let present = a.members.iter().filter(|m| members.contains(m)).count();
        if a.acknowledged {
            ensure!(
                present == 3,
                "an acknowledged addition to {} left {present} of 3 members",
                a.group
            );
            v.writes += 1;
        } else {
            ensure!(
                present == 0 || present == 3,
                "an unanswered addition to {} is half applied: {present} of 3",
                a.group
            );
            a.acknowledged = present == 3;
            v.unanswered += 1;
        }
    }
    Ok(groups.into_keys().collect())
}

/// The release `scim-console`, built first.
pub(crate) fn release_binary(root: &Path) -> Result<PathBuf> {
    cargo(
        root,
        &[
            "build",
            "--release",
            "-p",
            "scim-console-cli",
            "--bin",
            "scim-console",
        ],
    )?;
    Ok(crate::ui::target_dir(root).join("release/scim-console"))
}

/// Runs the campaign.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let kills: usize = match args.iter().position(|a| a == "--kills") {
        Some(i) => args.get(i + 1).context("--kills needs a number")?.parse()?,
        None => 100,
    };
    let binary = release_binary(root)?;
    let seed = u64::try_from(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() & u128::from(u64::MAX),
    )? | 1;
    let data: PathBuf = std::env::temp_dir().join(format!("scim-console-chaos-{seed:x}"));
    std::fs::create_dir_all(&data)?;
    println!(
        "chaos: {kills} kills, seed {seed:x}, data {}",
        data.display()
    );
    let (mut server, token) = start(&binary, &data)?;
    let token = token.context("the first start printed no token")?;
    let journals: Vec<Arc<Mutex<Journal>>> = (0..WORKERS).map(|_| Arc::default()).collect();
    let mut rng = Rng(seed);
    let mut total = Verified::default();
    let started = Instant::now();
    for round in 0..kills {
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = journals
            .iter()
            .enumerate()
            .map(|(w, j)| {
                let (j, stop, base, token) =
                    (j.clone(), stop.clone(), server.base.clone(), token.clone());
                let seed = rng.next();
                std::thread::spawn(move || {
                    let client = Client {
                        agent: agent(),
                        base: &base,
                        token: &token,
                        journal: &j,
                    };
                    work(w, seed, &client, &stop);
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150 + rng.below(450)));
        server.child.kill().context("SIGKILL")?;
        server.child.wait()?;
        stop.store(true, Ordering::SeqCst);
        for h in handles {
            let _ = h.join();
        }
        let (restarted, _) = start(&binary, &data)?;
        server = restarted;
        let with_log = round % 10 == 9 || round + 1 == kills;
        for j in &journals {
            let mut j = j.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let v = verify(&server, &token, &mut j, with_log)
                .with_context(|| format!("after kill {} (seed {seed:x})", round + 1))?;
            total.unanswered += v.unanswered;
            total.log_records += v.log_records;
            if round + 1 == kills {
                total.writes += v.writes;
            }
        }
        if (round + 1) % 10 == 0 {
            println!(
                "  {} kills survived ({:.0} s)",
                round + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    finish(
        &binary,
        &data,
        server,
        &journals,
        (kills, started.elapsed(), total),
    )?;
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}

/// Stops the server, checks the databases, and prints the report.
fn finish(
    binary: &Path,
    data: &Path,
    mut server: Server,
    journals: &[Arc<Mutex<Journal>>],
    (kills, elapsed, total): (usize, Duration, Verified),
) -> Result<()> {
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
    let check = Command::new(binary)
        .arg("--data-dir")
        .arg(data)
        .args(["check", "--json"])
        .output()?;
    let health: Value = serde_json::from_slice(&check.stdout).unwrap_or(Value::Null);
    ensure!(health["ok"] == true, "scim-console check: {health}");
    let (acknowledged, unanswered): (usize, usize) = journals.iter().fold((0, 0), |(a, u), j| {
        let j = j.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (a + j.acknowledged, u + j.unanswered)
    });
    println!(
        "\nchaos: {kills} SIGKILLs survived in {:.0} s. {acknowledged} acknowledged writes, all present \
         ({} resources and memberships verified at the end); {unanswered} writes without an answer, \
         each all or nothing; {} log records checked; integrity, foreign keys and counts healthy.",
        elapsed.as_secs_f64(),
        total.writes,
        total.log_records
    );
    Ok(())
}
