//! What information governance asks of the log: every access to patient data (a lookup, a
//! search, an export) with what came back, in time order — the raw material of a subject
//! access request, a user's activity and a period's summary (`vmcheck audit report`).

use rusqlite::params;

use crate::error::AuditError;
use crate::log::AuditLog;

/// One access: its intent (or export) record, and the outcome that refers to it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The intent's sequence number.
    pub seq: i64,
    /// When (Unix seconds).
    pub time: i64,
    /// The user's UUID.
    pub user_uuid: String,
    /// The role they acted in.
    pub role_profile_id: Option<String>,
    /// The organisation.
    pub ods_code: String,
    /// `lookup`, `search` or `export`.
    pub action: String,
    /// The NHS number asked about (lookups, single-patient exports).
    pub nhs_number: Option<String>,
    /// The search terms (searches).
    pub search_terms: Option<String>,
    /// The worklist job, if the access was one of its rows.
    pub batch_id: Option<String>,
    /// The intent's detail (exports: kind, rows, where to).
    pub detail: Option<String>,
    /// What came back: `red:Chargeable`, `grey:NoRecord`, `matches:2`, an error code; `None`
    /// when the access was interrupted (exports have no outcome).
    pub outcome: Option<String>,
    /// The outcome's NHS number (the current one when PDS replaced it).
    pub outcome_nhs_number: Option<String>,
    /// The outcome's detail (`superseded_from=…`, `returned=…`, `row=…`).
    pub outcome_detail: Option<String>,
}

impl AuditLog {
    /// Every access to patient data whose time lies in `from..=to` (Unix seconds; `None` is
    /// unbounded), in sequence order, each with its outcome.
    pub fn accesses(&self, from: Option<i64>, to: Option<i64>) -> Result<Vec<Access>, AuditError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT i.seq, i.time, i.user_uuid, i.role_profile_id, i.ods_code, i.action,
                        i.nhs_number, i.search_terms, i.batch_id, i.detail,
                        o.outcome, o.nhs_number, o.detail
                 FROM audit_record i
                 LEFT JOIN audit_record o ON o.refers_to = i.seq AND o.action = 'outcome'
                 WHERE i.action IN ('lookup', 'search', 'export')
                   AND i.time >= ?1 AND i.time <= ?2
                 ORDER BY i.seq",
            )
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map(
                params![from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)],
                |r| {
                    Ok(Access {
                        seq: r.get(0)?,
                        time: r.get(1)?,
                        user_uuid: r.get(2)?,
                        role_profile_id: r.get(3)?,
                        ods_code: r.get(4)?,
                        action: r.get(5)?,
                        nhs_number: r.get(6)?,
                        search_terms: r.get(7)?,
                        batch_id: r.get(8)?,
                        detail: r.get(9)?,
                        outcome: r.get(10)?,
                        outcome_nhs_number: r.get(11)?,
                        outcome_detail: r.get(12)?,
                    })
                },
            )
            .map_err(|e| self.db_error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db_error(e))
    }
}
