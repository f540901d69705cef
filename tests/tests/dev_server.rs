//! Dev mode (`Client::dev`, `ClientBuilder::dev_server`) against the fake `bb dev`
//! (`testing::FakeDevServer`) and, for answers the fake cannot be made to give, httpmock: the wire
//! format of an invoke by name, each failure's mapping, the 503 wait, and the calls dev mode refuses
//! without sending anything.

use std::time::Duration;

use bb_api_ext::testing::{DevHandler, FakeDevServer};
use bb_api_ext::{Client, DevModeError, Error, InvocationStatus};
use httpmock::prelude::*;
use serde_json::json;

#[test]
fn dev_client_defaults_to_bb_dev_s_address_and_needs_no_key() {
    let client = Client::dev().expect("no key needed");
    assert_eq!(client.base_url(), "http://127.0.0.1:14113");
    assert_eq!(bb_api_ext::DEV_SERVER_URL, "http://127.0.0.1:14113");
    assert!(client.is_dev());
    assert!(!Client::new("bb_live_x").expect("builds").is_dev());
}

#[tokio::test]
async fn invoke_by_name_posts_the_params_without_a_key_and_returns_the_result_completed() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define(
        "scrape-title",
        DevHandler::returns(json!({"title": "Example Domain"})),
    );
    // A key set on the builder is still not sent.
    let client = dev
        .client_builder()
        .api_key("bb_live_not_for_bb_dev")
        .build()
        .expect("builds");
    let done = client
        .functions()
        .invoke("scrape-title")
        .params(json!({"url": "https://example.com"}))
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert_eq!(done.results, Some(json!({"title": "Example Domain"})));
    assert_eq!(done.region.as_deref(), Some("local"));
    assert_eq!(
        serde_json::Value::Object(done.params.clone()),
        json!({"url": "https://example.com"})
    );

    let requests = dev.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/functions/scrape-title/invoke");
    assert_eq!(r.query, None);
    assert_eq!(r.header("x-bb-api-key"), None);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body_json(),
        Some(json!({"params": {"url": "https://example.com"}}))
    );
}

#[tokio::test]
async fn the_same_typed_code_runs_against_bb_dev() {
    #[derive(serde::Serialize)]
    struct Params {
        url: String,
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Title {
        title: String,
    }
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define(
        "scrape-title",
        DevHandler::returns(json!({"title": "Example Domain"})),
    );
    let title = dev
        .client()
        .function::<Params, Title>("scrape-title")
        .invoke(Params {
            url: "https://example.com".into(),
        })
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(
        title,
        Title {
            title: "Example Domain".into()
        }
    );
}

#[tokio::test]
async fn a_handler_returning_nothing_completes_with_an_empty_object() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define("warm-cache", DevHandler::returns(serde_json::Value::Null));
    let done = dev
        .client()
        .functions()
        .invoke("warm-cache")
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(done.results, Some(json!({})));
    assert_eq!(dev.requests()[0].body_json(), Some(json!({})));
}

#[tokio::test]
async fn a_handler_that_throws_is_invocation_failed_with_its_message_and_stack() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define(
        "flaky-checkout",
        DevHandler::throws(
            "TypeError",
            "Cannot read properties of undefined (reading 'click')",
            ["at checkout (index.ts:14:9)", "at run (runtime.js:3:1)"],
        ),
    );
    let client = dev.client();
    let err = client
        .functions()
        .invoke("flaky-checkout")
        .send_and_wait()
        .await
        .expect_err("the handler throws");
    let Error::InvocationFailed(failed) = &err else {
        panic!("not InvocationFailed: {err:?}")
    };
    assert_eq!(failed.status, InvocationStatus::Failed);
    let cause = failed.cause.as_ref().expect("a cause");
    assert_eq!(
        cause.code.as_ref().map(|c| c.as_str()),
        Some("WORKLOAD_ERROR")
    );
    assert_eq!(
        cause.message.as_deref(),
        Some(
            "TypeError: Cannot read properties of undefined (reading 'click')\nat checkout (index.ts:14:9)\nat run (runtime.js:3:1)"
        )
    );
    assert!(
        err.to_string().contains(
            "failed: WORKLOAD_ERROR: TypeError: Cannot read properties of undefined (reading 'click')"
        ),
        "{err}"
    );

    // `send` returns the invocation ended in failure, as a later get would in production.
    let ended = client
        .functions()
        .invoke("flaky-checkout")
        .send()
        .await
        .expect("send returns the ended invocation");
    assert_eq!(ended.status, InvocationStatus::Failed);
    assert_eq!(dev.requests().len(), 2, "a 500 is never retried");
}

#[tokio::test]
async fn an_unknown_name_is_function_not_found_naming_it() {
    let dev = FakeDevServer::start().await.expect("starts");
    let err = dev
        .client()
        .functions()
        .invoke("scrape-titel")
        .send_and_wait()
        .await
        .expect_err("not defined");
    let Error::DevMode {
        problem: DevModeError::FunctionNotFound { name, message },
        base_url,
    } = &err
    else {
        panic!("not FunctionNotFound: {err:?}")
    };
    assert_eq!(name, "scrape-titel");
    assert_eq!(base_url, dev.url());
    assert_eq!(
        message.as_deref(),
        Some(
            "Function \"scrape-titel\" not found in registry. Make sure it is defined with defineFn() in your entrypoint file."
        )
    );
    assert_eq!(
        err.to_string(),
        format!(
            "dev mode (bb dev at {}): Function \"scrape-titel\" not found: the entrypoint `bb dev` runs does not define it with defineFn (check the name, and that `bb dev` runs the right file); the server says: Function \"scrape-titel\" not found in registry. Make sure it is defined with defineFn() in your entrypoint file.",
            dev.url()
        )
    );
}

#[tokio::test]
async fn a_second_invoke_while_one_runs_waits_for_it_then_succeeds() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define(
        "slow",
        DevHandler::returns(json!({"n": 1})).taking(Duration::from_millis(300)),
    );
    let client = dev.client();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.functions().invoke("slow").send_and_wait().await }
    });
    // Let the first one reach the server and start running.
    let started = tokio::time::Instant::now();
    while dev.requests().is_empty() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = client
        .functions()
        .invoke("slow")
        .send_and_wait()
        .await
        .expect("waits out the 503s");
    assert_eq!(second.results, Some(json!({"n": 1})));
    assert!(first.await.expect("joins").is_ok());
    // The second was answered 503 at least once before it ran.
    assert!(dev.requests().len() >= 3, "{:?}", dev.requests().len());
}

#[tokio::test]
async fn no_runtime_connected_yet_is_waited_out_too() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define("scrape-title", DevHandler::returns(json!({"ok": true})));
    dev.runtime_not_connected_for(2);
    let done = dev
        .client()
        .functions()
        .invoke("scrape-title")
        .send_and_wait()
        .await
        .expect("waits");
    assert_eq!(done.results, Some(json!({"ok": true})));
    assert_eq!(dev.requests().len(), 3);
}

#[tokio::test]
async fn a_server_busy_past_the_wait_limit_is_its_503_with_the_server_s_message() {
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define("scrape-title", DevHandler::returns(json!({"ok": true})));
    dev.runtime_not_connected_for(1000);
    let err = dev
        .client()
        .functions()
        .invoke("scrape-title")
        .max_wait(Duration::from_millis(250))
        .send_and_wait()
        .await
        .expect_err("busy past the limit");
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert!(err.to_string().contains("No runtime connected"), "{err}");
    let tries = dev.requests().len();
    assert!((2..=4).contains(&tries), "{tries} tries in 250 ms");
}

#[tokio::test]
async fn a_400_keeps_the_server_s_validation_message() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/functions/scrape-title/invoke");
            then.status(400).json_body(json!({
                "error": "Bad Request",
                "message": "Invalid request body",
                "details": [{"path": ["functionName"], "message": "Invalid input: expected string"}]
            }));
        })
        .await;
    let client = Client::builder()
        .dev_server(server.base_url())
        .build()
        .expect("builds");
    let err = client
        .functions()
        .invoke("scrape-title")
        .send_and_wait()
        .await
        .expect_err("400");
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(400));
    let text = err.to_string();
    assert!(
        text.contains("\"message\":\"Invalid request body\""),
        "{text}"
    );
    assert!(text.contains("Invalid input: expected string"), "{text}");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_500_that_is_not_a_handler_error_stays_an_api_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/functions/scrape-title/invoke");
            then.status(500).json_body(json!({
                "error": "Internal Server Error",
                "message": "Failed to create browser session",
                "details": "401 Unauthorized"
            }));
        })
        .await;
    let client = Client::builder()
        .dev_server(server.base_url())
        .build()
        .expect("builds");
    let err = client
        .functions()
        .invoke("scrape-title")
        .send_and_wait()
        .await
        .expect_err("500");
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert!(
        err.to_string().contains("Failed to create browser session"),
        "{err}"
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn calls_bb_dev_does_not_serve_fail_at_once_naming_dev_mode() {
    let dev = FakeDevServer::start().await.expect("starts");
    let client = dev.client();
    let list = client
        .functions()
        .list()
        .stream()
        .try_collect()
        .await
        .expect_err("not served");
    assert_eq!(
        list.to_string(),
        format!(
            "dev mode (bb dev at {}): list Functions is not served by `bb dev`, which only invokes Functions by name; nothing was sent (use a client for the Browserbase API, Client::from_env, for it)",
            dev.url()
        )
    );
    let id = uuid::Uuid::from_u128(7);
    let get = client.invocations().get(id).await.expect_err("not served");
    assert!(
        matches!(
            &get,
            Error::DevMode {
                problem: DevModeError::Unsupported {
                    what: "get invocation"
                },
                ..
            }
        ),
        "{get:?}"
    );
    let by_id = client
        .functions()
        .invoke(id.to_string())
        .send_and_wait()
        .await
        .expect_err("by id");
    assert!(
        matches!(&by_id, Error::DevMode { problem: DevModeError::InvokeById { id: got }, .. } if *got == id),
        "{by_id:?}"
    );
    assert!(dev.requests().is_empty(), "{:?}", dev.requests());
}
