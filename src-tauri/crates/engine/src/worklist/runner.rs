//! Running a job: its pending rows in groups, each group's intents committed in one transaction
//! before any of its requests leaves, the requests run `concurrency` at a time and no faster
//! than the rate limit, transient failures retried with a bounded backoff under the same
//! intent, the results stored, then the group's outcomes appended in one transaction.
//!
//! Stopping (a lock, the user's pause, the app closing) lets the requests in flight finish and
//! leaves the rest pending: their intents, if committed, are reused when the job resumes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::session::Actor;
use vmcheck_core::worklist::ListRow;

use super::record::{is_transient, RowCheck};
use super::store::JobStore;
use super::{WorklistError, WorklistSettings};
use crate::access::{PatientAccess, RowIntent, SearchTerms};
use crate::clock::Clock;
use crate::codes::ErrorCode;
use crate::lookup::LookupResult;

/// Whether a running job may go on: cleared by a pause, a lock or the app closing.
#[derive(Clone)]
pub struct RunControl {
    go: Arc<AtomicBool>,
    allowed: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl std::fmt::Debug for RunControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("go", &self.go.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl RunControl {
    /// A control that also asks `allowed` (the session still signed in as the job's user)
    /// before each request.
    pub fn new(allowed: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self {
            go: Arc::new(AtomicBool::new(true)),
            allowed: Arc::new(allowed),
        }
    }

    /// A control nothing but [`RunControl::pause`] stops.
    pub fn unconditional() -> Self {
        Self::new(|| true)
    }

    /// Stops the job after the requests in flight.
    pub fn pause(&self) {
        self.go.store(false, Ordering::SeqCst);
    }

    /// Whether the job may send another request.
    pub fn may_continue(&self) -> bool {
        self.go.load(Ordering::SeqCst) && (self.allowed)()
    }
}

/// Spaces requests at least `interval` apart.
struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Duration>,
}

impl Pacer {
    fn new(rate_per_second: Option<f64>) -> Self {
        Self {
            interval: rate_per_second
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(Duration::ZERO),
        }
    }

    async fn wait_turn(&self, clock: &dyn Clock) {
        let Some(interval) = self.interval else {
            return;
        };
        let wait = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = clock.monotonic();
            let slot = (*next).max(now);
            *next = slot + interval;
            slot.saturating_sub(now)
        };
        if !wait.is_zero() {
            clock.sleep(wait).await;
        }
    }
}

/// The wait before retry `attempt` (1-based): 1 s, 2 s, 4 s … at most 30 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every row has its result.
    Finished,
    /// Stopped before the end (pause, lock); rows are still pending.
    Paused,
}

pub(super) struct Runner<'a> {
    pub access: &'a PatientAccess,
    pub store: &'a JobStore,
    pub settings: &'a WorklistSettings,
    pub actor: &'a Actor,
    pub job: &'a str,
    pub control: &'a RunControl,
}

impl Runner<'_> {
    fn clock(&self) -> &dyn Clock {
        self.access.clock().as_ref()
    }

    fn now(&self) -> i64 {
        i64::try_from(self.clock().unix_seconds()).unwrap_or(i64::MAX)
    }

    /// Appends the outcomes a previous run stored but could not audit before it stopped;
    /// returns the intents still open (rows interrupted before their result was stored), which
    /// their rows reuse.
    pub fn recover(&self) -> Result<HashMap<u64, RowIntent>, WorklistError> {
        let mut open = self.access.open_rows(self.job)?;
        if open.is_empty() {
            return Ok(open);
        }
        let stored = self.store.rows(self.job)?;
        let mut finished = Vec::new();
        for row in &stored {
            if let super::store::RowState::Done(check) = &row.state {
                if let (Some(intent), Some(outcome)) =
                    (open.remove(&(row.row_number as u64)), check.audit.clone())
                {
                    finished.push((intent, outcome));
                }
            }
        }
        let pairs: Vec<(&RowIntent, &crate::access::RowOutcome)> =
            finished.iter().map(|(i, o)| (i, o)).collect();
        self.access.finish_rows(self.actor, self.job, &pairs)?;
        Ok(open)
    }

    /// Runs the pending rows until none is left or the control says stop.
    ///
    /// The open intents are read from the audit log once, here: within a run every intent a
    /// group commits gets its outcome before the next group starts, or the run stops.
    pub async fn run(&self, progress: &(dyn Fn() + Send + Sync)) -> Result<RunEnd, WorklistError> {
        let open = self.recover()?;
        let semaphore = Semaphore::new(self.settings.concurrency.max(1));
        let pacer = Pacer::new(self.settings.rate_per_second);
        loop {
            if !self.control.may_continue() {
                return Ok(RunEnd::Paused);
            }
            let rows = self.store.pending(self.job, self.settings.group.max(1))?;
            if rows.is_empty() {
                return Ok(RunEnd::Finished);
            }
            let stopped = self.run_group(&rows, &open, &semaphore, &pacer).await?;
            progress();
            if stopped {
                return Ok(RunEnd::Paused);
            }
        }
    }

    /// One group; `true` when it stopped early.
    async fn run_group(
        &self,
        rows: &[ListRow],
        open: &HashMap<u64, RowIntent>,
        semaphore: &Semaphore,
        pacer: &Pacer,
    ) -> Result<bool, WorklistError> {
        let today = self.clock().today();
        // Rows without an NHS number: a PDS search on their details first.
        let mut numbers: Vec<(u64, NhsNumber, bool)> = Vec::new();
        let mut settled: Vec<(usize, RowCheck)> = Vec::new();
        for row in rows {
            match &row.nhs_number {
                Some(n) => numbers.push((row.row_number as u64, n.clone(), false)),
                None => {
                    if !self.control.may_continue() {
                        break;
                    }
                    pacer.wait_turn(self.clock()).await;
                    match self.search(row).await {
                        Ok(n) => numbers.push((row.row_number as u64, n, true)),
                        Err(check) => settled.push((row.row_number, *check)),
                    }
                }
            }
        }
        let asked: Vec<(u64, NhsNumber)> =
            numbers.iter().map(|(r, n, _)| (*r, n.clone())).collect();
        let intents = if asked.is_empty() {
            Vec::new()
        } else {
            self.access.begin_rows(self.actor, self.job, &asked, open)?
        };
        // Every row's future waits for a permit, then its turn, then checks it may still go:
        // at most `concurrency` requests at once, no faster than the rate.
        let tasks: Vec<_> = intents
            .iter()
            .map(|intent| async move {
                let Ok(_permit) = semaphore.acquire().await else {
                    return (intent, None);
                };
                if !self.control.may_continue() {
                    return (intent, None);
                }
                pacer.wait_turn(self.clock()).await;
                if !self.control.may_continue() {
                    return (intent, None);
                }
                (intent, Some(self.run_with_retries(intent, pacer).await))
            })
            .collect();
        let results = futures::future::join_all(tasks).await;
        let now = self.now();
        let by_row = |n: u64| rows.iter().find(|r| r.row_number as u64 == n);
        let mut done: Vec<(usize, RowCheck)> = settled;
        let mut audited: Vec<(&RowIntent, crate::access::RowOutcome)> = Vec::new();
        let mut stopped = false;
        for (intent, result) in &results {
            let Some(result) = result else {
                stopped = true;
                continue;
            };
            let Some(row) = by_row(intent.row) else {
                continue;
            };
            let searched = numbers.iter().any(|(r, _, s)| *r == intent.row && *s);
            let check = RowCheck::new(row, result, today, now, searched);
            if let Some(outcome) = check.audit.clone() {
                audited.push((intent, outcome));
            }
            done.push((row.row_number, check));
        }
        // The results first, then their outcomes: a row stored is never checked again, and an
        // outcome missing after an interruption is appended on resuming (`recover`).
        let refs: Vec<(usize, &RowCheck)> = done.iter().map(|(n, c)| (*n, c)).collect();
        self.store.finish(self.job, &refs)?;
        let pairs: Vec<(&RowIntent, &crate::access::RowOutcome)> =
            audited.iter().map(|(i, o)| (*i, o)).collect();
        self.access.finish_rows(self.actor, self.job, &pairs)?;
        Ok(stopped || rows.len() > done.len())
    }

    async fn run_with_retries(&self, intent: &RowIntent, pacer: &Pacer) -> LookupResult {
        let mut attempt = 0;
        loop {
            let result = self.access.run_row(self.actor, intent).await;
            if !is_transient(&result)
                || attempt >= self.settings.retries
                || !self.control.may_continue()
            {
                return result;
            }
            attempt += 1;
            self.clock().sleep(backoff(attempt)).await;
            pacer.wait_turn(self.clock()).await;
        }
    }

    /// Finds a row's patient by its hospital number (when the row has one and `[care_connect]`
    /// is configured: the one patient the trust's Care Connect service names, with a verified
    /// NHS number), else by its details: exactly one match, or the row's error. Either way
    /// PDS then traces the number and the row's details are cross-checked against PDS's.
    async fn search(&self, row: &ListRow) -> Result<NhsNumber, Box<RowCheck>> {
        let hospital = row
            .hospital_number
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty());
        if let (Some(typed), Some(pattern)) = (hospital, self.access.hospital_number_pattern()) {
            let fail = |code: ErrorCode, message: String| {
                Box::new(RowCheck::error_without_lookup(
                    code.as_str(),
                    &message,
                    String::new(),
                    self.now(),
                ))
            };
            let number = pattern
                .parse(typed)
                .map_err(|e| fail(ErrorCode::InvalidHospitalNumberLocal, format!("{e}.")))?;
            let trace_id = uuid::Uuid::new_v4().to_string();
            return self
                .access
                .find_by_hospital_number(self.actor, &number, Some(self.job), &trace_id)
                .await
                .map_err(|e| fail(e.code(), e.message()));
        }
        if hospital.is_some()
            && (row.family.is_none() || row.birth_date.is_none() || row.gender.is_none())
        {
            // Read only because of its hospital number, which cannot be looked up here.
            return Err(Box::new(RowCheck::error_without_lookup(
                ErrorCode::HospitalNumberNotConfigured.as_str(),
                "This row has no NHS number, and hospital numbers cannot be looked up on this computer ([care_connect] is not configured): add the NHS number, or the family name, date of birth and gender.",
                String::new(),
                self.now(),
            )));
        }
        self.search_by_details(row).await
    }

    /// Finds a row's patient by its details: exactly one match, or the row's error.
    async fn search_by_details(&self, row: &ListRow) -> Result<NhsNumber, Box<RowCheck>> {
        let terms = SearchTerms {
            family: row.family.clone().unwrap_or_default(),
            given: row.given.clone(),
            gender: row
                .gender
                .map(|g| g.fhir_code().to_owned())
                .unwrap_or_default(),
            birth_date: row.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            postcode: row.postcode.as_ref().map(|p| p.written().to_string()),
        };
        let fail = |code: ErrorCode, message: String| {
            Box::new(RowCheck::error_without_lookup(
                code.as_str(),
                &message,
                String::new(),
                self.now(),
            ))
        };
        match self.access.search(self.actor, &terms).await {
            Ok(matches) if matches.len() == 1 => Ok(matches[0].patient.nhs_number.clone()),
            Ok(matches) => Err(fail(
                ErrorCode::NoUniqueMatch,
                if matches.is_empty() {
                    "No patient on PDS has this row's details: add the NHS number to the list."
                        .into()
                } else {
                    format!(
                        "{} patients on PDS have this row's details: add the NHS number to the list.",
                        matches.len()
                    )
                },
            )),
            Err(e) => Err(fail(e.code(), e.message())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_bounded() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[tokio::test]
    async fn the_pacer_spaces_requests_by_the_rate() {
        let clock = crate::clock::ManualClock::new(1_796_342_400);
        let pacer = Pacer::new(Some(4.0));
        for _ in 0..5 {
            pacer.wait_turn(&clock).await;
        }
        assert_eq!(
            clock.waits(),
            [Duration::from_millis(250); 4],
            "the first goes at once, then one every 250 ms"
        );
        let unlimited = Pacer::new(None);
        unlimited.wait_turn(&clock).await;
        assert_eq!(clock.waits().len(), 4);
    }
}
