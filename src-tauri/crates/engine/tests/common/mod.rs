//! Helpers shared by the engine's flow tests: the audited path over a configuration, with its
//! audit log in a temporary folder.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::ops::Deref;
use std::sync::Arc;

use vmcheck_engine::{
    Actor, Clock, Config, LookupError, LookupResult, MemorySecrets, PatientAccess, Progress,
    SecretLookup,
};

/// The audited path with its audit log in a temporary folder (removed when dropped).
pub struct Engine {
    access: Arc<PatientAccess>,
    _dir: tempfile::TempDir,
}

impl Deref for Engine {
    type Target = PatientAccess;

    fn deref(&self) -> &PatientAccess {
        &self.access
    }
}

impl Engine {
    /// Secrets in memory (empty): the audit log's key is created there.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Result<Self, LookupError> {
        Self::with_secrets(config, clock, Arc::new(MemorySecrets::new()))
    }

    /// With these secrets (the audit log's key is created among them when missing).
    pub fn with_secrets(
        mut config: Config,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretLookup>,
    ) -> Result<Self, LookupError> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        if config.audit.path.is_none() {
            config.audit.path = Some(dir.path().join("audit.sqlite"));
        }
        let access = PatientAccess::open(config, clock, secrets)?;
        Ok(Self {
            access: Arc::new(access),
            _dir: dir,
        })
    }

    /// The audited path, to hand to a session.
    pub fn access(&self) -> Arc<PatientAccess> {
        self.access.clone()
    }

    /// A lookup as `actor` (no batch).
    pub async fn lookup(
        &self,
        actor: Option<&Actor>,
        input: &str,
        progress: impl Fn(Progress),
    ) -> LookupResult {
        self.access.lookup(actor, input, None, progress).await
    }
}
