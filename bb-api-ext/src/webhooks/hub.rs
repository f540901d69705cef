//! The event hub: where a receiver hands verified events, and where waits made
//! [`via`](crate::Wait::via) it learn that their resource ended, without polling.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

use super::event::Event;

/// How often an event-driven wait polls by default, for deliveries that never arrive: 30 s.
pub const DEFAULT_EVENT_FALLBACK: Duration = Duration::from_secs(30);

/// Routes webhook events to the waits that want them.
///
/// Your receiver verifies each delivery and calls [`deliver`](Self::deliver); a wait made
/// [`via`](crate::Wait::via) the hub ends when its resource's terminal event arrives, with the
/// same result and errors as a polling wait, and sends no request meanwhile. Deliveries can be
/// lost, so the wait still polls, slowly ([`DEFAULT_EVENT_FALLBACK`]).
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client, function_id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
/// let hub = client.webhook_events(); // the client's hub; clones share it
///
/// // In the receiver, after `Verifier::verify` accepted a delivery:
/// # let event: bb_api_ext::webhooks::Event = unimplemented!();
/// hub.deliver(&event);
///
/// // Elsewhere: invoke, then wait for the terminal event instead of polling.
/// let invocation = client.functions().invoke(function_id).send().await?;
/// let done = client.invocations().wait_for(invocation).via(&hub).await?;
/// # let _ = done; Ok(()) }
/// ```
///
/// Memory is bounded: a wait's slot goes when the wait ends or is dropped. Terminal events are
/// also kept for a while, up to a number of events ([`with_limits`](Self::with_limits)), for
/// waits that start later (a terminal event can arrive before its wait starts); other events
/// nobody waits on are dropped. Repeated deliveries of an event are harmless.
#[derive(Clone)]
pub struct WebhookHub {
    inner: Arc<Inner>,
}

struct Inner {
    max_recent: usize,
    retention: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Resources some wait is waiting on.
    watched: HashMap<Uuid, Watched>,
    /// The latest terminal event of each resource, for waits that start later.
    recent: HashMap<Uuid, Arc<Event>>,
    /// The keys of `recent` in arrival order (one entry each), for eviction by age and count.
    order: VecDeque<(Uuid, Instant)>,
}

struct Watched {
    events: watch::Sender<Option<Arc<Event>>>,
    waits: usize,
}

impl fmt::Debug for WebhookHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookHub")
            .field("waiting", &self.waiting())
            .field("recent", &self.recent())
            .field("max_recent", &self.inner.max_recent)
            .field("retention", &self.inner.retention)
            .finish()
    }
}

impl Default for WebhookHub {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookHub {
    /// The most terminal events kept for waits that start later, by default.
    pub const DEFAULT_MAX_RECENT: usize = 4096;
    /// How long such an event is kept, by default: long enough to cover the moment between an
    /// invoke's answer and the start of its wait, with room for a slow start.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(120);

    /// A hub with the default limits. [`crate::Client::webhook_events`] gives the client's own.
    pub fn new() -> Self {
        Self::with_limits(Self::DEFAULT_MAX_RECENT, Self::DEFAULT_RETENTION)
    }

    /// A hub keeping at most `max_recent` terminal events for waits that start later (the oldest
    /// go first), each for at most `retention`.
    pub fn with_limits(max_recent: usize, retention: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                max_recent,
                retention,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Hands a verified event to the waits on its resource (`resourceId`); returns whether one
    /// was waiting. Call it for every accepted delivery, repeats included; events of other kinds
    /// or without a UUID resource id are ignored.
    pub fn deliver(&self, event: &Event) -> bool {
        let Some(id) = event.resource_uuid() else {
            return false;
        };
        let terminal = event.event_type.is_terminal();
        let now = Instant::now();
        let mut state = self.inner.lock();
        self.inner.expire(&mut state, now);
        if !terminal && !state.watched.contains_key(&id) {
            return false;
        }
        let event = Arc::new(event.clone());
        if terminal && self.inner.max_recent > 0 {
            if let Some(kept) = state.recent.get_mut(&id) {
                // A repeat, or another terminal event: keep its place (and age) in the order, so
                // `order` holds exactly one entry per kept event.
                *kept = Arc::clone(&event);
            } else {
                state.recent.insert(id, Arc::clone(&event));
                state.order.push_back((id, now));
                if state.recent.len() > self.inner.max_recent
                    && let Some((oldest, _)) = state.order.pop_front()
                {
                    state.recent.remove(&oldest);
                }
            }
        }
        let Some(watched) = state.watched.get(&id) else {
            return false;
        };
        // No ordering: a late `running` must not hide a `completed` not yet read.
        let keep_current = !terminal
            && watched
                .events
                .borrow()
                .as_ref()
                .is_some_and(|e| e.event_type.is_terminal());
        if !keep_current {
            watched.events.send_replace(Some(event));
        }
        true
    }

    /// How many resources some wait is waiting on.
    pub fn waiting(&self) -> usize {
        self.inner.lock().watched.len()
    }

    /// How many terminal events are kept for waits that start later.
    pub fn recent(&self) -> usize {
        let mut state = self.inner.lock();
        self.inner.expire(&mut state, Instant::now());
        state.recent.len()
    }

    /// Starts watching `id`; the subscription sees a kept terminal event that came first.
    pub(crate) fn subscribe(&self, id: Uuid) -> Subscription {
        let now = Instant::now();
        let mut state = self.inner.lock();
        self.inner.expire(&mut state, now);
        let early = state.recent.get(&id).cloned();
        let watched = state.watched.entry(id).or_insert_with(|| Watched {
            events: watch::Sender::new(early),
            waits: 0,
        });
        watched.waits += 1;
        let mut events = watched.events.subscribe();
        // An event already there counts as new for this wait.
        if events.borrow().is_some() {
            events.mark_changed();
        }
        Subscription {
            hub: Arc::clone(&self.inner),
            id,
            events,
            woken: false,
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every statement leaves the maps consistent, so a poisoned lock is safe to use.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops kept events older than the retention.
    fn expire(&self, state: &mut State, now: Instant) {
        while let Some(&(id, at)) = state.order.front() {
            if now.saturating_duration_since(at) < self.retention {
                break;
            }
            state.order.pop_front();
            state.recent.remove(&id);
        }
    }
}

/// One wait's interest in one resource; leaving (drop) frees the slot when it was the last.
pub(crate) struct Subscription {
    hub: Arc<Inner>,
    id: Uuid,
    events: watch::Receiver<Option<Arc<Event>>>,
    /// [`Self::changed`] saw an event that [`Self::take`] has not returned yet.
    woken: bool,
}

impl Subscription {
    /// The latest event for the resource if it arrived since the last call.
    pub(crate) fn take(&mut self) -> Option<Arc<Event>> {
        if !std::mem::take(&mut self.woken) && !self.events.has_changed().unwrap_or(false) {
            return None;
        }
        self.events.borrow_and_update().clone()
    }

    /// Resolves when an event arrives for [`Self::take`] (never, if the hub went away, which it
    /// cannot while this subscription holds it).
    pub(crate) async fn changed(&mut self) {
        if self.events.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
        self.woken = true;
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.hub.lock();
        if let Some(watched) = state.watched.get_mut(&self.id) {
            watched.waits -= 1;
            if watched.waits == 0 {
                state.watched.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::webhooks::EventType;

    fn event(n: u32, id: Uuid, t: EventType) -> Event {
        Event::new(format!("evt_{n}"), t, id.to_string(), json!({"n": n}))
    }

    fn n(e: Option<Arc<Event>>) -> Option<u64> {
        e.and_then(|e| e.data["n"].as_u64())
    }

    #[tokio::test]
    async fn a_waiting_subscription_sees_each_new_event_once() {
        let hub = WebhookHub::new();
        let id = Uuid::new_v4();
        let mut sub = hub.subscribe(id);
        assert_eq!(hub.waiting(), 1);
        assert!(sub.take().is_none());
        assert!(hub.deliver(&event(1, id, EventType::FunctionsInvocationsRunning)));
        sub.changed().await;
        assert_eq!(n(sub.take()), Some(1));
        assert!(sub.take().is_none());
        assert!(hub.deliver(&event(2, id, EventType::FunctionsInvocationsCompleted)));
        // A late `running` does not replace an unread `completed`; a repeat of it does no harm.
        assert!(hub.deliver(&event(3, id, EventType::FunctionsInvocationsRunning)));
        assert!(hub.deliver(&event(2, id, EventType::FunctionsInvocationsCompleted)));
        assert_eq!(n(sub.take()), Some(2));
        // Other resources and ids that are not UUIDs are not this wait's.
        assert!(!hub.deliver(&event(
            4,
            Uuid::new_v4(),
            EventType::FunctionsInvocationsRunning
        )));
        assert!(!hub.deliver(&Event::new(
            "e",
            EventType::FunctionsInvocationsCompleted,
            "r1",
            json!(null)
        )));
        assert!(sub.take().is_none());
        drop(sub);
        assert_eq!(hub.waiting(), 0);
        // The terminal event stays for a wait that starts later.
        assert_eq!(hub.recent(), 1);
        assert_eq!(n(hub.subscribe(id).take()), Some(2));
    }

    #[tokio::test]
    async fn waits_on_one_resource_share_a_slot_freed_by_the_last() {
        let hub = WebhookHub::new();
        let id = Uuid::new_v4();
        let mut a = hub.subscribe(id);
        let mut b = hub.subscribe(id);
        assert_eq!(hub.waiting(), 1);
        hub.deliver(&event(1, id, EventType::FunctionsInvocationsFailed));
        assert_eq!(n(a.take()), Some(1));
        assert_eq!(n(b.take()), Some(1));
        drop(a);
        assert_eq!(hub.waiting(), 1);
        drop(b);
        assert_eq!(hub.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_terminal_event_before_the_wait_is_kept_briefly_and_boundedly() {
        let hub = WebhookHub::with_limits(2, Duration::from_secs(60));
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        // Not terminal: nobody waits, nothing kept.
        assert!(!hub.deliver(&event(0, ids[0], EventType::FunctionsInvocationsRunning)));
        assert_eq!(hub.recent(), 0);
        for (i, id) in ids.iter().enumerate() {
            hub.deliver(&event(
                i as u32,
                *id,
                EventType::FunctionsInvocationsCompleted,
            ));
        }
        // The oldest went to keep two.
        assert_eq!(hub.recent(), 2);
        assert!(hub.subscribe(ids[0]).take().is_none());
        assert_eq!(n(hub.subscribe(ids[1]).take()), Some(1));
        // A repeat of a kept event does not count twice.
        for _ in 0..100 {
            hub.deliver(&event(2, ids[2], EventType::FunctionsInvocationsCompleted));
        }
        assert_eq!(hub.recent(), 2);
        assert_eq!(
            hub.inner.lock().order.len(),
            2,
            "one order entry per kept event"
        );
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(hub.recent(), 0);
        assert!(hub.subscribe(ids[2]).take().is_none());
        assert_eq!(hub.waiting(), 0);
        // Zero keeps none.
        let none = WebhookHub::with_limits(0, Duration::from_secs(60));
        none.deliver(&event(0, ids[0], EventType::FunctionsInvocationsCompleted));
        assert_eq!(none.recent(), 0);
    }
}
