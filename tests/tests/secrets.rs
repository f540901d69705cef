//! Secrets: the API key and proxy passwords never show in `Debug`, `Display`, errors or `tracing`
//! output at TRACE, even when the server echoes the whole request back; the key travels only in
//! the `X-BB-API-Key` header; and a plain-http base URL is refused except to loopback.

use std::error::Error as _;
use std::time::Duration;

use bb_api_ext::{
    Client, ConfigError, Error, InvokeRetry, Proxy, SessionCreateParams, SessionCreateParamsBuilder,
};
use bb_api_tests::capture::capture;
use bb_api_tests::fault_server::{FaultServer, Script, Step};
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, KEY, client_custom, fast_retry, generous_timeouts,
};
use serde_json::json;

/// A proxy password with a quote, so that it also appears JSON-escaped (`p\"w…`) in bodies.
const PASSWORD: &str = "p\"w-SECRET-7d1e9c";

/// Every form in which a secret could leak: raw, and as it reads inside a JSON string.
fn forms() -> Vec<String> {
    let mut forms = vec![KEY.to_owned(), PASSWORD.to_owned()];
    let escaped = serde_json::to_string(PASSWORD).expect("a string serializes");
    forms.push(escaped[1..escaped.len() - 1].to_owned());
    // The distinctive middle of the password, in case only part of it leaks.
    forms.push("SECRET-7d1e9c".to_owned());
    forms
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in forms() {
        assert!(
            !text.contains(&secret),
            "{what} contains the secret {secret:?}:\n{text}"
        );
    }
}

/// `Display` and `Debug` of an error and of every error in its source chain.
fn error_text(e: &Error) -> String {
    let mut text = format!("{e}\n{e:?}\n");
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    text
}

fn session() -> SessionCreateParamsBuilder {
    SessionCreateParams::builder()
        .timeout_secs(120)
        .proxies([Proxy::external("http://proxy.internal:8080").credentials("user", PASSWORD)])
}

fn invoke(client: &Client) -> bb_api_ext::Invoke {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(json!({"url": "https://example.com"}))
        .session(session())
}

fn echo(status: u16) -> Script {
    Script::new()
        .then(Step::ReadRequest)
        .then(Step::EchoRequest { status })
}

#[tokio::test]
async fn secrets_stay_out_of_debug_display_errors_and_trace_logs() {
    let (captured, _guard) = capture();
    // 400, 401, 200 (not JSON: a decode error) on invokes; 500 three times on an invoke that may
    // be retried (so the retry warnings log the error too); 404 on a get.
    let server = FaultServer::start([
        echo(400),
        echo(401),
        echo(200),
        echo(500),
        echo(500),
        echo(500),
        echo(404),
    ])
    .await;
    let base = server.base_url();
    let client = client_custom(&base, fast_retry(2), generous_timeouts());
    let retrying = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .retry(fast_retry(2).with_invoke(InvokeRetry::AllowDuplicates))
        .build()
        .expect("builds");

    let mut shown = Vec::new();
    let mut errors = Vec::new();
    for _ in 0..3 {
        errors.push(invoke(&client).send().await.expect_err("echoes are errors"));
    }
    errors.push(invoke(&retrying).send().await.expect_err("500"));
    errors.push(
        client
            .invocations()
            .get(INVOCATION_ID)
            .await
            .expect_err("404"),
    );
    assert_eq!(server.requests().len(), 7);

    assert!(matches!(errors[0], Error::Api(ref e) if e.status == 400));
    assert!(matches!(errors[1], Error::Unauthorized(_)));
    assert!(matches!(errors[2], Error::Decode(_)));
    assert!(matches!(errors[3], Error::Api(ref e) if e.status == 500));
    assert!(matches!(errors[4], Error::NotFound(_)));
    for e in &errors {
        // The echo did carry the secrets back, and the client replaced them.
        let body = match e {
            Error::Decode(d) => d.body.as_str(),
            _ => e.api_error().expect("a status error").body.as_str(),
        };
        assert!(body.contains("x-bb-api-key: [REDACTED]"), "{body}");
        shown.push(error_text(e));
    }
    for e in &errors[..4] {
        let body = match e {
            Error::Decode(d) => d.body.as_str().to_owned(),
            _ => e
                .api_error()
                .expect("a status error")
                .body
                .as_str()
                .to_owned(),
        };
        assert!(body.contains(r#""password":"[REDACTED]""#), "{body}");
    }

    let prepared = invoke(&client).prepare().expect("valid");
    assert!(String::from_utf8_lossy(prepared.body()).contains("SECRET-7d1e9c"));
    shown.push(format!("{prepared:?}"));
    shown.push(prepared.redacted_body());
    shown.push(format!("{:?}", invoke(&client)));
    shown.push(format!("{:?}", session()));
    shown.push(format!("{:?}", session().build().expect("valid")));
    shown.push(format!("{client:?}"));
    shown.push(format!(
        "{:?}",
        Client::builder().api_key(KEY).base_url(&base)
    ));
    for text in &shown {
        assert_clean("output", text);
    }

    let logs = captured.text();
    // The capture saw the client's spans and the HTTP stack's own TRACE output.
    assert!(logs.contains("bb_api.request"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("TRACE"), "{logs}");
    assert!(logs.contains("hyper"), "{logs}");
    assert_clean("the trace logs", &logs);
}

/// An error body is cut to `BodySnippet::MAX_BYTES`; a secret straddling the cut must not leave
/// its first part behind.
#[tokio::test]
async fn a_secret_cut_by_the_snippet_limit_does_not_leak_a_prefix() {
    let max = bb_api_ext::BodySnippet::MAX_BYTES;
    let mut scripts = Vec::new();
    for secret in [KEY, PASSWORD] {
        for before_cut in [secret.len() - 1, secret.len() / 2, 4] {
            let mut body = "x".repeat(max - before_cut);
            body.push_str(secret);
            body.push_str(&"y".repeat(100));
            scripts.push(Script::respond(
                400,
                &[("content-type", "text/plain")],
                body,
            ));
        }
    }
    let n = scripts.len();
    let server = FaultServer::start(scripts).await;
    let client = client_custom(&server.base_url(), fast_retry(0), generous_timeouts());
    for i in 0..n {
        let e = invoke(&client).send().await.expect_err("400");
        let snippet = e.api_error().expect("400").body.as_str().to_owned();
        assert!(snippet.starts_with("xxxx"), "{snippet}");
        let secret = if i < 3 { KEY } else { PASSWORD };
        let tail = &snippet[snippet.len().saturating_sub(secret.len())..];
        for k in 4..secret.len() {
            assert!(
                !tail.ends_with(&secret[..k]),
                "case {i}: the snippet ends with {k} bytes of the secret: {tail:?}"
            );
        }
        assert_clean("the error", &error_text(&e));
    }
}

#[tokio::test]
async fn the_api_key_travels_only_in_its_header() {
    let ok = || Script::json(202, &bb_api_tests::fixtures::invocation_json("PENDING"));
    let server = FaultServer::start([ok(), ok()]).await;
    let client = client_custom(&server.base_url(), fast_retry(0), generous_timeouts());
    invoke(&client).send().await.expect("202");
    client
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect("202 decodes as an invocation");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert!(!r.request_line().contains(KEY), "{}", r.request_line());
        assert!(!r.request_line().contains('?'), "{}", r.request_line());
        assert_eq!(r.header("x-bb-api-key"), [KEY]);
        assert_eq!(r.head.matches(KEY).count(), 1, "{}", r.head);
        assert!(!String::from_utf8_lossy(&r.body).contains(KEY));
    }
    assert!(
        requests[0]
            .request_line()
            .starts_with("POST /v1/functions/")
    );
    assert!(
        requests[1]
            .request_line()
            .starts_with("GET /v1/functions/invocations/")
    );
}

/// A redirect to another origin must not carry the key there. reqwest follows redirects by
/// default and strips only the standard credential headers (`authorization`, `cookie`…) on a
/// cross-origin hop, not `x-bb-api-key`; the client therefore follows none, and a redirect is an
/// API error.
#[tokio::test]
async fn a_redirect_does_not_carry_the_key_to_another_origin() {
    let elsewhere = FaultServer::start([Script::json(
        200,
        &bb_api_tests::fixtures::invocation_json("COMPLETED"),
    )])
    .await;
    let location = format!(
        "{}/v1/functions/invocations/{INVOCATION_ID}",
        elsewhere.base_url()
    );
    let server =
        FaultServer::start([Script::respond(302, &[("location", location.as_str())], "")]).await;
    let client = client_custom(&server.base_url(), fast_retry(0), generous_timeouts());
    let err = client
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect_err("302 is not followed");
    assert_eq!(err.status(), Some(302), "{err:?}");
    // Give a follow-up request, if any, time to land.
    elsewhere
        .wait_until(Duration::from_millis(500), |s| s.connections() > 0)
        .await;
    for r in elsewhere.requests() {
        assert!(r.header("x-bb-api-key").is_empty(), "{}", r.head);
    }
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    let build = |url: &str, allow: bool| {
        Client::builder()
            .api_key(KEY)
            .base_url(url)
            .allow_insecure_http(allow)
            .build()
    };
    for url in [
        "http://api.browserbase.com",
        "http://10.0.0.1:8080",
        "http://0.0.0.0:8080",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
        "http://[::ffff:127.0.0.1]:8080",
    ] {
        match build(url, false) {
            Err(Error::Config(e @ ConfigError::InsecureBaseUrl(_))) => {
                let text = e.to_string();
                assert!(text.contains("allow_insecure_http"), "{text}");
                assert_clean("the error", &text);
            }
            other => panic!("{url}: expected InsecureBaseUrl, got {other:?}"),
        }
        assert!(build(url, true).is_ok(), "{url} with allow_insecure_http");
    }
    for url in [
        "http://127.0.0.1:9",
        "http://127.8.9.10:9",
        "http://localhost:9",
        "http://LocalHost:9",
        "http://[::1]:9",
        "https://api.browserbase.com",
        "https://10.0.0.1:8443",
    ] {
        assert!(build(url, false).is_ok(), "{url}");
    }
}

#[test]
fn credentials_in_the_base_url_are_refused_and_not_echoed() {
    let err = Client::builder()
        .api_key(KEY)
        .base_url("https://user:SECRET-7d1e9c@api.browserbase.com")
        .build()
        .expect_err("credentials in the URL");
    assert!(matches!(
        err,
        Error::Config(ConfigError::InvalidBaseUrl { .. })
    ));
    assert_clean("the error", &format!("{err} {err:?}"));
}

/// Validation refuses credentials in a proxy URL without echoing it, and `Debug` of the builder
/// (and of an `Invoke` holding it) drops them from the URL.
#[test]
fn a_password_in_a_proxy_url_is_not_shown_by_debug() {
    for server in [
        "http://user:SECRET-7d1e9c@proxy.internal:8080",
        // The usual way a proxy is written, without a scheme.
        "user:SECRET-7d1e9c@proxy.internal:8080",
    ] {
        assert_proxy_url_is_clean(server);
    }
}

fn assert_proxy_url_is_clean(server: &str) {
    let session = SessionCreateParams::builder().proxies([Proxy::external(server)]);
    let client = client_custom("http://127.0.0.1:9", fast_retry(0), generous_timeouts());
    let invoke = client
        .functions()
        .invoke(FUNCTION_ID)
        .session(session.clone());
    let err = invoke.prepare().expect_err("credentials in the URL");
    assert_clean("the validation error", &format!("{err} {err:?}"));
    assert_clean("Debug", &format!("{session:?} {invoke:?}"));
}

/// A webhook signing secret as the API returns it, and its distinctive middle.
const WHSEC: &str = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtd2hzZWM=";
const WHSEC_KEY: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtd2hzZWM";

#[track_caller]
fn assert_no_whsec(what: &str, text: &str) {
    for secret in [WHSEC, WHSEC_KEY, "LXNlY3JldC1zZWNyZXQtd2hz"] {
        assert!(
            !text.contains(secret),
            "{what} contains the webhook secret {secret:?}:\n{text}"
        );
    }
}

/// Webhook signing secrets come back from create and rotate, once: they never show in `Debug`,
/// errors (a response that does not decode keeps no part of its body) or trace logs.
#[tokio::test]
async fn webhook_signing_secrets_stay_out_of_debug_errors_and_logs() {
    use bb_api_ext::webhooks::{EventType, Verifier};

    let (captured, _guard) = capture();
    let webhook = json!({
        "id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "projectId": "p",
        "endpoint": "https://hooks.example.com/h",
        "eventTypes": ["functions.invocations.completed"],
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-01T00:00:00Z"
    });
    let mut created = webhook.clone();
    created["secret"] = json!(WHSEC);
    // The secret next to a field that does not decode, as a number, and cut short.
    let mut broken = created.clone();
    broken["createdAt"] = json!(7);
    let scripts = [
        Script::json(201, &created),
        Script::json(201, &broken),
        Script::json(201, &json!({"id": 5, "secret": 12345})),
        Script::respond(
            201,
            &[("content-type", "application/json")],
            format!(r#"{{"secret":"{WHSEC}"#),
        ),
        Script::respond(201, &[("content-type", "text/plain")], WHSEC),
        Script::json(200, &json!({"secret": WHSEC})),
        Script::json(200, &json!({"secret": format!("{WHSEC}!")})),
        Script::json(200, &json!(WHSEC)),
    ];
    let server = FaultServer::start(scripts).await;
    let client = client_custom(&server.base_url(), fast_retry(0), generous_timeouts());
    let hooks = client.webhooks();
    let create = || {
        hooks.create(
            "https://hooks.example.com/h",
            [EventType::FunctionsInvocationsCompleted],
        )
    };

    let mut shown = Vec::new();
    let made = create().await.expect("created");
    assert_eq!(made.secret.expose_secret(), WHSEC);
    shown.push(format!("{made:?}"));
    shown.push(format!("{:?}", Verifier::new(made.secret.clone())));
    let mut errors = Vec::new();
    for _ in 0..4 {
        errors.push(create().await.expect_err("does not decode"));
    }
    let rotated = hooks
        .rotate_secret("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
        .await
        .expect("rotated");
    assert_eq!(rotated.expose_secret(), WHSEC);
    shown.push(format!("{rotated:?}"));
    for _ in 0..2 {
        errors.push(
            hooks
                .rotate_secret("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
                .await
                .expect_err("does not decode"),
        );
    }
    assert_eq!(server.requests().len(), 8);
    for e in &errors {
        let Error::Decode(d) = e else {
            panic!("{e:?}");
        };
        assert!(d.body.is_empty(), "{e:?}");
        assert!(
            d.reason
                .ends_with("the body is not shown because it carries a signing secret"),
            "{e}"
        );
        shown.push(error_text(e));
    }
    for text in &shown {
        assert_no_whsec("output", text);
        assert_clean("output", text);
    }
    let logs = captured.text();
    assert!(logs.contains("Webhooks_create"), "{logs}");
    assert!(logs.contains("TRACE"), "{logs}");
    assert_no_whsec("the trace logs", &logs);
}

/// The raw bindings (`bb_api::types`) carry the secret as `WebhookSigningSecret`: the responses'
/// derived `Debug` does not show it, while serde reads and writes it as the plain JSON string.
#[test]
fn the_raw_webhook_responses_do_not_show_the_secret_in_debug() {
    let created = json!({
        "id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "projectId": "p",
        "endpoint": "https://hooks.example.com/h",
        "eventTypes": ["functions.invocations.completed"],
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-01T00:00:00Z",
        "secret": WHSEC
    });
    let rotated = json!({"secret": WHSEC});
    let raw_created: bb_api::types::WebhooksCreateResponse =
        serde_json::from_value(created.clone()).expect("create's 201 decodes");
    let raw_rotated: bb_api::types::WebhooksRotateSecretResponse =
        serde_json::from_value(rotated.clone()).expect("rotate's 200 decodes");
    assert_eq!(raw_created.secret.expose_secret(), WHSEC);
    assert_eq!(raw_rotated.secret.expose_secret(), WHSEC);
    for text in [
        format!("{raw_created:?}"),
        format!("{raw_created:#?}"),
        format!("{raw_rotated:?}"),
    ] {
        assert!(
            text.contains("secret: WebhookSigningSecret([REDACTED])"),
            "{text}"
        );
        assert_no_whsec("Debug of a raw webhook response", &text);
    }
    assert_eq!(serde_json::to_value(&raw_created).ok(), Some(created));
    assert_eq!(serde_json::to_value(&raw_rotated).ok(), Some(rotated));
}
