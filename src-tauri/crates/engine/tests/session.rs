//! The session state machine with the software training card (same APDU behaviour as the real
//! test card; the real-PC/SC versions of these scenarios are in `tests/card/` at the top level).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vmcheck_audit::Action as AuditAction;
use vmcheck_card::soft_access::{TrainingCards, TRAINING_READER};
use vmcheck_card::CardEvent;
use vmcheck_core::card::soft::{SoftCard, TRAINING_CERTIFICATE};
use vmcheck_core::card::{identity_from_certificate, CardProfile, PinState};
use vmcheck_core::roles::Role;
use vmcheck_core::session::Refusal;
use vmcheck_engine::session::{
    ConfiguredRoles, LockReason, Mode, Session, SessionEvent, SessionSettings, SignInError,
};
use vmcheck_engine::{LookupError, ManualClock, Outcome};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

mod common;
use common::Engine;

fn role(id: &str, name: &str) -> Role {
    Role {
        role_profile_id: id.into(),
        job_role: name.into(),
        job_role_code: None,
        ods_code: "RRK99".into(),
        // Overseas visitor managers carry the RBAC activity that sees a status's detail.
        business_functions: if name.contains("Overseas") {
            vec![vmcheck_core::roles::DETAIL_ACTIVITY.into()]
        } else {
            Vec::new()
        },
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

struct Fixture {
    session: Arc<Session>,
    engine: Engine,
    clock: Arc<ManualClock>,
}

impl Fixture {
    /// The actions in the audit log so far.
    fn actions(&self) -> Vec<AuditAction> {
        self.records().iter().map(|r| r.record.action).collect()
    }

    fn records(&self) -> Vec<vmcheck_audit::AuditRecord> {
        self.engine
            .audit_log()
            .expect("an audit log")
            .records_after(0, usize::MAX)
            .expect("read")
    }
}

/// A session with the training card over the audited path to `sandbox` (or to addresses
/// nothing listens on, for sign-in only).
fn fixture_on(
    card: SoftCard,
    roles: Vec<Role>,
    clock_at: u64,
    sandbox: Option<&Sandbox>,
) -> Fixture {
    let clock = Arc::new(ManualClock::new(clock_at));
    let config = match sandbox {
        Some(s) => vmcheck_training::config(s.urls()),
        None => vmcheck_training::config(&vmcheck_sandbox::SandboxUrls {
            pds_base: "http://127.0.0.1:9/pds".into(),
            ldap_url: "ldap://127.0.0.1:9".into(),
            vandm_base: "http://127.0.0.1:9/fhir".into(),
        }),
    };
    let engine = Engine::new(config, clock.clone()).expect("the audited path");
    let session = Session::new(
        Arc::new(TrainingCards::with_card(card)),
        Arc::new(ConfiguredRoles(roles)),
        engine.access(),
        clock.clone(),
        SessionSettings {
            mode: Mode::Desk,
            idle_lock: Duration::from_secs(900),
            profiles: CardProfile::defaults(),
            ods_code: "RRK99".into(),
            detail_activities: vec![vmcheck_core::roles::DETAIL_ACTIVITY.into()],
        },
    );
    session.refresh_readers();
    Fixture {
        session,
        engine,
        clock,
    }
}

fn fixture_with(card: SoftCard, roles: Vec<Role>, clock_at: u64) -> Fixture {
    fixture_on(card, roles, clock_at, None)
}

fn fixture(roles: Vec<Role>) -> Fixture {
    fixture_with(SoftCard::training(), roles, now())
}

#[tokio::test]
async fn one_role_is_chosen_automatically() {
    let f = fixture(vec![role("555021936109", "Overseas Visitor Manager")]);
    assert_eq!(f.session.view().state.as_str(), "card_present");
    assert_eq!(
        f.session.query_tries().await,
        Ok(PinState::TriesLeft { tries: 3 })
    );
    let view = f
        .session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    assert_eq!(view.state.as_str(), "ready");
    assert_eq!(view.user.map(|u| u.uuid), Some("555021935107".into()));
    assert_eq!(
        f.session.actor().map(|a| a.role_profile_id),
        Some("555021936109".into())
    );
    assert_eq!(f.actions(), [AuditAction::SignIn]);
}

#[tokio::test]
async fn several_roles_ask_the_user_and_the_role_can_change() {
    let f = fixture(vec![
        role("1", "Admin & Clerical"),
        role("2", "Overseas Visitor Manager"),
        Role {
            ods_code: "RXQ".into(),
            ..role("3", "Nurse")
        },
    ]);
    let view = f
        .session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    assert_eq!(view.state.as_str(), "choose_role");
    assert_eq!(
        view.roles.len(),
        2,
        "roles at other organisations are not offered"
    );
    assert!(
        f.session.actor().is_none(),
        "no lookups before a role is chosen"
    );
    assert_eq!(
        f.session.choose_role("3"),
        Err(SignInError::Refused(Refusal::UnknownRole))
    );
    assert_eq!(
        f.session.choose_role("2").expect("chosen").state.as_str(),
        "ready"
    );
    f.session.choose_role("1").expect("changed");
    assert_eq!(
        f.session.actor().map(|a| a.role_profile_id),
        Some("1".into())
    );
    assert_eq!(
        f.actions(),
        [
            AuditAction::SignIn,
            AuditAction::RoleChange,
            AuditAction::RoleChange
        ]
    );
}

#[tokio::test]
async fn no_role_at_this_organisation_is_a_clear_refusal() {
    let f = fixture(vec![Role {
        ods_code: "RXQ".into(),
        ..role("3", "Nurse")
    }]);
    let err = f
        .session
        .sign_in("1234".into(), false)
        .await
        .expect_err("refused");
    assert_eq!(err, SignInError::Refused(Refusal::NoRole));
    assert!(err.to_string().contains("no role at this organisation"));
    assert_eq!(f.session.view().state.as_str(), "card_present");
}

#[tokio::test]
async fn wrong_passcodes_show_tries_then_ask_for_confirmation_then_block() {
    let f = fixture(vec![role("1", "Admin")]);
    let err = f
        .session
        .sign_in("9999".into(), false)
        .await
        .expect_err("wrong");
    assert_eq!(err.code(), "WRONG_PASSCODE");
    assert!(err.to_string().contains("2 tries left"), "{err}");
    assert_eq!(f.session.view().pin, Some(PinState::TriesLeft { tries: 2 }));
    let err = f
        .session
        .sign_in("9998".into(), false)
        .await
        .expect_err("wrong");
    assert!(err.to_string().contains("1 try left"), "{err}");
    // One try left: nothing is sent to the card without confirmation.
    assert_eq!(
        f.session.sign_in("9997".into(), false).await,
        Err(SignInError::Refused(Refusal::ConfirmLastTry))
    );
    assert_eq!(
        f.session.query_tries().await,
        Ok(PinState::TriesLeft { tries: 1 }),
        "the refusal spent no try"
    );
    let err = f
        .session
        .sign_in("9997".into(), true)
        .await
        .expect_err("blocked");
    assert_eq!(err.code(), "CARD_BLOCKED");
    assert!(err.to_string().contains("Registration Authority"));
    let err = f
        .session
        .sign_in("1234".into(), true)
        .await
        .expect_err("still blocked");
    assert_eq!(err.code(), "CARD_BLOCKED");
    assert_eq!(f.session.view().pin, Some(PinState::Blocked));
}

#[tokio::test]
async fn a_malformed_passcode_spends_no_try() {
    let f = fixture(vec![role("1", "Admin")]);
    assert_eq!(
        f.session
            .sign_in("12".into(), false)
            .await
            .map_err(|e| e.code().as_str()),
        Err("PASSCODE_FORMAT")
    );
    assert_eq!(
        f.session.query_tries().await,
        Ok(PinState::TriesLeft { tries: 3 })
    );
}

#[tokio::test]
async fn certificate_expiry_warns_then_refuses() {
    let not_after = identity_from_certificate(TRAINING_CERTIFICATE)
        .expect("cert")
        .not_after as u64;
    let soon = fixture_with(
        SoftCard::training(),
        vec![role("1", "Admin")],
        not_after - 5 * 86_400 - 60,
    );
    let view = soon
        .session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    assert_eq!(view.certificate_warning.as_deref(), Some("Your smartcard's certificate expires in 5 days. Renew it with your Registration Authority."));
    let expired = fixture_with(
        SoftCard::training(),
        vec![role("1", "Admin")],
        not_after + 1,
    );
    assert_eq!(
        expired.session.sign_in("1234".into(), false).await,
        Err(SignInError::Refused(Refusal::CertificateExpired))
    );
}

#[tokio::test]
async fn removing_the_card_locks_and_forgets_the_user() {
    let f = fixture(vec![role("1", "Admin")]);
    let mut events = f.session.subscribe();
    f.session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    f.session.handle_card_event(CardEvent::CardRemoved {
        reader: TRAINING_READER.into(),
    });
    let view = f.session.view();
    assert_eq!(view.state.as_str(), "waiting_for_card");
    assert_eq!((view.user, view.role, view.roles.len()), (None, None, 0));
    assert_eq!(view.locked_reason, Some(LockReason::CardRemoved));
    assert!(f.session.actor().is_none());
    let mut locked = false;
    while let Ok(e) = events.try_recv() {
        locked |= matches!(
            e,
            SessionEvent::Locked {
                reason: LockReason::CardRemoved
            }
        );
    }
    assert!(locked, "front ends were told to clear the screen");
    assert_eq!(f.actions(), [AuditAction::SignIn, AuditAction::Lock]);
    // Re-inserting needs the passcode again.
    f.session.handle_card_event(CardEvent::CardInserted {
        reader: TRAINING_READER.into(),
        atr: "3B00".into(),
    });
    assert_eq!(f.session.view().state.as_str(), "card_present");
}

#[tokio::test]
async fn idle_time_locks_and_activity_postpones_it() {
    let f = fixture(vec![role("1", "Admin")]);
    f.session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    f.clock.advance_monotonic(Duration::from_secs(600));
    f.session.touch();
    f.clock.advance_monotonic(Duration::from_secs(600));
    assert!(!f.session.check_idle(), "activity 10 minutes ago");
    f.clock.advance_monotonic(Duration::from_secs(301));
    assert!(f.session.check_idle());
    assert_eq!(
        f.session.view().locked_reason,
        Some(LockReason::IdleTimeout)
    );
    assert_eq!(
        f.session.view().state.as_str(),
        "card_present",
        "the card is still in: passcode again"
    );
}

#[tokio::test]
async fn sign_out_is_audited() {
    let f = fixture(vec![role("1", "Admin")]);
    f.session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    f.session.sign_out();
    assert!(f.session.actor().is_none());
    assert_eq!(f.actions(), [AuditAction::SignIn, AuditAction::SignOut]);
}

fn status_patient() -> &'static vmcheck_sandbox::TestPatient {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient")
}

#[tokio::test]
async fn lookups_need_a_role_carry_it_and_are_audited() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let f = fixture_on(
        SoftCard::training(),
        vec![role(
            vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID,
            "Overseas Visitor Manager",
        )],
        now(),
        Some(&sandbox),
    );
    let p = status_patient();
    let refused = f.session.lookup(p.nhs_number, |_| {}).await;
    assert!(matches!(
        refused.outcome,
        Outcome::Error(LookupError::NoIdentity)
    ));
    assert_eq!(sandbox.request_count(), 0);
    assert_eq!(sandbox.pds_request_count(), 0);
    assert!(f.actions().is_empty(), "nothing happened, nothing to audit");

    f.session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    let result = f.session.lookup(p.nhs_number, |_| {}).await;
    assert!(
        matches!(result.outcome, Outcome::Status { .. }),
        "{:?}",
        result.outcome
    );
    let records = f.records();
    assert_eq!(
        f.actions(),
        [
            AuditAction::SignIn,
            AuditAction::Lookup,
            AuditAction::Outcome
        ]
    );
    let (intent, outcome) = (&records[1], &records[2]);
    assert_eq!(intent.record.nhs_number.as_deref(), Some(p.nhs_number));
    assert_eq!(
        intent.record.trace_id.as_deref(),
        Some(result.trace_id.as_str())
    );
    assert_eq!(
        intent.record.role_profile_id.as_deref(),
        Some(vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID)
    );
    assert_eq!(outcome.record.refers_to, Some(intent.seq));
    let banner = p.expected.banner.expect("a banner");
    assert!(
        outcome
            .record
            .outcome
            .as_deref()
            .is_some_and(|o| o.starts_with(&format!("{banner}:"))),
        "{:?}",
        outcome.record.outcome
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_result_arriving_after_the_card_is_removed_is_dropped() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    sandbox.set_fault(Some(Fault::Latency(Duration::from_millis(600))));
    let f = fixture_on(
        SoftCard::training(),
        vec![role(
            vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID,
            "Overseas Visitor Manager",
        )],
        now(),
        Some(&sandbox),
    );
    f.session
        .sign_in("1234".into(), false)
        .await
        .expect("signed in");
    let session = f.session.clone();
    let remover = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        session.handle_card_event(CardEvent::CardRemoved {
            reader: TRAINING_READER.into(),
        });
    });
    let result = f.session.lookup(status_patient().nhs_number, |_| {}).await;
    remover.await.expect("remover");
    assert!(
        matches!(result.outcome, Outcome::Error(LookupError::SessionEnded)),
        "{:?}",
        result.outcome
    );
    assert!(
        result.patient.is_none() && result.raw_response.is_none(),
        "no patient data survives the lock"
    );
    sandbox.shutdown().await;
}
