//! The params schemas a client has fetched, by Function id: kept for a bounded time in a bounded
//! cache, shared by concurrent checks of one Function (feature `params-check`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;
use uuid::Uuid;

use crate::params_schema::ParamsSchema;

/// How long a fetched schema is used before it is fetched again, unless the client says otherwise.
pub(crate) const DEFAULT_SCHEMA_TTL: Duration = Duration::from_secs(5 * 60);

/// The most Functions whose schemas one client keeps; past that, the oldest is dropped.
pub(crate) const MAX_CACHED_SCHEMAS: usize = 256;

/// The schemas of the Functions a client invoked with the check on, by Function id.
pub(crate) struct SchemaCache {
    ttl: Duration,
    slots: Mutex<HashMap<Uuid, Arc<OnceCell<Loaded>>>>,
}

/// What was found for a Function: the version that runs, and its compiled schema if it has a
/// usable one.
pub(crate) struct Loaded {
    pub(crate) at: Instant,
    pub(crate) version_id: Option<Uuid>,
    pub(crate) schema: Option<Arc<ParamsSchema>>,
}

impl Loaded {
    fn fresh(&self, ttl: Duration) -> bool {
        self.at.elapsed() < ttl
    }
}

impl SchemaCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The slot for `function`: the cached one while fresh or still loading, else a new one.
    /// Concurrent checks of one Function share a slot, so a cold cache costs one fetch, not one
    /// per invoke. Also returns the version the expired entry had (`Some(None)`: none), if it had
    /// no usable schema, so that the same finding is not logged again.
    pub(crate) fn slot(&self, function: Uuid) -> (Arc<OnceCell<Loaded>>, Option<Option<Uuid>>) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut unusable = None;
        if let Some(slot) = slots.get(&function) {
            match slot.get() {
                None => return (slot.clone(), None),
                Some(loaded) if loaded.fresh(self.ttl) => return (slot.clone(), None),
                Some(loaded) => {
                    unusable = loaded.schema.is_none().then_some(loaded.version_id);
                }
            }
        } else if slots.len() >= MAX_CACHED_SCHEMAS {
            evict(&mut slots, self.ttl);
        }
        let slot = Arc::new(OnceCell::new());
        slots.insert(function, slot.clone());
        (slot, unusable)
    }

    /// How many Functions are cached (loaded or loading).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or_default()
    }
}

/// Makes room for one more: drops what expired, else the entry loaded longest ago (one still
/// loading is kept: a check is waiting on it).
fn evict(slots: &mut HashMap<Uuid, Arc<OnceCell<Loaded>>>, ttl: Duration) {
    slots.retain(|_, slot| slot.get().is_none_or(|l| l.fresh(ttl)));
    if slots.len() < MAX_CACHED_SCHEMAS {
        return;
    }
    let oldest = slots
        .iter()
        .filter_map(|(id, slot)| slot.get().map(|l| (l.at, *id)))
        .min()
        .map(|(_, id)| id);
    if let Some(id) = oldest {
        slots.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_keeps_the_cache_bounded_and_drops_the_oldest() {
        let cache = SchemaCache::new(Duration::from_secs(3600));
        let start = Instant::now();
        let ids: Vec<Uuid> = (0..=MAX_CACHED_SCHEMAS as u128)
            .map(Uuid::from_u128)
            .collect();
        for (i, id) in ids.iter().take(MAX_CACHED_SCHEMAS).enumerate() {
            let (slot, _) = cache.slot(*id);
            let loaded = Loaded {
                at: start + Duration::from_millis(i as u64),
                version_id: None,
                schema: None,
            };
            assert!(slot.set(loaded).is_ok());
        }
        assert_eq!(cache.len(), MAX_CACHED_SCHEMAS);
        let _ = cache.slot(ids[MAX_CACHED_SCHEMAS]);
        assert_eq!(cache.len(), MAX_CACHED_SCHEMAS);
        let slots = cache.slots.lock().expect("not poisoned");
        assert!(!slots.contains_key(&ids[0]), "the oldest is dropped");
        assert!(slots.contains_key(&ids[1]));
        assert!(slots.contains_key(&ids[MAX_CACHED_SCHEMAS]));
    }
}
