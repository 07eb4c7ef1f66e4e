//! Desk mode, end to end: the real app under Xvfb, signing in with the virtual smartcard through
//! a real pcscd, looking patients up in the sandbox (`vmcheck sandbox`). Every state is saved as a
//! screenshot (`target/e2e-screenshots/<test>-<state>.png`) and the main screens are checked with
//! axe-core (serious or critical violations fail the test).

use std::time::{Duration, Instant};

use vmcheck_e2e_tests::*;

const RED: &str = "9990000018";
const GREEN: &str = "9990000042";
const AMBER: &str = "9990000107";
const GREY: &str = "9990000158";
const NO_RECORD: &str = "9990000212";
const ERROR: &str = "9990000220";

/// Looks `nhs` up and checks the banner: its words (the sandbox's expected headline), its colour
/// class, the NHS number it belongs to, and the patient shown beside it.
async fn check_banner(app: &App, nhs: &str, colour: &str, state: &str) {
    let p = patient(nhs);
    assert_eq!(
        p.banner.as_deref(),
        Some(colour),
        "{nhs} ({}) is not a {colour} patient in the sandbox",
        p.case
    );
    app.lookup(nhs).await;
    assert!(!app.exists("#lookup-error").await, "{nhs}: an error box");
    let class = app.class("#banner").await;
    let colours: Vec<&str> = class
        .split_whitespace()
        .filter(|c| c.starts_with("banner--"))
        .collect();
    assert_eq!(
        colours,
        [format!("banner--{colour}")],
        "{nhs}: banner classes {class:?}"
    );
    let headline = app.text("#banner-headline").await;
    assert_eq!(
        Some(headline.as_str()),
        p.headline.as_deref(),
        "{nhs}: the banner's words"
    );
    assert_eq!(
        app.text("#banner-nhs-number").await,
        formatted(nhs),
        "{nhs}: the banner's NHS number"
    );
    let shown = app.text("#patient").await;
    assert!(
        shown.to_lowercase().contains(&p.family.to_lowercase()),
        "{nhs}: the patient block does not name {}: {shown}",
        p.family
    );
    assert!(
        shown.contains(&formatted(nhs)),
        "{nhs}: the patient block's number: {shown}"
    );
    app.check_screen(state).await;
}

#[tokio::test]
async fn sign_in_and_every_banner() {
    let started = Instant::now();
    let mut stack = Stack::start(Setup::desk("sign_in_and_every_banner").card(None));
    let app = stack.launch().await;

    // No card yet: the app asks for one.
    app.wait("#signin-status").await;
    assert!(
        app.text("#signin-status")
            .await
            .contains("Insert your smartcard"),
        "the sign-in screen should ask for the card"
    );
    assert!(!app.exists("#passcode").await);
    app.check_screen("insert-card").await;

    // The card goes in: the passcode form appears.
    stack.insert_card("card", &CardSpec::user(USER_ONE_ROLE));
    app.wait("#passcode").await;
    assert!(app.exists("#training-marker").await);
    app.check_screen("passcode").await;

    app.sign_in().await;
    assert!(!app.text("#user-role").await.is_empty());
    app.check_screen("lookup").await;

    check_banner(&app, RED, "red", "red").await;
    check_banner(&app, GREEN, "green", "green").await;
    check_banner(&app, AMBER, "amber", "amber").await;
    check_banner(&app, GREY, "grey", "grey").await;
    let no_record = patient(NO_RECORD);
    assert_eq!(no_record.outcome, "no_record");
    check_banner(&app, NO_RECORD, "grey", "no-record").await;

    // An error: the message, and no banner at all.
    let err = patient(ERROR);
    assert_eq!(err.outcome, "error");
    app.lookup(ERROR).await;
    app.wait("#lookup-error").await;
    let message = app.text("#lookup-error-message").await;
    assert!(!message.is_empty(), "the error box has no message");
    let action = app.text("#lookup-error-action").await;
    assert!(action.starts_with("What to do:"), "error action: {action}");
    assert!(
        !app.exists("#banner, .banner").await,
        "an error must never show a banner"
    );
    assert!(
        app.text("#lookup-error").await.contains(&formatted(ERROR)),
        "the error box names the number asked about"
    );
    app.check_screen("error").await;

    // Settings (desk only).
    app.click("#settings-link").await;
    app.wait("#settings").await;
    assert_eq!(app.text("#settings-mode").await, "Desk");
    assert!(app
        .text("#settings-environment")
        .await
        .starts_with("Sandbox"));
    assert_eq!(app.text("#settings-ods").await, ODS_CODE);
    app.check_screen("settings").await;
    // The user's own settings go into their preferences file, never the configuration.
    let configuration =
        std::fs::read_to_string(stack.dir().join("config.toml")).expect("the configuration");
    app.click("#pref-format-xml").await;
    app.type_into("#pref-idle", "5").await;
    app.click("#pref-save").await;
    app.wait("#pref-saved").await;
    let saved = std::fs::read_to_string(stack.dir().join("config/vmcheck/preferences.toml"))
        .expect("the user's preferences");
    assert!(
        saved.contains("format = \"xml\"") && saved.contains("idle_lock_secs = 300"),
        "saved settings: {saved}"
    );
    assert_eq!(
        std::fs::read_to_string(stack.dir().join("config.toml")).expect("the configuration"),
        configuration,
        "the configuration is untouched"
    );
    app.check_screen("settings-saved").await;
    // Check this computer: the doctor's checks, every part of this desk working.
    app.click("#check-computer").await;
    app.wait("#check-summary").await;
    assert_eq!(
        app.text("#check-summary").await,
        "This computer is ready for V&M checks."
    );
    for id in [
        "config",
        "smartcard",
        "audit",
        "sds",
        "pds",
        "vandm",
        "clock",
    ] {
        let line = app.text(&format!("#check-{id}")).await;
        assert!(line.starts_with("Working"), "{id}: {line}");
    }
    app.check_screen("check-computer").await;
    app.click("#settings-back").await;
    app.wait("#nhs-number").await;

    app.quit().await;
    stack.stop();
    eprintln!(
        "sign_in_and_every_banner: {} ms",
        started.elapsed().as_millis()
    );
}

#[tokio::test]
async fn a_new_lookup_clears_the_old_result_first() {
    // Every V&M answer takes 1.5 s, so the in-between state can be seen.
    let mut stack = Stack::start(
        Setup::desk("a_new_lookup_clears_the_old_result_first").fault("latency:1500ms"),
    );
    let app = stack.launch().await;
    app.sign_in().await;
    app.lookup(RED).await;
    assert_eq!(app.text("#banner-nhs-number").await, formatted(RED));

    // Record every state of the page from now on.
    app.js(
        r##"window.__e2eStates = [];
           const snap = () => {
             const b = document.querySelector("#banner-nhs-number");
             window.__e2eStates.push({
               banner: b ? b.textContent : null,
               progress: document.querySelector("#progress") !== null,
               patient: document.querySelector("#patient") !== null });
           };
           snap();
           new MutationObserver(snap).observe(document.body,
             { childList: true, subtree: true, characterData: true });
           return true;"##,
        vec![],
    )
    .await;

    app.start_lookup(GREEN).await;
    // Right after the click, before any answer: the old result is gone, progress shows.
    assert!(
        !app.exists("#banner").await,
        "the old banner is still there"
    );
    assert!(
        !app.exists("#patient").await,
        "the old patient is still there"
    );
    app.wait("#progress").await;
    let dom = app.dom().await;
    assert!(
        !dom.contains(&formatted(RED)) && !dom.contains(RED),
        "the old number is still in the page"
    );
    assert!(
        !dom.to_lowercase().contains("taylor"),
        "the old patient's name is still in the page"
    );
    app.shot("progress").await;
    app.wait_for("#banner", Duration::from_secs(10)).await;
    assert_eq!(app.text("#banner-nhs-number").await, formatted(GREEN));

    let states = app.js("return window.__e2eStates;", vec![]).await;
    let states = states.as_array().expect("states");
    let red = formatted(RED);
    let green = formatted(GREEN);
    let first_green = states
        .iter()
        .position(|s| s["banner"].as_str() == Some(green.as_str()))
        .expect("the new banner was recorded");
    let last_red = states
        .iter()
        .rposition(|s| s["banner"].as_str() == Some(red.as_str()))
        .expect("the old banner was recorded");
    assert!(
        last_red < first_green,
        "old and new banner states: {states:?}"
    );
    assert!(
        states[last_red + 1..first_green]
            .iter()
            .any(|s| s["banner"].is_null() && s["progress"] == true && s["patient"] == false),
        "no empty, in-progress state between the old and the new result: {states:?}"
    );
    assert!(
        states
            .iter()
            .all(|s| !(s["banner"].is_string() && s["progress"] == true)),
        "a banner and a lookup in progress were on screen together: {states:?}"
    );
    app.shot("new-result").await;

    // Cancel: the cancelled lookup's result never appears.
    app.start_lookup(AMBER).await;
    app.wait("#cancel-lookup").await;
    assert!(!app.exists("#banner").await);
    app.click("#cancel-lookup").await;
    app.wait("#lookup-cancelled").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        !app.exists("#banner").await,
        "the cancelled lookup's result was shown"
    );
    assert!(app.exists("#lookup-cancelled").await);
    app.check_screen("cancelled").await;
    app.quit().await;
    stack.stop();
}

#[tokio::test]
async fn removing_the_card_signs_out_and_leaves_no_patient_data() {
    let mut stack = Stack::start(Setup::desk(
        "removing_the_card_signs_out_and_leaves_no_patient_data",
    ));
    let app = stack.launch().await;
    app.sign_in().await;
    app.lookup(RED).await;
    let trace = app.text("#trace-id").await;
    assert!(!trace.is_empty());
    let p = patient(RED);
    app.shot("before-removal").await;

    stack.remove_card("card");
    app.wait("#signin").await;
    app.wait("#lock-message").await;
    assert!(app
        .text("#lock-message")
        .await
        .contains("smartcard was removed"));
    assert!(!app.exists("#nhs-number").await);
    let dom = app.dom().await;
    let lower = dom.to_lowercase();
    for gone in [
        RED.to_owned(),
        formatted(RED),
        p.family.to_lowercase(),
        "mary".to_owned(),
        "rosebery".to_owned(),
        "ls11".to_owned(),
        trace.to_lowercase(),
        "id=\"banner".to_owned(),
        "id=\"patient".to_owned(),
        "id=\"result".to_owned(),
        "chargeable".to_owned(),
    ] {
        assert!(
            !lower.contains(&gone),
            "after the card was removed the page still holds {gone:?}"
        );
    }
    let announcer = app
        .js(
            "return document.querySelector('#announcer').textContent;",
            vec![],
        )
        .await;
    assert_eq!(announcer.as_str(), Some(""), "the live region still speaks");
    assert!(!app.exists("#sign-out").await, "still shown as signed in");
    app.check_screen("card-removed").await;

    // The card back in: a fresh sign-in, and nothing of the old result.
    stack.insert_card("card", &CardSpec::user(USER_ONE_ROLE));
    app.sign_in().await;
    assert!(app.exists("#result-empty").await);
    assert!(!app.exists("#banner").await);
    app.quit().await;
    stack.stop();
}

#[tokio::test]
async fn a_wrong_passcode_shows_the_tries_left() {
    let mut stack = Stack::start(Setup::desk("a_wrong_passcode_shows_the_tries_left"));
    let app = stack.launch().await;
    app.wait("#passcode").await;

    app.enter_passcode("9999").await;
    // The hint under the field may say "2 tries left" (the card is asked how many tries remain)
    // before the sign-in's own error is drawn: wait for the error itself.
    let wanted = "The passcode is wrong. 2 tries left before the card is locked.";
    let group = || async {
        app.js(
            "return document.querySelector('#passcode')?.closest('.nhsuk-form-group')?.innerText ?? '';",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    let deadline = Instant::now() + WAIT;
    loop {
        let text = group().await;
        if text.contains(wanted) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the passcode field's error: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!app.exists("#confirm-last-try").await);
    app.check_screen("wrong-passcode").await;

    app.enter_passcode("8888").await;
    app.wait("#confirm-last-try").await;
    app.wait("#last-try-warning").await;
    assert!(app.body_text().await.contains("1 try left"));
    app.check_screen("last-try").await;

    // The right passcode without the confirmation: refused, no try spent.
    app.enter_passcode(PASSCODE).await;
    let deadline = Instant::now() + WAIT;
    while !app
        .body_text()
        .await
        .contains("Confirm that you understand")
    {
        assert!(
            Instant::now() < deadline,
            "no confirmation error: {}",
            app.body_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.shot("confirm-needed").await;
    app.click("#confirm-last-try").await;
    app.enter_passcode(PASSCODE).await;
    app.wait("#nhs-number").await;
    app.quit().await;
    stack.stop();
}

/// Clicks "Save as PDF" on the result shown and returns the slip's text (`pdftotext`), after
/// checking it was written into the user's Documents folder.
async fn save_slip(app: &App, stack: &Stack) -> String {
    app.click("#save-slip").await;
    app.wait("#slip-path").await;
    let path = app.text("#slip-path").await;
    let documents = stack.dir().join("home/Documents");
    assert!(
        std::path::Path::new(&path).starts_with(&documents),
        "saved to {path}"
    );
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", &path, "-"])
        .output()
        .expect("pdftotext (poppler-utils: scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_user_with_two_roles_chooses_one() {
    let mut stack = Stack::start(
        Setup::desk("a_user_with_two_roles_chooses_one").card(Some(CardSpec::user(USER_TWO_ROLES))),
    );
    let app = stack.launch().await;
    app.wait("#passcode").await;
    app.enter_passcode(PASSCODE).await;
    app.wait("#role-choice").await;
    let roles = app
        .driver()
        .find_all(thirtyfour::By::Css("input[name=role]"))
        .await
        .expect("roles");
    assert_eq!(roles.len(), 2, "two roles at {ODS_CODE}");
    app.check_screen("choose-role").await;
    // Sorted by job role: the overseas visitors manager first, then the receptionist.
    let mut ids = Vec::new();
    for role in &roles {
        ids.push(role.attr("id").await.ok().flatten().expect("role id"));
    }
    assert!(ids.iter().all(|id| id.starts_with("role-")));
    let ovm = app.text(&format!("label[for='{}']", ids[0])).await;
    assert!(ovm.contains("Overseas Visitors Manager"), "{ovm}");
    app.click(&format!("#{}", ids[0])).await;
    app.click("#role-continue").await;
    app.wait("#nhs-number").await;
    assert!(app.text("#user-role").await.contains(&ovm));

    // RBAC: the OVM sees the detail behind a red banner…
    app.lookup(RED).await;
    assert!(app.class("#banner").await.contains("banner--red"));
    assert!(app.exists("#banner-category").await);
    assert!(app.exists("#technical-details").await);
    assert!(!app.exists("#banner-detail-withheld").await);
    app.check_screen("rbac-ovm-view").await;
    let category = app.text("#banner-category").await;
    // Its slip, saved as a PDF into Documents (an audited export), carries the category.
    let ovm_slip = save_slip(&app, &stack).await;
    assert!(ovm_slip.contains("Category F"), "{ovm_slip}");
    assert!(
        ovm_slip.contains("Overseas Visitors Manager, V&M Check Training Hospital (RRK99)"),
        "{ovm_slip}"
    );

    // …the same user as a receptionist sees the same banner and none of the detail, at once.
    app.click("#change-role").await;
    app.wait("#role-choice").await;
    let receptionist = app.text(&format!("label[for='{}']", ids[1])).await;
    assert!(receptionist.contains("Receptionist"), "{receptionist}");
    app.click(&format!("#{}", ids[1])).await;
    app.click("#role-continue").await;
    app.wait("#nhs-number").await;
    assert!(app.text("#user-role").await.contains(&receptionist));
    app.lookup(RED).await;
    assert!(app.class("#banner").await.contains("banner--red"));
    app.wait("#banner-detail-withheld").await;
    assert!(!app.exists("#banner-category").await);
    assert!(!app.exists("#banner-updated").await);
    assert!(!app.exists("#technical-details").await);
    let dom = app.dom().await;
    assert!(
        !dom.contains(&category),
        "the category is nowhere in the DOM"
    );
    app.check_screen("rbac-restricted-view").await;
    // The receptionist's slip has the banner and not the detail.
    let slip = save_slip(&app, &stack).await;
    assert!(
        slip.contains("Chargeable") && slip.contains("999 000 0018"),
        "{slip}"
    );
    assert!(!slip.contains("Category F"), "{slip}");
    assert!(
        slip.contains("available to overseas visitor managers"),
        "{slip}"
    );
    app.lookup(GREEN).await;
    assert!(app.class("#banner").await.contains("banner--green"));
    app.quit().await;
    stack.stop();
}

#[tokio::test]
async fn a_user_with_no_role_here_cannot_sign_in() {
    let mut stack = Stack::start(
        Setup::desk("a_user_with_no_role_here_cannot_sign_in")
            .card(Some(CardSpec::user(USER_NO_ROLE))),
    );
    let app = stack.launch().await;
    app.wait("#passcode").await;
    app.enter_passcode(PASSCODE).await;
    app.wait("#sign-in-error").await;
    assert!(app
        .text("#sign-in-error-message")
        .await
        .contains("no role at this organisation"));
    assert!(!app.exists("#nhs-number").await);
    app.check_screen("no-role").await;
    app.quit().await;
    stack.stop();
}
