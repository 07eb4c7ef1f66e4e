//! TLS for the sandbox's V&M endpoint, optionally with mutual TLS: a rustls server
//! configuration (ring provider, TLS 1.3 and 1.2) from PEM bytes, and the handshake run for
//! each accepted connection.
//!
//! The certificates come from the caller ([`SandboxTls`]); tests generate a throwaway PKI with
//! `rcgen`. A client whose certificate is missing, expired or from another CA is refused in the
//! handshake with the alert rustls sends (`certificate_required`, `certificate_expired`,
//! `unknown_ca`), and the connection is then closed gracefully so that the client reads the
//! alert rather than a TCP reset. It deliberately does not check revocation, serve plain HTTP on
//! the same port, or negotiate HTTP/2.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{version, RootCertStore, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serving the V&M endpoint over TLS ([`crate::SandboxOptions::tls`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxTls {
    /// The server's certificate chain in PEM, its own certificate first.
    pub server_chain_pem: Vec<u8>,
    /// The server certificate's private key in PEM.
    pub server_key_pem: Vec<u8>,
    /// When set, client certificates are required and must be issued by one of these PEM CA
    /// certificates (mutual TLS, as on Spine).
    pub client_ca_pem: Option<Vec<u8>>,
}

impl fmt::Debug for SandboxTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxTls")
            .field("server_chain_pem", &self.server_chain_pem.len())
            .field("server_key_pem", &"***")
            .field(
                "requires_client_certificates",
                &self.client_ca_pem.is_some(),
            )
            .finish()
    }
}

fn invalid(what: &str, e: impl fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("sandbox TLS: {what}: {e}"),
    )
}

fn certificates(what: &str, pem: &[u8]) -> io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, e))?;
    if certs.is_empty() {
        return Err(invalid(what, "no PEM certificate"));
    }
    Ok(certs)
}

/// The acceptor for `tls`; an `InvalidInput` error names the part that cannot be used.
pub(crate) fn acceptor(tls: &SandboxTls) -> io::Result<TlsAcceptor> {
    let provider = Arc::new(default_provider());
    let chain = certificates("server_chain_pem", &tls.server_chain_pem)?;
    let key = PrivateKeyDer::from_pem_slice(&tls.server_key_pem)
        .map_err(|e| invalid("server_key_pem", e))?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&version::TLS13, &version::TLS12])
        .map_err(|e| invalid("protocol versions", e))?;
    let builder = match &tls.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates("client_ca_pem", pem)? {
                roots.add(cert).map_err(|e| invalid("client_ca_pem", e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| invalid("client_ca_pem", e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| invalid("server certificate and key", e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Runs the handshake on `stream`. A refused handshake (the alert already sent) is closed
/// gracefully — FIN, then what the client still sends is read and dropped — so the client gets
/// to read the alert instead of a reset. `None` when the handshake failed.
pub(crate) async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
) -> Option<TlsStream<TcpStream>> {
    let accepted =
        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream).into_fallible()).await;
    match accepted {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err((e, mut stream))) => {
            tracing::debug!(error = %e, "TLS handshake refused");
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 4096];
            let drain = async {
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}
