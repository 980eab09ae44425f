-- Token lifecycle (expiry, rotation with a grace window, last use, who created and revoked),
-- token policy per configuration, OAuth 2.0 clients and refresh tokens, and the audit log.

-- `revoked_us` may lie in the future: the end of a rotation's grace window. A token is live
-- while `revoked_us` and `expires_us` are both unset or later than now.
ALTER TABLE tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_us INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_us INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_from TEXT;
ALTER TABLE tokens ADD COLUMN revoked_by TEXT;
ALTER TABLE tokens ADD COLUMN rotated_to TEXT;

ALTER TABLE configurations ADD COLUMN token_max_lifetime_days INTEGER;
ALTER TABLE configurations ADD COLUMN token_rotation_days INTEGER;
ALTER TABLE configurations ADD COLUMN token_max_active INTEGER;

CREATE TABLE oauth_clients (
    id               TEXT    PRIMARY KEY,
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    label            TEXT    NOT NULL,
    secret_hash      BLOB    NOT NULL,
    created_us       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    revoked_us       INTEGER,
    revoked_by       TEXT,
    last_used_us     INTEGER,
    last_used_from   TEXT
);
CREATE INDEX oauth_clients_configuration ON oauth_clients (configuration_id);

-- Refresh tokens are single-use: each use marks `used_us` and issues the next one.
CREATE TABLE oauth_refresh_tokens (
    id          TEXT    PRIMARY KEY,
    client_id   TEXT    NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    hash        BLOB    NOT NULL,
    created_us  INTEGER NOT NULL,
    expires_us  INTEGER NOT NULL,
    used_us     INTEGER
);
CREATE INDEX oauth_refresh_tokens_client ON oauth_refresh_tokens (client_id);

-- Append-only: no foreign key (the history outlives what it describes), and triggers refuse
-- every UPDATE and DELETE.
CREATE TABLE audit_log (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us              INTEGER NOT NULL,
    actor              TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    action             TEXT    NOT NULL,
    configuration_id   TEXT,
    configuration_name TEXT,
    target             TEXT,
    details            TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at_us);
CREATE INDEX audit_log_configuration ON audit_log (configuration_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
