//! The sandbox's SDS FHIR API (base path `/spine-directory/FHIR/R4`), answering from the same
//! [`Directory`] as the sandbox's LDAP server, so both kinds of client find the same endpoints.
//!
//! - `GET /Endpoint?organization=…|ODS&identifier=…|INTERACTION[&identifier=…|PARTY-KEY]` — the
//!   message handling systems (`nhsMhs`) matching, one Endpoint per `nhsMHSEndPoint` value;
//! - `GET /Device?organization=…|ODS&identifier=…|INTERACTION[&identifier=…|PARTY-KEY]`
//!   `[&manufacturing-organization=…|ODS]` — the accredited systems (`nhsAs`), each with its ASID
//!   (`nhsSpineASID`) and party key.
//!
//! Matching is the directory's own (the LDAP filter the real service builds, evaluated with the
//! schema's rules: ODS code and interaction case-exact, party key ignoring case). Strict as the
//! real API (`docs/facts/sds-fhir.md` §1–4): an `apikey` header is required (401 without, or
//! when it differs from [`SdsFhirOptions::api_key`]); an `X-Correlation-ID` must be a UUID and
//! is echoed; `Accept` must allow `application/fhir+json` or `application/json` (406
//! otherwise); only `GET` (405 with `Allow: GET`); unknown paths 404; an unknown or missing
//! parameter, a value in the wrong system or a combination the API refuses is 400
//! BAD_REQUEST. Nothing found is a 200 empty searchset. Errors are OperationOutcomes with the
//! API's coding system.
//!
//! In the [`crate::Sandbox`] it is mounted on the PDS port and shares the LDAP server's
//! directory and run-wide faults (`sds-down` resets each connection, `sds-slow` delays each
//! answer; `refused` and `tls-failure` move the V&M endpoint as they do for LDAP); [`spawn`]
//! serves it alone for tests.
//!
//! It deliberately does not: publish reliability extensions, substitute intermediary addresses,
//! cache, or serve `/_status`.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;
use ldap3_proto::proto::{LdapFilter, LdapSearchScope};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use vmcheck_core::sds_fhir::{
    ASID_SYSTEM, CPA_ID_SYSTEM, FHIR_JSON, FQDN_SYSTEM, INTERACTION_SYSTEM, MHS_ID_SYSTEM,
    ODS_SYSTEM, PARTY_KEY_SYSTEM,
};

use crate::directory::{Directory, Entry, SERVICES_DN};
use crate::ldap::{Fixed, Plan, Planner};
use crate::server::{is_uuid, parse_query, single_header, ConnCtl, Reply};
use crate::SandboxTls;

/// The base path of the SDS FHIR API.
pub const BASE_PATH: &str = "/spine-directory/FHIR/R4";
/// The coding system of the API's error codes (a ValueSet URL, verbatim).
pub const ERROR_SYSTEM: &str = "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1";
const EXTENSION_INTERACTION: &str =
    "https://fhir.nhs.uk/StructureDefinition/Extension-SDS-NhsServiceInteractionId";
const EXTENSION_MANUFACTURER: &str =
    "https://fhir.nhs.uk/StructureDefinition/Extension-SDS-ManufacturingOrganisation";

/// How the SDS FHIR server behaves.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SdsFhirOptions {
    /// The only API key accepted; `None`: any non-empty key (as NHS's own sandbox).
    pub api_key: Option<String>,
    /// How long each answer is held back (a slow service).
    pub delay: Duration,
}

impl std::fmt::Debug for SdsFhirOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdsFhirOptions")
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("delay", &self.delay)
            .finish()
    }
}

struct FhirState {
    /// The directory and the run-wide SDS faults, shared with the LDAP server.
    planner: Arc<dyn Planner>,
    options: SdsFhirOptions,
}

/// The API as one handler for every method, to mount with `route` under `{BASE_PATH}/{*rest}`
/// on a sandbox server (it needs [`ConnCtl`] connect-info): the directory and faults of
/// `planner` — `sds-down` resets each connection, `sds-slow` delays each answer.
pub(crate) fn planned(planner: Arc<dyn Planner>) -> MethodRouter {
    axum::routing::any(handle).with_state(Arc::new(FhirState {
        planner,
        options: SdsFhirOptions::default(),
    }))
}

/// Serves the API over `directory` on `listener` (over TLS with `tls`), for tests. Unusable
/// TLS material is an `InvalidInput` error.
pub fn spawn(
    listener: TcpListener,
    directory: Arc<Directory>,
    options: SdsFhirOptions,
    tls: Option<&SandboxTls>,
) -> io::Result<JoinHandle<()>> {
    let acceptor = tls.map(crate::tls::acceptor).transpose()?;
    let planner = Arc::new(Fixed(Plan {
        directory,
        search_delay: Duration::ZERO,
        down: false,
    }));
    let router = Router::new()
        .fallback(handle)
        .with_state(Arc::new(FhirState { planner, options }));
    Ok(crate::server::spawn_http(
        listener,
        router,
        CancellationToken::new(),
        "sds-fhir",
        acceptor,
    ))
}

async fn handle(
    State(state): State<Arc<FhirState>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    request: Request,
) -> Response {
    let plan = state.planner.plan();
    if plan.down {
        // As the LDAP server closes its connections: no answer at all.
        conn.reset();
        return Reply::new(StatusCode::SERVICE_UNAVAILABLE, FHIR_JSON, "").into_response();
    }
    let delay = state.options.delay + plan.search_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer(&state, &plan.directory, &request).into_response()
}

/// An OperationOutcome answer.
fn outcome(status: StatusCode, issue: &str, code: &str, display: &str, diagnostics: &str) -> Reply {
    let body = json!({
        "resourceType": "OperationOutcome",
        "id": uuid::Uuid::new_v4().to_string(),
        "issue": [{
            "severity": "error",
            "code": issue,
            "details": {"coding": [{"system": ERROR_SYSTEM, "code": code, "display": display}]},
            "diagnostics": diagnostics,
        }]
    });
    Reply::new(status, FHIR_JSON, body.to_string())
}

fn bad_request(diagnostics: &str) -> Reply {
    outcome(
        StatusCode::BAD_REQUEST,
        "required",
        "BAD_REQUEST",
        "Bad request",
        diagnostics,
    )
}

fn answer(state: &FhirState, directory: &Directory, request: &Request) -> Reply {
    let headers = request.headers();
    // The correlation id is checked first so that every later answer can echo it.
    let correlation = match single_header(headers, "x-correlation-id") {
        Ok(None) => uuid::Uuid::new_v4().to_string(),
        Ok(Some(id)) if is_uuid(id) => id.to_owned(),
        _ => return bad_request("Invalid X-Correlation-ID header. Should be an UUIDv4 matching \"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$\""),
    };
    let echo = |reply: Reply| match HeaderValue::from_str(&correlation) {
        Ok(v) => reply.with_header(HeaderName::from_static("x-correlation-id"), v),
        Err(_) => reply,
    };
    echo(answer_checked(state, directory, request))
}

fn answer_checked(state: &FhirState, directory: &Directory, request: &Request) -> Reply {
    let key = request
        .headers()
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let key_ok = !key.is_empty() && state.options.api_key.as_deref().is_none_or(|k| k == key);
    if !key_ok {
        return outcome(
            StatusCode::UNAUTHORIZED,
            "forbidden",
            "ACCESS_DENIED",
            "Access denied",
            "Invalid or missing API key (apikey header).",
        );
    }
    let path = request.uri().path();
    let resource = match path.strip_prefix(BASE_PATH) {
        Some("/Endpoint" | "/Endpoint/") => Resource::Endpoint,
        Some("/Device" | "/Device/") => Resource::Device,
        _ => {
            return outcome(
                StatusCode::NOT_FOUND,
                "not-found",
                "NOT_IMPLEMENTED",
                "Not implemented",
                "HTTP endpoint not found",
            )
        }
    };
    if request.method() != Method::GET {
        return outcome(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "NOT_IMPLEMENTED",
            "Not implemented",
            "HTTP operation not supported",
        )
        .with_header(header::ALLOW, HeaderValue::from_static("GET"));
    }
    let Some(content_type) = negotiate(request.headers().get(header::ACCEPT)) else {
        return outcome(
            StatusCode::NOT_ACCEPTABLE,
            "not-supported",
            "MISSING_OR_INVALID_HEADER",
            "There is a required header missing or invalid",
            "Accept type not supported",
        );
    };
    let query = match Query::read(resource, request.uri().query()) {
        Ok(q) => q,
        Err(reason) => return bad_request(&reason),
    };
    let base = format!(
        "http://{}{BASE_PATH}",
        request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
    );
    let found = directory
        .search(
            SERVICES_DN,
            &LdapSearchScope::Subtree,
            &query.filter(resource),
        )
        .unwrap_or_default();
    let resources: Vec<Value> = match resource {
        Resource::Endpoint => found.iter().flat_map(|e| endpoints(e)).collect(),
        Resource::Device => found.iter().map(|e| device(e)).collect(),
    };
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap_or_default().to_owned();
            json!({
                "fullUrl": format!("{base}/{}/{id}", resource.name()),
                "resource": r,
                "search": {"mode": "match"},
            })
        })
        .collect();
    let body = json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "searchset",
        "total": entries.len(),
        "link": [{"relation": "self", "url": format!("{base}{}", query.self_link(resource))}],
        "entry": entries,
    });
    Reply::new(StatusCode::OK, content_type, body.to_string())
}

/// The answer's content type for an `Accept` header (the service's newest rules), or `None`
/// for 406.
fn negotiate(accept: Option<&HeaderValue>) -> Option<&'static str> {
    let Some(accept) = accept else {
        return Some(FHIR_JSON);
    };
    let items: Vec<&str> = accept.to_str().ok()?.split(',').map(str::trim).collect();
    if items.iter().any(|i| *i == "*/*" || *i == FHIR_JSON) {
        Some(FHIR_JSON)
    } else if items.contains(&"application/json") {
        Some("application/json")
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Endpoint,
    Device,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Endpoint => "Endpoint",
            Resource::Device => "Device",
        }
    }
}

/// A checked query: the values without their systems.
#[derive(Debug, Default)]
struct Query {
    organization: Option<String>,
    interaction: Option<String>,
    party_key: Option<String>,
    manufacturer: Option<String>,
}

impl Query {
    fn read(resource: Resource, raw: Option<&str>) -> Result<Self, String> {
        let pairs = parse_query(raw).map_err(|_| "Invalid query string".to_owned())?;
        let mut q = Query::default();
        let value_of = |name: &str, value: &str, system: &str| -> Result<String, String> {
            value
                .strip_prefix(system)
                .and_then(|v| v.strip_prefix('|'))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    format!(
                        "Missing or invalid '{name}' query parameter. Should be \
                         '{name}={system}|value'"
                    )
                })
        };
        for (name, value) in &pairs {
            match name.as_str() {
                "organization" => q.organization = Some(value_of(name, value, ODS_SYSTEM)?),
                "manufacturing-organization" if resource == Resource::Device => {
                    q.manufacturer = Some(value_of(name, value, ODS_SYSTEM)?);
                }
                "identifier" => {
                    if value.starts_with(&format!("{INTERACTION_SYSTEM}|")) {
                        q.interaction = Some(value_of(name, value, INTERACTION_SYSTEM)?);
                    } else if value.starts_with(&format!("{PARTY_KEY_SYSTEM}|")) {
                        q.party_key = Some(value_of(name, value, PARTY_KEY_SYSTEM)?);
                    } else {
                        return Err(format!(
                            "Missing or invalid 'identifier' query parameter. Should be \
                             'identifier={INTERACTION_SYSTEM}|value' or \
                             'identifier={PARTY_KEY_SYSTEM}|value'"
                        ));
                    }
                }
                other => return Err(format!("Illegal query parameter '{other}'")),
            }
        }
        match resource {
            Resource::Endpoint => {
                let combination = (
                    q.organization.is_some(),
                    q.interaction.is_some(),
                    q.party_key.is_some(),
                );
                if !matches!(
                    combination,
                    (true, true, _) | (true, false, true) | (false, true, true)
                ) {
                    return Err("Missing or invalid query parameters. Should be one of \
                         ['organization', 'identifier'] combinations"
                        .to_owned());
                }
            }
            Resource::Device => {
                if q.organization.is_none() {
                    return Err(format!(
                        "Missing or invalid 'organization' query parameter. Should be \
                         'organization={ODS_SYSTEM}|value'"
                    ));
                }
                if q.interaction.is_none() {
                    return Err(format!(
                        "Missing or invalid 'identifier' query parameter. Should be \
                         'identifier={INTERACTION_SYSTEM}|value'"
                    ));
                }
            }
        }
        Ok(q)
    }

    /// The LDAP filter the real service builds from this query.
    fn filter(&self, resource: Resource) -> LdapFilter {
        let eq = |a: &str, v: &str| LdapFilter::Equality(a.to_owned(), v.to_owned());
        let (class, service) = match resource {
            Resource::Endpoint => ("nhsMhs", "nhsMhsSvcIA"),
            Resource::Device => ("nhsAs", "nhsAsSvcIA"),
        };
        let mut parts = vec![eq("objectClass", class)];
        if let Some(v) = &self.organization {
            parts.push(eq("nhsIDCode", v));
        }
        if let Some(v) = &self.interaction {
            parts.push(eq(service, v));
        }
        if let Some(v) = &self.party_key {
            parts.push(eq("nhsMHSPartyKey", v));
        }
        if let Some(v) = &self.manufacturer {
            parts.push(eq("nhsMhsManufacturerOrg", v));
        }
        LdapFilter::And(parts)
    }

    fn self_link(&self, resource: Resource) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.organization {
            parts.push(format!("organization={ODS_SYSTEM}|{v}"));
        }
        if let Some(v) = &self.interaction {
            parts.push(format!("identifier={INTERACTION_SYSTEM}|{v}"));
        }
        if let Some(v) = &self.party_key {
            parts.push(format!("identifier={PARTY_KEY_SYSTEM}|{v}"));
        }
        format!("/{}?{}", resource.name(), parts.join("&"))
    }
}

fn values<'a>(entry: &'a Entry, name: &str) -> &'a [String] {
    entry.values(name).unwrap_or(&[])
}

fn identifier(system: &str, value: &str) -> Value {
    json!({"system": system, "value": value})
}

fn interaction_extension(interaction: &str) -> Value {
    json!({
        "url": EXTENSION_INTERACTION,
        "valueReference": {"identifier": identifier(INTERACTION_SYSTEM, interaction)},
    })
}

/// One Endpoint per `nhsMHSEndPoint` value of an `nhsMhs` entry (one without address when it
/// has none).
fn endpoints(entry: &Entry) -> Vec<Value> {
    let mut ids = Vec::new();
    for (system, attr) in [
        (FQDN_SYSTEM, "nhsMhsFQDN"),
        (PARTY_KEY_SYSTEM, "nhsMHSPartyKey"),
        (CPA_ID_SYSTEM, "nhsMhsCPAId"),
        (MHS_ID_SYSTEM, "uniqueIdentifier"),
    ] {
        if let Some(v) = values(entry, attr).first() {
            ids.push(identifier(system, v));
        }
    }
    let base = json!({
        "resourceType": "Endpoint",
        "status": "active",
        "connectionType": {
            "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
            "code": "hl7-fhir-msg",
            "display": "HL7 FHIR Messaging",
        },
        "payloadType": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type",
            "code": "any",
            "display": "Any",
        }]}],
        "managingOrganization": {"identifier": identifier(
            ODS_SYSTEM,
            values(entry, "nhsIDCode").first().map_or("", String::as_str),
        )},
        "identifier": ids,
        "extension": values(entry, "nhsMhsSvcIA")
            .iter()
            .map(|i| interaction_extension(i))
            .collect::<Vec<_>>(),
    });
    let addresses = values(entry, "nhsMHSEndPoint");
    let with_id = |mut e: Value| {
        e["id"] = json!(uuid::Uuid::new_v4().to_string());
        e
    };
    if addresses.is_empty() {
        return vec![with_id(base)];
    }
    addresses
        .iter()
        .map(|address| {
            let mut e = with_id(base.clone());
            e["address"] = json!(address);
            e
        })
        .collect()
}

/// The Device of an `nhsAs` entry.
fn device(entry: &Entry) -> Value {
    let mut ids: Vec<Value> = values(entry, "uniqueIdentifier")
        .iter()
        .map(|v| identifier(ASID_SYSTEM, v))
        .collect();
    ids.extend(
        values(entry, "nhsMHSPartyKey")
            .iter()
            .map(|v| identifier(PARTY_KEY_SYSTEM, v)),
    );
    let mut extensions = Vec::new();
    if let Some(m) = values(entry, "nhsMhsManufacturerOrg").first() {
        extensions.push(json!({
            "url": EXTENSION_MANUFACTURER,
            "valueReference": {"identifier": identifier(ODS_SYSTEM, m)},
        }));
    }
    extensions.extend(
        values(entry, "nhsAsSvcIA")
            .iter()
            .map(|i| interaction_extension(i)),
    );
    json!({
        "resourceType": "Device",
        "id": uuid::Uuid::new_v4().to_string(),
        "identifier": ids,
        "extension": extensions,
        "owner": {"identifier": identifier(
            ODS_SYSTEM,
            values(entry, "nhsAsClient").first().map_or("", String::as_str),
        )},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_are_negotiated_like_the_service() {
        let cases = [
            (None, Some(FHIR_JSON)),
            (Some("application/fhir+json"), Some(FHIR_JSON)),
            (Some("*/*"), Some(FHIR_JSON)),
            (
                Some("text/html, application/json"),
                Some("application/json"),
            ),
            (Some("application/json, */*"), Some(FHIR_JSON)),
            (Some("application/fhir+json; charset=utf-8"), None),
            (Some("application/fhir+xml"), None),
            (Some("text/html"), None),
        ];
        for (accept, want) in cases {
            let header = accept.map(HeaderValue::from_static);
            assert_eq!(negotiate(header.as_ref()), want, "{accept:?}");
        }
    }
}
