-- Every record of a resource can be found by what an admin knows of it (issue 34): its name,
-- its id, its externalId or an email. `resource_keys` holds the resource's externalId and
-- emails at the time (space-separated, capped); the full-text index gains a `keys` column with
-- the id and those keys.
ALTER TABLE provisioning_log ADD COLUMN resource_keys TEXT;

DROP TRIGGER provisioning_log_text_insert;
DROP TRIGGER provisioning_log_text_delete;
DROP TABLE provisioning_log_text;

CREATE VIRTUAL TABLE provisioning_log_text USING fts5 (
    resource_name, keys, detail, facets,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO provisioning_log_text (rowid, resource_name, keys, detail, facets)
SELECT seq, resource_name, resource_id, detail,
       'cfg' || replace(configuration_id, '-', '') || ' cl' || client || ' oc' || outcome
       || ' op' || operation || ' st' || status
FROM provisioning_log
WHERE resource_name IS NOT NULL OR resource_id IS NOT NULL OR detail IS NOT NULL;

CREATE TRIGGER provisioning_log_text_insert AFTER INSERT ON provisioning_log
WHEN new.resource_name IS NOT NULL OR new.resource_id IS NOT NULL OR new.detail IS NOT NULL
BEGIN
    INSERT INTO provisioning_log_text (rowid, resource_name, keys, detail, facets)
    VALUES (new.seq, new.resource_name,
            coalesce(new.resource_id, '') || ' ' || coalesce(new.resource_keys, ''), new.detail,
            'cfg' || replace(new.configuration_id, '-', '') || ' cl' || new.client || ' oc' || new.outcome
            || ' op' || new.operation || ' st' || new.status);
END;

CREATE TRIGGER provisioning_log_text_delete AFTER DELETE ON provisioning_log
WHEN old.resource_name IS NOT NULL OR old.resource_id IS NOT NULL OR old.detail IS NOT NULL
BEGIN
    DELETE FROM provisioning_log_text WHERE rowid = old.seq;
END;
