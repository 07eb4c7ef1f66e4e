//! Keyboard only: sign in, look a patient up, read the result, start a new lookup and sign out
//! with Tab, Shift+Tab, Enter and Space (and the characters typed into fields) — never the mouse —
//! with the focus visible and on screen at every stop.

use vmcheck_e2e_tests::thirtyfour::Key;
use vmcheck_e2e_tests::*;

const GREEN: &str = "9990000042";
const RED: &str = "9990000018";

#[tokio::test]
async fn keyboard_only_sign_in_lookup_new_lookup_and_sign_out() {
    let mut stack =
        Stack::start(Setup::desk("keyboard_only").card(Some(CardSpec::user(USER_ONE_ROLE))));
    let app = stack.launch().await;

    // Sign in: the passcode, then Enter.
    app.wait("#passcode").await;
    app.reach("passcode").await;
    app.type_keys(PASSCODE).await;
    app.press(Key::Enter).await;
    app.wait("#nhs-number").await;

    // Look a patient up: the NHS number, then Enter.
    app.reach("nhs-number").await;
    app.type_keys(GREEN).await;
    app.press(Key::Enter).await;
    app.wait("#banner").await;
    assert_eq!(app.text("#banner-nhs-number").await, formatted(GREEN));

    // Read the result: Tab through it to the trace ID's Copy button, and press it with Space.
    let stops = app.tab_to("copy-trace-id", false, 40).await;
    app.shot("keyboard-copy-focused").await;
    app.press(Key::Space).await;
    let copied = app.text("#copy-status").await;
    assert!(
        !copied.is_empty(),
        "Space on Copy did nothing (stops: {stops:?})"
    );

    // A new lookup: Shift+Tab back to the NHS number; what was there is replaced by typing.
    app.tab_to("nhs-number", true, 40).await;
    app.type_keys(RED).await;
    let typed = app
        .js(
            "return document.querySelector('#nhs-number').value;",
            vec![],
        )
        .await;
    assert_eq!(
        typed.as_str(),
        Some(formatted(RED).as_str()),
        "the number field should hold only the new number"
    );
    app.press(Key::Enter).await;
    app.wait_for_text("#banner-nhs-number", &formatted(RED))
        .await;
    assert!(
        !app.body_text().await.contains(&formatted(GREEN)),
        "the previous patient is still on screen"
    );
    app.check_screen("keyboard-second-result").await;

    // Sign out: Shift+Tab to the header's Sign out, Enter.
    app.tab_to("sign-out", true, 40).await;
    app.shot("keyboard-sign-out-focused").await;
    app.press(Key::Enter).await;
    app.wait("#passcode").await;
    assert!(!app.exists("#banner").await);
    let dom = app.dom().await;
    assert!(
        !dom.contains(&formatted(RED)) && !dom.contains(RED),
        "patient details left after signing out"
    );
    app.check_screen("keyboard-signed-out").await;
    app.quit().await;
}
