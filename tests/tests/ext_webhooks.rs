//! Every wrapped Webhooks operation on the wire (method, path, query, headers, exact body) through
//! the generated httpmock helpers; decoding of responses newer than the spec; validation before
//! sending; the rotation's 429.

use std::num::NonZeroU64;
use std::time::Duration;

use bb_api::mock::MockServerExt;
use bb_api_ext::webhooks::EventType;
use bb_api_ext::{Client, Error};
use bb_api_tests::fixtures::{KEY, client, client_custom, fast_retry, generous_timeouts};
use httpmock::Method::POST;
use httpmock::MockServer;
use serde_json::{Value, json};
use uuid::Uuid;

const WEBHOOK_ID: &str = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ENDPOINT: &str = "https://hooks.example.com/browserbase";

fn uuid(text: &str) -> Uuid {
    text.parse().expect("a uuid")
}

fn webhook_json(id: &str, endpoint: &str) -> Value {
    json!({
        "id": id,
        "projectId": "11111111-2222-4333-8444-555555555555",
        "endpoint": endpoint,
        "eventTypes": ["functions.invocations.completed", "functions.invocations.failed"],
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-02T00:00:00Z"
    })
}

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("the generated type decodes the fixture")
}

fn done_and_failed() -> [EventType; 2] {
    [
        EventType::FunctionsInvocationsCompleted,
        EventType::FunctionsInvocationsFailed,
    ]
}

#[tokio::test]
async fn create_sends_exactly_the_body_and_returns_the_secret_once() {
    let server = MockServer::start_async().await;
    let mut created = webhook_json(WEBHOOK_ID, ENDPOINT);
    created["secret"] = json!(SECRET);
    let create = server.webhooks_create(|when, then| {
        when.body(&typed(json!({
            "endpoint": ENDPOINT,
            "eventTypes": ["functions.invocations.completed", "functions.invocations.failed"]
        })))
        .into_inner()
        .header("x-bb-api-key", KEY)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        // The exact bytes: only these two keys, in this order.
        .body(format!(
            r#"{{"endpoint":"{ENDPOINT}","eventTypes":["functions.invocations.completed","functions.invocations.failed"]}}"#
        ));
        then.created(&typed(created));
    });
    let out = client(&server.base_url())
        .webhooks()
        .create(ENDPOINT, done_and_failed())
        .await
        .expect("created");
    assert_eq!(out.webhook.id, WEBHOOK_ID);
    assert_eq!(out.webhook.endpoint, ENDPOINT);
    assert_eq!(out.webhook.event_types, done_and_failed());
    assert_eq!(out.secret.expose_secret(), SECRET);
    assert_eq!(format!("{:?}", out.secret), "WebhookSecret([REDACTED])");
    // Not retried on failure either: a second create would be a conflict.
    create.assert_calls_async(1).await;
}

/// A create is not repeated after a server error either: the first attempt may have registered
/// the webhook (and a repeat would then be a conflict).
#[tokio::test]
async fn a_create_that_fails_is_not_retried() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/webhooks");
            then.status(503).json_body(
                json!({"statusCode": 503, "error": "Service Unavailable", "message": "deploying"}),
            );
        })
        .await;
    // Retries on: a read would be retried three times here.
    let c = client_custom(&server.base_url(), fast_retry(3), generous_timeouts());
    let err = c
        .webhooks()
        .create(ENDPOINT, done_and_failed())
        .await
        .expect_err("503");
    let Error::Api(error) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(error.status, 503);
    assert_eq!(error.operation, "Webhooks_create");
    assert_eq!(err.status(), Some(503));
    create.assert_calls_async(1).await;
}

#[tokio::test]
async fn list_pages_with_cursors_and_the_largest_limit() {
    let server = MockServer::start_async().await;
    let first = server.webhooks_list(|when, then| {
        when.limit(NonZeroU64::new(100))
            .cursor(None)
            .into_inner()
            .header("x-bb-api-key", KEY);
        then.ok(&typed(json!({
            "data": [webhook_json(WEBHOOK_ID, ENDPOINT)],
            "limit": 100,
            "nextCursor": "cur_2"
        })));
    });
    let second = server.webhooks_list(|when, then| {
        when.limit(NonZeroU64::new(100)).cursor("cur_2");
        then.ok(&typed(json!({
            "data": [webhook_json("00000000-0000-4000-8000-000000000002", "https://b.example.com")],
            "limit": 100,
            "nextCursor": null
        })));
    });
    let c = client(&server.base_url());
    let all = c
        .webhooks()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("two pages");
    let endpoints: Vec<&str> = all.iter().map(|w| w.endpoint.as_str()).collect();
    assert_eq!(endpoints, [ENDPOINT, "https://b.example.com"]);
    first.assert_async().await;
    second.assert_async().await;

    // One page by hand, with a smaller limit (clamped to 1..=100).
    let small = server.webhooks_list(|when, then| {
        when.limit(NonZeroU64::new(1)).cursor("cur_x");
        then.ok(&typed(json!({
            "data": [webhook_json(WEBHOOK_ID, ENDPOINT)],
            "limit": 1,
            "nextCursor": "cur_y"
        })));
    });
    let page = c
        .webhooks()
        .list()
        .page_size(0)
        .page(Some("cur_x"))
        .await
        .expect("a page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_cursor.as_deref(), Some("cur_y"));
    small.assert_async().await;
}

#[tokio::test]
async fn get_update_delete_use_the_id_in_the_path() {
    let server = MockServer::start_async().await;
    let get = server.webhooks_get(|when, then| {
        when.id(&uuid(WEBHOOK_ID));
        then.ok(&typed(webhook_json(WEBHOOK_ID, ENDPOINT)));
    });
    let mut updated = webhook_json(WEBHOOK_ID, ENDPOINT);
    updated["eventTypes"] = json!(["functions.invocations.failed"]);
    let update = server.webhooks_update(|when, then| {
        when.id(&uuid(WEBHOOK_ID))
            .body(&typed(
                json!({"eventTypes": ["functions.invocations.failed"]}),
            ))
            .into_inner()
            .header("content-type", "application/json")
            .body(r#"{"eventTypes":["functions.invocations.failed"]}"#);
        then.ok(&typed(updated));
    });
    let both = server.webhooks_update(|when, then| {
        when.id(&uuid(WEBHOOK_ID)).into_inner().body(
            r#"{"endpoint":"https://new.example.com/h","eventTypes":["functions.builds.failed"]}"#,
        );
        then.ok(&typed(webhook_json(
            WEBHOOK_ID,
            "https://new.example.com/h",
        )));
    });
    let delete = server.webhooks_delete(|when, then| {
        when.id(&uuid(WEBHOOK_ID))
            .into_inner()
            .header("x-bb-api-key", KEY);
        then.no_content();
    });
    let hooks = client(&server.base_url()).webhooks();
    assert_eq!(hooks.get(WEBHOOK_ID).await.expect("got").endpoint, ENDPOINT);
    let after = hooks
        .update(WEBHOOK_ID)
        .event_types([EventType::FunctionsInvocationsFailed])
        .await
        .expect("updated");
    assert_eq!(after.event_types, [EventType::FunctionsInvocationsFailed]);
    let moved = hooks
        .update(uuid(WEBHOOK_ID))
        .endpoint("https://new.example.com/h")
        .event_types([EventType::FunctionsBuildsFailed])
        .send()
        .await
        .expect("updated");
    assert_eq!(moved.endpoint, "https://new.example.com/h");
    hooks.delete(WEBHOOK_ID).await.expect("deleted");
    get.assert_async().await;
    update.assert_async().await;
    both.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn rotate_sends_only_what_was_set_and_returns_the_new_secret() {
    let server = MockServer::start_async().await;
    let plain = server.webhooks_rotate_secret(|when, then| {
        when.id(&uuid(WEBHOOK_ID))
            .body(&typed(json!({})))
            .into_inner()
            .header("content-type", "application/json")
            .body("{}");
        then.ok(&typed(json!({"secret": SECRET})));
    });
    let revoking = server.webhooks_rotate_secret(|when, then| {
        when.id(&uuid(WEBHOOK_ID))
            .body(&typed(json!({"revokeImmediately": true})))
            .into_inner()
            .body(r#"{"revokeImmediately":true}"#);
        then.ok(&typed(json!({"secret": "whsec_AAEC"})));
    });
    let hooks = client(&server.base_url()).webhooks();
    let secret = hooks.rotate_secret(WEBHOOK_ID).await.expect("rotated");
    assert_eq!(secret.expose_secret(), SECRET);
    let secret = hooks
        .rotate_secret(WEBHOOK_ID)
        .revoke_immediately(true)
        .await
        .expect("rotated");
    assert_eq!(secret.expose_secret(), "whsec_AAEC");
    plain.assert_async().await;
    revoking.assert_async().await;
}

#[tokio::test]
async fn too_many_previous_secrets_is_its_own_error_and_not_retried() {
    let server = MockServer::start_async().await;
    let refused = server.webhooks_rotate_secret(|when, then| {
        when.id(&uuid(WEBHOOK_ID));
        then.too_many_requests(&json!({
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": "Too many previous secrets are still inside their grace window. Wait for one to expire, or retry with `revokeImmediately`."
        }));
    });
    // Retries on, as by default: the 429 still gets one request.
    let c = client_custom(&server.base_url(), fast_retry(3), generous_timeouts());
    let err = c
        .webhooks()
        .rotate_secret(WEBHOOK_ID)
        .await
        .expect_err("429");
    let Error::TooManyWebhookSecrets(error) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(error.subject.as_deref(), Some(WEBHOOK_ID));
    assert_eq!(error.status, 429);
    assert_eq!(error.operation, "Webhooks_rotateSecret");
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.to_string(),
        format!(
            "too many previous signing secrets: rotate signing secret of webhook {WEBHOOK_ID}: HTTP 429: {}; wait for one to leave its 24-hour grace window, or rotate with revoke_immediately(true), which stops every previous secret verifying at once",
            error.body
        )
    );
    assert!(
        error.body.as_str().contains("Too many previous secrets"),
        "{err}"
    );
    refused.assert_calls_async(1).await;
}

/// A 429 with `Retry-After` whose body does not speak of secrets is a rate limit, not the
/// too-many-secrets refusal: it stays `RateLimited` with the server's delay. Either way the
/// rotation is not repeated (a repeat would issue and retire another secret).
#[tokio::test]
async fn a_rate_limited_rotation_stays_rate_limited_and_is_not_retried() {
    for (message, too_many_secrets) in [
        ("Rate limit exceeded, slow down", false),
        ("Too many previous secrets in their grace window", true),
    ] {
        let server = MockServer::start_async().await;
        let limited = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path(format!("/v1/webhooks/{WEBHOOK_ID}/secret"));
                then.status(429).header("retry-after", "1").json_body(
                    json!({"statusCode": 429, "error": "Too Many Requests", "message": message}),
                );
            })
            .await;
        let c = client_custom(&server.base_url(), fast_retry(3), generous_timeouts());
        let err = c
            .webhooks()
            .rotate_secret(WEBHOOK_ID)
            .await
            .expect_err("429");
        let error = match (&err, too_many_secrets) {
            (Error::RateLimited { retry_after, error }, false) => {
                assert_eq!(*retry_after, Some(Duration::from_secs(1)), "{err}");
                assert!(
                    err.to_string()
                        .starts_with("rate limited (server asks to retry after 1.0s): "),
                    "{err}"
                );
                error
            }
            (Error::TooManyWebhookSecrets(error), true) => error,
            _ => panic!("{message}: {err:?}"),
        };
        assert_eq!(error.status, 429);
        assert_eq!(error.operation, "Webhooks_rotateSecret");
        assert_eq!(error.subject.as_deref(), Some(WEBHOOK_ID));
        limited.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn responses_newer_than_the_spec_decode() {
    let server = MockServer::start_async().await;
    let mut newer = webhook_json(WEBHOOK_ID, ENDPOINT);
    newer["eventTypes"] = json!([
        "functions.invocations.completed",
        "functions.sessions.ended"
    ]);
    newer["description"] = json!("added later");
    newer["disabled"] = json!(false);
    let get = server
        .mock_async(|when, then| {
            when.path(format!("/v1/webhooks/{WEBHOOK_ID}"));
            then.status(200).json_body(newer.clone());
        })
        .await;
    let mut created = newer.clone();
    created["secret"] = json!(SECRET);
    created["secretExpiresAt"] = json!(null);
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/webhooks");
            then.status(201).json_body(created);
        })
        .await;
    // A list without `limit`, keyed `results`, and `nextCursor` missing.
    let list = server
        .mock_async(|when, then| {
            when.path("/v1/webhooks");
            then.status(200)
                .json_body(json!({"results": [newer.clone()]}));
        })
        .await;
    let hooks = client(&server.base_url()).webhooks();
    let got = hooks.get(WEBHOOK_ID).await.expect("decodes");
    assert_eq!(
        got.event_types[1],
        EventType::Unknown("functions.sessions.ended".into())
    );
    let made = hooks
        .create(ENDPOINT, done_and_failed())
        .await
        .expect("decodes");
    assert_eq!(made.secret.expose_secret(), SECRET);
    let all = hooks.list().stream().try_collect().await.expect("decodes");
    assert_eq!(all.len(), 1);
    get.assert_async().await;
    create.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn bad_requests_are_refused_before_sending_with_every_field_named() {
    let server = MockServer::start_async().await;
    // This client talks to a loopback server, so a loopback http endpoint is accepted (sent).
    let loopback = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/webhooks")
                .body_includes("http://127.0.0.1:8788/hook");
            then.status(409)
                .json_body(json!({"message": "A webhook for that endpoint already exists"}));
        })
        .await;
    // Anything else reaching the server is a failure of validation.
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let hooks = client(&server.base_url()).webhooks();
    let err = hooks
        .create("ftp://hooks.example.com", [])
        .await
        .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 2 invalid fields; endpoint: must be an https:// URL (got scheme \"ftp\"), such as https://hooks.example.com/browserbase; eventTypes: must name at least one event type, such as functions.invocations.completed"
    );
    let err = hooks
        .create(
            ENDPOINT,
            [
                EventType::FunctionsInvocationsFailed,
                EventType::FunctionsInvocationsFailed,
            ],
        )
        .await
        .expect_err("invalid");
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.paths().collect::<Vec<_>>(), ["eventTypes[1]"]);
    let err = hooks
        .update(WEBHOOK_ID)
        .await
        .expect_err("nothing to change");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; body: must set at least one of endpoint and eventTypes (an update with neither changes nothing)"
    );
    let err = hooks
        .update("not-a-uuid")
        .endpoint("https://")
        .await
        .expect_err("invalid");
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.paths().collect::<Vec<_>>(), ["id", "endpoint"]);
    for result in [
        hooks.get("nope").await.map(drop),
        hooks.delete("nope").await,
        hooks.rotate_secret("nope").await.map(drop),
    ] {
        let err = result.expect_err("not a uuid");
        assert!(
            matches!(&err, Error::Validation(v) if v.has_path("id")),
            "{err:?}"
        );
    }
    let err = hooks
        .create("http://127.0.0.1:8788/hook", done_and_failed())
        .await
        .expect_err("409");
    assert_eq!(err.status(), Some(409));
    loopback.assert_async().await;
    any.assert_calls_async(0).await;
}

/// Against a non-loopback API (an address reserved for documentation, so nothing is ever sent
/// anywhere), a plain-http loopback endpoint is refused: only the fake can deliver to it.
#[tokio::test]
async fn loopback_endpoints_are_refused_against_a_real_api() {
    let c = Client::builder()
        .api_key(KEY)
        .base_url("https://192.0.2.1")
        .timeouts(bb_api_ext::TimeoutConfig::default().with_connect(Duration::from_millis(50)))
        .build()
        .expect("builds");
    let err = c
        .webhooks()
        .create("http://127.0.0.1:8788/hook", done_and_failed())
        .await
        .expect_err("refused");
    let Error::Validation(v) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(v.paths().collect::<Vec<_>>(), ["endpoint"]);
    assert!(
        v.violations()[0]
            .rule()
            .starts_with("must be https://: plain http to loopback is accepted only while the client talks to a loopback server"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_webhooks_are_not_found_naming_the_id() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(404)
                .json_body(json!({"message": "Webhook not found"}));
        })
        .await;
    let hooks = client(&server.base_url()).webhooks();
    let err = hooks.get(WEBHOOK_ID).await.expect_err("404");
    assert_eq!(
        err.to_string(),
        format!(
            "not found: get webhook {WEBHOOK_ID}: HTTP 404: {{\"message\":\"Webhook not found\"}}; check the id"
        )
    );
    let err = hooks.delete(WEBHOOK_ID).await.expect_err("404");
    assert!(
        matches!(err, Error::NotFound(ref e) if e.operation == "Webhooks_delete"),
        "{err:?}"
    );
    let err = hooks.rotate_secret(WEBHOOK_ID).await.expect_err("404");
    assert!(
        matches!(err, Error::NotFound(ref e) if e.operation == "Webhooks_rotateSecret"),
        "{err:?}"
    );
}
