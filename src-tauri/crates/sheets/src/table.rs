//! From the rows of a file to a [`Sheet`]: finding the headings, applying the row cap.

use vmcheck_core::nhs::NhsNumber;

use crate::error::SheetError;
use crate::{Sheet, SheetFormat};

/// How many rows past the cap are kept while reading, to find the headings among them (the
/// rest are only counted).
const HEADER_WINDOW: usize = 100;

/// How many rows that are not empty may come before the headings (a report's title, its date).
const TITLE_ROWS: usize = 10;

/// The rows of a file in spreadsheet order, empty rows included (as empty vectors).
pub(crate) struct RawRows {
    /// The rows kept (up to the cap plus a window for the headings).
    rows: Vec<Vec<String>>,
    /// The number (1-based, among all rows) of the last row that is not empty, kept or not.
    last_filled: usize,
    /// How many rows were seen.
    seen: usize,
    /// How many to keep.
    keep: usize,
}

pub(crate) fn is_blank<S: AsRef<str>>(cells: &[S]) -> bool {
    cells.iter().all(|c| c.as_ref().trim().is_empty())
}

fn filled_cells(cells: &[String]) -> usize {
    cells.iter().filter(|c| !c.trim().is_empty()).count()
}

impl RawRows {
    pub(crate) fn new(max_rows: usize) -> Self {
        Self {
            rows: Vec::new(),
            last_filled: 0,
            seen: 0,
            keep: max_rows.saturating_add(HEADER_WINDOW),
        }
    }

    /// Adds the next row.
    pub(crate) fn push(&mut self, row: Vec<String>) {
        self.seen += 1;
        if !is_blank(&row) {
            self.last_filled = self.seen;
        }
        if self.seen <= self.keep {
            self.rows.push(row);
        }
    }

    /// Adds an empty row.
    pub(crate) fn push_empty(&mut self) {
        self.push(Vec::new());
    }

    /// The sheet: the headings are the first row with two or more cells filled among the first
    /// few rows that are not empty (rows above it — a title, a date — are left out), or the
    /// first row that is not empty when none has two; the rows after them are the list.
    /// `first_row` is the spreadsheet number of the first row pushed.
    pub(crate) fn into_sheet(
        mut self,
        first_row: usize,
        max_rows: usize,
        format: SheetFormat,
    ) -> Result<Sheet, SheetError> {
        let non_empty: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !is_blank(r))
            .map(|(i, _)| i)
            .take(TITLE_ROWS)
            .collect();
        let Some(&first) = non_empty.first() else {
            return Err(SheetError::Empty);
        };
        let header = non_empty
            .iter()
            .copied()
            .find(|&i| filled_cells(&self.rows[i]) >= 2)
            .unwrap_or(first);
        let count = self.last_filled.saturating_sub(header + 1);
        if count > max_rows {
            return Err(SheetError::TooManyRows {
                count,
                limit: max_rows,
            });
        }
        let mut rows = self.rows.split_off(header + 1);
        rows.truncate(max_rows);
        let headers = self.rows.swap_remove(header);
        check_headers(&headers)?;
        Ok(Sheet {
            headers,
            rows,
            header_row: first_row + header,
            format,
        })
    }
}

/// Refuses headings that are not: a row with an NHS number in it is a patient's.
fn check_headers(headers: &[String]) -> Result<(), SheetError> {
    if headers.iter().any(|h| NhsNumber::parse(h).is_ok()) {
        return Err(SheetError::NoHeaderRow("a patient's details"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delimiter;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    fn sheet(rows: &[&[&str]], max: usize) -> Result<Sheet, SheetError> {
        let mut raw = RawRows::new(max);
        for r in rows {
            raw.push(row(r));
        }
        raw.into_sheet(
            1,
            max,
            SheetFormat::Csv {
                delimiter: Delimiter::Comma,
                encoding: crate::TextEncoding::Utf8,
            },
        )
    }

    #[test]
    fn titles_above_the_headings_are_left_out() {
        let s = sheet(
            &[
                &[""],
                &["Admissions 12/03/2026"],
                &["", ""],
                &["NHS No", "Surname"],
                &["9434765919", "Smith"],
            ],
            10,
        )
        .expect("sheet");
        assert_eq!(s.headers, row(&["NHS No", "Surname"]));
        assert_eq!(s.header_row, 4);
        assert_eq!(s.rows, vec![row(&["9434765919", "Smith"])]);
    }

    #[test]
    fn one_column_lists_take_the_first_row() {
        let s = sheet(&[&["NHS No"], &["9434765919"]], 10).expect("sheet");
        assert_eq!(s.headers, row(&["NHS No"]));
        assert_eq!(s.rows.len(), 1);
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            sheet(&[&[""], &[" "]], 10),
            Err(SheetError::Empty)
        ));
        assert!(matches!(
            sheet(&[&["943 476 5919", "Smith"], &["x", "y"]], 10),
            Err(SheetError::NoHeaderRow(_))
        ));
        assert!(matches!(
            sheet(&[&["a", "b"], &["1"], &["2"], &["3"], &[""]], 2),
            Err(SheetError::TooManyRows { count: 3, limit: 2 })
        ));
        let s = sheet(&[&["a", "b"], &["1"], &["2"], &[""], &[""], &[""]], 2)
            .expect("trailing empty rows are not counted");
        assert_eq!(s.rows, vec![row(&["1"]), row(&["2"])]);
    }
}
