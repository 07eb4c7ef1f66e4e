//! Tauri build step: embeds the web UI (`../ui/dist`, built by `npm run build` in `ui/`) and
//! declares the app's own commands so capabilities can grant exactly them.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed=../ui/dist");
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
        "lookup",
        "cancel_lookup",
        "search_patients",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step");
}
