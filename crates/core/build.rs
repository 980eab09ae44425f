//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the migration
//! directories at compile time, and Cargo does not otherwise notice a new file there.

fn main() {
    for dir in ["migrations", "migrations_logs", "migrations_postgres"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
