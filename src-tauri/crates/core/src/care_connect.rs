//! A patient by hospital number: the trust's Care Connect FHIR STU3 API, read without I/O.
//!
//! A trust's hospital (PAS) number is checked against the trust's configured
//! [`HospitalNumberPattern`] before anything is sent. The search
//! `GET [base]/Patient?identifier=<system>|<number>` ([`identifier_token`]) answers with a
//! `searchset` Bundle; [`read_search`] turns it into exactly one patient with an NHS number
//! the trust has verified against PDS ([`VERIFIED`], "Number present and verified"), or a
//! precise [`CareConnectError`]: no patient, several, a record no longer in use (inactive or
//! merged), no NHS number, an NHS number not verified (with its status's meaning), or an answer
//! that cannot be vouched for.
//!
//! The body is read with the core's depth-limited FHIR reader ([`crate::fhir::tree::from_json`]):
//! a hostile answer cannot exhaust the stack. Hospital numbers are patient identifiers: their
//! `Debug` is redacted, like NHS numbers', and no error text carries one.

use std::fmt;

use crate::fhir::tree::{self, Element};
use crate::nhs::NhsNumber;

/// The identifier system of the NHS number (CareConnect-Patient-1, slice `nhsNumber`).
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// The NHS number verification status extension, canonical STU3 URL (INTEROPen).
pub const VERIFICATION_EXTENSION: &str =
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1";

/// The verification status code system, canonical STU3 URL.
pub const VERIFICATION_SYSTEM: &str =
    "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1";

/// Extension URLs recognised as the NHS number verification status: the canonical STU3 one,
/// the DSTU2 Care Connect one and GP Connect's.
const VERIFICATION_EXTENSIONS: [&str; 3] = [
    VERIFICATION_EXTENSION,
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1",
];

/// Coding systems recognised for the verification status (the code systems, and the value
/// sets some servers put there instead).
const VERIFICATION_SYSTEMS: [&str; 5] = [
    VERIFICATION_SYSTEM,
    "https://fhir.hl7.org.uk/STU3/ValueSet/CareConnect-NHSNumberVerificationStatus-1",
    "https://fhir.hl7.org.uk/ValueSet/CareConnect-NHSNumberVerificationStatus-1",
    "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1",
    "https://fhir.nhs.uk/STU3/ValueSet/CareConnect-NHSNumberVerificationStatus-1",
];

/// The only verification status accepted: "Number present and verified".
pub const VERIFIED: &str = "01";

/// The longest hospital number pattern accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 32;

/// The meaning of an NHS number verification status code (NHS Data Dictionary "NHS Number
/// Status Indicator Code"), or `None` for a code outside the value set.
pub fn status_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Number present and verified",
        "02" => "Number present but not traced",
        "03" => "Trace required",
        "04" => "Trace attempted - No match or multiple match found",
        "05" => "Trace needs to be resolved - (NHS number or patient detail conflict)",
        "06" => "Trace in progress",
        "07" => "Number not present and trace not required",
        "08" => "Trace postponed (baby under six weeks old)",
        _ => return None,
    })
}

/// What a hospital number looks like at this trust: each `#` is one digit (0–9); every other
/// character stands for itself, letters matched without regard to case. `RRK#######` is `RRK`
/// followed by seven digits.
///
/// A pattern that an NHS number could also match — or one with a digit missing or extra: nine
/// to eleven digit positions with only digits and dashes between them — is refused: a typed NHS
/// number (even mistyped) must never be taken for a hospital number by accident.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HospitalNumberPattern(String);

/// Why a hospital number pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Empty.
    #[error("the pattern is empty")]
    Empty,
    /// Longer than [`MAX_PATTERN_LEN`].
    #[error("the pattern is longer than {MAX_PATTERN_LEN} characters")]
    TooLong,
    /// No `#`: it would match one fixed string only.
    #[error("the pattern has no `#` (a digit)")]
    NoDigit,
    /// A character other than an ASCII letter, digit, `#`, `-` or `/`.
    #[error("the pattern may hold only letters, digits, `#`, `-` and `/`")]
    BadCharacter,
    /// An NHS number, or one with a digit missing or extra, could match it.
    #[error("an NHS number, or one with a digit missing or extra, could match the pattern (9 to 11 digits only)")]
    LooksLikeNhsNumber,
}

impl HospitalNumberPattern {
    /// Checks a pattern (see the type's documentation).
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Err(PatternError::Empty);
        }
        if pattern.chars().count() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong);
        }
        if !pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '#' | '-' | '/'))
        {
            return Err(PatternError::BadCharacter);
        }
        if !pattern.contains('#') {
            return Err(PatternError::NoDigit);
        }
        let digit_positions = pattern
            .chars()
            .filter(|c| *c == '#' || c.is_ascii_digit())
            .count();
        if (9..=11).contains(&digit_positions)
            && pattern
                .chars()
                .all(|c| c == '#' || c == '-' || c.is_ascii_digit())
        {
            return Err(PatternError::LooksLikeNhsNumber);
        }
        Ok(Self(pattern.to_ascii_uppercase()))
    }

    /// The pattern as configured (letters in upper case).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pattern in words: `RRK followed by 7 digits`, or `the form RRK##-### (each # a
    /// digit)` for anything else.
    pub fn describe(&self) -> String {
        let prefix: String = self.0.chars().take_while(|c| *c != '#').collect();
        let rest = &self.0[prefix.len()..];
        if rest.chars().all(|c| c == '#') {
            let n = rest.len();
            let digits = if n == 1 { "digit" } else { "digits" };
            if prefix.is_empty() {
                format!("{n} {digits}")
            } else {
                format!("{prefix} followed by {n} {digits}")
            }
        } else {
            format!("the form {} (each # a digit)", self.0)
        }
    }

    /// Whether `input` (surrounding whitespace ignored) is a hospital number of this form.
    pub fn matches(&self, input: &str) -> bool {
        let input = input.trim();
        input.len() == self.0.len()
            && input.chars().zip(self.0.chars()).all(|(c, p)| match p {
                '#' => c.is_ascii_digit(),
                p => c.to_ascii_uppercase() == p,
            })
    }

    /// Parses a hospital number typed by a user or read from a worklist.
    pub fn parse(&self, input: &str) -> Result<HospitalNumber, HospitalNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(HospitalNumberError::Empty);
        }
        if !self.matches(trimmed) {
            return Err(HospitalNumberError::WrongForm {
                expected: self.describe(),
            });
        }
        Ok(HospitalNumber(trimmed.to_ascii_uppercase()))
    }
}

impl fmt::Debug for HospitalNumberPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HospitalNumberPattern({})", self.0)
    }
}

impl TryFrom<String> for HospitalNumberPattern {
    type Error = PatternError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<HospitalNumberPattern> for String {
    fn from(value: HospitalNumberPattern) -> Self {
        value.0
    }
}

/// A hospital number of this trust's form (letters in upper case). Not `Display`: showing one
/// is an explicit call, and `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct HospitalNumber(String);

impl HospitalNumber {
    /// The number as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HospitalNumber {
    /// Redacted: debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HospitalNumber(***)")
    }
}

/// Why a string is not a hospital number. The messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HospitalNumberError {
    /// Nothing was entered.
    #[error("Enter a hospital number")]
    Empty,
    /// Not of the trust's form.
    #[error("This is not a hospital number of this trust: a hospital number is {expected}")]
    WrongForm {
        /// The form in words ([`HospitalNumberPattern::describe`]).
        expected: String,
    },
}

/// The `identifier` search parameter's value: `<system>|<number>` (the query encoding is the
/// HTTP client's).
pub fn identifier_token(system: &str, number: &HospitalNumber) -> String {
    format!("{system}|{}", number.as_str())
}

/// The one patient a hospital number led to.
#[derive(Clone, PartialEq, Eq)]
pub struct CareConnectPatient {
    /// The NHS number the trust holds, verified (status `01`).
    pub nhs_number: NhsNumber,
    /// The Patient's logical id on the trust's server.
    pub id: Option<String>,
}

impl fmt::Debug for CareConnectPatient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CareConnectPatient(***)")
    }
}

/// Why a hospital number search gives no NHS number to trace. Never carries the hospital
/// number or any NHS number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CareConnectError {
    /// No patient has this hospital number.
    #[error("the trust's patient administration system has no patient with this hospital number")]
    NotFound,
    /// More than one patient has it: none is chosen.
    #[error("{0} patients have this hospital number in the trust's patient administration system, so none is chosen")]
    Several(usize),
    /// The patient's record holds no NHS number.
    #[error("the patient with this hospital number has no NHS number in the trust's records")]
    NoNhsNumber,
    /// The NHS number is not verified (status other than `01`, or none given).
    #[error("the trust's record of this patient's NHS number is not verified ({})", describe_status(.code.as_deref()))]
    Unverified {
        /// The verification status code, when one was given.
        code: Option<String>,
    },
    /// The NHS number held fails the Modulus 11 check.
    #[error("the NHS number in the trust's record of this patient is not a valid NHS number")]
    InvalidNhsNumber,
    /// The record is not in use: `active` is false, or a `link` of type `replaced-by` says
    /// another record replaces it (a merge). Its NHS number is not used.
    #[error("the trust's record for this hospital number is no longer in use (inactive, or merged into another record), so its NHS number is not used")]
    NotInUse,
    /// The one patient returned does not carry the hospital number asked for.
    #[error("the trust's system returned a patient who does not have this hospital number")]
    OtherPatient,
    /// The answer cannot be read or vouched for.
    #[error("the trust's Care Connect service sent an answer that cannot be read ({0})")]
    Unreadable(String),
}

fn describe_status(code: Option<&str>) -> String {
    match code {
        None => "no verification status is recorded".to_owned(),
        Some(c) => match status_meaning(c) {
            Some(meaning) => format!("status {c}: {meaning}"),
            None => format!("status {c}, which is not a known NHS number status"),
        },
    }
}

/// Reads a `Patient?identifier=<system>|<number>` searchset Bundle (FHIR STU3 JSON).
///
/// Exactly one matching Patient must come back (`search.mode` `match`, or none given; the
/// Bundle's `total` and a `next` page are counted too), carrying the hospital number asked for
/// under `system`, in use (not `active: false`, not `replaced-by` another record), with one NHS
/// number whose verification status is [`VERIFIED`].
pub fn read_search(
    body: &[u8],
    system: &str,
    asked: &HospitalNumber,
) -> Result<CareConnectPatient, CareConnectError> {
    let bundle = tree::from_json(body).map_err(|e| CareConnectError::Unreadable(e.to_string()))?;
    if bundle.name != "Bundle" {
        return Err(CareConnectError::Unreadable(format!(
            "a {} where a Bundle was expected",
            safe_name(&bundle.name)
        )));
    }
    if bundle.child_value("type") != Some("searchset") {
        return Err(CareConnectError::Unreadable(
            "a Bundle that is not a searchset".into(),
        ));
    }
    let mut matches = Vec::new();
    for entry in bundle.children_named("entry") {
        let mode = entry.value_at(&["search", "mode"]);
        let resource = entry.child("resource").and_then(Element::inner_resource);
        match (mode, resource) {
            (Some("match") | None, Some(r)) if r.name == "Patient" => matches.push(r),
            (_, Some(r)) if r.name == "OperationOutcome" => {
                let failed = r
                    .children_named("issue")
                    .any(|i| matches!(i.child_value("severity"), Some("error" | "fatal")));
                if failed {
                    return Err(CareConnectError::Unreadable(
                        "the search reported an error".into(),
                    ));
                }
            }
            (Some("match") | None, _) => {
                return Err(CareConnectError::Unreadable(
                    "a search match that is not a Patient".into(),
                ))
            }
            // Included resources (an organisation, a practitioner) are not matches.
            _ => {}
        }
    }
    let total = match bundle.child_value("total") {
        None => None,
        Some(t) => Some(t.parse::<usize>().map_err(|_| {
            CareConnectError::Unreadable("a Bundle total that is not a number".into())
        })?),
    };
    let more_pages = bundle
        .children_named("link")
        .any(|l| l.child_value("relation") == Some("next"));
    let count = matches.len().max(total.unwrap_or(0));
    match (count, more_pages, matches.as_slice()) {
        (0, false, _) => Err(CareConnectError::NotFound),
        (1, false, [patient]) => read_patient(patient, system, asked),
        (1, false, _) => Err(CareConnectError::Unreadable(
            "a Bundle whose total says one patient but holds none".into(),
        )),
        (n, _, _) => Err(CareConnectError::Several(n.max(2))),
    }
}

/// An element name for an error text: resource types only, never data.
fn safe_name(name: &str) -> String {
    if !name.is_empty() && name.len() <= 40 && name.chars().all(|c| c.is_ascii_alphabetic()) {
        name.to_owned()
    } else {
        "resource of another kind".to_owned()
    }
}

fn read_patient(
    patient: &Element,
    system: &str,
    asked: &HospitalNumber,
) -> Result<CareConnectPatient, CareConnectError> {
    let identifiers: Vec<&Element> = patient.children_named("identifier").collect();
    let carries_number = identifiers.iter().any(|i| {
        i.child_value("system") == Some(system)
            && i.child_value("value")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(asked.as_str()))
    });
    if !carries_number {
        return Err(CareConnectError::OtherPatient);
    }
    // A record the trust no longer uses may hold the NHS number that made it a duplicate: only
    // the record that replaced it is vouched for. (`refer`/`seealso` links leave it in use.)
    let merged = patient
        .children_named("link")
        .any(|l| l.child_value("type") == Some("replaced-by"));
    if patient.child_value("active") == Some("false") || merged {
        return Err(CareConnectError::NotInUse);
    }
    let nhs: Vec<&&Element> = identifiers
        .iter()
        .filter(|i| i.child_value("system") == Some(NHS_NUMBER_SYSTEM))
        .collect();
    let nhs_identifier = match nhs.as_slice() {
        [] => return Err(CareConnectError::NoNhsNumber),
        [one] => *one,
        _ => {
            return Err(CareConnectError::Unreadable(
                "a patient with more than one NHS number".into(),
            ))
        }
    };
    let Some(value) = nhs_identifier.child_value("value") else {
        return Err(CareConnectError::NoNhsNumber);
    };
    let mut codes: Vec<&str> = nhs_identifier
        .children_named("extension")
        .filter(|e| {
            e.child_value("url")
                .is_some_and(|u| VERIFICATION_EXTENSIONS.contains(&u))
        })
        .flat_map(|e| {
            e.child("valueCodeableConcept")
                .into_iter()
                .flat_map(|c| c.children_named("coding"))
                .filter(|c| {
                    c.child_value("system")
                        .is_none_or(|s| VERIFICATION_SYSTEMS.contains(&s))
                })
                .filter_map(|c| c.child_value("code"))
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    match codes.as_slice() {
        [] => return Err(CareConnectError::Unverified { code: None }),
        [VERIFIED] => {}
        [other] => {
            return Err(CareConnectError::Unverified {
                code: Some(safe_code(other)),
            })
        }
        _ => {
            return Err(CareConnectError::Unreadable(
                "an NHS number with conflicting verification statuses".into(),
            ))
        }
    }
    let nhs_number = NhsNumber::parse(value).map_err(|_| CareConnectError::InvalidNhsNumber)?;
    Ok(CareConnectPatient {
        nhs_number,
        id: patient.child_value("id").map(str::to_owned),
    })
}

/// What the trust's Care Connect server says of itself (`GET [base]/metadata`), for the
/// doctor's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    /// `software.name`, else `name`.
    pub software: Option<String>,
    /// `fhirVersion` (3.0.x for STU3).
    pub fhir_version: Option<String>,
    /// Whether a server `rest` entry lists `Patient` with the `identifier` search parameter:
    /// the one search V&M Check makes.
    pub searches_patient_by_identifier: bool,
}

/// Reads a CapabilityStatement (FHIR STU3 JSON; DSTU2's `Conformance` too).
pub fn read_capability(body: &[u8]) -> Result<Capability, CareConnectError> {
    let statement =
        tree::from_json(body).map_err(|e| CareConnectError::Unreadable(e.to_string()))?;
    if statement.name != "CapabilityStatement" && statement.name != "Conformance" {
        return Err(CareConnectError::Unreadable(format!(
            "a {} where a CapabilityStatement was expected",
            safe_name(&statement.name)
        )));
    }
    let searches_patient_by_identifier = statement
        .children_named("rest")
        .filter(|r| r.child_value("mode") == Some("server"))
        .flat_map(|r| r.children_named("resource"))
        .filter(|r| r.child_value("type") == Some("Patient"))
        .flat_map(|r| r.children_named("searchParam"))
        .any(|p| p.child_value("name") == Some("identifier"));
    let text = |v: Option<&str>| v.map(|v| v.chars().take(80).collect::<String>());
    Ok(Capability {
        software: text(
            statement
                .value_at(&["software", "name"])
                .or_else(|| statement.child_value("name")),
        ),
        fhir_version: text(statement.child_value("fhirVersion")),
        searches_patient_by_identifier,
    })
}

/// A status code for an error text: a short code as sent, else a placeholder.
fn safe_code(code: &str) -> String {
    if code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        code.to_owned()
    } else {
        "(unreadable)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const SYSTEM: &str = "https://fhir.example-trust.nhs.uk/Id/pas-number";

    fn pattern() -> HospitalNumberPattern {
        HospitalNumberPattern::new("RRK#######").expect("pattern")
    }

    fn asked() -> HospitalNumber {
        pattern().parse("RRK1234567").expect("number")
    }

    fn nhs_identifier(number: &str, code: Option<&str>) -> Value {
        let mut id = json!({ "system": NHS_NUMBER_SYSTEM, "value": number });
        if let Some(code) = code {
            id["extension"] = json!([{
                "url": VERIFICATION_EXTENSION,
                "valueCodeableConcept": { "coding": [{
                    "system": VERIFICATION_SYSTEM, "code": code,
                    "display": status_meaning(code).unwrap_or("?")
                }]}
            }]);
        }
        id
    }

    fn patient(identifiers: Vec<Value>) -> Value {
        json!({
            "resourceType": "Patient",
            "id": "1001",
            "identifier": identifiers,
            "name": [{ "use": "official", "family": "Smith", "given": ["Jane"] }]
        })
    }

    fn local(number: &str) -> Value {
        json!({ "system": SYSTEM, "value": number })
    }

    fn bundle(patients: Vec<Value>) -> Vec<u8> {
        let entries: Vec<Value> = patients
            .into_iter()
            .map(|p| json!({ "fullUrl": "https://x/Patient/1", "resource": p, "search": { "mode": "match" } }))
            .collect();
        json!({
            "resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries
        })
        .to_string()
        .into_bytes()
    }

    fn read(body: &[u8]) -> Result<String, CareConnectError> {
        read_search(body, SYSTEM, &asked()).map(|p| p.nhs_number.as_str().to_owned())
    }

    #[test]
    fn patterns_are_checked_and_described() {
        assert_eq!(pattern().describe(), "RRK followed by 7 digits");
        assert_eq!(
            HospitalNumberPattern::new("rx-####/##")
                .expect("ok")
                .describe(),
            "the form RX-####/## (each # a digit)"
        );
        for (bad, why) in [
            ("", PatternError::Empty),
            ("RRK1234567", PatternError::NoDigit),
            ("RRK ###", PatternError::BadCharacter),
            ("RRK.###", PatternError::BadCharacter),
            ("##########", PatternError::LooksLikeNhsNumber),
            ("943#######", PatternError::LooksLikeNhsNumber),
            ("###-###-####", PatternError::LooksLikeNhsNumber),
            ("R#################################", PatternError::TooLong),
        ] {
            assert_eq!(HospitalNumberPattern::new(bad), Err(why), "{bad}");
        }
        // Nor one digit short or over: a mistyped NHS number is never a hospital number.
        for near in ["#########", "###########", "9##-###-###"] {
            assert_eq!(
                HospitalNumberPattern::new(near),
                Err(PatternError::LooksLikeNhsNumber),
                "{near}"
            );
        }
        // Eight digits, or ten with a letter, are hospital numbers only.
        assert!(HospitalNumberPattern::new("########").is_ok());
        assert!(HospitalNumberPattern::new("############").is_ok());
        assert!(HospitalNumberPattern::new("K##########").is_ok());
    }

    #[test]
    fn hospital_numbers_must_have_the_trusts_form() {
        let p = pattern();
        assert_eq!(p.parse(" rrk1234567 ").expect("ok").as_str(), "RRK1234567");
        assert_eq!(p.parse(""), Err(HospitalNumberError::Empty));
        for bad in [
            "RRK123456",
            "RRK12345678",
            "RRX1234567",
            "RRK12345A7",
            "9434765919",
        ] {
            let e = p.parse(bad).expect_err(bad);
            assert_eq!(
                e.to_string(),
                "This is not a hospital number of this trust: a hospital number is RRK followed by 7 digits"
            );
        }
        assert_eq!(
            format!("{:?}", p.parse("RRK1234567")),
            "Ok(HospitalNumber(***))"
        );
    }

    #[test]
    fn the_token_joins_system_and_number() {
        assert_eq!(
            identifier_token(SYSTEM, &asked()),
            format!("{SYSTEM}|RRK1234567")
        );
    }

    #[test]
    fn one_patient_with_a_verified_nhs_number_is_read() {
        let body = bundle(vec![patient(vec![
            nhs_identifier("9000000009", Some("01")),
            local("RRK1234567"),
        ])]);
        assert_eq!(read(&body), Ok("9000000009".into()));
        let p = read_search(&body, SYSTEM, &asked()).expect("patient");
        assert_eq!(p.id.as_deref(), Some("1001"));
        assert_eq!(format!("{p:?}"), "CareConnectPatient(***)");
    }

    #[test]
    fn the_facts_example_is_read() {
        let body = include_str!("../tests/fixtures/care_connect/example-bundle.json");
        let system = "https://fhir.example-trust.nhs.uk/Id/pas-number";
        let asked = HospitalNumberPattern::new("RX#######")
            .expect("pattern")
            .parse("RX1234567")
            .expect("number");
        let p = read_search(body.as_bytes(), system, &asked).expect("patient");
        assert_eq!(p.nhs_number.as_str(), "9000000009");
    }

    #[test]
    fn no_patient_is_not_found() {
        assert_eq!(read(&bundle(vec![])), Err(CareConnectError::NotFound));
        let no_entry = json!({"resourceType": "Bundle", "type": "searchset", "total": 0});
        assert_eq!(
            read(no_entry.to_string().as_bytes()),
            Err(CareConnectError::NotFound)
        );
    }

    #[test]
    fn several_patients_are_never_chosen_between() {
        let one = patient(vec![
            nhs_identifier("9000000009", Some("01")),
            local("RRK1234567"),
        ]);
        let two = patient(vec![
            nhs_identifier("9000000017", Some("01")),
            local("RRK1234567"),
        ]);
        assert_eq!(
            read(&bundle(vec![one.clone(), two])),
            Err(CareConnectError::Several(2))
        );
        // One entry on this page, but the total (or a next page) says there are more.
        let mut paged: Value = serde_json::from_slice(&bundle(vec![one.clone()])).expect("json");
        paged["total"] = json!(3);
        assert_eq!(
            read(paged.to_string().as_bytes()),
            Err(CareConnectError::Several(3))
        );
        let mut next: Value = serde_json::from_slice(&bundle(vec![one])).expect("json");
        next["link"] = json!([{ "relation": "next", "url": "https://x/Patient?page=2" }]);
        assert_eq!(
            read(next.to_string().as_bytes()),
            Err(CareConnectError::Several(2))
        );
    }

    #[test]
    fn a_patient_without_an_nhs_number_is_refused() {
        let body = bundle(vec![patient(vec![local("RRK1234567")])]);
        assert_eq!(read(&body), Err(CareConnectError::NoNhsNumber));
    }

    #[test]
    fn an_unverified_nhs_number_is_refused_with_its_meaning() {
        for code in ["02", "03", "04", "05", "06", "07", "08"] {
            let body = bundle(vec![patient(vec![
                nhs_identifier("9000000009", Some(code)),
                local("RRK1234567"),
            ])]);
            let e = read(&body).expect_err(code);
            assert_eq!(
                e,
                CareConnectError::Unverified {
                    code: Some(code.into())
                }
            );
            assert!(
                e.to_string().contains(status_meaning(code).expect("known")),
                "{e}"
            );
        }
        let missing = bundle(vec![patient(vec![
            nhs_identifier("9000000009", None),
            local("RRK1234567"),
        ])]);
        let e = read(&missing).expect_err("no status");
        assert_eq!(e, CareConnectError::Unverified { code: None });
        assert!(e.to_string().contains("no verification status is recorded"));
        let unknown = bundle(vec![patient(vec![
            nhs_identifier("9000000009", Some("99")),
            local("RRK1234567"),
        ])]);
        assert!(read(&unknown)
            .expect_err("unknown")
            .to_string()
            .contains("status 99, which is not a known NHS number status"));
    }

    #[test]
    fn other_verification_urls_are_recognised_and_conflicts_refused() {
        let mut id = nhs_identifier("9000000009", Some("01"));
        id["extension"][0]["url"] = json!("https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1");
        id["extension"][0]["valueCodeableConcept"]["coding"][0]["system"] =
            json!("https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1");
        let body = bundle(vec![patient(vec![id.clone(), local("RRK1234567")])]);
        assert_eq!(read(&body), Ok("9000000009".into()));
        // An extension of another kind carrying "01" verifies nothing.
        let mut other = id.clone();
        other["extension"][0]["url"] = json!("https://example.org/some-other-extension");
        let body = bundle(vec![patient(vec![other, local("RRK1234567")])]);
        assert_eq!(
            read(&body),
            Err(CareConnectError::Unverified { code: None })
        );
        // Two statuses that disagree.
        let mut both = id;
        let second = nhs_identifier("9000000009", Some("02"))["extension"][0].clone();
        both["extension"]
            .as_array_mut()
            .expect("array")
            .push(second);
        let body = bundle(vec![patient(vec![both, local("RRK1234567")])]);
        assert!(matches!(read(&body), Err(CareConnectError::Unreadable(_))));
    }

    #[test]
    fn an_invalid_or_doubled_nhs_number_is_refused() {
        let body = bundle(vec![patient(vec![
            nhs_identifier("9000000008", Some("01")),
            local("RRK1234567"),
        ])]);
        assert_eq!(read(&body), Err(CareConnectError::InvalidNhsNumber));
        let body = bundle(vec![patient(vec![
            nhs_identifier("9000000009", Some("01")),
            nhs_identifier("9000000017", Some("01")),
            local("RRK1234567"),
        ])]);
        assert!(matches!(read(&body), Err(CareConnectError::Unreadable(_))));
    }

    #[test]
    fn a_capability_statement_says_whether_patients_are_searched_by_identifier() {
        let statement = |mode: &str, kind: &str, param: &str| {
            json!({
                "resourceType": "CapabilityStatement",
                "name": "Trust PAS",
                "software": { "name": "PAS FHIR Facade" },
                "fhirVersion": "3.0.1",
                "rest": [{ "mode": mode, "resource": [
                    { "type": "Organization", "searchParam": [{ "name": "identifier" }] },
                    { "type": kind, "searchParam": [{ "name": "family" }, { "name": param }] }
                ]}]
            })
            .to_string()
            .into_bytes()
        };
        let full = read_capability(&statement("server", "Patient", "identifier")).expect("ok");
        assert_eq!(
            full,
            Capability {
                software: Some("PAS FHIR Facade".into()),
                fhir_version: Some("3.0.1".into()),
                searches_patient_by_identifier: true,
            }
        );
        for (mode, kind, param) in [
            ("client", "Patient", "identifier"),
            ("server", "Practitioner", "identifier"),
            ("server", "Patient", "birthdate"),
        ] {
            let read = read_capability(&statement(mode, kind, param)).expect("ok");
            assert!(
                !read.searches_patient_by_identifier,
                "{mode} {kind} {param}"
            );
        }
        // DSTU2's name for it, and a statement naming no software.
        let dstu2 =
            json!({ "resourceType": "Conformance", "name": "Old PAS", "fhirVersion": "1.0.2" });
        let read = read_capability(dstu2.to_string().as_bytes()).expect("ok");
        assert_eq!(read.software.as_deref(), Some("Old PAS"));
        assert_eq!(read.fhir_version.as_deref(), Some("1.0.2"));
        assert!(!read.searches_patient_by_identifier);
        let bare = read_capability(br#"{"resourceType":"CapabilityStatement"}"#).expect("ok");
        assert_eq!((bare.software, bare.fhir_version), (None, None));
        // Anything else is unreadable, naming only the resource type.
        for body in [
            br#"{"resourceType":"OperationOutcome","issue":[]}"#.to_vec(),
            br#"{"resourceType":"Bundle","type":"searchset"}"#.to_vec(),
            b"<html>".to_vec(),
        ] {
            assert!(
                matches!(read_capability(&body), Err(CareConnectError::Unreadable(_))),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
        let long = format!(
            r#"{{"resourceType":"CapabilityStatement","software":{{"name":"{}"}}}}"#,
            "x".repeat(500)
        );
        let read = read_capability(long.as_bytes()).expect("ok");
        assert_eq!(
            read.software.map(|s| s.len()),
            Some(80),
            "shown in a line, so cut"
        );
    }

    #[test]
    fn a_record_no_longer_in_use_is_refused() {
        let record = || {
            patient(vec![
                nhs_identifier("9000000009", Some("01")),
                local("RRK1234567"),
            ])
        };
        let with = |field: &str, value: Value| {
            let mut p = record();
            p[field] = value;
            bundle(vec![p])
        };
        let merged = json!([{ "other": { "reference": "Patient/1002" }, "type": "replaced-by" }]);
        assert_eq!(
            read(&with("active", json!(false))),
            Err(CareConnectError::NotInUse)
        );
        assert_eq!(read(&with("link", merged)), Err(CareConnectError::NotInUse));
        // In use: active, or linked only for reference.
        assert_eq!(read(&with("active", json!(true))), Ok("9000000009".into()));
        for kind in ["refer", "seealso", "replaces"] {
            let link = json!([{ "other": { "reference": "Patient/1002" }, "type": kind }]);
            assert_eq!(read(&with("link", link)), Ok("9000000009".into()), "{kind}");
        }
        let text = CareConnectError::NotInUse.to_string();
        assert!(
            text.contains("no longer in use") && text.contains("merged"),
            "{text}"
        );
    }

    #[test]
    fn a_patient_without_the_number_asked_for_is_refused() {
        for other in [
            local("RRK7654321"),
            json!({ "system": "https://another.example/Id/pas", "value": "RRK1234567" }),
        ] {
            let body = bundle(vec![patient(vec![
                nhs_identifier("9000000009", Some("01")),
                other,
            ])]);
            assert_eq!(read(&body), Err(CareConnectError::OtherPatient));
        }
    }

    #[test]
    fn unreadable_answers_are_errors_that_name_no_data() {
        let deep = format!(
            "{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"x\":{}1{}}}",
            "{\"a\":".repeat(100),
            "}".repeat(100)
        );
        let outcome_error = json!({
            "resourceType": "Bundle", "type": "searchset", "total": 0,
            "entry": [{ "resource": { "resourceType": "OperationOutcome",
                "issue": [{ "severity": "error", "code": "processing" }] },
                "search": { "mode": "outcome" } }]
        });
        for body in [
            b"".to_vec(),
            b"<html>Bad gateway</html>".to_vec(),
            b"[]".to_vec(),
            json!({"resourceType": "Patient", "id": "1"}).to_string().into_bytes(),
            json!({"resourceType": "Bundle", "type": "collection"}).to_string().into_bytes(),
            json!({"resourceType": "Bundle", "type": "searchset", "total": "one"}).to_string().into_bytes(),
            json!({"resourceType": "Bundle", "type": "searchset", "total": 1}).to_string().into_bytes(),
            json!({"resourceType": "Bundle", "type": "searchset",
                   "entry": [{"resource": {"resourceType": "Observation"}, "search": {"mode": "match"}}]})
                .to_string().into_bytes(),
            outcome_error.to_string().into_bytes(),
            deep.into_bytes(),
        ] {
            let e = read(&body).expect_err("unreadable");
            assert!(matches!(e, CareConnectError::Unreadable(_)), "{e:?}");
            assert!(!e.to_string().contains("RRK"), "{e}");
        }
    }

    #[test]
    fn included_resources_are_not_matches() {
        let body = json!({
            "resourceType": "Bundle", "type": "searchset", "total": 1,
            "entry": [
                { "resource": patient(vec![nhs_identifier("9000000009", Some("01")), local("RRK1234567")]),
                  "search": { "mode": "match" } },
                { "resource": { "resourceType": "Organization", "id": "o1" }, "search": { "mode": "include" } },
                { "resource": { "resourceType": "OperationOutcome",
                    "issue": [{ "severity": "information", "code": "informational" }] },
                  "search": { "mode": "outcome" } }
            ]
        });
        assert_eq!(read(body.to_string().as_bytes()), Ok("9000000009".into()));
    }

    #[test]
    fn only_status_01_means_present_and_verified() {
        assert_eq!(
            status_meaning(VERIFIED),
            Some("Number present and verified")
        );
        assert_eq!(status_meaning("02"), Some("Number present but not traced"));
        assert_eq!(status_meaning("09"), None);
    }

    #[test]
    fn a_pattern_is_kept_in_upper_case_and_shown_as_configured() {
        let p = HospitalNumberPattern::new("rrk###").expect("pattern");
        assert_eq!(p.as_str(), "RRK###");
        assert_eq!(format!("{p:?}"), "HospitalNumberPattern(RRK###)");
        assert_eq!(String::from(p), "RRK###");
    }

    #[test]
    fn error_texts_name_only_short_codes_and_resource_types() {
        assert_eq!(safe_code("02"), "02");
        assert_eq!(safe_code("12345678"), "12345678");
        assert_eq!(safe_code("123456789"), "(unreadable)");
        assert_eq!(safe_code("0 2"), "(unreadable)");
        assert_eq!(safe_name("Practitioner"), "Practitioner");
        assert_eq!(safe_name(&"A".repeat(40)), "A".repeat(40));
        for unsafe_name in [
            String::new(),
            "A".repeat(41),
            "Smith 1".into(),
            "9434765919".into(),
        ] {
            assert_eq!(safe_name(&unsafe_name), "resource of another kind");
        }
    }
}
