//! The webhook deliveries the fake has attempted, as [`super::FakeBrowserbase::deliveries`] lists
//! them: kept in the server's shared state, written by the delivery task (`deliver.rs`).

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use uuid::Uuid;

/// The most attempts kept in the delivery log; older ones are dropped first.
const MAX_LOG: usize = 10_000;

/// One attempt at delivering a webhook event, as [`FakeBrowserbase::deliveries`] lists it.
///
/// [`FakeBrowserbase::deliveries`]: super::FakeBrowserbase::deliveries
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The event id (envelope `id` and `webhook-id` header): the same on every attempt.
    pub event_id: Uuid,
    /// The webhook it was delivered for.
    pub webhook_id: Uuid,
    /// The event type, such as `functions.invocations.completed`.
    pub event_type: String,
    /// The invocation it is about.
    pub resource_id: Uuid,
    /// Where it was POSTed.
    pub endpoint: String,
    /// 1 for the first POST of this event, then 2, 3… (retries, and the repeat of
    /// [`FakeConfig::with_duplicate_deliveries`](super::FakeConfig::with_duplicate_deliveries)).
    pub attempt: u32,
    /// The receiver's status; `None` while the POST awaits its answer ([`in_flight`]) and when
    /// the receiver did not answer (refused, reset, or over 15 s).
    ///
    /// [`in_flight`]: Self::in_flight
    pub status: Option<u16>,
    /// Whether the POST still awaits its answer. An attempt is logged when it is sent, before
    /// the receiver (and any hub it feeds) sees the event, so a wait that ended on the event
    /// finds it listed; [`FakeBrowserbase::settled_deliveries`] waits for the answers.
    ///
    /// [`FakeBrowserbase::settled_deliveries`]: super::FakeBrowserbase::settled_deliveries
    pub in_flight: bool,
}

/// The attempts made so far, oldest first, bounded.
#[derive(Default)]
pub(crate) struct DeliveryLog {
    /// Each attempt with its sequence number, by which its answer is filled in.
    attempts: Mutex<(u64, VecDeque<(u64, DeliveryAttempt)>)>,
    /// Signalled when an attempt gets its answer.
    answered: tokio::sync::Notify,
}

impl DeliveryLog {
    /// Logs an attempt about to be sent (in flight); returns its sequence number.
    pub(crate) fn sent(&self, attempt: DeliveryAttempt) -> u64 {
        let mut guard = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, attempts) = &mut *guard;
        *next += 1;
        if attempts.len() >= MAX_LOG {
            attempts.pop_front();
        }
        attempts.push_back((*next, attempt));
        *next
    }

    /// Records the answer (or its absence) of attempt `seq`.
    pub(crate) fn answered(&self, seq: u64, status: Option<u16>) {
        {
            let mut guard = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, attempt)) = guard.1.iter_mut().rev().find(|(s, _)| *s == seq) {
                attempt.status = status;
                attempt.in_flight = false;
            }
        }
        self.answered.notify_waiters();
    }

    pub(crate) fn all(&self) -> Vec<DeliveryAttempt> {
        let guard = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        guard.1.iter().map(|(_, a)| a.clone()).collect()
    }

    /// Every attempt once none is in flight, or as they stand after `within`.
    pub(crate) async fn settled(&self, within: Duration) -> Vec<DeliveryAttempt> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            // Registered before the check, so an answer between the two is not missed.
            let answered = self.answered.notified();
            let all = self.all();
            if !all.iter().any(|a| a.in_flight) {
                return all;
            }
            if tokio::time::timeout_at(deadline, answered).await.is_err() {
                return self.all();
            }
        }
    }
}
