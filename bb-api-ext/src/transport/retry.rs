//! Which failures are safe to retry for which request, how long to back off, and `Retry-After`.

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::header::HeaderMap;

use crate::config::{InvokeRetry, RetryConfig};
use crate::error::{Error, TimeoutKind};
use crate::transport::operation::{FUNCTIONS_INVOKE, Operation};

/// The backoff between attempts: exponential from the initial backoff, doubled each retry, with
/// full jitter, capped.
pub(crate) fn backoff(config: &RetryConfig) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(config.initial_backoff())
        .with_max_delay(config.max_backoff())
        .with_factor(2.0)
        .with_jitter()
        .with_max_times(config.max_retries() as usize)
}

/// Whether `err` from an attempt of `op` may be retried. [`InvokeRetry`] speaks for invokes only:
/// the other writes that are not idempotent (creating a webhook, rotating its secret) are never
/// repeated once they may have been sent.
pub(crate) fn is_retryable(config: &RetryConfig, op: &Operation, err: &Error) -> bool {
    let after_send_ok = op.idempotent
        || (op.id == FUNCTIONS_INVOKE.id && config.invoke() == InvokeRetry::AllowDuplicates);
    match err {
        // Refused before any work started: a rate limit, or no free session slot.
        Error::RateLimited { .. } | Error::ConcurrencyLimited(_) => true,
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

/// A call's backoff, built on its first retryable failure: most calls need none.
pub(crate) type Backoff = Option<Box<backon::ExponentialBackoff>>;

/// How long to wait before the next attempt after `err`, or `None` to give up: the backoff's
/// next step (none left: give up), or instead the server's `Retry-After` when it sent one, unless
/// that is longer than `max_retry_after`.
pub(crate) fn next_delay(
    config: &RetryConfig,
    backoff: &mut Backoff,
    err: &Error,
) -> Option<Duration> {
    use backon::BackoffBuilder as _;
    let step = backoff
        .get_or_insert_with(|| Box::new(self::backoff(config).build()))
        .next()?;
    match server_delay(err) {
        Some(asked) if asked > config.max_retry_after() => None,
        Some(asked) => Some(asked),
        None => Some(step),
    }
}

/// The delay a 429 asked for (`Retry-After`), if any.
pub(crate) fn server_delay(err: &Error) -> Option<Duration> {
    match err {
        Error::RateLimited { retry_after, .. } => *retry_after,
        Error::ConcurrencyLimited(limit) => limit.retry_after,
        _ => None,
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
    // Negative, not finite or too large to be a `Duration`: ignored, as if absent.
    if let Some(ms) = text("retry-after-ms")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
    {
        return Some(ms);
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(date.with_timezone(&chrono::Utc));
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a 429's body speaks of the concurrent sessions limit, and the numbers it gives:
/// `(limit, running)`. Browserbase's message reads "You've exceeded your max concurrent sessions
/// limit (limit 1, currently 1)"; its exact form is not documented, so any body mentioning
/// "concurren" counts, and `limit N` / `"limit": N` and `currently N` / `"current": N` are taken
/// wherever they appear.
pub(crate) fn concurrency_limit(body: &[u8]) -> Option<(Option<u64>, Option<u64>)> {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    if !text.contains("concurren") {
        return None;
    }
    Some((number_after(&text, "limit"), number_after(&text, "current")))
}

/// The first number that follows `word` (and whatever letters complete it, then spaces, quotes,
/// `:`, `=` or `(`) anywhere in `text`.
fn number_after(text: &str, word: &str) -> Option<u64> {
    text.match_indices(word).find_map(|(at, _)| {
        let rest = text[at + word.len()..]
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .trim_start_matches([' ', '"', ':', '=', '(']);
        let digits: &str = &rest[..rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len())];
        digits.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn concurrency_limits_are_read_from_the_message_or_json() {
        use super::concurrency_limit;
        let real = br#"{"statusCode":429,"error":"Too Many Requests","message":"You've exceeded your max concurrent sessions limit (limit 1, currently 1). Please contact support to increase your limit."}"#;
        assert_eq!(concurrency_limit(real), Some((Some(1), Some(1))));
        assert_eq!(
            concurrency_limit(br#"{"error":"concurrency","limit": 25, "current": 25}"#),
            Some((Some(25), Some(25)))
        );
        assert_eq!(
            concurrency_limit(b"Concurrent session limit reached"),
            Some((None, None))
        );
        assert_eq!(concurrency_limit(b"slow down, limit 10 per minute"), None);
        assert_eq!(concurrency_limit(b""), None);
    }

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
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "1e30")]), now),
            None
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "1e30"), ("retry-after", "3")]),
                now
            ),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "NaN")]), now),
            None
        );
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
