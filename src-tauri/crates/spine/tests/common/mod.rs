//! The SDS adapter's scenarios, written once and run against three servers: the sandbox's
//! embedded LDAP server (`tests/sds.rs`), a real OpenLDAP slapd loaded with the same entries
//! (`tests/sds_slapd.rs`), and the sandbox's SDS FHIR API over the same entries
//! (`tests/sds_fhir.rs`).
//!
//! Every server holds [`Directory::test_fixtures`]`(`[`VANDM_URL`]`)`. A test binary implements
//! [`SdsServer`] — whose [`SdsServer::client`] makes the kind of client that server speaks to,
//! LDAP or FHIR — and invokes [`sds_scenarios!`] (every scenario: the directory's answers and
//! the failures both kinds share, then the LDAP protocol's own) or [`sds_shared_scenarios!`]
//! (the shared ones only), which define one `#[tokio::test]` per scenario below, with the
//! scenario's name.

#![allow(
    dead_code,
    reason = "the FHIR test binary uses only the shared scenarios"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ldap3::exop::{WhoAmI, WhoAmIResp};
use ldap3::{LdapConnAsync, Scope, SearchEntry, SearchOptions};
use tokio::net::TcpListener;
use vmcheck_core::sds::{
    SdsLookupError, SpineEndpoint, VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION,
    VANDM_SEARCH_SDS_INTERACTION,
};
use vmcheck_sandbox::directory::{Directory, SPINE_ASID, SPINE_ODS_CODE, SPINE_PARTY_KEY};
use vmcheck_spine::sds::{SdsClient, SdsError, TlsProblem};
use vmcheck_spine::sds_fhir::SdsDirectory;

/// The V&M base URL the fixtures' Spine message handling systems name.
pub const VANDM_URL: &str = "http://127.0.0.1:18443/visitors-and-migrants/FHIR/R4";

/// The directory both servers hold.
pub fn fixtures() -> Directory {
    Directory::test_fixtures(VANDM_URL)
}

/// A directory server holding [`fixtures`].
pub trait SdsServer: Sync {
    /// The URL of the server (`ldap://…`, or the FHIR API's base URL).
    fn url(&self) -> &str;

    /// The URL of a server with the same entries whose replies to searches arrive `delay` late
    /// (LDAP binds are answered at once).
    fn slow_url(&self, delay: Duration) -> impl Future<Output = String> + Send;

    /// The LDAP result code the server answers an anonymous delete with (LDAP servers only).
    fn write_refused_code(&self) -> u32 {
        unimplemented!("an LDAP-only scenario ran against a server that is not LDAP")
    }

    /// A client of the kind this server speaks to, for `url`, with `timeout`.
    fn client(&self, url: &str, timeout: Duration) -> SdsDirectory {
        SdsDirectory::Ldap(SdsClient::new(url).with_timeout(timeout))
    }

    /// The URL a client of this kind uses for a server listening on `addr`.
    fn url_for(&self, addr: SocketAddr) -> String {
        format!("ldap://{addr}")
    }

    /// Whether the directory publishes `nhsMhsIsAuthenticated` (LDAP does, the FHIR API not).
    fn publishes_authenticated(&self) -> bool {
        true
    }
}

/// `endpoint` as a client of `server`'s kind sees it.
pub fn as_seen(server: &impl SdsServer, mut endpoint: SpineEndpoint) -> SpineEndpoint {
    if !server.publishes_authenticated() {
        endpoint.authenticated = None;
    }
    endpoint
}

/// The client of `server`'s kind for its own URL, with a 5 s timeout.
pub fn directory(server: &impl SdsServer) -> SdsDirectory {
    server.client(server.url(), Duration::from_secs(5))
}

/// Defines one `#[tokio::test]` per scenario both kinds of directory share, each calling it with
/// the server that `$server` (an expression, `.await`ed, giving an `impl SdsServer`) returns.
macro_rules! sds_shared_scenarios {
    ($server:expr) => {
        sds_scenarios!(@tests $server;
            finds_the_spine_endpoint_for_both_interactions_as_sds_registers_them,
            unknown_ods_code_or_interaction_finds_no_accredited_system,
            several_accredited_systems_are_ambiguous,
            a_party_key_without_a_message_handling_system_is_reported,
            the_party_key_matches_ignoring_case,
            duplicate_mhs_entries_must_agree_on_the_endpoint,
            a_non_http_endpoint_is_rejected,
            a_server_that_is_down_is_unreachable,
            a_slow_server_times_out,
            a_delay_within_the_timeout_is_fine,
        );
    };
}

/// Defines one `#[tokio::test]` per scenario of this module (the shared ones and the LDAP
/// protocol's own), each calling it with the server that `$server` returns.
#[allow(
    unused_macros,
    reason = "the FHIR test binary runs the shared scenarios only"
)]
macro_rules! sds_scenarios {
    ($server:expr) => {
        sds_shared_scenarios!($server);
        sds_scenarios!(@tests $server;
            the_base_dn_is_matched_ignoring_case_and_spaces,
            an_unknown_base_dn_is_an_ldap_error,
            unusable_urls_are_configuration_errors,
            an_ldaps_url_on_a_plain_ldap_port_is_a_tls_error,
            the_server_speaks_ldap_like_slapd,
        );
    };
    (@tests $server:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let server = $server.await;
                common::$name(&server).await;
            }
        )*
    };
}

/// A client for `url` with a 5 s timeout.
pub fn client(url: &str) -> SdsClient {
    SdsClient::new(url).with_timeout(Duration::from_secs(5))
}

/// What the lookup of a V&M interaction on the Spine (ODS `YES`) finds.
pub fn spine_endpoint() -> SpineEndpoint {
    SpineEndpoint {
        asid: SPINE_ASID.to_owned(),
        party_key: SPINE_PARTY_KEY.to_owned(),
        base_url: VANDM_URL.to_owned(),
        fqdn: Some("127.0.0.1".to_owned()),
        authenticated: Some(false),
    }
}

/// Both V&M interactions as the real SDS registers them: with their major version (`:1`).
pub fn vandm_interactions() -> [String; 2] {
    [
        VANDM_SEARCH_SDS_INTERACTION.to_owned(),
        format!("{VANDM_METADATA_INTERACTION}:1"),
    ]
}

pub async fn finds_the_spine_endpoint_for_both_interactions_as_sds_registers_them(
    server: &impl SdsServer,
) {
    let sds = directory(server);
    for interaction in vandm_interactions() {
        let got = sds.find_endpoint(SPINE_ODS_CODE, &interaction).await;
        assert_eq!(
            got,
            Ok(as_seen(server, spine_endpoint())),
            "interaction {interaction}"
        );
    }
}

pub async fn the_base_dn_is_matched_ignoring_case_and_spaces(server: &impl SdsServer) {
    let sds = client(server.url()).with_base_dn("OU=Services, O=NHS");
    let got = sds
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(got, Ok(spine_endpoint()));
}

pub async fn unknown_ods_code_or_interaction_finds_no_accredited_system(server: &impl SdsServer) {
    let sds = directory(server);
    let cases = [
        ("X26", VANDM_SEARCH_INTERACTION.to_owned()),
        (
            SPINE_ODS_CODE,
            "urn:nhs:names:services:visitorsandmigrants:fhir:rest:read:patient".to_owned(),
        ),
        // Version suffixes other than the registered ones do not match, nor does the
        // unversioned form that the `Ssp-InteractionID` header carries (SDS registers `:1`).
        (SPINE_ODS_CODE, format!("{VANDM_SEARCH_INTERACTION}:2")),
        (SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION.to_owned()),
        (SPINE_ODS_CODE, VANDM_METADATA_INTERACTION.to_owned()),
        // nhsIDCode and nhsAsSvcIA are case-exact, as in real SDS.
        ("yes", VANDM_SEARCH_INTERACTION.to_owned()),
        ("rr8", VANDM_SEARCH_INTERACTION.to_owned()),
        (SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION.to_uppercase()),
        // Filter metacharacters are escaped, not interpreted.
        ("*", VANDM_SEARCH_INTERACTION.to_owned()),
        ("YES)(objectClass=*", VANDM_SEARCH_INTERACTION.to_owned()),
        ("RR\\38", VANDM_SEARCH_INTERACTION.to_owned()),
    ];
    for (ods, interaction) in cases {
        let got = sds.find_endpoint(ods, &interaction).await;
        let want = SdsError::Lookup(SdsLookupError::NoAccreditedSystem {
            ods_code: ods.to_owned(),
            interaction: interaction.clone(),
        });
        assert_eq!(
            got,
            Err(want.clone()),
            "ods {ods} interaction {interaction}"
        );
        assert!(!want.is_retryable());
    }
}

pub async fn several_accredited_systems_are_ambiguous(server: &impl SdsServer) {
    let got = directory(server)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    let Err(SdsError::Lookup(SdsLookupError::SeveralAccreditedSystems {
        ods_code,
        interaction,
        mut asids,
    })) = got
    else {
        panic!("expected SeveralAccreditedSystems, got {got:?}");
    };
    // A real directory returns entries in its own order.
    asids.sort_unstable();
    assert_eq!(
        (ods_code.as_str(), interaction.as_str(), asids),
        (
            "RR8",
            VANDM_SEARCH_INTERACTION,
            vec!["200000000001".to_owned(), "200000000002".to_owned()]
        )
    );
}

pub async fn a_party_key_without_a_message_handling_system_is_reported(server: &impl SdsServer) {
    // RR7's only MHS is for the metadata interaction, which does not count for search.
    let got = directory(server)
        .find_endpoint("RR7", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::NoMessageHandlingSystem {
            party_key: "RR7-800003".into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
        }))
    );
}

pub async fn the_party_key_matches_ignoring_case(server: &impl SdsServer) {
    // RR6's AS has party key rr6-800004, its MHS RR6-800004.
    let got = directory(server)
        .find_endpoint("RR6", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Ok(as_seen(
            server,
            SpineEndpoint {
                asid: "200000000004".into(),
                party_key: "rr6-800004".into(),
                base_url: "https://rr6.example.nhs.uk/fhir".into(),
                fqdn: Some("rr6.example.nhs.uk".into()),
                authenticated: Some(false),
            }
        ))
    );
}

pub async fn duplicate_mhs_entries_must_agree_on_the_endpoint(server: &impl SdsServer) {
    let sds = directory(server);
    // RR5: two MHS entries with the same endpoint.
    let got = sds.find_endpoint("RR5", VANDM_SEARCH_INTERACTION).await;
    assert_eq!(
        got.map(|e| e.base_url),
        Ok("https://a.example.nhs.uk/fhir".to_owned())
    );

    // RR4: two MHS entries that disagree.
    let got = sds.find_endpoint("RR4", VANDM_SEARCH_INTERACTION).await;
    let Err(SdsError::Lookup(SdsLookupError::ConflictingEndpoints {
        party_key,
        interaction,
        mut endpoints,
    })) = got
    else {
        panic!("expected ConflictingEndpoints, got {got:?}");
    };
    endpoints.sort_unstable();
    assert_eq!(
        (party_key.as_str(), interaction.as_str(), endpoints),
        (
            "RR4-800007",
            VANDM_SEARCH_INTERACTION,
            vec![
                "https://a.example.nhs.uk/fhir".to_owned(),
                "https://b.example.nhs.uk/fhir".to_owned()
            ]
        )
    );
}

pub async fn a_non_http_endpoint_is_rejected(server: &impl SdsServer) {
    let got = directory(server)
        .find_endpoint("RR3", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::InvalidEndpoint {
            party_key: "RR3-800009".into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
            endpoint: "ldap://127.0.0.1/not-fhir".into(),
        }))
    );
}

pub async fn an_unknown_base_dn_is_an_ldap_error(server: &impl SdsServer) {
    let url = server.url();
    let got = client(url)
        .with_base_dn("ou=elsewhere,o=nhs")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let Err(err @ SdsError::Ldap { code: 32, .. }) = got else {
        panic!("expected noSuchObject, got {got:?}");
    };
    assert!(!err.is_retryable());
    // The diagnostic text is the server's own (slapd sends none).
    let SdsError::Ldap { message, .. } = &err else {
        unreachable!()
    };
    let detail = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    assert_eq!(
        err.to_string(),
        format!(
            "The Spine directory at {url} refused the accredited system search with LDAP result \
             32 (noSuchObject){detail}."
        )
    );
}

pub async fn a_server_that_is_down_is_unreachable(server: &impl SdsServer) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    let url = server.url_for(addr);
    let got = server
        .client(&url, Duration::from_secs(5))
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let Err(err @ SdsError::Unreachable { .. }) = got else {
        panic!("expected Unreachable, got {got:?}");
    };
    assert!(err.is_retryable());
    let SdsError::Unreachable { url: got_url, .. } = &err else {
        unreachable!()
    };
    assert_eq!(got_url, &url);
}

pub async fn a_slow_server_times_out(server: &impl SdsServer) {
    let url = server.slow_url(Duration::from_secs(3)).await;
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let got = server
        .client(&url, timeout)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let elapsed = started.elapsed();
    assert_eq!(
        got,
        Err(SdsError::TimedOut {
            url: url.clone(),
            operation: "accredited system search",
            timeout,
        })
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(got.is_err_and(|e| e.is_retryable()));
}

pub async fn a_delay_within_the_timeout_is_fine(server: &impl SdsServer) {
    let url = server.slow_url(Duration::from_millis(50)).await;
    let got = server
        .client(&url, Duration::from_secs(5))
        .find_endpoint(SPINE_ODS_CODE, &format!("{VANDM_METADATA_INTERACTION}:1"))
        .await;
    assert_eq!(got, Ok(as_seen(server, spine_endpoint())));
}

pub async fn unusable_urls_are_configuration_errors(_server: &impl SdsServer) {
    for url in ["http://127.0.0.1:389", "127.0.0.1:389", "ldapi:///tmp/sds"] {
        let got = client(url)
            .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
            .await;
        let Err(err @ SdsError::InvalidUrl { .. }) = got else {
            panic!("expected InvalidUrl for {url}, got {got:?}");
        };
        assert!(!err.is_retryable(), "{url}");
    }
}

pub async fn an_ldaps_url_on_a_plain_ldap_port_is_a_tls_error(server: &impl SdsServer) {
    let url = server.url().replacen("ldap://", "ldaps://", 1);
    let got = client(&url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let want = SdsError::Tls {
        url: url.clone(),
        problem: TlsProblem::ClosedDuringHandshake,
    };
    assert_eq!(got, Err(want.clone()));
    assert!(!want.is_retryable());
    assert_eq!(
        want.to_string(),
        format!(
            "The Spine directory at {url} failed the TLS check: the server closed the connection \
             during the TLS handshake (is this port a TLS port, such as LDAPS?)."
        )
    );
}

/// What the embedded server must do like slapd for the adapter (and `ldapsearch`) to work the
/// same against both: binds, attribute selection and spelling, size limits, errors, root DSE.
pub async fn the_server_speaks_ldap_like_slapd(server: &impl SdsServer) {
    let mhs_count = fixtures()
        .entries()
        .iter()
        .filter(|e| {
            e.values("objectClass")
                .is_some_and(|v| v.iter().any(|c| c.eq_ignore_ascii_case("nhsMhs")))
        })
        .count();
    assert_eq!(mhs_count, 9);

    let (conn, mut ldap) = LdapConnAsync::new(server.url()).await.expect("connect");
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    ldap.simple_bind("", "")
        .await
        .expect("bind sent")
        .success()
        .expect("anonymous bind succeeds");

    // Unauthenticated and authenticated simple binds are refused.
    let rc = ldap
        .simple_bind("uid=x,ou=People,o=nhs", "")
        .await
        .expect("bind sent")
        .rc;
    assert_eq!(rc, 53);
    let rc = ldap
        .simple_bind("uid=x,ou=People,o=nhs", "pw")
        .await
        .expect("bind sent")
        .rc;
    assert_eq!(rc, 49);

    // "1.1" returns the entries with no attributes.
    let (entries, res) = ldap
        .search(
            "ou=services,o=nhs",
            Scope::OneLevel,
            "(objectClass=nhsMhs)",
            vec!["1.1"],
        )
        .await
        .expect("search")
        .success()
        .expect("success");
    assert_eq!(res.rc, 0);
    assert_eq!(entries.len(), mhs_count);
    for e in entries {
        let e = SearchEntry::construct(e);
        assert!(e.attrs.is_empty(), "{e:?}");
        assert!(e.dn.ends_with(",ou=Services,o=nhs"), "{}", e.dn);
    }

    // Attribute names come back in the stored spelling whatever the request said.
    let (entries, _) = ldap
        .search(
            "ou=services,o=nhs",
            Scope::Subtree,
            &format!("(&(nhsmhssvcia={VANDM_SEARCH_SDS_INTERACTION})(nhsmhspartykey=yes-0000806))"),
            vec!["NHSMHSENDPOINT", "nhsmhspartykey"],
        )
        .await
        .expect("search")
        .success()
        .expect("success");
    assert_eq!(entries.len(), 1);
    let e = SearchEntry::construct(entries.into_iter().next().expect("one entry"));
    let mut names: Vec<&str> = e.attrs.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["nhsMHSEndPoint", "nhsMHSPartyKey"]);
    assert_eq!(e.attrs["nhsMHSEndPoint"], [VANDM_URL]);

    // Empty attribute list and "*" both mean all attributes.
    for attrs in [vec![], vec!["*"]] {
        let (entries, _) = ldap
            .search("o=nhs", Scope::Base, "(objectClass=*)", attrs.clone())
            .await
            .expect("search")
            .success()
            .expect("success");
        let e = SearchEntry::construct(entries.into_iter().next().expect("o=nhs"));
        assert_eq!(e.attrs.get("o"), Some(&vec!["nhs".to_owned()]), "{attrs:?}");
        assert!(e.attrs.contains_key("objectClass"), "{attrs:?}");
    }

    // A size limit returns that many entries, then sizeLimitExceeded (4).
    let res = ldap
        .with_search_options(SearchOptions::new().sizelimit(2))
        .search("o=nhs", Scope::Subtree, "(objectClass=*)", vec!["1.1"])
        .await
        .expect("search");
    assert_eq!(res.0.len(), 2);
    assert_eq!(res.1.rc, 4);
    // A size limit equal to the number of matches is not exceeded.
    let limit = i32::try_from(mhs_count).expect("small");
    let res = ldap
        .with_search_options(SearchOptions::new().sizelimit(limit))
        .search("o=nhs", Scope::Subtree, "(objectClass=nhsMhs)", vec!["1.1"])
        .await
        .expect("search");
    assert_eq!((res.0.len(), res.1.rc), (mhs_count, 0));

    // An unknown base is noSuchObject (32) with the closest existing entry as matched DN.
    let res = ldap
        .search(
            "ou=elsewhere,o=nhs",
            Scope::Subtree,
            "(objectClass=*)",
            vec!["*"],
        )
        .await
        .expect("search");
    assert_eq!((res.0.len(), res.1.rc), (0, 32));
    assert_eq!(res.1.matched, "o=nhs");

    // The root DSE names the naming context.
    let (entries, _) = ldap
        .search("", Scope::Base, "(objectClass=*)", vec!["namingContexts"])
        .await
        .expect("search")
        .success()
        .expect("success");
    let e = SearchEntry::construct(entries.into_iter().next().expect("root DSE"));
    assert_eq!(e.attrs["namingContexts"], ["o=nhs"]);

    // WhoAmI: anonymous.
    let (exop, res) = ldap
        .extended(WhoAmI)
        .await
        .expect("whoami")
        .success()
        .expect("success");
    assert_eq!(res.rc, 0);
    assert_eq!(exop.parse::<WhoAmIResp>().authzid, "");

    // Writes are refused.
    let res = ldap.delete("o=nhs").await.expect("delete sent");
    assert_eq!(res.rc, server.write_refused_code());

    ldap.unbind().await.expect("unbind");
}
