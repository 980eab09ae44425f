-- QA → production (issue 33): a QA configuration paired with the production configuration its
-- mapping plan is promoted to.
CREATE TABLE configuration_pairs (
    qa_id         TEXT    PRIMARY KEY REFERENCES configurations (id) ON DELETE CASCADE,
    production_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    updated_us    INTEGER NOT NULL,
    updated_by    TEXT    NOT NULL
);
