//! Waiting for an invocation: to COMPLETED, to FAILED, and past the deadline; and the error cases a
//! caller branches on.

use std::time::Duration;

use bb_api_ext::{Error, InvocationCauseCode as CauseCode, InvocationStatus, RetryConfig};
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, client, client_with, fast_polls, get_path, invocation_json,
    invoke_path,
};
use httpmock::Method::{GET, POST};
use httpmock::{Mock, MockServer};
use serde_json::json;

async fn accept_invoke(server: &MockServer) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(POST).path(invoke_path());
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await
}

async fn get_returns(server: &MockServer, body: serde_json::Value) -> Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(GET).path(get_path());
            then.status(200)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await
}

/// Waits (bounded) until `mock` has been called at least `n` times.
async fn until_called(mock: &Mock<'_>, n: usize) {
    for _ in 0..500 {
        if mock.calls_async().await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("mock was not called {n} times within 2.5 s");
}

#[tokio::test]
async fn send_and_wait_polls_until_completed() {
    let server = MockServer::start_async().await;
    let invoke = accept_invoke(&server).await;
    let running = get_returns(&server, invocation_json("RUNNING")).await;
    let c = client(&server.base_url());
    let waiting = tokio::spawn(async move {
        c.functions()
            .invoke(FUNCTION_ID)
            .poll_schedule(fast_polls())
            .max_wait(Duration::from_secs(10))
            .send_and_wait()
            .await
    });
    until_called(&running, 3).await;
    running.delete_async().await;
    let mut done = invocation_json("COMPLETED");
    done["endedAt"] = json!("2026-11-28T10:01:00Z");
    done["results"] = json!({"title": "Example Domain"});
    let completed = get_returns(&server, done).await;

    let invocation = waiting.await.expect("task joins").expect("completes");
    assert_eq!(invocation.status, InvocationStatus::Completed);
    assert_eq!(invocation.results, Some(json!({"title": "Example Domain"})));
    invoke.assert_calls_async(1).await;
    completed.assert_calls_async(1).await;
}

#[tokio::test]
async fn failed_invocation_is_an_error_with_the_cause() {
    let server = MockServer::start_async().await;
    accept_invoke(&server).await;
    let mut failed = invocation_json("FAILED");
    failed["cause"] = json!({"code": "TIMED_OUT", "message": "the session timed out after 60s"});
    get_returns(&server, failed).await;
    let err = client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID)
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect_err("failed");
    assert_eq!(
        err.to_string(),
        format!(
            "invocation {INVOCATION_ID} failed: TIMED_OUT: the session timed out after 60s; read its logs with client.invocations().logs(id)"
        )
    );
    let Error::InvocationFailed(inv) = err else {
        panic!("{err:?}")
    };
    assert_eq!(inv.cause.and_then(|c| c.code), Some(CauseCode::TimedOut));
}

#[tokio::test]
async fn deadline_returns_the_last_invocation_seen() {
    let server = MockServer::start_async().await;
    let running = get_returns(&server, invocation_json("RUNNING")).await;
    let err = client(&server.base_url())
        .invocations()
        .wait(INVOCATION_ID)
        .poll_schedule(fast_polls())
        .max_wait(Duration::from_millis(100))
        .await
        .expect_err("deadline");
    let Error::WaitTimeout { id, waited, last } = err else {
        panic!("{err:?}")
    };
    assert_eq!(id.to_string(), INVOCATION_ID);
    assert_eq!(last.map(|l| l.status), Some(InvocationStatus::Running));
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    // One poll to start, then one about every 10 ms until the deadline: a handful, bounded.
    let polls = running.calls_async().await;
    assert!((2..=12).contains(&polls), "{polls} polls");
}

#[tokio::test]
async fn invocation_wait_starts_from_what_it_has() {
    let server = MockServer::start_async().await;
    let mut done = invocation_json("COMPLETED");
    done["endedAt"] = json!("2026-11-28T10:01:00Z");
    let get = get_returns(&server, done).await;
    let c = client(&server.base_url());
    let pending: bb_api_ext::Invocation =
        serde_json::from_value(invocation_json("PENDING")).expect("decodes");
    let finished = c
        .invocations()
        .wait_for(pending)
        .poll_schedule(fast_polls())
        .await
        .expect("completes");
    assert_eq!(finished.status, InvocationStatus::Completed);
    // Already terminal: no request at all.
    let again = c
        .invocations()
        .wait_for(finished.clone())
        .await
        .expect("terminal");
    assert_eq!(again.id, finished.id);
    get.assert_calls_async(1).await;
}

#[tokio::test]
async fn statuses_map_to_distinct_errors_with_metadata() {
    let server = MockServer::start_async().await;
    for (status, id) in [
        (401u16, "a"),
        (403, "b"),
        (404, "c"),
        (400, "d"),
        (429, "e"),
    ] {
        let mock = server
            .mock_async(|when, then| {
                when.method(POST);
                then.status(status)
                    .header("x-request-id", format!("req-{id}"))
                    .header("content-type", "application/json")
                    .body(format!(r#"{{"statusCode":{status},"error":"nope"}}"#));
            })
            .await;
        let err = client_with(&server.base_url(), RetryConfig::disabled())
            .functions()
            .invoke(FUNCTION_ID)
            .send()
            .await
            .expect_err("unsuccessful status");
        let kind_ok = matches!(
            (status, &err),
            (401, Error::Unauthorized(_))
                | (403, Error::Forbidden(_))
                | (404, Error::NotFound(_))
                | (400, Error::Api(_))
                | (
                    429,
                    Error::RateLimited {
                        retry_after: None,
                        ..
                    }
                )
        );
        assert!(kind_ok, "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some(format!("req-{id}").as_str()));
        let api = err.api_error().expect("has a response");
        assert_eq!(api.operation, "Functions_invoke");
        assert_eq!(
            api.body.as_str(),
            format!(r#"{{"statusCode":{status},"error":"nope"}}"#)
        );
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn an_undecodable_success_keeps_status_and_snippet() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"id": "not-a-uuid"}"#);
        })
        .await;
    let err = client(&server.base_url())
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect_err("bad body");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.status, 200);
    assert_eq!(d.body.as_str(), r#"{"id": "not-a-uuid"}"#);
    assert!(d.reason.starts_with("invalid JSON: "), "{}", d.reason);
}

#[tokio::test]
async fn dropping_the_wait_stops_polling() {
    let server = MockServer::start_async().await;
    let running = get_returns(&server, invocation_json("RUNNING")).await;
    let c = client(&server.base_url());
    let waiting = tokio::spawn(async move {
        c.invocations()
            .wait(INVOCATION_ID)
            .poll_schedule(fast_polls())
            .max_wait(Duration::from_secs(30))
            .await
    });
    until_called(&running, 3).await;
    waiting.abort();
    assert!(waiting.await.is_err_and(|e| e.is_cancelled()));
    let after_abort = running.calls_async().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // At most a request already in flight when the task was dropped; no further polls.
    assert!(running.calls_async().await <= after_abort + 1);
}
