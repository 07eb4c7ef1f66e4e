//! Connecting to the central store: where it is, who connects, and TLS with the trust's CA.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::store::{CentralError, CentralStore};

/// How the connection is protected.
#[derive(Clone)]
pub enum Tls {
    /// TLS, the server's certificate verified against these CA certificates (PEM), its name
    /// against `host`.
    Verified {
        /// The trust's CA certificates, PEM.
        ca_pem: Vec<u8>,
    },
    /// No TLS: allowed only when `host` is a loopback address.
    LoopbackPlain,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Verified { .. } => "Tls::Verified",
            Self::LoopbackPlain => "Tls::LoopbackPlain",
        })
    }
}

/// Where the central store is and how to reach it.
#[derive(Clone)]
pub struct CentralSettings {
    /// Host name or address.
    pub host: String,
    /// Port (PostgreSQL's default is 5432).
    pub port: u16,
    /// Database name.
    pub dbname: String,
    /// User name.
    pub user: String,
    /// Password (from the OS keyring), if the server asks for one.
    pub password: Option<String>,
    /// TLS.
    pub tls: Tls,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for CentralSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CentralSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .finish()
    }
}

impl CentralSettings {
    /// `host:port/dbname`, for messages.
    pub fn describe(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.dbname)
    }

    fn config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .dbname(&self.dbname)
            .user(&self.user)
            .application_name("vmcheck")
            .connect_timeout(self.connect_timeout)
            .keepalives(true);
        if let Some(p) = &self.password {
            config.password(p);
        }
        config
    }
}

/// Whether `host` is a loopback address (or `localhost`).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl CentralStore {
    /// Connects, and brings the schema up to date.
    pub async fn connect(settings: &CentralSettings) -> Result<Self, CentralError> {
        let config = settings.config();
        let server = settings.describe();
        let fail = |e: tokio_postgres::Error| CentralError::Connect {
            server: server.clone(),
            problem: describe_error(&e),
        };
        let connecting = async {
            match &settings.tls {
                Tls::LoopbackPlain => {
                    if !is_loopback(&settings.host) {
                        return Err(CentralError::Connect {
                            server: server.clone(),
                            problem: "a connection without TLS is allowed only to this machine \
                                      (127.0.0.1, ::1 or localhost): set ca_file"
                                .into(),
                        });
                    }
                    let (client, connection) =
                        config.connect(tokio_postgres::NoTls).await.map_err(fail)?;
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok(client)
                }
                Tls::Verified { ca_pem } => {
                    // Never fall back to plain TCP when the server does not offer TLS.
                    let mut config = config.clone();
                    config.ssl_mode(tokio_postgres::config::SslMode::Require);
                    let connector =
                        tls_connector(ca_pem).map_err(|problem| CentralError::Connect {
                            server: server.clone(),
                            problem,
                        })?;
                    let (client, connection) = config.connect(connector).await.map_err(fail)?;
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok(client)
                }
            }
        };
        let client = tokio::time::timeout(
            settings.connect_timeout + Duration::from_secs(1),
            connecting,
        )
        .await
        .map_err(|_| CentralError::Connect {
            server: server.clone(),
            problem: format!(
                "no answer within {} s",
                settings.connect_timeout.as_secs_f32()
            ),
        })??;
        let mut store = CentralStore::new(client, server);
        store.migrate().await?;
        Ok(store)
    }
}

fn tls_connector(ca_pem: &[u8]) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|e| format!("the CA file is not PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("a CA certificate is unusable: {e}"))?;
    }
    if roots.is_empty() {
        return Err("the CA file holds no certificate".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A PostgreSQL error in words: the server's message when it sent one, else the client's.
pub(crate) fn describe_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}
