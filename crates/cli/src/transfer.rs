//! `export` and `import`: a whole console as JSON lines, between SQLite and PostgreSQL.

use std::io::{BufReader, BufWriter, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use scim_console_core::Store;
use scim_console_core::transfer::TransferSummary;
use serde_json::json;

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (`-`: standard output). Replaced when it exists.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file an export wrote (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

fn report(verb: &str, summary: &TransferSummary, json_out: bool, to_stdout: bool) {
    let total: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    let text = if json_out {
        json!({
            "rows": total,
            "tables": summary.tables.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
        })
        .to_string()
    } else {
        let mut lines = vec![format!("{verb} {total} rows:")];
        for (table, rows) in &summary.tables {
            lines.push(format!("  {table:<22} {rows}"));
        }
        lines.join("\n")
    };
    // With the export itself on standard output, the summary goes to standard error.
    if to_stdout {
        eprintln!("{text}");
    } else {
        println!("{text}");
    }
}

/// Runs `export`.
pub async fn export(store: &Store, args: &ExportArgs) -> Result<()> {
    let to_stdout = args.to.as_os_str() == "-";
    let summary = if to_stdout {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let summary = store.export_to(&mut out).await?;
        out.flush().context("writing the export")?;
        summary
    } else {
        let partial = args.to.with_extension("partial");
        let file = scim_console_core::files::create_private(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let mut out = BufWriter::new(file);
        let summary = store.export_to(&mut out).await?;
        out.into_inner()
            .map_err(std::io::IntoInnerError::into_error)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &args.to)
            .with_context(|| format!("moving the export to {}", args.to.display()))?;
        summary
    };
    store.close().await;
    report("Exported", &summary, args.json, to_stdout);
    if !to_stdout && !args.json {
        println!(
            "Sealed secrets (alert webhooks, target credentials kept in the database) open only with this console's master key; credentials in the OS keychain are not in the file."
        );
    }
    Ok(())
}

/// Runs `import`.
pub async fn import(store: &Store, args: &ImportArgs) -> Result<()> {
    let summary = if args.from.as_os_str() == "-" {
        let stdin = std::io::stdin();
        store.import_from(stdin.lock()).await?
    } else {
        let file = std::fs::File::open(&args.from)
            .with_context(|| format!("opening {}", args.from.display()))?;
        store.import_from(BufReader::new(file)).await?
    };
    store.close().await;
    report("Imported", &summary, args.json, false);
    Ok(())
}
