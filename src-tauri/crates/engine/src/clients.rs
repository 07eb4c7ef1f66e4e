//! The talking behind the audited path: the PDS, SDS and V&M adapters with the SDS endpoint
//! cache, and one lookup end to end — PDS trace → SDS endpoint (cached) → V&M query with a fresh
//! audit JWT → the core's assessment. Private to the engine: only [`crate::access`] calls it,
//! after the intent is in the audit log.
//!
//! Safety rules enforced here: a superseded number is followed to its replacement and the user
//! is told; a status the core's assessment refuses (another patient's, a void record) is an
//! error, never a banner.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vmcheck_core::care_connect::{CareConnectPatient, HospitalNumber, HospitalNumberPattern};
use vmcheck_core::jwt::{AuditContext, AuditJwt};
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::request::{self, Routing};
use vmcheck_core::sds::SpineEndpoint;
use vmcheck_core::session::Actor;
use vmcheck_core::{assess, Banner};
use vmcheck_secrets::SecretLookup;
use vmcheck_spine::care_connect::CareConnectClient;
use vmcheck_spine::http::{HttpSettings, TransportError};
use vmcheck_spine::pds::{PdsClient, PdsSearch};
use vmcheck_spine::sds_fhir::SdsDirectory;
use vmcheck_spine::vandm::{Conformance, VandmAnswer, VandmClient};

use crate::clock::Clock;
use crate::config::{secs, Config};
use crate::error::LookupError;
use crate::lookup::{LookupResult, Outcome, Progress};

struct CachedEndpoint {
    endpoint: SpineEndpoint,
    found_at: Duration,
}

/// Where the V&M endpoint comes from.
enum EndpointSource {
    Fixed(SpineEndpoint),
    Directory {
        client: SdsDirectory,
        spine_ods_code: String,
        interaction: String,
        ttl: Duration,
    },
}

/// The adapters and the endpoint cache.
pub(crate) struct Clients {
    config: Config,
    clock: Arc<dyn Clock>,
    pds: PdsClient,
    /// The trust's Care Connect API and its hospital number pattern, when configured.
    care_connect: Option<(CareConnectClient, HospitalNumberPattern)>,
    vandm: VandmClient,
    endpoints: EndpointSource,
    cache: Mutex<Option<CachedEndpoint>>,
    sds_queries: std::sync::atomic::AtomicU64,
    /// Signs the audit JWT when `[audit_jwt]` asks for it.
    audit_signer: Option<crate::signing::AuditSigner>,
}

impl Clients {
    /// Builds the engine's clients from a validated configuration, fetching secrets (the
    /// mutual-TLS private key named by `tls.key_secret`, the PDS signing key named by
    /// `pds.auth.key_secret`, the audit JWT signing key named by `audit_jwt.key_secret`, the
    /// SDS FHIR API key named by `sds.api_key_secret` with `[sds] kind = "fhir"`) from
    /// `secrets`. The files named in `[tls]` are read now; a problem is a
    /// [`LookupError::TlsConfig`] naming the file (a missing or unusable signing key is a
    /// [`LookupError::Setup`] naming its configuration key and keyring entry).
    pub(crate) fn with_secrets(
        config: Config,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretLookup>,
    ) -> Result<Self, LookupError> {
        let pds = PdsClient::new(
            &config.pds.base_url,
            HttpSettings {
                connect: Duration::from_secs(5),
                request: secs(config.pds.timeout_secs),
                max_body_bytes: config.http.max_body_bytes(),
            },
            crate::signing::pds_auth(&config, secrets.as_ref())?,
            clock.clone(),
        )
        .map_err(LookupError::Setup)?;
        let care_connect = config
            .care_connect
            .as_ref()
            .map(|cc| care_connect_client(cc, config.http.max_body_bytes()))
            .transpose()?;
        let audit_signer = crate::signing::audit_signer(&config, secrets.as_ref())?;
        let vandm = crate::tls::vandm_client(
            &config,
            secrets.as_ref(),
            HttpSettings {
                connect: Duration::from_secs(5),
                request: secs(config.vandm.timeout_secs),
                max_body_bytes: config.http.max_body_bytes(),
            },
        )?;
        let endpoints = match (
            &config.vandm.endpoint,
            &config.vandm.spine_asid,
            &config.sds,
        ) {
            (Some(url), Some(asid), _) => EndpointSource::Fixed(SpineEndpoint {
                asid: asid.clone(),
                party_key: String::new(),
                base_url: url.clone(),
                fqdn: None,
                authenticated: None,
            }),
            (_, _, Some(sds)) => EndpointSource::Directory {
                client: sds.directory(secrets.as_ref()).map_err(|e| {
                    LookupError::Setup(vmcheck_spine::http::TransportError::Setup(e))
                })?,
                spine_ods_code: sds.spine_ods_code.clone(),
                interaction: sds.interaction.clone(),
                ttl: secs(sds.cache_ttl_secs),
            },
            // `Config::validate` guarantees one of the two.
            _ => {
                return Err(LookupError::Setup(
                    vmcheck_spine::http::TransportError::Setup(
                        "no V&M endpoint and no SDS configured".into(),
                    ),
                ))
            }
        };
        Ok(Self {
            config,
            clock,
            pds,
            care_connect,
            vandm,
            endpoints,
            cache: Mutex::new(None),
            sds_queries: Default::default(),
            audit_signer,
        })
    }

    /// The configuration in force.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The clock in use.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// How many times the directory has actually been queried (cache misses).
    pub(crate) fn sds_queries(&self) -> u64 {
        self.sds_queries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many PDS access tokens have been requested (signed-JWT authentication; 0 without).
    pub(crate) fn pds_token_requests(&self) -> u64 {
        self.pds.token_requests()
    }

    /// Forgets a cached endpoint.
    pub(crate) fn forget_endpoint(&self) {
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn audit_context(&self, actor: &Actor) -> AuditContext {
        let o = &self.config.organisation;
        AuditContext {
            issuer: o.issuer.clone(),
            user_id: actor.user_uuid.clone(),
            role_profile_id: actor.role_profile_id.clone(),
            ods_code: o.ods_code.clone(),
            organisation_name: o.name.clone(),
            device_id: self.config.device_id(),
            software_name: "V&M Check".into(),
            software_version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// The V&M endpoint: fixed, cached, or found in SDS now.
    pub(crate) async fn endpoint(&self) -> Result<SpineEndpoint, LookupError> {
        let (client, ods, interaction, ttl) = match &self.endpoints {
            EndpointSource::Fixed(e) => return Ok(e.clone()),
            EndpointSource::Directory {
                client,
                spine_ods_code,
                interaction,
                ttl,
            } => (client, spine_ods_code, interaction, *ttl),
        };
        let now = self.clock.monotonic();
        if let Some(cached) = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            if now.saturating_sub(cached.found_at) < ttl {
                return Ok(cached.endpoint.clone());
            }
        }
        self.sds_queries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let endpoint = client.find_endpoint(ods, interaction).await?;
        tracing::debug!(asid = %endpoint.asid, "V&M endpoint found in SDS");
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(CachedEndpoint {
            endpoint: endpoint.clone(),
            found_at: now,
        });
        Ok(endpoint)
    }

    /// Runs one lookup of `nhs` on behalf of `actor` (its intent already audited), filling in
    /// `result` as it goes.
    pub(crate) async fn run(
        &self,
        actor: &Actor,
        nhs: &NhsNumber,
        result: &mut LookupResult,
        progress: &impl Fn(Progress),
    ) -> Result<Outcome, LookupError> {
        progress(Progress::Tracing);
        let trace = self.pds.retrieve(nhs, &result.trace_id).await?;
        let current = trace.patient.nhs_number.clone();
        if trace.superseded_from.is_some() {
            tracing::info!(
                "the requested NHS number is superseded; continuing with its replacement"
            );
        }
        result.patient = Some(trace);
        result.queried = Some(current.clone());

        progress(Progress::FindingEndpoint);
        let endpoint = self.endpoint().await?;

        progress(Progress::Querying);
        let jwt = AuditJwt::new(
            &self.audit_context(actor),
            &current,
            self.clock.unix_seconds(),
        );
        let jwt = crate::signing::encode_audit(self.audit_signer.as_ref(), &jwt)?;
        let routing = Routing {
            from_asid: self.config.organisation.client_asid.clone(),
            to_asid: endpoint.asid.clone(),
        };
        let get = request::search(
            &endpoint.base_url,
            &current,
            &routing,
            &result.trace_id,
            &jwt,
            self.config.vandm.format,
        );
        let response = match self.vandm.search(&get).await {
            Ok(r) => r,
            Err(e) => {
                if e.suggests_stale_endpoint() {
                    self.forget_endpoint();
                }
                return Err(e.into());
            }
        };
        result.raw_response = Some(response.raw);
        match response.answer {
            VandmAnswer::Status(status) => {
                let assessment = match assess(&status, &current, self.clock.today()) {
                    Ok(a) => a,
                    Err(refusal) => {
                        result.raw_response = None;
                        return Err(refusal.into());
                    }
                };
                let banner = assessment.banner;
                tracing::info!(banner = banner.colour.as_str(), "lookup classified");
                Ok(Outcome::Status {
                    status,
                    banner,
                    effective_in_future: assessment.effective_in_future,
                })
            }
            VandmAnswer::NoRecord(_) => Ok(Outcome::NoRecord {
                banner: Banner::no_record(),
            }),
        }
    }

    /// The hospital number pattern, when hospital numbers can be looked up.
    pub(crate) fn hospital_number_pattern(&self) -> Option<&HospitalNumberPattern> {
        self.care_connect.as_ref().map(|(_, p)| p)
    }

    /// The identifier system hospital numbers are searched under, when configured.
    pub(crate) fn hospital_number_system(&self) -> Option<&str> {
        self.care_connect.as_ref().map(|(c, _)| c.system())
    }

    /// Asks the trust's Care Connect API for the one patient with this hospital number and
    /// their verified NHS number.
    pub(crate) async fn find_by_hospital_number(
        &self,
        number: &HospitalNumber,
        correlation: &str,
    ) -> Result<CareConnectPatient, LookupError> {
        let Some((client, _)) = &self.care_connect else {
            return Err(LookupError::HospitalNumberNotConfigured);
        };
        Ok(client.find(number, correlation).await?)
    }

    /// The trust's Care Connect server's CapabilityStatement (no patient data), when
    /// `[care_connect]` is configured.
    pub(crate) async fn probe_care_connect(
        &self,
    ) -> Option<Result<vmcheck_core::care_connect::Capability, LookupError>> {
        let (client, _) = self.care_connect.as_ref()?;
        let correlation = uuid::Uuid::new_v4().to_string();
        Some(client.capability(&correlation).await.map_err(Into::into))
    }

    /// Searches PDS by demographics (the "search by details" form).
    pub(crate) async fn search_patients(
        &self,
        terms: &PdsSearch,
        correlation: &str,
    ) -> Result<Vec<vmcheck_core::pds::SearchMatch>, LookupError> {
        Ok(self.pds.search(terms, correlation).await?)
    }

    /// PDS's health check and, with signed-JWT authentication, an access token (no patient
    /// data).
    pub(crate) async fn probe_pds(&self) -> Result<vmcheck_spine::pds::PdsProbe, LookupError> {
        Ok(self.pds.probe().await?)
    }

    /// The connection test: `GET [base]/metadata` on the V&M endpoint.
    pub(crate) async fn metadata(&self) -> Result<(SpineEndpoint, Conformance), LookupError> {
        let endpoint = self.endpoint().await?;
        let routing = Routing {
            from_asid: self.config.organisation.client_asid.clone(),
            to_asid: endpoint.asid.clone(),
        };
        let trace_id = uuid::Uuid::new_v4().to_string();
        let get = request::metadata(
            &endpoint.base_url,
            &routing,
            &trace_id,
            self.config.vandm.format,
        );
        let conformance = self.vandm.metadata(&get).await?;
        Ok((endpoint, conformance))
    }
}

/// The Care Connect client `[care_connect]` describes (its CA bundle read now).
fn care_connect_client(
    cc: &crate::config::CareConnectConfig,
    max_body_bytes: usize,
) -> Result<(CareConnectClient, HospitalNumberPattern), LookupError> {
    let setup = |problem: String| LookupError::Setup(TransportError::Setup(problem));
    let pattern = cc
        .pattern()
        .map_err(|e| setup(format!("care_connect.hospital_number_pattern: {e}")))?;
    let ca = cc
        .ca_bundle
        .as_ref()
        .map(|path| {
            std::fs::read(path).map_err(|e| {
                setup(format!(
                    "care_connect.ca_bundle {} cannot be read: {e}",
                    path.display()
                ))
            })
        })
        .transpose()?;
    let client = CareConnectClient::new(
        &cc.base_url,
        &cc.hospital_number_system,
        HttpSettings {
            connect: Duration::from_secs(5),
            request: secs(cc.timeout_secs),
            max_body_bytes,
        },
        ca,
    )
    .map_err(|e| setup(format!("the Care Connect client: {e}")))?;
    Ok((client, pattern))
}
