//! The shared stream: accepted events and 429 pauses go in (`XADD MAXLEN ~`), every replica reads
//! them out (`XREAD BLOCK` from the last id it read) into its hubs and clients.

use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;
use redis::streams::StreamReadReply;
use tokio::sync::mpsc;

use super::{ReplicaConfig, ReplicaError, Shared, describe};
use crate::webhooks::Event;

/// How long one `XREAD` blocks when the stream has nothing new.
pub(crate) const BLOCK: Duration = Duration::from_millis(1000);
/// The most entries read, or published, in one command.
const BATCH: usize = 512;
/// The longest pause between retries while Redis is away.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// What the stream carries.
pub(crate) enum Entry {
    Event(Box<Event>),
    /// Every replica pauses until this Unix time, in milliseconds.
    Pause(u64),
}

pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Where a new replica starts reading: `replay` before Redis's own clock.
pub(crate) async fn start_id(
    conn: &ConnectionManager,
    config: &ReplicaConfig,
    shown: &str,
) -> Result<String, ReplicaError> {
    let mut conn = conn.clone();
    let cmd = redis::cmd("TIME");
    let time = cmd.query_async::<(u64, u64)>(&mut conn);
    let (secs, micros) = match tokio::time::timeout(config.command_timeout, time).await {
        Ok(Ok(t)) => t,
        Ok(Err(source)) => {
            return Err(ReplicaError::Unreachable {
                url: shown.into(),
                source,
            });
        }
        Err(_) => {
            return Err(ReplicaError::Timeout {
                url: shown.into(),
                after: config.command_timeout,
            });
        }
    };
    let now_ms = secs.saturating_mul(1000) + micros / 1000;
    let replay = u64::try_from(config.replay.as_millis()).unwrap_or(u64::MAX);
    Ok(format!("{}-0", now_ms.saturating_sub(replay)))
}

/// Reads the stream until the replica is dropped. After an error it retries with a growing
/// pause and goes on from the last id it read, so nothing still in the stream is missed.
pub(crate) async fn read(shared: Weak<Shared>, mut conn: ConnectionManager, mut last: String) {
    let mut backoff = Duration::from_millis(50);
    loop {
        let Some(s) = shared.upgrade() else { return };
        let key = s.config.key("events");
        let block_ms = u64::try_from(BLOCK.as_millis()).unwrap_or(1000);
        let limit = BLOCK + s.config.command_timeout;
        // Not holding the replica while blocked, so that dropping it ends this task promptly.
        drop(s);
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT")
            .arg(BATCH)
            .arg("BLOCK")
            .arg(block_ms)
            .arg("STREAMS")
            .arg(&key)
            .arg(&last);
        let xread = cmd.query_async::<Option<StreamReadReply>>(&mut conn);
        let answer = tokio::time::timeout(limit, xread).await;
        let Some(s) = shared.upgrade() else { return };
        match answer {
            Ok(Ok(reply)) => {
                if s.down.load(Ordering::Relaxed) || backoff > Duration::from_millis(50) {
                    s.stats.resubscribed.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(from = %last, "reading the shared event stream again");
                }
                s.up();
                backoff = Duration::from_millis(50);
                for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
                    handle(&s, &entry.map);
                    last = entry.id;
                }
            }
            failed => {
                s.lost(&describe(failed.map(|r| r.map(drop))));
                drop(s);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One entry: an event for the hubs, or a pause for the clients. Entries this version does not
/// know are skipped (a newer replica may write more).
fn handle(s: &Shared, map: &std::collections::HashMap<String, redis::Value>) {
    let text = |name: &str| match map.get(name) {
        Some(redis::Value::BulkString(b)) => Some(b.as_slice()),
        _ => None,
    };
    if let Some(json) = text("event") {
        match serde_json::from_slice::<Event>(json) {
            Ok(event) => {
                s.stats.received.fetch_add(1, Ordering::Relaxed);
                s.deliver(&event);
            }
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable event in the stream"),
        }
    } else if let Some(until) = text("pause")
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| t.parse::<u64>().ok())
    {
        let left = until.saturating_sub(unix_ms());
        if left > 0 {
            s.pause(Duration::from_millis(left));
        }
    }
}

/// Publishes queued entries until the replica is dropped, in order, in batches; an entry that
/// could not be published is retried (with a growing pause) until Redis takes it.
pub(crate) async fn publish(shared: Weak<Shared>, mut queue: mpsc::Receiver<Entry>) {
    let mut batch: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut backoff = Duration::from_millis(50);
    loop {
        if batch.is_empty() {
            let Some(first) = queue.recv().await else {
                return;
            };
            push(&mut batch, first);
        }
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(entry) => push(&mut batch, entry),
                Err(_) => break,
            }
        }
        let Some(s) = shared.upgrade() else { return };
        let key = s.config.key("events");
        let mut pipe = redis::pipe();
        for (field, value) in &batch {
            pipe.cmd("XADD")
                .arg(&key)
                .arg("MAXLEN")
                .arg("~")
                .arg(s.config.stream_max_len)
                .arg("*")
                .arg(*field)
                .arg(value.as_slice())
                .ignore();
        }
        let mut conn = s.conn.clone();
        let sent = pipe.query_async::<()>(&mut conn);
        match tokio::time::timeout(s.config.command_timeout, sent).await {
            Ok(Ok(())) => {
                s.up();
                s.stats
                    .published
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                batch.clear();
                backoff = Duration::from_millis(50);
            }
            // Kept for the next round: a pipeline that failed part way may have added some
            // entries already, which readers then see twice (harmless: hubs take repeats).
            failed => {
                s.lost(&describe(failed));
                drop(s);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn push(batch: &mut Vec<(&'static str, Vec<u8>)>, entry: Entry) {
    match entry {
        Entry::Event(event) => match serde_json::to_vec(&event) {
            Ok(json) => batch.push(("event", json)),
            Err(e) => tracing::warn!(error = %e, "could not serialize an event to publish"),
        },
        Entry::Pause(until) => batch.push(("pause", until.to_string().into_bytes())),
    }
}
