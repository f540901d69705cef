//! Receiving Browserbase webhook deliveries: verify the signature, read the event, drop repeats.
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

mod dedup;
mod error;
mod event;
mod secret;
mod signature;
mod verify;

pub use dedup::{InMemorySeenEvents, SeenEvents};
pub use error::VerifyError;
pub use event::{Event, EventType};
pub use secret::{SECRET_PREFIX, SecretError, WebhookSecret};
pub use signature::sign;
pub use verify::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    SECRET_ENV, Verifier,
};
