//! The V&M endpoint's strictness: for every check, a request that violates exactly it gets
//! exactly that Spine error (HTTP status, issue type, code, display, diagnostics), in the format
//! asked for; good requests get an Observation the core reads, in JSON and XML.

mod common;

use common::*;
use vmcheck_core::fhir::{SearchBody, WireFormat};
use vmcheck_core::jwt::AuditJwt;
use vmcheck_core::request::HttpGet;
use vmcheck_core::sds::{VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION};
use vmcheck_core::spine_error::SpineErrorCode;
use vmcheck_core::{classify, BannerColour};
use vmcheck_sandbox::{training_audit_context, Sandbox, SandboxOptions};

const MARY: &str = "9990000018";
const LUCA: &str = "9990000026";

/// Sends `get` and checks it is refused with `code`, diagnostics containing `diagnostics`, as a
/// searchset Bundle in `format`.
async fn expect_refusal(
    client: &reqwest::Client,
    get: &HttpGet,
    format: WireFormat,
    code: SpineErrorCode,
    diagnostics: &str,
) {
    let answer = send(client, get).await;
    assert_eq!(
        answer.status,
        code.http_status(),
        "status for {}",
        code.code()
    );
    assert_eq!(answer.format(), format, "format for {}", code.code());
    let expected_type = match format {
        WireFormat::Json => "application/json+fhir; charset=utf-8",
        WireFormat::Xml => "application/xml+fhir; charset=utf-8",
    };
    assert_eq!(answer.content_type, expected_type);
    let root = format.read(&answer.body).expect("FHIR");
    assert_eq!(
        root.name, "Bundle",
        "errors come wrapped in a searchset Bundle"
    );
    assert_eq!(root.child_value("type"), Some("searchset"));
    let error = answer.spine_error();
    assert_eq!(error.code, code);
    assert_eq!(error.severity, "error");
    assert_eq!(error.issue_type, code.issue_type(), "{}", code.code());
    assert_eq!(error.display.as_deref(), Some(code.display()));
    let said = error.diagnostics.unwrap_or_default();
    assert!(
        said.contains(diagnostics),
        "{}: diagnostics {said:?} should contain {diagnostics:?}",
        code.code()
    );
}

fn with_url(mut get: HttpGet, url: String) -> HttpGet {
    get.url = url;
    get
}

fn query_url(sandbox: &Sandbox, query: &str) -> String {
    format!("{}/Observation?{query}", sandbox.urls().vandm_base)
}

const SUBJECT: &str = "subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C";
const CODE: &str = "code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001";

#[tokio::test]
async fn the_canonical_request_gets_the_status() {
    let sandbox = start().await;
    let client = client();
    let answer = send(&client, &good_search(&sandbox, MARY, WireFormat::Json)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json+fhir; charset=utf-8");
    let SearchBody::Observation(status) = answer.search_body() else {
        panic!("an Observation");
    };
    assert_eq!(classify(&status).colour, BannerColour::Red);
    assert_eq!(
        status.subject_reference.as_deref(),
        Some("Patient/9990000018")
    );
    assert_eq!(
        status.subject_display.as_deref(),
        Some("TAYLOR, Mary (Miss)")
    );
    assert_eq!(status.version_id.as_deref(), Some("4"));
    assert_eq!(
        status.effective.as_ref().map(|e| e.raw.as_str()),
        Some("2026-02-03T10:15:00+00:00")
    );
    let json = answer.json();
    assert_eq!(json["resourceType"], "Bundle");
    assert_eq!(json["type"], "searchset");
    assert_eq!(json["total"], 1);
    let entry = &json["entry"][0];
    let id = entry["resource"]["id"].as_str().expect("id");
    assert_eq!(
        entry["fullUrl"],
        format!("{}/Observation/{id}", sandbox.urls().vandm_base)
    );
    let obs = &entry["resource"];
    assert_eq!(obs["status"], "final");
    assert_eq!(
        obs["meta"]["profile"][0],
        "https://fhir.nhs.uk/StructureDefinition/spine-vm-observation-1"
    );
    assert_eq!(obs["code"]["coding"][0]["code"], "0001");
    assert_eq!(obs["component"].as_array().map(Vec::len), Some(2));
    // The same patient keeps the same Observation id.
    let again = send(&client, &good_search(&sandbox, MARY, WireFormat::Json)).await;
    assert_eq!(again.json()["entry"][0]["resource"]["id"], id);
    assert_eq!(sandbox.request_count(), 2);
    assert_eq!(sandbox.pds_request_count(), 0);
}

#[tokio::test]
async fn header_checks() {
    let sandbox = start().await;
    let client = client();
    let good = || good_search(&sandbox, MARY, WireFormat::Json);
    let cases: Vec<(HttpGet, &str)> = vec![
        (
            set_header(good(), "Ssp-TraceID", None),
            "The Ssp-TraceID header is missing",
        ),
        (
            set_header(good(), "Ssp-TraceID", Some("trace-1")),
            "The Ssp-TraceID header is not a UUID",
        ),
        (
            add_header(good(), "Ssp-TraceID", &trace_id()),
            "The Ssp-TraceID header is sent more than once",
        ),
        (
            set_header(good(), "Ssp-From", None),
            "The Ssp-From header is missing",
        ),
        (
            set_header(good(), "Ssp-To", None),
            "The Ssp-To header is missing",
        ),
        (
            set_header(good(), "Ssp-InteractionID", None),
            "The Ssp-InteractionID header is missing",
        ),
        (
            set_header(
                good(),
                "Ssp-InteractionID",
                Some(VANDM_METADATA_INTERACTION),
            ),
            "does not match the operation requested",
        ),
        (
            set_header(
                good(),
                "Ssp-InteractionID",
                Some(&format!("{VANDM_SEARCH_INTERACTION}:1")),
            ),
            "does not match the operation requested",
        ),
        (
            set_header(good(), "Ssp-Version", Some("2")),
            "The Ssp-Version header is not 1",
        ),
        (
            set_header(good(), "Authorization", None),
            "The Authorization header is missing",
        ),
        (
            set_header(good(), "Authorization", Some("Basic dXNlcjpwdw==")),
            "not a Bearer token",
        ),
        (
            set_header(good(), "Authorization", Some("Bearer")),
            "not a Bearer token",
        ),
    ];
    for (get, diagnostics) in &cases {
        expect_refusal(
            &client,
            get,
            WireFormat::Json,
            SpineErrorCode::MissingOrInvalidHeader,
            diagnostics,
        )
        .await;
    }
    // Ssp-Version may be left out (it defaults to 1).
    let answer = send(&client, &set_header(good(), "Ssp-Version", None)).await;
    assert_eq!(answer.status, 200);
    // Headers are checked before anything else: a broken query is not reported first.
    let broken = with_url(
        set_header(good(), "Ssp-From", None),
        query_url(&sandbox, "foo=1"),
    );
    expect_refusal(
        &client,
        &broken,
        WireFormat::Json,
        SpineErrorCode::MissingOrInvalidHeader,
        "Ssp-From",
    )
    .await;
    assert_eq!(sandbox.request_count(), cases.len() as u64 + 2);
}

#[tokio::test]
async fn asid_checks() {
    let sandbox = start().await;
    let client = client();
    let good = || good_search(&sandbox, MARY, WireFormat::Json);
    expect_refusal(
        &client,
        &set_header(good(), "Ssp-From", Some("999999999999")),
        WireFormat::Json,
        SpineErrorCode::AsidCheckFailed,
        "(Ssp-From) is not authorised",
    )
    .await;
    expect_refusal(
        &client,
        &set_header(good(), "Ssp-To", Some("111111111111")),
        WireFormat::Json,
        SpineErrorCode::AsidCheckFailed,
        "(Ssp-To) is not the Spine's ASID",
    )
    .await;
    // ASIDs come before the token.
    let both = set_header(
        set_header(good(), "Ssp-From", Some("999999999999")),
        "Authorization",
        Some("Bearer x.y."),
    );
    expect_refusal(
        &client,
        &both,
        WireFormat::Json,
        SpineErrorCode::AsidCheckFailed,
        "Ssp-From",
    )
    .await;
}

#[tokio::test]
async fn allowed_client_asids_are_configurable() {
    let sandbox = Sandbox::start(SandboxOptions {
        allowed_client_asids: vec!["123456789012".into()],
        ..SandboxOptions::default()
    })
    .await
    .expect("starts");
    let client = client();
    let training = good_search(&sandbox, MARY, WireFormat::Json);
    expect_refusal(
        &client,
        &training,
        WireFormat::Json,
        SpineErrorCode::AsidCheckFailed,
        "Ssp-From",
    )
    .await;
    let other = set_header(training, "Ssp-From", Some("123456789012"));
    assert_eq!(send(&client, &other).await.status, 200);
}

#[tokio::test]
async fn audit_token_checks() {
    let sandbox = start().await;
    let client = client();
    let bearer = |token: &str| {
        set_header(
            good_search(&sandbox, MARY, WireFormat::Json),
            "Authorization",
            Some(&format!("Bearer {token}")),
        )
    };
    let expired = token_at(MARY, now() - 1_000);
    let future = token_at(MARY, now() + 3_600);
    let signed = format!("{}c2ln", token(MARY));
    let mut claims = AuditJwt::new(&training_audit_context(), &nhs(MARY), now())
        .claims()
        .clone();
    claims["aud"] = serde_json::json!("https://example.org/token");
    let encode = |bytes: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let wrong_aud = format!(
        "{}.{}.",
        encode(br#"{"alg":"none","typ":"JWT"}"#),
        encode(claims.to_string().as_bytes())
    );
    for (token, diagnostics) in [
        (expired.as_str(), "claim 'exp' is in the past"),
        (future.as_str(), "claim 'iat' is in the future"),
        ("not-a-token", "not a compact JWT"),
        (signed.as_str(), "token header is not acceptable"),
        (wrong_aud.as_str(), "claim 'aud'"),
    ] {
        expect_refusal(
            &client,
            &bearer(token),
            WireFormat::Json,
            SpineErrorCode::BadRequest,
            diagnostics,
        )
        .await;
    }
    // The token is checked before the query.
    let get = with_url(bearer("not-a-token"), query_url(&sandbox, "foo=1"));
    expect_refusal(
        &client,
        &get,
        WireFormat::Json,
        SpineErrorCode::BadRequest,
        "compact",
    )
    .await;
}

#[tokio::test]
async fn query_checks() {
    let sandbox = start().await;
    let client = client();
    let good = || good_search(&sandbox, MARY, WireFormat::Json);
    let q = |query: &str| with_url(good(), query_url(&sandbox, query));
    use SpineErrorCode::*;
    let cases: Vec<(HttpGet, SpineErrorCode, &str)> = vec![
        (
            q(&format!("{SUBJECT}{MARY}&{CODE}&foo=bar")),
            InvalidParameter,
            "Unknown search parameter 'foo'",
        ),
        (
            q(&format!("{SUBJECT}{MARY}&{CODE}&_count=1")),
            InvalidParameter,
            "Unknown search parameter '_count'",
        ),
        (
            q(&format!(
                "patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C{MARY}&{CODE}"
            )),
            InvalidParameter,
            "Unknown search parameter 'patient.identifier'",
        ),
        (
            q(CODE),
            InvalidParameter,
            "The subject:Patient.identifier parameter is missing",
        ),
        (
            q(""),
            InvalidParameter,
            "The subject:Patient.identifier parameter is missing",
        ),
        (
            q(&format!(
                "{SUBJECT}{MARY}&identifier=https://fhir.nhs.uk/Id/nhs-number%7C{MARY}&{CODE}"
            )),
            InvalidParameter,
            "more than once",
        ),
        (
            q(&format!("{SUBJECT}{MARY}&{CODE}&{CODE}")),
            InvalidParameter,
            "The code parameter is given more than once",
        ),
        (
            q(&format!("{SUBJECT}{MARY}")),
            InvalidParameter,
            "The code parameter is missing",
        ),
        (
            q(&format!("subject:Patient.identifier={MARY}&{CODE}")),
            MessageNotWellFormed,
            "not of the form system|value",
        ),
        (
            q(&format!(
                "subject:Patient.identifier=https://example.org/Id/nhs%7C{MARY}&{CODE}"
            )),
            InvalidIdentifierSystem,
            "is not https://fhir.nhs.uk/Id/nhs-number",
        ),
        (
            q(&format!("subject:Patient.identifier=%7C{MARY}&{CODE}")),
            InvalidIdentifierSystem,
            "identifier system",
        ),
        (
            q(&format!("{SUBJECT}{MARY}&code=0001")),
            MessageNotWellFormed,
            "not of the form system|code",
        ),
        (
            q(&format!(
                "{SUBJECT}{MARY}&code=http://snomed.info/sct%7C0001"
            )),
            InvalidCodeSystem,
            "is not https://fhir.nhs.uk/fhir-observation-code-1",
        ),
        (
            q(&format!(
                "{SUBJECT}{MARY}&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0002"
            )),
            InvalidCodeValue,
            "is not 0001",
        ),
        (
            q(&format!("{SUBJECT}999000001&{CODE}")),
            InvalidNhsNumber,
            "invalid NHS number",
        ),
        (
            q(&format!("{SUBJECT}99900000188&{CODE}")),
            InvalidNhsNumber,
            "invalid NHS number",
        ),
        (
            q(&format!("{SUBJECT}9990000019&{CODE}")),
            InvalidNhsNumber,
            "invalid NHS number",
        ),
        (
            q(&format!("{SUBJECT}999%20000%200018&{CODE}")),
            InvalidNhsNumber,
            "invalid NHS number",
        ),
        (
            q(&format!("{SUBJECT}9900002831&{CODE}")),
            InvalidNhsNumber,
            "invalid NHS number",
        ),
        (
            q(&format!("{SUBJECT}{MARY}&{CODE}&_format=html")),
            InvalidParameter,
            "The _format parameter must be json or xml",
        ),
        (
            q(&format!("{SUBJECT}{MARY}&{CODE}&_format=json&_format=json")),
            InvalidParameter,
            "_format parameter is given more than once",
        ),
        (
            q(&format!("{SUBJECT}{MARY}%ZZ&{CODE}")),
            MessageNotWellFormed,
            "percent-encoded",
        ),
        (
            q(&format!("{SUBJECT}{LUCA}&{CODE}")),
            RequestUnmatched,
            "differs from requested_record",
        ),
        (
            q(&format!(
                "identifier=https://fhir.nhs.uk/Id/nhs-number%7C{LUCA}"
            )),
            RequestUnmatched,
            "requested_record",
        ),
    ];
    for (get, code, diagnostics) in &cases {
        expect_refusal(&client, get, WireFormat::Json, code.clone(), diagnostics).await;
    }
}

#[tokio::test]
async fn checks_come_in_spines_order_within_the_query() {
    let sandbox = start().await;
    let client = client();
    let q = |query: &str| {
        with_url(
            good_search(&sandbox, MARY, WireFormat::Json),
            query_url(&sandbox, query),
        )
    };
    use SpineErrorCode::*;
    // Unknown parameter before anything else in the query.
    let get = q("subject:Patient.identifier=x%7C1&code=y%7C2&foo=bar");
    expect_refusal(&client, &get, WireFormat::Json, InvalidParameter, "foo").await;
    // Identifier system before code system before code value before the NHS number.
    let get = q("subject:Patient.identifier=x%7C1&code=y%7C2");
    expect_refusal(&client, &get, WireFormat::Json, InvalidIdentifierSystem, "").await;
    let get = q("subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C1&code=y%7C2");
    expect_refusal(&client, &get, WireFormat::Json, InvalidCodeSystem, "").await;
    let get = q("subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C1&code=https://fhir.nhs.uk/fhir-observation-code-1%7C2");
    expect_refusal(&client, &get, WireFormat::Json, InvalidCodeValue, "").await;
    // The NHS number is checked before _format, and both before REQUEST_UNMATCHED.
    let get = q(&format!("{SUBJECT}1&{CODE}&_format=html"));
    expect_refusal(&client, &get, WireFormat::Json, InvalidNhsNumber, "").await;
    let get = q(&format!("{SUBJECT}{LUCA}&{CODE}&_format=html"));
    expect_refusal(&client, &get, WireFormat::Json, InvalidParameter, "_format").await;
}

#[tokio::test]
async fn the_forms_the_specification_sends_are_accepted() {
    let sandbox = start().await;
    let client = client();
    let good = || good_search(&sandbox, MARY, WireFormat::Json);
    for query in [
        // A raw pipe.
        format!("subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{MARY}&code=https://fhir.nhs.uk/fhir-observation-code-1|0001"),
        // Lower-case escapes, an encoded colon in the name, parameters in another order.
        format!("code=https://fhir.nhs.uk/fhir-observation-code-1%7c0001&subject%3APatient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7c{MARY}"),
        // The cURL example: identifier, no code.
        format!("identifier=https://fhir.nhs.uk/Id/nhs-number%7C{MARY}"),
        // ... with a code after all, and a format.
        format!("identifier=https://fhir.nhs.uk/Id/nhs-number%7C{MARY}&{CODE}&_format=json"),
    ] {
        let answer = send(&client, &with_url(good(), query_url(&sandbox, &query))).await;
        assert_eq!(answer.status, 200, "{query}");
        assert!(matches!(answer.search_body(), SearchBody::Observation(_)), "{query}");
    }
}

/// A raw `|` on the wire (not percent-encoded), sent over a bare TCP connection so that no
/// client library can encode it on the way.
#[tokio::test]
async fn a_raw_pipe_on_the_wire_is_accepted() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sandbox = start().await;
    let good = good_search(&sandbox, MARY, WireFormat::Json);
    let authority = good
        .url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .expect("authority")
        .to_owned();
    let mut request = format!(
        "GET /fhir/Observation?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{MARY}&code=https://fhir.nhs.uk/fhir-observation-code-1|0001 HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n"
    );
    for (name, value) in &good.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connects");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("response read");
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("Patient/9990000018"));
}

#[tokio::test]
async fn formats_follow_format_parameter_then_accept() {
    let sandbox = start().await;
    let client = client();
    let xml = good_search(&sandbox, MARY, WireFormat::Xml);
    let answer = send(&client, &xml).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/xml+fhir; charset=utf-8");
    assert!(answer.body.starts_with(b"<?xml"));
    let SearchBody::Observation(from_xml) = answer.search_body() else {
        panic!("an Observation")
    };
    let json = send(&client, &good_search(&sandbox, MARY, WireFormat::Json)).await;
    let SearchBody::Observation(from_json) = json.search_body() else {
        panic!("an Observation")
    };
    assert_eq!(from_xml, from_json, "JSON and XML carry the same status");

    // _format wins over Accept.
    let get = with_url(xml.clone(), format!("{}&_format=json", xml.url));
    assert_eq!(send(&client, &get).await.format(), WireFormat::Json);
    let json_get = good_search(&sandbox, MARY, WireFormat::Json);
    let get = with_url(json_get.clone(), format!("{}&_format=xml", json_get.url));
    assert_eq!(send(&client, &get).await.format(), WireFormat::Xml);
    let get = with_url(
        json_get.clone(),
        format!("{}&_format=application/xml%2Bfhir", json_get.url),
    );
    assert_eq!(send(&client, &get).await.format(), WireFormat::Xml);

    // Accept variants.
    for (accept, format) in [
        (Some("application/fhir+xml"), WireFormat::Xml),
        (Some("application/xml"), WireFormat::Xml),
        (
            Some("text/html, application/xml+fhir;q=0.9"),
            WireFormat::Xml,
        ),
        (Some("application/fhir+json"), WireFormat::Json),
        (Some("application/json"), WireFormat::Json),
        (Some("*/*"), WireFormat::Json),
        (Some("text/html"), WireFormat::Json),
        (None, WireFormat::Json),
    ] {
        let get = set_header(
            good_search(&sandbox, MARY, WireFormat::Json),
            "Accept",
            accept,
        );
        let answer = send(&client, &get).await;
        assert_eq!(answer.status, 200, "{accept:?}");
        assert_eq!(answer.format(), format, "{accept:?}");
        assert!(matches!(answer.search_body(), SearchBody::Observation(_)));
    }

    // Errors come in the format asked for, too.
    let get = set_header(xml.clone(), "Ssp-TraceID", None);
    expect_refusal(
        &client,
        &get,
        WireFormat::Xml,
        SpineErrorCode::MissingOrInvalidHeader,
        "Ssp-TraceID",
    )
    .await;
    let get = with_url(
        json_get.clone(),
        format!("{}&_format=xml&foo=1", json_get.url),
    );
    expect_refusal(
        &client,
        &get,
        WireFormat::Xml,
        SpineErrorCode::InvalidParameter,
        "foo",
    )
    .await;
    // An invalid _format falls back to Accept for the error itself.
    let get = with_url(xml.clone(), format!("{}&_format=html", xml.url));
    expect_refusal(
        &client,
        &get,
        WireFormat::Xml,
        SpineErrorCode::InvalidParameter,
        "_format",
    )
    .await;
}

#[tokio::test]
async fn unknown_patients_and_no_record() {
    let sandbox = start().await;
    let client = client();
    for number in [
        "9990000220",
        "9990000271",
        "9990000263",
        "9990000247",
        "9990000557",
    ] {
        for format in [WireFormat::Json, WireFormat::Xml] {
            expect_refusal(
                &client,
                &good_search(&sandbox, number, format),
                format,
                SpineErrorCode::PatientNotFound,
                "No patient with this NHS number",
            )
            .await;
        }
    }
    for format in [WireFormat::Json, WireFormat::Xml] {
        let answer = send(&client, &good_search(&sandbox, "9990000212", format)).await;
        assert_eq!(answer.status, 200);
        let SearchBody::OperationOutcome(outcome) = answer.search_body() else {
            panic!("no-record outcome")
        };
        let issue = &outcome.issues[0];
        assert_eq!(issue.severity, "information");
        assert_eq!(issue.code, "not-found");
        let coding = outcome.spine_coding().expect("coding");
        assert_eq!(coding.code.as_deref(), Some("NO_RECORD_FOUND"));
        assert_eq!(coding.display.as_deref(), Some("No record found"));
        assert_eq!(
            coding.system.as_deref(),
            Some("https://fhir.nhs.uk/spine-error-or-warning-code-1")
        );
    }
}

#[tokio::test]
async fn metadata_answers_the_conformance_statement() {
    let sandbox = start().await;
    let client = client();
    for format in [WireFormat::Json, WireFormat::Xml] {
        let answer = send(&client, &good_metadata(&sandbox, format)).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.format(), format);
        let root = format.read(&answer.body).expect("FHIR");
        assert_eq!(root.name, "Conformance");
        assert_eq!(root.child_value("fhirVersion"), Some("1.0.1"));
        let resource = root
            .child("rest")
            .and_then(|r| r.child("resource"))
            .expect("rest.resource");
        assert_eq!(resource.child_value("type"), Some("Observation"));
        let params: Vec<&str> = resource
            .children_named("searchParam")
            .filter_map(|p| p.child_value("name"))
            .collect();
        assert_eq!(params, ["subject:Patient.identifier", "code"]);
    }
    let json = send(&client, &good_metadata(&sandbox, WireFormat::Json))
        .await
        .json();
    assert_eq!(
        json["format"],
        serde_json::json!(["application/xml+fhir", "application/json+fhir"])
    );
    assert_eq!(json["name"], "Spine Visitors and Migrants API");
    assert_eq!(json["fhirVersion"], "1.0.1");
    let params = &json["rest"][0]["resource"][0]["searchParam"];
    assert_eq!(params[0]["name"], "subject:Patient.identifier");
    assert_eq!(params[1]["name"], "code");
    assert_eq!(params[1]["type"], "token");

    // No token needed; the same header and ASID rules otherwise.
    let good = || good_metadata(&sandbox, WireFormat::Json);
    assert!(!good().headers.iter().any(|(n, _)| *n == "Authorization"));
    use SpineErrorCode::*;
    for (get, code, diagnostics) in [
        (
            set_header(good(), "Ssp-TraceID", None),
            MissingOrInvalidHeader,
            "Ssp-TraceID",
        ),
        (
            set_header(good(), "Ssp-InteractionID", Some(VANDM_SEARCH_INTERACTION)),
            MissingOrInvalidHeader,
            "does not match",
        ),
        (
            set_header(good(), "Ssp-Version", Some("3")),
            MissingOrInvalidHeader,
            "Ssp-Version",
        ),
        (
            set_header(good(), "Ssp-From", Some("1")),
            AsidCheckFailed,
            "Ssp-From",
        ),
        (
            with_url(
                good(),
                format!("{}/metadata?mode=full", sandbox.urls().vandm_base),
            ),
            InvalidParameter,
            "'mode'",
        ),
        (
            with_url(
                good(),
                format!("{}/metadata?_format=yaml", sandbox.urls().vandm_base),
            ),
            InvalidParameter,
            "_format",
        ),
    ] {
        expect_refusal(&client, &get, WireFormat::Json, code, diagnostics).await;
    }
    let get = with_url(
        good(),
        format!("{}/metadata?_format=xml", sandbox.urls().vandm_base),
    );
    assert_eq!(send(&client, &get).await.format(), WireFormat::Xml);
}

#[tokio::test]
async fn other_paths_and_methods_are_refused() {
    let sandbox = start().await;
    let client = client();
    let base = &sandbox.urls().vandm_base;
    let good = good_search(&sandbox, MARY, WireFormat::Json);
    for path in ["/Patient", "/Observation/1", "/observation", ""] {
        let get = with_url(good.clone(), format!("{base}{path}"));
        let answer = send(&client, &get).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.spine_error().issue_type, "not-supported");
    }
    let post = good
        .headers
        .iter()
        .fold(client.post(&good.url), |b, (n, v)| b.header(*n, v));
    let answer = read(post.send().await.expect("an answer")).await;
    assert_eq!(answer.status, 405);
}
