//! `Client::function::<P, O>`: params serialized from a `P` exactly as given, results decoded into
//! an `O`, and results that are not an `O` kept as sent in `Error::Results`.

use bb_api_ext::testing::{FakeBrowserbase, FunctionScript};
use bb_api_ext::{Error, SessionCreateParams};
use bb_api_tests::fixtures::fast_polls;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScrapeParams<'a> {
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    css_selector: Option<&'a str>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Title {
    title: String,
    echo: Value,
}

async fn fake() -> (FakeBrowserbase, uuid::Uuid) {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let id = fake
        .add_function(
            FunctionScript::new("scrape")
                .with_results_from(|p| json!({"title": "Example Domain", "echo": p})),
        )
        .function_id;
    (fake, id)
}

#[tokio::test]
async fn params_go_out_as_serialized_and_results_come_back_typed() {
    let (fake, _) = fake().await;
    let scrape = fake.client().function::<ScrapeParams, Title>("scrape");
    let title = scrape
        .invoke(ScrapeParams {
            url: "https://example.com",
            css_selector: None,
        })
        .session(SessionCreateParams::builder().timeout_secs(120))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(
        title,
        Title {
            title: "Example Domain".into(),
            echo: json!({"url": "https://example.com"}),
        }
    );
    let invoke = fake.requests_to("POST", "/v1/functions/");
    assert_eq!(
        invoke[0].body_json(),
        Some(
            json!({"params": {"url": "https://example.com"}, "sessionCreateParams": {"timeout": 120}})
        )
    );

    // A reference works as well as a value, and `send` gives the invocation as accepted.
    let params = ScrapeParams {
        url: "https://example.org",
        css_selector: Some("h1"),
    };
    let started = scrape.invoke(&params).send().await.expect("sent");
    let done = fake
        .client()
        .invocations()
        .wait(started.id)
        .poll_schedule(fast_polls())
        .await
        .expect("completes");
    assert_eq!(
        scrape.output(&done).expect("decodes").echo,
        json!({"url": "https://example.org", "cssSelector": "h1"})
    );
}

#[tokio::test]
async fn results_that_are_not_the_type_keep_the_raw_json() {
    let (fake, id) = fake().await;
    #[derive(Deserialize, Debug)]
    struct Wrong {
        #[allow(dead_code)]
        count: u32,
    }
    let err = fake
        .client()
        .function::<Value, Wrong>(id)
        .invoke(json!({"a": 1}))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect_err("not a Wrong");
    let Error::Results {
        results, source, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        results,
        &json!({"title": "Example Domain", "echo": {"a": 1}})
    );
    assert_eq!(source.to_string(), "missing field `count`");
    assert!(
        err.to_string()
            .ends_with("do not decode as the requested type"),
        "{err}"
    );
}

#[tokio::test]
async fn no_results_decode_as_null() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    fake.add_function(FunctionScript::new("warm"));
    let client = fake.client();
    let () = client
        .function::<Value, ()>("warm")
        .invoke(json!({}))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect("() from no results");
    let none = client
        .function::<Value, Option<Value>>("warm")
        .invoke(json!({}))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect("None from no results");
    assert_eq!(none, None);
    let err = client
        .function::<Value, Title>("warm")
        .invoke(json!({}))
        .poll_schedule(fast_polls())
        .send_and_wait()
        .await
        .expect_err("a struct needs results");
    assert!(
        matches!(
            &err,
            Error::Results {
                results: Value::Null,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn typed_params_are_checked_like_any_params() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    fake.add_function(
        FunctionScript::new("scrape").with_user_params_schema(json!({
            "type": "object",
            "properties": {"url": {"type": "string"}},
            "required": ["url"],
            "additionalProperties": false
        })),
    );
    let err = fake
        .client()
        .function::<ScrapeParams, Value>("scrape")
        .invoke(ScrapeParams {
            url: "https://example.com",
            css_selector: Some("h1"),
        })
        .check_params(true)
        .send()
        .await
        .expect_err("cssSelector is not a parameter");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; params.cssSelector: is not a parameter of this schema (it has url)"
    );
    let err = fake
        .client()
        .function::<Vec<u8>, Value>("scrape")
        .invoke(vec![1, 2])
        .send()
        .await
        .expect_err("not an object");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; params: must serialize to a JSON object"
    );
}
