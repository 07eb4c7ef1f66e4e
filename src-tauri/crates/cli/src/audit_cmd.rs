//! `vmcheck audit verify` and `vmcheck audit export`: check the local audit log's hash chain,
//! and write the log out as CSV. Neither creates a log that is not there, and nothing but the
//! export itself ever shows an NHS number.
//!
//! Exit codes: 0 intact / exported; 1 the chain is broken, the database is damaged, or the
//! export could not be written; 4 bad arguments (dates) or the log could not be opened.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use vmcheck_audit::{parse_bound, AuditError, AuditLog, RangeEnd};

/// Exit code: the chain is intact, or the export was written.
const EXIT_OK: u8 = 0;
/// Exit code: the chain is broken or the database damaged; or the export could not be written.
const EXIT_BROKEN: u8 = 1;
/// Exit code: bad arguments, or the audit log could not be opened or read.
const EXIT_USAGE: u8 = 4;

/// What to tell the user to do about an audit log error.
fn action(e: &AuditError) -> &'static str {
    match e {
        AuditError::Busy { .. } => {
            "Wait for the other V&M Check to finish, then run the command again."
        }
        AuditError::Corrupt { .. } => {
            "Keep a copy of the file as it is and report it to your information governance lead."
        }
        AuditError::NewerFormat { .. } => "Use the newest version of V&M Check.",
        AuditError::Output(_) => {
            "Check the destination (free space, permissions) and run the command again."
        }
        _ => "Check the path given with --db and the file's permissions.",
    }
}

/// Prints an audit log error and returns its exit code: a damaged log is "not intact".
fn fail(e: &AuditError, json: bool) -> u8 {
    crate::output::print_error(e.code(), &e.to_string(), action(e), json);
    match e {
        AuditError::Corrupt { .. } | AuditError::Output(_) => EXIT_BROKEN,
        _ => EXIT_USAGE,
    }
}

/// Opens an existing log; a missing file is an error here, never created.
fn open_existing(db: &Path, json: bool) -> Result<AuditLog, u8> {
    if !db.is_file() {
        crate::output::print_error(
            "audit_missing",
            &format!("there is no audit log at {}", db.display()),
            "Nothing has been recorded on this computer yet, or the log is elsewhere: give its path with --db.",
            json,
        );
        return Err(EXIT_USAGE);
    }
    AuditLog::open(db).map_err(|e| fail(&e, json))
}

/// `vmcheck audit verify`: walks the chain and prints `N records, chain intact` or
/// `record S is broken: reason` (with `--json`, one object:
/// `{"records":N,"intact":bool,"first_broken":{"seq":S,"reason":"hash_mismatch","message":"…"}|null,"head":"…"|null}`).
/// Exit 0 when intact, 1 when broken or damaged, 4 when the log cannot be opened.
pub fn verify(db: &Path, json: bool) -> u8 {
    let log = match open_existing(db, json) {
        Ok(log) => log,
        Err(code) => return code,
    };
    let report = match log.verify() {
        Ok(r) => r,
        Err(e) => return fail(&e, json),
    };
    if json {
        let first_broken = report.first_broken.as_ref().map(|b| {
            serde_json::json!({
                "seq": b.seq,
                "reason": b.reason.code(),
                "message": b.reason.to_string(),
            })
        });
        let v = serde_json::json!({
            "records": report.records,
            "intact": report.is_intact(),
            "first_broken": first_broken,
            "head": report.head,
        });
        println!("{v}");
    } else {
        match &report.first_broken {
            None => println!(
                "{} record{}, chain intact",
                report.records,
                if report.records == 1 { "" } else { "s" }
            ),
            Some(b) => println!("{b}"),
        }
    }
    if report.is_intact() {
        EXIT_OK
    } else {
        EXIT_BROKEN
    }
}

/// Creates (or truncates) the export file, readable by this user only when new: it holds NHS
/// numbers.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// `vmcheck audit export [--from D] [--to D] [--output FILE]`: writes the records whose time is
/// in the range as CSV, to `out` or stdout. Dates are `YYYY-MM-DD` (whole days, UTC) or
/// RFC 3339 times; both ends inclusive. Exit 0 when written, 4 on a bad date or when the log
/// cannot be opened, 1 when the database is damaged or writing fails (a partial file is
/// removed).
pub fn export(db: &Path, from: Option<&str>, to: Option<&str>, out: Option<&Path>) -> u8 {
    let bound = |text: Option<&str>, end| text.map(|t| parse_bound(t, end)).transpose();
    let (from, to) = match (bound(from, RangeEnd::From), bound(to, RangeEnd::To)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            crate::output::print_error(
                "bad_date",
                &e.to_string(),
                "Give --from and --to as dates such as 2026-11-21.",
                false,
            );
            return EXIT_USAGE;
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            crate::output::print_error(
                "bad_date",
                "--from is after --to",
                "Swap the two dates.",
                false,
            );
            return EXIT_USAGE;
        }
    }
    let log = match open_existing(db, false) {
        Ok(log) => log,
        Err(code) => return code,
    };
    let result = match out {
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            log.export_csv(from, to, &mut lock)
        }
        Some(path) => match create_private(path) {
            Ok(mut file) => {
                let written = log
                    .export_csv(from, to, &mut file)
                    .and_then(|n| file.sync_all().map(|()| n).map_err(AuditError::Output));
                if written.is_err() {
                    drop(file);
                    let _ = std::fs::remove_file(path);
                }
                written
            }
            Err(e) => {
                crate::output::print_error(
                    "audit_output",
                    &format!("cannot create {}: {e}", path.display()),
                    "Check the folder exists and you may write to it.",
                    false,
                );
                return EXIT_USAGE;
            }
        },
    };
    match result {
        Ok(n) => {
            let plural = if n == 1 { "" } else { "s" };
            match out {
                Some(path) => {
                    eprintln!("vmcheck: {n} record{plural} exported to {}", path.display())
                }
                None => eprintln!("vmcheck: {n} record{plural} exported"),
            }
            let _ = std::io::stderr().flush();
            EXIT_OK
        }
        // The reader went away (`| head`): stop quietly, as other command-line tools do.
        Err(AuditError::Output(e))
            if out.is_none() && e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            EXIT_BROKEN
        }
        Err(e) => fail(&e, false),
    }
}
