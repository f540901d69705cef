//! A load generator for the invoke call: latency percentiles and throughput as one JSON line.
//!
//! ```text
//! cargo run --release -p bb-api-tests --example bench_invoke -- --mode seq|conc -n N -c C [--sdk LABEL] [--plain]
//! cargo run --release -p bb-api-tests --example bench_invoke -- --mode wait -n N [-c C] [--run-secs S]
//! cargo run --release -p bb-api-tests --example bench_invoke -- --serve PORT [--serve-secs S] [--mode wait [--run-secs S]]
//! ```
//!
//! It talks to `BROWSERBASE_BASE_URL` with `BROWSERBASE_API_KEY`, and only to a loopback address:
//! a load test must never invoke real, billed Functions. Start the fake server
//! (`bb_api_ext::testing::FakeBrowserbase`, fixed mode) in its own process with `--serve 8787` and
//! point `BROWSERBASE_BASE_URL=http://127.0.0.1:8787` at it, so this process holds only the client
//! (the honest way to measure its memory). With `BROWSERBASE_BASE_URL` unset it starts the fake
//! (fixed mode) inside this process instead, which then shares its CPU and memory.
//!
//! After 50 warm-up calls (made the same way as the measured ones) it prints ONE line on stdout:
//! `{"sdk","mode","n","concurrency","wall_s","throughput_rps","lat_ms_median","lat_ms_p90",
//! "lat_ms_p99","lat_ms_max","lat_ms_mean"}`. Percentiles are exact, by nearest rank over the sorted
//! latencies of all N calls; the median is the middle value (the mean of the two middle ones for even
//! N). `--plain` makes the same calls with a plain hand-written `reqwest` client (the floor) instead of
//! the ext client. Any failed call stops the run with an error: its figures would mean nothing.
//!
//! `--mode wait` is the scale figure: N invocations waited on at once. Against the stateful fake
//! with one Function that runs `--run-secs` (default 4), it invokes that Function N times (at most
//! C invokes in flight, default 64; each item's wait starts as soon as its invoke is accepted) and
//! waits for every invocation with the client's polling wait (`Invocations::wait_for`, the
//! client's default poll schedule). It prints ONE line: `{"sdk","mode","fake","n","concurrency",
//! "run_s","wall_s","completed","max_waiting","invokes_seen","gets_seen","polls_per_run",
//! "gets_schedule","vm_hwm_mb","vm_rss_mb"}`: the invokes and GETs the fake saw, the GETs the
//! schedule implies (N × the polls a run of `--run-secs` needs), the most waits in flight at once,
//! and this process's peak and final resident memory (`VmHWM`, `VmRSS` of `/proc/self/status`).
//! With `BROWSERBASE_BASE_URL` unset the fake runs in this process (the memory is both's); to
//! measure the client alone, serve the fake with `--serve PORT --mode wait --run-secs S` in another
//! process, which prints its own counts and memory when `--serve-secs` are up.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig};
use bb_api_ext::{Client, SessionCreateParams};
use bb_api_tests::plain::{self, FUNCTION_ID, Plain, TIMEOUT_SECS};
use serde::Serialize;
use serde_json::Value;

mod wait;

const USAGE: &str = "usage: bench_invoke [--mode seq|conc] [-n N] [-c C] [--warmup W] [--sdk LABEL] [--plain] [--function ID]
       bench_invoke --mode wait [-n N] [-c C] [--run-secs S]
       bench_invoke --serve PORT [--serve-secs S] [--mode wait [--run-secs S]]";

const MAX_N: usize = 10_000_000;
const MAX_CONCURRENCY: usize = 1024;
const MAX_WARMUP: usize = 100_000;
const MAX_SERVE_SECS: u64 = 7 * 24 * 3600;
/// The longest run `--mode wait` scripts: well inside the session timeout it asks for.
const MAX_RUN_SECS: f64 = 600.0;
/// The invokes `--mode wait` keeps in flight unless `-c` says otherwise.
const WAIT_CONCURRENCY: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Seq,
    Conc,
    Wait,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Seq => "seq",
            Mode::Conc => "conc",
            Mode::Wait => "wait",
        }
    }
}

#[derive(Debug)]
struct Args {
    mode: Mode,
    n: usize,
    concurrency: usize,
    warmup: usize,
    run_secs: f64,
    sdk: Option<String>,
    plain: bool,
    function_id: String,
    serve: Option<u16>,
    serve_secs: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        mode: Mode::Seq,
        n: 1000,
        concurrency: 0,
        warmup: 50,
        run_secs: 4.0,
        sdk: None,
        plain: false,
        function_id: FUNCTION_ID.to_owned(),
        serve: None,
        serve_secs: 3600,
    };
    fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value:?}"))
    }
    let mut concurrency = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--mode" => {
                args.mode = match it.next().as_deref() {
                    Some("seq") => Mode::Seq,
                    Some("conc") => Mode::Conc,
                    Some("wait") => Mode::Wait,
                    other => {
                        return Err(format!("--mode must be seq, conc or wait (got {other:?})"));
                    }
                }
            }
            "-n" => args.n = number("-n", it.next())?,
            "-c" => concurrency = Some(number("-c", it.next())?),
            "--run-secs" => args.run_secs = number("--run-secs", it.next())?,
            "--warmup" => args.warmup = number("--warmup", it.next())?,
            "--sdk" => args.sdk = Some(it.next().ok_or("--sdk needs a label")?),
            "--plain" => args.plain = true,
            "--function" => args.function_id = it.next().ok_or("--function needs an id")?,
            "--serve" => args.serve = Some(number("--serve", it.next())?),
            "--serve-secs" => args.serve_secs = number("--serve-secs", it.next())?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if !(1..=MAX_N).contains(&args.n) {
        return Err(format!("-n must be in 1..={MAX_N}"));
    }
    // Wait mode bounds only the invokes in flight; its waits are all concurrent anyway.
    let max_concurrency = if args.mode == Mode::Wait {
        MAX_N
    } else {
        MAX_CONCURRENCY
    };
    if let Some(c) = concurrency
        && !(1..=max_concurrency).contains(&c)
    {
        return Err(format!("-c must be in 1..={max_concurrency}"));
    }
    if !(args.run_secs > 0.0 && args.run_secs <= MAX_RUN_SECS) {
        return Err(format!(
            "--run-secs must be above 0 and at most {MAX_RUN_SECS}"
        ));
    }
    if args.mode == Mode::Wait && args.plain {
        return Err("--plain has no wait mode: the floor makes single calls".into());
    }
    if args.warmup > MAX_WARMUP {
        return Err(format!("--warmup must be at most {MAX_WARMUP}"));
    }
    if !(1..=MAX_SERVE_SECS).contains(&args.serve_secs) {
        return Err(format!("--serve-secs must be in 1..={MAX_SERVE_SECS}"));
    }
    args.concurrency = match args.mode {
        Mode::Seq => 1,
        Mode::Conc => concurrency.unwrap_or(16),
        Mode::Wait => concurrency.unwrap_or(WAIT_CONCURRENCY),
    };
    Ok(args)
}

/// What makes the calls: the ext client or the plain floor, with the same request.
#[derive(Clone)]
enum Caller {
    Ext(Client),
    Plain(Plain),
}

impl Caller {
    async fn call(&self, function_id: &str, params: &Value) -> Result<(), String> {
        match self {
            Caller::Ext(client) => client
                .functions()
                .invoke(function_id)
                .params(params)
                .session(SessionCreateParams::builder().timeout_secs(TIMEOUT_SECS))
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("ext invoke failed: {e}")),
            Caller::Plain(plain) => plain.invoke(params).await.map(drop),
        }
    }
}

/// Makes `n` calls with `concurrency` workers sharing one client; the latency of each, in any order.
async fn run(
    caller: &Caller,
    function_id: &str,
    n: usize,
    concurrency: usize,
) -> Result<Vec<Duration>, String> {
    let params = Arc::new(plain::params());
    let function_id: Arc<str> = Arc::from(function_id);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(n) {
        let (caller, params, function_id, next) = (
            caller.clone(),
            Arc::clone(&params),
            Arc::clone(&function_id),
            Arc::clone(&next),
        );
        workers.spawn(async move {
            let mut latencies = Vec::with_capacity(n / concurrency + 1);
            // Bounded: each turn claims one of the n calls.
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let started = Instant::now();
                caller.call(&function_id, &params).await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(joined) = workers.join_next().await {
        all.extend(joined.map_err(|e| format!("a worker panicked: {e}"))??);
    }
    Ok(all)
}

#[derive(Serialize)]
struct Report<'a> {
    sdk: &'a str,
    mode: &'a str,
    n: usize,
    concurrency: usize,
    wall_s: f64,
    throughput_rps: f64,
    lat_ms_median: f64,
    lat_ms_p90: f64,
    lat_ms_p99: f64,
    lat_ms_max: f64,
    lat_ms_mean: f64,
}

/// The nearest-rank percentile `p` (0 < p <= 100) of sorted, non-empty values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// Rounded to a microsecond, or a millisecond for seconds.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn is_loopback(base_url: &str) -> bool {
    url::Url::parse(base_url)
        .ok()
        .is_some_and(|u| match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        })
}

/// The wait mode against an in-process fake, or against `--serve PORT --mode wait` elsewhere.
async fn wait_mode(args: &Args) -> ExitCode {
    let target = match loopback_base_url() {
        Err(code) => return code,
        Ok(None) => wait::Target::InProcess,
        Ok(Some(base_url)) => wait::Target::Remote {
            base_url,
            api_key: FakeBrowserbase::API_KEY.to_owned(),
        },
    };
    print_line(wait::run(target, args.n, args.concurrency, args.run_secs).await)
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `BROWSERBASE_BASE_URL` if set, refused (exit status 2) unless it is a loopback address: a load
/// test must not invoke real Functions.
fn loopback_base_url() -> Result<Option<String>, ExitCode> {
    match env(bb_api_ext::BASE_URL_ENV) {
        Some(url) if !is_loopback(&url) => {
            eprintln!(
                "error: {} must be a loopback address (127.0.0.1, ::1, localhost): a load test must not invoke real Functions",
                bb_api_ext::BASE_URL_ENV
            );
            Err(ExitCode::from(2))
        }
        url => Ok(url),
    }
}

/// Prints a report as one JSON line, or the error.
fn print_line(report: Result<impl Serialize, String>) -> ExitCode {
    let line = report.and_then(|r| {
        serde_json::to_string(&r).map_err(|e| format!("could not encode the report: {e}"))
    });
    match line {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(port: u16, secs: u64) -> ExitCode {
    match FakeBrowserbase::start_with(FakeConfig::fixed().with_port(port)).await {
        Ok(fake) => {
            eprintln!(
                "fake server (fixed mode) listening on {} for {secs} s; point BROWSERBASE_BASE_URL at it",
                fake.url()
            );
            tokio::time::sleep(Duration::from_secs(secs)).await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: could not start the fake server on 127.0.0.1:{port}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(port) = args.serve {
        if args.mode == Mode::Wait {
            return print_line(wait::serve(port, args.serve_secs, args.run_secs).await);
        }
        return serve(port, args.serve_secs).await;
    }
    if args.mode == Mode::Wait {
        return wait_mode(&args).await;
    }

    // Keep an in-process fake alive for the whole run.
    let base_url = match loopback_base_url() {
        Ok(url) => url,
        Err(code) => return code,
    };
    let (base_url, api_key, _fake) = match base_url {
        Some(url) => {
            let Some(key) = env(bb_api_ext::API_KEY_ENV) else {
                eprintln!("error: {} is not set", bb_api_ext::API_KEY_ENV);
                return ExitCode::from(2);
            };
            (url, key, None)
        }
        None => {
            let fake = match FakeBrowserbase::fixed().await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: could not start the in-process fake server: {e}");
                    return ExitCode::FAILURE;
                }
            };
            eprintln!(
                "note: {} is unset: using an in-process fake server (fixed mode) at {}, which shares this process's CPU and memory",
                bb_api_ext::BASE_URL_ENV,
                fake.url()
            );
            let key = env(bb_api_ext::API_KEY_ENV).unwrap_or_else(|| fake.api_key().into());
            (fake.url().to_owned(), key, Some(fake))
        }
    };

    let caller = if args.plain {
        match Plain::new(&base_url, &args.function_id, &api_key) {
            Ok(p) => Caller::Plain(p),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        match Client::builder()
            .api_key(api_key)
            .base_url(&base_url)
            .build()
        {
            Ok(c) => Caller::Ext(c),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    };

    if args.warmup > 0
        && let Err(e) = run(&caller, &args.function_id, args.warmup, args.concurrency).await
    {
        eprintln!("error during warm-up: {e}");
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    let latencies = match run(&caller, &args.function_id, args.n, args.concurrency).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let wall = started.elapsed().as_secs_f64();

    let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let default_sdk = if args.plain {
        "plain-reqwest"
    } else {
        "bb-api-ext"
    };
    let report = Report {
        sdk: args.sdk.as_deref().unwrap_or(default_sdk),
        mode: args.mode.name(),
        n: args.n,
        concurrency: args.concurrency,
        wall_s: (wall * 1e4).round() / 1e4,
        throughput_rps: (args.n as f64 / wall * 10.0).round() / 10.0,
        lat_ms_median: round3(median(&ms)),
        lat_ms_p90: round3(percentile(&ms, 90.0)),
        lat_ms_p99: round3(percentile(&ms, 99.0)),
        lat_ms_max: round3(ms.last().copied().unwrap_or_default()),
        lat_ms_mean: round3(ms.iter().sum::<f64>() / ms.len() as f64),
    };
    print_line(Ok::<_, String>(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 90.0), 90.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(median(&v), 50.5);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
    }

    #[test]
    fn only_loopback() {
        assert!(is_loopback("http://127.0.0.1:8787"));
        assert!(is_loopback("http://localhost:1"));
        assert!(is_loopback("http://[::1]:1"));
        assert!(!is_loopback("https://api.browserbase.com"));
        assert!(!is_loopback("not a url"));
    }
}
