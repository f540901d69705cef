//! One waiting machine for invocations and builds: poll on a schedule until the resource ends or
//! the deadline passes. Every part of a wait is bounded by its deadline, polls that fail for a
//! passing reason are retried on the schedule, and dropping the future stops it.

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
use crate::transport::Call;
use crate::transport::operation::{self, Operation};

/// Added to the longest an invocation can run, to allow for queueing and clock skew.
pub(crate) const WAIT_MARGIN: Duration = Duration::from_secs(60);

/// A resource that runs, then ends.
pub trait Pollable: DeserializeOwned + Send + 'static {
    fn is_terminal(&self) -> bool;
    fn status(&self) -> &str;
    /// What an ended resource turns into: itself, or the error its failure is.
    fn finish(self) -> Result<Self, Error>;
    /// The error for a deadline that passed.
    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error;
}

impl Pollable for Invocation {
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
#[must_use = "a wait does nothing until awaited"]
pub struct Wait<T> {
    ctx: Arc<Context>,
    /// How to get it by id.
    get: &'static Operation,
    id: IdInput,
    max_wait: Duration,
    poll: PollSchedule,
    first: Option<T>,
}

impl<T> std::fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("id", &self.id)
            .field("max_wait", &self.max_wait)
            .field("poll", &self.poll)
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

impl<T: Pollable> Wait<T> {
    fn new(ctx: Arc<Context>, get: &'static Operation, id: IdInput, max_wait: Duration) -> Self {
        let poll = ctx.transport.poll;
        Self {
            ctx,
            get,
            id,
            max_wait,
            poll,
            first: None,
        }
    }

    /// The longest to wait before giving up.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// How often to poll (default: the client's [`crate::ClientBuilder::poll_schedule`]).
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
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
        self.poll_until_end(id).instrument(span).await
    }

    async fn poll_until_end(self, id: Uuid) -> Result<T, Error> {
        let started = Instant::now();
        let deadline = started + self.max_wait;
        let mut buf = Uuid::encode_buffer();
        let id_str = id_text(&id, &mut buf);
        let args = [id_str];
        let mut last = self.first;
        let mut delays = self.poll.delays();
        let mut polled = last.is_some();
        loop {
            if !polled {
                let mut call = Call::new(self.get, &args);
                call.deadline = Some(deadline);
                match tokio::time::timeout_at(deadline, self.ctx.transport.call::<T>(call)).await {
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
            let delay = delays.next().unwrap_or(self.poll.max());
            tokio::time::sleep(delay.min(deadline - now)).await;
            polled = false;
        }
    }
}

/// Failures worth polling again for: timeouts, connection trouble, 429, 408 and 5xx.
fn passing(e: &Error) -> bool {
    match e {
        Error::Timeout(
            TimeoutKind::Attempt(_) | TimeoutKind::Connect(_) | TimeoutKind::Overall(_),
        )
        | Error::Transport { .. }
        | Error::RateLimited { .. } => true,
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
