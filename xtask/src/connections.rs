//! `cargo xtask bench connections`: the release server's memory with thousands of idle and
//! half-sent connections, whether it still answers among them, and whether its header timeout
//! closes them all.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::release;

/// Connections opened.
const CONNECTIONS: usize = 10_000;
/// The server's header timeout for this bench, in seconds: longer than opening all the
/// connections takes here (up to a minute when the accept queue overflows and SYNs are retried).
const HEADER_TIMEOUT: u64 = 120;

fn mib(kib: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // KiB of a process fit an f64 exactly.
    let kib = kib as f64;
    kib / 1024.0
}

/// Whether the server answers a SCIM request (with curl, on a connection of its own).
fn answers(server: &release::Running) -> Result<bool> {
    let output = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "5",
            "-H",
            &format!("Authorization: Bearer {}", server.token),
        ])
        .arg(format!("{}/Users?count=1", server.base))
        .output()
        .context("running curl")?;
    Ok(output.stdout == b"200")
}

/// Runs the measurement and prints a Markdown table.
pub fn run(root: &Path) -> Result<()> {
    release::ensure_tool("curl", "curl")?;
    let binary = release::release_binary(root)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let work = std::env::temp_dir().join(format!("scim-console-connections-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let timeout = HEADER_TIMEOUT.to_string();
    let server = release::start_with(&binary, &work.join("data"), &["--header-timeout", &timeout])?;
    let pid = server.child.id();
    let addr = server
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .context("the base URL has no address")?
        .to_owned();
    let mut rows = Vec::new();
    let answered = answers(&server)?;
    rows.push(("started".to_owned(), release::rss_kib(pid).0, answered));

    let opening = Instant::now();
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        match TcpStream::connect(&addr) {
            Ok(s) => streams.push(s),
            Err(e) => bail!(
                "connection {i} failed: {e} (raise the open-file limit: ulimit -n {})",
                CONNECTIONS * 2 + 100
            ),
        }
    }
    let opened_in = opening.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    let answered = answers(&server)?;
    rows.push((
        format!("{CONNECTIONS} idle connections"),
        release::rss_kib(pid).0,
        answered,
    ));
    let half = CONNECTIONS / 2;
    for stream in streams.iter_mut().take(half) {
        let _ = stream.write_all(b"GET /scim/default/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    }
    let written = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let answered = answers(&server)?;
    rows.push((
        format!("… {half} of them half-sent requests"),
        release::rss_kib(pid).0,
        answered,
    ));
    // Wait past the timeout (counted from each connection's accept, or from its first bytes),
    // then every connection must read as closed by the server.
    let deadline = written + Duration::from_secs(HEADER_TIMEOUT + 3);
    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
    let mut closed = 0;
    for stream in &mut streams {
        stream.set_read_timeout(Some(Duration::from_millis(200)))?;
        let mut buf = [0u8; 256];
        // 0 bytes (EOF) or an error answer followed by EOF: closed by the server.
        match stream.read(&mut buf) {
            Ok(_) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            Err(_) => {}
        }
    }
    drop(streams);
    std::thread::sleep(Duration::from_secs(1));
    let answered = answers(&server)?;
    rows.push((
        format!("after the {HEADER_TIMEOUT} s header timeout"),
        release::rss_kib(pid).0,
        answered,
    ));
    let (_, peak) = release::rss_kib(pid);
    drop(server);
    let _ = std::fs::remove_dir_all(&work);

    println!("| moment | RSS MiB | a request among them |");
    println!("| --- | --- | --- |");
    for (moment, rss, answered) in rows {
        println!(
            "| {moment} | {:.1} | {} |",
            mib(rss),
            if answered { "200" } else { "no answer" }
        );
    }
    println!(
        "opened in {:.1} s; closed by the server after the timeout: {closed} of {CONNECTIONS}; peak RSS {:.1} MiB",
        opened_in.as_secs_f64(),
        mib(peak)
    );
    if closed != CONNECTIONS {
        bail!(
            "{} connections were still open after the header timeout",
            CONNECTIONS - closed
        );
    }
    Ok(())
}
