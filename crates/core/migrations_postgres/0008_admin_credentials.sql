-- Administrators' own credentials (issue 32; SQLite's migrations/0018).
ALTER TABLE administrators ADD COLUMN password_hash TEXT;
ALTER TABLE administrators ADD COLUMN totp_sealed BYTEA;
ALTER TABLE administrators ADD COLUMN totp_step BIGINT;
ALTER TABLE administrators ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE administrators ADD COLUMN locked_until_us BIGINT;

DELETE FROM admin_sessions;
ALTER TABLE admin_sessions ADD COLUMN id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE admin_sessions ADD COLUMN via TEXT NOT NULL DEFAULT '';

CREATE TABLE admin_api_tokens (
    id               TEXT COLLATE "C" PRIMARY KEY,
    administrator_id TEXT COLLATE "C" NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    name             TEXT   NOT NULL,
    hash             BYTEA  NOT NULL UNIQUE,
    roles            TEXT   NOT NULL,
    created_us       BIGINT NOT NULL,
    expires_us       BIGINT NOT NULL,
    last_used_us     BIGINT,
    revoked_us       BIGINT,
    revoked_by       TEXT
);
CREATE INDEX admin_api_tokens_by_administrator ON admin_api_tokens (administrator_id);

ALTER TABLE audit_log ADD COLUMN person TEXT;
