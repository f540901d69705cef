//! Checking params against the Function's published schema before invoking, against the fake
//! Browserbase: the violations and their paths, that nothing is invoked when they fail, which
//! version's schema is used, the schema cache (counted in requests), and what never blocks.

use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, FunctionScript, RecordedRequest, demo};
use bb_api_ext::{Client, Error, InvocationCauseCode, SessionCreateParams};
use bb_api_tests::capture::capture;
use bb_api_tests::fixtures::{fast_polls, scrape_schema, zod_object};
use serde_json::json;
use uuid::Uuid;

fn invokes(fake: &FakeBrowserbase) -> Vec<RecordedRequest> {
    fake.requests_to("POST", "/v1/functions/")
        .into_iter()
        .filter(|r| r.path.ends_with("/invoke"))
        .collect()
}

fn version_lists(fake: &FakeBrowserbase, function: Uuid) -> usize {
    let path = format!("/v1/functions/{function}/versions");
    fake.requests_to("GET", &path).len()
}

fn shown(err: &Error) -> Vec<String> {
    match err {
        Error::Validation(errors) => errors
            .violations()
            .iter()
            .map(ToString::to_string)
            .collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

async fn fake_with_scrape() -> (FakeBrowserbase, Uuid) {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let published = fake.add_function(
        FunctionScript::new("scrape")
            .with_user_params_schema(scrape_schema())
            .with_results(json!({"title": "Example Domain"})),
    );
    (fake, published.function_id)
}

#[tokio::test]
async fn a_typo_is_reported_under_params_and_nothing_is_invoked() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let client = fake.client();
    let err = client
        .functions()
        .invoke("scrape-title")
        .params(json!({"ulr": "https://example.com"}))
        .check_params(true)
        .send()
        .await
        .expect_err("the typo is caught");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 2 invalid fields; \
         params.ulr: is not a parameter of this schema (did you mean url?); \
         params.url: required property missing"
    );
    assert!(invokes(&fake).is_empty(), "{:?}", fake.requests());
    // What was sent: the name lookup (pages of 4) and the versions of the Function, nothing else.
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        sent,
        [
            "GET /v1/functions".to_owned(),
            "GET /v1/functions".to_owned(),
            "GET /v1/functions".to_owned(),
            format!("GET /v1/functions/{}/versions", demo::SCRAPE_TITLE),
        ]
    );

    // Without the check the same params start a billed run that fails in the Function.
    let failed = client
        .functions()
        .invoke("scrape-title")
        .params(json!({"ulr": "https://example.com"}))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect_err("the Function rejects them");
    let Error::InvocationFailed(invocation) = failed else {
        panic!("{failed:?}");
    };
    assert_eq!(
        invocation.cause.and_then(|c| c.code),
        Some(InvocationCauseCode::WorkloadError)
    );
    assert_eq!(invokes(&fake).len(), 1);
}

#[tokio::test]
async fn valid_params_are_sent_as_given_and_the_schema_is_fetched_once() {
    let (fake, id) = fake_with_scrape().await;
    let client = fake.client();
    for _ in 0..3 {
        client
            .functions()
            .invoke(id)
            .params(json!({"url": "https://example.com", "selector": "h1"}))
            .check_params(true)
            .send()
            .await
            .expect("valid params are invoked");
    }
    assert_eq!(version_lists(&fake, id), 1, "cached for the next invokes");
    let sent = invokes(&fake);
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[0].body_json(),
        Some(json!({"params": {"url": "https://example.com", "selector": "h1"}}))
    );
    // A prepared invoke sent again uses the cache too.
    let prepared = client
        .functions()
        .invoke(id)
        .params(json!({"selector": "h1"}))
        .check_params(true)
        .prepare()
        .expect("valid offline");
    for _ in 0..2 {
        let err = prepared.send().await.expect_err("url is missing");
        assert_eq!(shown(&err), ["params.url: required property missing"]);
    }
    assert_eq!(version_lists(&fake, id), 1);
    assert_eq!(invokes(&fake).len(), 3);
}

#[tokio::test]
async fn concurrent_sends_on_a_cold_cache_share_one_fetch() {
    let (fake, id) = fake_with_scrape().await;
    let client = fake
        .client_builder()
        .check_params(true)
        .build()
        .expect("client");
    let prepared = client
        .functions()
        .invoke(id)
        .params(json!({"url": "https://example.com"}))
        .prepare()
        .expect("valid offline");
    let (a, b, c, d) = tokio::join!(
        prepared.send(),
        prepared.send(),
        prepared.send(),
        prepared.send()
    );
    for result in [a, b, c, d] {
        result.expect("sent");
    }
    assert_eq!(version_lists(&fake, id), 1);
    assert_eq!(invokes(&fake).len(), 4);
}

// On tokio's paused clock, which the cache reads: a slow machine cannot outlast the 30 ms TTL.
#[tokio::test(start_paused = true)]
async fn the_cache_lives_as_long_as_the_client_says() {
    let (fake, id) = fake_with_scrape().await;
    let send = |client: Client| async move {
        client
            .functions()
            .invoke(id)
            .params(json!({"url": "https://example.com"}))
            .check_params(true)
            .send()
            .await
            .expect("sent");
    };

    let every_time = fake
        .client_builder()
        .params_schema_ttl(Duration::ZERO)
        .build()
        .expect("client");
    send(every_time.clone()).await;
    send(every_time).await;
    assert_eq!(version_lists(&fake, id), 2);

    fake.clear_requests();
    let short = fake
        .client_builder()
        .params_schema_ttl(Duration::from_millis(30))
        .build()
        .expect("client");
    send(short.clone()).await;
    send(short.clone()).await;
    assert_eq!(version_lists(&fake, id), 1, "within the TTL");
    tokio::time::sleep(Duration::from_millis(60)).await;
    send(short).await;
    assert_eq!(version_lists(&fake, id), 2, "after the TTL");
}

#[tokio::test]
async fn the_newest_version_decides() {
    let (fake, id) = fake_with_scrape().await;
    let client = fake
        .client_builder()
        .check_params(true)
        .build()
        .expect("client");
    fake.advance(Duration::from_secs(60));
    fake.add_function(
        FunctionScript::new("scrape").with_user_params_schema(zod_object(
            json!({"url": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}}),
            &["url", "limit"],
        )),
    );
    let err = client
        .functions()
        .invoke(id)
        .params(json!({"url": "https://example.com", "selector": "h1"}))
        .send()
        .await
        .expect_err("the new version has no selector and requires limit");
    assert_eq!(
        shown(&err),
        [
            "params.limit: required property missing",
            "params.selector: is not a parameter of this schema (it has limit, url)",
        ]
    );
    assert!(invokes(&fake).is_empty());
}

#[tokio::test]
async fn the_client_default_and_the_call_override() {
    let (fake, id) = fake_with_scrape().await;
    let checking = fake
        .client_builder()
        .check_params(true)
        .build()
        .expect("client");
    let err = checking
        .functions()
        .invoke(id)
        .send()
        .await
        .expect_err("no params: the Function gets {}, which lacks url");
    assert_eq!(shown(&err), ["params.url: required property missing"]);
    checking
        .functions()
        .invoke(id)
        .check_params(false)
        .send()
        .await
        .expect("the call turns it off");
    assert_eq!(version_lists(&fake, id), 1);
    assert_eq!(invokes(&fake).len(), 1);

    // Off by default.
    fake.clear_requests();
    fake.client()
        .functions()
        .invoke(id)
        .send()
        .await
        .expect("not checked");
    assert_eq!(version_lists(&fake, id), 0);
}

#[tokio::test]
async fn offline_rules_come_first_and_send_nothing() {
    let (fake, id) = fake_with_scrape().await;
    let err = fake
        .client()
        .functions()
        .invoke(id)
        .params(json!({"ulr": "x"}))
        .session(SessionCreateParams::builder().timeout_secs(30))
        .check_params(true)
        .send()
        .await
        .expect_err("bad timeout");
    assert_eq!(
        shown(&err),
        ["sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 30)"]
    );
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn a_function_without_a_usable_schema_is_not_blocked_and_logged_once() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let bare = fake.add_function(FunctionScript::new("bare")).function_id;
    let broken = fake
        .add_function(FunctionScript::new("broken").with_user_params_schema(
            json!({"type": "object", "properties": {"a": {"type": "strin"}}}),
        ))
        .function_id;
    // The cache refetches every time, and still the finding is logged once per version.
    let client = fake
        .client_builder()
        .check_params(true)
        .params_schema_ttl(Duration::ZERO)
        .build()
        .expect("client");
    let (logs, _guard) = capture();
    for function in [bare, bare, broken, broken] {
        client
            .functions()
            .invoke(function)
            .params(json!({"anything": 1}))
            .send()
            .await
            .expect("not blocked");
    }
    assert_eq!(invokes(&fake).len(), 4);
    assert_eq!(version_lists(&fake, bare), 2);
    let text = logs.text();
    let no_schema = "the Function's version publishes no params schema: its params are not checked";
    assert_eq!(text.matches(no_schema).count(), 1, "{text}");
    let unusable = "the Function's params schema cannot be used: its params are not checked";
    assert_eq!(text.matches(unusable).count(), 1, "{text}");
    assert!(text.contains(&format!("function={broken}")), "{text}");
    assert!(
        text.contains("the params schema does not compile"),
        "{text}"
    );
}

#[tokio::test]
async fn a_function_that_cannot_be_read_is_not_invoked() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let missing = Uuid::from_u128(0x0bad_0000_0000_4000_8000_0000_0000_0001);
    let err = fake
        .client()
        .functions()
        .invoke(missing)
        .params(json!({}))
        .check_params(true)
        .send()
        .await
        .expect_err("no such Function");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(invokes(&fake).is_empty());
}

#[tokio::test]
async fn a_fan_out_checks_each_item_and_fetches_the_schema_once() {
    let (fake, id) = fake_with_scrape().await;
    let results = fake
        .client()
        .functions()
        .invoke_many(
            id,
            [
                json!({"url": "https://example.com/1"}),
                json!({"ulr": "https://example.com/2"}),
                json!({"url": "https://example.com/3", "selector": 3}),
                json!({"url": "https://example.com/4"}),
            ],
        )
        .concurrency(4)
        .check_params(true)
        .collect()
        .await
        .expect("the Function resolves");
    let shown: Vec<Result<(), Vec<String>>> = results
        .iter()
        .map(|r| r.as_ref().map(|_| ()).map_err(shown))
        .collect();
    assert_eq!(
        shown,
        [
            Ok(()),
            Err(vec![
                "params.ulr: is not a parameter of this schema (did you mean url?)".to_owned(),
                "params.url: required property missing".to_owned(),
            ]),
            Err(vec![
                "params.selector: must be a string (got number)".to_owned()
            ]),
            Ok(()),
        ]
    );
    assert_eq!(version_lists(&fake, id), 1);
    assert_eq!(invokes(&fake).len(), 2);
}
