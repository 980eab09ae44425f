-- A user's groups are looked up by member (when the user is deleted, and by the
-- `members[value eq …]` filter). With the group id in the member index the lookup reads the
-- index alone, so SQLite prefers it even without statistics: before, an unanalysed database
-- chose the covering primary key and scanned every membership row of the configuration for
-- each user deleted (measured: half the throughput of the soak's mix; see docs/reliability.md).
DROP INDEX group_members_member;
CREATE INDEX group_members_member ON group_members (configuration_id, member_id, group_id);
