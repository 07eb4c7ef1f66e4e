//! Kiosk mode, end to end: a result clears itself, and the kiosk cannot be left with the
//! keyboard or the mouse. Keys and clicks are real X input (XTEST), the path a person's take;
//! closing is what a window manager sends (`WM_DELETE_WINDOW`) and `window.close()` from the
//! page. A desk-mode control test shows the same probes do
//! detect a context menu, a close and a resize, so the kiosk's negatives mean something.
//!
//! These run on a bare Xvfb, without a window manager. That the window covers the screen, stays
//! on top, and that a window manager's own keys (Alt+Tab, Alt+F4, Super, workspace switching) do
//! nothing is tested under the kiosk's real session (openbox with `packaging/kiosk/rc.xml`) in
//! `kiosk_wm.rs`.

use std::time::{Duration, Instant};

use vmcheck_e2e_tests::x11::{keysym as k, X};
use vmcheck_e2e_tests::*;

const RED: &str = "9990000018";
const GREEN: &str = "9990000042";

#[tokio::test]
async fn a_kiosk_result_clears_itself() {
    let mut stack = Stack::start(Setup::kiosk("a_kiosk_result_clears_itself").result_clear_secs(5));
    let app = stack.launch().await;
    app.sign_in().await;
    assert!(
        !app.exists("#settings-link").await,
        "a kiosk has no settings"
    );
    app.lookup(GREEN).await;
    let started = Instant::now();
    assert!(app.class("#banner").await.contains("banner--green"));
    let countdown = app.text("#kiosk-countdown").await;
    assert!(
        countdown.starts_with("This result will clear in ") && countdown.ends_with("seconds"),
        "countdown: {countdown:?}"
    );
    // Without a window manager the kiosk window stays 800×600: bring the result into view.
    app.js(
        "document.querySelector('#kiosk-countdown').scrollIntoView(); return true;",
        vec![],
    )
    .await;
    app.check_screen("result").await;

    app.wait_for("#result-cleared", Duration::from_secs(12))
        .await;
    let after = started.elapsed();
    assert!(
        after >= Duration::from_secs(3) && after <= Duration::from_secs(9),
        "cleared after {after:?} (result_clear_secs = 5)"
    );
    assert!(!app.exists("#banner").await);
    assert!(!app.exists("#patient").await);
    assert!(!app.exists("#kiosk-countdown").await);
    let dom = app.dom().await.to_lowercase();
    let p = patient(GREEN);
    for gone in [
        GREEN.to_owned(),
        formatted(GREEN),
        p.family.to_lowercase(),
        "not chargeable".into(),
    ] {
        assert!(
            !dom.contains(&gone),
            "after clearing, the page still holds {gone:?}"
        );
    }
    let typed = app
        .js(
            "return document.querySelector('#nhs-number').value;",
            vec![],
        )
        .await;
    assert_eq!(
        typed.as_str(),
        Some(""),
        "the NHS number typed is still in the field"
    );
    app.check_screen("cleared").await;
    app.quit().await;
    stack.stop();
}

/// Records, in the page, every keydown and contextmenu event that reaches the window (bubble
/// phase, after the app's own capture-phase guards) and whether it was cancelled.
const RECORDER: &str = r#"
    window.__e2eMarker = "still the same page";
    window.__e2eEvents = [];
    for (const type of ["keydown", "contextmenu"]) {
      window.addEventListener(type, (e) => window.__e2eEvents.push(
        { type, key: e.key || null, prevented: e.defaultPrevented }), false);
    }
    if (document.activeElement) document.activeElement.blur();
    return true;"#;

fn new_windows(x: &X, before: &[u32]) -> Vec<String> {
    x.viewable()
        .into_iter()
        .filter(|w| !before.contains(&w.id))
        .map(|w| {
            format!(
                "{:#x} override_redirect={} {:?}",
                w.id, w.override_redirect, w.rect
            )
        })
        .collect()
}

#[tokio::test]
async fn a_kiosk_cannot_be_left_with_the_keyboard_or_the_mouse() {
    let mut stack = Stack::start(Setup::kiosk(
        "a_kiosk_cannot_be_left_with_the_keyboard_or_the_mouse",
    ));
    let app = stack.launch().await;
    app.sign_in().await;
    assert!(
        !app.exists("#settings-link").await,
        "a kiosk has no settings link"
    );
    app.lookup(RED).await;
    let pid = app.app_pid.expect("the app's pid");
    let x = X::connect();
    let win = x.wait_window_of_pid(pid, Duration::from_secs(5));

    // What a window manager reads: fullscreen requested, no decorations, not resizable.
    // (tao applies `resizable` on the first ConfigureNotify, which a WM always causes and a bare
    // Xvfb never does: nudge the window as a WM would.)
    x.nudge(win);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let state = x.net_wm_state(win);
    assert!(
        state.iter().any(|s| s == "_NET_WM_STATE_FULLSCREEN"),
        "_NET_WM_STATE {state:?}"
    );
    assert!(x.undecorated(win), "_MOTIF_WM_HINTS asks for decorations");
    let (min, max) = x.size_hints(win);
    assert!(
        min.is_some() && min == max,
        "WM_NORMAL_HINTS min {min:?} max {max:?}: a WM may resize the window"
    );
    // (WebDriver's set-window-rect is no test of this: WebKitWebDriver resizes through GTK from
    // inside the app, which a non-resizable window allows; users resize through the WM.)
    app.js(
        "document.querySelector('#banner').scrollIntoView(); return true;",
        vec![],
    )
    .await;
    app.shot("locked-down").await;

    app.js(RECORDER, vec![]).await;
    let (wx, wy, ww, wh) = x.rect(win);
    let before: Vec<u32> = x.viewable().iter().map(|w| w.id).collect();

    // A real right click: no native menu (Back/Reload/Inspect), the DOM event cancelled.
    x.click(wx + ww as i32 / 2, wy + wh as i32 - 40, 3);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        new_windows(&x, &before),
        Vec::<String>::new(),
        "a right click opened a window"
    );

    // Real keys: navigation, reload, fullscreen, devtools, close, quit, the menu key.
    x.move_pointer(wx + 100, wy + 100);
    let chords: &[(&str, &[u32])] = &[
        ("F5", &[k::F5]),
        ("Ctrl+R", &[k::CONTROL_L, k::R]),
        ("Alt+Left", &[k::ALT_L, k::LEFT]),
        ("Alt+Right", &[k::ALT_L, k::RIGHT]),
        ("Alt+Home", &[k::ALT_L, k::HOME]),
        ("Backspace", &[k::BACKSPACE]),
        ("F11", &[k::F11]),
        ("Escape", &[k::ESCAPE]),
        ("F12", &[k::F12]),
        ("Ctrl+Shift+I", &[k::CONTROL_L, k::SHIFT_L, k::I]),
        ("Menu", &[k::MENU]),
        ("Ctrl+W", &[k::CONTROL_L, k::W]),
        ("Ctrl+Q", &[k::CONTROL_L, k::Q]),
        ("Alt+F4", &[k::ALT_L, k::F4]),
    ];
    for (name, chord) in chords {
        x.chord(chord);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(Pid::of(pid).alive(), "{name} ended the app");
        assert_eq!(
            new_windows(&x, &before),
            Vec::<String>::new(),
            "{name} opened a window"
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.js("return window.__e2eMarker;", vec![]).await.as_str(),
        Some("still the same page"),
        "the page was reloaded or left"
    );
    assert_eq!(
        app.driver().current_url().await.expect("url").as_str(),
        "tauri://localhost"
    );
    assert_eq!(app.text("#banner-nhs-number").await, formatted(RED));
    let events = app.js("return window.__e2eEvents;", vec![]).await;
    let events = events.as_array().cloned().unwrap_or_default();
    let prevented = |key: &str| {
        events
            .iter()
            .any(|e| e["type"] == "keydown" && e["key"] == key && e["prevented"] == true)
    };
    for key in ["F5", "r", "ArrowLeft", "ArrowRight", "Home", "Backspace"] {
        assert!(
            prevented(key),
            "keydown {key} was not cancelled by the app: {events:?}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "contextmenu" && e["prevented"] == true),
        "the contextmenu event was not cancelled: {events:?}"
    );
    assert!(x
        .net_wm_state(win)
        .iter()
        .any(|s| s == "_NET_WM_STATE_FULLSCREEN"));
    app.shot("after-keys").await;

    // What a WM sends for its close button or Alt+F4: refused.
    x.send_delete_window(win);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(Pid::of(pid).alive(), "WM_DELETE_WINDOW ended the app");
    assert!(
        x.window_of_pid(pid).is_some(),
        "WM_DELETE_WINDOW closed the window"
    );
    assert_eq!(
        app.js("return window.__e2eMarker;", vec![]).await.as_str(),
        Some("still the same page")
    );

    // window.close() from the page: refused (the webview stays).
    let _ = app
        .driver()
        .execute("window.close(); return true;", vec![])
        .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        app.driver().windows().await.expect("window handles").len(),
        1,
        "window.close() closed the webview"
    );
    assert_eq!(
        app.js("return window.__e2eMarker;", vec![]).await.as_str(),
        Some("still the same page")
    );
    assert!(app.exists("#banner").await);
    app.shot("after-close-attempts").await;

    // WebDriver's own close-window request is not tried: closing the last window ends the
    // WebDriver session, and WebKitWebDriver then ends the app process itself (it launched it),
    // whatever the app does. See tests/e2e/README.md.
    app.quit().await;
    stack.stop();
}

/// The control: at a desk the same probes find a context menu, resizable size hints and a close
/// that works, so the kiosk test's "nothing happened" is not the probes failing.
#[tokio::test]
async fn control_a_desk_window_is_an_ordinary_window() {
    let mut stack = Stack::start(Setup::desk("control_a_desk_window_is_an_ordinary_window"));
    let app = stack.launch().await;
    app.sign_in().await;
    assert!(app.exists("#settings-link").await);
    let pid = app.app_pid.expect("the app's pid");
    let x = X::connect();
    let win = x.wait_window_of_pid(pid, Duration::from_secs(5));
    x.nudge(win);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        x.net_wm_state(win).is_empty(),
        "a desk window is not fullscreen"
    );
    assert!(!x.undecorated(win));
    let (min, max) = x.size_hints(win);
    assert!(
        max.is_none() && min.is_some(),
        "desk size hints {min:?} {max:?}"
    );

    app.js(RECORDER, vec![]).await;
    let (wx, wy, ww, wh) = x.rect(win);
    // On the page itself: WebKitGTK's navigation items (Back, Reload, Inspect) are removed, so
    // no menu opens at all.
    let before: Vec<u32> = x.viewable().iter().map(|w| w.id).collect();
    x.click(wx + ww as i32 / 2, wy + wh as i32 - 40, 3);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        new_windows(&x, &before).is_empty(),
        "a right click on the page at a desk opens no navigation menu"
    );
    // In a text field: the editing menu (cut, copy, paste) opens — so the probe can see menus.
    let centre = app
        .js(
            "const r = document.querySelector('#nhs-number').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];",
            vec![],
        )
        .await;
    let at = |i: usize| centre[i].as_f64().expect("a coordinate") as i32;
    x.click(wx + at(0), wy + at(1), 3);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let menus = new_windows(&x, &before);
    assert!(
        !menus.is_empty(),
        "a right click in a text field at a desk should open the editing menu (the probe is blind otherwise)"
    );
    let _ = std::process::Command::new("import")
        .args(["-window", "root"])
        .arg(screenshot_dir().join("control_a_desk_window_is_an_ordinary_window-context-menu.png"))
        .status();
    x.chord(&[k::ESCAPE]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events = app.js("return window.__e2eEvents;", vec![]).await;
    assert!(
        events
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["type"] == "contextmenu" && e["prevented"] == false),
        "desk contextmenu: {events:?}"
    );

    x.send_delete_window(win);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Pid::of(pid).alive() {
        assert!(
            Instant::now() < deadline,
            "WM_DELETE_WINDOW did not close the desk app"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
    stack.stop();
}
