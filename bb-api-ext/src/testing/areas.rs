//! The fake's contexts, extensions, certificates, downloads and projects, on the generic store
//! (`store.rs`): only what is particular to each area is here.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use hyper::header::HeaderMap;
use hyper::http::request::Parts;
use serde_json::{Value, json};
use uuid::Uuid;

use super::area_store::{Areas, Download};
use super::routes::Operation;
use super::state::{PROJECT_ID, State, Status, stamp};
use super::store::{
    Answer, Item, Refusal, Upload, accepts, bytes_answer, error, json_answer, no_content,
    offset_limit, page,
};

/// The operations served here.
const SERVED: [Operation; 17] = [
    Operation::ContextsCreate,
    Operation::ContextsGet,
    Operation::ContextsUpdate,
    Operation::ContextsDelete,
    Operation::ExtensionsUpload,
    Operation::ExtensionsGet,
    Operation::ExtensionsDelete,
    Operation::CertificatesUpload,
    Operation::CertificatesList,
    Operation::CertificatesGet,
    Operation::CertificatesDelete,
    Operation::DownloadsList,
    Operation::DownloadsGet,
    Operation::DownloadsDelete,
    Operation::ProjectsList,
    Operation::ProjectsGet,
    Operation::ProjectsUsage,
];

/// Which of these areas' operations `method path` is, by the generated operation table, with its
/// path parameters.
pub(crate) fn route<'p>(method: &str, path: &'p str) -> Option<(Operation, Vec<&'p str>)> {
    bb_api::operations::route(method, path, |op| SERVED.contains(&op))
}

/// Invocations pending or running now.
fn running(state: &State) -> usize {
    let now = state.clock.now();
    state
        .invocations
        .values()
        .filter(|i| matches!(i.status(now), Status::Pending | Status::Running))
        .count()
}

/// The 429 Browserbase answers an invoke with while the project runs as many invocations as its
/// concurrency allows (counted in [`Areas::rejected`]); `None` when the invoke may start.
pub(crate) fn refuse_invoke(state: &mut State) -> Option<Answer> {
    if !state.areas.enforced {
        return None;
    }
    let running = running(state);
    if (running as u64) < state.areas.concurrency {
        return None;
    }
    state.areas.rejected += 1;
    let mut answer = error(
        StatusCode::TOO_MANY_REQUESTS,
        &format!(
            "You've exceeded your max concurrent sessions limit (limit {}, currently {running}). Please contact support to increase your limit.",
            state.areas.concurrency
        ),
    )
    .into_answer();
    answer.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    Some(answer)
}

/// Records the peak of invocations running at once, after one started under an enforced limit.
pub(crate) fn started_invoke(state: &mut State) {
    if state.areas.enforced {
        let now = running(state);
        state.areas.peak = state.areas.peak.max(now);
    }
}

/// Answers a request to these areas; `None` when the API key was wrong (`key_ok` false). An
/// upload's multipart body was streamed and parsed before (`upload`: `store::stream_upload`).
pub(crate) fn answer(
    state: &std::sync::Mutex<State>,
    (op, ids): (Operation, Vec<&str>),
    parts: &Parts,
    key_ok: bool,
    body: Bytes,
    upload: Option<Result<Upload, Refusal>>,
) -> Option<Answer> {
    if !key_ok {
        return None;
    }
    Some(answer_request(
        state,
        op,
        &ids,
        parts.uri.query(),
        &parts.headers,
        body,
        upload,
    ))
}

fn answer_request(
    state: &std::sync::Mutex<State>,
    op: Operation,
    ids: &[&str],
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
    upload: Option<Result<Upload, Refusal>>,
) -> Answer {
    use Operation::*;
    let upload = match (op, upload) {
        (ExtensionsUpload | CertificatesUpload, Some(Ok(file))) => Some(file),
        (ExtensionsUpload | CertificatesUpload, Some(Err(refusal))) => {
            return refusal.into_answer();
        }
        (ExtensionsUpload | CertificatesUpload, None) => {
            return bad("no body").into_answer();
        }
        _ => None,
    };
    let query: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    let now = state.clock.now();
    let state = &mut *state;
    let areas = &mut state.areas;
    let result = match (op, ids, upload) {
        (ContextsCreate, _, _) => match json_object(&body) {
            Ok(_) => {
                let item = areas.contexts.insert(now, ());
                Ok(json_answer(StatusCode::CREATED, &context_keys(&item.id)))
            }
            Err(e) => Err(e),
        },
        (ContextsGet, [id], _) => areas.contexts.get(id).map(|i| ok(&resource(i, json!({})))),
        (ContextsUpdate, [id], _) => areas.contexts.get_mut(id).map(|i| {
            i.updated = now;
            ok(&context_keys(&i.id))
        }),
        (ContextsDelete, [id], _) => areas.contexts.delete(id).map(|_| no_content()),
        (ExtensionsUpload, _, Some(file)) => {
            if !file.file_name.to_ascii_lowercase().ends_with(".zip") {
                Err(bad(&format!("the file {:?} is not a .zip", file.file_name)))
            } else {
                let item = areas.extensions.insert(now, file.file_name);
                Ok(ok(&extension(item)))
            }
        }
        (ExtensionsGet, [id], _) => areas.extensions.get(id).map(|i| ok(&extension(i))),
        (ExtensionsDelete, [id], _) => areas.extensions.delete(id).map(|_| no_content()),
        (CertificatesUpload, _, Some(file)) => {
            // A certificate over KEPT_UPLOAD_BYTES is not kept, so not one.
            if !file
                .bytes
                .as_ref()
                .is_some_and(|b| b.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----"))
            {
                Err(bad("the file holds no PEM CERTIFICATE block"))
            } else {
                let item = areas.certificates.insert(now, ());
                Ok(ok(&resource(item, json!({}))))
            }
        }
        (CertificatesList, _, _) => {
            let all: Vec<Value> = areas
                .certificates
                .iter()
                .map(|i| resource(i, json!({})))
                .collect();
            Ok(ok(&Value::Array(all)))
        }
        (CertificatesGet, [id], _) => areas
            .certificates
            .get(id)
            .map(|i| ok(&resource(i, json!({})))),
        (CertificatesDelete, [id], _) => areas.certificates.delete(id).map(|_| no_content()),
        (DownloadsList, _, _) => downloads_list(areas, now, &query),
        (DownloadsGet, [id], _) => match areas.downloads.get(id) {
            Ok(i) if i.created <= now => Ok(if accepts(headers, "application/octet-stream") {
                bytes_answer(
                    StatusCode::OK,
                    "application/octet-stream",
                    i.data.served.clone(),
                )
            } else {
                ok(&download(i))
            }),
            _ => Err(error(
                StatusCode::NOT_FOUND,
                &format!("Download {id} does not exist in this project"),
            )),
        },
        (DownloadsDelete, [id], _) => areas.downloads.delete(id).map(|_| no_content()),
        (ProjectsList, _, _) => Ok(ok(&json!([project(state, now)]))),
        (ProjectsGet, [id], _) => project_named(id).map(|()| ok(&project(state, now))),
        (ProjectsUsage, [id], _) => project_named(id).map(|()| ok(&usage(state, now))),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            &format!("UNMATCHED by the fake Browserbase server: {op} takes one path parameter"),
        )),
    };
    result.unwrap_or_else(Refusal::into_answer)
}

fn ok(body: &Value) -> Answer {
    json_answer(StatusCode::OK, body)
}

fn bad(message: &str) -> Refusal {
    error(
        StatusCode::BAD_REQUEST,
        &format!("Invalid request: {message}"),
    )
}

/// An optional JSON object body (a context create's `{"projectId"?}`).
fn json_object(body: &[u8]) -> Result<(), Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => match map.keys().find(|k| *k != "projectId") {
            Some(k) => Err(bad(&format!("{k:?} is not an accepted property"))),
            None => Ok(()),
        },
        _ => Err(bad("the body must be a JSON object")),
    }
}

/// The common fields of contexts, extensions and certificates, plus `extra`.
fn resource<T>(item: &Item<T>, extra: Value) -> Value {
    let mut v = json!({
        "id": item.id,
        "projectId": PROJECT_ID,
        "createdAt": stamp(item.created),
        "updatedAt": stamp(item.updated),
    });
    if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
        v.extend(extra);
    }
    v
}

fn extension(item: &Item<String>) -> Value {
    resource(item, json!({"fileName": item.data}))
}

/// A context create's or update's answer; the upload URL carries a fresh signature each time.
fn context_keys(id: &str) -> Value {
    json!({
        "id": id,
        "uploadUrl": format!("https://upload.fake.invalid/contexts/{id}?signature={}", Uuid::new_v4().simple()),
        "publicKey": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfakefakefakefakefakefakefake\n-----END PUBLIC KEY-----\n",
        "cipherAlgorithm": "AES-256-CBC",
        "initializationVectorSize": 16,
    })
}

fn download(item: &Item<Download>) -> Value {
    let d = &item.data;
    json!({
        "id": item.id,
        "sessionId": d.session_id,
        "filename": d.filename,
        "mimeType": d.mime_type,
        "size": d.content.len(),
        "checksum": d.checksum,
        "createdAt": stamp(item.created),
    })
}

fn downloads_list(
    areas: &Areas,
    now: DateTime<Utc>,
    query: &[(String, String)],
) -> Result<Answer, Refusal> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let session = get("sessionId").ok_or_else(|| bad("sessionId is required"))?;
    let size = |name: &str| {
        get(name)
            .map(|raw| {
                raw.parse::<f64>()
                    .map_err(|_| bad(&format!("{name} must be a number")))
            })
            .transpose()
    };
    let time = |name: &str| {
        get(name)
            .map(|raw| {
                DateTime::parse_from_rfc3339(raw)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| bad(&format!("{name} must be a date-time")))
            })
            .transpose()
    };
    let (min, max) = (size("minSize")?, size("maxSize")?);
    let (after, before) = (time("createdAfter")?, time("createdBefore")?);
    let (filename, mime) = (get("filename"), get("mimeType"));
    let items = areas.downloads.iter().filter(|i| {
        let d = &i.data;
        let len = d.content.len() as f64;
        i.created <= now
            && d.session_id == session
            && filename.is_none_or(|f| d.filename == f)
            && mime.is_none_or(|m| d.mime_type == m)
            && min.is_none_or(|m| len >= m)
            && max.is_none_or(|m| len <= m)
            && after.is_none_or(|t| i.created >= t)
            && before.is_none_or(|t| i.created <= t)
    });
    Ok(page("downloads", items, offset_limit(query)?, download))
}

fn project_named(id: &str) -> Result<(), Refusal> {
    if Uuid::parse_str(id).is_ok_and(|id| id == PROJECT_ID) {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            &format!("Project {id} does not exist or the API key may not see it"),
        ))
    }
}

fn project(state: &State, now: DateTime<Utc>) -> Value {
    json!({
        "id": PROJECT_ID,
        "name": "fake project",
        "ownerId": "00000000-0000-4000-8000-0000000000aa",
        "defaultTimeout": 900,
        "concurrency": state.areas.concurrency,
        "createdAt": stamp(now),
        "updatedAt": stamp(now),
    })
}

/// Browser minutes: every invocation's time running so far, each rounded up to a minute.
fn usage(state: &State, now: DateTime<Utc>) -> Value {
    let minutes: i64 = state
        .invocations
        .values()
        .filter(|i| i.started <= now)
        .map(|i| {
            let secs = (i.ends.min(now) - i.started).num_seconds().max(0);
            (secs + 59) / 60
        })
        .sum();
    json!({"browserMinutes": minutes, "proxyBytes": 0})
}
