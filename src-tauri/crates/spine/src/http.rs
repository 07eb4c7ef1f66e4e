//! What the HTTP adapters share: one pooled client per adapter (connections are reused across
//! lookups), timeouts, and turning transport failures into plain words.

use std::time::Duration;

use crate::tls::TlsProblem;

/// Timeouts of one HTTP adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// TCP + TLS connection establishment.
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the body.
    pub request: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(15),
        }
    }
}

fn builder(timeouts: HttpTimeouts) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("vmcheck/", env!("CARGO_PKG_VERSION")))
}

/// Builds the pooled client an adapter keeps for its lifetime.
pub fn client(timeouts: HttpTimeouts) -> Result<reqwest::Client, TransportError> {
    builder(timeouts)
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))
}

/// Builds the pooled client with a TLS configuration of our own (mutual TLS, the Spine's CAs,
/// the cipher-suite order: see [`crate::tls::client_config`]). reqwest uses it as it is, so
/// the TLS 1.2 minimum is the configuration's. It refuses `http://` addresses
/// ([`TlsProblem::NotHttps`]): mutual TLS must not be skipped silently.
pub fn client_with_tls(
    timeouts: HttpTimeouts,
    tls: rustls::ClientConfig,
) -> Result<reqwest::Client, TransportError> {
    builder(timeouts)
        .use_preconfigured_tls(tls)
        .https_only(true)
        .build()
        .map_err(|e| TransportError::Setup(e.to_string()))
}

/// A failure below HTTP: nothing usable came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The HTTP client could not be set up (TLS configuration).
    #[error("the secure connection settings could not be prepared ({0})")]
    Setup(String),
    /// No connection could be made (refused, unreachable, DNS, TLS handshake).
    #[error("could not connect to {service} ({detail})")]
    Connect {
        /// Which service.
        service: &'static str,
        /// What the network layer said.
        detail: String,
    },
    /// No complete answer within the time allowed.
    #[error("{service} did not answer in time")]
    Timeout {
        /// Which service.
        service: &'static str,
    },
    /// The TLS handshake failed, or the server ended the connection with a TLS alert (in
    /// TLS 1.3 a refused client certificate is only reported once the request is sent).
    #[error("the secure connection to {service} could not be made: {problem}")]
    Tls {
        /// Which service.
        service: &'static str,
        /// What is wrong, in words for IT.
        problem: TlsProblem,
    },
    /// The connection broke during the exchange (reset, closed early, body cut short).
    #[error("the connection to {service} broke before the whole answer arrived ({detail})")]
    Broken {
        /// Which service.
        service: &'static str,
        /// What the network layer said.
        detail: String,
    },
}

impl TransportError {
    /// Whether trying again could help.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Setup(_) | Self::Tls { .. })
    }

    /// Classifies a reqwest error; a TLS failure anywhere in its causes is [`Self::Tls`].
    pub fn from_reqwest(service: &'static str, e: &reqwest::Error) -> Self {
        if let Some(problem) = TlsProblem::find(e) {
            return Self::Tls { service, problem };
        }
        // Only a client built by `client_with_tls` (https only) refuses an http:// URL.
        if e.is_builder() && e.url().is_some_and(|u| u.scheme() == "http") {
            return Self::Tls {
                service,
                problem: TlsProblem::NotHttps,
            };
        }
        let detail = innermost(e);
        if e.is_timeout() {
            Self::Timeout { service }
        } else if e.is_connect() {
            Self::Connect { service, detail }
        } else {
            Self::Broken { service, detail }
        }
    }
}

/// The deepest cause's text: reqwest's own message is generic ("error sending request").
/// URLs are stripped because ours carry NHS numbers in the query.
fn innermost(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let text = source.to_string();
    match text.find("http") {
        Some(i) if text[i..].contains('?') => text[..i].trim_end().to_owned(),
        _ => text,
    }
}

/// A short, safe excerpt of a non-FHIR body for the service desk (HTML tags removed).
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let joined = words.join(" ");
    joined.chars().take(160).collect()
}
