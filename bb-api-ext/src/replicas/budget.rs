//! The project-wide concurrency budget: leases in a sorted set scored by expiry (Redis's clock),
//! taken by a Lua script, renewed while the invocation runs, removed when it ends.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::{ReplicaConfig, Shared, describe};
use crate::coordination::Lease;

/// Drops expired leases, then adds this one if fewer than the limit are left: 1 if taken.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 1
end
return 0
";

/// Pushes a lease's expiry out; adds it back if Redis lost it (a restart without persistence):
/// its invocation still runs, so it still counts.
const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
";

/// The first and longest pause between tries while the budget is full.
const RETRY_FIRST: Duration = Duration::from_millis(5);
const RETRY_MAX: Duration = Duration::from_millis(100);

pub(crate) struct Budget {
    acquire: redis::Script,
    renew: Arc<redis::Script>,
    /// At most the limit of this process's tasks wait for a place; the others wait here.
    local: Arc<Semaphore>,
    /// One task of this process asks Redis at a time while the budget is full, so a full budget
    /// costs each process one script call per retry, not one per waiting task.
    asking: tokio::sync::Mutex<()>,
    /// A lease of this process ended: the asker tries again at once.
    freed: Arc<tokio::sync::Notify>,
    /// The places of this process while Redis is unreachable.
    offline: Arc<Semaphore>,
}

impl Budget {
    pub(crate) fn new(config: &ReplicaConfig) -> Self {
        Self {
            acquire: redis::Script::new(ACQUIRE),
            renew: Arc::new(redis::Script::new(RENEW)),
            local: Arc::new(Semaphore::new(config.concurrency.unwrap_or(1))),
            asking: tokio::sync::Mutex::new(()),
            freed: Arc::new(tokio::sync::Notify::new()),
            offline: Arc::new(Semaphore::new(config.offline_concurrency)),
        }
    }
}

/// A lease in Redis: renewed by a task until dropped, then removed.
struct Held {
    shared: Arc<Shared>,
    id: String,
    renewing: JoinHandle<()>,
    _local: OwnedSemaphorePermit,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewing.abort();
        let (shared, id) = (Arc::clone(&self.shared), std::mem::take(&mut self.id));
        // Without a runtime (dropped at exit) the lease simply expires.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let mut conn = shared.conn.clone();
                let mut cmd = redis::cmd("ZREM");
                cmd.arg(shared.config.key("budget")).arg(&id);
                let zrem = cmd.query_async::<i64>(&mut conn);
                if tokio::time::timeout(shared.config.command_timeout, zrem)
                    .await
                    .map_or(true, |r| r.is_err())
                {
                    tracing::debug!(lease = %id, "could not release a lease; it expires instead");
                }
                shared.budget.freed.notify_one();
            });
        }
    }
}

pub(crate) async fn acquire(shared: &Arc<Shared>) -> Lease {
    let Some(limit) = shared.config.concurrency else {
        return Lease::unlimited();
    };
    let budget = &shared.budget;
    // The semaphore is never closed, so this cannot fail; an unlimited lease if it somehow did.
    let Ok(local) = Arc::clone(&budget.local).acquire_owned().await else {
        return Lease::unlimited();
    };
    let id = uuid::Uuid::new_v4().to_string();
    let key = shared.config.key("budget");
    let ttl_ms = u64::try_from(shared.config.lease_ttl.as_millis()).unwrap_or(u64::MAX);
    let mut delay = RETRY_FIRST;
    let _asking = budget.asking.lock().await;
    loop {
        let mut conn = shared.conn.clone();
        let mut call = budget.acquire.prepare_invoke();
        call.key(&key).arg(limit).arg(ttl_ms).arg(&id);
        let taken = call.invoke_async::<i64>(&mut conn);
        match tokio::time::timeout(shared.config.command_timeout, taken).await {
            Ok(Ok(1)) => {
                shared.up();
                shared.stats.leases.fetch_add(1, Ordering::Relaxed);
                let renewing = tokio::spawn(renew(Arc::clone(shared), id.clone()));
                return Lease::new(Held {
                    shared: Arc::clone(shared),
                    id,
                    renewing,
                    _local: local,
                });
            }
            Ok(Ok(_)) => {
                shared.up();
                // Spread the retries of processes that found the budget full together.
                let jitter =
                    Duration::from_micros(u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 20);
                tokio::select! {
                    () = tokio::time::sleep(delay + jitter) => delay = (delay * 2).min(RETRY_MAX),
                    // A place of ours came free: very likely taken by the next call.
                    () = budget.freed.notified() => delay = RETRY_FIRST,
                }
            }
            failed => {
                shared.lost(&describe(failed.map(|r| r.map(drop))));
                drop(local);
                // Unreachable: this process's own small budget (see ReplicaConfig::offline_concurrency).
                let Ok(offline) = Arc::clone(&budget.offline).acquire_owned().await else {
                    return Lease::unlimited();
                };
                shared.stats.leases_offline.fetch_add(1, Ordering::Relaxed);
                return Lease::new(offline);
            }
        }
    }
}

/// Renews a lease every third of its lifetime until aborted.
async fn renew(shared: Arc<Shared>, id: String) {
    let every = shared.config.lease_ttl / 3;
    let key = shared.config.key("budget");
    let ttl_ms = u64::try_from(shared.config.lease_ttl.as_millis()).unwrap_or(u64::MAX);
    loop {
        tokio::time::sleep(every).await;
        let mut conn = shared.conn.clone();
        let mut call = shared.budget.renew.prepare_invoke();
        call.key(&key).arg(ttl_ms).arg(&id);
        let renewed = call.invoke_async::<i64>(&mut conn);
        match tokio::time::timeout(shared.config.command_timeout, renewed).await {
            Ok(Ok(_)) => shared.up(),
            failed => shared.lost(&describe(failed.map(|r| r.map(drop)))),
        }
    }
}
