-- Why a 401 was refused (missingToken, invalidToken, expiredToken, revokedToken): a revoked
-- token still in use is something an admin must hear about (the alert rules count these).
ALTER TABLE provisioning_log ADD COLUMN refusal TEXT;

-- The main database's outbox rows (`log_outbox.id`, comma-separated) a record stands for: at
-- start-up, a row whose record was stored (the process stopped before it deleted the row) is
-- not recorded twice.
ALTER TABLE provisioning_log ADD COLUMN outbox TEXT;
