-- Brown-field provisioning: users imported from the target before the identity provider's first
-- cycle. `imported_us` is set while such a user waits to be linked; the identity provider's first
-- POST that matches it (by the plan's matching attributes) links it instead of creating a
-- duplicate, and clears it.
ALTER TABLE users ADD COLUMN imported_us INTEGER;
CREATE INDEX users_imported ON users (configuration_id) WHERE imported_us IS NOT NULL;
