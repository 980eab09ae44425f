//! OAuth 2.0 for the SCIM endpoint (RFC 6749): clients issued by the console (a client id and
//! a secret shown once), the `client_credentials` and `refresh_token` grants, and short-lived
//! access tokens the SCIM endpoint accepts like bearer tokens.
//!
//! - An **access token** reads `scimat_<payload>.<signature>`: the payload names the
//!   configuration, the client and the expiry; the signature is an HMAC-SHA256 under a key
//!   derived from the console's master key. It is checked without storing it, and refused at
//!   once when its client is revoked (the client's state is read or cached exactly like a
//!   bearer token's).
//! - A **refresh token** (`scimrt_…`, issued with every access token) is stored as a hash and
//!   works once: using it issues the next one. Using one twice revokes every refresh token of
//!   the client (the second user may be a thief), as RFC 6819 §5.2.2.3 suggests.
//! - A client authenticates with its **secret** (HTTP Basic or the form), or with a **JWT it
//!   signed** under a key it registered (RFC 7523, [`assertion`]). The latter gets short-lived
//!   access tokens and no refresh token (it can sign another assertion), and is the only kind
//!   a configuration requiring [`crate::ClientAuthentication::PrivateKeyJwt`] lets in.

pub mod assertion;

pub(crate) mod signing;

use self::signing::SigningKey;
use crate::db::{self, Link};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::audit::{self, Actor, Subject};
use crate::auth_cache::Entry;
use crate::configuration::{Configuration, ConfigurationId};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::format::{self, ACCESS_PREFIX, Kind};
use crate::token::{Authentication, Principal, PrincipalKind, RejectReason, Secret, TokenState};
pub use assertion::{ClientKeys, VerifiedAssertion};
pub use jsonwebtoken::jwk::JwkSet;

const CLIENT_PREFIX: &str = "scimc_";
/// The one scope an access token carries: the SCIM endpoint of its configuration, nothing
/// more (IPSIE AL §4.1).
pub const SCOPE: &str = "scim";
/// How long an access token lives.
pub const ACCESS_TOKEN_SECONDS: i64 = 3600;
/// How long an access token of a client authenticated with a JWT lives (IPSIE AL §8: short
/// lived; the client signs a new assertion for the next one).
pub const JWT_ACCESS_TOKEN_SECONDS: i64 = 300;
/// How long an unused refresh token lives.
pub const REFRESH_TOKEN_DAYS: i64 = 30;
const SECOND_US: i64 = 1_000_000;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claims {
    /// The configuration.
    cfg: String,
    /// The client.
    cli: String,
    /// Issued at (µs).
    iat: i64,
    /// Expires at (µs).
    exp: i64,
    /// Whether the client authenticated with a signed JWT (absent: with its secret).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    jwt: bool,
}

fn sign_access_token(key: &SigningKey, claims: &Claims) -> Secret {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signature = URL_SAFE_NO_PAD.encode(key.sign(payload.as_bytes()));
    Secret::new(format!("{ACCESS_PREFIX}{payload}.{signature}"))
}

fn read_access_token(key: &SigningKey, text: &str) -> Option<Claims> {
    let rest = text.strip_prefix(ACCESS_PREFIX)?;
    let (payload, signature) = rest.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let expected = key.sign(payload.as_bytes());
    if !bool::from(expected.as_slice().ct_eq(signature.as_slice())) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// How an OAuth client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ClientAuthMethod {
    /// With the secret issued at its creation (`client_secret_basic` or `client_secret_post`).
    ClientSecret,
    /// With a JWT signed by one of its registered keys (`private_key_jwt`, RFC 7523).
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "clientSecret",
            Self::PrivateKeyJwt => "privateKeyJwt",
        }
    }
}

/// What is stored and shown about an OAuth client: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClientInfo {
    /// The client id (`scimc_…`), public.
    pub client_id: String,
    /// The configuration it opens.
    pub configuration_id: ConfigurationId,
    /// A label the admin chose.
    pub label: String,
    /// How it authenticates at the token endpoint.
    pub auth_method: ClientAuthMethod,
    /// Its registered public keys (a JWT client without a JWKS URL).
    pub jwks: Option<Value>,
    /// Where it publishes its public keys (a JWT client).
    pub jwks_uri: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// When it was revoked.
    pub revoked: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When an access token of it last opened the endpoint (recorded at most once a minute).
    pub last_used: Option<DateTime<Utc>>,
    /// The address it was last used from.
    pub last_used_from: Option<String>,
    /// `active` or `revoked`.
    pub state: TokenState,
}

/// A client just created: its details and its secret, to be shown once.
#[derive(Debug, Clone)]
pub struct IssuedClient {
    /// The stored details.
    pub info: OAuthClientInfo,
    /// The client secret (none for a client that authenticates with a JWT).
    pub client_secret: Option<Secret>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The access token for the SCIM endpoint.
    pub access_token: Secret,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The refresh token that gets the next one (none for a JWT-authenticated client, which
    /// signs a new assertion instead).
    pub refresh_token: Option<Secret>,
}

/// A grant asked of the token endpoint.
#[derive(Debug, Clone)]
pub enum Grant {
    /// `grant_type=client_credentials`.
    ClientCredentials,
    /// `grant_type=refresh_token` with the refresh token.
    RefreshToken(String),
}

/// An RFC 6749 §5.2 error of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The request is missing a parameter or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// The client is unknown, revoked, or its secret is wrong.
    #[error("invalid_client: {0}")]
    InvalidClient(String),
    /// The refresh token is invalid, expired, used or another client's.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// The client may not use this endpoint now (its configuration is disabled).
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    /// The grant type is not supported.
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(String),
    /// A scope other than `scim` was asked for.
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// The server failed (details logged, not shown).
    #[error("server_error")]
    ServerError,
}

impl OAuthError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::ServerError => "server_error",
        }
    }

    /// The `error_description`.
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidClient(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d) => d,
            Self::ServerError => {
                "the server could not complete the request; the error has been logged"
            }
        }
    }
}

impl From<CoreError> for OAuthError {
    fn from(error: CoreError) -> Self {
        tracing::error!(%error, "OAuth token request failed in the store");
        Self::ServerError
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(error: sqlx::Error) -> Self {
        CoreError::from(error).into()
    }
}

fn auth_method(stored: &str) -> CoreResult<ClientAuthMethod> {
    match stored {
        "clientSecret" => Ok(ClientAuthMethod::ClientSecret),
        "privateKeyJwt" => Ok(ClientAuthMethod::PrivateKeyJwt),
        other => Err(CoreError::Corrupt(format!(
            "OAuth client auth method {other:?}"
        ))),
    }
}

fn client_from_row(row: &db::Row, now: i64) -> CoreResult<OAuthClientInfo> {
    let configuration: String = row.try_get("configuration_id")?;
    let revoked: Option<i64> = row.try_get("revoked_us")?;
    let jwks: Option<String> = row.try_get("jwks")?;
    Ok(OAuthClientInfo {
        client_id: row.try_get("id")?,
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        label: row.try_get("label")?,
        auth_method: auth_method(&row.try_get::<String, _>("auth_method")?)?,
        jwks: jwks
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(|e| CoreError::Corrupt(format!("jwks: {e}")))?,
        jwks_uri: row.try_get("jwks_uri")?,
        created: to_time(row.try_get("created_us")?)?,
        created_by: row.try_get("created_by")?,
        revoked: revoked.map(to_time).transpose()?,
        revoked_by: row.try_get("revoked_by")?,
        last_used: row
            .try_get::<Option<i64>, _>("last_used_us")?
            .map(to_time)
            .transpose()?,
        last_used_from: row.try_get("last_used_from")?,
        state: TokenState::at(now, revoked, None),
    })
}

/// A disabled configuration's clients get no token.
fn check_enabled(configuration: &Configuration) -> Result<(), OAuthError> {
    if configuration.enabled {
        Ok(())
    } else {
        Err(OAuthError::UnauthorizedClient(format!(
            "the SCIM configuration \"{}\" is disabled",
            configuration.name
        )))
    }
}

/// The refusal of a client secret where only signed JWTs authenticate clients.
fn jwt_required(configuration: &Configuration) -> OAuthError {
    OAuthError::InvalidClient(format!(
        "\"{}\" accepts only clients that authenticate with a signed JWT (client_assertion, RFC 7523 private_key_jwt), not with a client secret or a refresh token",
        configuration.name
    ))
}

/// Marks every unused refresh token of a client used, so none works again.
async fn end_refresh_tokens(conn: &mut impl Link, client_id: &str, now: i64) -> CoreResult<()> {
    db::query("UPDATE oauth_refresh_tokens SET used_us = COALESCE(used_us, ?) WHERE client_id = ?")
        .bind(now)
        .bind(client_id)
        .execute(conn)
        .await?;
    Ok(())
}

const CLIENT_COLUMNS: &str = "id, configuration_id, label, auth_method, jwks, jwks_uri, created_us, created_by, revoked_us, revoked_by, last_used_us, last_used_from";

impl Store {
    /// Creates an OAuth client for a configuration: one that authenticates with a secret
    /// (returned here, the only copy) or, given its public `keys`, with a signed JWT.
    pub async fn create_oauth_client(
        &self,
        configuration: ConfigurationId,
        label: &str,
        keys: Option<ClientKeys>,
        actor: &Actor,
    ) -> CoreResult<IssuedClient> {
        let label = label.trim();
        if label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "label",
                "at most 100 printable characters",
            ));
        }
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        if keys.is_none() && configuration.client_authentication.requires_jwt() {
            return Err(CoreError::invalid(
                "jwks",
                format!(
                    "\"{}\" accepts only clients that authenticate with a signed JWT: register the client's public keys (jwks or jwksUri)",
                    configuration.name
                ),
            ));
        }
        let now = self.now_us();
        let short = format::new_id();
        let client_id = format!("{CLIENT_PREFIX}{short}");
        let (secret, hash, method, jwks, jwks_uri) = match &keys {
            None => {
                let (secret, hash) = format::issue(Kind::ClientSecret, &short);
                (
                    Some(secret),
                    hash.to_vec(),
                    ClientAuthMethod::ClientSecret,
                    None,
                    None,
                )
            }
            Some(ClientKeys::Set(set)) => (
                None,
                Vec::new(),
                ClientAuthMethod::PrivateKeyJwt,
                Some(
                    serde_json::to_string(set)
                        .map_err(|e| CoreError::invalid("jwks", e.to_string()))?,
                ),
                None,
            ),
            Some(ClientKeys::Url(url)) => (
                None,
                Vec::new(),
                ClientAuthMethod::PrivateKeyJwt,
                None,
                Some(ClientKeys::parse_url(url)?),
            ),
        };
        db::query("INSERT INTO oauth_clients (id, configuration_id, label, secret_hash, auth_method, jwks, jwks_uri, created_us, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&client_id)
            .bind(configuration.id.to_string())
            .bind(label)
            .bind(hash.as_slice())
            .bind(method.as_str())
            .bind(&jwks)
            .bind(&jwks_uri)
            .bind(now)
            .bind(&actor.name)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "oauth_client.create",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(&client_id),
            },
            &json!({"label": label, "authMethod": method, "jwksUri": jwks_uri}),
        )
        .await?;
        let info = self
            .oauth_client_on(&mut tx, configuration.id, &client_id, now)
            .await?;
        tx.commit().await?;
        Ok(IssuedClient {
            info,
            client_secret: secret,
        })
    }

    async fn oauth_client_on(
        &self,
        conn: &mut impl Link,
        configuration: ConfigurationId,
        client_id: &str,
        now: i64,
    ) -> CoreResult<OAuthClientInfo> {
        let row = db::query(format!(
            "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE id = ? AND configuration_id = ?"
        ))
        .bind(client_id)
        .bind(configuration.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("OAuth client {client_id}")))?;
        client_from_row(&row, now)
    }

    /// The OAuth clients of a configuration, newest first.
    pub async fn list_oauth_clients(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Vec<OAuthClientInfo>> {
        self.configuration(configuration).await?;
        let now = self.now_us();
        let rows = db::query(format!(
            "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE configuration_id = ? ORDER BY created_us DESC, id"
        ))
        .bind(configuration.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| client_from_row(r, now)).collect()
    }

    /// Revokes an OAuth client: its access tokens fail on the next request, its refresh tokens
    /// and secret no longer work.
    pub async fn revoke_oauth_client(
        &self,
        configuration: ConfigurationId,
        client_id: &str,
        actor: &Actor,
    ) -> CoreResult<OAuthClientInfo> {
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        let now = self.now_us();
        let before = self
            .oauth_client_on(&mut tx, configuration.id, client_id, now)
            .await?;
        if before.state == TokenState::Revoked {
            return Ok(before);
        }
        db::query("UPDATE oauth_clients SET revoked_us = ?, revoked_by = ? WHERE id = ?")
            .bind(now)
            .bind(&actor.name)
            .bind(client_id)
            .execute(&mut tx)
            .await?;
        end_refresh_tokens(&mut tx, client_id, now).await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "oauth_client.revoke",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(client_id),
            },
            &json!({"label": before.label}),
        )
        .await?;
        let after = self
            .oauth_client_on(&mut tx, configuration.id, client_id, now)
            .await?;
        tx.commit().await?;
        drop(w);
        self.auth_cache().bump().await?;
        Ok(after)
    }

    /// The token endpoint of the configuration at `slug`: authenticates the client and grants
    /// an access token and a refresh token.
    pub async fn oauth_token(
        &self,
        slug: &str,
        client_id: &str,
        client_secret: &str,
        grant: Grant,
    ) -> Result<TokenGrant, OAuthError> {
        let Some(key) = self.signing_key().cloned() else {
            tracing::error!("OAuth token endpoint used without a master key");
            return Err(OAuthError::ServerError);
        };
        let bad_client = || {
            OAuthError::InvalidClient(
                "unknown client, wrong client secret, or a revoked client".into(),
            )
        };
        let short = client_id
            .strip_prefix(CLIENT_PREFIX)
            .ok_or_else(bad_client)?;
        let (secret_id, secret_hash) =
            format::parse(Kind::ClientSecret, client_secret).ok_or_else(bad_client)?;
        if secret_id != short {
            return Err(bad_client());
        }
        // The client proves itself before it may take the one writer: a stream of wrong
        // secrets costs reads, never a wait in line for every write of the console.
        let known: Option<Vec<u8>> = db::query_scalar(
            "SELECT k.secret_hash FROM oauth_clients k JOIN configurations c ON c.id = k.configuration_id
             WHERE k.id = ? AND c.slug = ?",
        )
        .bind(client_id)
        .bind(slug)
        .fetch_optional(self.pool())
        .await?;
        if !known.is_some_and(|stored| bool::from(stored.as_slice().ct_eq(secret_hash.as_slice())))
        {
            return Err(bad_client());
        }
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let columns = crate::configuration::joined_columns();
        let row = db::query(format!(
            "SELECT {columns}, k.secret_hash, k.auth_method, k.revoked_us AS client_revoked_us FROM oauth_clients k JOIN configurations c ON c.id = k.configuration_id
             WHERE k.id = ? AND c.slug = ?"
        ))
        .bind(client_id)
        .bind(slug)
        .fetch_optional(&mut tx)
        .await?
        .ok_or_else(bad_client)?;
        let stored: Vec<u8> = row.try_get("secret_hash")?;
        if !bool::from(stored.as_slice().ct_eq(secret_hash.as_slice())) {
            return Err(bad_client());
        }
        let now = self.now_us();
        if row
            .try_get::<Option<i64>, _>("client_revoked_us")?
            .is_some_and(|r| r <= now)
        {
            return Err(bad_client());
        }
        let configuration = crate::configuration::from_row(&row)?;
        check_enabled(&configuration)?;
        if configuration.client_authentication.requires_jwt() {
            return Err(jwt_required(&configuration));
        }
        if let Grant::RefreshToken(text) = &grant
            && !self
                .use_refresh_token(&mut tx, &configuration, client_id, text, now)
                .await?
        {
            // A replay: the revocation of the client's refresh tokens must stick.
            tx.commit().await?;
            return Err(OAuthError::InvalidGrant(
                "the refresh token is invalid, expired, already used or another client's".into(),
            ));
        }
        let refresh_id = format::new_id();
        let (refresh_token, refresh_hash) = format::issue(Kind::Refresh, &refresh_id);
        db::query("INSERT INTO oauth_refresh_tokens (id, client_id, hash, created_us, expires_us) VALUES (?, ?, ?, ?, ?)")
            .bind(&refresh_id)
            .bind(client_id)
            .bind(refresh_hash.as_slice())
            .bind(now)
            .bind(now + REFRESH_TOKEN_DAYS * 86_400 * SECOND_US)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        let access_token = sign_access_token(
            &key,
            &Claims {
                cfg: configuration.id.to_string(),
                cli: client_id.to_owned(),
                iat: now,
                exp: now + ACCESS_TOKEN_SECONDS * SECOND_US,
                jwt: false,
            },
        );
        Ok(TokenGrant {
            access_token,
            expires_in: ACCESS_TOKEN_SECONDS,
            refresh_token: Some(refresh_token),
        })
    }

    /// The public keys of the JWT client `client_id` of the configuration at `slug`, to verify
    /// its assertion with; refused as `invalid_client` when there is no such live client.
    pub async fn oauth_client_keys(
        &self,
        slug: &str,
        client_id: &str,
    ) -> Result<ClientKeys, OAuthError> {
        let row = self.assertion_client(self.pool(), slug, client_id).await?;
        if let Some(uri) = row.try_get::<Option<String>, _>("jwks_uri")? {
            return Ok(ClientKeys::Url(uri));
        }
        let jwks: Option<String> = row.try_get("jwks")?;
        let set = jwks
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| CoreError::Corrupt(format!("jwks of {client_id}: {e}")))?
            .ok_or_else(|| CoreError::Corrupt(format!("{client_id} has no keys")))?;
        Ok(ClientKeys::Set(set))
    }

    /// The token endpoint for a JWT client whose assertion verified: refuses its replay (each
    /// `jti` works once until the assertion expires) and grants a short-lived access token.
    pub async fn oauth_token_by_assertion(
        &self,
        slug: &str,
        client_id: &str,
        assertion: &VerifiedAssertion,
    ) -> Result<TokenGrant, OAuthError> {
        let Some(key) = self.signing_key().cloned() else {
            tracing::error!("OAuth token endpoint used without a master key");
            return Err(OAuthError::ServerError);
        };
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let row = self.assertion_client(&mut tx, slug, client_id).await?;
        let configuration = crate::configuration::from_row(&row)?;
        let now = self.now_us();
        db::query("DELETE FROM oauth_assertions WHERE client_id = ? AND expires_us <= ?")
            .bind(client_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
        let fresh = db::query(
            "INSERT INTO oauth_assertions (client_id, jti, expires_us) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(client_id)
        .bind(&assertion.jti)
        .bind(assertion.expires.saturating_mul(SECOND_US).max(now + SECOND_US))
        .execute(&mut tx)
        .await?
        .rows_affected()
            == 1;
        if !fresh {
            tracing::warn!(
                client = client_id,
                "an OAuth client assertion was presented again"
            );
            return Err(OAuthError::InvalidClient(format!(
                "client_assertion refused: its jti \"{}\" was already used; sign a new assertion, with a new jti, for each request (RFC 7523 §3)",
                assertion.jti
            )));
        }
        tx.commit().await?;
        let access_token = sign_access_token(
            &key,
            &Claims {
                cfg: configuration.id.to_string(),
                cli: client_id.to_owned(),
                iat: now,
                exp: now + JWT_ACCESS_TOKEN_SECONDS * SECOND_US,
                jwt: true,
            },
        );
        Ok(TokenGrant {
            access_token,
            expires_in: JWT_ACCESS_TOKEN_SECONDS,
            refresh_token: None,
        })
    }

    /// A live JWT client of the configuration at `slug`, with its configuration's columns.
    async fn assertion_client<'c>(
        &self,
        conn: impl db::Executor<'c>,
        slug: &str,
        client_id: &str,
    ) -> Result<db::Row, OAuthError> {
        let unknown = || {
            OAuthError::InvalidClient("client_assertion refused: unknown or revoked client".into())
        };
        let columns = crate::configuration::joined_columns();
        let row = db::query(format!(
            "SELECT {columns}, k.auth_method, k.jwks, k.jwks_uri, k.revoked_us AS client_revoked_us FROM oauth_clients k JOIN configurations c ON c.id = k.configuration_id
             WHERE k.id = ? AND c.slug = ?"
        ))
        .bind(client_id)
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or_else(unknown)?;
        if row
            .try_get::<Option<i64>, _>("client_revoked_us")?
            .is_some_and(|r| r <= self.now_us())
        {
            return Err(unknown());
        }
        if auth_method(&row.try_get::<String, _>("auth_method")?)?
            != ClientAuthMethod::PrivateKeyJwt
        {
            return Err(OAuthError::InvalidClient(
                "this client authenticates with its client secret, not a client_assertion".into(),
            ));
        }
        check_enabled(&crate::configuration::from_row(&row)?)?;
        Ok(row)
    }

    /// Spends a refresh token of `client_id`. A second use of one revokes all of the client's
    /// and answers `false` (the caller commits that, then refuses the grant).
    async fn use_refresh_token(
        &self,
        tx: &mut impl Link,
        configuration: &Configuration,
        client_id: &str,
        text: &str,
        now: i64,
    ) -> Result<bool, OAuthError> {
        let invalid = || {
            OAuthError::InvalidGrant(
                "the refresh token is invalid, expired, already used or another client's".into(),
            )
        };
        let (id, hash) = format::parse(Kind::Refresh, text).ok_or_else(invalid)?;
        let row = db::query(
            "SELECT hash, expires_us, used_us FROM oauth_refresh_tokens WHERE id = ? AND client_id = ?",
        )
        .bind(id)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(invalid)?;
        let stored: Vec<u8> = row.try_get("hash")?;
        if !bool::from(stored.as_slice().ct_eq(hash.as_slice())) {
            return Err(invalid());
        }
        if row.try_get::<Option<i64>, _>("used_us")?.is_some() {
            // Replayed: whoever holds the family now may be a thief. End it.
            end_refresh_tokens(tx, client_id, now).await?;
            audit::record(
                tx,
                now,
                &Actor::new(client_id, "oauth"),
                "oauth_client.refresh_token_reused",
                Subject {
                    configuration: Some((configuration.id, &configuration.name)),
                    target: Some(client_id),
                },
                &json!({"refreshTokenId": id, "effect": "every refresh token of the client revoked"}),
            )
            .await?;
            tracing::warn!(
                client = client_id,
                "a used OAuth refresh token was presented again; the client's refresh tokens are revoked"
            );
            return Ok(false);
        }
        if row.try_get::<i64, _>("expires_us")? <= now {
            return Err(invalid());
        }
        db::query("UPDATE oauth_refresh_tokens SET used_us = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Ok(true)
    }

    /// Authenticates a SCIM request carrying an OAuth access token.
    pub(crate) async fn authenticate_access_token(
        &self,
        slug: &str,
        text: &str,
        source: &str,
    ) -> CoreResult<Authentication> {
        let claims = self
            .signing_key()
            .and_then(|key| read_access_token(key, text));
        let Some(claims) = claims else {
            return Ok(match self.configuration_by_slug(slug).await {
                Ok(c) => Authentication::Rejected(Box::new(c), RejectReason::Invalid),
                Err(CoreError::NotFound(_)) => Authentication::UnknownConfiguration,
                Err(e) => return Err(e),
            });
        };
        let stamp = self.auth_cache().stamp().await?;
        let now = self.now_us();
        let key = format!("oauth:{}", claims.cli);
        let entry = if let Some(entry) = self.auth_cache().get(slug, &key, stamp) {
            entry
        } else {
            let columns = crate::configuration::joined_columns();
            let row = db::query(format!(
                "SELECT {columns}, k.id AS client_id, k.label AS client_label, k.revoked_us AS client_revoked_us
                 FROM configurations c LEFT JOIN oauth_clients k ON k.configuration_id = c.id AND k.id = ?
                 WHERE c.slug = ?"
            ))
            .bind(&claims.cli)
            .bind(slug)
            .fetch_optional(self.pool())
            .await?;
            let Some(row) = row else {
                return Ok(Authentication::UnknownConfiguration);
            };
            let configuration = crate::configuration::from_row(&row)?;
            let Some(client) = row.try_get::<Option<String>, _>("client_id")? else {
                return Ok(Authentication::Rejected(
                    Box::new(configuration),
                    RejectReason::Invalid,
                ));
            };
            let entry = Entry {
                stamp,
                principal: Principal {
                    kind: PrincipalKind::OAuthClient,
                    prefix: client.clone(),
                    label: row.try_get("client_label")?,
                    id: client,
                },
                configuration,
                hash: Vec::new(),
                revoked_us: row.try_get("client_revoked_us")?,
                expires_us: None,
            };
            self.auth_cache().put(slug, &key, entry.clone());
            entry
        };
        if claims.cfg != entry.configuration.id.to_string() {
            return Ok(Authentication::Rejected(
                Box::new(entry.configuration),
                RejectReason::Invalid,
            ));
        }
        let outcome = crate::token::authenticate::verdict(
            entry.configuration,
            entry.principal,
            now,
            (entry.revoked_us, Some(claims.exp)),
            claims.jwt,
        )?;
        self.note_use(&outcome, source, now).await;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MasterKey;
    use crate::token::format::is_access_token;

    #[test]
    fn access_tokens_verify_only_under_their_key_and_unaltered() {
        let (a, b) = (
            SigningKey::derive(&MasterKey::for_tests([1; 32])),
            SigningKey::derive(&MasterKey::for_tests([2; 32])),
        );
        let claims = Claims {
            cfg: "c".into(),
            cli: "scimc_abcdefgh".into(),
            iat: 1,
            exp: 2,
            jwt: true,
        };
        let token = sign_access_token(&a, &claims);
        assert_eq!(read_access_token(&a, token.expose()), Some(claims.clone()));
        assert_eq!(read_access_token(&b, token.expose()), None);
        let forged = {
            let other = Claims {
                exp: i64::MAX,
                ..claims
            };
            let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
            let sig = token.expose().split_once('.').unwrap().1;
            format!("{ACCESS_PREFIX}{payload}.{sig}")
        };
        assert_eq!(read_access_token(&a, &forged), None);
        assert_eq!(read_access_token(&a, "scimat_x.y"), None);
        assert!(is_access_token(token.expose()));
    }
}
