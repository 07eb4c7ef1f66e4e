//! The kiosk under the window manager it ships with: openbox with the kiosk session's
//! configuration (`packaging/kiosk/rc.xml`) on an Xvfb display the test starts, the app in kiosk
//! mode, real keys and clicks (XTEST), and what a user sees (the screen's pixels) and a window
//! manager knows (`_NET_WM_STATE`, `_NET_ACTIVE_WINDOW`, frames, stacking order).
//!
//! - `a_kiosk_under_its_window_manager_cannot_be_left`: fullscreen, on top, undecorated; the
//!   window manager's and the desktop's keys and the right button change nothing; a program
//!   started later cannot take the front.
//! - `control_kiosk_probes_see_a_stock_openbox_let_a_user_out`: the same probes under openbox's
//!   own configuration do see a window list, a window menu, the desktop and the focus moving,
//!   so the kiosk's "nothing happened" is not a blind probe.
//! - `kiosk_at_three_screen_sizes`: sign-in and a result at 800×600, 1280×800, 1920×1080; in
//!   the patient card no label runs into its value.
//! - `the_kiosk_session_restarts_the_app`: `packaging/kiosk/vmcheck-kiosk-session` starts
//!   openbox and the app, and starts the app again when it dies.
//!
//! What X11 cannot give, and this does not claim: a program running as the kiosk user can still
//! draw over any window (override-redirect), ask to be activated or made fullscreen, or grab
//! the keyboard — no window manager can stop a client of the same display. The kiosk session
//! starts no other program; the window manager's rules keep an ordinary window that appears
//! anyway behind the app and without the focus.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use vmcheck_e2e_tests::wm::{self, keysym as wk, Display, Openbox, Screen, Started};
use vmcheck_e2e_tests::x11::{keysym as k, X};
use vmcheck_e2e_tests::*;
use x11rb::protocol::xproto::Window;

/// Sandbox patient with a red banner.
const RED: &str = "9990000018";
/// The "desktop" behind every window: any of it on screen means something was revealed.
const MAGENTA: [u8; 3] = [255, 0, 255];
/// A result stays up for the whole test (the default, 60 s, could clear it mid-test).
const CLEAR_SECS: u64 = 600;
/// Share of the screen's pixels allowed to differ from the page as the webview renders it.
/// Seen: 0 (the screen is the page, pixel for pixel; the countdown's tick between captures is
/// met by comparing with a page rendered before and one after). Openbox's window menu is about
/// 2.7 % of a 1280×800 screen; a one-line 100×20 popup would be 0.2 %.
const MAX_DIFFERENCE: f64 = 0.0005;

/// The app, its window and what surrounds it under openbox.
struct Kiosk {
    screen: Screen,
    client: Window,
    frame: Window,
    pid: u32,
    /// Windows that may be seen besides the app's frame (all below it).
    known: Vec<Window>,
    test: String,
}

impl Kiosk {
    /// Waits for the app's window to be managed, active and fullscreen.
    fn find(screen: Screen, app: &App, test: &str) -> Self {
        let pid = app.app_pid.expect("the app's pid");
        let client = screen.wait_for("the app's window", Duration::from_secs(15), |s| {
            s.client_of_pid(pid)
        });
        let frame = screen.frame_of(client);
        let ready = screen.wait_until(Duration::from_secs(10), |s| {
            s.active() == Some(client)
                && s.net_wm_state(client)
                    .iter()
                    .any(|a| a == "_NET_WM_STATE_FULLSCREEN")
                && s.rect(frame) == (0, 0, s.width, s.height)
        });
        assert!(
            ready,
            "the kiosk window {client:#x} did not become active and fullscreen: active {:?}, \
             state {:?}, frame {:?}, screen {}x{}; clients {:?}",
            screen.active(),
            screen.net_wm_state(client),
            screen.rect(frame),
            screen.width,
            screen.height,
            screen.describe_clients()
        );
        let known = screen
            .seen()
            .into_iter()
            .map(|t| t.id)
            .filter(|&id| id != frame)
            .collect();
        Self {
            screen,
            client,
            frame,
            pid,
            known,
            test: test.into(),
        }
    }

    /// Everything a kiosk must be, checked from X and from the screen's pixels; saves the
    /// screen as `<test>-<stage>.png`.
    async fn assert_locked_down(&self, app: &App, stage: &str) {
        let s = &self.screen;
        let (w, h) = (s.width, s.height);
        assert!(Pid::of(self.pid).alive(), "{stage}: the app is gone");
        assert!(
            s.clients().contains(&self.client),
            "{stage}: the app's window is no longer managed: {:?}",
            s.describe_clients()
        );
        assert_eq!(
            s.wm_state(self.client),
            Some(1),
            "{stage}: the app's window is not in the normal (mapped) state"
        );
        let state = s.net_wm_state(self.client);
        for want in ["_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_ABOVE"] {
            assert!(
                state.iter().any(|a| a == want),
                "{stage}: {want} missing from _NET_WM_STATE {state:?}"
            );
        }
        for hidden in ["_NET_WM_STATE_HIDDEN", "_NET_WM_STATE_SHADED"] {
            assert!(
                !state.iter().any(|a| a == hidden),
                "{stage}: {hidden} in _NET_WM_STATE {state:?}"
            );
        }
        assert_eq!(
            s.rect(self.frame),
            (0, 0, w, h),
            "{stage}: the app's frame does not cover the {w}x{h} screen"
        );
        assert_eq!(
            s.rect(self.client),
            (0, 0, w, h),
            "{stage}: the app's window does not cover the {w}x{h} screen"
        );
        assert_eq!(
            s.frame_extents(self.client),
            vec![0, 0, 0, 0],
            "{stage}: the window manager draws decorations (_NET_FRAME_EXTENTS)"
        );
        assert!(
            s.motif_undecorated(self.client),
            "{stage}: _MOTIF_WM_HINTS asks for decorations"
        );
        assert_eq!(
            s.active(),
            Some(self.client),
            "{stage}: the active window (_NET_ACTIVE_WINDOW) is not the app; clients {:?}",
            s.describe_clients()
        );
        let stacking = s.clients_stacking();
        assert_eq!(
            stacking.last(),
            Some(&self.client),
            "{stage}: the app is not last in _NET_CLIENT_LIST_STACKING {stacking:x?}"
        );
        let seen = s.seen();
        let new: Vec<String> = seen
            .iter()
            .filter(|t| t.id != self.frame && !self.known.contains(&t.id))
            .map(ToString::to_string)
            .collect();
        assert!(new.is_empty(), "{stage}: a window appeared: {new:?}");
        assert_eq!(
            seen.last().map(|t| t.id),
            Some(self.frame),
            "{stage}: the app's frame {:#x} is not the topmost window on the screen: {}",
            self.frame,
            seen.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" < ")
        );
        self.assert_screen_is_the_app(app, stage).await;
    }

    /// The screen shows the app and only the app: nothing of the desktop behind it, and the
    /// same pixels as the page the webview renders (a menu, a popup or another window on top
    /// would differ).
    async fn assert_screen_is_the_app(&self, app: &App, stage: &str) {
        // The countdown ticks every second: compare with a page rendered just before or just
        // after the screen was captured.
        // The screen also lags the page a little (the window is painted after the page
        // renders): try for a few seconds.
        let mut tries = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(6);
        while tries.is_empty() || Instant::now() < deadline {
            let before = wm::page_image(app).await;
            let screen = self.screen.capture();
            let after = wm::page_image(app).await;
            screen.save_png(&wm::screenshot_path(&self.test, stage));
            let magenta = screen.count(MAGENTA);
            assert_eq!(
                magenta, 0,
                "{stage}: {magenta} pixels of the desktop behind the app are on screen"
            );
            let (a, bbox_a) = screen.difference(&before, 8);
            let (b, bbox_b) = screen.difference(&after, 8);
            let (share, bbox) = if a <= b { (a, bbox_a) } else { (b, bbox_b) };
            if share <= MAX_DIFFERENCE {
                eprintln!(
                    "e2e: {stage}: the screen is the page ({:.3} % of pixels differ)",
                    share * 100.0
                );
                return;
            }
            tries.push(format!("{:.2} % differ in {bbox:?}", share * 100.0));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "{stage}: the screen is not the app's page ({}); see {}",
            tries.join("; "),
            wm::screenshot_path(&self.test, stage).display()
        );
    }
}

/// A display of `w`×`h` with openbox (kiosk configuration or not) and the stack, the root
/// painted magenta. The display goes first into the stack's records (stopped last).
fn bring_up(test: &str, w: u32, h: u32) -> (Display, Stack) {
    let mut display = Display::start(w, h);
    let stack = Stack::start(Setup::kiosk(test).result_clear_secs(CLEAR_SECS));
    display.record(&stack);
    Screen::connect().paint_root(MAGENTA);
    (display, stack)
}

/// Starts `xmessage` (another program on the same display) and waits until openbox manages it.
fn other_program(stack: &Stack, screen: &Screen, name: &str, text: &str) -> (Started, Window) {
    let known = screen.clients();
    let xmessage = require_program(
        "xmessage",
        "install the Debian package x11-utils (scripts/setup.sh does)",
    );
    let mut cmd = Command::new(xmessage);
    cmd.args(["-center", text]);
    let program = Started::spawn(stack, name, cmd);
    let window = screen.wait_for(name, Duration::from_secs(10), |s| {
        s.client_of_class("xmessage", &known)
            .or_else(|| s.client_of_class("Xmessage", &known))
    });
    (program, window)
}

#[tokio::test]
async fn a_kiosk_under_its_window_manager_cannot_be_left() {
    const TEST: &str = "a_kiosk_under_its_window_manager_cannot_be_left";
    let (_display, mut stack) = bring_up(TEST, 1280, 800);
    let mut openbox = Openbox::kiosk(&stack);
    let screen = Screen::connect();
    // A program left open before the kiosk started: a way out would show it.
    let (_behind, behind) = other_program(&stack, &screen, "behind", "BEHIND THE KIOSK");
    let app = stack.launch().await;
    let kiosk = Kiosk::find(screen, &app, TEST);
    assert_ne!(kiosk.screen.active(), Some(behind));
    app.sign_in().await;
    app.lookup(RED).await;
    assert_eq!(app.text("#banner-nhs-number").await, formatted(RED));
    app.js(
        "window.__e2eMarker = 'still the same page'; return true;",
        vec![],
    )
    .await;
    kiosk.assert_locked_down(&app, "result").await;

    // Real keys, as a person presses them, and the right button: each leaves the kiosk as it
    // was (the window manager's own keys reach the app, which ignores them).
    let x = X::connect();
    let probes: &[(&str, &[u32])] = &[
        ("alt-tab", &[k::ALT_L, wk::TAB]),
        ("alt-f4", &[k::ALT_L, k::F4]),
        (
            "ctrl-alt-backspace",
            &[k::CONTROL_L, k::ALT_L, k::BACKSPACE],
        ),
        ("super", &[wk::SUPER_L]),
        ("super-d", &[wk::SUPER_L, wk::D]),
        ("alt-space", &[k::ALT_L, wk::SPACE]),
        ("ctrl-alt-right", &[k::CONTROL_L, k::ALT_L, k::RIGHT]),
        ("alt-escape", &[k::ALT_L, k::ESCAPE]),
        ("ctrl-w", &[k::CONTROL_L, k::W]),
        ("ctrl-q", &[k::CONTROL_L, k::Q]),
        ("f11", &[k::F11]),
        ("escape", &[k::ESCAPE]),
    ];
    for (name, chord) in probes {
        x.chord(chord);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            openbox.running(),
            "{name}: openbox exited: {}",
            openbox.log()
        );
        kiosk.assert_locked_down(&app, name).await;
    }
    // Alt held while Tab is pressed twice: where a window list would stay open.
    kiosk.screen.key(k::ALT_L, true);
    for _ in 0..2 {
        kiosk.screen.key(wk::TAB, true);
        kiosk.screen.key(wk::TAB, false);
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let held = kiosk.screen.seen();
    kiosk.screen.key(k::ALT_L, false);
    assert_eq!(
        held.last().map(|t| t.id),
        Some(kiosk.frame),
        "with Alt held after Tab, a window is above the app"
    );
    kiosk.assert_locked_down(&app, "alt-tab-held").await;

    // The right button, on the page and at the screen's corners (where a desktop menu would be).
    let (w, h) = (kiosk.screen.width as i32, kiosk.screen.height as i32);
    for (name, (cx, cy)) in [
        ("right-click", (w / 2, h - 60)),
        ("right-click-corner", (0, 0)),
        ("middle-click-corner", (w - 1, h - 1)),
    ] {
        let button = if name.starts_with("middle") { 2 } else { 3 };
        x.click(cx, cy, button);
        tokio::time::sleep(Duration::from_millis(600)).await;
        kiosk.assert_locked_down(&app, name).await;
    }
    assert_eq!(
        app.js("return window.__e2eMarker;", vec![]).await.as_str(),
        Some("still the same page"),
        "the page was reloaded or left"
    );
    assert_eq!(app.text("#banner-nhs-number").await, formatted(RED));

    // Another program started now: it opens behind the app and does not get the focus.
    let (_late, late) = other_program(&stack, &kiosk.screen, "late", "A PROGRAM STARTED LATER");
    let mut kiosk = kiosk;
    kiosk.known.push(kiosk.screen.frame_of(late));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stacking = kiosk.screen.clients_stacking();
    let pos = |w: Window| stacking.iter().position(|&c| c == w);
    assert!(
        pos(late) < pos(kiosk.client) && pos(behind) < pos(kiosk.client),
        "the other programs are not below the app: stacking {stacking:x?}, app {:#x}",
        kiosk.client
    );
    kiosk.assert_locked_down(&app, "another-program").await;
    // Clicking where its window would be, and Alt+Tab, still do not bring it forward.
    x.click(w - 10, h / 2, 1);
    x.chord(&[k::ALT_L, wk::TAB]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    kiosk
        .assert_locked_down(&app, "another-program-alt-tab")
        .await;

    app.quit().await;
    stack.stop();
}

/// The control: under openbox's own configuration the same display, app and probes do find a
/// way out — a window list, a window menu, the desktop, the focus going to another program — so
/// the kiosk test's "nothing happened" is what the kiosk configuration does.
#[tokio::test]
async fn control_kiosk_probes_see_a_stock_openbox_let_a_user_out() {
    const TEST: &str = "control_kiosk_probes_see_a_stock_openbox_let_a_user_out";
    let (_display, mut stack) = bring_up(TEST, 1280, 800);
    let _openbox = Openbox::stock(&stack);
    let screen = Screen::connect();
    let (_behind, behind) = other_program(&stack, &screen, "behind", "BEHIND THE KIOSK");
    let app = stack.launch().await;
    let kiosk = Kiosk::find(screen, &app, TEST);
    app.sign_in().await;
    kiosk.assert_screen_is_the_app(&app, "signed-in").await;
    let s = &kiosk.screen;
    let x = X::connect();

    // Alt held after Tab: openbox's window list opens above the app; the screen shows it.
    s.key(k::ALT_L, true);
    s.key(wk::TAB, true);
    s.key(wk::TAB, false);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let popup: Vec<_> = s
        .seen()
        .into_iter()
        .filter(|t| t.id != kiosk.frame && !kiosk.known.contains(&t.id))
        .collect();
    let shot = s.capture();
    shot.save_png(&wm::screenshot_path(TEST, "alt-tab-held"));
    let page = wm::page_image(&app).await;
    let (share, _) = shot.difference(&page, 8);
    s.key(k::ALT_L, false);
    assert!(
        !popup.is_empty(),
        "Alt+Tab held under the stock openbox should show its window list (the probe is blind otherwise)"
    );
    assert!(
        share > MAX_DIFFERENCE,
        "the window list should make the screen differ from the page ({:.2} %)",
        share * 100.0
    );
    // …and on release the focus has gone to the other program.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        s.active(),
        Some(behind),
        "Alt+Tab under the stock openbox should activate the other program; clients {:?}",
        s.describe_clients()
    );

    // Alt+Space: the window menu.
    x.chord(&[k::ALT_L, wk::SPACE]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = s.seen();
    let menus: Vec<_> = seen
        .iter()
        .filter(|t| t.id != kiosk.frame && !kiosk.known.contains(&t.id))
        .collect();
    s.capture()
        .save_png(&wm::screenshot_path(TEST, "alt-space"));
    assert!(
        !menus.is_empty(),
        "Alt+Space under the stock openbox should open the window menu: {}",
        seen.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" < ")
    );
    x.chord(&[k::ESCAPE]);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Super+D: the desktop behind every window.
    x.chord(&[wk::SUPER_L, wk::D]);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let desktop = s.capture();
    desktop.save_png(&wm::screenshot_path(TEST, "super-d"));
    assert!(
        desktop.count(MAGENTA) > (s.width * s.height / 2) as usize,
        "Super+D under the stock openbox should show the desktop ({} magenta pixels)",
        desktop.count(MAGENTA)
    );

    app.quit().await;
    stack.stop();
}

/// For every row of the patient card: the label's text and the value's text (their rendered
/// boxes, which overflow their cells when a word does not fit), and the cells themselves.
const PATIENT_ROWS: &str = r#"
const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
const textBox = (el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  if (rects.length === 0) return null;
  return {
    left: Math.min(...rects.map((r) => r.left)),
    top: Math.min(...rects.map((r) => r.top)),
    right: Math.max(...rects.map((r) => r.right)),
    bottom: Math.max(...rects.map((r) => r.bottom)),
  };
};
return [...document.querySelectorAll('#patient .nhsuk-summary-list__row')].map((row) => {
  const dt = row.querySelector('.nhsuk-summary-list__key');
  const dd = row.querySelector('.nhsuk-summary-list__value');
  return {
    label: dt ? dt.innerText.trim() : null,
    label_text: dt ? textBox(dt) : null,
    label_cell: dt ? box(dt.getBoundingClientRect()) : null,
    value_text: dd ? textBox(dd) : null,
    value_cell: dd ? box(dd.getBoundingClientRect()) : null,
  };
});
"#;

fn rect(v: &Value) -> Option<(f64, f64, f64, f64)> {
    Some((
        v["left"].as_f64()?,
        v["top"].as_f64()?,
        v["right"].as_f64()?,
        v["bottom"].as_f64()?,
    ))
}

/// Whether two boxes overlap (sharing an edge is not overlapping).
fn intersect(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    const EPS: f64 = 0.5;
    a.0 < b.2 - EPS && b.0 < a.2 - EPS && a.1 < b.3 - EPS && b.1 < a.3 - EPS
}

/// Labels and values of the patient card never overlap.
async fn assert_patient_rows_apart(app: &App, size: &str) {
    let rows = app.js(PATIENT_ROWS, vec![]).await;
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 5, "{size}: the patient card's rows: {rows:?}");
    for row in &rows {
        let label = row["label"].as_str().unwrap_or("?");
        let (Some(lt), Some(lc), Some(vt), Some(vc)) = (
            rect(&row["label_text"]),
            rect(&row["label_cell"]),
            rect(&row["value_text"]),
            rect(&row["value_cell"]),
        ) else {
            panic!("{size}: row {label:?} has an empty label or value: {row}");
        };
        assert!(
            !intersect(lt, vt) && !intersect(lt, vc),
            "{size}: the label {label:?} runs into its value: label text {lt:?}, value text \
             {vt:?}, value cell {vc:?}"
        );
        assert!(
            !intersect(vt, lc) && !intersect(lc, vc),
            "{size}: the value of {label:?} runs into its label: value text {vt:?}, label cell \
             {lc:?}, value cell {vc:?}"
        );
    }
}

#[tokio::test]
async fn kiosk_at_three_screen_sizes() {
    for (w, h) in [(800, 600), (1280, 800), (1920, 1080)] {
        let size = format!("{w}x{h}");
        let test = format!("kiosk_at_three_screen_sizes-{size}");
        let (_display, mut stack) = bring_up(&test, w, h);
        let _openbox = Openbox::kiosk(&stack);
        let app = stack.launch().await;
        // Screenshots: kiosk-<size>-<state>.png.
        let kiosk = Kiosk::find(Screen::connect(), &app, "kiosk");
        let (fw, fh) = (kiosk.screen.width, kiosk.screen.height);
        assert_eq!((fw, fh), (w, h), "the display's size");
        assert_eq!(
            app.js("return [window.innerWidth, window.innerHeight];", vec![])
                .await,
            serde_json::json!([w, h]),
            "{size}: the page's viewport is not the whole screen"
        );
        app.wait("#passcode").await;
        kiosk
            .assert_locked_down(&app, &format!("{size}-signin"))
            .await;
        app.sign_in().await;
        app.lookup(RED).await;
        assert!(app.class("#banner").await.contains("banner--red"));
        assert_eq!(app.text("#patient-nhs-number").await, formatted(RED));
        // The patient card in view, as the clerk would scroll to it.
        app.js(
            "document.querySelector('#patient').scrollIntoView({ block: 'nearest' }); return true;",
            vec![],
        )
        .await;
        kiosk
            .assert_locked_down(&app, &format!("{size}-result"))
            .await;
        assert_patient_rows_apart(&app, &size).await;
        app.quit().await;
        stack.stop();
    }
}

/// Waits (up to 30 s) until the screen shows the app's page (its header, NHS blue, across the
/// screen) and none of the desktop behind it; saves the screen as `<test>-<state>.png`.
fn page_on_screen(screen: &Screen, test: &str, state: &str) {
    const NHS_BLUE: [u8; 3] = [0x00, 0x5e, 0xb8];
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shot = screen.capture();
        let (blue, magenta) = (shot.count(NHS_BLUE), shot.count(MAGENTA));
        if blue >= screen.width as usize * 40 && magenta == 0 {
            shot.save_png(&wm::screenshot_path(test, state));
            return;
        }
        if Instant::now() > deadline {
            shot.save_png(&wm::screenshot_path(test, state));
            panic!(
                "{state}: the app's page is not on the screen ({blue} pixels of its header's \
                 blue, {magenta} of the desktop behind it)"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `packaging/kiosk/vmcheck-kiosk-session`, run from the tree (`VMCHECK_KIOSK_APP` and
/// friends): openbox, then the app, fullscreen and active; the app killed (a crash) is started
/// again by the session; stopping the session stops both.
#[tokio::test]
async fn the_kiosk_session_restarts_the_app() {
    const TEST: &str = "the_kiosk_session_restarts_the_app";
    let (_display, mut stack) = bring_up(TEST, 1024, 768);
    let dir = stack.dir().to_path_buf();
    let mut cmd = Command::new(wm::kiosk_session_script());
    cmd.env("VMCHECK_KIOSK_APP", app_binary())
        .env("VMCHECK_KIOSK_RC", wm::kiosk_rc())
        .env("VMCHECK_KIOSK_CONFIG", dir.join("config.toml"))
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_RUNTIME_DIR", dir.join("runtime"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("NO_AT_BRIDGE", "1")
        .env_remove("VMCHECK_CONFIG");
    let mut session = Started::spawn(&stack, "session", cmd);
    let screen = Screen::connect();
    // The app's window, from a process other than `except` (X may give the new window the
    // same id as the old one's).
    let app_window = |s: &Screen, except: Option<u32>| {
        s.clients().into_iter().find(|&w| {
            s.property_text(w, "WM_CLASS").contains("vmcheck-desktop")
                && s.property32(w, "_NET_WM_PID").first().copied() != except
        })
    };
    let first = screen.wait_for(
        "the app started by the session",
        Duration::from_secs(60),
        |s| app_window(s, None),
    );
    let pid_of = |w: Window| {
        screen
            .property32(w, "_NET_WM_PID")
            .first()
            .copied()
            .expect("_NET_WM_PID on the app's window")
    };
    let first_pid = pid_of(first);
    wm::record(&stack, "session-app-1", first_pid);
    let fullscreen_and_active = |s: &Screen, w: Window| {
        s.active() == Some(w)
            && s.rect(s.frame_of(w)) == (0, 0, s.width, s.height)
            && s.net_wm_state(w)
                .iter()
                .any(|a| a == "_NET_WM_STATE_FULLSCREEN")
    };
    assert!(
        screen.wait_until(Duration::from_secs(10), |s| fullscreen_and_active(s, first)),
        "the session's app is not fullscreen and active: {:?}; session log:\n{}",
        screen.describe_clients(),
        session.log()
    );
    // The page is on the screen (the passcode screen: the card is in) before the crash.
    page_on_screen(&screen, TEST, "first");

    // A crash.
    let started = Instant::now();
    Pid::of(first_pid).signal("KILL");
    let second = screen.wait_for(
        "the app started again by the session",
        Duration::from_secs(60),
        |s| app_window(s, Some(first_pid)),
    );
    let second_pid = pid_of(second);
    wm::record(&stack, "session-app-2", second_pid);
    assert_ne!(second_pid, first_pid);
    assert!(
        screen.wait_until(Duration::from_secs(10), |s| fullscreen_and_active(
            s, second
        )),
        "the restarted app is not fullscreen and active: {:?}",
        screen.describe_clients()
    );
    eprintln!(
        "e2e: the session restarted the app in {} ms",
        started.elapsed().as_millis()
    );
    page_on_screen(&screen, TEST, "restarted");
    let log = session.log();
    assert!(
        log.contains("V&M Check exited"),
        "the session did not log the app's exit:\n{log}"
    );

    // Stopping the session stops openbox and the app.
    let openbox: Vec<Pid> = descendants(session.pid())
        .into_iter()
        .filter(|&p| comm(p) == "openbox")
        .map(Pid::of)
        .collect();
    assert_eq!(openbox.len(), 1, "the session runs one openbox");
    wm::record(&stack, "session-openbox", openbox[0].pid);
    let app = Pid::of(second_pid);
    session.stop();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.alive() || openbox[0].alive() {
        assert!(
            Instant::now() < deadline,
            "stopping the session left the app or openbox running"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stack.stop();
}
