//! An invocation's results decoded as the caller's type, keeping them as sent on a mismatch.

use bb_api::types::Invocation;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// The results of `invocation` as a `T`; none decode as `null`. A mismatch keeps them as sent.
pub(crate) fn decode_results<T: DeserializeOwned>(invocation: &Invocation) -> Result<T, Error> {
    let results = invocation
        .results
        .as_ref()
        .unwrap_or(&serde_json::Value::Null);
    T::deserialize(results).map_err(|source| Error::Results {
        invocation_id: invocation.id,
        results: results.clone(),
        source,
    })
}
