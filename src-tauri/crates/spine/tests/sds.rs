//! Integration tests of the SDS adapter against the sandbox's in-process LDAP server.
//!
//! Each test starts `vmcheck_sandbox::ldap::serve` on `127.0.0.1:0` with
//! [`Directory::test_fixtures`](vmcheck_sandbox::directory::Directory::test_fixtures) and runs
//! the shared scenarios of `common/` against it (the same list `sds_slapd.rs` runs against a
//! real OpenLDAP slapd). These tests use only loopback; the embedded server has no TLS, so LDAPS
//! is covered by `sds_slapd.rs` only.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{fixtures, SdsServer};
use tokio::net::TcpListener;
use vmcheck_sandbox::ldap::{serve_with, ServeOptions};

/// An embedded server holding the fixtures, started for one test.
struct Embedded {
    url: String,
}

/// Serves the fixtures on a fresh loopback port and returns its `ldap://` URL.
async fn start_with(options: ServeOptions) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve_with(listener, Arc::new(fixtures()), options));
    format!("ldap://{addr}")
}

async fn server() -> Embedded {
    Embedded {
        url: start_with(ServeOptions::default()).await,
    }
}

impl SdsServer for Embedded {
    fn url(&self) -> &str {
        &self.url
    }

    async fn slow_url(&self, delay: Duration) -> String {
        start_with(ServeOptions {
            search_delay: delay,
        })
        .await
    }

    fn write_refused_code(&self) -> u32 {
        // unwillingToPerform; slapd says strongerAuthRequired (8) to an anonymous client.
        53
    }
}

sds_scenarios!(server());

#[tokio::test]
async fn the_embedded_server_explains_an_unknown_base() {
    let url = server().await.url;
    let got = common::client(&url)
        .with_base_dn("ou=elsewhere,o=nhs")
        .find_endpoint("YES", vmcheck_core::sds::VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(
        got.map_err(|e| e.to_string()),
        Err(format!(
            "The Spine directory at {url} refused the accredited system search with LDAP result \
             32 (noSuchObject): no such object."
        ))
    );
}
