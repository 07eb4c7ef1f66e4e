//! `vmcheck doctor`: the service desk's one command. Every part a lookup depends on, one line
//! each with ✔, ⚠, ✘ or – and, when something is wrong, what to do; `--json` for scripts. The
//! checks are the engine's ([`vmcheck_engine::doctor`]); this only finds the configuration and
//! prints.

use std::sync::Arc;

use vmcheck_card::pcsc_access::PcscCards;
use vmcheck_card::CardAccess;
use vmcheck_engine::config::layers::{load, Layer, LayerFiles};
use vmcheck_engine::config::CardSource;
use vmcheck_engine::doctor::{examine, DoctorReport, Patient};
use vmcheck_engine::SystemClock;
use vmcheck_training::SandboxOptions;

use crate::Target;

/// Exit code: every check passed or only warned.
const EXIT_HEALTHY: u8 = 0;
/// Exit code: at least one check failed.
const EXIT_UNHEALTHY: u8 = 1;

/// Runs the checks against `target` and prints them.
pub(crate) async fn run(target: &Target, json: bool) -> u8 {
    // The sandbox lives until the checks are done.
    let mut _sandbox = None;
    let (config, source) = if target.sandbox {
        let options = SandboxOptions {
            fault: target.fault.clone(),
            ..SandboxOptions::default()
        };
        match vmcheck_training::start(options).await {
            Ok((sandbox, config)) => {
                sandbox.set_pds_fault(target.pds_fault.clone());
                _sandbox = Some(sandbox);
                (Ok(config), "the training sandbox".to_owned())
            }
            Err(e) => (
                Err(format!("the sandbox could not start: {e}")),
                "the training sandbox".to_owned(),
            ),
        }
    } else {
        match load(&LayerFiles::standard(target.config.clone())) {
            Ok(layered) => {
                let read: Vec<String> = [Layer::System, Layer::Preferences, Layer::File]
                    .into_iter()
                    .filter(|l| match l {
                        Layer::System => layered.files.system.is_some(),
                        Layer::Preferences => layered.files.preferences.is_some(),
                        _ => layered.files.file.is_some(),
                    })
                    .map(|l| layered.describe(l))
                    .collect();
                (Ok(layered.config), read.join(" + "))
            }
            Err(e) => {
                let source = target.config.as_ref().map_or_else(
                    || "the configuration".to_owned(),
                    |p| p.display().to_string(),
                );
                (Err(e.to_string()), source)
            }
        }
    };
    let cards: Option<Arc<dyn CardAccess>> = match &config {
        Ok(c)
            if c.session
                .as_ref()
                .is_some_and(|s| s.card == CardSource::Pcsc) =>
        {
            Some(Arc::new(PcscCards::new()))
        }
        _ => None,
    };
    let report = examine(Patient {
        config,
        source,
        secrets: Arc::new(vmcheck_secrets::LazyKeyring::new()),
        clock: Arc::new(SystemClock::default()),
        cards,
    })
    .await;
    print(&report, json);
    if report.failed() {
        EXIT_UNHEALTHY
    } else {
        EXIT_HEALTHY
    }
}

fn print(report: &DoctorReport, json: bool) {
    if json {
        let v = serde_json::json!({
            "healthy": !report.failed(),
            "checks": report.checks,
        });
        println!("{v}");
        return;
    }
    let width = report
        .checks
        .iter()
        .map(|c| c.title.chars().count())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
        println!("{} {:width$}  {}", c.verdict.mark(), c.title, c.detail);
        if let Some(fix) = &c.fix {
            println!("  {:width$}  → {fix}", "");
        }
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.verdict == vmcheck_core::doctor::Verdict::Fail)
        .count();
    println!();
    if failed == 0 {
        println!("This computer is ready for V&M checks.");
    } else {
        println!("{failed} check(s) failed: V&M checks will not work here until they are fixed.");
    }
}
