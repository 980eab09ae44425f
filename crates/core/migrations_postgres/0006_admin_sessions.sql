-- Administrators' browser sessions (issue 32; SQLite's migrations/0016).
CREATE TABLE admin_sessions (
    hash             BYTEA  PRIMARY KEY,
    administrator_id TEXT COLLATE "C" REFERENCES administrators (id) ON DELETE CASCADE,
    opened_us        BIGINT NOT NULL,
    seen_us          BIGINT NOT NULL,
    expires_us       BIGINT NOT NULL,
    source           TEXT   NOT NULL,
    user_agent       TEXT,
    closed_us        BIGINT
);
CREATE INDEX admin_sessions_by_administrator ON admin_sessions (administrator_id);
