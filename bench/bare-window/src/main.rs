//! # bare-window
//!
//! The yardstick of `bench/desktop.sh`: a bare Tauri 2 window (the desktop app's tauri version
//! and features, its window size, its web engine settings and its way of sending repaints to the X server) showing one static
//! page with a `#passcode` field, and nothing else: no commands, no services, no start-up
//! routine. What the app costs beyond this is the app's own.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The app's own web engine settings (the same file): the same engine, so the difference is the
// app's own.
#[path = "../../../src-tauri/src/web_engine.rs"]
mod web_engine;

fn main() {
    web_engine::set_web_engine_env();
    // The app's repaints over the X connection (the same crate).
    vmcheck_x11_repaint::keep();
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window: {e}");
        std::process::exit(1);
    }
}
