//! Seed inputs that cannot simply be copied from a file: card conversations recorded against
//! the software card, deeply nested FHIR bodies, and published V&M examples rewritten to be
//! about the patient the targets ask about (so that seeds reach the green path). The seed
//! writer (`tests/seeds.rs`, ignored) puts them in the corpus directories.

use vmcheck_core::card::soft::{SoftCard, TRAINING_CERTIFICATE};
use vmcheck_core::card::{CardProfile, CardSession, FileProfile, Operation, Passcode, Step};

use crate::card::{encode, PASSCODE};
use crate::ASKED_NHS_NUMBER;

/// Records the responses of `card` to one operation and encodes them as a `card_apdu` input.
fn record(card: &mut SoftCard, option: u8) -> Vec<u8> {
    let (query_tries, profiles) = crate::card::options(option);
    let operation = if query_tries {
        Operation::QueryTries
    } else {
        Operation::ReadIdentity(Passcode::new(PASSCODE.into()).expect("valid"))
    };
    let (mut session, mut step) = CardSession::start(operation, profiles);
    let mut responses = Vec::new();
    while let Step::Transmit(apdu) = step {
        let response = card.transmit(&apdu);
        step = session.on_response(&response);
        responses.push(response);
        if responses.len() > 200 {
            break;
        }
    }
    encode(option, &responses)
}

/// Card conversations with the software card: both profiles, every profile order, both
/// operations, the right and a wrong passcode, a blocked card, a card without the profile.
pub fn card_conversations() -> Vec<(String, Vec<u8>)> {
    let piv = |passcode: &str, tries: u8| {
        SoftCard::new(
            CardProfile::Piv,
            passcode,
            tries,
            TRAINING_CERTIFICATE.to_vec(),
        )
    };
    let file = |passcode: &str, tries: u8| {
        SoftCard::new(
            CardProfile::File(FileProfile::default()),
            passcode,
            tries,
            TRAINING_CERTIFICATE.to_vec(),
        )
    };
    let mut out = Vec::new();
    for option in 0u8..8 {
        for (name, mut card) in [
            ("piv", piv(PASSCODE, 3)),
            ("piv-wrong", piv("9999", 3)),
            ("piv-last-try", piv("9999", 1)),
            ("piv-blocked", piv(PASSCODE, 0)),
            ("file", file(PASSCODE, 3)),
            ("file-wrong", file("9999", 3)),
            ("file-blocked", file(PASSCODE, 0)),
        ] {
            out.push((format!("{name}-option{option}"), record(&mut card, option)));
        }
    }
    out
}

/// An Observation about the asked patient whose `extension` nests `levels` objects deep.
pub fn deep_json(levels: usize) -> Vec<u8> {
    let mut body = format!(
        "{{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{{\"reference\":\"Patient/{ASKED_NHS_NUMBER}\"}},\"extension\":"
    );
    body.push_str(&"{\"extension\":".repeat(levels));
    body.push_str("{}");
    body.push_str(&"}".repeat(levels));
    body.push('}');
    body.into_bytes()
}

/// The same in XML: `levels` nested `<extension>` elements.
pub fn deep_xml(levels: usize) -> Vec<u8> {
    let mut body = format!(
        "<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/><subject><reference value=\"Patient/{ASKED_NHS_NUMBER}\"/></subject>"
    );
    body.push_str(&"<extension>".repeat(levels));
    body.push_str(&"</extension>".repeat(levels));
    body.push_str("</Observation>");
    body.into_bytes()
}

/// A V&M body rewritten to be about the asked patient: every `Patient/<ten digits>` becomes
/// `Patient/{ASKED_NHS_NUMBER}`.
pub fn about_asked_patient(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("Patient/") {
        let (before, after) = rest.split_at(at + "Patient/".len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 10 {
            out.push_str(ASKED_NHS_NUMBER);
            rest = &after[10..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The variants of a V&M example worth seeding: as published, about the asked patient, and
/// about the asked patient with each category code and basic status swapped for another.
pub fn vandm_variants(body: &str) -> Vec<String> {
    let asked = about_asked_patient(body);
    let mut out = vec![body.to_owned(), asked.clone()];
    for (from, to) in [
        ("\"Y\"", "\"N\""),
        ("\"F\"", "\"A\""),
        ("\"F\"", "\"DECISION_PENDING\""),
        ("value=\"Y\"", "value=\"N\""),
        ("value=\"F\"", "value=\"A\""),
        ("value=\"F\"", "value=\"NONE\""),
    ] {
        if asked.contains(from) {
            out.push(asked.replace(from, to));
        }
    }
    let green = asked
        .replace("\"Y\"", "\"N\"")
        .replace("\"F\"", "\"A\"")
        .replace("value=\"Y\"", "value=\"N\"")
        .replace("value=\"F\"", "value=\"A\"");
    if !out.contains(&green) {
        out.push(green);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_subjects() {
        assert_eq!(
            about_asked_patient("{\"reference\":\"Patient/9900002831\",\"x\":\"Patient/12\"}"),
            format!("{{\"reference\":\"Patient/{ASKED_NHS_NUMBER}\",\"x\":\"Patient/12\"}}")
        );
    }

    #[test]
    fn card_seeds_pass_the_oracle() {
        let seeds = card_conversations();
        assert_eq!(seeds.len(), 56);
        for (name, input) in &seeds {
            crate::card_apdu(input);
            assert!(input.len() > 1, "{name}");
        }
    }
}
