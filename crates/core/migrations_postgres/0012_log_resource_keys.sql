-- Every record of a resource can be found by what an admin knows of it (issue 34): its name,
-- its id, its externalId or an email. `resource_keys` holds the resource's externalId and
-- emails at the time; the `search` column (what SQLite's FTS5 index holds) gains them and the
-- id.
ALTER TABLE provisioning_log ADD COLUMN resource_keys TEXT;
DROP INDEX provisioning_log_search;
ALTER TABLE provisioning_log DROP COLUMN search;
ALTER TABLE provisioning_log ADD COLUMN search tsvector GENERATED ALWAYS AS (
    CASE WHEN resource_name IS NULL AND resource_id IS NULL AND detail IS NULL THEN NULL ELSE
        to_tsvector('simple',
            regexp_replace(coalesce(resource_name, '') || ' ' || coalesce(resource_id, '') || ' '
                           || coalesce(resource_keys, '') || ' ' || coalesce(detail, ''),
                           '[[:punct:]]+', ' ', 'g')
            || ' cfg' || replace(configuration_id, '-', '') || ' cl' || client
            || ' oc' || outcome || ' op' || operation || ' st' || status::text)
    END
) STORED;
CREATE INDEX provisioning_log_search ON provisioning_log USING gin (search);
