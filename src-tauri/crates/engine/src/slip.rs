//! The result slip: one A4 page for the patient's file — the NHS number, name and date of birth
//! (never the address), the banner's colour, icon and words, the category and date when the role
//! may see them, when the check was made and by whom (the role and organisation, never the
//! UUID), the trace id, and the line about exempt services. Made as a PDF with `printpdf` (the
//! standard Helvetica fonts: nothing embedded, every PDF reader has them). An error is not a
//! status and gets no slip.

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use vmcheck_core::banner::BannerColour;

use crate::access::{ExportRecord, PatientAccess};
use crate::error::LookupError;
use crate::report::LookupReport;
use vmcheck_core::session::Actor;

/// The line about exempt services and clinical urgency, as the result screen says it.
pub const EXEMPT_SERVICES: &str = "Some NHS services are free for everyone, and clinicians decide how urgent treatment is - do not delay urgent or immediately necessary treatment.";

/// Why there is no slip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlipError {
    /// The lookup ended in an error: there is no status to put on paper.
    #[error("the check ended in an error, so there is no status to print")]
    NoStatus,
}

/// Why a slip was not saved or printed.
#[derive(Debug, thiserror::Error)]
pub enum SlipSaveError {
    /// The export could not be recorded in the audit log: nothing was written.
    #[error("{}", .0.message())]
    Audit(#[from] LookupError),
    /// The file could not be written.
    #[error("the slip could not be written to {path}: {problem}")]
    Write {
        /// Where.
        path: String,
        /// Why.
        problem: String,
    },
}

/// Records the slip as an export of the patient's data by `actor` (`kind`: `slip_pdf`, or
/// `slip_print` for paper), before anything is written or printed.
pub fn record(
    access: &PatientAccess,
    actor: &Actor,
    slip: &Slip,
    kind: &'static str,
    target: Option<String>,
) -> Result<(), LookupError> {
    access.record_export(
        actor,
        &ExportRecord {
            kind,
            rows: 1,
            target,
            nhs_number: Some(slip.nhs_number.replace(' ', "")),
            batch_id: None,
        },
    )
}

/// Records the slip as an export, then writes it to `path` as a PDF; nothing is written when
/// it cannot be recorded, and a partly written file is removed.
pub fn save(
    access: &PatientAccess,
    actor: &Actor,
    slip: &Slip,
    path: &std::path::Path,
) -> Result<(), SlipSaveError> {
    let name = path.file_name().map(|f| f.to_string_lossy().into_owned());
    record(access, actor, slip, "slip_pdf", name)?;
    std::fs::write(path, slip.to_pdf()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        SlipSaveError::Write {
            path: path.display().to_string(),
            problem: e.to_string(),
        }
    })
}

/// What the slip says, field by field (also what the tests read back from the PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    /// The banner's colour.
    pub colour: BannerColour,
    /// The banner's words.
    pub headline: String,
    /// The NHS number, spaced `999 000 0018`.
    pub nhs_number: String,
    /// The patient's name, when traced.
    pub name: Option<String>,
    /// Their date of birth, as people read it.
    pub birth_date: Option<String>,
    /// `Category A: …. definition` (only when the role may see it).
    pub category: Option<String>,
    /// When the status was last updated (only when the role may see it).
    pub updated: Option<String>,
    /// In place of the detail, for a role that may not see it.
    pub withheld: Option<String>,
    /// When the check was made (UTC).
    pub checked_at: String,
    /// Who made it: the role and the organisation.
    pub checked_by: String,
    /// The trace id of the request.
    pub trace_id: String,
    /// Whether to print the line about exempt services.
    pub exempt_services: bool,
}

fn spaced(nhs: &str) -> String {
    if nhs.len() == 10 && nhs.bytes().all(|b| b.is_ascii_digit()) {
        format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..])
    } else {
        nhs.to_owned()
    }
}

impl Slip {
    /// The slip of `report`, checked at `checked_at` (Unix seconds) by `role` at
    /// `organisation`.
    pub fn new(
        report: &LookupReport,
        checked_at: i64,
        role: &str,
        organisation: &str,
    ) -> Result<Self, SlipError> {
        let (Some(colour), Some(headline)) = (report.banner, report.headline) else {
            return Err(SlipError::NoStatus);
        };
        let nhs = report
            .patient
            .as_ref()
            .map_or(report.nhs_number.as_str(), |p| p.nhs_number.as_str());
        let category = report.category.map(|code| {
            let display = report.category_display.unwrap_or(code);
            let label = if code.len() == 1 {
                format!("Category {code}: {display}")
            } else {
                format!("Category: {display}")
            };
            match report.category_definition {
                Some(d) if !d.is_empty() => format!("{label}. {d}"),
                _ => label,
            }
        });
        Ok(Self {
            colour,
            headline: headline.to_owned(),
            nhs_number: spaced(nhs),
            name: report.patient.as_ref().map(|p| p.name.clone()),
            birth_date: report.patient.as_ref().and_then(|p| {
                p.birth_date.as_deref().map(|d| {
                    vmcheck_core::time::FhirDateTime::parse(d)
                        .map_or_else(|| d.to_owned(), |t| t.human())
                })
            }),
            category,
            updated: report.effective_display.clone(),
            withheld: report.detail_withheld.map(str::to_owned),
            checked_at: human_utc(checked_at),
            checked_by: format!("{role}, {organisation}"),
            trace_id: report.trace_id.clone(),
            exempt_services: report.exemption_reminder,
        })
    }

    /// The slip as a one-page A4 PDF.
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut doc = PdfDocument::new("V&M Check result slip");
        let mut ops = Vec::new();
        let (fill, ink) = colours(self.colour);
        // The banner: a coloured band with its icon and words.
        ops.push(Op::SetFillColor { col: fill });
        // (A polygon: printpdf's rectangle operation only sets a path, it does not paint.)
        ops.push(Op::DrawPolygon {
            polygon: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(
                    Mm(15.0).into(),
                    Mm(232.0).into(),
                    Mm(180.0).into(),
                    Mm(35.0).into(),
                )
            }
            .to_polygon(),
        });
        icon(&mut ops, self.colour, ink.clone());
        write_text(
            &mut ops,
            40.0,
            255.0,
            BuiltinFont::HelveticaBold,
            20.0,
            &ink,
            &self.headline,
        );
        write_text(
            &mut ops,
            40.0,
            243.0,
            BuiltinFont::Helvetica,
            12.0,
            &ink,
            &format!("NHS number {}", self.nhs_number),
        );
        let black = Color::Rgb(Rgb::new(0.047, 0.047, 0.047, None));
        write_text(
            &mut ops,
            15.0,
            280.0,
            BuiltinFont::HelveticaBold,
            14.0,
            &black,
            "V&M Check - chargeable status",
        );
        let mut y = 220.0;
        let mut field = |ops: &mut Vec<Op>, label: &str, value: &str| {
            write_text(
                ops,
                15.0,
                y,
                BuiltinFont::HelveticaBold,
                11.0,
                &black,
                label,
            );
            for chunk in wrap(value, 80) {
                write_text(ops, 60.0, y, BuiltinFont::Helvetica, 11.0, &black, &chunk);
                y -= 6.0;
            }
            y -= 3.0;
        };
        if let Some(name) = &self.name {
            field(&mut ops, "Name", name);
        }
        if let Some(dob) = &self.birth_date {
            field(&mut ops, "Date of birth", dob);
        }
        if let Some(category) = &self.category {
            field(&mut ops, "Category", category);
        }
        if let Some(updated) = &self.updated {
            field(&mut ops, "Last updated", updated);
        }
        if let Some(withheld) = &self.withheld {
            field(&mut ops, "Detail", withheld);
        }
        field(&mut ops, "Checked", &self.checked_at);
        field(&mut ops, "Checked by", &self.checked_by);
        field(&mut ops, "Trace id", &self.trace_id);
        if self.exempt_services {
            field(&mut ops, "Please note", EXEMPT_SERVICES);
        }
        let page = PdfPage::new(Mm(210.0), Mm(297.0), ops);
        doc.with_pages(vec![page])
            .save(&PdfSaveOptions::default(), &mut Vec::new())
    }
}

/// Writes one line of text at (`x`, `y`) millimetres from the bottom left.
#[allow(clippy::too_many_arguments)]
fn write_text(
    ops: &mut Vec<Op>,
    x: f32,
    y: f32,
    font: BuiltinFont,
    size: f32,
    colour: &Color,
    text: &str,
) {
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFillColor {
        col: colour.clone(),
    });
    ops.push(Op::SetFont {
        font: PdfFontHandle::Builtin(font),
        size: Pt(size),
    });
    ops.push(Op::SetTextCursor {
        pos: Point::new(Mm(x), Mm(y)),
    });
    ops.push(Op::ShowText {
        items: vec![TextItem::Text(latin(text))],
    });
    ops.push(Op::EndTextSection);
}

/// The standard fonts read Windows-1252: typographic dashes become plain ones, and anything
/// else outside it a question mark (names are Latin script on PDS).
fn latin(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '—' | '–' => '-',
            c if (c as u32) < 0x100 => c,
            _ => '?',
        })
        .collect()
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The banner's fill and ink, as the screen shows them (NHS colours).
fn colours(colour: BannerColour) -> (Color, Color) {
    let rgb = |r: u8, g: u8, b: u8| {
        Color::Rgb(Rgb::new(
            f32::from(r) / 255.0,
            f32::from(g) / 255.0,
            f32::from(b) / 255.0,
            None,
        ))
    };
    let white = rgb(255, 255, 255);
    let black = rgb(12, 12, 12);
    match colour {
        BannerColour::Red => (rgb(0xd5, 0x28, 0x1b), white),
        BannerColour::Green => (rgb(0x00, 0x70, 0x3c), white),
        BannerColour::Amber => (rgb(0xff, 0xeb, 0x3b), black),
        BannerColour::Grey => (rgb(0xd8, 0xdd, 0xe0), black),
    }
}

/// The banner's icon, drawn: a tick (green), a cross (red), a triangle with `!` (amber), an `i`
/// (grey).
fn icon(ops: &mut Vec<Op>, colour: BannerColour, ink: Color) {
    let at = |x: f32, y: f32| LinePoint {
        p: Point::new(Mm(x), Mm(y)),
        bezier: false,
    };
    ops.push(Op::SetOutlineColor { col: ink.clone() });
    ops.push(Op::SetOutlineThickness { pt: Pt(3.0) });
    let lines: Vec<(Vec<LinePoint>, bool)> = match colour {
        BannerColour::Green => vec![(
            vec![at(21.0, 250.0), at(25.0, 245.0), at(33.0, 256.0)],
            false,
        )],
        BannerColour::Red => vec![
            (vec![at(21.0, 244.0), at(33.0, 256.0)], false),
            (vec![at(21.0, 256.0), at(33.0, 244.0)], false),
        ],
        BannerColour::Amber => vec![(
            vec![at(20.0, 243.0), at(34.0, 243.0), at(27.0, 257.0)],
            true,
        )],
        BannerColour::Grey => vec![(
            vec![
                at(20.0, 243.0),
                at(34.0, 243.0),
                at(34.0, 257.0),
                at(20.0, 257.0),
            ],
            true,
        )],
    };
    for (points, is_closed) in lines {
        ops.push(Op::DrawLine {
            line: Line { points, is_closed },
        });
    }
    let mark = match colour {
        BannerColour::Amber => Some(("!", 25.9)),
        BannerColour::Grey => Some(("i", 26.2)),
        _ => None,
    };
    if let Some((mark, x)) = mark {
        write_text(ops, x, 245.5, BuiltinFont::HelveticaBold, 16.0, &ink, mark);
    }
}

/// `4 December 2026 at 18:30 UTC`.
fn human_utc(unix: i64) -> String {
    let date =
        vmcheck_core::time::CalendarDate::from_unix_seconds(u64::try_from(unix).unwrap_or(0));
    let secs = unix.rem_euclid(86_400);
    format!(
        "{} at {:02}:{:02} UTC",
        date.human(),
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_wrap_at_spaces_and_dashes_become_plain() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(latin("Ní Bhriain — Zoë ✓"), "Ní Bhriain - Zoë ?");
        assert_eq!(spaced("9990000018"), "999 000 0018");
        assert_eq!(
            human_utc(1_796_342_400 + 3_600 + 120),
            "4 December 2026 at 01:02 UTC"
        );
    }
}
