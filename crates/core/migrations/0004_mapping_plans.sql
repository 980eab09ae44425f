-- Mapping plans: every saved version of each configuration's plan (the newest is current).

CREATE TABLE mapping_plans (
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    plan             TEXT    NOT NULL,
    created_us       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    comment          TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (configuration_id, version)
);
