//! The configuration's layers as a managed desktop has them: built-in defaults → the
//! administrator's file → the user's preferences → a `--config` file; locks and bounds that hold
//! against every higher layer; a preferences file that can hold only preferences; each value's
//! source; relative paths against their own file's folder.

use std::path::Path;

use vmcheck_core::fhir::WireFormat;
use vmcheck_engine::config::layers::{load, Layer, LayerFiles, LoadError};
use vmcheck_engine::logging::Level;

const ADMIN: &str = r#"environment = "sandbox"

[organisation]
ods_code = "RRK99"
name = "Training"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"

[pds]
base_url = "http://127.0.0.1:1/personal-demographics/FHIR/R4"

[sds]
ldap_url = "ldap://127.0.0.1:2"

[session]
card = "training"

[audit]
path = "logs/audit.sqlite"
"#;

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new(admin_extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::write(
            dir.path().join("etc/config.toml"),
            format!("{ADMIN}{admin_extra}"),
        )
        .expect("write");
        Self { dir }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    fn prefs(&self, text: &str) {
        std::fs::write(self.path("home/preferences.toml"), text).expect("write");
    }

    fn script(&self, text: &str) -> std::path::PathBuf {
        let p = self.path("script/run.toml");
        std::fs::create_dir_all(p.parent().expect("dir")).expect("dir");
        std::fs::write(&p, text).expect("write");
        p
    }

    fn files(&self, file: Option<std::path::PathBuf>) -> LayerFiles {
        LayerFiles {
            system: Some(self.path("etc/config.toml")),
            preferences: Some(self.path("home/preferences.toml")),
            file,
        }
    }
}

#[test]
fn each_layer_overrides_the_one_below_and_says_so() {
    let desk = Desk::new("");
    // The administrator's file alone.
    let l = load(&desk.files(None)).expect("valid");
    assert_eq!(l.config.vandm.format, WireFormat::Json);
    assert_eq!(l.source("vandm.format"), Layer::Default);
    assert_eq!(l.source("organisation.ods_code"), Layer::System);
    assert_eq!(
        l.source("pds.timeout_secs"),
        Layer::Default,
        "not set by the file"
    );
    // The user's preferences over it.
    desk.prefs("[vandm]\nformat = \"xml\"\n[log]\nlevel = \"debug\"\n");
    let l = load(&desk.files(None)).expect("valid");
    assert_eq!(l.config.vandm.format, WireFormat::Xml);
    assert_eq!(l.config.log.level, Level::Debug);
    assert_eq!(l.source("vandm.format"), Layer::Preferences);
    // A script's file over both.
    let script = desk.script("[vandm]\nformat = \"json\"\ntimeout_secs = 7\n");
    let l = load(&desk.files(Some(script))).expect("valid");
    assert_eq!(l.config.vandm.format, WireFormat::Json);
    assert_eq!(l.config.vandm.timeout_secs, 7);
    assert_eq!(l.source("vandm.format"), Layer::File);
    assert_eq!(l.source("log.level"), Layer::Preferences);
    assert!(l.describe(Layer::System).ends_with("(administrator)"));
    assert!(l
        .describe(Layer::Preferences)
        .ends_with("(your preferences)"));
    // Every effective value is listed with its source.
    let entries = l.entries();
    let find = |k: &str| {
        entries
            .iter()
            .find(|(key, ..)| key == k)
            .map(|(_, v, l)| (v.clone(), *l))
    };
    assert_eq!(
        find("organisation.ods_code"),
        Some((toml::Value::String("RRK99".into()), Layer::System))
    );
    assert_eq!(
        find("vandm.timeout_secs").map(|(_, l)| l),
        Some(Layer::File)
    );
    assert_eq!(
        find("worklist.concurrency").map(|(_, l)| l),
        Some(Layer::Default)
    );
}

#[test]
fn a_locked_value_stands_against_preferences_and_scripts() {
    let desk = Desk::new(
        "\n[vandm]\nformat = \"xml\"\n\n[preferences]\nlocked = [\"vandm.format\", \"log.level\"]\nmax_idle_lock_secs = 300\n",
    );
    desk.prefs(
        "[vandm]\nformat = \"json\"\n[session]\nidle_lock_secs = 3600\n[log]\nlevel = \"trace\"\n",
    );
    let script = desk.script("[vandm]\nformat = \"json\"\n");
    let l = load(&desk.files(Some(script))).expect("valid");
    assert_eq!(l.config.vandm.format, WireFormat::Xml, "the lock holds");
    assert_eq!(l.source("vandm.format"), Layer::System);
    assert_eq!(
        l.config.log.level,
        Level::Info,
        "the lock holds for the default too"
    );
    assert_eq!(
        l.config.session.as_ref().and_then(|s| s.idle_lock_secs),
        None,
        "past the administrator's maximum: ignored"
    );
    let ignored: Vec<(&str, Layer)> = l
        .ignored
        .iter()
        .map(|i| (i.key.as_str(), i.layer))
        .collect();
    assert!(
        ignored.contains(&("vandm.format", Layer::Preferences)),
        "{ignored:?}"
    );
    assert!(
        ignored.contains(&("vandm.format", Layer::File)),
        "{ignored:?}"
    );
    assert!(
        ignored.contains(&("session.idle_lock_secs", Layer::Preferences)),
        "{ignored:?}"
    );
    assert!(
        ignored.contains(&("log.level", Layer::Preferences)),
        "{ignored:?}"
    );
    assert!(l.is_locked("vandm.format"));
}

#[test]
fn a_preferences_file_holds_preferences_only() {
    let desk = Desk::new("");
    desk.prefs("[pds]\nbase_url = \"http://elsewhere.invalid/\"\n");
    match load(&desk.files(None)) {
        Err(LoadError::Config(e)) => {
            let m = e.to_string();
            assert!(m.contains("`pds.base_url` is not a preference"), "{m}");
            assert!(m.contains("preferences.toml"), "{m}");
        }
        other => panic!("refused: {other:?}"),
    }
    // An idle lock where the administrator configured no smartcard sign-in does not create one.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("system.toml"),
        ADMIN.replace("[session]\ncard = \"training\"\n", ""),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("prefs.toml"),
        "[session]\nidle_lock_secs = 300\n",
    )
    .expect("w");
    let l = load(&LayerFiles {
        system: Some(dir.path().join("system.toml")),
        preferences: Some(dir.path().join("prefs.toml")),
        file: None,
    })
    .expect("valid");
    assert!(l.config.session.is_none());
    assert_eq!(l.ignored.len(), 1);
}

#[test]
fn relative_paths_belong_to_their_own_file() {
    let desk = Desk::new("");
    let l = load(&desk.files(None)).expect("valid");
    assert_eq!(
        l.config.audit.path,
        Some(desk.path("etc/logs/audit.sqlite"))
    );
    let script =
        desk.script("[audit]\npath = \"here.sqlite\"\n[worklist]\npath = \"jobs.sqlite\"\n");
    let l = load(&desk.files(Some(script))).expect("valid");
    assert_eq!(l.config.audit.path, Some(desk.path("script/here.sqlite")));
    assert_eq!(
        l.config.worklist.path,
        Some(desk.path("script/jobs.sqlite"))
    );
}

#[test]
fn without_an_administrators_file_one_file_reads_as_before() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("config.toml");
    std::fs::write(&file, ADMIN).expect("write");
    let files = LayerFiles {
        system: Some(dir.path().join("absent.toml")),
        preferences: Some(dir.path().join("absent-prefs.toml")),
        file: Some(file.clone()),
    };
    let l = load(&files).expect("valid");
    let alone = vmcheck_engine::Config::load(&file).expect("valid");
    assert_eq!(
        toml::Value::try_from(&l.config).expect("toml"),
        toml::Value::try_from(&alone).expect("toml")
    );
    assert_eq!(l.source("pds.base_url"), Layer::File);
    // A mistake keeps its line and column.
    std::fs::write(&file, ADMIN.replace("[pds]", "[pdss]")).expect("write");
    match load(&files) {
        Err(LoadError::Config(e)) => assert!(e.to_string().contains("pdss"), "{e}"),
        other => panic!("refused: {other:?}"),
    }
    // Neither file: no configuration.
    let none = LayerFiles {
        system: Some(Path::new("/nonexistent/etc.toml").to_path_buf()),
        preferences: None,
        file: None,
    };
    assert!(matches!(load(&none), Err(LoadError::NoFile(_))));
    let named_missing = LayerFiles {
        file: Some(dir.path().join("missing.toml")),
        ..files
    };
    assert!(
        matches!(load(&named_missing), Err(LoadError::NoFile(p)) if p.ends_with("missing.toml"))
    );
}
