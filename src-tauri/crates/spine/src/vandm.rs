//! The Spine Visitors and Migrants endpoint over HTTP: the search and the connection test.
//!
//! Sends what `vmcheck_core::request` describes and reads the answer with the core's FHIR
//! reader. Every way an answer can be unusable — a non-FHIR body (an HTML 502 page, an empty or
//! truncated body), a wrong content type, a Spine OperationOutcome — becomes a typed
//! [`VandmError`], never a panic and never a status. It does not decide what to show; the engine
//! and the core's banner classification do.

use std::time::SystemTime;
use vmcheck_core::fhir::{self, BodyError, OperationOutcome, SearchBody, WireFormat};
use vmcheck_core::request::HttpGet;
use vmcheck_core::spine_error::{SpineError, SpineErrorCode};
use vmcheck_core::status::ChargeableStatus;

use crate::http::{self, HttpSettings, TransportError};

const SERVICE: &str = "the Spine V&M service";

/// What a successful search says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per response, moved once into the result; boxing would only add an allocation"
)]
pub enum VandmAnswer {
    /// A chargeable-status Observation.
    Status(ChargeableStatus),
    /// No V&M record for the patient (an OperationOutcome in a 200 Bundle).
    NoRecord(OperationOutcome),
}

/// A search answer with what the service desk may need to see.
#[derive(Clone, PartialEq, Eq)]
pub struct VandmResponse {
    /// The meaning.
    pub answer: VandmAnswer,
    /// The body as received (for the "technical details" view; holds patient data, never logged).
    pub raw: String,
    /// The format it came in.
    pub format: WireFormat,
}

impl std::fmt::Debug for VandmResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VandmResponse")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Why a V&M call gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VandmError {
    /// Nothing usable came back (connection, timeout, broken exchange).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Spine answered with an OperationOutcome error.
    #[error("Spine answered {}: {}", .0.code.code(), .0.code.user_message())]
    Spine(Box<SpineError>),
    /// An HTTP error status without a FHIR body (a proxy page, a plain 500).
    #[error("{SERVICE} answered HTTP {status} without a FHIR response ({excerpt})")]
    HttpStatus {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body.
        excerpt: String,
    },
    /// 429: Spine, or a proxy in front of it, is limiting requests.
    #[error("{SERVICE} is limiting requests; try again in {} seconds", .retry_after.map(|d| d.as_secs().max(1)).unwrap_or(1))]
    RateLimited {
        /// From `Retry-After` (whole seconds), when sent.
        retry_after: Option<std::time::Duration>,
    },
    /// A 200 whose content type is not FHIR JSON or XML.
    #[error("{SERVICE} answered with content of type '{content_type}', which is not FHIR")]
    ContentType {
        /// The content type received.
        content_type: String,
    },
    /// The body is FHIR-typed but cannot be read as a V&M answer.
    #[error("{SERVICE} sent a response V&M Check cannot read: {0}")]
    Body(BodyError),
}

impl VandmError {
    /// Whether trying again could help.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(t) => t.is_retryable(),
            Self::HttpStatus { status, .. } => *status >= 500,
            Self::RateLimited { .. } => true,
            Self::Spine(e) => e.code.is_retryable(),
            Self::ContentType { .. } | Self::Body(_) => false,
        }
    }

    /// Whether the endpoint itself may be wrong (the engine then forgets a cached endpoint).
    pub fn suggests_stale_endpoint(&self) -> bool {
        matches!(
            self,
            Self::Transport(TransportError::Connect { .. }) | Self::HttpStatus { status: 404, .. }
        )
    }
}

/// The V&M HTTP adapter. Cheap to clone; connections are pooled.
#[derive(Debug, Clone)]
pub struct VandmClient {
    http: reqwest::Client,
    max_body_bytes: usize,
}

impl VandmClient {
    /// A client with these timeouts.
    pub fn new(settings: HttpSettings) -> Result<Self, TransportError> {
        Ok(Self {
            http: http::client(settings)?,
            max_body_bytes: settings.max_body_bytes,
        })
    }

    /// A client over an already configured reqwest client (mutual TLS is set up by the caller,
    /// with [`http::client_with_tls`]); answers are capped at `max_body_bytes`.
    pub fn with_client(http: reqwest::Client, max_body_bytes: usize) -> Self {
        Self {
            http,
            max_body_bytes,
        }
    }

    async fn send(&self, get: &HttpGet) -> Result<(u16, Option<String>, Vec<u8>), VandmError> {
        self.send_dated(get)
            .await
            .map(|(status, content_type, body, _)| (status, content_type, body))
    }

    /// Sends `get`; also returns the server's `Date` header when it reads as an HTTP date.
    async fn send_dated(
        &self,
        get: &HttpGet,
    ) -> Result<(u16, Option<String>, Vec<u8>, Option<SystemTime>), VandmError> {
        let mut request = self.http.get(&get.url);
        for (name, value) in &get.headers {
            request = request.header(*name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?;
        let received = http::receive(SERVICE, response, self.max_body_bytes).await?;
        if received.status == 429 {
            return Err(VandmError::RateLimited {
                retry_after: received
                    .header(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(std::time::Duration::from_secs),
            });
        }
        let content_type = received
            .header(reqwest::header::CONTENT_TYPE)
            .map(str::to_owned);
        let date = http::server_date(&received);
        Ok((received.status, content_type, received.body, date))
    }

    /// Runs a search built by `vmcheck_core::request::search`.
    pub async fn search(&self, get: &HttpGet) -> Result<VandmResponse, VandmError> {
        let (status, content_type, body) = self.send(get).await?;
        interpret_search(status, content_type.as_deref(), &body)
    }

    /// Runs the connection test built by `vmcheck_core::request::metadata`; returns the
    /// Conformance statement's FHIR version and software name when given.
    pub async fn metadata(&self, get: &HttpGet) -> Result<Conformance, VandmError> {
        let (status, content_type, body, server_time) = self.send_dated(get).await?;
        let format = fhir_format(status, content_type.as_deref(), &body)?;
        let tree = format
            .read(&body)
            .map_err(|e| VandmError::Body(BodyError::Tree(e)))?;
        if status != 200 || tree.name == "OperationOutcome" || tree.name == "Bundle" {
            return Err(spine_error(status, format, &body));
        }
        if tree.name != "Conformance" && tree.name != "CapabilityStatement" {
            return Err(VandmError::Body(BodyError::Model(
                fhir::ModelError::Unexpected(format!(
                    "a {} where a Conformance statement was expected",
                    tree.name
                )),
            )));
        }
        Ok(Conformance {
            fhir_version: tree.child_value("fhirVersion").map(str::to_owned),
            software: tree.value_at(&["software", "name"]).map(str::to_owned),
            name: tree.child_value("name").map(str::to_owned),
            server_time,
        })
    }
}

/// What the connection test reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conformance {
    /// `fhirVersion` (1.0.1 for DSTU2).
    pub fhir_version: Option<String>,
    /// `software.name`.
    pub software: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// The server's clock, from the answer's `Date` header (for the clock-skew check).
    #[serde(skip)]
    pub server_time: Option<SystemTime>,
}

/// Decides the body's format; an HTTP error without a FHIR body becomes `HttpStatus`.
fn fhir_format(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<WireFormat, VandmError> {
    match content_type.and_then(WireFormat::from_media_type) {
        Some(format) => Ok(format),
        None if status != 200 => Err(VandmError::HttpStatus {
            status,
            excerpt: http::excerpt(body),
        }),
        None => Err(VandmError::ContentType {
            content_type: content_type.unwrap_or("none").to_owned(),
        }),
    }
}

fn spine_error(status: u16, format: WireFormat, body: &[u8]) -> VandmError {
    match fhir::parse_search_body(format, body) {
        Ok(SearchBody::OperationOutcome(oo)) => {
            VandmError::Spine(Box::new(SpineError::from_outcome(status, &oo)))
        }
        Ok(SearchBody::Observation(_)) | Err(_) => VandmError::HttpStatus {
            status,
            excerpt: http::excerpt(body),
        },
    }
}

/// Interprets a search response (status, content type, body) — separated from I/O for tests.
pub fn interpret_search(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<VandmResponse, VandmError> {
    let format = fhir_format(status, content_type, body)?;
    if status != 200 {
        return Err(spine_error(status, format, body));
    }
    let answer = match fhir::parse_search_body(format, body).map_err(VandmError::Body)? {
        SearchBody::Observation(status) => VandmAnswer::Status(status),
        SearchBody::OperationOutcome(oo) => {
            // "Success, no record" — unless the outcome carries one of the API's error codes,
            // in which case it is an error however it was sent.
            let code = oo
                .spine_coding()
                .and_then(|c| c.code.as_deref())
                .map(SpineErrorCode::from_code);
            match code {
                Some(code) if SpineErrorCode::TABLE.contains(&code) => {
                    return Err(VandmError::Spine(Box::new(SpineError::from_outcome(
                        status, &oo,
                    ))));
                }
                _ => VandmAnswer::NoRecord(oo),
            }
        }
    };
    Ok(VandmResponse {
        answer,
        raw: String::from_utf8_lossy(body).into_owned(),
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE_OO: &str = r#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","details":{"coding":[{"system":"https://fhir.nhs.uk/spine-error-or-warning-code-1","code":"PATIENT_NOT_FOUND","display":"Patient not found"}]}}]}}]}"#;
    const NO_RECORD: &str = r#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"not-found","details":{"coding":[{"system":"https://fhir.nhs.uk/spine-error-or-warning-code-1","code":"NO_RECORD_FOUND","display":"No record found"}]}}]}}]}"#;

    #[test]
    fn a_404_outcome_is_a_spine_error() {
        let err = interpret_search(404, Some("application/json+fhir"), BUNDLE_OO.as_bytes())
            .expect_err("error");
        let VandmError::Spine(e) = err else {
            panic!("spine error")
        };
        assert_eq!(
            (e.http_status, e.code, e.issue_type.as_str()),
            (404, SpineErrorCode::PatientNotFound, "not-found")
        );
    }

    #[test]
    fn a_200_outcome_is_no_record_unless_it_carries_an_error_code() {
        let ok = interpret_search(
            200,
            Some("application/json+fhir; charset=utf-8"),
            NO_RECORD.as_bytes(),
        )
        .expect("ok");
        assert!(matches!(ok.answer, VandmAnswer::NoRecord(_)));
        let err = interpret_search(200, Some("application/json+fhir"), BUNDLE_OO.as_bytes())
            .expect_err("error");
        assert!(matches!(err, VandmError::Spine(e) if e.code == SpineErrorCode::PatientNotFound));
    }

    #[test]
    fn non_fhir_answers_are_errors_with_an_excerpt() {
        let html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
        let err = interpret_search(502, Some("text/html"), html).expect_err("error");
        assert_eq!(
            err,
            VandmError::HttpStatus {
                status: 502,
                excerpt: "502 Bad Gateway Bad Gateway".into()
            }
        );
        let err =
            interpret_search(200, Some("text/plain"), NO_RECORD.as_bytes()).expect_err("error");
        assert_eq!(
            err,
            VandmError::ContentType {
                content_type: "text/plain".into()
            }
        );
        let err = interpret_search(200, None, b"").expect_err("error");
        assert_eq!(
            err,
            VandmError::ContentType {
                content_type: "none".into()
            }
        );
        let err = interpret_search(
            200,
            Some("application/json+fhir"),
            b"{\"resourceType\":\"Bun",
        )
        .expect_err("error");
        assert!(matches!(err, VandmError::Body(_)));
        let err = interpret_search(500, Some("application/json+fhir"), b"oops").expect_err("error");
        assert!(matches!(err, VandmError::HttpStatus { status: 500, .. }));
    }
}
