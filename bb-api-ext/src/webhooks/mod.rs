//! Browserbase webhooks: register endpoints ([`Webhooks`], from [`crate::Client::webhooks`]),
//! verify and read deliveries ([`Verifier`], [`Event`]), drop repeats ([`SeenEvents`]), and wait
//! for invocations on their events instead of polling ([`WebhookHub`], [`crate::Wait::via`]).
//!
//! Browserbase POSTs a JSON event to your HTTPS endpoint when a Function build or invocation
//! changes state, signed per [Standard Webhooks](https://www.standardwebhooks.com/): headers
//! `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64>`
//! HMAC-SHA256 of `{id}.{timestamp}.{raw body}` with the key in your `whsec_…` secret).
//!
//! ```no_run
//! use bb_api_ext::webhooks::{InMemorySeenEvents, SeenEvents, Verifier};
//! # fn respond(_status: u16) {}
//! # fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::from_env()?; // BROWSERBASE_WEBHOOK_SECRET=whsec_…
//! let seen = InMemorySeenEvents::with_capacity(100_000);
//!
//! match verifier.verify(headers, body) {
//!     Ok(event) => {
//!         if seen.first_time(&event.id) {
//!             // Hand off to a worker and answer at once: Browserbase waits 15 s at most.
//!             println!("{} {} {}", event.id, event.event_type, event.resource_id);
//!         }
//!         respond(200); // a repeat is acknowledged too, or it is sent again
//!     }
//!     Err(e) => {
//!         eprintln!("rejected webhook delivery: {e}"); // for your logs, not for the sender
//!         respond(e.status()); // 401, 413 or 400, with an empty body
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! What to know about deliveries (from Browserbase's docs):
//! - **Raw body**: verify the bytes as received. Parsing and re-serializing breaks the signature.
//! - **Answer 2xx within 15 seconds**, then do the work; anything else is retried after 5 s,
//!   5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
//! - **At least once**: the same event can arrive again, even after you processed it. Deduplicate
//!   on [`Event::id`] ([`SeenEvents`]) and keep handlers idempotent.
//! - **No ordering**: `completed` can arrive before `running` for the same invocation.
//! - **Rotation**: after a secret rotation the old secret keeps signing for 24 hours; give the
//!   verifier both ([`Verifier::from_secrets`], or both in `BROWSERBASE_WEBHOOK_SECRET` separated by
//!   a space).
//! - The `data` payload per event type is not published (UNCONFIRMED): it stays raw JSON in
//!   [`Event::data`].
//!
//! The `webhook_receiver` example is a complete receiver (size cap, verify, dedup, quick ack,
//! worker) and says how to reach it from Browserbase through a tunnel during development.
//!
//! # Waiting on events
//!
//! Hand every verified event to the client's hub and wait [`via`](crate::Wait::via) it: the wait
//! ends on the invocation's terminal event with no request, and polls only every
//! [`DEFAULT_EVENT_FALLBACK`] in case a delivery is lost.
//!
//! ```no_run
//! # async fn demo(client: bb_api_ext::Client, event: bb_api_ext::webhooks::Event, id: uuid::Uuid)
//! # -> Result<(), bb_api_ext::Error> {
//! let hub = client.webhook_events();
//! hub.deliver(&event); // in the receiver, for each verified event
//! let done = client.invocations().wait(id).via(&hub).await?; // elsewhere
//! # let _ = done; Ok(()) }
//! ```
//!
//! The `webhook_wait` example runs the whole flow on one machine against the `testing` fake,
//! which delivers signed events to loopback receivers.

mod dedup;
mod endpoints;
mod error;
mod event;
mod hub;
mod secret;
mod signature;
mod verify;

/// A registered webhook endpoint, as the API returns it (the spec's `Webhook`).
pub use bb_api::types::Webhook;
pub use dedup::{AsyncSeenEvents, InMemorySeenEvents, SeenEvents};
pub use endpoints::{
    CreatedWebhook, MAX_ENDPOINT_CHARS, RotateSecret, UpdateWebhook, WebhookList, Webhooks,
};
pub use error::VerifyError;
pub use event::{Event, EventType};
pub(crate) use hub::Subscription;
pub use hub::{DEFAULT_EVENT_FALLBACK, WebhookHub};
pub use secret::{SECRET_PREFIX, SecretError, WebhookSecret};
pub use signature::sign;
pub use verify::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    SECRET_ENV, Verifier,
};
