//! Each fault as a client (reqwest) sees it: error kinds, statuses, content types, timings —
//! run-wide (options and `set_fault`), per patient, and on PDS.

mod common;

use std::error::Error as _;
use std::time::{Duration, Instant};

use common::*;
use vmcheck_core::fhir::{parse_search_body, SearchBody, WireFormat};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

const MARY: &str = "9990000018";

/// Whether an error is a TCP reset (ECONNRESET somewhere in its causes), not a timeout or an
/// HTTP status.
fn is_connection_failure(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_status() {
        return false;
    }
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionReset {
                return true;
            }
        }
        source = s.source();
    }
    false
}

async fn search(sandbox: &Sandbox, number: &str) -> Result<reqwest::Response, reqwest::Error> {
    let get = good_search(sandbox, number, WireFormat::Json);
    builder(&client(), &get).send().await
}

#[tokio::test]
async fn latency_delays_a_normal_answer() {
    let sandbox = Sandbox::start(SandboxOptions {
        fault: Some(Fault::Latency(Duration::from_millis(300))),
        ..SandboxOptions::default()
    })
    .await
    .expect("starts");
    let started = Instant::now();
    let answer = read(search(&sandbox, MARY).await.expect("answer")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(answer.status, 200);
    assert!(matches!(answer.search_body(), SearchBody::Observation(_)));
}

#[tokio::test]
async fn status_500_is_plain_text() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::Status500));
    let answer = read(search(&sandbox, MARY).await.expect("answer")).await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert_eq!(answer.body, b"Internal Server Error");
}

#[tokio::test]
async fn html_bad_gateway() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::HtmlBadGateway));
    let answer = read(search(&sandbox, MARY).await.expect("answer")).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.content_type, "text/html");
    let text = String::from_utf8(answer.body).expect("text");
    assert!(text.contains("<title>502 Bad Gateway</title>"));
    assert!(parse_search_body(WireFormat::Json, text.as_bytes()).is_err());
}

#[tokio::test]
async fn connection_reset_gives_no_answer() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::ConnectionReset));
    let error = search(&sandbox, MARY).await.expect_err("no HTTP answer");
    assert!(is_connection_failure(&error), "{error:?}");
    assert!(error.is_request(), "{error:?}");
    assert_eq!(sandbox.request_count(), 1, "the request did arrive");
    // The sandbox itself keeps serving.
    sandbox.set_fault(None);
    assert_eq!(search(&sandbox, MARY).await.expect("answer").status(), 200);
}

#[tokio::test]
async fn truncated_body_breaks_off() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::TruncatedBody));
    let response = search(&sandbox, MARY).await.expect("headers arrive");
    assert_eq!(response.status(), 200);
    let promised = response.content_length().expect("a Content-Length");
    assert!(promised > 100);
    let error = response.bytes().await.expect_err("the body breaks off");
    assert!(error.is_body() || error.is_decode(), "{error:?}");
}

#[tokio::test]
async fn wrong_content_type_labels_a_good_body_as_text() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::WrongContentType));
    let answer = read(search(&sandbox, MARY).await.expect("answer")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert!(WireFormat::from_media_type(&answer.content_type).is_none());
    // The body itself is a valid V&M answer.
    assert!(matches!(
        parse_search_body(WireFormat::Json, &answer.body),
        Ok(SearchBody::Observation(_))
    ));
}

#[tokio::test]
async fn slow_drip_sends_the_whole_body_slowly() {
    let sandbox = start().await;
    sandbox.set_fault(Some(Fault::SlowDrip(Duration::from_millis(100))));
    let started = Instant::now();
    let response = search(&sandbox, MARY).await.expect("headers");
    let headers_after = started.elapsed();
    let answer = read(response).await;
    let total = started.elapsed();
    assert_eq!(answer.status, 200);
    let chunks = answer
        .body
        .len()
        .div_ceil(vmcheck_sandbox::faults::SLOW_DRIP_CHUNK);
    assert!(chunks >= 4, "{chunks} chunks");
    assert!(
        total >= Duration::from_millis(100 * (chunks as u64 - 1)),
        "{total:?}"
    );
    assert!(headers_after < total);
    assert!(matches!(answer.search_body(), SearchBody::Observation(_)));
}

#[tokio::test]
async fn run_wide_faults_hit_every_vandm_request_and_can_be_cleared() {
    let sandbox = start().await;
    let client = client();
    sandbox.set_fault(Some(Fault::Status500));
    // Metadata and even requests that would be refused.
    let metadata = send(&client, &good_metadata(&sandbox, WireFormat::Json)).await;
    assert_eq!(metadata.status, 500);
    let refused = set_header(
        good_search(&sandbox, MARY, WireFormat::Json),
        "Ssp-TraceID",
        None,
    );
    assert_eq!(send(&client, &refused).await.status, 500);
    // The run-wide fault wins over a patient's own.
    let answer = send(
        &client,
        &good_search(&sandbox, "9990000336", WireFormat::Json),
    )
    .await;
    assert_eq!(answer.status, 500);
    // PDS is not affected.
    assert_eq!(pds_get(&client, &sandbox, MARY).await.status, 200);
    sandbox.set_fault(None);
    assert_eq!(
        send(&client, &good_search(&sandbox, MARY, WireFormat::Json))
            .await
            .status,
        200
    );
    assert_eq!(sandbox.request_count(), 4);
}

#[tokio::test]
async fn per_patient_faults_hit_only_valid_searches_for_that_patient() {
    let sandbox = start().await;
    let client = client();
    let html = "9990000336";
    let answer = send(&client, &good_search(&sandbox, html, WireFormat::Json)).await;
    assert_eq!(answer.status, 502);
    // A refused request about the same patient is refused normally.
    let refused = set_header(
        good_search(&sandbox, html, WireFormat::Json),
        "Ssp-From",
        Some("1"),
    );
    assert_eq!(send(&client, &refused).await.status, 403);
    // Others are unaffected.
    assert_eq!(
        send(&client, &good_search(&sandbox, MARY, WireFormat::Json))
            .await
            .status,
        200
    );

    let error = search(&sandbox, "9990000360").await.expect_err("reset");
    assert!(is_connection_failure(&error), "{error:?}");

    let response = search(&sandbox, "9990000344").await.expect("headers");
    assert!(response.bytes().await.is_err(), "truncated");

    let answer = read(search(&sandbox, "9990000352").await.expect("answer")).await;
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");

    let answer = read(search(&sandbox, "9990000379").await.expect("answer")).await;
    assert_eq!(answer.status, 500);

    let started = Instant::now();
    let answer = read(search(&sandbox, "9990000387").await.expect("answer")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(answer.search_body(), SearchBody::Observation(_)));
}

#[tokio::test]
async fn pds_faults_are_separate() {
    let sandbox = start().await;
    let client = client();
    sandbox.set_pds_fault(Some(Fault::HtmlBadGateway));
    let answer = pds_get(&client, &sandbox, MARY).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.content_type, "text/html");
    assert_eq!(
        send(&client, &good_search(&sandbox, MARY, WireFormat::Json))
            .await
            .status,
        200
    );
    sandbox.set_pds_fault(Some(Fault::ConnectionReset));
    let error = client
        .get(format!("{}/Patient/{MARY}", sandbox.urls().pds_base))
        .header("X-Request-ID", trace_id())
        .send()
        .await
        .expect_err("reset");
    assert!(is_connection_failure(&error), "{error:?}");
    sandbox.set_pds_fault(None);
    assert_eq!(pds_get(&client, &sandbox, MARY).await.status, 200);
    assert_eq!(sandbox.pds_request_count(), 3);
}
