//! A generic resource store for the fake: ids, timestamps, get/list/delete, offset pages with the
//! API's limits, 404s naming the id, and the JSON and content answers, so that an area costs the
//! fake only what is particular to it (`areas.rs`).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
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

/// One uploaded file: the part `file` of a multipart body.
pub(crate) struct Upload {
    pub(crate) file_name: String,
    pub(crate) bytes: Bytes,
}

/// The one part `file` of a `multipart/form-data` body, carrying a file name; anything else (no
/// multipart, another part, two parts, no file name) is a 400 saying so.
pub(crate) async fn multipart_file(headers: &HeaderMap, body: Bytes) -> Result<Upload, Refusal> {
    let bad = |m: String| error(StatusCode::BAD_REQUEST, &format!("Invalid request: {m}"));
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| bad(format!("expected a multipart/form-data body ({e})")))?;
    let mut multipart = multer::Multipart::new(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) }),
        boundary,
    );
    let mut file = None;
    // Bounded: the body is in memory and each field consumes some of it.
    while let Some(field) = multipart
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
        let bytes = field
            .bytes()
            .await
            .map_err(|e| bad(format!("the part `file` does not parse: {e}")))?;
        file = Some(Upload { file_name, bytes });
    }
    file.ok_or_else(|| bad("the part `file` is required".to_owned()))
}
