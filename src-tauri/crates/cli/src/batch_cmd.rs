//! `vmcheck batch`: a whole list (CSV or XLSX) checked along the audited path — the worklist
//! engine's job, with a progress bar on a terminal and JSON lines otherwise, resumable with
//! `--resume JOB`, the results exported with `-o`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use vmcheck_core::worklist::Field;
use vmcheck_engine::startup::SessionChoice;
use vmcheck_engine::worklist::{
    ExportFormat, JobState, JobSummary, RunControl, Worklist, WorklistError,
};
use vmcheck_engine::{Actor, ErrorCode};

use crate::output;
use crate::{prepare, signin, Target, EXIT_AUDIT, EXIT_REFUSED, EXIT_SERVICE};

/// Exit code: the job ended with rows not checked (rows that cannot be checked, errors, or a
/// pause before the end).
pub(crate) const EXIT_INCOMPLETE: u8 = 7;

/// `vmcheck batch`'s options.
pub(crate) struct BatchArgs {
    pub input: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub rate: Option<f64>,
    pub resume: Option<String>,
    pub sheet: Option<String>,
    pub json: bool,
    pub role: Option<String>,
}

fn fail(code: ErrorCode, message: &str, action: &str, json: bool) {
    output::print_error(code.as_str(), message, action, json);
}

fn exit_for(e: &WorklistError) -> u8 {
    match e {
        WorklistError::Access(vmcheck_engine::LookupError::AuditUnavailable(_)) => EXIT_AUDIT,
        WorklistError::List(_)
        | WorklistError::Store(vmcheck_engine::worklist::StoreError::NoSuchJob) => EXIT_REFUSED,
        _ => EXIT_SERVICE,
    }
}

fn report_error(e: &WorklistError, json: bool) -> u8 {
    fail(
        e.code(),
        &e.to_string(),
        "Correct it and run the command again.",
        json,
    );
    exit_for(e)
}

/// Runs `vmcheck batch`; returns the exit code.
pub(crate) async fn run(args: BatchArgs, target: Target) -> u8 {
    let json = args.json;
    let prepared = match prepare(&target, None, SessionChoice::FromConfig).await {
        Ok(p) => p,
        Err(message) => return crate::config_error(&message, json),
    };
    let running = &prepared.running;
    let (actor, control) = match &running.session {
        Some(session) => {
            if let Err((code, message)) =
                signin::sign_in(session, args.role.as_deref(), true, false, json).await
            {
                output::print_error(&code, &message, "Sign in again with your smartcard.", json);
                return signin::EXIT_SIGN_IN;
            }
            let Some(actor) = session.actor() else {
                fail(
                    ErrorCode::NoIdentity,
                    "No role was chosen.",
                    "Give --role.",
                    json,
                );
                return signin::EXIT_SIGN_IN;
            };
            let session = Arc::clone(session);
            let generation = session.generation();
            // The card removed, the session locked: the job pauses.
            (
                actor,
                RunControl::new(move || session.generation() == generation),
            )
        }
        None => match running.config.actor() {
            Some(actor) => (actor, RunControl::unconditional()),
            None => {
                fail(
                    ErrorCode::NoIdentity,
                    "No one to act as: configure [session] (smartcard) or [identity].",
                    "Fix the configuration.",
                    json,
                );
                return crate::EXIT_CONFIG;
            }
        },
    };
    let mut settings = running.config.worklist_settings();
    if let Some(c) = args.concurrency {
        settings = settings.with_concurrency(c);
    }
    if let Some(r) = args.rate {
        settings.rate_per_second = (r > 0.0).then_some(r);
    }
    let Some(store_path) = running.config.worklist_path() else {
        return crate::config_error(
            "no folder is known for the worklist store: set [worklist] path",
            json,
        );
    };
    let worklist = match Worklist::open(Arc::clone(&running.patient), &store_path, settings) {
        Ok(w) => w,
        Err(e) => return report_error(&e, json),
    };
    let code = match job(&worklist, &actor, &args, running.patient.clock().today()) {
        Ok(id) => run_job(&worklist, &actor, &id, &control, &args).await,
        Err(code) => code,
    };
    if let Some(session) = &running.session {
        session.sign_out();
    }
    running.finish();
    code
}

/// The job to run: the one resumed, or a new one from the input file.
fn job(
    worklist: &Worklist,
    actor: &Actor,
    args: &BatchArgs,
    today: vmcheck_core::time::CalendarDate,
) -> Result<String, u8> {
    let json = args.json;
    if let Some(id) = &args.resume {
        return match worklist.summary(actor, id) {
            Ok(s) => Ok(s.id),
            Err(e) => Err(report_error(&e, json)),
        };
    }
    let Some(input) = &args.input else {
        fail(
            ErrorCode::WorklistFile,
            "Give the list to check (a CSV or XLSX file), or --resume JOB.",
            "vmcheck batch LIST.csv",
            json,
        );
        return Err(EXIT_REFUSED);
    };
    let options = vmcheck_sheets::ReadOptions {
        sheet: args.sheet.clone(),
        ..vmcheck_sheets::ReadOptions::default()
    };
    let sheet = match vmcheck_sheets::read_sheet(input, &options) {
        Ok(s) => s,
        Err(e) => {
            fail(
                ErrorCode::WorklistFile,
                &e.to_string(),
                "Export the list from the PAS again as CSV or XLSX.",
                json,
            );
            return Err(EXIT_REFUSED);
        }
    };
    let mapping = match worklist.proposed_mapping(&sheet.headers) {
        Ok(m) => m,
        Err(e) => return Err(report_error(&e, json)),
    };
    describe_mapping(&sheet.headers, &mapping, json);
    let source = input
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match worklist.create_job(
        actor,
        &source,
        sheet.headers.clone(),
        &sheet.rows,
        sheet.header_row,
        mapping,
        today,
    ) {
        Ok(s) => Ok(s.id),
        Err(e) => Err(report_error(&e, json)),
    }
}

/// Says which column was read as what (stderr, or a JSON line).
fn describe_mapping(headers: &[String], mapping: &vmcheck_core::worklist::Mapping, json: bool) {
    let used: Vec<(String, String)> = Field::ALL
        .iter()
        .filter_map(|f| {
            mapping.column(*f).map(|c| {
                (
                    f.label().to_owned(),
                    headers.get(c).cloned().unwrap_or_default(),
                )
            })
        })
        .collect();
    if json {
        let v = serde_json::json!({
            "event": "mapping",
            "columns": used.iter().map(|(f, h)| serde_json::json!({"field": f, "column": h})).collect::<Vec<_>>(),
        });
        println!("{v}");
    } else {
        eprintln!("vmcheck: reading the list's columns as:");
        for (field, header) in used {
            eprintln!("  {field:<16} ← \"{header}\"");
        }
    }
}

fn progress_json(event: &str, s: &JobSummary) -> serde_json::Value {
    serde_json::json!({
        "event": event,
        "job": s.id,
        "state": s.state,
        "rows": s.counts,
        "outcomes": s.outcomes,
    })
}

async fn run_job(
    worklist: &Worklist,
    actor: &Actor,
    id: &str,
    control: &RunControl,
    args: &BatchArgs,
) -> u8 {
    let json = args.json;
    let terminal = !json && std::io::stderr().is_terminal();
    let start = match worklist.summary(actor, id) {
        Ok(s) => s,
        Err(e) => return report_error(&e, json),
    };
    if json {
        println!("{}", progress_json("job", &start));
    } else {
        eprintln!(
            "vmcheck: job {} (resume it with --resume {} if it stops)",
            start.id, start.id
        );
    }
    let bar = terminal.then(|| {
        let checkable = start.counts.total - start.counts.problems - start.counts.duplicates;
        let bar = indicatif::ProgressBar::new(checkable);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  about {eta} left  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_position(start.counts.done);
        bar
    });
    let summary = worklist
        .run(actor, id, control, |s| {
            if let Some(bar) = &bar {
                bar.set_position(s.counts.done);
                bar.set_message(format!(
                    "red {} · amber {} · green {} · grey {} · errors {} · identity {}",
                    s.outcomes.red,
                    s.outcomes.amber,
                    s.outcomes.green,
                    s.outcomes.grey,
                    s.outcomes.errors,
                    s.outcomes.mismatches
                ));
            } else if json {
                println!("{}", progress_json("progress", s));
            } else {
                eprintln!("{}", progress_json("progress", s));
            }
        })
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match summary {
        Ok(s) => s,
        Err(e) => return report_error(&e, json),
    };
    if let Some(path) = &args.output {
        let Some(format) = ExportFormat::from_path(path) else {
            fail(
                ErrorCode::ExportFailed,
                "The results file must end in .csv or .xlsx.",
                "Give -o results.csv or -o results.xlsx.",
                json,
            );
            return EXIT_REFUSED;
        };
        if let Err(e) = worklist.export(actor, id, path, format) {
            return report_error(&e, json);
        }
    }
    if json {
        println!("{}", progress_json("done", &summary));
    } else {
        let o = summary.outcomes;
        println!(
            "Job {} ({}): {:?}",
            summary.id, summary.source, summary.state
        );
        println!(
            "  {} rows: red {}, amber {}, green {}, grey {}, not checked {}; {} whose details differ from PDS",
            summary.counts.total, o.red, o.amber, o.green, o.grey, o.errors, o.mismatches
        );
        if summary.state != JobState::Done {
            println!(
                "  {} rows wait: vmcheck batch --resume {}",
                summary.counts.pending, summary.id
            );
        }
        if let Some(path) = &args.output {
            println!("  Results written to {}", path.display());
        }
    }
    if summary.state == JobState::Done && summary.outcomes.errors == 0 {
        0
    } else {
        EXIT_INCOMPLETE
    }
}
