//! The webhook deliveries the fake has attempted, as [`super::FakeBrowserbase::deliveries`] lists
//! them: kept in the server's shared state, written by the delivery task (`deliver.rs`).

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

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
    /// The receiver's status; `None` when it did not answer (refused, reset, or over 15 s).
    pub status: Option<u16>,
}

/// The attempts made so far, oldest first, bounded.
#[derive(Default)]
pub(crate) struct DeliveryLog {
    attempts: Mutex<VecDeque<DeliveryAttempt>>,
}

impl DeliveryLog {
    pub(crate) fn push(&self, attempt: DeliveryAttempt) {
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        if attempts.len() >= MAX_LOG {
            attempts.pop_front();
        }
        attempts.push_back(attempt);
    }

    pub(crate) fn all(&self) -> Vec<DeliveryAttempt> {
        let attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        attempts.iter().cloned().collect()
    }
}
