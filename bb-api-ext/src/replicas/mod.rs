//! Several replicas of one service, sharing through Redis what a single process keeps in memory
//! (feature `redis`): which webhook events were already accepted, the events themselves (so a
//! wait on any replica ends when any replica received its event), the project's concurrency
//! budget, and 429 pauses.
//!
//! One call sets a replica up; give it to the receiver and to the client:
//!
//! ```no_run
//! use bb_api_ext::replicas::{Replica, ReplicaConfig};
//! # async fn demo(event: bb_api_ext::webhooks::Event) -> Result<(), Box<dyn std::error::Error>> {
//! let replica = Replica::connect("redis://127.0.0.1:6379", ReplicaConfig::new().concurrency(25)).await?;
//! let client = bb_api_ext::Client::builder()
//!     .api_key("bb_live_…")
//!     .coordinator(replica.clone())
//!     .build()?;
//!
//! // In the webhook receiver, after `Verifier::verify` accepted a delivery:
//! if replica.accept(&event).await {
//!     // first time across all replicas: process it
//! }
//!
//! // Anywhere: takes a place in the shared budget, ends on the event whichever replica got it.
//! let done = client.functions().invoke("scrape-title").send_and_wait().await?;
//! # let _ = done; Ok(()) }
//! ```
//!
//! # What is shared, and how
//!
//! - **Deduplication**: `SET {prefix}:seen:{event id} 1 NX PX ttl`; exactly one replica gets
//!   "first" for an event id while Redis keeps the key ([`ReplicaConfig::seen_ttl`], two days by
//!   default, past Browserbase's retries). [`RedisSeenEvents`] alone, for a receiver that only
//!   deduplicates (an [`AsyncSeenEvents`](crate::webhooks::AsyncSeenEvents): the synchronous
//!   [`SeenEvents`](crate::webhooks::SeenEvents) would block the runtime's thread on every
//!   round trip).
//! - **Events**: every accepted event is added to the stream `{prefix}:events` (`XADD MAXLEN ~`,
//!   [`ReplicaConfig::stream_max_len`]); each replica reads it (`XREAD BLOCK` from the last id it
//!   read) and hands each event to its hubs. A stream rather than Pub/Sub: Pub/Sub drops what is
//!   published while a subscriber is disconnected, a stream keeps it, so a replica that
//!   reconnects reads on from where it stopped; and a replica that starts reads the last minutes
//!   back ([`ReplicaConfig::replay`]), for waits on invocations that just ended.
//! - **Budget**: a sorted set `{prefix}:budget` of leases scored by expiry, taken by a Lua script
//!   (drop the expired, count, add if under the limit: atomic), renewed every third of
//!   [`ReplicaConfig::lease_ttl`] while the invocation runs and removed when it ends. The times
//!   are Redis's (`TIME`), so process clocks do not matter; a crashed process's leases expire.
//! - **429 pauses**: a 429 with `Retry-After` on any replica adds a pause (until a Unix time) to
//!   the same stream; every replica pauses its clients until then.
//!
//! # When Redis fails
//!
//! Every command is bounded by [`ReplicaConfig::command_timeout`]; a command that fails or times
//! out falls back, and the replica keeps reconnecting (logged once per outage, at `warn`).
//! - **Down at start**: [`Replica::connect`] fails with [`ReplicaError`], naming the URL (password
//!   redacted).
//! - **Dedup**: falls back to this replica's own memory of the events it accepted, so an event is
//!   accepted again only across the outage (at most once more per replica that receives a repeat
//!   while Redis is away; Redis restarted without persistence forgets too).
//! - **Events**: accepted events are delivered locally at once and queued
//!   ([`ReplicaConfig::publish_queue`]) to be published when Redis is back, so none is lost;
//!   meanwhile waits on other replicas fall back to polling, and readers resubscribe from their
//!   last id.
//! - **Budget**: while Redis cannot be reached, each process runs at most
//!   [`ReplicaConfig::offline_concurrency`] invocations (default 1); renewals re-add leases a
//!   restarted Redis lost.
//! - **Pauses**: not shared during the outage; each client still honours its own 429s.

mod budget;
mod config;
mod error;
mod events;
mod seen;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::task::JoinHandle;

use crate::coordination::{Attached, Coordinator, Lease};
use crate::webhooks::{Event, WebhookHub};

pub use config::ReplicaConfig;
pub use error::ReplicaError;
pub use seen::RedisSeenEvents;

/// One process's link to the shared Redis; cheap to clone (clones share it). Background tasks
/// (the stream reader and the publisher) stop when the last clone is dropped.
#[derive(Clone)]
pub struct Replica {
    shared: Arc<Shared>,
    _tasks: Arc<Tasks>,
}

pub(crate) struct Shared {
    pub(crate) config: ReplicaConfig,
    /// The URL, password redacted.
    pub(crate) url: String,
    /// Commands that answer at once; multiplexed, reconnects by itself.
    pub(crate) conn: ConnectionManager,
    /// The hubs events go to: the replica's own and every attached client's.
    hubs: Mutex<Vec<WebhookHub>>,
    pauses: Mutex<Vec<crate::coordination::PauseHandle>>,
    seen: RedisSeenEvents,
    publish: tokio::sync::mpsc::Sender<events::Entry>,
    pub(crate) budget: budget::Budget,
    pub(crate) stats: Counters,
    /// Whether Redis is known to be unreachable (to log an outage once).
    pub(crate) down: AtomicBool,
}

struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) repeats: AtomicU64,
    pub(crate) accepted_offline: AtomicU64,
    pub(crate) published: AtomicU64,
    pub(crate) publish_dropped: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) pauses_shared: AtomicU64,
    pub(crate) leases: AtomicU64,
    pub(crate) leases_offline: AtomicU64,
    pub(crate) resubscribed: AtomicU64,
}

/// What a replica has done so far, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ReplicaStats {
    /// Deliveries [`Replica::accept`] said were the first.
    pub accepted: u64,
    /// Deliveries it said were repeats.
    pub repeats: u64,
    /// Of `accepted`, those decided without Redis (by this replica's memory).
    pub accepted_offline: u64,
    /// Events and pauses added to the shared stream.
    pub published: u64,
    /// Events not published because the queue was full during an outage.
    pub publish_dropped: u64,
    /// Events read from the shared stream.
    pub received: u64,
    /// 429 pauses this replica shared.
    pub pauses_shared: u64,
    /// Budget leases taken through Redis.
    pub leases: u64,
    /// Budget places taken locally while Redis was unreachable.
    pub leases_offline: u64,
    /// Times the stream reader resubscribed after losing Redis.
    pub resubscribed: u64,
}

impl fmt::Debug for Replica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replica")
            .field("url", &self.shared.url)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Replica {
    /// Connects to Redis at `url` (`redis://[user:password@]host:port[/db]`, or `rediss://`),
    /// checks that it answers, and starts reading the shared stream.
    ///
    /// # Errors
    /// [`ReplicaError`] when the URL is not a Redis URL or Redis does not answer within the
    /// connect timeout; the message names the URL with its password redacted.
    pub async fn connect(url: &str, config: ReplicaConfig) -> Result<Self, ReplicaError> {
        let shown = error::redact(url);
        let client = redis::Client::open(url).map_err(|source| ReplicaError::InvalidUrl {
            url: shown.clone(),
            source,
        })?;
        let conn = manager(&client, &config, config.command_timeout, &shown).await?;
        // The reader blocks on XREAD: its own connection, so it holds up no other command.
        let reader = manager(
            &client,
            &config,
            events::BLOCK + config.command_timeout,
            &shown,
        )
        .await?;
        let start = events::start_id(&conn, &config, &shown).await?;
        let (publish, queue) = tokio::sync::mpsc::channel(config.publish_queue);
        let hub = WebhookHub::new();
        let seen = RedisSeenEvents::with_connection(conn.clone(), config.clone(), shown.clone());
        let shared = Arc::new(Shared {
            budget: budget::Budget::new(&config),
            url: shown,
            conn,
            hubs: Mutex::new(vec![hub]),
            pauses: Mutex::new(Vec::new()),
            seen,
            publish,
            stats: Counters::default(),
            down: AtomicBool::new(false),
            config,
        });
        let tasks = vec![
            tokio::spawn(events::read(Arc::downgrade(&shared), reader, start)),
            tokio::spawn(events::publish(Arc::downgrade(&shared), queue)),
        ];
        Ok(Self {
            shared,
            _tasks: Arc::new(Tasks(tasks)),
        })
    }

    /// Whether this delivery is the first of its event across all replicas; if so, hands it to
    /// this replica's hubs at once and publishes it to the others. Call it for every verified
    /// delivery, and acknowledge repeats too. Never fails: without Redis it decides by this
    /// replica's memory (see the module docs).
    ///
    /// The dedup is [`RedisSeenEvents`]' (use that alone in a receiver that only deduplicates).
    pub async fn accept(&self, event: &Event) -> bool {
        let s = &self.shared;
        let first = match s.seen.check(&event.id).await {
            seen::Seen::First { offline } => {
                if offline {
                    s.stats.accepted_offline.fetch_add(1, Ordering::Relaxed);
                }
                true
            }
            seen::Seen::Repeat => false,
        };
        if !first {
            s.stats.repeats.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        s.stats.accepted.fetch_add(1, Ordering::Relaxed);
        s.deliver(event);
        match s
            .publish
            .try_send(events::Entry::Event(Box::new(event.clone())))
        {
            Ok(()) => {}
            Err(_) => {
                s.stats.publish_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    event = %event.id,
                    "publish queue full (Redis unreachable?): other replicas' waits will poll for it"
                );
            }
        }
        true
    }

    /// The shared dedup this replica's [`accept`](Self::accept) uses, for a receiver written
    /// against [`AsyncSeenEvents`](crate::webhooks::AsyncSeenEvents); it does not deliver or
    /// publish events.
    pub fn seen_events(&self) -> RedisSeenEvents {
        self.shared.seen.clone()
    }

    /// This replica's own hub: every event any replica accepted reaches it. Wait
    /// [`via`](crate::Wait::via) it, or use a client built with
    /// [`coordinator`](crate::ClientBuilder::coordinator), whose own hub is fed the same way.
    pub fn hub(&self) -> WebhookHub {
        self.shared.lock_hubs()[0].clone()
    }

    /// The URL this replica uses, password redacted.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// What it has done so far.
    pub fn stats(&self) -> ReplicaStats {
        let c = &self.shared.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ReplicaStats {
            accepted: get(&c.accepted),
            repeats: get(&c.repeats),
            accepted_offline: get(&c.accepted_offline),
            published: get(&c.published),
            publish_dropped: get(&c.publish_dropped),
            received: get(&c.received),
            pauses_shared: get(&c.pauses_shared),
            leases: get(&c.leases),
            leases_offline: get(&c.leases_offline),
            resubscribed: get(&c.resubscribed),
        }
    }

    /// Takes a place in the shared budget, waiting for one; see [`Coordinator::acquire`]. For
    /// work you run yourself (a client with this replica as coordinator takes them itself).
    pub async fn lease(&self) -> Lease {
        budget::acquire(&self.shared).await
    }
}

impl Coordinator for Replica {
    fn acquire(&self) -> Pin<Box<dyn Future<Output = Lease> + Send + '_>> {
        Box::pin(budget::acquire(&self.shared))
    }

    fn rate_limited(&self, retry_after: Duration) {
        let until = events::unix_ms() + u64::try_from(retry_after.as_millis()).unwrap_or(0);
        self.shared
            .stats
            .pauses_shared
            .fetch_add(1, Ordering::Relaxed);
        // Best effort: a full queue means Redis is away, and the pause cannot be shared anyway.
        let _ = self.shared.publish.try_send(events::Entry::Pause(until));
    }

    fn attach(&self, client: Attached) {
        self.shared.lock_hubs().push(client.hub);
        self.shared
            .pauses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(client.pause);
    }
}

impl Shared {
    fn lock_hubs(&self) -> std::sync::MutexGuard<'_, Vec<WebhookHub>> {
        self.hubs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands an event to every hub (a hub takes repeats harmlessly).
    pub(crate) fn deliver(&self, event: &Event) {
        for hub in self.lock_hubs().iter() {
            hub.deliver(event);
        }
    }

    /// Pauses every attached client for `for_`.
    pub(crate) fn pause(&self, for_: Duration) {
        for p in self
            .pauses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            p.pause(for_);
        }
    }

    /// Redis answered: ends an outage.
    pub(crate) fn up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!(url = %self.url, "Redis answers again");
        }
    }

    /// A command failed: logs the outage once.
    pub(crate) fn lost(&self, why: &str) {
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                url = %self.url,
                error = why,
                "Redis unreachable: dedup by this replica's memory, budget local, waits poll"
            );
        }
    }
}

/// A failed command's reason, for the log.
pub(crate) fn describe(
    failed: Result<Result<(), redis::RedisError>, tokio::time::error::Elapsed>,
) -> String {
    match failed {
        Ok(Ok(())) => "no error".into(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "timed out".into(),
    }
}

async fn manager(
    client: &redis::Client,
    config: &ReplicaConfig,
    response_timeout: Duration,
    shown: &str,
) -> Result<ConnectionManager, ReplicaError> {
    let settings = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(config.connect_timeout))
        .set_response_timeout(Some(response_timeout))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_secs(1));
    let connect = ConnectionManager::new_with_config(client.clone(), settings);
    let mut conn = match tokio::time::timeout(config.connect_timeout, connect).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(source)) => {
            return Err(ReplicaError::Unreachable {
                url: shown.into(),
                source,
            });
        }
        Err(_) => {
            return Err(ReplicaError::Timeout {
                url: shown.into(),
                after: config.connect_timeout,
            });
        }
    };
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(&mut conn);
    match tokio::time::timeout(config.command_timeout, ping).await {
        Ok(Ok(_)) => Ok(conn),
        Ok(Err(source)) => Err(ReplicaError::Unreachable {
            url: shown.into(),
            source,
        }),
        Err(_) => Err(ReplicaError::Timeout {
            url: shown.into(),
            after: config.command_timeout,
        }),
    }
}
