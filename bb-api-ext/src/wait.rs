//! One waiting machine for invocations and builds: poll on a schedule until the resource ends or
//! the deadline passes, or, made [`Wait::via`] a webhook hub, wake on the resource's events and
//! poll only slowly, for lost deliveries. Every part of a wait is bounded by its deadline, polls
//! that fail for a passing reason are retried on the schedule, and dropping the future stops it
//! (and frees its place in the hub).

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bb_api::types::{FunctionBuild, Invocation};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

use crate::config::PollSchedule;
use crate::context::Context;
use crate::error::{Error, TimeoutKind};
use crate::ids::{IdInput, id_text};
use crate::transport::operation::{self, Operation};
use crate::transport::{Call, later};
use crate::webhooks::{DEFAULT_EVENT_FALLBACK, Event, EventType, Subscription, WebhookHub};

/// Added to the longest an invocation can run, to allow for queueing and clock skew.
pub(crate) const WAIT_MARGIN: Duration = Duration::from_secs(60);

/// The most polls one client has in flight; further polls wait their turn (within their
/// deadline). Over HTTP/1.1 every request in flight holds a connection with its buffers on both
/// ends, so thousands of concurrent waits whose polls fall due together would otherwise open
/// thousands of connections (about 20 KB of client memory each) whenever the server answers
/// slower than polls arrive.
pub(crate) const MAX_POLLS_IN_FLIGHT: usize = 64;

/// A resource that runs, then ends.
pub trait Pollable: DeserializeOwned + Send + 'static {
    fn id(&self) -> Uuid;
    /// Whether events of this type are about this kind of resource.
    fn is_about(event_type: &EventType) -> bool;
    fn is_terminal(&self) -> bool;
    fn status(&self) -> &str;
    /// What an ended resource turns into: itself, or the error its failure is.
    fn finish(self) -> Result<Self, Error>;
    /// The error for a deadline that passed.
    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error;
    /// Whether its body may carry a secret (a session's signing key): then a body that does not
    /// decode is kept out of the error.
    const SECRET_BEARING: bool = false;
}

impl Pollable for Invocation {
    fn id(&self) -> Uuid {
        self.id
    }

    fn is_about(event_type: &EventType) -> bool {
        event_type.is_invocation()
    }

    fn is_terminal(&self) -> bool {
        Invocation::is_terminal(self)
    }

    fn status(&self) -> &str {
        self.status.as_str()
    }

    fn finish(self) -> Result<Self, Error> {
        match self.status {
            bb_api::open::InvocationStatus::Failed => Err(Error::InvocationFailed(Box::new(self))),
            _ => Ok(self),
        }
    }

    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error {
        Error::WaitTimeout {
            id,
            waited,
            last: last.map(Box::new),
        }
    }
}

impl Pollable for FunctionBuild {
    fn id(&self) -> Uuid {
        self.id
    }

    fn is_about(event_type: &EventType) -> bool {
        event_type.is_build()
    }

    fn is_terminal(&self) -> bool {
        FunctionBuild::is_terminal(self)
    }

    fn status(&self) -> &str {
        self.status.as_str()
    }

    fn finish(self) -> Result<Self, Error> {
        match self.status {
            bb_api::open::FunctionBuildStatus::Failed => Err(Error::BuildFailed(Box::new(self))),
            _ => Ok(self),
        }
    }

    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error {
        Error::BuildWaitTimeout {
            id,
            waited,
            last: last.map(Box::new),
        }
    }
}

/// A wait for an invocation or a build to end; configure it, then `.await` it.
///
/// `COMPLETED` returns the resource; `FAILED` is [`Error::InvocationFailed`] or
/// [`Error::BuildFailed`]; no end by the deadline is [`Error::WaitTimeout`] or
/// [`Error::BuildWaitTimeout`], with the id and what was last seen, so the wait can be resumed.
///
/// Waits are cheap to run by the thousand: one client has at most 64 polls in flight, and a poll
/// that finds them taken waits its turn (a late poll only sees the resource further along).
#[must_use = "a wait does nothing until awaited"]
pub struct Wait<T> {
    ctx: Arc<Context>,
    /// How to get it by id.
    get: &'static Operation,
    id: IdInput,
    max_wait: Duration,
    /// Set by the caller; else the client's schedule, or the event fallback with a hub.
    poll: Option<PollSchedule>,
    first: Option<T>,
    events: Option<WebhookHub>,
}

impl<T> std::fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("id", &self.id)
            .field("max_wait", &self.max_wait)
            .field("poll", &self.poll)
            .field("via_events", &self.events.is_some())
            .finish_non_exhaustive()
    }
}

impl Wait<Invocation> {
    pub(crate) fn invocation(ctx: Arc<Context>, id: IdInput, max_wait: Duration) -> Self {
        Self::new(ctx, &operation::INVOCATIONS_GET, id, max_wait)
    }
}

impl Wait<FunctionBuild> {
    pub(crate) fn build(ctx: Arc<Context>, id: IdInput, max_wait: Duration) -> Self {
        Self::new(ctx, &operation::FUNCTION_BUILDS_GET, id, max_wait)
    }
}

impl Wait<bb_api::types::SessionsGetResponse> {
    pub(crate) fn session(ctx: Arc<Context>, id: IdInput, max_wait: Duration) -> Self {
        Self::new(ctx, &operation::SESSIONS_GET, id, max_wait)
    }
}

impl<T: Pollable> Wait<T> {
    /// A wait that polls `get` for `id`; each pollable type has its constructor beside it.
    pub(crate) fn new(
        ctx: Arc<Context>,
        get: &'static Operation,
        id: IdInput,
        max_wait: Duration,
    ) -> Self {
        Self {
            ctx,
            get,
            id,
            max_wait,
            poll: None,
            first: None,
            events: None,
        }
    }

    /// The longest to wait before giving up.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// How often to poll (default: the client's [`crate::ClientBuilder::poll_schedule`]; made
    /// [`via`](Self::via) a hub, every [`DEFAULT_EVENT_FALLBACK`]).
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = Some(poll);
        self
    }

    /// Waits for the resource's webhook events instead of polling: the wait ends when its
    /// terminal event reaches `hub` (your receiver calls [`WebhookHub::deliver`]), and polls only
    /// as a fallback for lost deliveries, every [`DEFAULT_EVENT_FALLBACK`] unless
    /// [`poll_schedule`](Self::poll_schedule) says otherwise (the default's first poll comes 0 to
    /// 15 s later, differently for each id, so that waits started together do not poll
    /// together). No first poll: a resource that ended before the wait started is caught by its
    /// event kept in the hub, or by the fallback.
    ///
    /// The result and errors are the polling wait's. When the terminal event's `data` decodes
    /// as the resource, that is the result; otherwise the resource is fetched once.
    pub fn via(mut self, hub: &WebhookHub) -> Self {
        self.events = Some(hub.clone());
        self
    }

    /// Starts from the resource already in hand (saves the first poll if it has ended).
    pub(crate) fn starting_from(mut self, first: T) -> Self {
        self.first = Some(first);
        self
    }

    async fn run(self) -> Result<T, Error> {
        let id = self.id.parse("id")?;
        let span = tracing::debug_span!("bb_api.wait", operation = self.get.id, id = %id);
        self.wait_until_end(id).instrument(span).await
    }

    async fn wait_until_end(self, id: Uuid) -> Result<T, Error> {
        let started = Instant::now();
        let deadline = later(started, self.max_wait);
        let mut events = self.events.as_ref().map(|hub| hub.subscribe(id));
        // Waits started together (a fan-out) would all fall back in the same instant: the
        // default fallback's first poll is spread over half an interval, by the id's random bits.
        let spread = match (self.poll, &events) {
            (None, Some(_)) => DEFAULT_EVENT_FALLBACK.mul_f64(spread_fraction(id) / 2.0),
            _ => Duration::ZERO,
        };
        let poll = self.poll.unwrap_or(match events {
            Some(_) => PollSchedule::every(DEFAULT_EVENT_FALLBACK),
            None => self.ctx.transport.poll,
        });
        let mut buf = Uuid::encode_buffer();
        let id_str = id_text(&id, &mut buf);
        let args = [id_str];
        let mut last = self.first;
        let mut delays = poll.delays();
        let mut next_delay = || delays.next().unwrap_or(poll.max());
        // Polling starts at once unless the resource is in hand; with events, the first poll is
        // the fallback's.
        let mut next_poll = if last.is_some() || events.is_some() {
            later(later(started, next_delay()), spread)
        } else {
            started
        };
        loop {
            if let Some(event) = events.as_mut().and_then(Subscription::take) {
                match read_event::<T>(id, &event) {
                    Read::Resource(now) => {
                        tracing::debug!(id = id_str, status = now.status(), "event");
                        last = Some(now);
                    }
                    Read::EndedUnread => {
                        tracing::debug!(
                            id = id_str,
                            "terminal event without the resource; getting it"
                        );
                        next_poll = Instant::now();
                    }
                    Read::Nothing => {}
                }
            }
            if Instant::now() >= next_poll {
                let mut call = Call::new(self.get, &args);
                call.deadline = Some(deadline);
                let poll = async {
                    let _turn = self.ctx.polls.acquire().await;
                    // Boxed: a sleeping wait then holds a few hundred bytes, not the state of a
                    // request (about 3 KB), which matters at thousands of waits.
                    if T::SECRET_BEARING {
                        Box::pin(self.ctx.transport.call_secret_bearing(call, |body| {
                            serde_json::from_slice::<T>(body).map_err(|e| {
                                format!("invalid JSON at line {} column {}", e.line(), e.column())
                            })
                        }))
                        .await
                    } else {
                        Box::pin(self.ctx.transport.call::<T>(call)).await
                    }
                };
                match tokio::time::timeout_at(deadline, poll).await {
                    Err(_) => {}
                    Ok(Ok(now)) => {
                        tracing::debug!(id = id_str, status = now.status(), "polled");
                        last = Some(now);
                    }
                    // A poll that fails for a passing reason does not end a wait that has time.
                    Ok(Err(e)) if passing(&e) => {
                        tracing::debug!(id = id_str, error = %e, "poll failed; polling again");
                    }
                    Ok(Err(e)) => return Err(e),
                }
                next_poll = later(Instant::now(), next_delay());
            }
            if let Some(now) = last.take() {
                if now.is_terminal() {
                    return now.finish();
                }
                last = Some(now);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(T::timeout(id, now - started, last));
            }
            let until = next_poll.min(deadline);
            match events.as_mut() {
                Some(events) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = events.changed() => {}
                    }
                }
                None => tokio::time::sleep_until(until).await,
            }
        }
    }
}

/// A number in `[0, 1)` from the random bits of a v4 UUID (the same for the same id): its last
/// 53 bits, below the version and variant bits.
fn spread_fraction(id: Uuid) -> f64 {
    const BITS: u32 = 53;
    (id.as_u128() as u64 & ((1 << BITS) - 1)) as f64 / (1u64 << BITS) as f64
}

/// What an event says about the resource a wait is on.
enum Read<T> {
    /// Its `data` is the resource (by id).
    Resource(T),
    /// It says the resource ended, but its `data` is not the resource: get it.
    EndedUnread,
    /// Nothing usable.
    Nothing,
}

fn read_event<T: Pollable>(id: Uuid, event: &Event) -> Read<T> {
    if !T::is_about(&event.event_type) {
        return Read::Nothing;
    }
    let ended = event.event_type.is_terminal();
    match T::deserialize(&event.data) {
        Ok(resource) if resource.id() == id && (resource.is_terminal() || !ended) => {
            Read::Resource(resource)
        }
        _ if ended => Read::EndedUnread,
        _ => Read::Nothing,
    }
}

/// Failures worth polling again for: timeouts, connection trouble, 429, 408 and 5xx.
fn passing(e: &Error) -> bool {
    match e {
        Error::Timeout(
            TimeoutKind::Attempt(_) | TimeoutKind::Connect(_) | TimeoutKind::Overall(_),
        )
        | Error::Transport { .. }
        | Error::RateLimited { .. }
        | Error::ConcurrencyLimited(_) => true,
        Error::Api(api) => matches!(api.status, 408 | 500..=599),
        _ => false,
    }
}

impl<T: Pollable> IntoFuture for Wait<T> {
    type Output = Result<T, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_fractions_are_stable_per_id_and_cover_the_unit_interval() {
        assert_eq!(spread_fraction(Uuid::nil()), 0.0);
        assert!(spread_fraction(Uuid::max()) < 1.0);
        let id = Uuid::new_v4();
        assert_eq!(spread_fraction(id), spread_fraction(id));
        let mut tenths = [0u32; 10];
        for _ in 0..1000 {
            let f = spread_fraction(Uuid::new_v4());
            assert!((0.0..1.0).contains(&f), "{f}");
            tenths[(f * 10.0) as usize] += 1;
        }
        // About 100 each; below 40 would take a broken spread (odds under 1e-9 otherwise).
        assert!(tenths.iter().all(|n| *n >= 40), "{tenths:?}");
    }
}
