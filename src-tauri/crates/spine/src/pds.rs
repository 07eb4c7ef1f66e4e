//! The PDS FHIR R4 adapter: retrieve a patient by NHS number (the trace) and search by
//! demographics.
//!
//! Sends `X-Request-ID` (a fresh UUID per call) and `X-Correlation-ID` (the lookup's trace id)
//! on every call. Honours `Retry-After` on 429 once, when the wait is short. Authentication is
//! `none` for now (the public sandbox's mode); signed-JWT application auth slots in at
//! [`PdsAuth`].

use std::time::Duration;

use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::pds::{self, PdsBodyError, PdsIssue, SearchMatch, TraceOutcome};

use crate::http::{self, HttpTimeouts, TransportError};

const SERVICE: &str = "PDS";

/// How the adapter authenticates to PDS.
#[derive(Clone, Default)]
pub enum PdsAuth {
    /// No `Authorization` header (the public PDS sandbox, the V&M Check sandbox).
    #[default]
    None,
    /// A bearer token obtained elsewhere.
    Bearer(String),
}

impl std::fmt::Debug for PdsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Bearer(_) => "Bearer(***)",
        })
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
            Self::Transport(_) => "PDS_UNREACHABLE",
            Self::NotFound => "RESOURCE_NOT_FOUND",
            Self::Invalidated => "INVALIDATED_RESOURCE",
            Self::InvalidNumber => "INVALID_RESOURCE_ID",
            Self::BadRequest(issue) => &issue.code,
            Self::Unauthorised | Self::Forbidden => "ACCESS_DENIED",
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
            Self::Transport(_) | Self::Body(_) => None,
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

/// The PDS adapter. Cheap to clone; connections are pooled.
#[derive(Debug, Clone)]
pub struct PdsClient {
    http: reqwest::Client,
    base_url: String,
    auth: PdsAuth,
    max_retry_wait: Duration,
}

impl PdsClient {
    /// A client for the PDS FHIR R4 base URL (e.g. `https://…/personal-demographics/FHIR/R4`).
    pub fn new(
        base_url: &str,
        timeouts: HttpTimeouts,
        auth: PdsAuth,
    ) -> Result<Self, TransportError> {
        Ok(Self {
            http: http::client(timeouts)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            max_retry_wait: Duration::from_secs(2),
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
        loop {
            let mut request = self
                .http
                .get(url)
                .query(query)
                .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
                .header("X-Correlation-ID", correlation_id)
                .header(reqwest::header::ACCEPT, "application/fhir+json");
            if let PdsAuth::Bearer(token) = &self.auth {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response
                .bytes()
                .await
                .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?
                .to_vec();
            if status == 200 {
                return Ok(body);
            }
            if status == 429 && !retried {
                if let Some(wait) = retry_after.filter(|w| *w <= self.max_retry_wait) {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "PDS rate limit; waiting once"
                    );
                    tokio::time::sleep(wait).await;
                    retried = true;
                    continue;
                }
            }
            return Err(error_for(status, retry_after, &body));
        }
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
        let mut query = vec![
            ("family", terms.family.trim().to_owned()),
            ("gender", terms.gender.trim().to_owned()),
            ("birthdate", format!("eq{}", terms.birth_date.trim())),
        ];
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
