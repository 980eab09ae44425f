-- One-time sign-in links of administrators (issue 32): the SHA-256 of the code, whose link it
-- is, when it was issued, when it stops working, and when it was used (once).
CREATE TABLE admin_sign_in_links (
    hash             BLOB    PRIMARY KEY,
    administrator_id TEXT    NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    created_us       INTEGER NOT NULL,
    expires_us       INTEGER NOT NULL,
    used_us          INTEGER
) WITHOUT ROWID;
