//! The Spine Directory Service through its FHIR API (`…/spine-directory/FHIR/R4`), the
//! alternative to LDAP ([`crate::sds`]) for finding the Spine's endpoint for an interaction.
//!
//! [`SdsFhirClient::find_endpoint`] makes the two searches `docs/facts/sds-fhir.md` describes —
//! `GET /Device` (the accredited system: ASID and party key), then `GET /Endpoint` for that
//! party key (the address) — with the queries of [`vmcheck_core::sds_fhir`], and resolves the
//! Bundles with the same core functions as LDAP results, so the answer is the same
//! [`SpineEndpoint`] and the failures the same [`SdsError`]s: none, several, incomplete,
//! unreachable, timed out, TLS. HTTP-only failures have their own variants
//! ([`SdsError::Refused`], [`SdsError::ApiKeyRefused`], [`SdsError::Http`]).
//!
//! Every request carries the application's API key in the `apikey` header, `Accept:
//! application/fhir+json` and a fresh `X-Correlation-ID`. Answers go through
//! [`crate::http::receive`]: redirects are never followed and bodies are capped. The timeout
//! applies to connecting and to each request. With a CA bundle the client trusts exactly its
//! CAs and speaks only `https://`; without one it trusts the system's web roots.
//!
//! [`SdsDirectory`] is the one type callers hold: LDAP or FHIR, with one `find_endpoint`.
//!
//! It deliberately does not cache (the engine does), retry, look up role profiles (the FHIR API
//! has no person or role search), or log the API key (it never appears in a log line, an error
//! or `Debug` output). No patient data passes through here.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use vmcheck_core::sds::SpineEndpoint;
use vmcheck_core::sds_fhir::{
    device_query, endpoint_query, read_outcome, resolve_device, resolve_endpoint, SdsFhirError,
    API_KEY_HEADER, DEVICE_PATH, ENDPOINT_PATH, FHIR_JSON,
};
use zeroize::Zeroizing;

use crate::http::{self, HttpSettings, TransportError};
use crate::sds::{SdsClient, SdsError, AS_SEARCH, MHS_SEARCH};

/// The service named in transport errors.
const SERVICE: &str = "the Spine directory (SDS FHIR API)";

/// A client for the SDS FHIR API. Cheap to clone (connections are pooled and shared).
#[derive(Clone)]
pub struct SdsFhirClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Arc<Zeroizing<String>>,
    timeout: Duration,
    max_body_bytes: usize,
}

impl std::fmt::Debug for SdsFhirClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdsFhirClient")
            .field("base_url", &self.base_url)
            .field("api_key", &"***")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SdsFhirClient {
    /// A client for the API at `base_url` (e.g.
    /// `https://int.api.service.nhs.uk/spine-directory/FHIR/R4`) sending `api_key`, with
    /// `timeout` for connecting and for each request, and the default body cap.
    ///
    /// Fails with [`SdsError::InvalidUrl`] when `base_url` is not an `http(s)://` URL with a
    /// host.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Result<Self, SdsError> {
        Self::build(
            base_url,
            api_key,
            timeout,
            None,
            http::DEFAULT_MAX_BODY_BYTES,
        )
    }

    /// Trusts exactly the CA certificates in `pem` (PEM `CERTIFICATE` blocks) instead of the
    /// system's web roots, and refuses `http://` (a CA bundle means TLS is expected).
    pub fn with_ca_bundle(self, pem: &[u8]) -> Result<Self, SdsError> {
        let invalid = |reason: String| SdsError::InvalidCaBundle { reason };
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("it is not valid PEM ({e})")))?;
        if certs.is_empty() {
            return Err(invalid(
                "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
            ));
        }
        let mut roots = RootCertStore::empty();
        for (i, cert) in certs.into_iter().enumerate() {
            roots
                .add(cert)
                .map_err(|e| invalid(format!("certificate {} cannot be used ({e})", i + 1)))?;
        }
        Self::build(
            &self.base_url,
            &self.api_key,
            self.timeout,
            Some(roots),
            self.max_body_bytes,
        )
    }

    /// Caps answer bodies at `max` bytes (default [`http::DEFAULT_MAX_BODY_BYTES`]).
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    fn build(
        base_url: &str,
        api_key: &str,
        timeout: Duration,
        roots: Option<RootCertStore>,
        max_body_bytes: usize,
    ) -> Result<Self, SdsError> {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).ok();
        let usable = parsed.as_ref().is_some_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.query().is_none()
        });
        if !usable {
            return Err(SdsError::InvalidUrl {
                url: base_url,
                reason: "it must be an http:// or https:// base URL such as \
                         https://api.service.nhs.uk/spine-directory/FHIR/R4"
                    .to_owned(),
            });
        }
        let settings = HttpSettings {
            connect: timeout,
            request: timeout,
            max_body_bytes,
        };
        let setup = |problem: TransportError| SdsError::Http {
            url: base_url.clone(),
            operation: "connection setup",
            problem: Box::new(problem),
        };
        let http = match roots {
            None => http::client(settings).map_err(setup)?,
            Some(roots) => {
                let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| setup(TransportError::Setup(e.to_string())))?
                .with_root_certificates(roots)
                .with_no_client_auth();
                http::client_with_tls(settings, config).map_err(setup)?
            }
        };
        Ok(Self {
            http,
            base_url,
            api_key: Arc::new(Zeroizing::new(api_key.to_owned())),
            timeout,
            max_body_bytes,
        })
    }

    /// The API's base URL.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    /// The timeout for connecting and for each request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Finds the endpoint of `interaction` on the system registered under `spine_ods_code`
    /// (for the Spine, `YES`): the Device's ASID and party key, then the Endpoint's address for
    /// that party key.
    pub async fn find_endpoint(
        &self,
        spine_ods_code: &str,
        interaction: &str,
    ) -> Result<SpineEndpoint, SdsError> {
        let body = self
            .search(
                DEVICE_PATH,
                AS_SEARCH,
                &device_query(spine_ods_code, interaction),
            )
            .await?;
        let system = resolve_device(spine_ods_code, interaction, &body)
            .map_err(|e| self.read(AS_SEARCH, e))?;
        let body = self
            .search(
                ENDPOINT_PATH,
                MHS_SEARCH,
                &endpoint_query(spine_ods_code, interaction, &system.party_key),
            )
            .await?;
        resolve_endpoint(&system, interaction, &body).map_err(|e| self.read(MHS_SEARCH, e))
    }

    fn read(&self, operation: &'static str, e: SdsFhirError) -> SdsError {
        match e {
            SdsFhirError::Lookup(e) => SdsError::Lookup(e),
            SdsFhirError::Bundle(problem) => {
                tracing::debug!(%problem, operation, "unreadable SDS FHIR answer");
                SdsError::BadReply {
                    url: self.base_url.clone(),
                    operation,
                }
            }
        }
    }

    /// One search: the 200 answer's body, or the error its status or transport means.
    async fn search(
        &self,
        path: &str,
        operation: &'static str,
        query: &[(&'static str, String)],
    ) -> Result<Vec<u8>, SdsError> {
        let correlation = uuid::Uuid::new_v4().to_string();
        tracing::debug!(path, correlation_id = %correlation, "SDS FHIR search");
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .query(query)
            .header(API_KEY_HEADER, self.api_key.as_str())
            .header(reqwest::header::ACCEPT, FHIR_JSON)
            .header("X-Correlation-ID", &correlation)
            .send()
            .await
            .map_err(|e| self.transport(operation, TransportError::from_reqwest(SERVICE, &e)))?;
        let received = http::receive(SERVICE, response, self.max_body_bytes)
            .await
            .map_err(|e| self.transport(operation, e))?;
        match received.status {
            200 => Ok(received.body),
            status @ (401 | 403) => Err(SdsError::ApiKeyRefused {
                url: self.base_url.clone(),
                status,
            }),
            status => {
                let reason = match read_outcome(&received.body) {
                    Some((code, details, diagnostics)) => [Some(code), details, diagnostics]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(": "),
                    None => http::excerpt(&received.body),
                };
                Err(SdsError::Refused {
                    url: self.base_url.clone(),
                    operation,
                    status,
                    reason,
                })
            }
        }
    }

    fn transport(&self, operation: &'static str, e: TransportError) -> SdsError {
        let url = self.base_url.clone();
        match e {
            TransportError::Connect { detail, .. } => SdsError::Unreachable {
                url,
                reason: detail,
            },
            TransportError::Timeout { .. } => SdsError::TimedOut {
                url,
                operation,
                timeout: self.timeout,
            },
            TransportError::Tls { problem, .. } => SdsError::Tls { url, problem },
            TransportError::Broken { detail, .. } => SdsError::ConnectionLost {
                url,
                operation,
                reason: detail,
            },
            problem @ (TransportError::Setup(_)
            | TransportError::Redirected { .. }
            | TransportError::TooLarge { .. }) => SdsError::Http {
                url,
                operation,
                problem: Box::new(problem),
            },
        }
    }
}

/// The Spine directory as configured: over LDAP or through the SDS FHIR API.
#[derive(Debug, Clone)]
pub enum SdsDirectory {
    /// SDS over LDAP.
    Ldap(SdsClient),
    /// The SDS FHIR API.
    Fhir(SdsFhirClient),
}

impl SdsDirectory {
    /// Finds the endpoint of `interaction` on the system registered under `spine_ods_code`.
    pub async fn find_endpoint(
        &self,
        spine_ods_code: &str,
        interaction: &str,
    ) -> Result<SpineEndpoint, SdsError> {
        match self {
            Self::Ldap(c) => c.find_endpoint(spine_ods_code, interaction).await,
            Self::Fhir(c) => c.find_endpoint(spine_ods_code, interaction).await,
        }
    }

    /// The directory's address.
    pub fn url(&self) -> &str {
        match self {
            Self::Ldap(c) => c.url(),
            Self::Fhir(c) => c.url(),
        }
    }
}

impl From<SdsClient> for SdsDirectory {
    fn from(c: SdsClient) -> Self {
        Self::Ldap(c)
    }
}

impl From<SdsFhirClient> for SdsDirectory {
    fn from(c: SdsFhirClient) -> Self {
        Self::Fhir(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_base_urls_are_usable() {
        for url in [
            "https://api.service.nhs.uk/spine-directory/FHIR/R4",
            "http://127.0.0.1:8080/spine-directory/FHIR/R4/",
        ] {
            let client = SdsFhirClient::new(url, "k", Duration::from_secs(1)).expect(url);
            assert!(!client.url().ends_with('/'), "{url}");
        }
        for url in [
            "ldap://sds:389",
            "api.service.nhs.uk/spine-directory",
            "https://",
            "https://h/x?organization=1",
            "",
        ] {
            let got = SdsFhirClient::new(url, "k", Duration::from_secs(1));
            assert!(
                matches!(got, Err(SdsError::InvalidUrl { .. })),
                "{url}: {got:?}"
            );
        }
    }

    #[test]
    fn the_api_key_never_shows_in_debug_output() {
        let client = SdsFhirClient::new(
            "https://sds.example/FHIR/R4",
            "s3cr3t-key",
            Duration::from_secs(1),
        )
        .expect("client");
        let shown = format!("{client:?} {:?}", SdsDirectory::from(client.clone()));
        assert!(!shown.contains("s3cr3t-key"), "{shown}");
        assert!(shown.contains("https://sds.example/FHIR/R4"), "{shown}");
    }

    #[test]
    fn http_errors_read_plainly() {
        let cases = [
            (
                SdsError::Refused {
                    url: "https://sds/FHIR/R4".into(),
                    operation: AS_SEARCH,
                    status: 400,
                    reason: "required: BAD_REQUEST: Illegal query parameter 'x'".into(),
                },
                "The Spine directory at https://sds/FHIR/R4 refused the accredited system search \
                 with HTTP 400 (required: BAD_REQUEST: Illegal query parameter 'x').",
                false,
            ),
            (
                SdsError::Refused {
                    url: "https://sds/FHIR/R4".into(),
                    operation: MHS_SEARCH,
                    status: 503,
                    reason: String::new(),
                },
                "The Spine directory at https://sds/FHIR/R4 refused the message handling system \
                 search with HTTP 503.",
                true,
            ),
            (
                SdsError::ApiKeyRefused {
                    url: "https://sds/FHIR/R4".into(),
                    status: 401,
                },
                "The Spine directory at https://sds/FHIR/R4 did not accept this system's API key \
                 (HTTP 401). Check the API key stored in the keyring (sds.api_key_secret) for \
                 this environment.",
                false,
            ),
            (
                SdsError::Http {
                    url: "https://sds/FHIR/R4".into(),
                    operation: AS_SEARCH,
                    problem: Box::new(TransportError::TooLarge {
                        service: SERVICE,
                        limit: 1024,
                    }),
                },
                "The Spine directory at https://sds/FHIR/R4 could not be used for the accredited \
                 system search: the Spine directory (SDS FHIR API) sent an answer larger than \
                 1024 bytes, far larger than any real answer; it was not read.",
                false,
            ),
        ];
        for (err, want, retryable) in cases {
            assert_eq!(err.to_string(), want);
            assert_eq!(err.is_retryable(), retryable, "{err}");
        }
    }
}
