//! The replicas scenario, shared by `tests/tests/replicas.rs` and `examples/bench_replicas.rs`:
//! receiver and fan-out processes (`replica_node`) on one real Redis and the fake, with a load
//! balancer in front of the receivers that spreads deliveries at random and sends some twice.

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript, Operation};
use bb_api_ext::webhooks::EventType;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The variable CI sets to its Redis (`redis://127.0.0.1:PORT`).
pub const REDIS_URL_ENV: &str = "BB_API_TEST_REDIS_URL";

/// The Redis of the test run; fails (never skips) without one, saying how to start one.
pub fn test_redis_url() -> String {
    match std::env::var(REDIS_URL_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{REDIS_URL_ENV} is not set: the replicas tests need a real Redis. Start one with \
             `redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no &` and run \
             `{REDIS_URL_ENV}=redis://127.0.0.1:6390 cargo test -p bb-api-tests --test replicas` \
             (`.ci/run` does this; install it with `apt-get install redis-server`)"
        ),
    }
}

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    StdListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on 127.0.0.1: {e}"))
}

/// A `redis-server` of this test's own (to restart it), on 127.0.0.1, persistence off.
pub struct RedisServer {
    child: Option<std::process::Child>,
    /// Its port.
    pub port: u16,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers.
    pub fn start() -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
        };
        server.restart();
        server
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (its data goes: persistence is off).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and waits (at most 5 s) until it answers.
    pub fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): install it (`apt-get install redis-server`)"
                )
            });
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "redis-server on port {} did not start within 5 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Calls of every command Redis served so far (`INFO commandstats`).
pub async fn redis_commands(url: &str) -> u64 {
    let client = redis::Client::open(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("cannot reach Redis at {url}: {e}"));
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("INFO commandstats: {e}"));
    info.lines()
        .filter_map(|l| l.split("calls=").nth(1))
        .filter_map(|rest| rest.split(',').next()?.parse::<u64>().ok())
        .sum()
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub invocations: u64,
    /// The fake's project concurrency, and the shared budget.
    pub limit: usize,
    pub receivers: usize,
    pub fanouts: usize,
    /// How long each invocation runs on the fake.
    pub run_time: Duration,
    /// The waits' fallback polling interval.
    pub fallback: Duration,
    /// One in this many deliveries also goes to a second receiver.
    pub duplicate_one_in: u64,
    /// Keys of this run, so runs on one Redis do not meet.
    pub prefix: String,
}

impl Scenario {
    /// The numbers: 1,000 invocations, 3 receivers, 2 fan-outs, 10 % duplicated.
    pub fn standard(prefix: &str) -> Self {
        Self {
            invocations: 1000,
            limit: 20,
            receivers: 3,
            fanouts: 2,
            run_time: Duration::from_millis(20),
            fallback: Duration::from_secs(30),
            duplicate_one_in: 10,
            prefix: format!("{prefix}-{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

/// What came of it.
#[derive(Default)]
pub struct Outcome {
    pub wall: Duration,
    pub ok: u64,
    pub failures: Vec<String>,
    /// Event ids accepted, across receivers (one entry per acceptance).
    pub accepted: Vec<String>,
    /// Distinct event ids the fake delivered.
    pub delivered_events: usize,
    /// Deliveries the load balancer sent to a second receiver.
    pub duplicated: u64,
    pub requests: u64,
    pub invokes: u64,
    pub polls: u64,
    pub peak_running: usize,
    pub rejected_429: u64,
    /// Each process's last line (`stats …`, `done …`).
    pub summaries: Vec<String>,
    pub peak_rss_kb: Vec<u64>,
}

struct Node {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: tokio::task::JoinHandle<()>,
}

async fn spawn(bin: &str, args: &[String], prefix: &str) -> Node {
    let mut child = Command::new(bin)
        .args(args)
        .env("BB_REPLICA_PREFIX", prefix)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let kept = Arc::clone(&lines);
    let reader = tokio::spawn(async move {
        let mut tx = Some(tx);
        let mut it = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = it.next_line().await {
            let listening = line.starts_with("listening ");
            kept.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(line.clone());
            if listening && let Some(tx) = tx.take() {
                let _ = tx.send(line);
            }
        }
    });
    if args.first().map(String::as_str) == Some("receive") {
        let line = tokio::time::timeout(Duration::from_secs(20), rx)
            .await
            .unwrap_or_else(|_| panic!("a receiver did not start within 20 s"))
            .unwrap_or_else(|_| panic!("a receiver exited before listening (is Redis up?)"));
        let _ = line;
    }
    Node {
        child,
        lines,
        reader,
    }
}

fn port_of(node: &Node) -> u16 {
    node.lines
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find_map(|l| l.strip_prefix("listening ")?.parse().ok())
        .unwrap_or_else(|| panic!("receiver port unknown"))
}

/// A tiny xorshift: the load balancer's dice (no dependency for it).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Forwards each delivery to a random receiver, and one in `duplicate_one_in` to a second one.
async fn balance(port: u16, ports: Vec<u16>, duplicate_one_in: u64, duplicated: Arc<Mutex<u64>>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("load balancer on port {port}: {e}"));
    let http = reqwest::Client::new();
    let seed = u64::from_le_bytes(
        uuid::Uuid::new_v4().as_bytes()[..8]
            .try_into()
            .unwrap_or([7; 8]),
    ) | 1;
    let dice = Arc::new(Mutex::new(Dice(seed)));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (http, dice, ports, duplicated) = (
                http.clone(),
                Arc::clone(&dice),
                ports.clone(),
                Arc::clone(&duplicated),
            );
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (http, dice, ports, duplicated) = (
                        http.clone(),
                        Arc::clone(&dice),
                        ports.clone(),
                        Arc::clone(&duplicated),
                    );
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let (first, second) = {
                            let mut d = dice.lock().unwrap_or_else(|e| e.into_inner());
                            let n = ports.len() as u64;
                            let first = d.roll(n) as usize;
                            let second = (d.roll(duplicate_one_in) == 0 && n > 1)
                                .then(|| (first + 1 + d.roll(n - 1) as usize) % ports.len());
                            (first, second)
                        };
                        let mut status = StatusCode::BAD_GATEWAY;
                        for (i, target) in [Some(first), second].into_iter().flatten().enumerate() {
                            let mut fwd = http.post(format!("http://127.0.0.1:{}/", ports[target]));
                            for (name, value) in &parts.headers {
                                if name.as_str().starts_with("webhook-") || name == "content-type" {
                                    fwd = fwd.header(name, value);
                                }
                            }
                            let answer = fwd.body(body.clone()).send().await;
                            if i == 0 {
                                status = answer
                                    .map(|r| {
                                        StatusCode::from_u16(r.status().as_u16())
                                            .unwrap_or(StatusCode::BAD_GATEWAY)
                                    })
                                    .unwrap_or(StatusCode::BAD_GATEWAY);
                            } else {
                                *duplicated.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                            }
                        }
                        let mut reply = Response::new(Full::new(Bytes::new()));
                        *reply.status_mut() = status;
                        Ok::<_, std::convert::Infallible>(reply)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// Runs the scenario with `bin` (the `replica_node` binary) on Redis at `redis_url`; `restart`,
/// if given, is that Redis, restarted once the first tenth of the invocations were accepted.
pub async fn run(
    bin: &str,
    redis_url: &str,
    s: &Scenario,
    restart: Option<&mut RedisServer>,
) -> Outcome {
    let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_project_concurrency(s.limit))
        .await
        .unwrap_or_else(|e| panic!("fake: {e}"));
    let function = fake.add_function(FunctionScript::new("replicated").with_run_time(s.run_time));
    let client = fake.client();
    let started = Instant::now();
    // The receivers need the secret, the webhook needs the balancer, the balancer the receivers:
    // register first on a reserved port.
    let lb_port = free_port();
    let created = client
        .webhooks()
        .create(
            format!("http://127.0.0.1:{lb_port}/"),
            [
                EventType::FunctionsInvocationsCompleted,
                EventType::FunctionsInvocationsFailed,
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("registering the webhook: {e}"));
    let secret = created.secret.expose_secret();
    let mut receivers = Vec::new();
    for _ in 0..s.receivers {
        let args = vec!["receive".into(), redis_url.into(), secret.clone()];
        receivers.push(spawn(bin, &args, &s.prefix).await);
    }
    let ports: Vec<u16> = receivers.iter().map(port_of).collect();
    let duplicated = Arc::new(Mutex::new(0));
    balance(lb_port, ports, s.duplicate_one_in, Arc::clone(&duplicated)).await;
    let per = s.invocations / s.fanouts as u64;
    let mut fanouts = Vec::new();
    for i in 0..s.fanouts {
        let count = if i + 1 == s.fanouts {
            s.invocations - per * (s.fanouts as u64 - 1)
        } else {
            per
        };
        let args = vec![
            "fanout".into(),
            redis_url.into(),
            fake.url().into(),
            function.function_id.to_string(),
            count.to_string(),
            s.limit.to_string(),
            s.fallback.as_millis().to_string(),
        ];
        fanouts.push(spawn(bin, &args, &s.prefix).await);
    }
    if let Some(server) = restart {
        // Restart once a tenth of the events went through.
        let accepted = |nodes: &[Node]| -> usize {
            nodes
                .iter()
                .map(|n| {
                    n.lines
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .filter(|l| l.starts_with("accepted "))
                        .count()
                })
                .sum()
        };
        for _ in 0..600 {
            if accepted(&receivers) as u64 >= s.invocations / 10 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.stop();
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.restart();
    }
    let mut out = Outcome::default();
    for mut node in fanouts {
        let status = tokio::time::timeout(Duration::from_secs(240), node.child.wait())
            .await
            .unwrap_or_else(|_| panic!("a fan-out process did not finish within 240 s"));
        let _ = node.reader.await;
        let lines = node.lines.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(
            status.map(|s| s.success()).unwrap_or(false),
            "a fan-out process failed: {lines:?}"
        );
        for line in lines {
            if let Some(e) = line.strip_prefix("failed ") {
                out.failures.push(e.to_string());
            } else if line.starts_with("done ") {
                out.ok += field(&line, "ok");
                out.peak_rss_kb.push(field(&line, "rss_kb"));
                out.summaries.push(line);
            }
        }
    }
    out.wall = started.elapsed();
    // Let the last deliveries (and their duplicates) land.
    let mut before = usize::MAX;
    for _ in 0..40 {
        let now = fake.deliveries().len();
        if now == before {
            break;
        }
        before = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for mut node in receivers {
        drop(node.child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(20), node.child.wait()).await;
        let _ = node.reader.await;
        for line in node.lines.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            if let Some(id) = line.strip_prefix("accepted ") {
                out.accepted.push(id.to_string());
            } else if line.starts_with("stats ") {
                out.peak_rss_kb.push(field(line, "rss_kb"));
                out.summaries.push(line.clone());
            }
        }
    }
    let mut ids: HashMap<String, ()> = HashMap::new();
    for d in fake.deliveries() {
        ids.insert(d.event_id.to_string(), ());
    }
    out.delivered_events = ids.len();
    out.duplicated = *duplicated.lock().unwrap_or_else(|e| e.into_inner());
    out.requests = fake.requests_received();
    out.invokes = fake.request_count(Operation::FunctionsInvoke);
    out.polls = fake.request_count(Operation::InvocationsGet);
    (out.peak_running, out.rejected_429) = fake.project_concurrency_stats();
    out
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome")
            .field("wall", &self.wall)
            .field("ok", &self.ok)
            .field("failures", &self.failures)
            .field("accepted", &self.accepted.len())
            .field("delivered_events", &self.delivered_events)
            .field("duplicated", &self.duplicated)
            .field("requests", &self.requests)
            .field("invokes", &self.invokes)
            .field("polls", &self.polls)
            .field("peak_running", &self.peak_running)
            .field("rejected_429", &self.rejected_429)
            .field("summaries", &self.summaries)
            .finish()
    }
}

fn field(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or(0)
}
