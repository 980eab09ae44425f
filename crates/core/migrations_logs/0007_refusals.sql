-- Refused SCIM requests (a credential missing, invalid, expired, revoked or not allowed) are
-- counted per configuration, minute, source address, reason and status (401, or 429 once the
-- source is barred) instead of being recorded one by one: a flood of unauthenticated requests
-- costs a counter, not a row each. The credential and client are those of the latest one.
CREATE TABLE log_refusals (
    configuration_id TEXT    NOT NULL,
    minute           INTEGER NOT NULL,
    source           TEXT    NOT NULL,
    reason           TEXT    NOT NULL,
    status           INTEGER NOT NULL,
    count            INTEGER NOT NULL,
    first_us         INTEGER NOT NULL,
    last_us          INTEGER NOT NULL,
    credential       TEXT,
    client           TEXT    NOT NULL,
    PRIMARY KEY (configuration_id, minute, source, reason, status)
) WITHOUT ROWID;
