-- SCIM Console on PostgreSQL: the schema of SQLite's two databases (migrations/ up to 0013 and
-- migrations_logs/ up to 0006) in one. Statements are shared with SQLite, so the columns keep
-- SQLite's types: every integer (flags too, as 0/1) is BIGINT, text compares byte-wise
-- (COLLATE "C", as SQLite's BINARY) so that sorting and range filters agree, and times are
-- microseconds since the Unix epoch (UTC). Sequences are identities BY DEFAULT so that
-- `scim-console import` can keep the positions it imports.

CREATE TABLE configurations (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    name                    TEXT COLLATE "C" NOT NULL,
    name_folded             TEXT COLLATE "C" NOT NULL UNIQUE,
    slug                    TEXT COLLATE "C" NOT NULL UNIQUE,
    description             TEXT    NOT NULL DEFAULT '',
    enabled                 BIGINT  NOT NULL,
    provision_users         BIGINT  NOT NULL,
    provision_groups        BIGINT  NOT NULL,
    put_semantics           TEXT    NOT NULL CHECK (put_semantics IN ('replace', 'merge')),
    keep_passwords          BIGINT  NOT NULL DEFAULT 0,
    protected_accounts      TEXT    NOT NULL DEFAULT '[]',
    created_us              BIGINT  NOT NULL,
    updated_us              BIGINT  NOT NULL,
    token_max_lifetime_days BIGINT,
    token_rotation_days     BIGINT,
    token_max_active        BIGINT,
    log_retention_days      BIGINT  NOT NULL DEFAULT 30,
    log_retention_records   BIGINT  NOT NULL DEFAULT 1000000,
    compatibility           TEXT    NOT NULL DEFAULT '{}',
    client_profile          TEXT    NOT NULL DEFAULT 'rfc',
    client_authentication   TEXT    NOT NULL DEFAULT 'any'
);

CREATE TABLE tokens (
    id               TEXT COLLATE "C" PRIMARY KEY,
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    label            TEXT   NOT NULL,
    hash             BYTEA  NOT NULL,
    created_us       BIGINT NOT NULL,
    revoked_us       BIGINT,
    created_by       TEXT   NOT NULL DEFAULT '',
    expires_us       BIGINT,
    last_used_us     BIGINT,
    last_used_from   TEXT,
    revoked_by       TEXT,
    rotated_to       TEXT COLLATE "C"
);
CREATE INDEX tokens_configuration ON tokens (configuration_id);

CREATE TABLE users (
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    id               TEXT COLLATE "C" NOT NULL,
    external_id      TEXT COLLATE "C",
    user_name        TEXT COLLATE "C" NOT NULL,
    user_name_folded TEXT COLLATE "C" NOT NULL,
    display_name     TEXT COLLATE "C",
    active           BIGINT,
    created_us       BIGINT NOT NULL,
    modified_us      BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    password_hash    TEXT,
    data             TEXT   NOT NULL,
    imported_us      BIGINT,
    log_request      TEXT,
    PRIMARY KEY (configuration_id, id)
);
CREATE UNIQUE INDEX users_user_name ON users (configuration_id, user_name_folded);
CREATE INDEX users_external_id ON users (configuration_id, external_id);
CREATE INDEX users_created ON users (configuration_id, created_us, id);
CREATE INDEX users_imported ON users (configuration_id) WHERE imported_us IS NOT NULL;

CREATE TABLE groups (
    configuration_id    TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    id                  TEXT COLLATE "C" NOT NULL,
    external_id         TEXT COLLATE "C",
    display_name        TEXT COLLATE "C" NOT NULL,
    display_name_folded TEXT COLLATE "C" NOT NULL,
    created_us          BIGINT NOT NULL,
    modified_us         BIGINT NOT NULL,
    version             BIGINT NOT NULL,
    data                TEXT   NOT NULL,
    log_request         TEXT,
    PRIMARY KEY (configuration_id, id)
);
CREATE UNIQUE INDEX groups_display_name ON groups (configuration_id, display_name_folded);
CREATE INDEX groups_external_id ON groups (configuration_id, external_id);
CREATE INDEX groups_created ON groups (configuration_id, created_us, id);

CREATE TABLE group_members (
    configuration_id TEXT COLLATE "C" NOT NULL,
    group_id         TEXT COLLATE "C" NOT NULL,
    member_id        TEXT COLLATE "C" NOT NULL,
    position         BIGINT NOT NULL,
    data             TEXT   NOT NULL,
    PRIMARY KEY (configuration_id, group_id, member_id),
    FOREIGN KEY (configuration_id, group_id) REFERENCES groups (configuration_id, id) ON DELETE CASCADE
);
CREATE INDEX group_members_order ON group_members (configuration_id, group_id, position);
CREATE INDEX group_members_member ON group_members (configuration_id, member_id, group_id);

-- Totals per configuration and resource type, kept by triggers in the writing transaction.
CREATE TABLE directory_counts (
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    resource_type    TEXT COLLATE "C" NOT NULL,
    total            BIGINT NOT NULL,
    PRIMARY KEY (configuration_id, resource_type)
);

CREATE FUNCTION directory_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO directory_counts (configuration_id, resource_type, total)
            VALUES (NEW.configuration_id, TG_ARGV[0], 1)
            ON CONFLICT (configuration_id, resource_type)
            DO UPDATE SET total = directory_counts.total + 1;
        RETURN NEW;
    END IF;
    UPDATE directory_counts SET total = total - 1
        WHERE configuration_id = OLD.configuration_id AND resource_type = TG_ARGV[0];
    RETURN OLD;
END;
$$;
CREATE TRIGGER users_counted AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION directory_counted('User');
CREATE TRIGGER groups_counted AFTER INSERT OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION directory_counted('Group');

CREATE TABLE oauth_clients (
    id               TEXT COLLATE "C" PRIMARY KEY,
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    label            TEXT   NOT NULL,
    secret_hash      BYTEA  NOT NULL,
    created_us       BIGINT NOT NULL,
    created_by       TEXT   NOT NULL,
    revoked_us       BIGINT,
    revoked_by       TEXT,
    last_used_us     BIGINT,
    last_used_from   TEXT,
    auth_method      TEXT   NOT NULL DEFAULT 'clientSecret',
    jwks             TEXT,
    jwks_uri         TEXT
);
CREATE INDEX oauth_clients_configuration ON oauth_clients (configuration_id);

CREATE TABLE oauth_refresh_tokens (
    id          TEXT COLLATE "C" PRIMARY KEY,
    client_id   TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    hash        BYTEA  NOT NULL,
    created_us  BIGINT NOT NULL,
    expires_us  BIGINT NOT NULL,
    used_us     BIGINT
);
CREATE INDEX oauth_refresh_tokens_client ON oauth_refresh_tokens (client_id);

CREATE TABLE oauth_assertions (
    client_id   TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    jti         TEXT COLLATE "C" NOT NULL,
    expires_us  BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Append-only: no foreign key (the history outlives what it describes), and a trigger refuses
-- every UPDATE and DELETE.
CREATE TABLE audit_log (
    seq                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at_us              BIGINT NOT NULL,
    actor              TEXT   NOT NULL,
    source             TEXT   NOT NULL,
    action             TEXT COLLATE "C" NOT NULL,
    configuration_id   TEXT COLLATE "C",
    configuration_name TEXT,
    target             TEXT,
    details            TEXT   NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at_us);
CREATE INDEX audit_log_configuration ON audit_log (configuration_id, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE mapping_plans (
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    version          BIGINT NOT NULL,
    plan             TEXT   NOT NULL,
    created_us       BIGINT NOT NULL,
    created_by       TEXT   NOT NULL,
    comment          TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (configuration_id, version)
);

CREATE TABLE alert_rules (
    id                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    configuration_id  TEXT COLLATE "C" NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    name              TEXT   NOT NULL,
    condition         TEXT   NOT NULL,
    enabled           BIGINT NOT NULL DEFAULT 1,
    webhook_sealed    BYTEA,
    webhook_shown     TEXT,
    created_us        BIGINT NOT NULL,
    firing_since_us   BIGINT,
    last_evaluated_us BIGINT
);
CREATE INDEX alert_rules_configuration ON alert_rules (configuration_id);

CREATE TABLE alert_events (
    seq                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at_us              BIGINT NOT NULL,
    rule_id            BIGINT NOT NULL,
    rule_name          TEXT   NOT NULL,
    configuration_id   TEXT COLLATE "C" NOT NULL,
    configuration_name TEXT   NOT NULL,
    kind               TEXT   NOT NULL,
    message            TEXT   NOT NULL,
    webhook_state      TEXT,
    webhook_detail     TEXT
);
CREATE INDEX alert_events_configuration ON alert_events (configuration_id, seq);

CREATE TABLE log_outbox (
    ticket           BIGINT PRIMARY KEY,
    at_us            BIGINT NOT NULL,
    configuration_id TEXT COLLATE "C" NOT NULL,
    resource_type    TEXT   NOT NULL,
    resource_id      TEXT   NOT NULL,
    resource_name    TEXT,
    request          TEXT   NOT NULL
);

CREATE TABLE log_checkpoint (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    logged_until_us BIGINT NOT NULL
);

CREATE TABLE remote_targets (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    name_folded    TEXT COLLATE "C" NOT NULL UNIQUE,
    base_url       TEXT   NOT NULL,
    auth           TEXT   NOT NULL,
    secret_store   TEXT   NOT NULL,
    secret_sealed  BYTEA,
    created_us     BIGINT NOT NULL,
    updated_us     BIGINT NOT NULL,
    last_test_us   BIGINT,
    last_test_ok   BIGINT
);

-- The provisioning log (SQLite keeps it in a second file).
CREATE TABLE provisioning_log (
    seq              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at_us            BIGINT NOT NULL,
    configuration_id TEXT COLLATE "C" NOT NULL,
    client           TEXT COLLATE "C" NOT NULL,
    user_agent       TEXT,
    source           TEXT   NOT NULL,
    credential       TEXT,
    method           TEXT COLLATE "C" NOT NULL,
    path             TEXT   NOT NULL,
    operation        TEXT COLLATE "C" NOT NULL,
    resource_type    TEXT COLLATE "C",
    resource_id      TEXT COLLATE "C",
    resource_name    TEXT,
    status           BIGINT NOT NULL,
    outcome          TEXT COLLATE "C" NOT NULL,
    scim_type        TEXT,
    detail           TEXT,
    duration_us      BIGINT NOT NULL,
    changes          TEXT,
    request_body     TEXT,
    response_body    TEXT,
    attributes       TEXT,
    refusal          TEXT,
    outbox           TEXT,
    direction        TEXT   NOT NULL DEFAULT 'inbound',
    switches         TEXT,
    -- Full-text search: what SQLite's FTS5 index holds (the resource's name, the detail and
    -- the facets `cfg<id without dashes> cl<client> oc<outcome> op<operation> st<status>`).
    -- Punctuation separates words, as FTS5's unicode61 tokenizer has it (PostgreSQL's parser
    -- would keep `europe/paris` or `bjensen@example.com` whole).
    search           tsvector GENERATED ALWAYS AS (
        CASE WHEN resource_name IS NULL AND detail IS NULL THEN NULL ELSE
            to_tsvector('simple',
                regexp_replace(coalesce(resource_name, '') || ' ' || coalesce(detail, ''),
                               '[[:punct:]]+', ' ', 'g')
                || ' cfg' || replace(configuration_id, '-', '') || ' cl' || client
                || ' oc' || outcome || ' op' || operation || ' st' || status::text)
        END
    ) STORED
);
CREATE INDEX provisioning_log_configuration ON provisioning_log (configuration_id, seq);
CREATE INDEX provisioning_log_resource ON provisioning_log (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX provisioning_log_outcome ON provisioning_log (configuration_id, outcome, seq)
    WHERE outcome <> 'success';
CREATE INDEX provisioning_log_operation ON provisioning_log (configuration_id, operation, seq)
    WHERE operation NOT IN ('query', 'create', 'update');
CREATE INDEX provisioning_log_status ON provisioning_log (configuration_id, status, seq)
    WHERE status NOT IN (200, 201, 204);
CREATE INDEX provisioning_log_search ON provisioning_log USING gin (search);

CREATE TABLE log_minutes (
    configuration_id TEXT COLLATE "C" NOT NULL,
    minute           BIGINT NOT NULL,
    requests         BIGINT NOT NULL,
    failures         BIGINT NOT NULL,
    skipped          BIGINT NOT NULL,
    warnings         BIGINT NOT NULL,
    writes           BIGINT NOT NULL,
    duration_us      BIGINT NOT NULL,
    PRIMARY KEY (configuration_id, minute)
);

CREATE TABLE log_latency (
    configuration_id TEXT COLLATE "C" NOT NULL,
    hour             BIGINT NOT NULL,
    bucket           BIGINT NOT NULL,
    count            BIGINT NOT NULL,
    PRIMARY KEY (configuration_id, hour, bucket)
);

CREATE TABLE log_failures (
    configuration_id TEXT COLLATE "C" NOT NULL,
    minute           BIGINT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    count            BIGINT NOT NULL,
    PRIMARY KEY (configuration_id, minute, kind, name)
);

-- Several instances share one database: a change to credentials or configurations bumps this
-- epoch, and every instance drops its caches when it sees a new one.
CREATE TABLE auth_epoch (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);

-- The instances serving from this database, each seen every few seconds: a rate limit is
-- shared out between the live ones.
CREATE TABLE instances (
    id         TEXT COLLATE "C" PRIMARY KEY,
    started_us BIGINT NOT NULL,
    seen_us    BIGINT NOT NULL
);
