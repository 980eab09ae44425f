//! Files the console writes hold secrets and personal data (the databases, the master key,
//! backups, exports, reports): they are created readable by their owner only — folders `0700`,
//! files `0600` — whatever the process's umask. (On other systems than Unix, the platform's
//! defaults apply.)

use std::fs::File;
use std::io::{self, Write as _};
use std::path::Path;

/// Creates `path` and its missing parents, each new one `0700`.
pub fn private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Creates (or truncates) `path` for writing, `0600` when it is new.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to `path` ([`create_private`]).
pub fn write_private(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes.as_ref())
}

/// Creates `path` empty and `0600` if it does not exist (so that SQLite, which gives a
/// database's journal and WAL the database file's mode, never creates them wider).
pub fn touch_private(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_the_owners_only() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&base.path().join("a")), 0o700);
        let file = dir.join("export.csv");
        write_private(&file, "x").unwrap();
        assert_eq!(mode(&file), 0o600);
        let db = dir.join("x.db");
        touch_private(&db).unwrap();
        touch_private(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
    }
}
