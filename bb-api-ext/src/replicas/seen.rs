//! Shared deduplication: `SET {prefix}:seen:{event id} 1 NX PX ttl`, with this process's memory
//! as the fallback while Redis is unreachable.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redis::aio::ConnectionManager;

use super::{ReplicaConfig, ReplicaError, describe};
use crate::webhooks::{AsyncSeenEvents, InMemorySeenEvents, SeenEvents};

/// How many ids each process remembers itself, for when Redis is unreachable.
const LOCAL_SEEN: usize = 100_000;

/// Which event ids any replica already accepted, in Redis: exactly one of several replicas that
/// ask about the same id at once gets "first" (`SET NX`, atomic in Redis), and the id is
/// remembered for [`ReplicaConfig::seen_ttl`] (two days by default, past Browserbase's last
/// retry). Cheap to clone (clones share the connection and the memory).
///
/// Use it alone in a receiver that only deduplicates, or let [`Replica::accept`](super::Replica::accept)
/// use it (and also hand the event to every replica's waits). While Redis is unreachable (each
/// command is bounded by [`ReplicaConfig::command_timeout`]) it decides by this process's memory
/// of the ids it saw, so an event is accepted again only across the outage.
///
/// ```no_run
/// use bb_api_ext::replicas::{RedisSeenEvents, ReplicaConfig};
/// use bb_api_ext::webhooks::AsyncSeenEvents;
/// # async fn demo(event: bb_api_ext::webhooks::Event) -> Result<(), Box<dyn std::error::Error>> {
/// let seen = RedisSeenEvents::connect("redis://127.0.0.1:6379", ReplicaConfig::new()).await?;
/// // In the receiver, after `Verifier::verify` accepted a delivery:
/// if seen.claim(&event.id).await {
///     // first time across all replicas: process it
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisSeenEvents {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    config: ReplicaConfig,
    /// The URL, password redacted.
    url: String,
    local: InMemorySeenEvents,
    /// Whether Redis is known to be unreachable (to log an outage once).
    down: AtomicBool,
}

/// What Redis (or the fallback) said about an id.
pub(crate) enum Seen {
    First { offline: bool },
    Repeat,
}

impl fmt::Debug for RedisSeenEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSeenEvents")
            .field("url", &self.inner.url)
            .field("seen_ttl", &self.inner.config.seen_ttl)
            .finish_non_exhaustive()
    }
}

impl RedisSeenEvents {
    /// Connects to Redis at `url` and checks that it answers. Uses the config's
    /// [`key_prefix`](ReplicaConfig::key_prefix), [`seen_ttl`](ReplicaConfig::seen_ttl) and
    /// timeouts; give every replica the same prefix.
    ///
    /// # Errors
    /// [`ReplicaError`] when the URL is not a Redis URL or Redis does not answer in time; the
    /// message names the URL with its password redacted.
    pub async fn connect(url: &str, config: ReplicaConfig) -> Result<Self, ReplicaError> {
        let shown = super::error::redact(url);
        let client = redis::Client::open(url).map_err(|source| ReplicaError::InvalidUrl {
            url: shown.clone(),
            source,
        })?;
        let conn = super::manager(&client, &config, config.command_timeout, &shown).await?;
        Ok(Self::with_connection(conn, config, shown))
    }

    pub(crate) fn with_connection(
        conn: ConnectionManager,
        config: ReplicaConfig,
        url: String,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                conn,
                config,
                url,
                local: InMemorySeenEvents::with_capacity(LOCAL_SEEN),
                down: AtomicBool::new(false),
            }),
        }
    }

    /// Records `id` and says whether no replica had seen it before (see the type's docs).
    pub(crate) async fn check(&self, id: &str) -> Seen {
        let s = &self.inner;
        let key = s.config.key(&format!("seen:{id}"));
        let ttl_ms = u64::try_from(s.config.seen_ttl.as_millis()).unwrap_or(u64::MAX);
        let mut conn = s.conn.clone();
        let mut cmd = redis::cmd("SET");
        cmd.arg(&key).arg(1).arg("NX").arg("PX").arg(ttl_ms);
        let set = cmd.query_async::<Option<String>>(&mut conn);
        match tokio::time::timeout(s.config.command_timeout, set).await {
            Ok(Ok(answer)) => {
                if s.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(url = %s.url, "Redis answers again: dedup shared again");
                }
                // Remembered here too, for repeats that arrive while Redis is away.
                s.local.first_time(id);
                if answer.is_some() {
                    Seen::First { offline: false }
                } else {
                    Seen::Repeat
                }
            }
            failed => {
                if !s.down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        url = %s.url,
                        error = describe(failed.map(|r| r.map(drop))),
                        "Redis unreachable: deduplicating by this process's memory"
                    );
                }
                if s.local.first_time(id) {
                    Seen::First { offline: true }
                } else {
                    Seen::Repeat
                }
            }
        }
    }
}

impl AsyncSeenEvents for RedisSeenEvents {
    fn claim<'a>(&'a self, id: &'a str) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move { matches!(self.check(id).await, Seen::First { .. }) })
    }
}
