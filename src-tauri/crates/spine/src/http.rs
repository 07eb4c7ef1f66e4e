//! What the HTTP adapters share: one pooled client per adapter (connections are reused across
//! lookups), timeouts, a cap on every response body, no redirects, and turning transport
//! failures into plain words.
//!
//! Every answer from PDS, Spine and the token service goes through [`receive`]: a redirect is an
//! error naming its status and target host (never followed: a request carrying a patient's NHS
//! number and an audit token must not be sent somewhere else), and the body is read as a stream
//! and stopped at [`HttpSettings::max_body_bytes`] — a huge answer fails as soon as the cap is
//! passed, with memory flat. No compression is asked for or accepted (reqwest is built without
//! its decompression features), so the cap is the size of what is decoded.

use std::time::Duration;

use crate::tls::TlsProblem;

/// The default cap on a response body: 2 MiB, hundreds of times any V&M or PDS answer.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Timeouts and limits of one HTTP adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// TCP + TLS connection establishment.
    pub connect: Duration,
    /// The whole request, from sending to the last byte of the body.
    pub request: Duration,
    /// The largest response body read; a larger one is [`TransportError::TooLarge`].
    pub max_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(15),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

fn builder(timeouts: HttpSettings) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("vmcheck/", env!("CARGO_PKG_VERSION")))
}

/// An answer read within the limits: status, headers and the whole body.
#[derive(Debug)]
pub struct Received {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body (at most the cap).
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value as text.
    pub fn header(&self, name: reqwest::header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The server's clock from an answer's `Date` header, when it reads as an HTTP date.
pub fn server_date(received: &Received) -> Option<std::time::SystemTime> {
    received
        .header(reqwest::header::DATE)
        .and_then(|d| httpdate::parse_http_date(d).ok())
}

/// Reads an answer: a redirect is refused ([`TransportError::Redirected`]), and the body is
/// streamed and cut off past `max_body_bytes` ([`TransportError::TooLarge`]) — a declared
/// `Content-Length` over the cap is refused before any of the body is read.
pub async fn receive(
    service: &'static str,
    mut response: reqwest::Response,
    max_body_bytes: usize,
) -> Result<Received, TransportError> {
    let status = response.status();
    if status.is_redirection() {
        let target = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(redirect_host)
            .unwrap_or_else(|| "nowhere (no Location header)".to_owned());
        return Err(TransportError::Redirected {
            service,
            status: status.as_u16(),
            target,
        });
    }
    let too_large = || TransportError::TooLarge {
        service,
        limit: max_body_bytes,
    };
    if response
        .content_length()
        .is_some_and(|n| n > max_body_bytes as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(0))
            .unwrap_or(0)
            .min(max_body_bytes),
    );
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::from_reqwest(service, &e))?
    {
        if body.len() + chunk.len() > max_body_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received {
        status: status.as_u16(),
        headers: std::mem::take(response.headers_mut()),
        body,
    })
}

/// The host a `Location` points at (a relative one stays on the same host), never its path or
/// query (they may carry patient data).
fn redirect_host(location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => "an address without a host".to_owned(),
        },
        Err(_) => "the same server (a relative address)".to_owned(),
    }
}

/// Builds the pooled client an adapter keeps for its lifetime.
pub fn client(timeouts: HttpSettings) -> Result<reqwest::Client, TransportError> {
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
    timeouts: HttpSettings,
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
    /// The server answered with a redirect (3xx), which is never followed.
    #[error("{service} answered with a redirect (HTTP {status}) to {target}, which V&M Check does not follow")]
    Redirected {
        /// Which service.
        service: &'static str,
        /// The 3xx status.
        status: u16,
        /// The host the redirect pointed at (never the path or query).
        target: String,
    },
    /// The answer's body is larger than the configured cap; reading stopped there.
    #[error("{service} sent an answer larger than {limit} bytes, far larger than any real answer; it was not read")]
    TooLarge {
        /// Which service.
        service: &'static str,
        /// The cap in bytes.
        limit: usize,
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
        !matches!(
            self,
            Self::Setup(_) | Self::Tls { .. } | Self::Redirected { .. } | Self::TooLarge { .. }
        )
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

/// A `Content-Type`'s media type without its parameters, in lower case
/// (`Application/FHIR+JSON; charset=utf-8` → `application/fhir+json`).
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_names_only_the_host() {
        assert_eq!(
            redirect_host("https://evil.example.org:8443/Patient/9434765919?x=1"),
            "evil.example.org:8443"
        );
        assert_eq!(
            redirect_host("http://other.example.org/a"),
            "other.example.org"
        );
        assert_eq!(
            redirect_host("/Observation?subject=9434765919"),
            "the same server (a relative address)"
        );
    }
}
