//! `--mode wait`: N invocations waited on at once against the stateful fake, for the scale figure
//! (memory, and the GETs the fake saw against what the poll schedule implies).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript, Operation};
use bb_api_ext::{Client, Invocation, PollSchedule, SessionCreateParams};
use bb_api_tests::plain::{self, FUNCTION_ID};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

/// The session timeout each invocation asks for: longer than any scripted run.
const SESSION_TIMEOUT_SECS: u64 = 900;

/// What one `--mode wait` run measured; printed as one JSON line. The request counts are the
/// fake's, so they are there only when the fake runs in this process.
#[derive(Serialize)]
pub struct WaitReport {
    sdk: &'static str,
    mode: &'static str,
    fake: &'static str,
    n: usize,
    concurrency: usize,
    run_s: f64,
    wall_s: f64,
    completed: usize,
    max_waiting: usize,
    invokes_seen: Option<u64>,
    gets_seen: Option<u64>,
    polls_per_run: usize,
    gets_schedule: u64,
    vm_hwm_mb: Option<f64>,
    vm_rss_mb: Option<f64>,
}

/// What a fake serving `--mode wait` for another process saw; printed when it stops.
#[derive(Serialize)]
pub struct ServeReport {
    mode: &'static str,
    run_s: f64,
    invokes_seen: u64,
    gets_seen: u64,
    vm_hwm_mb: Option<f64>,
}

/// Where the fake runs.
pub enum Target {
    /// Started here: the report counts its requests, and its memory is this process's too.
    InProcess,
    /// Served by `--serve PORT --mode wait` in another process: this process holds only clients.
    Remote { base_url: String, api_key: String },
}

/// A fake holding one Function (id [`FUNCTION_ID`]) that runs `run_time`, then completes.
async fn start_fake(port: u16, run_time: Duration) -> Result<FakeBrowserbase, String> {
    let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_port(port))
        .await
        .map_err(|e| format!("could not start the fake server on 127.0.0.1:{port}: {e}"))?;
    let id = Uuid::parse_str(FUNCTION_ID).map_err(|e| e.to_string())?;
    fake.add_function(
        FunctionScript::new("bench-wait")
            .with_id(id)
            .with_run_time(run_time)
            .with_results(serde_json::json!({"ok": true})),
    );
    Ok(fake)
}

/// How many GETs a wait that starts from the accepted (`PENDING`) invocation makes for a run of
/// `run`: it sleeps the schedule's delays in turn and polls after each, until a poll lands at or
/// past the run's end. A poll that comes late sees the end sooner, so this is an upper bound
/// unless a poll fails and is retried.
pub fn polls_per_run(schedule: &PollSchedule, run: Duration) -> usize {
    let mut at = Duration::ZERO;
    let mut polls = 0;
    for delay in schedule.delays() {
        at += delay;
        polls += 1;
        if at >= run {
            break;
        }
    }
    polls
}

/// Invokes one Function `n` times (at most `concurrency` invokes in flight) and waits for every
/// invocation as soon as it is accepted, all waits concurrent.
pub async fn run(
    target: Target,
    n: usize,
    concurrency: usize,
    run_secs: f64,
) -> Result<WaitReport, String> {
    let run_time = Duration::from_secs_f64(run_secs);
    // The client's own default schedule, stated so that a faster default of the fake's
    // `client_builder` cannot change the figure.
    let schedule = PollSchedule::default();
    let (fake, builder) = match target {
        Target::InProcess => {
            let fake = start_fake(0, run_time).await?;
            let builder = fake.client_builder();
            (Some(fake), builder)
        }
        Target::Remote { base_url, api_key } => {
            (None, Client::builder().api_key(api_key).base_url(&base_url))
        }
    };
    let client = builder
        .poll_schedule(schedule)
        .build()
        .map_err(|e| format!("could not build the client: {e}"))?;

    let invoking = Arc::new(Semaphore::new(concurrency));
    let waiting = Arc::new(AtomicUsize::new(0));
    let max_waiting = Arc::new(AtomicUsize::new(0));
    let params = Arc::new(plain::params());
    let started = Instant::now();
    let mut items = JoinSet::new();
    for _ in 0..n {
        let (client, invoking, params) = (client.clone(), invoking.clone(), params.clone());
        let (waiting, max_waiting) = (waiting.clone(), max_waiting.clone());
        items.spawn(async move {
            let accepted = {
                let _slot = invoking
                    .acquire()
                    .await
                    .map_err(|e| format!("the invoke gate closed: {e}"))?;
                // Boxed: the invoke's state (about 4 KB) is freed once accepted, so a waiting
                // item holds only its wait, and the figure is the wait's cost.
                Box::pin(invoke(&client, &params)).await?
            };
            let now = waiting.fetch_add(1, Ordering::Relaxed) + 1;
            max_waiting.fetch_max(now, Ordering::Relaxed);
            let id = accepted.id;
            let ended = client.invocations().wait_for(accepted).await;
            waiting.fetch_sub(1, Ordering::Relaxed);
            match ended {
                Ok(inv) if inv.status.as_str() == "COMPLETED" => Ok(()),
                Ok(inv) => Err(format!("invocation {id} ended {}", inv.status)),
                Err(e) => Err(format!("waiting for invocation {id} failed: {e}")),
            }
        });
    }
    let mut completed = 0;
    while let Some(joined) = items.join_next().await {
        joined.map_err(|e| format!("an item panicked: {e}"))??;
        completed += 1;
    }
    let wall = started.elapsed().as_secs_f64();

    let polls = polls_per_run(&schedule, run_time);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    Ok(WaitReport {
        sdk: "bb-api-ext",
        mode: "wait",
        fake: if fake.is_some() {
            "in-process"
        } else {
            "other process"
        },
        n,
        concurrency,
        run_s: run_secs,
        wall_s: (wall * 1e3).round() / 1e3,
        completed,
        max_waiting: max_waiting.load(Ordering::Relaxed),
        invokes_seen: fake
            .as_ref()
            .map(|f| f.request_count(Operation::FunctionsInvoke)),
        gets_seen: fake
            .as_ref()
            .map(|f| f.request_count(Operation::InvocationsGet)),
        polls_per_run: polls,
        gets_schedule: (n * polls) as u64,
        vm_hwm_mb: status_mb(&status, "VmHWM:"),
        vm_rss_mb: status_mb(&status, "VmRSS:"),
    })
}

/// Serves the wait mode's fake on `port` for `secs`, then reports what it saw.
pub async fn serve(port: u16, secs: u64, run_secs: f64) -> Result<ServeReport, String> {
    let fake = start_fake(port, Duration::from_secs_f64(run_secs)).await?;
    eprintln!(
        "fake server (wait mode: Function {FUNCTION_ID} runs {run_secs} s) listening on {} for {secs} s; point BROWSERBASE_BASE_URL at it",
        fake.url()
    );
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    Ok(ServeReport {
        mode: "serve-wait",
        run_s: run_secs,
        invokes_seen: fake.request_count(Operation::FunctionsInvoke),
        gets_seen: fake.request_count(Operation::InvocationsGet),
        vm_hwm_mb: status_mb(&status, "VmHWM:"),
    })
}

async fn invoke(client: &Client, params: &Value) -> Result<Invocation, String> {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(params)
        .session(SessionCreateParams::builder().timeout_secs(SESSION_TIMEOUT_SECS))
        .send()
        .await
        .map_err(|e| format!("invoke failed: {e}"))
}

/// A `kB` line of `/proc/self/status`, in MB (10^6 bytes); `None` where there is no such file.
fn status_mb(status: &str, key: &str) -> Option<f64> {
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(key))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some((kb * 1024.0 / 1e6 * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_until_one_lands_at_or_past_the_end() {
        // Default schedule: polls at 1, 2.5, 4.75, 8.125, 13.125, 18.125 s.
        let s = PollSchedule::default();
        assert_eq!(polls_per_run(&s, Duration::ZERO), 1);
        assert_eq!(polls_per_run(&s, Duration::from_secs(1)), 1);
        assert_eq!(polls_per_run(&s, Duration::from_secs(3)), 3);
        assert_eq!(polls_per_run(&s, Duration::from_secs(4)), 3);
        assert_eq!(polls_per_run(&s, Duration::from_secs(5)), 4);
        assert_eq!(polls_per_run(&s, Duration::from_secs(15)), 6);
    }

    #[test]
    fn status_lines_in_mb() {
        let status = "Name:\tx\nVmHWM:\t   97656 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_mb(status, "VmHWM:"), Some(100.0));
        assert_eq!(status_mb(status, "VmRSS:"), Some(1.0));
        assert_eq!(status_mb(status, "VmSwap:"), None);
    }
}
