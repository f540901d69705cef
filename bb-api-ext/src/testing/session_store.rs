//! The fake's browser sessions as data, kept in its shared state; served by `sessions.rs`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// One session.
pub(crate) struct SessionRecord {
    pub(crate) id: Uuid,
    pub(crate) created: DateTime<Utc>,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) released: Option<DateTime<Utc>>,
    pub(crate) keep_alive: bool,
    pub(crate) region: String,
    pub(crate) user_metadata: Map<String, Value>,
    pub(crate) record: bool,
    /// The invocation that runs in it, whose end ends it.
    pub(crate) invocation: Option<Uuid>,
    /// Polls left before the requested downloads are ready (`None`: not requested).
    pub(crate) downloads: Option<u32>,
}

/// Every session of the project.
#[derive(Default)]
pub(crate) struct SessionStore {
    pub(crate) sessions: HashMap<Uuid, SessionRecord>,
    pub(crate) order: Vec<Uuid>,
    /// How long each create's answer is held ([`super::FakeBrowserbase::hold_session_creates`]).
    pub(crate) hold_creates: Option<std::time::Duration>,
}

impl SessionStore {
    pub(crate) fn insert(&mut self, record: SessionRecord) {
        self.order.push(record.id);
        self.sessions.insert(record.id, record);
    }
}
