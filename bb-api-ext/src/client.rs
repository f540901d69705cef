//! The client, its builder and environment variables, and the handles for each API area.

use std::fmt;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::builds::Builds;
use crate::certificates::Certificates;
use crate::config::{PollSchedule, RetryConfig, TimeoutConfig};
use crate::context::Context;
use crate::contexts::Contexts;
use crate::downloads::Downloads;
use crate::error::{ConfigError, Error};
use crate::extensions::Extensions;
use crate::functions::Functions;
use crate::ids::FunctionRef;
use crate::invocations::Invocations;
use crate::projects::Projects;
use crate::secret::ApiKey;
use crate::transport::Transport;
use crate::typed::TypedFunction;
use crate::validate::is_loopback;
use crate::versions::Versions;
use crate::webhooks::{WebhookHub, Webhooks};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.browserbase.com";
/// Where `bb dev` (the local development server of `@browserbasehq/sdk-functions`) listens by
/// default: [`Client::dev`].
pub const DEV_SERVER_URL: &str = "http://127.0.0.1:14113";
/// The environment variable holding the API key (the name the official SDKs use).
pub const API_KEY_ENV: &str = "BROWSERBASE_API_KEY";
/// The environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "BROWSERBASE_BASE_URL";

/// A Browserbase API client. Cheap to clone: clones share one connection pool and configuration.
///
/// ```no_run
/// # async fn demo() -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::Client;
///
/// let client = Client::from_env()?; // BROWSERBASE_API_KEY, optional BROWSERBASE_BASE_URL
/// let invocation = client
///     .functions()
///     .invoke("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
///     .params(serde_json::json!({"url": "https://example.com"}))
///     .send_and_wait()
///     .await?;
/// println!("{:?}", invocation.results);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) ctx: Arc<Context>,
}

impl Client {
    /// A client with this API key and every default (the production API, default timeouts,
    /// retries and polling).
    ///
    /// # Errors
    /// [`Error::Config`] for an empty key or one an HTTP header cannot carry.
    pub fn new(api_key: impl Into<ApiKey>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A client for the local development server `bb dev` at its default address,
    /// `http://127.0.0.1:14113` ([`DEV_SERVER_URL`]); no API key is needed. The same code that
    /// invokes a deployed Function invokes the one `bb dev` serves. See
    /// [`ClientBuilder::dev_server`] for what dev mode does and does not do.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::Client;
    ///
    /// let client = Client::dev()?; // `pnpm bb dev index.ts` runs in another terminal
    /// let done = client
    ///     .functions()
    ///     .invoke("scrape-title") // the name given to defineFn
    ///     .params(serde_json::json!({"url": "https://example.com"}))
    ///     .send_and_wait()
    ///     .await?;
    /// println!("{:?}", done.results);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// None in practice: the default address is valid. (A `Result` like every other constructor.)
    pub fn dev() -> Result<Self, Error> {
        Self::builder().dev_server(DEV_SERVER_URL).build()
    }

    /// Whether this client talks to the local development server ([`Client::dev`]).
    pub fn is_dev(&self) -> bool {
        self.ctx.transport.dev
    }

    /// Starts a configuration.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `BROWSERBASE_API_KEY` (required) and `BROWSERBASE_BASE_URL`
    /// (optional), with default timeouts and retries.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable when the key is missing or empty.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Functions: list, get by id or name, invoke, versions, secrets.
    pub fn functions(&self) -> Functions {
        Functions {
            ctx: self.ctx.clone(),
        }
    }

    /// A Function given by id or name, typed by its params `P` and its results `O`: its invoke
    /// takes a `P` and its `send_and_wait` returns an `O`. See [`TypedFunction`].
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// #[derive(serde::Serialize)]
    /// struct Params { url: String }
    /// #[derive(serde::Deserialize)]
    /// struct Title { title: String }
    ///
    /// let scrape = client.function::<Params, Title>("scrape-title");
    /// let out = scrape.invoke(Params { url: "https://example.com".into() }).send_and_wait().await?;
    /// println!("{}", out.title);
    /// # Ok(()) }
    /// ```
    pub fn function<P, O>(&self, function: impl Into<FunctionRef>) -> TypedFunction<P, O> {
        TypedFunction::new(self.ctx.clone(), function.into())
    }

    /// Function versions: get one, list its invocations.
    pub fn versions(&self) -> Versions {
        Versions {
            ctx: self.ctx.clone(),
        }
    }

    /// Invocations: get, logs, wait.
    pub fn invocations(&self) -> Invocations {
        Invocations {
            ctx: self.ctx.clone(),
        }
    }

    /// Builds: list, get, logs, wait.
    pub fn builds(&self) -> Builds {
        Builds {
            ctx: self.ctx.clone(),
        }
    }

    /// Persisted browser contexts: create, get, update (a fresh upload key), delete.
    pub fn contexts(&self) -> Contexts {
        Contexts {
            ctx: self.ctx.clone(),
        }
    }

    /// Browser extensions: upload a `.zip` (streamed), get, delete.
    pub fn extensions(&self) -> Extensions {
        Extensions {
            ctx: self.ctx.clone(),
        }
    }

    /// CA certificates for proxies: upload a PEM file, list, get, delete.
    pub fn certificates(&self) -> Certificates {
        Certificates {
            ctx: self.ctx.clone(),
        }
    }

    /// Files sessions downloaded: list, metadata, content (streamed, verified), delete, and all
    /// of a session's into a folder.
    pub fn downloads(&self) -> Downloads {
        Downloads {
            ctx: self.ctx.clone(),
        }
    }

    /// Projects: list, get, usage, and the concurrency that is invoke many's default limit.
    pub fn projects(&self) -> Projects {
        Projects {
            ctx: self.ctx.clone(),
        }
    }

    /// Browser sessions: create (with a guard that releases them), get, list and find orphans,
    /// release, and their evidence (live URLs, CDP logs, recording, replays, recording downloads).
    pub fn sessions(&self) -> crate::Sessions {
        crate::Sessions {
            ctx: self.ctx.clone(),
        }
    }

    /// Webhooks: register endpoints, list, get, update, delete, rotate their signing secret.
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.ctx.clone())
    }

    /// The client's webhook event hub: hand it each verified event your receiver gets, and waits
    /// made [`via`](crate::Wait::via) it end when their resource's terminal event arrives instead
    /// of polling. Every call returns the same hub. See [`WebhookHub`].
    pub fn webhook_events(&self) -> WebhookHub {
        self.ctx.events.clone()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.ctx.transport.base_url()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.ctx.transport;
        f.debug_struct("Client")
            .field("base_url", &t.base_url())
            .field("api_key", &t.api_key)
            .field("timeouts", &t.timeouts)
            .field("retry", &t.retry)
            .field("poll", &t.poll)
            .field("max_response_bytes", &t.max_response_bytes)
            .field("dev", &t.dev)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
///
/// ```
/// use bb_api_ext::{Client, RetryConfig, TimeoutConfig};
///
/// let client = Client::builder()
///     .api_key("bb_live_...")
///     .base_url("https://api.browserbase.com/")
///     .timeouts(TimeoutConfig::default())
///     .retry(RetryConfig::default().with_max_retries(3))
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.browserbase.com");
/// # Ok::<(), bb_api_ext::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    timeouts: TimeoutConfig,
    retry: RetryConfig,
    poll: PollSchedule,
    max_polls_in_flight: Option<usize>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_bytes: Option<usize>,
    dev: bool,
    coordinator: Option<Arc<dyn crate::coordination::Coordinator>>,
    #[cfg(feature = "params-check")]
    check_params: bool,
    #[cfg(feature = "params-check")]
    params_schema_ttl: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The default response size limit: 16 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

    /// A builder with the API key from `BROWSERBASE_API_KEY` (required, non-empty) and the base URL
    /// from `BROWSERBASE_BASE_URL` (if set and non-empty).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let key = get(API_KEY_ENV)
            .filter(|k| !k.trim().is_empty())
            .ok_or(ConfigError::MissingEnv(API_KEY_ENV))?;
        let mut builder = Self::default().api_key(key);
        if let Some(url) = get(BASE_URL_ENV).filter(|u| !u.trim().is_empty()) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// The API key, sent as `X-BB-API-Key`.
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default `https://api.browserbase.com`); a trailing slash makes no difference.
    /// Plain `http` is refused except to a loopback address, unless [`Self::allow_insecure_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Talks to the local development server `bb dev` at `url` (its default is
    /// [`DEV_SERVER_URL`]; [`Client::dev`] is this with that address). No API key is needed, and
    /// none is sent even if one is set.
    ///
    /// `bb dev` serves one operation: invoke by name (`POST /v1/functions/{name}/invoke`), answered
    /// when the handler returns. Invokes keep their production API: `send_and_wait` (and
    /// [`crate::TypedFunction`]) return the invocation `COMPLETED` with the handler's return value
    /// as `results`, and `send` returns it ended too. A handler that throws is
    /// [`Error::InvocationFailed`] with the handler's error (type, message and stack trace) as the
    /// cause's message; a name the entrypoint does not define is [`Error::DevMode`]
    /// ([`DevModeError::FunctionNotFound`](crate::DevModeError::FunctionNotFound)); the server's
    /// 503 (it runs one invocation at a time) is waited out with backoff within the invoke's wait
    /// limit; a 400 is [`Error::Api`] with the server's validation message. Invoking by id, and
    /// every other call (lists, gets, logs, builds, webhooks, secrets), fails at once with
    /// [`Error::DevMode`] and sends nothing. The params check ([`crate::Invoke::check_params`])
    /// is skipped: `bb dev` publishes no versions to check against, and does not validate params.
    ///
    /// What `bb dev` ignores: `sessionCreateParams` (it creates the session from the Function's
    /// own `sessionConfig`). These facts come from the `@browserbasehq/sdk-functions` 1.0.2 source;
    /// Browserbase documents `bb dev` only as "invoke locally" with `curl`.
    pub fn dev_server(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self.dev = true;
        self
    }

    /// Allows a plain-http base URL to a non-loopback host, which sends the API key unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Timeouts.
    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// How often every wait of this client polls (default [`PollSchedule::default`]); a wait can
    /// still set its own. Tests against a local server use a few milliseconds.
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = poll;
        self
    }

    /// The most polls of this client's waits in flight at once (default 64; 0 is taken as 1).
    /// Thousands of waits whose polls fall due together would otherwise each hold a connection;
    /// a poll that finds them all taken waits its turn, within its wait's deadline. Raise it for
    /// many waits against a slow server.
    pub fn max_polls_in_flight(mut self, n: usize) -> Self {
        self.max_polls_in_flight = Some(n);
        self
    }

    /// The largest successful response body accepted (default 16 MiB); a larger one is a
    /// [`Error::Decode`] rather than unbounded memory.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = Some(n);
        self
    }

    /// Checks the params of every invoke against the Function's published schema before sending it
    /// (default: off); a call can still say otherwise. See [`crate::Invoke::check_params`].
    #[cfg(feature = "params-check")]
    pub fn check_params(mut self, check: bool) -> Self {
        self.check_params = check;
        self
    }

    /// How long a Function's params schema, once fetched for the check, is used before it is
    /// fetched again (default 5 minutes): a newly published version is checked against at most this
    /// long after it was published. Zero fetches it for every invoke. At most 256 Functions' schemas
    /// are kept per client; past that the oldest is dropped.
    #[cfg(feature = "params-check")]
    pub fn params_schema_ttl(mut self, ttl: Duration) -> Self {
        self.params_schema_ttl = Some(ttl);
        self
    }

    /// Uses this `reqwest::Client` (its pool, proxy and TLS settings) instead of building one. Its
    /// own connect timeout applies; the attempt and overall timeouts still apply per request.
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: reqwest's default policy would
    /// forward the `X-BB-API-Key` header to any origin a redirect names.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Shares this client's concurrency budget, 429 pauses and webhook events with other
    /// processes (see [`crate::Coordinator`]; on Redis, `replicas::Replica`, feature `redis`):
    /// invocations it waits for take a place in the shared budget first and wait on events
    /// received by any process.
    pub fn coordinator(mut self, coordinator: impl crate::Coordinator) -> Self {
        self.coordinator = Some(Arc::new(coordinator));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        // The dev server takes no key: none is needed, and a key that is set is never sent.
        let api_key = match self.api_key {
            None if self.dev => ApiKey::new(""),
            key => key.ok_or(ConfigError::MissingApiKey)?,
        };
        if !self.dev && api_key.expose().trim().is_empty() {
            return Err(ConfigError::MissingApiKey.into());
        }
        let mut api_key_header = if self.dev {
            HeaderValue::from_static("")
        } else {
            HeaderValue::from_str(api_key.expose()).map_err(|_| ConfigError::InvalidApiKey)?
        };
        api_key_header.set_sensitive(true);

        let base = parse_base(&check_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?)?;

        let user_agent = HeaderValue::from_static(USER_AGENT);
        let (http, user_agent) = match self.http {
            Some(http) => (http, Some(user_agent)),
            None => {
                let http = reqwest::Client::builder()
                    .user_agent(USER_AGENT)
                    .connect_timeout(self.timeouts.connect())
                    // The API does not redirect, and reqwest would carry X-BB-API-Key (not a
                    // standard credential header) to whatever origin a redirect names.
                    .redirect(reqwest::redirect::Policy::none())
                    .pool_idle_timeout(Duration::from_secs(60))
                    .build()
                    .map_err(ConfigError::HttpClient)?;
                (http, None)
            }
        };
        let gate = Arc::new(crate::transport::RateGate::new());
        #[cfg_attr(not(feature = "params-check"), allow(unused_mut))]
        let mut ctx = Context::new(
            Transport {
                http,
                api_key,
                api_key_header,
                user_agent,
                base,
                timeouts: self.timeouts,
                retry: self.retry,
                poll: self.poll,
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(Self::DEFAULT_MAX_RESPONSE_BYTES),
                gate: Arc::clone(&gate),
                coordinator: self.coordinator.clone(),
                anchor: crate::transport::TimerAnchor::new(
                    self.timeouts.attempt().min(self.timeouts.overall()),
                ),
                dev: self.dev,
            },
            self.max_polls_in_flight
                .unwrap_or(crate::wait::MAX_POLLS_IN_FLIGHT),
        );
        #[cfg(feature = "params-check")]
        {
            ctx.check_params = self.check_params;
            ctx.schemas = crate::schema_cache::SchemaCache::new(
                self.params_schema_ttl
                    .unwrap_or(crate::schema_cache::DEFAULT_SCHEMA_TTL),
            );
        }
        if let Some(c) = &self.coordinator {
            c.attach(crate::coordination::Attached {
                hub: ctx.events.clone(),
                pause: crate::coordination::PauseHandle(gate),
            });
        }
        Ok(Client { ctx: Arc::new(ctx) })
    }
}

/// `bb-api-ext/<version>`.
pub const USER_AGENT: &str = concat!("bb-api-ext/", env!("CARGO_PKG_VERSION"));

fn check_base_url(raw: &str, allow_insecure_http: bool) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        url: shown_url(raw),
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(&url) && !allow_insecure_http {
                return Err(ConfigError::InsecureBaseUrl(shown_url(raw)));
            }
        }
        other => {
            return Err(invalid(&format!(
                "scheme must be https (or http to loopback), not {other:?}"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The checked base URL as a [`reqwest::Url`] that request paths can be appended to.
fn parse_base(base_url: &str) -> Result<reqwest::Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: base_url.to_owned(),
        reason,
    };
    let base = reqwest::Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
    if base.cannot_be_a_base() {
        return Err(invalid("it cannot have a path".to_owned()));
    }
    Ok(base)
}

/// The URL for an error message, with any userinfo dropped.
fn shown_url(raw: &str) -> String {
    crate::secret::without_credentials(raw).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_normalisation() {
        for (raw, want) in [
            ("https://api.browserbase.com", "https://api.browserbase.com"),
            (
                "https://api.browserbase.com/",
                "https://api.browserbase.com",
            ),
            ("https://gw.example.com/bb/", "https://gw.example.com/bb"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("http://localhost:1", "http://localhost:1"),
            ("http://[::1]:9", "http://[::1]:9"),
        ] {
            assert_eq!(
                check_base_url(raw, false).ok().as_deref(),
                Some(want),
                "{raw}"
            );
        }
    }

    #[test]
    fn endpoints_match_the_base_url_text() {
        for base in [
            "https://api.browserbase.com",
            "https://api.browserbase.com/",
            "https://gw.example.com/bb/",
            "https://gw.example.com/bb//",
            "https://gw.example.com/a%20b/",
            "http://127.0.0.1:8080/",
            "http://[::1]:9",
        ] {
            let client = Client::builder()
                .api_key("k")
                .base_url(base)
                .build()
                .expect("valid base URL");
            let id = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
            let url = client
                .ctx
                .transport
                .url(&crate::transport::operation::FUNCTIONS_INVOKE, &[id])
                .expect("an endpoint");
            assert_eq!(
                url.as_str(),
                format!("{}/v1/functions/{id}/invoke", client.base_url()),
                "{base}"
            );
        }
    }

    #[test]
    fn base_url_refusals() {
        assert!(matches!(
            check_base_url("http://api.example.com", false),
            Err(ConfigError::InsecureBaseUrl(_))
        ));
        assert!(check_base_url("http://api.example.com", true).is_ok());
        assert!(matches!(
            check_base_url("ftp://x", false),
            Err(ConfigError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            check_base_url("not a url", false),
            Err(ConfigError::InvalidBaseUrl { .. })
        ));
        let err =
            check_base_url("https://user:hunter2@api.example.com", false).expect_err("credentials");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(check_base_url("https://x.com/?a=1", false).is_err());
    }

    #[test]
    fn from_env_requires_a_key() {
        let err = ClientBuilder::from_env_with(|_| None).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "environment variable BROWSERBASE_API_KEY is not set or empty; set it to your Browserbase API key"
        );
        let err = ClientBuilder::from_env_with(|n| (n == API_KEY_ENV).then(|| "  ".to_owned()))
            .expect_err("empty");
        assert!(matches!(err, ConfigError::MissingEnv(API_KEY_ENV)));
        let client = ClientBuilder::from_env_with(|n| match n {
            API_KEY_ENV => Some("k".into()),
            BASE_URL_ENV => Some("http://127.0.0.1:9/".into()),
            _ => None,
        })
        .and_then(|b| b.build().map_err(|_| ConfigError::MissingApiKey))
        .expect("configured");
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn debug_redacts_the_key() {
        let client = Client::builder()
            .api_key("bb_live_secret_value")
            .build()
            .expect("builds");
        let shown = format!(
            "{client:?} {:?}",
            Client::builder().api_key("bb_live_secret_value")
        );
        assert!(!shown.contains("bb_live_secret_value"), "{shown}");
        assert!(shown.contains("ApiKey([REDACTED])"), "{shown}");
    }
}
