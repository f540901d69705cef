//! Checking params before an invoke: the params schema of the version that will run, fetched once
//! per Function and kept for a bounded time in a bounded cache, then [`ParamsSchema`].
//!
//! The version that runs is the Function's newest, by `createdAt` ([`FunctionVersions::latest`]):
//! publishing a Function makes a new version, and invocations run the newest one.

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::time::Instant;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::function_versions::FunctionVersions;
use crate::ids::FunctionRef;
use crate::params_schema::ParamsSchema;
use crate::schema_cache::Loaded;
use crate::validate::ValidationErrors;

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
    let latest = FunctionVersions::new(ctx.clone(), FunctionRef::Id(function))
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
