//! Invoking a Function: the request builder, one-pass validation, and `send` / `send_and_wait`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bb_api::types::Invocation;
use bytes::Bytes;
use futures_util::future::Either;
use serde::Serialize;
use uuid::Uuid;

use crate::config::PollSchedule;
use crate::context::Context;
use crate::error::Error;
use crate::ids::{FunctionRef, id_text};
use crate::resolve::resolve;
use crate::secret::ProxyPassword;
use crate::session::{SessionCreateParams, SessionCreateParamsBuilder};
use crate::timeout::SessionTimeout;
use crate::transport::Call;
use crate::transport::operation::FUNCTIONS_INVOKE;
use crate::validate::{ValidationErrors, Validator};
use crate::wait::{WAIT_MARGIN, Wait};

/// The largest `params` the API accepts, serialized: 64 KiB.
pub const MAX_PARAMS_BYTES: usize = 64 * 1024;

/// An invocation being configured. Nothing is checked or sent until [`Invoke::send`] (or
/// `.await`), [`Invoke::send_and_wait`] or [`Invoke::prepare`]; then every rule is checked in one
/// pass and every violation reported together.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::{BrowserSettings, SessionCreateParams};
///
/// let invocation = client
///     .functions()
///     .invoke("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
///     .params(serde_json::json!({"query": "rust"}))
///     .session(SessionCreateParams::builder().timeout_secs(120).browser_settings(BrowserSettings::new().block_ads(true)))
///     .await?; // the same as .send().await
/// println!("started {} ({})", invocation.id, invocation.status);
/// # Ok(()) }
/// ```
#[must_use = "an invocation does nothing until sent"]
pub struct Invoke {
    ctx: Arc<Context>,
    function: FunctionRef,
    /// The params serialized once, or why they could not be.
    params: Option<Result<Vec<u8>, String>>,
    session: Option<SessionCreateParamsBuilder>,
    max_wait: Option<Duration>,
    poll: Option<PollSchedule>,
    #[cfg(feature = "params-check")]
    check_params: Option<bool>,
}

impl fmt::Debug for Invoke {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invoke")
            .field("function", &self.function)
            .field(
                "params_bytes",
                &self.params.as_ref().map(|p| p.as_ref().map(Vec::len)),
            )
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Invoke {
    pub(crate) fn new(ctx: Arc<Context>, function: FunctionRef) -> Self {
        Self {
            ctx,
            function,
            params: None,
            session: None,
            max_wait: None,
            poll: None,
            #[cfg(feature = "params-check")]
            check_params: None,
        }
    }

    /// The Function's parameters: anything that serializes to a JSON object of at most 64 KiB.
    pub fn params(mut self, params: impl Serialize) -> Self {
        self.params = Some(serde_json::to_vec(&params).map_err(|e| e.to_string()));
        self
    }

    /// Params already serialized (or why they could not be), as the fan-out holds them.
    pub(crate) fn params_serialized(mut self, params: Result<Vec<u8>, String>) -> Self {
        self.params = Some(params);
        self
    }

    /// Session settings, merged by the server over the Function's own: a validated
    /// [`SessionCreateParams`] or a builder (checked with everything else when sent).
    pub fn session(mut self, session: impl Into<SessionCreateParamsBuilder>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// How long [`Invoke::send_and_wait`] waits for the result. Default: the session timeout (900 s
    /// when unset) plus a minute.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// How often [`Invoke::send_and_wait`] polls (default: the client's schedule).
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = Some(poll);
        self
    }

    /// Checks the params against the schema the Function publishes (`userParamsSchema`) before
    /// sending, on top of the rules checked offline (default: the client's
    /// [`crate::ClientBuilder::check_params`], off unless set). Feature `params-check`.
    ///
    /// The schema is the one of the version that will run: the Function's newest, by `createdAt`
    /// (see [`crate::FunctionVersions::latest`]). It is fetched (listing the versions) when the
    /// Function is first sent with the check on, then reused for
    /// [`crate::ClientBuilder::params_schema_ttl`] (5 minutes by default), so a newly published
    /// version is checked against within that time. Concurrent sends share one fetch.
    ///
    /// Every violation is an [`Error::Validation`] with a path under `params`
    /// (`params.url: required property missing`), and nothing is invoked. The offline rules
    /// (session settings, the params' size) are checked first, before any request. A Function
    /// with no schema, or one the validator cannot compile, is not checked and not blocked: that
    /// is logged once (a `tracing` warning) and the invoke proceeds. If the versions cannot be
    /// listed, that error is returned and nothing is invoked. What the schema check covers is
    /// described at [`crate::ParamsSchema`]; note that names the schema does not have are
    /// violations where it says `additionalProperties: false`, as zod's objects do: the Function's
    /// runtime would drop them silently, which is how a typo in an optional parameter goes unseen.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// let err = client
    ///     .functions()
    ///     .invoke("scrape-title")
    ///     .params(serde_json::json!({"ulr": "https://example.com"}))
    ///     .check_params(true)
    ///     .send()
    ///     .await
    ///     .unwrap_err();
    /// // invalid request, nothing was sent: 2 invalid fields;
    /// // params.ulr: is not a parameter of this schema (did you mean url?);
    /// // params.url: required property missing
    /// println!("{err}");
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "params-check")]
    pub fn check_params(mut self, check: bool) -> Self {
        self.check_params = Some(check);
        self
    }

    /// Validates everything in one pass and serializes the request body once. Sends nothing (the
    /// params check against the Function's schema, if on, runs when the prepared invoke is sent).
    pub fn prepare(&self) -> Result<PreparedInvoke, Error> {
        let prepared = prepare(
            self.ctx.clone(),
            self.function.clone(),
            self.params.as_ref(),
            self.session.clone(),
            self.max_wait,
            self.poll,
        )?;
        #[cfg(feature = "params-check")]
        let prepared = prepared.with_check(self.check_params);
        Ok(prepared)
    }

    /// [`Self::prepare`] without copying the session settings or the client handle.
    fn into_prepared(self) -> Result<PreparedInvoke, Error> {
        #[cfg(feature = "params-check")]
        let check = self.check_params;
        let prepared = prepare(
            self.ctx,
            self.function,
            self.params.as_ref(),
            self.session,
            self.max_wait,
            self.poll,
        )?;
        #[cfg(feature = "params-check")]
        let prepared = prepared.with_check(check);
        Ok(prepared)
    }

    /// Validates, then sends the invocation; returns it as accepted (usually `PENDING`).
    ///
    /// The request is validated and serialized when `send` is called; the future sends it.
    ///
    /// # Errors
    /// [`Error::Validation`] listing every broken rule (nothing sent), with the check on
    /// ([`Self::check_params`]) the Function's params schema's too; a Function name that does
    /// not resolve; the request's errors. An error that may come after the request was sent
    /// ([`Error::Timeout`] other than connect, [`Error::Transport`] with `request_sent`) means the
    /// invocation may have started.
    pub fn send(self) -> impl Future<Output = Result<Invocation, Error>> + Send + 'static {
        // Not an `async fn`: that would keep this builder in the future for its whole life, beside
        // the prepared request made from it. The future holds the prepared request once.
        match self.into_prepared() {
            Ok(prepared) => Either::Left(async move { prepared.send().await }),
            Err(e) => Either::Right(std::future::ready(Err(e))),
        }
    }

    /// Validates, sends, then polls until the invocation ends. `COMPLETED` returns the invocation;
    /// `FAILED` is [`Error::InvocationFailed`] with the cause; no end by the deadline is
    /// [`Error::WaitTimeout`] with the invocation last seen.
    ///
    /// # Errors
    /// As [`Self::send`], then [`Error::InvocationFailed`] or [`Error::WaitTimeout`].
    pub async fn send_and_wait(self) -> Result<Invocation, Error> {
        self.into_prepared()?.send_and_wait().await
    }
}

impl IntoFuture for Invoke {
    type Output = Result<Invocation, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// One validation pass over the whole request (every violation reported together), then the body
/// serialized once.
fn prepare(
    ctx: Arc<Context>,
    function: FunctionRef,
    params: Option<&Result<Vec<u8>, String>>,
    session: Option<SessionCreateParamsBuilder>,
    max_wait: Option<Duration>,
    poll: Option<PollSchedule>,
) -> Result<PreparedInvoke, Error> {
    let mut v = Validator::new();
    v.field("function", |v| function.check(v));
    if let Some(params) = params {
        v.field("params", |v| check_params(v, params));
    }
    let session = session.and_then(|s| v.field("sessionCreateParams", |v| s.validate_in(v)));
    v.finish(())?;
    let params = match params {
        Some(Ok(bytes)) => Some(bytes.as_slice()),
        _ => None,
    };
    let body = encode_body(params, session.as_ref())?;
    let poll_set = poll.is_some();
    let poll = poll.unwrap_or(ctx.transport.poll);
    Ok(PreparedInvoke {
        ctx,
        function,
        body,
        session_timeout: session.as_ref().and_then(SessionCreateParams::timeout),
        proxy_passwords: session
            .map(SessionCreateParams::into_passwords)
            .unwrap_or_default(),
        max_wait,
        poll,
        poll_set,
        #[cfg(feature = "params-check")]
        params_len: params.map(<[u8]>::len),
        #[cfg(feature = "params-check")]
        check_params: false,
    })
}

fn check_params(v: &mut Validator, params: &Result<Vec<u8>, String>) {
    match params {
        Err(e) => v.fail(format!("must serialize to JSON: {e}")),
        Ok(bytes) if bytes.first() != Some(&b'{') => v.fail("must serialize to a JSON object"),
        Ok(bytes) if bytes.len() > MAX_PARAMS_BYTES => v.fail(format!(
            "must serialize to at most {MAX_PARAMS_BYTES} bytes (got {})",
            bytes.len()
        )),
        Ok(_) => {}
    }
}

/// What the body starts with when it has params.
const PARAMS_PREFIX: &[u8] = b"{\"params\":";

/// `{"params":…,"sessionCreateParams":…}` with absent parts left out; params are copied, not
/// re-serialized.
fn encode_body(
    params: Option<&[u8]>,
    session: Option<&SessionCreateParams>,
) -> Result<Bytes, Error> {
    let mut body = Vec::with_capacity(params.map_or(0, <[u8]>::len) + 256);
    if let Some(p) = params {
        body.extend_from_slice(PARAMS_PREFIX);
        body.extend_from_slice(p);
    } else {
        body.push(b'{');
    }
    if let Some(s) = session {
        if params.is_some() {
            body.push(b',');
        }
        body.extend_from_slice(b"\"sessionCreateParams\":");
        // Serializing validated plain data into memory cannot fail; map it anyway rather than panic.
        serde_json::to_writer(&mut body, s).map_err(|e| {
            ValidationErrors::single(
                "sessionCreateParams",
                format!("could not be serialized: {e}"),
            )
        })?;
    }
    body.push(b'}');
    Ok(Bytes::from(body))
}

/// A validated, serialized invocation: what will be sent, byte for byte.
///
/// Made by [`Invoke::prepare`]. It can be sent any number of times, and each send starts a new
/// invocation (a new billed session): to invoke the same request from many tasks, validate it
/// once and share it in an `Arc`.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use std::sync::Arc;
///
/// let prepared = Arc::new(
///     client
///         .functions()
///         .invoke("scrape-title")
///         .params(serde_json::json!({"url": "https://example.com"}))
///         .prepare()?,
/// );
/// let mut tasks = tokio::task::JoinSet::new();
/// for _ in 0..3 {
///     let prepared = prepared.clone();
///     tasks.spawn(async move { prepared.send().await });
/// }
/// for accepted in tasks.join_all().await {
///     println!("started {}", accepted?.id);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a prepared invocation does nothing until sent"]
pub struct PreparedInvoke {
    ctx: Arc<Context>,
    function: FunctionRef,
    body: Bytes,
    /// All that is kept of the session once the body is serialized: what the wait needs and what
    /// errors must not show. (Not the whole session: it would make every invoke's future larger.)
    session_timeout: Option<SessionTimeout>,
    proxy_passwords: Vec<ProxyPassword>,
    max_wait: Option<Duration>,
    poll: PollSchedule,
    /// Whether the caller chose `poll` (with a coordinator, the event fallback applies otherwise).
    poll_set: bool,
    /// The length of the params in `body`, which follow [`PARAMS_PREFIX`].
    #[cfg(feature = "params-check")]
    params_len: Option<usize>,
    #[cfg(feature = "params-check")]
    check_params: bool,
}

impl fmt::Debug for PreparedInvoke {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedInvoke")
            .field("function", &self.function)
            .field("body", &self.redacted_body())
            .finish_non_exhaustive()
    }
}

impl PreparedInvoke {
    /// Whether the params are checked against the Function's schema: the call's choice, else the
    /// client's.
    #[cfg(feature = "params-check")]
    fn with_check(mut self, check: Option<bool>) -> Self {
        self.check_params = check.unwrap_or(self.ctx.check_params);
        self
    }

    /// The Function invoked, as given.
    pub fn function(&self) -> &FunctionRef {
        &self.function
    }

    /// The request URL, once the Function's id is known (given as an id, or a name already
    /// resolved by this client).
    pub fn url(&self) -> Option<String> {
        let id = match &self.function {
            FunctionRef::Id(id) => *id,
            FunctionRef::Name(name) => self.ctx.cached_name(name)?,
        };
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        self.ctx
            .transport
            .url(&FUNCTIONS_INVOKE, &args)
            .ok()
            .map(String::from)
    }

    /// The exact JSON body. It holds proxy passwords if any were set: log [`Self::redacted_body`].
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text with proxy passwords replaced by `[REDACTED]`, for printing and logs.
    pub fn redacted_body(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.body).into_owned();
        let secrets: Vec<&str> = self.secrets().collect();
        crate::secret::scrub(&mut text, &secrets);
        text
    }

    /// The session timeout, if the caller set one.
    pub fn session_timeout(&self) -> Option<SessionTimeout> {
        self.session_timeout
    }

    fn secrets(&self) -> impl Iterator<Item = &str> {
        self.proxy_passwords.iter().map(ProxyPassword::expose)
    }

    /// Sends the invocation. Retried only where the server cannot have started it, unless the
    /// client's [`crate::RetryConfig`] says otherwise.
    ///
    /// # Errors
    /// As [`Invoke::send`].
    pub async fn send(&self) -> Result<Invocation, Error> {
        if self.ctx.transport.dev {
            // Boxed: kept inline, its state would grow every production invoke's future.
            return Box::pin(self.send_dev()).await;
        }
        let id = resolve(&self.ctx, &self.function).await?;
        #[cfg(feature = "params-check")]
        if self.check_params {
            let params = self
                .params_len
                .and_then(|n| self.body.get(PARAMS_PREFIX.len()..PARAMS_PREFIX.len() + n));
            crate::params_check::check(&self.ctx, id, params).await?;
        }
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        let mut call = Call::new(&FUNCTIONS_INVOKE, &args);
        call.body = Some(&self.body);
        // Empty (and not allocated) unless the session has proxy passwords.
        let secrets: Vec<&str> = self.secrets().collect();
        call.secrets = &secrets;
        self.ctx.transport.call(call).await
    }

    /// Dev mode: `bb dev` answers when the handler is done, so the invocation comes back ended.
    async fn send_dev(&self) -> Result<Invocation, Error> {
        let name = match &self.function {
            FunctionRef::Name(name) => name.as_str(),
            FunctionRef::Id(id) => {
                return Err(Error::DevMode {
                    base_url: self.ctx.transport.base_url().to_owned(),
                    problem: crate::DevModeError::InvokeById { id: *id },
                });
            }
        };
        let secrets: Vec<&str> = self.secrets().collect();
        let invocation = crate::dev::invoke(
            &self.ctx.transport,
            name,
            &self.body,
            &secrets,
            self.wait_limit(),
        )
        .await;
        match invocation {
            // `send` returns an invocation that ended in failure; `send_and_wait` makes it the error.
            Err(Error::InvocationFailed(failed)) => Ok(*failed),
            other => other,
        }
    }

    /// How long `send_and_wait` waits: the call's `max_wait`, else the session's timeout (the
    /// longest the Function can run) and a margin.
    fn wait_limit(&self) -> Duration {
        self.max_wait.unwrap_or_else(|| {
            self.session_timeout
                .unwrap_or(SessionTimeout::MAX)
                .as_duration()
                + WAIT_MARGIN
        })
    }

    /// Sends the invocation, then waits for it to end (see [`Invoke::send_and_wait`]).
    ///
    /// # Errors
    /// As [`Invoke::send_and_wait`].
    pub async fn send_and_wait(&self) -> Result<Invocation, Error> {
        // With a coordinator, a place in the shared budget is held from before the request until
        // the invocation ended, and the wait ends on the event any process received.
        let coordinator = self.ctx.transport.coordinator.as_ref();
        let _lease = match coordinator {
            Some(c) => Some(c.acquire().await),
            None => None,
        };
        let invocation = self.send().await?;
        let max_wait = self.wait_limit();
        let mut wait = Wait::invocation(self.ctx.clone(), invocation.id.into(), max_wait)
            .starting_from(invocation);
        if coordinator.is_some() {
            wait = wait.via(&self.ctx.events);
        }
        if coordinator.is_none() || self.poll_set {
            wait = wait.poll_schedule(self.poll);
        }
        wait.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BrowserSettings;

    fn client() -> crate::Client {
        crate::Client::builder()
            .api_key("k")
            .base_url("https://gw.example.com/bb/")
            .build()
            .expect("client")
    }

    /// The future of an invoke is what every spawned call moves and keeps. It was 3.8 KB, and its
    /// size showed in the per-call cost at 16 concurrent calls (issue 13); it is 1.75 KB. A layer
    /// that keeps a builder, a response or a request twice across an `.await` grows it again:
    /// `-Zprint-type-sizes` shows where the bytes go (README, Performance).
    #[test]
    fn the_invoke_future_stays_small() {
        const LIMIT: usize = 2_048;
        let send = client()
            .functions()
            .invoke("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
            .send();
        let size = std::mem::size_of_val(&send);
        assert!(
            size <= LIMIT,
            "the invoke future is {size} bytes, over {LIMIT}"
        );
    }

    #[test]
    fn every_violation_in_one_pass_in_request_order() {
        let err = client()
            .functions()
            .invoke(" ")
            .params([1, 2])
            .session(
                SessionCreateParams::builder()
                    .timeout_secs(30)
                    .browser_settings(BrowserSettings::new().viewport(0, 720)),
            )
            .prepare()
            .expect_err("invalid");
        let Error::Validation(errors) = err else {
            panic!("{err:?}");
        };
        let paths: Vec<&str> = errors.paths().collect();
        assert_eq!(
            paths,
            [
                "function",
                "params",
                "sessionCreateParams.browserSettings.viewport.width",
                "sessionCreateParams.timeout",
            ]
        );
    }

    #[test]
    fn prepared_url_and_body() {
        let prepared = client()
            .functions()
            .invoke("6F1C2D3E-4A5B-4C6D-8E9F-0A1B2C3D4E5F")
            .params(serde_json::json!({"a": 1}))
            .session(SessionCreateParams::builder().timeout_secs(300))
            .prepare()
            .expect("valid");
        assert_eq!(
            prepared.url().as_deref(),
            Some(
                "https://gw.example.com/bb/v1/functions/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/invoke"
            )
        );
        assert_eq!(
            prepared.body(),
            br#"{"params":{"a":1},"sessionCreateParams":{"timeout":300}}"#
        );
    }
}
