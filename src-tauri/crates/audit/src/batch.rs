//! A worklist job's records: every record carrying its batch id, so that a job resumed after an
//! interruption can complete the intents it left open instead of recording a row twice.

use crate::error::AuditError;
use crate::log::AuditLog;
use crate::schema;
use crate::verify::{columns_for, StoredRow};

impl AuditLog {
    /// Every record of the worklist job `batch_id`, in sequence order (intents, outcomes,
    /// exports). Values are read as stored.
    pub fn batch_records(&self, batch_id: &str) -> Result<Vec<crate::AuditRecord>, AuditError> {
        let conn = self.lock();
        let version = schema::version(self.path(), &conn)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM audit_record WHERE batch_id = ?1 ORDER BY seq",
                columns_for(version)
            ))
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([batch_id], StoredRow::read)
            .map_err(|e| self.db_error(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(|e| self.db_error(e))?.into_record());
        }
        Ok(out)
    }
}
