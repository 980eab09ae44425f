//! `cargo xtask bench load`: the release server under wrk on this machine (load generator
//! included), with 100,000 users preloaded, reporting requests per second, p50/p99 latency and
//! the server's RSS for each scenario of the endpoint issue.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::release::{Running, curl_json, ensure_tool, release_binary, rss_kib, spawn};

const USERS: usize = 100_000;
const GROUP_MEMBERS: usize = 10_000;
const THREADS: usize = 2;

pub(crate) struct Scenario<'a> {
    pub(crate) name: &'a str,
    pub(crate) script: &'a str,
    pub(crate) connections: usize,
    pub(crate) seconds: u64,
    pub(crate) env: Vec<(&'a str, String)>,
}

pub(crate) fn wrk(server: &Running, load_dir: &Path, s: &Scenario<'_>) -> Result<Value> {
    eprintln!(
        "==> {} ({} connections, {} s)",
        s.name, s.connections, s.seconds
    );
    let output = Command::new("wrk")
        .args([
            "-t",
            &THREADS.to_string(),
            "-c",
            &s.connections.to_string(),
            "-d",
            &format!("{}s", s.seconds),
            "--latency",
            "--timeout",
            "10s",
        ])
        .arg("-s")
        .arg(load_dir.join(s.script))
        .arg(&server.base)
        .env("SCIM_TOKEN", &server.token)
        .env("SCIM_BASE", &server.base)
        .env("LOAD_DIR", load_dir)
        .envs(s.env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("LOAD "))
        .with_context(|| format!("wrk printed no summary:\n{text}"))?;
    Ok(serde_json::from_str(line)?)
}

type Row = (&'static str, Value, (u64, u64));

/// The figures as a Markdown table.
fn report(backend: &Backend, total_users: usize, rows: Vec<Row>) {
    let on = match (backend.postgres, backend.instances) {
        (false, _) => "SQLite".to_owned(),
        (true, 1) => "PostgreSQL, one instance".to_owned(),
        (true, n) => format!("PostgreSQL, {n} instances (the connections spread evenly)"),
    };
    println!(
        "{total_users} users, a group of {GROUP_MEMBERS} members; {on}; wrk with {THREADS} threads on this machine.\n"
    );
    println!("| scenario | requests | req/s | p50 ms | p99 ms | errors | RSS MiB (peak) |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (name, r, (rss, peak)) in rows {
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} ({:.0}) |",
            r["requests"],
            r["rps"].as_f64().unwrap_or(0.0),
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            r["errors"],
            f64::from(u32::try_from(rss).unwrap_or(u32::MAX)) / 1024.0,
            f64::from(u32::try_from(peak).unwrap_or(u32::MAX)) / 1024.0
        );
    }
}

/// A scenario against every instance at once, the connections spread between them: requests
/// and errors add up, latencies are the worst instance's.
fn wrk_spread(servers: &[&Running], load_dir: &Path, s: &Scenario<'_>) -> Result<Value> {
    if let [server] = servers {
        return wrk(server, load_dir, s);
    }
    let results = std::thread::scope(|scope| {
        let runs: Vec<_> = servers
            .iter()
            .map(|server| {
                let part = Scenario {
                    name: s.name,
                    script: s.script,
                    connections: s.connections / servers.len(),
                    seconds: s.seconds,
                    env: s.env.clone(),
                };
                scope.spawn(move || wrk(server, load_dir, &part))
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap_or_else(|_| bail!("wrk's thread failed")))
            .collect::<Result<Vec<Value>>>()
    })?;
    let sum = |key: &str| results.iter().filter_map(|r| r[key].as_f64()).sum::<f64>();
    // Counts stay integers in the report.
    let count = |key: &str| results.iter().filter_map(|r| r[key].as_u64()).sum::<u64>();
    let max = |key: &str| {
        results
            .iter()
            .filter_map(|r| r[key].as_f64())
            .fold(0.0, f64::max)
    };
    Ok(serde_json::json!({
        "requests": count("requests"),
        "rps": sum("rps"),
        "p50_ms": max("p50_ms"),
        "p99_ms": max("p99_ms"),
        "errors": count("errors"),
    }))
}

/// Users created by [`preload`]: their ids, and Lua files listing ids and userNames for the
/// scripts.
pub(crate) struct Preloaded {
    pub(crate) ids: Vec<String>,
    pub(crate) ids_file: PathBuf,
    pub(crate) names_file: PathBuf,
}

/// Creates at least `users` users with wrk (the first 10 s window's figures are returned),
/// then lists them into `work`'s `ids.lua` and `names.lua`.
pub(crate) fn preload(
    server: &Running,
    load_dir: &Path,
    work: &Path,
    users: usize,
) -> Result<(Value, Preloaded)> {
    let create = wrk(
        server,
        load_dir,
        &Scenario {
            name: "create users",
            script: "create.lua",
            connections: 16,
            seconds: 10,
            env: vec![
                ("TOTAL_USERS", users.to_string()),
                ("PREFIX", "user".into()),
            ],
        },
    )?;
    let mut total = create["requests"].as_u64().unwrap_or(0);
    let mut chunk = 0;
    while total < users as u64 {
        chunk += 1;
        let topped = wrk(
            server,
            load_dir,
            &Scenario {
                name: "preloading users",
                script: "create.lua",
                connections: 16,
                seconds: 10,
                env: vec![
                    ("TOTAL_USERS", users.to_string()),
                    ("PREFIX", format!("pre{chunk}")),
                ],
            },
        )?;
        total += topped["requests"].as_u64().unwrap_or(0);
    }

    eprintln!("==> collecting user ids");
    let mut ids = Vec::with_capacity(users);
    let mut names = Vec::with_capacity(users);
    let mut start_index = 1;
    loop {
        let page = curl_json(
            server,
            "GET",
            &format!("/Users?attributes=userName&count=1000&startIndex={start_index}"),
            None,
        )?;
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            break;
        }
        ids.extend(
            resources
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned)),
        );
        names.extend(
            resources
                .iter()
                .filter_map(|r| r["userName"].as_str().map(str::to_owned)),
        );
        start_index += resources.len();
    }
    let ids_file = work.join("ids.lua");
    let mut f = std::fs::File::create(&ids_file)?;
    writeln!(f, "ids = {{")?;
    for id in &ids {
        writeln!(f, "\"{id}\",")?;
    }
    writeln!(f, "}}")?;
    let names_file = work.join("names.lua");
    let mut f = std::fs::File::create(&names_file)?;
    writeln!(f, "names = {{")?;
    for name in &names {
        writeln!(f, "{},", serde_json::to_string(name)?)?;
    }
    writeln!(f, "}}")?;
    Ok((
        create,
        Preloaded {
            ids,
            ids_file,
            names_file,
        },
    ))
}

/// Creates a group with these users as members and returns its id.
pub(crate) fn create_group(
    server: &Running,
    work: &Path,
    name: &str,
    members: &[String],
) -> Result<String> {
    let members: Vec<Value> = members
        .iter()
        .map(|id| serde_json::json!({"value": id}))
        .collect();
    let body = work.join("group.json");
    std::fs::write(
        &body,
        serde_json::to_vec(&serde_json::json!({"displayName": name, "members": members}))?,
    )?;
    let group = curl_json(
        server,
        "POST",
        "/Groups?excludedAttributes=members",
        Some(&body),
    )?;
    Ok(group["id"]
        .as_str()
        .with_context(|| format!("the group {name} was not created"))?
        .to_owned())
}

/// Runs the load benchmark and prints a Markdown table.
#[allow(clippy::too_many_lines)] // One linear script: start, preload, measure, report.
/// Where `bench load` keeps the data: SQLite (one instance), or PostgreSQL with N instances.
struct Backend {
    postgres: bool,
    instances: usize,
}

fn backend(args: &[String]) -> Result<Backend> {
    let mut backend = Backend {
        postgres: false,
        instances: 1,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--postgres" => backend.postgres = true,
            "--instances" => {
                let n = iter.next().context("--instances needs a number")?;
                backend.instances = n
                    .parse()
                    .ok()
                    .filter(|n| (1..=4).contains(n))
                    .with_context(|| format!("--instances takes 1 to 4, got {n:?}"))?;
            }
            other => bail!(
                "unknown option {other:?}; usage: cargo xtask bench load [--postgres [--instances N]]"
            ),
        }
    }
    if backend.instances > 1 && !backend.postgres {
        bail!("several instances share a PostgreSQL database: add --postgres");
    }
    Ok(backend)
}

/// Runs the load benchmark (`args`: `--postgres`, `--instances N`).
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let backend = backend(args)?;
    ensure_tool("wrk", "wrk")?;
    ensure_tool("curl", "curl")?;
    let binary = release_binary(root)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let work = std::env::temp_dir().join(format!("scim-console-load-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let load_dir = root.join("xtask/load");
    let postgres = if backend.postgres {
        Some(crate::TempPostgres::start(root)?)
    } else {
        None
    };
    let url = postgres.as_ref().map(|p| p.url.clone());
    let server = spawn(&binary, &work.join("data"), &[], None, url.as_deref())?;
    let mut others = Vec::new();
    for _ in 1..backend.instances {
        others.push(spawn(
            &binary,
            &work.join("data"),
            &[],
            Some(&server.token),
            url.as_deref(),
        )?);
    }
    let pid = server.child.id();
    let mut rows = Vec::new();

    let env = |extra: Vec<(&'static str, String)>| {
        let mut e = vec![("TOTAL_USERS", USERS.to_string())];
        e.extend(extra);
        e
    };
    let (create, preloaded) = preload(&server, &load_dir, &work, USERS)?;
    rows.push(("create user (POST /Users)", create, rss_kib(pid)));
    let Preloaded {
        ids,
        ids_file,
        names_file,
    } = preloaded;
    let total_users = ids.len();

    eprintln!("==> creating a group of {GROUP_MEMBERS} members");
    let group_id = create_group(
        &server,
        &work,
        "Everyone",
        &ids[..GROUP_MEMBERS.min(ids.len())],
    )?;

    let scenarios = [
        (
            "GET filter userName eq (any case)",
            "filter.lua",
            vec![("NAMES_FILE", names_file.display().to_string())],
        ),
        (
            "GET page of count=100 near the start (startIndex ≤ 1,000)",
            "page_start.lua",
            vec![],
        ),
        (
            "GET page of count=100 at a random startIndex",
            "page.lua",
            vec![("TOTAL_USERS", total_users.to_string())],
        ),
        (
            "PATCH active",
            "patch.lua",
            vec![("IDS_FILE", ids_file.display().to_string())],
        ),
        (
            "PATCH add a member to a 10,000-member group",
            "member.lua",
            vec![("GROUP_ID", group_id.clone())],
        ),
    ];
    let mut servers = vec![&server];
    servers.extend(others.iter());
    for (name, script, extra) in scenarios {
        let result = wrk_spread(
            &servers,
            &load_dir,
            &Scenario {
                name,
                script,
                connections: 16,
                seconds: 10,
                env: env(extra),
            },
        )?;
        rows.push((name, result, rss_kib(pid)));
    }
    eprintln!("==> bulk requests and 50-member PATCHes");
    let bulk = crate::bulk_bench::measure(&server, &work, 5)?;
    drop(others);
    drop(server);
    drop(postgres);
    let _ = std::fs::remove_dir_all(&work);

    report(&backend, total_users, rows);
    crate::bulk_bench::print(&bulk);
    Ok(())
}
