//! # vmcheck
//!
//! The V&M Check command line: look up a patient's overseas-visitor chargeable status, test the
//! connection to Spine, and run the sandbox. Scripts depend on its contract: the `--json`
//! object's fields and the exit codes (0 status or no record, 2 input refused locally, 3 service
//! error, 4 configuration, 5 sign-in refused, 6 the access could not be audited so was not
//! made).
//!
//! It deliberately holds no lookup logic: it parses arguments, calls the engine, prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use vmcheck_core::fhir::WireFormat;
use vmcheck_engine::startup::{ConfigSource, LogTarget, Running, SessionChoice, Startup};
use vmcheck_engine::LookupReport;
use vmcheck_training::{Fault, Sandbox, SandboxOptions};

mod audit_cmd;
mod batch_cmd;
mod central_cmd;
mod config_cmd;
mod doctor_cmd;
mod output;
mod search_cmd;
mod secrets_cmd;
mod signin;
mod slip_cmd;

/// Exit code: status or no record shown.
const EXIT_OK: u8 = 0;
/// Exit code: input refused locally (nothing sent).
pub(crate) const EXIT_REFUSED: u8 = 2;
/// Exit code: a service answered with an error, or could not be reached.
pub(crate) const EXIT_SERVICE: u8 = 3;
/// Exit code: configuration missing or invalid.
pub(crate) const EXIT_CONFIG: u8 = 4;
/// Exit code: the access could not be recorded in the audit log, so it was not made.
pub(crate) const EXIT_AUDIT: u8 = 6;

#[derive(Parser)]
#[command(
    name = "vmcheck",
    version,
    about = "Check a patient's NHS overseas-visitor chargeable status on Spine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
pub(crate) struct Target {
    /// Configuration file (default: $VMCHECK_CONFIG, then ~/.config/vmcheck/config.toml).
    #[arg(long, conflicts_with = "sandbox")]
    config: Option<PathBuf>,
    /// Start the sandbox in-process and use it, as the training identity. Not real patient data.
    #[arg(long)]
    sandbox: bool,
    /// With --sandbox: a fault to inject into every V&M request, or the directory's (e.g.
    /// html502, latency:300ms, oversized, refused, sds-down; `vmcheck sandbox --help` lists all).
    #[arg(long, requires = "sandbox")]
    fault: Option<Fault>,
    /// With --sandbox: a fault to inject into every PDS request (e.g. 429:1s, hang).
    #[arg(long, requires = "sandbox")]
    pds_fault: Option<Fault>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Xml,
}

#[derive(Subcommand)]
enum Command {
    /// Look up one patient by NHS number (or by hospital number, with `[care_connect]`).
    Lookup {
        /// The NHS number (spaces or dashes allowed); a hospital number of the trust's form is
        /// recognised too.
        #[arg(required_unless_present = "hospital_number")]
        nhs_number: Option<String>,
        /// Look the patient up by hospital number: the trust's Care Connect service gives the
        /// NHS number, which PDS then traces (needs `[care_connect]` in the configuration).
        #[arg(long, value_name = "NUMBER", conflicts_with = "nhs_number")]
        hospital_number: Option<String>,
        #[command(flatten)]
        target: Target,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Ask Spine for JSON (default) or XML.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// With smartcard sign-in: the role profile to act in, when there are several.
        #[arg(long)]
        role: Option<String>,
        /// Also write the result slip for the patient's file to this PDF (recorded in the
        /// audit log as an export first; not for an error).
        #[arg(long, value_name = "FILE.pdf")]
        slip: Option<PathBuf>,
    },
    /// Search PDS by a patient's details: the matches, best first (audited like a lookup).
    Search {
        /// Family name.
        #[arg(long)]
        family: String,
        /// Given name.
        #[arg(long)]
        given: Option<String>,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        birthdate: String,
        /// male, female, other or unknown.
        #[arg(long)]
        gender: Option<String>,
        /// Postcode.
        #[arg(long)]
        postcode: Option<String>,
        #[command(flatten)]
        target: Target,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// With smartcard sign-in: the role profile to act in, when there are several.
        #[arg(long)]
        role: Option<String>,
    },
    /// Check a whole list (CSV or XLSX from the PAS) along the audited path: resumable,
    /// rate-limited, every row's details cross-checked against PDS.
    Batch {
        /// The list (not needed with --resume).
        input: Option<PathBuf>,
        #[command(flatten)]
        target: Target,
        /// Write the results here (.csv or .xlsx; an audited export).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Requests at once (default: the configuration's worklist.concurrency, 4).
        #[arg(long)]
        concurrency: Option<usize>,
        /// Requests per second at most (default: the configuration's worklist.rate_per_second; 0: unlimited).
        #[arg(long)]
        rate: Option<f64>,
        /// Carry on with an earlier job.
        #[arg(long)]
        resume: Option<String>,
        /// The XLSX sheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// JSON lines (the mapping, progress, the summary) instead of text.
        #[arg(long)]
        json: bool,
        /// With smartcard sign-in: the role profile to act in, when there are several.
        #[arg(long)]
        role: Option<String>,
    },
    /// Test the connection: find the endpoint and fetch its Conformance statement.
    Metadata {
        #[command(flatten)]
        target: Target,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The configuration in force: `show` prints every value with its source (built-in default,
    /// the administrator's file, your preferences, --config) and what a lock set aside.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Check this computer: configuration, keyring, smartcard readers, audit log, SDS, PDS, the
    /// V&M service, the clock against the servers' and the endpoint certificate — one line each
    /// (✔ ⚠ ✘ –) with what to do; exit 1 when any check fails.
    Doctor {
        #[command(flatten)]
        target: Target,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Sign in with a smartcard: prints the user's UUID and roles (the passcode is read from the
    /// terminal without echo, or from standard input).
    Login {
        #[command(flatten)]
        target: Target,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The role profile to act in, when there are several.
        #[arg(long)]
        role: Option<String>,
        /// Accept that one try is left (needed when the passcode comes from standard input).
        #[arg(long)]
        confirm_last_try: bool,
    },
    /// Smartcard readers: `status` lists them, `watch` prints events as JSON lines.
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
    /// The local audit log: check its hash chain, or export it as CSV.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Keys in the OS keyring: `import NAME FILE`, `remove NAME`, `list` (names only).
    Secrets {
        #[command(subcommand)]
        command: secrets_cmd::SecretsCommand,
    },
    /// Run the sandbox (PDS, SDS LDAP, V&M) on loopback until interrupted.
    Sandbox {
        /// First of three consecutive ports (PDS, LDAP, V&M); default: any free ports.
        #[arg(long)]
        port_base: Option<u16>,
        /// Print the test patients as JSON and exit.
        #[arg(long)]
        list: bool,
        /// A fault to inject into every V&M request, or the directory's: latency:Nms, 500,
        /// html502, reset, truncated, wrong-content-type, slow-drip:Nms, hang, closed,
        /// oversized, redirect, 429:Ns, deep-json, deep-xml, refused, tls-failure, sds-down,
        /// sds-slow:Ns.
        #[arg(long)]
        fault: Option<Fault>,
        /// A fault to inject into every PDS request (the same list, but for refused,
        /// tls-failure, sds-down and sds-slow).
        #[arg(long)]
        pds_fault: Option<Fault>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, each value with where it came from.
    Show {
        /// A configuration file over the administrator's and your preferences (as for a
        /// script; default: $VMCHECK_CONFIG, then ~/.config/vmcheck/config.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// List readers and cards.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print reader and card events as JSON lines until interrupted.
    Watch,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the chain (keyed hashes with the installation's key), list interrupted accesses,
    /// and compare with a checkpoint; exit 1 at the first broken record or a failed checkpoint.
    Verify {
        /// Configuration file naming the log and its key (default: $VMCHECK_CONFIG, then
        /// ~/.config/vmcheck/config.toml, when present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The audit database (default: the configuration's, else
        /// $XDG_DATA_HOME/vmcheck/audit.sqlite, else ~/.local/share/vmcheck/audit.sqlite).
        #[arg(long)]
        db: Option<PathBuf>,
        /// A file holding the log's key (default: where the configuration keeps it).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// A checkpoint file to compare the log with (default: the configuration's, when it
        /// exists).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Verify the central audit store instead (`[audit.central]`): every installation's
        /// chain and checkpoints (this desk's hashes with its key), and this desk's log against
        /// what the store holds of it.
        #[arg(long)]
        central: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Send this desk's audit records (and checkpoints) to the central audit store now, in
    /// order; the app and every command also do it in the background.
    Forward {
        /// Configuration file naming the log, its key and `[audit.central]`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// A report for information governance: every access to one patient (--patient), one
    /// user's activity (--user), or a period's summary per day and outcome with the accesses
    /// out of hours and the exports; as a table, CSV or a self-contained HTML page. Recorded in
    /// the audit log as an export, as the configured identity.
    Report {
        #[command(flatten)]
        target: Target,
        /// Only accesses to this patient (a subject access request).
        #[arg(long)]
        patient: Option<String>,
        /// Only this user's accesses (their UUID).
        #[arg(long)]
        user: Option<String>,
        /// First day (YYYY-MM-DD, UTC) or time (RFC 3339) to include.
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, UTC) or time (RFC 3339) to include.
        #[arg(long)]
        to: Option<String>,
        /// table (default), csv or html.
        #[arg(long, value_enum, default_value = "table")]
        format: audit_cmd::ReportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Report from the trust's central audit store (every desk), not this desk's log.
        #[arg(long)]
        central: bool,
    },
    /// Write the records as CSV (they include NHS numbers). The export is itself recorded in
    /// the audit log, as the configured identity.
    Export {
        #[command(flatten)]
        target: Target,
        /// The audit database to read (default: the configuration's).
        #[arg(long)]
        db: Option<PathBuf>,
        /// First day (YYYY-MM-DD, UTC) or time (RFC 3339) to include.
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, UTC) or time (RFC 3339) to include.
        #[arg(long)]
        to: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    vmcheck_engine::logging::init_stderr(vmcheck_engine::logging::Level::Warn);
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vmcheck: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    ExitCode::from(runtime.block_on(run(cli)))
}

/// The running services, and the sandbox they use when `--sandbox` was given (kept alive).
pub(crate) struct Prepared {
    pub running: Running,
    _sandbox: Option<Sandbox>,
}

/// Starts the services for `target`: the sandbox (training) or the configuration file, then the
/// engine's start-up routine.
pub(crate) async fn prepare(
    target: &Target,
    format: Option<FormatArg>,
    session: SessionChoice,
) -> Result<Prepared, String> {
    let (source, sandbox, session) = if target.sandbox {
        let opts = SandboxOptions {
            fault: target.fault.clone(),
            ..SandboxOptions::default()
        };
        let (sandbox, config) = vmcheck_training::start(opts)
            .await
            .map_err(|e| format!("the sandbox could not start: {e}"))?;
        sandbox.set_pds_fault(target.pds_fault.clone());
        let session = match session {
            SessionChoice::Required => SessionChoice::Training(vmcheck_engine::session::Mode::Desk),
            // Scripts act as the training identity.
            other => {
                if other == SessionChoice::FromConfig {
                    SessionChoice::None
                } else {
                    other
                }
            }
        };
        (
            ConfigSource::Given(Box::new(config)),
            Some(sandbox),
            session,
        )
    } else {
        let source = match &target.config {
            Some(path) => ConfigSource::File(path.clone()),
            None => ConfigSource::Default,
        };
        (source, None, session)
    };
    let startup = Startup {
        session,
        log: LogTarget::Stderr(vmcheck_engine::logging::Level::Warn),
        format: format.map(|f| match f {
            FormatArg::Json => WireFormat::Json,
            FormatArg::Xml => WireFormat::Xml,
        }),
        ..Startup::new(source)
    };
    let running = vmcheck_engine::startup::start(startup).map_err(|e| e.to_string())?;
    Ok(Prepared {
        running,
        _sandbox: sandbox,
    })
}

/// The exit code of a lookup's outcome.
fn lookup_exit(outcome: &vmcheck_engine::Outcome) -> u8 {
    match outcome {
        vmcheck_engine::Outcome::Error(e) if e.is_local() => EXIT_REFUSED,
        vmcheck_engine::Outcome::Error(vmcheck_engine::LookupError::AuditUnavailable(_)) => {
            EXIT_AUDIT
        }
        vmcheck_engine::Outcome::Error(_) => EXIT_SERVICE,
        _ => EXIT_OK,
    }
}

async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Lookup {
            nhs_number,
            hospital_number,
            target,
            json,
            format,
            role,
            slip,
        } => {
            let prepared = match prepare(&target, format, SessionChoice::FromConfig).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            let running = &prepared.running;
            let result = match &running.session {
                Some(session) => {
                    if let Err((code, message)) =
                        signin::sign_in(session, role.as_deref(), true, false, json).await
                    {
                        output::print_error(
                            &code,
                            &message,
                            "Sign in again with your smartcard.",
                            json,
                        );
                        return signin::EXIT_SIGN_IN;
                    }
                    let result = match (&hospital_number, &nhs_number) {
                        (Some(h), _) => session.lookup_hospital_number(h, |_| {}).await,
                        (None, n) => session.lookup(n.as_deref().unwrap_or(""), |_| {}).await,
                    };
                    let role_name = session.view().role.map(|r| r.job_role);
                    (result, session.actor(), role_name)
                }
                None => {
                    let actor = running.config.actor();
                    let result = match (&hospital_number, &nhs_number) {
                        (Some(h), _) => {
                            running
                                .patient
                                .lookup_hospital_number(actor.as_ref(), h, None, |_| {})
                                .await
                        }
                        (None, n) => {
                            running
                                .patient
                                .lookup(actor.as_ref(), n.as_deref().unwrap_or(""), None, |_| {})
                                .await
                        }
                    };
                    let role_name = actor
                        .as_ref()
                        .map(|a| format!("role profile {}", a.role_profile_id));
                    (result, actor, role_name)
                }
            };
            let (result, actor, role_name) = result;
            let report = LookupReport::new(&result, running.patient.clock().today());
            let slip_failed = slip.as_deref().and_then(|path| {
                slip_cmd::write(
                    running,
                    actor.as_ref(),
                    role_name.as_deref().unwrap_or("unknown role"),
                    &report,
                    path,
                    json,
                )
            });
            if let Some(session) = &running.session {
                session.sign_out();
            }
            running.finish();
            output::print_lookup(&report, json, running.config.environment);
            match lookup_exit(&result.outcome) {
                // An error's own exit code comes first (it has no slip either).
                0 => slip_failed.unwrap_or(0),
                code => code,
            }
        }
        Command::Search {
            family,
            given,
            birthdate,
            gender,
            postcode,
            target,
            json,
            role,
        } => {
            let args = search_cmd::SearchArgs {
                family,
                given,
                birthdate,
                gender,
                postcode,
            };
            search_cmd::run(args, target, json, role).await
        }
        Command::Batch {
            input,
            target,
            output,
            concurrency,
            rate,
            resume,
            sheet,
            json,
            role,
        } => {
            let args = batch_cmd::BatchArgs {
                input,
                output,
                concurrency,
                rate,
                resume,
                sheet,
                json,
                role,
            };
            batch_cmd::run(args, target).await
        }
        Command::Metadata { target, json } => {
            let prepared = match prepare(&target, None, SessionChoice::None).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            match prepared.running.patient.metadata().await {
                Ok((endpoint, conformance)) => {
                    output::print_metadata(&endpoint, &conformance, json);
                    EXIT_OK
                }
                Err(e) => {
                    output::print_error(e.code().as_str(), &e.message(), e.action(), json);
                    EXIT_SERVICE
                }
            }
        }
        Command::Config {
            command: ConfigCommand::Show { config, json },
        } => config_cmd::show(config, json),
        Command::Doctor { target, json } => doctor_cmd::run(&target, json).await,
        Command::Login {
            target,
            json,
            role,
            confirm_last_try,
        } => {
            let prepared = match prepare(&target, None, SessionChoice::Required).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            let Some(session) = prepared.running.session.clone() else {
                return config_error("smartcard sign-in is not configured: add a [session] section, or use --sandbox", json);
            };
            match signin::sign_in(&session, role.as_deref(), false, confirm_last_try, json).await {
                Ok(view) => {
                    output::print_login(&view, json);
                    EXIT_OK
                }
                Err((code, message)) => {
                    let pin = session.view().pin;
                    output::print_sign_in_error(&code, &message, pin, json);
                    signin::EXIT_SIGN_IN
                }
            }
        }
        Command::Card { command } => match command {
            CardCommand::Status { json } => signin::card_status(json),
            CardCommand::Watch => signin::card_watch().await,
        },
        Command::Audit { command } => match command {
            AuditCommand::Verify {
                config,
                db,
                key_file,
                checkpoint,
                central,
                json,
            } => {
                let args = audit_cmd::VerifyArgs {
                    config,
                    db,
                    key_file,
                    checkpoint,
                };
                if central {
                    central_cmd::verify(&args, json).await
                } else {
                    audit_cmd::verify(&args, json)
                }
            }
            AuditCommand::Forward { config, json } => {
                central_cmd::forward(
                    &audit_cmd::VerifyArgs {
                        config,
                        db: None,
                        key_file: None,
                        checkpoint: None,
                    },
                    json,
                )
                .await
            }
            AuditCommand::Report {
                target,
                patient,
                user,
                from,
                to,
                format,
                output,
                central,
            } => {
                let prepared = match prepare(&target, None, SessionChoice::None).await {
                    Ok(p) => p,
                    Err(message) => return config_error(&message, false),
                };
                let code = audit_cmd::report(
                    &prepared.running,
                    &audit_cmd::ReportArgs {
                        patient: patient.as_deref(),
                        user: user.as_deref(),
                        from: from.as_deref(),
                        to: to.as_deref(),
                        format,
                        out: output.as_deref(),
                        central,
                    },
                )
                .await;
                prepared.running.finish();
                code
            }
            AuditCommand::Export {
                target,
                db,
                from,
                to,
                output,
            } => {
                let prepared = match prepare(&target, None, SessionChoice::None).await {
                    Ok(p) => p,
                    Err(message) => return config_error(&message, false),
                };
                let code = audit_cmd::export(
                    &prepared.running,
                    db.as_deref(),
                    from.as_deref(),
                    to.as_deref(),
                    output.as_deref(),
                );
                prepared.running.finish();
                code
            }
        },
        Command::Secrets { command } => secrets_cmd::run(command),
        Command::Sandbox {
            port_base,
            list,
            fault,
            pds_fault,
        } => {
            if list {
                println!(
                    "{}",
                    serde_json::to_string_pretty(vmcheck_training::patients()).unwrap_or_default()
                );
                return EXIT_OK;
            }
            let opts = SandboxOptions {
                port_base,
                fault,
                ..SandboxOptions::default()
            };
            let sandbox = match Sandbox::start(opts).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("vmcheck: the sandbox could not start: {e}");
                    return EXIT_CONFIG;
                }
            };
            sandbox.set_pds_fault(pds_fault);
            let urls = sandbox.urls();
            let mut printed = serde_json::to_value(urls).unwrap_or_default();
            if let Some(fields) = printed.as_object_mut() {
                fields.insert("sds_fhir_base".into(), urls.sds_fhir_base().into());
                fields.insert("care_connect_base".into(), urls.care_connect_base().into());
            }
            println!("{printed}");
            eprintln!("V&M Check sandbox running (TRAINING — not real patient data). Press Ctrl+C to stop.");
            let _ = tokio::signal::ctrl_c().await;
            sandbox.shutdown().await;
            EXIT_OK
        }
    }
}

pub(crate) fn config_error(message: &str, json: bool) -> u8 {
    output::print_error(
        vmcheck_engine::ErrorCode::Config.as_str(),
        message,
        "Fix the configuration and run the command again.",
        json,
    );
    EXIT_CONFIG
}
