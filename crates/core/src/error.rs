//! The core's errors. Each maps to one SCIM error (and so to one HTTP status) in
//! [`CoreError::to_scim`]; database details never reach a client.

use scim::{ScimError, ScimType};

/// An error from the domain or the store.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A SCIM protocol rule was broken by the request.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with stored data (a unique name or value).
    #[error("{0}")]
    Conflict(String),
    /// An input is invalid: which field and why.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The operation is not allowed on this configuration or resource.
    #[error("{0}")]
    Forbidden(String),
    /// The resource changed since the version the client holds (`If-Match`).
    #[error("the resource has changed since version {0}")]
    VersionMismatch(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The data directory could not be used.
    #[error("data directory {path}: {source}{}", data_dir_hint(.source))]
    DataDir {
        /// The directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Stored data could not be read back (corruption or a bug).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database could not be reached (at start-up: the message says which and why).
    #[error("{0}")]
    Unavailable(String),
    /// A deletion or deactivation the configuration's accidental-deletion threshold holds:
    /// 503 with `Retry-After`, so that the identity provider retries later.
    #[error("{detail}")]
    Held {
        /// Why, and what the admin does about it.
        detail: String,
        /// Seconds the client waits before retrying.
        retry_after: u64,
    },
    /// The operation needs the other database backend (e.g. a file backup of PostgreSQL).
    #[error("{0}")]
    Unsupported(String),
}

/// What to do about a data directory that cannot be written, when the error says why.
fn data_dir_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem => {
            " — the file system is read-only, and SCIM Console keeps its databases there: remount it read-write, or choose another folder with --data-dir (or SCIM_CONSOLE_DATA_DIR)"
        }
        std::io::ErrorKind::PermissionDenied => {
            " — this user may not write there: fix the folder's owner or permissions, or choose another folder with --data-dir (or SCIM_CONSOLE_DATA_DIR)"
        }
        std::io::ErrorKind::StorageFull => " — the disk is full: free some space and start again",
        _ => "",
    }
}

/// Shorthand for results in this crate.
pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    /// An invalid-input error.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// The SCIM error a client sees. Storage failures become a 500 with no internal detail.
    pub fn to_scim(&self) -> ScimError {
        match self {
            Self::Scim(e) => e.clone(),
            Self::NotFound(what) => ScimError::not_found(format!("{what} not found")),
            Self::Conflict(detail) => ScimError::uniqueness(detail.clone()),
            Self::Invalid { field, reason } => {
                ScimError::invalid_value(format!("{field}: {reason}"))
            }
            Self::Forbidden(detail) => ScimError::status(403, detail.clone()),
            Self::Unsupported(detail) => ScimError::status(501, detail.clone()),
            Self::Held { detail, .. } => ScimError::status(503, detail.clone()),
            Self::Unavailable(_) => ScimError::status(
                503,
                "the console's storage is unavailable for now; retry after the delay in Retry-After",
            ),
            Self::VersionMismatch(_) => ScimError::status(
                412,
                "the resource has changed; read it again before updating",
            ),
            Self::Database(e) if storage_unavailable(e) => ScimError::status(
                503,
                "the console's storage is unavailable for now (locked, full, read-only or failing); retry after the delay in Retry-After",
            ),
            Self::Database(_) | Self::Migration(_) | Self::DataDir { .. } | Self::Corrupt(_) => {
                ScimError::status(
                    500,
                    "the server could not complete the request; the error has been logged",
                )
            }
        }
    }

    /// Whether the storage is unavailable for a while (locked by another process, disk full,
    /// read-only, an I/O error) rather than refusing this request: clients should retry.
    pub fn is_storage_unavailable(&self) -> bool {
        matches!(self, Self::Database(e) if storage_unavailable(e))
            || matches!(self, Self::Unavailable(_))
    }

    /// Whether this is a uniqueness conflict.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict(_))
            || matches!(self, Self::Scim(e) if e.scim_type() == Some(ScimType::Uniqueness))
    }
}

/// SQLite's primary result codes for a busy or locked database, a read-only or full one, and
/// I/O failures: conditions that pass.
const UNAVAILABLE_CODES: [i64; 7] = [
    5,  // SQLITE_BUSY
    6,  // SQLITE_LOCKED
    8,  // SQLITE_READONLY
    10, // SQLITE_IOERR
    13, // SQLITE_FULL
    14, // SQLITE_CANTOPEN
    15, // SQLITE_PROTOCOL
];

/// Whether a database error means the storage is unavailable for now.
fn storage_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db)
            if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some() =>
        {
            db.code().is_some_and(|code| {
                // Connection exceptions, the server shutting down or starting, too many
                // connections, out of disk or memory, a deadlock or serialization failure
                // (the client's retry will succeed), a read-only standby.
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code.starts_with("53")
                    || matches!(code.as_ref(), "40001" | "40P01" | "25006")
            })
        }
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            // Extended codes carry the primary code in their low byte.
            .is_some_and(|code| UNAVAILABLE_CODES.contains(&(code & 0xff))),
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        _ => false,
    }
}

/// Whether a database error is a UNIQUE constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
