//! Training mode, end to end: with no configuration file at all the app starts on its built-in
//! sandbox and software training card, says TRAINING on every screen, and signs in with 1234.

use vmcheck_e2e_tests::*;

#[tokio::test]
async fn training_mode_without_a_configuration_file() {
    let mut stack = Stack::start(Setup::training(
        "training_mode_without_a_configuration_file",
    ));
    assert!(!stack.dir().join("config.toml").exists());
    let app = stack.launch().await;
    app.wait("#passcode").await;
    let marker = app.wait("#training-marker").await;
    assert!(
        marker.is_displayed().await.unwrap_or(false),
        "the TRAINING marker is hidden"
    );
    assert_eq!(
        marker.text().await.unwrap_or_default(),
        "TRAINING — not real patient data"
    );
    app.check_screen("sign-in").await;
    app.sign_in().await;
    app.lookup("9990000018").await;
    assert!(app.class("#banner").await.contains("banner--red"));
    assert_eq!(app.text("#banner-nhs-number").await, "999 000 0018");
    assert!(app
        .wait("#training-marker")
        .await
        .is_displayed()
        .await
        .unwrap_or(false));
    app.check_screen("red").await;
    app.click("#settings-link").await;
    assert_eq!(app.text("#settings-mode").await, "Training");
    app.check_screen("settings").await;
    app.quit().await;
    stack.stop();
}
