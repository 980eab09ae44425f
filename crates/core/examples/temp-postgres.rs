//! A throwaway PostgreSQL server for a test run (`cargo xtask test` runs the integration suites
//! on it): started from the system's packages in a temporary directory, its URL printed on one
//! line, stopped and removed when standard input closes.

use std::io::{Read as _, Write as _};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = scim_console_core::testing::TempPostgres::start()?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", server.url())?;
    out.flush()?;
    // Until whoever started it is done (or gone).
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    drop(server);
    Ok(())
}
