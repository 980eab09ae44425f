-- Administrators' browser sessions (issue 32), valid on every instance: the SHA-256 of the
-- session id, whose session it is (NULL: the holder of the server's admin token), when it
-- opened, was last used and ends, where from, and when it was closed.
CREATE TABLE admin_sessions (
    hash             BLOB    PRIMARY KEY,
    administrator_id TEXT    REFERENCES administrators (id) ON DELETE CASCADE,
    opened_us        INTEGER NOT NULL,
    seen_us          INTEGER NOT NULL,
    expires_us       INTEGER NOT NULL,
    source           TEXT    NOT NULL,
    user_agent       TEXT,
    closed_us        INTEGER
) WITHOUT ROWID;
CREATE INDEX admin_sessions_by_administrator ON admin_sessions (administrator_id);
