//! `vmcheck audit verify --central` and `vmcheck audit forward`: the trust's central audit
//! store (`[audit.central]`) verified — every installation's chain, this desk's with its key,
//! and this desk's log against what the store holds of it — and this desk's spool forwarded
//! now.
//!
//! Exit codes: 0 intact / forwarded; 1 a chain or checkpoint is broken, or this desk's log holds
//! fewer records than the store (its tail was removed); 3 the store cannot be reached; 4 bad
//! arguments, no `[audit.central]`, or the log could not be opened.

use vmcheck_audit::AuditLog;
use vmcheck_central::{CentralSettings, CentralStore};
use vmcheck_engine::config::Config;

use crate::audit_cmd::{open_log, VerifyArgs};
use crate::output::print_error;

const EXIT_OK: u8 = 0;
const EXIT_BROKEN: u8 = 1;
const EXIT_UNREACHABLE: u8 = 3;
const EXIT_USAGE: u8 = 4;

/// The central store's settings from `[audit.central]` (its password from the keyring), or the
/// exit code (the error printed; `elsewhere` is what the user can do without a central store).
fn central_settings(
    central: Option<&vmcheck_engine::config::CentralAuditConfig>,
    elsewhere: &str,
    json: bool,
) -> Result<CentralSettings, u8> {
    let Some(central) = central else {
        print_error(
            vmcheck_engine::ErrorCode::Config.as_str(),
            "no central audit store is configured",
            &format!("Add an [audit.central] section to the configuration{elsewhere}."),
            json,
        );
        return Err(EXIT_USAGE);
    };
    vmcheck_engine::central::settings(central, &vmcheck_secrets::LazyKeyring::new()).map_err(
        |message| {
            print_error(
                vmcheck_engine::ErrorCode::Config.as_str(),
                &message,
                "Fix [audit.central], or store the password with `vmcheck secrets`.",
                json,
            );
            EXIT_USAGE
        },
    )
}

/// The log and the store's settings, or the exit code (the error printed).
fn prepare(args: &VerifyArgs, json: bool) -> Result<(AuditLog, CentralSettings), u8> {
    let (config, _, log) = open_log(args, json)?;
    let central = config
        .as_ref()
        .and_then(|c: &Config| c.audit.central.as_ref());
    let settings = central_settings(central, " (see /etc/vmcheck/config.toml.example)", json)?;
    Ok((log, settings))
}

fn unreachable(e: &dyn std::fmt::Display, json: bool) -> u8 {
    print_error(
        "central_unreachable",
        &e.to_string(),
        "Check the network and the server; this desk's records stay spooled in its log meanwhile.",
        json,
    );
    EXIT_UNREACHABLE
}

/// `vmcheck audit verify --central`.
pub async fn verify(args: &VerifyArgs, json: bool) -> u8 {
    let (log, settings) = match prepare(args, json) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = match vmcheck_engine::central::verify(&log, &settings).await {
        Ok(r) => r,
        Err(e) => return unreachable(&e, json),
    };
    // This desk's log against what the store holds of it: a log that ends before the store's
    // head lost its tail after forwarding.
    let local_head = match log.head() {
        Ok(h) => h.map_or(0, |(seq, _)| seq),
        Err(e) => return unreachable(&e, json),
    };
    let own = log.installation_id().to_owned();
    let central_head = report
        .installations
        .iter()
        .find(|i| i.installation == own)
        .and_then(|i| i.chain.head.as_ref().map(|(seq, _)| *seq))
        .unwrap_or(0);
    let truncated = local_head < central_head;
    if json {
        let installations: Vec<_> = report
            .installations
            .iter()
            .map(|i| {
                serde_json::json!({
                    "installation": i.installation,
                    "this_desk": i.installation == own,
                    "records": i.chain.records,
                    "intact": i.is_intact(),
                    "keyed_checked": i.chain.keyed_checked,
                    "first_broken": i.chain.first_broken.as_ref().map(|b| serde_json::json!({
                        "seq": b.seq, "reason": b.reason.code(), "message": b.reason.to_string(),
                    })),
                    "checkpoints": i.checkpoints,
                    "checkpoint_problems": i.checkpoint_problems,
                    "interrupted": i.chain.interrupted,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "server": report.server,
                "intact": report.is_intact() && !truncated,
                "installations": installations,
                "this_desk": {"installation": own, "local_head": local_head, "central_head": central_head, "local_log_truncated": truncated},
            })
        );
    } else {
        println!(
            "Central audit store {}: {} installation{}",
            report.server,
            report.installations.len(),
            if report.installations.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        for i in &report.installations {
            let who = if i.installation == own {
                " (this desk)"
            } else {
                ""
            };
            match &i.chain.first_broken {
                None => println!(
                    "  {}{who}: {} records, chain intact{}",
                    i.installation,
                    i.chain.records,
                    if i.chain.keyed_checked {
                        ""
                    } else {
                        " (links and numbering; its hashes need that desk's key)"
                    }
                ),
                Some(b) => println!("  {}{who}: {b}", i.installation),
            }
            for problem in &i.checkpoint_problems {
                println!("    {problem}");
            }
        }
        if truncated {
            println!(
                "  This desk's log ends at record {local_head}, but the central store holds its records up to {central_head}: the local log lost its tail."
            );
        }
    }
    if report.is_intact() && !truncated {
        EXIT_OK
    } else {
        EXIT_BROKEN
    }
}

/// `vmcheck audit forward`: sends this desk's spool to the central store now.
pub async fn forward(args: &VerifyArgs, json: bool) -> u8 {
    let (log, settings) = match prepare(args, json) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut store = match CentralStore::connect(&settings).await {
        Ok(s) => s,
        Err(e) => return unreachable(&e, json),
    };
    let checkpoints = config_checkpoints(args, &log);
    match vmcheck_engine::central::forward(&log, &mut store, checkpoints.as_deref()).await {
        Ok((new, head)) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"server": settings.describe(), "forwarded": new, "central_head": head})
                );
            } else {
                println!(
                    "{new} record{} forwarded to {}; it holds this desk's records up to {head}",
                    if new == 1 { "" } else { "s" },
                    settings.describe()
                );
            }
            EXIT_OK
        }
        Err(e) => unreachable(&e, json),
    }
}

/// The checkpoint file the configuration names for this log.
fn config_checkpoints(args: &VerifyArgs, log: &AuditLog) -> Option<std::path::PathBuf> {
    args.checkpoint.clone().or_else(|| {
        crate::audit_cmd::config_for(args)
            .ok()
            .flatten()
            .map(|c| c.checkpoint_path(log.path()))
    })
}

/// Every access in `from..=to` across the trust, from the central store the running
/// configuration names, and the store's name; or the exit code (the error printed).
pub async fn accesses(
    running: &vmcheck_engine::startup::Running,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<(Vec<vmcheck_audit::Access>, String), u8> {
    let settings = central_settings(
        running.config.audit.central.as_ref(),
        ", or leave out --central for this desk's log",
        false,
    )?;
    let store = CentralStore::connect(&settings)
        .await
        .map_err(|e| unreachable(&e, false))?;
    let accesses = store
        .accesses(from, to)
        .await
        .map_err(|e| unreachable(&e, false))?;
    Ok((accesses, settings.describe()))
}
