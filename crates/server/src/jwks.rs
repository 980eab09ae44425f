//! The public keys OAuth clients publish at their JWKS URLs (RFC 7517 §5), fetched when an
//! assertion needs them and kept for five minutes. An assertion naming a key id the kept set
//! lacks fetches the set again (the client may have rotated its keys), at most every 30
//! seconds per URL, so that forged key ids cannot make the console hammer a client's server.
//! When a fetch fails, keys fetched less than a day ago still serve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use scim_console_core::oauth::{ClientKeys, JwkSet};

/// How long a fetched set is used without asking again (µs).
const FRESH_US: i64 = 300_000_000;
/// The least time between two fetches of one URL (µs).
const MIN_REFETCH_US: i64 = 30_000_000;
/// How long a set serves when its URL cannot be fetched (µs).
const STALE_LIMIT_US: i64 = 86_400_000_000;
/// The largest JWK Set read.
const MAX_BYTES: usize = 64 * 1024;
/// How long one fetch may take.
const TIMEOUT: Duration = Duration::from_secs(10);

struct Kept {
    set: Arc<JwkSet>,
    /// When it was fetched, by the store's clock (µs).
    fetched: i64,
}

/// Fetched JWK Sets by URL.
#[derive(Default)]
pub struct JwksCache {
    kept: Mutex<HashMap<String, Kept>>,
    http: tokio::sync::OnceCell<reqwest::Client>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache").finish_non_exhaustive()
    }
}

impl JwksCache {
    /// The keys published at `url` at `now` (the store's clock, µs); `refresh` asks for a
    /// fresh copy (an unknown key id), which is fetched unless the kept one is younger than 30
    /// seconds.
    pub async fn keys(&self, url: &str, refresh: bool, now: i64) -> Result<Arc<JwkSet>, String> {
        let stale = {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            match kept.get(url) {
                Some(k) => {
                    let age = now.saturating_sub(k.fetched);
                    if age < MIN_REFETCH_US || (!refresh && age < FRESH_US) {
                        return Ok(Arc::clone(&k.set));
                    }
                    (age < STALE_LIMIT_US).then(|| Arc::clone(&k.set))
                }
                None => None,
            }
        };
        match self.fetch(url).await {
            Ok(set) => {
                let set = Arc::new(set);
                self.kept
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(
                        url.to_owned(),
                        Kept {
                            set: Arc::clone(&set),
                            fetched: now,
                        },
                    );
                Ok(set)
            }
            Err(error) => {
                tracing::warn!(url, %error, "an OAuth client's JWKS could not be fetched");
                stale.ok_or(error)
            }
        }
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        let http = self
            .http
            .get_or_try_init(|| async { crate::outbound::http::builder("JWKS", TIMEOUT).build() })
            .await
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let shown = crate::outbound::http::shown_url(url);
        let response = http
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "application/json, application/jwk-set+json",
            )
            .send()
            .await
            .map_err(|e| format!("{shown} could not be reached ({})", reason(&e)))?;
        if !response.status().is_success() {
            return Err(format!("{shown} answered {}", response.status()));
        }
        let body = crate::outbound::http::read_capped(response, MAX_BYTES)
            .await
            .map_err(|e| match e {
                crate::outbound::http::BodyError::Transport(e) => {
                    format!("{shown} broke off ({})", reason(&e))
                }
                crate::outbound::http::BodyError::TooLarge(_) => {
                    format!("{shown} sent more than {MAX_BYTES} bytes")
                }
            })?;
        let text =
            String::from_utf8(body.to_vec()).map_err(|_| format!("{shown} sent no UTF-8 text"))?;
        ClientKeys::parse_set(&text).map_err(|e| format!("{shown} holds no usable JWK Set: {e}"))
    }
}

/// Why a request failed, without the URL again.
fn reason(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection refused or failed"
    } else {
        "request failed"
    }
}
