-- OAuth clients that authenticate with a signed JWT (RFC 7523 §2.2, `private_key_jwt`): their
-- public keys as a JWK Set, or the URL that publishes it. Such a client has no secret (an
-- empty `secret_hash`, which no presented secret's hash equals).
ALTER TABLE oauth_clients ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'clientSecret';
ALTER TABLE oauth_clients ADD COLUMN jwks TEXT;
ALTER TABLE oauth_clients ADD COLUMN jwks_uri TEXT;

-- The `jti` of every client assertion accepted, until it expires: an assertion works once.
CREATE TABLE oauth_assertions (
    client_id   TEXT    NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    jti         TEXT    NOT NULL,
    expires_us  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;

-- Who may call a configuration's SCIM endpoint: `any` (its bearer tokens and OAuth access
-- tokens) or `privateKeyJwt` (only access tokens of clients that authenticated with a JWT).
ALTER TABLE configurations ADD COLUMN client_authentication TEXT NOT NULL DEFAULT 'any';
