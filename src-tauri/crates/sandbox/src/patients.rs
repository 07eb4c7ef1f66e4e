//! The sandbox's test patients: who PDS knows and how it answers for them, what the V&M service
//! holds for them, which fault (if any) their V&M search suffers, and what V&M Check is expected
//! to show.
//!
//! Every row of the banner safety table has a patient, as do the answers around it: no record,
//! patient not found, restricted, superseded, invalidated, unknown to PDS, deceased, PDS refusing
//! (429, 408), and one V&M fault each. NHS numbers are valid Modulus 11 numbers in the
//! `999 000 xxxx` range, which is not issued to real people.
//!
//! [`Expected`] is computed, never typed: the status a patient's Observation carries is rendered
//! exactly as the V&M server sends it, read back with the core's reader and classified with
//! [`vmcheck_core::classify`], so the list can never disagree with the engine. It deliberately
//! holds no real person's data, and nothing here is logged.

use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;
use vmcheck_core::fhir::{parse_search_body, write, BodyError, SearchBody, WireFormat};
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::pds::PersonName;
use vmcheck_core::time::CalendarDate;
use vmcheck_core::{assess, Banner};

use crate::faults::Fault;
use crate::vandm;

/// What V&M Check should show for a patient, end to end (trace, then status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// `status` (a banner from an Observation), `no_record` (the grey no-record banner) or
    /// `error` (no banner).
    pub outcome: &'static str,
    /// `red` | `green` | `amber` | `grey`, when there is a banner.
    pub banner: Option<&'static str>,
    /// The banner's headline, as the core words it.
    pub headline: Option<&'static str>,
    /// The error: a PDS code (`RESOURCE_NOT_FOUND`, `INVALIDATED_RESOURCE`,
    /// `TOO_MANY_REQUESTS`, `UNABLE_TO_CALL_SERVICE`), a Spine code (`PATIENT_NOT_FOUND`) or a
    /// code V&M Check reports for a fault (`SPINE_HTTP_ERROR`, …).
    pub error_code: Option<&'static str>,
}

impl Expected {
    fn banner(outcome: &'static str, banner: Banner) -> Self {
        Self {
            outcome,
            banner: Some(banner.colour.as_str()),
            headline: Some(banner.headline()),
            error_code: None,
        }
    }

    fn error(code: &'static str) -> Self {
        Self {
            outcome: "error",
            banner: None,
            headline: None,
            error_code: Some(code),
        }
    }
}

/// A patient's usual name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// Title (`Mrs`).
    pub prefix: &'static str,
    /// Given names.
    pub given: &'static [&'static str],
    /// Family name.
    pub family: &'static str,
}

impl Name {
    /// `TAYLOR, Mary (Miss)`, as Spine displays a subject (the core's convention).
    pub fn display(&self) -> String {
        PersonName {
            prefix: vec![self.prefix.to_owned()],
            given: self.given.iter().map(|g| (*g).to_owned()).collect(),
            family: Some(self.family.to_owned()),
        }
        .display()
    }
}

/// How PDS answers `GET Patient/{nhs}` for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PdsBehaviour {
    /// 200 with the record.
    Found,
    /// 200 with the record of `TestPatient::superseded_by` (whose `id` differs).
    Superseded,
    /// 404 INVALIDATED_RESOURCE; never returned by searches.
    Invalidated,
    /// 404 RESOURCE_NOT_FOUND: PDS has no such patient.
    NotFound,
    /// 429 TOO_MANY_REQUESTS with `Retry-After`.
    TooManyRequests {
        /// The `Retry-After` value, seconds.
        retry_after_secs: u32,
    },
    /// 408 UNABLE_TO_CALL_SERVICE.
    Timeout,
}

/// One component's value as the V&M service sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Component {
    /// The component is not sent.
    Absent,
    /// Sent with this code from the component's value set (or an unknown one, such as `G`).
    Code(&'static str),
    /// Sent with a `valueCodeableConcept` holding only text, no coding.
    MissingCoding,
}

/// How a status answer departs from the published shape (a hostile or broken Spine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "nhs_number", rename_all = "snake_case")]
pub enum RecordShape {
    /// One Observation, as published.
    Single,
    /// The same Observation twice in the Bundle (two status records).
    Twice,
    /// The category component's code filed under another code system.
    CategoryMisfiled,
    /// The Observation's subject is another patient (this NHS number).
    AboutAnotherPatient(&'static str),
}

/// What the V&M service holds for a patient with a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VandmRecord {
    /// `Observation.status` (`final` as published).
    pub record_status: &'static str,
    /// The basic chargeable status (Y/N/U).
    pub basic: Component,
    /// The category (NONE, DECISION_PENDING, A–F).
    pub category: Component,
    /// `effectiveDateTime`: the latest Home Office or OVM update.
    pub effective: &'static str,
    /// `meta.versionId`.
    pub version_id: &'static str,
    /// How the answer departs from the published shape.
    pub shape: RecordShape,
}

/// How the V&M service answers a valid search for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VandmBehaviour {
    /// 200, a Bundle with the status Observation.
    Status(VandmRecord),
    /// 200, a Bundle with the NO_RECORD_FOUND OperationOutcome.
    NoRecord,
    /// 404 PATIENT_NOT_FOUND.
    NotFound,
}

/// One test patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestPatient {
    /// The NHS number (ten digits).
    pub nhs_number: &'static str,
    /// What the case is, in plain words.
    pub case: &'static str,
    /// What V&M Check should show.
    pub expected: Expected,
    /// Usual name (`None`: PDS holds no record).
    pub name: Option<Name>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<&'static str>,
    /// `male` | `female` | `other` | `unknown`.
    pub gender: Option<&'static str>,
    /// Home address lines (withheld from PDS answers when restricted).
    pub address: &'static [&'static str],
    /// Postcode (withheld when restricted).
    pub postcode: Option<&'static str>,
    /// PDS `meta.security` R: address withheld, never found by a search with a postcode.
    pub restricted: bool,
    /// `deceasedDateTime`.
    pub deceased: Option<&'static str>,
    /// The day the name's and address's PDS periods ended (`None`: both still current).
    pub details_ended: Option<&'static str>,
    /// The number that replaced this one (PDS answers with that record).
    pub superseded_by: Option<&'static str>,
    /// PDS `meta.versionId`.
    pub pds_version: &'static str,
    /// How PDS answers a retrieve.
    pub pds: PdsBehaviour,
    /// How the V&M service answers a valid search.
    pub vandm: VandmBehaviour,
    /// A fault on this patient's V&M search.
    pub fault: Option<Fault>,
}

impl TestPatient {
    /// A patient PDS knows, with no V&M record yet (builders below add one).
    #[allow(
        clippy::too_many_arguments,
        reason = "a table row: every argument is one column"
    )]
    fn person(
        nhs_number: &'static str,
        case: &'static str,
        prefix: &'static str,
        given: &'static [&'static str],
        family: &'static str,
        birth_date: &'static str,
        gender: &'static str,
        address: &'static [&'static str],
        postcode: &'static str,
    ) -> Self {
        Self {
            nhs_number,
            case,
            expected: Expected::error("UNCOMPUTED"),
            name: Some(Name {
                prefix,
                given,
                family,
            }),
            birth_date: Some(birth_date),
            gender: Some(gender),
            address,
            postcode: Some(postcode),
            restricted: false,
            deceased: None,
            details_ended: None,
            superseded_by: None,
            pds_version: "2",
            pds: PdsBehaviour::Found,
            vandm: VandmBehaviour::NoRecord,
            fault: None,
        }
    }

    /// A number PDS has no patient for.
    fn unknown(nhs_number: &'static str, case: &'static str, pds: PdsBehaviour) -> Self {
        Self {
            nhs_number,
            case,
            expected: Expected::error("UNCOMPUTED"),
            name: None,
            birth_date: None,
            gender: None,
            address: &[],
            postcode: None,
            restricted: false,
            deceased: None,
            details_ended: None,
            superseded_by: None,
            pds_version: "1",
            pds,
            vandm: VandmBehaviour::NotFound,
            fault: None,
        }
    }

    fn status(
        mut self,
        basic: Component,
        category: Component,
        effective: &'static str,
        version_id: &'static str,
    ) -> Self {
        self.vandm = VandmBehaviour::Status(VandmRecord {
            record_status: "final",
            basic,
            category,
            effective,
            version_id,
            shape: RecordShape::Single,
        });
        self
    }

    /// Changes the status record's `Observation.status` (after [`Self::status`]).
    fn record_status(mut self, record_status: &'static str) -> Self {
        if let VandmBehaviour::Status(r) = &mut self.vandm {
            r.record_status = record_status;
        }
        self
    }

    /// Changes the status answer's shape (after [`Self::status`]).
    fn shape(mut self, shape: RecordShape) -> Self {
        if let VandmBehaviour::Status(r) = &mut self.vandm {
            r.shape = shape;
        }
        self
    }

    fn vandm(mut self, vandm: VandmBehaviour) -> Self {
        self.vandm = vandm;
        self
    }

    fn pds(mut self, pds: PdsBehaviour) -> Self {
        self.pds = pds;
        self
    }

    fn restricted(mut self) -> Self {
        self.restricted = true;
        self
    }

    fn deceased(mut self, when: &'static str) -> Self {
        self.deceased = Some(when);
        self
    }

    fn details_ended(mut self, when: &'static str) -> Self {
        self.details_ended = Some(when);
        self
    }

    fn without_birth_date(mut self) -> Self {
        self.birth_date = None;
        self
    }

    fn superseded_by(mut self, new: &'static str) -> Self {
        self.superseded_by = Some(new);
        self.pds = PdsBehaviour::Superseded;
        self.vandm = VandmBehaviour::NotFound;
        self
    }

    fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    fn version(mut self, v: &'static str) -> Self {
        self.pds_version = v;
        self
    }

    /// Whether PDS returns this patient in searches (it holds a live record under this number).
    pub fn searchable(&self) -> bool {
        self.name.is_some()
            && matches!(
                self.pds,
                PdsBehaviour::Found | PdsBehaviour::TooManyRequests { .. } | PdsBehaviour::Timeout
            )
    }
}

use Component::{Absent, Code, MissingCoding};

#[rustfmt::skip]
fn table() -> Vec<TestPatient> {
    let p = TestPatient::person;
    vec![
        // --- Red ---------------------------------------------------------------------------
        p("9990000018", "Chargeable non-EEA (Y + F), updated recently", "Miss", &["Mary"], "Taylor",
          "1998-02-11", "female", &["14 Rosebery Avenue", "Beeston", "Leeds"], "LS11 6AD")
            .status(Code("Y"), Code("F"), "2026-02-03T10:15:00+00:00", "4"),
        p("9990000026", "Chargeable EEA (Y + D)", "Mr", &["Luca"], "Rossi",
          "1988-07-14", "male", &["Flat 3", "22 Albion Street", "Leeds"], "LS1 6AG")
            .status(Code("Y"), Code("D"), "2019-05-20T09:30:00+00:00", "2"),
        p("9990000034", "Likely chargeable: basic status Y, no category", "Mr", &["Oluwaseun"], "Adeyemi",
          "1979-03-02", "male", &["7 Harrow Road", "London"], "W2 5EQ")
            .status(Code("Y"), Absent, "2017-11-08T14:02:00+00:00", "1"),
        // --- Green -------------------------------------------------------------------------
        p("9990000042", "Not chargeable: standard NHS (N + A)", "Mrs", &["Margaret", "Anne"], "O'Brien",
          "1951-12-09", "female", &["41 Station Road", "Horfield", "Bristol"], "BS7 8PQ")
            .status(Code("N"), Code("A"), "2016-03-14T11:45:00+00:00", "1"),
        p("9990000050", "Not chargeable: surcharge payee (N + B)", "Dr", &["Priya"], "Sharma",
          "1985-06-30", "female", &["18 Wellington Crescent", "Leicester"], "LE2 1HT")
            .status(Code("N"), Code("B"), "2021-09-01T08:00:00+00:00", "3"),
        p("9990000077", "Not chargeable: EHIC/PRC/S2 (N + C)", "Mr", &["Tomasz"], "Nowak",
          "1992-02-17", "male", &["Flat 12, Crown Court", "Lincoln Road", "Peterborough"], "PE1 2TZ")
            .status(Code("N"), Code("C"), "2018-07-23T16:20:00+00:00", "2"),
        p("9990000085", "Not chargeable: exempt overseas visitor (N + E)", "Mr", &["Kwame"], "Mensah",
          "1975-10-05", "male", &["56 Moss Lane East", "Manchester"], "M16 7BW")
            .status(Code("N"), Code("E"), "2022-01-10T13:05:00+00:00", "1"),
        p("9990000093", "Not chargeable, surcharge paid or exempt: basic N, no category", "Ms", &["Wei"], "Chen",
          "1996-04-11", "female", &["Room 4", "9 Oxford Place", "Manchester"], "M14 5RG")
            .status(Code("N"), Absent, "2020-01-15T10:00:00+00:00", "1"),
        // --- Amber -------------------------------------------------------------------------
        p("9990000107", "Decision pending (U + DECISION_PENDING)", "Mrs", &["Fatima"], "Hussain",
          "1983-08-22", "female", &["112 Ladypool Road", "Birmingham"], "B12 8JY")
            .status(Code("U"), Code("DECISION_PENDING"), "2025-11-28T15:40:00+00:00", "2"),
        p("9990000115", "Conflicting: chargeable with an exempt category (Y + B)", "Mr", &["James"], "Wilson",
          "1969-01-27", "male", &["23 Shields Road", "Byker", "Newcastle upon Tyne"], "NE6 1DL")
            .status(Code("Y"), Code("B"), "2019-02-11T09:12:00+00:00", "5"),
        p("9990000123", "Conflicting: not chargeable with a chargeable category (N + D)", "Ms", &["Ana"], "Silva",
          "1990-09-13", "female", &["30 Albert Road", "Southsea", "Portsmouth"], "PO5 2SE")
            .status(Code("N"), Code("D"), "2022-06-07T12:30:00+00:00", "2"),
        p("9990000131", "Category recorded, basic status unset (U + C)", "Mr", &["Jean-Pierre"], "Dubois",
          "1958-05-04", "male", &["8 Marine Parade", "Brighton"], "BN2 1TL")
            .status(Code("U"), Code("C"), "2017-04-19T10:10:00+00:00", "1"),
        p("9990000174", "Status withdrawn: chargeable, category NONE (Y + NONE)", "Mr", &["Ahmed"], "Khan",
          "1981-11-30", "male", &["64 Toller Lane", "Bradford"], "BD8 9BX")
            .status(Code("Y"), Code("NONE"), "2023-03-22T14:50:00+00:00", "3"),
        p("9990000182", "Status withdrawn: not chargeable, category NONE (N + NONE)", "Mrs", &["Grace"], "Okafor",
          "1973-02-08", "female", &["15 Choumert Road", "Peckham", "London"], "SE15 4AR")
            .status(Code("N"), Code("NONE"), "2018-12-05T11:25:00+00:00", "2"),
        p("9990000190", "Unrecognised category code (Y + G, not in the value set)", "Mr", &["Oliver"], "Brown",
          "1999-07-07", "male", &["27 Ecclesall Road", "Sheffield"], "S11 8HY")
            .status(Code("Y"), Code("G"), "2024-05-16T09:00:00+00:00", "1"),
        p("9990000204", "Category component without a coding (basic Y, category text only)", "Mrs", &["Sarah"], "Thompson",
          "1962-03-29", "female", &["5 Huntington Road", "York"], "YO31 8RL")
            .status(Code("Y"), MissingCoding, "2020-08-12T15:15:00+00:00", "2"),
        // --- Grey --------------------------------------------------------------------------
        p("9990000158", "No status determined: basic U, no category", "Miss", &["Emily"], "Taylor",
          "2001-12-24", "female", &["19 Unthank Road", "Norwich"], "NR2 2PA")
            .status(Code("U"), Absent, "2016-10-10T10:30:00+00:00", "1"),
        p("9990000166", "No status determined: U + NONE", "Mr", &["Dafydd"], "Jones",
          "1947-06-18", "male", &["3 Hoole Road", "Chester"], "CH2 3NH")
            .status(Code("U"), Code("NONE"), "2015-08-03T08:45:00+00:00", "2"),
        p("9990000212", "No V&M record (200 with NO_RECORD_FOUND)", "Mr", &["David"], "Evans",
          "1955-09-01", "male", &["72 Pennsylvania Road", "Exeter"], "EX4 6DH")
            .vandm(VandmBehaviour::NoRecord),
        // --- Around the banner -------------------------------------------------------------
        p("9990000220", "PDS knows the patient, the V&M service does not (404 PATIENT_NOT_FOUND)", "Ms", &["Chloe"], "Wright",
          "2003-05-19", "female", &["11 Derby Road", "Nottingham"], "NG7 1LR")
            .vandm(VandmBehaviour::NotFound),
        p("9990000239", "Restricted (sensitive) record: no address from PDS; not chargeable (N + A)", "Ms", &["Hannah"], "Green",
          "1987-10-26", "female", &["4 Orchard Way", "Worcester"], "WR5 3DA")
            .restricted()
            .status(Code("N"), Code("A"), "2021-04-30T10:00:00+00:00", "1"),
        p("9990000247", "Superseded number: PDS answers with 999 000 0255, which has the status; the V&M service does not know this number", "Mrs", &["Elizabeth"], "Hughes",
          "1977-04-12", "female", &["48 Allerton Road", "Liverpool"], "L18 1LN")
            .superseded_by("9990000255"),
        p("9990000255", "The record that replaced 999 000 0247: chargeable non-EEA (Y + F)", "Mrs", &["Elizabeth"], "Hughes",
          "1977-04-12", "female", &["48 Allerton Road", "Liverpool"], "L18 1LN")
            .version("3")
            .status(Code("Y"), Code("F"), "2020-10-30T13:20:00+00:00", "2"),
        TestPatient::unknown("9990000263", "Invalidated number (PDS 404 INVALIDATED_RESOURCE)", PdsBehaviour::Invalidated),
        TestPatient::unknown("9990000271", "A valid number PDS does not know (404 RESOURCE_NOT_FOUND)", PdsBehaviour::NotFound),
        p("9990000298", "Deceased patient with a status: chargeable non-EEA (Y + F)", "Mr", &["Arthur"], "Bennett",
          "1938-02-14", "male", &["9 Carlton Crescent", "Southampton"], "SO15 2EZ")
            .deceased("2025-12-30T08:20:00+00:00")
            .status(Code("Y"), Code("F"), "2025-12-02T11:00:00+00:00", "2"),
        p("9990000301", "PDS rate-limits the trace (429 TOO_MANY_REQUESTS, Retry-After 2)", "Mrs", &["Joanne"], "Walker",
          "1980-01-31", "female", &["21 Far Gosford Street", "Coventry"], "CV1 5DZ")
            .pds(PdsBehaviour::TooManyRequests { retry_after_secs: 2 })
            .status(Code("N"), Absent, "2019-09-09T09:09:00+00:00", "1"),
        p("9990000328", "PDS times out downstream (408 UNABLE_TO_CALL_SERVICE)", "Mr", &["Samuel"], "Roberts",
          "1994-06-25", "male", &["40 Oxford Road", "Reading"], "RG1 7LH")
            .pds(PdsBehaviour::Timeout)
            .status(Code("N"), Code("A"), "2018-03-03T10:00:00+00:00", "1"),
        // --- V&M faults --------------------------------------------------------------------
        p("9990000336", "V&M search answered by a proxy's HTML 502 page", "Mrs", &["Zainab"], "Ali",
          "1986-12-03", "female", &["17 Dunstable Road", "Luton"], "LU1 1EA")
            .status(Code("Y"), Code("F"), "2021-07-21T10:00:00+00:00", "1")
            .fault(Fault::HtmlBadGateway),
        p("9990000344", "V&M answer cut short (Content-Length promises more than is sent)", "Mr", &["George"], "Harris",
          "1965-08-16", "male", &["2 Mutley Plain", "Plymouth"], "PL4 6LE")
            .status(Code("N"), Code("A"), "2017-02-02T10:00:00+00:00", "1")
            .fault(Fault::TruncatedBody),
        p("9990000352", "V&M answer labelled text/plain", "Ms", &["Katarzyna"], "Kowalska",
          "1991-03-08", "female", &["88 Stoke Road", "Slough"], "SL2 5AW")
            .status(Code("N"), Code("C"), "2019-11-11T10:00:00+00:00", "1")
            .fault(Fault::WrongContentType),
        p("9990000360", "V&M connection reset before any answer", "Mr", &["Ryan"], "Mitchell",
          "1998-11-11", "male", &["131 Newland Avenue", "Hull"], "HU5 2ES")
            .status(Code("U"), Absent, "2016-06-06T10:00:00+00:00", "1")
            .fault(Fault::ConnectionReset),
        p("9990000379", "V&M answers a plain-text 500 Internal Server Error", "Mrs", &["Patricia"], "Cooper",
          "1949-07-21", "female", &["6 Widcombe Hill", "Bath"], "BA2 6AA")
            .status(Code("N"), Code("A"), "2015-05-05T10:00:00+00:00", "1")
            .fault(Fault::Status500),
        p("9990000387", "V&M answer trickles in (slow drip, about 1 s) but is complete: not chargeable (N + B)", "Mr", &["Daniel"], "Morgan",
          "1982-09-09", "male", &["25 Mill Road", "Cambridge"], "CB1 2AD")
            .status(Code("N"), Code("B"), "2023-10-02T10:00:00+00:00", "2")
            .fault(Fault::SlowDrip(Duration::from_millis(150))),
        // --- answers that cannot be vouched for -------------------------------------------
        p("9990000395", "V&M record not final (Observation.status preliminary): amber, never green", "Mrs", &["Fatima"], "Begum",
          "1988-02-14", "female", &["9 Soho Road", "Birmingham"], "B21 9SN")
            .status(Code("N"), Code("A"), "2024-02-02T10:00:00+00:00", "1")
            .record_status("preliminary"),
        p("9990000409", "V&M record entered in error: no status is shown", "Mr", &["Luca"], "Bianchi",
          "1979-10-30", "male", &["14 Ancoats Street", "Manchester"], "M4 5AB")
            .status(Code("Y"), Code("F"), "2023-03-03T10:00:00+00:00", "2")
            .record_status("entered-in-error"),
        p("9990000417", "Spine returns two status records: neither is shown", "Ms", &["Amara"], "Okafor",
          "1996-05-19", "female", &["3 Peckham High Street", "London"], "SE15 5EB")
            .status(Code("N"), Code("A"), "2024-04-04T10:00:00+00:00", "1")
            .shape(RecordShape::Twice),
        p("9990000425", "V&M record last updated in the future: shown with a warning", "Mr", &["Tomasz"], "Nowak",
          "1985-12-12", "male", &["77 London Road", "Peterborough"], "PE2 8AN")
            .status(Code("N"), Code("B"), "2099-01-01T10:00:00+00:00", "1"),
        p("9990000433", "V&M category filed under another code system: amber, never green", "Mrs", &["Grace"], "Mensah",
          "1972-08-08", "female", &["20 Chapeltown Road", "Leeds"], "LS7 3AP")
            .status(Code("N"), Code("F"), "2022-06-06T10:00:00+00:00", "1")
            .shape(RecordShape::CategoryMisfiled),
        p("9990000441", "Spine returns another patient's status: nothing is shown", "Mr", &["Henry"], "Fletcher",
          "1960-04-04", "male", &["8 Castle Street", "Shrewsbury"], "SY1 2BQ")
            .status(Code("N"), Code("A"), "2020-01-01T10:00:00+00:00", "1")
            .shape(RecordShape::AboutAnotherPatient("9990000018")),
        // --- PDS demographics as they really come ------------------------------------------
        p("9990000468", "PDS holds only ended details (name and address ended 31 December 2021, as in PDS's own example)", "Mrs", &["Jane"], "Smith",
          "2010-10-22", "female", &["1 Trevelyan Square", "Boar Lane", "Leeds"], "LS1 6AE")
            .details_ended("2021-12-31")
            .status(Code("N"), Code("A"), "2021-05-05T10:00:00+00:00", "1"),
        p("9990000476", "PDS holds no date of birth: confirm identity another way", "Mr", &["Omar"], "Haddad",
          "1970-01-01", "male", &["5 Kings Road", "Brighton"], "BN1 2FN")
            .without_birth_date()
            .status(Code("Y"), Code("F"), "2024-08-08T10:00:00+00:00", "1"),
    ]
}

/// What a valid V&M search for this patient leads to, as the core reads and classifies it.
fn vandm_expected(p: &TestPatient) -> Expected {
    if let Some(fault) = &p.fault {
        if !fault.still_answers() {
            return Expected::error(fault.client_code());
        }
    }
    let body = match &p.vandm {
        VandmBehaviour::NotFound => return Expected::error(PATIENT_NOT_FOUND),
        VandmBehaviour::NoRecord => vandm::no_record_bundle(),
        VandmBehaviour::Status(record) => {
            vandm::observation_bundle(p, record, "http://sandbox/fhir")
        }
    };
    let rendered = write::render(&body, WireFormat::Json);
    let Ok(asked) = NhsNumber::parse(p.nhs_number) else {
        return Expected::error(UNREADABLE);
    };
    match parse_search_body(WireFormat::Json, rendered.as_bytes()) {
        // The banner does not depend on the day; only the future-date warning does.
        Ok(SearchBody::Observation(status)) => match assess(&status, &asked, EPOCH) {
            Ok(a) => Expected::banner("status", a.banner),
            Err(refusal) => Expected::error(refusal.code()),
        },
        Ok(SearchBody::OperationOutcome(_)) => Expected::banner("no_record", Banner::no_record()),
        Err(BodyError::Model(e)) if e.code().is_some() => {
            Expected::error(e.code().unwrap_or(UNREADABLE))
        }
        Err(_) => Expected::error(UNREADABLE),
    }
}

/// Any day: the expected banner does not depend on it.
const EPOCH: CalendarDate = CalendarDate {
    year: 1970,
    month: 1,
    day: 1,
};

/// The Spine code of a V&M 404.
const PATIENT_NOT_FOUND: &str = "PATIENT_NOT_FOUND";
/// Marks a served body the core could not read (a sandbox bug; a test proves it never happens).
const UNREADABLE: &str = "SANDBOX_BODY_UNREADABLE";

fn expected(p: &TestPatient, all: &[TestPatient]) -> Expected {
    match &p.pds {
        PdsBehaviour::Found => vandm_expected(p),
        PdsBehaviour::Superseded => p
            .superseded_by
            .and_then(|new| all.iter().find(|q| q.nhs_number == new))
            .filter(|q| q.pds == PdsBehaviour::Found)
            .map(vandm_expected)
            .unwrap_or_else(|| Expected::error("RESOURCE_NOT_FOUND")),
        PdsBehaviour::Invalidated => Expected::error("INVALIDATED_RESOURCE"),
        PdsBehaviour::NotFound => Expected::error("RESOURCE_NOT_FOUND"),
        PdsBehaviour::TooManyRequests { .. } => Expected::error("TOO_MANY_REQUESTS"),
        PdsBehaviour::Timeout => Expected::error("UNABLE_TO_CALL_SERVICE"),
    }
}

/// The test patients, in table order.
pub fn patients() -> &'static [TestPatient] {
    static PATIENTS: OnceLock<Vec<TestPatient>> = OnceLock::new();
    PATIENTS.get_or_init(|| {
        let mut all = table();
        let computed: Vec<Expected> = all.iter().map(|p| expected(p, &all)).collect();
        for (p, e) in all.iter_mut().zip(computed) {
            p.expected = e;
        }
        all
    })
}

/// NHS numbers the sandbox makes a patient up for, for load tests (`bench/batch.sh`): any valid
/// number starting with these digits is a patient like [`LOAD_TEST_TEMPLATE`] (not chargeable)
/// under that number. They are not listed by `vmcheck sandbox --list` and no search finds them.
pub const LOAD_TEST_PREFIX: &str = "9995";

/// The listed patient the load-test patients are made from (green: not chargeable).
pub const LOAD_TEST_TEMPLATE: &str = "9990000042";

/// The test patient with this NHS number (ten digits, no spaces), or a load-test patient.
pub fn find(nhs_number: &str) -> Option<&'static TestPatient> {
    patients()
        .iter()
        .find(|p| p.nhs_number == nhs_number)
        .or_else(|| load_test_patient(nhs_number))
}

/// The load-test patient for `nhs_number`: made once per number and kept for the process's
/// life (a sandbox serves at most a few hundred thousand).
fn load_test_patient(nhs_number: &str) -> Option<&'static TestPatient> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    if !nhs_number.starts_with(LOAD_TEST_PREFIX)
        || vmcheck_core::nhs::NhsNumber::parse(nhs_number).is_err()
    {
        return None;
    }
    static MADE: OnceLock<Mutex<HashMap<String, &'static TestPatient>>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = made.get(nhs_number) {
        return Some(p);
    }
    let template = patients()
        .iter()
        .find(|p| p.nhs_number == LOAD_TEST_TEMPLATE)?;
    let number: &'static str = Box::leak(nhs_number.to_owned().into_boxed_str());
    let patient: &'static TestPatient = Box::leak(Box::new(TestPatient {
        nhs_number: number,
        case: "Load test: like 9990000042, not chargeable",
        ..template.clone()
    }));
    made.insert(nhs_number.to_owned(), patient);
    Some(patient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmcheck_core::spine_error::SpineErrorCode;

    #[test]
    fn a_load_test_number_is_a_green_patient_under_that_number_and_nothing_else_is_made_up() {
        let p = find("9995000008").expect("a load-test patient");
        assert_eq!(p.nhs_number, "9995000008");
        let template = find(LOAD_TEST_TEMPLATE).expect("template");
        assert_eq!(p.expected, template.expected);
        assert!(
            std::ptr::eq(p, find("9995000008").expect("again")),
            "made once"
        );
        assert!(find("9995000003").is_none(), "a bad check digit");
        assert!(patients()
            .iter()
            .all(|p| !p.nhs_number.starts_with(LOAD_TEST_PREFIX)));
    }

    #[test]
    fn codes_typed_here_match_the_core() {
        assert_eq!(PATIENT_NOT_FOUND, SpineErrorCode::PatientNotFound.code());
    }

    #[test]
    fn nothing_is_left_uncomputed_or_unreadable() {
        for p in patients() {
            assert_ne!(
                p.expected.error_code,
                Some("UNCOMPUTED"),
                "{}",
                p.nhs_number
            );
            assert_ne!(p.expected.error_code, Some(UNREADABLE), "{}", p.nhs_number);
        }
    }
}
