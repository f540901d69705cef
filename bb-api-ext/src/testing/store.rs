//! A generic resource store for the fake: ids, timestamps, get/list/delete, offset pages with the
//! API's limits, 404s naming the id, and the JSON and content answers, so that an area costs the
//! fake only what is particular to it (`areas.rs`).

use std::fmt::Write as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crate::crypto::digest;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An answer of the areas.
pub(crate) type Answer = Response<Full<Bytes>>;

/// An error answer, made into one at the end: `{"statusCode", "error", "message"}`.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn into_answer(self) -> Answer {
        json_answer(
            self.status,
            &json!({
                "statusCode": self.status.as_u16(),
                "error": self.status.canonical_reason().unwrap_or("Error"),
                "message": self.message,
            }),
        )
    }
}

/// One stored resource.
pub(crate) struct Item<T> {
    pub(crate) id: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    pub(crate) data: T,
}

/// The resources of one kind, in creation order.
pub(crate) struct Store<T> {
    /// What one is called in messages: "Context".
    kind: &'static str,
    items: Vec<Item<T>>,
}

impl<T> Store<T> {
    pub(crate) fn new(kind: &'static str) -> Self {
        Self {
            kind,
            items: Vec::new(),
        }
    }

    /// Stores `data` under a new UUID.
    pub(crate) fn insert(&mut self, now: DateTime<Utc>, data: T) -> &Item<T> {
        let index = self.items.len();
        self.items.push(Item {
            id: Uuid::new_v4().to_string(),
            created: now,
            updated: now,
            data,
        });
        &self.items[index]
    }

    pub(crate) fn get(&self, id: &str) -> Result<&Item<T>, Refusal> {
        self.items
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| self.not_found(id))
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Result<&mut Item<T>, Refusal> {
        match self.items.iter().position(|i| i.id == id) {
            Some(i) => Ok(&mut self.items[i]),
            None => Err(self.not_found(id)),
        }
    }

    pub(crate) fn delete(&mut self, id: &str) -> Result<Item<T>, Refusal> {
        match self.items.iter().position(|i| i.id == id) {
            Some(i) => Ok(self.items.remove(i)),
            None => Err(self.not_found(id)),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Item<T>> {
        self.items.iter()
    }

    fn not_found(&self, id: &str) -> Refusal {
        error(
            StatusCode::NOT_FOUND,
            &format!("{} {id} does not exist in this project", self.kind),
        )
    }
}

/// `offset` (default 0) and `limit` (default 20, 1 to 100) of an offset list, or the 400.
pub(crate) fn offset_limit(query: &[(String, String)]) -> Result<(usize, usize), Refusal> {
    let int = |name: &str, default: usize, min: usize, max: usize| {
        match query.iter().find(|(n, _)| n == name) {
            None => Ok(default),
            Some((_, raw)) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &format!("Invalid request: {name} must be an integer from {min} to {max} (got {raw:?})"),
                    )
                }),
        }
    };
    Ok((int("offset", 0, 0, usize::MAX)?, int("limit", 20, 1, 100)?))
}

/// `{key: [page], "total", "limit", "offset"}` of the items passing `keep`.
pub(crate) fn page<'a, T: 'a>(
    key: &str,
    items: impl Iterator<Item = &'a Item<T>>,
    (offset, limit): (usize, usize),
    to_json: impl Fn(&Item<T>) -> Value,
) -> Answer {
    let all: Vec<&Item<T>> = items.collect();
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|i| to_json(i))
        .collect();
    json_answer(
        StatusCode::OK,
        &json!({key: page, "total": all.len(), "limit": limit, "offset": offset}),
    )
}

pub(crate) fn json_answer(status: StatusCode, body: &Value) -> Answer {
    bytes_answer(status, "application/json", Bytes::from(body.to_string()))
}

pub(crate) fn bytes_answer(status: StatusCode, content_type: &'static str, body: Bytes) -> Answer {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub(crate) fn no_content() -> Answer {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// An error of `status` saying `message`, as every error of the API.
pub(crate) fn error(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_owned(),
    }
}

/// Whether the request accepts `content_type` first: `Accept` lists it before any other
/// (no `Accept`, or `*/*`, is JSON).
pub(crate) fn accepts(headers: &HeaderMap, content_type: &str) -> bool {
    headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|first| first.split(';').next().unwrap_or("").trim())
        .is_some_and(|first| first.eq_ignore_ascii_case(content_type))
}

/// The largest upload body the fake reads (the multipart routes: extensions, certificates,
/// session uploads): the API's 256 MiB extension maximum plus room. A larger one is answered 413.
pub(crate) const MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;

/// Up to this size an upload's body (and its file's bytes) is kept for assertions; above it only
/// the file's size and SHA-256 are, so a large upload streams through in bounded memory.
pub(crate) const KEPT_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// One uploaded file: the part `file` of a multipart body.
pub(crate) struct Upload {
    pub(crate) file_name: String,
    /// Its size in bytes.
    pub(crate) len: u64,
    /// Its SHA-256, lowercase hex.
    pub(crate) sha256: String,
    /// Its content, when at most [`KEPT_UPLOAD_BYTES`].
    pub(crate) bytes: Option<Bytes>,
}

/// An upload's body as it streamed in.
pub(crate) struct Streamed {
    /// The part `file`, or the 400 (413) saying what is wrong.
    pub(crate) upload: Result<Upload, Refusal>,
    /// The body as received when at most [`KEPT_UPLOAD_BYTES`]; empty above.
    pub(crate) raw: Bytes,
}

/// The request body, read frame by frame, counted against [`MAX_UPLOAD_BYTES`] and kept while
/// small. Shared between the multipart parser and the drain after it.
struct Tee {
    body: Incoming,
    received: u64,
    raw: Vec<Bytes>,
    too_large: bool,
    unreadable: bool,
    ended: bool,
}

/// The parser's end of a [`Tee`].
struct TeeStream(Arc<Mutex<Tee>>);

impl futures_util::Stream for TeeStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut tee = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tee.poll_chunk(cx)
    }
}

impl Tee {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, std::io::Error>>> {
        // Bounded: each frame consumes the body, and the body is cut at MAX_UPLOAD_BYTES.
        loop {
            if self.ended || self.too_large || self.unreadable {
                return Poll::Ready(None);
            }
            let frame = match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    self.unreadable = true;
                    return Poll::Ready(Some(Err(std::io::Error::other(e))));
                }
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers
            };
            self.received += chunk.len() as u64;
            if self.received > MAX_UPLOAD_BYTES {
                self.too_large = true;
                self.raw.clear();
                return Poll::Ready(Some(Err(std::io::Error::other("over the upload limit"))));
            }
            if self.received <= KEPT_UPLOAD_BYTES as u64 {
                self.raw.push(chunk.clone());
            } else if !self.raw.is_empty() {
                self.raw = Vec::new();
            }
            return Poll::Ready(Some(Ok(chunk)));
        }
    }
}

/// Streams an upload's body through the multipart parser: the one part `file`, carrying a file
/// name, hashed as it arrives (its bytes kept only when small); anything else (no multipart,
/// another part, two parts, no file name) is a 400 saying so, a body over [`MAX_UPLOAD_BYTES`] a
/// 413. The rest of a refused body is still read (up to the limit), so that the client gets the
/// answer rather than a reset connection.
pub(crate) async fn stream_upload(headers: &HeaderMap, body: Incoming) -> Streamed {
    let tee = Arc::new(Mutex::new(Tee {
        body,
        received: 0,
        raw: Vec::new(),
        too_large: false,
        unreadable: false,
        ended: false,
    }));
    let parsed = parse_upload(headers, TeeStream(Arc::clone(&tee))).await;
    // Drain what the parser left (an epilogue, or the rest of a refused body).
    std::future::poll_fn(|cx| {
        let mut tee = tee.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match tee.poll_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Ready(Some(_)) => {}
            }
        }
    })
    .await;
    let tee = tee.lock().unwrap_or_else(|e| e.into_inner());
    let upload = if tee.too_large {
        Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body is larger than the fake's upload limit of {MAX_UPLOAD_BYTES} bytes"),
        ))
    } else if tee.unreadable {
        Err(error(StatusCode::BAD_REQUEST, "could not read the body"))
    } else {
        parsed
    };
    let raw = if tee.received <= KEPT_UPLOAD_BYTES as u64 {
        tee.raw.concat().into()
    } else {
        Bytes::new()
    };
    Streamed { upload, raw }
}

async fn parse_upload(headers: &HeaderMap, body: TeeStream) -> Result<Upload, Refusal> {
    let bad = |m: String| error(StatusCode::BAD_REQUEST, &format!("Invalid request: {m}"));
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| bad(format!("expected a multipart/form-data body ({e})")))?;
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut file = None;
    // Bounded: each field consumes some of the body, which is cut at MAX_UPLOAD_BYTES.
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("the multipart body does not parse: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name != "file" {
            return Err(bad(format!(
                "unexpected part {name:?}: only `file` is accepted"
            )));
        }
        if file.is_some() {
            return Err(bad("the part `file` is sent twice".to_owned()));
        }
        let file_name = field
            .file_name()
            .map(str::to_owned)
            .ok_or_else(|| bad("the part `file` has no file name".to_owned()))?;
        let mut hash = digest::Context::new(&digest::SHA256);
        let mut len: u64 = 0;
        let mut kept: Option<Vec<Bytes>> = Some(Vec::new());
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| bad(format!("the part `file` does not parse: {e}")))?
        {
            len += chunk.len() as u64;
            hash.update(&chunk);
            if len > KEPT_UPLOAD_BYTES as u64 {
                kept = None;
            } else if let Some(kept) = &mut kept {
                kept.push(chunk);
            }
        }
        let sha256 = hash
            .finish()
            .as_ref()
            .iter()
            .fold(String::new(), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            });
        let upload = Upload {
            file_name,
            len,
            sha256,
            bytes: kept.map(|k| k.concat().into()),
        };
        tracing::debug!(
            file_name = upload.file_name,
            len = upload.len,
            sha256 = upload.sha256,
            "the fake received an upload"
        );
        file = Some(upload);
    }
    file.ok_or_else(|| bad("the part `file` is required".to_owned()))
}
