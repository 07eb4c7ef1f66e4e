//! The admissions worklist's building blocks, from the outside: cells, header guessing for
//! realistic PAS exports, every reason a row cannot be checked (with its row number),
//! duplicates, the row cap, the cross-check against PDS, and the results table's order.

use proptest::prelude::*;
use serde_json::{json, Value};
use vmcheck_core::banner::BannerColour;
use vmcheck_core::nhs::{check_digit, NhsNumber};
use vmcheck_core::pds::{patient_from_value, Dated, PdsPatient, PersonName, PostalAddress};
use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{
    cross_check, excel_serial_date, order_group, parse_date, parse_gender, parse_rows,
    sort_for_display, suggest_mapping, CheckNote, DateError, DateKind, Field, FieldMatch, Gender,
    ListRow, Mapping, MappingError, OrderGroup, ParseError, Parsed, Postcode, RowOutcome,
    RowProblemReason, RowResult, RowWarning, Verdict, MAX_ROWS,
};

fn day(s: &str) -> CalendarDate {
    CalendarDate::parse(s).expect("date")
}

const TODAY: &str = "2026-03-04";

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// A valid NHS number from nine leading digits.
fn nhs(first_nine: &str) -> String {
    let nine: [u8; 9] = first_nine.as_bytes().try_into().expect("nine digits");
    let check = check_digit(&nine).expect("a prefix with a check digit");
    format!("{first_nine}{check}")
}

// ---------------------------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------------------------

#[test]
fn every_date_form_reads_the_same_day() {
    let today = day(TODAY);
    for text in [
        "12/03/1985",
        "12/3/1985",
        "12-03-1985",
        "12.03.1985",
        "1985-03-12",
        "12/03/85",
        "12 Mar 1985",
        "12 March 1985",
        "12 MARCH 1985",
        "12-Mar-85",
        "12th March 1985",
        "Mar 12, 1985",
        "19850312",
        "31118",
        "12/03/1985 00:00",
        "1985-03-12T00:00:00.000Z",
    ] {
        assert_eq!(
            parse_date(text, today, DateKind::Birth).map(|d| d.to_string()),
            Ok("1985-03-12".to_owned()),
            "{text}"
        );
    }
    // d/m/yyyy with single digits.
    assert_eq!(
        parse_date("1/2/2003", today, DateKind::Event).map(|d| d.to_string()),
        Ok("2003-02-01".to_owned())
    );
}

#[test]
fn excel_serials_as_numbers_and_as_text() {
    let today = day(TODAY);
    for (serial, expected) in [
        (1, Ok("1900-01-01")),
        (59, Ok("1900-02-28")),
        (60, Err(DateError::FictitiousExcelDay)),
        (61, Ok("1900-03-01")),
        (45_000, Ok("2023-03-15")),
        (45_658, Ok("2025-01-01")),
    ] {
        let expected = expected.map(str::to_owned);
        assert_eq!(
            excel_serial_date(f64::from(serial)).map(|d| d.to_string()),
            expected,
            "{serial}"
        );
        assert_eq!(
            parse_date(&serial.to_string(), today, DateKind::Event).map(|d| d.to_string()),
            expected,
            "{serial} as text"
        );
    }
}

#[test]
fn two_digit_years_around_the_century_rule() {
    let today = day(TODAY);
    let read = |text: &str, kind| parse_date(text, today, kind).map(|d| d.to_string());
    // Births: the latest such year on or before today (4 March 2026).
    assert_eq!(read("04/03/26", DateKind::Birth), Ok("2026-03-04".into()));
    assert_eq!(read("05/03/26", DateKind::Birth), Ok("1926-03-05".into()));
    assert_eq!(read("01/01/27", DateKind::Birth), Ok("1927-01-01".into()));
    assert_eq!(read("31/12/25", DateKind::Birth), Ok("2025-12-31".into()));
    // Events: 1946–2045 in 2026.
    assert_eq!(read("31/12/45", DateKind::Event), Ok("2045-12-31".into()));
    assert_eq!(read("01/01/46", DateKind::Event), Ok("1946-01-01".into()));
    assert_eq!(read("05/03/26", DateKind::Event), Ok("2026-03-05".into()));
    // The rule moves with today.
    let later = day("2046-06-01");
    assert_eq!(
        parse_date("01/01/46", later, DateKind::Event).map(|d| d.year),
        Ok(2046)
    );
    assert_eq!(
        parse_date("01/07/46", later, DateKind::Birth).map(|d| d.year),
        Ok(1946)
    );
}

#[test]
fn every_gender_spelling() {
    for (texts, gender) in [
        (&["M", "m", "male", "Male", "MALE"][..], Gender::Male),
        (&["F", "f", "female", "Female", "FEMALE"], Gender::Female),
        (
            &["U", "u", "unknown", "Unknown", "UNKNOWN"],
            Gender::Unknown,
        ),
        (
            &["I", "i", "indeterminate", "Indeterminate", "other", "Other"],
            Gender::Other,
        ),
    ] {
        for text in texts {
            assert_eq!(parse_gender(text), Ok(gender), "{text}");
        }
    }
    assert_eq!(Gender::Male.fhir_code(), "male");
    assert_eq!(Gender::Female.fhir_code(), "female");
    assert_eq!(Gender::Other.fhir_code(), "other");
    assert_eq!(Gender::Unknown.fhir_code(), "unknown");
    assert!(parse_gender("Q").is_err());
}

#[test]
fn postcode_shapes_normalised() {
    for (text, normal) in [
        ("m1 1ae", "M1 1AE"),
        ("M601NW", "M60 1NW"),
        ("cr26xh", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("w1a0ax", "W1A 0AX"),
        ("EC1A1BB", "EC1A 1BB"),
    ] {
        assert_eq!(
            Postcode::parse(text).map(|p| p.as_str().to_owned()),
            Ok(normal.to_owned())
        );
    }
    for text in ["N/A", "NFA", "LS1", "12345", "LS1 6A", "LSS1 6AE"] {
        assert!(Postcode::parse(text).is_err(), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Header guessing
// ---------------------------------------------------------------------------------------------

fn guessed(headers: &[&str]) -> Vec<(Field, String)> {
    let headers = strings(headers);
    suggest_mapping(&headers)
        .iter()
        .map(|(f, c)| (f, headers[c].clone()))
        .collect()
}

fn fields(pairs: &[(Field, &str)]) -> Vec<(Field, String)> {
    let mut v: Vec<(Field, String)> = pairs.iter().map(|(f, h)| (*f, (*h).to_owned())).collect();
    v.sort();
    v
}

#[test]
fn guesses_the_columns_of_realistic_pas_exports() {
    // An inpatient list.
    assert_eq!(
        guessed(&[
            "MRN",
            "NHS Number",
            "Surname",
            "Forename",
            "DOB",
            "Sex",
            "Postcode",
            "Admit Date",
            "Ward",
            "Consultant",
            "Specialty",
        ]),
        fields(&[
            (Field::NhsNumber, "NHS Number"),
            (Field::HospitalNumber, "MRN"),
            (Field::FamilyName, "Surname"),
            (Field::GivenName, "Forename"),
            (Field::BirthDate, "DOB"),
            (Field::Gender, "Sex"),
            (Field::Postcode, "Postcode"),
            (Field::AdmissionDate, "Admit Date"),
            (Field::WardOrClinic, "Ward"),
        ])
    );
    // Prefixed headers, with GP columns that must not be taken for the patient's.
    assert_eq!(
        guessed(&[
            "Hospital No.",
            "NHS No",
            "Patient Surname",
            "Patient Forename(s)",
            "Date of Birth",
            "Gender",
            "Post Code",
            "GP Practice",
            "GP Postcode",
            "Admission Date",
            "Ward",
        ]),
        fields(&[
            (Field::NhsNumber, "NHS No"),
            (Field::HospitalNumber, "Hospital No."),
            (Field::FamilyName, "Patient Surname"),
            (Field::GivenName, "Patient Forename(s)"),
            (Field::BirthDate, "Date of Birth"),
            (Field::Gender, "Gender"),
            (Field::Postcode, "Post Code"),
            (Field::AdmissionDate, "Admission Date"),
            (Field::WardOrClinic, "Ward"),
        ])
    );
    // A clinic list with one name column and next-of-kin details.
    assert_eq!(
        guessed(&[
            "Clinic Code",
            "Appt Date",
            "Hosp No",
            "NHS_NUMBER",
            "Name",
            "D.O.B.",
            "Sex",
            "Post code",
            "NOK Surname",
            "Mother's DOB",
            "NHS Number Status",
        ]),
        fields(&[
            (Field::NhsNumber, "NHS_NUMBER"),
            (Field::HospitalNumber, "Hosp No"),
            (Field::FullName, "Name"),
            (Field::BirthDate, "D.O.B."),
            (Field::Gender, "Sex"),
            (Field::Postcode, "Post code"),
            (Field::AdmissionDate, "Appt Date"),
            (Field::WardOrClinic, "Clinic Code"),
        ])
    );
    // Words inside longer headers.
    assert_eq!(
        guessed(&[
            "Pt NHS No.",
            "Local Patient ID",
            "Family name",
            "First name",
            "Birth Date",
            "Legal Sex",
            "Zip/Postal Code",
            "Adm Date/Time",
            "Current Ward",
        ]),
        fields(&[
            (Field::NhsNumber, "Pt NHS No."),
            (Field::HospitalNumber, "Local Patient ID"),
            (Field::FamilyName, "Family name"),
            (Field::GivenName, "First name"),
            (Field::BirthDate, "Birth Date"),
            (Field::Gender, "Legal Sex"),
            (Field::Postcode, "Zip/Postal Code"),
            (Field::AdmissionDate, "Adm Date/Time"),
            (Field::WardOrClinic, "Current Ward"),
        ])
    );
    // Nothing recognisable: nothing guessed.
    assert!(suggest_mapping(&strings(&["Column1", "Column2", ""])).is_empty());
}

#[test]
fn a_remembered_mapping_is_found_for_the_same_headers() {
    let first = strings(&["NHS No", "Surname", "DOB"]);
    let again = strings(&["nhs no", "SURNAME", "D.O.B"]);
    let other = strings(&["NHS No", "Surname", "DOB", "Ward"]);
    let mapping = suggest_mapping(&first);
    let remembered: Mapping =
        serde_json::from_str(&serde_json::to_string(&mapping).expect("json")).expect("back");
    assert_eq!(remembered, mapping);
    assert_eq!(Mapping::signature(&first), Mapping::signature(&again));
    assert_ne!(Mapping::signature(&first), Mapping::signature(&other));
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const HEADERS: [&str; 9] = [
    "NHS No", "Surname", "Forename", "DOB", "Sex", "Postcode", "Adm date", "Ward", "Notes",
];

fn parse(rows: &[&[&str]]) -> Result<Parsed, ParseError> {
    let headers = strings(&HEADERS);
    let mapping = suggest_mapping(&headers);
    let rows: Vec<Vec<String>> = rows.iter().map(|r| strings(r)).collect();
    parse_rows(&headers, &rows, &mapping, day(TODAY))
}

fn row(parsed: &Parsed, row_number: usize) -> &ListRow {
    match parsed.rows.iter().find(|r| r.row_number() == row_number) {
        Some(RowOutcome::Row(r)) => r,
        other => panic!("row {row_number}: {other:?}"),
    }
}

fn problem(parsed: &Parsed, row_number: usize) -> &RowProblemReason {
    match parsed.rows.iter().find(|r| r.row_number() == row_number) {
        Some(RowOutcome::Problem(p)) => &p.reason,
        other => panic!("row {row_number}: {other:?}"),
    }
}

#[test]
fn a_good_row_is_read_whole() {
    let n = nhs("943476591");
    let parsed = parse(&[&[
        &n,
        " O'Brien ",
        "Siobhán Mary",
        "12/03/1985",
        "F",
        "ls1 6ae",
        "01/03/26",
        "Ward 7",
        "bed 3",
    ]])
    .expect("parsed");
    let r = row(&parsed, 2);
    assert_eq!(
        r.nhs_number.as_ref().map(NhsNumber::as_str),
        Some(n.as_str())
    );
    assert_eq!(r.family.as_deref(), Some("O'Brien"));
    assert_eq!(r.given.as_deref(), Some("Siobhán Mary"));
    assert_eq!(r.birth_date, Some(day("1985-03-12")));
    assert_eq!(r.gender, Some(Gender::Female));
    assert_eq!(r.postcode.as_ref().map(Postcode::as_str), Some("LS1 6AE"));
    assert_eq!(r.admission_date, Some(day("2026-03-01")));
    assert_eq!(r.ward.as_deref(), Some("Ward 7"));
    assert_eq!(r.hospital_number, None);
    assert_eq!(r.extra, vec!["bed 3".to_owned()]);
    assert_eq!(parsed.extra_headers, vec!["Notes".to_owned()]);
    assert_eq!(r.duplicate_of, None);
    assert!(r.warnings.is_empty());
    assert_eq!(parsed.to_check().count(), 1);
}

#[test]
fn each_bad_row_reason_with_its_row_number() {
    let good = nhs("943476591");
    let parsed = parse(&[
        &["9434765918", "Smith", "J", "", "", "", "", "", ""],
        &["943476591", "Smith", "J", "", "", "", "", "", ""],
        &["943 476 59191", "Smith", "J", "", "", "", "", "", ""],
        &["943476591O", "Smith", "J", "", "", "", "", "", ""],
        &["9.43477E+09", "Smith", "J", "", "", "", "", "", ""],
        &["", "Smith", "J", "", "M", "", "", "", ""],
        &["", "", "", "", "", "", "", "", "a note only"],
        &[&good, "Smith", "J", "31/02/1985", "", "", "", "", ""],
        &[&good, "Smith", "J", "", "", "", "yesterday", "", ""],
        &[&good, "Smith", "J", "", "X", "", "", "", ""],
        &["", "", "", "", "", "", "", "", ""],
        &[&good, "Smith", "J", "", "", "", "", "", ""],
        &["", "Smith", "J", "12/03/1985", "M", "", "", "", ""],
        &[&good, "Smith", "J", "01/01/2030", "", "", "", "", ""],
    ])
    .expect("parsed");
    assert_eq!(problem(&parsed, 2), &RowProblemReason::NhsNumberCheckDigit);
    assert_eq!(
        problem(&parsed, 3),
        &RowProblemReason::NhsNumberWrongLength { digits: 9 }
    );
    assert_eq!(
        problem(&parsed, 4),
        &RowProblemReason::NhsNumberWrongLength { digits: 11 }
    );
    assert_eq!(problem(&parsed, 5), &RowProblemReason::NhsNumberNotDigits);
    assert_eq!(problem(&parsed, 6), &RowProblemReason::NhsNumberScientific);
    assert_eq!(
        problem(&parsed, 7),
        &RowProblemReason::NoNhsNumberNorDemographics {
            missing: vec![Field::BirthDate]
        }
    );
    assert_eq!(
        problem(&parsed, 8),
        &RowProblemReason::NoNhsNumberNorDemographics {
            missing: vec![Field::FamilyName, Field::BirthDate, Field::Gender]
        }
    );
    let RowProblemReason::UnreadableDate {
        field,
        column,
        value,
        error,
    } = problem(&parsed, 9)
    else {
        panic!("an unreadable date");
    };
    assert_eq!(
        (field, column.as_str(), value.0.as_str(), error),
        (
            &Field::BirthDate,
            "DOB",
            "31/02/1985",
            &DateError::NoSuchDay
        )
    );
    assert_eq!(
        problem(&parsed, 9).to_string(),
        "The DOB column has \"31/02/1985\", which cannot be read as a date: there is no such day"
    );
    let RowProblemReason::UnreadableDate { field, error, .. } = problem(&parsed, 10) else {
        panic!("an unreadable date");
    };
    assert_eq!(
        (field, error),
        (&Field::AdmissionDate, &DateError::Unreadable)
    );
    let RowProblemReason::UnreadableGender { column, value } = problem(&parsed, 11) else {
        panic!("an unreadable gender");
    };
    assert_eq!((column.as_str(), value.0.as_str()), ("Sex", "X"));
    assert_eq!(problem(&parsed, 12), &RowProblemReason::EmptyRow);
    // A good row and a row to search for by its details.
    assert!(row(&parsed, 13).nhs_number.is_some());
    let search = row(&parsed, 14);
    assert_eq!(search.nhs_number, None);
    assert_eq!(search.birth_date, Some(day("1985-03-12")));
    let RowProblemReason::UnreadableDate { error, .. } = problem(&parsed, 15) else {
        panic!("a birth after today");
    };
    assert_eq!(error, &DateError::BirthAfterToday);
    // Every row is accounted for.
    assert_eq!(parsed.rows.len(), 14);
    assert_eq!(parsed.problems().count(), 12);
    assert_eq!(parsed.to_check().count(), 2);
    // The messages a user sees.
    assert_eq!(
        problem(&parsed, 3).to_string(),
        "The NHS number has 9 digits; an NHS number has 10"
    );
    assert_eq!(
        problem(&parsed, 8).to_string(),
        "There is no NHS number, and not enough details to search for the patient (family name, \
         date of birth and gender missing): a search needs the family name, date of birth and \
         gender"
    );
}

#[test]
fn a_row_with_only_a_hospital_number_is_read_to_be_found_by_it() {
    let headers = strings(&["NHS No", "Surname", "DOB", "Sex", "Hospital number"]);
    let rows = vec![
        strings(&["", "", "", "", "RRK0765919"]),
        strings(&["", "Smith", "", "", " "]),
        strings(&["", "", "", "", "x"]),
    ];
    let parsed = parse_rows(&headers, &rows, &suggest_mapping(&headers), day(TODAY)).expect("read");
    let alone = row(&parsed, 2);
    assert_eq!(alone.hospital_number.as_deref(), Some("RRK0765919"));
    assert_eq!(alone.nhs_number, None);
    // Nothing to find the patient by: a problem, as before.
    assert_eq!(
        problem(&parsed, 3),
        &RowProblemReason::NoNhsNumberNorDemographics {
            missing: vec![Field::BirthDate, Field::Gender]
        }
    );
    // Whether it has the trust's form is for the lookup to say.
    assert_eq!(row(&parsed, 4).hospital_number.as_deref(), Some("x"));
}

#[test]
fn several_problems_in_one_row_are_all_kept_nhs_number_first() {
    let parsed =
        parse(&[&["9434765918", "Smith", "J", "99/99/99", "Q", "", "", "", ""]]).expect("parsed");
    let RowOutcome::Problem(p) = &parsed.rows[0] else {
        panic!("a problem");
    };
    assert_eq!(p.row_number, 2);
    assert_eq!(p.reason, RowProblemReason::NhsNumberCheckDigit);
    assert_eq!(p.more.len(), 2);
    assert!(matches!(p.more[0], RowProblemReason::UnreadableDate { .. }));
    assert!(matches!(
        p.more[1],
        RowProblemReason::UnreadableGender { .. }
    ));
}

#[test]
fn an_unreadable_postcode_is_a_warning_not_a_problem() {
    let n = nhs("943476591");
    let parsed = parse(&[&[&n, "Smith", "J", "", "", "NFA", "", "", ""]]).expect("parsed");
    let r = row(&parsed, 2);
    assert_eq!(r.postcode, None);
    assert!(matches!(
        &r.warnings[..],
        [RowWarning::UnreadablePostcode { column, value }] if column == "Postcode" && value.0 == "NFA"
    ));
}

#[test]
fn duplicates_are_grouped_and_only_the_first_is_checked() {
    let a = nhs("943476591");
    let b = nhs("900000000");
    let a_spaced = format!("{} {} {}", &a[..3], &a[3..6], &a[6..]);
    let parsed = parse(&[
        &[&a, "Smith", "J", "", "", "", "", "", ""],
        &[&b, "Jones", "K", "", "", "", "", "", ""],
        &[&a_spaced, "Smith", "J", "", "", "", "", "", ""],
        &["9434765918", "Smith", "J", "", "", "", "", "", ""],
        &[&b, "Jones", "K", "", "", "", "", "", ""],
        &[&a, "SMITH", "John", "", "", "", "", "", ""],
    ])
    .expect("parsed");
    let dups: Vec<(usize, usize)> = parsed
        .duplicates()
        .map(|d| (d.row_number, d.duplicate_of))
        .collect();
    assert_eq!(dups, vec![(4, 2), (6, 3), (7, 2)]);
    assert_eq!(row(&parsed, 4).duplicate_of, Some(2));
    let checked: Vec<usize> = parsed.to_check().map(|r| r.row_number).collect();
    assert_eq!(checked, vec![2, 3]);
    assert_eq!(parsed.copies_of(2), vec![4, 7]);
    assert_eq!(parsed.copies_of(3), vec![6]);
    assert!(parsed.copies_of(5).is_empty());
}

#[test]
fn blank_rows_at_the_end_are_counted_not_read() {
    let n = nhs("943476591");
    let parsed = parse(&[
        &[&n, "Smith", "J", "", "", "", "", "", ""],
        &["", "", "", "", "", "", "", "", ""],
        &[&n, "Smith", "J", "", "", "", "", "", ""],
        &["", " ", "", "", "", "", "", "", ""],
        &[],
        &["", "", ""],
    ])
    .expect("parsed");
    assert_eq!(parsed.rows.len(), 3);
    assert_eq!(parsed.trailing_blank_rows, 3);
    assert_eq!(problem(&parsed, 3), &RowProblemReason::EmptyRow);
    // Nothing but blank rows.
    let parsed = parse(&[&[""], &[]]).expect("parsed");
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.trailing_blank_rows, 2);
}

#[test]
fn short_rows_read_as_if_the_missing_cells_were_empty() {
    let n = nhs("943476591");
    let parsed = parse(&[&[&n, "Smith"]]).expect("parsed");
    let r = row(&parsed, 2);
    assert_eq!(r.family.as_deref(), Some("Smith"));
    assert_eq!(r.given, None);
    assert_eq!(r.extra, vec![String::new()]);
}

#[test]
fn a_full_name_column_fills_family_and_given() {
    let headers = strings(&["NHS No", "Patient Name", "DOB", "Sex"]);
    let mapping = suggest_mapping(&headers);
    let rows = vec![
        strings(&["", "SMITH, John Paul", "12/03/1985", "M"]),
        strings(&["", "Jean-Luc Picard", "13/07/1940", "M"]),
    ];
    let parsed = parse_rows(&headers, &rows, &mapping, day(TODAY)).expect("parsed");
    assert_eq!(row(&parsed, 2).family.as_deref(), Some("SMITH"));
    assert_eq!(row(&parsed, 2).given.as_deref(), Some("John Paul"));
    assert_eq!(row(&parsed, 3).family.as_deref(), Some("Picard"));
    assert_eq!(row(&parsed, 3).given.as_deref(), Some("Jean-Luc"));
}

#[test]
fn the_row_cap() {
    let headers = strings(&["NHS No"]);
    let mut mapping = Mapping::new();
    mapping.set(Field::NhsNumber, 0);
    let n = nhs("943476591");
    let mut rows = vec![vec![n.clone()]; MAX_ROWS];
    // Exactly the cap, with blank rows after it: read.
    rows.extend(vec![vec![String::new()]; 5]);
    let parsed = parse_rows(&headers, &rows, &mapping, day(TODAY)).expect("at the cap");
    assert_eq!(parsed.rows.len(), MAX_ROWS);
    assert_eq!(parsed.trailing_blank_rows, 5);
    assert_eq!(parsed.to_check().count(), 1);
    assert_eq!(row(&parsed, MAX_ROWS + 1).duplicate_of, Some(2));
    // One more: refused, naming the count.
    rows.insert(0, vec![n]);
    let error = parse_rows(&headers, &rows, &mapping, day(TODAY)).expect_err("over the cap");
    assert_eq!(error, ParseError::TooManyRows { count: 100_001 });
    assert_eq!(
        error.to_string(),
        "The list has 100,001 patient rows; V&M Check takes at most 100,000 at a time: split it \
         into smaller lists"
    );
}

#[test]
fn a_mapping_that_does_not_fit_is_refused() {
    let headers = strings(&["NHS No", "Surname"]);
    let mut mapping = Mapping::new();
    mapping.set(Field::NhsNumber, 2);
    assert!(matches!(
        parse_rows(&headers, &[], &mapping, day(TODAY)),
        Err(ParseError::Mapping(MappingError::ColumnOutOfRange {
            column: 2,
            ..
        }))
    ));
    let mut mapping = Mapping::new();
    mapping.set(Field::FamilyName, 1);
    assert_eq!(
        parse_rows(&headers, &[], &mapping, day(TODAY)),
        Err(ParseError::Mapping(MappingError::NoIdentifyingColumns))
    );
}

// ---------------------------------------------------------------------------------------------
// Cross-check
// ---------------------------------------------------------------------------------------------

fn patient(v: Value) -> PdsPatient {
    patient_from_value(&v).expect("a patient")
}

/// Siobhán Mary O'Brien: known as Shiv O'Brien too, Murphy before 2010; home in LS1 now, in
/// York before, and a term-time address in LS2.
fn siobhan() -> Value {
    json!({
        "resourceType": "Patient",
        "id": "9434765919",
        "name": [
            {"use": "usual", "period": {"start": "2010-01-01"}, "given": ["Siobhán", "Mary"], "family": "O'Brien"},
            {"use": "nickname", "period": {"start": "2010-01-01"}, "given": ["Shiv"], "family": "O'Brien"},
            {"use": "official", "period": {"start": "1985-03-12", "end": "2009-12-31"}, "given": ["Siobhán", "Mary"], "family": "Murphy"}
        ],
        "birthDate": "1985-03-12",
        "gender": "female",
        "address": [
            {"use": "home", "period": {"start": "2020-01-01"}, "line": ["1 Trevelyan Square"], "postalCode": "LS1 6AE"},
            {"use": "home", "period": {"start": "2010-01-01", "end": "2019-12-31"}, "line": ["2 New Street"], "postalCode": "YO1 7HH"},
            {"use": "temp", "period": {"start": "2025-09-01", "end": "2027-06-30"}, "line": ["Halls"], "postalCode": "LS2 9JT"}
        ]
    })
}

fn list_row(
    family: Option<&str>,
    given: Option<&str>,
    birth: Option<&str>,
    gender: Option<Gender>,
    postcode: Option<&str>,
) -> ListRow {
    ListRow {
        row_number: 2,
        nhs_number: NhsNumber::parse("9434765919").ok(),
        family: family.map(str::to_owned),
        given: given.map(str::to_owned),
        birth_date: birth.map(day),
        gender,
        postcode: postcode.map(|p| Postcode::parse(p).expect("postcode")),
        admission_date: None,
        ward: None,
        hospital_number: None,
        extra: Vec::new(),
        duplicate_of: None,
        warnings: Vec::new(),
    }
}

/// The row exactly as PDS has Siobhán today.
fn exact() -> ListRow {
    list_row(
        Some("O'Brien"),
        Some("Siobhán Mary"),
        Some("1985-03-12"),
        Some(Gender::Female),
        Some("LS1 6AE"),
    )
}

#[test]
fn the_same_details_match() {
    let c = cross_check(&exact(), &patient(siobhan()), day(TODAY));
    for (field, check) in c.fields() {
        assert_eq!(
            (check.result, check.note),
            (FieldMatch::Match, None),
            "{field}"
        );
    }
    assert_eq!(c.verdict(), Verdict::Match);
    assert!(c.is_settled_identity());
}

#[test]
fn family_name_match_close_mismatch() {
    let p = patient(siobhan());
    for (family, result, note) in [
        ("O'Brien", FieldMatch::Match, None),
        ("O'BRIEN", FieldMatch::Close, None),
        ("OBrien", FieldMatch::Close, None),
        ("O Brien", FieldMatch::Close, None),
        ("O’Brien", FieldMatch::Close, None),
        ("Murphy", FieldMatch::Close, Some(CheckNote::PreviousName)),
        ("O'Bryan", FieldMatch::Mismatch, None),
    ] {
        let mut r = exact();
        r.family = Some(family.to_owned());
        let c = cross_check(&r, &p, day(TODAY));
        assert_eq!((c.family.result, c.family.note), (result, note), "{family}");
    }
    let mut r = exact();
    r.family = None;
    assert_eq!(
        cross_check(&r, &p, day(TODAY)).family.result,
        FieldMatch::NotGiven
    );
    // "Murphy, S": the previous name agrees on the family name and is close on the given one;
    // the name shown today disagrees on the family name. The one that agrees best is chosen.
    let mut r = exact();
    r.family = Some("Murphy".to_owned());
    r.given = Some("S".to_owned());
    let c = cross_check(&r, &p, day(TODAY));
    assert_eq!(
        (c.family.result, c.family.note),
        (FieldMatch::Close, Some(CheckNote::PreviousName))
    );
    assert_eq!(c.given.result, FieldMatch::Close);
}

#[test]
fn given_name_match_close_mismatch() {
    let p = patient(siobhan());
    for (given, result, note) in [
        ("Siobhán Mary", FieldMatch::Match, None),
        ("Siobhán", FieldMatch::Match, None),
        ("Siobhan", FieldMatch::Close, None),
        ("SIOBHÁN MARY", FieldMatch::Close, None),
        ("Mary Siobhán", FieldMatch::Close, None),
        ("Mary", FieldMatch::Close, None),
        ("S", FieldMatch::Close, None),
        ("S. M.", FieldMatch::Close, None),
        (
            "Shiv",
            FieldMatch::Match,
            Some(CheckNote::AnotherCurrentName),
        ),
        ("Sarah", FieldMatch::Mismatch, None),
    ] {
        let mut r = exact();
        r.given = Some(given.to_owned());
        let c = cross_check(&r, &p, day(TODAY));
        assert_eq!((c.given.result, c.given.note), (result, note), "{given}");
    }
}

#[test]
fn hyphenated_and_accented_given_names() {
    let p = patient(json!({
        "resourceType": "Patient", "id": "9434765919",
        "name": [{"use": "usual", "given": ["Jean-Luc"], "family": "Picard"}],
        "birthDate": "1940-07-13", "gender": "male"
    }));
    for (given, result) in [
        ("Jean-Luc", FieldMatch::Match),
        ("Jean Luc", FieldMatch::Close),
        ("JEAN-LUC", FieldMatch::Close),
        ("Jeanluc", FieldMatch::Close),
        ("Luc Jean", FieldMatch::Close),
        ("J", FieldMatch::Close),
        ("J L", FieldMatch::Close),
        ("Jean-Paul", FieldMatch::Mismatch),
    ] {
        let mut r = list_row(Some("Picard"), Some(given), None, None, None);
        r.row_number = 3;
        let c = cross_check(&r, &p, day(TODAY));
        assert_eq!(c.given.result, result, "{given}");
        assert_eq!(c.family.result, FieldMatch::Match);
    }
    let zoe = patient(json!({
        "resourceType": "Patient", "id": "9434765919",
        "name": [{"given": ["Zoë"], "family": "Brontë"}]
    }));
    let c = cross_check(
        &list_row(Some("Bronte"), Some("Zoe"), None, None, None),
        &zoe,
        day(TODAY),
    );
    assert_eq!(
        (c.family.result, c.given.result),
        (FieldMatch::Close, FieldMatch::Close)
    );
    assert_eq!(c.verdict(), Verdict::Close);
}

#[test]
fn birth_date_and_gender() {
    let p = patient(siobhan());
    let check = |birth: Option<&str>, gender: Option<Gender>| {
        let mut r = exact();
        r.birth_date = birth.map(day);
        r.gender = gender;
        let c = cross_check(&r, &p, day(TODAY));
        (
            (c.birth_date.result, c.birth_date.note),
            (c.gender.result, c.gender.note),
        )
    };
    assert_eq!(
        check(Some("1985-03-12"), Some(Gender::Female)).0,
        (FieldMatch::Match, None)
    );
    assert_eq!(
        check(Some("1985-12-03"), None).0,
        (FieldMatch::Mismatch, None)
    );
    assert_eq!(check(None, None).0, (FieldMatch::NotGiven, None));
    assert_eq!(
        check(None, Some(Gender::Female)).1,
        (FieldMatch::Match, None)
    );
    assert_eq!(
        check(None, Some(Gender::Male)).1,
        (FieldMatch::Mismatch, None)
    );
    assert_eq!(
        check(None, Some(Gender::Other)).1,
        (FieldMatch::Mismatch, None)
    );
    assert_eq!(
        check(None, Some(Gender::Unknown)).1,
        (FieldMatch::Close, Some(CheckNote::GenderUnknown))
    );
    assert_eq!(check(None, None).1, (FieldMatch::NotGiven, None));

    // PDS with part of a birth date, an unknown gender, or neither.
    let mut v = siobhan();
    v["birthDate"] = json!("1985-03");
    v["gender"] = json!("unknown");
    let partial = patient(v.clone());
    let mut r = exact();
    let c = cross_check(&r, &partial, day(TODAY));
    assert_eq!(
        (c.birth_date.result, c.birth_date.note),
        (FieldMatch::Close, Some(CheckNote::PartialBirthDate))
    );
    assert_eq!(
        (c.gender.result, c.gender.note),
        (FieldMatch::Close, Some(CheckNote::GenderUnknown))
    );
    r.birth_date = Some(day("1985-04-12"));
    assert_eq!(
        cross_check(&r, &partial, day(TODAY)).birth_date.result,
        FieldMatch::Mismatch
    );
    v.as_object_mut().expect("object").remove("birthDate");
    v.as_object_mut().expect("object").remove("gender");
    let c = cross_check(&exact(), &patient(v), day(TODAY));
    assert_eq!(
        (c.birth_date.result, c.gender.result),
        (FieldMatch::NotKnown, FieldMatch::NotKnown)
    );
}

#[test]
fn postcode_current_moved_other_and_different() {
    let p = patient(siobhan());
    for (postcode, result, note) in [
        ("LS1 6AE", FieldMatch::Match, None),
        ("ls16ae", FieldMatch::Close, None),
        ("LS16AE", FieldMatch::Close, None),
        (
            "YO1 7HH",
            FieldMatch::Close,
            Some(CheckNote::PreviousAddress),
        ),
        (
            "LS2 9JT",
            FieldMatch::Close,
            Some(CheckNote::AnotherCurrentAddress),
        ),
        ("M1 1AE", FieldMatch::Mismatch, None),
    ] {
        let mut r = exact();
        r.postcode = Some(Postcode::parse(postcode).expect("postcode"));
        let c = cross_check(&r, &p, day(TODAY));
        assert_eq!(
            (c.postcode.result, c.postcode.note),
            (result, note),
            "{postcode}"
        );
    }
    // A patient who has moved since the list was made: the list has the old postcode.
    let mut r = exact();
    r.postcode = Some(Postcode::parse("YO1 7HH").expect("postcode"));
    let c = cross_check(&r, &p, day(TODAY));
    assert_eq!(c.verdict(), Verdict::Close);
    assert!(c.is_settled_identity());
    assert_eq!(
        c.postcode.note.map(CheckNote::message),
        Some("The postcode is a previous address's on PDS: the patient may have moved")
    );
}

#[test]
fn with_no_current_address_a_different_postcode_is_not_known() {
    let mut v = siobhan();
    v["address"] = json!([
        {"use": "home", "period": {"start": "2010-01-01", "end": "2019-12-31"}, "postalCode": "YO1 7HH"}
    ]);
    let p = patient(v);
    let mut r = exact();
    assert_eq!(
        cross_check(&r, &p, day(TODAY)).postcode.result,
        FieldMatch::NotKnown
    );
    r.postcode = Some(Postcode::parse("YO17HH").expect("postcode"));
    let c = cross_check(&r, &p, day(TODAY));
    assert_eq!(
        (c.postcode.result, c.postcode.note),
        (FieldMatch::Close, Some(CheckNote::PreviousAddress))
    );
}

#[test]
fn a_restricted_record_never_mismatches_on_postcode() {
    let mut v = siobhan();
    v["meta"] = json!({"security": [{"code": "R"}]});
    let p = patient(v);
    assert!(p.restricted);
    for postcode in ["LS1 6AE", "M1 1AE"] {
        let mut r = exact();
        r.postcode = Some(Postcode::parse(postcode).expect("postcode"));
        let c = cross_check(&r, &p, day(TODAY));
        assert_eq!(c.postcode.result, FieldMatch::NotKnown, "{postcode}");
        assert_eq!(c.verdict(), Verdict::Match);
    }
}

#[test]
fn a_mismatch_is_not_a_settled_identity() {
    let p = patient(siobhan());
    let r = list_row(
        Some("Smith"),
        Some("John"),
        Some("1990-01-01"),
        Some(Gender::Male),
        Some("M1 1AE"),
    );
    let c = cross_check(&r, &p, day(TODAY));
    assert_eq!(c.verdict(), Verdict::Mismatch);
    assert!(!c.is_settled_identity());
    assert_eq!(
        c.mismatched(),
        vec![
            Field::FamilyName,
            Field::GivenName,
            Field::BirthDate,
            Field::Gender,
            Field::Postcode
        ]
    );
    // Only an NHS number on the list: nothing to compare, and nothing contradicts PDS.
    let c = cross_check(&list_row(None, None, None, None, None), &p, day(TODAY));
    assert_eq!(c.verdict(), Verdict::NothingToCompare);
    assert!(c.is_settled_identity());
    // PDS with no names at all.
    let bare = patient(json!({"resourceType": "Patient", "id": "9434765919"}));
    let c = cross_check(&exact(), &bare, day(TODAY));
    assert_eq!(
        (c.family.result, c.given.result),
        (FieldMatch::NotKnown, FieldMatch::NotKnown)
    );
    assert_eq!(c.verdict(), Verdict::NothingToCompare);
}

// ---------------------------------------------------------------------------------------------
// The cross-check of a patient with its own details is a match
// ---------------------------------------------------------------------------------------------

fn date_strategy() -> impl Strategy<Value = CalendarDate> {
    (1900_i32..2026, 1_u8..=12, 1_u8..=28).prop_map(|(year, month, day)| CalendarDate {
        year,
        month,
        day,
    })
}

fn period_strategy() -> impl Strategy<Value = (Option<CalendarDate>, Option<CalendarDate>, bool)> {
    (
        prop::option::of(date_strategy()),
        prop::option::of(
            (2020_i32..2035, 1_u8..=12, 1_u8..=28).prop_map(|(year, month, day)| CalendarDate {
                year,
                month,
                day,
            }),
        ),
        prop::bool::weighted(0.1),
    )
}

fn use_strategy(uses: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(uses).prop_map(str::to_owned))
}

/// A name's family, given names, use and period, as generated (a `Dated` has no `Debug`).
type NameParts = (Option<String>, Vec<String>, Option<String>, Period);
/// An address's postcode, use and period.
type AddressParts = (Option<String>, Option<String>, Period);
type Period = (Option<CalendarDate>, Option<CalendarDate>, bool);

fn name_strategy() -> impl Strategy<Value = NameParts> {
    let word = "[\\p{L}][\\p{L}'’ -]{0,12}";
    (
        prop::option::of(word),
        prop::collection::vec(word, 0..3),
        use_strategy(&["usual", "official", "nickname", "old", "maiden"]),
        period_strategy(),
    )
}

fn address_strategy() -> impl Strategy<Value = AddressParts> {
    (
        prop::option::of("[A-Za-z]{1,2}[0-9]{1,2}[A-Za-z]? ?[0-9][A-Za-z]{2}|[A-Z ]{0,8}"),
        use_strategy(&["home", "temp", "work", "old", "billing"]),
        period_strategy(),
    )
}

/// The generated parts of a patient.
type PatientParts = (
    Vec<NameParts>,
    CalendarDate,
    Option<&'static str>,
    Vec<AddressParts>,
    bool,
);

fn patient_strategy() -> impl Strategy<Value = PatientParts> {
    (
        prop::collection::vec(name_strategy(), 0..4),
        date_strategy(),
        prop::option::of(prop::sample::select(
            &["male", "female", "other", "unknown"][..],
        )),
        prop::collection::vec(address_strategy(), 0..4),
        any::<bool>(),
    )
}

fn dated<T>(value: T, use_: Option<String>, (start, end, period_unreadable): Period) -> Dated<T> {
    Dated {
        value,
        use_,
        start,
        end,
        period_unreadable,
    }
}

/// The patient PDS would send (a restricted record has no addresses).
fn build_patient((names, birth, gender, addresses, restricted): PatientParts) -> PdsPatient {
    PdsPatient {
        nhs_number: NhsNumber::parse("9434765919").expect("valid"),
        names: names
            .into_iter()
            .map(|(family, given, use_, period)| {
                dated(
                    PersonName {
                        prefix: Vec::new(),
                        given,
                        family,
                    },
                    use_,
                    period,
                )
            })
            .collect(),
        birth_date: Some(birth.to_string()),
        gender: gender.map(str::to_owned),
        addresses: if restricted {
            Vec::new()
        } else {
            addresses
                .into_iter()
                .map(|(postcode, use_, period)| {
                    dated(
                        PostalAddress {
                            lines: vec!["1 Street".to_owned()],
                            postcode,
                        },
                        use_,
                        period,
                    )
                })
                .collect()
        },
        deceased: None,
        restricted,
        version_id: None,
    }
}

/// A list row written from what PDS shows as current on `today`.
fn row_from(p: &PdsPatient, today: CalendarDate) -> ListRow {
    let name = p.name_on(today).filter(|n| n.current).map(|n| n.value);
    let given: Vec<&str> = name
        .map(|n| {
            n.given
                .iter()
                .map(|g| g.trim())
                .filter(|g| !g.is_empty())
                .collect()
        })
        .unwrap_or_default();
    ListRow {
        row_number: 2,
        nhs_number: Some(p.nhs_number.clone()),
        family: name.and_then(|n| n.family.clone()),
        given: (!given.is_empty()).then(|| given.join(" ")),
        birth_date: p.birth_date.as_deref().and_then(CalendarDate::parse),
        gender: p.gender.as_deref().and_then(Gender::from_fhir),
        postcode: p
            .address_on(today)
            .filter(|a| a.current)
            .and_then(|a| a.value.postcode.as_deref())
            .and_then(|pc| Postcode::parse(pc).ok()),
        admission_date: None,
        ward: None,
        hospital_number: None,
        extra: Vec::new(),
        duplicate_of: None,
        warnings: Vec::new(),
    }
}

/// 2,000 generated cases, or `PROPTEST_CASES` (mutation testing runs fewer).
#[allow(
    clippy::disallowed_methods,
    reason = "a test's own setting, not the core's"
)]
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_patient_cross_checked_with_its_own_current_details_matches(
        parts in patient_strategy(),
        today in (2024_i32..2030, 1_u8..=12, 1_u8..=28).prop_map(|(year, month, day)| CalendarDate { year, month, day }),
    ) {
        let p = build_patient(parts);
        let row = row_from(&p, today);
        let c = cross_check(&row, &p, today);
        for (field, check) in c.fields() {
            prop_assert!(
                matches!(check.result, FieldMatch::Match | FieldMatch::NotGiven),
                "{} was {:?}", field, check
            );
        }
        // The birth date is always there to compare.
        prop_assert_eq!(c.verdict(), Verdict::Match);
        prop_assert!(c.is_settled_identity());
    }
}

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

#[test]
fn results_table_order() {
    use BannerColour::{Amber, Green, Grey, Red};
    let mut results = vec![
        (2, RowResult::Banner(Green), true),
        (3, RowResult::Banner(Grey), true),
        (4, RowResult::Error, true),
        (5, RowResult::Banner(Red), true),
        (6, RowResult::Banner(Green), false),
        (7, RowResult::Banner(Amber), true),
        (8, RowResult::Banner(Grey), true),
        (9, RowResult::Error, false),
    ];
    sort_for_display(&mut results, |(n, r, s)| (*r, *s, *n));
    let order: Vec<usize> = results.iter().map(|(n, ..)| *n).collect();
    assert_eq!(order, vec![5, 6, 7, 9, 4, 3, 8, 2]);
    assert_eq!(
        order_group(RowResult::Banner(Green), false),
        OrderGroup::Attention
    );
}
