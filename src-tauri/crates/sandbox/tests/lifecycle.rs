//! Starting and stopping: URLs and ports, many sandboxes in one process, shutdown and drop
//! closing every port and cutting open connections, and the SDS directory behind the LDAP port
//! pointing at this sandbox's V&M endpoint.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ldap3::{LdapConnAsync, Scope, SearchEntry};
use vmcheck_core::fhir::WireFormat;
use vmcheck_core::sds::{
    self, ACCREDITED_SYSTEM_ATTRIBUTES, MHS_ATTRIBUTES, SERVICES_BASE_DN,
    VANDM_SEARCH_SDS_INTERACTION,
};
use vmcheck_sandbox::directory::{SPINE_ASID, SPINE_ODS_CODE, SPINE_PARTY_KEY};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions, SandboxUrls};

fn port_of(url: &str) -> u16 {
    let authority = url
        .split("://")
        .nth(1)
        .expect("scheme")
        .split('/')
        .next()
        .expect("authority");
    authority
        .rsplit(':')
        .next()
        .expect("port")
        .parse()
        .expect("number")
}

async fn refuses_connections(url: &str) -> bool {
    let addr = format!("127.0.0.1:{}", port_of(url));
    tokio::net::TcpStream::connect(addr).await.is_err()
}

#[tokio::test]
async fn urls_name_the_three_servers() {
    let sandbox = start().await;
    let SandboxUrls {
        pds_base,
        ldap_url,
        vandm_base,
    } = sandbox.urls().clone();
    assert!(pds_base.starts_with("http://127.0.0.1:"));
    assert!(pds_base.ends_with("/personal-demographics/FHIR/R4"));
    assert!(ldap_url.starts_with("ldap://127.0.0.1:"));
    assert!(vandm_base.starts_with("http://127.0.0.1:"));
    assert!(vandm_base.ends_with("/fhir"));
    let ports = [port_of(&pds_base), port_of(&ldap_url), port_of(&vandm_base)];
    assert!(ports.iter().all(|p| *p != 0));
    assert_ne!(ports[0], ports[1]);
    assert_ne!(ports[1], ports[2]);
    let json = serde_json::to_value(sandbox.urls()).expect("serialises");
    assert_eq!(json["vandm_base"], vandm_base);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn port_base_places_the_servers_side_by_side() {
    let mut started = None;
    for attempt in 0..20u16 {
        let base = 41_000 + (std::process::id() as u16 % 500) * 20 + attempt * 7;
        if let Ok(sandbox) = Sandbox::start(SandboxOptions {
            port_base: Some(base),
            ..SandboxOptions::default()
        })
        .await
        {
            started = Some((base, sandbox));
            break;
        }
    }
    let (base, sandbox) = started.expect("three free ports in a row");
    assert_eq!(port_of(&sandbox.urls().pds_base), base);
    assert_eq!(port_of(&sandbox.urls().ldap_url), base + 1);
    assert_eq!(port_of(&sandbox.urls().vandm_base), base + 2);
    assert_eq!(
        send(
            &client(),
            &good_search(&sandbox, "9990000018", WireFormat::Json)
        )
        .await
        .status,
        200
    );
    // The ports are taken while it runs.
    let clash = Sandbox::start(SandboxOptions {
        port_base: Some(base),
        ..SandboxOptions::default()
    })
    .await;
    assert!(clash.is_err());
    sandbox.shutdown().await;

    let too_high = Sandbox::start(SandboxOptions {
        port_base: Some(65_534),
        ..SandboxOptions::default()
    })
    .await
    .expect_err("no room for three ports");
    assert_eq!(too_high.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn many_sandboxes_start_and_stop_in_one_process() {
    let client = client();
    for i in 0..15 {
        let sandbox = start().await;
        let urls = sandbox.urls().clone();
        let answer = send(
            &client,
            &good_search(&sandbox, "9990000042", WireFormat::Json),
        )
        .await;
        assert_eq!(answer.status, 200, "run {i}");
        assert_eq!(pds_get(&client, &sandbox, "9990000042").await.status, 200);
        if i % 2 == 0 {
            sandbox.shutdown().await;
        } else {
            drop(sandbox);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for url in [&urls.pds_base, &urls.ldap_url, &urls.vandm_base] {
            assert!(refuses_connections(url).await, "run {i}: {url} still open");
        }
    }
}

#[tokio::test]
async fn shutdown_cuts_idle_and_busy_connections_quickly() {
    let sandbox = start().await;
    let client = client();
    // An idle keep-alive connection in the client's pool.
    assert_eq!(
        send(
            &client,
            &good_search(&sandbox, "9990000018", WireFormat::Json)
        )
        .await
        .status,
        200
    );
    // A busy one: a body that would take many seconds to drip.
    sandbox.set_fault(Some(Fault::SlowDrip(Duration::from_secs(1))));
    let get = good_search(&sandbox, "9990000018", WireFormat::Json);
    let slow_client = client.clone();
    let busy = tokio::spawn(async move {
        let response = builder(&slow_client, &get).send().await?;
        response.bytes().await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    sandbox.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let result = busy.await.expect("task");
    assert!(result.is_err(), "the dripping body was cut");
}

#[tokio::test]
async fn the_directory_points_at_this_sandbox() {
    let sandbox = start().await;
    let (conn, mut ldap) = LdapConnAsync::new(&sandbox.urls().ldap_url)
        .await
        .expect("ldap connects");
    ldap3::drive!(conn);
    ldap.simple_bind("", "")
        .await
        .expect("bind")
        .success()
        .expect("anonymous bind");

    let filter = sds::accredited_system_filter(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION);
    let (entries, _) = ldap
        .search(
            SERVICES_BASE_DN,
            Scope::Subtree,
            &filter,
            ACCREDITED_SYSTEM_ATTRIBUTES.to_vec(),
        )
        .await
        .expect("search")
        .success()
        .expect("success");
    let as_entries: Vec<Vec<(String, Vec<String>)>> = entries
        .into_iter()
        .map(|e| SearchEntry::construct(e).attrs.into_iter().collect())
        .collect();
    let system =
        sds::resolve_accredited_system(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION, &as_entries)
            .expect("one accredited system");
    assert_eq!(system.asid, SPINE_ASID);
    assert_eq!(system.party_key, SPINE_PARTY_KEY);

    let filter = sds::mhs_filter(&system.party_key, VANDM_SEARCH_SDS_INTERACTION);
    let (entries, _) = ldap
        .search(
            SERVICES_BASE_DN,
            Scope::Subtree,
            &filter,
            MHS_ATTRIBUTES.to_vec(),
        )
        .await
        .expect("search")
        .success()
        .expect("success");
    let mhs_entries: Vec<Vec<(String, Vec<String>)>> = entries
        .into_iter()
        .map(|e| SearchEntry::construct(e).attrs.into_iter().collect())
        .collect();
    let endpoint =
        sds::resolve_mhs(&system, VANDM_SEARCH_SDS_INTERACTION, &mhs_entries).expect("endpoint");
    assert_eq!(endpoint.base_url, sandbox.urls().vandm_base);
    ldap.unbind().await.expect("unbind");

    // And what SDS says is enough to reach the V&M service.
    let get = vmcheck_core::request::search(
        &endpoint.base_url,
        &nhs("9990000018"),
        &vmcheck_core::request::Routing {
            from_asid: vmcheck_sandbox::TRAINING_CLIENT_ASID.into(),
            to_asid: endpoint.asid.clone(),
        },
        &trace_id(),
        &token("9990000018"),
        WireFormat::Json,
    );
    assert_eq!(send(&client(), &get).await.status, 200);
    sandbox.shutdown().await;
}
