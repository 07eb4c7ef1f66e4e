//! The keyboard as a user has it: Tab, Shift+Tab, Enter, Space and typed characters, sent as
//! WebDriver key actions to whatever has focus (never to an element picked by the test), and
//! where the focus is after each key — with whether it can be seen.

use serde::Deserialize;
use serde_json::Value;
use thirtyfour::prelude::*;

use crate::App;

/// Where the focus is, as a user would see it.
#[derive(Debug, Clone, Deserialize)]
pub struct Focus {
    /// `None`: nothing focused (the page body).
    pub id: Option<String>,
    /// Tag name, lower case.
    pub tag: String,
    /// The element's accessible text (aria-label, text or value), shortened.
    pub label: String,
    /// A focus indicator is drawn: a box shadow, an outline that is not transparent, or the
    /// NHS.UK yellow focus background.
    pub indicated: bool,
    /// The element lies inside the window (the browser scrolled it into view).
    pub in_view: bool,
    /// `tabindex="-1"`: focused by the app's script (a heading after a result), not a Tab stop.
    pub script_only: bool,
    /// The computed styles, for messages.
    pub style: String,
}

impl std::fmt::Display for Focus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<{}{}> {:?}",
            self.tag,
            self.id
                .as_deref()
                .map(|i| format!(" id={i}"))
                .unwrap_or_default(),
            self.label
        )
    }
}

const FOCUS_SCRIPT: &str = r#"
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
const cs = getComputedStyle(el);
const transparent = (c) => c === 'transparent' || /rgba\(.*,\s*0\)$/.test(c);
const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && !transparent(cs.outlineColor);
const shadow = cs.boxShadow && cs.boxShadow !== 'none';
const yellow = cs.backgroundColor === 'rgb(255, 235, 59)';
const r = el.getBoundingClientRect();
const label = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
return {
  id: el.id || null,
  tag: el.tagName.toLowerCase(),
  label,
  indicated: Boolean(outline || shadow || yellow),
  in_view: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight,
  script_only: el.getAttribute('tabindex') === '-1',
  style: `outline: ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow: ${cs.boxShadow}; background: ${cs.backgroundColor}`,
};
"#;

impl App {
    /// Where the focus is now (`None`: on the page itself).
    pub async fn focus(&self) -> Option<Focus> {
        match self.js(FOCUS_SCRIPT, vec![]).await {
            Value::Null => None,
            v => Some(serde_json::from_value(v).expect("focus description")),
        }
    }

    /// Presses one key (Tab, Enter, Space…) at whatever has focus.
    pub async fn press(&self, key: Key) {
        self.driver()
            .action_chain()
            .send_keys(key)
            .perform()
            .await
            .expect("key press");
    }

    /// Presses Shift+Tab.
    pub async fn shift_tab(&self) {
        self.driver()
            .action_chain()
            .key_down(Key::Shift)
            .send_keys(Key::Tab)
            .key_up(Key::Shift)
            .perform()
            .await
            .expect("Shift+Tab");
    }

    /// Types characters at whatever has focus.
    pub async fn type_keys(&self, text: &str) {
        self.driver()
            .action_chain()
            .send_keys(text)
            .perform()
            .await
            .expect("typing");
    }

    /// The focus is on `id` already (checked to be seen), or Tab takes it there ([`Self::tab_to`]).
    pub async fn reach(&self, id: &str) -> Vec<Focus> {
        match self.focus().await {
            Some(f) if f.id.as_deref() == Some(id) => {
                assert!(
                    f.indicated && f.in_view,
                    "{}: the focus on {f} cannot be seen ({})",
                    self.test,
                    f.style
                );
                vec![f]
            }
            _ => self.tab_to(id, false, 40).await,
        }
    }

    /// Presses Tab (or Shift+Tab when `back`) until the element `id` has focus, checking at
    /// every stop that the focus can be seen and is on screen. Returns the stops, in order.
    /// Fails after `max` presses, listing where the focus went.
    pub async fn tab_to(&self, id: &str, back: bool, max: usize) -> Vec<Focus> {
        let mut stops = Vec::new();
        for _ in 0..max {
            if back {
                self.shift_tab().await;
            } else {
                self.press(Key::Tab).await;
            }
            let Some(focus) = self.focus().await else {
                stops_panic(
                    &stops,
                    id,
                    "the focus left every control (it is on the page)",
                );
            };
            assert!(
                focus.indicated && focus.in_view,
                "{}: the focus on {focus} cannot be seen (indicated: {}, on screen: {}; {})",
                self.test,
                focus.indicated,
                focus.in_view,
                focus.style
            );
            let reached = focus.id.as_deref() == Some(id);
            stops.push(focus);
            if reached {
                return stops;
            }
        }
        stops_panic(&stops, id, &format!("not reached in {max} presses"));
    }
}

fn stops_panic(stops: &[Focus], id: &str, why: &str) -> ! {
    let trail: Vec<String> = stops.iter().map(ToString::to_string).collect();
    panic!("#{id}: {why}; the focus went: {}", trail.join(" → "))
}
