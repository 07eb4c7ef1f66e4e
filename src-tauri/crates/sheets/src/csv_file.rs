//! CSV: reading (delimiter and encoding found, row numbers kept) and writing (UTF-8 with a
//! byte-order mark, formulas neutralised).

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::cells::neutralise_formula;
use crate::error::SheetError;
use crate::table::RawRows;
use crate::{atomic, Delimiter, ReadOptions, Sheet, SheetFormat, TextEncoding};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a CSV, and the encoding it was in: a byte-order mark decides; without one,
/// valid UTF-8 is UTF-8 and anything else Windows-1252.
fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return (String::from_utf8_lossy(rest), TextEncoding::Utf8WithBom);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (
            UTF_16LE.decode_without_bom_handling(rest).0,
            TextEncoding::Utf16Le,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (
            UTF_16BE.decode_without_bom_handling(rest).0,
            TextEncoding::Utf16Be,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => (
            WINDOWS_1252.decode_without_bom_handling(bytes).0,
            TextEncoding::Windows1252,
        ),
    }
}

/// The delimiter the header line (the first line that is not empty) has most of outside
/// quotes; a comma when it has none (a list of one column), and on a tie comma before
/// semicolon before tab.
fn detect_delimiter(text: &str) -> Delimiter {
    let mut counts = [0_usize; 3];
    let mut quoted = false;
    for c in text.trim_start_matches(['\r', '\n']).chars() {
        match c {
            '"' => quoted = !quoted,
            '\r' | '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = counts.iter().max().copied().unwrap_or(0);
    match counts.iter().position(|c| *c == best) {
        Some(1) if best > 0 => Delimiter::Semicolon,
        Some(2) if best > 0 => Delimiter::Tab,
        _ => Delimiter::Comma,
    }
}

/// Line breaks in `s`: CRLF, LF and a lone CR each count once.
fn line_breaks(s: &str) -> usize {
    let b = s.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Reads a CSV's bytes.
pub(crate) fn read(bytes: &[u8], options: &ReadOptions) -> Result<Sheet, SheetError> {
    let (text, encoding) = decode(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // The csv crate skips empty lines; they are found again from the bytes between records,
    // so that row numbers stay the spreadsheet's.
    let mut consumed = 0_usize;
    let mut previous_end: Option<usize> = None;
    let mut next = |record: &mut csv::StringRecord| -> Result<Option<usize>, SheetError> {
        let more = reader
            .read_record(record)
            .map_err(|e| SheetError::Read(std::io::Error::other(e)))?;
        if !more {
            return Ok(None);
        }
        let end_consumed = usize::try_from(reader.position().byte()).unwrap_or(text.len());
        let slice = text.get(consumed..end_consumed).unwrap_or("");
        let start = consumed + (slice.len() - slice.trim_start_matches(['\r', '\n']).len());
        let end = end_consumed - (slice.len() - slice.trim_end_matches(['\r', '\n']).len());
        let gap = line_breaks(text.get(previous_end.unwrap_or(0)..start).unwrap_or(""));
        // Between two records, one line break ends the first; the rest are empty lines.
        let empty_lines = if previous_end.is_some() {
            gap.saturating_sub(1)
        } else {
            gap
        };
        previous_end = Some(end);
        consumed = end_consumed;
        Ok(Some(empty_lines))
    };

    let mut raw = RawRows::new(options.max_rows);
    while let Some(empty_lines) = next(&mut record)? {
        for _ in 0..empty_lines {
            raw.push_empty();
        }
        raw.push(record.iter().map(str::to_owned).collect());
    }
    raw.into_sheet(
        1,
        options.max_rows,
        SheetFormat::Csv {
            delimiter,
            encoding,
        },
    )
}

/// A CSV file's bytes: UTF-8 with a byte-order mark, commas, CRLF, fields quoted only when
/// they need it, every cell passed through [`neutralise_formula`]. Rows may differ in length.
pub fn csv_bytes(headers: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, SheetError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(UTF8_BOM.to_vec());
    let fail = |e: csv::Error| SheetError::Write(std::io::Error::other(e));
    for row in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)) {
        if row.is_empty() {
            // The csv crate would write nothing for an empty record: keep the line.
            writer.write_record([""]).map_err(fail)?;
        } else {
            writer
                .write_record(row.iter().map(|c| neutralise_formula(c).into_owned()))
                .map_err(fail)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| SheetError::Write(std::io::Error::other(e.to_string())))
}

/// Writes a CSV file (see [`csv_bytes`]) whole or not at all: to a temporary file beside
/// `path`, then renamed over it.
pub fn write_csv(path: &Path, headers: &[String], rows: &[Vec<String>]) -> Result<(), SheetError> {
    atomic::write(path, &csv_bytes(headers, rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_from_the_header_line() {
        for (text, d) in [
            ("a,b,c\n1;2;3;4;5\n", Delimiter::Comma),
            ("a;b;c\n", Delimiter::Semicolon),
            ("a\tb\tc\n", Delimiter::Tab),
            ("\"x,y,z\";b\n", Delimiter::Semicolon),
            ("\r\n\r\na;b\n", Delimiter::Semicolon),
            ("one column\n", Delimiter::Comma),
            ("a,b;c\tb\n", Delimiter::Comma),
            ("a;b\tc\n", Delimiter::Semicolon),
            ("", Delimiter::Comma),
        ] {
            assert_eq!(detect_delimiter(text), d, "{text:?}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(
            decode(b"Zo\xC3\xAB"),
            (Cow::Borrowed("Zoë"), TextEncoding::Utf8)
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFZo\xC3\xAB").1,
            TextEncoding::Utf8WithBom
        );
        assert_eq!(
            decode(b"Zo\xEB"),
            (Cow::Borrowed("Zoë"), TextEncoding::Windows1252)
        );
        assert_eq!(
            decode(b"\x80"),
            (Cow::Borrowed("€"), TextEncoding::Windows1252)
        );
        assert_eq!(
            decode(b"\xFF\xFEZ\0\xEB\0"),
            (Cow::Borrowed("Zë"), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decode(b"\xFE\xFF\0Z\0\xEB"),
            (Cow::Borrowed("Zë"), TextEncoding::Utf16Be)
        );
    }

    #[test]
    fn line_breaks_of_every_kind() {
        assert_eq!(line_breaks("a\r\nb\nc\rd"), 3);
        assert_eq!(line_breaks("\r\n\r\n"), 2);
        assert_eq!(line_breaks(""), 0);
    }
}
