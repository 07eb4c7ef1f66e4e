//! # vmcheck-desktop
//!
//! The V&M Check desktop application: a thin Tauri 2 shell. It starts the services
//! (`state`), opens the window with its desk or kiosk policy (`window`), exposes the commands
//! (`commands`, one engine call each; `worklist`, the desk's worklist) and forwards engine events to the UI (`events`).
//!
//! It deliberately holds no business logic: lookups, sign-in, locking and auditing are the
//! engine's; what is shown is the web UI's (`ui/`).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;
mod files;
mod ipc;
mod memory;
mod slip;
mod state;
mod web_engine;
mod window;
mod worklist;

#[cfg(test)]
mod bindings;

use std::sync::{Arc, OnceLock};

use state::{start, Launch};
use tauri::Manager;

fn main() {
    web_engine::set_web_engine_env();
    // The window's repaints go to the X server over the X connection, not through cairo's
    // shared-memory pool, which keeps every page a repaint has touched (crates/x11-repaint).
    vmcheck_x11_repaint::keep();
    let launch = match Launch::from_args(std::env::args()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("vmcheck-desktop: {e}");
            std::process::exit(4);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vmcheck-desktop: cannot start: {e}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    // The engine starts (configuration, logs, audit log, PC/SC; in training the sandbox) on the
    // runtime while this thread starts the toolkit and its connection to the display; the window
    // waits for it in `setup`, so an engine that cannot start still stops the app, with its
    // message and exit code 4, before any window is shown.
    let starting = runtime.spawn(start(launch));
    let idle_timer = Arc::new(OnceLock::new());
    let idle_timer_set = Arc::clone(&idle_timer);
    let handle = runtime.handle().clone();
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::session_view,
            commands::query_tries,
            commands::sign_in,
            commands::choose_role,
            commands::sign_out,
            commands::touch,
            commands::next_events,
            commands::lookup,
            commands::cancel_lookup,
            commands::search_patients,
            commands::save_settings,
            commands::check_computer,
            worklist::worklist_preview,
            worklist::worklist_create,
            worklist::worklist_start,
            worklist::worklist_pause,
            worklist::worklist_cancel,
            worklist::worklist_jobs,
            worklist::worklist_results,
            worklist::worklist_export,
            slip::save_slip,
            slip::print_slip,
        ])
        .setup(move |app| {
            let state = match handle.block_on(starting) {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    eprintln!("vmcheck-desktop: {e}");
                    std::process::exit(4);
                }
                Err(e) => {
                    eprintln!("vmcheck-desktop: cannot start: {e}");
                    std::process::exit(1);
                }
            };
            let kiosk = state.kiosk;
            let _ = idle_timer_set.set({
                let _entered = handle.enter();
                state.session.spawn_idle_timer()
            });
            app.manage(state);
            window::create(app, kiosk)?;
            events::forward_session_events(app.handle().clone());
            worklist::follow_session(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Some(timer) = idle_timer.get() {
        timer.abort();
    }
    if let Err(e) = result {
        eprintln!("vmcheck-desktop: {e}");
        std::process::exit(1);
    }
}
