//! A throw-away PostgreSQL server for tests (feature `testing`): Debian's server binaries run by
//! `tests/postgres/pg.sh` in a temporary folder, on a free loopback port, with TLS (a test CA,
//! [`Pg::ca_file`]) and the `vmcheck_audit` database created; stopped when dropped.

use std::path::PathBuf;
use std::process::Command;

/// The script.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/postgres/pg.sh");

/// A running test server.
pub struct Pg {
    _root: tempfile::TempDir,
    dir: PathBuf,
    port: u16,
}

fn pg_sh(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new("bash")
        .arg(SCRIPT)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run tests/postgres/pg.sh");
    assert!(
        out.status.success(),
        "pg.sh {}: {}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Pg {
    /// Starts a server whose superuser `vmcheck` signs in over TCP with `password` (SCRAM), or
    /// without one (`None`: trusted, for tests of programs that would take it from a keyring).
    pub fn start(password: Option<&str>) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        // The server runs as `postgres` when the tests run as root: it must reach its folder.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o711))
                .expect("chmod");
        }
        let pg = Self {
            dir: root.path().join("pg"),
            _root: root,
            port: free_port(),
        };
        let auth = if password.is_some() {
            "scram-sha-256"
        } else {
            "trust"
        };
        pg_sh(
            &["init", pg.dir(), password.unwrap_or("unused")],
            &[("PG_HOST_AUTH", auth)],
        );
        pg.up();
        pg.sql("postgres", "CREATE DATABASE vmcheck_audit");
        pg
    }

    fn dir(&self) -> &str {
        self.dir.to_str().expect("a UTF-8 temporary path")
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test CA's certificate (PEM), which the server's certificate chains to.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Starts the server (again).
    pub fn up(&self) {
        pg_sh(&["start", self.dir(), &self.port.to_string()], &[]);
    }

    /// Stops it (a fast shutdown).
    pub fn stop(&self) {
        pg_sh(&["stop", self.dir()], &[]);
    }

    /// Kills it with SIGKILL (a crash).
    pub fn kill(&self) {
        pg_sh(&["kill", self.dir()], &[]);
    }

    /// Runs `sql` in database `db` as the superuser; its output, unaligned.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        pg_sh(&["sql", self.dir(), &self.port.to_string(), db, sql], &[])
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .args(["stop", self.dir()])
            .output();
    }
}
