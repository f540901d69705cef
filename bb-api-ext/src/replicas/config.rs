//! What a replica is told: key names, timeouts, the dedup window, the stream bound and the budget.

use std::time::Duration;

/// How a [`Replica`](super::Replica) uses Redis. Every replica of a service must share
/// [`key_prefix`](Self::key_prefix), [`concurrency`](Self::concurrency) and
/// [`lease_ttl`](Self::lease_ttl).
///
/// ```
/// use std::time::Duration;
/// use bb_api_ext::replicas::ReplicaConfig;
///
/// let config = ReplicaConfig::new()
///     .concurrency(25) // the project's `concurrency`
///     .command_timeout(Duration::from_millis(500));
/// assert_eq!(config.concurrency_limit(), Some(25));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaConfig {
    pub(crate) key_prefix: String,
    pub(crate) command_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) seen_ttl: Duration,
    pub(crate) stream_max_len: usize,
    pub(crate) replay: Duration,
    pub(crate) concurrency: Option<usize>,
    pub(crate) lease_ttl: Duration,
    pub(crate) offline_concurrency: usize,
    pub(crate) publish_queue: usize,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplicaConfig {
    /// How long an event id is remembered by default: two days, past Browserbase's last retry
    /// (about 27.5 hours after the first attempt).
    pub const DEFAULT_SEEN_TTL: Duration = Duration::from_secs(2 * 24 * 3600);
    /// The longest any one Redis command may take by default.
    pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
    /// The most events the shared stream keeps by default (`XADD MAXLEN ~`).
    pub const DEFAULT_STREAM_MAX_LEN: usize = 100_000;
    /// How long a budget lease lives unless renewed, by default: a crashed process's places come
    /// back after at most this long.
    pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

    /// The defaults: prefix `bb-api`, 2 s per command, events remembered two days, a stream of at
    /// most 100,000 events, the last 2 minutes of events replayed at start, no budget.
    pub fn new() -> Self {
        Self {
            key_prefix: "bb-api".into(),
            command_timeout: Self::DEFAULT_COMMAND_TIMEOUT,
            connect_timeout: Duration::from_secs(5),
            seen_ttl: Self::DEFAULT_SEEN_TTL,
            stream_max_len: Self::DEFAULT_STREAM_MAX_LEN,
            replay: crate::webhooks::WebhookHub::DEFAULT_RETENTION,
            concurrency: None,
            lease_ttl: Self::DEFAULT_LEASE_TTL,
            offline_concurrency: 1,
            publish_queue: 10_000,
        }
    }

    /// The start of every key this crate writes (`{prefix}:seen:{event id}`, `{prefix}:events`,
    /// `{prefix}:budget`); separate services sharing one Redis need separate prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The longest one Redis command may take before it counts as failed (default 2 s; at least
    /// 1 ms). A failed command falls back as [`Replica`](super::Replica) describes.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The longest connecting may take, at start and on reconnection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long an accepted event id is remembered (default two days; at least one second). Keep
    /// it longer than the delivery retry window, or a late retry is accepted again.
    pub fn seen_ttl(mut self, ttl: Duration) -> Self {
        self.seen_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// The most events the shared stream keeps (default 100,000; approximate, as `MAXLEN ~`).
    /// A replica that falls further behind than this misses events and polls for them.
    pub fn stream_max_len(mut self, n: usize) -> Self {
        self.stream_max_len = n.max(1);
        self
    }

    /// How far back a replica reads the stream when it starts (default 2 minutes), so that a
    /// wait for an invocation that ended just before ends on its event.
    pub fn replay(mut self, replay: Duration) -> Self {
        self.replay = replay;
        self
    }

    /// The project-wide budget: at most `limit` invocations running at once across every
    /// replica (at least 1). Set it to the project's `concurrency` (Projects API). Without it,
    /// invocations are not limited.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit.max(1));
        self
    }

    /// How long a lease lives without renewal (default 30 s, at least 1 s); leases are renewed
    /// every third of it while their invocation runs.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// How many invocations this process runs at once while Redis is unreachable (default 1, at
    /// least 1): the budget cannot be shared then, so each process falls back to this local
    /// limit. Keep `replicas × this` at or under the project's concurrency.
    pub fn offline_concurrency(mut self, n: usize) -> Self {
        self.offline_concurrency = n.max(1);
        self
    }

    /// How many accepted events wait to be published while Redis is unreachable (default
    /// 10,000); past that, waits on other replicas end by polling.
    pub fn publish_queue(mut self, n: usize) -> Self {
        self.publish_queue = n.max(1);
        self
    }

    /// The budget, if any.
    pub fn concurrency_limit(&self) -> Option<usize> {
        self.concurrency
    }

    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.key_prefix)
    }
}
