-- How long each configuration's provisioning log records are kept: by age and by count,
-- applied in the background.
ALTER TABLE configurations ADD COLUMN log_retention_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE configurations ADD COLUMN log_retention_records INTEGER NOT NULL DEFAULT 1000000;
