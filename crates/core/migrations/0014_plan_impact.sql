-- How many users already stored failed a plan when it was saved (the directory's view of a new
-- plan, shown before saving and kept in its version history). NULL for versions saved before
-- this was counted.
ALTER TABLE mapping_plans ADD COLUMN failing_users INTEGER;
