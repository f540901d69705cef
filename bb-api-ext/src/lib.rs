//! A typed, validated client for the [Browserbase](https://browserbase.com) Functions API.
//!
//! Invoke a deployed Function with parameters and session settings, get the invocation back, and
//! wait for its result, with every request checked before a byte leaves the machine, retries that
//! never run a Function twice by accident, and errors that say what to do next.
//!
//! # Quick start
//!
//! ```no_run
//! use bb_api_ext::{BrowserSettings, Client, Geolocation, Proxy, SessionCreateParams};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?; // BROWSERBASE_API_KEY
//!
//! let invocation = client
//!     .functions()
//!     .invoke("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
//!     .params(serde_json::json!({"url": "https://news.ycombinator.com"}))
//!     .session(
//!         SessionCreateParams::builder()
//!             .timeout_secs(300)
//!             .browser_settings(BrowserSettings::new().block_ads(true))
//!             .proxies([Proxy::browserbase().geolocation(Geolocation::country("US").state("NY"))]),
//!     )
//!     .send_and_wait()
//!     .await?;
//!
//! #[derive(serde::Deserialize)]
//! struct Output { titles: Vec<String> }
//! use bb_api_ext::InvocationExt;
//! if let Some(out) = invocation.results_as::<Output>()? {
//!     println!("{} titles", out.titles.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # What it guarantees
//!
//! - **Validated before sending**: every rule of the API (timeout range, ISO country codes, US
//!   states only with country US, proxy URLs, viewport sizes, domain names, the 64 KiB params
//!   limit…) is checked in one pass; [`Error::Validation`] lists every violation with its JSON path.
//! - **Only what you set is sent**: the server merges session settings over the Function's own,
//!   so no default is filled in client-side.
//! - **Safe retries**: reads retry on transient failures; an invoke retries only where the server
//!   cannot have started it (see [`RetryConfig`] and [`InvokeRetry`]).
//! - **Tolerant reading**: statuses, cause codes and event types newer than this client decode as
//!   `Unknown(..)`; unknown fields are ignored; timestamps a pending resource lacks are optional.
//! - **Bounded**: connect, attempt and overall timeouts ([`TimeoutConfig`]); response bodies are read
//!   up to a limit; error bodies are kept as a short snippet.
//! - **Secrets stay secret**: the API key, proxy passwords, webhook signing secrets, session
//!   signing keys and connect URLs never appear in `Debug`, errors or logs.
//!
//! # What it covers
//!
//! [`Client::functions`] (list, get by id or name, invoke, invoke many, versions, secrets),
//! [`Client::versions`], [`Client::invocations`] (get, logs, wait), [`Client::builds`] (list, get,
//! logs, wait), what a session uses: [`Client::contexts`], [`Client::extensions`] and
//! [`Client::certificates`] (uploads stream), [`Client::downloads`] (streamed to disk, SHA-256
//! verified) and [`Client::projects`] (the concurrency that bounds invoke many),
//! [`Client::sessions`] (create with a release guard, get, list and find orphans,
//! release and wait, and a session's evidence: live URLs, CDP logs, recording, replays, recording
//! downloads; [`Invocations::evidence`] gathers a failed invocation's), [`Client::webhooks`] (register, list, get, update, delete, rotate the signing
//! secret), [`webhooks`] (verify deliveries, typed events, dedup, and waits that end on webhook
//! events instead of polling: [`Client::webhook_events`], [`Wait::via`]) and, with the `testing`
//! feature, a fake Browserbase server to test your own code against (`testing`), which also
//! delivers signed webhook events to receivers on loopback.
//!
//! Requests are traced with [tracing](https://docs.rs/tracing) spans named `bb_api.request`
//! (operation, id, attempt, status, latency, request id); retries log a warning with the error;
//! fan-out items run in `bb_api.fan_out` spans (index, Function id).
//!
//! # Params
//!
//! A Function publishes its params schema (zod's, as JSON Schema) on each version. With feature
//! `params-check`, [`Invoke::check_params`] (or [`ClientBuilder::check_params`] for every invoke)
//! checks the params against the newest version's schema before invoking: a typo is an
//! [`Error::Validation`] (`params.url: required property missing`) instead of a billed session
//! that fails with `WORKLOAD_ERROR`. [`Client::function`] gives a handle typed by its params and
//! results ([`TypedFunction`]); with feature `schemars`, [`TypedFunction::compatibility`] tells a
//! service's test suite whether its params type still fits the deployed Function.
//!
//! # Features
//!
//! | feature | what |
//! |---|---|
//! | `rustls` (default) / `native-tls` | TLS |
//! | `params-check` | params checked against the Function's schema ([`ParamsSchema`]), with the `jsonschema` crate |
//! | `schemars` | `JsonSchema` for the session settings, [`SessionCreateParams::preset_schema`], [`Compatibility`] |
//! | `testing` | [`testing::FakeBrowserbase`], a fake server to test code that uses this crate |

#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks feature-gated items with the features they need.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builds;
mod certificates;
mod client;
#[cfg(feature = "schemars")]
mod compat;
mod config;
mod context;
mod contexts;
mod coordination;
mod crypto;
mod dev;
mod dev_mode;
mod downloads;
mod error;
mod evidence;
mod extensions;
mod fanout;
mod files;
mod function_versions;
mod functions;
mod geo;
mod ids;
mod invocation;
mod invocations;
mod invoke;
mod paginate;
#[cfg(feature = "params-check")]
mod params_check;
#[cfg(feature = "params-check")]
mod params_schema;
#[cfg(feature = "schemars")]
mod preset_schema;
mod projects;
mod proxy;
#[cfg(feature = "redis")]
pub mod replicas;
mod resolve;
mod resource_ids;
mod results;
#[cfg(feature = "params-check")]
mod schema_cache;
mod secret;
mod secrets;
mod session;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;
mod timeout;
mod transport;
mod typed;
mod validate;
mod versions;
mod wait;
pub mod webhooks;

pub use bb_api::open::{
    FunctionBuildCauseCode, FunctionBuildStatus, InvocationCauseCode, InvocationStatus,
    RecordingDownloadStatus, SessionRegion, SessionStatus,
};
pub use bb_api::session_secret::{SessionConnectUrl, SessionSigningKey};
pub use bb_api::types::{
    Certificate, Context as ContextInfo, Extension as UploadedExtension, Project, ProjectUsage,
};
pub use bb_api::types::{
    Function, FunctionBuild, FunctionBuildCause, FunctionBuildLog, FunctionBuildRequest,
    FunctionBuildsGetLogsResponse as BuildLogs, FunctionVersion, Invocation, InvocationCause,
    InvocationLog, InvocationsGetLogsResponse as InvocationLogs, RecordingDownload, ReplayPage,
    Secret, Session, SessionLiveUrls, SessionLog, SessionsCreateResponse as CreatedSession,
    SessionsGetReplayResponse as Replays, SessionsGetResponse as SessionDetails,
};
pub use builds::{BuildList, Builds, DEFAULT_BUILD_WAIT};
pub use certificates::{Certificates, MAX_CERTIFICATE_BYTES};
pub use client::{
    API_KEY_ENV, BASE_URL_ENV, Client, ClientBuilder, DEFAULT_BASE_URL, DEV_SERVER_URL, USER_AGENT,
};
#[cfg(feature = "schemars")]
pub use compat::{Compatibility, Finding, Severity};
pub use config::{InvokeRetry, PollSchedule, RetryConfig, TimeoutConfig};
pub use contexts::{CipherAlgorithm, ContextKeys, Contexts, UploadUrl};
pub use coordination::{Attached, Coordinator, Lease, PauseHandle};
pub use dev_mode::DevModeError;
pub use downloads::{Download, DownloadList, Downloads};
pub use error::{
    ApiError, BodySnippet, ConcurrencyLimit, ConfigError, Corruption, DecodeError, Error,
    TimeoutKind,
};
pub use evidence::{DEFAULT_EVIDENCE_WAIT, EvidenceRequest, Manifest, ManifestFile, MissingPart};
pub use extensions::{Extensions, MAX_EXTENSION_BYTES};
pub use fanout::{DEFAULT_CONCURRENCY, FanOut, FanOutItem, Progress};
pub use files::FileSource;
pub use functions::{FunctionVersions, Functions, OffsetList};
pub use ids::{FunctionRef, IdInput};
pub use invocation::InvocationExt;
pub use invocations::Invocations;
pub use invoke::{Invoke, MAX_PARAMS_BYTES, PreparedInvoke};
pub use paginate::{CursorPage, ListStream, Page};
#[cfg(feature = "params-check")]
pub use params_schema::{InvalidSchema, ParamsSchema};
pub use projects::Projects;
pub use proxy::{BrowserbaseProxy, ExternalProxy, Geolocation, NoneProxy, Proxies, Proxy};
pub use resource_ids::{CertificateId, ContextId, DownloadId, ExtensionId, ProjectId};
pub use secret::{ApiKey, ProxyPassword};
pub use secrets::{FunctionSecrets, SecretList};
pub use session::{
    BrowserSettings, BrowserSize, Extension, Os, ProxySettings, SessionCreateParams,
    SessionCreateParamsBuilder, SessionSettings,
};
pub use sessions::{
    DEFAULT_RECORDING_WAIT, DEFAULT_RELEASE_WAIT, RecordingDownloads, ScopedSession, SessionGuard,
    SessionHandle, SessionList, Sessions, is_under_base_url, recording_page_file_name,
};
pub use timeout::{InvalidValue, SessionTimeout};
pub use typed::{TypedFunction, TypedInvoke};
pub use validate::{ValidationErrors, Violation};
pub use versions::{VersionInvocations, Versions};
pub use wait::Wait;

/// Types that appear in this crate's signatures, re-exported so callers need not depend on their
/// crates to name them.
pub use bytes::Bytes;
pub use chrono::{DateTime, Utc};
pub use futures_util::{Stream, StreamExt};
/// The HTTP client underneath ([`ClientBuilder::http_client`] takes its `Client`); its `HeaderMap`
/// and `StatusCode` are the `http` crate's, the types axum and hyper use too.
pub use reqwest;
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use serde_json::Value;
pub use uuid::Uuid;
