//! The running app, driven over WebDriver: waiting for screens, reading, typing and clicking,
//! the keyboard, screenshots.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use thirtyfour::prelude::*;

use crate::*;

/// The running app, driven over WebDriver.
pub struct App {
    pub(crate) driver: Option<WebDriver>,
    /// The test's name.
    pub test: String,
    /// The app's PID (found under tauri-driver → WebKitWebDriver).
    pub app_pid: Option<u32>,
    /// How long the session took to start (app launch), ms.
    pub session_ms: u128,
}

impl App {
    /// The WebDriver session.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("session open")
    }

    /// Ends the session (the app closes).
    pub async fn quit(mut self) {
        if let Some(d) = self.driver.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), d.quit()).await;
        }
    }

    /// Waits for an element (CSS selector) to be present.
    pub async fn wait(&self, css: &str) -> WebElement {
        self.wait_for(css, WAIT).await
    }

    /// Waits up to `timeout` for an element to be present.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> WebElement {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(mut found) = self.driver().find_all(By::Css(css)).await {
                if !found.is_empty() {
                    return found.swap_remove(0);
                }
            }
            if Instant::now() > deadline {
                let shot = self.try_shot("timeout").await;
                let body = self.body_text().await;
                panic!(
                    "`{css}` did not appear in {} s. Screenshot: {shot:?}. Page text:\n{body}",
                    timeout.as_secs(),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for an element to be present and to say `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.exists(css).await && self.text(css).await == text {
                return;
            }
            if Instant::now() > deadline {
                let shot = self.try_shot("timeout").await;
                let now = self.body_text().await;
                panic!("`{css}` did not come to say {text:?} in {} s. Screenshot: {shot:?}. Page text:\n{now}", WAIT.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for an element to be gone.
    pub async fn wait_gone(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.exists(css).await {
            if Instant::now() > deadline {
                let shot = self.try_shot("timeout").await;
                panic!(
                    "`{css}` was still there after {} s. Screenshot: {shot:?}",
                    timeout.as_secs(),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether an element is present now.
    pub async fn exists(&self, css: &str) -> bool {
        self.driver()
            .find_all(By::Css(css))
            .await
            .map(|v| !v.is_empty())
            .unwrap_or(false)
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap_or_default()
    }

    /// The `class` attribute of an element.
    pub async fn class(&self, css: &str) -> String {
        self.wait(css)
            .await
            .attr("class")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Runs a script (synchronous WebDriver execute) and returns its JSON value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.driver()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
            .json()
            .clone()
    }

    /// The body's text.
    pub async fn body_text(&self) -> String {
        match self.driver().find(By::Tag("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The whole DOM as HTML (`document.documentElement.outerHTML`).
    pub async fn dom(&self) -> String {
        self.js("return document.documentElement.outerHTML;", vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Does `act` to the element `css` finds, finding it again (up to ten times, waiting longer
    /// each time) when it was redrawn between being found and acted on: the passcode screen
    /// redraws when the card's tries left arrive.
    async fn on_element<T, F, Fut>(&self, css: &str, what: &str, act: F) -> T
    where
        F: Fn(WebElement) -> Fut,
        Fut: std::future::Future<Output = WebDriverResult<T>>,
    {
        for attempt in 1..=10_u64 {
            match act(self.wait(css).await).await {
                Ok(done) => return done,
                Err(e) if format!("{e:?}").contains("StaleElementReference") => {
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => panic!("{what} {css}: {e}"),
            }
        }
        panic!("could not {what} {css}: it kept being redrawn");
    }

    /// Clears a field and types into it (found again if it was redrawn meanwhile).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, "type into", |el| async move {
            el.clear().await?;
            el.send_keys(text).await
        })
        .await;
    }

    /// Clicks an element (found again if it was redrawn between being found and clicked).
    pub async fn click(&self, css: &str) {
        self.on_element(css, "click", |el| async move { el.click().await })
            .await;
    }

    /// An element's place on the page (found again if it was redrawn between being found and
    /// measured).
    pub async fn rect(&self, css: &str) -> thirtyfour::ElementRect {
        self.on_element(css, "measure", |el| async move { el.rect().await })
            .await
    }

    /// Saves a screenshot of the page as `target/e2e-screenshots/<test>-<state>.png`; fails the
    /// test when it cannot.
    pub async fn shot(&self, state: &str) -> PathBuf {
        self.try_shot(state)
            .await
            .unwrap_or_else(|e| panic!("screenshot {state}: {e}"))
    }

    /// Saves a screenshot; an error is returned, not raised.
    pub async fn try_shot(&self, state: &str) -> Result<PathBuf, String> {
        let dir = screenshot_dir();
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}-{state}.png", self.test));
        // WebKitWebDriver returns the last frame painted, which under Xvfb can be seconds (or
        // screens) old: let the page render two frames first.
        let settled = tokio::time::timeout(
            Duration::from_secs(10),
            self.driver().execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            ),
        )
        .await;
        if !matches!(settled, Ok(Ok(_))) {
            return Err("the page rendered no frame in 10 s".into());
        }
        // WebKitWebDriver's screenshots hang for good (every later one too) when the app runs
        // with WEBKIT_DISABLE_COMPOSITING_MODE=1, so the stack leaves compositing on; a
        // screenshot that does not come in 20 s is an error rather than a stall.
        match tokio::time::timeout(Duration::from_secs(20), self.driver().screenshot_as_png()).await
        {
            Ok(Ok(png)) => {
                std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(path)
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer from WebKitWebDriver in 20 s".into()),
        }
    }

    /// Signs in: waits for the passcode field, types `passcode`, submits.
    pub async fn enter_passcode(&self, passcode: &str) {
        self.type_into("#passcode", passcode).await;
        self.click("#sign-in-submit").await;
    }

    /// Signs in with [`PASSCODE`] and waits for the lookup screen.
    pub async fn sign_in(&self) {
        self.wait("#passcode").await;
        self.enter_passcode(PASSCODE).await;
        self.wait("#nhs-number").await;
    }

    /// Looks a number up and waits for the outcome (a banner or an error box).
    pub async fn lookup(&self, nhs: &str) {
        self.start_lookup(nhs).await;
        self.wait("#banner, #lookup-error").await;
    }

    /// Types a number and submits, without waiting for the outcome.
    pub async fn start_lookup(&self, nhs: &str) {
        self.type_into("#nhs-number", nhs).await;
        self.click("#lookup-submit").await;
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A test that panicked never called `quit`: don't block in thirtyfour's synchronous
        // teardown; the stack stops tauri-driver and the app by PID.
        if let Some(d) = self.driver.take() {
            let _ = d.leak();
        }
    }
}
