//! A webhook receiver: verifies Browserbase deliveries, acknowledges at once, processes each
//! event once in a worker.
//!
//! ```text
//! BROWSERBASE_WEBHOOK_SECRET=whsec_… cargo run --example webhook_receiver -- [--port 8788] [--max-events N]
//! BROWSERBASE_WEBHOOK_SECRET=whsec_… cargo run --example webhook_receiver --features redis -- --redis redis://127.0.0.1:6379
//! ```
//!
//! With `--redis URL` it is one replica of several (`bb_api_ext::replicas`): an event is accepted
//! by exactly one replica, and every replica's waits hear it.
//!
//! Listens on 127.0.0.1 only and prints one line per accepted event:
//! `accepted <id> <type> <resourceId>`. Rejections go to stderr with the reason; the sender gets
//! only the status and an empty body. `--max-events N` exits after N events (for scripts and CI).
//! During a secret rotation put both secrets in the variable, separated by a space.
//!
//! Per delivery:
//! 1. the body is read up to the verifier's limit (1 MiB): a larger declared `Content-Length` gets
//!    `413` before anything is read, a larger streamed body `413` as soon as the limit is passed;
//! 2. headers, timestamp and signature are verified before the JSON is parsed: `401` (empty body)
//!    when they fail, `400` when a validly signed body is not an event;
//! 3. the event goes to the worker through a bounded queue and the answer is `200` right away,
//!    well inside Browserbase's 15-second budget; a full queue answers `503` so Browserbase retries;
//! 4. a repeated event id (Browserbase delivers at least once) is answered `200` and dropped.
//!
//! # Receiving real deliveries during development
//!
//! Browserbase only delivers to a public `https://` URL, so put a tunnel in front of the port:
//!
//! ```text
//! ngrok http 8788                                    # prints https://<random>.ngrok-free.app
//! cloudflared tunnel --url http://127.0.0.1:8788     # prints https://<random>.trycloudflare.com
//! ```
//!
//! Register that URL as the webhook endpoint (dashboard: Settings → Webhooks, or
//! `POST /v1/webhooks` with `{"endpoint": "https://…", "eventTypes": ["functions.invocations.completed",
//! "functions.invocations.failed"]}`), put the `whsec_…` secret it returns in
//! `BROWSERBASE_WEBHOOK_SECRET`, start this receiver and invoke a Function. Each URL can be
//! registered once per project: reuse the tunnel's reserved domain, or update the webhook's
//! endpoint when the tunnel URL changes.
//!
//! To end waits on these events instead of polling, hand each accepted event to the client's
//! hub in the worker (`client.webhook_events().deliver(&event)`) and wait with
//! `client.invocations().wait(id).via(&hub)`; the `webhook_wait` example does exactly that.
//!
//! # Sending a test delivery by hand
//!
//! ```text
//! ts=$(date +%s); id=evt_test_1
//! body='{"id":"evt_test_1","type":"functions.invocations.completed","resourceId":"r1","data":{}}'
//! key=$(printf %s "${BROWSERBASE_WEBHOOK_SECRET#whsec_}" | base64 -d | xxd -p -c 256)
//! sig=$(printf %s "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64)
//! curl -i http://127.0.0.1:8788/ -H "webhook-id: $id" -H "webhook-timestamp: $ts" \
//!   -H "webhook-signature: v1,$sig" -H 'content-type: application/json' -d "$body"
//! ```

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bb_api_ext::webhooks::{Event, InMemorySeenEvents, SeenEvents, Verifier};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONNECTION, CONTENT_LENGTH, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// How the receiver runs, apart from the verifier.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop after this many accepted (first-time) events.
    pub max_events: Option<u64>,
    /// Events waiting for the worker; beyond this, deliveries get 503 and are retried.
    pub queue: usize,
    /// Event ids remembered for deduplication.
    pub dedup_capacity: usize,
    /// Longest wait for a request's headers or body: a slow sender must not hold the receiver.
    pub read_timeout: Duration,
    /// Deduplicate and share events through Redis, as one replica of several.
    #[cfg(feature = "redis")]
    pub replica: Option<bb_api_ext::replicas::Replica>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_events: None,
            queue: 1024,
            dedup_capacity: 100_000,
            read_timeout: Duration::from_secs(10),
            #[cfg(feature = "redis")]
            replica: None,
        }
    }
}

/// Serves deliveries on `listener`, handing each first-time event to `process` on one worker
/// task. Returns once `max_events` events were processed (never without it).
pub async fn serve(
    listener: TcpListener,
    verifier: Verifier,
    options: Options,
    mut process: impl FnMut(Event) + Send + 'static,
) {
    let (queue, mut events) = mpsc::channel::<Event>(options.queue.max(1));
    let max_events = options.max_events;
    let mut worker = tokio::spawn(async move {
        let mut processed = 0u64;
        while let Some(event) = events.recv().await {
            process(event);
            processed += 1;
            if max_events.is_some_and(|max| processed >= max) {
                return;
            }
        }
    });
    let state = Arc::new(State {
        verifier,
        seen: InMemorySeenEvents::with_capacity(options.dedup_capacity),
        queue,
        read_timeout: options.read_timeout,
        #[cfg(feature = "redis")]
        replica: options.replica,
    });
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut worker => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, Arc::clone(&state), stopped.clone()));
                }
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    // Let in-flight exchanges finish (the last acknowledgement included), then close.
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

struct State {
    verifier: Verifier,
    seen: InMemorySeenEvents,
    queue: mpsc::Sender<Event>,
    read_timeout: Duration,
    #[cfg(feature = "redis")]
    replica: Option<bb_api_ext::replicas::Replica>,
}

async fn connection(
    stream: tokio::net::TcpStream,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let read_timeout = state.read_timeout;
    let service = service_fn(move |req| handle(Arc::clone(&state), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = async { stopped.wait_for(|stop| *stop).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode) -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// 413, closing the connection: the rest of the body is never read.
fn too_large() -> Reply {
    let mut response = reply(StatusCode::PAYLOAD_TOO_LARGE);
    response
        .headers_mut()
        .insert(CONNECTION, hyper::header::HeaderValue::from_static("close"));
    response
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    if req.method() != Method::POST {
        let mut response = reply(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(ALLOW, hyper::header::HeaderValue::from_static("POST"));
        return Ok(response);
    }
    let limit = state.verifier.max_body_bytes();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        eprintln!("rejected delivery: declared body of {declared:?} bytes is over {limit}");
        return Ok(too_large());
    }
    let (parts, body) = req.into_parts();
    let collected = tokio::time::timeout(state.read_timeout, Limited::new(body, limit).collect());
    let body = match collected.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            eprintln!("rejected delivery: body over {limit} bytes");
            return Ok(too_large());
        }
        Ok(Err(e)) => {
            eprintln!("rejected delivery: reading the body failed: {e}");
            return Ok(reply(StatusCode::BAD_REQUEST));
        }
        Err(_) => {
            eprintln!(
                "rejected delivery: body not received within {:?}",
                state.read_timeout
            );
            return Ok(reply(StatusCode::REQUEST_TIMEOUT));
        }
    };

    let event = match state.verifier.verify(&parts.headers, &body) {
        Ok(event) => event,
        Err(e) => {
            // The reason is for our log; the sender learns only the status.
            eprintln!("rejected delivery: {e}");
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return Ok(reply(status));
        }
    };
    // Take a queue slot before marking the id as seen: if the queue is full, the 503 makes
    // Browserbase retry, and the retry must not be mistaken for a duplicate.
    let Ok(slot) = state.queue.try_reserve() else {
        eprintln!("busy: queue full, event {} will be retried", event.id);
        let mut response = reply(StatusCode::SERVICE_UNAVAILABLE);
        response
            .headers_mut()
            .insert(RETRY_AFTER, hyper::header::HeaderValue::from_static("5"));
        return Ok(response);
    };
    #[cfg(feature = "redis")]
    let first = match &state.replica {
        Some(replica) => replica.accept(&event).await,
        None => state.seen.first_time(&event.id),
    };
    #[cfg(not(feature = "redis"))]
    let first = state.seen.first_time(&event.id);
    if first {
        slot.send(event);
    } else {
        eprintln!(
            "duplicate: event {} already received, acknowledged again",
            event.id
        );
    }
    Ok(reply(StatusCode::OK))
}

struct Args {
    port: u16,
    max_events: Option<u64>,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    redis: Option<String>,
}

const USAGE: &str = "usage: BROWSERBASE_WEBHOOK_SECRET=whsec_… cargo run --example webhook_receiver [--features redis] -- [--port N] [--max-events N] [--redis URL]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 8788,
        max_events: None,
        redis: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a number"));
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                args.port = v
                    .parse()
                    .map_err(|_| format!("--port {v:?} is not a port"))?;
            }
            "--max-events" => {
                let v = value("--max-events")?;
                args.max_events = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("--max-events {v:?} is not a positive number"))?,
                );
            }
            "--redis" if cfg!(feature = "redis") => {
                args.redis = Some(it.next().ok_or("--redis needs a URL")?);
            }
            "--redis" => {
                return Err("--redis needs the `redis` feature: cargo run --example \
                            webhook_receiver --features redis -- --redis URL"
                    .into());
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(args)
}

// Also the usage check of the `webhook_wait` example, which includes this file.
#[path = "support/usage.rs"]
pub(crate) mod usage;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match usage::or_usage(parse_args(), USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let verifier = match Verifier::from_env() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    let mut options = Options {
        max_events: args.max_events,
        ..Options::default()
    };
    #[cfg(feature = "redis")]
    if let Some(url) = &args.redis {
        use bb_api_ext::replicas::{Replica, ReplicaConfig};
        match Replica::connect(url, ReplicaConfig::new()).await {
            Ok(replica) => {
                println!("one replica of several, through Redis at {}", replica.url());
                options.replica = Some(replica);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let listener = match TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on http://{addr}/ (POST deliveries here)"),
        Err(e) => eprintln!("listening (address unknown: {e})"),
    }
    serve(listener, verifier, options, |event| {
        let resource = if event.resource_id.is_empty() {
            "-"
        } else {
            &event.resource_id
        };
        println!("accepted {} {} {resource}", event.id, event.event_type);
    })
    .await;
    ExitCode::SUCCESS
}
