//! Where things are: the workspace, the binaries under test, output folders; what must be
//! installed.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cargo target directory (`CARGO_TARGET_DIR` or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                workspace().join(p)
            }
        })
        .unwrap_or_else(|| workspace().join("target"))
}

pub(crate) fn canonical(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// The desktop app under test: `$VMCHECK_E2E_APP`, else `target/debug/vmcheck-desktop`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("VMCHECK_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/vmcheck-desktop"));
    let path = canonical(path);
    assert!(
        path.is_file(),
        "the desktop app {} is not built: run tests/e2e/run.sh (or `cargo build -p vmcheck-desktop`)",
        path.display()
    );
    path
}

/// The CLI (for `vmcheck sandbox`): `$VMCHECK_E2E_CLI`, else `target/debug/vmcheck`.
pub fn cli_binary() -> PathBuf {
    let path = std::env::var_os("VMCHECK_E2E_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/vmcheck"));
    let path = canonical(path);
    assert!(
        path.is_file(),
        "the CLI {} is not built: run tests/e2e/run.sh (or `cargo build -p vmcheck-cli`)",
        path.display()
    );
    path
}

/// The virtual card harness.
pub fn harness() -> PathBuf {
    canonical(workspace().join("tests/card/harness.sh"))
}

/// Where screenshots go.
pub fn screenshot_dir() -> PathBuf {
    target_dir().join("e2e-screenshots")
}

/// Where axe-core reports go.
pub fn axe_dir() -> PathBuf {
    target_dir().join("e2e-axe")
}

/// Fails unless there is an X display (the tests run under `xvfb-run`, see `run.sh`).
pub fn require_display() {
    let display = std::env::var("DISPLAY").unwrap_or_default();
    assert!(
        !display.is_empty(),
        "no X display: run the end-to-end tests with tests/e2e/run.sh (it uses xvfb-run)"
    );
}

/// Finds a program on `PATH` (or `~/.cargo/bin` for tauri-driver); fails with `hint`.
pub fn require_program(name: &str, hint: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.push("/usr/sbin".into());
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: {hint}"))
}
