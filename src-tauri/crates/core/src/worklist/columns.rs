//! The fields a list can carry, and which column holds which.
//!
//! [`suggest_mapping`] guesses from the headers (the spellings PAS exports use: `NHS No`,
//! `Surname`, `Forename(s)`, `DOB`, `Sex`, `Post code`, `Adm date`, `Ward`, `Hosp No`, `MRN`…);
//! the user confirms or corrects the guess, and the [`Mapping`] can be remembered under
//! [`Mapping::signature`] for the next file with the same headers. Columns not mapped to a field
//! are carried through untouched.

use std::collections::BTreeMap;
use std::fmt;

use super::fold::fold;

/// A field a worklist row can carry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The NHS number.
    NhsNumber,
    /// The hospital's own number for the patient (MRN, case-note or PAS number).
    HospitalNumber,
    /// Family name (surname).
    FamilyName,
    /// Given name(s) (forenames).
    GivenName,
    /// The whole name in one column (`SMITH, John`), used when there is no family or given
    /// name column, or its cell is empty.
    FullName,
    /// Date of birth.
    BirthDate,
    /// Gender (sex).
    Gender,
    /// Postcode of the patient's home address.
    Postcode,
    /// Date of admission (or of the appointment, for a clinic list).
    AdmissionDate,
    /// Ward or clinic.
    WardOrClinic,
}

impl Field {
    /// Every field, in the order they are offered to the user.
    pub const ALL: [Field; 10] = [
        Field::NhsNumber,
        Field::HospitalNumber,
        Field::FamilyName,
        Field::GivenName,
        Field::FullName,
        Field::BirthDate,
        Field::Gender,
        Field::Postcode,
        Field::AdmissionDate,
        Field::WardOrClinic,
    ];

    /// The field's name as users read it.
    pub fn label(self) -> &'static str {
        match self {
            Field::NhsNumber => "NHS number",
            Field::HospitalNumber => "hospital number",
            Field::FamilyName => "family name",
            Field::GivenName => "given name",
            Field::FullName => "full name",
            Field::BirthDate => "date of birth",
            Field::Gender => "gender",
            Field::Postcode => "postcode",
            Field::AdmissionDate => "admission date",
            Field::WardOrClinic => "ward or clinic",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which column (0-based index into the headers) holds which field. A column holds at most one
/// field; columns holding none are carried through untouched. Serialised as a JSON object from
/// field name to column index (`{"nhs_number": 0, "family_name": 2}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Mapping {
    columns: BTreeMap<Field, usize>,
}

/// Why a mapping cannot be used with a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// A field points past the last column (a remembered mapping used with another file).
    #[error("the {field} is set to column {}, but the list has only {columns} columns", .column + 1)]
    ColumnOutOfRange {
        /// The field.
        field: Field,
        /// Its column (0-based).
        column: usize,
        /// How many columns the list has.
        columns: usize,
    },
    /// Two fields point at the same column.
    #[error("column {} is set as both the {first} and the {second}", .column + 1)]
    ColumnUsedTwice {
        /// The column (0-based).
        column: usize,
        /// One field.
        first: Field,
        /// The other.
        second: Field,
    },
    /// Neither an NHS number column nor the details a PDS search needs (a family or full
    /// name, a date of birth and a gender): no row could be checked.
    #[error(
        "choose the NHS number column, or the family name, date of birth and gender columns: \
         without them no patient can be found"
    )]
    NoIdentifyingColumns,
}

impl Mapping {
    /// A mapping with no field set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `field` to `column`. A field that was set to that column before is unset (a
    /// column holds one field). Returns the field's previous column.
    pub fn set(&mut self, field: Field, column: usize) -> Option<usize> {
        self.columns.retain(|f, c| *f == field || *c != column);
        self.columns.insert(field, column)
    }

    /// Unsets `field`; returns the column it had.
    pub fn unset(&mut self, field: Field) -> Option<usize> {
        self.columns.remove(&field)
    }

    /// The column holding `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    /// The field `column` holds, if any.
    pub fn field_of(&self, column: usize) -> Option<Field> {
        self.columns
            .iter()
            .find(|(_, c)| **c == column)
            .map(|(f, _)| *f)
    }

    /// Every field set, with its column, in the order of [`Field::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        self.columns.iter().map(|(f, c)| (*f, *c))
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Checks the mapping against a list with `columns` columns: every field within it, no
    /// column used twice, and enough to find patients by (an NHS number column, or family or
    /// full name, date of birth and gender).
    pub fn validate(&self, columns: usize) -> Result<(), MappingError> {
        let mut seen: BTreeMap<usize, Field> = BTreeMap::new();
        for (field, column) in self.iter() {
            if column >= columns {
                return Err(MappingError::ColumnOutOfRange {
                    field,
                    column,
                    columns,
                });
            }
            if let Some(first) = seen.insert(column, field) {
                return Err(MappingError::ColumnUsedTwice {
                    column,
                    first,
                    second: field,
                });
            }
        }
        let has = |f| self.column(f).is_some();
        let searchable = (has(Field::FamilyName) || has(Field::FullName))
            && has(Field::BirthDate)
            && has(Field::Gender);
        if has(Field::NhsNumber) || searchable {
            Ok(())
        } else {
            Err(MappingError::NoIdentifyingColumns)
        }
    }

    /// A stable key for a list's headers, so a mapping confirmed once can be found again for
    /// files with the same headers: `v1:` then each header [normalised](normalise_header),
    /// joined with `|`, in column order. Headers that differ only in case, spacing or
    /// punctuation (`NHS No` and `nhs_no`) give the same key.
    pub fn signature(headers: &[String]) -> String {
        let mut key = String::from("v1:");
        for (i, h) in headers.iter().enumerate() {
            if i > 0 {
                key.push('|');
            }
            key.push_str(&normalise_header(h));
        }
        key
    }
}

/// A header reduced for comparison: accents folded, lower case, letters and digits only
/// (`Forename(s)` → `forenames`, `D.O.B.` → `dob`, `Post Code` → `postcode`).
pub fn normalise_header(header: &str) -> String {
    fold(header)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Normalised header spellings that name a field exactly.
const EXACT: &[(Field, &[&str])] = &[
    (
        Field::NhsNumber,
        &[
            "nhsno",
            "nhsnumber",
            "nhsnum",
            "nhs",
            "nhsnos",
            "nhsid",
            "newnhsno",
            "nhsnumb",
        ],
    ),
    (
        Field::HospitalNumber,
        &[
            "hospno",
            "hospitalno",
            "hospitalnumber",
            "hospnum",
            "hospnumber",
            "hospitalnum",
            "mrn",
            "mrnno",
            "mrnnumber",
            "crn",
            "casenote",
            "casenoteno",
            "casenotenumber",
            "casenotes",
            "pasno",
            "pasnumber",
            "pasid",
            "localpatientid",
            "localpatientidentifier",
            "localid",
            "unitno",
            "unitnumber",
            "patientid",
            "hospid",
            "hospitalid",
            "rxno",
            "knumber",
            "distno",
            "districtno",
            "districtnumber",
        ],
    ),
    (
        Field::FamilyName,
        &[
            "surname",
            "familyname",
            "lastname",
            "sname",
            "surnames",
            "familynames",
        ],
    ),
    (
        Field::GivenName,
        &[
            "forename",
            "forenames",
            "firstname",
            "firstnames",
            "givenname",
            "givennames",
            "christianname",
            "christiannames",
            "fname",
            "othernames",
            "forname",
            "fornames",
        ],
    ),
    (
        Field::FullName,
        &[
            "name",
            "fullname",
            "patient",
            "names",
            "patientsname",
            "nameofpatient",
        ],
    ),
    (
        Field::BirthDate,
        &[
            "dob",
            "dateofbirth",
            "birthdate",
            "birthdt",
            "dobirth",
            "birthday",
            "bdate",
            "born",
        ],
    ),
    (
        Field::Gender,
        &[
            "sex",
            "gender",
            "gendercode",
            "sexcode",
            "sexgender",
            "gendersex",
            "mf",
        ],
    ),
    (
        Field::Postcode,
        &[
            "postcode",
            "postalcode",
            "pcode",
            "postcd",
            "postcodes",
            "homepostcode",
        ],
    ),
    (
        Field::AdmissionDate,
        &[
            "admdate",
            "admissiondate",
            "admitdate",
            "dateadmitted",
            "admissiondt",
            "admdt",
            "admitted",
            "admissiondatetime",
            "admdatetime",
            "admitdatetime",
            "admission",
            "dateofadmission",
            "appointmentdate",
            "apptdate",
            "clinicdate",
            "attendancedate",
            "attenddate",
            "appointment",
            "appt",
            "admdttm",
        ],
    ),
    (
        Field::WardOrClinic,
        &[
            "ward",
            "clinic",
            "wardclinic",
            "wardorclinic",
            "clinicward",
            "location",
            "wardname",
            "clinicname",
            "wardcode",
            "cliniccode",
            "currentward",
            "admittingward",
            "admissionward",
            "wardlocation",
            "clinicdescription",
            "warddescription",
        ],
    ),
];

/// Words that, inside a longer header, suggest a field; with words that rule it out (`NHS
/// Number Status`, `GP Postcode`, `Next of kin surname`).
const CONTAINS: &[(Field, &[&str], &[&str])] = &[
    (
        Field::NhsNumber,
        &["nhsnumber", "nhsno", "nhsnum"],
        &[
            "status", "verif", "trace", "mother", "father", "nok", "kin", "baby", "gp",
        ],
    ),
    (
        Field::HospitalNumber,
        &[
            "hospitalnumber",
            "hospitalno",
            "hospno",
            "hospnum",
            "mrn",
            "casenote",
            "pasno",
            "pasnumber",
            "unitno",
            "localpatientid",
        ],
        &["nok", "kin", "mother", "father"],
    ),
    (
        Field::FamilyName,
        &["surname", "familyname", "lastname"],
        &[
            "nok",
            "kin",
            "mother",
            "father",
            "gp",
            "consultant",
            "maiden",
            "previous",
            "birth",
            "referrer",
        ],
    ),
    (
        Field::GivenName,
        &["forename", "firstname", "givenname", "christianname"],
        &[
            "nok",
            "kin",
            "mother",
            "father",
            "gp",
            "consultant",
            "preferred",
            "referrer",
        ],
    ),
    (
        Field::BirthDate,
        &["dateofbirth", "birthdate", "dob"],
        &[
            "mother", "father", "nok", "kin", "baby", "verif", "place", "country",
        ],
    ),
    (
        Field::Gender,
        &["gender", "sex"],
        &[
            "orientation",
            "mother",
            "father",
            "nok",
            "kin",
            "baby",
            "identity",
        ],
    ),
    (
        Field::Postcode,
        &["postcode", "postalcode"],
        &[
            "gp", "practice", "nok", "kin", "mother", "father", "work", "employer", "referrer",
            "site", "hospital",
        ],
    ),
    (
        Field::AdmissionDate,
        &[
            "admissiondate",
            "admdate",
            "admitdate",
            "dateofadmission",
            "dateadmitted",
            "appointmentdate",
            "apptdate",
            "attendancedate",
        ],
        &[
            "discharge",
            "decision",
            "expected",
            "previous",
            "last",
            "readmission",
        ],
    ),
    (
        Field::WardOrClinic,
        &["ward", "clinic"],
        &[
            "date",
            "time",
            "consultant",
            "previous",
            "discharge",
            "transfer",
            "referral",
        ],
    ),
];

/// Prefixes a PAS puts before a header (`Patient Surname`, `Pt DOB`, `Pat Postcode`).
const PREFIXES: [&str; 5] = ["patients", "patient", "pat", "pt", "current"];

fn exact_field(normalised: &str) -> Option<Field> {
    EXACT
        .iter()
        .find(|(_, names)| names.contains(&normalised))
        .map(|(f, _)| *f)
}

/// Guesses which column holds which field from the headers. Each field goes to at most one
/// column and each column to at most one field; the first column wins a tie. Tried in turn:
/// an exact spelling (after [normalising](normalise_header)); the same after a prefix such as
/// `Patient` or `Pt`; a telling word inside a longer header, unless a word rules it out (`GP
/// Postcode` is not the patient's postcode, `NHS Number Status` not the number).
pub fn suggest_mapping(headers: &[String]) -> Mapping {
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut mapping = Mapping::new();
    let claim = |mapping: &mut Mapping, field: Field, column: usize| {
        if mapping.column(field).is_none() && mapping.field_of(column).is_none() {
            mapping.set(field, column);
        }
    };
    for (column, h) in normalised.iter().enumerate() {
        if let Some(field) = exact_field(h) {
            claim(&mut mapping, field, column);
        }
    }
    for (column, h) in normalised.iter().enumerate() {
        let field = PREFIXES
            .iter()
            .find_map(|p| h.strip_prefix(p).and_then(exact_field));
        if let Some(field) = field {
            claim(&mut mapping, field, column);
        }
    }
    for (field, words, unless) in CONTAINS {
        for (column, h) in normalised.iter().enumerate() {
            if words.iter().any(|w| h.contains(w)) && !unless.iter().any(|w| h.contains(w)) {
                claim(&mut mapping, *field, column);
            }
        }
    }
    mapping
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn normalises_headers() {
        for (h, n) in [
            ("NHS No", "nhsno"),
            ("Forename(s)", "forenames"),
            ("D.O.B.", "dob"),
            ("  Post_Code ", "postcode"),
            ("Adm. Date", "admdate"),
            ("Prénom", "prenom"),
        ] {
            assert_eq!(normalise_header(h), n, "{h}");
        }
    }

    #[test]
    fn a_column_holds_one_field() {
        let mut m = Mapping::new();
        assert_eq!(m.set(Field::FamilyName, 2), None);
        assert_eq!(m.set(Field::GivenName, 2), None);
        assert_eq!(m.column(Field::FamilyName), None);
        assert_eq!(m.field_of(2), Some(Field::GivenName));
        assert_eq!(m.set(Field::GivenName, 3), Some(2));
        assert_eq!(m.unset(Field::GivenName), Some(3));
        assert!(m.is_empty());
    }

    #[test]
    fn validation_names_the_problem() {
        let mut m = Mapping::new();
        assert_eq!(m.validate(3), Err(MappingError::NoIdentifyingColumns));
        m.set(Field::NhsNumber, 3);
        assert_eq!(
            m.validate(3),
            Err(MappingError::ColumnOutOfRange {
                field: Field::NhsNumber,
                column: 3,
                columns: 3
            })
        );
        m.set(Field::NhsNumber, 0);
        assert_eq!(m.validate(3), Ok(()));
        let mut search = Mapping::new();
        search.set(Field::FullName, 0);
        search.set(Field::BirthDate, 1);
        assert_eq!(search.validate(3), Err(MappingError::NoIdentifyingColumns));
        search.set(Field::Gender, 2);
        assert_eq!(search.validate(3), Ok(()));
        // Deserialised mappings can hold a column twice: refused.
        let twice: Mapping =
            serde_json::from_str(r#"{"nhs_number": 0, "family_name": 0}"#).expect("json");
        assert_eq!(
            twice.validate(2),
            Err(MappingError::ColumnUsedTwice {
                column: 0,
                first: Field::NhsNumber,
                second: Field::FamilyName
            })
        );
    }

    #[test]
    fn serialises_as_an_object_of_field_names() {
        let mut m = Mapping::new();
        m.set(Field::NhsNumber, 0);
        m.set(Field::WardOrClinic, 4);
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(json, r#"{"nhs_number":0,"ward_or_clinic":4}"#);
        assert_eq!(serde_json::from_str::<Mapping>(&json).expect("back"), m);
    }

    #[test]
    fn signature_ignores_case_spacing_and_punctuation_but_not_order() {
        let a = Mapping::signature(&headers(&["NHS No", "Surname", "D.O.B."]));
        let b = Mapping::signature(&headers(&["nhs_no", " SURNAME", "dob"]));
        let c = Mapping::signature(&headers(&["Surname", "NHS No", "D.O.B."]));
        assert_eq!(a, "v1:nhsno|surname|dob");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            Mapping::signature(&headers(&["NHS No", "Surname"])),
            Mapping::signature(&headers(&["NHS No", "Surname", ""]))
        );
    }

    #[test]
    fn guesses_each_common_spelling() {
        for (header, field) in [
            ("NHS No", Field::NhsNumber),
            ("NHS Number", Field::NhsNumber),
            ("NHSNumber", Field::NhsNumber),
            ("Surname", Field::FamilyName),
            ("Family name", Field::FamilyName),
            ("Forename(s)", Field::GivenName),
            ("First name", Field::GivenName),
            ("DOB", Field::BirthDate),
            ("Date of birth", Field::BirthDate),
            ("Sex", Field::Gender),
            ("Gender", Field::Gender),
            ("Post code", Field::Postcode),
            ("Postcode", Field::Postcode),
            ("Adm date", Field::AdmissionDate),
            ("Admission date", Field::AdmissionDate),
            ("Ward", Field::WardOrClinic),
            ("Clinic", Field::WardOrClinic),
            ("Hosp No", Field::HospitalNumber),
            ("MRN", Field::HospitalNumber),
            ("Hospital number", Field::HospitalNumber),
            ("Patient Name", Field::FullName),
            ("Pt Surname", Field::FamilyName),
            ("Patient NHS Number", Field::NhsNumber),
        ] {
            let m = suggest_mapping(&headers(&["Notes", header]));
            assert_eq!(m.field_of(1), Some(field), "{header}");
            assert_eq!(m.field_of(0), None, "{header}");
        }
    }

    #[test]
    fn words_that_rule_a_guess_out() {
        let m = suggest_mapping(&headers(&[
            "NHS Number Status",
            "GP Postcode",
            "NOK Surname",
            "Discharge Date",
            "Mother's DOB",
        ]));
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn the_first_of_two_candidates_wins_and_exact_beats_contains() {
        let m = suggest_mapping(&headers(&["Patient Surname", "Surname", "Surname 2"]));
        assert_eq!(m.column(Field::FamilyName), Some(1));
        let m = suggest_mapping(&headers(&["Ward", "Clinic"]));
        assert_eq!(m.column(Field::WardOrClinic), Some(0));
        assert_eq!(m.field_of(1), None);
    }
}
