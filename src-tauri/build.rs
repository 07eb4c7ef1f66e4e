//! Tauri build step: embeds the web UI (`../ui/dist`, built by `npm run build` in `ui/`) and
//! declares the app's own commands so capabilities can grant exactly them.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    // A directory's mtime changes only when entries come and go: watch every built file.
    fn watch(dir: &std::path::Path) {
        println!("cargo:rerun-if-changed={}", dir.display());
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                watch(&path);
            } else {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    watch(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist"));
    // Read by the release linker (scripts/link-ordered.py): a new order relinks the app.
    println!("cargo:rerun-if-changed=startup-order.txt");
    println!("cargo:rerun-if-changed=startup-rodata.txt");
    // The window's repaints over the X connection, not cairo's shared-memory pool: the app exports
    // its own `XShmQueryExtension` (crates/x11-repaint).
    vmcheck_x11_repaint::export_from_build_script();
    if !dist.exists() {
        panic!("the web UI is not built: run `npm ci && npm run build` in ui/ (scripts/test.sh and scripts/run.sh do it)");
    }
    let commands = &[
        "app_info",
        "session_view",
        "query_tries",
        "sign_in",
        "choose_role",
        "sign_out",
        "touch",
        "next_events",
        "lookup",
        "cancel_lookup",
        "search_patients",
        "save_settings",
        "check_computer",
        "worklist_preview",
        "worklist_create",
        "worklist_start",
        "worklist_pause",
        "worklist_cancel",
        "worklist_jobs",
        "worklist_results",
        "worklist_export",
        "save_slip",
        "print_slip",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step");
}
