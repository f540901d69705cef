//! The one seam through which several processes share what a client decides alone otherwise: a
//! concurrency budget for invocations, 429 pauses, and the webhook events waits end on.
//! [`crate::ClientBuilder::coordinator`] plugs one in; `replicas::Replica` (feature `redis`) is
//! the implementation on Redis.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::transport::RateGate;
use crate::webhooks::WebhookHub;

/// Shares a budget, pauses and events between the processes of one service.
///
/// With a coordinator, every invocation the client waits for (`send_and_wait`, and
/// `invoke_many(..).wait(true)`) first takes a [`Lease`] and holds it until the invocation ended,
/// then waits on the client's hub ([`crate::Client::webhook_events`]) with polling only as the
/// fallback, as [`crate::Wait::via`] does. A plain `send()` is not counted: the client cannot know
/// when that invocation ends.
pub trait Coordinator: Send + Sync + 'static {
    /// Takes a place for one invocation, waiting until one is free. Infallible by design: an
    /// implementation that loses its store decides what to fall back to.
    fn acquire(&self) -> Pin<Box<dyn Future<Output = Lease> + Send + '_>>;

    /// This client received a 429 asking it to wait `retry_after`; tell the other processes.
    fn rate_limited(&self, retry_after: Duration);

    /// Called once by [`crate::ClientBuilder::build`]: the client's hub (to deliver events the
    /// other processes received) and its pause (to apply their 429s).
    fn attach(&self, client: Attached);
}

/// A place in a coordinator's budget; dropping it gives the place back.
#[must_use = "the place is given back when the lease drops"]
pub struct Lease {
    _held: Option<Box<dyn Send + Sync>>,
}

impl Lease {
    /// A lease that gives its place back when `held` drops.
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self {
            _held: Some(Box::new(held)),
        }
    }

    /// A lease that holds nothing (an unlimited budget).
    pub fn unlimited() -> Self {
        Self { _held: None }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").finish_non_exhaustive()
    }
}

/// What a coordinator gets of a client: its hub and its pause.
#[derive(Clone, Debug)]
pub struct Attached {
    pub(crate) hub: WebhookHub,
    pub(crate) pause: PauseHandle,
}

impl Attached {
    /// The client's webhook hub: deliver events here and the client's waits see them.
    pub fn hub(&self) -> &WebhookHub {
        &self.hub
    }

    /// The client's rate pause.
    pub fn pause(&self) -> &PauseHandle {
        &self.pause
    }
}

/// Holds a client's calls back, as its own 429s do.
#[derive(Clone)]
pub struct PauseHandle(pub(crate) Arc<RateGate>);

impl PauseHandle {
    /// Every call of the client waits until `for_` from now before its next attempt (or longer,
    /// if already paused longer).
    pub fn pause(&self, for_: Duration) {
        self.0.pause(for_);
    }
}

impl std::fmt::Debug for PauseHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PauseHandle").finish_non_exhaustive()
    }
}
