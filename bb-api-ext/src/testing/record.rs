//! The requests the fake received, kept for assertions, with the API key redacted.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use serde_json::Value;

use super::routes::Operation;

/// The most requests kept; older ones are dropped first.
const MAX_RECORDED: usize = 10_000;

/// What `X-BB-API-Key` reads as in a [`RecordedRequest`].
pub const REDACTED: &str = "[REDACTED]";

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, as sent (without `?`).
    pub query: Option<String>,
    /// Every header in order, names lowercase; the value of `x-bb-api-key` is [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Bytes,
    /// The operation it matched, if any.
    pub operation: Option<Operation>,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query parameters, decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Default)]
pub(crate) struct Recorder {
    list: Mutex<VecDeque<RecordedRequest>>,
    /// Every request pushed, including those the bounded list has dropped.
    total: std::sync::atomic::AtomicU64,
}

impl Recorder {
    pub(crate) fn push(&self, request: RecordedRequest) {
        self.total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if list.len() >= MAX_RECORDED {
            list.pop_front();
        }
        list.push_back(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        let list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.iter().cloned().collect()
    }

    pub(crate) fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn clear(&self) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
