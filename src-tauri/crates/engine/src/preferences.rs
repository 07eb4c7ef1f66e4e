//! The few settings a user may change at a desk (the rest is the trust's deployment
//! configuration): the V&M response format, the idle lock, the log detail. They live in the
//! user's own preferences file (`$XDG_CONFIG_HOME/vmcheck/preferences.toml`, see
//! [`crate::config::layers`]), never in the administrator's configuration: saved — comments
//! kept — only when every value is within the administrator's bounds and not locked, and the
//! whole configuration still validates with them; written atomically (a temporary file
//! renamed over the old one).

use crate::config::layers::{self, LoadError, PREFERENCE_KEYS};
use crate::config::{Config, ConfigError, Layered};
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
    /// The preferences the administrator locked (`vandm.format`, `session.idle_lock_secs`,
    /// `log.level`): shown, not editable. Ignored when saving.
    #[serde(default)]
    pub locked: Vec<String>,
    /// The longest idle lock allowed, in minutes (none: 60).
    #[serde(default)]
    pub max_idle_lock_minutes: Option<u32>,
    /// The most detailed log level allowed (none: any).
    #[serde(default)]
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"error\" | \"warn\" | \"info\" | \"debug\" | \"trace\" | null")
    )]
    pub max_log_level: Option<Level>,
}

impl Preferences {
    /// The preferences a configuration holds, with its administrator's locks and bounds.
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
            locked: config.preferences.locked.clone(),
            max_idle_lock_minutes: config
                .preferences
                .max_idle_lock_secs
                .map(|s| u32::try_from(s / 60).unwrap_or(u32::MAX)),
            max_log_level: config.preferences.max_log_level,
        }
    }
}

/// Why preferences could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    /// A value out of range, locked, or past the administrator's bound.
    #[error("{0}")]
    Invalid(String),
    /// The configuration with these preferences does not validate.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The file could not be written (or no folder is known for it).
    #[error("your settings could not be saved: {0}")]
    Write(String),
}

fn level_name(level: Level) -> &'static str {
    level.as_str()
}

/// Saves `prefs` into the user's preferences file of `layered`; returns the layers read again,
/// with the saved values in force. Nothing is written when a value is refused.
pub fn save(layered: &Layered, prefs: &Preferences) -> Result<Layered, PreferencesError> {
    let max_minutes = layered
        .config
        .preferences
        .max_idle_lock_secs
        .map_or(60, |s| s / 60)
        .min(60);
    if !(1..=max_minutes).contains(&u64::from(prefs.idle_lock_minutes)) {
        return Err(PreferencesError::Invalid(format!(
            "Choose an idle lock from 1 to {max_minutes} minutes."
        )));
    }
    if let Some(max) = layered.config.preferences.max_log_level {
        if layers::rank(prefs.log_level) > layers::rank(max) {
            return Err(PreferencesError::Invalid(format!(
                "Your organisation allows log detail up to \"{}\".",
                max.as_str()
            )));
        }
    }
    let current = Preferences::of(&layered.config);
    let changed = |key: &str| match key {
        "vandm.format" => prefs.format != current.format,
        "session.idle_lock_secs" => prefs.idle_lock_minutes != current.idle_lock_minutes,
        _ => prefs.log_level != current.log_level,
    };
    if let Some(key) = PREFERENCE_KEYS
        .iter()
        .find(|k| layered.is_locked(k) && changed(k))
    {
        return Err(PreferencesError::Invalid(format!(
            "{} is set by your organisation and cannot be changed here.",
            label(key)
        )));
    }
    let path = layered
        .preferences_file
        .clone()
        .ok_or_else(|| PreferencesError::Write("no folder is known for your settings".into()))?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "# Your own V&M Check settings (Settings saves them here). Everything else is your\n# organisation's configuration.\n".to_owned()
        }
        Err(e) => {
            return Err(PreferencesError::Config(ConfigError::Unreadable {
                path: path.display().to_string(),
                problem: e.to_string(),
            }))
        }
    };
    let mut doc: toml_edit::Document = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ConfigError::Syntax(e.to_string()))?;
    let table = |doc: &mut toml_edit::Document, name: &str| {
        if !doc.contains_key(name) {
            doc[name] = toml_edit::table();
        }
    };
    if !layered.is_locked("vandm.format") {
        table(&mut doc, "vandm");
        doc["vandm"]["format"] = toml_edit::value(prefs.format.as_param());
    }
    if layered.config.session.is_some() && !layered.is_locked("session.idle_lock_secs") {
        table(&mut doc, "session");
        doc["session"]["idle_lock_secs"] =
            toml_edit::value(i64::from(prefs.idle_lock_minutes) * 60);
    }
    if !layered.is_locked("log.level") {
        table(&mut doc, "log");
        doc["log"]["level"] = toml_edit::value(level_name(prefs.log_level));
    }
    let edited = doc.to_string();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| PreferencesError::Write(e.to_string()))?;
    }
    let tmp = path.with_extension("toml.saving");
    std::fs::write(&tmp, edited.as_bytes()).map_err(|e| PreferencesError::Write(e.to_string()))?;
    // The whole configuration must still load with the new file; else the old one stays.
    let mut trial = layered.requested.clone();
    trial.preferences = Some(tmp.clone());
    if let Err(e) = layers::load(&trial) {
        let _ = std::fs::remove_file(&tmp);
        return Err(match e {
            LoadError::Config(c) => PreferencesError::Config(c),
            other => PreferencesError::Write(other.to_string()),
        });
    }
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        PreferencesError::Write(e.to_string())
    })?;
    layers::load(&layered.requested).map_err(|e| match e {
        LoadError::Config(c) => PreferencesError::Config(c),
        other => PreferencesError::Write(other.to_string()),
    })
}

/// A preference as users read it.
fn label(key: &str) -> &'static str {
    match key {
        "vandm.format" => "The response format",
        "session.idle_lock_secs" => "The idle lock",
        _ => "The log detail",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::layers::{load, Layer, LayerFiles};
    use std::path::Path;

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

    /// The administrator's file (with `extra` appended) and a preferences path in `dir`.
    fn layers(dir: &Path, extra: &str) -> Layered {
        std::fs::write(dir.join("system.toml"), format!("{FILE}{extra}")).expect("write");
        load(&LayerFiles {
            system: Some(dir.join("system.toml")),
            preferences: Some(dir.join("user/preferences.toml")),
            file: None,
        })
        .expect("valid")
    }

    fn prefs(format: WireFormat, idle: u32, level: Level) -> Preferences {
        Preferences {
            format,
            idle_lock_minutes: idle,
            log_level: level,
            locked: Vec::new(),
            max_idle_lock_minutes: None,
            max_log_level: None,
        }
    }

    #[test]
    fn saves_into_the_users_file_and_never_the_administrators() {
        let dir = tempfile::tempdir().expect("tmp");
        let before = layers(dir.path(), "");
        assert_eq!(
            Preferences::of(&before.config),
            prefs(WireFormat::Json, 15, Level::Info)
        );
        let wanted = prefs(WireFormat::Xml, 5, Level::Debug);
        let saved = save(&before, &wanted).expect("saved");
        assert_eq!(Preferences::of(&saved.config), wanted);
        assert_eq!(saved.source("vandm.format"), Layer::Preferences);
        assert_eq!(saved.source("session.idle_lock_secs"), Layer::Preferences);
        assert_eq!(saved.source("organisation.ods_code"), Layer::System);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("system.toml")).expect("read"),
            FILE,
            "the administrator's file is untouched"
        );
        // A comment the user added survives the next save.
        let path = dir.path().join("user/preferences.toml");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("# mine\n{text}")).expect("write");
        let again = save(&saved, &prefs(WireFormat::Json, 5, Level::Debug)).expect("saved");
        assert_eq!(again.config.vandm.format, WireFormat::Json);
        assert!(std::fs::read_to_string(&path)
            .expect("read")
            .starts_with("# mine"));
        assert!(!dir.path().join("user/preferences.toml.saving").exists());
    }

    #[test]
    fn out_of_range_values_leave_the_files_alone() {
        let dir = tempfile::tempdir().expect("tmp");
        let layered = layers(dir.path(), "");
        for idle in [0, 61] {
            let err = save(&layered, &prefs(WireFormat::Xml, idle, Level::Info));
            assert!(matches!(err, Err(PreferencesError::Invalid(_))), "{idle}");
        }
        assert!(!dir.path().join("user/preferences.toml").exists());
    }

    #[test]
    fn the_administrators_locks_and_bounds_hold() {
        let dir = tempfile::tempdir().expect("tmp");
        let layered = layers(
            dir.path(),
            "\n[preferences]\nlocked = [\"vandm.format\"]\nmax_idle_lock_secs = 600\nmax_log_level = \"info\"\n",
        );
        let shown = Preferences::of(&layered.config);
        assert_eq!(shown.locked, vec!["vandm.format".to_owned()]);
        assert_eq!(shown.max_idle_lock_minutes, Some(10));
        assert_eq!(shown.max_log_level, Some(Level::Info));
        for (wanted, says) in [
            (prefs(WireFormat::Xml, 5, Level::Info), "response format"),
            (prefs(WireFormat::Json, 11, Level::Info), "1 to 10 minutes"),
            (prefs(WireFormat::Json, 5, Level::Debug), "up to \"info\""),
        ] {
            match save(&layered, &wanted) {
                Err(PreferencesError::Invalid(m)) => assert!(m.contains(says), "{m}"),
                other => panic!("{wanted:?} should be refused: {other:?}"),
            }
        }
        assert!(!dir.path().join("user/preferences.toml").exists());
        // Within bounds, the locked format unchanged: saved, and the lock is not written.
        let saved = save(&layered, &prefs(WireFormat::Json, 10, Level::Warn)).expect("saved");
        assert_eq!(saved.config.log.level, Level::Warn);
        let text = std::fs::read_to_string(dir.path().join("user/preferences.toml")).expect("r");
        assert!(!text.contains("format"), "{text}");
    }
}
