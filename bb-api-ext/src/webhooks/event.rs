//! A delivery's envelope: event id, type, resource id and the type-specific `data`, read tolerantly.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::validate::a_json_type;

/// One webhook event, as Browserbase posts it:
///
/// ```json
/// { "id": "85e6ff2d-91de-468a-867c-e0d9e4587063",
///   "type": "functions.invocations.completed",
///   "resourceId": "a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73",
///   "data": { "status": "COMPLETED" } }
/// ```
///
/// Read tolerantly, because Browserbase adds envelope keys without notice: `id` and `type` are
/// required (non-empty strings), `resourceId` and `data` may be missing (empty text and `null`),
/// and any other key is kept in [`extra`](Self::extra). An unknown `type` is kept as
/// [`EventType::Unknown`].
///
/// **The per-type `data` schemas are not published** (UNCONFIRMED; the docs only say to "branch
/// on `type` and the state in `data`", which suggests the invocation or build object). So `data`
/// is kept as raw JSON; [`data_as`](Self::data_as) decodes it into a type of yours and
/// [`data_status`](Self::data_status) reads `data.status` if there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Event {
    /// The event id. Stable across retries of the same event: the key to deduplicate on.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The resource the event concerns (an invocation or build id, going by the type names), as
    /// sent; empty if the delivery had none. See [`resource_uuid`](Self::resource_uuid).
    #[serde(rename = "resourceId")]
    pub resource_id: String,
    /// The type-specific payload, raw; `null` if the delivery had none.
    pub data: Value,
    /// Envelope keys this crate does not know yet, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Event {
    /// An event with no extra envelope keys: for tests and fake servers that send deliveries.
    pub fn new(
        id: impl Into<String>,
        event_type: EventType,
        resource_id: impl Into<String>,
        data: Value,
    ) -> Self {
        Self {
            id: id.into(),
            event_type,
            resource_id: resource_id.into(),
            data,
            extra: Map::new(),
        }
    }

    /// [`resource_id`](Self::resource_id) as a UUID, if it is one.
    pub fn resource_uuid(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.resource_id).ok()
    }

    /// Decodes `data` into your own type. The payload schema is UNCONFIRMED (see [`Event`]):
    /// make fields you rely on optional and keep [`data`](Self::data) around for what you don't.
    ///
    /// ```
    /// # use bb_api_ext::webhooks::{Event, EventType};
    /// #[derive(serde::Deserialize)]
    /// struct State { status: Option<String> }
    ///
    /// let event = Event::new("e1", EventType::FunctionsInvocationsCompleted, "r1",
    ///     serde_json::json!({"status": "COMPLETED", "results": {"title": "Example"}}));
    /// let state: State = event.data_as()?;
    /// assert_eq!(state.status.as_deref(), Some("COMPLETED"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }

    /// `data.status` if `data` is an object with a string `status` (`"COMPLETED"`, say). That the
    /// payload carries the resource's status is an inference from the docs (UNCONFIRMED); the
    /// event type alone already tells a terminal event apart ([`EventType::is_terminal`]).
    pub fn data_status(&self) -> Option<&str> {
        self.data.get("status").and_then(Value::as_str)
    }

    /// Reads an envelope from a delivery body. The error names the offending key (empty for the
    /// body as a whole) and the rule.
    pub(crate) fn from_body(body: &[u8]) -> Result<Self, EnvelopeError> {
        let map: Map<String, Value> = serde_json::from_slice(body)
            .map_err(|e| EnvelopeError::new("", format!("is not a JSON object ({e})")))?;
        Self::from_map(map)
    }

    fn from_map(mut map: Map<String, Value>) -> Result<Self, EnvelopeError> {
        let id = required_text(&mut map, "id")?;
        let event_type = EventType::from(required_text(&mut map, "type")?.as_str());
        let resource_id = match map.remove("resourceId") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s,
            Some(other) => return Err(wrong_type("resourceId", "a string", &other)),
        };
        let data = map.remove("data").unwrap_or(Value::Null);
        Ok(Self {
            id,
            event_type,
            resource_id,
            data,
            extra: map,
        })
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_map(Map::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

fn required_text(map: &mut Map<String, Value>, key: &'static str) -> Result<String, EnvelopeError> {
    match map.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(EnvelopeError::new(key, "must not be empty".to_owned())),
        None | Some(Value::Null) => Err(EnvelopeError::new(key, "is required".to_owned())),
        Some(other) => Err(wrong_type(key, "a string", &other)),
    }
}

fn wrong_type(key: &'static str, expected: &str, got: &Value) -> EnvelopeError {
    EnvelopeError::new(
        key,
        format!("must be {expected} (got {})", a_json_type(got)),
    )
}

/// Why a body is not an event envelope: the key (empty for the body as a whole) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvelopeError {
    pub(crate) path: &'static str,
    pub(crate) message: String,
}

impl EnvelopeError {
    /// The longest message kept: a serde message can quote a long string from the body.
    const MAX_MESSAGE: usize = 200;

    fn new(path: &'static str, mut message: String) -> Self {
        if message.len() > Self::MAX_MESSAGE {
            let mut cut = Self::MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        Self { path, message }
    }
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "body {}", self.message)
        } else {
            write!(f, "`{}` {}", self.path, self.message)
        }
    }
}

/// What an event is about: the spec's `WebhookEventType`, an open enum (a type newer than this
/// crate is kept as `Unknown` instead of failing, so a new subscription never breaks a receiver).
pub use bb_api::open::WebhookEventType as EventType;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: &str) -> Result<Event, String> {
        Event::from_body(body.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_documented_envelope_and_keeps_unknown_keys() {
        let event = parse(
            r#"{"id":"85e6ff2d-91de-468a-867c-e0d9e4587063","type":"functions.invocations.completed",
                "resourceId":"a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73","data":{"status":"COMPLETED"},
                "createdAt":"2026-01-01T00:00:00Z"}"#,
        );
        let Ok(event) = event else {
            panic!("{event:?}")
        };
        assert_eq!(event.id, "85e6ff2d-91de-468a-867c-e0d9e4587063");
        assert_eq!(event.event_type, EventType::FunctionsInvocationsCompleted);
        assert_eq!(
            event.resource_uuid().map(|u| u.to_string()).as_deref(),
            Some("a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73")
        );
        assert_eq!(event.data_status(), Some("COMPLETED"));
        assert_eq!(
            Value::Object(event.extra.clone()),
            json!({"createdAt": "2026-01-01T00:00:00Z"})
        );
        // Written back with the same keys, unknown ones included.
        assert_eq!(
            serde_json::to_value(&event).ok(),
            Some(json!({"id":"85e6ff2d-91de-468a-867c-e0d9e4587063",
                "type":"functions.invocations.completed",
                "resourceId":"a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73","data":{"status":"COMPLETED"},
                "createdAt":"2026-01-01T00:00:00Z"}))
        );
        assert_eq!(
            serde_json::from_value::<Event>(json!(event)).ok(),
            Some(event)
        );
    }

    #[test]
    fn missing_optional_keys_are_tolerated() {
        let Ok(event) = parse(r#"{"id":"e1","type":"functions.builds.failed","resourceId":null}"#)
        else {
            panic!()
        };
        assert_eq!(event.resource_id, "");
        assert_eq!(event.resource_uuid(), None);
        assert_eq!(event.data, Value::Null);
        assert_eq!(event.data_status(), None);
        assert!(event.extra.is_empty());
    }

    #[test]
    fn rejects_with_key_and_rule() {
        assert_eq!(
            parse(r#"{"type":"functions.builds.failed"}"#)
                .err()
                .as_deref(),
            Some("`id` is required")
        );
        assert_eq!(
            parse(r#"{"id":"e1","type":7}"#).err().as_deref(),
            Some("`type` must be a string (got a number)")
        );
        assert_eq!(
            parse(r#"{"id":"","type":"x"}"#).err().as_deref(),
            Some("`id` must not be empty")
        );
        assert_eq!(
            parse(r#"{"id":"e1","type":"x","resourceId":{}}"#)
                .err()
                .as_deref(),
            Some("`resourceId` must be a string (got an object)")
        );
        assert_eq!(
            parse("[1]").err().as_deref(),
            Some(
                "body is not a JSON object (invalid type: sequence, expected a map at line 1 column 0)"
            )
        );
        assert_eq!(
            parse("").err().as_deref(),
            Some("body is not a JSON object (EOF while parsing a value at line 1 column 0)")
        );
        let long = format!(r#"{{"id":"e1","type":"x","data":1}} "{}""#, "z".repeat(500));
        let message = parse(&long).err().unwrap_or_default();
        assert!(message.chars().count() < 260, "{message}");
    }

    #[test]
    fn data_as_decodes_into_a_caller_type() {
        #[derive(Deserialize, PartialEq, Debug)]
        struct Payload {
            status: String,
            results: Option<Value>,
        }
        let event = Event::new(
            "e1",
            EventType::FunctionsInvocationsCompleted,
            "r",
            json!({"status": "COMPLETED", "results": {"n": 1}}),
        );
        assert_eq!(
            event.data_as::<Payload>().ok(),
            Some(Payload {
                status: "COMPLETED".into(),
                results: Some(json!({"n": 1}))
            })
        );
        let missing = Event::new(
            "e1",
            EventType::FunctionsInvocationsCompleted,
            "r",
            Value::Null,
        );
        assert!(missing.data_as::<Payload>().is_err());
        assert_eq!(missing.data_as::<Option<Payload>>().ok(), Some(None));
    }

    #[test]
    fn event_type_round_trips_and_classifies() {
        let expected = [
            ("functions.builds.running", true, false, false),
            ("functions.builds.completed", true, false, true),
            ("functions.builds.failed", true, false, true),
            ("functions.invocations.pending", false, true, false),
            ("functions.invocations.running", false, true, false),
            ("functions.invocations.completed", false, true, true),
            ("functions.invocations.failed", false, true, true),
            ("functions.invocations.cancelled", false, true, false),
            ("functions.builds.queued", true, false, false),
            ("sessions.created", false, false, false),
        ];
        for (i, (text, build, invocation, terminal)) in expected.into_iter().enumerate() {
            let t = EventType::from(text);
            assert_eq!(t.is_unknown(), i >= 7, "{text}");
            assert_eq!(t.as_str(), text);
            assert_eq!(t.to_string(), text);
            assert_eq!(
                (t.is_build(), t.is_invocation(), t.is_terminal()),
                (build, invocation, terminal),
                "{text}"
            );
            assert_eq!(serde_json::to_value(&t).ok(), Some(json!(text)));
            assert_eq!(
                serde_json::from_value::<EventType>(json!(text)).ok(),
                Some(t)
            );
        }
    }
}
