//! The result slip from the desktop: "Save as PDF" (into the user's documents folder) and
//! "Print" (the window's own print, with the print stylesheet), each recorded in the audit log
//! as an export before anything is written or printed. Made from the result the engine last
//! returned to this user in this role and session — never from what the page sends.

use tauri::{State, WebviewWindow};
use vmcheck_engine::report::LookupReport;
use vmcheck_engine::shown::{self, ShownResult};
use vmcheck_engine::slip::{Slip, SlipSaveError};
use vmcheck_engine::ErrorCode;

use crate::ipc::{IpcError, SlipSaved};
use crate::state::AppState;

/// Keeps `report` as the result on screen (when someone is signed in with a role).
pub fn remember(state: &AppState, lookup_id: u32, report: &LookupReport) {
    let shown = state.session.actor().map(|actor| ShownResult {
        lookup_id,
        report: report.clone(),
        actor,
        role: state
            .session
            .view()
            .role
            .map(|r| r.job_role)
            .unwrap_or_default(),
        generation: state.session.generation(),
    });
    *state
        .shown
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = shown;
}

fn refused(message: &str) -> IpcError {
    IpcError::new(ErrorCode::ExportFailed, message)
}

/// The slip of the result `lookup_id`, if it is the one on screen for the user and role now
/// signed in, with no lock since; and who it is for.
fn shown_slip(state: &AppState, lookup_id: u32) -> Result<(Slip, vmcheck_engine::Actor), IpcError> {
    let guard = state
        .shown
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let org = &state.info.organisation;
    let now = i64::try_from(state.patient().clock().unix_seconds()).unwrap_or(i64::MAX);
    shown::slip_of(
        guard.as_ref(),
        lookup_id,
        state.session.actor().as_ref(),
        state.session.generation(),
        now,
        &shown::organisation_line(&org.name, &org.ods_code),
    )
    .map_err(|e| refused(&e.to_string()))
}

/// Saves the slip of the result on screen as a PDF in the user's documents folder
/// (`result-slip-<date>.pdf`, never over another file).
#[tauri::command]
pub async fn save_slip(state: State<'_, AppState>, lookup_id: u32) -> Result<SlipSaved, IpcError> {
    if !state.info.save_slip {
        return Err(refused("Slips cannot be saved on this computer."));
    }
    let (slip, actor) = shown_slip(&state, lookup_id)?;
    let dir = crate::files::documents_dir()
        .ok_or_else(|| refused("No documents folder is known: set XDG_DOCUMENTS_DIR or HOME."))?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| refused(&format!("The folder {} cannot be used: {e}", dir.display())))?;
    let today = state.patient().clock().today().to_string();
    let path = crate::files::reserve(&dir, "result-slip", &today, "pdf").map_err(|e| {
        refused(&format!(
            "No file could be created in {}: {e}",
            dir.display()
        ))
    })?;
    match vmcheck_engine::slip::save(state.patient(), &actor, &slip, &path) {
        Ok(()) => Ok(SlipSaved {
            path: path.to_string_lossy().into_owned(),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(match e {
                SlipSaveError::Audit(e) => e.into(),
                other => refused(&other.to_string()),
            })
        }
    }
}

/// Records the printing of the result on screen, then opens the window's print dialog.
#[tauri::command]
pub async fn print_slip(
    window: WebviewWindow,
    state: State<'_, AppState>,
    lookup_id: u32,
) -> Result<(), IpcError> {
    if !state.info.print_slip {
        return Err(refused("Printing is not allowed on this kiosk."));
    }
    let (slip, actor) = shown_slip(&state, lookup_id)?;
    vmcheck_engine::slip::record(state.patient(), &actor, &slip, "slip_print", None)?;
    window
        .print()
        .map_err(|e| refused(&format!("The print dialog could not open: {e}")))
}
