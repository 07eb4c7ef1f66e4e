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
mod slip;
mod state;
mod window;
mod worklist;

#[cfg(test)]
mod bindings;

use state::{start, Launch};

fn main() {
    window::set_web_engine_env();
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
    let state = match runtime.block_on(start(&launch)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vmcheck-desktop: {e}");
            std::process::exit(4);
        }
    };
    let kiosk = state.kiosk;
    let idle_timer = {
        let _entered = runtime.enter();
        state.session.spawn_idle_timer()
    };
    let result = tauri::Builder::default()
        .manage(state)
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
            window::create(app, kiosk)?;
            events::forward_session_events(app.handle().clone());
            worklist::follow_session(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    idle_timer.abort();
    if let Err(e) = result {
        eprintln!("vmcheck-desktop: {e}");
        std::process::exit(1);
    }
}
