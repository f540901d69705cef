//! Webhook endpoints: register one (its signing secret comes back once), list, get, update,
//! delete, and rotate the signing secret.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use bb_api::types::Webhook;
use bytes::Bytes;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::event::EventType;
use super::secret::WebhookSecret;
use crate::context::Context;
use crate::error::Error;
use crate::ids::{IdInput, id_text};
use crate::paginate::{self, CursorPage, ListRequest, ListStream};
use crate::transport::Call;
use crate::transport::operation::{
    WEBHOOKS_CREATE, WEBHOOKS_DELETE, WEBHOOKS_GET, WEBHOOKS_LIST, WEBHOOKS_ROTATE_SECRET,
    WEBHOOKS_UPDATE,
};
use crate::validate::Validator;
use crate::validate::{a_json_type, quoted};

/// The longest endpoint URL the API accepts, in characters.
pub const MAX_ENDPOINT_CHARS: usize = 2048;

/// The largest `limit` the webhook list accepts.
const MAX_LIST_LIMIT: u32 = 100;

/// The project's webhook endpoints; from [`crate::Client::webhooks`].
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::webhooks::EventType;
///
/// let created = client
///     .webhooks()
///     .create(
///         "https://hooks.example.com/browserbase",
///         [EventType::FunctionsInvocationsCompleted, EventType::FunctionsInvocationsFailed],
///     )
///     .await?;
/// // Shown only now: store it where the receiver reads it (BROWSERBASE_WEBHOOK_SECRET).
/// let whsec = created.secret.expose_secret();
/// # let _ = whsec; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Webhooks {
    ctx: Arc<Context>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").finish_non_exhaustive()
    }
}

/// A webhook just registered, with its signing secret: the one response that carries it (apart
/// from a rotation). `Debug` shows the secret as `[REDACTED]`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CreatedWebhook {
    /// The webhook, as `get` and `list` return it.
    pub webhook: Webhook,
    /// Its signing secret; [`WebhookSecret::expose_secret`] gives the `whsec_…` text to store.
    pub secret: WebhookSecret,
}

impl Webhooks {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Plain `http://` endpoints on loopback are allowed only while the client itself talks to a
    /// loopback server (the `testing` fake), which is the only sender that could reach them.
    fn loopback_http_ok(&self) -> bool {
        crate::validate::is_loopback(&self.ctx.transport.base)
    }

    /// Registers `endpoint` to receive `event_types`. The response carries the signing secret,
    /// which the API never shows again: store it before dropping the [`CreatedWebhook`].
    ///
    /// # Errors
    /// A validation error before sending: `endpoint` not an `https://` URL with a host or longer
    /// than [`MAX_ENDPOINT_CHARS`]; `eventTypes` empty or repeating a type. From the API: a
    /// conflict (409) when the endpoint is already registered in the project.
    pub async fn create(
        &self,
        endpoint: impl Into<String>,
        event_types: impl IntoIterator<Item = EventType>,
    ) -> Result<CreatedWebhook, Error> {
        let endpoint = endpoint.into();
        let event_types: Vec<EventType> = event_types.into_iter().collect();
        let mut v = Validator::new();
        v.field("endpoint", |v| {
            check_endpoint(v, &endpoint, self.loopback_http_ok())
        });
        v.field("eventTypes", |v| check_event_types(v, &event_types));
        v.finish(())?;
        let body = create_body(&endpoint, &event_types);
        let mut call = Call::new(&WEBHOOKS_CREATE, &[]);
        call.body = Some(&body);
        self.ctx
            .transport
            .call_secret_bearing(call, decode_created)
            .await
    }

    /// Lists the project's webhooks, newest first (without their secrets): `.stream()` for all,
    /// `.page(cursor)` for one page.
    pub fn list(&self) -> WebhookList {
        WebhookList {
            ctx: self.ctx.clone(),
            page_size: MAX_LIST_LIMIT,
        }
    }

    /// Gets a webhook by id (without its secret).
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn get(&self, id: impl Into<IdInput>) -> Result<Webhook, Error> {
        self.ctx.get_by_id(&WEBHOOKS_GET, id.into()).await
    }

    /// Changes a webhook's endpoint, its event types, or both; set at least one, then `.await`.
    /// Fields not set are left as they are; event types given **replace** the subscription. The
    /// signing secret is unaffected.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: &str) -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::webhooks::EventType;
    ///
    /// let webhook = client
    ///     .webhooks()
    ///     .update(id)
    ///     .event_types([EventType::FunctionsInvocationsFailed])
    ///     .await?;
    /// # let _ = webhook; Ok(()) }
    /// ```
    pub fn update(&self, id: impl Into<IdInput>) -> UpdateWebhook {
        UpdateWebhook {
            webhooks: self.clone(),
            id: id.into(),
            endpoint: None,
            event_types: None,
        }
    }

    /// Deletes a webhook: deliveries stop at once and its secret is retired. Events from before
    /// are not replayed if the endpoint is registered again.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`] (also
    /// for a delete retried after its first attempt landed).
    pub async fn delete(&self, id: impl Into<IdInput>) -> Result<(), Error> {
        let id = id.into().parse("id")?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        self.ctx
            .transport
            .call_no_content(Call::new(&WEBHOOKS_DELETE, &args))
            .await
    }

    /// Issues a new signing secret for a webhook; `.await` it for the new [`WebhookSecret`]. By
    /// default the previous secret keeps verifying for 24 hours, so give the receiver both for
    /// that window ([`Verifier::from_secrets`](super::Verifier::from_secrets)); after a leak use
    /// [`RotateSecret::revoke_immediately`].
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: &str) -> Result<(), bb_api_ext::Error> {
    /// let new_secret = client.webhooks().rotate_secret(id).await?;
    /// # let _ = new_secret; Ok(()) }
    /// ```
    pub fn rotate_secret(&self, id: impl Into<IdInput>) -> RotateSecret {
        RotateSecret {
            webhooks: self.clone(),
            id: id.into(),
            revoke_immediately: None,
        }
    }
}

/// A webhook update; from [`Webhooks::update`]. `.await` it (or [`send`](Self::send)).
#[must_use = "an update does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct UpdateWebhook {
    webhooks: Webhooks,
    id: IdInput,
    endpoint: Option<String>,
    event_types: Option<Vec<EventType>>,
}

impl UpdateWebhook {
    /// The new endpoint (the same rules as [`Webhooks::create`]).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The new subscription: replaces the webhook's event types (non-empty, no repeats).
    pub fn event_types(mut self, types: impl IntoIterator<Item = EventType>) -> Self {
        self.event_types = Some(types.into_iter().collect());
        self
    }

    /// Validates, then sends the update.
    ///
    /// # Errors
    /// A validation error before sending: an id that is not a UUID, neither field set, a field
    /// breaking its rule. [`Error::NotFound`] for an unknown webhook; a conflict (409) for an
    /// endpoint another webhook of the project has.
    pub async fn send(self) -> Result<Webhook, Error> {
        let loopback_ok = self.webhooks.loopback_http_ok();
        let mut v = Validator::new();
        let id = v.field("id", |v| self.id.check(v));
        if self.endpoint.is_none() && self.event_types.is_none() {
            v.field("body", |v| {
                v.fail("must set at least one of endpoint and eventTypes (an update with neither changes nothing)")
            });
        }
        if let Some(endpoint) = &self.endpoint {
            v.field("endpoint", |v| check_endpoint(v, endpoint, loopback_ok));
        }
        if let Some(types) = &self.event_types {
            v.field("eventTypes", |v| check_event_types(v, types));
        }
        v.finish(())?;
        let body = update_body(self.endpoint.as_deref(), self.event_types.as_deref());
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        let mut call = Call::new(&WEBHOOKS_UPDATE, &args);
        call.body = Some(&body);
        self.webhooks.ctx.transport.call(call).await
    }
}

impl IntoFuture for UpdateWebhook {
    type Output = Result<Webhook, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A secret rotation; from [`Webhooks::rotate_secret`]. `.await` it (or [`send`](Self::send)).
#[must_use = "a rotation does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct RotateSecret {
    webhooks: Webhooks,
    id: IdInput,
    revoke_immediately: Option<bool>,
}

impl RotateSecret {
    /// `true`: the previous secrets stop verifying at once (after a leak), instead of after their
    /// 24-hour grace window. Not set, the server's default applies (keep them for 24 hours).
    pub fn revoke_immediately(mut self, revoke: bool) -> Self {
        self.revoke_immediately = Some(revoke);
        self
    }

    /// Sends the rotation and returns the new secret, shown only now.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`];
    /// [`Error::TooManyWebhookSecrets`] when too many previous secrets are still in their grace
    /// window (not retried: wait for one to expire, or revoke them).
    pub async fn send(self) -> Result<WebhookSecret, Error> {
        let id = self.id.parse("id")?;
        let body = rotate_body(self.revoke_immediately);
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        let mut call = Call::new(&WEBHOOKS_ROTATE_SECRET, &args);
        call.body = Some(&body);
        // The spec's 429 here is "too many previous secrets", which no retry fixes.
        call.final_statuses = &[429];
        match self
            .webhooks
            .ctx
            .transport
            .call_secret_bearing(call, decode_rotated)
            .await
        {
            Err(Error::RateLimited { retry_after, error })
                if retry_after.is_none()
                    || error.body.as_str().to_ascii_lowercase().contains("secret") =>
            {
                Err(Error::TooManyWebhookSecrets(error))
            }
            other => other,
        }
    }
}

impl IntoFuture for RotateSecret {
    type Output = Result<WebhookSecret, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The project's webhooks, page by page with cursors; from [`Webhooks::list`].
#[must_use = "a list does nothing until streamed or paged"]
pub struct WebhookList {
    ctx: Arc<Context>,
    page_size: u32,
}

impl std::fmt::Debug for WebhookList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookList")
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl WebhookList {
    /// Items per request, 1 to 100 (default 100, the most the API allows, so the fewest
    /// requests). Values outside are clamped.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_LIST_LIMIT);
        self
    }

    fn request() -> ListRequest {
        ListRequest {
            op: &WEBHOOKS_LIST,
            args: Vec::new(),
            query: Vec::new(),
        }
    }

    /// Every webhook, fetched page by page as the stream is read.
    pub fn stream(self) -> ListStream<Webhook> {
        paginate::cursor_stream(self.ctx, Self::request(), self.page_size)
    }

    /// One page: the first with `None`, then the `next_cursor` of the page before.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn page(&self, cursor: Option<&str>) -> Result<CursorPage<Webhook>, Error> {
        Self::request()
            .cursor_page(&self.ctx, cursor, self.page_size)
            .await
    }
}

/// `endpoint`: the spec's pattern `^https://[^/?#]+` on the text as given, a URL with a host, at
/// most 2048 characters. The URL itself is not echoed (it may hold a token): the error says what
/// is wrong with it.
fn check_endpoint(v: &mut Validator, endpoint: &str, loopback_http_ok: bool) {
    let chars = endpoint.chars().count();
    if chars > MAX_ENDPOINT_CHARS {
        v.fail(format!(
            "must be at most {MAX_ENDPOINT_CHARS} characters (got {chars})"
        ));
        return;
    }
    let parsed = url::Url::parse(endpoint)
        .ok()
        .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()) && endpoint.trim() == endpoint);
    let Some(url) = parsed else {
        v.fail(
            "must be an https:// URL with a host, such as https://hooks.example.com/browserbase",
        );
        return;
    };
    let spec_pattern = endpoint
        .strip_prefix("https://")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| !matches!(c, '/' | '?' | '#'));
    match url.scheme() {
        "https" if spec_pattern => {}
        "https" => v.fail(
            "must start with exactly https:// followed by the host (lowercase, no extra slash), \
             such as https://hooks.example.com/browserbase",
        ),
        "http" if crate::validate::is_loopback(&url) && loopback_http_ok => {}
        "http" if crate::validate::is_loopback(&url) => v.fail(
            "must be https://: plain http to loopback is accepted only while the client talks to \
             a loopback server (the testing fake); Browserbase delivers only to public https URLs \
             (use a tunnel in development)",
        ),
        scheme => v.fail(format!(
            "must be an https:// URL (got scheme {}), such as https://hooks.example.com/browserbase",
            quoted(scheme)
        )),
    }
}

/// `eventTypes`: at least one, none repeated, none empty.
fn check_event_types(v: &mut Validator, types: &[EventType]) {
    if types.is_empty() {
        v.fail("must name at least one event type, such as functions.invocations.completed");
        return;
    }
    for (i, t) in types.iter().enumerate() {
        v.index(i, |v| {
            if t.as_str().trim().is_empty() {
                v.fail("must not be empty");
            } else if types[..i].iter().any(|earlier| earlier == t) {
                v.fail(format!("repeats {} (each type once)", quoted(t.as_str())));
            }
        });
    }
}

fn types_json(types: &[EventType]) -> Value {
    Value::Array(
        types
            .iter()
            .map(|t| Value::String(t.as_str().to_owned()))
            .collect(),
    )
}

/// `{"endpoint": …, "eventTypes": […]}`.
fn create_body(endpoint: &str, types: &[EventType]) -> Bytes {
    let mut body = Map::new();
    body.insert("endpoint".into(), Value::String(endpoint.to_owned()));
    body.insert("eventTypes".into(), types_json(types));
    Bytes::from(Value::Object(body).to_string())
}

/// Only the fields set.
fn update_body(endpoint: Option<&str>, types: Option<&[EventType]>) -> Bytes {
    let mut body = Map::new();
    if let Some(endpoint) = endpoint {
        body.insert("endpoint".into(), Value::String(endpoint.to_owned()));
    }
    if let Some(types) = types {
        body.insert("eventTypes".into(), types_json(types));
    }
    Bytes::from(Value::Object(body).to_string())
}

/// `{}`, or `{"revokeImmediately": …}` when set.
fn rotate_body(revoke_immediately: Option<bool>) -> Bytes {
    let mut body = Map::new();
    if let Some(revoke) = revoke_immediately {
        body.insert("revokeImmediately".into(), Value::Bool(revoke));
    }
    Bytes::from(Value::Object(body).to_string())
}

/// The body as a JSON object. The reason never quotes the body: it may hold a secret.
fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!(
            "expected a JSON object, got {}",
            a_json_type(&other)
        )),
        Err(e) => Err(format!(
            "invalid JSON ({} at line {} column {})",
            match e.classify() {
                serde_json::error::Category::Eof => "ends early",
                _ => "syntax error",
            },
            e.line(),
            e.column()
        )),
    }
}

/// The `secret` key's value as a signing secret; the reason says what is wrong, never the value.
fn secret(value: Option<Value>) -> Result<WebhookSecret, &'static str> {
    match value {
        None | Some(Value::Null) => Err("is missing"),
        Some(Value::String(text)) => {
            // Zeroes the text once parsed.
            WebhookSecret::try_from(text).map_err(|_| "is not a `whsec_…` signing secret")
        }
        Some(_) => Err("is not a string"),
    }
}

/// Create's `201`: the webhook and its secret. The secret is taken out first, so nothing that
/// reads the rest (and may quote it in an error) sees it.
fn decode_created(body: &[u8]) -> Result<CreatedWebhook, String> {
    let mut map = object(body)?;
    let secret_value = map.remove("secret");
    let webhook: Webhook = serde_json::from_value(Value::Object(map))
        .map_err(|e| format!("the created webhook does not decode: {e}"))?;
    let secret = secret(secret_value).map_err(|why| {
        format!(
            "webhook {} was created, but its `secret` {why}: get a new one with client.webhooks().rotate_secret(id)",
            webhook.id
        )
    })?;
    Ok(CreatedWebhook { webhook, secret })
}

/// Rotate's `200`: `{"secret": …}`.
fn decode_rotated(body: &[u8]) -> Result<WebhookSecret, String> {
    let mut map = object(body)?;
    secret(map.remove("secret")).map_err(|why| {
        format!("the secret was rotated, but the new `secret` {why}: rotate again to get one")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(endpoint: &str, loopback_ok: bool) -> Vec<String> {
        let mut v = Validator::new();
        v.field("endpoint", |v| check_endpoint(v, endpoint, loopback_ok));
        match v.finish(()) {
            Ok(()) => Vec::new(),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn endpoints_follow_the_spec_pattern() {
        for ok in [
            "https://hooks.example.com",
            "https://hooks.example.com/browserbase?token=abc",
            "https://10.0.0.1:8443/x",
            "https://[::1]/x",
        ] {
            assert_eq!(violations(ok, false), Vec::<String>::new(), "{ok}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(
            violations(&long, false),
            ["endpoint: must be at most 2048 characters (got 2068)"]
        );
        let host = "endpoint: must be an https:// URL with a host, such as https://hooks.example.com/browserbase";
        for bad in [
            "",
            "hooks.example.com",
            "https://",
            " https://x.com",
            "mailto:a@example.com",
        ] {
            assert_eq!(violations(bad, false), [host], "{bad:?}");
        }
        assert_eq!(
            violations("http://hooks.example.com", true),
            [
                "endpoint: must be an https:// URL (got scheme \"http\"), such as https://hooks.example.com/browserbase"
            ]
        );
        let exact = "endpoint: must start with exactly https:// followed by the host (lowercase, no extra slash), such as https://hooks.example.com/browserbase";
        for bad in ["HTTPS://hooks.example.com", "https:///hooks.example.com"] {
            assert_eq!(violations(bad, false), [exact], "{bad:?}");
        }
        // Loopback http only when the client talks to a loopback server.
        for loopback in [
            "http://127.0.0.1:8788/",
            "http://localhost:9/hook",
            "http://[::1]:9",
        ] {
            assert_eq!(
                violations(loopback, true),
                Vec::<String>::new(),
                "{loopback}"
            );
            let refused = violations(loopback, false);
            assert_eq!(refused.len(), 1, "{loopback}");
            assert!(
                refused[0].starts_with("endpoint: must be https://: plain http to loopback"),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn endpoint_errors_do_not_echo_the_url() {
        let token = "tok_SECRET_123";
        for url in [
            format!("http://hooks.example.com/?t={token}"),
            format!("ftp://hooks.example.com/{token}"),
            format!("not a url {token}"),
            format!("https://example.com/{token}/{}", "a".repeat(2048)),
        ] {
            let shown = violations(&url, false).join("; ");
            assert!(!shown.is_empty(), "{url}");
            assert!(!shown.contains(token), "{shown}");
        }
    }

    #[test]
    fn event_types_are_non_empty_and_unique() {
        let check = |types: &[EventType]| {
            let mut v = Validator::new();
            v.field("eventTypes", |v| check_event_types(v, types));
            v.finish(()).map_err(|e| e.to_string())
        };
        assert_eq!(
            check(&[]),
            Err("1 invalid field; eventTypes: must name at least one event type, such as functions.invocations.completed".into())
        );
        let done = EventType::FunctionsInvocationsCompleted;
        assert_eq!(
            check(&[done.clone(), EventType::from(""), done.clone()]),
            Err("2 invalid fields; eventTypes[1]: must not be empty; eventTypes[2]: repeats \"functions.invocations.completed\" (each type once)".into())
        );
        // A type newer than this crate is sent as it is: the API decides.
        assert_eq!(
            check(&[done, EventType::from("functions.sessions.ended")]),
            Ok(())
        );
    }

    #[test]
    fn bodies_carry_only_what_was_set() {
        let types = [
            EventType::FunctionsInvocationsCompleted,
            EventType::FunctionsInvocationsFailed,
        ];
        assert_eq!(
            create_body("https://h.example.com/x", &types),
            r#"{"endpoint":"https://h.example.com/x","eventTypes":["functions.invocations.completed","functions.invocations.failed"]}"#
        );
        assert_eq!(
            update_body(None, Some(&types[..1])),
            r#"{"eventTypes":["functions.invocations.completed"]}"#
        );
        assert_eq!(
            update_body(Some("https://h.example.com"), None),
            r#"{"endpoint":"https://h.example.com"}"#
        );
        assert_eq!(rotate_body(None), "{}");
        assert_eq!(rotate_body(Some(true)), r#"{"revokeImmediately":true}"#);
        assert_eq!(rotate_body(Some(false)), r#"{"revokeImmediately":false}"#);
    }

    /// Our bodies decode as the generated (spec) types, which deny unknown keys, and the generated
    /// types serialize to exactly our bodies: the two agree both ways.
    #[test]
    fn bodies_match_the_generated_types_both_ways() {
        use bb_api::types::{WebhooksCreateBody, WebhooksRotateSecretBody, WebhooksUpdateBody};
        let types = vec![
            EventType::FunctionsBuildsFailed,
            EventType::FunctionsInvocationsFailed,
        ];
        let ours = create_body("https://h.example.com/x", &types);
        let spec: WebhooksCreateBody =
            serde_json::from_slice(&ours).expect("spec type decodes ours");
        assert_eq!(spec.event_types, types);
        assert_eq!(serde_json::to_vec(&spec).ok().map(Bytes::from), Some(ours));

        for (endpoint, event_types) in [
            (Some("https://h.example.com"), None),
            (None, Some(&types[..])),
            (Some("https://h.example.com"), Some(&types[..1])),
        ] {
            let ours = update_body(endpoint, event_types);
            let spec: WebhooksUpdateBody =
                serde_json::from_slice(&ours).expect("spec type decodes ours");
            assert_eq!(spec.endpoint.as_deref().map(|e| e.as_str()), endpoint);
            assert_eq!(serde_json::to_vec(&spec).ok().map(Bytes::from), Some(ours));
        }
        for revoke in [None, Some(true), Some(false)] {
            let ours = rotate_body(revoke);
            let spec: WebhooksRotateSecretBody =
                serde_json::from_slice(&ours).expect("spec type decodes ours");
            assert_eq!(spec.revoke_immediately, revoke);
            assert_eq!(serde_json::to_vec(&spec).ok().map(Bytes::from), Some(ours));
        }
    }

    const WEBHOOK: &str = r#""id":"0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e","projectId":"p","endpoint":"https://h.example.com","eventTypes":["functions.invocations.completed"],"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z""#;

    #[test]
    fn created_responses_decode_and_never_quote_the_secret() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let ok = format!(r#"{{{WEBHOOK},"secret":"{secret}","newKey":1}}"#);
        let created = decode_created(ok.as_bytes()).expect("decodes");
        assert_eq!(created.secret.expose_secret(), secret);
        assert_eq!(created.webhook.id, "0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e");
        assert!(!format!("{created:?}").contains("MfKQ9r8"));

        let bad = [
            (
                format!(r#"{{{WEBHOOK}}}"#),
                "webhook 0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e was created, but its `secret` is missing: get a new one with client.webhooks().rotate_secret(id)",
            ),
            (
                format!(r#"{{{WEBHOOK},"secret":"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}"#),
                "webhook 0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e was created, but its `secret` is not a `whsec_…` signing secret: get a new one with client.webhooks().rotate_secret(id)",
            ),
            (
                format!(r#"{{"secret":"{secret}","id":7}}"#),
                "the created webhook does not decode: invalid type: integer `7`, expected a string",
            ),
            (
                format!(r#""{secret}""#),
                "expected a JSON object, got a string",
            ),
            (
                format!(r#"{{"secret":"{secret}""#),
                "invalid JSON (ends early at line 1 column 50)",
            ),
            (
                format!(r#"{{"secret":{secret}}}"#),
                "invalid JSON (syntax error at line 1 column 11)",
            ),
        ];
        for (body, want) in bad {
            let got = decode_created(body.as_bytes()).err().unwrap_or_default();
            assert_eq!(got, want, "{body}");
            assert!(!got.contains("MfKQ9r8"), "{got}");
        }
    }

    #[test]
    fn rotated_responses_decode() {
        let got = decode_rotated(br#"{"secret":"whsec_AAEC"}"#).map(|s| s.expose_secret());
        assert_eq!(got.ok().as_deref(), Some("whsec_AAEC"));
        assert_eq!(
            decode_rotated(br#"{"secret":5}"#).err().as_deref(),
            Some(
                "the secret was rotated, but the new `secret` is not a string: rotate again to get one"
            )
        );
    }
}
