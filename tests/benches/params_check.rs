//! What checking params against a Function's schema costs (feature `params-check`).
//!
//! ```text
//! cargo bench -p bb-api-tests --bench params_check                   # everything
//! cargo bench -p bb-api-tests --bench params_check -- params_schema  # no I/O only
//! ```
//!
//! - `params_schema/*`: compile a schema as zod 4 writes it; check params against it (valid, and
//!   with a typo: the error path builds the violations); parse the serialized params and check
//!   them, which is what a checked send adds when the schema is cached.
//! - `params_check_roundtrip/*`: one invoke at a time against the fake server on 127.0.0.1, with
//!   the check off, on with the schema cached, and on with no cache (`params_schema_ttl(0)`: the
//!   versions are listed and the schema compiled for every invoke).
//! - `params_check_ab` (printed after criterion's output): the extra time per invoke of the
//!   checked sends over unchecked ones, measured paired (alternating blocks, the difference taken
//!   per round, median and quartiles), which is the figure to quote on a noisy machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, FunctionScript};
use bb_api_ext::{Client, ParamsSchema, Uuid};
use criterion::{Criterion, criterion_group};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

/// `z.object({url: z.url(), selector: z.string().optional(), ...})` as zod 4 publishes it.
fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "selector": {"type": "string"},
            "waitMs": {"type": "integer", "minimum": 0, "maximum": 60000},
            "format": {"type": "string", "enum": ["text", "html", "markdown"]},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 20}
        },
        "required": ["url"],
        "additionalProperties": false
    })
}

fn params() -> Value {
    json!({
        "url": "https://example.com/products?page=2",
        "selector": "main h1",
        "waitMs": 1500,
        "format": "markdown",
        "headers": {"accept-language": "en-US"},
        "tags": ["catalog", "nightly"]
    })
}

fn params_schema(c: &mut Criterion) {
    let mut group = c.benchmark_group("params_schema");
    let schema = schema();
    group.bench_function("compile", |b| {
        b.iter(|| ParamsSchema::compile(black_box(&schema)).expect("compiles"))
    });
    let compiled = ParamsSchema::compile(&schema).expect("compiles");
    let valid = params();
    group.bench_function("check/valid", |b| {
        b.iter(|| compiled.check(black_box(&valid)).expect("valid"))
    });
    let mut typo = params();
    if let Some(object) = typo.as_object_mut()
        && let Some(url) = object.remove("url")
    {
        object.insert("ulr".to_owned(), url);
    }
    group.bench_function("check/typo", |b| {
        b.iter(|| compiled.check(black_box(&typo)).expect_err("a typo"))
    });
    let bytes = serde_json::to_vec(&valid).expect("serializes");
    group.bench_function("parse_and_check/valid", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_slice(black_box(&bytes)).expect("JSON");
            compiled.check(&value).expect("valid")
        })
    });
    group.finish();
}

struct Setup {
    rt: Runtime,
    _fake: FakeBrowserbase,
    function: Uuid,
    unchecked: Client,
    cached: Client,
    uncached: Client,
    params: Value,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fake = rt
        .block_on(FakeBrowserbase::start())
        .expect("the fake should bind 127.0.0.1");
    let function = fake
        .add_function(FunctionScript::new("scrape").with_user_params_schema(schema()))
        .function_id;
    let build = |check: bool, ttl: Option<Duration>| {
        let mut builder = fake.client_builder().check_params(check);
        if let Some(ttl) = ttl {
            builder = builder.params_schema_ttl(ttl);
        }
        builder.build().expect("client")
    };
    Setup {
        unchecked: build(false, None),
        cached: build(true, None),
        uncached: build(true, Some(Duration::ZERO)),
        rt,
        _fake: fake,
        function,
        params: params(),
    }
}

async fn invoke(client: &Client, function: Uuid, params: &Value) {
    let invocation = client
        .functions()
        .invoke(function)
        .params(params)
        .send()
        .await
        .expect("the invoke should succeed against the fake");
    black_box(invocation);
}

fn roundtrip(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("params_check_roundtrip");
    for (name, client) in [
        ("unchecked", &s.unchecked),
        ("checked_cached", &s.cached),
        ("checked_uncached", &s.uncached),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| s.rt.block_on(invoke(client, s.function, &s.params)))
        });
    }
    group.finish();
}

/// Rounds of the paired comparison, and invokes per block.
const AB_ROUNDS: usize = 60;
const AB_BLOCK: usize = 100;

fn quartiles(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| xs[((xs.len() - 1) as f64 * p).round() as usize];
    (q(0.25), q(0.5), q(0.75))
}

/// The paired comparison (see the module docs), unless a filter leaves it out.
fn params_check_ab() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !"params_check_ab".contains(f.as_str())) {
        return;
    }
    let s = setup();
    let clients = [&s.unchecked, &s.cached, &s.uncached];
    let mut per_invoke = [Vec::new(), Vec::new(), Vec::new()];
    s.rt.block_on(async {
        // Warm up: connections, the cached client's schema.
        for client in clients {
            for _ in 0..50 {
                invoke(client, s.function, &s.params).await;
            }
        }
        for round in 0..AB_ROUNDS {
            let mut order = [0, 1, 2];
            order.rotate_left(round % 3);
            for side in order {
                let started = Instant::now();
                for _ in 0..AB_BLOCK {
                    invoke(clients[side], s.function, &s.params).await;
                }
                per_invoke[side].push(started.elapsed().as_secs_f64() / AB_BLOCK as f64 * 1e6);
            }
        }
    });
    let [unchecked, cached, uncached] = per_invoke;
    let extra = |checked: &[f64]| -> Vec<f64> {
        checked.iter().zip(&unchecked).map(|(c, u)| c - u).collect()
    };
    let (_, base, _) = quartiles(unchecked.clone());
    for (name, side) in [("checked_cached", &cached), ("checked_uncached", &uncached)] {
        let (q1, median, q3) = quartiles(extra(side));
        println!(
            "params_check_ab/{name}: +{median:.1} us per invoke (quartiles {q1:.1}..{q3:.1}) over {AB_ROUNDS} paired rounds of {AB_BLOCK}; unchecked invoke median {base:.1} us"
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = params_schema, roundtrip
}

fn main() {
    benches();
    params_check_ab();
    Criterion::default().configure_from_args().final_summary();
}
