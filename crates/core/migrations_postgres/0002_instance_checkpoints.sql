-- Each instance vouches for its own changes: every change it made before `logged_until_us` has
-- its provisioning log record. A shared checkpoint let a live instance's checkpoint pass the
-- unrecorded changes of one that had crashed, so that recovery never looked at them. An
-- instance leaves this table when it stops gracefully (its records stored), or once recovery
-- has covered its changes.
ALTER TABLE instances ADD COLUMN logged_until_us BIGINT;
