//! What users do with an invocation in hand beyond its fields: decode its results.
//!
//! The invocation types themselves are generated from the spec (`bb_api::types::Invocation`),
//! made tolerant by the generator settings: statuses and cause codes are open enums, `results`
//! is any JSON, timestamps a pending invocation lacks are optional.

use std::future::Future;

use bb_api::types::{Invocation, InvocationsGetLogsResponse};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::Error;
use crate::results::decode_results;

/// Methods on [`Invocation`] that need this crate's error type.
pub trait InvocationExt {
    /// The results decoded into `T`; `Ok(None)` when there are none (not yet, or the Function
    /// returned nothing).
    ///
    /// ```
    /// # use bb_api_ext::{Invocation, InvocationExt};
    /// #[derive(serde::Deserialize)]
    /// struct Page { title: String }
    ///
    /// # fn demo(invocation: &Invocation) -> Result<(), bb_api_ext::Error> {
    /// if let Some(page) = invocation.results_as::<Page>()? {
    ///     println!("{}", page.title);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Results`] keeping the results as sent, when they are not a `T`.
    fn results_as<T: DeserializeOwned>(&self) -> Result<Option<T>, Error>;

    /// Its log lines: the first place to look when it failed with `WORKLOAD_ERROR`. The same as
    /// `client.invocations().logs(invocation.id)`.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, invocation: bb_api_ext::Invocation) -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::InvocationExt;
    ///
    /// for line in invocation.logs(&client).await?.logs {
    ///     println!("{}", line.message);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The request's errors.
    fn logs(
        &self,
        client: &Client,
    ) -> impl Future<Output = Result<InvocationsGetLogsResponse, Error>> + Send;

    /// The browser session it ran in, for its evidence: CDP logs, recording, replays, recording
    /// downloads.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, invocation: bb_api_ext::Invocation) -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::InvocationExt;
    ///
    /// for entry in invocation.session(&client).logs().await? {
    ///     println!("{}", entry.method);
    /// }
    /// # Ok(()) }
    /// ```
    fn session(&self, client: &Client) -> crate::SessionHandle;
}

impl InvocationExt for Invocation {
    fn session(&self, client: &Client) -> crate::SessionHandle {
        client.sessions().session(self.session_id)
    }

    fn logs(
        &self,
        client: &Client,
    ) -> impl Future<Output = Result<InvocationsGetLogsResponse, Error>> + Send {
        let (invocations, id) = (client.invocations(), self.id);
        async move { invocations.logs(id).await }
    }

    fn results_as<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        match &self.results {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(_) => decode_results(self).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invocation(status: &str) -> serde_json::Value {
        json!({
            "id": "0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e",
            "projectId": "11111111-2222-4333-8444-555555555555",
            "functionId": "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            "versionId": "22222222-3333-4444-8555-666666666666",
            "sessionId": "33333333-4444-4555-8666-777777777777",
            "status": status,
            "createdAt": "2026-11-28T10:00:00Z"
        })
    }

    #[test]
    fn a_response_newer_than_the_spec_decodes() {
        let mut v = invocation("CANCELLED");
        v["priority"] = json!(3);
        v["cause"] = json!({"code": "OUT_OF_MEMORY"});
        let inv: Invocation = serde_json::from_value(v.clone()).expect("tolerant");
        assert_eq!(
            inv.status,
            bb_api::open::InvocationStatus::Unknown("CANCELLED".into())
        );
        assert!(!inv.is_terminal());
        assert_eq!(
            inv.cause.as_ref().and_then(|c| c.code.clone()),
            Some(bb_api::open::InvocationCauseCode::Unknown(
                "OUT_OF_MEMORY".into()
            ))
        );
        v["endedAt"] = json!("2026-11-28T10:01:00Z");
        let inv: Invocation = serde_json::from_value(v).expect("tolerant");
        assert!(
            inv.is_terminal(),
            "an unknown status with endedAt has ended"
        );
    }

    #[test]
    fn results_as_decodes_or_keeps_the_raw_json() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct R {
            title: String,
        }
        let mut v = invocation("COMPLETED");
        v["results"] = json!({"title": "Example"});
        let inv: Invocation = serde_json::from_value(v).expect("decodes");
        assert_eq!(
            inv.results_as::<R>().ok().flatten(),
            Some(R {
                title: "Example".into()
            })
        );
        let Err(Error::Results { results, .. }) = inv.results_as::<Vec<u8>>() else {
            panic!("a mismatch is Error::Results");
        };
        assert_eq!(results, json!({"title": "Example"}));
        let mut v = invocation("COMPLETED");
        v["results"] = json!(null);
        let inv: Invocation = serde_json::from_value(v).expect("decodes");
        assert!(matches!(inv.results_as::<R>(), Ok(None)));
    }
}
