//! Why a delivery was rejected, and the HTTP status a receiver should answer with.

use std::time::Duration;

/// Why a webhook delivery was rejected.
///
/// Messages name the header or key and say what to check; they never contain a secret or the
/// received signatures. Answer the sender with [`status`](Self::status), and keep the message for
/// your own logs (echoing it to the sender tells an attacker which check failed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A required header is missing or empty.
    #[error(
        "the delivery has no `{name}` header: it was not sent by Browserbase, or a proxy in front \
         of this receiver dropped it (forward webhook-id, webhook-timestamp and webhook-signature \
         unchanged)"
    )]
    MissingHeader {
        /// The header, lowercase (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
        name: &'static str,
    },

    /// A header value is not visible ASCII text, so it cannot be what Browserbase signed.
    #[error(
        "the `{name}` header is not plain ASCII text: the delivery was not sent by Browserbase or \
         was altered on the way"
    )]
    MalformedHeader {
        /// The header, lowercase.
        name: &'static str,
    },

    /// `webhook-timestamp` is not whole Unix seconds.
    #[error(
        "`webhook-timestamp` {value:?} is not whole Unix seconds: the delivery was not sent by \
         Browserbase or was altered on the way"
    )]
    MalformedTimestamp {
        /// The start of the header value, as received.
        value: String,
    },

    /// `webhook-timestamp` is further in the past than the tolerance allows: a replay, a delivery
    /// held up somewhere, or a clock that is ahead.
    #[error(
        "`webhook-timestamp` is {}s in the past, beyond the {}s tolerance: a replayed or long \
         delayed delivery, or this machine's clock is ahead (check NTP); widen \
         Verifier::with_tolerance only if deliveries are legitimately this late",
        .age.as_secs(), .tolerance.as_secs()
    )]
    TimestampTooOld {
        /// How far in the past, in whole seconds.
        age: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },

    /// `webhook-timestamp` is further in the future than the tolerance allows: usually this
    /// machine's clock is behind.
    #[error(
        "`webhook-timestamp` is {}s in the future, beyond the {}s tolerance: this machine's clock \
         is probably behind (check NTP)",
        .ahead.as_secs(), .tolerance.as_secs()
    )]
    TimestampTooNew {
        /// How far in the future, in whole seconds.
        ahead: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },

    /// `webhook-signature` holds no well-formed `v1,<base64>` entry: nothing could be checked
    /// against the secrets, so the secret is not the problem.
    #[error(
        "`webhook-signature` holds no well-formed `v1,<base64>` entry (received {received}): \
         each entry is `v1,` then the base64 of a 32-byte HMAC-SHA256 tag, entries separated by \
         spaces; check that the sender is Browserbase (Standard Webhooks, v1 signatures) and that \
         no proxy rewrites the header"
    )]
    NoWellFormedSignature {
        /// The entries as received, bounded: each quoted, a payload longer than 12 characters
        /// shown by its length only (so no signature is logged), at most 3 entries.
        received: String,
    },

    /// No `v1` signature in `webhook-signature` matches any of the verifier's secrets.
    #[error(
        "no signature matches: {candidates} v1 signature(s) checked against {secrets} secret(s); \
         check that the secret is this endpoint's current one (during a rotation give both, \
         separated by a space), and that the body reaches the verifier byte for byte (not \
         re-serialized, decompressed or re-encoded)"
    )]
    NoMatchingSignature {
        /// How many well-formed `v1` signatures the header had (at least one; other versions
        /// are ignored).
        candidates: usize,
        /// How many secrets they were checked against.
        secrets: usize,
    },

    /// The body is larger than the verifier accepts; nothing was hashed or parsed.
    #[error(
        "the body is {len} bytes, over the {limit}-byte limit; raise Verifier::with_max_body_bytes \
         if events are legitimately this large"
    )]
    BodyTooLarge {
        /// The body's length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },

    /// The signature is valid but the body is not an event envelope: a sender bug or an envelope
    /// change this crate does not know. Keep the body and report it.
    #[error(
        "the signature is valid but the body is not a webhook event: {}{message}; keep the body \
         and report it (a sender bug or an envelope change)",
        if .path.is_empty() { "body ".to_owned() } else { format!("`{path}` ") }
    )]
    InvalidEvent {
        /// The envelope key at fault (`id`, `type`, `resourceId`); empty for the body as a whole.
        path: String,
        /// The rule it broke, or the JSON parser's message.
        message: String,
    },
}

impl VerifyError {
    /// The status a receiver should answer with: 401 for a missing, malformed, stale or wrong
    /// signature; 413 for a body over the limit; 400 for a signed body that is not an event.
    ///
    /// Any non-2xx answer makes Browserbase retry the delivery (for about 27 hours), so log these.
    pub fn status(&self) -> u16 {
        match self {
            Self::BodyTooLarge { .. } => 413,
            Self::InvalidEvent { .. } => 400,
            Self::MissingHeader { .. }
            | Self::MalformedHeader { .. }
            | Self::MalformedTimestamp { .. }
            | Self::TimestampTooOld { .. }
            | Self::TimestampTooNew { .. }
            | Self::NoWellFormedSignature { .. }
            | Self::NoMatchingSignature { .. } => 401,
        }
    }
}
