//! Helpers shared by the sandbox's integration tests: starting a sandbox, building the good V&M
//! request exactly as the product does (`vmcheck_core::request::search` + the training audit
//! JWT), sending it with reqwest, and reading answers with the core's readers.
#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::CONTENT_TYPE;
use vmcheck_core::fhir::{parse_search_body, SearchBody, WireFormat};
use vmcheck_core::jwt::AuditJwt;
use vmcheck_core::request::{self, HttpGet, Routing};
use vmcheck_core::sds::VANDM_METADATA_INTERACTION;
use vmcheck_core::spine_error::SpineError;
use vmcheck_core::NhsNumber;
use vmcheck_sandbox::directory::SPINE_ASID;
use vmcheck_sandbox::{training_audit_context, Sandbox, SandboxOptions, TRAINING_CLIENT_ASID};

/// A sandbox with default options.
pub async fn start() -> Sandbox {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

/// A client as the product would use (no proxy, bounded time).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client")
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

pub fn nhs(number: &str) -> NhsNumber {
    NhsNumber::parse(number).expect("valid NHS number")
}

pub fn trace_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn routing() -> Routing {
    Routing {
        from_asid: TRAINING_CLIENT_ASID.into(),
        to_asid: SPINE_ASID.into(),
    }
}

/// A fresh training audit token for `number`, issued at `iat`.
pub fn token_at(number: &str, iat: u64) -> String {
    AuditJwt::new(&training_audit_context(), &nhs(number), iat).encode_unsigned()
}

pub fn token(number: &str) -> String {
    token_at(number, now())
}

/// The canonical V&M search for `number`, exactly as the product builds it.
pub fn good_search(sandbox: &Sandbox, number: &str, format: WireFormat) -> HttpGet {
    request::search(
        &sandbox.urls().vandm_base,
        &nhs(number),
        &routing(),
        &trace_id(),
        &token(number),
        format,
    )
}

/// The connection test (`GET [base]/metadata`).
pub fn good_metadata(sandbox: &Sandbox, format: WireFormat) -> HttpGet {
    let get = request::metadata(&sandbox.urls().vandm_base, &routing(), &trace_id(), format);
    assert!(get
        .headers
        .iter()
        .any(|(n, v)| *n == "Ssp-InteractionID" && v == VANDM_METADATA_INTERACTION));
    get
}

/// Replaces (or, with `None`, removes) a header.
pub fn set_header(mut get: HttpGet, name: &'static str, value: Option<&str>) -> HttpGet {
    get.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        get.headers.push((name, v.to_owned()));
    }
    get
}

/// Adds a header (keeping any already there).
pub fn add_header(mut get: HttpGet, name: &'static str, value: &str) -> HttpGet {
    get.headers.push((name, value.to_owned()));
    get
}

pub fn builder(client: &reqwest::Client, get: &HttpGet) -> reqwest::RequestBuilder {
    get.headers
        .iter()
        .fold(client.get(&get.url), |b, (n, v)| b.header(*n, v))
}

/// An answer as received.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn format(&self) -> WireFormat {
        WireFormat::from_media_type(&self.content_type).expect("a FHIR content type")
    }

    /// The body through the core's V&M reader.
    pub fn search_body(&self) -> SearchBody {
        parse_search_body(self.format(), &self.body).expect("the core reads the body")
    }

    /// The Spine error this answer carries, read by the core.
    pub fn spine_error(&self) -> SpineError {
        match self.search_body() {
            SearchBody::OperationOutcome(o) => SpineError::from_outcome(self.status, &o),
            SearchBody::Observation(_) => panic!("expected an OperationOutcome"),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

pub async fn send(client: &reqwest::Client, get: &HttpGet) -> Answer {
    let response = builder(client, get).send().await.expect("an HTTP answer");
    read(response).await
}

pub async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.bytes().await.expect("a whole body").to_vec();
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

/// A PDS retrieve with a fresh X-Request-ID.
pub async fn pds_get(client: &reqwest::Client, sandbox: &Sandbox, id: &str) -> Answer {
    let response = client
        .get(format!("{}/Patient/{id}", sandbox.urls().pds_base))
        .header("X-Request-ID", trace_id())
        .send()
        .await
        .expect("a PDS answer");
    read(response).await
}

/// A PDS search with a fresh X-Request-ID; `query` is sent as written.
pub async fn pds_search(client: &reqwest::Client, sandbox: &Sandbox, query: &str) -> Answer {
    let response = client
        .get(format!("{}/Patient?{query}", sandbox.urls().pds_base))
        .header("X-Request-ID", trace_id())
        .send()
        .await
        .expect("a PDS answer");
    read(response).await
}
