//! The sandbox's OAuth 2.0 token endpoint, as the NHS API platform runs it for
//! application-restricted APIs with signed-JWT authentication: `POST /oauth2/token` on the PDS
//! port (the token URL is `{PDS origin}/oauth2/token`, see [`crate::SandboxUrls::token_url`]).
//!
//! Turned on by [`crate::SandboxOptions::pds_auth`]. The form must carry
//! `grant_type=client_credentials`,
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a
//! `client_assertion` signed RS512 with the registered key (`kid`), whose `iss` and `sub` are the
//! registered API key, `aud` this token URL, `jti` never seen before, `exp` in the future and at
//! most five minutes (plus ten seconds' grace) ahead. Refusals are the platform's
//! `{"error", "error_description", "message_id"}` with its wording; an accepted assertion gets
//! `{"access_token", "expires_in": "599", "token_type": "Bearer", "issued_at"}` (`expires_in` is
//! a string there, `issued_at` milliseconds). The PDS server then requires
//! `Authorization: Bearer` with a token issued here and not expired or revoked.
//!
//! It deliberately does not: support other grants, JWKS URLs or several keys per application,
//! or log an assertion or a token (only the refusal's wording and counts).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use vmcheck_jws::jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::server::{now_secs, parse_query, Reply};
use crate::Shared;

/// The token endpoint's path on the PDS port.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// The only `client_assertion_type` accepted.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead `exp` may be, in seconds (five minutes and the platform's ten seconds' grace).
pub const MAX_ASSERTION_AHEAD_SECS: u64 = 310;

/// The application registered with the sandbox's token endpoint, and its tokens' lifetime.
#[derive(Clone, PartialEq, Eq)]
pub struct PdsAuthConfig {
    /// The application's API key (`iss` = `sub` of its assertions).
    pub api_key: String,
    /// The `kid` its public key is registered under.
    pub kid: String,
    /// Its RSA public key, PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    pub public_key_pem: Vec<u8>,
    /// How long an access token is valid (the platform: 599 s).
    pub token_lifetime: Duration,
}

impl PdsAuthConfig {
    /// A registration with the platform's token lifetime (599 s).
    pub fn new(api_key: impl Into<String>, kid: impl Into<String>, public_key_pem: &[u8]) -> Self {
        Self {
            api_key: api_key.into(),
            kid: kid.into(),
            public_key_pem: public_key_pem.to_vec(),
            token_lifetime: Duration::from_secs(599),
        }
    }
}

impl std::fmt::Debug for PdsAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdsAuthConfig")
            .field("kid", &self.kid)
            .field("token_lifetime", &self.token_lifetime)
            .finish_non_exhaustive()
    }
}

/// The token endpoint's state: the registration, the `jti`s seen and the tokens issued.
pub(crate) struct OAuthState {
    config: PdsAuthConfig,
    key: DecodingKey,
    token_url: String,
    seen_jtis: Mutex<HashSet<String>>,
    tokens: Mutex<HashMap<String, Instant>>,
    token_requests: AtomicU64,
    /// Every client assertion and access token seen or issued (for log-scanning tests).
    credentials: Mutex<Vec<String>>,
}

impl std::fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthState")
            .field("config", &self.config)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

/// A refusal: HTTP status, OAuth error code, the platform's description.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

fn invalid_request(status: StatusCode, description: impl Into<String>) -> OAuthError {
    OAuthError {
        status,
        error: "invalid_request",
        description: description.into(),
    }
}

fn bad(description: impl Into<String>) -> OAuthError {
    invalid_request(StatusCode::BAD_REQUEST, description)
}

impl OAuthError {
    fn reply(self) -> Reply {
        tracing::info!(
            status = self.status.as_u16(),
            error = self.error,
            description = %self.description,
            "token request refused"
        );
        let body = json!({
            "error": self.error,
            "error_description": self.description,
            "message_id": uuid::Uuid::new_v4().to_string(),
        });
        Reply::new(self.status, "application/json", body.to_string())
    }
}

/// A value shown back in a description: short and printable.
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(60).collect()
}

impl OAuthState {
    /// Reads the registration; a public key that is not RSA PEM is an `InvalidInput` error.
    pub fn new(config: PdsAuthConfig, token_url: String) -> std::io::Result<Self> {
        let key = DecodingKey::from_rsa_pem(&config.public_key_pem).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "pds_auth.public_key_pem is not an RSA public key in PEM form",
            )
        })?;
        Ok(Self {
            config,
            key,
            token_url,
            seen_jtis: Mutex::new(HashSet::new()),
            tokens: Mutex::new(HashMap::new()),
            credentials: Mutex::new(Vec::new()),
            token_requests: AtomicU64::new(0),
        })
    }

    /// How many token requests arrived (refused ones included).
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::SeqCst)
    }

    /// Every client assertion received and access token issued so far.
    pub fn credentials(&self) -> Vec<String> {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember(&self, credential: &str) {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(credential.to_owned());
    }

    /// Makes every issued token invalid (as if revoked or expired early).
    pub fn revoke_all(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Checks `Authorization: Bearer <token>`: `Err` with the diagnostics PDS gives.
    pub fn check_bearer(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let mut values = headers.get_all(axum::http::header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err("Missing Authorization header");
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or("Invalid Access Token")?;
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        tokens.retain(|_, expires| *expires > now);
        if tokens.contains_key(token) {
            Ok(())
        } else {
            Err("Invalid Access Token")
        }
    }

    /// One token request: the form, then the assertion, checked in the platform's order.
    fn exchange(&self, body: &[u8]) -> Result<Reply, OAuthError> {
        let text = std::str::from_utf8(body).map_err(|_| bad("Malformed request body"))?;
        let form = parse_query(Some(text)).map_err(|_| bad("Malformed request body"))?;
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        match field("grant_type") {
            None => return Err(bad("Missing grant_type")),
            Some("client_credentials") => {}
            Some(other) => return Err(bad(format!("Unsupported grant_type '{}'", shown(other)))),
        }
        if field("client_assertion_type") != Some(CLIENT_ASSERTION_TYPE) {
            return Err(bad(format!(
                "Missing or invalid client_assertion_type - must be '{CLIENT_ASSERTION_TYPE}'"
            )));
        }
        let assertion = field("client_assertion").ok_or_else(|| bad("Missing client_assertion"))?;
        self.remember(assertion);
        let (header, claims, _) = vmcheck_core::jwt::decode(assertion)
            .map_err(|_| bad("Malformed JWT in client_assertion"))?;
        self.check_assertion(assertion, &header, &claims)?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.remember(&token);
        let lifetime = self.config.token_lifetime;
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.clone(), Instant::now() + lifetime);
        tracing::info!(
            expires_in = lifetime.as_secs(),
            "access token issued for PDS"
        );
        let body = json!({
            "access_token": token,
            "expires_in": lifetime.as_secs().to_string(),
            "token_type": "Bearer",
            "issued_at": (now_secs() * 1000).to_string(),
        });
        Ok(Reply::new(
            StatusCode::OK,
            "application/json",
            body.to_string(),
        ))
    }

    fn check_assertion(
        &self,
        assertion: &str,
        header: &Value,
        claims: &Value,
    ) -> Result<(), OAuthError> {
        let now = now_secs();
        match header["alg"].as_str() {
            None => return Err(bad("Missing 'alg' header in JWT")),
            Some("RS512") => {}
            Some(_) => {
                return Err(bad(
                    "Invalid 'alg' header in JWT - unsupported JWT algorithm - must be 'RS512'",
                ))
            }
        }
        let exp = match &claims["exp"] {
            Value::Null => return Err(bad("Missing exp claim in JWT")),
            v => v.as_u64().ok_or_else(|| bad("Failed to decode JWT"))?,
        };
        if now > exp {
            return Err(bad("Invalid exp claim in JWT - JWT has expired"));
        }
        let kid = header["kid"]
            .as_str()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| bad("Missing 'kid' header in JWT"))?;
        if !header["typ"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("jwt"))
        {
            return Err(bad("Invalid 'typ' header in JWT - must be 'JWT'"));
        }
        let iss = claims["iss"].as_str().filter(|s| !s.is_empty());
        if iss.is_none() || claims["iss"] != claims["sub"] {
            return Err(bad("Missing or non-matching iss/sub claims in JWT"));
        }
        let jti = match &claims["jti"] {
            Value::Null => return Err(bad("Missing jti claim in JWT")),
            Value::String(s) if !s.is_empty() => s.as_str(),
            _ => return Err(bad("Failed to decode JWT")),
        };
        if self
            .seen_jtis
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(jti)
        {
            return Err(bad("Non-unique jti claim in JWT"));
        }
        if exp.saturating_sub(now) > MAX_ASSERTION_AHEAD_SECS {
            return Err(bad(
                "Invalid exp claim in JWT - more than 5 minutes in future",
            ));
        }
        if iss != Some(self.config.api_key.as_str()) {
            return Err(invalid_request(
                StatusCode::UNAUTHORIZED,
                "Invalid iss/sub claims in JWT",
            ));
        }
        if kid != self.config.kid {
            return Err(invalid_request(
                StatusCode::UNAUTHORIZED,
                "Invalid 'kid' header in JWT - no matching public key",
            ));
        }
        if claims["aud"].as_str() != Some(self.token_url.as_str()) {
            return Err(invalid_request(
                StatusCode::UNAUTHORIZED,
                "Missing or invalid aud claim in JWT",
            ));
        }
        let mut validation = Validation::new(Algorithm::RS512);
        validation.set_audience(&[self.token_url.as_str()]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.leeway = 0;
        vmcheck_jws::decode::<Value>(assertion, &self.key, &validation).map_err(|_| {
            OAuthError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_client",
                description: format!(
                    "Invalid JWT signature - it does not match the public key registered under kid '{}'",
                    shown(kid)
                ),
            }
        })?;
        // Recorded once the signature holds: a replay of this assertion is refused from now on.
        if !self
            .seen_jtis
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(jti.to_owned())
        {
            return Err(bad("Non-unique jti claim in JWT"));
        }
        Ok(())
    }
}

/// `POST /oauth2/token`.
pub(crate) async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let reply = match &shared.pds_auth {
        Some(state) => {
            state.token_requests.fetch_add(1, Ordering::SeqCst);
            state.exchange(&body).unwrap_or_else(OAuthError::reply)
        }
        None => OAuthError {
            status: StatusCode::NOT_FOUND,
            error: "invalid_request",
            description: "This sandbox runs PDS without authentication (no token endpoint)".into(),
        }
        .reply(),
    };
    reply.into_response()
}
