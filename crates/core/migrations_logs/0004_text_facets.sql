-- Free text intersects the other filters inside the full-text index: each indexed record also
-- carries its configuration, client, outcome, operation and status as single tokens in a
-- `facets` column (`cfg<id without dashes> clokta ocfailure opcreate st409`), so a common word
-- filtered to a client or configuration it never occurs with is answered from the index alone
-- instead of reading every record the word matches. The index becomes contentless (it never
-- returned content: searches read the records), with deletes by rowid.
DROP TRIGGER provisioning_log_text_insert;
DROP TRIGGER provisioning_log_text_delete;
DROP TABLE provisioning_log_text;

CREATE VIRTUAL TABLE provisioning_log_text USING fts5 (
    resource_name, detail, facets,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO provisioning_log_text (rowid, resource_name, detail, facets)
SELECT seq, resource_name, detail,
       'cfg' || replace(configuration_id, '-', '') || ' cl' || client || ' oc' || outcome
       || ' op' || operation || ' st' || status
FROM provisioning_log
WHERE resource_name IS NOT NULL OR detail IS NOT NULL;

-- Only records with something to find are indexed (a filter query names no resource).
CREATE TRIGGER provisioning_log_text_insert AFTER INSERT ON provisioning_log
WHEN new.resource_name IS NOT NULL OR new.detail IS NOT NULL
BEGIN
    INSERT INTO provisioning_log_text (rowid, resource_name, detail, facets)
    VALUES (new.seq, new.resource_name, new.detail,
            'cfg' || replace(new.configuration_id, '-', '') || ' cl' || new.client || ' oc' || new.outcome
            || ' op' || new.operation || ' st' || new.status);
END;

CREATE TRIGGER provisioning_log_text_delete AFTER DELETE ON provisioning_log
WHEN old.resource_name IS NOT NULL OR old.detail IS NOT NULL
BEGIN
    DELETE FROM provisioning_log_text WHERE rowid = old.seq;
END;
