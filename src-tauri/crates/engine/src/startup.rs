//! The one start-up routine both shells call: configuration → logging → keyring → audit log →
//! adapters (the audited path) → session. The desktop shell and the `vmcheck` CLI differ only
//! in the options they pass; training mode is the shells' to compose (they start the sandbox
//! and hand its configuration in), so the engine never depends on the sandbox.
//!
//! An audit log that cannot be opened does not stop start-up: the app starts, and every access
//! to patient data is refused with the reason (fail closed, said where the user acts).

use std::path::PathBuf;
use std::sync::Arc;

use vmcheck_card::pcsc_access::PcscCards;
use vmcheck_card::soft_access::TrainingCards;
use vmcheck_card::CardAccess;
use vmcheck_core::roles::Role;
use vmcheck_core::session::Mode;
use vmcheck_secrets::SecretLookup;

use crate::access::PatientAccess;
use crate::clock::{Clock, SystemClock};
use crate::config::layers::LoadError;
use crate::config::{
    CardSource, Config, ConfigError, LayerFiles, Layered, ProfileChoice, SessionConfig,
};
use crate::error::LookupError;
use crate::logging::{Level, LogGuard};
use crate::session::{ConfiguredRoles, DirectoryRoles, RoleSource, Session, SessionSettings};

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// This file (`--config FILE`), which must exist, over the administrator's file and the
    /// user's preferences (see [`crate::config::layers`]).
    File(PathBuf),
    /// The standard layers: the administrator's file, the user's preferences, and
    /// `$VMCHECK_CONFIG` or the user's configuration file; one of the two files must exist.
    Default,
    /// A configuration built by the shell (training mode: the sandbox's).
    Given(Box<Config>),
}

/// Where the application log goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard error (the CLI); `[log] level`, `VMCHECK_LOG` or this level.
    Stderr(Level),
    /// Daily files in `[log] dir` or the user's state folder (the desktop app).
    Files,
    /// Leave logging as it is (tests, or set up already).
    Unchanged,
}

/// Which session, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionChoice {
    /// None: scripts act as `[identity]`.
    None,
    /// The configuration's `[session]`, if it has one.
    FromConfig,
    /// The configuration's `[session]`, which must exist (the desktop app).
    Required,
    /// Training: the software card, roles from the (sandbox) directory, in this mode.
    Training(Mode),
}

/// What to start.
#[derive(Clone)]
pub struct Startup {
    /// The configuration.
    pub config: ConfigSource,
    /// The log.
    pub log: LogTarget,
    /// Which session.
    pub session: SessionChoice,
    /// Start the PC/SC watcher for the session's readers (the desktop app).
    pub watch_cards: bool,
    /// Force kiosk mode whatever `[session] mode` says (`--kiosk`).
    pub kiosk: bool,
    /// Ask Spine for this format whatever `[vandm] format` says (`--format`).
    pub format: Option<vmcheck_core::fhir::WireFormat>,
    /// The secret store (default: the OS keyring, opened when first needed).
    pub secrets: Option<Arc<dyn SecretLookup>>,
    /// The clock (default: the system's).
    pub clock: Option<Arc<dyn Clock>>,
}

impl Startup {
    /// Start with `config`, logging left alone, no session, the OS keyring and clock.
    pub fn new(config: ConfigSource) -> Self {
        Self {
            config,
            log: LogTarget::Unchanged,
            session: SessionChoice::None,
            watch_cards: false,
            kiosk: false,
            format: None,
            secrets: None,
            clock: None,
        }
    }
}

/// The running services.
pub struct Running {
    /// The configuration in force.
    pub config: Config,
    /// The file it came from (none in training mode): the run's file, else the
    /// administrator's.
    pub config_path: Option<PathBuf>,
    /// The layers it was merged from, with each value's source (none in training mode).
    pub layered: Option<crate::config::Layered>,
    /// The audited path to patient data.
    pub patient: Arc<PatientAccess>,
    /// The session, when one was asked for.
    pub session: Option<Arc<Session>>,
    /// The PC/SC watcher, when started.
    pub watcher: Option<vmcheck_card::pcsc_access::Watcher>,
    /// Forwards the audit log to the central store (`[audit.central]`).
    pub central: Option<crate::central::Forwarder>,
    /// Keeps the file log flushing.
    pub log: LogGuard,
}

/// How long a command that ends waits for the central store to receive what it recorded.
pub const CENTRAL_DRAIN: std::time::Duration = std::time::Duration::from_secs(3);

impl Running {
    /// The end of a command: a checkpoint of the log's head, and what was recorded sent to the
    /// central store if it can be within [`CENTRAL_DRAIN`] (else, or as soon as an attempt to
    /// reach the store fails, it stays spooled for the next run). Returns whether the central
    /// store holds everything (`true` without one).
    pub fn finish(&self) -> bool {
        self.patient.checkpoint_now();
        let (Some(central), Ok(log)) = (&self.central, self.patient.audit_log()) else {
            return true;
        };
        let head = log.head().ok().flatten().map_or(0, |(seq, _)| seq);
        central.settle(head, CENTRAL_DRAIN)
    }
}

/// Why the services could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// No configuration file where one was expected.
    #[error("no configuration file at {}: use --config FILE, or --sandbox (--training) to try V&M Check on the training sandbox", .0.display())]
    NoConfig(PathBuf),
    /// No folder is known for the configuration file.
    #[error("no configuration file: use --config FILE or --sandbox")]
    NoConfigFolder,
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The clients could not be set up (TLS material, signing keys).
    #[error("{}", .0.message())]
    Clients(LookupError),
    /// Smartcard sign-in was required and is not configured.
    #[error("smartcard sign-in is not configured: add a [session] section to the configuration")]
    NoSession,
    /// The directory settings are unusable (its CA bundle).
    #[error("the directory settings are unusable: {0}")]
    Directory(#[from] crate::config::CaBundleError),
}

/// Starts everything `startup` asks for.
pub fn start(startup: Startup) -> Result<Running, StartupError> {
    // Configuration.
    let (mut config, layered) = match startup.config {
        ConfigSource::Given(config) => (*config, None),
        ConfigSource::File(path) => load(LayerFiles::standard(Some(path)))?,
        ConfigSource::Default => load(LayerFiles::standard(None))?,
    };
    let config_path = layered
        .as_ref()
        .and_then(|l| l.files.file.clone().or_else(|| l.files.system.clone()));
    if let SessionChoice::Training(mode) = startup.session {
        config.session = Some(training_session_config(mode));
    }
    if let Some(format) = startup.format {
        config.vandm.format = format;
    }
    if startup.kiosk {
        if let Some(s) = config.session.as_mut() {
            s.mode = Mode::Kiosk;
        }
    }
    // Logging.
    let log = match startup.log {
        LogTarget::Stderr(fallback) => {
            crate::logging::init_stderr(if config_path.is_some() {
                config.log.level
            } else {
                fallback
            });
            LogGuard::none()
        }
        LogTarget::Files => match config.log.dir.clone().or_else(crate::logging::default_dir) {
            Some(dir) => crate::logging::init_file(&config.log, &dir),
            None => {
                crate::logging::init_stderr(config.log.level);
                LogGuard::none()
            }
        },
        LogTarget::Unchanged => LogGuard::none(),
    };
    // Keyring, audit log, adapters.
    let clock: Arc<dyn Clock> = startup
        .clock
        .unwrap_or_else(|| Arc::new(SystemClock::default()));
    let secrets: Arc<dyn SecretLookup> = startup
        .secrets
        .unwrap_or_else(|| Arc::new(vmcheck_secrets::LazyKeyring::new()));
    let audit = crate::audit::open(&config, secrets.as_ref());
    if let Err(e) = &audit {
        tracing::error!(
            "the audit log cannot be used; every access will be refused: {}",
            e.0
        );
    }
    let central = audit
        .as_ref()
        .ok()
        .and_then(|log| crate::central::start_for(&config, log, secrets.as_ref()));
    let patient = Arc::new(
        PatientAccess::new(config.clone(), clock.clone(), secrets, audit)
            .map_err(StartupError::Clients)?,
    );
    // Session.
    let wanted = match startup.session {
        SessionChoice::None => false,
        SessionChoice::FromConfig => config.session.is_some(),
        SessionChoice::Required | SessionChoice::Training(_) => true,
    };
    let session = if wanted {
        let s = config.session.as_ref().ok_or(StartupError::NoSession)?;
        Some(session(&config, s, patient.clone(), clock)?)
    } else {
        None
    };
    let watcher = match (&session, startup.watch_cards) {
        (Some(s), true) if config.session.as_ref().map(|c| c.card) == Some(CardSource::Pcsc) => {
            let s = s.clone();
            Some(vmcheck_card::pcsc_access::watch(move |event| {
                s.handle_card_event(event)
            }))
        }
        _ => None,
    };
    Ok(Running {
        config,
        config_path,
        layered,
        patient,
        session,
        watcher,
        central,
        log,
    })
}

fn load(files: LayerFiles) -> Result<(Config, Option<Layered>), StartupError> {
    match crate::config::layers::load(&files) {
        Ok(layered) => Ok((layered.config.clone(), Some(layered))),
        Err(LoadError::NoFile(path)) => Err(StartupError::NoConfig(path)),
        Err(LoadError::NoFolder) => Err(StartupError::NoConfigFolder),
        Err(LoadError::Config(e)) => Err(StartupError::Config(e)),
    }
}

/// The roles source for this configuration: SDS over LDAP when configured, else the listed
/// roles (also with `[sds] kind = "fhir"`).
fn role_source(
    config: &Config,
    session: &SessionConfig,
) -> Result<Arc<dyn RoleSource>, StartupError> {
    Ok(match &config.sds {
        // The SDS FHIR API has no role search: roles come from [session] roles then.
        Some(sds) if sds.provides_roles() => Arc::new(DirectoryRoles {
            client: sds.client()?,
            ods_code: config.organisation.ods_code.clone(),
        }),
        _ => Arc::new(ConfiguredRoles(
            session
                .roles
                .iter()
                .map(|r| Role {
                    role_profile_id: r.role_profile_id.clone(),
                    job_role: r.job_role.clone(),
                    job_role_code: None,
                    ods_code: config.organisation.ods_code.clone(),
                    business_functions: r.business_functions.clone(),
                })
                .collect(),
        )),
    })
}

/// Builds the session described by `[session]`.
fn session(
    config: &Config,
    s: &SessionConfig,
    patient: Arc<PatientAccess>,
    clock: Arc<dyn Clock>,
) -> Result<Arc<Session>, StartupError> {
    let cards: Arc<dyn CardAccess> = match s.card {
        CardSource::Pcsc => Arc::new(PcscCards::new()),
        CardSource::Training => Arc::new(TrainingCards::new()),
    };
    let settings = SessionSettings {
        mode: s.mode,
        idle_lock: s.idle_lock(),
        profiles: s.profiles(),
        ods_code: config.organisation.ods_code.clone(),
        detail_activities: config.rbac.detail_activities.clone(),
    };
    let session = Session::new(cards, role_source(config, s)?, patient, clock, settings);
    session.refresh_readers();
    Ok(session)
}

/// The `[session]` of training mode: the software card, roles from the sandbox directory.
pub fn training_session_config(mode: Mode) -> SessionConfig {
    SessionConfig {
        mode,
        idle_lock_secs: None,
        card: CardSource::Training,
        card_profile: ProfileChoice::Auto,
        result_clear_secs: 60,
        roles: Vec::new(),
        kiosk_print: false,
    }
}
