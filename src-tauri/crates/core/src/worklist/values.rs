//! Reading one cell: dates in the forms UK lists use (and Excel serials), genders, postcodes.
//! NHS numbers are read by [`crate::nhs::NhsNumber::parse`].
//!
//! # Dates
//!
//! Day first, always (a UK list never means month first): `31/12/1985`, `1/2/1985`,
//! `31-12-1985`, `31.12.1985`, `31 12 1985`; ISO `1985-12-31` (year first, so unambiguous);
//! month names, short or long, any case: `12 Mar 1985`, `12 March 1985`, `12-MAR-1985`,
//! `12th March 1985`, `March 12, 1985`; `19851231` (eight digits, year first); and a plain
//! number of up to seven digits, read as an Excel serial date of the 1900 system (what a date
//! column saved as a number looks like; `31047.5`, with the time as a fraction, from five
//! digits on). A time after the date (`31/12/1985 14:30`, `1985-12-31T00:00:00`) is ignored.
//!
//! ## Two-digit years
//!
//! `31/12/85` needs a century, chosen relative to `today` (a parameter) and to what the date
//! is ([`DateKind`]):
//! - a **birth date** is never after today: the year is the latest year ending in those two
//!   digits that puts the date on or before today (on 4 March 2026, `04/03/26` is 2026 and
//!   `05/03/26` is 1926). Nobody over 99 can be written with two digits: such a list must use
//!   four.
//! - **any other date** (an admission) is read within the hundred years from 80 years before
//!   today's year to 19 years after it (in 2026: `45` is 2045, `46` is 1946).
//!
//! ## Excel serials
//!
//! The 1900 date system: 1 is 1 January 1900. Excel believes 1900 was a leap year, so serial 60
//! is its fictitious 29 February 1900, refused here ([`DateError::FictitiousExcelDay`]); serials
//! from 61 on (1 March 1900) are one day behind a plain count. The 1904 system (old Mac files)
//! is the adapter's to convert: add 1462.

use std::fmt;

use crate::time::CalendarDate;

/// What a date is, which decides the century of a two-digit year (see the module
/// documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// A date of birth: never after today.
    Birth,
    /// Any other date (an admission or appointment): near today.
    Event,
}

/// Why a cell is not a date. The messages complete "… cannot be read as a date: ".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error,
)]
#[serde(rename_all = "snake_case")]
pub enum DateError {
    /// Not a form this reads.
    #[error("write dates day first, for example 31/12/1985, 31 Dec 1985 or 1985-12-31")]
    Unreadable,
    /// A form this reads, naming a day that does not exist.
    #[error("there is no such day")]
    NoSuchDay,
    /// Excel's serial 60: 29 February 1900, a day that never was.
    #[error("it is Excel's 29 February 1900, a day that did not exist")]
    FictitiousExcelDay,
    /// A serial below 1 or past 31 December 9999.
    #[error("it is a number too large or too small to be an Excel date")]
    SerialOutOfRange,
    /// A date of birth after today.
    #[error("a date of birth cannot be after today")]
    BirthAfterToday,
}

/// The last serial Excel accepts: 31 December 9999.
const LAST_SERIAL: f64 = 2_958_465.0;

/// The calendar date of an Excel serial (1900 date system); the fraction (the time of day) is
/// ignored. Serial 60 — Excel's 29 February 1900 — is refused, as are serials below 1, past
/// 31 December 9999, or not numbers.
pub fn excel_serial_date(serial: f64) -> Result<CalendarDate, DateError> {
    if !serial.is_finite() || !(1.0..LAST_SERIAL + 1.0).contains(&serial) {
        return Err(DateError::SerialOutOfRange);
    }
    let day = serial.floor() as i64;
    // 1899-12-30 is Unix day -25 569. Up to serial 59 Excel counts correctly from 31 December
    // 1899; from 61 its phantom leap day has put it one ahead.
    match day {
        60 => Err(DateError::FictitiousExcelDay),
        ..=59 => Ok(CalendarDate::from_unix_days(day - 25_568)),
        _ => Ok(CalendarDate::from_unix_days(day - 25_569)),
    }
}

/// The year meant by the two digits `yy` of a date with `month` and `day` (see the module
/// documentation for the rule).
pub fn century(yy: u8, month: u8, day: u8, today: CalendarDate, kind: DateKind) -> i32 {
    let yy = i32::from(yy % 100);
    match kind {
        DateKind::Birth => {
            let mut year = today.year - (today.year - yy).rem_euclid(100);
            if (year, month, day) > (today.year, today.month, today.day) {
                year -= 100;
            }
            year
        }
        DateKind::Event => {
            let earliest = today.year - 80;
            earliest + (yy - earliest).rem_euclid(100)
        }
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month name, short (three letters, or `sept`) or long, any case.
fn month_name(s: &str) -> Option<u8> {
    let s = s.to_ascii_lowercase();
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == s || (s.len() == 3 && m.starts_with(&s)) || (s == "sept" && *m == "september")
        })
        .map(|i| i as u8 + 1)
}

/// Whether `t` is a time of day or its decoration (`14:30`, `00:00:00.000`, `PM`, `Z`).
fn is_time_token(t: &str) -> bool {
    let upper = t.to_ascii_uppercase();
    matches!(upper.as_str(), "AM" | "PM" | "Z" | "UTC" | "GMT" | "BST")
        || (t.contains(':')
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z' | 'z')))
}

/// The date part of a cell: a time after it (`T…`, or tokens after a space) removed.
fn without_time(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() > 10 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b't') {
        return &s[..10];
    }
    let mut end = s.len();
    while let Some(space) = s[..end].trim_end().rfind(' ') {
        if is_time_token(s[space + 1..end].trim()) {
            end = space;
        } else {
            break;
        }
    }
    s[..end].trim_end()
}

fn number(s: &str, max_len: usize) -> Option<u32> {
    (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A day of the month, allowing an ordinal suffix (`12th`, `1st`).
fn day_number(s: &str) -> Option<u8> {
    let lower = s.to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower);
    number(digits, 2).map(|d| d as u8)
}

/// Reads a date cell (see the module documentation for the forms and the two-digit-year rule).
/// `today` decides the century of two-digit years, and a birth date after it is refused.
pub fn parse_date(
    text: &str,
    today: CalendarDate,
    kind: DateKind,
) -> Result<CalendarDate, DateError> {
    let date = read_date(text.trim(), today, kind)?;
    if kind == DateKind::Birth && date > today {
        return Err(DateError::BirthAfterToday);
    }
    Ok(date)
}

fn read_date(text: &str, today: CalendarDate, kind: DateKind) -> Result<CalendarDate, DateError> {
    let text = without_time(text);
    if text.is_empty() {
        return Err(DateError::Unreadable);
    }
    // A bare number: eight digits are yyyymmdd, up to seven an Excel serial. A fraction (the
    // time of day) is taken only after five digits or more (from 1927): `12.03` is a day and
    // month without a year, not the twelfth day of 1900.
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if number(whole, 8).is_some() && fraction.bytes().all(|b| b.is_ascii_digit()) {
        if whole.len() == 8 && fraction.is_empty() {
            let (y, m, d) = (&whole[..4], &whole[4..6], &whole[6..]);
            return ymd(y.parse().ok(), m.parse().ok(), d.parse().ok());
        }
        if whole.len() <= 7 && (fraction.is_empty() || whole.len() >= 5) {
            let serial: f64 = text.parse().map_err(|_| DateError::Unreadable)?;
            return excel_serial_date(serial);
        }
        return Err(DateError::Unreadable);
    }
    let tokens: Vec<&str> = text
        .split(['/', '-', '.', ' ', ','])
        .filter(|t| !t.is_empty())
        .collect();
    let [a, b, c] = tokens[..] else {
        return Err(DateError::Unreadable);
    };
    // Year first: 1985-12-31.
    if let Some(year) = number(a, 4).filter(|_| a.len() == 4) {
        let month = number(b, 2).ok_or(DateError::Unreadable)?;
        let day = number(c, 2).ok_or(DateError::Unreadable)?;
        return ymd(Some(year as i32), Some(month as u8), Some(day as u8));
    }
    // Day first (31/12/1985, 31 Dec 1985), or a month name first (December 31, 1985).
    let (day, month) = match (day_number(a), month_name(b), month_name(a), day_number(b)) {
        (Some(d), Some(m), _, _) => (d, m),
        (Some(d), None, _, _) => (d, number(b, 2).ok_or(DateError::Unreadable)? as u8),
        (None, _, Some(m), Some(d)) => (d, m),
        _ => return Err(DateError::Unreadable),
    };
    let year = match c.len() {
        4 => number(c, 4).ok_or(DateError::Unreadable)? as i32,
        2 => {
            let yy = number(c, 2).ok_or(DateError::Unreadable)? as u8;
            century(yy, month, day, today, kind)
        }
        _ => return Err(DateError::Unreadable),
    };
    ymd(Some(year), Some(month), Some(day))
}

fn ymd(year: Option<i32>, month: Option<u8>, day: Option<u8>) -> Result<CalendarDate, DateError> {
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(DateError::Unreadable);
    };
    CalendarDate::new(year, month, day).ok_or(DateError::NoSuchDay)
}

/// A gender, as FHIR (and PDS) codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// `male`.
    Male,
    /// `female`.
    Female,
    /// `other`: indeterminate (`I` in NHS lists).
    Other,
    /// `unknown` (not known, not stated).
    Unknown,
}

impl Gender {
    /// The FHIR code: `male`, `female`, `other` or `unknown`.
    pub fn fhir_code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }

    /// Reads a FHIR code (as PDS sends it); `None` for anything else.
    pub fn from_fhir(code: &str) -> Option<Self> {
        match code {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            "other" => Some(Gender::Other),
            "unknown" => Some(Gender::Unknown),
            _ => None,
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.fhir_code())
    }
}

/// A gender cell that is not one this reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("write the gender as M, F, U or I, or as male, female, unknown, other or indeterminate")]
pub struct GenderError;

/// Reads a gender cell, any case, surrounding spaces ignored: `M`/`male`, `F`/`female`,
/// `U`/`unknown`/`not known`, `I`/`indeterminate`/`other`; and the NHS Data Dictionary's
/// Person Stated Gender codes `1` (male), `2` (female), `0` (not known) and `9` (not
/// specified), both read as `unknown`, that PAS exports carry.
pub fn parse_gender(text: &str) -> Result<Gender, GenderError> {
    let lower = text.trim().to_ascii_lowercase();
    let squashed: String = lower.split_whitespace().collect();
    match squashed.as_str() {
        "m" | "male" | "1" => Ok(Gender::Male),
        "f" | "female" | "2" => Ok(Gender::Female),
        "i" | "indeterminate" | "other" | "o" => Ok(Gender::Other),
        "u" | "unknown" | "notknown" | "notspecified" | "notstated" | "0" | "9" => {
            Ok(Gender::Unknown)
        }
        _ => Err(GenderError),
    }
}

/// A UK postcode of a valid shape, normalised: upper case, one space before the inward code
/// (`ls16ae` → `LS1 6AE`). What was written is kept too, for comparison.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Postcode {
    normalised: String,
    written: String,
}

/// A postcode cell that is not a UK postcode's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a postcode looks like SW1A 1AA: two to four letters and digits, then a digit and two letters"
)]
pub struct PostcodeError;

impl Postcode {
    /// Reads a postcode: spaces anywhere are ignored, then the shape is checked — an outward
    /// code `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A`, then an inward code `9AA` — (and
    /// `GIR 0AA`). Which letters may stand where is not checked: the NHS's pseudo-postcodes
    /// (`ZZ99 3VZ`, no fixed abode) are valid here.
    pub fn parse(text: &str) -> Result<Self, PostcodeError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !compact.is_ascii() || !(5..=7).contains(&compact.len()) {
            return Err(PostcodeError);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let shape: String = compact
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' => 'A',
                b'0'..=b'9' => '9',
                _ => '?',
            })
            .collect();
        let (outward_shape, inward_shape) = shape.split_at(shape.len() - 3);
        let valid = compact == "GIR0AA"
            || (inward_shape == "9AA"
                && matches!(
                    outward_shape,
                    "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
                ));
        if !valid {
            return Err(PostcodeError);
        }
        Ok(Self {
            normalised: format!("{outward} {inward}"),
            written: text.trim().to_owned(),
        })
    }

    /// The normalised postcode: `LS1 6AE`.
    pub fn as_str(&self) -> &str {
        &self.normalised
    }

    /// As it was written (surrounding spaces removed).
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The outward code: `LS1`.
    pub fn outward(&self) -> &str {
        self.normalised
            .split_once(' ')
            .map_or(self.normalised.as_str(), |(o, _)| o)
    }

    /// The inward code: `6AE`.
    pub fn inward(&self) -> &str {
        self.normalised.split_once(' ').map_or("", |(_, i)| i)
    }
}

impl fmt::Debug for Postcode {
    /// Redacted: a postcode is part of an address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Postcode(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> CalendarDate {
        CalendarDate::parse(s).expect("date")
    }

    const TODAY: &str = "2026-03-04";

    fn check(text: &str, kind: DateKind, expected: Result<&str, DateError>) {
        assert_eq!(
            parse_date(text, day(TODAY), kind).map(|d| d.to_string()),
            expected.map(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn every_uk_form() {
        for (text, iso) in [
            ("12/03/1985", "1985-03-12"),
            ("2/3/1985", "1985-03-02"),
            ("12-03-1985", "1985-03-12"),
            ("12.03.1985", "1985-03-12"),
            ("12 03 1985", "1985-03-12"),
            ("1985-03-12", "1985-03-12"),
            ("1985/3/2", "1985-03-02"),
            ("12 Mar 1985", "1985-03-12"),
            ("12 March 1985", "1985-03-12"),
            ("12-MAR-1985", "1985-03-12"),
            ("12 sept 1985", "1985-09-12"),
            ("1st June 1985", "1985-06-01"),
            ("12th March 1985", "1985-03-12"),
            ("March 12, 1985", "1985-03-12"),
            ("19850312", "1985-03-12"),
            ("  12/03/1985  ", "1985-03-12"),
            ("12/03/1985 14:30", "1985-03-12"),
            ("12/03/1985 2:30 PM", "1985-03-12"),
            ("1985-03-12T00:00:00", "1985-03-12"),
            ("1985-03-12T00:00:00Z", "1985-03-12"),
            ("1985-03-12 00:00:00.000", "1985-03-12"),
            ("31064", "1985-01-17"),
            ("31064.5", "1985-01-17"),
        ] {
            check(text, DateKind::Birth, Ok(iso));
        }
    }

    #[test]
    fn refusals_say_why() {
        for text in [
            "",
            "yesterday",
            "12/1985",
            "1985-12",
            "12/03/198",
            "12/03/19855",
            "12//",
            "Mar 1985",
            "12 Foo 1985",
            "3/12/1985/1",
            "123456789",
            "1985-03-12X",
            "12/ma/1985",
            "12.03",
            "1.5",
            "2026.03",
            "12345678.5",
        ] {
            check(text, DateKind::Event, Err(DateError::Unreadable));
        }
        for text in [
            "31/02/1985",
            "29/02/2023",
            "00/01/1985",
            "12/13/1985",
            "1985-02-30",
            "19850230",
        ] {
            check(text, DateKind::Event, Err(DateError::NoSuchDay));
        }
        check(
            "05/03/2026",
            DateKind::Birth,
            Err(DateError::BirthAfterToday),
        );
        check("05/03/2026", DateKind::Event, Ok("2026-03-05"));
        check("04/03/2026", DateKind::Birth, Ok("2026-03-04"));
        check("60", DateKind::Event, Err(DateError::FictitiousExcelDay));
        check("0", DateKind::Event, Err(DateError::SerialOutOfRange));
        check("2958466", DateKind::Event, Err(DateError::SerialOutOfRange));
    }

    #[test]
    fn excel_serials() {
        for (serial, iso) in [
            (1.0, Ok("1900-01-01")),
            (31.0, Ok("1900-01-31")),
            (59.0, Ok("1900-02-28")),
            (60.0, Err(DateError::FictitiousExcelDay)),
            (61.0, Ok("1900-03-01")),
            (367.0, Ok("1901-01-01")),
            (25_569.0, Ok("1970-01-01")),
            (36_526.0, Ok("2000-01-01")),
            (45_000.0, Ok("2023-03-15")),
            (45_000.99, Ok("2023-03-15")),
            (46_085.0, Ok("2026-03-04")),
            (2_958_465.0, Ok("9999-12-31")),
            (2_958_465.5, Ok("9999-12-31")),
            (0.0, Err(DateError::SerialOutOfRange)),
            (0.5, Err(DateError::SerialOutOfRange)),
            (-1.0, Err(DateError::SerialOutOfRange)),
            (2_958_466.0, Err(DateError::SerialOutOfRange)),
            (f64::NAN, Err(DateError::SerialOutOfRange)),
            (f64::INFINITY, Err(DateError::SerialOutOfRange)),
        ] {
            assert_eq!(
                excel_serial_date(serial).map(|d| d.to_string()),
                iso.map(str::to_owned),
                "{serial}"
            );
        }
    }

    #[test]
    fn two_digit_years_of_birth_are_never_after_today() {
        // Today is 4 March 2026.
        check("04/03/26", DateKind::Birth, Ok("2026-03-04"));
        check("05/03/26", DateKind::Birth, Ok("1926-03-05"));
        check("03/03/26", DateKind::Birth, Ok("2026-03-03"));
        check("01/01/00", DateKind::Birth, Ok("2000-01-01"));
        check("31/12/99", DateKind::Birth, Ok("1999-12-31"));
        check("01/01/27", DateKind::Birth, Ok("1927-01-01"));
        check("12 Mar 85", DateKind::Birth, Ok("1985-03-12"));
        check("29/02/24", DateKind::Birth, Ok("2024-02-29"));
        check("29/02/25", DateKind::Birth, Err(DateError::NoSuchDay));
    }

    #[test]
    fn two_digit_years_of_events_are_near_today() {
        // In 2026 the window is 1946–2045.
        check("01/01/45", DateKind::Event, Ok("2045-01-01"));
        check("31/12/45", DateKind::Event, Ok("2045-12-31"));
        check("01/01/46", DateKind::Event, Ok("1946-01-01"));
        check("05/03/26", DateKind::Event, Ok("2026-03-05"));
        check("01/01/00", DateKind::Event, Ok("2000-01-01"));
        check("31/12/99", DateKind::Event, Ok("1999-12-31"));
        assert_eq!(century(45, 1, 1, day("2026-01-01"), DateKind::Event), 2045);
        assert_eq!(century(46, 1, 1, day("2026-01-01"), DateKind::Event), 1946);
        assert_eq!(century(46, 1, 1, day("2027-01-01"), DateKind::Event), 2046);
        assert_eq!(century(26, 3, 5, day("2026-03-04"), DateKind::Birth), 1926);
        assert_eq!(century(26, 3, 4, day("2026-03-04"), DateKind::Birth), 2026);
        assert_eq!(century(0, 1, 1, day("2099-12-31"), DateKind::Birth), 2000);
        assert_eq!(
            century(99, 12, 31, day("2100-01-01"), DateKind::Birth),
            2099
        );
    }

    #[test]
    fn every_gender_spelling() {
        for (text, gender) in [
            ("M", Gender::Male),
            ("m", Gender::Male),
            ("Male", Gender::Male),
            (" MALE ", Gender::Male),
            ("1", Gender::Male),
            ("F", Gender::Female),
            ("female", Gender::Female),
            ("FEMALE", Gender::Female),
            ("2", Gender::Female),
            ("U", Gender::Unknown),
            ("unknown", Gender::Unknown),
            ("Not Known", Gender::Unknown),
            ("not specified", Gender::Unknown),
            ("0", Gender::Unknown),
            ("9", Gender::Unknown),
            ("I", Gender::Other),
            ("Indeterminate", Gender::Other),
            ("other", Gender::Other),
            ("OTHER", Gender::Other),
        ] {
            assert_eq!(parse_gender(text), Ok(gender), "{text}");
        }
        for text in ["", "X", "man", "3", "mf", "fem"] {
            assert_eq!(parse_gender(text), Err(GenderError), "{text}");
        }
        for g in [Gender::Male, Gender::Female, Gender::Other, Gender::Unknown] {
            assert_eq!(Gender::from_fhir(g.fhir_code()), Some(g));
            assert_eq!(g.to_string(), g.fhir_code());
        }
        assert_eq!(Gender::from_fhir("Male"), None);
    }

    #[test]
    fn postcode_shapes() {
        for (text, normal) in [
            ("M1 1AE", "M1 1AE"),
            ("m11ae", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("dn551pt", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            (" ls1  6ae ", "LS1 6AE"),
            ("L S 1 6 A E", "LS1 6AE"),
            ("ZZ99 3VZ", "ZZ99 3VZ"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            let p = Postcode::parse(text).expect(text);
            assert_eq!(p.as_str(), normal, "{text}");
            assert_eq!(p.written(), text.trim());
        }
        let p = Postcode::parse("ec1a1bb").expect("valid");
        assert_eq!((p.outward(), p.inward()), ("EC1A", "1BB"));
        for text in [
            "",
            "LS1",
            "LS1 6A",
            "LS16 AE1",
            "1LS 6AE",
            "LS1 AAE",
            "LS1 66E",
            "ABC1 1AA",
            "A1A1 1AA",
            "LS1-6AE",
            "NFA",
            "LS1 6AÉ",
            "EC1A 1BBB",
        ] {
            assert_eq!(Postcode::parse(text), Err(PostcodeError), "{text}");
        }
        assert_eq!(format!("{p:?}"), "Postcode(***)");
    }
}
