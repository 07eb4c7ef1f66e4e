//! Verifying the central store: every installation's forwarded chain walked from its first
//! record (numbering, links, and keyed hashes where the verifier holds that installation's
//! key), and every forwarded checkpoint matched against the chain it names.

use vmcheck_audit::{AuditKey, ChainWalk, Checkpoint, VerifyReport};

use crate::store::{CentralError, CentralStore};

/// One installation's part of the central store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationReport {
    /// The installation id.
    pub installation: String,
    /// Its chain as forwarded (`keyed_checked` says whether hashes could be checked).
    pub chain: VerifyReport,
    /// Checkpoints forwarded.
    pub checkpoints: u64,
    /// Checkpoints the central chain does not match: it ends before the checkpoint's record,
    /// or holds another hash there (records removed or replaced centrally), or, with the key,
    /// a checkpoint not signed by it.
    pub checkpoint_problems: Vec<String>,
}

impl InstallationReport {
    /// No break, no checkpoint problem.
    pub fn is_intact(&self) -> bool {
        self.chain.is_intact() && self.checkpoint_problems.is_empty()
    }
}

/// The whole store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralReport {
    /// The store verified.
    pub server: String,
    /// Each installation, in order of id.
    pub installations: Vec<InstallationReport>,
}

impl CentralReport {
    /// Every installation intact.
    pub fn is_intact(&self) -> bool {
        self.installations.iter().all(InstallationReport::is_intact)
    }
}

impl CentralStore {
    /// Verifies every installation's chain; `key` (this desk's) checks the keyed hashes and
    /// checkpoint signatures of the installation it belongs to.
    pub async fn verify(&self, key: Option<&AuditKey>) -> Result<CentralReport, CentralError> {
        let own = key.map(AuditKey::installation_id);
        let mut installations = Vec::new();
        for installation in self.installations().await? {
            let key = key.filter(|_| own.as_deref() == Some(installation.as_str()));
            let mut walk = ChainWalk::new(key);
            self.each_record(&installation, |row| walk.push(row))
                .await?;
            let chain = walk.finish();
            let checkpoints = self.checkpoints(&installation).await?;
            let mut checkpoint_problems = Vec::new();
            for cp in &checkpoints {
                if let Some(problem) = self.check_checkpoint(&installation, cp, key).await? {
                    checkpoint_problems.push(problem);
                }
            }
            installations.push(InstallationReport {
                installation,
                chain,
                checkpoints: checkpoints.len() as u64,
                checkpoint_problems,
            });
        }
        Ok(CentralReport {
            server: self.server().to_owned(),
            installations,
        })
    }

    async fn check_checkpoint(
        &self,
        installation: &str,
        cp: &Checkpoint,
        key: Option<&AuditKey>,
    ) -> Result<Option<String>, CentralError> {
        if let Some(key) = key {
            if !cp.is_signed_by(key) {
                return Ok(Some(format!(
                    "the checkpoint at record {} is not signed with this installation's key",
                    cp.seq
                )));
            }
        }
        Ok(match self.hash_at(installation, cp.seq).await? {
            None => Some(format!(
                "a checkpoint names record {}, which the central store does not hold: \
                 records were removed",
                cp.seq
            )),
            Some(hash) if hash != cp.head => Some(format!(
                "record {} differs from the checkpoint made of it: it was replaced",
                cp.seq
            )),
            Some(_) => None,
        })
    }
}
