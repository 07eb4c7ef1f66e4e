//! # vmcheck-sandbox
//!
//! A strict imitation of the Spine services V&M Check talks to, for tests, demos and training:
//! PDS FHIR R4 (the trace), SDS over LDAP and through its FHIR API ([`sds_fhir`], on the PDS
//! port; the endpoint lookup) and the Visitors and Migrants
//! FHIR DSTU2 endpoint (the status). It is strict like the real services — headers, audit token,
//! ASIDs, query and NHS number are all checked and refused with the real error codes — so that a
//! client that works against the sandbox works against Spine.
//!
//! [`Sandbox::start`] binds three loopback ports (PDS, LDAP, V&M), serves the [`patients()`] on
//! them and returns the [`SandboxUrls`]; [`Fault`]s make the V&M (or PDS) answers fail the way
//! networks and proxies do. Dropping the [`Sandbox`] or calling [`Sandbox::shutdown`] stops all
//! three servers.
//!
//! The V&M endpoint can be served over TLS, requiring client certificates from a given CA
//! ([`SandboxOptions::tls`], [`SandboxTls`]); plain HTTP is the default.
//!
//! The PDS port also serves a trust's Care Connect FHIR STU3 API ([`care_connect`]): every test
//! patient has a hospital number there ([`SandboxUrls::care_connect_base`]).
//!
//! It deliberately does not: speak TLS on PDS or LDAP, send ACCESS_DENIED_SSL (a refused client
//! certificate is refused in the TLS handshake), hold
//! or log any real person's data (the test patients are in the unissued `999 000 xxxx` range and
//! only counts and codes are logged), or persist anything between runs.

pub mod care_connect;
pub mod directory;
pub mod faults;
pub mod ldap;
pub mod oauth;
pub mod patients;
pub mod pds;
pub mod sds_fhir;
mod server;
mod tls;
pub mod vandm;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use vmcheck_core::jwt::AuditContext;

pub use faults::{Fault, FaultParseError, FaultTarget};
pub use oauth::PdsAuthConfig;
pub use patients::{patients, Expected, TestPatient};
pub use tls::SandboxTls;

/// The ASID of the training client system (the sandbox accepts it in `Ssp-From` by default).
pub const TRAINING_CLIENT_ASID: &str = "200000000359";
/// ODS code of the training organisation.
pub const TRAINING_ODS_CODE: &str = directory::TRAINING_ODS_CODE;
/// Name of the training organisation.
pub const TRAINING_ORG_NAME: &str = "V&M Check Training Hospital";
/// The training smartcard user's SDS user id (UUID).
pub const TRAINING_USER_UUID: &str = "555021935107";
/// The training user's SDS role profile id.
pub const TRAINING_ROLE_PROFILE_ID: &str = "555021936109";
/// The `iss` of training audit tokens.
pub const TRAINING_ISSUER: &str = "https://vmcheck.training.invalid";
/// The device id of the training installation.
pub const TRAINING_DEVICE_ID: &str = "2f6c1b7e-5a0d-4c3e-9b1f-7d8e9a0b1c2d";

/// The audit context of the training identity (training user, role, organisation and device),
/// for building audit tokens the sandbox accepts.
pub fn training_audit_context() -> AuditContext {
    AuditContext {
        issuer: TRAINING_ISSUER.into(),
        user_id: TRAINING_USER_UUID.into(),
        role_profile_id: TRAINING_ROLE_PROFILE_ID.into(),
        ods_code: TRAINING_ODS_CODE.into(),
        organisation_name: TRAINING_ORG_NAME.into(),
        device_id: TRAINING_DEVICE_ID.into(),
        software_name: "V&M Check".into(),
        software_version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// How to run the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOptions {
    /// The address to bind (loopback: `127.0.0.1`).
    pub bind: IpAddr,
    /// `None`: ephemeral ports; `Some(n)`: PDS on `n`, LDAP on `n + 1`, V&M on `n + 2`.
    pub port_base: Option<u16>,
    /// A fault applied to every V&M request of the run, or to the directory for `sds-down` and
    /// `sds-slow` (see [`Sandbox::set_fault`]; PDS faults are set with
    /// [`Sandbox::set_pds_fault`]).
    pub fault: Option<Fault>,
    /// Client ASIDs accepted in `Ssp-From`.
    pub allowed_client_asids: Vec<String>,
    /// Signed-JWT authentication of PDS, as the NHS API platform does it: a token endpoint
    /// (`POST /oauth2/token` on the PDS port, [`SandboxUrls::token_url`]) for this registered
    /// application, and PDS requiring its bearer tokens. `None` (the default): PDS needs no
    /// token, like PDS's public sandbox.
    pub pds_auth: Option<PdsAuthConfig>,
    /// The public key (RSA PEM) of signed audit JWTs: when set, the V&M endpoint requires the
    /// audit token signed RS256 or RS512 with the matching private key, as an environment that
    /// validates signatures would. `None` (the default): unsigned tokens, as Spine takes them.
    pub audit_jwt_public_key_pem: Option<Vec<u8>>,
    /// Serve the V&M endpoint over TLS (and require client certificates when
    /// [`SandboxTls::client_ca_pem`] is set); `None` (the default): plain HTTP.
    pub tls: Option<SandboxTls>,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port_base: None,
            fault: None,
            allowed_client_asids: vec![TRAINING_CLIENT_ASID.to_owned()],
            pds_auth: None,
            audit_jwt_public_key_pem: None,
            tls: None,
        }
    }
}

/// Where the running sandbox listens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SandboxUrls {
    /// PDS FHIR base: `http://127.0.0.1:P/personal-demographics/FHIR/R4`.
    pub pds_base: String,
    /// SDS LDAP: `ldap://127.0.0.1:P`.
    pub ldap_url: String,
    /// V&M FHIR base (also the directory's `nhsMhsEndPoint`): `http://127.0.0.1:P/fhir`, or
    /// `https://…` when served over TLS.
    pub vandm_base: String,
}

impl SandboxUrls {
    /// The SDS FHIR API's base URL, `{PDS origin}/spine-directory/FHIR/R4` (the API platform's
    /// host, as on the real service), answering from the same directory as the LDAP server
    /// ([`sds_fhir`]).
    pub fn sds_fhir_base(&self) -> String {
        let origin = self
            .pds_base
            .strip_suffix(pds::BASE_PATH)
            .unwrap_or(&self.pds_base);
        format!("{origin}{}", sds_fhir::BASE_PATH)
    }

    /// The OAuth token URL, `{PDS origin}/oauth2/token` (answering only with
    /// [`SandboxOptions::pds_auth`] set).
    pub fn token_url(&self) -> String {
        let origin = self
            .pds_base
            .strip_suffix(pds::BASE_PATH)
            .unwrap_or(&self.pds_base);
        format!("{origin}{}", oauth::TOKEN_PATH)
    }

    /// The sandbox trust's Care Connect FHIR STU3 base, `{PDS origin}/care-connect/STU3`
    /// ([`care_connect`]).
    pub fn care_connect_base(&self) -> String {
        let origin = self
            .pds_base
            .strip_suffix(pds::BASE_PATH)
            .unwrap_or(&self.pds_base);
        format!("{origin}{}", care_connect::BASE_PATH)
    }
}

/// State shared by the servers and the [`Sandbox`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub urls: SandboxUrls,
    pub allowed_client_asids: Vec<String>,
    fault: Mutex<Option<Fault>>,
    pds_fault: Mutex<Option<Fault>>,
    sds_fault: Mutex<Option<Fault>>,
    pub vandm_requests: AtomicU64,
    pub pds_requests: AtomicU64,
    /// Care Connect searches received.
    pub care_connect_requests: AtomicU64,
    /// The run-wide Care Connect fault.
    care_connect_fault: Mutex<Option<Fault>>,
    /// The token endpoint, when PDS requires tokens.
    pub pds_auth: Option<oauth::OAuthState>,
    /// The key signed audit JWTs must verify with, when they must be signed.
    pub audit_jwt_key: Option<vmcheck_jws::jsonwebtoken::DecodingKey>,
}

impl Shared {
    /// The run-wide V&M fault now.
    pub fn fault(&self) -> Option<Fault> {
        self.fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The run-wide PDS fault now.
    pub fn pds_fault(&self) -> Option<Fault> {
        self.pds_fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The run-wide Care Connect fault now.
    pub fn care_connect_fault(&self) -> Option<Fault> {
        self.care_connect_fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The run-wide SDS fault now.
    pub fn sds_fault(&self) -> Option<Fault> {
        self.sds_fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets the run-wide fault of the service `fault` belongs to (V&M or SDS); `None` clears
    /// both.
    fn set_run_fault(&self, fault: Option<Fault>) {
        let slot = |m: &Mutex<Option<Fault>>, f: Option<Fault>| {
            *m.lock().unwrap_or_else(PoisonError::into_inner) = f;
        };
        match fault.as_ref().map(Fault::target) {
            None => {
                slot(&self.fault, None);
                slot(&self.sds_fault, None);
            }
            Some(FaultTarget::Vandm) => slot(&self.fault, fault),
            Some(FaultTarget::Sds) => slot(&self.sds_fault, fault),
        }
    }
}

/// The sandbox's directory as the run-wide faults make it: the V&M endpoint moved to a closed
/// port (`refused`) or to a port that fails every TLS handshake (`tls-failure`), searches late
/// (`sds-slow`) or connections closed at once (`sds-down`).
struct FaultyDirectory {
    shared: Arc<Shared>,
    normal: Arc<directory::Directory>,
    refused: Arc<directory::Directory>,
    tls_failure: Arc<directory::Directory>,
}

impl ldap::Planner for FaultyDirectory {
    fn plan(&self) -> ldap::Plan {
        let directory = match self.shared.fault() {
            Some(Fault::Refused) => &self.refused,
            Some(Fault::TlsFailure) => &self.tls_failure,
            _ => &self.normal,
        };
        let sds = self.shared.sds_fault();
        ldap::Plan {
            directory: Arc::clone(directory),
            search_delay: match sds {
                Some(Fault::SdsSlow(d)) => d,
                _ => Duration::ZERO,
            },
            down: sds == Some(Fault::SdsDown),
        }
    }
}

/// A loopback port nothing listens on (bound, then released): connecting to it is refused.
fn closed_port(bind: IpAddr) -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(SocketAddr::new(bind, 0))?;
    listener.local_addr()
}

/// A running sandbox. Dropping it (or [`Sandbox::shutdown`]) stops its three servers.
pub struct Sandbox {
    shared: Arc<Shared>,
    stop: CancellationToken,
    /// The two HTTP servers (they stop on `stop`).
    tasks: Vec<JoinHandle<()>>,
    /// The LDAP server (it serves until aborted).
    ldap_task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("urls", &self.shared.urls)
            .finish_non_exhaustive()
    }
}

async fn bind_all(opts: &SandboxOptions) -> std::io::Result<[TcpListener; 3]> {
    let port = |offset: u16| -> std::io::Result<u16> {
        match opts.port_base {
            None => Ok(0),
            Some(base) => base.checked_add(offset).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "port_base + 2 is beyond 65535",
                )
            }),
        }
    };
    let pds = TcpListener::bind(SocketAddr::new(opts.bind, port(0)?)).await?;
    let ldap = TcpListener::bind(SocketAddr::new(opts.bind, port(1)?)).await?;
    let vandm = TcpListener::bind(SocketAddr::new(opts.bind, port(2)?)).await?;
    Ok([pds, ldap, vandm])
}

impl Sandbox {
    /// Binds the PDS, LDAP and V&M ports, then serves them on the current tokio runtime.
    /// Unusable [`SandboxOptions::tls`] material is an `InvalidInput` error naming the part.
    pub async fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        let vandm_tls = opts.tls.as_ref().map(tls::acceptor).transpose()?;
        let [pds_listener, ldap_listener, vandm_listener] = bind_all(&opts).await?;
        let urls = SandboxUrls {
            pds_base: format!("http://{}{}", pds_listener.local_addr()?, pds::BASE_PATH),
            ldap_url: format!("ldap://{}", ldap_listener.local_addr()?),
            vandm_base: format!(
                "{}://{}{}",
                if vandm_tls.is_some() { "https" } else { "http" },
                vandm_listener.local_addr()?,
                vandm::BASE_PATH
            ),
        };
        let pds_auth = opts
            .pds_auth
            .clone()
            .map(|c| oauth::OAuthState::new(c, urls.token_url()))
            .transpose()?;
        let audit_jwt_key = opts
            .audit_jwt_public_key_pem
            .as_deref()
            .map(|pem| {
                vmcheck_jws::jsonwebtoken::DecodingKey::from_rsa_pem(pem).map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "audit_jwt_public_key_pem is not an RSA public key in PEM form",
                    )
                })
            })
            .transpose()?;
        let directory = Arc::new(directory::Directory::spine(&urls.vandm_base));
        let refused = Arc::new(directory::Directory::spine(&format!(
            "http://{}{}",
            closed_port(opts.bind)?,
            vandm::BASE_PATH
        )));
        let alert_listener = TcpListener::bind(SocketAddr::new(opts.bind, 0)).await?;
        let tls_failure = Arc::new(directory::Directory::spine(&format!(
            "https://{}{}",
            alert_listener.local_addr()?,
            vandm::BASE_PATH
        )));
        let shared = Arc::new(Shared {
            urls,
            allowed_client_asids: opts.allowed_client_asids,
            fault: Mutex::new(None),
            pds_fault: Mutex::new(None),
            sds_fault: Mutex::new(None),
            vandm_requests: AtomicU64::new(0),
            pds_requests: AtomicU64::new(0),
            care_connect_requests: AtomicU64::new(0),
            care_connect_fault: Mutex::new(None),
            pds_auth,
            audit_jwt_key,
        });
        shared.set_run_fault(opts.fault);
        // The LDAP server and the SDS FHIR API answer from the same directory, faults included.
        let planner = Arc::new(FaultyDirectory {
            shared: Arc::clone(&shared),
            normal: directory,
            refused,
            tls_failure,
        });
        let stop = CancellationToken::new();
        let tasks = vec![
            server::spawn_tls_alert(alert_listener, stop.clone()),
            server::spawn_http(
                pds_listener,
                pds::router(Arc::clone(&shared)).route(
                    &format!("{}/{{*rest}}", sds_fhir::BASE_PATH),
                    sds_fhir::planned(planner.clone()),
                ),
                stop.clone(),
                "pds",
                None,
            ),
            server::spawn_http(
                vandm_listener,
                vandm::router(Arc::clone(&shared)),
                stop.clone(),
                "vandm",
                vandm_tls,
            ),
        ];
        let ldap_task = tokio::spawn(ldap::serve_planned(ldap_listener, planner));
        tracing::info!(patients = patients().len(), "sandbox started");
        Ok(Sandbox {
            shared,
            stop,
            tasks,
            ldap_task: Some(ldap_task),
        })
    }

    /// Where the servers listen.
    pub fn urls(&self) -> &SandboxUrls {
        &self.shared.urls
    }

    /// Sets the fault applied from now on to every V&M request or, for `sds-down` and
    /// `sds-slow`, to the directory; `None` clears both.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.shared.set_run_fault(fault);
    }

    /// Sets (or clears) a fault applied to every PDS request from now on.
    pub fn set_pds_fault(&self, fault: Option<Fault>) {
        *self
            .shared
            .pds_fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// How many HTTP requests the V&M server has received (metadata included, refused ones
    /// included).
    pub fn request_count(&self) -> u64 {
        self.shared.vandm_requests.load(Ordering::SeqCst)
    }

    /// How many HTTP requests the PDS server has received (token requests not included).
    pub fn pds_request_count(&self) -> u64 {
        self.shared.pds_requests.load(Ordering::SeqCst)
    }

    /// Sets (or clears) a fault applied to every Care Connect search from now on (the HTTP
    /// faults: `500`, `html502`, `reset`, `truncated`, `wrong-content-type`, `redirect`,
    /// `deep-json`, `oversized`, `hang`, …).
    pub fn set_care_connect_fault(&self, fault: Option<Fault>) {
        *self
            .shared
            .care_connect_fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// How many Care Connect searches the sandbox trust's API has received (refused ones
    /// included).
    pub fn care_connect_request_count(&self) -> u64 {
        self.shared.care_connect_requests.load(Ordering::SeqCst)
    }

    /// How many requests the token endpoint has received (refused ones included; 0 without
    /// [`SandboxOptions::pds_auth`]).
    pub fn token_request_count(&self) -> u64 {
        self.shared
            .pds_auth
            .as_ref()
            .map_or(0, oauth::OAuthState::token_requests)
    }

    /// Every PDS client assertion the token endpoint received and access token it issued, so
    /// that tests can prove none of them reaches a log.
    pub fn pds_credentials(&self) -> Vec<String> {
        self.shared
            .pds_auth
            .as_ref()
            .map_or_else(Vec::new, oauth::OAuthState::credentials)
    }

    /// Invalidates every access token issued so far: PDS answers 401 to them from now on.
    pub fn revoke_pds_tokens(&self) {
        if let Some(auth) = &self.shared.pds_auth {
            auth.revoke_all();
        }
    }

    /// Stops the three servers: no new connections, open HTTP connections cut, and waits
    /// (briefly) for the servers to finish.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(ldap) = self.ldap_task.take() {
            ldap.abort();
            // Resolves once the task is gone, and with it the listener.
            let _cancelled = ldap.await;
        }
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        tracing::info!("sandbox stopped");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(ldap) = &self.ldap_task {
            ldap.abort();
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}
