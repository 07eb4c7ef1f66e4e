//! Excel workbooks: reading one sheet as text (calamine), writing results (rust_xlsxwriter).

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, ExcelDateTime, Reader, Xlsx, XlsxError};
use rust_xlsxwriter::{Color, Format, Workbook};
use vmcheck_core::banner::BannerColour;
use vmcheck_core::time::CalendarDate;

use crate::cells::number_text;
use crate::error::SheetError;
use crate::table::RawRows;
use crate::{atomic, ReadOptions, Sheet, SheetFormat, DEFAULT_MAX_BYTES};

/// NHS red (`#d5281b`), with white text.
pub const RED: u32 = 0xD5281B;
/// NHS green (`#007f3b`), with white text.
pub const GREEN: u32 = 0x007F3B;
/// NHS warm yellow (`#ffb81c`), the amber banner's, with black text.
pub const AMBER: u32 = 0xFFB81C;
/// NHS pale grey (`#d8dde0`), with black text.
pub const GREY: u32 = 0xD8DDE0;

/// The largest serial Excel shows as a date (31 December 9999), plus one.
const PAST_LAST_SERIAL: f64 = 2_958_466.0;

/// Opens a workbook once [`crate::xlsx_guard::check`] has found nothing the reader cannot
/// take (references past Excel's sheet, a grid too large, a part unpacking too far).
fn open(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, SheetError> {
    crate::xlsx_guard::check(bytes)?;
    Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsxError::Password => SheetError::PasswordProtected,
        other => SheetError::UnreadableWorkbook(other.to_string()),
    })
}

/// A date cell as text: `1985-03-12`, `1985-03-12T14:30:00`, or `14:30:00` for a time of day
/// alone; a duration, a serial Excel cannot show as a date, and Excel's fictitious 29
/// February 1900 stay numbers.
fn date_text(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() || !(0.0..PAST_LAST_SERIAL).contains(&value) {
        return number_text(value);
    }
    let (year, month, day, hour, minute, second, _) = dt.to_ymd_hms_milli();
    let time = format!("{hour:02}:{minute:02}:{second:02}");
    if value < 1.0 {
        return time;
    }
    match CalendarDate::new(i32::from(year), month, day) {
        None => number_text(value),
        Some(date) if (hour, minute, second) == (0, 0, 0) => date.to_string(),
        Some(date) => format!("{date}T{time}"),
    }
}

/// A cell as text (see the crate documentation).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) => date_text(dt),
        Data::Error(e) => e.to_string(),
    }
}

/// Reads one sheet of a workbook's bytes.
pub(crate) fn read(bytes: &[u8], options: &ReadOptions) -> Result<Sheet, SheetError> {
    let mut workbook = open(bytes)?;
    let names = workbook.sheet_names();
    let name = match &options.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .cloned()
            .ok_or_else(|| SheetError::SheetNotFound {
                name: wanted.clone(),
                available: names.clone(),
            })?,
        None => names.first().cloned().ok_or(SheetError::Empty)?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| SheetError::UnreadableWorkbook(e.to_string()))?;
    let Some((first_row, _)) = range.start() else {
        return Err(SheetError::Empty);
    };
    let mut raw = RawRows::new(options.max_rows);
    for row in range.rows() {
        raw.push(row.iter().map(cell_text).collect());
    }
    raw.into_sheet(
        first_row as usize + 1,
        options.max_rows,
        SheetFormat::Xlsx { sheet: name },
    )
}

/// The names of a workbook's sheets, in order.
pub fn sheet_names_bytes(bytes: &[u8]) -> Result<Vec<String>, SheetError> {
    Ok(open(bytes)?.sheet_names())
}

/// The names of a workbook file's sheets, in order (a file over the default size cap is
/// refused).
pub fn sheet_names(path: &Path) -> Result<Vec<String>, SheetError> {
    let file = std::fs::File::open(path).map_err(SheetError::Read)?;
    let mut bytes = Vec::new();
    file.take(DEFAULT_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(SheetError::Read)?;
    if bytes.len() as u64 > DEFAULT_MAX_BYTES {
        return Err(SheetError::TooLarge {
            bytes: bytes.len() as u64,
            limit: DEFAULT_MAX_BYTES,
        });
    }
    sheet_names_bytes(&bytes)
}

/// A column of the results to colour by banner colour: `colours[i]` is the colour of data row
/// `i`'s cell (`None`, or a row past the end of `colours`: not coloured).
#[derive(Debug, Clone, Copy)]
pub struct StatusColumn<'a> {
    /// The column (0-based).
    pub column: usize,
    /// One colour per data row.
    pub colours: &'a [Option<BannerColour>],
}

fn status_format(colour: BannerColour) -> Format {
    let (fill, text) = match colour {
        BannerColour::Red => (RED, Color::White),
        BannerColour::Green => (GREEN, Color::White),
        BannerColour::Amber => (AMBER, Color::Black),
        BannerColour::Grey => (GREY, Color::Black),
    };
    Format::new()
        .set_background_color(Color::RGB(fill))
        .set_font_color(text)
        .set_bold()
}

/// Excel's limits: 1,048,576 rows, 16,384 columns.
const XLSX_ROWS: usize = 1_048_576;
const XLSX_COLUMNS: usize = 16_384;

/// A column's width in characters: its longest cell (of the headings and the first thousand
/// rows), between 8 and 60, plus a little room (and room for the autofilter's button).
fn column_width(headers: &[String], rows: &[Vec<String>], column: usize) -> f64 {
    let longest = std::iter::once(headers.get(column))
        .chain(rows.iter().take(1000).map(|r| r.get(column)))
        .flatten()
        .map(|c| c.lines().map(|l| l.chars().count()).max().unwrap_or(0))
        .max()
        .unwrap_or(0);
    (longest.clamp(6, 58) + 4) as f64
}

fn writer_error(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::XlsxWriter(e.to_string())
}

/// A workbook's bytes: one sheet, `Results`, with the headings in bold and frozen, an
/// autofilter over the table, column widths to fit, every cell as text, and `status`'s cells
/// coloured (red and green with white text, amber and grey with black).
pub fn xlsx_bytes(
    headers: &[String],
    rows: &[Vec<String>],
    status: Option<StatusColumn<'_>>,
) -> Result<Vec<u8>, SheetError> {
    let columns = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(headers.len()))
        .max()
        .unwrap_or(0);
    if rows.len() + 1 > XLSX_ROWS || columns > XLSX_COLUMNS {
        return Err(SheetError::TooLargeForXlsx {
            rows: rows.len() + 1,
            columns,
        });
    }
    if let Some(s) = status {
        if s.column >= columns.max(1) {
            return Err(SheetError::StatusColumnOutOfRange {
                column: s.column,
                columns,
            });
        }
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Results").map_err(writer_error)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, h, &bold)
            .map_err(writer_error)?;
    }
    let formats: Vec<(BannerColour, Format)> = [
        BannerColour::Red,
        BannerColour::Amber,
        BannerColour::Green,
        BannerColour::Grey,
    ]
    .into_iter()
    .map(|c| (c, status_format(c)))
    .collect();
    for (r, row) in rows.iter().enumerate() {
        let excel_row = (r + 1) as u32;
        let colour =
            status.and_then(|s| s.colours.get(r).copied().flatten().map(|c| (s.column, c)));
        for (c, cell) in row.iter().enumerate() {
            let format = colour
                .filter(|(column, _)| *column == c)
                .and_then(|(_, colour)| formats.iter().find(|(k, _)| *k == colour))
                .map(|(_, f)| f);
            let result = match (format, cell.is_empty()) {
                (Some(f), true) => sheet.write_blank(excel_row, c as u16, f),
                (Some(f), false) => sheet.write_string_with_format(excel_row, c as u16, cell, f),
                (None, true) => continue,
                (None, false) => sheet.write_string(excel_row, c as u16, cell),
            };
            result.map_err(writer_error)?;
        }
        // A coloured status cell past the end of a short row is still coloured.
        if let Some((column, colour)) = colour {
            if column >= row.len() {
                if let Some((_, f)) = formats.iter().find(|(k, _)| *k == colour) {
                    sheet
                        .write_blank(excel_row, column as u16, f)
                        .map_err(writer_error)?;
                }
            }
        }
    }
    for c in 0..columns {
        sheet
            .set_column_width(c as u16, column_width(headers, rows, c))
            .map_err(writer_error)?;
    }
    if columns > 0 {
        sheet.set_freeze_panes(1, 0).map_err(writer_error)?;
        sheet
            .autofilter(0, 0, rows.len() as u32, (columns - 1) as u16)
            .map_err(writer_error)?;
    }
    workbook.save_to_buffer().map_err(writer_error)
}

/// Writes a workbook file (see [`xlsx_bytes`]) whole or not at all: to a temporary file beside
/// `path`, then renamed over it.
pub fn write_xlsx(
    path: &Path,
    headers: &[String],
    rows: &[Vec<String>],
    status: Option<StatusColumn<'_>>,
) -> Result<(), SheetError> {
    atomic::write(path, &xlsx_bytes(headers, rows, status)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;

    fn date(value: f64) -> String {
        date_text(&ExcelDateTime::new(
            value,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn date_cells_become_iso_dates() {
        assert_eq!(date(1.0), "1900-01-01");
        assert_eq!(date(59.0), "1900-02-28");
        assert_eq!(date(60.0), "60");
        assert_eq!(date(61.0), "1900-03-01");
        assert_eq!(date(45_000.0), "2023-03-15");
        assert_eq!(date(45_000.5), "2023-03-15T12:00:00");
        assert_eq!(date(0.75), "18:00:00");
        assert_eq!(date(-1.0), "-1");
        assert_eq!(date(3e6), "3000000");
        let in_1904 = ExcelDateTime::new(0.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(
            date_text(&ExcelDateTime::new(
                43_538.0,
                ExcelDateTimeType::DateTime,
                true
            )),
            "2023-03-15"
        );
        assert_eq!(date_text(&in_1904), "00:00:00");
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_text(&duration), "1.5");
    }

    #[test]
    fn every_kind_of_cell_as_text() {
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(cell_text(&Data::String("Smith".into())), "Smith");
        assert_eq!(cell_text(&Data::Float(9_434_765_919.0)), "9434765919");
        assert_eq!(cell_text(&Data::Float(1.25)), "1.25");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Bool(false)), "FALSE");
        assert_eq!(
            cell_text(&Data::DateTimeIso("1985-03-12".into())),
            "1985-03-12"
        );
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
    }

    #[test]
    fn widths_fit_the_longest_cell_within_bounds() {
        let headers = vec!["NHS number".to_owned(), "x".to_owned()];
        let rows = vec![vec!["943 476 5919".to_owned(), "y".repeat(200)]];
        assert_eq!(column_width(&headers, &rows, 0), 16.0);
        assert_eq!(column_width(&headers, &rows, 1), 62.0);
        assert_eq!(column_width(&headers, &rows, 2), 10.0);
    }
}
