//! Fan-out: invoke one Function for many inputs with bounded concurrency and a progress bar.
//!
//! ```text
//! cargo run --example fan_out -- [FUNCTION] [-n N] [--concurrency C] [--wait] [--params JSON] [--rate-limits K]
//! ```
//!
//! Without `BROWSERBASE_API_KEY` it starts the crate's fake Browserbase server (`bb_api_ext::testing`,
//! demo data) on 127.0.0.1 and invokes its `extract-links` Function (or FUNCTION) N times
//! (default 200), one URL per input, at most C at once (default 10). A third of the way through,
//! the fake answers the next K invokes (default 3, `--rate-limits 0` for none) with `429` and
//! `Retry-After: 2`: the client pauses all of its calls for those two seconds, not only the one
//! that got the 429, which shows as the bar standing still. With the key set it talks to
//! `BROWSERBASE_BASE_URL` or the real API, FUNCTION (a name or id) is required, and every input is
//! `--params` (default `{}`), so mind the bill before raising N.
//!
//! `--wait` makes each item wait for its invocation to end (an item holds its slot while waiting).
//! The bar is drawn on stderr when it is a terminal; the summary goes to stdout: items completed
//! and failed, the first failures, the elapsed time and, against the fake, the requests it saw.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bb_api_ext::testing::{Fault, Operation};
use bb_api_ext::{Error, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

const USAGE: &str = "usage: cargo run --example fan_out -- [FUNCTION] [-n N] [--concurrency C] [--wait] [--params JSON] [--rate-limits K]";

/// The demo Function invoked against the fake: it runs 0.8 s and takes a `url`.
const DEMO_FUNCTION: &str = "extract-links";

/// The most items `-n` accepts: a fan-out example, not a load test.
const MAX_ITEMS: usize = 100_000;

/// How many failures the summary shows.
const SHOWN_FAILURES: usize = 5;

/// The `Retry-After` of the injected 429s, in seconds.
const RETRY_AFTER_SECS: u64 = 2;

struct Args {
    function: Option<String>,
    n: usize,
    concurrency: usize,
    wait: bool,
    params: Option<Value>,
    rate_limits: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        function: None,
        n: 200,
        concurrency: 10,
        wait: false,
        params: None,
        rate_limits: 3,
    };
    fn number(flag: &str, value: Option<String>) -> Result<usize, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value
            .parse()
            .map_err(|_| format!("{flag}: not a whole number: {value:?}"))
    }
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-n" => args.n = number("-n", it.next())?,
            "-c" | "--concurrency" => args.concurrency = number("--concurrency", it.next())?,
            "--wait" => args.wait = true,
            "--rate-limits" => args.rate_limits = number("--rate-limits", it.next())?,
            "--params" => {
                let text = it.next().ok_or("--params needs a JSON object")?;
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("--params is not JSON: {e}"))?;
                if !value.is_object() {
                    return Err("--params must be a JSON object".into());
                }
                args.params = Some(value);
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            name if args.function.is_none() => args.function = Some(name.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    if !(1..=MAX_ITEMS).contains(&args.n) {
        return Err(format!("-n must be in 1..={MAX_ITEMS}"));
    }
    if args.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    Ok(args)
}

#[path = "support/connect.rs"]
mod connect;

#[path = "support/usage.rs"]
mod usage;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match usage::or_usage(parse_args(), USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };

    let (client, fake) = match connect::connect().await {
        Ok(c) => c,
        Err(e) => return connect::connect_failed(&e),
    };
    let real = fake.is_none();
    match &fake {
        Some(fake) => println!(
            "No {} set: using the embedded FAKE Browserbase server at {} (demo data).",
            bb_api_ext::API_KEY_ENV,
            fake.url()
        ),
        None => println!("Using the Browserbase API at {}", client.base_url()),
    }
    let fake = fake.map(Arc::new);
    let Some(function) = args
        .function
        .clone()
        .or_else(|| (!real).then(|| DEMO_FUNCTION.to_owned()))
    else {
        eprintln!("error: FUNCTION is required when talking to the real API\n{USAGE}");
        return ExitCode::from(2);
    };
    let inputs: Vec<Value> = (0..args.n)
        .map(|i| match (&args.params, real) {
            (Some(p), _) => p.clone(),
            (None, false) => json!({"url": format!("https://example.com/page/{i}")}),
            (None, true) => json!({}),
        })
        .collect();
    println!(
        "Invoking {function} for {} inputs, at most {} at once{}.",
        args.n,
        args.concurrency,
        if args.wait {
            ", each waiting for its result"
        } else {
            ""
        }
    );

    let bar = progress_bar(args.n);
    let rate_limit_armed = AtomicBool::new(args.rate_limits == 0);
    let on_progress = {
        let (bar, fake) = (bar.clone(), fake.clone());
        let (k, third) = (args.rate_limits, args.n.div_ceil(3));
        move |p: Progress| {
            bar.set_position(p.done as u64);
            bar.set_message(format!("{} failed", p.failed));
            if let Some(fake) = &fake
                && p.done >= third
                && !rate_limit_armed.swap(true, Ordering::Relaxed)
            {
                fake.inject_for(
                    Operation::FunctionsInvoke,
                    Fault::RateLimited {
                        retry_after_secs: RETRY_AFTER_SECS,
                    },
                    k,
                );
                let note = format!(
                    "fake: answering the next {k} invokes with 429, Retry-After: {RETRY_AFTER_SECS}: every call of the client pauses"
                );
                if bar.is_hidden() {
                    eprintln!("{note}");
                } else {
                    bar.println(note);
                }
            }
        }
    };

    let started = Instant::now();
    let results = client
        .functions()
        .invoke_many(function.as_str(), inputs)
        .concurrency(args.concurrency)
        .wait(args.wait)
        .on_progress(on_progress)
        .collect()
        .await;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let results = match results {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };

    summarize(&results, elapsed, args.wait);
    if let Some(fake) = &fake {
        let invokes = fake.request_count(Operation::FunctionsInvoke);
        println!(
            "The fake saw {invokes} invokes ({} answered 429 and were retried after the pause), {} invocation reads (polls) and {} Function list pages (the name, resolved once).",
            invokes.saturating_sub(args.n as u64),
            fake.request_count(Operation::InvocationsGet),
            fake.request_count(Operation::FunctionsList),
        );
    }
    if results.iter().all(Result::is_ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg} ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn summarize(results: &[Result<bb_api_ext::Invocation, Error>], elapsed: Duration, wait: bool) {
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let failed = results.len() - ok;
    println!(
        "\n{ok} {} and {failed} failed in {:.1} s.",
        if wait { "completed" } else { "accepted" },
        elapsed.as_secs_f64()
    );
    let failures = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e)));
    for (index, e) in failures.clone().take(SHOWN_FAILURES) {
        println!("  input {index}: {e}");
    }
    if failed > SHOWN_FAILURES {
        println!("  … and {} more", failed - SHOWN_FAILURES);
    }
}

fn fail(e: &Error) -> ExitCode {
    connect::print_error(e);
    ExitCode::FAILURE
}
