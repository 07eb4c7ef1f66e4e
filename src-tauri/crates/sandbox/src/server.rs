//! The HTTP plumbing shared by the sandbox's PDS and V&M servers: a listener whose connections
//! can be reset on demand (for [`crate::Fault::ConnectionReset`]) and cut when the sandbox shuts
//! down, the [`Reply`] the servers build before any fault is applied, and small helpers for
//! headers, UUIDs, query strings and timestamps.
//!
//! Each connection is served by hyper (through `axum::serve`); the handler reaches its own
//! connection through [`ConnCtl`] (axum's connect-info). A server may run over TLS
//! ([`crate::tls`]): handshakes run concurrently, beside the accept loop, and only completed
//! ones reach hyper. It deliberately does not speak HTTP/2, and does not route: each server has
//! one handler that reads the path itself, so that what is accepted is exactly what the code
//! says.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// An answer before faults: status, content type, extra headers and the whole body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Other headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A reply with no extra headers.
    pub fn new(status: StatusCode, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP response, `Content-Length` included.
    pub fn into_response(self) -> Response {
        let len = self.body.len();
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        response
    }
}

/// A handle on one accepted connection, given to handlers as connect-info.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnCtl {
    reset: Arc<AtomicBool>,
    close: Arc<AtomicBool>,
    shutdown: CancellationToken,
}

impl ConnCtl {
    /// Makes the connection fail with a TCP reset the next time it is read or written, so the
    /// client never sees a response.
    pub fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
    }

    /// Makes the connection close (FIN) the next time it is written, so the client sees the
    /// connection end without a response.
    pub fn close(&self) {
        self.close.store(true, Ordering::SeqCst);
    }

    /// Runs `work` until it ends or the sandbox shuts down, whichever comes first.
    pub async fn until_shutdown(&self, work: impl Future<Output = ()>) {
        tokio::select! {
            () = work => {}
            () = self.shutdown.cancelled() => {}
        }
    }

    fn is_reset(&self) -> bool {
        self.reset.load(Ordering::SeqCst)
    }

    fn is_closed(&self) -> bool {
        self.close.load(Ordering::SeqCst)
    }
}

/// The byte stream under a [`FaultIo`]: plain TCP, or TLS over TCP.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }
}

/// Delegates to the plain or TLS stream.
macro_rules! each_stream {
    ($stream:expr, $s:ident => $body:expr) => {
        match $stream {
            Stream::Plain($s) => $body,
            Stream::Tls($s) => $body,
        }
    };
}

/// A TCP (or TLS) connection that can be reset from its handler and is cut at shutdown.
pub(crate) struct FaultIo {
    stream: Stream,
    ctl: ConnCtl,
    shutdown: CancellationToken,
    closed: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl FaultIo {
    fn new(stream: Stream, shutdown: CancellationToken) -> Self {
        Self {
            stream,
            ctl: ConnCtl {
                shutdown: shutdown.clone(),
                ..ConnCtl::default()
            },
            closed: Box::pin(shutdown.clone().cancelled_owned()),
            shutdown,
        }
    }

    /// An error when the connection must stop: reset by its handler, or the sandbox shutting
    /// down. Registers for wake-up on shutdown.
    fn stopped(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        if self.ctl.is_reset() {
            // SO_LINGER 0: closing sends RST instead of FIN.
            if let Err(e) = self.stream.tcp().set_zero_linger() {
                tracing::debug!(error = %e, "could not set SO_LINGER");
            }
            return Some(io::ErrorKind::ConnectionReset.into());
        }
        if self.ctl.is_closed() {
            return Some(io::ErrorKind::BrokenPipe.into());
        }
        if self.shutdown.is_cancelled() || self.closed.as_mut().poll(cx).is_ready() {
            return Some(io::ErrorKind::ConnectionAborted.into());
        }
        None
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.stopped(cx) {
            return Poll::Ready(Err(e));
        }
        each_stream!(&mut self.stream, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.stopped(cx) {
            return Poll::Ready(Err(e));
        }
        each_stream!(&mut self.stream, s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.stopped(cx) {
            return Poll::Ready(Err(e));
        }
        each_stream!(&mut self.stream, s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.ctl.is_reset() {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        each_stream!(&mut self.stream, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// TLS handshakes under way, each in its own task (dropped with the listener).
struct Handshakes {
    acceptor: TlsAcceptor,
    pending: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

/// A TCP listener producing [`FaultIo`] connections, over TLS when it has an acceptor.
pub(crate) struct FaultListener {
    inner: TcpListener,
    shutdown: CancellationToken,
    tls: Option<Handshakes>,
}

/// Accepts the next TCP connection, backing off when accepting fails.
async fn accept_tcp(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok((stream, addr)) => {
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
                return (stream, addr);
            }
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::warn!(error = %e, "http accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

impl Listener for FaultListener {
    type Io = FaultIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let Some(tls) = &mut self.tls else {
            let (stream, addr) = accept_tcp(&self.inner).await;
            return (
                FaultIo::new(Stream::Plain(stream), self.shutdown.clone()),
                addr,
            );
        };
        loop {
            // Both branches are cancel-safe: a new connection starts a handshake in its own
            // task, a finished handshake is handed to hyper.
            tokio::select! {
                (stream, addr) = accept_tcp(&self.inner) => {
                    let acceptor = tls.acceptor.clone();
                    tls.pending.spawn(async move {
                        crate::tls::handshake(acceptor, stream).await.map(|s| (s, addr))
                    });
                }
                Some(done) = tls.pending.join_next() => {
                    if let Ok(Some((stream, addr))) = done {
                        return (
                            FaultIo::new(Stream::Tls(Box::new(stream)), self.shutdown.clone()),
                            addr,
                        );
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl Connected<IncomingStream<'_, FaultListener>> for ConnCtl {
    fn connect_info(stream: IncomingStream<'_, FaultListener>) -> Self {
        stream.io().ctl.clone()
    }
}

/// Serves `router` on `listener` (over TLS with `tls`) until `shutdown` is cancelled; open
/// connections are cut then.
pub(crate) fn spawn_http(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    which: &'static str,
    tls: Option<TlsAcceptor>,
) -> JoinHandle<()> {
    let listener = FaultListener {
        inner: listener,
        shutdown: shutdown.clone(),
        tls: tls.map(|acceptor| Handshakes {
            acceptor,
            pending: JoinSet::new(),
        }),
    };
    tokio::spawn(async move {
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<ConnCtl>(),
        )
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
        if let Err(e) = served {
            tracing::warn!(server = which, error = %e, "server stopped with an error");
        }
    })
}

/// A TLS record: alert, TLS 1.2, two bytes, fatal `handshake_failure` (40).
const HANDSHAKE_FAILURE_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

/// Serves a port that answers every TLS ClientHello with a fatal `handshake_failure` alert and
/// closes the connection (the `tls-failure` fault's endpoint), until `shutdown`.
pub(crate) fn spawn_tls_alert(
    listener: TcpListener,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = tokio::select! {
                accepted = accept_tcp(&listener) => accepted,
                () = shutdown.cancelled() => return,
            };
            tokio::spawn(async move {
                let mut hello = [0_u8; 512];
                if stream.read(&mut hello).await.is_ok() {
                    let _ = stream.write_all(&HANDSHAKE_FAILURE_ALERT).await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    })
}

/// The single value of a header: `Ok(None)` when absent, `Err` when repeated or not visible
/// ASCII text.
pub(crate) fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Result<Option<&'a str>, &'static str> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("is sent more than once");
    }
    let text = first.to_str().map_err(|_| "is not plain text")?.trim();
    Ok((!text.is_empty()).then_some(text))
}

/// Whether `s` is a UUID in its canonical 8-4-4-4-12 hexadecimal form (any case).
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Why a query string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadQuery;

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes one query component (`+` is a space, as in form encoding).
pub(crate) fn percent_decode(s: &str) -> Result<String, BadQuery> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex).ok_or(BadQuery)?;
                let lo = bytes.get(i + 2).copied().and_then(hex).ok_or(BadQuery)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BadQuery)
}

/// Splits and decodes a query string into `(name, value)` pairs, in order, repeats kept.
pub(crate) fn parse_query(query: Option<&str>) -> Result<Vec<(String, String)>, BadQuery> {
    let Some(query) = query else {
        return Ok(Vec::new());
    };
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Ok((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// Seconds since the Unix epoch, from the real clock.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current time as a FHIR instant, `YYYY-MM-DDThh:mm:ss+00:00`.
pub(crate) fn now_instant() -> String {
    let secs = now_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries_with_encoded_and_raw_pipes() {
        assert_eq!(
            parse_query(Some("a=x%7Cy&b=x|y&c&d=%3a+1")),
            Ok(vec![
                ("a".into(), "x|y".into()),
                ("b".into(), "x|y".into()),
                ("c".into(), String::new()),
                ("d".into(), ": 1".into()),
            ])
        );
        assert_eq!(parse_query(Some("a=%7")), Err(BadQuery));
        assert_eq!(parse_query(Some("a=%zz")), Err(BadQuery));
        assert_eq!(parse_query(Some("a=%ff")), Err(BadQuery));
        assert_eq!(parse_query(None), Ok(vec![]));
    }

    #[test]
    fn recognises_canonical_uuids_only() {
        assert!(is_uuid("60E0B220-8136-4CA5-AE46-1D97EF59D068"));
        assert!(is_uuid("5f2c3f8e-2b1a-4c77-9d5e-0e2c1f3a4b5c"));
        assert!(!is_uuid("5f2c3f8e2b1a4c779d5e0e2c1f3a4b5c"));
        assert!(!is_uuid("{5f2c3f8e-2b1a-4c77-9d5e-0e2c1f3a4b5c}"));
        assert!(!is_uuid("5f2c3f8e-2b1a-4c77-9d5e-0e2c1f3a4b5g"));
        assert!(!is_uuid(""));
    }

    #[test]
    fn instants_are_well_formed() {
        let t = now_instant();
        assert_eq!(t.len(), 25, "{t}");
        assert!(vmcheck_core::time::FhirDateTime::parse(&t).is_some(), "{t}");
        assert!(t.as_str() > "2024-01-01", "{t}");
    }
}
