//! Sessions: the browser behind every invocation, and sessions run directly. Create (never
//! repeated once it may have been sent), get, list and find orphans, release (and wait for the
//! end), a guard that releases however its scope ends, and the evidence a session keeps: live
//! URLs, CDP logs, the rrweb recording, replays and recording downloads.

mod guard;
mod list;
mod recording;
mod transfer;

use std::sync::Arc;
use std::time::Duration;

use bb_api::open::SessionStatus;
use bb_api::types::{
    ReplayPage, Session, SessionLiveUrls, SessionLog, SessionsCreateResponse,
    SessionsGetReplayResponse, SessionsGetResponse,
};
use bytes::Bytes;
use reqwest::header::HeaderValue;
use serde_json::Value;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::ids::{IdInput, id_text};
use crate::paginate::ListStream;
use crate::session::{SessionCreateParamsBuilder, SessionSettings};
use crate::transport::Call;
use crate::transport::operation::{
    SESSIONS_CREATE, SESSIONS_GET, SESSIONS_GET_DEBUG, SESSIONS_GET_LOGS, SESSIONS_GET_RECORDING,
    SESSIONS_GET_REPLAY, SESSIONS_GET_REPLAY_PAGE, SESSIONS_UPDATE,
};
use crate::validate::Validator;
use crate::wait::{Pollable, WAIT_MARGIN, Wait};

pub use crate::transport::is_under_base_url;
pub use guard::{ScopedSession, SessionGuard};
pub use list::SessionList;
pub use recording::{DEFAULT_RECORDING_WAIT, RecordingDownloads};
pub use transfer::recording_page_file_name;

/// The longest a session created directly can run (6 hours): with [`WAIT_MARGIN`], the default
/// deadline of a wait for its end.
const MAX_SESSION: Duration = Duration::from_secs(21_600);

/// The default deadline of [`Sessions::release_and_wait`]: a released session ends in seconds.
pub const DEFAULT_RELEASE_WAIT: Duration = Duration::from_secs(60);

/// Sessions; from [`crate::Client::sessions`].
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use std::time::Duration;
/// use bb_api_ext::{SessionCreateParams, SessionRegion};
///
/// let settings = SessionCreateParams::builder()
///     .timeout(Duration::from_secs(600))
///     .region(SessionRegion::UsEast1);
/// // Released however the scope ends: return, error, panic or a dropped future.
/// let title = client
///     .sessions()
///     .with_session(settings, |session| async move {
///         let url = session.created().connect_url.expose_secret().to_owned();
///         // ... drive the browser over CDP at `url` ...
///         # let _ = url;
///         Ok::<_, bb_api_ext::Error>("Example Domain".to_owned())
///     })
///     .await?;
/// # let _ = title; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Sessions {
    pub(crate) ctx: Arc<Context>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

/// The session behind an id, to read its evidence or release it; from [`Sessions::session`] or
/// [`crate::InvocationExt::session`].
#[derive(Clone, Debug)]
pub struct SessionHandle {
    sessions: Sessions,
    id: Uuid,
}

impl Sessions {
    /// Creates a session with these settings, checked by the rules of a session created directly
    /// (timeout 60–21600 s; `keepAlive` and `region` allowed) before anything is sent; only what
    /// is set is sent. Answers 201 with the session, its signing key and connect URL (redacted in
    /// `Debug`).
    ///
    /// Never repeated once the request may have reached the server: a second attempt could start
    /// a second billed session. Such a failure says so ([`Error::Transport`] with `request_sent`,
    /// [`Error::Timeout`]); list the running sessions before creating again. A 429 (the project's
    /// concurrency limit) is [`Error::RateLimited`], retried within the client's policy: the
    /// server started nothing.
    ///
    /// Prefer [`with_session`](Self::with_session) or [`start`](Self::start), which release it.
    ///
    /// # Errors
    /// [`Error::Validation`] with every violation (nothing sent); the request's errors.
    pub async fn create(
        &self,
        settings: impl Into<SessionCreateParamsBuilder>,
    ) -> Result<SessionsCreateResponse, Error> {
        let settings = settings.into().build_session()?;
        self.create_checked(settings).await
    }

    pub(crate) async fn create_checked(
        &self,
        settings: SessionSettings,
    ) -> Result<SessionsCreateResponse, Error> {
        let body = serde_json::to_vec(&settings).map_err(|e| {
            crate::validate::ValidationErrors::single("session", format!("must serialize: {e}"))
        })?;
        let body = Bytes::from(body);
        let passwords = settings.into_passwords();
        let secrets: Vec<&str> = passwords.iter().map(|p| p.expose()).collect();
        let mut call = Call::new(&SESSIONS_CREATE, &[]);
        call.body = Some(&body);
        call.secrets = &secrets;
        self.ctx
            .transport
            .call_secret_bearing(call, decode_secret_bearing)
            .await
    }

    /// Gets a session by id: its status, times, region and metadata (and, while it runs, its
    /// connect URL and signing key, redacted in `Debug`).
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn get(&self, id: impl Into<IdInput>) -> Result<SessionsGetResponse, Error> {
        let id = id.into().parse("id")?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        self.ctx
            .transport
            .call_secret_bearing(Call::new(&SESSIONS_GET, &args), decode_secret_bearing)
            .await
    }

    /// The project's sessions, filtered by status and metadata query and, on this side, by age.
    pub fn list(&self) -> SessionList {
        SessionList::new(self.ctx.clone())
    }

    /// Orphans: sessions still `RUNNING` that started more than `older_than` ago, oldest first
    /// (the ones billing until their timeout that nobody released).
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// use std::time::Duration;
    ///
    /// let orphans = client.sessions().orphans(Duration::from_secs(30 * 60)).try_collect().await?;
    /// for session in &orphans {
    ///     client.sessions().release(session.id).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn orphans(&self, older_than: Duration) -> ListStream<Session> {
        self.list()
            .status(SessionStatus::Running)
            .older_than(older_than)
            .stream()
    }

    /// The handle of session `id`, to read its evidence or release it.
    pub fn session(&self, id: Uuid) -> SessionHandle {
        SessionHandle {
            sessions: self.clone(),
            id,
        }
    }

    /// Asks the session to end (`REQUEST_RELEASE`), once; answers the session as the server has
    /// it then (its status may still be `RUNNING` for a moment: see
    /// [`release_and_wait`](Self::release_and_wait)). Releasing an ended session is harmless.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn release(&self, id: impl Into<IdInput>) -> Result<Session, Error> {
        let id = id.into().parse("id")?;
        release_id(&self.ctx, id).await
    }

    /// Releases the session, then waits on the client's wait machine until it has ended
    /// (`COMPLETED`, `ERROR` or `TIMED_OUT`), at most [`DEFAULT_RELEASE_WAIT`] unless the wait's
    /// `max_wait` says otherwise. Succeeds at once on a session that has already ended.
    ///
    /// # Errors
    /// The release's errors; [`Error::SessionWaitTimeout`] when it has not ended by the deadline.
    pub async fn release_and_wait(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<SessionsGetResponse, Error> {
        self.release_and_wait_within(id, DEFAULT_RELEASE_WAIT).await
    }

    /// [`release_and_wait`](Self::release_and_wait) with another deadline.
    ///
    /// # Errors
    /// As `release_and_wait`.
    pub async fn release_and_wait_within(
        &self,
        id: impl Into<IdInput>,
        max_wait: Duration,
    ) -> Result<SessionsGetResponse, Error> {
        let id = id.into().parse("id")?;
        let current = self.get(id).await?;
        if session_ended(&current.status, current.ended_at.is_some()) {
            return Ok(current);
        }
        release_id(&self.ctx, id).await?;
        self.wait(id).max_wait(max_wait).await
    }

    /// Waits for a session to end, on the client's poll schedule; the default deadline is the
    /// longest a session can run (6 hours) plus a minute.
    pub fn wait(&self, id: impl Into<IdInput>) -> Wait<SessionsGetResponse> {
        Wait::session(self.ctx.clone(), id.into(), MAX_SESSION + WAIT_MARGIN)
    }

    /// The live URLs of a running session: the debugger of each page, to watch or drive it.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn debug(&self, id: impl Into<IdInput>) -> Result<SessionLiveUrls, Error> {
        self.ctx.get_by_id(&SESSIONS_GET_DEBUG, id.into()).await
    }

    /// The session's CDP log: each entry has the CDP `method` and its raw request and response.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn logs(&self, id: impl Into<IdInput>) -> Result<Vec<SessionLog>, Error> {
        self.ctx.get_by_id(&SESSIONS_GET_LOGS, id.into()).await
    }

    /// The session's rrweb recording, as a stream of its events as raw JSON (each
    /// `{"type", "timestamp", "data", "sessionId"}` as the API sent it, ready to be written as
    /// JSON lines or handed to an rrweb player). The recording is read in one response, up to the
    /// client's `max_response_bytes`.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn recording(&self, id: impl Into<IdInput>) -> Result<ListStream<Value>, Error> {
        let events: Vec<Value> = self
            .ctx
            .get_by_id(&SESSIONS_GET_RECORDING, id.into())
            .await?;
        Ok(ListStream::from_stream(futures_util::stream::iter(
            events.into_iter().map(Ok),
        )))
    }

    /// The session's replay: one entry per recorded page, with its timing and the URL of its HLS
    /// playlist ([`replay_page`](Self::replay_page)).
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn replays(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<SessionsGetReplayResponse, Error> {
        self.ctx.get_by_id(&SESSIONS_GET_REPLAY, id.into()).await
    }

    /// One page's replay as an HLS media playlist (the m3u8 text). `page_id` is a
    /// [`ReplayPage::page_id`]: one to three digits.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID or a page id that is not 1–3 digits
    /// (nothing sent); [`Error::NotFound`].
    pub async fn replay_page(
        &self,
        id: impl Into<IdInput>,
        page_id: &str,
    ) -> Result<String, Error> {
        let mut v = Validator::new();
        let id = v.field("id", |v| id.into().check(v));
        if page_id.is_empty() || page_id.len() > 3 || !page_id.bytes().all(|b| b.is_ascii_digit()) {
            v.field("pageId", |v| {
                v.fail(format!(
                    "must be one to three digits, a replay page's pageId (got {})",
                    crate::validate::quoted(page_id)
                ))
            });
        }
        let id = v.finish(id)?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf), page_id];
        let mut call = Call::new(&SESSIONS_GET_REPLAY_PAGE, &args);
        call.accept = Some(HeaderValue::from_static(
            "application/vnd.apple.mpegurl, text/plain;q=0.5",
        ));
        self.ctx.transport.call_text(call).await
    }

    /// Starts a session and returns a guard that releases it when dropped (or by
    /// [`SessionGuard::release`], which says whether the release was accepted).
    ///
    /// The create runs in a task of its own, and the guard is made there as soon as the session
    /// comes back: when this future is dropped while the create is in flight, the task still
    /// receives the session and its guard, dropped with nobody to take it, sends exactly one
    /// release. That holds for a `keepAlive` session too: its caller never had the chance to
    /// keep it. (Outside a Tokio runtime the create runs inline and this cannot be promised.)
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub async fn start(
        &self,
        settings: impl Into<SessionCreateParamsBuilder>,
    ) -> Result<SessionGuard, Error> {
        let settings = settings.into().build_session()?;
        let keep_alive = settings.keep_alive() == Some(true);
        let sessions = self.clone();
        let create = async move {
            let created = sessions.create_checked(settings).await?;
            Ok(SessionGuard::new(sessions.ctx, created, keep_alive))
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return create.await;
        };
        // A detached task's output is dropped when it completes: a guard nobody awaits
        // releases its session from there.
        match rt.spawn(create).await {
            Ok(result) => result,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only when the runtime shuts down, which ends this future too.
                Err(e) => std::panic::resume_unwind(Box::new(format!(
                    "the session create task ended without an answer: {e}"
                ))),
            },
        }
    }

    /// Runs `f` with a new session and releases the session however `f` ends: its return (with
    /// the release confirmed before this returns), an error, a panic, or this future being
    /// dropped (then the release is sent from a spawned task), even while the create is still
    /// in flight (see [`start`](Self::start)). Exactly one release is sent, unless
    /// the session was created with `keepAlive` and `f` called [`ScopedSession::keep`].
    ///
    /// `f`'s error type takes this crate's errors (`anyhow::Error`, `Box<dyn Error>` or
    /// [`Error`] itself). When `f` succeeds and the release fails, the release's error is returned.
    ///
    /// # Errors
    /// The create's errors (nothing to release), `f`'s error, or the release's.
    pub async fn with_session<F, Fut, T, E>(
        &self,
        settings: impl Into<SessionCreateParamsBuilder>,
        f: F,
    ) -> Result<T, E>
    where
        F: FnOnce(ScopedSession) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: From<Error>,
    {
        let guard = self.start(settings).await?;
        let scoped = guard.scoped();
        let out = f(scoped).await;
        let released = guard.finish().await;
        match (out, released) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e.into()),
            (Ok(t), Ok(())) => Ok(t),
        }
    }
}

impl SessionHandle {
    /// The session's id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// See [`Sessions::get`].
    ///
    /// # Errors
    /// As `Sessions::get`.
    pub async fn get(&self) -> Result<SessionsGetResponse, Error> {
        self.sessions.get(self.id).await
    }

    /// See [`Sessions::release`].
    ///
    /// # Errors
    /// As `Sessions::release`.
    pub async fn release(&self) -> Result<Session, Error> {
        self.sessions.release(self.id).await
    }

    /// See [`Sessions::release_and_wait`].
    ///
    /// # Errors
    /// As `Sessions::release_and_wait`.
    pub async fn release_and_wait(&self) -> Result<SessionsGetResponse, Error> {
        self.sessions.release_and_wait(self.id).await
    }

    /// See [`Sessions::debug`].
    ///
    /// # Errors
    /// As `Sessions::debug`.
    pub async fn debug(&self) -> Result<SessionLiveUrls, Error> {
        self.sessions.debug(self.id).await
    }

    /// See [`Sessions::logs`].
    ///
    /// # Errors
    /// As `Sessions::logs`.
    pub async fn logs(&self) -> Result<Vec<SessionLog>, Error> {
        self.sessions.logs(self.id).await
    }

    /// See [`Sessions::recording`].
    ///
    /// # Errors
    /// As `Sessions::recording`.
    pub async fn recording(&self) -> Result<ListStream<Value>, Error> {
        self.sessions.recording(self.id).await
    }

    /// See [`Sessions::replays`].
    ///
    /// # Errors
    /// As `Sessions::replays`.
    pub async fn replays(&self) -> Result<SessionsGetReplayResponse, Error> {
        self.sessions.replays(self.id).await
    }

    /// See [`Sessions::replay_page`].
    ///
    /// # Errors
    /// As `Sessions::replay_page`.
    pub async fn replay_page(&self, page: &ReplayPage) -> Result<String, Error> {
        self.sessions.replay_page(self.id, &page.page_id).await
    }

    /// See [`Sessions::recording_downloads`].
    ///
    /// # Errors
    /// As `Sessions::recording_downloads`.
    pub async fn recording_downloads(&self) -> Result<RecordingDownloads, Error> {
        self.sessions.recording_downloads(self.id).await
    }
}

/// `REQUEST_RELEASE`, once.
pub(crate) async fn release_id(ctx: &Context, id: Uuid) -> Result<Session, Error> {
    static BODY: Bytes = Bytes::from_static(br#"{"status":"REQUEST_RELEASE"}"#);
    let mut buf = Uuid::encode_buffer();
    let args = [id_text(&id, &mut buf)];
    let mut call = Call::new(&SESSIONS_UPDATE, &args);
    call.body = Some(&BODY);
    ctx.transport.call(call).await
}

/// Decodes a body that carries a signing key; the reason never quotes it.
fn decode_secret_bearing<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| {
        format!(
            "invalid JSON at line {} column {} ({:?})",
            e.line(),
            e.column(),
            e.classify()
        )
    })
}

/// Whether a session has ended: a known terminal status, or an unknown one with `endedAt`.
pub(crate) fn session_ended(status: &SessionStatus, ended: bool) -> bool {
    match status {
        SessionStatus::Completed | SessionStatus::Error | SessionStatus::TimedOut => true,
        SessionStatus::Pending | SessionStatus::Running => false,
        SessionStatus::Unknown(_) => ended,
    }
}

impl Pollable for SessionsGetResponse {
    fn id(&self) -> Uuid {
        self.id
    }

    fn is_about(_: &crate::webhooks::EventType) -> bool {
        false
    }

    fn is_terminal(&self) -> bool {
        session_ended(&self.status, self.ended_at.is_some())
    }

    fn status(&self) -> &str {
        self.status.as_str()
    }

    fn finish(self) -> Result<Self, Error> {
        Ok(self)
    }

    const SECRET_BEARING: bool = true;

    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error {
        Error::SessionWaitTimeout {
            id,
            what: "session",
            status: last.map_or_else(|| "not seen".to_owned(), |l| l.status.to_string()),
            waited,
        }
    }
}
