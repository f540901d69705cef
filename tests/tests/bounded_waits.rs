//! Waits end at their deadline whatever is in flight, keep polling through passing failures, and
//! run under tokio's paused clock (so a test of a 15-minute wait takes no real time).

use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript, Operation};
use bb_api_ext::{Error, InvocationStatus, PollSchedule, RetryConfig, TimeoutConfig};
use serde_json::json;

fn slow_function() -> FunctionScript {
    FunctionScript::new("slow")
        .with_run_time(Duration::from_secs(120))
        .with_results(json!({"ok": true}))
}

#[tokio::test(start_paused = true)]
async fn a_poll_that_never_answers_ends_at_the_deadline_with_the_id_and_last_status() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(slow_function());
    let client = fake.client();
    let started = tokio::time::Instant::now();
    let invocation = client
        .functions()
        .invoke("slow")
        .send()
        .await
        .expect("invoked");
    // Every poll from now on hangs; the attempt timeout alone would be 30 s, the retries more.
    fake.inject_for(Operation::InvocationsGet, Fault::Hang, 1000);
    let err = client
        .invocations()
        .wait_for(invocation.clone())
        .max_wait(Duration::from_secs(3))
        .await
        .expect_err("deadline");
    let Error::WaitTimeout { id, waited, last } = err else {
        panic!("{err:?}");
    };
    assert_eq!(id, invocation.id);
    assert_eq!(last.map(|l| l.status), Some(invocation.status));
    assert!(waited >= Duration::from_secs(3), "{waited:?}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the deadline bounds the wait: {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn passing_poll_failures_do_not_end_a_wait_that_has_time() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(
        FunctionScript::new("quick")
            .with_run_time(Duration::from_secs(5))
            .with_results(json!(1)),
    );
    let client = fake
        .client_builder()
        .poll_schedule(PollSchedule::every(Duration::from_secs(1)))
        .timeouts(TimeoutConfig::default().with_attempt(Duration::from_secs(2)))
        .build()
        .expect("client");
    fake.inject_for(
        Operation::InvocationsGet,
        Fault::Status(reqwest::StatusCode::SERVICE_UNAVAILABLE),
        6,
    );
    let done = client
        .functions()
        .invoke("quick")
        .send_and_wait()
        .await
        .expect("completes despite the 503s");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert_eq!(done.results, Some(json!(1)));
    // The six 503s were answered, and polling went on past them.
    assert!(fake.request_count(Operation::InvocationsGet) >= 7);
}

#[tokio::test(start_paused = true)]
async fn a_fifteen_minute_run_waits_in_virtual_time_with_the_default_schedule() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(
        FunctionScript::new("long")
            .with_run_time(Duration::from_secs(14 * 60))
            .with_results(json!("done")),
    );
    let client = fake.client_builder().build().expect("client");
    let done = client
        .functions()
        .invoke("long")
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(done.status, InvocationStatus::Completed);
    let polls = fake.requests_to("GET", "/v1/functions/invocations/").len();
    // 1 s, 1.5 s, 2.25 s, 3.375 s, then every 5 s: about 170 polls for 14 minutes.
    assert!((160..=180).contains(&polls), "{polls} polls");
}

/// `Duration::MAX` is how a caller says "no limit": every deadline built from it stays on the
/// clock instead of overflowing it.
#[tokio::test(start_paused = true)]
async fn no_limit_durations_and_a_huge_retry_after_do_not_overflow_the_clock() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(slow_function());
    let client = fake
        .client_builder()
        .timeouts(
            TimeoutConfig::default()
                .with_attempt(Duration::MAX)
                .with_overall(Duration::MAX),
        )
        .retry(RetryConfig::default().with_max_retry_after(Duration::MAX))
        .poll_schedule(PollSchedule::new(
            Duration::from_secs(1),
            1e300,
            Duration::from_secs(60),
        ))
        .build()
        .expect("client");
    fake.inject_for(
        Operation::FunctionsInvoke,
        Fault::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );
    let done = client
        .functions()
        .invoke("slow")
        .max_wait(Duration::MAX)
        .send_and_wait()
        .await
        .expect("completes after one 429");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 2);

    // A wait as long as the overall limit would only end in a timeout: the 429 is returned.
    fake.inject_for(
        Operation::FunctionsInvoke,
        Fault::RateLimited {
            retry_after_secs: u64::MAX,
        },
        1,
    );
    let err = client
        .functions()
        .invoke("slow")
        .send()
        .await
        .expect_err("rate limited");
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(ra), .. } if ra == Duration::from_secs(u64::MAX)),
        "{err:?}"
    );
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 3);
}
