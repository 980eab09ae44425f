-- Why a 401 was refused (missingToken, invalidToken, expiredToken, revokedToken): a revoked
-- token still in use is something an admin must hear about (the alert rules count these).
ALTER TABLE provisioning_log ADD COLUMN refusal TEXT;
