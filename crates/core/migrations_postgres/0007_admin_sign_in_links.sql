-- One-time sign-in links of administrators (issue 32; SQLite's migrations/0017).
CREATE TABLE admin_sign_in_links (
    hash             BYTEA  PRIMARY KEY,
    administrator_id TEXT COLLATE "C" NOT NULL REFERENCES administrators (id) ON DELETE CASCADE,
    created_us       BIGINT NOT NULL,
    expires_us       BIGINT NOT NULL,
    used_us          BIGINT
);
