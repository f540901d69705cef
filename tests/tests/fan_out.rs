//! Fan-out: bounded concurrency, input order, 429s shared by every call of the client, progress.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript, Operation};
use bb_api_ext::{Error, InvocationStatus, PollSchedule, Progress, RetryConfig, StreamExt};
use bb_api_tests::capture::capture;
use serde_json::{Value, json};
use tokio::time::Instant;

fn echo() -> FunctionScript {
    FunctionScript::new("echo")
        .with_run_time(Duration::from_secs(10))
        .with_results_from(|params| Value::Object(params.clone()))
}

#[tokio::test(start_paused = true)]
async fn two_hundred_items_ten_in_flight_with_some_429s_come_back_in_input_order() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(echo());
    fake.inject_for(
        Operation::FunctionsInvoke,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        5,
    );
    let client = fake
        .client_builder()
        .poll_schedule(PollSchedule::every(Duration::from_secs(2)))
        .build()
        .expect("client");
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let record = seen.clone();
    let started = Instant::now();
    let results = client
        .functions()
        .invoke_many("echo", (0..200).map(|n| json!({"n": n})))
        .concurrency(10)
        .wait(true)
        .on_progress(move |p| record.lock().map(|mut v| v.push(p)).unwrap_or(()))
        .collect()
        .await
        .expect("the name resolves");
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 200);
    for (n, result) in results.into_iter().enumerate() {
        let inv = result.unwrap_or_else(|e| panic!("item {n}: {e}"));
        assert_eq!(inv.status, InvocationStatus::Completed);
        assert_eq!(
            inv.results,
            Some(json!({"n": n})),
            "item {n} in input order"
        );
    }
    // 200 runs of 10 s, 10 at a time: at least 20 rounds; polling every 2 s adds under 2 s each.
    assert!(
        elapsed >= Duration::from_secs(200),
        "{elapsed:?}: more than 10 at once?"
    );
    assert!(
        elapsed < Duration::from_secs(300),
        "{elapsed:?}: fewer than 10 at once?"
    );
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 200);
    assert_eq!(
        seen.last().map(|p| (p.done, p.failed, p.total)),
        Some((200, 0, 200))
    );
    // The five 429s were answered and retried: 200 accepted invokes plus 5 refused attempts.
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 205);
    // One name lookup for the whole fan-out.
    assert_eq!(
        fake.requests_to("GET", "/v1/functions")
            .iter()
            .filter(|r| r.path == "/v1/functions")
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_holds_back_every_call_of_the_client() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(echo());
    let client = fake
        .client_builder()
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    fake.inject_for(
        Operation::FunctionsList,
        Fault::RateLimited {
            retry_after_secs: 3,
        },
        1,
    );
    let err = client.functions().list().page(0).await.expect_err("429");
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3)),
        "{err:?}"
    );
    // Another operation of the same client waits the server's 3 s out before it is sent.
    let started = Instant::now();
    let id = fake.function_id("echo").expect("published");
    client.functions().get(id).await.expect("after the pause");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn items_stream_as_they_finish_and_a_bad_name_fails_once() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("quick").with_results(json!(true)));
    let client = fake.client();
    let mut items = client
        .functions()
        .invoke_many("quick", [json!({}), json!([1]), json!({})])
        .stream()
        .await
        .expect("resolves");
    let mut indexes = Vec::new();
    while let Some(item) = items.next().await {
        if item.index == 1 {
            assert!(
                matches!(item.result, Err(Error::Validation(_))),
                "params must be an object"
            );
        } else {
            assert!(item.result.is_ok());
        }
        indexes.push(item.index);
    }
    indexes.sort_unstable();
    assert_eq!(indexes, [0, 1, 2]);
    let err = client
        .functions()
        .invoke_many("nope", [json!({})])
        .collect()
        .await
        .expect_err("unknown name");
    assert!(matches!(err, Error::FunctionNameNotFound { .. }), "{err:?}");
    assert_eq!(fake.requests_to("POST", "/v1/functions/").len(), 2);
}

/// Each item runs in a `bb_api.fan_out` span naming its index and the Function, so its requests
/// can be told apart in the logs.
#[tokio::test]
async fn each_item_runs_in_a_span_with_its_index_and_function() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("quick").with_results(json!(true)));
    let client = fake.client();
    let (captured, _guard) = capture();
    client
        .functions()
        .invoke_many("quick", [json!({}), json!({})])
        .concurrency(1)
        .collect()
        .await
        .expect("resolves");
    let text = captured.text();
    let id = fake.function_id("quick").expect("published");
    for index in 0..2 {
        let span = format!(
            "bb_api.fan_out{{index={index} function={id}}}:bb_api.request{{operation=\"Functions_invoke\""
        );
        assert!(text.contains(&span), "no {span:?} in:\n{text}");
    }
}
