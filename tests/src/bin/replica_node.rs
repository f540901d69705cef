//! One process of the replicas test and benchmark (`tests/tests/replicas.rs`,
//! `examples/bench_replicas.rs`): a webhook receiver replica, or a fan-out process, on one Redis.
//!
//! ```text
//! replica_node receive REDIS_URL WHSEC
//!     prints `listening PORT`, then `accepted EVENT_ID` per first-time event; when stdin closes,
//!     `stats accepted=N repeats=N offline=N rss_kb=N` and exits
//! replica_node fanout REDIS_URL FAKE_URL FUNCTION_ID COUNT LIMIT FALLBACK_MS
//!     invokes COUNT times (invoke_many, waiting) inside the shared budget of LIMIT; prints
//!     `failed ERROR` per failed item, then `done ok=N failed=N leases=N offline=N rss_kb=N`
//! ```

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bb_api_ext::replicas::{Replica, ReplicaConfig};
use bb_api_ext::testing::FakeBrowserbase;
use bb_api_ext::webhooks::{Verifier, WebhookSecret};
use bb_api_ext::{Client, PollSchedule, StreamExt};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// Peak resident memory of this process (Linux `VmHWM`), in KiB; 0 elsewhere.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn config() -> ReplicaConfig {
    ReplicaConfig::new()
        .key_prefix(std::env::var("BB_REPLICA_PREFIX").unwrap_or_else(|_| "bb-api-test".into()))
        .command_timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_secs(2))
}

async fn receive(redis: &str, secret: &str) -> Result<(), String> {
    let secret = WebhookSecret::parse(secret).map_err(|e| e.to_string())?;
    let verifier = Arc::new(Verifier::new(secret));
    let replica = Replica::connect(redis, config())
        .await
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("listening {port}");
    let serve = {
        let replica = replica.clone();
        async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (replica, verifier) = (replica.clone(), Arc::clone(&verifier));
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (replica, verifier) = (replica.clone(), Arc::clone(&verifier));
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let status = match verifier.verify(&parts.headers, &body) {
                                Ok(event) => {
                                    if replica.accept(&event).await {
                                        println!("accepted {}", event.id);
                                    }
                                    StatusCode::OK
                                }
                                Err(e) => StatusCode::from_u16(e.status())
                                    .unwrap_or(StatusCode::BAD_REQUEST),
                            };
                            let mut reply = Response::new(Full::new(Bytes::new()));
                            *reply.status_mut() = status;
                            Ok::<_, Infallible>(reply)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    };
    let mut stdin = tokio::io::stdin();
    let mut sink = Vec::new();
    tokio::select! {
        () = serve => {}
        _ = stdin.read_to_end(&mut sink) => {}
    }
    let s = replica.stats();
    println!(
        "stats accepted={} repeats={} offline={} rss_kb={}",
        s.accepted,
        s.repeats,
        s.accepted_offline,
        peak_rss_kb()
    );
    Ok(())
}

async fn fanout(args: &[String]) -> Result<(), String> {
    let [redis, fake, function, count, limit, fallback_ms] = args else {
        return Err("fanout needs REDIS_URL FAKE_URL FUNCTION_ID COUNT LIMIT FALLBACK_MS".into());
    };
    let number = |name: &str, v: &str| {
        v.parse::<u64>()
            .map_err(|_| format!("{name} {v:?} is not a number"))
    };
    let (count, limit, fallback) = (
        number("COUNT", count)?,
        number("LIMIT", limit)?,
        number("FALLBACK_MS", fallback_ms)?,
    );
    let function: uuid::Uuid = function
        .parse()
        .map_err(|_| format!("FUNCTION_ID {function:?} is not a UUID"))?;
    let replica = Replica::connect(redis, config().concurrency(limit as usize))
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::builder()
        .api_key(FakeBrowserbase::API_KEY)
        .base_url(fake.as_str())
        .coordinator(replica.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let mut items = client
        .functions()
        .invoke_many(function, (0..count).map(|i| serde_json::json!({ "i": i })))
        .concurrency(limit as usize)
        .wait(true)
        .max_wait(Duration::from_secs(120))
        .poll_schedule(PollSchedule::every(Duration::from_millis(fallback)))
        .stream()
        .await
        .map_err(|e| e.to_string())?;
    let (mut ok, mut failed) = (0, 0);
    while let Some(item) = items.next().await {
        match item.result {
            Ok(_) => ok += 1,
            Err(e) => {
                failed += 1;
                println!("failed {e}");
            }
        }
    }
    let s = replica.stats();
    println!(
        "done ok={ok} failed={failed} leases={} offline={} rss_kb={}",
        s.leases,
        s.leases_offline,
        peak_rss_kb()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("receive") if args.len() == 3 => receive(&args[1], &args[2]).await,
        Some("fanout") => fanout(&args[1..]).await,
        _ => Err("usage: replica_node receive REDIS_URL WHSEC | fanout REDIS_URL FAKE_URL FUNCTION_ID COUNT LIMIT FALLBACK_MS".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
