//! The admissions worklist: a list of patients exported from the hospital's PAS (a CSV or XLSX
//! file, read by `vmcheck-sheets`), each row to be traced on PDS and checked on Spine.
//!
//! This module holds the pure building blocks, one concern each:
//! - [`columns`] — the fields a list can carry, guessing which column holds which from the
//!   headers, and the [`Mapping`] the user confirms (remembered by [`Mapping::signature`]);
//! - [`values`] — reading one cell: NHS numbers, UK dates and Excel serials, genders,
//!   postcodes;
//! - [`rows`] — every row of a list, read into a [`ListRow`] or a [`RowProblem`] (never dropped),
//!   with duplicates grouped and the row cap applied;
//! - [`crosscheck`] — the list's details against the patient PDS returned;
//! - [`order`] — the order of the results table.
//!
//! It does no I/O and reads no clock: the files are read by the adapter, and today's date is a
//! parameter (it decides the century of two-digit years and which PDS names and addresses are
//! current).

pub mod columns;
pub mod crosscheck;
pub mod order;
pub mod rows;
pub mod values;

mod fold;

pub use columns::{normalise_header, suggest_mapping, Field, Mapping, MappingError};
pub use crosscheck::{cross_check, CheckNote, CrossCheck, FieldCheck, FieldMatch, Verdict};
pub use order::{order_group, sort_for_display, OrderGroup, RowResult};
pub use rows::{
    parse_rows, split_full_name, CellText, Duplicate, ListRow, ParseError, Parsed, RowOutcome,
    RowProblem, RowProblemReason, RowWarning, MAX_ROWS,
};
pub use values::{
    century, excel_serial_date, parse_date, parse_gender, DateError, DateKind, Gender, GenderError,
    Postcode, PostcodeError,
};
