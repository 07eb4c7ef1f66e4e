//! The desk's Worklist screen, end to end: a list dropped on the screen, its columns confirmed,
//! the check followed, paused by removing the card (nothing of the list left on screen), resumed
//! after signing in again where it stopped, the results (every banner colour, a mismatch, an
//! error, a bad row; red, amber and mismatches first), a row in the usual result view, and both
//! exports written into the user's Documents folder. Screenshots of each state; axe-core on
//! each screen.

use std::time::{Duration, Instant};

use serde_json::json;
use vmcheck_e2e_tests::*;

/// The list: NHS number, surname, forename, date of birth, sex, postcode, ward.
const LIST: [[&str; 7]; 14] = [
    [
        "9990000018",
        "Taylor",
        "Mary",
        "11/02/1998",
        "F",
        "LS11 6AD",
        "Ward 7",
    ], // red
    [
        "9990000042",
        "O'Brien",
        "Margaret",
        "09/12/1951",
        "F",
        "BS7 8PQ",
        "Ward 7",
    ], // green
    [
        "9990000107",
        "Hussain",
        "Fatima",
        "22/08/1983",
        "F",
        "B12 8JY",
        "Ward 9",
    ], // amber
    [
        "9990000158",
        "Taylor",
        "Emily",
        "24/12/2001",
        "F",
        "NR2 2PA",
        "Ward 9",
    ], // grey
    [
        "9990000050",
        "Sharma",
        "Priya",
        "30/06/1958",
        "F",
        "LE2 1HT",
        "Clinic 2",
    ], // green, but the date of birth differs: check identity
    [
        "9990000220",
        "Wright",
        "Chloe",
        "19/05/2003",
        "F",
        "NG7 1LR",
        "Ward 7",
    ], // error
    [
        "9990000019",
        "Smith",
        "John",
        "01/02/1970",
        "M",
        "LS1 1AA",
        "Ward 7",
    ], // bad check digit
    [
        "9990000034",
        "Adeyemi",
        "Oluwaseun",
        "02/03/1979",
        "M",
        "W2 5EQ",
        "Ward 9",
    ], // red
    [
        "9990000077",
        "Nowak",
        "Tomasz",
        "17/02/1992",
        "M",
        "PE1 2TZ",
        "Ward 9",
    ], // green
    [
        "9990000115",
        "Wilson",
        "James",
        "27/01/1969",
        "M",
        "NE6 1DL",
        "Clinic 2",
    ], // amber
    [
        "9990000212",
        "Evans",
        "David",
        "01/09/1955",
        "M",
        "EX4 6DH",
        "Clinic 2",
    ], // no record (grey)
    [
        "9990000085",
        "Mensah",
        "Kwame",
        "05/10/1975",
        "M",
        "M16 7BW",
        "Ward 7",
    ], // green
    [
        "9990000093",
        "Chen",
        "Wei",
        "11/04/1996",
        "F",
        "M14 5RG",
        "Ward 7",
    ], // green
    [
        "9990000123",
        "Silva",
        "Ana",
        "13/09/1990",
        "F",
        "PO5 2SE",
        "Ward 9",
    ], // amber
];

fn csv() -> String {
    let mut out =
        String::from("NHS Number,Surname,Forename(s),Date of birth,Sex,Postcode,Ward\r\n");
    for row in LIST {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Drops a file on the Worklist screen's drop zone, as the desktop does when a file is dragged
/// from the file manager.
async fn drop_file(app: &App, name: &str, text: &str) {
    let ok = app
        .js(
            r##"const dt = new DataTransfer();
               dt.items.add(new File([arguments[1]], arguments[0], { type: "text/csv" }));
               const zone = document.querySelector("#worklist-drop");
               zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
               zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
               return true;"##,
            vec![json!(name), json!(text)],
        )
        .await;
    assert_eq!(ok, json!(true));
}

/// Sets a `<select>` as a user would (the change event included).
async fn choose(app: &App, css: &str, value: &str) {
    app.js(
        "const s = document.querySelector(arguments[0]); s.focus(); s.value = arguments[1];
         s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
        vec![json!(css), json!(value)],
    )
    .await;
}

/// The kinds of the result rows shown, in order.
async fn kinds(app: &App) -> Vec<String> {
    let v = app
        .js(
            "return Array.from(document.querySelectorAll('#worklist-table tbody tr')).map(r => r.dataset.kind);",
            vec![],
        )
        .await;
    v.as_array()
        .expect("kinds")
        .iter()
        .map(|k| k.as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn scroll_to(app: &App, css: &str) {
    app.js(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' }); return true;",
        vec![json!(css)],
    )
    .await;
}

async fn wait_for_state(app: &App, words: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        if app.exists("#worklist-state").await && app.text("#worklist-state").await == words {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not come to say {words:?}: {}",
            app.body_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Rows done, from the progress bar.
async fn rows_done(app: &App) -> u64 {
    app.js(
        "const p = document.querySelector('#worklist-progress-bar'); return p ? Number(p.getAttribute('value')) : -1;",
        vec![],
    )
    .await
    .as_i64()
    .and_then(|n| u64::try_from(n).ok())
    .unwrap_or(0)
}

#[tokio::test]
async fn worklist_import_check_pause_by_card_removal_resume_and_export() {
    // Every answer takes 300 ms and rows go one at a time (progress after every four), so the
    // run can be seen and stopped half-way.
    let mut stack = Stack::start(
        Setup::desk("worklist_import_check_pause_by_card_removal_resume_and_export")
            .fault("latency:300ms")
            .config("[worklist]\nconcurrency = 1\n"),
    );
    let app = stack.launch().await;
    app.sign_in().await;

    // The Worklist screen, from the header.
    app.click("#worklist-link").await;
    app.wait("#worklist-drop").await;
    app.wait("#worklist-no-jobs").await;
    app.check_screen("start").await;

    // A list dropped: its columns proposed for the user to confirm.
    drop_file(&app, "admissions.csv", &csv()).await;
    app.wait("#worklist-mapping").await;
    assert_eq!(
        app.text("#worklist-file-summary").await,
        "admissions.csv: 14 patient rows."
    );
    for (field, column) in [
        ("nhs_number", "0"),
        ("family_name", "1"),
        ("given_name", "2"),
        ("birth_date", "3"),
        ("gender", "4"),
        ("postcode", "5"),
        ("ward_or_clinic", "6"),
    ] {
        let value = app
            .js(
                "return document.querySelector(arguments[0]).value;",
                vec![json!(format!("#map-{field}"))],
            )
            .await;
        assert_eq!(value, json!(column), "the {field} column proposed");
    }
    app.check_screen("mapping").await;

    // Start: progress with counts.
    app.click("#worklist-confirm").await;
    app.wait("#worklist-progress-bar").await;
    let deadline = Instant::now() + WAIT;
    while rows_done(&app).await < 5 {
        assert!(
            Instant::now() < deadline,
            "no progress: {}",
            app.body_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.text("#worklist-state").await, "Checking");
    assert!(app.exists("#worklist-pause").await);
    app.check_screen("progress").await;

    // The card removed mid-run: signed out, the job pauses, nothing of the list stays.
    stack.remove_card("card");
    app.wait("#signin").await;
    app.wait("#lock-message").await;
    assert!(!app.exists("#worklist").await);
    let dom = app.dom().await.to_lowercase();
    for gone in [
        "admissions.csv",
        "999 000 0018",
        "9990000018",
        "o'brien",
        "worklist-progress",
        "ls11 6ad",
    ] {
        assert!(
            !dom.contains(gone),
            "after the card was removed the page still holds {gone:?}"
        );
    }
    app.check_screen("card-removed").await;

    // Signed in again: the job is there, paused where it stopped; resumed, it finishes.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stack.insert_card("card", &CardSpec::user(USER_ONE_ROLE));
    app.sign_in().await;
    app.click("#worklist-link").await;
    app.wait("#worklist-jobs").await;
    let jobs = app.text("#worklist-jobs").await;
    assert!(
        jobs.contains("admissions.csv") && jobs.contains("Paused"),
        "the job after the lock: {jobs}"
    );
    app.click("#wl-job-0").await;
    app.wait("#worklist-resume").await;
    let paused_at = rows_done(&app).await;
    assert!(
        (5..14).contains(&paused_at),
        "the job should have paused part-way: {paused_at} rows done"
    );
    app.click("#worklist-resume").await;
    wait_for_state(&app, "Checking", WAIT).await;
    assert!(
        rows_done(&app).await >= paused_at,
        "resuming went backwards"
    );
    wait_for_state(&app, "Finished", Duration::from_secs(60)).await;
    assert_eq!(rows_done(&app).await, 14);
    app.wait("#worklist-table").await;

    // The chart and the results: every colour, a mismatch, an error, a bad row.
    for (kind, count) in [
        ("red", 2),
        ("amber", 3),
        ("mismatch", 1),
        ("green", 4),
        ("grey", 2),
        ("error", 2),
        ("pending", 0),
    ] {
        let shown = app
            .js(
                "return document.querySelector(arguments[0]).dataset.count;",
                vec![json!(format!("#worklist-count-{kind}"))],
            )
            .await;
        assert_eq!(shown, json!(count.to_string()), "{kind} in the chart");
    }
    scroll_to(&app, "#worklist-progress-heading").await;
    app.check_screen("finished").await;

    let order = kinds(&app).await;
    assert_eq!(order.len(), 14, "{order:?}");
    assert_eq!(
        order,
        [
            "red", "amber", "mismatch", "red", "amber", "amber", "error", "problem", "grey",
            "grey", "green", "green", "green", "green"
        ],
        "red, amber and mismatches first"
    );
    let mismatch = app.text("#wl-row-6").await;
    assert!(
        mismatch.contains("Check identity") && mismatch.contains("date of birth"),
        "the mismatch row: {mismatch}"
    );
    assert!(
        !mismatch.contains("Not chargeable"),
        "a mismatch shown as settled: {mismatch}"
    );
    let bad = app.text("#wl-row-8").await;
    assert!(bad.contains("Row cannot be checked"), "the bad row: {bad}");
    let error = app.text("#wl-row-7").await;
    assert!(
        error.contains("Could not be checked"),
        "the error row: {error}"
    );
    assert!(
        !app.exists("#wl-row-7 .vm-tag--red, #wl-row-7 .vm-tag--green, #wl-row-7 .vm-tag--amber, #wl-row-7 .vm-tag--grey").await,
        "an error row in a banner colour"
    );
    scroll_to(&app, "#worklist-table").await;
    app.check_screen("results").await;

    // Filtered to the identity checks.
    choose(&app, "#worklist-filter", "mismatch").await;
    assert_eq!(kinds(&app).await, ["mismatch"]);
    scroll_to(&app, "#worklist-results").await;
    app.shot("filter-mismatch").await;
    choose(&app, "#worklist-filter", "all").await;

    // A row in the usual result view: its own NHS number on the banner.
    app.click("#wl-open-2").await;
    app.wait("#banner").await;
    assert!(app.class("#banner").await.contains("banner--red"));
    assert_eq!(
        app.text("#banner-nhs-number").await,
        formatted("9990000018")
    );
    assert!(app.text("#patient").await.to_lowercase().contains("taylor"));
    app.check_screen("row-red").await;
    app.click("#worklist-back").await;
    app.wait("#worklist-table").await;

    // The mismatch row: amber, Check identity, never its green status.
    app.click("#wl-open-6").await;
    app.wait("#identity-mismatch").await;
    assert!(app.class("#banner").await.contains("banner--amber"));
    assert_eq!(
        app.text("#banner-headline").await,
        "Check identity: the list's details differ from PDS"
    );
    assert_eq!(
        app.text("#banner-nhs-number").await,
        formatted("9990000050")
    );
    assert!(!app.text("#worklist-row").await.contains("Not chargeable"));
    app.check_screen("row-mismatch").await;
    app.click("#worklist-back").await;

    // Exports: CSV and XLSX into Documents, through the engine's audited export.
    app.click("#worklist-export-csv").await;
    app.wait("#worklist-exported").await;
    let path = app.text("#worklist-export-path").await;
    let documents = stack.dir().join("home/Documents");
    assert!(
        path.starts_with(&documents.to_string_lossy().to_string()) && path.ends_with(".csv"),
        "exported to {path}"
    );
    let text = std::fs::read_to_string(&path).expect("the CSV export");
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(
        text.contains("9990000018") && text.contains("Check identity"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 15, "the header and every row: {text}");
    app.click("#worklist-export-xlsx").await;
    let deadline = Instant::now() + WAIT;
    while !app.text("#worklist-export-path").await.ends_with(".xlsx") {
        assert!(Instant::now() < deadline, "no XLSX export");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let xlsx = app.text("#worklist-export-path").await;
    let bytes = std::fs::read(&xlsx).expect("the XLSX export");
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    scroll_to(&app, "#worklist-export").await;
    app.check_screen("exported").await;

    // Leaving for Check a patient, then the card out once more: nothing of the list stays.
    app.click("#lookup-link").await;
    app.wait("#nhs-number").await;
    assert!(!app.dom().await.to_lowercase().contains("o'brien"));
    stack.remove_card("card");
    app.wait("#lock-message").await;
    assert!(!app.dom().await.contains("9990000018"));

    app.quit().await;
    stack.stop();
}
