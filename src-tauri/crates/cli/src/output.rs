//! Printing results: one JSON object (`--json`) or a patient line and a coloured banner line.
//! Colour only when stdout is a terminal and `NO_COLOR` is unset; the words always say it all.

use std::io::IsTerminal;

use vmcheck_core::sds::SpineEndpoint;
use vmcheck_core::BannerColour;
use vmcheck_engine::access::Conformance;
use vmcheck_engine::{Environment, LookupReport};

fn colour_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(text: &str, colour: Option<BannerColour>) -> String {
    if !colour_enabled() {
        return text.to_owned();
    }
    let code = match colour {
        Some(BannerColour::Red) => "1;37;41",
        Some(BannerColour::Green) => "1;30;42",
        Some(BannerColour::Amber) => "1;30;43",
        Some(BannerColour::Grey) => "1;30;47",
        None => "1;31",
    };
    format!("\x1b[{code}m {text} \x1b[0m")
}

/// `943 476 5919` for a valid NHS number; anything else as it was typed.
pub(crate) fn formatted(nhs: &str) -> String {
    vmcheck_core::nhs::NhsNumber::parse(nhs)
        .map(|n| n.formatted())
        .unwrap_or_else(|_| nhs.to_owned())
}

/// Prints one lookup.
pub fn print_lookup(report: &LookupReport, json: bool, environment: Environment) {
    if json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    if environment == Environment::Sandbox {
        println!("TRAINING — not real patient data");
    }
    if let Some(h) = &report.hospital_number {
        match &report.trust_nhs_number {
            Some(n) => println!(
                "Hospital number {h}: the trust's records give NHS {}",
                formatted(n)
            ),
            None => println!("Hospital number {h}"),
        }
    }
    if let Some(warning) = report.hospital_number_warning {
        println!(
            "{}",
            paint(&format!("Warning: {warning}"), Some(BannerColour::Amber))
        );
    }
    if let Some(p) = &report.patient {
        let name = if p.name.is_empty() {
            "(no name on PDS)"
        } else {
            p.name.as_str()
        };
        let mut line = format!("{name}  NHS {}", formatted(&p.nhs_number));
        if let Some(note) = &p.name_note {
            line.push_str(&format!(" (name {note})"));
        }
        if let Some(b) = &p.birth_date {
            line.push_str(&format!("  born {b}"));
        }
        if let Some(g) = &p.gender {
            line.push_str(&format!("  {g}"));
        }
        println!("{line}");
        if let Some(old) = &p.superseded_from {
            println!(
                "  NHS number {} has been replaced by {}",
                formatted(old),
                formatted(&p.nhs_number)
            );
        }
        if p.restricted {
            println!("  Address withheld (restricted record)");
        } else if let Some(a) = &p.address {
            match &p.address_note {
                Some(note) => println!("  {} (address {note})", a.join(", ")),
                None => println!("  {}", a.join(", ")),
            }
        }
        if let Some(warning) = &p.identity_warning {
            println!(
                "  {}",
                paint(&format!("Warning: {warning}"), Some(BannerColour::Amber))
            );
        }
        if let Some(d) = &p.deceased {
            println!("  Deceased ({d})");
        }
    }
    match (&report.headline, &report.error) {
        (Some(headline), _) => {
            let shown = report
                .patient
                .as_ref()
                .map(|p| p.nhs_number.clone())
                .unwrap_or_else(|| report.nhs_number.clone());
            println!(
                "{}",
                paint(&format!("{}: {headline}", formatted(&shown)), report.banner)
            );
            if let (Some(code), Some(display)) = (report.category, report.category_display) {
                println!(
                    "  Category {code}: {display}. {}",
                    report.category_definition.unwrap_or("")
                );
            }
            if let Some(e) = &report.effective_display {
                let hint = if report.effective_older_than_12_months {
                    " (more than 12 months ago: the status may have changed)"
                } else {
                    ""
                };
                println!("  Last updated {e}{hint}");
            }
            if report.effective_in_future {
                println!(
                    "  {}",
                    paint(
                        &format!("Warning: {}", vmcheck_core::assess::FUTURE_DATE_WARNING),
                        Some(vmcheck_core::BannerColour::Amber)
                    )
                );
            }
            if let Some(withheld) = report.detail_withheld {
                println!("  {withheld}");
            }
            if report.exemption_reminder {
                println!("  Some services are exempt from charges, and clinicians decide how urgent treatment is.");
            }
        }
        (None, Some(err)) => {
            println!("{}", paint(&format!("Error: {}", err.message), None));
            println!("  {}", err.action);
        }
        (None, None) => {}
    }
    println!("  Trace ID {}", report.trace_id);
}

/// Prints the connection test.
pub fn print_metadata(endpoint: &SpineEndpoint, conformance: &Conformance, json: bool) {
    if json {
        let v = serde_json::json!({ "endpoint": endpoint, "conformance": conformance });
        println!("{v}");
    } else {
        println!(
            "Connected to {} (Spine ASID {})",
            endpoint.base_url, endpoint.asid
        );
        println!(
            "  FHIR version {}",
            conformance.fhir_version.as_deref().unwrap_or("not stated")
        );
    }
}

/// Prints an error that is not a lookup result (configuration, connection test).
pub fn print_error(code: &str, message: &str, action: &str, json: bool) {
    if json {
        let v = serde_json::json!({ "outcome": "error", "error": { "http": null, "code": code, "message": message, "action": action } });
        println!("{v}");
    } else {
        eprintln!("vmcheck: {message}");
        eprintln!("  {action}");
    }
}

/// Prints the signed-in identity and roles.
pub fn print_login(view: &vmcheck_engine::session::SessionView, json: bool) {
    if json {
        let v = serde_json::json!({
            "state": view.state,
            "training": view.training,
            "uuid": view.user.as_ref().map(|u| u.uuid.clone()),
            "name": view.user.as_ref().and_then(|u| u.name.clone()),
            "roles": view.roles,
            "role": view.role,
            "certificate_warning": view.certificate_warning,
        });
        println!("{v}");
        return;
    }
    if view.training {
        println!("TRAINING — not real patient data");
    }
    if let Some(user) = &view.user {
        println!(
            "Signed in: {} (UUID {})",
            user.name.as_deref().unwrap_or("name not on card"),
            user.uuid
        );
    }
    for role in &view.roles {
        let mark = if view.role.as_ref() == Some(role) {
            "*"
        } else {
            " "
        };
        println!(
            " {mark} role {} — {} at {}",
            role.role_profile_id, role.job_role, role.ods_code
        );
    }
    if view.role.is_none() && !view.roles.is_empty() {
        println!("Several roles: choose one with --role when looking a patient up.");
    }
    if let Some(w) = &view.certificate_warning {
        println!("Warning: {w}");
    }
}

/// Prints a refused sign-in, with the tries left when known.
pub fn print_sign_in_error(
    code: &str,
    message: &str,
    pin: Option<vmcheck_core::card::PinState>,
    json: bool,
) {
    if json {
        let v = serde_json::json!({ "outcome": "error", "error": { "code": code, "message": message }, "pin": pin });
        println!("{v}");
    } else {
        eprintln!("vmcheck: {message}");
    }
}

/// A TOML value on one line, as it would be written in the file (`"xml"`, `4`, `["a", "b"]`).
pub(crate) fn toml_inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(t) if t.is_empty() => "{}".to_owned(),
        other => other.to_string(),
    }
}
