//! JWT client authentication at the token endpoint (RFC 7523 §2.2, `private_key_jwt` in RFC
//! 7591's terms): a client registers its public keys — a JWK Set, or the URL publishing one —
//! and authenticates each token request with a JWT it signed, sent as `client_assertion`.
//!
//! What is checked (RFC 7523 §3, RFC 7521 §5.2): the signature under one of the client's keys
//! with an asymmetric algorithm named in the header (never `none` or an HMAC); `iss` and `sub`
//! both the client id; `aud` naming this authorization server (its issuer or token endpoint
//! URL); `exp` in the future but no more than an hour away; `nbf` and `iat` not in the future;
//! and a `jti`, which the store accepts once (replay).

use std::collections::HashSet;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::OAuthError;
use crate::error::{CoreError, CoreResult};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The signature algorithms accepted, as metadata lists them.
pub const ALGORITHMS: [&str; 9] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

/// The furthest in the future an assertion may expire: the store remembers each `jti` until
/// then.
pub const MAX_LIFETIME_SECONDS: i64 = 3600;
/// Clock skew tolerated between the client and the console.
const LEEWAY_SECONDS: i64 = 60;
/// The most keys a client may register.
const MAX_KEYS: usize = 20;
/// The longest `jti` kept.
const MAX_JTI: usize = 256;
/// The longest JWKS URL.
const MAX_URL: usize = 2000;

/// Where a client's public keys are.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientKeys {
    /// Registered with the client: a JWK Set.
    Set(JwkSet),
    /// Published by the client at this URL (`https://`, or `http://` on a loopback address),
    /// fetched when needed.
    Url(String),
}

impl ClientKeys {
    /// Reads a JWK Set (`{"keys": [...]}`) or a single JWK given at registration: public
    /// signing keys only (RSA, EC P-256/P-384, Ed25519), at most 20.
    pub fn parse_set(text: &str) -> CoreResult<JwkSet> {
        let invalid = |detail: String| CoreError::invalid("jwks", detail);
        let value: Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let keys: Vec<Value> = match value {
            Value::Object(ref map) if map.contains_key("keys") => match map.get("keys") {
                Some(Value::Array(keys)) => keys.clone(),
                _ => return Err(invalid("\"keys\" must be an array of JWKs".into())),
            },
            Value::Object(ref map) if map.contains_key("kty") => vec![value.clone()],
            _ => {
                return Err(invalid(
                    "expected a JWK Set ({\"keys\": [...]}) or one JWK ({\"kty\": ...})".into(),
                ));
            }
        };
        if keys.is_empty() {
            return Err(invalid("the JWK Set has no keys".into()));
        }
        if keys.len() > MAX_KEYS {
            return Err(invalid(format!(
                "{} keys; register at most {MAX_KEYS}",
                keys.len()
            )));
        }
        let mut set = Vec::with_capacity(keys.len());
        for (i, key) in keys.into_iter().enumerate() {
            let at = |detail: &str| invalid(format!("key {}: {detail}", i + 1));
            // A private part would be stored in clear: refuse it rather than drop it silently.
            if ["d", "p", "q", "dp", "dq", "qi", "k"]
                .iter()
                .any(|m| key.get(m).is_some())
            {
                return Err(at(
                    "it holds a private or secret part; register the public key only",
                ));
            }
            let jwk: Jwk = serde_json::from_value(key)
                .map_err(|e| at(&format!("not a supported public JWK ({e})")))?;
            if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
                return Err(at("its \"use\" is not \"sig\""));
            }
            if let Some(alg) = jwk.common.key_algorithm
                && algorithm(alg).is_none()
            {
                return Err(at(&format!(
                    "alg {alg:?} is not accepted; use one of {}",
                    ALGORITHMS.join(", ")
                )));
            }
            let decoding =
                DecodingKey::from_jwk(&jwk).map_err(|e| at(&format!("unusable key ({e})")))?;
            // Building a verifier checks the key itself (an EC point on its curve, an RSA
            // modulus); verifying nothing then answers false rather than an error.
            let alg = jwk
                .common
                .key_algorithm
                .and_then(algorithm)
                .or_else(|| default_algorithm(&jwk))
                .ok_or_else(|| at("its key type or curve is not supported"))?;
            jsonwebtoken::crypto::verify("", b"", &decoding, alg)
                .map_err(|e| at(&format!("unusable key ({e})")))?;
            set.push(jwk);
        }
        Ok(JwkSet { keys: set })
    }

    /// Checks a JWKS URL: `https://`, or `http://` only on a loopback address (a key served in
    /// clear could be swapped on the way).
    pub fn parse_url(text: &str) -> CoreResult<String> {
        let text = text.trim();
        let invalid = |detail: &str| CoreError::invalid("jwksUri", detail);
        if text.len() > MAX_URL || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid("not a URL"));
        }
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| invalid("not a URL: expected https://…"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if let Some(bracketed) = host.strip_prefix('[') {
            bracketed.split(']').next().unwrap_or_default()
        } else {
            host.split(':').next().unwrap_or_default()
        };
        if host.is_empty() {
            return Err(invalid("the URL names no host"));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(text.to_owned()),
            "http" if is_loopback(host) => Ok(text.to_owned()),
            "http" => Err(invalid(
                "use https:// (http:// is accepted only for a loopback address)",
            )),
            _ => Err(invalid("use an https:// URL")),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The accepted algorithm of a header or key `alg`.
fn algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// The algorithm a key without `alg` is checked with.
fn default_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve};
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Some(Algorithm::ES256),
            EllipticCurve::P384 => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(p) => {
            (p.curve == EllipticCurve::Ed25519).then_some(Algorithm::EdDSA)
        }
        AlgorithmParameters::OctetKey(_) => None,
    }
}

fn is_accepted(alg: Algorithm) -> bool {
    !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

/// What the token endpoint expects of an assertion.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The client id: `iss` and `sub`.
    pub client_id: &'a str,
    /// Values `aud` may hold (the issuer and the token endpoint URL).
    pub audiences: &'a [String],
    /// Now, in seconds since the epoch.
    pub now: i64,
}

/// An assertion whose signature and claims hold: what the store needs to refuse its replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// Its `jti`.
    pub jti: String,
    /// Its `exp`, in seconds.
    pub expires: i64,
}

/// Why an assertion is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    /// Its header names a key id none of the keys has (a URL's keys may have changed: fetch
    /// them again, once).
    #[error("no key of the client has the kid \"{0}\"")]
    UnknownKey(String),
    /// Anything else, said in one sentence.
    #[error("{0}")]
    Invalid(String),
}

impl From<AssertionError> for OAuthError {
    fn from(error: AssertionError) -> Self {
        Self::InvalidClient(format!("client_assertion refused: {error}"))
    }
}

#[derive(Deserialize)]
struct Unverified {
    iss: Option<String>,
    sub: Option<String>,
}

/// The client an assertion claims to be (`iss` = `sub`), read before its signature is checked
/// so that its keys can be found.
pub fn claimed_client(assertion: &str) -> Result<String, AssertionError> {
    let invalid = |d: &str| AssertionError::Invalid(d.to_owned());
    let payload = assertion
        .split('.')
        .nth(1)
        .filter(|_| assertion.split('.').count() == 3)
        .ok_or_else(|| invalid("it is not a signed JWT (three base64url parts)"))?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .map_err(|_| invalid("its claims are not base64url"))?;
    let claims: Unverified =
        serde_json::from_slice(&bytes).map_err(|_| invalid("its claims are not a JSON object"))?;
    match (claims.iss, claims.sub) {
        (Some(iss), Some(sub)) if iss == sub && !iss.is_empty() => Ok(iss),
        (Some(_), Some(_)) => Err(invalid(
            "iss and sub differ; both must be the client id (RFC 7523 §3)",
        )),
        _ => Err(invalid(
            "iss or sub is missing; both must be the client id (RFC 7523 §3)",
        )),
    }
}

#[derive(Deserialize)]
struct Claims {
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

/// Verifies an assertion's signature under one of `keys` and its claims against `expected`.
pub fn verify(
    assertion: &str,
    keys: &JwkSet,
    expected: &Expected<'_>,
) -> Result<VerifiedAssertion, AssertionError> {
    let invalid = |d: String| AssertionError::Invalid(d);
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| invalid(format!("its header cannot be read ({e})")))?;
    if !is_accepted(header.alg) {
        return Err(invalid(format!(
            "alg {:?} is not accepted; sign with the private key of a registered public key ({})",
            header.alg,
            ALGORITHMS.join(", ")
        )));
    }
    let candidates: Vec<&Jwk> = match &header.kid {
        Some(kid) => vec![
            keys.find(kid)
                .ok_or_else(|| AssertionError::UnknownKey(kid.clone()))?,
        ],
        None => keys.keys.iter().collect(),
    };
    let mut validation = Validation::new(header.alg);
    // Dates are checked below against the store's clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims = ["exp", "iss", "sub", "aud"]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    validation.iss = Some(HashSet::from([expected.client_id.to_owned()]));
    validation.sub = Some(expected.client_id.to_owned());
    validation.aud = Some(expected.audiences.iter().cloned().collect());
    let mut last = None;
    for key in candidates {
        if key
            .common
            .key_algorithm
            .and_then(algorithm)
            .is_some_and(|a| a != header.alg)
        {
            last = Some(format!(
                "the key's alg is {:?}, the header's {:?}",
                key.common.key_algorithm, header.alg
            ));
            continue;
        }
        let Ok(decoding) = DecodingKey::from_jwk(key) else {
            continue;
        };
        match jsonwebtoken::decode::<Claims>(assertion, &decoding, &validation) {
            Ok(data) => return check_claims(data.claims, expected),
            Err(e) => last = Some(describe(e.kind(), expected)),
        }
    }
    Err(invalid(last.unwrap_or_else(|| {
        "no registered key can verify it".to_owned()
    })))
}

fn check_claims(
    claims: Claims,
    expected: &Expected<'_>,
) -> Result<VerifiedAssertion, AssertionError> {
    let invalid = |d: String| Err(AssertionError::Invalid(d));
    let now = expected.now;
    if claims.exp.saturating_add(LEEWAY_SECONDS) <= now {
        return invalid(format!(
            "it expired {} s ago (exp)",
            now.saturating_sub(claims.exp)
        ));
    }
    if claims.exp > now + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS {
        return invalid(format!(
            "exp is {} s away; an assertion may live at most {MAX_LIFETIME_SECONDS} s",
            claims.exp.saturating_sub(now)
        ));
    }
    if let Some(nbf) = claims.nbf
        && nbf > now + LEEWAY_SECONDS
    {
        return invalid(format!("it is not valid before {nbf} (nbf)"));
    }
    if let Some(iat) = claims.iat
        && iat > now + LEEWAY_SECONDS
    {
        return invalid(format!("it was issued in the future (iat {iat})"));
    }
    let Some(jti) = claims.jti.filter(|j| !j.is_empty()) else {
        return invalid(
            "it has no jti; give each assertion a unique jti so that it cannot be replayed".into(),
        );
    };
    if jti.len() > MAX_JTI {
        return invalid(format!("its jti is longer than {MAX_JTI} characters"));
    }
    Ok(VerifiedAssertion {
        jti,
        expires: claims.exp,
    })
}

fn describe(kind: &jsonwebtoken::errors::ErrorKind, expected: &Expected<'_>) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::InvalidSignature => {
            "its signature does not verify with the client's registered keys".into()
        }
        ErrorKind::InvalidAudience => format!(
            "aud must name this authorization server: {}",
            expected.audiences.join(" or ")
        ),
        ErrorKind::InvalidIssuer | ErrorKind::InvalidSubject => format!(
            "iss and sub must both be the client id {}",
            expected.client_id
        ),
        ErrorKind::MissingRequiredClaim(claim) => format!("the claim {claim} is missing"),
        ErrorKind::InvalidAlgorithm => "its alg does not fit the key".into(),
        ErrorKind::Json(_) => "its claims have the wrong types (exp, nbf, iat are numbers)".into(),
        other => format!("it cannot be verified ({other:?})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    /// A P-256 key pair made for these tests (PKCS#8 DER, and the public JWK's x and y).
    pub(crate) const KEY_1: (&str, &str, &str) = (
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgY02xQeUkN6F/48Nz5/CtcJBBDHV3bPQ7nY2fNrS7FO6hRANCAARlI+xoJ7YqAIrlioriodZOoLeAS//kR4HYDBbBiESQMyNEU9LpDGoTZn+5ee7HAK2uvGsvPn/Q+SDhdvmR2JDo",
        "ZSPsaCe2KgCK5YqK4qHWTqC3gEv_5EeB2AwWwYhEkDM",
        "I0RT0ukMahNmf7l57scAra68ay8-f9D5IOF2-ZHYkOg",
    );
    const KEY_2: (&str, &str, &str) = (
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgS0FYAwnMAHZSu+rNOnjQ80I55dLBY/DOJ7tMYtl7+7ihRANCAASPfEV4h7oMXobnAjIno4JG0L+Hf+EHY3681+fCbMgkqsJwXTf2J6wdNuB6DfWFeMZIs3978FwcrUpjDLruUxoL",
        "j3xFeIe6DF6G5wIyJ6OCRtC_h3_hB2N-vNfnwmzIJKo",
        "wnBdN_YnrB024HoN9YV4xkizf3vwXBytSmMMuu5TGgs",
    );

    fn jwk(key: (&str, &str, &str), kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": key.1, "y": key.2, "kid": kid, "use": "sig", "alg": "ES256"})
    }

    fn sign(key: (&str, &str, &str), kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = kid.map(str::to_owned);
        let der = STANDARD.decode(key.0).unwrap();
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
    }

    const NOW: i64 = 1_800_000_000;
    const CLIENT: &str = "scimc_abcdefgh";

    fn claims() -> Value {
        json!({"iss": CLIENT, "sub": CLIENT, "aud": "https://h/scim/x/oauth/token", "exp": NOW + 300, "iat": NOW, "jti": "j-1"})
    }

    fn check(assertion: &str, set: &JwkSet) -> Result<VerifiedAssertion, AssertionError> {
        let audiences = [
            "https://h/scim/x".to_owned(),
            "https://h/scim/x/oauth/token".to_owned(),
        ];
        verify(
            assertion,
            set,
            &Expected {
                client_id: CLIENT,
                audiences: &audiences,
                now: NOW,
            },
        )
    }

    fn set() -> JwkSet {
        ClientKeys::parse_set(&json!({"keys": [jwk(KEY_1, "one")]}).to_string()).unwrap()
    }

    #[test]
    fn a_well_formed_assertion_verifies_under_its_key() {
        let a = sign(KEY_1, Some("one"), &claims());
        assert_eq!(claimed_client(&a).unwrap(), CLIENT);
        assert_eq!(
            check(&a, &set()).unwrap(),
            VerifiedAssertion {
                jti: "j-1".into(),
                expires: NOW + 300
            }
        );
        // Without a kid every key is tried; the issuer is an audience too.
        let mut c = claims();
        c["aud"] = json!(["https://h/scim/x"]);
        assert!(check(&sign(KEY_1, None, &c), &set()).is_ok());
    }

    #[test]
    fn every_broken_claim_is_refused_saying_which() {
        let refused = |c: Value, expect: &str| {
            let e = check(&sign(KEY_1, Some("one"), &c), &set()).unwrap_err();
            assert!(e.to_string().contains(expect), "{e} should say {expect}");
        };
        let with = |k: &str, v: Value| {
            let mut c = claims();
            c[k] = v;
            c
        };
        refused(
            with("aud", json!("https://elsewhere/token")),
            "aud must name",
        );
        refused(with("iss", json!("scimc_other")), "iss and sub");
        refused(with("exp", json!(NOW - 120)), "expired");
        refused(with("exp", json!(NOW + 7200)), "at most 3600 s");
        refused(with("nbf", json!(NOW + 600)), "not valid before");
        refused(with("iat", json!(NOW + 600)), "issued in the future");
        refused(with("exp", json!("soon")), "wrong types");
        // Extreme numbers are refused, not overflowed.
        assert!(
            check(
                &sign(KEY_1, Some("one"), &with("exp", json!(i64::MIN))),
                &set()
            )
            .is_err()
        );
        refused(with("exp", json!(i64::MAX)), "at most 3600 s");
        let mut no_jti = claims();
        no_jti.as_object_mut().unwrap().remove("jti");
        refused(no_jti, "no jti");
        let mut no_aud = claims();
        no_aud.as_object_mut().unwrap().remove("aud");
        refused(no_aud, "aud is missing");
    }

    #[test]
    fn another_key_an_unknown_kid_or_an_hmac_is_refused() {
        let other = sign(KEY_2, Some("one"), &claims());
        assert!(
            check(&other, &set())
                .unwrap_err()
                .to_string()
                .contains("signature does not verify")
        );
        let unknown = sign(KEY_1, Some("two"), &claims());
        assert_eq!(
            check(&unknown, &set()),
            Err(AssertionError::UnknownKey("two".into()))
        );
        let hmac = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(b"guess"),
        )
        .unwrap();
        assert!(
            check(&hmac, &set())
                .unwrap_err()
                .to_string()
                .contains("HS256")
        );
        // alg "none": a header and claims with an empty signature.
        let none = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        assert!(check(&none, &set()).is_err());
        assert!(claimed_client("not a jwt").is_err());
    }

    #[test]
    fn registration_takes_public_signing_keys_and_safe_urls_only() {
        let one = ClientKeys::parse_set(&jwk(KEY_1, "k").to_string()).unwrap();
        assert_eq!(one.keys.len(), 1);
        let refused = |text: String, expect: &str| {
            let e = ClientKeys::parse_set(&text).unwrap_err().to_string();
            assert!(e.contains(expect), "{e} should say {expect}");
        };
        let mut private = jwk(KEY_1, "k");
        private["d"] = json!("secret");
        refused(json!({"keys": [private]}).to_string(), "private");
        refused(json!({"keys": []}).to_string(), "no keys");
        refused("{".into(), "not JSON");
        refused(
            json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).to_string(),
            "private or secret",
        );
        let mut enc = jwk(KEY_1, "k");
        enc["use"] = json!("enc");
        refused(json!({"keys": [enc]}).to_string(), "\"use\"");
        let mut bad = jwk(KEY_1, "k");
        bad["x"] = json!("AAAA");
        refused(json!({"keys": [bad]}).to_string(), "key 1");
        assert!(ClientKeys::parse_url("https://idp.example.com/jwks.json").is_ok());
        assert!(ClientKeys::parse_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(ClientKeys::parse_url("http://[::1]:8080/jwks").is_ok());
        assert!(ClientKeys::parse_url("http://localhost/jwks").is_ok());
        assert!(ClientKeys::parse_url("http://idp.example.com/jwks").is_err());
        assert!(ClientKeys::parse_url("ftp://idp.example.com/jwks").is_err());
        assert!(ClientKeys::parse_url("https:///jwks").is_err());
        assert!(ClientKeys::parse_url("jwks").is_err());
    }
}
