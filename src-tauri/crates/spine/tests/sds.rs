//! Integration tests of the SDS adapter against the sandbox's in-process LDAP server.
//!
//! Each test starts `vmcheck_sandbox::ldap::serve` on `127.0.0.1:0` and runs `SdsClient` (or the
//! raw `ldap3` client, for the server's own behaviour) against it. These tests use only loopback;
//! they do not cover a real OpenLDAP server or TLS.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ldap3::exop::{WhoAmI, WhoAmIResp};
use ldap3::{LdapConnAsync, Scope, SearchEntry, SearchOptions};
use tokio::net::TcpListener;
use vmcheck_core::sds::{
    SdsLookupError, SpineEndpoint, VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION,
};
use vmcheck_sandbox::directory::{
    accredited_system, message_handling_system, Directory, SPINE_ASID, SPINE_ODS_CODE,
    SPINE_PARTY_KEY,
};
use vmcheck_sandbox::ldap::{serve, serve_with, ServeOptions};
use vmcheck_spine::sds::{SdsClient, SdsError};

const VANDM_URL: &str = "http://127.0.0.1:18443/visitors-and-migrants/FHIR/R4";

/// Serves `directory` on a fresh loopback port and returns its `ldap://` URL.
async fn start_with(directory: Directory, options: ServeOptions) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve_with(listener, Arc::new(directory), options));
    format!("ldap://{addr}")
}

async fn start(directory: Directory) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, Arc::new(directory)));
    format!("ldap://{addr}")
}

fn client(url: &str) -> SdsClient {
    SdsClient::new(url).with_timeout(Duration::from_secs(5))
}

fn spine_endpoint() -> SpineEndpoint {
    SpineEndpoint {
        asid: SPINE_ASID.to_owned(),
        party_key: SPINE_PARTY_KEY.to_owned(),
        base_url: VANDM_URL.to_owned(),
        fqdn: Some("127.0.0.1".to_owned()),
        authenticated: Some(false),
    }
}

#[tokio::test]
async fn finds_the_spine_endpoint_for_both_interactions_and_their_versioned_forms() {
    let url = start(Directory::spine(VANDM_URL)).await;
    let sds = client(&url);
    let interactions = [
        VANDM_SEARCH_INTERACTION.to_owned(),
        VANDM_METADATA_INTERACTION.to_owned(),
        format!("{VANDM_SEARCH_INTERACTION}:1"),
        format!("{VANDM_METADATA_INTERACTION}:1"),
    ];
    for interaction in interactions {
        let got = sds.find_endpoint(SPINE_ODS_CODE, &interaction).await;
        assert_eq!(got, Ok(spine_endpoint()), "interaction {interaction}");
    }
}

#[tokio::test]
async fn the_base_dn_is_matched_ignoring_case_and_spaces() {
    let url = start(Directory::spine(VANDM_URL)).await;
    let sds = client(&url).with_base_dn("OU=Services, O=NHS");
    let got = sds
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(got, Ok(spine_endpoint()));
}

#[tokio::test]
async fn unknown_ods_code_or_interaction_finds_no_accredited_system() {
    let url = start(Directory::spine(VANDM_URL)).await;
    let sds = client(&url);
    let cases = [
        ("X26", VANDM_SEARCH_INTERACTION.to_owned()),
        (
            SPINE_ODS_CODE,
            "urn:nhs:names:services:visitorsandmigrants:fhir:rest:read:patient".to_owned(),
        ),
        // Version suffixes other than the registered ones do not match.
        (SPINE_ODS_CODE, format!("{VANDM_SEARCH_INTERACTION}:2")),
        // nhsIDCode and nhsAsSvcIA are case-exact, as in real SDS.
        ("yes", VANDM_SEARCH_INTERACTION.to_owned()),
        (SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION.to_uppercase()),
        // Filter metacharacters are escaped, not interpreted.
        ("*", VANDM_SEARCH_INTERACTION.to_owned()),
        ("YES)(objectClass=*", VANDM_SEARCH_INTERACTION.to_owned()),
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

#[tokio::test]
async fn several_accredited_systems_are_ambiguous() {
    let mut d = Directory::spine(VANDM_URL);
    let ia = [VANDM_SEARCH_INTERACTION.to_owned()];
    d.push(accredited_system("200000000001", "RR8", "RR8-800001", &ia));
    d.push(accredited_system("200000000002", "RR8", "RR8-800002", &ia));
    let url = start(d).await;
    let got = client(&url)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::SeveralAccreditedSystems {
            ods_code: "RR8".into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
            asids: vec!["200000000001".into(), "200000000002".into()],
        }))
    );
}

#[tokio::test]
async fn a_party_key_without_a_message_handling_system_is_reported() {
    let mut d = Directory::spine(VANDM_URL);
    let ia = [VANDM_SEARCH_INTERACTION.to_owned()];
    d.push(accredited_system("200000000001", "RR8", "RR8-800001", &ia));
    // An MHS for the party key but another interaction does not count.
    d.push(message_handling_system(
        "S200000000001",
        "RR8",
        "RR8-800001",
        VANDM_METADATA_INTERACTION,
        VANDM_URL,
    ));
    let url = start(d).await;
    let got = client(&url)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::NoMessageHandlingSystem {
            party_key: "RR8-800001".into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
        }))
    );
}

#[tokio::test]
async fn the_party_key_matches_ignoring_case() {
    let mut d = Directory::spine(VANDM_URL);
    let ia = [VANDM_SEARCH_INTERACTION.to_owned()];
    d.push(accredited_system("200000000001", "RR8", "rr8-800001", &ia));
    d.push(message_handling_system(
        "S200000000001",
        "RR8",
        "RR8-800001",
        VANDM_SEARCH_INTERACTION,
        "https://rr8.example.nhs.uk/fhir",
    ));
    let url = start(d).await;
    let got = client(&url)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Ok(SpineEndpoint {
            asid: "200000000001".into(),
            party_key: "rr8-800001".into(),
            base_url: "https://rr8.example.nhs.uk/fhir".into(),
            fqdn: Some("rr8.example.nhs.uk".into()),
            authenticated: Some(false),
        })
    );
}

#[tokio::test]
async fn duplicate_mhs_entries_must_agree_on_the_endpoint() {
    let ia = [VANDM_SEARCH_INTERACTION.to_owned()];
    let with_mhs = |second_endpoint: &str| {
        let mut d = Directory::spine(VANDM_URL);
        d.push(accredited_system("200000000001", "RR8", "RR8-800001", &ia));
        for (cpa, endpoint) in [
            ("S200000000001", "https://a.example.nhs.uk/fhir"),
            ("S200000000002", second_endpoint),
        ] {
            d.push(message_handling_system(
                cpa,
                "RR8",
                "RR8-800001",
                VANDM_SEARCH_INTERACTION,
                endpoint,
            ));
        }
        d
    };

    let url = start(with_mhs("https://a.example.nhs.uk/fhir")).await;
    let got = client(&url)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got.map(|e| e.base_url),
        Ok("https://a.example.nhs.uk/fhir".to_owned())
    );

    let url = start(with_mhs("https://b.example.nhs.uk/fhir")).await;
    let got = client(&url)
        .find_endpoint("RR8", VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::ConflictingEndpoints {
            party_key: "RR8-800001".into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
            endpoints: vec![
                "https://a.example.nhs.uk/fhir".into(),
                "https://b.example.nhs.uk/fhir".into()
            ],
        }))
    );
}

#[tokio::test]
async fn a_non_http_endpoint_is_rejected() {
    let url = start(Directory::spine("ldap://127.0.0.1/not-fhir")).await;
    let got = client(&url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Lookup(SdsLookupError::InvalidEndpoint {
            party_key: SPINE_PARTY_KEY.into(),
            interaction: VANDM_SEARCH_INTERACTION.into(),
            endpoint: "ldap://127.0.0.1/not-fhir".into(),
        }))
    );
}

#[tokio::test]
async fn an_unknown_base_dn_is_an_ldap_error() {
    let url = start(Directory::spine(VANDM_URL)).await;
    let got = client(&url)
        .with_base_dn("ou=elsewhere,o=nhs")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
        .await;
    let Err(err @ SdsError::Ldap { code: 32, .. }) = got else {
        panic!("expected noSuchObject, got {got:?}");
    };
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        format!(
            "The Spine directory at {url} refused the accredited system search with LDAP result \
             32 (noSuchObject): no such object."
        )
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    let url = format!("ldap://{addr}");
    let got = client(&url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
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

#[tokio::test]
async fn a_slow_server_times_out() {
    let url = start_with(
        Directory::spine(VANDM_URL),
        ServeOptions {
            search_delay: Duration::from_secs(3),
        },
    )
    .await;
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let got = SdsClient::new(&url)
        .with_timeout(timeout)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
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

#[tokio::test]
async fn a_delay_within_the_timeout_is_fine() {
    let url = start_with(
        Directory::spine(VANDM_URL),
        ServeOptions {
            search_delay: Duration::from_millis(50),
        },
    )
    .await;
    let got = SdsClient::new(&url)
        .with_timeout(Duration::from_secs(5))
        .find_endpoint(SPINE_ODS_CODE, VANDM_METADATA_INTERACTION)
        .await;
    assert_eq!(got, Ok(spine_endpoint()));
}

#[tokio::test]
async fn unusable_urls_are_configuration_errors() {
    for url in [
        "http://127.0.0.1:389",
        "127.0.0.1:389",
        "ldaps://127.0.0.1:636",
    ] {
        let got = client(url)
            .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_INTERACTION)
            .await;
        let Err(err @ SdsError::InvalidUrl { .. }) = got else {
            panic!("expected InvalidUrl for {url}, got {got:?}");
        };
        assert!(!err.is_retryable(), "{url}");
    }
}

#[tokio::test]
async fn the_sandbox_server_speaks_ldap_like_slapd() {
    let url = start(Directory::spine(VANDM_URL)).await;
    let (conn, mut ldap) = LdapConnAsync::new(&url).await.expect("connect");
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
    assert_eq!(entries.len(), 4);
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
            &format!("(nhsmhssvcia={VANDM_SEARCH_INTERACTION})"),
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
    let res = ldap
        .with_search_options(SearchOptions::new().sizelimit(4))
        .search("o=nhs", Scope::Subtree, "(objectClass=nhsMhs)", vec!["1.1"])
        .await
        .expect("search");
    assert_eq!((res.0.len(), res.1.rc), (4, 0));

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
    assert_eq!(res.rc, 53);

    ldap.unbind().await.expect("unbind");
}
