-- The provisioning log's outbox: a change to the directory (create, replace, patch, delete of a
-- user or group) inserts a row here in its own transaction, so the change and the fact that it
-- must be logged commit together. The log writer deletes the rows of the records it stored; at
-- start-up (and for rows older than a few minutes, in the background) rows left over — the
-- process stopped, or the log queue was full — become log records.
CREATE TABLE log_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us            INTEGER NOT NULL,
    configuration_id TEXT    NOT NULL,
    resource_type    TEXT    NOT NULL,
    resource_id      TEXT    NOT NULL,
    resource_name    TEXT,
    request          TEXT    NOT NULL -- JSON: what the request was (method, path, client, …)
);
