//! Integration tests of the SDS adapter against a real OpenLDAP slapd with the SDS schema.
//!
//! The binary starts one slapd through `tests/ldap/slapd.sh` on free loopback ports, in a
//! directory under Cargo's `CARGO_TARGET_TMPDIR`, loaded with the same entries as the embedded
//! server (`Directory::test_fixtures(..).to_ldif()`), with LDAPS on a second port under a
//! throwaway test CA. All the tests of the binary share it; `slapd.sh` leaves a watcher that
//! stops it as soon as this process has ended (however it ends). Directories of earlier runs are
//! removed when the next run starts; the last one is kept for its logs (`slapd.log`).
//!
//! It runs the shared scenarios of `common/` (the list `sds.rs` runs against the embedded
//! server), then what only a real server can show: LDAPS with the right CA, with none, with
//! another CA and for a name the certificate is not for; `ldapsearch` with the two filters of
//! SPEC-NOTES §6 finding the same ASID, party key and endpoint as the adapter; exactly the
//! sandbox's entries being served; and a slapd that has been stopped.
//!
//! If slapd, ldap-utils or openssl are missing these tests fail, saying to run
//! `scripts/setup.sh`.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{client, fixtures, spine_endpoint, vandm_interactions, SdsServer};
use ldap3::{LdapConnAsync, Scope, SearchEntry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use vmcheck_core::sds::{
    accredited_system_filter, mhs_filter, VANDM_SEARCH_INTERACTION, VANDM_SEARCH_SDS_INTERACTION,
};
use vmcheck_sandbox::directory::SPINE_ODS_CODE;
use vmcheck_spine::sds::{SdsError, TlsProblem};

/// The harness script.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/ldap/slapd.sh");

/// The programs the tests need, and which Debian package has each.
const TOOLS: &[(&str, &str)] = &[
    ("slapd", "slapd"),
    ("slapadd", "slapd"),
    ("ldapsearch", "ldap-utils"),
    ("openssl", "openssl"),
];

/// Fails with the setup instructions unless every tool is installed.
fn require_tools() -> Result<(), String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .collect();
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(tool, _)| !dirs.iter().any(|d| d.join(tool).is_file()))
        .map(|(tool, package)| format!("{tool} (Debian package {package})"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "these tests need OpenLDAP's slapd and tools, and {} missing: run scripts/setup.sh \
             (it installs slapd, ldap-utils and openssl)",
            if missing.len() == 1 {
                format!("{} is", missing[0])
            } else {
                format!("{} are", missing.join(", "))
            }
        ))
    }
}

/// Where instances live: `<CARGO_TARGET_TMPDIR>/sds_slapd/slapd-<pid>-<n>`.
fn instances_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sds_slapd")
}

/// Removes the directories of earlier runs whose test process has ended (their slapd was
/// stopped by the watcher by then).
fn remove_stale_instances() {
    let Ok(dirs) = std::fs::read_dir(instances_root()) else {
        return;
    };
    let me = std::process::id();
    for dir in dirs.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("slapd-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let still_running = dir.path().join("slapd.pid").exists();
        if pid != me && !Path::new(&format!("/proc/{pid}")).exists() && !still_running {
            let _ = std::fs::remove_dir_all(dir.path());
        }
    }
}

/// A free loopback port (free when this returns; slapd binds it a moment later).
fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A slapd started by `slapd.sh` for these tests.
struct Slapd {
    dir: PathBuf,
    url: String,
    ldaps_url: String,
    ca_pem: Vec<u8>,
    /// Whether dropping the value stops slapd (instances owned by one test); the shared
    /// instance is stopped by the script's watcher instead.
    stop_on_drop: bool,
}

impl Slapd {
    /// Starts a slapd holding the fixtures, with LDAPS. `shared`: stopped when this process
    /// ends, rather than when the value is dropped.
    fn start(shared: bool) -> Result<Slapd, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        require_tools()?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = instances_root().join(format!("slapd-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
        std::fs::write(dir.join("data.ldif"), fixtures().to_ldif())
            .map_err(|e| format!("cannot write the data LDIF: {e}"))?;

        let mut last_error = String::new();
        // Another process may take a port between our probe and slapd's bind: try again.
        for _ in 0..3 {
            let (port, ldaps_port) = (
                free_port().map_err(|e| e.to_string())?,
                free_port().map_err(|e| e.to_string())?,
            );
            let mut cmd = Command::new("bash");
            cmd.arg(SCRIPT)
                .arg("start")
                .arg(&dir)
                .args([port.to_string(), ldaps_port.to_string()]);
            if shared {
                cmd.env("SLAPD_STOP_WITH_PID", std::process::id().to_string());
            }
            let out = cmd
                .output()
                .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
            if out.status.success() {
                let ca_pem = std::fs::read(dir.join("tls/ca.pem"))
                    .map_err(|e| format!("no test CA: {e}"))?;
                return Ok(Slapd {
                    url: format!("ldap://127.0.0.1:{port}"),
                    ldaps_url: format!("ldaps://127.0.0.1:{ldaps_port}"),
                    dir,
                    ca_pem,
                    stop_on_drop: !shared,
                });
            }
            last_error = format!(
                "{SCRIPT} start failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(last_error)
    }

    /// Stops slapd (`slapd.sh stop`) and waits for it to exit.
    fn stop(&mut self) -> Result<(), String> {
        self.stop_on_drop = false;
        let out = Command::new("bash")
            .arg(SCRIPT)
            .arg("stop")
            .arg(&self.dir)
            .output()
            .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The `host:port` of the plain LDAP listener.
    fn addr(&self) -> &str {
        self.url.trim_start_matches("ldap://")
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if self.stop_on_drop {
            if let Err(e) = self.stop() {
                eprintln!("could not stop the slapd in {:?}: {e}", self.dir);
            }
        }
    }
}

/// The instance all the tests of this binary share.
fn shared() -> &'static Slapd {
    static SHARED: OnceLock<Result<Slapd, String>> = OnceLock::new();
    let slapd = SHARED.get_or_init(|| {
        remove_stale_instances();
        Slapd::start(true)
    });
    match slapd {
        Ok(slapd) => slapd,
        Err(e) => panic!("{e}"),
    }
}

/// The shared slapd as a scenario server.
#[derive(Clone, Copy)]
struct Shared(&'static Slapd);

async fn server() -> Shared {
    Shared(shared())
}

impl SdsServer for Shared {
    fn url(&self) -> &str {
        &self.0.url
    }

    async fn slow_url(&self, delay: Duration) -> String {
        delaying_proxy(self.0.addr().to_owned(), delay).await
    }

    fn write_refused_code(&self) -> u32 {
        // strongerAuthRequired: "modifications require authentication".
        8
    }
}

sds_scenarios!(server());

/// A TCP proxy to `target` that holds back each reply to a search (its first entry, reference
/// or done message) for `delay`; everything else passes at once. Returns its `ldap://` URL.
async fn delaying_proxy(target: String, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&target).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = async {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    let _ = server_write.shutdown().await;
                };
                let down = relay_delaying_searches(&mut server_read, &mut client_write, delay);
                let _ = tokio::join!(up, down);
            });
        }
    });
    format!("ldap://{addr}")
}

async fn relay_delaying_searches(
    from: &mut OwnedReadHalf,
    to: &mut OwnedWriteHalf,
    delay: Duration,
) -> io::Result<()> {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut in_search_reply = false;
    loop {
        let n = from.read(&mut chunk).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        pending.extend_from_slice(&chunk[..n]);
        while let Some((len, op)) = ldap_message(&pending) {
            // searchResEntry, searchResDone, searchResRef.
            let search_reply = matches!(op, 0x64 | 0x65 | 0x73);
            if search_reply && !in_search_reply {
                tokio::time::sleep(delay).await;
            }
            in_search_reply = search_reply && op != 0x65;
            to.write_all(&pending[..len]).await?;
            pending.drain(..len);
        }
    }
}

/// The length of the complete BER-encoded LDAPMessage at the start of `buf`, and the tag of its
/// protocolOp; `None` until it has all arrived.
fn ldap_message(buf: &[u8]) -> Option<(usize, u8)> {
    fn length(b: &[u8]) -> Option<(usize, usize)> {
        let first = *b.first()?;
        if first < 0x80 {
            return Some((usize::from(first), 1));
        }
        let n = usize::from(first & 0x7f);
        let bytes = b.get(1..=n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        Some((len, 1 + n))
    }
    let (len, header) = length(buf.get(1..)?)?;
    let total = 1 + header + len;
    let content = buf.get(1 + header..total)?;
    let (id_len, id_header) = length(content.get(1..)?)?;
    let op = *content.get(1 + id_header + id_len)?;
    Some((total, op))
}

/// Runs `ldapsearch -x -LLL` under `ou=services,o=nhs` and returns the entries as
/// `(lower-case attribute name → values)` maps (the DN under `dn`).
fn ldapsearch(url: &str, ca_file: Option<&Path>, filter: &str, attrs: &[&str]) -> Vec<Entry> {
    let mut cmd = Command::new("ldapsearch");
    cmd.args(["-x", "-LLL", "-o", "ldif-wrap=no", "-o", "nettimeout=5"])
        .args(["-H", url, "-b", "ou=services,o=nhs", filter])
        .args(attrs);
    if let Some(ca) = ca_file {
        cmd.env("LDAPTLS_CACERT", ca);
    }
    let out = cmd.output().expect("ldapsearch runs");
    assert!(
        out.status.success(),
        "ldapsearch {filter} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .split("\n\n")
        .filter(|record| !record.trim().is_empty())
        .map(|record| {
            let mut entry = Entry::new();
            for line in record.lines() {
                let (name, value) = line.split_once(": ").expect("name: value");
                assert!(!name.ends_with(':'), "unexpected base64 value: {line}");
                entry
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(value.to_owned());
            }
            entry
        })
        .collect()
}

type Entry = BTreeMap<String, Vec<String>>;

fn one<'a>(entry: &'a Entry, name: &str) -> &'a str {
    match entry.get(&name.to_ascii_lowercase()).map(Vec::as_slice) {
        Some([value]) => value,
        other => panic!("expected one {name} in {entry:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn ldapsearch_with_the_spec_filters_finds_what_the_adapter_finds() {
    let slapd = shared();
    let ca_file = slapd.dir.join("tls/ca.pem");
    let mut cases: Vec<(&str, String, &str, Option<&Path>)> = vandm_interactions()
        .into_iter()
        .map(|i| (SPINE_ODS_CODE, i, slapd.url.as_str(), None))
        .collect();
    cases.push(("RR6", VANDM_SEARCH_INTERACTION.into(), &slapd.url, None));
    cases.push((
        SPINE_ODS_CODE,
        VANDM_SEARCH_SDS_INTERACTION.into(),
        &slapd.ldaps_url,
        Some(&ca_file),
    ));
    for (ods, interaction, url, ca) in cases {
        // SPEC-NOTES §6, step 1.
        let as_filter =
            format!("(&(nhsIDCode={ods})(objectClass=nhsAS)(nhsAsSvcIA={interaction}))");
        assert_eq!(as_filter, accredited_system_filter(ods, &interaction));
        let systems = ldapsearch(url, ca, &as_filter, &["uniqueIdentifier", "nhsMhsPartyKey"]);
        assert_eq!(systems.len(), 1, "{as_filter}: {systems:?}");
        let asid = one(&systems[0], "uniqueIdentifier");
        let party_key = one(&systems[0], "nhsMhsPartyKey");

        // Step 2.
        let filter = format!(
            "(&(nhsMhsPartyKey={party_key})(objectClass=nhsMhs)(nhsMhsSvcIA={interaction}))"
        );
        assert_eq!(filter, mhs_filter(party_key, &interaction));
        let mhs = ldapsearch(
            url,
            ca,
            &filter,
            &["nhsMhsEndPoint", "nhsMhsFQDN", "nhsMhsIsAuthenticated"],
        );
        assert_eq!(mhs.len(), 1, "{filter}: {mhs:?}");

        let mut sds = client(url);
        if ca.is_some() {
            sds = sds.with_ca_bundle(&slapd.ca_pem).expect("test CA");
        }
        let found = sds
            .find_endpoint(ods, &interaction)
            .await
            .expect("adapter finds it");
        assert_eq!(
            (asid, party_key, one(&mhs[0], "nhsMhsEndPoint")),
            (
                found.asid.as_str(),
                found.party_key.as_str(),
                found.base_url.as_str()
            ),
            "{ods} {interaction} over {url}"
        );
        assert_eq!(Some(one(&mhs[0], "nhsMhsFQDN")), found.fqdn.as_deref());
        assert_eq!(one(&mhs[0], "nhsMhsIsAuthenticated"), "none");
    }
}

#[tokio::test]
async fn slapd_serves_exactly_the_sandbox_entries() {
    let slapd = shared();
    let (conn, mut ldap) = LdapConnAsync::new(&slapd.url).await.expect("connect");
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    let (entries, _) = ldap
        .search("o=nhs", Scope::Subtree, "(objectClass=*)", vec!["*"])
        .await
        .expect("search")
        .success()
        .expect("success");
    let normalise = |attrs: Vec<(String, Vec<String>)>| -> Entry {
        attrs
            .into_iter()
            .map(|(name, mut values)| {
                values.sort_unstable();
                (name.to_ascii_lowercase(), values)
            })
            .collect()
    };
    let mut served: BTreeMap<String, Entry> = entries
        .into_iter()
        .map(|e| {
            let e = SearchEntry::construct(e);
            assert!(e.bin_attrs.is_empty(), "{}", e.dn);
            (
                e.dn.to_ascii_lowercase(),
                normalise(e.attrs.into_iter().collect()),
            )
        })
        .collect();
    let want = fixtures();
    assert_eq!(served.len(), want.entries().len());
    for entry in want.entries() {
        let got = served
            .remove(&entry.dn.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("slapd lacks {}", entry.dn));
        assert_eq!(got, normalise(entry.attrs.clone()), "{}", entry.dn);
    }
    ldap.unbind().await.expect("unbind");
}

#[tokio::test]
async fn ldaps_with_the_test_ca_finds_the_endpoint() {
    let slapd = shared();
    let sds = client(&slapd.ldaps_url)
        .with_ca_bundle(&slapd.ca_pem)
        .expect("the test CA is a usable bundle");
    for interaction in vandm_interactions() {
        let got = sds.find_endpoint(SPINE_ODS_CODE, &interaction).await;
        assert_eq!(got, Ok(spine_endpoint()), "{interaction}");
    }
}

#[tokio::test]
async fn ldaps_without_a_configured_ca_is_an_untrusted_certificate() {
    let slapd = shared();
    let got = client(&slapd.ldaps_url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let want = SdsError::Tls {
        url: slapd.ldaps_url.clone(),
        problem: TlsProblem::UntrustedServer,
    };
    assert_eq!(got, Err(want.clone()));
    assert!(!want.is_retryable());
    assert_eq!(
        want.to_string(),
        format!(
            "The Spine directory at {} failed the TLS check: the server's certificate is not \
             issued by a certificate authority V&M Check trusts (the configured CA bundle does \
             not hold its issuer).",
            slapd.ldaps_url
        )
    );
}

#[tokio::test]
async fn ldaps_with_another_ca_is_an_untrusted_certificate() {
    let slapd = shared();
    let dir = slapd.dir.join("other-ca");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let status = Command::new("openssl")
        .args(["req", "-x509", "-new", "-newkey", "ec"])
        .args([
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args(["-subj", "/CN=Some other CA", "-keyout"])
        .arg(dir.join("ca.key"))
        .arg("-out")
        .arg(dir.join("ca.pem"))
        .output()
        .expect("openssl runs");
    assert!(status.status.success(), "{status:?}");
    let other = std::fs::read(dir.join("ca.pem")).expect("other CA");
    let got = client(&slapd.ldaps_url)
        .with_ca_bundle(&other)
        .expect("a usable bundle")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Tls {
            url: slapd.ldaps_url.clone(),
            problem: TlsProblem::UntrustedServer,
        })
    );
}

#[tokio::test]
async fn ldaps_to_a_name_the_certificate_is_not_for_is_a_wrong_name() {
    let slapd = shared();
    // The certificate is for IP:127.0.0.1 only.
    let url = slapd.ldaps_url.replace("127.0.0.1", "localhost");
    let got = client(&url)
        .with_ca_bundle(&slapd.ca_pem)
        .expect("test CA")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let want = SdsError::Tls {
        url: url.clone(),
        problem: TlsProblem::WrongName {
            expected: "localhost".into(),
            presented: vec!["127.0.0.1".into()],
        },
    };
    assert_eq!(got, Err(want.clone()));
    assert_eq!(
        want.to_string(),
        format!(
            "The Spine directory at {url} failed the TLS check: the server's certificate is not \
             valid for localhost, the name connected to (it is for 127.0.0.1)."
        )
    );
}

#[tokio::test]
async fn a_stopped_slapd_is_unreachable() {
    let mut slapd = Slapd::start(false).unwrap_or_else(|e| panic!("{e}"));
    let got = client(&slapd.url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(got, Ok(spine_endpoint()));

    let started = Instant::now();
    slapd.stop().expect("slapd.sh stop");
    let stopping = started.elapsed();
    assert!(
        !slapd.dir.join("slapd.pid").exists(),
        "slapd left its pid file"
    );

    let got = client(&slapd.url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let Err(err @ SdsError::Unreachable { .. }) = &got else {
        panic!("expected Unreachable after stopping slapd (took {stopping:?}), got {got:?}");
    };
    assert!(err.is_retryable());
}

#[test]
fn the_ldap_message_framer_finds_whole_messages() {
    // A searchResDone for message 2: 30 0c 02 01 02 65 07 0a 01 00 04 00 04 00.
    let done = [
        0x30, 0x0c, 0x02, 0x01, 0x02, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
    ];
    assert_eq!(ldap_message(&done), Some((14, 0x65)));
    assert_eq!(ldap_message(&done[..10]), None);
    // Long-form length (0x81 0x0c).
    let mut long = vec![0x30, 0x81, 0x0c];
    long.extend_from_slice(&done[2..]);
    assert_eq!(ldap_message(&long), Some((15, 0x65)));
}

/// RBAC: a role profile's activities (`nhsBusinessFunctionsCodes`) are read with it, from the
/// real directory server as from the sandbox's.
#[tokio::test]
async fn role_profiles_carry_their_rbac_activities() {
    let slapd = shared();
    let roles = client(&slapd.url)
        .find_roles("555021937101", vmcheck_sandbox::TRAINING_ODS_CODE)
        .await
        .expect("roles");
    let functions: Vec<(&str, Vec<String>)> = roles
        .iter()
        .map(|r| (r.job_role.as_str(), r.business_functions.clone()))
        .collect();
    assert!(
        functions
            .iter()
            .any(|(job, f)| job.contains("Overseas Visitors Manager")
                && f == &[vmcheck_core::roles::DETAIL_ACTIVITY]),
        "{functions:?}"
    );
    assert!(
        functions
            .iter()
            .any(|(job, f)| job.contains("Receptionist") && f.is_empty()),
        "{functions:?}"
    );
}
