//! The Tauri commands: each deserialises its arguments, calls one engine or session function,
//! and converts the error. No business logic here.

use std::time::Duration;

use tauri::State;
use vmcheck_core::card::PinState;
use vmcheck_engine::session::SessionView;
use vmcheck_engine::{LookupReport, SearchMatchReport, SearchTerms};

use crate::events::{session_now, EventBatch, UiEvent};
use crate::ipc::{AppInfo, IpcError, LookupView, ProgressEvent};
use crate::memory::ReleaseAfter;
use crate::state::AppState;

/// The installation summary.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.info.clone()
}

/// The session now.
#[tauri::command]
pub fn session_view(state: State<'_, AppState>) -> SessionView {
    state.session.view()
}

/// Passcode tries left (spends none).
#[tauri::command]
pub async fn query_tries(state: State<'_, AppState>) -> Result<PinState, IpcError> {
    Ok(state.session.query_tries().await?)
}

/// Signs in with the passcode typed.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    passcode: String,
    confirm_last_try: bool,
) -> Result<SessionView, IpcError> {
    let _release = ReleaseAfter;
    Ok(state.session.sign_in(passcode, confirm_last_try).await?)
}

/// Chooses or changes the role.
#[tauri::command]
pub fn choose_role(
    state: State<'_, AppState>,
    role_profile_id: String,
) -> Result<SessionView, IpcError> {
    // A result shown in another role is not this role's to print.
    state.forget_shown();
    Ok(state.session.choose_role(&role_profile_id)?)
}

/// Signs out (locks).
#[tauri::command]
pub fn sign_out(state: State<'_, AppState>) {
    state.forget_shown();
    state.session.sign_out();
}

/// User activity: postpones the idle lock.
#[tauri::command]
pub fn touch(state: State<'_, AppState>) {
    state.session.touch();
}

/// How long one `next_events` waits for an event before answering with none.
const EVENT_WAIT: Duration = Duration::from_secs(25);

/// The page's events after `after` (the `next` of its last answer), waiting for the first;
/// without `after`, at once, where the events start for a page that starts now.
#[tauri::command]
pub async fn next_events(state: State<'_, AppState>, after: Option<u64>) -> Result<EventBatch, ()> {
    let session = || session_now(&state.session);
    Ok(state.events.next(after, EVENT_WAIT, session).await)
}

/// Looks a patient up; progress goes out as events tagged with `lookup_id`. Cancellable.
#[tauri::command]
pub async fn lookup(
    state: State<'_, AppState>,
    nhs_number: String,
    lookup_id: u32,
) -> Result<LookupView, IpcError> {
    let _release = ReleaseAfter;
    let session = state.session.clone();
    let events = state.events.clone();
    let task = tokio::spawn(async move {
        let progress = |step| {
            events.push(UiEvent::LookupProgress(ProgressEvent { lookup_id, step }));
        };
        session.lookup(&nhs_number, progress).await
    });
    state.register_lookup(lookup_id, task.abort_handle());
    let outcome = task.await;
    state.forget_lookup(lookup_id);
    let result = outcome.map_err(|_| {
        IpcError::new(
            vmcheck_engine::ErrorCode::Cancelled,
            "The lookup was cancelled.",
        )
    })?;
    let report = LookupReport::new(&result, state.patient().clock().today());
    crate::slip::remember(&state, lookup_id, &report);
    Ok(LookupView {
        lookup_id,
        report,
        raw_response: result.raw_response,
    })
}

/// Cancels an in-flight lookup (its result is never shown).
#[tauri::command]
pub fn cancel_lookup(state: State<'_, AppState>, lookup_id: u32) {
    state.cancel_lookup(lookup_id);
}

/// Searches PDS by demographics as the signed-in user (audited).
#[tauri::command]
pub async fn search_patients(
    state: State<'_, AppState>,
    terms: SearchTerms,
) -> Result<Vec<SearchMatchReport>, IpcError> {
    let _release = ReleaseAfter;
    let matches = state.session.search(&terms).await?;
    let today = state.patient().clock().today();
    Ok(matches
        .iter()
        .map(|m| SearchMatchReport::new(m, today))
        .collect())
}

/// Saves the user's preferences into their own preferences file (desk mode only; never the
/// administrator's configuration); they apply the next time V&M Check starts. Returns the
/// installation summary with the saved values.
#[tauri::command]
pub fn save_settings(
    state: State<'_, AppState>,
    preferences: vmcheck_engine::preferences::Preferences,
) -> Result<AppInfo, IpcError> {
    let mut editable = state
        .editable
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let layered = editable.as_ref().ok_or_else(|| {
        IpcError::new(
            vmcheck_engine::ErrorCode::SettingsReadOnly,
            "Settings can only be changed at a desk, in the configuration of this computer.",
        )
    })?;
    let saved = vmcheck_engine::preferences::save(layered, &preferences)
        .map_err(|e| IpcError::new(vmcheck_engine::ErrorCode::SettingsInvalid, e.to_string()))?;
    let mut info = state.info.clone();
    info.preferences = Some(vmcheck_engine::preferences::Preferences::of(&saved.config));
    *editable = Some(saved);
    Ok(info)
}

/// "Check this computer" (Settings): the same checks as `vmcheck doctor`, on this app's
/// configuration. No patient data is asked for, nothing is recorded.
#[tauri::command]
pub async fn check_computer(
    state: State<'_, AppState>,
) -> Result<vmcheck_engine::doctor::DoctorReport, IpcError> {
    let _release = ReleaseAfter;
    let config = state.patient().config().clone();
    let source = {
        let editable = state
            .editable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (&*editable, state.info.training) {
            (Some(l), _) => l
                .files
                .file
                .clone()
                .or_else(|| l.files.system.clone())
                .map_or_else(
                    || "this computer's configuration".to_owned(),
                    |p| p.display().to_string(),
                ),
            (None, true) => "the training sandbox".to_owned(),
            (None, false) => "this computer's configuration".to_owned(),
        }
    };
    let cards: Option<std::sync::Arc<dyn vmcheck_card::CardAccess>> = config
        .session
        .as_ref()
        .filter(|s| s.card == vmcheck_engine::config::CardSource::Pcsc)
        .map(|_| {
            std::sync::Arc::new(vmcheck_card::pcsc_access::PcscCards::new())
                as std::sync::Arc<dyn vmcheck_card::CardAccess>
        });
    Ok(
        vmcheck_engine::doctor::examine(vmcheck_engine::doctor::Patient {
            config: Ok(config),
            source,
            secrets: std::sync::Arc::new(vmcheck_secrets::LazyKeyring::new()),
            clock: state.patient().clock().clone(),
            cards,
        })
        .await,
    )
}
