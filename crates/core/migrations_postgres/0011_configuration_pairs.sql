-- QA → production (issue 33): a QA configuration paired with the production configuration its
-- mapping plan is promoted to.
CREATE TABLE configuration_pairs (
    qa_id         TEXT COLLATE "C" PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
    production_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    updated_us    BIGINT  NOT NULL,
    updated_by    TEXT    NOT NULL
);
