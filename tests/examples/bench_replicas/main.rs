//! Figures for "Running several replicas": the replicas scenario (three receiver processes, two
//! fan-out processes, one real Redis, the fake with a project concurrency limit) run once, with
//! wall time, requests per invocation, Redis commands per invocation and peak RSS per process.
//!
//! ```text
//! cargo build --release -p bb-api-tests --bin replica_node --example bench_replicas
//! target/release/examples/bench_replicas [REDIS_URL] [-n 1000] [--limit 20] [--run-ms 20]
//! ```
//!
//! Without a URL it starts its own `redis-server` on a free port (persistence off).

use std::time::Duration;

use bb_api_tests::replicas::{RedisServer, Scenario, redis_commands, run};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut scenario = Scenario::standard("bb-api-bench");
    let mut url = None;
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "-n" => scenario.invocations = number("-n"),
            "--limit" => scenario.limit = number("--limit") as usize,
            "--run-ms" => scenario.run_time = Duration::from_millis(number("--run-ms")),
            other => url = Some(other.to_string()),
        }
    }
    let own = url.is_none().then(RedisServer::start);
    let url = url.unwrap_or_else(|| own.as_ref().map(RedisServer::url).unwrap_or_default());
    // The node binary sits next to this example's directory (target/<profile>/replica_node).
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("replica_node")))
        .filter(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("build it first: cargo build --release -p bb-api-tests --bin replica_node")
        });
    let before = redis_commands(&url).await;
    let out = run(&bin.to_string_lossy(), &url, &scenario, None).await;
    let commands = redis_commands(&url).await - before;
    let n = scenario.invocations as f64;
    println!(
        "{} invocations, {} receivers, {} fan-outs, budget {}, runs of {:?}",
        scenario.invocations,
        scenario.receivers,
        scenario.fanouts,
        scenario.limit,
        scenario.run_time
    );
    println!(
        "wall time                     {:.2} s",
        out.wall.as_secs_f64()
    );
    println!(
        "ok / failed                   {} / {}",
        out.ok,
        out.failures.len()
    );
    println!(
        "requests per invocation       {:.3} ({} invokes, {} polls)",
        out.requests as f64 / n,
        out.invokes,
        out.polls
    );
    println!("Redis commands per invocation {:.1}", commands as f64 / n);
    println!(
        "deliveries duplicated          {} (accepted {} for {} events)",
        out.duplicated,
        out.accepted.len(),
        out.delivered_events
    );
    println!(
        "peak running / 429s           {} / {}",
        out.peak_running, out.rejected_429
    );
    for line in &out.summaries {
        println!("  {line}");
    }
}
