//! `vmcheck search`: PDS matches for a patient's details, best first, along the audited path
//! (the search terms are recorded before the request, the NHS numbers returned after).

use vmcheck_core::time::CalendarDate;
use vmcheck_engine::startup::SessionChoice;
use vmcheck_engine::{Environment, ErrorCode, LookupError, SearchMatchReport, SearchTerms};

use crate::output;
use crate::{prepare, signin, Target, EXIT_AUDIT, EXIT_REFUSED, EXIT_SERVICE};

/// The details asked for on the command line.
pub(crate) struct SearchArgs {
    pub family: String,
    pub given: Option<String>,
    pub birthdate: String,
    pub gender: Option<String>,
    pub postcode: Option<String>,
}

const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// The search terms, or why they are refused before anything is sent.
fn terms(args: &SearchArgs) -> Result<SearchTerms, String> {
    let family = args.family.trim();
    if family.is_empty() {
        return Err("Give the patient's family name (--family).".into());
    }
    let birth_date = CalendarDate::parse(args.birthdate.trim()).ok_or_else(|| {
        format!(
            "The date of birth {:?} is not a date: write it as YYYY-MM-DD, for example 1998-02-11.",
            args.birthdate
        )
    })?;
    let gender = match args.gender.as_deref().map(|g| g.trim().to_lowercase()) {
        None => String::new(),
        Some(g) if GENDERS.contains(&g.as_str()) => g,
        Some(g) => {
            return Err(format!(
                "The gender {g:?} is not one PDS knows: use male, female, other or unknown."
            ))
        }
    };
    Ok(SearchTerms {
        family: family.to_owned(),
        given: args.given.clone().filter(|g| !g.trim().is_empty()),
        gender,
        birth_date: birth_date.to_string(),
        postcode: args.postcode.clone().filter(|p| !p.trim().is_empty()),
    })
}

/// Runs the search and prints the matches; returns the exit code.
pub(crate) async fn run(args: SearchArgs, target: Target, json: bool, role: Option<String>) -> u8 {
    let terms = match terms(&args) {
        Ok(t) => t,
        Err(message) => {
            output::print_error(
                ErrorCode::SearchInvalid.as_str(),
                &message,
                "Correct the details and search again.",
                json,
            );
            return EXIT_REFUSED;
        }
    };
    let prepared = match prepare(&target, None, SessionChoice::FromConfig).await {
        Ok(p) => p,
        Err(message) => {
            return crate::config_error(&message, json);
        }
    };
    let running = &prepared.running;
    let found = match &running.session {
        Some(session) => {
            if let Err((code, message)) =
                signin::sign_in(session, role.as_deref(), true, false, json).await
            {
                output::print_error(&code, &message, "Sign in again with your smartcard.", json);
                return signin::EXIT_SIGN_IN;
            }
            let found = session.search(&terms).await;
            session.sign_out();
            found
        }
        None => match running.config.actor() {
            Some(actor) => running.patient.search(&actor, &terms).await,
            None => Err(LookupError::NoIdentity),
        },
    };
    running.finish();
    match found {
        Ok(matches) => {
            let today = running.patient.clock().today();
            let reports: Vec<SearchMatchReport> = matches
                .iter()
                .map(|m| SearchMatchReport::new(m, today))
                .collect();
            print_matches(&reports, json, running.config.environment);
            0
        }
        Err(e) => {
            output::print_error(e.code().as_str(), &e.message(), e.action(), json);
            match e {
                LookupError::AuditUnavailable(_) => EXIT_AUDIT,
                e if e.is_local() => EXIT_REFUSED,
                _ => EXIT_SERVICE,
            }
        }
    }
}

fn print_matches(matches: &[SearchMatchReport], json: bool, environment: Environment) {
    if json {
        let v = serde_json::json!({
            "outcome": "matches",
            "count": matches.len(),
            "matches": matches,
            "training": environment == Environment::Sandbox,
        });
        println!("{v}");
        return;
    }
    if environment == Environment::Sandbox {
        println!("TRAINING — not real patient data");
    }
    match matches.len() {
        0 => {
            println!("No patients found.");
            println!("  Check the spelling and the date of birth, or add the postcode.");
        }
        n => {
            let s = if n == 1 { "" } else { "s" };
            println!("{n} patient{s} found, best match first:");
            for m in matches {
                let score = m
                    .score
                    .map(|s| format!("{:.0}%", s * 100.0))
                    .unwrap_or_else(|| "—".into());
                let postcode = if m.restricted {
                    "withheld".to_owned()
                } else {
                    m.postcode.clone().unwrap_or_else(|| "not known".into())
                };
                println!(
                    "  {}  {}  born {}  {}  postcode {}  score {}{}",
                    output::formatted(&m.nhs_number),
                    m.name,
                    m.birth_date.as_deref().unwrap_or("not known"),
                    m.gender.as_deref().unwrap_or("gender not known"),
                    postcode,
                    score,
                    m.name_note
                        .as_deref()
                        .map(|n| format!("  ({n})"))
                        .unwrap_or_default()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(family: &str, birthdate: &str, gender: Option<&str>) -> SearchArgs {
        SearchArgs {
            family: family.into(),
            given: None,
            birthdate: birthdate.into(),
            gender: gender.map(str::to_owned),
            postcode: Some(" ".into()),
        }
    }

    #[test]
    fn details_are_checked_before_anything_is_sent() {
        let ok = terms(&args(" Taylor ", "1998-02-11", Some("Female"))).expect("valid");
        assert_eq!(
            (
                ok.family.as_str(),
                ok.gender.as_str(),
                ok.birth_date.as_str(),
                ok.postcode
            ),
            ("Taylor", "female", "1998-02-11", None)
        );
        assert_eq!(
            terms(&args("Taylor", "1998-02-11", None))
                .expect("valid")
                .gender,
            ""
        );
        assert!(terms(&args(" ", "1998-02-11", None))
            .expect_err("refused")
            .contains("family name"));
        for bad in ["11/02/1998", "1998-02-30", "1998-2-11", "yesterday"] {
            assert!(
                terms(&args("Taylor", bad, None))
                    .expect_err("refused")
                    .contains("YYYY-MM-DD"),
                "{bad}"
            );
        }
        assert!(terms(&args("Taylor", "1998-02-11", Some("f")))
            .expect_err("refused")
            .contains("male, female"));
    }
}
