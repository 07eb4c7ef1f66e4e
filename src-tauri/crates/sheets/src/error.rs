//! Why a list cannot be read or written. Every message is a sentence for the user.

/// Why a list cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file could not be read (missing, no permission, locked by Excel…).
    #[error("The file could not be read: {0}")]
    Read(#[source] std::io::Error),
    /// The file could not be written.
    #[error("The file could not be saved: {0}")]
    Write(#[source] std::io::Error),
    /// Nothing in it.
    #[error("The file is empty")]
    Empty,
    /// The first row that is not empty is not a row of headings.
    #[error(
        "The first row must be the column headings (for example NHS number, Surname, Date of \
         birth); this file starts with {0}"
    )]
    NoHeaderRow(&'static str),
    /// Larger than the size cap.
    #[error(
        "The file is {} MB; V&M Check reads lists of up to {} MB",
        megabytes(*bytes),
        megabytes(*limit)
    )]
    TooLarge {
        /// Its size, when known (at least `limit + 1` otherwise).
        bytes: u64,
        /// The cap.
        limit: u64,
    },
    /// More patient rows than the cap.
    #[error(
        "The list has {} patient rows; V&M Check takes at most {} at a time: split it into \
         smaller lists",
        thousands(*count),
        thousands(*limit)
    )]
    TooManyRows {
        /// How many it has (empty rows at the end not counted).
        count: usize,
        /// The cap.
        limit: usize,
    },
    /// Not a CSV or an Excel workbook.
    #[error(
        "This is not a list V&M Check can read: choose a CSV file or an Excel workbook (.xlsx)"
    )]
    NotASpreadsheet,
    /// A spreadsheet of another kind, that Excel can save as XLSX.
    #[error(
        "This file is {0}: open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV, \
         then choose that file"
    )]
    SaveAsXlsx(&'static str),
    /// An encrypted workbook.
    #[error(
        "This Excel file is password-protected: remove the password in Excel (File, Info, \
         Protect Workbook) or save it as CSV, then choose it again"
    )]
    PasswordProtected,
    /// A workbook that cannot be read (damaged, or a ZIP file that is not a workbook).
    #[error("This Excel file cannot be read: it may be damaged, or not an Excel workbook ({0})")]
    UnreadableWorkbook(String),
    /// A workbook without the sheet asked for.
    #[error("The workbook has no sheet called \"{name}\" (it has: {})", .available.join(", "))]
    SheetNotFound {
        /// The sheet asked for.
        name: String,
        /// The sheets it has.
        available: Vec<String>,
    },
    /// More than an XLSX sheet holds.
    #[error("The results are too large for one Excel sheet ({rows} rows, {columns} columns): save them as CSV")]
    TooLargeForXlsx {
        /// Rows, headings included.
        rows: usize,
        /// Columns.
        columns: usize,
    },
    /// The status column asked to be coloured is not a column of the table.
    #[error("The status column ({column}) is not one of the {columns} columns")]
    StatusColumnOutOfRange {
        /// The column (0-based).
        column: usize,
        /// How many columns there are.
        columns: usize,
    },
    /// The XLSX writer refused (a cell longer than Excel allows, for one).
    #[error("The Excel file could not be made: {0}")]
    XlsxWriter(String),
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10) / (1024 * 1024);
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl SheetError {
    pub(crate) fn read(e: std::io::Error) -> Self {
        SheetError::Read(e)
    }

    /// A stable name for the error, for the front ends and tests.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::Read(_) => "read_failed",
            SheetError::Write(_) => "write_failed",
            SheetError::Empty => "empty",
            SheetError::NoHeaderRow(_) => "no_header_row",
            SheetError::TooLarge { .. } => "too_large",
            SheetError::TooManyRows { .. } => "too_many_rows",
            SheetError::NotASpreadsheet => "not_a_spreadsheet",
            SheetError::SaveAsXlsx(_) => "save_as_xlsx",
            SheetError::PasswordProtected => "password_protected",
            SheetError::UnreadableWorkbook(_) => "unreadable_workbook",
            SheetError::SheetNotFound { .. } => "sheet_not_found",
            SheetError::TooLargeForXlsx { .. } => "too_large_for_xlsx",
            SheetError::StatusColumnOutOfRange { .. } => "status_column_out_of_range",
            SheetError::XlsxWriter(_) => "xlsx_writer",
        }
    }

    /// Whether the user can put it right by changing or choosing the file (rather than the
    /// computer's disk or permissions, or a defect).
    pub fn is_the_file(&self) -> bool {
        !matches!(
            self,
            SheetError::Read(_)
                | SheetError::Write(_)
                | SheetError::StatusColumnOutOfRange { .. }
                | SheetError::XlsxWriter(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_megabytes() {
        assert_eq!(megabytes(50 * 1024 * 1024), "50");
        assert_eq!(megabytes(50 * 1024 * 1024 + 200 * 1024), "50.1");
        assert_eq!(megabytes(1), "0");
        assert_eq!(thousands(100_001), "100,001");
        assert_eq!(thousands(999), "999");
    }
}
