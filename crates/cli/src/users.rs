//! `scim-console users …`: a configuration's directory; `import` loads the users a target
//! already has (brown-field); `rekey` converts short-name user ids to emails (preview, apply,
//! undo).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use scim_console_core::{Actor, CoreError, Store};

use crate::args::read_json;
use crate::render::print_json;

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Import existing target users from CSV (header row of SCIM paths) or JSON; the identity
    /// provider's first matching POST links each instead of creating a duplicate.
    Import(UsersImportArgs),
    /// Convert user ids that are short names (`ada`) to the users' primary emails
    /// (`ada@contoso.com`), as Entra ID names users: without `--apply`, a preview of each change
    /// and each clash; `--undo BATCH` gives a conversion's users their short names back.
    Rekey(UsersRekeyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UsersRekeyArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// Convert (after the preview an admin has read).
    #[arg(long, conflicts_with = "undo")]
    apply: bool,
    /// Undo this conversion (its id, as `--apply` and the audit log give it).
    #[arg(long, value_name = "BATCH")]
    undo: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UsersImportArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The file.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// The file's format (default: from its extension, .json or else CSV).
    #[arg(long, value_enum)]
    format: Option<ImportFormat>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ImportFormat {
    Csv,
    Json,
}

/// Runs a `users` subcommand.
pub(crate) async fn run(store: &Store, cmd: UsersCommand) -> Result<()> {
    match cmd {
        UsersCommand::Import(args) => users_import(store, &args).await,
        UsersCommand::Rekey(args) => users_rekey(store, &args).await,
    }
}

/// `users rekey` here.
async fn users_rekey(store: &Store, args: &UsersRekeyArgs) -> Result<()> {
    let c = store.find_configuration(&args.config).await?;
    let registry = scim::SchemaRegistry::standard();
    let answer = if let Some(batch) = &args.undo {
        serde_json::to_value(
            store
                .undo_rekey(&c, &registry, batch, &Actor::cli())
                .await?,
        )?
    } else if args.apply {
        serde_json::to_value(store.rekey_users(&c, &registry, &Actor::cli()).await?)?
    } else {
        serde_json::to_value(store.rekey_preview(&c, &registry).await?)?
    };
    print_rekey(&answer, args)
}

/// A preview, a conversion or an undo, as text (or JSON).
fn print_rekey(answer: &serde_json::Value, args: &UsersRekeyArgs) -> Result<()> {
    use crate::api_client::text;
    if args.json {
        return print_json(answer);
    }
    if args.undo.is_some() || args.apply {
        let verb = if args.apply {
            "converted"
        } else {
            "given their short names back"
        };
        println!(
            "{} user(s) {verb} (conversion {})",
            answer["changed"],
            text(&answer["id"])
        );
        for f in answer["failed"].as_array().into_iter().flatten() {
            println!(
                "  not {}: {}: {}",
                verb,
                text(&f["from"]),
                text(&f["reason"])
            );
        }
        if args.apply {
            println!(
                "Undo it with `scim-console users rekey --config {} --undo {}`.",
                args.config,
                text(&answer["id"])
            );
        }
        return Ok(());
    }
    println!(
        "{} user(s) to convert, {} cannot be, {} already emails.",
        answer["changeCount"], answer["clashCount"], answer["alreadyEmails"]
    );
    for c in answer["changes"].as_array().into_iter().flatten() {
        println!("  {} -> {}", text(&c["from"]), text(&c["to"]));
    }
    for c in answer["clashes"].as_array().into_iter().flatten() {
        println!(
            "  {}: left as it is: {}",
            text(&c["from"]),
            text(&c["reason"])
        );
    }
    println!("Convert with --apply.");
    Ok(())
}

/// Runs a `users` subcommand against a remote console (`--server`): the file is sent as it is
/// and the server reads it (`--json`: the API's report).
pub(crate) async fn run_remote(
    api: &crate::api_client::ApiClient,
    cmd: UsersCommand,
) -> Result<()> {
    let args = match cmd {
        UsersCommand::Import(args) => args,
        UsersCommand::Rekey(args) => {
            let c = api.configuration(&args.config).await?;
            let id = crate::api_client::text(&c["id"]).to_owned();
            let answer = if let Some(batch) = &args.undo {
                api.post(
                    &["api", "configurations", &id, "rekeys", batch, "undo"],
                    &serde_json::Value::Null,
                )
                .await?
            } else if args.apply {
                api.post(
                    &["api", "configurations", &id, "rekey"],
                    &serde_json::Value::Null,
                )
                .await?
            } else {
                api.get(&["api", "configurations", &id, "rekey"], &[])
                    .await?
            };
            return print_rekey(&answer, &args);
        }
    };
    let c = api.configuration(&args.config).await?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let media = match format_of(&args) {
        ImportFormat::Json => "application/json",
        ImportFormat::Csv => "text/csv",
    };
    let report = api
        .post_text(
            &[
                "api",
                "configurations",
                crate::api_client::text(&c["id"]),
                "users",
                "import",
            ],
            media,
            text,
        )
        .await?;
    if args.json {
        return print_json(&report);
    }
    println!(
        "Imported {} user(s) into \"{}\"; they wait for the identity provider's first matching POST.",
        report["imported"],
        crate::api_client::text(&c["name"])
    );
    for p in report["rejected"].as_array().into_iter().flatten() {
        println!(
            "  row {}: {}",
            p["row"],
            crate::api_client::text(&p["reason"])
        );
    }
    Ok(())
}

/// The import file's format: the one given, else from its extension (`.json`, else CSV).
fn format_of(args: &UsersImportArgs) -> ImportFormat {
    let json_file = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    args.format.unwrap_or(if json_file {
        ImportFormat::Json
    } else {
        ImportFormat::Csv
    })
}

async fn users_import(store: &Store, args: &UsersImportArgs) -> Result<()> {
    use scim_console_core::mapping::brownfield;
    let c = store.find_configuration(&args.config).await?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let registry = scim::SchemaRegistry::standard();
    let rows = match format_of(args) {
        ImportFormat::Json => brownfield::users_from_json(&text)?,
        ImportFormat::Csv => brownfield::users_from_csv(&text, &registry)?,
    };
    let report = store
        .import_users(&c, &registry, rows, &Actor::cli())
        .await?;
    if args.json {
        return print_json(&report);
    }
    println!(
        "Imported {} user(s) into \"{}\"; they wait for the identity provider's first matching POST.",
        report.imported, c.name
    );
    for p in &report.rejected {
        println!("  row {}: {}", p.row, p.reason);
    }
    Ok(())
}

/// Source users: a JSON object or array, or a CSV with a header row of attribute names.
pub(crate) fn read_source_users(
    file: &PathBuf,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let users: Vec<serde_json::Map<String, serde_json::Value>> = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| CoreError::invalid("source", e.to_string()))?
            .clone();
        reader
            .records()
            .map(|r| {
                r.map(|record| {
                    headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
                        .collect()
                })
                .map_err(|e| anyhow::Error::new(CoreError::invalid("source", e.to_string())))
            })
            .collect::<Result<_>>()?
    } else {
        match read_json::<serde_json::Value>(file)? {
            serde_json::Value::Object(o) => vec![o],
            serde_json::Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_object().cloned())
                .collect(),
            _ => {
                return Err(
                    CoreError::invalid("source", "a JSON object or array of objects").into(),
                );
            }
        }
    };
    Ok(users)
}
