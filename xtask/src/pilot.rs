//! `cargo xtask bench pilot`: pilot-run throughput on this machine. A release `scim-console
//! serve` (no rate limit) is the remote target; a second data directory registers it and runs
//! `pilot run` over a CSV of users, unthrottled, at several worker counts: first run creates
//! everyone, the next finds everyone unchanged (matching query only). Reports users and
//! requests per second.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

const USERS: u32 = 2_000;

fn run_json(binary: &Path, data: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Value> {
    let mut cmd = Command::new(binary);
    cmd.arg("--data-dir").arg(data).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().context("running scim-console")?;
    if !out.status.success() {
        bail!(
            "scim-console {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if out.stdout.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&out.stdout).context("reading scim-console's JSON")
}

/// A console with the configuration `Pilot`, the target `bench`, and `users.csv`.
fn prepare_console(binary: &Path, console: &Path, base: &str, token: &str) -> Result<String> {
    run_json(
        binary,
        console,
        &["config", "create", "Pilot", "--json"],
        &[],
    )?;
    run_json(
        binary,
        console,
        &["target", "add", "--name", "bench", "--url", base, "--json"],
        &[("SCIM_CONSOLE_TARGET_TOKEN", token)],
    )?;
    let csv = console.join("users.csv");
    let mut text =
        String::from("userPrincipalName,mail,givenName,surname,department,IsSoftDeleted\n");
    for i in 0..USERS {
        writeln!(
            text,
            "user{i}@contoso.com,user{i}@contoso.com,User,Number{i},Dept{},False",
            i % 20
        )?;
    }
    std::fs::write(&csv, text)?;
    Ok(csv.display().to_string())
}

/// Runs the benchmark and prints its table.
pub fn run(root: &Path) -> Result<()> {
    let binary = crate::chaos::release_binary(root)?;
    let work = tempfile_dir()?;
    let remote_dir = work.join("remote");
    let mut results = String::new();
    for workers in [1, 4, 8] {
        let _ = std::fs::remove_dir_all(&remote_dir);
        let console = work.join(format!("console-{workers}"));
        let _ = std::fs::remove_dir_all(&console);
        let (mut remote, token) = crate::chaos::start(&binary, &remote_dir)?;
        let token = token.context("the target printed no token")?;
        let base = remote.base.clone();
        let csv = prepare_console(&binary, &console, &base, &token)?;
        let workers_text = workers.to_string();
        for phase in ["create", "unchanged"] {
            let started = Instant::now();
            let report = run_json(
                &binary,
                &console,
                &[
                    "pilot",
                    "run",
                    "--plan",
                    "Pilot",
                    "--source",
                    &csv,
                    "--target",
                    "bench",
                    "--rate",
                    "0",
                    "--concurrency",
                    &workers_text,
                    "--json",
                ],
                &[],
            )?;
            let seconds = started.elapsed().as_secs_f64();
            let requests: u64 = report["users"]
                .as_array()
                .map_or(0, |u| u.iter().filter_map(|u| u["requests"].as_u64()).sum());
            let requests = f64::from(u32::try_from(requests).unwrap_or(u32::MAX));
            let key = if phase == "create" {
                "created"
            } else {
                "unchanged"
            };
            writeln!(
                results,
                "| {workers} | {phase} | {} | {seconds:.2} s | {:.0} | {:.0} |",
                report["counts"][key],
                f64::from(USERS) / seconds,
                requests / seconds
            )?;
        }
        let _ = remote.child.kill();
        let _ = remote.child.wait();
    }
    println!(
        "\n{USERS} users from CSV into a second console on loopback (release builds, no rate limit):\n"
    );
    println!("| workers | phase | users | wall time | users/s | requests/s |");
    println!("| --- | --- | --- | --- | --- | --- |");
    print!("{results}");
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("scim-console-bench-pilot-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
