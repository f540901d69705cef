//! One API call: attempts under the retry policy and timeouts, bounded body reads, typed errors,
//! and a tracing span per attempt.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::Retryable;
use bytes::Bytes;
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use reqwest::{Method, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Inner;
use crate::error::{ApiError, BodySnippet, DecodeError, Error, TimeoutKind};
use crate::retry;

/// An operation of the spec, with what the retry policy needs to know of it.
pub(crate) struct Operation {
    /// The spec's operationId.
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    /// Whether repeating it is harmless.
    pub(crate) idempotent: bool,
}

pub(crate) const FUNCTIONS_INVOKE: Operation = Operation {
    id: "Functions_invoke",
    method: Method::POST,
    idempotent: false,
};

pub(crate) const INVOCATIONS_GET: Operation = Operation {
    id: "Invocations_get",
    method: Method::GET,
    idempotent: true,
};

// Header names as constants: a `&str` name is parsed and checked again on every use.
const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-bb-api-key");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const REQUEST_ID_HEADERS: [HeaderName; 3] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-bb-request-id"),
];
/// Bytes read from an unsuccessful response: enough for a snippet, never the whole of a huge body.
const ERROR_BODY_LIMIT: usize = BodySnippet::MAX_BYTES;

impl Inner {
    /// Runs `op` against `url` under the retry policy and the overall timeout, and decodes the
    /// successful response as `T`. `secrets` are scrubbed from any body kept in an error.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        op: &Operation,
        url: &Url,
        body: Option<&Bytes>,
        secrets: &[&str],
    ) -> Result<T, Error> {
        let overall = self.timeouts.overall_value();
        let deadline = Instant::now() + overall;
        let attempts = AtomicU32::new(0);
        let max_retry_after = self.retry.max_retry_after_value();

        let run = || {
            let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            self.attempt(op, url, body, secrets, deadline, n)
        };
        let retrying = run
            .retry(self.retry.backoff())
            .sleep(tokio::time::sleep)
            .when(|e| self.retry.is_retryable(op.idempotent, e))
            .adjust(|e, backoff| {
                // `None` from the backoff: retries are used up.
                let backoff = backoff?;
                let delay = match e {
                    Error::RateLimited { retry_after: Some(ra), .. } if *ra > max_retry_after => return None,
                    Error::RateLimited { retry_after: Some(ra), .. } => *ra,
                    _ => backoff,
                };
                // Sleeping past the deadline only to time out: return this error instead.
                (Instant::now() + delay < deadline).then_some(delay)
            })
            .notify(|e, delay| {
                tracing::warn!(operation = op.id, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
            });
        match tokio::time::timeout_at(deadline, retrying).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(TimeoutKind::Overall(overall))),
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        op: &Operation,
        url: &Url,
        body: Option<&Bytes>,
        secrets: &[&str],
        deadline: Instant,
        attempt: u32,
    ) -> Result<T, Error> {
        let span = tracing::debug_span!(
            "bb_api.request",
            operation = op.id,
            attempt,
            method = %op.method,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let remaining = deadline.saturating_duration_since(started);
            let configured = self.timeouts.attempt_value();
            // The last attempt may have less time than a whole attempt: that is the overall limit.
            let (limit, kind) = if remaining < configured {
                (
                    remaining,
                    TimeoutKind::Overall(self.timeouts.overall_value()),
                )
            } else {
                (configured, TimeoutKind::Attempt(configured))
            };

            let mut request = self
                .http
                .request(op.method.clone(), url.clone())
                .header(API_KEY_HEADER, self.api_key_header.clone())
                .header(ACCEPT, JSON);
            if let Some(ua) = &self.user_agent {
                request = request.header(USER_AGENT, ua.clone());
            }
            if let Some(body) = body {
                request = request.header(CONTENT_TYPE, JSON).body(body.clone());
            }

            // One timer around sending and reading the whole body. (reqwest's per-request
            // `timeout` would do the same with a boxed timer, a request extension map and a
            // wrapped body, on every call.)
            let exchange = async {
                match request.send().await {
                    Ok(response) => self.read(op, response, secrets, kind).await,
                    Err(e) => Err(transport_error(e, kind, self.timeouts.connect_value())),
                }
            };
            let result = tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or(Err(Error::Timeout(kind)));
            let span = tracing::Span::current();
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(_) => tracing::debug!("ok"),
                Err(e) => tracing::debug!(error = %e, "failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn read<T: DeserializeOwned>(
        &self,
        op: &Operation,
        mut response: Response,
        secrets: &[&str],
        timeout: TimeoutKind,
    ) -> Result<T, Error> {
        let status = response.status();
        let request_id = request_id(response.headers());
        let span = tracing::Span::current();
        span.record("status", status.as_u16());
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }

        if !status.is_success() {
            let retry_after = retry::retry_after(response.headers(), SystemTime::now());
            // A failed read of an error body still leaves the status: keep what was read, marked
            // as cut short.
            let mut bytes = Vec::new();
            let more = read_into(&mut response, ERROR_BODY_LIMIT, &mut bytes)
                .await
                .unwrap_or(true);
            let error = ApiError {
                operation: op.id,
                status: status.as_u16(),
                request_id,
                body: BodySnippet::new(&bytes, more, secrets),
            };
            return Err(status_error(status, error, retry_after));
        }

        // A cheap clone (shared bytes); turned into text only for an error.
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let decode_error = |reason: String, bytes: &[u8], more: bool| {
            let mut reason = reason;
            crate::secret::scrub(&mut reason, secrets);
            Error::Decode(Box::new(DecodeError {
                operation: op.id,
                status: status.as_u16(),
                request_id: request_id.clone(),
                content_type: content_type
                    .as_ref()
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                reason,
                body: BodySnippet::new(bytes, more, secrets),
            }))
        };

        let limit = self.max_response_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(decode_error(
                format!(
                    "the body is {} bytes, over the client's limit of {limit} (ClientBuilder::max_response_bytes)",
                    declared.unwrap_or_default()
                ),
                &[],
                true,
            ));
        }
        let (bytes, more) = read_at_most(&mut response, limit)
            .await
            .map_err(|e| body_error(e, timeout))?;
        if more {
            return Err(decode_error(
                format!(
                    "the body is over the client's limit of {limit} bytes (ClientBuilder::max_response_bytes)"
                ),
                &bytes,
                true,
            ));
        }
        if let Some(ct) = &content_type
            && !ct.to_str().is_ok_and(is_json)
        {
            let reason = format!("expected a JSON body, got content-type {ct:?}");
            return Err(decode_error(reason, &bytes, false));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| decode_error(format!("invalid JSON: {e}"), &bytes, false))
    }
}

/// `application/json` or any `+json` type, parameters ignored.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Reads up to `limit` bytes of the body; `true` when the body goes on past them. A body that
/// arrives in one chunk (the usual case for a small JSON answer) is returned without a copy.
async fn read_at_most(
    response: &mut Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    let Some(first) = response.chunk().await? else {
        return Ok((Bytes::new(), false));
    };
    if first.len() > limit {
        return Ok((first.slice(..limit), true));
    }
    let Some(second) = response.chunk().await? else {
        return Ok((first, false));
    };
    let expected = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut buf = Vec::with_capacity((first.len() + second.len()).max(expected).min(limit));
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((Bytes::from(buf), true));
        }
        buf.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok((Bytes::from(buf), false))
}

/// Reads up to `limit` bytes of the body into `buf`, which keeps what was read if reading fails;
/// `true` when the body goes on past them. For error bodies, where a cut-short snippet still helps.
async fn read_into(
    response: &mut Response,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<bool, reqwest::Error> {
    while let Some(chunk) = response.chunk().await? {
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok(true);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(false)
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(128).collect())
    })
}

fn status_error(status: StatusCode, error: ApiError, retry_after: Option<Duration>) -> Error {
    match status.as_u16() {
        401 => Error::Unauthorized(error),
        403 => Error::Forbidden(error),
        404 => Error::NotFound(error),
        429 => Error::RateLimited { retry_after, error },
        _ => Error::Api(error),
    }
}

/// Sorts a failed send: a failure to connect means the request was not sent.
fn transport_error(e: reqwest::Error, timeout: TimeoutKind, connect_timeout: Duration) -> Error {
    if e.is_connect() {
        if e.is_timeout() {
            Error::Timeout(TimeoutKind::Connect(connect_timeout))
        } else {
            Error::Transport {
                request_sent: false,
                source: e,
            }
        }
    } else if e.is_timeout() {
        Error::Timeout(timeout)
    } else {
        Error::Transport {
            request_sent: true,
            source: e,
        }
    }
}

/// A failure while reading a successful response's body: the request was certainly sent.
fn body_error(e: reqwest::Error, timeout: TimeoutKind) -> Error {
    if e.is_timeout() {
        Error::Timeout(timeout)
    } else {
        Error::Transport {
            request_sent: true,
            source: e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in [
            "text/html",
            "text/plain; charset=utf-8",
            "application/jsonp",
            "",
        ] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    /// A one-connection HTTP server on 127.0.0.1 that reads the request head, writes `parts` with a
    /// short pause between them, then holds the connection open (at most `hold`).
    async fn script(parts: Vec<Vec<u8>>, hold: Duration) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            // Bounded: the request head is small; stop at its end or after 64 KiB.
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            for part in parts {
                if stream.write_all(&part).await.is_err() {
                    return;
                }
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokio::time::sleep(hold).await;
        });
        format!("http://{addr}")
    }

    const INVOCATION: &str = r#"{"id":"00000000-0000-4000-8000-000000000003","status":"PENDING","functionId":"6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f","versionId":"00000000-0000-4000-8000-000000000002","projectId":"00000000-0000-4000-8000-000000000001","sessionId":"00000000-0000-4000-8000-000000000004","createdAt":"2025-01-01T00:00:00Z"}"#;

    fn client(base_url: &str, timeouts: crate::TimeoutConfig, max_bytes: usize) -> crate::Client {
        crate::Client::builder()
            .api_key("test-key")
            .base_url(base_url)
            .timeouts(timeouts)
            .retry(crate::RetryConfig::disabled())
            .max_response_bytes(max_bytes)
            .build()
            .expect("client")
    }

    async fn invoke(client: &crate::Client) -> Result<crate::Invocation, Error> {
        client
            .functions()
            .invoke("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
            .send()
            .await
    }

    fn chunked(chunks: &[&str]) -> Vec<Vec<u8>> {
        let mut parts = vec![
            b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_vec(),
        ];
        for c in chunks {
            parts.push(format!("{:x}\r\n{c}\r\n", c.len()).into_bytes());
        }
        parts.push(b"0\r\n\r\n".to_vec());
        parts
    }

    #[tokio::test]
    async fn no_answer_is_an_attempt_timeout() {
        let url = script(Vec::new(), Duration::from_secs(10)).await;
        let t = crate::TimeoutConfig::default().attempt(Duration::from_millis(100));
        let err = invoke(&client(&url, t, 1024)).await.expect_err("times out");
        assert!(
            matches!(err, Error::Timeout(TimeoutKind::Attempt(_))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_stalled_body_is_an_attempt_timeout() {
        let head = b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"id\"".to_vec();
        let url = script(vec![head], Duration::from_secs(10)).await;
        let t = crate::TimeoutConfig::default().attempt(Duration::from_millis(150));
        let err = invoke(&client(&url, t, 1024)).await.expect_err("times out");
        assert!(
            matches!(err, Error::Timeout(TimeoutKind::Attempt(_))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn an_overall_limit_shorter_than_an_attempt_is_reported_as_overall() {
        let url = script(Vec::new(), Duration::from_secs(10)).await;
        let t = crate::TimeoutConfig::default().overall(Duration::from_millis(100));
        let err = invoke(&client(&url, t, 1024)).await.expect_err("times out");
        assert!(
            matches!(err, Error::Timeout(TimeoutKind::Overall(_))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_body_in_several_chunks_decodes() {
        let (a, b) = INVOCATION.split_at(INVOCATION.len() / 2);
        let url = script(chunked(&[a, b]), Duration::ZERO).await;
        let invocation = invoke(&client(&url, crate::TimeoutConfig::default(), 1024))
            .await
            .expect("decodes");
        assert_eq!(
            invocation.id.to_string(),
            "00000000-0000-4000-8000-000000000003"
        );
    }

    #[tokio::test]
    async fn a_chunked_body_over_the_limit_is_a_decode_error() {
        let (a, b) = INVOCATION.split_at(INVOCATION.len() / 2);
        let url = script(chunked(&[a, b]), Duration::ZERO).await;
        let limit = INVOCATION.len() - 10;
        let err = invoke(&client(&url, crate::TimeoutConfig::default(), limit))
            .await
            .expect_err("over the limit");
        let Error::Decode(decode) = &err else {
            panic!("{err:?}");
        };
        assert!(decode.reason.contains("over the client's limit"), "{err:?}");
        assert!(decode.body.is_truncated(), "{err:?}");
    }
}
