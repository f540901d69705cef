//! Criterion benchmarks for webhook verification: the cost per delivery, by body size.
//!
//! ```text
//! cargo bench -p bb-api-tests --bench webhooks
//! ```
//!
//! - `verify_ok/*`: a valid delivery end to end (headers, timestamp, HMAC, JSON envelope).
//! - `verify_bad_signature/*`: a wrong signature (the HMAC is computed, the JSON is not parsed).
//! - `verify_candidates/*`: a 4 KiB body with 1 or 64 `v1` entries in the header: each extra entry
//!   costs one short HMAC, not a pass over the body.
//! - `verify_too_large`: a body over the limit is refused before any hashing.
//! - `dedup/first_time`: one `InMemorySeenEvents` lookup-and-insert at capacity.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bb_api_ext::webhooks::{InMemorySeenEvents, SeenEvents, Verifier, WebhookSecret, sign};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reqwest::header::{HeaderMap, HeaderValue};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_767_225_600;

fn secret() -> WebhookSecret {
    SECRET.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// An event envelope of about `size` bytes (the padding sits in `data`).
fn body(size: usize) -> Vec<u8> {
    let head = r#"{"id":"85e6ff2d-91de-468a-867c-e0d9e4587063","type":"functions.invocations.completed","resourceId":"a3f1c2d4-7b90-4e51-9c8a-2f6d1e0b4c73","data":{"status":"COMPLETED","results":""#;
    let tail = r#""}}"#;
    let pad = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(pad)).into_bytes()
}

fn headers(signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "webhook-id",
        HeaderValue::from_static("85e6ff2d-91de-468a-867c-e0d9e4587063"),
    );
    h.insert("webhook-timestamp", HeaderValue::from(NOW));
    h.insert(
        "webhook-signature",
        HeaderValue::from_str(signature).unwrap_or_else(|e| panic!("{e}")),
    );
    h
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW as u64)
}

fn benches(c: &mut Criterion) {
    let verifier = Verifier::new(secret()).with_max_body_bytes(2 << 20);
    let id = "85e6ff2d-91de-468a-867c-e0d9e4587063";

    let mut ok = c.benchmark_group("verify_ok");
    for size in [256, 4 << 10, 64 << 10, 1 << 20] {
        let body = body(size);
        let h = headers(&sign(&secret(), id, NOW, &body));
        assert!(verifier.verify_at(&h, &body, now()).is_ok());
        ok.throughput(Throughput::Bytes(body.len() as u64));
        ok.bench_function(format!("{size}B"), |b| {
            b.iter(|| verifier.verify_at(black_box(&h), black_box(&body), now()))
        });
    }
    ok.finish();

    let mut bad = c.benchmark_group("verify_bad_signature");
    for size in [4 << 10, 1 << 20] {
        let body = body(size);
        let h = headers(&sign(&secret(), "another-id", NOW, &body));
        assert!(verifier.verify_at(&h, &body, now()).is_err());
        bad.throughput(Throughput::Bytes(body.len() as u64));
        bad.bench_function(format!("{size}B"), |b| {
            b.iter(|| verifier.verify_at(black_box(&h), black_box(&body), now()))
        });
    }
    bad.finish();

    let mut many = c.benchmark_group("verify_candidates");
    let body4k = body(4 << 10);
    let wrong = sign(&secret(), "another-id", NOW, &body4k);
    for n in [1usize, 64] {
        let header = vec![wrong.as_str(); n].join(" ");
        let h = headers(&header);
        assert!(verifier.verify_at(&h, &body4k, now()).is_err());
        many.bench_function(format!("{n}"), |b| {
            b.iter(|| verifier.verify_at(black_box(&h), black_box(&body4k), now()))
        });
    }
    many.finish();

    let small = Verifier::new(secret()).with_max_body_bytes(1024);
    let h = headers(&sign(&secret(), id, NOW, &body4k));
    c.bench_function("verify_too_large", |b| {
        b.iter(|| small.verify_at(black_box(&h), black_box(&body4k), now()))
    });

    let seen = InMemorySeenEvents::with_capacity(10_000);
    let ids: Vec<String> = (0..20_000).map(|i| format!("evt_{i}")).collect();
    let mut i = 0;
    c.bench_function("dedup/first_time", |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            seen.first_time(black_box(&ids[i]))
        })
    });
}

criterion_group!(group, benches);
criterion_main!(group);
