//! The list's details against the patient PDS returned: does the row describe the same person?
//!
//! Each of family name, given name(s), date of birth, gender and postcode is:
//! - [`FieldMatch::Match`] — the same, as written;
//! - [`FieldMatch::Close`] — the same person's detail written differently: case, accents
//!   (`Siobhan`/`Siobhán`), hyphens or spaces (`Jean-Luc`/`Jean Luc`), apostrophes
//!   (`OBrien`/`O'Brien`), extra spaces, given names in another order, an initial for a given
//!   name (`J`/`John`) or only some of them (`Paul` for `John Paul`), postcode spacing or case;
//!   a previous name, or a postcode of another address PDS holds (the patient may have moved);
//!   a date of birth PDS holds only in part; a gender one side gives as `unknown`;
//! - [`FieldMatch::Mismatch`] — different;
//! - [`FieldMatch::NotGiven`] (the row does not have it) or [`FieldMatch::NotKnown`] (PDS does
//!   not: a restricted record has no address).
//!
//! Names are compared with every current name and the one PDS shows on the day (an alias on the
//! list is a match); the postcode with the current address first, then any other. The verdict
//! is the worst field; a [`Verdict::Mismatch`] means *check identity*: the row's result must
//! not be presented as settled ([`CrossCheck::is_settled_identity`]).

use crate::pds::{PdsPatient, PersonName};
use crate::time::{CalendarDate, FhirDateTime};

use super::columns::Field;
use super::fold::fold;
use super::rows::ListRow;
use super::values::{Gender, Postcode};

/// How one field of the row compares with PDS. Ordered best first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FieldMatch {
    /// The same, as written.
    Match,
    /// The same, written differently (see the module documentation).
    Close,
    /// Different.
    Mismatch,
    /// The row does not have it.
    NotGiven,
    /// PDS does not have it (or withholds it).
    NotKnown,
}

/// Why a field is [`FieldMatch::Close`] (or a match worth a word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckNote {
    /// The name on the list is another current name PDS holds (an alias), not the one shown.
    AnotherCurrentName,
    /// The name on the list is one PDS holds as a previous name.
    PreviousName,
    /// The postcode is a previous address's: the patient may have moved.
    PreviousAddress,
    /// The postcode is another current address's (a temporary one), not the home address's.
    AnotherCurrentAddress,
    /// PDS holds only the year (or year and month) of birth, and it agrees.
    PartialBirthDate,
    /// One side gives the gender as unknown.
    GenderUnknown,
}

impl CheckNote {
    /// A sentence for the user.
    pub fn message(self) -> &'static str {
        match self {
            CheckNote::AnotherCurrentName => "The list has another name PDS holds for this patient",
            CheckNote::PreviousName => "The list has a name PDS holds as a previous name",
            CheckNote::PreviousAddress => {
                "The postcode is a previous address's on PDS: the patient may have moved"
            }
            CheckNote::AnotherCurrentAddress => {
                "The postcode is of another address PDS holds, not the home address"
            }
            CheckNote::PartialBirthDate => "PDS holds only part of the date of birth",
            CheckNote::GenderUnknown => "The gender is unknown on one side",
        }
    }
}

/// How one field compares, with a note when one helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldCheck {
    /// The comparison.
    pub result: FieldMatch,
    /// Why, when it needs saying.
    pub note: Option<CheckNote>,
}

impl FieldCheck {
    fn of(result: FieldMatch) -> Self {
        Self { result, note: None }
    }

    fn noted(result: FieldMatch, note: CheckNote) -> Self {
        Self {
            result,
            note: Some(note),
        }
    }
}

/// The overall comparison: the worst field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every field compared matches.
    Match,
    /// None differs; at least one is written differently.
    Close,
    /// At least one differs: check identity.
    Mismatch,
    /// No field could be compared (the row has only an NHS number, or PDS nothing).
    NothingToCompare,
}

/// The row's details against PDS, field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CrossCheck {
    /// Family name.
    pub family: FieldCheck,
    /// Given name(s).
    pub given: FieldCheck,
    /// Date of birth.
    pub birth_date: FieldCheck,
    /// Gender.
    pub gender: FieldCheck,
    /// Postcode.
    pub postcode: FieldCheck,
}

impl CrossCheck {
    /// Each field with its comparison, in the order shown.
    pub fn fields(&self) -> [(Field, FieldCheck); 5] {
        [
            (Field::FamilyName, self.family),
            (Field::GivenName, self.given),
            (Field::BirthDate, self.birth_date),
            (Field::Gender, self.gender),
            (Field::Postcode, self.postcode),
        ]
    }

    /// `Mismatch` if any field differs, else `Close` if any is close, else `Match` if any
    /// matches, else `NothingToCompare`.
    pub fn verdict(&self) -> Verdict {
        let results = self.fields().map(|(_, c)| c.result);
        if results.contains(&FieldMatch::Mismatch) {
            Verdict::Mismatch
        } else if results.contains(&FieldMatch::Close) {
            Verdict::Close
        } else if results.contains(&FieldMatch::Match) {
            Verdict::Match
        } else {
            Verdict::NothingToCompare
        }
    }

    /// Whether the row's result may be presented as settled: not when the list's details
    /// differ from PDS (the row may be another patient's).
    pub fn is_settled_identity(&self) -> bool {
        self.verdict() != Verdict::Mismatch
    }

    /// The fields that differ.
    pub fn mismatched(&self) -> Vec<Field> {
        self.fields()
            .into_iter()
            .filter(|(_, c)| c.result == FieldMatch::Mismatch)
            .map(|(f, _)| f)
            .collect()
    }

    /// For a mismatch, what to tell the user: `Check identity: the list's details differ from
    /// PDS (date of birth, postcode)`.
    pub fn message(&self) -> Option<String> {
        let fields = self.mismatched();
        (!fields.is_empty()).then(|| {
            let names: Vec<&str> = fields.iter().map(|f| f.label()).collect();
            format!(
                "Check identity: the list's details differ from PDS ({})",
                names.join(", ")
            )
        })
    }
}

/// Apostrophes of every kind (`O'Brien`, `O’Brien`).
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' | '\u{2bc}'
    )
}

/// Lower case, accents folded, apostrophes dropped, hyphens, dots and other punctuation as
/// spaces; split into words.
fn words(s: &str) -> Vec<String> {
    let folded: String = fold(s)
        .chars()
        .filter(|c| !is_apostrophe(*c))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().map(str::to_owned).collect()
}

/// A family name compared: as written, then with case, accents, apostrophes, hyphens and
/// spaces ignored (`O'Brien` = `OBRIEN` = `O Brien`; `Smith-Jones` = `Smith Jones`).
fn family_match(row: &str, pds: Option<&str>) -> FieldMatch {
    let Some(pds) = pds.map(str::trim).filter(|p| !p.is_empty()) else {
        return FieldMatch::NotKnown;
    };
    if row.trim() == pds {
        FieldMatch::Match
    } else if words(row).concat() == words(pds).concat() {
        FieldMatch::Close
    } else {
        FieldMatch::Mismatch
    }
}

/// One given name stands for another: equal, or one is the other's initial.
fn compatible(a: &str, b: &str) -> bool {
    a == b
        || (a.chars().count() == 1 && b.starts_with(a))
        || (b.chars().count() == 1 && a.starts_with(b))
}

/// Whether each of `short` can be paired with a different one of `long` (backtracking; lists
/// of names are short).
fn pairs_up(short: &[String], long: &[String], used: &mut Vec<bool>) -> bool {
    let Some((first, rest)) = short.split_first() else {
        return true;
    };
    for (i, candidate) in long.iter().enumerate() {
        if !used[i] && compatible(first, candidate) {
            used[i] = true;
            if pairs_up(rest, long, used) {
                return true;
            }
            used[i] = false;
        }
    }
    false
}

/// Given names compared: as written (all of them, or the first alone), then loosely: each name
/// of the shorter list stands for a different one of the longer, in any order, an initial
/// standing for a name (`J Paul`, `Paul John`, `Paul` for `John Paul`); or the same letters
/// once hyphens and spaces are gone (`Jeanluc`).
fn given_match(row: &str, pds: &[String]) -> FieldMatch {
    let pds_written: Vec<&str> = pds
        .iter()
        .map(|g| g.trim())
        .filter(|g| !g.is_empty())
        .collect();
    if pds_written.is_empty() {
        return FieldMatch::NotKnown;
    }
    let row_written = row.split_whitespace().collect::<Vec<_>>().join(" ");
    if row.trim() == pds_written.join(" ") || row.trim() == pds_written[0] {
        return FieldMatch::Match;
    }
    let row_words = words(&row_written);
    let pds_words: Vec<String> = pds_written.iter().flat_map(|g| words(g)).collect();
    if row_words.is_empty() || pds_words.is_empty() {
        return FieldMatch::Mismatch;
    }
    let (short, long) = if row_words.len() <= pds_words.len() {
        (&row_words, &pds_words)
    } else {
        (&pds_words, &row_words)
    };
    let loose = pairs_up(short, long, &mut vec![false; long.len()])
        || row_words.concat() == pds_words.concat();
    if loose {
        FieldMatch::Close
    } else {
        FieldMatch::Mismatch
    }
}

/// Which of PDS's names a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NameKind {
    /// The one PDS shows today, current.
    Shown,
    /// Another current name.
    OtherCurrent,
    /// A name no longer current.
    Previous,
}

fn names(row: &ListRow, patient: &PdsPatient, today: CalendarDate) -> (FieldCheck, FieldCheck) {
    let family = row.family.as_deref().filter(|f| !f.trim().is_empty());
    let given = row.given.as_deref().filter(|g| !g.trim().is_empty());
    let shown = patient.name_on(today);
    let candidates = patient.names.iter().map(|n| {
        let is_shown = shown.is_some_and(|s| std::ptr::eq(s.value, &n.value));
        let kind = match (n.is_current_on(today), is_shown) {
            (true, true) => NameKind::Shown,
            (true, false) => NameKind::OtherCurrent,
            (false, _) => NameKind::Previous,
        };
        (&n.value, kind)
    });
    let compare = |name: &PersonName| {
        (
            family.map_or(FieldMatch::NotGiven, |f| {
                family_match(f, name.family.as_deref())
            }),
            given.map_or(FieldMatch::NotGiven, |g| given_match(g, &name.given)),
        )
    };
    // The candidate that agrees best: fewest mismatches, then fewest close, then most matches,
    // then the one shown before other current names before previous ones.
    let best = candidates
        .map(|(name, kind)| {
            let (f, g) = compare(name);
            let count = |m| usize::from(f == m) + usize::from(g == m);
            let rank = (
                count(FieldMatch::Mismatch),
                count(FieldMatch::Close),
                usize::MAX - count(FieldMatch::Match),
                kind,
            );
            (rank, f, g, kind)
        })
        .min_by_key(|(rank, ..)| *rank);
    let Some((_, f, g, kind)) = best else {
        let none = |written: Option<&str>| {
            FieldCheck::of(if written.is_some() {
                FieldMatch::NotKnown
            } else {
                FieldMatch::NotGiven
            })
        };
        return (none(family), none(given));
    };
    let adjust = |m: FieldMatch| match (kind, m) {
        (NameKind::Shown, m) => FieldCheck::of(m),
        (NameKind::OtherCurrent, m @ (FieldMatch::Match | FieldMatch::Close)) => {
            FieldCheck::noted(m, CheckNote::AnotherCurrentName)
        }
        (NameKind::Previous, FieldMatch::Match | FieldMatch::Close) => {
            FieldCheck::noted(FieldMatch::Close, CheckNote::PreviousName)
        }
        (_, m) => FieldCheck::of(m),
    };
    (adjust(f), adjust(g))
}

fn birth_date(row: Option<CalendarDate>, pds: Option<&str>) -> FieldCheck {
    let Some(row) = row else {
        return FieldCheck::of(FieldMatch::NotGiven);
    };
    let Some(pds) = pds.and_then(FhirDateTime::parse) else {
        return FieldCheck::of(FieldMatch::NotKnown);
    };
    match (pds.month, pds.day) {
        (Some(m), Some(d)) => {
            FieldCheck::of(if (pds.year, m, d) == (row.year, row.month, row.day) {
                FieldMatch::Match
            } else {
                FieldMatch::Mismatch
            })
        }
        (month, _) if pds.year == row.year && month.is_none_or(|m| m == row.month) => {
            FieldCheck::noted(FieldMatch::Close, CheckNote::PartialBirthDate)
        }
        _ => FieldCheck::of(FieldMatch::Mismatch),
    }
}

fn gender(row: Option<Gender>, pds: Option<&str>) -> FieldCheck {
    let Some(row) = row else {
        return FieldCheck::of(FieldMatch::NotGiven);
    };
    let Some(pds) = pds.and_then(Gender::from_fhir) else {
        return FieldCheck::of(FieldMatch::NotKnown);
    };
    if row == pds {
        FieldCheck::of(FieldMatch::Match)
    } else if row == Gender::Unknown || pds == Gender::Unknown {
        FieldCheck::noted(FieldMatch::Close, CheckNote::GenderUnknown)
    } else {
        FieldCheck::of(FieldMatch::Mismatch)
    }
}

/// A postcode compared: as written, then as normalised (spacing and case).
fn postcode_match(row: &Postcode, pds: &str) -> FieldMatch {
    let compact = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase()
    };
    if row.written() == pds.trim() {
        FieldMatch::Match
    } else if compact(row.as_str()) == compact(pds) {
        FieldMatch::Close
    } else {
        FieldMatch::Mismatch
    }
}

fn postcode(row: Option<&Postcode>, patient: &PdsPatient, today: CalendarDate) -> FieldCheck {
    let Some(row) = row else {
        return FieldCheck::of(FieldMatch::NotGiven);
    };
    if patient.restricted {
        return FieldCheck::of(FieldMatch::NotKnown);
    }
    let current = patient
        .address_on(today)
        .filter(|s| s.current)
        .and_then(|s| s.value.postcode.as_deref())
        .filter(|p| !p.trim().is_empty());
    if let Some(current) = current {
        let m = postcode_match(row, current);
        if m != FieldMatch::Mismatch {
            return FieldCheck::of(m);
        }
    }
    let elsewhere = patient.addresses.iter().find(|a| {
        a.value
            .postcode
            .as_deref()
            .is_some_and(|p| postcode_match(row, p) != FieldMatch::Mismatch)
    });
    match (elsewhere, current) {
        (Some(a), _) if a.is_current_on(today) => {
            FieldCheck::noted(FieldMatch::Close, CheckNote::AnotherCurrentAddress)
        }
        (Some(_), _) => FieldCheck::noted(FieldMatch::Close, CheckNote::PreviousAddress),
        (None, Some(_)) => FieldCheck::of(FieldMatch::Mismatch),
        // PDS holds no current postcode: where the patient lives now is not known.
        (None, None) => FieldCheck::of(FieldMatch::NotKnown),
    }
}

/// Compares a list row with the patient PDS returned for it, on `today` (which decides the
/// current names and address).
pub fn cross_check(row: &ListRow, patient: &PdsPatient, today: CalendarDate) -> CrossCheck {
    let (family, given) = names(row, patient, today);
    CrossCheck {
        family,
        given,
        birth_date: birth_date(row.birth_date, patient.birth_date.as_deref()),
        gender: gender(row.gender, patient.gender.as_deref()),
        postcode: postcode(row.postcode.as_ref(), patient, today),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(g: &[&str]) -> Vec<String> {
        g.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn family_names() {
        use FieldMatch::{Close, Match, Mismatch, NotKnown};
        for (row, pds, expected) in [
            ("Smith", Some("Smith"), Match),
            (" Smith ", Some("Smith"), Match),
            ("SMITH", Some("Smith"), Close),
            ("O'Brien", Some("O'Brien"), Match),
            ("OBrien", Some("O'Brien"), Close),
            ("O BRIEN", Some("O'Brien"), Close),
            ("O’Brien", Some("O'Brien"), Close),
            ("Smith-Jones", Some("Smith Jones"), Close),
            ("Smith  Jones", Some("Smith Jones"), Close),
            ("Nuñez", Some("Nunez"), Close),
            ("Smyth", Some("Smith"), Mismatch),
            ("Smith", Some("Smith-Jones"), Mismatch),
            ("Smith", None, NotKnown),
            ("Smith", Some("  "), NotKnown),
        ] {
            assert_eq!(family_match(row, pds), expected, "{row} / {pds:?}");
        }
    }

    #[test]
    fn given_names() {
        use FieldMatch::{Close, Match, Mismatch, NotKnown};
        for (row, pds, expected) in [
            ("John", &["John"][..], Match),
            ("John Paul", &["John", "Paul"], Match),
            ("John", &["John", "Paul"], Match),
            ("john", &["John"], Close),
            ("Paul John", &["John", "Paul"], Close),
            ("Paul", &["John", "Paul"], Close),
            ("J", &["John"], Close),
            ("J.", &["John"], Close),
            ("J P", &["John", "Paul"], Close),
            ("John", &["J"], Close),
            ("John P", &["J", "Paul"], Close),
            ("Jean Luc", &["Jean-Luc"], Close),
            ("Jeanluc", &["Jean-Luc"], Close),
            ("Siobhan", &["Siobhán"], Close),
            ("Zoe", &["Zoë"], Close),
            // An apostrophe inside a given name joins it, never splits it in two.
            ("Ma'ata", &["Maata", "Grace"], Close),
            ("Ma’ata Grace", &["Maata", "Grace"], Close),
            ("John  Paul", &["John Paul"], Close),
            ("Jon", &["John"], Mismatch),
            // Only a single letter stands for a name: "Jo" is not "John", either way round.
            ("John", &["Jo"], Mismatch),
            ("Jo", &["John"], Mismatch),
            ("Mary", &["John", "Paul"], Mismatch),
            ("John Peter", &["John", "Paul"], Mismatch),
            ("K", &["John"], Mismatch),
            ("-", &["John"], Mismatch),
            ("John", &[], NotKnown),
            ("John", &[" "], NotKnown),
        ] {
            assert_eq!(given_match(row, &given(pds)), expected, "{row} / {pds:?}");
        }
    }

    #[test]
    fn initials_pair_up_when_only_backtracking_finds_the_way() {
        // "john"→"j" then "j"→"james": a greedy exact-first pairing would take j↔j and fail.
        assert!(pairs_up(
            &given(&["john", "j"]),
            &given(&["j", "james"]),
            &mut vec![false; 2]
        ));
        assert!(!pairs_up(
            &given(&["john", "john"]),
            &given(&["john", "paul"]),
            &mut vec![false; 2]
        ));
    }

    #[test]
    fn verdict_is_the_worst_field() {
        let c = |r: [FieldMatch; 5]| CrossCheck {
            family: FieldCheck::of(r[0]),
            given: FieldCheck::of(r[1]),
            birth_date: FieldCheck::of(r[2]),
            gender: FieldCheck::of(r[3]),
            postcode: FieldCheck::of(r[4]),
        };
        use FieldMatch::{Close, Match, Mismatch, NotGiven, NotKnown};
        let all = c([Match, Match, Match, Match, Match]);
        assert_eq!(all.verdict(), Verdict::Match);
        assert!(all.is_settled_identity());
        assert_eq!(all.message(), None);
        let close = c([Close, Match, NotGiven, NotKnown, Match]);
        assert_eq!(close.verdict(), Verdict::Close);
        assert!(close.is_settled_identity());
        let bad = c([Close, Match, Mismatch, NotKnown, Mismatch]);
        assert_eq!(bad.verdict(), Verdict::Mismatch);
        assert!(!bad.is_settled_identity());
        assert_eq!(bad.mismatched(), vec![Field::BirthDate, Field::Postcode]);
        assert_eq!(
            bad.message().as_deref(),
            Some("Check identity: the list's details differ from PDS (date of birth, postcode)")
        );
        let nothing = c([NotGiven, NotKnown, NotGiven, NotGiven, NotKnown]);
        assert_eq!(nothing.verdict(), Verdict::NothingToCompare);
        assert!(nothing.is_settled_identity());
        // One mismatch is enough, in any field.
        for i in 0..5 {
            let mut r = [Match; 5];
            r[i] = Mismatch;
            assert!(!c(r).is_settled_identity(), "field {i}");
            let mut r = [Match; 5];
            r[i] = Close;
            assert_eq!(c(r).verdict(), Verdict::Close, "field {i}");
        }
    }
}
