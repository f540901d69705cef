//! Checking params before an invoke: the params schema of the version that will run, fetched once
//! per Function and kept for a bounded time in a bounded cache, then [`ParamsSchema`].
//!
//! The version that runs is the Function's newest, by `createdAt` ([`FunctionVersions::latest`]):
//! publishing a Function makes a new version, and invocations run the newest one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::OnceCell;
use tokio::time::Instant;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::functions::Functions;
use crate::params_schema::ParamsSchema;
use crate::validate::ValidationErrors;

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
struct Loaded {
    at: Instant,
    version_id: Option<Uuid>,
    schema: Option<Arc<ParamsSchema>>,
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
    fn slot(&self, function: Uuid) -> (Arc<OnceCell<Loaded>>, Option<Option<Uuid>>) {
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

/// Checks `params` (the serialized JSON object, or none: the Function then gets `{}`) against the
/// schema of `function`'s newest version.
///
/// # Errors
/// [`Error::Validation`] with every violation under `params`; the errors of listing the versions
/// (the check was asked for and could not be made, so nothing is invoked).
pub(crate) async fn check(
    ctx: &Arc<Context>,
    function: Uuid,
    params: Option<&[u8]>,
) -> Result<(), Error> {
    let Some(schema) = schema_of(ctx, function).await? else {
        return Ok(());
    };
    let params = match params {
        None => Value::Object(Map::new()),
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| {
            ValidationErrors::single("params", format!("must serialize to JSON: {e}"))
        })?,
    };
    Ok(schema.check(&params)?)
}

/// The compiled schema of `function`'s newest version, from the cache or fetched; `None` when
/// there is nothing to check against (logged once).
async fn schema_of(ctx: &Arc<Context>, function: Uuid) -> Result<Option<Arc<ParamsSchema>>, Error> {
    let (slot, unusable) = ctx.schemas.slot(function);
    let loaded = slot
        .get_or_try_init(|| load(ctx, function, unusable))
        .await?;
    Ok(loaded.schema.clone())
}

async fn load(
    ctx: &Arc<Context>,
    function: Uuid,
    unusable: Option<Option<Uuid>>,
) -> Result<Loaded, Error> {
    let latest = Functions { ctx: ctx.clone() }
        .versions(function)
        .latest()
        .await?;
    let at = Instant::now();
    // The same version found unusable last time: already logged.
    let quiet = unusable == Some(latest.as_ref().map(|v| v.id));
    let Some(version) = latest else {
        if !quiet {
            tracing::warn!(
                function = %function,
                "the Function has no version: its params are not checked"
            );
        }
        return Ok(Loaded {
            at,
            version_id: None,
            schema: None,
        });
    };
    let schema = if version.user_params_schema.is_empty() {
        if !quiet {
            tracing::warn!(
                function = %function,
                version = %version.id,
                "the Function's version publishes no params schema: its params are not checked"
            );
        }
        None
    } else {
        match ParamsSchema::compile(&Value::Object(version.user_params_schema)) {
            Ok(schema) => Some(Arc::new(schema)),
            Err(e) => {
                if !quiet {
                    tracing::warn!(
                        function = %function,
                        version = %version.id,
                        error = &e as &dyn std::error::Error,
                        "the Function's params schema cannot be used: its params are not checked"
                    );
                }
                None
            }
        }
    };
    Ok(Loaded {
        at,
        version_id: Some(version.id),
        schema,
    })
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
