//! The one place engine events become UI events: session changes and locks go out as
//! `vmcheck://session`; a lock also cancels every in-flight lookup and forgets the result shown.

use tauri::{AppHandle, Emitter, Manager};
use vmcheck_engine::session::SessionEvent;

use crate::ipc::SESSION_EVENT;
use crate::state::AppState;

/// Forwards session events to the UI until the app exits.
pub fn forward_session_events(app: AppHandle) {
    let mut events = app.state::<AppState>().session.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if matches!(event, SessionEvent::Locked { .. }) {
                        let state = app.state::<AppState>();
                        state.cancel_all_lookups();
                        state.forget_shown();
                    }
                    let _ = app.emit(SESSION_EVENT, &event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Missed events: send the current state so the UI cannot drift.
                    let view = app.state::<AppState>().session.view();
                    let _ = app.emit(
                        SESSION_EVENT,
                        &SessionEvent::Changed {
                            view: Box::new(view),
                        },
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
