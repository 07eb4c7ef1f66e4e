//! The information-governance report's HTML page in a real browser: lookups made with the
//! installed-style `vmcheck` CLI against its sandbox, `vmcheck audit report --format html`,
//! then the page opened in WebKitGTK's MiniBrowser driven by WebKitWebDriver (no network: the
//! page is self-contained). Screenshot: `target/e2e-screenshots/ig_report-html.png`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use thirtyfour::prelude::*;
use vmcheck_e2e_tests::*;

/// WebKitGTK's own small browser, which WebKitWebDriver drives in automation mode.
const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

fn vmcheck(home: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(cli_binary())
        .args(args)
        .env_remove("VMCHECK_CONFIG")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("VMCHECK_LOG", "warn")
        .output()
        .expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn the_html_report_opens_in_a_browser_with_its_chart() {
    require_display();
    let driver_bin = require_program(
        "WebKitWebDriver",
        "install the Debian package webkit2gtk-driver (scripts/setup.sh does)",
    );
    assert!(
        Path::new(MINIBROWSER).is_file(),
        "WebKitGTK's MiniBrowser is missing: install libwebkit2gtk-4.1-0"
    );
    let home = tempfile::tempdir().expect("tmp");
    // A red, a green, a grey "no record" and an error.
    for nhs in [
        "9990000018",
        "9990000042",
        "9990000212",
        "9990000220",
        "9990000018",
    ] {
        let (code, out) = vmcheck(home.path(), &["lookup", "--sandbox", "--json", nhs]);
        assert!(code == 0 || code == 3, "lookup {nhs}: {code} {out}");
    }
    let page = home.path().join("report.html");
    let (code, out) = vmcheck(
        home.path(),
        &[
            "audit",
            "report",
            "--sandbox",
            "--format",
            "html",
            "-o",
            page.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{out}");

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        l.local_addr().expect("addr").port()
    };
    let driver_process = Killed(
        Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("WebKitWebDriver starts"),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = thirtyfour::Capabilities::new();
    caps.set("browserName", "MiniBrowser").expect("caps");
    caps.set(
        "webkitgtk:browserOptions",
        json!({ "binary": MINIBROWSER, "args": ["--automation"] }),
    )
    .expect("caps");
    let session = tokio::time::timeout(
        Duration::from_secs(30),
        WebDriver::builder(url, caps).request_timeout(Duration::from_secs(60)),
    )
    .await;
    let browser = match session {
        Ok(Ok(b)) => b,
        other => panic!("the browser did not start: {:?}", other.map(|r| r.err())),
    };
    let result = async {
        browser
            .goto(format!("file://{}", page.display()))
            .await
            .expect("opens");
        let title = browser.title().await.expect("title");
        assert_eq!(title, "V&M Check audit report: the whole log");
        let lookups = browser
            .find(By::Css("#summary div:nth-child(2) dd"))
            .await
            .expect("the lookups count")
            .text()
            .await
            .expect("text");
        assert_eq!(lookups, "5");
        let bars = browser
            .find_all(By::Css("#chart rect"))
            .await
            .expect("the chart's bars");
        assert_eq!(bars.len(), 4, "red, green, no record and error on one day");
        let table = browser
            .find(By::Id("per-day"))
            .await
            .expect("the numbers")
            .text()
            .await
            .expect("text");
        assert!(table.contains("Red: chargeable"), "{table}");
        let every = browser
            .find(By::Id("accesses"))
            .await
            .expect("every access")
            .text()
            .await
            .expect("text");
        assert!(every.contains("999 000 0018") && every.contains("Error: nothing shown"));
        let png = painted_screenshot(&browser).await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("ig_report-html.png"), png).expect("saved");
    }
    .await;
    let _ = browser.quit().await;
    drop(driver_process);
    result
}

/// A screenshot of the page as drawn. The browser can answer with one taken before its first
/// paint, all white (seen under a loaded machine although every element was already found):
/// wait for two frames and take it again until it shows more than one colour.
async fn painted_screenshot(browser: &WebDriver) -> Vec<u8> {
    for _ in 0..20 {
        browser
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await
            .expect("two frames drawn");
        let png = tokio::time::timeout(Duration::from_secs(20), browser.screenshot_as_png())
            .await
            .expect("a screenshot in time")
            .expect("a screenshot");
        if !wm::Image::from_png(&png).is_one_colour() {
            return png;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("every screenshot of the report was one colour: the page was never drawn");
}

#[test]
fn a_screenshot_of_one_colour_is_told_from_a_drawn_one() {
    let image = |rgb: &[u8]| wm::Image {
        width: 2,
        height: 1,
        rgb: rgb.to_vec(),
    };
    assert!(image(&[255, 255, 255, 255, 255, 255]).is_one_colour());
    assert!(!image(&[255, 255, 255, 255, 255, 254]).is_one_colour());
    assert!(!image(&[218, 41, 28, 255, 255, 255]).is_one_colour());
}

/// A child process killed when dropped (also when an assertion fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
