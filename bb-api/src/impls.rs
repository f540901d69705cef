//! Hand-written methods on generated types: only what follows from the data itself.

use chrono::{DateTime, Utc};

use crate::types::{FunctionBuild, FunctionBuildLog, Invocation, InvocationLog};

impl Invocation {
    /// Whether the invocation has ended. Known statuses say so directly; a status newer than this
    /// crate counts as ended once the server has set `endedAt`.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal() || (self.status.is_unknown() && self.ended_at.is_some())
    }
}

impl FunctionBuild {
    /// Whether the build has ended, by the same rule as [`Invocation::is_terminal`].
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal() || (self.status.is_unknown() && self.ended_at.is_some())
    }
}

/// A log line's `timestamp` as a time. The API does not document the unit: values below 10^11 are
/// read as seconds (10^11 seconds is the year 5138), larger ones as milliseconds.
fn log_time(timestamp: f64) -> Option<DateTime<Utc>> {
    if !timestamp.is_finite() || timestamp < 0.0 {
        return None;
    }
    let millis = if timestamp < 1e11 {
        timestamp * 1000.0
    } else {
        timestamp
    };
    DateTime::from_timestamp_millis(millis as i64)
}

impl InvocationLog {
    /// When the line was logged, if `timestamp` is a plausible time.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        log_time(self.timestamp)
    }
}

impl FunctionBuildLog {
    /// When the line was logged, if `timestamp` is a plausible time.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        log_time(self.timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_times_in_seconds_or_milliseconds() {
        let ms = log_time(1_764_324_000_123.0).map(|t| t.timestamp_millis());
        assert_eq!(ms, Some(1_764_324_000_123));
        let s = log_time(1_764_324_000.5).map(|t| t.timestamp_millis());
        assert_eq!(s, Some(1_764_324_000_500));
        assert_eq!(log_time(f64::NAN), None);
        assert_eq!(log_time(-1.0), None);
    }
}
