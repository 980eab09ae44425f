-- The console's administrators (issue 32; SQLite's migrations/0015).
CREATE TABLE administrators (
    id           TEXT COLLATE "C" PRIMARY KEY,
    email        TEXT COLLATE "C" NOT NULL,
    email_folded TEXT COLLATE "C" NOT NULL UNIQUE,
    name         TEXT   NOT NULL DEFAULT '',
    grants       TEXT   NOT NULL DEFAULT '[]',
    disabled_us  BIGINT,
    created_us   BIGINT NOT NULL,
    created_by   TEXT   NOT NULL DEFAULT ''
);
