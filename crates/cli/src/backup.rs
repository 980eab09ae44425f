//! `scim-console backup` and `restore`: a whole console in one file, taken while it serves, and
//! put back into a data directory.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use scim_console_core::Store;
use scim_console_core::backup::{self, Manifest};

use crate::exit::{Ended, Exit};

/// `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (replaced when it exists).
    #[arg(long)]
    to: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to read.
    #[arg(long)]
    from: PathBuf,
    /// Replace the console in the data directory (its files are moved aside, not deleted). Stop
    /// the server first.
    #[arg(long)]
    replace: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn describe(m: &Manifest) -> String {
    format!(
        "{} configurations, {} users, {} groups, {} log records (taken {} by version {})",
        m.configurations,
        m.users,
        m.groups,
        m.log_records,
        m.created.to_rfc3339(),
        m.console_version
    )
}

/// Runs `backup`.
pub async fn backup(store: &Store, args: &BackupArgs) -> Result<()> {
    let manifest = store
        .backup_to(&args.to)
        .await
        .with_context(|| format!("backing up to {}", args.to.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&manifest)?);
    } else {
        println!(
            "Backed up to {}: {}.",
            args.to.display(),
            describe(&manifest)
        );
        println!(
            "The master key is not in the backup: sealed credentials (alert webhooks, targets without a keychain) need the same key where it is restored."
        );
    }
    Ok(())
}

/// Runs `restore` into `data_dir` (the console must not be running on it).
pub async fn restore(at: &crate::location::Location, args: &RestoreArgs) -> Result<()> {
    if at.database != scim_console_core::Database::Sqlite {
        bail!(
            "restore writes SQLite files into the data directory, and this console keeps its data in PostgreSQL: restore that database with pg_restore (see docs/deploy.md), or load a console with `scim-console import`"
        );
    }
    let dir = &at.dir;
    let restored = backup::restore(dir, &args.from, args.replace).await?;
    // Opening it brings the schema up to date when the backup came from an older version.
    Store::open(dir)
        .await
        .with_context(|| format!("opening the restored console in {}", dir.display()))?
        .close()
        .await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&restored)?);
    } else {
        println!(
            "Restored into {}: {}.",
            dir.display(),
            describe(&restored.manifest)
        );
        for aside in &restored.moved_aside {
            println!("  The previous file is kept as {}", aside.display());
        }
    }
    Ok(())
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The conformance checker (with --target).
    #[command(flatten)]
    pub conformance: crate::conformance::ConformanceArgs,
}

/// Runs `check`: SQLite's integrity and foreign-key checks on both databases, and the
/// directory's counts against its rows. Safe while the server runs.
pub async fn check(store: &Store, args: &CheckArgs) -> Result<()> {
    let problems = store.check_databases().await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"ok": problems.is_empty(), "problems": problems})
            )?
        );
    } else if problems.is_empty() {
        println!("The databases are healthy.");
    } else {
        for p in &problems {
            println!("  {p}");
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Ended::new(
            Exit::Failure,
            "the databases have problems (see above); restore the latest backup",
        )
        .into())
    }
}
