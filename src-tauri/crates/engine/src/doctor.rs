//! `vmcheck doctor` and the desktop's "Check this computer": every part a lookup depends on,
//! checked in the order a lookup meets them, each one line with a verdict and, when something
//! is wrong, what to do about it. Nothing here touches patient data: PDS is asked for its health
//! check (`_ping`) and an access token, SDS for the V&M endpoint, the trust's Care Connect API
//! (when configured) and Spine for their capability statements; the audit log is opened as the
//! app opens it, verified, and given a write lock that is released at once, nothing written.
//!
//! A check that cannot be made because an earlier one failed is skipped, and says which.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use vmcheck_card::CardAccess;
use vmcheck_card::CardAccessError;
use vmcheck_core::card::Expiry;
use vmcheck_core::doctor::{self as judge, Verdict};
use vmcheck_secrets::SecretLookup;

use crate::clients::Clients;
use crate::clock::Clock;
use crate::config::{AuditKeySource, CardSource, Config, Environment};
use crate::LookupError;

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Check {
    /// A stable name for scripts (`config`, `keyring`, `smartcard`, `audit`, `sds`, `pds`,
    /// `vandm`, `clock`, `certificate`, `central_audit`).
    pub id: String,
    /// What was checked, for people.
    pub title: String,
    /// The verdict.
    #[cfg_attr(feature = "ts", ts(type = "\"pass\" | \"warn\" | \"fail\" | \"skip\""))]
    pub verdict: Verdict,
    /// What was found.
    pub detail: String,
    /// What to do, when something needs doing.
    pub fix: Option<String>,
}

impl Check {
    fn new(id: &str, title: &str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            verdict,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Every check, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoctorReport {
    /// The checks.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    /// True when any check failed.
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.verdict == Verdict::Fail)
    }

    /// The check named `id`.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// What the doctor examines.
pub struct Patient {
    /// The configuration, or why it could not be read.
    pub config: Result<Config, String>,
    /// Where it came from (a file, or "the training sandbox").
    pub source: String,
    /// The secret store (the OS keyring on a desk).
    pub secrets: Arc<dyn SecretLookup>,
    /// The clock compared with the servers'.
    pub clock: Arc<dyn Clock>,
    /// The smartcard readers, when `[session] card = "pcsc"` (the PC/SC service).
    pub cards: Option<Arc<dyn CardAccess>>,
}

/// Runs every check.
pub async fn examine(patient: Patient) -> DoctorReport {
    let mut checks = Vec::new();
    let config = match &patient.config {
        Ok(config) => {
            checks.push(Check::new(
                "config",
                "Configuration",
                Verdict::Pass,
                format!(
                    "valid: {} (environment {})",
                    patient.source,
                    environment_name(config.environment)
                ),
            ));
            config
        }
        Err(problem) => {
            checks.push(
                Check::new(
                    "config",
                    "Configuration",
                    Verdict::Fail,
                    format!("{}: {problem}", patient.source),
                )
                .fix("Correct the configuration file at the key named, then run vmcheck doctor again."),
            );
            for (id, title) in LATER {
                checks.push(Check::new(
                    id,
                    title,
                    Verdict::Skip,
                    "not checked: the configuration is not usable",
                ));
            }
            return DoctorReport { checks };
        }
    };
    checks.push(keyring(config, patient.secrets.as_ref()));
    checks.push(smartcard(config, patient.cards.as_deref()));
    checks.push(audit_log(config, patient.secrets.as_ref()));
    checks.extend(services(config, &patient).await);
    checks.push(certificate(config, patient.clock.as_ref()));
    checks.push(central_audit(config, patient.secrets.as_ref()).await);
    DoctorReport { checks }
}

/// The checks after the configuration, for the skipped lines when it fails.
const LATER: [(&str, &str); 9] = [
    ("keyring", "Keyring"),
    ("smartcard", "Smartcard readers"),
    ("audit", "Audit log"),
    ("sds", "Spine directory (SDS)"),
    ("pds", "PDS"),
    ("vandm", "V&M service (Spine)"),
    ("clock", "Clock"),
    ("certificate", "Endpoint certificate"),
    ("central_audit", "Central audit"),
];

fn environment_name(e: Environment) -> &'static str {
    match e {
        Environment::Sandbox => "sandbox",
        Environment::Integration => "integration",
        Environment::Live => "live",
    }
}

/// The keyring entries the configuration names.
fn named_secrets(config: &Config) -> Vec<(String, &'static str)> {
    let mut names = Vec::new();
    if let Some(name) = config.tls.as_ref().and_then(|t| t.key_secret.clone()) {
        names.push((name, "tls.key_secret"));
    }
    if let Some(name) = config.pds.auth.as_ref().and_then(|a| a.key_secret.clone()) {
        names.push((name, "pds.auth.key_secret"));
    }
    if let Some(name) = config.audit_jwt.key_secret.clone() {
        names.push((name, "audit_jwt.key_secret"));
    }
    if let Some(sds) = config
        .sds
        .as_ref()
        .filter(|s| s.kind == crate::config::SdsKind::Fhir)
    {
        names.push((sds.api_key_secret.clone(), "sds.api_key_secret"));
    }
    if let Some(path) = config.audit_path() {
        if let AuditKeySource::Keyring(name) = config.audit_key_source(&path) {
            names.push((name, "audit.key_secret"));
        }
    }
    if let Some(name) = config
        .audit
        .central
        .as_ref()
        .and_then(|c| c.password_secret.clone())
    {
        names.push((name, "audit.central.password_secret"));
    }
    names
}

/// Records waiting on this desk before the doctor warns that the central store is behind.
pub const SPOOL_WARN: i64 = 1000;

/// The central audit store: reachable (over TLS, with the password from the keyring) and how
/// many of this desk's records wait in its spool.
async fn central_audit(config: &Config, secrets: &dyn SecretLookup) -> Check {
    const ID: &str = "central_audit";
    const TITLE: &str = "Central audit";
    let Some(central) = &config.audit.central else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Skip,
            "not configured: this desk's audit log is its only record",
        );
    };
    let settings = match crate::central::settings(central, secrets) {
        Ok(s) => s,
        Err(problem) => {
            return Check::new(ID, TITLE, Verdict::Fail, problem)
                .fix("Fix [audit.central] (its CA file), or store its password in the keyring with `vmcheck secrets`.")
        }
    };
    // The local log, if there is one (the doctor creates nothing).
    let exists = config.audit_path().is_some_and(|p| p.exists());
    let local = exists
        .then(|| crate::audit::open(config, secrets).ok())
        .flatten()
        .map(|log| {
            let head = log.head().ok().flatten().map_or(0, |(seq, _)| seq);
            (log.installation_id().to_owned(), head)
        });
    let store = match vmcheck_central::CentralStore::connect(&settings).await {
        Ok(store) => store,
        Err(e) => {
            let waiting = local.map_or_else(String::new, |(_, head)| {
                format!("; lookups go on, and this desk's records stay in its log (up to record {head}) until it is back")
            });
            return Check::new(ID, TITLE, Verdict::Warn, format!("{e}{waiting}"))
                .fix("Check the network path to the server and that it is running; records are forwarded when it is back.");
        }
    };
    let Some((installation, local_head)) = local else {
        if !exists {
            return Check::new(
                ID,
                TITLE,
                Verdict::Pass,
                format!(
                    "{} reached; this desk has recorded nothing yet",
                    settings.describe()
                ),
            );
        }
        return Check::new(
            ID,
            TITLE,
            Verdict::Warn,
            format!(
                "{} reached, but this desk's audit log cannot be opened (see Audit log)",
                settings.describe()
            ),
        );
    };
    match store.head(&installation).await {
        Ok(central_head) => {
            let spool = (local_head - central_head).max(0);
            let detail = format!(
                "{} reached; it holds this desk's records up to {central_head}; {spool} waiting to be forwarded",
                settings.describe()
            );
            if spool > SPOOL_WARN {
                Check::new(ID, TITLE, Verdict::Warn, detail)
                    .fix("Forwarding is behind: run `vmcheck audit forward`, and check the server's load.")
            } else {
                Check::new(ID, TITLE, Verdict::Pass, detail)
            }
        }
        Err(e) => Check::new(ID, TITLE, Verdict::Warn, e.to_string())
            .fix("Check the database user's rights on the central store."),
    }
}

fn keyring(config: &Config, secrets: &dyn SecretLookup) -> Check {
    const ID: &str = "keyring";
    const TITLE: &str = "Keyring";
    let names = named_secrets(config);
    if names.is_empty() {
        return Check::new(
            ID,
            TITLE,
            Verdict::Skip,
            "no secret is kept in the keyring here",
        );
    }
    let mut missing = Vec::new();
    for (name, key) in &names {
        match secrets.get(name) {
            Ok(_) => {}
            Err(e) if e.is_unavailable() => {
                return Check::new(ID, TITLE, Verdict::Fail, format!("unreachable or locked: {e}"))
                    .fix("Sign in to the desktop session so the login keyring is unlocked (the Secret Service must be running).");
            }
            Err(_) if *key == "audit.key_secret" => {}
            Err(_) => missing.push(format!("{name} ({key})")),
        }
    }
    if missing.is_empty() {
        Check::new(
            ID,
            TITLE,
            Verdict::Pass,
            format!("unlocked; {} named secret(s) present", names.len()),
        )
    } else {
        Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            format!("missing: {}", missing.join(", ")),
        )
        .fix("Import each with: vmcheck secrets import NAME FILE")
    }
}

fn smartcard(config: &Config, cards: Option<&dyn CardAccess>) -> Check {
    const ID: &str = "smartcard";
    const TITLE: &str = "Smartcard readers";
    let Some(session) = &config.session else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Skip,
            "no smartcard sign-in ([session] not configured)",
        );
    };
    if session.card == CardSource::Training {
        return Check::new(ID, TITLE, Verdict::Pass, "the training card (sandbox)");
    }
    let Some(cards) = cards else {
        return Check::new(ID, TITLE, Verdict::Skip, "PC/SC not examined");
    };
    match cards.readers() {
        Ok(readers) if readers.is_empty() => Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            "pcscd is running; no reader is connected",
        )
        .fix(
            "Connect the smartcard reader (or check its USB cable), then run vmcheck doctor again.",
        ),
        Ok(readers) => {
            let with_card = readers.iter().filter(|r| r.card_present).count();
            Check::new(
                ID,
                TITLE,
                Verdict::Pass,
                format!(
                    "pcscd is running; {} reader(s), {with_card} with a card",
                    readers.len()
                ),
            )
        }
        Err(CardAccessError::NoService) => Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            "the PC/SC service (pcscd) is not running",
        )
        .fix("Start it: sudo systemctl enable --now pcscd.socket"),
        Err(CardAccessError::NoReader) => Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            "pcscd is running; no reader is connected",
        )
        .fix(
            "Connect the smartcard reader (or check its USB cable), then run vmcheck doctor again.",
        ),
        Err(e) => Check::new(ID, TITLE, Verdict::Fail, e.to_string())
            .fix("Restart pcscd (sudo systemctl restart pcscd) and reconnect the reader."),
    }
}

fn audit_log(config: &Config, secrets: &dyn SecretLookup) -> Check {
    const ID: &str = "audit";
    const TITLE: &str = "Audit log";
    let Some(path) = config.audit_path() else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            "no folder is known for the audit log",
        )
        .fix("Set [audit] path in the configuration.");
    };
    if !path.exists() {
        return match folder_writable(&path) {
            Ok(()) => Check::new(
                ID,
                TITLE,
                Verdict::Pass,
                format!(
                    "not created yet; {} is writable (the log starts with the first lookup)",
                    parent(&path).display()
                ),
            ),
            Err(e) => Check::new(
                ID,
                TITLE,
                Verdict::Fail,
                format!("{} cannot be written: {e}", parent(&path).display()),
            )
            .fix("Make the folder writable by this user, or set [audit] path to one that is. No lookup can be made until then."),
        };
    }
    let log = match crate::audit::open(config, secrets) {
        Ok(log) => log,
        Err(e) => {
            return Check::new(ID, TITLE, Verdict::Fail, format!("cannot be opened: {}", e.0))
                .fix("No lookup can be made until the audit log opens: check the file, its folder and its key.")
        }
    };
    if let Err(e) = writable(&path, config.audit.busy_timeout_ms) {
        return Check::new(ID, TITLE, Verdict::Fail, format!("cannot be written: {e}"))
            .fix("Another program holds the audit log, or its file or folder is read-only. No lookup can be made until it is writable.");
    }
    match log.verify() {
        Ok(report) if report.is_intact() => {
            let interrupted = report.interrupted.len();
            let detail = format!(
                "writable; {} record(s), chain intact{}",
                report.records,
                if interrupted > 0 {
                    format!(
                        "; {interrupted} interrupted access(es) (vmcheck audit verify lists them)"
                    )
                } else {
                    String::new()
                }
            );
            Check::new(ID, TITLE, Verdict::Pass, detail)
        }
        Ok(report) => {
            let at = report
                .first_broken
                .as_ref()
                .map(|b| b.seq.to_string())
                .unwrap_or_default();
            Check::new(
                ID,
                TITLE,
                Verdict::Fail,
                format!("the hash chain is broken at record {at}"),
            )
            .fix("Report it to the information governance lead: the log may have been altered. vmcheck audit verify shows the detail.")
        }
        Err(e) => Check::new(ID, TITLE, Verdict::Fail, format!("cannot be verified: {e}"))
            .fix("Run vmcheck audit verify for the detail."),
    }
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Whether a file can be created beside `path` (its folder created if needed, as the app would).
fn folder_writable(path: &Path) -> std::io::Result<()> {
    let dir = parent(path);
    std::fs::create_dir_all(&dir)?;
    let probe = dir.join(format!(".vmcheck-doctor-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Whether the database takes a write lock now (then gives it back, having written nothing).
fn writable(path: &Path, busy_timeout_ms: u64) -> Result<(), String> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    conn.busy_timeout(std::time::Duration::from_millis(busy_timeout_ms))
        .map_err(|e| e.to_string())?;
    conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
        .map_err(|e| e.to_string())
}

/// SDS, PDS, V&M and the clock against the servers.
async fn services(config: &Config, patient: &Patient) -> Vec<Check> {
    let clients = match Clients::with_secrets(
        config.clone(),
        patient.clock.clone(),
        patient.secrets.clone(),
    ) {
        Ok(c) => c,
        Err(e) => {
            let why = format!(
                "not checked: the connections cannot be set up ({})",
                e.message()
            );
            let mut checks =
                vec![
                    Check::new("sds", "Spine directory (SDS)", Verdict::Fail, e.message())
                        .fix(e.action()),
                ];
            for (id, title) in [
                ("pds", "PDS"),
                (CARE_CONNECT, CARE_CONNECT_TITLE),
                ("vandm", "V&M service (Spine)"),
                ("clock", "Clock"),
            ] {
                checks.push(Check::new(id, title, Verdict::Skip, why.clone()));
            }
            return checks;
        }
    };
    let mut checks = Vec::new();
    let mut times = Vec::new();
    // The V&M endpoint, from SDS (or fixed).
    let endpoint = clients.endpoint().await;
    checks.push(match (&endpoint, &config.sds) {
        (Ok(e), Some(sds)) if config.vandm.endpoint.is_none() => Check::new(
            "sds",
            "Spine directory (SDS)",
            Verdict::Pass,
            format!(
                "the V&M endpoint found {}: {} (ASID {})",
                match sds.kind {
                    crate::config::SdsKind::Ldap => "over LDAP",
                    crate::config::SdsKind::Fhir => "through the SDS FHIR API",
                },
                e.base_url,
                e.asid
            ),
        ),
        (Ok(e), _) => Check::new(
            "sds",
            "Spine directory (SDS)",
            Verdict::Skip,
            format!(
                "not used: the V&M endpoint is fixed in the configuration ({})",
                e.base_url
            ),
        ),
        (Err(e), _) => service_failure("sds", "Spine directory (SDS)", e),
    });
    // PDS: the health check and a token.
    checks.push(match clients.probe_pds().await {
        Ok(probe) => {
            if let Some(t) = probe.server_time {
                times.push(("PDS", t));
            }
            let token = if probe.token {
                "; an access token obtained"
            } else {
                ""
            };
            if probe.status == 200 {
                Check::new("pds", "PDS", Verdict::Pass, format!("reachable{token}"))
            } else {
                Check::new(
                    "pds",
                    "PDS",
                    Verdict::Fail,
                    format!("its health check answered HTTP {}{token}", probe.status),
                )
                .fix(service_fix("pds"))
            }
        }
        Err(e) => service_failure("pds", "PDS", &e),
    });
    checks.push(care_connect(&clients).await);
    // V&M: the Conformance statement over mutual TLS.
    checks.push(match &endpoint {
        Err(_) => Check::new(
            "vandm",
            "V&M service (Spine)",
            Verdict::Skip,
            "not checked: no V&M endpoint (see SDS above)",
        ),
        Ok(_) => match clients.metadata().await {
            Ok((_, conformance)) => {
                if let Some(t) = conformance.server_time {
                    times.push(("Spine", t));
                }
                let tls = if config.tls.is_some() {
                    " over mutual TLS"
                } else {
                    ""
                };
                Check::new(
                    "vandm",
                    "V&M service (Spine)",
                    Verdict::Pass,
                    format!(
                        "answers{tls}: {} (FHIR {})",
                        conformance
                            .software
                            .or(conformance.name)
                            .unwrap_or_else(|| "its Conformance statement".into()),
                        conformance
                            .fhir_version
                            .unwrap_or_else(|| "version not given".into())
                    ),
                )
            }
            Err(e) => service_failure("vandm", "V&M service (Spine)", &e),
        },
    });
    checks.push(clock(patient.clock.as_ref(), &times));
    checks
}

const CARE_CONNECT: &str = "care_connect";
const CARE_CONNECT_TITLE: &str = "Care Connect (hospital numbers)";

/// The trust's Care Connect API, when configured: its CapabilityStatement, and whether it says
/// it searches patients by identifier (the search a hospital number needs).
async fn care_connect(clients: &Clients) -> Check {
    match clients.probe_care_connect().await {
        None => Check::new(
            CARE_CONNECT,
            CARE_CONNECT_TITLE,
            Verdict::Skip,
            "not configured: hospital numbers are not looked up ([care_connect])",
        ),
        Some(Err(e)) => service_failure(CARE_CONNECT, CARE_CONNECT_TITLE, &e),
        Some(Ok(capability)) => {
            let who = format!(
                "{} (FHIR {})",
                capability
                    .software
                    .unwrap_or_else(|| "its CapabilityStatement".into()),
                capability
                    .fhir_version
                    .unwrap_or_else(|| "version not given".into())
            );
            if capability.searches_patient_by_identifier {
                return Check::new(
                    CARE_CONNECT,
                    CARE_CONNECT_TITLE,
                    Verdict::Pass,
                    format!("answers: {who}; searches patients by identifier"),
                );
            }
            Check::new(
                CARE_CONNECT,
                CARE_CONNECT_TITLE,
                Verdict::Warn,
                format!("answers: {who}, but does not say it searches patients by identifier"),
            )
            .fix("Ask the trust's integration team whether [care_connect] base_url is the server that searches Patient by identifier.")
        }
    }
}

/// What to do when a service check fails: a service desk's next step, not a lookup's.
fn service_fix(id: &str) -> &'static str {
    match id {
        "sds" => "Check [sds] in the configuration and that this computer reaches Spine's directory (HSCN); if both are right, the directory is down: try again later.",
        "pds" => "Check [pds] base_url (and [pds.auth]); if they are right, PDS or the network in between is not working: try again later.",
        CARE_CONNECT => "Check [care_connect] base_url (and ca_bundle); if they are right, the trust's Care Connect server is not answering: ask the trust's integration team. Lookups by NHS number still work.",
        _ => "Check the network path to Spine and [tls]; if both are right, the V&M service is not answering: try again later, then give this output to the service desk.",
    }
}

fn service_failure(id: &str, title: &str, e: &LookupError) -> Check {
    Check::new(
        id,
        title,
        Verdict::Fail,
        format!("{} ({})", e.message(), e.code().as_str()),
    )
    .fix(service_fix(id))
}

fn clock(clock: &dyn Clock, servers: &[(&str, SystemTime)]) -> Check {
    const ID: &str = "clock";
    const TITLE: &str = "Clock";
    let now = i64::try_from(clock.unix_seconds()).unwrap_or(i64::MAX);
    let skews: Vec<(&str, i64)> = servers
        .iter()
        .filter_map(|(name, t)| {
            let server = t.duration_since(UNIX_EPOCH).ok()?.as_secs();
            Some((*name, now - i64::try_from(server).ok()?))
        })
        .collect();
    let Some(&(worst_name, worst)) = skews.iter().max_by_key(|(_, s)| s.unsigned_abs()) else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Skip,
            "not compared: no server gave its time (see above)",
        );
    };
    let describe = |s: i64| match s {
        0 => "in step".to_owned(),
        s if s > 0 => format!("{s} s ahead"),
        s => format!("{} s behind", -s),
    };
    let detail = skews
        .iter()
        .map(|(n, s)| format!("{n}: {}", describe(*s)))
        .collect::<Vec<_>>()
        .join("; ");
    let check = Check::new(ID, TITLE, judge::clock_skew(worst), detail);
    match check.verdict {
        Verdict::Pass => check,
        _ => check.fix(format!(
            "Set the clock from the network time service (timedatectl set-ntp true): it is {} {worst_name}'s, and Spine refuses audit tokens from a clock that far out.",
            describe(worst)
        )),
    }
}

fn certificate(config: &Config, clock: &dyn Clock) -> Check {
    const ID: &str = "certificate";
    const TITLE: &str = "Endpoint certificate";
    let Some(path) = config
        .tls
        .as_ref()
        .and_then(|t| t.client_certificate.clone())
    else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Skip,
            "no client certificate configured (mutual TLS is not used here)",
        );
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            return Check::new(ID, TITLE, Verdict::Fail, format!("{}: {e}", path.display()))
                .fix("Check [tls] client_certificate.")
        }
    };
    let Some(validity) = judge::validity(&bytes) else {
        return Check::new(
            ID,
            TITLE,
            Verdict::Fail,
            format!("{} holds no readable certificate", path.display()),
        )
        .fix("Check [tls] client_certificate: a PEM file, the endpoint certificate first.");
    };
    let now = i64::try_from(clock.unix_seconds()).unwrap_or(i64::MAX);
    let expiry = validity.expiry(now);
    let detail = match expiry {
        Expiry::Valid => format!(
            "{}: valid for {} more days",
            validity.subject,
            (validity.not_after - now) / 86_400
        ),
        Expiry::ExpiresSoon { days_left } => {
            format!("{}: expires in {days_left} day(s)", validity.subject)
        }
        Expiry::Expired if now < validity.not_before => {
            format!("{}: not valid yet", validity.subject)
        }
        Expiry::Expired => format!("{}: expired", validity.subject),
    };
    let check = Check::new(ID, TITLE, judge::certificate(expiry), detail);
    match check.verdict {
        Verdict::Pass => check,
        _ => check.fix("Ask the trust's Spine registration authority for a renewed endpoint certificate (no V&M check can be made without a valid one)."),
    }
}
