//! Writing: CSV with a byte-order mark and formulas neutralised, XLSX with frozen headings, an
//! autofilter and coloured status cells; round trips; nothing half-written.

use std::io::Read;

use calamine::{Reader, Xlsx};
use vmcheck_core::banner::BannerColour;
use vmcheck_sheets::{
    csv_bytes, write_csv, write_xlsx, xlsx_bytes, SheetError, StatusColumn, AMBER, GREEN, GREY, RED,
};

use crate::common::{read_path, row, Dir};

fn table() -> (Vec<String>, Vec<Vec<String>>) {
    (
        row(&["Row", "NHS number", "Name", "Status", "Notes"]),
        vec![
            row(&[
                "2",
                "943 476 5919",
                "O'BRIEN, Siobhán",
                "Chargeable",
                "said \"hi\", left",
            ]),
            row(&[
                "3",
                "900 000 0009",
                "BRONTË, Zoë",
                "Not chargeable",
                "two\nlines",
            ]),
            row(&["4", "900 000 0017", "SMITH, John", "Decision pending", ""]),
            row(&["5", "", "JONES, Ann", "No record", "semi;colon\ttab"]),
        ],
    )
}

#[test]
fn csv_starts_with_a_byte_order_mark_and_quotes_only_when_needed() {
    let bytes = csv_bytes(
        &row(&["a", "b"]),
        &[row(&["x,y", "plain"]), row(&["q\"q", "n\nl"])],
    )
    .expect("csv");
    assert_eq!(
        bytes,
        b"\xEF\xBB\xBFa,b\r\n\"x,y\",plain\r\n\"q\"\"q\",\"n\nl\"\r\n".to_vec()
    );
}

#[test]
fn csv_neutralises_formulas() {
    let bytes = csv_bytes(
        &row(&["=cmd", "Name"]),
        &[
            row(&["=HYPERLINK(\"http://evil\",\"click\")", "+44 113 000"]),
            row(&["-1+2", "@SUM(A1:A9)"]),
            row(&["\tTAB", "\rCR"]),
            row(&["Smith", "9434765919"]),
        ],
    )
    .expect("csv");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    assert_eq!(
        text,
        "'=cmd,Name\r\n\
         \"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",'+44 113 000\r\n\
         '-1+2,'@SUM(A1:A9)\r\n\
         '\tTAB,\"'\rCR\"\r\n\
         Smith,9434765919\r\n"
    );
}

#[test]
fn csv_round_trip() {
    let (headers, rows) = table();
    let dir = Dir::new();
    let path = dir.path("results.csv");
    write_csv(&path, &headers, &rows).expect("write");
    let back = read_path(&path).expect("read");
    assert_eq!(back.headers, headers);
    assert_eq!(back.rows, rows);
    assert_eq!(dir.names(), vec!["results.csv"], "no temporary file left");
}

fn colour_of(style: Option<&calamine::Style>) -> Option<(u32, u32)> {
    let style = style?;
    let fill = style.fill.as_ref()?.get_color()?;
    let font = style.font.as_ref()?.color?;
    let rgb = |c: calamine::Color| {
        (u32::from(c.red) << 16) | (u32::from(c.green) << 8) | u32::from(c.blue)
    };
    Some((rgb(fill), rgb(font)))
}

#[test]
fn xlsx_round_trip_with_coloured_status_cells() {
    let (headers, rows) = table();
    let colours = [
        Some(BannerColour::Red),
        Some(BannerColour::Green),
        Some(BannerColour::Amber),
        Some(BannerColour::Grey),
    ];
    let dir = Dir::new();
    let path = dir.path("results.xlsx");
    write_xlsx(
        &path,
        &headers,
        &rows,
        Some(StatusColumn {
            column: 3,
            colours: &colours,
        }),
    )
    .expect("write");
    assert_eq!(dir.names(), vec!["results.xlsx"], "no temporary file left");
    let back = read_path(&path).expect("read");
    assert_eq!(back.headers, headers);
    assert_eq!(back.rows, rows, "every cell back as the same text");

    let bytes = std::fs::read(&path).expect("bytes");
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("open");
    let styles = workbook.worksheet_style("Results").expect("styles");
    const WHITE: u32 = 0xFF_FFFF;
    const BLACK: u32 = 0;
    assert_eq!(colour_of(styles.get((1, 3))), Some((RED, WHITE)));
    assert_eq!(colour_of(styles.get((2, 3))), Some((GREEN, WHITE)));
    assert_eq!(colour_of(styles.get((3, 3))), Some((AMBER, BLACK)));
    assert_eq!(colour_of(styles.get((4, 3))), Some((GREY, BLACK)));
    assert_eq!(
        colour_of(styles.get((1, 2))),
        None,
        "only the status column"
    );
    assert!(styles
        .get((0, 0))
        .and_then(|s| s.font.as_ref())
        .is_some_and(|f| f.is_bold()));
    assert_eq!(
        (RED, GREEN, AMBER, GREY),
        (0xD5281B, 0x007F3B, 0xFFB81C, 0xD8DDE0)
    );

    // The sheet itself: frozen headings, an autofilter over the table, set widths.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet")
        .read_to_string(&mut xml)
        .expect("xml");
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{xml}"
    );
    assert!(xml.contains(r#"<autoFilter ref="A1:E5"/>"#), "{xml}");
    assert!(xml.contains("<cols>"), "{xml}");
    assert!(!xml.contains("<f>"), "no formulas");
}

#[test]
fn xlsx_cells_are_text_never_formulas_or_numbers() {
    let headers = row(&["NHS number", "Cell"]);
    let rows = vec![row(&["9434765919", "=1+1"]), row(&["0012", "-5"])];
    let dir = Dir::new();
    let path = dir.path("r.xlsx");
    write_xlsx(&path, &headers, &rows, None).expect("write");
    let bytes = std::fs::read(&path).expect("bytes");
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    let range = workbook.worksheet_range("Results").expect("range");
    assert_eq!(
        range.get_value((1, 0)),
        Some(&calamine::Data::String("9434765919".into()))
    );
    assert_eq!(
        range.get_value((1, 1)),
        Some(&calamine::Data::String("=1+1".into()))
    );
    assert_eq!(
        range.get_value((2, 0)),
        Some(&calamine::Data::String("0012".into()))
    );
    assert!(workbook
        .worksheet_formula("Results")
        .expect("formulas")
        .used_cells()
        .next()
        .is_none());
}

#[test]
fn colours_for_some_rows_only_and_short_rows() {
    let headers = row(&["Status", "Name"]);
    let rows = vec![row(&["Chargeable", "A"]), row(&[]), row(&["x", "C"])];
    let colours = [Some(BannerColour::Red), Some(BannerColour::Amber)];
    let bytes = xlsx_bytes(
        &headers,
        &rows,
        Some(StatusColumn {
            column: 0,
            colours: &colours,
        }),
    )
    .expect("xlsx");
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    let styles = workbook.worksheet_style("Results").expect("styles");
    assert_eq!(colour_of(styles.get((1, 0))), Some((RED, 0xFF_FFFF)));
    assert_eq!(
        colour_of(styles.get((2, 0))),
        Some((AMBER, 0)),
        "an empty row's status cell is coloured"
    );
    assert_eq!(
        colour_of(styles.get((3, 0))),
        None,
        "no colour given for the third row"
    );
}

#[test]
fn a_status_column_outside_the_table_is_refused() {
    let error = xlsx_bytes(
        &row(&["a"]),
        &[row(&["1"])],
        Some(StatusColumn {
            column: 1,
            colours: &[],
        }),
    )
    .expect_err("out of range");
    assert!(matches!(
        error,
        SheetError::StatusColumnOutOfRange {
            column: 1,
            columns: 1
        }
    ));
}

#[test]
fn a_failed_write_leaves_the_old_file_whole_and_no_temporary_file() {
    let dir = Dir::new();
    let path = dir.file("results.xlsx", b"the previous results");
    let error = write_xlsx(
        &path,
        &row(&["a"]),
        &[row(&["1"])],
        Some(StatusColumn {
            column: 5,
            colours: &[],
        }),
    )
    .expect_err("refused");
    assert_eq!(error.code(), "status_column_out_of_range");
    let too_long = "x".repeat(40_000);
    let error =
        write_xlsx(&path, &row(&["a"]), &[vec![too_long]], None).expect_err("cell too long");
    assert_eq!(error.code(), "xlsx_writer");
    assert_eq!(
        std::fs::read(&path).expect("still there"),
        b"the previous results"
    );
    assert_eq!(dir.names(), vec!["results.xlsx"]);
    // Into a directory that does not exist: nothing is written anywhere.
    let error = write_csv(&dir.path("missing/results.csv"), &row(&["a"]), &[]).expect_err("no dir");
    assert_eq!(error.code(), "write_failed");
    assert_eq!(dir.names(), vec!["results.xlsx"]);
    // A successful write replaces the old file.
    write_csv(&path, &row(&["a"]), &[row(&["1"])]).expect("write");
    assert_eq!(
        std::fs::read(&path).expect("new"),
        b"\xEF\xBB\xBFa\r\n1\r\n"
    );
    assert_eq!(dir.names(), vec!["results.xlsx"]);
}
