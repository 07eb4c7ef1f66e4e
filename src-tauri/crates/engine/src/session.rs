//! The signed-in session both front ends share: a state machine from "no reader" to "ready for
//! lookups", driven by card events and the user, that locks — dropping every identity, role
//! and in-flight result — when the card is removed, after idle time, or on sign-out.
//!
//! States (derived, never stored twice): no PC/SC service → no reader → waiting for card →
//! card present (passcode needed) → choose role (signed in, several roles) → ready (role
//! selected; lookups allowed). Every change is broadcast as a [`SessionEvent`].
//!
//! The in-flight guard: each lock bumps a generation counter; a lookup started under an older
//! generation never delivers its result (it becomes `LookupError::SessionEnded`), so no status
//! can appear for a user who has gone.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;
use vmcheck_card::{CardAccess, CardAccessError, CardEvent, CardOutcome};
use vmcheck_core::card::{
    CardError, CardIdentity, CardProfile, Expiry, Operation, Passcode, PasscodeError, PinState,
};
use vmcheck_core::roles::Role;

use crate::clock::Clock;
use crate::error::LookupError;
use crate::lookup::{Actor, Engine, LookupResult, Outcome, Progress};

/// A boxed future (object-safe async traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a user's role profiles come from.
pub trait RoleSource: Send + Sync {
    /// The roles of the user with this UUID at the configured organisation.
    fn roles<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, String>>;
}

/// Roles fixed in configuration (no directory configured).
#[derive(Debug, Clone)]
pub struct ConfiguredRoles(pub Vec<Role>);

impl RoleSource for ConfiguredRoles {
    fn roles<'a>(&'a self, _uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, String>> {
        let roles = self.0.clone();
        Box::pin(async move { Ok(roles) })
    }
}

/// Roles from SDS over LDAP (`uid=<UUID>,ou=people,o=nhs`).
#[derive(Debug, Clone)]
pub struct DirectoryRoles {
    /// The directory client.
    pub client: vmcheck_spine::sds::SdsClient,
    /// The organisation whose roles count.
    pub ods_code: String,
}

impl RoleSource for DirectoryRoles {
    fn roles<'a>(&'a self, uuid: &'a str) -> BoxFuture<'a, Result<Vec<Role>, String>> {
        Box::pin(async move {
            self.client
                .find_roles(uuid, &self.ods_code)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// What the audit log is told.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds.
    pub time: i64,
    /// The user's UUID.
    pub user_uuid: String,
    /// The role acted in, when chosen.
    pub role_profile_id: Option<String>,
    /// The organisation.
    pub ods_code: String,
    /// What happened.
    pub action: AuditAction,
    /// The NHS number looked up.
    pub nhs_number: Option<String>,
    /// Banner colour/kind or error code.
    pub outcome: Option<String>,
    /// Ssp-TraceID.
    pub trace_id: Option<String>,
}

impl std::fmt::Debug for AuditEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditEntry")
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

/// Audited actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// Signed in.
    SignIn,
    /// Chose or changed role.
    RoleChange,
    /// Signed out.
    SignOut,
    /// Locked (card removed, idle).
    Lock,
    /// A lookup.
    Lookup,
}

/// Where audit entries go.
pub trait AuditTrail: Send + Sync {
    /// Appends one entry; an error is reported to the user, never swallowed.
    fn record(&self, entry: AuditEntry) -> Result<(), String>;
}

impl AuditTrail for vmcheck_audit::AuditLog {
    fn record(&self, e: AuditEntry) -> Result<(), String> {
        let action = match e.action {
            AuditAction::SignIn => vmcheck_audit::Action::SignIn,
            AuditAction::RoleChange => vmcheck_audit::Action::RoleChange,
            AuditAction::SignOut => vmcheck_audit::Action::SignOut,
            AuditAction::Lock => vmcheck_audit::Action::Lock,
            AuditAction::Lookup => vmcheck_audit::Action::Lookup,
        };
        self.append(vmcheck_audit::NewRecord {
            time: e.time,
            user_uuid: e.user_uuid,
            role_profile_id: e.role_profile_id,
            ods_code: e.ods_code,
            action,
            nhs_number: e.nhs_number,
            outcome: e.outcome,
            trace_id: e.trace_id,
        })
        .map(|_| ())
        .map_err(|e| e.to_string())
    }
}

/// Why the session locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum LockReason {
    /// The card was taken out.
    CardRemoved,
    /// No activity for the idle time.
    IdleTimeout,
    /// The user signed out.
    SignedOut,
    /// The reader was unplugged.
    ReaderRemoved,
    /// The PC/SC service stopped.
    ServiceStopped,
}

/// Desk or kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// An OVM's desk.
    Desk,
    /// A shared admissions-office kiosk.
    Kiosk,
}

impl Mode {
    /// The default idle time before locking.
    pub fn default_idle(self) -> Duration {
        match self {
            Self::Desk => Duration::from_secs(15 * 60),
            Self::Kiosk => Duration::from_secs(2 * 60),
        }
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
}

/// The session as front ends see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    /// `no_service` | `no_reader` | `waiting_for_card` | `card_present` | `choose_role` | `ready`.
    #[cfg_attr(
        feature = "ts",
        ts(
            type = "\"no_service\" | \"no_reader\" | \"waiting_for_card\" | \"card_present\" | \"choose_role\" | \"ready\""
        )
    )]
    pub state: &'static str,
    /// The training card is in use.
    pub training: bool,
    /// The reader the session follows.
    pub reader: Option<String>,
    /// Readers present.
    pub readers: Vec<String>,
    /// The passcode state, when known.
    pub pin: Option<PinState>,
    /// The signed-in user.
    pub user: Option<UserView>,
    /// Their roles at this organisation.
    pub roles: Vec<Role>,
    /// The role in use.
    pub role: Option<Role>,
    /// A certificate-expiry warning to show.
    pub certificate_warning: Option<String>,
    /// Why the session last locked.
    pub locked_reason: Option<LockReason>,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserView {
    /// UUID.
    pub uuid: String,
    /// Name from the certificate, when given.
    pub name: Option<String>,
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
    /// No card to sign in with.
    #[error("Insert your smartcard")]
    NoCard,
    /// The passcode is malformed (no try spent).
    #[error(transparent)]
    Passcode(#[from] PasscodeError),
    /// One try left: the user must confirm.
    #[error("One try is left: a wrong passcode will lock the card. Confirm to continue")]
    ConfirmLastTry,
    /// The card refused or failed.
    #[error(transparent)]
    Card(#[from] CardAccessError),
    /// The certificate has expired.
    #[error(
        "Your smartcard's certificate has expired. Go to your Registration Authority to renew it"
    )]
    CertificateExpired,
    /// No role at this organisation.
    #[error("You have no role at this organisation in the Spine directory. Ask your Registration Authority to add one")]
    NoRole,
    /// Roles could not be looked up.
    #[error("Your roles could not be looked up: {0}")]
    Roles(String),
    /// The role chosen is not one of the user's.
    #[error("That role is not one of yours")]
    UnknownRole,
    /// Not signed in.
    #[error("Sign in first")]
    NotSignedIn,
}

impl SignInError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoCard => "NO_CARD",
            Self::Passcode(_) => "PASSCODE_FORMAT",
            Self::ConfirmLastTry => "CONFIRM_LAST_TRY",
            Self::Card(CardAccessError::Card(CardError::WrongPasscode { .. })) => "WRONG_PASSCODE",
            Self::Card(CardAccessError::Card(CardError::Blocked)) => "CARD_BLOCKED",
            Self::Card(CardAccessError::Card(CardError::Certificate(_))) => "CARD_NO_IDENTITY",
            Self::Card(CardAccessError::Removed) => "CARD_REMOVED",
            Self::Card(CardAccessError::NoService) => "NO_SERVICE",
            Self::Card(_) => "CARD_ERROR",
            Self::CertificateExpired => "CERTIFICATE_EXPIRED",
            Self::NoRole => "NO_ROLE",
            Self::Roles(_) => "ROLES_UNAVAILABLE",
            Self::UnknownRole => "UNKNOWN_ROLE",
            Self::NotSignedIn => "NOT_SIGNED_IN",
        }
    }
}

#[derive(Default)]
struct Inner {
    service: bool,
    readers: Vec<(String, bool)>,
    active: Option<String>,
    pin: Option<PinState>,
    identity: Option<CardIdentity>,
    roles: Vec<Role>,
    role: Option<Role>,
    last_activity: Duration,
    certificate_warning: Option<String>,
    locked_reason: Option<LockReason>,
}

impl Inner {
    fn signed_in(&self) -> bool {
        self.identity.is_some()
    }
}

/// The session.
pub struct Session {
    inner: Mutex<Inner>,
    access: Arc<dyn CardAccess>,
    roles: Arc<dyn RoleSource>,
    audit: Option<Arc<dyn AuditTrail>>,
    clock: Arc<dyn Clock>,
    settings: SessionSettings,
    events: broadcast::Sender<SessionEvent>,
    generation: AtomicU64,
}

impl Session {
    /// A session over these cards, roles and audit trail. Call [`Session::refresh_readers`]
    /// (or feed card events) to learn the readers.
    pub fn new(
        access: Arc<dyn CardAccess>,
        roles: Arc<dyn RoleSource>,
        audit: Option<Arc<dyn AuditTrail>>,
        clock: Arc<dyn Clock>,
        settings: SessionSettings,
    ) -> Arc<Self> {
        let (events, _) = broadcast::channel(64);
        let inner = Inner {
            service: true,
            last_activity: clock.monotonic(),
            ..Inner::default()
        };
        Arc::new(Self {
            inner: Mutex::new(inner),
            access,
            roles,
            audit,
            clock,
            settings,
            events,
            generation: AtomicU64::new(0),
        })
    }

    fn lock_inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        let inner = self.lock_inner();
        self.view_of(&inner)
    }

    fn view_of(&self, inner: &Inner) -> SessionView {
        let any_card = inner.readers.iter().any(|(_, present)| *present);
        let state = if !inner.service {
            "no_service"
        } else if inner.readers.is_empty() {
            "no_reader"
        } else if !any_card || inner.active.is_none() {
            "waiting_for_card"
        } else if inner.identity.is_none() {
            "card_present"
        } else if inner.role.is_none() {
            "choose_role"
        } else {
            "ready"
        };
        SessionView {
            state,
            training: self.access.is_training(),
            reader: inner.active.clone(),
            readers: inner.readers.iter().map(|(n, _)| n.clone()).collect(),
            pin: inner.pin,
            user: inner.identity.as_ref().map(|i| UserView {
                uuid: i.uuid.clone(),
                name: i.name.clone(),
            }),
            roles: inner.roles.clone(),
            role: inner.role.clone(),
            certificate_warning: inner.certificate_warning.clone(),
            locked_reason: inner.locked_reason,
        }
    }

    fn changed(&self, inner: &Inner) {
        let _ = self.events.send(SessionEvent::Changed {
            view: Box::new(self.view_of(inner)),
        });
    }

    /// The generation: bumped by every lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Asks the card layer for the readers now (start-up, or after the service returns).
    pub fn refresh_readers(&self) {
        let readers = self.access.readers();
        let mut inner = self.lock_inner();
        match readers {
            Ok(list) => {
                inner.service = true;
                inner.readers = list
                    .into_iter()
                    .map(|r| (r.reader, r.card_present))
                    .collect();
            }
            Err(CardAccessError::NoService) => {
                inner.service = false;
                inner.readers.clear();
            }
            Err(_) => inner.readers.clear(),
        }
        self.pick_active(&mut inner);
        self.changed(&inner);
    }

    /// Follows the first reader holding a card, unless a signed-in one is already followed.
    fn pick_active(&self, inner: &mut Inner) {
        let still = inner
            .active
            .as_ref()
            .is_some_and(|a| inner.readers.iter().any(|(n, p)| n == a && *p));
        if !still {
            inner.active = inner
                .readers
                .iter()
                .find(|(_, p)| *p)
                .map(|(n, _)| n.clone());
            inner.pin = None;
        }
    }

    /// Applies a card event.
    pub fn handle_card_event(&self, event: CardEvent) {
        let _ = self.events.send(SessionEvent::Card {
            card: event.clone(),
        });
        let mut inner = self.lock_inner();
        let mut lock_reason = None;
        match &event {
            CardEvent::ReaderAdded { reader } => {
                if !inner.readers.iter().any(|(n, _)| n == reader) {
                    inner.readers.push((reader.clone(), false));
                }
            }
            CardEvent::ReaderRemoved { reader } => {
                inner.readers.retain(|(n, _)| n != reader);
                if inner.active.as_deref() == Some(reader) {
                    lock_reason = Some(LockReason::ReaderRemoved);
                }
            }
            CardEvent::CardInserted { reader, .. } => {
                match inner.readers.iter_mut().find(|(n, _)| n == reader) {
                    Some(entry) => entry.1 = true,
                    None => inner.readers.push((reader.clone(), true)),
                }
            }
            CardEvent::CardRemoved { reader } => {
                if let Some(entry) = inner.readers.iter_mut().find(|(n, _)| n == reader) {
                    entry.1 = false;
                }
                if inner.active.as_deref() == Some(reader) {
                    lock_reason = Some(LockReason::CardRemoved);
                }
            }
            CardEvent::ServiceDown => {
                inner.service = false;
                inner.readers.clear();
                lock_reason = Some(LockReason::ServiceStopped);
            }
            CardEvent::ServiceUp => inner.service = true,
        }
        if let Some(reason) = lock_reason {
            self.lock_locked(&mut inner, reason);
            inner.active = None;
        }
        self.pick_active(&mut inner);
        self.changed(&inner);
    }

    /// Drops identity, roles and results; audits it; tells the front ends. `inner` is held.
    fn lock_locked(&self, inner: &mut Inner, reason: LockReason) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        inner.pin = None;
        inner.certificate_warning = None;
        inner.locked_reason = Some(reason);
        if let Some(identity) = inner.identity.take() {
            let role = inner.role.take();
            inner.roles.clear();
            self.audit(AuditEntry {
                time: self.clock.unix_seconds() as i64,
                user_uuid: identity.uuid,
                role_profile_id: role.map(|r| r.role_profile_id),
                ods_code: self.settings.ods_code.clone(),
                action: if reason == LockReason::SignedOut {
                    AuditAction::SignOut
                } else {
                    AuditAction::Lock
                },
                nhs_number: None,
                outcome: Some(format!("{reason:?}")),
                trace_id: None,
            });
        }
        inner.roles.clear();
        inner.role = None;
        tracing::info!(?reason, "session locked");
        let _ = self.events.send(SessionEvent::Locked { reason });
    }

    fn audit(&self, entry: AuditEntry) {
        if let Some(audit) = &self.audit {
            if let Err(e) = audit.record(entry) {
                tracing::error!(error = %e, "the audit log could not be written");
            }
        }
    }

    /// Locks now (sign-out, or the front end's own reasons).
    pub fn lock(&self, reason: LockReason) {
        let mut inner = self.lock_inner();
        self.lock_locked(&mut inner, reason);
        self.changed(&inner);
    }

    /// Explicit sign-out.
    pub fn sign_out(&self) {
        self.lock(LockReason::SignedOut);
    }

    /// Records user activity (resets the idle timer).
    pub fn touch(&self) {
        let now = self.clock.monotonic();
        self.lock_inner().last_activity = now;
    }

    /// Locks if idle for longer than the setting; returns whether it locked.
    pub fn check_idle(&self) -> bool {
        let now = self.clock.monotonic();
        let mut inner = self.lock_inner();
        if inner.signed_in() && now.saturating_sub(inner.last_activity) >= self.settings.idle_lock {
            self.lock_locked(&mut inner, LockReason::IdleTimeout);
            self.changed(&inner);
            return true;
        }
        false
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
        let access = self.access.clone();
        let profiles = self.settings.profiles.clone();
        tokio::task::spawn_blocking(move || access.run(&reader, operation, &profiles))
            .await
            .unwrap_or_else(|e| Err(CardAccessError::Reader(e.to_string())))
    }

    fn active_reader(&self) -> Option<String> {
        self.lock_inner().active.clone()
    }

    /// Asks the card how many passcode tries are left (spends none).
    pub async fn query_tries(&self) -> Result<PinState, SignInError> {
        let reader = self.active_reader().ok_or(SignInError::NoCard)?;
        let state = match self.run_card(reader.clone(), Operation::QueryTries).await {
            Ok(CardOutcome::Tries(state)) => state,
            Ok(CardOutcome::Identity(..)) => {
                return Err(SignInError::Card(CardAccessError::Reader(
                    "unexpected answer".into(),
                )))
            }
            Err(CardAccessError::Card(CardError::Blocked)) => PinState::Blocked,
            Err(e) => return Err(e.into()),
        };
        let mut inner = self.lock_inner();
        if inner.active.as_deref() == Some(reader.as_str()) {
            inner.pin = Some(state);
            self.changed(&inner);
        }
        Ok(state)
    }

    /// Signs in with the passcode typed. With one try left, `confirm_last_try` must be set.
    pub async fn sign_in(
        &self,
        passcode: String,
        confirm_last_try: bool,
    ) -> Result<SessionView, SignInError> {
        let passcode = Passcode::new(passcode)?;
        let reader = self.active_reader().ok_or(SignInError::NoCard)?;
        match self.query_tries().await? {
            PinState::Blocked => return Err(CardAccessError::Card(CardError::Blocked).into()),
            PinState::TriesLeft { tries: 1 } if !confirm_last_try => {
                return Err(SignInError::ConfirmLastTry)
            }
            _ => {}
        }
        let generation = self.generation();
        let outcome = self
            .run_card(reader.clone(), Operation::ReadIdentity(passcode))
            .await;
        let identity = match outcome {
            Ok(CardOutcome::Identity(identity, profile)) => {
                tracing::info!(profile, "card identity read");
                identity
            }
            Ok(CardOutcome::Tries(_)) => {
                return Err(CardAccessError::Reader("unexpected answer".into()).into())
            }
            Err(e) => {
                let mut inner = self.lock_inner();
                inner.pin = match &e {
                    CardAccessError::Card(CardError::WrongPasscode { tries_left }) => {
                        Some(PinState::TriesLeft { tries: *tries_left })
                    }
                    CardAccessError::Card(CardError::Blocked) => Some(PinState::Blocked),
                    _ => inner.pin,
                };
                self.changed(&inner);
                return Err(e.into());
            }
        };
        let now = self.clock.unix_seconds() as i64;
        let warning = match identity.expiry(now) {
            Expiry::Expired => return Err(SignInError::CertificateExpired),
            Expiry::ExpiresSoon { days_left } => Some(match days_left {
                0 => "Your smartcard's certificate expires today. Renew it with your Registration Authority.".to_owned(),
                1 => "Your smartcard's certificate expires tomorrow. Renew it with your Registration Authority.".to_owned(),
                n => format!("Your smartcard's certificate expires in {n} days. Renew it with your Registration Authority."),
            }),
            Expiry::Valid => None,
        };
        let roles = self
            .roles
            .roles(&identity.uuid)
            .await
            .map_err(SignInError::Roles)?;
        let roles: Vec<Role> = roles
            .into_iter()
            .filter(|r| r.ods_code.eq_ignore_ascii_case(&self.settings.ods_code))
            .collect();
        if roles.is_empty() {
            return Err(SignInError::NoRole);
        }
        let mut inner = self.lock_inner();
        if self.generation() != generation || inner.active.as_deref() != Some(reader.as_str()) {
            // The card went while we were reading it.
            return Err(CardAccessError::Removed.into());
        }
        inner.pin = Some(PinState::Verified);
        inner.certificate_warning = warning;
        inner.locked_reason = None;
        inner.last_activity = self.clock.monotonic();
        inner.role = (roles.len() == 1).then(|| roles[0].clone());
        inner.roles = roles;
        self.audit(AuditEntry {
            time: now,
            user_uuid: identity.uuid.clone(),
            role_profile_id: inner.role.as_ref().map(|r| r.role_profile_id.clone()),
            ods_code: self.settings.ods_code.clone(),
            action: AuditAction::SignIn,
            nhs_number: None,
            outcome: None,
            trace_id: None,
        });
        inner.identity = Some(identity);
        self.changed(&inner);
        Ok(self.view_of(&inner))
    }

    /// Chooses (or changes) the role; audited.
    pub fn choose_role(&self, role_profile_id: &str) -> Result<SessionView, SignInError> {
        let mut inner = self.lock_inner();
        let identity = inner.identity.clone().ok_or(SignInError::NotSignedIn)?;
        let role = inner
            .roles
            .iter()
            .find(|r| r.role_profile_id == role_profile_id)
            .cloned()
            .ok_or(SignInError::UnknownRole)?;
        inner.role = Some(role.clone());
        inner.last_activity = self.clock.monotonic();
        self.audit(AuditEntry {
            time: self.clock.unix_seconds() as i64,
            user_uuid: identity.uuid,
            role_profile_id: Some(role.role_profile_id),
            ods_code: self.settings.ods_code.clone(),
            action: AuditAction::RoleChange,
            nhs_number: None,
            outcome: None,
            trace_id: None,
        });
        self.changed(&inner);
        Ok(self.view_of(&inner))
    }

    /// The actor for lookups: present only when a role is selected.
    pub fn actor(&self) -> Option<Actor> {
        let inner = self.lock_inner();
        let identity = inner.identity.as_ref()?;
        let role = inner.role.as_ref()?;
        Some(Actor {
            user_uuid: identity.uuid.clone(),
            role_profile_id: role.role_profile_id.clone(),
        })
    }

    /// Runs a lookup as the session's user. Refused unless a role is selected; a result that
    /// arrives after the session locked is dropped. Audited.
    pub async fn lookup(
        &self,
        engine: &Engine,
        input: &str,
        progress: impl Fn(Progress),
    ) -> LookupResult {
        self.touch();
        let generation = self.generation();
        let actor = self.actor();
        let mut result = engine.lookup(actor.as_ref(), input, progress).await;
        if self.generation() != generation {
            result.patient = None;
            result.raw_response = None;
            result.outcome = Outcome::Error(LookupError::SessionEnded);
            return result;
        }
        if let Some(actor) = actor {
            if !matches!(
                &result.outcome,
                Outcome::Error(LookupError::InvalidNhsNumber(_))
            ) {
                let outcome = match &result.outcome {
                    Outcome::Status { banner, .. } => {
                        format!("{}:{:?}", banner.colour.as_str(), banner.kind)
                    }
                    Outcome::NoRecord { .. } => "grey:NoRecord".to_owned(),
                    Outcome::Error(e) => e.code(),
                };
                self.audit(AuditEntry {
                    time: self.clock.unix_seconds() as i64,
                    user_uuid: actor.user_uuid,
                    role_profile_id: Some(actor.role_profile_id),
                    ods_code: self.settings.ods_code.clone(),
                    action: AuditAction::Lookup,
                    nhs_number: Some(result.requested.clone()),
                    outcome: Some(outcome),
                    trace_id: Some(result.trace_id.clone()),
                });
            }
        }
        result
    }
}
