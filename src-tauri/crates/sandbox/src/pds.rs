//! The sandbox's Personal Demographics Service (PDS FHIR R4, base path
//! `/personal-demographics/FHIR/R4`), serving the test patients.
//!
//! - `GET /Patient/{nhs}` — the record (superseded numbers answer with the replacing record,
//!   restricted records lose their address), or 400 INVALID_RESOURCE_ID, 404 RESOURCE_NOT_FOUND,
//!   404 INVALIDATED_RESOURCE, and the per-patient refusals 429 TOO_MANY_REQUESTS (with
//!   `Retry-After`) and 408 UNABLE_TO_CALL_SERVICE.
//! - `GET /Patient?family=&given=&gender=&birthdate=&address-postalcode=&…` — a searchset Bundle
//!   scored as the published API describes (1.0 for an exact match, less for wildcard, phonetic or
//!   transposed matches), following its minimum parameter rules, never returning invalidated
//!   records, nor restricted ones when a postcode or practice is given.
//! - `GET /_ping` — the NHS API platform's health check (200, a small JSON object), which needs
//!   neither a token nor a request id.
//!
//! Every other request needs an `X-Request-ID` UUID (400 MISSING_VALUE / INVALID_VALUE otherwise);
//! `X-Request-ID` and `X-Correlation-ID` are mirrored back. Errors are PDS OperationOutcomes
//! (`issue[0].details.coding[0]` from `https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode`).
//!
//! With [`crate::SandboxOptions::pds_auth`] every request needs `Authorization: Bearer` with a
//! token from the sandbox's token endpoint ([`crate::oauth`]), checked before anything else
//! (401 ACCESS_DENIED otherwise); without it, no token is needed (PDS's public-sandbox mode).
//!
//! It deliberately does not: hold contact details, GP
//! registrations or history (searches by email, phone or practice match nobody), support
//! `_history` beyond accepting it, update records, or log anything identifying.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Map, Value};
use vmcheck_core::jwt::NHS_NUMBER_SYSTEM;
use vmcheck_core::time::CalendarDate;
use vmcheck_core::NhsNumber;

use crate::faults::{deliver, Service};
use crate::patients::{self, PdsBehaviour, TestPatient};
use crate::server::{
    is_uuid, now_instant, parse_query, percent_decode, single_header, BadQuery, ConnCtl, Reply,
};
use crate::Shared;

/// The PDS base path on the sandbox's PDS port.
pub const BASE_PATH: &str = "/personal-demographics/FHIR/R4";
/// `Content-Type` of every PDS answer.
pub const CONTENT_TYPE: &str = "application/fhir+json";
/// Code system of PDS error codes.
pub const ERROR_SYSTEM: &str = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode";
/// Code system of `meta.security`.
pub const CONFIDENTIALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
/// The most results a search may ask for.
pub const MAX_RESULTS: usize = 50;

const X_REQUEST_ID: &str = "x-request-id";
const X_CORRELATION_ID: &str = "x-correlation-id";

/// The PDS server's router: one handler that reads the path itself.
/// `POST /oauth2/token` goes to the token endpoint ([`crate::oauth`]), and
/// `GET /care-connect/STU3/Patient` and `/metadata` to the sandbox trust's Care Connect API
/// ([`crate::care_connect`]).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            crate::oauth::TOKEN_PATH,
            axum::routing::post(crate::oauth::token),
        )
        .route(
            crate::care_connect::PATIENT_PATH,
            axum::routing::get(crate::care_connect::handle),
        )
        .route(
            crate::care_connect::METADATA_PATH,
            axum::routing::get(crate::care_connect::metadata),
        )
        .fallback(handle)
        .with_state(shared)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    request: Request,
) -> Response {
    shared.pds_requests.fetch_add(1, Ordering::SeqCst);
    let fault = shared.pds_fault();
    let reply = answer(&shared, &request);
    deliver(reply, fault, &conn, Service::Pds).await
}

/// A PDS error answer (or the 200 TOO_MANY_MATCHES outcome).
#[derive(Debug, Clone)]
struct PdsError {
    status: StatusCode,
    severity: &'static str,
    issue: &'static str,
    code: &'static str,
    display: &'static str,
    diagnostics: Option<String>,
    retry_after: Option<u32>,
}

impl PdsError {
    fn new(
        status: StatusCode,
        issue: &'static str,
        code: &'static str,
        display: &'static str,
    ) -> Self {
        Self {
            status,
            severity: "error",
            issue,
            code,
            display,
            diagnostics: None,
            retry_after: None,
        }
    }

    fn because(mut self, diagnostics: impl Into<String>) -> Self {
        self.diagnostics = Some(diagnostics.into());
        self
    }

    fn missing_value(diagnostics: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "required",
            "MISSING_VALUE",
            "Required value is missing",
        )
        .because(diagnostics)
    }

    fn invalid_value(diagnostics: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "value",
            "INVALID_VALUE",
            "Provided value is invalid",
        )
        .because(diagnostics)
    }

    fn invalid_search_data(diagnostics: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "INVALID_SEARCH_DATA",
            "Search data is invalid",
        )
        .because(diagnostics)
    }

    fn unsupported(status: StatusCode, diagnostics: impl Into<String>) -> Self {
        Self::new(
            status,
            "processing",
            "UNSUPPORTED_SERVICE",
            "Unsupported Service",
        )
        .because(diagnostics)
    }

    fn invalid_resource_id() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "value",
            "INVALID_RESOURCE_ID",
            "Resource Id is invalid",
        )
        .because("The NHS number in the path is not a valid NHS number")
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "RESOURCE_NOT_FOUND",
            "Resource not found",
        )
    }

    fn invalidated() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "processing",
            "INVALIDATED_RESOURCE",
            "Resource that has been marked as invalid was requested - invalid resources cannot be retrieved",
        )
    }

    fn reply(&self) -> Reply {
        tracing::info!(
            code = self.code,
            status = self.status.as_u16(),
            "PDS error answer"
        );
        let mut issue = json!({
            "severity": self.severity,
            "code": self.issue,
            "details": {
                "coding": [{
                    "system": ERROR_SYSTEM,
                    "version": "1",
                    "code": self.code,
                    "display": self.display
                }]
            }
        });
        if let Some(d) = &self.diagnostics {
            issue["diagnostics"] = Value::String(d.clone());
        }
        let body = json!({ "resourceType": "OperationOutcome", "issue": [issue] });
        let mut reply = Reply::new(self.status, CONTENT_TYPE, body.to_string());
        if let Some(secs) = self.retry_after {
            reply = reply.with_header(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        reply
    }
}

fn answer(shared: &Shared, request: &Request) -> Reply {
    let headers = request.headers();
    let mut reply = route(shared, request).unwrap_or_else(|e| e.reply());
    // Mirror the request and correlation ids, as PDS does.
    for name in [X_REQUEST_ID, X_CORRELATION_ID] {
        if let Some(value) = headers.get(name) {
            reply = reply.with_header(HeaderName::from_static(name), value.clone());
        }
    }
    reply
}

/// The API platform's health check, `GET {base}/_ping`: no authorisation, no request id.
const PING_PATH: &str = "/_ping";

fn route(shared: &Shared, request: &Request) -> Result<Reply, PdsError> {
    let headers = request.headers();
    if request.uri().path().strip_prefix(BASE_PATH) == Some(PING_PATH) {
        if request.method() != Method::GET {
            return Err(PdsError::unsupported(
                StatusCode::METHOD_NOT_ALLOWED,
                "Only GET is supported by this sandbox",
            ));
        }
        let body = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "revision": "sandbox",
            "releaseId": "sandbox",
            "commitId": "sandbox",
        });
        return Ok(Reply::new(
            StatusCode::OK,
            "application/json",
            body.to_string(),
        ));
    }
    check_authorization(shared, headers)?;
    check_request_id(headers)?;
    let uri = request.uri();
    let rest = uri.path().strip_prefix(BASE_PATH).unwrap_or("");
    let target =
        match rest {
            "/Patient" => None,
            "/Patient/" => {
                return Err(PdsError::unsupported(
                    StatusCode::BAD_REQUEST,
                    "Missing NHS number",
                ))
            }
            _ => match rest.strip_prefix("/Patient/") {
                Some(id) if !id.contains('/') => Some(id),
                _ => return Err(PdsError::unsupported(
                    StatusCode::NOT_FOUND,
                    "This sandbox offers GET Patient/{NHS number} and GET Patient?{search} only",
                )),
            },
        };
    if request.method() != Method::GET {
        return Err(PdsError::unsupported(
            StatusCode::METHOD_NOT_ALLOWED,
            "Only GET is supported by this sandbox",
        ));
    }
    match target {
        Some(id) => read(id),
        None => search(shared, parse_query(uri.query())),
    }
}

fn check_request_id(headers: &HeaderMap) -> Result<(), PdsError> {
    match single_header(headers, X_REQUEST_ID) {
        Ok(Some(id)) if is_uuid(id) => Ok(()),
        Ok(None) => Err(PdsError::missing_value(
            "Invalid request with error - X-Request-ID header must be supplied to access this resource",
        )),
        Ok(Some(_)) => Err(PdsError::invalid_value(
            "Invalid value - X-Request-ID header must be a UUID",
        )),
        Err(problem) => Err(PdsError::invalid_value(format!(
            "Invalid value - X-Request-ID header {problem}"
        ))),
    }
}

/// The bearer token, when the sandbox imitates an authenticated environment: a token from the
/// token endpoint, not expired or revoked; otherwise 401 ACCESS_DENIED (issue type `forbidden`),
/// as PDS answers. Without [`crate::SandboxOptions::pds_auth`] no token is needed, and one sent
/// is ignored.
fn check_authorization(shared: &Shared, headers: &HeaderMap) -> Result<(), PdsError> {
    let Some(auth) = &shared.pds_auth else {
        return Ok(());
    };
    auth.check_bearer(headers).map_err(|diagnostics| {
        PdsError::new(
            StatusCode::UNAUTHORIZED,
            "forbidden",
            "ACCESS_DENIED",
            "Access Denied - Unauthorised",
        )
        .because(diagnostics)
    })
}

fn read(raw_id: &str) -> Result<Reply, PdsError> {
    let id = percent_decode(raw_id).map_err(|_| PdsError::invalid_resource_id())?;
    let valid =
        id.len() == 10 && id.bytes().all(|b| b.is_ascii_digit()) && NhsNumber::parse(&id).is_ok();
    if !valid {
        return Err(PdsError::invalid_resource_id());
    }
    let patient = patients::find(&id).ok_or_else(PdsError::not_found)?;
    let served = match &patient.pds {
        PdsBehaviour::Found => patient,
        PdsBehaviour::Superseded => patient
            .superseded_by
            .and_then(patients::find)
            .filter(|p| p.pds == PdsBehaviour::Found)
            .ok_or_else(PdsError::not_found)?,
        PdsBehaviour::NotFound => return Err(PdsError::not_found()),
        PdsBehaviour::Invalidated => return Err(PdsError::invalidated()),
        PdsBehaviour::TooManyRequests { retry_after_secs } => {
            let mut e = PdsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "TOO_MANY_REQUESTS",
                "You have exceeded your application's rate limit",
            );
            e.retry_after = Some(*retry_after_secs);
            return Err(e);
        }
        PdsBehaviour::Timeout => {
            return Err(PdsError::new(
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "UNABLE_TO_CALL_SERVICE",
                "The downstream domain processing has not completed within the configured timeout period",
            ))
        }
    };
    tracing::debug!(
        superseded = served.nhs_number != id,
        "PDS retrieve answered"
    );
    let etag = HeaderValue::from_str(&format!("W/\"{}\"", served.pds_version))
        .unwrap_or_else(|_| HeaderValue::from_static("W/\"1\""));
    Ok(Reply::new(
        StatusCode::OK,
        CONTENT_TYPE,
        patient_json(served).to_string(),
    )
    .with_header(header::ETAG, etag))
}

/// A patient as PDS sends it (shaped like the published `Patient-9000000009.json`).
pub(crate) fn patient_json(p: &TestPatient) -> Value {
    let mut map = Map::new();
    map.insert("resourceType".into(), json!("Patient"));
    map.insert("id".into(), json!(p.nhs_number));
    map.insert(
        "identifier".into(),
        json!([{
            "system": NHS_NUMBER_SYSTEM,
            "value": p.nhs_number,
            "extension": [{
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
                "valueCodeableConcept": {
                    "coding": [{
                        "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
                        "version": "1.0.0",
                        "code": "01",
                        "display": "Number present and verified"
                    }]
                }
            }]
        }]),
    );
    let (code, display) = if p.restricted {
        ("R", "restricted")
    } else {
        ("U", "unrestricted")
    };
    map.insert(
        "meta".into(),
        json!({
            "versionId": p.pds_version,
            "security": [{ "system": CONFIDENTIALITY_SYSTEM, "code": code, "display": display }]
        }),
    );
    // PDS sends a period with every name and address; the sandbox's start on the day of
    // birth (names) or in 2010 (addresses), and end when the patient's details ended.
    let period = |start: &str| match p.details_ended {
        Some(end) => json!({ "start": start, "end": end }),
        None => json!({ "start": start }),
    };
    if let Some(name) = &p.name {
        map.insert(
            "name".into(),
            json!([{
                "use": "usual",
                "period": period(p.birth_date.unwrap_or("2000-01-01")),
                "given": name.given,
                "family": name.family,
                "prefix": [name.prefix]
            }]),
        );
    }
    if let Some(gender) = p.gender {
        map.insert("gender".into(), json!(gender));
    }
    if let Some(birth_date) = p.birth_date {
        map.insert("birthDate".into(), json!(birth_date));
    }
    if let Some(deceased) = p.deceased {
        map.insert("deceasedDateTime".into(), json!(deceased));
    }
    if !p.restricted && !p.address.is_empty() {
        let mut address = Map::new();
        address.insert("use".into(), json!("home"));
        address.insert("period".into(), period("2010-01-01"));
        address.insert("line".into(), json!(p.address));
        if let Some(postcode) = p.postcode {
            address.insert("postalCode".into(), json!(postcode));
        }
        map.insert("address".into(), json!([address]));
    }
    Value::Object(map)
}

// ---- Search -------------------------------------------------------------------------------

/// A date comparison of a `birthdate` / `death-date` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Cmp {
    fn holds(self, value: &str, bound: &str) -> bool {
        match self {
            Self::Eq => value == bound,
            Self::Ge => value >= bound,
            Self::Le => value <= bound,
            Self::Gt => value > bound,
            Self::Lt => value < bound,
        }
    }
}

/// The search, validated.
#[derive(Debug, Default)]
struct Criteria {
    family: Option<String>,
    given: Vec<String>,
    gender: Option<String>,
    birthdate: Vec<(Cmp, String)>,
    death_date: Vec<(Cmp, String)>,
    postcode: Option<String>,
    practice: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    fuzzy: bool,
    exact: bool,
    max_results: Option<usize>,
}

fn parse_date(field: &str, value: &str) -> Result<(Cmp, String), PdsError> {
    let (cmp, date) = [
        ("eq", Cmp::Eq),
        ("ge", Cmp::Ge),
        ("le", Cmp::Le),
        ("gt", Cmp::Gt),
        ("lt", Cmp::Lt),
    ]
    .into_iter()
    .find_map(|(prefix, cmp)| value.strip_prefix(prefix).map(|d| (cmp, d)))
    .unwrap_or((Cmp::Eq, value));
    match CalendarDate::parse(date) {
        Some(d) => Ok((cmp, d.to_string())),
        None => Err(PdsError::invalid_search_data(format!(
            "Invalid value - '{}' in field '{field}'",
            shown(value)
        ))),
    }
}

fn parse_bool(field: &str, value: &str) -> Result<bool, PdsError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(PdsError::invalid_value(format!(
            "Invalid value - '{}' in field '{field}'",
            shown(value)
        ))),
    }
}

/// A value as echoed in diagnostics (short, printable).
fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(60).collect()
}

fn once(slot: &mut Option<String>, field: &str, value: &str) -> Result<(), PdsError> {
    if slot.replace(value.to_owned()).is_some() {
        return Err(PdsError::invalid_value(format!(
            "Invalid value - field '{field}' is given more than once"
        )));
    }
    Ok(())
}

fn criteria(query: &[(String, String)]) -> Result<Criteria, PdsError> {
    let mut c = Criteria::default();
    let mut seen_flags: Vec<&str> = Vec::new();
    for (name, value) in query {
        let name = name.as_str();
        let value = value.trim();
        let known = matches!(
            name,
            "family"
                | "given"
                | "gender"
                | "birthdate"
                | "death-date"
                | "address-postalcode"
                | "address-postcode"
                | "general-practitioner"
                | "email"
                | "phone"
                | "_fuzzy-match"
                | "_exact-match"
                | "_history"
                | "_max-results"
        );
        if !known {
            return Err(PdsError::new(
                StatusCode::BAD_REQUEST,
                "structure",
                "ADDITIONAL_PROPERTIES",
                "Additional properties are not allowed",
            )
            .because(format!("Unrecognised query parameter - '{}'", shown(name))));
        }
        if value.is_empty() {
            return Err(PdsError::invalid_value(format!(
                "Invalid value - '' in field '{name}'"
            )));
        }
        match name {
            "family" => once(&mut c.family, name, value)?,
            "given" => c.given.push(value.to_owned()),
            "gender" => {
                if !matches!(value, "male" | "female" | "other" | "unknown") {
                    return Err(PdsError::invalid_value(format!(
                        "Invalid value - '{}' in field 'gender'",
                        shown(value)
                    )));
                }
                once(&mut c.gender, name, value)?;
            }
            "birthdate" | "death-date" => {
                let list = if name == "birthdate" {
                    &mut c.birthdate
                } else {
                    &mut c.death_date
                };
                if list.len() == 2 {
                    return Err(PdsError::invalid_value(format!(
                        "Invalid value - field '{name}' is given more than twice"
                    )));
                }
                list.push(parse_date(name, value)?);
            }
            "address-postalcode" | "address-postcode" => once(&mut c.postcode, name, value)?,
            "general-practitioner" => once(&mut c.practice, name, value)?,
            "email" => once(&mut c.email, name, value)?,
            "phone" => once(&mut c.phone, name, value)?,
            flag => {
                if seen_flags.contains(&flag) {
                    return Err(PdsError::invalid_value(format!(
                        "Invalid value - field '{flag}' is given more than once"
                    )));
                }
                seen_flags.push(flag);
                match flag {
                    "_fuzzy-match" => c.fuzzy = parse_bool(flag, value)?,
                    "_exact-match" => c.exact = parse_bool(flag, value)?,
                    "_history" => {
                        parse_bool(flag, value)?;
                    }
                    _ => {
                        let n = value
                            .parse::<usize>()
                            .ok()
                            .filter(|n| (1..=MAX_RESULTS).contains(n))
                            .ok_or_else(|| {
                                PdsError::invalid_value(format!(
                                    "Invalid value - '{}' in field '_max-results'",
                                    shown(value)
                                ))
                            })?;
                        c.max_results = Some(n);
                    }
                }
            }
        }
    }
    check_minimum(&c)?;
    Ok(c)
}

/// The minimum parameter combinations of the published search rules.
fn check_minimum(c: &Criteria) -> Result<(), PdsError> {
    let any = c.family.is_some()
        || !c.given.is_empty()
        || c.gender.is_some()
        || !c.birthdate.is_empty()
        || !c.death_date.is_empty()
        || c.postcode.is_some()
        || c.practice.is_some()
        || c.email.is_some()
        || c.phone.is_some();
    if !any {
        return Err(PdsError::unsupported(
            StatusCode::BAD_REQUEST,
            "No search parameters provided",
        ));
    }
    if c.birthdate.is_empty() {
        return Err(PdsError::missing_value(
            "Missing value - 'birth_date/birth_date_range_start/birth_date_range_end'",
        ));
    }
    let has_given = !c.given.is_empty();
    if !c.fuzzy {
        if c.family.is_none() {
            return Err(PdsError::invalid_search_data(
                "Invalid search data provided - a search needs at least family and birthdate (missing: family)",
            ));
        }
        return Ok(());
    }
    let wildcard = c
        .family
        .iter()
        .chain(&c.given)
        .chain(&c.postcode)
        .any(|v| v.contains('*'));
    if wildcard {
        return Err(PdsError::invalid_search_data(
            "Invalid search data provided - wildcards are not allowed in a fuzzy search",
        ));
    }
    let with_postcode = c.gender.is_some() && c.postcode.is_some();
    let ok = (has_given && c.family.is_some())
        || (c.family.is_some() && with_postcode)
        || (has_given && with_postcode);
    if !ok {
        let mut missing = Vec::new();
        if c.family.is_none() {
            missing.push("family");
        }
        if !has_given {
            missing.push("given");
        }
        if c.gender.is_none() {
            missing.push("gender");
        }
        if c.postcode.is_none() {
            missing.push("address-postalcode");
        }
        return Err(PdsError::invalid_search_data(format!(
            "Invalid search data provided - a fuzzy search needs given, family and birthdate, or birthdate, gender, postcode and family or given (missing: {})",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// `*` matches any run of characters; both sides already normalised.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// American Soundex (letter + three digits), as PDS's fuzzy search uses.
fn soundex(s: &str) -> Option<String> {
    let letters: Vec<char> = s
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let first = *letters.first()?;
    let code = |c: char| match c {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        'H' | 'W' => 'h',
        _ => '0',
    };
    let mut out = String::from(first);
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == 'h' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

/// How well a name matches: 1.0 exactly (ignoring case), less for a wildcard or phonetic match.
fn name_score(query: &str, value: &str, fuzzy: bool) -> Option<f64> {
    let (q, v) = (query.to_lowercase(), value.to_lowercase());
    if q == v {
        Some(1.0)
    } else if (!fuzzy && q.contains('*') && glob(&q, &v))
        || (fuzzy && soundex(&q).is_some() && soundex(&q) == soundex(&v))
    {
        Some(0.9)
    } else {
        None
    }
}

fn givens_score(queries: &[String], givens: &[&str], fuzzy: bool) -> Option<f64> {
    queries.iter().try_fold(1.0, |acc, q| {
        givens
            .iter()
            .filter_map(|g| name_score(q, g, fuzzy))
            .reduce(f64::max)
            .map(|s| acc * s)
    })
}

fn normalise_postcode(p: &str) -> String {
    p.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The score of a patient for the search, `None` when it does not match.
fn score(c: &Criteria, p: &TestPatient) -> Option<f64> {
    let name = p.name.as_ref()?;
    let mut score = 1.0;
    // Names: direct, or (fuzzy only) transposed.
    let direct = c
        .family
        .as_deref()
        .map_or(Some(1.0), |f| name_score(f, name.family, c.fuzzy))
        .and_then(|s| givens_score(&c.given, name.given, c.fuzzy).map(|g| s * g));
    let names = match direct {
        Some(s) => s,
        None if c.fuzzy => {
            let family = c.family.as_deref()?;
            let [given] = c.given.as_slice() else {
                return None;
            };
            let first = name.given.first()?;
            name_score(family, first, true)? * name_score(given, name.family, true)? * 0.85
        }
        None => return None,
    };
    score *= names;
    if let Some(g) = &c.gender {
        if p.gender != Some(g.as_str()) {
            return None;
        }
    }
    let birth = p.birth_date?;
    if !c.birthdate.iter().all(|(cmp, d)| cmp.holds(birth, d)) {
        return None;
    }
    if !c.death_date.is_empty() {
        let died = p.deceased.and_then(|d| d.get(..10))?;
        if !c.death_date.iter().all(|(cmp, d)| cmp.holds(died, d)) {
            return None;
        }
    }
    if let Some(query) = &c.postcode {
        let (q, v) = (normalise_postcode(query), normalise_postcode(p.postcode?));
        if q != v {
            if !c.fuzzy && q.contains('*') && glob(&q, &v) {
                score *= 0.9;
            } else {
                return None;
            }
        }
    }
    // The sandbox holds no practice, e-mail or phone: such a search matches nobody.
    if c.practice.is_some() || c.email.is_some() || c.phone.is_some() {
        return None;
    }
    Some((score * 10_000.0_f64).round() / 10_000.0)
}

fn search(
    shared: &Shared,
    query: Result<Vec<(String, String)>, BadQuery>,
) -> Result<Reply, PdsError> {
    let query = query.map_err(|_| {
        PdsError::invalid_value(
            "Invalid value - the query string is not valid percent-encoded UTF-8",
        )
    })?;
    let c = criteria(&query)?;
    let hides_restricted = c.postcode.is_some() || c.practice.is_some();
    let mut matches: Vec<(f64, &TestPatient)> = patients::patients()
        .iter()
        .filter(|p| p.searchable())
        .filter(|p| !(hides_restricted && p.restricted))
        .filter_map(|p| score(&c, p).map(|s| (s, p)))
        .filter(|(s, _)| !c.exact || *s >= 1.0)
        .collect();
    matches.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.nhs_number.cmp(b.1.nhs_number)));
    let max = c.max_results.unwrap_or(MAX_RESULTS);
    if matches.len() > max {
        tracing::info!(matches = matches.len(), max, "PDS search: too many matches");
        let mut e = PdsError::new(
            StatusCode::OK,
            "multiple-matches",
            "TOO_MANY_MATCHES",
            "Too Many Matches",
        )
        .because(format!(
            "The search matched more patients than _max-results ({max}); refine the search"
        ));
        e.severity = "information";
        return Err(e);
    }
    tracing::debug!(matches = matches.len(), "PDS search answered");
    let mut bundle = Map::new();
    bundle.insert("resourceType".into(), json!("Bundle"));
    bundle.insert("type".into(), json!("searchset"));
    bundle.insert("timestamp".into(), json!(now_instant()));
    bundle.insert("total".into(), json!(matches.len()));
    if !matches.is_empty() {
        let entries: Vec<Value> = matches
            .iter()
            .map(|(s, p)| {
                json!({
                    "fullUrl": format!("{}/Patient/{}", shared.urls.pds_base, p.nhs_number),
                    "search": { "score": s },
                    "resource": patient_json(p)
                })
            })
            .collect();
        bundle.insert("entry".into(), Value::Array(entries));
    }
    Ok(Reply::new(
        StatusCode::OK,
        CONTENT_TYPE,
        Value::Object(bundle).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_codes() {
        for (a, b) in [
            ("Robert", "R163"),
            ("Rupert", "R163"),
            ("Ashcraft", "A261"),
            ("Tymczak", "T522"),
            ("Pfister", "P236"),
            ("Smith", "S530"),
            ("Smythe", "S530"),
            ("O'Brien", "O165"),
            ("Li", "L000"),
        ] {
            assert_eq!(soundex(a).as_deref(), Some(b), "{a}");
        }
        assert_eq!(soundex("'-"), None);
    }

    #[test]
    fn wildcards() {
        assert!(glob("ta*", "taylor"));
        assert!(glob("*lor", "taylor"));
        assert!(glob("t*y*r", "taylor"));
        assert!(glob("*", ""));
        assert!(!glob("tay", "taylor"));
        assert!(!glob("x*", "taylor"));
        assert!(glob("ls11*", "ls116ad"));
    }
}
