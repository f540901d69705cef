//! Webhook verification against vectors from an independent implementation: signatures and
//! expected outcomes from the Standard Webhooks reference library for Python (`standardwebhooks`
//! on PyPI), written by `tests/webhook_vectors/generate.py` (see there to regenerate).

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bb_api_ext::webhooks::{Event, Verifier, VerifyError, WebhookSecret, sign};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

const VECTORS: &str = include_str!("webhook_vectors/vectors.json");

struct Case {
    name: String,
    secrets: Vec<WebhookSecret>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    expect: Value,
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is not text: {v}"))
}

fn load() -> (Vec<Case>, u64, u64) {
    let root: Value = serde_json::from_str(VECTORS).unwrap_or_else(|e| panic!("vectors.json: {e}"));
    let cases = root["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases"))
        .iter()
        .map(|c| Case {
            name: text(c, "name").to_owned(),
            secrets: c["secrets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    s.as_str()
                        .unwrap_or_default()
                        .parse()
                        .unwrap_or_else(|e| panic!("{}: {e}", text(c, "name")))
                })
                .collect(),
            headers: c["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            body: STANDARD
                .decode(text(c, "body_base64"))
                .unwrap_or_else(|e| panic!("{}: {e}", text(c, "name"))),
            expect: c["expect"].clone(),
        })
        .collect();
    let now = root["now"].as_u64().unwrap_or_else(|| panic!("no now"));
    let tolerance = root["tolerance_secs"]
        .as_u64()
        .unwrap_or_else(|| panic!("no tolerance"));
    (cases, now, tolerance)
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = HeaderName::try_from(name.as_str()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let value = HeaderValue::try_from(value.as_str()).unwrap_or_else(|e| panic!("{e}"));
        map.append(name, value);
    }
    map
}

/// The outcome in the vectors' terms: `ok` with id/type/resourceId, or the variant's name.
fn outcome(result: &Result<Event, VerifyError>) -> Value {
    match result {
        Ok(e) => serde_json::json!({"ok": {
            "id": e.id, "type": e.event_type.as_str(), "resourceId": e.resource_id}}),
        Err(VerifyError::MissingHeader { name }) => {
            serde_json::json!({"error": "MissingHeader", "header": name})
        }
        Err(e) => {
            let name = match e {
                VerifyError::MalformedHeader { .. } => "MalformedHeader",
                VerifyError::MalformedTimestamp { .. } => "MalformedTimestamp",
                VerifyError::TimestampTooOld { .. } => "TimestampTooOld",
                VerifyError::TimestampTooNew { .. } => "TimestampTooNew",
                // The reference library has one error for both; this crate tells a header with
                // no well-formed `v1` entry (other_versions_only) from a wrong secret or body.
                VerifyError::NoMatchingSignature { .. }
                | VerifyError::NoWellFormedSignature { .. } => "NoMatchingSignature",
                VerifyError::BodyTooLarge { .. } => "BodyTooLarge",
                VerifyError::InvalidEvent { .. } => "InvalidEvent",
                other => panic!("unexpected variant {other:?}"),
            };
            serde_json::json!({"error": name})
        }
    }
}

#[test]
fn every_vector_has_the_reference_outcome() {
    let (cases, now, tolerance) = load();
    assert_eq!(cases.len(), 25, "vectors.json lost or gained cases");
    let now = UNIX_EPOCH + Duration::from_secs(now);
    let mut failures = Vec::new();
    for case in &cases {
        let verifier = Verifier::from_secrets(case.secrets.iter().cloned())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name))
            .with_tolerance(Duration::from_secs(tolerance));
        let headers = header_map(&case.headers);
        let got = outcome(&verifier.verify_at(&headers, &case.body, now));
        if got != case.expect {
            failures.push(format!(
                "{}: expected {}, got {got}",
                case.name, case.expect
            ));
        }
        // The framework-neutral entry point agrees (a missing header is passed as "").
        let part = |name: &str| {
            case.headers
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let parts = verifier.verify_parts(
            part("webhook-id"),
            part("webhook-timestamp"),
            part("webhook-signature"),
            &case.body,
            now,
        );
        if outcome(&parts) != case.expect {
            failures.push(format!(
                "{} (verify_parts): got {}",
                case.name,
                outcome(&parts)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sign_reproduces_the_reference_signatures() {
    let (cases, _, _) = load();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c.expect.get("ok").is_some()) {
        let get = |name: &str| {
            case.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let (id, ts, header) = (
            get("webhook-id"),
            get("webhook-timestamp"),
            get("webhook-signature"),
        );
        let Ok(ts) = ts.parse::<i64>() else { continue };
        let ours: Vec<String> = case
            .secrets
            .iter()
            .map(|s| sign(s, &id, ts, &case.body))
            .collect();
        assert!(
            header
                .split(' ')
                .any(|entry| ours.iter().any(|o| o == entry)),
            "{}: sign() produced none of the header's signatures",
            case.name
        );
        checked += 1;
    }
    assert_eq!(checked, 10, "valid cases checked");
}
