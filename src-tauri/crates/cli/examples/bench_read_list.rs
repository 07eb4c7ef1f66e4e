//! Reading and validating a big list for `bench/batch.sh`: writes a CSV and an XLSX of ROWS
//! rows into DIR, then times reading each (vmcheck-sheets) and validating it with the guessed
//! mapping (the core's `parse_rows`), as `vmcheck batch` does before a job starts.
//!
//! Usage: bench_read_list DIR [ROWS]

use std::path::Path;
use std::time::Instant;

use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{parse_rows, suggest_mapping};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_read_list DIR [ROWS]");
        std::process::exit(2);
    };
    let rows: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(100_000);
    let headers: Vec<String> = [
        "NHS Number",
        "Surname",
        "Forename",
        "DOB",
        "Sex",
        "Postcode",
        "Ward",
    ]
    .map(str::to_owned)
    .to_vec();
    // Distinct valid NHS numbers (Modulus 11).
    let numbers = (900_000_000u64..).filter_map(|base| {
        let digits: Vec<u64> = format!("{base:09}")
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        let sum: u64 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        (check != 10).then(|| format!("{base:09}{check}"))
    });
    let body: Vec<Vec<String>> = numbers
        .take(rows)
        .enumerate()
        .map(|(i, nhs)| {
            vec![
                nhs,
                format!("Family{i}"),
                "Given".to_owned(),
                format!("{:02}/{:02}/19{:02}", 1 + i % 28, 1 + i % 12, 40 + i % 60),
                if i % 2 == 0 { "F" } else { "M" }.to_owned(),
                "LS1 6AE".to_owned(),
                format!("Ward {}", i % 20),
            ]
        })
        .collect();
    let csv = Path::new(dir).join("big.csv");
    let xlsx = Path::new(dir).join("big.xlsx");
    vmcheck_sheets::write_csv(&csv, &headers, &body).expect("csv");
    vmcheck_sheets::write_xlsx(&xlsx, &headers, &body, None).expect("xlsx");
    let today = CalendarDate::parse("2026-12-04").expect("date");
    for path in [&csv, &xlsx] {
        let start = Instant::now();
        let sheet = vmcheck_sheets::read_sheet(path, &vmcheck_sheets::ReadOptions::default())
            .expect("read");
        let read = start.elapsed();
        let mapping = suggest_mapping(&sheet.headers);
        let parsed = parse_rows(&sheet.headers, &sheet.rows, &mapping, today).expect("parse");
        let total = start.elapsed();
        println!(
            "{}: {} rows read in {:.2} s, read and validated in {:.2} s ({} to check)",
            path.extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default(),
            sheet.rows.len(),
            read.as_secs_f64(),
            total.as_secs_f64(),
            parsed.to_check().count()
        );
    }
}
