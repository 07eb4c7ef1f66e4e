//! Forwarding the audit log to the trust's central store (`[audit.central]`), and verifying it.
//!
//! The local log is the write-ahead spool: every access is recorded there first (the audited
//! path fails closed on it alone), and a [`Forwarder`] thread sends what the central store does
//! not have yet, in order, in batches — then the signed checkpoints the central chain reaches.
//! When the store cannot be reached, lookups go on and the spool grows; the forwarder tries
//! again with a growing pause (1 s up to 30 s) and drains the spool when the store is back.
//! [`CentralStatus`] says where it stands (the doctor shows it).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use vmcheck_audit::{AuditLog, Checkpoint};
use vmcheck_central::{CentralError, CentralReport, CentralSettings, CentralStore, Tls};
use vmcheck_secrets::SecretLookup;

use crate::config::{CentralAuditConfig, Config};

/// Records sent in one transaction.
pub const BATCH: usize = 500;

/// The longest pause between attempts while the store cannot be reached.
pub const MAX_RETRY: Duration = Duration::from_secs(30);

/// The connection settings of `[audit.central]`: the CA file read, the password taken from the
/// keyring. The error says what is wrong in words for IT (never the password).
pub fn settings(
    config: &CentralAuditConfig,
    secrets: &dyn SecretLookup,
) -> Result<CentralSettings, String> {
    let tls = match &config.ca_file {
        Some(path) => Tls::Verified {
            ca_pem: std::fs::read(path).map_err(|e| {
                format!(
                    "the central audit store's CA file {} cannot be read: {e}",
                    path.display()
                )
            })?,
        },
        None => Tls::LoopbackPlain,
    };
    let password = match &config.password_secret {
        Some(name) => {
            let bytes = secrets.get(name).map_err(|e| {
                format!("the central audit store's password (keyring entry '{name}') cannot be read: {e}")
            })?;
            Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                format!("the central audit store's password (keyring entry '{name}') is not text")
            })?)
        }
        None => None,
    };
    Ok(CentralSettings {
        host: config.host.clone(),
        port: config.port,
        dbname: config.dbname.clone(),
        user: config.user.clone(),
        password,
        tls,
        connect_timeout: Duration::from_secs(config.connect_timeout_secs),
    })
}

/// Where forwarding stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CentralStatus {
    /// `host:port/dbname`.
    pub server: String,
    /// The last attempt reached the store.
    pub connected: bool,
    /// The local log's last record.
    pub local_head: i64,
    /// The last record the central store holds for this installation (unknown until reached).
    pub central_head: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Records forwarded by this program.
    pub forwarded: u64,
    /// Attempts to forward this program has begun.
    pub attempts_begun: u64,
    /// Attempts to forward this program has finished, successful or not.
    pub attempts_ended: u64,
}

impl CentralStatus {
    /// Records waiting in the local spool (unknown until the store has been reached).
    pub fn spool_depth(&self) -> Option<i64> {
        self.central_head
            .map(|central| self.local_head.saturating_sub(central).max(0))
    }
}

/// Sends the central store what it does not have of `log`, in order, in batches of [`BATCH`],
/// then the checkpoints (from `checkpoints`) of records it now holds. Returns how many records
/// were new there, and the central head.
pub async fn forward(
    log: &AuditLog,
    store: &mut CentralStore,
    checkpoints: Option<&Path>,
) -> Result<(u64, i64), ForwardError> {
    let installation = log.installation_id().to_owned();
    let mut head = store.head(&installation).await?;
    let mut new = 0;
    loop {
        let batch = log
            .stored_after(head, BATCH)
            .map_err(|e| ForwardError::Local(e.to_string()))?;
        let Some(last) = batch.last() else { break };
        let last = last.seq;
        new += store.append(&installation, &batch).await?;
        head = last;
    }
    if let Some(file) = checkpoints {
        let sent = store.last_checkpoint_time(&installation).await?;
        let pending: Vec<Checkpoint> = match vmcheck_audit::read_checkpoints(file) {
            Ok(all) => all
                .into_iter()
                .filter(|c| c.installation_id == installation && c.seq <= head && c.time >= sent)
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(ForwardError::Local(format!(
                    "the checkpoints cannot be read: {e}"
                )))
            }
        };
        store.append_checkpoints(&installation, &pending).await?;
    }
    Ok((new, head))
}

/// Why forwarding stopped.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The central store failed.
    #[error(transparent)]
    Central(#[from] CentralError),
    /// The local log could not be read.
    #[error("the local audit log cannot be read: {0}")]
    Local(String),
}

/// Verifies the central store, this installation's part with its key.
pub async fn verify(
    log: &AuditLog,
    settings: &CentralSettings,
) -> Result<CentralReport, CentralError> {
    let store = CentralStore::connect(settings).await?;
    store.verify(log.key()).await
}

struct Shared {
    status: Mutex<CentralStatus>,
    wake: Notify,
    stop: AtomicBool,
}

/// The background forwarder: a thread of its own (with its own small runtime), so that both
/// shells get it by starting the engine, and nothing a lookup does waits for it.
pub struct Forwarder {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder").finish_non_exhaustive()
    }
}

impl Forwarder {
    /// Starts forwarding `log` to the store `settings` names, every `every` (and whenever
    /// [`Forwarder::wake`] is called).
    pub fn start(
        log: Arc<AuditLog>,
        settings: CentralSettings,
        checkpoints: Option<PathBuf>,
        every: Duration,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            status: Mutex::new(CentralStatus {
                server: settings.describe(),
                ..CentralStatus::default()
            }),
            wake: Notify::new(),
            stop: AtomicBool::new(false),
        });
        let inner = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("vmcheck-central-audit".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(run(&inner, &log, &settings, checkpoints.as_deref(), every));
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Where forwarding stands.
    pub fn status(&self) -> CentralStatus {
        self.shared
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forwards now rather than at the next interval.
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Forwards now and waits up to `timeout` until the central store holds the log's head
    /// `local_head`; returns whether it does.
    pub fn drain(&self, local_head: i64, timeout: Duration) -> bool {
        self.wait_for_head(local_head, timeout, false)
    }

    /// Like [`Forwarder::drain`] (a command ending forwards what it recorded), except that an
    /// attempt begun after this call that fails ends the wait at once: the records stay
    /// spooled and go with the next run, rather than every command waiting out `timeout` while
    /// the store is away.
    pub fn settle(&self, local_head: i64, timeout: Duration) -> bool {
        self.wait_for_head(local_head, timeout, true)
    }

    fn wait_for_head(&self, local_head: i64, timeout: Duration, give_up_on_failure: bool) -> bool {
        let until = Instant::now() + timeout;
        // An attempt already under way may have read the log before its last record was
        // written; only one begun after this point tells.
        let begun = self.status().attempts_begun;
        self.wake();
        loop {
            let status = self.status();
            if status.central_head.is_some_and(|c| c >= local_head) {
                return true;
            }
            let failed_since = status.attempts_ended > begun && !status.connected;
            if (give_up_on_failure && failed_since) || Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            // A connection attempt in progress ends within its timeout; do not wait for it.
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

async fn run(
    shared: &Shared,
    log: &AuditLog,
    settings: &CentralSettings,
    checkpoints: Option<&Path>,
    every: Duration,
) {
    let mut store: Option<CentralStore> = None;
    let mut retry = Duration::from_secs(1);
    while !shared.stop.load(Ordering::SeqCst) {
        shared
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .attempts_begun += 1;
        let local_head = log.head().ok().flatten().map_or(0, |(seq, _)| seq);
        let result = async {
            if store.as_ref().is_none_or(CentralStore::is_closed) {
                store = Some(CentralStore::connect(settings).await?);
            }
            let Some(s) = store.as_mut() else {
                unreachable!("connected above")
            };
            forward(log, s, checkpoints).await
        }
        .await;
        let pause = {
            let mut status = shared.status.lock().unwrap_or_else(PoisonError::into_inner);
            status.local_head = local_head;
            status.attempts_ended += 1;
            match result {
                Ok((new, head)) => {
                    status.connected = true;
                    status.central_head = Some(head);
                    status.last_error = None;
                    status.forwarded += new;
                    retry = Duration::from_secs(1);
                    every
                }
                Err(e) => {
                    store = None;
                    status.connected = false;
                    status.last_error = Some(e.to_string());
                    tracing::warn!(error = %e, "the audit log could not be forwarded; it stays spooled on this desk");
                    let pause = retry;
                    retry = (retry * 2).min(MAX_RETRY);
                    pause
                }
            }
        };
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let _ = tokio::time::timeout(pause, shared.wake.notified()).await;
    }
}

/// The forwarder for `config`, if it has `[audit.central]` and the log is open; a central store
/// that is misconfigured (its CA file, its password) is logged and leaves the log spooling.
pub fn start_for(
    config: &Config,
    log: &Arc<AuditLog>,
    secrets: &dyn SecretLookup,
) -> Option<Forwarder> {
    let central = config.audit.central.as_ref()?;
    let settings = match settings(central, secrets) {
        Ok(s) => s,
        Err(problem) => {
            tracing::error!(%problem, "the central audit store is not usable; the log stays on this desk");
            return None;
        }
    };
    let checkpoints = Some(config.checkpoint_path(log.path()));
    match Forwarder::start(
        Arc::clone(log),
        settings,
        checkpoints,
        Duration::from_secs(central.forward_every_secs),
    ) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::error!(error = %e, "the central audit forwarder could not start");
            None
        }
    }
}
