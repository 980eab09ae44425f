-- QA → production (issue 33): a QA configuration paired with the production configuration its
-- mapping plan is promoted to.
CREATE TABLE configuration_pairs (
    qa_id         TEXT    PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
    production_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    updated_us    INTEGER NOT NULL,
    updated_by    TEXT    NOT NULL
);
-- User ids converted to emails (issue 33): each conversion's changes, kept so that it can be
-- undone from its audit record.
CREATE TABLE rekey_batches (
    id               TEXT    PRIMARY KEY,
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    created_us       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    changes          TEXT    NOT NULL, -- JSON: [{"id", "from", "to"}]
    undone_us        INTEGER,
    undone_by        TEXT
);
