//! # bare-window
//!
//! The yardstick of `bench/desktop.sh`: a bare Tauri 2 window (the desktop app's tauri version
//! and features, its window size, its WebKitGTK environment from the bench) showing one static
//! page with a `#passcode` field, and nothing else: no commands, no services, no start-up
//! routine. What the app costs beyond this is the app's own.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The app's web engine settings (src-tauri/src/window.rs, set_web_engine_env): the same
    // engine, so the difference is the app's own.
    for (name, value) in [("JSC_useJIT", "false"), ("JSC_largeHeapSize", "1048576")] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window: {e}");
        std::process::exit(1);
    }
}
