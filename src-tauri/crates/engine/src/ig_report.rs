//! Reports for information governance from the audit log (`vmcheck audit report`): who looked
//! at a patient, when, in which role and what they saw (a subject access request); one user's
//! activity; a period's summary per day and per outcome, the accesses out of hours, and the
//! exports. As a table, CSV, or a self-contained HTML page (inline styles, an SVG chart, no
//! script and nothing fetched) that opens in any browser without a network.
//!
//! Times are UTC. Out of hours means a lookup or search at a weekend, before 08:00 or from 18:00.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use vmcheck_audit::{iso8601_utc, Access, AuditError, AuditLog};

/// What the report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    /// Only accesses to this patient (an NHS number, digits only).
    pub patient: Option<String>,
    /// Only this user's accesses (their UUID).
    pub user: Option<String>,
    /// From (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// To (Unix seconds, inclusive).
    pub to: Option<i64>,
}

/// How an access ended, for counting and for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A red banner.
    Red,
    /// An amber banner.
    Amber,
    /// A green banner.
    Green,
    /// A grey banner other than "no record".
    Grey,
    /// No V&M record.
    NoRecord,
    /// An error: no status shown.
    Error,
    /// Recorded before the request, never finished (a crash, a kill).
    Interrupted,
    /// A search: on PDS by details, or by hospital number on the trust's Care Connect API.
    Search,
    /// Patient data written out of V&M Check.
    Export,
}

impl Category {
    /// Every category, in the order reports show them.
    pub const ALL: [Category; 9] = [
        Category::Red,
        Category::Amber,
        Category::Green,
        Category::Grey,
        Category::NoRecord,
        Category::Error,
        Category::Interrupted,
        Category::Search,
        Category::Export,
    ];

    /// The category of `access`.
    pub fn of(access: &Access) -> Self {
        match access.action.as_str() {
            "search" => Category::Search,
            "export" => Category::Export,
            _ => match access.outcome.as_deref() {
                None => Category::Interrupted,
                Some("grey:NoRecord") => Category::NoRecord,
                Some(o) if o.starts_with("red:") => Category::Red,
                Some(o) if o.starts_with("amber:") => Category::Amber,
                Some(o) if o.starts_with("green:") => Category::Green,
                Some(o) if o.starts_with("grey:") => Category::Grey,
                Some(_) => Category::Error,
            },
        }
    }

    /// As people read it (colour words as well as colours: a printout may be black and white).
    pub fn words(self) -> &'static str {
        match self {
            Category::Red => "Red: chargeable",
            Category::Amber => "Amber: check needed",
            Category::Green => "Green: not chargeable",
            Category::Grey => "Grey: no status",
            Category::NoRecord => "Grey: no record",
            Category::Error => "Error: nothing shown",
            Category::Interrupted => "Interrupted",
            Category::Search => "Search: by details or hospital number",
            Category::Export => "Export",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Category::Red => "#d5281b",
            Category::Amber => "#ffb81c",
            Category::Green => "#007f3b",
            Category::Grey => "#768692",
            Category::NoRecord => "#aeb7bd",
            Category::Error => "#330072",
            Category::Interrupted => "#425563",
            Category::Search => "#005eb8",
            Category::Export => "#7c2855",
        }
    }
}

/// One day's counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Day {
    /// `2026-12-04` (UTC).
    pub date: String,
    /// Accesses per category (only those that occurred).
    pub counts: BTreeMap<Category, u64>,
}

/// The report.
#[derive(Debug, Clone)]
pub struct IgReport {
    /// What it covers.
    pub query: ReportQuery,
    /// When it was made (Unix seconds).
    pub generated_at: i64,
    /// The log it was made from.
    pub source: String,
    /// The accesses, in time order.
    pub accesses: Vec<Access>,
    /// Per day.
    pub days: Vec<Day>,
}

/// The day (`YYYY-MM-DD`) and hour of a time, UTC.
fn day_and_hour(time: i64) -> (String, u32) {
    let iso = iso8601_utc(time);
    let day = iso.get(..10).unwrap_or(&iso).to_owned();
    let hour = iso.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
    (day, hour)
}

/// Whether an access happened out of hours: a lookup or search at a weekend, before 08:00 or
/// from 18:00 (UTC).
pub fn out_of_hours(access: &Access) -> bool {
    if !matches!(access.action.as_str(), "lookup" | "search") {
        return false;
    }
    let (_, hour) = day_and_hour(access.time);
    // 1 January 1970 was a Thursday: day 0 → weekday 4 (0 = Sunday).
    let weekday = (access.time.div_euclid(86_400) + 4).rem_euclid(7);
    weekday == 0 || weekday == 6 || !(8..18).contains(&hour)
}

/// Whether `access` concerns the patient with NHS number `nhs`: asked about, returned (the
/// current number of a superseded one, or a search's match), or exported alone.
fn concerns(access: &Access, nhs: &str) -> bool {
    let listed = |detail: &Option<String>, key: &str| {
        detail.as_deref().is_some_and(|d| {
            d.split(';')
                .filter_map(|part| part.strip_prefix(key))
                .any(|list| list.split(',').any(|n| n == nhs))
        })
    };
    access.nhs_number.as_deref() == Some(nhs)
        || access.outcome_nhs_number.as_deref() == Some(nhs)
        || listed(&access.outcome_detail, "superseded_from=")
        || listed(&access.outcome_detail, "returned=")
}

impl IgReport {
    /// Reads the log and builds the report.
    pub fn build(
        log: &AuditLog,
        query: ReportQuery,
        generated_at: i64,
        source: impl Into<String>,
    ) -> Result<Self, AuditError> {
        let accesses = log.accesses(query.from, query.to)?;
        Ok(Self::from_accesses(accesses, query, generated_at, source))
    }

    /// The report over `accesses` (the period's, from the local log or the central store),
    /// keeping those the query asks for.
    pub fn from_accesses(
        accesses: Vec<Access>,
        query: ReportQuery,
        generated_at: i64,
        source: impl Into<String>,
    ) -> Self {
        let accesses: Vec<Access> = accesses
            .into_iter()
            .filter(|a| query.patient.as_deref().is_none_or(|p| concerns(a, p)))
            .filter(|a| query.user.as_deref().is_none_or(|u| a.user_uuid == u))
            .collect();
        let mut days: BTreeMap<String, BTreeMap<Category, u64>> = BTreeMap::new();
        for a in &accesses {
            *days
                .entry(day_and_hour(a.time).0)
                .or_default()
                .entry(Category::of(a))
                .or_default() += 1;
        }
        Self {
            query,
            generated_at,
            source: source.into(),
            accesses,
            days: days
                .into_iter()
                .map(|(date, counts)| Day { date, counts })
                .collect(),
        }
    }

    /// The accesses out of hours.
    pub fn out_of_hours(&self) -> Vec<&Access> {
        self.accesses.iter().filter(|a| out_of_hours(a)).collect()
    }

    /// The exports.
    pub fn exports(&self) -> Vec<&Access> {
        self.accesses
            .iter()
            .filter(|a| a.action == "export")
            .collect()
    }

    /// Totals per category over the whole report.
    pub fn totals(&self) -> BTreeMap<Category, u64> {
        let mut t = BTreeMap::new();
        for d in &self.days {
            for (c, n) in &d.counts {
                *t.entry(*c).or_default() += n;
            }
        }
        t
    }

    /// What the report covers, in words.
    pub fn scope(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.query.patient {
            parts.push(format!("patient {}", spaced(p)));
        }
        if let Some(u) = &self.query.user {
            parts.push(format!("user {u}"));
        }
        match (self.query.from, self.query.to) {
            (Some(f), Some(t)) => parts.push(format!("{} to {}", iso8601_utc(f), iso8601_utc(t))),
            (Some(f), None) => parts.push(format!("from {}", iso8601_utc(f))),
            (None, Some(t)) => parts.push(format!("up to {}", iso8601_utc(t))),
            (None, None) => parts.push("the whole log".to_owned()),
        }
        parts.join(", ")
    }

    /// CSV (RFC 4180, CRLF): one row per access.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "seq,time,user_uuid,role_profile_id,ods_code,action,nhs_number,outcome,what_they_saw,out_of_hours,batch_id,detail\r\n",
        );
        for a in &self.accesses {
            let cells = [
                a.seq.to_string(),
                iso8601_utc(a.time),
                a.user_uuid.clone(),
                a.role_profile_id.clone().unwrap_or_default(),
                a.ods_code.clone(),
                a.action.clone(),
                a.nhs_number
                    .clone()
                    .or_else(|| a.outcome_nhs_number.clone())
                    .unwrap_or_default(),
                a.outcome.clone().unwrap_or_default(),
                Category::of(a).words().to_owned(),
                if out_of_hours(a) { "yes" } else { "no" }.to_owned(),
                a.batch_id.clone().unwrap_or_default(),
                a.detail
                    .clone()
                    .or_else(|| a.outcome_detail.clone())
                    .unwrap_or_default(),
            ];
            let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// A plain-text table for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Audit report: {} ({})", self.scope(), self.source);
        let _ = writeln!(out, "Times are UTC.\n");
        let _ = writeln!(
            out,
            "{:<20}  {:<14}  {:<14}  {:<7}  {:<12}  what they saw",
            "time", "user", "role", "action", "NHS number"
        );
        for a in &self.accesses {
            let nhs = a
                .nhs_number
                .as_deref()
                .or(a.outcome_nhs_number.as_deref())
                .map(spaced)
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{:<20}  {:<14}  {:<14}  {:<7}  {:<12}  {}{}",
                iso8601_utc(a.time),
                a.user_uuid,
                a.role_profile_id.as_deref().unwrap_or("-"),
                a.action,
                nhs,
                Category::of(a).words(),
                if out_of_hours(a) {
                    "  (out of hours)"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(out, "\nPer day:");
        for d in &self.days {
            let counts: Vec<String> = d
                .counts
                .iter()
                .map(|(c, n)| format!("{}: {n}", c.words()))
                .collect();
            let _ = writeln!(out, "  {}  {}", d.date, counts.join(", "));
        }
        let _ = writeln!(
            out,
            "\n{} access(es), {} out of hours, {} export(s).",
            self.accesses.len(),
            self.out_of_hours().len(),
            self.exports().len()
        );
        out
    }

    /// A self-contained HTML page: summary, a chart of lookups per day by outcome (with the same
    /// numbers in a table), the accesses, those out of hours, the exports.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let title = format!("V&M Check audit report: {}", self.scope());
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body>",
            esc(&title)
        );
        let _ = write!(
            h,
            "<header><h1>V&amp;M Check audit report</h1><p class=\"scope\" id=\"scope\">{}</p>\
             <p class=\"meta\">Made {} from {}. Times are UTC. This report holds patient data: keep it as the audit log itself is kept.</p></header>",
            esc(&self.scope()),
            esc(&iso8601_utc(self.generated_at)),
            esc(&self.source)
        );
        // Summary.
        let totals = self.totals();
        let lookups: u64 = totals
            .iter()
            .filter(|(c, _)| !matches!(c, Category::Search | Category::Export))
            .map(|(_, n)| n)
            .sum();
        let _ = write!(
            h,
            "<section><h2>Summary</h2><dl class=\"summary\" id=\"summary\">\
             <div><dt>Accesses</dt><dd>{}</dd></div><div><dt>Lookups</dt><dd>{lookups}</dd></div>\
             <div><dt>Searches</dt><dd>{}</dd></div><div><dt>Exports</dt><dd>{}</dd></div>\
             <div><dt>Out of hours</dt><dd>{}</dd></div><div><dt>Interrupted</dt><dd>{}</dd></div></dl></section>",
            self.accesses.len(),
            totals.get(&Category::Search).unwrap_or(&0),
            totals.get(&Category::Export).unwrap_or(&0),
            self.out_of_hours().len(),
            totals.get(&Category::Interrupted).unwrap_or(&0),
        );
        // Chart and its table.
        let _ = write!(h, "<section><h2>Lookups per day by outcome</h2>");
        h.push_str(&self.chart());
        h.push_str("<table id=\"per-day\"><caption>The chart's numbers</caption><thead><tr><th scope=\"col\">Day</th>");
        for c in Category::ALL {
            let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c.words()));
        }
        h.push_str("</tr></thead><tbody>");
        for d in &self.days {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th>", esc(&d.date));
            for c in Category::ALL {
                let _ = write!(h, "<td>{}</td>", d.counts.get(&c).unwrap_or(&0));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table></section>");
        // Lists.
        h.push_str(&self.access_table("accesses", "Every access", self.accesses.iter().collect()));
        h.push_str(&self.access_table("out-of-hours", "Out of hours", self.out_of_hours()));
        h.push_str(&self.access_table("exports", "Exports", self.exports()));
        h.push_str("</body></html>\n");
        h
    }

    /// A stacked bar per day (lookups and searches; exports apart), with a legend in words.
    fn chart(&self) -> String {
        let shown: Vec<Category> = Category::ALL
            .into_iter()
            .filter(|c| *c != Category::Export)
            .collect();
        let max = self
            .days
            .iter()
            .map(|d| {
                shown
                    .iter()
                    .map(|c| d.counts.get(c).copied().unwrap_or(0))
                    .sum::<u64>()
            })
            .max()
            .unwrap_or(0)
            .max(1);
        let (bar, gap, height, left, bottom) = (36_u64, 16_u64, 220_u64, 40_u64, 40_u64);
        let n = u64::try_from(self.days.len()).unwrap_or(0).max(1);
        let width = left + n * (bar + gap) + gap;
        let mut s = String::new();
        let _ = write!(
            s,
            "<figure><svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
             aria-label=\"Lookups per day by outcome; the numbers are in the table below\" \
             viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\">",
            height + bottom,
            height + bottom
        );
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#425563\"/>\
             <text x=\"{}\" y=\"14\" text-anchor=\"end\" font-size=\"12\">{max}</text>\
             <text x=\"{}\" y=\"{height}\" text-anchor=\"end\" font-size=\"12\">0</text>",
            left - 6,
            left - 6
        );
        for (i, d) in self.days.iter().enumerate() {
            let x = left + gap + u64::try_from(i).unwrap_or(0) * (bar + gap);
            let mut y = height;
            for c in &shown {
                let count = d.counts.get(c).copied().unwrap_or(0);
                if count == 0 {
                    continue;
                }
                let h = (count * (height - 20)) / max;
                y = y.saturating_sub(h);
                let _ = write!(
                    s,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"{}\"><title>{}: {} {count}</title></rect>",
                    c.colour(),
                    esc(&d.date),
                    esc(c.words())
                );
            }
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                x + bar / 2,
                height + 16,
                esc(d.date.get(5..).unwrap_or(&d.date))
            );
        }
        s.push_str("</svg><figcaption><ul class=\"legend\">");
        for c in &shown {
            let _ = write!(
                s,
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                c.colour(),
                esc(c.words())
            );
        }
        s.push_str("</ul></figcaption></figure>");
        s
    }

    fn access_table(&self, id: &str, heading: &str, rows: Vec<&Access>) -> String {
        let mut s = format!("<section><h2>{} ({})</h2>", esc(heading), rows.len());
        if rows.is_empty() {
            s.push_str("<p>None.</p></section>");
            return s;
        }
        let _ = write!(
            s,
            "<table id=\"{id}\"><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">User</th>\
             <th scope=\"col\">Role</th><th scope=\"col\">Action</th><th scope=\"col\">NHS number</th>\
             <th scope=\"col\">What they saw</th><th scope=\"col\">Detail</th></tr></thead><tbody>"
        );
        for a in rows {
            let c = Category::of(a);
            let nhs = a
                .nhs_number
                .as_deref()
                .or(a.outcome_nhs_number.as_deref())
                .map(spaced)
                .unwrap_or_default();
            let detail = a
                .detail
                .as_deref()
                .or(a.outcome_detail.as_deref())
                .or(a.search_terms.as_deref())
                .unwrap_or("");
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td></tr>",
                esc(&iso8601_utc(a.time)),
                esc(&a.user_uuid),
                esc(a.role_profile_id.as_deref().unwrap_or("")),
                esc(&a.action),
                esc(&nhs),
                c.colour(),
                esc(c.words()),
                esc(detail)
            );
        }
        s.push_str("</tbody></table></section>");
        s
    }
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;color:#212b32;margin:24px;max-width:1200px}\
h1{font-size:28px;margin:0 0 8px}h2{font-size:22px;margin:32px 0 8px}.scope{font-size:19px;font-weight:bold;margin:0}\
.meta{color:#4c6272}.summary{display:flex;flex-wrap:wrap;gap:12px;margin:0}.summary div{border:1px solid #d8dde0;border-left:6px solid #005eb8;padding:8px 16px;min-width:110px}\
.summary dt{font-size:14px;color:#4c6272}.summary dd{margin:0;font-size:26px;font-weight:bold}\
table{border-collapse:collapse;margin-top:8px;font-size:14px}th,td{border-bottom:1px solid #d8dde0;padding:6px 10px;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:bold;padding:4px 0}.legend{list-style:none;display:flex;flex-wrap:wrap;gap:16px;padding:0}\
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;border:1px solid #212b32;vertical-align:middle}\
figure{margin:0}@media print{body{margin:0}}";

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading `=`,
/// `+`, `-` or `@` is prefixed with `'` so a spreadsheet never runs it as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `9434765919` → `943 476 5919`.
fn spaced(nhs: &str) -> String {
    if nhs.len() == 10 && nhs.bytes().all(|b| b.is_ascii_digit()) {
        format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..])
    } else {
        nhs.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmcheck_audit::{Action, AuditKey, NewRecord};

    /// 2026-12-04 (a Friday) at `hour`:00 UTC.
    fn friday(hour: i64) -> i64 {
        1_796_342_400 + hour * 3_600
    }

    fn log() -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().expect("tmp");
        let key = AuditKey::from_bytes(&[7; 32]).expect("key");
        let log = AuditLog::open(&dir.path().join("audit.sqlite"), key).expect("log");
        (dir, log)
    }

    fn lookup(
        log: &AuditLog,
        time: i64,
        user: &str,
        nhs: &str,
        outcome: Option<&str>,
        detail: Option<&str>,
    ) {
        let intent = NewRecord {
            nhs_number: Some(nhs.into()),
            role_profile_id: Some("555021936109".into()),
            ..NewRecord::new(time, user, "RRK99", Action::Lookup)
        };
        let seq = log.append_all(vec![intent]).expect("intent")[0].seq;
        if let Some(o) = outcome {
            log.append_all(vec![NewRecord {
                refers_to: Some(seq),
                outcome: Some(o.into()),
                nhs_number: Some(nhs.into()),
                detail: detail.map(str::to_owned),
                ..NewRecord::new(time + 1, user, "RRK99", Action::Outcome)
            }])
            .expect("outcome");
        }
    }

    #[test]
    fn the_weekday_and_hour_decide_out_of_hours() {
        let at = |time: i64| Access {
            seq: 1,
            time,
            user_uuid: "u".into(),
            role_profile_id: None,
            ods_code: "RRK99".into(),
            action: "lookup".into(),
            nhs_number: None,
            search_terms: None,
            batch_id: None,
            detail: None,
            outcome: None,
            outcome_nhs_number: None,
            outcome_detail: None,
        };
        assert!(!out_of_hours(&at(friday(8))));
        assert!(!out_of_hours(&at(friday(17) + 3_599)));
        assert!(out_of_hours(&at(friday(7) + 3_599)));
        assert!(out_of_hours(&at(friday(18))));
        assert!(out_of_hours(&at(friday(24 + 12))), "Saturday noon");
        assert!(out_of_hours(&at(friday(48 + 12))), "Sunday noon");
        assert!(!out_of_hours(&at(friday(72 + 12))), "Monday noon");
        let mut export = at(friday(3));
        export.action = "export".into();
        assert!(!out_of_hours(&export), "only lookups and searches");
    }

    #[test]
    fn a_patients_report_has_every_access_to_them_and_no_other() {
        let (_dir, log) = log();
        lookup(
            &log,
            friday(9),
            "555021935107",
            "9990000018",
            Some("red:Chargeable"),
            None,
        );
        lookup(
            &log,
            friday(10),
            "555021935107",
            "9990000026",
            Some("green:NotChargeable"),
            None,
        );
        // Asked about by an old number: the current one came back.
        lookup(
            &log,
            friday(11),
            "555021935108",
            "9990000999",
            Some("amber:CheckNeeded"),
            Some("superseded_from=9990000999"),
        );
        lookup(&log, friday(19), "555021935108", "9990000018", None, None);
        lookup(
            &log,
            friday(12),
            "555021935107",
            "9990000018",
            Some("SPINE_TIMEOUT"),
            None,
        );
        let q = ReportQuery {
            patient: Some("9990000018".into()),
            ..ReportQuery::default()
        };
        let r = IgReport::build(&log, q, friday(20), "audit.sqlite").expect("report");
        let seen: Vec<Category> = r.accesses.iter().map(Category::of).collect();
        assert_eq!(
            seen,
            vec![Category::Red, Category::Interrupted, Category::Error],
            "{r:?}"
        );
        assert_eq!(r.out_of_hours().len(), 1);
        assert_eq!(r.days.len(), 1);
        assert_eq!(r.days[0].counts.get(&Category::Red), Some(&1));
        let csv = r.to_csv();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv.contains("Red: chargeable"));
        assert!(!csv.contains("9990000026"), "another patient");
        // One user's activity.
        let q = ReportQuery {
            user: Some("555021935108".into()),
            ..ReportQuery::default()
        };
        let r = IgReport::build(&log, q, friday(20), "audit.sqlite").expect("report");
        assert_eq!(r.accesses.len(), 2);
        assert!(r.accesses.iter().all(|a| a.user_uuid == "555021935108"));
    }

    #[test]
    fn the_html_page_is_self_contained_and_escapes_what_it_shows() {
        let (_dir, log) = log();
        lookup(
            &log,
            friday(9),
            "<script>",
            "9990000018",
            Some("red:Chargeable"),
            None,
        );
        lookup(
            &log,
            friday(33),
            "555021935107",
            "9990000026",
            Some("grey:NoRecord"),
            None,
        );
        let r =
            IgReport::build(&log, ReportQuery::default(), friday(40), "audit.sqlite").expect("r");
        let html = r.to_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            !html.contains("<script"),
            "escaped, and no script of its own"
        );
        assert!(html.contains("&lt;script&gt;"));
        for external in ["http://", "https://", "src=", "<link"] {
            let outside = html.replace("http://www.w3.org/2000/svg", "");
            assert!(
                !outside.contains(external),
                "{external} in a self-contained page"
            );
        }
        assert!(html.contains("<svg id=\"chart\""));
        assert_eq!(
            html.matches("<rect ").count(),
            2,
            "one bar segment per day and outcome"
        );
        assert!(html.contains("Grey: no record"));
        assert!(html.contains("999 000 0018"));
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
