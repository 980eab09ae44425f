-- Remote SCIM service providers the console calls as a client (test connection, pilot runs).
-- Their credential (a bearer token or an OAuth client secret) lives in the OS keychain; only
-- when no keychain is reachable is it kept here, sealed with a key derived from the master key
-- (`secret_sealed`). It is never stored in clear.
CREATE TABLE remote_targets (
    id             TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    name_folded    TEXT    NOT NULL UNIQUE,
    base_url       TEXT    NOT NULL,
    auth           TEXT    NOT NULL, -- JSON: {"kind": "bearer"} or {"kind": "oauthClientCredentials", ...}
    secret_store   TEXT    NOT NULL, -- 'keychain' or 'sealed'
    secret_sealed  BLOB,
    created_us     INTEGER NOT NULL,
    updated_us     INTEGER NOT NULL,
    last_test_us   INTEGER,
    last_test_ok   INTEGER
);
