//! The requests the fake received, kept for assertions, with the API key redacted.

use std::collections::{HashMap, VecDeque};
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
    /// Every request pushed per operation (`None`: unmatched), including those the bounded list
    /// has dropped.
    counts: Mutex<HashMap<Option<Operation>, u64>>,
}

impl Recorder {
    pub(crate) fn push(&self, request: RecordedRequest) {
        *self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(request.operation)
            .or_default() += 1;
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

    /// Every request pushed: the sum of the counts.
    pub(crate) fn total(&self) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.values().sum()
    }

    pub(crate) fn count(&self, operation: Option<Operation>) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(&operation).copied().unwrap_or(0)
    }

    pub(crate) fn clear(&self) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: Option<Operation>) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: Operation::InvocationsGet.operation().path.into(),
            query: None,
            headers: Vec::new(),
            body: Bytes::new(),
            operation,
        }
    }

    #[test]
    fn counts_outlive_the_kept_requests_and_a_clear() {
        let recorder = Recorder::default();
        for _ in 0..MAX_RECORDED + 5 {
            recorder.push(request(Some(Operation::InvocationsGet)));
        }
        recorder.push(request(None));
        assert_eq!(recorder.all().len(), MAX_RECORDED);
        assert_eq!(
            recorder.count(Some(Operation::InvocationsGet)),
            MAX_RECORDED as u64 + 5
        );
        assert_eq!(recorder.count(None), 1);
        assert_eq!(recorder.count(Some(Operation::FunctionsInvoke)), 0);
        assert_eq!(recorder.total(), MAX_RECORDED as u64 + 6);
        recorder.clear();
        assert!(recorder.all().is_empty());
        assert_eq!(
            recorder.count(Some(Operation::InvocationsGet)),
            MAX_RECORDED as u64 + 5
        );
    }
}
