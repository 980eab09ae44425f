-- The provisioning log's outbox: a change to the directory made for a SCIM request files a row
-- here in its own statement or transaction, so the change and the obligation to log it commit
-- together. The log writer deletes the rows of the records it stored; at start-up (and, for
-- rows older than a few minutes, in the background) rows left over — the process stopped, or
-- the log queue was full — become log records.
CREATE TABLE log_outbox (
    ticket           INTEGER PRIMARY KEY, -- random, chosen by the writer; in the record too
    at_us            INTEGER NOT NULL,
    configuration_id TEXT    NOT NULL,
    resource_type    TEXT    NOT NULL,
    resource_id      TEXT    NOT NULL,
    resource_name    TEXT,
    request          TEXT    NOT NULL -- JSON: {ticket, atUs, request: {method, path, client, …}}
);
CREATE INDEX log_outbox_at ON log_outbox (at_us);

-- Creates and updates of users and groups carry the request's stamp in `log_request`; these
-- triggers file the outbox row within the same statement (a write stays one round trip).
-- Writes outside a SCIM request (imports) carry none.
ALTER TABLE users ADD COLUMN log_request TEXT;
ALTER TABLE groups ADD COLUMN log_request TEXT;

CREATE TRIGGER users_log_outbox_insert AFTER INSERT ON users
WHEN new.log_request IS NOT NULL
BEGIN
    INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request)
    VALUES (json_extract(new.log_request, '$.ticket'), json_extract(new.log_request, '$.atUs'),
            new.configuration_id, 'User', new.id, new.user_name, new.log_request);
END;

CREATE TRIGGER users_log_outbox_update AFTER UPDATE OF log_request ON users
WHEN new.log_request IS NOT NULL
BEGIN
    INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request)
    VALUES (json_extract(new.log_request, '$.ticket'), json_extract(new.log_request, '$.atUs'),
            new.configuration_id, 'User', new.id, new.user_name, new.log_request);
END;

CREATE TRIGGER groups_log_outbox_insert AFTER INSERT ON groups
WHEN new.log_request IS NOT NULL
BEGIN
    INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request)
    VALUES (json_extract(new.log_request, '$.ticket'), json_extract(new.log_request, '$.atUs'),
            new.configuration_id, 'Group', new.id, new.display_name, new.log_request);
END;

CREATE TRIGGER groups_log_outbox_update AFTER UPDATE OF log_request ON groups
WHEN new.log_request IS NOT NULL
BEGIN
    INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request)
    VALUES (json_extract(new.log_request, '$.ticket'), json_extract(new.log_request, '$.atUs'),
            new.configuration_id, 'Group', new.id, new.display_name, new.log_request);
END;
