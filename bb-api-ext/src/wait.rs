//! Getting an invocation, and waiting for one to end: a polling schedule under a deadline.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use chrono::Utc;
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::invocation::{Invocation, InvocationStatus};
use crate::invoke::IdInput;
use crate::timeout::SessionTimeout;
use crate::transport::INVOCATIONS_GET;
use crate::validate::Validator;

/// Added to the longest an invocation can run, to allow for queueing and clock skew.
pub(crate) const WAIT_MARGIN: Duration = Duration::from_secs(60);

/// Getting and waiting for invocations; from [`Client::invocations`].
#[derive(Debug, Clone, Copy)]
pub struct Invocations<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> Invocations<'c> {
    /// Gets the invocation `id` (a [`uuid::Uuid`] or a string holding one).
    pub async fn get(self, id: impl Into<IdInput>) -> Result<Invocation, Error> {
        let mut v = Validator::new();
        let id = v.field("id", |v| id.into().check(v));
        v.finish(())?;
        let inner = &self.client.inner;
        let mut buf = uuid::Uuid::encode_buffer();
        let id = id.hyphenated().encode_lower(&mut buf);
        let url = inner.endpoint(&["v1", "functions", "invocations", id])?;
        inner
            .call(&INVOCATIONS_GET, &url, None, &[inner.api_key.expose()])
            .await
    }

    /// Waits for the invocation `id` to end; configure, then `.await`.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// use std::time::Duration;
    ///
    /// let done = client.invocations().wait(id).max_wait(Duration::from_secs(300)).await?;
    /// # Ok(()) }
    /// ```
    pub fn wait(self, id: impl Into<IdInput>) -> Wait {
        Wait {
            client: self.client.clone(),
            id: id.into(),
            max_wait: SessionTimeout::MAX.as_duration() + WAIT_MARGIN,
            poll: PollSchedule::default(),
            first: None,
        }
    }
}

impl Invocation {
    /// Waits for this invocation to end, polling with `client`. The deadline is its `expiresAt`
    /// plus a minute (16 minutes at most, and when it has no `expiresAt`); change it with
    /// [`Wait::max_wait`].
    pub fn wait(&self, client: &Client) -> Wait {
        // Past `expiresAt` it can only be ending: wait the margin alone.
        let left = self
            .expires_at
            .map_or(SessionTimeout::MAX.as_duration(), |at| {
                (at - Utc::now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(SessionTimeout::MAX.as_duration())
            });
        let max_wait = left + WAIT_MARGIN;
        client
            .invocations()
            .wait(self.id)
            .max_wait(max_wait)
            .starting_from(self.clone())
    }
}

/// How often to poll: starting at `initial`, multiplied by `factor` after each poll, up to `max`.
///
/// The default starts at 1 s and backs off by 1.5× to 5 s: quick results come back quickly, and a
/// 15-minute run costs about 190 requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    initial: Duration,
    factor: f64,
    max: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            factor: 1.5,
            max: Duration::from_secs(5),
        }
    }
}

impl PollSchedule {
    /// A schedule; a `factor` below 1 (or not finite) is taken as 1, a `max` below `initial` as
    /// `initial`.
    pub fn new(initial: Duration, factor: f64, max: Duration) -> Self {
        Self {
            initial,
            factor: if factor.is_finite() && factor >= 1.0 {
                factor
            } else {
                1.0
            },
            max: max.max(initial),
        }
    }

    /// The delay after one of `delay`.
    pub(crate) fn next(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.factor).min(self.max)
    }

    /// The delays this schedule sleeps, in order (endless).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + '_ {
        std::iter::successors(Some(self.initial), |d| Some(self.next(*d)))
    }
}

/// A wait for an invocation to end; `.await` it.
#[must_use = "a wait does nothing until awaited"]
#[derive(Debug)]
pub struct Wait {
    client: Client,
    id: IdInput,
    max_wait: Duration,
    poll: PollSchedule,
    first: Option<Invocation>,
}

impl Wait {
    /// The longest to wait before giving up with [`Error::WaitTimeout`].
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// How often to poll.
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
        self
    }

    /// Starts from an invocation already in hand (saves the first poll if it has ended).
    pub(crate) fn starting_from(mut self, invocation: Invocation) -> Self {
        self.first = Some(invocation);
        self
    }

    async fn run(self) -> Result<Invocation, Error> {
        let started = Instant::now();
        let deadline = started + self.max_wait;
        let invocations = self.client.invocations();
        let mut last = match self.first {
            Some(inv) => inv,
            None => invocations.get(self.id.clone()).await?,
        };
        let id = last.id;
        let mut delays = self.poll.delays();
        loop {
            if last.is_terminal() {
                return finish(last);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::WaitTimeout {
                    waited: now - started,
                    last: Box::new(last),
                });
            }
            let delay = delays.next().unwrap_or(self.poll.max);
            tokio::time::sleep(delay.min(deadline - now)).await;
            last = invocations.get(id).await?;
            tracing::debug!(invocation = %id, status = %last.status, "polled");
        }
    }
}

impl IntoFuture for Wait {
    type Output = Result<Invocation, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

fn finish(invocation: Invocation) -> Result<Invocation, Error> {
    match invocation.status {
        InvocationStatus::Failed => Err(Error::InvocationFailed(Box::new(invocation))),
        _ => Ok(invocation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_backs_off_to_a_cap() {
        let delays: Vec<u128> = PollSchedule::default()
            .delays()
            .take(7)
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(delays, [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
    }

    #[test]
    fn schedule_repairs_nonsense() {
        let s = PollSchedule::new(Duration::from_secs(2), f64::NAN, Duration::from_secs(1));
        let delays: Vec<u128> = s.delays().take(2).map(|d| d.as_millis()).collect();
        assert_eq!(delays, [2000, 2000]);
    }
}
