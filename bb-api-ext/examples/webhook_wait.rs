//! The whole webhook flow on one machine: the fake Browserbase server, the `webhook_receiver`
//! example registered with it as a webhook, and invocations whose waits end on their webhook
//! events instead of polling.
//!
//! ```text
//! cargo run --example webhook_wait                                   # one invocation, every step printed
//! cargo run --release --example webhook_wait -- -n 1000 --mode events   # the figure: one JSON line
//! cargo run --release --example webhook_wait -- -n 1000 --mode poll
//! ```
//!
//! Steps: start the fake on 127.0.0.1; start the receiver on 127.0.0.1 and register it
//! (`client.webhooks().create("http://127.0.0.1:PORT/…", […])`: plain http to loopback is
//! accepted only because the client talks to a loopback server); hand every verified event to
//! the client's hub (`client.webhook_events().deliver(&event)`); invoke; wait with
//! `.via(&hub)`. The fake signs each delivery with the secret `create` returned, exactly as
//! Browserbase does, and the receiver verifies it with `Verifier`.
//!
//! With `-n N` it invokes N invocations of a Function that runs `--run-secs` (default 10) and
//! waits for all of them, by events (`--mode events`) or by the default polling schedule
//! (`--mode poll`), then prints: requests the fake received after the invokes (all of them
//! invocation gets), webhook deliveries, this process's resident memory before the waits and its peak (Linux
//! `VmRSS`/`VmHWM`; the fake and the receiver run in this process too), and the wall time.

#[allow(
    dead_code,
    reason = "the example's main and argument parsing are not used here"
)]
#[path = "webhook_receiver.rs"]
mod receiver;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, FunctionScript};
use bb_api_ext::webhooks::{EventType, Verifier};
use bb_api_ext::{Client, Invocation, StreamExt};
use futures_util::stream;
use serde_json::json;
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Events,
    Poll,
}

struct Args {
    n: Option<usize>,
    mode: Mode,
    run_secs: u64,
}

const USAGE: &str =
    "usage: cargo run --example webhook_wait -- [-n N [--mode events|poll] [--run-secs S]]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        n: None,
        mode: Mode::Events,
        run_secs: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-n" => {
                let v = value("-n")?;
                args.n = Some(
                    v.parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or(format!("-n {v:?} is not a positive number"))?,
                );
            }
            "--mode" => {
                args.mode = match value("--mode")?.as_str() {
                    "events" => Mode::Events,
                    "poll" => Mode::Poll,
                    other => return Err(format!("--mode {other:?} is not events or poll")),
                }
            }
            "--run-secs" => {
                let v = value("--run-secs")?;
                args.run_secs = v
                    .parse()
                    .map_err(|_| format!("--run-secs {v:?} is not a number"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(args)
}

/// A `/proc/self/status` field in kB (Linux), if there is one.
fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match receiver::usage::or_usage(parse_args(), USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let verbose = args.n.is_none();
    let n = args.n.unwrap_or(1);
    let say = |line: String| {
        if verbose {
            println!("{line}");
        }
    };

    // 1. The fake Browserbase API, and a Function that takes a while.
    let fake = FakeBrowserbase::start().await?;
    let run_time = if verbose {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(args.run_secs)
    };
    let function = fake.add_function(
        FunctionScript::new("scrape-title")
            .with_run_time(run_time)
            .with_results(json!({"title": "Example Domain"})),
    );
    let client = fake.client();
    say(format!("fake Browserbase API at {}", fake.url()));

    // 2. The receiver on 127.0.0.1, registered as a webhook; it feeds the client's hub.
    let hub = client.webhook_events();
    if args.mode == Mode::Events {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let endpoint = format!("http://{}/browserbase", listener.local_addr()?);
        let types = if verbose {
            vec![
                EventType::FunctionsInvocationsPending,
                EventType::FunctionsInvocationsRunning,
                EventType::FunctionsInvocationsCompleted,
                EventType::FunctionsInvocationsFailed,
            ]
        } else {
            vec![
                EventType::FunctionsInvocationsCompleted,
                EventType::FunctionsInvocationsFailed,
            ]
        };
        let created = client.webhooks().create(&endpoint, types).await?;
        say(format!(
            "receiver at {endpoint}, registered as webhook {} (secret {:?})",
            created.webhook.id, created.secret
        ));
        let verifier = Verifier::new(created.secret);
        let to_hub = hub.clone();
        let options = receiver::Options {
            queue: n.max(1024),
            ..receiver::Options::default()
        };
        tokio::spawn(receiver::serve(listener, verifier, options, move |event| {
            if verbose {
                println!(
                    "  received {} {} {}",
                    event.id, event.event_type, event.resource_id
                );
            }
            to_hub.deliver(&event);
        }));
    }

    // 3. Invoke.
    let started = Instant::now();
    let invoked: Vec<Result<Invocation, bb_api_ext::Error>> = stream::iter(0..n)
        .map(|_| client.functions().invoke(function.function_id).send())
        .buffer_unordered(64)
        .collect()
        .await;
    let invocations: Vec<Invocation> = invoked.into_iter().collect::<Result<_, _>>()?;
    for inv in &invocations {
        say(format!("invoked {} ({})", inv.id, inv.status));
    }
    let requests_before = fake.requests_received();
    let rss_before = proc_status_kb("VmRSS:");

    // 4. Wait: by events (no request unless a delivery is lost), or by polling.
    let waits = invocations.into_iter().map(|inv| {
        let wait = client.invocations().wait_for(inv);
        match args.mode {
            Mode::Events => wait.via(&hub).into_future(),
            Mode::Poll => wait.into_future(),
        }
    });
    let results = futures_util::future::join_all(waits).await;
    let wall = started.elapsed();
    let mut done = 0;
    for result in results {
        let inv = result?;
        done += 1;
        say(format!(
            "completed {} after {:.1}s: {}",
            inv.id,
            wall.as_secs_f64(),
            inv.results.unwrap_or_default()
        ));
    }
    if args.mode == Mode::Events {
        // The fake logs a delivery once it has read the receiver's answer, a moment after the
        // receiver handed the event over: let the log catch up (bounded).
        let settle = Instant::now();
        while fake.deliveries().len() < n && settle.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    // After the invokes, every request to the API is a wait's invocation get.
    let requests_after = fake.requests_received() - requests_before;
    let deliveries = fake.deliveries().len();
    if verbose {
        println!("requests to the API after the invoke: {requests_after}");
        return Ok(());
    }
    let line = json!({
        "mode": match args.mode { Mode::Events => "events", Mode::Poll => "poll" },
        "invocations": done,
        "run_s": args.run_secs,
        "wall_s": (wall.as_secs_f64() * 100.0).round() / 100.0,
        "api_requests_after_invokes": requests_after,
        "webhook_deliveries": deliveries,
        "rss_before_waits_kb": rss_before,
        "peak_rss_kb": proc_status_kb("VmHWM:"),
    });
    println!("{line}");
    // Keep the client alive until here (its hub is the one the receiver feeds).
    let _: &Client = &client;
    Ok(())
}
