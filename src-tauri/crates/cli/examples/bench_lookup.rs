//! Warm-lookup timing for `bench/lookup.sh`: one audited path (intent and outcome committed to
//! the configuration's audit log around every lookup), N lookups, one line of microseconds per
//! lookup on stdout. With `--print-token CONFIG NHS` it prints an audit JWT for curl instead.

use std::sync::Arc;
use std::time::Instant;

use vmcheck_core::jwt::{AuditContext, AuditJwt};
use vmcheck_core::NhsNumber;
use vmcheck_engine::{Clock, Config, MemorySecrets, Outcome, PatientAccess, SystemClock};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (print_token, rest) = match args.first().map(String::as_str) {
        Some("--print-token") => (true, &args[1..]),
        _ => (false, &args[..]),
    };
    let [config, nhs, more @ ..] = rest else {
        eprintln!("usage: bench_lookup [--print-token] CONFIG NHS [RUNS]");
        std::process::exit(2);
    };
    let config = Config::load(std::path::Path::new(config)).expect("config");
    if print_token {
        let identity = config.actor().expect("identity in config");
        let ctx = AuditContext {
            issuer: config.organisation.issuer.clone(),
            user_id: identity.user_uuid,
            role_profile_id: identity.role_profile_id,
            ods_code: config.organisation.ods_code.clone(),
            organisation_name: config.organisation.name.clone(),
            device_id: config.device_id(),
            software_name: "V&M Check".into(),
            software_version: env!("CARGO_PKG_VERSION").into(),
        };
        let nhs = NhsNumber::parse(nhs).expect("valid NHS number");
        println!(
            "{}",
            AuditJwt::new(&ctx, &nhs, SystemClock::default().unix_seconds()).encode_unsigned()
        );
        return;
    }
    let runs: usize = more.first().and_then(|r| r.parse().ok()).unwrap_or(30);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let engine = PatientAccess::open(
            config,
            Arc::new(SystemClock::default()),
            Arc::new(MemorySecrets::new()),
        )
        .expect("the audited path");
        let actor = engine.config().actor();
        // One untimed lookup warms connections and the SDS cache.
        let first = engine.lookup(actor.as_ref(), nhs, None, |_| {}).await;
        assert!(
            !matches!(first.outcome, Outcome::Error(_)),
            "the benchmark patient must have a status"
        );
        for _ in 0..runs {
            let start = Instant::now();
            let r = engine.lookup(actor.as_ref(), nhs, None, |_| {}).await;
            let micros = start.elapsed().as_micros();
            assert!(!matches!(r.outcome, Outcome::Error(_)));
            println!("{micros}");
        }
    });
}
