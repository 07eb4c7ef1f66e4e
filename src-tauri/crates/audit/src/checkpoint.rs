//! Signed checkpoints: the head of the chain (sequence number and hash) at a time, MAC'd with the
//! installation's key and written somewhere other than the log (a file named in configuration,
//! the trust's central store). A log whose tail was cut off no longer reaches a checkpoint's
//! record; a log rewritten from some record on no longer has the checkpoint's hash there.
//!
//! A checkpoint is one line of text, so that a file of them can be appended to and read with
//! ordinary tools:
//!
//! ```text
//! vmcheck-checkpoint-v1 installation=<id> seq=<n> head=<hash> time=<unix seconds> mac=<hex>
//! mac = hex(HMAC-SHA-256(key, "vmcheck-checkpoint-v1\n" <id> "\n" <n> "\n" <hash> "\n" <time>))
//! ```

use std::fmt;
use std::io::Write;
use std::path::Path;

use crate::chain::AuditKey;
use crate::error::AuditError;
use crate::log::AuditLog;
use crate::paths::{create_private_dir, create_private_file};
use crate::schema;
use crate::verify::{columns_for, StoredRow};

const TAG: &str = "vmcheck-checkpoint-v1";

/// The head of one installation's chain at a time, signed with its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The installation.
    pub installation_id: String,
    /// The last record's sequence number (the number of records).
    pub seq: i64,
    /// The last record's hash.
    pub head: String,
    /// When the checkpoint was made, Unix seconds.
    pub time: i64,
    /// The MAC over the fields above.
    pub mac: String,
}

impl Checkpoint {
    fn mac_of(key: &AuditKey, installation_id: &str, seq: i64, head: &str, time: i64) -> String {
        key.mac(&[
            TAG.as_bytes(),
            b"\n",
            installation_id.as_bytes(),
            b"\n",
            seq.to_string().as_bytes(),
            b"\n",
            head.as_bytes(),
            b"\n",
            time.to_string().as_bytes(),
        ])
    }

    /// Whether `key` signed it.
    pub fn is_signed_by(&self, key: &AuditKey) -> bool {
        Self::mac_of(key, &self.installation_id, self.seq, &self.head, self.time) == self.mac
    }

    /// Reads one line; `None` when it is not a checkpoint.
    pub fn parse(line: &str) -> Option<Self> {
        let mut parts = line.split_whitespace();
        if parts.next()? != TAG {
            return None;
        }
        let mut field = |name: &str| {
            parts
                .next()?
                .strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_owned)
        };
        let installation_id = field("installation")?;
        let seq = field("seq")?.parse().ok()?;
        let head = field("head")?;
        let time = field("time")?.parse().ok()?;
        let mac = field("mac")?;
        Some(Self {
            installation_id,
            seq,
            head,
            time,
            mac,
        })
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{TAG} installation={} seq={} head={} time={} mac={}",
            self.installation_id, self.seq, self.head, self.time, self.mac
        )
    }
}

/// How a log stands against a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The log reaches the checkpoint's record and has its hash there.
    Consistent,
    /// The log ends before the checkpoint's record: its tail was removed.
    Truncated {
        /// How many records the log holds now.
        log_records: i64,
        /// How many it held at the checkpoint.
        checkpoint_records: i64,
    },
    /// The log's record at the checkpoint's number has another hash: it was rewritten.
    Rewritten {
        /// The record.
        seq: i64,
    },
    /// The checkpoint's MAC is not the key's: forged, or another installation's.
    NotSigned,
    /// The checkpoint names another installation.
    OtherInstallation,
}

impl fmt::Display for CheckpointCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Consistent => f.write_str("the log agrees with the checkpoint"),
            Self::Truncated { log_records, checkpoint_records } => write!(
                f,
                "the log holds {log_records} records but held {checkpoint_records} at the checkpoint: records were removed from its end"
            ),
            Self::Rewritten { seq } => write!(
                f,
                "record {seq} is not the one the checkpoint recorded: the log was rewritten"
            ),
            Self::NotSigned => f.write_str(
                "the checkpoint is not signed with this installation's key: it is forged or damaged",
            ),
            Self::OtherInstallation => f.write_str("the checkpoint is another installation's"),
        }
    }
}

impl AuditLog {
    /// A checkpoint of the log's head now (needs the key).
    pub fn checkpoint(&self, time: i64) -> Result<Option<Checkpoint>, AuditError> {
        let key = self.key().ok_or(AuditError::InvalidRecord {
            reason: "the audit log was opened without its key: no checkpoint can be signed",
        })?;
        Ok(self.head()?.map(|(seq, head)| Checkpoint {
            mac: Checkpoint::mac_of(key, self.installation_id(), seq, &head, time),
            installation_id: self.installation_id().to_owned(),
            seq,
            head,
            time,
        }))
    }

    /// Checks the log against a checkpoint; the signature is checked when the log was opened
    /// with its key.
    pub fn check_checkpoint(&self, cp: &Checkpoint) -> Result<CheckpointCheck, AuditError> {
        if !self.installation_id().is_empty() && cp.installation_id != self.installation_id() {
            return Ok(CheckpointCheck::OtherInstallation);
        }
        if let Some(key) = self.key() {
            if !cp.is_signed_by(key) {
                return Ok(CheckpointCheck::NotSigned);
            }
        }
        let conn = self.lock();
        let version = schema::version(self.path(), &conn)?;
        let last: i64 = conn
            .query_row("SELECT coalesce(max(seq), 0) FROM audit_record", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.db_error(e))?;
        if last < cp.seq {
            return Ok(CheckpointCheck::Truncated {
                log_records: last,
                checkpoint_records: cp.seq,
            });
        }
        let row = conn
            .query_row(
                &format!(
                    "SELECT {} FROM audit_record WHERE seq = ?1",
                    columns_for(version)
                ),
                [cp.seq],
                StoredRow::read,
            )
            .map_err(|e| self.db_error(e))?;
        Ok(if row.hash == cp.head {
            CheckpointCheck::Consistent
        } else {
            CheckpointCheck::Rewritten { seq: cp.seq }
        })
    }
}

/// Appends a checkpoint to a file (created private to this user) and syncs it.
pub fn append_checkpoint(file: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    create_private_file(file)?;
    let mut f = std::fs::OpenOptions::new().append(true).open(file)?;
    writeln!(f, "{cp}")?;
    f.sync_all()
}

/// The checkpoints in a file, in order (lines that are not checkpoints are skipped).
pub fn read_checkpoints(file: &Path) -> std::io::Result<Vec<Checkpoint>> {
    Ok(std::fs::read_to_string(file)?
        .lines()
        .filter_map(Checkpoint::parse)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_and_is_signed_by_its_key_only() {
        let key = AuditKey::from_bytes(&[3; 32]).expect("key");
        let other = AuditKey::from_bytes(&[4; 32]).expect("key");
        let cp = Checkpoint {
            mac: Checkpoint::mac_of(&key, "inst", 12, &"a".repeat(64), 1_795_253_400),
            installation_id: "inst".into(),
            seq: 12,
            head: "a".repeat(64),
            time: 1_795_253_400,
        };
        let line = cp.to_string();
        assert!(line.starts_with("vmcheck-checkpoint-v1 installation=inst seq=12 head=aaaa"));
        let back = Checkpoint::parse(&line).expect("parses");
        assert_eq!(back, cp);
        assert!(back.is_signed_by(&key));
        assert!(!back.is_signed_by(&other));
        for forged in [
            Checkpoint {
                seq: 11,
                ..cp.clone()
            },
            Checkpoint {
                time: cp.time + 1,
                ..cp.clone()
            },
            Checkpoint {
                head: "b".repeat(64),
                ..cp.clone()
            },
            Checkpoint {
                installation_id: "x".into(),
                ..cp.clone()
            },
        ] {
            assert!(!forged.is_signed_by(&key), "{forged}");
        }
        assert_eq!(Checkpoint::parse("hello"), None);
        assert_eq!(Checkpoint::parse(&line.replace("seq=12", "seq=x")), None);
    }
}
