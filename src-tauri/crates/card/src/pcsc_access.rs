//! Real readers over PC/SC (pcscd on Linux, WinSCard on Windows, CryptoTokenKit on macOS).
//!
//! [`PcscCards`] runs card conversations; [`watch`] follows readers and cards on a dedicated
//! thread with `get_status_change` (including the PnP pseudo-reader, so readers plugged in or
//! out are seen) and survives the PC/SC service stopping and starting again.

use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pcsc::{
    Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State, PNP_NOTIFICATION,
};
use vmcheck_core::card::{CardProfile, Operation};

use crate::{converse, hex, CardAccess, CardAccessError, CardEvent, CardOutcome, ReaderStatus};

fn map_error(e: pcsc::Error) -> CardAccessError {
    match e {
        pcsc::Error::NoReadersAvailable => CardAccessError::NoReader,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle => {
            CardAccessError::NoService
        }
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard => CardAccessError::Removed,
        pcsc::Error::NoSmartcard => CardAccessError::NoCard,
        pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => CardAccessError::ReaderGone,
        other => CardAccessError::Reader(other.to_string()),
    }
}

/// PC/SC readers.
#[derive(Default)]
pub struct PcscCards {
    context: Mutex<Option<Context>>,
}

impl std::fmt::Debug for PcscCards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PcscCards")
    }
}

impl PcscCards {
    /// Readers reached through the PC/SC service (connects lazily).
    pub fn new() -> Self {
        Self::default()
    }

    /// The current context, established (again) when needed.
    fn context(&self) -> Result<Context, CardAccessError> {
        let mut guard = self
            .context
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(ctx) = guard.as_ref() {
            if ctx.is_valid().is_ok() {
                return Ok(ctx.clone());
            }
        }
        let ctx = Context::establish(Scope::User).map_err(map_error)?;
        *guard = Some(ctx.clone());
        Ok(ctx)
    }

    fn forget_context(&self) {
        *self
            .context
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    fn with_retry<T>(
        &self,
        f: impl Fn(&Context) -> Result<T, CardAccessError>,
    ) -> Result<T, CardAccessError> {
        let ctx = self.context()?;
        match f(&ctx) {
            Err(CardAccessError::NoService) => {
                // pcscd may have restarted: a new context, once.
                self.forget_context();
                f(&self.context()?)
            }
            other => other,
        }
    }
}

fn reader_names(ctx: &Context) -> Result<Vec<CString>, CardAccessError> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(map_error(e)),
    }
}

impl CardAccess for PcscCards {
    fn readers(&self) -> Result<Vec<ReaderStatus>, CardAccessError> {
        self.with_retry(|ctx| {
            let names = reader_names(ctx)?;
            if names.is_empty() {
                return Ok(Vec::new());
            }
            let mut states: Vec<ReaderState> = names
                .iter()
                .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
                .collect();
            ctx.get_status_change(Duration::ZERO, &mut states)
                .map_err(map_error)?;
            Ok(states
                .iter()
                .map(|s| {
                    let present = s.event_state().contains(State::PRESENT);
                    ReaderStatus {
                        reader: s.name().to_string_lossy().into_owned(),
                        card_present: present,
                        atr: present.then(|| hex(s.atr())),
                    }
                })
                .collect())
        })
    }

    fn run(
        &self,
        reader: &str,
        operation: Operation,
        profiles: &[CardProfile],
    ) -> Result<CardOutcome, CardAccessError> {
        let name = CString::new(reader).map_err(|_| CardAccessError::ReaderGone)?;
        self.with_retry(|ctx| {
            let mut attempt = 1;
            loop {
                let mut reset = false;
                let result = converse_once(ctx, &name, &operation, profiles, &mut reset);
                if reset && attempt < RESET_ATTEMPTS {
                    // Another application reset the card under this handle: start over.
                    tracing::debug!(attempt, "the card was reset by someone else");
                    attempt += 1;
                    continue;
                }
                return result;
            }
        })
    }
}

/// How many times a conversation is started when another application keeps resetting the card.
const RESET_ATTEMPTS: u32 = 3;

/// One conversation in one connection, inside a PC/SC transaction so no other application's
/// APDU or reset comes between VERIFY and the read; the card is reset at the end, so no
/// verified state lingers for anyone. `reset` is set when the card was reset under this handle
/// by someone else (pcsc `ResetCard`): the caller may start over.
///
/// A card that has left is never reset: pcscd would then mark the reader empty behind the back
/// of its own reader-polling thread, and the next card inserted there could go unseen.
fn converse_once(
    ctx: &Context,
    name: &CStr,
    operation: &Operation,
    profiles: &[CardProfile],
    reset: &mut bool,
) -> Result<CardOutcome, CardAccessError> {
    let mut note = |e: pcsc::Error| {
        *reset |= e == pcsc::Error::ResetCard;
        map_error(e)
    };
    let mut card = ctx
        .connect(name, ShareMode::Shared, Protocols::ANY)
        .map_err(&mut note)?;
    let mut ended = false;
    let result = match card.transaction() {
        Ok(transaction) => {
            let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
            let result = converse(operation.clone(), profiles, |apdu| {
                match transaction.transmit(apdu, &mut buffer) {
                    // No status word: the link to the card broke (vpcd answers a card that
                    // has just gone with an empty response), not something the card said.
                    Ok(response) if response.len() < 2 => Err(CardAccessError::Reader(
                        "the reader returned no status word".into(),
                    )),
                    Ok(response) => Ok(response.to_vec()),
                    Err(e) => Err(note(e)),
                }
            });
            let result = removed_if_gone(ctx, name, result);
            match transaction.end(disposition_after(&result)) {
                Ok(()) => ended = true,
                Err((_, e)) => tracing::debug!(error = %e, "end of transaction"),
            }
            result
        }
        Err(e) => removed_if_gone(ctx, name, Err(note(e))),
    };
    // Disconnect at once (a stale handle left open upsets the next card in that reader).
    let disposition = if ended {
        Disposition::LeaveCard
    } else {
        disposition_after(&result)
    };
    if let Err((_, e)) = card.disconnect(disposition) {
        tracing::debug!(error = %e, "card disconnect");
    }
    result
}

/// Reset the card after a conversation, unless it has left.
fn disposition_after(result: &Result<CardOutcome, CardAccessError>) -> Disposition {
    match result {
        Err(CardAccessError::Removed) => Disposition::LeaveCard,
        _ => Disposition::ResetCard,
    }
}

/// A card pulled mid-conversation often fails the next transmit with a reader error
/// ("Transaction failed", "end a non-existent transaction", no status word), not RemovedCard:
/// the service has not polled the reader yet. Such a failure is `Removed` once the service
/// reports the card gone.
fn removed_if_gone(
    ctx: &Context,
    name: &CStr,
    result: Result<CardOutcome, CardAccessError>,
) -> Result<CardOutcome, CardAccessError> {
    match result {
        Err(CardAccessError::Reader(e)) if card_left(ctx, name) => {
            tracing::debug!(error = %e, "the card left during the conversation");
            Err(CardAccessError::Removed)
        }
        other => other,
    }
}

/// How long, after a failed exchange, to wait for the service to report the card gone
/// (pcscd polls some readers, vpcd among them, every 400 ms).
const REMOVAL_GRACE: Duration = Duration::from_millis(1000);

/// Whether the card has left `reader` (or the reader is gone), waiting up to [`REMOVAL_GRACE`]
/// for the service to notice.
fn card_left(ctx: &Context, reader: &CStr) -> bool {
    let deadline = std::time::Instant::now() + REMOVAL_GRACE;
    let mut states = [ReaderState::new(reader, State::UNAWARE)];
    let mut wait = Duration::ZERO;
    loop {
        match ctx.get_status_change(wait, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::UnknownReader) => return true,
            Err(_) => return false,
        }
        let event = states[0].event_state();
        if !event.contains(State::PRESENT) || event.intersects(State::UNKNOWN | State::UNAVAILABLE)
        {
            return true;
        }
        wait = deadline.saturating_duration_since(std::time::Instant::now());
        if wait.is_zero() {
            return false;
        }
        states[0].sync_current_state();
    }
}

/// A running watcher; stops when dropped or on [`Watcher::stop`].
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.halt();
    }
}

/// How often the watcher wakes to check whether it should stop.
const TICK: Duration = Duration::from_millis(200);

/// Watches readers and cards on a dedicated thread, calling `on_event` for each change. At
/// start it reports the readers and cards already present.
pub fn watch(on_event: impl Fn(CardEvent) + Send + 'static) -> Watcher {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("vmcheck-card-watch".into())
        .spawn(move || watch_loop(&flag, &on_event))
        .ok();
    Watcher { stop, thread }
}

fn watch_loop(stop: &AtomicBool, on_event: &dyn Fn(CardEvent)) {
    let mut service_down = false;
    let mut known: Vec<(CString, bool)> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let ctx = match Context::establish(Scope::User) {
            Ok(ctx) => ctx,
            Err(_) => {
                if !service_down {
                    service_down = true;
                    // ServiceDown first, so a session locks for the right reason (the service
                    // stopped, not "card removed"); then the readers and cards it took along.
                    on_event(CardEvent::ServiceDown);
                    for (name, present) in known.drain(..) {
                        if present {
                            on_event(CardEvent::CardRemoved {
                                reader: name.to_string_lossy().into_owned(),
                            });
                        }
                        on_event(CardEvent::ReaderRemoved {
                            reader: name.to_string_lossy().into_owned(),
                        });
                    }
                }
                std::thread::sleep(Duration::from_millis(500));
                continue;
            }
        };
        if service_down {
            service_down = false;
            on_event(CardEvent::ServiceUp);
        }
        if follow(&ctx, stop, on_event, &mut known).is_err() {
            // The service went away: loop to re-establish.
            continue;
        }
    }
}

/// Follows one context until the service fails (Err) or stop is requested (Ok).
fn follow(
    ctx: &Context,
    stop: &AtomicBool,
    on_event: &dyn Fn(CardEvent),
    known: &mut Vec<(CString, bool)>,
) -> Result<(), ()> {
    loop {
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(_) => return Err(()),
        };
        // Readers gone.
        known.retain(|(name, present)| {
            let still = names.contains(name);
            if !still {
                if *present {
                    on_event(CardEvent::CardRemoved {
                        reader: name.to_string_lossy().into_owned(),
                    });
                }
                on_event(CardEvent::ReaderRemoved {
                    reader: name.to_string_lossy().into_owned(),
                });
            }
            still
        });
        // Readers new.
        for name in &names {
            if !known.iter().any(|(n, _)| n == name) {
                on_event(CardEvent::ReaderAdded {
                    reader: name.to_string_lossy().into_owned(),
                });
                known.push((name.clone(), false));
            }
        }
        let mut states: Vec<ReaderState> = known
            .iter()
            .map(|(n, present)| {
                ReaderState::new(
                    n.clone(),
                    if *present {
                        State::PRESENT
                    } else {
                        State::EMPTY
                    },
                )
            })
            .collect();
        states.push(ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE));
        // First call learns the PnP pseudo-reader's current state.
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            match ctx.get_status_change(TICK, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => continue,
                Err(pcsc::Error::UnknownReader) => break,
                Err(_) => return Err(()),
            }
            let mut readers_changed = false;
            for state in &mut states {
                let event = state.event_state();
                if state.name() == pnp() {
                    if event.contains(State::CHANGED) && state.current_state() != State::UNAWARE {
                        readers_changed = true;
                    }
                    state.sync_current_state();
                    continue;
                }
                if event.intersects(State::UNKNOWN | State::IGNORE | State::UNAVAILABLE) {
                    readers_changed = true;
                }
                let present = event.contains(State::PRESENT);
                if let Some(entry) = known.iter_mut().find(|(n, _)| n.as_c_str() == state.name()) {
                    if present != entry.1 {
                        entry.1 = present;
                        let reader = state.name().to_string_lossy().into_owned();
                        on_event(if present {
                            CardEvent::CardInserted {
                                reader,
                                atr: hex(state.atr()),
                            }
                        } else {
                            CardEvent::CardRemoved { reader }
                        });
                    }
                }
                state.sync_current_state();
            }
            if readers_changed {
                break;
            }
        }
    }
}

fn pnp() -> &'static CStr {
    PNP_NOTIFICATION()
}
