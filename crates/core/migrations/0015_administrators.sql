-- The console's administrators (issue 32): an email unique without case, a display name,
-- grants as JSON (`[{"role": "editor", "configurations": ["…"]}]`), disabled when
-- `disabled_us` is set.
CREATE TABLE administrators (
    id           TEXT    PRIMARY KEY,
    email        TEXT    NOT NULL,
    email_folded TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL DEFAULT '',
    grants       TEXT    NOT NULL DEFAULT '[]',
    disabled_us  INTEGER,
    created_us   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL DEFAULT ''
);
