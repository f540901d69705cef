//! Standard Webhooks signatures: HMAC-SHA256 over `{id}.{timestamp}.{body}`, sent as `v1,<base64>`.

use crate::crypto::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};

use super::secret::WebhookSecret;

/// The length of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// Signs a delivery the way Browserbase does: returns `v1,<base64 HMAC-SHA256>` over
/// `{id}.{timestamp}.{body}`, the value for the `webhook-signature` header.
///
/// For tests and fake servers that send deliveries; a receiver only needs
/// [`Verifier`](super::Verifier).
///
/// ```
/// use bb_api_ext::webhooks::{sign, Verifier, WebhookSecret};
///
/// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// let body = br#"{"id":"evt_1","type":"functions.invocations.completed","resourceId":"r1"}"#;
/// let signature = sign(&secret, "evt_1", 1_767_225_600, body);
/// assert!(signature.starts_with("v1,"));
///
/// let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_610);
/// let event = Verifier::new(secret).verify_parts("evt_1", "1767225600", &signature, body, now)?;
/// assert_eq!(event.id, "evt_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = tag(&secret.hmac_key(), id, &timestamp.to_string(), body);
    format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

/// HMAC-SHA256 of `{id}.{timestamp}.{body}`, streamed: the body is not copied.
fn tag(key: &hmac::Key, id: &str, timestamp: &str, body: &[u8]) -> hmac::Tag {
    let mut context = hmac::Context::with_key(key);
    context.update(id.as_bytes());
    context.update(b".");
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body);
    context.sign()
}

/// The well-formed `v1` signatures of `webhook-signature` values: space-separated `version,base64`
/// entries. Other versions (`v1a`, `v2`…) and entries that are not base64 of a 32-byte tag are
/// skipped, as the spec asks; they cost no HMAC work.
pub(crate) fn v1_candidates<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<[u8; TAG_LEN]> {
    let mut candidates = Vec::new();
    for entry in values.into_iter().flat_map(|v| v.split(' ')) {
        let Some(("v1", encoded)) = entry.split_once(',') else {
            continue;
        };
        // A 32-byte tag is 44 base64 characters; room for more lets an over-long one be skipped.
        let mut decoded = [0u8; TAG_LEN + 3];
        if let Ok(TAG_LEN) = STANDARD_PAD_INDIFFERENT.decode_slice(encoded, &mut decoded) {
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&decoded[..TAG_LEN]);
            candidates.push(tag);
        }
    }
    candidates
}

/// The entries of `webhook-signature` values for an error message, bounded: at most
/// [`SHOWN_ENTRIES`] entries, each quoted, a payload after the `,` longer than [`SHOWN_PAYLOAD`]
/// characters shown by its length only (so a signature of another version is not logged).
pub(crate) fn describe_entries<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    const SHOWN_ENTRIES: usize = 3;
    const SHOWN_PAYLOAD: usize = 12;
    let entries: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(' '))
        .filter(|e| !e.is_empty())
        .collect();
    let mut shown: Vec<String> = entries
        .iter()
        .take(SHOWN_ENTRIES)
        .map(|entry| {
            let (head, payload) = entry
                .split_once(',')
                .map_or((None, *entry), |(v, p)| (Some(v), p));
            let payload = if payload.chars().count() > SHOWN_PAYLOAD {
                format!("<{} characters>", payload.chars().count())
            } else {
                payload.escape_debug().to_string()
            };
            let head: String = head.map_or(String::new(), |v| {
                let v: String = v.chars().take(SHOWN_PAYLOAD).collect();
                format!("{},", v.escape_debug())
            });
            format!("\"{head}{payload}\"")
        })
        .collect();
    if entries.len() > SHOWN_ENTRIES {
        shown.push(format!("and {} more", entries.len() - SHOWN_ENTRIES));
    }
    shown.join(", ")
}

/// Whether any candidate is the tag of `{id}.{timestamp}.{body}` under any secret.
///
/// The body is hashed once per secret. Each candidate is then compared with that tag through
/// `hmac::verify` (which compares in constant time) on HMAC(key, tag) against
/// HMAC(key, candidate): a "double HMAC" comparison, so no comparison is written by hand and an
/// attacker's many candidates cost one short HMAC each rather than a pass over the body each.
pub(crate) fn any_matches(
    secrets: &[WebhookSecret],
    candidates: &[[u8; TAG_LEN]],
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> bool {
    if candidates.is_empty() {
        return false;
    }
    secrets.iter().any(|secret| {
        let key = secret.hmac_key();
        let expected = tag(&key, id, timestamp, body);
        let expected_mac = hmac::sign(&key, expected.as_ref());
        // Check every candidate (no early exit), so timing does not say which one matched.
        candidates.iter().fold(false, |found, candidate| {
            hmac::verify(&key, candidate, expected_mac.as_ref()).is_ok() | found
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        match "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse() {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    /// The Standard Webhooks reference libraries' own test vector (svix/standard-webhooks tests).
    #[test]
    fn matches_the_reference_libraries_vector() {
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(
                &secret(),
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                body
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn candidates_keep_only_well_formed_v1_entries() {
        let good = STANDARD.encode([7u8; 32]);
        let unpadded = good.trim_end_matches('=').to_owned();
        let short = STANDARD.encode([7u8; 31]);
        let long = STANDARD.encode([7u8; 33]);
        let header = format!(
            "v2,{good}  v1a,{good} v1,{short} v1,{long} v1,!!! v1 {good} v1,{good} v1,{unpadded}"
        );
        assert_eq!(v1_candidates([header.as_str(), "v1,"]), vec![[7u8; 32]; 2]);
        assert!(v1_candidates([""]).is_empty());
    }

    #[test]
    fn any_matches_needs_the_exact_tag() {
        let s = secret();
        let header = sign(&s, "id", 5, b"body");
        let candidates = v1_candidates([header.as_str()]);
        assert!(any_matches(
            std::slice::from_ref(&s),
            &candidates,
            "id",
            "5",
            b"body"
        ));
        assert!(!any_matches(
            std::slice::from_ref(&s),
            &candidates,
            "id",
            "5",
            b"bodY"
        ));
        assert!(!any_matches(
            std::slice::from_ref(&s),
            &candidates,
            "id",
            "05",
            b"body"
        ));
        assert!(!any_matches(
            std::slice::from_ref(&s),
            &candidates,
            "iD",
            "5",
            b"body"
        ));
        let mut flipped = candidates.clone();
        flipped[0][31] ^= 1;
        assert!(!any_matches(
            std::slice::from_ref(&s),
            &flipped,
            "id",
            "5",
            b"body"
        ));
        assert!(!any_matches(&[], &candidates, "id", "5", b"body"));
    }
}
