-- Alert rules per configuration (failure rate, no traffic, a revoked token still in use) and
-- the history of what they raised and resolved. A rule's webhook address is sealed with a key
-- derived from the master key (it usually carries its credential in its path); only its origin
-- is kept in clear, for display.
CREATE TABLE alert_rules (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    condition        TEXT    NOT NULL, -- JSON: {"kind": "failureRate", ...}
    enabled          INTEGER NOT NULL DEFAULT 1,
    webhook_sealed   BLOB,
    webhook_shown    TEXT,
    created_us       INTEGER NOT NULL,
    firing_since_us  INTEGER,
    last_evaluated_us INTEGER
);
CREATE INDEX alert_rules_configuration ON alert_rules (configuration_id);

-- No foreign key: the history outlives the rules and configurations it names.
CREATE TABLE alert_events (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us              INTEGER NOT NULL,
    rule_id            INTEGER NOT NULL,
    rule_name          TEXT    NOT NULL,
    configuration_id   TEXT    NOT NULL,
    configuration_name TEXT    NOT NULL,
    kind               TEXT    NOT NULL, -- raised | resolved
    message            TEXT    NOT NULL,
    webhook_state      TEXT,             -- pending | delivered | failed (NULL: no webhook)
    webhook_detail     TEXT
);
CREATE INDEX alert_events_configuration ON alert_events (configuration_id, seq);
