//! Accessibility: axe-core run in the page on every screen a test checks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::*;

/// The outcome of one axe-core run.
#[derive(Debug, Clone)]
pub struct AxeSummary {
    /// Violations by impact.
    pub counts: Vec<(String, usize)>,
    /// Every violation: (impact, rule id, targets).
    pub violations: Vec<(String, String, Vec<String>)>,
    /// Rules that passed.
    pub passes: usize,
}

impl App {
    /// Runs axe-core (`tests/e2e/node_modules/axe-core/axe.min.js`, injected over WebDriver) on
    /// the page, saves the report to `target/e2e-axe/<test>-<state>.json`, and fails on any
    /// serious or critical violation, naming rule ids and targets.
    pub async fn axe(&self, state: &str) -> AxeSummary {
        let started = Instant::now();
        let loaded = self
            .js("return typeof window.axe === 'object';", vec![])
            .await;
        if loaded != Value::Bool(true) {
            let path = canonical(workspace().join("tests/e2e/node_modules/axe-core/axe.min.js"));
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "axe-core is not installed ({}: {e}): run `npm ci` in tests/e2e (run.sh does)",
                    path.display()
                )
            });
            self.js(&source, vec![]).await;
            let ok = self
                .js("return typeof window.axe === 'object';", vec![])
                .await;
            assert_eq!(
                ok,
                Value::Bool(true),
                "axe-core did not load in the page (CSP?)"
            );
        }
        self.driver()
            .set_script_timeout(Duration::from_secs(60))
            .await
            .expect("script timeout");
        let result = self
            .driver()
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   window.axe.run(document, { resultTypes: ["violations"] })
                     .then((r) => done({ ok: true, violations: r.violations.map((v) => ({
                         id: v.id, impact: v.impact, help: v.help,
                         targets: v.nodes.map((n) => n.target.join(" ")) })),
                       passes: r.passes.length, incomplete: r.incomplete.length }))
                     .catch((e) => done({ ok: false, error: String(e && e.stack || e) }));"#,
                vec![],
            )
            .await
            .expect("run axe")
            .json()
            .clone();
        assert_eq!(
            result["ok"],
            Value::Bool(true),
            "axe.run failed: {}",
            result["error"]
        );
        let _ = std::fs::create_dir_all(axe_dir());
        let _ = std::fs::write(
            axe_dir().join(format!("{}-{state}.json", self.test)),
            serde_json::to_string_pretty(&result).unwrap_or_default(),
        );
        let mut violations = Vec::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for v in result["violations"].as_array().into_iter().flatten() {
            let impact = v["impact"].as_str().unwrap_or("unknown").to_owned();
            *counts.entry(impact.clone()).or_default() += 1;
            let targets = v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            violations.push((impact, v["id"].as_str().unwrap_or("?").to_owned(), targets));
        }
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort();
        let summary = AxeSummary {
            counts,
            violations,
            passes: result["passes"].as_u64().unwrap_or(0) as usize,
        };
        eprintln!(
            "axe {}-{state} ({} ms): {} rules passed; violations: {}",
            self.test,
            started.elapsed().as_millis(),
            summary.passes,
            if summary.violations.is_empty() {
                "none".to_owned()
            } else {
                summary
                    .violations
                    .iter()
                    .map(|(i, id, t)| format!("{id} ({i}) at {}", t.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        );
        let bad: Vec<String> = summary
            .violations
            .iter()
            .filter(|(i, _, _)| i == "serious" || i == "critical")
            .map(|(i, id, t)| format!("{id} ({i}) at {}", t.join(", ")))
            .collect();
        assert!(
            bad.is_empty(),
            "axe-core found serious or critical violations on {}-{state}:\n  {}",
            self.test,
            bad.join("\n  ")
        );
        summary
    }

    /// Screenshot + axe for one state.
    pub async fn check_screen(&self, state: &str) {
        self.shot(state).await;
        self.axe(state).await;
    }
}
