//! The admissions worklist: a list of patients (CSV or XLSX from the hospital's PAS) checked in
//! one go along the audited path, each row with its batch id; resumable; rate-limited; every
//! row's details cross-checked against PDS; results ordered so the people who need a
//! conversation come first, and exported (an audited export) as CSV or XLSX.
//!
//! - `store` — the jobs and their rows in SQLite;
//! - `runner` — running the pending rows (groups, concurrency, rate, retries, pausing);
//! - `record` — what a checked row keeps;
//! - `export` — the results as CSV or XLSX.
//!
//! A job belongs to the user who created it: every call names the acting user, and another
//! user's job is "no such job".

mod export;
mod record;
mod runner;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vmcheck_core::session::Actor;
use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{
    parse_rows, sort_for_display, suggest_mapping, Mapping, ParseError, RowOutcome,
};

/// Lists up to this many rows get a progress summary after every group.
pub const PROGRESS_EVERY_GROUP_UP_TO: u64 = 500;

/// How often a longer list's progress is summarised (a summary counts the job's rows, and the
/// screen redraws for each).
pub const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

pub use export::ExportFormat;
pub use record::{RowCheck, CHECK_IDENTITY};
pub use runner::{RunControl, RunEnd};
pub use store::{JobInfo, JobState, JobStore, RowCounts, RowState, StoreError, StoredRow};

use crate::access::PatientAccess;
use crate::codes::ErrorCode;
use crate::error::LookupError;

/// How jobs run.
#[derive(Debug, Clone, PartialEq)]
pub struct WorklistSettings {
    /// Requests at once (default 4).
    pub concurrency: usize,
    /// Requests per second at most (`None`: unlimited).
    pub rate_per_second: Option<f64>,
    /// Tries again after a transient failure (default 3).
    pub retries: u32,
    /// Rows whose intents are committed together (default 32).
    pub group: usize,
}

impl WorklistSettings {
    /// With `concurrency` requests at once (1–32), intents committed a few requests ahead.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.clamp(1, 32);
        self.group = (self.concurrency * 4).clamp(4, 64);
        self
    }
}

impl Default for WorklistSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            rate_per_second: Some(5.0),
            retries: 3,
            group: 32,
        }
    }
}

/// Why a worklist action failed.
#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    /// The store cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The list cannot be read with this mapping, or is too long.
    #[error(transparent)]
    List(#[from] ParseError),
    /// The audited path refused (the audit log cannot be written, no identity…).
    #[error("{}", .0.message())]
    Access(#[from] LookupError),
    /// The results could not be written.
    #[error("the results could not be written: {0}")]
    Export(#[from] vmcheck_sheets::SheetError),
    /// The job was stopped.
    #[error("the job was stopped")]
    Stopped,
}

impl WorklistError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Store(StoreError::NoSuchJob) => ErrorCode::NoSuchJob,
            Self::Store(_) => ErrorCode::WorklistStore,
            Self::List(_) => ErrorCode::WorklistFile,
            Self::Access(e) => e.code(),
            Self::Export(_) => ErrorCode::ExportFailed,
            Self::Stopped => ErrorCode::Cancelled,
        }
    }
}

/// A job's state and counts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JobSummary {
    /// The job's id (the audit log's batch id).
    pub id: String,
    /// The list's file name.
    pub source: String,
    /// Where it stands.
    pub state: JobState,
    /// Rows by state.
    pub counts: RowCounts,
    /// Checked rows by what the table shows.
    pub outcomes: OutcomeCounts,
}

/// Checked rows by what the results table shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutcomeCounts {
    /// Red.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub red: u64,
    /// Amber (identity mismatches included).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub amber: u64,
    /// Green.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub green: u64,
    /// Grey.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub grey: u64,
    /// Could not be checked (lookup errors and rows that cannot be checked).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub errors: u64,
    /// Rows whose details differ from PDS.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub mismatches: u64,
}

/// One row of the results, as the table and the exports show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResultRow {
    /// The row number in the list (the header is row 1).
    pub row_number: usize,
    /// The list's cells.
    pub cells: Vec<String>,
    /// The result (a duplicate's is its first row's).
    pub check: Option<RowCheck>,
    /// Why the row cannot be checked.
    pub problem: Option<String>,
    /// The row it repeats.
    pub duplicate_of: Option<usize>,
}

/// The worklist service.
pub struct Worklist {
    access: Arc<PatientAccess>,
    store: JobStore,
    settings: WorklistSettings,
}

impl std::fmt::Debug for Worklist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worklist")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Worklist {
    /// The worklist over `access`, its jobs kept at `path`.
    pub fn open(
        access: Arc<PatientAccess>,
        path: &Path,
        settings: WorklistSettings,
    ) -> Result<Self, WorklistError> {
        Ok(Self {
            access,
            store: JobStore::open(path)?,
            settings,
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &WorklistSettings {
        &self.settings
    }

    /// The mapping to propose for a list with these headers: the one remembered for the same
    /// headers, else a guess from their names.
    pub fn proposed_mapping(&self, headers: &[String]) -> Result<Mapping, WorklistError> {
        Ok(self
            .store
            .remembered_mapping(&Mapping::signature(headers))?
            .unwrap_or_else(|| suggest_mapping(headers)))
    }

    /// Creates a job for `actor` from a list read from `source` (`header_row`: the spreadsheet
    /// row of the headings, so row numbers are those the user sees) with a confirmed mapping,
    /// which is remembered for lists with the same headers. Nothing is sent yet.
    #[allow(clippy::too_many_arguments)]
    pub fn create_job(
        &self,
        actor: &Actor,
        source: &str,
        headers: Vec<String>,
        rows: &[Vec<String>],
        header_row: usize,
        mapping: Mapping,
        today: CalendarDate,
    ) -> Result<JobSummary, WorklistError> {
        let parsed = parse_rows(&headers, rows, &mapping, today)?;
        let offset = header_row.saturating_sub(1);
        let id = uuid::Uuid::new_v4().to_string();
        let mut stored = Vec::with_capacity(parsed.rows.len());
        for outcome in parsed.rows {
            let index = outcome.row_number().saturating_sub(2);
            let cells = rows.get(index).cloned().unwrap_or_default();
            stored.push(match outcome {
                RowOutcome::Row(mut row) => {
                    row.row_number += offset;
                    row.duplicate_of = row.duplicate_of.map(|d| d + offset);
                    let state = match row.duplicate_of {
                        Some(of) => RowState::Duplicate { of },
                        None => RowState::Pending,
                    };
                    StoredRow {
                        row_number: row.row_number,
                        cells,
                        row: Some(row),
                        problem: None,
                        state,
                    }
                }
                RowOutcome::Problem(mut problem) => {
                    problem.row_number += offset;
                    StoredRow {
                        row_number: problem.row_number,
                        cells,
                        row: None,
                        problem: Some(problem),
                        state: RowState::Problem,
                    }
                }
            });
        }
        let info = JobInfo {
            id: id.clone(),
            owner_uuid: actor.user_uuid.clone(),
            source: source.to_owned(),
            created: i64::try_from(self.access.clock().unix_seconds()).unwrap_or(i64::MAX),
            headers: headers.clone(),
            mapping: mapping.clone(),
            state: JobState::Paused,
        };
        self.store.create(&info, &stored)?;
        self.store
            .remember_mapping(&Mapping::signature(&headers), &mapping)?;
        self.summary(actor, &id)
    }

    /// The jobs of `actor`, newest first.
    pub fn jobs(&self, actor: &Actor) -> Result<Vec<JobSummary>, WorklistError> {
        self.store
            .jobs(&actor.user_uuid)?
            .iter()
            .map(|id| self.summary(actor, id))
            .collect()
    }

    /// A job's state and counts.
    pub fn summary(&self, actor: &Actor, id: &str) -> Result<JobSummary, WorklistError> {
        let info = self.store.job(id, &actor.user_uuid)?;
        let counts = self.store.counts(id)?;
        // Counted in the store: a summary does not read every row's result.
        let (colours, unsettled) = self.store.checked_colours(id)?;
        let mut outcomes = OutcomeCounts {
            mismatches: unsettled,
            errors: counts.problems,
            ..OutcomeCounts::default()
        };
        for (colour, n) in colours {
            add_colour(&mut outcomes, &colour, n);
        }
        // A duplicate shows its first row's result, its own details cross-checked.
        let today = self.access.clock().today();
        self.store.each_checked_duplicate(id, |row, first| {
            let check = first.for_row(&row, today);
            if !check.identity_settled {
                outcomes.mismatches += 1;
            }
            add_colour(&mut outcomes, check.table_colour(), 1);
        })?;
        Ok(JobSummary {
            id: info.id,
            source: info.source,
            state: info.state,
            counts,
            outcomes,
        })
    }

    /// Checks the job's pending rows as `actor` (its owner) until none is left or `control`
    /// stops it; `progress` is called with the summary after each group (for a list of more
    /// than [`PROGRESS_EVERY_GROUP_UP_TO`] rows, at most once every [`PROGRESS_INTERVAL`]); the
    /// summary returned at the end is always complete.
    pub async fn run(
        &self,
        actor: &Actor,
        id: &str,
        control: &RunControl,
        progress: impl Fn(&JobSummary) + Send + Sync,
    ) -> Result<JobSummary, WorklistError> {
        let info = self.store.job(id, &actor.user_uuid)?;
        if info.state == JobState::Cancelled {
            return self.summary(actor, id);
        }
        self.store.set_state(id, JobState::Running)?;
        let runner = runner::Runner {
            access: &self.access,
            store: &self.store,
            settings: &self.settings,
            actor,
            job: id,
            control,
        };
        // A summary counts every row of the job: for a long list at most one a second (a short
        // list gets one after every group, as someone watching it expects).
        let total = self.store.counts(id)?.total;
        let last = std::sync::Mutex::new(None::<std::time::Instant>);
        let report = || {
            let now = std::time::Instant::now();
            {
                let mut last = last
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if total > PROGRESS_EVERY_GROUP_UP_TO
                    && last.is_some_and(|t| now.duration_since(t) < PROGRESS_INTERVAL)
                {
                    return;
                }
                *last = Some(now);
            }
            if let Ok(s) = self.summary(actor, id) {
                progress(&s);
            }
        };
        let end = runner.run(&report).await;
        let state = match end {
            Ok(RunEnd::Finished) => JobState::Done,
            _ => JobState::Paused,
        };
        self.store.set_state(id, state)?;
        end?;
        self.summary(actor, id)
    }

    /// Stops a job for good (its results so far are kept).
    pub fn cancel(&self, actor: &Actor, id: &str) -> Result<JobSummary, WorklistError> {
        self.store.job(id, &actor.user_uuid)?;
        self.store.set_state(id, JobState::Cancelled)?;
        self.summary(actor, id)
    }

    /// Forgets a job and the patient details it holds.
    pub fn delete(&self, actor: &Actor, id: &str) -> Result<(), WorklistError> {
        Ok(self.store.delete(id, &actor.user_uuid)?)
    }

    /// Every row with its result, people who need a conversation first (red, amber and
    /// identity mismatches; then rows that could not be checked; grey; green), each group in
    /// list order.
    pub fn results(&self, actor: &Actor, id: &str) -> Result<Vec<ResultRow>, WorklistError> {
        self.store.job(id, &actor.user_uuid)?;
        let mut rows = self.rows_for(actor, id)?;
        sort_for_display(&mut rows, |r| {
            let (result, settled) = match &r.check {
                Some(c) => (c.order_key(), c.identity_settled),
                None => (vmcheck_core::worklist::RowResult::Error, true),
            };
            (result, settled, r.row_number)
        });
        Ok(rows)
    }

    /// Every row with its result in list order, as `actor`'s role may see it (RBAC: the detail
    /// left out for a role without the detail activity, whoever ran the job).
    fn rows_for(&self, actor: &Actor, id: &str) -> Result<Vec<ResultRow>, WorklistError> {
        let mut rows = self.rows_in_list_order(id)?;
        if actor.view == vmcheck_core::roles::DetailView::Restricted {
            for check in rows.iter_mut().filter_map(|r| r.check.as_mut()) {
                check.withhold_detail();
            }
        }
        Ok(rows)
    }

    /// Every row with its result, in list order; a duplicate has its first row's result, with
    /// its own details cross-checked.
    fn rows_in_list_order(&self, id: &str) -> Result<Vec<ResultRow>, WorklistError> {
        let today = self.access.clock().today();
        let stored = self.store.rows(id)?;
        let checked: std::collections::HashMap<usize, &RowCheck> = stored
            .iter()
            .filter_map(|r| match &r.state {
                RowState::Done(c) => Some((r.row_number, &**c)),
                _ => None,
            })
            .collect();
        let check_of = |n: usize| checked.get(&n).map(|c| (*c).clone());
        Ok(stored
            .iter()
            .map(|r| ResultRow {
                row_number: r.row_number,
                cells: r.cells.clone(),
                check: match (&r.state, &r.row) {
                    (RowState::Done(c), _) => Some((**c).clone()),
                    (RowState::Duplicate { of }, Some(row)) => {
                        check_of(*of).map(|c| c.for_row(row, today))
                    }
                    _ => None,
                },
                problem: r.problem.as_ref().map(|p| {
                    std::iter::once(&p.reason)
                        .chain(p.more.iter())
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
                duplicate_of: match r.state {
                    RowState::Duplicate { of } => Some(of),
                    _ => None,
                },
            })
            .collect())
    }

    /// Writes the results to `path` (CSV or XLSX by `format`), in list order: the list's
    /// columns, then what was found. Recorded in the audit log as an export first; nothing is
    /// written when it cannot be. Returns the number of rows written.
    pub fn export(
        &self,
        actor: &Actor,
        id: &str,
        path: &Path,
        format: ExportFormat,
    ) -> Result<u64, WorklistError> {
        let info = self.store.job(id, &actor.user_uuid)?;
        let rows = self.rows_for(actor, id)?;
        let n = rows.len() as u64;
        self.access.record_export(
            actor,
            &crate::access::ExportRecord {
                kind: format.audit_kind(),
                rows: n,
                target: path.file_name().map(|f| f.to_string_lossy().into_owned()),
                nhs_number: None,
                batch_id: Some(id.to_owned()),
            },
        )?;
        export::write(path, format, &info.headers, &rows)?;
        Ok(n)
    }

    /// The default place of the job store for `audit_log` (beside it).
    pub fn default_path(audit_log: &Path) -> PathBuf {
        audit_log.with_file_name(
            if audit_log
                .file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with("training-"))
            {
                "training-worklists.sqlite"
            } else {
                "worklists.sqlite"
            },
        )
    }
}

fn add_colour(counts: &mut OutcomeCounts, colour: &str, n: u64) {
    match colour {
        "red" => counts.red += n,
        "amber" => counts.amber += n,
        "green" => counts.green += n,
        "grey" => counts.grey += n,
        _ => counts.errors += n,
    }
}
