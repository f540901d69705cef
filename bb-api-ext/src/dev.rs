//! Dev mode: the local development server `bb dev` (`@browserbasehq/sdk-functions`), what it serves
//! and how its answers map onto the production API's (see [`crate::ClientBuilder::dev_server`]).
//!
//! Facts from the `@browserbasehq/sdk-functions` 1.0.2 source (`src/cli/dev/`), not from
//! Browserbase's API documentation, which shows `bb dev` only through a `curl` example: invoke by
//! name, answered synchronously with the handler's return value; 500
//! `{"error":{"message","type","stackTrace"}}` when the handler throws; 404 for a name not in the
//! registry; 503 while another invocation runs (one at a time) or before the runtime connects;
//! 400 with the validation issues for a body it rejects; no API key checked.

use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use tokio::time::Instant;
use uuid::Uuid;

use crate::dev_mode::DevModeError;
use crate::error::{ApiError, Error};
use crate::transport::operation::FUNCTIONS_INVOKE;
use crate::transport::{Call, Transport, later};
use bb_api::open::{InvocationCauseCode, InvocationStatus};
use bb_api::types::{Invocation, InvocationCause};

/// The first pause after a 503 (busy, or no runtime connected yet); doubled up to [`BUSY_MAX`].
const BUSY_FIRST: Duration = Duration::from_millis(100);
/// The longest pause between tries while the server is busy.
const BUSY_MAX: Duration = Duration::from_secs(2);

/// Invokes the Function `name` on the dev server and returns the ended invocation: `COMPLETED`
/// with the handler's return value, or `FAILED` with the handler's error. A 503 is tried again
/// with backoff until `limit` has passed.
pub(crate) async fn invoke(
    transport: &Transport,
    name: &str,
    body: &Bytes,
    secrets: &[&str],
    limit: Duration,
) -> Result<Invocation, Error> {
    let started = Instant::now();
    let deadline = later(started, limit);
    let mut pause = BUSY_FIRST;
    loop {
        let mut call = Call::new(&FUNCTIONS_INVOKE, std::slice::from_ref(&name));
        call.body = Some(body);
        call.secrets = secrets;
        // The handler runs while the request is held: the wait's limit bounds it, not the
        // per-request timeouts. No status is retried by the transport (a 500 is the handler's
        // failure, and running it again is not the transport's call); 503 is retried here.
        call.hold = Some(deadline.saturating_duration_since(Instant::now()));
        call.final_statuses = &[400, 404, 500, 503];
        match transport.call::<serde_json::Value>(call).await {
            Ok(results) => return Ok(ended(body, Some(results), None)),
            Err(Error::Api(e)) if e.status == 503 && later(Instant::now(), pause) < deadline => {
                tracing::debug!(function = name, delay_ms = pause.as_millis() as u64, error = %e, "bb dev busy; waiting");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(BUSY_MAX);
            }
            Err(Error::Api(e)) if e.status == 500 => {
                return match handler_error(&e) {
                    Some(cause) => Err(Error::InvocationFailed(Box::new(ended(
                        body,
                        None,
                        Some(cause),
                    )))),
                    None => Err(Error::Api(e)),
                };
            }
            Err(Error::NotFound(e)) => {
                return Err(Error::DevMode {
                    base_url: transport.base_url().to_owned(),
                    problem: DevModeError::FunctionNotFound {
                        name: name.to_owned(),
                        message: server_message(&e),
                    },
                });
            }
            Err(e) => return Err(e),
        }
    }
}

/// The invocation a dev-server answer stands for. `bb dev` returns no invocation: its id is made
/// here; the Function, version, project and session ids are nil (the dev server does not say
/// them); region `local`, as the dev runtime's context says; params as sent.
fn ended(body: &Bytes, results: Option<serde_json::Value>, cause: Option<String>) -> Invocation {
    let now = chrono::Utc::now();
    let params = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(
            |mut b| match b.get_mut("params").map(serde_json::Value::take) {
                Some(serde_json::Value::Object(map)) => Some(map),
                _ => None,
            },
        )
        .unwrap_or_default();
    let status = if cause.is_some() {
        InvocationStatus::Failed
    } else {
        InvocationStatus::Completed
    };
    Invocation {
        cause: cause.map(|message| InvocationCause {
            code: Some(InvocationCauseCode::WorkloadError),
            message: Some(message),
        }),
        created_at: now,
        ended_at: Some(now),
        expires_at: None,
        function_id: Uuid::nil(),
        id: Uuid::new_v4(),
        params,
        project_id: Uuid::nil(),
        region: Some("local".to_owned()),
        results,
        session_id: Uuid::nil(),
        started_at: Some(now),
        status,
        updated_at: Some(now),
        version_id: Uuid::nil(),
    }
}

/// The handler's error of a 500: `{"error": {"type", "message", "stackTrace": [..]}}` as
/// `Type: message` and the stack trace's lines; `None` for another 500 (a session that could not be
/// created, a body the server could not parse), which stays an [`Error::Api`].
fn handler_error(e: &ApiError) -> Option<String> {
    #[derive(Deserialize)]
    struct Body {
        error: HandlerError,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct HandlerError {
        message: String,
        #[serde(rename = "type")]
        kind: Option<String>,
        #[serde(default)]
        stack_trace: Vec<String>,
    }
    let text = e.body.as_str();
    let Ok(body) = serde_json::from_str::<Body>(text) else {
        // A long stack trace goes past the snippet kept of an error body: keep what there is.
        return (e.body.is_truncated() && text.starts_with("{\"error\":{"))
            .then(|| format!("{text}… (the handler's error, cut at {} bytes)", text.len()));
    };
    let error = body.error;
    let mut text = match error.kind.filter(|k| !k.is_empty()) {
        Some(kind) => format!("{kind}: {}", error.message),
        None => error.message,
    };
    for line in &error.stack_trace {
        text.push('\n');
        text.push_str(line);
    }
    Some(text)
}

/// The `message` of a dev server's error body (`{"error": "...", "message": "..."}`).
fn server_message(e: &ApiError) -> Option<String> {
    #[derive(Deserialize)]
    struct Body {
        message: String,
    }
    serde_json::from_str::<Body>(e.body.as_str())
        .ok()
        .map(|b| b.message)
}
