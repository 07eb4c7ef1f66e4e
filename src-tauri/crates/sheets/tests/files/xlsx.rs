//! XLSX read with calamine, from workbooks made here with rust_xlsxwriter: strings, numbers,
//! dates, blank rows, titles, and choosing a sheet.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{parse_date, DateKind};
use vmcheck_sheets::{read_sheet, sheet_names, ReadOptions, SheetError, SheetFormat};

use crate::common::{read_path, row, Dir};

/// A PAS export: a title row, an empty row, headings in row 3, then patients with the NHS
/// number as text and as a number, dates as date cells (one with a time, one typed as text),
/// and an empty row between; a second sheet of clinic patients.
fn pas_export() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Inpatients").expect("name");
    sheet
        .write_string(0, 0, "Admissions report 12/03/2026")
        .expect("title");
    for (c, h) in [
        "NHS No",
        "Surname",
        "DOB",
        "Adm date",
        "Age",
        "Weight",
        "Consented",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, c as u16, *h).expect("heading");
    }
    sheet.write_string(3, 0, "943 476 5919").expect("cell");
    sheet.write_string(3, 1, "O'Brien").expect("cell");
    sheet
        .write_datetime_with_format(
            3,
            2,
            ExcelDateTime::from_ymd(1985, 3, 12).expect("date"),
            &date,
        )
        .expect("cell");
    let admitted = ExcelDateTime::from_ymd(2026, 3, 1)
        .expect("date")
        .and_hms(14, 30, 0)
        .expect("time");
    sheet
        .write_datetime_with_format(3, 3, admitted, &date_time)
        .expect("cell");
    sheet.write_number(3, 4, 41).expect("cell");
    sheet.write_number(3, 5, 71.5).expect("cell");
    sheet.write_boolean(3, 6, true).expect("cell");
    // Row 5 is empty; row 6 has the NHS number stored as a number and a date typed as text.
    sheet.write_number(5, 0, 9_000_000_009_f64).expect("cell");
    sheet.write_string(5, 1, "Siobhán").expect("cell");
    sheet.write_string(5, 2, "01/02/1990").expect("cell");
    let clinic = workbook.add_worksheet();
    clinic.set_name("Clinic").expect("name");
    clinic.write_string(0, 0, "Hosp No").expect("cell");
    clinic.write_string(0, 1, "Name").expect("cell");
    clinic.write_string(1, 0, "RX123").expect("cell");
    clinic.write_string(1, 1, "Zoë Brontë").expect("cell");
    workbook.save_to_buffer().expect("workbook")
}

#[test]
fn cells_dates_titles_and_empty_rows() {
    let dir = Dir::new();
    let path = dir.file("export.xlsx", &pas_export());
    let sheet = read_path(&path).expect("read");
    assert_eq!(
        sheet.format,
        SheetFormat::Xlsx {
            sheet: "Inpatients".into()
        }
    );
    assert_eq!(
        sheet.header_row, 3,
        "the title and the empty row are above the headings"
    );
    assert_eq!(
        sheet.headers,
        row(&[
            "NHS No",
            "Surname",
            "DOB",
            "Adm date",
            "Age",
            "Weight",
            "Consented"
        ])
    );
    assert_eq!(sheet.rows.len(), 3);
    assert_eq!(
        sheet.rows[0],
        row(&[
            "943 476 5919",
            "O'Brien",
            "1985-03-12",
            "2026-03-01T14:30:00",
            "41",
            "71.5",
            "TRUE"
        ])
    );
    assert!(
        sheet.rows[1].iter().all(String::is_empty),
        "the empty row is kept"
    );
    assert_eq!(
        sheet.rows[2][..3],
        row(&["9000000009", "Siobhán", "01/02/1990"])[..]
    );
    // The core reads every date form the sheet gives it.
    let today = CalendarDate::parse("2026-03-12").expect("date");
    for (cell, kind, expected) in [
        (&sheet.rows[0][2], DateKind::Birth, "1985-03-12"),
        (&sheet.rows[0][3], DateKind::Event, "2026-03-01"),
        (&sheet.rows[2][2], DateKind::Birth, "1990-02-01"),
    ] {
        assert_eq!(
            parse_date(cell, today, kind).map(|d| d.to_string()),
            Ok(expected.to_owned()),
            "{cell}"
        );
    }
}

#[test]
fn sheets_are_listed_and_chosen_by_name() {
    let dir = Dir::new();
    let path = dir.file("export.xlsx", &pas_export());
    assert_eq!(
        sheet_names(&path).expect("names"),
        vec!["Inpatients", "Clinic"]
    );
    let options = ReadOptions {
        sheet: Some("Clinic".into()),
        ..ReadOptions::default()
    };
    let clinic = read_sheet(&path, &options).expect("clinic");
    assert_eq!(clinic.headers, row(&["Hosp No", "Name"]));
    assert_eq!(clinic.rows, vec![row(&["RX123", "Zoë Brontë"])]);
    assert_eq!(clinic.header_row, 1);
    let missing = ReadOptions {
        sheet: Some("Outpatients".into()),
        ..ReadOptions::default()
    };
    let error = read_sheet(&path, &missing).expect_err("no such sheet");
    assert!(
        matches!(&error, SheetError::SheetNotFound { available, .. } if available == &["Inpatients", "Clinic"])
    );
    assert_eq!(
        error.to_string(),
        "The workbook has no sheet called \"Outpatients\" (it has: Inpatients, Clinic)"
    );
}

#[test]
fn an_empty_workbook_and_headings_alone() {
    let mut empty = Workbook::new();
    empty.add_worksheet();
    let bytes = empty.save_to_buffer().expect("workbook");
    let dir = Dir::new();
    assert!(matches!(
        read_path(&dir.file("empty.xlsx", &bytes)),
        Err(SheetError::Empty)
    ));
    let mut headings = Workbook::new();
    headings
        .add_worksheet()
        .write_string(0, 0, "NHS No")
        .expect("cell");
    let bytes = headings.save_to_buffer().expect("workbook");
    let sheet = read_path(&dir.file("headings.xlsx", &bytes)).expect("read");
    assert_eq!(sheet.headers, row(&["NHS No"]));
    assert!(sheet.rows.is_empty());
}

#[test]
fn excels_fictitious_leap_day_stays_a_number_the_core_refuses() {
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "DOB").expect("cell");
    sheet.write_string(0, 1, "Note").expect("cell");
    for (r, serial) in [59.0, 60.0, 61.0, 45_000.0].into_iter().enumerate() {
        sheet
            .write_number_with_format(r as u32 + 1, 0, serial, &date)
            .expect("cell");
    }
    let bytes = workbook.save_to_buffer().expect("workbook");
    let dir = Dir::new();
    let sheet = read_path(&dir.file("dates.xlsx", &bytes)).expect("read");
    let cells: Vec<&str> = sheet.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(cells, vec!["1900-02-28", "60", "1900-03-01", "2023-03-15"]);
    let today = CalendarDate::parse("2026-03-12").expect("date");
    assert_eq!(
        parse_date("60", today, DateKind::Birth),
        Err(vmcheck_core::worklist::DateError::FictitiousExcelDay)
    );
}
