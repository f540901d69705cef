//! Listing sessions: the API's filters (status, metadata query) and this side's age filter.

use std::sync::Arc;
use std::time::Duration;

use bb_api::open::SessionStatus;
use bb_api::types::Session;
use chrono::Utc;
use futures_util::{StreamExt, stream};

use crate::context::Context;
use crate::error::Error;
use crate::paginate::ListStream;
use crate::transport::Call;
use crate::transport::operation::SESSIONS_LIST;

/// A list of sessions; configure, then [`stream`](Self::stream). The API answers the whole list
/// at once.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::{SessionStatus, StreamExt};
///
/// let mut running = client
///     .sessions()
///     .list()
///     .status(SessionStatus::Running)
///     .query("user_metadata['team']:'growth'")
///     .stream();
/// while let Some(session) = running.next().await {
///     println!("{}", session?.id);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a list does nothing until streamed"]
pub struct SessionList {
    ctx: Arc<Context>,
    status: Option<SessionStatus>,
    query: Option<String>,
    older_than: Option<Duration>,
}

impl std::fmt::Debug for SessionList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionList")
            .field("status", &self.status)
            .field("query", &self.query)
            .field("older_than", &self.older_than)
            .finish_non_exhaustive()
    }
}

impl SessionList {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self {
            ctx,
            status: None,
            query: None,
            older_than: None,
        }
    }

    /// Only sessions with this status (`status`, sent to the API).
    pub fn status(mut self, status: SessionStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only sessions whose user metadata matches this query (`q`, sent to the API), such as
    /// `user_metadata['order']:'1234'`.
    pub fn query(mut self, q: impl Into<String>) -> Self {
        self.query = Some(q.into());
        self
    }

    /// Only sessions that started (or, not started, were created) more than `age` ago, oldest
    /// first: filtered here, the API has no such filter.
    pub fn older_than(mut self, age: Duration) -> Self {
        self.older_than = Some(age);
        self
    }

    /// The sessions, as a stream; the first error ends it.
    pub fn stream(self) -> ListStream<Session> {
        let once = stream::once(async move {
            let mut query: Vec<(&'static str, String)> = Vec::new();
            if let Some(status) = &self.status {
                query.push(("status", status.as_str().to_owned()));
            }
            if let Some(q) = &self.query {
                query.push(("q", q.clone()));
            }
            let mut call = Call::new(&SESSIONS_LIST, &[]);
            call.query = &query;
            let sessions: Result<Vec<Session>, Error> = self.ctx.transport.call(call).await;
            let mut sessions = match sessions {
                Ok(s) => s,
                Err(e) => return vec![Err(e)],
            };
            if let Some(age) = self.older_than {
                let cutoff = chrono::Duration::from_std(age)
                    .ok()
                    .and_then(|age| Utc::now().checked_sub_signed(age));
                sessions.retain(|s| {
                    cutoff.is_some_and(|cutoff| s.started_at.unwrap_or(s.created_at) <= cutoff)
                });
                sessions.sort_by_key(|s| s.started_at.unwrap_or(s.created_at));
            }
            sessions.into_iter().map(Ok).collect()
        });
        ListStream::from_stream(once.flat_map(stream::iter))
    }

    /// Every session, at once.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn try_collect(self) -> Result<Vec<Session>, Error> {
        self.stream().try_collect().await
    }
}
