//! "Have I seen this event before?": Browserbase may deliver an event more than once.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

/// Remembers which event ids were already received, so a redelivered event is acknowledged but
/// not processed again. Key on [`Event::id`](super::Event::id), which is stable across retries.
///
/// [`InMemorySeenEvents`] serves a single process. A service with several replicas needs one shared
/// store, or each replica processes its own copy of a redelivered event: on Redis, use
/// `replicas::RedisSeenEvents` (feature `redis`) through [`AsyncSeenEvents`], or
/// `replicas::Replica::accept`, which also hands the event to every replica's waits. A store
/// that answers over the network implements [`AsyncSeenEvents`], so that no call blocks the
/// runtime's thread; this synchronous trait suits a store in memory, or one with a blocking
/// client called off the runtime, over an atomic "insert if absent" with an expiry longer than
/// Browserbase's retry window (about 27.5 hours):
///
/// ```
/// use bb_api_ext::webhooks::SeenEvents;
///
/// /// Stands in for a Redis or SQL client.
/// trait Store: Send + Sync {
///     /// Redis `SET key 1 NX EX ttl`, or `INSERT … ON CONFLICT DO NOTHING` on a unique key:
///     /// true if the key was new.
///     fn insert_if_absent(&self, key: &str, ttl_secs: u64) -> Result<bool, String>;
/// }
///
/// struct SharedSeenEvents<S>(S);
///
/// impl<S: Store> SeenEvents for SharedSeenEvents<S> {
///     fn first_time(&self, id: &str) -> bool {
///         // Two days: past the last retry. On a store failure, process it: handlers are
///         // idempotent anyway, and a lost event is worse than a repeated one.
///         self.0.insert_if_absent(&format!("bb-webhook:{id}"), 2 * 24 * 3600).unwrap_or(true)
///     }
/// }
/// ```
///
/// Marking happens when asked, before processing. If the work can fail after the delivery was
/// acknowledged, retry it yourself: Browserbase will not send it again. If you answer non-2xx
/// (to have it redelivered), ask only once you are sure to accept it, as the example receiver does.
pub trait SeenEvents: Send + Sync {
    /// Records `id` and says whether this is the first time it was seen.
    fn first_time(&self, id: &str) -> bool;
}

impl<T: SeenEvents + ?Sized> SeenEvents for Arc<T> {
    fn first_time(&self, id: &str) -> bool {
        (**self).first_time(id)
    }
}

/// [`SeenEvents`] for a store that answers over the network (Redis: `replicas::RedisSeenEvents`,
/// feature `redis`): the question is awaited, not blocked on. Every [`SeenEvents`] is one too, so
/// a receiver written against this trait takes [`InMemorySeenEvents`] in one process and a shared
/// store on several replicas.
///
/// ```
/// use bb_api_ext::webhooks::{AsyncSeenEvents, InMemorySeenEvents};
///
/// async fn handle(seen: &impl AsyncSeenEvents, id: &str) -> &'static str {
///     if seen.claim(id).await { "processed" } else { "repeat: acknowledged only" }
/// }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let seen = InMemorySeenEvents::with_capacity(10_000);
/// assert_eq!(handle(&seen, "evt_1").await, "processed");
/// assert_eq!(handle(&seen, "evt_1").await, "repeat: acknowledged only");
/// # });
/// ```
///
/// Its method is `claim` rather than `first_time`, so that both traits can be in scope.
pub trait AsyncSeenEvents: Send + Sync {
    /// Records `id` and says whether this is the first time it was seen (whether this caller
    /// claimed it); as [`SeenEvents::first_time`].
    fn claim<'a>(&'a self, id: &'a str) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

impl<T: SeenEvents + ?Sized> AsyncSeenEvents for T {
    fn claim<'a>(&'a self, id: &'a str) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        let first = SeenEvents::first_time(self, id);
        Box::pin(std::future::ready(first))
    }
}

/// The last `capacity` event ids, in memory; the oldest is forgotten first. O(1) per call.
///
/// Size it to cover the retry window at your event rate: an id evicted before its last retry
/// arrives would be processed twice. For one process only: on several replicas use
/// `replicas::RedisSeenEvents` or `replicas::Replica::accept` (feature `redis`; see
/// [`SeenEvents`]).
///
/// ```
/// use bb_api_ext::webhooks::{InMemorySeenEvents, SeenEvents};
///
/// let seen = InMemorySeenEvents::with_capacity(10_000);
/// assert!(seen.first_time("evt_1"));
/// assert!(!seen.first_time("evt_1"));
/// ```
#[derive(Debug)]
pub struct InMemorySeenEvents {
    capacity: usize,
    state: Mutex<Remembered>,
}

#[derive(Debug, Default)]
struct Remembered {
    ids: HashSet<Arc<str>>,
    order: VecDeque<Arc<str>>,
}

impl InMemorySeenEvents {
    /// Remembers up to `capacity` ids (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            state: Mutex::new(Remembered {
                ids: HashSet::with_capacity(capacity.min(1 << 16)),
                order: VecDeque::with_capacity(capacity.min(1 << 16)),
            }),
        }
    }

    /// How many ids it remembers at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many ids it remembers now.
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// Whether it remembers no id.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        // The sets are consistent after every statement that can panic, so a poisoned lock is safe.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SeenEvents for InMemorySeenEvents {
    fn first_time(&self, id: &str) -> bool {
        let mut state = self.lock();
        if state.ids.contains(id) {
            return false;
        }
        if state.order.len() >= self.capacity
            && let Some(oldest) = state.order.pop_front()
        {
            state.ids.remove(&oldest);
        }
        let id: Arc<str> = Arc::from(id);
        state.ids.insert(Arc::clone(&id));
        state.order.push_back(id);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_up_to_capacity_and_evicts_the_oldest() {
        let seen = InMemorySeenEvents::with_capacity(3);
        assert!(seen.is_empty());
        for id in ["a", "b", "c"] {
            assert!(seen.first_time(id), "{id}");
        }
        assert!(!seen.first_time("a"));
        assert!(!seen.first_time("c"));
        assert_eq!(seen.len(), 3);
        // A repeat does not refresh: "a" is still the oldest and goes first.
        assert!(seen.first_time("d"));
        assert_eq!(seen.len(), 3);
        assert!(!seen.first_time("b"));
        assert!(!seen.first_time("d"));
        assert!(seen.first_time("a"), "evicted, so new again");
        assert!(seen.first_time("b"), "evicted by \"a\"");
        assert!(seen.first_time("c"), "evicted by \"b\"");
        assert!(!seen.first_time("a"));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn zero_capacity_means_one() {
        let seen = InMemorySeenEvents::with_capacity(0);
        assert_eq!(seen.capacity(), 1);
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("a"));
        assert!(seen.first_time("b"));
        assert!(seen.first_time("a"));
    }

    #[test]
    fn shared_through_arc_and_threads() {
        let seen = Arc::new(InMemorySeenEvents::with_capacity(1000));
        let firsts: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let seen = Arc::clone(&seen);
                    scope
                        .spawn(move || (0..100).filter(|i| seen.first_time(&i.to_string())).count())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(firsts, 100, "each id is first exactly once across threads");
    }
}
