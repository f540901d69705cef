//! The project's concurrency limit in the fake (the smallest version, for the replicas' test):
//! an invoke while `limit` invocations are pending or running is answered `429` with
//! `Retry-After: 1`, as Browserbase does, and the peak is recorded.

use super::state::{State, Status};

/// The limit, the highest number of invocations seen running at once, and the 429s answered.
#[derive(Debug, Default)]
pub(crate) struct ProjectLimit {
    pub(crate) limit: Option<usize>,
    pub(crate) peak: usize,
    pub(crate) rejected: u64,
}

/// Invocations pending or running now.
fn running(state: &State) -> usize {
    let now = state.clock.now();
    state
        .invocations
        .values()
        .filter(|i| matches!(i.status(now), Status::Pending | Status::Running))
        .count()
}

/// Whether one more invocation may start; counts a refusal.
pub(crate) fn admit(state: &mut State) -> bool {
    let Some(limit) = state.limit.limit else {
        return true;
    };
    if running(state) >= limit {
        state.limit.rejected += 1;
        return false;
    }
    true
}

/// Records the peak after an invocation started.
pub(crate) fn started(state: &mut State) {
    if state.limit.limit.is_some() {
        let now = running(state);
        state.limit.peak = state.limit.peak.max(now);
    }
}
