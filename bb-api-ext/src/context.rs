//! What a client and every handle made from it share: the transport, the cache of Function
//! names, the webhook event hub and (feature `params-check`) the cache of params schemas. Handles
//! hold an `Arc` of it, so they outlive the `Client` value they came from.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::error::Error;
use crate::ids::{IdInput, id_text};
use crate::transport::operation::Operation;
use crate::transport::{Call, Transport};
use crate::webhooks::WebhookHub;

pub(crate) struct Context {
    pub(crate) transport: Transport,
    /// Function names resolved to ids, once per client: a Function keeps its id when republished.
    pub(crate) names: Mutex<HashMap<String, Uuid>>,
    /// The hub [`crate::Client::webhook_events`] returns.
    pub(crate) events: WebhookHub,
    /// Whether invokes check their params unless the call says otherwise.
    #[cfg(feature = "params-check")]
    pub(crate) check_params: bool,
    /// Params schemas by Function id, for the check.
    #[cfg(feature = "params-check")]
    pub(crate) schemas: crate::schema_cache::SchemaCache,
    /// Polls of waits in flight at once (`ClientBuilder::max_polls_in_flight`, default 64).
    pub(crate) polls: Semaphore,
    /// The API key's project's concurrency, once read (`Projects::concurrency`).
    pub(crate) project_concurrency: tokio::sync::OnceCell<u64>,
}

impl Context {
    pub(crate) fn new(transport: Transport, max_polls_in_flight: usize) -> Self {
        Self {
            transport,
            names: Mutex::new(HashMap::new()),
            events: WebhookHub::new(),
            #[cfg(feature = "params-check")]
            check_params: false,
            #[cfg(feature = "params-check")]
            schemas: crate::schema_cache::SchemaCache::new(crate::schema_cache::DEFAULT_SCHEMA_TTL),
            polls: Semaphore::new(max_polls_in_flight.max(1)),
            project_concurrency: tokio::sync::OnceCell::new(),
        }
    }

    /// Calls a read whose one path argument is an id (validated first: nothing is sent for an
    /// id that is not a UUID).
    pub(crate) async fn get_by_id<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        id: IdInput,
    ) -> Result<T, Error> {
        let id = id.parse("id")?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        self.transport.call(Call::new(op, &args)).await
    }

    pub(crate) fn cached_name(&self, name: &str) -> Option<Uuid> {
        self.names
            .lock()
            .ok()
            .and_then(|names| names.get(name).copied())
    }

    pub(crate) fn cache_name(&self, name: &str, id: Uuid) {
        if let Ok(mut names) = self.names.lock() {
            names.insert(name.to_owned(), id);
        }
    }
}
