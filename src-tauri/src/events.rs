//! The one place engine events become UI events: session changes and locks, lookup progress and
//! worklist progress go into one ordered queue, which the page reads by asking (`next_events`,
//! a long poll over the same IPC as every command). A lock also cancels every in-flight lookup
//! and forgets the result shown.
//!
//! Why a queue the page asks, not events the shell pushes: a pushed event is a script the shell
//! runs in the page, and WebKit hands each script's result back to this process as a JavaScript
//! value, so pushing starts a JavaScript engine in the app process too (2.5 MB, README
//! "Performance"). An answer to a request is bytes.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Manager};
use ts_rs::TS;
use vmcheck_engine::session::{Session, SessionEvent};

use crate::ipc::ProgressEvent;
use crate::state::AppState;
use crate::worklist::WorklistProgress;

/// Something the page is told, in the order it happened.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", content = "event", rename_all = "snake_case")]
pub enum UiEvent {
    /// The session changed or locked.
    Session(SessionEvent),
    /// A lookup reached a step.
    LookupProgress(ProgressEvent),
    /// A worklist job progressed or its run ended.
    WorklistProgress(WorklistProgress),
}

/// What one `next_events` answers: the events after the number asked for, and the number to ask
/// for next.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EventBatch {
    /// Ask for the events after this one next.
    #[ts(type = "number")]
    pub next: u64,
    /// The events, oldest first (none when the wait ended without any); for a page that starts,
    /// the session as it is now.
    pub events: Vec<UiEvent>,
    /// Some events after the number asked for were no longer kept (the page asked too late);
    /// the answer starts with the session as it is now.
    pub missed: bool,
}

/// How many events are kept for a page that has not asked yet.
const KEEP: usize = 512;

/// The queue: numbered events, the last [`KEEP`] of them kept.
#[derive(Debug, Default)]
pub struct EventQueue {
    inner: Mutex<Kept>,
    added: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Kept {
    /// The number the next event gets (events are numbered from 1; 0 is "before any").
    next: u64,
    events: VecDeque<(u64, UiEvent)>,
}

impl EventQueue {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds an event and wakes every page waiting.
    pub fn push(&self, event: UiEvent) {
        {
            let mut kept = self.kept();
            kept.next += 1;
            let number = kept.next;
            kept.events.push_back((number, event));
            if kept.events.len() > KEEP {
                kept.events.pop_front();
            }
        }
        self.added.notify_waiters();
    }

    /// The number of the last event so far (a page that starts now asks for what follows it).
    pub fn last(&self) -> u64 {
        self.kept().next
    }

    /// The events after `after`, if there are any.
    fn after(&self, after: u64) -> Option<EventBatch> {
        let kept = self.kept();
        let after = after.min(kept.next);
        if after == kept.next {
            return None;
        }
        // Some event comes after `after`, so the oldest kept is there.
        let oldest = kept.events.front()?.0;
        Some(EventBatch {
            next: kept.next,
            events: kept
                .events
                .iter()
                .filter(|(n, _)| *n > after)
                .map(|(_, e)| e.clone())
                .collect(),
            missed: after + 1 < oldest,
        })
    }

    /// What `next_events` answers: without `after`, at once, where the events stand for a page
    /// that starts now, with `now` (the session as it is now), taken after that point: every
    /// change after it comes as an event after it, so the page needs no separate session view
    /// (one round trip fewer before its first screen). Else [`EventQueue::wait_after`], and when
    /// some were missed, `now` (what was missed may have been a lock) before them.
    pub async fn next(
        &self,
        after: Option<u64>,
        wait: Duration,
        now: impl FnOnce() -> UiEvent,
    ) -> EventBatch {
        let Some(after) = after else {
            let next = self.last();
            return EventBatch {
                next,
                events: vec![now()],
                missed: false,
            };
        };
        let mut batch = self.wait_after(after, wait).await;
        if batch.missed {
            batch.events.insert(0, now());
        }
        batch
    }

    /// The events after `after`, waiting up to `wait` for the first one; an empty batch (asking
    /// again from the same place) when none came.
    pub async fn wait_after(&self, after: u64, wait: Duration) -> EventBatch {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so an event pushed in between still wakes this wait.
            let added = self.added.notified();
            tokio::pin!(added);
            added.as_mut().enable();
            if let Some(batch) = self.after(after) {
                return batch;
            }
            if tokio::time::timeout_at(deadline, added).await.is_err() {
                return EventBatch {
                    next: after.min(self.last()),
                    events: Vec::new(),
                    missed: false,
                };
            }
        }
    }
}

/// The session as it is now, as an event: for a page that missed some.
pub fn session_now(session: &Session) -> UiEvent {
    UiEvent::Session(SessionEvent::Changed {
        view: Box::new(session.view()),
    })
}

/// Forwards session events to the page's queue until the app exits.
pub fn forward_session_events(app: AppHandle) {
    let mut events = app.state::<AppState>().session.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            match events.recv().await {
                Ok(event) => {
                    if matches!(event, SessionEvent::Locked { .. }) {
                        state.cancel_all_lookups();
                        state.forget_shown();
                    }
                    state.events.push(UiEvent::Session(event));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Missed events: send the current state so the UI cannot drift.
                    state.events.push(session_now(&state.session));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmcheck_engine::Progress;

    fn progress(lookup_id: u32) -> UiEvent {
        UiEvent::LookupProgress(ProgressEvent {
            lookup_id,
            step: Progress::Tracing,
        })
    }

    fn ids(batch: &EventBatch) -> Vec<u32> {
        batch
            .events
            .iter()
            .map(|e| match e {
                UiEvent::LookupProgress(p) => p.lookup_id,
                _ => panic!("not a progress event"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_page_gets_every_event_after_the_one_it_names_in_order() {
        let q = EventQueue::default();
        assert_eq!(q.last(), 0);
        q.push(progress(1));
        q.push(progress(2));
        q.push(progress(3));
        let all = q.wait_after(0, Duration::from_secs(5)).await;
        assert_eq!((ids(&all), all.next, all.missed), (vec![1, 2, 3], 3, false));
        let rest = q.wait_after(1, Duration::from_secs(5)).await;
        assert_eq!((ids(&rest), rest.next), (vec![2, 3], 3));
    }

    #[tokio::test]
    async fn a_change_while_a_starting_page_is_answered_comes_to_it_after_the_session_now() {
        // The session as it is now is taken after the point the page's events start from: a
        // change made meanwhile is an event after that point, which the page then gets.
        let q = EventQueue::default();
        q.push(progress(1));
        let wait = Duration::from_millis(10);
        let start = q
            .next(None, wait, || {
                q.push(progress(2));
                progress(999)
            })
            .await;
        assert_eq!((ids(&start), start.next), (vec![999], 1));
        let then = q.next(Some(start.next), wait, || progress(0)).await;
        assert_eq!(ids(&then), vec![2]);
    }

    #[tokio::test]
    async fn a_waiting_page_is_woken_by_the_next_event() {
        let q = std::sync::Arc::new(EventQueue::default());
        q.push(progress(1));
        let waiting = tokio::spawn({
            let q = q.clone();
            async move { q.wait_after(1, Duration::from_secs(30)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "nothing new yet: the page waits");
        q.push(progress(7));
        let batch = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("woken at once, not at the end of its wait")
            .expect("the wait ends normally");
        assert_eq!((ids(&batch), batch.next), (vec![7], 2));
    }

    #[tokio::test]
    async fn a_wait_with_nothing_new_ends_empty_at_the_same_place() {
        let q = EventQueue::default();
        q.push(progress(1));
        let batch = q.wait_after(1, Duration::from_millis(20)).await;
        assert!(batch.events.is_empty());
        assert_eq!((batch.next, batch.missed), (1, false));
        // A number from the future (a page from before a restart) is "now".
        let batch = q.wait_after(99, Duration::from_millis(20)).await;
        assert_eq!((batch.next, batch.events.len()), (1, 0));
    }

    #[tokio::test]
    async fn a_page_that_asks_too_late_is_told_it_missed_some() {
        let q = EventQueue::default();
        for i in 0..(KEEP as u32 + 3) {
            q.push(progress(i));
        }
        let batch = q.wait_after(0, Duration::from_secs(5)).await;
        assert!(batch.missed);
        assert_eq!(batch.events.len(), KEEP);
        assert_eq!(ids(&batch)[0], 3, "the oldest kept comes first");
        // Asking from the oldest kept event's predecessor misses nothing.
        let batch = q.wait_after(3, Duration::from_secs(5)).await;
        assert!(!batch.missed);
    }

    #[tokio::test]
    async fn a_page_that_asks_too_late_gets_the_state_now_first_and_a_new_page_starts_now() {
        let q = EventQueue::default();
        for i in 0..(KEEP as u32 + 1) {
            q.push(progress(i));
        }
        let wait = Duration::from_secs(5);
        let late = q.next(Some(0), wait, || progress(999)).await;
        assert_eq!(ids(&late)[..2], [999, 1]);
        assert_eq!(late.events.len(), KEEP + 1);
        let in_time = q.next(Some(1), wait, || progress(999)).await;
        assert_eq!(ids(&in_time)[0], 1, "nothing missed: no catching up");
        let new_page = q.next(None, wait, || progress(999)).await;
        assert_eq!(new_page.next, KEEP as u64 + 1);
        assert_eq!(
            ids(&new_page),
            vec![999],
            "a page that starts gets the session as it is now"
        );
    }
}
