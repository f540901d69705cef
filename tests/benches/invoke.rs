//! Criterion benchmarks for the ext client, with a plain `reqwest` call as the floor.
//!
//! ```text
//! cargo bench -p bb-api-tests --bench invoke                 # everything
//! cargo bench -p bb-api-tests --bench invoke -- roundtrip    # one group
//! ```
//!
//! - `request/*`: build + validate + serialize an invocation request (no I/O).
//! - `decode/*`: decode an `Invocation` response body.
//! - `roundtrip_seq/*`: one invoke at a time against the fake server
//!   (`bb_api_ext::testing::FakeBrowserbase`, fixed mode) on 127.0.0.1,
//!   through the ext client and through a plain hand-written `reqwest` call sending the same bytes;
//!   the ratio of the two is the ext layer's overhead.
//! - `roundtrip_c16/*`: 16 concurrent invokes on one shared client, the same comparison.
//! - `roundtrip_ab/{seq,c16,get,list}` (printed after criterion's output, not criterion
//!   benchmarks): ext against plain measured paired: alternating blocks of ext and plain runs, the
//!   ratio taken per pair of blocks, the median and quartiles of those ratios reported, and the
//!   load average before and after. On a shared, noisy machine this is the figure to quote: load
//!   that comes and goes hits both sides of each pair, where separate criterion runs seconds apart
//!   can drift by more than the overhead. `seq` and `c16` are the invoke above, one at a time and
//!   16 at once; `get` is an invocation get (`client.invocations().get(id)` against a plain
//!   `GET`); `list` pages through 30 Functions of a stateful fake that caps pages at 10
//!   (`client.functions().list()` against a plain loop over `offset`, three requests each).
//!   Run one with its name as the filter, e.g. `-- roundtrip_ab/get`.
//!
//! Clients and the fake share one current-thread Tokio runtime: no thread hand-offs per call, so
//! what remains is the HTTP exchange itself (both sides of it) plus the client layer under test,
//! which makes the ratio as sensitive to that layer as an in-process floor can be.

use std::hint::black_box;
use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript};
use bb_api_ext::{
    BrowserSettings, BrowserSize, Client, Extension, Function, Geolocation, Invocation, Invoke, Os,
    Proxy, ProxySettings, SessionCreateParams,
};
use bb_api_tests::ab::{compare, load_average, wanted};
use bb_api_tests::plain::{self, FUNCTION_ID, Plain, TIMEOUT_SECS};
use criterion::{Criterion, Throughput, criterion_group};
use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

const API_KEY: &str = "bench-key";
const CONCURRENCY: usize = 16;

/// The fake (fixed mode) served by `rt`'s thread whenever a benchmark drives it.
fn fake_on(rt: &Runtime) -> FakeBrowserbase {
    rt.block_on(FakeBrowserbase::fixed())
        .expect("the fake should bind 127.0.0.1")
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client runtime should start")
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .build()
        .expect("the ext client should build")
}

/// The invoke the round-trip benchmarks make: small params and a session timeout.
fn round_trip(client: &Client, params: &Value) -> Invoke {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(params)
        .session(SessionCreateParams::builder().timeout_secs(TIMEOUT_SECS))
}

async fn ext_invoke(client: &Client, params: &Value) -> Invocation {
    round_trip(client, params)
        .send()
        .await
        .expect("the ext invoke should succeed against the fake")
}

async fn plain_invoke(plain: &Plain, params: &Value) -> Invocation {
    plain
        .invoke(params)
        .await
        .expect("the plain invoke should succeed against the fake")
}

/// Any id: the fixed fake answers every invocation get with the same `COMPLETED` invocation.
const INVOCATION_ID: &str = "00000000-0000-4000-8000-00000000000a";

async fn ext_get(client: &Client) -> Invocation {
    client
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect("the ext get should succeed against the fake")
}

async fn plain_get(plain: &Plain) -> Invocation {
    plain
        .get(INVOCATION_ID)
        .await
        .expect("the plain get should succeed against the fake")
}

async fn ext_list(client: &Client) -> Vec<Function> {
    client
        .functions()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("the ext list should succeed against the fake")
}

async fn plain_list(plain: &Plain) -> Vec<Function> {
    plain
        .list_functions()
        .await
        .expect("the plain list should succeed against the fake")
}

fn full_request(client: &Client, params: &Value) -> bb_api_ext::PreparedInvoke {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(params)
        .session(
            SessionCreateParams::builder()
                .timeout_secs(600)
                .extension_id("ext_0123456789")
                .browser_settings(
                    BrowserSettings::new()
                        .context("ctx_0123456789", true)
                        .viewport(1920, 1080)
                        .block_ads(true)
                        .solve_captchas(true)
                        .record_session(false)
                        .log_session(true)
                        .advanced_stealth(true)
                        .captcha_image_selector("#captcha img")
                        .captcha_input_selector("#captcha input")
                        .os(Os::Windows)
                        .size(BrowserSize::Large)
                        .extensions([Extension::OnePassword, Extension::BrowserEvents])
                        .allowed_domains(["example.com", "*.example.org", "news.ycombinator.com"]),
                )
                .proxies([
                    Proxy::from(
                        Proxy::browserbase()
                            .geolocation(Geolocation::country("us").state("ny").city("New York"))
                            .domain_pattern("*.example.com"),
                    ),
                    Proxy::from(
                        Proxy::external("http://proxy.example.net:8080")
                            .credentials("user", "secret-password")
                            .domain_pattern("*.example.org"),
                    ),
                    Proxy::from(Proxy::none().domain_pattern("*.internal")),
                ])
                .proxy_settings(ProxySettings::ca_certificates([
                    "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
                ]))
                .user_metadata(serde_json::json!({"team": "growth", "run": 42})),
        )
        .prepare()
        .expect("the full request should be valid")
}

fn request(c: &mut Criterion) {
    // No I/O: the base URL is never contacted.
    let client = client("http://127.0.0.1:9");
    let params = plain::params();
    let full_params = serde_json::json!({
        "url": "https://example.com/search?q=rust",
        "selectors": {"title": "h1", "items": "ul.results > li", "next": "a[rel=next]"},
        "limit": 50,
        "scroll": true,
        "cookies": [{"name": "consent", "value": "yes", "domain": ".example.com"}],
    });
    let mut group = c.benchmark_group("request");
    group.bench_function("minimal", |b| {
        b.iter(|| {
            client
                .functions()
                .invoke(black_box(FUNCTION_ID))
                .params(black_box(&params))
                .prepare()
                .expect("the minimal request should be valid")
        });
    });
    group.bench_function("full", |b| {
        b.iter(|| full_request(&client, black_box(&full_params)));
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let rt = runtime();
    let fake = fake_on(&rt);
    let base = fake.url();
    let plain = Plain::new(base, FUNCTION_ID, API_KEY).expect("plain client");
    // The exact bytes the fake serves: a PENDING invocation from invoke, a COMPLETED one from get.
    let (pending, completed) = rt.block_on(async {
        let http = reqwest::Client::new();
        let pending = http
            .post(format!("{base}/v1/functions/{FUNCTION_ID}/invoke"))
            .header("x-bb-api-key", API_KEY)
            .header("content-type", "application/json")
            .body(Plain::body(&plain::params()))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the fake should accept the invoke");
        let pending = pending.bytes().await.expect("the fake should send a body");
        let id = plain_invoke(&plain, &plain::params()).await.id;
        let completed = http
            .get(format!("{base}/v1/functions/invocations/{id}"))
            .header("x-bb-api-key", API_KEY)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the fake should answer the get");
        let completed = completed
            .bytes()
            .await
            .expect("the fake should send a body");
        (pending, completed)
    });
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(pending.len() as u64));
    group.bench_function("pending", |b| {
        b.iter(|| {
            serde_json::from_slice::<Invocation>(black_box(&pending))
                .expect("the fake's invocation should decode")
        });
    });
    group.throughput(Throughput::Bytes(completed.len() as u64));
    group.bench_function("completed", |b| {
        b.iter(|| {
            serde_json::from_slice::<Invocation>(black_box(&completed))
                .expect("the fake's invocation should decode")
        });
    });
    group.finish();
}

struct Setup {
    rt: Runtime,
    _fake: FakeBrowserbase,
    client: Client,
    plain: Plain,
    params: Value,
}

/// A runtime, the fake, both clients, checked to send the same bytes and warmed up.
fn setup() -> Setup {
    let rt = runtime();
    let fake = fake_on(&rt);
    let base_url = fake.url().to_owned();
    let client = client(&base_url);
    let plain = Plain::new(&base_url, FUNCTION_ID, API_KEY).expect("plain client");
    let params = plain::params();

    // Same bytes on the wire, or the comparison is meaningless.
    let prepared = round_trip(&client, &params)
        .prepare()
        .expect("the round-trip request should be valid");
    assert_eq!(
        prepared.body(),
        &Plain::body(&params)[..],
        "the ext client and the plain call must send the same body"
    );
    assert_eq!(
        prepared.url().as_deref(),
        Some(plain.url()),
        "and to the same URL"
    );
    // Both must work, and open their pooled connections, before timing starts.
    rt.block_on(async {
        ext_invoke(&client, &params).await;
        plain_invoke(&plain, &params).await;
        ext_c16(&client, &params).await;
        plain_c16(&plain, &params).await;
    });
    Setup {
        rt,
        _fake: fake,
        client,
        plain,
        params,
    }
}

async fn ext_c16(client: &Client, params: &Value) {
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (client, params) = (client.clone(), params.clone());
        tasks.spawn(async move { ext_invoke(&client, &params).await });
    }
    black_box(tasks.join_all().await);
}

async fn plain_c16(plain: &Plain, params: &Value) {
    let mut tasks = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (plain, params) = (plain.clone(), params.clone());
        tasks.spawn(async move { plain_invoke(&plain, &params).await });
    }
    black_box(tasks.join_all().await);
}

fn roundtrip(c: &mut Criterion) {
    let Setup {
        rt,
        _fake,
        client,
        plain,
        params,
    } = setup();
    let prepared = round_trip(&client, &params)
        .prepare()
        .expect("the round-trip request should be valid");

    let mut group = c.benchmark_group("roundtrip_seq");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ext", |b| {
        b.to_async(&rt).iter(|| ext_invoke(&client, &params));
    });
    group.bench_function("ext_prepared", |b| {
        b.to_async(&rt).iter(|| async {
            prepared
                .send()
                .await
                .expect("the prepared invoke should succeed against the fake")
        });
    });
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt).iter(|| plain_invoke(&plain, &params));
    });
    group.finish();

    let mut group = c.benchmark_group("roundtrip_c16");
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    group.bench_function("ext", |b| {
        b.to_async(&rt).iter(|| ext_c16(&client, &params));
    });
    group.bench_function("plain_reqwest", |b| {
        b.to_async(&rt).iter(|| plain_c16(&plain, &params));
    });
    group.finish();
}

/// Rounds of each paired comparison.
const AB_ROUNDS: usize = 100;

/// The Functions the list comparison pages through, and the page size the fake caps them at.
const LIST_FUNCTIONS: usize = 30;
const LIST_PAGE: usize = 10;

/// The paired A/B comparison (see the module docs), unless a filter leaves it out.
fn roundtrip_ab() {
    const NAMES: [&str; 4] = [
        "roundtrip_ab/seq",
        "roundtrip_ab/c16",
        "roundtrip_ab/get",
        "roundtrip_ab/list",
    ];
    if !NAMES.iter().any(|n| wanted(n)) {
        return;
    }
    let Setup {
        rt,
        _fake,
        client,
        plain,
        params,
    } = setup();
    // The list pages through a stateful fake of its own, which caps pages at LIST_PAGE items.
    let (list_fake, list_client, list_plain) = rt.block_on(async {
        let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_max_page_size(LIST_PAGE))
            .await
            .expect("the list fake should bind 127.0.0.1");
        for i in 0..LIST_FUNCTIONS {
            fake.add_function(FunctionScript::new(format!("list-{i:02}")));
        }
        // A stateful fake checks its own key.
        let client = Client::builder()
            .api_key(FakeBrowserbase::API_KEY)
            .base_url(fake.url())
            .build()
            .expect("the ext client should build");
        let plain =
            Plain::new(fake.url(), FUNCTION_ID, FakeBrowserbase::API_KEY).expect("plain client");
        let (e, p) = (ext_list(&client).await, plain_list(&plain).await);
        assert_eq!(
            e.len(),
            LIST_FUNCTIONS,
            "the ext list should see every Function"
        );
        assert_eq!(p, e, "both sides should list the same Functions");
        (fake, client, plain)
    });
    rt.block_on(async {
        let (e, p) = (ext_get(&client).await, plain_get(&plain).await);
        assert_eq!(e, p, "both sides should get the same invocation");
    });

    let load_before = load_average();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    rt.block_on(async {
        if wanted(NAMES[0]) {
            let (ext, plain) = (
                async || ext_invoke(&client, &params).await,
                async || plain_invoke(&plain, &params).await,
            );
            compare("roundtrip_ab/seq", "call", AB_ROUNDS, 200, ext, plain).await;
        }
        if wanted(NAMES[1]) {
            let (ext, plain) = (
                async || ext_c16(&client, &params).await,
                async || plain_c16(&plain, &params).await,
            );
            compare("roundtrip_ab/c16", "batch of 16", AB_ROUNDS, 20, ext, plain).await;
        }
        if wanted(NAMES[2]) {
            let (ext, plain) = (
                async || ext_get(&client).await,
                async || plain_get(&plain).await,
            );
            compare("roundtrip_ab/get", "get", AB_ROUNDS, 200, ext, plain).await;
        }
        if wanted(NAMES[3]) {
            let (ext, plain) = (
                async || ext_list(&list_client).await,
                async || plain_list(&list_plain).await,
            );
            let per_run = format!(
                "list of {LIST_FUNCTIONS} Functions in {} pages",
                LIST_FUNCTIONS / LIST_PAGE
            );
            compare("roundtrip_ab/list", &per_run, AB_ROUNDS, 50, ext, plain).await;
        }
    });
    let fmt = |l: Option<f64>| l.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}"));
    println!(
        "roundtrip_ab: ran under a 1-minute load average of {} before and {} after, on {cores} cores",
        fmt(load_before),
        fmt(load_average()),
    );
    drop(list_fake);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = request, decode, roundtrip
}

fn main() {
    benches();
    roundtrip_ab();
    Criterion::default().configure_from_args().final_summary();
}
