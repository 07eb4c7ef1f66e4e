//! The worklist commands (desk mode only): a list read from the bytes the UI sends (never
//! written to disk) and previewed, a job created with the confirmed column mapping, run in a
//! spawned task that a lock pauses, its results, and an audited export into the user's
//! documents folder. Each command checks the session and calls the engine's `Worklist`; the
//! checking, ordering, cross-checking and auditing are the engine's.
//!
//! Every command refuses unless the session is signed in with a role (the session's actor is
//! the job's owner: another user's job is "no such job"), and refuses at a kiosk, which has no
//! worklist.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;
use vmcheck_core::worklist::{Field, Mapping};
use vmcheck_engine::session::SessionEvent;
use vmcheck_engine::startup::Running;
use vmcheck_engine::worklist::{
    ExportFormat, JobState, JobSummary, ResultRow, RunControl, Worklist, WorklistError,
};
use vmcheck_engine::{Actor, ErrorCode};

use crate::events::UiEvent;
use crate::files::{documents_dir, reserve};
use crate::ipc::IpcError;
use crate::state::AppState;

/// Rows of the list shown in the preview.
const PREVIEW_ROWS: usize = 5;

/// A field the list's columns can be mapped to.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorklistField {
    /// The mapping's key (`nhs_number`, `family_name`…).
    pub key: String,
    /// As users read it (`NHS number`).
    pub label: String,
}

/// A list read and waiting for its mapping to be confirmed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorklistPreview {
    /// The id to create the job with (the list stays in memory until then, or a lock).
    pub preview_id: String,
    /// The file's name.
    pub file_name: String,
    /// The column headings.
    pub headers: Vec<String>,
    /// The first rows.
    pub rows: Vec<Vec<String>>,
    /// The spreadsheet row of the headings (1 unless the file starts with empty rows).
    pub header_row: usize,
    /// Patient rows (empty rows at the end not counted).
    pub row_count: usize,
    /// The mapping proposed: the one remembered for these headings, else a guess.
    #[ts(type = "Record<string, number>")]
    pub mapping: Mapping,
    /// Every field, in the order to offer them.
    pub fields: Vec<WorklistField>,
}

/// A job's progress (after each group of rows, and once when a run ends).
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorklistProgress {
    /// The job's state and counts.
    pub summary: JobSummary,
    /// The run has ended (finished, paused, cancelled or failed): the last event of a run.
    pub finished: bool,
    /// Why the run stopped, when it failed.
    pub error: Option<IpcError>,
}

/// Where an export was written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct WorklistExport {
    /// The file written.
    pub path: String,
    /// Rows written.
    #[ts(type = "number")]
    pub rows: u64,
}

/// The list previewed, held until its job is created (one at a time; forgotten on a lock).
struct Preview {
    id: String,
    owner: String,
    generation: u64,
    file_name: String,
    sheet: vmcheck_sheets::Sheet,
}

/// A run in progress.
struct RunEntry {
    token: u64,
    control: RunControl,
    cancel: Arc<AtomicBool>,
}

/// The worklist service of a desk installation, with the list being previewed and the runs
/// in progress.
pub struct WorklistState {
    service: Result<Arc<Worklist>, String>,
    preview: Mutex<Option<Preview>>,
    runs: Mutex<HashMap<String, RunEntry>>,
    seq: AtomicU64,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl WorklistState {
    /// Opens the job store of the running configuration. A store that cannot be opened does not
    /// stop the app: the worklist commands then say why.
    pub fn open(running: &Running) -> Self {
        let config = &running.config;
        let service = match config.worklist_path() {
            Some(path) => Worklist::open(
                Arc::clone(&running.patient),
                &path,
                config.worklist_settings(),
            )
            .map(Arc::new)
            .map_err(|e| {
                tracing::warn!(error = %e, "the worklist store could not be opened");
                e.to_string()
            }),
            None => Err("no folder is known for the worklist store: set [worklist] path".into()),
        };
        Self {
            service,
            preview: Mutex::new(None),
            runs: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(0),
        }
    }

    fn service(&self) -> Result<Arc<Worklist>, IpcError> {
        self.service.clone().map_err(|problem| {
            IpcError::new(
                ErrorCode::WorklistStore,
                format!("The worklist cannot be used on this computer: {problem}."),
            )
        })
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// A lock: the list being previewed is forgotten and every run stops after the requests
    /// in flight (each run's control would also see the new generation).
    pub fn on_lock(&self) {
        *guard(&self.preview) = None;
        for run in guard(&self.runs).values() {
            run.control.pause();
        }
    }

    fn is_running(&self, job: &str) -> bool {
        guard(&self.runs).contains_key(job)
    }

    /// A job the store says is running with no run here (the app stopped mid-run) is paused.
    fn present(&self, mut summary: JobSummary) -> JobSummary {
        if summary.state == JobState::Running && !self.is_running(&summary.id) {
            summary.state = JobState::Paused;
        }
        summary
    }
}

/// The worklist and the session's user, or why not.
fn ready(state: &AppState) -> Result<(&WorklistState, Arc<Worklist>, Actor, u64), IpcError> {
    let worklist = state.worklist.as_ref().ok_or_else(|| {
        IpcError::new(
            ErrorCode::WorklistStore,
            "The worklist is not available at a kiosk: use V&M Check at a desk.",
        )
    })?;
    let generation = state.session.generation();
    let actor = state.session.actor().ok_or_else(|| {
        IpcError::new(
            ErrorCode::NoIdentity,
            "Sign in with your smartcard and choose a role first.",
        )
    })?;
    if state.session.generation() != generation {
        return Err(IpcError::new(
            ErrorCode::SessionEnded,
            "The session locked. Sign in again.",
        ));
    }
    Ok((worklist, worklist.service()?, actor, generation))
}

fn worklist_error(e: WorklistError) -> IpcError {
    match e {
        WorklistError::Access(e) => e.into(),
        other => IpcError::new(other.code(), other.to_string()),
    }
}

/// Patient rows: up to the last row with anything in it.
fn row_count(rows: &[Vec<String>]) -> usize {
    rows.iter()
        .rposition(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map_or(0, |i| i + 1)
}

fn fields() -> Vec<WorklistField> {
    Field::ALL
        .iter()
        .map(|f| WorklistField {
            key: serde_json::to_value(f)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            label: f.label().to_owned(),
        })
        .collect()
}

/// The header naming the file whose bytes are the body of `worklist_preview`
/// (percent-encoded, as `encodeURIComponent` writes it).
pub const FILE_NAME_HEADER: &str = "x-vmcheck-file-name";

/// Reads a list from its bytes (CSV or XLSX), sent as the raw body of the request with the
/// file's name in [`FILE_NAME_HEADER`], and proposes a mapping. The list is kept in memory for
/// [`worklist_create`], never written to disk; a new preview replaces it.
#[tauri::command]
pub async fn worklist_preview(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<WorklistPreview, IpcError> {
    let _release = crate::memory::ReleaseAfter;
    let (worklist, service, actor, generation) = ready(&state)?;
    let file_error = |message: &str| {
        IpcError::new(
            ErrorCode::WorklistFile,
            format!("The list could not be read: {message}."),
        )
    };
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(file_error("the file's contents did not arrive"));
    };
    let file_name = request
        .headers()
        .get(FILE_NAME_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| file_error("the file's name did not arrive"))?;
    let sheet = vmcheck_sheets::read_sheet_bytes(
        Some(&file_name),
        bytes,
        &vmcheck_sheets::ReadOptions::default(),
    )
    .map_err(|e| IpcError {
        detail: Some("Export the list from the PAS again as CSV or XLSX.".into()),
        ..IpcError::new(ErrorCode::WorklistFile, e.to_string())
    })?;
    let mapping = service
        .proposed_mapping(&sheet.headers)
        .map_err(worklist_error)?;
    let id = format!("preview-{}", worklist.next());
    let preview = WorklistPreview {
        preview_id: id.clone(),
        file_name: file_name.clone(),
        headers: sheet.headers.clone(),
        rows: sheet.rows.iter().take(PREVIEW_ROWS).cloned().collect(),
        header_row: sheet.header_row,
        row_count: row_count(&sheet.rows),
        mapping,
        fields: fields(),
    };
    *guard(&worklist.preview) = Some(Preview {
        id,
        owner: actor.user_uuid,
        generation,
        file_name,
        sheet,
    });
    Ok(preview)
}

/// Creates the job from the list previewed, with the mapping confirmed. Nothing is sent yet.
#[tauri::command]
pub async fn worklist_create(
    state: State<'_, AppState>,
    preview_id: String,
    mapping: Mapping,
) -> Result<JobSummary, IpcError> {
    let (worklist, service, actor, generation) = ready(&state)?;
    let mut held = guard(&worklist.preview);
    let preview = match held.take() {
        Some(p)
            if p.id == preview_id && p.owner == actor.user_uuid && p.generation == generation =>
        {
            p
        }
        other => {
            *held = other;
            return Err(IpcError::new(
                ErrorCode::WorklistFile,
                "The list is no longer open. Choose the file again.",
            ));
        }
    };
    let today = state.patient().clock().today();
    match service.create_job(
        &actor,
        &preview.file_name,
        preview.sheet.headers.clone(),
        &preview.sheet.rows,
        preview.sheet.header_row,
        mapping,
        today,
    ) {
        Ok(summary) => Ok(summary),
        Err(e) => {
            // The user may correct the mapping and try again.
            *held = Some(preview);
            Err(worklist_error(e))
        }
    }
}

/// Starts (or resumes) checking a job's pending rows in a spawned task; its progress goes out
/// as a worklist progress event (`events`) after each group and once at the end. A lock (card removed,
/// idle, sign-out) pauses it: the run stops when the session's generation changes.
#[tauri::command]
pub async fn worklist_start(
    app: AppHandle,
    state: State<'_, AppState>,
    job_id: String,
) -> Result<JobSummary, IpcError> {
    let (worklist, service, actor, generation) = ready(&state)?;
    let summary = service.summary(&actor, &job_id).map_err(worklist_error)?;
    if matches!(summary.state, JobState::Done | JobState::Cancelled) {
        return Ok(summary);
    }
    let session = Arc::clone(&state.session);
    let control = RunControl::new(move || session.generation() == generation);
    let token = worklist.next();
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut runs = guard(&worklist.runs);
        if runs.contains_key(&job_id) {
            return Ok(JobSummary {
                state: JobState::Running,
                ..summary
            });
        }
        runs.insert(
            job_id.clone(),
            RunEntry {
                token,
                control: control.clone(),
                cancel: Arc::clone(&cancel),
            },
        );
    }
    let id = job_id.clone();
    tauri::async_runtime::spawn(async move {
        // A run of hundreds of rows frees what it allocated when it stops, however it stops.
        let _release = crate::memory::ReleaseAfter;
        let emit = |summary: JobSummary, finished: bool, error: Option<IpcError>| {
            app.state::<AppState>()
                .events
                .push(UiEvent::WorklistProgress(WorklistProgress {
                    summary,
                    finished,
                    error,
                }));
        };
        let result = service
            .run(&actor, &id, &control, |s| emit(s.clone(), false, None))
            .await;
        let state = app.state::<AppState>();
        if let Some(worklist) = state.worklist.as_ref() {
            let mut runs = guard(&worklist.runs);
            if runs.get(&id).is_some_and(|r| r.token == token) {
                runs.remove(&id);
            }
        }
        let error = result.err().map(worklist_error);
        let end = if cancel.load(Ordering::SeqCst) {
            service.cancel(&actor, &id)
        } else {
            service.summary(&actor, &id)
        };
        match end {
            Ok(summary) => emit(summary, true, error),
            Err(e) => tracing::warn!(error = %e, "a worklist run ended without a summary"),
        }
    });
    Ok(JobSummary {
        state: JobState::Running,
        ..summary
    })
}

/// Pauses a running job after the requests in flight (its last event says it has stopped).
#[tauri::command]
pub async fn worklist_pause(
    state: State<'_, AppState>,
    job_id: String,
) -> Result<JobSummary, IpcError> {
    let (worklist, service, actor, _) = ready(&state)?;
    let summary = service.summary(&actor, &job_id).map_err(worklist_error)?;
    if let Some(run) = guard(&worklist.runs).get(&job_id) {
        run.control.pause();
    }
    Ok(worklist.present(summary))
}

/// Stops a job for good; the results so far are kept. A running job is cancelled when its
/// requests in flight have finished (its last event says so).
#[tauri::command]
pub async fn worklist_cancel(
    state: State<'_, AppState>,
    job_id: String,
) -> Result<JobSummary, IpcError> {
    let (worklist, service, actor, _) = ready(&state)?;
    let summary = service.summary(&actor, &job_id).map_err(worklist_error)?;
    if let Some(run) = guard(&worklist.runs).get(&job_id) {
        run.cancel.store(true, Ordering::SeqCst);
        run.control.pause();
        return Ok(summary);
    }
    service.cancel(&actor, &job_id).map_err(worklist_error)
}

/// The user's jobs, newest first.
#[tauri::command]
pub async fn worklist_jobs(state: State<'_, AppState>) -> Result<Vec<JobSummary>, IpcError> {
    let (worklist, service, actor, _) = ready(&state)?;
    Ok(service
        .jobs(&actor)
        .map_err(worklist_error)?
        .into_iter()
        .map(|s| worklist.present(s))
        .collect())
}

/// Every row with its result, in the engine's order (people who need a conversation first).
#[tauri::command]
pub async fn worklist_results(
    state: State<'_, AppState>,
    job_id: String,
) -> Result<Vec<ResultRow>, IpcError> {
    let (_, service, actor, _) = ready(&state)?;
    let mut rows = service.results(&actor, &job_id).map_err(worklist_error)?;
    // What the UI has no use for stays here (the report carries what is shown).
    for check in rows.iter_mut().filter_map(|r| r.check.as_mut()) {
        check.audit = None;
        check.pds_patient = None;
    }
    Ok(rows)
}

/// Exports the results (an audited export) into the user's documents folder as
/// `<list name>-results-<YYYY-MM-DD>.<csv|xlsx>`, never over another file (`-2`, `-3`…).
#[tauri::command]
pub async fn worklist_export(
    state: State<'_, AppState>,
    job_id: String,
    format: ExportFormat,
) -> Result<WorklistExport, IpcError> {
    let _release = crate::memory::ReleaseAfter;
    let (_, service, actor, _) = ready(&state)?;
    let summary = service.summary(&actor, &job_id).map_err(worklist_error)?;
    let export_error = |message: String| IpcError::new(ErrorCode::ExportFailed, message);
    let dir = documents_dir().ok_or_else(|| {
        export_error("No documents folder is known: set XDG_DOCUMENTS_DIR or HOME.".into())
    })?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| export_error(format!("The folder {} cannot be used: {e}", dir.display())))?;
    let today = state.patient().clock().today().to_string();
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    };
    let stem = format!("{}-results", list_name(&summary.source));
    let path = reserve(&dir, &stem, &today, ext).map_err(|e| {
        export_error(format!(
            "No file could be created in {}: {e}",
            dir.display()
        ))
    })?;
    match service.export(&actor, &job_id, &path, format) {
        Ok(rows) => Ok(WorklistExport {
            path: path.to_string_lossy().into_owned(),
            rows,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(worklist_error(e))
        }
    }
}

/// `%XX` escapes decoded (as `encodeURIComponent` writes them); anything not valid UTF-8 after
/// decoding is replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The list's file name without its extension, safe as a file name.
fn list_name(source: &str) -> String {
    let stem = Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .collect();
    let safe = safe.trim().trim_start_matches('.').to_owned();
    if safe.is_empty() {
        "worklist".into()
    } else {
        safe
    }
}

/// Follows the session: a lock forgets the list being previewed and pauses every run.
pub fn follow_session(app: AppHandle) {
    let mut events = app.state::<AppState>().session.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(SessionEvent::Locked { .. }) => {
                    if let Some(w) = app.state::<AppState>().worklist.as_ref() {
                        w.on_lock();
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // A missed lock still shows in the generation each command and run checks.
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_are_the_mapping_keys() {
        let fields = fields();
        assert_eq!(fields.len(), Field::ALL.len());
        let mut mapping = Mapping::new();
        for (i, f) in Field::ALL.iter().enumerate() {
            mapping.set(*f, i);
        }
        let json = serde_json::to_value(&mapping).expect("json");
        for (i, f) in fields.iter().enumerate() {
            assert_eq!(json[&f.key], serde_json::json!(i), "{}", f.key);
        }
        assert_eq!(fields[0].key, "nhs_number");
        assert_eq!(fields[0].label, "NHS number");
    }

    #[test]
    fn counts_rows_up_to_the_last_with_anything_in_it() {
        let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        assert_eq!(row_count(&[]), 0);
        assert_eq!(
            row_count(&[
                row(&["a"]),
                row(&[""]),
                row(&["b", ""]),
                row(&[" ", ""]),
                row(&[])
            ]),
            3
        );
    }

    #[test]
    fn file_names_are_percent_decoded() {
        assert_eq!(percent_decode("admissions.csv"), "admissions.csv");
        assert_eq!(
            percent_decode("Ward%207%20%E2%80%93%20today.xlsx"),
            "Ward 7 – today.xlsx"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn export_names_are_safe_and_never_overwrite() {
        assert_eq!(list_name("admissions.csv"), "admissions");
        assert_eq!(list_name("Ward 7: today?.xlsx"), "Ward 7_ today_");
        assert_eq!(list_name("../../etc/passwd"), "passwd");
        assert_eq!(list_name(".csv"), "csv");
        assert_eq!(list_name("..."), "worklist");
        assert_eq!(list_name(""), "worklist");
        let dir = std::env::temp_dir().join(format!("vmcheck-export-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("list-results-2026-03-02.csv"), "someone else's").expect("file");
        let second = reserve(&dir, "list-results", "2026-03-02", "csv").expect("reserve");
        assert_eq!(second, dir.join("list-results-2026-03-02-2.csv"));
        let third = reserve(&dir, "list-results", "2026-03-02", "csv").expect("reserve");
        assert_eq!(third, dir.join("list-results-2026-03-02-3.csv"));
        assert_eq!(
            std::fs::read_to_string(dir.join("list-results-2026-03-02.csv")).expect("read"),
            "someone else's"
        );
        let xlsx = reserve(&dir, "list-results", "2026-03-02", "xlsx").expect("reserve");
        assert_eq!(xlsx, dir.join("list-results-2026-03-02.xlsx"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
