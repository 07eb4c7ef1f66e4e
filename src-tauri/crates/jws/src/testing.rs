//! Test support (feature `testing`): RSA key pairs made at test time with the `openssl` command
//! (Debian package `openssl`, installed by `scripts/setup.sh`). Nothing here is for production.

use std::io::Write;
use std::process::{Command, Stdio};

/// A fresh 2048-bit RSA key pair in PEM.
#[derive(Clone)]
pub struct TestKeyPair {
    /// PKCS#8 `PRIVATE KEY` PEM.
    pub private_pem: Vec<u8>,
    /// SPKI `PUBLIC KEY` PEM.
    pub public_pem: Vec<u8>,
}

impl std::fmt::Debug for TestKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestKeyPair(***)")
    }
}

/// Makes a key pair with `openssl genpkey` / `openssl pkey -pubout`. Panics when `openssl` is
/// missing or fails (tests only).
pub fn rsa_key_pair() -> TestKeyPair {
    let private = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .stderr(Stdio::null())
        .output()
        .expect("run openssl genpkey (apt install openssl)");
    assert!(private.status.success(), "openssl genpkey failed");
    let mut child = Command::new("openssl")
        .args(["pkey", "-pubout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run openssl pkey");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&private.stdout)
        .expect("write the private key to openssl pkey");
    let public = child.wait_with_output().expect("openssl pkey output");
    assert!(public.status.success(), "openssl pkey -pubout failed");
    TestKeyPair {
        private_pem: private.stdout,
        public_pem: public.stdout,
    }
}
