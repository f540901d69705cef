//! [`FakeDevServer`]: a stand-in for the local development server `bb dev`, on 127.0.0.1.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::record::{RecordedRequest, Recorder};
use crate::{Client, ClientBuilder, PollSchedule};

/// The largest request body read.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What a Function defined on a [`FakeDevServer`] does when invoked.
///
/// ```
/// use bb_api_ext::testing::DevHandler;
/// use std::time::Duration;
///
/// let ok = DevHandler::returns(serde_json::json!({"title": "Example Domain"}));
/// let slow = ok.clone().taking(Duration::from_millis(200));
/// let boom = DevHandler::throws("TypeError", "cannot read properties of undefined", ["at run (index.ts:12:5)"]);
/// # let _ = (slow, boom);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DevHandler {
    outcome: Outcome,
    run_time: Duration,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Returns(Value),
    Throws {
        kind: String,
        message: String,
        stack: Vec<String>,
    },
}

impl DevHandler {
    /// Returns `value` (as the handler's return value; `null` is answered as `{}`, as `bb dev`
    /// does).
    pub fn returns(value: Value) -> Self {
        Self {
            outcome: Outcome::Returns(value),
            run_time: Duration::ZERO,
        }
    }

    /// Throws an error of type `kind` (`Error`, `TypeError`…) with this message and stack trace.
    pub fn throws<I, S>(kind: impl Into<String>, message: impl Into<String>, stack: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            outcome: Outcome::Throws {
                kind: kind.into(),
                message: message.into(),
                stack: stack.into_iter().map(Into::into).collect(),
            },
            run_time: Duration::ZERO,
        }
    }

    /// Runs this long (on tokio's clock) before it returns or throws.
    pub fn taking(mut self, run_time: Duration) -> Self {
        self.run_time = run_time;
        self
    }
}

struct Shared {
    functions: Mutex<HashMap<String, DevHandler>>,
    /// Whether an invocation is running: `bb dev` runs one at a time and answers 503 meanwhile.
    busy: Mutex<bool>,
    /// 503 "No runtime connected" answers still to give.
    not_connected: Mutex<usize>,
    recorder: Recorder,
}

/// A fake `bb dev` (the local development server of `@browserbasehq/sdk-functions`) on 127.0.0.1,
/// with the behaviour its source shows: invoke by name at `POST /v1/functions/{name}/invoke`,
/// answered when the handler ends (200 with its return value, `null` as `{}`; 500
/// `{"error":{"message","type","stackTrace"}}` when it throws); 404 for a name not defined; 503
/// `Another invocation is in progress` while one runs (one at a time); 400 `Invalid request body`
/// with `details` when the body is not an object or `functionName` is not a string; 500 for a body
/// that is not JSON; `GET /` → `{"ok":true}`; any other route 404 `{"error":"Not found"}`; no API
/// key checked. It does not create browser sessions.
///
/// ```
/// use bb_api_ext::testing::{DevHandler, FakeDevServer};
/// use serde_json::json;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dev = FakeDevServer::start().await?;
/// dev.define("scrape-title", DevHandler::returns(json!({"title": "Example Domain"})));
///
/// let client = dev.client(); // as Client::dev() would be, at this server's address
/// let done = client.functions().invoke("scrape-title").params(json!({"url": "https://example.com"})).send_and_wait().await?;
/// assert_eq!(done.results, Some(json!({"title": "Example Domain"})));
/// assert_eq!(dev.requests()[0].path, "/v1/functions/scrape-title/invoke");
/// # Ok(()) }
/// ```
pub struct FakeDevServer {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    stop: Option<watch::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeDevServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDevServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FakeDevServer {
    /// Starts one on 127.0.0.1 at a free port, with no Functions defined.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            functions: Mutex::new(HashMap::new()),
            busy: Mutex::new(false),
            not_connected: Mutex::new(0),
            recorder: Recorder::default(),
        });
        let (stop, stopped) = watch::channel(());
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(Self {
            addr,
            url: format!("http://{addr}"),
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A dev-mode builder for this server ([`ClientBuilder::dev_server`]), polling every 10 ms.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .dev_server(self.url.clone())
            .poll_schedule(PollSchedule::every(Duration::from_millis(10)))
    }

    /// A dev-mode client for this server.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            // A loopback http URL with no key is always a valid dev-mode configuration.
            Err(e) => unreachable!("a dev client for {}: {e}", self.url),
        }
    }

    /// Defines (or replaces) the Function `name`, as `defineFn(name, …)` in the entrypoint would.
    pub fn define(&self, name: impl Into<String>, handler: DevHandler) {
        lock(&self.shared.functions).insert(name.into(), handler);
    }

    /// Answers the next `times` invokes 503 `No runtime connected`, as `bb dev` does before the
    /// entrypoint's runtime has connected.
    pub fn runtime_not_connected_for(&self, times: usize) {
        *lock(&self.shared.not_connected) = times;
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.all()
    }

    /// Stops serving and waits until every connection is closed.
    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeDevServer {
    fn drop(&mut self) {
        self.stop.take();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

fn answer(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Clears the busy flag when the invocation ends, however it ends (a client that went away
/// drops the handler's future).
struct Running<'a>(&'a Mutex<bool>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *lock(self.0) = false;
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let path = parts.uri.path().to_owned();
    shared.recorder.push(RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
        operation: None,
    });
    // `bb dev` serves the API's invoke path (by name), from the generated operation table, and
    // a health check at `/`.
    let invoke_name = bb_api::operations::route(parts.method.as_str(), &path, |op| {
        op == bb_api::operations::OperationId::FunctionsInvoke
    })
    .and_then(|(_, ids)| ids.first().copied());
    let name = match (parts.method.as_str(), path.as_str(), invoke_name) {
        ("GET", "/", _) => return Ok(answer(StatusCode::OK, &json!({"ok": true}))),
        (_, _, Some(name)) if !name.is_empty() => percent_decode(name),
        _ => {
            return Ok(answer(
                StatusCode::NOT_FOUND,
                &json!({"error": "Not found"}),
            ));
        }
    };
    Ok(invoke(&shared, &name, &body).await)
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("n={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn invoke(shared: &Shared, name: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": "Internal Server Error", "message": "An internal error occurred"}),
        );
    };
    let mut issues = Vec::new();
    match &request {
        Value::Object(map) => {
            if map.get("functionName").is_some_and(|n| !n.is_string()) {
                issues.push(json!({"code": "invalid_type", "expected": "string", "path": ["functionName"], "message": "Invalid input: expected string"}));
            }
        }
        _ => issues.push(json!({"code": "invalid_type", "expected": "object", "path": [], "message": "Invalid input: expected object"})),
    }
    if !issues.is_empty() {
        return answer(
            StatusCode::BAD_REQUEST,
            &json!({"error": "Bad Request", "message": "Invalid request body", "details": issues}),
        );
    }
    let Some(handler) = lock(&shared.functions).get(name).cloned() else {
        return answer(
            StatusCode::NOT_FOUND,
            &json!({"error": "Not Found", "message": format!("Function \"{name}\" not found in registry. Make sure it is defined with defineFn() in your entrypoint file.")}),
        );
    };
    {
        let mut not_connected = lock(&shared.not_connected);
        if *not_connected > 0 {
            *not_connected -= 1;
            return unavailable("No runtime connected");
        }
    }
    {
        let mut busy = lock(&shared.busy);
        if *busy {
            return unavailable("Another invocation is in progress");
        }
        *busy = true;
    }
    let _running = Running(&shared.busy);
    tokio::time::sleep(handler.run_time).await;
    match handler.outcome {
        Outcome::Returns(Value::Null) => answer(StatusCode::OK, &json!({})),
        Outcome::Returns(value) => answer(StatusCode::OK, &value),
        Outcome::Throws {
            kind,
            message,
            stack,
        } => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": {"message": message, "type": kind, "stackTrace": stack}}),
        ),
    }
}

fn unavailable(message: &str) -> Response<Full<Bytes>> {
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        &json!({"error": "Service Unavailable", "message": message}),
    )
}
