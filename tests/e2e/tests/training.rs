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
    // The page ran without JavaScriptCore's JIT, collecting its garbage after 1 MB: the web
    // process has the settings, and not the JIT's pool, which JavaScriptCore reserves whole as
    // writable-executable memory (1 GB here; Mesa's software GL keeps a few MB of its own for
    // shaders when compositing is on).
    let pid = app.app_pid.expect("the app's pid");
    let web: Vec<u32> = descendants(pid)
        .into_iter()
        .filter(|p| comm(*p) == "WebKitWebProces")
        .collect();
    assert!(!web.is_empty(), "no web process under the app");
    for p in web {
        let environ = std::fs::read(format!("/proc/{p}/environ")).unwrap_or_default();
        assert!(
            environ.split(|b| *b == 0).any(|v| v == b"JSC_useJIT=false"),
            "the web process runs with the JIT"
        );
        assert!(
            environ
                .split(|b| *b == 0)
                .any(|v| v == b"JSC_largeHeapSize=1048576"),
            "the web process's garbage collector waits for 32 MB of garbage"
        );
        let maps = std::fs::read_to_string(format!("/proc/{p}/maps")).unwrap_or_default();
        let jit_pool = maps.lines().find(|l| {
            let Some((range, rest)) = l.split_once(' ') else {
                return false;
            };
            let Some((start, end)) = range.split_once('-') else {
                return false;
            };
            let size = u64::from_str_radix(end, 16)
                .unwrap_or(0)
                .saturating_sub(u64::from_str_radix(start, 16).unwrap_or(0));
            rest.starts_with("rwxp") && size >= 64 << 20
        });
        assert_eq!(jit_pool, None, "the web process has a JIT pool");
    }
    // The window's repaints, the passcode's and the NHS number's keys among them, went to the X
    // server in its requests: the app maps no System V shared-memory segment, which is what
    // cairo's repaint pool is, keeping every page a repaint touched (crates/x11-repaint).
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let pool: Vec<&str> = maps.lines().filter(|l| l.contains("/SYSV")).collect();
    assert!(
        pool.is_empty(),
        "the app maps cairo's shared-memory repaint pool: {pool:?}"
    );
    // The page may call the app's own commands and nothing else (capabilities/main.json): one of
    // Tauri's own, which would close the window, is refused, and the result stays on screen.
    let answer = app
        .driver()
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('plugin:window|close', { label: 'main' }) \
               .then(() => done('allowed'), (e) => done(String(e)));",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("the page's call of Tauri's window.close ended the script (the window closed?): {e}"))
        .json()
        .clone();
    let answer = answer.as_str().unwrap_or_default();
    assert!(
        answer.contains("not allowed"),
        "Tauri's window.close answered: {answer}"
    );
    assert!(app.exists("#banner").await, "the result left the screen");
    app.click("#settings-link").await;
    assert_eq!(app.text("#settings-mode").await, "Training");
    app.check_screen("settings").await;
    app.quit().await;
    stack.stop();
}
