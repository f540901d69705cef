//! The smaller frictions a new user hit, each pinned: a one-line client, handles that outlive the
//! client value, results decoded with `?` into the crate's error, an invoke timed out after
//! sending that says it may have started.

use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, Fault, FunctionScript, Operation};
use bb_api_ext::{Client, Error, InvocationExt, PollSchedule, RetryConfig, TimeoutConfig};
use serde_json::json;

#[test]
fn a_client_from_a_key_alone_and_handles_from_a_temporary() {
    // `Client::new(..)?.functions()` compiles: handles own their share of the client.
    let functions = Client::new("bb_live_key").expect("a client").functions();
    let invoke = functions
        .invoke("scrape-title")
        .params(json!({"url": "https://example.com"}));
    assert!(format!("{invoke:?}").contains("scrape-title"));
    assert_eq!(
        Client::new("bb_live_key").expect("a client").base_url(),
        "https://api.browserbase.com"
    );
    assert!(matches!(Client::new(" "), Err(Error::Config(_))));
}

#[tokio::test]
async fn results_decode_with_question_mark_into_the_crates_error() {
    #[derive(serde::Deserialize, Debug)]
    struct Title {
        title: String,
    }
    async fn title(client: &Client) -> Result<String, Error> {
        title_of(client, "scrape").await
    }
    async fn title_of(client: &Client, function: &str) -> Result<String, Error> {
        let done = client.functions().invoke(function).send_and_wait().await?;
        Ok(done
            .results_as::<Title>()?
            .map(|t| t.title)
            .unwrap_or_default())
    }
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("scrape").with_results(json!({"title": "Example"})));
    let client = fake
        .client_builder()
        .poll_schedule(PollSchedule::every(Duration::from_millis(5)))
        .build()
        .expect("client");
    assert_eq!(title(&client).await.expect("decodes"), "Example");

    fake.add_function(FunctionScript::new("scrape-list").with_results(json!([1, 2])));
    let err = title_of(&client, "scrape-list")
        .await
        .expect_err("not a Title");
    let Error::Results { results, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(results, &json!([1, 2]), "the raw JSON is kept");
}

#[tokio::test]
async fn an_invoke_that_timed_out_after_sending_says_it_may_have_started() {
    let fake = FakeBrowserbase::start().await.expect("fake");
    fake.add_function(FunctionScript::new("slow"));
    fake.inject_for(Operation::FunctionsInvoke, Fault::Hang, 1);
    let client = fake
        .client_builder()
        .retry(RetryConfig::disabled())
        .timeouts(TimeoutConfig::default().with_attempt(Duration::from_millis(200)))
        .build()
        .expect("client");
    let err = client
        .functions()
        .invoke("slow")
        .send()
        .await
        .expect_err("timed out");
    assert_eq!(
        err.to_string(),
        "timed out: an attempt took longer than the attempt timeout (0.2s); the request may have been sent, so an invoke or a session create may have started a billed session: check the Function's invocations, or the running sessions, before trying again"
    );
}
