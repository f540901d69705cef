//! A fake Browserbase server on 127.0.0.1 to test code that uses this crate (feature `testing`).
//!
//! [`FakeBrowserbase`] serves every Functions and Webhooks operation of the API with its paths,
//! query parameters, envelopes and statuses, and keeps state: Functions you script with
//! [`FunctionScript`] are invoked and move `PENDING` → `RUNNING` → `COMPLETED` or `FAILED` on the
//! clock, with results, causes and logs. It can inject faults ([`Fault`]) and records every request
//! ([`RecordedRequest`]) for assertions. [`FakeBrowserbase::demo`] starts it with the data set in
//! [`demo`]; the crate's `invoke` example and benchmarks run against it. It delivers signed
//! webhook events to receivers on loopback (see [Webhook deliveries](#webhook-deliveries)).
//!
//! ```
//! use bb_api_ext::testing::{FakeBrowserbase, FunctionScript};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeBrowserbase::start().await?;
//! let scrape = fake.add_function(
//!     FunctionScript::new("scrape-title").with_results(json!({"title": "Example Domain"})),
//! );
//!
//! let client = fake.client();
//! let invocation = client
//!     .functions()
//!     .invoke(scrape.function_id)
//!     .params(json!({"url": "https://example.com"}))
//!     .send()
//!     .await?;
//! assert_eq!(invocation.status.as_str(), "PENDING");
//! // This script runs for no time: the next read finds it done.
//! let done = client.invocations().get(invocation.id).await?;
//! assert_eq!(done.results, Some(json!({"title": "Example Domain"})));
//!
//! let invokes = fake.requests_to("POST", "/v1/functions/");
//! assert_eq!(invokes[0].header("x-bb-api-key"), Some("[REDACTED]"));
//! # Ok(()) }
//! ```
//!
//! [`FakeDevServer`] stands in for the local development server `bb dev` instead (see
//! [`crate::ClientBuilder::dev_server`]).
//! # Conventions
//!
//! What the fake hands back as a record of what happened ([`Published`], [`RecordedRequest`],
//! [`DeliveryAttempt`]) is plain data with public fields, `#[non_exhaustive]` so fields can be
//! added; their methods only compute (a case-insensitive [`RecordedRequest::header`] lookup, the
//! body parsed as JSON). What you configure ([`FakeConfig`], [`FunctionScript`]) has `with_x`
//! builders and `x()` accessors. Types of other crates in these signatures are re-exported at
//! the crate root ([`crate::StatusCode`], [`crate::HeaderMap`], [`crate::Bytes`]).
//!
//! # Faults
//!
//! [`FakeBrowserbase::inject`] faults the next requests whatever they are, and a client call may
//! make several (invoking by name lists Functions first); [`FakeBrowserbase::inject_for_invoke`]
//! faults one Function's invokes only, [`FakeBrowserbase::inject_for`] one operation.
//!
//! # Time
//!
//! The fake's clock is tokio's ([`tokio::time::Instant`]) plus what [`FakeBrowserbase::advance`]
//! added. Under tokio's paused clock (`#[tokio::test(start_paused = true)]`, the fake started
//! inside the test) a scripted run of minutes costs no real time: tokio moves the clock only when
//! no task can run, and over loopback the fake's answer is ready by the time tokio looks (a task
//! woken by I/O holds the clock), so `send_and_wait` returns as soon as its polls have slept past
//! the script. With real time, `advance` skips ahead instead.
//!
//! # Webhook deliveries
//!
//! A webhook registered through the API (`client.webhooks().create(…)`) with a plain-http
//! loopback endpoint (`http://127.0.0.1:PORT/…`, `http://localhost:PORT/…`; the fake accepts
//! those, the real service does not) receives the events of the invocations the fake runs, as
//! Browserbase sends them: `POST` of `{"id", "type", "resourceId", "data"}` with `data` the
//! invocation as a get returns it, headers `webhook-id`, `webhook-timestamp` and
//! `webhook-signature` (signed with [`crate::webhooks::sign`] by the current secret and any
//! rotated-out one still in its grace window), one event per transition and subscribed type, in
//! no guaranteed order. A delivery not answered 2xx is retried after 50 ms, 250 ms and 1 s, then
//! dropped (lost); [`FakeConfig::with_duplicate_deliveries`] sends every event a second time.
//! [`FakeBrowserbase::deliveries`] lists the attempts. Events for `https://` endpoints are never
//! sent anywhere. Transitions are noticed on the fake's clock by a background task, so events
//! arrive with no request to the fake; without a registered webhook that task sets no timer.
//!
//! # Sessions
//!
//! Sessions created through the API start `RUNNING`, read `COMPLETED` after a release, and
//! `TIMED_OUT` once their timeout passes on the fake's clock; every invocation runs in a session
//! (its `sessionId`), `RUNNING` while it runs and `COMPLETED` after. Each has live URLs, two CDP log
//! entries, three rrweb events and one replay page (m3u8). Recording downloads answer 409 while
//! the session runs and 422 when `recordSession` was off; once requested they become `COMPLETED`
//! on the third poll, with a `downloadUrl` on the fake's *other* host name (`localhost` when the
//! client uses `127.0.0.1`), served at `/presigned/…` without an API key, so a test can check
//! that the key is never sent there.
//!
//! # Contexts, extensions, certificates, downloads, projects
//!
//! Served from one generic resource store (UUID ids, timestamps, 404s naming the id, offset pages
//! of at most 100): uploads must be `multipart/form-data` with exactly one part `file` carrying a
//! file name (an extension's ending `.zip`, a certificate's holding a PEM `CERTIFICATE` block).
//! Uploads stream through the parser in bounded memory, up to 512 MiB (the API's 256 MiB extension
//! maximum plus room); a [`RecordedRequest`]'s body keeps an upload of at most 4 MiB and is empty
//! above. Every other request body is read whole, up to 4 MiB (413 above). A download's `checksum` is the real SHA-256 of its content,
//! which `GET /v1/downloads/{id}` returns with `Accept: application/octet-stream` (metadata
//! otherwise). Files come from [`FakeBrowserbase::add_download`], or from invocations of a script
//! with [`FunctionScript::with_download`], listed once the invocation ends (as downloads sync
//! after a session). [`FakeBrowserbase::corrupt_download`] serves one wrong;
//! [`FakeBrowserbase::set_project_concurrency`] sets the project's concurrency and answers invokes
//! beyond it `429` as Browserbase does. The one project is [`PROJECT_ID`].
//!
//! # What it does not do
//!
//! Build events are not emitted (a published build is complete at once); builds cannot be
//! uploaded (`POST /v1/functions/builds` is not in the spec); `sessionCreateParams` are checked
//! only for `timeout`.

mod area_store;
mod areas;
mod deliver;
mod delivery_log;
mod dev_server;
mod faults;
mod params;
mod record;
mod routes;
mod script;
mod server;
mod session_store;
mod sessions;
mod state;
mod store;

pub mod demo;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use area_store::DownloadCorruption;
pub use delivery_log::DeliveryAttempt;
pub use dev_server::{DevHandler, FakeDevServer};
pub use faults::Fault;
pub use record::{REDACTED, RecordedRequest};
pub use routes::Operation;
pub use script::{FunctionScript, Outcome, Published};
pub use state::PROJECT_ID;

use crate::{Client, ClientBuilder};
use script::Ended;
use server::{Fixed, Shared};
use state::{ProjectSecret, Run, State};

/// How to start a [`FakeBrowserbase`].
///
/// ```
/// use bb_api_ext::testing::FakeConfig;
///
/// let config = FakeConfig::demo().with_max_page_size(2);
/// assert_eq!(config.max_page_size(), Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeConfig {
    port: u16,
    demo: bool,
    fixed: bool,
    max_page_size: Option<usize>,
    duplicate_deliveries: bool,
    project_concurrency: Option<usize>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self::empty()
    }
}

impl FakeConfig {
    /// An empty project, pages as large as `limit` asks.
    pub fn empty() -> Self {
        Self {
            port: 0,
            demo: false,
            fixed: false,
            max_page_size: None,
            duplicate_deliveries: false,
            project_concurrency: None,
        }
    }

    /// The [`demo`] data set, with pages of at most [`demo::MAX_PAGE_SIZE`] items.
    pub fn demo() -> Self {
        Self {
            demo: true,
            max_page_size: Some(demo::MAX_PAGE_SIZE),
            ..Self::empty()
        }
    }

    /// The benchmarks' floor: every invoke answers `202` with one pre-serialized `PENDING`
    /// invocation and every invocation get `200` with one `COMPLETED` invocation, for any id,
    /// without state or recording, checking only that an API key is present (any key). Other
    /// operations are served as by an empty fake.
    pub fn fixed() -> Self {
        Self {
            fixed: true,
            ..Self::empty()
        }
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The most items one page holds, whatever `limit` asks (at least 1; default: no cap below
    /// the API's own maximum). The real service may also answer with fewer items than `limit`:
    /// a client must page by `total` or `nextCursor`, not by a short page.
    pub fn with_max_page_size(mut self, n: usize) -> Self {
        self.max_page_size = Some(n.max(1));
        self
    }

    /// Sends every delivered webhook event twice (the second copy after the first was
    /// acknowledged, with the same event id), as Browserbase may: for testing deduplication.
    pub fn with_duplicate_deliveries(mut self, duplicate: bool) -> Self {
        self.duplicate_deliveries = duplicate;
        self
    }

    /// Limits the project to `limit` invocations pending or running at once, as
    /// [`FakeBrowserbase::set_project_concurrency`] does from the start
    /// ([`FakeBrowserbase::project_concurrency_stats`] counts them).
    pub fn with_project_concurrency(mut self, limit: usize) -> Self {
        self.project_concurrency = Some(limit);
        self
    }

    /// Whether delivered events are sent twice.
    pub fn duplicate_deliveries(&self) -> bool {
        self.duplicate_deliveries
    }

    /// The port asked for (0: any).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The page cap, if any.
    pub fn max_page_size(&self) -> Option<usize> {
        self.max_page_size
    }
}

/// A fake Browserbase API on `http://127.0.0.1:PORT`; stops when dropped. See the
/// [module docs](self).
///
/// It runs on the tokio runtime that starts it: start it inside `#[tokio::test]` (or the
/// runtime that drives the client). Every request needs `X-BB-API-Key:`
/// [`FakeBrowserbase::API_KEY`], else `401`; a path that is no API operation gets `404` with a
/// message saying it was UNMATCHED, which an unknown id never does.
pub struct FakeBrowserbase {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    stop: Option<watch::Sender<()>>,
    task: Option<JoinHandle<()>>,
    delivery: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeBrowserbase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeBrowserbase")
            .field("url", &self.url)
            .field("fixed", &self.shared.fixed.is_some())
            .finish_non_exhaustive()
    }
}

impl FakeBrowserbase {
    /// The API key the fake accepts.
    pub const API_KEY: &'static str = "bb_test_fake_0123456789abcdef";

    /// Starts an empty fake: no Functions, secrets or webhooks.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(FakeConfig::empty()).await
    }

    /// Starts a fake holding the [`demo`] data set, with short pages.
    pub async fn demo() -> std::io::Result<Self> {
        Self::start_with(FakeConfig::demo()).await
    }

    /// Starts a fake in the benchmarks' fixed mode (see [`FakeConfig::fixed`]).
    pub async fn fixed() -> std::io::Result<Self> {
        Self::start_with(FakeConfig::fixed()).await
    }

    /// Starts a fake configured by `config`.
    pub async fn start_with(config: FakeConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let mut state = State::new(config.max_page_size.unwrap_or(usize::MAX));
        if let Some(limit) = config.project_concurrency {
            state.areas.set_concurrency(limit as u64);
        }
        if config.demo {
            demo::seed(&mut state);
        }
        let fixed = config.fixed.then(|| fixed_bodies(&mut state));
        let shared = Arc::new(Shared {
            api_key: Self::API_KEY,
            state: Mutex::new(state),
            faults: faults::Faults::default(),
            recorder: record::Recorder::default(),
            duplicate_deliveries: config.duplicate_deliveries,
            wake: tokio::sync::Notify::new(),
            delivery_log: delivery_log::DeliveryLog::default(),
            fixed,
        });
        let (stop, stopped) = watch::channel(());
        // The benchmarks' fixed mode keeps no state, so it has nothing to deliver.
        let delivery = (shared.fixed.is_none())
            .then(|| tokio::spawn(deliver::run(Arc::clone(&shared), stopped.clone())));
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            shared,
            stop: Some(stop),
            task: Some(task),
            delivery,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts ([`Self::API_KEY`]).
    pub fn api_key(&self) -> &'static str {
        Self::API_KEY
    }

    /// A client builder pointed at the fake with its key, to configure further.
    ///
    /// Waits keep the default poll schedule (the first poll after 1 s), so examples show the
    /// requests a real client would make; tests on a real clock set a quick one with
    /// `.poll_schedule(PollSchedule::every(Duration::from_millis(10)))`, and tests under tokio's
    /// paused clock need none.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder().api_key(Self::API_KEY).base_url(&self.url)
    }

    /// A client for the fake, with the default settings otherwise.
    ///
    /// # Panics
    ///
    /// If the client cannot be built, which a loopback `http` URL and a fixed key never cause.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(c) => c,
            Err(e) => panic!("a client for the fake at {} should build: {e}", self.url),
        }
    }

    /// Publishes `script`: a new Function when its name is new, else a new version of the
    /// Function with that name (its id stays), which from now on is the one that runs.
    pub fn add_function(&self, script: FunctionScript) -> Published {
        let mut state = self.shared.state();
        let now = state.clock.now();
        let (function_id, version_id, build_id) = state.publish(script, now);
        Published {
            function_id,
            version_id,
            build_id,
        }
    }

    /// The id of the Function named `name`.
    pub fn function_id(&self, name: &str) -> Option<Uuid> {
        self.shared.state().function_named(name).map(|f| f.id)
    }

    /// Adds a project secret stored under `key` (the name a Function reads it by); returns its id,
    /// which `POST /v1/functions/{id}/secrets` takes as `secretId`.
    pub fn add_secret(&self, key: impl Into<String>) -> Uuid {
        let id = Uuid::new_v4();
        self.shared.state().secrets.push(ProjectSecret {
            id,
            key: key.into(),
        });
        id
    }

    /// Moves the fake's clock forward by `by`: invocations progress as if that time had passed.
    pub fn advance(&self, by: Duration) {
        self.shared.state().clock.advance(by);
        self.shared.wake.notify_one();
    }

    /// Answers the next `times` requests, to any operation (or to none), with `fault`.
    ///
    /// Every request counts, and one call of the client may make several: invoking a Function
    /// *by name* first lists Functions to find its id (`GET /v1/functions`), a request of its
    /// own that takes the fault before the invoke is sent. To fault the invoke itself, use
    /// [`Self::inject_for_invoke`] (one Function) or [`Self::inject_for`] with
    /// [`Operation::FunctionsInvoke`] (any Function).
    pub fn inject(&self, fault: Fault, times: usize) {
        self.shared.faults.arm(None, None, fault, times);
    }

    /// Answers the next `times` requests to `operation` with `fault`. Faults are used in the
    /// order they were injected.
    pub fn inject_for(&self, operation: Operation, fault: Fault, times: usize) {
        self.shared.faults.arm(Some(operation), None, fault, times);
    }

    /// Answers the next `times` invokes of the Function `function_id` (the id
    /// [`add_function`](Self::add_function) returned) with `fault`; its name lookup, other
    /// Functions and every other request are served.
    ///
    /// ```
    /// use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeBrowserbase::start().await?;
    /// let scrape = fake.add_function(FunctionScript::new("scrape-title"));
    /// fake.inject_for_invoke(scrape.function_id, Fault::RateLimited { retry_after_secs: 0 }, 1);
    ///
    /// // By name: the lookup is served, the invoke gets one 429, the client retries it.
    /// let invocation = fake.client().functions().invoke("scrape-title").send().await?;
    /// assert_eq!(fake.requests_to("POST", "/v1/functions/").len(), 2);
    /// # let _ = invocation;
    /// # Ok(()) }
    /// ```
    pub fn inject_for_invoke(&self, function_id: Uuid, fault: Fault, times: usize) {
        self.shared.faults.arm(
            Some(Operation::FunctionsInvoke),
            Some(function_id),
            fault,
            times,
        );
    }

    /// Removes every injected fault not used yet.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The most invocations pending or running at once so far, and how many invokes were
    /// answered 429 for the project's concurrency limit
    /// ([`FakeConfig::with_project_concurrency`] or [`Self::set_project_concurrency`]; both 0
    /// without a limit).
    pub fn project_concurrency_stats(&self) -> (usize, u64) {
        let state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (state.areas.peak, state.areas.rejected)
    }

    /// Every request received so far (the last 10,000), oldest first; none in fixed mode.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.all()
    }

    /// The requests with this method (any case) whose path starts with `path_prefix`.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        self.shared
            .recorder
            .all()
            .into_iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .collect()
    }

    /// How many requests to `operation` it has received since it started (outside fixed mode),
    /// counted as [`Self::requests_received`] counts them all.
    pub fn request_count(&self, operation: Operation) -> u64 {
        self.shared.recorder.count(Some(operation))
    }

    /// How many requests it has received since it started (outside fixed mode), including those
    /// [`Self::requests`] no longer lists and those [`Self::clear_requests`] forgot: for counting
    /// the requests of a large run.
    pub fn requests_received(&self) -> u64 {
        self.shared.recorder.total()
    }

    /// Every webhook delivery attempt so far (the last 10,000), oldest first.
    ///
    /// An attempt is listed from the moment it is sent, before its receiver sees the event: when
    /// a wait `.via(&hub)` ends on an event, its attempt is already here, possibly still
    /// [`in_flight`](DeliveryAttempt::in_flight) (no status yet). [`Self::settled_deliveries`]
    /// waits for the answers.
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.shared.delivery_log.all()
    }

    /// [`Self::deliveries`] once no attempt awaits its answer, or as they stand after `within`
    /// (a receiver has 15 s to answer): for assertions on statuses right after a wait.
    pub async fn settled_deliveries(&self, within: Duration) -> Vec<DeliveryAttempt> {
        self.shared.delivery_log.settled(within).await
    }

    /// Stores a file that session `session_id` downloaded (its checksum the real SHA-256 of
    /// `content`); returns the download's id. Scripts can leave downloads too:
    /// [`FunctionScript::with_download`].
    pub fn add_download(
        &self,
        session_id: impl std::fmt::Display,
        filename: &str,
        content: impl Into<Bytes>,
    ) -> String {
        let mut state = self.shared.state();
        let now = state.clock.now();
        state
            .areas
            .add_download(now, &session_id.to_string(), filename, content.into())
    }

    /// Serves download `id`'s content wrong from now on (its metadata stays right); `false` when
    /// there is no such download.
    pub fn corrupt_download(&self, id: &str, how: DownloadCorruption) -> bool {
        self.shared.state().areas.corrupt(id, how)
    }

    /// Sets the project's concurrency (reported by the projects operations; 10 until set), and
    /// from now on answers an invoke `429` "You've exceeded your max concurrent sessions limit
    /// (limit N, currently N)" while that many invocations are pending or running.
    pub fn set_project_concurrency(&self, limit: u64) {
        self.shared.state().areas.set_concurrency(limit);
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// Stops serving: closes the listener and every connection, and waits until they are gone.
    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(delivery) = self.delivery.take() {
            let _ = delivery.await;
        }
    }
}

impl Drop for FakeBrowserbase {
    fn drop(&mut self) {
        // Dropping the sender ends the accept loop, which then aborts every connection.
        self.stop.take();
    }
}

/// The fixed mode's two answers, from a throwaway Function of `state`.
fn fixed_bodies(state: &mut State) -> Fixed {
    let now = state.clock.now();
    let (_, version_id, _) = state.publish(FunctionScript::new("fixed"), now);
    let run = Run {
        time: Duration::ZERO,
        ended: Ended::Completed(Some(json!({"ok": true}))),
        logs: Vec::new(),
    };
    let id = state.start_invocation(version_id, Map::new(), Duration::from_secs(300), run);
    let body = |v: serde_json::Value| Bytes::from(v.to_string());
    match id.and_then(|id| state.invocations.get(&id)) {
        Some(inv) => Fixed {
            invoke: body(inv.accepted_json()),
            // As a get after its (zero) run time sees it.
            get: body(inv.json(inv.ends, true)),
        },
        None => Fixed {
            invoke: Bytes::new(),
            get: Bytes::new(),
        },
    }
}
