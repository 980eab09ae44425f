-- Each configuration's compatibility switches (JSON; absent switches take their default, which
-- accepts everything Entra ID and Okta send).
ALTER TABLE configurations ADD COLUMN compatibility TEXT NOT NULL DEFAULT '{}';
