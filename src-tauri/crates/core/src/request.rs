//! The V&M requests as data: URL and headers, built without sending anything.
//!
//! The canonical search is
//! `GET [base]/Observation?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C{nhs}&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001`
//! (the `|` percent-encoded). The connection test is `GET [base]/metadata`.

use crate::fhir::WireFormat;
use crate::jwt::NHS_NUMBER_SYSTEM;
use crate::nhs::NhsNumber;
use crate::sds::{VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION};
use crate::status::{OBSERVATION_CODE, OBSERVATION_CODE_SYSTEM};

/// The search parameter naming the patient.
pub const SUBJECT_PARAM: &str = "subject:Patient.identifier";
/// The search parameter naming the observation code.
pub const CODE_PARAM: &str = "code";
/// `Ssp-Version` sent on every call.
pub const SSP_VERSION: &str = "1";

/// Routing: the client's ASID (`Ssp-From`) and Spine's (`Ssp-To`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Routing {
    /// The client system's ASID.
    pub from_asid: String,
    /// The Spine's ASID (from SDS or config).
    pub to_asid: String,
}

/// One HTTP GET to make: URL and headers, in order.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpGet {
    /// Absolute URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for HttpGet {
    /// Redacted: the URL carries an NHS number and the headers a token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("HttpGet")
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// The query string of the canonical search, `|` encoded as `%7C`.
pub fn search_query(nhs: &NhsNumber) -> String {
    format!(
        "{SUBJECT_PARAM}={NHS_NUMBER_SYSTEM}%7C{}&{CODE_PARAM}={OBSERVATION_CODE_SYSTEM}%7C{OBSERVATION_CODE}",
        nhs.as_str()
    )
}

fn ssp_headers(
    routing: &Routing,
    trace_id: &str,
    interaction: &str,
    bearer: Option<&str>,
    format: WireFormat,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Ssp-TraceID", trace_id.to_owned()),
        ("Ssp-From", routing.from_asid.clone()),
        ("Ssp-To", routing.to_asid.clone()),
        ("Ssp-InteractionID", interaction.to_owned()),
        ("Ssp-Version", SSP_VERSION.to_owned()),
    ];
    if let Some(token) = bearer {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    headers.push(("Accept", format.media_type().to_owned()));
    headers
}

/// The V&M search for one patient. `trace_id` is a fresh UUID, `jwt` a fresh audit token.
pub fn search(
    base_url: &str,
    nhs: &NhsNumber,
    routing: &Routing,
    trace_id: &str,
    jwt: &str,
    format: WireFormat,
) -> HttpGet {
    HttpGet {
        url: format!("{}?{}", join(base_url, "Observation"), search_query(nhs)),
        headers: ssp_headers(
            routing,
            trace_id,
            VANDM_SEARCH_INTERACTION,
            Some(jwt),
            format,
        ),
    }
}

/// The connection test: `GET [base]/metadata` (the Conformance statement).
pub fn metadata(base_url: &str, routing: &Routing, trace_id: &str, format: WireFormat) -> HttpGet {
    HttpGet {
        url: join(base_url, "metadata"),
        headers: ssp_headers(routing, trace_id, VANDM_METADATA_INTERACTION, None, format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing() -> Routing {
        Routing {
            from_asid: "200000000359".into(),
            to_asid: "928942012545".into(),
        }
    }

    #[test]
    fn canonical_search_url_encodes_the_pipe() {
        let nhs = NhsNumber::parse("943 476 5919").expect("valid");
        let get = search(
            "https://spine.example/fhir/",
            &nhs,
            &routing(),
            "trace",
            "jwt",
            WireFormat::Json,
        );
        assert_eq!(
            get.url,
            "https://spine.example/fhir/Observation?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C9434765919&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001"
        );
        assert!(!get.url.contains('|'));
    }

    #[test]
    fn every_ssp_header_is_sent() {
        let nhs = NhsNumber::parse("9434765919").expect("valid");
        let get = search(
            "https://s/fhir",
            &nhs,
            &routing(),
            "5f2c3f8e-2b1a-4c77-9d5e-0e2c1f3a4b5c",
            "a.b.",
            WireFormat::Xml,
        );
        let h = |name: &str| {
            get.headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            h("Ssp-TraceID"),
            Some("5f2c3f8e-2b1a-4c77-9d5e-0e2c1f3a4b5c")
        );
        assert_eq!(h("Ssp-From"), Some("200000000359"));
        assert_eq!(h("Ssp-To"), Some("928942012545"));
        assert_eq!(
            h("Ssp-InteractionID"),
            Some("urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation")
        );
        assert_eq!(h("Ssp-Version"), Some("1"));
        assert_eq!(h("Authorization"), Some("Bearer a.b."));
        assert_eq!(h("Accept"), Some("application/xml+fhir"));
    }

    #[test]
    fn metadata_uses_its_own_interaction() {
        let get = metadata("https://s/fhir/", &routing(), "t", WireFormat::Json);
        assert_eq!(get.url, "https://s/fhir/metadata");
        assert!(get.headers.contains(&(
            "Ssp-InteractionID",
            "urn:nhs:names:services:visitorsandmigrants:fhir:rest:read:metadata".into()
        )));
        // The debug form names the headers sent, never the URL (an NHS number) or their values.
        assert_eq!(
            format!("{get:?}"),
            r#"HttpGet { headers: ["Ssp-TraceID", "Ssp-From", "Ssp-To", "Ssp-InteractionID", "Ssp-Version", "Accept"], .. }"#
        );
    }
}
