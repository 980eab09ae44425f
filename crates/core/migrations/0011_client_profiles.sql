-- Each configuration's client profile: the named set of compatibility switches it started
-- from. Configurations made for Entra ID or Okta before profiles existed are recognised by
-- the switches they were given then; every other one is `rfc` (all switches on).
ALTER TABLE configurations ADD COLUMN client_profile TEXT NOT NULL DEFAULT 'rfc';

UPDATE configurations SET client_profile = 'okta'
WHERE json_extract(compatibility, '$.stringBooleans') = 0
  AND json_extract(compatibility, '$.pathlessPatch') = 1
  AND json_extract(compatibility, '$.patchWithoutSchemas') = 0
  AND json_extract(compatibility, '$.createMissingValues') = 0;

UPDATE configurations SET client_profile = 'entra'
WHERE json_extract(compatibility, '$.stringBooleans') = 1
  AND json_extract(compatibility, '$.pathlessPatch') = 1
  AND json_extract(compatibility, '$.patchWithoutSchemas') = 0
  AND json_extract(compatibility, '$.createMissingValues') = 1;
