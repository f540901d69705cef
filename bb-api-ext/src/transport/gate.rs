//! A client-wide pause after a 429 with `Retry-After`: every call of the client waits it out before
//! its next attempt, instead of each one hitting the limit and backing off alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Until when the client's calls hold back, as nanoseconds after `base` (0: not paused).
pub(crate) struct RateGate {
    base: Instant,
    until: AtomicU64,
}

impl RateGate {
    pub(crate) fn new() -> Self {
        Self {
            base: Instant::now(),
            until: AtomicU64::new(0),
        }
    }

    /// Holds every call back until `for_` from now (or longer, if already paused longer).
    pub(crate) fn pause(&self, for_: Duration) {
        let until = super::later(Instant::now(), for_).saturating_duration_since(self.base);
        let nanos = u64::try_from(until.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.until.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Waits until the pause is over, or `deadline`, whichever is sooner; `true` if it read the
    /// clock (the caller's reading is then stale). Costs one atomic load when the client is not
    /// paused.
    pub(crate) async fn wait(&self, deadline: Instant) -> bool {
        let nanos = self.until.load(Ordering::Relaxed);
        if nanos == 0 {
            return false;
        }
        let until = self.base + Duration::from_nanos(nanos);
        let now = Instant::now();
        if until > now {
            tracing::debug!(
                wait_ms = until.saturating_duration_since(now).as_millis() as u64,
                "holding back: the server asked this client to wait (429)"
            );
            tokio::time::sleep_until(until.min(deadline)).await;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_calls_until_it_ends_and_keeps_the_longest() {
        let gate = RateGate::new();
        let far = Instant::now() + Duration::from_secs(60);
        let start = Instant::now();
        gate.wait(far).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "not paused: no wait");
        gate.pause(Duration::from_secs(2));
        gate.pause(Duration::from_secs(1));
        gate.wait(far).await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        gate.pause(Duration::from_secs(10));
        gate.wait(Instant::now() + Duration::from_secs(3)).await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(5),
            "cut at the deadline"
        );
    }
}
