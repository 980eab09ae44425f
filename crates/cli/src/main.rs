//! `scim-console`: the headless SCIM Console.
//!
//! Exit codes a script can rely on: 0 success, 1 failure (storage, network), 2 usage error,
//! 3 not found, 4 invalid input or conflict, 5 tokens need attention, 6 a connection test failed,
//! 7 users failed in a pilot run.

mod alerts;
mod backup;
mod commands;
mod compat;
mod conformance;
mod pilot;
mod target;
mod transfer;

/// mimalloc: the server builds and drops many small JSON values per request; under load it
/// spends markedly less time in the allocator than glibc's (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("scim-console: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("scim-console: {err:#}");
            ExitCode::from(commands::exit_code(&err))
        }
    }
}
