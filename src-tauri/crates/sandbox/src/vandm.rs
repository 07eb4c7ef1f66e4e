//! The sandbox's Spine Visitors and Migrants endpoint (FHIR DSTU2, base path `/fhir`).
//!
//! `GET /fhir/metadata` answers the Conformance statement; `GET /fhir/Observation?…` answers a
//! patient's chargeable status, as strictly as Spine: every request is checked in Spine's order
//! — the `Ssp-*` headers and the bearer token's presence (MISSING_OR_INVALID_HEADER), the ASIDs
//! (ASID_CHECK_FAILED), the audit JWT ([`vmcheck_core::jwt::validate`] at the real time;
//! BAD_REQUEST), the query (INVALID_PARAMETER, MESSAGE_NOT_WELL_FORMED,
//! INVALID_IDENTIFIER_SYSTEM, INVALID_CODE_SYSTEM, INVALID_CODE_VALUE, INVALID_NHS_NUMBER), the
//! NHS number against the token (REQUEST_UNMATCHED), the patient (PATIENT_NOT_FOUND) — and each
//! refusal is a Spine OperationOutcome, wrapped in a searchset Bundle as the specification's
//! example is, with a `diagnostics` naming the exact problem. Answers are JSON or XML
//! (`_format`, else `Accept`, else JSON), written with the core's FHIR writer.
//!
//! Besides the canonical query it accepts the form the specification's cURL example sends,
//! `identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}` without `code`.
//!
//! It deliberately does not: check TLS or client certificates (ACCESS_DENIED_SSL is never sent),
//! verify token signatures unless configured to (Spine does not; see
//! [`crate::SandboxOptions::audit_jwt_public_key_pem`]), or log anything identifying — only codes.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use vmcheck_core::fhir::model::SPINE_ERROR_SYSTEM;
use vmcheck_core::fhir::write::{build, render};
use vmcheck_core::fhir::{Element, WireFormat};
use vmcheck_core::jwt::{self, NHS_NUMBER_SYSTEM};
use vmcheck_core::request::{CODE_PARAM, SUBJECT_PARAM};
use vmcheck_core::sds::{VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION};
use vmcheck_core::spine_error::SpineErrorCode;
use vmcheck_core::status::{
    BasicStatus, Category, BASIC_COMPONENT, BASIC_STATUS_SYSTEM, CATEGORY_COMPONENT,
    CATEGORY_SYSTEM, COMPONENT_SYSTEM, OBSERVATION_CODE, OBSERVATION_CODE_SYSTEM,
    OBSERVATION_PROFILE,
};
use vmcheck_core::NhsNumber;

use crate::directory::SPINE_ASID;
use crate::faults::{deliver, Fault, Service};
use crate::patients::{self, Component, RecordShape, TestPatient, VandmBehaviour, VandmRecord};
use crate::server::{is_uuid, now_secs, parse_query, single_header, ConnCtl, Reply};
use crate::Shared;

/// The V&M base path on the sandbox's V&M port.
pub const BASE_PATH: &str = "/fhir";
/// `Content-Type` of JSON answers.
pub const JSON_CONTENT_TYPE: &str = "application/json+fhir; charset=utf-8";
/// `Content-Type` of XML answers.
pub const XML_CONTENT_TYPE: &str = "application/xml+fhir; charset=utf-8";
/// The search parameter of the specification's cURL example.
pub const IDENTIFIER_PARAM: &str = "identifier";
/// The format parameter.
pub const FORMAT_PARAM: &str = "_format";

/// The V&M server's router: one handler that reads the path itself.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    request: Request,
) -> Response {
    shared.vandm_requests.fetch_add(1, Ordering::SeqCst);
    let run_fault = shared.fault();
    let (reply, patient_fault) =
        answer(&shared, request.method(), request.uri(), request.headers());
    deliver(reply, run_fault.or(patient_fault), &conn, Service::Vandm).await
}

/// A refused request: the Spine code and what exactly was wrong.
#[derive(Debug)]
struct Refusal {
    code: SpineErrorCode,
    diagnostics: String,
}

fn refuse(code: SpineErrorCode, diagnostics: impl Into<String>) -> Refusal {
    Refusal {
        code,
        diagnostics: diagnostics.into(),
    }
}

fn content_type(format: WireFormat) -> &'static str {
    match format {
        WireFormat::Json => JSON_CONTENT_TYPE,
        WireFormat::Xml => XML_CONTENT_TYPE,
    }
}

fn fhir_reply(status: StatusCode, resource: &Element, format: WireFormat) -> Reply {
    Reply::new(status, content_type(format), render(resource, format))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An error OperationOutcome in a searchset Bundle.
fn outcome_reply(
    status: StatusCode,
    issue_type: &str,
    code: &str,
    display: &str,
    diagnostics: &str,
    format: WireFormat,
) -> Reply {
    let outcome = build::operation_outcome(
        &new_id(),
        "error",
        issue_type,
        (SPINE_ERROR_SYSTEM, code, display),
        Some(diagnostics),
    );
    fhir_reply(
        status,
        &build::searchset(&new_id(), vec![(None, outcome)]),
        format,
    )
}

impl Refusal {
    fn reply(&self, format: WireFormat) -> Reply {
        tracing::info!(code = self.code.code(), "V&M request refused");
        outcome_reply(
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            self.code.issue_type(),
            self.code.code(),
            self.code.display(),
            &self.diagnostics,
            format,
        )
    }
}

/// `_format` values: `json`, `xml`, or a FHIR media type.
fn format_param(value: &str) -> Option<WireFormat> {
    match value.trim().to_ascii_lowercase().as_str() {
        "json" => Some(WireFormat::Json),
        "xml" => Some(WireFormat::Xml),
        other => WireFormat::from_media_type(other),
    }
}

/// The answer's format: a valid `_format` wins, else the first FHIR type `Accept` names, else
/// JSON (Spine's default, also for an `Accept` naming neither).
fn response_format(query: Option<&[(String, String)]>, headers: &HeaderMap) -> WireFormat {
    let from_param = query
        .and_then(|q| q.iter().find(|(n, _)| n == FORMAT_PARAM))
        .and_then(|(_, v)| format_param(v));
    if let Some(format) = from_param {
        return format;
    }
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(WireFormat::from_media_type)
        .unwrap_or(WireFormat::Json)
}

/// What one request gets, before any fault: the reply and the patient's own fault.
fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> (Reply, Option<Fault>) {
    let query = parse_query(uri.query());
    let format = response_format(query.as_deref().ok(), headers);
    let operation = match uri.path().strip_prefix(BASE_PATH) {
        Some("/metadata") => Operation::Metadata,
        Some("/Observation") => Operation::Search,
        _ => {
            tracing::info!("V&M request for an unknown path");
            let reply = outcome_reply(
                StatusCode::NOT_FOUND,
                "not-supported",
                "INVALID_REQUEST_TYPE",
                "Invalid request type",
                "This endpoint offers GET [base]/metadata and GET [base]/Observation only",
                format,
            );
            return (reply, None);
        }
    };
    if method != Method::GET {
        let reply = outcome_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "INVALID_REQUEST_TYPE",
            "Invalid request type",
            "Only GET is supported",
            format,
        );
        return (reply, None);
    }
    let result = match operation {
        Operation::Metadata => metadata(shared, query.ok(), headers, format).map(|r| (r, None)),
        Operation::Search => search(shared, query.ok(), headers, format),
    };
    result.unwrap_or_else(|refusal| (refusal.reply(format), None))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Metadata,
    Search,
}

/// Step 1: the `Ssp-*` headers (and the bearer token when `needs_token`); returns the token.
fn check_headers<'a>(
    headers: &'a HeaderMap,
    interaction: &str,
    needs_token: bool,
) -> Result<Option<&'a str>, Refusal> {
    let bad = |d: String| refuse(SpineErrorCode::MissingOrInvalidHeader, d);
    let get = |name: &'static str| -> Result<Option<&'a str>, Refusal> {
        single_header(headers, name).map_err(|problem| bad(format!("The {name} header {problem}")))
    };
    let required = |name: &'static str| -> Result<&'a str, Refusal> {
        get(name)?.ok_or_else(|| bad(format!("The {name} header is missing")))
    };

    let trace = required("Ssp-TraceID")?;
    if !is_uuid(trace) {
        return Err(bad("The Ssp-TraceID header is not a UUID".into()));
    }
    required("Ssp-From")?;
    required("Ssp-To")?;
    let sent = required("Ssp-InteractionID")?;
    if sent != interaction {
        return Err(bad(format!(
            "The Ssp-InteractionID header does not match the operation requested (expected {interaction})"
        )));
    }
    if let Some(version) = get("Ssp-Version")? {
        if version != "1" {
            return Err(bad("The Ssp-Version header is not 1".into()));
        }
    }
    if !needs_token {
        return Ok(None);
    }
    let authorization = required("Authorization")?;
    let token = match authorization.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("Bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(bad("The Authorization header is not a Bearer token".into())),
    };
    Ok(Some(token))
}

/// Step 2: the sender must be an allowed client and the receiver the Spine.
fn check_asids(shared: &Shared, headers: &HeaderMap) -> Result<(), Refusal> {
    let value = |name| single_header(headers, name).ok().flatten().unwrap_or("");
    if !shared
        .allowed_client_asids
        .iter()
        .any(|a| a == value("Ssp-From"))
    {
        return Err(refuse(
            SpineErrorCode::AsidCheckFailed,
            "The sending system's ASID (Ssp-From) is not authorised for this interaction",
        ));
    }
    if value("Ssp-To") != SPINE_ASID {
        return Err(refuse(
            SpineErrorCode::AsidCheckFailed,
            "The receiving ASID (Ssp-To) is not the Spine's ASID for this interaction",
        ));
    }
    Ok(())
}

fn invalid_parameter(diagnostics: impl Into<String>) -> Refusal {
    refuse(SpineErrorCode::InvalidParameter, diagnostics)
}

/// A parameter name as echoed in diagnostics (short, printable).
fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(60).collect()
}

fn check_format_param(value: Option<&str>) -> Result<(), Refusal> {
    match value {
        Some(v) if format_param(v).is_none() => Err(invalid_parameter(
            "The _format parameter must be json or xml",
        )),
        _ => Ok(()),
    }
}

/// Step 4 of a search: the query; returns the NHS number asked about.
fn check_search_query(query: &[(String, String)]) -> Result<NhsNumber, Refusal> {
    let mut subject: Option<(&str, &str)> = None;
    let mut code: Option<&str> = None;
    let mut format: Option<&str> = None;
    for (name, value) in query {
        match name.as_str() {
            SUBJECT_PARAM | IDENTIFIER_PARAM => {
                if subject.is_some() {
                    return Err(invalid_parameter(
                        "The patient is given more than once (subject:Patient.identifier or identifier)",
                    ));
                }
                subject = Some((name, value));
            }
            CODE_PARAM => {
                if code.replace(value).is_some() {
                    return Err(invalid_parameter(
                        "The code parameter is given more than once",
                    ));
                }
            }
            FORMAT_PARAM => {
                if format.replace(value).is_some() {
                    return Err(invalid_parameter(
                        "The _format parameter is given more than once",
                    ));
                }
            }
            other => {
                return Err(invalid_parameter(format!(
                    "Unknown search parameter '{}'",
                    shown(other)
                )))
            }
        }
    }
    let Some((subject_param, subject)) = subject else {
        return Err(invalid_parameter(
            "The subject:Patient.identifier parameter is missing",
        ));
    };
    let Some((system, number)) = subject.split_once('|') else {
        return Err(refuse(
            SpineErrorCode::MessageNotWellFormed,
            format!("The {subject_param} parameter is not of the form system|value"),
        ));
    };
    if system != NHS_NUMBER_SYSTEM {
        return Err(refuse(
            SpineErrorCode::InvalidIdentifierSystem,
            format!("The patient identifier system is not {NHS_NUMBER_SYSTEM}"),
        ));
    }
    match code {
        // The specification's cURL example searches by identifier alone.
        None if subject_param == IDENTIFIER_PARAM => {}
        None => return Err(invalid_parameter("The code parameter is missing")),
        Some(code) => {
            let Some((code_system, code_value)) = code.split_once('|') else {
                return Err(refuse(
                    SpineErrorCode::MessageNotWellFormed,
                    "The code parameter is not of the form system|code",
                ));
            };
            if code_system != OBSERVATION_CODE_SYSTEM {
                return Err(refuse(
                    SpineErrorCode::InvalidCodeSystem,
                    format!("The code system is not {OBSERVATION_CODE_SYSTEM}"),
                ));
            }
            if code_value != OBSERVATION_CODE {
                return Err(refuse(
                    SpineErrorCode::InvalidCodeValue,
                    format!("The observation code is not {OBSERVATION_CODE}"),
                ));
            }
        }
    }
    let nhs = (number.len() == 10 && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NhsNumber::parse(number).ok())
        .flatten()
        .ok_or_else(|| {
            refuse(
                SpineErrorCode::InvalidNhsNumber,
                "An invalid NHS number format has been provided in the request",
            )
        })?;
    check_format_param(format)?;
    Ok(nhs)
}

fn search(
    shared: &Shared,
    query: Option<Vec<(String, String)>>,
    headers: &HeaderMap,
    format: WireFormat,
) -> Result<(Reply, Option<Fault>), Refusal> {
    let token = check_headers(headers, VANDM_SEARCH_INTERACTION, true)?.unwrap_or_default();
    check_asids(shared, headers)?;
    let audit = check_audit_token(shared, token)
        .map_err(|e| refuse(SpineErrorCode::BadRequest, e.to_string()))?;
    let query = query.ok_or_else(|| {
        refuse(
            SpineErrorCode::MessageNotWellFormed,
            "The query string is not valid percent-encoded UTF-8",
        )
    })?;
    let nhs = check_search_query(&query)?;
    if audit.requested_nhs_number != nhs.as_str() {
        return Err(refuse(
            SpineErrorCode::RequestUnmatched,
            "The NHS number searched for differs from requested_record in the audit token",
        ));
    }
    let patient = patients::find(nhs.as_str());
    let Some((patient, behaviour)) = patient.map(|p| (p, &p.vandm)) else {
        return Err(not_found());
    };
    let body = match behaviour {
        VandmBehaviour::NotFound => return Err(not_found()),
        VandmBehaviour::NoRecord => no_record_bundle(),
        VandmBehaviour::Status(record) => {
            observation_bundle(patient, record, &shared.urls.vandm_base)
        }
    };
    tracing::debug!("V&M search answered");
    Ok((
        fhir_reply(StatusCode::OK, &body, format),
        patient.fault.clone(),
    ))
}

/// The audit token: unsigned, as Spine takes it; or, with
/// [`crate::SandboxOptions::audit_jwt_public_key_pem`], signed RS256 or RS512 and verified with
/// that key before its claims are checked.
fn check_audit_token(shared: &Shared, token: &str) -> Result<jwt::ValidatedAudit, jwt::JwtError> {
    use vmcheck_jws::jsonwebtoken::{Algorithm, Validation};
    let Some(key) = &shared.audit_jwt_key else {
        return jwt::validate(token, now_secs());
    };
    let (header, _, _) = jwt::decode(token)?;
    let alg = match header["alg"].as_str() {
        Some("RS256") => Algorithm::RS256,
        Some("RS512") => Algorithm::RS512,
        other => {
            return Err(jwt::JwtError::Header(format!(
                "alg is {}, expected a signature (RS256 or RS512)",
                other.unwrap_or("missing")
            )))
        }
    };
    if header["typ"] != "JWT" {
        return Err(jwt::JwtError::Header("typ is not JWT".into()));
    }
    let mut validation = Validation::new(alg);
    // The claims (exp = iat + 300, aud, …) are checked by the core's reading below.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    let verified = vmcheck_jws::decode::<serde_json::Value>(token, key, &validation)
        .map_err(|_| jwt::JwtError::Header("the signature does not verify".into()))?;
    jwt::validate_claims(&verified.claims, now_secs())
}

fn not_found() -> Refusal {
    refuse(
        SpineErrorCode::PatientNotFound,
        "No patient with this NHS number is known to the Visitors and Migrants service",
    )
}

fn metadata(
    shared: &Shared,
    query: Option<Vec<(String, String)>>,
    headers: &HeaderMap,
    format: WireFormat,
) -> Result<Reply, Refusal> {
    check_headers(headers, VANDM_METADATA_INTERACTION, false)?;
    check_asids(shared, headers)?;
    let query = query.ok_or_else(|| {
        refuse(
            SpineErrorCode::MessageNotWellFormed,
            "The query string is not valid percent-encoded UTF-8",
        )
    })?;
    let mut format_value = None;
    for (name, value) in &query {
        if name != FORMAT_PARAM {
            return Err(invalid_parameter(format!(
                "Unknown parameter '{}' (metadata takes _format only)",
                shown(name)
            )));
        }
        if format_value.replace(value.as_str()).is_some() {
            return Err(invalid_parameter(
                "The _format parameter is given more than once",
            ));
        }
    }
    check_format_param(format_value)?;
    Ok(Reply::new(
        StatusCode::OK,
        content_type(format),
        render_conformance(format),
    ))
}

/// The `200` no-record answer: an information OperationOutcome in a searchset Bundle.
pub(crate) fn no_record_bundle() -> Element {
    let outcome = build::operation_outcome(
        &new_id(),
        "information",
        "not-found",
        (SPINE_ERROR_SYSTEM, "NO_RECORD_FOUND", "No record found"),
        Some("There is no Visitors and Migrants record for this patient"),
    );
    build::searchset(&new_id(), vec![(None, outcome)])
}

/// A stable, UUID-shaped Observation id for a patient.
fn observation_id(nhs_number: &str) -> String {
    let mut bytes = *b"V&M-observation!";
    for (b, d) in bytes.iter_mut().zip(nhs_number.bytes()) {
        *b ^= d;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

fn component(
    code: &str,
    display: &str,
    value_system: &str,
    value: Component,
    value_display: fn(&str) -> Option<&'static str>,
) -> Option<Element> {
    let value = match value {
        Component::Absent => return None,
        Component::Code(c) => build::node(
            "valueCodeableConcept",
            vec![build::coding(
                value_system,
                c,
                value_display(c).unwrap_or("Unknown code"),
            )],
        ),
        Component::MissingCoding => build::node(
            "valueCodeableConcept",
            vec![build::value("text", "Not coded")],
        ),
    };
    Some(build::node(
        "component",
        vec![
            build::node("code", vec![build::coding(COMPONENT_SYSTEM, code, display)]),
            value,
        ],
    ))
}

/// The V&M Observation for a patient's record (DSTU2 element order).
pub(crate) fn observation(patient: &TestPatient, record: &VandmRecord) -> Element {
    let display = patient
        .name
        .as_ref()
        .map(|n| n.display())
        .unwrap_or_default();
    let mut children = vec![
        build::value("id", observation_id(patient.nhs_number)),
        build::node(
            "meta",
            vec![
                build::value("versionId", record.version_id),
                build::value("profile", OBSERVATION_PROFILE),
            ],
        ),
        build::value("status", record.record_status),
        build::node(
            "code",
            vec![build::coding(
                OBSERVATION_CODE_SYSTEM,
                OBSERVATION_CODE,
                "Visitors and Migrants status observation",
            )],
        ),
        build::node(
            "subject",
            vec![
                build::value(
                    "reference",
                    format!(
                        "Patient/{}",
                        match record.shape {
                            RecordShape::AboutAnotherPatient(other) => other,
                            _ => patient.nhs_number,
                        }
                    ),
                ),
                build::value("display", display),
            ],
        ),
        build::value("effectiveDateTime", record.effective),
    ];
    children.extend(component(
        BASIC_COMPONENT,
        "Basic Chargeable Status",
        BASIC_STATUS_SYSTEM,
        record.basic,
        |c| BasicStatus::from_code(c).map(BasicStatus::display),
    ));
    let mut category = component(
        CATEGORY_COMPONENT,
        "Category Chargeable Status",
        CATEGORY_SYSTEM,
        record.category,
        |c| Category::from_code(c).map(Category::display),
    );
    if record.shape == RecordShape::CategoryMisfiled {
        if let Some(c) = &mut category {
            misfile_component_code(c);
        }
    }
    children.extend(category);
    build::node("Observation", children)
}

/// Moves a component's code to a code system that is not the V&M component system.
fn misfile_component_code(component: &mut Element) {
    for code in component.children.iter_mut().filter(|c| c.name == "code") {
        for coding in code.children.iter_mut().filter(|c| c.name == "coding") {
            for system in coding.children.iter_mut().filter(|c| c.name == "system") {
                system.value = Some("https://fhir.nhs.uk/spine-vm-observation-component-2".into());
            }
        }
    }
}

/// The `200` status answer: the Observation in a searchset Bundle, with its `fullUrl`.
pub(crate) fn observation_bundle(
    patient: &TestPatient,
    record: &VandmRecord,
    base: &str,
) -> Element {
    let resource = observation(patient, record);
    let full_url = format!(
        "{}/Observation/{}",
        base.trim_end_matches('/'),
        observation_id(patient.nhs_number)
    );
    let mut entries = vec![(Some(full_url.clone()), resource.clone())];
    if record.shape == RecordShape::Twice {
        entries.push((Some(full_url), resource));
    }
    build::searchset(&new_id(), entries)
}

/// The Conformance statement in `format`.
pub(crate) fn render_conformance(format: WireFormat) -> String {
    render(&conformance(), format)
}

/// The Conformance statement (DSTU2), after the published one, for Observation search.
pub(crate) fn conformance() -> Element {
    use build::{node, value};
    let search_param = |name: &str, kind: &str, documentation: &str| {
        node(
            "searchParam",
            vec![
                value("name", name),
                value("type", kind),
                value("documentation", documentation),
            ],
        )
    };
    node(
        "Conformance",
        vec![
            value("id", "spine-vm-conformance-1"),
            value("version", "1.0"),
            value("name", "Spine Visitors and Migrants API"),
            value("status", "draft"),
            value("experimental", "true"),
            value("publisher", "NHS Digital (V&M Check sandbox)"),
            value("date", "2016-12-19"),
            value(
                "description",
                "Conformance Statement of the Visitors and Migrants FHIR API, as imitated by the V&M Check sandbox",
            ),
            value("kind", "instance"),
            value("fhirVersion", "1.0.1"),
            value("acceptUnknown", "no"),
            value("format", "application/xml+fhir"),
            value("format", "application/json+fhir"),
            node(
                "rest",
                vec![
                    value("mode", "server"),
                    node("security", vec![value("cors", "true")]),
                    node(
                        "resource",
                        vec![
                            value("type", "Observation"),
                            node(
                                "interaction",
                                vec![
                                    value("code", "search-type"),
                                    value(
                                        "documentation",
                                        "Search for the current overseas visitors and migrants status of a patient",
                                    ),
                                ],
                            ),
                            value("versioning", "versioned"),
                            value("readHistory", "false"),
                            search_param(
                                SUBJECT_PARAM,
                                "token",
                                "The patient's NHS number: https://fhir.nhs.uk/Id/nhs-number|{NHS number}",
                            ),
                            search_param(
                                CODE_PARAM,
                                "token",
                                "Always https://fhir.nhs.uk/fhir-observation-code-1|0001",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
}
