//! `vmcheck audit verify` and `vmcheck audit export`: check the local audit log's chain (keyed
//! hashes with the installation's key, when it can be had), list interrupted accesses, compare
//! with a checkpoint kept elsewhere; and write the log out as CSV — an export of patient data,
//! itself recorded in the log. Neither creates a log that is not there, and nothing but the
//! export itself ever shows an NHS number.
//!
//! Exit codes: 0 intact / exported; 1 the chain is broken, a checkpoint is not met, the
//! database is damaged, or the export could not be written; 4 bad arguments (dates) or the log
//! could not be opened; 6 the export could not be recorded (so it was not written).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use vmcheck_audit::{
    parse_bound, read_checkpoints, AuditError, AuditKey, AuditLog, CheckpointCheck, RangeEnd,
};
use vmcheck_engine::config::{AuditKeySource, Config};
use vmcheck_engine::startup::Running;
use vmcheck_engine::ExportRecord;

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

/// Says there is no log at `db`: a missing file is an error here, never created.
fn missing(db: &Path, json: bool) -> u8 {
    crate::output::print_error(
        "audit_missing",
        &format!("there is no audit log at {}", db.display()),
        "Nothing has been recorded on this computer yet, or the log is elsewhere: give its path with --db.",
        json,
    );
    EXIT_USAGE
}

/// What `vmcheck audit verify` was given.
pub struct VerifyArgs {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--db`.
    pub db: Option<PathBuf>,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// `--checkpoint`.
    pub checkpoint: Option<PathBuf>,
}

/// The configuration, the log's path and the log (with its key when it can be had) that
/// `args` name; or the exit code, the error printed.
pub(crate) fn open_log(
    args: &VerifyArgs,
    json: bool,
) -> Result<(Option<Config>, PathBuf, AuditLog), u8> {
    let config = match config_for(args) {
        Ok(c) => c,
        Err(message) => {
            crate::output::print_error(
                vmcheck_engine::ErrorCode::Config.as_str(),
                &message,
                "Fix the configuration, or give --db and --key-file.",
                json,
            );
            return Err(EXIT_USAGE);
        }
    };
    let Some(db) = args
        .db
        .clone()
        .or_else(|| config.as_ref().and_then(Config::audit_path))
        .or_else(vmcheck_audit::default_path)
    else {
        crate::output::print_error(
            vmcheck_engine::ErrorCode::Config.as_str(),
            "no home folder to find the audit log in",
            "Give its path with --db.",
            json,
        );
        return Err(EXIT_USAGE);
    };
    if !db.is_file() {
        return Err(missing(&db, json));
    }
    let log = match key_for(args, config.as_ref(), &db) {
        Some(key) => AuditLog::open(&db, key),
        None => AuditLog::open_unkeyed(&db),
    };
    match log {
        Ok(log) => Ok((config, db, log)),
        Err(e) => Err(fail(&e, json)),
    }
}

/// The configuration: the administrator's file, the user's preferences and the file named
/// (or the user's), merged as the app merges them; none when there is no file at all.
pub(crate) fn config_for(args: &VerifyArgs) -> Result<Option<Config>, String> {
    use vmcheck_engine::config::layers::{load, LoadError};
    match load(&vmcheck_engine::config::LayerFiles::standard(
        args.config.clone(),
    )) {
        Ok(layered) => Ok(Some(layered.config)),
        Err(LoadError::NoFile(_) | LoadError::NoFolder) if args.config.is_none() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The log's key, when it can be had: `--key-file`, else where the configuration keeps it.
/// Nothing is created here.
fn key_for(args: &VerifyArgs, config: Option<&Config>, db: &Path) -> Option<AuditKey> {
    let bytes = match (
        args.key_file.clone(),
        config.map(|c| c.audit_key_source(db)),
    ) {
        (Some(file), _) | (None, Some(AuditKeySource::File(file))) => std::fs::read(file).ok()?,
        (None, Some(AuditKeySource::Keyring(name))) => {
            use vmcheck_engine::SecretLookup;
            vmcheck_secrets::LazyKeyring::new()
                .get(&name)
                .ok()?
                .to_vec()
        }
        (None, None) => return None,
    };
    AuditKey::from_bytes(&bytes).ok()
}

/// `vmcheck audit verify`: walks the chain and prints `N records, chain intact` or
/// `record S is broken: reason`, the interrupted accesses, and how the log stands against the
/// latest checkpoint (with `--json`, one object:
/// `{"records":N,"intact":bool,"first_broken":{"seq":S,"reason":"hash_mismatch","message":"…"}|null,"head":"…"|null,"keyed_checked":bool,"interrupted":[S…],"checkpoint":{"seq":S,"result":"consistent"|"truncated"|…,"message":"…"}|null}`).
/// Exit 0 when intact (and the checkpoint met), 1 when broken, damaged or the checkpoint not
/// met, 4 when the log cannot be opened.
pub fn verify(args: &VerifyArgs, json: bool) -> u8 {
    let (config, db, log) = match open_log(args, json) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let report = match log.verify() {
        Ok(r) => r,
        Err(e) => return fail(&e, json),
    };
    let checkpoint_file = args.checkpoint.clone().or_else(|| {
        config
            .as_ref()
            .map(|c| c.checkpoint_path(&db))
            .filter(|p| p.exists())
    });
    let checkpoint = match &checkpoint_file {
        None => None,
        Some(file) => match read_checkpoints(file) {
            Ok(cps) => match cps.last() {
                Some(cp) => match log.check_checkpoint(cp) {
                    Ok(check) => Some((cp.seq, check)),
                    Err(e) => return fail(&e, json),
                },
                None => None,
            },
            Err(e) => {
                crate::output::print_error(
                    "checkpoint_unreadable",
                    &format!("cannot read the checkpoints in {}: {e}", file.display()),
                    "Check the path given with --checkpoint.",
                    json,
                );
                return EXIT_USAGE;
            }
        },
    };
    let checkpoint_ok = checkpoint
        .as_ref()
        .is_none_or(|(_, c)| *c == CheckpointCheck::Consistent);
    if json {
        let first_broken = report.first_broken.as_ref().map(|b| {
            serde_json::json!({
                "seq": b.seq,
                "reason": b.reason.code(),
                "message": b.reason.to_string(),
            })
        });
        let checkpoint = checkpoint.as_ref().map(|(seq, c)| {
            serde_json::json!({
                "seq": seq,
                "result": checkpoint_code(c),
                "message": c.to_string(),
            })
        });
        let v = serde_json::json!({
            "records": report.records,
            "intact": report.is_intact(),
            "first_broken": first_broken,
            "head": report.head.as_ref().map(|(_, h)| h),
            "keyed_checked": report.keyed_checked,
            "keyed_records": report.keyed_records,
            "interrupted": report.interrupted,
            "checkpoint": checkpoint,
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
        if !report.keyed_checked && report.keyed_records > 0 {
            println!("  The installation's key was not available: the links were checked, the keyed hashes could not be (give --config or --key-file).");
        }
        if !report.interrupted.is_empty() {
            let list: Vec<String> = report.interrupted.iter().map(i64::to_string).collect();
            println!(
                "  Interrupted (an access with no outcome recorded, e.g. after a crash): record{} {}",
                if list.len() == 1 { "" } else { "s" },
                list.join(", ")
            );
        }
        if let Some((seq, check)) = &checkpoint {
            println!("  Checkpoint at record {seq}: {check}");
        }
    }
    if report.is_intact() && checkpoint_ok {
        EXIT_OK
    } else {
        EXIT_BROKEN
    }
}

fn checkpoint_code(c: &CheckpointCheck) -> &'static str {
    match c {
        CheckpointCheck::Consistent => "consistent",
        CheckpointCheck::Truncated { .. } => "truncated",
        CheckpointCheck::Rewritten { .. } => "rewritten",
        CheckpointCheck::NotSigned => "not_signed",
        CheckpointCheck::OtherInstallation => "other_installation",
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
/// in the range as CSV, to `out` or stdout, after recording the export in the audit log (as the
/// configured identity; refused when it cannot be recorded). Dates are `YYYY-MM-DD` (whole
/// days, UTC) or RFC 3339 times; both ends inclusive. Exit 0 when written, 4 on a bad date or
/// when the log cannot be opened, 1 when the database is damaged or writing fails (a partial
/// file is removed), 6 when the export cannot be recorded.
pub fn export(
    running: &Running,
    db: Option<&Path>,
    from: Option<&str>,
    to: Option<&str>,
    out: Option<&Path>,
) -> u8 {
    let (from, to) = match bounds(from, to) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let own = match own_log(running) {
        Ok(log) => log,
        Err(code) => return code,
    };
    let other;
    let log: &AuditLog = match db {
        Some(db) if db != own.path() => {
            if !db.is_file() {
                return missing(db, false);
            }
            other = match AuditLog::open_unkeyed(db) {
                Ok(l) => l,
                Err(e) => return fail(&e, false),
            };
            &other
        }
        _ => &own,
    };
    let Some(actor) = running.config.actor() else {
        crate::output::print_error(
            "NO_IDENTITY",
            "an export of the audit log is recorded as someone: the configuration names no [identity]",
            "Add an [identity] (user_uuid, role_profile_id) to the configuration used for exports.",
            false,
        );
        return EXIT_USAGE;
    };
    let rows = match log.count_between(from, to) {
        Ok(n) => n,
        Err(e) => return fail(&e, false),
    };
    let record = ExportRecord {
        kind: "audit_csv",
        rows,
        target: out.map(|p| p.display().to_string()),
        nhs_number: None,
        batch_id: None,
    };
    if let Err(e) = running.patient.record_export(&actor, &record) {
        crate::output::print_error(e.code().as_str(), &e.message(), e.action(), false);
        return crate::EXIT_AUDIT;
    }
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

/// The form of `vmcheck audit report`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table for the terminal.
    Table,
    /// CSV, one row per access.
    Csv,
    /// A self-contained HTML page with a chart.
    Html,
}

/// What `vmcheck audit report` was asked for.
pub struct ReportArgs<'a> {
    /// Only this patient.
    pub patient: Option<&'a str>,
    /// Only this user.
    pub user: Option<&'a str>,
    /// From (a day or a time).
    pub from: Option<&'a str>,
    /// To (a day or a time).
    pub to: Option<&'a str>,
    /// The form.
    pub format: ReportFormat,
    /// Where to write it (standard output when absent).
    pub out: Option<&'a Path>,
    /// From the trust's central audit store (every desk) instead of this desk's log.
    pub central: bool,
}

/// `vmcheck audit report`: accesses to a patient, a user's activity, or a period's summary, from
/// the local audit log (or, with `--central`, the trust's central store: every desk), as a
/// table, CSV or HTML. It holds patient data, so it is recorded as an export first (as the
/// configured identity, in this desk's log); exit 6 if that cannot be recorded, 3 if the
/// central store cannot be reached.
pub async fn report(running: &Running, args: &ReportArgs<'_>) -> u8 {
    let (from, to) = match bounds(args.from, args.to) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let patient = match args.patient {
        None => None,
        Some(p) => match vmcheck_core::nhs::NhsNumber::parse(p) {
            Ok(n) => Some(n.as_str().to_owned()),
            Err(e) => {
                crate::output::print_error(
                    "INVALID_NHS_NUMBER",
                    &format!("--patient: {e}"),
                    "Give the patient's 10-digit NHS number.",
                    false,
                );
                return EXIT_USAGE;
            }
        },
    };
    let log = match own_log(running) {
        Ok(log) => log,
        Err(code) => return code,
    };
    let Some(actor) = running.config.actor() else {
        crate::output::print_error(
            "NO_IDENTITY",
            "a report from the audit log is recorded as someone: the configuration names no [identity]",
            "Add an [identity] (user_uuid, role_profile_id) to the configuration used for reports.",
            false,
        );
        return EXIT_USAGE;
    };
    let query = vmcheck_engine::ig_report::ReportQuery {
        patient: patient.clone(),
        user: args.user.map(str::to_owned),
        from,
        to,
    };
    let now = i64::try_from(running.patient.clock().unix_seconds()).unwrap_or(i64::MAX);
    let report = if args.central {
        match crate::central_cmd::accesses(running, from, to).await {
            Ok((accesses, server)) => vmcheck_engine::ig_report::IgReport::from_accesses(
                accesses,
                query,
                now,
                format!("the central audit store {server}"),
            ),
            Err(code) => return code,
        }
    } else {
        let built = vmcheck_engine::ig_report::IgReport::build(
            &log,
            query,
            now,
            log.path().display().to_string(),
        );
        match built {
            Ok(r) => r,
            Err(e) => return fail(&e, false),
        }
    };
    let record = ExportRecord {
        kind: "audit_report",
        rows: u64::try_from(report.accesses.len()).unwrap_or(u64::MAX),
        target: args.out.map(|p| p.display().to_string()),
        nhs_number: patient,
        batch_id: None,
    };
    if let Err(e) = running.patient.record_export(&actor, &record) {
        crate::output::print_error(e.code().as_str(), &e.message(), e.action(), false);
        return crate::EXIT_AUDIT;
    }
    let text = match args.format {
        ReportFormat::Table => report.to_table(),
        ReportFormat::Csv => report.to_csv(),
        ReportFormat::Html => report.to_html(),
    };
    match args.out {
        None => {
            print!("{text}");
            let _ = std::io::stdout().flush();
        }
        Some(path) => {
            let written = create_private(path).and_then(|mut f| {
                f.write_all(text.as_bytes())?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(path);
                crate::output::print_error(
                    "audit_output",
                    &format!("cannot write {}: {e}", path.display()),
                    "Check the folder exists and you may write to it.",
                    false,
                );
                return EXIT_USAGE;
            }
            eprintln!(
                "vmcheck: report of {} access(es) written to {}",
                report.accesses.len(),
                path.display()
            );
        }
    }
    EXIT_OK
}

/// `--from` and `--to` as inclusive Unix-second bounds; a bad date, or `--from` after `--to`,
/// is said and gives the exit code.
fn bounds(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>), u8> {
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
            return Err(EXIT_USAGE);
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
            return Err(EXIT_USAGE);
        }
    }
    Ok((from, to))
}

/// The running configuration's audit log, or the exit code after saying why it is unusable.
fn own_log(running: &Running) -> Result<std::sync::Arc<AuditLog>, u8> {
    running.patient.audit_log().cloned().map_err(|e| {
        crate::output::print_error(e.code().as_str(), &e.message(), e.action(), false);
        crate::EXIT_AUDIT
    })
}
