-- One-time codes of the desktop app's browser sign-in to a deployed console (issue 35): the
-- SHA-256 of the code, whose it is, the PKCE challenge (S256) the app's verifier must meet,
-- the device it is for, when it was issued, when it stops working, and when it was used (once).
CREATE TABLE admin_device_codes (
    hash             BLOB    PRIMARY KEY,
    administrator_id TEXT    NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    challenge        TEXT    NOT NULL,
    device           TEXT    NOT NULL,
    created_us       INTEGER NOT NULL,
    expires_us       INTEGER NOT NULL,
    used_us          INTEGER
) WITHOUT ROWID;
