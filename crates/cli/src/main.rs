//! `scim-console`: the headless SCIM Console. It parses arguments, calls the crates below and
//! renders what they return; each command group is a module of its own (with its `Subcommand`
//! enum and its `run`), dispatched from [`cli`]. The exit codes are in [`exit`].

mod admin;
mod alerts;
mod api_client;
mod api_token;
mod args;
mod audit;
mod backup;
mod cli;
mod config;
mod conformance;
mod console;
mod exit;
mod location;
mod logs;
mod mapping;
mod oauth_client;
mod pilot;
mod render;
mod serve;
mod target;
mod token;
mod transfer;
mod users;

/// mimalloc: the server builds and drops many small JSON values per request; under load it
/// spends markedly less time in the allocator than glibc's (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("scim-console: cannot start the async runtime: {err}");
            return ExitCode::from(exit::Exit::Failure.code());
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("scim-console: {err:#}");
            ExitCode::from(exit::Exit::of(&err).code())
        }
    }
}
