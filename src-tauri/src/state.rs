//! Start-up: the command line → the engine's start-up routine (with the in-process sandbox
//! composed in training mode) → the services the commands use, and the in-flight lookups the
//! UI may cancel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use vmcheck_engine::session::{Mode, Session};
use vmcheck_engine::startup::{ConfigSource, LogTarget, Running, SessionChoice, Startup};
use vmcheck_engine::PatientAccess;
use vmcheck_training::{Sandbox, SandboxOptions};

use crate::ipc::{AppInfo, KioskInfo, OrganisationInfo};
use crate::worklist::WorklistState;

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// `--kiosk`.
    pub kiosk: bool,
    /// `--training`.
    pub training: bool,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
}

impl Launch {
    /// Reads the command line (`--kiosk`, `--training`, `--config FILE`).
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Self, LaunchError> {
        let mut launch = Self::default();
        let mut args = args.skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--kiosk" => launch.kiosk = true,
                "--training" => launch.training = true,
                "--config" => {
                    launch.config = Some(args.next().ok_or(LaunchError::ConfigWithoutFile)?.into())
                }
                other => return Err(LaunchError::Unknown(other.to_owned())),
            }
        }
        Ok(launch)
    }
}

/// Why the command line was refused.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// `--config` was last.
    #[error("--config needs a file")]
    ConfigWithoutFile,
    /// Anything else.
    #[error("unknown argument {0}: use --kiosk, --training, --config FILE")]
    Unknown(String),
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The in-process training sandbox could not start.
    #[error("the training sandbox could not start: {0}")]
    Training(std::io::Error),
    /// The engine's start-up routine refused.
    #[error(transparent)]
    Startup(#[from] vmcheck_engine::startup::StartupError),
}

/// The services the commands use.
pub struct AppState {
    /// The signed-in session, which reaches patient data along the audited path.
    pub session: Arc<Session>,
    /// The installation summary.
    pub info: AppInfo,
    /// Kiosk mode (window policy).
    pub kiosk: bool,
    /// The configuration's layers, when the user may edit their preferences (desk mode only);
    /// replaced by each save.
    pub editable: Mutex<Option<vmcheck_engine::config::Layered>>,
    /// In-flight lookups, by the UI's id.
    pub lookups: Mutex<HashMap<u32, tokio::task::AbortHandle>>,
    /// The result on screen (for its slip): forgotten at every lock and sign-out, and usable
    /// only by the user and role it was shown to, in the same session.
    pub shown: Mutex<Option<vmcheck_engine::shown::ShownResult>>,
    /// The worklist (desk mode only: a kiosk has none).
    pub worklist: Option<WorklistState>,
    /// What the page is told (session, lookup and worklist progress), for it to ask for.
    pub events: Arc<crate::events::EventQueue>,
    /// The engine's services (the PC/SC watcher, the file log), kept running.
    pub _running: Running,
    /// The training sandbox, kept running while the app runs.
    pub _sandbox: Option<Sandbox>,
}

impl AppState {
    /// Forgets the result on screen.
    pub fn forget_shown(&self) {
        *self
            .shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The audited path to patient data.
    pub fn patient(&self) -> &Arc<PatientAccess> {
        self.session.patient_access()
    }
}

/// The configuration to use: `None` means training mode (`--training`, or no configuration:
/// neither the administrator's file nor `--config`, `$VMCHECK_CONFIG` or the user's file).
fn config_source(launch: &Launch) -> Option<ConfigSource> {
    if launch.training {
        return None;
    }
    if let Some(path) = &launch.config {
        return Some(ConfigSource::File(path.clone()));
    }
    let files = vmcheck_engine::config::LayerFiles::standard(None);
    let exists = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.exists());
    (exists(&files.system) || exists(&files.file)).then_some(ConfigSource::Default)
}

/// Starts everything through the engine's start-up routine: the configuration's environment,
/// or training mode (the sandbox and the training card) when there is no configuration file
/// (so a fresh machine shows a working app) or `--training` is given.
pub async fn start(launch: Launch) -> Result<AppState, StartError> {
    let (source, session, sandbox) = match config_source(&launch) {
        Some(source) => (source, SessionChoice::Required, None),
        None => {
            let (sandbox, config) = vmcheck_training::start(SandboxOptions::default())
                .await
                .map_err(StartError::Training)?;
            let mode = if launch.kiosk {
                Mode::Kiosk
            } else {
                Mode::Desk
            };
            (
                ConfigSource::Given(Box::new(config)),
                SessionChoice::Training(mode),
                Some(sandbox),
            )
        }
    };
    let training = sandbox.is_some();
    let running = vmcheck_engine::startup::start(Startup {
        log: LogTarget::Files,
        session,
        watch_cards: true,
        kiosk: launch.kiosk,
        ..Startup::new(source)
    })?;
    let config = &running.config;
    let (Some(session_config), Some(session)) = (config.session.clone(), running.session.clone())
    else {
        return Err(vmcheck_engine::startup::StartupError::NoSession.into());
    };
    let kiosk = session_config.mode == Mode::Kiosk;
    let idle = u32::try_from(session_config.idle_lock().as_secs()).unwrap_or(u32::MAX);
    // Preferences are edited at a desk only: never at a kiosk, never in training.
    let editable = running.layered.clone().filter(|_| !kiosk && !training);
    let info = AppInfo {
        mode: if kiosk {
            "kiosk"
        } else if training {
            "training"
        } else {
            "desk"
        }
        .into(),
        environment: serde_json::to_value(config.environment)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        // Any sandbox environment is training: never real patient data.
        training: training || config.environment == vmcheck_engine::Environment::Sandbox,
        version: env!("CARGO_PKG_VERSION").into(),
        organisation: OrganisationInfo {
            ods_code: config.organisation.ods_code.clone(),
            name: config.organisation.name.clone(),
        },
        client_asid: config.organisation.client_asid.clone(),
        pds_base_url: config.pds.base_url.clone(),
        sds_url: config.sds.as_ref().map(|s| s.url().to_owned()),
        vandm_endpoint: config.vandm.endpoint.clone(),
        kiosk: KioskInfo {
            result_clear_secs: u32::try_from(session_config.result_clear_secs).unwrap_or(60),
            idle_lock_secs: idle,
        },
        idle_lock_secs: idle,
        preferences: editable
            .as_ref()
            .map(|_| vmcheck_engine::preferences::Preferences::of(config)),
        print_slip: !kiosk || session_config.kiosk_print,
        save_slip: !kiosk,
        hospital_number_pattern: config
            .care_connect
            .as_ref()
            .and_then(|cc| cc.pattern().ok())
            .map(|p| p.as_str().to_owned()),
    };
    let worklist = (!kiosk).then(|| WorklistState::open(&running));
    Ok(AppState {
        session,
        worklist,
        info,
        kiosk,
        editable: Mutex::new(editable),
        lookups: Mutex::new(HashMap::new()),
        shown: Mutex::new(None),
        events: Arc::default(),
        _running: running,
        _sandbox: sandbox,
    })
}

impl AppState {
    fn lookups(&self) -> std::sync::MutexGuard<'_, HashMap<u32, tokio::task::AbortHandle>> {
        self.lookups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers an in-flight lookup so it can be cancelled.
    pub fn register_lookup(&self, id: u32, handle: tokio::task::AbortHandle) {
        self.lookups().insert(id, handle);
    }

    /// Forgets a finished lookup.
    pub fn forget_lookup(&self, id: u32) {
        self.lookups().remove(&id);
    }

    /// Cancels one lookup.
    pub fn cancel_lookup(&self, id: u32) {
        if let Some(handle) = self.lookups().remove(&id) {
            handle.abort();
        }
    }

    /// Cancels every lookup (the session locked).
    pub fn cancel_all_lookups(&self) {
        for (_, handle) in self.lookups().drain() {
            handle.abort();
        }
    }
}
