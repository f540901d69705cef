//! One timer per client that spares Tokio's driver a wake-up for every attempt's timer.
//!
//! When a timer is registered that is due before the driver's planned wake-up, Tokio wakes the
//! driver so that it plans again: a `write` to the runtime's eventfd, a system call. The planned
//! wake-up is the earliest timer in the wheel when the runtime last parked, and when it parked
//! with no timer at all (between two bursts of calls, say), every timer registered after that is
//! "earlier". So attempt timers of concurrent calls cost a system call each, which `strace -c` of
//! the paired benchmark showed: one `write` per call with the timer, none without it.
//!
//! The anchor is a timer that is always due before any attempt's deadline (half an attempt's
//! time from when it was set) and renewed long before it fires, while calls keep coming. The
//! driver's planned wake-up is then never later than an attempt's deadline, and attempt timers go
//! in without waking it. The anchor only saves work: every attempt still has its own timer, and
//! when the anchor has lapsed (no calls for a while, or it lives in another runtime) the next
//! attempt simply pays for the wake-up and renews it.

use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

pub(crate) struct TimerAnchor {
    base: Instant,
    /// How far ahead the anchor is set.
    period: Duration,
    /// Nanoseconds after `base` from which the next attempt renews the anchor.
    renew_at: AtomicU64,
    /// Registered once, never waited on; replaced at each renewal.
    sleep: Mutex<Option<Pin<Box<Sleep>>>>,
}

impl TimerAnchor {
    /// An anchor for attempts whose deadlines are at least `shortest` after they start.
    pub(crate) fn new(shortest: Duration) -> Self {
        Self {
            base: Instant::now(),
            period: (shortest / 2).max(Duration::from_millis(1)),
            renew_at: AtomicU64::new(0),
            sleep: Mutex::new(None),
        }
    }

    /// Called by every attempt, at its start (`now`), inside the runtime that runs it: one atomic
    /// load, unless the anchor is due for renewal.
    pub(crate) fn keep(&self, now: Instant) {
        if self.nanos(now) >= self.renew_at.load(Ordering::Relaxed) {
            self.renew(now);
        }
    }

    #[cold]
    fn renew(&self, now: Instant) {
        // Another call is renewing it: nothing to do.
        let Ok(mut slot) = self.sleep.try_lock() else {
            return;
        };
        if self.nanos(now) < self.renew_at.load(Ordering::Relaxed) {
            return;
        }
        let mut sleep = Box::pin(tokio::time::sleep_until(super::later(now, self.period)));
        // The first poll registers the timer with this runtime's driver; nothing waits on it.
        let _ = sleep.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        *slot = Some(sleep);
        self.renew_at.store(
            self.nanos(super::later(now, self.period / 2)),
            Ordering::Relaxed,
        );
    }

    fn nanos(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn renews_only_when_half_its_period_has_passed() {
        let anchor = TimerAnchor::new(Duration::from_secs(20));
        let start = Instant::now();
        anchor.keep(start);
        let first = anchor.renew_at.load(Ordering::Relaxed);
        assert_eq!(first, anchor.nanos(start + Duration::from_secs(5)));
        anchor.keep(start + Duration::from_secs(4));
        assert_eq!(
            anchor.renew_at.load(Ordering::Relaxed),
            first,
            "not yet due"
        );
        anchor.keep(start + Duration::from_secs(5));
        assert_eq!(
            anchor.renew_at.load(Ordering::Relaxed),
            anchor.nanos(start + Duration::from_secs(10)),
            "renewed for another half period"
        );
        let deadline = anchor
            .sleep
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.deadline()));
        assert_eq!(deadline, Some(start + Duration::from_secs(15)));
    }
}
