//! Worklist rows on the audited path. A job checks many rows; each row is still one access with
//! its own intent and outcome, carrying the job's batch id and the row number (`row=N`), but the
//! records are written in groups — the intents of a group in one transaction before any of its
//! requests leaves, the outcomes in another — so the audit log is not the job's bottleneck.
//!
//! A job interrupted between a row's intent and its outcome (the app closed, `kill -9`, a lock)
//! leaves that intent open; when the job resumes, [`PatientAccess::open_rows`] finds it, [`PatientAccess::begin_rows`] reuses it and
//! the row's request is made under it, so a row is never recorded twice.

use std::collections::HashMap;

use vmcheck_audit::{Action, NewRecord};
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::session::Actor;

use super::PatientAccess;
use crate::error::LookupError;
use crate::lookup::{LookupResult, Outcome};

/// One worklist row's access, its intent committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIntent {
    /// The row's number in its list.
    pub row: u64,
    /// The NHS number checked.
    pub nhs: NhsNumber,
    /// The intent's sequence number in the audit log.
    pub seq: i64,
    /// The trace id the request carries (recorded in the intent).
    pub trace_id: String,
}

/// What a row's outcome record says: kept with the row's result, so that an outcome the job
/// could not append before an interruption is appended when it resumes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowOutcome {
    /// `green:NotChargeable`, `grey:NoRecord`, or the error code.
    pub outcome: String,
    /// The NHS number of the patient returned (the new one when superseded).
    pub queried: Option<String>,
    /// The number asked for, when PDS answered with a newer one.
    pub superseded_from: Option<String>,
    /// The request's trace id.
    pub trace_id: String,
    /// The view the user was shown (RBAC); absent in rows stored by an earlier version.
    #[serde(default)]
    pub view: Option<vmcheck_core::roles::DetailView>,
}

impl RowOutcome {
    /// The outcome of a lookup.
    pub fn of(result: &LookupResult) -> Self {
        Self {
            outcome: super::outcome_code(&result.outcome),
            queried: result.queried.as_ref().map(|n| n.as_str().to_owned()),
            superseded_from: result
                .patient
                .as_ref()
                .and_then(|p| p.superseded_from.as_ref())
                .map(|n| n.as_str().to_owned()),
            trace_id: result.trace_id.clone(),
            view: Some(result.view),
        }
    }
}

/// `row=N` (first item of a record's detail).
fn row_of(detail: Option<&str>) -> Option<u64> {
    detail?
        .split(';')
        .next()?
        .strip_prefix("row=")?
        .parse()
        .ok()
}

impl PatientAccess {
    /// Commits the intents of `rows` of the job `batch_id` in one transaction, before any of
    /// their requests is sent. A row whose intent an interrupted run of the same job left
    /// without an outcome (`open`: [`PatientAccess::open_rows`], read once when the job
    /// resumes) keeps that intent (same sequence number and trace id) instead of getting a
    /// second one. Refused as a whole, and nothing sent, when the log cannot be written.
    pub fn begin_rows(
        &self,
        actor: &Actor,
        batch_id: &str,
        rows: &[(u64, NhsNumber)],
        open: &HashMap<u64, RowIntent>,
    ) -> Result<Vec<RowIntent>, LookupError> {
        let mut intents: Vec<Option<RowIntent>> = Vec::with_capacity(rows.len());
        let mut new_records = Vec::new();
        let mut new_at = Vec::new();
        for (i, (row, nhs)) in rows.iter().enumerate() {
            match open.get(row).filter(|o| o.nhs == *nhs) {
                Some(o) => intents.push(Some(o.clone())),
                None => {
                    let trace_id = uuid::Uuid::new_v4().to_string();
                    new_records.push(NewRecord {
                        nhs_number: Some(nhs.as_str().to_owned()),
                        trace_id: Some(trace_id.clone()),
                        batch_id: Some(batch_id.to_owned()),
                        detail: Some(format!("row={row}")),
                        ..self.record(actor, Action::Lookup)
                    });
                    new_at.push((i, trace_id));
                    intents.push(None);
                }
            }
        }
        if !new_records.is_empty() {
            let stored = self.append(new_records)?;
            for ((i, trace_id), record) in new_at.into_iter().zip(stored) {
                let (row, nhs) = &rows[i];
                intents[i] = Some(RowIntent {
                    row: *row,
                    nhs: nhs.clone(),
                    seq: record.seq,
                    trace_id,
                });
            }
        }
        Ok(intents.into_iter().flatten().collect())
    }

    /// The rows of `batch_id` whose lookup intent has no outcome yet, by row number.
    pub fn open_rows(&self, batch_id: &str) -> Result<HashMap<u64, RowIntent>, LookupError> {
        let records = self
            .audit_log()?
            .batch_records(batch_id)
            .map_err(|e| LookupError::AuditUnavailable(e.to_string()))?;
        let answered: std::collections::HashSet<i64> = records
            .iter()
            .filter(|r| r.record.action == Action::Outcome)
            .filter_map(|r| r.record.refers_to)
            .collect();
        let mut open = HashMap::new();
        for r in &records {
            if r.record.action != Action::Lookup || answered.contains(&r.seq) {
                continue;
            }
            let (Some(row), Some(nhs), Some(trace_id)) = (
                row_of(r.record.detail.as_deref()),
                r.record
                    .nhs_number
                    .as_deref()
                    .and_then(|n| NhsNumber::parse(n).ok()),
                r.record.trace_id.clone(),
            ) else {
                continue;
            };
            open.insert(
                row,
                RowIntent {
                    row,
                    nhs,
                    seq: r.seq,
                    trace_id,
                },
            );
        }
        Ok(open)
    }

    /// Runs one row's lookup under its committed intent. Nothing is recorded here: the caller
    /// stores the result, then appends the outcome with [`PatientAccess::finish_rows`].
    pub async fn run_row(&self, actor: &Actor, intent: &RowIntent) -> LookupResult {
        let mut result = LookupResult {
            requested: intent.nhs.as_str().to_owned(),
            queried: None,
            trace_id: intent.trace_id.clone(),
            patient: None,
            outcome: Outcome::Error(LookupError::NoIdentity),
            raw_response: None,
            view: actor.view,
            hospital_number: None,
        };
        self.request(actor, &intent.nhs, &mut result, &|_| {}).await;
        result
    }

    /// Appends the outcomes of finished rows of `batch_id` in one transaction.
    pub fn finish_rows(
        &self,
        actor: &Actor,
        batch_id: &str,
        finished: &[(&RowIntent, &RowOutcome)],
    ) -> Result<(), LookupError> {
        if finished.is_empty() {
            return Ok(());
        }
        let records = finished
            .iter()
            .map(|(intent, outcome)| {
                self.outcome_record(
                    actor,
                    Some(intent.seq),
                    outcome,
                    Some(batch_id),
                    Some(intent.row),
                )
            })
            .collect();
        self.append(records).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::row_of;

    #[test]
    fn the_row_is_read_from_the_detail() {
        assert_eq!(row_of(Some("row=12")), Some(12));
        assert_eq!(row_of(Some("row=3;superseded_from=9434765919")), Some(3));
        assert_eq!(row_of(Some("kind=worklist_csv;rows=3")), None);
        assert_eq!(row_of(None), None);
    }
}
