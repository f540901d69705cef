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
