//! Fan-out: invoke one Function for many inputs with bounded concurrency and a progress line.
//!
//! ```text
//! cargo run --example fan_out
//! ```
//!
//! It starts the crate's fake Browserbase server (`bb_api_ext::testing`, demo data) on 127.0.0.1
//! and invokes its `extract-links` Function 200 times, one URL per input, at most 10 at once. A
//! third of the way through, the fake answers the next 3 invokes with `429` and
//! `Retry-After: 2`: the client pauses all of its calls for those two seconds, not only the one
//! that got the 429, which shows as the bar standing still. It always runs against the fake (it
//! injects faults); for a fan-out against your project, from a JSON Lines file, use
//! `bb invoke-many FUNCTION --input FILE.jsonl --concurrency K`.
//!
//! The bar is drawn on stderr when it is a terminal; the summary goes to stdout: items accepted
//! and failed, the first failures, the elapsed time and the requests the fake saw.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, Fault, Operation};
use bb_api_ext::{Error, Progress};
use serde_json::{Value, json};

/// The demo Function invoked: it runs 0.8 s and takes a `url`.
const FUNCTION: &str = "extract-links";

/// How many inputs.
const ITEMS: usize = 200;

/// At most this many invocations in flight.
const CONCURRENCY: usize = 10;

/// How many invokes the fake answers with 429 a third of the way through.
const RATE_LIMITS: usize = 3;

/// How many failures the summary shows.
const SHOWN_FAILURES: usize = 5;

/// The `Retry-After` of the injected 429s, in seconds.
const RETRY_AFTER_SECS: u64 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let fake = match FakeBrowserbase::demo().await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("error: could not start the fake Browserbase server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client = fake.client();
    println!(
        "Using the embedded FAKE Browserbase server at {} (demo data).",
        fake.url()
    );
    let fake = Arc::new(fake);
    let inputs: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"url": format!("https://example.com/page/{i}")}))
        .collect();
    println!("Invoking {FUNCTION} for {ITEMS} inputs, at most {CONCURRENCY} at once.");

    let status = StatusLine::new(ITEMS);
    let rate_limit_armed = AtomicBool::new(false);
    let on_progress = {
        let fake = fake.clone();
        let (k, third) = (RATE_LIMITS, ITEMS.div_ceil(3));
        move |p: Progress| {
            status.show(p.done, p.failed);
            if p.done >= third && !rate_limit_armed.swap(true, Ordering::Relaxed) {
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
                status.note(&note);
            }
        }
    };

    let started = Instant::now();
    let results = client
        .functions()
        .invoke_many(FUNCTION, inputs)
        .concurrency(CONCURRENCY)
        .on_progress(on_progress)
        .collect()
        .await;
    let elapsed = started.elapsed();
    status.clear();
    let results = match results {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };

    summarize(&results, elapsed);
    let invokes = fake.request_count(Operation::FunctionsInvoke);
    println!(
        "The fake saw {invokes} invokes ({} answered 429 and were retried after the pause) and {} Function list pages (the name, resolved once).",
        invokes.saturating_sub(ITEMS as u64),
        fake.request_count(Operation::FunctionsList),
    );
    if results.iter().all(Result::is_ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// One progress line on stderr, redrawn in place; nothing when stderr is not a terminal (notes
/// are printed either way). A progress-bar crate would do more, for a price every example pays:
/// cargo compiles all dev-dependencies into each one, `cargo run --example invoke` first of all.
#[derive(Clone, Copy)]
struct StatusLine {
    terminal: bool,
    total: usize,
}

impl StatusLine {
    fn new(total: usize) -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            total,
        }
    }

    fn show(self, done: usize, failed: usize) {
        if self.terminal {
            eprint!("\r\x1b[2K{done}/{} done, {failed} failed", self.total);
        }
    }

    fn note(self, text: &str) {
        self.clear();
        eprintln!("{text}");
    }

    fn clear(self) {
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
    }
}

fn summarize(results: &[Result<bb_api_ext::Invocation, Error>], elapsed: Duration) {
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let failed = results.len() - ok;
    println!(
        "\n{ok} accepted and {failed} failed in {:.1} s.",
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

/// The error, then each cause on its own line.
fn fail(e: &Error) -> ExitCode {
    eprintln!("error: {e}");
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        eprintln!("  caused by: {c}");
        cause = c.source();
    }
    ExitCode::FAILURE
}
