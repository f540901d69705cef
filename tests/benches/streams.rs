//! Criterion benchmarks of a 1 MiB upload and download through the ext client, each with a plain
//! `reqwest` call doing the same work as the floor.
//!
//! ```text
//! cargo bench -p bb-api-tests --bench streams
//! cargo bench -p bb-api-tests --bench streams -- download_1mib   # one group (and its A/B row)
//! ```
//!
//! - `upload_1mib/{ext,plain}`: an extension upload of 1 MiB, `client.extensions().upload(…)`
//!   against a hand-written `multipart/form-data` POST of one part `file` (reqwest's `multipart`),
//!   the answer decoded on both sides.
//! - `download_1mib/{ext,plain}`: a download of 1 MiB, `client.downloads().write_to(id, sink)`
//!   against a hand-written pair of GETs (the metadata for the checksum, then the content,
//!   streamed through SHA-256 into the same sink and compared): what a verified download takes.
//!
//! - `stream_ab/{upload_1mib,download_1mib}` (printed after criterion's output): the same two
//!   comparisons measured paired, as `roundtrip_ab` in the `invoke` bench
//!   (`bb_api_tests::ab`): alternating blocks of ext and plain runs, the median ratio per pair
//!   of blocks. The figure to quote on a noisy machine.
//!
//! Clients and the fake (`bb_api_ext::testing::FakeBrowserbase`, on 127.0.0.1) share one
//! current-thread Tokio runtime, as in the `invoke` bench: the ratio of ext to plain is the ext
//! layer's cost on a stream. For large files (100-200 MiB against `curl`) see the `bench_streams`
//! example.

use std::time::{Duration, Instant};

use bb_api_ext::testing::FakeBrowserbase;
use bb_api_ext::{Client, FileSource, USER_AGENT};
use bb_api_tests::ab::{compare, load_average, wanted};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use reqwest::header::ACCEPT;
use tokio::io::AsyncWriteExt;
use tokio::runtime::Runtime;

const MIB: usize = 1 << 20;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the runtime should start")
}

/// 1 MiB of pseudo-random bytes (xorshift): nothing along the way can make them smaller.
fn content() -> Bytes {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(MIB);
    while out.len() < MIB {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    Bytes::from(out)
}

/// The fake, an ext client and a plain `reqwest::Client` (the ext client's user agent, nothing
/// else configured), all on `rt`.
fn setup(rt: &Runtime) -> (FakeBrowserbase, Client, reqwest::Client) {
    let fake = rt
        .block_on(FakeBrowserbase::start())
        .expect("the fake should bind 127.0.0.1");
    let client = Client::builder()
        .api_key(FakeBrowserbase::API_KEY)
        .base_url(fake.url())
        .build()
        .expect("the ext client should build");
    let plain = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .build()
        .expect("the plain client should build");
    (fake, client, plain)
}

/// Times `iters` calls of `call`, clearing the fake's recorded requests after each (it keeps
/// bodies up to 4 MiB: thousands of 1 MiB uploads would otherwise pile up); both sides pay it.
fn timed<F: Future<Output = ()>>(
    rt: &Runtime,
    fake: &FakeBrowserbase,
    iters: u64,
    mut call: impl FnMut() -> F,
) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            call().await;
            fake.clear_requests();
        }
        started.elapsed()
    })
}

fn upload(c: &mut Criterion) {
    let rt = runtime();
    let (fake, client, plain) = setup(&rt);
    let bytes = content();
    let url = format!("{}/v1/extensions", fake.url());
    let mut group = c.benchmark_group("upload_1mib");
    group.throughput(Throughput::Bytes(MIB as u64));
    group.bench_function("ext", |b| {
        b.iter_custom(|iters| timed(&rt, &fake, iters, || ext_upload(&client, &bytes)));
    });
    group.bench_function("plain", |b| {
        b.iter_custom(|iters| timed(&rt, &fake, iters, || plain_upload(&plain, &url, &bytes)));
    });
    group.finish();
}

fn download(c: &mut Criterion) {
    let rt = runtime();
    let (fake, client, plain) = setup(&rt);
    let id = fake.add_download("bench-session", "bench.bin", content().to_vec());
    let url = format!("{}/v1/downloads/{id}", fake.url());
    let mut group = c.benchmark_group("download_1mib");
    group.throughput(Throughput::Bytes(MIB as u64));
    group.bench_function("ext", |b| {
        b.iter_custom(|iters| timed(&rt, &fake, iters, || ext_download(&client, &id)));
    });
    group.bench_function("plain", |b| {
        b.iter_custom(|iters| timed(&rt, &fake, iters, || plain_download(&plain, &url)));
    });
    group.finish();
}

async fn ext_upload(client: &Client, bytes: &Bytes) {
    let e = client
        .extensions()
        .upload(FileSource::bytes(bytes.clone(), "bench.zip"))
        .await
        .expect("the ext upload should succeed against the fake");
    std::hint::black_box(e);
}

/// One multipart part `file`, the answer decoded: a hand-written upload.
async fn plain_upload(plain: &reqwest::Client, url: &str, bytes: &Bytes) {
    let part = reqwest::multipart::Part::stream_with_length(
        reqwest::Body::from(bytes.clone()),
        MIB as u64,
    )
    .file_name("bench.zip")
    .mime_str("application/zip")
    .expect("a valid MIME type");
    let response = plain
        .post(url)
        .header("x-bb-api-key", FakeBrowserbase::API_KEY)
        .header(ACCEPT, "application/json")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the plain upload should succeed against the fake");
    let e: serde_json::Value = response.json().await.expect("a JSON answer");
    std::hint::black_box(e);
}

async fn ext_download(client: &Client, id: &str) {
    let d = client
        .downloads()
        .write_to(id, &mut tokio::io::sink())
        .await
        .expect("the ext download should succeed against the fake");
    std::hint::black_box(d);
}

/// The metadata (for the checksum), then the content streamed through SHA-256 into a sink.
async fn plain_download(plain: &reqwest::Client, url: &str) {
    let meta: serde_json::Value = plain
        .get(url)
        .header("x-bb-api-key", FakeBrowserbase::API_KEY)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the plain metadata get should succeed")
        .json()
        .await
        .expect("the metadata is JSON");
    let mut response = plain
        .get(url)
        .header("x-bb-api-key", FakeBrowserbase::API_KEY)
        .header(ACCEPT, "application/octet-stream")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("the plain content get should succeed");
    let mut hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut sink = tokio::io::sink();
    while let Some(chunk) = response.chunk().await.expect("the content streams") {
        hash.update(&chunk);
        sink.write_all(&chunk).await.expect("the sink takes it");
    }
    let actual = hash
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert_eq!(
        Some(actual.as_str()),
        meta["checksum"].as_str(),
        "the content's SHA-256 is the metadata's checksum"
    );
}

/// The paired rows (see the module docs), unless a filter leaves them out.
fn stream_ab() {
    const NAMES: [&str; 2] = ["stream_ab/upload_1mib", "stream_ab/download_1mib"];
    if !NAMES.iter().any(|n| wanted(n)) {
        return;
    }
    let rt = runtime();
    let (fake, client, plain) = setup(&rt);
    let bytes = content();
    let upload_url = format!("{}/v1/extensions", fake.url());
    let id = fake.add_download("bench-session", "bench.bin", content().to_vec());
    let download_url = format!("{}/v1/downloads/{id}", fake.url());
    let load_before = load_average();
    rt.block_on(async {
        // The fake keeps request bodies up to 4 MiB: cleared after each run, on both sides.
        if wanted(NAMES[0]) {
            let (ext, plain) = (
                async || {
                    ext_upload(&client, &bytes).await;
                    fake.clear_requests();
                },
                async || {
                    plain_upload(&plain, &upload_url, &bytes).await;
                    fake.clear_requests();
                },
            );
            compare(NAMES[0], "upload of 1 MiB", 50, 10, ext, plain).await;
        }
        if wanted(NAMES[1]) {
            let (ext, plain) = (
                async || {
                    ext_download(&client, &id).await;
                    fake.clear_requests();
                },
                async || {
                    plain_download(&plain, &download_url).await;
                    fake.clear_requests();
                },
            );
            compare(NAMES[1], "download of 1 MiB", 50, 10, ext, plain).await;
        }
    });
    let fmt = |l: Option<f64>| l.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}"));
    println!(
        "stream_ab: ran under a 1-minute load average of {} before and {} after",
        fmt(load_before),
        fmt(load_average()),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = upload, download
}

fn main() {
    benches();
    stream_ab();
    Criterion::default().configure_from_args().final_summary();
}
