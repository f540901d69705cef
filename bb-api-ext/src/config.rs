//! Plain configuration data: timeouts, the retry policy and the polling schedule. Each has
//! `with_x()` setters and `x()` getters, and a `Default` that is what the client uses.

use std::time::Duration;

/// Timeouts, each reported as its own [`crate::TimeoutKind`].
///
/// ```
/// use bb_api_ext::TimeoutConfig;
/// use std::time::Duration;
///
/// let t = TimeoutConfig::default()
///     .with_connect(Duration::from_secs(5))
///     .with_overall(Duration::from_secs(60));
/// assert_eq!(t.attempt(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutConfig {
    connect: Duration,
    attempt: Duration,
    overall: Duration,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            overall: Duration::from_secs(120),
        }
    }
}

impl TimeoutConfig {
    /// Establishing a connection, TLS included (default 10 s). Not applied to a caller-supplied
    /// `reqwest::Client`, which keeps its own.
    pub fn with_connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }

    /// One attempt: sending the request and reading the whole response (default 30 s).
    pub fn with_attempt(mut self, d: Duration) -> Self {
        self.attempt = d;
        self
    }

    /// One call: every attempt and every backoff between them (default 120 s).
    pub fn with_overall(mut self, d: Duration) -> Self {
        self.overall = d;
        self
    }

    /// The connect timeout.
    pub fn connect(&self) -> Duration {
        self.connect
    }

    /// The per-attempt timeout.
    pub fn attempt(&self) -> Duration {
        self.attempt
    }

    /// The per-call timeout.
    pub fn overall(&self) -> Duration {
        self.overall
    }
}

/// How the client retries. On by default with 2 retries (3 attempts).
///
/// Reads are retried on connection errors, timeouts and statuses 408, 429, 500, 502, 503 and 504.
/// An invoke starts a billed browser session, so by default it is retried only where the server
/// cannot have started it: the connection failed before the request was sent, or the server
/// answered 429. See [`InvokeRetry`] for the trade-off.
///
/// ```
/// use bb_api_ext::{InvokeRetry, RetryConfig};
/// use std::time::Duration;
///
/// let retry = RetryConfig::default()
///     .with_max_retries(4)
///     .with_initial_backoff(Duration::from_millis(200))
///     .with_max_backoff(Duration::from_secs(5))
///     .with_max_retry_after(Duration::from_secs(30))
///     .with_invoke(InvokeRetry::AllowDuplicates);
/// assert_eq!(retry.max_retries(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    invoke: InvokeRetry,
}

/// When an invoke (a non-idempotent POST) may be retried. Creating a webhook and rotating its
/// secret, the other writes that are not idempotent, are never retried once they may have been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InvokeRetry {
    /// Only when the server cannot have started the invocation: a connection that failed before the
    /// request was sent, and 429. A 5xx, a timeout or a reset after sending is returned as an error,
    /// because the invocation may be running. The default.
    #[default]
    OnlyIfNotStarted,
    /// Also on 408/500/502/503/504, timeouts and resets after sending, like reads. A retry can then
    /// start a second invocation (and a second billed session) if the first did start: choose this
    /// only for Functions that are safe to run twice.
    AllowDuplicates,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            invoke: InvokeRetry::OnlyIfNotStarted,
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn disabled() -> Self {
        Self::default().with_max_retries(0)
    }

    /// Retries after the first attempt (default 2).
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first backoff (default 250 ms); it doubles each retry, with full jitter.
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest backoff (default 8 s).
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` the client will sleep for (default 60 s). A longer one is returned
    /// at once as [`crate::Error::RateLimited`] carrying the server's value.
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// When invokes may be retried (default [`InvokeRetry::OnlyIfNotStarted`]).
    pub fn with_invoke(mut self, policy: InvokeRetry) -> Self {
        self.invoke = policy;
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The first backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` the client sleeps for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// When invokes may be retried.
    pub fn invoke(&self) -> InvokeRetry {
        self.invoke
    }
}

/// How often a wait polls: starting at `initial`, multiplied by `factor` after each poll, up to
/// `max`. Set it for every wait of a client with [`crate::ClientBuilder::poll_schedule`] (tests
/// use a few milliseconds), or per wait.
///
/// The default starts at 1 s and backs off by 1.5× to 5 s: quick results come back quickly, and a
/// 15-minute run costs about 190 requests.
///
/// ```
/// use bb_api_ext::PollSchedule;
/// use std::time::Duration;
///
/// let fast = PollSchedule::new(Duration::from_millis(10), 2.0, Duration::from_millis(40));
/// let delays: Vec<_> = fast.delays().take(4).map(|d| d.as_millis()).collect();
/// assert_eq!(delays, [10, 20, 40, 40]);
/// ```
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

    /// A fixed interval.
    pub fn every(interval: Duration) -> Self {
        Self::new(interval, 1.0, interval)
    }

    /// The first delay.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The growth factor.
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// The longest delay.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The delays this schedule sleeps, in order (endless).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + '_ {
        // `mul_f64` would panic past `Duration::MAX`; the cap is reached long before.
        std::iter::successors(Some(self.initial), |d| {
            Some(
                Duration::try_from_secs_f64(d.as_secs_f64() * self.factor)
                    .map_or(self.max, |next| next.min(self.max)),
            )
        })
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
    fn a_huge_factor_or_delay_reaches_the_cap_without_overflowing() {
        let s = PollSchedule::new(Duration::from_secs(1), 1e300, Duration::from_secs(5));
        let delays: Vec<u128> = s.delays().take(3).map(|d| d.as_millis()).collect();
        assert_eq!(delays, [1000, 5000, 5000]);
        let s = PollSchedule::new(Duration::MAX, 2.0, Duration::MAX);
        assert_eq!(s.delays().take(2).last(), Some(Duration::MAX));
    }

    #[test]
    fn schedule_repairs_nonsense() {
        let s = PollSchedule::new(Duration::from_secs(2), f64::NAN, Duration::from_secs(1));
        let delays: Vec<u128> = s.delays().take(2).map(|d| d.as_millis()).collect();
        assert_eq!(delays, [2000, 2000]);
    }
}
