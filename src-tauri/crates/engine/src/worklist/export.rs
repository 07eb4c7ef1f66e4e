//! The results as a file: the list's own columns, then what V&M Check found — the NHS number
//! checked (the new one if superseded), banner, headline, basic status, category, last
//! updated, the identity cross-check, error code and message, trace id, checked at. XLSX colours
//! the banner column; CSV neutralises anything a spreadsheet would run as a formula.

use std::path::Path;

use vmcheck_core::banner::BannerColour;
use vmcheck_core::worklist::{FieldMatch, Verdict};

use super::ResultRow;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Comma-separated, UTF-8 with a byte-order mark.
    Csv,
    /// Excel workbook.
    Xlsx,
}

impl ExportFormat {
    /// By the file's extension (`.csv`, `.xlsx`).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path
            .extension()?
            .to_string_lossy()
            .to_ascii_lowercase()
            .as_str()
        {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The audit log's word for it.
    pub fn audit_kind(self) -> &'static str {
        match self {
            Self::Csv => "worklist_csv",
            Self::Xlsx => "worklist_xlsx",
        }
    }
}

/// The columns added after the list's own.
pub const RESULT_COLUMNS: [&str; 11] = [
    "NHS number checked",
    "Banner",
    "Headline",
    "Basic status",
    "Category",
    "Last updated",
    "Identity check",
    "Error code",
    "Error message",
    "Trace ID",
    "Checked at",
];

fn colour_word(colour: Option<BannerColour>) -> &'static str {
    match colour {
        Some(BannerColour::Red) => "red",
        Some(BannerColour::Green) => "green",
        Some(BannerColour::Amber) => "amber",
        Some(BannerColour::Grey) => "grey",
        None => "",
    }
}

fn identity_word(row: &ResultRow) -> String {
    let Some(check) = &row.check else {
        return String::new();
    };
    let Some(cross) = &check.cross_check else {
        return String::new();
    };
    match cross.verdict() {
        Verdict::Match => "match".into(),
        Verdict::Close => "close".into(),
        Verdict::NothingToCompare => "nothing to compare".into(),
        Verdict::Mismatch => {
            let fields: Vec<&str> = cross
                .fields()
                .iter()
                .filter(|(_, c)| c.result == FieldMatch::Mismatch)
                .map(|(f, _)| f.label())
                .collect();
            format!("mismatch: {}", fields.join(", "))
        }
    }
}

fn iso_time(unix: i64) -> String {
    vmcheck_audit::iso8601_utc(unix)
}

/// The cells V&M Check adds for `row`.
fn result_cells(row: &ResultRow) -> Vec<String> {
    match (&row.check, &row.problem) {
        (Some(c), _) => vec![
            c.nhs_number.clone().unwrap_or_default(),
            colour_word(c.shown).to_owned(),
            c.headline.clone().unwrap_or_default(),
            c.basic.clone().unwrap_or_default(),
            c.category.clone().unwrap_or_default(),
            c.effective.clone().unwrap_or_default(),
            identity_word(row),
            c.error_code.clone().unwrap_or_default(),
            c.error_message.clone().unwrap_or_default(),
            c.trace_id.clone(),
            iso_time(c.checked_at),
        ],
        (None, Some(problem)) => {
            let mut cells = vec![String::new(); RESULT_COLUMNS.len()];
            cells[7] = crate::codes::ErrorCode::RowNotCheckable.as_str().to_owned();
            cells[8] = problem.clone();
            cells
        }
        (None, None) => vec![String::new(); RESULT_COLUMNS.len()],
    }
}

/// Writes the export.
pub(super) fn write(
    path: &Path,
    format: ExportFormat,
    headers: &[String],
    rows: &[ResultRow],
) -> Result<(), vmcheck_sheets::SheetError> {
    let mut all_headers = headers.to_vec();
    all_headers.extend(RESULT_COLUMNS.iter().map(|c| (*c).to_owned()));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = r.cells.clone();
            cells.resize(headers.len(), String::new());
            cells.extend(result_cells(r));
            cells
        })
        .collect();
    match format {
        ExportFormat::Csv => vmcheck_sheets::write_csv(path, &all_headers, &body),
        ExportFormat::Xlsx => {
            let colours: Vec<Option<BannerColour>> = rows
                .iter()
                .map(|r| r.check.as_ref().and_then(|c| c.shown))
                .collect();
            vmcheck_sheets::write_xlsx(
                path,
                &all_headers,
                &body,
                Some(vmcheck_sheets::StatusColumn {
                    column: headers.len() + 1,
                    colours: &colours,
                }),
            )
        }
    }
}
