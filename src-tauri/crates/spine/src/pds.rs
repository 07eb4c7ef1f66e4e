//! The PDS FHIR R4 adapter: retrieve a patient by NHS number (the trace) and search by
//! demographics.
//!
//! Sends `X-Request-ID` (a fresh UUID per call) and `X-Correlation-ID` (the lookup's trace id)
//! on every call. Honours `Retry-After` on 429 once, when the wait is short. Authentication
//! ([`PdsAuth`]) is none (the public sandbox's mode), a bearer token given from outside, or the
//! NHS API platform's application-restricted signed-JWT flow: a client assertion signed RS512
//! with the application's private key is exchanged at the token URL for an access token, which
//! is reused for many lookups until shortly before it expires; a 401 from PDS drops it and
//! fetches a new one, once. Neither the assertion nor the token ever reaches a log line or an
//! error text.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use vmcheck_core::clock::Clock;

use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::pds::{self, PdsBodyError, PdsIssue, SearchMatch, TraceOutcome};
use vmcheck_jws::jsonwebtoken::{Algorithm, EncodingKey, Header};
use zeroize::Zeroizing;

use crate::http::{self, HttpSettings, TransportError};

const SERVICE: &str = "PDS";
/// The service named in transport errors of the token request.
const TOKEN_SERVICE: &str = "the NHS API platform's token service";
/// `client_assertion_type` of the signed-JWT flow.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of a client assertion (the platform accepts at most 5 minutes).
pub const ASSERTION_LIFETIME_SECS: u64 = 300;
/// How long before its expiry an access token is replaced, by default.
pub const DEFAULT_TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// How the adapter authenticates to PDS.
#[derive(Clone, Default)]
pub enum PdsAuth {
    /// No `Authorization` header (the public PDS sandbox, the V&M Check sandbox).
    #[default]
    None,
    /// A bearer token obtained elsewhere.
    Bearer(String),
    /// NHS API platform application-restricted access with a signed JWT: the access token is
    /// fetched (and refreshed) by the client itself.
    SignedJwt {
        /// The application's API key (`iss` and `sub` of the client assertion).
        api_key: String,
        /// The `kid` of the public key registered for the application.
        kid: String,
        /// The OAuth token URL (`aud` of the assertion), e.g.
        /// `https://int.api.service.nhs.uk/oauth2/token`.
        token_url: String,
        /// The application's RSA private key, PEM (PKCS#8 or PKCS#1).
        private_key_pem: Zeroizing<Vec<u8>>,
    },
}

impl std::fmt::Debug for PdsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::SignedJwt { kid, token_url, .. } => f
                .debug_struct("SignedJwt")
                .field("kid", kid)
                .field("token_url", token_url)
                .finish_non_exhaustive(),
        }
    }
}

/// Demographic search terms (`GET Patient?…`).
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PdsSearch {
    /// Family name.
    pub family: String,
    /// Given name (optional).
    pub given: Option<String>,
    /// `male` | `female` | `other` | `unknown`.
    pub gender: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Postcode (optional).
    pub postcode: Option<String>,
}

impl std::fmt::Debug for PdsSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PdsSearch(***)")
    }
}

/// Why a trace or search failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdsError {
    /// Nothing usable came back.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// 404 RESOURCE_NOT_FOUND: no patient has this number.
    #[error("PDS has no patient with this NHS number")]
    NotFound,
    /// 404 INVALIDATED_RESOURCE: the record was invalidated (not merged into another).
    #[error("this NHS number's record has been invalidated on PDS")]
    Invalidated,
    /// 400 INVALID_RESOURCE_ID.
    #[error("PDS did not accept this NHS number")]
    InvalidNumber,
    /// 400 for anything else: the request was wrong (a product defect, or bad search terms).
    #[error("PDS refused the request: {}", .0.diagnostics.as_deref().unwrap_or(&.0.code))]
    BadRequest(PdsIssue),
    /// 401: the access token is missing, invalid or expired.
    #[error("PDS did not accept this system's credentials")]
    Unauthorised,
    /// The NHS API platform's token service refused the signed-JWT client assertion (an OAuth
    /// error such as `invalid_request` or `invalid_client`), or gave no usable token.
    #[error("the NHS API platform refused this system's PDS credentials ({error}: {description})")]
    Auth {
        /// The OAuth `error` code.
        error: String,
        /// The OAuth `error_description` (never the assertion or a token).
        description: String,
    },
    /// 403: not permitted.
    #[error("PDS says this system is not permitted to make this request")]
    Forbidden,
    /// 408: PDS timed out calling its own services.
    #[error("PDS timed out (its own services did not answer in time)")]
    UpstreamTimeout,
    /// 429: rate limit; wait before trying again.
    #[error("PDS is limiting requests; try again in {} seconds", .retry_after.map(|d| d.as_secs().max(1)).unwrap_or(1))]
    RateLimited {
        /// From `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// 5xx or another status.
    #[error("PDS answered HTTP {status} ({excerpt})")]
    Server {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body.
        excerpt: String,
    },
    /// A search matched more patients than PDS will return: more details are needed.
    #[error("PDS found too many patients matching these details")]
    TooManyMatches,
    /// A 200 whose body is not the resource expected.
    #[error(transparent)]
    Body(#[from] PdsBodyError),
}

impl PdsError {
    /// Whether trying again could help.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(t) => t.is_retryable(),
            Self::UpstreamTimeout | Self::RateLimited { .. } => true,
            Self::Server { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The PDS error code, or a short name of the failure.
    pub fn code(&self) -> &str {
        match self {
            Self::Transport(TransportError::Timeout { .. }) => "PDS_TIMEOUT",
            Self::Transport(TransportError::Redirected { .. }) => "PDS_REDIRECTED",
            Self::Transport(TransportError::TooLarge { .. }) => "PDS_RESPONSE_TOO_LARGE",
            Self::Transport(_) => "PDS_UNREACHABLE",
            Self::NotFound => "RESOURCE_NOT_FOUND",
            Self::Invalidated => "INVALIDATED_RESOURCE",
            Self::InvalidNumber => "INVALID_RESOURCE_ID",
            Self::BadRequest(issue) => &issue.code,
            Self::Unauthorised | Self::Forbidden => "ACCESS_DENIED",
            Self::Auth { .. } => "PDS_AUTH_REFUSED",
            Self::UpstreamTimeout => "UNABLE_TO_CALL_SERVICE",
            Self::RateLimited { .. } => "TOO_MANY_REQUESTS",
            Self::Server { .. } => "PDS_SERVER_ERROR",
            Self::TooManyMatches => "TOO_MANY_MATCHES",
            Self::Body(_) => "PDS_UNEXPECTED_RESPONSE",
        }
    }

    /// The HTTP status, when PDS answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Transport(_) | Self::Body(_) | Self::Auth { .. } => None,
            Self::TooManyMatches => Some(200),
            Self::NotFound | Self::Invalidated => Some(404),
            Self::InvalidNumber | Self::BadRequest(_) => Some(400),
            Self::Unauthorised => Some(401),
            Self::Forbidden => Some(403),
            Self::UpstreamTimeout => Some(408),
            Self::RateLimited { .. } => Some(429),
            Self::Server { status, .. } => Some(*status),
        }
    }
}

/// An access token and when to stop using it.
struct AccessToken {
    value: Zeroizing<String>,
    /// The clock's monotonic reading after which a new token is fetched.
    refresh_at: Duration,
}

/// The signed-JWT flow's settings and its access-token cache, shared by clones of the client.
struct SignedJwtState {
    api_key: String,
    kid: String,
    token_url: String,
    key: EncodingKey,
    /// The cached token. A tokio mutex held across the fetch: concurrent lookups share one.
    cache: tokio::sync::Mutex<Option<AccessToken>>,
    token_requests: AtomicU64,
}

impl std::fmt::Debug for SignedJwtState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedJwtState")
            .field("kid", &self.kid)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

/// The claims of the client assertion.
#[derive(serde::Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    exp: u64,
}

/// What [`PdsClient::probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdsProbe {
    /// The status of `GET _ping` (200 from the API platform).
    pub status: u16,
    /// The server's clock, from its `Date` header.
    pub server_time: Option<std::time::SystemTime>,
    /// An access token was obtained (signed-JWT authentication only).
    pub token: bool,
}

/// The PDS adapter. Cheap to clone; connections are pooled, and with [`PdsAuth::SignedJwt`]
/// clones share one access token.
#[derive(Debug, Clone)]
pub struct PdsClient {
    http: reqwest::Client,
    base_url: String,
    auth: PdsAuth,
    signed: Option<Arc<SignedJwtState>>,
    token_margin: Duration,
    max_retry_wait: Duration,
    max_body_bytes: usize,
    clock: Arc<dyn Clock>,
}

impl PdsClient {
    /// A client for the PDS FHIR R4 base URL (e.g. `https://…/personal-demographics/FHIR/R4`).
    /// With [`PdsAuth::SignedJwt`] the private key is read now: a key that is not an RSA
    /// private key in PEM is a [`TransportError::Setup`] (which says so without showing it).
    pub fn new(
        base_url: &str,
        timeouts: HttpSettings,
        auth: PdsAuth,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, TransportError> {
        let signed = match &auth {
            PdsAuth::SignedJwt {
                api_key,
                kid,
                token_url,
                private_key_pem,
            } => {
                let key = EncodingKey::from_rsa_pem(private_key_pem).map_err(|_| {
                    TransportError::Setup(
                        "the PDS signing key is not an RSA private key in PEM form".into(),
                    )
                })?;
                Some(Arc::new(SignedJwtState {
                    api_key: api_key.clone(),
                    kid: kid.clone(),
                    token_url: token_url.clone(),
                    key,
                    cache: tokio::sync::Mutex::new(None),
                    token_requests: AtomicU64::new(0),
                }))
            }
            PdsAuth::None | PdsAuth::Bearer(_) => None,
        };
        Ok(Self {
            http: http::client(timeouts)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            signed,
            token_margin: DEFAULT_TOKEN_MARGIN,
            max_retry_wait: Duration::from_secs(2),
            max_body_bytes: timeouts.max_body_bytes,
            clock,
        })
    }

    /// How long before its expiry an access token is replaced (default 30 s; at most half its
    /// lifetime is given up).
    pub fn with_token_margin(mut self, margin: Duration) -> Self {
        self.token_margin = margin;
        self
    }

    /// How many access tokens this client (and its clones) has requested.
    pub fn token_requests(&self) -> u64 {
        self.signed
            .as_ref()
            .map_or(0, |s| s.token_requests.load(Ordering::Relaxed))
    }

    /// The access token to send: the cached one while fresh, else a new one (signed-JWT only).
    async fn access_token(&self, state: &SignedJwtState) -> Result<Zeroizing<String>, PdsError> {
        let mut cached = state.cache.lock().await;
        if let Some(token) = cached.as_ref() {
            if self.clock.monotonic() < token.refresh_at {
                return Ok(token.value.clone());
            }
        }
        let fresh = self.fetch_token(state).await?;
        let value = fresh.value.clone();
        *cached = Some(fresh);
        Ok(value)
    }

    /// Forgets `used` if it is still the cached token (a concurrent lookup may have replaced it).
    async fn drop_token(&self, state: &SignedJwtState, used: &str) {
        let mut cached = state.cache.lock().await;
        if cached.as_ref().is_some_and(|t| t.value.as_str() == used) {
            *cached = None;
        }
    }

    /// Signs a fresh client assertion and exchanges it for an access token.
    async fn fetch_token(&self, state: &SignedJwtState) -> Result<AccessToken, PdsError> {
        let now = self.clock.unix_seconds();
        let claims = AssertionClaims {
            iss: &state.api_key,
            sub: &state.api_key,
            aud: &state.token_url,
            jti: uuid::Uuid::new_v4().to_string(),
            exp: now + ASSERTION_LIFETIME_SECS,
        };
        let mut header = Header::new(Algorithm::RS512);
        header.kid = Some(state.kid.clone());
        let assertion = vmcheck_jws::encode(&header, &claims, &state.key)
            .map(Zeroizing::new)
            .map_err(|_| PdsError::Auth {
                error: "signing_failed".into(),
                description: "the client assertion could not be signed with the PDS signing key"
                    .into(),
            })?;
        state.token_requests.fetch_add(1, Ordering::Relaxed);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let sent = self.clock.monotonic();
        let response = self
            .http
            .post(&state.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| TransportError::from_reqwest(TOKEN_SERVICE, &e))?;
        let received = http::receive(TOKEN_SERVICE, response, self.max_body_bytes).await?;
        let (status, body) = (received.status, received.body);
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let text = |v: &serde_json::Value, k: &str| v[k].as_str().map(str::to_owned);
        if status != 200 {
            let (error, description) = match &json {
                Some(v) if v["error"].is_string() => (
                    text(v, "error").unwrap_or_default(),
                    text(v, "error_description").unwrap_or_default(),
                ),
                _ => (format!("http_{status}"), http::excerpt(&body)),
            };
            tracing::info!(status, error = %error, "PDS access token refused");
            return Err(PdsError::Auth { error, description });
        }
        let token = json.as_ref().and_then(|v| text(v, "access_token"));
        let expires_in = json.as_ref().and_then(|v| match &v["expires_in"] {
            // The platform sends a string ("599"); a number is accepted too.
            serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
            other => other.as_u64(),
        });
        let (Some(token), Some(expires_in)) = (token.filter(|t| !t.is_empty()), expires_in) else {
            return Err(PdsError::Auth {
                error: "invalid_response".into(),
                description: "the token service's answer has no access_token and expires_in".into(),
            });
        };
        let lifetime = Duration::from_secs(expires_in);
        let usable = lifetime.saturating_sub(self.token_margin).max(lifetime / 2);
        tracing::debug!(expires_in, "PDS access token obtained");
        Ok(AccessToken {
            value: Zeroizing::new(token),
            refresh_at: sent + usable,
        })
    }

    /// The longest `Retry-After` the client waits out by itself (once) before giving up.
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    async fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        correlation_id: &str,
    ) -> Result<Vec<u8>, PdsError> {
        let mut retried = false;
        let mut refreshed = false;
        loop {
            let mut request = self
                .http
                .get(url)
                .query(query)
                .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
                .header("X-Correlation-ID", correlation_id)
                .header(reqwest::header::ACCEPT, "application/fhir+json");
            let mut used_token = None;
            if let Some(state) = &self.signed {
                let token = self.access_token(state).await?;
                request = request.bearer_auth(token.as_str());
                used_token = Some(token);
            } else if let PdsAuth::Bearer(token) = &self.auth {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?;
            let received = http::receive(SERVICE, response, self.max_body_bytes).await?;
            let status = received.status;
            let retry_after = received
                .header(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            if status == 200 {
                let content_type = received.header(reqwest::header::CONTENT_TYPE).unwrap_or("");
                if !is_json(content_type) {
                    return Err(PdsError::Body(PdsBodyError::Unexpected(format!(
                        "content of type '{}' where FHIR JSON was expected",
                        content_type.chars().take(60).collect::<String>()
                    ))));
                }
                return Ok(received.body);
            }
            let body = received.body;
            if let (401, false, Some(state), Some(used)) =
                (status, refreshed, &self.signed, &used_token)
            {
                // The token was revoked or expired early: a new one, once.
                tracing::info!("PDS refused the access token; fetching a new one");
                self.drop_token(state, used).await;
                refreshed = true;
                continue;
            }
            if status == 429 && !retried {
                if let Some(wait) = retry_after.filter(|w| *w <= self.max_retry_wait) {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "PDS rate limit; waiting once"
                    );
                    self.clock.sleep(wait).await;
                    retried = true;
                    continue;
                }
            }
            return Err(error_for(status, retry_after, &body));
        }
    }

    /// The health check: `GET {base}/_ping` (the API platform's, no patient data, no token),
    /// then — with signed-JWT authentication — an access token obtained from the token service.
    /// Says whether PDS answered, with what status, its clock (`Date`), and whether a token
    /// came.
    pub async fn probe(&self) -> Result<PdsProbe, PdsError> {
        let response = self
            .http
            .get(format!("{}/_ping", self.base_url))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?;
        let received = http::receive(SERVICE, response, self.max_body_bytes).await?;
        let token = match &self.signed {
            Some(state) => {
                self.access_token(state).await?;
                true
            }
            None => false,
        };
        Ok(PdsProbe {
            status: received.status,
            server_time: http::server_date(&received),
            token,
        })
    }

    /// Traces one NHS number: `GET Patient/{nhs}`. A different id in the answer means the
    /// number was superseded; [`TraceOutcome::superseded_from`] says so.
    pub async fn retrieve(
        &self,
        nhs: &NhsNumber,
        correlation_id: &str,
    ) -> Result<TraceOutcome, PdsError> {
        let url = format!("{}/Patient/{}", self.base_url, nhs.as_str());
        let body = self.get(&url, &[], correlation_id).await?;
        let patient = pds::read_patient(&body)?;
        Ok(TraceOutcome::new(nhs, patient))
    }

    /// Searches by demographics; matches come with their scores, best first.
    pub async fn search(
        &self,
        terms: &PdsSearch,
        correlation_id: &str,
    ) -> Result<Vec<SearchMatch>, PdsError> {
        let url = format!("{}/Patient", self.base_url);
        let mut query = vec![("family", terms.family.trim().to_owned())];
        if !terms.gender.trim().is_empty() {
            query.push(("gender", terms.gender.trim().to_owned()));
        }
        query.push(("birthdate", format!("eq{}", terms.birth_date.trim())));
        if let Some(given) = terms
            .given
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            query.push(("given", given.to_owned()));
        }
        if let Some(postcode) = terms
            .postcode
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            query.push(("address-postalcode", postcode.to_owned()));
        }
        let body = self.get(&url, &query, correlation_id).await?;
        let mut matches = match pds::read_search(&body) {
            Ok(m) => m,
            // PDS answers an over-broad search with a 200 OperationOutcome.
            Err(e) => match pds::read_issue(&body) {
                Some(issue) if issue.code == "TOO_MANY_MATCHES" => {
                    return Err(PdsError::TooManyMatches)
                }
                _ => return Err(e.into()),
            },
        };
        matches.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
        Ok(matches)
    }
}

/// `application/fhir+json` or `application/json`, parameters (`charset`) ignored.
fn is_json(content_type: &str) -> bool {
    matches!(
        crate::http::media_type(content_type).as_str(),
        "application/fhir+json" | "application/json"
    )
}

fn error_for(status: u16, retry_after: Option<Duration>, body: &[u8]) -> PdsError {
    let issue = pds::read_issue(body);
    let code = issue.as_ref().map(|i| i.code.as_str()).unwrap_or("");
    match (status, code) {
        (404, "INVALIDATED_RESOURCE") => PdsError::Invalidated,
        (404, _) => PdsError::NotFound,
        (400, "INVALID_RESOURCE_ID") => PdsError::InvalidNumber,
        (400, _) => PdsError::BadRequest(issue.unwrap_or_default()),
        (401, _) => PdsError::Unauthorised,
        (403, _) => PdsError::Forbidden,
        (408, _) => PdsError::UpstreamTimeout,
        (429, _) => PdsError::RateLimited { retry_after },
        _ => PdsError::Server {
            status,
            excerpt: http::excerpt(body),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(code: &str) -> Vec<u8> {
        format!(r#"{{"resourceType":"OperationOutcome","issue":[{{"severity":"error","code":"processing","details":{{"coding":[{{"system":"https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode","code":"{code}"}}]}},"diagnostics":"about {code}"}}]}}"#).into_bytes()
    }

    #[test]
    fn every_pds_status_maps_to_its_error() {
        let none = None;
        assert_eq!(
            error_for(404, none, &outcome("RESOURCE_NOT_FOUND")),
            PdsError::NotFound
        );
        assert_eq!(
            error_for(404, none, &outcome("INVALIDATED_RESOURCE")),
            PdsError::Invalidated
        );
        assert_eq!(
            error_for(400, none, &outcome("INVALID_RESOURCE_ID")),
            PdsError::InvalidNumber
        );
        let PdsError::BadRequest(issue) = error_for(400, none, &outcome("MISSING_VALUE")) else {
            panic!("a bad request")
        };
        assert_eq!(issue.code, "MISSING_VALUE");
        assert_eq!(issue.diagnostics.as_deref(), Some("about MISSING_VALUE"));
        assert_eq!(
            error_for(401, none, &outcome("ACCESS_DENIED")),
            PdsError::Unauthorised
        );
        assert_eq!(
            error_for(403, none, &outcome("ACCESS_DENIED")),
            PdsError::Forbidden
        );
        assert_eq!(
            error_for(408, none, &outcome("UNABLE_TO_CALL_SERVICE")),
            PdsError::UpstreamTimeout
        );
        assert_eq!(
            error_for(
                429,
                Some(Duration::from_secs(3)),
                &outcome("TOO_MANY_REQUESTS")
            ),
            PdsError::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert_eq!(
            error_for(502, none, b"<html><body>Bad Gateway</body></html>"),
            PdsError::Server {
                status: 502,
                excerpt: "Bad Gateway".into()
            }
        );
        assert_eq!(
            error_for(500, none, b""),
            PdsError::Server {
                status: 500,
                excerpt: String::new()
            }
        );
        assert!(error_for(503, none, b"").is_retryable());
        assert!(!error_for(403, none, b"").is_retryable());
    }

    #[test]
    fn only_json_content_types_are_read() {
        for ok in [
            "application/fhir+json",
            "application/json",
            "application/fhir+json; charset=utf-8",
            "Application/JSON",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/fhir+xml",
            "",
            "text/html; charset=utf-8",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }
}
