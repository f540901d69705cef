//! Fault injection against the `bb-api-ext` client on 127.0.0.1: each case asserts the client's
//! result and how many attempts the server saw.
//!
//! httpmock serves the faults it can express (a fixed status, a body, a content type); the scripted
//! raw server in `bb_api_tests::fault_server` serves the rest (sequences, resets, early closes,
//! stalls, huge streamed bodies). Where the server cannot see an attempt (nothing listens, or the
//! connection never gets past the listener's backlog), attempts are counted from the client's
//! `bb_api.request` tracing spans instead.
//!
//! Default retry policy, as these cases pin it: a GET is retried on connection errors, timeouts
//! and 408/429/5xx; an invoke (POST) only on 429 and failures before the request was sent, unless
//! `InvokeRetry::AllowDuplicates`.

use std::time::Duration;

use bb_api_ext::webhooks::EventType;
use bb_api_ext::{Error, Invocation, InvocationStatus, InvokeRetry, TimeoutKind};
use bb_api_tests::capture::capture;
use bb_api_tests::fault_server::{FaultServer, Script, Step, head, refused_port, response};
use bb_api_tests::fixtures::invocation_json;
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, client_custom, fast_retry, generous_timeouts,
};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;
use tokio::time::Instant;

const INVOKE_PATH: &str = "/v1/functions/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/invoke";
const GET_PATH: &str = "/v1/functions/invocations/0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e";
const JSON: (&str, &str) = ("content-type", "application/json");
const FIFTY_MB: u64 = 50 * 1024 * 1024;

async fn invoke(client: &bb_api_ext::Client) -> Result<Invocation, Error> {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(json!({"url": "https://example.com"}))
        .send()
        .await
}

async fn get(client: &bb_api_ext::Client) -> Result<Invocation, Error> {
    client.invocations().get(INVOCATION_ID).await
}

fn pending() -> Script {
    Script::json(202, &invocation_json("PENDING"))
}

fn error_body(message: &str) -> serde_json::Value {
    json!({"statusCode": 0, "error": "Error", "message": message})
}

#[track_caller]
fn expect_ok(result: Result<Invocation, Error>) -> Invocation {
    match result {
        Ok(inv) => inv,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

#[track_caller]
fn expect_api(result: Result<Invocation, Error>, status: u16) -> bb_api_ext::ApiError {
    match result {
        Err(Error::Api(e)) if e.status == status => e,
        other => panic!("expected Error::Api with status {status}, got {other:?}"),
    }
}

#[track_caller]
fn expect_transport(result: Result<Invocation, Error>, sent: bool) {
    match result {
        Err(Error::Transport { request_sent, .. }) if request_sent == sent => {}
        other => panic!("expected Error::Transport {{ request_sent: {sent} }}, got {other:?}"),
    }
}

#[track_caller]
fn expect_timeout(result: Result<Invocation, Error>, want: TimeoutKind) {
    match result {
        Err(Error::Timeout(kind)) if kind == want => {}
        other => panic!("expected Error::Timeout({want:?}), got {other:?}"),
    }
}

#[track_caller]
fn expect_decode(result: Result<Invocation, Error>, status: u16) -> bb_api_ext::DecodeError {
    match result {
        Err(Error::Decode(e)) if e.status == status => *e,
        other => panic!("expected Error::Decode with status {status}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 429 and Retry-After
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_with_retry_after_seconds_then_success() {
    let server = FaultServer::start([
        Script::respond(
            429,
            &[JSON, ("retry-after", "1")],
            error_body("slow down").to_string(),
        ),
        pending(),
    ])
    .await;
    // Backoff is 1–5 ms: a wait of a second can only be the server's Retry-After.
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let started = Instant::now();
    let inv = expect_ok(invoke(&client).await);
    assert_eq!(inv.status, InvocationStatus::Pending);
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limited_with_retry_after_http_date_then_success() {
    // Two seconds ahead, rounded down to the second by the date format: a wait of 1–2 s.
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let server = FaultServer::start([
        Script::respond(429, &[JSON, ("retry-after", &date)], "{}"),
        Script::json(200, &invocation_json("RUNNING")),
    ])
    .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let started = Instant::now();
    let inv = expect_ok(get(&client).await);
    assert_eq!(inv.status, InvocationStatus::Running);
    assert_eq!(server.connections(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limited_with_retry_after_above_the_maximum_is_returned_at_once() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(INVOKE_PATH);
            then.status(429)
                .header("content-type", "application/json")
                .header("retry-after", "3600")
                .json_body(error_body("quota"));
        })
        .await;
    let retry = fast_retry(5).with_max_retry_after(Duration::from_secs(30));
    let client = client_custom(&server.base_url(), retry, generous_timeouts());
    match invoke(&client).await {
        Err(Error::RateLimited { retry_after, error }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
            assert_eq!(error.status, 429);
            assert!(error.body.as_str().contains("quota"), "{error}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn rate_limited_without_retry_after_exhausts_retries_even_for_invoke() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(INVOKE_PATH);
            then.status(429).json_body(error_body("busy"));
        })
        .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    match invoke(&client).await {
        Err(Error::RateLimited {
            retry_after: None,
            error,
        }) => assert_eq!(error.status, 429),
        other => panic!("expected RateLimited without retry_after, got {other:?}"),
    }
    assert_eq!(mock.calls_async().await, 3);
}

// ---------------------------------------------------------------------------------------------
// 5xx
// ---------------------------------------------------------------------------------------------

const SERVER_ERRORS: [u16; 4] = [500, 502, 503, 504];

async fn server_error_mock(server: &MockServer, status: u16, post: bool) -> httpmock::Mock<'_> {
    let (method, path) = if post {
        (POST, INVOKE_PATH)
    } else {
        (GET, GET_PATH)
    };
    server
        .mock_async(|when, then| {
            when.method(method).path(path);
            then.status(status).json_body(error_body("upstream"));
        })
        .await
}

#[tokio::test]
async fn server_errors_on_invoke_are_not_retried_by_default() {
    for status in SERVER_ERRORS {
        let server = MockServer::start_async().await;
        let mock = server_error_mock(&server, status, true).await;
        let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
        let e = expect_api(invoke(&client).await, status);
        assert_eq!(e.operation, "Functions_invoke");
        assert!(e.body.as_str().contains("upstream"), "{e}");
        assert_eq!(mock.calls_async().await, 1, "status {status}");
    }
}

#[tokio::test]
async fn server_errors_on_invoke_are_retried_when_duplicates_are_allowed() {
    for status in SERVER_ERRORS {
        let server = MockServer::start_async().await;
        let mock = server_error_mock(&server, status, true).await;
        let retry = fast_retry(2).with_invoke(InvokeRetry::AllowDuplicates);
        let client = client_custom(&server.base_url(), retry, generous_timeouts());
        expect_api(invoke(&client).await, status);
        assert_eq!(mock.calls_async().await, 3, "status {status}");
    }
}

/// `InvokeRetry` speaks for invokes only: a webhook create that may have landed is not repeated
/// (a second would be a duplicate endpoint), whatever the client allows for invokes.
#[tokio::test]
async fn server_errors_on_webhook_create_are_not_retried_even_when_invoke_duplicates_are_allowed() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/webhooks");
            then.status(503).json_body(error_body("upstream"));
        })
        .await;
    let retry = fast_retry(2).with_invoke(InvokeRetry::AllowDuplicates);
    let client = client_custom(&server.base_url(), retry, generous_timeouts());
    let err = client
        .webhooks()
        .create(
            "https://hooks.example.com/bb",
            [EventType::FunctionsInvocationsCompleted],
        )
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn server_errors_on_get_are_retried() {
    for status in SERVER_ERRORS {
        let server = MockServer::start_async().await;
        let mock = server_error_mock(&server, status, false).await;
        let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
        let e = expect_api(get(&client).await, status);
        assert_eq!(e.operation, "Invocations_get");
        assert_eq!(mock.calls_async().await, 3, "status {status}");
    }
}

#[tokio::test]
async fn server_error_on_get_then_success() {
    let server = FaultServer::start([
        Script::json(503, &error_body("deploying")),
        Script::json(200, &invocation_json("COMPLETED")),
    ])
    .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let inv = expect_ok(get(&client).await);
    assert_eq!(inv.status, InvocationStatus::Completed);
    assert_eq!(server.connections(), 2);
}

// ---------------------------------------------------------------------------------------------
// Connections refused, reset, closed
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_on_get_is_retried() {
    let (captured, _guard) = capture();
    let url = format!("http://127.0.0.1:{}", refused_port());
    let client = client_custom(&url, fast_retry(2), generous_timeouts());
    expect_transport(get(&client).await, false);
    // Nothing listens, so no server can count: the client's own attempt spans do.
    assert_eq!(captured.attempts(), 3);
    assert_eq!(captured.retries(), 2);
}

#[tokio::test]
async fn connection_refused_on_invoke_is_retried_since_nothing_was_sent() {
    let (captured, _guard) = capture();
    let url = format!("http://127.0.0.1:{}", refused_port());
    let client = client_custom(&url, fast_retry(2), generous_timeouts());
    expect_transport(invoke(&client).await, false);
    assert_eq!(captured.attempts(), 3);
    assert_eq!(captured.retries(), 2);
}

/// A reset right after the handshake, before the server reads anything. The client has written
/// its request by then (or is writing it) and cannot know whether it arrived, so it reports
/// `request_sent: true`: an invoke is not retried, a GET is.
#[tokio::test]
async fn reset_before_the_request_is_read() {
    let server = FaultServer::start(vec![Script::reset_at_once(); 4]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    expect_transport(invoke(&client).await, true);
    assert_eq!(server.connections(), 1);
    expect_transport(get(&client).await, true);
    assert_eq!(server.connections(), 4);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn close_before_the_request_is_read() {
    let server = FaultServer::start(vec![Script::close_at_once(); 4]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    expect_transport(invoke(&client).await, true);
    assert_eq!(server.connections(), 1);
    expect_transport(get(&client).await, true);
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn reset_after_the_request_is_sent() {
    let server = FaultServer::start(vec![Script::read_then_reset(); 7]).await;
    let base = server.base_url();

    let default = client_custom(&base, fast_retry(2), generous_timeouts());
    expect_transport(invoke(&default).await, true);
    assert_eq!(server.requests().len(), 1);

    let duplicates = client_custom(
        &base,
        fast_retry(2).with_invoke(InvokeRetry::AllowDuplicates),
        generous_timeouts(),
    );
    expect_transport(invoke(&duplicates).await, true);
    assert_eq!(server.requests().len(), 4);

    expect_transport(get(&default).await, true);
    assert_eq!(server.requests().len(), 7);
    assert_eq!(server.connections(), 7);
}

#[tokio::test]
async fn close_after_the_request_is_sent_without_an_answer() {
    let server = FaultServer::start(vec![Script::read_then_close(); 4]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    expect_transport(invoke(&client).await, true);
    assert_eq!(server.requests().len(), 1);
    expect_transport(get(&client).await, true);
    assert_eq!(server.requests().len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Timeouts: connect, attempt, overall; slow headers and slow bodies
// ---------------------------------------------------------------------------------------------

const SHORT: Duration = Duration::from_millis(150);
const STALL: Duration = Duration::from_secs(10);

/// A listener that never accepts, its backlog full: the kernel drops further SYNs, so connecting
/// hangs until the client's connect timeout.
async fn full_backlog() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    let listener = socket.listen(1).expect("listen");
    let port = listener.local_addr().expect("address").port();
    let mut fillers = Vec::new();
    // A backlog of 1 holds two connections on Linux; try a few more, each bounded in time.
    for _ in 0..4 {
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
        if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_millis(100), connect).await {
            fillers.push(stream);
        }
    }
    (listener, fillers, port)
}

#[tokio::test]
async fn connect_timeout_is_retried_for_get_and_invoke() {
    let (_listener, fillers, port) = full_backlog().await;
    assert!(!fillers.is_empty(), "the backlog took no connection at all");
    let (captured, _guard) = capture();
    let url = format!("http://127.0.0.1:{port}");
    let timeouts = generous_timeouts().with_connect(Duration::from_millis(100));
    let client = client_custom(&url, fast_retry(2), timeouts);

    expect_timeout(
        get(&client).await,
        TimeoutKind::Connect(Duration::from_millis(100)),
    );
    assert_eq!(captured.attempts(), 3);
    // Not connected, so not sent: an invoke is retried too.
    expect_timeout(
        invoke(&client).await,
        TimeoutKind::Connect(Duration::from_millis(100)),
    );
    assert_eq!(captured.attempts(), 6);
}

/// The connect timeout covers connecting only: slow headers and a slow body after a quick connect
/// succeed (each is slower than the connect timeout, and within the attempt timeout).
#[tokio::test]
async fn slow_headers_and_body_do_not_trip_the_connect_timeout() {
    let body = invocation_json("PENDING").to_string();
    let (first, rest) = body.split_at(10);
    let length = body.len().to_string();
    let mut start = head(202, &[JSON, ("content-length", &length)]);
    start.extend_from_slice(first.as_bytes());
    let server = FaultServer::start([
        Script::delayed(Duration::from_millis(300), 202, &[JSON], body.as_bytes()),
        Script::new()
            .then(Step::ReadRequest)
            .then(Step::Write(start))
            .then(Step::Sleep(Duration::from_millis(300)))
            .then(Step::Write(rest.as_bytes().to_vec())),
    ])
    .await;
    let timeouts = generous_timeouts().with_connect(Duration::from_millis(100));
    let client = client_custom(&server.base_url(), fast_retry(0), timeouts);
    expect_ok(invoke(&client).await);
    expect_ok(get(&client).await);
    assert_eq!(server.connections(), 2);
}

fn slow_headers() -> Script {
    Script::new()
        .then(Step::ReadRequest)
        .then(Step::Sleep(STALL))
}

/// Headers and the first 20 bytes of a 300-byte JSON body, then nothing.
fn slow_body(status: u16) -> Script {
    let mut bytes = head(status, &[JSON, ("content-length", "300")]);
    bytes.extend_from_slice(br#"{"id": "0b7c6d5e-4f3a"#);
    Script::new()
        .then(Step::ReadRequest)
        .then(Step::Write(bytes))
        .then(Step::Sleep(STALL))
}

#[tokio::test]
async fn slow_headers_against_the_attempt_timeout() {
    let server = FaultServer::start(vec![slow_headers(); 4]).await;
    let timeouts = generous_timeouts().with_attempt(SHORT);
    let client = client_custom(&server.base_url(), fast_retry(2), timeouts);
    expect_timeout(invoke(&client).await, TimeoutKind::Attempt(SHORT));
    assert_eq!(server.requests().len(), 1);
    expect_timeout(get(&client).await, TimeoutKind::Attempt(SHORT));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn slow_headers_against_the_overall_timeout() {
    let server = FaultServer::start(vec![slow_headers(); 2]).await;
    let timeouts = generous_timeouts().with_overall(SHORT);
    let client = client_custom(&server.base_url(), fast_retry(2), timeouts);
    expect_timeout(invoke(&client).await, TimeoutKind::Overall(SHORT));
    expect_timeout(get(&client).await, TimeoutKind::Overall(SHORT));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn slow_body_against_the_attempt_timeout() {
    let server = FaultServer::start(vec![slow_body(200); 4]).await;
    let timeouts = generous_timeouts().with_attempt(SHORT);
    let client = client_custom(&server.base_url(), fast_retry(2), timeouts);
    expect_timeout(invoke(&client).await, TimeoutKind::Attempt(SHORT));
    assert_eq!(server.requests().len(), 1);
    expect_timeout(get(&client).await, TimeoutKind::Attempt(SHORT));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn slow_body_against_the_overall_timeout() {
    let server = FaultServer::start(vec![slow_body(202); 2]).await;
    let timeouts = generous_timeouts().with_overall(SHORT);
    let client = client_custom(&server.base_url(), fast_retry(2), timeouts);
    expect_timeout(invoke(&client).await, TimeoutKind::Overall(SHORT));
    expect_timeout(get(&client).await, TimeoutKind::Overall(SHORT));
    assert_eq!(server.requests().len(), 2);
}

/// A GET whose first attempt times out is retried; the second has less time left than a whole
/// attempt, so the overall timeout ends it.
#[tokio::test]
async fn attempt_timeouts_retried_until_the_overall_timeout() {
    let server = FaultServer::start(vec![slow_headers(); 3]).await;
    let overall = Duration::from_millis(900);
    let timeouts = generous_timeouts()
        .with_attempt(Duration::from_millis(500))
        .with_overall(overall);
    let client = client_custom(&server.base_url(), fast_retry(5), timeouts);
    expect_timeout(get(&client).await, TimeoutKind::Overall(overall));
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Bodies: truncated, HTML, wrong content type, huge
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn truncated_json_is_a_decode_error_and_not_retried() {
    let full = invocation_json("PENDING").to_string();
    let cut = &full[..full.len() / 2];
    let server = FaultServer::start([
        Script::respond(202, &[JSON], cut),
        Script::respond(200, &[JSON], cut),
    ])
    .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_decode(invoke(&client).await, 202);
    assert!(
        e.reason.starts_with("invalid JSON: EOF while parsing"),
        "{e}"
    );
    assert_eq!(e.body.as_str(), cut);
    assert_eq!(server.connections(), 1);
    let e = expect_decode(get(&client).await, 200);
    assert!(
        e.reason.starts_with("invalid JSON: EOF while parsing"),
        "{e}"
    );
    assert_eq!(server.connections(), 2);
}

/// The connection closes 20 bytes into a 300-byte body: a transport error after sending.
#[tokio::test]
async fn body_cut_short_by_the_connection() {
    let cut = || {
        let mut bytes = head(202, &[JSON, ("content-length", "300")]);
        bytes.extend_from_slice(br#"{"id": "0b7c6d5e-4f3a"#);
        Script::new()
            .then(Step::ReadRequest)
            .then(Step::Write(bytes))
            .then(Step::Close)
    };
    let server = FaultServer::start(vec![cut(); 4]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    expect_transport(invoke(&client).await, true);
    assert_eq!(server.requests().len(), 1);
    expect_transport(get(&client).await, true);
    assert_eq!(server.requests().len(), 4);
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[tokio::test]
async fn html_502_page() {
    let server = MockServer::start_async().await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST).path(INVOKE_PATH);
            then.status(502)
                .header("content-type", "text/html")
                .body(HTML_502);
        })
        .await;
    let get_mock = server
        .mock_async(|when, then| {
            when.method(GET).path(GET_PATH);
            then.status(502)
                .header("content-type", "text/html")
                .body(HTML_502);
        })
        .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_api(invoke(&client).await, 502);
    assert_eq!(e.body.as_str(), HTML_502);
    assert!(!e.body.is_truncated());
    assert_eq!(post.calls_async().await, 1);
    let e = expect_api(get(&client).await, 502);
    assert_eq!(e.body.as_str(), HTML_502);
    assert_eq!(get_mock.calls_async().await, 3);
}

#[tokio::test]
async fn wrong_content_type_is_a_decode_error_and_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(GET_PATH);
            then.status(200)
                .header("content-type", "text/html; charset=utf-8")
                .body(invocation_json("COMPLETED").to_string());
        })
        .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_decode(get(&client).await, 200);
    assert_eq!(
        e.reason,
        r#"expected a JSON body, got content-type "text/html; charset=utf-8""#
    );
    assert_eq!(e.content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(mock.calls_async().await, 1);
}

/// A 50 MB body: the head, then spaces streamed in 64 KiB chunks (never 50 MB in memory).
fn huge(status: u16, declare_length: bool) -> Script {
    let length = FIFTY_MB.to_string();
    let headers: Vec<(&str, &str)> = if declare_length {
        vec![JSON, ("content-length", &length)]
    } else {
        // No length: the body runs to the end of the connection.
        vec![JSON]
    };
    Script::new()
        .then(Step::ReadRequest)
        .then(Step::Write(head(status, &headers)))
        .then(Step::Stream { len: FIFTY_MB })
}

/// The client gave up on the body: the server's writes failed (the client closed the connection)
/// before the end. How far they got depends on the kernel's socket buffers (on Linux, autotuned
/// receive buffers can take tens of MB), so only "not to the end" is asserted.
async fn assert_not_read_whole(server: &FaultServer) {
    let failed = server
        .wait_until(Duration::from_secs(10), FaultServer::stream_write_failed)
        .await;
    assert!(failed, "the server's writes never failed");
    assert_eq!(server.streams_completed(), 0);
    assert!(server.bytes_streamed() < FIFTY_MB);
    eprintln!(
        "the server wrote {} of {FIFTY_MB} bytes before the client closed",
        server.bytes_streamed()
    );
}

#[tokio::test]
async fn fifty_mb_success_body_with_content_length_is_refused_unread() {
    let server = FaultServer::start([huge(202, true)]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_decode(invoke(&client).await, 202);
    assert_eq!(
        e.reason,
        "the body is 52428800 bytes, over the client's limit of 16777216 \
         (ClientBuilder::max_response_bytes)"
    );
    assert!(e.body.is_empty() && e.body.is_truncated());
    assert_eq!(server.connections(), 1);
    assert_not_read_whole(&server).await;
}

#[tokio::test]
async fn fifty_mb_success_body_without_length_stops_at_the_limit() {
    let server = FaultServer::start([huge(200, false)]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_decode(get(&client).await, 200);
    assert_eq!(
        e.reason,
        "the body is over the client's limit of 16777216 bytes (ClientBuilder::max_response_bytes)"
    );
    assert!(e.body.is_truncated());
    assert_eq!(e.body.as_str().len(), bb_api_ext::BodySnippet::MAX_BYTES);
    assert_eq!(server.connections(), 1);
    assert_not_read_whole(&server).await;
}

#[tokio::test]
async fn fifty_mb_error_body_keeps_a_snippet() {
    let server = FaultServer::start([huge(500, true)]).await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_api(invoke(&client).await, 500);
    assert!(e.body.is_truncated());
    assert_eq!(
        e.body.as_str(),
        " ".repeat(bb_api_ext::BodySnippet::MAX_BYTES)
    );
    assert_eq!(server.connections(), 1);
    assert_not_read_whole(&server).await;
}

// Keep `response` in use for hand-written cases.
#[test]
fn response_helper_frames_a_body() {
    let bytes = response(200, &[JSON], b"{}");
    let text = String::from_utf8(bytes).expect("ascii");
    assert_eq!(
        text,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}"
    );
}

/// An error body cut short (the connection closes 20 bytes into 300) still leaves the status and
/// what was read, marked truncated.
#[tokio::test]
async fn error_body_cut_short_keeps_what_was_read() {
    let mut bytes = head(500, &[JSON, ("content-length", "300")]);
    bytes.extend_from_slice(br#"{"message": "overload"#);
    let server = FaultServer::start([Script::new()
        .then(Step::ReadRequest)
        .then(Step::Write(bytes))
        .then(Step::Close)])
    .await;
    let client = client_custom(&server.base_url(), fast_retry(2), generous_timeouts());
    let e = expect_api(invoke(&client).await, 500);
    assert_eq!(e.body.as_str(), r#"{"message": "overload"#);
    assert!(e.body.is_truncated());
    assert_eq!(server.connections(), 1);
}

// ---------------------------------------------------------------------------------------------
// Observability
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_attempt_is_a_span_with_operation_attempt_status_latency_and_request_id() {
    let (captured, _guard) = capture();
    let body = invocation_json("PENDING").to_string();
    let server = FaultServer::start([
        Script::respond(503, &[("x-request-id", "req-first")], ""),
        Script::respond(
            202,
            &[
                ("content-type", "application/json"),
                ("x-request-id", "req-second"),
            ],
            body.as_str(),
        ),
    ])
    .await;
    let client = client_custom(
        &server.base_url(),
        fast_retry(2).with_invoke(InvokeRetry::AllowDuplicates),
        generous_timeouts(),
    );
    expect_ok(invoke(&client).await);
    let text = captured.text();
    assert_eq!(captured.attempts(), 2, "{text}");
    for want in [
        "bb_api.request{operation=\"Functions_invoke\" id=\"6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f\" attempt=1 method=POST status=503",
        "request_id=\"req-first\"",
        "bb_api.request{operation=\"Functions_invoke\" id=\"6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f\" attempt=2 method=POST status=202",
        "request_id=\"req-second\"",
        "latency_ms=",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
