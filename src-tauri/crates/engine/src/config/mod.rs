//! Configuration: a TOML file read once at start, validated in full, each problem reported with
//! the key at fault and how to fix it. Plain structs with defaults; nothing else in the product
//! reads the environment for settings.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use vmcheck_core::fhir::WireFormat;
use vmcheck_core::sds::VANDM_SEARCH_SDS_INTERACTION;

/// Which Spine the configuration talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The V&M Check sandbox (tests, demos, training). Not real patient data.
    Sandbox,
    /// An NHS integration (path-to-live) environment.
    Integration,
    /// Live Spine.
    Live,
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which Spine.
    pub environment: Environment,
    /// Who the requests come from.
    pub organisation: Organisation,
    /// The user, until smartcard sign-in provides one.
    pub identity: Option<Identity>,
    /// PDS FHIR.
    pub pds: PdsConfig,
    /// SDS over LDAP (omit when `vandm.endpoint` is fixed).
    pub sds: Option<SdsConfig>,
    /// The trust's Care Connect FHIR STU3 API: lookups by hospital number (omit to accept NHS
    /// numbers only).
    pub care_connect: Option<CareConnectConfig>,
    /// The V&M endpoint.
    #[serde(default)]
    pub vandm: VandmConfig,
    /// Mutual TLS for Spine calls (required in `integration` and `live`).
    pub tls: Option<TlsConfig>,
    /// Smartcard sign-in; without it lookups act as `[identity]`.
    pub session: Option<SessionConfig>,
    /// The local audit log.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The audit JWT: unsigned (the default, as Spine takes it) or signed.
    #[serde(default)]
    pub audit_jwt: AuditJwtConfig,
    /// The application log.
    #[serde(default)]
    pub log: crate::logging::LogConfig,
    /// Limits on every HTTP answer (PDS, V&M, the token service).
    #[serde(default)]
    pub http: HttpConfig,
    /// The admissions worklist.
    #[serde(default)]
    pub worklist: WorklistConfig,
    /// What users may change in their own preferences file (the administrator's file sets it).
    #[serde(default)]
    pub preferences: PreferencePolicy,
    /// Who sees a status's detail.
    #[serde(default)]
    pub rbac: RbacConfig,
}

/// `[preferences]`: the administrator's bounds on the users' preferences (see [`layers`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PreferencePolicy {
    /// Preferences users cannot change (`vandm.format`, `session.idle_lock_secs`, `log.level`).
    #[serde(default)]
    pub locked: Vec<String>,
    /// The longest idle lock a user may choose, in seconds.
    pub max_idle_lock_secs: Option<u64>,
    /// The most detailed log level a user may choose.
    pub max_log_level: Option<crate::logging::Level>,
}

/// `[worklist]`: where jobs are kept and how fast they run.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorklistConfig {
    /// The job store (default: beside the audit log, `worklists.sqlite`).
    pub path: Option<std::path::PathBuf>,
    /// Requests at once (default 4).
    #[serde(default = "default_worklist_concurrency")]
    pub concurrency: usize,
    /// Requests per second at most (default 5 against Spine; unlimited in the sandbox when
    /// not set).
    pub rate_per_second: Option<f64>,
    /// Tries again after a transient failure (default 3).
    #[serde(default = "default_worklist_retries")]
    pub retries: u32,
}

impl Default for WorklistConfig {
    fn default() -> Self {
        Self {
            path: None,
            concurrency: default_worklist_concurrency(),
            rate_per_second: None,
            retries: default_worklist_retries(),
        }
    }
}

fn default_worklist_concurrency() -> usize {
    4
}

fn default_worklist_retries() -> u32 {
    3
}

/// The rate a worklist keeps against Spine unless configured (requests per second).
pub const DEFAULT_WORKLIST_RATE: f64 = 5.0;

/// `[http]`: limits applied to every HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// The largest response body read, in bytes (default 2 MiB); a larger answer is an error.
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_response_bytes: default_max_response_bytes(),
        }
    }
}

impl HttpConfig {
    /// The cap as a size.
    pub fn max_body_bytes(&self) -> usize {
        usize::try_from(self.max_response_bytes).unwrap_or(usize::MAX)
    }
}

fn default_max_response_bytes() -> u64 {
    vmcheck_spine::http::DEFAULT_MAX_BODY_BYTES as u64
}

/// Where the smartcard is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CardSource {
    /// Real readers over PC/SC.
    Pcsc,
    /// The built-in software training card (sandbox environment only).
    Training,
}

/// Which card profiles to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileChoice {
    /// PIV, then the ISO 7816-4 file profile.
    Auto,
    /// PIV only.
    Piv,
    /// The file profile only.
    File,
}

/// Smartcard sign-in settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// `desk` (default) or `kiosk`.
    #[serde(default = "default_mode")]
    pub mode: vmcheck_core::session::Mode,
    /// Idle time before the session locks (default: 900 at a desk, 120 at a kiosk).
    pub idle_lock_secs: Option<u64>,
    /// `pcsc` (default) or `training`.
    #[serde(default = "default_card")]
    pub card: CardSource,
    /// `auto` (default), `piv` or `file`.
    #[serde(default = "default_profile")]
    pub card_profile: ProfileChoice,
    /// Kiosk: seconds before a result clears itself (default 60).
    #[serde(default = "default_result_clear")]
    pub result_clear_secs: u64,
    /// Roles offered when no SDS directory is configured.
    #[serde(default)]
    pub roles: Vec<ConfiguredRole>,
    /// A kiosk may print result slips (default: no; a desk always may).
    #[serde(default)]
    pub kiosk_print: bool,
}

/// A role listed in configuration.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredRole {
    /// The SDS role profile id.
    pub role_profile_id: String,
    /// Its name.
    pub job_role: String,
    /// Its RBAC activity codes (none: it sees no status detail).
    #[serde(default)]
    pub business_functions: Vec<String>,
}

/// The audit log's settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The SQLite file (default: `$XDG_DATA_HOME/vmcheck/audit.sqlite`, else
    /// `~/.local/share/vmcheck/audit.sqlite`; `training-audit.sqlite` there in the sandbox
    /// environment, so training never writes into the real log).
    pub path: Option<std::path::PathBuf>,
    /// The keyring entry holding the log's key (default `vmcheck-audit-log-key`), created on
    /// first use.
    pub key_secret: Option<String>,
    /// Sandbox environment only: a file holding the log's key (default there: the log's path
    /// with `.key` added), created on first use.
    pub key_file: Option<std::path::PathBuf>,
    /// Where signed checkpoints are appended (default: the log's path with `.checkpoints`
    /// added). Name a place the desk's users cannot write to.
    pub checkpoint_path: Option<std::path::PathBuf>,
    /// A checkpoint every this many records (default 100), and at every sign-out and lock.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: u64,
    /// How long to wait for another program writing the log, in milliseconds (default 10000).
    #[serde(default = "default_busy_timeout_ms")]
    pub busy_timeout_ms: u64,
    /// The trust's central audit store, to which this desk forwards its log (none: the log
    /// stays on this desk).
    pub central: Option<CentralAuditConfig>,
}

/// `[audit.central]`: the trust's central audit store on PostgreSQL. The local log stays the
/// write-ahead spool: lookups never wait for it, and records are forwarded in the background.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CentralAuditConfig {
    /// The PostgreSQL server's host name (as its certificate names it) or address.
    pub host: String,
    /// Its port (default 5432).
    #[serde(default = "default_central_port")]
    pub port: u16,
    /// The database (default `vmcheck_audit`).
    #[serde(default = "default_central_dbname")]
    pub dbname: String,
    /// The user this desk connects as.
    pub user: String,
    /// The keyring entry holding that user's password (none: the server asks for none).
    pub password_secret: Option<String>,
    /// The trust's CA certificates (PEM) the server's certificate is checked against; required
    /// unless the server is on this machine (127.0.0.1, ::1, localhost).
    pub ca_file: Option<std::path::PathBuf>,
    /// How long connecting may take, in seconds (default 5).
    #[serde(default = "default_central_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// How often the spool is forwarded when nothing new asks sooner, in seconds (default 5).
    #[serde(default = "default_central_every")]
    pub forward_every_secs: u64,
}

fn default_central_port() -> u16 {
    5432
}
fn default_central_dbname() -> String {
    "vmcheck_audit".into()
}
fn default_central_connect_timeout() -> u64 {
    5
}
fn default_central_every() -> u64 {
    5
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            path: None,
            key_secret: None,
            key_file: None,
            checkpoint_path: None,
            checkpoint_every: default_checkpoint_every(),
            busy_timeout_ms: default_busy_timeout_ms(),
            central: None,
        }
    }
}

/// The keyring entry of the audit log's key unless configured.
pub const DEFAULT_AUDIT_KEY_SECRET: &str = "vmcheck-audit-log-key";

fn default_checkpoint_every() -> u64 {
    100
}
fn default_busy_timeout_ms() -> u64 {
    10_000
}

/// Where the audit log's key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditKeySource {
    /// A keyring entry.
    Keyring(String),
    /// A file (sandbox environment only).
    File(std::path::PathBuf),
}

impl Config {
    /// The audit log's file, as configured or by default (`None`: no home folder is known).
    pub fn audit_path(&self) -> Option<std::path::PathBuf> {
        self.audit.path.clone().or_else(|| {
            if self.environment == Environment::Sandbox {
                training_audit_path()
            } else {
                default_audit_path()
            }
        })
    }

    /// The worklist's settings: `[worklist]`, with the rate unlimited in the sandbox unless
    /// set.
    pub fn worklist_settings(&self) -> crate::worklist::WorklistSettings {
        crate::worklist::WorklistSettings {
            rate_per_second: match (self.worklist.rate_per_second, self.environment) {
                (Some(r), _) => Some(r),
                (None, Environment::Sandbox) => None,
                (None, _) => Some(DEFAULT_WORKLIST_RATE),
            },
            retries: self.worklist.retries,
            ..crate::worklist::WorklistSettings::default()
        }
        .with_concurrency(self.worklist.concurrency)
    }

    /// The worklist's job store: `[worklist] path`, else beside the audit log.
    pub fn worklist_path(&self) -> Option<std::path::PathBuf> {
        self.worklist.path.clone().or_else(|| {
            self.audit_path()
                .map(|a| crate::worklist::Worklist::default_path(&a))
        })
    }

    /// Where the audit log's key is kept.
    pub fn audit_key_source(&self, log: &Path) -> AuditKeySource {
        match (&self.audit.key_secret, &self.audit.key_file) {
            (Some(name), _) => AuditKeySource::Keyring(name.clone()),
            (None, Some(file)) => AuditKeySource::File(file.clone()),
            (None, None) if self.environment == Environment::Sandbox => {
                AuditKeySource::File(with_suffix(log, ".key"))
            }
            (None, None) => AuditKeySource::Keyring(DEFAULT_AUDIT_KEY_SECRET.to_owned()),
        }
    }

    /// Where checkpoints of the log at `log` go.
    pub fn checkpoint_path(&self, log: &Path) -> std::path::PathBuf {
        self.audit
            .checkpoint_path
            .clone()
            .unwrap_or_else(|| with_suffix(log, ".checkpoints"))
    }
}

/// `path` with `suffix` added to its file name (`audit.sqlite` → `audit.sqlite.key`).
fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

fn default_mode() -> vmcheck_core::session::Mode {
    vmcheck_core::session::Mode::Desk
}
fn default_card() -> CardSource {
    CardSource::Pcsc
}
fn default_profile() -> ProfileChoice {
    ProfileChoice::Auto
}
fn default_result_clear() -> u64 {
    60
}

impl SessionConfig {
    /// The idle time in force.
    pub fn idle_lock(&self) -> Duration {
        self.idle_lock_secs
            .map(Duration::from_secs)
            .unwrap_or_else(|| self.mode.default_idle())
    }

    /// The card profiles to try, in order.
    pub fn profiles(&self) -> Vec<vmcheck_core::card::CardProfile> {
        use vmcheck_core::card::{CardProfile, FileProfile};
        match self.card_profile {
            ProfileChoice::Auto => CardProfile::defaults(),
            ProfileChoice::Piv => vec![CardProfile::Piv],
            ProfileChoice::File => vec![CardProfile::File(FileProfile::default())],
        }
    }
}

/// The care organisation and the accredited client system.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// ODS code of the organisation where requests originate (e.g. `RRK`).
    pub ods_code: String,
    /// Its name.
    pub name: String,
    /// This system's ASID (12 digits, issued at accreditation).
    pub client_asid: String,
    /// The issuer URI in audit tokens.
    pub issuer: String,
    /// A stable id of this installation; defaults to one derived from the ASID.
    pub device_id: Option<String>,
}

/// A configured user identity.
#[derive(Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The user's SDS user id (smartcard UUID, 12–14 digits).
    pub user_uuid: String,
    /// The SDS role profile id they act in.
    pub role_profile_id: String,
    /// That role's RBAC activity codes (none: it sees no status detail).
    #[serde(default)]
    pub business_functions: Vec<String>,
}

/// `[rbac]`: who sees what.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RbacConfig {
    /// The RBAC activity codes that may see a status's detail — category, its definition, the
    /// date, the technical details (default: B0259, the National Care Records Service's rule).
    /// Every role sees the banner.
    #[serde(default = "default_detail_activities")]
    pub detail_activities: Vec<String>,
}

impl Default for RbacConfig {
    fn default() -> Self {
        Self {
            detail_activities: default_detail_activities(),
        }
    }
}

fn default_detail_activities() -> Vec<String> {
    vec![vmcheck_core::roles::DETAIL_ACTIVITY.to_owned()]
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(***)")
    }
}

/// PDS settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PdsConfig {
    /// FHIR R4 base URL, e.g. `https://…/personal-demographics/FHIR/R4`.
    pub base_url: String,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Application-restricted access with a signed JWT (`[pds.auth]`); without it no
    /// `Authorization` is sent (PDS's public sandbox, the V&M Check sandbox).
    pub auth: Option<PdsAuthConfig>,
}

/// `[pds.auth]`: the NHS API platform's signed-JWT authentication. The client assertion is
/// signed RS512 with the application's private key, kept in the keyring (`key_secret`).
#[derive(Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PdsAuthConfig {
    /// The application's API key, from the NHS developer portal (`iss` and `sub`).
    pub api_key: String,
    /// The `kid` under which the application's public key is registered.
    pub kid: String,
    /// The OAuth token URL, e.g. `https://int.api.service.nhs.uk/oauth2/token`.
    pub token_url: String,
    /// Name of the keyring entry holding the private key (PEM), e.g. `vmcheck-pds-key`.
    pub key_secret: Option<String>,
    /// A PEM private key file — `environment = "sandbox"` only.
    pub key_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for PdsAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdsAuthConfig")
            .field("kid", &self.kid)
            .field("token_url", &self.token_url)
            .field("key_secret", &self.key_secret)
            .finish_non_exhaustive()
    }
}

/// How the audit JWT is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum AuditJwtAlgorithm {
    /// Unsigned, `{"alg":"none"}` (the specification's form; the default).
    #[default]
    #[serde(rename = "none")]
    None,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RS256,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RS512,
}

/// `[audit_jwt]`: signing of the audit JWT, for environments that validate signatures.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditJwtConfig {
    /// `"none"` (default), `"RS256"` or `"RS512"`.
    #[serde(default)]
    pub algorithm: AuditJwtAlgorithm,
    /// Name of the keyring entry holding the signing key (PEM), with RS256/RS512.
    pub key_secret: Option<String>,
    /// A PEM private key file — `environment = "sandbox"` only.
    pub key_file: Option<std::path::PathBuf>,
}

/// How the Spine Directory Service is reached (`[sds] kind`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SdsKind {
    /// SDS over LDAP (`ldap_url`): the V&M endpoint, and users' role profiles.
    #[default]
    Ldap,
    /// The SDS FHIR API (`fhir_base_url`, API key from the keyring entry `api_key_secret`): the
    /// V&M endpoint only. The API has no person or role search, so users' roles come from
    /// `[session] roles`, as they do without SDS.
    Fhir,
}

/// The keyring entry holding the SDS FHIR API key, unless `[sds] api_key_secret` names another.
pub const DEFAULT_SDS_API_KEY_SECRET: &str = "sds-api-key";

/// SDS settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SdsConfig {
    /// `ldap` (default) or `fhir`.
    #[serde(default)]
    pub kind: SdsKind,
    /// `ldap://host:port` or `ldaps://host:port` (with `kind = "ldap"`).
    #[serde(default)]
    pub ldap_url: String,
    /// The SDS FHIR API's base URL (with `kind = "fhir"`), e.g.
    /// `https://int.api.service.nhs.uk/spine-directory/FHIR/R4`.
    #[serde(default)]
    pub fhir_base_url: Option<String>,
    /// The keyring entry holding the SDS FHIR API key (with `kind = "fhir"`).
    #[serde(default = "default_sds_api_key_secret")]
    pub api_key_secret: String,
    /// Search base (LDAP).
    #[serde(default = "default_base_dn")]
    pub base_dn: String,
    /// The Spine's ODS code (`YES` in the development environments).
    #[serde(default = "default_spine_ods")]
    pub spine_ods_code: String,
    /// The interaction id looked up (default: the V&M search as SDS registers it, with its
    /// major version, `…:search:observation:1`).
    #[serde(default = "default_interaction")]
    pub interaction: String,
    /// How long a found endpoint is reused, in seconds.
    #[serde(default = "default_ttl")]
    pub cache_ttl_secs: u64,
    /// Per-operation timeout in seconds.
    #[serde(default = "default_sds_timeout")]
    pub timeout_secs: u64,
    /// PEM CA certificates trusted for `ldaps://` or the FHIR API's `https://` (default: the
    /// system's trust store).
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl SdsConfig {
    /// Whether users' role profiles come from this directory (LDAP only: the SDS FHIR API has
    /// no role search).
    pub fn provides_roles(&self) -> bool {
        self.kind == SdsKind::Ldap
    }

    /// The directory's address for its kind: `ldap_url`, or `fhir_base_url`.
    pub fn url(&self) -> &str {
        match self.kind {
            SdsKind::Ldap => &self.ldap_url,
            SdsKind::Fhir => self.fhir_base_url.as_deref().unwrap_or_default(),
        }
    }

    /// The endpoint directory these settings describe: the LDAP client, or the FHIR API client
    /// with the API key read from the keyring entry `api_key_secret` now. Errors name the
    /// configuration key and the keyring entry, never the key.
    pub(crate) fn directory(
        &self,
        secrets: &dyn vmcheck_secrets::SecretLookup,
    ) -> Result<vmcheck_spine::sds_fhir::SdsDirectory, String> {
        if self.kind == SdsKind::Ldap {
            return self.client().map(Into::into).map_err(|e| e.to_string());
        }
        let url = self.fhir_base_url.as_deref().unwrap_or_default();
        let key = secrets.get(&self.api_key_secret).map_err(|problem| {
            format!(
                "sds.api_key_secret: the keyring entry '{}' (the SDS FHIR API key) could not be \
                 read: {problem}",
                self.api_key_secret
            )
        })?;
        let key = std::str::from_utf8(&key)
            .map(str::trim)
            .map_err(|_| {
                format!(
                    "sds.api_key_secret: the keyring entry '{}' is not text",
                    self.api_key_secret
                )
            })?
            .to_owned();
        let key = zeroize::Zeroizing::new(key);
        let client = vmcheck_spine::sds_fhir::SdsFhirClient::new(
            url,
            &key,
            Duration::from_secs(self.timeout_secs),
        )
        .map_err(|e| format!("sds.fhir_base_url: {e}"))?;
        let client = match &self.ca_bundle {
            None => client,
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("sds.ca_bundle {}: {e}", path.display()))?;
                client
                    .with_ca_bundle(&pem)
                    .map_err(|e| format!("sds.ca_bundle {}: {e}", path.display()))?
            }
        };
        Ok(client.into())
    }

    /// The LDAP directory client these settings describe (reads the CA bundle, when set).
    pub(crate) fn client(&self) -> Result<vmcheck_spine::sds::SdsClient, CaBundleError> {
        let client = vmcheck_spine::sds::SdsClient::new(self.ldap_url.clone())
            .with_base_dn(self.base_dn.clone())
            .with_timeout(Duration::from_secs(self.timeout_secs));
        match &self.ca_bundle {
            None => Ok(client),
            Some(path) => {
                let pem = std::fs::read(path).map_err(|source| CaBundleError::Unreadable {
                    path: path.clone(),
                    source,
                })?;
                client
                    .with_ca_bundle(&pem)
                    .map_err(|source| CaBundleError::Invalid {
                        path: path.clone(),
                        source,
                    })
            }
        }
    }
}

/// `[care_connect]`: the trust's Care Connect FHIR STU3 API, which turns a hospital number into
/// the patient's verified NHS number (`GET [base_url]/Patient?identifier=<system>|<number>`);
/// PDS then traces that number as usual.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CareConnectConfig {
    /// The FHIR STU3 base URL, e.g. `https://careconnect.example-trust.nhs.uk/STU3`.
    pub base_url: String,
    /// The trust's hospital number identifier system, e.g.
    /// `https://fhir.example-trust.nhs.uk/Id/pas-number`.
    pub hospital_number_system: String,
    /// What a hospital number looks like here: each `#` a digit, other characters as they are
    /// (letters in either case), e.g. `RRK#######`. A pattern an NHS number could match is
    /// refused.
    pub hospital_number_pattern: String,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// PEM CA certificates trusting the server's certificate (the trust's own CA), besides the
    /// system's trust store; with it only `https://` is used.
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl CareConnectConfig {
    /// The hospital number pattern (checked when the configuration was validated).
    pub fn pattern(
        &self,
    ) -> Result<
        vmcheck_core::care_connect::HospitalNumberPattern,
        vmcheck_core::care_connect::PatternError,
    > {
        vmcheck_core::care_connect::HospitalNumberPattern::new(&self.hospital_number_pattern)
    }
}

/// The sandbox trust's hospital number system (as `vmcheck_sandbox::care_connect` serves it).
pub const SANDBOX_HOSPITAL_NUMBER_SYSTEM: &str =
    "https://fhir.sandbox-trust.vmcheck.invalid/Id/pas-number";
/// The sandbox trust's hospital number pattern.
pub const SANDBOX_HOSPITAL_NUMBER_PATTERN: &str = "RRK#######";
/// Where the sandbox serves Care Connect, on its PDS port.
const SANDBOX_CARE_CONNECT_PATH: &str = "/care-connect/STU3";
/// The sandbox's PDS base path.
const SANDBOX_PDS_PATH: &str = "/personal-demographics/FHIR/R4";

/// Why `[sds] ca_bundle` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleError {
    /// The file cannot be read.
    #[error("sds.ca_bundle {}: {source}", .path.display())]
    Unreadable {
        /// The file named.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no usable CA certificate.
    #[error("sds.ca_bundle {}: {source}", .path.display())]
    Invalid {
        /// The file named.
        path: std::path::PathBuf,
        /// Why.
        source: vmcheck_spine::sds::SdsError,
    },
}

/// V&M settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct VandmConfig {
    /// A fixed FHIR base URL that bypasses SDS.
    pub endpoint: Option<String>,
    /// The Spine's ASID, required with a fixed endpoint.
    pub spine_asid: Option<String>,
    /// `json` (default) or `xml`.
    #[serde(default = "default_format")]
    pub format: WireFormat,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl Default for VandmConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            spine_asid: None,
            format: WireFormat::Json,
            timeout_secs: default_timeout(),
        }
    }
}

/// Mutual TLS settings (`[tls]`): this system's endpoint certificate, where its private key is
/// kept, and whom to trust. Files are read, and the key fetched, when the engine starts.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM bundle of the certificate authorities trusted for Spine's server certificates (each
    /// Spine environment has its own CA).
    pub ca_bundle: Option<std::path::PathBuf>,
    /// Also trust the operating system's trust store (default true).
    #[serde(default = "default_true")]
    pub system_roots: bool,
    /// PEM chain of this system's endpoint certificate (issued at accreditation), the
    /// certificate first, then any intermediates.
    pub client_certificate: Option<std::path::PathBuf>,
    /// Name of the operating-system keyring entry holding the certificate's private key (PEM),
    /// e.g. `vmcheck-tls-key`.
    pub key_secret: Option<String>,
    /// A PEM private key file — `environment = "sandbox"` only.
    pub key_file: Option<std::path::PathBuf>,
}

fn default_true() -> bool {
    true
}

fn default_timeout() -> u64 {
    15
}
fn default_sds_api_key_secret() -> String {
    DEFAULT_SDS_API_KEY_SECRET.to_owned()
}

fn default_sds_timeout() -> u64 {
    5
}
fn default_ttl() -> u64 {
    3600
}
fn default_base_dn() -> String {
    vmcheck_core::sds::SERVICES_BASE_DN.to_owned()
}
fn default_spine_ods() -> String {
    "YES".to_owned()
}
fn default_interaction() -> String {
    VANDM_SEARCH_SDS_INTERACTION.to_owned()
}
fn default_format() -> WireFormat {
    WireFormat::Json
}

/// Where a sandbox runs and whom it knows: what [`Config::for_sandbox`] needs.
#[derive(Debug, Clone)]
pub struct SandboxTarget {
    /// PDS FHIR base URL.
    pub pds_base: String,
    /// LDAP URL.
    pub ldap_url: String,
    /// The client ASID the sandbox allows.
    pub client_asid: String,
    /// The training organisation's ODS code.
    pub ods_code: String,
    /// Its name.
    pub organisation_name: String,
    /// The training user's UUID.
    pub user_uuid: String,
    /// The training user's role profile id.
    pub role_profile_id: String,
}

/// A configuration problem: which key, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {problem}")]
    Unreadable {
        /// The path.
        path: String,
        /// The OS error.
        problem: String,
    },
    /// Not valid TOML, or a key unknown / missing / of the wrong type.
    #[error("the configuration file is not valid: {0}")]
    Syntax(String),
    /// A value that is present but wrong.
    #[error("configuration key `{key}`: {problem}. {fix}")]
    Invalid {
        /// Dotted key path.
        key: &'static str,
        /// What is wrong.
        problem: String,
        /// How to fix it.
        fix: &'static str,
    },
}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?;
        let mut config = Self::parse(&text)?;
        if let Some(dir) = path.parent() {
            config.resolve_relative_paths(dir);
        }
        Ok(config)
    }

    /// Makes every relative file path in the configuration relative to `dir` (the folder of
    /// the configuration file), so the app finds its files whatever its working directory.
    pub fn resolve_relative_paths(&mut self, dir: &Path) {
        let fix = |p: &mut Option<std::path::PathBuf>| {
            if let Some(path) = p.as_mut() {
                if path.is_relative() && !path.as_os_str().is_empty() {
                    *path = dir.join(&*path);
                }
            }
        };
        if let Some(tls) = self.tls.as_mut() {
            fix(&mut tls.ca_bundle);
            fix(&mut tls.client_certificate);
            fix(&mut tls.key_file);
        }
        if let Some(auth) = self.pds.auth.as_mut() {
            fix(&mut auth.key_file);
        }
        if let Some(sds) = self.sds.as_mut() {
            fix(&mut sds.ca_bundle);
        }
        if let Some(cc) = self.care_connect.as_mut() {
            fix(&mut cc.ca_bundle);
        }
        fix(&mut self.audit_jwt.key_file);
        fix(&mut self.audit.path);
        fix(&mut self.audit.key_file);
        fix(&mut self.audit.checkpoint_path);
        fix(&mut self.log.dir);
        fix(&mut self.worklist.path);
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)
            .map_err(|e| ConfigError::Syntax(e.to_string().trim().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    /// A configuration for a V&M Check sandbox at these URLs, acting as its training identity.
    pub fn for_sandbox(target: &SandboxTarget) -> Self {
        Self {
            environment: Environment::Sandbox,
            organisation: Organisation {
                ods_code: target.ods_code.clone(),
                name: target.organisation_name.clone(),
                client_asid: target.client_asid.clone(),
                issuer: "https://vmcheck.training.invalid".into(),
                device_id: None,
            },
            identity: Some(Identity {
                user_uuid: target.user_uuid.clone(),
                role_profile_id: target.role_profile_id.clone(),
                // The training identity is an overseas visitors manager.
                business_functions: default_detail_activities(),
            }),
            pds: PdsConfig {
                base_url: target.pds_base.clone(),
                timeout_secs: default_timeout(),
                auth: None,
            },
            sds: Some(SdsConfig {
                kind: SdsKind::Ldap,
                ldap_url: target.ldap_url.clone(),
                fhir_base_url: None,
                api_key_secret: default_sds_api_key_secret(),
                base_dn: default_base_dn(),
                spine_ods_code: default_spine_ods(),
                interaction: default_interaction(),
                cache_ttl_secs: default_ttl(),
                timeout_secs: default_sds_timeout(),
                ca_bundle: None,
            }),
            care_connect: Some(CareConnectConfig {
                base_url: format!(
                    "{}{SANDBOX_CARE_CONNECT_PATH}",
                    target
                        .pds_base
                        .strip_suffix(SANDBOX_PDS_PATH)
                        .unwrap_or(&target.pds_base)
                ),
                hospital_number_system: SANDBOX_HOSPITAL_NUMBER_SYSTEM.into(),
                hospital_number_pattern: SANDBOX_HOSPITAL_NUMBER_PATTERN.into(),
                timeout_secs: default_timeout(),
                ca_bundle: None,
            }),
            vandm: VandmConfig::default(),
            tls: None,
            session: None,
            audit: AuditConfig::default(),
            audit_jwt: AuditJwtConfig::default(),
            log: crate::logging::LogConfig::default(),
            http: HttpConfig::default(),
            worklist: WorklistConfig::default(),
            preferences: PreferencePolicy::default(),
            rbac: RbacConfig::default(),
        }
    }

    /// The configured identity as an actor (until smartcard sign-in provides one).
    pub fn actor(&self) -> Option<vmcheck_core::session::Actor> {
        self.identity
            .as_ref()
            .map(|i| vmcheck_core::session::Actor {
                user_uuid: i.user_uuid.clone(),
                role_profile_id: i.role_profile_id.clone(),
                view: vmcheck_core::roles::DetailView::for_activities(
                    &i.business_functions,
                    &self.rbac.detail_activities,
                ),
            })
    }

    /// The device id used in audit tokens.
    pub fn device_id(&self) -> String {
        self.organisation
            .device_id
            .clone()
            .unwrap_or_else(|| format!("vmcheck-{}", self.organisation.client_asid))
    }
}

/// A duration in seconds from config.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub mod layers;
mod paths;
mod validate;

pub use layers::{LayerFiles, Layered};
pub use paths::{config_home, default_audit_path, default_path, training_audit_path};

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
environment = "integration"
[organisation]
ods_code = "RRK"
name = "University Hospitals Birmingham"
client_asid = "200000000359"
issuer = "https://vmcheck.uhb.nhs.uk"
[pds]
base_url = "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
[sds]
ldap_url = "ldaps://ldap.int.example.nhs.uk:636"
[tls]
ca_bundle = "/etc/vmcheck/int-ca.pem"
client_certificate = "/etc/vmcheck/endpoint.pem"
key_secret = "vmcheck-tls-key"
"#;

    /// GOOD without its `[tls]` section.
    fn without_tls(text: &str) -> String {
        let start = text.find("[tls]").expect("tls");
        text[..start].to_owned()
    }

    #[test]
    fn the_directory_is_searched_for_the_interaction_as_sds_registers_it() {
        let config = Config::parse(GOOD).expect("valid");
        let sds = config.sds.expect("sds");
        // SDS registers the V&M search with its major version; the request header does not
        // carry it (SPEC-NOTES §2 and the SDS FHIR notes).
        assert_eq!(
            sds.interaction,
            "urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation:1"
        );
        assert_eq!(
            sds.interaction,
            format!("{}:1", vmcheck_core::sds::VANDM_SEARCH_INTERACTION)
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_configuration_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            format!("{GOOD}[audit]\npath = \"logs/audit.sqlite\"\n"),
        )
        .expect("write");
        let c = Config::load(&file).expect("valid");
        assert_eq!(c.audit.path, Some(dir.path().join("logs/audit.sqlite")));
    }

    #[test]
    fn a_minimal_file_gets_defaults() {
        let c = Config::parse(GOOD).expect("valid");
        let sds = c.sds.expect("sds");
        assert_eq!(sds.cache_ttl_secs, 3600);
        assert_eq!(sds.base_dn, "ou=services,o=nhs");
        assert_eq!(sds.spine_ods_code, "YES");
        assert_eq!(c.vandm.format, WireFormat::Json);
        assert_eq!(c.pds.timeout_secs, 15);
    }

    fn key_of(text: &str) -> String {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key, .. }) => key.to_owned(),
            Err(ConfigError::Syntax(m)) => format!("syntax: {m}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn each_bad_value_names_its_key() {
        let cases = [
            (GOOD.replace("\"RRK\"", "\"rrk\""), "organisation.ods_code"),
            (
                GOOD.replace("200000000359", "20000000035"),
                "organisation.client_asid",
            ),
            (
                GOOD.replace("https://vmcheck", "vmcheck"),
                "organisation.issuer",
            ),
            (GOOD.replace("https://int.api", "int.api"), "pds.base_url"),
            (GOOD.replace("ldaps://ldap", "http://ldap"), "sds.ldap_url"),
            (
                format!("{GOOD}[vandm]\nendpoint = \"https://spine/fhir\"\n"),
                "vandm.spine_asid",
            ),
            (
                format!("{GOOD}[vandm]\nendpoint = \"https://spine/fhir\"\nspine_asid = \"12\"\n"),
                "vandm.spine_asid",
            ),
            (
                format!("{GOOD}[identity]\nuser_uuid = \"12ab\"\nrole_profile_id = \"1\"\n"),
                "identity.user_uuid",
            ),
            (
                GOOD.replace("[pds]", "[pds]\ntimeout_secs = 0"),
                "pds.timeout_secs",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(key_of(&text), key);
        }
    }

    #[test]
    fn live_and_integration_refuse_to_start_without_mutual_tls() {
        for environment in ["integration", "live"] {
            let text = GOOD.replace("\"integration\"", &format!("\"{environment}\""));
            assert!(Config::parse(&text).is_ok(), "{environment}");
            let missing = Config::parse(&without_tls(&text)).expect_err("no [tls]");
            assert_eq!(key_of(&without_tls(&text)), "tls");
            assert!(missing.to_string().contains("key_secret"), "{missing}");
            assert_eq!(
                key_of(&text.replace("key_secret = \"vmcheck-tls-key\"\n", "")),
                "tls.key_secret"
            );
            assert_eq!(
                key_of(&text.replace("client_certificate = \"/etc/vmcheck/endpoint.pem\"\n", "")),
                "tls.client_certificate"
            );
        }
        let sandbox = without_tls(GOOD).replace("\"integration\"", "\"sandbox\"");
        assert!(Config::parse(&sandbox).is_ok());
        let plain = format!(
            "{GOOD}[vandm]\nendpoint = \"http://spine/fhir\"\nspine_asid = \"928942012545\"\n"
        );
        assert_eq!(key_of(&plain), "vandm.endpoint");
    }

    #[test]
    fn a_key_file_is_refused_outside_the_sandbox() {
        let key_file = GOOD.replace(
            "key_secret = \"vmcheck-tls-key\"",
            "key_file = \"/etc/vmcheck/endpoint.key\"",
        );
        for environment in ["integration", "live"] {
            let text = key_file.replace("\"integration\"", &format!("\"{environment}\""));
            assert_eq!(key_of(&text), "tls.key_file");
            let e = Config::parse(&text).expect_err("refused");
            assert!(e.to_string().contains("keyring"), "{e}");
        }
        let sandbox = key_file.replace("\"integration\"", "\"sandbox\"");
        let c = Config::parse(&sandbox).expect("allowed in the sandbox");
        assert!(c.tls.expect("tls").system_roots);
        let both =
            format!("{GOOD}key_file = \"/k.pem\"\n").replace("\"integration\"", "\"sandbox\"");
        assert_eq!(key_of(&both), "tls.key_file");
    }

    #[test]
    fn tls_settings_that_cannot_work_are_named() {
        let sandbox = GOOD.replace("\"integration\"", "\"sandbox\"");
        let cases = [
            (
                sandbox.replace(
                    "ca_bundle = \"/etc/vmcheck/int-ca.pem\"\n",
                    "system_roots = false\n",
                ),
                "tls.ca_bundle",
            ),
            (
                sandbox.replace("client_certificate = \"/etc/vmcheck/endpoint.pem\"\n", ""),
                "tls.client_certificate",
            ),
            (
                sandbox.replace("\"vmcheck-tls-key\"", "\" \""),
                "tls.key_secret",
            ),
            (
                sandbox.replace("\"/etc/vmcheck/int-ca.pem\"", "\"\""),
                "tls.ca_bundle",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(key_of(&text), key, "{text}");
        }
        let typo = key_of(&GOOD.replace("key_secret", "key_secrte"));
        assert!(typo.contains("key_secrte"), "{typo}");
    }

    #[test]
    fn unknown_and_missing_keys_are_named() {
        let unknown = key_of(&GOOD.replace("[pds]", "[pds]\nbase_ulr = \"x\""));
        assert!(unknown.contains("base_ulr"), "{unknown}");
        let missing = key_of(&GOOD.replace("client_asid = \"200000000359\"\n", ""));
        assert!(missing.contains("client_asid"), "{missing}");
        let no_sds = key_of(&GOOD.replace(
            "[sds]\nldap_url = \"ldaps://ldap.int.example.nhs.uk:636\"\n",
            "",
        ));
        assert_eq!(no_sds, "sds");
    }
}

#[cfg(test)]
mod auth_tests {
    //! `[pds.auth]` and `[audit_jwt]`.

    use super::*;

    const BASE: &str = r#"
environment = "sandbox"
[organisation]
ods_code = "RRK"
name = "University Hospitals Birmingham"
client_asid = "200000000359"
issuer = "https://vmcheck.uhb.nhs.uk"
[pds]
base_url = "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
[pds.auth]
api_key = "AbCdEf123"
kid = "vmcheck-1"
token_url = "https://int.api.service.nhs.uk/oauth2/token"
key_secret = "vmcheck-pds-key"
[sds]
ldap_url = "ldaps://ldap.int.example.nhs.uk:636"
"#;

    fn key_of(text: &str) -> String {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key, .. }) => key.to_owned(),
            Err(ConfigError::Syntax(m)) => format!("syntax: {m}"),
            Ok(_) => "ok".into(),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn pds_auth_is_read_and_optional() {
        let c = Config::parse(BASE).expect("valid");
        let auth = c.pds.auth.as_ref().expect("auth");
        assert_eq!(auth.api_key, "AbCdEf123");
        assert_eq!(auth.kid, "vmcheck-1");
        assert_eq!(auth.key_secret.as_deref(), Some("vmcheck-pds-key"));
        assert!(
            !format!("{auth:?}").contains("AbCdEf123"),
            "api key not in Debug"
        );
        assert_eq!(c.audit_jwt.algorithm, AuditJwtAlgorithm::None);
        let start = BASE.find("[pds.auth]").expect("section");
        let end = BASE.find("[sds]").expect("sds");
        let without = format!("{}{}", &BASE[..start], &BASE[end..]);
        assert!(Config::parse(&without).expect("valid").pds.auth.is_none());
    }

    #[test]
    fn each_bad_pds_auth_value_names_its_key() {
        let cases = [
            (BASE.replace("\"AbCdEf123\"", "\"\""), "pds.auth.api_key"),
            (BASE.replace("\"vmcheck-1\"", "\" \""), "pds.auth.kid"),
            (
                BASE.replace("https://int.api.service.nhs.uk/oauth2/token", "token"),
                "pds.auth.token_url",
            ),
            (
                BASE.replace("key_secret = \"vmcheck-pds-key\"\n", ""),
                "pds.auth.key_secret",
            ),
            (
                BASE.replace("\"vmcheck-pds-key\"", "\"has space\""),
                "pds.auth.key_secret",
            ),
            (
                BASE.replace(
                    "key_secret = \"vmcheck-pds-key\"",
                    "key_secret = \"k\"\nkey_file = \"/k.pem\"",
                ),
                "pds.auth.key_file",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(key_of(&text), key, "{text}");
        }
        let typo = key_of(&BASE.replace("token_url", "token_ulr"));
        assert!(typo.contains("token_ulr"), "{typo}");
    }

    #[test]
    fn a_key_file_is_for_the_sandbox_only() {
        let file = BASE.replace(
            "key_secret = \"vmcheck-pds-key\"",
            "key_file = \"/etc/vmcheck/pds.pem\"",
        );
        assert_eq!(key_of(&file), "ok");
        let live = file.replace("\"sandbox\"", "\"live\"");
        // Other sections ([tls]) may be refused first in live; ours must be named when reached.
        let c: Config = toml::from_str(&live).expect("syntax");
        let e = c.validate_pds_auth().expect_err("refused in live");
        assert!(
            matches!(
                &e,
                ConfigError::Invalid {
                    key: "pds.auth.key_file",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("vmcheck secrets import"), "{e}");
        let http = BASE.replace("\"sandbox\"", "\"live\"").replace(
            "https://int.api.service.nhs.uk/oauth2",
            "http://int.api.service.nhs.uk/oauth2",
        );
        let c: Config = toml::from_str(&http).expect("syntax");
        assert!(matches!(
            c.validate_pds_auth(),
            Err(ConfigError::Invalid {
                key: "pds.auth.token_url",
                ..
            })
        ));
    }

    #[test]
    fn audit_jwt_signing_needs_a_key_and_none_refuses_one() {
        let signed = format!(
            "{BASE}[audit_jwt]\nalgorithm = \"RS512\"\nkey_secret = \"vmcheck-audit-key\"\n"
        );
        let c = Config::parse(&signed).expect("valid");
        assert_eq!(c.audit_jwt.algorithm, AuditJwtAlgorithm::RS512);
        assert_eq!(
            key_of(&format!("{BASE}[audit_jwt]\nalgorithm = \"RS256\"\n")),
            "audit_jwt.key_secret"
        );
        assert_eq!(
            key_of(&format!("{BASE}[audit_jwt]\nkey_secret = \"k\"\n")),
            "audit_jwt.algorithm"
        );
        let bad = key_of(&format!("{BASE}[audit_jwt]\nalgorithm = \"HS256\"\n"));
        assert!(bad.starts_with("syntax") && bad.contains("HS256"), "{bad}");
        assert_eq!(
            key_of(&format!("{BASE}[audit_jwt]\nalgorithm = \"none\"\n")),
            "ok"
        );
    }
}
