//! Start-up: from the command line and the configuration file to the running services — the
//! engine, the session (PC/SC or the training card), the in-process sandbox in training mode —
//! and the in-flight lookups the UI may cancel.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use vmcheck_engine::config::Config;
use vmcheck_engine::session::{Mode, Session};
use vmcheck_engine::{Engine, SystemClock};
use vmcheck_sandbox::{Sandbox, SandboxOptions};

use crate::ipc::{AppInfo, KioskInfo, OrganisationInfo};

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
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut launch = Self::default();
        let mut args = args.skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--kiosk" => launch.kiosk = true,
                "--training" => launch.training = true,
                "--config" => {
                    launch.config = Some(args.next().ok_or("--config needs a file")?.into())
                }
                other => {
                    return Err(format!(
                        "unknown argument {other}: use --kiosk, --training, --config FILE"
                    ))
                }
            }
        }
        Ok(launch)
    }
}

/// The services the commands use.
pub struct AppState {
    /// The lookup engine.
    pub engine: Arc<Engine>,
    /// The session.
    pub session: Arc<Session>,
    /// The installation summary.
    pub info: AppInfo,
    /// Kiosk mode (window policy).
    pub kiosk: bool,
    /// The configuration file, when the user may edit preferences in it (desk mode only).
    pub editable_config: Option<PathBuf>,
    /// In-flight lookups, by the UI's id.
    pub lookups: Mutex<HashMap<u32, tokio::task::AbortHandle>>,
    /// The PC/SC watcher, when real readers are used.
    pub _watcher: Option<vmcheck_card::pcsc_access::Watcher>,
    /// The training sandbox, kept running while the app runs.
    pub _sandbox: Option<Sandbox>,
}

/// The configuration file in force: `None` means training mode (no file, or `--training`).
pub fn load_config(launch: &Launch) -> Result<Option<(PathBuf, Config)>, String> {
    let path = launch
        .config
        .clone()
        .or_else(vmcheck_engine::config::default_path);
    match path.filter(|p| p.exists()).filter(|_| !launch.training) {
        Some(path) => Config::load(&path)
            .map(|c| Some((path, c)))
            .map_err(|e| e.to_string()),
        None => Ok(None),
    }
}

/// Where the log files go: `VMCHECK_DATA_DIR/logs` in tests, else the configured or default
/// folder.
pub fn log_dir(config: Option<&Config>) -> Option<PathBuf> {
    std::env::var_os("VMCHECK_DATA_DIR")
        .map(|d| PathBuf::from(d).join("logs"))
        .or_else(|| config.and_then(|c| c.log.dir.clone()))
        .or_else(vmcheck_engine::logging::default_dir)
}

/// Starts everything: the configuration's environment, or training mode when there is no
/// configuration file (so a fresh machine shows a working app) or `--training` is given.
pub async fn start(
    launch: &Launch,
    configured: Option<(PathBuf, Config)>,
) -> Result<AppState, String> {
    let clock = Arc::new(SystemClock::default());
    let config_path = configured.as_ref().map(|(p, _)| p.clone());
    let (mut config, sandbox, training) = match configured {
        Some((_, config)) => (config, None, false),
        None => {
            let sandbox = Sandbox::start(SandboxOptions::default())
                .await
                .map_err(|e| format!("the training sandbox could not start: {e}"))?;
            let urls = sandbox.urls();
            let config = vmcheck_engine::training::config(urls);
            (config, Some(sandbox), true)
        }
    };
    let kiosk = launch.kiosk
        || config
            .session
            .as_ref()
            .is_some_and(|s| s.mode == Mode::Kiosk);
    let mode = if kiosk { Mode::Kiosk } else { Mode::Desk };
    if training {
        config.session = Some(vmcheck_engine::setup::training_session_config(mode));
    }
    if let Some(dir) = std::env::var_os("VMCHECK_DATA_DIR") {
        config.audit.path = Some(PathBuf::from(dir).join("audit.sqlite"));
    }
    let Some(session_config) = config.session.clone() else {
        return Err(
            "smartcard sign-in is not configured: add a [session] section to the configuration"
                .into(),
        );
    };
    let engine = Arc::new(
        Engine::with_secrets(
            config.clone(),
            clock.clone(),
            Arc::new(vmcheck_secrets::LazyKeyring::new()),
        )
        .map_err(|e| e.message())?,
    );
    let session = vmcheck_engine::setup::session(&config, clock).map_err(|e| e.to_string())?;
    let watcher = (session_config.card == vmcheck_engine::config::CardSource::Pcsc).then(|| {
        let s = session.clone();
        vmcheck_card::pcsc_access::watch(move |event| s.handle_card_event(event))
    });
    let idle = u32::try_from(session_config.idle_lock().as_secs()).unwrap_or(u32::MAX);
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
        sds_url: config.sds.as_ref().map(|s| s.ldap_url.clone()),
        vandm_endpoint: config.vandm.endpoint.clone(),
        kiosk: KioskInfo {
            result_clear_secs: u32::try_from(session_config.result_clear_secs).unwrap_or(60),
            idle_lock_secs: idle,
        },
        idle_lock_secs: idle,
        preferences: None,
    };
    // Preferences are edited at a desk only: never at a kiosk, never in training.
    let editable_config = config_path.filter(|_| !kiosk && !training);
    let mut info = info;
    info.preferences = editable_config
        .as_ref()
        .map(|_| vmcheck_engine::preferences::Preferences::of(&config));
    Ok(AppState {
        engine,
        session,
        info,
        kiosk,
        editable_config,
        lookups: Mutex::new(HashMap::new()),
        _watcher: watcher,
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
