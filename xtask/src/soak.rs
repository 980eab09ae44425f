//! `cargo xtask soak [--minutes N]`: the release server under a steady mixed load (creates and
//! deletes, filters, pages, PATCHes, group member changes) for N minutes (default 30), sampling
//! throughput, p50/p99 latency, errors and the server's RSS every 10 s. Writes
//! `docs/soak.csv` and `docs/soak.png` (gnuplot) and prints a summary that compares the first
//! and the last five minutes; then runs the same mix for a minute after checkpointing the
//! write-ahead logs, after a restart, after a restart with the provisioning log moved away, and
//! after `VACUUM` of the directory, to tell whether a slowdown lives in the process, the WALs,
//! the log or the directory's layout. A benchmark, not part of CI.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::load::{self, Scenario};
use crate::release;

/// Users preloaded, at least (the preload runs in 10-second windows, so usually more; creates
/// and deletes then keep the directory at that size). The group the mix adds to and removes from
/// starts with half of them, where random adds and removes balance.
const USERS: usize = 10_000;
/// Seconds per sample.
const WINDOW: u64 = 10;
/// Samples per diagnosis run after the soak (one minute).
const DIAGNOSIS_WINDOWS: u64 = 6;

/// One 10-second sample.
#[derive(Clone)]
struct Sample {
    minute: f64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: u64,
    rss_mib: f64,
    /// The directory's and the provisioning log's write-ahead logs.
    wal_mib: f64,
    log_wal_mib: f64,
}

fn mean(samples: &[Sample], value: impl Fn(&Sample) -> f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // At most a few hundred samples.
    let n = samples.len() as f64;
    samples.iter().map(value).sum::<f64>() / n
}

/// Runs the soak.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let (minutes, rest) = crate::minutes_option(args, 30)?;
    if let Some(arg) = rest.first() {
        bail!("unknown soak option {arg:?}; usage: cargo xtask soak [--minutes N]");
    }
    release::ensure_tool("wrk", "wrk")?;
    release::ensure_tool("curl", "curl")?;
    release::ensure_tool("gnuplot", "gnuplot-nox")?;
    release::ensure_tool("sqlite3", "sqlite3")?;
    let binary = release::release_binary(root)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let work = std::env::temp_dir().join(format!("scim-console-soak-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let load_dir = root.join("xtask/load");
    let server = release::start(&binary, &work.join("data"))?;
    let pid = server.child.id();
    let (_, preloaded) = load::preload(&server, &load_dir, &work, USERS)?;
    let member_count = preloaded.ids.len() / 2;
    let group_id = load::create_group(&server, &work, "Soak", &preloaded.ids[..member_count])?;
    let total_users = preloaded.ids.len();
    let mix = Mix {
        load_dir: &load_dir,
        total_users,
        ids_file: preloaded.ids_file.display().to_string(),
        names_file: preloaded.names_file.display().to_string(),
        group_id,
        data: work.join("data"),
    };
    let samples = mix.run(&server, "soak", minutes * 60 / WINDOW)?;
    let (_, peak_kib) = release::rss_kib(pid);
    if samples.iter().any(|s| s.errors > 0) {
        // wrk counts refusals without saying which: the provisioning log has them.
        eprintln!(
            "==> the provisioning log's refusals during the soak (status, method, resource type, scimType, detail, count):"
        );
        sqlite(
            &work.join("data").join("scim-console-logs.db"),
            "SELECT status, method, coalesce(resource_type, substr(path, 1, 40)), coalesce(scim_type, ''), substr(coalesce(detail, ''), 1, 160), count(*) FROM provisioning_log WHERE status >= 400 GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC LIMIT 20;",
        )?;
    }

    let phases = diagnose(&binary, &mix, server, &work)?;
    // The server's background passes (log retention, recovery, statistics): duration and
    // resident memory around each step.
    if let Ok(log) = std::fs::read_to_string(work.join("server.log")) {
        eprintln!("==> the server's background passes:");
        for line in log
            .lines()
            .filter(|l| l.contains("background pass") || l.contains("retention applied"))
        {
            eprintln!("    {line}");
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    let docs = root.join("docs");
    let csv = docs.join("soak.csv");
    let mut text =
        String::from("minute,rps,p50_ms,p99_ms,max_ms,errors,rss_mib,wal_mib,log_wal_mib\n");
    for s in &samples {
        writeln!(
            text,
            "{:.3},{:.1},{:.3},{:.3},{:.3},{},{:.1},{:.1},{:.1}",
            s.minute,
            s.rps,
            s.p50_ms,
            s.p99_ms,
            s.max_ms,
            s.errors,
            s.rss_mib,
            s.wal_mib,
            s.log_wal_mib
        )?;
    }
    std::fs::write(&csv, text).with_context(|| format!("writing {}", csv.display()))?;
    plot(&csv, &docs.join("soak.png"), minutes)?;

    report(
        &samples,
        &format!(
            "soak: {minutes} min of the mixed load, {total_users} users, a group of {member_count} members, wrk 16 connections"
        ),
        peak_kib,
        &csv,
    )?;
    println!("the same mix for one minute afterwards:");
    println!("| when | req/s | p99 ms |");
    println!("| --- | --- | --- |");
    let tail = usize::try_from(DIAGNOSIS_WINDOWS)?;
    let end = (
        "end of the soak",
        samples[samples.len().saturating_sub(tail)..].to_vec(),
    );
    for (name, part) in std::iter::once(&end).chain(&phases) {
        println!(
            "| {name} | {:.0} | {:.2} |",
            mean(part, |s| s.rps),
            mean(part, |s| s.p99_ms)
        );
    }
    Ok(())
}

/// The mixed load's parameters.
struct Mix<'a> {
    load_dir: &'a Path,
    total_users: usize,
    ids_file: String,
    names_file: String,
    group_id: String,
    /// The server's data folder.
    data: std::path::PathBuf,
}

impl Mix<'_> {
    /// Runs the mix against `server` for `windows` windows, sampling each.
    fn run(&self, server: &release::Running, prefix: &str, windows: u64) -> Result<Vec<Sample>> {
        let pid = server.child.id();
        let mut samples = Vec::new();
        for i in 0..windows {
            let r = load::wrk(
                server,
                self.load_dir,
                &Scenario {
                    name: "soak mix",
                    script: "mixed.lua",
                    connections: 16,
                    seconds: WINDOW,
                    env: vec![
                        ("TOTAL_USERS", self.total_users.to_string()),
                        ("IDS_FILE", self.ids_file.clone()),
                        ("NAMES_FILE", self.names_file.clone()),
                        ("GROUP_ID", self.group_id.clone()),
                        ("PREFIX", format!("{prefix}{i}")),
                    ],
                },
            )?;
            if r["errors"].as_u64().unwrap_or(0) > 0 {
                // Which kind: refusals (non-2xx, also in the provisioning log) or socket errors.
                eprintln!(
                    "    {prefix} window {i}: errors — status {}, connect {}, read {}, write {}, timeout {}",
                    r["status_errors"],
                    r["connect_errors"],
                    r["read_errors"],
                    r["write_errors"],
                    r["timeouts"]
                );
            }
            let (rss_kib, _) = release::rss_kib(pid);
            #[allow(clippy::cast_precision_loss)] // Window counts and KiB fit an f64 exactly.
            let sample = Sample {
                minute: ((i + 1) * WINDOW) as f64 / 60.0,
                rps: r["rps"].as_f64().unwrap_or(0.0),
                p50_ms: r["p50_ms"].as_f64().unwrap_or(0.0),
                p99_ms: r["p99_ms"].as_f64().unwrap_or(0.0),
                max_ms: r["max_ms"].as_f64().unwrap_or(0.0),
                errors: r["errors"].as_u64().unwrap_or(0),
                rss_mib: rss_kib as f64 / 1024.0,
                wal_mib: mib(&self.data.join("scim-console.db-wal")),
                log_wal_mib: mib(&self.data.join("scim-console-logs.db-wal")),
            };
            eprintln!(
                "    {prefix} {:5.1} min: {:6.0} req/s, p99 {:6.2} ms, {} errors, RSS {:.0} MiB, WAL {:.0} + {:.0} MiB",
                sample.minute,
                sample.rps,
                sample.p99_ms,
                sample.errors,
                sample.rss_mib,
                sample.wal_mib,
                sample.log_wal_mib
            );
            samples.push(sample);
        }
        Ok(samples)
    }
}

/// Where does a slowdown live? The same mix for a minute after checkpointing both databases'
/// write-ahead logs into their files (same process), after a restart (the process is new, the
/// data is not), after a restart with the provisioning log moved away, and after the directory
/// was rebuilt (`VACUUM`: no fragmentation left by the creates and deletes) with fresh
/// statistics (`ANALYZE`).
fn diagnose(
    binary: &Path,
    mix: &Mix<'_>,
    server: release::Running,
    work: &Path,
) -> Result<Vec<(&'static str, Vec<Sample>)>> {
    let data = work.join("data");
    for db in ["scim-console.db", "scim-console-logs.db"] {
        checkpoint(&data.join(db))?;
    }
    let mut phases = vec![(
        "after checkpointing the WALs",
        mix.run(&server, "checkpointed", DIAGNOSIS_WINDOWS)?,
    )];
    drop(server);
    let restarted = release::restart(binary, &data)?;
    phases.push((
        "after a restart",
        mix.run(&restarted, "restart", DIAGNOSIS_WINDOWS)?,
    ));
    drop(restarted);
    for suffix in ["", "-wal", "-shm"] {
        let log = data.join(format!("scim-console-logs.db{suffix}"));
        if log.exists() {
            std::fs::rename(&log, work.join(format!("moved-logs.db{suffix}")))?;
        }
    }
    let fresh_log = release::restart(binary, &data)?;
    phases.push((
        "after a restart with an empty log",
        mix.run(&fresh_log, "fresh", DIAGNOSIS_WINDOWS)?,
    ));
    drop(fresh_log);
    sqlite(&data.join("scim-console.db"), "ANALYZE;")?;
    let analyzed = release::restart(binary, &data)?;
    phases.push((
        "after ANALYZE of the directory",
        mix.run(&analyzed, "analyzed", DIAGNOSIS_WINDOWS)?,
    ));
    drop(analyzed);
    sqlite(
        &data.join("scim-console.db"),
        "DELETE FROM sqlite_stat1; VACUUM;",
    )?;
    let vacuumed = release::restart(binary, &data)?;
    phases.push((
        "after VACUUM of the directory (statistics removed)",
        mix.run(&vacuumed, "vacuumed", DIAGNOSIS_WINDOWS)?,
    ));
    Ok(phases)
}

/// A file's size in MiB (0 when it is absent).
fn mib(path: &Path) -> f64 {
    #[allow(clippy::cast_precision_loss)] // File sizes fit an f64 well enough.
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1_048_576.0)
}

/// Copies a database's write-ahead log into the database and truncates it (between loads, so
/// that no reader holds it).
fn checkpoint(db: &Path) -> Result<()> {
    sqlite(db, "PRAGMA wal_checkpoint(TRUNCATE);")
}

/// Runs SQL on a database with the `sqlite3` shell (waiting up to 10 s for a lock).
fn sqlite(db: &Path, sql: &str) -> Result<()> {
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 10000"])
        .arg(db)
        .arg(sql)
        .output()
        .context("running sqlite3")?;
    if !out.status.success() {
        bail!(
            "{sql} on {} failed: {}",
            db.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "    {sql} {}: {}",
        db.display(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    Ok(())
}

/// Prints the totals and the first and last five minutes side by side.
fn report(samples: &[Sample], title: &str, peak_kib: u64, csv: &Path) -> Result<()> {
    let per_five = usize::try_from(5 * 60 / WINDOW)?;
    let first = &samples[..samples.len().min(per_five)];
    let last = &samples[samples.len().saturating_sub(per_five)..];
    let errors: u64 = samples.iter().map(|s| s.errors).sum();
    #[allow(clippy::cast_precision_loss)]
    let requests: f64 = samples.iter().map(|s| s.rps * WINDOW as f64).sum();
    println!("{title}");
    println!("requests: {requests:.0}, errors: {errors}");
    println!("| window | req/s | p50 ms | p99 ms | RSS MiB |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, part) in [("first 5 min", first), ("last 5 min", last)] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.0} |",
            mean(part, |s| s.rps),
            mean(part, |s| s.p50_ms),
            mean(part, |s| s.p99_ms),
            mean(part, |s| s.rss_mib)
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let peak = peak_kib as f64 / 1024.0;
    println!("peak RSS: {peak:.0} MiB; samples in {}", csv.display());
    Ok(())
}

/// Draws latency, throughput and RSS against time.
fn plot(csv: &Path, png: &Path, minutes: u64) -> Result<()> {
    let script = format!(
        r#"set terminal pngcairo size 1000,700 font "DejaVu Sans,10"
set output "{png}"
set datafile separator ","
set key top left
set grid
set xrange [0:{minutes}]
set lmargin at screen 0.08
set rmargin at screen 0.90
set multiplot layout 2,1 title "SCIM Console soak: mixed load, 16 connections, sampled every 10 s"
set ylabel "latency (ms)"
set yrange [0:*]
plot "{csv}" using 1:4 skip 1 with lines lw 2 title "p99", "{csv}" using 1:3 skip 1 with lines lw 2 title "p50"
set xlabel "minutes"
set ylabel "RSS (MiB)"
set y2label "requests/s"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
plot "{csv}" using 1:7 skip 1 with lines lw 2 title "RSS", "{csv}" using 1:2 skip 1 axes x1y2 with lines lw 1 title "requests/s"
unset multiplot
"#,
        png = png.display(),
        csv = csv.display(),
    );
    let mut child = Command::new("gnuplot")
        .stdin(Stdio::piped())
        .spawn()
        .context("starting gnuplot")?;
    child
        .stdin
        .take()
        .context("gnuplot's input")?
        .write_all(script.as_bytes())?;
    if !child.wait()?.success() {
        bail!("gnuplot could not draw {}", png.display());
    }
    Ok(())
}
