//! `config_toml`: bytes as UTF-8 → `vmcheck_engine::Config::parse`.
//!
//! Oracle: no panic; a configuration that parses validates.

use vmcheck_engine::preferences::Preferences;
use vmcheck_engine::Config;

/// The configuration target.
pub fn config_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text) else {
        return;
    };
    if let Err(e) = config.validate() {
        panic!("a configuration that parses does not validate: {e}");
    }
    // What start-up derives from a valid configuration must not panic either.
    let _ = config.http.max_body_bytes();
    if let Some(session) = &config.session {
        let _ = session.idle_lock();
        let _ = session.profiles();
    }
    let _ = Preferences::of(&config);
}
