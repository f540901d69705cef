//! The HTTP plumbing: accepting connections on 127.0.0.1, reading each request (bounded), recording
//! it, injecting faults, checking the API key, and handing it to the routes.

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::faults::{Fault, Faults};
use super::record::{REDACTED, RecordedRequest, Recorder};
use super::routes::{self, Operation, Reply};
use super::state::State;

/// The largest request body read (but an upload's: `store::MAX_UPLOAD_BYTES`); a larger one is
/// answered 413.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The API key header, as hyper spells header names.
const API_KEY_HEADER: &str = "x-bb-api-key";

/// Everything the connections share.
pub(crate) struct Shared {
    pub(crate) api_key: &'static str,
    pub(crate) state: Mutex<State>,
    pub(crate) faults: Faults,
    pub(crate) recorder: Recorder,
    /// Pre-serialized answers of the fixed mode.
    pub(crate) fixed: Option<Fixed>,
    /// Wakes the delivery task: something may have queued an event or moved the clock.
    pub(crate) wake: tokio::sync::Notify,
    /// Every delivery attempt, bounded.
    pub(crate) delivery_log: super::delivery_log::DeliveryLog,
    /// Whether each delivered event is sent a second time.
    pub(crate) duplicate_deliveries: bool,
}

impl Shared {
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fixed mode's two answers: a `PENDING` invocation for any invoke, a `COMPLETED` one for any
/// invocation get.
pub(crate) struct Fixed {
    pub(crate) invoke: Bytes,
    pub(crate) get: Bytes,
}

/// The error a service returns to make hyper close the connection without answering.
#[derive(Debug)]
struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for CloseConnection {}

type Answer = Result<Response<Full<Bytes>>, CloseConnection>;

/// How long the server waits after a failed accept before it accepts again.
const ACCEPT_ERROR_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// Serves `listener` until `stop` changes or its sender is dropped, then aborts every connection
/// and waits for them to end.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors (or another transient error): pause rather than
                    // spin until a connection closes.
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    // An error here is a client that went away, or an injected close: nothing to do.
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

fn reply(r: Reply) -> Response<Full<Bytes>> {
    let has_body = !r.body.is_empty();
    let mut response = Response::new(Full::new(r.body));
    *response.status_mut() = r.status;
    if has_body {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(secs) = r.retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn fixed_reply(status: StatusCode, body: Bytes) -> Answer {
    Ok(reply(Reply {
        status,
        body,
        retry_after: None,
    }))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Answer {
    // The benchmarks' floor: no recording, no state, no parsing; just the key's presence.
    if let Some(fixed) = &shared.fixed
        && !shared.faults.any_armed()
        && let Some(body) = fixed_body(fixed, &req)
    {
        let key_present = req
            .headers()
            .get(API_KEY_HEADER)
            .is_some_and(|k| !k.as_bytes().is_empty());
        let Ok(_) = req.into_body().collect().await else {
            return Ok(reply(Reply::error(
                StatusCode::BAD_REQUEST,
                "could not read the body",
            )));
        };
        if !key_present {
            return Ok(reply(unauthorized()));
        }
        return fixed_reply(body.0, body.1);
    }

    let (parts, body) = req.into_parts();
    // An upload streams through the multipart parser in bounded memory (up to its own, larger
    // limit); every other body is read whole, up to MAX_BODY_BYTES.
    let (body, mut upload) = if is_upload(parts.method.as_str(), parts.uri.path()) {
        let streamed = super::store::stream_upload(&parts.headers, body).await;
        (streamed.raw, Some(streamed.upload))
    } else {
        match read_body(body).await {
            Ok(body) => (body, None),
            Err(answer) => return Ok(answer),
        }
    };
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let route = routes::route(method, path);
    // Contexts, extensions, certificates, downloads and projects are served by `areas.rs`.
    let area = match route {
        Some(_) => None,
        None => super::areas::route(method, path),
    };
    let key_ok = parts
        .headers
        .get(API_KEY_HEADER)
        .is_some_and(|k| k.as_bytes() == shared.api_key.as_bytes());
    shared.recorder.push(RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if name == API_KEY_HEADER {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: body.clone(),
        operation: route
            .map(|r| r.operation)
            .or(area.as_ref().map(|(op, _)| *op)),
    });

    if let Some(fault) = shared.faults.take(route.map(|r| r.operation), path) {
        return injected(fault).await;
    }
    if route.is_none()
        && let Some(answer) = {
            let host = parts
                .headers
                .get(hyper::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            let mut state = shared.state();
            super::sessions::serve(
                &mut state,
                method,
                path,
                parts.uri.query(),
                super::sessions::Body {
                    bytes: &body,
                    // An extension's or certificate's is for `areas` below.
                    upload: if area.is_none() { upload.take() } else { None },
                },
                host,
                key_ok,
            )
        }
    {
        if let Some(hold) = answer.delay {
            tokio::time::sleep(hold).await;
        }
        let mut response = Response::new(Full::new(answer.body));
        *response.status_mut() = answer.status;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
        return Ok(response);
    }
    let Some(route) = route else {
        if let Some(area) = area {
            let answer = super::areas::answer(&shared.state, area, &parts, key_ok, body, upload);
            return Ok(answer.unwrap_or_else(|| reply(unauthorized())));
        }
        return Ok(reply(Reply::error(
            StatusCode::NOT_FOUND,
            format!(
                "UNMATCHED by the fake Browserbase server: no route for {method} {path}. It serves only the documented Functions and Webhooks operations; check the method and path."
            ),
        )));
    };
    if !key_ok {
        return Ok(reply(unauthorized()));
    }
    let answer = {
        let mut state = shared.state();
        let invoke = route.operation == routes::Operation::FunctionsInvoke;
        if invoke && let Some(refused) = super::areas::refuse_invoke(&mut state) {
            return Ok(refused);
        }
        let answer = routes::dispatch(&mut state, route, parts.uri.query(), &body);
        if invoke {
            super::areas::started_invoke(&mut state);
        }
        if !state.webhooks.is_empty() {
            // An invoke queued an event, or the request noticed a transition.
            shared.wake.notify_one();
        }
        answer
    };
    Ok(reply(answer))
}

/// Whether `method path` is one of the multipart uploads, whose bodies stream.
fn is_upload(method: &str, path: &str) -> bool {
    bb_api::operations::route(method, path, |op| {
        matches!(
            op,
            Operation::ExtensionsUpload
                | Operation::CertificatesUpload
                | Operation::SessionsUploadFile
        )
    })
    .is_some()
}

/// The whole body, up to MAX_BODY_BYTES; or the 413 (400) to answer.
async fn read_body(body: Incoming) -> Result<Bytes, Response<Full<Bytes>>> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            Err(reply(if too_large {
                Reply::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than the fake's limit of {MAX_BODY_BYTES} bytes"),
                )
            } else {
                Reply::error(StatusCode::BAD_REQUEST, "could not read the body")
            }))
        }
    }
}

/// The fixed answer for `req`, if it is an invoke or an invocation get.
fn fixed_body(fixed: &Fixed, req: &Request<Incoming>) -> Option<(StatusCode, Bytes)> {
    match routes::route(req.method().as_str(), req.uri().path())?.operation {
        Operation::FunctionsInvoke => Some((StatusCode::ACCEPTED, fixed.invoke.clone())),
        Operation::InvocationsGet => Some((StatusCode::OK, fixed.get.clone())),
        _ => None,
    }
}

fn unauthorized() -> Reply {
    Reply::error(
        StatusCode::UNAUTHORIZED,
        "Missing or invalid X-BB-API-Key header",
    )
}

async fn injected(fault: Fault) -> Answer {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            let mut r = Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many requests (an injected fault); retry after {retry_after_secs} s"),
            );
            r.retry_after = Some(retry_after_secs);
            Ok(reply(r))
        }
        Fault::Status(status) => Ok(reply(Reply::error(
            status,
            format!("{status} (an injected fault)"),
        ))),
        Fault::Hang => {
            // Ends when the client gives up or the fake stops (its connection task is aborted).
            std::future::pending::<()>().await;
            Err(CloseConnection)
        }
        Fault::CloseConnection => Err(CloseConnection),
    }
}
