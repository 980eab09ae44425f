-- The compatibility switches that let a request through (comma-separated switch names), so an
-- admin sees which rule a client bent and which switch accepted it.
ALTER TABLE provisioning_log ADD COLUMN switches TEXT;
