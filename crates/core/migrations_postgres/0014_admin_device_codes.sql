-- One-time codes of the desktop app's browser sign-in (issue 35; SQLite's migrations/0023).
CREATE TABLE admin_device_codes (
    hash             BYTEA  PRIMARY KEY,
    administrator_id TEXT COLLATE "C" NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    challenge        TEXT   NOT NULL,
    device           TEXT   NOT NULL,
    created_us       BIGINT NOT NULL,
    expires_us       BIGINT NOT NULL,
    used_us          BIGINT
);
