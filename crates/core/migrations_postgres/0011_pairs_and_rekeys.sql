-- QA → production (issue 33): a QA configuration paired with the production configuration its
-- mapping plan is promoted to.
CREATE TABLE configuration_pairs (
    qa_id         TEXT COLLATE "C" PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
    production_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    updated_us    BIGINT  NOT NULL,
    updated_by    TEXT    NOT NULL
);
-- User ids converted to emails (issue 33): each conversion's changes, kept so that it can be
-- undone from its audit record.
CREATE TABLE rekey_batches (
    id               TEXT COLLATE "C" PRIMARY KEY,
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    created_us       BIGINT  NOT NULL,
    created_by       TEXT    NOT NULL,
    changes          TEXT    NOT NULL,
    undone_us        BIGINT,
    undone_by        TEXT
);
