//! `vmcheck config show`: the configuration in force, every value with the layer it came from
//! (built-in default, the administrator's file, the user's preferences, the `--config` file),
//! the values a lock or a bound set aside, and which preferences are locked.

use std::path::PathBuf;

use vmcheck_engine::config::layers::{load, Layer, LayerFiles, LoadError};

use crate::output;

/// Exit code: shown.
const EXIT_OK: u8 = 0;

/// Prints the effective configuration; exit 4 when it cannot be loaded.
pub(crate) fn show(config: Option<PathBuf>, json: bool) -> u8 {
    let layered = match load(&LayerFiles::standard(config)) {
        Ok(l) => l,
        Err(e) => {
            let message = match &e {
                LoadError::NoFile(p) => format!(
                    "no configuration file at {}: use --config FILE, or ask the administrator for /etc/vmcheck/config.toml",
                    p.display()
                ),
                other => other.to_string(),
            };
            return crate::config_error(&message, json);
        }
    };
    let entries = layered.entries();
    let source = |layer: Layer| layered.describe(layer);
    if json {
        let values: Vec<serde_json::Value> = entries
            .iter()
            .map(|(key, value, layer)| {
                serde_json::json!({
                    "key": key,
                    "value": serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
                    "layer": layer,
                    "source": source(*layer),
                    "locked": layered.is_locked(key),
                })
            })
            .collect();
        let ignored: Vec<serde_json::Value> = layered
            .ignored
            .iter()
            .map(|i| {
                serde_json::json!({
                    "key": i.key, "layer": i.layer, "source": source(i.layer), "reason": i.reason,
                })
            })
            .collect();
        let files = serde_json::json!({
            "system": layered.files.system,
            "preferences": layered.files.preferences,
            "file": layered.files.file,
        });
        println!(
            "{}",
            serde_json::json!({ "files": files, "values": values, "ignored": ignored })
        );
        return EXIT_OK;
    }
    println!("# The configuration in force. Sources, lowest to highest precedence:");
    println!("#   built-in defaults");
    for layer in [Layer::System, Layer::Preferences, Layer::File] {
        let read = match layer {
            Layer::System => &layered.files.system,
            Layer::Preferences => &layered.files.preferences,
            _ => &layered.files.file,
        };
        if read.is_some() {
            println!("#   {}", source(layer));
        }
    }
    let width = entries
        .iter()
        .map(|(k, v, _)| k.len() + 3 + output::toml_inline(v).len())
        .max()
        .unwrap_or(0)
        .min(72);
    for (key, value, layer) in &entries {
        let line = format!("{key} = {}", output::toml_inline(value));
        let lock = if layered.is_locked(key) {
            ", locked"
        } else {
            ""
        };
        println!("{line:width$}  # {}{lock}", source(*layer));
    }
    if !layered.ignored.is_empty() {
        println!();
        println!("# Set aside:");
        for i in &layered.ignored {
            println!("#   {} in {}: {}", i.key, source(i.layer), i.reason);
        }
    }
    EXIT_OK
}
