//! The trust's Care Connect FHIR STU3 API: the one patient a hospital number names, and the NHS
//! number the trust holds for them (`GET [base]/Patient?identifier=<system>|<number>`).
//!
//! Sends `Accept: application/fhir+json, application/json+fhir;q=0.9` (the STU3 media type
//! first, the DSTU2-era spelling some trust servers still use second) and `X-Correlation-ID`
//! (the lookup's trace id); redirects are refused and bodies capped ([`crate::http`]). The
//! trust's servers are often certified by the trust's own CA: [`CareConnectClient::new`] takes
//! its PEM bundle (then only `https://` is used). What the answer means is the core's
//! ([`vmcheck_core::care_connect::read_search`]). Neither the hospital number nor the URL
//! carrying it reaches a log line or an error text.

use vmcheck_core::care_connect::{
    self, identifier_token, Capability, CareConnectError, CareConnectPatient, HospitalNumber,
};

use crate::http::{self, HttpSettings, TransportError};
use crate::tls::{TlsSettings, TlsSetupError};

const SERVICE: &str = "the trust's Care Connect service";

/// The `Accept` header sent.
pub const ACCEPT: &str = "application/fhir+json, application/json+fhir;q=0.9";

/// Why a hospital number search gave no NHS number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CareConnectClientError {
    /// Nothing usable came back.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server refused this system's credentials or permissions (401, 403).
    #[error("the trust's Care Connect service refused this system's request (HTTP {0})")]
    Refused(u16),
    /// The server refused the search as asked (400, 404 on the search, 405, 422…).
    #[error(
        "the trust's Care Connect service did not accept the search (HTTP {status}: {excerpt})"
    )]
    BadRequest {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body (never the request).
        excerpt: String,
    },
    /// 5xx, 429 or another status.
    #[error("the trust's Care Connect service answered HTTP {status} ({excerpt})")]
    Server {
        /// HTTP status.
        status: u16,
        /// A short excerpt of the body.
        excerpt: String,
    },
    /// A 200 that is not FHIR JSON.
    #[error(
        "the trust's Care Connect service sent content of type '{0}' where FHIR JSON was expected"
    )]
    ContentType(String),
    /// The answer, read: no patient, several, no verified NHS number, or unreadable.
    #[error(transparent)]
    Answer(#[from] CareConnectError),
}

impl CareConnectClientError {
    /// Whether trying again could help.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(t) => t.is_retryable(),
            Self::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// Why the client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CareConnectSetupError {
    /// The trust's CA bundle cannot be used.
    #[error("{0}")]
    Tls(#[from] TlsSetupError),
    /// The HTTP client could not be built.
    #[error("{0}")]
    Http(#[from] TransportError),
}

/// The Care Connect adapter. Cheap to clone; connections are pooled.
#[derive(Debug, Clone)]
pub struct CareConnectClient {
    http: reqwest::Client,
    base_url: String,
    system: String,
    max_body_bytes: usize,
}

impl CareConnectClient {
    /// A client for the trust's FHIR STU3 base URL, searching hospital numbers under the
    /// identifier `system`. With `ca_bundle_pem` the server's certificate must chain to those
    /// CAs (or the system's) and only `https://` is used.
    pub fn new(
        base_url: &str,
        system: &str,
        timeouts: HttpSettings,
        ca_bundle_pem: Option<Vec<u8>>,
    ) -> Result<Self, CareConnectSetupError> {
        let http = match ca_bundle_pem {
            None => http::client(timeouts)?,
            Some(pem) => {
                let tls = crate::tls::client_config(TlsSettings {
                    ca_bundle_pem: Some(pem),
                    use_system_roots: true,
                    client_chain_pem: None,
                    client_key_pem: None,
                })?;
                http::client_with_tls(timeouts, tls)?
            }
        };
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            system: system.to_owned(),
            max_body_bytes: timeouts.max_body_bytes,
        })
    }

    /// The identifier system hospital numbers are searched under.
    pub fn system(&self) -> &str {
        &self.system
    }

    /// `GET [base]/Patient?identifier=<system>|<number>`: the one patient with this hospital
    /// number and their verified NHS number, or why there is none.
    pub async fn find(
        &self,
        number: &HospitalNumber,
        correlation_id: &str,
    ) -> Result<CareConnectPatient, CareConnectClientError> {
        let request = self
            .http
            .get(format!("{}/Patient", self.base_url))
            .query(&[("identifier", identifier_token(&self.system, number))]);
        let body = self.fhir_json(request, correlation_id).await?;
        Ok(care_connect::read_search(&body, &self.system, number)?)
    }

    /// `GET [base]/metadata`: what the server says of itself (no patient data), for the
    /// doctor's check.
    pub async fn capability(
        &self,
        correlation_id: &str,
    ) -> Result<Capability, CareConnectClientError> {
        let request = self.http.get(format!("{}/metadata", self.base_url));
        let body = self.fhir_json(request, correlation_id).await?;
        Ok(care_connect::read_capability(&body)?)
    }

    /// Sends `request` asking for FHIR JSON; the body of a 200 in FHIR JSON (capped), else
    /// the error its status or type means.
    async fn fhir_json(
        &self,
        request: reqwest::RequestBuilder,
        correlation_id: &str,
    ) -> Result<Vec<u8>, CareConnectClientError> {
        let response = request
            .header(reqwest::header::ACCEPT, ACCEPT)
            .header("X-Correlation-ID", correlation_id)
            .send()
            .await
            .map_err(|e| TransportError::from_reqwest(SERVICE, &e))?;
        let received = http::receive(SERVICE, response, self.max_body_bytes).await?;
        let status = received.status;
        if status != 200 {
            tracing::info!(status, "Care Connect request refused");
            return Err(error_for(status, &received.body));
        }
        let content_type = received.header(reqwest::header::CONTENT_TYPE).unwrap_or("");
        if !is_fhir_json(content_type) {
            return Err(CareConnectClientError::ContentType(
                content_type.chars().take(60).collect(),
            ));
        }
        Ok(received.body)
    }
}

/// `application/fhir+json`, `application/json+fhir` or `application/json`, parameters ignored.
fn is_fhir_json(content_type: &str) -> bool {
    matches!(
        crate::http::media_type(content_type).as_str(),
        "application/fhir+json" | "application/json+fhir" | "application/json"
    )
}

fn error_for(status: u16, body: &[u8]) -> CareConnectClientError {
    let excerpt = http::excerpt(body);
    match status {
        401 | 403 => CareConnectClientError::Refused(status),
        400 | 404 | 405 | 406 | 422 => CareConnectClientError::BadRequest { status, excerpt },
        _ => CareConnectClientError::Server { status, excerpt },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_errors() {
        assert_eq!(error_for(401, b""), CareConnectClientError::Refused(401));
        assert_eq!(error_for(403, b""), CareConnectClientError::Refused(403));
        assert!(matches!(
            error_for(400, b"bad"),
            CareConnectClientError::BadRequest { status: 400, .. }
        ));
        let e = error_for(503, b"<html>Service Unavailable</html>");
        assert_eq!(
            e,
            CareConnectClientError::Server {
                status: 503,
                excerpt: "Service Unavailable".into()
            }
        );
        assert!(e.is_retryable());
        assert!(!error_for(400, b"").is_retryable());
    }

    #[test]
    fn both_fhir_json_spellings_are_read() {
        for ok in [
            "application/fhir+json",
            "application/json+fhir; charset=utf-8",
            "application/json",
        ] {
            assert!(is_fhir_json(ok), "{ok}");
        }
        for bad in ["application/fhir+xml", "text/html", ""] {
            assert!(!is_fhir_json(bad), "{bad}");
        }
    }
}
