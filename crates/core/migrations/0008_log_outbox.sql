-- A change and its log record commit together.
--
-- Creates and updates of users and groups made for a SCIM request carry the request's stamp
-- (a random ticket, the time and what the request was: method, path, client, source,
-- credential prefix) in `log_request`, written by the change's own statement; the request's
-- log record lists the same ticket. At start-up, rows changed shortly before the newest stored
-- record (or after it) whose ticket no record lists get a record: the process stopped between
-- the change and its record.
ALTER TABLE users ADD COLUMN log_request TEXT;
ALTER TABLE groups ADD COLUMN log_request TEXT;

-- A delete leaves no row to carry a stamp: it files one here, in its own transaction. The log
-- writer deletes the rows of the records it stored; rows left over become records at start-up
-- (and, older than a few minutes, in the background).
CREATE TABLE log_outbox (
    ticket           INTEGER PRIMARY KEY, -- random, chosen by the writer; in the record too
    at_us            INTEGER NOT NULL,
    configuration_id TEXT    NOT NULL,
    resource_type    TEXT    NOT NULL,
    resource_id      TEXT    NOT NULL,
    resource_name    TEXT,
    request          TEXT    NOT NULL -- JSON: {ticket, atUs, request: {method, path, client, …}}
);

-- Every change made before `logged_until_us` has its record stored: written at a graceful
-- shutdown (after the log writer drained its queue) and every minute while serving (a minute
-- back). Start-up recovery looks only at changes after it, so records deleted by retention never
-- make old changes look unlogged.
CREATE TABLE log_checkpoint (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    logged_until_us INTEGER NOT NULL
);
