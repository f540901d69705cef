//! A session released however its scope ends: [`SessionGuard`] (drop it, or release it and see
//! the answer) and the scope of [`super::Sessions::with_session`].
//!
//! The release runs in a task of its own, so a future dropped while it waits for the answer does
//! not cancel it, and a flag shared by the guard and the scope makes it happen once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bb_api::types::SessionsCreateResponse;
use uuid::Uuid;

use super::release_id;
use crate::context::Context;
use crate::error::Error;

/// A running session that is released when this guard is dropped: at the end of a scope, on an
/// early return or `?`, during a panic, or when the future holding it is dropped. The release
/// then runs in a spawned task (a Tokio runtime must be running); its failure is logged as a
/// warning. [`release`](Self::release) releases now and says whether it was accepted.
///
/// A session created with `keepAlive` can be kept running past the guard with
/// [`keep`](Self::keep).
///
/// `Debug` shows the id, never the connect URL or signing key.
#[must_use = "dropping the guard releases the session at once"]
pub struct SessionGuard {
    ctx: Arc<Context>,
    created: Box<SessionsCreateResponse>,
    keep_alive: bool,
    /// Set once the release is sent or the session kept: nothing more to do.
    done: Arc<AtomicBool>,
}

impl std::fmt::Debug for SessionGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionGuard")
            .field("id", &self.created.id)
            .field("keep_alive", &self.keep_alive)
            .field("done", &self.done.load(Ordering::Acquire))
            .finish_non_exhaustive()
    }
}

/// The session inside [`super::Sessions::with_session`]'s scope.
#[derive(Clone)]
pub struct ScopedSession {
    created: SessionsCreateResponse,
    keep_alive: bool,
    kept: Arc<AtomicBool>,
}

impl std::fmt::Debug for ScopedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedSession")
            .field("id", &self.created.id)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl ScopedSession {
    /// The session's id.
    pub fn id(&self) -> Uuid {
        self.created.id
    }

    /// The session as created: its connect URL and signing key (redacted in `Debug`).
    pub fn created(&self) -> &SessionsCreateResponse {
        &self.created
    }

    /// Keeps the session running after the scope ends, if it was created with `keepAlive`
    /// (`true`); otherwise changes nothing (`false`): a session without `keepAlive` ends with
    /// its client anyway, and is released.
    pub fn keep(&self) -> bool {
        if self.keep_alive {
            self.kept.store(true, Ordering::Release);
        }
        self.keep_alive
    }
}

impl SessionGuard {
    pub(crate) fn new(
        ctx: Arc<Context>,
        created: SessionsCreateResponse,
        keep_alive: bool,
    ) -> Self {
        Self {
            ctx,
            created: Box::new(created),
            keep_alive,
            done: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The session's id.
    pub fn id(&self) -> Uuid {
        self.created.id
    }

    /// The session as created: its connect URL and signing key (redacted in `Debug`).
    pub fn created(&self) -> &SessionsCreateResponse {
        &self.created
    }

    /// Releases the session now, once, and waits for the answer (the release itself is not
    /// cancelled if this future is dropped).
    ///
    /// # Errors
    /// The release's errors.
    pub async fn release(self) -> Result<(), Error> {
        self.finish_with(true).await
    }

    /// Keeps a `keepAlive` session running: the guard is spent without a release and the session
    /// is returned. A session without `keepAlive` cannot be kept (it would end with its client
    /// anyway): the guard is given back unchanged.
    ///
    /// # Errors
    /// The guard itself, for a session created without `keepAlive`.
    pub fn keep(self) -> Result<SessionsCreateResponse, Self> {
        if !self.keep_alive {
            return Err(self);
        }
        self.done.store(true, Ordering::Release);
        Ok((*self.created).clone())
    }

    pub(crate) fn scoped(&self) -> ScopedSession {
        ScopedSession {
            created: (*self.created).clone(),
            keep_alive: self.keep_alive,
            kept: self.done.clone(),
        }
    }

    /// The end of a `with_session` scope: release unless kept.
    pub(crate) async fn finish(self) -> Result<(), Error> {
        self.finish_with(false).await
    }

    async fn finish_with(self, force: bool) -> Result<(), Error> {
        // Already released, or kept by the scope (which `release` overrides: the caller's word
        // is the last).
        if self.done.swap(true, Ordering::AcqRel) && !force {
            return Ok(());
        }
        let (ctx, id) = (self.ctx.clone(), self.created.id);
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => match rt.spawn(async move { release_id(&ctx, id).await }).await {
                Ok(result) => result.map(drop),
                // The task panicked or the runtime is shutting down: try here.
                Err(_) => release_id(&self.ctx, id).await.map(drop),
            },
            Err(_) => release_id(&ctx, id).await.map(drop),
        }
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.done.swap(true, Ordering::AcqRel) {
            return;
        }
        let (ctx, id) = (self.ctx.clone(), self.created.id);
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(e) = release_id(&ctx, id).await {
                        tracing::warn!(
                            session = %id,
                            error = &e as &dyn std::error::Error,
                            "could not release the session its guard dropped; it runs until its timeout"
                        );
                    }
                });
            }
            Err(_) => tracing::warn!(
                session = %id,
                "session guard dropped outside a Tokio runtime: not released; it runs until its timeout"
            ),
        }
    }
}
