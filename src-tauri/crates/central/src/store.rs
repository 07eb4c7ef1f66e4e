//! The store's operations: forwarding records and checkpoints, reading them back.

use futures::TryStreamExt;
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;
use vmcheck_audit::{Access, Action, Checkpoint, NewRecord, StoredRow};

use crate::connect::describe_error;
use crate::schema;

/// Why the central store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// No connection.
    #[error("the central audit store {server} cannot be reached: {problem}")]
    Connect {
        /// `host:port/dbname`.
        server: String,
        /// Why.
        problem: String,
    },
    /// A statement failed (the connection dropped, the server refused).
    #[error("the central audit store {server} failed: {problem}")]
    Query {
        /// `host:port/dbname`.
        server: String,
        /// Why.
        problem: String,
    },
    /// The store was created by a newer version.
    #[error("the central audit store {server} has schema version {found}; this version of V&M Check knows up to {known}: upgrade it")]
    NewerSchema {
        /// `host:port/dbname`.
        server: String,
        /// The store's version.
        found: i64,
        /// This program's.
        known: i64,
    },
    /// Records offered out of order (a bug in the caller, refused rather than stored).
    #[error("records must be forwarded in order from the one after the store's head ({expected}); got {got}")]
    OutOfOrder {
        /// The sequence number expected next.
        expected: i64,
        /// The one offered.
        got: i64,
    },
}

/// A connection to the central store.
pub struct CentralStore {
    client: Client,
    server: String,
}

impl std::fmt::Debug for CentralStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CentralStore")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

const RECORD_COLUMNS: &str = "seq, time, installation_id, user_uuid, role_profile_id, ods_code, \
     action, nhs_number, search_terms, outcome, trace_id, batch_id, refers_to, detail, format, \
     prev_hash, hash";

impl CentralStore {
    pub(crate) fn new(client: Client, server: String) -> Self {
        Self { client, server }
    }

    fn query_error(&self, e: &tokio_postgres::Error) -> CentralError {
        CentralError::Query {
            server: self.server.clone(),
            problem: describe_error(e),
        }
    }

    /// `host:port/dbname`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Whether the connection has been closed (the server went away).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Runs the migrations this store has not had yet, under an advisory lock.
    pub(crate) async fn migrate(&mut self) -> Result<(), CentralError> {
        let server = self.server.clone();
        let e = move |err: tokio_postgres::Error| CentralError::Query {
            server: server.clone(),
            problem: describe_error(&err),
        };
        let tx = self.client.transaction().await.map_err(&e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::LOCK])
            .await
            .map_err(&e)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS vmcheck_schema (version BIGINT NOT NULL)")
            .await
            .map_err(&e)?;
        let found: i64 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM vmcheck_schema", &[])
            .await
            .map_err(&e)?
            .get(0);
        if found > schema::current() {
            return Err(CentralError::NewerSchema {
                server: self.server.clone(),
                found,
                known: schema::current(),
            });
        }
        for (i, migration) in schema::MIGRATIONS.iter().enumerate() {
            let version = i as i64 + 1;
            if version <= found {
                continue;
            }
            tx.batch_execute(migration).await.map_err(&e)?;
            tx.execute(
                "INSERT INTO vmcheck_schema (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(&e)?;
        }
        tx.commit().await.map_err(&e)
    }

    /// The schema version of the store.
    pub async fn schema_version(&self) -> Result<i64, CentralError> {
        Ok(self
            .client
            .query_one("SELECT coalesce(max(version), 0) FROM vmcheck_schema", &[])
            .await
            .map_err(|e| self.query_error(&e))?
            .get(0))
    }

    /// The last sequence number forwarded for `installation` (0 when none).
    pub async fn head(&self, installation: &str) -> Result<i64, CentralError> {
        Ok(self
            .client
            .query_one(
                "SELECT coalesce(max(seq), 0) FROM audit_record WHERE installation = $1",
                &[&installation],
            )
            .await
            .map_err(|e| self.query_error(&e))?
            .get(0))
    }

    /// Stores `records` of `installation` (consecutive, in order) in one transaction, after
    /// checking they start at or before the store's head + 1; records already there are
    /// skipped. Returns how many were new.
    pub async fn append(
        &mut self,
        installation: &str,
        records: &[StoredRow],
    ) -> Result<u64, CentralError> {
        let Some(first) = records.first() else {
            return Ok(0);
        };
        for pair in records.windows(2) {
            if pair[1].seq != pair[0].seq + 1 {
                return Err(CentralError::OutOfOrder {
                    expected: pair[0].seq + 1,
                    got: pair[1].seq,
                });
            }
        }
        let server = self.server.clone();
        let e = move |err: tokio_postgres::Error| CentralError::Query {
            server: server.clone(),
            problem: describe_error(&err),
        };
        let tx = self.client.transaction().await.map_err(&e)?;
        // One writer per installation at a time: a second forwarder of the same desk waits,
        // then finds the records there.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&installation],
        )
        .await
        .map_err(&e)?;
        let head: i64 = tx
            .query_one(
                "SELECT coalesce(max(seq), 0) FROM audit_record WHERE installation = $1",
                &[&installation],
            )
            .await
            .map_err(&e)?
            .get(0);
        if first.seq > head + 1 {
            return Err(CentralError::OutOfOrder {
                expected: head + 1,
                got: first.seq,
            });
        }
        let insert = tx
            .prepare(&format!(
                "INSERT INTO audit_record (installation, {RECORD_COLUMNS}) VALUES \
                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                 ON CONFLICT (installation, seq) DO NOTHING"
            ))
            .await
            .map_err(&e)?;
        let mut new = 0;
        for r in records.iter().filter(|r| r.seq > head) {
            let format = i16::try_from(r.format).unwrap_or(i16::MAX);
            let n = &r.record;
            let params: [&(dyn ToSql + Sync); 18] = [
                &installation,
                &r.seq,
                &n.time,
                &r.installation_id,
                &n.user_uuid,
                &n.role_profile_id,
                &n.ods_code,
                &r.action,
                &n.nhs_number,
                &n.search_terms,
                &n.outcome,
                &n.trace_id,
                &n.batch_id,
                &n.refers_to,
                &n.detail,
                &format,
                &r.prev_hash,
                &r.hash,
            ];
            new += tx.execute(&insert, &params).await.map_err(&e)?;
        }
        tx.commit().await.map_err(&e)?;
        Ok(new)
    }

    /// Stores checkpoints of `installation` (those already there are skipped).
    pub async fn append_checkpoints(
        &mut self,
        installation: &str,
        checkpoints: &[Checkpoint],
    ) -> Result<(), CentralError> {
        let server = self.server.clone();
        let e = move |err: tokio_postgres::Error| CentralError::Query {
            server: server.clone(),
            problem: describe_error(&err),
        };
        let tx = self.client.transaction().await.map_err(&e)?;
        let insert = tx
            .prepare(
                "INSERT INTO audit_checkpoint (installation, seq, head, time, mac) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(&e)?;
        for c in checkpoints {
            tx.execute(&insert, &[&installation, &c.seq, &c.head, &c.time, &c.mac])
                .await
                .map_err(&e)?;
        }
        tx.commit().await.map_err(&e)
    }

    /// The time of the newest checkpoint of `installation` stored (0 when none).
    pub async fn last_checkpoint_time(&self, installation: &str) -> Result<i64, CentralError> {
        Ok(self
            .client
            .query_one(
                "SELECT coalesce(max(time), 0) FROM audit_checkpoint WHERE installation = $1",
                &[&installation],
            )
            .await
            .map_err(|e| self.query_error(&e))?
            .get(0))
    }

    /// Every installation that has forwarded records, in order.
    pub async fn installations(&self) -> Result<Vec<String>, CentralError> {
        Ok(self
            .client
            .query(
                "SELECT DISTINCT installation FROM audit_record ORDER BY installation",
                &[],
            )
            .await
            .map_err(|e| self.query_error(&e))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    /// Calls `each` with every record of `installation` in sequence order, streamed.
    pub(crate) async fn each_record(
        &self,
        installation: &str,
        mut each: impl FnMut(StoredRow),
    ) -> Result<(), CentralError> {
        let rows = self
            .client
            .query_raw(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM audit_record WHERE installation = $1 ORDER BY seq"
                ),
                [installation],
            )
            .await
            .map_err(|e| self.query_error(&e))?;
        futures::pin_mut!(rows);
        while let Some(row) = rows.try_next().await.map_err(|e| self.query_error(&e))? {
            let action: String = row.get(6);
            each(StoredRow {
                seq: row.get(0),
                record: NewRecord {
                    time: row.get(1),
                    user_uuid: row.get(3),
                    role_profile_id: row.get(4),
                    ods_code: row.get(5),
                    // Hashed from `action` (the stored text); this value is not.
                    action: action.parse().unwrap_or(Action::Outcome),
                    nhs_number: row.get(7),
                    search_terms: row.get(8),
                    outcome: row.get(9),
                    trace_id: row.get(10),
                    batch_id: row.get(11),
                    refers_to: row.get(12),
                    detail: row.get(13),
                },
                installation_id: row.get(2),
                action,
                format: i64::from(row.get::<_, i16>(14)),
                prev_hash: row.get(15),
                hash: row.get(16),
            });
        }
        Ok(())
    }

    /// The checkpoints of `installation`, oldest first.
    pub async fn checkpoints(&self, installation: &str) -> Result<Vec<Checkpoint>, CentralError> {
        Ok(self
            .client
            .query(
                "SELECT seq, head, time, mac FROM audit_checkpoint WHERE installation = $1 \
                 ORDER BY time, seq",
                &[&installation],
            )
            .await
            .map_err(|e| self.query_error(&e))?
            .iter()
            .map(|r| Checkpoint {
                installation_id: installation.to_owned(),
                seq: r.get(0),
                head: r.get(1),
                time: r.get(2),
                mac: r.get(3),
            })
            .collect())
    }

    /// The hash stored for record `seq` of `installation`.
    pub(crate) async fn hash_at(
        &self,
        installation: &str,
        seq: i64,
    ) -> Result<Option<String>, CentralError> {
        Ok(self
            .client
            .query_opt(
                "SELECT hash FROM audit_record WHERE installation = $1 AND seq = $2",
                &[&installation, &seq],
            )
            .await
            .map_err(|e| self.query_error(&e))?
            .map(|r| r.get(0)))
    }

    /// Every access to patient data across the trust whose time lies in `from..=to` (Unix
    /// seconds; `None` unbounded), each with its outcome from the same installation, in time
    /// order (then installation and sequence): what `vmcheck audit report --central` reads.
    pub async fn accesses(
        &self,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<Access>, CentralError> {
        let rows = self
            .client
            .query(
                "SELECT i.seq, i.time, i.user_uuid, i.role_profile_id, i.ods_code, i.action,
                        i.nhs_number, i.search_terms, i.batch_id, i.detail,
                        o.outcome, o.nhs_number, o.detail
                 FROM audit_record i
                 LEFT JOIN audit_record o ON o.installation = i.installation
                      AND o.refers_to = i.seq AND o.action = 'outcome'
                 WHERE i.action IN ('lookup', 'search', 'export')
                   AND i.time >= $1 AND i.time <= $2
                 ORDER BY i.time, i.installation, i.seq",
                &[&from.unwrap_or(i64::MIN), &to.unwrap_or(i64::MAX)],
            )
            .await
            .map_err(|e| self.query_error(&e))?;
        Ok(rows
            .iter()
            .map(|r| Access {
                seq: r.get(0),
                time: r.get(1),
                user_uuid: r.get(2),
                role_profile_id: r.get(3),
                ods_code: r.get(4),
                action: r.get(5),
                nhs_number: r.get(6),
                search_terms: r.get(7),
                batch_id: r.get(8),
                detail: r.get(9),
                outcome: r.get(10),
                outcome_nhs_number: r.get(11),
                outcome_detail: r.get(12),
            })
            .collect())
    }
}
