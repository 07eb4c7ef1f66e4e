//! `vmcheck lookup … --slip FILE.pdf`: the result slip for the patient's file, recorded in the
//! audit log as an export (of that patient's data, by the user who looked them up) before it is
//! written; nothing is written when it cannot be recorded. An error is not a status: no slip.

use std::path::Path;

use vmcheck_engine::report::LookupReport;
use vmcheck_engine::slip::Slip;
use vmcheck_engine::startup::Running;
use vmcheck_engine::Actor;

/// Writes the slip of `report` to `path` as `actor` (in `role`, the role's name); `None` when
/// written, else the exit code (the error printed).
pub fn write(
    running: &Running,
    actor: Option<&Actor>,
    role: &str,
    report: &LookupReport,
    path: &Path,
    json: bool,
) -> Option<u8> {
    let fail = |code: &str, message: &str, action: &str, exit: u8| {
        crate::output::print_error(code, message, action, json);
        Some(exit)
    };
    let org = &running.config.organisation;
    let now = i64::try_from(running.patient.clock().unix_seconds()).unwrap_or(i64::MAX);
    let slip = match Slip::new(
        report,
        now,
        role,
        &vmcheck_engine::shown::organisation_line(&org.name, &org.ods_code),
    ) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                "NO_SLIP",
                &e.to_string(),
                "Resolve the error and check the patient again.",
                crate::EXIT_REFUSED,
            )
        }
    };
    let Some(actor) = actor else {
        return fail(
            "NO_IDENTITY",
            "a slip is recorded as someone: no one is signed in",
            "Sign in, or configure [identity].",
            crate::EXIT_REFUSED,
        );
    };
    match vmcheck_engine::slip::save(&running.patient, actor, &slip, path) {
        Ok(()) => {}
        Err(vmcheck_engine::slip::SlipSaveError::Audit(e)) => {
            crate::output::print_error(e.code().as_str(), &e.message(), e.action(), json);
            return Some(crate::EXIT_AUDIT);
        }
        Err(e) => {
            return fail(
                "EXPORT_FAILED",
                &e.to_string(),
                "Check the folder exists and you may write to it.",
                crate::EXIT_REFUSED,
            )
        }
    }
    if !json {
        eprintln!("vmcheck: result slip written to {}", path.display());
    }
    None
}
