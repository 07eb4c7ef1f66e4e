//! The Spine Directory Service (SDS) adapter: finds the Spine's endpoint for an interaction over
//! LDAP (SPEC-NOTES §6) with the `ldap3` client on tokio.
//!
//! [`SdsClient::find_endpoint`] opens one connection per lookup, binds anonymously, runs the two
//! searches under the base DN (accredited system, then message handling system, with the filters
//! of [`vmcheck_core::sds`]), unbinds and closes. A connection per lookup keeps the client
//! stateless and free of reconnect logic; lookups are rare (results may be cached by the caller)
//! and cost three round trips. The timeout applies separately to the connection and to each
//! operation (bind, each search).
//!
//! Attribute names in the replies are looked up ignoring case: real directories answer in their
//! schema's spelling (`nhsMHSPartyKey`, `nhsMHSEndPoint`), and `ldap3`'s own entry map is
//! case-sensitive, so entries are converted to `(name, values)` lists and handed to the core's
//! pure resolution functions.
//!
//! `ldaps://` URLs use TLS (rustls with the ring provider; TLS 1.2 or 1.3). The server's
//! certificate must chain to the CAs of [`SdsClient::with_ca_bundle`] when one is configured
//! (SDS certificates are issued by NHS certificate authorities that are not in public trust
//! stores), otherwise to the system's trust store, and be valid for the URL's host name or IP
//! address; a failed handshake is an [`SdsError::Tls`] naming the cause ([`TlsProblem`]).
//!
//! It deliberately does not cache results, retry (see [`SdsError::is_retryable`]), follow
//! referrals, page, use StartTLS, or present a client certificate. Only DNs and filters are
//! logged (at debug level); no patient data ever passes through here.

use std::sync::Arc;
use std::time::Duration;

use ldap3::asn1::{StructureTag, PL};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, ResultEntry, Scope};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use vmcheck_core::sds::{
    accredited_system_filter, mhs_filter, resolve_accredited_system, resolve_mhs, SdsLookupError,
    SpineEndpoint, ACCREDITED_SYSTEM_ATTRIBUTES, MHS_ATTRIBUTES, SERVICES_BASE_DN,
};

pub use crate::tls::TlsProblem;

/// One entry's attributes as `(name, values)` pairs, names in the directory's spelling.
type EntryAttributes = Vec<(String, Vec<String>)>;

/// The timeout [`SdsClient::new`] uses for the connection and for each operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The steps of a lookup, named in errors.
const CONNECT: &str = "connection";
const BIND: &str = "anonymous bind";
pub(crate) const AS_SEARCH: &str = "accredited system search";
pub(crate) const MHS_SEARCH: &str = "message handling system search";
/// Operation name of the role-profile search (error messages).
const ROLE_SEARCH: &str = "role profile search";

/// Why an SDS lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdsError {
    /// The configured directory address is not a URL this build can use (`ldap://`/`ldaps://`
    /// for LDAP, `http://`/`https://` for the FHIR API).
    #[error("The Spine directory address {url:?} cannot be used: {reason}.")]
    InvalidUrl {
        /// The configured address.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA bundle given to [`SdsClient::with_ca_bundle`] holds no usable certificate.
    #[error("The CA bundle for the Spine directory cannot be used: {reason}.")]
    InvalidCaBundle {
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS handshake of an `ldaps://` connection failed: the directory's certificate is not
    /// trusted or not for this address, or the two sides could not agree.
    #[error("The Spine directory at {url} failed the TLS check: {problem}.")]
    Tls {
        /// The directory address.
        url: String,
        /// Why.
        problem: TlsProblem,
    },
    /// The directory could not be reached: connection refused, host name not found, network
    /// unreachable.
    #[error(
        "The Spine directory at {url} could not be reached ({reason}). Check the network \
         connection and the directory address."
    )]
    Unreachable {
        /// The directory address.
        url: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The directory did not answer a step within the timeout.
    #[error(
        "The Spine directory at {url} did not answer the {operation} within {}.",
        describe_duration(*timeout)
    )]
    TimedOut {
        /// The directory address.
        url: String,
        /// The step that timed out (connection, bind, or one of the searches).
        operation: &'static str,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The connection broke during a step.
    #[error("The connection to the Spine directory at {url} was lost during the {operation} ({reason}).")]
    ConnectionLost {
        /// The directory address.
        url: String,
        /// The step during which the connection broke.
        operation: &'static str,
        /// What happened.
        reason: String,
    },
    /// The directory answered a step with an LDAP error result.
    #[error(
        "The Spine directory at {url} refused the {operation} with LDAP result {code} ({}){}.",
        ldap_result_name(*code),
        if message.is_empty() { String::new() } else { format!(": {message}") }
    )]
    Ldap {
        /// The directory address.
        url: String,
        /// The step that failed.
        operation: &'static str,
        /// The LDAP result code (RFC 4511 §4.1.9), e.g. 32 for noSuchObject.
        code: u32,
        /// The directory's diagnostic message (may be empty).
        message: String,
    },
    /// The directory sent a reply this client could not interpret.
    #[error("The Spine directory at {url} sent a reply to the {operation} that could not be understood.")]
    BadReply {
        /// The directory address.
        url: String,
        /// The step whose reply was malformed.
        operation: &'static str,
    },
    /// The directory answered, but its content does not give exactly one usable endpoint.
    #[error(transparent)]
    Lookup(#[from] SdsLookupError),
    /// The SDS FHIR API answered a step with an HTTP error (400 for a request it finds wrong,
    /// 404, 405, 406, 429, 5xx), with the OperationOutcome's code and diagnostics when it sent
    /// one.
    #[error("The Spine directory at {url} refused the {operation} with HTTP {status}{}.",
        if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    Refused {
        /// The API's base URL.
        url: String,
        /// The step that failed.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The OperationOutcome's code and diagnostics, or a short excerpt of the body.
        reason: String,
    },
    /// The SDS FHIR API did not accept this system's API key (HTTP 401 or 403): it is missing
    /// from the keyring entry, wrong, revoked, or not subscribed to the SDS FHIR API.
    #[error(
        "The Spine directory at {url} did not accept this system's API key (HTTP {status}). \
         Check the API key stored in the keyring (sds.api_key_secret) for this environment."
    )]
    ApiKeyRefused {
        /// The API's base URL.
        url: String,
        /// 401 or 403.
        status: u16,
    },
    /// An HTTP answer that is unusable below the FHIR level: a redirect (never followed), a body
    /// over the size cap, or an HTTP client that could not be set up.
    #[error("The Spine directory at {url} could not be used for the {operation}: {problem}.")]
    Http {
        /// The API's base URL.
        url: String,
        /// The step that failed.
        operation: &'static str,
        /// What went wrong (boxed: it is rare and large).
        problem: Box<crate::http::TransportError>,
    },
}

impl SdsError {
    /// Whether trying the same lookup again later may succeed: network trouble, timeouts, the
    /// LDAP results busy (51), unavailable (52), timeLimitExceeded (3) and adminLimitExceeded
    /// (11), and the FHIR API's HTTP 429 and 5xx. Configuration, credential and
    /// directory-content errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            SdsError::Unreachable { .. }
            | SdsError::TimedOut { .. }
            | SdsError::ConnectionLost { .. } => true,
            SdsError::Ldap { code, .. } => matches!(code, 3 | 11 | 51 | 52),
            SdsError::Refused { status, .. } => *status == 429 || *status >= 500,
            SdsError::Http { problem, .. } => problem.is_retryable(),
            SdsError::ApiKeyRefused { .. } => false,
            SdsError::InvalidUrl { .. }
            | SdsError::InvalidCaBundle { .. }
            | SdsError::Tls { .. }
            | SdsError::BadReply { .. }
            | SdsError::Lookup(_) => false,
        }
    }
}

/// The rustls error inside an I/O error from a TLS stream, if there is one.
fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn describe_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        let s = d.as_secs();
        format!("{s} second{}", if s == 1 { "" } else { "s" })
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The RFC 4511 name of an LDAP result code.
fn ldap_result_name(code: u32) -> &'static str {
    match code {
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        80 => "other",
        _ => "unrecognised result",
    }
}

/// A client for SDS over LDAP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdsClient {
    url: String,
    base_dn: String,
    timeout: Duration,
    /// Trust anchors for `ldaps://`; `None` = the system's trust store.
    ca_bundle: Option<Vec<CertificateDer<'static>>>,
}

impl SdsClient {
    /// A client for the directory at `url` (`ldap://host[:port]`), searching under
    /// [`SERVICES_BASE_DN`] with [`DEFAULT_TIMEOUT`].
    pub fn new(url: impl Into<String>) -> Self {
        SdsClient {
            url: url.into(),
            base_dn: SERVICES_BASE_DN.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            ca_bundle: None,
        }
    }

    /// Trusts, for `ldaps://` URLs, exactly the CA certificates in `pem` (one or more PEM
    /// `CERTIFICATE` blocks; other PEM blocks and text between them are ignored) instead of the
    /// system's trust store.
    ///
    /// Fails with [`SdsError::InvalidCaBundle`] when `pem` holds no certificate, a malformed one,
    /// or one that cannot be a trust anchor.
    pub fn with_ca_bundle(mut self, pem: &[u8]) -> Result<Self, SdsError> {
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
        for (i, cert) in certs.iter().enumerate() {
            roots.add(cert.clone()).map_err(|e| {
                invalid(format!(
                    "certificate {} of {} cannot be used ({e})",
                    i + 1,
                    certs.len()
                ))
            })?;
        }
        self.ca_bundle = Some(certs);
        Ok(self)
    }

    /// Searches under `base_dn` instead of [`SERVICES_BASE_DN`].
    pub fn with_base_dn(mut self, base_dn: impl Into<String>) -> Self {
        self.base_dn = base_dn.into();
        self
    }

    /// Uses `timeout` for the connection and for each operation.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The directory address.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The base DN searched.
    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    /// The timeout for the connection and for each operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Finds the endpoint of `interaction` on the system registered under `spine_ods_code`
    /// (for the Spine, ODS code `YES`): the accredited system's ASID and party key, then the
    /// message handling system's endpoint for that party key.
    pub async fn find_endpoint(
        &self,
        spine_ods_code: &str,
        interaction: &str,
    ) -> Result<SpineEndpoint, SdsError> {
        let mut ldap = self.connect().await?;
        let outcome = self.lookup(&mut ldap, spine_ods_code, interaction).await;
        // Best effort: the connection is dropped either way.
        if !matches!(
            outcome,
            Err(SdsError::TimedOut { .. } | SdsError::ConnectionLost { .. })
        ) {
            let _ = tokio::time::timeout(self.timeout, ldap.unbind()).await;
        }
        outcome
    }

    async fn lookup(
        &self,
        ldap: &mut Ldap,
        ods_code: &str,
        interaction: &str,
    ) -> Result<SpineEndpoint, SdsError> {
        self.bind(ldap).await?;
        let as_filter = accredited_system_filter(ods_code, interaction);
        let as_entries = self
            .search(ldap, AS_SEARCH, &as_filter, &ACCREDITED_SYSTEM_ATTRIBUTES)
            .await?;
        let system = resolve_accredited_system(ods_code, interaction, &as_entries)?;
        let filter = mhs_filter(&system.party_key, interaction);
        let mhs_entries = self
            .search(ldap, MHS_SEARCH, &filter, &MHS_ATTRIBUTES)
            .await?;
        Ok(resolve_mhs(&system, interaction, &mhs_entries)?)
    }

    /// The rustls configuration for `ldaps://`: the ring provider, TLS 1.2 and 1.3, and the CA
    /// bundle's trust anchors; `None` (ldap3's default configuration with the system's trust
    /// store) when no bundle is configured.
    fn tls_config(&self) -> Result<Option<Arc<ClientConfig>>, SdsError> {
        let provider = rustls::crypto::ring::default_provider();
        let Some(certs) = &self.ca_bundle else {
            // ldap3 builds its default configuration with the process-wide provider; make sure
            // there is one (an Err only means another part of the program installed one).
            let _ = provider.install_default();
            return Ok(None);
        };
        let mut roots = RootCertStore::empty();
        for cert in certs {
            roots
                .add(cert.clone())
                .map_err(|e| SdsError::InvalidCaBundle {
                    reason: e.to_string(),
                })?;
        }
        let config = ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| SdsError::Tls {
                url: self.url.clone(),
                problem: TlsProblem::Other(e.to_string()),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Some(Arc::new(config)))
    }

    async fn connect(&self) -> Result<Ldap, SdsError> {
        let lower = self.url.to_ascii_lowercase();
        let tls = lower.starts_with("ldaps://");
        if !(lower.starts_with("ldap://") || tls) {
            return Err(SdsError::InvalidUrl {
                url: self.url.clone(),
                reason: "it must start with ldap:// or ldaps://".to_owned(),
            });
        }
        let mut settings = LdapConnSettings::new();
        if tls {
            if let Some(config) = self.tls_config()? {
                settings = settings.set_config(config);
            }
        }
        tracing::debug!(url = %self.url, "connecting to SDS");
        let tls_failed = |problem| SdsError::Tls {
            url: self.url.clone(),
            problem,
        };
        let (conn, ldap) = tokio::time::timeout(
            self.timeout,
            LdapConnAsync::with_settings(settings, &self.url),
        )
        .await
        .map_err(|_| self.timed_out(CONNECT))?
        .map_err(|e| match e {
            LdapError::Io { source } => match rustls_error(&source) {
                Some(e) => tls_failed(TlsProblem::from_rustls(e)),
                // The peer closed mid-handshake (e.g. a plain LDAP server).
                None if tls && source.kind() == std::io::ErrorKind::UnexpectedEof => {
                    tls_failed(TlsProblem::ClosedDuringHandshake)
                }
                None => SdsError::Unreachable {
                    url: self.url.clone(),
                    reason: source.to_string(),
                },
            },
            LdapError::Rustls { source } => tls_failed(TlsProblem::from_rustls(&source)),
            LdapError::DNSName { source } => SdsError::InvalidUrl {
                url: self.url.clone(),
                reason: format!("its host cannot be checked against a certificate ({source})"),
            },
            LdapError::Timeout { .. } => self.timed_out(CONNECT),
            LdapError::UnknownScheme(scheme) => SdsError::InvalidUrl {
                url: self.url.clone(),
                reason: format!("this build cannot use {scheme}:// addresses"),
            },
            other => SdsError::InvalidUrl {
                url: self.url.clone(),
                reason: other.to_string(),
            },
        })?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "SDS connection ended with an error");
            }
        });
        Ok(ldap)
    }

    async fn bind(&self, ldap: &mut Ldap) -> Result<(), SdsError> {
        let res = tokio::time::timeout(self.timeout, ldap.simple_bind("", ""))
            .await
            .map_err(|_| self.timed_out(BIND))?
            .and_then(|r| r.success())
            .map_err(|e| self.op_error(BIND, e))?;
        tracing::debug!(rc = res.rc, "SDS anonymous bind done");
        Ok(())
    }

    async fn search(
        &self,
        ldap: &mut Ldap,
        operation: &'static str,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<EntryAttributes>, SdsError> {
        tracing::debug!(base = %self.base_dn, %filter, "SDS search");
        let base = self.base_dn.clone();
        self.search_under(ldap, &base, operation, filter, attrs, true)
            .await
    }

    /// A subtree search under `base`. `log_names` is false for people searches: their DNs
    /// carry user ids, which never reach the log.
    async fn search_under(
        &self,
        ldap: &mut Ldap,
        base: &str,
        operation: &'static str,
        filter: &str,
        attrs: &[&str],
        log_names: bool,
    ) -> Result<Vec<EntryAttributes>, SdsError> {
        let (entries, _res) = tokio::time::timeout(
            self.timeout,
            ldap.search(base, Scope::Subtree, filter, attrs.to_vec()),
        )
        .await
        .map_err(|_| self.timed_out(operation))?
        .and_then(|r| r.success())
        .map_err(|e| self.op_error(operation, e))?;
        entries
            .into_iter()
            .map(|e| {
                let (dn, attrs) = parse_entry(e).ok_or_else(|| SdsError::BadReply {
                    url: self.url.clone(),
                    operation,
                })?;
                if log_names {
                    tracing::debug!(%dn, "SDS entry");
                }
                Ok(attrs)
            })
            .collect()
    }

    /// The role profiles of the user `uuid` held at `organisation` (ODS code): the
    /// `nhsOrgPersonRole` entries under `uid=<uuid>,ou=people,o=nhs`. A user the directory does
    /// not know has no roles.
    pub async fn find_roles(
        &self,
        uuid: &str,
        organisation: &str,
    ) -> Result<Vec<vmcheck_core::roles::Role>, SdsError> {
        use vmcheck_core::roles::{person_dn, roles_from_entries, ROLE_ATTRIBUTES, ROLE_FILTER};
        let mut ldap = self.connect().await?;
        self.bind(&mut ldap).await?;
        let found = self
            .search_under(
                &mut ldap,
                &person_dn(uuid),
                ROLE_SEARCH,
                ROLE_FILTER,
                &ROLE_ATTRIBUTES,
                false,
            )
            .await;
        let _ = tokio::time::timeout(self.timeout, ldap.unbind()).await;
        match found {
            Ok(entries) => {
                let roles = roles_from_entries(&entries, organisation);
                tracing::debug!(roles = roles.len(), "SDS role profiles found");
                Ok(roles)
            }
            // noSuchObject: no such person.
            Err(SdsError::Ldap { code: 32, .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn timed_out(&self, operation: &'static str) -> SdsError {
        SdsError::TimedOut {
            url: self.url.clone(),
            operation,
            timeout: self.timeout,
        }
    }

    fn op_error(&self, operation: &'static str, e: LdapError) -> SdsError {
        let url = self.url.clone();
        match e {
            LdapError::LdapResult { result } => SdsError::Ldap {
                url,
                operation,
                code: result.rc,
                message: result.text,
            },
            LdapError::Timeout { .. } => self.timed_out(operation),
            LdapError::Io { source } => SdsError::ConnectionLost {
                url,
                operation,
                reason: source.to_string(),
            },
            LdapError::OpSend { .. }
            | LdapError::ResultRecv { .. }
            | LdapError::IdScrubSend { .. }
            | LdapError::MiscSend { .. }
            | LdapError::EndOfStream => SdsError::ConnectionLost {
                url,
                operation,
                reason: "the directory closed the connection".to_owned(),
            },
            _ => SdsError::BadReply { url, operation },
        }
    }
}

/// Decodes a SearchResultEntry (RFC 4511 §4.5.2) into its DN and `(name, values)` pairs without
/// panicking on malformed data (unlike `ldap3::SearchEntry::construct`). Values that are not
/// UTF-8 are converted lossily. `None` if the structure is not an entry.
fn parse_entry(entry: ResultEntry) -> Option<(String, EntryAttributes)> {
    fn primitive(tag: StructureTag) -> Option<Vec<u8>> {
        match tag.payload {
            PL::P(bytes) => Some(bytes),
            PL::C(_) => None,
        }
    }
    fn constructed(tag: StructureTag) -> Option<Vec<StructureTag>> {
        match tag.payload {
            PL::C(tags) => Some(tags),
            PL::P(_) => None,
        }
    }
    let tag = entry.0;
    if tag.id != 4 {
        return None;
    }
    let mut parts = constructed(tag)?.into_iter();
    let dn = String::from_utf8_lossy(&primitive(parts.next()?)?).into_owned();
    let mut attrs = Vec::new();
    for attr in constructed(parts.next()?)? {
        let mut a = constructed(attr)?.into_iter();
        let name = String::from_utf8_lossy(&primitive(a.next()?)?).into_owned();
        let values = constructed(a.next()?)?
            .into_iter()
            .map(|v| primitive(v).map(|b| String::from_utf8_lossy(&b).into_owned()))
            .collect::<Option<Vec<String>>>()?;
        attrs.push((name, values));
    }
    Some((dn, attrs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError;

    #[test]
    fn retryability() {
        let url = || "ldap://sds".to_owned();
        let ldap = |code| SdsError::Ldap {
            url: url(),
            operation: AS_SEARCH,
            code,
            message: String::new(),
        };
        let cases = [
            (
                SdsError::Unreachable {
                    url: url(),
                    reason: "refused".into(),
                },
                true,
            ),
            (
                SdsError::TimedOut {
                    url: url(),
                    operation: BIND,
                    timeout: Duration::from_secs(1),
                },
                true,
            ),
            (
                SdsError::ConnectionLost {
                    url: url(),
                    operation: BIND,
                    reason: "reset".into(),
                },
                true,
            ),
            (ldap(51), true),
            (ldap(52), true),
            (ldap(3), true),
            (ldap(32), false),
            (ldap(53), false),
            (
                SdsError::Tls {
                    url: url(),
                    problem: TlsProblem::UntrustedServer,
                },
                false,
            ),
            (SdsError::InvalidCaBundle { reason: "x".into() }, false),
            (
                SdsError::InvalidUrl {
                    url: url(),
                    reason: "x".into(),
                },
                false,
            ),
            (
                SdsError::BadReply {
                    url: url(),
                    operation: MHS_SEARCH,
                },
                false,
            ),
            (
                SdsError::Lookup(SdsLookupError::NoAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: "i".into(),
                }),
                false,
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.is_retryable(), want, "{err}");
        }
    }

    /// A self-signed CA certificate (P-256), for parsing only.
    const UNIT_CA_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUZ3MrarJ3jd56lpeRSK5wRfa3AsYwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWViZNIENoZWNrIHVuaXQgdGVzdCBDQTAgFw0yNjExMjEwOTI5
NDdaGA8yMTI2MTAyODA5Mjk0N1owITEfMB0GA1UEAwwWViZNIENoZWNrIHVuaXQg
dGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOU/vCBYTQIxzz9oLfkq
0hfiAkAStfXt500t1eobYeYPnHAEG535TaZ8EfOVnwSYdAqqV/0Whgh0lIv9xGnO
z1ijUzBRMB0GA1UdDgQWBBSLHd/6Ug+pW0kAwAy9J74sNCDLSDAfBgNVHSMEGDAW
gBSLHd/6Ug+pW0kAwAy9J74sNCDLSDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49
BAMCA0gAMEUCIDwjIs2MDPbPQCfBeGxbDZIgz7P24kVCc/0sxcMyfHzJAiEA3lBv
xZqZn1pJ0lNCCBx8pbWCpEH8XW8nCkinOebT628=
-----END CERTIFICATE-----
";

    #[test]
    fn a_ca_bundle_needs_at_least_one_usable_certificate() {
        let client = SdsClient::new("ldaps://sds:636");
        let with = |pem: &[u8]| client.clone().with_ca_bundle(pem);

        let ok = with(UNIT_CA_PEM.as_bytes()).expect("one CA");
        assert_eq!(ok.ca_bundle.as_ref().map(Vec::len), Some(1));
        // Text around the blocks, other PEM blocks and several CAs are fine.
        let two = format!(
            "Bundle for SDS\n{UNIT_CA_PEM}\n-----BEGIN PRIVATE KEY-----\nAAAA\n\
             -----END PRIVATE KEY-----\n{UNIT_CA_PEM}"
        );
        let ok = with(two.as_bytes()).expect("two CAs");
        assert_eq!(ok.ca_bundle.as_ref().map(Vec::len), Some(2));

        for (pem, reason_starts) in [
            ("".to_owned(), "it holds no PEM certificate"),
            ("not PEM at all".to_owned(), "it holds no PEM certificate"),
            (
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
                "certificate 1 of 1 cannot be used",
            ),
            (
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_owned(),
                "it is not valid PEM",
            ),
        ] {
            let Err(SdsError::InvalidCaBundle { reason }) = with(pem.as_bytes()) else {
                panic!("expected InvalidCaBundle for {pem:?}");
            };
            assert!(reason.starts_with(reason_starts), "{pem:?}: {reason}");
        }
    }

    #[test]
    fn tls_problems_are_named_from_rustls_errors() {
        use rustls::pki_types::ServerName;
        let cert = |e| TlsProblem::from_rustls(&rustls::Error::InvalidCertificate(e));
        assert_eq!(
            cert(CertificateError::UnknownIssuer),
            TlsProblem::UntrustedServer
        );
        assert_eq!(
            cert(CertificateError::Expired),
            TlsProblem::ServerCertificateExpired
        );
        assert_eq!(
            cert(CertificateError::NotValidYet),
            TlsProblem::ServerCertificateNotYetValid
        );
        assert_eq!(
            cert(CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("sds.example").expect("name"),
                presented: vec![
                    "DnsName(\"ldap.example\")".into(),
                    "IpAddress(10.0.0.1)".into()
                ],
            }),
            TlsProblem::WrongName {
                expected: "sds.example".into(),
                presented: vec!["ldap.example".into(), "10.0.0.1".into()],
            }
        );
        assert_eq!(
            cert(CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("127.0.0.1").expect("IP"),
                presented: vec![],
            }),
            TlsProblem::WrongName {
                expected: "127.0.0.1".into(),
                presented: vec![],
            }
        );
        assert!(matches!(
            TlsProblem::from_rustls(&rustls::Error::AlertReceived(
                rustls::AlertDescription::HandshakeFailure
            )),
            TlsProblem::Refused(_)
        ));
    }

    #[test]
    fn messages_are_plain_english() {
        let cases = [
            (
                SdsError::TimedOut {
                    url: "ldap://sds:389".into(),
                    operation: AS_SEARCH,
                    timeout: Duration::from_millis(250),
                },
                "The Spine directory at ldap://sds:389 did not answer the accredited system search \
                 within 250 ms.",
            ),
            (
                SdsError::TimedOut {
                    url: "ldap://sds".into(),
                    operation: CONNECT,
                    timeout: Duration::from_secs(10),
                },
                "The Spine directory at ldap://sds did not answer the connection within 10 seconds.",
            ),
            (
                SdsError::Ldap {
                    url: "ldap://sds".into(),
                    operation: MHS_SEARCH,
                    code: 32,
                    message: "no such object".into(),
                },
                "The Spine directory at ldap://sds refused the message handling system search with \
                 LDAP result 32 (noSuchObject): no such object.",
            ),
            (
                SdsError::Ldap {
                    url: "ldap://sds".into(),
                    operation: BIND,
                    code: 53,
                    message: String::new(),
                },
                "The Spine directory at ldap://sds refused the anonymous bind with LDAP result 53 \
                 (unwillingToPerform).",
            ),
            (
                SdsError::Unreachable {
                    url: "ldap://sds".into(),
                    reason: "Connection refused (os error 111)".into(),
                },
                "The Spine directory at ldap://sds could not be reached (Connection refused (os error \
                 111)). Check the network connection and the directory address.",
            ),
            (
                SdsError::Tls {
                    url: "ldaps://sds:636".into(),
                    problem: TlsProblem::UntrustedServer,
                },
                "The Spine directory at ldaps://sds:636 failed the TLS check: the server's \
                 certificate is not issued by a certificate authority V&M Check trusts (the \
                 configured CA bundle does not hold its issuer).",
            ),
            (
                SdsError::Tls {
                    url: "ldaps://sds:636".into(),
                    problem: TlsProblem::WrongName {
                        expected: "sds".into(),
                        presented: vec!["sds.nhs.uk".into(), "10.0.0.1".into()],
                    },
                },
                "The Spine directory at ldaps://sds:636 failed the TLS check: the server's \
                 certificate is not valid for sds, the name connected to (it is for sds.nhs.uk, \
                 10.0.0.1).",
            ),
            (
                SdsError::Tls {
                    url: "ldaps://sds:636".into(),
                    problem: TlsProblem::ServerCertificateExpired,
                },
                "The Spine directory at ldaps://sds:636 failed the TLS check: the server's \
                 certificate has expired.",
            ),
            (
                SdsError::InvalidCaBundle {
                    reason: "it holds no PEM certificate".into(),
                },
                "The CA bundle for the Spine directory cannot be used: it holds no PEM certificate.",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }
}
