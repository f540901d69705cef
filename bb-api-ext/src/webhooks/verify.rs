//! The verifier: checks a delivery's headers, size, timestamp and signature, then reads the event.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use secrecy::zeroize::Zeroize;

use super::error::VerifyError;
use super::event::Event;
use super::secret::{SecretError, WebhookSecret};
use super::signature::{any_matches, describe_entries, v1_candidates};

/// The environment variable [`Verifier::from_env`] reads: the signing secret, or several
/// separated by spaces while a rotation's grace window lasts.
pub const SECRET_ENV: &str = "BROWSERBASE_WEBHOOK_SECRET";
/// The header carrying the delivery id.
pub const HEADER_ID: &str = "webhook-id";
/// The header carrying the send time, integer Unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// How far a delivery's timestamp may be from this machine's clock, either way, by default: five
/// minutes, as in the Standard Webhooks reference libraries (Browserbase publishes no number).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The largest body accepted by default: 1 MiB. An event is a small envelope; if its `data` carries
/// the invocation (UNCONFIRMED), that adds `params` (capped at 64 KiB by the API) and the Function's
/// results. 1 MiB leaves room for both while bounding the memory and hashing an unauthenticated
/// sender can cost; raise it if your Functions return larger results.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Verifies webhook deliveries (Standard Webhooks, as Browserbase sends them) and reads the event.
///
/// Checks, cheapest first, and nothing is parsed before the signature holds: the three headers,
/// the body size, the timestamp's format and distance from now, the signature (any `v1` entry
/// matching any secret), and only then the JSON envelope.
///
/// [`verify`](Self::verify) takes the `http` crate's [`HeaderMap`](crate::HeaderMap), re-exported
/// at the crate root: axum's and hyper's headers are that type, so pass them as they are. Other
/// frameworks: [`verify_parts`](Self::verify_parts) takes the three values as text.
///
/// ```
/// use bb_api_ext::HeaderMap;
/// use bb_api_ext::reqwest::header::HeaderValue;
/// use bb_api_ext::webhooks::{sign, Verifier, WebhookSecret};
///
/// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// let body = br#"{"id":"evt_1","type":"functions.invocations.completed","resourceId":"r1","data":{}}"#;
/// let now = std::time::SystemTime::now();
/// let ts = now.duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("webhook-id", HeaderValue::from_static("evt_1"));
/// headers.insert("webhook-timestamp", ts.to_string().parse()?);
/// headers.insert("webhook-signature", sign(&secret, "evt_1", ts, body).parse()?);
///
/// let verifier = Verifier::new(secret);
/// let event = verifier.verify(&headers, body)?;
/// assert!(event.event_type.is_terminal());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    /// Never empty.
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    max_body_bytes: usize,
}

impl Verifier {
    /// A verifier for one secret, with the default tolerance and body limit.
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            secrets: vec![secret],
            tolerance: DEFAULT_TOLERANCE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// A verifier accepting a signature by any of `secrets`: during a rotation, the new secret and
    /// the old one (Browserbase keeps signing with the old one for 24 hours).
    pub fn from_secrets(
        secrets: impl IntoIterator<Item = WebhookSecret>,
    ) -> Result<Self, SecretError> {
        let secrets: Vec<WebhookSecret> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(SecretError::NoSecrets);
        }
        Ok(Self {
            secrets,
            tolerance: DEFAULT_TOLERANCE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// A verifier for the secret(s) in `BROWSERBASE_WEBHOOK_SECRET`, separated by spaces.
    pub fn from_env() -> Result<Self, SecretError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_env_with(
        get: impl FnOnce(&str) -> Option<String>,
    ) -> Result<Self, SecretError> {
        let Some(mut text) = get(SECRET_ENV) else {
            return Err(SecretError::MissingEnv { name: SECRET_ENV });
        };
        let parsed: Result<Vec<WebhookSecret>, SecretError> = text
            .split_ascii_whitespace()
            .enumerate()
            .map(|(i, secret)| {
                WebhookSecret::parse(secret).map_err(|e| SecretError::InvalidInEnv {
                    name: SECRET_ENV,
                    position: i + 1,
                    source: Box::new(e),
                })
            })
            .collect();
        text.zeroize();
        match parsed? {
            secrets if secrets.is_empty() => Err(SecretError::MissingEnv { name: SECRET_ENV }),
            secrets => Self::from_secrets(secrets),
        }
    }

    /// How far the delivery's timestamp may be from this machine's clock, in either direction
    /// (whole seconds; default [`DEFAULT_TOLERANCE`]). Bounds how long a captured delivery can be
    /// replayed; dedup by event id covers the rest.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The largest body accepted, checked before any hashing (default [`DEFAULT_MAX_BODY_BYTES`]).
    /// A receiver should stop reading at this size too; see the `webhook_receiver` example.
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// The timestamp tolerance.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// The body limit, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Verifies a delivery against this machine's clock and reads its event.
    ///
    /// `body` must be the raw bytes as received: re-serialized JSON does not verify.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, VerifyError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`verify`](Self::verify) with the time taken as `now`: for tests and replays of recorded
    /// deliveries.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Event, VerifyError> {
        let id = header_text(headers, HEADER_ID)?;
        let timestamp = header_text(headers, HEADER_TIMESTAMP)?;
        let mut signatures = Vec::new();
        for value in headers.get_all(HEADER_SIGNATURE) {
            signatures.push(value.to_str().map_err(|_| VerifyError::MalformedHeader {
                name: HEADER_SIGNATURE,
            })?);
        }
        if signatures.iter().all(|s| s.trim().is_empty()) {
            return Err(VerifyError::MissingHeader {
                name: HEADER_SIGNATURE,
            });
        }
        self.check(id, timestamp, signatures, body, now)
    }

    /// Verifies a delivery given the three header values, for any HTTP framework. Pass `""` for a
    /// missing header; `now` is the time to check the timestamp against (`SystemTime::now()`).
    pub fn verify_parts(
        &self,
        id: &str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Event, VerifyError> {
        for (name, value) in [
            (HEADER_ID, id),
            (HEADER_TIMESTAMP, timestamp),
            (HEADER_SIGNATURE, signature),
        ] {
            if value.trim().is_empty() {
                return Err(VerifyError::MissingHeader { name });
            }
        }
        self.check(id, timestamp, [signature], body, now)
    }

    fn check<'a>(
        &self,
        id: &str,
        timestamp: &str,
        signatures: impl IntoIterator<Item = &'a str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Event, VerifyError> {
        if body.len() > self.max_body_bytes {
            return Err(VerifyError::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_bytes,
            });
        }
        self.check_timestamp(timestamp, now)?;
        let signatures: Vec<&str> = signatures.into_iter().collect();
        let candidates = v1_candidates(signatures.iter().copied());
        if candidates.is_empty() {
            return Err(VerifyError::NoWellFormedSignature {
                received: describe_entries(signatures),
            });
        }
        if !any_matches(&self.secrets, &candidates, id, timestamp, body) {
            return Err(VerifyError::NoMatchingSignature {
                candidates: candidates.len(),
                secrets: self.secrets.len(),
            });
        }
        Event::from_body(body).map_err(|e| VerifyError::InvalidEvent {
            path: e.path.to_owned(),
            message: e.message,
        })
    }

    fn check_timestamp(&self, timestamp: &str, now: SystemTime) -> Result<(), VerifyError> {
        let sent = timestamp
            .parse::<i64>()
            .map_err(|_| VerifyError::MalformedTimestamp {
                value: timestamp.chars().take(32).collect(),
            })?;
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::from(after.as_secs()),
            Err(before) => -i128::from(before.duration().as_secs()),
        };
        let tolerance = i128::from(self.tolerance.as_secs());
        let secs = |d: i128| Duration::from_secs(u64::try_from(d).unwrap_or(u64::MAX));
        let age = now - i128::from(sent);
        if age > tolerance {
            return Err(VerifyError::TimestampTooOld {
                age: secs(age),
                tolerance: self.tolerance,
            });
        }
        if -age > tolerance {
            return Err(VerifyError::TimestampTooNew {
                ahead: secs(-age),
                tolerance: self.tolerance,
            });
        }
        Ok(())
    }
}

/// A header's value as text; missing, empty or not visible ASCII is an error naming the header.
fn header_text<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    let value = headers
        .get(name)
        .ok_or(VerifyError::MissingHeader { name })?
        .to_str()
        .map_err(|_| VerifyError::MalformedHeader { name })?;
    if value.trim().is_empty() {
        return Err(VerifyError::MissingHeader { name });
    }
    Ok(value)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::super::signature::sign;
    use super::*;

    const SECRET_TEXT: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OTHER_TEXT: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=";
    const NOW: u64 = 1_767_225_600;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"functions.builds.completed","resourceId":"b1"}"#;

    fn secret(text: &str) -> WebhookSecret {
        WebhookSecret::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn headers(id: &str, ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in [
            (HEADER_ID, id),
            (HEADER_TIMESTAMP, ts),
            (HEADER_SIGNATURE, sig),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        }
        h
    }

    fn signed(ts: i64, body: &[u8]) -> HeaderMap {
        headers(
            "evt_1",
            &ts.to_string(),
            &sign(&secret(SECRET_TEXT), "evt_1", ts, body),
        )
    }

    fn verifier() -> Verifier {
        Verifier::new(secret(SECRET_TEXT))
    }

    #[test]
    fn accepts_a_signed_delivery() {
        let event = verifier().verify_at(&signed(NOW as i64, BODY), BODY, at(NOW));
        let Ok(event) = event else {
            panic!("{event:?}")
        };
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.resource_id, "b1");
    }

    #[test]
    fn names_the_missing_or_malformed_header() {
        let good = signed(NOW as i64, BODY);
        for name in [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE] {
            let mut h = good.clone();
            h.remove(name);
            assert_eq!(
                verifier().verify_at(&h, BODY, at(NOW)),
                Err(VerifyError::MissingHeader { name })
            );
            h.insert(name, HeaderValue::from_static(" "));
            assert_eq!(
                verifier().verify_at(&h, BODY, at(NOW)),
                Err(VerifyError::MissingHeader { name })
            );
            let mut h = good.clone();
            h.insert(
                name,
                HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap_or(HeaderValue::from_static("x")),
            );
            assert_eq!(
                verifier().verify_at(&h, BODY, at(NOW)),
                Err(VerifyError::MalformedHeader { name })
            );
        }
        let v = verifier();
        let sig = sign(&secret(SECRET_TEXT), "evt_1", NOW as i64, BODY);
        let ts = NOW.to_string();
        for (id, ts, sig, name) in [
            ("", ts.as_str(), sig.as_str(), HEADER_ID),
            ("evt_1", "", sig.as_str(), HEADER_TIMESTAMP),
            ("evt_1", ts.as_str(), "  ", HEADER_SIGNATURE),
        ] {
            assert_eq!(
                v.verify_parts(id, ts, sig, BODY, at(NOW)),
                Err(VerifyError::MissingHeader { name })
            );
        }
    }

    #[test]
    fn any_signature_header_line_and_entry_may_match() {
        let good = sign(&secret(SECRET_TEXT), "evt_1", NOW as i64, BODY);
        let wrong = sign(&secret(OTHER_TEXT), "evt_1", NOW as i64, BODY);
        let mut h = headers("evt_1", &NOW.to_string(), &format!("v1,bm9wZQ== {wrong}"));
        assert_eq!(
            verifier().verify_at(&h, BODY, at(NOW)),
            Err(VerifyError::NoMatchingSignature {
                candidates: 1,
                secrets: 1
            })
        );
        h.append(
            HEADER_SIGNATURE,
            HeaderValue::from_str(&good).unwrap_or(HeaderValue::from_static("x")),
        );
        assert!(verifier().verify_at(&h, BODY, at(NOW)).is_ok());
    }

    #[test]
    fn timestamp_tolerance_is_inclusive_both_ways() {
        let v = verifier();
        let check =
            |ts: i64, v: &Verifier| v.verify_at(&signed(ts, BODY), BODY, at(NOW)).map(|_| ());
        let now = NOW as i64;
        assert_eq!(check(now - 300, &v), Ok(()));
        assert_eq!(check(now + 300, &v), Ok(()));
        assert_eq!(
            check(now - 301, &v),
            Err(VerifyError::TimestampTooOld {
                age: Duration::from_secs(301),
                tolerance: DEFAULT_TOLERANCE
            })
        );
        assert_eq!(
            check(now + 301, &v),
            Err(VerifyError::TimestampTooNew {
                ahead: Duration::from_secs(301),
                tolerance: DEFAULT_TOLERANCE
            })
        );
        let strict = verifier().with_tolerance(Duration::from_secs(10));
        assert_eq!(strict.tolerance(), Duration::from_secs(10));
        assert_eq!(check(now - 10, &strict), Ok(()));
        assert!(matches!(
            check(now - 11, &strict),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        // Extremes neither overflow nor panic.
        assert!(matches!(
            check(i64::MIN, &v),
            Err(VerifyError::TimestampTooOld { .. })
        ));
        assert!(matches!(
            check(i64::MAX, &v),
            Err(VerifyError::TimestampTooNew { .. })
        ));
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert!(v.verify_at(&signed(0, BODY), BODY, before_epoch).is_ok());
        assert_eq!(
            v.verify_at(&signed(400, BODY), BODY, before_epoch),
            Err(VerifyError::TimestampTooNew {
                ahead: Duration::from_secs(410),
                tolerance: DEFAULT_TOLERANCE
            })
        );
    }

    #[test]
    fn timestamp_must_be_whole_seconds() {
        for (ts, shown) in [
            ("1767225600.0", "1767225600.0"),
            ("abc", "abc"),
            ("1767225600 ", "1767225600 "),
            ("1e9", "1e9"),
        ] {
            assert_eq!(
                verifier().verify_parts("evt_1", ts, "v1,x", BODY, at(NOW)),
                Err(VerifyError::MalformedTimestamp {
                    value: shown.into()
                })
            );
        }
        let long = "9".repeat(100);
        assert_eq!(
            verifier().verify_parts("evt_1", &long, "v1,x", BODY, at(NOW)),
            Err(VerifyError::MalformedTimestamp {
                value: "9".repeat(32)
            })
        );
    }

    #[test]
    fn body_size_is_checked_before_the_timestamp_signature_and_json() {
        let v = verifier().with_max_body_bytes(BODY.len());
        assert_eq!(v.max_body_bytes(), BODY.len());
        assert!(
            v.verify_at(&signed(NOW as i64, BODY), BODY, at(NOW))
                .is_ok()
        );
        let mut big = BODY.to_vec();
        big.push(b' ');
        let too_large = Err(VerifyError::BodyTooLarge {
            len: BODY.len() + 1,
            limit: BODY.len(),
        });
        // Validly signed, wrongly signed, stale, or with a malformed timestamp: the size decides.
        assert_eq!(
            v.verify_at(&signed(NOW as i64, &big), &big, at(NOW)),
            too_large
        );
        assert_eq!(
            v.verify_parts("evt_1", &NOW.to_string(), "v1,x", &big, at(NOW)),
            too_large
        );
        assert_eq!(
            v.verify_parts("evt_1", "0", "v1,x", &big, at(NOW)),
            too_large
        );
        assert_eq!(
            v.verify_parts("evt_1", "abc", "v1,x", &big, at(NOW)),
            too_large
        );
        assert_eq!(verifier().max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
    }

    #[test]
    fn signature_is_checked_before_the_json() {
        let not_json = b"not json";
        let wrong = sign(&secret(OTHER_TEXT), "evt_1", NOW as i64, not_json);
        assert_eq!(
            verifier().verify_parts("evt_1", &NOW.to_string(), &wrong, not_json, at(NOW)),
            Err(VerifyError::NoMatchingSignature {
                candidates: 1,
                secrets: 1
            })
        );
        assert_eq!(
            verifier().verify_at(&signed(NOW as i64, not_json), not_json, at(NOW)),
            Err(VerifyError::InvalidEvent {
                path: String::new(),
                message: "is not a JSON object (expected ident at line 1 column 2)".into()
            })
        );
        let no_type = br#"{"id":"evt_1"}"#;
        assert_eq!(
            verifier().verify_at(&signed(NOW as i64, no_type), no_type, at(NOW)),
            Err(VerifyError::InvalidEvent {
                path: "type".into(),
                message: "is required".into()
            })
        );
    }

    #[test]
    fn several_secrets_any_may_match() {
        let both = Verifier::from_secrets([secret(OTHER_TEXT), secret(SECRET_TEXT)]);
        let Ok(both) = both else { panic!("{both:?}") };
        assert!(
            both.verify_at(&signed(NOW as i64, BODY), BODY, at(NOW))
                .is_ok()
        );
        let other_only = Verifier::new(secret(OTHER_TEXT));
        assert_eq!(
            other_only
                .verify_at(&signed(NOW as i64, BODY), BODY, at(NOW))
                .err(),
            Some(VerifyError::NoMatchingSignature {
                candidates: 1,
                secrets: 1
            })
        );
        assert_eq!(
            Verifier::from_secrets([]).err(),
            Some(SecretError::NoSecrets)
        );
    }

    #[test]
    fn from_env_reads_space_separated_secrets() {
        let env = |value: Option<&str>| {
            let value = value.map(str::to_owned);
            Verifier::from_env_with(move |name| {
                assert_eq!(name, SECRET_ENV);
                value
            })
        };
        assert_eq!(
            env(None).err(),
            Some(SecretError::MissingEnv { name: SECRET_ENV })
        );
        assert_eq!(
            env(Some(" \n")).err(),
            Some(SecretError::MissingEnv { name: SECRET_ENV })
        );
        let two = env(Some(&format!(" {OTHER_TEXT}  {SECRET_TEXT}\n")));
        let Ok(two) = two else { panic!("{two:?}") };
        assert_eq!(
            format!("{two:?}"),
            "Verifier { secrets: [2 redacted], tolerance: 300s, max_body_bytes: 1048576 }"
        );
        assert!(
            two.verify_at(&signed(NOW as i64, BODY), BODY, at(NOW))
                .is_ok()
        );
        let bad = env(Some(&format!("{SECRET_TEXT} whsec_{}", "not-base64!"))).err();
        assert_eq!(
            bad,
            Some(SecretError::InvalidInEnv {
                name: SECRET_ENV,
                position: 2,
                source: Box::new(SecretError::InvalidBase64)
            })
        );
        let shown = bad.map(|e| format!("{e} {e:?}")).unwrap_or_default();
        assert!(
            !shown.contains("MfKQ9r8G") && !shown.contains("not-base64"),
            "{shown}"
        );
    }

    #[test]
    fn status_hints() {
        let cases = [
            (VerifyError::MissingHeader { name: HEADER_ID }, 401),
            (VerifyError::MalformedHeader { name: HEADER_ID }, 401),
            (VerifyError::MalformedTimestamp { value: "x".into() }, 401),
            (
                VerifyError::TimestampTooOld {
                    age: Duration::ZERO,
                    tolerance: Duration::ZERO,
                },
                401,
            ),
            (
                VerifyError::TimestampTooNew {
                    ahead: Duration::ZERO,
                    tolerance: Duration::ZERO,
                },
                401,
            ),
            (
                VerifyError::NoWellFormedSignature {
                    received: String::new(),
                },
                401,
            ),
            (
                VerifyError::NoMatchingSignature {
                    candidates: 1,
                    secrets: 1,
                },
                401,
            ),
            (VerifyError::BodyTooLarge { len: 2, limit: 1 }, 413),
            (
                VerifyError::InvalidEvent {
                    path: String::new(),
                    message: String::new(),
                },
                400,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error}");
        }
    }

    /// Every rejection a delivery can cause, rendered: no secret, no signature, no key material.
    #[test]
    fn messages_carry_no_secret_or_signature() {
        let good = sign(&secret(SECRET_TEXT), "evt_1", NOW as i64, BODY);
        let good_b64 = good.trim_start_matches("v1,");
        let ts = NOW.to_string();
        let v = Verifier::from_secrets([secret(SECRET_TEXT), secret(OTHER_TEXT)])
            .unwrap_or_else(|e| panic!("{e}"))
            .with_max_body_bytes(200);
        let tampered = br#"{"id":"evt_1","type":"functions.builds.failed","resourceId":"b1"}"#;
        let errors = [
            v.verify_parts("evt_1", &ts, &good, tampered, at(NOW)),
            v.verify_parts("evt_2", &ts, &good, BODY, at(NOW)),
            v.verify_parts("evt_1", &ts, &format!("v2,{good_b64}"), BODY, at(NOW)),
            v.verify_parts("evt_1", &ts, &good, BODY, at(NOW + 400)),
            v.verify_parts("evt_1", &ts, &good, BODY, at(NOW - 400)),
            v.verify_parts("evt_1", "x", &good, BODY, at(NOW)),
            v.verify_parts("evt_1", &ts, &good, &[b' '; 300], at(NOW)),
            v.verify_parts("", &ts, &good, BODY, at(NOW)),
        ];
        assert_eq!(errors.iter().filter(|e| e.is_err()).count(), errors.len());
        let secret_keys = [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM",
        ];
        for error in errors.iter().filter_map(|e| e.as_ref().err()) {
            let shown = format!("{error} | {error:?}");
            assert!(!shown.contains(&good_b64[..12]), "{shown}");
            for key in secret_keys {
                assert!(!shown.contains(&key[..12]), "{shown}");
            }
            assert!(!shown.contains("whsec_"), "{shown}");
        }
        assert!(!format!("{v:?}").contains("MfKQ"));
    }

    /// Each cause of a rejected signature has its own variant and advice: a header with no
    /// well-formed `v1,<base64>` entry is not a secret problem, and says what it received.
    #[test]
    fn malformed_signatures_are_told_from_wrong_ones() {
        let good = sign(&secret(SECRET_TEXT), "evt_1", NOW as i64, BODY);
        let good_b64 = good.trim_start_matches("v1,");
        let ts = NOW.to_string();
        let check = |signature: &str| {
            verifier()
                .verify_parts("evt_1", &ts, signature, BODY, at(NOW))
                .err()
        };
        let no_entry = |received: &str| {
            Some(VerifyError::NoWellFormedSignature {
                received: received.into(),
            })
        };
        assert_eq!(check("garbage"), no_entry(r#""garbage""#));
        assert_eq!(check("v1,not-base64!!"), no_entry(r#""v1,not-base64!!""#));
        assert_eq!(check("v2,abc"), no_entry(r#""v2,abc""#));
        // Base64, but of 4 bytes rather than a 32-byte tag.
        assert_eq!(check("v1,bm9wZQ=="), no_entry(r#""v1,bm9wZQ==""#));
        // The right tag under another version: shown by its length, never quoted.
        assert_eq!(
            check(&format!("v2,{good_b64} a\"b c d")),
            no_entry(r#""v2,<44 characters>", "a\"b", "c", and 1 more"#)
        );
        assert_eq!(
            check("v1,bm9wZQ== garbage")
                .map(|e| e.to_string())
                .as_deref(),
            Some(
                "`webhook-signature` holds no well-formed `v1,<base64>` entry (received \
                 \"v1,bm9wZQ==\", \"garbage\"): each entry is `v1,` then the base64 of a 32-byte \
                 HMAC-SHA256 tag, entries separated by spaces; check that the sender is \
                 Browserbase (Standard Webhooks, v1 signatures) and that no proxy rewrites the \
                 header"
            )
        );
        // One well-formed entry among malformed ones: the secret or the body is at fault.
        let wrong = sign(&secret(OTHER_TEXT), "evt_1", NOW as i64, BODY);
        assert_eq!(
            check(&format!("garbage {wrong}"))
                .map(|e| e.to_string())
                .as_deref(),
            Some(
                "no signature matches: 1 v1 signature(s) checked against 1 secret(s); check that \
                 the secret is this endpoint's current one (during a rotation give both, \
                 separated by a space), and that the body reaches the verifier byte for byte (not \
                 re-serialized, decompressed or re-encoded)"
            )
        );
        assert_eq!(
            check("").map(|e| e.to_string()).as_deref(),
            Some(
                "the delivery has no `webhook-signature` header: it was not sent by Browserbase, \
                 or a proxy in front of this receiver dropped it (forward webhook-id, \
                 webhook-timestamp and webhook-signature unchanged)"
            )
        );
        // The timestamp is checked first: a stale delivery says so whatever its signature.
        assert_eq!(
            verifier()
                .verify_parts("evt_1", &ts, "garbage", BODY, at(NOW + 301))
                .map_err(|e| e.to_string())
                .err()
                .as_deref(),
            Some(
                "`webhook-timestamp` is 301s in the past, beyond the 300s tolerance: a replayed or \
                 long delayed delivery, or this machine's clock is ahead (check NTP); widen \
                 Verifier::with_tolerance only if deliveries are legitimately this late"
            )
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            VerifyError::TimestampTooOld {
                age: Duration::from_secs(301),
                tolerance: DEFAULT_TOLERANCE
            }
            .to_string(),
            "`webhook-timestamp` is 301s in the past, beyond the 300s tolerance: a replayed or long \
             delayed delivery, or this machine's clock is ahead (check NTP); widen \
             Verifier::with_tolerance only if deliveries are legitimately this late"
        );
        assert_eq!(
            VerifyError::InvalidEvent {
                path: "type".into(),
                message: "is required".into()
            }
            .to_string(),
            "the signature is valid but the body is not a webhook event: `type` is required; keep \
             the body and report it (a sender bug or an envelope change)"
        );
        assert_eq!(
            VerifyError::BodyTooLarge {
                len: 2_000_000,
                limit: 1_048_576
            }
            .to_string(),
            "the body is 2000000 bytes, over the 1048576-byte limit; raise \
             Verifier::with_max_body_bytes if events are legitimately this large"
        );
    }
}
