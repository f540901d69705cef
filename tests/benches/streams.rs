//! Criterion benchmarks of a 1 MiB upload and download through the ext client, each with a plain
//! `reqwest` call doing the same work as the floor.
//!
//! ```text
//! cargo bench -p bb-api-tests --bench streams
//! cargo bench -p bb-api-tests --bench streams -- download_1mib   # one group
//! ```
//!
//! - `upload_1mib/{ext,plain}`: an extension upload of 1 MiB, `client.extensions().upload(…)`
//!   against a hand-written `multipart/form-data` POST of one part `file` (reqwest's `multipart`),
//!   the answer decoded on both sides.
//! - `download_1mib/{ext,plain}`: a download of 1 MiB, `client.downloads().write_to(id, sink)`
//!   against a hand-written pair of GETs (the metadata for the checksum, then the content,
//!   streamed through SHA-256 into the same sink and compared): what a verified download takes.
//!
//! Clients and the fake (`bb_api_ext::testing::FakeBrowserbase`, on 127.0.0.1) share one
//! current-thread Tokio runtime, as in the `invoke` bench: the ratio of ext to plain is the ext
//! layer's cost on a stream. For large files (100-200 MiB against `curl`) see the `bench_streams`
//! example.

use std::time::{Duration, Instant};

use bb_api_ext::testing::FakeBrowserbase;
use bb_api_ext::{Client, FileSource, USER_AGENT};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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
        b.iter_custom(|iters| {
            timed(&rt, &fake, iters, || async {
                let e = client
                    .extensions()
                    .upload(FileSource::bytes(bytes.clone(), "bench.zip"))
                    .await
                    .expect("the ext upload should succeed against the fake");
                std::hint::black_box(e);
            })
        });
    });
    group.bench_function("plain", |b| {
        b.iter_custom(|iters| {
            timed(&rt, &fake, iters, || async {
                let part = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::from(bytes.clone()),
                    MIB as u64,
                )
                .file_name("bench.zip")
                .mime_str("application/zip")
                .expect("a valid MIME type");
                let response = plain
                    .post(&url)
                    .header("x-bb-api-key", FakeBrowserbase::API_KEY)
                    .header(ACCEPT, "application/json")
                    .multipart(reqwest::multipart::Form::new().part("file", part))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .expect("the plain upload should succeed against the fake");
                let e: serde_json::Value = response.json().await.expect("a JSON answer");
                std::hint::black_box(e);
            })
        });
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
        b.iter_custom(|iters| {
            timed(&rt, &fake, iters, || async {
                let d = client
                    .downloads()
                    .write_to(id.as_str(), &mut tokio::io::sink())
                    .await
                    .expect("the ext download should succeed against the fake");
                std::hint::black_box(d);
            })
        });
    });
    group.bench_function("plain", |b| {
        b.iter_custom(|iters| {
            timed(&rt, &fake, iters, || async {
                plain_download(&plain, &url).await;
            })
        });
    });
    group.finish();
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

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = upload, download
}
criterion_main!(benches);
