//! Faults the sandbox can inject, so that a client's handling of a broken network, a broken
//! proxy or a hostile peer can be tested and demonstrated. Eighteen classes:
//!
//! | text | what the client sees | where |
//! |---|---|---|
//! | `latency:300ms` | the answer, late | V&M, PDS, per patient |
//! | `500` | a plain-text 500 | V&M, PDS, per patient |
//! | `html502` | a proxy's HTML 502 page | V&M, PDS, per patient |
//! | `reset` | the connection reset (RST) before any answer | V&M, PDS, per patient |
//! | `truncated` | half the promised body, then the connection closes | V&M, PDS, per patient |
//! | `wrong-content-type` | the answer labelled `text/plain` | V&M, PDS, per patient |
//! | `slow-drip:200ms` | the answer in 256-byte chunks, this long apart | V&M, PDS, per patient |
//! | `hang` | nothing at all, until the client gives up | V&M, PDS, per patient |
//! | `closed` | the connection closed (FIN) without a response | V&M, PDS, per patient |
//! | `oversized` | a 200 MB body, streamed without a `Content-Length` | V&M, PDS, per patient |
//! | `redirect` | a 302 to another host | V&M, PDS, per patient |
//! | `429:2s` | 429 Too Many Requests with `Retry-After` | V&M, PDS, per patient |
//! | `deep-json` | a 200 whose JSON is nested 100,000 levels deep | V&M, PDS, per patient |
//! | `deep-xml` | a 200 whose XML is nested 100,000 levels deep | V&M, PDS, per patient |
//! | `refused` | connection refused: SDS points at a closed port | V&M, per run |
//! | `tls-failure` | SDS points at an `https://` port that ends every handshake with a `handshake_failure` alert | V&M, per run |
//! | `sds-down` | the directory closes every connection at once | SDS, per run |
//! | `sds-slow:6s` | every directory search answered this late | SDS, per run |
//!
//! A fault is chosen run-wide ([`crate::SandboxOptions::fault`], [`crate::Sandbox::set_fault`],
//! [`crate::Sandbox::set_pds_fault`]) or per test patient (`TestPatient::fault`);
//! `deliver` turns the answer the sandbox would have given into the faulty one, and the
//! directory and LDAP server apply the last four. The textual form is what the command line
//! takes and what [`Fault`] serialises to.
//!
//! It deliberately does not decide *when* a fault applies (the servers do), and does not fake
//! DNS errors.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::server::{ConnCtl, Reply};

/// One way for an answer to go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// A plain-text `500 Internal Server Error` (not FHIR).
    Status500,
    /// A `502 Bad Gateway` HTML page, as a reverse proxy sends when the service behind it is down.
    HtmlBadGateway,
    /// Accept the request, then reset the TCP connection without sending any response.
    ConnectionReset,
    /// The normal status and headers, a `Content-Length` promising the whole body, half the body,
    /// then the connection is closed.
    TruncatedBody,
    /// The normal answer, but labelled `text/plain`.
    WrongContentType,
    /// The normal answer with its body sent in small chunks, this long between chunks.
    SlowDrip(Duration),
    /// Accept the request and never answer (until the sandbox stops).
    Hang,
    /// Accept the request, then close the connection (FIN, not RST) without a response.
    Closed,
    /// A `200` with a FHIR content type and a [`OVERSIZED_BYTES`] body, streamed without a
    /// `Content-Length`.
    Oversized,
    /// A `302 Found` to [`REDIRECT_HOST`].
    Redirect,
    /// `429 Too Many Requests` with `Retry-After` in whole seconds.
    RateLimited(Duration),
    /// A `200` whose FHIR JSON is nested [`DEEP_LEVELS`] levels deep.
    DeepJson,
    /// A `200` whose FHIR XML is nested [`DEEP_LEVELS`] levels deep.
    DeepXml,
    /// Per run, V&M: the directory gives an endpoint on a closed port (connection refused).
    Refused,
    /// Per run, V&M: the directory gives an `https://` endpoint whose server ends every TLS
    /// handshake with a `handshake_failure` alert.
    TlsFailure,
    /// Per run: the directory closes every connection as soon as it is made.
    SdsDown,
    /// Per run: every directory search is answered this late.
    SdsSlow(Duration),
}

/// Which service a run-wide fault belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTarget {
    /// The V&M endpoint (and, for `refused` and `tls-failure`, the endpoint SDS gives).
    Vandm,
    /// The SDS directory.
    Sds,
}

/// The size of a [`Fault::Oversized`] body: 200 MB.
pub const OVERSIZED_BYTES: usize = 200 * 1024 * 1024;

/// The nesting of [`Fault::DeepJson`] and [`Fault::DeepXml`] bodies.
pub const DEEP_LEVELS: usize = 100_000;

/// Where [`Fault::Redirect`] sends the client (a host that does not exist).
pub const REDIRECT_HOST: &str = "elsewhere.invalid";

/// How long [`Fault::Hang`] waits before giving up on the client: longer than any timeout.
const HANG: Duration = Duration::from_secs(3600);

/// Size of one chunk of a [`Fault::SlowDrip`] body.
pub const SLOW_DRIP_CHUNK: usize = 256;

/// The body of the [`Fault::HtmlBadGateway`] answer: a typical reverse-proxy error page.
pub const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

impl Fault {
    /// The fault's name without its parameter: `latency`, `500`, `html502`, `reset`,
    /// `truncated`, `wrong-content-type`, `slow-drip`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Latency(_) => "latency",
            Self::Status500 => "500",
            Self::HtmlBadGateway => "html502",
            Self::ConnectionReset => "reset",
            Self::TruncatedBody => "truncated",
            Self::WrongContentType => "wrong-content-type",
            Self::SlowDrip(_) => "slow-drip",
            Self::Hang => "hang",
            Self::Closed => "closed",
            Self::Oversized => "oversized",
            Self::Redirect => "redirect",
            Self::RateLimited(_) => "429",
            Self::DeepJson => "deep-json",
            Self::DeepXml => "deep-xml",
            Self::Refused => "refused",
            Self::TlsFailure => "tls-failure",
            Self::SdsDown => "sds-down",
            Self::SdsSlow(_) => "sds-slow",
        }
    }

    /// Which service a run-wide fault is applied to.
    pub fn target(&self) -> FaultTarget {
        match self {
            Self::SdsDown | Self::SdsSlow(_) => FaultTarget::Sds,
            _ => FaultTarget::Vandm,
        }
    }

    /// Every fault class, with a representative parameter.
    pub fn classes() -> Vec<Fault> {
        vec![
            Self::Latency(Duration::from_millis(300)),
            Self::Status500,
            Self::HtmlBadGateway,
            Self::ConnectionReset,
            Self::TruncatedBody,
            Self::WrongContentType,
            Self::SlowDrip(Duration::from_millis(200)),
            Self::Hang,
            Self::Closed,
            Self::Oversized,
            Self::Redirect,
            Self::RateLimited(Duration::from_secs(2)),
            Self::DeepJson,
            Self::DeepXml,
            Self::Refused,
            Self::TlsFailure,
            Self::SdsDown,
            Self::SdsSlow(Duration::from_secs(6)),
        ]
    }

    /// The error code V&M Check reports when this fault stops a lookup (`vmcheck lookup
    /// --json` → `error.code`), for the patient list.
    pub fn client_code(&self) -> &'static str {
        match self {
            Self::Status500 | Self::HtmlBadGateway => "SPINE_HTTP_ERROR",
            Self::ConnectionReset | Self::TruncatedBody | Self::Closed => "SPINE_CONNECTION_BROKEN",
            Self::WrongContentType | Self::DeepJson | Self::DeepXml => "SPINE_UNREADABLE_RESPONSE",
            Self::Latency(_) | Self::SlowDrip(_) | Self::Hang => "SPINE_TIMEOUT",
            Self::Oversized => "SPINE_RESPONSE_TOO_LARGE",
            Self::Redirect => "SPINE_REDIRECTED",
            Self::RateLimited(_) => "SPINE_RATE_LIMITED",
            Self::Refused => "SPINE_UNREACHABLE",
            Self::TlsFailure => "SPINE_TLS_FAILED",
            Self::SdsDown | Self::SdsSlow(_) => "SDS_LOOKUP_FAILED",
        }
    }

    /// Whether a client that waits long enough still gets a complete, correct answer (latency
    /// and slow drip), as opposed to a failure it must report.
    pub fn still_answers(&self) -> bool {
        matches!(self, Self::Latency(_) | Self::SlowDrip(_))
    }
}

/// Why a fault's textual form was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown fault '{0}': expected latency:<n>ms, 500, html502, reset, truncated, \
     wrong-content-type, slow-drip:<n>ms, hang, closed, oversized, redirect, 429:<n>s, \
     deep-json, deep-xml, refused, tls-failure, sds-down or sds-slow:<n>s \
     (durations in ms or s)"
)]
pub struct FaultParseError(String);

fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.trim().parse().ok().map(Duration::from_millis);
    }
    if let Some(s) = text.strip_suffix('s') {
        return s.trim().parse().ok().map(Duration::from_secs);
    }
    None
}

fn format_duration(d: Duration, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if d.as_secs() > 0 && d.subsec_nanos() == 0 {
        write!(f, "{}s", d.as_secs())
    } else {
        write!(f, "{}ms", d.as_millis())
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, arg) = match lower.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (lower.as_str(), None),
        };
        let err = || FaultParseError(s.to_owned());
        match (name, arg) {
            ("latency", Some(a)) => parse_duration(a).map(Self::Latency).ok_or_else(err),
            ("slow-drip", Some(a)) => parse_duration(a).map(Self::SlowDrip).ok_or_else(err),
            ("500", None) => Ok(Self::Status500),
            ("html502", None) => Ok(Self::HtmlBadGateway),
            ("reset", None) => Ok(Self::ConnectionReset),
            ("truncated", None) => Ok(Self::TruncatedBody),
            ("wrong-content-type", None) => Ok(Self::WrongContentType),
            ("hang", None) => Ok(Self::Hang),
            ("closed", None) => Ok(Self::Closed),
            ("oversized", None) => Ok(Self::Oversized),
            ("redirect", None) => Ok(Self::Redirect),
            ("429", Some(a)) => parse_duration(a)
                .filter(|d| d.subsec_nanos() == 0)
                .map(Self::RateLimited)
                .ok_or_else(err),
            ("deep-json", None) => Ok(Self::DeepJson),
            ("deep-xml", None) => Ok(Self::DeepXml),
            ("refused", None) => Ok(Self::Refused),
            ("tls-failure", None) => Ok(Self::TlsFailure),
            ("sds-down", None) => Ok(Self::SdsDown),
            ("sds-slow", Some(a)) => parse_duration(a).map(Self::SdsSlow).ok_or_else(err),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::Latency(d) | Self::SlowDrip(d) | Self::RateLimited(d) | Self::SdsSlow(d) => {
                f.write_str(":")?;
                format_duration(*d, f)
            }
            _ => Ok(()),
        }
    }
}

impl serde::Serialize for Fault {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn plain(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A body that sends `chunks`, waiting `pause` before each one after the first, and (when
/// `hang_up`) waits a moment after the last so that what was sent is flushed before the stream
/// ends early.
fn paced_body(chunks: Vec<Bytes>, pause: Duration, hang_up: bool) -> Body {
    let stream = futures::stream::unfold(
        (chunks.into_iter(), true),
        move |(mut it, first)| async move {
            let next = it.next();
            if !first && (next.is_some() || hang_up) {
                tokio::time::sleep(pause).await;
            }
            next.map(|chunk| (Ok::<Bytes, std::io::Error>(chunk), (it, false)))
        },
    );
    Body::from_stream(stream)
}

/// Which server is answering (the faulty bodies take its media types and error shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// PDS FHIR R4.
    Pds,
    /// The V&M endpoint (FHIR DSTU2).
    Vandm,
}

impl Service {
    fn json_type(self) -> &'static str {
        match self {
            Self::Pds => "application/fhir+json",
            Self::Vandm => "application/json+fhir",
        }
    }

    fn xml_type(self) -> &'static str {
        match self {
            Self::Pds => "application/fhir+xml",
            Self::Vandm => "application/xml+fhir",
        }
    }
}

/// A body streamed in `chunk`-sized pieces of `fill`, `total` bytes in all after `head`, so that
/// it costs no memory however large it is.
fn generated_body(head: &'static [u8], total: usize, tail: &'static [u8]) -> Body {
    static FILL: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let chunks = total / FILL.len();
    let stream = futures::stream::iter(
        std::iter::once(Bytes::from_static(head))
            .chain(std::iter::repeat_n(Bytes::from_static(&FILL), chunks))
            .chain(std::iter::once(Bytes::from_static(tail)))
            .map(Ok::<Bytes, std::io::Error>),
    );
    Body::from_stream(stream)
}

/// A FHIR resource nested [`DEEP_LEVELS`] levels deep, in JSON.
pub fn deep_json() -> Vec<u8> {
    let mut body = String::with_capacity(DEEP_LEVELS * 8 + 64);
    body.push_str(r#"{"resourceType":"Bundle","type":"searchset","entry":"#);
    for _ in 0..DEEP_LEVELS {
        body.push_str(r#"[{"a":"#);
    }
    body.push('1');
    for _ in 0..DEEP_LEVELS {
        body.push_str("}]");
    }
    body.push('}');
    body.into_bytes()
}

/// A FHIR resource nested [`DEEP_LEVELS`] levels deep, in XML.
pub fn deep_xml() -> Vec<u8> {
    let mut body = String::with_capacity(DEEP_LEVELS * 8 + 64);
    body.push_str(r#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/>"#);
    for _ in 0..DEEP_LEVELS {
        body.push_str("<entry>");
    }
    for _ in 0..DEEP_LEVELS {
        body.push_str("</entry>");
    }
    body.push_str("</Bundle>");
    body.into_bytes()
}

fn rate_limited(service: Service, retry_after: Duration) -> Response {
    let mut response = match service {
        Service::Pds => plain(
            StatusCode::TOO_MANY_REQUESTS,
            "application/fhir+json",
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"throttled","details":{"coding":[{"system":"https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode","version":"1","code":"TOO_MANY_REQUESTS","display":"Too many requests"}]},"diagnostics":"Your app has exceeded its rate limit."}]}"#,
        ),
        Service::Vandm => plain(
            StatusCode::TOO_MANY_REQUESTS,
            "text/plain; charset=utf-8",
            "Too Many Requests",
        ),
    };
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after.as_secs()),
    );
    response
}

/// Sends `reply` as it is, or as `fault` spoils it. The per-run faults that act on the
/// directory (`refused`, `tls-failure`, `sds-down`, `sds-slow`) leave the answer alone.
pub(crate) async fn deliver(
    reply: Reply,
    fault: Option<Fault>,
    conn: &ConnCtl,
    service: Service,
) -> Response {
    let Some(fault) = fault else {
        return reply.into_response();
    };
    tracing::debug!(fault = fault.name(), "injecting fault");
    match fault {
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            reply.into_response()
        }
        Fault::Status500 => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "Internal Server Error",
        ),
        Fault::HtmlBadGateway => plain(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_PAGE),
        Fault::ConnectionReset => {
            // The connection fails as soon as the server tries to write this answer.
            conn.reset();
            reply.into_response()
        }
        Fault::Closed => {
            // The connection is closed (FIN) when the server tries to write this answer.
            conn.close();
            reply.into_response()
        }
        Fault::Hang => {
            conn.until_shutdown(tokio::time::sleep(HANG)).await;
            reply.into_response()
        }
        Fault::TruncatedBody => {
            let full = reply.body.len();
            let sent = Bytes::copy_from_slice(&reply.body[..full / 2]);
            let mut response = reply.into_response();
            *response.body_mut() = paced_body(vec![sent], Duration::from_millis(50), true);
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
            response
        }
        Fault::WrongContentType => {
            let mut response = reply.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        Fault::SlowDrip(pause) => {
            let full = reply.body.len();
            let chunks: Vec<Bytes> = reply
                .body
                .chunks(SLOW_DRIP_CHUNK)
                .map(Bytes::copy_from_slice)
                .collect();
            let mut response = reply.into_response();
            *response.body_mut() = paced_body(chunks, pause, false);
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
            response
        }
        Fault::Oversized => {
            let mut response = Response::new(generated_body(
                br#"{"resourceType":"Bundle","type":"searchset","entry":[],"padding":""#,
                OVERSIZED_BYTES,
                br#""}"#,
            ));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(service.json_type()),
            );
            response
        }
        Fault::Redirect => {
            let mut response = plain(StatusCode::FOUND, "text/plain; charset=utf-8", "Found");
            response.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_static("https://elsewhere.invalid/fhir/Observation"),
            );
            response
        }
        Fault::RateLimited(retry_after) => rate_limited(service, retry_after),
        Fault::DeepJson => {
            Reply::new(StatusCode::OK, service.json_type(), deep_json()).into_response()
        }
        Fault::DeepXml => {
            Reply::new(StatusCode::OK, service.xml_type(), deep_xml()).into_response()
        }
        Fault::Refused | Fault::TlsFailure | Fault::SdsDown | Fault::SdsSlow(_) => {
            reply.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textual_forms_round_trip() {
        for (text, fault) in [
            ("latency:300ms", Fault::Latency(Duration::from_millis(300))),
            ("latency:2s", Fault::Latency(Duration::from_secs(2))),
            ("500", Fault::Status500),
            ("html502", Fault::HtmlBadGateway),
            ("reset", Fault::ConnectionReset),
            ("truncated", Fault::TruncatedBody),
            ("wrong-content-type", Fault::WrongContentType),
            (
                "slow-drip:200ms",
                Fault::SlowDrip(Duration::from_millis(200)),
            ),
            ("hang", Fault::Hang),
            ("closed", Fault::Closed),
            ("oversized", Fault::Oversized),
            ("redirect", Fault::Redirect),
            ("429:2s", Fault::RateLimited(Duration::from_secs(2))),
            ("deep-json", Fault::DeepJson),
            ("deep-xml", Fault::DeepXml),
            ("refused", Fault::Refused),
            ("tls-failure", Fault::TlsFailure),
            ("sds-down", Fault::SdsDown),
            ("sds-slow:6s", Fault::SdsSlow(Duration::from_secs(6))),
        ] {
            assert_eq!(text.parse::<Fault>(), Ok(fault.clone()), "{text}");
            assert_eq!(fault.to_string(), text);
            assert_eq!(
                serde_json::to_value(&fault).expect("serialises"),
                serde_json::Value::String(text.into())
            );
        }
        assert_eq!(
            "Latency:1000ms".parse::<Fault>(),
            Ok(Fault::Latency(Duration::from_secs(1)))
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            "",
            "latency",
            "latency:",
            "latency:fast",
            "slow-drip:10",
            "reset:1s",
            "404",
            "html",
            "429",
            "429:500ms",
            "sds-slow",
            "hang:1s",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
        }
        let message = "nope".parse::<Fault>().expect_err("unknown").to_string();
        assert!(message.contains("slow-drip:<n>ms"), "{message}");
        assert!(message.contains("sds-slow:<n>s"), "{message}");
    }

    #[test]
    fn there_are_eighteen_classes_each_with_its_own_name_and_text() {
        let classes = Fault::classes();
        assert_eq!(classes.len(), 18);
        let names: std::collections::BTreeSet<&str> = classes.iter().map(Fault::name).collect();
        assert_eq!(names.len(), 18);
        for f in classes {
            assert_eq!(f.to_string().parse::<Fault>(), Ok(f.clone()));
        }
    }

    #[test]
    fn hostile_bodies_are_what_they_say() {
        let json = deep_json();
        assert!(json.len() > DEEP_LEVELS * 7);
        assert!(serde_json::from_slice::<serde_json::Value>(&json).is_err());
        let xml = deep_xml();
        assert_eq!(
            xml.windows(7).filter(|w| w == b"<entry>").count(),
            DEEP_LEVELS
        );
    }
}
