//! Invoking one Function for many inputs: bounded concurrency, results as they come or in input
//! order, optional waiting, progress. A 429 with `Retry-After` pauses every call of the client
//! (see the transport's rate gate), so the calls of a fan-out back off together.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bb_api::types::Invocation;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use tracing::Instrument;

use crate::config::PollSchedule;
use crate::context::Context;
use crate::error::Error;
use crate::ids::FunctionRef;
use crate::invoke::Invoke;
use crate::resolve::resolve;
use crate::session::SessionCreateParamsBuilder;

/// How many invocations a fan-out has in flight by default.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// Counts after each finished item, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Items in all.
    pub total: usize,
    /// Items finished, either way.
    pub done: usize,
    /// Items that failed.
    pub failed: usize,
}

/// One finished item: its index among the inputs and what became of it.
#[derive(Debug)]
#[non_exhaustive]
pub struct FanOutItem {
    /// The input's position, from 0.
    pub index: usize,
    /// The invocation (as accepted, or ended if the fan-out waits), or why not.
    pub result: Result<Invocation, Error>,
}

type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// Many invocations of one Function; from [`crate::Functions::invoke_many`]. Nothing is sent
/// until [`Self::stream`] is polled or [`Self::collect`] awaited.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use serde_json::json;
///
/// let urls = ["https://example.com", "https://example.org"];
/// let results = client
///     .functions()
///     .invoke_many("scrape-title", urls.iter().map(|u| json!({"url": u})))
///     .concurrency(10)
///     .wait(true)
///     .on_progress(|p| eprintln!("{}/{} done, {} failed", p.done, p.total, p.failed))
///     .collect()
///     .await?; // only a Function name that does not resolve fails the whole fan-out
/// for (url, result) in urls.iter().zip(results) {
///     println!("{url}: {:?}", result.map(|inv| inv.results));
/// }
/// # Ok(()) }
/// ```
#[must_use = "a fan-out does nothing until streamed or collected"]
pub struct FanOut {
    ctx: Arc<Context>,
    function: FunctionRef,
    inputs: Vec<Result<Vec<u8>, String>>,
    session: Option<SessionCreateParamsBuilder>,
    /// `None`: the project's concurrency.
    concurrency: Option<usize>,
    wait: bool,
    max_wait: Option<Duration>,
    poll: Option<PollSchedule>,
    progress: Option<Arc<ProgressFn>>,
    #[cfg(feature = "params-check")]
    check_params: Option<bool>,
}

impl std::fmt::Debug for FanOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FanOut")
            .field("function", &self.function)
            .field("inputs", &self.inputs.len())
            .field("concurrency", &self.concurrency)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl FanOut {
    pub(crate) fn new<P: Serialize>(
        ctx: Arc<Context>,
        function: FunctionRef,
        inputs: impl IntoIterator<Item = P>,
    ) -> Self {
        let inputs = inputs
            .into_iter()
            .map(|p| serde_json::to_vec(&p).map_err(|e| e.to_string()))
            .collect();
        Self {
            ctx,
            function,
            inputs,
            session: None,
            concurrency: None,
            wait: false,
            max_wait: None,
            poll: None,
            progress: None,
            #[cfg(feature = "params-check")]
            check_params: None,
        }
    }

    /// At most this many invocations in flight (0 is taken as 1). Unset, the API key's
    /// project's concurrency ([`crate::Projects::concurrency`], read once per client), or
    /// [`DEFAULT_CONCURRENCY`] when it cannot be read.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n.max(1));
        self
    }

    /// Session settings for every invocation.
    pub fn session(mut self, session: impl Into<SessionCreateParamsBuilder>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// Whether each item waits for its invocation to end (default: no, it ends when accepted).
    /// A slot is held while waiting, so concurrency bounds running invocations too.
    pub fn wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }

    /// The longest each item waits (see [`Invoke::max_wait`]).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// How often waiting items poll.
    pub fn poll_schedule(mut self, poll: PollSchedule) -> Self {
        self.poll = Some(poll);
        self
    }

    /// Checks each item's params against the Function's schema before invoking it (see
    /// [`Invoke::check_params`]; default: the client's setting). The schema is fetched once for
    /// the whole fan-out; an item whose params break it ends with its [`Error::Validation`] and
    /// is not invoked, the others go ahead.
    #[cfg(feature = "params-check")]
    pub fn check_params(mut self, check: bool) -> Self {
        self.check_params = Some(check);
        self
    }

    /// Called after every finished item with the counts so far.
    pub fn on_progress(mut self, progress: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Every item as it finishes, tagged with its index. A Function name is resolved once,
    /// before anything is invoked.
    ///
    /// # Errors
    /// A Function name that does not resolve; each item's own errors are in its result.
    pub async fn stream(self) -> Result<Pin<Box<dyn Stream<Item = FanOutItem> + Send>>, Error> {
        let id = resolve(&self.ctx, &self.function).await?;
        let concurrency = match self.concurrency {
            Some(n) => n,
            None => match crate::projects::concurrency(&self.ctx).await {
                Ok(n) => usize::try_from(n).unwrap_or(usize::MAX).max(1),
                Err(e) => {
                    tracing::warn!(
                        error = &e as &dyn std::error::Error,
                        default = DEFAULT_CONCURRENCY,
                        "could not read the project's concurrency; using the default"
                    );
                    DEFAULT_CONCURRENCY
                }
            },
        };
        let total = self.inputs.len();
        let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let shared = Arc::new(Shared {
            ctx: self.ctx,
            function: id,
            session: self.session,
            wait: self.wait,
            max_wait: self.max_wait,
            poll: self.poll,
            #[cfg(feature = "params-check")]
            check_params: self.check_params,
        });
        let progress = self.progress;
        let items =
            stream::iter(self.inputs.into_iter().enumerate()).map(move |(index, params)| {
                let (shared, counts, progress) = (shared.clone(), counts.clone(), progress.clone());
                let span =
                    tracing::info_span!("bb_api.fan_out", index, function = %shared.function);
                let item: Pin<Box<dyn Future<Output = FanOutItem> + Send>> = Box::pin(
                    async move {
                        let result = shared.run(params).await;
                        let (done, failed) = &*counts;
                        let failures = failed
                            .fetch_add(usize::from(result.is_err()), Ordering::Relaxed)
                            + usize::from(result.is_err());
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if let Some(progress) = &progress {
                            progress(Progress {
                                total,
                                done: finished,
                                failed: failures,
                            });
                        }
                        FanOutItem { index, result }
                    }
                    .instrument(span),
                );
                item
            });
        Ok(Box::pin(items.buffer_unordered(concurrency)))
    }

    /// Every result, in input order.
    ///
    /// # Errors
    /// As [`Self::stream`].
    pub async fn collect(self) -> Result<Vec<Result<Invocation, Error>>, Error> {
        let mut items: Vec<FanOutItem> = self.stream().await?.collect().await;
        items.sort_unstable_by_key(|item| item.index);
        Ok(items.into_iter().map(|item| item.result).collect())
    }
}

/// What every item of a fan-out shares.
struct Shared {
    ctx: Arc<Context>,
    function: uuid::Uuid,
    session: Option<SessionCreateParamsBuilder>,
    wait: bool,
    max_wait: Option<Duration>,
    poll: Option<PollSchedule>,
    #[cfg(feature = "params-check")]
    check_params: Option<bool>,
}

impl Shared {
    async fn run(&self, params: Result<Vec<u8>, String>) -> Result<Invocation, Error> {
        let mut invoke =
            Invoke::new(self.ctx.clone(), FunctionRef::Id(self.function)).params_serialized(params);
        if let Some(session) = &self.session {
            invoke = invoke.session(session.clone());
        }
        if let Some(d) = self.max_wait {
            invoke = invoke.max_wait(d);
        }
        if let Some(p) = self.poll {
            invoke = invoke.poll_schedule(p);
        }
        #[cfg(feature = "params-check")]
        if let Some(check) = self.check_params {
            invoke = invoke.check_params(check);
        }
        let result = if self.wait {
            invoke.send_and_wait().await
        } else {
            invoke.send().await
        };
        if let Ok(inv) = &result {
            tracing::debug!(invocation = %inv.id, status = %inv.status, "fan-out item done");
        }
        result
    }
}
