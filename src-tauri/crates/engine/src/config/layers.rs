//! The configuration as managed desktops expect it: layers, lowest to highest precedence —
//! built-in defaults → the administrator's `/etc/vmcheck/config.toml` → the user's own
//! `$XDG_CONFIG_HOME/vmcheck/preferences.toml` → the file named with `--config` (or
//! `$VMCHECK_CONFIG`, or the user's `~/.config/vmcheck/config.toml` on a desk without an
//! administrator's file).
//!
//! The user's preferences file may hold only the preferences ([`PREFERENCE_KEYS`]: the V&M
//! response format, the idle lock, the log detail); anything else there is an error naming the
//! key. The administrator bounds them in `[preferences]` (`max_idle_lock_secs`,
//! `max_log_level`) and may lock any of them (`locked = ["vandm.format"]`): a locked value from
//! the administrator's file stands whatever a higher layer says, and a preference past a
//! bound is ignored. What was ignored, and every value's source, is kept for
//! `vmcheck config show` and the desktop's Settings.
//!
//! Relative paths are resolved against the folder of the file that set them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Config, ConfigError};
use crate::logging::Level;

/// The administrator's configuration file.
pub const SYSTEM_FILE: &str = "/etc/vmcheck/config.toml";

/// The keys a user may set in their preferences file.
pub const PREFERENCE_KEYS: [&str; 3] = ["vandm.format", "session.idle_lock_secs", "log.level"];

/// Keys holding file paths, resolved against their own file's folder.
const PATH_KEYS: [&str; 13] = [
    "tls.ca_bundle",
    "tls.client_certificate",
    "tls.key_file",
    "pds.auth.key_file",
    "sds.ca_bundle",
    "care_connect.ca_bundle",
    "audit_jwt.key_file",
    "audit.path",
    "audit.key_file",
    "audit.checkpoint_path",
    "log.dir",
    "worklist.path",
    "audit.central.ca_bundle",
];

/// Which layer a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Built into V&M Check.
    Default,
    /// The administrator's file.
    System,
    /// The user's preferences file.
    Preferences,
    /// The file named for this run (`--config`, `$VMCHECK_CONFIG`, the user's config file).
    File,
}

/// The files to read (each may be absent, except a `--config` file, which must exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerFiles {
    /// The administrator's file (normally [`SYSTEM_FILE`]).
    pub system: Option<PathBuf>,
    /// The user's preferences file.
    pub preferences: Option<PathBuf>,
    /// The file named for this run.
    pub file: Option<PathBuf>,
}

impl LayerFiles {
    /// The standard places: [`SYSTEM_FILE`], the user's preferences file, and `file` — or when
    /// none is named, `$VMCHECK_CONFIG`, else the user's `config.toml` if it exists.
    pub fn standard(file: Option<PathBuf>) -> Self {
        let file = file.or_else(|| {
            if let Some(p) = std::env::var_os("VMCHECK_CONFIG") {
                return Some(PathBuf::from(p));
            }
            super::paths::default_path().filter(|p| p.exists())
        });
        Self {
            system: Some(PathBuf::from(SYSTEM_FILE)),
            preferences: preferences_path(),
            file,
        }
    }

    fn path(&self, layer: Layer) -> Option<&Path> {
        match layer {
            Layer::Default => None,
            Layer::System => self.system.as_deref(),
            Layer::Preferences => self.preferences.as_deref(),
            Layer::File => self.file.as_deref(),
        }
    }
}

/// The user's preferences file: `$XDG_CONFIG_HOME/vmcheck/preferences.toml`, else
/// `~/.config/vmcheck/preferences.toml`.
pub fn preferences_path() -> Option<PathBuf> {
    super::paths::config_home().map(|d| d.join("vmcheck").join("preferences.toml"))
}

/// A value a layer set that does not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    /// The dotted key.
    pub key: String,
    /// The layer whose value was ignored.
    pub layer: Layer,
    /// Why.
    pub reason: String,
}

/// The effective configuration and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Layered {
    /// The configuration in force.
    pub config: Config,
    /// The layer of each value set by a file (dotted keys; an array is one value).
    pub sources: BTreeMap<String, Layer>,
    /// Values that did not apply.
    pub ignored: Vec<Ignored>,
    /// The files read (those that existed).
    pub files: LayerFiles,
    /// The preferences file, where Settings saves (read or not).
    pub preferences_file: Option<PathBuf>,
    /// The files asked for (to read the layers again after a save).
    pub requested: LayerFiles,
}

impl Layered {
    /// The layer that set a dotted key (a value, or an array set whole), else the default.
    pub fn source(&self, key: &str) -> Layer {
        self.sources.get(key).copied().unwrap_or(Layer::Default)
    }

    /// Where a layer's values came from, as people read it.
    pub fn describe(&self, layer: Layer) -> String {
        match (layer, self.files.path(layer)) {
            (Layer::Default, _) => "built-in default".to_owned(),
            (Layer::System, Some(p)) => format!("{} (administrator)", p.display()),
            (Layer::Preferences, Some(p)) => format!("{} (your preferences)", p.display()),
            (Layer::File, Some(p)) => p.display().to_string(),
            (_, None) => "unknown".to_owned(),
        }
    }

    /// Whether the administrator locked this preference.
    pub fn is_locked(&self, key: &str) -> bool {
        self.config.preferences.locked.iter().any(|k| k == key)
    }

    /// The effective configuration as dotted keys and values, each with its layer.
    pub fn entries(&self) -> Vec<(String, toml::Value, Layer)> {
        let mut out = Vec::new();
        if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&self.config) {
            flatten("", &t, &mut out);
        }
        out.into_iter()
            .map(|(k, v)| {
                let layer = self.source(&k);
                (k, v, layer)
            })
            .collect()
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) if !t.is_empty() => flatten(&key, t, out),
            other => out.push((key, other.clone())),
        }
    }
}

/// Reads the layers in `files` and merges them. At least the administrator's file or a run's
/// file must exist; a named run file that does not is an error, as is a preferences file
/// holding anything but preferences.
pub fn load(files: &LayerFiles) -> Result<Layered, LoadError> {
    let read = |path: Option<&Path>, must: bool| -> Result<Option<toml::Table>, LoadError> {
        let Some(path) = path else { return Ok(None) };
        if !path.exists() {
            return if must {
                Err(LoadError::NoFile(path.to_path_buf()))
            } else {
                Ok(None)
            };
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            LoadError::Config(ConfigError::Unreadable {
                path: path.display().to_string(),
                problem: e.to_string(),
            })
        })?;
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            LoadError::Config(ConfigError::Syntax(format!(
                "{}: {}",
                path.display(),
                e.to_string().trim()
            )))
        })?;
        if let Some(dir) = path.parent() {
            resolve_paths(&mut table, dir);
        }
        Ok(Some(table))
    };
    let system = read(files.system.as_deref(), false)?;
    let preferences = read(files.preferences.as_deref(), false)?;
    let file = read(files.file.as_deref(), true)?;
    if system.is_none() && file.is_none() {
        return Err(match (&files.file, &files.system) {
            (Some(f), _) => LoadError::NoFile(f.clone()),
            (None, Some(s)) => LoadError::NoFile(s.clone()),
            (None, None) => LoadError::NoFolder,
        });
    }
    if let (Some(prefs), Some(path)) = (&preferences, &files.preferences) {
        check_only_preferences(prefs, path)?;
    }
    let found = LayerFiles {
        system: files.system.clone().filter(|_| system.is_some()),
        preferences: files.preferences.clone().filter(|_| preferences.is_some()),
        file: files.file.clone().filter(|_| file.is_some()),
    };
    // One file alone (a desk without an administrator's file or preferences): read as it is,
    // with its own messages (line and column of a mistake).
    if let (None, None, Some(table), Some(path)) = (&system, &preferences, &file, &found.file) {
        let config = Config::load(path)?;
        let mut sources = BTreeMap::new();
        merge(
            &mut toml::Table::new(),
            table,
            "",
            Layer::File,
            &mut sources,
        );
        return Ok(Layered {
            config,
            sources,
            ignored: Vec::new(),
            files: found,
            preferences_file: files.preferences.clone(),
            requested: files.clone(),
        });
    }

    let mut merged = toml::Table::new();
    let mut sources = BTreeMap::new();
    if let Some(t) = &system {
        merge(&mut merged, t, "", Layer::System, &mut sources);
    }
    // The administrator's policy; on a desk without one, the run's own file's.
    let policy = match (&system, &file) {
        (None, Some(f)) => Policy::of(f),
        _ => Policy::of(&merged),
    };
    let mut ignored = Vec::new();
    let has_session =
        merged.contains_key("session") || file.as_ref().is_some_and(|f| f.contains_key("session"));
    if let Some(prefs) = &preferences {
        for key in PREFERENCE_KEYS {
            let Some(value) = get(prefs, key) else {
                continue;
            };
            if let Some(reason) = policy.refuses(key, value, has_session) {
                ignored.push(Ignored {
                    key: key.to_owned(),
                    layer: Layer::Preferences,
                    reason,
                });
                continue;
            }
            set(&mut merged, key, value.clone());
            sources.insert(key.to_owned(), Layer::Preferences);
        }
    }
    if let Some(t) = &file {
        // Locked values stand: take them out of the run's file before merging it.
        let mut t = t.clone();
        for key in &policy.locked {
            if get(&t, key).is_some() {
                remove(&mut t, key);
                ignored.push(Ignored {
                    key: key.clone(),
                    layer: Layer::File,
                    reason: "locked by the administrator".to_owned(),
                });
            }
        }
        merge(&mut merged, &t, "", Layer::File, &mut sources);
    }
    let config: Config = toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| {
            LoadError::Config(ConfigError::Syntax(e.to_string().trim().to_owned()))
        })?;
    config.validate().map_err(LoadError::Config)?;
    Ok(Layered {
        config,
        sources,
        ignored,
        files: found,
        preferences_file: files.preferences.clone(),
        requested: files.clone(),
    })
}

/// Why the layers could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file that must exist does not.
    #[error("no configuration file at {}", .0.display())]
    NoFile(PathBuf),
    /// No home folder, and no file named.
    #[error("no configuration file is named and no home folder is known")]
    NoFolder,
    /// A file is unreadable or invalid, or the merged configuration is.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The administrator's `[preferences]` as it applies to the user's file.
struct Policy {
    locked: Vec<String>,
    max_idle_lock_secs: Option<i64>,
    max_log_level: Option<Level>,
}

impl Policy {
    fn of(system: &toml::Table) -> Self {
        let p = system.get("preferences").and_then(toml::Value::as_table);
        Self {
            locked: p
                .and_then(|p| p.get("locked"))
                .and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            max_idle_lock_secs: p
                .and_then(|p| p.get("max_idle_lock_secs"))
                .and_then(toml::Value::as_integer),
            max_log_level: p
                .and_then(|p| p.get("max_log_level"))
                .and_then(|v| v.clone().try_into().ok()),
        }
    }

    /// Why the user's `value` for `key` does not apply, if it does not.
    fn refuses(&self, key: &str, value: &toml::Value, has_session: bool) -> Option<String> {
        if self.locked.iter().any(|k| k == key) {
            return Some("locked by the administrator".to_owned());
        }
        match key {
            "session.idle_lock_secs" => {
                if !has_session {
                    return Some("this installation has no smartcard sign-in".to_owned());
                }
                match (value.as_integer(), self.max_idle_lock_secs) {
                    (Some(v), Some(max)) if v > max => Some(format!(
                        "longer than the administrator's maximum ({max} seconds)"
                    )),
                    _ => None,
                }
            }
            "log.level" => {
                let wanted: Option<Level> = value.clone().try_into().ok();
                match (wanted, self.max_log_level) {
                    (Some(w), Some(max)) if rank(w) > rank(max) => Some(format!(
                        "more detailed than the administrator allows ({})",
                        max.as_str()
                    )),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Log levels from the least to the most detailed.
pub fn rank(level: Level) -> u8 {
    match level {
        Level::Error => 0,
        Level::Warn => 1,
        Level::Info => 2,
        Level::Debug => 3,
        Level::Trace => 4,
    }
}

fn check_only_preferences(prefs: &toml::Table, path: &Path) -> Result<(), LoadError> {
    let mut keys = Vec::new();
    flatten("", prefs, &mut keys);
    for (key, _) in keys {
        if !PREFERENCE_KEYS.contains(&key.as_str()) {
            return Err(LoadError::Config(ConfigError::Syntax(format!(
                "{}: `{key}` is not a preference (only {} can be set here; everything else is the administrator's)",
                path.display(),
                PREFERENCE_KEYS.join(", ")
            ))));
        }
    }
    Ok(())
}

/// Merges `upper` into `lower`, recording the layer of every key `upper` sets.
fn merge(
    lower: &mut toml::Table,
    upper: &toml::Table,
    prefix: &str,
    layer: Layer,
    sources: &mut BTreeMap<String, Layer>,
) {
    for (k, v) in upper {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (lower.get_mut(k), v) {
            (Some(toml::Value::Table(l)), toml::Value::Table(u)) => {
                merge(l, u, &key, layer, sources);
            }
            (_, toml::Value::Table(u)) => {
                let mut fresh = toml::Table::new();
                merge(&mut fresh, u, &key, layer, sources);
                lower.insert(k.clone(), toml::Value::Table(fresh));
            }
            _ => {
                lower.insert(k.clone(), v.clone());
                sources.insert(key, layer);
            }
        }
    }
}

fn get<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for p in parts {
        value = value.as_table()?.get(p)?;
    }
    Some(value)
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let mut t = table;
    for p in &parts[..parts.len() - 1] {
        let entry = t
            .entry((*p).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let Some(next) = entry.as_table_mut() else {
            return;
        };
        t = next;
    }
    t.insert(parts[parts.len() - 1].to_owned(), value);
}

fn remove(table: &mut toml::Table, key: &str) {
    let parts: Vec<&str> = key.split('.').collect();
    let mut t = table;
    for p in &parts[..parts.len() - 1] {
        let Some(next) = t.get_mut(*p).and_then(toml::Value::as_table_mut) else {
            return;
        };
        t = next;
    }
    t.remove(parts[parts.len() - 1]);
}

/// Makes the relative paths of one file's table absolute against its folder.
fn resolve_paths(table: &mut toml::Table, dir: &Path) {
    for key in PATH_KEYS {
        let Some(toml::Value::String(s)) = get(table, key) else {
            continue;
        };
        if s.is_empty() || Path::new(s).is_absolute() {
            continue;
        }
        let absolute = dir.join(s).display().to_string();
        set(table, key, toml::Value::String(absolute));
    }
}
