//! Invocations: get one, read its logs, wait for it to end.

use std::sync::Arc;

use bb_api::types::{Invocation, InvocationsGetLogsResponse};
use chrono::Utc;

use crate::context::Context;
use crate::error::Error;
use crate::ids::IdInput;
use crate::timeout::SessionTimeout;
use crate::transport::operation::{INVOCATIONS_GET, INVOCATIONS_GET_LOGS};
use crate::wait::{WAIT_MARGIN, Wait};

/// Invocations; from [`crate::Client::invocations`].
#[derive(Clone)]
pub struct Invocations {
    pub(crate) ctx: Arc<Context>,
}

impl std::fmt::Debug for Invocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocations").finish_non_exhaustive()
    }
}

impl Invocations {
    /// Gets an invocation by id.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn get(&self, id: impl Into<IdInput>) -> Result<Invocation, Error> {
        self.ctx.get_by_id(&INVOCATIONS_GET, id.into()).await
    }

    /// The log lines of an invocation: what its Function printed, the first place to look when it
    /// failed with `WORKLOAD_ERROR`.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// for line in client.invocations().logs(id).await?.logs {
    ///     println!("{:?} {}", line.time(), line.message);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn logs(&self, id: impl Into<IdInput>) -> Result<InvocationsGetLogsResponse, Error> {
        self.ctx.get_by_id(&INVOCATIONS_GET_LOGS, id.into()).await
    }

    /// Waits for an invocation to end; configure, then `.await`. The default deadline is the
    /// longest an invocation can run (15 minutes) plus a minute.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// use std::time::Duration;
    ///
    /// let done = client.invocations().wait(id).max_wait(Duration::from_secs(300)).await?;
    /// # let _ = done; Ok(()) }
    /// ```
    pub fn wait(&self, id: impl Into<IdInput>) -> Wait<Invocation> {
        Wait::invocation(
            self.ctx.clone(),
            id.into(),
            SessionTimeout::MAX.as_duration() + WAIT_MARGIN,
        )
    }

    /// Waits for an invocation in hand: no poll if it has ended, and the deadline is its
    /// `expiresAt` plus a minute.
    pub fn wait_for(&self, invocation: Invocation) -> Wait<Invocation> {
        // Past `expiresAt` it can only be ending: wait the margin alone.
        let left = invocation
            .expires_at
            .map_or(SessionTimeout::MAX.as_duration(), |at| {
                (at - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .min(SessionTimeout::MAX.as_duration())
            });
        Wait::invocation(self.ctx.clone(), invocation.id.into(), left + WAIT_MARGIN)
            .starting_from(invocation)
    }
}
