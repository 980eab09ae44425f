-- The provisioning log, in its own database file (scim-console-logs.db) so its volume never
-- competes with the directory for SQLite's single writer: every SCIM request of every
-- configuration. Keyset-paged by `seq`; free text (userName / displayName / error detail)
-- through an FTS5 index kept by triggers.

CREATE TABLE provisioning_log (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us            INTEGER NOT NULL,
    configuration_id TEXT    NOT NULL,
    client           TEXT    NOT NULL,
    user_agent       TEXT,
    source           TEXT    NOT NULL,
    credential       TEXT,
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    operation        TEXT    NOT NULL,
    resource_type    TEXT,
    resource_id      TEXT,
    resource_name    TEXT,
    status           INTEGER NOT NULL,
    outcome          TEXT    NOT NULL,
    scim_type        TEXT,
    detail           TEXT,
    duration_us      INTEGER NOT NULL,
    changes          TEXT,
    request_body     TEXT,
    response_body    TEXT
);
-- Few indexes: every one is paid on every request. Filters on outcome, operation or client walk
-- the configuration's records newest first.
CREATE INDEX provisioning_log_configuration ON provisioning_log (configuration_id, seq);
CREATE INDEX provisioning_log_resource ON provisioning_log (resource_id) WHERE resource_id IS NOT NULL;

CREATE VIRTUAL TABLE provisioning_log_text USING fts5 (
    resource_name, detail,
    content = 'provisioning_log', content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Only records with something to find are indexed (a filter query names no resource).
CREATE TRIGGER provisioning_log_text_insert AFTER INSERT ON provisioning_log
WHEN new.resource_name IS NOT NULL OR new.detail IS NOT NULL
BEGIN
    INSERT INTO provisioning_log_text (rowid, resource_name, detail)
    VALUES (new.seq, new.resource_name, new.detail);
END;

CREATE TRIGGER provisioning_log_text_delete AFTER DELETE ON provisioning_log
WHEN old.resource_name IS NOT NULL OR old.detail IS NOT NULL
BEGIN
    INSERT INTO provisioning_log_text (provisioning_log_text, rowid, resource_name, detail)
    VALUES ('delete', old.seq, old.resource_name, old.detail);
END;
