//! The ring provider signs and verifies RS256/RS384/RS512 JWTs that jsonwebtoken accepts, and
//! refuses a wrong key, a tampered token and other algorithms.

use std::process::Command;

use serde_json::{json, Value};
use vmcheck_jws::jsonwebtoken::{self, Algorithm, DecodingKey, EncodingKey, Header, Validation};

struct Pair {
    private_pem: Vec<u8>,
    public_pem: Vec<u8>,
}

fn openssl(args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(input) = input {
        stdin.write_all(input).expect("write");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("openssl output");
    assert!(out.status.success(), "openssl {args:?}");
    out.stdout
}

fn pair() -> Pair {
    let private_pem = openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ],
        None,
    );
    let public_pem = openssl(&["pkey", "-pubout"], Some(&private_pem));
    Pair {
        private_pem,
        public_pem,
    }
}

fn claims() -> Value {
    json!({"iss": "k", "sub": "k", "aud": "https://t/token", "exp": 4_000_000_000u64})
}

fn validation(alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.set_audience(&["https://t/token"]);
    v
}

#[test]
fn signs_and_verifies_each_rsa_algorithm_with_pkcs8_and_spki_pem() {
    let p = pair();
    let key = EncodingKey::from_rsa_pem(&p.private_pem).expect("private pem");
    let public = DecodingKey::from_rsa_pem(&p.public_pem).expect("public pem");
    for alg in [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512] {
        let mut header = Header::new(alg);
        header.kid = Some("test-1".into());
        let token = vmcheck_jws::encode(&header, &claims(), &key).expect("signs");
        let data = vmcheck_jws::decode::<Value>(&token, &public, &validation(alg))
            .expect("verifies with the right key");
        assert_eq!(data.claims["iss"], "k");
        assert_eq!(data.header.kid.as_deref(), Some("test-1"));
    }
}

#[test]
fn pkcs1_pem_keys_work_too() {
    let p = pair();
    let rsa_private = openssl(&["pkey", "-traditional"], Some(&p.private_pem));
    assert!(String::from_utf8_lossy(&rsa_private).contains("BEGIN RSA PRIVATE KEY"));
    let rsa_public = openssl(&["rsa", "-pubin", "-RSAPublicKey_out"], Some(&p.public_pem));
    let key = EncodingKey::from_rsa_pem(&rsa_private).expect("pkcs1 private");
    let public = DecodingKey::from_rsa_pem(&rsa_public).expect("pkcs1 public");
    let token =
        vmcheck_jws::encode(&Header::new(Algorithm::RS512), &claims(), &key).expect("signs");
    vmcheck_jws::decode::<Value>(&token, &public, &validation(Algorithm::RS512)).expect("verifies");
}

#[test]
fn a_wrong_key_or_a_tampered_token_is_refused() {
    let (a, b) = (pair(), pair());
    let key = EncodingKey::from_rsa_pem(&a.private_pem).expect("pem");
    let token =
        vmcheck_jws::encode(&Header::new(Algorithm::RS512), &claims(), &key).expect("signs");
    let other = DecodingKey::from_rsa_pem(&b.public_pem).expect("pem");
    let err = vmcheck_jws::decode::<Value>(&token, &other, &validation(Algorithm::RS512))
        .expect_err("wrong key");
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidSignature
    );
    let right = DecodingKey::from_rsa_pem(&a.public_pem).expect("pem");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert!(
        vmcheck_jws::decode::<Value>(&parts.join("."), &right, &validation(Algorithm::RS512))
            .is_err()
    );
    // RS256 token checked as RS512: refused (the algorithm is pinned).
    let rs256 =
        vmcheck_jws::encode(&Header::new(Algorithm::RS256), &claims(), &key).expect("signs");
    assert!(vmcheck_jws::decode::<Value>(&rs256, &right, &validation(Algorithm::RS512)).is_err());
}

#[test]
fn other_algorithms_are_refused() {
    let key = EncodingKey::from_secret(b"secret");
    let err = vmcheck_jws::encode(&Header::new(Algorithm::HS256), &claims(), &key)
        .expect_err("HS256 is not provided");
    assert_eq!(
        *err.kind(),
        jsonwebtoken::errors::ErrorKind::InvalidAlgorithm
    );
}
