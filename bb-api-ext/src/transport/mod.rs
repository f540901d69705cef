//! The HTTP state and one API call: attempts under the retry policy and timeouts, bounded body
//! reads, typed errors, and a tracing span per attempt. Every request of the crate goes through
//! [`Transport::call`].

mod anchor;
mod gate;
pub(crate) use anchor::TimerAnchor;
pub(crate) use gate::RateGate;
pub(crate) mod operation;
pub(crate) mod retry;
mod stream;
pub use stream::is_under_base_url;
pub(crate) use stream::{Opened, UploadBody};

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use reqwest::{Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::{PollSchedule, RetryConfig, TimeoutConfig};
use crate::error::{
    ApiError, BodySnippet, ConcurrencyLimit, ConfigError, DecodeError, Error, TimeoutKind,
};
use crate::secret::ApiKey;
use operation::Operation;

/// Everything a request needs: one connection pool, the key, the base URL and the policies.
/// Shared by a [`crate::Client`] and every handle, builder and stream made from it.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) api_key: ApiKey,
    pub(crate) api_key_header: HeaderValue,
    /// Set when the caller supplied the reqwest client, which then lacks our user agent.
    pub(crate) user_agent: Option<HeaderValue>,
    /// The base URL, parsed once, so request URLs are built without parsing again.
    pub(crate) base: Url,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) retry: RetryConfig,
    pub(crate) poll: PollSchedule,
    pub(crate) max_response_bytes: usize,
    /// The pause every call honours after a 429 with `Retry-After`.
    pub(crate) gate: std::sync::Arc<gate::RateGate>,
    /// Told of this client's 429 pauses, to share them (`ClientBuilder::coordinator`).
    pub(crate) coordinator: Option<std::sync::Arc<dyn crate::coordination::Coordinator>>,
    /// Keeps attempt timers from waking the runtime's driver (see `anchor.rs`).
    pub(crate) anchor: anchor::TimerAnchor,
    /// Talking to the local development server (`bb dev`): no API key is sent, and only the
    /// operations of [`crate::dev_mode::SERVED`] are called.
    pub(crate) dev: bool,
}

/// One call of an operation.
pub(crate) struct Call<'a> {
    pub(crate) op: &'static Operation,
    /// The path's `{…}` arguments, in order.
    pub(crate) args: &'a [&'a str],
    pub(crate) query: &'a [(&'static str, String)],
    pub(crate) body: Option<&'a Bytes>,
    /// Secrets besides the API key to keep out of errors (proxy passwords).
    pub(crate) secrets: &'a [&'a str],
    /// A caller's deadline that ends the call sooner than the overall timeout (a wait's).
    pub(crate) deadline: Option<Instant>,
    /// Statuses that are this operation's answer rather than a passing condition: never retried
    /// (a secret rotation's 429 means "too many previous secrets", which no retry fixes).
    pub(crate) final_statuses: &'a [u16],
    /// For a call whose response comes only when the work is done (the dev server's synchronous
    /// invoke): this limit replaces both the attempt and the overall timeout.
    pub(crate) hold: Option<Duration>,
    /// The media type asked for, when the answer is not JSON (a replay page's m3u8).
    pub(crate) accept: Option<HeaderValue>,
}

impl<'a> Call<'a> {
    /// A call with path arguments and nothing else.
    pub(crate) fn new(op: &'static Operation, args: &'a [&'a str]) -> Self {
        Self {
            op,
            args,
            query: &[],
            body: None,
            secrets: &[],
            deadline: None,
            final_statuses: &[],
            hold: None,
            accept: None,
        }
    }
}

/// A successful response, read whole.
struct Success {
    status: StatusCode,
    /// Kept whole (moved, not copied) so the request id is looked up only for an error.
    headers: HeaderMap,
    body: Bytes,
}

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

impl Transport {
    /// The base URL without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// When a call that starts at `started` must end (`overall` later, or the caller's deadline
    /// if sooner), and its URL with the query.
    fn deadline_and_url(
        &self,
        call: &Call<'_>,
        started: Instant,
        overall: Duration,
    ) -> Result<(Instant, Url), Error> {
        let mut deadline = later(started, overall);
        if let Some(d) = call.deadline {
            deadline = deadline.min(d);
        }
        let mut url = self.url(call.op, call.args)?;
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in call.query {
                pairs.append_pair(k, v);
            }
        }
        Ok((deadline, url))
    }

    /// `{base_url}/{segments joined by /}`, each segment percent-encoded: the base URL is cloned,
    /// not parsed again (reqwest would parse a URL given as text on every request).
    pub(crate) fn url(&self, op: &Operation, args: &[&str]) -> Result<Url, ConfigError> {
        let segments = op
            .segments(args)
            .ok_or_else(|| ConfigError::InvalidBaseUrl {
                url: self.base_url().to_owned(),
                reason: format!(
                    "{} takes {} path arguments",
                    op.id,
                    op.path.matches('{').count()
                ),
            })?;
        let mut url = self.base.clone();
        match url.path_segments_mut() {
            Ok(mut path) => {
                path.pop_if_empty().extend(segments);
            }
            // Not for an http(s) URL with a host, which the builder checked.
            Err(()) => {
                return Err(ConfigError::InvalidBaseUrl {
                    url: self.base_url().to_owned(),
                    reason: "it cannot have a path".to_owned(),
                });
            }
        }
        Ok(url)
    }

    /// Calls the operation and decodes its JSON body as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let success = self.send(&call).await?;
        decode(call.op, success, || self.secrets(&call))
    }

    /// Calls an operation whose successful body carries a secret (a webhook signing secret), read
    /// by `decode`. A body that does not decode is kept out of the error entirely: the error has
    /// `decode`'s reason, which must not quote the body, and an empty snippet.
    pub(crate) async fn call_secret_bearing<T>(
        &self,
        call: Call<'_>,
        decode: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, Error> {
        let mut success = self.send(&call).await?;
        let secrets = self.secrets(&call);
        let withheld = "; the body is not shown because it carries a signing secret";
        if let Some(reason) = not_json(&success) {
            success.body = Bytes::new();
            return Err(success.into_error(
                call.op,
                format!("{reason}{withheld}"),
                false,
                &secrets,
            ));
        }
        match decode(&success.body) {
            Ok(value) => Ok(value),
            Err(reason) => {
                success.body = Bytes::new();
                Err(success.into_error(call.op, format!("{reason}{withheld}"), false, &secrets))
            }
        }
    }

    /// Calls an operation whose successful body is text (a replay page's m3u8 playlist): any
    /// content type, UTF-8.
    pub(crate) async fn call_text(&self, call: Call<'_>) -> Result<String, Error> {
        let success = self.send(&call).await?;
        match std::str::from_utf8(&success.body) {
            Ok(text) => Ok(text.to_owned()),
            Err(e) => {
                let reason = format!("the body is not UTF-8 text: {e}");
                Err(success.into_error(call.op, reason, false, &self.secrets(&call)))
            }
        }
    }

    /// Calls an operation whose success has no body worth reading (204, or an empty 200/201).
    pub(crate) async fn call_no_content(&self, call: Call<'_>) -> Result<(), Error> {
        self.send(&call).await.map(drop)
    }

    fn secrets<'s>(&'s self, call: &Call<'s>) -> Vec<&'s str> {
        let mut secrets = Vec::with_capacity(1 + call.secrets.len());
        secrets.push(self.api_key.expose());
        secrets.extend_from_slice(call.secrets);
        secrets
    }

    /// Runs the call under the retry policy and the overall timeout (or the caller's deadline,
    /// whichever is sooner).
    async fn send(&self, call: &Call<'_>) -> Result<Success, Error> {
        if self.dev && !crate::dev_mode::SERVED.contains(&call.op.id) {
            return Err(Error::DevMode {
                base_url: self.base_url().to_owned(),
                problem: crate::dev_mode::DevModeError::Unsupported { what: call.op.what },
            });
        }
        let overall = call.hold.unwrap_or(self.timeouts.overall());
        let started = Instant::now();
        let (deadline, url) = self.deadline_and_url(call, started, overall)?;
        let key = self.api_key.expose();
        let owned;
        let secrets: &[&str] = if call.secrets.is_empty() {
            // The usual case: only the key to keep out of errors, and no list to allocate.
            std::slice::from_ref(&key)
        } else {
            owned = self.secrets(call);
            &owned
        };
        let total = deadline - started;
        // Every part of a call is bounded by `deadline` without a timer of its own: each attempt
        // is cut at it, the rate gate waits at most until it, and no backoff sleeps past it. One
        // timer per attempt is the whole cost of the guarantees on the usual path.
        // Boxed: most calls need none, and this future is kept small.
        let mut backoff: retry::Backoff = None;
        let mut attempt = 1;
        // When the next attempt starts: the clock is read once per attempt, not at every step.
        let mut now = started;
        loop {
            let span = tracing::debug_span!(
                "bb_api.request",
                operation = call.op.id,
                id = call.args.first().copied().unwrap_or(""),
                attempt,
                method = %call.op.method,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
                request_id = tracing::field::Empty,
            );
            let limits = (now, deadline, total);
            // A span no subscriber wants is not entered on every poll (with tracing's `log`
            // feature on, even a disabled span is formatted for `log` at each enter and exit).
            // The attempt's future is made inside each `.await`, never held in a local: a local
            // future keeps its own slot in this one, beside the one being awaited.
            let result = if span.is_disabled() {
                self.attempt(call, &url, secrets, limits, &span).await
            } else {
                self.attempt(call, &url, secrets, limits, &span)
                    .instrument(span.clone())
                    .await
            };
            let err = match result {
                Ok(success) => return Ok(success),
                Err(e) => e,
            };
            let retryable = !err
                .status()
                .is_some_and(|s| call.final_statuses.contains(&s))
                && retry::is_retryable(&self.retry, call.op, &err);
            if !retryable {
                return Err(err);
            }
            let Some(delay) = retry::next_delay(&self.retry, &mut backoff, &err) else {
                return Err(err);
            };
            // Sleeping past the deadline only to time out: return this error instead.
            if later(Instant::now(), delay) >= deadline {
                return Err(err);
            }
            tracing::warn!(
                operation = call.op.id,
                id = call.args.first().copied().unwrap_or(""),
                delay_ms = delay.as_millis() as u64,
                // As an error value, so subscribers print its whole chain of causes.
                error = &err as &dyn std::error::Error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
            now = Instant::now();
        }
    }

    /// One attempt, inside its span: the rate gate, then the exchange under its timer. `now` is
    /// when the attempt starts (read by the caller).
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        secrets: &[&str],
        (now, deadline, total): (Instant, Instant, Duration),
        span: &tracing::Span,
    ) -> Result<Success, Error> {
        let started = if self.gate.wait(deadline).await {
            Instant::now()
        } else {
            now
        };
        self.anchor.keep(started);
        // The last attempt may have less time than a whole attempt: that is the overall limit.
        let configured = call.hold.unwrap_or(self.timeouts.attempt());
        let (ends, kind) = if deadline.saturating_duration_since(started) < configured {
            (deadline, TimeoutKind::Overall(total))
        } else {
            (started + configured, TimeoutKind::Attempt(configured))
        };
        // One timer around sending and reading the whole body. (reqwest's per-request `timeout`
        // would do the same with a boxed timer, a request extension map and a wrapped body, on
        // every call.)
        let result = tokio::time::timeout_at(ends, self.exchange(call, url, secrets, kind, span))
            .await
            .unwrap_or(Err(Error::Timeout(kind)));
        if let Err(e) = &result
            && let Some(ra) = retry::server_delay(e)
            && ra <= self.retry.max_retry_after()
        {
            self.gate.pause(ra);
            if let Some(c) = &self.coordinator {
                c.rate_limited(ra);
            }
        }
        if !span.is_disabled() {
            span.record("latency_ms", started.elapsed().as_millis() as u64);
        }
        match &result {
            Ok(_) => tracing::debug!("ok"),
            Err(e) => tracing::debug!(error = %e, "failed"),
        }
        result
    }

    /// Sends the request and reads its response: an unsuccessful status becomes its error with a
    /// snippet of the body; a successful body is read whole, up to the client's limit.
    ///
    /// One function, not two: the response is then held in one place while its body is read
    /// (an argument of an `async fn` keeps its own slot in the future beside any local made
    /// from it), and the request is built inside the `.await` that sends it, so its builder is
    /// not kept beside reqwest's future either.
    async fn exchange(
        &self,
        call: &Call<'_>,
        url: &Url,
        secrets: &[&str],
        timeout: TimeoutKind,
        span: &tracing::Span,
    ) -> Result<Success, Error> {
        let mut response = match self.request(call, url).send().await {
            Ok(response) => response,
            Err(e) => return Err(transport_error(e, timeout, self.timeouts.connect())),
        };
        let status = response.status();
        if !span.is_disabled() {
            span.record("status", status.as_u16());
            if let Some(id) = request_id(response.headers()) {
                span.record("request_id", id.as_str());
            }
        }

        if !status.is_success() {
            // Boxed: the error path is cold, and inline it would grow every call's future.
            return Err(Box::pin(unsuccessful(call, response, secrets)).await);
        }

        let limit = self.max_response_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(n) = declared.filter(|n| *n > limit as u64) {
            let headers = std::mem::take(response.headers_mut());
            return Err(too_large(
                call.op,
                status,
                headers,
                Bytes::new(),
                Some(n),
                limit,
                secrets,
            ));
        }
        let (body, more) = read_at_most(&mut response, limit)
            .await
            .map_err(|e| body_error(e, timeout))?;
        let headers = std::mem::take(response.headers_mut());
        if more {
            return Err(too_large(
                call.op, status, headers, body, None, limit, secrets,
            ));
        }
        Ok(Success {
            status,
            headers,
            body,
        })
    }

    /// The request of one attempt: the method, URL, headers and body.
    fn request(&self, call: &Call<'_>, url: &Url) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(call.op.method.clone(), url.clone())
            .header(ACCEPT, call.accept.clone().unwrap_or(JSON));
        if !self.dev {
            request = request.header(API_KEY_HEADER, self.api_key_header.clone());
        }
        if let Some(ua) = &self.user_agent {
            request = request.header(USER_AGENT, ua.clone());
        }
        if let Some(body) = call.body {
            request = request.header(CONTENT_TYPE, JSON).body(body.clone());
        }
        request
    }
}

/// A successful response whose body is over the client's limit (`declared` by its
/// `content-length`, or found while reading).
/// `t + d`, or about 30 years after `t` when that sum cannot be represented: a caller's
/// `Duration::MAX` means "no limit", never a panic.
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    t.checked_add(d)
        .or_else(|| t.checked_add(FAR.min(d)))
        .unwrap_or(t)
}

fn too_large(
    op: &Operation,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    declared: Option<u64>,
    limit: usize,
    secrets: &[&str],
) -> Error {
    let reason = match declared {
        Some(n) => format!(
            "the body is {n} bytes, over the client's limit of {limit} (ClientBuilder::max_response_bytes)"
        ),
        None => format!(
            "the body is over the client's limit of {limit} bytes (ClientBuilder::max_response_bytes)"
        ),
    };
    Success {
        status,
        headers,
        body,
    }
    .into_error(op, reason, true, secrets)
}

impl Success {
    fn into_error(self, op: &Operation, reason: String, more: bool, secrets: &[&str]) -> Error {
        let mut reason = reason;
        crate::secret::scrub(&mut reason, secrets);
        Error::Decode(Box::new(DecodeError {
            operation: op.id,
            what: op.what,
            status: self.status.as_u16(),
            request_id: request_id(&self.headers),
            content_type: self
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            reason,
            body: BodySnippet::new(&self.body, more, secrets),
        }))
    }
}

/// Decodes a successful JSON body as `T`.
/// `secrets` are listed only for an error: a successful decode allocates nothing for them.
fn decode<'s, T: DeserializeOwned>(
    op: &Operation,
    success: Success,
    secrets: impl FnOnce() -> Vec<&'s str>,
) -> Result<T, Error> {
    if let Some(reason) = not_json(&success) {
        return Err(success.into_error(op, reason, false, &secrets()));
    }
    match serde_json::from_slice(&success.body) {
        Ok(value) => Ok(value),
        Err(e) => Err(success.into_error(op, format!("invalid JSON: {e}"), false, &secrets())),
    }
}

/// Why a successful body is not JSON, going by its `content-type` (none is taken as JSON).
fn not_json(success: &Success) -> Option<String> {
    let ct = success.headers.get(CONTENT_TYPE)?;
    (!ct.to_str().is_ok_and(is_json))
        .then(|| format!("expected a JSON body, got content-type {ct:?}"))
}

/// The thing a call is about, for error messages: its first path argument (the id), and the
/// others in brackets.
fn subject(args: &[&str]) -> Option<Box<str>> {
    match args {
        [] => None,
        [one] => Some((*one).into()),
        [first, rest @ ..] => Some(format!("{first} ({})", rest.join(", ")).into()),
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
/// One `.await` and few locals: this future lives inside every call's.
async fn read_at_most(
    response: &mut Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    // The first chunk, kept as it came until a second one arrives.
    let mut single: Option<Bytes> = None;
    let mut buf = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if let Some(first) = single.take() {
            let expected = response
                .content_length()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            buf.reserve((first.len() + chunk.len()).max(expected).min(limit));
            buf.extend_from_slice(&first);
        } else if buf.is_empty() && chunk.len() <= limit {
            single = Some(chunk);
            continue;
        }
        if push_within(&mut buf, &chunk, limit) {
            return Ok((Bytes::from(buf), true));
        }
    }
    Ok((single.unwrap_or_else(|| Bytes::from(buf)), false))
}

/// Reads up to `limit` bytes of the body into `buf`, which keeps what was read if reading fails;
/// `true` when the body goes on past them. For error bodies, where a cut-short snippet still helps.
async fn read_into(
    response: &mut Response,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<bool, reqwest::Error> {
    while let Some(chunk) = response.chunk().await? {
        if push_within(buf, &chunk, limit) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Appends as much of `chunk` as fits in `limit` bytes of `buf`; `true` when some did not fit.
fn push_within(buf: &mut Vec<u8>, chunk: &[u8], limit: usize) -> bool {
    let room = limit.saturating_sub(buf.len());
    let cut = chunk.len() > room;
    buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
    cut
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(128).collect())
    })
}

/// Reads the start of an unsuccessful response's body into its typed error. A failed read of
/// the body still leaves the status: what was read is kept, marked as cut short.
async fn unsuccessful(call: &Call<'_>, mut response: Response, secrets: &[&str]) -> Error {
    let status = response.status();
    let mut bytes = Vec::new();
    let more = read_into(&mut response, ERROR_BODY_LIMIT, &mut bytes)
        .await
        .unwrap_or(true);
    let error = ApiError {
        operation: call.op.id,
        what: call.op.what,
        subject: subject(call.args),
        status: status.as_u16(),
        request_id: request_id(response.headers()),
        body: BodySnippet::new(&bytes, more, secrets),
    };
    let retry_after = retry::retry_after(response.headers(), SystemTime::now());
    status_error(status, error, retry_after, &bytes)
}

/// The error of an unsuccessful status; `body` is the start of the response body (a 429 that
/// speaks of the concurrent sessions limit is [`Error::ConcurrencyLimited`]).
fn status_error(
    status: StatusCode,
    error: ApiError,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    match status.as_u16() {
        401 => Error::Unauthorized(error),
        403 => Error::Forbidden(error),
        404 => Error::NotFound(error),
        429 => match retry::concurrency_limit(body) {
            Some((limit, current)) => Error::ConcurrencyLimited(Box::new(ConcurrencyLimit {
                limit,
                current,
                retry_after,
                error,
            })),
            None => Error::RateLimited { retry_after, error },
        },
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
        let t = crate::TimeoutConfig::default().with_attempt(Duration::from_millis(100));
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
        let t = crate::TimeoutConfig::default().with_attempt(Duration::from_millis(150));
        let err = invoke(&client(&url, t, 1024)).await.expect_err("times out");
        assert!(
            matches!(err, Error::Timeout(TimeoutKind::Attempt(_))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn an_overall_limit_shorter_than_an_attempt_is_reported_as_overall() {
        let url = script(Vec::new(), Duration::from_secs(10)).await;
        let t = crate::TimeoutConfig::default().with_overall(Duration::from_millis(100));
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

    /// A client used from one runtime after another: its timer anchor was set in a runtime that
    /// is gone, and is renewed in the next. Attempts still time out on their own timers, and
    /// dropping the old anchor does not panic.
    #[test]
    fn attempt_timeouts_work_in_a_second_runtime_after_the_first_is_gone() {
        // A server on 127.0.0.1 that accepts and never answers, until the test says stop (or at
        // most 5 s: 1,000 turns of 5 ms).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let mut held = Vec::new();
            for _ in 0..1000 {
                if let Ok((stream, _)) = listener.accept() {
                    held.push(stream);
                }
                if stopped.recv_timeout(Duration::from_millis(5)).is_ok() {
                    break;
                }
            }
            held.len()
        });
        // The anchor is set 40 ms ahead (half the attempt time), renewed after 20 ms.
        let t = crate::TimeoutConfig::default().with_attempt(Duration::from_millis(80));
        let client = client(&url, t, 1024);
        for round in 0..2 {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let err = rt.block_on(invoke(&client)).expect_err("times out");
            assert!(
                matches!(err, Error::Timeout(TimeoutKind::Attempt(_))),
                "round {round}: {err:?}"
            );
            drop(rt);
            // Past the renewal time: the next round replaces the anchor of the dropped runtime.
            std::thread::sleep(Duration::from_millis(30));
        }
        drop(client);
        let _ = stop.send(());
        let connections = server.join().expect("the server thread ends");
        assert_eq!(connections, 2, "one connection per round");
    }
}
