//! Mutual TLS for the Spine's HTTP endpoints (SPEC-NOTES §7): the rustls client configuration
//! (trust anchors, this system's endpoint certificate and private key, TLS 1.2 minimum, GCM
//! suites with forward secrecy first) and the plain-words reading of a failed handshake
//! ([`TlsProblem`]).
//!
//! [`client_config`] takes bytes, not paths or key names: the engine reads the files named in
//! its configuration and fetches the private key from the operating system's keyring
//! ([`KeySource`]), so that this crate never touches a secret store and the key never sits in a
//! plaintext file outside the sandbox. The configuration uses the *ring* provider with its own
//! cipher-suite order ([`preferred_cipher_suites`]) and is handed to reqwest as is
//! ([`crate::http::client_with_tls`]); reqwest and this crate share one rustls 0.23.
//!
//! A failed handshake is found by walking an error's source chain down to the [`rustls::Error`]
//! (directly or inside a `std::io::Error`) and becomes a [`TlsProblem`] naming the cause: an
//! untrusted, expired or wrongly named server certificate, our client certificate refused (with
//! the alert the server sent), no common protocol version. It deliberately holds no I/O and
//! never includes a URL (ours carry NHS numbers) — only host names and certificate names.

use std::fmt;
use std::sync::Arc;

use rustls::crypto::ring::cipher_suite as suites;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use zeroize::Zeroizing;

/// Where this system's private key comes from. The bytes are fetched by the caller (from the
/// operating system's keyring in production, from a file in the sandbox) and wiped from memory
/// when dropped.
#[derive(Clone)]
pub enum KeySource {
    /// A PEM private key (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1
    /// `EC PRIVATE KEY`), already fetched from a secret store.
    Pem(Zeroizing<Vec<u8>>),
}

impl KeySource {
    /// The key as PEM bytes.
    pub fn into_pem(self) -> Zeroizing<Vec<u8>> {
        match self {
            KeySource::Pem(pem) => pem,
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Pem(_) => f.write_str("KeySource::Pem(***)"),
        }
    }
}

/// What [`client_config`] is built from.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// PEM CA certificates trusted for the server's certificate (Spine environments use their
    /// own CAs). Other PEM blocks and text between them are ignored.
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// Also trust the operating system's trust store.
    pub use_system_roots: bool,
    /// This system's certificate chain in PEM: the endpoint certificate first, then any
    /// intermediates. `None`: no client certificate is presented.
    pub client_chain_pem: Option<Vec<u8>>,
    /// The endpoint certificate's private key in PEM (see [`KeySource`]).
    pub client_key_pem: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca_bundle_pem", &self.ca_bundle_pem.as_ref().map(Vec::len))
            .field("use_system_roots", &self.use_system_roots)
            .field(
                "client_chain_pem",
                &self.client_chain_pem.as_ref().map(Vec::len),
            )
            .field(
                "client_key_pem",
                &self.client_key_pem.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// Which part of [`TlsSettings`] a [`TlsSetupError`] is about (so the caller can name the file
/// or the keyring entry it came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPart {
    /// `ca_bundle_pem`.
    CaBundle,
    /// The operating system's trust store.
    SystemRoots,
    /// `client_chain_pem`.
    ClientChain,
    /// `client_key_pem`.
    ClientKey,
    /// The settings as a whole.
    Settings,
}

/// Why the TLS configuration could not be built. The texts name the problem, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    /// The CA bundle is not usable.
    #[error("the CA bundle cannot be used: {0}")]
    CaBundle(String),
    /// No trust anchor at all: no bundle and no (usable) system trust store.
    #[error("no certificate authority is trusted: {0}")]
    NoTrustAnchors(String),
    /// The client certificate chain is not usable.
    #[error("the client certificate chain cannot be used: {0}")]
    ClientChain(String),
    /// The private key is not usable.
    #[error("the private key cannot be used: {0}")]
    ClientKey(String),
    /// The private key does not belong to the client certificate.
    #[error("the private key does not belong to the client certificate (the first certificate of the chain)")]
    KeyMismatch,
    /// A client certificate without a private key, or the reverse.
    #[error("{0}")]
    Incomplete(&'static str),
    /// rustls refused the configuration.
    #[error("the TLS configuration was refused: {0}")]
    Rustls(String),
}

impl TlsSetupError {
    /// Which part of the settings is at fault.
    pub fn part(&self) -> TlsPart {
        match self {
            Self::CaBundle(_) => TlsPart::CaBundle,
            Self::NoTrustAnchors(_) => TlsPart::SystemRoots,
            Self::ClientChain(_) => TlsPart::ClientChain,
            Self::ClientKey(_) | Self::KeyMismatch => TlsPart::ClientKey,
            Self::Incomplete(_) | Self::Rustls(_) => TlsPart::Settings,
        }
    }
}

/// The cipher suites offered, most preferred first, as SPEC-NOTES §7 asks: forward secrecy
/// (ECDHE; TLS 1.3 always has it) with AES-GCM first, AES-256 before AES-128
/// (`AESGCM+EECDH`, `AES256+EECDH`), ChaCha20-Poly1305 last. rustls offers no suite without
/// forward secrecy or without AEAD, so none of those can be negotiated.
pub fn preferred_cipher_suites() -> Vec<rustls::SupportedCipherSuite> {
    vec![
        suites::TLS13_AES_256_GCM_SHA384,
        suites::TLS13_AES_128_GCM_SHA256,
        suites::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        suites::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        suites::TLS13_CHACHA20_POLY1305_SHA256,
        suites::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

/// The *ring* provider with [`preferred_cipher_suites`].
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: preferred_cipher_suites(),
        ..rustls::crypto::ring::default_provider()
    }
}

/// Reads the PEM `CERTIFICATE` blocks of `pem` (at least one).
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("it is not valid PEM ({e})"))?;
    if certs.is_empty() {
        return Err("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned());
    }
    Ok(certs)
}

/// The trust anchors: the bundle's certificates, plus the system's when asked for.
fn roots(settings: &TlsSettings) -> Result<RootCertStore, TlsSetupError> {
    let mut roots = RootCertStore::empty();
    if let Some(pem) = &settings.ca_bundle_pem {
        let certs = certificates(pem).map_err(TlsSetupError::CaBundle)?;
        let count = certs.len();
        for (i, cert) in certs.into_iter().enumerate() {
            roots.add(cert).map_err(|e| {
                TlsSetupError::CaBundle(format!(
                    "certificate {} of {count} cannot be a trust anchor ({e})",
                    i + 1
                ))
            })?;
        }
    }
    if settings.use_system_roots {
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 && roots.is_empty() {
            let why = match found.errors.first() {
                Some(e) => format!("the system's trust store could not be read ({e})"),
                None => "the system's trust store is empty".to_owned(),
            };
            return Err(TlsSetupError::NoTrustAnchors(why));
        }
    }
    if roots.is_empty() {
        return Err(TlsSetupError::NoTrustAnchors(
            "no CA bundle is given and the system's trust store is not used".to_owned(),
        ));
    }
    Ok(roots)
}

/// The private key in `pem`.
fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let text = String::from_utf8_lossy(pem);
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(TlsSetupError::ClientKey(
            "it is encrypted with a passphrase; store it unencrypted in the keyring".to_owned(),
        ));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        TlsSetupError::ClientKey(match e {
            rustls::pki_types::pem::Error::NoItemsFound => "it holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)".to_owned(),
            other => format!("it is not a valid PEM private key ({other})"),
        })
    })
}

/// Builds the rustls client configuration for Spine calls: the *ring* provider with
/// [`preferred_cipher_suites`], TLS 1.3 and 1.2 only, the trust anchors of the CA bundle
/// and/or the system, and the client certificate with its private key when both are given.
///
/// Fails when a part cannot be used (see [`TlsSetupError::part`]): malformed PEM, no
/// certificate, an unsupported or encrypted key, a key that does not belong to the certificate,
/// a certificate without a key (or the reverse), or nothing to trust.
pub fn client_config(settings: TlsSettings) -> Result<ClientConfig, TlsSetupError> {
    let roots = roots(&settings)?;
    let builder = ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsSetupError::Rustls(e.to_string()))?
        .with_root_certificates(roots);
    match (settings.client_chain_pem, settings.client_key_pem) {
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(_), None) => Err(TlsSetupError::Incomplete(
            "a client certificate is given without its private key",
        )),
        (None, Some(_)) => Err(TlsSetupError::Incomplete(
            "a private key is given without its client certificate",
        )),
        (Some(chain), Some(key)) => {
            let chain = certificates(&chain).map_err(TlsSetupError::ClientChain)?;
            let key = private_key(&key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| match e {
                    rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                        TlsSetupError::KeyMismatch
                    }
                    rustls::Error::InvalidCertificate(c) => {
                        TlsSetupError::ClientChain(format!("{c:?}"))
                    }
                    rustls::Error::NoCertificatesPresented => {
                        TlsSetupError::ClientChain("it holds no certificate".to_owned())
                    }
                    other => TlsSetupError::ClientKey(other.to_string()),
                })
        }
    }
}

/// Why the server refused our client certificate, from the TLS alert it sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCertRefusal {
    /// `certificate_required`: no client certificate was sent.
    NotSent,
    /// `unknown_ca`: it is not issued by a CA the server trusts.
    UnknownCa,
    /// `certificate_expired`: it has expired (or is not valid yet).
    Expired,
    /// `certificate_revoked`: it has been revoked.
    Revoked,
    /// `bad_certificate`: the server could not verify it (damaged, or signed by a key that does
    /// not match).
    BadCertificate,
    /// `unsupported_certificate`: of a kind the server does not accept.
    Unsupported,
    /// `certificate_unknown`: refused for another reason.
    Unknown,
    /// `access_denied`: valid, but not allowed to use this service.
    AccessDenied,
}

impl ClientCertRefusal {
    fn from_alert(alert: AlertDescription) -> Option<Self> {
        Some(match alert {
            AlertDescription::CertificateRequired => Self::NotSent,
            AlertDescription::UnknownCA => Self::UnknownCa,
            AlertDescription::CertificateExpired => Self::Expired,
            AlertDescription::CertificateRevoked => Self::Revoked,
            AlertDescription::BadCertificate => Self::BadCertificate,
            AlertDescription::UnsupportedCertificate => Self::Unsupported,
            AlertDescription::CertificateUnknown => Self::Unknown,
            AlertDescription::AccessDenied => Self::AccessDenied,
            _ => return None,
        })
    }

    /// The TLS alert's name (RFC 8446 §6).
    pub fn alert(self) -> &'static str {
        match self {
            Self::NotSent => "certificate_required",
            Self::UnknownCa => "unknown_ca",
            Self::Expired => "certificate_expired",
            Self::Revoked => "certificate_revoked",
            Self::BadCertificate => "bad_certificate",
            Self::Unsupported => "unsupported_certificate",
            Self::Unknown => "certificate_unknown",
            Self::AccessDenied => "access_denied",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::NotSent => "no client certificate was sent and it requires one",
            Self::UnknownCa => {
                "it is not issued by a certificate authority the server trusts, perhaps one of another environment"
            }
            Self::Expired => "it has expired or is not valid yet",
            Self::Revoked => "it has been revoked",
            Self::BadCertificate => "the server could not verify it",
            Self::Unsupported => "it is of a kind the server does not accept",
            Self::Unknown => "the server did not accept it",
            Self::AccessDenied => "it is not allowed to use this service",
        }
    }
}

/// Why a TLS handshake with a Spine HTTP endpoint failed, in words for IT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The server's certificate does not chain to a trusted CA (the CA bundle does not hold its
    /// issuer: the wrong bundle, or the wrong environment).
    UntrustedServer,
    /// The server's certificate is valid, but not for the host name or address connected to.
    WrongName {
        /// The name or address connected to.
        expected: String,
        /// The names and addresses the certificate is for (may be empty if unknown).
        presented: Vec<String>,
    },
    /// The server's certificate has expired.
    ServerCertificateExpired,
    /// The server's certificate is not valid yet (often this computer's clock).
    ServerCertificateNotYetValid,
    /// The server refused our client certificate (or its absence).
    ClientCertificateRefused(ClientCertRefusal),
    /// No TLS version in common (we need 1.2 or later).
    ProtocolVersion,
    /// The server refused the handshake with another alert (e.g. `handshake_failure`: no
    /// cipher suite in common, or a client certificate it wanted).
    Refused(String),
    /// The server did not answer in TLS (a plain HTTP port?).
    NotTls,
    /// The server closed the connection in the middle of the handshake: most often the port
    /// is a plain (LDAP) port, not a TLS one.
    ClosedDuringHandshake,
    /// The address is `http://`, so mutual TLS cannot be used (nothing was sent).
    NotHttps,
    /// Anything else (rustls's own description).
    Other(String),
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UntrustedServer => f.write_str(
                "the server's certificate is not issued by a certificate authority V&M Check \
                 trusts (the configured CA bundle does not hold its issuer)",
            ),
            Self::WrongName {
                expected,
                presented,
            } => {
                write!(f, "the server's certificate is not valid for {expected}")?;
                if presented.is_empty() {
                    Ok(())
                } else {
                    write!(
                        f,
                        ", the name connected to (it is for {})",
                        presented.join(", ")
                    )
                }
            }
            Self::ServerCertificateExpired => f.write_str("the server's certificate has expired"),
            Self::ServerCertificateNotYetValid => f.write_str(
                "the server's certificate is not valid yet (check this computer's date and time)",
            ),
            Self::ClientCertificateRefused(r) => write!(
                f,
                "the server refused this system's client certificate ({}: {})",
                r.alert(),
                r.explanation()
            ),
            Self::ProtocolVersion => f.write_str(
                "the server and V&M Check have no TLS version in common (TLS 1.2 or later is \
                 required)",
            ),
            Self::Refused(alert) => write!(f, "the server refused the TLS handshake ({alert})"),
            Self::NotTls => f.write_str(
                "the server did not answer in TLS (is the address http:// rather than https://?)",
            ),
            Self::ClosedDuringHandshake => f.write_str(
                "the server closed the connection during the TLS handshake (is this port a TLS \
                 port, such as LDAPS?)",
            ),
            Self::NotHttps => f.write_str(
                "the service's address is http://, so the certificate cannot be used (it must be \
                 https://)",
            ),
            Self::Other(reason) => write!(f, "the TLS handshake failed ({reason})"),
        }
    }
}

impl TlsProblem {
    /// Reads a rustls error.
    pub fn from_rustls(e: &rustls::Error) -> Self {
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::UnknownIssuer => Self::UntrustedServer,
                CertificateError::NotValidForNameContext {
                    expected,
                    presented,
                } => Self::WrongName {
                    expected: server_name(expected),
                    presented: presented.iter().map(|p| presented_name(p)).collect(),
                },
                CertificateError::NotValidForName => Self::WrongName {
                    expected: "the address connected to".to_owned(),
                    presented: Vec::new(),
                },
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    Self::ServerCertificateExpired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    Self::ServerCertificateNotYetValid
                }
                other => Self::Other(format!("the server's certificate is invalid: {other:?}")),
            },
            rustls::Error::AlertReceived(alert) => match ClientCertRefusal::from_alert(*alert) {
                Some(refusal) => Self::ClientCertificateRefused(refusal),
                None if *alert == AlertDescription::ProtocolVersion => Self::ProtocolVersion,
                None => Self::Refused(alert_name(*alert)),
            },
            rustls::Error::PeerIncompatible(p) => {
                use rustls::PeerIncompatible as P;
                match p {
                    P::ServerDoesNotSupportTls12Or13
                    | P::ServerTlsVersionIsDisabledByOurConfig
                    | P::SupportedVersionsExtensionRequired
                    | P::Tls12NotOffered
                    | P::Tls12NotOfferedOrEnabled
                    | P::Tls13RequiredForQuic => Self::ProtocolVersion,
                    other => Self::Other(format!("the server is incompatible: {other:?}")),
                }
            }
            rustls::Error::InvalidMessage(_) => Self::NotTls,
            other => Self::Other(other.to_string()),
        }
    }

    /// Finds the TLS problem behind an error, walking its source chain down to a
    /// [`rustls::Error`], directly or inside (possibly nested) `std::io::Error`s, as hyper and
    /// tokio-rustls report them. `None` when no rustls error is found.
    pub fn find(e: &(dyn std::error::Error + 'static)) -> Option<Self> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = current {
            if let Some(r) = err.downcast_ref::<rustls::Error>() {
                return Some(Self::from_rustls(r));
            }
            // An I/O error's `source()` skips the error it wraps (hyper wraps tokio-rustls's
            // I/O error in another one), so look inside it.
            if let Some(inner) = err
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                current = Some(inner);
                continue;
            }
            current = err.source();
        }
        None
    }
}

/// The RFC name of a TLS alert (`handshake_failure`), from rustls's `HandshakeFailure`.
fn alert_name(alert: AlertDescription) -> String {
    let mut out = String::new();
    let mut previous_upper = true;
    for c in format!("{alert:?}").chars() {
        if c.is_ascii_uppercase() {
            if !previous_upper {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
        previous_upper = c.is_ascii_uppercase();
    }
    out
}

/// A rustls server name as written (host name or IP address).
pub(crate) fn server_name(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// A subject alternative name as webpki reports it (`DnsName("sds.nhs.uk")`,
/// `IpAddress(127.0.0.1)`) without the decoration.
pub(crate) fn presented_name(name: &str) -> String {
    name.strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .unwrap_or(name)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CipherSuite;

    fn is_aes_gcm(s: CipherSuite) -> bool {
        format!("{s:?}").contains("_AES_") && format!("{s:?}").contains("_GCM_")
    }

    #[test]
    fn cipher_suites_prefer_ecdhe_with_aes_gcm() {
        let order: Vec<CipherSuite> = preferred_cipher_suites()
            .iter()
            .map(|s| s.suite())
            .collect();
        // Every suite has forward secrecy: TLS 1.3, or ECDHE in TLS 1.2.
        for s in &order {
            let name = format!("{s:?}");
            assert!(
                name.starts_with("TLS13_") || name.starts_with("TLS_ECDHE_"),
                "{name}"
            );
        }
        // Every AES-GCM suite comes before every other suite.
        let first_other = order.iter().position(|s| !is_aes_gcm(*s)).expect("chacha");
        assert!(
            order[..first_other].iter().all(|s| is_aes_gcm(*s)),
            "{order:?}"
        );
        assert!(
            order[first_other..].iter().all(|s| !is_aes_gcm(*s)),
            "{order:?}"
        );
        // The first TLS 1.2 suites are ECDHE + AES-256-GCM, then ECDHE + AES-128-GCM.
        let tls12: Vec<String> = order
            .iter()
            .map(|s| format!("{s:?}"))
            .filter(|n| n.starts_with("TLS_"))
            .collect();
        assert_eq!(
            tls12[..4],
            [
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            ]
        );
        assert_eq!(order[0], CipherSuite::TLS13_AES_256_GCM_SHA384);
    }

    #[test]
    fn the_built_configuration_keeps_the_order() {
        let ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).expect("ca");
        let config = client_config(TlsSettings {
            ca_bundle_pem: Some(ca.cert.pem().into_bytes()),
            use_system_roots: false,
            ..TlsSettings::default()
        })
        .expect("config");
        let offered: Vec<CipherSuite> = config
            .crypto_provider()
            .cipher_suites
            .iter()
            .map(|s| s.suite())
            .collect();
        let wanted: Vec<CipherSuite> = preferred_cipher_suites()
            .iter()
            .map(|s| s.suite())
            .collect();
        assert_eq!(offered, wanted);
    }

    fn leaf() -> (String, String) {
        let c = rcgen::generate_simple_self_signed(vec!["client.test".to_owned()]).expect("leaf");
        (c.cert.pem(), c.signing_key.serialize_pem())
    }

    fn settings_with(chain: &str, key: &str) -> TlsSettings {
        let (ca, _) = leaf();
        TlsSettings {
            ca_bundle_pem: Some(ca.into_bytes()),
            use_system_roots: false,
            client_chain_pem: Some(chain.as_bytes().to_vec()),
            client_key_pem: Some(Zeroizing::new(key.as_bytes().to_vec())),
        }
    }

    #[test]
    fn a_matching_certificate_and_key_are_accepted() {
        let (cert, key) = leaf();
        let config = client_config(settings_with(&cert, &key)).expect("config");
        assert!(config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn unusable_settings_are_named() {
        let (cert, key) = leaf();
        let (_, other_key) = leaf();
        let cases: Vec<(TlsSettings, TlsPart, &str)> = vec![
            (settings_with(&cert, &other_key), TlsPart::ClientKey, "does not belong"),
            (settings_with("garbage", &key), TlsPart::ClientChain, "no PEM certificate"),
            (settings_with(&cert, "garbage"), TlsPart::ClientKey, "no PEM private key"),
            (
                settings_with(
                    &cert,
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
                ),
                TlsPart::ClientKey,
                "encrypted",
            ),
            (
                TlsSettings {
                    client_key_pem: None,
                    ..settings_with(&cert, &key)
                },
                TlsPart::Settings,
                "without its private key",
            ),
            (
                TlsSettings {
                    ca_bundle_pem: Some(b"not a certificate".to_vec()),
                    ..settings_with(&cert, &key)
                },
                TlsPart::CaBundle,
                "no PEM certificate",
            ),
            (
                TlsSettings {
                    ca_bundle_pem: None,
                    use_system_roots: false,
                    ..TlsSettings::default()
                },
                TlsPart::SystemRoots,
                "no CA bundle",
            ),
        ];
        for (settings, part, text) in cases {
            let e = client_config(settings).expect_err(text);
            assert_eq!(e.part(), part, "{e}");
            assert!(e.to_string().contains(text), "{e}");
        }
    }

    #[test]
    fn settings_never_show_the_key() {
        let (cert, key) = leaf();
        let shown = format!("{:?}", settings_with(&cert, &key));
        assert!(!shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
        let source = KeySource::Pem(Zeroizing::new(key.into_bytes()));
        assert_eq!(format!("{source:?}"), "KeySource::Pem(***)");
    }

    #[test]
    fn handshake_errors_are_read_in_plain_words() {
        let read = |e: rustls::Error| TlsProblem::from_rustls(&e);
        assert_eq!(
            read(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            )),
            TlsProblem::UntrustedServer
        );
        assert_eq!(
            read(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            TlsProblem::ClientCertificateRefused(ClientCertRefusal::NotSent)
        );
        assert_eq!(
            read(rustls::Error::AlertReceived(AlertDescription::UnknownCA)),
            TlsProblem::ClientCertificateRefused(ClientCertRefusal::UnknownCa)
        );
        assert_eq!(
            read(rustls::Error::AlertReceived(
                AlertDescription::HandshakeFailure
            )),
            TlsProblem::Refused("handshake_failure".to_owned())
        );
        assert_eq!(
            read(rustls::Error::AlertReceived(
                AlertDescription::ProtocolVersion
            )),
            TlsProblem::ProtocolVersion
        );
        let wrapped = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::Expired),
        );
        assert_eq!(
            TlsProblem::find(&wrapped),
            Some(TlsProblem::ServerCertificateExpired)
        );
        // As hyper reports a failed connection: an I/O error inside an I/O error.
        let twice = std::io::Error::other(wrapped);
        assert_eq!(
            TlsProblem::find(&twice),
            Some(TlsProblem::ServerCertificateExpired)
        );
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(
            alert_name(AlertDescription::BadCertificateStatusResponse),
            "bad_certificate_status_response"
        );
        assert_eq!(TlsProblem::find(&std::io::Error::other("plain")), None);
    }
}
