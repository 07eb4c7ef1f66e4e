//! What several CLI test files share.

use std::path::Path;
use std::process::Command;

/// Runs `vmcheck` with a home of its own under `home` (data, configuration and state folders;
/// no `$VMCHECK_CONFIG`, no colour, warnings only): its exit code, stdout and stderr.
pub fn vmcheck(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vmcheck"))
        .args(args)
        .env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
