//! Telling a CSV from an XLSX, and both from what they are not, by the first bytes (the file's
//! name only helps to say what a refused file is).

use crate::error::SheetError;

/// The kinds of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Delimited text.
    Csv,
    /// An Excel workbook (a ZIP of XML parts).
    Xlsx,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn extension(file_name: Option<&str>) -> String {
    file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What kind of list `bytes` hold, or why they are not one.
pub fn detect(file_name: Option<&str>, bytes: &[u8]) -> Result<FileKind, SheetError> {
    let ext = extension(file_name);
    let head = &bytes[..bytes.len().min(8192)];
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.starts_with(ZIP) {
        if ext == "ods" || contains(&head[..head.len().min(128)], b"opendocument.spreadsheet") {
            return Err(SheetError::SaveAsXlsx("an OpenDocument spreadsheet (.ods)"));
        }
        if ext == "xlsb" {
            return Err(SheetError::SaveAsXlsx("an Excel binary workbook (.xlsb)"));
        }
        if matches!(
            ext.as_str(),
            "docx" | "pptx" | "odt" | "odp" | "zip" | "jar" | "epub"
        ) {
            return Err(SheetError::NotASpreadsheet);
        }
        return Ok(FileKind::Xlsx);
    }
    if bytes.starts_with(OLE) {
        return match ext.as_str() {
            "xlsx" | "xlsm" => Err(SheetError::PasswordProtected),
            "doc" | "ppt" | "msg" | "msi" => Err(SheetError::NotASpreadsheet),
            _ => Err(SheetError::SaveAsXlsx("an Excel 97-2003 workbook (.xls)")),
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Ok(FileKind::Csv);
    }
    if bytes.starts_with(b"%PDF") || head.contains(&0) {
        return Err(SheetError::NotASpreadsheet);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(SheetError::Empty);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &text[i..]);
    let lower = start.to_ascii_lowercase();
    if lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<table")
    {
        return Err(SheetError::SaveAsXlsx(
            "a web page saved with a spreadsheet's name",
        ));
    }
    if lower.starts_with(b"<?xml") {
        return Err(
            if contains(&lower, b"urn:schemas-microsoft-com:office:spreadsheet") {
                SheetError::SaveAsXlsx("an XML Spreadsheet 2003")
            } else {
                SheetError::NotASpreadsheet
            },
        );
    }
    Ok(FileKind::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(name: Option<&str>, bytes: &[u8]) -> Result<FileKind, &'static str> {
        detect(name, bytes).map_err(|e| e.code())
    }

    #[test]
    fn kinds_by_their_first_bytes() {
        assert_eq!(
            code(Some("list.csv"), b"NHS No,Surname\n"),
            Ok(FileKind::Csv)
        );
        assert_eq!(code(None, b"\xEF\xBB\xBFNHS No\n"), Ok(FileKind::Csv));
        assert_eq!(code(None, b"\xFF\xFEN\0H\0"), Ok(FileKind::Csv));
        assert_eq!(
            code(Some("list.xlsx"), b"PK\x03\x04rest"),
            Ok(FileKind::Xlsx)
        );
        assert_eq!(
            code(Some("list.csv"), b"PK\x03\x04rest"),
            Ok(FileKind::Xlsx)
        );
    }

    #[test]
    fn refusals_name_what_the_file_is() {
        assert_eq!(code(None, b""), Err("empty"));
        assert_eq!(code(None, b" \r\n\t\n"), Err("empty"));
        assert_eq!(code(None, b"\xEF\xBB\xBF"), Err("empty"));
        assert_eq!(code(Some("a.xls"), OLE), Err("save_as_xlsx"));
        assert_eq!(code(Some("a.xlsx"), OLE), Err("password_protected"));
        assert_eq!(code(Some("a.doc"), OLE), Err("not_a_spreadsheet"));
        assert_eq!(code(Some("a.ods"), b"PK\x03\x04"), Err("save_as_xlsx"));
        assert_eq!(
            code(None, b"PK\x03\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0mimetypeapplication/vnd.oasis.opendocument.spreadsheet"),
            Err("save_as_xlsx")
        );
        assert_eq!(code(Some("a.xlsb"), b"PK\x03\x04"), Err("save_as_xlsx"));
        assert_eq!(
            code(Some("a.docx"), b"PK\x03\x04"),
            Err("not_a_spreadsheet")
        );
        assert_eq!(code(Some("a.pdf"), b"%PDF-1.7"), Err("not_a_spreadsheet"));
        assert_eq!(
            code(Some("a.png"), b"\x89PNG\r\n\x1a\n\0\0"),
            Err("not_a_spreadsheet")
        );
        assert_eq!(code(Some("a.xls"), b"<html><table>"), Err("save_as_xlsx"));
        assert_eq!(
            code(Some("a.xls"), b"\r\n<!DOCTYPE HTML>"),
            Err("save_as_xlsx")
        );
        assert_eq!(
            code(Some("a.xml"), b"<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"),
            Err("save_as_xlsx")
        );
        assert_eq!(
            code(Some("a.xml"), b"<?xml version=\"1.0\"?><x/>"),
            Err("not_a_spreadsheet")
        );
    }
}
