//! The one public error type and the metadata its cases carry.

use std::fmt;
use std::time::Duration;

use bb_api::types::{FunctionBuild, Invocation};
use uuid::Uuid;

use crate::validate::ValidationErrors;

/// Everything that can go wrong, by what a caller would do about it.
///
/// Each message reads once in any chain printer (`{}`, anyhow's `{:#}` and `{:?}`, eyre's `{:?}`):
/// a case whose cause is another error returns it from [`std::error::Error::source`] and leaves it
/// out of its own message, so print the chain to see it (see [`Error::Transport`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks the API's rules; nothing was sent. Fix every listed field.
    ///
    /// The violations are this error's message, not a separate cause: `source()` is `None`.
    #[error("invalid request, nothing was sent: {0}")]
    Validation(ValidationErrors),

    /// The client is misconfigured (missing API key, bad base URL); nothing was sent. Shows the
    /// [`ConfigError`]'s message, and its cause (if any) as `source()`.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// 401: the API key was missing or wrong. Check `BROWSERBASE_API_KEY`.
    #[error("unauthorized: check the API key (BROWSERBASE_API_KEY): {0}")]
    Unauthorized(ApiError),

    /// 403: the key may not do this (another project's Function, say).
    #[error("forbidden: the API key's project may not do this: {0}")]
    Forbidden(ApiError),

    /// 404: no such Function, version, invocation, build or secret. Check the id.
    #[error("not found: {0}; check the id")]
    NotFound(ApiError),

    /// No Function has this name in the API key's project.
    #[error(
        "no Function is named {name:?} in this project{}",
        fmt_similar(similar)
    )]
    FunctionNameNotFound {
        /// The name looked for.
        name: String,
        /// Names of the project's Functions that are close to it, closest first.
        similar: Vec<String>,
    },

    /// Several Functions have this name: use an id instead.
    #[error("{} Functions are named {name:?}: use one of their ids instead ({})", ids.len(), fmt_ids(ids))]
    FunctionNameAmbiguous {
        /// The name looked for.
        name: String,
        /// The ids of the Functions with that name.
        ids: Vec<Uuid>,
    },

    /// 429 after the retries the policy allows, or with a `Retry-After` longer than the client will
    /// wait. `retry_after` is the server's value, if it sent one.
    #[error("rate limited{}: {error}", fmt_retry_after(*.retry_after))]
    RateLimited {
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
        /// The response.
        error: ApiError,
    },

    /// 429 that reports the project's concurrent sessions limit (after the retries the policy
    /// allows): as many browser sessions run as the plan allows. The [`ConcurrencyLimit`] names
    /// the limit when the server's message gave a number.
    #[error(
        "the project's concurrent sessions limit{} is reached: {}; wait for a session to end, invoke fewer at once, or raise the limit",
        fmt_limit(.0.limit, .0.current), .0.error
    )]
    ConcurrencyLimited(Box<ConcurrencyLimit>),

    /// Any other unsuccessful status.
    #[error("{0}")]
    Api(ApiError),

    /// The API key sees no project or several, where its own project was asked for: name the
    /// project by id (one of `ids`).
    #[error("{}", if .ids.is_empty() { "the API key sees no project".to_owned() } else { format!("the API key sees {} projects ({}): name one by id", .ids.len(), .ids.join(", ")) })]
    AmbiguousProject {
        /// The projects the key sees.
        ids: Vec<String>,
    },

    /// A local file could not be read or written: an upload's source or a download's target.
    /// Nothing is left at a download's target path. The cause is `source()`.
    #[error("could not {action} {}", .path.as_ref().map_or_else(|| "the caller's stream".to_owned(), |p| p.display().to_string()))]
    File {
        /// What was being done: "read", "write", "create a file in".
        action: &'static str,
        /// The file (`None`: a reader or writer the caller gave).
        path: Option<std::path::PathBuf>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A download's content does not match its metadata; nothing was left at the target path.
    /// Download it again; if it fails the same way, the stored file itself is damaged.
    #[error("download {id} is corrupt: {problem}; nothing was kept, download it again")]
    CorruptDownload {
        /// The download.
        id: String,
        /// What did not match.
        problem: Corruption,
    },

    /// A connect, per-attempt or overall timeout fired. After a connect timeout nothing was sent;
    /// after the others the request may have reached the server (an invoke may have started).
    #[error("timed out: {}", fmt_timeout(.0))]
    Timeout(TimeoutKind),

    /// The connection failed. `request_sent` says whether the request may have reached the server
    /// (an invoke that may have been sent is not retried by default: it could run twice). The
    /// cause (connection refused, reset, a body cut short) is `source()`, not in this message.
    #[error("transport error, {}", if *.request_sent {
        "request may have been sent (if it was an invoke or a session create, a billed session may have started: check the Function's invocations, or the running sessions, before trying again)"
    } else {
        "request not sent (check the network and the base URL)"
    })]
    Transport {
        /// Whether the request may have reached the server.
        request_sent: bool,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A successful status with a body that is not the expected JSON.
    #[error("{0}")]
    Decode(Box<DecodeError>),

    /// The invocation ended with status `FAILED`; the invocation carries the cause. Its logs
    /// usually say why: `client.invocations().logs(id)`.
    #[error("invocation {} failed: {}; read its logs with client.invocations().logs(id)", .0.id, fmt_cause(.0.cause.as_ref().map(|c| (c.code.as_ref().map(|c| c.as_str()), c.message.as_deref()))))]
    InvocationFailed(Box<Invocation>),

    /// The invocation had not ended when the wait's deadline passed. It may still finish: wait
    /// again, or get it by id later.
    #[error("invocation {id} still {} after waiting {:.1}s; it may still finish: wait again or get it by id later", last.as_ref().map_or("not seen", |l| l.status.as_str()), .waited.as_secs_f64())]
    WaitTimeout {
        /// The invocation waited for.
        id: Uuid,
        /// How long we waited.
        waited: Duration,
        /// The invocation as last seen, if any poll succeeded.
        last: Option<Box<Invocation>>,
    },

    /// The build ended with status `FAILED`; the build carries the cause. Its logs say why:
    /// `client.builds().logs(id)`.
    #[error("build {} failed: {}; read its logs with client.builds().logs(id)", .0.id, fmt_cause(.0.cause.as_ref().map(|c| (c.code.as_ref().map(|c| c.as_str()), c.message.as_deref()))))]
    BuildFailed(Box<FunctionBuild>),

    /// The build had not ended when the wait's deadline passed.
    #[error("build {id} still {} after waiting {:.1}s; wait again or get it by id later", last.as_ref().map_or("not seen", |l| l.status.as_str()), .waited.as_secs_f64())]
    BuildWaitTimeout {
        /// The build waited for.
        id: Uuid,
        /// How long we waited.
        waited: Duration,
        /// The build as last seen, if any poll succeeded.
        last: Option<Box<FunctionBuild>>,
    },

    /// A webhook secret rotation was refused (429): too many of the webhook's previous secrets are
    /// still inside their 24-hour grace window. Nothing changed; the current secret still signs.
    #[error(
        "too many previous signing secrets: {0}; wait for one to leave its 24-hour grace window, or rotate with revoke_immediately(true), which stops every previous secret verifying at once"
    )]
    TooManyWebhookSecrets(ApiError),

    /// A dev-mode client ([`crate::Client::dev`]) was asked for what the local development server
    /// `bb dev` does not do: an operation it does not serve, an invoke by id, or a Function its
    /// entrypoint does not define.
    #[error("dev mode (bb dev at {base_url}): {problem}")]
    DevMode {
        /// The dev server's URL.
        base_url: String,
        /// What it does not do.
        problem: crate::dev_mode::DevModeError,
    },

    /// A session (or its recording downloads) had not reached the end waited for when the wait's
    /// deadline passed. Wait again, or look it up later.
    #[error("session {id}: {what} still {status} after waiting {:.1}s; wait again or get it by id later", .waited.as_secs_f64())]
    SessionWaitTimeout {
        /// The session.
        id: Uuid,
        /// What was waited for: `session` or `recording downloads`.
        what: &'static str,
        /// The status last seen (`not seen` when no poll succeeded).
        status: String,
        /// How long we waited.
        waited: Duration,
    },

    /// The session's recording cannot be turned into downloads (409, 410 or 422 of the recording
    /// download operations); `reason` says why and what to do.
    #[error("recording of session {session_id} not available: {reason}")]
    RecordingUnavailable {
        /// The session.
        session_id: Uuid,
        /// Why, in words, with what to do next.
        reason: &'static str,
        /// The response.
        error: Box<ApiError>,
    },

    /// An invocation's results are not the type asked for. `results` keeps them as sent.
    #[error("the results of invocation {invocation_id} do not decode as the requested type")]
    Results {
        /// The invocation.
        invocation_id: Uuid,
        /// The results as sent.
        results: serde_json::Value,
        /// What did not match.
        #[source]
        source: serde_json::Error,
    },
}

/// The project's concurrent sessions limit, as a 429 reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConcurrencyLimit {
    /// The project's limit, as the server's message stated it.
    pub limit: Option<u64>,
    /// The sessions running then, as the server's message stated it.
    pub current: Option<u64>,
    /// How long the server asked us to wait, if it said.
    pub retry_after: Option<Duration>,
    /// The response.
    pub error: ApiError,
}

fn fmt_limit(limit: Option<u64>, current: Option<u64>) -> String {
    match (limit, current) {
        (Some(l), Some(c)) => format!(" of {l} (running: {c})"),
        (Some(l), None) => format!(" of {l}"),
        _ => String::new(),
    }
}

/// How a download's content differed from its metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Corruption {
    /// The SHA-256 of the bytes received is not the download's `checksum`.
    #[error("its SHA-256 is {actual}, not the checksum {expected}")]
    ChecksumMismatch {
        /// The download's `checksum` (lowercase hex).
        expected: String,
        /// The SHA-256 of what arrived (lowercase hex).
        actual: String,
    },
    /// Fewer or more bytes arrived than the download's `size`.
    #[error("{received} bytes arrived, its size is {expected}")]
    SizeMismatch {
        /// The download's `size`.
        expected: u64,
        /// The bytes that arrived.
        received: u64,
    },
}

fn fmt_timeout(kind: &TimeoutKind) -> String {
    if kind.request_may_have_been_sent() {
        format!(
            "{kind}; the request may have been sent, so an invoke or a session create may have started a billed session: check the Function's invocations, or the running sessions, before trying again"
        )
    } else {
        format!("{kind}; the request was not sent")
    }
}

/// A failure's cause, `code: message`, from whichever parts the server sent.
fn fmt_cause(cause: Option<(Option<&str>, Option<&str>)>) -> String {
    match cause.unwrap_or_default() {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => "no cause given".to_owned(),
    }
}

fn fmt_similar(similar: &[String]) -> String {
    if similar.is_empty() {
        "; list them with client.functions().list()".to_owned()
    } else {
        format!(
            "; did you mean {}?",
            similar
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn fmt_ids(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Error::Validation(errors)
    }
}

fn fmt_retry_after(d: Option<Duration>) -> String {
    d.map(|d| format!(" (server asks to retry after {:.1}s)", d.as_secs_f64()))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status, for errors that came with a response.
    pub fn status(&self) -> Option<u16> {
        self.api_error().map(|e| e.status).or(match self {
            Error::Decode(d) => Some(d.status),
            _ => None,
        })
    }

    /// The server's request id, for errors that came with a response that had one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode(d) => d.request_id.as_deref(),
            _ => self.api_error().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// The unsuccessful response, for the status cases.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(e) | Error::Forbidden(e) | Error::NotFound(e) | Error::Api(e) => {
                Some(e)
            }
            Error::RateLimited { error, .. } | Error::TooManyWebhookSecrets(error) => Some(error),
            Error::RecordingUnavailable { error, .. } => Some(error),
            Error::ConcurrencyLimited(limit) => Some(&limit.error),
            _ => None,
        }
    }
}

/// An unsuccessful response: status, request id and the start of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, as the spec names it (`Functions_invoke`, `Invocations_get`), for logs and
    /// matching; messages use [`Self::what`].
    pub operation: &'static str,
    /// What the request did, in words (`invoke Function`, `get invocation`).
    pub what: &'static str,
    /// What it was about: the id in the path, if any.
    pub subject: Option<Box<str>>,
    /// The HTTP status.
    pub status: u16,
    /// The server's request id header, if any.
    pub request_id: Option<String>,
    /// The start of the body, secrets scrubbed.
    pub body: BodySnippet,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)?;
        if let Some(subject) = &self.subject {
            write!(f, " {subject}")?;
        }
        write!(f, ": HTTP {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if !self.body.is_empty() {
            write!(f, ": {}", self.body)?;
        }
        Ok(())
    }
}

/// A successful status whose body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, as the spec names it.
    pub operation: &'static str,
    /// What the request did, in words.
    pub what: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The server's request id header, if any.
    pub request_id: Option<String>,
    /// The `content-type` the server sent, if any.
    pub content_type: Option<String>,
    /// What was wrong.
    pub reason: String,
    /// The start of the body, secrets scrubbed.
    pub body: BodySnippet,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} with a body that could not be decoded: {}",
            self.what, self.status, self.reason
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if !self.body.is_empty() {
            write!(f, "; body: {}", self.body)?;
        }
        Ok(())
    }
}

/// The first bytes of a response body, as lossy UTF-8, with a note when there was more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodySnippet {
    text: Box<str>,
    truncated: bool,
}

impl BodySnippet {
    /// The longest snippet kept, in bytes.
    pub const MAX_BYTES: usize = 2048;

    /// Keeps at most [`Self::MAX_BYTES`] of `bytes`; `more` says the body went on past `bytes`.
    pub(crate) fn new(bytes: &[u8], more: bool, secrets: &[&str]) -> Self {
        let cut = bytes.len().min(Self::MAX_BYTES);
        let truncated = more || cut < bytes.len();
        let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
        crate::secret::scrub(&mut text, secrets);
        if truncated {
            redact_cut_secret(&mut text, secrets);
        }
        Self {
            text: text.into_boxed_str(),
            truncated,
        }
    }

    /// The snippet's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the body was longer than the snippet.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

impl fmt::Display for BodySnippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        if self.truncated {
            f.write_str(" …(truncated)")?;
        }
        Ok(())
    }
}

/// Redacts the end of a cut-off `text` where it is the start of a secret (raw or JSON-escaped): a
/// secret straddling the cut is not whole, so [`crate::secret::scrub`] cannot find it, but its
/// first part must not be kept either.
fn redact_cut_secret(text: &mut String, secrets: &[&str]) {
    // A character split by the cut shows as U+FFFD: it may be part of a secret, and is noise anyway.
    if text.ends_with('\u{FFFD}') {
        text.truncate(text.len() - '\u{FFFD}'.len_utf8());
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let escaped = serde_json::to_string(secret)
            .ok()
            .map(|quoted| quoted[1..quoted.len() - 1].to_owned());
        for form in std::iter::once(*secret).chain(escaped.as_deref()) {
            let longest = (1..form.len())
                .rev()
                .filter(|&k| form.is_char_boundary(k))
                .find(|&k| text.ends_with(&form[..k]));
            if let Some(k) = longest {
                text.truncate(text.len() - k);
                text.push_str("[REDACTED]");
            }
        }
    }
}

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting took longer than the connect timeout; the request was not sent.
    Connect(Duration),
    /// One attempt (request and response body) took longer than the attempt timeout.
    Attempt(Duration),
    /// The whole call, every attempt and backoff included, took longer than the overall timeout.
    Overall(Duration),
}

impl TimeoutKind {
    /// Whether the request may have reached the server: not after a connect timeout.
    pub fn request_may_have_been_sent(&self) -> bool {
        !matches!(self, TimeoutKind::Connect(_))
    }
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, d) = match self {
            TimeoutKind::Connect(d) => ("connecting took longer than the connect timeout", d),
            TimeoutKind::Attempt(d) => ("an attempt took longer than the attempt timeout", d),
            TimeoutKind::Overall(d) => ("the call took longer than the overall timeout", d),
        };
        write!(f, "{what} ({:.1}s)", d.as_secs_f64())
    }
}

/// A client configuration problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is unset or empty.
    #[error("environment variable {0} is not set or empty; set it to your Browserbase API key")]
    MissingEnv(&'static str),
    /// No API key was given.
    #[error("no API key: call ClientBuilder::api_key or set BROWSERBASE_API_KEY")]
    MissingApiKey,
    /// The API key has bytes an HTTP header cannot carry (a newline, say).
    #[error(
        "the API key contains characters an HTTP header cannot carry; check it for a trailing newline or other control characters"
    )]
    InvalidApiKey,
    /// The base URL does not parse or is not http(s).
    #[error(
        "base URL {url:?} is invalid: {reason}; use an https URL such as https://api.browserbase.com"
    )]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-http base URL to a non-loopback host, which would send the API key in clear text.
    #[error(
        "base URL {0:?} is plain http to a non-loopback host, which would send the API key unencrypted; use https or ClientBuilder::allow_insecure_http(true)"
    )]
    InsecureBaseUrl(String),
    /// The HTTP client could not be built; the cause is `source()`.
    #[error(
        "could not build the HTTP client (check the TLS and proxy settings, or pass a client to ClientBuilder::http_client)"
    )]
    HttpClient(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_cut_by_the_limit_is_redacted() {
        let mut body = vec![b'x'; BodySnippet::MAX_BYTES - 6];
        body.extend_from_slice(b"key-0123456789 and more");
        let snippet = BodySnippet::new(&body, false, &["key-0123456789"]);
        assert!(snippet.is_truncated());
        assert!(snippet.as_str().ends_with("xx[REDACTED]"), "{snippet}");
        assert!(!snippet.as_str().contains("key-01"), "{snippet}");

        // JSON-escaped, and cut inside the escape.
        let mut body = vec![b'x'; BodySnippet::MAX_BYTES - 3];
        body.extend_from_slice(br#"a\"b-secret"#);
        let snippet = BodySnippet::new(&body, true, &["a\"b-secret"]);
        assert!(snippet.as_str().ends_with("x[REDACTED]"), "{snippet}");

        // Not cut: nothing to redact at the end, whole secrets are scrubbed as before.
        let snippet = BodySnippet::new(b"ends with key-", false, &["key-0123456789"]);
        assert_eq!(snippet.as_str(), "ends with key-");
        let snippet = BodySnippet::new(b"a key-0123456789 b", false, &["key-0123456789"]);
        assert_eq!(snippet.as_str(), "a [REDACTED] b");
    }
}
