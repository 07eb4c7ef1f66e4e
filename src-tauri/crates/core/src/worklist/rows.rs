//! Every row of a list, read into a [`ListRow`] (to be checked) or a [`RowProblem`] (why it
//! cannot be). No row is dropped silently: an empty row in the middle of the list is a problem
//! row, and the empty rows at the end are counted ([`Parsed::trailing_blank_rows`]).
//!
//! Rows are numbered as a spreadsheet numbers them: the header is row 1, the first patient
//! row 2. Rows with the same NHS number are grouped: the first is checked, the others carry
//! [`ListRow::duplicate_of`] and take its result.

use std::collections::HashMap;
use std::fmt;

use crate::nhs::{NhsNumber, NhsNumberError};
use crate::time::CalendarDate;

use super::columns::{Field, Mapping, MappingError};
use super::values::{parse_date, parse_gender, DateError, DateKind, Gender, Postcode};

/// The most patient rows one list may have.
pub const MAX_ROWS: usize = 100_000;

/// The text of a cell, kept to show the user what was there. Its `Debug` is redacted (it may
/// be an NHS number or a name, and debug output reaches logs); `Display` shows it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CellText(pub String);

impl fmt::Debug for CellText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CellText(***)")
    }
}

impl fmt::Display for CellText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something odd about a row that does not stop it being checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RowWarning {
    /// The postcode cell is not a postcode; the row is checked without it.
    #[error("the {column} column has \"{value}\", which is not a postcode: it was left out")]
    UnreadablePostcode {
        /// The column's header.
        column: String,
        /// What was there.
        value: CellText,
    },
}

/// A row that can be checked.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListRow {
    /// The row's number in the spreadsheet (the header is row 1).
    pub row_number: usize,
    /// The NHS number; `None` when the row is to be found by a PDS search on its details.
    pub nhs_number: Option<NhsNumber>,
    /// Family name.
    pub family: Option<String>,
    /// Given name(s), as written (`John Paul`).
    pub given: Option<String>,
    /// Date of birth.
    pub birth_date: Option<CalendarDate>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Postcode.
    pub postcode: Option<Postcode>,
    /// Date of admission (or appointment).
    pub admission_date: Option<CalendarDate>,
    /// Ward or clinic.
    pub ward: Option<String>,
    /// The hospital's number for the patient.
    pub hospital_number: Option<String>,
    /// The cells of the columns not mapped to a field, in column order (see
    /// [`Parsed::extra_headers`]).
    pub extra: Vec<String>,
    /// When an earlier row has the same NHS number: that row's number. This row is not
    /// checked; it takes that row's result.
    pub duplicate_of: Option<usize>,
    /// What is odd about the row without stopping its check.
    pub warnings: Vec<RowWarning>,
}

impl fmt::Debug for ListRow {
    /// Redacted: rows hold patients' details.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRow")
            .field("row_number", &self.row_number)
            .field("nhs_number", &self.nhs_number.is_some())
            .field("duplicate_of", &self.duplicate_of)
            .field("warnings", &self.warnings.len())
            .finish_non_exhaustive()
    }
}

/// Why a row cannot be checked. Each message is shown to the user beside the row's number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RowProblemReason {
    /// The NHS number's check digit is wrong (a typing error, most often).
    #[error(
        "The NHS number is not valid: its check digit does not match (check for a typing error)"
    )]
    NhsNumberCheckDigit,
    /// The NHS number does not have ten digits.
    #[error("The NHS number has {digits} digits; an NHS number has 10")]
    NhsNumberWrongLength {
        /// How many digits it has.
        digits: usize,
    },
    /// The NHS number has letters or other characters in it.
    #[error("The NHS number has letters or other characters in it; an NHS number is 10 digits")]
    NhsNumberNotDigits,
    /// A spreadsheet has turned the NHS number into a rounded number (`9.43E+09`).
    #[error(
        "The NHS number was turned into a rounded number like 9.43E+09 by a spreadsheet: format \
         the column as text and export the list again"
    )]
    NhsNumberScientific,
    /// No NHS number, and not what a PDS search needs.
    #[error(
        "There is no NHS number, and not enough details to search for the patient ({} missing): \
         a search needs the family name, date of birth and gender",
        list(missing)
    )]
    NoNhsNumberNorDemographics {
        /// The details a search needs that the row does not have.
        missing: Vec<Field>,
    },
    /// A date cell that cannot be read.
    #[error("The {column} column has \"{value}\", which cannot be read as a date: {error}")]
    UnreadableDate {
        /// Which field.
        field: Field,
        /// The column's header.
        column: String,
        /// What was there.
        value: CellText,
        /// Why it cannot be read.
        error: DateError,
    },
    /// A gender cell that cannot be read.
    #[error(
        "The {column} column has \"{value}\", which is not a gender: write M, F, U or I \
         (or male, female, unknown, other, indeterminate)"
    )]
    UnreadableGender {
        /// The column's header.
        column: String,
        /// What was there.
        value: CellText,
    },
    /// A row with nothing in it, before the end of the list.
    #[error("This row is empty")]
    EmptyRow,
}

fn list(fields: &[Field]) -> String {
    let labels: Vec<&str> = fields.iter().map(|f| f.label()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A row that cannot be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowProblem {
    /// The row's number in the spreadsheet (the header is row 1).
    pub row_number: usize,
    /// The first problem found (the NHS number's before the others).
    pub reason: RowProblemReason,
    /// Any further problems with the same row.
    pub more: Vec<RowProblemReason>,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum RowOutcome {
    /// It can be checked (or takes the result of an earlier row with the same NHS number).
    Row(ListRow),
    /// It cannot be checked.
    Problem(RowProblem),
}

impl RowOutcome {
    /// The row's number in the spreadsheet.
    pub fn row_number(&self) -> usize {
        match self {
            RowOutcome::Row(r) => r.row_number,
            RowOutcome::Problem(p) => p.row_number,
        }
    }
}

/// A row whose NHS number an earlier row already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duplicate {
    /// The repeated row.
    pub row_number: usize,
    /// The first row with the same NHS number: the one checked.
    pub duplicate_of: usize,
}

/// A whole list, read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    /// One outcome per row, in the list's order, up to the last row that is not empty.
    pub rows: Vec<RowOutcome>,
    /// The headers of the columns carried through ([`ListRow::extra`]).
    pub extra_headers: Vec<String>,
    /// How many empty rows the list ended with (ignored).
    pub trailing_blank_rows: usize,
}

impl Parsed {
    /// The rows to check: readable, and not repeating an earlier row's NHS number.
    pub fn to_check(&self) -> impl Iterator<Item = &ListRow> {
        self.rows.iter().filter_map(|r| match r {
            RowOutcome::Row(row) if row.duplicate_of.is_none() => Some(row),
            _ => None,
        })
    }

    /// The rows that cannot be checked.
    pub fn problems(&self) -> impl Iterator<Item = &RowProblem> {
        self.rows.iter().filter_map(|r| match r {
            RowOutcome::Problem(p) => Some(p),
            RowOutcome::Row(_) => None,
        })
    }

    /// The rows repeating an earlier row's NHS number.
    pub fn duplicates(&self) -> impl Iterator<Item = Duplicate> + '_ {
        self.rows.iter().filter_map(|r| match r {
            RowOutcome::Row(ListRow {
                row_number,
                duplicate_of: Some(first),
                ..
            }) => Some(Duplicate {
                row_number: *row_number,
                duplicate_of: *first,
            }),
            _ => None,
        })
    }

    /// The rows that take the result of row `row_number` (its duplicates), in order.
    pub fn copies_of(&self, row_number: usize) -> Vec<usize> {
        self.duplicates()
            .filter(|d| d.duplicate_of == row_number)
            .map(|d| d.row_number)
            .collect()
    }
}

/// Why a list cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The mapping does not fit the list.
    #[error("The columns chosen do not fit this list: {0}")]
    Mapping(#[from] MappingError),
    /// More rows than [`MAX_ROWS`].
    #[error(
        "The list has {} patient rows; V&M Check takes at most {} at a time: split it into \
         smaller lists",
        thousands(*count),
        thousands(MAX_ROWS)
    )]
    TooManyRows {
        /// How many patient rows it has (empty rows at the end not counted).
        count: usize,
    },
}

/// `100000` → `100,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Splits a whole name into (family, given): `SMITH, John Paul` (a comma: family first);
/// `SMITH John` (family first in capitals, as PAS lists write it); otherwise the last word is
/// the family name (`John Smith`).
pub fn split_full_name(name: &str) -> (Option<String>, Option<String>) {
    let some = |s: &str| {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!s.is_empty()).then_some(s)
    };
    if let Some((family, given)) = name.split_once(',') {
        return (some(family), some(given));
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let capitals =
        |w: &&&str| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase);
    let leading = words.iter().take_while(capitals).count();
    let split = if leading > 0 && leading < words.len() {
        leading
    } else {
        words.len().saturating_sub(1)
    };
    if words.len() == 1 {
        return (some(words[0]), None);
    }
    let (a, b) = words.split_at(split);
    if leading > 0 && leading < words.len() {
        (some(&a.join(" ")), some(&b.join(" ")))
    } else {
        (some(&b.join(" ")), some(&a.join(" ")))
    }
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// A number a spreadsheet wrote in scientific notation (`9.43477E+09`).
fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

fn nhs_problem(text: &str, error: &NhsNumberError) -> RowProblemReason {
    match error {
        NhsNumberError::BadCheckDigit | NhsNumberError::CheckDigitTen => {
            RowProblemReason::NhsNumberCheckDigit
        }
        NhsNumberError::WrongLength(digits) => {
            RowProblemReason::NhsNumberWrongLength { digits: *digits }
        }
        NhsNumberError::NotDigits if is_scientific(text) => RowProblemReason::NhsNumberScientific,
        NhsNumberError::NotDigits | NhsNumberError::Empty => RowProblemReason::NhsNumberNotDigits,
    }
}

/// Reads one row against the mapping.
struct RowReader<'a> {
    headers: &'a [String],
    mapping: &'a Mapping,
    extra_columns: &'a [usize],
    today: CalendarDate,
}

impl RowReader<'_> {
    fn column_name(&self, field: Field) -> String {
        let column = self.mapping.column(field).unwrap_or_default();
        match self.headers.get(column).map(|h| h.trim()) {
            Some(h) if !h.is_empty() => h.to_owned(),
            _ => format!("column {}", column + 1),
        }
    }

    fn read(&self, row_number: usize, row: &[String]) -> RowOutcome {
        let cell = |field: Field| -> Option<&str> {
            let column = self.mapping.column(field)?;
            row.get(column).map(|c| c.trim()).filter(|c| !c.is_empty())
        };
        let owned = |field: Field| cell(field).map(str::to_owned);
        let mut problems = Vec::new();
        let mut warnings = Vec::new();

        let nhs_number = cell(Field::NhsNumber).and_then(|text| {
            NhsNumber::parse(text)
                .map_err(|e| problems.push(nhs_problem(text, &e)))
                .ok()
        });

        let (full_family, full_given) = cell(Field::FullName)
            .map(split_full_name)
            .unwrap_or_default();
        let family = owned(Field::FamilyName).or(full_family);
        let given = owned(Field::GivenName).or(full_given);

        let date = |field: Field, kind: DateKind, problems: &mut Vec<RowProblemReason>| {
            let text = cell(field)?;
            parse_date(text, self.today, kind)
                .map_err(|error| {
                    problems.push(RowProblemReason::UnreadableDate {
                        field,
                        column: self.column_name(field),
                        value: CellText(text.to_owned()),
                        error,
                    });
                })
                .ok()
        };
        let birth_date = date(Field::BirthDate, DateKind::Birth, &mut problems);

        let gender = cell(Field::Gender).and_then(|text| {
            parse_gender(text)
                .map_err(|_| {
                    problems.push(RowProblemReason::UnreadableGender {
                        column: self.column_name(Field::Gender),
                        value: CellText(text.to_owned()),
                    });
                })
                .ok()
        });

        let admission_date = date(Field::AdmissionDate, DateKind::Event, &mut problems);

        let postcode = cell(Field::Postcode).and_then(|text| {
            Postcode::parse(text)
                .map_err(|_| {
                    warnings.push(RowWarning::UnreadablePostcode {
                        column: self.column_name(Field::Postcode),
                        value: CellText(text.to_owned()),
                    });
                })
                .ok()
        });

        // Without an NHS number a row is found by its hospital number (through the trust's
        // Care Connect service) or by a PDS search on its details.
        if cell(Field::NhsNumber).is_none() && cell(Field::HospitalNumber).is_none() {
            let mut missing = Vec::new();
            if family.is_none() {
                missing.push(Field::FamilyName);
            }
            if cell(Field::BirthDate).is_none() {
                missing.push(Field::BirthDate);
            }
            if cell(Field::Gender).is_none() {
                missing.push(Field::Gender);
            }
            if !missing.is_empty() {
                problems.insert(0, RowProblemReason::NoNhsNumberNorDemographics { missing });
            }
        }

        let mut problems = problems.into_iter();
        if let Some(reason) = problems.next() {
            return RowOutcome::Problem(RowProblem {
                row_number,
                reason,
                more: problems.collect(),
            });
        }
        RowOutcome::Row(ListRow {
            row_number,
            nhs_number,
            family,
            given,
            birth_date,
            gender,
            postcode,
            admission_date,
            ward: owned(Field::WardOrClinic),
            hospital_number: owned(Field::HospitalNumber),
            extra: self
                .extra_columns
                .iter()
                .map(|c| row.get(*c).cloned().unwrap_or_default())
                .collect(),
            duplicate_of: None,
            warnings,
        })
    }
}

/// Reads every row of a list. `headers` are the first row's cells; `rows` the rest, in order
/// (a row shorter than the headers is read as if its missing cells were empty; cells past the
/// last header are not read). `today` decides two-digit years and refuses birth dates after it.
///
/// Refused as a whole: a mapping that does not fit the headers, or more than [`MAX_ROWS`]
/// patient rows (the empty rows at the end are not counted, nor read).
pub fn parse_rows(
    headers: &[String],
    rows: &[Vec<String>],
    mapping: &Mapping,
    today: CalendarDate,
) -> Result<Parsed, ParseError> {
    mapping.validate(headers.len())?;
    let used = rows.iter().rposition(|r| !is_blank(r)).map_or(0, |i| i + 1);
    if used > MAX_ROWS {
        return Err(ParseError::TooManyRows { count: used });
    }
    let extra_columns: Vec<usize> = (0..headers.len())
        .filter(|c| mapping.field_of(*c).is_none())
        .collect();
    let reader = RowReader {
        headers,
        mapping,
        extra_columns: &extra_columns,
        today,
    };
    let mut first_with: HashMap<NhsNumber, usize> = HashMap::new();
    let outcomes = rows[..used]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let row_number = i + 2;
            if is_blank(row) {
                return RowOutcome::Problem(RowProblem {
                    row_number,
                    reason: RowProblemReason::EmptyRow,
                    more: Vec::new(),
                });
            }
            let mut outcome = reader.read(row_number, row);
            if let RowOutcome::Row(r) = &mut outcome {
                if let Some(nhs) = &r.nhs_number {
                    let first = *first_with.entry(nhs.clone()).or_insert(row_number);
                    r.duplicate_of = (first != row_number).then_some(first);
                }
            }
            outcome
        })
        .collect();
    Ok(Parsed {
        rows: outcomes,
        extra_headers: extra_columns.iter().map(|c| headers[*c].clone()).collect(),
        trailing_blank_rows: rows.len() - used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_split_as_lists_write_them() {
        for (name, family, given) in [
            ("SMITH, John Paul", Some("SMITH"), Some("John Paul")),
            ("Smith,John", Some("Smith"), Some("John")),
            ("SMITH John", Some("SMITH"), Some("John")),
            (
                "VAN DER BERG Anna Maria",
                Some("VAN DER BERG"),
                Some("Anna Maria"),
            ),
            ("O'BRIEN Siobhán", Some("O'BRIEN"), Some("Siobhán")),
            ("John Smith", Some("Smith"), Some("John")),
            ("Jean-Luc  Picard", Some("Picard"), Some("Jean-Luc")),
            ("JOHN SMITH", Some("SMITH"), Some("JOHN")),
            ("Smith", Some("Smith"), None),
            ("SMITH,", Some("SMITH"), None),
            (", John", None, Some("John")),
            ("", None, None),
        ] {
            assert_eq!(
                split_full_name(name),
                (family.map(str::to_owned), given.map(str::to_owned)),
                "{name}"
            );
        }
    }

    #[test]
    fn thousands_separators() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (100_001, "100,001"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn scientific_notation_is_recognised() {
        for (text, sci) in [
            ("9.43477E+09", true),
            ("9.43E+09", true),
            ("9e9", true),
            ("9434765919", false),
            ("E+09", false),
            ("9.4E", false),
            ("ABC", false),
        ] {
            assert_eq!(is_scientific(text), sci, "{text}");
        }
    }

    #[test]
    fn redacted_debug() {
        let row = ListRow {
            row_number: 2,
            nhs_number: NhsNumber::parse("9434765919").ok(),
            family: Some("Smith".into()),
            given: None,
            birth_date: None,
            gender: None,
            postcode: None,
            admission_date: None,
            ward: None,
            hospital_number: None,
            extra: vec!["secret".into()],
            duplicate_of: None,
            warnings: Vec::new(),
        };
        let debug = format!("{row:?}");
        assert!(
            !debug.contains("Smith") && !debug.contains("9434765919") && !debug.contains("secret"),
            "{debug}"
        );
        assert_eq!(
            format!("{:?}", CellText("9434765919".into())),
            "CellText(***)"
        );
    }
}
