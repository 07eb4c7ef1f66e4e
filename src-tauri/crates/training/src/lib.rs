//! # vmcheck-training
//!
//! Training mode: the sandbox (an imitation of Spine, not real patient data) and the training
//! identity it knows, as one configuration — what `vmcheck --sandbox` and the desktop app's
//! training mode run on, and what flow tests start from. It sits beside the engine so that the
//! engine itself never depends on the sandbox.

use vmcheck_engine::config::{Config, SandboxTarget};
pub use vmcheck_sandbox::{patients, Fault, Sandbox, SandboxOptions, SandboxUrls, TestPatient};

/// The sandbox at `urls` with its training organisation and user.
pub fn target(urls: &SandboxUrls) -> SandboxTarget {
    SandboxTarget {
        pds_base: urls.pds_base.clone(),
        ldap_url: urls.ldap_url.clone(),
        client_asid: vmcheck_sandbox::TRAINING_CLIENT_ASID.into(),
        ods_code: vmcheck_sandbox::TRAINING_ODS_CODE.into(),
        organisation_name: vmcheck_sandbox::TRAINING_ORG_NAME.into(),
        user_uuid: vmcheck_sandbox::TRAINING_USER_UUID.into(),
        role_profile_id: vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID.into(),
    }
}

/// The configuration for the sandbox at `urls`, acting as its training user.
pub fn config(urls: &SandboxUrls) -> Config {
    Config::for_sandbox(&target(urls))
}

/// Starts a sandbox and returns it with its configuration.
pub async fn start(options: SandboxOptions) -> std::io::Result<(Sandbox, Config)> {
    let sandbox = Sandbox::start(options).await?;
    let config = config(sandbox.urls());
    Ok((sandbox, config))
}
