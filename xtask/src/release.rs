//! The release server for the benchmarks and stress runs: built once, started on a free port
//! with a data directory, its admin token read from its first lines, stopped when dropped; and
//! the small HTTP calls the runs make with curl.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) token: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub(crate) fn ensure_tool(tool: &str, package: &str) -> Result<()> {
    if Command::new("which")
        .arg(tool)
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(());
    }
    eprintln!("==> installing {package}");
    let ok = Command::new("sh")
        .args(["-c", &format!("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package} || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package})")])
        .status()?
        .success();
    if !ok {
        bail!("could not install {package}; install it with apt-get and run again");
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub(crate) fn start(binary: &Path, data: &Path) -> Result<Running> {
    start_with(binary, data, &[])
}

/// [`start`] with more `serve` arguments.
pub(crate) fn start_with(binary: &Path, data: &Path, extra: &[&str]) -> Result<Running> {
    spawn(binary, data, extra, None, None)
}

/// Starts the server again on a data folder an earlier [`start`] filled, with a new token for
/// the `default` configuration (the first start's token was shown only once).
pub(crate) fn restart(binary: &Path, data: &Path) -> Result<Running> {
    let out = Command::new(binary)
        .arg("--data-dir")
        .arg(data)
        .args(["token", "create", "--config", "default"])
        .output()
        .context("creating a token")?;
    if !out.status.success() {
        bail!(
            "scim-console token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    spawn(binary, data, &[], Some(&token), None)
}

/// Spawns `serve` and reads its base URL (and, on a first start, its token) from its banner.
pub(crate) fn spawn(
    binary: &Path,
    data: &Path,
    extra: &[&str],
    known: Option<&str>,
    database: Option<&str>,
) -> Result<Running> {
    let port = free_port()?.to_string();
    let mut command = Command::new(binary);
    match database {
        Some(url) => command.env("SCIM_CONSOLE_DATABASE_URL", url),
        None => command.env_remove("SCIM_CONSOLE_DATABASE_URL"),
    };
    let mut child = command
        .arg("--data-dir")
        .arg(data)
        .args([
            "serve",
            "--port",
            &port,
            "--rate-limit",
            "0",
            "--max-body-bytes",
            "16777216",
            "--log-format",
            "json",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        // Its log beside the data directory (appended across restarts), for the soak to read.
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(data.with_file_name("server.log"))
                .map_or_else(|_| Stdio::null(), Stdio::from),
        )
        .spawn()
        .context("starting scim-console serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut base = String::new();
    let mut token = known.unwrap_or_default().to_owned();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(rest) = line.trim().strip_prefix("SCIM base URL:") {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .clone_into(&mut base);
            if known.is_some() {
                break;
            }
        }
        if let Some(rest) = line.trim().strip_prefix("Bearer token:") {
            rest.trim().clone_into(&mut token);
        }
        if line.contains("shown only now") {
            break;
        }
    }
    if base.is_empty() || token.is_empty() {
        bail!("the server did not print its base URL and token");
    }
    Ok(Running { child, base, token })
}

pub(crate) fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// curl with the server's token and the SCIM media type, for one method.
pub(crate) fn curl(server: &Running, method: &str) -> Command {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-X",
        method,
        "-H",
        &format!("Authorization: Bearer {}", server.token),
        "-H",
        "Content-Type: application/scim+json",
    ]);
    cmd
}

pub(crate) fn curl_json(
    server: &Running,
    method: &str,
    path: &str,
    body: Option<&Path>,
) -> Result<Value> {
    let mut cmd = curl(server, method);
    cmd.arg(format!("{}{path}", server.base));
    if let Some(file) = body {
        cmd.arg("--data-binary").arg(format!("@{}", file.display()));
    }
    let output = cmd.output().context("running curl")?;
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("{method} {path} did not answer JSON"))
}

/// Builds the release `scim-console` and returns its path.
pub(crate) fn release_binary(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    crate::step(
        Command::new(&cargo)
            .args(["build", "--release", "-p", "scim-console-cli"])
            .current_dir(root),
        "cargo build --release -p scim-console-cli",
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("release/scim-console"))
}
