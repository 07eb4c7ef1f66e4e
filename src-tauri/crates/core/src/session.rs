//! The signed-in session as a pure state machine, like the card conversation: inputs are card
//! events, what a finished sign-in found, user actions and the time; outputs are the new state
//! and [`Effect`]s (tell the front ends, lock and forget, audit). A thin driver in the engine
//! does the I/O (the card, the directory, the audit log, timers).
//!
//! States (derived, never stored twice): no PC/SC service → no reader → waiting for card →
//! card present (passcode needed) → choose role (signed in, several roles) → ready (role
//! selected; patient data may be accessed). Time is a parameter (`now`, monotonic): nothing
//! here reads a clock.
//!
//! Safety rules kept here, each with its tests below:
//! - **a lock forgets everything**: identity, roles, role, passcode state; it bumps the
//!   generation, so a result started before it is never delivered ([`Machine::accepts`]);
//! - **a lock happens on** the card leaving the reader followed, the reader going, the PC/SC
//!   service stopping, idle time, or sign-out;
//! - **patient data needs a role**: [`Machine::actor`] is `None` until one is chosen;
//! - **a sign-in that finishes after the card went is refused** (its generation is stale).

use std::time::Duration;

use crate::card::{CardEvent, CardIdentity, Expiry, PinState};
use crate::roles::Role;

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

impl LockReason {
    /// The audit log's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CardRemoved => "card_removed",
            Self::IdleTimeout => "idle_timeout",
            Self::SignedOut => "signed_out",
            Self::ReaderRemoved => "reader_removed",
            Self::ServiceStopped => "service_stopped",
        }
    }
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

/// The state names front ends see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SessionState {
    /// The PC/SC service is not running.
    NoService,
    /// No reader is connected.
    NoReader,
    /// Readers, but no card.
    WaitingForCard,
    /// A card: the passcode is needed.
    CardPresent,
    /// Signed in with several roles: one must be chosen.
    ChooseRole,
    /// Signed in with a role: patient data may be accessed.
    Ready,
}

impl SessionState {
    /// The wire name: `no_service`, `no_reader`, `waiting_for_card`, `card_present`,
    /// `choose_role`, `ready`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoService => "no_service",
            Self::NoReader => "no_reader",
            Self::WaitingForCard => "waiting_for_card",
            Self::CardPresent => "card_present",
            Self::ChooseRole => "choose_role",
            Self::Ready => "ready",
        }
    }
}

impl std::fmt::Display for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The session as front ends see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    /// Where the session is.
    pub state: SessionState,
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

/// Who is acting: the user and the role they act in. Present only when a role is chosen.
#[derive(Clone, PartialEq, Eq)]
pub struct Actor {
    /// SDS user id (smartcard UUID).
    pub user_uuid: String,
    /// SDS role profile id.
    pub role_profile_id: String,
    /// What the role may see of a status (its RBAC activities).
    pub view: crate::roles::DetailView,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Actor(***)")
    }
}

/// What the session records in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAction {
    /// Signed in.
    SignIn,
    /// Chose or changed role.
    RoleChange,
    /// Signed out.
    SignOut,
    /// Locked (card removed, idle, reader or service gone).
    Lock,
}

/// An audit record the driver must write.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionAudit {
    /// What happened.
    pub action: SessionAction,
    /// The user.
    pub user_uuid: String,
    /// The role acted in, when one was chosen.
    pub role_profile_id: Option<String>,
    /// Why a lock happened.
    pub reason: Option<LockReason>,
}

impl std::fmt::Debug for SessionAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionAudit")
            .field("action", &self.action)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// What the driver must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The view changed: tell the front ends.
    Changed,
    /// Locked: clear every patient detail from the screen now, drop in-flight results.
    Locked(LockReason),
    /// Append this to the audit log.
    Audit(SessionAudit),
}

/// An input the machine refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No card in the reader the session follows.
    #[error("Insert your smartcard")]
    NoCard,
    /// One try is left and the user has not confirmed.
    #[error("One try is left: a wrong passcode will lock the card. Confirm to continue")]
    ConfirmLastTry,
    /// The card is blocked.
    #[error("The card is blocked")]
    Blocked,
    /// The card went (or the session locked) while it was being read.
    #[error("The card was removed before it could be read. Insert it again")]
    CardGone,
    /// The certificate has expired.
    #[error(
        "Your smartcard's certificate has expired. Go to your Registration Authority to renew it"
    )]
    CertificateExpired,
    /// No role at this organisation.
    #[error("You have no role at this organisation in the Spine directory. Ask your Registration Authority to add one")]
    NoRole,
    /// The role is not one of the user's.
    #[error("That role is not one of yours")]
    UnknownRole,
    /// Nobody is signed in.
    #[error("Sign in first")]
    NotSignedIn,
}

/// What a card read produced, handed to [`Machine::signed_in`].
#[derive(Clone)]
pub struct SignInResult {
    /// The reader read.
    pub reader: String,
    /// [`Machine::generation`] when the read started.
    pub started: u64,
    /// The identity from the certificate.
    pub identity: CardIdentity,
    /// Every role the directory holds for the user (any organisation).
    pub roles: Vec<Role>,
}

/// Session settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Desk or kiosk.
    pub mode: Mode,
    /// Idle time before locking.
    pub idle_lock: Duration,
    /// The organisation whose roles count.
    pub ods_code: String,
    /// The software training card is in use.
    pub training: bool,
    /// The RBAC activities that may see a status's detail (default: B0259).
    pub detail_activities: Vec<String>,
}

/// The session.
#[derive(Debug, Clone)]
pub struct Machine {
    settings: Settings,
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
    generation: u64,
}

/// The certificate-expiry warning to show, if any.
pub fn expiry_warning(expiry: Expiry) -> Option<String> {
    match expiry {
        Expiry::ExpiresSoon { days_left } => Some(match days_left {
            0 => "Your smartcard's certificate expires today. Renew it with your Registration Authority.".to_owned(),
            1 => "Your smartcard's certificate expires tomorrow. Renew it with your Registration Authority.".to_owned(),
            n => format!("Your smartcard's certificate expires in {n} days. Renew it with your Registration Authority."),
        }),
        Expiry::Valid | Expiry::Expired => None,
    }
}

impl Machine {
    /// A session with no reader known yet, at `now`.
    pub fn new(settings: Settings, now: Duration) -> Self {
        Self {
            settings,
            service: true,
            readers: Vec::new(),
            active: None,
            pin: None,
            identity: None,
            roles: Vec::new(),
            role: None,
            last_activity: now,
            certificate_warning: None,
            locked_reason: None,
            generation: 0,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Bumped by every lock.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether a result started under `generation` may still be delivered (no lock since).
    pub fn accepts(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// The reader the session follows.
    pub fn active_reader(&self) -> Option<&str> {
        self.active.as_deref()
    }

    /// Who acts: present only when signed in with a role chosen.
    pub fn actor(&self) -> Option<Actor> {
        let identity = self.identity.as_ref()?;
        let role = self.role.as_ref()?;
        Some(Actor {
            user_uuid: identity.uuid.clone(),
            role_profile_id: role.role_profile_id.clone(),
            view: crate::roles::DetailView::for_activities(
                &role.business_functions,
                &self.settings.detail_activities,
            ),
        })
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        if !self.service {
            SessionState::NoService
        } else if self.readers.is_empty() {
            SessionState::NoReader
        } else if self.active.is_none() {
            // A reader is followed exactly when one holds a card (see `pick_active`).
            SessionState::WaitingForCard
        } else if self.identity.is_none() {
            SessionState::CardPresent
        } else if self.role.is_none() {
            SessionState::ChooseRole
        } else {
            SessionState::Ready
        }
    }

    /// The session as front ends see it.
    pub fn view(&self) -> SessionView {
        SessionView {
            state: self.state(),
            training: self.settings.training,
            reader: self.active.clone(),
            readers: self.readers.iter().map(|(n, _)| n.clone()).collect(),
            pin: self.pin,
            user: self.identity.as_ref().map(|i| UserView {
                uuid: i.uuid.clone(),
                name: i.name.clone(),
            }),
            roles: self.roles.clone(),
            role: self.role.clone(),
            certificate_warning: self.certificate_warning.clone(),
            locked_reason: self.locked_reason,
        }
    }

    /// Follows the first reader holding a card when none is followed. A followed reader that
    /// loses its card (or goes) has already locked the session and been let go
    /// ([`Self::let_go`]), so the reader followed always holds a card.
    fn pick_active(&mut self) {
        if self.active.is_none() {
            self.active = self
                .readers
                .iter()
                .find(|(_, p)| *p)
                .map(|(n, _)| n.clone());
            self.pin = None;
        }
    }

    /// Why the reader followed can no longer be trusted to hold the signed-in card, if so.
    fn followed_card_gone(&self) -> Option<LockReason> {
        let active = self.active.as_ref()?;
        if !self.service {
            return Some(LockReason::ServiceStopped);
        }
        match self.readers.iter().find(|(n, _)| n == active) {
            None => Some(LockReason::ReaderRemoved),
            Some((_, false)) => Some(LockReason::CardRemoved),
            Some((_, true)) => None,
        }
    }

    /// Locks and stops following the reader, when its card has gone.
    fn let_go(&mut self, effects: &mut Vec<Effect>) {
        if let Some(reason) = self.followed_card_gone() {
            self.lock(reason, effects);
            self.active = None;
        }
    }

    /// Forgets identity, roles, role and passcode state; bumps the generation.
    fn lock(&mut self, reason: LockReason, effects: &mut Vec<Effect>) {
        self.generation += 1;
        self.pin = None;
        self.certificate_warning = None;
        self.locked_reason = Some(reason);
        let role = self.role.take();
        self.roles.clear();
        if let Some(identity) = self.identity.take() {
            effects.push(Effect::Audit(SessionAudit {
                action: if reason == LockReason::SignedOut {
                    SessionAction::SignOut
                } else {
                    SessionAction::Lock
                },
                user_uuid: identity.uuid,
                role_profile_id: role.map(|r| r.role_profile_id),
                reason: Some(reason),
            }));
        }
        effects.push(Effect::Locked(reason));
    }

    /// The readers as listed now (`None`: the PC/SC service is not running). If the reader
    /// followed is gone or empty in the new list, the session locks as it would on the event.
    pub fn readers_listed(&mut self, readers: Option<Vec<(String, bool)>>) -> Vec<Effect> {
        let mut effects = Vec::new();
        match readers {
            Some(list) => {
                self.service = true;
                self.readers = list;
            }
            None => {
                self.service = false;
                self.readers.clear();
            }
        }
        self.let_go(&mut effects);
        self.pick_active();
        effects.push(Effect::Changed);
        effects
    }

    /// A card event.
    pub fn card_event(&mut self, event: &CardEvent) -> Vec<Effect> {
        match event {
            CardEvent::ReaderAdded { reader } => {
                if !self.readers.iter().any(|(n, _)| n == reader) {
                    self.readers.push((reader.clone(), false));
                }
            }
            CardEvent::ReaderRemoved { reader } => self.readers.retain(|(n, _)| n != reader),
            CardEvent::CardInserted { reader, .. } => {
                match self.readers.iter_mut().find(|(n, _)| n == reader) {
                    Some(entry) => entry.1 = true,
                    None => self.readers.push((reader.clone(), true)),
                }
            }
            CardEvent::CardRemoved { reader } => {
                if let Some(entry) = self.readers.iter_mut().find(|(n, _)| n == reader) {
                    entry.1 = false;
                }
            }
            CardEvent::ServiceDown => {
                self.service = false;
                self.readers.clear();
            }
            CardEvent::ServiceUp => self.service = true,
        }
        let mut effects = Vec::new();
        self.let_go(&mut effects);
        self.pick_active();
        effects.push(Effect::Changed);
        effects
    }

    /// The passcode state the card reported for `reader` (ignored if the session moved on).
    pub fn pin_known(&mut self, reader: &str, pin: PinState) -> Vec<Effect> {
        if self.active.as_deref() != Some(reader) {
            return Vec::new();
        }
        self.pin = Some(pin);
        vec![Effect::Changed]
    }

    /// Whether a sign-in may spend a passcode try now: not when blocked, and with one try left
    /// only when the user has confirmed.
    pub fn may_try_passcode(pin: PinState, confirm_last_try: bool) -> Result<(), Refusal> {
        match pin {
            PinState::Blocked => Err(Refusal::Blocked),
            PinState::TriesLeft { tries: 1 } if !confirm_last_try => Err(Refusal::ConfirmLastTry),
            _ => Ok(()),
        }
    }

    /// A card read finished: signs the user in, with their roles at this organisation (one is
    /// chosen at once; several wait for the user). Refused when the session locked or the
    /// card went meanwhile, when the certificate has expired (`now_unix`), or when no role is
    /// held here.
    pub fn signed_in(
        &mut self,
        read: SignInResult,
        now: Duration,
        now_unix: i64,
    ) -> Result<Vec<Effect>, Refusal> {
        if !self.accepts(read.started) || self.active.as_deref() != Some(read.reader.as_str()) {
            return Err(Refusal::CardGone);
        }
        let expiry = read.identity.expiry(now_unix);
        if expiry == Expiry::Expired {
            return Err(Refusal::CertificateExpired);
        }
        let roles: Vec<Role> = read
            .roles
            .into_iter()
            .filter(|r| r.ods_code.eq_ignore_ascii_case(&self.settings.ods_code))
            .collect();
        if roles.is_empty() {
            return Err(Refusal::NoRole);
        }
        self.pin = Some(PinState::Verified);
        self.certificate_warning = expiry_warning(expiry);
        self.locked_reason = None;
        self.last_activity = now;
        self.role = (roles.len() == 1).then(|| roles[0].clone());
        self.roles = roles;
        let audit = SessionAudit {
            action: SessionAction::SignIn,
            user_uuid: read.identity.uuid.clone(),
            role_profile_id: self.role.as_ref().map(|r| r.role_profile_id.clone()),
            reason: None,
        };
        self.identity = Some(read.identity);
        Ok(vec![Effect::Audit(audit), Effect::Changed])
    }

    /// Chooses (or changes) the role.
    pub fn choose_role(
        &mut self,
        role_profile_id: &str,
        now: Duration,
    ) -> Result<Vec<Effect>, Refusal> {
        let identity = self.identity.as_ref().ok_or(Refusal::NotSignedIn)?;
        let role = self
            .roles
            .iter()
            .find(|r| r.role_profile_id == role_profile_id)
            .cloned()
            .ok_or(Refusal::UnknownRole)?;
        let audit = SessionAudit {
            action: SessionAction::RoleChange,
            user_uuid: identity.uuid.clone(),
            role_profile_id: Some(role.role_profile_id.clone()),
            reason: None,
        };
        self.role = Some(role);
        self.last_activity = now;
        Ok(vec![Effect::Audit(audit), Effect::Changed])
    }

    /// Locks now (sign-out, or the front end's own reasons).
    pub fn lock_now(&mut self, reason: LockReason) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.lock(reason, &mut effects);
        effects.push(Effect::Changed);
        effects
    }

    /// User activity: postpones the idle lock.
    pub fn touch(&mut self, now: Duration) {
        self.last_activity = now;
    }

    /// The time passing: locks a signed-in session idle for the idle time.
    pub fn tick(&mut self, now: Duration) -> Vec<Effect> {
        if self.identity.is_some()
            && now.saturating_sub(self.last_activity) >= self.settings.idle_lock
        {
            return self.lock_now(LockReason::IdleTimeout);
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READER: &str = "Reader 0";
    const UUID: &str = "555021935107";
    const DAY: i64 = 86_400;
    /// 2026-12-04T00:00:00Z.
    const NOW_UNIX: i64 = 1_796_342_400;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn role(id: &str, ods: &str) -> Role {
        Role {
            role_profile_id: id.into(),
            job_role: "Overseas Visitors Manager".into(),
            job_role_code: None,
            ods_code: ods.into(),
            business_functions: vec!["B0259".into()],
        }
    }

    fn identity(days_left: i64) -> CardIdentity {
        CardIdentity {
            uuid: UUID.into(),
            name: Some("Jo Bloggs".into()),
            not_after: NOW_UNIX + days_left * DAY,
        }
    }

    fn machine() -> Machine {
        let mut m = Machine::new(
            Settings {
                mode: Mode::Desk,
                idle_lock: secs(900),
                ods_code: "RRK99".into(),
                training: false,
                detail_activities: vec![crate::roles::DETAIL_ACTIVITY.into()],
            },
            secs(0),
        );
        m.readers_listed(Some(vec![
            (READER.into(), true),
            ("Reader 1".into(), false),
        ]));
        m
    }

    fn read(m: &Machine, roles: Vec<Role>) -> SignInResult {
        SignInResult {
            reader: READER.into(),
            started: m.generation(),
            identity: identity(365),
            roles,
        }
    }

    fn signed_in(roles: Vec<Role>) -> Machine {
        let mut m = machine();
        let r = read(&m, roles);
        m.signed_in(r, secs(10), NOW_UNIX).expect("signed in");
        m
    }

    fn audits(effects: &[Effect]) -> Vec<SessionAction> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Audit(a) => Some(a.action),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_actor_sees_the_detail_only_in_a_role_with_an_allowed_activity() {
        use crate::roles::DetailView;
        let ovm = role("555021936109", "RRK99");
        let mut clerk = role("555021937100", "RRK99");
        clerk.job_role = "Admin & Clerical".into();
        clerk.business_functions = vec!["B0264".into(), "B0572".into()];
        let mut m = signed_in(vec![ovm.clone(), clerk.clone()]);
        m.choose_role(&ovm.role_profile_id, secs(11)).expect("role");
        assert_eq!(m.actor().map(|a| a.view), Some(DetailView::Full));
        m.choose_role(&clerk.role_profile_id, secs(12))
            .expect("role");
        assert_eq!(
            m.actor().map(|a| a.view),
            Some(DetailView::Restricted),
            "changing role changes the view at once"
        );
    }

    #[test]
    fn states_follow_the_readers_and_the_card() {
        let mut m = Machine::new(
            Settings {
                mode: Mode::Kiosk,
                idle_lock: secs(120),
                ods_code: "RRK99".into(),
                training: true,
                detail_activities: vec![crate::roles::DETAIL_ACTIVITY.into()],
            },
            secs(0),
        );
        assert_eq!(m.state(), SessionState::NoReader);
        assert_eq!(m.state().as_str(), "no_reader");
        assert_eq!(
            serde_json::to_value(SessionState::WaitingForCard).expect("json"),
            serde_json::json!("waiting_for_card")
        );
        assert_eq!(SessionState::ChooseRole.to_string(), "choose_role");
        m.readers_listed(None);
        assert_eq!(m.state(), SessionState::NoService);
        m.readers_listed(Some(vec![(READER.into(), false)]));
        assert_eq!(m.state(), SessionState::WaitingForCard);
        m.card_event(&CardEvent::CardInserted {
            reader: READER.into(),
            atr: "3B".into(),
        });
        assert_eq!(m.state(), SessionState::CardPresent);
        assert_eq!(m.active_reader(), Some(READER));
        assert!(m.view().training);
        assert_eq!(m.actor(), None);
    }

    #[test]
    fn one_role_here_is_chosen_and_roles_elsewhere_do_not_count() {
        let mut m = machine();
        let r = read(&m, vec![role("1", "RRK99"), role("2", "XYZ")]);
        let effects = m.signed_in(r, secs(10), NOW_UNIX).expect("signed in");
        assert_eq!(audits(&effects), [SessionAction::SignIn]);
        assert_eq!(m.state(), SessionState::Ready);
        assert_eq!(m.view().roles.len(), 1);
        let actor = m.actor().expect("actor");
        assert_eq!(
            (actor.user_uuid.as_str(), actor.role_profile_id.as_str()),
            (UUID, "1")
        );
        assert_eq!(m.view().pin, Some(PinState::Verified));
        // The ODS code compares without regard to case.
        let mut m = machine();
        let r = read(&m, vec![role("1", "rrk99")]);
        m.signed_in(r, secs(10), NOW_UNIX).expect("signed in");
        assert!(m.actor().is_some());
    }

    #[test]
    fn several_roles_wait_for_a_choice_and_patient_data_needs_one() {
        let mut m = signed_in(vec![role("1", "RRK99"), role("2", "RRK99")]);
        assert_eq!(m.state(), SessionState::ChooseRole);
        assert_eq!(m.actor(), None, "no role, no patient data");
        assert_eq!(m.choose_role("3", secs(20)), Err(Refusal::UnknownRole));
        let effects = m.choose_role("2", secs(20)).expect("chosen");
        assert_eq!(audits(&effects), [SessionAction::RoleChange]);
        assert_eq!(m.actor().expect("actor").role_profile_id, "2");
        m.choose_role("1", secs(30)).expect("changed");
        assert_eq!(m.actor().expect("actor").role_profile_id, "1");
        let mut fresh = machine();
        assert_eq!(fresh.choose_role("1", secs(1)), Err(Refusal::NotSignedIn));
    }

    #[test]
    fn no_role_here_or_an_expired_certificate_is_refused() {
        let mut m = machine();
        let r = read(&m, vec![role("1", "XYZ")]);
        assert_eq!(m.signed_in(r, secs(1), NOW_UNIX), Err(Refusal::NoRole));
        assert_eq!(m.state(), SessionState::CardPresent);
        let mut r = read(&m, vec![role("1", "RRK99")]);
        r.identity = identity(-1);
        assert_eq!(
            m.signed_in(r, secs(1), NOW_UNIX),
            Err(Refusal::CertificateExpired)
        );
        assert_eq!(m.actor(), None);
        let mut r = read(&m, vec![role("1", "RRK99")]);
        r.identity = identity(5);
        m.signed_in(r, secs(1), NOW_UNIX).expect("signed in");
        assert_eq!(
            m.view().certificate_warning.as_deref(),
            Some("Your smartcard's certificate expires in 5 days. Renew it with your Registration Authority.")
        );
    }

    #[test]
    fn removing_the_card_locks_forgets_everything_and_is_audited() {
        let mut m = signed_in(vec![role("1", "RRK99")]);
        let before = m.generation();
        let effects = m.card_event(&CardEvent::CardRemoved {
            reader: READER.into(),
        });
        assert!(effects.contains(&Effect::Locked(LockReason::CardRemoved)));
        assert_eq!(audits(&effects), [SessionAction::Lock]);
        let audit = effects.iter().find_map(|e| match e {
            Effect::Audit(a) => Some(a.clone()),
            _ => None,
        });
        let audit = audit.expect("audit");
        assert_eq!(audit.user_uuid, UUID);
        assert_eq!(audit.role_profile_id.as_deref(), Some("1"));
        assert_eq!(audit.reason, Some(LockReason::CardRemoved));
        assert_eq!(m.actor(), None);
        let view = m.view();
        assert_eq!(
            (
                view.user,
                view.role,
                view.roles.len(),
                view.pin,
                view.locked_reason
            ),
            (None, None, 0, None, Some(LockReason::CardRemoved))
        );
        assert!(
            !m.accepts(before),
            "a result started before the lock is dropped"
        );
        assert!(m.accepts(m.generation()));
        assert_eq!(m.state(), SessionState::WaitingForCard);
    }

    #[test]
    fn readers_are_listed_once_each_and_go_when_removed() {
        let mut m = machine();
        let added = CardEvent::ReaderAdded {
            reader: "Reader 2".into(),
        };
        m.card_event(&added);
        m.card_event(&added);
        assert_eq!(m.view().readers, ["Reader 0", "Reader 1", "Reader 2"]);
        m.card_event(&CardEvent::ReaderRemoved {
            reader: "Reader 1".into(),
        });
        assert_eq!(m.view().readers, ["Reader 0", "Reader 2"]);
        assert_eq!(
            m.active_reader(),
            Some(READER),
            "the card's reader is still followed"
        );
    }

    #[test]
    fn the_followed_reader_is_kept_while_it_holds_its_card_then_the_next_card_is_followed() {
        let mut m = machine();
        m.card_event(&CardEvent::CardInserted {
            reader: "Reader 1".into(),
            atr: "3B".into(),
        });
        assert_eq!(m.active_reader(), Some(READER));
        m.card_event(&CardEvent::CardRemoved {
            reader: READER.into(),
        });
        assert_eq!(m.active_reader(), Some("Reader 1"));
        assert_eq!(m.state(), SessionState::CardPresent);
    }

    /// A fresh reader list (start-up, the service coming back) that no longer shows the
    /// signed-in card locks, exactly as the card event would have: another card in another
    /// reader never inherits the session.
    #[test]
    fn a_reader_list_without_the_signed_in_card_locks() {
        type Readers = Option<Vec<(String, bool)>>;
        let cases: [(Readers, LockReason, SessionState); 3] = [
            (
                Some(vec![(READER.into(), false), ("Reader 1".into(), true)]),
                LockReason::CardRemoved,
                SessionState::CardPresent,
            ),
            (
                Some(vec![("Reader 1".into(), true)]),
                LockReason::ReaderRemoved,
                SessionState::CardPresent,
            ),
            (None, LockReason::ServiceStopped, SessionState::NoService),
        ];
        for (list, reason, state) in cases {
            let mut m = signed_in(vec![role("1", "RRK99")]);
            let effects = m.readers_listed(list);
            assert!(effects.contains(&Effect::Locked(reason)), "{reason:?}");
            assert_eq!(audits(&effects), [SessionAction::Lock], "{reason:?}");
            assert_eq!(m.actor(), None);
            assert_eq!(m.view().user, None);
            assert_eq!(m.state(), state, "{reason:?}");
        }
        // The same list again changes nothing for a session that still holds its card.
        let mut m = signed_in(vec![role("1", "RRK99")]);
        let effects =
            m.readers_listed(Some(vec![(READER.into(), true), ("Reader 1".into(), true)]));
        assert_eq!(effects, [Effect::Changed]);
        assert_eq!(m.state(), SessionState::Ready);
    }

    #[test]
    fn lock_reasons_have_their_audit_words_and_audits_redact_the_user() {
        let words = [
            (LockReason::CardRemoved, "card_removed"),
            (LockReason::IdleTimeout, "idle_timeout"),
            (LockReason::SignedOut, "signed_out"),
            (LockReason::ReaderRemoved, "reader_removed"),
            (LockReason::ServiceStopped, "service_stopped"),
        ];
        for (reason, word) in words {
            assert_eq!(reason.as_str(), word);
        }
        let audit = SessionAudit {
            action: SessionAction::Lock,
            user_uuid: UUID.into(),
            role_profile_id: Some("555021936109".into()),
            reason: Some(LockReason::IdleTimeout),
        };
        assert_eq!(
            format!("{audit:?}"),
            "SessionAudit { action: Lock, reason: Some(IdleTimeout), .. }"
        );
    }

    #[test]
    fn only_the_followed_reader_matters() {
        let mut m = signed_in(vec![role("1", "RRK99")]);
        let effects = m.card_event(&CardEvent::CardRemoved {
            reader: "Reader 1".into(),
        });
        assert_eq!(effects, [Effect::Changed]);
        assert!(m.actor().is_some());
        m.card_event(&CardEvent::ReaderRemoved {
            reader: READER.into(),
        });
        assert_eq!(m.actor(), None);
        assert_eq!(m.view().locked_reason, Some(LockReason::ReaderRemoved));
    }

    #[test]
    fn the_service_stopping_locks() {
        let mut m = signed_in(vec![role("1", "RRK99")]);
        let effects = m.card_event(&CardEvent::ServiceDown);
        assert!(effects.contains(&Effect::Locked(LockReason::ServiceStopped)));
        assert_eq!(m.state(), SessionState::NoService);
        m.card_event(&CardEvent::ServiceUp);
        assert_eq!(m.state(), SessionState::NoReader);
    }

    #[test]
    fn idle_time_locks_and_activity_postpones_it() {
        let mut m = signed_in(vec![role("1", "RRK99")]);
        assert!(m.tick(secs(10 + 899)).is_empty());
        m.touch(secs(500));
        assert!(m.tick(secs(500 + 899)).is_empty());
        let effects = m.tick(secs(500 + 900));
        assert!(effects.contains(&Effect::Locked(LockReason::IdleTimeout)));
        assert_eq!(m.actor(), None);
        // Nobody signed in: nothing to lock.
        assert!(m.tick(secs(100_000)).is_empty());
    }

    #[test]
    fn sign_out_is_audited_as_such_and_a_lock_without_a_user_is_not() {
        let mut m = signed_in(vec![role("1", "RRK99")]);
        let effects = m.lock_now(LockReason::SignedOut);
        assert_eq!(audits(&effects), [SessionAction::SignOut]);
        assert!(effects.contains(&Effect::Locked(LockReason::SignedOut)));
        let effects = m.lock_now(LockReason::SignedOut);
        assert!(audits(&effects).is_empty(), "nobody left to audit");
        assert!(effects.contains(&Effect::Locked(LockReason::SignedOut)));
    }

    #[test]
    fn a_sign_in_that_finishes_after_a_lock_or_on_another_reader_is_refused() {
        let mut m = machine();
        let r = read(&m, vec![role("1", "RRK99")]);
        m.card_event(&CardEvent::CardRemoved {
            reader: READER.into(),
        });
        m.card_event(&CardEvent::CardInserted {
            reader: READER.into(),
            atr: "3B".into(),
        });
        assert_eq!(m.signed_in(r, secs(5), NOW_UNIX), Err(Refusal::CardGone));
        assert_eq!(m.actor(), None);
        let mut r = read(&m, vec![role("1", "RRK99")]);
        r.reader = "Reader 1".into();
        assert_eq!(m.signed_in(r, secs(5), NOW_UNIX), Err(Refusal::CardGone));
    }

    #[test]
    fn passcode_tries_gate_the_attempt() {
        assert_eq!(
            Machine::may_try_passcode(PinState::Blocked, true),
            Err(Refusal::Blocked)
        );
        assert_eq!(
            Machine::may_try_passcode(PinState::TriesLeft { tries: 1 }, false),
            Err(Refusal::ConfirmLastTry)
        );
        assert_eq!(
            Machine::may_try_passcode(PinState::TriesLeft { tries: 1 }, true),
            Ok(())
        );
        assert_eq!(
            Machine::may_try_passcode(PinState::TriesLeft { tries: 2 }, false),
            Ok(())
        );
        let mut m = machine();
        assert_eq!(
            m.pin_known(READER, PinState::TriesLeft { tries: 2 }),
            [Effect::Changed]
        );
        assert_eq!(m.view().pin, Some(PinState::TriesLeft { tries: 2 }));
        assert!(m.pin_known("Reader 1", PinState::Blocked).is_empty());
        assert_eq!(m.view().pin, Some(PinState::TriesLeft { tries: 2 }));
    }

    #[test]
    fn expiry_warnings_say_when() {
        assert_eq!(
            expiry_warning(Expiry::ExpiresSoon { days_left: 0 }).as_deref(),
            Some("Your smartcard's certificate expires today. Renew it with your Registration Authority.")
        );
        assert_eq!(
            expiry_warning(Expiry::ExpiresSoon { days_left: 1 }).as_deref(),
            Some("Your smartcard's certificate expires tomorrow. Renew it with your Registration Authority.")
        );
        assert_eq!(expiry_warning(Expiry::Valid), None);
        assert_eq!(Mode::Kiosk.default_idle(), secs(120));
        assert_eq!(Mode::Desk.default_idle(), secs(900));
        assert_eq!(
            format!("{:?}", signed_in(vec![role("1", "RRK99")]).actor()),
            "Some(Actor(***))"
        );
    }
}
