//! Replicas sharing webhook events, dedup, the concurrency budget and 429 pauses through a real
//! Redis (`BB_API_TEST_REDIS_URL`, which `.ci/run` sets; these tests fail without it, never skip).

use std::time::Duration;

use bb_api_ext::replicas::{Replica, ReplicaConfig, ReplicaError};
use bb_api_ext::webhooks::{Event, EventType};
use bb_api_tests::replicas::{
    RedisServer, Scenario, free_port, redis_commands, run, test_redis_url,
};

const NODE: &str = env!("CARGO_BIN_EXE_replica_node");

fn prefix() -> String {
    format!("bb-api-test-{}", uuid::Uuid::new_v4().simple())
}

fn event(id: &str, resource: uuid::Uuid) -> Event {
    Event::new(
        id,
        EventType::FunctionsInvocationsCompleted,
        resource.to_string(),
        serde_json::json!({}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_receivers_two_fanouts_one_budget_each_event_once() {
    let url = test_redis_url();
    let scenario = Scenario::standard("bb-api-test");
    let before = redis_commands(&url).await;
    let out = run(NODE, &url, &scenario, None).await;
    let commands = redis_commands(&url).await - before;
    eprintln!("{out:#?}\nredis commands: {commands}");
    assert!(out.failures.is_empty(), "failures: {:?}", out.failures);
    assert_eq!(out.ok, scenario.invocations);
    assert_eq!(
        out.invokes, scenario.invocations,
        "one invoke each, none refused and retried"
    );
    // Every event accepted exactly once across the replicas, duplicates included.
    assert_eq!(out.delivered_events as u64, scenario.invocations);
    let mut accepted = out.accepted.clone();
    accepted.sort();
    accepted.dedup();
    assert_eq!(
        accepted.len(),
        out.accepted.len(),
        "an event was accepted twice"
    );
    assert_eq!(out.accepted.len() as u64, scenario.invocations);
    assert!(
        out.duplicated > 0,
        "the balancer sent no duplicate: the dedup went untested"
    );
    // Every wait ended on its event: the fallback (30 s) never came due.
    assert_eq!(out.polls, 0, "waits polled");
    assert!(
        out.peak_running <= scenario.limit,
        "peak {} over the limit",
        out.peak_running
    );
    assert!(out.peak_running > 1, "nothing ran concurrently");
    assert_eq!(out.rejected_429, 0, "the fake answered 429s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_loses_no_invocation() {
    let mut server = RedisServer::start();
    let url = server.url();
    let mut scenario = Scenario::standard("bb-api-restart");
    // Events published while Redis was away are queued; waits also poll every second.
    scenario.fallback = Duration::from_secs(1);
    let out = run(NODE, &url, &scenario, Some(&mut server)).await;
    eprintln!("{out:#?}");
    assert!(out.failures.is_empty(), "failures: {:?}", out.failures);
    assert_eq!(out.ok, scenario.invocations, "an invocation was lost");
    // At most twice, and only for events accepted during the outage.
    let mut counts = std::collections::HashMap::new();
    for id in &out.accepted {
        *counts.entry(id.as_str()).or_insert(0u32) += 1;
    }
    assert_eq!(
        counts.len() as u64,
        scenario.invocations,
        "an event was never accepted"
    );
    assert!(
        counts.values().all(|&n| n <= 2),
        "an event was accepted more than twice"
    );
}

#[tokio::test]
async fn redis_down_at_start_names_the_url_without_its_password() {
    let port = free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}");
    let config = ReplicaConfig::new().connect_timeout(Duration::from_secs(2));
    let err = Replica::connect(&url, config)
        .await
        .expect_err("nothing listens there");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            ReplicaError::Unreachable { .. } | ReplicaError::Timeout { .. }
        ),
        "{err:?}"
    );
    assert!(
        text.contains(&format!("redis://:***@127.0.0.1:{port}")),
        "{text}"
    );
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    assert!(text.contains("is it running"), "{text}");

    let err = Replica::connect("http://not-redis", ReplicaConfig::new())
        .await
        .expect_err("not redis");
    assert!(matches!(err, ReplicaError::InvalidUrl { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("`http://not-redis` is not a Redis URL"),
        "{err}"
    );
}

#[tokio::test]
async fn exactly_one_replica_accepts_an_event_and_every_replica_hears_it() {
    let url = test_redis_url();
    let config = ReplicaConfig::new().key_prefix(prefix());
    let a = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let c = Replica::connect(&url, config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let resource = uuid::Uuid::new_v4();
    let e = event("evt_once", resource);
    let (x, y, z) = tokio::join!(a.accept(&e), b.accept(&e), c.accept(&e));
    assert_eq!([x, y, z].iter().filter(|f| **f).count(), 1, "{x} {y} {z}");
    assert!(!a.accept(&e).await, "a repeat on the first replica");
    // The terminal event reaches every replica's hub.
    for r in [&a, &b, &c] {
        let hub = r.hub();
        let mut seen = false;
        for _ in 0..100 {
            if hub.recent() == 1 {
                seen = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(seen, "replica did not hear the event");
    }
}

#[tokio::test]
async fn the_budget_holds_across_replicas_and_a_dropped_lease_frees_its_place() {
    let url = test_redis_url();
    let config = ReplicaConfig::new()
        .key_prefix(prefix())
        .concurrency(2)
        .lease_ttl(Duration::from_secs(2));
    let a = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let first = a.lease().await;
    let second = b.lease().await;
    // Full: a third waits.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), a.lease())
            .await
            .is_err()
    );
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(2), b.lease())
        .await
        .expect("a place came free");
    // Leases outlive their TTL while held (renewed).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), a.lease())
            .await
            .is_err(),
        "renewed leases still count"
    );
    drop((second, third));
    let _ = tokio::time::timeout(Duration::from_secs(2), a.lease())
        .await
        .expect("free again");
    assert_eq!(a.stats().leases + b.stats().leases, 4);
}

#[tokio::test]
async fn a_crashed_process_leases_expire() {
    let url = test_redis_url();
    let p = prefix();
    let config = ReplicaConfig::new()
        .key_prefix(&p)
        .concurrency(1)
        .lease_ttl(Duration::from_secs(1));
    // A lease taken directly, as a crashed process leaves it: never renewed, never released.
    let client = redis::Client::open(url.as_str()).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (secs, _): (u64, u64) = redis::cmd("TIME")
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _: i64 = redis::cmd("ZADD")
        .arg(format!("{p}:budget"))
        .arg(secs * 1000 + 1000)
        .arg("crashed")
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = Replica::connect(&url, config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let lease = tokio::time::timeout(Duration::from_secs(5), a.lease())
        .await
        .expect("the crashed lease expired");
    drop(lease);
}

#[tokio::test]
async fn slow_redis_commands_time_out_and_fall_back() {
    // A server that accepts and never answers: every command times out.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let config = ReplicaConfig::new()
        .command_timeout(Duration::from_millis(200))
        .connect_timeout(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let err = Replica::connect(&format!("redis://127.0.0.1:{port}"), config)
        .await
        .expect_err("never answers");
    assert!(matches!(err, ReplicaError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_dedup_and_budget_fall_back_locally() {
    let mut server = RedisServer::start();
    let config = ReplicaConfig::new()
        .key_prefix(prefix())
        .concurrency(5)
        .command_timeout(Duration::from_millis(300));
    let a = Replica::connect(&server.url(), config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let resource = uuid::Uuid::new_v4();
    assert!(a.accept(&event("evt_before", resource)).await);
    server.stop();
    // Redis is gone: repeats are still caught by the replica's memory, new events accepted.
    assert!(!a.accept(&event("evt_before", resource)).await);
    assert!(a.accept(&event("evt_during", resource)).await);
    assert_eq!(a.stats().accepted_offline, 1);
    // The budget falls back to one local place.
    let lease = tokio::time::timeout(Duration::from_secs(3), a.lease())
        .await
        .expect("offline place");
    assert!(
        tokio::time::timeout(Duration::from_millis(800), a.lease())
            .await
            .is_err(),
        "one place offline"
    );
    drop(lease);
    assert_eq!(a.stats().leases_offline, 1);
    server.restart();
    // Back: the event accepted during the outage reaches the stream (published from the queue).
    let mut published = false;
    for _ in 0..100 {
        if a.stats().published >= 2 {
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(published, "{:?}", a.stats());
    assert!(a.accept(&event("evt_after", resource)).await);
    assert!(!a.accept(&event("evt_after", resource)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_one_replica_pauses_the_others() {
    use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript, Operation};
    let url = test_redis_url();
    let fake = FakeBrowserbase::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let f = fake.add_function(FunctionScript::new("paused"));
    let config = ReplicaConfig::new().key_prefix(prefix());
    let ra = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rb = Replica::connect(&url, config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = fake
        .client_builder()
        .coordinator(ra)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let b = fake
        .client_builder()
        .coordinator(rb)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let invocation = a
        .functions()
        .invoke(f.function_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    fake.clear_requests();
    fake.inject_for(
        Operation::InvocationsGet,
        Fault::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );
    let id = invocation.id;
    let first = tokio::spawn(async move { a.invocations().get(id).await.map(|_| ()) });
    // A's 429 came back and was shared; B's next call waits for the pause to end.
    for _ in 0..100 {
        if fake.request_count(Operation::InvocationsGet) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    b.invocations()
        .get(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let held = started.elapsed();
    assert!(
        held >= Duration::from_millis(1300),
        "B was not paused: {held:?}"
    );
    assert!(held < Duration::from_secs(4), "{held:?}");
    first
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_invokes_of_two_clients_share_the_budget_and_end_on_events() {
    use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript, Operation};
    let url = test_redis_url();
    let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_project_concurrency(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let f =
        fake.add_function(FunctionScript::new("slow").with_run_time(Duration::from_millis(300)));
    let config = ReplicaConfig::new().key_prefix(prefix()).concurrency(2);
    let ra = Replica::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rb = Replica::connect(&url, config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = fake
        .client_builder()
        .coordinator(ra.clone())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let b = fake
        .client_builder()
        .coordinator(rb)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // The receiver: verified events go to replica A only; B's waits hear them through Redis.
    let (endpoint, secret) = {
        let port = free_port();
        let created = a
            .webhooks()
            .create(
                format!("http://127.0.0.1:{port}/"),
                [EventType::FunctionsInvocationsCompleted],
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (port, created.secret)
    };
    serve_receiver(
        ra.clone(),
        bb_api_ext::webhooks::Verifier::new(secret),
        endpoint,
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let client = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            client
                .functions()
                .invoke(f.function_id)
                .send_and_wait()
                .await
        }));
    }
    for t in tasks {
        t.await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (peak, rejected) = fake.project_concurrency_stats();
    assert!(peak <= 2, "peak {peak}");
    assert_eq!(rejected, 0);
    assert_eq!(
        fake.request_count(Operation::InvocationsGet),
        0,
        "waits polled instead of hearing events"
    );
}

/// A webhook receiver on 127.0.0.1:`port`: every verified delivery goes to `replica.accept`.
async fn serve_receiver(replica: Replica, verifier: bb_api_ext::webhooks::Verifier, port: u16) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        use http_body_util::BodyExt;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (replica, verifier) = (replica.clone(), verifier.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (replica, verifier) = (replica.clone(), verifier.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            if let Ok(event) = verifier.verify(&parts.headers, &body) {
                                replica.accept(&event).await;
                            }
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                http_body_util::Full::new(bytes::Bytes::new()),
                            ))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

/// A receiver replica on the fake: a webhook for completed invocations, delivered to a
/// [`serve_receiver`] that accepts into `replica`.
async fn receiver_on(fake: &bb_api_ext::testing::FakeBrowserbase, replica: Replica) {
    let client = fake.client();
    let port = free_port();
    let created = client
        .webhooks()
        .create(
            format!("http://127.0.0.1:{port}/"),
            [
                EventType::FunctionsInvocationsCompleted,
                EventType::FunctionsInvocationsFailed,
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    serve_receiver(
        replica,
        bb_api_ext::webhooks::Verifier::new(created.secret),
        port,
    )
    .await;
}

/// Builds `bb` (`-p bb-api-ext --features cli --bin bb`, as `bb_cli.rs` does) and returns its path.
fn bb() -> &'static std::path::PathBuf {
    static BB: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BB.get_or_init(|| {
        let out = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "bb-api-ext",
                "--features",
                "cli",
                "--bin",
                "bb",
                "--message-format=json",
            ])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap_or_else(|e| panic!("cargo runs: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "bb")
            .find_map(|m| m["executable"].as_str().map(std::path::PathBuf::from))
            .unwrap_or_else(|| panic!("cargo names the bb executable"))
    })
}

/// [`bb`], built off the runtime's threads.
async fn bb_built() -> std::path::PathBuf {
    tokio::task::spawn_blocking(|| bb().clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `bb ARGS` against `fake`, ended after 60 s at most.
async fn run_bb(
    fake: &bb_api_ext::testing::FakeBrowserbase,
    args: &[String],
) -> std::process::Output {
    let child = tokio::process::Command::new(bb_built().await)
        .args(args)
        .env("BROWSERBASE_API_KEY", fake.api_key())
        .env("BROWSERBASE_BASE_URL", fake.url())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("bb starts: {e}"));
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("bb {args:?} did not end within 60 s"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Where a wait made `via` a hub polls first: [`DEFAULT_EVENT_FALLBACK`] times half the
/// fraction of the id's low 53 bits (`wait.rs`, `spread_fraction`).
fn first_fallback_poll(id: uuid::Uuid) -> Duration {
    let fraction = (id.as_u128() as u64 & ((1 << 53) - 1)) as f64 / (1u64 << 53) as f64;
    bb_api_ext::webhooks::DEFAULT_EVENT_FALLBACK.mul_f64(fraction / 2.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bb_invocations_wait_ends_on_an_event_another_replica_accepted_without_polling() {
    use bb_api_ext::testing::{FakeBrowserbase, FunctionScript, Operation};
    // Built first: the event must still be in the stream's replay window when `bb` starts.
    bb_built().await;
    let url = test_redis_url();
    let prefix = prefix();
    let fake = FakeBrowserbase::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let f =
        fake.add_function(FunctionScript::new("slow").with_run_time(Duration::from_millis(1500)));
    let receiver = Replica::connect(&url, ReplicaConfig::new().key_prefix(&prefix))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    receiver_on(&fake, receiver.clone()).await;
    let client = fake.client();
    // An invocation whose fallback poll comes 5 s in or later: a GET before the wait ends can
    // only be a poll beyond the schedule (each try has odds of 2/3; 30 tries).
    let mut invocation = None;
    for _ in 0..30 {
        let i = client
            .functions()
            .invoke(f.function_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if first_fallback_poll(i.id) >= Duration::from_secs(5) {
            invocation = Some(i);
            break;
        }
    }
    let invocation = invocation.unwrap_or_else(|| panic!("no id with a late fallback poll"));
    let gets_before = fake.request_count(Operation::InvocationsGet);
    let out = run_bb(
        &fake,
        &[
            "--json".into(),
            "invocations".into(),
            "wait".into(),
            invocation.id.to_string(),
            "--events".into(),
            url.clone(),
            "--redis-prefix".into(),
            prefix.clone(),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(printed["id"], invocation.id.to_string());
    assert_eq!(printed["status"], "COMPLETED");
    assert_eq!(
        fake.request_count(Operation::InvocationsGet) - gets_before,
        0,
        "bb polled instead of hearing the event"
    );
    // The receiver accepted it; `bb` only listened: it wrote no dedup key and published nothing.
    let stats = receiver.stats();
    assert!(stats.accepted >= 1, "{stats:?}");
    let redis = redis::Client::open(url.as_str()).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = redis
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:seen:*"))
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stream: u64 = redis::cmd("XLEN")
        .arg(format!("{prefix}:events"))
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.len() as u64, stats.accepted);
    assert_eq!(stream, stats.published);
}

#[tokio::test]
async fn bb_invocations_wait_on_an_unreachable_redis_names_the_url_without_its_password() {
    use bb_api_ext::testing::FakeBrowserbase;
    let fake = FakeBrowserbase::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = free_port();
    let out = run_bb(
        &fake,
        &[
            "invocations".into(),
            "wait".into(),
            uuid::Uuid::new_v4().to_string(),
            "--events".into(),
            format!("redis://app:hunter2@127.0.0.1:{port}/0"),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: could not reach Redis at redis://app:***@127.0.0.1:{port}/0"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(fake.requests_received(), 0, "nothing is sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_bb_invoke_many_processes_share_the_project_budget() {
    use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript};
    const LIMIT: usize = 3;
    const EACH: usize = 12;
    let url = test_redis_url();
    let prefix = prefix();
    let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_project_concurrency(LIMIT))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let f =
        fake.add_function(FunctionScript::new("slow").with_run_time(Duration::from_millis(300)));
    let receiver = Replica::connect(&url, ReplicaConfig::new().key_prefix(&prefix))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    receiver_on(&fake, receiver.clone()).await;
    let dir = std::env::temp_dir().join(format!("bb-invoke-many-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let input = dir.join("items.jsonl");
    let lines: String = (0..EACH).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    std::fs::write(&input, lines).unwrap_or_else(|e| panic!("{e}"));
    let args = |budget: Option<usize>| {
        // Each process alone would run 8 at once: only the shared budget keeps them at LIMIT.
        let mut a: Vec<String> = [
            "invoke-many",
            &f.function_id.to_string(),
            "--input",
            &input.to_string_lossy(),
            "--concurrency",
            "8",
            "--redis",
            &url,
            "--redis-prefix",
            &prefix,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // One reads the budget from the project's concurrency, the other is told it.
        if let Some(n) = budget {
            a.extend(["--budget".to_string(), n.to_string()]);
        }
        a
    };
    let (args_one, args_two) = (args(None), args(Some(LIMIT)));
    let (one, two) = tokio::join!(run_bb(&fake, &args_one), run_bb(&fake, &args_two));
    let _ = std::fs::remove_dir_all(&dir);
    for out in [&one, &two] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let completed = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("\"status\":\"COMPLETED\""))
            .count();
        assert_eq!(completed, EACH, "{}", String::from_utf8_lossy(&out.stdout));
    }
    let (peak, rejected) = fake.project_concurrency_stats();
    assert!(
        peak <= LIMIT,
        "peak {peak} running, over the budget of {LIMIT}"
    );
    assert_eq!(rejected, 0, "429s answered");
    assert!(receiver.stats().accepted >= (2 * EACH) as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_replicas_asking_at_once_exactly_one_gets_first_time_from_redis_seen_events() {
    use bb_api_ext::replicas::RedisSeenEvents;
    use bb_api_ext::webhooks::AsyncSeenEvents;
    let url = test_redis_url();
    let config = ReplicaConfig::new().key_prefix(prefix());
    let a = RedisSeenEvents::connect(&url, config.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = RedisSeenEvents::connect(&url, config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut firsts = (0u32, 0u32);
    for n in 0..200 {
        let id = format!("evt_{n}");
        let (x, y) = tokio::join!(a.claim(&id), b.claim(&id));
        assert!(x ^ y, "{id}: a said {x}, b said {y}");
        firsts.0 += u32::from(x);
        firsts.1 += u32::from(y);
        // Repeats are repeats on either side.
        assert!(!a.claim(&id).await && !b.claim(&id).await, "{id}");
    }
    assert_eq!(firsts.0 + firsts.1, 200, "{firsts:?}");
}

#[tokio::test]
async fn redis_seen_events_forget_an_id_after_the_configured_expiry() {
    use bb_api_ext::replicas::RedisSeenEvents;
    use bb_api_ext::webhooks::AsyncSeenEvents;
    let url = test_redis_url();
    let prefix = prefix();
    let seen = RedisSeenEvents::connect(
        &url,
        ReplicaConfig::new()
            .key_prefix(&prefix)
            .seen_ttl(Duration::from_secs(1)),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(seen.claim("evt_ttl").await);
    assert!(!seen.claim("evt_ttl").await);
    // The key carries the expiry: SET … NX PX 1000.
    let redis = redis::Client::open(url.as_str()).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = redis
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}:seen:evt_ttl"))
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!((1..=1000).contains(&pttl), "PTTL {pttl}");
    // Gone from Redis after it; this process's own memory (the outage fallback) is not asked
    // while Redis answers, so the id is new again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let exists: u32 = redis::cmd("EXISTS")
        .arg(format!("{prefix}:seen:evt_ttl"))
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exists, 0);
    assert!(seen.claim("evt_ttl").await);
}
