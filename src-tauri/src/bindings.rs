//! The UI's TypeScript types are generated from the Rust types that cross the IPC boundary.
//! `bindings_are_current` fails when `ui/src/bindings/` differs from what the Rust types
//! say; run with `VMCHECK_WRITE_BINDINGS=1` to regenerate.

use std::path::{Path, PathBuf};

use ts_rs::TS;

fn export_all(dir: &Path) {
    let cfg = ts_rs::Config::new().with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t as TS>::export_all(&cfg).expect(stringify!($t)); )* };
    }
    export!(
        crate::ipc::AppInfo,
        crate::ipc::IpcError,
        crate::ipc::LookupView,
        crate::ipc::ProgressEvent,
        crate::ipc::SlipSaved,
        crate::events::EventBatch,
        vmcheck_engine::SearchTerms,
        vmcheck_engine::ErrorCode,
        vmcheck_engine::SearchMatchReport,
        vmcheck_engine::session::SessionView,
        vmcheck_engine::session::SessionEvent,
        vmcheck_core::card::PinState,
        vmcheck_engine::preferences::Preferences,
        vmcheck_engine::doctor::DoctorReport,
        crate::worklist::WorklistPreview,
        crate::worklist::WorklistProgress,
        crate::worklist::WorklistExport,
        vmcheck_engine::worklist::JobSummary,
        vmcheck_engine::worklist::ResultRow,
        vmcheck_engine::worklist::ExportFormat,
    );
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn bindings_are_current() {
    let committed: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    if std::env::var_os("VMCHECK_WRITE_BINDINGS").is_some() {
        export_all(&committed);
        return;
    }
    let fresh = std::env::temp_dir().join(format!("vmcheck-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    export_all(&fresh);
    let generated = files(&fresh);
    let _ = std::fs::remove_dir_all(&fresh);
    assert!(!generated.is_empty());
    assert_eq!(files(&committed), generated, "ui/src/bindings is out of date: run `VMCHECK_WRITE_BINDINGS=1 cargo test -p vmcheck-desktop bindings`");
}
