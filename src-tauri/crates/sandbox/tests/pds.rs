//! The PDS imitation: header rules, retrieve answers (found, superseded, restricted, deceased,
//! invalid, unknown, invalidated, 429, 408) and search (minimum parameters, validation, scoring,
//! restricted and invalidated records), each read with the core's PDS readers.

mod common;

use common::*;
use vmcheck_core::pds::{read_issue, read_patient, read_search, TraceOutcome};

async fn get_with(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> Answer {
    let request = headers
        .iter()
        .fold(client.get(url), |b, (n, v)| b.header(*n, *v));
    read(request.send().await.expect("an answer")).await
}

fn issue(answer: &Answer) -> vmcheck_core::pds::PdsIssue {
    assert_eq!(answer.content_type, "application/fhir+json");
    let issue = read_issue(&answer.body).expect("an OperationOutcome");
    let json = answer.json();
    assert_eq!(
        json["issue"][0]["details"]["coding"][0]["system"],
        "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
    );
    assert!(json["issue"][0]["severity"].is_string());
    issue
}

#[tokio::test]
async fn x_request_id_is_required_and_mirrored() {
    let sandbox = start().await;
    let client = client();
    let url = format!("{}/Patient/9990000018", sandbox.urls().pds_base);
    let search_url = format!(
        "{}/Patient?family=Taylor&birthdate=eq1998-02-11",
        sandbox.urls().pds_base
    );
    for url in [&url, &search_url] {
        let missing = get_with(&client, url, &[]).await;
        assert_eq!(missing.status, 400);
        let i = issue(&missing);
        assert_eq!(i.code, "MISSING_VALUE");
        assert!(i.diagnostics.unwrap_or_default().contains("X-Request-ID"));

        let invalid = get_with(&client, url, &[("X-Request-ID", "request-1")]).await;
        assert_eq!(invalid.status, 400);
        let i = issue(&invalid);
        assert_eq!(i.code, "INVALID_VALUE");
        assert!(i.diagnostics.unwrap_or_default().contains("X-Request-ID"));
        assert_eq!(
            invalid.header("x-request-id"),
            Some("request-1"),
            "mirrored on errors"
        );
    }
    let id = trace_id();
    let ok = get_with(
        &client,
        &url,
        &[("X-Request-ID", &id), ("X-Correlation-ID", "corr-42")],
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.content_type, "application/fhir+json");
    assert_eq!(ok.header("x-request-id"), Some(id.as_str()));
    assert_eq!(ok.header("x-correlation-id"), Some("corr-42"));
    assert_eq!(ok.header("etag"), Some("W/\"2\""));
    // Upper-case UUIDs are UUIDs too; no Authorization is needed in this mode.
    let upper = get_with(&client, &url, &[("X-Request-ID", &id.to_uppercase())]).await;
    assert_eq!(upper.status, 200);
    assert_eq!(sandbox.pds_request_count(), 6);
    assert_eq!(sandbox.request_count(), 0);
}

#[tokio::test]
async fn retrieve_shapes_the_patient_like_pds() {
    let sandbox = start().await;
    let client = client();
    let answer = pds_get(&client, &sandbox, "9990000018").await;
    assert_eq!(answer.status, 200);
    let patient = read_patient(&answer.body).expect("the core reads it");
    assert_eq!(patient.nhs_number.as_str(), "9990000018");
    let today = vmcheck_core::time::CalendarDate::parse("2026-12-04").expect("date");
    let name = patient.name_on(today).expect("name");
    assert_eq!(name.value.display(), "TAYLOR, Mary (Miss)");
    assert!(name.current);
    assert_eq!(patient.birth_date.as_deref(), Some("1998-02-11"));
    assert_eq!(patient.gender.as_deref(), Some("female"));
    let address = patient.address_on(today).expect("address");
    assert!(address.current);
    let address = address.value;
    assert_eq!(address.lines, ["14 Rosebery Avenue", "Beeston", "Leeds"]);
    assert_eq!(address.postcode.as_deref(), Some("LS11 6AD"));
    assert!(!patient.restricted);
    assert_eq!(patient.deceased, None);
    assert_eq!(patient.version_id.as_deref(), Some("2"));
    let json = answer.json();
    assert_eq!(
        json["identifier"][0]["system"],
        "https://fhir.nhs.uk/Id/nhs-number"
    );
    assert_eq!(json["identifier"][0]["value"], "9990000018");
    assert_eq!(json["meta"]["security"][0]["code"], "U");
    assert_eq!(json["name"][0]["use"], "usual");
    assert_eq!(json["name"][0]["prefix"][0], "Miss");
    assert_eq!(json["address"][0]["use"], "home");
    assert_eq!(json["name"][0]["period"]["start"], "1998-02-11");
    assert!(json["address"][0]["period"]["start"].is_string());

    // Details that ended, as in PDS's own example: shown as historic, never as current.
    let answer = pds_get(&client, &sandbox, "9990000468").await;
    let patient = read_patient(&answer.body).expect("patient");
    let address = patient.address_on(today).expect("address");
    assert!(!address.current);
    assert_eq!(
        address.ended.map(|d| d.to_string()).as_deref(),
        Some("2021-12-31")
    );
    assert!(!patient.name_on(today).expect("name").current);
}

#[tokio::test]
async fn superseded_restricted_and_deceased_records() {
    let sandbox = start().await;
    let client = client();

    let answer = pds_get(&client, &sandbox, "9990000247").await;
    assert_eq!(answer.status, 200);
    let patient = read_patient(&answer.body).expect("patient");
    assert_eq!(patient.nhs_number.as_str(), "9990000255", "the new record");
    assert_eq!(answer.header("etag"), Some("W/\"3\""));
    let trace = TraceOutcome::new(&nhs("9990000247"), patient);
    assert_eq!(
        trace.superseded_from.as_ref().map(|n| n.as_str()),
        Some("9990000247")
    );

    let answer = pds_get(&client, &sandbox, "9990000239").await;
    let patient = read_patient(&answer.body).expect("patient");
    assert!(patient.restricted);
    assert!(patient.addresses.is_empty());
    let json = answer.json();
    assert_eq!(json["meta"]["security"][0]["code"], "R");
    assert!(json.get("address").is_none(), "no address is sent at all");
    assert_eq!(patient.names[0].value.display(), "GREEN, Hannah (Ms)");

    let answer = pds_get(&client, &sandbox, "9990000298").await;
    let patient = read_patient(&answer.body).expect("patient");
    assert_eq!(
        patient.deceased.as_deref(),
        Some("2025-12-30T08:20:00+00:00")
    );
}

#[tokio::test]
async fn retrieve_errors() {
    let sandbox = start().await;
    let client = client();
    for (id, status, code) in [
        ("9990000019", 400, "INVALID_RESOURCE_ID"),
        ("999000001", 400, "INVALID_RESOURCE_ID"),
        ("99900000188", 400, "INVALID_RESOURCE_ID"),
        ("999000001X", 400, "INVALID_RESOURCE_ID"),
        ("999%20000%200018", 400, "INVALID_RESOURCE_ID"),
        ("9900002831", 400, "INVALID_RESOURCE_ID"),
        ("9990000271", 404, "RESOURCE_NOT_FOUND"),
        ("9990000557", 404, "RESOURCE_NOT_FOUND"),
        ("9990000263", 404, "INVALIDATED_RESOURCE"),
        ("9990000301", 429, "TOO_MANY_REQUESTS"),
        ("9990000328", 408, "UNABLE_TO_CALL_SERVICE"),
    ] {
        let answer = pds_get(&client, &sandbox, id).await;
        assert_eq!(answer.status, status, "{id}");
        assert_eq!(issue(&answer).code, code, "{id}");
    }
    let answer = pds_get(&client, &sandbox, "9990000301").await;
    assert_eq!(answer.header("retry-after"), Some("2"));
    let i = issue(&pds_get(&client, &sandbox, "9990000263").await);
    assert_eq!(i.issue_type, "processing");
    let i = issue(&pds_get(&client, &sandbox, "9990000271").await);
    assert_eq!(i.issue_type, "not-found");

    let base = &sandbox.urls().pds_base;
    let id = trace_id();
    for (path, status) in [
        ("/Patient/", 400),
        ("/Patient/9990000018/RelatedPerson", 404),
        ("/Observation", 404),
    ] {
        let answer = get_with(&client, &format!("{base}{path}"), &[("X-Request-ID", &id)]).await;
        assert_eq!(answer.status, status, "{path}");
        assert_eq!(issue(&answer).code, "UNSUPPORTED_SERVICE", "{path}");
    }
}

/// Searches, returning (NHS number, score) pairs.
async fn found(
    client: &reqwest::Client,
    sandbox: &vmcheck_sandbox::Sandbox,
    query: &str,
) -> Vec<(String, f64)> {
    let answer = pds_search(client, sandbox, query).await;
    assert_eq!(
        answer.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type, "application/fhir+json");
    let json = answer.json();
    let matches = read_search(&answer.body).expect("the core reads the bundle");
    assert_eq!(
        json["total"].as_u64(),
        Some(matches.len() as u64),
        "{query}"
    );
    for (i, m) in matches.iter().enumerate() {
        assert_eq!(
            json["entry"][i]["fullUrl"],
            format!(
                "{}/Patient/{}",
                sandbox.urls().pds_base,
                m.patient.nhs_number.as_str()
            )
        );
    }
    matches
        .into_iter()
        .map(|m| {
            (
                m.patient.nhs_number.as_str().to_owned(),
                m.score.expect("score"),
            )
        })
        .collect()
}

#[tokio::test]
async fn search_matches_and_scores() {
    let sandbox = start().await;
    let client = client();
    let mary = |score: f64| vec![("9990000018".to_owned(), score)];
    assert_eq!(
        found(
            &client,
            &sandbox,
            "family=Taylor&gender=female&birthdate=eq1998-02-11"
        )
        .await,
        mary(1.0)
    );
    assert_eq!(
        found(
            &client,
            &sandbox,
            "family=TAYLOR&given=mary&birthdate=1998-02-11"
        )
        .await,
        mary(1.0)
    );
    assert_eq!(
        found(&client, &sandbox, "family=Taylor&given=Mary&gender=female&birthdate=eq1998-02-11&address-postalcode=LS11%206AD&_fuzzy-match=false&_exact-match=true&_history=true&_max-results=1").await,
        mary(1.0)
    );
    // Wildcards match at a lower score, and not at all with _exact-match.
    assert_eq!(
        found(&client, &sandbox, "family=Tay*&birthdate=eq1998-02-11").await,
        mary(0.9)
    );
    assert_eq!(
        found(
            &client,
            &sandbox,
            "family=Taylor&birthdate=eq1998-02-11&address-postalcode=LS*"
        )
        .await,
        mary(0.9)
    );
    assert!(found(
        &client,
        &sandbox,
        "family=Tay*&birthdate=eq1998-02-11&_exact-match=true"
    )
    .await
    .is_empty());
    // A date range finds both Taylors, best first, then by number.
    let both = found(
        &client,
        &sandbox,
        "family=Taylor&birthdate=ge1990-01-01&birthdate=le2005-12-31",
    )
    .await;
    assert_eq!(
        both,
        vec![
            ("9990000018".to_owned(), 1.0),
            ("9990000158".to_owned(), 1.0)
        ]
    );
    // Mismatches find nobody.
    for query in [
        "family=Taylor&gender=male&birthdate=eq1998-02-11",
        "family=Taylor&birthdate=eq1998-02-12",
        "family=Taylor&given=Jane&birthdate=eq1998-02-11",
        "family=Taylor&birthdate=eq1998-02-11&address-postalcode=LS1%201AA",
        "family=Taylor&birthdate=eq1998-02-11&email=mary%40example.com",
        "family=Taylor&birthdate=eq1998-02-11&death-date=le2026-01-01",
    ] {
        assert!(found(&client, &sandbox, query).await.is_empty(), "{query}");
    }
    // Date of death.
    assert_eq!(
        found(
            &client,
            &sandbox,
            "family=Bennett&birthdate=eq1938-02-14&death-date=eq2025-12-30"
        )
        .await,
        vec![("9990000298".to_owned(), 1.0)]
    );
}

#[tokio::test]
async fn fuzzy_search() {
    let sandbox = start().await;
    let client = client();
    let sarah = |score: f64| vec![("9990000204".to_owned(), score)];
    let q = "given=Sarah&birthdate=eq1962-03-29&_fuzzy-match=true";
    assert_eq!(
        found(&client, &sandbox, &format!("family=Thompson&{q}")).await,
        sarah(1.0)
    );
    assert_eq!(
        found(&client, &sandbox, &format!("family=Tompson&{q}")).await,
        sarah(0.9)
    );
    // Transposed names.
    assert_eq!(
        found(
            &client,
            &sandbox,
            "family=Sarah&given=Thompson&birthdate=eq1962-03-29&_fuzzy-match=true"
        )
        .await,
        sarah(0.85)
    );
    // A non-fuzzy search does not do either.
    assert!(found(
        &client,
        &sandbox,
        "family=Tompson&given=Sarah&birthdate=eq1962-03-29"
    )
    .await
    .is_empty());
    // Fuzzy by gender and postcode.
    assert_eq!(
        found(&client, &sandbox, "family=Thompson&gender=female&birthdate=eq1962-03-29&address-postalcode=yo318rl&_fuzzy-match=true").await,
        sarah(1.0)
    );
}

#[tokio::test]
async fn restricted_invalidated_and_superseded_in_searches() {
    let sandbox = start().await;
    let client = client();
    let green = "family=Green&birthdate=eq1987-10-26";
    let answer = pds_search(&client, &sandbox, green).await;
    let matches = read_search(&answer.body).expect("bundle");
    assert_eq!(matches.len(), 1);
    assert!(matches[0].patient.restricted);
    assert!(answer.json()["entry"][0]["resource"]
        .get("address")
        .is_none());
    for with_postcode in [
        format!("{green}&address-postalcode=WR5%203DA"),
        format!("{green}&address-postcode=WR*"),
        format!("{green}&general-practitioner=Y12345"),
    ] {
        assert!(
            found(&client, &sandbox, &with_postcode).await.is_empty(),
            "{with_postcode}"
        );
    }
    // The superseded number is not a record of its own: only the new one is found.
    assert_eq!(
        found(&client, &sandbox, "family=Hughes&birthdate=eq1977-04-12").await,
        vec![("9990000255".to_owned(), 1.0)]
    );
    // Nobody without a live record is ever found, whatever the search.
    let everyone = found(&client, &sandbox, "family=*&birthdate=ge1900-01-01").await;
    assert!(everyone.len() > 20);
    for gone in ["9990000247", "9990000263", "9990000271"] {
        assert!(!everyone.iter().any(|(n, _)| n == gone), "{gone}");
    }
}

#[tokio::test]
async fn search_refusals() {
    let sandbox = start().await;
    let client = client();
    for (query, status, code, diagnostics) in [
        ("", 400, "UNSUPPORTED_SERVICE", "No search parameters"),
        (
            "_max-results=1",
            400,
            "UNSUPPORTED_SERVICE",
            "No search parameters",
        ),
        ("family=Taylor", 400, "MISSING_VALUE", "birth_date"),
        (
            "given=Mary&birthdate=eq1998-02-11",
            400,
            "INVALID_SEARCH_DATA",
            "missing: family",
        ),
        (
            "given=Mary&birthdate=eq1998-02-11&_fuzzy-match=true",
            400,
            "INVALID_SEARCH_DATA",
            "missing: family",
        ),
        (
            "family=Tay*&given=Mary&birthdate=eq1998-02-11&_fuzzy-match=true",
            400,
            "INVALID_SEARCH_DATA",
            "wildcards",
        ),
        (
            "family=Taylor&birthdate=eq1998-02-11&nhs-number=1",
            400,
            "ADDITIONAL_PROPERTIES",
            "'nhs-number'",
        ),
        (
            "family=Taylor&gender=mal&birthdate=eq1998-02-11",
            400,
            "INVALID_VALUE",
            "'mal' in field 'gender'",
        ),
        (
            "family=Taylor&birthdate=eq1998-13-01",
            400,
            "INVALID_SEARCH_DATA",
            "in field 'birthdate'",
        ),
        (
            "family=Taylor&birthdate=11/02/1998",
            400,
            "INVALID_SEARCH_DATA",
            "in field 'birthdate'",
        ),
        (
            "family=Taylor&birthdate=ap1998-02-11",
            400,
            "INVALID_SEARCH_DATA",
            "in field 'birthdate'",
        ),
        (
            "family=Taylor&birthdate=ge1990-01-01&birthdate=le2000-01-01&birthdate=eq1998-02-11",
            400,
            "INVALID_VALUE",
            "more than twice",
        ),
        (
            "family=Taylor&family=Smith&birthdate=eq1998-02-11",
            400,
            "INVALID_VALUE",
            "more than once",
        ),
        (
            "family=&birthdate=eq1998-02-11",
            400,
            "INVALID_VALUE",
            "field 'family'",
        ),
        (
            "family=Taylor&birthdate=eq1998-02-11&_max-results=0",
            400,
            "INVALID_VALUE",
            "_max-results",
        ),
        (
            "family=Taylor&birthdate=eq1998-02-11&_max-results=51",
            400,
            "INVALID_VALUE",
            "_max-results",
        ),
        (
            "family=Taylor&birthdate=eq1998-02-11&_fuzzy-match=yes",
            400,
            "INVALID_VALUE",
            "_fuzzy-match",
        ),
        (
            "family=Taylor&birthdate=eq1998-02-11&_exact-match=1",
            400,
            "INVALID_VALUE",
            "_exact-match",
        ),
        (
            "family=Taylor&birthdate=ge1990-01-01&birthdate=le2005-12-31&_max-results=1",
            200,
            "TOO_MANY_MATCHES",
            "_max-results (1)",
        ),
    ] {
        let answer = pds_search(&client, &sandbox, query).await;
        assert_eq!(answer.status, status, "{query}");
        let i = issue(&answer);
        assert_eq!(i.code, code, "{query}");
        let said = i.diagnostics.unwrap_or_default();
        assert!(said.contains(diagnostics), "{query}: {said}");
    }
    let answer = pds_search(
        &client,
        &sandbox,
        "family=Taylor&birthdate=ge1990-01-01&birthdate=le2005-12-31&_max-results=1",
    )
    .await;
    assert_eq!(answer.json()["issue"][0]["severity"], "information");
    assert_eq!(answer.json()["issue"][0]["code"], "multiple-matches");
}
