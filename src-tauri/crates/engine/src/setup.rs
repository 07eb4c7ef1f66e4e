//! Building the session from configuration: which cards (PC/SC or the training card), where
//! roles come from (SDS or the configuration), and the audit log. Shared by the desktop shell
//! and the CLI so both sign users in the same way.

use std::sync::Arc;

use vmcheck_card::pcsc_access::PcscCards;
use vmcheck_card::soft_access::TrainingCards;
use vmcheck_card::CardAccess;
use vmcheck_core::roles::Role;

use crate::clock::Clock;
use crate::config::{CardSource, Config, SessionConfig};
use crate::session::{
    AuditTrail, ConfiguredRoles, DirectoryRoles, Mode, RoleSource, Session, SessionSettings,
};

/// Why the session could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The audit log could not be opened: lookups must not run unaudited.
    #[error("the audit log could not be opened: {0}")]
    Audit(String),
    /// The directory settings are unusable (the CA bundle).
    #[error("the directory settings are unusable: {0}")]
    Directory(String),
    /// No smartcard settings.
    #[error("smartcard sign-in is not configured (no [session] section)")]
    NoSession,
}

/// The roles source for this configuration: SDS when configured, else the listed roles.
pub fn role_source(
    config: &Config,
    session: &SessionConfig,
) -> Result<Arc<dyn RoleSource>, SetupError> {
    Ok(match &config.sds {
        Some(sds) => Arc::new(DirectoryRoles {
            client: sds.client().map_err(SetupError::Directory)?,
            ods_code: config.organisation.ods_code.clone(),
        }),
        None => Arc::new(ConfiguredRoles(
            session
                .roles
                .iter()
                .map(|r| Role {
                    role_profile_id: r.role_profile_id.clone(),
                    job_role: r.job_role.clone(),
                    job_role_code: None,
                    ods_code: config.organisation.ods_code.clone(),
                })
                .collect(),
        )),
    })
}

/// Opens the configured audit log (default location when not set).
pub fn audit_log(config: &Config) -> Result<Arc<dyn AuditTrail>, SetupError> {
    let path = config
        .audit
        .path
        .clone()
        .or_else(vmcheck_audit::default_path)
        .ok_or_else(|| SetupError::Audit("no data directory: set [audit] path".into()))?;
    let log = vmcheck_audit::AuditLog::open(&path).map_err(|e| SetupError::Audit(e.to_string()))?;
    Ok(Arc::new(log))
}

/// Builds the session described by `[session]`.
pub fn session(config: &Config, clock: Arc<dyn Clock>) -> Result<Arc<Session>, SetupError> {
    let s = config.session.as_ref().ok_or(SetupError::NoSession)?;
    let access: Arc<dyn CardAccess> = match s.card {
        CardSource::Pcsc => Arc::new(PcscCards::new()),
        CardSource::Training => Arc::new(TrainingCards::new()),
    };
    let settings = SessionSettings {
        mode: s.mode,
        idle_lock: s.idle_lock(),
        profiles: s.profiles(),
        ods_code: config.organisation.ods_code.clone(),
    };
    let session = Session::new(
        access,
        role_source(config, s)?,
        Some(audit_log(config)?),
        clock,
        settings,
    );
    session.refresh_readers();
    Ok(session)
}

/// The `[session]` of training mode: the software card, roles from the sandbox directory.
pub fn training_session_config(mode: Mode) -> SessionConfig {
    SessionConfig {
        mode,
        idle_lock_secs: None,
        card: CardSource::Training,
        card_profile: crate::config::ProfileChoice::Auto,
        result_clear_secs: 60,
        roles: Vec::new(),
    }
}
