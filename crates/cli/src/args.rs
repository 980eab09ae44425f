//! Argument types and parsers several command groups share (`--json`, a configuration named by
//! id or name, dates and durations), and reading a JSON file an argument names.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use scim_console_core::CoreError;

/// `--config NAME` and `--json`: a command about one configuration.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    pub(crate) config: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NamedArgs {
    /// Name, slug or id of the configuration.
    pub(crate) name: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// A date (`2027-01-01`, midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("\"{text}\" is not a date (2027-01-01) or an RFC 3339 time"))
}

/// A duration: a whole number with `s`, `m`, `h`, `d` or `w` (`90s`, `30m`, `24h`, `7d`), or
/// `0`.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration like 30m, 24h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("\"{text}\": the unit must be s, m, h, d or w")),
    };
    Ok(std::time::Duration::from_secs(n.saturating_mul(seconds)))
}

/// A plan or sample file.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::Error::new(CoreError::invalid(
            "file",
            format!("{}: {e}", path.display()),
        ))
    })
}
