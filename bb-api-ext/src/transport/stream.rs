//! Calls whose bodies stream: an upload whose multipart body is made afresh for each attempt,
//! and a response handed back as soon as its head arrives, for the caller to stream (a
//! download). The same rate gate, retry policy, typed errors and span as [`Transport::call`].

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::multipart::Form;
use reqwest::{Response, Url};
use tokio::time::Instant;
use tracing::Instrument;

use serde::de::DeserializeOwned;

use super::{
    API_KEY_HEADER, Call, ERROR_BODY_LIMIT, JSON, Success, Transport, body_error, decode, later,
    read_at_most, read_into, request_id, retry, status_error, too_large, transport_error,
    unsuccessful,
};
use crate::error::{ApiError, BodySnippet, Error, TimeoutKind};

/// An upload's multipart body.
pub(crate) enum UploadBody<'a> {
    /// From a source read once (a caller's reader): the call is never repeated.
    Once(Option<Form>),
    /// Made afresh for each attempt from a source that can be read again from its start.
    Repeatable(&'a mut (dyn FnMut() -> Result<Form, Error> + Send)),
}

/// A successful response whose body is still to be read, and how long reading may pause.
pub(crate) struct Opened {
    pub(crate) response: Response,
    /// The longest wait for the next chunk of the body (the attempt timeout): a body that stalls
    /// longer is cut, one that keeps arriving may take as long as it needs.
    pub(crate) idle: Duration,
}

impl Transport {
    /// Uploads `body` and decodes the JSON answer as `T`.
    pub(crate) async fn upload<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        body: UploadBody<'_>,
    ) -> Result<T, Error> {
        let Opened { mut response, .. } = self.open(call, JSON, Some(body)).await?;
        let status = response.status();
        let timeout = TimeoutKind::Attempt(self.timeouts.attempt());
        let read = tokio::time::timeout(
            self.timeouts.attempt(),
            read_at_most(&mut response, self.max_response_bytes),
        )
        .await;
        let (body, more) = match read {
            Err(_) => return Err(Error::Timeout(timeout)),
            Ok(Err(e)) => return Err(body_error(e, timeout)),
            Ok(Ok(read)) => read,
        };
        let headers = std::mem::take(response.headers_mut());
        let secrets = || self.secrets(call);
        if more {
            return Err(too_large(
                call.op,
                status,
                headers,
                body,
                None,
                self.max_response_bytes,
                &secrets(),
            ));
        }
        decode(
            call.op,
            Success {
                status,
                headers,
                body,
            },
            secrets,
        )
    }

    /// Sends `call` with `Accept: accept` and, when given, a multipart body, and returns the
    /// successful response once its head has arrived.
    ///
    /// Without a body the retry policy is [`Transport::call`]'s and each attempt's head is bounded
    /// by the attempt timeout. With one (an upload) an attempt is repeated only when it failed
    /// before the body could have been sent (no connection), and only when the body can be made
    /// again; the body is bounded by the overall timeout alone, so a large file may take the
    /// whole of it.
    pub(crate) async fn open(
        &self,
        call: &Call<'_>,
        accept: HeaderValue,
        mut body: Option<UploadBody<'_>>,
    ) -> Result<Opened, Error> {
        let started = Instant::now();
        let (deadline, url) = self.deadline_and_url(call, started, self.timeouts.overall())?;
        let secrets = self.secrets(call);
        let mut backoff: retry::Backoff = None;
        let mut attempt = 1;
        loop {
            let (form, repeatable) = match body.as_mut() {
                None => (None, true),
                Some(UploadBody::Once(form)) => (form.take(), false),
                Some(UploadBody::Repeatable(make)) => (Some(make()?), true),
            };
            let upload = body.is_some();
            let span = tracing::debug_span!(
                "bb_api.request",
                operation = call.op.id,
                id = call.args.first().copied().unwrap_or(""),
                attempt,
                method = %call.op.method,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
            );
            let err = match self
                .open_once(call, &url, accept.clone(), form, deadline, &secrets)
                .instrument(span)
                .await
            {
                Ok(opened) => return Ok(opened),
                Err(e) => e,
            };
            let retryable = if upload {
                // Before any byte of the body left (no connection was made), from a source that
                // can be read again.
                repeatable
                    && matches!(
                        err,
                        Error::Transport {
                            request_sent: false,
                            ..
                        } | Error::Timeout(TimeoutKind::Connect(_))
                    )
            } else {
                retry::is_retryable(&self.retry, call.op, &err)
            };
            if !retryable {
                return Err(err);
            }
            let Some(delay) = retry::next_delay(&self.retry, &mut backoff, &err) else {
                return Err(err);
            };
            if later(Instant::now(), delay) >= deadline {
                return Err(err);
            }
            tracing::warn!(
                operation = call.op.id,
                delay_ms = delay.as_millis() as u64,
                error = &err as &dyn std::error::Error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One attempt: until the response head (or, for an error status, a snippet of its body).
    async fn open_once(
        &self,
        call: &Call<'_>,
        url: &Url,
        accept: HeaderValue,
        form: Option<Form>,
        deadline: Instant,
        secrets: &[&str],
    ) -> Result<Opened, Error> {
        self.gate.wait(deadline).await;
        let now = Instant::now();
        let configured = self.timeouts.attempt();
        let total = deadline.saturating_duration_since(now);
        let upload = form.is_some();
        let (ends, kind) = if upload || total < configured {
            (deadline, TimeoutKind::Overall(self.timeouts.overall()))
        } else {
            (now + configured, TimeoutKind::Attempt(configured))
        };
        let mut request = self
            .http
            .request(call.op.method.clone(), url.clone())
            .header(API_KEY_HEADER, self.api_key_header.clone())
            .header(ACCEPT, accept);
        if let Some(ua) = &self.user_agent {
            request = request.header(USER_AGENT, ua.clone());
        }
        if let Some(form) = form {
            request = request.multipart(form);
        } else if let Some(body) = call.body {
            request = request.header(CONTENT_TYPE, JSON).body(body.clone());
        }
        let exchange = async {
            let response = request
                .send()
                .await
                .map_err(|e| transport_error(e, kind, self.timeouts.connect()))?;
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            if status.is_success() {
                return Ok(response);
            }
            Err(Box::pin(unsuccessful(call, response, secrets)).await)
        };
        let result = tokio::time::timeout_at(ends, exchange)
            .await
            .unwrap_or(Err(Error::Timeout(kind)));
        if let Err(e) = &result
            && let Some(ra) = retry::server_delay(e)
            && ra <= self.retry.max_retry_after()
        {
            self.gate.pause(ra);
        }
        result.map(|response| Opened {
            response,
            idle: configured,
        })
    }
}

impl Transport {
    /// `GET url` for a file outside the API (a presigned URL, its signature in the query): the
    /// API key is sent only when `url` is under the base URL ([`is_under_base_url`]), and
    /// none of the client's headers (user agent, a caller's default headers) is. One attempt, its head bounded by the attempt timeout; the
    /// response is handed back for the caller to stream. Errors never carry the URL (its
    /// signature is a credential). `op` and `subject` name the request in errors.
    pub(crate) async fn open_presigned(
        &self,
        url: &Url,
        op: &'static super::operation::Operation,
        subject: &str,
    ) -> Result<Opened, Error> {
        let configured = self.timeouts.attempt();
        let kind = TimeoutKind::Attempt(configured);
        // A client of its own: the client's (possibly caller-built) one may carry default
        // headers, which must not reach another host.
        let http = reqwest::Client::builder()
            .connect_timeout(self.timeouts.connect())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|source| Error::Transport {
                request_sent: false,
                source,
            })?;
        let mut request = http.get(url.clone());
        if is_under_base_url(self.base.as_str(), url.as_str()) {
            request = request.header(API_KEY_HEADER, self.api_key_header.clone());
        }
        let exchange = async {
            let mut response = request
                .send()
                .await
                .map_err(|e| transport_error(e.without_url(), kind, self.timeouts.connect()))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let mut bytes = Vec::new();
            let more = read_into(&mut response, ERROR_BODY_LIMIT, &mut bytes)
                .await
                .unwrap_or(true);
            let error = ApiError {
                operation: op.id,
                what: "fetch the presigned file of",
                subject: Some(subject.into()),
                status: status.as_u16(),
                request_id: request_id(response.headers()),
                body: BodySnippet::new(&bytes, more, &[url.query().unwrap_or_default()]),
            };
            Err(status_error(status, error, None, &bytes))
        };
        let response = tokio::time::timeout(configured, exchange)
            .await
            .unwrap_or(Err(Error::Timeout(kind)))?;
        Ok(Opened {
            response,
            idle: configured,
        })
    }
}

/// Whether `url` is under `base_url` (same scheme, host and port, and a path below the base's):
/// only such URLs may receive the API key. A presigned download URL is not, and is fetched
/// without it.
///
/// ```
/// use bb_api_ext::is_under_base_url;
///
/// let base = "https://api.browserbase.com";
/// assert!(is_under_base_url(base, "https://api.browserbase.com/v1/sessions"));
/// assert!(!is_under_base_url(base, "https://cdn.browserbase.com/rec/0.mp4?sig=x"));
/// assert!(!is_under_base_url(base, "https://api.browserbase.com.evil.example/v1"));
/// assert!(!is_under_base_url(base, "not a url"));
/// ```
pub fn is_under_base_url(base_url: &str, url: &str) -> bool {
    let (Ok(base), Ok(url)) = (url::Url::parse(base_url), url::Url::parse(url)) else {
        return false;
    };
    let prefix = base.path().trim_end_matches('/');
    base.scheme() == url.scheme()
        && base.host() == url.host()
        && base.port_or_known_default() == url.port_or_known_default()
        && url.username().is_empty()
        && (url.path() == prefix
            || url.path().starts_with(&format!("{prefix}/"))
            || prefix.is_empty())
}
