//! A workbook checked before the XLSX reader (calamine) is given it.
//!
//! calamine trusts a workbook's cell references: a reference past Excel's last cell
//! (`XFD1048576`) overflows its arithmetic, and the cells it finds are laid out as one dense
//! grid from the first to the last, so two cells far apart ask for gigabytes. A broken or
//! hostile list file must be an error, never a crash or a machine out of memory. So every part
//! of the workbook is unpacked once here, streaming, within a size cap, and its tags read:
//! every cell reference (`r` and `ref` attributes, ranges and lists of them) must lie within
//! Excel's sheet, every row number too, and the grid of each part's cells — positioned as
//! calamine positions them, a cell or row without a reference following the one before — must
//! stay within [`MAX_GRID_CELLS`]. Text between tags is not read (a cell's text may say
//! anything).

use std::io::{Cursor, Read};

use crate::error::SheetError;

/// Excel's last row.
const LAST_ROW: u64 = 1_048_576;
/// Excel's last column (`XFD`).
const LAST_COLUMN: u64 = 16_384;
/// The most cells a sheet's grid may span: the row cap's worth of rows, 64 columns wide.
pub const MAX_GRID_CELLS: u64 = (vmcheck_core::worklist::MAX_ROWS as u64 + 1) * 64;
/// The most a workbook may unpack to, all parts together.
pub const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// The longest tag read; a longer one is not a spreadsheet's.
const MAX_TAG_BYTES: usize = 64 * 1024;

fn refuse(why: impl Into<String>) -> SheetError {
    SheetError::UnreadableWorkbook(why.into())
}

/// Checks every part of the workbook `bytes` (see the module documentation). A file that is
/// not a zip archive passes: the reader says what is wrong with it.
pub(crate) fn check(bytes: &[u8]) -> Result<(), SheetError> {
    check_within(bytes, MAX_UNPACKED_BYTES)
}

/// [`check`], with `cap` bytes unpacked at most.
fn check_within(bytes: &[u8], cap: u64) -> Result<(), SheetError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut budget = cap;
    for i in 0..archive.len() {
        let Ok(part) = archive.by_index(i) else {
            return Err(refuse("a part of the workbook cannot be unpacked"));
        };
        let mut scan = Scan::default();
        let mut limited = part.take(budget + 1);
        let mut buf = vec![0u8; 64 * 1024];
        let mut read_total = 0u64;
        loop {
            let n = limited
                .read(&mut buf)
                .map_err(|_| refuse("a part of the workbook cannot be unpacked"))?;
            if n == 0 {
                break;
            }
            read_total += n as u64;
            if read_total > budget {
                return Err(refuse(format!(
                    "it unpacks to more than {} MB",
                    cap.div_ceil(1024 * 1024)
                )));
            }
            scan.feed(&buf[..n])?;
        }
        budget -= read_total;
        scan.finish()?;
    }
    Ok(())
}

/// The tag reader of one part.
#[derive(Default)]
struct Scan {
    /// Inside a tag: its bytes so far (after `<`).
    tag: Option<Vec<u8>>,
    /// Inside a comment, declaration or processing instruction: skipped to its `>`.
    skipping: bool,
    /// The row of the last `row` tag (calamine's position for cells without a reference).
    row: u64,
    /// The column of the last cell in that row.
    column: u64,
    /// The corners of the cells seen: (first row, last row, first column, last column).
    corners: Option<(u64, u64, u64, u64)>,
}

impl Scan {
    fn feed(&mut self, bytes: &[u8]) -> Result<(), SheetError> {
        for &b in bytes {
            if self.skipping {
                self.skipping = b != b'>';
                continue;
            }
            match &mut self.tag {
                None => {
                    if b == b'<' {
                        self.tag = Some(Vec::new());
                    }
                }
                Some(tag) => {
                    if tag.is_empty() && matches!(b, b'!' | b'?') {
                        self.tag = None;
                        self.skipping = true;
                    } else if b == b'>' {
                        let tag = self.tag.take().unwrap_or_default();
                        self.read_tag(&tag)?;
                    } else if tag.len() >= MAX_TAG_BYTES {
                        return Err(refuse("it holds a tag longer than a spreadsheet's"));
                    } else {
                        tag.push(b);
                    }
                }
            }
        }
        Ok(())
    }

    fn read_tag(&mut self, tag: &[u8]) -> Result<(), SheetError> {
        if tag.first() == Some(&b'/') {
            return Ok(());
        }
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        let attributes = &tag[name_end..];
        match local {
            b"row" => {
                self.row = match attribute(attributes, b"r") {
                    Some(r) => row_number(r)?,
                    None => self.row + 1,
                };
                self.column = 0;
            }
            b"c" => {
                let (row, column) = match attribute(attributes, b"r") {
                    Some(r) => cell(r)?,
                    None => (self.row.max(1), self.column + 1),
                };
                if column > LAST_COLUMN || row > LAST_ROW {
                    return Err(refuse("it has a cell past Excel's last (XFD1048576)"));
                }
                self.column = column;
                self.corners = Some(match self.corners {
                    None => (row, row, column, column),
                    Some((r0, r1, c0, c1)) => {
                        (r0.min(row), r1.max(row), c0.min(column), c1.max(column))
                    }
                });
            }
            _ => {
                for name in [&b"r"[..], b"ref"] {
                    if let Some(value) = attribute(attributes, name) {
                        for reference in value
                            .split(|b| *b == b':' || b.is_ascii_whitespace())
                            .filter(|r| !r.is_empty())
                        {
                            cell(reference)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), SheetError> {
        if let Some((r0, r1, c0, c1)) = self.corners {
            let (rows, columns) = (r1 - r0 + 1, c1 - c0 + 1);
            if rows.saturating_mul(columns) > MAX_GRID_CELLS {
                return Err(refuse(format!(
                    "its cells span {rows} rows by {columns} columns, more than V&M Check reads \
                     ({MAX_GRID_CELLS} cells)"
                )));
            }
        }
        Ok(())
    }
}

/// The value of attribute `name` (unprefixed) in a tag's attribute text.
fn attribute<'a>(attributes: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut i = 0;
    while i < attributes.len() {
        let rest = &attributes[i..];
        let at_start = i == 0 || attributes[i - 1].is_ascii_whitespace();
        if at_start && rest.starts_with(name) {
            let after = rest[name.len()..].trim_ascii_start();
            if let Some(value) = after.strip_prefix(b"=") {
                let value = value.trim_ascii_start();
                if let Some(&quote @ (b'"' | b'\'')) = value.first() {
                    let body = &value[1..];
                    let end = body.iter().position(|b| *b == quote).unwrap_or(body.len());
                    return Some(&body[..end]);
                }
            }
        }
        i += 1;
    }
    None
}

/// A row number, 1 to Excel's last.
fn row_number(digits: &[u8]) -> Result<u64, SheetError> {
    let bad = || refuse("it has a row number outside Excel's sheet");
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let row = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    if row == 0 || row > LAST_ROW {
        return Err(bad());
    }
    Ok(row)
}

/// A cell reference (`B12`, `$B$12`, a whole column `B` or row `12` as in a range) within
/// Excel's sheet: (row, column), 0 for a part not given.
fn cell(reference: &[u8]) -> Result<(u64, u64), SheetError> {
    let bad = || refuse("it has a cell reference outside Excel's sheet");
    let unsigned: Vec<u8> = reference.iter().copied().filter(|b| *b != b'$').collect();
    let letters = unsigned
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let (column_part, row_part) = unsigned.split_at(letters);
    if letters > 3 || (column_part.is_empty() && row_part.is_empty()) {
        return Err(bad());
    }
    let column = column_part.iter().fold(0u64, |n, c| {
        n * 26 + u64::from(c.to_ascii_uppercase() - b'A') + 1
    });
    if column > LAST_COLUMN {
        return Err(bad());
    }
    let row = if row_part.is_empty() {
        0
    } else {
        row_number(row_part)?
    };
    Ok((row, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> Result<(), SheetError> {
        let mut s = Scan::default();
        s.feed(xml.as_bytes())?;
        s.finish()
    }

    #[test]
    fn references_within_excels_sheet_pass() {
        assert_eq!(cell(b"A1").ok(), Some((1, 1)));
        assert_eq!(cell(b"$xfd$1048576").ok(), Some((1_048_576, 16_384)));
        assert_eq!(cell(b"AA10").ok(), Some((10, 27)));
        assert_eq!(cell(b"C").ok(), Some((0, 3)));
        assert_eq!(cell(b"7").ok(), Some((7, 0)));
        assert!(scan(
            r#"<?xml version="1.0"?><!-- a > comment --><worksheet><dimension ref="A1:C3"/>
            <sheetData><row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1"><v>2</v></c></row>
            <row><c><v>1</v></c><c/></row><x:row r="3"><x:c r="B3"/></x:row></sheetData>
            <mergeCells><mergeCell ref="A1:B1"/></mergeCells>
            <selection sqref="ZZZZZ9"/><t>r="ZZZZZZZZ1" in a cell's text</t></worksheet>"#
        )
        .is_ok());
    }

    #[test]
    fn references_outside_it_are_refused() {
        for bad in [
            &b"XFE1"[..],
            b"A1048577",
            b"A0",
            b"AAAA1",
            b"A99999999999",
            b"",
            b"$",
            b"A1B",
        ] {
            assert!(cell(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        for xml in [
            r#"<c r="AAAAAAAAAAAAAA1"/>"#,
            r#"<row r="0"/>"#,
            r#"<row r="1048577"><c/></row>"#,
            r#"<row r="x1"/>"#,
            r#"<dimension ref="A1:XFE9"/>"#,
            r#"<mergeCell ref='A1:B99999999'/>"#,
            // A row past the last gives its cells no reference of their own.
            r#"<row r="1048576"><c/></row><row><c/></row>"#,
        ] {
            assert!(scan(xml).is_err(), "{xml}");
        }
    }

    #[test]
    fn cells_far_apart_are_refused_before_a_grid_is_made() {
        let err = scan(r#"<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"/></row>"#)
            .expect_err("a grid of 17 billion cells");
        assert!(
            err.to_string().contains("1048576 rows by 16384 columns"),
            "{err}"
        );
        // A full-size list passes: the row cap's rows, 64 columns.
        let last = format!(
            r#"<c r="A1"/><c r="BL{}"/>"#,
            vmcheck_core::worklist::MAX_ROWS + 1
        );
        assert!(scan(&last).is_ok());
        let wider = format!(
            r#"<c r="A1"/><c r="BM{}"/>"#,
            vmcheck_core::worklist::MAX_ROWS + 1
        );
        assert!(scan(&wider).is_err());
        // Cells without references follow the one before, as the reader places them.
        let mut run = String::from(r#"<row r="1">"#);
        run.push_str(&"<c/>".repeat(70));
        run.push_str(r#"</row><row r="100001"><c/></row>"#);
        assert!(scan(&run).is_err(), "70 columns by 100,001 rows");
    }

    /// A workbook of `parts`, each (name, text), deflated.
    fn workbook(parts: &[(&str, String)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("part");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn every_part_counts_towards_the_unpacked_cap() {
        let sheet = format!("<worksheet>{}</worksheet>", "<c/>".repeat(200));
        let strings = format!("<sst>{}</sst>", " ".repeat(300));
        let bytes = workbook(&[
            ("xl/worksheets/sheet1.xml", sheet.clone()),
            ("xl/sharedStrings.xml", strings.clone()),
        ]);
        let total = (sheet.len() + strings.len()) as u64;
        assert!(check_within(&bytes, total).is_ok());
        let err = check_within(&bytes, total - 1).expect_err("one byte over");
        assert!(
            err.to_string().contains("unpacks to more than 1 MB"),
            "{err}"
        );
        assert!(check(&bytes).is_ok());
        // A part anywhere is read, whatever its name: the reader follows the workbook's links.
        let hidden = workbook(&[("custom/data.bin", r#"<c r="A1"/><c r="ZZZZ1"/>"#.into())]);
        assert!(check(&hidden).is_err());
        // Not a zip: the reader says what is wrong.
        assert!(check(b"PK\x03\x04 not a zip").is_ok());
    }

    #[test]
    fn an_overlong_tag_is_refused() {
        let xml = format!("<c {}/>", "a".repeat(MAX_TAG_BYTES + 1));
        assert!(scan(&xml).is_err());
    }
}
