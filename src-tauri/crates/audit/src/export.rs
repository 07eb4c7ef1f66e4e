//! CSV export helpers: RFC 4180 quoting, ISO-8601 UTC times, and parsing the CLI's
//! `--from` / `--to` into inclusive Unix-second bounds.

use std::io::{self, BufWriter, Write};

use rusqlite::params;

use crate::error::AuditError;
use crate::log::AuditLog;
use crate::schema;
use crate::verify::{columns_for, is_conversion_error, StoredRow};

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// The export's header row, in column order.
pub const CSV_HEADER: [&str; 17] = [
    "seq",
    "time",
    "installation_id",
    "user_uuid",
    "role_profile_id",
    "ods_code",
    "action",
    "nhs_number",
    "search_terms",
    "outcome",
    "trace_id",
    "batch_id",
    "refers_to",
    "detail",
    "format",
    "prev_hash",
    "hash",
];

impl AuditLog {
    /// How many records' time lies in `from..=to` (Unix seconds; `None` is unbounded).
    pub fn count_between(&self, from: Option<i64>, to: Option<i64>) -> Result<u64, AuditError> {
        let n: i64 = self
            .lock()
            .query_row(
                "SELECT count(*) FROM audit_record WHERE time >= ?1 AND time <= ?2",
                params![from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .map_err(|e| self.db_error(e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Writes the records whose time lies in `from..=to` (Unix seconds; `None` is unbounded) as
    /// CSV in sequence order: a header row ([`CSV_HEADER`]), then one row per record with the
    /// time as `2026-11-21T09:30:00Z`. RFC 4180: CRLF line ends; fields holding a comma, quote
    /// or line break are quoted; an absent value is an empty field and an empty string is `""`.
    /// Values are written as stored, never altered. Returns the number of records written.
    ///
    /// The export holds NHS numbers: the caller decides where it goes, and audits it.
    pub fn export_csv(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        out: &mut impl Write,
    ) -> Result<u64, AuditError> {
        let mut out = BufWriter::new(out);
        let header: Vec<Option<&str>> = CSV_HEADER.iter().map(|h| Some(*h)).collect();
        write_row(&mut out, &header).map_err(AuditError::Output)?;
        let conn = self.lock();
        let version = schema::version(self.path(), &conn)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM audit_record WHERE time >= ?1 AND time <= ?2 ORDER BY seq",
                columns_for(version)
            ))
            .map_err(|e| self.db_error(e))?;
        let mut rows = stmt
            .query(params![from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)])
            .map_err(|e| self.db_error(e))?;
        let mut written = 0_u64;
        while let Some(row) = rows.next().map_err(|e| self.db_error(e))? {
            let s = StoredRow::read(row).map_err(|e| {
                if is_conversion_error(&e) {
                    AuditError::Corrupt {
                        path: self.path().to_path_buf(),
                        detail:
                            "a record holds a value of the wrong type (run `vmcheck audit verify`)"
                                .into(),
                    }
                } else {
                    self.db_error(e)
                }
            })?;
            let r = &s.record;
            let seq = s.seq.to_string();
            let time = iso8601_utc(r.time);
            let refers_to = r.refers_to.map(|n| n.to_string());
            let format = s.format.to_string();
            write_row(
                &mut out,
                &[
                    Some(&seq),
                    Some(&time),
                    s.installation_id.as_deref(),
                    Some(&r.user_uuid),
                    r.role_profile_id.as_deref(),
                    Some(&r.ods_code),
                    Some(&s.action),
                    r.nhs_number.as_deref(),
                    r.search_terms.as_deref(),
                    r.outcome.as_deref(),
                    r.trace_id.as_deref(),
                    r.batch_id.as_deref(),
                    refers_to.as_deref(),
                    r.detail.as_deref(),
                    Some(&format),
                    Some(&s.prev_hash),
                    Some(&s.hash),
                ],
            )
            .map_err(AuditError::Output)?;
            written += 1;
        }
        out.flush().map_err(AuditError::Output)?;
        Ok(written)
    }
}

/// Unix seconds as `2026-11-21T09:30:00Z`; a value outside years 0–9999 (only possible in a
/// tampered database) is written as the plain number.
pub fn iso8601_utc(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_seconds.to_string())
}

/// Writes one CSV field. Absent is an empty field; an empty string is `""`, so the two stay
/// apart. Fields holding a comma, quote, CR or LF are quoted with inner quotes doubled.
pub(crate) fn write_field(out: &mut impl Write, value: Option<&str>) -> io::Result<()> {
    match value {
        None => Ok(()),
        Some("") => out.write_all(b"\"\""),
        Some(v) if v.contains([',', '"', '\r', '\n']) => {
            out.write_all(b"\"")?;
            out.write_all(v.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")
        }
        Some(v) => out.write_all(v.as_bytes()),
    }
}

/// Writes one CSV row, CRLF-terminated (RFC 4180).
pub(crate) fn write_row(out: &mut impl Write, fields: &[Option<&str>]) -> io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_field(out, *f)?;
    }
    out.write_all(b"\r\n")
}

/// Which end of an export range a `--from` / `--to` value gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeEnd {
    /// The first second included: a date means 00:00:00 UTC that day.
    From,
    /// The last second included: a date means 23:59:59 UTC that day.
    To,
}

/// A `--from` / `--to` value that is neither a `YYYY-MM-DD` date nor an RFC 3339 time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a date: use YYYY-MM-DD (a whole day, UTC) or an RFC 3339 time such as 2026-11-21T09:30:00Z"
)]
pub struct BadDate {
    /// What was given.
    pub input: String,
}

/// Parses `YYYY-MM-DD` (the whole day in UTC) or an RFC 3339 time (any offset) into inclusive
/// Unix seconds. A fractional `From` time rounds up and a fractional `To` time rounds down, so
/// the bounds never take in a second outside what was asked.
pub fn parse_bound(text: &str, end: RangeEnd) -> Result<i64, BadDate> {
    let text = text.trim();
    let bad = || BadDate {
        input: text.to_owned(),
    };
    if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        let start = date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp();
        return Ok(match end {
            RangeEnd::From => start,
            RangeEnd::To => start + 86_399,
        });
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| bad())?;
    let seconds = t.unix_timestamp();
    Ok(match end {
        RangeEnd::From if t.nanosecond() > 0 => seconds + 1,
        _ => seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(fields: &[Option<&str>]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, fields).expect("write");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(csv(&[Some("a"), None, Some("")]), "a,,\"\"\r\n");
        assert_eq!(
            csv(&[Some("a,b"), Some("say \"hi\""), Some("x\ny"), Some("r\r")]),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"r\r\"\r\n"
        );
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(iso8601_utc(1_795_253_400), "2026-11-21T09:30:00Z");
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn parses_dates_as_whole_utc_days() {
        assert_eq!(parse_bound("2026-11-21", RangeEnd::From), Ok(1_795_219_200));
        assert_eq!(parse_bound("2026-11-21", RangeEnd::To), Ok(1_795_305_599));
        assert_eq!(
            parse_bound(" 2026-11-21 ", RangeEnd::From),
            Ok(1_795_219_200)
        );
    }

    #[test]
    fn parses_rfc3339_times_with_offsets_and_fractions() {
        assert_eq!(
            parse_bound("2026-11-21T09:30:00Z", RangeEnd::From),
            Ok(1_795_253_400)
        );
        assert_eq!(
            parse_bound("2026-11-21T10:30:00+01:00", RangeEnd::To),
            Ok(1_795_253_400)
        );
        assert_eq!(
            parse_bound("2026-11-21T09:30:00.5Z", RangeEnd::From),
            Ok(1_795_253_401)
        );
        assert_eq!(
            parse_bound("2026-11-21T09:30:00.5Z", RangeEnd::To),
            Ok(1_795_253_400)
        );
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "21/11/2026",
            "2026-11-21T09:30",
            "1795253400",
        ] {
            let e = parse_bound(bad, RangeEnd::From).expect_err(bad);
            assert!(e.to_string().contains("YYYY-MM-DD"));
        }
    }
}
