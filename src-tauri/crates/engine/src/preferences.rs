//! The few settings a user may change at a desk (the rest is the trust's deployment
//! configuration): the V&M response format, the idle lock, the log detail. Saved into the
//! configuration file itself — comments and layout kept — only after the whole edited file
//! validates, and written atomically (a temporary file renamed over the old one).

use std::path::Path;

use crate::config::{Config, ConfigError};
use crate::logging::Level;
use vmcheck_core::fhir::WireFormat;

/// The user-editable settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preferences {
    /// `json` or `xml`: the format asked of Spine.
    #[cfg_attr(feature = "ts", ts(type = "\"json\" | \"xml\""))]
    pub format: WireFormat,
    /// Minutes of inactivity before the session locks (1–60).
    pub idle_lock_minutes: u32,
    /// Log detail.
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"error\" | \"warn\" | \"info\" | \"debug\" | \"trace\"")
    )]
    pub log_level: Level,
}

impl Preferences {
    /// The preferences a configuration holds.
    pub fn of(config: &Config) -> Self {
        let idle = config
            .session
            .as_ref()
            .map(|s| s.idle_lock().as_secs())
            .unwrap_or(900);
        Self {
            format: config.vandm.format,
            idle_lock_minutes: u32::try_from(idle.div_ceil(60)).unwrap_or(u32::MAX),
            log_level: config.log.level,
        }
    }
}

/// Why preferences could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    /// A value out of range.
    #[error("{0}")]
    Invalid(String),
    /// The edited configuration does not validate (or the file could not be read).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file could not be written.
    #[error("the configuration file could not be saved: {0}")]
    Write(String),
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warn",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

/// Writes `prefs` into the configuration file at `path`; returns the configuration now in it.
pub fn save(path: &Path, prefs: &Preferences) -> Result<Config, PreferencesError> {
    if !(1..=60).contains(&prefs.idle_lock_minutes) {
        return Err(PreferencesError::Invalid(
            "Choose an idle lock from 1 to 60 minutes.".into(),
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
        path: path.display().to_string(),
        problem: e.to_string(),
    })?;
    let mut doc: toml_edit::Document = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ConfigError::Syntax(e.to_string()))?;
    let table = |doc: &mut toml_edit::Document, name: &str| {
        if !doc.contains_key(name) {
            doc[name] = toml_edit::table();
        }
    };
    table(&mut doc, "vandm");
    doc["vandm"]["format"] = toml_edit::value(prefs.format.as_param());
    if doc.contains_key("session") {
        doc["session"]["idle_lock_secs"] =
            toml_edit::value(i64::from(prefs.idle_lock_minutes) * 60);
    }
    table(&mut doc, "log");
    doc["log"]["level"] = toml_edit::value(level_name(prefs.log_level));
    let edited = doc.to_string();
    let mut config = Config::parse(&edited)?;
    if let Some(dir) = path.parent() {
        config.resolve_relative_paths(dir);
    }
    let tmp = path.with_extension("toml.saving");
    std::fs::write(&tmp, edited.as_bytes()).map_err(|e| PreferencesError::Write(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        PreferencesError::Write(e.to_string())
    })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# The trust's V&M Check configuration.
environment = "sandbox"

[organisation]
ods_code = "RRK99"   # training hospital
name = "Training"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"

[pds]
base_url = "http://127.0.0.1:1/personal-demographics/FHIR/R4"

[sds]
ldap_url = "ldap://127.0.0.1:2"

[session]
card = "training"
"#;

    #[test]
    fn saves_preferences_and_keeps_comments() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).expect("write");
        let before = Preferences::of(&Config::load(&path).expect("valid"));
        assert_eq!(
            before,
            Preferences {
                format: WireFormat::Json,
                idle_lock_minutes: 15,
                log_level: Level::Info
            }
        );
        let wanted = Preferences {
            format: WireFormat::Xml,
            idle_lock_minutes: 5,
            log_level: Level::Debug,
        };
        let saved = save(&path, &wanted).expect("saved");
        assert_eq!(Preferences::of(&saved), wanted);
        assert_eq!(
            Preferences::of(&Config::load(&path).expect("still valid")),
            wanted
        );
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.contains("# The trust's V&M Check configuration.")
                && text.contains("# training hospital")
        );
        assert!(!dir.path().join("config.toml.saving").exists());
    }

    #[test]
    fn out_of_range_values_leave_the_file_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, FILE).expect("write");
        let err = save(
            &path,
            &Preferences {
                format: WireFormat::Xml,
                idle_lock_minutes: 0,
                log_level: Level::Info,
            },
        );
        assert!(matches!(err, Err(PreferencesError::Invalid(_))));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), FILE);
    }
}
