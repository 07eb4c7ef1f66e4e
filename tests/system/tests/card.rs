//! System tests of smartcard sign-in against the real PC/SC stack: pcscd with the vsmartcard
//! vpcd driver, virtual cards (`tests/card/card.py`) inserted and removed through
//! `tests/system/stack.sh`, the real PC/SC adapter (`PcscCards`), its watcher thread and the
//! engine's `Session`.
//!
//! One pcscd serves the whole binary. The tests take it one at a time (a process-wide lock in
//! `Stack::acquire`), so a failure is reported under the test's name; each inserts the cards it
//! needs and removes them when it ends, even when it fails. A watcher left by `stack.sh` stops
//! pcscd and any card as soon as this process ends, however it ends. A pcscd these tests did
//! not start is never touched: the tests wait a while for it to end, then fail, saying so. They
//! need root (pcscd does) and the Debian packages of `scripts/setup.sh`.
//!
//! A reader cannot be unplugged from vpcd while pcscd runs, so "the readers go" is a pcscd
//! replaced by one whose reader configuration has no vpcd (`stack.sh start DIR none`): clients
//! see the service stop and come back with no reader.
//!
//! Timings are printed (run with `--nocapture` to see them), never asserted beyond generous
//! timeouts. Logs: see `vmcheck_system_tests::default_root`.

use std::future::Future;
use std::time::{Duration, Instant};

use vmcheck_audit::Action as AuditAction;
use vmcheck_card::pcsc_access::PcscCards;
use vmcheck_card::{CardAccess, CardAccessError, CardEvent, CardOutcome};
use vmcheck_core::card::{CardProfile, FileProfile, Operation, Passcode, PinState};
use vmcheck_core::session::Refusal;
use vmcheck_engine::session::{LockReason, SessionEvent, SignInError};
use vmcheck_engine::Outcome;
use vmcheck_sandbox::{Sandbox, SandboxOptions};
use vmcheck_system_tests::{
    default_root, reader_name, role, Fixture, JwtRecorder, Readers, Stack, StackGuard,
};

/// How long pcscd may take to notice a change (it polls vpcd every 400 ms) plus slack.
const NOTICE: Duration = Duration::from_secs(5);

/// The role most tests sign in with.
const ROLE_ID: &str = "555021936109";

/// The stack for one test, or a panic saying why it cannot run.
fn stack() -> StackGuard {
    Stack::acquire(&default_root()).unwrap_or_else(|e| panic!("the PC/SC stack: {e}"))
}

/// Runs a future on a fresh runtime (the session reads cards on its blocking pool).
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

/// A session with one role at the test organisation.
fn one_role() -> Fixture {
    Fixture::new(vec![role(ROLE_ID, "Overseas Visitor Manager")])
}

fn passcode(text: &str) -> Passcode {
    Passcode::new(text.into()).expect("a well-formed passcode")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Signs in a card just inserted with passcode 1234: waits for the session to see it first.
fn sign_in_ok(f: &Fixture, what: &str) -> vmcheck_engine::session::SessionView {
    f.wait_state("card_present", NOTICE)
        .unwrap_or_else(|e| panic!("{what}: the card was not seen: {e}"));
    block_on(f.session.sign_in("1234".into(), false))
        .unwrap_or_else(|e| panic!("{what}: sign-in failed: {} ({e})", e.code()))
}

/// Which profile of the configured list reads this card's identity.
fn profile_that_reads(reader: &str, pin: &str, profiles: &[CardProfile]) -> &'static str {
    match PcscCards::new().run(reader, Operation::ReadIdentity(passcode(pin)), profiles) {
        Ok(CardOutcome::Identity(_, profile)) => profile,
        other => panic!("reading the identity directly: {other:?}"),
    }
}

#[test]
fn piv_card_signs_in_with_the_right_passcode() {
    let mut stack = stack();
    let card = stack
        .insert(&[
            "--profile",
            "piv",
            "--uuid",
            "555021935107",
            "--pin",
            "1234",
        ])
        .expect("insert");
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    assert_eq!(
        f.session.view().reader.as_deref(),
        Some(card.reader_name().as_str()),
        "the session follows the reader holding the card"
    );
    assert_eq!(
        block_on(f.session.query_tries()),
        Ok(PinState::TriesLeft { tries: 3 }),
        "a fresh card has 3 tries"
    );
    let start = Instant::now();
    let view = block_on(f.session.sign_in("1234".into(), false)).expect("signed in");
    println!("piv: sign_in took {:.1} ms", ms(start.elapsed()));
    assert_eq!(view.state.as_str(), "ready");
    assert_eq!(
        view.user.as_ref().map(|u| u.uuid.as_str()),
        Some(card.uuid())
    );
    assert_eq!(view.pin, Some(PinState::Verified));
    assert_eq!(view.role.map(|r| r.role_profile_id), Some(ROLE_ID.into()));
    assert_eq!(f.audit.actions(), [AuditAction::SignIn]);
    assert_eq!(f.audit.entries()[0].record.user_uuid, card.uuid());
    assert_eq!(
        profile_that_reads(&card.reader_name(), "1234", &CardProfile::defaults()),
        "piv",
        "a PIV card is read with the PIV profile"
    );
}

#[test]
fn file_profile_card_signs_in_with_the_right_passcode() {
    let mut stack = stack();
    let card = stack
        .insert(&[
            "--profile",
            "file",
            "--uuid",
            "555021935108",
            "--pin",
            "4321",
        ])
        .expect("insert");
    // Default order: PIV is tried first (6A82), then the file profile.
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    let view = block_on(f.session.sign_in("4321".into(), false)).expect("signed in");
    assert_eq!(view.state.as_str(), "ready");
    assert_eq!(
        view.user.as_ref().map(|u| u.uuid.as_str()),
        Some("555021935108")
    );
    assert_eq!(
        profile_that_reads(&card.reader_name(), "4321", &CardProfile::defaults()),
        "file",
        "a file-profile card is read with the file profile"
    );
    drop(f);
    // Configured with the file profile only, too.
    let only_file = Fixture::with_profiles(
        vec![role(ROLE_ID, "Overseas Visitor Manager")],
        vec![CardProfile::File(FileProfile::default())],
    );
    only_file
        .wait_state("card_present", NOTICE)
        .expect("card seen");
    let view = block_on(only_file.session.sign_in("4321".into(), false))
        .expect("signed in with the file profile alone");
    assert_eq!(view.user.map(|u| u.uuid), Some("555021935108".into()));
    // And a PIV-only configuration does not recognise it.
    let err = PcscCards::new()
        .run(
            &card.reader_name(),
            Operation::QueryTries,
            &[CardProfile::Piv],
        )
        .expect_err("not a PIV card");
    assert!(
        err.to_string().contains("not an NHS smartcard"),
        "PIV only: {err}"
    );
}

#[test]
fn wrong_passcode_shows_the_tries_left() {
    let mut stack = stack();
    let _card = stack
        .insert(&["--uuid", "555021935109", "--pin", "2468"])
        .expect("insert");
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    let err = block_on(f.session.sign_in("1357".into(), false)).expect_err("wrong passcode");
    assert_eq!(err.code(), "WRONG_PASSCODE", "{err}");
    assert!(err.to_string().contains("2 tries left"), "message: {err}");
    assert_eq!(f.session.view().pin, Some(PinState::TriesLeft { tries: 2 }));
    assert_eq!(f.session.view().user, None);
    assert_eq!(
        block_on(f.session.query_tries()),
        Ok(PinState::TriesLeft { tries: 2 }),
        "the card itself counts one try spent"
    );
    assert!(
        f.audit.actions().is_empty(),
        "nothing audited before sign-in"
    );
    // The right passcode still works and restores the tries.
    let view = block_on(f.session.sign_in("2468".into(), false)).expect("signed in");
    assert_eq!(view.state.as_str(), "ready");
    f.session.sign_out();
    assert_eq!(
        block_on(f.session.query_tries()),
        Ok(PinState::TriesLeft { tries: 3 }),
        "a right passcode restores the tries, and no verified state lingers"
    );
}

#[test]
fn one_try_left_asks_for_confirmation_then_the_card_blocks() {
    let mut stack = stack();
    for last_wrong in ["63c0", "6983"] {
        let card = stack
            .insert(&["--tries", "1", "--last-wrong", last_wrong])
            .expect("insert");
        let f = one_role();
        f.wait_state("card_present", NOTICE).expect("card seen");
        let err = block_on(f.session.sign_in("9999".into(), false)).expect_err("not confirmed");
        assert_eq!(
            err,
            SignInError::Refused(Refusal::ConfirmLastTry),
            "{last_wrong}: {err}"
        );
        assert_eq!(err.code(), "CONFIRM_LAST_TRY");
        assert_eq!(
            block_on(f.session.query_tries()),
            Ok(PinState::TriesLeft { tries: 1 }),
            "{last_wrong}: asking for confirmation spent no try"
        );
        let err = block_on(f.session.sign_in("9999".into(), true)).expect_err("blocked");
        assert_eq!(err.code(), "CARD_BLOCKED", "{last_wrong}: {err}");
        assert!(err.to_string().contains("Registration Authority"), "{err}");
        assert_eq!(f.session.view().pin, Some(PinState::Blocked));
        let err = block_on(f.session.sign_in("1234".into(), true)).expect_err("still blocked");
        assert_eq!(
            err.code(),
            "CARD_BLOCKED",
            "{last_wrong}: the right passcode: {err}"
        );
        assert_eq!(block_on(f.session.query_tries()), Ok(PinState::Blocked));
        assert_eq!(f.session.view().user, None);
        assert!(f.audit.actions().is_empty());
        drop(f);
        card.remove().expect("remove");
    }
}

#[test]
fn card_pulled_during_the_certificate_read_is_reported_removed() {
    let mut stack = stack();
    // APDUs: QueryTries then ReadIdentity, each on its own connection.
    //  piv:  SELECT, VERIFY()  |  SELECT, VERIFY, GET DATA (5th), GET RESPONSE ×3 (6th-8th)
    //  file: SELECT PIV (6A82), SELECT DF, VERIFY()  |  SELECT PIV, SELECT DF, VERIFY,
    //        SELECT EF, READ BINARY ×4 (8th-11th)
    // The card exits right after answering the N-th: the read is cut in the middle.
    for (profile, pull_after) in [("piv", "5"), ("piv", "7"), ("file", "8"), ("file", "10")] {
        let _card = stack
            .insert(&["--profile", profile, "--pull-after", pull_after])
            .expect("insert");
        let f = one_role();
        f.wait_state("card_present", NOTICE).expect("card seen");
        let start = Instant::now();
        let err = block_on(f.session.sign_in("1234".into(), false)).expect_err("pulled");
        println!(
            "{profile}: pulled after {pull_after} APDUs: {} after {:.1} ms",
            err.code(),
            ms(start.elapsed())
        );
        assert!(
            matches!(err, SignInError::Card(CardAccessError::Removed)),
            "{profile}: expected the card-removed error, got {} ({err:?}: {err})",
            err.code()
        );
        assert_eq!(err.code(), "CARD_REMOVED");
        assert!(err.to_string().contains("removed"), "{err}");
        let view = f.session.view();
        assert_eq!(view.user, None, "{profile}: no identity kept");
        assert_eq!(f.session.actor(), None);
        assert!(
            f.audit.actions().is_empty(),
            "{profile}: no sign-in audited"
        );
        f.wait_state("waiting_for_card", NOTICE)
            .expect("the watcher reports the reader empty");
        // Nothing stale is left behind: the next card in that reader signs in.
        let _next = stack.insert(&["--profile", profile]).expect("insert again");
        let view = sign_in_ok(&f, "the card put back");
        assert_eq!(view.state.as_str(), "ready");
    }
}

#[test]
fn removing_the_card_locks_and_clears_the_session() {
    let mut stack = stack();
    let card = stack.insert(&["--uuid", "555021935110"]).expect("insert");
    let f = one_role();
    sign_in_ok(&f, "before removal");
    assert!(f.session.actor().is_some());
    let mark = f.event_count();
    let start = Instant::now();
    card.remove().expect("remove");
    let returned = Instant::now();
    let (_, locked_at) = f
        .wait_event(mark, NOTICE, |e| {
            matches!(
                e,
                SessionEvent::Locked {
                    reason: LockReason::CardRemoved
                }
            )
        })
        .unwrap_or_else(|| panic!("no Locked(CardRemoved); events: {}", f.describe_events()));
    let after_return = if locked_at >= returned {
        ms(locked_at - returned)
    } else {
        -ms(returned - locked_at)
    };
    println!(
        "removal: `remove` took {:.1} ms; locked {:.1} ms after it started, {after_return:+.1} ms \
         after it returned (negative: before; `remove` waits until pcscd reports the reader empty)",
        ms(returned - start),
        ms(locked_at - start),
    );
    f.wait_state("waiting_for_card", NOTICE).expect("waiting");
    let view = f.session.view();
    assert_eq!(view.user, None);
    assert_eq!(view.role, None);
    assert!(view.roles.is_empty());
    assert_eq!(view.pin, None);
    assert_eq!(view.reader, None);
    assert_eq!(view.locked_reason, Some(LockReason::CardRemoved));
    assert_eq!(f.session.actor(), None);
    assert_eq!(f.audit.actions(), [AuditAction::SignIn, AuditAction::Lock]);
    assert_eq!(f.audit.entries()[1].record.user_uuid, "555021935110");
    // The card again: the passcode again.
    let _again = stack
        .insert(&["--uuid", "555021935110"])
        .expect("insert again");
    f.wait_state("card_present", NOTICE)
        .expect("card seen again");
    assert_eq!(f.session.view().user, None);
}

#[test]
fn a_service_without_readers_is_no_reader_and_losing_the_readers_locks() {
    let mut stack = stack();
    stack
        .start_pcscd(Readers::None)
        .expect("pcscd without readers");
    let f = one_role();
    f.wait_state("no_reader", NOTICE).expect("no reader");
    assert!(f.session.view().readers.is_empty());
    assert_eq!(
        block_on(f.session.sign_in("1234".into(), false)),
        Err(SignInError::Refused(Refusal::NoCard))
    );
    assert_eq!(PcscCards::new().readers(), Ok(Vec::new()));
    // The readers come (a pcscd with vpcd replaces it): the session follows.
    stack.start_pcscd(Readers::Vpcd).expect("pcscd with vpcd");
    f.wait_state("waiting_for_card", NOTICE)
        .expect("readers back");
    assert_eq!(
        f.session.view().readers,
        [reader_name(0), reader_name(1)],
        "both vpcd readers"
    );
    // Signed in, the readers go (vpcd cannot be unplugged while pcscd runs: pcscd is replaced
    // by one without readers, which clients see as the service stopping and coming back
    // without them).
    let _card = stack.insert(&["--uuid", "555021935111"]).expect("insert");
    sign_in_ok(&f, "with vpcd");
    let mark = f.event_count();
    stack
        .start_pcscd(Readers::None)
        .expect("pcscd without readers again");
    let (i, _) = f
        .wait_event(mark, NOTICE, |e| matches!(e, SessionEvent::Locked { .. }))
        .unwrap_or_else(|| panic!("no lock; events: {}", f.describe_events()));
    assert_eq!(
        f.events.lock().expect("events")[i].1,
        SessionEvent::Locked {
            reason: LockReason::ServiceStopped
        },
        "the first lock says why: {}",
        f.describe_events()
    );
    f.wait_state("no_reader", NOTICE).expect("no reader");
    let view = f.session.view();
    assert_eq!((view.user, view.role), (None, None));
    assert_eq!(f.session.actor(), None);
    assert_eq!(f.audit.actions(), [AuditAction::SignIn, AuditAction::Lock]);
    println!("readers lost: events {}", f.describe_events());
}

#[test]
fn no_service_then_pcscd_restarts_and_the_adapter_carries_on() {
    let mut stack = stack();
    stack.stop_pcscd().expect("stop pcscd");
    let f = one_role();
    assert_eq!(f.session.view().state.as_str(), "no_service");
    assert_eq!(f.cards.readers(), Err(CardAccessError::NoService));
    assert_eq!(
        block_on(f.session.sign_in("1234".into(), false)),
        Err(SignInError::Refused(Refusal::NoCard))
    );
    f.wait_event(0, NOTICE, |e| {
        matches!(
            e,
            SessionEvent::Card {
                card: CardEvent::ServiceDown
            }
        )
    })
    .unwrap_or_else(|| panic!("no ServiceDown; events: {}", f.describe_events()));

    let mark = f.event_count();
    let start = Instant::now();
    stack.start_pcscd(Readers::Vpcd).expect("start pcscd");
    f.wait_event(mark, NOTICE, |e| {
        matches!(
            e,
            SessionEvent::Card {
                card: CardEvent::ServiceUp
            }
        )
    })
    .unwrap_or_else(|| panic!("no ServiceUp; events: {}", f.describe_events()));
    f.wait_state("waiting_for_card", NOTICE)
        .expect("readers picked up again");
    println!(
        "pcscd started -> readers picked up after {:.0} ms (the watcher retries every 500 ms)",
        ms(start.elapsed())
    );
    let card = stack.insert(&["--uuid", "555021935112"]).expect("insert");
    let view = sign_in_ok(&f, "after pcscd started");
    assert_eq!(view.user.map(|u| u.uuid), Some(card.uuid().to_owned()));

    // pcscd restarts under a signed-in session: locked, then usable again with the same
    // adapter (its PC/SC context is stale: NoService → a new context).
    let mark = f.event_count();
    stack.stop_pcscd().expect("stop pcscd");
    let (i, _) = f
        .wait_event(mark, NOTICE, |e| matches!(e, SessionEvent::Locked { .. }))
        .unwrap_or_else(|| panic!("no lock; events: {}", f.describe_events()));
    assert_eq!(
        f.events.lock().expect("events")[i].1,
        SessionEvent::Locked {
            reason: LockReason::ServiceStopped
        },
        "the first lock says why: {}",
        f.describe_events()
    );
    f.wait_state("no_service", NOTICE).expect("no service");
    assert_eq!(
        f.session.view().locked_reason,
        Some(LockReason::ServiceStopped)
    );
    assert_eq!(f.session.view().user, None);
    assert_eq!(f.session.actor(), None);
    drop(card);
    stack.start_pcscd(Readers::Vpcd).expect("start pcscd again");
    f.wait_state("waiting_for_card", NOTICE)
        .expect("readers again");
    let card = stack
        .insert(&["--uuid", "555021935112"])
        .expect("insert again");
    let view = sign_in_ok(&f, "after pcscd restarted");
    assert_eq!(view.user.map(|u| u.uuid), Some(card.uuid().to_owned()));
    assert_eq!(
        f.audit.actions(),
        [AuditAction::SignIn, AuditAction::Lock, AuditAction::SignIn]
    );
    println!("restart: events {}", f.describe_events());
}

#[test]
fn two_readers_the_session_follows_the_first_card() {
    let mut stack = stack();
    let first = stack
        .insert(&["--reader", "0", "--uuid", "555021935113"])
        .expect("insert in reader 0");
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    let mark = f.event_count();
    let other = stack
        .insert(&[
            "--reader",
            "1",
            "--uuid",
            "555021935114",
            "--profile",
            "file",
        ])
        .expect("insert in reader 1");
    f.wait_event(mark, NOTICE, |e| {
        matches!(e, SessionEvent::Card { card: CardEvent::CardInserted { reader, .. } } if *reader == reader_name(1))
    })
    .unwrap_or_else(|| panic!("reader 1 not seen; events: {}", f.describe_events()));
    assert_eq!(f.session.view().reader, Some(reader_name(0)));
    let view = block_on(f.session.sign_in("1234".into(), false)).expect("signed in");
    assert_eq!(view.user.map(|u| u.uuid), Some(first.uuid().to_owned()));

    // The other card goes: nothing happens to the session.
    let mark = f.event_count();
    other.remove().expect("remove the other card");
    f.wait_event(mark, NOTICE, |e| {
        matches!(e, SessionEvent::Card { card: CardEvent::CardRemoved { reader } } if *reader == reader_name(1))
    })
    .unwrap_or_else(|| panic!("reader 1 removal not seen; events: {}", f.describe_events()));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        f.wait_event(mark, Duration::ZERO, |e| matches!(
            e,
            SessionEvent::Locked { .. }
        ))
        .is_none(),
        "removing the other card must not lock; events: {}",
        f.describe_events()
    );
    assert_eq!(f.session.view().state.as_str(), "ready");
    assert!(f.session.actor().is_some());

    // The other card back, then the followed one out: locked; the session moves to the other.
    let other = stack
        .insert(&[
            "--reader",
            "1",
            "--uuid",
            "555021935114",
            "--profile",
            "file",
        ])
        .expect("insert in reader 1 again");
    let mark = f.event_count();
    first.remove().expect("remove the followed card");
    f.wait_event(mark, NOTICE, |e| {
        matches!(
            e,
            SessionEvent::Locked {
                reason: LockReason::CardRemoved
            }
        )
    })
    .unwrap_or_else(|| panic!("no lock; events: {}", f.describe_events()));
    f.wait_state("card_present", NOTICE)
        .expect("the other card is followed");
    let view = f.session.view();
    assert_eq!(view.reader, Some(reader_name(1)));
    assert_eq!(view.user, None, "the first user is gone");
    let view = block_on(f.session.sign_in("1234".into(), false)).expect("the other signs in");
    assert_eq!(view.user.map(|u| u.uuid), Some(other.uuid().to_owned()));
}

#[test]
fn a_certificate_without_a_valid_uuid_is_refused() {
    let mut stack = stack();
    let _card = stack
        .insert(&["--no-uuid", "--name", "Test User"])
        .expect("insert");
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    let err = block_on(f.session.sign_in("1234".into(), false)).expect_err("no identity");
    assert_eq!(err.code(), "CARD_NO_IDENTITY", "{err}");
    assert!(
        err.to_string().contains("does not carry a valid user ID"),
        "message: {err}"
    );
    assert_eq!(f.session.view().user, None);
    assert!(f.audit.actions().is_empty());
}

#[test]
fn an_expired_certificate_is_refused() {
    let mut stack = stack();
    let _card = stack
        .insert(&["--expires-in-days", "-1", "--uuid", "555021935115"])
        .expect("insert");
    let f = one_role();
    f.wait_state("card_present", NOTICE).expect("card seen");
    let err = block_on(f.session.sign_in("1234".into(), false)).expect_err("expired");
    assert_eq!(err, SignInError::Refused(Refusal::CertificateExpired));
    assert_eq!(err.code(), "CERTIFICATE_EXPIRED");
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(f.session.view().user, None);
    assert!(f.audit.actions().is_empty());
}

#[test]
fn a_certificate_expiring_soon_signs_in_with_a_warning() {
    let mut stack = stack();
    let _card = stack
        .insert(&["--expires-in-days", "10", "--uuid", "555021935116"])
        .expect("insert");
    let f = one_role();
    let view = sign_in_ok(&f, "expiring in 10 days");
    assert_eq!(view.state.as_str(), "ready");
    let warning = view.certificate_warning.expect("a certificate warning");
    assert!(
        warning.contains("expires in 9 days") || warning.contains("expires in 10 days"),
        "warning: {warning}"
    );
}

#[test]
fn a_lookup_after_sign_in_carries_the_card_uuid_and_the_role() {
    let mut stack = stack();
    const CARD_UUID: &str = "555021935117";
    const ROLE: &str = "555021936118";
    let _card = stack.insert(&["--uuid", CARD_UUID]).expect("insert");
    block_on(async {
        let sandbox = Sandbox::start(SandboxOptions::default())
            .await
            .expect("sandbox");
        let urls = sandbox.urls().clone();
        // The V&M endpoint through a relay that keeps the audit JWTs.
        let rest = urls
            .vandm_base
            .strip_prefix("http://")
            .expect("an http URL");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let recorder = JwtRecorder::start(authority.to_owned())
            .await
            .expect("relay");
        let endpoint = format!("{}{path}", recorder.base);
        let patient = vmcheck_sandbox::patients()
            .iter()
            .find(|p| p.expected.outcome == "status")
            .expect("a status patient");

        let f = Fixture::with_config(
            vec![role(ROLE, "Overseas Visitor Manager")],
            CardProfile::defaults(),
            |config| {
                let mut c = vmcheck_system_tests::config_for(
                    Some(&urls),
                    config
                        .audit
                        .path
                        .as_deref()
                        .and_then(|p| p.parent())
                        .expect("dir"),
                );
                c.organisation.ods_code = vmcheck_sandbox::TRAINING_ODS_CODE.into();
                c.vandm.endpoint = Some(endpoint);
                c.vandm.spine_asid = Some(vmcheck_sandbox::directory::SPINE_ASID.into());
                *config = c;
            },
        );
        f.wait_state("card_present", NOTICE).expect("card seen");
        let view = f
            .session
            .sign_in("1234".into(), false)
            .await
            .expect("signed in");
        assert_eq!(view.user.map(|u| u.uuid), Some(CARD_UUID.into()));
        let actor = f.session.actor().expect("an actor");
        assert_eq!(
            (actor.user_uuid.as_str(), actor.role_profile_id.as_str()),
            (CARD_UUID, ROLE)
        );

        let result = f.session.lookup(patient.nhs_number, |_| {}).await;
        assert!(
            matches!(result.outcome, Outcome::Status { .. }),
            "the lookup: {:?}",
            result.outcome
        );
        let tokens = recorder.authorizations();
        assert_eq!(tokens.len(), 1, "one V&M request: {tokens:?}");
        let token = tokens[0].strip_prefix("Bearer ").expect("a bearer token");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let audit = vmcheck_core::jwt::validate(token, now).expect("a valid audit JWT");
        assert_eq!(audit.user_id, CARD_UUID, "the JWT's sub is the card's UUID");
        assert_eq!(
            audit.role_profile_id, ROLE,
            "the JWT carries the chosen role"
        );
        assert_eq!(audit.requested_nhs_number, patient.nhs_number);

        let entries = f.audit.entries();
        assert_eq!(
            entries.iter().map(|e| e.record.action).collect::<Vec<_>>(),
            [
                AuditAction::SignIn,
                AuditAction::Lookup,
                AuditAction::Outcome
            ]
        );
        for entry in &entries {
            assert_eq!(entry.record.user_uuid, CARD_UUID);
            assert_eq!(entry.record.role_profile_id.as_deref(), Some(ROLE));
        }
        let (intent, outcome) = (&entries[1].record, &entries[2].record);
        assert_eq!(intent.nhs_number.as_deref(), Some(patient.nhs_number));
        assert_eq!(intent.trace_id.as_deref(), Some(result.trace_id.as_str()));
        assert_eq!(outcome.refers_to, Some(entries[1].seq));
        assert_eq!(outcome.nhs_number.as_deref(), Some(patient.nhs_number));
        drop(f);
        sandbox.shutdown().await;
    });
}

#[test]
fn the_watcher_alone_reports_the_readers_and_a_card_already_in() {
    let mut stack = stack();
    let _card = stack
        .insert(&["--reader", "1"])
        .expect("insert in reader 1");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let watcher = vmcheck_card::pcsc_access::watch(move |e| log.lock().expect("log").push(e));
    let expected = [
        CardEvent::ReaderAdded {
            reader: reader_name(0),
        },
        CardEvent::ReaderAdded {
            reader: reader_name(1),
        },
        CardEvent::CardInserted {
            reader: reader_name(1),
            atr: "3B951381018073FF01000B".into(),
        },
    ];
    let start = Instant::now();
    while seen.lock().expect("log").len() < expected.len() && start.elapsed() < NOTICE {
        std::thread::sleep(Duration::from_millis(5));
    }
    // And nothing more while nothing changes.
    std::thread::sleep(Duration::from_millis(500));
    watcher.stop();
    assert_eq!(*seen.lock().expect("log"), expected);
}

#[test]
fn two_conversations_at_once_on_one_card_both_succeed() {
    // Another PC/SC client (middleware, a second window) using the card at the same time must
    // not make sign-in fail: each conversation runs in a PC/SC transaction, and one whose card
    // was reset by the other starts over.
    let mut stack = stack();
    let card = stack.insert(&[]).expect("insert");
    let reader = card.reader_name();
    let threads: Vec<_> = [true, false]
        .into_iter()
        .map(|read| {
            let reader = reader.clone();
            std::thread::spawn(move || {
                let cards = PcscCards::new();
                let mut failures = Vec::new();
                for _ in 0..25 {
                    let operation = if read {
                        Operation::ReadIdentity(passcode("1234"))
                    } else {
                        Operation::QueryTries
                    };
                    match cards.run(&reader, operation, &CardProfile::defaults()) {
                        Ok(CardOutcome::Identity(identity, _)) if read => {
                            assert_eq!(identity.uuid, "555021935107");
                        }
                        Ok(CardOutcome::Tries(PinState::TriesLeft { tries: 3 })) if !read => {}
                        other => failures.push(format!("{other:?}")),
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of 50 failed: {failures:?}",
        failures.len()
    );
}
