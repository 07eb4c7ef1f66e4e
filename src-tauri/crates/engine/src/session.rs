//! The signed-in session both front ends share: the I/O around the core's pure session
//! machine ([`vmcheck_core::session::Machine`]). This driver talks to the card and the
//! directory, writes what the machine asks to the audit log, broadcasts [`SessionEvent`]s and
//! runs the idle timer; every decision — what state, when to lock, who may act, whether a late
//! result is delivered — is the machine's, and is tested there with a fake clock.
//!
//! Patient data is reached through the session only as the signed-in user in their chosen role,
//! and only along the audited path ([`PatientAccess`]); a result started before a lock is never
//! delivered.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;
use vmcheck_audit::{Action, NewRecord};
use vmcheck_card::{CardAccess, CardAccessError, CardEvent, CardOutcome};
use vmcheck_core::card::{CardError, CardProfile, Operation, Passcode, PasscodeError, PinState};
use vmcheck_core::pds::SearchMatch;
use vmcheck_core::roles::Role;
pub use vmcheck_core::session::{Actor, LockReason, Mode, SessionState, SessionView, UserView};
use vmcheck_core::session::{
    Effect, Machine, Refusal, SessionAction, SessionAudit, Settings, SignInResult,
};
use vmcheck_spine::sds::SdsError;

use crate::access::{PatientAccess, SearchTerms};
use crate::clock::Clock;
use crate::error::{ErrorCode, LookupError};
use crate::lookup::{LookupResult, Outcome, Progress};

/// A boxed future (object-safe async traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a user's role profiles come from.
pub trait RoleSource: Send + Sync {
    /// Every role of the user with this UUID (the session keeps those at its organisation).
    fn roles<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, SdsError>>;
}

/// Roles fixed in configuration (no directory configured).
#[derive(Debug, Clone)]
pub struct ConfiguredRoles(pub Vec<Role>);

impl RoleSource for ConfiguredRoles {
    fn roles<'a>(&'a self, _uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, SdsError>> {
        let roles = self.0.clone();
        Box::pin(async move { Ok(roles) })
    }
}

/// Roles from SDS over LDAP (`uid=<UUID>,ou=people,o=nhs`).
#[derive(Debug, Clone)]
pub struct DirectoryRoles {
    /// The directory client.
    pub(crate) client: vmcheck_spine::sds::SdsClient,
    /// The organisation whose roles count.
    pub(crate) ods_code: String,
}

impl DirectoryRoles {
    /// The directory of `config` (`[sds]`), for its organisation; `None` without `[sds]` or
    /// with `kind = "fhir"` (the SDS FHIR API has no role search).
    pub fn from_config(
        config: &crate::Config,
    ) -> Option<Result<Self, crate::config::CaBundleError>> {
        let sds = config.sds.as_ref().filter(|s| s.provides_roles())?;
        Some(sds.client().map(|client| Self {
            client,
            ods_code: config.organisation.ods_code.clone(),
        }))
    }
}

impl RoleSource for DirectoryRoles {
    fn roles<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, SdsError>> {
        Box::pin(async move { self.client.find_roles(uuid, &self.ods_code).await })
    }
}

/// Session settings.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Desk or kiosk.
    pub mode: Mode,
    /// Idle time before locking.
    pub idle_lock: Duration,
    /// Card profiles to try, in order.
    pub profiles: Vec<CardProfile>,
    /// The organisation whose roles count.
    pub ods_code: String,
    /// The RBAC activities that may see a status's detail (`[rbac] detail_activities`).
    pub detail_activities: Vec<String>,
}

/// What front ends are told.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SessionEvent {
    /// The session changed.
    Changed {
        /// The new view.
        view: Box<SessionView>,
    },
    /// The session locked: clear the screen and every patient detail now.
    Locked {
        /// Why.
        reason: LockReason,
    },
    /// A card event, for display (readers list).
    Card {
        /// The event.
        card: CardEvent,
    },
}

/// Why sign-in did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The session machine refused (no card, last try unconfirmed, blocked, card gone,
    /// expired certificate, no role here, unknown role, not signed in).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The passcode is malformed (no try spent).
    #[error(transparent)]
    Passcode(#[from] PasscodeError),
    /// The card refused or failed.
    #[error(transparent)]
    Card(#[from] CardAccessError),
    /// Roles could not be looked up.
    #[error("Your roles could not be looked up: {0}")]
    Roles(SdsError),
}

impl SignInError {
    /// A stable code for the UI.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Refused(Refusal::NoCard) => C::NoCard,
            Self::Refused(Refusal::ConfirmLastTry) => C::ConfirmLastTry,
            Self::Refused(Refusal::Blocked)
            | Self::Card(CardAccessError::Card(CardError::Blocked)) => C::CardBlocked,
            Self::Refused(Refusal::CardGone) | Self::Card(CardAccessError::Removed) => {
                C::CardRemoved
            }
            Self::Refused(Refusal::CertificateExpired) => C::CertificateExpired,
            Self::Refused(Refusal::NoRole) => C::NoRole,
            Self::Refused(Refusal::UnknownRole) => C::UnknownRole,
            Self::Refused(Refusal::NotSignedIn) => C::NotSignedIn,
            Self::Passcode(_) => C::PasscodeFormat,
            Self::Card(CardAccessError::Card(CardError::WrongPasscode { .. })) => C::WrongPasscode,
            Self::Card(CardAccessError::Card(CardError::Certificate(_))) => C::CardNoIdentity,
            Self::Card(CardAccessError::NoService) => C::NoService,
            Self::Card(_) => C::CardError,
            Self::Roles(_) => C::RolesUnavailable,
        }
    }
}

/// The session.
pub struct Session {
    machine: Mutex<Machine>,
    cards: Arc<dyn CardAccess>,
    roles: Arc<dyn RoleSource>,
    patient: Arc<PatientAccess>,
    clock: Arc<dyn Clock>,
    settings: SessionSettings,
    events: broadcast::Sender<SessionEvent>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session over these cards and roles, reaching patient data through `patient`. Call
    /// [`Session::refresh_readers`] (or feed card events) to learn the readers.
    pub fn new(
        cards: Arc<dyn CardAccess>,
        roles: Arc<dyn RoleSource>,
        patient: Arc<PatientAccess>,
        clock: Arc<dyn Clock>,
        settings: SessionSettings,
    ) -> Arc<Self> {
        let (events, _) = broadcast::channel(64);
        let machine = Machine::new(
            Settings {
                mode: settings.mode,
                idle_lock: settings.idle_lock,
                ods_code: settings.ods_code.clone(),
                training: cards.is_training(),
                detail_activities: settings.detail_activities.clone(),
            },
            clock.monotonic(),
        );
        Arc::new(Self {
            machine: Mutex::new(machine),
            cards,
            roles,
            patient,
            clock,
            settings,
            events,
        })
    }

    fn machine(&self) -> std::sync::MutexGuard<'_, Machine> {
        self.machine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The audited path this session reaches patient data through.
    pub fn patient_access(&self) -> &Arc<PatientAccess> {
        &self.patient
    }

    /// Follows session events.
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events.subscribe()
    }

    /// The settings.
    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// The current view.
    pub fn view(&self) -> SessionView {
        self.machine().view()
    }

    /// The generation: bumped by every lock.
    pub fn generation(&self) -> u64 {
        self.machine().generation()
    }

    /// The actor for patient data: present only when a role is selected.
    pub fn actor(&self) -> Option<Actor> {
        self.machine().actor()
    }

    /// Carries out what the machine asked, in order. Called with the machine locked so that
    /// events go out in the order things happened.
    fn apply(&self, machine: &Machine, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Changed => {
                    let _ = self.events.send(SessionEvent::Changed {
                        view: Box::new(machine.view()),
                    });
                }
                Effect::Locked(reason) => {
                    tracing::info!(?reason, "session locked");
                    let _ = self.events.send(SessionEvent::Locked { reason });
                }
                Effect::Audit(audit) => {
                    let checkpoint =
                        matches!(audit.action, SessionAction::SignOut | SessionAction::Lock);
                    self.patient.record_session(self.audit_record(audit));
                    if checkpoint {
                        self.patient.checkpoint_now();
                    }
                }
            }
        }
    }

    fn audit_record(&self, audit: SessionAudit) -> NewRecord {
        let action = match audit.action {
            SessionAction::SignIn => Action::SignIn,
            SessionAction::RoleChange => Action::RoleChange,
            SessionAction::SignOut => Action::SignOut,
            SessionAction::Lock => Action::Lock,
        };
        NewRecord {
            role_profile_id: audit.role_profile_id,
            outcome: audit.reason.map(|r| r.as_str().to_owned()),
            ..NewRecord::new(
                i64::try_from(self.clock.unix_seconds()).unwrap_or(i64::MAX),
                &audit.user_uuid,
                &self.settings.ods_code,
                action,
            )
        }
    }

    /// Asks the card layer for the readers now (start-up, or after the service returns).
    pub fn refresh_readers(&self) {
        let readers = match self.cards.readers() {
            Ok(list) => Some(
                list.into_iter()
                    .map(|r| (r.reader, r.card_present))
                    .collect(),
            ),
            Err(CardAccessError::NoService) => None,
            Err(_) => Some(Vec::new()),
        };
        let mut machine = self.machine();
        let effects = machine.readers_listed(readers);
        self.apply(&machine, effects);
    }

    /// Applies a card event.
    pub fn handle_card_event(&self, event: CardEvent) {
        let _ = self.events.send(SessionEvent::Card {
            card: event.clone(),
        });
        let mut machine = self.machine();
        let effects = machine.card_event(&event);
        self.apply(&machine, effects);
    }

    /// Locks now (sign-out, or the front end's own reasons).
    pub fn lock(&self, reason: LockReason) {
        let mut machine = self.machine();
        let effects = machine.lock_now(reason);
        self.apply(&machine, effects);
    }

    /// Explicit sign-out.
    pub fn sign_out(&self) {
        self.lock(LockReason::SignedOut);
    }

    /// Records user activity (resets the idle timer).
    pub fn touch(&self) {
        let now = self.clock.monotonic();
        self.machine().touch(now);
    }

    /// Locks if idle for longer than the setting; returns whether it locked.
    pub fn check_idle(&self) -> bool {
        let now = self.clock.monotonic();
        let mut machine = self.machine();
        let effects = machine.tick(now);
        let locked = !effects.is_empty();
        self.apply(&machine, effects);
        locked
    }

    /// Checks idleness every second until the session is dropped.
    pub fn spawn_idle_timer(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(session) => {
                        session.check_idle();
                    }
                    None => return,
                }
            }
        })
    }

    async fn run_card(
        &self,
        reader: String,
        operation: Operation,
    ) -> Result<CardOutcome, CardAccessError> {
        let cards = self.cards.clone();
        let profiles = self.settings.profiles.clone();
        tokio::task::spawn_blocking(move || cards.run(&reader, operation, &profiles))
            .await
            .unwrap_or_else(|e| Err(CardAccessError::Reader(e.to_string())))
    }

    fn active_reader(&self) -> Result<String, SignInError> {
        self.machine()
            .active_reader()
            .map(str::to_owned)
            .ok_or(SignInError::Refused(Refusal::NoCard))
    }

    fn pin_known(&self, reader: &str, pin: PinState) {
        let mut machine = self.machine();
        let effects = machine.pin_known(reader, pin);
        self.apply(&machine, effects);
    }

    /// Asks the card how many passcode tries are left (spends none).
    pub async fn query_tries(&self) -> Result<PinState, SignInError> {
        let reader = self.active_reader()?;
        let state = match self.run_card(reader.clone(), Operation::QueryTries).await {
            Ok(CardOutcome::Tries(state)) => state,
            Ok(CardOutcome::Identity(..)) => {
                return Err(CardAccessError::Reader("unexpected answer".into()).into())
            }
            Err(CardAccessError::Card(CardError::Blocked)) => PinState::Blocked,
            Err(e) => return Err(e.into()),
        };
        self.pin_known(&reader, state);
        Ok(state)
    }

    /// Signs in with the passcode typed. With one try left, `confirm_last_try` must be set.
    pub async fn sign_in(
        &self,
        passcode: String,
        confirm_last_try: bool,
    ) -> Result<SessionView, SignInError> {
        let passcode = Passcode::new(passcode)?;
        let reader = self.active_reader()?;
        let tries = self.query_tries().await?;
        Machine::may_try_passcode(tries, confirm_last_try)?;
        let started = self.generation();
        let identity = match self
            .run_card(reader.clone(), Operation::ReadIdentity(passcode))
            .await
        {
            Ok(CardOutcome::Identity(identity, profile)) => {
                tracing::info!(profile, "card identity read");
                identity
            }
            Ok(CardOutcome::Tries(_)) => {
                return Err(CardAccessError::Reader("unexpected answer".into()).into())
            }
            Err(e) => {
                match &e {
                    CardAccessError::Card(CardError::WrongPasscode { tries_left }) => {
                        self.pin_known(&reader, PinState::TriesLeft { tries: *tries_left });
                    }
                    CardAccessError::Card(CardError::Blocked) => {
                        self.pin_known(&reader, PinState::Blocked);
                    }
                    _ => {}
                }
                return Err(e.into());
            }
        };
        let roles = self
            .roles
            .roles(&identity.uuid)
            .await
            .map_err(SignInError::Roles)?;
        let now = self.clock.monotonic();
        let now_unix = i64::try_from(self.clock.unix_seconds()).unwrap_or(i64::MAX);
        let mut machine = self.machine();
        let effects = machine.signed_in(
            SignInResult {
                reader,
                started,
                identity,
                roles,
            },
            now,
            now_unix,
        )?;
        self.apply(&machine, effects);
        Ok(machine.view())
    }

    /// Chooses (or changes) the role; audited.
    pub fn choose_role(&self, role_profile_id: &str) -> Result<SessionView, SignInError> {
        let now = self.clock.monotonic();
        let mut machine = self.machine();
        let effects = machine.choose_role(role_profile_id, now)?;
        self.apply(&machine, effects);
        Ok(machine.view())
    }

    /// Looks a patient up as the session's user, along the audited path. Refused unless a role
    /// is selected; a result that arrives after the session locked is dropped.
    pub async fn lookup(&self, input: &str, progress: impl Fn(Progress)) -> LookupResult {
        self.guarded(|actor| async move {
            self.patient
                .lookup(actor.as_ref(), input, None, progress)
                .await
        })
        .await
    }

    /// Runs `lookup` as the user signed in now (activity for the idle lock) and drops its result
    /// if the session locked, signed out or changed role meanwhile.
    async fn guarded<F, Fut>(&self, lookup: F) -> LookupResult
    where
        F: FnOnce(Option<Actor>) -> Fut,
        Fut: std::future::Future<Output = LookupResult>,
    {
        self.touch();
        let (generation, actor) = {
            let machine = self.machine();
            (machine.generation(), machine.actor())
        };
        let mut result = lookup(actor).await;
        if !self.machine().accepts(generation) {
            result.patient = None;
            result.raw_response = None;
            result.outcome = Outcome::Error(LookupError::SessionEnded);
        }
        result
    }

    /// Looks a patient up by hospital number as the session's user, along the audited path
    /// ([`PatientAccess::lookup_hospital_number`]); a result that arrives after the session
    /// locked is dropped.
    pub async fn lookup_hospital_number(
        &self,
        input: &str,
        progress: impl Fn(Progress),
    ) -> LookupResult {
        self.guarded(|actor| async move {
            self.patient
                .lookup_hospital_number(actor.as_ref(), input, None, progress)
                .await
        })
        .await
    }

    /// Searches PDS by demographics as the session's user, along the audited path. Matches
    /// that arrive after the session locked are dropped.
    pub async fn search(&self, terms: &SearchTerms) -> Result<Vec<SearchMatch>, LookupError> {
        self.touch();
        let (generation, actor) = {
            let machine = self.machine();
            (machine.generation(), machine.actor())
        };
        let actor = actor.ok_or(LookupError::NoIdentity)?;
        let matches = self.patient.search(&actor, terms).await?;
        if !self.machine().accepts(generation) {
            return Err(LookupError::SessionEnded);
        }
        Ok(matches)
    }
}
