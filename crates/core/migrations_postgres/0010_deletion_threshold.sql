-- The accidental-deletion threshold (issue 33): per configuration, how many user deletions
-- and deactivations (a count, or a percentage of its users) may go through within a window;
-- beyond it they are held until an admin releases or discards them.
CREATE TABLE deletion_thresholds (
    configuration_id TEXT COLLATE "C" PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
    limit_kind       TEXT    NOT NULL, -- 'count' or 'percent'
    limit_value      BIGINT  NOT NULL,
    window_minutes   BIGINT  NOT NULL,
    updated_us       BIGINT  NOT NULL,
    updated_by       TEXT    NOT NULL
);
-- Each deletion or deactivation judged under a threshold: applied (counted in the window),
-- held (waiting for an admin), released or discarded (decided).
CREATE TABLE deletions (
    id               TEXT    PRIMARY KEY,
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    user_id          TEXT    NOT NULL,
    user_name        TEXT,
    kind             TEXT    NOT NULL, -- 'delete' or 'deactivate'
    state            TEXT    NOT NULL, -- 'applied', 'held', 'released', 'discarded'
    at_us            BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 1,
    decided_us       BIGINT,
    decided_by       TEXT
);
CREATE INDEX deletions_by_state ON deletions (configuration_id, state, at_us);
