//! A local stand-in for the Browserbase Functions API, for the examples and benchmarks.
//!
//! NOT the real service: it keeps invocations in memory, "runs" each for a fixed time, and answers on
//! 127.0.0.1 only. It speaks the same wire format as the spec (`openapi/browserbase.yaml`): invoke
//! returns `202` with a `PENDING` invocation; getting it returns `RUNNING`, then `COMPLETED` with
//! results echoing the params (or `FAILED` with a cause when the params hold `"fail": true`).

#![allow(
    dead_code,
    reason = "each example uses a different part of the stand-in"
)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use uuid::Uuid;

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long an invocation runs before it completes.
    pub run_for: Duration,
    /// Answer every invoke and get with one fixed, pre-serialized invocation (no state, no
    /// parsing): a floor for benchmarks.
    pub fixed: bool,
    /// The port to listen on (0: any free port).
    pub port: u16,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            run_for: Duration::from_millis(2500),
            fixed: false,
            port: 0,
        }
    }
}

/// A request as the stand-in received it (API key redacted).
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

struct Stored {
    created: Instant,
    invocation: Value,
    fail: bool,
}

struct State {
    options: Options,
    invocations: Mutex<HashMap<Uuid, Stored>>,
    received: Mutex<Vec<Received>>,
    fixed_invoke: Bytes,
    fixed_get: Bytes,
}

/// A running stand-in; stops when dropped.
pub struct StandIn {
    addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
}

impl StandIn {
    /// Binds 127.0.0.1 and serves in the background.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let sample = invocation_json(Uuid::nil(), Uuid::nil(), json!({}), "PENDING", 900);
        let mut completed = sample.clone();
        completed["status"] = json!("COMPLETED");
        completed["results"] = json!({"ok": true});
        let state = Arc::new(State {
            fixed_invoke: Bytes::from(sample.to_string()),
            fixed_get: Bytes::from(completed.to_string()),
            options,
            invocations: Mutex::new(HashMap::new()),
            received: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(serve(listener, Arc::clone(&state), stopped));
        Ok(Self { addr, state, stop })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Serves until the process ends.
    pub async fn run_forever(self) {
        std::future::pending::<()>().await;
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn serve(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&state);
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&state), req));
                    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = stopped.changed() => {}
                    }
                });
            }
        }
    }
}

type Reply = Response<Full<Bytes>>;

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let key_ok = req
        .headers()
        .get("x-bb-api-key")
        .is_some_and(|k| !k.as_bytes().is_empty());
    let headers: Vec<(String, String)> = if state.options.fixed {
        Vec::new()
    } else {
        req.headers()
            .iter()
            .map(|(k, v)| {
                let value = if k == "x-bb-api-key" {
                    "[REDACTED]".into()
                } else {
                    v.to_str().unwrap_or("?").to_owned()
                };
                (k.as_str().to_owned(), value)
            })
            .collect()
    };
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(error(StatusCode::BAD_REQUEST, "could not read the body")),
    };
    if let Some(mut r) = (!state.options.fixed)
        .then(|| state.received.lock().ok())
        .flatten()
    {
        r.push(Received {
            method: method.to_string(),
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    if !key_ok {
        return Ok(error(StatusCode::UNAUTHORIZED, "missing X-BB-API-Key"));
    }

    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let reply = match (method, parts.as_slice()) {
        (Method::POST, ["v1", "functions", id, "invoke"]) => match Uuid::parse_str(id) {
            Ok(_) if state.options.fixed => {
                json_reply(StatusCode::ACCEPTED, state.fixed_invoke.clone())
            }
            Ok(function_id) => invoke(&state, function_id, &body),
            Err(_) => error(StatusCode::BAD_REQUEST, "id must be a UUID"),
        },
        (Method::GET, ["v1", "functions", "invocations", id]) => match Uuid::parse_str(id) {
            Ok(_) if state.options.fixed => json_reply(StatusCode::OK, state.fixed_get.clone()),
            Ok(id) => get(&state, id),
            Err(_) => error(StatusCode::BAD_REQUEST, "id must be a UUID"),
        },
        _ => error(StatusCode::NOT_FOUND, "no such route"),
    };
    Ok(reply)
}

fn invoke(state: &State, function_id: Uuid, body: &[u8]) -> Reply {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
    };
    let params = body.get("params").cloned().unwrap_or_else(|| json!({}));
    let timeout = body
        .get("sessionCreateParams")
        .and_then(|s| s.get("timeout"))
        .and_then(Value::as_i64)
        .unwrap_or(900);
    if !(60..=900).contains(&timeout) {
        return error(StatusCode::BAD_REQUEST, "timeout must be in 60..=900");
    }
    let fail = params.get("fail") == Some(&Value::Bool(true));
    let id = Uuid::new_v4();
    let invocation = invocation_json(id, function_id, params, "PENDING", timeout);
    let reply = json_reply(StatusCode::ACCEPTED, Bytes::from(invocation.to_string()));
    if let Ok(mut all) = state.invocations.lock() {
        all.insert(
            id,
            Stored {
                created: Instant::now(),
                invocation,
                fail,
            },
        );
    }
    reply
}

fn get(state: &State, id: Uuid) -> Reply {
    let Ok(all) = state.invocations.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned");
    };
    let Some(stored) = all.get(&id) else {
        return error(StatusCode::NOT_FOUND, "no such invocation");
    };
    let elapsed = stored.created.elapsed();
    let mut inv = stored.invocation.clone();
    let now = chrono::Utc::now().to_rfc3339();
    if elapsed < state.options.run_for / 5 {
        // Still PENDING.
    } else if elapsed < state.options.run_for {
        inv["status"] = json!("RUNNING");
        inv["updatedAt"] = json!(now);
    } else if stored.fail {
        inv["status"] = json!("FAILED");
        inv["endedAt"] = json!(now);
        inv["cause"] =
            json!({"code": "WORKLOAD_ERROR", "message": "the Function threw: fail was requested"});
    } else {
        inv["status"] = json!("COMPLETED");
        inv["endedAt"] = json!(now);
        inv["results"] = json!({
            "title": "Example Domain",
            "echo": stored.invocation["params"],
            "servedBy": "bb-api local stand-in",
        });
    }
    json_reply(StatusCode::OK, Bytes::from(inv.to_string()))
}

fn invocation_json(
    id: Uuid,
    function_id: Uuid,
    params: Value,
    status: &str,
    timeout: i64,
) -> Value {
    let now = chrono::Utc::now();
    json!({
        "id": id,
        "projectId": "00000000-0000-4000-8000-000000000001",
        "functionId": function_id,
        "versionId": "00000000-0000-4000-8000-000000000002",
        "sessionId": Uuid::new_v4(),
        "region": "local",
        "params": params,
        "status": status,
        "createdAt": now.to_rfc3339(),
        "updatedAt": now.to_rfc3339(),
        "startedAt": now.to_rfc3339(),
        "expiresAt": (now + chrono::Duration::seconds(timeout)).to_rfc3339(),
    })
}

fn json_reply(status: StatusCode, body: Bytes) -> Reply {
    let mut reply = Response::new(Full::new(body));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    reply
}

fn error(status: StatusCode, message: &str) -> Reply {
    json_reply(
        status,
        Bytes::from(json!({"statusCode": status.as_u16(), "error": message}).to_string()),
    )
}
