//! `worklist_row`: a list file's bytes → `vmcheck_sheets::read_sheet_bytes` (CSV or XLSX, told
//! apart by content) → the suggested column mapping → `vmcheck_core::worklist::parse_rows`.
//!
//! Oracle: no panic; one outcome per row up to the last row that is not empty, numbered from
//! 2 in order; a row checked by NHS number has ten digits whose Modulus 11 check digit holds
//! (computed here, not by the product) and which are the digits of its cell; a date of birth
//! is never after today; a repeated NHS number points at the first row with it, which is
//! itself checked.

use std::collections::HashMap;

use vmcheck_core::worklist::{parse_rows, suggest_mapping, Field, RowOutcome};
use vmcheck_sheets::{read_sheet_bytes, ReadOptions};

use crate::TODAY;

/// Modulus 11 over ten ASCII digits, written independently of the product.
fn modulus_11_holds(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && u32::from(digits[9] - b'0') == check
}

/// The worklist import target.
pub fn worklist_row(data: &[u8]) {
    let options = ReadOptions {
        max_bytes: 1024 * 1024,
        ..ReadOptions::default()
    };
    let Ok(sheet) = read_sheet_bytes(None, data, &options) else {
        return;
    };
    let mapping = suggest_mapping(&sheet.headers);
    let Ok(parsed) = parse_rows(&sheet.headers, &sheet.rows, &mapping, TODAY) else {
        return;
    };
    let blank = |row: &Vec<String>| row.iter().all(|c| c.trim().is_empty());
    let used = sheet
        .rows
        .iter()
        .rposition(|r| !blank(r))
        .map_or(0, |i| i + 1);
    assert_eq!(
        parsed.rows.len(),
        used,
        "one outcome per row up to the last"
    );
    let mut first_with: HashMap<String, usize> = HashMap::new();
    for (i, outcome) in parsed.rows.iter().enumerate() {
        assert_eq!(outcome.row_number(), i + 2, "rows numbered in order");
        let RowOutcome::Row(row) = outcome else {
            continue;
        };
        if let Some(born) = row.birth_date {
            assert!(born <= TODAY, "a date of birth after today was accepted");
        }
        let Some(nhs) = &row.nhs_number else {
            assert!(
                row.duplicate_of.is_none(),
                "a duplicate without an NHS number"
            );
            continue;
        };
        let digits = nhs.as_str().as_bytes();
        assert!(modulus_11_holds(digits), "an NHS number failing Modulus 11");
        let column = mapping
            .column(Field::NhsNumber)
            .expect("an NHS number without an NHS number column");
        let cell: String = sheet.rows[i]
            .get(column)
            .map(|c| c.chars().filter(char::is_ascii_digit).collect())
            .unwrap_or_default();
        assert_eq!(cell.as_bytes(), digits, "the NHS number is not the cell's");
        let first = *first_with.entry(nhs.as_str().to_owned()).or_insert(i + 2);
        if first == i + 2 {
            assert!(
                row.duplicate_of.is_none(),
                "the first row with a number is a duplicate"
            );
        } else {
            assert_eq!(
                row.duplicate_of,
                Some(first),
                "a repeat not sent to the first row"
            );
        }
    }
}
