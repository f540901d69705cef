//! `SessionTimeout`: how long an invocation's browser session may run, 60 to 900 whole seconds.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// An invocation's session timeout: whole seconds in `60..=900`, the range the API accepts.
///
/// Holding one proves the value is valid, so the request builders take it without re-checking.
///
/// ```
/// use bb_api_ext::SessionTimeout;
/// use std::time::Duration;
///
/// let t = SessionTimeout::from_secs(120)?;
/// assert_eq!(t.as_secs(), 120);
/// assert!(SessionTimeout::from_secs(59).is_err());
/// assert!(SessionTimeout::try_from(Duration::from_millis(60_500)).is_err()); // not whole seconds
/// # Ok::<(), bb_api_ext::InvalidValue>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SessionTimeout(u16);

impl SessionTimeout {
    /// The shortest timeout the API accepts: 60 s.
    pub const MIN: Self = Self(60);
    /// The longest timeout the API accepts: 900 s (15 minutes), also the platform default.
    pub const MAX: Self = Self(900);

    /// A timeout of `secs` seconds, if within `60..=900`.
    pub fn from_secs(secs: u64) -> Result<Self, InvalidValue> {
        if (u64::from(Self::MIN.0)..=u64::from(Self::MAX.0)).contains(&secs) {
            // In range, so it fits in u16.
            Ok(Self(secs as u16))
        } else {
            Err(InvalidValue::new(format!(
                "must be whole seconds in 60..=900 (got {secs})"
            )))
        }
    }

    /// The timeout in seconds.
    pub fn as_secs(self) -> u64 {
        u64::from(self.0)
    }

    /// The timeout as a `Duration`.
    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.as_secs())
    }
}

impl TryFrom<Duration> for SessionTimeout {
    type Error = InvalidValue;

    /// Rejects a sub-second remainder rather than rounding it away.
    fn try_from(d: Duration) -> Result<Self, InvalidValue> {
        if d.subsec_nanos() != 0 {
            return Err(InvalidValue::new(format!(
                "must be whole seconds in 60..=900 (got {}s, which has a sub-second part)",
                d.as_secs_f64()
            )));
        }
        Self::from_secs(d.as_secs())
    }
}

/// Reads whole seconds in range; a float with no fractional part (`900.0`) counts as whole.
impl<'de> Deserialize<'de> for SessionTimeout {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Checked)
    }
}

/// [`SecondsVisitor`], then [`check_seconds`]: inside the visitor, so that the format can say
/// where the value was.
struct Checked;

impl serde::de::Visitor<'_> for Checked {
    type Value = SessionTimeout;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        SecondsVisitor.expecting(f)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        check_seconds(&SecondsVisitor.visit_u64(v)?).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        check_seconds(&SecondsVisitor.visit_i64(v)?).map_err(E::custom)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        check_seconds(&SecondsVisitor.visit_f64(v)?).map_err(E::custom)
    }
}

/// The rule for a timeout given as a number: whole seconds in range. `900.0` counts as whole.
pub(crate) fn check_seconds(secs: &serde_json::Number) -> Result<SessionTimeout, InvalidValue> {
    match secs.as_u64() {
        Some(secs) => SessionTimeout::from_secs(secs),
        None => Err(InvalidValue::new(format!(
            "must be whole seconds in 60..=900 (got {secs})"
        ))),
    }
}

/// The longest timeout of a session created directly: 21600 s (6 hours).
pub(crate) const MAX_DIRECT_SECS: u64 = 21_600;

/// The rule for the timeout of a session created directly, given as a number: whole seconds in
/// `60..=21600`.
pub(crate) fn check_direct_seconds(secs: &serde_json::Number) -> Result<u64, InvalidValue> {
    match secs.as_u64() {
        Some(s) if (SessionTimeout::MIN.as_secs()..=MAX_DIRECT_SECS).contains(&s) => Ok(s),
        _ => Err(InvalidValue::new(format!(
            "must be whole seconds in 60..=21600 (got {secs})"
        ))),
    }
}

/// The same rule for a `Duration`: a sub-second remainder is an error, not rounded away.
pub(crate) fn check_direct_duration(d: Duration) -> Result<u64, InvalidValue> {
    if d.subsec_nanos() != 0 {
        return Err(InvalidValue::new(format!(
            "must be whole seconds in 60..=21600 (got {}s, which has a sub-second part)",
            d.as_secs_f64()
        )));
    }
    check_direct_seconds(&d.as_secs().into())
}

/// Reads a timeout as a number of seconds, keeping what was given for [`check_seconds`] (or
/// validation, which reports it with the request's other violations): an integer, or a float,
/// stored as an integer when it has no fractional part. Anything else (`"300"`, `true`) is a type
/// error that says what a timeout must be.
pub(crate) struct SecondsVisitor;

impl serde::de::Visitor<'_> for SecondsVisitor {
    type Value = serde_json::Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the session timeout as an integer number of seconds between 60 and 900")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Whole and in u64's range (2^64 itself is not: `as` would saturate it).
        if v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
            return Ok((v as u64).into());
        }
        serde_json::Number::from_f64(v)
            .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Float(v), &self))
    }
}

impl fmt::Display for SessionTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

/// A single value that breaks its rule, from a checked constructor such as
/// [`SessionTimeout::from_secs`]. Request builders report these as [`crate::Violation`]s with paths.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}")]
pub struct InvalidValue {
    rule: String,
}

impl InvalidValue {
    pub(crate) fn new(rule: String) -> Self {
        Self { rule }
    }

    /// The rule, in words.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    pub(crate) fn into_rule(self) -> String {
        self.rule
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(
            SessionTimeout::from_secs(60).map(SessionTimeout::as_secs),
            Ok(60)
        );
        assert_eq!(
            SessionTimeout::from_secs(900).map(SessionTimeout::as_secs),
            Ok(900)
        );
        assert!(SessionTimeout::from_secs(59).is_err());
        assert!(SessionTimeout::from_secs(901).is_err());
        assert!(SessionTimeout::from_secs(u64::MAX).is_err());
        assert_eq!(
            SessionTimeout::try_from(Duration::from_secs(61)).map(SessionTimeout::as_secs),
            Ok(61)
        );
        let err = SessionTimeout::try_from(Duration::from_millis(60_001)).expect_err("sub-second");
        assert_eq!(
            err.rule(),
            "must be whole seconds in 60..=900 (got 60.001s, which has a sub-second part)"
        );
    }

    #[test]
    fn serde_round_trip() {
        let t: SessionTimeout = serde_json::from_str("300").expect("valid");
        assert_eq!(serde_json::to_string(&t).ok().as_deref(), Some("300"));
        let t: SessionTimeout = serde_json::from_str("900.0").expect("whole float");
        assert_eq!(t.as_secs(), 900);
        let err = |json: &str| match serde_json::from_str::<SessionTimeout>(json) {
            Ok(t) => panic!("{json} read as {t}"),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            err("30"),
            "must be whole seconds in 60..=900 (got 30) at line 1 column 2"
        );
        assert_eq!(
            err("-1"),
            "must be whole seconds in 60..=900 (got -1) at line 1 column 2"
        );
        assert_eq!(
            err("900.5"),
            "must be whole seconds in 60..=900 (got 900.5) at line 1 column 5"
        );
        assert_eq!(
            err("1.8446744073709552e19"),
            "must be whole seconds in 60..=900 (got 1.8446744073709552e+19) at line 1 column 21"
        );
        assert_eq!(
            err("\"300\""),
            "invalid type: string \"300\", expected the session timeout as an integer number of \
             seconds between 60 and 900 at line 1 column 5"
        );
    }
}
