//! Argument values shared by several commands, parsed and checked by clap before anything is
//! sent (a bad value is a usage error: exit 2).

use std::time::Duration;

use bb_api_ext::{SessionCreateParamsBuilder, Value};

/// A JSON value given inline, or `@FILE` to read it from a file.
fn json_text(arg: &str) -> Result<String, String> {
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}")),
        None => Ok(arg.to_owned()),
    }
}

/// `--params`: a JSON object, inline or `@FILE`.
pub fn params(arg: &str) -> Result<Value, String> {
    let value: Value =
        serde_json::from_str(&json_text(arg)?).map_err(|e| format!("not JSON: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("must be a JSON object".to_owned())
    }
}

/// `--session`: `sessionCreateParams` as the API documents it (camelCase JSON), inline or `@FILE`.
pub fn session(arg: &str) -> Result<SessionCreateParamsBuilder, String> {
    serde_json::from_str(&json_text(arg)?)
        .map_err(|e| format!("not valid sessionCreateParams: {e}"))
}

/// `--max-wait`: a positive number of seconds.
pub fn seconds(arg: &str) -> Result<Duration, String> {
    arg.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .and_then(|n| Duration::try_from_secs_f64(n).ok())
        .ok_or_else(|| "must be a positive number of seconds".to_owned())
}

/// `--older-than`: a duration such as `45s`, `30m`, `2h` or `1d` (a whole number and one unit).
pub fn age(arg: &str) -> Result<Duration, String> {
    const HELP: &str = "must be a whole number followed by s, m, h or d (like 30m)";
    let arg = arg.trim();
    let split = arg.len().saturating_sub(1);
    let (number, unit) = (
        arg.get(..split).unwrap_or(""),
        arg.get(split..).unwrap_or(""),
    );
    let n: u64 = number.parse().map_err(|_| HELP.to_owned())?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(HELP.to_owned()),
    };
    n.checked_mul(unit_secs)
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| HELP.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_take_one_unit() {
        assert_eq!(age("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(age("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(age("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(age("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "m", "30", "0m", "-1m", "1.5h", "30x", "1hm"] {
            assert!(age(bad).is_err(), "{bad}");
        }
    }
}
