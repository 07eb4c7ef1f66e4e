//! CSVs in each delimiter and encoding, quoted fields, empty lines, and row numbers through
//! the core.

use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{parse_rows, suggest_mapping, RowOutcome, RowProblemReason};
use vmcheck_sheets::{Delimiter, SheetFormat, TextEncoding};

use crate::common::{read, read_path, row, Dir};

fn format(sheet: &vmcheck_sheets::Sheet) -> (Delimiter, TextEncoding) {
    match sheet.format {
        SheetFormat::Csv {
            delimiter,
            encoding,
        } => (delimiter, encoding),
        SheetFormat::Xlsx { .. } => panic!("read as XLSX"),
    }
}

#[test]
fn each_delimiter_reads_the_same_table() {
    for (text, delimiter) in [
        (
            "NHS No,Surname,DOB\n9434765919,Smith,12/03/1985\n",
            Delimiter::Comma,
        ),
        (
            "NHS No;Surname;DOB\n9434765919;Smith;12/03/1985\n",
            Delimiter::Semicolon,
        ),
        (
            "NHS No\tSurname\tDOB\n9434765919\tSmith\t12/03/1985\n",
            Delimiter::Tab,
        ),
        (
            "NHS No;Surname;DOB\r\n9434765919;Smith, Jr;12/03/1985\r\n",
            Delimiter::Semicolon,
        ),
    ] {
        let sheet = read("list.csv", text.as_bytes()).expect(text);
        assert_eq!(
            sheet.headers,
            row(&["NHS No", "Surname", "DOB"]),
            "{text:?}"
        );
        assert_eq!(sheet.rows.len(), 1, "{text:?}");
        assert_eq!(sheet.rows[0][0], "9434765919");
        assert!(sheet.rows[0][1].starts_with("Smith"));
        assert_eq!(sheet.header_row, 1);
        assert_eq!(format(&sheet).0, delimiter, "{text:?}");
    }
}

#[test]
fn each_encoding() {
    // UTF-8, with and without a byte-order mark.
    let utf8 = "Surname,Forename\nO'Brien,Siobhán\nBrontë,Zoë\n";
    let plain = read("a.csv", utf8.as_bytes()).expect("utf-8");
    assert_eq!(format(&plain).1, TextEncoding::Utf8);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(utf8.as_bytes());
    let bom = read("a.csv", &with_bom).expect("utf-8 with bom");
    assert_eq!(format(&bom).1, TextEncoding::Utf8WithBom);
    assert_eq!(
        bom.headers[0], "Surname",
        "the mark is not part of the first heading"
    );
    // Windows-1252, as Excel writes "CSV" on a UK PC: á is 0xE1, ë 0xEB.
    let cp1252 = b"Surname,Forename\nO'Brien,Siobh\xE1n\nBront\xEB,Zo\xEB\n";
    let windows = read("a.csv", cp1252).expect("windows-1252");
    assert_eq!(format(&windows).1, TextEncoding::Windows1252);
    for sheet in [&plain, &bom, &windows] {
        assert_eq!(
            sheet.rows,
            vec![row(&["O'Brien", "Siobhán"]), row(&["Brontë", "Zoë"])]
        );
    }
    // UTF-16 little-endian with a mark, tab-delimited: Excel's "Unicode text".
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Surname\tForename\r\nBrontë\tZoë\r\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let unicode = read("a.txt", &utf16).expect("utf-16");
    assert_eq!(format(&unicode), (Delimiter::Tab, TextEncoding::Utf16Le));
    assert_eq!(unicode.rows, vec![row(&["Brontë", "Zoë"])]);
}

#[test]
fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
    let text = "NHS No,Name,Notes\r\n\
                9434765919,\"SMITH, John\",\"said \"\"hello\"\"\"\r\n\
                9000000009,\"JONES; Ann\",\"line one\r\nline two\"\r\n\
                9000000017,Brown,\"tab\there\"\r\n";
    let sheet = read("a.csv", text.as_bytes()).expect("read");
    assert_eq!(
        sheet.rows,
        vec![
            row(&["9434765919", "SMITH, John", "said \"hello\""]),
            row(&["9000000009", "JONES; Ann", "line one\r\nline two"]),
            row(&["9000000017", "Brown", "tab\there"]),
        ]
    );
    // Semicolons, with a comma and a line break quoted.
    let text = "a;b\n\"1,5\";\"x\ny\"\n";
    let sheet = read("a.csv", text.as_bytes()).expect("read");
    assert_eq!(sheet.rows, vec![row(&["1,5", "x\ny"])]);
}

#[test]
fn empty_lines_and_titles_keep_the_spreadsheet_row_numbers() {
    // Row 1: a title; 2: empty; 3: headings; 4: a patient; 5: a two-line cell; 6: empty;
    // 7: a patient with a wrong check digit; 8 and 9: empty (at the end).
    let text = "Admissions 12/03/2026\n\
                \n\
                NHS No,Surname,Notes\n\
                9434765919,Smith,\n\
                9000000009,Jones,\"two\nlines\"\n\
                \n\
                9434765918,Brown,\n\
                \n\
                \n";
    let dir = Dir::new();
    let sheet = read_path(&dir.file("list.csv", text.as_bytes())).expect("read");
    assert_eq!(sheet.header_row, 3);
    assert_eq!(sheet.headers, row(&["NHS No", "Surname", "Notes"]));
    assert_eq!(sheet.rows.len(), 4);
    assert!(sheet.rows[2].is_empty(), "the empty line is an empty row");
    let today = CalendarDate::parse("2026-03-12").expect("date");
    let mapping = suggest_mapping(&sheet.headers);
    let parsed = parse_rows(&sheet.headers, &sheet.rows, &mapping, today).expect("parsed");
    // The core numbers rows from the headings (row 1); the sheet says where they are.
    let offset = sheet.header_row - 1;
    let problems: Vec<(usize, RowProblemReason)> = parsed
        .rows
        .iter()
        .filter_map(|r| match r {
            RowOutcome::Problem(p) => Some((p.row_number + offset, p.reason.clone())),
            RowOutcome::Row(_) => None,
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (6, RowProblemReason::EmptyRow),
            (7, RowProblemReason::NhsNumberCheckDigit)
        ]
    );
    assert_eq!(parsed.to_check().count(), 2);
}

#[test]
fn a_heading_only_list_has_no_rows() {
    let sheet = read("a.csv", b"NHS No,Surname\r\n").expect("read");
    assert_eq!(sheet.headers, row(&["NHS No", "Surname"]));
    assert!(sheet.rows.is_empty());
}

#[test]
fn short_and_long_rows_are_kept_as_they_are() {
    let sheet = read("a.csv", b"a,b,c\n1\n1,2,3,4\n").expect("read");
    assert_eq!(sheet.rows, vec![row(&["1"]), row(&["1", "2", "3", "4"])]);
}
