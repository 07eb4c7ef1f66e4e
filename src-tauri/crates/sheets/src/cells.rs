//! Cells as text: numbers from a workbook, and cells made safe for a spreadsheet.

use std::borrow::Cow;

/// A cell that a spreadsheet would take for a formula — one starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return — with a `'` put before it, so Excel, LibreOffice and Google
/// Sheets show it as text and run nothing ("CSV injection"). Other cells are returned as they
/// are. A negative number (`-5`) is shown as text too: a results file has no arithmetic to do.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A number as text: whole numbers without a decimal point or exponent (an NHS number stored
/// as a number reads `9434765919`), others in Rust's shortest round-trip form (`0.1`).
pub(crate) fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for (cell, safe) in [
            ("=1+1", "'=1+1"),
            ("+44 113", "'+44 113"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ] {
            assert_eq!(neutralise_formula(cell), safe, "{cell:?}");
        }
        for cell in [
            "",
            "Smith",
            "9434765919",
            "a=b",
            " =1",
            "'quoted",
            "1985-03-12",
        ] {
            assert!(
                matches!(neutralise_formula(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn numbers_read_as_people_wrote_them() {
        for (n, text) in [
            (9_434_765_919.0, "9434765919"),
            (0.0, "0"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (1e15, "1000000000000000"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(number_text(n), text, "{n}");
        }
    }
}
