-- Administrators' own credentials (issue 32): a password (argon2id PHC string) with a TOTP
-- second factor (its secret sealed under the master key; the last step used, so that a code
-- works once), failed sign-ins counted per account (and the account locked for a while after
-- too many); sessions get a public id to be listed and revoked by (open sessions end: they had
-- none); personal API tokens; and the person behind each audit record.
ALTER TABLE administrators ADD COLUMN password_hash TEXT;
ALTER TABLE administrators ADD COLUMN totp_sealed BLOB;
ALTER TABLE administrators ADD COLUMN totp_step INTEGER;
ALTER TABLE administrators ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE administrators ADD COLUMN locked_until_us INTEGER;

DELETE FROM admin_sessions;
ALTER TABLE admin_sessions ADD COLUMN id TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_sessions ADD COLUMN via TEXT NOT NULL DEFAULT '';

CREATE TABLE admin_api_tokens (
    id               TEXT    PRIMARY KEY,
    administrator_id TEXT    NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    hash             BLOB    NOT NULL UNIQUE,
    roles            TEXT    NOT NULL,
    created_us       INTEGER NOT NULL,
    expires_us       INTEGER NOT NULL,
    last_used_us     INTEGER,
    revoked_us       INTEGER,
    revoked_by       TEXT
);
CREATE INDEX admin_api_tokens_by_administrator ON admin_api_tokens (administrator_id);

ALTER TABLE audit_log ADD COLUMN person TEXT;
