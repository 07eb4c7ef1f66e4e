//! Faults the sandbox can inject into its HTTP answers, so that a client's handling of a broken
//! network or a broken proxy can be tested and demonstrated: latency, a plain-text 500, an HTML
//! 502 from a "proxy", a reset connection, a truncated body, a wrong content type and a body that
//! trickles in.
//!
//! A fault is chosen run-wide ([`crate::SandboxOptions::fault`], [`crate::Sandbox::set_fault`])
//! or per test patient ([`crate::TestPatient::fault`]); [`deliver`] turns the answer the sandbox
//! would have given into the faulty one. The textual form (`latency:300ms`, `500`, `html502`,
//! `reset`, `truncated`, `wrong-content-type`, `slow-drip:200ms`) is what the command line takes
//! and what [`Fault`] serialises to.
//!
//! It deliberately does not decide *when* a fault applies (the servers do), and does not fake
//! TLS failures or DNS errors: the sandbox speaks plain HTTP on loopback.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::server::{ConnCtl, Reply};

/// One way for an HTTP answer to go wrong.
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
}

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
        }
    }

    /// The error code V&M Check reports when this fault stops a lookup (`vmcheck lookup
    /// --json` → `error.code`), for the patient list.
    pub fn client_code(&self) -> &'static str {
        match self {
            Self::Status500 | Self::HtmlBadGateway => "SPINE_HTTP_ERROR",
            Self::ConnectionReset | Self::TruncatedBody => "SPINE_CONNECTION_BROKEN",
            Self::WrongContentType => "SPINE_UNREADABLE_RESPONSE",
            Self::Latency(_) | Self::SlowDrip(_) => "SPINE_TIMEOUT",
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
     wrong-content-type or slow-drip:<n>ms (durations in ms or s)"
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
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::Latency(d) | Self::SlowDrip(d) => {
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

/// Sends `reply` as it is, or as `fault` spoils it.
pub(crate) async fn deliver(reply: Reply, fault: Option<Fault>, conn: &ConnCtl) -> Response {
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
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
        }
        let message = "nope".parse::<Fault>().expect_err("unknown").to_string();
        assert!(message.contains("slow-drip:<n>ms"), "{message}");
    }
}
