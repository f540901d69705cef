//! Which failures are safe to retry for which request, how long to back off, and `Retry-After`.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::header::HeaderMap;

use crate::error::{Error, TimeoutKind};

/// How the client retries. On by default with 2 retries (3 attempts).
///
/// Getting an invocation is a read and is retried on connection errors, timeouts and statuses
/// 408, 429, 500, 502, 503 and 504. An invoke starts a billed browser session, so by default it is
/// retried only where the server cannot have started it: the connection failed before the request
/// was sent, or the server answered 429. See [`InvokeRetry`] for the trade-off.
///
/// ```
/// use bb_api_ext::{InvokeRetry, RetryConfig};
/// use std::time::Duration;
///
/// let retry = RetryConfig::default()
///     .max_retries(4)
///     .initial_backoff(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(5))
///     .max_retry_after(Duration::from_secs(30))
///     .invoke(InvokeRetry::AllowDuplicates);
/// # let _ = retry;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    invoke: InvokeRetry,
}

/// When an invoke (a non-idempotent POST) may be retried.
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
        Self::default().max_retries(0)
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first backoff (default 250 ms); it doubles each retry, with full jitter.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest backoff (default 8 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` the client will sleep for (default 60 s). A longer one is returned
    /// at once as [`Error::RateLimited`] carrying the server's value.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// When invokes may be retried (default [`InvokeRetry::OnlyIfNotStarted`]).
    pub fn invoke(mut self, policy: InvokeRetry) -> Self {
        self.invoke = policy;
        self
    }

    pub(crate) fn max_retry_after_value(&self) -> Duration {
        self.max_retry_after
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.max_retries as usize)
    }

    /// Whether `err` from an attempt of a request with this idempotency may be retried.
    pub(crate) fn is_retryable(&self, idempotent: bool, err: &Error) -> bool {
        let after_send_ok = idempotent || self.invoke == InvokeRetry::AllowDuplicates;
        match err {
            Error::RateLimited { .. } => true,
            Error::Transport {
                request_sent: false,
                ..
            } => true,
            Error::Timeout(TimeoutKind::Connect(_)) => true,
            Error::Transport {
                request_sent: true, ..
            } => after_send_ok,
            Error::Timeout(TimeoutKind::Attempt(_)) => after_send_ok,
            Error::Api(e) => after_send_ok && matches!(e.status, 408 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// The server's requested delay: `retry-after-ms`, else `Retry-After` as seconds or an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(date.with_timezone(&chrono::Utc));
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT")]),
                now
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:27 GMT")]),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "3"), ("retry-after-ms", "1500")]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "-5")]), now),
            None
        );
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
