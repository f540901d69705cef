//! Fixtures shared by the integration tests: ids, invocation bodies, and clients pointed at a local
//! mock server.

use std::time::Duration;

use bb_api_ext::{Client, PollSchedule, RetryConfig, TimeoutConfig};
use serde_json::{Value, json};

/// The API key the test clients send.
pub const KEY: &str = "bb_test_key_0123456789";
/// A Function id.
pub const FUNCTION_ID: &str = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
/// An invocation id.
pub const INVOCATION_ID: &str = "0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e";

/// The invoke path for [`FUNCTION_ID`].
pub fn invoke_path() -> String {
    format!("/v1/functions/{FUNCTION_ID}/invoke")
}

/// The get path for [`INVOCATION_ID`].
pub fn get_path() -> String {
    format!("/v1/functions/invocations/{INVOCATION_ID}")
}

/// An invocation as the API sends it, with `status`.
pub fn invocation_json(status: &str) -> Value {
    json!({
        "id": INVOCATION_ID,
        "projectId": "11111111-2222-4333-8444-555555555555",
        "functionId": FUNCTION_ID,
        "versionId": "22222222-3333-4444-8555-666666666666",
        "sessionId": "33333333-4444-4555-8666-777777777777",
        "region": "us-west-2",
        "params": {"url": "https://example.com"},
        "status": status,
        "createdAt": "2026-11-28T10:00:00.000Z",
        "updatedAt": "2026-11-28T10:00:01.500Z",
        "startedAt": "2026-11-28T10:00:00.250Z",
        "expiresAt": "2026-11-28T10:15:00Z"
    })
}

/// A poll schedule for tests: 10 ms, no backoff.
pub fn fast_polls() -> PollSchedule {
    PollSchedule::new(Duration::from_millis(10), 1.0, Duration::from_millis(10))
}

/// A client for `base_url` with the test key, short timeouts and quick retries.
pub fn client(base_url: &str) -> Client {
    client_with(
        base_url,
        RetryConfig::default().with_initial_backoff(Duration::from_millis(5)),
    )
}

/// Retries with 1–5 ms backoff, so that retried cases take no time.
pub fn fast_retry(max_retries: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_retries(max_retries)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// Generous timeouts: for cases that expect an answer, on a loaded machine.
pub fn generous_timeouts() -> TimeoutConfig {
    TimeoutConfig::default()
        .with_connect(Duration::from_secs(5))
        .with_attempt(Duration::from_secs(10))
        .with_overall(Duration::from_secs(20))
}

/// A client for `base_url` with key [`KEY`], `retry` and `timeouts`.
pub fn client_custom(base_url: &str, retry: RetryConfig, timeouts: TimeoutConfig) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry(retry)
        .timeouts(timeouts)
        .build()
        .expect("a loopback client builds")
}

/// A client for `base_url` with the test key, short timeouts and the given retries.
pub fn client_with(base_url: &str, retry: RetryConfig) -> Client {
    client_custom(base_url, retry, generous_timeouts())
}

/// An object schema the way zod 4's `toJSONSchema` writes `z.object({...})`.
pub fn zod_object(properties: Value, required: &[&str]) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The params schema of a scraper: a required `url` (a URI) and an optional `selector`.
pub fn scrape_schema() -> Value {
    zod_object(
        json!({"url": {"type": "string", "format": "uri"}, "selector": {"type": "string"}}),
        &["url"],
    )
}
