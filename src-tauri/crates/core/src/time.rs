//! FHIR date-times as received (possibly partial), and calendar arithmetic the UI needs
//! ("older than 12 months"). The current date is always a parameter: the core has no clock.

use std::fmt;

/// A calendar date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct CalendarDate {
    /// Year, e.g. 2015.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
}

impl CalendarDate {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = digits(&s[..4])?;
        let month: u8 = digits(&s[5..7])?;
        let day: u8 = digits(&s[8..10])?;
        (1..=12).contains(&month).then_some(())?;
        (1..=days_in_month(year, month))
            .contains(&day)
            .then_some(())?;
        Some(Self { year, month, day })
    }

    /// A date from its parts; `None` when there is no such day (month 13, 30 February).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
            .then_some(Self { year, month, day })
    }

    /// The date `days` days after 1 January 1970 (negative: before it), proleptic Gregorian.
    pub fn from_unix_days(days: i64) -> Self {
        let days = days + 719_468;
        let era = days.div_euclid(146_097);
        let doe = days.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// The UTC calendar date of a Unix time (days-from-civil inverse, proleptic Gregorian).
    pub fn from_unix_seconds(secs: u64) -> Self {
        let days = (secs / 86_400) as i64 + 719_468;
        let era = days.div_euclid(146_097);
        let doe = days.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// The date as people read it in the UK: `31 December 2021`.
    pub fn human(self) -> String {
        FhirDateTime {
            raw: self.to_string(),
            year: self.year,
            month: Some(self.month),
            day: Some(self.day),
        }
        .human()
    }

    /// The same day `months` months earlier (clamped to the month's last day).
    pub fn minus_months(self, months: u32) -> Self {
        let total = self.year * 12 + i32::from(self.month) - 1 - months as i32;
        let year = total.div_euclid(12);
        let month = (total.rem_euclid(12) + 1) as u8;
        Self {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A number written in ASCII digits only (`str::parse` would also take a sign: `+010`).
fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A FHIR `dateTime` as received: the raw text, and the calendar part when it has one.
/// FHIR allows `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and full timestamps.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FhirDateTime {
    /// Exactly as sent.
    pub raw: String,
    /// Year.
    pub year: i32,
    /// Month, when given.
    pub month: Option<u8>,
    /// Day, when given.
    pub day: Option<u8>,
}

impl FhirDateTime {
    /// Parses the date part of a FHIR dateTime; `None` if it is not one.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let date_part = raw.split('T').next().unwrap_or(raw);
        let mut parts = date_part.splitn(3, '-');
        let year_s = parts.next()?;
        if year_s.len() != 4 {
            return None;
        }
        let year: i32 = digits(year_s)?;
        let month: Option<u8> = match parts.next() {
            Some(m) if m.len() == 2 => Some(digits(m).filter(|m| (1..=12).contains(m))?),
            Some(_) => return None,
            None => None,
        };
        let day: Option<u8> = match (parts.next(), month) {
            (Some(d), Some(m)) if d.len() == 2 => {
                Some(digits(d).filter(|d| (1..=days_in_month(year, m)).contains(d))?)
            }
            (Some(_), _) => return None,
            (None, _) => None,
        };
        if raw.contains('T') && day.is_none() {
            return None;
        }
        Some(Self {
            raw: raw.to_owned(),
            year,
            month,
            day,
        })
    }

    /// The latest calendar date this value can stand for (a partial date is read generously,
    /// so "older than" is only claimed when it is certain).
    pub fn latest_date(&self) -> CalendarDate {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        CalendarDate {
            year: self.year,
            month,
            day,
        }
    }

    /// The earliest calendar date this value can stand for (`2027` → 1 January 2027).
    pub fn earliest_date(&self) -> CalendarDate {
        CalendarDate {
            year: self.year,
            month: self.month.unwrap_or(1),
            day: self.day.unwrap_or(1),
        }
    }

    /// Whether the value lies after `today` whichever day it stands for (a date in the future
    /// is shown with a warning: a record cannot have been updated tomorrow).
    pub fn is_after(&self, today: CalendarDate) -> bool {
        self.earliest_date() > today
    }

    /// The date as people read it in the UK: `1 January 2015` (or `January 2015`, `2015`).
    pub fn human(&self) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{} {} {}", d, MONTHS[usize::from(m - 1)], self.year),
            (Some(m), None) => format!("{} {}", MONTHS[usize::from(m - 1)], self.year),
            _ => self.year.to_string(),
        }
    }

    /// Whether the last update is more than `months` months before `today`.
    pub fn is_older_than(&self, today: CalendarDate, months: u32) -> bool {
        self.latest_date() < today.minus_months(months)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_and_partial_date_times() {
        let t = FhirDateTime::parse("2015-01-01T15:00:00+00:00").expect("full");
        assert_eq!((t.year, t.month, t.day), (2015, Some(1), Some(1)));
        assert_eq!(t.human(), "1 January 2015");
        let t = FhirDateTime::parse("2015-03").expect("month");
        assert_eq!(t.human(), "March 2015");
        assert_eq!(
            t.latest_date(),
            CalendarDate {
                year: 2015,
                month: 3,
                day: 31
            }
        );
        assert_eq!(
            FhirDateTime::parse("2016")
                .expect("year")
                .latest_date()
                .to_string(),
            "2016-12-31"
        );
        for bad in [
            "",
            "+010-01-01",
            "2015-+1-01",
            "2015-01-+1",
            "15-01-01",
            "2015-13-01",
            "2015-02-30",
            "2015-1-1",
            "yesterday",
            "2015T10:00",
        ] {
            assert_eq!(FhirDateTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn older_than_twelve_months() {
        let today = CalendarDate::parse("2026-11-21").expect("date");
        let old = FhirDateTime::parse("2025-11-20").expect("date");
        let recent = FhirDateTime::parse("2025-11-21").expect("date");
        assert!(old.is_older_than(today, 12));
        assert!(!recent.is_older_than(today, 12));
        // A year-only value is only "old" once its whole year is.
        assert!(!FhirDateTime::parse("2025")
            .expect("y")
            .is_older_than(today, 12));
        assert!(FhirDateTime::parse("2024")
            .expect("y")
            .is_older_than(today, 12));
    }

    #[test]
    fn after_today_only_when_every_day_it_may_mean_is() {
        let today = CalendarDate::parse("2026-12-04").expect("date");
        for (raw, after) in [
            ("2026-12-05", true),
            ("2026-12-04T23:59:59+00:00", false),
            ("2026-12-04", false),
            ("2026-12", false),
            ("2027-01", true),
            ("2027", true),
            ("2026", false),
            ("2015-01-01T15:00:00+00:00", false),
        ] {
            let t = FhirDateTime::parse(raw).expect(raw);
            assert_eq!(t.is_after(today), after, "{raw}");
        }
        assert_eq!(
            FhirDateTime::parse("2027")
                .expect("y")
                .earliest_date()
                .to_string(),
            "2027-01-01"
        );
    }

    #[test]
    fn unix_seconds_to_dates() {
        assert_eq!(CalendarDate::from_unix_seconds(0).to_string(), "1970-01-01");
        assert_eq!(
            CalendarDate::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29"
        );
        assert_eq!(
            CalendarDate::from_unix_seconds(1_795_219_200).to_string(),
            "2026-11-21"
        );
    }

    #[test]
    fn dates_from_parts_and_from_days() {
        assert_eq!(
            CalendarDate::new(2024, 2, 29).map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        assert_eq!(CalendarDate::new(2023, 2, 29), None);
        assert_eq!(CalendarDate::new(1900, 2, 29), None);
        assert_eq!(CalendarDate::new(2000, 2, 29).map(|d| d.day), Some(29));
        assert_eq!(CalendarDate::new(2024, 13, 1), None);
        assert_eq!(CalendarDate::new(2024, 0, 1), None);
        assert_eq!(CalendarDate::new(2024, 4, 31), None);
        assert_eq!(CalendarDate::new(2024, 4, 0), None);
        assert_eq!(CalendarDate::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(CalendarDate::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(
            CalendarDate::from_unix_days(-25_569).to_string(),
            "1899-12-30"
        );
        assert_eq!(
            CalendarDate::from_unix_days(11_016).to_string(),
            "2000-02-29"
        );
        for secs in [0_u64, 951_782_400, 1_795_219_200] {
            assert_eq!(
                CalendarDate::from_unix_days((secs / 86_400) as i64),
                CalendarDate::from_unix_seconds(secs)
            );
        }
    }

    #[test]
    fn calendar_dates_read_as_people_write_them() {
        assert_eq!(
            CalendarDate::parse("2021-12-31").expect("date").human(),
            "31 December 2021"
        );
        assert_eq!(
            CalendarDate::parse("2020-01-01").expect("date").human(),
            "1 January 2020"
        );
        // Digits only: a sign is not a year (a PDS period starting "+010-01-01" is unreadable).
        for bad in ["+010-01-01", "2020-+1-01", "2020-01-+1", "2020-1-01"] {
            assert_eq!(CalendarDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn month_arithmetic_clamps() {
        let d = CalendarDate::parse("2024-03-31").expect("date");
        assert_eq!(d.minus_months(1).to_string(), "2024-02-29");
        assert_eq!(d.minus_months(15).to_string(), "2022-12-31");
    }
}
