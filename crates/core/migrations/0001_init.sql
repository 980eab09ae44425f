-- SCIM Console schema, version 1. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE configurations (
    id                 TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    name_folded        TEXT    NOT NULL UNIQUE,
    slug               TEXT    NOT NULL UNIQUE,
    description        TEXT    NOT NULL DEFAULT '',
    enabled            INTEGER NOT NULL,
    provision_users    INTEGER NOT NULL,
    provision_groups   INTEGER NOT NULL,
    put_semantics      TEXT    NOT NULL CHECK (put_semantics IN ('replace', 'merge')),
    keep_passwords     INTEGER NOT NULL DEFAULT 0,
    protected_accounts TEXT    NOT NULL DEFAULT '[]',
    created_us         INTEGER NOT NULL,
    updated_us         INTEGER NOT NULL
);

CREATE TABLE tokens (
    id               TEXT    PRIMARY KEY,
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    label            TEXT    NOT NULL,
    hash             BLOB    NOT NULL,
    created_us       INTEGER NOT NULL,
    revoked_us       INTEGER
);
CREATE INDEX tokens_configuration ON tokens (configuration_id);

CREATE TABLE users (
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    id               TEXT    NOT NULL,
    external_id      TEXT,
    user_name        TEXT    NOT NULL,
    user_name_folded TEXT    NOT NULL,
    display_name     TEXT,
    active           INTEGER,
    created_us       INTEGER NOT NULL,
    modified_us      INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    password_hash    TEXT,
    data             TEXT    NOT NULL,
    PRIMARY KEY (configuration_id, id)
);
CREATE UNIQUE INDEX users_user_name ON users (configuration_id, user_name_folded);
CREATE INDEX users_external_id ON users (configuration_id, external_id);
CREATE INDEX users_created ON users (configuration_id, created_us, id);

CREATE TABLE groups (
    configuration_id    TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    id                  TEXT    NOT NULL,
    external_id         TEXT,
    display_name        TEXT    NOT NULL,
    display_name_folded TEXT    NOT NULL,
    created_us          INTEGER NOT NULL,
    modified_us         INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    data                TEXT    NOT NULL,
    PRIMARY KEY (configuration_id, id)
);
CREATE UNIQUE INDEX groups_display_name ON groups (configuration_id, display_name_folded);
CREATE INDEX groups_external_id ON groups (configuration_id, external_id);
CREATE INDEX groups_created ON groups (configuration_id, created_us, id);

-- Membership as rows, so that a group of 100,000 members is patched without loading them all.
CREATE TABLE group_members (
    configuration_id TEXT NOT NULL,
    group_id         TEXT NOT NULL,
    member_id        TEXT NOT NULL,
    position         INTEGER NOT NULL,
    data             TEXT NOT NULL,
    PRIMARY KEY (configuration_id, group_id, member_id),
    FOREIGN KEY (configuration_id, group_id) REFERENCES groups (configuration_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_member ON group_members (configuration_id, member_id);
CREATE INDEX group_members_order ON group_members (configuration_id, group_id, position);
