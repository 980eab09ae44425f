-- Statistics kept as the log is written: per configuration and minute, the counts by outcome,
-- an hourly latency histogram and the failures by error type and attribute. Charts, percentiles and
-- the cycle view read these (a few thousand rows) instead of scanning millions of records, and
-- they outlive the records that retention deletes.

-- The attributes a failed request was refused for (comma-separated), for the failure counts.
ALTER TABLE provisioning_log ADD COLUMN attributes TEXT;

-- A filter on a rare outcome, operation or status (failures, deletes, 409s) must not walk
-- every record of the configuration to fill a page. Partial: only the records such filters look
-- for are indexed (the common ones — successes, queries, creates, updates, 200, 201, 204 — fill a page
-- from the configuration index at once), so the busiest traffic pays for none of them. The
-- search repeats each `WHERE` term literally so SQLite can use them.
CREATE INDEX provisioning_log_outcome ON provisioning_log (configuration_id, outcome, seq)
    WHERE outcome <> 'success';
CREATE INDEX provisioning_log_operation ON provisioning_log (configuration_id, operation, seq)
    WHERE operation NOT IN ('query', 'create', 'update');
CREATE INDEX provisioning_log_status ON provisioning_log (configuration_id, status, seq)
    WHERE status NOT IN (200, 201, 204);

CREATE TABLE log_minutes (
    configuration_id TEXT    NOT NULL,
    minute           INTEGER NOT NULL, -- Unix time / 60
    requests         INTEGER NOT NULL,
    failures         INTEGER NOT NULL,
    skipped          INTEGER NOT NULL,
    warnings         INTEGER NOT NULL,
    writes           INTEGER NOT NULL, -- creates, updates, disables, deletes, membership changes
    duration_us      INTEGER NOT NULL, -- the sum
    PRIMARY KEY (configuration_id, minute)
) WITHOUT ROWID;

-- Per hour (a month of one configuration is a few thousand rows): bucket b holds durations
-- in [2^(b/4), 2^((b+1)/4)) microseconds, so percentiles are within 19%.
CREATE TABLE log_latency (
    configuration_id TEXT    NOT NULL,
    hour             INTEGER NOT NULL, -- Unix time / 3600
    bucket           INTEGER NOT NULL,
    count            INTEGER NOT NULL,
    PRIMARY KEY (configuration_id, hour, bucket)
) WITHOUT ROWID;

-- kind 'type': the SCIM error type (or the HTTP status when there is none); kind 'attribute':
-- an attribute a request was refused for.
CREATE TABLE log_failures (
    configuration_id TEXT    NOT NULL,
    minute           INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    count            INTEGER NOT NULL,
    PRIMARY KEY (configuration_id, minute, kind, name)
) WITHOUT ROWID;
