-- Requests the console itself sent as a SCIM client (pilot runs against a target) are recorded
-- beside the requests it received, marked 'outbound'; their `source` names the target.
ALTER TABLE provisioning_log ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound';
