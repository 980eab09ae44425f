-- Statistics kept as the log is written: per configuration and minute, the counts by outcome,
-- a latency histogram and the failures by error type and attribute. Charts, percentiles and
-- the cycle view read these (a few thousand rows) instead of scanning millions of records, and
-- they outlive the records that retention deletes.

-- The attributes a failed request was refused for (comma-separated), for the failure counts.
ALTER TABLE provisioning_log ADD COLUMN attributes TEXT;

-- Failures are what an admin looks for first: a page of them must not walk every success.
CREATE INDEX provisioning_log_outcome ON provisioning_log (configuration_id, outcome, seq);

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

-- Bucket b holds durations in [2^(b/4), 2^((b+1)/4)) microseconds: percentiles within 19%.
CREATE TABLE log_latency (
    configuration_id TEXT    NOT NULL,
    minute           INTEGER NOT NULL,
    bucket           INTEGER NOT NULL,
    count            INTEGER NOT NULL,
    PRIMARY KEY (configuration_id, minute, bucket)
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
