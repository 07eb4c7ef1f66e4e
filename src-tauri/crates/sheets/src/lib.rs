//! # vmcheck-sheets
//!
//! Worklist files: reading the list of patients a hospital's PAS exports (CSV or Excel XLSX)
//! into a [`Sheet`] of text cells, and writing the results back out as CSV or XLSX.
//!
//! ## Reading
//!
//! [`read_sheet`] (a path) and [`read_sheet_bytes`] (bytes already read) tell the kind of file
//! by its first bytes ([`detect`]), and refuse with a typed [`SheetError`] whose message is
//! for the user: a file that is not a CSV or XLSX (an old `.xls`, a web page saved as `.xls`,
//! a password-protected workbook, a PDF…), an empty file, a first row that is not headings, a
//! file over the size cap ([`ReadOptions::max_bytes`], 50 MiB by default) or with more than
//! [`ReadOptions::max_rows`] patient rows (100,000).
//!
//! - **CSV** — comma, semicolon or tab, whichever the header line has most of (outside quotes);
//!   UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text"), and
//!   Windows-1252 (what Excel writes as "CSV") when the bytes are not valid UTF-8. Quoted
//!   fields may hold delimiters, quotes and line breaks. An empty line in the middle becomes an
//!   empty row, so row numbers stay those a spreadsheet shows.
//! - **XLSX** — the first sheet, or one chosen by name ([`sheet_names`] lists them). Every cell
//!   becomes text: strings as they are; whole numbers without a decimal point (an NHS number
//!   stored as a number reads `9434765919`, not `9.434765919E9`); other numbers in Rust's
//!   shortest form; **date cells as ISO dates** (`1985-03-12`, or `1985-03-12T14:30:00` with a
//!   time, `14:30:00` for a time alone), in either the 1900 or 1904 date system, so the core's
//!   date reader need not know which system the workbook used. Excel's fictitious 29 February
//!   1900 (serial 60) stays the number `60`, which the core refuses with a clear reason.
//!   Booleans are `TRUE`/`FALSE`; error cells their code (`#N/A`).
//!
//! ## Writing
//!
//! [`write_csv`] writes UTF-8 with a byte-order mark (so Excel shows accents right), commas,
//! CRLF, fields quoted only when needed, and every cell that a spreadsheet would take for a
//! formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) prefixed with `'`
//! ([`neutralise_formula`]). [`write_xlsx`] writes one sheet: headings in bold, frozen, with an
//! autofilter, sensible column widths, every cell as text (never a formula, never a number an
//! NHS number could be rounded into), and optionally a status column coloured by banner colour
//! in the NHS palette ([`StatusColumn`]). Both write to a temporary file in the same directory
//! and rename it over the target: a file is never left half-written.
//!
//! It deliberately knows nothing of patients: which column holds what, and what a cell means,
//! is `vmcheck_core::worklist`'s. It depends on the core only for the banner colour and the
//! row cap.

mod atomic;
mod cells;
mod csv_file;
mod detect;
mod error;
mod table;
mod xlsx_file;
mod xlsx_guard;

use std::io::Read;
use std::path::Path;

pub use cells::neutralise_formula;
pub use csv_file::{csv_bytes, write_csv};
pub use detect::{detect, FileKind};
pub use error::SheetError;
pub use xlsx_file::{
    sheet_names, sheet_names_bytes, write_xlsx, xlsx_bytes, StatusColumn, AMBER, GREEN, GREY, RED,
};

/// The default size cap: 50 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// The default row cap: the core's ([`vmcheck_core::worklist::MAX_ROWS`]).
pub const DEFAULT_MAX_ROWS: usize = vmcheck_core::worklist::MAX_ROWS;

/// A list as read: text cells, headings apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The first row that is not empty: the column headings.
    pub headers: Vec<String>,
    /// The rows after it, in order; a row may be shorter or longer than the headings. Empty
    /// rows at the end may be present (the core counts and ignores them).
    pub rows: Vec<Vec<String>>,
    /// The spreadsheet row number of the headings (1 unless the file starts with empty rows):
    /// the row numbers the core gives (headings = row 1) are shown offset by `header_row - 1`.
    pub header_row: usize,
    /// What the file was and how it was read.
    pub format: SheetFormat,
}

/// What a file was, and how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetFormat {
    /// Delimited text.
    Csv {
        /// The delimiter found in the header line.
        delimiter: Delimiter,
        /// The text encoding.
        encoding: TextEncoding,
    },
    /// An Excel workbook.
    Xlsx {
        /// The sheet read.
        sheet: String,
    },
}

/// A CSV delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;` (Excel's CSV where the decimal separator is a comma).
    Semicolon,
    /// A tab (Excel's "Text (Tab delimited)" and "Unicode text").
    Tab,
}

impl Delimiter {
    /// The byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

/// A text encoding of a CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte-order mark (or plain ASCII).
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8WithBom,
    /// Windows-1252 (Excel's "CSV" on a UK Windows PC): the bytes were not valid UTF-8.
    Windows1252,
    /// UTF-16, little-endian, with a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
}

/// Limits and choices for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The largest file read, in bytes.
    pub max_bytes: u64,
    /// The most patient rows (after the headings; empty rows at the end not counted).
    pub max_rows: usize,
    /// For an XLSX: the sheet to read, by name; the first when `None`.
    pub sheet: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
            sheet: None,
        }
    }
}

/// Reads a list file (see the crate documentation). The size cap is checked before the file
/// is read, and again while it is.
pub fn read_sheet(path: &Path, options: &ReadOptions) -> Result<Sheet, SheetError> {
    let file = std::fs::File::open(path).map_err(SheetError::read)?;
    let size = file.metadata().map_err(SheetError::read)?.len();
    if size > options.max_bytes {
        return Err(SheetError::TooLarge {
            bytes: size,
            limit: options.max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(options.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(SheetError::read)?;
    let name = path.file_name().and_then(|n| n.to_str());
    read_sheet_bytes(name, &bytes, options)
}

/// Reads a list from its bytes; `file_name` (when known) helps name what a refused file is.
pub fn read_sheet_bytes(
    file_name: Option<&str>,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Sheet, SheetError> {
    let size = bytes.len() as u64;
    if size > options.max_bytes {
        return Err(SheetError::TooLarge {
            bytes: size,
            limit: options.max_bytes,
        });
    }
    match detect(file_name, bytes)? {
        FileKind::Csv => csv_file::read(bytes, options),
        FileKind::Xlsx => xlsx_file::read(bytes, options),
    }
}
