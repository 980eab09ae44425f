//! `cargo xtask bench hostile`: what a hostile network costs the release server. With 10,000
//! users preloaded, wrk looks users up by `userName` with a valid token (8 connections, 10 s)
//! once alone and once while four threads flood `POST /Users` without a valid token — each
//! request announcing and sending a 256 KiB body with an 8 KB User-Agent, as the probe
//! did. Printed: the lookups' throughput and p50/p99 both times, the refused requests and their
//! answers, and how much the data folder grew per refused request.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::load::{Scenario, preload, wrk};
use crate::release::{ensure_tool, release_binary, start};

const USERS: usize = 10_000;
const FLOOD_THREADS: usize = 4;
const BODY: usize = 256 * 1024;

/// The bytes of every file under `dir`.
fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// What the flood got back.
#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    unauthorized: AtomicU64,
    throttled: AtomicU64,
    other: AtomicU64,
}

/// One refused request: the head, then the body (the server may have answered and closed
/// already), then the status line.
fn refused_request(address: &str, path: &str, head_extra: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n{head_extra}Content-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    let _ = stream.write_all(body);
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).ok()?;
    std::str::from_utf8(&answer[9..12]).ok()?.parse().ok()
}

fn flood(address: &str, path: &str, stop: &AtomicBool, tally: &Tally) {
    let agent = "A".repeat(8_000);
    let mut body = format!(
        "{{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"{}\"}}",
        "x".repeat(BODY - 100)
    )
    .into_bytes();
    body.resize(BODY, b' ');
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let extra = format!("User-Agent: {agent}\r\nAuthorization: Bearer not-a-token-{n}\r\n");
        tally.sent.fetch_add(1, Ordering::Relaxed);
        match refused_request(address, path, &extra, &body) {
            Some(401) => tally.unauthorized.fetch_add(1, Ordering::Relaxed),
            Some(429) => tally.throttled.fetch_add(1, Ordering::Relaxed),
            _ => tally.other.fetch_add(1, Ordering::Relaxed),
        };
    }
}

fn row(name: &str, r: &Value) {
    println!(
        "| {name} | {} | {:.0} | {:.2} | {:.2} | {} |",
        r["requests"],
        r["rps"].as_f64().unwrap_or(0.0),
        r["p50_ms"].as_f64().unwrap_or(0.0),
        r["p99_ms"].as_f64().unwrap_or(0.0),
        r["errors"]
    );
}

/// Floods from [`FLOOD_THREADS`] threads while `during` runs.
fn run_flood(
    address: &str,
    path: &str,
    tally: &Arc<Tally>,
    during: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..FLOOD_THREADS)
        .map(|_| {
            let (address, path, stop, tally) = (
                address.to_owned(),
                path.to_owned(),
                stop.clone(),
                tally.clone(),
            );
            std::thread::spawn(move || flood(&address, &path, &stop, &tally))
        })
        .collect();
    let result = during();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    result
}

/// Runs the benchmark and prints its figures as Markdown.
pub fn run(root: &Path) -> Result<()> {
    ensure_tool("wrk", "wrk")?;
    ensure_tool("curl", "curl")?;
    let binary = release_binary(root)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let work = std::env::temp_dir().join(format!("scim-console-hostile-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    let load_dir = root.join("xtask/load");
    let server = start(&binary, &data)?;
    let (_, preloaded) = preload(&server, &load_dir, &work, USERS)?;
    let lookups = |name: &'static str| Scenario {
        name,
        script: "filter.lua",
        connections: 8,
        seconds: 10,
        env: vec![("NAMES_FILE", preloaded.names_file.display().to_string())],
    };
    let quiet = wrk(&server, &load_dir, &lookups("lookups, no flood"))?;

    // http://127.0.0.1:PORT/scim/default/v2 → the address and the path.
    let rest = server
        .base
        .strip_prefix("http://")
        .context("the bench serves plain HTTP on loopback")?;
    let (address, prefix) = rest.split_once('/').context("a base URL with a path")?;
    let path = format!("/{prefix}/Users");
    // The flood alone first, for what it costs the data folder; then with the lookups.
    std::thread::sleep(Duration::from_secs(2));
    let before = folder_bytes(&data);
    let alone = Arc::new(Tally::default());
    let started = Instant::now();
    run_flood(address, &path, &alone, || {
        std::thread::sleep(Duration::from_secs(10));
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    // The counters of refusals reach the database about once a second.
    std::thread::sleep(Duration::from_secs(3));
    let grown = folder_bytes(&data).saturating_sub(before);
    let sent = alone.sent.load(Ordering::Relaxed);
    let tally = Arc::new(Tally::default());
    let mut flooded = Value::Null;
    run_flood(address, &path, &tally, || {
        flooded = wrk(&server, &load_dir, &lookups("lookups during the flood"))?;
        Ok(())
    })?;

    println!(
        "{USERS} users; lookups by userName with a valid token (wrk, 8 connections, 10 s); the flood: {FLOOD_THREADS} threads of POST /Users without a valid token, {} KiB bodies and an 8 KB User-Agent.\n",
        BODY / 1024
    );
    println!("| lookups | requests | req/s | p50 ms | p99 ms | errors |");
    println!("| --- | --- | --- | --- | --- | --- |");
    row("alone", &quiet);
    row("during the flood", &flooded);
    let p99 = |r: &Value| r["p99_ms"].as_f64().unwrap_or(0.0);
    #[allow(clippy::cast_precision_loss)] // Request counts and byte counts far below 2^52.
    let (per_second, per_request) = (sent as f64 / seconds, grown as f64 / (sent.max(1) as f64));
    println!(
        "\nthe flood alone: {sent} refused requests in {seconds:.1} s ({per_second:.0}/s): {} answered 401, {} 429, {} otherwise; the data folder grew by {grown} bytes ({per_request:.1} bytes per refused request). With the lookups: {} refused requests; lookups' p99 during the flood {:.2}× the quiet one",
        alone.unauthorized.load(Ordering::Relaxed),
        alone.throttled.load(Ordering::Relaxed),
        alone.other.load(Ordering::Relaxed),
        tally.sent.load(Ordering::Relaxed),
        p99(&flooded) / p99(&quiet).max(0.001)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
