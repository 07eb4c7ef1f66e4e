//! The audited path: the one way patient data is reached. Every lookup by NHS number, search
//! by demographics, hospital number search on the trust's Care Connect API and export of
//! patient data passes through [`PatientAccess`]:
//!
//! 1. **write-ahead** — the intent (who, in which role, for which organisation, when, what:
//!    the NHS number or the search terms, the trace id, the batch) is committed to the audit
//!    log before anything leaves the machine;
//! 2. **fail closed** — if it cannot be committed, nothing is sent and the access is refused
//!    ([`LookupError::AuditUnavailable`]: "This check could not be recorded in the audit log,
//!    so it was not made: …");
//! 3. the request runs (the engine's private `clients` module);
//! 4. the outcome (banner or error code, the patient returned, a superseded number) is
//!    appended, referring to its intent. If that cannot be committed the result is withheld:
//!    nothing is shown that the log does not hold.
//!
//! A signed checkpoint of the log's head is written every `audit.checkpoint_every` records (and
//! by the session at every sign-out and lock).
//!
//! The shells hold a `PatientAccess` (directly, or inside the session); the adapters' clients
//! are private to the engine, so there is no other way to PDS or Spine.

mod rows;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use vmcheck_audit::{Action, AuditLog, NewRecord};
use vmcheck_core::care_connect::HospitalNumber;
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::pds::SearchMatch;
use vmcheck_core::roles::DetailView;
use vmcheck_core::sds::SpineEndpoint;
use vmcheck_core::session::Actor;
use vmcheck_secrets::SecretLookup;
use vmcheck_spine::pds::PdsSearch;
pub use vmcheck_spine::vandm::Conformance;

pub use rows::{RowIntent, RowOutcome};

use crate::clients::Clients;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::LookupError;
use crate::lookup::{HospitalNumberLookup, LookupResult, Outcome, Progress};

/// Demographic search terms (the "search by details" form, `vmcheck search`).
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchTerms {
    /// Family name.
    pub family: String,
    /// Given name (optional).
    pub given: Option<String>,
    /// `male` | `female` | `other` | `unknown`.
    pub gender: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// Postcode (optional).
    pub postcode: Option<String>,
}

impl std::fmt::Debug for SearchTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchTerms(***)")
    }
}

impl SearchTerms {
    /// As recorded in the audit log: `family=…;given=…;gender=…;birthdate=…;postcode=…`.
    fn audited(&self) -> String {
        let mut out = format!("family={}", self.family.trim());
        if !self.gender.trim().is_empty() {
            out.push_str(&format!(";gender={}", self.gender.trim()));
        }
        out.push_str(&format!(";birthdate={}", self.birth_date.trim()));
        if let Some(g) = self.given.as_deref().filter(|g| !g.trim().is_empty()) {
            out.push_str(&format!(";given={}", g.trim()));
        }
        if let Some(p) = self.postcode.as_deref().filter(|p| !p.trim().is_empty()) {
            out.push_str(&format!(";postcode={}", p.trim()));
        }
        out
    }

    fn to_pds(&self) -> PdsSearch {
        PdsSearch {
            family: self.family.clone(),
            given: self.given.clone(),
            gender: self.gender.clone(),
            birth_date: self.birth_date.clone(),
            postcode: self.postcode.clone(),
        }
    }
}

/// What an export wrote out, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// What was exported: `audit_csv`, `worklist_csv`, `worklist_xlsx`, `slip_pdf`, `slip_print`.
    pub kind: &'static str,
    /// How many patients' (or records') data it holds.
    pub rows: u64,
    /// Where it went (a file name), when known.
    pub target: Option<String>,
    /// The patient, for a single patient's export (a slip).
    pub nhs_number: Option<String>,
    /// The worklist job it came from.
    pub batch_id: Option<String>,
}

/// Why the audit log cannot be written: every access is refused while this holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditUnavailable(pub String);

/// Writes a checkpoint every so many records.
struct Checkpoints {
    path: PathBuf,
    every: u64,
    last: Mutex<i64>,
}

/// The one audited path to patient data.
pub struct PatientAccess {
    clients: Clients,
    audit: Result<Arc<AuditLog>, AuditUnavailable>,
    checkpoints: Option<Checkpoints>,
}

impl std::fmt::Debug for PatientAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientAccess")
            .field("audited", &self.audit.is_ok())
            .finish_non_exhaustive()
    }
}

impl PatientAccess {
    /// The adapters from a validated configuration (secrets from `secrets`), auditing into
    /// `audit` — or, when the audit log could not be opened, refusing every access with the
    /// reason. A configuration that cannot make its clients (TLS, signing keys) is an error.
    pub fn new(
        config: Config,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretLookup>,
        audit: Result<Arc<AuditLog>, AuditUnavailable>,
    ) -> Result<Self, LookupError> {
        let checkpoints = audit.as_ref().ok().map(|log| Checkpoints {
            path: config.checkpoint_path(log.path()),
            every: config.audit.checkpoint_every,
            last: Mutex::new(0),
        });
        Ok(Self {
            clients: Clients::with_secrets(config, clock, secrets)?,
            audit,
            checkpoints,
        })
    }

    /// The adapters, auditing into the log the configuration names (opened with its key from
    /// `secrets`, or a key file in the sandbox environment; created with its key on first use).
    pub fn open(
        config: Config,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretLookup>,
    ) -> Result<Self, LookupError> {
        let audit = crate::audit::open(&config, secrets.as_ref());
        Self::new(config, clock, secrets, audit)
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        self.clients.config()
    }

    /// The clock in use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        self.clients.clock()
    }

    /// The audit log, when it could be opened.
    pub fn audit_log(&self) -> Result<&Arc<AuditLog>, LookupError> {
        self.audit
            .as_ref()
            .map_err(|e| LookupError::AuditUnavailable(e.0.clone()))
    }

    /// How many times the directory has actually been queried (cache misses).
    pub fn sds_queries(&self) -> u64 {
        self.clients.sds_queries()
    }

    /// How many PDS access tokens have been requested (signed-JWT authentication; 0 without).
    pub fn pds_token_requests(&self) -> u64 {
        self.clients.pds_token_requests()
    }

    /// Forgets a cached endpoint.
    pub fn forget_endpoint(&self) {
        self.clients.forget_endpoint();
    }

    /// The connection test: the endpoint from SDS and its Conformance statement. No patient
    /// data: not audited.
    pub async fn metadata(&self) -> Result<(SpineEndpoint, Conformance), LookupError> {
        self.clients.metadata().await
    }

    fn now(&self) -> i64 {
        i64::try_from(self.clients.clock().unix_seconds()).unwrap_or(i64::MAX)
    }

    fn record(&self, actor: &Actor, action: Action) -> NewRecord {
        NewRecord {
            role_profile_id: Some(actor.role_profile_id.clone()),
            ..NewRecord::new(
                self.now(),
                &actor.user_uuid,
                &self.config().organisation.ods_code,
                action,
            )
        }
    }

    /// Appends records, or says why it could not (the access is then refused or withheld).
    fn append(
        &self,
        records: Vec<NewRecord>,
    ) -> Result<Vec<vmcheck_audit::AuditRecord>, LookupError> {
        let log = self.audit_log()?;
        let stored = log.append_all(records).map_err(|e| {
            tracing::error!(code = e.code(), "the audit log could not be written");
            LookupError::AuditUnavailable(e.to_string())
        })?;
        if let Some(last) = stored.last() {
            self.maybe_checkpoint(log, last.seq);
        }
        Ok(stored)
    }

    /// Writes a checkpoint when `checkpoint_every` records have been added since the last.
    fn maybe_checkpoint(&self, log: &AuditLog, seq: i64) {
        let Some(c) = &self.checkpoints else { return };
        let due = {
            let mut last = c
                .last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = u64::try_from(seq - *last).unwrap_or(0) >= c.every;
            if due {
                *last = seq;
            }
            due
        };
        if due {
            self.write_checkpoint(log);
        }
    }

    fn write_checkpoint(&self, log: &AuditLog) {
        let Some(c) = &self.checkpoints else { return };
        match log.checkpoint(self.now()) {
            Ok(Some(cp)) => {
                if let Err(e) = vmcheck_audit::append_checkpoint(&c.path, &cp) {
                    tracing::error!(error = %e, "an audit checkpoint could not be written");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(code = e.code(), "an audit checkpoint could not be made"),
        }
    }

    /// Writes a checkpoint of the log's head now (sign-out, lock, the end of a command).
    pub fn checkpoint_now(&self) {
        if let Ok(log) = &self.audit {
            self.write_checkpoint(log);
        }
    }

    /// Audits a session event (sign-in, role change, sign-out, lock). Failures are logged: a
    /// lock must happen whatever the audit log says, and no patient data depends on these.
    pub fn record_session(&self, record: NewRecord) {
        match &self.audit {
            Ok(log) => {
                if let Err(e) = log.append(record) {
                    tracing::error!(code = e.code(), "a session event could not be audited");
                }
            }
            Err(_) => tracing::error!("a session event could not be audited: no audit log"),
        }
    }

    /// Looks a patient up by NHS number (as typed) on behalf of `actor`: intent, request,
    /// outcome. `batch` names the worklist job. A number failing Mod 11 is refused before
    /// anything (nothing leaves the machine, nothing is recorded) — unless `[care_connect]` is
    /// configured and the input is a hospital number of the trust's form, which is then looked
    /// up as [`Self::lookup_hospital_number`] does (the pattern can never match an NHS number).
    pub async fn lookup(
        &self,
        actor: Option<&Actor>,
        input: &str,
        batch: Option<&str>,
        progress: impl Fn(Progress),
    ) -> LookupResult {
        let mut result = new_result(actor, input);
        let nhs = match NhsNumber::parse(input) {
            Ok(n) => n,
            Err(e) => {
                let hospital = self
                    .clients
                    .hospital_number_pattern()
                    .and_then(|p| p.parse(input).ok());
                if let Some(number) = hospital {
                    return self
                        .by_hospital_number(actor, number, batch, &progress, result)
                        .await;
                }
                result.outcome = Outcome::Error(e.into());
                return result;
            }
        };
        self.by_nhs_number(actor, nhs, batch, &progress, result, None)
            .await
    }

    /// Looks a patient up by hospital number on behalf of `actor`. The number must have the
    /// trust's form (`[care_connect] hospital_number_pattern`), else it is refused before
    /// anything. Two audited steps, each recorded before its request leaves the machine:
    ///
    /// 1. the Care Connect search (a `search` intent with `hospital_number=…`, then its
    ///    outcome: `care_connect:found` with the NHS number the trust gave, or the error code);
    /// 2. only when the trust gave one patient with a verified NHS number: the usual lookup of
    ///    that number (PDS trace, V&M query), its intent marked `via=care_connect`.
    ///
    /// On any Care Connect error nothing is asked of PDS or Spine. When PDS traces the trust's
    /// number to another (superseded) one, [`HospitalNumberLookup::pds_disagrees`] says so.
    pub async fn lookup_hospital_number(
        &self,
        actor: Option<&Actor>,
        input: &str,
        batch: Option<&str>,
        progress: impl Fn(Progress),
    ) -> LookupResult {
        let mut result = new_result(actor, input);
        let Some(pattern) = self.clients.hospital_number_pattern() else {
            result.outcome = Outcome::Error(LookupError::HospitalNumberNotConfigured);
            return result;
        };
        match pattern.parse(input) {
            Ok(number) => {
                self.by_hospital_number(actor, number, batch, &progress, result)
                    .await
            }
            Err(e) => {
                result.outcome = Outcome::Error(e.into());
                result
            }
        }
    }

    /// Step 1 of [`Self::lookup_hospital_number`], then step 2.
    async fn by_hospital_number(
        &self,
        actor: Option<&Actor>,
        number: HospitalNumber,
        batch: Option<&str>,
        progress: &impl Fn(Progress),
        mut result: LookupResult,
    ) -> LookupResult {
        result.requested = number.as_str().to_owned();
        result.hospital_number = Some(HospitalNumberLookup {
            hospital_number: number.clone(),
            trust_nhs_number: None,
        });
        let Some(actor) = actor else {
            return result;
        };
        progress(Progress::FindingRecord);
        let nhs = match self
            .find_by_hospital_number(actor, &number, batch, &result.trace_id)
            .await
        {
            Ok(nhs) => nhs,
            Err(e) => {
                result.outcome = Outcome::Error(e);
                return result;
            }
        };
        if let Some(h) = result.hospital_number.as_mut() {
            h.trust_nhs_number = Some(nhs.clone());
        }
        self.by_nhs_number(
            Some(actor),
            nhs,
            batch,
            progress,
            result,
            Some("via=care_connect"),
        )
        .await
    }

    /// The hospital number pattern, when `[care_connect]` is configured.
    pub fn hospital_number_pattern(
        &self,
    ) -> Option<&vmcheck_core::care_connect::HospitalNumberPattern> {
        self.clients.hospital_number_pattern()
    }

    /// The audited Care Connect step on behalf of `actor`: a `search` intent
    /// (`hospital_number=…`) committed before the request leaves, then its outcome
    /// (`care_connect:found` with the NHS number the trust gave, or the error code). The NHS
    /// number given is verified by the trust; PDS has yet to trace it.
    pub async fn find_by_hospital_number(
        &self,
        actor: &Actor,
        number: &HospitalNumber,
        batch: Option<&str>,
        trace_id: &str,
    ) -> Result<NhsNumber, LookupError> {
        let intent = NewRecord {
            search_terms: Some(format!("hospital_number={}", number.as_str())),
            trace_id: Some(trace_id.to_owned()),
            batch_id: batch.map(str::to_owned),
            detail: Some(format!(
                "service=care_connect;system={}",
                self.clients.hospital_number_system().unwrap_or_default()
            )),
            ..self.record(actor, Action::Search)
        };
        let intent_seq = self.append(vec![intent])?.last().map(|r| r.seq);
        let found = self.clients.find_by_hospital_number(number, trace_id).await;
        let (code, returned) = match &found {
            Ok(p) => (
                "care_connect:found".to_owned(),
                Some(p.nhs_number.as_str().to_owned()),
            ),
            Err(e) => (e.code().as_str().to_owned(), None),
        };
        let outcome = NewRecord {
            refers_to: intent_seq,
            nhs_number: returned,
            outcome: Some(code),
            trace_id: Some(trace_id.to_owned()),
            batch_id: batch.map(str::to_owned),
            ..self.record(actor, Action::Outcome)
        };
        self.append(vec![outcome])?;
        match found {
            Ok(p) => Ok(p.nhs_number),
            Err(e) => {
                tracing::info!(code = %e.code(), "hospital number search ended with an error");
                Err(e)
            }
        }
    }

    /// The audited lookup of a valid NHS number: intent (with `detail`), request, outcome.
    async fn by_nhs_number(
        &self,
        actor: Option<&Actor>,
        nhs: NhsNumber,
        batch: Option<&str>,
        progress: &impl Fn(Progress),
        mut result: LookupResult,
        detail: Option<&str>,
    ) -> LookupResult {
        result.requested = nhs.as_str().to_owned();
        let Some(actor) = actor else {
            return result;
        };
        let intent = NewRecord {
            nhs_number: Some(nhs.as_str().to_owned()),
            trace_id: Some(result.trace_id.clone()),
            batch_id: batch.map(str::to_owned),
            detail: detail.map(str::to_owned),
            ..self.record(actor, Action::Lookup)
        };
        let intent_seq = match self.append(vec![intent]) {
            Ok(stored) => stored.last().map(|r| r.seq),
            Err(e) => {
                result.outcome = Outcome::Error(e);
                return result;
            }
        };
        self.request(actor, &nhs, &mut result, progress).await;
        let outcome = self.outcome_record(actor, intent_seq, &RowOutcome::of(&result), batch, None);
        if let Err(e) = self.append(vec![outcome]) {
            // Nothing is shown that the log does not hold.
            result.patient = None;
            result.raw_response = None;
            result.outcome = Outcome::Error(e);
        }
        result
    }

    /// Runs the requests of a lookup whose intent is recorded, filling in `result`.
    async fn request(
        &self,
        actor: &Actor,
        nhs: &NhsNumber,
        result: &mut LookupResult,
        progress: &impl Fn(Progress),
    ) {
        result.outcome = match self.clients.run(actor, nhs, result, progress).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::info!(code = %e.code(), "lookup ended with an error");
                Outcome::Error(e)
            }
        };
        // RBAC: a role that may not see the detail never gets the response that holds it.
        result.view = actor.view;
        if actor.view == DetailView::Restricted {
            result.raw_response = None;
        }
    }

    /// The outcome record of a lookup: what came back, referring to its intent.
    fn outcome_record(
        &self,
        actor: &Actor,
        intent_seq: Option<i64>,
        outcome: &RowOutcome,
        batch: Option<&str>,
        row: Option<u64>,
    ) -> NewRecord {
        let superseded = outcome
            .superseded_from
            .as_ref()
            .map(|old| format!("superseded_from={old}"));
        // Which view the user was shown (RBAC), after the row and any superseded number.
        let detail = [
            row.map(|r| format!("row={r}")),
            superseded,
            outcome.view.map(|v| format!("view={}", v.as_str())),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        let detail = (!detail.is_empty()).then(|| detail.join(";"));
        NewRecord {
            refers_to: intent_seq,
            nhs_number: outcome.queried.clone(),
            outcome: Some(outcome.outcome.clone()),
            trace_id: Some(outcome.trace_id.clone()),
            batch_id: batch.map(str::to_owned),
            detail,
            ..self.record(actor, Action::Outcome)
        }
    }

    /// Searches PDS by demographics on behalf of `actor`: intent (the terms), request, outcome
    /// (how many matched, and their NHS numbers).
    pub async fn search(
        &self,
        actor: &Actor,
        terms: &SearchTerms,
    ) -> Result<Vec<SearchMatch>, LookupError> {
        let correlation = uuid::Uuid::new_v4().to_string();
        let intent = NewRecord {
            search_terms: Some(terms.audited()),
            trace_id: Some(correlation.clone()),
            ..self.record(actor, Action::Search)
        };
        let intent_seq = self.append(vec![intent])?.last().map(|r| r.seq);
        let found = self
            .clients
            .search_patients(&terms.to_pds(), &correlation)
            .await;
        let (code, returned) = match &found {
            Ok(matches) => (
                format!("matches:{}", matches.len()),
                Some(
                    matches
                        .iter()
                        .map(|m| m.patient.nhs_number.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                )
                .filter(|s| !s.is_empty())
                .map(|s| format!("returned={s}")),
            ),
            Err(e) => (e.code().as_str().to_owned(), None),
        };
        let outcome = NewRecord {
            refers_to: intent_seq,
            outcome: Some(code),
            trace_id: Some(correlation),
            detail: returned,
            ..self.record(actor, Action::Outcome)
        };
        self.append(vec![outcome])?;
        found
    }

    /// Records an export of patient data. Fails closed: an export that cannot be recorded must
    /// not be written.
    pub fn record_export(&self, actor: &Actor, export: &ExportRecord) -> Result<(), LookupError> {
        let mut detail = format!("kind={};rows={}", export.kind, export.rows);
        if let Some(t) = &export.target {
            detail.push_str(&format!(";to={t}"));
        }
        self.append(vec![NewRecord {
            nhs_number: export.nhs_number.clone(),
            batch_id: export.batch_id.clone(),
            detail: Some(detail),
            ..self.record(actor, Action::Export)
        }])
        .map(|_| ())
    }
}

/// A result with nothing found yet, for `input` as typed.
fn new_result(actor: Option<&Actor>, input: &str) -> LookupResult {
    LookupResult {
        requested: input.trim().to_owned(),
        queried: None,
        trace_id: uuid::Uuid::new_v4().to_string(),
        patient: None,
        outcome: Outcome::Error(LookupError::NoIdentity),
        raw_response: None,
        view: actor.map_or(DetailView::Restricted, |a| a.view),
        hospital_number: None,
    }
}

/// The outcome as the audit log records it: `green:NotChargeable`, `grey:NoRecord`, or the
/// error code.
fn outcome_code(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Status { banner, .. } => format!("{}:{:?}", banner.colour.as_str(), banner.kind),
        Outcome::NoRecord { .. } => "grey:NoRecord".to_owned(),
        Outcome::Error(e) => e.code().as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::SearchTerms;

    fn terms(given: Option<&str>, postcode: Option<&str>) -> SearchTerms {
        SearchTerms {
            family: " Taylor ".into(),
            given: given.map(Into::into),
            gender: "female".into(),
            birth_date: "1998-02-11".into(),
            postcode: postcode.map(Into::into),
        }
    }

    #[test]
    fn the_audit_log_holds_every_term_searched_and_no_blank_one() {
        assert_eq!(
            terms(Some("Mary"), Some("LS11 5QT")).audited(),
            "family=Taylor;gender=female;birthdate=1998-02-11;given=Mary;postcode=LS11 5QT"
        );
        assert_eq!(
            terms(Some("  "), Some(" ")).audited(),
            "family=Taylor;gender=female;birthdate=1998-02-11"
        );
        let no_gender = SearchTerms {
            gender: " ".into(),
            ..terms(None, None)
        };
        assert_eq!(no_gender.audited(), "family=Taylor;birthdate=1998-02-11");
    }

    #[test]
    fn search_terms_never_reach_a_log_through_debug() {
        let shown = format!("{:?}", terms(Some("Mary"), Some("LS11 5QT")));
        assert_eq!(shown, "SearchTerms(***)");
    }
}
