//! # vmcheck
//!
//! The V&M Check command line: look up a patient's overseas-visitor chargeable status, test the
//! connection to Spine, and run the sandbox. Scripts depend on its contract: the `--json`
//! object's fields and the exit codes (0 status or no record, 2 input refused locally, 3 service
//! error, 4 configuration).
//!
//! It deliberately holds no lookup logic: it parses arguments, calls the engine, prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use vmcheck_core::fhir::WireFormat;
use vmcheck_engine::{Config, Engine, LookupReport, SystemClock};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

mod audit_cmd;
mod output;
mod secrets_cmd;
mod signin;

/// Exit code: status or no record shown.
const EXIT_OK: u8 = 0;
/// Exit code: input refused locally (nothing sent).
const EXIT_REFUSED: u8 = 2;
/// Exit code: a service answered with an error, or could not be reached.
pub(crate) const EXIT_SERVICE: u8 = 3;
/// Exit code: configuration missing or invalid.
const EXIT_CONFIG: u8 = 4;

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
struct Target {
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
    /// Look up one patient by NHS number.
    Lookup {
        /// The NHS number (spaces or dashes allowed).
        nhs_number: String,
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
    },
    /// Test the connection: find the endpoint and fetch its Conformance statement.
    Metadata {
        #[command(flatten)]
        target: Target,
        /// Print JSON.
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
        /// A fault to inject into every V&M request, or the directory's: latency:<n>ms, 500,
        /// html502, reset, truncated, wrong-content-type, slow-drip:<n>ms, hang, closed,
        /// oversized, redirect, 429:<n>s, deep-json, deep-xml, refused, tls-failure, sds-down,
        /// sds-slow:<n>s.
        #[arg(long)]
        fault: Option<Fault>,
        /// A fault to inject into every PDS request (the same list, but for refused,
        /// tls-failure, sds-down and sds-slow).
        #[arg(long)]
        pds_fault: Option<Fault>,
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
    /// Check the hash chain; exit 1 at the first broken record.
    Verify {
        /// The audit database (default: $XDG_DATA_HOME/vmcheck/audit.sqlite, else ~/.local/share/vmcheck/audit.sqlite).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write the records as CSV (they include NHS numbers).
    Export {
        /// The audit database (default as for verify).
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
    init_logging();
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

fn init_logging() {
    vmcheck_engine::logging::init_stderr(vmcheck_engine::logging::Level::Warn);
}

/// A configured engine, and the sandbox it uses when `--sandbox` was given (kept alive).
struct Prepared {
    engine: Engine,
    _sandbox: Option<Sandbox>,
}

/// The session for `login` and configured lookups: the configuration's `[session]`, or with
/// `--sandbox` the training card (roles from the sandbox directory, audit log in the default
/// place unless `[audit] path` says otherwise).
fn session_for(
    prepared: &Prepared,
    sandbox: bool,
) -> Result<Option<Arc<vmcheck_engine::session::Session>>, String> {
    let mut config = prepared.engine.config().clone();
    if sandbox {
        config.session = Some(vmcheck_engine::setup::training_session_config(
            vmcheck_engine::session::Mode::Desk,
        ));
    }
    if config.session.is_none() {
        return Ok(None);
    }
    if let Some(path) = std::env::var_os("VMCHECK_AUDIT_DB") {
        config.audit.path = Some(PathBuf::from(path));
    }
    vmcheck_engine::setup::session(&config, prepared.engine.clock().clone())
        .map(Some)
        .map_err(|e| e.to_string())
}

async fn prepare(target: &Target, format: Option<FormatArg>) -> Result<Prepared, String> {
    let (mut config, sandbox) = if target.sandbox {
        let opts = SandboxOptions {
            fault: target.fault.clone(),
            ..SandboxOptions::default()
        };
        let sandbox = Sandbox::start(opts)
            .await
            .map_err(|e| format!("the sandbox could not start: {e}"))?;
        sandbox.set_pds_fault(target.pds_fault.clone());
        let urls = sandbox.urls();
        let config = vmcheck_engine::training::config(urls);
        (config, Some(sandbox))
    } else {
        let path = target
            .config
            .clone()
            .or_else(vmcheck_engine::config::default_path)
            .ok_or("no configuration file: use --config FILE or --sandbox")?;
        if !path.exists() {
            return Err(format!(
                "no configuration file at {}: use --config FILE, or --sandbox to try V&M Check on the training sandbox",
                path.display()
            ));
        }
        (Config::load(&path).map_err(|e| e.to_string())?, None)
    };
    if let Some(f) = format {
        config.vandm.format = match f {
            FormatArg::Json => WireFormat::Json,
            FormatArg::Xml => WireFormat::Xml,
        };
    }
    // Keys named in the configuration (tls.key_secret, pds.auth.key_secret,
    // audit_jwt.key_secret) come from the OS keyring, opened only if one is named.
    let engine = Engine::with_secrets(
        config,
        Arc::new(SystemClock::default()),
        Arc::new(vmcheck_secrets::LazyKeyring::new()),
    )
    .map_err(|e| e.message())?;
    Ok(Prepared {
        engine,
        _sandbox: sandbox,
    })
}

async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Lookup {
            nhs_number,
            target,
            json,
            format,
            role,
        } => {
            let prepared = match prepare(&target, format).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            let engine = &prepared.engine;
            let session = match session_for(&prepared, false) {
                Ok(s) => s,
                Err(message) => return config_error(&message, json),
            };
            let result = match &session {
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
                    session.lookup(engine, &nhs_number, |_| {}).await
                }
                None => {
                    let actor = engine.config().actor();
                    engine.lookup(actor.as_ref(), &nhs_number, |_| {}).await
                }
            };
            let report = LookupReport::new(&result, engine.clock().today());
            output::print_lookup(&report, json, engine.config().environment);
            match &result.outcome {
                vmcheck_engine::Outcome::Error(e) if e.is_local() => EXIT_REFUSED,
                vmcheck_engine::Outcome::Error(_) => EXIT_SERVICE,
                _ => EXIT_OK,
            }
        }
        Command::Metadata { target, json } => {
            let prepared = match prepare(&target, None).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            match prepared.engine.metadata().await {
                Ok((endpoint, conformance)) => {
                    output::print_metadata(&endpoint, &conformance, json);
                    EXIT_OK
                }
                Err(e) => {
                    output::print_error(&e.code(), &e.message(), e.action(), json);
                    EXIT_SERVICE
                }
            }
        }
        Command::Login {
            target,
            json,
            role,
            confirm_last_try,
        } => {
            let prepared = match prepare(&target, None).await {
                Ok(p) => p,
                Err(message) => return config_error(&message, json),
            };
            let session = match session_for(&prepared, target.sandbox) {
                Ok(Some(s)) => s,
                Ok(None) => return config_error("smartcard sign-in is not configured: add a [session] section, or use --sandbox", json),
                Err(message) => return config_error(&message, json),
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
            AuditCommand::Verify { db, json } => match db.or_else(vmcheck_audit::default_path) {
                Some(db) => audit_cmd::verify(&db, json),
                None => config_error(
                    "no home folder to find the audit log in: use --db FILE",
                    json,
                ),
            },
            AuditCommand::Export {
                db,
                from,
                to,
                output,
            } => match db.or_else(vmcheck_audit::default_path) {
                Some(db) => {
                    audit_cmd::export(&db, from.as_deref(), to.as_deref(), output.as_deref())
                }
                None => config_error(
                    "no home folder to find the audit log in: use --db FILE",
                    false,
                ),
            },
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
                    serde_json::to_string_pretty(vmcheck_sandbox::patients()).unwrap_or_default()
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
            println!(
                "{}",
                serde_json::to_string(sandbox.urls()).unwrap_or_default()
            );
            eprintln!("V&M Check sandbox running (TRAINING — not real patient data). Press Ctrl+C to stop.");
            let _ = tokio::signal::ctrl_c().await;
            sandbox.shutdown().await;
            EXIT_OK
        }
    }
}

fn config_error(message: &str, json: bool) -> u8 {
    output::print_error(
        "CONFIG",
        message,
        "Fix the configuration and run the command again.",
        json,
    );
    EXIT_CONFIG
}
