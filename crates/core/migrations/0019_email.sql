-- Alerts by email (issue 33): the console's SMTP relay, one row, its password sealed under the
-- master key; each alert rule's recipients (a JSON array); each alert's delivery by email.
CREATE TABLE email_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    host                TEXT    NOT NULL,
    port                INTEGER NOT NULL,
    security            TEXT    NOT NULL,
    username            TEXT,
    password_sealed     BLOB,
    from_address        TEXT    NOT NULL,
    trusted_certificate TEXT,
    updated_us          INTEGER NOT NULL,
    updated_by          TEXT    NOT NULL
);
ALTER TABLE alert_rules ADD COLUMN email_to TEXT NOT NULL DEFAULT '[]';
ALTER TABLE alert_events ADD COLUMN email_state TEXT;
ALTER TABLE alert_events ADD COLUMN email_detail TEXT;
